#include <kedahttp/validate/kinds.hpp>

#include <kedahttp/validate/names.hpp>

#include <map>
#include <mutex>

namespace kedahttp::validate {

Format
dns1123_label_format()
{
  return [](std::string_view value) { return dns1123_label_error(value); };
}

Format
dns1123_subdomain_format()
{
  return [](std::string_view value) { return dns1123_subdomain_error(value); };
}

S
port_number()
{
  return integer().range(1, 65535);
}

S
namespace_name()
{
  return str().min_len(1).max_len(63).format(dns1123_label_format());
}

namespace {

SchemaPtr
metadata_schema()
{
  auto labels = string_map(str()).check([](const manifest::Node& node, const std::string& path, Context& ctx) {
    for (const manifest::Entry& entry : node.entries) {
      const std::string entry_path = join_path(path, entry.key);
      if (auto problem = qualified_name_error(entry.key)) {
        ctx.error("KH104", entry_path, entry.key_mark, "Invalid value: \"" + entry.key + "\": " + *problem);
      }
      if (auto problem = label_value_error(entry.value.str())) {
        ctx.error("KH104", entry_path, entry.value.mark,
                  "Invalid value: \"" + entry.value.str() + "\": " + *problem);
      }
    }
  });
  auto annotations =
    string_map(str()).check([](const manifest::Node& node, const std::string& path, Context& ctx) {
      size_t total = 0;
      for (const manifest::Entry& entry : node.entries) {
        total += entry.key.size() + entry.value.str().size();
        if (auto problem = qualified_name_error(entry.key)) {
          ctx.error("KH104", join_path(path, entry.key), entry.key_mark,
                    "Invalid value: \"" + entry.key + "\": " + *problem);
        }
      }
      if (total > 256 * 1024) {
        ctx.error("KH105", path, node.mark, "Too long: must have at most 262144 bytes");
      }
    });
  return obj({
    opt("name", str()),
    opt("generateName", str()),
    opt("namespace", str()),
    opt("labels", labels),
    opt("annotations", annotations),
    opt("uid", str()),
    opt("resourceVersion", str()),
    opt("generation", integer()),
    opt("creationTimestamp", any()),
    opt("deletionTimestamp", any()),
    opt("deletionGracePeriodSeconds", integer()),
    opt("ownerReferences", array(any())),
    opt("finalizers", array(str())),
    opt("managedFields", array(any())),
    opt("selfLink", str()),
  });
}

} // namespace

const std::vector<KindRules>&
all_kinds()
{
  static const std::vector<KindRules> kinds = {
    interceptor_route_kind(), http_scaled_object_kind(), http_route_kind(),    reference_grant_kind(),
    ingress_kind(),           service_kind(),            virtual_service_kind(),
  };
  return kinds;
}

const KindRules*
find_kind(const std::string& group, const std::string& kind)
{
  for (const KindRules& rules : all_kinds()) {
    if (rules.group == group && rules.kind == kind) {
      return &rules;
    }
  }
  return nullptr;
}

const Schema&
object_schema(const KindRules& rules, Channel channel)
{
  static std::mutex mutex;
  static std::map<std::pair<const KindRules*, Channel>, SchemaPtr> cache;
  const std::lock_guard lock(mutex);
  SchemaPtr& schema = cache[{&rules, channel}];
  if (!schema) {
    std::vector<Field> fields = {
      opt("apiVersion", str()),
      opt("kind", str()),
      req("metadata", metadata_schema()),
      opt("status", any()),
    };
    for (Field& field : rules.body(channel)) {
      fields.push_back(std::move(field));
    }
    S object = obj(std::move(fields));
    if (rules.semantics) {
      object.check(rules.semantics);
    }
    schema = object;
  }
  return *schema;
}

} // namespace kedahttp::validate
