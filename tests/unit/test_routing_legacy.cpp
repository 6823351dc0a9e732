// HTTPScaledObject decoding and its in-memory mapping to an InterceptorRoute
// (spec/interceptor.md 1.2 "Interceptor mapping", 2.5 TB7; section 10 item 7).

#include <kedahttp/spec/legacy.hpp>

#include "testutil/routes.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace kedahttp;

namespace {

const std::string k_head = R"(
apiVersion: http.keda.sh/v1alpha1
kind: HTTPScaledObject
metadata:
  name: test-httpso
  namespace: shop
  creationTimestamp: "2024-03-04T05:06:07Z"
spec:
  hosts: [example.com]
  scaleTargetRef: {name: app, kind: Deployment, apiVersion: apps/v1, service: app, port: 8080}
)";

spec::HTTPScaledObject
decode(const std::string& spec_tail)
{
  const spec::ClusterState state = testutil::cluster_state(k_head + spec_tail);
  REQUIRE(state.http_scaled_objects.size() == 1);
  return state.http_scaled_objects.front();
}

} // namespace

TEST_CASE("routing (legacy): spec::to_interceptor_route timeouts (TB7)", "[routing]")
{
  SECTION("conditionWait and responseHeader")
  {
    const auto route = spec::to_interceptor_route(decode("  timeouts: {conditionWait: 30s, responseHeader: 10s}\n"));
    CHECK(route.readiness_timeout == "30s");
    CHECK(route.response_header_timeout == "10s");
    CHECK(route.request_timeout.empty());
  }
  SECTION("a failover's timeoutSeconds overrides conditionWait")
  {
    const auto hso = decode("  timeouts: {conditionWait: 30s}\n"
                            "  coldStartTimeoutFailoverRef: {service: fallback-svc, port: 8080, timeoutSeconds: 45}\n");
    const auto route = spec::to_interceptor_route(hso);
    CHECK(route.readiness_timeout == "45s");
    CHECK(route.response_header_timeout.empty());
    REQUIRE(route.fallback_service);
    CHECK(*route.fallback_service == "fallback-svc");
    CHECK(route.fallback_port.number == 8080);
    CHECK(route.fallback_port.name.empty());
  }
  SECTION("no timeouts: both unset")
  {
    const auto route = spec::to_interceptor_route(decode(""));
    CHECK(route.readiness_timeout.empty());
    CHECK(route.response_header_timeout.empty());
    CHECK_FALSE(route.fallback_service);
  }
  SECTION("0s means \"use the global\": unset")
  {
    const auto route = spec::to_interceptor_route(decode("  timeouts: {conditionWait: 0s, responseHeader: \"0\"}\n"));
    CHECK(route.readiness_timeout.empty());
    CHECK(route.response_header_timeout.empty());
  }
  SECTION("unparseable durations are unset")
  {
    const auto route = spec::to_interceptor_route(decode("  timeouts: {conditionWait: soon, responseHeader: -5s}\n"));
    CHECK(route.readiness_timeout.empty());
    CHECK(route.response_header_timeout.empty());
  }
  SECTION("durations are written in Go's Duration.String() form")
  {
    const auto route = spec::to_interceptor_route(decode("  timeouts: {conditionWait: 1m, responseHeader: 1500ms}\n"));
    CHECK(route.readiness_timeout == "1m0s");
    CHECK(route.response_header_timeout == "1.5s");
  }
  SECTION("timeoutSeconds defaults to 30")
  {
    const auto hso = decode("  coldStartTimeoutFailoverRef: {service: fallback-svc, portName: http}\n");
    REQUIRE(hso.failover);
    CHECK(hso.failover->timeout_seconds == 30);
    const auto route = spec::to_interceptor_route(hso);
    CHECK(route.readiness_timeout == "30s");
    CHECK(route.fallback_port.name == "http");
    CHECK_FALSE(route.fallback_port.number);
  }
  SECTION("timeoutSeconds 0 leaves conditionWait in charge")
  {
    const auto route = spec::to_interceptor_route(
      decode("  timeouts: {conditionWait: 20s}\n"
             "  coldStartTimeoutFailoverRef: {service: fallback-svc, port: 8080, timeoutSeconds: 0}\n"));
    CHECK(route.readiness_timeout == "20s");
    REQUIRE(route.fallback_service);
  }
}

TEST_CASE("routing (legacy): spec::to_interceptor_route target, rule and metric (1.2)", "[routing]")
{
  SECTION("metadata and target")
  {
    const auto hso = decode("");
    const auto route = spec::to_interceptor_route(hso);
    CHECK(route.meta.name == "test-httpso");
    CHECK(route.meta.ns == "shop");
    CHECK(route.meta.kind == "HTTPScaledObject");
    CHECK(route.meta.creation_timestamp == "2024-03-04T05:06:07Z");
    CHECK(route.target_service == "app");
    CHECK(route.target_port.number == 8080);
  }
  SECTION("exactly one rule: hosts, path prefixes and headers")
  {
    const auto hso = decode("  pathPrefixes: [/api, /v2/]\n"
                            "  headers: [{name: X-Tenant, value: blue}, {name: X-Debug}]\n");
    REQUIRE(hso.headers.size() == 2);
    CHECK(hso.headers[0].name == "X-Tenant");
    CHECK(hso.headers[0].value == "blue");
    CHECK_FALSE(hso.headers[1].value);
    const auto route = spec::to_interceptor_route(hso);
    REQUIRE(route.rules.size() == 1);
    const spec::RouteRule& rule = route.rules.front();
    REQUIRE(rule.hosts.size() == 1);
    CHECK(rule.hosts[0].value == "example.com");
    REQUIRE(rule.paths.size() == 2);
    CHECK(rule.paths[0].value == "/api");
    CHECK(rule.paths[1].value == "/v2/");
    CHECK(rule.paths[1].where.path == "spec.pathPrefixes[1]");
    REQUIRE(rule.headers.size() == 2);
    CHECK(rule.headers[1].name == "X-Debug");
  }
  SECTION("an empty HTTPScaledObject is one empty rule")
  {
    spec::HTTPScaledObject hso;
    hso.meta.name = "all";
    hso.target_service = "app";
    const auto route = spec::to_interceptor_route(hso);
    REQUIRE(route.rules.size() == 1);
    CHECK(route.rules[0].hosts.empty());
    CHECK(route.rules[0].paths.empty());
    CHECK(route.rules[0].headers.empty());
  }
  SECTION("scalingMetric is copied, with the CRD defaults")
  {
    const auto rate = spec::to_interceptor_route(decode("  scalingMetric: {requestRate: {targetValue: 7, window: 2m}}\n"));
    CHECK(rate.request_rate_target == 7);
    CHECK(rate.request_rate_window == "2m");
    CHECK(rate.request_rate_granularity == "1s");
    CHECK_FALSE(rate.concurrency_target);
    const auto concurrency = spec::to_interceptor_route(decode("  scalingMetric: {concurrency: {}}\n"));
    CHECK(concurrency.concurrency_target == 100);
    CHECK_FALSE(concurrency.request_rate_target);
  }
  SECTION("without scalingMetric: concurrency with targetPendingRequests, default 100")
  {
    CHECK(spec::to_interceptor_route(decode("")).concurrency_target == 100);
    CHECK(spec::to_interceptor_route(decode("  targetPendingRequests: 42\n")).concurrency_target == 42);
  }
  SECTION("replicas are decoded but not part of the route")
  {
    const auto hso = decode("  replicas: {min: 1, max: 5}\n");
    CHECK(hso.min_replicas == 1);
    CHECK(hso.max_replicas == 5);
  }
}
