// source::ManifestSource: what `serve --manifests` publishes from real files in
// a temporary directory, and how a bad object or file is refused while the last
// good state keeps serving.

#include "testutil/temp_dir.hpp"

#include <kedahttp/source/manifest_source.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using kedahttp::source::ManifestSource;
using kedahttp::spec::ClusterStatePtr;
using kedahttp::testutil::TempDir;

namespace {

// A valid InterceptorRoute; `host` tells versions apart.
std::string
route(const std::string& name, const std::string& host, const std::string& ns = "shop")
{
  return "apiVersion: http.keda.sh/v1beta1\n"
         "kind: InterceptorRoute\n"
         "metadata:\n"
         "  name: " + name + "\n"
         "  namespace: " + ns + "\n"
         "spec:\n"
         "  target:\n"
         "    service: " + name + "\n"
         "    port: 8080\n"
         "  scalingMetric:\n"
         "    concurrency:\n"
         "      targetValue: 100\n"
         "  rules:\n"
         "  - hosts: [" + host + "]\n";
}

// The same route with both 'port' and 'portName': the CRD's CEL rule on spec.target (line 8) rejects it.
std::string
bad_route(const std::string& name, const std::string& host)
{
  std::string text = route(name, host);
  text.insert(text.find("  scalingMetric:"), "    portName: http\n");
  return text;
}

const std::string k_service = "apiVersion: v1\n"
                              "kind: Service\n"
                              "metadata:\n"
                              "  name: shop\n"
                              "  namespace: shop\n"
                              "spec:\n"
                              "  ports:\n"
                              "  - port: 8080\n";

std::string
endpoint_slice(const std::string& name, const std::string& endpoints, const std::string& extra = "")
{
  return "apiVersion: discovery.k8s.io/v1\n"
         "kind: EndpointSlice\n"
         "metadata:\n"
         "  name: " + name + "\n"
         "  namespace: shop\n"
         "  labels:\n"
         "    kubernetes.io/service-name: shop\n"
         "addressType: IPv4\n"
         "ports:\n"
         "- name: http\n"
         "  port: 8080\n"
         "  protocol: TCP\n"
         + extra + "endpoints:\n" + endpoints;
}

std::string
config_map(const std::string& name, const std::string& label)
{
  return "apiVersion: v1\n"
         "kind: ConfigMap\n"
         "metadata:\n"
         "  name: " + name + "\n"
         "  namespace: shop\n"
         + (label.empty() ? "" : "  labels:\n    http.keda.sh/response-body: " + label + "\n")
         + "data:\n"
           "  body: <h1>waking up</h1>\n";
}

std::string
replaced(std::string text, const std::string& from, const std::string& to)
{
  text.replace(text.find(from), from.size(), to);
  return text;
}

std::string
first_host(const ClusterStatePtr& state)
{
  REQUIRE(state->interceptor_routes.size() == 1);
  REQUIRE(state->interceptor_routes[0].rules.size() == 1);
  REQUIRE(state->interceptor_routes[0].rules[0].hosts.size() == 1);
  return state->interceptor_routes[0].rules[0].hosts[0].value;
}

std::string
all_rejected(const ClusterStatePtr& state)
{
  std::string out;
  for (const auto& r : state->rejected) {
    out += r.where + " | " + r.object + " | " + r.reason + "\n";
  }
  return out;
}

} // namespace

TEST_CASE("source::ManifestSource loads the five kinds from a directory", "[source]")
{
  TempDir dir;
  dir.write("routes/shop.yaml", route("shop", "shop.example.com"));
  dir.write("legacy.yml",
            "apiVersion: http.keda.sh/v1alpha1\nkind: HTTPScaledObject\nmetadata:\n  name: legacy\nspec:\n"
            "  hosts: [legacy.example.com]\n  scaleTargetRef: {name: legacy, service: legacy, port: 8080}\n");
  dir.write("cluster.yaml", k_service + "---\n" + endpoint_slice("shop-abc", "- addresses: [10.0.0.1]\n") + "---\n"
                              + config_map("body", "\"true\"")
                              + "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: shop}\n");
  dir.write("notes.txt", "not a manifest: [[[");

  ManifestSource source({dir.path()});
  const ClusterStatePtr state = source.load();
  INFO(all_rejected(state));
  CHECK(state->generation == 1);
  CHECK(state->rejected.empty());
  CHECK(source.take_logs().empty());
  CHECK(first_host(state) == "shop.example.com");
  REQUIRE(state->http_scaled_objects.size() == 1);
  CHECK(state->http_scaled_objects[0].meta.ns == "default"); // no namespace: "default"
  CHECK(state->http_scaled_objects[0].target_service == "legacy");
  REQUIRE(state->services.size() == 1);
  CHECK(state->service("shop", "shop") != nullptr);
  REQUIRE(state->endpoint_slices.size() == 1);
  CHECK(state->endpoint_slices[0].service_name == "shop");
  REQUIRE(state->config_maps.size() == 1);
  CHECK(state->config_maps[0].data.at("body") == "<h1>waking up</h1>");
  CHECK(state->interceptor_routes[0].meta.file == dir.file("routes/shop.yaml"));

  CHECK(source.reload()->generation == 2);
  CHECK(source.current()->generation == 2);
}

TEST_CASE("source::ManifestSource keeps the last good version of a rejected InterceptorRoute", "[source]")
{
  TempDir dir;
  const std::string file = dir.write("shop.yaml", route("shop", "v1.example.com"));
  dir.write("other.yaml", route("other", "other.example.com", "other"));
  ManifestSource source({dir.path()});
  REQUIRE(source.load()->rejected.empty());

  dir.write("shop.yaml", bad_route("shop", "v2.example.com"));
  const std::string expected_log = file + ":8: InterceptorRoute shop/shop rejected: spec.target: Invalid value: "
                                          "\"object\": exactly one of 'port' or 'portName' must be set (the last good "
                                          "version keeps serving)";
  ClusterStatePtr state = source.reload();
  REQUIRE(state->interceptor_routes.size() == 2);
  CHECK(state->interceptor_routes[0].meta.name == "other");
  CHECK(state->interceptor_routes[1].rules[0].hosts[0].value == "v1.example.com"); // the last good version
  REQUIRE(state->rejected.size() == 1);
  CHECK(state->rejected[0].object == "InterceptorRoute shop/shop");
  CHECK(state->rejected[0].where == file + ":8"); // where the CEL rule points: spec.target
  CHECK(state->rejected[0].reason
        == "spec.target: Invalid value: \"object\": exactly one of 'port' or 'portName' must be set");
  CHECK(source.take_logs() == std::vector<std::string>{expected_log});

  SECTION("an unchanged rejection is logged once")
  {
    state = source.reload();
    CHECK(state->rejected.size() == 1);
    CHECK(state->interceptor_routes.size() == 2);
    CHECK(source.take_logs().empty());
  }
  SECTION("a fix applies, and the same mistake later is logged again")
  {
    dir.write("shop.yaml", route("shop", "v3.example.com"));
    state = source.reload();
    CHECK(state->rejected.empty());
    CHECK(state->interceptor_routes[1].rules[0].hosts[0].value == "v3.example.com");
    CHECK(source.take_logs().empty());

    dir.write("shop.yaml", bad_route("shop", "v4.example.com"));
    state = source.reload();
    CHECK(state->interceptor_routes[1].rules[0].hosts[0].value == "v3.example.com");
    CHECK(source.take_logs() == std::vector<std::string>{expected_log});
  }
  SECTION("without a previous version there is nothing to keep")
  {
    ManifestSource fresh({dir.path()});
    state = fresh.load();
    REQUIRE(state->interceptor_routes.size() == 1);
    CHECK(state->interceptor_routes[0].meta.name == "other");
    CHECK(fresh.take_logs()
          == std::vector<std::string>{file + ":8: InterceptorRoute shop/shop rejected: spec.target: Invalid "
                                             "value: \"object\": exactly one of 'port' or 'portName' must be set"});
  }
}

TEST_CASE("source::ManifestSource: a YAML syntax error in one file does not affect another", "[source]")
{
  TempDir dir;
  dir.write("a.yaml", route("shop", "v1.example.com"));
  const std::string b = dir.write("b.yaml", k_service);
  ManifestSource source({dir.path()});
  REQUIRE(source.load()->services.size() == 1);

  dir.write("a.yaml", route("shop", "v2.example.com"));
  dir.write("b.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: [shop\n");
  const ClusterStatePtr state = source.reload();
  CHECK(first_host(state) == "v2.example.com"); // the good file's change applies
  REQUIRE(state->services.size() == 1);         // the broken file's objects keep serving
  CHECK(state->services[0].meta.name == "shop");
  REQUIRE(state->rejected.size() == 1);
  CHECK(state->rejected[0].object == b);
  CHECK(state->rejected[0].where.starts_with(b + ":"));
  CHECK(state->rejected[0].reason.starts_with("YAML syntax error: "));
  const std::vector<std::string> logs = source.take_logs();
  REQUIRE(logs.size() == 1);
  CHECK(logs[0].starts_with(state->rejected[0].where + ": document rejected: YAML syntax error: "));
  CHECK(logs[0].ends_with(" (1 object from this file keeps its last good version)"));

  SECTION("the other documents of the broken file still load")
  {
    dir.write("b.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: [shop\n---\n"
                        + config_map("body", "\"true\""));
    const ClusterStatePtr next = source.reload();
    CHECK(next->config_maps.size() == 1);
    CHECK(next->services.size() == 1);
  }
  SECTION("deleting the file removes its objects")
  {
    dir.remove("b.yaml");
    const ClusterStatePtr next = source.reload();
    CHECK(next->services.empty());
    CHECK(next->rejected.empty());
  }
}

TEST_CASE("source::ManifestSource keeps only ConfigMaps labelled as response bodies", "[source]")
{
  TempDir dir;
  dir.write("maps.yaml", config_map("kept", "\"true\"") + "---\n" + config_map("unlabelled", "")
                           + "---\n" + config_map("false", "\"false\"") + "---\n"
                           + "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: numbers\n  namespace: shop\n"
                             "  labels: {http.keda.sh/response-body: \"true\"}\ndata:\n  count: 3\n"
                           + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ignored-bad\n"
                             "data:\n  count: 3\n");
  ManifestSource source({dir.path()});
  const ClusterStatePtr state = source.load();
  REQUIRE(state->config_maps.size() == 1);
  CHECK(state->config_maps[0].meta.name == "kept");
  // A labelled ConfigMap that the API server would refuse is rejected; unlabelled ones are not looked at.
  REQUIRE(state->rejected.size() == 1);
  CHECK(state->rejected[0].object == "ConfigMap shop/numbers");
  CHECK(state->rejected[0].reason == "data.count: Invalid type: expected string, got integer (quote the value)");
}

TEST_CASE("source::ManifestSource decodes EndpointSlice readiness and checks the minimum", "[source]")
{
  TempDir dir;
  const std::string file = dir.write(
    "slices.yaml",
    endpoint_slice("shop-a", "- addresses: [10.0.0.1]\n"
                             "- addresses: [10.0.0.2]\n  conditions: {ready: false, serving: true, terminating: true}\n"
                             "- addresses: [10.0.0.3]\n  conditions: {ready: True}\n"
                             "- addresses: [10.0.0.4]\n  conditions: {ready: true}\n"));
  ManifestSource source({dir.path()});
  ClusterStatePtr state = source.load();
  INFO(all_rejected(state));
  REQUIRE(state->endpoint_slices.size() == 1);
  const auto& slice = state->endpoint_slices[0];
  CHECK(slice.service_name == "shop");
  CHECK(slice.address_type == "IPv4");
  REQUIRE(slice.ports.size() == 1);
  CHECK(slice.ports[0].port == 8080);
  CHECK(slice.ports[0].name == "http");
  REQUIRE(slice.endpoints.size() == 4);
  CHECK(slice.endpoints[0].ready); // no conditions: ready
  CHECK(slice.endpoints[0].addresses == std::vector<std::string>{"10.0.0.1"});
  CHECK_FALSE(slice.endpoints[1].ready);
  CHECK(slice.endpoints[1].serving);
  CHECK(slice.endpoints[1].terminating);
  CHECK(slice.endpoints[2].ready); // YAML 1.1 boolean, as the API server reads it
  CHECK(slice.endpoints[3].ready);

  struct Case
  {
    const char* name;
    std::string yaml;
    std::string reason;
  };
  const std::vector<Case> cases = {
    {"no service-name label",
     "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: s\n  labels: {app: shop}\n"
     "addressType: IPv4\nendpoints: []\n",
     "metadata.labels: label \"kubernetes.io/service-name\" is required (it names the Service whose endpoints "
     "these are)"},
    {"no addressType",
     "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: s\n"
     "  labels: {kubernetes.io/service-name: shop}\nendpoints: []\n",
     "addressType: Required value"},
    {"port out of range", replaced(endpoint_slice("s", "- addresses: [10.0.0.1]\n"), "port: 8080", "port: 70000"),
     "ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive"},
    {"port zero", replaced(endpoint_slice("s", "- addresses: [10.0.0.1]\n"), "port: 8080", "port: 0"),
     "ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"},
    {"ready is a string", endpoint_slice("s", "- addresses: [10.0.0.1]\n  conditions: {ready: \"true\"}\n"),
     "endpoints[0].conditions.ready: Invalid type: expected boolean, got string"},
    {"no addresses", endpoint_slice("s", "- conditions: {ready: true}\n"),
     "endpoints[0].addresses: Required value: must contain at least 1 address"},
    {"old apiVersion",
     "apiVersion: discovery.k8s.io/v1beta1\nkind: EndpointSlice\nmetadata:\n  name: s\n"
     "  labels: {kubernetes.io/service-name: shop}\naddressType: IPv4\n",
     "apiVersion: EndpointSlice in version \"discovery.k8s.io/v1beta1\" is not served; use \"discovery.k8s.io/v1\""},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name)
    {
      dir.write("bad.yaml", c.yaml);
      state = source.reload();
      INFO(all_rejected(state));
      REQUIRE(state->rejected.size() == 1);
      CHECK(state->rejected[0].reason == c.reason);
      CHECK(state->rejected[0].where.starts_with(dir.file("bad.yaml") + ":"));
      CHECK(state->endpoint_slices.size() == 1); // the good slice is unaffected
    }
  }
}

TEST_CASE("source::ManifestSource refuses duplicates, duplicate keys and unreadable paths", "[source]")
{
  TempDir dir;
  const std::string a = dir.write("a.yaml", route("shop", "a.example.com"));
  const std::string b = dir.write("b.yaml", route("shop", "b.example.com"));
  const std::string c = dir.write("c.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: keys\n"
                                            "  name: keys\nspec: {ports: [{port: 80}]}\n");
  ManifestSource source({dir.path(), dir.file("missing.yaml")});
  const ClusterStatePtr state = source.load();
  CHECK(first_host(state) == "a.example.com"); // the first in path order wins
  CHECK(state->services.empty());
  CHECK(source.take_logs()
        == std::vector<std::string>{
          b + ":1: InterceptorRoute shop/shop rejected: InterceptorRoute shop/shop is "
                                      "defined more than once (first at " + a + ":1)",
          c + ":5: Service default/keys rejected: duplicate key \"name\" in mapping (first at line 4)",
          dir.file("missing.yaml") + ": path rejected: no such file or directory",
        });
}

TEST_CASE("source::ManifestSource survives binary garbage and absurd nesting", "[source]")
{
  TempDir dir;
  dir.write("good.yaml", route("shop", "shop.example.com"));
  std::string garbage;
  for (int i = 0; i < 4096; ++i) {
    garbage += static_cast<char>((i * 7919 + 13) % 256);
  }
  dir.write("garbage.yaml", garbage);
  dir.write("deep.yaml", std::string(100'000, '['));
  dir.write("deep-map.json", std::string(100'000, '{'));
  dir.write("deep-block.yaml", [] {
    std::string text;
    for (int i = 0; i < 2000; ++i) {
      text += std::string(static_cast<size_t>(i), ' ') + "k:\n";
    }
    return text;
  }());
  dir.write("empty.yaml", "");
  dir.write("scalar.yaml", "just a string\n");
  dir.write("nul.yaml", std::string("kind: Service\0\0\0", 16));

  ManifestSource source({dir.path()});
  const ClusterStatePtr state = source.load();
  INFO(all_rejected(state));
  CHECK(first_host(state) == "shop.example.com");
  // One located rejection per bad file (sorted by file); the good file serves.
  std::vector<std::string> reasons;
  for (const auto& rejected : state->rejected) {
    reasons.push_back(rejected.reason);
  }
  CHECK(reasons
        == std::vector<std::string>{
          "YAML syntax error: nesting deeper than 256 levels",
          "document contains template syntax '{{'; render it first (helm template / kustomize build)",
          "YAML syntax error: nesting deeper than 256 levels",
          "YAML syntax error: invalid UTF-8 byte 0xFC (manifests must be UTF-8)",
          "YAML syntax error: control character 0x00 is not allowed (is this a binary file?)",
          "document is a string, not a Kubernetes object (a mapping with apiVersion and kind)",
        });
  CHECK(state->rejected[0].where == dir.file("deep-block.yaml") + ":257");
  CHECK(source.reload()->interceptor_routes.size() == 1);
}
