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

#include <kedahttp/net/data_plane.hpp>

#include <kedahttp/proxy/heads.hpp>
#include <kedahttp/util/strings.hpp>

#include <utility> // Boost 1.74's asio/awaitable.hpp uses std::exchange without including it

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <spdlog/spdlog.h>

#include <sys/socket.h>

#include <cerrno>
#include <deque>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>

namespace kedahttp::net {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using Clock = std::chrono::steady_clock;

constexpr size_t k_read_chunk = 16 * 1024;
// Bodies are streamed, never buffered whole: no limit. (Not boost::none: Beast 1.74
// compares Content-Length against the optional, and anything is greater than none.)
constexpr std::uint64_t k_no_body_limit = std::numeric_limits<std::uint64_t>::max();
// A backend's response head may be this large (Go's Transport default; Beast's own is 8 KiB,
// which large Set-Cookie or CSP headers exceed).
constexpr std::uint32_t k_response_head_limit = 10 * 1024 * 1024;
// Go's Transport default (TLSHandshakeTimeout) for re-encrypted backend connections.
constexpr auto k_tls_handshake_timeout = std::chrono::seconds(10);

core::TimePoint
now()
{
  return core::TimePoint(Clock::now().time_since_epoch());
}

// --- message heads and bodies -------------------------------------------------

// The fields of one head, copied out of the read buffer. Views stay valid
// until clear(): the text is only appended to while the head is parsed.
class HeadStore
{
public:
  void clear()
  {
    m_text.clear();
    m_offsets.clear();
    m_views.clear();
  }
  void add(std::string_view name, std::string_view value)
  {
    m_offsets.push_back({static_cast<uint32_t>(m_text.size()), static_cast<uint32_t>(name.size()),
                         static_cast<uint32_t>(m_text.size() + name.size()), static_cast<uint32_t>(value.size())});
    m_text.append(name);
    m_text.append(value);
  }
  void set_line(std::string_view first, std::string_view second)
  {
    m_line_first = static_cast<uint32_t>(m_text.size());
    m_text.append(first);
    m_line_second = static_cast<uint32_t>(m_text.size());
    m_text.append(second);
    m_line_end = static_cast<uint32_t>(m_text.size());
  }
  void finish()
  {
    m_views.clear();
    for (const auto& o : m_offsets) {
      m_views.push_back({std::string_view(m_text).substr(o[0], o[1]), std::string_view(m_text).substr(o[2], o[3])});
    }
  }
  // method or reason / target
  std::string_view first() const { return std::string_view(m_text).substr(m_line_first, m_line_second - m_line_first); }
  std::string_view second() const { return std::string_view(m_text).substr(m_line_second, m_line_end - m_line_second); }
  proxy::Fields fields() const { return m_views; }
  // Trims the storage to what the head uses (for requests that will wait a while).
  void compact()
  {
    m_text.shrink_to_fit();
    m_offsets.shrink_to_fit();
    m_views.shrink_to_fit();
    finish(); // the text may have moved
  }
  size_t bytes() const { return m_text.size(); }

private:
  std::string m_text;
  std::vector<std::array<uint32_t, 4>> m_offsets;
  std::vector<proxy::Field> m_views;
  uint32_t m_line_first = 0;
  uint32_t m_line_second = 0;
  uint32_t m_line_end = 0;
};

// Parses one message; its body goes to `out` (re-chunked when `chunk_out`).
template<bool isRequest>
class ForwardingParser : public http::basic_parser<isRequest>
{
public:
  explicit ForwardingParser(HeadStore& head) : m_head(head) { m_head.clear(); }

  std::string* out = nullptr;
  bool chunk_out = false;
  unsigned status = 0;
  int version = 11;
  std::string trailers;

private:
  void on_request_impl(http::verb, beast::string_view method, beast::string_view target, int v, error_code&) override
  {
    version = v;
    m_head.set_line(std::string_view(method.data(), method.size()), std::string_view(target.data(), target.size()));
  }
  void on_response_impl(int code, beast::string_view reason, int v, error_code&) override
  {
    status = static_cast<unsigned>(code);
    version = v;
    m_head.set_line(std::string_view(reason.data(), reason.size()), {});
  }
  void on_field_impl(http::field, beast::string_view name, beast::string_view value, error_code&) override
  {
    if (this->is_header_done()) { // a trailer
      trailers.append(name.data(), name.size());
      trailers.append(": ");
      trailers.append(value.data(), value.size());
      trailers.append("\r\n");
      return;
    }
    m_head.add(std::string_view(name.data(), name.size()), std::string_view(value.data(), value.size()));
  }
  void on_header_impl(error_code&) override { m_head.finish(); }
  void on_body_init_impl(boost::optional<std::uint64_t> const&, error_code&) override {}
  std::size_t on_body_impl(beast::string_view body, error_code&) override
  {
    append(std::string_view(body.data(), body.size()));
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view body, error_code&) override
  {
    append(std::string_view(body.data(), body.size()));
    return body.size();
  }
  void on_finish_impl(error_code&) override
  {
    if (out && chunk_out) {
      out->append("0\r\n");
      out->append(trailers);
      out->append("\r\n");
    }
  }
  void append(std::string_view data)
  {
    if (!out) {
      return;
    }
    if (chunk_out) {
      proxy::append_chunk(*out, data);
    } else {
      out->append(data);
    }
  }

  HeadStore& m_head;
};

using RequestParser = ForwardingParser<true>;
using ResponseParser = ForwardingParser<false>;

// Percent-decodes a path (no cleaning: "..", "//" stay), as Go's URL.Path.
std::string
decode_path(std::string_view target)
{
  std::string_view path = target;
  if (path.substr(0, 7) == "http://" || path.substr(0, 8) == "https://") {
    const size_t scheme = path.find("//") + 2;
    const size_t slash = path.find('/', scheme);
    path = slash == std::string_view::npos ? std::string_view("/") : path.substr(slash);
  }
  path = path.substr(0, path.find_first_of("?#"));
  std::string out;
  out.reserve(path.size());
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '%' && i + 2 < path.size() && std::isxdigit(static_cast<unsigned char>(path[i + 1]))
        && std::isxdigit(static_cast<unsigned char>(path[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(path.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(path[i]);
    }
  }
  return out;
}

// The authority of an absolute-form target ("http://host:8080/x" -> "host:8080").
std::string_view
absolute_authority(std::string_view target)
{
  const size_t scheme = target.find("://");
  if (scheme == std::string_view::npos || target.front() == '/') {
    return {};
  }
  std::string_view rest = target.substr(scheme + 3);
  return rest.substr(0, rest.find_first_of("/?#"));
}

// --- streams ---------------------------------------------------------------------

// A connection, plain or TLS over TCP. Sessions and upstream connections hold one
// and do not care which: it forwards reads and writes to the right layer (and is an
// AsyncStream itself, for asio::async_write). The TLS layer is allocated only for
// TLS connections: a plain parked request pays one null pointer for it.
class Stream
{
public:
  using executor_type = tcp::socket::executor_type;
  using Tls = asio::ssl::stream<tcp::socket&>;

  explicit Stream(tcp::socket socket) : m_socket(std::move(socket)) {}
  explicit Stream(asio::io_context& ioc) : m_socket(ioc) {}

  tcp::socket& socket() { return m_socket; }
  executor_type get_executor() { return m_socket.get_executor(); }
  bool is_tls() const { return m_tls != nullptr; }
  Tls& tls() { return *m_tls; }

  // Puts a TLS layer over the (connected) socket; the handshake is the caller's.
  Tls& start_tls(asio::ssl::context& context)
  {
    m_tls = std::make_unique<Tls>(m_socket, context);
    return *m_tls;
  }

  // A fresh, unconnected socket (and no TLS layer): for a new connection attempt.
  void reset(asio::io_context& ioc)
  {
    error_code ignored;
    m_socket.close(ignored);
    m_tls.reset();
    m_socket = tcp::socket(ioc);
  }

  template<typename Buffers, typename Handler> void async_read_some(const Buffers& buffers, Handler&& handler)
  {
    if (m_tls) {
      m_tls->async_read_some(buffers, std::forward<Handler>(handler));
    } else {
      m_socket.async_read_some(buffers, std::forward<Handler>(handler));
    }
  }

  template<typename Buffers, typename Handler> void async_write_some(const Buffers& buffers, Handler&& handler)
  {
    if (m_tls) {
      m_tls->async_write_some(buffers, std::forward<Handler>(handler));
    } else {
      m_socket.async_write_some(buffers, std::forward<Handler>(handler));
    }
  }

private:
  tcp::socket m_socket;
  std::unique_ptr<Tls> m_tls;
};

// A TLS peer that closes without close_notify ends the stream like a TCP close would:
// bodies framed by the end of the connection end there (Go reads it as io.EOF too).
error_code
normalize_eof(error_code ec)
{
  return ec == asio::ssl::error::stream_truncated ? error_code(asio::error::eof) : ec;
}

// --- upstream connections --------------------------------------------------------

struct UpstreamConn {
  explicit UpstreamConn(asio::io_context& ioc) : stream(ioc) {}
  Stream stream;
  beast::flat_buffer buffer;
  std::string key;
  bool connected = false;
  bool reused = false;
};

using UpstreamPtr = std::unique_ptr<UpstreamConn>;
using UpstreamHandler = std::function<void(UpstreamPtr)>;

// Per-worker pool of keep-alive connections per endpoint, bounded: beyond
// `limit` open connections, requests wait in FIFO order for one to come back.
class UpstreamPool
{
public:
  UpstreamPool(asio::io_context& ioc, size_t limit) : m_ioc(ioc), m_limit(limit) {}

  // Calls `handler` with an idle connection (reused), or a fresh unconnected one
  // when under the limit, or later when one is released.
  void acquire(const std::string& key, UpstreamHandler handler)
  {
    Slot& slot = m_slots[key];
    if (!slot.idle.empty()) {
      UpstreamPtr conn = std::move(slot.idle.back());
      slot.idle.pop_back();
      conn->reused = true;
      handler(std::move(conn));
      return;
    }
    if (slot.open < m_limit) {
      ++slot.open;
      auto conn = std::make_unique<UpstreamConn>(m_ioc);
      conn->key = key;
      handler(std::move(conn));
      return;
    }
    slot.waiters.push_back(std::move(handler));
  }

  // Returns a connection; `reusable` keeps it open for the next request.
  void release(UpstreamPtr conn, bool reusable)
  {
    Slot& slot = m_slots[conn->key];
    if (reusable && conn->connected && conn->stream.socket().is_open()) {
      if (!slot.waiters.empty()) {
        UpstreamHandler next = std::move(slot.waiters.front());
        slot.waiters.pop_front();
        conn->reused = true;
        asio::post(m_ioc, [next = std::move(next), c = std::make_shared<UpstreamPtr>(std::move(conn))]() mutable {
          next(std::move(*c));
        });
        return;
      }
      conn->buffer.clear();
      slot.idle.push_back(std::move(conn));
      return;
    }
    error_code ignored;
    conn->stream.socket().close(ignored);
    if (!slot.waiters.empty()) {
      // The slot stays open for the next waiter, with a fresh connection.
      UpstreamHandler next = std::move(slot.waiters.front());
      slot.waiters.pop_front();
      auto fresh = std::make_shared<UpstreamPtr>(std::make_unique<UpstreamConn>(m_ioc));
      (*fresh)->key = conn->key;
      asio::post(m_ioc, [next = std::move(next), fresh]() mutable { next(std::move(*fresh)); });
      return;
    }
    --slot.open;
  }

  void close_idle()
  {
    for (auto& [key, slot] : m_slots) {
      for (auto& conn : slot.idle) {
        error_code ignored;
        conn->stream.socket().close(ignored);
        --slot.open;
      }
      slot.idle.clear();
    }
  }

private:
  struct Slot {
    std::vector<UpstreamPtr> idle;
    size_t open = 0;
    std::deque<UpstreamHandler> waiters;
  };
  asio::io_context& m_ioc;
  size_t m_limit;
  std::unordered_map<std::string, Slot> m_slots;
};

class Session;

// --- worker ----------------------------------------------------------------------

class Worker
{
public:
  Worker(Shared& shared, unsigned index, proxy::SnapshotPtr snapshot)
    : shared(shared),
      index(index),
      ioc(1),
      acceptor(ioc),
      snapshot(std::move(snapshot)),
      pool(ioc, shared.config.max_connections_per_endpoint),
      hold_timer(ioc),
      metrics(shared.metrics.shard(index)),
      rng(std::random_device{}() + index)
  {
  }

  void listen()
  {
    listen_on(acceptor, shared.config.proxy_port);
    if (tls_acceptor) {
      listen_on(*tls_acceptor, shared.config.tls.port);
    }
  }

  void listen_on(tcp::acceptor& into, uint16_t port)
  {
    const auto address = asio::ip::make_address(shared.config.bind_address);
    const tcp::endpoint endpoint(address, port);
    into.open(endpoint.protocol());
    into.set_option(asio::socket_base::reuse_address(true));
    int one = 1;
    if (::setsockopt(into.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) {
      throw std::runtime_error("SO_REUSEPORT: " + std::string(std::strerror(errno)));
    }
    into.bind(endpoint);
    into.listen(4096);
  }

  void accept(tcp::acceptor& from, asio::ssl::context* tls);
  void close_listeners();
  void publish(proxy::SnapshotPtr next);
  void release_service(const std::string& service, size_t batch);
  void release_finished();
  size_t released_in_flight = 0;     // released from the hold, exchange not over yet
  std::vector<std::string> draining; // services whose waiters wait for room in the window
  void park(const std::shared_ptr<Session>& session, hold::Ticket ticket, const std::string& service,
            core::TimePoint deadline);
  void unpark(hold::Ticket ticket);
  void arm_hold_timer();

  Shared& shared;
  unsigned index;
  asio::io_context ioc;
  tcp::acceptor acceptor;
  std::optional<tcp::acceptor> tls_acceptor;  // when the TLS listener runs
  asio::ssl::context* tls_server = nullptr;   // the contexts are the data plane's, shared
  asio::ssl::context* tls_client = nullptr;
  proxy::SnapshotPtr snapshot;
  UpstreamPool pool;
  hold::HoldQueue holds;
  std::unordered_map<hold::Ticket, std::shared_ptr<Session>> parked;
  asio::steady_timer hold_timer;
  std::optional<core::TimePoint> hold_timer_at;
  MetricsShard& metrics;
  std::mt19937_64 rng;
  hold::Ticket next_ticket = 1;
  std::thread thread;
};

// --- session ---------------------------------------------------------------------

// What a session needs only while it talks to a backend: allocated on the first
// forward (and reused by later requests on the connection), absent while parked.
struct UpstreamSide {
  HeadStore head;
  std::optional<ResponseParser> parser;
  std::string out;     // bytes for the backend
  std::string sending; // bytes being written to the backend
  proxy::Endpoint endpoint;
};

// One client connection; requests on it are handled one after the other.
class Session : public std::enable_shared_from_this<Session>
{
public:
  Session(Worker& worker, tcp::socket socket) : m_worker(worker), m_client(std::move(socket)) {}

  // `tls`: a connection to the TLS listener (handshake first, then re-encrypt to backends).
  void start(asio::ssl::context* tls)
  {
    error_code ec;
    m_client.socket().set_option(tcp::no_delay(true), ec);
    const auto peer = m_client.socket().remote_endpoint(ec);
    m_peer_ip = ec ? std::string() : peer.address().to_string();
    m_peer_port = ec ? 0 : peer.port();
    if (!tls) {
      start_requests();
      return;
    }
    // The handshake counts against the read-header timeout, as in Go's server.
    arm_header_timer();
    m_client.start_tls(*tls).async_handshake(asio::ssl::stream_base::server,
                                             [self = shared_from_this()](error_code handshake_ec) {
                                               self->cancel_timer();
                                               if (handshake_ec) {
                                                 spdlog::debug("TLS handshake from {}: {}", self->m_peer_ip,
                                                               handshake_ec.message());
                                                 self->close();
                                                 return;
                                               }
                                               self->start_requests();
                                             });
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
  void on_released()
  {
    m_releasing = true; // counts against the worker's release window until the exchange ends
    m_parked = false;
    release_budget();
    m_cold_start = true;
    after_parked_read(Unparked::released);
  }

  // The held request's readiness (or request) deadline passed.
  void on_expired()
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
    m_path = decode_path(m_req_head.second());
    m_keep_alive = m_req->keep_alive() && !m_worker.shared.draining.load(std::memory_order_relaxed);
    m_head_request = m_req_head.first() == "HEAD";
    m_upgrade = m_req->upgrade();

    const proxy::RequestView view{m_req_head.first(), request_host(), m_path, fields};
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
    const auto verdict = m_worker.shared.budget.acquire(m_decision.route->key, bytes);
    if (verdict != hold::HoldBudget::Verdict::admitted) {
      m_worker.shared.metrics.hold_rejections.fetch_add(1, std::memory_order_relaxed);
      respond(proxy::hold_full_response(m_worker.shared.config.settings, verdict), "hold full");
      return;
    }
    m_held_bytes = bytes;
    m_budget_taken = true;
    m_worker.shared.metrics.held.fetch_add(1, std::memory_order_relaxed);
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
    if (m_budget_taken) {
      m_budget_taken = false;
      m_worker.shared.budget.release(m_decision.route->key, m_held_bytes);
      m_worker.shared.metrics.held.fetch_sub(1, std::memory_order_relaxed);
    }
  }

  // --- forwarding ---

  void forward()
  {
    const auto endpoint = proxy::pick_endpoint(*m_worker.snapshot, m_decision.target, m_worker.rng());
    if (!endpoint) {
      const bool ready = m_worker.snapshot->ready.ready(m_decision.target.key());
      if (!ready && !m_via_fallback && !m_decision.static_forward) {
        hold(); // not ready (any more): wait like any cold start
        return;
      }
      // Ready, but no endpoint port matches the target's port (or the fallback has no
      // ready endpoint): waiting would never end.
      // The fallback (or a static forward) has no ready endpoint: nothing to wait for.
      respond(proxy::error_response(502), "no endpoint");
      return;
    }
    if (!m_side) {
      m_side = std::make_unique<UpstreamSide>();
    }
    m_side->endpoint = *endpoint;
    m_connect_deadline = m_request_deadline != core::k_never
                           ? m_request_deadline
                           : now() + m_worker.shared.config.settings.connect_retry_cap;
    // Re-encrypted connections are pooled apart, per TLS server name.
    std::string key = m_side->endpoint.str();
    if (m_client.is_tls()) {
      key = "tls:" + m_decision.target.service + "." + m_decision.target.ns + "@" + key;
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
    error_code ec;
    const tcp::endpoint target(asio::ip::make_address(m_side->endpoint.address, ec), m_side->endpoint.port);
    if (ec) {
      upstream_failed(502, "bad endpoint address");
      return;
    }
    if (!m_timer) {
      m_timer = std::make_unique<asio::steady_timer>(m_worker.ioc);
    }
    const auto gen = ++m_timer_gen;
    m_timer->expires_after(m_worker.shared.config.settings.connect_timeout);
    m_timer->async_wait([self = shared_from_this(), gen](error_code timer_ec) {
      if (!timer_ec && gen == self->m_timer_gen && self->m_up) {
        error_code ignored;
        self->m_up->stream.socket().cancel(ignored);
      }
    });
    m_up->stream.socket().async_connect(target, [self = shared_from_this()](error_code connect_ec) {
      self->on_connect(connect_ec);
    });
  }

  void on_connect(error_code ec)
  {
    cancel_timer();
    if (!ec) {
      error_code ignored;
      m_up->stream.socket().set_option(tcp::no_delay(true), ignored);
      if (m_client.is_tls()) {
        upstream_handshake();
        return;
      }
      m_up->connected = true;
      send_request_head();
      return;
    }
    // Retry every 50 ms until the deadline (spec/interceptor.md 3.6).
    m_up->stream.reset(m_worker.ioc);
    if (now() + m_worker.shared.config.settings.connect_retry_interval >= m_connect_deadline) {
      upstream_failed(504, "connect timeout");
      return;
    }
    const auto gen = ++m_timer_gen;
    m_timer->expires_after(m_worker.shared.config.settings.connect_retry_interval);
    m_timer->async_wait([self = shared_from_this(), gen](error_code timer_ec) {
      if (!timer_ec && gen == self->m_timer_gen) {
        self->connect();
      }
    });
  }

  // Requests from the TLS listener are re-encrypted to the backend (spec/interceptor.md 3.10),
  // with SNI `service.namespace` (the name upstream dials) and that name verified unless
  // skip-verify is set.
  void upstream_handshake()
  {
    Stream::Tls& tls = m_up->stream.start_tls(*m_worker.tls_client);
    const std::string name = m_decision.target.service + "." + m_decision.target.ns;
    SSL_set_tlsext_host_name(tls.native_handle(), name.c_str());
    if (!m_worker.shared.tls->skip_verify()) {
      SSL_set1_host(tls.native_handle(), name.c_str());
    }
    const auto gen = ++m_timer_gen;
    m_timer->expires_after(k_tls_handshake_timeout);
    m_timer->async_wait([self = shared_from_this(), gen](error_code timer_ec) {
      if (!timer_ec && gen == self->m_timer_gen && self->m_up) {
        error_code ignored;
        self->m_up->stream.socket().cancel(ignored);
      }
    });
    tls.async_handshake(asio::ssl::stream_base::client, [self = shared_from_this()](error_code ec) {
      self->cancel_timer();
      if (!self->m_up) {
        return;
      }
      if (ec) {
        spdlog::debug("TLS handshake with {}: {}", self->m_side->endpoint.str(), ec.message());
        self->upstream_failed(ec == asio::error::operation_aborted ? 504 : 502, "TLS handshake with upstream failed");
        return;
      }
      self->m_up->connected = true;
      self->send_request_head();
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
      if (ec) {
        self->client_gone();
        return;
      }
      self->m_in.commit(n);
      if (!self->pump_request_body_from_buffer()) {
        self->upstream_failed(400, "bad request body");
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

  void arm_response_timer()
  {
    core::TimePoint deadline = m_request_deadline;
    if (m_decision.timeouts.response_header > core::Duration::zero()) {
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
      if (ec || gen != self->m_timer_gen || !self->m_up) {
        return;
      }
      if (!self->m_head_sent) {
        self->upstream_failed(504, "response timeout");
      } else if (self->m_request_deadline != core::k_never && now() >= self->m_request_deadline) {
        self->abort(); // request deadline in the middle of the body
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
    cancel_response_header_timer();
    m_head_sent = true;
    const unsigned status = m_side->parser->status;
    m_status = status;
    proxy::ClientResponse response;
    response.status = status;
    response.reason = m_side->head.first();
    const bool bodiless = m_head_request || status == 204 || status == 304 || status < 200;
    const bool http10 = m_req->version < 11;
    if (m_side->parser->chunked()) {
      response.framing = http10 ? proxy::Framing::until_close : proxy::Framing::chunked;
    } else if (const auto length = m_side->parser->content_length()) {
      response.framing = proxy::Framing::content_length;
      response.content_length = *length;
    } else if (!bodiless && status != 101) {
      response.framing = http10 ? proxy::Framing::until_close : proxy::Framing::chunked;
    }
    if (bodiless && m_side->parser->content_length()) {
      response.framing = proxy::Framing::content_length; // HEAD/304 keep the length they announce
      response.content_length = *m_side->parser->content_length();
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
    proxy::write_client_response_head(m_out, response, m_side->head.fields());
    m_head_bytes += m_out.size() - before_head;
    if (!bodiless && status != 101) {
      m_side->parser->out = &m_out;
      m_side->parser->chunk_out = response.framing == proxy::Framing::chunked;
    }
    m_side->parser->eager(true); // the body may now be parsed in the same put() as what precedes it
    m_up_reusable = m_side->parser->keep_alive();
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
    m_worker.pool.release(std::move(m_up), false);
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
      m_worker.pool.release(std::move(m_up), reusable);
    }
    if (!m_request_done) {
      m_keep_alive = false; // the backend answered before the whole body arrived: the connection is out of sync
    }
    finish_exchange();
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
    if (m_up) {
      m_worker.pool.release(std::move(m_up), false);
    }
    if (m_head_sent) {
      abort(); // too late for a status: cut the connection so the client sees the failure
      return;
    }
    spdlog::debug("{} {}{}: {} ({})", m_req_head.first(), request_host(), m_path, status, reason);
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
    if (m_up) {
      m_worker.pool.release(std::move(m_up), false);
    }
    m_keep_alive = false;
    finish_exchange();
  }

  void abort()
  {
    if (m_up) {
      m_worker.pool.release(std::move(m_up), false);
    }
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
    const double seconds = std::chrono::duration<double>(Clock::now() - m_started).count();
    const unsigned code = m_tunnel ? 200 : (m_status ? m_status : 200); // upstream records upgrades as 200
    const routing::Route* route = m_decision.route;
    static const std::string empty;
    const std::string& ns = route ? route->route.meta.ns : empty;
    const std::string& name = route ? route->route.meta.name : empty;
    m_worker.metrics.record(code, m_req_head.first(), ns, name, seconds);
    if (m_worker.shared.access_log) {
      log_access(code);
    }
  }

  void log_access(unsigned code)
  {
    // Apache combined format with a fixed "- -", as upstream.
    const std::time_t t = std::chrono::system_clock::to_time_t(m_start_wall);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char when[64];
    std::strftime(when, sizeof(when), "%d/%b/%Y:%H:%M:%S +0000", &tm);
    const proxy::Fields fields = m_req_head.fields();
    std::string line = m_peer_ip + ":" + std::to_string(m_peer_port) + " - - [" + when + "] \""
                       + std::string(m_req_head.first()) + " " + m_path + " HTTP/" + (m_req->version >= 11 ? "1.1" : "1.0")
                       + "\" " + std::to_string(code) + " " + std::to_string(m_body_bytes - std::min(m_head_bytes, m_body_bytes)) + " \""
                       + std::string(proxy::find_field(fields, "referer").value_or("")) + "\" \""
                       + std::string(proxy::find_field(fields, "user-agent").value_or("")) + "\"";
    m_worker.shared.access_log(line);
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
  std::string m_path;
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

void
Worker::accept(tcp::acceptor& from, asio::ssl::context* tls)
{
  from.async_accept([this, &from, tls](error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == asio::error::operation_aborted || !from.is_open()) {
        return;
      }
    } else {
      std::make_shared<Session>(*this, std::move(socket))->start(tls);
    }
    accept(from, tls);
  });
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
    std::shared_ptr<Session> session = std::move(it->second);
    parked.erase(it);
    ++released_in_flight;
    session->on_released();
  }
  if (holds.waiting_for(service) == 0) {
    return;
  }
  if (released_in_flight < window) {
    asio::post(ioc, [this, service] { release_service(service, 32); });
  } else if (std::find(draining.begin(), draining.end(), service) == draining.end()) {
    draining.push_back(service);
  }
}

void
Worker::release_finished()
{
  --released_in_flight;
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
Worker::park(const std::shared_ptr<Session>& session, hold::Ticket ticket, const std::string& service,
             core::TimePoint deadline)
{
  holds.park(ticket, service, deadline);
  parked.emplace(ticket, session);
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
      std::shared_ptr<Session> session = std::move(it->second);
      parked.erase(it);
      session->on_expired();
    }
    arm_hold_timer();
  });
}

} // namespace

// Wraps an SSL_CTX of net::TlsContexts (which keeps owning it) for Asio's streams.
std::unique_ptr<asio::ssl::context>
wrap(SSL_CTX* ctx)
{
  SSL_CTX_up_ref(ctx); // asio::ssl::context frees what it wraps
  return std::make_unique<asio::ssl::context>(ctx);
}

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
