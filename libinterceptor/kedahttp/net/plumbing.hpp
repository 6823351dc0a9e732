#pragma once

// The data plane's shared parts (internal to `net`, included by data_plane.cpp and
// http2.cpp only: it brings Boost.Asio and Beast): heads, streams, upstream
// connections and their pool, the dialer, the per-thread worker.

#include <kedahttp/net/data_plane.hpp>

#include <kedahttp/proxy/heads.hpp>

#include <utility> // Boost 1.74's asio/awaitable.hpp uses std::exchange without including it

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <functional>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>

namespace kedahttp::net::plumbing {

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
// What a client sends first on an HTTP/2 connection (RFC 9113 3.4).
constexpr std::string_view k_http2_preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
// ALPN protocol lists (wire format) offered to backends.
constexpr std::string_view k_alpn_http11 = "\x08http/1.1";
constexpr std::string_view k_alpn_h2 = "\x02h2";

inline core::TimePoint
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
inline std::string
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
inline std::string_view
absolute_authority(std::string_view target)
{
  const size_t scheme = target.find("://");
  if (scheme == std::string_view::npos || target.front() == '/') {
    return {};
  }
  std::string_view rest = target.substr(scheme + 3);
  return rest.substr(0, rest.find_first_of("/?#"));
}

// --- access log -------------------------------------------------------------------

// One access log line: Apache combined format with a fixed "- -", as upstream.
struct AccessRecord {
  std::string_view peer_ip;
  uint16_t peer_port = 0;
  std::chrono::system_clock::time_point start;
  std::string_view method;
  std::string_view path;
  std::string_view protocol; // "HTTP/1.1"
  unsigned code = 0;
  size_t body_bytes = 0;
  std::string_view referer;
  std::string_view user_agent;
};

inline std::string
access_log_line(const AccessRecord& r)
{
  const std::time_t t = std::chrono::system_clock::to_time_t(r.start);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char when[64];
  std::strftime(when, sizeof(when), "%d/%b/%Y:%H:%M:%S +0000", &tm);
  std::string line;
  line.append(r.peer_ip).append(":").append(std::to_string(r.peer_port)).append(" - - [").append(when).append("] \"");
  line.append(r.method).append(" ").append(r.path).append(" ").append(r.protocol).append("\" ");
  line.append(std::to_string(r.code)).append(" ").append(std::to_string(r.body_bytes)).append(" \"");
  line.append(r.referer).append("\" \"").append(r.user_agent).append("\"");
  return line;
}

// --- streams ---------------------------------------------------------------------

// A connection, plain or TLS over TCP. Sessions and upstream connections hold one
// and do not care which: it forwards reads and writes to the right layer (and is an
// AsyncStream itself, for asio::async_write). The TLS layer, allocated only for TLS
// connections, takes the socket over: a Stream can be moved (to hand a connection from
// the handshake to its HTTP/1 or HTTP/2 session), and a plain parked request pays one
// null pointer for the possibility.
class Stream
{
public:
  using executor_type = tcp::socket::executor_type;
  using Tls = asio::ssl::stream<tcp::socket>;

  explicit Stream(tcp::socket socket) : m_socket(std::move(socket)) {}
  explicit Stream(asio::io_context& ioc) : m_socket(ioc) {}

  tcp::socket& socket() { return m_tls ? m_tls->next_layer() : m_socket; }
  executor_type get_executor() { return m_socket.get_executor(); }
  bool is_tls() const { return m_tls != nullptr; }
  Tls& tls() { return *m_tls; }

  // Puts a TLS layer over the (connected) socket; the handshake is the caller's.
  Tls& start_tls(asio::ssl::context& context)
  {
    m_tls = std::make_unique<Tls>(std::move(m_socket), context);
    return *m_tls;
  }

  // The protocol ALPN selected ("h2", "http/1.1"), or "" (none, or not TLS).
  std::string_view alpn()
  {
    if (!m_tls) {
      return {};
    }
    const unsigned char* data = nullptr;
    unsigned int length = 0;
    SSL_get0_alpn_selected(m_tls->native_handle(), &data, &length);
    return {reinterpret_cast<const char*>(data), length};
  }

  // A fresh, unconnected socket (and no TLS layer): for a new connection attempt.
  void reset(asio::io_context& ioc);

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
  tcp::socket m_socket; // moved into m_tls when TLS starts
  std::unique_ptr<Tls> m_tls;
};

// A TLS peer that closes without close_notify ends the stream like a TCP close would:
// bodies framed by the end of the connection end there (Go reads it as io.EOF too).
inline error_code
normalize_eof(error_code ec)
{
  return ec == asio::ssl::error::stream_truncated ? error_code(asio::error::eof) : ec;
}

// --- upstream connections --------------------------------------------------------

class Http2Link; // net/http2.cpp: an HTTP/2 session to a backend, pooled with its connection
bool link_alive(const Http2Link& link);
void close_link(Http2Link& link);

struct UpstreamConn {
  explicit UpstreamConn(asio::io_context& ioc) : stream(ioc) {}
  Stream stream;                 // (an HTTP/2 connection's socket moves into its link)
  beast::flat_buffer buffer;
  std::string key;
  bool connected = false;
  bool reused = false;
  std::shared_ptr<Http2Link> h2; // set: the connection speaks HTTP/2 (appProtocol kubernetes.io/h2c)

  // Whether it can carry another request.
  bool usable() { return connected && (h2 ? link_alive(*h2) : stream.socket().is_open()); }
  // A pooled HTTP/2 connection whose session ended (the backend closed it, or told it to go
  // away): back to a fresh, unconnected state, for a new dial. False when it is still alive.
  bool forget_dead_link(asio::io_context& ioc)
  {
    if (!h2 || link_alive(*h2)) {
      return false;
    }
    h2.reset();
    stream.reset(ioc);
    connected = false;
    reused = false;
    return true;
  }
  void close()
  {
    error_code ignored;
    stream.socket().close(ignored);
    if (h2) {
      close_link(*h2);
    }
  }
};

using UpstreamPtr = std::unique_ptr<UpstreamConn>;
using UpstreamHandler = std::function<void(UpstreamPtr)>;

// Destroys `object` once the operations it had pending have completed (aborted). Closing a
// socket queues their completions; a TLS stream's operations still touch the stream when
// they complete, and may queue one more step: two turns of the loop are enough.
template<typename T>
void
destroy_later(asio::io_context& ioc, std::unique_ptr<T> object)
{
  asio::post(ioc, [&ioc, keep = std::shared_ptr<T>(std::move(object))]() mutable {
    asio::post(ioc, [keep = std::move(keep)] {});
  });
}

inline void
Stream::reset(asio::io_context& ioc)
{
  error_code ignored;
  socket().close(ignored);
  if (m_tls) {
    destroy_later(ioc, std::move(m_tls)); // an aborted TLS operation may still use it
  }
  m_socket = tcp::socket(ioc);
}

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
    if (reusable && conn->usable()) {
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
    conn->close();
    const std::string key = conn->key;
    destroy_later(m_ioc, std::move(conn)); // its aborted operations may still be queued
    if (!slot.waiters.empty()) {
      // The slot stays open for the next waiter, with a fresh connection.
      UpstreamHandler next = std::move(slot.waiters.front());
      slot.waiters.pop_front();
      auto fresh = std::make_shared<UpstreamPtr>(std::make_unique<UpstreamConn>(m_ioc));
      (*fresh)->key = key;
      asio::post(m_ioc, [next = std::move(next), fresh]() mutable { next(std::move(*fresh)); });
      return;
    }
    --slot.open;
  }

  void close_idle()
  {
    for (auto& [key, slot] : m_slots) {
      for (auto& conn : slot.idle) {
        conn->close();
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

// --- waiting for a cold start ----------------------------------------------------

// A request parked in the worker's hold (an HTTP/1 session or an HTTP/2 stream).
class Waiter
{
public:
  virtual ~Waiter() = default;
  virtual void on_released() = 0; // its service became ready
  virtual void on_expired() = 0;  // its readiness (or request) deadline passed
};

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
  // A new client connection: TLS handshake first when `tls`, then HTTP/1 or HTTP/2.
  void serve_connection(tcp::socket socket, asio::ssl::context* tls);
  // Starts the HTTP/1 session of a connection (after the handshake, if any).
  void serve_http1(Stream stream);
  // Starts the HTTP/2 session of a connection; `received`: bytes already read (the preface).
  void serve_http2(Stream stream, std::string received);
  void close_listeners();
  void publish(proxy::SnapshotPtr next);
  void release_service(const std::string& service, size_t batch);
  void release_finished();
  // A released request is on its way to the backend: the rest of its service may follow.
  void released_request_sent();
  std::vector<std::string> starting; // services released a first few: the rest wait for one to be sent
  size_t released_in_flight = 0;     // released from the hold, exchange not over yet
  std::vector<std::string> draining; // services whose waiters wait for room in the window
  void park(const std::shared_ptr<Waiter>& waiter, hold::Ticket ticket, const std::string& service,
            core::TimePoint deadline);
  void unpark(hold::Ticket ticket);
  void arm_hold_timer();
  // The hold budget for a request of `bytes` on route `route_key`: nothing when admitted,
  // else the 503 to answer (counted).
  std::optional<proxy::SimpleResponse> admit_to_hold(const std::string& route_key, size_t bytes);
  // Gives back the budget of a request that leaves the hold.
  void leave_hold(const std::string& route_key, size_t bytes);
  // With no ready endpoint to pick: whether the request waits for one (a cold start) rather
  // than failing (502: the target is ready but no port matches, or a fallback or static
  // forward has nobody to take it).
  bool waits_for_endpoint(const proxy::Decision& decision, bool via_fallback) const;
  // A backend connection back to the pool (kept when `reusable`).
  void give_back(UpstreamPtr conn, bool reusable) { pool.release(std::move(conn), reusable); }

  // A finished request (HTTP/1 or HTTP/2), for the metrics, the access log and the trace.
  struct Finished {
    unsigned code = 200;
    std::string_view method;
    std::string_view path;    // decoded; needed only with the access log or tracing on
    std::string_view host;
    std::string_view version; // "1.0", "1.1", "2"
    proxy::Fields fields;     // the request's (referer, user-agent, traceparent)
    const proxy::Decision* decision = nullptr;
    std::string_view peer_ip;
    uint16_t peer_port = 0;
    std::chrono::system_clock::time_point start_wall;
    Clock::time_point started;
    size_t body_bytes = 0;                // written to the client, heads excluded
    const RequestTrace* trace = nullptr;  // set: it was forwarded, with these ids
    std::string_view backend;             // where it was forwarded
    bool via_fallback = false;
    bool cold_start = false;
  };
  void record_finished(const Finished& f);
  // Whether record_finished() needs Finished::path (else it may stay empty).
  bool logs_paths() const { return shared.access_log || shared.tracer; }

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
  std::unordered_map<hold::Ticket, std::shared_ptr<Waiter>> parked;
  asio::steady_timer hold_timer;
  std::optional<core::TimePoint> hold_timer_at;
  MetricsShard& metrics;
  std::mt19937_64 rng;
  hold::Ticket next_ticket = 1;
  // HTTP/2 connections hear about the drain here (a GOAWAY each) when the listeners close.
  std::unordered_map<const void*, std::function<void()>> drain_hooks;
  std::thread thread;
};

// --- HTTP/2 to a backend (net/http2.cpp) ----------------------------------------------

// One request to a backend whose Service port says appProtocol kubernetes.io/h2c, over a
// connection of its own, whatever the client's protocol (spec/interceptor.md 3.6).
class Http2Call
{
public:
  // The side that made the call (an HTTP/1 session or an HTTP/2 stream) hears from it here.
  class Sink
  {
  public:
    // The response head (informational 1xx responses are not passed on).
    virtual void on_call_head(unsigned status, proxy::Fields fields, bool end_stream) = 0;
    virtual void on_call_data(std::string_view data) = 0;
    // The stream is over: complete (`ok`, with its trailers) or failed (reset, connection lost).
    virtual void on_call_end(bool ok, proxy::Fields trailers) = 0;
    // Request body for the backend, at most `length` bytes; `eof` when none will follow,
    // `deferred` when none is there yet (then resume_body() when there is).
    virtual size_t take_call_body(uint8_t* buf, size_t length, bool& eof, bool& deferred) = 0;

  protected:
    ~Sink() = default;
  };

  // Starts the call on `conn` (connected, TLS done when `tls`; pooled: its HTTP/2 session is
  // started on first use and kept with it). The request is `h1_head`, an HTTP/1.1 head as
  // proxy/heads writes it for backends (one place for the forwarding rules), sent in HTTP/2
  // form. `owner` is kept alive while the stream is open. Null when `conn`'s session cannot
  // carry it (closed, or told to go away): the caller dials a new connection.
  static std::unique_ptr<Http2Call> start(UpstreamConn& conn, std::shared_ptr<void> owner, Sink& sink,
                                          std::string_view h1_head, bool tls, bool has_body);
  virtual ~Http2Call() = default;
  virtual void resume_body() = 0;     // request body (or its end) is there now
  virtual void consume(size_t n) = 0; // the client took n response bytes: the backend may send more
  virtual void close() = 0;           // no more callbacks after this
  virtual bool ended_cleanly() const = 0; // the stream completed: its connection may carry another
};

// Forwards a call's events to `Owner`'s methods of the same names: the owner need not be a
// Sink itself (an HTTP/1 session stays one pointer smaller while parked).
template<typename Owner> class CallSink final : public Http2Call::Sink
{
public:
  explicit CallSink(Owner& owner) : m_owner(owner) {}
  void on_call_head(unsigned status, proxy::Fields fields, bool end) override { m_owner.on_call_head(status, fields, end); }
  void on_call_data(std::string_view data) override { m_owner.on_call_data(data); }
  void on_call_end(bool ok, proxy::Fields trailers) override { m_owner.on_call_end(ok, trailers); }
  size_t take_call_body(uint8_t* buf, size_t length, bool& eof, bool& deferred) override
  {
    return m_owner.take_call_body(buf, length, eof, deferred);
  }

private:
  Owner& m_owner;
};

// --- dialing backends --------------------------------------------------------------

// Connects an upstream connection for its owner (a session or stream): each attempt
// bounded by the connect timeout, failed ones retried every 50 ms until the deadline
// (spec/interceptor.md 3.6), then, for re-encrypted connections, the TLS handshake with
// SNI `tls_name` (verified unless skip-verify; ALPN offers `alpn`, wire format).
// `done(status)`: 0 connected, 504 deadline passed, 502 other failure. The owner keeps
// the connection alive until `done` runs, or calls cancel() before letting it go.
class Dialer
{
public:
  struct Target {
    proxy::Endpoint endpoint;
    core::TimePoint deadline = core::k_never;
    std::string tls_name;   // empty: plain TCP
    std::string_view alpn;  // for TLS
  };
  using Done = std::function<void(unsigned status)>;

  explicit Dialer(Worker& worker) : m_worker(worker), m_timer(worker.ioc) {}

  // `keep` is held by every pending handler (the owner, so that `this` stays valid).
  void dial(UpstreamConn& conn, Target target, std::shared_ptr<void> keep, Done done)
  {
    m_conn = &conn;
    m_target = std::move(target);
    m_keep = std::move(keep);
    m_done = std::move(done);
    ++m_gen;
    attempt();
  }

  void cancel()
  {
    ++m_gen;
    m_conn = nullptr;
    m_timer.cancel();
    m_keep.reset();
  }

private:
  void attempt()
  {
    error_code ec;
    const tcp::endpoint target(asio::ip::make_address(m_target.endpoint.address, ec), m_target.endpoint.port);
    if (ec) {
      finish(502);
      return;
    }
    const auto gen = m_gen;
    m_timer.expires_after(m_worker.shared.config.settings.connect_timeout);
    m_timer.async_wait([this, keep = m_keep, gen](error_code timer_ec) {
      if (!timer_ec && gen == m_gen) {
        error_code ignored;
        m_conn->stream.socket().cancel(ignored); // this attempt took too long
      }
    });
    m_conn->stream.socket().async_connect(target, [this, keep = m_keep, gen](error_code connect_ec) {
      if (gen == m_gen) {
        on_connect(connect_ec);
      }
    });
  }

  void on_connect(error_code ec)
  {
    m_timer.cancel();
    if (!ec) {
      error_code ignored;
      m_conn->stream.socket().set_option(tcp::no_delay(true), ignored);
      if (m_target.tls_name.empty()) {
        finish(0);
      } else {
        handshake();
      }
      return;
    }
    m_conn->stream.reset(m_worker.ioc);
    const auto interval = m_worker.shared.config.settings.connect_retry_interval;
    if (now() + interval >= m_target.deadline) {
      finish(504);
      return;
    }
    const auto gen = m_gen;
    m_timer.expires_after(interval);
    m_timer.async_wait([this, keep = m_keep, gen](error_code timer_ec) {
      if (!timer_ec && gen == m_gen) {
        attempt();
      }
    });
  }

  void handshake()
  {
    Stream::Tls& tls = m_conn->stream.start_tls(*m_worker.tls_client);
    SSL* ssl = tls.native_handle();
    SSL_set_tlsext_host_name(ssl, m_target.tls_name.c_str());
    if (!m_worker.shared.tls->skip_verify()) {
      SSL_set1_host(ssl, m_target.tls_name.c_str());
    }
    if (!m_target.alpn.empty()) {
      SSL_set_alpn_protos(ssl, reinterpret_cast<const unsigned char*>(m_target.alpn.data()),
                          static_cast<unsigned>(m_target.alpn.size()));
    }
    const auto gen = m_gen;
    m_timer.expires_after(k_tls_handshake_timeout);
    m_timer.async_wait([this, keep = m_keep, gen](error_code timer_ec) {
      if (!timer_ec && gen == m_gen) {
        error_code ignored;
        m_conn->stream.socket().cancel(ignored);
      }
    });
    tls.async_handshake(asio::ssl::stream_base::client, [this, keep = m_keep, gen](error_code ec) {
      if (gen != m_gen) {
        return;
      }
      m_timer.cancel();
      if (ec) {
        finish(ec == asio::error::operation_aborted ? 504 : 502);
        return;
      }
      finish(0);
    });
  }

  void finish(unsigned status)
  {
    ++m_gen;
    if (status == 0) {
      m_conn->connected = true;
    }
    m_conn = nullptr;
    Done done = std::move(m_done);
    const auto keep = std::move(m_keep); // `this` lives until done() has returned
    done(status);
  }

  Worker& m_worker;
  asio::steady_timer m_timer;
  UpstreamConn* m_conn = nullptr;
  Target m_target;
  std::shared_ptr<void> m_keep;
  Done m_done;
  uint64_t m_gen = 0;
};

} // namespace kedahttp::net::plumbing
