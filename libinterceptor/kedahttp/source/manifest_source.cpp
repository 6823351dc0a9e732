#include <kedahttp/source/manifest_source.hpp>

#include <kedahttp/manifest/decode.hpp>
#include <kedahttp/manifest/loader.hpp>
#include <kedahttp/util/strings.hpp>
#include <kedahttp/validate/names.hpp>
#include <kedahttp/validate/validate.hpp>

#include <algorithm>
#include <map>
#include <exception>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

namespace kedahttp::source {

namespace {

using manifest::at;
using manifest::Node;

enum class Kind { interceptor_route, http_scaled_object, service, endpoint_slice, config_map, other };

constexpr std::string_view k_service_name_label = "kubernetes.io/service-name";
constexpr std::string_view k_response_body_label = "http.keda.sh/response-body";

Kind
classify(const core::ObjectRef& ref)
{
  const std::string group = manifest::api_group(ref.api_version);
  if (group == "http.keda.sh") {
    if (ref.kind == "InterceptorRoute") {
      return Kind::interceptor_route;
    }
    if (ref.kind == "HTTPScaledObject") {
      return Kind::http_scaled_object;
    }
  } else if (group.empty()) {
    if (ref.kind == "Service") {
      return Kind::service;
    }
    if (ref.kind == "ConfigMap") {
      return Kind::config_map;
    }
  } else if (group == "discovery.k8s.io" && ref.kind == "EndpointSlice") {
    return Kind::endpoint_slice;
  }
  return Kind::other;
}

// Why an object is refused, and where.
struct Problem
{
  core::SourceMark mark;
  std::string reason; // "field.path: message"
};


core::SourceMark
mark_or(const Node& node, core::SourceMark fallback)
{
  return node.mark.known() ? node.mark : fallback;
}

// A YAML boolean as the API server reads it (YAML 1.1: true/yes/on...).
std::optional<bool>
boolean(const Node& node)
{
  if (node.scalar_type() != manifest::ScalarType::boolean) {
    return std::nullopt;
  }
  const std::string lower = util::to_lower(node.value);
  return lower == "true" || lower == "yes" || lower == "on";
}

// "path: Invalid type: expected array, got object", the API server's wording.
Problem
wrong_type(const Node& node, const std::string& path, std::string_view expected)
{
  return {node.mark,
          path + ": Invalid type: expected " + std::string(expected) + ", got " + std::string(node.json_type())};
}

std::optional<Problem>
check_meta(const manifest::Object& object)
{
  const Node& metadata = at(object.root, "metadata");
  const Node& name = at(metadata, "name");
  if (!name.is_scalar() || name.value.empty()) {
    return Problem{mark_or(metadata, object.root.mark), "metadata.name: Required value: name is required"};
  }
  if (const auto error = validate::dns1123_subdomain_error(name.value)) {
    return Problem{name.mark, "metadata.name: Invalid value: " + util::quote(name.value) + ": " + *error};
  }
  const Node& ns = at(metadata, "namespace");
  if (ns.is_scalar()) {
    if (const auto error = validate::dns1123_label_error(ns.value)) {
      return Problem{ns.mark, "metadata.namespace: Invalid value: " + util::quote(ns.value) + ": " + *error};
    }
  }
  return std::nullopt;
}

// validate skips EndpointSlices (not a kind kedahttp checks), but `serve` reads
// readiness from them: the minimum that the API server would also insist on.
std::optional<Problem>
check_endpoint_slice(const manifest::Object& object)
{
  const Node& root = object.root;
  if (object.ref.api_version != "discovery.k8s.io/v1") {
    return Problem{mark_or(at(root, "apiVersion"), root.mark),
                   "apiVersion: EndpointSlice in version " + util::quote(object.ref.api_version)
                     + " is not served; use \"discovery.k8s.io/v1\""};
  }
  if (auto problem = check_meta(object)) {
    return problem;
  }
  const Node& metadata = at(root, "metadata");
  const Node& labels = at(metadata, "labels");
  const Node& service = at(labels, k_service_name_label);
  if (!service.is_scalar() || service.value.empty()) {
    return Problem{mark_or(labels, metadata.mark),
                   "metadata.labels: label \"kubernetes.io/service-name\" is required (it names the Service "
                   "whose endpoints these are)"};
  }
  const Node& address_type = at(root, "addressType");
  if (!address_type.is_scalar()) {
    return Problem{mark_or(address_type, root.mark), "addressType: Required value"};
  }
  if (address_type.value != "IPv4" && address_type.value != "IPv6" && address_type.value != "FQDN") {
    return Problem{address_type.mark, "addressType: Unsupported value: " + util::quote(address_type.value)
                                        + ": supported values: \"FQDN\", \"IPv4\", \"IPv6\""};
  }
  const Node& endpoints = at(root, "endpoints");
  if (!endpoints.is_null() && !endpoints.is_sequence()) {
    return wrong_type(endpoints, "endpoints", "array");
  }
  for (size_t i = 0; i < endpoints.items.size(); ++i) {
    const Node& endpoint = endpoints.items[i];
    const std::string path = "endpoints[" + std::to_string(i) + "]";
    if (!endpoint.is_mapping()) {
      return wrong_type(endpoint, path, "object");
    }
    const Node& addresses = at(endpoint, "addresses");
    if (!addresses.is_sequence() || addresses.items.empty()) {
      return Problem{mark_or(addresses, endpoint.mark),
                     path + ".addresses: Required value: must contain at least 1 address"};
    }
    for (size_t k = 0; k < addresses.items.size(); ++k) {
      if (addresses.items[k].scalar_type() != manifest::ScalarType::string || addresses.items[k].value.empty()) {
        return Problem{addresses.items[k].mark,
                       path + ".addresses[" + std::to_string(k) + "]: Invalid value: must be a non-empty string"};
      }
    }
    const Node& conditions = at(endpoint, "conditions");
    for (std::string_view condition : {"ready", "serving", "terminating"}) {
      const Node& value = at(conditions, condition);
      if (!value.is_null() && !boolean(value)) {
        return wrong_type(value, path + ".conditions." + std::string(condition), "boolean");
      }
    }
  }
  const Node& ports = at(root, "ports");
  if (!ports.is_null() && !ports.is_sequence()) {
    return wrong_type(ports, "ports", "array");
  }
  for (size_t i = 0; i < ports.items.size(); ++i) {
    const Node& port = at(ports.items[i], "port");
    const std::string path = "ports[" + std::to_string(i) + "].port";
    if (port.is_null()) {
      continue; // optional: all ports
    }
    const auto number = port.scalar_type() == manifest::ScalarType::integer ? port.as_int() : std::nullopt;
    if (!number) {
      return wrong_type(port, path, "integer");
    }
    if (*number < 1 || *number > 65535) {
      return Problem{port.mark, path + ": Invalid value: " + std::to_string(*number)
                                  + ": must be between 1 and 65535, inclusive"};
    }
  }
  return std::nullopt;
}

bool
is_config_key(std::string_view key)
{
  if (key.empty() || key.size() > 253 || key == "." || key == "..") {
    return false;
  }
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
           || c == '.';
  });
}

// ConfigMaps are not checked by validate either; a response body must at least be text.
std::optional<Problem>
check_config_map(const manifest::Object& object)
{
  const Node& root = object.root;
  if (object.ref.api_version != "v1") {
    return Problem{mark_or(at(root, "apiVersion"), root.mark),
                   "apiVersion: ConfigMap in version " + util::quote(object.ref.api_version)
                     + " is not served; use \"v1\""};
  }
  if (auto problem = check_meta(object)) {
    return problem;
  }
  const Node& data = at(root, "data");
  if (!data.is_null() && !data.is_mapping()) {
    return wrong_type(data, "data", "object");
  }
  for (const manifest::Entry& entry : data.entries) {
    if (!is_config_key(entry.key)) {
      return Problem{entry.key_mark, "data: Invalid value: " + util::quote(entry.key)
                                       + ": a valid config key must consist of alphanumeric characters, '-', '_' "
                                         "or '.'"};
    }
    const manifest::ScalarType type = entry.value.scalar_type();
    if (type != manifest::ScalarType::string && type != manifest::ScalarType::null) {
      return Problem{entry.value.mark, "data." + entry.key + ": Invalid type: expected string, got "
                                         + std::string(entry.value.json_type()) + " (quote the value)"};
    }
  }
  return std::nullopt;
}

bool
has_response_body_label(const manifest::Object& object)
{
  const Node& value = at(at(at(object.root, "metadata"), "labels"), k_response_body_label);
  return value.is_scalar() && value.value == "true";
}

// decode_endpoint_slice reads only the literal "true"; the API server reads YAML
// 1.1 booleans ("True", "yes"), which check_endpoint_slice accepted.
void
fix_conditions(const manifest::Object& object, spec::EndpointSlice& slice)
{
  const Node& endpoints = at(object.root, "endpoints");
  for (size_t i = 0; i < endpoints.items.size() && i < slice.endpoints.size(); ++i) {
    const Node& conditions = at(endpoints.items[i], "conditions");
    spec::EndpointSlice::Endpoint& endpoint = slice.endpoints[i];
    endpoint.ready = boolean(at(conditions, "ready")).value_or(true);
    endpoint.serving = boolean(at(conditions, "serving")).value_or(endpoint.ready);
    endpoint.terminating = boolean(at(conditions, "terminating")).value_or(false);
  }
}

// The first error validate finds in `object` alone. One object per run, so
// that every finding belongs to it; the cross-object rules are about ingress
// wiring, which `serve` does not read.
std::optional<Problem>
validate_alone(manifest::Object& object, const validate::Options& options)
{
  manifest::LoadResult one;
  one.objects.push_back(std::move(object));
  const validate::Result result = validate::validate(one, options);
  object = std::move(one.objects.front()); // now with schema defaults applied
  for (const core::Diagnostic& d : result.diagnostics) { // sorted: the first error by position
    if (d.severity == core::Severity::error) {
      return Problem{d.mark, d.path.empty() ? d.message : d.path + ": " + d.message};
    }
  }
  return std::nullopt;
}

std::string
object_key(Kind kind, const std::string& ns, const std::string& name)
{
  return std::to_string(static_cast<int>(kind)) + "/" + ns + "/" + name;
}

std::string
located(const std::string& file, int line)
{
  return line > 0 ? file + ":" + std::to_string(line) : file;
}

// A rejection while a snapshot is built, before it is sorted into place.
struct Refusal
{
  std::string file;
  int line = 0;
  spec::Rejected rejected;
  std::string subject;       // "InterceptorRoute shop/shop", "document", "path"
  std::optional<std::string> key; // object key: its last good version may stand in
  std::string kept;          // what keeps serving instead, for the log line
};

// Copies the objects of `from` for which `keep(kind, meta)` holds into `to`.
template<typename Keep>
void
carry_over(const spec::ClusterState& from, spec::ClusterState& to, Keep&& keep)
{
  auto copy = [&](const auto& source, auto& target, Kind kind) {
    for (const auto& object : source) {
      if (keep(kind, object.meta)) {
        target.push_back(object);
      }
    }
  };
  copy(from.interceptor_routes, to.interceptor_routes, Kind::interceptor_route);
  copy(from.http_scaled_objects, to.http_scaled_objects, Kind::http_scaled_object);
  copy(from.services, to.services, Kind::service);
  copy(from.endpoint_slices, to.endpoint_slices, Kind::endpoint_slice);
  copy(from.config_maps, to.config_maps, Kind::config_map);
}

template<typename T>
void
sort_by_name(std::vector<T>& list)
{
  std::stable_sort(list.begin(), list.end(), [](const T& a, const T& b) {
    return std::tie(a.meta.ns, a.meta.name) < std::tie(b.meta.ns, b.meta.name);
  });
}

// `file` is `path` or inside directory `path` (both as the loader spells them).
bool
is_under(const std::string& file, const std::string& path)
{
  if (file == path) {
    return true;
  }
  if (path.ends_with('/')) {
    return file.starts_with(path);
  }
  return file.size() > path.size() && file.starts_with(path) && file[path.size()] == '/';
}

} // namespace

ManifestSource::ManifestSource(std::vector<std::string> paths, validate::Options options)
  : m_paths(std::move(paths)), m_options(std::move(options))
{
}

spec::ClusterStatePtr
ManifestSource::load()
{
  m_reported.clear();
  return build(nullptr);
}

spec::ClusterStatePtr
ManifestSource::reload()
{
  return build(m_current.get());
}

std::vector<std::string>
ManifestSource::take_logs()
{
  return std::exchange(m_pending_logs, {});
}

spec::ClusterStatePtr
ManifestSource::build(const spec::ClusterState* previous)
{
  manifest::LoadResult loaded;
  try {
    loaded = manifest::load_paths(m_paths);
  } catch (const std::exception& e) {
    // The loader reports problems as diagnostics; this is out of memory or
    // alike. Treat every path as unreadable, so the last good state serves.
    loaded = {};
    for (const std::string& path : m_paths) {
      loaded.input_errors.push_back(path + ": cannot be read: " + e.what());
    }
  }
  auto state = std::make_shared<spec::ClusterState>();
  state->generation = ++m_generation;
  const std::string& default_ns = m_options.default_namespace;

  std::vector<Refusal> refusals;
  std::set<std::string> failed_files;   // a document could not be read: keep their last good objects
  std::vector<std::string> failed_paths; // a given path could not be read at all

  // 1. Paths that could not be read: "path: reason".
  for (const std::string& error : loaded.input_errors) {
    const size_t colon = error.find(": ");
    const std::string path = colon == std::string::npos ? error : error.substr(0, colon);
    const std::string reason = colon == std::string::npos ? "cannot be read" : error.substr(colon + 2);
    failed_paths.push_back(path);
    refusals.push_back({path, 0, {path, path, reason}, "path", std::nullopt, {}});
  }

  // 2. Documents the loader could not turn into objects. A duplicate key
  // (KH004) still yields the object: it is refused with the object below.
  std::map<size_t, Problem> load_problems; // by object index
  for (const core::Diagnostic& d : loaded.diagnostics) {
    if (d.severity != core::Severity::error) {
      continue;
    }
    if (d.code == "KH004") {
      // The object whose document starts last at or before the finding.
      std::optional<size_t> owner;
      for (size_t i = 0; i < loaded.objects.size(); ++i) {
        const manifest::Object& object = loaded.objects[i];
        if (object.file == d.file && object.root.mark.line <= d.mark.line
            && (!owner || loaded.objects[*owner].root.mark.line <= object.root.mark.line)) {
          owner = i;
        }
      }
      if (owner) {
        load_problems.try_emplace(*owner, Problem{d.mark, d.message});
        continue;
      }
    }
    failed_files.insert(d.file);
    refusals.push_back({d.file, d.mark.line, {d.file, located(d.file, d.mark.line), d.message}, "document",
                        std::nullopt, {}});
  }

  // 3. The objects: check, then accept or refuse each on its own.
  std::map<std::string, std::string> accepted; // key -> "file:line" of the accepted version
  auto refuse = [&](const manifest::Object& object, Kind kind, const spec::ObjectMeta& meta, const Problem& problem) {
    const int line = problem.mark.known() ? problem.mark.line : object.root.mark.line;
    const std::string subject = meta.kind + " " + meta.ns + "/" + meta.name;
    refusals.push_back({object.file, line, {subject, located(object.file, line), problem.reason}, subject,
                        object_key(kind, meta.ns, meta.name), {}});
  };
  for (size_t i = 0; i < loaded.objects.size(); ++i) {
    manifest::Object& object = loaded.objects[i];
    const Kind kind = classify(object.ref);
    if (kind == Kind::other) {
      continue; // not ours: Deployments and HTTPRoutes may share the directory
    }
    const spec::ObjectMeta meta = manifest::decode_meta(object, default_ns);
    if (kind == Kind::config_map && !has_response_body_label(object)) {
      continue; // upstream only watches labelled ConfigMaps
    }
    // Checks and decoders are written not to throw; should one do so anyway on
    // some input, that object is refused and the process keeps serving.
    std::optional<Problem> problem;
    try {
      if (const auto it = load_problems.find(i); it != load_problems.end()) {
        problem = it->second;
      } else if (kind == Kind::endpoint_slice) {
        problem = check_endpoint_slice(object);
      } else if (kind == Kind::config_map) {
        problem = check_config_map(object);
      } else {
        problem = validate_alone(object, m_options);
      }
    } catch (const std::exception& e) {
      problem = Problem{object.root.mark, std::string("internal error while checking: ") + e.what()};
    }
    if (problem) {
      refuse(object, kind, meta, *problem);
      continue;
    }
    const std::string key = object_key(kind, meta.ns, meta.name);
    const std::string where = located(object.file, object.root.mark.line);
    if (const auto [it, inserted] = accepted.emplace(key, where); !inserted) {
      refuse(object, kind, meta,
             {object.root.mark, meta.kind + " " + meta.ns + "/" + meta.name + " is defined more than once (first at "
                                  + it->second + ")"});
      refusals.back().key.reset(); // the first definition serves; nothing to fall back on
      continue;
    }
    try {
      switch (kind) {
      case Kind::interceptor_route:
        state->interceptor_routes.push_back(manifest::decode_interceptor_route(object, default_ns));
        break;
      case Kind::http_scaled_object:
        state->http_scaled_objects.push_back(manifest::decode_http_scaled_object(object, default_ns));
        break;
      case Kind::service: state->services.push_back(manifest::decode_service(object, default_ns)); break;
      case Kind::endpoint_slice: {
        spec::EndpointSlice slice = manifest::decode_endpoint_slice(object, default_ns);
        fix_conditions(object, slice);
        state->endpoint_slices.push_back(std::move(slice));
        break;
      }
      case Kind::config_map: state->config_maps.push_back(manifest::decode_config_map(object, default_ns)); break;
      case Kind::other: break;
      }
    } catch (const std::exception& e) {
      accepted.erase(key);
      refuse(object, kind, meta, {object.root.mark, std::string("internal error while decoding: ") + e.what()});
    }
  }

  // 4. The last good state stands in for what could not be read this time.
  if (previous) {
    std::set<std::string> taken;
    for (const auto& [key, where] : accepted) {
      taken.insert(key);
    }
    // A rejected object: its previous version, wherever that came from.
    std::map<std::string, Refusal*> refused;
    for (Refusal& refusal : refusals) {
      if (refusal.key && !taken.count(*refusal.key)) {
        refused.emplace(*refusal.key, &refusal);
      }
    }
    carry_over(*previous, *state, [&](Kind kind, const spec::ObjectMeta& meta) {
      const std::string key = object_key(kind, meta.ns, meta.name);
      const auto it = refused.find(key);
      if (it == refused.end() || !taken.insert(key).second) {
        return false;
      }
      it->second->kept = "the last good version keeps serving";
      return true;
    });
    // An unreadable document or path: every previous object from that file.
    auto from_failed = [&](const std::string& file) {
      return failed_files.count(file) > 0
             || std::any_of(failed_paths.begin(), failed_paths.end(),
                            [&](const std::string& path) { return is_under(file, path); });
    };
    std::map<std::string, size_t> kept_per_file;
    carry_over(*previous, *state, [&](Kind kind, const spec::ObjectMeta& meta) {
      if (!from_failed(meta.file) || !taken.insert(object_key(kind, meta.ns, meta.name)).second) {
        return false;
      }
      ++kept_per_file[meta.file];
      return true;
    });
    for (Refusal& refusal : refusals) {
      if (refusal.key) {
        continue;
      }
      size_t kept = 0;
      for (const auto& [file, count] : kept_per_file) {
        if (refusal.subject == "path" ? is_under(file, refusal.file) : file == refusal.file) {
          kept += count;
        }
      }
      if (kept > 0) {
        const std::string from = refusal.subject == "path" ? " from it " : " from this file ";
        refusal.kept = kept == 1 ? "1 object" + from + "keeps its last good version"
                                 : std::to_string(kept) + " objects" + from + "keep their last good version";
      }
    }
  }

  // 5. A stable order, whatever the order of files and fallbacks.
  sort_by_name(state->interceptor_routes);
  sort_by_name(state->http_scaled_objects);
  sort_by_name(state->services);
  sort_by_name(state->endpoint_slices);
  sort_by_name(state->config_maps);
  std::stable_sort(refusals.begin(), refusals.end(), [](const Refusal& a, const Refusal& b) {
    return std::tie(a.file, a.line) < std::tie(b.file, b.line);
  });

  // 6. Log each rejection once: only those the previous snapshot did not have.
  std::set<std::string> reported;
  for (Refusal& refusal : refusals) {
    std::string line = refusal.rejected.where + ": " + refusal.subject + " rejected: " + refusal.rejected.reason;
    if (!refusal.kept.empty()) {
      line += " (" + refusal.kept + ")";
    }
    if (!m_reported.count(line) && reported.insert(line).second) {
      m_pending_logs.push_back(line);
    } else {
      reported.insert(line);
    }
    state->rejected.push_back(std::move(refusal.rejected));
  }
  m_reported = std::move(reported);
  m_current = std::move(state);
  return m_current;
}

} // namespace kedahttp::source
