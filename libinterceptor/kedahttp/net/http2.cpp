// HTTP/2 on the proxy listeners (spec/interceptor.md 3.9): h2c with prior knowledge
// on the plain listener, h2 by ALPN on the TLS one. nghttp2 does the framing, HPACK
// and flow control; each stream is an exchange through the same pipeline decisions as
// an HTTP/1 request (route, count, hold, forward). Backends get HTTP/1.1 on the pooled
// connections HTTP/1 clients use, or, when the target's Service port says
// `appProtocol: kubernetes.io/h2c`, HTTP/2 (h2c; h2 when re-encrypting) on a connection
// of the exchange's own (3.6: the backend protocol never follows the client's).
//
// Flow control is end to end: a stream's window opens only as its body bytes are
// written to the backend, and a backend's HTTP/2 window only as the client takes the
// response, so neither direction buffers more than a window.

#include <kedahttp/net/plumbing.hpp>

#include <kedahttp/util/strings.hpp>

#include <nghttp2/nghttp2.h>
#include <spdlog/spdlog.h>

namespace kedahttp::net {

namespace {

using namespace plumbing;

constexpr int32_t k_stream_window = 1 << 20;      // per stream, as Go's server (1 MiB)
constexpr int32_t k_connection_window = 16 << 20; // per connection
constexpr uint32_t k_max_concurrent_streams = 250; // Go's default
constexpr size_t k_response_buffer_limit = 256 * 1024; // stop reading an HTTP/1 backend beyond this

uint8_t*
bytes(const std::string& text)
{
  return reinterpret_cast<uint8_t*>(const_cast<char*>(text.data()));
}

std::string_view
view(const uint8_t* data, size_t length)
{
  return {reinterpret_cast<const char*>(data), length};
}

// A header list for nghttp2 that owns its strings (names lowercased, as HTTP/2 wants).
class HeaderList
{
public:
  void add(std::string_view name, std::string_view value)
  {
    const std::string& n = m_storage.emplace_back(util::to_lower(name));
    const std::string& v = m_storage.emplace_back(value);
    m_nv.push_back({bytes(n), bytes(v), n.size(), v.size(), NGHTTP2_NV_FLAG_NONE});
  }
  const nghttp2_nv* data() const { return m_nv.data(); }
  size_t size() const { return m_nv.size(); }
  bool empty() const { return m_nv.empty(); }

private:
  std::deque<std::string> m_storage; // stable addresses
  std::vector<nghttp2_nv> m_nv;
};

// Connection-specific fields HTTP/2 forbids (RFC 9113 8.2.2).
bool
connection_specific(std::string_view name)
{
  for (std::string_view banned : {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"}) {
    if (proxy::iequals(name, banned)) {
      return true;
    }
  }
  return false;
}

// The fields of an HTTP/1 head rendered by proxy/heads (the one place the forwarding
// rules live) as an HTTP/2 header list; Host is returned apart (it becomes :authority).
void
head_to_h2(std::string_view head, HeaderList& out, std::string* host = nullptr)
{
  size_t line_end = head.find("\r\n");
  while (line_end != std::string_view::npos) {
    const size_t start = line_end + 2;
    line_end = head.find("\r\n", start);
    const std::string_view line = head.substr(start, line_end == std::string_view::npos ? 0 : line_end - start);
    const size_t colon = line.find(':');
    if (line.empty() || colon == std::string_view::npos) {
      continue;
    }
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = util::trim(line.substr(colon + 1));
    if (proxy::iequals(name, "host")) {
      if (host) {
        *host = value;
      }
      continue;
    }
    if (!connection_specific(name)) {
      out.add(name, value);
    }
  }
}

// "Name: value\r\n" lines (HTTP/1 trailers) as a header list.
void
lines_to_h2(std::string_view lines, HeaderList& out)
{
  head_to_h2("\r\n" + std::string(lines), out);
}

// --- the reading/writing loop both sides share -------------------------------------

// Runs an nghttp2 session over a stream: reads feed it, what it wants to send is written
// (one write at a time). `owner` keeps whoever holds this alive in the handlers.
class Pump
{
public:
  Pump(Stream stream, nghttp2_session* session) : m_stream(std::move(stream)), m_session(session) {}
  ~Pump() { nghttp2_session_del(m_session); }
  Pump(const Pump&) = delete;
  Pump& operator=(const Pump&) = delete;

  nghttp2_session* session() const { return m_session; }
  Stream& stream() { return m_stream; }
  bool closed() const { return m_closed; }

  // Feeds received bytes; false when the peer broke the protocol.
  bool feed(std::string_view data)
  {
    m_busy = true; // nghttp2 must not be re-entered from its callbacks: flushes wait
    const auto used = nghttp2_session_mem_recv(m_session, reinterpret_cast<const uint8_t*>(data.data()), data.size());
    m_busy = false;
    return used >= 0;
  }

  template<typename OnClosed> void read(std::shared_ptr<void> owner, OnClosed on_closed)
  {
    m_stream.async_read_some(asio::buffer(m_in), [this, owner, on_closed](error_code ec, size_t n) mutable {
      if (m_closed) {
        return;
      }
      if (ec || !feed(std::string_view(m_in.data(), n))) {
        close();
        on_closed();
        return;
      }
      flush(owner, on_closed);
      if (!m_closed) {
        read(std::move(owner), std::move(on_closed));
      }
    });
  }

  template<typename OnClosed> void flush(std::shared_ptr<void> owner, OnClosed on_closed)
  {
    if (m_busy) {
      m_again = true; // called from inside nghttp2: flushed when it returns
      return;
    }
    if (m_writing || m_closed) {
      return;
    }
    m_sending.clear();
    m_busy = true;
    ssize_t n = 0;
    while (m_sending.size() < 64 * 1024) {
      const uint8_t* data = nullptr;
      n = nghttp2_session_mem_send(m_session, &data);
      if (n <= 0) {
        break;
      }
      m_sending.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
    }
    m_busy = false;
    if (n < 0) {
      close();
      on_closed();
      return;
    }
    m_again = false; // whatever was asked for meanwhile is in m_sending, or nothing was due
    if (m_sending.empty()) {
      if (!nghttp2_session_want_read(m_session) && !nghttp2_session_want_write(m_session)) {
        close(); // GOAWAY sent and received, or the session is over
        on_closed();
      }
      return;
    }
    m_writing = true;
    asio::async_write(m_stream, asio::buffer(m_sending), [this, owner, on_closed](error_code ec, size_t) mutable {
      m_writing = false;
      if (m_closed) {
        return;
      }
      if (ec) {
        close();
        on_closed();
        return;
      }
      flush(std::move(owner), std::move(on_closed));
    });
  }

  void close()
  {
    if (m_closed) {
      return;
    }
    m_closed = true;
    error_code ignored;
    m_stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    m_stream.socket().close(ignored);
  }

private:
  Stream m_stream;
  nghttp2_session* m_session;
  std::array<char, 16 * 1024> m_in{};
  std::string m_sending;
  bool m_writing = false;
  bool m_closed = false;
  bool m_busy = false;  // inside nghttp2 (receiving or sending)
  bool m_again = false; // a flush was asked for meanwhile
};

class Exchange;

// --- the client connection -----------------------------------------------------------

class Connection : public std::enable_shared_from_this<Connection>
{
public:
  Connection(Worker& worker, Stream stream);
  void start(std::string received);

  Worker& worker() { return m_worker; }
  nghttp2_session* session() { return m_pump->session(); }
  bool tls() { return m_pump->stream().is_tls(); }
  const std::string& peer_ip() const { return m_peer_ip; }
  uint16_t peer_port() const { return m_peer_port; }
  void flush();
  // Drain: GOAWAY now; the streams already started finish, then the connection closes.
  void go_away();

private:
  static int on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* self);
  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t name_length,
                       const uint8_t* value, size_t value_length, uint8_t, void* self);
  static int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* self);
  static int on_data_chunk(nghttp2_session*, uint8_t, int32_t stream_id, const uint8_t* data, size_t length,
                           void* self);
  static int on_stream_close(nghttp2_session*, int32_t stream_id, uint32_t error_code, void* self);
  static int on_frame_send(nghttp2_session*, const nghttp2_frame* frame, void* self);

  Exchange* find(int32_t stream_id);
  void closed();

  Worker& m_worker;
  std::unique_ptr<Pump> m_pump;
  std::string m_peer_ip;
  uint16_t m_peer_port = 0;
  std::unordered_map<int32_t, std::shared_ptr<Exchange>> m_exchanges;
};

// --- HTTP/2 backend connections (appProtocol kubernetes.io/h2c) ---------------------------

class BackendCall;

} // namespace

// An HTTP/2 session to a backend, kept with its connection in the worker's pool: it carries
// one call at a time (sequential reuse, like an HTTP/1.1 keep-alive connection, so released
// cold-start requests are bounded by the same per-endpoint limit), and keeps reading while
// idle to answer PINGs and notice a GOAWAY or a close.
class plumbing::Http2Link : public std::enable_shared_from_this<Http2Link>
{
public:
  // Starts the client session over `stream` (connected, TLS done).
  void start(Stream stream);
  nghttp2_session* session() const { return m_pump->session(); }
  bool alive() const { return m_pump && !m_pump->closed() && !m_goaway; }
  void flush();
  void close();
  BackendCall* current = nullptr; // the call whose stream is open

private:
  void closed();
  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t name_length,
                       const uint8_t* value, size_t value_length, uint8_t, void* self);
  static int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* self);
  static int on_data_chunk(nghttp2_session*, uint8_t, int32_t, const uint8_t* data, size_t length, void* self);
  static int on_stream_close(nghttp2_session*, int32_t, uint32_t error_code, void* self);

  std::unique_ptr<Pump> m_pump;
  bool m_goaway = false;
};

bool
plumbing::link_alive(const Http2Link& link)
{
  return link.alive();
}

void
plumbing::close_link(Http2Link& link)
{
  link.close();
}

namespace {

// One request on a link: Http2Call for the session or stream that made it.
class BackendCall final : public Http2Call
{
public:
  explicit BackendCall(Sink& sink) : m_sink(sink) {}
  ~BackendCall() override { close(); } // never leave the link pointing here
  BackendCall(const BackendCall&) = delete;
  BackendCall& operator=(const BackendCall&) = delete;
  bool begin(std::shared_ptr<Http2Link> link, std::shared_ptr<void> owner, const HeaderList& request, bool has_body);
  void resume_body() override;
  void consume(size_t n) override;
  void close() override;
  bool ended_cleanly() const override { return m_ended_cleanly; }

  // From the link's callbacks (this call's stream only).
  void header(const nghttp2_frame* frame, std::string_view name, std::string_view value);
  void frame(const nghttp2_frame* frame);
  void data(std::string_view data) { m_sink.on_call_data(data); }
  void end(bool ok);
  int32_t stream_id() const { return m_stream_id; }

private:
  static ssize_t read_request_body(nghttp2_session*, int32_t, uint8_t* buf, size_t length, uint32_t* flags,
                                   nghttp2_data_source* source, void*);

  Sink& m_sink;
  std::shared_ptr<Http2Link> m_link;
  std::shared_ptr<void> m_owner; // kept while the stream is open (the sink lives in it)
  int32_t m_stream_id = -1;
  unsigned m_status = 0;
  HeadStore m_head;
  HeadStore m_trailers;
  bool m_head_done = false; // the final (non-1xx) head was passed on
  bool m_deferred = false;
  bool m_ended_cleanly = false;
};

// --- one stream: a request through the pipeline ------------------------------------------

class Exchange : public Waiter, public Http2Call::Sink, public std::enable_shared_from_this<Exchange>
{
public:
  Exchange(std::shared_ptr<Connection> conn, int32_t id)
    : m_conn(std::move(conn)), m_worker(m_conn->worker()), m_id(id), m_started(Clock::now()),
      m_start_wall(std::chrono::system_clock::now())
  {
  }

  void add_header(std::string_view name, std::string_view value)
  {
    // As Go's server: the head's size counts name, value and 32 bytes per field (RFC 9113's
    // measure); over the limit the request is answered 431 and its fields are not kept.
    m_head_size += name.size() + value.size() + 32;
    if (m_head_size > m_worker.shared.config.max_header_bytes) {
      m_fields.clear();
      return;
    }
    if (name == ":method") {
      m_method = value;
    } else if (name == ":path") {
      m_target = value;
    } else if (name == ":authority") {
      m_authority = value;
    } else if (!name.empty() && name.front() != ':') {
      m_fields.emplace_back(name, value);
    }
  }

  void add_trailer(std::string_view name, std::string_view value)
  {
    m_request_trailers.append(name).append(": ").append(value).append("\r\n");
  }

  // The request head is complete.
  void on_head(bool end_stream)
  {
    m_request_ended = end_stream;
    ++m_worker.shared.active;
    m_counted_active = true;
    if (m_head_size > m_worker.shared.config.max_header_bytes) {
      respond(proxy::error_response(431)); // never routed, never forwarded
      return;
    }
    if (m_authority.empty()) {
      for (const auto& [name, value] : m_fields) {
        if (name == "host") {
          m_authority = value;
        }
      }
    }
    m_head.clear();
    m_head.set_line(m_method, m_target);
    bool has_host = false;
    for (const auto& [name, value] : m_fields) {
      has_host = has_host || name == "host";
      m_head.add(name, value);
    }
    if (!has_host && !m_authority.empty()) {
      m_head.add("host", m_authority); // HTTP/1 backends get :authority as Host
    }
    m_head.finish();
    m_fields.clear();
    m_path = decode_path(m_target);
    const proxy::RequestView request{m_method, m_authority, m_path, m_head.fields()};
    m_decision = proxy::decide(request, *m_worker.snapshot, m_worker.shared.config.settings);
    m_snapshot = m_worker.snapshot;
    m_request_deadline = proxy::request_deadline(m_decision.timeouts, now());
    switch (m_decision.action) {
    case proxy::Action::respond: respond(m_decision.response); return;
    case proxy::Action::forward: forward(); return;
    case proxy::Action::hold: hold(); return;
    }
  }

  void on_request_data(std::string_view data)
  {
    if (m_response_ended) {
      consume_request(data.size()); // answered already: the rest of the body goes nowhere
      return;
    }
    m_request_body.append(data);
    push_request_body();
  }

  // The response is complete but the client is still sending: RFC 9113 8.1 lets the server
  // stop it with RST_STREAM(NO_ERROR) once the response is out (Connection::on_frame_send).
  bool wants_no_more_body() const { return m_response_ended && !m_request_ended; }

  void on_request_end()
  {
    m_request_ended = true;
    push_request_body();
  }

  // The client's stream is gone (answered in full, reset, or the connection closed).
  void on_closed(uint32_t error)
  {
    m_stream_open = false;
    if (!m_response_ended && !m_reset_by_us && m_counted_active) { // (a stream refused before its head: not a request)
      // The client left before the whole response (upstream says 502), as on HTTP/1.
      spdlog::debug("h2 stream {} closed by the client ({})", m_id, nghttp2_http2_strerror(error));
      m_status = 499;
      m_worker.shared.metrics.client_gone.fetch_add(1, std::memory_order_relaxed);
    }
    finish();
  }

  void on_released() override
  {
    m_releasing = true; // counts against the worker's release window until the exchange ends
    m_parked = false;
    release_budget();
    m_cold_start = true;
    forward();
  }

  void on_expired() override
  {
    m_parked = false;
    release_budget();
    m_decision = proxy::on_expired(std::move(m_decision), now(), m_request_deadline);
    if (m_decision.action == proxy::Action::respond) {
      respond(m_decision.response);
      return;
    }
    m_via_fallback = true;
    forward();
  }

  // nghttp2 pulls the response body from here.
  ssize_t read_response_body(uint8_t* buf, size_t length, uint32_t* flags)
  {
    const size_t available = m_response_body.size() - m_response_offset;
    const size_t n = std::min(length, available);
    std::memcpy(buf, m_response_body.data() + m_response_offset, n);
    m_response_offset += n;
    if (m_response_offset == m_response_body.size()) {
      m_response_body.clear();
      m_response_offset = 0;
    }
    if (n > 0) {
      if (m_upstream2) {
        m_upstream2->consume(n);
      } else if (m_reading_paused && m_response_body.size() < k_response_buffer_limit / 2) {
        m_reading_paused = false;
        read_upstream();
      }
    }
    if (n == 0 && !m_response_ended) {
      m_deferred = true;
      return NGHTTP2_ERR_DEFERRED;
    }
    if (m_response_ended && m_response_body.empty()) {
      *flags |= NGHTTP2_DATA_FLAG_EOF;
      if (!m_response_trailers.empty()) {
        *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
        nghttp2_submit_trailer(m_conn->session(), m_id, m_response_trailers.data(), m_response_trailers.size());
      }
    }
    m_body_bytes += n;
    return static_cast<ssize_t>(n);
  }

  // --- from an HTTP/2 backend (Http2Call) ---

  void on_call_head(unsigned status, proxy::Fields fields, bool end_stream) override
  {
    send_response_head(status, fields, std::nullopt, end_stream); // (on_call_end follows an end_stream)
  }

  void on_call_data(std::string_view data) override
  {
    m_response_body.append(data);
    resume_response();
  }

  void on_call_end(bool ok, proxy::Fields trailers) override
  {
    if (!m_head_sent) {
      upstream_failed(502, "upstream stream closed");
      return;
    }
    if (!ok && !m_response_ended) {
      reset_stream(); // too late for a status: the client sees the stream fail
      return;
    }
    for (const proxy::Field& field : trailers) {
      m_response_trailers.add(field.name, field.value);
    }
    upstream_done(true);
  }

  size_t take_call_body(uint8_t* buf, size_t length, bool& eof, bool& deferred) override
  {
    const size_t n = std::min(length, m_request_body.size());
    std::memcpy(buf, m_request_body.data(), n);
    m_request_body.erase(0, n);
    if (n > 0) {
      consume_request(n);
    }
    eof = m_request_ended && m_request_body.empty();
    deferred = n == 0 && !eof;
    return n;
  }

private:
  // --- holding ---

  void hold()
  {
    const size_t bytes = m_head.bytes() + m_request_body.size();
    if (const auto full = m_worker.admit_to_hold(m_decision.route->key, bytes)) {
      respond(*full);
      return;
    }
    m_held_bytes = bytes;
    m_budget_taken = true;
    if (!m_held_once) {
      m_held_once = true;
      m_hold_started = Clock::now();
      m_hold_deadline = proxy::hold_deadline(m_decision.timeouts, now(), m_request_deadline);
    }
    m_ticket = m_worker.next_ticket++;
    m_parked = true;
    end_release();
    m_worker.park(shared_from_this(), m_ticket, m_decision.target.key(), m_hold_deadline);
  }

  // A released request is done with its release (answered, failed, gone or parked again).
  void end_release()
  {
    if (std::exchange(m_releasing, false)) {
      m_worker.release_finished();
    }
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
        hold();
        return;
      }
      respond(proxy::error_response(502));
      return;
    }
    m_endpoint = *endpoint;
    arm_timer();
    Dialer::Target target{m_endpoint, m_request_deadline != core::k_never
                                        ? m_request_deadline
                                        : now() + m_worker.shared.config.settings.connect_retry_cap,
                          {}, m_decision.target.h2c ? k_alpn_h2 : k_alpn_http11};
    if (m_conn->tls()) {
      target.tls_name = m_decision.target.service + "." + m_decision.target.ns; // re-encrypted (3.10)
    }
    m_dial_target = target;
    std::string key = m_endpoint.str();
    if (!target.tls_name.empty()) {
      key = "tls:" + target.tls_name + "@" + key;
    }
    if (m_decision.target.h2c) {
      key = "h2c:" + key; // HTTP/2 connections are pooled apart (with their sessions)
    }
    m_worker.pool.acquire(key, [self = shared_from_this(), target = std::move(target)](UpstreamPtr conn) mutable {
      if (!self->m_stream_open || self->m_finished) {
        self->m_worker.pool.release(std::move(conn), true);
        return;
      }
      self->m_up = std::move(conn);
      if (self->m_up->connected) {
        self->send_request();
      } else {
        self->dial(std::move(target));
      }
    });
  }

  void dial(Dialer::Target target)
  {
    if (!m_dialer) {
      m_dialer = std::make_unique<Dialer>(m_worker);
    }
    m_dialer->dial(*m_up, std::move(target), shared_from_this(), [this](unsigned status) {
      if (!m_up) {
        return;
      }
      if (status != 0) {
        upstream_failed(status, "connect failed");
        return;
      }
      send_request();
    });
  }

  // The request head as upstream rules write it for HTTP/1 (heads.cpp).
  std::string upstream_head(proxy::Framing framing, uint64_t length)
  {
    proxy::UpstreamRequest request;
    request.method = m_method;
    request.target = m_target;
    request.client_ip = m_conn->peer_ip();
    request.client_tls = m_conn->tls();
    if (m_worker.shared.tracer) {
      if (!m_trace) {
        m_trace = RequestTrace::begin(*m_worker.shared.tracer,
                                      proxy::find_field(m_head.fields(), "traceparent").value_or(""));
        m_trace->forwarded = true;
        m_trace->client_start = std::chrono::system_clock::now();
      }
      m_traceparent = m_trace->upstream_traceparent();
      request.traceparent = m_traceparent;
    }
    request.framing = framing;
    request.content_length = length;
    std::string head;
    proxy::write_upstream_request_head(head, request, m_head.fields());
    return head;
  }

  void send_request()
  {
    if (m_releasing) {
      m_worker.released_request_sent();
    }
    if (m_decision.target.h2c) {
      send_request_h2();
      return;
    }
    // HTTP/1.1: a known length is kept, an open-ended body is chunked.
    proxy::Framing framing = proxy::Framing::none;
    uint64_t length = 0;
    if (const auto declared = proxy::find_field(m_head.fields(), "content-length")) {
      framing = proxy::Framing::content_length;
      length = std::strtoull(std::string(*declared).c_str(), nullptr, 10);
    } else if (!m_request_ended || !m_request_body.empty()) {
      framing = proxy::Framing::chunked;
    }
    m_chunked = framing == proxy::Framing::chunked;
    m_bodiless = framing == proxy::Framing::none;
    m_out = upstream_head(framing, length);
    m_head_written = true;
    start_parser();
    push_request_body();
    read_upstream();
  }

  void send_request_h2()
  {
    if (m_up->forget_dead_link(m_worker.ioc)) {
      dial(m_dial_target); // the pooled connection's session had ended: a new one
      return;
    }
    m_head_written = true;
    m_upstream2 = Http2Call::start(*m_up, shared_from_this(), *this, upstream_head(proxy::Framing::none, 0),
                                   m_conn->tls(), !m_request_ended || !m_request_body.empty());
    if (!m_upstream2) {
      upstream_failed(502, "HTTP/2 session with upstream failed");
    }
  }

  // Moves buffered request body bytes towards the backend.
  void push_request_body()
  {
    if (!m_head_written) {
      return; // still routing, holding or dialing: kept (the window bounds it)
    }
    if (m_upstream2) {
      m_upstream2->resume_body();
      return;
    }
    if (!m_up || m_writing) {
      return;
    }
    const size_t body = m_request_body.size();
    if (m_chunked) {
      proxy::append_chunk(m_out, m_request_body);
      if (m_request_ended && !m_chunk_end_written) {
        m_out.append("0\r\n").append(m_request_trailers).append("\r\n");
        m_chunk_end_written = true;
      }
    } else {
      m_out.append(m_request_body);
    }
    m_request_body.clear();
    if (m_out.empty()) {
      return;
    }
    m_writing = true;
    m_sending = std::move(m_out);
    m_out.clear();
    asio::async_write(m_up->stream, asio::buffer(m_sending), [self = shared_from_this(), body](error_code ec, size_t) {
      self->m_writing = false;
      self->consume_request(body); // sent, or never will be: either way the window reopens
      if (!self->m_up) {
        if (self->m_response_ended) {
          self->discard_request_body();
        }
        return;
      }
      if (ec) {
        self->upstream_failed(502, "write to upstream failed");
        return;
      }
      self->push_request_body();
    });
  }

  void discard_request_body()
  {
    consume_request(m_request_body.size());
    m_request_body.clear();
  }

  // The client may send `n` more body bytes on this stream (and connection).
  void consume_request(size_t n)
  {
    if (n == 0) {
      return;
    }
    // A closed stream's bytes still count against the connection's window: give them back.
    if (m_stream_open) {
      nghttp2_session_consume(m_conn->session(), m_id, n);
    } else {
      nghttp2_session_consume_connection(m_conn->session(), n);
    }
    m_conn->flush();
  }

  void start_parser()
  {
    m_parser.emplace(m_upstream_head);
    m_parser->body_limit(k_no_body_limit);
    m_parser->header_limit(k_response_head_limit);
    m_parser->eager(false); // stop after the head: it is sent before any body byte is parsed
    if (m_method == "HEAD") {
      m_parser->skip(true);
    }
    m_parser->out = &m_response_body;
  }

  void read_upstream()
  {
    m_up->stream.async_read_some(m_up->buffer.prepare(k_read_chunk), [self = shared_from_this()](error_code ec, size_t n) {
      if (!self->m_up) {
        return;
      }
      ec = normalize_eof(ec);
      if (ec == asio::error::eof && self->m_parser->is_header_done() && self->m_parser->need_eof()) {
        error_code eof_ec;
        self->m_parser->put_eof(eof_ec);
        self->upstream_done(false);
        return;
      }
      if (ec && self->may_retry()) {
        // A pooled connection the backend had closed: once more on a new one, as on HTTP/1.
        self->m_retried = true;
        self->m_up->stream.reset(self->m_worker.ioc);
        self->m_up->connected = false;
        self->m_up->reused = false;
        self->m_up->buffer.clear();
        self->m_parser.reset();
        self->dial(self->m_dial_target);
        return;
      }
      if (ec) {
        self->upstream_failed(502, "upstream closed");
        return;
      }
      self->m_up->buffer.commit(n);
      self->parse_response();
    });
  }

  // Nothing of the response came, on a reused connection, for a bodiless request: safe to send again.
  bool may_retry() const
  {
    return !m_head_sent && !m_parser->got_some() && m_up->reused && !m_retried && m_request_ended
           && m_bodiless;
  }

  void parse_response()
  {
    while (m_up->buffer.size() > 0 && !m_parser->is_done()) {
      error_code ec;
      const size_t used = m_parser->put(m_up->buffer.data(), ec);
      m_up->buffer.consume(used);
      if (ec == http::error::need_more) {
        break;
      }
      if (ec) {
        upstream_failed(502, "bad response from upstream");
        return;
      }
      if (m_parser->is_header_done() && !m_head_sent) {
        const unsigned status = m_parser->status;
        if (status >= 100 && status < 200) {
          start_parser(); // informational (100 Continue, 103): the real response follows
          continue;
        }
        std::optional<uint64_t> length;
        if (const auto declared = m_parser->content_length(); declared && !m_parser->chunked()) {
          length = *declared;
        }
        send_response_head(status, m_upstream_head.fields(), length, false);
        m_parser->eager(true);
      }
      if (used == 0) {
        break;
      }
    }
    if (m_parser->is_done()) {
      lines_to_h2(m_parser->trailers, m_response_trailers);
      upstream_done(m_parser->keep_alive());
      return;
    }
    resume_response();
    if (m_response_body.size() >= k_response_buffer_limit) {
      m_reading_paused = true; // the client is slower than the backend: wait for it
      return;
    }
    read_upstream();
  }

  // The response head, with upstream's rewriting (heads.cpp), as HTTP/2 headers.
  void send_response_head(unsigned status, proxy::Fields fields, std::optional<uint64_t> length, bool end_stream)
  {
    cancel_timer_if_no_deadline();
    m_head_sent = true;
    m_status = status;
    proxy::ClientResponse response;
    response.status = status;
    if (length) {
      response.framing = proxy::Framing::content_length;
      response.content_length = *length;
    }
    if (m_worker.shared.config.settings.cold_start_header && !m_decision.static_forward && !m_via_fallback) {
      response.cold_start = m_cold_start;
    }
    if (m_cold_start) {
      response.cold_start_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - m_hold_started).count();
    }
    std::string head;
    proxy::write_client_response_head(head, response, fields);
    HeaderList headers;
    headers.add(":status", std::to_string(status));
    head_to_h2(head, headers);
    const bool bodiless = end_stream || m_method == "HEAD" || status == 204 || status == 304;
    submit(headers, !bodiless);
    if (bodiless) {
      m_response_ended = true;
    }
  }

  void submit(const HeaderList& headers, bool with_body)
  {
    if (!m_stream_open) {
      return;
    }
    nghttp2_data_provider provider{};
    provider.source.ptr = this;
    provider.read_callback = [](nghttp2_session*, int32_t, uint8_t* buf, size_t length, uint32_t* flags,
                                nghttp2_data_source* source, void*) -> ssize_t {
      return static_cast<Exchange*>(source->ptr)->read_response_body(buf, length, flags);
    };
    nghttp2_submit_response(m_conn->session(), m_id, headers.data(), headers.size(), with_body ? &provider : nullptr);
    m_conn->flush();
  }

  void resume_response()
  {
    if (m_deferred && m_stream_open) {
      m_deferred = false;
      nghttp2_session_resume_data(m_conn->session(), m_id);
    }
    m_conn->flush();
  }

  // The backend's response is complete.
  void upstream_done(bool reusable)
  {
    m_response_ended = true;
    cancel_timer();
    if (!m_request_ended && !m_writing) {
      discard_request_body(); // the backend has answered: what the client still sends is dropped
    }
    if (m_upstream2) {
      const bool clean = m_upstream2->ended_cleanly();
      m_upstream2->close();
      release_upstream(reusable && clean);
    } else if (m_up) {
      release_upstream(reusable && m_request_ended && m_request_body.empty() && !m_writing && m_up->buffer.size() == 0);
    }
    resume_response();
  }

  void release_upstream(bool reusable)
  {
    if (m_dialer) {
      m_dialer->cancel();
    }
    if (m_up) {
      m_worker.give_back(std::move(m_up), reusable);
    }
  }

  void upstream_failed(unsigned status, std::string_view reason)
  {
    if (m_finished || m_failed) {
      return;
    }
    m_failed = true;
    cancel_timer();
    if (m_upstream2) {
      m_upstream2->close();
    }
    release_upstream(false);
    if (m_head_sent) {
      reset_stream();
      return;
    }
    spdlog::debug("h2 {} {}{}: {} ({})", m_method, m_authority, m_path, status, reason);
    respond(proxy::error_response(status));
  }

  void reset_stream()
  {
    if (m_stream_open) {
      m_reset_by_us = true;
      nghttp2_submit_rst_stream(m_conn->session(), NGHTTP2_FLAG_NONE, m_id, NGHTTP2_INTERNAL_ERROR);
      m_conn->flush();
    }
  }

  // A complete response of our own (error, static, placeholder).
  void respond(const proxy::SimpleResponse& response)
  {
    std::string rendered;
    proxy::write_simple_response(rendered, response, true, false);
    HeaderList headers;
    headers.add(":status", std::to_string(response.status));
    head_to_h2(rendered, headers);
    m_status = response.status;
    const bool bodiless = response.status < 200 || response.status == 204 || response.status == 304;
    m_response_body = (bodiless || m_method == "HEAD") ? std::string() : response.body;
    m_response_ended = true;
    m_head_sent = true;
    discard_request_body();
    submit(headers, !m_response_body.empty());
  }

  // --- deadlines ---

  // Until the response head: the response-header timeout (504); then the request deadline
  // (the stream is reset mid-body). Re-armed for the latter when the former fires after the head.
  void arm_timer()
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
    m_timer->expires_at(Clock::time_point(std::chrono::duration_cast<Clock::duration>(deadline.time_since_epoch())));
    m_timer->async_wait([self = shared_from_this()](error_code ec) {
      if (ec || self->m_finished) {
        return;
      }
      if (!self->m_head_sent) {
        self->upstream_failed(504, "response timeout");
      } else if (self->m_request_deadline != core::k_never && now() >= self->m_request_deadline) {
        self->upstream_failed(504, "request deadline"); // mid-body: the stream is reset
      } else {
        self->arm_timer(); // the head came in time: now only the request deadline
      }
    });
  }

  void cancel_timer_if_no_deadline()
  {
    if (m_request_deadline == core::k_never) {
      cancel_timer();
    }
  }

  void cancel_timer()
  {
    if (m_timer) {
      m_timer->cancel();
    }
  }

  // --- the end ---

  void finish()
  {
    if (m_finished) {
      return;
    }
    m_finished = true;
    cancel_timer();
    end_release();
    discard_request_body(); // bytes received and never sent (held, or the client left)
    if (m_parked) {
      m_worker.unpark(m_ticket);
      m_parked = false;
    }
    release_budget();
    if (m_upstream2) {
      m_upstream2->close();
    }
    release_upstream(false);
    if (!m_counted_active) {
      return;
    }
    if (m_decision.counter) {
      m_decision.counter->leave();
      m_decision.counter = nullptr;
    }
    record();
    --m_worker.shared.active;
    m_counted_active = false;
  }

  void record()
  {
    Worker::Finished f;
    f.code = m_status ? m_status : 200;
    f.method = m_method;
    f.path = m_path;
    f.host = m_authority;
    f.version = "2";
    f.fields = m_head.fields();
    f.decision = &m_decision;
    f.peer_ip = m_conn->peer_ip();
    f.peer_port = m_conn->peer_port();
    f.start_wall = m_start_wall;
    f.started = m_started;
    f.body_bytes = m_body_bytes;
    f.trace = m_trace ? &*m_trace : nullptr;
    const std::string backend = f.trace && m_worker.shared.tracer ? m_endpoint.str() : std::string();
    f.backend = backend;
    f.via_fallback = m_via_fallback;
    f.cold_start = m_cold_start;
    m_worker.record_finished(f);
  }

  std::shared_ptr<Connection> m_conn;
  Worker& m_worker;
  int32_t m_id;
  std::string m_method;
  std::string m_target;
  std::string m_authority;
  std::vector<std::pair<std::string, std::string>> m_fields; // until the head is complete
  size_t m_head_size = 0;
  HeadStore m_head;
  std::string m_path;
  std::string m_request_body;     // received, not yet sent to the backend
  std::string m_request_trailers; // HTTP/1 trailer lines
  proxy::Decision m_decision;
  proxy::SnapshotPtr m_snapshot;
  proxy::Endpoint m_endpoint;
  UpstreamPtr m_up;
  std::unique_ptr<Dialer> m_dialer;
  Dialer::Target m_dial_target; // for the one retry on a stale pooled connection
  std::unique_ptr<Http2Call> m_upstream2;
  std::optional<RequestTrace> m_trace; // tracing on and forwarded
  std::string m_traceparent;
  std::optional<ResponseParser> m_parser;
  HeadStore m_upstream_head; // an HTTP/1.1 backend's response head
  std::string m_out;
  std::string m_sending;
  std::string m_response_body;
  size_t m_response_offset = 0;
  HeaderList m_response_trailers;
  std::unique_ptr<asio::steady_timer> m_timer;
  core::TimePoint m_request_deadline = core::k_never;
  core::TimePoint m_hold_deadline = core::k_never;
  Clock::time_point m_started;
  Clock::time_point m_hold_started;
  std::chrono::system_clock::time_point m_start_wall;
  hold::Ticket m_ticket = 0;
  size_t m_held_bytes = 0;
  size_t m_body_bytes = 0;
  unsigned m_status = 0;
  bool m_request_ended = false;
  bool m_head_written = false;
  bool m_chunked = false;
  bool m_bodiless = false;
  bool m_retried = false;
  bool m_reset_by_us = false; // we reset the stream (a backend failure after the head), not the client
  bool m_chunk_end_written = false;
  bool m_writing = false;
  bool m_head_sent = false;
  bool m_response_ended = false;
  bool m_deferred = false;
  bool m_reading_paused = false;
  bool m_cold_start = false;
  bool m_via_fallback = false;
  bool m_parked = false;
  bool m_releasing = false;
  bool m_held_once = false;
  bool m_budget_taken = false;
  bool m_stream_open = true;
  bool m_failed = false;
  bool m_finished = false;
  bool m_counted_active = false;
};

// --- Connection ---------------------------------------------------------------------

Connection::Connection(Worker& worker, Stream stream) : m_worker(worker)
{
  error_code ec;
  const auto peer = stream.socket().remote_endpoint(ec);
  m_peer_ip = ec ? std::string() : peer.address().to_string();
  m_peer_port = ec ? 0 : peer.port();
  nghttp2_session_callbacks* callbacks = nullptr;
  nghttp2_session_callbacks_new(&callbacks);
  nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, &Connection::on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(callbacks, &Connection::on_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, &Connection::on_frame_recv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, &Connection::on_data_chunk);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, &Connection::on_stream_close);
  nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, &Connection::on_frame_send);
  nghttp2_option* options = nullptr;
  nghttp2_option_new(&options);
  nghttp2_option_set_no_auto_window_update(options, 1); // windows open as bodies move on
  nghttp2_session* session = nullptr;
  nghttp2_session_server_new2(&session, callbacks, this, options);
  nghttp2_option_del(options);
  nghttp2_session_callbacks_del(callbacks);
  m_pump = std::make_unique<Pump>(std::move(stream), session);
}

void
Connection::start(std::string received)
{
  const nghttp2_settings_entry settings[] = {
    {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, k_max_concurrent_streams},
    {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, static_cast<uint32_t>(k_stream_window)},
  };
  nghttp2_submit_settings(session(), NGHTTP2_FLAG_NONE, settings, std::size(settings));
  nghttp2_session_set_local_window_size(session(), NGHTTP2_FLAG_NONE, 0, k_connection_window);
  if (!received.empty() && !m_pump->feed(received)) {
    m_pump->close();
    closed();
    return;
  }
  flush();
  m_pump->read(shared_from_this(), [self = shared_from_this()] { self->closed(); });
  m_worker.drain_hooks[this] = [weak = weak_from_this()] {
    if (const auto self = weak.lock()) {
      self->go_away();
    }
  };
}

void
Connection::go_away()
{
  if (m_pump->closed()) {
    return;
  }
  nghttp2_submit_goaway(session(), NGHTTP2_FLAG_NONE, nghttp2_session_get_last_proc_stream_id(session()),
                        NGHTTP2_NO_ERROR, nullptr, 0);
  flush();
}

void
Connection::flush()
{
  m_pump->flush(shared_from_this(), [self = shared_from_this()] { self->closed(); });
}

// The connection is gone: every stream on it ends (their exchanges say 499 if unanswered).
void
Connection::closed()
{
  m_worker.drain_hooks.erase(this);
  auto exchanges = std::move(m_exchanges);
  m_exchanges.clear();
  for (auto& [id, exchange] : exchanges) {
    exchange->on_closed(NGHTTP2_CANCEL);
  }
}

Exchange*
Connection::find(int32_t stream_id)
{
  const auto it = m_exchanges.find(stream_id);
  return it == m_exchanges.end() ? nullptr : it->second.get();
}

int
Connection::on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* self)
{
  auto* conn = static_cast<Connection*>(self);
  if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
    conn->m_exchanges[frame->hd.stream_id] = std::make_shared<Exchange>(conn->shared_from_this(), frame->hd.stream_id);
  }
  return 0;
}

int
Connection::on_header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t name_length,
                      const uint8_t* value, size_t value_length, uint8_t, void* self)
{
  Exchange* exchange = static_cast<Connection*>(self)->find(frame->hd.stream_id);
  if (exchange && frame->hd.type == NGHTTP2_HEADERS) {
    if (frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
      exchange->add_header(view(name, name_length), view(value, value_length));
    } else {
      exchange->add_trailer(view(name, name_length), view(value, value_length));
    }
  }
  return 0;
}

int
Connection::on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* self)
{
  auto* conn = static_cast<Connection*>(self);
  Exchange* exchange = conn->find(frame->hd.stream_id);
  if (!exchange) {
    return 0;
  }
  const bool end_stream = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
  if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
    exchange->on_head(end_stream);
  } else if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) && end_stream) {
    exchange->on_request_end();
  }
  return 0;
}

int
Connection::on_data_chunk(nghttp2_session*, uint8_t, int32_t stream_id, const uint8_t* data, size_t length, void* self)
{
  if (Exchange* exchange = static_cast<Connection*>(self)->find(stream_id)) {
    exchange->on_request_data(view(data, length));
  }
  return 0;
}

int
Connection::on_frame_send(nghttp2_session* session, const nghttp2_frame* frame, void* self)
{
  if ((frame->hd.type == NGHTTP2_DATA || frame->hd.type == NGHTTP2_HEADERS)
      && (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0) {
    if (Exchange* exchange = static_cast<Connection*>(self)->find(frame->hd.stream_id);
        exchange && exchange->wants_no_more_body()) {
      nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, frame->hd.stream_id, NGHTTP2_NO_ERROR);
    }
  }
  return 0;
}

int
Connection::on_stream_close(nghttp2_session*, int32_t stream_id, uint32_t error_code, void* self)
{
  auto* conn = static_cast<Connection*>(self);
  const auto it = conn->m_exchanges.find(stream_id);
  if (it != conn->m_exchanges.end()) {
    const std::shared_ptr<Exchange> exchange = std::move(it->second);
    conn->m_exchanges.erase(it);
    exchange->on_closed(error_code);
  }
  if (conn->m_exchanges.empty() && conn->m_worker.shared.draining.load(std::memory_order_relaxed)) {
    conn->go_away(); // draining: like Connection: close on HTTP/1, once idle
  }
  return 0;
}

// --- BackendCall ---------------------------------------------------------------------

bool
BackendCall::begin(std::shared_ptr<Http2Link> link, std::shared_ptr<void> owner, const HeaderList& request,
                   bool has_body)
{
  m_link = std::move(link);
  m_owner = std::move(owner);
  nghttp2_data_provider provider{};
  provider.source.ptr = this;
  provider.read_callback = &BackendCall::read_request_body;
  m_stream_id = nghttp2_submit_request(m_link->session(), nullptr, request.data(), request.size(),
                                       has_body ? &provider : nullptr, nullptr);
  if (m_stream_id < 0) {
    return false;
  }
  m_link->current = this;
  m_link->flush();
  return true;
}

void
BackendCall::resume_body()
{
  if (m_link && m_stream_id >= 0 && std::exchange(m_deferred, false)) {
    nghttp2_session_resume_data(m_link->session(), m_stream_id);
  }
  if (m_link) {
    m_link->flush();
  }
}

void
BackendCall::consume(size_t n)
{
  if (!m_link || !m_link->alive()) {
    return;
  }
  // The stream may be over already (its last bytes were still on their way to the client):
  // the connection's window opens all the same, or the link would shrink with every call.
  if (m_stream_id >= 0) {
    nghttp2_session_consume(m_link->session(), m_stream_id, n);
  } else {
    nghttp2_session_consume_connection(m_link->session(), n);
  }
  m_link->flush();
}

void
BackendCall::close()
{
  if (m_link) {
    if (m_link->current == this) {
      m_link->current = nullptr;
    }
    if (!m_ended_cleanly) {
      m_link->close(); // a stream cut in the middle: the link cannot carry another call
    }
  }
  m_stream_id = -1; // late callbacks are ignored
  m_owner.reset();  // the owner owns this: no cycle once closed
}

// The stream is over (once): tells the sink.
void
BackendCall::end(bool ok)
{
  if (m_stream_id < 0) {
    return;
  }
  // Clean only when both sides are done: a backend that answered before the whole request
  // was sent leaves our side open (nghttp2 would still pull the body from this call).
  m_ended_cleanly = ok && m_link && m_link->alive()
                    && (nghttp2_session_get_stream_local_close(m_link->session(), m_stream_id) != 0
                        || nghttp2_session_find_stream(m_link->session(), m_stream_id) == nullptr);
  m_stream_id = -1;
  if (m_link && m_link->current == this) {
    m_link->current = nullptr;
  }
  m_trailers.finish();
  const auto keep = m_owner; // the sink may let its owner go
  m_sink.on_call_end(ok, m_trailers.fields());
}

ssize_t
BackendCall::read_request_body(nghttp2_session*, int32_t, uint8_t* buf, size_t length, uint32_t* flags,
                               nghttp2_data_source* source, void*)
{
  auto* self = static_cast<BackendCall*>(source->ptr);
  bool eof = false;
  bool deferred = false;
  const size_t n = self->m_sink.take_call_body(buf, length, eof, deferred);
  if (deferred) {
    self->m_deferred = true;
    return NGHTTP2_ERR_DEFERRED;
  }
  if (eof) {
    *flags |= NGHTTP2_DATA_FLAG_EOF;
  }
  return static_cast<ssize_t>(n);
}

void
BackendCall::header(const nghttp2_frame*, std::string_view name, std::string_view value)
{
  if (m_head_done) {
    m_trailers.add(name, value); // after the final response head: trailers
  } else if (name == ":status") {
    m_status = static_cast<unsigned>(std::atoi(std::string(value).c_str()));
    m_head.clear();
  } else if (!name.empty() && name.front() != ':') {
    m_head.add(name, value);
  }
}

void
BackendCall::frame(const nghttp2_frame* frame)
{
  const bool end_stream = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
  // (After a 1xx, nghttp2 files the final head under NGHTTP2_HCAT_HEADERS, like trailers:
  // what tells them apart is whether the final head was delivered.)
  if (frame->hd.type == NGHTTP2_HEADERS && !m_head_done && m_status >= 200) {
    m_head_done = true;
    m_head.finish();
    const auto keep = m_owner;
    m_sink.on_call_head(m_status, m_head.fields(), end_stream);
  }
  if (end_stream && m_stream_id >= 0 && (frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA)) {
    end(true); // the response is complete, even if our request side is still open
  }
}

// --- Http2Link -----------------------------------------------------------------------

} // namespace

void
plumbing::Http2Link::start(Stream stream)
{
  nghttp2_session_callbacks* callbacks = nullptr;
  nghttp2_session_callbacks_new(&callbacks);
  nghttp2_session_callbacks_set_on_header_callback(callbacks, &Http2Link::on_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, &Http2Link::on_frame_recv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, &Http2Link::on_data_chunk);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, &Http2Link::on_stream_close);
  nghttp2_option* options = nullptr;
  nghttp2_option_new(&options);
  nghttp2_option_set_no_auto_window_update(options, 1); // opened as the client takes the body
  nghttp2_session* session = nullptr;
  nghttp2_session_client_new2(&session, callbacks, this, options);
  nghttp2_option_del(options);
  nghttp2_session_callbacks_del(callbacks);
  m_pump = std::make_unique<Pump>(std::move(stream), session);
  const nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
                                            {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE,
                                             static_cast<uint32_t>(k_stream_window)}};
  nghttp2_submit_settings(session, NGHTTP2_FLAG_NONE, settings, std::size(settings));
  nghttp2_session_set_local_window_size(session, NGHTTP2_FLAG_NONE, 0, k_connection_window);
  m_pump->read(shared_from_this(), [self = shared_from_this()] { self->closed(); });
}

void
plumbing::Http2Link::flush()
{
  if (m_pump) {
    m_pump->flush(shared_from_this(), [self = shared_from_this()] { self->closed(); });
  }
}

void
plumbing::Http2Link::close()
{
  if (m_pump) {
    m_pump->close();
  }
}

// The connection is gone: the call in flight, if any, failed.
void
plumbing::Http2Link::closed()
{
  if (BackendCall* call = std::exchange(current, nullptr)) {
    call->end(false);
  }
}

int
plumbing::Http2Link::on_header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t name_length,
                               const uint8_t* value, size_t value_length, uint8_t, void* self)
{
  BackendCall* call = static_cast<Http2Link*>(self)->current;
  if (call && frame->hd.type == NGHTTP2_HEADERS && frame->hd.stream_id == call->stream_id()) {
    call->header(frame, view(name, name_length), view(value, value_length));
  }
  return 0;
}

int
plumbing::Http2Link::on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* self)
{
  auto* link = static_cast<Http2Link*>(self);
  if (frame->hd.type == NGHTTP2_GOAWAY) {
    link->m_goaway = true; // no new calls; the one in flight may finish
    return 0;
  }
  BackendCall* call = link->current;
  if (call && frame->hd.stream_id == call->stream_id()) {
    call->frame(frame);
  }
  return 0;
}

int
plumbing::Http2Link::on_data_chunk(nghttp2_session*, uint8_t, int32_t stream_id, const uint8_t* data, size_t length,
                                   void* self)
{
  BackendCall* call = static_cast<Http2Link*>(self)->current;
  if (call && stream_id == call->stream_id()) {
    call->data(view(data, length));
  } else {
    // A late frame of a call already over: nobody takes its bytes, so open the window now.
    nghttp2_session_consume_connection(static_cast<Http2Link*>(self)->session(), length);
  }
  return 0;
}

int
plumbing::Http2Link::on_stream_close(nghttp2_session*, int32_t stream_id, uint32_t error_code, void* self)
{
  BackendCall* call = static_cast<Http2Link*>(self)->current;
  if (call && stream_id == call->stream_id()) {
    call->end(error_code == NGHTTP2_NO_ERROR);
  }
  return 0;
}

std::unique_ptr<plumbing::Http2Call>
plumbing::Http2Call::start(UpstreamConn& conn, std::shared_ptr<void> owner, Sink& sink, std::string_view h1_head,
                           bool tls, bool has_body)
{
  // "METHOD target HTTP/1.1": the pseudo-headers; Host: the authority; the rest as they are.
  const std::string_view line = h1_head.substr(0, h1_head.find("\r\n"));
  const size_t space = line.find(' ');
  const std::string_view method = line.substr(0, space);
  const std::string_view target = line.substr(space + 1, line.rfind(' ') - space - 1);
  HeaderList fields;
  std::string host;
  head_to_h2(h1_head, fields, &host);
  HeaderList request;
  request.add(":method", method);
  request.add(":scheme", tls ? "https" : "http");
  request.add(":authority", host);
  request.add(":path", target.empty() ? "/" : target);
  for (size_t i = 0; i < fields.size(); ++i) {
    request.add(view(fields.data()[i].name, fields.data()[i].namelen),
                view(fields.data()[i].value, fields.data()[i].valuelen));
  }
  if (!conn.h2) { // a new connection: its HTTP/2 session starts here and stays with it
    conn.h2 = std::make_shared<Http2Link>();
    conn.h2->start(std::move(conn.stream));
  }
  if (!conn.h2->alive() || conn.h2->current) {
    return nullptr;
  }
  auto call = std::make_unique<BackendCall>(sink);
  if (!call->begin(conn.h2, std::move(owner), request, has_body)) {
    return nullptr;
  }
  return call;
}

void
plumbing::Worker::serve_http2(Stream stream, std::string received)
{
  std::make_shared<Connection>(*this, std::move(stream))->start(std::move(received));
}

} // namespace kedahttp::net
