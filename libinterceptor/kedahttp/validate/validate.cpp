#include <kedahttp/validate/validate.hpp>

#include <kedahttp/manifest/decode.hpp>
#include <kedahttp/util/strings.hpp>
#include <kedahttp/validate/kinds.hpp>
#include <kedahttp/validate/names.hpp>
#include <kedahttp/validate/wiring.hpp>

#include <map>
#include <set>
#include <tuple>

namespace kedahttp::validate {

namespace {

using manifest::Node;

std::string
version_list(const std::vector<std::string>& versions)
{
  std::vector<std::string> quoted;
  for (const std::string& version : versions) {
    quoted.push_back(util::quote(version));
  }
  return util::join(quoted, ", ");
}

void
check_names(const manifest::Object& object, const KindRules& rules, Context& ctx)
{
  const Node* metadata = object.root.find("metadata");
  if (!metadata || !metadata->is_mapping()) {
    return;
  }
  const Node* name = metadata->find("name");
  if (!name || name->is_null()) {
    if (!has(*metadata, "generateName")) {
      ctx.error("KH101", "metadata.name", metadata->mark, "Required value: name or generateName is required");
    }
  } else if (name->is_scalar()) {
    const auto problem = rules.name_rule == NameRule::dns1035_label ? dns1035_label_error(name->value)
                                                                    : dns1123_subdomain_error(name->value);
    if (problem) {
      ctx.error("KH108", "metadata.name", name->mark, "Invalid value: " + util::quote(name->value) + ": " + *problem);
    }
  }
  const Node* ns = metadata->find("namespace");
  if (ns && ns->is_scalar()) {
    if (auto problem = dns1123_label_error(ns->value)) {
      ctx.error("KH108", "metadata.namespace", ns->mark,
                "Invalid value: " + util::quote(ns->value) + ": " + *problem);
    }
  }
}

} // namespace

Result
validate(manifest::LoadResult& input, const Options& options)
{
  Result result;
  result.files = input.files.size();
  result.objects = input.objects.size();
  result.diagnostics = input.diagnostics;

  std::vector<const manifest::Object*> checked;
  std::map<std::tuple<std::string, std::string, std::string, std::string>, const manifest::Object*> seen;

  for (manifest::Object& object : input.objects) {
    // Findings name the object as it would exist in the cluster: namespace defaulted.
    core::ObjectRef ref = object.ref;
    if (ref.ns.empty() && find_kind(manifest::api_group(ref.api_version), ref.kind)) {
      ref.ns = options.default_namespace; // every kind we check is namespaced
    }
    Context ctx(object.file, ref, options, result.diagnostics);
    const Node* api_version = object.root.find("apiVersion");
    const Node* kind = object.root.find("kind");
    // kind first, as kubeconform reports it.
    if (!kind || kind->is_null() || object.ref.kind.empty()) {
      ctx.error("KH002", "kind", object.root.mark, "missing 'kind' key");
      continue;
    }
    if (!api_version || api_version->is_null() || object.ref.api_version.empty()) {
      ctx.error("KH002", "apiVersion", object.root.mark, "missing 'apiVersion' key");
      continue;
    }
    const std::string group = manifest::api_group(object.ref.api_version);
    const KindRules* rules = find_kind(group, object.ref.kind);
    if (!rules) {
      ++result.skipped;
      ctx.report(core::Severity::info, "KH007", "", object.root.mark,
                 object.ref.api_version + "/" + object.ref.kind + " " + object.ref.name
                   + " skipped (not checked by kedahttp)");
      continue;
    }
    bool served = false;
    for (const std::string& version : rules->versions) {
      served = served || version == object.ref.api_version;
    }
    if (!served) {
      ctx.error("KH006", "apiVersion", api_version->mark,
                object.ref.kind + " in version " + util::quote(object.ref.api_version)
                  + " is not served; use one of " + version_list(rules->versions));
      continue;
    }

    const auto key = std::make_tuple(group, object.ref.kind,
                                     object.ref.ns.empty() ? options.default_namespace : object.ref.ns,
                                     object.ref.name);
    if (!object.ref.name.empty()) {
      const auto [it, inserted] = seen.emplace(key, &object);
      if (!inserted) {
        ctx.warning("KH008", "metadata.name", object.root.mark,
                    object.ref.kind + " " + std::get<2>(key) + "/" + object.ref.name
                      + " is defined more than once (also at " + it->second->file + ":"
                      + std::to_string(it->second->root.mark.line) + ")");
      }
    }

    const Schema& schema = object_schema(*rules, options.gateway_channel);
    apply_defaults(object.root, schema, options.gateway_channel);
    check_schema(object.root, schema, "", ctx);
    check_names(object, *rules, ctx);
    checked.push_back(&object);
  }

  check_wiring(checked, options, result.diagnostics);
  core::sort_diagnostics(result.diagnostics);
  return result;
}

} // namespace kedahttp::validate
