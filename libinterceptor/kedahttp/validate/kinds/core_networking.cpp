// Ingress (networking.k8s.io/v1) and Service (v1): built-in types, so the
// structural schema only names the fields and their types; the rules are the
// API server's Go validation (kubernetes/kubernetes pkg/apis/networking/validation
// and pkg/apis/core/validation), reported with the KH2xx codes of
// spec/manifests.md 2.3 where it defines one.

#include <kedahttp/util/strings.hpp>
#include <kedahttp/validate/kinds.hpp>
#include <kedahttp/validate/names.hpp>

#include <set>

namespace kedahttp::validate {

namespace {

using manifest::Node;
using manifest::ScalarType;


std::optional<int64_t>
integer_of(const Node* node)
{
  if (!node || !node->is_scalar() || node->scalar_type() != ScalarType::integer) {
    return std::nullopt;
  }
  return node->as_int();
}

// Number of items, counting a value of the wrong type as one (it is "set").
size_t
count(const Node* node)
{
  if (!node) {
    return 0;
  }
  return node->is_sequence() ? node->items.size() : 1;
}

std::string
invalid(std::string_view value, const std::string& reason)
{
  return "Invalid value: " + util::quote(value) + ": " + reason;
}

std::string
invalid(int64_t value, const std::string& reason)
{
  return "Invalid value: " + std::to_string(value) + ": " + reason;
}

// Format that lets the empty string through: Go skips empty optional strings.
Format
unless_empty(Format format)
{
  return [format](std::string_view value) -> std::optional<std::string> {
    if (value.empty()) {
      return std::nullopt;
    }
    return format(value);
  };
}

const char* const k_port_range = "must be between 1 and 65535, inclusive";
const char* const k_ip_reason = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";

// --- Ingress ---

const char* const k_ingress_class_annotation = "kubernetes.io/ingress.class";

// apimachinery's IsPathSegmentName: resource kind and name end up in a URL path.
std::optional<std::string>
path_segment_error(std::string_view value)
{
  if (value == "." || value == "..") {
    return "may not be '" + std::string(value) + "'";
  }
  for (std::string_view bad : {"/", "%"}) {
    if (value.find(bad) != std::string_view::npos) {
      return "may not contain '" + std::string(bad) + "'";
    }
  }
  return std::nullopt;
}

void
check_resource_backend(const Node& resource, const std::string& path, Context& ctx)
{
  const Node* group = get(resource, "apiGroup");
  if (is_string(group)) {
    if (auto problem = dns1123_subdomain_error(group->value)) {
      ctx.error("KH204", join_path(path, "apiGroup"), group->mark, invalid(group->value, *problem));
    }
  }
  for (const char* key : {"kind", "name"}) {
    const Node* value = get(resource, key);
    if (!value || (is_string(value) && value->value.empty())) {
      ctx.error("KH204", join_path(path, key), value ? value->mark : resource.mark, "Required value");
    } else if (is_string(value)) {
      if (auto problem = path_segment_error(value->value)) {
        ctx.error("KH204", join_path(path, key), value->mark, invalid(value->value, *problem));
      }
    }
  }
}

void
check_service_backend(const Node& backend, const Node& service, const std::string& path, Context& ctx)
{
  const std::string service_path = join_path(path, "service");
  const Node* name = get(service, "name");
  if (!name || (is_string(name) && name->value.empty())) {
    ctx.error("KH204", join_path(service_path, "name"), name ? name->mark : service.mark, "Required value");
  } else if (is_string(name)) {
    if (auto problem = dns1035_label_error(name->value)) {
      ctx.error("KH204", join_path(service_path, "name"), name->mark, invalid(name->value, *problem));
    }
  }

  // A zero number and an empty name count as unset, as in Go.
  const Node* port = get(service, "port");
  const Node* port_name = port && port->is_mapping() ? get(*port, "name") : nullptr;
  const Node* port_number = port && port->is_mapping() ? get(*port, "number") : nullptr;
  const bool has_name = port_name && !(is_string(port_name) && port_name->value.empty());
  const bool has_number = port_number && integer_of(port_number) != 0;
  const std::string port_path = join_path(service_path, "port");
  if (has_name && has_number) {
    ctx.error("KH204", path, backend.mark, "Invalid value: \"\": cannot set both port name & port number");
  } else if (has_name) {
    if (is_string(port_name)) {
      if (auto problem = iana_svc_name_error(port_name->value)) {
        ctx.error("KH204", join_path(port_path, "name"), port_name->mark, invalid(port_name->value, *problem));
      }
    }
  } else if (has_number) {
    const auto number = integer_of(port_number);
    if (number && (*number < 1 || *number > 65535)) {
      ctx.error("KH204", join_path(port_path, "number"), port_number->mark, invalid(*number, k_port_range));
    }
  } else {
    ctx.error("KH204", path, backend.mark, "Required value: port name or number is required");
  }
}

// validateIngressBackend: exactly one of service/resource.
void
check_backend(const Node& backend, const std::string& path, Context& ctx)
{
  if (!backend.is_mapping()) {
    return;
  }
  const Node* service = get(backend, "service");
  const Node* resource = get(backend, "resource");
  if (service && resource) {
    ctx.error("KH204", path, backend.mark, "Invalid value: \"\": cannot set both resource and service backends");
  } else if (resource) {
    if (resource->is_mapping()) {
      check_resource_backend(*resource, join_path(path, "resource"), ctx);
    }
  } else if (service) {
    if (service->is_mapping()) {
      check_service_backend(backend, *service, path, ctx);
    }
  } else {
    ctx.error("KH204", path, backend.mark, "Invalid value: \"\": resource or service backend is required");
  }
}

// validateHTTPIngressPath. networking/v1 has no pathType default (section 6, item 10).
void
check_http_path(const Node& item, const std::string& path, Context& ctx)
{
  const Node* type = get(item, "pathType");
  if (!type) {
    ctx.error("KH201", join_path(path, "pathType"), item.mark, "Required value: pathType must be specified");
    return; // Go stops here, the backend is not looked at
  }
  const Node* value_node = get(item, "path");
  const std::string value = is_string(value_node) ? value_node->value : "";
  const bool path_ok = !value_node || is_string(value_node); // otherwise KH102 already
  const std::string value_path = join_path(path, "path");
  const core::SourceMark mark = value_node ? value_node->mark : item.mark;
  if (is_string(type) && (type->value == "Exact" || type->value == "Prefix")) {
    if (path_ok && value.rfind('/', 0) != 0) {
      ctx.error("KH202", value_path, mark, invalid(value, "must be an absolute path"));
    }
    if (path_ok && !value.empty()) {
      for (std::string_view sequence : {"//", "/./", "/../", "%2f", "%2F"}) {
        if (value.find(sequence) != std::string::npos) {
          ctx.error("KH202", value_path, mark, invalid(value, "must not contain '" + std::string(sequence) + "'"));
        }
      }
      for (std::string_view suffix : {"/..", "/."}) {
        if (value.size() >= suffix.size() && value.compare(value.size() - suffix.size(), suffix.size(), suffix) == 0) {
          ctx.error("KH202", value_path, mark, invalid(value, "cannot end with '" + std::string(suffix) + "'"));
        }
      }
    }
  } else if (is_string(type) && type->value == "ImplementationSpecific") {
    if (path_ok && !value.empty() && value.front() != '/') {
      ctx.error("KH202", value_path, mark, invalid(value, "must be an absolute path"));
    }
  } else if (is_string(type)) {
    ctx.error("KH201", join_path(path, "pathType"), type->mark,
              "Unsupported value: " + util::quote(type->value)
                + ": supported values: \"Exact\", \"ImplementationSpecific\", \"Prefix\"");
  }
  const Node* backend = get(item, "backend");
  if (!backend) {
    ctx.error("KH204", join_path(path, "backend"), item.mark,
              "Invalid value: \"\": resource or service backend is required");
  } else {
    check_backend(*backend, join_path(path, "backend"), ctx);
  }
}

// A host in rules[] (IPs rejected) or tls[].hosts[] (IPs pass the DNS check).
void
check_ingress_host(const Node& host, const std::string& path, bool reject_ip, Context& ctx)
{
  if (!is_string(&host) || host.value.empty()) {
    return;
  }
  if (reject_ip && is_ip_address(host.value)) {
    ctx.error("KH203", path, host.mark, invalid(host.value, "must be a DNS name, not an IP address"));
  }
  const auto problem = host.value.find('*') != std::string::npos ? wildcard_dns1123_subdomain_error(host.value)
                                                                  : dns1123_subdomain_error(host.value);
  if (problem) {
    ctx.error("KH203", path, host.mark, invalid(host.value, *problem));
  }
}

void
check_ingress_rule(const Node& rule, const std::string& path, Context& ctx)
{
  if (const Node* host = get(rule, "host")) {
    check_ingress_host(*host, join_path(path, "host"), true, ctx);
  }
  const Node* http = get(rule, "http");
  if (http && http->is_mapping()) {
    const Node* paths = get(*http, "paths");
    if (count(paths) == 0) {
      ctx.error("KH205", join_path(join_path(path, "http"), "paths"), paths ? paths->mark : http->mark,
                "Required value");
    }
  }
}

void
check_ingress_tls(const Node& tls, const std::string& path, Context& ctx)
{
  const Node* hosts = get(tls, "hosts");
  if (hosts && hosts->is_sequence()) {
    for (size_t i = 0; i < hosts->items.size(); ++i) {
      check_ingress_host(hosts->items[i], index_path(join_path(path, "hosts"), i), false, ctx);
    }
  }
}

void
check_ingress_spec(const Node& spec, const std::string& path, Context& ctx)
{
  const Node* rules = get(spec, "rules");
  const Node* default_backend = get(spec, "defaultBackend");
  if (count(rules) == 0 && !default_backend) {
    ctx.error("KH205", path, spec.mark,
              std::string("Invalid value: ") + (rules ? "[]" : "null")
                + ": either `defaultBackend` or `rules` must be specified");
  }
  if (default_backend) {
    check_backend(*default_backend, join_path(path, "defaultBackend"), ctx);
  }
}

// Object-level rules: a missing spec, and the class annotation (ValidateIngressCreate).
void
check_ingress_object(const Node& object, const std::string&, Context& ctx)
{
  const Node* spec = get(object, "spec");
  if (!spec) {
    ctx.error("KH205", "spec", object.mark,
              "Invalid value: null: either `defaultBackend` or `rules` must be specified");
  }
  const Node* metadata = get(object, "metadata");
  const Node* annotations = metadata && metadata->is_mapping() ? get(*metadata, "annotations") : nullptr;
  const Node* annotation = annotations && annotations->is_mapping() ? get(*annotations, k_ingress_class_annotation)
                                                                    : nullptr;
  const Node* class_name = spec && spec->is_mapping() ? get(*spec, "ingressClassName") : nullptr;
  if (is_string(annotation) && is_string(class_name) && annotation->value != class_name->value) {
    // The API server's path has no "metadata." prefix.
    ctx.error("KH206", std::string("annotations.") + k_ingress_class_annotation, annotation->mark,
              invalid(annotation->value, "must match `ingressClassName` when both are specified"));
  }
}

std::vector<Field>
ingress_body(Channel)
{
  auto backend = obj({
    opt("service", obj({
                     opt("name", str()),
                     opt("port", obj({opt("name", str()), opt("number", integer())})),
                   })),
    opt("resource", obj({opt("apiGroup", str()), opt("kind", str()), opt("name", str())})),
  });
  auto http_path = obj({
                         opt("path", str()),
                         opt("pathType", str()),
                         opt("backend", backend),
                       })
                     .check(check_http_path);
  auto rule = obj({
                    opt("host", str()),
                    opt("http", obj({opt("paths", array(http_path))})),
                  })
                .check(check_ingress_rule);
  auto tls = obj({
                   opt("hosts", array(str())),
                   opt("secretName", str().format(unless_empty(dns1123_subdomain_format()))),
                 })
               .check(check_ingress_tls);
  auto spec = obj({
                    opt("ingressClassName", str().format(dns1123_subdomain_format())),
                    opt("defaultBackend", backend),
                    opt("rules", array(rule)),
                    opt("tls", array(tls)),
                  })
                .check(check_ingress_spec);
  return {opt("spec", spec)};
}

// --- Service ---

// The effective type: the API server defaults an absent type to ClusterIP.
std::string
service_type(const Node& spec)
{
  const Node* type = get(spec, "type");
  return is_string(type) ? type->value : "ClusterIP";
}

// spec.clusterIPs, or spec.clusterIP alone (the API server copies it over).
std::vector<const Node*>
cluster_ips(const Node& spec)
{
  std::vector<const Node*> out;
  const Node* ips = get(spec, "clusterIPs");
  if (ips && ips->is_sequence() && !ips->items.empty()) {
    for (const Node& ip : ips->items) {
      out.push_back(&ip);
    }
  } else if (const Node* ip = get(spec, "clusterIP"); is_string(ip) && !ip->value.empty()) {
    out.push_back(ip);
  }
  return out;
}

bool
is_headless(const Node& spec)
{
  const auto ips = cluster_ips(spec);
  return ips.size() == 1 && is_string(ips[0]) && ips[0]->value == "None";
}

void
check_external_name(const Node& spec, const std::string& path, Context& ctx)
{
  if (!cluster_ips(spec).empty()) {
    const Node* field = get(spec, "clusterIPs") ? get(spec, "clusterIPs") : get(spec, "clusterIP");
    ctx.error("KH210", join_path(path, "clusterIPs"), field->mark,
              "Forbidden: may not be set for ExternalName services");
  }
  if (const Node* families = get(spec, "ipFamilies"); count(families) > 0) {
    ctx.error("KH210", join_path(path, "ipFamilies"), families->mark,
              "Forbidden: may not be set for ExternalName services");
  }
  if (const Node* policy = get(spec, "ipFamilyPolicy")) {
    ctx.error("KH210", join_path(path, "ipFamilyPolicy"), policy->mark,
              "Forbidden: may not be set for ExternalName services");
  }
  // The value is a CNAME: one trailing dot marks it fully qualified.
  const Node* name = get(spec, "externalName");
  if (name && !is_string(name)) {
    return; // KH102 already
  }
  std::string cname = name ? name->value : "";
  if (!cname.empty() && cname.back() == '.') {
    cname.pop_back();
  }
  if (cname.empty()) {
    ctx.error("KH210", join_path(path, "externalName"), name ? name->mark : spec.mark, "Required value");
  } else if (auto problem = dns1123_subdomain_error(cname)) {
    ctx.error("KH210", join_path(path, "externalName"), name->mark, invalid(cname, *problem));
  }
}

void
check_service_ports(const Node& spec, const std::string& path, const std::string& type, Context& ctx)
{
  const Node* ports = get(spec, "ports");
  if (!ports || !ports->is_sequence()) {
    return;
  }
  const std::string ports_path = join_path(path, "ports");
  std::set<std::string> names;
  std::set<std::pair<std::string, int64_t>> numbers;
  for (size_t i = 0; i < ports->items.size(); ++i) {
    const Node& port = ports->items[i];
    if (!port.is_mapping()) {
      continue;
    }
    const std::string port_path = index_path(ports_path, i);
    const Node* name = get(port, "name");
    if (!name || (is_string(name) && name->value.empty())) {
      if (ports->items.size() > 1) {
        ctx.error("KH101", join_path(port_path, "name"), name ? name->mark : port.mark, "Required value");
      }
    } else if (is_string(name) && !names.insert(name->value).second) {
      ctx.error("KH106", join_path(port_path, "name"), name->mark, "Duplicate value: " + util::quote(name->value));
    }
    // (protocol, port) pairs are unique; protocol defaults to TCP.
    const Node* protocol = get(port, "protocol");
    const std::string protocol_value = is_string(protocol) ? protocol->value : "TCP";
    if (const auto number = integer_of(get(port, "port"))) {
      if (!numbers.emplace(protocol_value, *number).second) {
        ctx.error("KH106", port_path, port.mark,
                  "Duplicate value: {\"port\":" + std::to_string(*number) + ",\"protocol\":"
                    + util::quote(protocol_value) + "}");
      }
    }
    const auto node_port = integer_of(get(port, "nodePort"));
    if (type == "ClusterIP" && node_port && *node_port != 0) {
      ctx.error("KH104", join_path(port_path, "nodePort"), get(port, "nodePort")->mark,
                "Forbidden: may not be used when `type` is 'ClusterIP'");
    }
  }
}

void
check_cluster_ips(const Node& spec, const std::string& path, Context& ctx)
{
  const bool from_list = get(spec, "clusterIPs") != nullptr;
  const auto ips = cluster_ips(spec);
  for (size_t i = 0; i < ips.size(); ++i) {
    if (!is_string(ips[i])) {
      continue;
    }
    const std::string ip_path = from_list ? index_path(join_path(path, "clusterIPs"), i) : join_path(path, "clusterIP");
    const std::string& ip = ips[i]->value;
    if (i == 0 && ip == "None") {
      if (ips.size() > 1) {
        ctx.error("KH104", join_path(path, "clusterIPs"), ips[i]->mark,
                  "Invalid value: \"None\": 'None' must be the first and only value");
      }
      continue;
    }
    if (!is_ip_address(ip)) {
      ctx.error("KH104", ip_path, ips[i]->mark, invalid(ip, k_ip_reason));
    }
  }
  if (ips.size() > 2) {
    ctx.error("KH104", join_path(path, "clusterIPs"), get(spec, "clusterIPs")->mark,
              "Invalid value: " + std::to_string(ips.size()) + ": may only hold up to 2 values");
  }
}

// ValidateService: the type-dependent rules a schema cannot express.
void
check_service_spec(const Node& spec, const std::string& path, Context& ctx)
{
  const std::string type = service_type(spec);
  const bool external_name = type == "ExternalName";
  if (count(get(spec, "ports")) == 0 && !is_headless(spec) && !external_name) {
    ctx.error("KH101", join_path(path, "ports"), spec.mark, "Required value");
  }
  if ((type == "LoadBalancer" || type == "NodePort") && is_headless(spec)) {
    ctx.error("KH104", index_path(join_path(path, "clusterIPs"), 0), cluster_ips(spec)[0]->mark,
              "Invalid value: \"None\": may not be set to 'None' for " + type + " services");
  }
  if (external_name) {
    check_external_name(spec, path, ctx);
  } else {
    check_cluster_ips(spec, path, ctx);
  }
  check_service_ports(spec, path, type, ctx);

  const Node* affinity = get(spec, "sessionAffinity");
  const Node* affinity_config = get(spec, "sessionAffinityConfig");
  if (affinity_config && (!affinity || (is_string(affinity) && affinity->value == "None"))) {
    ctx.error("KH104", join_path(path, "sessionAffinityConfig"), affinity_config->mark,
              "Forbidden: must not be set when session affinity is None");
  }

  const Node* external_ips = get(spec, "externalIPs");
  if (external_ips && external_ips->is_sequence()) {
    for (size_t i = 0; i < external_ips->items.size(); ++i) {
      const Node& ip = external_ips->items[i];
      if (is_string(&ip) && !is_ip_address(ip.value)) {
        ctx.error("KH104", index_path(join_path(path, "externalIPs"), i), ip.mark, invalid(ip.value, k_ip_reason));
      }
    }
  }

  const std::string load_balancer_only = "Forbidden: may only be used when `type` is 'LoadBalancer'";
  for (const char* key : {"loadBalancerSourceRanges", "allocateLoadBalancerNodePorts", "loadBalancerClass"}) {
    const Node* value = get(spec, key);
    if (value && count(value) > 0 && type != "LoadBalancer") {
      ctx.error("KH104", join_path(path, key), value->mark, load_balancer_only);
    }
  }

  // ExternallyAccessible: LoadBalancer, NodePort, or ClusterIP with externalIPs.
  const bool externally_accessible = type == "LoadBalancer" || type == "NodePort"
                                     || (type == "ClusterIP" && count(external_ips) > 0);
  const Node* external_policy = get(spec, "externalTrafficPolicy");
  if (is_string(external_policy) && !external_policy->value.empty() && !externally_accessible) {
    ctx.error(external_name ? "KH210" : "KH104", join_path(path, "externalTrafficPolicy"), external_policy->mark,
              invalid(external_policy->value, "may only be set for externally-accessible services"));
  }
  const Node* health_port = get(spec, "healthCheckNodePort");
  const auto health_port_value = integer_of(health_port);
  const bool needs_health_check =
    type == "LoadBalancer" && is_string(external_policy) && external_policy->value == "Local";
  if (health_port_value && *health_port_value != 0 && !needs_health_check) {
    ctx.error("KH104", join_path(path, "healthCheckNodePort"), health_port->mark,
              invalid(*health_port_value,
                      "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
  }
}

void
check_service_object(const Node& object, const std::string&, Context& ctx)
{
  if (!get(object, "spec")) {
    ctx.error("KH101", "spec.ports", object.mark, "Required value");
  }
}

std::vector<Field>
service_body(Channel)
{
  auto selector = string_map(str()).check([](const Node& node, const std::string& path, Context& ctx) {
    for (const manifest::Entry& entry : node.entries) {
      const std::string entry_path = join_path(path, entry.key);
      if (auto problem = qualified_name_error(entry.key)) {
        ctx.error("KH104", entry_path, entry.key_mark, invalid(entry.key, *problem));
      }
      if (is_string(&entry.value)) {
        if (auto problem = label_value_error(entry.value.value)) {
          ctx.error("KH104", entry_path, entry.value.mark, invalid(entry.value.value, *problem));
        }
      }
    }
  });
  auto port = obj({
    opt("name", str().format(unless_empty(dns1123_label_format()))),
    opt("protocol", str().one_of({"SCTP", "TCP", "UDP"})),
    opt("appProtocol", str().format([](std::string_view value) { return qualified_name_error(value); })),
    req("port", port_number()),
    opt("targetPort", int_or_string().range(1, 65535).format([](std::string_view value) {
          return iana_svc_name_error(value);
        })),
    opt("nodePort", integer()),
  });
  auto spec = obj({
                    opt("type", str().one_of({"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"})),
                    opt("ports", array(port)),
                    opt("selector", selector),
                    opt("clusterIP", str()),
                    opt("clusterIPs", array(str())),
                    opt("externalIPs", array(str())),
                    opt("externalName", str()),
                    opt("sessionAffinity", str().one_of({"ClientIP", "None"})),
                    opt("sessionAffinityConfig",
                        obj({opt("clientIP", obj({opt("timeoutSeconds", integer().range(1, 86400))}))})),
                    opt("loadBalancerIP", str()),
                    opt("loadBalancerSourceRanges", array(str())),
                    opt("loadBalancerClass", str()),
                    opt("allocateLoadBalancerNodePorts", boolean()),
                    opt("externalTrafficPolicy", str().one_of({"Cluster", "Local"})),
                    opt("internalTrafficPolicy", str().one_of({"Cluster", "Local"})),
                    opt("healthCheckNodePort", integer()),
                    opt("publishNotReadyAddresses", boolean()),
                    opt("ipFamilies", array(str().one_of({"IPv4", "IPv6"}))),
                    opt("ipFamilyPolicy", str().one_of({"PreferDualStack", "RequireDualStack", "SingleStack"})),
                    opt("trafficDistribution", str().one_of({"PreferClose", "PreferSameNode", "PreferSameZone"})),
                  })
                .check(check_service_spec);
  return {opt("spec", spec)};
}

} // namespace

KindRules
ingress_kind()
{
  KindRules rules;
  rules.group = "networking.k8s.io";
  rules.kind = "Ingress";
  rules.versions = {"networking.k8s.io/v1"};
  rules.body = ingress_body;
  rules.semantics = check_ingress_object;
  return rules;
}

KindRules
service_kind()
{
  KindRules rules;
  rules.group = "";
  rules.kind = "Service";
  rules.versions = {"v1"};
  rules.name_rule = NameRule::dns1035_label;
  rules.body = service_body;
  rules.semantics = check_service_object;
  return rules;
}

} // namespace kedahttp::validate
