// Message heads as the proxy rewrites them (spec/interceptor.md 3.6 "Request rewriting",
// 3.5 cold-start header, 2.3 and 10.10 error bodies; DESIGN.md Server-Timing).

#include <kedahttp/proxy/heads.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace kedahttp;
using namespace kedahttp::proxy;

namespace {

std::string
upstream_head(const UpstreamRequest& request, const std::vector<Field>& fields)
{
  std::string out;
  write_upstream_request_head(out, request, fields);
  return out;
}

std::string
client_head(const ClientResponse& response, const std::vector<Field>& fields)
{
  std::string out;
  write_client_response_head(out, response, fields);
  return out;
}

UpstreamRequest
get(std::string_view target = "/", std::string_view client_ip = "10.1.2.3")
{
  UpstreamRequest request;
  request.method = "GET";
  request.target = target;
  request.client_ip = client_ip;
  return request;
}

struct RequestCase {
  const char* name;
  UpstreamRequest request;
  std::vector<Field> fields;
  const char* expected;
};

} // namespace

TEST_CASE("proxy::write_upstream_request_head", "[proxy]")
{
  UpstreamRequest tls = get("/");
  tls.client_tls = true;
  UpstreamRequest post = get("/submit");
  post.method = "POST";
  post.framing = Framing::content_length;
  post.content_length = 5;
  UpstreamRequest chunked = get("/upload");
  chunked.method = "PUT";
  chunked.framing = Framing::chunked;
  UpstreamRequest upgrade = get("/ws");
  upgrade.upgrade = true;
  UpstreamRequest absolute = get("http://app.example.com:8080/a?b=c");
  absolute.method = "OPTIONS";

  const std::vector<RequestCase> cases = {
    {"Host preserved, X-Forwarded-* set, order kept",
     get("/api/x?q=1"),
     {{"Host", "app.example.com"}, {"User-Agent", "curl/8"}, {"Accept", "*/*"}},
     "GET /api/x?q=1 HTTP/1.1\r\n"
     "Host: app.example.com\r\n"
     "User-Agent: curl/8\r\n"
     "Accept: */*\r\n"
     "X-Forwarded-For: 10.1.2.3\r\n"
     "X-Forwarded-Host: app.example.com\r\n"
     "X-Forwarded-Proto: http\r\n"
     "\r\n"},
    {"X-Forwarded-For: several lines joined, then the client",
     get("/"),
     {{"Host", "h"}, {"X-Forwarded-For", "1.1.1.1, 2.2.2.2"}, {"Accept", "*/*"}, {"x-forwarded-for", "3.3.3.3"}},
     "GET / HTTP/1.1\r\n"
     "Host: h\r\n"
     "Accept: */*\r\n"
     "X-Forwarded-For: 1.1.1.1, 2.2.2.2, 3.3.3.3, 10.1.2.3\r\n"
     "X-Forwarded-Host: h\r\n"
     "X-Forwarded-Proto: http\r\n"
     "\r\n"},
    {"X-Forwarded-Host and -Proto kept when present; X-Forwarded-Port untouched",
     tls,
     {{"Host", "internal"},
      {"X-Forwarded-Host", "public.example.com"},
      {"X-Forwarded-Proto", "http"},
      {"X-Forwarded-Port", "443"}},
     "GET / HTTP/1.1\r\n"
     "Host: internal\r\n"
     "X-Forwarded-Host: public.example.com\r\n"
     "X-Forwarded-Proto: http\r\n"
     "X-Forwarded-Port: 443\r\n"
     "X-Forwarded-For: 10.1.2.3\r\n"
     "\r\n"},
    {"TLS client: X-Forwarded-Proto https",
     tls,
     {{"Host", "h"}},
     "GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.1.2.3\r\nX-Forwarded-Host: h\r\nX-Forwarded-Proto: https\r\n\r\n"},
    {"Forwarded is dropped",
     get("/"),
     {{"Host", "h"}, {"Forwarded", "for=1.2.3.4;proto=https"}, {"forwarded", "for=5.6.7.8"}},
     "GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.1.2.3\r\nX-Forwarded-Host: h\r\nX-Forwarded-Proto: http\r\n\r\n"},
    {"hop-by-hop headers and those listed in Connection are removed",
     get("/"),
     {{"Host", "h"},
      {"Connection", "keep-alive, X-Secret"},
      {"connection", "x-other"},
      {"X-Secret", "s"},
      {"x-other", "o"},
      {"Keep-Alive", "timeout=5"},
      {"Proxy-Connection", "keep-alive"},
      {"Proxy-Authorization", "Basic eA=="},
      {"Proxy-Authenticate", "Basic"},
      {"Te", "gzip"},
      {"Trailer", "X-Checksum"},
      {"Upgrade", "websocket"},
      {"X-Kept", "k"}},
     "GET / HTTP/1.1\r\nHost: h\r\nX-Kept: k\r\n"
     "X-Forwarded-For: 10.1.2.3\r\nX-Forwarded-Host: h\r\nX-Forwarded-Proto: http\r\n\r\n"},
    {"Te: trailers is kept (once, whatever else the line lists)",
     get("/grpc.Service/Call"),
     {{"Host", "h"}, {"TE", "trailers, deflate"}, {"te", "trailers"}, {"Content-Type", "application/grpc"}},
     "GET /grpc.Service/Call HTTP/1.1\r\nHost: h\r\nTe: trailers\r\nContent-Type: application/grpc\r\n"
     "X-Forwarded-For: 10.1.2.3\r\nX-Forwarded-Host: h\r\nX-Forwarded-Proto: http\r\n\r\n"},
    {"Content-Length rewritten from the framing",
     post,
     {{"Host", "h"}, {"content-length", "5"}, {"Content-Type", "text/plain"}},
     "POST /submit HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\n"
     "X-Forwarded-For: 10.1.2.3\r\nX-Forwarded-Host: h\r\nX-Forwarded-Proto: http\r\n"
     "Content-Length: 5\r\n\r\n"},
    {"Transfer-Encoding rewritten from the framing",
     chunked,
     {{"Host", "h"}, {"Transfer-Encoding", "gzip, chunked"}},
     "PUT /upload HTTP/1.1\r\nHost: h\r\n"
     "X-Forwarded-For: 10.1.2.3\r\nX-Forwarded-Host: h\r\nX-Forwarded-Proto: http\r\n"
     "Transfer-Encoding: chunked\r\n\r\n"},
    {"a body the client framed one way goes out framed as told",
     chunked,
     {{"Host", "h"}, {"Content-Length", "12"}},
     "PUT /upload HTTP/1.1\r\nHost: h\r\n"
     "X-Forwarded-For: 10.1.2.3\r\nX-Forwarded-Host: h\r\nX-Forwarded-Proto: http\r\n"
     "Transfer-Encoding: chunked\r\n\r\n"},
    {"Upgrade kept for upgrades",
     upgrade,
     {{"Host", "h"},
      {"Connection", "Upgrade"},
      {"Upgrade", "websocket"},
      {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
      {"Sec-WebSocket-Version", "13"}},
     "GET /ws HTTP/1.1\r\nHost: h\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
     "X-Forwarded-For: 10.1.2.3\r\nX-Forwarded-Host: h\r\nX-Forwarded-Proto: http\r\n"
     "Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n"},
    {"absolute-form: origin form upstream, the URI's authority as Host; duplicate lines kept",
     absolute,
     {{"Host", "other.example.com"}, {"Cookie", "a=1"}, {"Cookie", "b=2"}},
     "OPTIONS /a?b=c HTTP/1.1\r\nHost: app.example.com:8080\r\nCookie: a=1\r\nCookie: b=2\r\n"
     "X-Forwarded-For: 10.1.2.3\r\nX-Forwarded-Host: app.example.com:8080\r\nX-Forwarded-Proto: http\r\n\r\n"},
    {"no Host: no X-Forwarded-Host",
     get("/"),
     {},
     "GET / HTTP/1.1\r\nX-Forwarded-For: 10.1.2.3\r\nX-Forwarded-Proto: http\r\n\r\n"},
  };
  for (const RequestCase& c : cases) {
    DYNAMIC_SECTION(c.name)
    {
      CHECK(upstream_head(c.request, c.fields) == c.expected);
    }
  }
}

TEST_CASE("proxy::write_client_response_head", "[proxy]")
{
  const std::vector<Field> backend = {{"Content-Type", "text/html"},
                                      {"Content-Length", "999"},
                                      {"Connection", "keep-alive, X-Internal"},
                                      {"X-Internal", "secret"},
                                      {"Keep-Alive", "timeout=5"},
                                      {"Transfer-Encoding", "chunked"},
                                      {"Proxy-Authenticate", "Basic"},
                                      {"Set-Cookie", "a=1"},
                                      {"Set-Cookie", "b=2"}};

  SECTION("hop-by-hop removed, framing ours, cold start false")
  {
    ClientResponse response;
    response.status = 200;
    response.reason = "OK";
    response.framing = Framing::content_length;
    response.content_length = 42;
    response.cold_start = false;
    CHECK(client_head(response, backend)
          == "HTTP/1.1 200 OK\r\n"
             "Content-Type: text/html\r\n"
             "Set-Cookie: a=1\r\n"
             "Set-Cookie: b=2\r\n"
             "X-Keda-Http-Cold-Start: false\r\n"
             "Content-Length: 42\r\n"
             "\r\n");
  }
  SECTION("cold start: header true and Server-Timing; chunked; Connection: close last")
  {
    ClientResponse response;
    response.status = 201;
    response.framing = Framing::chunked;
    response.cold_start = true;
    response.cold_start_ms = 1234;
    response.close = true;
    CHECK(client_head(response, {{"Content-Type", "application/json"}})
          == "HTTP/1.1 201 Created\r\n"
             "Content-Type: application/json\r\n"
             "X-Keda-Http-Cold-Start: true\r\n"
             "Server-Timing: cold-start;dur=1234\r\n"
             "Transfer-Encoding: chunked\r\n"
             "Connection: close\r\n"
             "\r\n");
  }
  SECTION("no cold-start header when not asked (fallback, static forward, header disabled)")
  {
    ClientResponse response;
    response.status = 204;
    CHECK(client_head(response, {{"Date", "x"}}) == "HTTP/1.1 204 No Content\r\nDate: x\r\n\r\n");
  }
  SECTION("the backend's reason phrase is passed through; unknown codes without one have none")
  {
    ClientResponse response;
    response.status = 200;
    response.reason = "Fine";
    response.framing = Framing::until_close;
    CHECK(client_head(response, {}) == "HTTP/1.1 200 Fine\r\n\r\n");
    response.status = 599;
    response.reason = {};
    CHECK(client_head(response, {}) == "HTTP/1.1 599 \r\n\r\n");
  }
  SECTION("101: Upgrade kept with Connection: Upgrade")
  {
    ClientResponse response;
    response.status = 101;
    response.upgrade = true;
    CHECK(client_head(response, {{"Upgrade", "websocket"},
                                 {"Connection", "Upgrade"},
                                 {"Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="}})
          == "HTTP/1.1 101 Switching Protocols\r\n"
             "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
             "Connection: Upgrade\r\n"
             "Upgrade: websocket\r\n"
             "\r\n");
  }
  SECTION("Trailer announcement kept on a chunked response (Go re-announces trailers), dropped otherwise")
  {
    ClientResponse response;
    response.status = 200;
    response.framing = Framing::chunked;
    const std::vector<Field> fields = {{"Trailer", "Grpc-Status"}, {"Content-Type", "application/grpc"}};
    CHECK(client_head(response, fields)
          == "HTTP/1.1 200 OK\r\nTrailer: Grpc-Status\r\nContent-Type: application/grpc\r\n"
             "Transfer-Encoding: chunked\r\n\r\n");
    response.framing = Framing::content_length;
    response.content_length = 0;
    CHECK(client_head(response, fields)
          == "HTTP/1.1 200 OK\r\nContent-Type: application/grpc\r\nContent-Length: 0\r\n\r\n");
  }
}

TEST_CASE("proxy::error_response bodies (2.3, 10.10)", "[proxy]")
{
  struct Case {
    unsigned status;
    const char* body;
  };
  for (const Case& c : {Case{404, "Not Found\n"}, Case{500, "Internal Server Error\n"}, Case{502, "Bad Gateway\n"},
                        Case{503, "Service Unavailable\n"}, Case{504, "Gateway Timeout\n"}}) {
    DYNAMIC_SECTION(c.status)
    {
      const SimpleResponse response = error_response(c.status);
      CHECK(response.status == c.status);
      CHECK(response.body == c.body);
      CHECK(response.content_type == "text/plain; charset=utf-8");
      CHECK(response.nosniff);
      CHECK(response.extra_headers.empty());
    }
  }
}

TEST_CASE("proxy::write_simple_response", "[proxy]")
{
  SECTION("an error response on the wire")
  {
    std::string out;
    write_simple_response(out, error_response(404), false, false);
    CHECK(out
          == "HTTP/1.1 404 Not Found\r\n"
             "Content-Type: text/plain; charset=utf-8\r\n"
             "X-Content-Type-Options: nosniff\r\n"
             "Content-Length: 10\r\n"
             "\r\n"
             "Not Found\n");
  }
  SECTION("HEAD: the length, no body; close")
  {
    std::string out;
    write_simple_response(out, error_response(504), true, true);
    CHECK(out
          == "HTTP/1.1 504 Gateway Timeout\r\n"
             "Content-Type: text/plain; charset=utf-8\r\n"
             "X-Content-Type-Options: nosniff\r\n"
             "Content-Length: 16\r\n"
             "Connection: close\r\n"
             "\r\n");
  }
  SECTION("extra headers, no content type, empty body")
  {
    SimpleResponse response;
    response.status = 200;
    response.extra_headers = "Custom-Header: test\r\n";
    std::string out;
    write_simple_response(out, response, false, false);
    CHECK(out == "HTTP/1.1 200 OK\r\nCustom-Header: test\r\nContent-Length: 0\r\n\r\n");
  }
  SECTION("204 and 304 carry no body and no length")
  {
    SimpleResponse response;
    response.status = 204;
    response.body = "ignored";
    std::string out;
    write_simple_response(out, response, false, false);
    CHECK(out == "HTTP/1.1 204 No Content\r\n\r\n");
  }
}

TEST_CASE("proxy::append_chunk", "[proxy]")
{
  std::string out;
  append_chunk(out, "hello");
  CHECK(out == "5\r\nhello\r\n");
  append_chunk(out, "");
  CHECK(out == "5\r\nhello\r\n"); // an empty chunk would end the body: nothing written
  out.clear();
  append_chunk(out, std::string(255, 'x'));
  CHECK(out == "ff\r\n" + std::string(255, 'x') + "\r\n");
  out.clear();
  append_chunk(out, std::string(4096, 'y'));
  CHECK(out.substr(0, 6) == "1000\r\n");
  CHECK(out.size() == 6 + 4096 + 2);
}

TEST_CASE("proxy::iequals, has_token, find_field, reason_phrase", "[proxy]")
{
  CHECK(iequals("Content-Length", "content-length"));
  CHECK_FALSE(iequals("Content-Length", "content-lengths"));
  CHECK(has_token("keep-alive, Upgrade", "upgrade"));
  CHECK(has_token(" close ", "close"));
  CHECK(has_token("a,\tb", "b"));
  CHECK_FALSE(has_token("upgrade-insecure", "upgrade"));
  CHECK_FALSE(has_token("", "close"));
  const std::vector<Field> fields = {{"Host", "a"}, {"host", "b"}};
  CHECK(find_field(fields, "HOST") == std::optional<std::string_view>("a"));
  CHECK_FALSE(find_field(fields, "accept"));
  CHECK(reason_phrase(418) == "I'm a teapot");
  CHECK(reason_phrase(499) == "Client Closed Request");
  CHECK(reason_phrase(299).empty());
}
