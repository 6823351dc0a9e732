// The data plane (Boost.Asio + Boost.Beast). Design notes:
//
// - One io_context per worker thread, each with its own SO_REUSEPORT acceptor,
//   upstream pool and hold queue: nothing on the request path is shared between
//   threads except relaxed atomic counters.
// - Beast's basic_parser is used with our own callbacks: the head is copied
//   once into a per-connection store (no header container), and body bytes go
//   straight into the outgoing buffer of the other side, re-chunked where the
//   framing changes. Both directions stream at the same time (full duplex) with
//   at most one read buffer of data in flight per direction.
// - A held request costs its session object and the bytes it sent; it holds
//   no timer and no upstream connection. The worker keeps one timer for the
//   earliest hold deadline (hold::HoldQueue is told `now`).
// - Released requests go through a bounded per-endpoint pool with a wait
//   queue, never one new connection per request.

#include <kedahttp/net/plumbing.hpp>

#include <kedahttp/util/strings.hpp>

#include <spdlog/spdlog.h>

namespace kedahttp::net {

namespace {

using namespace plumbing;

// --- session ---------------------------------------------------------------------

class Session;

// What a session needs only while it talks to a backend: allocated on the first
// forward (and reused by later requests on the connection), absent while parked.
struct UpstreamSide {
  explicit UpstreamSide(Worker& worker) : dialer(worker) {}
  Dialer dialer;
  RequestTrace trace; // tracing on: this exchange's ids (trace.forwarded: set for this exchange)
  // An HTTP/2 backend (appProtocol kubernetes.io/h2c): the call, and its response's state.
  std::unique_ptr<CallSink<Session>> sink; // the session, as the call sees it
  std::unique_ptr<Http2Call> call;
  bool call_chunked = false;   // the client gets the response chunked
  size_t call_unconsumed = 0;  // response bytes taken from the backend, not yet written
  bool writing_client = false; // a write of the call's response is in flight
  bool reading_body = false;   // a read of the request body for the call is in flight
  HeadStore head;
  std::optional<ResponseParser> parser;
  std::string out;     // bytes for the backend
  std::string sending; // bytes being written to the backend
  proxy::Endpoint endpoint;
};

// One client connection; requests on it are handled one after the other.
class Session : public Waiter, public std::enable_shared_from_this<Session>
{
public:
  Session(Worker& worker, Stream stream) : m_worker(worker), m_client(std::move(stream)) {}

  void start()
  {
    error_code ec;
    const auto peer = m_client.socket().remote_endpoint(ec);
    m_peer_ip = ec ? std::string() : peer.address().to_string();
    m_peer_port = ec ? 0 : peer.port();
    start_requests();
  }

  void start_requests()
  {
    next_request();
    // A new connection must send its first head within the read-header timeout (as Go's
    // server); later keep-alive requests may idle, and are timed from their first byte.
    if (!m_req->is_header_done() && !m_finished) {
      arm_header_timer();
    }
  }

  // The held request's service became ready.
  void on_released() override
  {
    m_releasing = true; // counts against the worker's release window until the exchange ends
    m_parked = false;
    release_budget();
    m_cold_start = true;
    after_parked_read(Unparked::released);
  }

  // The held request's readiness (or request) deadline passed.
  void on_expired() override
  {
    m_parked = false;
    release_budget();
    after_parked_read(Unparked::expired);
  }

private:
  // Why a parked request left the hold (a tag, not a callback: parked sessions are many).
  enum class Unparked : uint8_t { none, released, expired };

  void continue_unparked(Unparked why)
  {
    if (why == Unparked::released) {
      forward();
      return;
    }
    m_decision = proxy::on_expired(std::move(m_decision), now(), m_request_deadline);
    if (m_decision.action == proxy::Action::respond) {
      respond(m_decision.response, m_decision.reason);
      return;
    }
    m_via_fallback = true;
    forward();
  }

  // --- request head ---

  void next_request()
  {
    ++m_exchange;
    m_failed = false;
    m_watching_client = false;
    m_req.emplace(m_req_head);
    m_req->header_limit(static_cast<std::uint32_t>(m_worker.shared.config.max_header_bytes));
    m_req->body_limit(k_no_body_limit);
    m_req->eager(false);
    if (m_side) {
      m_side->parser.reset();
      m_side->out.clear();
      m_side->trace.forwarded = false;
      m_side->reading_body = false;
      m_side->writing_client = false;
    }
    m_decision = proxy::Decision{};
    m_out.clear();
    m_head_sent = false;
    m_request_done = false;
    m_response_done = false;
    m_cold_start = false;
    m_via_fallback = false;
    m_retried = false;
    m_status = 0;
    m_body_bytes = 0;
    m_head_bytes = 0;
    m_request_deadline = core::k_never;
    m_hold_deadline = core::k_never;
    m_held_once = false;
    m_started = Clock::now();
    m_start_wall = std::chrono::system_clock::now();
    parse_head();
  }

  void parse_head()
  {
    if (m_exchange == 1 && !m_client.is_tls() && m_in.size() > 0) {
      // HTTP/2 with prior knowledge (h2c) starts with its preface instead of a request.
      const std::string_view seen(static_cast<const char*>(m_in.data().data()),
                                  std::min(m_in.size(), k_http2_preface.size()));
      if (k_http2_preface.substr(0, seen.size()) == seen) {
        if (seen.size() < k_http2_preface.size()) {
          read_head(); // not all of it yet
          return;
        }
        cancel_timer();
        std::string bytes(static_cast<const char*>(m_in.data().data()), m_in.size());
        m_in.consume(m_in.size());
        m_worker.serve_http2(std::move(m_client), std::move(bytes));
        return; // this session ends here: the connection is the HTTP/2 session's
      }
    }
    // Bytes left over from the previous request (pipelining) are parsed first.
    if (m_in.size() > 0) {
      error_code ec;
      const size_t used = m_req->put(m_in.data(), ec);
      m_in.consume(used);
      if (ec && ec != http::error::need_more) {
        bad_request(ec);
        return;
      }
      if (m_req->is_header_done()) {
        on_head();
        return;
      }
    }
    if (m_in.size() > 0) {
      arm_header_timer(); // a partial head: slow clients get the read-header timeout
    }
    read_head();
  }

  void read_head()
  {
    m_client.async_read_some(m_in.prepare(m_in.size() < 1024 ? 1024 : k_read_chunk),
                             [self = shared_from_this()](error_code ec, size_t n) { self->on_read_head(ec, n); });
  }

  void on_read_head(error_code ec, size_t n)
  {
    if (ec) {
      close(); // the client closed an idle connection, or went away mid-head
      return;
    }
    m_in.commit(n);
    parse_head();
  }

  void arm_header_timer()
  {
    if (!m_timer) {
      m_timer = std::make_unique<asio::steady_timer>(m_worker.ioc);
    }
    const auto gen = ++m_timer_gen;
    m_timer->expires_after(m_worker.shared.config.read_header_timeout);
    m_timer->async_wait([self = shared_from_this(), gen](error_code ec) {
      if (!ec && gen == self->m_timer_gen && (!self->m_req || !self->m_req->is_header_done())) {
        self->close();
      }
    });
  }

  void cancel_timer()
  {
    ++m_timer_gen;
    if (m_timer) {
      m_timer->cancel();
    }
  }

  // The host the request is for: an absolute-form target's authority, else Host. A view
  // into the request head (not kept as a copy: parked requests are many).
  std::string_view request_host() const
  {
    const std::string_view authority = absolute_authority(m_req_head.second());
    return authority.empty() ? proxy::find_field(m_req_head.fields(), "host").value_or(std::string_view()) : authority;
  }

  void bad_request(error_code ec)
  {
    reject(ec == http::error::header_limit ? 431 : 400);
  }

  // A request refused before routing, as Go's server does: answered, not counted, closed.
  void reject(unsigned status)
  {
    m_out.clear();
    proxy::write_simple_response(m_out, proxy::error_response(status), false, true);
    m_status = status;
    write_client_then([self = shared_from_this()] { self->close(); });
  }

  // What Go's server refuses before any handler (ambiguous framing or target): a
  // Transfer-Encoding other than exactly "chunked" (501: the proxy would strip the
  // coding, or take the body for the next request), an HTTP/1.1 request without a
  // Host header or with several (400). 0: acceptable.
  unsigned refused_head_status() const
  {
    size_t hosts = 0;
    for (const proxy::Field& field : m_req_head.fields()) {
      if (proxy::iequals(field.name, "host")) {
        ++hosts;
      } else if (proxy::iequals(field.name, "transfer-encoding")
                 && !proxy::iequals(util::trim(field.value), "chunked")) {
        return 501;
      }
    }
    const bool host_required = m_req->version >= 11 && m_req_head.first() != "CONNECT";
    return hosts > 1 || (hosts == 0 && host_required) ? 400 : 0;
  }

  void on_head()
  {
    cancel_timer();
    if (const unsigned status = refused_head_status()) {
      reject(status);
      return;
    }
    ++m_worker.shared.active;
    m_counted_active = true;
    const proxy::Fields fields = m_req_head.fields();
    const std::string path = decode_path(m_req_head.second()); // not kept: parked sessions are many
    m_keep_alive = m_req->keep_alive() && !m_worker.shared.draining.load(std::memory_order_relaxed);
    m_head_request = m_req_head.first() == "HEAD";
    m_upgrade = m_req->upgrade();

    const proxy::RequestView view{m_req_head.first(), request_host(), path, fields};
    m_decision = proxy::decide(view, *m_worker.snapshot, m_worker.shared.config.settings);
    m_snapshot = m_worker.snapshot; // keeps the route alive for the whole exchange
    m_request_deadline = proxy::request_deadline(m_decision.timeouts, now());
    switch (m_decision.action) {
    case proxy::Action::respond: respond(m_decision.response, m_decision.reason); return;
    case proxy::Action::forward: forward(); return;
    case proxy::Action::hold: hold(); return;
    }
  }

  // --- holding for a cold start ---

  // A released request is done with its release (answered, failed, gone or parked again).
  void end_release()
  {
    if (std::exchange(m_releasing, false)) {
      m_worker.release_finished();
    }
  }

  void hold()
  {
    end_release();
    const size_t bytes = m_req_head.bytes() + m_in.size();
    if (const auto full = m_worker.admit_to_hold(m_decision.route->key, bytes)) {
      respond(*full, "hold full");
      return;
    }
    m_held_bytes = bytes;
    m_budget_taken = true;
    // A request parked again (its endpoint vanished before it was sent) keeps its first deadline.
    if (m_hold_deadline == core::k_never || !m_held_once) {
      m_hold_started = Clock::now();
      m_hold_deadline = proxy::hold_deadline(m_decision.timeouts, now(), m_request_deadline);
      m_held_once = true;
    }
    const core::TimePoint deadline = m_hold_deadline;
    m_ticket = m_worker.next_ticket++;
    m_parked = true;
    // Thousands may wait: give back what a parked request does not need.
    if (m_in.size() == 0) {
      m_in.shrink_to_fit();
    }
    m_req_head.compact();
    m_side.reset(); // no backend conversation while parked (m_up is null here)
    cancel_timer();
    m_timer.reset();
    m_worker.park(shared_from_this(), m_ticket, m_decision.target.key(), deadline);
    watch_client_while_parked();
  }

  // While parked, waiting for the client's socket to become readable notices when it
  // leaves (499); bytes it sends meanwhile (a body) are kept, up to 64 KiB. A wait,
  // not a read: a held request owns no read buffer until it has something to read.
  void watch_client_while_parked()
  {
    if (m_in.size() >= 64 * 1024) {
      return; // enough buffered: stop reading (back-pressure); the client waits
    }
    m_parked_read = true;
    if (m_client.is_tls()) {
      // TLS records are not the client's bytes: read through the TLS layer (this one
      // holds a read buffer while parked; plain connections do not).
      m_client.async_read_some(m_in.prepare(k_read_chunk), [self = shared_from_this()](error_code ec, size_t n) {
        if (!ec) {
          self->m_in.commit(n);
        }
        self->on_parked_read(ec);
      });
      return;
    }
    m_client.socket().async_wait(tcp::socket::wait_read, [self = shared_from_this()](error_code ec) {
      if (!ec) {
        tcp::socket& socket = self->m_client.socket();
        const size_t available = socket.available(ec);
        if (!ec) {
          const size_t n = socket.read_some(self->m_in.prepare(std::max<size_t>(available, 1)), ec);
          if (!ec) {
            self->m_in.commit(n);
          }
        }
      }
      self->on_parked_read(ec);
    });
  }

  void on_parked_read(error_code ec)
  {
    m_parked_read = false;
    if (!m_parked) {
      if (const Unparked why = std::exchange(m_unparked, Unparked::none); why != Unparked::none) {
        continue_unparked(why); // now that nothing else reads into m_in
      }
      return;
    }
    if (ec) {
      m_worker.unpark(m_ticket);
      m_parked = false;
      release_budget();
      client_gone();
      return;
    }
    watch_client_while_parked();
  }

  // Runs `next` once the read that watched the client while parked has ended: it reads
  // into m_in, so no other read of the client may start before it is done (its bytes,
  // if any, are committed first: the start of the body, or the next request).
  void after_parked_read(Unparked why)
  {
    if (!m_parked_read) {
      continue_unparked(why);
      return;
    }
    m_unparked = why;
    error_code ignored;
    m_client.socket().cancel(ignored); // only that read is pending while parked
  }

  void release_budget()
  {
    if (std::exchange(m_budget_taken, false)) {
      m_worker.leave_hold(m_decision.route->key, m_held_bytes);
    }
  }

  // --- forwarding ---

  void forward()
  {
    const auto endpoint = proxy::pick_endpoint(*m_worker.snapshot, m_decision.target, m_worker.rng());
    if (!endpoint) {
      if (m_worker.waits_for_endpoint(m_decision, m_via_fallback)) {
        hold(); // not ready (any more): wait like any cold start
        return;
      }
      respond(proxy::error_response(502), "no endpoint");
      return;
    }
    if (!m_side) {
      m_side = std::make_unique<UpstreamSide>(m_worker);
    }
    m_side->endpoint = *endpoint;
    m_connect_deadline = m_request_deadline != core::k_never
                           ? m_request_deadline
                           : now() + m_worker.shared.config.settings.connect_retry_cap;
    // Re-encrypted connections are pooled apart, per TLS server name; HTTP/2 ones too.
    std::string key = m_side->endpoint.str();
    if (m_client.is_tls()) {
      key = "tls:" + m_decision.target.service + "." + m_decision.target.ns + "@" + key;
    }
    if (m_decision.target.h2c) {
      key = "h2c:" + key;
    }
    m_worker.pool.acquire(key, [self = shared_from_this()](UpstreamPtr conn) {
      self->on_upstream(std::move(conn));
    });
  }

  void on_upstream(UpstreamPtr conn)
  {
    m_up = std::move(conn);
    if (m_up->connected) {
      send_request_head();
      return;
    }
    connect();
  }

  void connect()
  {
    Dialer::Target target{m_side->endpoint, m_connect_deadline, {}, {}};
    if (m_client.is_tls()) {
      // Requests from the TLS listener are re-encrypted (spec/interceptor.md 3.10), to the
      // name upstream dials: service.namespace.
      target.tls_name = m_decision.target.service + "." + m_decision.target.ns;
      target.alpn = m_decision.target.h2c ? k_alpn_h2 : k_alpn_http11;
    }
    m_side->dialer.dial(*m_up, std::move(target), shared_from_this(), [this](unsigned status) {
      if (!m_up) {
        return;
      }
      if (status != 0) {
        upstream_failed(status, status == 504 ? "connect timeout" : "connect failed");
        return;
      }
      send_request_head();
    });
  }

  // The request head as the backend gets it, into m_side->out (which it clears).
  void write_request_head()
  {
    m_side->out.clear();
    proxy::UpstreamRequest request;
    request.method = m_req_head.first();
    request.target = m_req_head.second();
    request.client_ip = m_peer_ip;
    request.client_tls = m_client.is_tls();
    std::string traceparent;
    if (m_worker.shared.tracer) {
      if (!m_side->trace.forwarded) { // (a retry re-sends the same context)
        m_side->trace = RequestTrace::begin(*m_worker.shared.tracer,
                                            proxy::find_field(m_req_head.fields(), "traceparent").value_or(""));
        m_side->trace.forwarded = true;
        m_side->trace.client_start = std::chrono::system_clock::now();
      }
      traceparent = m_side->trace.upstream_traceparent();
      request.traceparent = traceparent;
    }
    request.upgrade = m_upgrade;
    if (m_req->chunked()) {
      request.framing = proxy::Framing::chunked;
    } else if (const auto length = m_req->content_length()) {
      request.framing = proxy::Framing::content_length;
      request.content_length = *length;
    }
    proxy::write_upstream_request_head(m_side->out, request, m_req_head.fields());
  }

  // A fresh parser for the next response head. It stops after the head: body bytes
  // need parser->out, which is set when the head is sent to the client.
  void start_response_parser()
  {
    m_side->parser.emplace(m_side->head);
    m_side->parser->body_limit(k_no_body_limit);
    m_side->parser->header_limit(k_response_head_limit);
    m_side->parser->eager(false);
    if (m_head_request) {
      m_side->parser->skip(true);
    }
  }

  void send_request_head()
  {
    if (m_releasing) {
      m_worker.released_request_sent();
    }
    if (m_decision.target.h2c) {
      start_call();
      return;
    }
    write_request_head();
    m_req->out = &m_side->out;
    m_req->chunk_out = m_req->chunked();
    m_req->eager(true);
    if (!pump_request_body_from_buffer()) {
      upstream_failed(400, "bad request body"); // e.g. a bad chunk size: never forward what follows
      return;
    }
    start_response_parser();
    arm_response_timer();
    write_upstream();
    read_upstream();
  }

  // --- an HTTP/2 backend (Http2Call) ---
public: // for CallSink<Session>

  // The request goes as HTTP/2: the head as written for HTTP/1.1 backends, converted, and
  // the body unchunked (m_side->out holds what the backend has not taken yet).
  void start_call()
  {
    if (m_up->forget_dead_link(m_worker.ioc)) {
      connect(); // the pooled connection's session had ended: a new one
      return;
    }
    write_request_head();
    const std::string head = std::move(m_side->out);
    m_side->out.clear();
    m_side->call_unconsumed = 0;
    m_req->out = &m_side->out;
    m_req->chunk_out = false;
    m_req->eager(true);
    if (!pump_request_body_from_buffer()) {
      upstream_failed(400, "bad request body");
      return;
    }
    const bool has_body = m_req->chunked() || m_req->content_length().value_or(0) > 0;
    if (!m_side->sink) {
      m_side->sink = std::make_unique<CallSink<Session>>(*this);
    }
    m_side->call = Http2Call::start(*m_up, shared_from_this(), *m_side->sink, head, m_client.is_tls(), has_body);
    if (!m_side->call) {
      upstream_failed(502, "HTTP/2 session with upstream failed");
      return;
    }
    arm_response_timer();
    if (m_request_done) {
      watch_client_during_response();
    }
  }

  size_t take_call_body(uint8_t* buf, size_t length, bool& eof, bool& deferred)
  {
    const size_t n = std::min(length, m_side->out.size());
    std::memcpy(buf, m_side->out.data(), n);
    m_side->out.erase(0, n);
    eof = m_request_done && m_side->out.empty();
    deferred = n == 0 && !eof;
    if (m_side->out.empty() && !m_request_done) {
      read_body_for_call();
    }
    return n;
  }

  void read_body_for_call()
  {
    if (m_side->reading_body) {
      return;
    }
    m_side->reading_body = true;
    m_client.async_read_some(m_in.prepare(k_read_chunk), [self = shared_from_this(), exchange = m_exchange](error_code ec,
                                                                                                          size_t n) {
      if (exchange != self->m_exchange || !self->m_side->call) {
        return;
      }
      self->m_side->reading_body = false;
      if (!self->take_client_body(ec, n)) {
        return;
      }
      if (self->m_request_done) {
        self->watch_client_during_response();
      }
      self->m_side->call->resume_body();
    });
  }

  void on_call_head(unsigned status, proxy::Fields fields, bool)
  {
    const auto length = proxy::find_field(fields, "content-length");
    std::optional<uint64_t> declared;
    if (length) {
      declared = std::strtoull(std::string(*length).c_str(), nullptr, 10);
    }
    m_side->call_chunked = write_response_head(status, proxy::reason_phrase(status), fields, declared)
                           == proxy::Framing::chunked;
    flush_call_response();
  }

  void on_call_data(std::string_view data)
  {
    if (m_side->call_chunked) {
      proxy::append_chunk(m_out, data);
    } else {
      m_out.append(data);
    }
    m_side->call_unconsumed += data.size();
    flush_call_response();
  }

  void on_call_end(bool ok, proxy::Fields trailers)
  {
    if (!ok) {
      upstream_failed(502, "upstream stream closed"); // after the head: the connection is cut
      return;
    }
    if (m_side->call_chunked) {
      m_out.append("0\r\n");
      for (const proxy::Field& field : trailers) {
        m_out.append(field.name).append(": ").append(field.value).append("\r\n");
      }
      m_out.append("\r\n");
    }
    m_response_done = true;
    flush_call_response();
  }

private:
  // Writes what the backend sent so far; the backend may send as much more once written.
  void flush_call_response()
  {
    if (m_side->writing_client) {
      return;
    }
    if (m_out.empty()) {
      if (m_response_done) {
        release_upstream(true); // the connection is kept if the call ended cleanly
        maybe_finish();
      }
      return;
    }
    const size_t written = std::exchange(m_side->call_unconsumed, 0);
    m_side->writing_client = true;
    write_client_then([self = shared_from_this(), written] {
      self->m_side->writing_client = false;
      if (self->m_side->call) {
        self->m_side->call->consume(written);
      }
      self->flush_call_response();
    });
  }

  // Request body bytes the client sent (`n` of them, or `ec`) go to the parser; false when that
  // ended the exchange (the client left, or the body is malformed: never forwarded further).
  bool take_client_body(error_code ec, size_t n)
  {
    if (ec) {
      client_gone();
      return false;
    }
    m_in.commit(n);
    if (!pump_request_body_from_buffer()) {
      upstream_failed(400, "bad request body");
      return false;
    }
    return true;
  }

  // Feeds buffered client bytes to the request parser (body -> m_side->out).
  bool pump_request_body_from_buffer()
  {
    while (!m_req->is_done() && m_in.size() > 0) {
      error_code ec;
      const size_t used = m_req->put(m_in.data(), ec);
      m_in.consume(used);
      if (ec == http::error::need_more) {
        break;
      }
      if (ec) {
        return false;
      }
      if (used == 0) {
        break;
      }
    }
    if (m_req->is_done()) {
      m_request_done = true;
    }
    return true;
  }

  void write_upstream()
  {
    if (m_side->out.empty()) {
      after_upstream_write();
      return;
    }
    m_writing_upstream = true;
    m_side->out.swap(m_side->sending);
    m_side->out.clear();
    asio::async_write(m_up->stream, asio::buffer(m_side->sending),
                      [self = shared_from_this(), exchange = m_exchange](error_code ec, size_t) {
      if (exchange != self->m_exchange) {
        return; // a write of an exchange that already ended
      }
      self->m_writing_upstream = false;
      self->m_side->sending.clear();
      if (ec) {
        self->upstream_failed(502, "write to upstream failed");
        return;
      }
      self->after_upstream_write();
    });
  }

  void after_upstream_write()
  {
    if (m_request_done || m_response_done || !m_up) {
      if (m_request_done && !m_response_done && m_up) {
        watch_client_during_response();
      }
      maybe_finish();
      return;
    }
    // More request body to come from the client.
    m_client.async_read_some(m_in.prepare(k_read_chunk), [self = shared_from_this()](error_code ec, size_t n) {
      if (!self->take_client_body(ec, n)) {
        return;
      }
      if (!self->m_up) {
        return;
      }
      self->write_upstream();
    });
  }

  // The request is forwarded whole and the response is on its way: notice a client
  // that leaves meanwhile (Go cancels the request then), so that a backend that is
  // slow to answer, or a long stream, does not keep the exchange (and its count)
  // alive. Nothing is read: pipelined bytes stay in the socket for the next request.
  void watch_client_during_response()
  {
    if (m_watching_client || m_upgrade) {
      return;
    }
    m_watching_client = true;
    // On the TCP socket under any TLS: a TLS record also makes it readable (and is left there).
    m_client.socket().async_wait(tcp::socket::wait_read, [self = shared_from_this(), exchange = m_exchange](error_code ec) {
      if (exchange != self->m_exchange || ec || self->m_finished || self->m_response_done) {
        return; // an exchange that already ended, or the socket was closed
      }
      char byte = 0;
      const ssize_t n = ::recv(self->m_client.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        self->client_gone();
      }
      // n > 0: the next pipelined request waits in the socket; this exchange is watched no more.
    });
  }

  // Until the response head: the response-header timeout (504); then, and also before, the
  // request deadline (cut mid-body). Re-armed for the latter when the former fires after the head.
  void arm_response_timer()
  {
    core::TimePoint deadline = m_request_deadline;
    if (!m_head_sent && m_decision.timeouts.response_header > core::Duration::zero()) {
      deadline = std::min(deadline, now() + m_decision.timeouts.response_header);
    }
    if (deadline == core::k_never) {
      return;
    }
    if (!m_timer) {
      m_timer = std::make_unique<asio::steady_timer>(m_worker.ioc);
    }
    const auto gen = ++m_timer_gen;
    m_timer->expires_at(Clock::time_point(std::chrono::duration_cast<Clock::duration>(deadline.time_since_epoch())));
    m_timer->async_wait([self = shared_from_this(), gen](error_code ec) {
      if (ec || gen != self->m_timer_gen || !self->upstream_active()) {
        return;
      }
      if (!self->m_head_sent) {
        self->upstream_failed(504, "response timeout");
      } else if (self->m_request_deadline != core::k_never && now() >= self->m_request_deadline) {
        self->abort(); // request deadline in the middle of the body
      } else {
        self->arm_response_timer(); // the head came in time: now only the request deadline
      }
    });
  }

  void read_upstream()
  {
    m_up->stream.async_read_some(m_up->buffer.prepare(k_read_chunk),
                                 [self = shared_from_this(), exchange = m_exchange](error_code ec, size_t n) {
                                   if (exchange == self->m_exchange) { // else: an exchange that already ended
                                     self->on_read_upstream(normalize_eof(ec), n);
                                   }
                                 });
  }

  void on_read_upstream(error_code ec, size_t n)
  {
    if (!m_up || ec == asio::error::operation_aborted) {
      return;
    }
    if (ec) {
      if (ec == asio::error::eof && m_side->parser->is_header_done() && m_side->parser->need_eof()) {
        error_code eof_ec;
        m_side->parser->put_eof(eof_ec);
        if (!m_head_sent) {
          send_response_head();
        }
        m_response_done = true;
        m_up_reusable = false;
        write_client_then([self = shared_from_this()] { self->maybe_finish(); });
        return;
      }
      const bool bodiless_request = !m_req->chunked() && m_req->content_length().value_or(0) == 0;
      if (!m_head_sent && !m_side->parser->got_some() && m_up->reused && !m_retried && m_request_done && bodiless_request) {
        // A pooled connection the backend had closed: retry once on a new one.
        // (send_request_head() re-sends exactly the first head: the request is done and bodiless.)
        m_retried = true;
        m_up->stream.reset(m_worker.ioc);
        m_up->connected = false;
        m_up->reused = false;
        m_up->buffer.clear();
        m_side->parser.reset();
        connect();
        return;
      }
      if (ec == asio::error::operation_aborted) {
        return;
      }
      upstream_failed(502, "upstream closed");
      return;
    }
    m_up->buffer.commit(n);
    parse_response();
  }

  void parse_response()
  {
    while (m_up->buffer.size() > 0 && !m_side->parser->is_done()) {
      error_code ec;
      const size_t used = m_side->parser->put(m_up->buffer.data(), ec);
      m_up->buffer.consume(used);
      if (ec == http::error::need_more) {
        break;
      }
      if (ec) {
        spdlog::debug("response from {}: {}", m_side->endpoint.str(), ec.message());
        upstream_failed(502, "bad response from upstream");
        return;
      }
      if (m_side->parser->is_header_done() && !m_head_sent) {
        const unsigned status = m_side->parser->status;
        if (status >= 100 && status < 200 && status != 101) {
          // 1xx informational (100 Continue, 103 Early Hints): pass it on, then the real response.
          std::string head;
          proxy::ClientResponse info;
          info.status = status;
          info.reason = m_side->head.first();
          proxy::write_client_response_head(head, info, m_side->head.fields());
          m_out.append(head);
          m_head_bytes += head.size();
          start_response_parser();
          continue;
        }
        send_response_head();
        if (status == 101) {
          start_tunnel();
          return;
        }
      }
      if (used == 0) {
        break;
      }
    }
    if (m_side->parser->is_done()) {
      m_response_done = true;
    }
    if (!m_out.empty()) {
      write_client_then([self = shared_from_this()] {
        if (self->m_response_done) {
          self->maybe_finish();
        } else if (self->m_up) {
          self->read_upstream();
        }
      });
      return;
    }
    if (m_response_done) {
      maybe_finish();
    } else {
      read_upstream();
    }
  }

  void send_response_head()
  {
    const unsigned status = m_side->parser->status;
    const std::optional<uint64_t> length =
      m_side->parser->content_length() ? std::optional<uint64_t>(*m_side->parser->content_length()) : std::nullopt;
    const proxy::Framing framing =
      write_response_head(status, m_side->head.first(), m_side->head.fields(), m_side->parser->chunked() ? std::nullopt : length);
    const bool bodiless = m_head_request || status == 204 || status == 304 || status < 200;
    if (!bodiless && status != 101) {
      m_side->parser->out = &m_out;
      m_side->parser->chunk_out = framing == proxy::Framing::chunked;
    }
    m_side->parser->eager(true); // the body may now be parsed in the same put() as what precedes it
    m_up_reusable = m_side->parser->keep_alive();
  }

  // Appends the client's response head to m_out (upstream's rewriting: proxy/heads) for a
  // backend response with `status` and `fields`; `length`: its declared body length, if any.
  // Returns how the body is framed for the client.
  proxy::Framing write_response_head(unsigned status, std::string_view reason, proxy::Fields fields,
                                     std::optional<uint64_t> length)
  {
    cancel_response_header_timer();
    m_head_sent = true;
    m_status = status;
    proxy::ClientResponse response;
    response.status = status;
    response.reason = reason;
    const bool bodiless = m_head_request || status == 204 || status == 304 || status < 200;
    const bool http10 = m_req->version < 11;
    if (length) {
      response.framing = proxy::Framing::content_length; // HEAD/304 keep the length they announce
      response.content_length = *length;
    } else if (!bodiless && status != 101) {
      response.framing = http10 ? proxy::Framing::until_close : proxy::Framing::chunked;
    }
    if (response.framing == proxy::Framing::until_close) {
      m_keep_alive = false;
    }
    response.upgrade = status == 101;
    response.close = !m_keep_alive && status != 101;
    if (m_worker.shared.config.settings.cold_start_header && !m_decision.static_forward && !m_via_fallback) {
      response.cold_start = m_cold_start;
    }
    if (m_cold_start) {
      response.cold_start_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - m_hold_started).count();
    }
    const size_t before_head = m_out.size();
    proxy::write_client_response_head(m_out, response, fields);
    m_head_bytes += m_out.size() - before_head;
    return response.framing;
  }

  void cancel_response_header_timer()
  {
    if (m_request_deadline == core::k_never) {
      cancel_timer();
    }
  }

  // 101 Switching Protocols: from here on, bytes flow both ways untouched until either side closes.
  void start_tunnel()
  {
    m_tunnel = true;
    m_request_done = true;
    auto self = shared_from_this();
    // Whatever followed the 101 in the upstream buffer goes to the client first.
    const auto rest = m_up->buffer.data();
    m_out.append(static_cast<const char*>(rest.data()), rest.size());
    m_up->buffer.consume(rest.size());
    write_client_then([self] {
      self->tunnel_up_to_client();
      // Client bytes already read (after the request head) go upstream first.
      std::string pending(static_cast<const char*>(self->m_in.data().data()), self->m_in.size());
      self->m_in.consume(self->m_in.size());
      self->m_side->out = std::move(pending);
      self->tunnel_client_to_up();
    });
  }

  void tunnel_up_to_client()
  {
    m_up->stream.async_read_some(m_up->buffer.prepare(k_read_chunk), [self = shared_from_this()](error_code ec, size_t n) {
      if (ec || !self->m_up) {
        self->end_tunnel();
        return;
      }
      self->m_up->buffer.commit(n);
      asio::async_write(self->m_client, self->m_up->buffer.data(), [self](error_code write_ec, size_t written) {
        if (write_ec || !self->m_up) {
          self->end_tunnel();
          return;
        }
        self->m_up->buffer.consume(written);
        self->tunnel_up_to_client();
      });
    });
  }

  void tunnel_client_to_up()
  {
    auto self = shared_from_this();
    if (!m_side->out.empty()) {
      m_side->sending = std::move(m_side->out);
      m_side->out.clear();
      asio::async_write(m_up->stream, asio::buffer(m_side->sending), [self](error_code ec, size_t) {
        if (ec || !self->m_up) {
          self->end_tunnel();
          return;
        }
        self->m_side->sending.clear();
        self->tunnel_client_to_up();
      });
      return;
    }
    m_client.async_read_some(m_in.prepare(k_read_chunk), [self](error_code ec, size_t n) {
      if (ec || !self->m_up) {
        self->end_tunnel();
        return;
      }
      self->m_in.commit(n);
      self->m_side->out.assign(static_cast<const char*>(self->m_in.data().data()), self->m_in.size());
      self->m_in.consume(self->m_in.size());
      self->tunnel_client_to_up();
    });
  }

  void end_tunnel()
  {
    if (!m_up) {
      return;
    }
    release_upstream(false);
    m_keep_alive = false;
    m_response_done = true;
    finish_exchange();
  }

  // Writes m_out to the client, then runs `next`.
  template<typename Next> void write_client_then(Next next)
  {
    if (m_out.empty()) {
      next();
      return;
    }
    m_client_sending.swap(m_out);
    m_out.clear();
    m_body_bytes += m_client_sending.size();
    asio::async_write(m_client, asio::buffer(m_client_sending),
                      [self = shared_from_this(), next = std::move(next)](error_code ec, size_t) mutable {
                        self->m_client_sending.clear();
                        if (ec) {
                          self->client_gone();
                          return;
                        }
                        next();
                      });
  }

  void maybe_finish()
  {
    if (!m_response_done || m_writing_upstream) {
      return;
    }
    if (m_up) {
      const bool reusable =
        m_up_reusable && m_request_done && m_side->parser && m_side->parser->is_done() && m_up->buffer.size() == 0;
      release_upstream(reusable);
    }
    if (!m_request_done) {
      m_keep_alive = false; // the backend answered before the whole body arrived: the connection is out of sync
    }
    finish_exchange();
  }

  // A backend conversation is going on (a connection, or an HTTP/2 call).
  bool upstream_active() const { return m_up || (m_side && m_side->call); }

  // Gives the backend connection back (kept for reuse when `reusable`), after stopping any dial on it.
  void release_upstream(bool reusable)
  {
    if (!m_side) {
      return;
    }
    m_side->dialer.cancel();
    if (m_side->call) {
      reusable = reusable && m_side->call->ended_cleanly();
      // Closed now, destroyed later: this may run inside one of the call's own callbacks.
      m_side->call->close();
      destroy_later(m_worker.ioc, std::move(m_side->call));
    }
    if (m_up) {
      m_worker.give_back(std::move(m_up), reusable);
    }
  }

  // --- endings ---

  void respond(const proxy::SimpleResponse& response, std::string_view)
  {
    m_status = response.status;
    // A body we did not read would be taken for the next request: close instead.
    const bool unread_body = !m_req->is_done() && (m_req->chunked() || m_req->content_length().value_or(0) > 0);
    if (unread_body) {
      m_keep_alive = false;
    }
    m_out.clear();
    proxy::write_simple_response(m_out, response, m_head_request, !m_keep_alive);
    const bool body_sent = !m_head_request && response.status >= 200 && response.status != 204 && response.status != 304;
    m_head_bytes += m_out.size() - (body_sent ? response.body.size() : 0);
    m_response_done = true;
    m_request_done = true;
    write_client_then([self = shared_from_this()] { self->finish_exchange(); });
  }

  void upstream_failed(unsigned status, std::string_view reason)
  {
    if (m_finished || m_failed) {
      return; // the other direction already failed this exchange
    }
    m_failed = true;
    cancel_timer();
    release_upstream(false);
    if (m_head_sent) {
      abort(); // too late for a status: cut the connection so the client sees the failure
      return;
    }
    spdlog::debug("{} {}{}: {} ({})", m_req_head.first(), request_host(), decode_path(m_req_head.second()), status,
                  reason);
    m_keep_alive = false;
    respond(proxy::error_response(status), reason);
  }

  // The client left before the response: recorded as 499 (upstream says 502).
  void client_gone()
  {
    if (m_finished) {
      return;
    }
    m_status = 499;
    m_worker.shared.metrics.client_gone.fetch_add(1, std::memory_order_relaxed);
    release_upstream(false);
    m_keep_alive = false;
    finish_exchange();
  }

  void abort()
  {
    release_upstream(false);
    m_keep_alive = false;
    finish_exchange();
  }

  void finish_exchange()
  {
    if (m_finished || !m_counted_active) {
      if (!m_counted_active) {
        close();
      }
      return;
    }
    m_finished = true;
    cancel_timer();
    end_release();
    if (m_decision.counter) {
      m_decision.counter->leave();
      m_decision.counter = nullptr;
    }
    record();
    --m_worker.shared.active;
    m_counted_active = false;
    if (m_keep_alive && !m_tunnel && m_worker.shared.draining.load(std::memory_order_relaxed) == false) {
      m_finished = false;
      next_request();
      return;
    }
    close();
  }

  void record()
  {
    const std::string path = m_worker.logs_paths() ? decode_path(m_req_head.second()) : std::string();
    Worker::Finished f;
    f.code = m_tunnel ? 200 : (m_status ? m_status : 200); // upstream records upgrades as 200
    f.method = m_req_head.first();
    f.path = path;
    f.host = request_host();
    f.version = m_req->version >= 11 ? "1.1" : "1.0";
    f.fields = m_req_head.fields();
    f.decision = &m_decision;
    f.peer_ip = m_peer_ip;
    f.peer_port = m_peer_port;
    f.start_wall = m_start_wall;
    f.started = m_started;
    f.body_bytes = m_body_bytes - std::min(m_head_bytes, m_body_bytes);
    if (m_side && m_side->trace.forwarded) {
      f.trace = &m_side->trace;
    }
    const std::string backend = f.trace && m_worker.shared.tracer ? m_side->endpoint.str() : std::string();
    f.backend = backend;
    f.via_fallback = m_via_fallback;
    f.cold_start = m_cold_start;
    m_worker.record_finished(f);
  }

  void close()
  {
    cancel_timer();
    end_release();
    if (m_parked) {
      m_worker.unpark(m_ticket);
      m_parked = false;
      release_budget();
    }
    error_code ignored;
    m_client.socket().shutdown(tcp::socket::shutdown_both, ignored);
    m_client.socket().close(ignored);
  }

  Worker& m_worker;
  Stream m_client;
  std::string m_peer_ip;
  uint16_t m_peer_port = 0;
  beast::flat_buffer m_in;
  HeadStore m_req_head;
  std::optional<RequestParser> m_req;
  std::unique_ptr<UpstreamSide> m_side; // allocated when forwarding starts, dropped while parked
  std::string m_out;
  std::string m_client_sending;
  proxy::Decision m_decision;
  proxy::SnapshotPtr m_snapshot;
  UpstreamPtr m_up;
  std::unique_ptr<asio::steady_timer> m_timer; // allocated when first needed, dropped while parked
  uint64_t m_timer_gen = 0;
  hold::Ticket m_ticket = 0;
  size_t m_held_bytes = 0;
  core::TimePoint m_request_deadline = core::k_never;
  core::TimePoint m_hold_deadline = core::k_never;
  bool m_held_once = false;
  core::TimePoint m_connect_deadline = core::k_never;
  Clock::time_point m_started;
  Clock::time_point m_hold_started;
  std::chrono::system_clock::time_point m_start_wall;
  unsigned m_status = 0;
  size_t m_body_bytes = 0; // everything written to the client for this exchange (heads too)
  size_t m_head_bytes = 0; // of which heads: the access log counts body bytes, as upstream
  bool m_keep_alive = true;
  bool m_head_request = false;
  bool m_upgrade = false;
  bool m_head_sent = false;
  bool m_request_done = false;
  bool m_response_done = false;
  bool m_writing_upstream = false;
  bool m_up_reusable = false;
  bool m_cold_start = false;
  bool m_via_fallback = false;
  bool m_retried = false;
  bool m_parked = false;
  bool m_budget_taken = false;
  bool m_tunnel = false;
  bool m_finished = false;
  bool m_failed = false;
  bool m_watching_client = false; // watch_client_during_response() is waiting
  bool m_parked_read = false;     // watch_client_while_parked()'s read is pending
  Unparked m_unparked = Unparked::none; // what the release does once that read ended
  bool m_releasing = false;              // released from the hold, exchange not over yet
  bool m_counted_active = false;
  uint64_t m_exchange = 0; // upstream handlers of an earlier exchange on this connection are ignored
};

} // namespace

namespace plumbing {

void
Worker::accept(tcp::acceptor& from, asio::ssl::context* tls)
{
  from.async_accept([this, &from, tls](error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == asio::error::operation_aborted || !from.is_open()) {
        return;
      }
    } else {
      serve_connection(std::move(socket), tls);
    }
    accept(from, tls);
  });
}

void
Worker::serve_connection(tcp::socket socket, asio::ssl::context* tls)
{
  error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  if (!tls) {
    serve_http1(Stream(std::move(socket))); // h2c with prior knowledge is told apart there
    return;
  }
  // The handshake counts against the read-header timeout, as in Go's server; ALPN picks
  // HTTP/2 or HTTP/1.1.
  auto stream = std::make_shared<Stream>(std::move(socket));
  auto timer = std::make_shared<asio::steady_timer>(ioc, shared.config.read_header_timeout);
  timer->async_wait([stream](error_code ec) {
    if (!ec) {
      error_code ignored_close;
      stream->socket().close(ignored_close);
    }
  });
  stream->start_tls(*tls).async_handshake(asio::ssl::stream_base::server, [this, stream, timer](error_code ec) {
    timer->cancel();
    if (ec) {
      spdlog::debug("TLS handshake: {}", ec.message());
      error_code ignored_close;
      stream->socket().close(ignored_close);
      return;
    }
    if (stream->alpn() == "h2") {
      serve_http2(std::move(*stream), {});
    } else {
      serve_http1(std::move(*stream));
    }
  });
}

void
Worker::serve_http1(Stream stream)
{
  std::make_shared<Session>(*this, std::move(stream))->start();
}

std::optional<proxy::SimpleResponse>
Worker::admit_to_hold(const std::string& route_key, size_t bytes)
{
  const auto verdict = shared.budget.acquire(route_key, bytes);
  if (verdict != hold::HoldBudget::Verdict::admitted) {
    shared.metrics.hold_rejections.fetch_add(1, std::memory_order_relaxed);
    return proxy::hold_full_response(shared.config.settings, verdict);
  }
  shared.metrics.held.fetch_add(1, std::memory_order_relaxed);
  return std::nullopt;
}

void
Worker::leave_hold(const std::string& route_key, size_t bytes)
{
  shared.budget.release(route_key, bytes);
  shared.metrics.held.fetch_sub(1, std::memory_order_relaxed);
}

bool
Worker::waits_for_endpoint(const proxy::Decision& decision, bool via_fallback) const
{
  return !snapshot->ready.ready(decision.target.key()) && !via_fallback && !decision.static_forward;
}

void
Worker::record_finished(const Finished& f)
{
  const double seconds = std::chrono::duration<double>(Clock::now() - f.started).count();
  const routing::Route* route = f.decision->route;
  static const std::string empty;
  metrics.record(f.code, f.method, route ? route->route.meta.ns : empty, route ? route->route.meta.name : empty,
                 seconds);
  if (shared.access_log) {
    AccessRecord r;
    r.peer_ip = f.peer_ip;
    r.peer_port = f.peer_port;
    r.start = f.start_wall;
    r.method = f.method;
    r.path = f.path;
    const std::string protocol = f.version == "2" ? "HTTP/2.0" : "HTTP/" + std::string(f.version);
    r.protocol = protocol;
    r.code = f.code;
    r.body_bytes = f.body_bytes;
    r.referer = proxy::find_field(f.fields, "referer").value_or("");
    r.user_agent = proxy::find_field(f.fields, "user-agent").value_or("");
    shared.access_log(access_log_line(r));
  }
  if (shared.tracer) {
    const RequestTrace trace =
      f.trace ? *f.trace
              : RequestTrace::begin(*shared.tracer, proxy::find_field(f.fields, "traceparent").value_or(""));
    RequestOutcome outcome;
    outcome.method = f.method;
    outcome.path = f.path;
    outcome.host = f.host;
    outcome.protocol = f.version;
    outcome.client_ip = f.peer_ip;
    outcome.user_agent = proxy::find_field(f.fields, "user-agent").value_or("");
    outcome.status = f.code;
    outcome.start = f.start_wall;
    if (f.trace) {
      outcome.backend = f.backend;
      outcome.cold_start = f.via_fallback || f.decision->static_forward ? "" : (f.cold_start ? "true" : "false");
    }
    record_request(*shared.tracer, trace, outcome);
  }
}

void
Worker::close_listeners()
{
  error_code ignored;
  acceptor.close(ignored);
  if (tls_acceptor) {
    tls_acceptor->close(ignored);
  }
  pool.close_idle();
  const auto hooks = std::move(drain_hooks);
  drain_hooks.clear();
  for (const auto& [connection, hook] : hooks) {
    hook();
  }
}

void
Worker::publish(proxy::SnapshotPtr next)
{
  const proxy::SnapshotPtr previous = snapshot;
  snapshot = std::move(next);
  // Wake only the waiters of services that became ready: a few at once, so that the
  // first requests are on their way to the backend within the same turn of the event
  // loop, then the rest in batches, yielding to the loop between them.
  for (const std::string& service : hold::ReadyEndpoints::became_ready(previous->ready, snapshot->ready)) {
    release_service(service, 4);
  }
  // The others follow once a first request is on its way (released_request_sent): released
  // sooner, their connects would queue in this loop ahead of the first ones' completions.
  arm_hold_timer();
}

void
Worker::release_service(const std::string& service, size_t batch)
{
  // Released requests go through a bounded pool anyway: waking more of them than it can
  // carry only burns the CPU the first ones need. So at most a window of them is in
  // flight; each that ends lets the next one go (release_finished).
  const size_t window = shared.config.max_connections_per_endpoint;
  const size_t room = released_in_flight < window ? window - released_in_flight : 0;
  for (hold::Ticket ticket : holds.release(service, std::min(batch, room))) {
    const auto it = parked.find(ticket);
    if (it == parked.end()) {
      continue; // left meanwhile
    }
    std::shared_ptr<Waiter> waiter = std::move(it->second);
    parked.erase(it);
    ++released_in_flight;
    waiter->on_released();
  }
  if (holds.waiting_for(service) == 0) {
    return;
  }
  if (batch < 32) { // the first few: wait until one of them is sent
    if (std::find(starting.begin(), starting.end(), service) == starting.end()) {
      starting.push_back(service);
    }
    return;
  }
  if (released_in_flight < window) {
    asio::post(ioc, [this, service] { release_service(service, 32); });
  } else if (std::find(draining.begin(), draining.end(), service) == draining.end()) {
    draining.push_back(service);
  }
}

void
Worker::released_request_sent()
{
  for (const std::string& service : std::exchange(starting, {})) {
    asio::post(ioc, [this, service] { release_service(service, 32); });
  }
}

void
Worker::release_finished()
{
  --released_in_flight;
  released_request_sent(); // (if none of the first few could be sent, the rest go on anyway)
  while (!draining.empty() && released_in_flight < shared.config.max_connections_per_endpoint) {
    const std::string service = draining.front();
    draining.erase(draining.begin());
    if (holds.waiting_for(service) > 0) {
      asio::post(ioc, [this, service] { release_service(service, 32); });
      return;
    }
  }
}

void
Worker::park(const std::shared_ptr<Waiter>& waiter, hold::Ticket ticket, const std::string& service,
             core::TimePoint deadline)
{
  holds.park(ticket, service, deadline);
  parked.emplace(ticket, waiter);
  // The service may have become ready between the decision and now (same thread, so only via publish).
  arm_hold_timer();
}

void
Worker::unpark(hold::Ticket ticket)
{
  holds.cancel(ticket);
  parked.erase(ticket);
  arm_hold_timer();
}

void
Worker::arm_hold_timer()
{
  const auto next = holds.next_deadline();
  if (!next || (hold_timer_at && *hold_timer_at == *next)) {
    return;
  }
  hold_timer_at = next;
  hold_timer.expires_at(Clock::time_point(std::chrono::duration_cast<Clock::duration>(next->time_since_epoch())));
  hold_timer.async_wait([this](error_code ec) {
    if (ec) {
      return;
    }
    hold_timer_at.reset();
    for (hold::Ticket ticket : holds.expire(now())) {
      const auto it = parked.find(ticket);
      if (it == parked.end()) {
        continue;
      }
      std::shared_ptr<Waiter> waiter = std::move(it->second);
      parked.erase(it);
      waiter->on_expired();
    }
    arm_hold_timer();
  });
}

} // namespace plumbing

namespace {

using namespace plumbing;

// Wraps an SSL_CTX of net::TlsContexts (which keeps owning it) for Asio's streams.
std::unique_ptr<asio::ssl::context>
wrap(SSL_CTX* ctx)
{
  SSL_CTX_up_ref(ctx); // asio::ssl::context frees what it wraps
  return std::make_unique<asio::ssl::context>(ctx);
}

} // namespace

struct DataPlane::Impl {
  Shared& shared;
  std::unique_ptr<asio::ssl::context> tls_server;
  std::unique_ptr<asio::ssl::context> tls_client;
  std::vector<std::unique_ptr<Worker>> workers;
};

DataPlane::DataPlane(Shared& shared, proxy::SnapshotPtr initial) : m_impl(std::make_unique<Impl>(Impl{shared, {}, {}, {}}))
{
  unsigned count = shared.config.workers;
  if (count == 0) {
    count = std::max(1u, std::thread::hardware_concurrency());
  }
  if (shared.tls) {
    m_impl->tls_server = wrap(shared.tls->server());
    m_impl->tls_client = wrap(shared.tls->client());
  }
  for (unsigned i = 0; i < count; ++i) {
    auto worker = std::make_unique<Worker>(shared, i, initial);
    if (shared.tls) {
      worker->tls_acceptor.emplace(worker->ioc);
      worker->tls_server = m_impl->tls_server.get();
      worker->tls_client = m_impl->tls_client.get();
    }
    m_impl->workers.push_back(std::move(worker));
  }
}

DataPlane::~DataPlane()
{
  stop();
}

void
DataPlane::start()
{
  for (auto& worker : m_impl->workers) {
    worker->listen();
  }
  for (auto& worker : m_impl->workers) {
    worker->accept(worker->acceptor, nullptr);
    if (worker->tls_acceptor) {
      worker->accept(*worker->tls_acceptor, worker->tls_server);
    }
    worker->thread = std::thread([w = worker.get()] {
      auto guard = asio::make_work_guard(w->ioc);
      w->ioc.run();
    });
  }
}

void
DataPlane::publish(proxy::SnapshotPtr snapshot)
{
  for (auto& worker : m_impl->workers) {
    asio::post(worker->ioc, [w = worker.get(), snapshot] { w->publish(snapshot); });
  }
}

void
DataPlane::close_listeners()
{
  for (auto& worker : m_impl->workers) {
    asio::post(worker->ioc, [w = worker.get()] { w->close_listeners(); });
  }
}

void
DataPlane::stop()
{
  for (auto& worker : m_impl->workers) {
    worker->ioc.stop();
  }
  for (auto& worker : m_impl->workers) {
    if (worker->thread.joinable()) {
      worker->thread.join();
    }
  }
}

} // namespace kedahttp::net
