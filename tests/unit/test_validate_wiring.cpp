// Cross-object wiring rules KH301-KH345 and KH352 (spec/manifests.md 2.1-2.3, 6):
// do the HTTPRoutes, Ingresses and VirtualServices in the input reach the
// interceptor, with the grants, ports and hosts that make an InterceptorRoute
// match? The KEDA "Configure Ingress" manifests, filled in with real names, must
// pass without any finding; each documented mistake must give its code, path,
// position and exact message.
//
// Every manifest here is one the API server accepts (parentRefs set, Istio
// gateways as <namespace>/<name>, Ingress pathType set, ...), so the "no finding"
// cases hold whatever the per-kind schemas check.

#include "testutil/manifests.hpp"

#include <catch2/catch.hpp>

#include <initializer_list>
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

// --- the KEDA "Configure Ingress" page, filled in: app "shop" in namespace "shop",
// host shop.example.com, Gateway gateway/public, Istio gateway istio-ingress/public ---

// Gateway API, step 1. backendRef at 14:11, hostname at 11:7, rule at 13:7.
const std::string k_doc_httproute = R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: shop
  namespace: shop
spec:
  parentRefs:
    - name: public
      namespace: gateway
  hostnames:
    - shop.example.com
  rules:
    - backendRefs:
        - name: keda-add-ons-http-interceptor-proxy
          namespace: keda
          port: 8080
)";

// Gateway API, step 2. from[0] at 8:7, to[0] at 12:7 (relative to the document).
const std::string k_doc_grant = R"(apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata:
  name: allow-httproute-to-interceptor
  namespace: keda
spec:
  from:
    - group: gateway.networking.k8s.io
      kind: HTTPRoute
      namespace: shop
  to:
    - group: ""
      kind: Service
      name: keda-add-ons-http-interceptor-proxy
)";

// Ingress in the interceptor namespace. backend at 15:15, host at 9:13.
const std::string k_doc_ingress = R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  namespace: keda
spec:
  ingressClassName: nginx
  rules:
    - host: shop.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: keda-add-ons-http-interceptor-proxy
                port:
                  number: 8080
)";

// Ingress in another namespace: the ExternalName bridge (externalName at 8:17)...
const std::string k_doc_bridge = R"(apiVersion: v1
kind: Service
metadata:
  name: shop-proxy
  namespace: shop
spec:
  type: ExternalName
  externalName: keda-add-ons-http-interceptor-proxy.keda.svc.cluster.local
  ports:
    - port: 8080
)";

// ... and the Ingress naming it. backend at 15:15.
const std::string k_doc_ingress_other = R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  namespace: shop
spec:
  ingressClassName: nginx
  rules:
    - host: shop.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: shop-proxy
                port:
                  number: 8080
)";

// Istio. destination at 14:13, http route at 12:7, host at 8:7.
const std::string k_doc_vs = R"(apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: shop
  namespace: shop
spec:
  hosts:
    - shop.example.com
  gateways:
    - istio-ingress/public
  http:
    - route:
        - destination:
            host: keda-add-ons-http-interceptor-proxy.keda.svc.cluster.local
            port:
              number: 8080
)";

// The InterceptorRoute the docs pair with them (autoscale-an-app.md). host at 12:11.
const std::string k_ir = R"(apiVersion: http.keda.sh/v1beta1
kind: InterceptorRoute
metadata:
  name: shop
  namespace: shop
spec:
  target:
    service: shop
    port: 8080
  rules:
    - hosts:
        - shop.example.com
  scalingMetric:
    concurrency:
      targetValue: 100
)";

// An InterceptorRoute shop/shop (target Service shop:8080) with `rules` as its
// spec.rules block (indented for that position, "    - hosts: ..."); rules start on line 11.
std::string
interceptor_route(std::string_view rules, std::string_view name = "shop")
{
  return "apiVersion: http.keda.sh/v1beta1\n"
         "kind: InterceptorRoute\n"
         "metadata:\n"
         "  name: "
         + std::string(name)
         + "\n"
           "  namespace: shop\n"
           "spec:\n"
           "  target:\n"
           "    service: shop\n"
           "    port: 8080\n"
           "  rules:\n"
         + std::string(rules)
         + "  scalingMetric:\n"
           "    concurrency:\n"
           "      targetValue: 100\n";
}

// An HTTPRoute shop/shop attached to gateway/public. `hostnames` is the
// spec.hostnames block (may be empty), `rules` the spec.rules items.
// Lines 1-9 are fixed; with the default one hostname, the rules start on line 13.
std::string
http_route(std::string_view rules, std::string_view hostnames = "  hostnames:\n    - shop.example.com\n",
           std::string_view ns = "shop")
{
  return "apiVersion: gateway.networking.k8s.io/v1\n"
         "kind: HTTPRoute\n"
         "metadata:\n"
         "  name: shop\n"
         "  namespace: "
         + std::string(ns)
         + "\n"
           "spec:\n"
           "  parentRefs:\n"
           "    - name: public\n"
           "      namespace: gateway\n"
         + std::string(hostnames) + "  rules:\n" + std::string(rules);
}

// A backendRef item to the interceptor at `port` (indented for http_route rules).
std::string
to_interceptor(std::string_view port = "8080", std::string_view extra = {})
{
  return "        - name: keda-add-ons-http-interceptor-proxy\n"
         "          namespace: keda\n"
         "          port: "
         + std::string(port) + "\n" + std::string(extra);
}

// A ReferenceGrant `name` in `ns`; `from` and `to` are the item blocks.
std::string
grant(std::string_view ns, std::string_view from, std::string_view to,
      std::string_view name = "allow-httproute-to-interceptor")
{
  return "apiVersion: gateway.networking.k8s.io/v1beta1\n"
         "kind: ReferenceGrant\n"
         "metadata:\n"
         "  name: "
         + std::string(name) + "\n  namespace: " + std::string(ns) + "\nspec:\n  from:\n" + std::string(from)
         + "  to:\n" + std::string(to);
}

const std::string k_from_shop =
  "    - group: gateway.networking.k8s.io\n      kind: HTTPRoute\n      namespace: shop\n";
const std::string k_to_interceptor =
  "    - group: \"\"\n      kind: Service\n      name: keda-add-ons-http-interceptor-proxy\n";

// An Ingress shop in `ns` for shop.example.com with one Prefix "/" path whose
// backend Service is `service` and whose `port` block is given ("number: 8080").
// The backend is at 14:15, the host at 8:13, the path at 11:13.
std::string
ingress(std::string_view ns, std::string_view service, std::string_view port = "number: 8080",
        std::string_view host = "shop.example.com", std::string_view path = "/")
{
  return "apiVersion: networking.k8s.io/v1\n"
         "kind: Ingress\n"
         "metadata:\n"
         "  name: shop\n"
         "  namespace: "
         + std::string(ns)
         + "\n"
           "spec:\n"
           "  rules:\n"
           "    - host: "
         + std::string(host)
         + "\n"
           "      http:\n"
           "        paths:\n"
           "          - path: "
         + std::string(path)
         + "\n"
           "            pathType: Prefix\n"
           "            backend:\n"
           "              service:\n"
           "                name: "
         + std::string(service)
         + "\n"
           "                port:\n"
           "                  "
         + std::string(port) + "\n";
}

// An ExternalName Service `name` in namespace shop pointing at `target`;
// externalName at 8:17, `ports` is the item block ("    - port: 8080\n").
std::string
external_name(std::string_view target, std::string_view ports = "    - port: 8080\n",
              std::string_view name = "shop-proxy")
{
  return "apiVersion: v1\n"
         "kind: Service\n"
         "metadata:\n"
         "  name: "
         + std::string(name)
         + "\n"
           "  namespace: shop\n"
           "spec:\n"
           "  type: ExternalName\n"
           "  externalName: "
         + std::string(target) + "\n" + (ports.empty() ? std::string() : "  ports:\n" + std::string(ports));
}

// A VirtualService shop/shop bound to istio-ingress/public; `http` is the block of
// spec.http items, which start on line 12.
std::string
virtual_service(std::string_view http, std::string_view hosts = "    - shop.example.com\n",
                std::string_view ns = "shop")
{
  return "apiVersion: networking.istio.io/v1\n"
         "kind: VirtualService\n"
         "metadata:\n"
         "  name: shop\n"
         "  namespace: "
         + std::string(ns) + "\nspec:\n  hosts:\n" + std::string(hosts)
         + "  gateways:\n    - istio-ingress/public\n  http:\n" + std::string(http);
}

// A destination item (for virtual_service http routes) with `host` and an optional port.
std::string
destination(std::string_view host, std::string_view port = "8080", std::string_view weight = {})
{
  std::string out = "        - destination:\n            host: " + std::string(host) + "\n";
  if (!port.empty()) {
    out += "            port:\n              number: " + std::string(port) + "\n";
  }
  if (!weight.empty()) {
    out += "          weight: " + std::string(weight) + "\n";
  }
  return out;
}

const std::string k_fqdn = "keda-add-ons-http-interceptor-proxy.keda.svc.cluster.local";

std::string
docs(std::initializer_list<std::string> documents)
{
  std::string out;
  for (const std::string& document : documents) {
    if (!out.empty()) {
      out += "---\n";
    }
    out += document;
  }
  return out;
}

// The only finding with `code` (others may exist).
Diagnostic
the(const Result& result, std::string_view code)
{
  INFO(describe(result));
  const auto all = findings(result, code);
  REQUIRE(all.size() == 1);
  return all[0];
}

// The only finding of the whole result, which must have `code`.
Diagnostic
only(const Result& result, std::string_view code)
{
  INFO(describe(result));
  REQUIRE(result.diagnostics.size() == 1);
  REQUIRE(result.diagnostics[0].code == code);
  return result.diagnostics[0];
}

void
check_finding(const Diagnostic& d, Severity severity, const std::string& object, const std::string& path, int line,
              int column, const std::string& message)
{
  CHECK(d.severity == severity);
  CHECK(d.object.friendly() == object);
  CHECK(d.path == path);
  CHECK(d.mark.line == line);
  CHECK(d.mark.column == column);
  CHECK(d.message == message);
}

void
require_none(const Result& result)
{
  INFO(describe(result));
  CHECK(result.diagnostics.empty());
}

void
require_no(const Result& result, std::string_view code)
{
  INFO(describe(result));
  CHECK(findings(result, code).empty());
}

const std::string k_kh301_text =
  "HTTPRoute shop/shop: reference to Service keda/keda-add-ons-http-interceptor-proxy is not permitted by any "
  "ReferenceGrant in namespace \"keda\" (ResolvedRefs=False, RefNotPermitted) - add a ReferenceGrant in \"keda\" "
  "from {group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: shop} to {group: \"\", kind: Service, name: "
  "keda-add-ons-http-interceptor-proxy}";

} // namespace

// --- the documented set-ups ---

TEST_CASE("wiring: the KEDA doc's manifests with an InterceptorRoute give no finding at all", "[wiring]")
{
  SECTION("Gateway API: HTTPRoute + ReferenceGrant in keda")
  {
    require_none(validate_yaml(docs({k_doc_httproute, k_doc_grant, k_ir})));
  }
  SECTION("Gateway API: HTTPRoute in keda needs no ReferenceGrant")
  {
    std::string route = k_doc_httproute;
    route.replace(route.find("namespace: shop"), 15, "namespace: keda");
    require_none(validate_yaml(docs({route, k_ir})));
  }
  SECTION("Ingress in keda")
  {
    require_none(validate_yaml(docs({k_doc_ingress, k_ir})));
  }
  SECTION("Ingress in another namespace with the ExternalName bridge")
  {
    require_none(validate_yaml(docs({k_doc_bridge, k_doc_ingress_other, k_ir})));
  }
  SECTION("Istio VirtualService")
  {
    require_none(validate_yaml(docs({k_doc_vs, k_ir})));
  }
  SECTION("all four together, in any order")
  {
    require_none(validate_yaml(docs({k_ir, k_doc_vs, k_doc_ingress_other, k_doc_grant, k_doc_bridge, k_doc_ingress,
                                     k_doc_httproute})));
  }
  SECTION("the routes alone (InterceptorRoutes applied separately) are clean too")
  {
    require_none(validate_yaml(docs({k_doc_httproute, k_doc_grant, k_doc_ingress, k_doc_bridge, k_doc_ingress_other,
                                     k_doc_vs})));
  }
  SECTION("the InterceptorRoute alone is clean (KH343 needs a route in the input)")
  {
    require_none(validate_yaml(k_ir));
  }
  SECTION("the checked-in examples are the same manifests")
  {
    const Result result = validate_yaml(docs({k_doc_httproute, k_doc_grant, k_ir}));
    CHECK(result.objects == 3);
    CHECK(result.skipped == 0);
  }
}

// --- Gateway API grants ---

TEST_CASE("wiring KH302: cross-namespace backendRef and no ReferenceGrant in the input", "[wiring]")
{
  const auto d = only(validate_yaml(docs({k_doc_httproute, k_ir})), "KH302");
  check_finding(d, Severity::warning, "HTTPRoute shop/shop", "spec.rules[0].backendRefs[0]", 14, 11,
                "no ReferenceGrant found in the input: " + k_kh301_text + " (it may already exist in the cluster)");

  SECTION("any cross-namespace Service needs one, not only the interceptor")
  {
    const Result result = validate_yaml(http_route("    - backendRefs:\n"
                                                   "        - name: billing\n"
                                                   "          namespace: billing\n"
                                                   "          port: 80\n"));
    const auto other = only(result, "KH302");
    check_finding(other, Severity::warning, "HTTPRoute shop/shop", "spec.rules[0].backendRefs[0]", 14, 11,
                  "no ReferenceGrant found in the input: HTTPRoute shop/shop: reference to Service billing/billing is "
                  "not permitted by any ReferenceGrant in namespace \"billing\" (ResolvedRefs=False, "
                  "RefNotPermitted) - add a ReferenceGrant in \"billing\" from {group: gateway.networking.k8s.io, "
                  "kind: HTTPRoute, namespace: shop} to {group: \"\", kind: Service, name: billing} (it may already "
                  "exist in the cluster)");
  }
  SECTION("a backendRef namespace equal to the route's needs none")
  {
    require_none(validate_yaml(http_route("    - backendRefs:\n        - name: web\n          namespace: shop\n"
                                          "          port: 80\n")));
  }
  SECTION("a mirror to another namespace needs one too")
  {
    const Result result = validate_yaml(docs({http_route("    - backendRefs:\n" + to_interceptor()
                                                         + "      filters:\n"
                                                           "        - type: RequestMirror\n"
                                                           "          requestMirror:\n"
                                                           "            backendRef:\n"
                                                           "              name: shadow\n"
                                                           "              namespace: staging\n"
                                                           "              port: 8080\n"),
                                              k_doc_grant, k_ir}));
    const auto mirror = only(result, "KH301");
    CHECK(mirror.path == "spec.rules[0].filters[0].requestMirror.backendRef");
    CHECK(mirror.mark.line == 21);
    CHECK(mirror.message.find("reference to Service staging/shadow is not permitted") != std::string::npos);
  }
}

TEST_CASE("wiring KH301: ReferenceGrants in the input, but none permits the reference", "[wiring]")
{
  // The route is the first document: its backendRef is at 14:11.
  auto kh301 = [](const Result& result) {
    const auto d = the(result, "KH301");
    check_finding(d, Severity::error, "HTTPRoute shop/shop", "spec.rules[0].backendRefs[0]", 14, 11, k_kh301_text);
    require_no(result, "KH302");
  };
  SECTION("the documented grant permits it")
  {
    const Result result = validate_yaml(docs({k_doc_httproute, k_doc_grant, k_ir}));
    require_no(result, "KH301");
    require_no(result, "KH302");
  }
  SECTION("a grant without to.name permits it (every Service)")
  {
    const Result result = validate_yaml(
      docs({k_doc_httproute, grant("keda", k_from_shop, "    - group: \"\"\n      kind: Service\n"), k_ir}));
    require_no(result, "KH301");
  }
  SECTION("a grant among several entries permits it (entries are ORed)")
  {
    const Result result = validate_yaml(
      docs({k_doc_httproute,
            grant("keda",
                  "    - {group: gateway.networking.k8s.io, kind: GRPCRoute, namespace: shop}\n" + k_from_shop,
                  "    - {group: \"\", kind: Service, name: other}\n" + k_to_interceptor),
            k_ir}));
    require_no(result, "KH301");
  }
  SECTION("grant in the route's namespace instead of keda")
  {
    const Result result = validate_yaml(docs({k_doc_httproute, grant("shop", k_from_shop, k_to_interceptor), k_ir}));
    kh301(result);
    CHECK(findings(result, "KH306").size() == 1);
  }
  SECTION("grant from another kind")
  {
    kh301(validate_yaml(docs(
      {k_doc_httproute,
       grant("keda", "    - group: gateway.networking.k8s.io\n      kind: Gateway\n      namespace: shop\n",
             k_to_interceptor),
       k_ir})));
  }
  SECTION("grant from another namespace")
  {
    kh301(validate_yaml(docs(
      {k_doc_httproute,
       grant("keda", "    - group: gateway.networking.k8s.io\n      kind: HTTPRoute\n      namespace: web\n",
             k_to_interceptor),
       k_ir})));
  }
  SECTION("grant to group core")
  {
    const Result result = validate_yaml(
      docs({k_doc_httproute,
            grant("keda", k_from_shop,
                  "    - group: core\n      kind: Service\n      name: keda-add-ons-http-interceptor-proxy\n"),
            k_ir}));
    kh301(result);
    CHECK(findings(result, "KH304").size() == 1);
  }
  SECTION("grant to kind service (lowercase)")
  {
    const Result result = validate_yaml(
      docs({k_doc_httproute,
            grant("keda", k_from_shop,
                  "    - group: \"\"\n      kind: service\n      name: keda-add-ons-http-interceptor-proxy\n"),
            k_ir}));
    kh301(result);
    CHECK(findings(result, "KH304").size() == 1);
  }
  SECTION("grant to another Service")
  {
    kh301(validate_yaml(
      docs({k_doc_httproute, grant("keda", k_from_shop, "    - group: \"\"\n      kind: Service\n      name: shop\n"),
            k_ir})));
  }
  SECTION("grant for another route namespace does not help this one, even if it is the only grant")
  {
    const Result result = validate_yaml(
      docs({k_doc_httproute, grant("billing", "    - {group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: "
                                              "shop}\n",
                                   "    - {group: \"\", kind: Service, name: billing}\n", "billing-from-shop"),
            k_ir}));
    kh301(result);
  }
}

TEST_CASE("wiring KH303: a grant only Istio VirtualServices would use", "[wiring]")
{
  const Result result = validate_yaml(docs({k_doc_vs, k_doc_grant, k_ir}));
  const auto d = only(result, "KH303");
  check_finding(d, Severity::info, "ReferenceGrant keda/allow-httproute-to-interceptor", "", 18, 1,
                "ReferenceGrant keda/allow-httproute-to-interceptor is not needed: only Istio VirtualServices point at "
                "the interceptor, and they need no grant");

  SECTION("not reported when an HTTPRoute uses the grant")
  {
    require_no(validate_yaml(docs({k_doc_vs, k_doc_grant, k_doc_httproute, k_ir})), "KH303");
  }
  SECTION("not reported when nothing points at the interceptor")
  {
    require_none(validate_yaml(docs({k_doc_grant, k_ir})));
  }
}

TEST_CASE("wiring KH304: grant entries that can never permit HTTPRoute -> Service", "[wiring]")
{
  const std::string name = "ReferenceGrant keda/allow-httproute-to-interceptor";
  // With the grant first, its from[0] is at 8:7 and to[0] at 12:7.
  SECTION("to group core")
  {
    const auto d = the(validate_yaml(docs({grant("keda", k_from_shop,
                                                 "    - group: core\n      kind: Service\n"
                                                 "      name: keda-add-ons-http-interceptor-proxy\n"),
                                           k_doc_httproute, k_ir})),
                       "KH304");
    check_finding(d, Severity::warning, name, "spec.to[0]", 12, 7,
                  name + ": group \"core\" never matches a core Service (use group \"\" and kind \"Service\")");
  }
  SECTION("to group v1 without a name")
  {
    const auto d = the(validate_yaml(docs({grant("keda", k_from_shop, "    - group: v1\n      kind: Service\n"),
                                           k_doc_httproute, k_ir})),
                       "KH304");
    CHECK(d.message == name + ": group \"v1\" never matches a core Service (use group \"\" and kind \"Service\")");
  }
  SECTION("to kind Services")
  {
    const auto d = the(validate_yaml(docs({grant("keda", k_from_shop,
                                                 "    - group: \"\"\n      kind: Services\n"
                                                 "      name: keda-add-ons-http-interceptor-proxy\n"),
                                           k_doc_httproute, k_ir})),
                       "KH304");
    check_finding(d, Severity::warning, name, "spec.to[0]", 12, 7,
                  name + ": kind \"Services\" never matches a core Service (use group \"\" and kind \"Service\")");
  }
  SECTION("from kind in the wrong case")
  {
    const auto d = the(validate_yaml(docs({grant("keda",
                                                 "    - group: gateway.networking.k8s.io\n      kind: HttpRoute\n"
                                                 "      namespace: shop\n",
                                                 k_to_interceptor),
                                           k_doc_httproute, k_ir})),
                       "KH304");
    check_finding(d, Severity::warning, name, "spec.from[0]", 8, 7,
                  name + ": from {group: \"gateway.networking.k8s.io\", kind: \"HttpRoute\"} never matches an "
                         "HTTPRoute (use group gateway.networking.k8s.io and kind HTTPRoute)");
  }
  SECTION("from group core")
  {
    const auto d =
      the(validate_yaml(
            docs({grant("keda", "    - group: \"\"\n      kind: HTTPRoute\n      namespace: shop\n", k_to_interceptor),
                  k_doc_httproute, k_ir})),
          "KH304");
    CHECK(d.message == name + ": from {group: \"\", kind: \"HTTPRoute\"} never matches an HTTPRoute (use group "
                              "gateway.networking.k8s.io and kind HTTPRoute)");
  }
  SECTION("from the grant's own namespace")
  {
    const auto d = the(validate_yaml(docs({grant("keda",
                                                 "    - group: gateway.networking.k8s.io\n      kind: HTTPRoute\n"
                                                 "      namespace: keda\n",
                                                 k_to_interceptor),
                                           k_ir})),
                       "KH304");
    check_finding(d, Severity::warning, name, "spec.from[0]", 8, 7,
                  name + ": from.namespace equals the grant's own namespace; same-namespace references need no grant");
  }
  SECTION("the documented grant has none")
  {
    require_no(validate_yaml(docs({k_doc_grant, k_doc_httproute, k_ir})), "KH304");
  }
  SECTION("grants for other kinds are left alone")
  {
    require_none(
      validate_yaml(grant("certs", "    - {group: gateway.networking.k8s.io, kind: Gateway, namespace: gateway}\n",
                          "    - {group: \"\", kind: Secret, name: tls}\n", "gateway-to-secret")));
  }
}

TEST_CASE("wiring KH305: a grant in keda to every Service", "[wiring]")
{
  const std::string broad = grant("keda", k_from_shop, "    - group: \"\"\n      kind: Service\n");
  const auto d = only(validate_yaml(docs({broad, k_doc_httproute, k_ir})), "KH305");
  check_finding(
    d, Severity::warning, "ReferenceGrant keda/allow-httproute-to-interceptor", "spec.to[0]", 12, 7,
    "ReferenceGrant keda/allow-httproute-to-interceptor allows HTTPRoutes from \"shop\" to every Service in "
    "\"keda\"; set to[].name: keda-add-ons-http-interceptor-proxy");

  SECTION("one finding per HTTPRoute namespace, none for other from kinds")
  {
    const std::string mixed =
      grant("keda",
            k_from_shop + "    - {group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: web}\n"
              + "    - {group: gateway.networking.k8s.io, kind: Gateway, namespace: gateway}\n",
            "    - group: \"\"\n      kind: Service\n");
    const Result result = validate_yaml(docs({mixed, k_doc_httproute, k_ir}));
    const auto all = findings(result, "KH305");
    INFO(describe(result));
    REQUIRE(all.size() == 2);
    CHECK(all[0].message.find("from \"shop\"") != std::string::npos);
    CHECK(all[1].message.find("from \"web\"") != std::string::npos);
  }
  SECTION("not reported with to.name, or outside the interceptor namespace")
  {
    require_no(validate_yaml(docs({k_doc_grant, k_doc_httproute, k_ir})), "KH305");
    require_no(validate_yaml(grant("billing", k_from_shop, "    - group: \"\"\n      kind: Service\n")), "KH305");
  }
}

TEST_CASE("wiring KH306: a grant for the interceptor outside its namespace", "[wiring]")
{
  const std::string misplaced = grant("shop", k_from_shop, k_to_interceptor);
  const Result result = validate_yaml(docs({misplaced, k_doc_httproute, k_ir}));
  const auto d = the(result, "KH306");
  check_finding(d, Severity::error, "ReferenceGrant shop/allow-httproute-to-interceptor", "metadata.namespace", 1, 1,
                "ReferenceGrant shop/allow-httproute-to-interceptor grants access to "
                "keda-add-ons-http-interceptor-proxy but lives in \"shop\"; a grant only covers objects in its own "
                "namespace - move it to \"keda\"");
  // The route is not permitted either (grant in the wrong place), and the grant is pointless where it is.
  CHECK(findings(result, "KH301").size() == 1);
  CHECK(findings(result, "KH304").size() == 1);

  SECTION("the same grant in keda is fine")
  {
    require_no(validate_yaml(docs({k_doc_grant, k_doc_httproute, k_ir})), "KH306");
  }
}

TEST_CASE("wiring KH352: an ExternalName Service as HTTPRoute backend", "[wiring]")
{
  const std::string route = http_route("    - backendRefs:\n        - name: shop-proxy\n          port: 8080\n");
  const auto d = only(validate_yaml(docs({route, k_doc_bridge, k_ir})), "KH352");
  check_finding(d, Severity::warning, "HTTPRoute shop/shop", "spec.rules[0].backendRefs[0]", 14, 11,
                "HTTPRoute shop/shop: Service shop-proxy is type ExternalName; Gateway API implementations SHOULD NOT "
                "support it (CVE-2021-25740) - reference the interceptor with a ReferenceGrant instead");

  SECTION("a ClusterIP Service of that name is fine")
  {
    const std::string service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: shop-proxy\n  namespace: "
                                "shop\nspec:\n  selector: {app: shop}\n"
                                "  ports:\n    - port: 8080\n";
    require_none(validate_yaml(docs({route, service})));
  }
  SECTION("an ExternalName Service in another namespace is not the one referenced")
  {
    std::string bridge = k_doc_bridge;
    bridge.replace(bridge.find("namespace: shop"), 15, "namespace: web");
    require_none(validate_yaml(docs({route, bridge})));
  }
}

// --- ports ---

TEST_CASE("wiring KH310/KH311: the interceptor port", "[wiring]")
{
  SECTION("HTTPRoute port 80")
  {
    const auto d = only(
      validate_yaml(docs({http_route("    - backendRefs:\n" + to_interceptor("80")), k_doc_grant, k_ir})), "KH310");
    check_finding(d, Severity::error, "HTTPRoute shop/shop", "spec.rules[0].backendRefs[0]", 14, 11,
                  "HTTPRoute shop/shop: interceptor port is 80; the proxy listens on 8080");
  }
  SECTION("HTTPRoute port 8443 is the TLS port")
  {
    const auto d =
      only(validate_yaml(docs({http_route("    - backendRefs:\n" + to_interceptor("8443")), k_doc_grant, k_ir})),
           "KH311");
    check_finding(d, Severity::warning, "HTTPRoute shop/shop", "spec.rules[0].backendRefs[0]", 14, 11,
                  "HTTPRoute shop/shop: port 8443 is the interceptor TLS port; it only exists when "
                  "interceptor.tls.enabled and needs a TLS upstream");
  }
  SECTION("Ingress port number 80")
  {
    const auto d =
      only(validate_yaml(docs({ingress("keda", "keda-add-ons-http-interceptor-proxy", "number: 80"), k_ir})), "KH310");
    check_finding(d, Severity::error, "Ingress keda/shop", "spec.rules[0].http.paths[0].backend", 14, 15,
                  "Ingress keda/shop: interceptor port is 80; the proxy listens on 8080");
  }
  SECTION("Ingress port number 8443")
  {
    const auto d = only(
      validate_yaml(docs({ingress("keda", "keda-add-ons-http-interceptor-proxy", "number: 8443"), k_ir})), "KH311");
    CHECK(d.message == "Ingress keda/shop: port 8443 is the interceptor TLS port; it only exists when "
                       "interceptor.tls.enabled and needs a TLS upstream");
  }
  SECTION("Ingress port name proxy is 8080, proxy-tls is 8443, anything else is wrong")
  {
    require_none(validate_yaml(docs({ingress("keda", "keda-add-ons-http-interceptor-proxy", "name: proxy"), k_ir})));
    CHECK(
      only(validate_yaml(docs({ingress("keda", "keda-add-ons-http-interceptor-proxy", "name: proxy-tls"), k_ir})),
           "KH311")
        .message
      == "Ingress keda/shop: port 8443 is the interceptor TLS port; it only exists when interceptor.tls.enabled and "
         "needs a TLS upstream");
    const auto d =
      only(validate_yaml(docs({ingress("keda", "keda-add-ons-http-interceptor-proxy", "name: http"), k_ir})), "KH310");
    check_finding(d, Severity::error, "Ingress keda/shop", "spec.rules[0].http.paths[0].backend", 14, 15,
                  "Ingress keda/shop: interceptor port is \"http\"; the proxy listens on 8080 (port name \"proxy\")");
  }
  SECTION("VirtualService port 80 and 8443")
  {
    const auto d = only(validate_yaml(docs({virtual_service("    - route:\n" + destination(k_fqdn, "80")), k_ir})),
                        "KH310");
    check_finding(d, Severity::error, "VirtualService shop/shop", "spec.http[0].route[0].destination", 14, 13,
                  "VirtualService shop/shop: interceptor port is 80; the proxy listens on 8080");
    CHECK(only(validate_yaml(docs({virtual_service("    - route:\n" + destination(k_fqdn, "8443")), k_ir})), "KH311")
            .path
          == "spec.http[0].route[0].destination");
  }
  SECTION("the documented ports pass")
  {
    for (const Result& result : {validate_yaml(docs({k_doc_httproute, k_doc_grant, k_ir})),
                                 validate_yaml(docs({k_doc_ingress, k_ir})), validate_yaml(docs({k_doc_vs, k_ir}))}) {
      require_no(result, "KH310");
      require_no(result, "KH311");
    }
  }
}

TEST_CASE("wiring KH331: VirtualService destination without port", "[wiring]")
{
  const auto d =
    only(validate_yaml(docs({virtual_service("    - route:\n" + destination(k_fqdn, "")), k_ir})), "KH331");
  check_finding(d, Severity::warning, "VirtualService shop/shop", "spec.http[0].route[0].destination", 14, 13,
                "VirtualService shop/shop: no destination port; the interceptor Service exposes several ports when TLS "
                "is enabled (IST0112) - set port.number: 8080");
  require_no(validate_yaml(docs({k_doc_vs, k_ir})), "KH331");
}

// --- Ingress outside keda and the ExternalName bridge ---

TEST_CASE("wiring KH320: Ingress outside keda naming the interceptor directly", "[wiring]")
{
  const auto d = only(validate_yaml(docs({ingress("shop", "keda-add-ons-http-interceptor-proxy"), k_ir})), "KH320");
  check_finding(d, Severity::error, "Ingress shop/shop", "spec.rules[0].http.paths[0].backend", 14, 15,
                "Ingress shop/shop: Service keda-add-ons-http-interceptor-proxy does not exist in namespace \"shop\" "
                "(Ingress backends are namespace-local; the interceptor is in \"keda\") - put the Ingress in \"keda\" "
                "or add an ExternalName Service");

  SECTION("a bridge with the interceptor's name in the Ingress namespace is fine")
  {
    require_none(validate_yaml(docs({ingress("shop", "keda-add-ons-http-interceptor-proxy"),
                                     external_name(k_fqdn, "    - port: 8080\n", "keda-add-ons-http-interceptor-proxy"),
                                     k_ir})));
  }
  SECTION("the documented bridge is fine")
  {
    require_none(validate_yaml(docs({k_doc_ingress_other, k_doc_bridge, k_ir})));
  }
}

TEST_CASE("wiring KH321: ExternalName bridge pointing elsewhere", "[wiring]")
{
  SECTION("to the interceptor name in another namespace")
  {
    const std::string target = "keda-add-ons-http-interceptor-proxy.default.svc.cluster.local";
    const Result result = validate_yaml(docs({external_name(target), k_doc_ingress_other, k_ir}));
    const auto d = the(result, "KH321");
    check_finding(d, Severity::error, "Service shop/shop-proxy", "spec.externalName", 8, 17,
                  "Service shop/shop-proxy (ExternalName) used as interceptor bridge points to \"" + target + "\", not "
                    + k_fqdn);
    // Not the interceptor, so the route's hosts are not checked against the InterceptorRoutes.
    require_no(result, "KH340");
  }
  SECTION("to another host, for a host an InterceptorRoute matches")
  {
    const auto d = only(validate_yaml(docs({external_name("proxy.example.org"), k_doc_ingress_other, k_ir})), "KH321");
    CHECK(d.message == "Service shop/shop-proxy (ExternalName) used as interceptor bridge points to "
                       "\"proxy.example.org\", not "
                       + k_fqdn);
  }
  SECTION("to the InterceptorRoute's own target: KH313 as well")
  {
    const Result result =
      validate_yaml(docs({external_name("shop.shop.svc.cluster.local"), k_doc_ingress_other, k_ir}));
    INFO(describe(result));
    CHECK(findings(result, "KH321").size() == 1);
    const auto d = the(result, "KH313");
    check_finding(d, Severity::warning, "Ingress shop/shop", "spec.rules[0].http.paths[0].backend", 26, 15,
                  "Ingress shop/shop routes shop.example.com directly to Service shop, the target of InterceptorRoute "
                  "shop/shop; requests skip the interceptor and cannot wake a scaled-to-zero workload");
  }
  SECTION("an unrelated ExternalName backend for a host no InterceptorRoute matches is fine")
  {
    std::string other = k_doc_ingress_other;
    other.replace(other.find("shop.example.com"), 16, "blog.example.com");
    require_none(validate_yaml(docs({external_name("blog.example.org"), other, k_ir})));
  }
  SECTION("the trailing dot of a fully qualified name is accepted")
  {
    require_none(validate_yaml(docs({external_name(k_fqdn + "."), k_doc_ingress_other, k_ir})));
  }
}

TEST_CASE("wiring KH322: bridge with a short interceptor name", "[wiring]")
{
  for (const std::string target :
       {"keda-add-ons-http-interceptor-proxy.keda", "keda-add-ons-http-interceptor-proxy.keda.svc"}) {
    DYNAMIC_SECTION(target)
    {
      const auto d = only(validate_yaml(docs({external_name(target), k_doc_ingress_other, k_ir})), "KH322");
      check_finding(d, Severity::warning, "Service shop/shop-proxy", "spec.externalName", 8, 17,
                    "Service shop/shop-proxy: externalName \"" + target + "\" is not fully qualified; use \"" + k_fqdn
                      + "\" (CNAME targets are not expanded with search domains)");
    }
  }
  SECTION("reported once per bridge, however many Ingress paths use it")
  {
    std::string second = ingress("shop", "shop-proxy", "number: 8080", "shop.example.com", "/api");
    second.replace(second.find("name: shop\n"), 10, "name: shop-api");
    const Result result = validate_yaml(
      docs({external_name("keda-add-ons-http-interceptor-proxy.keda"), k_doc_ingress_other, second, k_ir}));
    INFO(describe(result));
    CHECK(findings(result, "KH322").size() == 1);
  }
}

TEST_CASE("wiring KH323: Ingress port through the bridge", "[wiring]")
{
  SECTION("port number other than 8080")
  {
    const auto d =
      only(validate_yaml(docs({ingress("shop", "shop-proxy", "number: 80"), k_doc_bridge, k_ir})), "KH323");
    check_finding(d, Severity::error, "Ingress shop/shop", "spec.rules[0].http.paths[0].backend", 14, 15,
                  "Ingress shop/shop: port 80 is not 8080, the interceptor proxy port");
  }
  SECTION("port name not declared by the bridge")
  {
    const auto d =
      only(validate_yaml(docs({ingress("shop", "shop-proxy", "name: http"), k_doc_bridge, k_ir})), "KH323");
    check_finding(d, Severity::error, "Ingress shop/shop", "spec.rules[0].http.paths[0].backend", 14, 15,
                  "Ingress shop/shop: port \"http\" is not declared by ExternalName Service shop-proxy");
  }
  SECTION("port name declared with another port")
  {
    const auto d = only(validate_yaml(docs({ingress("shop", "shop-proxy", "name: web"),
                                            external_name(k_fqdn, "    - name: web\n      port: 80\n"), k_ir})),
                        "KH323");
    CHECK(d.message == "Ingress shop/shop: port \"web\" of ExternalName Service shop-proxy is 80, not 8080");
  }
  SECTION("port name declared as 8080 passes")
  {
    require_none(validate_yaml(docs({ingress("shop", "shop-proxy", "name: proxy"),
                                     external_name(k_fqdn, "    - name: proxy\n      port: 8080\n"), k_ir})));
  }
  SECTION("the TLS port through the bridge is KH311, as without a bridge")
  {
    const auto d =
      only(validate_yaml(docs({ingress("shop", "shop-proxy", "number: 8443"), k_doc_bridge, k_ir})), "KH311");
    CHECK(d.message == "Ingress shop/shop: port 8443 is the interceptor TLS port; it only exists when "
                       "interceptor.tls.enabled and needs a TLS upstream");
  }
}

// --- Istio ---

TEST_CASE("wiring KH330: VirtualService host that is not the interceptor's FQDN", "[wiring]")
{
  SECTION("short name, expanded with the VirtualService's namespace")
  {
    const auto d = only(validate_yaml(docs({virtual_service("    - route:\n"
                                                            + destination("keda-add-ons-http-interceptor-proxy")),
                                            k_ir})),
                        "KH330");
    check_finding(d, Severity::error, "VirtualService shop/shop", "spec.http[0].route[0].destination", 14, 13,
                  "VirtualService shop/shop: host \"keda-add-ons-http-interceptor-proxy\" resolves to "
                  "\"keda-add-ons-http-interceptor-proxy.shop.svc.cluster.local\", not the interceptor; use \""
                    + k_fqdn + "\"");
  }
  SECTION("name.namespace is never expanded")
  {
    const auto d = only(validate_yaml(docs({virtual_service("    - route:\n"
                                                            + destination("keda-add-ons-http-interceptor-proxy.keda")),
                                            k_ir})),
                        "KH330");
    CHECK(d.message == "VirtualService shop/shop: host \"keda-add-ons-http-interceptor-proxy.keda\" resolves to "
                       "\"keda-add-ons-http-interceptor-proxy.keda\", not the interceptor; use \""
                         + k_fqdn + "\"");
  }
  SECTION("a short name in a VirtualService in keda resolves to the interceptor")
  {
    require_none(validate_yaml(
      docs({virtual_service("    - route:\n" + destination("keda-add-ons-http-interceptor-proxy"),
                            "    - shop.example.com\n", "keda"),
            k_ir})));
  }
}

// --- traffic that skips the interceptor ---

TEST_CASE("wiring KH312: a share of the traffic bypasses the interceptor", "[wiring]")
{
  SECTION("HTTPRoute weight split")
  {
    const std::string route = http_route("    - backendRefs:\n" + to_interceptor("8080", "          weight: 90\n")
                                         + "        - name: web\n          port: 80\n          weight: 10\n");
    const auto d = only(validate_yaml(docs({route, k_doc_grant, k_ir})), "KH312");
    check_finding(d, Severity::warning, "HTTPRoute shop/shop", "spec.rules[0]", 13, 7,
                  "HTTPRoute shop/shop: 10% of the traffic for shop.example.com does not go through the interceptor");
  }
  SECTION("HTTPRoute interceptor weight 0")
  {
    const std::string route = http_route("    - backendRefs:\n" + to_interceptor("8080", "          weight: 0\n")
                                         + "        - name: web\n          port: 80\n");
    const auto d = only(validate_yaml(docs({route, k_doc_grant, k_ir})), "KH312");
    CHECK(d.message == "HTTPRoute shop/shop: 100% of the traffic for shop.example.com does not go through the "
                       "interceptor");
  }
  SECTION("VirtualService weight split")
  {
    const std::string vs =
      virtual_service("    - route:\n" + destination(k_fqdn, "8080", "80") + destination("web", "80", "20"));
    const auto d = only(validate_yaml(docs({vs, k_ir})), "KH312");
    check_finding(d, Severity::warning, "VirtualService shop/shop", "spec.http[0]", 12, 7,
                  "VirtualService shop/shop: 20% of the traffic for shop.example.com does not go through the "
                  "interceptor");
  }
  SECTION("a mirror is a copy, not a split")
  {
    const std::string route = http_route("    - backendRefs:\n" + to_interceptor()
                                         + "      filters:\n        - type: RequestMirror\n          requestMirror:\n"
                                           "            backendRef:\n              name: shadow\n              port: "
                                           "8080\n");
    require_none(validate_yaml(docs({route, k_doc_grant, k_ir})));
  }
  SECTION("a weight-0 other backend takes nothing")
  {
    const std::string route = http_route("    - backendRefs:\n" + to_interceptor()
                                         + "        - name: web\n          port: 80\n          weight: 0\n");
    require_none(validate_yaml(docs({route, k_doc_grant, k_ir})));
  }
  SECTION("another rule to another backend is not a split")
  {
    const std::string route = http_route("    - backendRefs:\n" + to_interceptor()
                                         + "    - matches:\n        - path: {type: PathPrefix, value: /static}\n"
                                           "      backendRefs:\n        - name: web\n          port: 80\n");
    require_none(validate_yaml(docs({route, k_doc_grant, k_ir})));
  }
}

TEST_CASE("wiring KH313: route straight to the InterceptorRoute's target Service", "[wiring]")
{
  const std::string message = " routes shop.example.com directly to Service shop, the target of InterceptorRoute "
                              "shop/shop; requests skip the interceptor and cannot wake a scaled-to-zero workload";
  SECTION("HTTPRoute")
  {
    const auto d =
      only(validate_yaml(docs({http_route("    - backendRefs:\n        - name: shop\n          port: 8080\n"), k_ir})),
           "KH313");
    check_finding(d, Severity::warning, "HTTPRoute shop/shop", "spec.rules[0].backendRefs[0]", 14, 11,
                  "HTTPRoute shop/shop" + message);
  }
  SECTION("HTTPRoute weight split between the interceptor and the target: KH312 and KH313")
  {
    const std::string route = http_route("    - backendRefs:\n" + to_interceptor()
                                         + "        - name: shop\n          port: 8080\n");
    const Result result = validate_yaml(docs({route, k_doc_grant, k_ir}));
    CHECK(the(result, "KH312").message
          == "HTTPRoute shop/shop: 50% of the traffic for shop.example.com does not go through the interceptor");
    CHECK(the(result, "KH313").path == "spec.rules[0].backendRefs[1]");
    CHECK(result.diagnostics.size() == 2);
  }
  SECTION("Ingress")
  {
    const auto d = only(validate_yaml(docs({ingress("shop", "shop"), k_ir})), "KH313");
    check_finding(d, Severity::warning, "Ingress shop/shop", "spec.rules[0].http.paths[0].backend", 14, 15,
                  "Ingress shop/shop" + message);
  }
  SECTION("VirtualService, by short name and by FQDN")
  {
    for (const char* host : {"shop", "shop.shop.svc.cluster.local"}) {
      const auto d = only(validate_yaml(docs({virtual_service("    - route:\n" + destination(host)), k_ir})), "KH313");
      check_finding(d, Severity::warning, "VirtualService shop/shop", "spec.http[0].route[0].destination", 14, 13,
                    "VirtualService shop/shop" + message);
    }
  }
  SECTION("a Service of the same name in another namespace is not the target")
  {
    require_none(validate_yaml(docs({ingress("web", "shop"), k_ir})));
    require_none(
      validate_yaml(docs({virtual_service("    - route:\n" + destination("shop.web.svc.cluster.local")), k_ir})));
  }
  SECTION("a Service that is no InterceptorRoute's target is fine")
  {
    require_none(validate_yaml(docs({ingress("shop", "web"), k_ir})));
  }
}

TEST_CASE("wiring KH324: rewrites before the interceptor", "[wiring]")
{
  SECTION("HTTPRoute URLRewrite hostname: the interceptor sees the rewritten host")
  {
    const std::string route = http_route("    - backendRefs:\n" + to_interceptor()
                                         + "      filters:\n        - type: URLRewrite\n          urlRewrite:\n"
                                           "            hostname: internal.example.com\n");
    const Result result = validate_yaml(docs({route, k_doc_grant, k_ir}));
    const auto d = the(result, "KH324");
    check_finding(d, Severity::warning, "HTTPRoute shop/shop", "spec.rules[0].filters[0].urlRewrite.hostname", 20, 23,
                  "HTTPRoute shop/shop: URLRewrite hostname rewrites the host to \"internal.example.com\" before the "
                  "interceptor; InterceptorRoutes must match the rewritten value");
    const auto host = the(result, "KH340");
    CHECK(host.message == "HTTPRoute shop/shop sends host \"internal.example.com\" to the interceptor but no "
                          "InterceptorRoute matches it (the interceptor answers 404)");
    CHECK(host.mark.line == 20);
    // shop.example.com itself never reaches the interceptor.
    CHECK(the(result, "KH343").message.find("\"shop.example.com\"") != std::string::npos);
  }
  SECTION("HTTPRoute URLRewrite hostname to a host an InterceptorRoute matches")
  {
    const std::string route = http_route("    - backendRefs:\n" + to_interceptor()
                                         + "      filters:\n        - type: URLRewrite\n          urlRewrite:\n"
                                           "            hostname: shop.example.com\n",
                                         "  hostnames:\n    - www.shop.example.com\n");
    only(validate_yaml(docs({route, k_doc_grant, k_ir})), "KH324");
  }
  SECTION("nginx rewrite-target annotation")
  {
    std::string yaml = k_doc_ingress;
    yaml.replace(yaml.find("  namespace: keda\n"), 17,
                 "  namespace: keda\n  annotations:\n    nginx.ingress.kubernetes.io/rewrite-target: /\n");
    const auto d = only(validate_yaml(docs({yaml, k_ir})), "KH324");
    check_finding(d, Severity::warning, "Ingress keda/shop",
                  "metadata.annotations.nginx.ingress.kubernetes.io/rewrite-target", 7, 5,
                  "Ingress keda/shop: annotation nginx.ingress.kubernetes.io/rewrite-target rewrites the path to \"/\" "
                  "before the interceptor; InterceptorRoutes must match the rewritten value");
  }
  SECTION("VirtualService rewrite.authority")
  {
    const std::string vs = virtual_service("    - route:\n" + destination(k_fqdn)
                                           + "      rewrite:\n        authority: shop.example.com\n",
                                           "    - www.shop.example.com\n");
    const auto d = only(validate_yaml(docs({vs, k_ir})), "KH324");
    check_finding(d, Severity::warning, "VirtualService shop/shop", "spec.http[0].rewrite.authority", 18, 20,
                  "VirtualService shop/shop: rewrite.authority rewrites the host to \"shop.example.com\" before the "
                  "interceptor; InterceptorRoutes must match the rewritten value");
  }
  SECTION("VirtualService rewrite.uri")
  {
    const std::string vs =
      virtual_service("    - route:\n" + destination(k_fqdn) + "      rewrite:\n        uri: /v2/\n");
    CHECK(only(validate_yaml(docs({vs, k_ir})), "KH324").message
          == "VirtualService shop/shop: rewrite.uri rewrites the path to \"/v2/\" before the interceptor; "
             "InterceptorRoutes must match the rewritten value");
  }
  SECTION("rewrites on routes that do not reach the interceptor are not ours")
  {
    const std::string route = http_route("    - backendRefs:\n        - name: web\n          port: 80\n"
                                         "      filters:\n        - type: URLRewrite\n          urlRewrite:\n"
                                         "            hostname: internal.example.com\n");
    require_none(validate_yaml(docs({route, k_ir})));
  }
}

// --- hosts and paths ---

TEST_CASE("wiring KH340: route host no InterceptorRoute matches", "[wiring]")
{
  SECTION("HTTPRoute")
  {
    std::string route = k_doc_httproute;
    route.replace(route.find("shop.example.com"), 16, "shop.example.org");
    const Result result = validate_yaml(docs({route, k_doc_grant, k_ir}));
    const auto d = the(result, "KH340");
    check_finding(d, Severity::warning, "HTTPRoute shop/shop", "spec.hostnames[0]", 11, 7,
                  "HTTPRoute shop/shop sends host \"shop.example.org\" to the interceptor but no InterceptorRoute "
                  "matches it (the interceptor answers 404)");
    CHECK(the(result, "KH343").severity == Severity::info);
    CHECK(result.diagnostics.size() == 2);
  }
  SECTION("Ingress")
  {
    const auto d = the(validate_yaml(docs({ingress("keda", "keda-add-ons-http-interceptor-proxy", "number: 8080",
                                                   "blog.example.com"),
                                           k_ir})),
                       "KH340");
    check_finding(
      d, Severity::warning, "Ingress keda/shop", "spec.rules[0].host", 8, 13,
      "Ingress keda/shop sends host \"blog.example.com\" to the interceptor but no InterceptorRoute matches "
      "it (the interceptor answers 404)");
  }
  SECTION("VirtualService")
  {
    const auto d = the(validate_yaml(docs({virtual_service("    - route:\n" + destination(k_fqdn),
                                                           "    - blog.example.com\n"),
                                           k_ir})),
                       "KH340");
    check_finding(d, Severity::warning, "VirtualService shop/shop", "spec.hosts[0]", 8, 7,
                  "VirtualService shop/shop sends host \"blog.example.com\" to the interceptor but no InterceptorRoute "
                  "matches it (the interceptor answers 404)");
  }
  SECTION("matching is case-sensitive")
  {
    const Result result =
      validate_yaml(docs({k_doc_httproute, k_doc_grant, interceptor_route("    - hosts: [Shop.example.com]\n")}));
    CHECK(the(result, "KH340").path == "spec.hostnames[0]");
    CHECK(the(result, "KH344").path == "spec.rules[0].hosts[0]");
  }
  SECTION("an InterceptorRoute without rules contributes nothing")
  {
    const std::string empty = "apiVersion: http.keda.sh/v1beta1\nkind: InterceptorRoute\nmetadata:\n  name: shop\n"
                              "  namespace: shop\nspec:\n  target: {service: shop, port: 8080}\n"
                              "  scalingMetric:\n    concurrency: {targetValue: 100}\n";
    CHECK(only(validate_yaml(docs({k_doc_httproute, k_doc_grant, empty})), "KH340").path == "spec.hostnames[0]");
    CHECK(only(validate_yaml(docs({k_doc_httproute, k_doc_grant, interceptor_route("    []\n")})), "KH340").path
          == "spec.hostnames[0]");
  }
  SECTION("a port in an InterceptorRoute host is stripped")
  {
    require_none(validate_yaml(
      docs({k_doc_httproute, k_doc_grant, interceptor_route("    - hosts: [\"shop.example.com:8080\"]\n")})));
  }
  SECTION("an InterceptorRoute wildcard matches any depth")
  {
    require_none(validate_yaml(docs({k_doc_httproute, k_doc_grant, interceptor_route("    - hosts: [\"*.com\"]\n")})));
  }
  SECTION("an InterceptorRoute wildcard does not match the bare domain")
  {
    std::string route = k_doc_httproute;
    route.replace(route.find("shop.example.com"), 16, "example.com");
    CHECK(the(validate_yaml(docs({route, k_doc_grant, interceptor_route("    - hosts: [\"*.example.com\"]\n")})),
              "KH340")
            .message
          == "HTTPRoute shop/shop sends host \"example.com\" to the interceptor but no InterceptorRoute matches it "
             "(the interceptor answers 404)");
  }
  SECTION("catch-alls: \"*\", \"\", a rule without hosts, \"*:8080\"")
  {
    std::string route = k_doc_httproute;
    route.replace(route.find("shop.example.com"), 16, "anything.example.net");
    for (const char* rules : {"    - hosts: [\"*\"]\n", "    - hosts: [\"\"]\n", "    - paths: [{value: /}]\n",
                              "    - hosts: [\"*:8080\"]\n", "    - {}\n"}) {
      const Result result = validate_yaml(docs({route, k_doc_grant, interceptor_route(rules)}));
      INFO(rules);
      require_none(result);
    }
  }
  SECTION("an HTTPScaledObject counts as an InterceptorRoute")
  {
    const std::string hso = "apiVersion: http.keda.sh/v1alpha1\nkind: HTTPScaledObject\nmetadata:\n  name: shop\n"
                            "  namespace: shop\nspec:\n  hosts: [shop.example.com]\n"
                            "  scaleTargetRef: {name: shop, service: shop, port: 8080}\n";
    require_none(validate_yaml(docs({k_doc_httproute, k_doc_grant, hso})));
    std::string route = k_doc_httproute;
    route.replace(route.find("shop.example.com"), 16, "blog.example.com");
    CHECK(only(validate_yaml(docs({route, k_doc_grant, hso})), "KH340").path == "spec.hostnames[0]");
  }
}

TEST_CASE("wiring --require-interceptorroutes: hosts are checked even without InterceptorRoutes", "[wiring]")
{
  Options options;
  options.require_interceptorroutes = true;
  SECTION("without the flag the routes alone are clean")
  {
    require_none(validate_yaml(docs({k_doc_httproute, k_doc_grant})));
  }
  SECTION("with the flag every host is KH340")
  {
    const Result result = validate_yaml(docs({k_doc_httproute, k_doc_grant, k_doc_ingress, k_doc_vs}), options);
    INFO(describe(result));
    const auto all = findings(result, "KH340");
    REQUIRE(all.size() == 3);
    CHECK(result.diagnostics.size() == 3);
    check_finding(all[0], Severity::warning, "HTTPRoute shop/shop", "spec.hostnames[0]", 11, 7,
                  "HTTPRoute shop/shop sends host \"shop.example.com\" to the interceptor but no InterceptorRoute "
                  "matches it (the interceptor answers 404)");
    CHECK(all[1].object.kind == "Ingress");
    CHECK(all[2].object.kind == "VirtualService");
  }
  SECTION("with the flag a route without hostnames is KH342")
  {
    CHECK(only(validate_yaml(docs({http_route("    - backendRefs:\n" + to_interceptor(), ""), k_doc_grant}), options),
               "KH342")
            .path
          == "spec.rules[0]");
  }
  SECTION("with the flag and matching InterceptorRoutes nothing changes")
  {
    require_none(validate_yaml(docs({k_doc_httproute, k_doc_grant, k_ir}), options));
  }
}

TEST_CASE("wiring KH341: route wildcard only partly matched", "[wiring]")
{
  const std::string two = interceptor_route("    - hosts: [b.example.com, a.example.com]\n");
  std::string route = k_doc_httproute;
  route.replace(route.find("shop.example.com"), 16, "\"*.example.com\"");
  SECTION("HTTPRoute wildcard, exact InterceptorRoute hosts below it")
  {
    const auto d = only(validate_yaml(docs({route, k_doc_grant, two})), "KH341");
    check_finding(
      d, Severity::warning, "HTTPRoute shop/shop", "spec.hostnames[0]", 11, 7,
      "HTTPRoute shop/shop sends \"*.example.com\" to the interceptor; only a.example.com, b.example.com are "
      "matched by InterceptorRoutes");
  }
  SECTION("a narrower InterceptorRoute wildcard is a partial match too")
  {
    const auto d =
      only(validate_yaml(docs({route, k_doc_grant, interceptor_route("    - hosts: [\"*.eu.example.com\"]\n")})),
           "KH341");
    CHECK(d.message
          == "HTTPRoute shop/shop sends \"*.example.com\" to the interceptor; only *.eu.example.com are matched "
             "by InterceptorRoutes");
  }
  SECTION("covered by the same or a broader wildcard")
  {
    require_none(validate_yaml(
      docs({route, k_doc_grant, interceptor_route("    - hosts: [\"*.example.com\", a.example.com]\n")})));
    require_none(validate_yaml(docs({route, k_doc_grant, interceptor_route("    - hosts: [\"*.com\"]\n")})));
  }
  SECTION("no InterceptorRoute host below it: KH340")
  {
    CHECK(the(validate_yaml(docs({route, k_doc_grant, interceptor_route("    - hosts: [a.example.org]\n")})), "KH340")
            .message
          == "HTTPRoute shop/shop sends host \"*.example.com\" to the interceptor but no InterceptorRoute matches it "
             "(the interceptor answers 404)");
  }
  SECTION("an Ingress wildcard covers one label: deeper InterceptorRoute hosts are not partial matches")
  {
    const std::string wildcard =
      ingress("keda", "keda-add-ons-http-interceptor-proxy", "number: 8080", "\"*.example.com\"");
    const auto d = the(
      validate_yaml(docs({wildcard, interceptor_route("    - hosts: [a.example.com, x.eu.example.com]\n")})), "KH341");
    CHECK(d.message
          == "Ingress keda/shop sends \"*.example.com\" to the interceptor; only a.example.com are matched by "
             "InterceptorRoutes");
    const Result deep = validate_yaml(docs({wildcard, interceptor_route("    - hosts: [x.eu.example.com]\n")}));
    CHECK(the(deep, "KH340").path == "spec.rules[0].host");
    CHECK(the(deep, "KH343").message.find("\"x.eu.example.com\"") != std::string::npos);
  }
  SECTION("an Ingress wildcard is still covered by the same InterceptorRoute wildcard")
  {
    require_none(validate_yaml(docs({ingress("keda", "keda-add-ons-http-interceptor-proxy", "number: 8080",
                                             "\"*.example.com\""),
                                     interceptor_route("    - hosts: [\"*.example.com\"]\n")})));
  }
}

TEST_CASE("wiring KH342: route for all hosts without a catch-all InterceptorRoute", "[wiring]")
{
  const std::string all_hosts = http_route("    - backendRefs:\n" + to_interceptor(), "");
  SECTION("HTTPRoute without hostnames")
  {
    const auto d = only(validate_yaml(docs({all_hosts, k_doc_grant, k_ir})), "KH342");
    check_finding(d, Severity::warning, "HTTPRoute shop/shop", "spec.rules[0]", 11, 7,
                  "HTTPRoute shop/shop has no hostnames (all hosts) but no InterceptorRoute has a catch-all rule");
  }
  SECTION("Ingress rule without host")
  {
    std::string yaml = k_doc_ingress;
    yaml.replace(yaml.find("    - host: shop.example.com\n      http:"), 40, "    - http:");
    const auto d = only(validate_yaml(docs({yaml, k_ir})), "KH342");
    check_finding(d, Severity::warning, "Ingress keda/shop", "spec.rules[0]", 9, 7,
                  "Ingress keda/shop has no hostnames (all hosts) but no InterceptorRoute has a catch-all rule");
  }
  SECTION("Ingress defaultBackend")
  {
    const std::string yaml =
      "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: shop\n  namespace: keda\n"
      "spec:\n  defaultBackend:\n    service:\n      name: keda-add-ons-http-interceptor-proxy\n"
      "      port: {number: 8080}\n";
    const auto d = only(validate_yaml(docs({yaml, k_ir})), "KH342");
    CHECK(d.path == "spec.defaultBackend");
    CHECK(d.mark.line == 8);
  }
  SECTION("VirtualService host \"*\" takes every host")
  {
    const auto d = only(
      validate_yaml(docs({virtual_service("    - route:\n" + destination(k_fqdn), "    - \"*\"\n"), k_ir})), "KH342");
    check_finding(d, Severity::warning, "VirtualService shop/shop", "spec.http[0]", 12, 7,
                  "VirtualService shop/shop has no hostnames (all hosts) but no InterceptorRoute has a catch-all rule");
  }
  SECTION("a catch-all InterceptorRoute rule covers it")
  {
    for (const char* rules : {"    - hosts: [\"*\"]\n", "    - hosts: [\"\"]\n", "    - {}\n",
                              "    - hosts: [\"*:8080\", shop.example.com]\n", "    - hosts: [\":80\"]\n"}) {
      INFO(rules);
      require_none(validate_yaml(docs({all_hosts, k_doc_grant, interceptor_route(rules)})));
      require_none(validate_yaml(
        docs({virtual_service("    - route:\n" + destination(k_fqdn), "    - \"*\"\n"), interceptor_route(rules)})));
    }
  }
  SECTION("an HTTPScaledObject without hosts or with \"*\" is a catch-all")
  {
    for (const char* hosts : {"", "  hosts: [\"*\"]\n", "  hosts: [\"\"]\n"}) {
      INFO(hosts);
      const std::string hso = "apiVersion: http.keda.sh/v1alpha1\nkind: HTTPScaledObject\nmetadata:\n  name: shop\n"
                              "  namespace: shop\nspec:\n"
                              + std::string(hosts) + "  scaleTargetRef: {name: shop, service: shop, port: 8080}\n";
      require_none(validate_yaml(docs({all_hosts, k_doc_grant, hso})));
    }
  }
}

TEST_CASE("wiring KH343: InterceptorRoute host no route sends to the interceptor", "[wiring]")
{
  const std::string ir = interceptor_route("    - hosts:\n        - shop.example.com\n        - admin.example.com\n");
  SECTION("reported as info at the host")
  {
    const auto d = only(validate_yaml(docs({ir, k_doc_httproute, k_doc_grant})), "KH343");
    check_finding(d, Severity::info, "InterceptorRoute shop/shop", "spec.rules[0].hosts[1]", 13, 11,
                  "InterceptorRoute shop/shop host \"admin.example.com\" is not routed to the interceptor by any "
                  "HTTPRoute/Ingress/VirtualService in the input");
  }
  SECTION("not without a route to the interceptor in the input")
  {
    require_none(validate_yaml(ir));
    require_none(
      validate_yaml(docs({ir, http_route("    - backendRefs:\n        - name: web\n          port: 80\n")})));
  }
  SECTION("not when some route takes every host")
  {
    require_none(validate_yaml(docs({ir, k_doc_httproute, k_doc_grant, interceptor_route("    - {}\n", "fallback"),
                                     http_route("    - backendRefs:\n" + to_interceptor(), "", "web"),
                                     grant("keda",
                                           "    - {group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: "
                                           "web}\n",
                                           k_to_interceptor, "allow-web")})));
  }
  SECTION("reached through any route kind, or through a route wildcard")
  {
    require_none(
      validate_yaml(docs({ir, k_doc_httproute, k_doc_grant,
                          virtual_service("    - route:\n" + destination(k_fqdn), "    - admin.example.com\n")})));
    // (the wildcard itself is only partly matched: KH341, but both hosts are reached)
    require_no(validate_yaml(docs({ir, http_route("    - backendRefs:\n" + to_interceptor(),
                                                  "  hostnames:\n    - \"*.example.com\"\n"),
                                   k_doc_grant})),
               "KH343");
  }
  SECTION("an InterceptorRoute wildcard reached by an exact route host")
  {
    require_none(
      validate_yaml(docs({interceptor_route("    - hosts: [\"*.example.com\"]\n"), k_doc_httproute, k_doc_grant})));
  }
  SECTION("catch-all hosts are never reported")
  {
    require_none(validate_yaml(docs(
      {interceptor_route("    - hosts: [shop.example.com]\n    - hosts: [\"*\"]\n"), k_doc_httproute, k_doc_grant})));
  }
}

TEST_CASE("wiring KH345: route path no InterceptorRoute rule matches", "[wiring]")
{
  const std::string api_only =
    interceptor_route("    - hosts: [shop.example.com]\n      paths:\n        - value: /api\n");
  auto route_with_path = [](const std::string& type, const std::string& value) {
    return http_route("    - matches:\n        - path:\n            type: " + type + "\n            value: " + value
                      + "\n      backendRefs:\n" + to_interceptor());
  };
  SECTION("HTTPRoute PathPrefix outside the InterceptorRoute prefix")
  {
    const auto d = only(validate_yaml(docs({route_with_path("PathPrefix", "/web"), k_doc_grant, api_only})), "KH345");
    check_finding(d, Severity::warning, "HTTPRoute shop/shop", "spec.rules[0].matches[0].path", 15, 13,
                  "HTTPRoute shop/shop: requests for shop.example.com/web reach the interceptor but no "
                  "InterceptorRoute rule for that host matches the path");
  }
  SECTION("prefixes are segment-wise: /api covers /api/x, not /apix")
  {
    require_none(validate_yaml(docs({route_with_path("PathPrefix", "/api/x"), k_doc_grant, api_only})));
    require_none(validate_yaml(docs({route_with_path("Exact", "/api"), k_doc_grant, api_only})));
    CHECK(only(validate_yaml(docs({route_with_path("PathPrefix", "/apix"), k_doc_grant, api_only})), "KH345").message
          == "HTTPRoute shop/shop: requests for shop.example.com/apix reach the interceptor but no InterceptorRoute "
             "rule for that host matches the path");
  }
  SECTION("a route prefix broader than the InterceptorRoute's")
  {
    CHECK(only(validate_yaml(docs({route_with_path("PathPrefix", "/"), k_doc_grant, api_only})), "KH345").message
          == "HTTPRoute shop/shop: requests for shop.example.com/ reach the interceptor but no InterceptorRoute rule "
             "for that host matches the path");
  }
  SECTION("a rule without matches sends every path (defaulted to PathPrefix /), located at the rule")
  {
    const auto d = only(validate_yaml(docs({k_doc_httproute, k_doc_grant, api_only})), "KH345");
    check_finding(d, Severity::warning, "HTTPRoute shop/shop", "spec.rules[0].matches[0].path", 13, 7,
                  "HTTPRoute shop/shop: requests for shop.example.com/ reach the interceptor but no InterceptorRoute "
                  "rule for that host matches the path");
  }
  SECTION("regular expressions are not analysed")
  {
    require_none(validate_yaml(docs({route_with_path("RegularExpression", "/web/.*"), k_doc_grant, api_only})));
  }
  SECTION("another rule for the same host, a wildcard or a catch-all may cover the path")
  {
    for (const char* extra : {"    - hosts: [shop.example.com]\n      paths: [{value: /web}]\n",
                              "    - hosts: [\"*.example.com\"]\n", "    - paths: [{value: /}]\n"}) {
      INFO(extra);
      const std::string ir = interceptor_route("    - hosts: [shop.example.com]\n      paths: [{value: /api}]\n"
                                               + std::string(extra));
      require_none(validate_yaml(docs({route_with_path("PathPrefix", "/web"), k_doc_grant, ir})));
    }
  }
  SECTION("an InterceptorRoute rule without paths covers every path")
  {
    require_none(validate_yaml(docs({route_with_path("PathPrefix", "/web"), k_doc_grant, k_ir})));
  }
  SECTION("Ingress path")
  {
    const auto d = only(validate_yaml(docs({ingress("keda", "keda-add-ons-http-interceptor-proxy", "number: 8080",
                                                    "shop.example.com", "/web"),
                                            api_only})),
                        "KH345");
    check_finding(d, Severity::warning, "Ingress keda/shop", "spec.rules[0].http.paths[0]", 11, 13,
                  "Ingress keda/shop: requests for shop.example.com/web reach the interceptor but no InterceptorRoute "
                  "rule for that host matches the path");
  }
  SECTION("VirtualService uri prefix")
  {
    const std::string vs =
      virtual_service("    - match:\n        - uri:\n            prefix: /web\n      route:\n" + destination(k_fqdn));
    const auto d = only(validate_yaml(docs({vs, api_only})), "KH345");
    check_finding(d, Severity::warning, "VirtualService shop/shop", "spec.http[0].match[0].uri", 14, 21,
                  "VirtualService shop/shop: requests for shop.example.com/web reach the interceptor but no "
                  "InterceptorRoute rule for that host matches the path");
    const std::string api = virtual_service("    - match:\n        - uri:\n            prefix: /api/v1\n      route:\n"
                                            + destination(k_fqdn));
    require_none(validate_yaml(docs({api, api_only})));
  }
  SECTION("paths are not analysed after a path rewrite")
  {
    const std::string vs = virtual_service("    - match:\n        - uri:\n            prefix: /web\n      route:\n"
                                           + destination(k_fqdn) + "      rewrite:\n        uri: /api\n");
    CHECK(only(validate_yaml(docs({vs, api_only})), "KH324").path == "spec.http[0].rewrite.uri");
  }
}

// --- what counts as the interceptor ---

TEST_CASE("wiring: --interceptor-* and --cluster-domain decide what the interceptor is", "[wiring]")
{
  Options options;
  options.interceptor_service = "http-proxy";
  options.interceptor_namespace = "keda-system";
  options.interceptor_port = 9090;
  options.interceptor_tls_port = 9443;
  options.cluster_domain = "corp.internal";
  const std::string fqdn = "http-proxy.keda-system.svc.corp.internal";

  SECTION("the documented shapes with the configured names pass")
  {
    const std::string route = http_route("    - backendRefs:\n        - name: http-proxy\n"
                                         "          namespace: keda-system\n          port: 9090\n");
    const std::string grant_ks = grant("keda-system", k_from_shop,
                                       "    - group: \"\"\n      kind: Service\n      name: http-proxy\n");
    const std::string ing = ingress("keda-system", "http-proxy", "number: 9090");
    const std::string bridge = external_name(fqdn, "    - port: 9090\n");
    const std::string ing_other = ingress("shop", "shop-proxy", "number: 9090");
    const std::string vs = virtual_service("    - route:\n" + destination(fqdn, "9090"));
    require_none(validate_yaml(docs({route, grant_ks, ing, bridge, ing_other, vs, k_ir}), options));
  }
  SECTION("the default names are then not the interceptor")
  {
    // An uncovered host shows whether a route counts as reaching the interceptor.
    std::string route = k_doc_httproute;
    route.replace(route.find("shop.example.com"), 16, "blog.example.com");
    require_no(validate_yaml(docs({route, k_doc_grant, k_ir}), options), "KH340");
    CHECK(the(validate_yaml(docs({route, k_doc_grant, k_ir})), "KH340").path == "spec.hostnames[0]");
  }
  SECTION("--interceptor-namespace: an Ingress in keda is now outside the interceptor namespace")
  {
    Options ns_only;
    ns_only.interceptor_namespace = "keda-system";
    const auto d = only(validate_yaml(docs({k_doc_ingress, k_ir}), ns_only), "KH320");
    CHECK(d.message == "Ingress keda/shop: Service keda-add-ons-http-interceptor-proxy does not exist in namespace "
                       "\"keda\" (Ingress backends are namespace-local; the interceptor is in \"keda-system\") - put "
                       "the Ingress in \"keda-system\" or add an ExternalName Service");
  }
  SECTION("--interceptor-port and --interceptor-tls-port")
  {
    Options ports;
    ports.interceptor_port = 9090;
    ports.interceptor_tls_port = 9443;
    CHECK(only(validate_yaml(docs({k_doc_httproute, k_doc_grant, k_ir}), ports), "KH310").message
          == "HTTPRoute shop/shop: interceptor port is 8080; the proxy listens on 9090");
    CHECK(only(validate_yaml(docs({http_route("    - backendRefs:\n" + to_interceptor("9443")), k_doc_grant, k_ir}),
                             ports),
               "KH311")
            .message
          == "HTTPRoute shop/shop: port 9443 is the interceptor TLS port; it only exists when interceptor.tls.enabled "
             "and needs a TLS upstream");
    // Port name "proxy" is the proxy port, whatever its number.
    require_none(
      validate_yaml(docs({ingress("keda", "keda-add-ons-http-interceptor-proxy", "name: proxy"), k_ir}), ports));
    CHECK(only(validate_yaml(docs({k_doc_ingress, k_ir}), ports), "KH310").message
          == "Ingress keda/shop: interceptor port is 8080; the proxy listens on 9090");
  }
  SECTION("--interceptor-service: the grant names another Service")
  {
    Options service;
    service.interceptor_service = "http-proxy";
    const Result result = validate_yaml(
      docs({http_route(
              "    - backendRefs:\n        - name: http-proxy\n          namespace: keda\n          port: 8080\n"),
            k_doc_grant, k_ir}),
      service);
    CHECK(the(result, "KH301").message.find("reference to Service keda/http-proxy is not permitted")
          != std::string::npos);
  }
  SECTION("--cluster-domain: the doc's FQDN is no longer the interceptor")
  {
    Options domain;
    domain.cluster_domain = "corp.internal";
    CHECK(only(validate_yaml(docs({k_doc_vs, k_ir}), domain), "KH330").message
          == "VirtualService shop/shop: host \"" + k_fqdn + "\" resolves to \"" + k_fqdn
               + "\", not the interceptor; use \"keda-add-ons-http-interceptor-proxy.keda.svc.corp.internal\"");
    CHECK(only(validate_yaml(docs({k_doc_bridge, k_doc_ingress_other, k_ir}), domain), "KH321").message
          == "Service shop/shop-proxy (ExternalName) used as interceptor bridge points to \"" + k_fqdn
               + "\", not keda-add-ons-http-interceptor-proxy.keda.svc.corp.internal");
    // The short forms do not depend on the domain.
    CHECK(only(validate_yaml(docs({external_name("keda-add-ons-http-interceptor-proxy.keda.svc"), k_doc_ingress_other,
                                   k_ir}),
                             domain),
               "KH322")
            .message.find("use \"keda-add-ons-http-interceptor-proxy.keda.svc.corp.internal\"")
          != std::string::npos);
  }
  SECTION("--default-namespace places objects without metadata.namespace")
  {
    Options ns;
    ns.default_namespace = "shop";
    std::string route = k_doc_httproute;
    route.erase(route.find("  namespace: shop\n"), 18);
    std::string ir = k_ir;
    ir.erase(ir.find("  namespace: shop\n"), 18);
    require_none(validate_yaml(docs({route, k_doc_grant, ir}), ns));
    // In "default" the grant (from namespace shop) does not apply.
    CHECK(the(validate_yaml(docs({route, k_doc_grant, ir})), "KH301").object.friendly() == "HTTPRoute default/shop");
  }
}
