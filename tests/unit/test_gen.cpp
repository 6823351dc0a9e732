#include <kedahttp/gen/gen.hpp>
#include <kedahttp/manifest/writer.hpp>

#include "testutil/manifests.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace kedahttp;
using testutil::canonical_objects;

namespace {

std::string
render(const std::vector<manifest::Node>& objects)
{
  return manifest::render_yaml_stream(objects);
}

// Generated output must pass `validate` with no finding at all (ScaledObjects are skipped: KH007).
void
require_no_finding(const std::string& yaml, const validate::Options& options = {})
{
  const auto result = testutil::validate_yaml(yaml, options);
  std::vector<core::Diagnostic> findings;
  for (const auto& d : result.diagnostics) {
    if (d.code != "KH007") {
      findings.push_back(d);
    }
  }
  INFO(yaml);
  INFO(testutil::describe(result));
  REQUIRE(findings.empty());
}

std::vector<std::string>
sorted(std::vector<std::string> items)
{
  std::sort(items.begin(), items.end());
  return items;
}

} // namespace

TEST_CASE("gen reproduces the KEDA Configure Ingress page: Gateway API")
{
  gen::HTTPRouteOptions options;
  options.name = "my-app";
  options.ns = "my-namespace";
  options.hosts = {"app.example.com"};
  options.gateway = "my-gateway";
  options.gateway_namespace = "gateway-system";
  const std::string doc = R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: my-app
  namespace: my-namespace
spec:
  parentRefs:
    - name: my-gateway
      namespace: gateway-system
  hostnames:
    - app.example.com
  rules:
    - backendRefs:
        - name: keda-add-ons-http-interceptor-proxy
          namespace: keda
          port: 8080
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata:
  name: allow-httproute-to-interceptor
  namespace: keda
spec:
  from:
    - group: gateway.networking.k8s.io
      kind: HTTPRoute
      namespace: my-namespace
  to:
    - group: ""
      kind: Service
      name: keda-add-ons-http-interceptor-proxy
)";
  const std::string yaml = render(gen::http_route(options));
  CHECK(sorted(canonical_objects(yaml)) == sorted(canonical_objects(doc)));
  require_no_finding(yaml);

  SECTION("no ReferenceGrant when the route lives in the interceptor namespace")
  {
    options.ns = "keda";
    const auto objects = gen::http_route(options);
    REQUIRE(objects.size() == 1);
    CHECK(objects[0].find("kind")->value == "HTTPRoute");
    require_no_finding(render(objects));
  }
}

TEST_CASE("gen reproduces the KEDA Configure Ingress page: Ingress")
{
  gen::IngressOptions options;
  options.name = "my-app";
  options.ns = "keda";
  options.hosts = {"app.example.com"};
  const std::string doc = R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: my-app
  namespace: keda
spec:
  rules:
    - host: app.example.com
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
  const std::string yaml = render(gen::ingress(options));
  CHECK(canonical_objects(yaml) == canonical_objects(doc));
  require_no_finding(yaml);
}

TEST_CASE("gen reproduces the KEDA docs' ExternalName bridge for an Ingress in another namespace")
{
  gen::IngressOptions options;
  options.name = "my-app";
  options.ns = "my-namespace";
  options.hosts = {"app.example.com"};
  const std::string bridge = R"(apiVersion: v1
kind: Service
metadata:
  name: my-app-proxy
  namespace: my-namespace
spec:
  type: ExternalName
  externalName: keda-add-ons-http-interceptor-proxy.keda.svc.cluster.local
  ports:
    - port: 8080
)";
  const auto objects = gen::ingress(options);
  REQUIRE(objects.size() == 2);
  CHECK(canonical_objects(manifest::render_yaml(objects[0])) == canonical_objects(bridge));
  const manifest::Node& backend = *objects[1].find("spec")->find("rules")->items[0].find("http")->find("paths")->items[0].find("backend");
  CHECK(backend.find("service")->find("name")->value == "my-app-proxy");
  CHECK(objects[1].find("metadata")->find("namespace")->value == "my-namespace");
  require_no_finding(render(objects));
}

TEST_CASE("gen reproduces the KEDA Configure Ingress page: Istio")
{
  gen::VirtualServiceOptions options;
  options.name = "my-app";
  options.ns = "my-namespace";
  options.hosts = {"app.example.com"};
  options.gateways = {"istio-system/my-gateway"};
  const std::string doc = R"(apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: my-app
  namespace: my-namespace
spec:
  hosts:
    - app.example.com
  gateways:
    - istio-system/my-gateway
  http:
    - route:
        - destination:
            host: keda-add-ons-http-interceptor-proxy.keda.svc.cluster.local
            port:
              number: 8080
)";
  const std::string yaml = render(gen::virtual_service(options));
  CHECK(canonical_objects(yaml) == canonical_objects(doc));
  CHECK(yaml.find("ReferenceGrant") == std::string::npos);
  require_no_finding(yaml);
}

TEST_CASE("gen reproduces the KEDA docs' InterceptorRoute and pairs a ScaledObject with it")
{
  gen::InterceptorRouteOptions ir;
  ir.name = "my-app";
  ir.ns = "my-namespace";
  ir.service = "my-service";
  ir.port = 80;
  ir.hosts = {"app.example.com"};
  const std::string doc = R"(apiVersion: http.keda.sh/v1beta1
kind: InterceptorRoute
metadata:
  name: my-app
  namespace: my-namespace
spec:
  target:
    service: my-service
    port: 80
  rules:
    - hosts:
        - app.example.com
  scalingMetric:
    concurrency:
      targetValue: 100
)";
  const std::string yaml = render(gen::interceptor_route(ir));
  CHECK(canonical_objects(yaml) == canonical_objects(doc));
  require_no_finding(yaml);

  gen::ScaledObjectOptions so;
  so.name = "my-app";
  so.ns = "my-namespace";
  so.target = "my-deployment";
  so.cooldown_period = 300;
  const std::string expected = R"(apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: my-app
  namespace: my-namespace
spec:
  scaleTargetRef:
    name: my-deployment
  minReplicaCount: 0
  maxReplicaCount: 10
  cooldownPeriod: 300
  triggers:
    - type: external-push
      metadata:
        scalerAddress: keda-add-ons-http-external-scaler.keda:9090
        interceptorRoute: my-app
)";
  CHECK(canonical_objects(render(gen::scaled_object(so))) == canonical_objects(expected));
}

TEST_CASE("gen output passes validate over combinations of options, with the InterceptorRoute it serves")
{
  const std::vector<std::string> namespaces = {"keda", "shop"};
  const std::vector<std::vector<std::string>> host_sets = {
    {}, {"shop.example.com"}, {"shop.example.com", "www.shop.example.com"}, {"*.shop.example.com"}};
  const std::vector<std::vector<std::string>> path_sets = {{}, {"/"}, {"/api"}, {"/api", "/static/v2"}};
  std::vector<validate::Options> interceptors(2);
  interceptors[1].interceptor_namespace = "http-addon";
  interceptors[1].interceptor_service = "interceptor";
  interceptors[1].interceptor_port = 9000;
  interceptors[1].cluster_domain = "corp.internal";

  int combinations = 0;
  for (const auto& interceptor : interceptors) {
    for (const auto& ns : namespaces) {
      for (const auto& hosts : host_sets) {
        for (const auto& paths : path_sets) {
          gen::InterceptorRouteOptions ir;
          ir.name = "shop";
          ir.ns = ns;
          ir.port = 8080;
          ir.service = "shop";
          ir.hosts = hosts;
          ir.paths = paths;
          const std::string route_yaml = render(gen::interceptor_route(ir));

          gen::HTTPRouteOptions hr;
          hr.name = "shop";
          hr.ns = ns;
          hr.hosts = hosts;
          hr.paths = paths;
          hr.gateway = "public";
          hr.gateway_namespace = ns == "keda" ? "" : "gateway";
          hr.interceptor = interceptor;
          require_no_finding(route_yaml + render(gen::http_route(hr)), interceptor);

          for (const std::string& ingress_ns : {interceptor.interceptor_namespace, std::string("shop")}) {
            gen::IngressOptions ing;
            ing.name = "shop";
            ing.ns = ingress_ns;
            ing.hosts = hosts;
            ing.paths = paths;
            ing.ingress_class = ns == "keda" ? "" : "nginx";
            ing.tls_secret = hosts.empty() ? "" : "shop-tls";
            ing.interceptor = interceptor;
            require_no_finding(route_yaml + render(gen::ingress(ing)), interceptor);
          }

          if (!hosts.empty()) {
            gen::VirtualServiceOptions vs;
            vs.name = "shop";
            vs.ns = ns;
            vs.hosts = hosts;
            vs.paths = paths;
            vs.gateways = {"istio-ingress/public"};
            vs.interceptor = interceptor;
            require_no_finding(route_yaml + render(gen::virtual_service(vs)), interceptor);
          }
          ++combinations;
        }
      }
    }
  }
  CHECK(combinations == 64);
}

TEST_CASE("gen interceptorroute covers the optional parts and stays valid")
{
  gen::InterceptorRouteOptions ir;
  ir.name = "api";
  ir.ns = "shop";
  ir.service = "api";
  ir.port_name = "http";
  ir.hosts = {"api.example.com", "*.api.example.com"};
  ir.paths = {"/v1"};
  ir.headers = {{"X-Tenant", std::string("blue")}, {"X-Canary", std::nullopt}};
  ir.request_rate = 50;
  ir.rate_window = "2m";
  ir.rate_granularity = "2s";
  ir.readiness_timeout = "45s";
  ir.request_timeout = "2m";
  ir.response_header_timeout = "30s";
  ir.placeholder_status = 503;
  ir.placeholder_body = "warming up";
  ir.fallback_service = "api-static";
  ir.fallback_port = 80;
  const std::string yaml = render(gen::interceptor_route(ir));
  require_no_finding(yaml);
  CHECK(yaml.find("requestRate:\n      targetValue: 50\n      window: 2m\n      granularity: 2s\n") != std::string::npos);
  CHECK(yaml.find("concurrency") == std::string::npos);
  CHECK(yaml.find("    - name: X-Canary\n") != std::string::npos);

  SECTION("a bad duration is caught by the same rule validate uses")
  {
    ir.readiness_timeout = "30 seconds";
    const auto result = testutil::validate_yaml(render(gen::interceptor_route(ir)));
    const auto kh350 = testutil::findings(result, "KH350");
    REQUIRE(kh350.size() == 1);
    CHECK(kh350[0].path == "spec.timeouts.readiness");
  }
}

TEST_CASE("gen renders byte-identical output for the same options")
{
  gen::HTTPRouteOptions options;
  options.name = "shop";
  options.ns = "shop";
  options.hosts = {"b.example.com", "a.example.com"};
  options.paths = {"/x", "/a"};
  options.gateway = "public";
  const std::string first = render(gen::http_route(options));
  const std::string second = render(gen::http_route(options));
  CHECK(first == second);
  // Hosts and paths keep the order they were given in.
  CHECK(first.find("b.example.com") < first.find("a.example.com"));
}

TEST_CASE("gen::from_objects routes existing InterceptorRoutes through the interceptor")
{
  manifest::LoadResult input;
  manifest::load_text(R"(apiVersion: http.keda.sh/v1beta1
kind: InterceptorRoute
metadata: {name: shop, namespace: shop}
spec:
  target: {service: shop, port: 8080}
  rules:
    - hosts: [shop.example.com]
      paths: [{value: /api}]
  scalingMetric: {concurrency: {targetValue: 10}}
---
apiVersion: http.keda.sh/v1beta1
kind: InterceptorRoute
metadata: {name: blog, namespace: blog}
spec:
  target: {service: blog, port: 80}
  rules:
    - hosts: [blog.example.com]
  scalingMetric: {concurrency: {targetValue: 10}}
)",
                      "in.yaml", input);
  gen::FromOptions options;
  options.target = gen::Target::http_route;
  options.http_route.gateway = "public";
  options.http_route.gateway_namespace = "gateway";
  std::vector<std::string> errors;
  const auto objects = gen::from_objects(input.objects, options, errors);
  REQUIRE(errors.empty());
  REQUIRE(objects.size() == 3);
  // One grant for both namespaces, first.
  CHECK(objects[0].find("kind")->value == "ReferenceGrant");
  CHECK(objects[0].find("spec")->find("from")->items.size() == 2);
  std::string all = render(objects);
  manifest::LoadResult reloaded;
  manifest::load_text(all, "out.yaml", reloaded);
  for (auto& object : input.objects) {
    reloaded.objects.push_back(object);
  }
  const auto result = validate::validate(reloaded, {});
  INFO(all);
  INFO(testutil::describe(result));
  CHECK(result.diagnostics.empty());
}

TEST_CASE("gen::from_objects migrates an Ingress that sends traffic straight to an app")
{
  manifest::LoadResult input;
  manifest::load_text(R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  namespace: shop
  annotations:
    cert-manager.io/cluster-issuer: letsencrypt
spec:
  ingressClassName: nginx
  tls:
    - hosts: [shop.example.com]
      secretName: shop-tls
  rules:
    - host: shop.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service: {name: shop, port: {number: 8080}}
          - path: /api
            pathType: Prefix
            backend:
              service: {name: shop-api, port: {name: http}}
)",
                      "in.yaml", input);
  gen::FromOptions options;
  options.target = gen::Target::ingress;
  std::vector<std::string> errors;
  const auto objects = gen::from_objects(input.objects, options, errors);
  REQUIRE(errors.empty());
  std::vector<std::string> kinds;
  for (const auto& object : objects) {
    kinds.push_back(object.find("kind")->value + " " + object.find("metadata")->find("name")->value);
  }
  CHECK(kinds
        == std::vector<std::string>{"Service shop-proxy", "Ingress shop", "InterceptorRoute shop", "ScaledObject shop",
                                    "InterceptorRoute shop-api", "ScaledObject shop-api"});
  const std::string yaml = render(objects);
  CHECK(yaml.find("cert-manager.io/cluster-issuer: letsencrypt") != std::string::npos);
  CHECK(yaml.find("secretName: shop-tls") != std::string::npos);
  CHECK(yaml.find("ingressClassName: nginx") != std::string::npos);
  CHECK(yaml.find("portName: http") != std::string::npos);
  require_no_finding(yaml);

  SECTION("an Ingress that already uses the interceptor is refused")
  {
    manifest::LoadResult done;
    manifest::load_text(render(objects), "done.yaml", done);
    std::vector<std::string> again;
    gen::from_objects(done.objects, options, again);
    REQUIRE(again.size() == 1);
    CHECK(again[0] == "Ingress shop/shop already routes through the interceptor");
  }
}

TEST_CASE("gen::from_objects migrates an HTTPRoute and keeps its parent Gateway")
{
  manifest::LoadResult input;
  manifest::load_text(R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: store, namespace: store}
spec:
  parentRefs: [{name: public, namespace: gateway}]
  hostnames: [store.example.com]
  rules:
    - matches: [{path: {type: PathPrefix, value: /cart}}]
      backendRefs: [{name: cart, port: 8080}]
)",
                      "in.yaml", input);
  gen::FromOptions options;
  options.target = gen::Target::http_route;
  std::vector<std::string> errors;
  const auto objects = gen::from_objects(input.objects, options, errors);
  REQUIRE(errors.empty());
  const std::string yaml = render(objects);
  CHECK(yaml.find("    - name: public\n      namespace: gateway\n") != std::string::npos);
  CHECK(yaml.find("value: /cart") != std::string::npos);
  require_no_finding(yaml);
}

TEST_CASE("manifest::render_yaml quotes exactly the strings a reader would misread")
{
  for (const std::string text : {"", "true", "no", "y", "NULL", "~", "8080", "0x1F", "1e3", "-1", ".5", "*.a.com",
                                 "a: b", "x #y", "#x", "- x", "&a", "!tag", "'q'", "\"q\"", " lead", "trail ", "@at",
                                 "%p", "{x}", "[x]", "a:"}) {
    INFO(text);
    CHECK_FALSE(manifest::plain_safe(text));
    manifest::Node root = manifest::Node::mapping();
    root.add("key", manifest::Node::scalar(text));
    manifest::LoadResult back;
    manifest::load_text(manifest::render_yaml(root), "x.yaml", back);
    REQUIRE(back.objects.size() == 1);
    CHECK(back.objects[0].root.find("key")->value == text);
    CHECK(back.objects[0].root.find("key")->scalar_type() == manifest::ScalarType::string);
  }
  for (const std::string text : {"shop", "app.example.com", "/api/v1", "keda-add-ons-http-interceptor-proxy",
                                 "gateway.networking.k8s.io/v1", "a:b", "x#y"}) {
    INFO(text);
    CHECK(manifest::plain_safe(text));
  }
}
