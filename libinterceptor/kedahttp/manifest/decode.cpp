#include <kedahttp/manifest/decode.hpp>

namespace kedahttp::manifest {

namespace {


std::string
text(const Node& node, std::string_view key, std::string fallback = {})
{
  const Node& child = at(node, key);
  return child.is_scalar() ? child.value : fallback;
}

std::optional<int64_t>
number(const Node& node, std::string_view key)
{
  return at(node, key).as_int();
}

std::optional<int32_t>
number32(const Node& node, std::string_view key)
{
  const auto value = number(node, key);
  if (!value || *value < INT32_MIN || *value > INT32_MAX) {
    return std::nullopt;
  }
  return static_cast<int32_t>(*value);
}

std::map<std::string, std::string>
string_map(const Node& node)
{
  std::map<std::string, std::string> out;
  for (const Entry& entry : node.entries) {
    out[entry.key] = entry.value.str();
  }
  return out;
}

std::string
child_path(const std::string& parent, std::string_view key)
{
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

std::string
item_path(const std::string& parent, size_t i)
{
  return parent + "[" + std::to_string(i) + "]";
}

std::vector<spec::Located<std::string>>
located_strings(const Node& list, const std::string& path)
{
  std::vector<spec::Located<std::string>> out;
  for (size_t i = 0; i < list.items.size(); ++i) {
    out.push_back({list.items[i].str(), {item_path(path, i), list.items[i].mark}});
  }
  return out;
}

spec::PortRef
port_ref(const Node& node, std::string_view number_key, std::string_view name_key)
{
  return {number32(node, number_key), text(node, name_key)};
}

spec::StaticResponse
static_response(const Node& node)
{
  spec::StaticResponse response;
  if (auto code = number32(node, "statusCode")) {
    response.status_code = *code;
  }
  response.body = text(node, "body");
  if (const Node* from = node.find("bodyFromConfigMap"); from && from->is_mapping()) {
    response.body_config_map = text(*from, "name");
    response.body_config_map_key = text(*from, "key");
  }
  response.headers = string_map(at(node, "headers"));
  return response;
}

// HTTPScaledObject `spec.headers`: `[{name, value?}]`; an absent or null value is a presence match.
std::vector<spec::HeaderMatch>
header_matches(const Node& list)
{
  std::vector<spec::HeaderMatch> out;
  for (const Node& header : list.items) {
    spec::HeaderMatch match{text(header, "name"), std::nullopt};
    if (const Node* value = header.find("value"); value && !value->is_null()) {
      match.value = text(header, "value");
    }
    out.push_back(std::move(match));
  }
  return out;
}

std::vector<spec::RouteRule>
route_rules(const Node& list, const std::string& path)
{
  std::vector<spec::RouteRule> rules;
  for (size_t i = 0; i < list.items.size(); ++i) {
    const Node& item = list.items[i];
    const std::string rule_path = item_path(path, i);
    spec::RouteRule rule;
    rule.where = {rule_path, item.mark};
    rule.hosts = located_strings(at(item, "hosts"), child_path(rule_path, "hosts"));
    const Node& paths = at(item, "paths");
    for (size_t k = 0; k < paths.items.size(); ++k) {
      rule.paths.push_back({text(paths.items[k], "value"),
                            {item_path(child_path(rule_path, "paths"), k) + ".value", paths.items[k].mark}});
    }
    for (const Node& header : at(item, "headers").items) {
      spec::HeaderMatch match{text(header, "name"), std::nullopt};
      if (header.find("value") && !header.find("value")->is_null()) {
        match.value = text(header, "value");
      }
      rule.headers.push_back(std::move(match));
    }
    rules.push_back(std::move(rule));
  }
  return rules;
}

} // namespace

std::string
api_group(const std::string& api_version)
{
  const size_t slash = api_version.find('/');
  return slash == std::string::npos ? std::string() : api_version.substr(0, slash);
}

spec::ObjectMeta
decode_meta(const Object& object, const std::string& default_namespace)
{
  spec::ObjectMeta meta;
  meta.api_version = object.ref.api_version;
  meta.kind = object.ref.kind;
  meta.name = object.ref.name;
  meta.ns = object.ref.ns.empty() ? default_namespace : object.ref.ns;
  const Node& metadata = at(object.root, "metadata");
  meta.labels = string_map(at(metadata, "labels"));
  meta.annotations = string_map(at(metadata, "annotations"));
  meta.creation_timestamp = text(metadata, "creationTimestamp");
  meta.file = object.file;
  meta.mark = object.root.mark;
  return meta;
}

spec::InterceptorRoute
decode_interceptor_route(const Object& object, const std::string& default_namespace)
{
  spec::InterceptorRoute route;
  route.meta = decode_meta(object, default_namespace);
  const Node& spec = at(object.root, "spec");
  const Node& target = at(spec, "target");
  route.target_service = text(target, "service");
  route.target_port = port_ref(target, "port", "portName");
  const Node& metric = at(spec, "scalingMetric");
  route.concurrency_target = number32(at(metric, "concurrency"), "targetValue");
  const Node& rate = at(metric, "requestRate");
  route.request_rate_target = number32(rate, "targetValue");
  route.request_rate_window = text(rate, "window", "1m");
  route.request_rate_granularity = text(rate, "granularity", "1s");
  route.rules = route_rules(at(spec, "rules"), "spec.rules");
  const Node& statics = at(spec, "staticRoutes");
  for (size_t i = 0; i < statics.items.size(); ++i) {
    const Node& item = statics.items[i];
    spec::InterceptorRoute::StaticRoute entry;
    entry.rules = route_rules(at(item, "rules"), item_path("spec.staticRoutes", i) + ".rules");
    entry.response = static_response(at(item, "response"));
    entry.mode = text(item, "responseMode", "WhenUnavailable");
    route.static_routes.push_back(std::move(entry));
  }
  const Node& cold = at(spec, "coldStart");
  if (const Node* placeholder = cold.find("placeholder"); placeholder && placeholder->is_mapping()) {
    route.placeholder = static_response(at(*placeholder, "response"));
  }
  if (const Node* fallback = cold.find("fallback"); fallback && fallback->is_mapping()) {
    const Node& service = at(*fallback, "service");
    route.fallback_service = text(service, "name");
    route.fallback_port = port_ref(service, "port", "portName");
  }
  const Node& timeouts = at(spec, "timeouts");
  route.readiness_timeout = text(timeouts, "readiness");
  route.request_timeout = text(timeouts, "request");
  route.response_header_timeout = text(timeouts, "responseHeader");
  return route;
}

spec::HTTPScaledObject
decode_http_scaled_object(const Object& object, const std::string& default_namespace)
{
  spec::HTTPScaledObject hso;
  hso.meta = decode_meta(object, default_namespace);
  const Node& spec = at(object.root, "spec");
  hso.hosts = located_strings(at(spec, "hosts"), "spec.hosts");
  for (const Node& prefix : at(spec, "pathPrefixes").items) {
    hso.path_prefixes.push_back(prefix.str());
  }
  const Node& ref = at(spec, "scaleTargetRef");
  hso.target_service = text(ref, "service");
  hso.target_port = port_ref(ref, "port", "portName");
  hso.deployment = text(ref, "name", text(ref, "deployment"));
  const Node& replicas = at(spec, "replicas");
  hso.min_replicas = number32(replicas, "min");
  hso.max_replicas = number32(replicas, "max");
  hso.target_pending_requests = number32(spec, "targetPendingRequests");
  hso.headers = header_matches(at(spec, "headers"));
  const Node& metric = at(spec, "scalingMetric");
  if (const Node* concurrency = metric.find("concurrency"); concurrency && concurrency->is_mapping()) {
    hso.concurrency_target = number32(*concurrency, "targetValue").value_or(100);
  }
  if (const Node* rate = metric.find("requestRate"); rate && rate->is_mapping()) {
    hso.request_rate_target = number32(*rate, "targetValue").value_or(100);
    hso.request_rate_window = text(*rate, "window", "1m");
    hso.request_rate_granularity = text(*rate, "granularity", "1s");
  }
  if (const Node* failover = spec.find("coldStartTimeoutFailoverRef"); failover && failover->is_mapping()) {
    spec::HTTPScaledObject::FailoverRef failover_ref;
    failover_ref.service = text(*failover, "service");
    failover_ref.port = port_ref(*failover, "port", "portName");
    failover_ref.timeout_seconds = number32(*failover, "timeoutSeconds").value_or(30);
    hso.failover = std::move(failover_ref);
  }
  const Node& timeouts = at(spec, "timeouts");
  hso.condition_wait_timeout = text(timeouts, "conditionWait");
  hso.response_header_timeout = text(timeouts, "responseHeader");
  return hso;
}

spec::HTTPRoute
decode_http_route(const Object& object, const std::string& default_namespace)
{
  spec::HTTPRoute route;
  route.meta = decode_meta(object, default_namespace);
  const Node& spec = at(object.root, "spec");
  for (const Node& parent : at(spec, "parentRefs").items) {
    spec::HTTPRoute::ParentRef ref;
    ref.group = text(parent, "group", ref.group);
    ref.kind = text(parent, "kind", ref.kind);
    ref.name = text(parent, "name");
    ref.ns = text(parent, "namespace");
    ref.section = text(parent, "sectionName");
    route.parents.push_back(std::move(ref));
  }
  route.hostnames = located_strings(at(spec, "hostnames"), "spec.hostnames");
  auto backend = [](const Node& node, const std::string& path, bool mirror) {
    spec::BackendRef ref;
    ref.group = text(node, "group");
    ref.kind = text(node, "kind", "Service");
    ref.name = text(node, "name");
    ref.ns = text(node, "namespace");
    ref.port = number(node, "port");
    ref.weight = number(node, "weight").value_or(1);
    ref.mirror = mirror;
    ref.where = {path, node.mark};
    return ref;
  };
  const Node& rules = at(spec, "rules");
  for (size_t i = 0; i < rules.items.size(); ++i) {
    const Node& item = rules.items[i];
    const std::string rule_path = item_path("spec.rules", i);
    spec::HTTPRoute::Rule rule;
    rule.where = {rule_path, item.mark};
    const Node& matches = at(item, "matches");
    for (size_t m = 0; m < matches.items.size(); ++m) {
      const Node& path = at(matches.items[m], "path");
      if (path.is_mapping()) {
        rule.paths.push_back({text(path, "type", "PathPrefix"), text(path, "value", "/"),
                              {item_path(child_path(rule_path, "matches"), m) + ".path", path.mark}});
      }
    }
    const Node& backends = at(item, "backendRefs");
    for (size_t b = 0; b < backends.items.size(); ++b) {
      rule.backends.push_back(backend(backends.items[b], item_path(child_path(rule_path, "backendRefs"), b), false));
    }
    const Node& filters = at(item, "filters");
    for (size_t f = 0; f < filters.items.size(); ++f) {
      const Node& filter = filters.items[f];
      const std::string filter_path = item_path(child_path(rule_path, "filters"), f);
      const std::string type = text(filter, "type");
      if (type == "RequestRedirect") {
        rule.redirect = true;
      } else if (type == "RequestMirror") {
        const Node& mirror = at(at(filter, "requestMirror"), "backendRef");
        if (mirror.is_mapping()) {
          rule.backends.push_back(backend(mirror, filter_path + ".requestMirror.backendRef", true));
        }
      } else if (type == "URLRewrite") {
        const Node& rewrite = at(filter, "urlRewrite");
        if (const Node* host = rewrite.find("hostname"); host && host->is_scalar()) {
          rule.rewrites.push_back({"URLRewrite hostname", host->value, true,
                                   {filter_path + ".urlRewrite.hostname", host->mark}});
        }
        const Node& path = at(rewrite, "path");
        if (path.is_mapping()) {
          const std::string value = text(path, "replaceFullPath", text(path, "replacePrefixMatch"));
          rule.rewrites.push_back({"URLRewrite path", value, false, {filter_path + ".urlRewrite.path", path.mark}});
        }
      } else if (type == "RequestHeaderModifier") {
        const Node& modifier = at(filter, "requestHeaderModifier");
        for (std::string_view op : {"set", "add"}) {
          for (const Node& header : at(modifier, op).items) {
            if (text(header, "name") == "Host" || text(header, "name") == "host") {
              rule.rewrites.push_back({"RequestHeaderModifier Host", text(header, "value"), true,
                                       {filter_path + ".requestHeaderModifier", header.mark}});
            }
          }
        }
      }
    }
    route.rules.push_back(std::move(rule));
  }
  return route;
}

spec::ReferenceGrant
decode_reference_grant(const Object& object, const std::string& default_namespace)
{
  spec::ReferenceGrant grant;
  grant.meta = decode_meta(object, default_namespace);
  const Node& spec = at(object.root, "spec");
  const Node& from = at(spec, "from");
  for (size_t i = 0; i < from.items.size(); ++i) {
    const Node& item = from.items[i];
    grant.from.push_back({text(item, "group"), text(item, "kind"), text(item, "namespace"),
                          {item_path("spec.from", i), item.mark}});
  }
  const Node& to = at(spec, "to");
  for (size_t i = 0; i < to.items.size(); ++i) {
    const Node& item = to.items[i];
    spec::ReferenceGrant::To entry{text(item, "group"), text(item, "kind"), std::nullopt,
                                   {item_path("spec.to", i), item.mark}};
    if (const Node* name = item.find("name"); name && name->is_scalar()) {
      entry.name = name->value;
    }
    grant.to.push_back(std::move(entry));
  }
  return grant;
}

namespace {

spec::IngressBackend
ingress_backend(const Node& node, const std::string& path)
{
  spec::IngressBackend backend;
  backend.where = {path, node.mark};
  const Node& service = at(node, "service");
  if (service.is_mapping()) {
    backend.service = text(service, "name");
    const Node& port = at(service, "port");
    backend.port_number = number(port, "number");
    backend.port_name = text(port, "name");
  }
  backend.resource = at(node, "resource").is_mapping();
  return backend;
}

} // namespace

spec::Ingress
decode_ingress(const Object& object, const std::string& default_namespace)
{
  spec::Ingress ingress;
  ingress.meta = decode_meta(object, default_namespace);
  const Node& spec = at(object.root, "spec");
  ingress.class_name = text(spec, "ingressClassName");
  if (const Node* fallback = spec.find("defaultBackend"); fallback && fallback->is_mapping()) {
    ingress.default_backend = ingress_backend(*fallback, "spec.defaultBackend");
  }
  const Node& rules = at(spec, "rules");
  for (size_t i = 0; i < rules.items.size(); ++i) {
    const Node& item = rules.items[i];
    const std::string rule_path = item_path("spec.rules", i);
    spec::Ingress::Rule rule;
    rule.where = {rule_path, item.mark};
    const Node& host = at(item, "host");
    rule.host = {host.str(), {rule_path + ".host", host.is_null() ? item.mark : host.mark}};
    const Node& paths = at(at(item, "http"), "paths");
    for (size_t p = 0; p < paths.items.size(); ++p) {
      const Node& entry = paths.items[p];
      const std::string entry_path = item_path(rule_path + ".http.paths", p);
      spec::Ingress::Path path;
      path.match = {text(entry, "pathType"), text(entry, "path"), {entry_path, entry.mark}};
      path.backend = ingress_backend(at(entry, "backend"), entry_path + ".backend");
      rule.paths.push_back(std::move(path));
    }
    ingress.rules.push_back(std::move(rule));
  }
  for (const Node& tls : at(spec, "tls").items) {
    if (const Node* secret = tls.find("secretName"); secret && secret->is_scalar()) {
      ingress.tls_secrets.push_back(secret->value);
    }
  }
  // Controller annotations that rewrite the request before it reaches the interceptor.
  const Node& annotations = at(at(object.root, "metadata"), "annotations");
  for (const Entry& entry : annotations.entries) {
    const bool path_rewrite = entry.key.ends_with("/rewrite-target");
    const bool host_rewrite = entry.key.ends_with("/upstream-vhost");
    if (path_rewrite || host_rewrite) {
      ingress.rewrites.push_back({"annotation " + entry.key, entry.value.str(), host_rewrite,
                                  {"metadata.annotations." + entry.key, entry.key_mark}});
    }
  }
  return ingress;
}

spec::Service
decode_service(const Object& object, const std::string& default_namespace)
{
  spec::Service service;
  service.meta = decode_meta(object, default_namespace);
  const Node& spec = at(object.root, "spec");
  service.type = text(spec, "type", "ClusterIP");
  const Node& external = at(spec, "externalName");
  service.external_name = {external.str(), {"spec.externalName", external.is_null() ? spec.mark : external.mark}};
  for (const Node& port : at(spec, "ports").items) {
    spec::ServicePort entry;
    entry.name = text(port, "name");
    entry.port = number(port, "port").value_or(0);
    entry.target_port = text(port, "targetPort");
    entry.protocol = text(port, "protocol", "TCP");
    entry.app_protocol = text(port, "appProtocol");
    service.ports.push_back(std::move(entry));
  }
  service.selector = string_map(at(spec, "selector"));
  return service;
}

spec::EndpointSlice
decode_endpoint_slice(const Object& object, const std::string& default_namespace)
{
  spec::EndpointSlice slice;
  slice.meta = decode_meta(object, default_namespace);
  const auto label = slice.meta.labels.find("kubernetes.io/service-name");
  if (label != slice.meta.labels.end()) {
    slice.service_name = label->second;
  }
  slice.address_type = text(object.root, "addressType", "IPv4");
  for (const Node& item : at(object.root, "endpoints").items) {
    spec::EndpointSlice::Endpoint endpoint;
    for (const Node& address : at(item, "addresses").items) {
      endpoint.addresses.push_back(address.str());
    }
    const Node& conditions = at(item, "conditions");
    auto flag = [&](std::string_view key, bool fallback) {
      const Node& value = at(conditions, key);
      return value.is_scalar() ? value.value == "true" : fallback;
    };
    endpoint.ready = flag("ready", true);
    endpoint.serving = flag("serving", endpoint.ready);
    endpoint.terminating = flag("terminating", false);
    slice.endpoints.push_back(std::move(endpoint));
  }
  for (const Node& item : at(object.root, "ports").items) {
    slice.ports.push_back({text(item, "name"), number32(item, "port"), text(item, "protocol", "TCP")});
  }
  return slice;
}

spec::ConfigMap
decode_config_map(const Object& object, const std::string& default_namespace)
{
  spec::ConfigMap map;
  map.meta = decode_meta(object, default_namespace);
  map.data = string_map(at(object.root, "data"));
  return map;
}

spec::VirtualService
decode_virtual_service(const Object& object, const std::string& default_namespace)
{
  spec::VirtualService vs;
  vs.meta = decode_meta(object, default_namespace);
  const Node& spec = at(object.root, "spec");
  vs.hosts = located_strings(at(spec, "hosts"), "spec.hosts");
  for (const Node& gateway : at(spec, "gateways").items) {
    vs.gateways.push_back(gateway.str());
  }
  const Node& http = at(spec, "http");
  for (size_t i = 0; i < http.items.size(); ++i) {
    const Node& item = http.items[i];
    const std::string route_path = item_path("spec.http", i);
    spec::VirtualService::HttpRoute route;
    route.where = {route_path, item.mark};
    const Node& matches = at(item, "match");
    for (size_t m = 0; m < matches.items.size(); ++m) {
      const Node& uri = at(matches.items[m], "uri");
      for (std::string_view type : {"exact", "prefix", "regex"}) {
        if (const Node* value = uri.find(type); value && value->is_scalar()) {
          route.uris.push_back({std::string(type), value->value,
                                {item_path(route_path + ".match", m) + ".uri", value->mark}});
        }
      }
    }
    const Node& destinations = at(item, "route");
    for (size_t d = 0; d < destinations.items.size(); ++d) {
      const Node& entry = destinations.items[d];
      const Node& destination = at(entry, "destination");
      spec::VirtualService::Destination dest;
      dest.host = text(destination, "host");
      dest.port = number(at(destination, "port"), "number");
      dest.weight = number(entry, "weight").value_or(0);
      dest.where = {item_path(route_path + ".route", d) + ".destination", destination.mark};
      route.destinations.push_back(std::move(dest));
    }
    const Node& rewrite = at(item, "rewrite");
    if (const Node* uri = rewrite.find("uri"); uri && uri->is_scalar()) {
      route.rewrites.push_back({"rewrite.uri", uri->value, false, {route_path + ".rewrite.uri", uri->mark}});
    }
    if (const Node* authority = rewrite.find("authority"); authority && authority->is_scalar()) {
      route.rewrites.push_back(
        {"rewrite.authority", authority->value, true, {route_path + ".rewrite.authority", authority->mark}});
    }
    vs.http.push_back(std::move(route));
  }
  return vs;
}

spec::ScaledObject
decode_scaled_object(const Object& object, const std::string& default_namespace)
{
  spec::ScaledObject so;
  so.meta = decode_meta(object, default_namespace);
  const Node& spec = at(object.root, "spec");
  const Node& target = at(spec, "scaleTargetRef");
  so.scale_target_kind = text(target, "kind", "Deployment");
  so.scale_target_name = text(target, "name");
  so.min_replicas = number32(spec, "minReplicaCount");
  so.max_replicas = number32(spec, "maxReplicaCount");
  so.cooldown_period = number32(spec, "cooldownPeriod");
  so.polling_interval = number32(spec, "pollingInterval");
  for (const Node& trigger : at(spec, "triggers").items) {
    so.triggers.push_back({text(trigger, "type"), string_map(at(trigger, "metadata"))});
  }
  return so;
}

} // namespace kedahttp::manifest
