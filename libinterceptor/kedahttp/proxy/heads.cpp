#include <kedahttp/proxy/heads.hpp>

#include <cstdio>

namespace kedahttp::proxy {

namespace {

void
append_field(std::string& out, std::string_view name, std::string_view value)
{
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

// Headers that describe one connection, not the message (RFC 9110 7.6.1), plus
// the ones Go's ReverseProxy also strips.
bool
is_hop_by_hop(std::string_view name)
{
  switch (name.size()) {
  case 2: return iequals(name, "te");
  case 7: return iequals(name, "trailer") || iequals(name, "upgrade");
  case 10: return iequals(name, "connection") || iequals(name, "keep-alive");
  case 16: return iequals(name, "proxy-connection");
  case 17: return iequals(name, "transfer-encoding");
  case 18: return iequals(name, "proxy-authenticate");
  case 19: return iequals(name, "proxy-authorization");
  default: return false;
  }
}

// Names listed in Connection are hop-by-hop too.
bool
listed_in_connection(Fields fields, std::string_view name)
{
  for (const Field& field : fields) {
    if (iequals(field.name, "connection") && has_token(field.value, name)) {
      return true;
    }
  }
  return false;
}

void
append_number(std::string& out, uint64_t value)
{
  char buf[24];
  const int n = std::snprintf(buf, sizeof(buf), "%llu", static_cast<unsigned long long>(value));
  out.append(buf, static_cast<size_t>(n));
}

void
append_framing(std::string& out, Framing framing, uint64_t content_length)
{
  if (framing == Framing::content_length) {
    out.append("Content-Length: ");
    append_number(out, content_length);
    out.append("\r\n");
  } else if (framing == Framing::chunked) {
    out.append("Transfer-Encoding: chunked\r\n");
  }
}

} // namespace

bool
iequals(std::string_view a, std::string_view b)
{
  return routing::equals_ignore_case(a, b);
}

bool
has_token(std::string_view list, std::string_view token)
{
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t end = list.find(',', pos);
    if (end == std::string_view::npos) {
      end = list.size();
    }
    std::string_view item = list.substr(pos, end - pos);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) {
      item.remove_prefix(1);
    }
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) {
      item.remove_suffix(1);
    }
    if (iequals(item, token)) {
      return true;
    }
    pos = end + 1;
  }
  return false;
}

std::optional<std::string_view>
find_field(Fields fields, std::string_view name)
{
  for (const Field& field : fields) {
    if (iequals(field.name, name)) {
      return field.value;
    }
  }
  return std::nullopt;
}

void
write_upstream_request_head(std::string& out, const UpstreamRequest& request, Fields fields)
{
  // An absolute-form target ("http://app/x?q") goes upstream in origin form with its
  // authority as Host, the client's Host header discarded (Go: req.Host from the URI).
  std::string_view target = request.target;
  std::string_view authority;
  if (!target.empty() && target.front() != '/') {
    if (const size_t scheme = target.find("://"); scheme != std::string_view::npos) {
      const std::string_view rest = target.substr(scheme + 3);
      const size_t end = rest.find_first_of("/?#");
      authority = rest.substr(0, end);
      target = end == std::string_view::npos ? std::string_view() : rest.substr(end);
      target = target.substr(0, target.find('#'));
    }
  }
  out.append(request.method);
  out.push_back(' ');
  if (!authority.empty() && (target.empty() || target.front() != '/')) {
    out.push_back('/');
  }
  out.append(authority.empty() ? request.target : target);
  out.append(" HTTP/1.1\r\n");

  std::string_view host;
  if (!authority.empty()) {
    host = authority;
    append_field(out, "Host", host);
  }
  bool te_trailers = false;
  bool has_forwarded_host = false;
  bool has_forwarded_proto = false;
  size_t xff_lines = 0;
  for (const Field& field : fields) {
    const std::string_view name = field.name;
    if (is_hop_by_hop(name)) {
      // "Te: trailers" is the one hop-by-hop value that survives (gRPC needs it).
      if (!te_trailers && iequals(name, "te") && has_token(field.value, "trailers")) {
        out.append("Te: trailers\r\n");
        te_trailers = true; // once, like Go's Header.Set
      }
      continue;
    }
    if (iequals(name, "forwarded") || iequals(name, "content-length") || listed_in_connection(fields, name)) {
      continue; // Forwarded is dropped; framing is ours to write
    }
    if (!request.traceparent.empty() && iequals(name, "traceparent")) {
      continue; // tracing: the client span's context goes instead (below)
    }
    if (iequals(name, "x-forwarded-for")) {
      ++xff_lines; // written below, joined into one line
      continue;
    }
    if (iequals(name, "host")) {
      if (!authority.empty()) {
        continue; // replaced by the absolute-form authority
      }
      host = field.value;
    }
    has_forwarded_host = has_forwarded_host || iequals(name, "x-forwarded-host");
    has_forwarded_proto = has_forwarded_proto || iequals(name, "x-forwarded-proto");
    append_field(out, name, field.value);
  }
  // X-Forwarded-For: the incoming lines joined with ", " (as Go does), then the client.
  if (xff_lines > 0 || !request.client_ip.empty()) {
    out.append("X-Forwarded-For: ");
    bool first = true;
    for (const Field& field : fields) {
      if (iequals(field.name, "x-forwarded-for")) {
        out.append(first ? "" : ", ");
        out.append(field.value);
        first = false;
      }
    }
    if (!request.client_ip.empty()) {
      out.append(first ? "" : ", ");
      out.append(request.client_ip);
    }
    out.append("\r\n");
  }
  if (!has_forwarded_host && !host.empty()) {
    append_field(out, "X-Forwarded-Host", host);
  }
  if (!has_forwarded_proto) {
    append_field(out, "X-Forwarded-Proto", request.client_tls ? "https" : "http");
  }
  if (request.upgrade) {
    if (auto upgrade = find_field(fields, "upgrade")) {
      append_field(out, "Connection", "Upgrade");
      append_field(out, "Upgrade", *upgrade);
    }
  }
  if (!request.traceparent.empty()) {
    append_field(out, "Traceparent", request.traceparent);
  }
  append_framing(out, request.framing, request.content_length);
  out.append("\r\n");
}

void
write_client_response_head(std::string& out, const ClientResponse& response, Fields fields)
{
  out.append("HTTP/1.1 ");
  append_number(out, response.status);
  out.push_back(' ');
  out.append(response.reason.empty() ? reason_phrase(response.status) : response.reason);
  out.append("\r\n");
  for (const Field& field : fields) {
    // Go's ReverseProxy strips Trailer with the hop-by-hop headers, then announces the
    // backend's trailers again; they only reach the client on a chunked body.
    const bool trailer_announcement = response.framing == Framing::chunked && iequals(field.name, "trailer");
    if ((is_hop_by_hop(field.name) && !trailer_announcement) || iequals(field.name, "content-length")
        || listed_in_connection(fields, field.name)) {
      continue;
    }
    append_field(out, field.name, field.value);
  }
  if (response.upgrade) {
    if (auto upgrade = find_field(fields, "upgrade")) {
      append_field(out, "Connection", "Upgrade");
      append_field(out, "Upgrade", *upgrade);
    }
  }
  if (response.cold_start) {
    append_field(out, "X-Keda-Http-Cold-Start", *response.cold_start ? "true" : "false");
  }
  if (response.cold_start_ms) {
    out.append("Server-Timing: cold-start;dur=");
    append_number(out, static_cast<uint64_t>(*response.cold_start_ms));
    out.append("\r\n");
  }
  append_framing(out, response.framing, response.content_length);
  if (response.close) {
    out.append("Connection: close\r\n");
  }
  out.append("\r\n");
}

std::string_view
reason_phrase(unsigned status)
{
  switch (status) {
  case 100: return "Continue";
  case 101: return "Switching Protocols";
  case 200: return "OK";
  case 201: return "Created";
  case 202: return "Accepted";
  case 204: return "No Content";
  case 206: return "Partial Content";
  case 301: return "Moved Permanently";
  case 302: return "Found";
  case 304: return "Not Modified";
  case 307: return "Temporary Redirect";
  case 308: return "Permanent Redirect";
  case 400: return "Bad Request";
  case 401: return "Unauthorized";
  case 403: return "Forbidden";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 408: return "Request Timeout";
  case 411: return "Length Required";
  case 413: return "Request Entity Too Large";
  case 414: return "Request URI Too Long";
  case 417: return "Expectation Failed";
  case 418: return "I'm a teapot";
  case 429: return "Too Many Requests";
  case 431: return "Request Header Fields Too Large";
  case 499: return "Client Closed Request";
  case 500: return "Internal Server Error";
  case 501: return "Not Implemented";
  case 502: return "Bad Gateway";
  case 503: return "Service Unavailable";
  case 504: return "Gateway Timeout";
  case 505: return "HTTP Version Not Supported";
  default: return "";
  }
}

SimpleResponse
error_response(unsigned status)
{
  SimpleResponse response;
  response.status = status;
  response.body = std::string(reason_phrase(status)) + "\n";
  response.content_type = "text/plain; charset=utf-8";
  response.nosniff = true;
  return response;
}

void
write_simple_response(std::string& out, const SimpleResponse& response, bool head_request, bool close)
{
  out.append("HTTP/1.1 ");
  append_number(out, response.status);
  out.push_back(' ');
  out.append(reason_phrase(response.status));
  out.append("\r\n");
  if (!response.content_type.empty()) {
    append_field(out, "Content-Type", response.content_type);
  }
  if (response.nosniff) {
    out.append("X-Content-Type-Options: nosniff\r\n");
  }
  out.append(response.extra_headers);
  const bool bodiless = response.status < 200 || response.status == 204 || response.status == 304;
  if (!bodiless) {
    out.append("Content-Length: ");
    append_number(out, response.body.size());
    out.append("\r\n");
  }
  if (close) {
    out.append("Connection: close\r\n");
  }
  out.append("\r\n");
  if (!head_request && !bodiless) {
    out.append(response.body);
  }
}

void
append_chunk(std::string& out, std::string_view data)
{
  if (data.empty()) {
    return;
  }
  char buf[20];
  const int n = std::snprintf(buf, sizeof(buf), "%zx\r\n", data.size());
  out.append(buf, static_cast<size_t>(n));
  out.append(data);
  out.append("\r\n");
}

} // namespace kedahttp::proxy
