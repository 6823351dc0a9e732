#pragma once

// HTTP/1.1 message heads as the proxy rewrites them (spec/interceptor.md 3.6):
// Host preserved, X-Forwarded-* added, Forwarded dropped, hop-by-hop headers
// removed both ways. Pure string building: the network layer hands in views
// into its parse buffer and sends what comes out.

#include <kedahttp/routing/headers.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace kedahttp::proxy {

// --- Interface ---

// A header line as the parser saw it; the same type routing matches on, so a
// request's fields go to the route table without copying.
using Field = routing::HeaderField;
using Fields = std::span<const Field>;

// Case-insensitive ASCII comparison for header names and tokens.
bool iequals(std::string_view a, std::string_view b);

// Whether a comma-separated header value contains `token` (case-insensitive).
bool has_token(std::string_view list, std::string_view token);

// First value of header `name`, or nothing.
std::optional<std::string_view> find_field(Fields fields, std::string_view name);

// How the body of a message is framed on the wire.
enum class Framing { none, content_length, chunked, until_close };

struct UpstreamRequest {
  std::string_view method;
  std::string_view target;       // as received (origin-form, or absolute-form)
  std::string_view client_ip;    // TCP peer address, no port
  bool client_tls = false;
  Framing framing = Framing::none;
  uint64_t content_length = 0;
  bool upgrade = false;          // forward Upgrade + Connection: Upgrade
  std::string_view traceparent;  // set (tracing on): replaces the client's traceparent
};

// Appends the request head to send upstream (HTTP/1.1, persistent).
void write_upstream_request_head(std::string& out, const UpstreamRequest& request, Fields fields);

struct ClientResponse {
  unsigned status = 200;
  std::string_view reason;
  Framing framing = Framing::none;
  uint64_t content_length = 0;
  bool close = false;            // add Connection: close
  bool upgrade = false;          // 101: keep Upgrade and send Connection: Upgrade
  std::optional<bool> cold_start; // X-KEDA-HTTP-Cold-Start
  std::optional<int64_t> cold_start_ms; // Server-Timing: cold-start;dur=<ms>
};

// Appends the response head to send to the client.
void write_client_response_head(std::string& out, const ClientResponse& response, Fields fields);

// Standard reason phrase ("Not Found"); "" for unknown codes.
std::string_view reason_phrase(unsigned status);

// A complete response for errors and static bodies (Content-Length framing).
struct SimpleResponse {
  unsigned status = 200;
  std::string body;
  std::string content_type; // empty: none
  bool nosniff = false;
  std::string extra_headers; // "Name: value\r\n" lines
};

// Upstream's error responses: "<Status Text>\n", text/plain; charset=utf-8, nosniff.
SimpleResponse error_response(unsigned status);

void write_simple_response(std::string& out, const SimpleResponse& response, bool head_request, bool close);

// Appends one chunk of a chunked body ("<hex>\r\n<data>\r\n"); empty data writes nothing.
void append_chunk(std::string& out, std::string_view data);

} // namespace kedahttp::proxy
