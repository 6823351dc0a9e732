// The request pipeline as decisions (spec/interceptor.md 3.1-3.8, 4.1, 5.1; section 10 items
// 5, 7, 9, 14, 15): route -> static route -> count -> placeholder -> hold -> forward, the
// timeouts, the status matrix, and a scenario driven in virtual time (decide -> park ->
// publish a new snapshot -> release or expire), the way `net` and `sim` drive the core.

#include <kedahttp/hold/hold_queue.hpp>
#include <kedahttp/proxy/pipeline.hpp>
#include <kedahttp/spec/legacy.hpp>
#include <kedahttp/util/duration.hpp>

#include "testutil/cluster.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

using namespace kedahttp;
using namespace kedahttp::proxy;
using namespace std::chrono_literals;
using testutil::at;

namespace {

// An InterceptorRoute `name` in "default" for host `<name>.example.com`; `extra` is more of
// its spec, indented by two spaces.
std::string
route_yaml(const std::string& name, const std::string& target, const std::string& extra = {})
{
  return "---\napiVersion: http.keda.sh/v1beta1\nkind: InterceptorRoute\nmetadata: {name: " + name
         + ", namespace: default}\nspec:\n  target: " + target
         + "\n  scalingMetric: {concurrency: {targetValue: 10}}\n  rules: [{hosts: [" + name + ".example.com]}]\n"
         + extra;
}

// Service `app` (http 80 -> 8080, metrics 9090) and Service `fallback` (web 8081).
const std::string k_services = R"(
---
apiVersion: v1
kind: Service
metadata: {name: app, namespace: default}
spec:
  ports:
    - {name: http, port: 80, targetPort: 8080}
    - {name: metrics, port: 9090, targetPort: 9090}
---
apiVersion: v1
kind: Service
metadata: {name: fallback, namespace: default}
spec:
  ports: [{name: web, port: 8081, targetPort: 8081}]
)";

// A ready EndpointSlice for `service` in "default", ports http 8080 and metrics 9090.
std::string
ready_slice(const std::string& service, const std::string& address = "10.0.0.1")
{
  return "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: " + service
         + "-abc\n  namespace: default\n  labels: {kubernetes.io/service-name: " + service
         + "}\naddressType: IPv4\nports: [{name: http, port: 8080}, {name: metrics, port: 9090}]\n"
           "endpoints: [{addresses: ["
         + address + "]}]\n";
}

const std::string k_fallback_ready = R"(
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: fallback-abc
  labels: {kubernetes.io/service-name: fallback}
ports: [{name: web, port: 8081}]
endpoints: [{addresses: [10.0.9.1]}]
)";

// The response as it goes on the wire.
std::string
wire(const SimpleResponse& response)
{
  std::string out;
  write_simple_response(out, response, false, false);
  return out;
}

const std::string k_404 = "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n"
                          "X-Content-Type-Options: nosniff\r\nContent-Length: 10\r\n\r\nNot Found\n";
const std::string k_500 = "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain; charset=utf-8\r\n"
                          "X-Content-Type-Options: nosniff\r\nContent-Length: 22\r\n\r\nInternal Server Error\n";
const std::string k_504 = "HTTP/1.1 504 Gateway Timeout\r\nContent-Type: text/plain; charset=utf-8\r\n"
                          "X-Content-Type-Options: nosniff\r\nContent-Length: 16\r\n\r\nGateway Timeout\n";

// A snapshot of `yaml` with its counters, and requests against it.
struct Fixture {
  queue::CounterRegistry registry;
  Settings settings;
  SnapshotPtr snapshot;

  explicit Fixture(const std::string& yaml) : snapshot(make_snapshot(testutil::state_ptr(yaml), registry)) {}

  Decision request(std::string_view host, std::string_view path, const std::vector<Field>& fields = {}) const
  {
    const RequestView view{"GET", host, path, fields};
    return decide(view, *snapshot, settings);
  }

  // "Concurrency/RequestCount" of route `key`, "-" when the registry has no such key.
  std::string counts(const std::string& key) const
  {
    const auto all = registry.snapshot();
    const auto it = all.find(key);
    return it == all.end() ? "-" : std::to_string(it->second.concurrency) + "/" + std::to_string(it->second.request_count);
  }
};

const char*
action_name(Action action)
{
  switch (action) {
  case Action::respond: return "respond";
  case Action::forward: return "forward";
  case Action::hold: return "hold";
  }
  return "?";
}

std::string
target_text(const ServiceTarget& target)
{
  return target.key() + ":" + std::to_string(target.port) + "/" + target.port_name;
}

// A decision in one line: "respond 404", "forward default/app:80/http static", "hold default/app:80/http".
std::string
summary(const Decision& decision)
{
  std::string out = action_name(decision.action);
  if (decision.action == Action::respond) {
    out += " " + std::to_string(decision.response.status);
  } else {
    out += " " + target_text(decision.target);
  }
  if (decision.static_forward) {
    out += " static";
  }
  if (decision.counter) {
    out += " counted";
  }
  return out;
}

} // namespace

// --- decide: routing and port resolution ---

TEST_CASE("proxy::decide no route: 404 Not Found, not counted (2.3)", "[proxy]")
{
  const Fixture f(route_yaml("app", "{service: app, port: 80}") + k_services + ready_slice("app"));
  for (const char* host : {"unknown.example.com", "", "APP.example.com"}) {
    DYNAMIC_SECTION("host '" << host << "'")
    {
      const Decision decision = f.request(host, "/");
      CHECK(decision.action == Action::respond);
      CHECK(wire(decision.response) == k_404);
      CHECK(decision.route == nullptr);
      CHECK(decision.counter == nullptr);
      CHECK(decision.reason == "no route");
    }
  }
  CHECK(f.counts("default/app") == "0/0");
}

TEST_CASE("proxy::decide port resolution (3.1): 500 for the target and the fallback, never counted", "[proxy]")
{
  struct Case {
    const char* name;
    std::string target;
    std::string extra;
    std::string expected; // summary
    std::string reason;
  };
  const std::string fallback_by_name = "  coldStart: {fallback: {service: {name: fallback, portName: web}}}\n";
  const std::vector<Case> cases = {
    {"portName not on the Service", "{service: app, portName: grpc}", "", "respond 500", "target port not found"},
    {"portName, Service missing", "{service: ghost, portName: http}", "", "respond 500", "target port not found"},
    {"neither port nor portName", "{service: app}", "", "respond 500", "target port not found"},
    {"fallback portName not on its Service", "{service: app, port: 80}",
     "  coldStart: {fallback: {service: {name: fallback, portName: grpc}}}\n", "respond 500",
     "fallback port not found"},
    {"fallback portName, Service missing", "{service: app, port: 80}",
     "  coldStart: {fallback: {service: {name: ghost, portName: web}}}\n", "respond 500", "fallback port not found"},
    {"fallback with neither", "{service: app, port: 80}", "  coldStart: {fallback: {service: {name: fallback}}}\n",
     "respond 500", "fallback port not found"},
    // What resolves:
    {"portName on the Service", "{service: app, portName: metrics}", "", "forward default/app:9090/metrics counted",
     "forward"},
    {"port number: the Service port's name is found", "{service: app, port: 80}", "",
     "forward default/app:80/http counted", "forward"},
    {"port number, Service missing: kept, no name", "{service: ghost, port: 8080}", "",
     "hold default/ghost:8080/ counted", "cold start"},
    {"port number not on the Service: kept, no name", "{service: app, port: 81}", "",
     "forward default/app:81/ counted", "forward"},
    {"fallback by name", "{service: app, port: 80}", fallback_by_name, "forward default/app:80/http counted",
     "forward"},
    {"fallback by number, Service missing", "{service: app, port: 80}",
     "  coldStart: {fallback: {service: {name: ghost, port: 7000}}}\n", "forward default/app:80/http counted",
     "forward"},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name)
    {
      const Fixture f(route_yaml("app", c.target, c.extra) + k_services + ready_slice("app"));
      const Decision decision = f.request("app.example.com", "/");
      CHECK(summary(decision) == c.expected);
      CHECK(decision.reason == c.reason);
      if (decision.action == Action::respond) {
        CHECK(wire(decision.response) == k_500);
        CHECK(decision.route != nullptr);
        CHECK(f.counts("default/app") == "0/0");
      } else {
        CHECK(f.counts("default/app") == "1/1");
      }
    }
  }
  SECTION("the fallback target is resolved on the decision")
  {
    const Fixture f(route_yaml("app", "{service: app, port: 80}", fallback_by_name) + k_services);
    const Decision decision = f.request("app.example.com", "/");
    REQUIRE(decision.fallback);
    CHECK(target_text(*decision.fallback) == "default/fallback:8081/web");
  }
  SECTION("a static route behind an unresolvable target is a 500 too (routing comes first)")
  {
    const Fixture f(route_yaml("app", "{service: app, portName: grpc}",
                               "  staticRoutes: [{rules: [{}], responseMode: Always, response: {body: ok}}]\n")
                    + k_services);
    CHECK(wire(f.request("app.example.com", "/").response) == k_500);
  }
}

// --- decide: static routes (3.2; 2.5 S1-S10) ---

TEST_CASE("proxy::decide static routes", "[proxy]")
{
  const std::string statics = R"(  staticRoutes:
    - rules: [{paths: [{value: /healthz}]}]
      response: {body: first}
    - rules: [{paths: [{value: /healthz}]}, {paths: [{value: /readyz}]}]
      response: {body: second}
    - rules: [{paths: [{value: /maintenance}]}, {paths: [{value: /api}], headers: [{name: X-Maintenance}]}]
      responseMode: Always
      response: {statusCode: 503, body: "down for maintenance", headers: {Custom-Header: test}}
    - rules: [{paths: [{value: /status}]}]
      responseMode: WhenUnavailable
      response: {statusCode: 503, bodyFromConfigMap: {name: pages, key: status.html}}
    - rules: [{paths: [{value: /empty}]}]
      response: {}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: pages
  labels: {http.keda.sh/response-body: "true"}
data:
  status.html: <h1>Down</h1>
)";
  struct Case {
    const char* path;
    std::vector<Field> fields;
    std::string expected;      // summary
    std::string response_wire; // when responding
  };
  const std::string first = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 5\r\n\r\nfirst";
  const std::string maintenance = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
                                  "Custom-Header: test\r\nContent-Length: 20\r\n\r\ndown for maintenance";
  const std::string status = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html; charset=utf-8\r\n"
                             "Content-Length: 13\r\n\r\n<h1>Down</h1>";
  const std::string empty = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  const std::string second = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 6\r\n\r\nsecond";

  SECTION("target not ready: every matching static route responds, first match wins")
  {
    const Fixture f(route_yaml("app", "{service: app, port: 80}", statics) + k_services);
    const std::vector<Case> cases = {
      {"/healthz", {}, "respond 200", first},
      {"/healthz/deep", {}, "respond 200", first},
      {"/readyz", {}, "respond 200", second},
      {"/maintenance", {}, "respond 503", maintenance},
      {"/api/x", {{"X-Maintenance", ""}}, "respond 503", maintenance},
      {"/status", {}, "respond 503", status},
      {"/empty", {}, "respond 200", empty},
      {"/api/x", {}, "hold default/app:80/http counted", ""},
      {"/healthzz", {}, "hold default/app:80/http counted", ""},
    };
    for (const Case& c : cases) {
      DYNAMIC_SECTION(c.path << " " << c.fields.size())
      {
        const Decision decision = f.request("app.example.com", c.path, c.fields);
        CHECK(summary(decision) == c.expected);
        if (!c.response_wire.empty()) {
          CHECK(wire(decision.response) == c.response_wire);
          CHECK(decision.reason == "static route");
        }
      }
    }
  }
  SECTION("target ready: WhenUnavailable forwards straight to the target (not counted), Always responds")
  {
    const Fixture f(route_yaml("app", "{service: app, port: 80}", statics) + k_services + ready_slice("app"));
    const std::vector<Case> cases = {
      {"/healthz", {}, "forward default/app:80/http static", ""},
      {"/readyz", {}, "forward default/app:80/http static", ""},
      {"/maintenance", {}, "respond 503", maintenance},
      {"/api/x", {{"X-Maintenance", "1"}}, "respond 503", maintenance},
      {"/status", {}, "forward default/app:80/http static", ""},
      {"/empty", {}, "forward default/app:80/http static", ""},
      {"/api/x", {}, "forward default/app:80/http counted", ""},
    };
    for (const Case& c : cases) {
      DYNAMIC_SECTION(c.path << " " << c.fields.size())
      {
        const Decision decision = f.request("app.example.com", c.path, c.fields);
        CHECK(summary(decision) == c.expected);
        if (!c.response_wire.empty()) {
          CHECK(wire(decision.response) == c.response_wire);
        }
        if (decision.static_forward) {
          CHECK(decision.reason == "static route, target ready");
        }
      }
    }
  }
  SECTION("static traffic is never counted")
  {
    Fixture f(route_yaml("app", "{service: app, port: 80}", statics) + k_services);
    for (const char* path : {"/healthz", "/maintenance", "/status", "/empty", "/readyz"}) {
      f.request("app.example.com", path);
    }
    CHECK(f.counts("default/app") == "0/0");
    f.snapshot = make_snapshot(testutil::state_ptr(route_yaml("app", "{service: app, port: 80}", statics) + k_services
                                                   + ready_slice("app")),
                               f.registry);
    f.request("app.example.com", "/healthz");
    f.request("app.example.com", "/maintenance");
    CHECK(f.counts("default/app") == "0/0");
  }
  SECTION("statusCode unset: 200 for a static route (S7), from YAML and built directly")
  {
    const Fixture f(route_yaml("app", "{service: app, port: 80}",
                               "  staticRoutes: [{rules: [{}], responseMode: Always, response: {body: hello}}]\n"));
    CHECK(wire(f.request("app.example.com", "/").response)
          == "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 5\r\n\r\nhello");
    spec::StaticResponse response;
    CHECK(render_static(response, 200, "/", "default", spec::ClusterState{}).status == 200);
    CHECK(render_static(response, 503, "/", "default", spec::ClusterState{}).status == 503);
  }
  SECTION("no static routes (S1) and an empty rule list never match")
  {
    spec::InterceptorRoute route;
    route.meta.name = "app";
    route.meta.ns = "default";
    route.target_service = "app";
    route.target_port.number = 80;
    route.rules.push_back({});
    spec::InterceptorRoute::StaticRoute never;
    never.mode = "Always";
    route.static_routes.push_back(never);
    auto state = std::make_shared<spec::ClusterState>();
    state->interceptor_routes.push_back(route);
    queue::CounterRegistry registry;
    const SnapshotPtr snapshot = make_snapshot(state, registry);
    const std::vector<Field> none;
    CHECK(summary(decide({"GET", "anything", "/x", none}, *snapshot, {})) == "hold default/app:80/ counted");
  }
}

// --- decide: counting (3.3) ---

TEST_CASE("proxy::decide counts only counted paths (3.3, 10.5)", "[proxy]")
{
  const std::string yaml =
    route_yaml("warm", "{service: app, port: 80}",
               "  staticRoutes: [{rules: [{paths: [{value: /static}]}], response: {body: s}},"
               " {rules: [{paths: [{value: /always}]}], responseMode: Always, response: {body: a}}]\n")
    + route_yaml("cold", "{service: cold, port: 80}")
    + route_yaml("placeholder", "{service: cold, port: 80}", "  coldStart: {placeholder: {response: {body: wait}}}\n")
    + route_yaml("broken-placeholder", "{service: cold, port: 80}",
                 "  coldStart: {placeholder: {response: {bodyFromConfigMap: {name: missing}}}}\n")
    + route_yaml("bad-port", "{service: app, portName: nope}") + k_services + ready_slice("app") + R"(
---
apiVersion: http.keda.sh/v1alpha1
kind: HTTPScaledObject
metadata: {name: legacy, namespace: default}
spec:
  hosts: [legacy.example.com]
  scaleTargetRef: {name: app, service: app, port: 80}
)";
  struct Case {
    const char* host;
    const char* path;
    const char* key;      // counter key ("" when none)
    bool counted;
    const char* expected; // summary without " counted"
  };
  const std::vector<Case> cases = {
    {"nobody.example.com", "/", "", false, "respond 404"},
    {"bad-port.example.com", "/", "default/bad-port", false, "respond 500"},
    {"warm.example.com", "/always", "default/warm", false, "respond 200"},
    {"warm.example.com", "/static", "default/warm", false, "forward default/app:80/http static"},
    {"warm.example.com", "/", "default/warm", true, "forward default/app:80/http"},
    {"cold.example.com", "/", "default/cold", true, "hold default/cold:80/"},
    {"placeholder.example.com", "/", "default/placeholder", true, "respond 503"},
    {"broken-placeholder.example.com", "/", "default/broken-placeholder", true, "respond 500"},
    {"legacy.example.com", "/x", "default/legacy", true, "forward default/app:80/http"},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.host << c.path)
    {
      Fixture f(yaml);
      const Decision decision = f.request(c.host, c.path);
      CHECK(summary(decision) == std::string(c.expected) + (c.counted ? " counted" : ""));
      if (*c.key) {
        CHECK(f.counts(c.key) == (c.counted ? "1/1" : "0/0"));
      }
      if (c.counted) {
        CHECK(decision.counter == f.registry.find(c.key).get());
        decision.counter->leave(); // the exchange ended
        CHECK(f.counts(c.key) == "0/1");
      }
    }
  }
}

// --- decide: placeholder (3.4, 3.7) ---

TEST_CASE("proxy::decide placeholder when the target is not ready", "[proxy]")
{
  const std::string pages = R"(
---
apiVersion: v1
kind: ConfigMap
metadata: {name: placeholder-pages, namespace: default}
data:
  index.html: <h1>Loading</h1>
  styles.css: "body{}"
  banner: plain words
---
apiVersion: v1
kind: ConfigMap
metadata: {name: elsewhere, namespace: other}
data:
  index.html: <p>other</p>
)";
  const auto placeholder = [](const std::string& response) {
    return "  coldStart: {placeholder: {response: " + response + "}}\n";
  };
  const std::string fallback = "  coldStart:\n    fallback: {service: {name: fallback, port: 8081}}\n"
                               "    placeholder: {response: {statusCode: 418, body: teapot}}\n";
  const std::string yaml =
    route_yaml("inline", "{service: cold, port: 80}", placeholder("{body: warming up}"))
    + route_yaml("configured", "{service: cold, port: 80}",
                 placeholder("{statusCode: 418, body: <h1>Loading</h1>, headers: {X-Custom: 'yes', retry-after: '5'}}"))
    + route_yaml("derived", "{service: cold, port: 80}",
                 placeholder("{statusCode: 418, bodyFromConfigMap: {name: placeholder-pages}}"))
    + route_yaml("explicit", "{service: cold, port: 80}",
                 placeholder("{bodyFromConfigMap: {name: placeholder-pages, key: styles.css}}"))
    + route_yaml("explicit-missing", "{service: cold, port: 80}",
                 placeholder("{bodyFromConfigMap: {name: placeholder-pages, key: nope.css}, headers: {X-Custom: 'yes'}}"))
    + route_yaml("no-map", "{service: cold, port: 80}", placeholder("{bodyFromConfigMap: {name: not-there}}"))
    + route_yaml("other-ns", "{service: cold, port: 80}", placeholder("{bodyFromConfigMap: {name: elsewhere}}"))
    + route_yaml("configured-type", "{service: cold, port: 80}",
                 placeholder("{bodyFromConfigMap: {name: placeholder-pages, key: styles.css}, "
                             "headers: {Content-Type: text/plain}}"))
    + route_yaml("no-extension", "{service: cold, port: 80}",
                 placeholder("{bodyFromConfigMap: {name: placeholder-pages, key: banner}}"))
    + route_yaml("with-fallback", "{service: cold, port: 80}", fallback)
    + route_yaml("ready", "{service: app, port: 80}", placeholder("{body: never}")) + k_services
    + ready_slice("app") + pages;

  struct Case {
    const char* host;
    const char* path;
    std::string expected_wire;
  };
  const std::vector<Case> cases = {
    {"inline", "/", "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
                    "Content-Length: 10\r\n\r\nwarming up"},
    {"configured", "/x", "HTTP/1.1 418 I'm a teapot\r\nContent-Type: text/html; charset=utf-8\r\n"
                         "X-Custom: yes\r\nRetry-After: 5\r\nContent-Length: 16\r\n\r\n<h1>Loading</h1>"},
    // Path-derived keys: "/" -> index.html; the extension sets the type.
    {"derived", "/", "HTTP/1.1 418 I'm a teapot\r\nContent-Type: text/html; charset=utf-8\r\n"
                     "Content-Length: 16\r\n\r\n<h1>Loading</h1>"},
    {"derived", "/styles.css", "HTTP/1.1 418 I'm a teapot\r\nContent-Type: text/css; charset=utf-8\r\n"
                               "Content-Length: 6\r\n\r\nbody{}"},
    {"derived", "/banner", "HTTP/1.1 418 I'm a teapot\r\nContent-Type: text/plain; charset=utf-8\r\n"
                           "Content-Length: 11\r\n\r\nplain words"},
    // A missing path-derived key: empty body, configured status, no Content-Type, no error.
    {"derived", "/missing.js", "HTTP/1.1 418 I'm a teapot\r\nContent-Length: 0\r\n\r\n"},
    {"derived", "/assets/styles.css", "HTTP/1.1 418 I'm a teapot\r\nContent-Length: 0\r\n\r\n"},
    // An explicit key ignores the path.
    {"explicit", "/whatever.html", "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/css; charset=utf-8\r\n"
                                   "Content-Length: 6\r\n\r\nbody{}"},
    // Missing explicit key or ConfigMap: 500, configured headers not applied.
    {"explicit-missing", "/", k_500},
    {"no-map", "/", k_500},
    {"other-ns", "/", k_500},
    // A configured Content-Type is not overridden by the extension.
    {"configured-type", "/", "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
                             "Content-Length: 6\r\n\r\nbody{}"},
    // An explicit key without a known extension: sniffed.
    {"no-extension", "/", "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
                          "Content-Length: 11\r\n\r\nplain words"},
    // Placeholder takes precedence over the fallback.
    {"with-fallback", "/", "HTTP/1.1 418 I'm a teapot\r\nContent-Type: text/plain; charset=utf-8\r\n"
                           "Content-Length: 6\r\n\r\nteapot"},
  };
  const Fixture f(yaml);
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.host << c.path)
    {
      const Decision decision = f.request(std::string(c.host) + ".example.com", c.path);
      CHECK(decision.action == Action::respond);
      CHECK(wire(decision.response) == c.expected_wire);
      CHECK(decision.reason == "placeholder");
      CHECK(decision.counter != nullptr);
    }
  }
  SECTION("target ready: no placeholder, forwarded")
  {
    CHECK(summary(f.request("ready.example.com", "/")) == "forward default/app:80/http counted");
  }
}

TEST_CASE("proxy::content_type_for and sniff_content_type (3.7)", "[proxy]")
{
  CHECK(content_type_for("index.html") == "text/html; charset=utf-8");
  CHECK(content_type_for("a.CSS") == "text/css; charset=utf-8");
  CHECK(content_type_for("app.js") == "text/javascript; charset=utf-8");
  CHECK(content_type_for("data.json") == "application/json");
  CHECK(content_type_for("logo.svg") == "image/svg+xml");
  CHECK(content_type_for("logo.png") == "image/png");
  CHECK(content_type_for("archive.tar.unknown").empty());
  CHECK(content_type_for("README").empty());

  CHECK(sniff_content_type("<h1>Loading</h1>") == "text/html; charset=utf-8");
  CHECK(sniff_content_type("  \r\n\t<!DOCTYPE html><html>") == "text/html; charset=utf-8");
  CHECK(sniff_content_type("\f<p>x</p>") == "text/html; charset=utf-8"); // Go skips \f too
  CHECK(sniff_content_type("<!-- note -->") == "text/html; charset=utf-8");
  CHECK(sniff_content_type("<!--x") == "text/plain; charset=utf-8"); // needs a space or '>' after, as every html signature
  CHECK(sniff_content_type("<h1") == "text/plain; charset=utf-8");
  CHECK(sniff_content_type("<hr>") == "text/plain; charset=utf-8");
  CHECK(sniff_content_type("<?xml version=\"1.0\"?>") == "text/xml; charset=utf-8");
  CHECK(sniff_content_type("{\"ok\":true}") == "text/plain; charset=utf-8");
  CHECK(sniff_content_type("service unavailable") == "text/plain; charset=utf-8");
  CHECK(sniff_content_type(std::string("a\0b", 3)) == "application/octet-stream");
}

// --- decide: hold and forward (3.5) ---

TEST_CASE("proxy::decide holds when not ready, forwards when ready", "[proxy]")
{
  const std::string route = route_yaml("app", "{service: app, port: 80}",
                                       "  coldStart: {fallback: {service: {name: fallback, portName: web}}}\n"
                                       "  timeouts: {request: 1m}\n");
  SECTION("not ready: hold, counted, with the fallback and the timeouts")
  {
    for (const std::string& slices :
         {std::string(), std::string(R"(
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: app-x, labels: {kubernetes.io/service-name: app}}
ports: [{name: http, port: 8080}]
endpoints: [{addresses: [10.0.0.1], conditions: {ready: false}}, {addresses: []}]
)"),
          ready_slice("other"), std::string(R"(
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: app-x, namespace: shop, labels: {kubernetes.io/service-name: app}}
ports: [{name: http, port: 8080}]
endpoints: [{addresses: [10.0.0.1]}]
)")}) {
      const Fixture f(route + k_services + slices);
      const Decision decision = f.request("app.example.com", "/");
      CHECK(summary(decision) == "hold default/app:80/http counted");
      CHECK(decision.reason == "cold start");
      REQUIRE(decision.fallback);
      CHECK(target_text(*decision.fallback) == "default/fallback:8081/web");
      CHECK(decision.timeouts.request == 1min);
      CHECK(decision.timeouts.readiness == 30s); // fallback forces it
      CHECK(decision.timeouts.response_header == 300s);
      CHECK_FALSE(decision.static_forward);
    }
  }
  SECTION("ready: forward, counted")
  {
    const Fixture f(route + k_services + ready_slice("app"));
    const Decision decision = f.request("app.example.com", "/");
    CHECK(summary(decision) == "forward default/app:80/http counted");
    CHECK(decision.reason == "forward");
    CHECK(decision.route == f.snapshot->table->find("default/app"));
  }
}

// --- timeouts (1.1 timeouts.*, 3.1.6, 3.5.1, 5.1) ---

TEST_CASE("proxy::effective_timeouts", "[proxy]")
{
  struct Case {
    const char* name;
    const char* readiness;
    const char* request;
    const char* response_header;
    bool fallback;
    Settings settings;
    Timeouts expected;
  };
  Settings globals;
  globals.request_timeout = 60s;
  globals.readiness_timeout = 20s;
  globals.response_header_timeout = 10s;
  const std::vector<Case> cases = {
    {"defaults", "", "", "", false, {}, {0s, 0s, 300s}},
    {"globals", "", "", "", false, globals, {60s, 20s, 10s}},
    {"per-route overrides", "10s", "1m30s", "500ms", false, globals, {90s, 10s, 500ms}},
    {"0s disables even when the global is set", "0s", "0s", "0s", false, globals, {0s, 0s, 0s}},
    {"fallback, readiness 0 everywhere -> 30s", "", "", "", true, {}, {0s, 30s, 300s}},
    {"fallback, route 0s over a global -> 30s", "0s", "", "", true, globals, {60s, 30s, 10s}},
    {"fallback, global readiness", "", "", "", true, globals, {60s, 20s, 10s}},
    {"fallback, route readiness", "10s", "", "", true, {}, {0s, 10s, 300s}},
    {"unparsable or negative: the global", "soon", "-1s", "1x", false, globals, {60s, 20s, 10s}},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name)
    {
      spec::InterceptorRoute route;
      route.readiness_timeout = c.readiness;
      route.request_timeout = c.request;
      route.response_header_timeout = c.response_header;
      if (c.fallback) {
        route.fallback_service = "fallback";
        route.fallback_port.number = 8080;
      }
      const Timeouts timeouts = effective_timeouts(route, c.settings);
      CHECK(timeouts.request == c.expected.request);
      CHECK(timeouts.readiness == c.expected.readiness);
      CHECK(timeouts.response_header == c.expected.response_header);
    }
  }
  SECTION("HTTPScaledObject: 0s means the global (10.7); failover timeoutSeconds overrides readiness")
  {
    spec::HTTPScaledObject hso;
    hso.condition_wait_timeout = "0s";
    hso.response_header_timeout = "0s";
    Timeouts timeouts = effective_timeouts(spec::to_interceptor_route(hso), globals);
    CHECK(timeouts.readiness == 20s);
    CHECK(timeouts.response_header == 10s);
    hso.failover = spec::HTTPScaledObject::FailoverRef{"fallback", {8080, ""}, 45};
    timeouts = effective_timeouts(spec::to_interceptor_route(hso), globals);
    CHECK(timeouts.readiness == 45s);
  }
}

TEST_CASE("proxy::request_deadline and hold_deadline", "[proxy]")
{
  struct Case {
    const char* name;
    Timeouts timeouts;
    double parked_at;         // seconds after the request started at 0
    double request_deadline;  // -1: k_never
    double hold_deadline;     // -1: k_never
  };
  const std::vector<Case> cases = {
    {"no deadline at all: waits until the client goes", {0s, 0s, 300s}, 0, -1, -1},
    {"readiness only", {0s, 10s, 0s}, 2, -1, 12},
    {"request only", {5s, 0s, 0s}, 2, 5, 5},
    {"request shorter than readiness", {5s, 10s, 0s}, 0, 5, 5},
    {"readiness shorter than the rest of the request", {60s, 10s, 0s}, 2, 60, 12},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name)
    {
      const core::TimePoint request = request_deadline(c.timeouts, at(0));
      CHECK(request == (c.request_deadline < 0 ? core::k_never : at(c.request_deadline)));
      CHECK(hold_deadline(c.timeouts, at(c.parked_at), request)
            == (c.hold_deadline < 0 ? core::k_never : at(c.hold_deadline)));
    }
  }
}

// --- on_expired, hold_full_response ---

TEST_CASE("proxy::on_expired: fallback or 504 (3.5.4, 3.8)", "[proxy]")
{
  const std::string base = route_yaml("app", "{service: app, port: 80}", "  timeouts: {readiness: 10s}\n");
  const std::string with_fallback =
    route_yaml("app", "{service: app, port: 80}", "  coldStart: {fallback: {service: {name: fallback, portName: web}}}\n");

  SECTION("no fallback: 504 Gateway Timeout, still counted")
  {
    const Fixture f(base + k_services);
    const Decision held = f.request("app.example.com", "/");
    REQUIRE(held.action == Action::hold);
    const Decision expired = on_expired(held);
    CHECK(expired.action == Action::respond);
    CHECK(wire(expired.response) == k_504);
    CHECK(expired.reason == "readiness timeout");
    CHECK(expired.counter == held.counter);
    CHECK(f.counts("default/app") == "1/1");
    CHECK(wire(on_expired(held, at(10), core::k_never).response) == k_504);
  }
  SECTION("fallback: forward to the fallback, counted against the primary route")
  {
    const Fixture f(with_fallback + k_services + k_fallback_ready);
    const Decision held = f.request("app.example.com", "/");
    REQUIRE(held.action == Action::hold);
    for (const Decision& expired : {on_expired(held), on_expired(held, at(30), core::k_never),
                                    on_expired(held, at(30), at(30.001))}) {
      CHECK(summary(expired) == "forward default/fallback:8081/web counted");
      CHECK_FALSE(expired.fallback);
      CHECK(expired.reason == "fallback");
      CHECK(expired.counter == f.registry.find("default/app").get());
      const auto endpoint = pick_endpoint(*f.snapshot, expired.target, 7);
      REQUIRE(endpoint);
      CHECK(endpoint->str() == "10.0.9.1:8081");
    }
  }
  SECTION("fallback, but the request deadline is exhausted: 504")
  {
    const Fixture f(with_fallback + k_services + k_fallback_ready);
    const Decision held = f.request("app.example.com", "/");
    CHECK(wire(on_expired(held, at(5), at(5)).response) == k_504);
    CHECK(wire(on_expired(held, at(6), at(5)).response) == k_504);
  }
}

TEST_CASE("proxy::hold_full_response: 503 with Retry-After", "[proxy]")
{
  Settings settings;
  CHECK(wire(hold_full_response(settings, hold::HoldBudget::Verdict::route_full))
        == "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
           "X-Content-Type-Options: nosniff\r\nRetry-After: 5\r\nX-Kedahttp-Hold: route-full\r\n"
           "Content-Length: 20\r\n\r\nService Unavailable\n");
  CHECK(hold_full_response(settings, hold::HoldBudget::Verdict::total_full).extra_headers
        == "Retry-After: 5\r\nX-Kedahttp-Hold: total-full\r\n");
  settings.retry_after = 0s;
  CHECK(hold_full_response(settings, hold::HoldBudget::Verdict::total_full).extra_headers
        == "Retry-After: 1\r\nX-Kedahttp-Hold: total-full\r\n");
  settings.retry_after = 1500ms; // whole seconds, rounded up: never invite a retry too early
  CHECK(hold_full_response(settings, hold::HoldBudget::Verdict::total_full).extra_headers
        == "Retry-After: 2\r\nX-Kedahttp-Hold: total-full\r\n");
  settings.retry_after = 2min;
  CHECK(hold_full_response(settings, hold::HoldBudget::Verdict::route_full).extra_headers
        == "Retry-After: 120\r\nX-Kedahttp-Hold: route-full\r\n");
}

// --- pick_endpoint ---

TEST_CASE("proxy::pick_endpoint resolves the port through the Service to the EndpointSlice", "[proxy]")
{
  const std::string two_endpoints = R"(
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: app-abc, labels: {kubernetes.io/service-name: app}}
ports: [{name: http, port: 8080}, {name: metrics, port: 9090}]
endpoints: [{addresses: [10.0.0.1]}, {addresses: [10.0.0.2]}]
)";
  SECTION("Service port 80 named http -> slice port http 8080; random picks among endpoints")
  {
    const Fixture f(route_yaml("app", "{service: app, port: 80}") + k_services + two_endpoints);
    const ServiceTarget target = f.request("app.example.com", "/").target;
    CHECK(pick_endpoint(*f.snapshot, target, 0)->str() == "10.0.0.1:8080");
    CHECK(pick_endpoint(*f.snapshot, target, 1)->str() == "10.0.0.2:8080");
    CHECK(pick_endpoint(*f.snapshot, target, 2)->str() == "10.0.0.1:8080");
  }
  SECTION("portName metrics -> slice port metrics")
  {
    const Fixture f(route_yaml("app", "{service: app, portName: metrics}") + k_services + two_endpoints);
    CHECK(pick_endpoint(*f.snapshot, f.request("app.example.com", "/").target, 1)->str() == "10.0.0.2:9090");
  }
  SECTION("fallbacks when no slice port carries the name")
  {
    struct Case {
      const char* name;
      std::string services;
      std::string slice_ports;
      uint16_t target_port;
      const char* expected; // "" for none
    };
    const std::vector<Case> cases = {
      {"no Service, unnamed slice port", "", "[{port: 8080}]", 8080, "10.0.0.1:8080"},
      {"no Service, named slice port with the number", "", "[{name: http, port: 8080}, {name: m, port: 9090}]", 9090,
       "10.0.0.1:9090"},
      {"no Service, the only port there is", "", "[{name: http, port: 8080}]", 80, "10.0.0.1:8080"},
      {"no Service, two ports, none fits: nothing", "", "[{name: http, port: 8080}, {name: m, port: 9090}]", 80, ""},
      {"Service targetPort number, slice ports named otherwise",
       "---\napiVersion: v1\nkind: Service\nmetadata: {name: app}\nspec:\n  ports: [{name: web, port: 80, targetPort: "
       "8080}]\n",
       "[{name: http, port: 8080}, {name: m, port: 9090}]", 80, "10.0.0.1:8080"},
    };
    for (const Case& c : cases) {
      DYNAMIC_SECTION(c.name)
      {
        const Fixture f(route_yaml("app", "{service: app, port: " + std::to_string(c.target_port) + "}") + c.services
                        + "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: app-1, labels: "
                          "{kubernetes.io/service-name: app}}\nports: "
                        + c.slice_ports + "\nendpoints: [{addresses: [10.0.0.1]}]\n");
        const auto endpoint = pick_endpoint(*f.snapshot, f.request("app.example.com", "/").target, 0);
        CHECK((endpoint ? endpoint->str() : std::string()) == c.expected);
      }
    }
  }
  SECTION("not ready: nothing")
  {
    const Fixture f(route_yaml("app", "{service: app, port: 80}") + k_services);
    CHECK_FALSE(pick_endpoint(*f.snapshot, ServiceTarget{"default", "app", 80, "http"}, 0));
  }
}

// --- make_snapshot (2.1 EnsureKey, 4.1) ---

TEST_CASE("proxy::make_snapshot keeps the counters in step with the route table", "[proxy]")
{
  const std::string legacy = R"(
---
apiVersion: http.keda.sh/v1alpha1
kind: HTTPScaledObject
metadata: {name: legacy, namespace: shop}
spec:
  hosts: [legacy.example.com]
  scaleTargetRef: {name: app, service: app, port: 80}
---
apiVersion: http.keda.sh/v1alpha1
kind: HTTPScaledObject
metadata: {name: a, namespace: default}
spec:
  hosts: [shadowed.example.com]
  scaleTargetRef: {name: app, service: app, port: 80}
---
apiVersion: http.keda.sh/v1beta1
kind: InterceptorRoute
metadata: {name: no-rules, namespace: default}
spec:
  target: {service: app, port: 80}
  scalingMetric: {concurrency: {targetValue: 1}}
)";
  queue::CounterRegistry registry;
  const SnapshotPtr first = make_snapshot(
    testutil::state_ptr(route_yaml("a", "{service: app, port: 80}") + route_yaml("b", "{service: app, port: 80}")
                        + legacy + k_services + ready_slice("app")),
    registry);

  std::vector<std::string> keys;
  for (const auto& [key, counter] : first->counters) {
    keys.push_back(key);
    CHECK(counter == registry.find(key));
  }
  std::sort(keys.begin(), keys.end());
  CHECK(keys == std::vector<std::string>{"default/a", "default/b", "default/no-rules", "shop/legacy"});
  CHECK(first->ready.ready("default/app"));
  CHECK(queue::queue_json(registry.snapshot())
        == "{\"default/a\":{\"Concurrency\":0,\"RequestCount\":0},\"default/b\":{\"Concurrency\":0,\"RequestCount\":0},"
           "\"default/no-rules\":{\"Concurrency\":0,\"RequestCount\":0},"
           "\"shop/legacy\":{\"Concurrency\":0,\"RequestCount\":0}}\n");

  const std::vector<Field> none;
  const Decision a1 = decide({"GET", "a.example.com", "/", none}, *first, {});
  const Decision a2 = decide({"GET", "a.example.com", "/", none}, *first, {});
  decide({"GET", "b.example.com", "/", none}, *first, {});
  a2.counter->leave();
  CHECK(summary(decide({"GET", "shadowed.example.com", "/", none}, *first, {})) == "respond 404");

  // Rebuild: a kept, b removed, c added, the legacy route and the one without rules kept.
  const SnapshotPtr second = make_snapshot(
    testutil::state_ptr(route_yaml("a", "{service: app, port: 80}") + route_yaml("c", "{service: app, port: 80}")
                        + legacy + k_services),
    registry);
  CHECK(second->counters.count("default/b") == 0);
  CHECK(second->counters.at("default/a").get() == a1.counter);
  CHECK_FALSE(second->ready.ready("default/app"));
  CHECK(queue::queue_json(registry.snapshot())
        == "{\"default/a\":{\"Concurrency\":1,\"RequestCount\":2},\"default/c\":{\"Concurrency\":0,\"RequestCount\":0},"
           "\"default/no-rules\":{\"Concurrency\":0,\"RequestCount\":0},"
           "\"shop/legacy\":{\"Concurrency\":0,\"RequestCount\":0}}\n");

  // The request that started on the old snapshot ends: the kept route's count goes down.
  a1.counter->leave();
  CHECK(registry.find("default/a")->concurrency() == 0);

  // b comes back: from zero.
  make_snapshot(testutil::state_ptr(route_yaml("b", "{service: app, port: 80}")), registry);
  CHECK(queue::queue_json(registry.snapshot()) == "{\"default/b\":{\"Concurrency\":0,\"RequestCount\":0}}\n");
}

// --- A scenario in virtual time ---

namespace {

// Drives the core as `net` and `sim` do: decide, park what must wait, publish new snapshots
// (releasing the services that became ready), expire at deadlines. The clock is a value.
class Driver
{
public:
  explicit Driver(const std::string& yaml, Settings settings = {}) : m_settings(settings)
  {
    m_snapshots.push_back(make_snapshot(testutil::state_ptr(yaml), m_registry));
  }

  core::TimePoint now = at(0);

  // A new request now; returns its id. Its outcome is known at once unless it is held.
  int send(const std::string& host, const std::string& path = "/")
  {
    const int id = static_cast<int>(m_requests.size());
    const std::vector<Field> fields = {{"Host", host}};
    Request request;
    request.decision = decide({"GET", host, path, fields}, *snapshot(), m_settings);
    request.request_deadline = request_deadline(request.decision.timeouts, now);
    m_requests.push_back(request);
    switch (request.decision.action) {
    case Action::respond: finish(id, "respond " + std::to_string(request.decision.response.status)); break;
    case Action::forward: forward(id); break;
    case Action::hold:
      m_holds.park(static_cast<hold::Ticket>(id), request.decision.target.key(),
                   hold_deadline(request.decision.timeouts, now, request.request_deadline));
      break;
    }
    return id;
  }

  // Moves the clock to `seconds` and expires what is due, as the driver's one timer would.
  void advance_to(double seconds)
  {
    now = at(seconds);
    for (hold::Ticket ticket : m_holds.expire(now)) {
      const int id = static_cast<int>(ticket);
      Request& request = m_requests[static_cast<size_t>(id)];
      request.decision = on_expired(request.decision, now, request.request_deadline);
      if (request.decision.action == Action::respond) {
        finish(id, "respond " + std::to_string(request.decision.response.status));
      } else {
        forward(id);
      }
    }
  }

  // A new cluster state: only the waiters of services that became ready are released.
  void publish(const std::string& yaml)
  {
    const SnapshotPtr previous = snapshot();
    m_snapshots.push_back(make_snapshot(testutil::state_ptr(yaml), m_registry));
    for (const std::string& service : hold::ReadyEndpoints::became_ready(previous->ready, snapshot()->ready)) {
      for (hold::Ticket ticket : m_holds.release(service)) {
        forward(static_cast<int>(ticket));
      }
    }
  }

  void cancel(int id)
  {
    if (m_holds.cancel(static_cast<hold::Ticket>(id))) {
      finish(id, "client gone");
    }
  }

  // What happened to request `id`, "" while it is held.
  const std::string& outcome(int id) const { return m_requests[static_cast<size_t>(id)].outcome; }
  // Every outcome in the order they happened.
  const std::vector<std::string>& log() const { return m_log; }
  const hold::HoldQueue& holds() const { return m_holds; }
  std::string counts(const std::string& key) const
  {
    const auto all = m_registry.snapshot();
    const auto it = all.find(key);
    return it == all.end() ? "-" : std::to_string(it->second.concurrency) + "/" + std::to_string(it->second.request_count);
  }

private:
  struct Request {
    Decision decision;
    core::TimePoint request_deadline = core::k_never;
    std::string outcome;
  };

  const SnapshotPtr& snapshot() const { return m_snapshots.back(); }

  void forward(int id)
  {
    const Decision& decision = m_requests[static_cast<size_t>(id)].decision;
    const auto endpoint = pick_endpoint(*snapshot(), decision.target, 0);
    finish(id, "forward " + decision.target.key() + " " + (endpoint ? endpoint->str() : "none")
                 + (decision.reason == "fallback" ? " (fallback)" : ""));
  }

  // The exchange ends at once (an instant backend): the counter is left.
  void finish(int id, const std::string& what)
  {
    Request& request = m_requests[static_cast<size_t>(id)];
    request.outcome = what + " at " + util::format_go_duration(now - at(0));
    m_log.push_back("#" + std::to_string(id) + " " + request.outcome);
    if (request.decision.counter) {
      request.decision.counter->leave();
      request.decision.counter = nullptr;
    }
  }

  Settings m_settings;
  queue::CounterRegistry m_registry;
  std::vector<SnapshotPtr> m_snapshots; // every one stays alive: held decisions point into them
  hold::HoldQueue m_holds;
  std::vector<Request> m_requests;
  std::vector<std::string> m_log;
};

} // namespace

TEST_CASE("proxy::scenario cold start in virtual time", "[proxy][scenario]")
{
  SECTION("readiness deadline expiry -> 504")
  {
    const std::string cold = route_yaml("app", "{service: app, port: 80}", "  timeouts: {readiness: 10s}\n") + k_services;
    Driver d(cold);
    const int r = d.send("app.example.com");
    CHECK(d.outcome(r).empty());
    CHECK(d.counts("default/app") == "1/1"); // a held request is in flight: the scaler sees it
    REQUIRE(d.holds().next_deadline());
    CHECK(*d.holds().next_deadline() == at(10));
    d.advance_to(9.999);
    CHECK(d.outcome(r).empty());
    d.advance_to(10);
    CHECK(d.outcome(r) == "respond 504 at 10s");
    CHECK(d.holds().size() == 0);
    CHECK(d.counts("default/app") == "0/1");
    // Becoming ready afterwards releases nobody.
    d.publish(cold + ready_slice("app"));
    CHECK(d.log() == std::vector<std::string>{"#0 respond 504 at 10s"});
  }
  SECTION("became ready before the deadline -> forwarded at that moment")
  {
    const std::string cold = route_yaml("app", "{service: app, port: 80}", "  timeouts: {readiness: 10s}\n") + k_services;
    Driver d(cold);
    const int r = d.send("app.example.com");
    d.advance_to(3.5);
    d.publish(cold + ready_slice("app"));
    CHECK(d.outcome(r) == "forward default/app 10.0.0.1:8080 at 3.5s");
    CHECK_FALSE(d.holds().next_deadline());
    d.advance_to(10);
    CHECK(d.log().size() == 1);
    // Warm now: the next request goes straight through.
    CHECK(d.outcome(d.send("app.example.com")) == "forward default/app 10.0.0.1:8080 at 10s");
    CHECK(d.counts("default/app") == "0/2");
  }
  SECTION("fallback after expiry (readiness forced to 30s)")
  {
    Driver d(route_yaml("app", "{service: app, port: 80}",
                        "  coldStart: {fallback: {service: {name: fallback, portName: web}}}\n")
             + k_services + k_fallback_ready);
    const int r = d.send("app.example.com");
    CHECK(*d.holds().next_deadline() == at(30));
    d.advance_to(29.9);
    CHECK(d.outcome(r).empty());
    d.advance_to(30);
    CHECK(d.outcome(r) == "forward default/fallback 10.0.9.1:8081 (fallback) at 30s");
    CHECK(d.counts("default/app") == "0/1"); // counted against the primary route
  }
  SECTION("request deadline shorter than readiness -> 504 at the request deadline, fallback or not")
  {
    for (const std::string& extra :
         {std::string("  timeouts: {readiness: 10s, request: 5s}\n"),
          std::string("  timeouts: {readiness: 10s, request: 5s}\n"
                      "  coldStart: {fallback: {service: {name: fallback, portName: web}}}\n")}) {
      Driver d(route_yaml("app", "{service: app, port: 80}", extra) + k_services + k_fallback_ready);
      d.advance_to(1);
      const int r = d.send("app.example.com");
      CHECK(*d.holds().next_deadline() == at(6));
      d.advance_to(5.999);
      CHECK(d.outcome(r).empty());
      d.advance_to(6);
      CHECK(d.outcome(r) == "respond 504 at 6s");
    }
  }
  SECTION("global request timeout shorter than the route's readiness")
  {
    Settings settings;
    settings.request_timeout = 4s;
    Driver d(route_yaml("app", "{service: app, port: 80}", "  timeouts: {readiness: 10s}\n") + k_services, settings);
    const int r = d.send("app.example.com");
    d.advance_to(4);
    CHECK(d.outcome(r) == "respond 504 at 4s");
  }
  SECTION("two services: only the one that became ready is released, in arrival order")
  {
    const std::string routes = route_yaml("a", "{service: a, port: 80}", "  timeouts: {readiness: 60s}\n")
                               + route_yaml("b", "{service: b, port: 80}", "  timeouts: {readiness: 60s}\n")
                               + "---\napiVersion: v1\nkind: Service\nmetadata: {name: a}\n"
                                 "spec: {ports: [{name: http, port: 80, targetPort: 8080}]}\n"
                                 "---\napiVersion: v1\nkind: Service\nmetadata: {name: b}\n"
                                 "spec: {ports: [{name: http, port: 80, targetPort: 8080}]}\n";
    Driver d(routes);
    d.send("a.example.com");
    d.advance_to(1);
    d.send("b.example.com");
    d.advance_to(2);
    d.send("a.example.com");
    d.advance_to(3);
    d.send("b.example.com");
    CHECK(d.holds().waiting_for("default/a") == 2);
    CHECK(d.holds().waiting_for("default/b") == 2);
    CHECK(d.counts("default/a") == "2/2");

    d.advance_to(4);
    d.publish(routes + ready_slice("b", "10.0.2.1"));
    CHECK(d.log() == std::vector<std::string>{"#1 forward default/b 10.0.2.1:8080 at 4s",
                                              "#3 forward default/b 10.0.2.1:8080 at 4s"});
    CHECK(d.holds().waiting_for("default/a") == 2);
    CHECK(d.holds().waiting_for("default/b") == 0);

    // A republish where b stays ready and a stays cold wakes nobody.
    d.advance_to(5);
    d.publish(routes + ready_slice("b", "10.0.2.1") + ready_slice("b2"));
    CHECK(d.log().size() == 2);

    // a's waiters run into their own deadlines.
    d.advance_to(60);
    CHECK(d.outcome(0) == "respond 504 at 1m0s");
    CHECK(d.outcome(2).empty());
    d.advance_to(62);
    CHECK(d.outcome(2) == "respond 504 at 1m2s");
    CHECK(d.counts("default/a") == "0/2");
    CHECK(d.counts("default/b") == "0/2");
  }
  SECTION("all defaults: no deadline, the wait is unbounded until ready or the client goes")
  {
    const std::string cold = route_yaml("app", "{service: app, port: 80}") + k_services;
    Driver d(cold);
    const int stays = d.send("app.example.com");
    const int leaves = d.send("app.example.com");
    CHECK_FALSE(d.holds().next_deadline());
    d.advance_to(3600);
    CHECK(d.outcome(stays).empty());
    d.cancel(leaves);
    CHECK(d.outcome(leaves) == "client gone at 1h0m0s");
    d.publish(cold + ready_slice("app"));
    CHECK(d.outcome(stays) == "forward default/app 10.0.0.1:8080 at 1h0m0s");
    CHECK(d.counts("default/app") == "0/2");
  }
  SECTION("a placeholder answers at once while cold, and stops once ready")
  {
    const std::string cold =
      route_yaml("app", "{service: app, port: 80}", "  coldStart: {placeholder: {response: {body: wait}}}\n")
      + k_services;
    Driver d(cold);
    CHECK(d.outcome(d.send("app.example.com")) == "respond 503 at 0s");
    CHECK(d.holds().size() == 0);
    d.advance_to(2);
    d.publish(cold + ready_slice("app"));
    CHECK(d.outcome(d.send("app.example.com")) == "forward default/app 10.0.0.1:8080 at 2s");
    CHECK(d.counts("default/app") == "0/2");
  }
}

TEST_CASE("proxy::decide: the backend speaks HTTP/2 when its Service port says appProtocol kubernetes.io/h2c (3.6)",
          "[proxy]")
{
  const std::string services = R"(
---
apiVersion: v1
kind: Service
metadata: {name: grpc, namespace: default}
spec:
  ports:
    - {name: h2, port: 50051, appProtocol: kubernetes.io/h2c}
    - {name: web, port: 8080, appProtocol: http}
---
apiVersion: v1
kind: Service
metadata: {name: fallback, namespace: default}
spec:
  ports: [{name: web, port: 8081, targetPort: 8081}]
)";
  const std::string slices = ready_slice("grpc") + k_fallback_ready;
  SECTION("by port number, by port name, and not for another appProtocol")
  {
    const Fixture f(route_yaml("a", "{service: grpc, port: 50051}") + route_yaml("b", "{service: grpc, portName: h2}")
                    + route_yaml("c", "{service: grpc, port: 8080}") + services + slices);
    CHECK(f.request("a.example.com", "/").target.h2c);
    CHECK(f.request("b.example.com", "/").target.h2c);
    CHECK_FALSE(f.request("c.example.com", "/").target.h2c);
  }
  SECTION("a fallback keeps the target's protocol, as upstream (the fallback's own port is not looked at)")
  {
    const Fixture f(route_yaml("a", "{service: grpc, portName: h2}",
                               "  timeouts: {readiness: 1s}\n"
                               "  coldStart: {fallback: {service: {name: fallback, portName: web}}}\n")
                    + services + k_fallback_ready);
    const Decision held = f.request("a.example.com", "/");
    REQUIRE(held.action == Action::hold);
    const Decision expired = on_expired(held);
    CHECK(expired.target.service == "fallback");
    CHECK(expired.target.h2c);
  }
}
