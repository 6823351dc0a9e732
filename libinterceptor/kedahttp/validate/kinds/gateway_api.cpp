// HTTPRoute (gateway.networking.k8s.io v1, v1beta1) and ReferenceGrant (v1beta1, v1):
// the structural schema and CEL rules of the Gateway API CRDs (standard channel v1.6,
// experimental-only fields and rules behind `Channel::experimental`), plus the per-object
// warnings KH353/KH354/KH355. Rules: spec/manifests.md 1.3, 1.4 and 2.3.

#include <kedahttp/util/strings.hpp>
#include <kedahttp/validate/kinds.hpp>
#include <kedahttp/validate/names.hpp>
#include <kedahttp/validate/options.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kedahttp::validate {

namespace {

using manifest::Node;
using manifest::NodeType;
using manifest::ScalarType;

// --- patterns ---
//
// The CRD `pattern`s, as the API server prints them in "should match" messages,
// each with a hand-written matcher (plain loops, as in names.cpp; std::regex
// recurses per character and is slow on the long values the limits allow).

constexpr std::string_view k_hostname_re =
  R"(^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)";
constexpr std::string_view k_subdomain_re = R"(^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)";
constexpr std::string_view k_group_re = R"(^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)";
constexpr std::string_view k_kind_re = R"(^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$)";
constexpr std::string_view k_namespace_re = R"(^[a-z0-9]([-a-z0-9]*[a-z0-9])?$)";
constexpr std::string_view k_header_name_re = R"(^[A-Za-z0-9!#$%&'*+\-.^_\x60|~]+$)";
constexpr std::string_view k_header_value_re = R"(^[!-~]+([\t ]?[!-~]+)*$)";
constexpr std::string_view k_duration_re = R"(^([0-9]{1,5}(h|m|s|ms)){1,4}$)";
constexpr std::string_view k_path_re = R"(^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$)";

constexpr std::string_view k_gateway_group = "gateway.networking.k8s.io";

bool letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool digit(char c) { return c >= '0' && c <= '9'; }
bool hex_digit(char c) { return digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool visible(char c) { return c >= '!' && c <= '~'; }

bool
label_shape(std::string_view s)
{
  return matches_dns1123_label_pattern(s);
}

bool
subdomain_shape(std::string_view s)
{
  return matches_dns1123_subdomain_pattern(s);
}

bool
hostname_shape(std::string_view s)
{
  if (s.substr(0, 2) == "*.") {
    s.remove_prefix(2);
  }
  return subdomain_shape(s);
}

bool group_shape(std::string_view s) { return s.empty() || subdomain_shape(s); }

bool
kind_shape(std::string_view s)
{
  if (s.empty() || !letter(s.front()) || !(letter(s.back()) || digit(s.back()))) {
    return false;
  }
  for (char c : s) {
    if (!letter(c) && !digit(c) && c != '-') {
      return false;
    }
  }
  return true;
}

// Printable runs separated by single spaces or tabs, no whitespace at either end.
bool
header_value_shape(std::string_view s)
{
  if (s.empty() || !visible(s.front()) || !visible(s.back())) {
    return false;
  }
  for (size_t i = 0; i < s.size(); ++i) {
    const bool blank = s[i] == ' ' || s[i] == '\t';
    if (!visible(s[i]) && !blank) {
      return false;
    }
    if (blank && i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t')) {
      return false;
    }
  }
  return true;
}

// The URL path characters of the path-match CEL rule (and ExternalAuth http.path).
bool
path_shape(std::string_view s)
{
  constexpr std::string_view extra = "-/._~!$&'()*+,;=:@";
  if (s.empty()) {
    return false;
  }
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size() || !hex_digit(s[i + 1]) || !hex_digit(s[i + 2])) {
        return false;
      }
      i += 2;
    } else if (!letter(c) && !digit(c) && extra.find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

// A Gateway API Duration (GEP-2257) in milliseconds: 1 to 4 groups of 1-5 digits
// and a unit h, m, s or ms. Nothing when it does not match the pattern.
std::optional<int64_t>
gateway_duration_ms(std::string_view s)
{
  int64_t total = 0;
  int groups = 0;
  size_t i = 0;
  while (i < s.size()) {
    const size_t start = i;
    int64_t number = 0;
    while (i < s.size() && digit(s[i])) {
      number = number * 10 + (s[i] - '0');
      ++i;
    }
    if (i == start || i - start > 5 || i == s.size() || ++groups > 4) {
      return std::nullopt;
    }
    int64_t unit = 0;
    if (s[i] == 'h') {
      unit = 3600 * 1000;
    } else if (s[i] == 'm' && i + 1 < s.size() && s[i + 1] == 's') {
      unit = 1; // "ms": a group never starts with 's', so "m" + "s..." is not a reading
      ++i;
    } else if (s[i] == 'm') {
      unit = 60 * 1000;
    } else if (s[i] == 's') {
      unit = 1000;
    } else {
      return std::nullopt;
    }
    ++i;
    total += number * unit;
  }
  if (groups == 0) {
    return std::nullopt;
  }
  return total;
}

bool duration_shape(std::string_view s) { return gateway_duration_ms(s).has_value(); }

using Shape = bool (*)(std::string_view);

// A CRD `pattern` -> KH104 "<path> in body should match '<regex>'". Not checked
// below `min_len` (KH105 already explains), as the engine does for formats.
Check
pattern(std::string_view regex, Shape shape, size_t min_len = 0)
{
  return [regex, shape, min_len](const Node& node, const std::string& path, Context& ctx) {
    if (node.value.size() >= min_len && !shape(node.value)) {
      ctx.error("KH104", path, node.mark,
                "Invalid value: " + util::quote(node.value) + ": " + pattern_reason(path, regex));
    }
  };
}

// --- CEL helpers ---

// A CEL rule violation; the API server prints the schema type of the node that
// carries the rule ("object" or "array"), not its value.
void
cel(Context& ctx, const std::string& path, const Node& node, std::string_view message)
{
  const std::string type = node.is_sequence() ? "array" : "object";
  ctx.error("KH107", path, node.mark, "Invalid value: \"" + type + "\": " + std::string(message));
}

// The string value of `key`, or nothing when absent, null or not a string.
std::optional<std::string_view>
text_of(const Node& node, std::string_view key)
{
  const Node* child = node.find(key);
  if (!child || !child->is_scalar() || child->scalar_type() != ScalarType::string) {
    return std::nullopt;
  }
  return std::string_view(child->value);
}

std::optional<int64_t>
int_of(const Node& node, std::string_view key)
{
  const Node* child = node.find(key);
  return child ? child->as_int() : std::nullopt;
}

// A list's items, or none when `key` is absent or not a list.
const std::vector<Node>&
items_of(const Node& node, std::string_view key)
{
  static const std::vector<Node> none;
  const Node* child = node.find(key);
  return child && child->is_sequence() ? child->items : none;
}

bool
contains(const std::vector<std::string>& values, std::string_view value)
{
  for (const std::string& candidate : values) {
    if (candidate == value) {
      return true;
    }
  }
  return false;
}

// "HTTPRoute ns/name" for the KH35x messages; an object without a namespace
// lands in the default namespace.
std::string
friendly(const Context& ctx)
{
  const core::ObjectRef& ref = ctx.object();
  return ref.kind + " " + (ref.ns.empty() ? ctx.options().default_namespace : ref.ns) + "/" + ref.name;
}

// --- shared Gateway API types (apis/v1/shared_types.go, object_reference_types.go) ---

S
pattern_string(std::string_view regex, Shape shape, size_t min_len, size_t max_len)
{
  S s = str();
  if (min_len > 0) {
    s.min_len(min_len);
  }
  s.max_len(max_len);
  s.check(pattern(regex, shape, min_len));
  return s;
}

S group_name() { return pattern_string(k_group_re, group_shape, 0, 253); }
S kind_name() { return pattern_string(k_kind_re, kind_shape, 1, 63); }
S object_name() { return str().min_len(1).max_len(253); }
S gateway_namespace() { return pattern_string(k_namespace_re, label_shape, 1, 63); }
S section_name() { return pattern_string(k_subdomain_re, subdomain_shape, 1, 253); }
S precise_hostname() { return pattern_string(k_subdomain_re, subdomain_shape, 1, 253); }
S header_name() { return pattern_string(k_header_name_re, is_http_token, 1, 256); }
S duration() { return str().check(pattern(k_duration_re, duration_shape)); }

// Header values: the printable-characters pattern exists only in the experimental CRD.
S
header_value(Channel channel, size_t max_len)
{
  S s = str().min_len(1).max_len(max_len);
  if (channel == Channel::experimental) {
    s.check(pattern(k_header_value_re, header_value_shape, 1));
  }
  return s;
}

// An enum of integers (statusCode): the API server lists the values as strings.
Check
int_one_of(std::vector<int64_t> values)
{
  return [values](const Node& node, const std::string& path, Context& ctx) {
    const auto value = node.as_int();
    if (!value) {
      return;
    }
    std::vector<std::string> quoted;
    for (int64_t candidate : values) {
      if (candidate == *value) {
        return;
      }
      quoted.push_back(util::quote(std::to_string(candidate)));
    }
    ctx.error("KH103", path, node.mark,
              "Unsupported value: " + std::to_string(*value) + ": supported values: " + util::join(quoted, ", "));
  };
}

// BackendObjectReference: group/kind default to the core Service, which then needs a port.
S
backend_object_ref(std::vector<Field> extra = {})
{
  std::vector<Field> fields = {
    opt("group", group_name().default_to("")),
    opt("kind", kind_name().default_to("Service")),
    req("name", object_name()),
    opt("namespace", gateway_namespace()),
    opt("port", port_number()),
  };
  for (Field& field : extra) {
    fields.push_back(std::move(field));
  }
  return obj(std::move(fields)).check([](const Node& node, const std::string& path, Context& ctx) {
    const auto group = text_of(node, "group");
    const auto kind = text_of(node, "kind");
    if (group && kind && group->empty() && *kind == "Service" && !has(node, "port")) {
      cel(ctx, path, node, "Must have port for Service reference");
    }
  });
}

// --- HTTPRoute pieces (apis/v1/httproute_types.go) ---

// Two parentRefs select the same parent: group, kind, name and namespace
// (absent and "" are the same namespace) are equal.
bool
same_parent(const Node& a, const Node& b)
{
  return text_of(a, "group") == text_of(b, "group") && text_of(a, "kind") == text_of(b, "kind")
         && text_of(a, "name") == text_of(b, "name")
         && text_of(a, "namespace").value_or("") == text_of(b, "namespace").value_or("");
}

// The two CommonRouteSpec rules; the experimental CRD also counts `port`.
Check
parent_refs_rules(Channel channel)
{
  const bool with_port = channel == Channel::experimental;
  return [with_port](const Node& node, const std::string& path, Context& ctx) {
    const auto section = [](const Node& ref) { return text_of(ref, "sectionName").value_or(""); };
    const auto port = [](const Node& ref) { return int_of(ref, "port").value_or(0); };
    bool specified = true;
    bool unique = true;
    for (const Node& p1 : node.items) {
      if (!p1.is_mapping()) {
        continue;
      }
      size_t same = 0;
      for (const Node& p2 : node.items) {
        if (!p2.is_mapping() || !same_parent(p1, p2)) {
          continue;
        }
        if (section(p1).empty() != section(p2).empty() || (with_port && (port(p1) == 0) != (port(p2) == 0))) {
          specified = false;
        }
        if (section(p1) == section(p2) && (!with_port || port(p1) == port(p2))) {
          ++same;
        }
      }
      unique = unique && same == 1;
    }
    const std::string what = with_port ? "sectionName or port" : "sectionName";
    if (!specified) {
      cel(ctx, path, node,
          what + " must be specified when parentRefs includes 2 or more references to the same parent");
    }
    if (!unique) {
      cel(ctx, path, node, what + " must be unique when parentRefs includes 2 or more references to the same parent");
    }
  };
}

S
parent_refs(Channel channel)
{
  auto ref = obj({
    opt("group", group_name().default_to(std::string(k_gateway_group))),
    opt("kind", kind_name().default_to("Gateway")),
    opt("namespace", gateway_namespace()),
    req("name", object_name()),
    opt("sectionName", section_name()),
    opt("port", port_number()),
  });
  return array(ref).max_items(32).check(parent_refs_rules(channel));
}

S
hostnames()
{
  auto hostname = str().min_len(1).max_len(253).check(pattern(k_hostname_re, hostname_shape, 1));
  hostname.check([](const Node& node, const std::string& path, Context& ctx) {
    // IPv4 addresses pass the pattern; the API forbids them only in prose.
    if (hostname_shape(node.value) && is_ip_address(node.value)) {
      ctx.warning("KH354", path, node.mark,
                  friendly(ctx) + " " + path + ": " + util::quote(node.value)
                    + " is an IP address; hostnames must be DNS names");
    }
  });
  return array(hostname).max_items(16);
}

// HTTPPathMatch: the CEL rules that apply to Exact and PathPrefix values.
void
check_path_match(const Node& node, const std::string& path, Context& ctx)
{
  const auto type = text_of(node, "type");
  const auto value = text_of(node, "value");
  // An unknown type is KH103; the API server then skips every CEL rule, so its
  // "type must be one of ['Exact', 'PathPrefix', 'RegularExpression']" never shows.
  if (!type || !value || (*type != "Exact" && *type != "PathPrefix")) {
    return;
  }
  const std::string_view v = *value;
  const std::string when = " when type one of ['Exact', 'PathPrefix']";
  if (v.substr(0, 1) != "/") {
    cel(ctx, path, node, "value must be an absolute path and start with '/'" + when);
  }
  for (std::string_view sequence : {"//", "/./", "/../", "%2f", "%2F", "#"}) {
    if (v.find(sequence) != std::string_view::npos) {
      cel(ctx, path, node, "must not contain '" + std::string(sequence) + "'" + when);
    }
  }
  for (std::string_view suffix : {"/..", "/."}) {
    if (v.size() >= suffix.size() && v.substr(v.size() - suffix.size()) == suffix) {
      cel(ctx, path, node, "must not end with '" + std::string(suffix) + "'" + when);
    }
  }
  if (!path_shape(v)) {
    cel(ctx, path, node,
        "must only contain valid characters (matching " + std::string(k_path_re)
          + ") for types ['Exact', 'PathPrefix']");
  }
}

Node
default_path()
{
  Node path = Node::mapping();
  path.add("type", Node::scalar("PathPrefix"));
  path.add("value", Node::scalar("/"));
  return path;
}

Node
default_matches()
{
  Node match = Node::mapping();
  match.add("path", default_path());
  Node matches;
  matches.type = NodeType::sequence;
  matches.items.push_back(std::move(match));
  return matches;
}

Node
default_rules()
{
  Node rule = Node::mapping();
  rule.add("matches", default_matches());
  Node rules;
  rules.type = NodeType::sequence;
  rules.items.push_back(std::move(rule));
  return rules;
}

S
route_match(Channel channel)
{
  auto path = obj({
                    opt("type", str().one_of({"Exact", "PathPrefix", "RegularExpression"}).default_to("PathPrefix")),
                    opt("value", str().max_len(1024).default_to("/")),
                  })
                .check(check_path_match);
  auto header = obj({
    opt("type", str().one_of({"Exact", "RegularExpression"}).default_to("Exact")),
    req("name", header_name()),
    req("value", header_value(channel, 4096)),
  });
  auto query = obj({
    opt("type", str().one_of({"Exact", "RegularExpression"}).default_to("Exact")),
    req("name", header_name()),
    req("value", str().min_len(1).max_len(1024)),
  });
  return obj({
    opt("path", path.default_to(default_path())),
    opt("headers", array(header).map({"name"}).max_items(16)),
    opt("queryParams", array(query).map({"name"}).max_items(16)),
    opt("method", str().one_of({"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"})),
  });
}

// HTTPPathModifier of requestRedirect and urlRewrite.
S
path_modifier()
{
  return obj({
           req("type", str().one_of({"ReplaceFullPath", "ReplacePrefixMatch"})),
           opt("replaceFullPath", str().max_len(1024)),
           opt("replacePrefixMatch", str().max_len(1024)),
         })
    .check([](const Node& node, const std::string& path, Context& ctx) {
      const auto type = text_of(node, "type");
      if (!type || (*type != "ReplaceFullPath" && *type != "ReplacePrefixMatch")) {
        return; // Required / KH103 block the CEL rules
      }
      for (std::string_view kind : {"ReplaceFullPath", "ReplacePrefixMatch"}) {
        std::string field(kind);
        field[0] = 'r';
        if (*type == kind && !has(node, field)) {
          cel(ctx, path, node, field + " must be specified when type is set to '" + std::string(kind) + "'");
        }
        if (has(node, field) && *type != kind) {
          cel(ctx, path, node, "type must be '" + std::string(kind) + "' when " + field + " is set");
        }
      }
    });
}

S
header_modifier(Channel channel)
{
  auto header = obj({req("name", header_name()), req("value", header_value(channel, 4096))});
  return obj({
    opt("set", array(header).map({"name"}).max_items(16)),
    opt("add", array(header).map({"name"}).max_items(16)),
    opt("remove", array(str()).set().max_items(16)),
  });
}

S
request_mirror()
{
  auto fraction = obj({
                        req("numerator", integer().minimum(0)),
                        opt("denominator", integer().minimum(1).default_int(100)),
                      })
                    .check([](const Node& node, const std::string& path, Context& ctx) {
                      const auto numerator = int_of(node, "numerator");
                      const auto denominator = int_of(node, "denominator");
                      if (numerator && denominator && *numerator > *denominator) {
                        cel(ctx, path, node, "numerator must be less than or equal to denominator");
                      }
                    });
  return obj({
           req("backendRef", backend_object_ref()),
           opt("percent", integer().range(0, 100)),
           opt("fraction", fraction),
         })
    .check([](const Node& node, const std::string& path, Context& ctx) {
      if (has(node, "percent") && has(node, "fraction")) {
        cel(ctx, path, node, "Only one of percent or fraction may be specified in HTTPRequestMirrorFilter");
      }
    });
}

// `!('*' in self && self.size() > 1)` of the CORS lists.
Check
wildcard_alone(std::string message)
{
  return [message](const Node& node, const std::string& path, Context& ctx) {
    bool star = false;
    for (const Node& item : node.items) {
      star = star || (item.is_scalar() && item.value == "*");
    }
    if (star && node.items.size() > 1) {
      cel(ctx, path, node, message);
    }
  };
}

S
cors()
{
  // CORSOrigin's own pattern is not checked (not in the rule book).
  return obj({
    opt("allowOrigins",
        array(str()).set().max_items(64).check(
          wildcard_alone("AllowOrigins cannot contain '*' alongside other origins"))),
    opt("allowCredentials", boolean()),
    opt("allowMethods",
        array(str().one_of({"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "*"}))
          .set()
          .max_items(9)
          .check(wildcard_alone("AllowMethods cannot contain '*' alongside other methods"))),
    opt("allowHeaders",
        array(header_name()).set().max_items(64).check(
          wildcard_alone("AllowHeaders cannot contain '*' alongside other methods"))),
    opt("exposeHeaders", array(header_name()).set().max_items(64)),
    opt("maxAge", integer().minimum(1).default_int(5)),
  });
}

// HTTPExternalAuthFilter: experimental channel only.
S
external_auth()
{
  auto headers = [] { return array(str()).set().max_items(64); };
  return obj({
           req("protocol", str().one_of({"HTTP", "GRPC"})),
           req("backendRef", backend_object_ref()),
           opt("grpc", obj({opt("allowedHeaders", headers())})),
           opt("http", obj({
                         opt("path", str().max_len(1024).check(pattern(k_path_re, path_shape))),
                         opt("allowedHeaders", headers()),
                         opt("allowedResponseHeaders", headers()),
                       })),
           opt("forwardBody", obj({opt("maxSize", integer().minimum(0))})),
         })
    .check([](const Node& node, const std::string& path, Context& ctx) {
      const auto protocol = text_of(node, "protocol");
      if (!protocol || (*protocol != "HTTP" && *protocol != "GRPC")) {
        return;
      }
      for (std::string_view name : {"GRPC", "HTTP"}) {
        const std::string field = util::to_lower(name);
        if (*protocol == name && !has(node, field)) {
          cel(ctx, path, node, field + " must be specified when protocol is set to '" + std::string(name) + "'");
        }
        if (has(node, field) && *protocol != name) {
          cel(ctx, path, node, "protocol must be '" + std::string(name) + "' when " + field + " is set");
        }
      }
    });
}

struct FilterKind {
  std::string_view type;
  std::string_view field;
  bool experimental;
};

constexpr std::array<FilterKind, 8> k_filter_kinds = {{
  {"RequestHeaderModifier", "requestHeaderModifier", false},
  {"ResponseHeaderModifier", "responseHeaderModifier", false},
  {"RequestMirror", "requestMirror", false},
  {"RequestRedirect", "requestRedirect", false},
  {"URLRewrite", "urlRewrite", false},
  {"ExtensionRef", "extensionRef", false},
  {"CORS", "cors", false},
  {"ExternalAuth", "externalAuth", true},
}};

std::vector<std::string>
filter_types(Channel channel)
{
  std::vector<std::string> types;
  for (const FilterKind& kind : k_filter_kinds) {
    if (!kind.experimental || channel == Channel::experimental) {
      types.emplace_back(kind.type);
    }
  }
  return types;
}

S
filter(Channel channel)
{
  std::vector<std::string> standard;
  std::vector<std::string> experimental_only;
  for (const FilterKind& kind : k_filter_kinds) {
    (kind.experimental ? experimental_only : standard).emplace_back(kind.type);
  }
  auto redirect = obj({
    opt("scheme", str().one_of({"http", "https"})),
    opt("hostname", precise_hostname()),
    opt("path", path_modifier()),
    opt("port", port_number()),
    opt("statusCode", integer().default_int(302).check(int_one_of({301, 302, 303, 307, 308}))),
  });
  auto rewrite = obj({opt("hostname", precise_hostname()), opt("path", path_modifier())});
  auto extension_ref = obj({opt("group", group_name()), req("kind", kind_name()), req("name", object_name())});
  return obj({
           req("type", str().one_of(standard, experimental_only)),
           opt("requestHeaderModifier", header_modifier(channel)),
           opt("responseHeaderModifier", header_modifier(channel)),
           opt("requestMirror", request_mirror()),
           opt("requestRedirect", redirect),
           opt("urlRewrite", rewrite),
           opt("cors", cors()),
           experimental("externalAuth", external_auth()),
           opt("extensionRef", extension_ref),
         })
    .check([types = filter_types(channel)](const Node& node, const std::string& path, Context& ctx) {
      const auto type = text_of(node, "type");
      if (!type || !contains(types, *type)) {
        return; // Required / KH103 block the CEL rules
      }
      for (const FilterKind& kind : k_filter_kinds) {
        if (!contains(types, kind.type)) {
          continue;
        }
        const std::string field(kind.field);
        const std::string name(kind.type);
        if (has(node, field) && *type != kind.type) {
          cel(ctx, path, node, "filter." + field + " must be nil if the filter.type is not " + name);
        }
        if (!has(node, field) && *type == kind.type) {
          cel(ctx, path, node, "filter." + field + " must be specified for " + name + " filter.type");
        }
      }
    });
}

// The list rules of `filters` (on rules and on backendRefs).
void
check_filter_list(const Node& node, const std::string& path, Context& ctx)
{
  const auto count = [&node](std::string_view type) {
    size_t n = 0;
    for (const Node& item : node.items) {
      n += item.is_mapping() && text_of(item, "type") == type ? 1 : 0;
    }
    return n;
  };
  if (count("RequestRedirect") > 0 && count("URLRewrite") > 0) {
    cel(ctx, path, node,
        "May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both");
  }
  for (std::string_view type :
       {"CORS", "RequestHeaderModifier", "ResponseHeaderModifier", "RequestRedirect", "URLRewrite"}) {
    if (count(type) > 1) {
      cel(ctx, path, node, std::string(type) + " filter cannot be repeated");
    }
  }
}

S
filters(Channel channel)
{
  return array(filter(channel)).max_items(16).check(check_filter_list);
}

// Filters of `node` (a rule or a backendRef) with `field`.path.type ReplacePrefixMatch
// and a replacePrefixMatch value.
size_t
replace_prefix_filters(const Node& node, std::string_view field)
{
  size_t n = 0;
  for (const Node& f : items_of(node, "filters")) {
    const Node* action = f.is_mapping() ? f.find(field) : nullptr;
    const Node* modifier = action && action->is_mapping() ? action->find("path") : nullptr;
    if (modifier && modifier->is_mapping() && text_of(*modifier, "type") == "ReplacePrefixMatch"
        && has(*modifier, "replacePrefixMatch")) {
      ++n;
    }
  }
  return n;
}

// HTTPRouteRule's CEL rules.
void
check_rule(const Node& node, const std::string& path, Context& ctx)
{
  const std::vector<Node>& backend_refs = items_of(node, "backendRefs");
  if (!backend_refs.empty()) {
    for (const Node& f : items_of(node, "filters")) {
      if (f.is_mapping() && has(f, "requestRedirect")) {
        cel(ctx, path, node, "RequestRedirect filter must not be used together with backendRefs");
        break;
      }
    }
  }

  // ReplacePrefixMatch needs exactly one match, a PathPrefix one. The CEL uses
  // exists_one: exactly one such filter (or backendRef) triggers the rule.
  const std::vector<Node>& matches = items_of(node, "matches");
  const Node* first_path = matches.size() == 1 && matches[0].is_mapping() ? matches[0].find("path") : nullptr;
  const bool one_prefix_match =
    first_path && first_path->is_mapping() && text_of(*first_path, "type") == "PathPrefix";
  if (one_prefix_match) {
    return;
  }
  // The CRD's wording, including its "Within backendRefs, When" capital for URLRewrite.
  const std::string tail = " filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified";
  using Names = std::array<std::string_view, 3>; // field, filter type, "when" as the CRD spells it
  for (auto [field, filter_type, within] :
       {Names{"requestRedirect", "RequestRedirect", "when"}, Names{"urlRewrite", "URLRewrite", "When"}}) {
    if (replace_prefix_filters(node, field) == 1) {
      cel(ctx, path, node, "When using " + std::string(filter_type) + tail);
    }
    size_t refs = 0;
    for (const Node& ref : backend_refs) {
      refs += ref.is_mapping() && replace_prefix_filters(ref, field) == 1 ? 1 : 0;
    }
    if (refs == 1) {
      cel(ctx, path, node, "Within backendRefs, " + std::string(within) + " using " + std::string(filter_type) + tail);
    }
  }
}

S
timeouts()
{
  return obj({opt("request", duration()), opt("backendRequest", duration())})
    .check([](const Node& node, const std::string& path, Context& ctx) {
      const auto request = text_of(node, "request");
      const auto backend = text_of(node, "backendRequest");
      if (!request || !backend) {
        return;
      }
      const auto request_ms = gateway_duration_ms(*request);
      const auto backend_ms = gateway_duration_ms(*backend);
      if (request_ms && backend_ms && *request_ms != 0 && *backend_ms > *request_ms) {
        cel(ctx, path, node, "backendRequest timeout cannot be longer than request timeout");
      }
    });
}

S
retry()
{
  return obj({
    opt("codes", array(integer().range(400, 599)).set()),
    opt("attempts", integer()),
    opt("backoff", duration()),
  });
}

S
session_persistence()
{
  auto cookie = obj({opt("lifetimeType", str().one_of({"Permanent", "Session"}).default_to("Session"))});
  return obj({
           opt("sessionName", str().max_len(128)),
           opt("absoluteTimeout", duration()),
           opt("idleTimeout", duration()),
           opt("type", str().one_of({"Cookie", "Header"}).default_to("Cookie")),
           opt("cookieConfig", cookie),
         })
    .check([](const Node& node, const std::string& path, Context& ctx) {
      const Node* cookie_config = node.find("cookieConfig");
      if (cookie_config && cookie_config->is_mapping() && text_of(*cookie_config, "lifetimeType") == "Permanent"
          && !has(node, "absoluteTimeout")) {
        cel(ctx, path, node, "AbsoluteTimeout must be specified when cookie lifetimeType is Permanent");
      }
    });
}

// spec.rules: at most 128 matches in the first 16 rules (the CEL sums self[0..15]).
void
check_total_matches(const Node& node, const std::string& path, Context& ctx)
{
  size_t total = 0;
  for (size_t i = 0; i < node.items.size() && i < 16; ++i) {
    total += node.items[i].is_mapping() ? items_of(node.items[i], "matches").size() : 0;
  }
  if (total > 128) {
    cel(ctx, path, node,
        "While 16 rules and 64 matches per rule are allowed, the total number of matches across all rules in a "
        "route must be less than 128");
  }
}

void
check_rule_names(const Node& node, const std::string& path, Context& ctx)
{
  for (const Node& l1 : node.items) {
    const auto name = l1.is_mapping() ? text_of(l1, "name") : std::nullopt;
    if (!name) {
      continue;
    }
    size_t same = 0;
    for (const Node& l2 : node.items) {
      same += l2.is_mapping() && text_of(l2, "name") == name ? 1 : 0;
    }
    if (same != 1) {
      cel(ctx, path, node, "Rule name must be unique within the route");
      return;
    }
  }
}

S
route_rules(Channel channel)
{
  auto backend_ref = backend_object_ref({
    opt("weight", integer().range(0, 1000000).default_int(1)),
    opt("filters", filters(channel)),
  });
  auto rule = obj({
                    opt("name", section_name()),
                    opt("matches", array(route_match(channel)).max_items(64).default_to(default_matches())),
                    opt("filters", filters(channel)),
                    opt("backendRefs", array(backend_ref).max_items(16)),
                    opt("timeouts", timeouts()),
                    experimental("retry", retry()),
                    experimental("sessionPersistence", session_persistence()),
                  })
                .check(check_rule);
  // minItems 1 since Gateway API v1.5.0 (the standard channel here is v1.6).
  S list = array(rule).min_items(1).max_items(16).default_to(default_rules()).check(check_total_matches);
  if (channel == Channel::experimental) {
    list.check(check_rule_names);
  }
  return list;
}

// KH353: a route without parents is valid but attaches to nothing.
void
check_http_route(const Node& root, const std::string&, Context& ctx)
{
  const Node* spec = root.find("spec");
  if (!spec || !spec->is_mapping()) {
    return;
  }
  const Node* parents = spec->find("parentRefs");
  if (!parents || parents->is_null() || (parents->is_sequence() && parents->items.empty())) {
    ctx.warning("KH353", "spec.parentRefs", parents && !parents->is_null() ? parents->mark : spec->mark,
                friendly(ctx) + " has no parentRefs and is not attached to any Gateway");
  }
}

// KH355: ReferenceGrant v1 exists only in Gateway API bundles >= v1.5.0.
void
check_reference_grant(const Node& root, const std::string&, Context& ctx)
{
  const Node* api_version = root.find("apiVersion");
  if (api_version && api_version->str() == std::string(k_gateway_group) + "/v1") {
    ctx.report(core::Severity::info, "KH355", "apiVersion", api_version->mark,
               friendly(ctx) + " uses gateway.networking.k8s.io/v1, served only by Gateway API CRDs >= v1.5.0; "
                               "v1beta1 works everywhere");
  }
}

} // namespace

KindRules
http_route_kind()
{
  KindRules rules;
  rules.group = std::string(k_gateway_group);
  rules.kind = "HTTPRoute";
  rules.versions = {"gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1beta1"};
  rules.body = [](Channel channel) {
    return std::vector<Field>{req("spec", obj({
                                            opt("parentRefs", parent_refs(channel)),
                                            opt("hostnames", hostnames()),
                                            opt("rules", route_rules(channel)),
                                          }))};
  };
  rules.semantics = check_http_route;
  return rules;
}

KindRules
reference_grant_kind()
{
  KindRules rules;
  rules.group = std::string(k_gateway_group);
  rules.kind = "ReferenceGrant";
  rules.versions = {"gateway.networking.k8s.io/v1beta1", "gateway.networking.k8s.io/v1"};
  rules.body = [](Channel) {
    // `group` is required in both lists: "" is the core group and must be written.
    auto from = obj({req("group", group_name()), req("kind", kind_name()), req("namespace", gateway_namespace())});
    auto to = obj({req("group", group_name()), req("kind", kind_name()), opt("name", object_name())});
    return std::vector<Field>{req("spec", obj({
                                            req("from", array(from).min_items(1).max_items(16)),
                                            req("to", array(to).min_items(1).max_items(16)),
                                          }))};
  };
  rules.semantics = check_reference_grant;
  return rules;
}

} // namespace kedahttp::validate
