// W3C trace context, sampling and the OTLP encoding of spans (spec/interceptor.md 3.14).

#include <kedahttp/net/otlp.hpp>
#include <kedahttp/net/tracing.hpp>
#include <kedahttp/proxy/heads.hpp>

#include <catch2/catch.hpp>

using namespace kedahttp;
using namespace kedahttp::net;

TEST_CASE("traceparent: valid headers parse, anything else starts a new trace")
{
  const auto parent = parse_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  REQUIRE(parent);
  CHECK(hex(parent->trace_id) == "0af7651916cd43dd8448eb211c80319c");
  CHECK(hex(parent->span_id) == "b7ad6b7169203331");
  CHECK(parent->sampled);
  CHECK_FALSE(parse_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00")->sampled);
  // A future version may carry more fields after a dash.
  CHECK(parse_traceparent("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra"));

  CHECK_FALSE(parse_traceparent(""));
  CHECK_FALSE(parse_traceparent("00-00000000000000000000000000000000-b7ad6b7169203331-01")); // zero trace id
  CHECK_FALSE(parse_traceparent("00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01")); // zero span id
  CHECK_FALSE(parse_traceparent("00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01")); // uppercase
  CHECK_FALSE(parse_traceparent("ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")); // version ff
  CHECK_FALSE(parse_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-x")); // 00 is exact
  CHECK_FALSE(parse_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333-01"));

  TraceId trace{};
  trace[15] = 1;
  SpanId span{};
  span[0] = 0xab;
  CHECK(format_traceparent(trace, span, true) == "00-00000000000000000000000000000001-ab00000000000000-01");
  CHECK(format_traceparent(trace, span, false).ends_with("-00"));
}

TEST_CASE("samplers follow OTEL_TRACES_SAMPLER")
{
  TraceConfig config;
  TraceId id{};
  TraceParent sampled_parent;
  sampled_parent.sampled = true;
  TraceParent unsampled_parent;
  CHECK(sample(config, std::nullopt, id)); // parentbased_always_on: a root is sampled
  CHECK(sample(config, sampled_parent, id));
  CHECK_FALSE(sample(config, unsampled_parent, id)); // the parent decides
  config.sampler = "always_off";
  CHECK_FALSE(sample(config, sampled_parent, id));
  config.sampler = "traceidratio";
  config.ratio = 0.5;
  id[8] = 0x00; // low half of the id space: below the ratio
  CHECK(sample(config, std::nullopt, id));
  id[8] = 0xff;
  CHECK_FALSE(sample(config, std::nullopt, id));
  config.ratio = 0;
  id.fill(0);
  CHECK_FALSE(sample(config, std::nullopt, id));
}

TEST_CASE("trace settings are checked before serving")
{
  TraceConfig config;
  CHECK(check_trace_config(config));
  config.protocol = "grpc";
  CHECK(check_trace_config(config).error().starts_with("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=grpc is not supported"));
  config.protocol = "http/protobuf";
  config.endpoint = "https://collector:4318/v1/traces";
  CHECK(check_trace_config(config).error().find("an http:// URL") != std::string::npos);
  config.endpoint = "http://collector:4318/v1/traces";
  CHECK(check_trace_config(config));
  config.sampler = "sometimes";
  CHECK(check_trace_config(config).error() == "OTEL_TRACES_SAMPLER=sometimes: unknown sampler");
}

TEST_CASE("spans encode as an OTLP ExportTraceServiceRequest")
{
  Span span;
  span.trace_id.fill(0x11);
  span.span_id.fill(0x22);
  span.name = "s";
  span.kind = SpanKind::server;
  span.attributes = {{"k", std::string("v")}, {"n", int64_t{7}}};
  const std::string wire = encode_otlp_traces({span}, "svc");
  // resource_spans (1) > resource (1) > attributes (1) > key "service.name", value "svc"
  const std::string resource_attr = std::string("\x0a\x0cservice.name\x12\x05\x0a\x03svc", 21);
  CHECK(wire.find(resource_attr) != std::string::npos);
  // span: trace_id (field 1, 16 bytes), span_id (2, 8 bytes), name (5), kind (6) = SERVER (2)
  CHECK(wire.find(std::string("\x0a\x10") + std::string(16, '\x11') + "\x12\x08" + std::string(8, '\x22')
                  + "\x2a\x01s\x30\x02")
        != std::string::npos);
  // attributes (9): k = "v" (string_value 1), n = 7 (int_value 3)
  CHECK(wire.find(std::string("\x4a\x08\x0a\x01k\x12\x03\x0a\x01v", 10)) != std::string::npos);
  CHECK(wire.find(std::string("\x4a\x07\x0a\x01n\x12\x02\x18\x07", 9)) != std::string::npos);
  CHECK(wire.front() == '\x0a'); // field 1 of the request: resource_spans
}

TEST_CASE("with tracing on, the backend gets the client span's traceparent instead of the caller's")
{
  const proxy::Field fields[] = {{"Host", "app"}, {"traceparent", "00-aa-bb-01"}, {"baggage", "k=v"}};
  proxy::UpstreamRequest request;
  request.method = "GET";
  request.target = "/";
  std::string plain;
  proxy::write_upstream_request_head(plain, request, fields);
  CHECK(plain.find("traceparent: 00-aa-bb-01\r\n") != std::string::npos); // tracing off: untouched

  request.traceparent = "00-0af7651916cd43dd8448eb211c80319c-1111111111111111-01";
  std::string traced;
  proxy::write_upstream_request_head(traced, request, fields);
  CHECK(traced.find("00-aa-bb-01") == std::string::npos);
  CHECK(traced.find("Traceparent: 00-0af7651916cd43dd8448eb211c80319c-1111111111111111-01\r\n") != std::string::npos);
  CHECK(traced.find("baggage: k=v\r\n") != std::string::npos);
}
