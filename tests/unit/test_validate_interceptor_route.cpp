// InterceptorRoute (http.keda.sh/v1beta1) and HTTPScaledObject (http.keda.sh/v1alpha1)
// per-object rules (spec/manifests.md 1.2, 2.3): the CRD schema, its CEL rules
// (KH107), durations (KH350), the request-rate granularity (KH351) and host formats
// (KH344). Each rule has a case that passes and one that fails, asserting code,
// field path, position and the exact message.

#include "testutil/manifests.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

using kedahttp::core::Diagnostic;
using kedahttp::core::Severity;
using kedahttp::testutil::describe;
using kedahttp::testutil::findings;
using kedahttp::testutil::validate_yaml;
using kedahttp::validate::Options;
using kedahttp::validate::Result;

namespace {

// An InterceptorRoute shop/shop whose spec is `spec` (written without indentation).
// Line k of `spec` is line 6 + k of the document, its column is 2 + its own column.
std::string
route(std::string_view spec)
{
  std::string out = "apiVersion: http.keda.sh/v1beta1\n"
                    "kind: InterceptorRoute\n"
                    "metadata:\n"
                    "  name: shop\n"
                    "  namespace: shop\n"
                    "spec:\n";
  size_t start = 0;
  while (start < spec.size()) {
    size_t end = spec.find('\n', start);
    if (end == std::string_view::npos) {
      end = spec.size();
    }
    out += "  " + std::string(spec.substr(start, end - start)) + "\n";
    start = end + 1;
  }
  return out;
}

// target + concurrency: the smallest valid spec; `extra` is appended.
std::string
minimal(std::string_view extra = {})
{
  return route("target:\n"
               "  service: shop\n"
               "  port: 8080\n"
               "scalingMetric:\n"
               "  concurrency:\n"
               "    targetValue: 100\n"
               + std::string(extra));
}

// The only finding of `result`, which must have code `code`.
Diagnostic
only(const Result& result, std::string_view code)
{
  INFO(describe(result));
  REQUIRE(result.diagnostics.size() == 1);
  REQUIRE(result.diagnostics[0].code == code);
  return result.diagnostics[0];
}

void
check_finding(const Diagnostic& d, Severity severity, const std::string& path, int line, int column,
              const std::string& message)
{
  CHECK(d.severity == severity);
  CHECK(d.path == path);
  CHECK(d.mark.line == line);
  CHECK(d.mark.column == column);
  CHECK(d.message == message);
  CHECK(d.file == "test.yaml");
}

} // namespace

TEST_CASE("InterceptorRoute: the documented minimal route is clean", "[interceptorroute]")
{
  const Result result = validate_yaml(minimal());
  INFO(describe(result));
  CHECK(result.diagnostics.empty());
  CHECK(result.objects == 1);
}

TEST_CASE("InterceptorRoute: every field of the CRD, well-formed, gives no finding", "[interceptorroute]")
{
  const Result result = validate_yaml(route(R"(target:
  service: shop
  portName: http
scalingMetric:
  concurrency:
    targetValue: 10
  requestRate:
    targetValue: 50
    window: 2m
    granularity: 2s
rules:
  - hosts: [shop.example.com, "*.shop.example.com", "shop.example.com:8080"]
    paths:
      - value: /api
      - value: /
    headers:
      - name: X-Tenant
        value: blue
      - name: X-Canary
  - {}
staticRoutes:
  - rules:
      - paths: [{value: /healthz}]
    response:
      statusCode: 200
      body: ok
      headers: {Content-Type: text/plain}
    responseMode: Always
  - rules: [{hosts: [maintenance.example.com]}]
    response:
      bodyFromConfigMap: {name: pages, key: maintenance.html}
coldStart:
  fallback:
    service: {name: shop-static, port: 80}
  placeholder:
    response:
      statusCode: 503
      body: warming up
timeouts:
  readiness: 30s
  request: 1m30s
  responseHeader: 500ms
)"));
  INFO(describe(result));
  CHECK(result.diagnostics.empty());
}

TEST_CASE("InterceptorRoute: required fields (KH101)", "[interceptorroute]")
{
  SECTION("no spec")
  {
    const auto d = only(validate_yaml("apiVersion: http.keda.sh/v1beta1\nkind: InterceptorRoute\nmetadata:\n"
                                      "  name: shop\n"),
                        "KH101");
    check_finding(d, Severity::error, "spec", 1, 1, "Required value");
  }
  SECTION("no target")
  {
    const auto d = only(validate_yaml(route("scalingMetric:\n  concurrency: {targetValue: 1}\n")), "KH101");
    check_finding(d, Severity::error, "spec.target", 7, 3, "Required value");
  }
  SECTION("no scalingMetric")
  {
    const auto d = only(validate_yaml(route("target: {service: shop, port: 8080}\n")), "KH101");
    check_finding(d, Severity::error, "spec.scalingMetric", 7, 3, "Required value");
  }
  SECTION("no target.service")
  {
    const auto d =
      only(validate_yaml(route("target:\n  port: 8080\nscalingMetric:\n  concurrency: {targetValue: 1}\n")), "KH101");
    check_finding(d, Severity::error, "spec.target.service", 8, 5, "Required value");
  }
  SECTION("no concurrency.targetValue")
  {
    const auto d = only(validate_yaml(route("target: {service: shop, port: 8080}\n"
                                            "scalingMetric:\n  concurrency: {}\n")),
                        "KH101");
    check_finding(d, Severity::error, "spec.scalingMetric.concurrency.targetValue", 9, 18, "Required value");
  }
  SECTION("no requestRate.targetValue")
  {
    const auto d = only(validate_yaml(route("target: {service: shop, port: 8080}\n"
                                            "scalingMetric:\n  requestRate:\n    window: 1m\n")),
                        "KH101");
    check_finding(d, Severity::error, "spec.scalingMetric.requestRate.targetValue", 10, 7, "Required value");
  }
  SECTION("a path without value")
  {
    const auto d = only(validate_yaml(minimal("rules:\n  - paths:\n      - {}\n")), "KH101");
    check_finding(d, Severity::error, "spec.rules[0].paths[0].value", 15, 11, "Required value");
  }
  SECTION("a header matcher without name")
  {
    const auto d = only(validate_yaml(minimal("rules:\n  - headers:\n      - value: x\n")), "KH101");
    check_finding(d, Severity::error, "spec.rules[0].headers[0].name", 15, 11, "Required value");
  }
  SECTION("a static route without response")
  {
    const auto d = only(validate_yaml(minimal("staticRoutes:\n  - rules: [{}]\n")), "KH101");
    check_finding(d, Severity::error, "spec.staticRoutes[0].response", 14, 7, "Required value");
  }
  SECTION("a static route without rules")
  {
    const auto d = only(validate_yaml(minimal("staticRoutes:\n  - response: {statusCode: 200}\n")), "KH101");
    check_finding(d, Severity::error, "spec.staticRoutes[0].rules", 14, 7, "Required value");
  }
  SECTION("a fallback without service")
  {
    const auto d = only(validate_yaml(minimal("coldStart:\n  fallback: {}\n")), "KH101");
    check_finding(d, Severity::error, "spec.coldStart.fallback.service", 14, 15, "Required value");
  }
  SECTION("a fallback service without name")
  {
    const auto d = only(validate_yaml(minimal("coldStart:\n  fallback:\n    service: {port: 80}\n")), "KH101");
    check_finding(d, Severity::error, "spec.coldStart.fallback.service.name", 15, 16, "Required value");
  }
  SECTION("a placeholder without response")
  {
    const auto d = only(validate_yaml(minimal("coldStart:\n  placeholder: {}\n")), "KH101");
    check_finding(d, Severity::error, "spec.coldStart.placeholder.response", 14, 18, "Required value");
  }
  SECTION("bodyFromConfigMap without name")
  {
    const auto d =
      only(validate_yaml(minimal("coldStart:\n  placeholder:\n    response:\n      bodyFromConfigMap: {key: k}\n")),
           "KH101");
    check_finding(d, Severity::error, "spec.coldStart.placeholder.response.bodyFromConfigMap.name", 16, 28,
                  "Required value");
  }
}

TEST_CASE("InterceptorRoute: CEL rules of the CRD (KH107)", "[interceptorroute]")
{
  SECTION("target with port and portName")
  {
    const auto d = only(validate_yaml(route("target:\n  service: shop\n  port: 8080\n  portName: http\n"
                                            "scalingMetric:\n  concurrency: {targetValue: 1}\n")),
                        "KH107");
    check_finding(d, Severity::error, "spec.target", 8, 5,
                  "Invalid value: \"object\": exactly one of 'port' or 'portName' must be set");
  }
  SECTION("target with neither port nor portName")
  {
    const auto d = only(
      validate_yaml(route("target:\n  service: shop\nscalingMetric:\n  concurrency: {targetValue: 1}\n")), "KH107");
    check_finding(d, Severity::error, "spec.target", 8, 5,
                  "Invalid value: \"object\": exactly one of 'port' or 'portName' must be set");
  }
  SECTION("target with only portName passes")
  {
    const Result result = validate_yaml(
      route("target: {service: shop, portName: http}\nscalingMetric:\n  requestRate: {targetValue: 5}\n"));
    INFO(describe(result));
    CHECK(result.diagnostics.empty());
  }
  SECTION("empty scalingMetric")
  {
    const auto d = only(validate_yaml(route("target: {service: shop, port: 8080}\nscalingMetric: {}\n")), "KH107");
    check_finding(d, Severity::error, "spec.scalingMetric", 8, 18,
                  "Invalid value: \"object\": at least one of 'concurrency' or 'requestRate' must be set");
  }
  SECTION("both concurrency and requestRate pass")
  {
    const Result result = validate_yaml(route("target: {service: shop, port: 8080}\nscalingMetric:\n"
                                              "  concurrency: {targetValue: 1}\n  requestRate: {targetValue: 1}\n"));
    INFO(describe(result));
    CHECK(result.diagnostics.empty());
  }
  SECTION("static response with body and bodyFromConfigMap")
  {
    const auto d = only(validate_yaml(minimal("staticRoutes:\n  - rules: [{}]\n    response:\n      body: x\n"
                                              "      bodyFromConfigMap: {name: pages}\n")),
                        "KH107");
    check_finding(d, Severity::error, "spec.staticRoutes[0].response", 16, 9,
                  "Invalid value: \"object\": at most one of 'body' or 'bodyFromConfigMap' may be set");
  }
  SECTION("placeholder response with body and bodyFromConfigMap")
  {
    const auto d = only(validate_yaml(minimal("coldStart:\n  placeholder:\n    response:\n      body: x\n"
                                              "      bodyFromConfigMap: {name: pages}\n")),
                        "KH107");
    check_finding(d, Severity::error, "spec.coldStart.placeholder.response", 16, 9,
                  "Invalid value: \"object\": at most one of 'body' or 'bodyFromConfigMap' may be set");
  }
  SECTION("empty coldStart")
  {
    const auto d = only(validate_yaml(minimal("coldStart: {}\n")), "KH107");
    check_finding(d, Severity::error, "spec.coldStart", 13, 14,
                  "Invalid value: \"object\": at least one of 'fallback' or 'placeholder' must be set");
  }
  SECTION("fallback service with port and portName")
  {
    const auto d =
      only(validate_yaml(minimal("coldStart:\n  fallback:\n    service: {name: s, port: 80, portName: http}\n")),
           "KH107");
    check_finding(d, Severity::error, "spec.coldStart.fallback.service", 15, 16,
                  "Invalid value: \"object\": exactly one of 'port' or 'portName' must be set");
  }
  SECTION("fallback service with portName passes")
  {
    const Result result = validate_yaml(minimal("coldStart:\n  fallback:\n    service: {name: s, portName: http}\n"));
    INFO(describe(result));
    CHECK(result.diagnostics.empty());
  }
}

TEST_CASE("InterceptorRoute: types, ranges, lengths and enums", "[interceptorroute]")
{
  SECTION("port as a string (KH102)")
  {
    const auto d = only(validate_yaml(route("target:\n  service: shop\n  port: \"8080\"\n"
                                            "scalingMetric:\n  concurrency: {targetValue: 1}\n")),
                        "KH102");
    check_finding(d, Severity::error, "spec.target.port", 9, 11,
                  "Invalid value: \"string\": spec.target.port in body must be of type integer");
  }
  SECTION("port 0 and 65536 (KH105)")
  {
    for (const char* port : {"0", "65536"}) {
      const auto d = only(validate_yaml(route("target:\n  service: shop\n  port: " + std::string(port)
                                              + "\nscalingMetric:\n  concurrency: {targetValue: 1}\n")),
                          "KH105");
      check_finding(d, Severity::error, "spec.target.port", 9, 11,
                    "Invalid value: " + std::string(port) + ": must be between 1 and 65535, inclusive");
    }
  }
  SECTION("ports 1 and 65535 pass")
  {
    for (const char* port : {"1", "65535"}) {
      const Result result = validate_yaml(route("target:\n  service: shop\n  port: " + std::string(port)
                                                + "\nscalingMetric:\n  concurrency: {targetValue: 1}\n"));
      INFO(describe(result));
      CHECK(result.diagnostics.empty());
    }
  }
  SECTION("empty service name (KH105)")
  {
    const auto d = only(validate_yaml(route("target:\n  service: \"\"\n  port: 8080\n"
                                            "scalingMetric:\n  concurrency: {targetValue: 1}\n")),
                        "KH105");
    check_finding(d, Severity::error, "spec.target.service", 8, 14,
                  "Invalid value: \"\": spec.target.service in body should be at least 1 chars long");
  }
  SECTION("targetValue 0 (KH105)")
  {
    const auto d = only(validate_yaml(route("target: {service: shop, port: 8080}\n"
                                            "scalingMetric:\n  concurrency:\n    targetValue: 0\n")),
                        "KH105");
    check_finding(d, Severity::error, "spec.scalingMetric.concurrency.targetValue", 10, 20,
                  "Invalid value: 0: spec.scalingMetric.concurrency.targetValue in body should be greater than or "
                  "equal to 1");
  }
  SECTION("static route without any rule (KH105)")
  {
    const auto d = only(validate_yaml(minimal("staticRoutes:\n  - rules: []\n    response: {}\n")), "KH105");
    check_finding(d, Severity::error, "spec.staticRoutes[0].rules", 14, 14,
                  "Invalid value: 0: spec.staticRoutes[0].rules in body should have at least 1 items");
  }
  SECTION("statusCode 99 and 600 (KH105); 100 and 599 pass")
  {
    for (const char* code : {"99", "600"}) {
      const auto d = only(validate_yaml(minimal("staticRoutes:\n  - rules: [{}]\n    response: {statusCode: "
                                                + std::string(code) + "}\n")),
                          "KH105");
      check_finding(d, Severity::error, "spec.staticRoutes[0].response.statusCode", 15, 30,
                    "Invalid value: " + std::string(code) + ": must be between 100 and 599, inclusive");
    }
    for (const char* code : {"100", "599"}) {
      const Result result = validate_yaml(
        minimal("staticRoutes:\n  - rules: [{}]\n    response: {statusCode: " + std::string(code) + "}\n"));
      INFO(describe(result));
      CHECK(result.diagnostics.empty());
    }
  }
  SECTION("body longer than 32768 bytes (KH105)")
  {
    const auto d = only(validate_yaml(minimal("staticRoutes:\n  - rules: [{}]\n    response:\n      body: "
                                              + std::string(32769, 'x') + "\n")),
                        "KH105");
    check_finding(d, Severity::error, "spec.staticRoutes[0].response.body", 16, 15,
                  "Too long: may not be more than 32768 bytes");
    const Result ok = validate_yaml(minimal("staticRoutes:\n  - rules: [{}]\n    response:\n      body: "
                                            + std::string(32768, 'x') + "\n"));
    CHECK(ok.diagnostics.empty());
  }
  SECTION("unknown responseMode (KH103)")
  {
    const auto d =
      only(validate_yaml(minimal("staticRoutes:\n  - rules: [{}]\n    response: {}\n    responseMode: Sometimes\n")),
           "KH103");
    check_finding(d, Severity::error, "spec.staticRoutes[0].responseMode", 16, 21,
                  "Unsupported value: \"Sometimes\": supported values: \"Always\", \"WhenUnavailable\"");
  }
  SECTION("responseMode is case-sensitive (KH103)")
  {
    const auto d =
      only(validate_yaml(minimal("staticRoutes:\n  - rules: [{}]\n    response: {}\n    responseMode: always\n")),
           "KH103");
    CHECK(d.message == "Unsupported value: \"always\": supported values: \"Always\", \"WhenUnavailable\"");
  }
}

TEST_CASE("InterceptorRoute: list types and unknown fields", "[interceptorroute]")
{
  SECTION("duplicate host in a rule (KH106, listType set)")
  {
    const auto d = only(validate_yaml(minimal("rules:\n  - hosts:\n      - a.example.com\n      - a.example.com\n")),
                        "KH106");
    check_finding(d, Severity::error, "spec.rules[0].hosts[1]", 16, 11, "Duplicate value: \"a.example.com\"");
  }
  SECTION("the same host in two rules passes (rules are atomic)")
  {
    const Result result = validate_yaml(
      minimal("rules:\n  - hosts: [a.example.com]\n  - hosts: [a.example.com]\n    paths: [{value: /x}]\n"));
    INFO(describe(result));
    CHECK(result.diagnostics.empty());
  }
  SECTION("duplicate header name (KH106, listType map keyed by name)")
  {
    const auto d = only(validate_yaml(minimal("rules:\n  - headers:\n      - {name: X-A, value: \"1\"}\n"
                                              "      - {name: X-A, value: \"2\"}\n")),
                        "KH106");
    check_finding(d, Severity::error, "spec.rules[0].headers[1]", 16, 11, "Duplicate value: {\"name\":\"X-A\"}");
  }
  SECTION("unknown field (KH005)")
  {
    const auto d = only(validate_yaml(minimal("replicas: 3\n")), "KH005");
    check_finding(d, Severity::error, "spec.replicas", 13, 3, "strict decoding error: unknown field \"spec.replicas\"");
  }
  SECTION("a field in the wrong case gets a hint (KH005)")
  {
    const auto d = only(validate_yaml(route("target:\n  service: shop\n  port: 8080\n  portname: http\n"
                                            "scalingMetric:\n  concurrency: {targetValue: 1}\n")),
                        "KH005");
    check_finding(d, Severity::error, "spec.target.portname", 10, 5,
                  "strict decoding error: unknown field \"spec.target.portname\" (did you mean \"portName\"?)");
  }
  SECTION("coldStart.maxPendingRequests is not in the CRD yet (KH005)")
  {
    const auto d = only(validate_yaml(minimal("coldStart:\n  placeholder: {response: {}}\n  maxPendingRequests: 10\n")),
                        "KH005");
    check_finding(d, Severity::error, "spec.coldStart.maxPendingRequests", 15, 5,
                  "strict decoding error: unknown field \"spec.coldStart.maxPendingRequests\"");
  }
  SECTION("--allow-unknown-fields makes it a warning")
  {
    Options options;
    options.allow_unknown_fields = true;
    const auto d = only(validate_yaml(minimal("replicas: 3\n"), options), "KH005");
    CHECK(d.severity == Severity::warning);
  }
  SECTION("status is ignored")
  {
    const Result result =
      validate_yaml(minimal() + "status:\n  conditions:\n    - type: Ready\n      status: \"True\"\n");
    INFO(describe(result));
    CHECK(result.diagnostics.empty());
  }
}

TEST_CASE("InterceptorRoute: names and versions", "[interceptorroute]")
{
  SECTION("metadata.name must be a DNS-1123 subdomain (KH108)")
  {
    std::string yaml = minimal();
    yaml.replace(yaml.find("name: shop"), 10, "name: Shop");
    const auto d = only(validate_yaml(yaml), "KH108");
    check_finding(d, Severity::error, "metadata.name", 4, 9,
                  "Invalid value: \"Shop\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                  "characters, '-' or '.', and must start and end with an alphanumeric character (e.g. "
                  "'example.com', regex used for validation is "
                  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
  }
  SECTION("dots are fine in the name of a custom resource")
  {
    std::string yaml = minimal();
    yaml.replace(yaml.find("name: shop"), 10, "name: shop.v2");
    CHECK(validate_yaml(yaml).diagnostics.empty());
  }
  SECTION("v1alpha1 is not served for InterceptorRoute (KH006)")
  {
    std::string yaml = minimal();
    yaml.replace(0, std::string("apiVersion: http.keda.sh/v1beta1").size(), "apiVersion: http.keda.sh/v1alpha1");
    const auto d = only(validate_yaml(yaml), "KH006");
    check_finding(d, Severity::error, "apiVersion", 1, 13,
                  "InterceptorRoute in version \"http.keda.sh/v1alpha1\" is not served; use one of "
                  "\"http.keda.sh/v1beta1\"");
  }
}

TEST_CASE("InterceptorRoute: durations must parse as Go durations (KH350)", "[interceptorroute]")
{
  SECTION("valid durations")
  {
    const Result result =
      validate_yaml(minimal("timeouts:\n  readiness: 0s\n  request: 1.5h\n  responseHeader: 2h45m\n"));
    INFO(describe(result));
    CHECK(result.diagnostics.empty());
  }
  SECTION("a day unit, spaces and a bare number")
  {
    const Result result =
      validate_yaml(minimal("timeouts:\n  readiness: 1d\n  request: 30 s\n  responseHeader: \"10\"\n"));
    INFO(describe(result));
    const auto all = findings(result, "KH350");
    REQUIRE(all.size() == 3);
    REQUIRE(result.diagnostics.size() == 3);
    check_finding(all[0], Severity::error, "spec.timeouts.readiness", 14, 16,
                  "InterceptorRoute shop/shop: \"1d\" is not a duration (examples: 500ms, 30s, 1m30s)");
    check_finding(all[1], Severity::error, "spec.timeouts.request", 15, 14,
                  "InterceptorRoute shop/shop: \"30 s\" is not a duration (examples: 500ms, 30s, 1m30s)");
    check_finding(all[2], Severity::error, "spec.timeouts.responseHeader", 16, 21,
                  "InterceptorRoute shop/shop: \"10\" is not a duration (examples: 500ms, 30s, 1m30s)");
  }
  SECTION("requestRate window")
  {
    const auto d = only(validate_yaml(route("target: {service: shop, port: 8080}\nscalingMetric:\n  requestRate:\n"
                                            "    targetValue: 10\n    window: 1 minute\n")),
                        "KH350");
    check_finding(d, Severity::error, "spec.scalingMetric.requestRate.window", 11, 15,
                  "InterceptorRoute shop/shop: \"1 minute\" is not a duration (examples: 500ms, 30s, 1m30s)");
  }
  SECTION("requestRate granularity: KH350 only, no KH351 on top")
  {
    const auto d = only(validate_yaml(route("target: {service: shop, port: 8080}\nscalingMetric:\n  requestRate:\n"
                                            "    targetValue: 10\n    granularity: one\n")),
                        "KH350");
    check_finding(d, Severity::error, "spec.scalingMetric.requestRate.granularity", 11, 20,
                  "InterceptorRoute shop/shop: \"one\" is not a duration (examples: 500ms, 30s, 1m30s)");
  }
  SECTION("the object name uses --default-namespace when metadata.namespace is absent")
  {
    std::string yaml = minimal("timeouts: {request: 1d}\n");
    yaml.erase(yaml.find("  namespace: shop\n"), std::string("  namespace: shop\n").size());
    const auto d = only(validate_yaml(yaml), "KH350");
    CHECK(d.message == "InterceptorRoute default/shop: \"1d\" is not a duration (examples: 500ms, 30s, 1m30s)");
  }
}

TEST_CASE("InterceptorRoute: requestRate granularity is whole seconds >= 1s (KH351)", "[interceptorroute]")
{
  auto rate = [](const std::string& fields) {
    return validate_yaml(route("target: {service: shop, port: 8080}\nscalingMetric:\n  requestRate:\n"
                               "    targetValue: 10\n"
                               + fields));
  };
  SECTION("whole seconds pass, including the defaults")
  {
    for (const char* fields : {"", "    granularity: 1s\n", "    granularity: 1000ms\n",
                               "    granularity: 1m\n    window: 10m\n", "    granularity: 2s\n    window: 2s\n"}) {
      const Result result = rate(fields);
      INFO(fields << describe(result));
      CHECK(result.diagnostics.empty());
    }
  }
  SECTION("sub-second, fractional, zero and negative granularities fail")
  {
    for (const char* value : {"500ms", "1500ms", "1.5s", "0s", "-1s"}) {
      const auto d = only(rate("    granularity: " + std::string(value) + "\n"), "KH351");
      check_finding(d, Severity::error, "spec.scalingMetric.requestRate.granularity", 11, 20,
                    "InterceptorRoute shop/shop: \"" + std::string(value)
                      + "\" must be a whole number of seconds >= 1s");
    }
  }
  SECTION("a window shorter than the granularity is a warning")
  {
    const auto d = only(rate("    window: 5s\n    granularity: 10s\n"), "KH351");
    check_finding(d, Severity::warning, "spec.scalingMetric.requestRate.window", 11, 15,
                  "InterceptorRoute shop/shop: window \"5s\" is shorter than the granularity \"10s\"; the rate is "
                  "computed over a single bucket");
  }
  SECTION("the window is compared with the defaulted granularity of 1s")
  {
    const auto d = only(rate("    window: 500ms\n"), "KH351");
    check_finding(d, Severity::warning, "spec.scalingMetric.requestRate.window", 11, 15,
                  "InterceptorRoute shop/shop: window \"500ms\" is shorter than the granularity \"1s\"; the rate is "
                  "computed over a single bucket");
  }
  SECTION("the defaulted window of 1m is compared with a long granularity")
  {
    const auto d = only(rate("    granularity: 2m\n"), "KH351");
    CHECK(d.severity == Severity::warning);
    CHECK(d.path == "spec.scalingMetric.requestRate.window");
    CHECK(d.message
          == "InterceptorRoute shop/shop: window \"1m\" is shorter than the granularity \"2m\"; the rate is computed "
             "over a single bucket");
  }
}

TEST_CASE("InterceptorRoute: hosts the interceptor can never match (KH344)", "[interceptorroute]")
{
  struct Case {
    const char* host;
    const char* problem;
  };
  const std::vector<Case> bad = {
    {"Shop.example.com", "contains uppercase letters"},
    {"https://shop.example.com", "contains a scheme"},
    {"shop.example.com/api", "contains a path"},
    {"shop example.com", "contains whitespace"},
    {"shop..example.com", "has an empty label"},
    {".shop.example.com", "has an empty label"},
    {"shop.example.com.", "has an empty label"},
    {"shop.example.com.:8080", "has an empty label"},
    {"*shop.example.com", "uses '*' other than as the whole first label"},
    {"shop.*.com", "uses '*' other than as the whole first label"},
    {"*.*.example.com", "uses '*' other than as the whole first label"},
    {"**", "uses '*' other than as the whole first label"},
    {"*.", "uses '*' other than as the whole first label"},
  };
  for (const Case& c : bad) {
    DYNAMIC_SECTION(c.host)
    {
      const auto d = only(validate_yaml(minimal("rules:\n  - hosts:\n      - ok.example.com\n      - \""
                                                + std::string(c.host) + "\"\n")),
                          "KH344");
      check_finding(d, Severity::warning, "spec.rules[0].hosts[1]", 16, 11,
                    "InterceptorRoute shop/shop: host \"" + std::string(c.host) + "\" " + c.problem
                      + " (matching is exact and case-sensitive)");
    }
  }
  const std::vector<const char*> good = {"shop.example.com", "*.example.com", "*", "", "localhost",
                                         "shop.example.com:8080", "*.example.com:443", "[::1]:8080", "10.0.0.1",
                                         "xn--bcher-kva.example"};
  for (const char* host : good) {
    DYNAMIC_SECTION("'" << host << "' passes")
    {
      const Result result = validate_yaml(minimal("rules:\n  - hosts: [\"" + std::string(host) + "\"]\n"));
      INFO(describe(result));
      CHECK(result.diagnostics.empty());
    }
  }
  SECTION("static route hosts are checked too")
  {
    const auto d = only(validate_yaml(minimal("staticRoutes:\n  - rules:\n      - hosts: [Maintenance.example.com]\n"
                                              "    response: {}\n")),
                        "KH344");
    check_finding(
      d, Severity::warning, "spec.staticRoutes[0].rules[0].hosts[0]", 15, 19,
      "InterceptorRoute shop/shop: host \"Maintenance.example.com\" contains uppercase letters (matching is "
      "exact and case-sensitive)");
  }
}

TEST_CASE("HTTPScaledObject: required shape, CEL and host formats", "[interceptorroute]")
{
  const std::string head = "apiVersion: http.keda.sh/v1alpha1\nkind: HTTPScaledObject\nmetadata:\n  name: shop\n"
                           "  namespace: shop\nspec:\n";
  SECTION("a typical legacy object is clean, its extra fields are accepted")
  {
    const Result result = validate_yaml(head + "  hosts: [shop.example.com]\n  pathPrefixes: [/api]\n"
                                               "  scaleTargetRef:\n    name: shop\n    kind: Deployment\n"
                                               "    apiVersion: apps/v1\n    service: shop\n    port: 8080\n"
                                               "  replicas: {min: 0, max: 10}\n  scaledownPeriod: 300\n"
                                               "  scalingMetric:\n    requestRate: {targetValue: 100}\n");
    INFO(describe(result));
    CHECK(result.diagnostics.empty());
  }
  SECTION("scaleTargetRef is required (KH101)")
  {
    const auto d = only(validate_yaml(head + "  hosts: [shop.example.com]\n"), "KH101");
    check_finding(d, Severity::error, "spec.scaleTargetRef", 7, 3, "Required value");
  }
  SECTION("scaleTargetRef.service is required (KH101)")
  {
    const auto d = only(validate_yaml(head + "  scaleTargetRef:\n    name: shop\n    port: 8080\n"), "KH101");
    check_finding(d, Severity::error, "spec.scaleTargetRef.service", 8, 5, "Required value");
  }
  SECTION("exactly one of port and portName (KH107)")
  {
    const auto d = only(validate_yaml(head + "  scaleTargetRef:\n    service: shop\n"), "KH107");
    check_finding(d, Severity::error, "spec.scaleTargetRef", 8, 5,
                  "Invalid value: \"object\": exactly one of 'port' or 'portName' must be set");
  }
  SECTION("host formats (KH344)")
  {
    const auto d = only(
      validate_yaml(head + "  hosts: [Shop.example.com]\n  scaleTargetRef: {service: shop, port: 8080}\n"), "KH344");
    check_finding(d, Severity::warning, "spec.hosts[0]", 7, 11,
                  "HTTPScaledObject shop/shop: host \"Shop.example.com\" contains uppercase letters (matching is "
                  "exact and case-sensitive)");
  }
  SECTION("v1beta1 is not served for HTTPScaledObject (KH006)")
  {
    std::string yaml = head + "  scaleTargetRef: {service: shop, port: 8080}\n";
    yaml.replace(yaml.find("v1alpha1"), 8, "v1beta1");
    const auto d = only(validate_yaml(yaml), "KH006");
    CHECK(d.message == "HTTPScaledObject in version \"http.keda.sh/v1beta1\" is not served; use one of "
                       "\"http.keda.sh/v1alpha1\"");
  }
}
