#include <kedahttp/gen/gen.hpp>

#include <kedahttp/manifest/decode.hpp>

#include <algorithm>
#include <set>

namespace kedahttp::gen {

using manifest::Node;
using manifest::NodeType;

namespace {

Node
text(const std::string& value)
{
  return Node::scalar(value, true);
}

Node
number(int64_t value)
{
  return Node::scalar(std::to_string(value), false);
}

Node
sequence(std::vector<Node> items = {})
{
  Node node;
  node.type = NodeType::sequence;
  node.items = std::move(items);
  return node;
}

Node
text_list(const std::vector<std::string>& values)
{
  std::vector<Node> items;
  for (const std::string& value : values) {
    items.push_back(text(value));
  }
  return sequence(std::move(items));
}

// apiVersion, kind, metadata{name, namespace, annotations}: the head every object starts with.
Node
object(const std::string& api_version, const std::string& kind, const std::string& name, const std::string& ns,
       const std::map<std::string, std::string>& annotations = {})
{
  Node root = Node::mapping();
  root.add("apiVersion", text(api_version));
  root.add("kind", text(kind));
  Node& metadata = root.add("metadata", Node::mapping());
  metadata.add("name", text(name));
  metadata.add("namespace", text(ns));
  if (!annotations.empty()) {
    Node& map = metadata.add("annotations", Node::mapping());
    for (const auto& [key, value] : annotations) {
      map.add(key, text(value));
    }
  }
  return root;
}

bool
only_root_prefix(const HostRule& rule)
{
  return rule.paths.empty() || (rule.paths.size() == 1 && rule.paths[0].value == "/" && !rule.paths[0].exact);
}

std::vector<HostRule::Path>
paths_or_root(const HostRule& rule)
{
  return rule.paths.empty() ? std::vector<HostRule::Path>{HostRule::Path{}} : rule.paths;
}

Node
reference_grant(const std::string& name, const Interceptor& interceptor, const std::vector<std::string>& namespaces)
{
  Node grant = object("gateway.networking.k8s.io/v1beta1", "ReferenceGrant", name, interceptor.interceptor_namespace);
  Node& spec = grant.add("spec", Node::mapping());
  Node& from = spec.add("from", sequence());
  for (const std::string& ns : namespaces) {
    Node entry = Node::mapping();
    entry.add("group", text("gateway.networking.k8s.io"));
    entry.add("kind", text("HTTPRoute"));
    entry.add("namespace", text(ns));
    from.items.push_back(std::move(entry));
  }
  Node to = Node::mapping();
  to.add("group", text(""));
  to.add("kind", text("Service"));
  to.add("name", text(interceptor.interceptor_service));
  spec.add("to", sequence({std::move(to)}));
  return grant;
}

Node
http_route_object(const HTTPRouteOptions& options)
{
  Node route = object("gateway.networking.k8s.io/v1", "HTTPRoute", options.name, options.ns, options.annotations);
  Node& spec = route.add("spec", Node::mapping());
  Node parent = Node::mapping();
  parent.add("name", text(options.gateway));
  if (!options.gateway_namespace.empty()) {
    parent.add("namespace", text(options.gateway_namespace));
  }
  spec.add("parentRefs", sequence({std::move(parent)}));

  const std::vector<HostRule> rules = options.host_rules();
  std::vector<std::string> hostnames;
  for (const HostRule& rule : rules) {
    if (!rule.host.empty() && std::find(hostnames.begin(), hostnames.end(), rule.host) == hostnames.end()) {
      hostnames.push_back(rule.host);
    }
  }
  if (!hostnames.empty()) {
    spec.add("hostnames", text_list(hostnames));
  }
  // Hostnames apply to the whole route; the paths of every host go into one rule.
  std::vector<HostRule::Path> paths;
  bool every_path = false;
  for (const HostRule& rule : rules) {
    every_path = every_path || only_root_prefix(rule);
    for (const HostRule::Path& path : rule.paths) {
      const bool seen = std::any_of(paths.begin(), paths.end(), [&](const HostRule::Path& p) {
        return p.value == path.value && p.exact == path.exact;
      });
      if (!seen) {
        paths.push_back(path);
      }
    }
  }
  Node rule = Node::mapping();
  if (!every_path && !paths.empty()) {
    Node& matches = rule.add("matches", sequence());
    for (const HostRule::Path& path : paths) {
      Node match_path = Node::mapping();
      match_path.add("type", text(path.exact ? "Exact" : "PathPrefix"));
      match_path.add("value", text(path.value));
      Node match = Node::mapping();
      match.add("path", std::move(match_path));
      matches.items.push_back(std::move(match));
    }
  }
  Node backend = Node::mapping();
  backend.add("name", text(options.interceptor.interceptor_service));
  if (options.ns != options.interceptor.interceptor_namespace) {
    backend.add("namespace", text(options.interceptor.interceptor_namespace));
  }
  backend.add("port", number(options.interceptor.interceptor_port));
  rule.add("backendRefs", sequence({std::move(backend)}));
  spec.add("rules", sequence({std::move(rule)}));
  return route;
}

} // namespace

std::vector<HostRule>
RouteOptions::host_rules() const
{
  if (!rules.empty()) {
    return rules;
  }
  std::vector<HostRule::Path> path_list;
  for (const std::string& path : paths) {
    path_list.push_back({path, false});
  }
  std::vector<HostRule> out;
  if (hosts.empty()) {
    out.push_back({"", path_list});
  }
  for (const std::string& host : hosts) {
    out.push_back({host, path_list});
  }
  return out;
}

std::vector<Node>
http_route(const HTTPRouteOptions& options)
{
  std::vector<Node> out;
  if (options.ns != options.interceptor.interceptor_namespace) {
    // The grant comes first: it must exist before the route can resolve its backend.
    out.push_back(reference_grant(options.grant_name, options.interceptor, {options.ns}));
  }
  out.push_back(http_route_object(options));
  return out;
}

std::vector<Node>
ingress(const IngressOptions& options)
{
  const Interceptor& interceptor = options.interceptor;
  std::vector<Node> out;
  std::string backend_service = interceptor.interceptor_service;
  if (options.ns != interceptor.interceptor_namespace) {
    // Ingress backends are namespace-local: bridge to the interceptor with an ExternalName Service.
    backend_service = options.name + "-proxy";
    Node bridge = object("v1", "Service", backend_service, options.ns);
    Node& spec = bridge.add("spec", Node::mapping());
    spec.add("type", text("ExternalName"));
    spec.add("externalName", text(interceptor.interceptor_fqdn()));
    Node port = Node::mapping();
    port.add("port", number(interceptor.interceptor_port));
    spec.add("ports", sequence({std::move(port)}));
    out.push_back(std::move(bridge));
  }

  Node ing = object("networking.k8s.io/v1", "Ingress", options.name, options.ns, options.annotations);
  Node& spec = ing.add("spec", Node::mapping());
  if (!options.ingress_class.empty()) {
    spec.add("ingressClassName", text(options.ingress_class));
  }
  const std::vector<HostRule> rules = options.host_rules();
  if (!options.tls_secret.empty()) {
    std::vector<std::string> hosts;
    for (const HostRule& rule : rules) {
      if (!rule.host.empty()) {
        hosts.push_back(rule.host);
      }
    }
    Node tls = Node::mapping();
    if (!hosts.empty()) {
      tls.add("hosts", text_list(hosts));
    }
    tls.add("secretName", text(options.tls_secret));
    spec.add("tls", sequence({std::move(tls)}));
  }
  Node& rule_list = spec.add("rules", sequence());
  for (const HostRule& rule : rules) {
    Node entry = Node::mapping();
    if (!rule.host.empty()) {
      entry.add("host", text(rule.host));
    }
    Node& paths = entry.add("http", Node::mapping()).add("paths", sequence());
    for (const HostRule::Path& path : paths_or_root(rule)) {
      Node item = Node::mapping();
      item.add("path", text(path.value));
      item.add("pathType", text(path.exact ? "Exact" : "Prefix"));
      Node& service = item.add("backend", Node::mapping()).add("service", Node::mapping());
      service.add("name", text(backend_service));
      service.add("port", Node::mapping()).add("number", number(interceptor.interceptor_port));
      paths.items.push_back(std::move(item));
    }
    rule_list.items.push_back(std::move(entry));
  }
  out.push_back(std::move(ing));
  return out;
}

std::vector<Node>
virtual_service(const VirtualServiceOptions& options)
{
  Node vs = object("networking.istio.io/v1", "VirtualService", options.name, options.ns, options.annotations);
  Node& spec = vs.add("spec", Node::mapping());
  const std::vector<HostRule> rules = options.host_rules();
  std::vector<std::string> hosts;
  bool every_path = false;
  std::vector<HostRule::Path> paths;
  for (const HostRule& rule : rules) {
    if (!rule.host.empty() && std::find(hosts.begin(), hosts.end(), rule.host) == hosts.end()) {
      hosts.push_back(rule.host);
    }
    every_path = every_path || only_root_prefix(rule);
    paths.insert(paths.end(), rule.paths.begin(), rule.paths.end());
  }
  spec.add("hosts", text_list(hosts));
  if (!options.gateways.empty()) {
    spec.add("gateways", text_list(options.gateways));
  }
  Node route = Node::mapping();
  if (!every_path && !paths.empty()) {
    Node& match = route.add("match", sequence());
    for (const HostRule::Path& path : paths) {
      Node uri = Node::mapping();
      uri.add(path.exact ? "exact" : "prefix", text(path.value));
      Node item = Node::mapping();
      item.add("uri", std::move(uri));
      match.items.push_back(std::move(item));
    }
  }
  Node destination = Node::mapping();
  destination.add("host", text(options.interceptor.interceptor_fqdn()));
  destination.add("port", Node::mapping()).add("number", number(options.interceptor.interceptor_port));
  Node target = Node::mapping();
  target.add("destination", std::move(destination));
  route.add("route", sequence({std::move(target)}));
  spec.add("http", sequence({std::move(route)}));
  return {std::move(vs)};
}

namespace {

Node
static_response(std::optional<int> status, const std::string& body)
{
  Node response = Node::mapping();
  if (status) {
    response.add("statusCode", number(*status));
  }
  if (!body.empty()) {
    response.add("body", text(body));
  }
  return response;
}

} // namespace

std::vector<Node>
interceptor_route(const InterceptorRouteOptions& options)
{
  Node ir = object("http.keda.sh/v1beta1", "InterceptorRoute", options.name, options.ns);
  Node& spec = ir.add("spec", Node::mapping());
  Node& target = spec.add("target", Node::mapping());
  target.add("service", text(options.service));
  if (options.port) {
    target.add("port", number(*options.port));
  }
  if (!options.port_name.empty()) {
    target.add("portName", text(options.port_name));
  }
  {
    // A rule with no hosts, paths or headers is the catch-all; an InterceptorRoute
    // without any rule would route nothing.
    Node rule = Node::mapping();
    if (!options.hosts.empty()) {
      rule.add("hosts", text_list(options.hosts));
    }
    if (!options.paths.empty()) {
      Node& paths = rule.add("paths", sequence());
      for (const std::string& path : options.paths) {
        Node item = Node::mapping();
        item.add("value", text(path));
        paths.items.push_back(std::move(item));
      }
    }
    if (!options.headers.empty()) {
      Node& headers = rule.add("headers", sequence());
      for (const HeaderOption& header : options.headers) {
        Node item = Node::mapping();
        item.add("name", text(header.name));
        if (header.value) {
          item.add("value", text(*header.value));
        }
        headers.items.push_back(std::move(item));
      }
    }
    spec.add("rules", sequence({std::move(rule)}));
  }
  Node& metric = spec.add("scalingMetric", Node::mapping());
  if (options.concurrency || !options.request_rate) {
    metric.add("concurrency", Node::mapping()).add("targetValue", number(options.concurrency.value_or(100)));
  }
  if (options.request_rate) {
    Node& rate = metric.add("requestRate", Node::mapping());
    rate.add("targetValue", number(*options.request_rate));
    if (!options.rate_window.empty()) {
      rate.add("window", text(options.rate_window));
    }
    if (!options.rate_granularity.empty()) {
      rate.add("granularity", text(options.rate_granularity));
    }
  }
  const bool placeholder = options.placeholder_status || !options.placeholder_body.empty();
  const bool fallback = !options.fallback_service.empty();
  if (placeholder || fallback) {
    Node& cold = spec.add("coldStart", Node::mapping());
    if (fallback) {
      Node& service = cold.add("fallback", Node::mapping()).add("service", Node::mapping());
      service.add("name", text(options.fallback_service));
      if (options.fallback_port) {
        service.add("port", number(*options.fallback_port));
      }
      if (!options.fallback_port_name.empty()) {
        service.add("portName", text(options.fallback_port_name));
      }
    }
    if (placeholder) {
      cold.add("placeholder", Node::mapping())
        .add("response", static_response(options.placeholder_status, options.placeholder_body));
    }
  }
  if (!options.readiness_timeout.empty() || !options.request_timeout.empty()
      || !options.response_header_timeout.empty()) {
    Node& timeouts = spec.add("timeouts", Node::mapping());
    if (!options.readiness_timeout.empty()) {
      timeouts.add("readiness", text(options.readiness_timeout));
    }
    if (!options.request_timeout.empty()) {
      timeouts.add("request", text(options.request_timeout));
    }
    if (!options.response_header_timeout.empty()) {
      timeouts.add("responseHeader", text(options.response_header_timeout));
    }
  }
  return {std::move(ir)};
}

std::vector<Node>
scaled_object(const ScaledObjectOptions& options)
{
  Node so = object("keda.sh/v1alpha1", "ScaledObject", options.name, options.ns);
  Node& spec = so.add("spec", Node::mapping());
  Node& target = spec.add("scaleTargetRef", Node::mapping());
  if (options.target_kind != "Deployment") {
    target.add("kind", text(options.target_kind));
  }
  target.add("name", text(options.target.empty() ? options.name : options.target));
  if (options.min_replicas) {
    spec.add("minReplicaCount", number(*options.min_replicas));
  }
  if (options.max_replicas) {
    spec.add("maxReplicaCount", number(*options.max_replicas));
  }
  if (options.cooldown_period) {
    spec.add("cooldownPeriod", number(*options.cooldown_period));
  }
  Node trigger = Node::mapping();
  trigger.add("type", text("external-push"));
  Node& metadata = trigger.add("metadata", Node::mapping());
  metadata.add("scalerAddress", text(options.scaler_address));
  metadata.add("interceptorRoute", text(options.interceptor_route.empty() ? options.name : options.interceptor_route));
  spec.add("triggers", sequence({std::move(trigger)}));
  return {std::move(so)};
}

std::string
name_from_host(const std::string& prefix, const std::string& host)
{
  std::string out;
  bool separator = false;
  for (char c : host) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum) {
      separator = true;
      continue;
    }
    if (separator && !out.empty()) {
      out += '-';
    }
    separator = false;
    out += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  return prefix + "-" + (out.empty() ? "all-hosts" : out);
}

namespace {

// Collects the objects --from produces, without duplicates, grants merged into one.
class FromBuilder
{
public:
  FromBuilder(const FromOptions& options, std::vector<std::string>& errors) : m_options(options), m_errors(errors) {}

  // ExternalName Services that bridge to the interceptor: an Ingress using one is already migrated.
  void note_bridge(const manifest::Object& object)
  {
    if (object.ref.kind != "Service" || manifest::api_group(object.ref.api_version) != "") {
      return;
    }
    const spec::Service service = manifest::decode_service(object, interceptor().default_namespace);
    std::string target = service.external_name.value;
    if (!target.empty() && target.back() == '.') {
      target.pop_back();
    }
    const std::string short_name = interceptor().interceptor_service + "." + interceptor().interceptor_namespace;
    if (service.type == "ExternalName"
        && (target == interceptor().interceptor_fqdn() || target == short_name || target == short_name + ".svc")) {
      m_bridges.insert(service.meta.ns + "/" + service.meta.name);
    }
  }

  void add(const manifest::Object& object)
  {
    const std::string& kind = object.ref.kind;
    const std::string group = manifest::api_group(object.ref.api_version);
    const std::string& dns = interceptor().default_namespace;
    if (group == "http.keda.sh" && kind == "InterceptorRoute") {
      from_interceptor_route(manifest::decode_interceptor_route(object, dns));
    } else if (group == "networking.k8s.io" && kind == "Ingress") {
      from_ingress(manifest::decode_ingress(object, dns));
    } else if (group == "gateway.networking.k8s.io" && kind == "HTTPRoute") {
      from_http_route(manifest::decode_http_route(object, dns));
    }
  }

  std::vector<Node> finish()
  {
    std::vector<Node> out;
    std::vector<std::string> grant_namespaces;
    for (const std::string& ns : m_route_namespaces) {
      if (ns != interceptor().interceptor_namespace
          && std::find(grant_namespaces.begin(), grant_namespaces.end(), ns) == grant_namespaces.end()) {
        grant_namespaces.push_back(ns);
      }
    }
    if (!grant_namespaces.empty()) {
      out.push_back(reference_grant(m_options.http_route.grant_name, interceptor(), grant_namespaces));
    }
    for (Node& node : m_routes) {
      out.push_back(std::move(node));
    }
    for (Node& node : m_scaling) {
      out.push_back(std::move(node));
    }
    return out;
  }

private:
  const Interceptor& interceptor() const
  {
    switch (m_options.target) {
    case Target::http_route: return m_options.http_route.interceptor;
    case Target::ingress: return m_options.ingress.interceptor;
    case Target::virtual_service: return m_options.virtual_service.interceptor;
    }
    return m_options.http_route.interceptor;
  }

  // The routing object(s) of the chosen target for `name` in `ns` with `rules`.
  void emit_route(const std::string& name, const std::string& ns, const std::vector<HostRule>& rules,
                  const std::string& ingress_class = {}, const std::string& tls_secret = {},
                  const std::map<std::string, std::string>& annotations = {}, const std::string& gateway = {},
                  const std::string& gateway_ns = {})
  {
    switch (m_options.target) {
    case Target::http_route: {
      HTTPRouteOptions route = m_options.http_route;
      route.name = name;
      route.ns = ns;
      route.rules = rules;
      if (route.gateway.empty()) {
        route.gateway = gateway;
        route.gateway_namespace = gateway_ns;
      }
      if (route.gateway.empty()) {
        m_errors.push_back(name + ": --gateway is required to attach the HTTPRoute to a Gateway");
        return;
      }
      m_route_namespaces.push_back(ns);
      m_routes.push_back(http_route_object(route));
      return;
    }
    case Target::ingress: {
      IngressOptions ing = m_options.ingress;
      ing.name = name;
      ing.ns = ns;
      ing.rules = rules;
      ing.annotations = annotations;
      if (ing.ingress_class.empty()) {
        ing.ingress_class = ingress_class;
      }
      if (ing.tls_secret.empty()) {
        ing.tls_secret = tls_secret;
      }
      for (Node& node : ingress(ing)) {
        m_routes.push_back(std::move(node));
      }
      return;
    }
    case Target::virtual_service: {
      VirtualServiceOptions vs = m_options.virtual_service;
      vs.name = name;
      vs.ns = ns;
      vs.rules = rules;
      bool has_host = false;
      for (const HostRule& rule : rules) {
        has_host = has_host || !rule.host.empty();
      }
      if (!has_host) {
        m_errors.push_back(name + ": a VirtualService needs at least one host; the input routes every host");
        return;
      }
      for (Node& node : virtual_service(vs)) {
        m_routes.push_back(std::move(node));
      }
      return;
    }
    }
  }

  // An InterceptorRoute + ScaledObject for an app Service that a route sent traffic to.
  void emit_scaling(const std::string& ns, const std::string& service, std::optional<int64_t> port,
                    const std::string& port_name, const std::vector<HostRule>& rules)
  {
    const std::string key = ns + "/" + service;
    if (!m_scaled.insert(key).second) {
      return;
    }
    InterceptorRouteOptions ir;
    ir.name = service;
    ir.ns = ns;
    ir.service = service;
    if (port) {
      ir.port = static_cast<int>(*port);
    } else {
      ir.port_name = port_name;
    }
    std::set<std::string> paths;
    bool every_path = false;
    for (const HostRule& rule : rules) {
      if (!rule.host.empty() && std::find(ir.hosts.begin(), ir.hosts.end(), rule.host) == ir.hosts.end()) {
        ir.hosts.push_back(rule.host);
      }
      every_path = every_path || only_root_prefix(rule);
      for (const HostRule::Path& path : rule.paths) {
        paths.insert(path.value);
      }
    }
    if (!every_path) {
      ir.paths.assign(paths.begin(), paths.end());
    }
    ir.concurrency = m_options.concurrency;
    for (Node& node : interceptor_route(ir)) {
      m_scaling.push_back(std::move(node));
    }
    ScaledObjectOptions so;
    so.name = service;
    so.ns = ns;
    so.target = service;
    if (m_options.min_replicas) {
      so.min_replicas = m_options.min_replicas;
    }
    if (m_options.max_replicas) {
      so.max_replicas = m_options.max_replicas;
    }
    for (Node& node : scaled_object(so)) {
      m_scaling.push_back(std::move(node));
    }
  }

  void from_interceptor_route(const spec::InterceptorRoute& ir)
  {
    std::vector<HostRule> rules;
    for (const spec::RouteRule& rule : ir.rules) {
      std::vector<HostRule::Path> paths;
      for (const auto& path : rule.paths) {
        paths.push_back({path.value, false});
      }
      if (rule.hosts.empty()) {
        rules.push_back({"", paths});
      }
      for (const auto& host : rule.hosts) {
        rules.push_back({host.value == "*" ? "" : host.value, paths});
      }
    }
    if (rules.empty()) {
      m_errors.push_back("InterceptorRoute " + ir.meta.ns + "/" + ir.meta.name
                         + " has no rules, so the interceptor routes nothing to it");
      return;
    }
    const std::string ns = m_options.target == Target::ingress ? m_options.ingress.ns : ir.meta.ns;
    emit_route(ir.meta.name, ns, rules);
  }

  void from_ingress(const spec::Ingress& ing)
  {
    struct Backend {
      std::optional<int64_t> port;
      std::string port_name;
      std::vector<HostRule> rules;
    };
    std::map<std::string, Backend> backends;
    std::vector<std::string> order;
    std::vector<HostRule> rules;
    auto note = [&](const spec::IngressBackend& backend, const HostRule& rule) {
      if (backend.service.empty()) {
        return;
      }
      if (!backends.count(backend.service)) {
        order.push_back(backend.service);
        backends[backend.service] = {backend.port_number, backend.port_name, {}};
      }
      backends[backend.service].rules.push_back(rule);
    };
    for (const spec::Ingress::Rule& rule : ing.rules) {
      HostRule host_rule{rule.host.value, {}};
      for (const spec::Ingress::Path& path : rule.paths) {
        if (is_interceptor(ing.meta.ns, path.backend.service)) {
          m_errors.push_back("Ingress " + ing.meta.ns + "/" + ing.meta.name + " already routes through the interceptor");
          return;
        }
        HostRule::Path p{path.match.value.empty() ? "/" : path.match.value, path.match.type == "Exact"};
        host_rule.paths.push_back(p);
        note(path.backend, HostRule{rule.host.value, {p}});
      }
      rules.push_back(std::move(host_rule));
    }
    if (ing.default_backend) {
      note(*ing.default_backend, HostRule{"", {}});
      if (rules.empty()) {
        rules.push_back(HostRule{"", {}});
      }
    }
    if (backends.empty()) {
      m_errors.push_back("Ingress " + ing.meta.ns + "/" + ing.meta.name + " has no Service backend to migrate");
      return;
    }
    const std::string tls_secret = ing.tls_secrets.empty() ? std::string() : ing.tls_secrets.front();
    const auto& annotations = ing.meta.annotations;
    emit_route(ing.meta.name, ing.meta.ns, rules, ing.class_name, tls_secret, annotations);
    for (const std::string& service : order) {
      const Backend& backend = backends[service];
      emit_scaling(ing.meta.ns, service, backend.port, backend.port_name, backend.rules);
    }
  }

  void from_http_route(const spec::HTTPRoute& route)
  {
    std::vector<HostRule::Path> paths;
    for (const spec::HTTPRoute::Rule& rule : route.rules) {
      for (const spec::PathMatch& match : rule.paths) {
        if (match.type == "Exact" || match.type == "PathPrefix") {
          paths.push_back({match.value, match.type == "Exact"});
        }
      }
    }
    std::vector<HostRule> rules;
    if (route.hostnames.empty()) {
      rules.push_back({"", paths});
    }
    for (const auto& host : route.hostnames) {
      rules.push_back({host.value, paths});
    }
    bool found = false;
    for (const spec::HTTPRoute::Rule& rule : route.rules) {
      for (const spec::BackendRef& ref : rule.backends) {
        const std::string ns = ref.ns.empty() ? route.meta.ns : ref.ns;
        if (is_interceptor(ns, ref.name)) {
          m_errors.push_back("HTTPRoute " + route.meta.ns + "/" + route.meta.name
                             + " already routes through the interceptor");
          return;
        }
        if (ref.group.empty() && ref.kind == "Service" && !ref.mirror) {
          found = true;
          std::vector<HostRule> backend_rules = rules;
          emit_scaling(ns, ref.name, ref.port, "", backend_rules);
        }
      }
    }
    if (!found) {
      m_errors.push_back("HTTPRoute " + route.meta.ns + "/" + route.meta.name + " has no Service backend to migrate");
      return;
    }
    std::string gateway;
    std::string gateway_ns;
    if (!route.parents.empty()) {
      gateway = route.parents.front().name;
      gateway_ns = route.parents.front().ns;
    }
    emit_route(route.meta.name, route.meta.ns, rules, {}, {}, route.meta.annotations, gateway, gateway_ns);
  }

  bool is_interceptor(const std::string& ns, const std::string& service) const
  {
    return (ns == interceptor().interceptor_namespace && service == interceptor().interceptor_service)
           || m_bridges.count(ns + "/" + service) > 0;
  }

  const FromOptions& m_options;
  std::vector<std::string>& m_errors;
  std::vector<Node> m_routes;
  std::vector<Node> m_scaling;
  std::vector<std::string> m_route_namespaces;
  std::set<std::string> m_scaled;
  std::set<std::string> m_bridges; // "ns/name" of ExternalName Services to the interceptor
};

} // namespace

std::vector<Node>
from_objects(const std::vector<manifest::Object>& objects, const FromOptions& options, std::vector<std::string>& errors)
{
  FromBuilder builder(options, errors);
  for (const manifest::Object& object : objects) {
    builder.note_bridge(object);
  }
  for (const manifest::Object& object : objects) {
    builder.add(object);
  }
  return builder.finish();
}

} // namespace kedahttp::gen
