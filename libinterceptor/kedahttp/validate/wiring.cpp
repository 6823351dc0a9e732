#include <kedahttp/validate/wiring.hpp>

#include <kedahttp/manifest/decode.hpp>
#include <kedahttp/util/strings.hpp>
#include <kedahttp/validate/hosts.hpp>

#include <map>
#include <set>

namespace kedahttp::validate {

namespace {

using core::Severity;
using spec::Located;
using spec::Where;

const std::string k_gateway_group = "gateway.networking.k8s.io";

// The host patterns one InterceptorRoute rule answers, with the paths it takes.
struct IrRule {
  const spec::ObjectMeta* route; // the InterceptorRoute / HTTPScaledObject
  std::vector<std::string> hosts; // port stripped; empty: catch-all
  std::vector<std::string> paths; // prefixes; empty: every path
};

// The whole input, decoded once.
struct Inventory {
  std::vector<spec::InterceptorRoute> interceptor_routes;
  std::vector<spec::HTTPScaledObject> scaled_objects;
  std::vector<spec::HTTPRoute> http_routes;
  std::vector<spec::ReferenceGrant> grants;
  std::vector<spec::Ingress> ingresses;
  std::vector<spec::Service> services;
  std::vector<spec::VirtualService> virtual_services;
  std::vector<IrRule> ir_rules;

  bool has_interceptor_routes() const { return !interceptor_routes.empty() || !scaled_objects.empty(); }

  const spec::Service* service(const std::string& ns, const std::string& name) const
  {
    for (const spec::Service& svc : services) {
      if (svc.meta.ns == ns && svc.meta.name == name) {
        return &svc;
      }
    }
    return nullptr;
  }
};

// Traffic that reaches the interceptor: which route sent it, for which hosts and paths.
struct InterceptorTraffic {
  const spec::ObjectMeta* route;
  std::vector<Located<std::string>> hosts; // empty: every host
  bool all_hosts = false;
  std::vector<spec::PathMatch> paths;      // Exact/Prefix paths; empty: every path
  Where where;
};

class Checker
{
public:
  Checker(const Options& options, std::vector<core::Diagnostic>& out) : m_options(options), m_out(out) {}

  void run(const std::vector<const manifest::Object*>& objects)
  {
    decode(objects);
    for (const spec::HTTPRoute& route : m_inv.http_routes) {
      check_http_route(route);
    }
    for (const spec::Ingress& ingress : m_inv.ingresses) {
      check_ingress(ingress);
    }
    for (const spec::VirtualService& vs : m_inv.virtual_services) {
      check_virtual_service(vs);
    }
    for (const spec::ReferenceGrant& grant : m_inv.grants) {
      check_grant(grant);
    }
    check_hosts();
  }

private:
  // --- reporting ---

  void report(Severity severity, std::string_view code, const spec::ObjectMeta& meta, const Where& where,
              std::string message)
  {
    core::Diagnostic d;
    d.severity = severity;
    d.code = std::string(code);
    d.file = meta.file;
    d.mark = where.mark.known() ? where.mark : meta.mark;
    d.object = meta.ref();
    d.path = where.path;
    d.message = std::move(message);
    m_out.push_back(std::move(d));
  }

  static std::string friendly(const spec::ObjectMeta& meta) { return meta.kind + " " + meta.ns + "/" + meta.name; }

  // --- decoding ---

  void decode(const std::vector<const manifest::Object*>& objects)
  {
    const std::string& dns = m_options.default_namespace;
    for (const manifest::Object* object : objects) {
      const std::string& kind = object->ref.kind;
      if (kind == "InterceptorRoute") {
        m_inv.interceptor_routes.push_back(manifest::decode_interceptor_route(*object, dns));
      } else if (kind == "HTTPScaledObject") {
        m_inv.scaled_objects.push_back(manifest::decode_http_scaled_object(*object, dns));
      } else if (kind == "HTTPRoute") {
        m_inv.http_routes.push_back(manifest::decode_http_route(*object, dns));
      } else if (kind == "ReferenceGrant") {
        m_inv.grants.push_back(manifest::decode_reference_grant(*object, dns));
      } else if (kind == "Ingress") {
        m_inv.ingresses.push_back(manifest::decode_ingress(*object, dns));
      } else if (kind == "Service") {
        m_inv.services.push_back(manifest::decode_service(*object, dns));
      } else if (kind == "VirtualService") {
        m_inv.virtual_services.push_back(manifest::decode_virtual_service(*object, dns));
      }
    }
    for (const spec::InterceptorRoute& ir : m_inv.interceptor_routes) {
      for (const spec::RouteRule& rule : ir.rules) {
        IrRule entry{&ir.meta, patterns(rule.hosts), {}};
        for (const auto& path : rule.paths) {
          entry.paths.push_back(path.value);
        }
        m_inv.ir_rules.push_back(std::move(entry));
      }
    }
    // An HTTPScaledObject is routed as an InterceptorRoute with exactly one rule.
    for (const spec::HTTPScaledObject& hso : m_inv.scaled_objects) {
      m_inv.ir_rules.push_back(IrRule{&hso.meta, patterns(hso.hosts), hso.path_prefixes});
    }
  }

  // The host patterns of one rule as the interceptor keys them: port stripped,
  // and empty (catch-all) as soon as one host is "*" or "" after stripping
  // (":8080" and "*:8080" are catch-alls too).
  static std::vector<std::string> patterns(const std::vector<Located<std::string>>& hosts)
  {
    std::vector<std::string> out;
    for (const auto& host : hosts) {
      std::string pattern(strip_port(host.value));
      if (pattern.empty() || pattern == "*") {
        return {};
      }
      out.push_back(std::move(pattern));
    }
    return out;
  }

  // The InterceptorRoute whose target is Service ns/name, if any.
  const spec::ObjectMeta* target_of(const std::string& ns, const std::string& name) const
  {
    for (const spec::InterceptorRoute& ir : m_inv.interceptor_routes) {
      if (ir.meta.ns == ns && ir.target_service == name) {
        return &ir.meta;
      }
    }
    for (const spec::HTTPScaledObject& hso : m_inv.scaled_objects) {
      if (hso.meta.ns == ns && hso.target_service == name) {
        return &hso.meta;
      }
    }
    return nullptr;
  }

  void direct_to_target(const spec::ObjectMeta& route, const Where& where, const std::string& hosts,
                        const std::string& ns, const std::string& service)
  {
    if (const spec::ObjectMeta* ir = target_of(ns, service)) {
      report(Severity::warning, "KH313", route, where,
             friendly(route) + " routes " + hosts + " directly to Service " + service + ", the target of "
               + friendly(*ir) + "; requests skip the interceptor and cannot wake a scaled-to-zero workload");
    }
  }

  void check_port(const spec::ObjectMeta& route, const Where& where, std::optional<int64_t> port)
  {
    if (!port) {
      return;
    }
    if (*port == m_options.interceptor_tls_port) {
      report(Severity::warning, "KH311", route, where,
             friendly(route) + ": port " + std::to_string(*port)
               + " is the interceptor TLS port; it only exists when interceptor.tls.enabled and needs a TLS upstream");
    } else if (*port != m_options.interceptor_port) {
      report(Severity::error, "KH310", route, where,
             friendly(route) + ": interceptor port is " + std::to_string(*port)
               + "; the proxy listens on " + std::to_string(m_options.interceptor_port));
    }
  }

  static std::string host_list(const std::vector<Located<std::string>>& hosts)
  {
    if (hosts.empty()) {
      return "all hosts";
    }
    std::vector<std::string> names;
    for (const auto& host : hosts) {
      names.push_back(host.value);
    }
    return util::join(names, ", ");
  }

  void bypass(const spec::ObjectMeta& route, const Where& where, const std::string& hosts, int64_t interceptor_weight,
              int64_t other_weight)
  {
    const int64_t total = interceptor_weight + other_weight;
    if (other_weight <= 0 || total <= 0) {
      return;
    }
    const int64_t pct = (other_weight * 100 + total / 2) / total;
    report(Severity::warning, "KH312", route, where,
           friendly(route) + ": " + std::to_string(pct) + "% of the traffic for " + hosts
             + " does not go through the interceptor");
  }

  void rewrites(const spec::ObjectMeta& route, const std::vector<spec::Rewrite>& list)
  {
    for (const spec::Rewrite& rewrite : list) {
      report(Severity::warning, "KH324", route, rewrite.where,
             friendly(route) + ": " + rewrite.what + " rewrites the "
               + (rewrite.host ? "host" : "path") + " to " + util::quote(rewrite.value)
               + " before the interceptor; InterceptorRoutes must match the rewritten value");
    }
  }

  // --- Gateway API ---

  bool grant_permits(const spec::HTTPRoute& route, const spec::BackendRef& ref, const std::string& target_ns) const
  {
    for (const spec::ReferenceGrant& grant : m_inv.grants) {
      if (grant.meta.ns != target_ns) {
        continue;
      }
      bool from_ok = false;
      for (const auto& from : grant.from) {
        from_ok = from_ok || (from.group == k_gateway_group && from.kind == "HTTPRoute" && from.ns == route.meta.ns);
      }
      bool to_ok = false;
      for (const auto& to : grant.to) {
        to_ok = to_ok || (to.group == ref.group && to.kind == ref.kind && (!to.name || *to.name == ref.name));
      }
      if (from_ok && to_ok) {
        return true;
      }
    }
    return false;
  }

  void check_http_route(const spec::HTTPRoute& route)
  {
    const std::string hosts = host_list(route.hostnames);
    for (const spec::HTTPRoute::Rule& rule : route.rules) {
      int64_t interceptor_weight = 0;
      int64_t other_weight = 0;
      bool reaches_interceptor = false;
      for (const spec::BackendRef& ref : rule.backends) {
        const std::string ns = ref.ns.empty() ? route.meta.ns : ref.ns;
        const bool core_service = ref.group.empty() && ref.kind == "Service";
        const bool interceptor =
          core_service && ref.name == m_options.interceptor_service && ns == m_options.interceptor_namespace;
        if (ns != route.meta.ns && !grant_permits(route, ref, ns)) {
          const std::string kind = core_service ? "Service" : ref.kind;
          std::string text = friendly(route.meta) + ": reference to " + kind + " " + ns + "/"
                             + ref.name + " is not permitted by any ReferenceGrant in namespace " + util::quote(ns)
                             + " (ResolvedRefs=False, RefNotPermitted) - add a ReferenceGrant in " + util::quote(ns)
                             + " from {group: " + k_gateway_group + ", kind: HTTPRoute, namespace: " + route.meta.ns
                             + "} to {group: " + util::quote(ref.group) + ", kind: " + ref.kind
                             + ", name: " + ref.name + "}";
          if (m_inv.grants.empty()) {
            report(Severity::warning, "KH302", route.meta, ref.where,
                   "no ReferenceGrant found in the input: " + text + " (it may already exist in the cluster)");
          } else {
            report(Severity::error, "KH301", route.meta, ref.where, std::move(text));
          }
        }
        if (core_service) {
          const spec::Service* svc = m_inv.service(ns, ref.name);
          if (svc && svc->type == "ExternalName") {
            report(Severity::warning, "KH352", route.meta, ref.where,
                   friendly(route.meta) + ": Service " + ref.name
                     + " is type ExternalName; Gateway API implementations SHOULD NOT support it (CVE-2021-25740) - "
                       "reference the interceptor with a ReferenceGrant instead");
          }
        }
        if (ref.mirror) {
          continue; // a mirror gets a copy; it neither carries nor diverts the traffic
        }
        if (interceptor) {
          reaches_interceptor = true;
          interceptor_weight += ref.weight;
          check_port(route.meta, ref.where, ref.port);
        } else {
          other_weight += ref.weight;
          if (core_service && ref.weight > 0) {
            direct_to_target(route.meta, ref.where, hosts, ns, ref.name);
          }
        }
      }
      if (!reaches_interceptor) {
        continue;
      }
      bypass(route.meta, rule.where, hosts, interceptor_weight, other_weight);
      rewrites(route.meta, rule.rewrites);
      add_traffic(route.meta, route.hostnames, route.hostnames.empty(), rule.paths, rule.rewrites, rule.where, true);
    }
  }

  // --- Ingress ---

  // Is this Ingress backend the interceptor, directly or through an ExternalName bridge?
  bool ingress_backend_reaches_interceptor(const spec::Ingress& ingress, const spec::IngressBackend& backend,
                                           const std::vector<Located<std::string>>& hosts)
  {
    if (backend.service.empty()) {
      return false;
    }
    const std::string& ns = ingress.meta.ns;
    const std::string& svc_name = m_options.interceptor_service;
    const spec::Service* bridge = m_inv.service(ns, backend.service);
    if (ns == m_options.interceptor_namespace && backend.service == svc_name) {
      std::optional<int64_t> port = backend.port_number;
      if (!port && backend.port_name == "proxy") {
        port = m_options.interceptor_port;
      } else if (!port && backend.port_name == "proxy-tls") {
        port = m_options.interceptor_tls_port;
      } else if (!port && !backend.port_name.empty()) {
        report(Severity::error, "KH310", ingress.meta, backend.where,
               friendly(ingress.meta) + ": interceptor port is " + util::quote(backend.port_name)
                 + "; the proxy listens on " + std::to_string(m_options.interceptor_port) + " (port name \"proxy\")");
      }
      check_port(ingress.meta, backend.where, port);
      return true;
    }
    if (bridge && bridge->type == "ExternalName") {
      std::string target = bridge->external_name.value;
      if (!target.empty() && target.back() == '.') {
        target.pop_back();
      }
      const std::string fqdn = m_options.interceptor_fqdn();
      const std::string short_name = svc_name + "." + m_options.interceptor_namespace;
      const bool is_interceptor = target == fqdn || target == short_name || target == short_name + ".svc";
      if (!is_interceptor) {
        const bool looks_meant = target.rfind(svc_name + ".", 0) == 0 || target == svc_name || covered_by_ir(hosts);
        if (looks_meant) {
          report(Severity::error, "KH321", bridge->meta, bridge->external_name.where,
                 "Service " + bridge->meta.ns + "/" + bridge->meta.name + " (ExternalName) used as interceptor bridge "
                   + "points to " + util::quote(target) + ", not " + fqdn);
        }
        // A bridge straight to the workload behind an InterceptorRoute skips the interceptor.
        if (const auto service = cluster_service(target)) {
          direct_to_target(ingress.meta, backend.where, host_list(hosts), service->first, service->second);
        }
        return false;
      }
      if (target != fqdn && m_reported_bridges.insert(bridge).second) {
        report(Severity::warning, "KH322", bridge->meta, bridge->external_name.where,
               "Service " + bridge->meta.ns + "/" + bridge->meta.name + ": externalName " + util::quote(target)
                 + " is not fully qualified; use " + util::quote(fqdn)
                 + " (CNAME targets are not expanded with search domains)");
      }
      check_bridge_port(ingress, backend, *bridge);
      return true;
    }
    if (backend.service == svc_name && ns != m_options.interceptor_namespace && !bridge) {
      report(Severity::error, "KH320", ingress.meta, backend.where,
             friendly(ingress.meta) + ": Service " + svc_name
               + " does not exist in namespace " + util::quote(ns) + " (Ingress backends are namespace-local; the "
               + "interceptor is in " + util::quote(m_options.interceptor_namespace) + ") - put the Ingress in "
               + util::quote(m_options.interceptor_namespace) + " or add an ExternalName Service");
    }
    return false;
  }

  // The namespace and name of the Service a cluster DNS name points to
  // ("name.ns", "name.ns.svc" or "name.ns.svc.<cluster domain>"), if it is one.
  std::optional<std::pair<std::string, std::string>> cluster_service(const std::string& target) const
  {
    std::string head = target;
    for (const std::string& suffix : {".svc." + m_options.cluster_domain, std::string(".svc")}) {
      if (head.size() > suffix.size() && head.ends_with(suffix)) {
        head.resize(head.size() - suffix.size());
        break;
      }
    }
    const size_t dot = head.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == head.size()
        || head.find('.', dot + 1) != std::string::npos) {
      return std::nullopt;
    }
    return std::make_pair(head.substr(dot + 1), head.substr(0, dot));
  }

  void check_bridge_port(const spec::Ingress& ingress, const spec::IngressBackend& backend, const spec::Service& bridge)
  {
    const std::string prefix = friendly(ingress.meta) + ": port ";
    if (backend.port_number) {
      if (*backend.port_number == m_options.interceptor_tls_port) {
        check_port(ingress.meta, backend.where, backend.port_number); // KH311, as without a bridge
      } else if (*backend.port_number != m_options.interceptor_port) {
        report(Severity::error, "KH323", ingress.meta, backend.where,
               prefix + std::to_string(*backend.port_number) + " is not "
                 + std::to_string(m_options.interceptor_port) + ", the interceptor proxy port");
      }
      return;
    }
    for (const spec::ServicePort& port : bridge.ports) {
      if (port.name == backend.port_name) {
        if (port.port == m_options.interceptor_tls_port) {
          check_port(ingress.meta, backend.where, port.port); // KH311, as without a bridge
        } else if (port.port != m_options.interceptor_port) {
          report(Severity::error, "KH323", ingress.meta, backend.where,
                 prefix + util::quote(backend.port_name) + " of ExternalName Service " + bridge.meta.name + " is "
                   + std::to_string(port.port) + ", not " + std::to_string(m_options.interceptor_port));
        }
        return;
      }
    }
    report(Severity::error, "KH323", ingress.meta, backend.where,
           prefix + util::quote(backend.port_name) + " is not declared by ExternalName Service " + bridge.meta.name);
  }

  void check_ingress(const spec::Ingress& ingress)
  {
    bool any = false;
    for (const spec::Ingress::Rule& rule : ingress.rules) {
      std::vector<Located<std::string>> hosts;
      if (!rule.host.value.empty()) {
        hosts.push_back(rule.host);
      }
      std::vector<spec::PathMatch> paths;
      bool reaches = false;
      for (const spec::Ingress::Path& path : rule.paths) {
        if (ingress_backend_reaches_interceptor(ingress, path.backend, hosts)) {
          reaches = true;
          paths.push_back(path.match);
        } else if (!path.backend.service.empty()) {
          direct_to_target(ingress.meta, path.backend.where, host_list(hosts), ingress.meta.ns, path.backend.service);
        }
      }
      if (reaches) {
        any = true;
        add_traffic(ingress.meta, hosts, hosts.empty(), paths, ingress.rewrites, rule.where, true);
      }
    }
    if (ingress.default_backend) {
      const spec::IngressBackend& backend = *ingress.default_backend;
      if (ingress_backend_reaches_interceptor(ingress, backend, {})) {
        any = true;
        add_traffic(ingress.meta, {}, true, {}, ingress.rewrites, backend.where, false);
      } else if (!backend.service.empty()) {
        direct_to_target(ingress.meta, backend.where, "all hosts", ingress.meta.ns, backend.service);
      }
    }
    if (any) {
      rewrites(ingress.meta, ingress.rewrites);
    }
  }

  // --- Istio ---

  // Istio expands only dot-less names with the VirtualService's namespace.
  std::string resolve_istio_host(const std::string& host, const std::string& vs_namespace) const
  {
    if (host.find('.') == std::string::npos && host != "*") {
      return host + "." + vs_namespace + ".svc." + m_options.cluster_domain;
    }
    return host;
  }

  void check_virtual_service(const spec::VirtualService& vs)
  {
    const std::string hosts = host_list(vs.hosts);
    const std::string fqdn = m_options.interceptor_fqdn();
    // A gateway-bound VirtualService with host "*" takes every host.
    bool all_hosts = vs.hosts.empty();
    for (const auto& host : vs.hosts) {
      all_hosts = all_hosts || host.value == "*";
    }
    for (const spec::VirtualService::HttpRoute& route : vs.http) {
      int64_t interceptor_weight = 0;
      int64_t other_weight = 0;
      bool reaches = false;
      for (const auto& dest : route.destinations) {
        const std::string resolved = resolve_istio_host(dest.host, vs.meta.ns);
        // An only destination without weight takes all the traffic.
        const int64_t weight = route.destinations.size() == 1 && dest.weight == 0 ? 100 : dest.weight;
        if (resolved == fqdn) {
          reaches = true;
          interceptor_weight += weight;
          if (!dest.port) {
            report(Severity::warning, "KH331", vs.meta, dest.where,
                   friendly(vs.meta)
                     + ": no destination port; the interceptor Service exposes several ports when TLS is enabled "
                       "(IST0112) - set port.number: "
                     + std::to_string(m_options.interceptor_port));
          }
          check_port(vs.meta, dest.where, dest.port);
          continue;
        }
        other_weight += weight;
        if (dest.host.rfind(m_options.interceptor_service, 0) == 0) {
          report(Severity::error, "KH330", vs.meta, dest.where,
                 friendly(vs.meta) + ": host " + util::quote(dest.host) + " resolves to "
                   + util::quote(resolved) + ", not the interceptor; use " + util::quote(fqdn));
          continue;
        }
        // The target of an InterceptorRoute, by short name or FQDN.
        const std::string suffix = ".svc." + m_options.cluster_domain;
        if (weight > 0 && resolved.ends_with(suffix)) {
          const std::string head = resolved.substr(0, resolved.size() - suffix.size());
          const size_t dot = head.find('.');
          if (dot != std::string::npos) {
            direct_to_target(vs.meta, dest.where, hosts, head.substr(dot + 1), head.substr(0, dot));
          }
        }
      }
      if (!reaches) {
        continue;
      }
      bypass(vs.meta, route.where, hosts, interceptor_weight, other_weight);
      rewrites(vs.meta, route.rewrites);
      std::vector<spec::PathMatch> paths;
      for (const spec::PathMatch& uri : route.uris) {
        if (uri.type == "prefix" || uri.type == "exact") {
          paths.push_back({uri.type == "exact" ? "Exact" : "PathPrefix", uri.value, uri.where});
        }
      }
      // Regex uris were left out above; the exact and prefix ones are checked.
      add_traffic(vs.meta, vs.hosts, all_hosts, paths, route.rewrites, route.where, true);
    }
  }

  // --- ReferenceGrant ---

  void check_grant(const spec::ReferenceGrant& grant)
  {
    const std::string name = "ReferenceGrant " + grant.meta.ns + "/" + grant.meta.name;
    bool names_interceptor = false;
    bool for_services = false;
    for (const auto& to : grant.to) {
      const std::string kind = util::to_lower(to.kind);
      const bool service_like = kind == "service" || kind == "services";
      if (to.name && *to.name == m_options.interceptor_service) {
        names_interceptor = true;
      }
      if (service_like && to.kind != "Service") {
        report(Severity::warning, "KH304", grant.meta, to.where,
               name + ": kind " + util::quote(to.kind)
                 + " never matches a core Service (use group \"\" and kind \"Service\")");
      }
      if ((service_like || (to.name && *to.name == m_options.interceptor_service)) && !to.group.empty()) {
        report(Severity::warning, "KH304", grant.meta, to.where,
               name + ": group " + util::quote(to.group)
                 + " never matches a core Service (use group \"\" and kind \"Service\")");
      }
      for_services = for_services || (to.group.empty() && to.kind == "Service");
    }
    bool from_routes = false;
    for (const auto& from : grant.from) {
      if (from.ns == grant.meta.ns) {
        report(Severity::warning, "KH304", grant.meta, from.where,
               name + ": from.namespace equals the grant's own namespace; "
                 + "same-namespace references need no grant");
      }
      const std::string kind = util::to_lower(from.kind);
      if (kind == "httproute" && (from.kind != "HTTPRoute" || from.group != k_gateway_group)) {
        report(Severity::warning, "KH304", grant.meta, from.where,
               name + ": from {group: " + util::quote(from.group) + ", kind: "
                 + util::quote(from.kind) + "} never matches an HTTPRoute (use group " + k_gateway_group
                 + " and kind HTTPRoute)");
      }
      from_routes = from_routes || (from.group == k_gateway_group && from.kind == "HTTPRoute");
    }
    if (names_interceptor && grant.meta.ns != m_options.interceptor_namespace) {
      report(Severity::error, "KH306", grant.meta, {"metadata.namespace", grant.meta.mark},
             name + " grants access to " + m_options.interceptor_service + " but lives in "
               + util::quote(grant.meta.ns) + "; a grant only covers objects in its own namespace - move it to "
               + util::quote(m_options.interceptor_namespace));
    }
    if (grant.meta.ns == m_options.interceptor_namespace && from_routes) {
      for (const auto& to : grant.to) {
        if (to.group.empty() && to.kind == "Service" && !to.name) {
          for (const auto& from : grant.from) {
            if (from.group != k_gateway_group || from.kind != "HTTPRoute") {
              continue; // only HTTPRoutes are in question here
            }
            report(Severity::warning, "KH305", grant.meta, to.where,
                   name + " allows HTTPRoutes from " + util::quote(from.ns) + " to every Service in "
                     + util::quote(grant.meta.ns) + "; set to[].name: " + m_options.interceptor_service);
          }
        }
      }
    }
    if (grant.meta.ns == m_options.interceptor_namespace && from_routes && for_services && m_http_route_traffic == 0
        && m_vs_traffic > 0) {
      report(Severity::info, "KH303", grant.meta, {"", grant.meta.mark},
             name + " is not needed: only Istio VirtualServices point at the interceptor, and they need no grant");
    }
  }

  // --- hosts and paths ---

  bool covered_by_ir(const std::vector<Located<std::string>>& hosts) const
  {
    for (const auto& host : hosts) {
      for (const IrRule& rule : m_inv.ir_rules) {
        if (rule.hosts.empty()) {
          continue;
        }
        for (const std::string& pattern : rule.hosts) {
          if (interceptor_covers(pattern, host.value)) {
            return true;
          }
        }
      }
    }
    return false;
  }

  void add_traffic(const spec::ObjectMeta& route, const std::vector<Located<std::string>>& hosts, bool all_hosts,
                   const std::vector<spec::PathMatch>& paths, const std::vector<spec::Rewrite>& rewrite_list,
                   const Where& where, bool paths_known)
  {
    InterceptorTraffic traffic{&route, hosts, all_hosts, {}, where};
    for (const spec::Rewrite& rewrite : rewrite_list) {
      if (rewrite.host) {
        // The interceptor sees the rewritten host, not the one the route matched.
        traffic.hosts = {{rewrite.value, rewrite.where}};
        traffic.all_hosts = false;
      }
    }
    bool path_rewritten = false;
    for (const spec::Rewrite& rewrite : rewrite_list) {
      path_rewritten = path_rewritten || !rewrite.host;
    }
    if (paths_known && !path_rewritten) {
      for (const spec::PathMatch& path : paths) {
        if (path.type == "Exact" || path.type == "Prefix" || path.type == "PathPrefix") {
          traffic.paths.push_back(path);
        }
      }
    }
    if (route.kind == "VirtualService") {
      ++m_vs_traffic;
    } else if (route.kind == "HTTPRoute") {
      ++m_http_route_traffic;
    }
    m_traffic.push_back(std::move(traffic));
  }

  bool ir_catch_all() const
  {
    for (const IrRule& rule : m_inv.ir_rules) {
      if (rule.hosts.empty()) {
        return true;
      }
    }
    return false;
  }

  // IR rules that would answer `host` (exact or wildcard route host).
  std::vector<const IrRule*> rules_for(const std::string& host) const
  {
    std::vector<const IrRule*> out;
    for (const IrRule& rule : m_inv.ir_rules) {
      bool match = rule.hosts.empty();
      for (const std::string& pattern : rule.hosts) {
        match = match || interceptor_covers(pattern, host);
      }
      if (match) {
        out.push_back(&rule);
      }
    }
    return out;
  }

  void check_paths(const InterceptorTraffic& traffic, const std::string& host, const std::vector<const IrRule*>& rules)
  {
    for (const spec::PathMatch& path : traffic.paths) {
      bool ok = false;
      for (const IrRule* rule : rules) {
        if (rule->paths.empty()) {
          ok = true;
        }
        for (const std::string& prefix : rule->paths) {
          ok = ok || path_prefix_covers(prefix, path.value);
        }
      }
      if (!ok) {
        // A defaulted path ("/" for an HTTPRoute rule without matches) has no
        // position of its own: point at the rule that got it.
        const Where where{path.where.path, path.where.mark.known() ? path.where.mark : traffic.where.mark};
        report(Severity::warning, "KH345", *traffic.route, where,
               friendly(*traffic.route) + ": requests for " + host + path.value
                 + " reach the interceptor but no InterceptorRoute rule for that host matches the path");
      }
    }
  }

  void check_hosts()
  {
    if (!m_inv.has_interceptor_routes() && !m_options.require_interceptorroutes) {
      return;
    }
    struct RouteHost {
      std::string host;
      bool single_label; // an Ingress wildcard covers one label only
    };
    std::vector<RouteHost> route_hosts;
    bool any_all_hosts = false;
    for (const InterceptorTraffic& traffic : m_traffic) {
      const spec::ObjectMeta& route = *traffic.route;
      const bool single_label = route.kind == "Ingress";
      if (traffic.all_hosts) {
        any_all_hosts = true;
        if (!ir_catch_all()) {
          report(Severity::warning, "KH342", route, traffic.where,
                 friendly(route) + " has no hostnames (all hosts) but no InterceptorRoute has a catch-all rule");
        } else {
          check_paths(traffic, "", rules_for(""));
        }
        continue;
      }
      for (const auto& host : traffic.hosts) {
        route_hosts.push_back({host.value, single_label});
        const auto rules = rules_for(host.value);
        if (!rules.empty()) {
          check_paths(traffic, host.value, rules);
          continue;
        }
        if (is_wildcard(host.value)) {
          std::vector<std::string> partial;
          for (const IrRule& rule : m_inv.ir_rules) {
            for (const std::string& pattern : rule.hosts) {
              if (route_wildcard_contains(host.value, pattern, single_label)) {
                partial.push_back(pattern);
              }
            }
          }
          if (!partial.empty()) {
            std::sort(partial.begin(), partial.end());
            partial.erase(std::unique(partial.begin(), partial.end()), partial.end());
            report(Severity::warning, "KH341", route, host.where,
                   friendly(route) + " sends " + util::quote(host.value) + " to the interceptor; only "
                     + util::join(partial, ", ") + " are matched by InterceptorRoutes");
            continue;
          }
        }
        report(Severity::warning, "KH340", route, host.where,
               friendly(route) + " sends host " + util::quote(host.value)
                 + " to the interceptor but no InterceptorRoute matches it (the interceptor answers 404)");
      }
    }
    if (m_traffic.empty() || any_all_hosts) {
      return;
    }
    for (const spec::InterceptorRoute& ir : m_inv.interceptor_routes) {
      for (const spec::RouteRule& rule : ir.rules) {
        for (const auto& host : rule.hosts) {
          const std::string pattern(strip_port(host.value));
          if (pattern.empty() || pattern == "*") {
            continue;
          }
          bool referenced = false;
          for (const RouteHost& route_host : route_hosts) {
            referenced = referenced || interceptor_covers(pattern, route_host.host)
                         || route_wildcard_contains(route_host.host, pattern, route_host.single_label);
          }
          if (!referenced) {
            report(Severity::info, "KH343", ir.meta, host.where,
                   friendly(ir.meta) + " host " + util::quote(host.value)
                     + " is not routed to the interceptor by any HTTPRoute/Ingress/VirtualService in the input");
          }
        }
      }
    }
  }

  const Options& m_options;
  std::vector<core::Diagnostic>& m_out;
  Inventory m_inv;
  std::vector<InterceptorTraffic> m_traffic;
  std::set<const spec::Service*> m_reported_bridges;
  int m_http_route_traffic = 0;
  int m_vs_traffic = 0;
};

} // namespace

void
check_wiring(const std::vector<const manifest::Object*>& objects, const Options& options,
             std::vector<core::Diagnostic>& out)
{
  Checker checker(options, out);
  checker.run(objects);
}

} // namespace kedahttp::validate
