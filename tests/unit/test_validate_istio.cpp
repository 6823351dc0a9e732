// VirtualService rules: spec/manifests.md 1.1 (Istio domains), 1.7, 2.3 (KH220-224).
#include "testutil/expect.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using kedahttp::core::Diagnostic;
using kedahttp::core::Severity;
using kedahttp::testutil::clean;
using kedahttp::testutil::describe;
using kedahttp::testutil::problems;
using kedahttp::testutil::require_clean;
using kedahttp::testutil::require_single;
using kedahttp::testutil::findings;
using kedahttp::testutil::validate_yaml;
using kedahttp::validate::Result;

namespace {

std::string
virtual_service(const std::string& spec, const std::string& api_version = "networking.istio.io/v1")
{
  return "apiVersion: " + api_version + "\nkind: VirtualService\nmetadata:\n  name: app\n  namespace: apps\nspec:\n"
         + spec;
}

// A mesh-bound VirtualService for `hosts` (flow list) with one http route.
std::string
with_hosts(const std::string& hosts, const std::string& gateways = "")
{
  return virtual_service("  hosts: " + hosts + "\n" + (gateways.empty() ? "" : "  gateways: " + gateways + "\n")
                         + "  http:\n  - route:\n    - destination: {host: app.apps.svc.cluster.local}\n");
}

// A VirtualService for host app.example.com whose only http route is `route` (block lines at 4 spaces).
std::string
with_route(const std::string& route)
{
  return virtual_service("  hosts: [app.example.com]\n  http:\n  - " + route);
}

const std::string k_destination = "    route:\n    - destination: {host: app}\n";

} // namespace

// --- real-world manifests (Istio samples and webhook datasets, written here) ---

TEST_CASE("VirtualService: Istio's valid examples pass")
{
  const std::string weighted = "  hosts:\n    - c\n  http:\n    - route:\n"
                               "      - destination:\n          host: c\n          subset: v1\n        weight: 75\n"
                               "      - destination:\n          host: c\n          subset: v2\n        weight: 25\n";
  SECTION("weights 75/25 over two subsets, in every served version")
  {
    for (const char* version :
         {"networking.istio.io/v1", "networking.istio.io/v1beta1", "networking.istio.io/v1alpha3"}) {
      require_clean(virtual_service(weighted, version));
    }
  }
  SECTION("bookinfo behind a gateway: host \"*\" is legal there")
  {
    require_clean("apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: bookinfo-gateway\n"
                  "spec:\n  selector:\n    istio: ingressgateway\n  servers:\n  - port: {number: 8080, name: http, "
                  "protocol: HTTP}\n    hosts: [\"*\"]\n---\n"
                  + virtual_service("  hosts:\n  - \"*\"\n  gateways:\n  - bookinfo-gateway\n  http:\n"
                                    "  - match:\n    - uri:\n        exact: /productpage\n    - uri:\n"
                                    "        prefix: /static\n    - uri:\n        exact: /login\n"
                                    "    - uri:\n        prefix: /api/v1/products\n"
                                    "    route:\n    - destination:\n        host: productpage\n"
                                    "        port:\n          number: 9080\n"));
  }
  SECTION("all services to subset v1, several documents")
  {
    std::string yaml;
    for (const char* name : {"productpage", "reviews", "ratings", "details"}) {
      yaml += "---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: " + std::string(name)
              + "\nspec:\n  hosts:\n  - " + name + "\n  http:\n  - route:\n    - destination:\n        host: " + name
              + "\n        subset: v1\n";
    }
    require_clean(yaml + "---\n");
  }
  SECTION("named routes and matches, fault delay, mirror, TCP and TLS routes")
  {
    require_clean(virtual_service("  hosts:\n  - sample.foo.svc.cluster.local\n  http:\n"
                                  "  - name: send /api/v1/products to sample.foo\n"
                                  "    match:\n    - name: prefix /api/v1/products\n      uri:\n"
                                  "        prefix: /api/v1/products\n"
                                  "    fault:\n      delay:\n        fixedDelay: 5s\n        percentage:\n"
                                  "          value: 100\n"
                                  "    route:\n    - destination:\n        host: sample.foo.svc.cluster.local\n"
                                  "  - mirror:\n      host: sample.bar.svc.cluster.local\n"
                                  "    route:\n    - destination:\n        host: sample.bar.svc.cluster.local\n"
                                  "        subset: v1\n"));
    require_clean(virtual_service("  hosts: [\"*\"]\n  gateways: [tcp-echo-gateway]\n  tcp:\n  - match:\n"
                                  "    - port: 31400\n    route:\n    - destination:\n        host: tcp-echo\n"
                                  "        port: {number: 9000}\n        subset: v1\n"));
    require_clean(virtual_service("  hosts: [www1.googleapis.com, api1.facebook.com]\n  tls:\n  - match:\n"
                                  "    - port: 2443\n      sniHosts: [www1.googleapis.com]\n    route:\n"
                                  "    - destination: {host: www1.googleapis.com}\n"));
  }
  SECTION("the KEDA interceptor route behind a gateway, with the usual route settings")
  {
    require_clean(virtual_service("  hosts: [app.example.com]\n"
                                  "  gateways: [istio-system/main-gateway]\n"
                                  "  exportTo: [\".\", istio-system]\n"
                                  "  http:\n"
                                  "  - name: to-interceptor\n"
                                  "    match:\n"
                                  "    - uri: {prefix: /}\n"
                                  "      headers:\n        x-canary: {exact: \"true\"}\n"
                                  "      withoutHeaders:\n        x-debug: {regex: \"*\"}\n"
                                  "      ignoreUriCase: true\n"
                                  "    timeout: 30s\n"
                                  "    retries:\n"
                                  "      {attempts: 3, perTryTimeout: 10s, retryOn: \"5xx,connect-failure,503\"}\n"
                                  "    headers:\n"
                                  "      request:\n        set: {x-forwarded-proto: https}\n"
                                  "        remove: [x-internal]\n"
                                  "      response:\n        add: {x-served-by: kedahttp}\n"
                                  "    corsPolicy:\n      allowOrigins: [{exact: \"https://example.com\"}]\n"
                                  "      allowMethods: [GET, POST]\n      allowHeaders: [content-type]\n"
                                  "      maxAge: 24h\n"
                                  "    route:\n"
                                  "    - destination:\n"
                                  "        host: keda-add-ons-http-interceptor-proxy.keda.svc.cluster.local\n"
                                  "        port: {number: 8080}\n"
                                  "      weight: 100\n"));
  }
  SECTION("redirect, direct response, rewrite and delegate routes")
  {
    require_clean(with_route("redirect: {uri: /v2, redirectCode: 308}\n"));
    require_clean(with_route("directResponse: {status: 503, body: {string: \"unavailable\"}}\n"));
    require_clean(with_route("rewrite: {uri: /, authority: backend.internal}\n" + k_destination));
    require_clean(with_route("delegate: {name: reviews, namespace: apps}\n"));
  }
}

// --- hosts (KH220) ---

TEST_CASE("VirtualService: Istio domain names differ from Kubernetes DNS names")
{
  SECTION("uppercase, *foo prefixes, IPs, a trailing dot and short names pass")
  {
    require_clean(with_hosts("[App.Example.COM]"));
    require_clean(with_hosts("[\"*foo.example.com\", \"*-bar.example.com\"]"));
    require_clean(with_hosts("[10.0.0.1, \"2001:db8::1\"]"));
    require_clean(with_hosts("[example.com.]"));
    require_clean(with_hosts("[reviews]"));
  }
  SECTION("255 characters pass, 256 do not")
  {
    const std::string label(63, 'a');
    const std::string host255 = label + "." + label + "." + label + "." + label;
    REQUIRE(host255.size() == 255);
    require_clean(with_hosts("[" + host255 + "]"));
    const std::string host256 = host255 + "b";
    require_single(with_hosts("[" + host256 + "]"), "KH220", "spec.hosts[0]",
                   "domain name \"" + host256 + "\" too long (max 255)");
  }
  SECTION("an all-numeric top-level domain")
  {
    require_single(with_hosts("[app.123]"), "KH220", "spec.hosts[0]",
                   "domain name \"123\" invalid (top level domain \"123\" cannot be all-numeric)");
  }
  SECTION("invalid labels")
  {
    require_single(with_hosts("[app_1.example.com]"), "KH220", "spec.hosts[0]",
                   "domain name \"app_1.example.com\" invalid (label \"app_1\" invalid)");
    require_single(with_hosts("[\"*.*.example.com\"]", "[istio-system/gw]"), "KH220", "spec.hosts[0]",
                   "domain name \"*.example.com\" invalid (label \"*\" invalid)");
    require_single(with_hosts("[\"\"]"), "KH220", "spec.hosts[0]", "empty domain name not allowed");
  }
}

TEST_CASE("VirtualService: host \"*\" needs a gateway")
{
  const std::string message = "wildcard host * is not allowed for virtual services bound to the mesh gateway";
  require_single(with_hosts("[\"*\"]"), "KH220", "spec.hosts[0]", message);
  require_single(with_hosts("[\"*\"]", "[mesh]"), "KH220", "spec.hosts[0]", message);
  require_clean(with_hosts("[\"*\"]", "[istio-system/ingress]"));
}

TEST_CASE("VirtualService: hosts must not overlap")
{
  require_single(with_hosts("[\"*.example.com\", api.example.com]"), "KH220", "spec.hosts[1]",
                 "duplicate hosts in virtual service: *.example.com & api.example.com");
  require_single(with_hosts("[\"*.a.example.com\", \"*.example.com\"]"), "KH220", "spec.hosts[1]",
                 "duplicate hosts in virtual service: *.a.example.com & *.example.com");
  require_single(with_hosts("[reviews, reviews]"), "KH220", "spec.hosts[1]",
                 "duplicate hosts in virtual service: reviews & reviews");
  // A wildcard does not cover its own parent domain.
  require_clean(with_hosts("[\"*.example.com\", example.com]"));
}

// --- structure (KH221) ---

TEST_CASE("VirtualService: http, tcp or tls must be provided")
{
  require_single(virtual_service("  hosts: [app]\n"), "KH221", "spec",
                 "http, tcp or tls must be provided in virtual service");
}

TEST_CASE("VirtualService: a delegate VirtualService has no hosts, gateways, tls or tcp")
{
  require_clean(virtual_service("  http:\n  - match: [{uri: {prefix: /reviews}}]\n    route:\n"
                                "    - destination: {host: reviews}\n"));
  require_single(virtual_service("  gateways: [istio-system/gw]\n  http:\n  - route:\n    - destination: {host: a}\n"),
                 "KH221", "spec.gateways", "delegate virtual service must have no gateways specified");
  require_single(virtual_service("  http:\n  - delegate: {name: other}\n    route:\n    - destination: {host: a}\n"),
                 "KH221", "spec.http[0]",
                 "delegate HTTP route cannot contain delegate");
}

TEST_CASE("VirtualService: each http route has exactly one action")
{
  SECTION("none")
  {
    require_single(with_route("match: [{uri: {prefix: /}}]\n"), "KH221", "spec.http[0]",
                   "HTTP route, redirect or direct_response is required");
  }
  SECTION("route and redirect")
  {
    require_single(with_route("redirect: {uri: /new}\n" + k_destination), "KH221", "spec.http[0]",
                   "HTTP route cannot contain both route and redirect");
  }
  SECTION("route and directResponse")
  {
    require_single(with_route("directResponse: {status: 404}\n" + k_destination), "KH221", "spec.http[0]",
                   "HTTP route cannot contain both route and direct_response");
  }
  SECTION("redirect and rewrite")
  {
    require_single(with_route("redirect: {uri: /new}\n    rewrite: {uri: /old}\n"), "KH221", "spec.http[0]",
                   "HTTP route rule cannot contain both rewrite and redirect");
  }
  SECTION("a root route only delegates")
  {
    require_single(with_route("name: reviews\n    delegate: {name: reviews}\n" + k_destination), "KH221",
                   "spec.http[0]", "root HTTP route reviews must not specify route");
  }
  SECTION("mirror and mirrors")
  {
    require_single(
      with_route("mirror: {host: shadow}\n    mirrors: [{destination: {host: shadow2}}]\n" + k_destination), "KH221",
      "spec.http[0]", "HTTP route cannot contain both mirror and mirrors");
  }
}

TEST_CASE("VirtualService: redirect, rewrite, retries and fault details")
{
  require_single(with_route("redirect: {}\n"), "KH221", "spec.http[0].redirect",
                 "redirect must specify URI, authority, scheme, or port");
  require_single(with_route("redirect: {uri: /x, redirectCode: 200}\n"), "KH221", "spec.http[0].redirect.redirectCode",
                 "200 is not a valid redirect code, must be 3xx");
  require_single(with_route("rewrite: {}\n" + k_destination), "KH221", "spec.http[0].rewrite",
                 "rewrite must specify at least one of URI, UriRegexRewrite, or authority. Only one of URI or "
                 "UriRegexRewrite may be specified");
  require_single(with_route("retries: {perTryTimeout: 2s}\n" + k_destination), "KH221", "spec.http[0].retries",
                 "http retry policy configured when attempts are set to 0 (disabled)");
  require_single(with_route("retries: {attempts: 2, retryOn: \"5xx,sometimes\"}\n" + k_destination), "KH221",
                 "spec.http[0].retries.retryOn", "\"sometimes\" is not a valid retryOn policy");
  require_single(with_route("fault: {}\n" + k_destination), "KH221", "spec.http[0].fault",
                 "HTTP fault injection must have an abort and/or a delay");
  require_single(with_route("fault: {abort: {httpStatus: 700}}\n" + k_destination), "KH221",
                 "spec.http[0].fault.abort.httpStatus", "HTTP status 700 is not in range 200-599");
  require_single(with_route("directResponse: {status: 100}\n"), "KH221", "spec.http[0].directResponse.status",
                 "HTTP status 100 is not in range 200-599");
}

TEST_CASE("VirtualService: the authority may be rewritten in one place only")
{
  require_single(with_route("rewrite: {authority: a.internal}\n    headers: {request: {set: {host: b.internal}}}\n"
                            + k_destination),
                 "KH221", "spec.http[0].headers.request.set.host",
                 "authority header cannot be set multiple times: have \"a.internal\", attempting to set "
                 "\"b.internal\"");
  require_clean(with_route("headers: {request: {set: {host: b.internal}}}\n" + k_destination));
}

TEST_CASE("VirtualService: header operations")
{
  require_single(with_route("headers: {request: {set: {\":path\": /x}}}\n" + k_destination), "KH221",
                 "spec.http[0].headers.request.set.:path", "invalid header \":path\": header cannot have \":\" prefix");
  require_single(with_route("headers: {response: {remove: [Host]}}\n" + k_destination), "KH221",
                 "spec.http[0].headers.response.remove[0]", "invalid header \"Host\": cannot set Host header");
}

// --- matches ---

TEST_CASE("VirtualService: match requests")
{
  SECTION("a StringMatch is one of exact, prefix or regex (CRD oneOf)")
  {
    require_single(with_route("match: [{uri: {exact: /a, prefix: /b}}]\n" + k_destination), "KH104",
                   "spec.http[0].match[0].uri",
                   "Invalid value: \"object\": spec.http[0].match[0].uri in body must validate one and only one "
                   "schema (oneOf). Found 2 valid alternatives");
  }
  SECTION("an empty prefix is allowed for uri only")
  {
    require_clean(with_route("match: [{uri: {prefix: \"\"}}]\n" + k_destination));
    require_single(with_route("match: [{method: {prefix: \"\"}}]\n" + k_destination), "KH221",
                   "spec.http[0].match[0].method", "\"method\": prefix string match should not be empty");
  }
  SECTION("regexes must not be empty or longer than 1024")
  {
    require_single(with_route("match: [{uri: {regex: \"\"}}]\n" + k_destination), "KH221", "spec.http[0].match[0].uri",
                   "\"uri\": regex string match should not be empty");
    require_single(with_route("match: [{authority: {regex: \"" + std::string(1025, 'a') + "\"}}]\n" + k_destination),
                   "KH221", "spec.http[0].match[0].authority",
                   "\"authority\": regex is too large, max length allowed is 1024");
  }
  SECTION("header names are HTTP tokens")
  {
    require_single(with_route("match: [{headers: {\"end user\": {exact: jason}}}]\n" + k_destination), "KH221",
                   "spec.http[0].match[0].headers.end user", "header name end user is not a valid header name");
  }
  SECTION("JWT claim routes need a gateway")
  {
    const std::string route = "match: [{headers: {\"@request.auth.claims.group\": {exact: admin}}}]\n" + k_destination;
    require_single(with_route(route), "KH221", "spec.http[0].match[0].headers.@request.auth.claims.group",
                   "JWT claim based routing (key: @request.auth.claims.group) is only supported for gateway, found no "
                   "gateways: []");
    require_clean(virtual_service("  hosts: [app.example.com]\n  gateways: [istio-system/gw]\n  http:\n  - " + route));
  }
  SECTION("match port and sourceNamespace")
  {
    require_single(with_route("match: [{port: 70000}]\n" + k_destination), "KH221", "spec.http[0].match[0].port",
                   "port number 70000 must be in the range 1..65535");
    require_single(with_route("match: [{sourceNamespace: my_ns}]\n" + k_destination), "KH221",
                   "spec.http[0].match[0].sourceNamespace", "sourceNamespace match my_ns is invalid");
  }
}

// --- destinations (KH222) and weights (KH223) ---

TEST_CASE("VirtualService: destinations")
{
  SECTION("host \"*\" is never a destination")
  {
    require_single(with_route("route:\n    - destination: {host: \"*\"}\n"), "KH222",
                   "spec.http[0].route[0].destination.host", "invalid destination host *");
  }
  SECTION("destination hosts follow the domain rules, without the IP exception")
  {
    require_single(with_route("route:\n    - destination: {host: my_svc}\n"), "KH222",
                   "spec.http[0].route[0].destination.host",
                   "domain name \"my_svc\" invalid (label \"my_svc\" invalid)");
  }
  SECTION("port number 1..65535")
  {
    require_clean(with_route("route:\n    - destination: {host: app, port: {number: 8080}}\n"));
    require_single(with_route("route:\n    - destination: {host: app, port: {number: 70000}}\n"), "KH222",
                   "spec.http[0].route[0].destination.port.number", "port number 70000 must be in the range 1..65535");
    require_single(with_route("route:\n    - destination: {host: app, port: {}}\n"), "KH222",
                   "spec.http[0].route[0].destination.port.number", "port number 0 must be in the range 1..65535");
  }
  SECTION("subset names are DNS labels")
  {
    require_single(with_route("route:\n    - destination: {host: app, subset: v1_beta}\n"), "KH222",
                   "spec.http[0].route[0].destination.subset", "subset name is invalid: v1_beta");
  }
  SECTION("mirror destinations too")
  {
    require_single(with_route("mirror: {host: \"*\"}\n" + k_destination), "KH222", "spec.http[0].mirror.host",
                   "invalid destination host *");
  }
  SECTION("destination and destination.host are required by the CRD")
  {
    require_single(with_route("route:\n    - weight: 100\n"), "KH101", "spec.http[0].route[0].destination",
                   "Required value");
    require_single(with_route("route:\n    - destination: {subset: v1}\n"), "KH101",
                   "spec.http[0].route[0].destination.host", "Required value");
  }
}

TEST_CASE("VirtualService: weights")
{
  require_single(with_route("route:\n    - destination: {host: a}\n      weight: -1\n"
                            "    - destination: {host: b}\n      weight: 101\n"),
                 "KH223", "spec.http[0].route[0].weight", "weight -1 < 0");
  require_single(with_route("route:\n    - destination: {host: a}\n    - destination: {host: b}\n"), "KH223",
                 "spec.http[0].route", "total destination weight = 0");
  // One destination without a weight gets all the traffic.
  require_clean(with_route("route:\n    - destination: {host: a}\n"));
}

// --- gateways (KH224) ---

TEST_CASE("VirtualService: gateway names")
{
  SECTION("<namespace>/<name>, a short name and mesh pass")
  {
    require_clean(with_hosts("[app.example.com]", "[istio-system/ingress, mesh]"));
    require_clean(with_hosts("[app.example.com]", "[ingress]"));
  }
  SECTION("both parts are DNS labels")
  {
    require_single(with_hosts("[app.example.com]", "[istio-system/my_gateway]"), "KH224", "spec.gateways[0]",
                   "invalid value for gateway name: \"my_gateway\"");
    require_single(with_hosts("[app.example.com]", "[\"*/ingress\"]"), "KH224", "spec.gateways[0]",
                   "invalid value for namespace: \"*\"");
    const Result result = validate_yaml(with_hosts("[app.example.com]", "[istio-system/]"));
    INFO(describe(result));
    const auto found = problems(result);
    REQUIRE(found.size() == 2);
    CHECK(found[0].message == "config namespace and gateway name cannot be empty");
    CHECK(found[1].message == "invalid value for gateway name: \"\"");
  }
  SECTION("the legacy FQDN form is a warning")
  {
    require_single(with_hosts("[app.example.com]", "[ingress.istio-system.svc.cluster.local]"), "KH224",
                   "spec.gateways[0]",
                   "using legacy gatewayName format \"ingress.istio-system.svc.cluster.local\"; prefer the "
                   "<namespace>/<name> format: \"istio-system/ingress\"",
                   Severity::warning);
  }
  SECTION("match gateways use the same format")
  {
    require_single(with_route("match: [{gateways: [istio-system/Bad_Name]}]\n" + k_destination), "KH224",
                   "spec.http[0].match[0].gateways[0]", "invalid value for gateway name: \"Bad_Name\"");
  }
}

// --- durations and percentages ---

TEST_CASE("VirtualService: timeouts")
{
  require_clean(with_route("timeout: 1.5s\n" + k_destination));
  require_single(with_route("timeout: 500us\n" + k_destination), "KH107", "spec.http[0].timeout",
                 "Invalid value: \"string\": must be a valid duration greater than 1ms");
  require_single(with_route("timeout: soon\n" + k_destination), "KH107", "spec.http[0].timeout",
                 "Invalid value: \"string\": must be a valid duration greater than 1ms");
  require_single(with_route("timeout: 1500us\n" + k_destination), "KH221", "spec.http[0].timeout",
                 "only durations to ms precision are supported");
}

TEST_CASE("VirtualService: mirror percentages")
{
  require_clean(with_route("mirror: {host: shadow}\n    mirrorPercentage: {value: 12.5}\n" + k_destination));
  require_single(with_route("mirror: {host: shadow}\n    mirrorPercentage: {value: 150}\n" + k_destination), "KH221",
                 "spec.http[0].mirrorPercentage.value",
                 "mirror_percentage must have a max value of 100 (it has 150.000000)");
  require_single(with_route("mirror: {host: shadow}\n    mirrorPercent: 50\n" + k_destination), "KH221",
                 "spec.http[0].mirrorPercent",
                 "using deprecated setting \"mirrorPercent\", use \"mirrorPercentage\" instead", Severity::warning);
}

// --- exportTo and schema ---

TEST_CASE("VirtualService: exportTo")
{
  require_single(with_hosts("[a]") + "  exportTo: [Bad_NS]\n", "KH104", "spec.exportTo[0]",
                 "Invalid value: \"Bad_NS\": only .,*,~, or a valid DNS 1123 label is allowed as exportTo entry");
  require_single(with_hosts("[a]") + "  exportTo: [apps, \".\"]\n", "KH104", "spec.exportTo[1]",
                 "Invalid value: \".\": duplicate entries in exportTo: . and current namespace apps");
  require_single(with_hosts("[a]") + "  exportTo: [\"*\", apps]\n", "KH104", "spec.exportTo",
                 "Invalid value: \"*\": cannot have both public (*) and non-public exportTo values for a resource");
}

TEST_CASE("VirtualService: the CRD schema knows only hosts, gateways, http, tls, tcp and exportTo")
{
  const Result result = validate_yaml(virtual_service("  host: app.example.com\n  hosts: [app.example.com]\n"
                                                      "  http:\n  - route:\n    - destination: {host: app}\n"));
  INFO(describe(result));
  const auto found = problems(result);
  REQUIRE(found.size() == 1);
  CHECK(found[0].code == "KH005");
  CHECK(found[0].path == "spec.host");
  CHECK(found[0].message == "strict decoding error: unknown field \"spec.host\" (did you mean \"hosts\"?)");

  const Result typo = validate_yaml(with_route("route:\n    - destination: {host: app}\n      wieght: 5\n"));
  INFO(describe(typo));
  REQUIRE(findings(typo, "KH005").size() == 1);
  CHECK(findings(typo, "KH005")[0].path == "spec.http[0].route[0].wieght");

  require_single("apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: app\n", "KH101", "spec",
                 "Required value");
}
