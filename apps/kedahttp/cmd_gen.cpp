// kedahttp gen httproute|ingress|virtualservice|interceptorroute|scaledobject

#include "commands.hpp"

#include <kedahttp/gen/gen.hpp>
#include <kedahttp/manifest/writer.hpp>
#include <kedahttp/report/report.hpp>
#include <kedahttp/util/strings.hpp>
#include <kedahttp/validate/validate.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

namespace kedahttp::app {

namespace {

namespace fs = std::filesystem;

struct GenFlags {
  // common
  std::string name;
  std::string ns;
  std::vector<std::string> hosts;
  std::vector<std::string> paths;
  validate::Options interceptor;
  std::string output_dir;
  std::vector<std::string> from;
  // httproute
  std::string gateway;
  std::string grant_name = "allow-httproute-to-interceptor";
  // ingress
  std::string ingress_class;
  std::string tls_secret;
  // virtualservice
  std::vector<std::string> istio_gateways;
  // interceptorroute
  gen::InterceptorRouteOptions ir;
  std::vector<std::string> headers;
  std::optional<int> port;
  std::optional<int> concurrency;
  std::optional<int> request_rate;
  std::optional<int> placeholder_status;
  std::optional<int> fallback_port;
  // scaledobject
  gen::ScaledObjectOptions so;
  std::optional<int> min_replicas;
  std::optional<int> max_replicas;
  std::optional<int> cooldown;
};

void
add_interceptor_flags(CLI::App& cmd, GenFlags& flags)
{
  cmd.add_option("--interceptor-service", flags.interceptor.interceptor_service, "Name of the interceptor proxy Service")
    ->capture_default_str();
  cmd.add_option("--interceptor-namespace", flags.interceptor.interceptor_namespace,
                 "Namespace the KEDA HTTP Add-on is installed in")
    ->capture_default_str();
  cmd.add_option("--interceptor-port", flags.interceptor.interceptor_port, "Port of the interceptor proxy Service")
    ->capture_default_str();
  cmd.add_option("--cluster-domain", flags.interceptor.cluster_domain, "Cluster DNS domain (for fully qualified names)")
    ->capture_default_str();
}

void
add_common_flags(CLI::App& cmd, GenFlags& flags, const std::string& namespace_help)
{
  cmd.add_option("--name", flags.name, "metadata.name of the generated objects");
  cmd.add_option("--namespace", flags.ns, namespace_help);
  cmd.add_option("--host", flags.hosts, "Hostname to route (repeatable)");
  cmd.add_option("--path", flags.paths, "Path prefix to route (repeatable; default /)");
  cmd.add_option("-o,--output-dir", flags.output_dir,
                 "Write one file per object into this directory instead of a multi-document stream on stdout");
  add_interceptor_flags(cmd, flags);
}

void
add_from_flag(CLI::App& cmd, GenFlags& flags)
{
  cmd.add_option("--from", flags.from,
                 "Read InterceptorRoutes (route their hosts through the interceptor) or an Ingress/HTTPRoute that "
                 "sends traffic straight to an app (migrate it: the same routing through the interceptor, plus an "
                 "InterceptorRoute and a ScaledObject per app Service). FILE, DIR or - (repeatable)");
}

std::string
file_name(const manifest::Node& object)
{
  auto field = [&](const manifest::Node& node, std::string_view key) {
    const manifest::Node* value = node.find(key);
    return value ? value->str() : std::string();
  };
  const manifest::Node* metadata = object.find("metadata");
  const std::string ns = metadata ? field(*metadata, "namespace") : "";
  const std::string name = metadata ? field(*metadata, "name") : "";
  return util::to_lower(field(object, "kind")) + "-" + ns + "-" + name + ".yaml";
}

// Validates the generated set with the same engine as `kedahttp validate`, then prints or writes it.
int
emit(const std::vector<manifest::Node>& objects, const GenFlags& flags)
{
  const std::string text = manifest::render_yaml_stream(objects);
  manifest::LoadResult reloaded;
  manifest::load_text(text, "<generated>", reloaded);
  const validate::Result result = validate::validate(reloaded, flags.interceptor);
  bool failed = false;
  std::vector<core::Diagnostic> shown;
  for (const core::Diagnostic& d : result.diagnostics) {
    if (d.code == "KH007") {
      continue; // ScaledObjects are not checked by validate
    }
    shown.push_back(d);
    failed = failed || d.severity == core::Severity::error;
  }
  if (!shown.empty()) {
    const auto summary = report::summarize(shown, 1, result.objects, 0);
    std::string lines = report::render(report::Format::text, shown, summary, {}, KEDAHTTP_VERSION);
    lines.erase(lines.rfind("Summary:")); // the summary of a generated set helps nobody
    std::cerr << lines;
    if (failed) {
      std::cerr << "kedahttp: error: the options above give manifests the API server would reject; nothing written\n";
      return k_exit_findings;
    }
  }
  if (flags.output_dir.empty()) {
    std::cout << text;
    return k_exit_ok;
  }
  std::error_code ec;
  fs::create_directories(flags.output_dir, ec);
  if (ec) {
    std::cerr << "kedahttp: error: " << flags.output_dir << ": " << ec.message() << "\n";
    return k_exit_usage;
  }
  for (const manifest::Node& object : objects) {
    const fs::path path = fs::path(flags.output_dir) / file_name(object);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << "---\n" << manifest::render_yaml(object);
    if (!out) {
      std::cerr << "kedahttp: error: cannot write " << path.string() << "\n";
      return k_exit_usage;
    }
    std::cerr << "wrote " << path.string() << "\n";
  }
  return k_exit_ok;
}

int
usage_error(const std::string& message)
{
  std::cerr << "kedahttp: error: " << message << "\n";
  return k_exit_usage;
}

// NAME[/NAMESPACE] as the issue of `gen httproute --gateway` defines it.
void
split_gateway(const std::string& value, std::string& name, std::string& ns)
{
  const size_t slash = value.find('/');
  name = value.substr(0, slash);
  ns = slash == std::string::npos ? std::string() : value.substr(slash + 1);
}

template<typename Options>
void
fill_route(Options& options, const GenFlags& flags, const std::string& default_namespace)
{
  options.name = flags.name;
  options.ns = flags.ns.empty() ? default_namespace : flags.ns;
  options.hosts = flags.hosts;
  options.paths = flags.paths;
  options.interceptor = flags.interceptor;
}

int
run_from(const GenFlags& flags, gen::Target target)
{
  gen::FromOptions options;
  options.target = target;
  fill_route(options.http_route, flags, "default");
  split_gateway(flags.gateway, options.http_route.gateway, options.http_route.gateway_namespace);
  options.http_route.grant_name = flags.grant_name;
  fill_route(options.ingress, flags, flags.interceptor.interceptor_namespace);
  options.ingress.ingress_class = flags.ingress_class;
  options.ingress.tls_secret = flags.tls_secret;
  fill_route(options.virtual_service, flags, "default");
  options.virtual_service.gateways = flags.istio_gateways;
  options.concurrency = flags.concurrency;
  options.min_replicas = flags.min_replicas;
  options.max_replicas = flags.max_replicas;

  manifest::LoadResult input = manifest::load_paths(flags.from);
  for (const std::string& error : input.input_errors) {
    std::cerr << "kedahttp: error: " << error << "\n";
  }
  if (!input.input_errors.empty()) {
    return k_exit_usage;
  }
  if (!input.diagnostics.empty()) {
    const auto summary = report::summarize(input.diagnostics, input.files.size(), input.objects.size(), 0);
    std::cerr << report::render(report::Format::text, input.diagnostics, summary, input.files, KEDAHTTP_VERSION);
    return k_exit_findings;
  }
  std::vector<std::string> errors;
  const std::vector<manifest::Node> objects = gen::from_objects(input.objects, options, errors);
  for (const std::string& error : errors) {
    std::cerr << "kedahttp: error: " << error << "\n";
  }
  if (!errors.empty()) {
    return k_exit_findings;
  }
  if (objects.empty()) {
    std::cerr << "kedahttp: error: --from: no InterceptorRoute, Ingress or HTTPRoute found in the input\n";
    return k_exit_findings;
  }
  return emit(objects, flags);
}

int
run_route(const GenFlags& flags, gen::Target target)
{
  if (!flags.from.empty()) {
    return run_from(flags, target);
  }
  if (flags.name.empty()) {
    return usage_error("--name is required (or --from to read existing objects)");
  }
  switch (target) {
  case gen::Target::http_route: {
    gen::HTTPRouteOptions options;
    fill_route(options, flags, "default");
    if (flags.gateway.empty()) {
      return usage_error("--gateway NAME[/NAMESPACE] is required: the Gateway the HTTPRoute attaches to");
    }
    split_gateway(flags.gateway, options.gateway, options.gateway_namespace);
    options.grant_name = flags.grant_name;
    return emit(gen::http_route(options), flags);
  }
  case gen::Target::ingress: {
    gen::IngressOptions options;
    fill_route(options, flags, flags.interceptor.interceptor_namespace);
    options.ingress_class = flags.ingress_class;
    options.tls_secret = flags.tls_secret;
    return emit(gen::ingress(options), flags);
  }
  case gen::Target::virtual_service: {
    gen::VirtualServiceOptions options;
    fill_route(options, flags, "default");
    if (flags.hosts.empty()) {
      return usage_error("--host is required: a VirtualService routes named hosts");
    }
    options.gateways = flags.istio_gateways;
    return emit(gen::virtual_service(options), flags);
  }
  }
  return k_exit_usage;
}

int
run_interceptor_route(GenFlags flags)
{
  if (flags.name.empty()) {
    return usage_error("--name is required");
  }
  gen::InterceptorRouteOptions& ir = flags.ir;
  ir.name = flags.name;
  ir.ns = flags.ns.empty() ? "default" : flags.ns;
  if (ir.service.empty()) {
    ir.service = flags.name;
  }
  ir.port = flags.port;
  if (!ir.port && ir.port_name.empty()) {
    return usage_error("--port or --port-name is required: the port of the app's Service");
  }
  ir.hosts = flags.hosts;
  ir.paths = flags.paths;
  for (const std::string& header : flags.headers) {
    const size_t eq = header.find('=');
    ir.headers.push_back(eq == std::string::npos ? gen::HeaderOption{header, std::nullopt}
                                                 : gen::HeaderOption{header.substr(0, eq), header.substr(eq + 1)});
  }
  ir.concurrency = flags.concurrency;
  ir.request_rate = flags.request_rate;
  ir.placeholder_status = flags.placeholder_status;
  ir.fallback_port = flags.fallback_port;
  return emit(gen::interceptor_route(ir), flags);
}

int
run_scaled_object(GenFlags flags)
{
  if (flags.name.empty()) {
    return usage_error("--name is required");
  }
  gen::ScaledObjectOptions& so = flags.so;
  so.name = flags.name;
  so.ns = flags.ns.empty() ? "default" : flags.ns;
  if (flags.min_replicas) {
    so.min_replicas = flags.min_replicas;
  }
  if (flags.max_replicas) {
    so.max_replicas = flags.max_replicas;
  }
  so.cooldown_period = flags.cooldown;
  if (so.min_replicas && so.max_replicas && *so.min_replicas > *so.max_replicas) {
    return usage_error("--min-replicas " + std::to_string(*so.min_replicas) + " is above --max-replicas "
                       + std::to_string(*so.max_replicas));
  }
  return emit(gen::scaled_object(so), flags);
}

} // namespace

std::function<int()>
add_gen(CLI::App& app)
{
  auto flags = std::make_shared<GenFlags>();
  CLI::App* cmd = app.add_subcommand("gen", "Write the manifests that send traffic through the interceptor");
  cmd->require_subcommand(1);
  cmd->footer("Output passes `kedahttp validate` by construction: every generated set is validated before it is\n"
              "printed, and options that would give a rejected object fail with validate's message (exit 1).\n"
              "Examples:\n"
              "  kedahttp gen httproute --name shop --namespace shop --host shop.example.com --gateway public/gateway\n"
              "  kedahttp gen ingress --name shop --host shop.example.com --ingress-class nginx\n"
              "  kedahttp gen virtualservice --name shop --namespace shop --host shop.example.com "
              "--istio-gateway istio-ingress/public\n"
              "  kedahttp gen interceptorroute --name shop --namespace shop --port 8080 --host shop.example.com\n"
              "  kedahttp gen ingress --from old-ingress.yaml | kubectl apply -f -");

  CLI::App* httproute = cmd->add_subcommand("httproute", "Gateway API HTTPRoute to the interceptor (+ ReferenceGrant "
                                                         "in the interceptor namespace when needed)");
  add_common_flags(*httproute, *flags, "Namespace of the HTTPRoute (default: default)");
  httproute->add_option("--gateway", flags->gateway,
                        "Gateway the route attaches to, NAME[/NAMESPACE] (namespace defaults to the route's)");
  httproute->add_option("--grant-name", flags->grant_name,
                        "Name of the ReferenceGrant; use one name per route namespace, as grants with the same "
                        "name overwrite each other")
    ->capture_default_str();
  add_from_flag(*httproute, *flags);

  CLI::App* ingress = cmd->add_subcommand("ingress", "Ingress to the interceptor (in its namespace, or with an "
                                                     "ExternalName bridge in another)");
  add_common_flags(*ingress, *flags,
                   "Namespace of the Ingress (default: the interceptor's; another namespace adds an ExternalName "
                   "Service <name>-proxy that bridges to the interceptor)");
  ingress->add_option("--ingress-class", flags->ingress_class, "spec.ingressClassName (e.g. nginx)");
  ingress->add_option("--tls-secret", flags->tls_secret, "Secret with the TLS certificate for the hosts");
  add_from_flag(*ingress, *flags);

  CLI::App* vs = cmd->add_subcommand("virtualservice", "Istio VirtualService to the interceptor's fully qualified "
                                                       "host (no ReferenceGrant needed)");
  add_common_flags(*vs, *flags, "Namespace of the VirtualService (default: default)");
  vs->add_option("--istio-gateway", flags->istio_gateways,
                 "Istio Gateway, NAMESPACE/NAME (repeatable; none binds the VirtualService to the mesh)");
  add_from_flag(*vs, *flags);

  CLI::App* ir = cmd->add_subcommand("interceptorroute", "InterceptorRoute: how the interceptor routes and scales an "
                                                         "app");
  ir->add_option("--name", flags->name, "metadata.name");
  ir->add_option("--namespace", flags->ns, "Namespace of the app (default: default)");
  ir->add_option("--service", flags->ir.service, "The app's Service (default: --name)");
  ir->add_option("--port", flags->port, "Port of the app's Service");
  ir->add_option("--port-name", flags->ir.port_name, "Named port of the app's Service (instead of --port)");
  ir->add_option("--host", flags->hosts, "Host to route (repeatable; none routes every host)");
  ir->add_option("--path", flags->paths, "Path prefix to route (repeatable; none routes every path)");
  ir->add_option("--header", flags->headers, "Header to match, NAME=VALUE, or NAME for presence (repeatable)");
  ir->add_option("--concurrency", flags->concurrency,
                 "Scale on in-flight requests: target per replica (default 100 when no --request-rate)");
  ir->add_option("--request-rate", flags->request_rate, "Scale on requests per second: target per replica");
  ir->add_option("--window", flags->ir.rate_window, "Request-rate window (Go duration, CRD default 1m)");
  ir->add_option("--granularity", flags->ir.rate_granularity, "Request-rate bucket size (Go duration, CRD default 1s)");
  ir->add_option("--readiness-timeout", flags->ir.readiness_timeout,
                 "How long to hold requests while the app scales from zero (Go duration)");
  ir->add_option("--request-timeout", flags->ir.request_timeout, "Whole-request timeout (Go duration)");
  ir->add_option("--response-header-timeout", flags->ir.response_header_timeout,
                 "Timeout for the app's response headers (Go duration)");
  ir->add_option("--placeholder-status", flags->placeholder_status,
                 "Answer with this status while the app is cold instead of holding");
  ir->add_option("--placeholder-body", flags->ir.placeholder_body, "Body of the placeholder response");
  ir->add_option("--fallback-service", flags->ir.fallback_service, "Service to send requests to while the app is cold");
  ir->add_option("--fallback-port", flags->fallback_port, "Port of the fallback Service");
  ir->add_option("--fallback-port-name", flags->ir.fallback_port_name, "Named port of the fallback Service");
  ir->add_option("-o,--output-dir", flags->output_dir, "Write one file per object into this directory");

  CLI::App* so = cmd->add_subcommand("scaledobject", "KEDA ScaledObject that scales an app from the interceptor's "
                                                     "counts (external-push trigger)");
  so->add_option("--name", flags->name, "metadata.name (also the InterceptorRoute name unless --interceptorroute)");
  so->add_option("--namespace", flags->ns, "Namespace of the app (default: default)");
  so->add_option("--target", flags->so.target, "Workload to scale (default: --name)");
  so->add_option("--target-kind", flags->so.target_kind, "Kind of the workload")->capture_default_str();
  so->add_option("--interceptorroute", flags->so.interceptor_route, "InterceptorRoute whose counts drive scaling");
  so->add_option("--min-replicas", flags->min_replicas, "minReplicaCount (default 0: scale to zero)");
  so->add_option("--max-replicas", flags->max_replicas, "maxReplicaCount (default 10)");
  so->add_option("--cooldown-period", flags->cooldown, "Seconds after the last request before scaling to zero");
  so->add_option("--scaler-address", flags->so.scaler_address, "Address of the add-on's external scaler")
    ->capture_default_str();
  so->add_option("-o,--output-dir", flags->output_dir, "Write one file per object into this directory");

  return [flags, httproute, ingress, vs, ir, so]() -> int {
    if (httproute->parsed()) {
      return run_route(*flags, gen::Target::http_route);
    }
    if (ingress->parsed()) {
      return run_route(*flags, gen::Target::ingress);
    }
    if (vs->parsed()) {
      return run_route(*flags, gen::Target::virtual_service);
    }
    if (ir->parsed()) {
      return run_interceptor_route(*flags);
    }
    if (so->parsed()) {
      return run_scaled_object(*flags);
    }
    return k_exit_usage;
  };
}

} // namespace kedahttp::app
