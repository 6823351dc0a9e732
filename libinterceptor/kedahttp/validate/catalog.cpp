#include <kedahttp/validate/catalog.hpp>

namespace kedahttp::validate {

namespace {

using core::Severity;

const std::vector<RuleInfo> k_rules = {
  // Input
  {"KH001", "yaml-syntax", Severity::error, "The file is not valid YAML/JSON or not UTF-8.",
   "Fix the syntax at the reported position."},
  {"KH002", "missing-type-meta", Severity::error, "A document has no apiVersion or kind, or is not a mapping.",
   "Add apiVersion and kind to every document."},
  {"KH003", "unrendered-template", Severity::error, "The document still contains Helm/Go template syntax.",
   "Render it first: helm template or kustomize build, then validate the output."},
  {"KH004", "duplicate-key", Severity::error, "A mapping has the same key twice (kubectl's strict decoding rejects it).",
   "Remove or merge the duplicate key."},
  {"KH005", "unknown-field", Severity::error,
   "A field the API does not define (kubectl sends fieldValidation=Strict).",
   "Fix the spelling, or use --gateway-api-channel experimental for experimental fields."},
  {"KH006", "unserved-version", Severity::error, "The apiVersion is not served for this kind.",
   "Use one of the listed apiVersions."},
  {"KH007", "skipped-kind", Severity::info, "A kind kedahttp does not check (listed with --verbose).",
   "Nothing to do."},
  {"KH008", "duplicate-object", Severity::warning, "The same object is defined more than once in the input.",
   "Keep one definition; the later one overwrites the earlier when applied."},
  // Schema
  {"KH101", "required-field", Severity::error, "A required field is missing.", "Add the field."},
  {"KH102", "invalid-type", Severity::error, "A value has the wrong type (e.g. a string where an integer is required).",
   "Write the value with the right type; quote strings, do not quote numbers."},
  {"KH103", "unsupported-value", Severity::error, "A value is not one of the allowed values.",
   "Use one of the listed values (they are case-sensitive)."},
  {"KH104", "invalid-format", Severity::error, "A value does not match the required format or pattern.",
   "Follow the format in the message (DNS names are lowercase)."},
  {"KH105", "out-of-range", Severity::error, "A number, string or list is outside its allowed size or range.",
   "Bring the value within the limits in the message."},
  {"KH106", "duplicate-value", Severity::error, "A list that must hold unique entries has a duplicate.",
   "Remove the duplicate entry."},
  {"KH107", "rule-violation", Severity::error, "A validation rule of the CRD (CEL) is violated.",
   "Follow the rule's message."},
  {"KH108", "invalid-name", Severity::error, "metadata.name or metadata.namespace is not a valid name for this kind.",
   "Use lowercase letters, digits and '-' (Services must start with a letter)."},
  // Built-in semantics
  {"KH201", "ingress-path-type", Severity::error, "An Ingress path has no or an unsupported pathType.",
   "Set pathType: Prefix (or Exact / ImplementationSpecific)."},
  {"KH202", "ingress-path", Severity::error, "An Ingress path is not a valid absolute path.",
   "Start paths with '/' and avoid '//', '/./', '/../' and '%2F'."},
  {"KH203", "ingress-host", Severity::error, "An Ingress host is an IP address or not a DNS name.",
   "Use a lowercase DNS name, or '*.' followed by one."},
  {"KH204", "ingress-backend", Severity::error, "An Ingress backend is incomplete or contradictory.",
   "Give exactly one of service/resource, and exactly one of port.name/port.number."},
  {"KH205", "ingress-empty", Severity::error, "An Ingress has neither rules nor a defaultBackend, or a rule has no paths.",
   "Add rules with http.paths, or a defaultBackend."},
  {"KH206", "ingress-class-mismatch", Severity::error,
   "The kubernetes.io/ingress.class annotation and spec.ingressClassName disagree.",
   "Drop the annotation, or make both equal."},
  {"KH210", "externalname-service", Severity::error, "An ExternalName Service is malformed.",
   "Set spec.externalName to a DNS name and do not set clusterIP(s)."},
  {"KH220", "vs-hosts", Severity::error, "VirtualService hosts are invalid or overlap.",
   "Use valid, distinct DNS names; '*' needs a gateway."},
  {"KH221", "vs-route-structure", Severity::error,
   "A VirtualService HTTP route is malformed: no or conflicting actions (route, redirect, directResponse, "
   "delegate), or an invalid match, header operation, rewrite, retry, fault, CORS or mirror setting.",
   "Give each http route exactly one action and fix the field named in the message."},
  {"KH222", "vs-destination", Severity::error, "A VirtualService destination is invalid.",
   "Use a real host, a port between 1 and 65535 and a valid subset name."},
  {"KH223", "vs-weights", Severity::error, "VirtualService destination weights are negative or all zero.",
   "Use weights >= 0 that do not sum to 0."},
  {"KH224", "vs-gateway-name", Severity::error, "A VirtualService gateway reference is malformed.",
   "Write gateways as <namespace>/<name>."},
  // Wiring
  {"KH301", "ref-not-permitted", Severity::error,
   "A cross-namespace HTTPRoute backendRef is not permitted by any ReferenceGrant in the input.",
   "Add a ReferenceGrant in the backend's namespace from the route's namespace to the Service."},
  {"KH302", "referencegrant-missing", Severity::warning,
   "A cross-namespace HTTPRoute backendRef needs a ReferenceGrant and the input has none.",
   "Add the ReferenceGrant, or ignore if it already exists in the cluster."},
  {"KH303", "referencegrant-unneeded", Severity::info, "A ReferenceGrant is not needed for the routes in the input.",
   "Remove it, or keep it for routes applied elsewhere."},
  {"KH304", "referencegrant-never-matches", Severity::warning,
   "A ReferenceGrant entry can never permit an HTTPRoute -> Service reference.",
   "Use group \"\" and kind Service in to[], group gateway.networking.k8s.io and kind HTTPRoute in from[]."},
  {"KH305", "referencegrant-too-broad", Severity::warning,
   "A ReferenceGrant in the interceptor namespace allows every Service there.",
   "Set to[].name to the interceptor proxy Service."},
  {"KH306", "referencegrant-wrong-namespace", Severity::error,
   "A ReferenceGrant meant for the interceptor lives outside the interceptor's namespace.",
   "Move the ReferenceGrant into the interceptor namespace."},
  {"KH310", "interceptor-port", Severity::error, "Traffic to the interceptor uses a port it does not listen on.",
   "Use the interceptor proxy port (8080 by default)."},
  {"KH311", "interceptor-tls-port", Severity::warning, "Traffic to the interceptor uses its TLS port.",
   "Use 8080 unless interceptor TLS is enabled and the upstream speaks TLS."},
  {"KH312", "interceptor-bypassed", Severity::warning, "Part of the traffic for a host does not go through the interceptor.",
   "Send all traffic for the host to the interceptor proxy Service."},
  {"KH313", "direct-to-target", Severity::warning,
   "A route sends traffic directly to the Service an InterceptorRoute scales, skipping the interceptor.",
   "Point the route at the interceptor proxy Service instead."},
  {"KH320", "ingress-cross-namespace-backend", Severity::error,
   "An Ingress outside the interceptor namespace names the interceptor Service, which does not exist there.",
   "Put the Ingress in the interceptor namespace, or add an ExternalName Service bridge."},
  {"KH321", "externalname-wrong-target", Severity::error, "An ExternalName bridge does not point to the interceptor.",
   "Set externalName to the interceptor's FQDN."},
  {"KH322", "externalname-not-fqdn", Severity::warning, "An ExternalName bridge uses a short interceptor name.",
   "Use the fully qualified name <svc>.<ns>.svc.<cluster-domain>."},
  {"KH323", "externalname-port", Severity::error, "An Ingress uses a port the ExternalName bridge does not declare.",
   "Use the interceptor port and declare it in the bridge Service."},
  {"KH324", "rewrite-before-interceptor", Severity::warning,
   "The host or path is rewritten before the request reaches the interceptor.",
   "Make the InterceptorRoutes match the rewritten value, or drop the rewrite."},
  {"KH330", "istio-short-host", Severity::error,
   "A VirtualService destination names the interceptor with a host Istio resolves elsewhere.",
   "Use the interceptor's fully qualified name."},
  {"KH331", "istio-port-missing", Severity::warning, "A VirtualService destination to the interceptor has no port.",
   "Set destination.port.number to the interceptor port."},
  {"KH340", "host-not-routed", Severity::warning,
   "A host is sent to the interceptor but no InterceptorRoute matches it (the interceptor answers 404).",
   "Add the host to an InterceptorRoute's rules[].hosts."},
  {"KH341", "wildcard-partially-covered", Severity::warning,
   "A wildcard host is sent to the interceptor but InterceptorRoutes match only some hosts under it.",
   "Add the wildcard to an InterceptorRoute, or list the hosts in the route."},
  {"KH342", "all-hosts-not-covered", Severity::warning,
   "A route without hostnames sends every host to the interceptor, but no InterceptorRoute is a catch-all.",
   "Set hostnames on the route, or add a catch-all InterceptorRoute rule."},
  {"KH343", "interceptorroute-unreferenced", Severity::info,
   "An InterceptorRoute host is not routed to the interceptor by any route in the input.",
   "Add an HTTPRoute/Ingress/VirtualService for the host, or ignore if it lives elsewhere."},
  {"KH344", "interceptorroute-host-format", Severity::warning,
   "An InterceptorRoute host can never match a request Host (matching is exact and case-sensitive).",
   "Write hosts as lowercase DNS names without scheme, path or spaces; '*' only as a whole first label."},
  {"KH345", "path-not-covered", Severity::warning,
   "A path is sent to the interceptor but no InterceptorRoute rule for the host matches it.",
   "Add the path (or '/') to the InterceptorRoute rule for the host."},
  {"KH350", "invalid-duration", Severity::error, "An InterceptorRoute duration is not a Go duration.",
   "Write durations like 500ms, 30s, 1m30s."},
  {"KH351", "rate-granularity", Severity::error,
   "requestRate.granularity must be a whole number of seconds >= 1s (warning: window shorter than granularity).",
   "Use a granularity such as 1s and a window at least as long."},
  {"KH352", "externalname-backendref", Severity::warning, "An HTTPRoute backend is an ExternalName Service.",
   "Reference the interceptor Service directly with a ReferenceGrant."},
  {"KH353", "no-parent-refs", Severity::warning, "An HTTPRoute has no parentRefs and attaches to no Gateway.",
   "Add parentRefs naming your Gateway."},
  {"KH354", "hostname-is-ip", Severity::warning, "An HTTPRoute hostname is an IP address.", "Use a DNS name."},
  {"KH355", "referencegrant-v1", Severity::info,
   "ReferenceGrant gateway.networking.k8s.io/v1 is served only by Gateway API >= v1.5.0.",
   "Use gateway.networking.k8s.io/v1beta1 to work with every Gateway API release."},
};

} // namespace

const std::vector<RuleInfo>&
rule_catalog()
{
  return k_rules;
}

const RuleInfo*
find_rule(std::string_view code)
{
  for (const RuleInfo& rule : k_rules) {
    if (rule.code == code) {
      return &rule;
    }
  }
  return nullptr;
}

std::string
rules_markdown()
{
  std::string out =
    "# kedahttp validate: rules\n\n"
    "Generated from libinterceptor/kedahttp/validate/catalog.cpp (`kedahttp validate --list-rules --output "
    "markdown`); a test keeps the two equal.\n\n"
    "| code | check | severity | what it finds | how to fix it |\n"
    "| --- | --- | --- | --- | --- |\n";
  for (const RuleInfo& rule : k_rules) {
    out += "| " + std::string(rule.code) + " | " + std::string(rule.check) + " | "
           + std::string(core::to_string(rule.severity)) + " | " + std::string(rule.description) + " | "
           + std::string(rule.remediation) + " |\n";
  }
  return out;
}

} // namespace kedahttp::validate
