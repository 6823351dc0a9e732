// Ingress (networking.k8s.io/v1) and Service (v1) rules: spec/manifests.md 1.5, 1.6, 2.3 (KH201-206, KH210).
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
using kedahttp::testutil::validate_yaml;
using kedahttp::validate::Result;

namespace {

const std::string k_ingress_head = "apiVersion: networking.k8s.io/v1\n"
                                   "kind: Ingress\n"
                                   "metadata:\n"
                                   "  name: app\n"
                                   "  namespace: apps\n";

std::string
ingress(const std::string& spec)
{
  return k_ingress_head + "spec:\n" + spec;
}

// An Ingress with one rule holding one path; `item` is the path in flow style.
std::string
one_path(const std::string& item, const std::string& host = "")
{
  const std::string rule = host.empty() ? "  - http:\n" : "  - host: " + host + "\n    http:\n";
  return ingress("  rules:\n" + rule + "      paths:\n      - " + item + "\n");
}

std::string
service_backend_path(const std::string& path, const std::string& type)
{
  return "{path: " + path + ", pathType: " + type + ", backend: {service: {name: app, port: {number: 80}}}}";
}

std::string
with_backend(const std::string& backend)
{
  return one_path("{path: /, pathType: Prefix, backend: " + backend + "}");
}

const std::string k_path = "spec.rules[0].http.paths[0]";
const std::string k_backend = k_path + ".backend";

const std::string k_service_head = "apiVersion: v1\n"
                                   "kind: Service\n"
                                   "metadata:\n"
                                   "  name: app\n"
                                   "  namespace: apps\n";

std::string
service(const std::string& spec)
{
  return k_service_head + "spec:\n" + spec;
}

} // namespace

// --- Ingress: real-world manifests (kubernetes/website examples, written here) ---

TEST_CASE("Ingress: the kubernetes website examples are valid")
{
  SECTION("minimal Ingress: rule without host, ingressClassName, Prefix path")
  {
    require_clean(ingress("  ingressClassName: nginx-example\n"
                          "  rules:\n"
                          "  - http:\n"
                          "      paths:\n"
                          "      - path: /testpath\n"
                          "        pathType: Prefix\n"
                          "        backend:\n"
                          "          service:\n"
                          "            name: test\n"
                          "            port:\n"
                          "              number: 80\n"));
  }
  SECTION("wildcard host, JSON-like flow style with trailing commas")
  {
    require_clean("---\n{\n  apiVersion: \"networking.k8s.io/v1\",\n  kind: \"Ingress\",\n"
                  "  metadata: {\n    name: \"ingress-wildcard-host\",\n  },\n"
                  "  spec: {\n    rules: [{\n      host: \"foo.bar.com\",\n      http: {\n        paths: [{\n"
                  "          pathType: \"Prefix\",\n          path: \"/bar\",\n"
                  "          backend: {\n            service: {\n              name: \"service1\",\n"
                  "              port: {\n                number: 80,\n              },\n            },\n"
                  "          },\n        }],\n      },\n    }, {\n      host: \"*.foo.com\",\n"
                  "      http: {\n        paths: [{\n          pathType: \"Prefix\",\n          path: \"/foo\",\n"
                  "          backend: {\n            service: {\n              name: \"service2\",\n"
                  "              port: {\n                number: 80,\n              },\n            },\n"
                  "          },\n        }],\n      },\n    }],\n  },\n}\n");
  }
  SECTION("resource backends, a defaultBackend and ImplementationSpecific")
  {
    require_clean("{\n  apiVersion: \"networking.k8s.io/v1\",\n  kind: \"Ingress\",\n"
                  "  metadata: { name: \"ingress-resource-backend\", },\n"
                  "  spec: {\n"
                  "    defaultBackend: {\n      resource: {\n        apiGroup: \"k8s.example.com\",\n"
                  "        kind: \"StorageBucket\",\n        name: \"static-assets\",\n      },\n    },\n"
                  "    rules: [{\n      http: {\n        paths: [{\n          path: \"/icons\",\n"
                  "          pathType: \"ImplementationSpecific\",\n"
                  "          backend: {\n            resource: {\n              apiGroup: \"k8s.example.com\",\n"
                  "              kind: \"StorageBucket\",\n              name: \"icon-assets\",\n            },\n"
                  "          },\n        }],\n      },\n    }],\n  },\n}\n");
  }
  SECTION("TLS with hosts and a secretName")
  {
    require_clean(ingress("  tls:\n"
                          "  - hosts:\n"
                          "      - https-example.foo.com\n"
                          "    secretName: testsecret-tls\n"
                          "  rules:\n"
                          "  - host: https-example.foo.com\n"
                          "    http:\n"
                          "      paths:\n"
                          "      - path: /\n"
                          "        pathType: Prefix\n"
                          "        backend:\n"
                          "          service: {name: service1, port: {number: 80}}\n"));
  }
  SECTION("name-based virtual hosting, the last rule without a host")
  {
    require_clean(ingress("  rules:\n"
                          "  - host: first.bar.com\n"
                          "    http:\n"
                          "      paths:\n"
                          "      - {pathType: Prefix, path: /,\n"
                          "         backend: {service: {name: service1, port: {number: 80}}}}\n"
                          "  - host: second.bar.com\n"
                          "    http:\n"
                          "      paths:\n"
                          "      - {pathType: Prefix, path: /,\n"
                          "         backend: {service: {name: service2, port: {number: 80}}}}\n"
                          "  - http:\n"
                          "      paths:\n"
                          "      - {pathType: Prefix, path: /,\n"
                          "         backend: {service: {name: service3, port: {number: 80}}}}\n"));
  }
  SECTION("only a defaultBackend, no rules")
  {
    require_clean(ingress("  defaultBackend:\n    service: {name: test, port: {number: 80}}\n"));
  }
  SECTION("fan-out with a named port and the interceptor in the same namespace")
  {
    require_clean(ingress("  ingressClassName: nginx\n"
                          "  rules:\n"
                          "  - host: foo.bar.com\n"
                          "    http:\n"
                          "      paths:\n"
                          "      - {path: /foo, pathType: Prefix,\n"
                          "         backend: {service: {name: service1, port: {number: 4200}}}}\n"
                          "      - {path: /bar, pathType: Exact,\n"
                          "         backend: {service: {name: service2, port: {name: http}}}}\n"));
  }
}

// --- pathType (KH201) ---

TEST_CASE("Ingress: pathType is required and has no default in networking/v1")
{
  SECTION("missing pathType is reported once, without looking at the backend")
  {
    require_single(one_path("{path: /foo, backend: {}}"), "KH201", k_path + ".pathType",
                   "Required value: pathType must be specified");
  }
  SECTION("each supported pathType passes")
  {
    for (const char* type : {"Exact", "Prefix", "ImplementationSpecific"}) {
      require_clean(one_path(service_backend_path("/foo", type)));
    }
  }
  SECTION("pathType is case-sensitive")
  {
    require_single(one_path(service_backend_path("/foo", "prefix")), "KH201", k_path + ".pathType",
                   "Unsupported value: \"prefix\": supported values: \"Exact\", \"ImplementationSpecific\", "
                   "\"Prefix\"");
  }
}

// --- path (KH202) ---

TEST_CASE("Ingress: Exact and Prefix paths must be clean absolute paths")
{
  SECTION("relative path")
  {
    require_single(one_path(service_backend_path("foo", "Prefix")), "KH202", k_path + ".path",
                   "Invalid value: \"foo\": must be an absolute path");
  }
  SECTION("absent path with Exact")
  {
    require_single(one_path("{pathType: Exact, backend: {service: {name: app, port: {number: 80}}}}"), "KH202",
                   k_path + ".path", "Invalid value: \"\": must be an absolute path");
  }
  SECTION("invalid sequences")
  {
    require_single(one_path(service_backend_path("/a//b", "Prefix")), "KH202", k_path + ".path",
                   "Invalid value: \"/a//b\": must not contain '//'");
    require_single(one_path(service_backend_path("/a/./b", "Exact")), "KH202", k_path + ".path",
                   "Invalid value: \"/a/./b\": must not contain '/./'");
    require_single(one_path(service_backend_path("/a/../b", "Prefix")), "KH202", k_path + ".path",
                   "Invalid value: \"/a/../b\": must not contain '/../'");
    require_single(one_path(service_backend_path("/a%2Fb", "Prefix")), "KH202", k_path + ".path",
                   "Invalid value: \"/a%2Fb\": must not contain '%2F'");
    require_single(one_path(service_backend_path("/a%2fb", "Prefix")), "KH202", k_path + ".path",
                   "Invalid value: \"/a%2fb\": must not contain '%2f'");
  }
  SECTION("invalid suffixes")
  {
    require_single(one_path(service_backend_path("/a/..", "Prefix")), "KH202", k_path + ".path",
                   "Invalid value: \"/a/..\": cannot end with '/..'");
    require_single(one_path(service_backend_path("/a/.", "Exact")), "KH202", k_path + ".path",
                   "Invalid value: \"/a/.\": cannot end with '/.'");
  }
  SECTION("a trailing slash and dots inside names are fine")
  {
    require_clean(one_path(service_backend_path("/api/v1.2/", "Prefix")));
  }
}

TEST_CASE("Ingress: ImplementationSpecific allows an empty path and skips the sequence rules")
{
  require_clean(one_path("{pathType: ImplementationSpecific, backend: {service: {name: app, port: {number: 80}}}}"));
  require_clean(one_path(service_backend_path("/a//b%2F", "ImplementationSpecific")));
  require_single(one_path(service_backend_path("foo", "ImplementationSpecific")), "KH202", k_path + ".path",
                 "Invalid value: \"foo\": must be an absolute path");
}

// --- host (KH203) ---

TEST_CASE("Ingress: rule hosts are lowercase DNS names, never IPs")
{
  SECTION("exact and single-label wildcard hosts pass")
  {
    require_clean(one_path(service_backend_path("/", "Prefix"), "app.example.com"));
    require_clean(one_path(service_backend_path("/", "Prefix"), "\"*.example.com\""));
  }
  SECTION("an IP address")
  {
    require_single(one_path(service_backend_path("/", "Prefix"), "10.0.0.1"), "KH203", "spec.rules[0].host",
                   "Invalid value: \"10.0.0.1\": must be a DNS name, not an IP address");
  }
  SECTION("uppercase")
  {
    require_single(one_path(service_backend_path("/", "Prefix"), "App.example.com"), "KH203", "spec.rules[0].host",
                   "Invalid value: \"App.example.com\": a lowercase RFC 1123 subdomain must consist of lower case "
                   "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. "
                   "'example.com', regex used for validation is "
                   "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
  }
  SECTION("wildcards other than a whole first label")
  {
    const std::string reason =
      "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of "
      "lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', "
      "regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    for (const std::string host : {"*.*.bar.com", "*bar.com", "f*.bar.com", "*"}) {
      require_single(one_path(service_backend_path("/", "Prefix"), "\"" + host + "\""), "KH203", "spec.rules[0].host",
                     "Invalid value: \"" + host + "\": " + reason);
    }
  }
}

TEST_CASE("Ingress: TLS hosts and secret names")
{
  const std::string rules = "  rules:\n  - http:\n      paths:\n      - " + service_backend_path("/", "Prefix") + "\n";
  SECTION("a wildcard TLS host passes, an invalid one is KH203")
  {
    require_clean(ingress("  tls:\n  - hosts: [\"*.example.com\"]\n    secretName: wildcard-tls\n" + rules));
    const Result result = validate_yaml(ingress("  tls:\n  - hosts: [\"*.*.example.com\"]\n" + rules));
    INFO(describe(result));
    const auto found = problems(result);
    REQUIRE(found.size() == 1);
    CHECK(found[0].code == "KH203");
    CHECK(found[0].path == "spec.tls[0].hosts[0]");
  }
  SECTION("secretName must be a DNS subdomain")
  {
    require_single(ingress("  tls:\n  - hosts: [a.example.com]\n    secretName: My_Secret\n" + rules), "KH104",
                   "spec.tls[0].secretName",
                   "Invalid value: \"My_Secret\": a lowercase RFC 1123 subdomain must consist of lower case "
                   "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. "
                   "'example.com', regex used for validation is "
                   "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
  }
}

// --- backend (KH204) ---

TEST_CASE("Ingress: a backend is exactly one of service or resource")
{
  SECTION("both")
  {
    require_single(with_backend("{service: {name: app, port: {number: 80}}, resource: {kind: Bucket, name: b}}"),
                   "KH204", k_backend, "Invalid value: \"\": cannot set both resource and service backends");
  }
  SECTION("neither")
  {
    require_single(with_backend("{}"), "KH204", k_backend,
                   "Invalid value: \"\": resource or service backend is required");
  }
  SECTION("no backend key at all")
  {
    require_single(one_path("{path: /, pathType: Prefix}"), "KH204", k_backend,
                   "Invalid value: \"\": resource or service backend is required");
  }
}

TEST_CASE("Ingress: service backends")
{
  SECTION("port name and number together")
  {
    require_single(with_backend("{service: {name: app, port: {name: http, number: 80}}}"), "KH204", k_backend,
                   "Invalid value: \"\": cannot set both port name & port number");
  }
  SECTION("no port, or port number 0 (unset)")
  {
    require_single(with_backend("{service: {name: app}}"), "KH204", k_backend,
                   "Required value: port name or number is required");
    require_single(with_backend("{service: {name: app, port: {number: 0}}}"), "KH204", k_backend,
                   "Required value: port name or number is required");
  }
  SECTION("port number out of range")
  {
    require_single(with_backend("{service: {name: app, port: {number: 70000}}}"), "KH204",
                   k_backend + ".service.port.number", "Invalid value: 70000: must be between 1 and 65535, inclusive");
  }
  SECTION("port name is an IANA service name")
  {
    require_clean(with_backend("{service: {name: app, port: {name: http-alt}}}"));
    require_single(with_backend("{service: {name: app, port: {name: HTTP}}}"), "KH204",
                   k_backend + ".service.port.name",
                   "Invalid value: \"HTTP\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  }
  SECTION("service name is required and a DNS-1035 label")
  {
    require_single(with_backend("{service: {port: {number: 80}}}"), "KH204", k_backend + ".service.name",
                   "Required value");
    require_single(with_backend("{service: {name: 1app, port: {number: 80}}}"), "KH204", k_backend + ".service.name",
                   "Invalid value: \"1app\": a DNS-1035 label must consist of lower case alphanumeric characters or "
                   "'-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  "
                   "or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')");
  }
  SECTION("a quoted port number is a type error, not a backend error")
  {
    require_single(with_backend("{service: {name: app, port: {number: \"80\"}}}"), "KH102",
                   k_backend + ".service.port.number",
                   "Invalid value: \"string\": " + k_backend + ".service.port.number in body must be of type integer");
  }
}

TEST_CASE("Ingress: resource backends")
{
  require_single(with_backend("{resource: {apiGroup: k8s.example.com, name: assets}}"), "KH204",
                 k_backend + ".resource.kind", "Required value");
  require_single(with_backend("{resource: {kind: StorageBucket, name: a/b}}"), "KH204", k_backend + ".resource.name",
                 "Invalid value: \"a/b\": may not contain '/'");
  require_single(with_backend("{resource: {apiGroup: K8s.Example, kind: StorageBucket, name: b}}"), "KH204",
                 k_backend + ".resource.apiGroup",
                 "Invalid value: \"K8s.Example\": a lowercase RFC 1123 subdomain must consist of lower case "
                 "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. "
                 "'example.com', regex used for validation is "
                 "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
}

TEST_CASE("Ingress: the defaultBackend follows the same rules")
{
  require_single(ingress("  defaultBackend:\n    service: {name: test}\n"), "KH204", "spec.defaultBackend",
                 "Required value: port name or number is required");
}

// --- empty (KH205) ---

TEST_CASE("Ingress: rules or a defaultBackend, and paths in every http rule")
{
  SECTION("empty spec")
  {
    require_single(ingress("  ingressClassName: nginx\n"), "KH205", "spec",
                   "Invalid value: null: either `defaultBackend` or `rules` must be specified");
  }
  SECTION("no spec at all")
  {
    require_single(k_ingress_head, "KH205", "spec",
                   "Invalid value: null: either `defaultBackend` or `rules` must be specified");
  }
  SECTION("an empty rules list")
  {
    require_single(ingress("  rules: []\n"), "KH205", "spec",
                   "Invalid value: []: either `defaultBackend` or `rules` must be specified");
  }
  SECTION("http without paths")
  {
    require_single(ingress("  rules:\n  - host: a.example.com\n    http: {paths: []}\n"), "KH205",
                   "spec.rules[0].http.paths", "Required value");
  }
  SECTION("a rule with only a host is allowed")
  {
    require_clean(ingress("  defaultBackend: {service: {name: test, port: {number: 80}}}\n"
                          "  rules:\n  - host: a.example.com\n"));
  }
}

// --- ingress class (KH206) and ingressClassName ---

TEST_CASE("Ingress: the ingress-class annotation must match ingressClassName")
{
  const std::string body =
    "spec:\n  ingressClassName: nginx\n  defaultBackend: {service: {name: a, port: {number: 80}}}\n";
  const std::string head = "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: app\n  annotations:\n";
  require_clean(head + "    kubernetes.io/ingress.class: nginx\n" + body);
  require_single(head + "    kubernetes.io/ingress.class: traefik\n" + body, "KH206",
                 "annotations.kubernetes.io/ingress.class",
                 "Invalid value: \"traefik\": must match `ingressClassName` when both are specified");
  // The annotation alone is the legacy way to pick a class.
  require_clean(head + "    kubernetes.io/ingress.class: traefik\n"
                       "spec:\n  defaultBackend: {service: {name: a, port: {number: 80}}}\n");
}

TEST_CASE("Ingress: ingressClassName is a DNS subdomain")
{
  const Result result = validate_yaml(ingress("  ingressClassName: Nginx_Public\n"
                                              "  defaultBackend: {service: {name: a, port: {number: 80}}}\n"));
  INFO(describe(result));
  const auto found = problems(result);
  REQUIRE(found.size() == 1);
  CHECK(found[0].code == "KH104");
  CHECK(found[0].path == "spec.ingressClassName");
}

// --- schema ---

TEST_CASE("Ingress: unknown fields and wrong types come from the structural schema")
{
  SECTION("the v1beta1 field spec.backend is unknown in v1")
  {
    const Result result = validate_yaml(ingress("  backend: {serviceName: a, servicePort: 80}\n"
                                                "  defaultBackend: {service: {name: a, port: {number: 80}}}\n"));
    INFO(describe(result));
    const auto found = problems(result);
    REQUIRE(found.size() == 1);
    CHECK(found[0].code == "KH005");
    CHECK(found[0].path == "spec.backend");
    CHECK(found[0].message == "strict decoding error: unknown field \"spec.backend\"");
  }
  SECTION("a misspelt field gets a hint")
  {
    const Result result =
      validate_yaml(one_path("{path: /, pathtype: Prefix, backend: {service: {name: a, port: {number: 80}}}}"));
    INFO(describe(result));
    const auto unknown = kedahttp::testutil::findings(result, "KH005");
    REQUIRE(unknown.size() == 1);
    CHECK(unknown[0].message
          == "strict decoding error: unknown field \"" + k_path + ".pathtype\" (did you mean \"pathType\"?)");
  }
  SECTION("rules must be a list")
  {
    require_single(ingress("  rules: {host: a.example.com}\n"), "KH102", "spec.rules",
                   "Invalid value: \"object\": spec.rules in body must be of type array");
  }
}

TEST_CASE("Ingress: findings carry the position of the offending value")
{
  const Result result = validate_yaml(ingress("  rules:\n  - host: 10.1.2.3\n    http:\n      paths:\n      - " +
                                              service_backend_path("/", "Prefix") + "\n"));
  const auto found = problems(result);
  REQUIRE(found.size() == 1);
  CHECK(found[0].mark.line == 8);
  CHECK(found[0].mark.column == 11);
  CHECK(found[0].object.kind == "Ingress");
  CHECK(found[0].object.name == "app");
}

// --- Service ---

TEST_CASE("Service: real-world Services are valid")
{
  SECTION("ClusterIP with selector, named ports and every common field")
  {
    require_clean(service("  type: ClusterIP\n"
                          "  selector:\n    app.kubernetes.io/name: proxy\n    app.kubernetes.io/part-of: keda\n"
                          "  ports:\n"
                          "  - name: http\n    port: 8080\n    targetPort: http\n    protocol: TCP\n"
                          "    appProtocol: kubernetes.io/h2c\n"
                          "  - name: metrics\n    port: 2223\n    targetPort: 2223\n"
                          "  clusterIP: 10.96.10.20\n"
                          "  clusterIPs: [10.96.10.20]\n"
                          "  ipFamilies: [IPv4]\n"
                          "  ipFamilyPolicy: SingleStack\n"
                          "  internalTrafficPolicy: Cluster\n"
                          "  sessionAffinity: ClientIP\n"
                          "  sessionAffinityConfig:\n    clientIP: {timeoutSeconds: 10800}\n"
                          "  publishNotReadyAddresses: false\n"
                          "  trafficDistribution: PreferClose\n"));
  }
  SECTION("single unnamed port (a name is required only with several ports)")
  {
    require_clean(service("  selector: {app: web}\n  ports:\n  - port: 80\n    targetPort: 8080\n"));
  }
  SECTION("headless Service without ports")
  {
    require_clean(service("  clusterIP: None\n  selector: {app: db}\n"));
  }
  SECTION("LoadBalancer with Local traffic policy and source ranges")
  {
    require_clean(service("  type: LoadBalancer\n"
                          "  selector: {app: web}\n"
                          "  ports:\n  - {name: https, port: 443, targetPort: 8443, nodePort: 30443}\n"
                          "  externalTrafficPolicy: Local\n"
                          "  healthCheckNodePort: 32000\n"
                          "  loadBalancerSourceRanges: [10.0.0.0/8]\n"
                          "  loadBalancerClass: example.com/internal\n"
                          "  allocateLoadBalancerNodePorts: true\n"));
  }
  SECTION("the KEDA ExternalName bridge, with and without a trailing dot")
  {
    const std::string spec = "  type: ExternalName\n  ports:\n  - {name: http, port: 8080}\n  externalName: ";
    require_clean(service(spec + "keda-add-ons-http-interceptor-proxy.keda.svc.cluster.local\n"));
    require_clean(service(spec + "keda-add-ons-http-interceptor-proxy.keda.svc.cluster.local.\n"));
    require_clean(service("  type: ExternalName\n  externalName: keda-add-ons-http-interceptor-proxy.keda\n"));
  }
}

TEST_CASE("Service: ExternalName rules (KH210)")
{
  const std::string head = "  type: ExternalName\n";
  SECTION("externalName is required")
  {
    require_single(service(head + "  ports: [{port: 8080}]\n"), "KH210", "spec.externalName", "Required value");
    require_single(service(head + "  externalName: \".\"\n"), "KH210", "spec.externalName", "Required value");
  }
  SECTION("externalName is a lowercase DNS subdomain")
  {
    require_single(service(head + "  externalName: Proxy.Keda.svc\n"), "KH210", "spec.externalName",
                   "Invalid value: \"Proxy.Keda.svc\": a lowercase RFC 1123 subdomain must consist of lower case "
                   "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. "
                   "'example.com', regex used for validation is "
                   "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
    const Result result = validate_yaml(service(head + "  externalName: http://proxy.keda:8080\n"));
    INFO(describe(result));
    const auto found = problems(result);
    REQUIRE(found.size() == 1);
    CHECK(found[0].code == "KH210");
  }
  SECTION("cluster IPs and IP families are forbidden")
  {
    const std::string target = "  externalName: proxy.keda.svc.cluster.local\n";
    require_single(service(head + target + "  clusterIP: 10.96.0.10\n"), "KH210", "spec.clusterIPs",
                   "Forbidden: may not be set for ExternalName services");
    require_single(service(head + target + "  clusterIPs: [None]\n"), "KH210", "spec.clusterIPs",
                   "Forbidden: may not be set for ExternalName services");
    require_single(service(head + target + "  ipFamilies: [IPv4]\n"), "KH210", "spec.ipFamilies",
                   "Forbidden: may not be set for ExternalName services");
    require_single(service(head + target + "  ipFamilyPolicy: SingleStack\n"), "KH210", "spec.ipFamilyPolicy",
                   "Forbidden: may not be set for ExternalName services");
    require_clean(service(head + target + "  clusterIP: \"\"\n"));
  }
  SECTION("externalTrafficPolicy needs an externally-accessible Service")
  {
    require_single(service(head + "  externalName: proxy.keda.svc.cluster.local\n  externalTrafficPolicy: Local\n"),
                   "KH210", "spec.externalTrafficPolicy",
                   "Invalid value: \"Local\": may only be set for externally-accessible services");
  }
}

TEST_CASE("Service: ports")
{
  SECTION("ports are required unless headless or ExternalName")
  {
    require_single(service("  selector: {app: web}\n"), "KH101", "spec.ports", "Required value");
  }
  SECTION("names are required with several ports")
  {
    const Result result = validate_yaml(service("  ports:\n  - port: 80\n  - port: 443\n"));
    INFO(describe(result));
    const auto found = problems(result);
    REQUIRE(found.size() == 2);
    CHECK(found[0].code == "KH101");
    CHECK(found[0].path == "spec.ports[0].name");
    CHECK(found[0].message == "Required value");
    CHECK(found[1].path == "spec.ports[1].name");
  }
  SECTION("names are unique DNS-1123 labels")
  {
    require_single(service("  ports:\n  - {name: http, port: 80}\n  - {name: http, port: 443}\n"), "KH106",
                   "spec.ports[1].name", "Duplicate value: \"http\"");
    require_single(service("  ports:\n  - {name: Web_UI, port: 80}\n"), "KH104", "spec.ports[0].name",
                   "Invalid value: \"Web_UI\": a lowercase RFC 1123 label must consist of lower case alphanumeric "
                   "characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or "
                   "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
  }
  SECTION("port numbers are 1..65535 and (protocol, port) pairs are unique")
  {
    require_single(service("  ports:\n  - {port: 0}\n"), "KH105", "spec.ports[0].port",
                   "Invalid value: 0: must be between 1 and 65535, inclusive");
    require_single(service("  ports:\n  - {name: a, port: 80}\n  - {name: b, port: 80, protocol: TCP}\n"), "KH106",
                   "spec.ports[1]", "Duplicate value: {\"port\":80,\"protocol\":\"TCP\"}");
    require_clean(service("  ports:\n  - {name: dns, port: 53, protocol: UDP}\n  - {name: dns-tcp, port: 53}\n"));
    require_single(service("  ports:\n  - {}\n"), "KH101", "spec.ports[0].port", "Required value");
  }
  SECTION("protocol is TCP, UDP or SCTP")
  {
    require_single(service("  ports:\n  - {port: 80, protocol: HTTP}\n"), "KH103", "spec.ports[0].protocol",
                   "Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"");
  }
  SECTION("targetPort is a port number or an IANA service name")
  {
    require_single(service("  ports:\n  - {port: 80, targetPort: 70000}\n"), "KH105", "spec.ports[0].targetPort",
                   "Invalid value: 70000: must be between 1 and 65535, inclusive");
    require_single(service("  ports:\n  - {port: 80, targetPort: \"8080\"}\n"), "KH104", "spec.ports[0].targetPort",
                   "Invalid value: \"8080\": must contain at least one letter (a-z)");
    require_single(service("  ports:\n  - {port: 80, targetPort: http--alt}\n"), "KH104", "spec.ports[0].targetPort",
                   "Invalid value: \"http--alt\": must not contain consecutive hyphens");
  }
  SECTION("nodePort is not allowed on a ClusterIP Service")
  {
    require_single(service("  ports:\n  - {port: 80, nodePort: 30080}\n"), "KH104", "spec.ports[0].nodePort",
                   "Forbidden: may not be used when `type` is 'ClusterIP'");
  }
}

TEST_CASE("Service: type-dependent fields")
{
  const std::string ports = "  ports:\n  - {port: 80}\n";
  SECTION("type is one of the four Service types")
  {
    require_single(service("  type: Externalname\n  externalName: a.b\n" + ports), "KH103", "spec.type",
                   "Unsupported value: \"Externalname\": supported values: \"ClusterIP\", \"ExternalName\", "
                   "\"LoadBalancer\", \"NodePort\"");
  }
  SECTION("LoadBalancer-only fields")
  {
    require_single(service(ports + "  loadBalancerSourceRanges: [10.0.0.0/8]\n"), "KH104",
                   "spec.loadBalancerSourceRanges", "Forbidden: may only be used when `type` is 'LoadBalancer'");
  }
  SECTION("externalTrafficPolicy on a plain ClusterIP Service")
  {
    require_single(service(ports + "  externalTrafficPolicy: Cluster\n"), "KH104", "spec.externalTrafficPolicy",
                   "Invalid value: \"Cluster\": may only be set for externally-accessible services");
    require_clean(service(ports + "  externalIPs: [203.0.113.7]\n  externalTrafficPolicy: Cluster\n"));
  }
  SECTION("clusterIP is None, empty or an IP")
  {
    require_single(service(ports + "  clusterIP: auto\n"), "KH104", "spec.clusterIP",
                   "Invalid value: \"auto\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
  }
  SECTION("sessionAffinityConfig only with ClientIP")
  {
    require_single(service(ports + "  sessionAffinityConfig: {clientIP: {timeoutSeconds: 60}}\n"), "KH104",
                   "spec.sessionAffinityConfig", "Forbidden: must not be set when session affinity is None");
  }
  SECTION("selector keys and values are label keys and values")
  {
    require_single(service(ports + "  selector: {app: \"-web\"}\n"), "KH104", "spec.selector.app",
                   "Invalid value: \"-web\": a valid label must be an empty string or consist of alphanumeric "
                   "characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. "
                   "'MyValue',  or 'my_value',  or '12345', regex used for validation is "
                   "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
  }
  SECTION("a misspelt field is unknown, with a hint")
  {
    const Result result = validate_yaml(service("  type: ExternalName\n  externalname: proxy.keda\n"));
    INFO(describe(result));
    const auto unknown = kedahttp::testutil::findings(result, "KH005");
    REQUIRE(unknown.size() == 1);
    CHECK(unknown[0].path == "spec.externalname");
    CHECK(unknown[0].message
          == "strict decoding error: unknown field \"spec.externalname\" (did you mean \"externalName\"?)");
    CHECK(kedahttp::testutil::findings(result, "KH210").size() == 1);
  }
}
