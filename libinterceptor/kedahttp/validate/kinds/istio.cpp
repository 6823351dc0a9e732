// VirtualService (networking.istio.io v1, v1beta1, v1alpha3): the CRD schema of
// istio/api (field names and types, StringMatch oneOf, the duration CEL rule)
// and the rules of Istio's validating webhook (istio/istio
// pkg/config/validation/{validation,virtualservice}.go, agent/validation.go),
// with the webhook's messages verbatim. spec/manifests.md 1.1 and 1.7.

#include <kedahttp/util/duration.hpp>
#include <kedahttp/util/strings.hpp>
#include <kedahttp/validate/kinds.hpp>
#include <kedahttp/validate/names.hpp>
#include <kedahttp/validate/options.hpp>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <set>

namespace kedahttp::validate {

namespace {

using manifest::Node;
using manifest::ScalarType;
using namespace std::chrono_literals;

const char* const k_hosts = "KH220";
const char* const k_route = "KH221";
const char* const k_destination = "KH222";
const char* const k_weights = "KH223";
const char* const k_gateway = "KH224";


// The text of a string field, "" when absent or not a string.
std::string
text(const Node* node)
{
  return is_string(node) ? node->value : std::string();
}

std::optional<int64_t>
integer_of(const Node* node)
{
  if (!node || !node->is_scalar() || node->scalar_type() != ScalarType::integer) {
    return std::nullopt;
  }
  return node->as_int();
}

std::optional<double>
number_of(const Node* node)
{
  if (!node || !node->is_scalar()
      || (node->scalar_type() != ScalarType::integer && node->scalar_type() != ScalarType::number)) {
    return std::nullopt;
  }
  if (auto value = node->as_int()) {
    return static_cast<double>(*value);
  }
  return std::strtod(node->value.c_str(), nullptr);
}

// Number of items, counting a value of the wrong type as one (it is "set").
size_t
count(const Node* node)
{
  if (!node) {
    return 0;
  }
  if (node->is_sequence()) {
    return node->items.size();
  }
  return node->is_mapping() ? std::max<size_t>(node->entries.size(), 1) : 1;
}

bool
iequals(std::string_view a, std::string_view b)
{
  return util::to_lower(a) == util::to_lower(b);
}

bool
starts_with(std::string_view text, std::string_view prefix)
{
  return text.substr(0, prefix.size()) == prefix;
}

// Go's %v of a float64 (shortest form) and %f.
std::string
go_float(double value)
{
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::general);
  return std::string(buffer, result.ptr);
}

std::string
go_fixed(double value)
{
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%f", value);
  return buffer;
}

// --- Istio names (spec/manifests.md 1.1: uppercase allowed, 255 max, wildcard prefixes) ---

bool
alnum(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// labels.IsDNS1123Label: [a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?, at most 63.
bool
istio_label(std::string_view s)
{
  if (s.empty() || s.size() > 63 || !alnum(s.front()) || !alnum(s.back())) {
    return false;
  }
  for (char c : s) {
    if (!alnum(c) && c != '-') {
      return false;
    }
  }
  return true;
}

// labels.IsWildcardDNS1123Label: "*", "*foo", "*-foo" or a plain label.
bool
istio_wildcard_label(std::string_view s)
{
  if (s.size() > 63) {
    return false;
  }
  if (s == "*" || istio_label(s)) {
    return true;
  }
  if (starts_with(s, "*-") && istio_label(s.substr(2))) {
    return true;
  }
  return starts_with(s, "*") && istio_label(s.substr(1));
}

std::optional<std::string>
dns_preconditions_error(std::string_view name)
{
  if (name.size() > 255) {
    return "domain name " + util::quote(name) + " too long (max 255)";
  }
  if (name.empty()) {
    return std::string("empty domain name not allowed");
  }
  return std::nullopt;
}

// ValidateDNS1123Labels: the last label may be empty ("istio.io."), the TLD not all-numeric.
std::optional<std::string>
dns_labels_error(std::string_view domain)
{
  const auto parts = util::split(domain, '.');
  if (util::is_decimal_integer(parts.back())) {
    return "domain name " + util::quote(domain) + " invalid (top level domain " + util::quote(parts.back())
           + " cannot be all-numeric)";
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i + 1 == parts.size() && parts[i].empty()) {
      return std::nullopt;
    }
    if (!istio_label(parts[i])) {
      return "domain name " + util::quote(domain) + " invalid (label " + util::quote(parts[i]) + " invalid)";
    }
  }
  return std::nullopt;
}

std::optional<std::string>
fqdn_error(std::string_view name)
{
  if (auto problem = dns_preconditions_error(name)) {
    return problem;
  }
  return dns_labels_error(name);
}

// ValidateWildcardDomain: a wildcard only in the first label.
std::optional<std::string>
wildcard_domain_error(std::string_view domain)
{
  if (auto problem = dns_preconditions_error(domain)) {
    return problem;
  }
  const size_t dot = domain.find('.');
  const std::string_view first = domain.substr(0, dot);
  if (!istio_wildcard_label(first)) {
    return "domain name " + util::quote(domain) + " invalid (label " + util::quote(first) + " invalid)";
  }
  if (dot != std::string_view::npos) {
    return dns_labels_error(domain.substr(dot + 1));
  }
  return std::nullopt;
}

// host.Name.Matches: do two hosts overlap (wildcards match any depth).
bool
hosts_overlap(std::string_view a, std::string_view b)
{
  const auto suffix = [](std::string_view text, std::string_view end) {
    return text.size() >= end.size() && text.substr(text.size() - end.size()) == end;
  };
  const bool a_wild = !a.empty() && a.front() == '*';
  const bool b_wild = !b.empty() && b.front() == '*';
  if (a_wild && b_wild) {
    return a.size() < b.size() ? suffix(b.substr(1), a.substr(1)) : suffix(a.substr(1), b.substr(1));
  }
  if (a_wild) {
    return suffix(b, a.substr(1));
  }
  if (b_wild) {
    return suffix(a, b.substr(1));
  }
  return a == b;
}

// --- CRD schema pieces ---

// The CRD's CEL rule on every Duration field.
Check
duration_rule()
{
  return [](const Node& node, const std::string& path, Context& ctx) {
    const auto duration = util::parse_go_duration(node.value);
    if (!duration || *duration < 1ms) {
      ctx.error("KH107", path, node.mark, "Invalid value: \"string\": must be a valid duration greater than 1ms");
    }
  };
}

S
duration()
{
  return str().check(duration_rule());
}

// A protobuf oneof in the CRD: `oneOf` over required keys, at most one may be set.
Check
at_most_one(std::vector<std::string> keys)
{
  return [keys](const Node& node, const std::string& path, Context& ctx) {
    size_t set = 0;
    for (const std::string& key : keys) {
      set += get(node, key) ? 1 : 0;
    }
    if (set > 1) {
      ctx.error("KH104", path, node.mark,
                "Invalid value: \"object\": " + path + " in body must validate one and only one schema (oneOf). Found "
                  + std::to_string(set) + " valid alternatives");
    }
  };
}

S
string_match()
{
  return obj({opt("exact", str()), opt("prefix", str()), opt("regex", str())})
    .check(at_most_one({"exact", "prefix", "regex"}));
}

S
percent()
{
  return obj({opt("value", number())});
}

S
uint32()
{
  return integer().range(0, 4294967295LL);
}

S
headers()
{
  auto operations = obj({
    opt("set", string_map(str())),
    opt("add", string_map(str())),
    opt("remove", array(str())),
  });
  return obj({opt("request", operations), opt("response", operations)});
}

S
destination()
{
  return obj({
    req("host", str()),
    opt("subset", str()),
    opt("port", obj({opt("number", uint32())})),
  });
}

S
http_route()
{
  auto match = obj({
    opt("name", str()),
    opt("uri", string_match()),
    opt("scheme", string_match()),
    opt("method", string_match()),
    opt("authority", string_match()),
    opt("headers", string_map(string_match())),
    opt("port", uint32()),
    opt("sourceLabels", string_map(str())),
    opt("gateways", array(str())),
    opt("queryParams", string_map(string_match())),
    opt("ignoreUriCase", boolean()),
    opt("withoutHeaders", string_map(string_match())),
    opt("sourceNamespace", str()),
    opt("statPrefix", str()),
  });
  auto route = obj({
    req("destination", destination()),
    opt("weight", integer()),
    opt("headers", headers()),
  });
  auto redirect = obj({
                        opt("uri", str()),
                        opt("authority", str()),
                        opt("port", uint32()),
                        opt("derivePort", str().one_of({"FROM_PROTOCOL_DEFAULT", "FROM_REQUEST_PORT"})),
                        opt("scheme", str()),
                        opt("redirectCode", uint32()),
                      })
                    .check(at_most_one({"port", "derivePort"}));
  auto direct_response = obj({
    req("status", uint32()),
    opt("body", obj({opt("string", str()), opt("bytes", str())}).check(at_most_one({"string", "bytes"}))),
  });
  auto rewrite = obj({
    opt("uri", str()),
    opt("authority", str()),
    opt("uriRegexRewrite", obj({opt("match", str()), opt("rewrite", str())})),
  });
  // Retries and CORS gain fields from release to release: unknown ones are kept.
  auto retries = obj({
                       opt("attempts", integer()),
                       opt("perTryTimeout", duration()),
                       opt("retryOn", str()),
                       opt("retryRemoteLocalities", boolean()),
                       opt("retryIgnorePreviousHosts", boolean()),
                       opt("backoff", duration()),
                     })
                   .preserve_unknown();
  auto cors = obj({
                    opt("allowOrigin", array(str())),
                    opt("allowOrigins", array(string_match())),
                    opt("allowMethods", array(str())),
                    opt("allowHeaders", array(str())),
                    opt("exposeHeaders", array(str())),
                    opt("maxAge", duration()),
                    opt("allowCredentials", boolean()),
                    opt("unmatchedPreflights", str()),
                  })
                .preserve_unknown();
  auto fault = obj({
    opt("delay", obj({
                       opt("fixedDelay", duration()),
                       opt("exponentialDelay", duration()),
                       opt("percent", integer()),
                       opt("percentage", percent()),
                     })
                   .check(at_most_one({"fixedDelay", "exponentialDelay"}))),
    opt("abort", obj({
                       opt("httpStatus", integer()),
                       opt("grpcStatus", str()),
                       opt("http2Error", str()),
                       opt("percentage", percent()),
                     })
                   .check(at_most_one({"httpStatus", "grpcStatus", "http2Error"}))),
  });
  return obj({
    opt("name", str()),
    opt("match", array(match)),
    opt("route", array(route)),
    opt("redirect", redirect),
    opt("directResponse", direct_response),
    opt("delegate", obj({opt("name", str()), opt("namespace", str())})),
    opt("rewrite", rewrite),
    opt("timeout", duration()),
    opt("retries", retries),
    opt("fault", fault),
    opt("mirror", destination()),
    opt("mirrors", array(obj({req("destination", destination()), opt("percentage", percent())}))),
    opt("mirrorPercent", uint32()),
    opt("mirror_percent", uint32()),
    opt("mirrorPercentage", percent()),
    opt("corsPolicy", cors),
    opt("headers", headers()),
  });
}

// --- webhook rules ---

struct VirtualServiceInfo {
  bool delegate = false;      // no hosts: a delegate VirtualService
  bool gateway_bound = false; // gateways listed, "mesh" not among them
  std::string gateways;       // Go's %v of the gateway list: "[a b]"
};

void
route_error(Context& ctx, const std::string& path, const Node& node, const std::string& message)
{
  ctx.error(k_route, path, node.mark, message);
}

// agent.ValidateDuration, past the CRD's >= 1ms rule.
void
check_ms_precision(const Node* node, const std::string& path, Context& ctx)
{
  if (!is_string(node)) {
    return;
  }
  const auto duration = util::parse_go_duration(node->value);
  if (duration && *duration >= 1ms && *duration % 1ms != 0ns) {
    route_error(ctx, path, *node, "only durations to ms precision are supported");
  }
}

// validateGatewayNames. Like the webhook, it stops after the first name without a namespace.
void
check_gateway_names(const Node& list, const std::string& path, Context& ctx)
{
  if (!list.is_sequence()) {
    return;
  }
  for (size_t i = 0; i < list.items.size(); ++i) {
    const Node& item = list.items[i];
    if (!is_string(&item)) {
      continue;
    }
    const std::string item_path = index_path(path, i);
    const std::string& name = item.value;
    const size_t slash = name.find('/');
    if (slash == std::string::npos) {
      if (name.find('.') != std::string::npos) {
        const auto parts = util::split(name, '.');
        ctx.warning(k_gateway, item_path, item.mark,
                    "using legacy gatewayName format " + util::quote(name) + "; prefer the <namespace>/<name> format: "
                      + util::quote(std::string(parts[1]) + "/" + std::string(parts[0])));
      }
      if (auto problem = fqdn_error(name)) {
        ctx.error(k_gateway, item_path, item.mark, *problem);
      }
      return;
    }
    const std::string ns = name.substr(0, slash);
    const std::string gateway = name.substr(slash + 1);
    if (ns.empty() || gateway.empty()) {
      ctx.error(k_gateway, item_path, item.mark, "config namespace and gateway name cannot be empty");
    }
    if (!istio_label(ns)) {
      ctx.error(k_gateway, item_path, item.mark, "invalid value for namespace: " + util::quote(ns));
    }
    if (!istio_label(gateway)) {
      ctx.error(k_gateway, item_path, item.mark, "invalid value for gateway name: " + util::quote(gateway));
    }
  }
}

// validateDestination.
void
check_destination(const Node& destination, const std::string& path, Context& ctx)
{
  if (!destination.is_mapping()) {
    return;
  }
  if (const Node* host = get(destination, "host"); is_string(host)) {
    if (host->value == "*") {
      ctx.error(k_destination, join_path(path, "host"), host->mark, "invalid destination host *");
    } else if (auto problem = wildcard_domain_error(host->value)) {
      ctx.error(k_destination, join_path(path, "host"), host->mark, *problem);
    }
  }
  if (const Node* subset = get(destination, "subset"); is_string(subset) && !subset->value.empty()) {
    if (!istio_label(subset->value)) {
      ctx.error(k_destination, join_path(path, "subset"), subset->mark, "subset name is invalid: " + subset->value);
    }
  }
  if (const Node* port = get(destination, "port"); port && port->is_mapping()) {
    const Node* number = get(*port, "number");
    const auto value = number ? integer_of(number) : std::optional<int64_t>(0);
    if (value && (*value < 1 || *value > 65535)) {
      ctx.error(k_destination, join_path(join_path(path, "port"), "number"), number ? number->mark : port->mark,
                "port number " + std::to_string(*value) + " must be in the range 1..65535");
    }
  }
}

std::optional<std::string>
regex_error(const Node& match, std::string_view where)
{
  const Node* regex = get(match, "regex");
  if (!is_string(regex)) {
    return std::nullopt;
  }
  if (regex->value.empty()) {
    return util::quote(where) + ": regex string match should not be empty";
  }
  if (regex->value.size() > 1024) {
    return util::quote(where) + ": regex is too large, max length allowed is 1024";
  }
  return std::nullopt; // RE2 syntax is not compiled here
}

// validateStringMatch: a prefix match must not be empty (except for uri, see below).
std::optional<std::string>
string_match_error(const Node& match, std::string_view where)
{
  if (!match.is_mapping()) {
    return std::nullopt;
  }
  if (const Node* prefix = get(match, "prefix"); is_string(prefix) && prefix->value.empty()) {
    return util::quote(where) + ": prefix string match should not be empty";
  }
  return regex_error(match, where);
}

bool
is_jwt_claim_route(std::string_view name)
{
  const std::string_view prefix = "@request.auth.claims";
  if (name.size() < prefix.size() || util::to_lower(name.substr(0, prefix.size())) != prefix) {
    return false;
  }
  const std::string_view rest = name.substr(prefix.size());
  return (starts_with(rest, ".") && rest.size() > 1)
         || (starts_with(rest, "[") && rest.back() == ']' && rest.size() > 2);
}

// ValidateHTTPHeaderNameOrJwtClaimRoute.
std::optional<std::string>
match_header_name_error(const std::string& name)
{
  if (name.empty()) {
    return std::string("header name cannot be empty");
  }
  if (is_jwt_claim_route(name)) {
    return std::nullopt;
  }
  for (std::string_view pseudo : {":method", ":scheme", ":authority", ":path", ":status"}) {
    if (name == pseudo) {
      return std::nullopt;
    }
  }
  if (!is_http_token(name)) {
    return "header name " + name + " is not a valid header name";
  }
  return std::nullopt;
}

void
check_match(const Node& match, const std::string& path, const VirtualServiceInfo& vs, Context& ctx)
{
  for (const char* key : {"headers", "withoutHeaders"}) {
    const Node* map = get(match, key);
    if (!map || !map->is_mapping()) {
      continue;
    }
    for (const manifest::Entry& entry : map->entries) {
      const std::string entry_path = join_path(join_path(path, key), entry.key);
      if (auto problem = match_header_name_error(entry.key)) {
        ctx.error(k_route, entry_path, entry.key_mark, *problem);
      }
      if (!vs.gateway_bound && is_jwt_claim_route(entry.key)) {
        ctx.error(k_route, entry_path, entry.key_mark,
                  "JWT claim based routing (key: " + entry.key + ") is only supported for gateway, found no gateways: "
                    + vs.gateways);
      }
      // In withoutHeaders, regex "*" means "present", not an RE2 regex.
      const bool present_match = std::string_view(key) == "withoutHeaders" && entry.value.is_mapping()
                                 && text(get(entry.value, "regex")) == "*";
      if (!present_match) {
        if (auto problem = string_match_error(entry.value, key)) {
          ctx.error(k_route, entry_path, entry.value.mark, *problem);
        }
      }
    }
  }
  // uri allows an empty prefix (Envoy does); scheme, method and authority do not.
  if (const Node* uri = get(match, "uri"); uri && uri->is_mapping()) {
    if (auto problem = regex_error(*uri, "uri")) {
      ctx.error(k_route, join_path(path, "uri"), uri->mark, *problem);
    }
  }
  for (const char* key : {"scheme", "method", "authority"}) {
    if (const Node* value = get(match, key)) {
      if (auto problem = string_match_error(*value, key)) {
        ctx.error(k_route, join_path(path, key), value->mark, *problem);
      }
    }
  }
  if (const Node* params = get(match, "queryParams"); params && params->is_mapping()) {
    for (const manifest::Entry& entry : params->entries) {
      if (auto problem = string_match_error(entry.value, "queryParams")) {
        ctx.error(k_route, join_path(join_path(path, "queryParams"), entry.key), entry.value.mark, *problem);
      }
    }
  }
  if (const Node* port = get(match, "port")) {
    const auto value = integer_of(port);
    if (value && *value != 0 && (*value < 1 || *value > 65535)) {
      ctx.error(k_route, join_path(path, "port"), port->mark,
                "port number " + std::to_string(*value) + " must be in the range 1..65535");
    }
  }
  if (const Node* gateways = get(match, "gateways")) {
    check_gateway_names(*gateways, join_path(path, "gateways"), ctx);
  }
  if (const Node* ns = get(match, "sourceNamespace"); is_string(ns) && !ns->value.empty()) {
    if (!istio_label(ns->value)) {
      ctx.error(k_route, join_path(path, "sourceNamespace"), ns->mark,
                "sourceNamespace match " + ns->value + " is invalid");
    }
  }
}

bool
is_internal_header(std::string_view name)
{
  return starts_with(name, ":") || iequals(name, "host");
}

bool
is_authority_header(std::string_view name)
{
  return iequals(name, ":authority") || iequals(name, "host");
}

// Header manipulation of a route or a route destination.
void
check_header_operations(const Node& headers, const std::string& path, Context& ctx)
{
  if (!headers.is_mapping()) {
    return;
  }
  const auto name_error = [](const std::string& name, bool request_set) -> std::optional<std::string> {
    if (name.empty()) {
      return std::string("header name cannot be empty");
    }
    if (request_set) { // the authority header is checked separately
      if (is_internal_header(name) && !is_authority_header(name)) {
        return "invalid header " + util::quote(name) + ": header cannot have \":\" prefix";
      }
      return std::nullopt;
    }
    if (iequals(name, "host")) {
      return "invalid header " + util::quote(name) + ": cannot set Host header";
    }
    if (is_internal_header(name)) {
      return "invalid header " + util::quote(name) + ": header cannot have \":\" prefix";
    }
    return std::nullopt;
  };
  const auto value_error = [](const std::string& value) -> std::optional<std::string> {
    for (unsigned char c : value) {
      if ((c <= 0x08) || (c >= 0x0A && c <= 0x1F) || c == 0x7F) {
        return "header value configuration " + value + " is invalid";
      }
    }
    return std::nullopt;
  };
  for (const char* side : {"request", "response"}) {
    const Node* operations = get(headers, side);
    if (!operations || !operations->is_mapping()) {
      continue;
    }
    const std::string side_path = join_path(path, side);
    const bool request = std::string_view(side) == "request";
    for (const char* op : {"set", "add"}) {
      const Node* map = get(*operations, op);
      if (!map || !map->is_mapping()) {
        continue;
      }
      for (const manifest::Entry& entry : map->entries) {
        const std::string entry_path = join_path(join_path(side_path, op), entry.key);
        if (auto problem = name_error(entry.key, request)) {
          ctx.error(k_route, entry_path, entry.key_mark, *problem);
        }
        if (auto problem = value_error(text(&entry.value))) {
          ctx.error(k_route, entry_path, entry.value.mark, *problem);
        }
      }
    }
    const Node* remove = get(*operations, "remove");
    if (remove && remove->is_sequence()) {
      for (size_t i = 0; i < remove->items.size(); ++i) {
        const Node& name = remove->items[i];
        if (!is_string(&name)) {
          continue;
        }
        if (auto problem = name_error(name.value, false)) {
          ctx.error(k_route, index_path(join_path(side_path, "remove"), i), name.mark, *problem);
        }
      }
    }
  }
}

// validateHTTPRouteConflict.
void
check_route_actions(const Node& route, const std::string& path, const VirtualServiceInfo& vs, Context& ctx)
{
  const bool has_route = count(get(route, "route")) > 0;
  const bool has_redirect = get(route, "redirect") != nullptr;
  const bool has_direct = get(route, "directResponse") != nullptr;
  const bool has_fault = get(route, "fault") != nullptr;
  const bool has_rewrite = get(route, "rewrite") != nullptr;
  const bool has_delegate = get(route, "delegate") != nullptr;
  if (!vs.delegate && has_delegate) {
    // A root route only delegates.
    const std::string name = text(get(route, "name"));
    if (has_redirect) {
      route_error(ctx, path, route, "root HTTP route " + name + " must not specify redirect");
    }
    if (get(route, "route")) {
      route_error(ctx, path, route, "root HTTP route " + name + " must not specify route");
    }
    return;
  }
  if (vs.delegate && has_delegate) {
    route_error(ctx, path, route, "delegate HTTP route cannot contain delegate");
  }
  if (has_redirect) {
    if (has_route) {
      route_error(ctx, path, route, "HTTP route cannot contain both route and redirect");
    }
    if (has_fault) {
      route_error(ctx, path, route, "HTTP route cannot contain both fault and redirect");
    }
    if (has_rewrite) {
      route_error(ctx, path, route, "HTTP route rule cannot contain both rewrite and redirect");
    }
    if (has_direct) {
      route_error(ctx, path, route, "HTTP route rule cannot contain both direct_response and redirect");
    }
  } else if (has_direct) {
    if (has_route) {
      route_error(ctx, path, route, "HTTP route cannot contain both route and direct_response");
    }
    if (has_fault) {
      route_error(ctx, path, route, "HTTP route cannot contain both fault and direct_response");
    }
    if (has_rewrite) {
      route_error(ctx, path, route, "HTTP route rule cannot contain both rewrite and direct_response");
    }
  } else if (!has_route) {
    route_error(ctx, path, route, "HTTP route, redirect or direct_response is required");
  }
  if (get(route, "mirror") && count(get(route, "mirrors")) > 0) {
    route_error(ctx, path, route, "HTTP route cannot contain both mirror and mirrors");
  }
}

// validateHTTPRouteDestinations.
void
check_route_destinations(const Node& list, const std::string& path, Context& ctx)
{
  if (!list.is_sequence()) {
    return;
  }
  int64_t total = 0;
  for (size_t i = 0; i < list.items.size(); ++i) {
    const Node& item = list.items[i];
    const std::string item_path = index_path(path, i);
    if (!item.is_mapping()) { // a null item is already KH102 from the schema
      continue;
    }
    if (const Node* headers = get(item, "headers")) {
      check_header_operations(*headers, join_path(item_path, "headers"), ctx);
    }
    if (const Node* destination = get(item, "destination")) {
      check_destination(*destination, join_path(item_path, "destination"), ctx);
    }
    const Node* weight = get(item, "weight");
    const auto value = integer_of(weight);
    if (value && *value < 0) {
      ctx.error(k_weights, join_path(item_path, "weight"), weight->mark, "weight " + std::to_string(*value) + " < 0");
    }
    total += value.value_or(0);
  }
  if (list.items.size() > 1 && total == 0) {
    ctx.error(k_weights, path, list.mark, "total destination weight = 0");
  }
}

// validatePercentage.
void
check_percentage(const Node* percentage, const std::string& path, Context& ctx)
{
  if (!percentage || !percentage->is_mapping()) {
    return;
  }
  const Node* value_node = get(*percentage, "value");
  const auto value = number_of(value_node);
  if (value && (*value < 0 || *value > 100 || (*value > 0 && *value < 0.0001))) {
    route_error(ctx, join_path(path, "value"), *value_node,
                "percentage " + go_float(*value) + " is neither 0.0, nor in range [0.0001, 100.0]");
  }
}

void
check_fault(const Node& fault, const std::string& path, Context& ctx)
{
  const Node* abort = get(fault, "abort");
  const Node* delay = get(fault, "delay");
  if (!abort && !delay) {
    route_error(ctx, path, fault, "HTTP fault injection must have an abort and/or a delay");
  }
  if (abort && abort->is_mapping()) {
    const std::string abort_path = join_path(path, "abort");
    check_percentage(get(*abort, "percentage"), join_path(abort_path, "percentage"), ctx);
    if (const Node* status = get(*abort, "httpStatus")) {
      const auto value = integer_of(status);
      if (value && (*value < 200 || *value > 600)) {
        route_error(ctx, join_path(abort_path, "httpStatus"), *status,
                    "HTTP status " + std::to_string(*value) + " is not in range 200-599");
      }
    } else if (get(*abort, "http2Error")) {
      route_error(ctx, join_path(abort_path, "http2Error"), *abort, "HTTP/2 abort fault injection not supported yet");
    } else if (!get(*abort, "grpcStatus")) {
      ctx.warning(k_route, abort_path, abort->mark, "abort configured, but error type not set");
    }
  }
  if (delay && delay->is_mapping()) {
    const std::string delay_path = join_path(path, "delay");
    check_percentage(get(*delay, "percentage"), join_path(delay_path, "percentage"), ctx);
    check_ms_precision(get(*delay, "fixedDelay"), join_path(delay_path, "fixedDelay"), ctx);
    if (const Node* exponential = get(*delay, "exponentialDelay")) {
      route_error(ctx, join_path(delay_path, "exponentialDelay"), *exponential, "exponentialDelay not supported yet");
    }
  }
}

// Go's http.StatusText(code) != "".
bool
known_http_status(int64_t code)
{
  static const std::set<int64_t> codes = {
    100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308,
    400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423,
    424, 425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
  };
  return codes.count(code) > 0;
}

void
check_retries(const Node& retries, const std::string& path, Context& ctx)
{
  const Node* attempts_node = get(retries, "attempts");
  const int64_t attempts = integer_of(attempts_node).value_or(0);
  if (attempts < 0) {
    route_error(ctx, join_path(path, "attempts"), *attempts_node, "attempts cannot be negative");
  }
  const Node* retry_on = get(retries, "retryOn");
  if (attempts == 0
      && (get(retries, "perTryTimeout") || !text(retry_on).empty() || get(retries, "retryRemoteLocalities"))) {
    route_error(ctx, path, retries, "http retry policy configured when attempts are set to 0 (disabled)");
  }
  check_ms_precision(get(retries, "perTryTimeout"), join_path(path, "perTryTimeout"), ctx);
  check_ms_precision(get(retries, "backoff"), join_path(path, "backoff"), ctx);
  if (!text(retry_on).empty()) {
    static const std::set<std::string, std::less<>> policies = {
      "5xx", "gateway-error", "reset", "reset-before-request", "connect-failure", "retriable-4xx", "refused-stream",
      "retriable-status-codes", "retriable-headers", "envoy-ratelimited", "http3-post-connect-failure",
      "cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable",
    };
    for (std::string_view policy : util::split(retry_on->value, ',')) {
      int64_t code = 0;
      const bool numeric = util::is_decimal_integer(policy)
                           && std::from_chars(policy.data(), policy.data() + policy.size(), code).ec == std::errc();
      if (!(numeric && known_http_status(code)) && !policies.count(policy)) {
        route_error(ctx, join_path(path, "retryOn"), *retry_on,
                    util::quote(policy) + " is not a valid retryOn policy");
      }
    }
  }
}

void
check_cors(const Node& cors, const std::string& path, Context& ctx)
{
  if (const Node* origins = get(cors, "allowOrigins"); origins && origins->is_sequence()) {
    for (size_t i = 0; i < origins->items.size(); ++i) {
      const Node& origin = origins->items[i];
      if (!origin.is_mapping()) {
        continue;
      }
      const std::string origin_path = index_path(join_path(path, "allowOrigins"), i);
      const std::string value = !text(get(origin, "exact")).empty()    ? text(get(origin, "exact"))
                                : !text(get(origin, "prefix")).empty() ? text(get(origin, "prefix"))
                                                                       : text(get(origin, "regex"));
      if (value.empty()) {
        route_error(ctx, origin_path, origin, "'' is not a valid match type for CORS allow origins");
      } else if (auto problem = regex_error(origin, "corsPolicy.allowOrigins")) {
        route_error(ctx, origin_path, origin, *problem);
      }
    }
  }
  if (const Node* methods = get(cors, "allowMethods"); methods && methods->is_sequence()) {
    static const std::set<std::string, std::less<>> supported = {
      "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE", "*",
    };
    for (size_t i = 0; i < methods->items.size(); ++i) {
      const Node& method = methods->items[i];
      if (is_string(&method) && !supported.count(method.value)) {
        route_error(ctx, index_path(join_path(path, "allowMethods"), i), method,
                    util::quote(method.value) + " is not a supported HTTP method");
      }
    }
  }
  for (const char* key : {"allowHeaders", "exposeHeaders"}) {
    const Node* names = get(cors, key);
    if (!names || !names->is_sequence()) {
      continue;
    }
    for (size_t i = 0; i < names->items.size(); ++i) {
      const Node& name = names->items[i];
      if (!is_string(&name)) {
        continue;
      }
      const std::string name_path = index_path(join_path(path, key), i);
      if (name.value.empty()) {
        route_error(ctx, name_path, name, "header name cannot be empty");
      } else if (name.value != "*" && !is_http_token(name.value)) {
        route_error(ctx, name_path, name, "header name " + name.value + " is not a valid header name");
      }
    }
  }
  if (const Node* max_age = get(cors, "maxAge"); is_string(max_age)) {
    check_ms_precision(max_age, join_path(path, "maxAge"), ctx);
    const auto duration = util::parse_go_duration(max_age->value);
    if (duration && *duration >= 1ms && *duration % 1s != 0ns) {
      route_error(ctx, join_path(path, "maxAge"), *max_age, "max_age duration is accurate only to seconds precision");
    }
  }
}

// validateHTTPRedirect reports only its first problem.
void
check_redirect(const Node& redirect, const std::string& path, Context& ctx)
{
  const std::string scheme = text(get(redirect, "scheme"));
  const bool has_port = get(redirect, "port") || get(redirect, "derivePort");
  if (text(get(redirect, "uri")).empty() && text(get(redirect, "authority")).empty() && !has_port && scheme.empty()) {
    route_error(ctx, path, redirect, "redirect must specify URI, authority, scheme, or port");
    return;
  }
  if (const auto code = integer_of(get(redirect, "redirectCode")); code && *code != 0 && (*code < 300 || *code > 399)) {
    route_error(ctx, join_path(path, "redirectCode"), *get(redirect, "redirectCode"),
                std::to_string(*code) + " is not a valid redirect code, must be 3xx");
    return;
  }
  if (!scheme.empty() && scheme != "http" && scheme != "https") {
    route_error(ctx, join_path(path, "scheme"), *get(redirect, "scheme"),
                "invalid redirect scheme, must be \"http\" or \"https\"");
    return;
  }
  if (const auto port = integer_of(get(redirect, "port")); port && *port > 65535) {
    route_error(ctx, join_path(path, "port"), *get(redirect, "port"),
                "port number " + std::to_string(*port) + " must be in the range 1..65535");
  }
}

void
check_direct_response(const Node& response, const std::string& path, Context& ctx)
{
  if (const Node* body = get(response, "body"); body && body->is_mapping()) {
    size_t size = text(get(*body, "string")).size();
    if (const std::string bytes = text(get(*body, "bytes")); !bytes.empty()) {
      size = bytes.size() / 4 * 3; // base64
    }
    const std::string body_path = join_path(path, "body");
    if (size > 1024 * 1024) {
      route_error(ctx, body_path, *body,
                  "large direct_responses may impact control plane performance, must be less than 1MB");
    } else if (size > 100 * 1024) {
      ctx.warning(k_route, body_path, body->mark, "large direct_responses may impact control plane performance");
    }
  }
  const Node* status = get(response, "status");
  const auto value = integer_of(status);
  if (value && (*value < 200 || *value > 600)) {
    route_error(ctx, join_path(path, "status"), *status,
                "HTTP status " + std::to_string(*value) + " is not in range 200-599");
  }
}

void
check_rewrite(const Node& rewrite, const std::string& path, Context& ctx)
{
  const bool has_uri = !text(get(rewrite, "uri")).empty();
  const Node* regex_rewrite = get(rewrite, "uriRegexRewrite");
  if (has_uri && regex_rewrite) {
    route_error(ctx, path, rewrite, "rewrite may only contain one of URI or UriRegexRewrite");
    return;
  }
  if (!has_uri && !regex_rewrite && text(get(rewrite, "authority")).empty()) {
    route_error(ctx, path, rewrite,
                "rewrite must specify at least one of URI, UriRegexRewrite, or authority. Only one of URI or "
                "UriRegexRewrite may be specified");
    return;
  }
  if (regex_rewrite && regex_rewrite->is_mapping()) {
    const std::string regex_path = join_path(path, "uriRegexRewrite");
    const std::string match = text(get(*regex_rewrite, "match"));
    if (match.empty() || text(get(*regex_rewrite, "rewrite")).empty()) {
      route_error(ctx, regex_path, *regex_rewrite,
                  "UriRegexRewrite has errors: UriRegexRewrite requires both Rewrite and Match fields to be specified");
    } else if (match.size() > 1024) {
      route_error(ctx, regex_path, *regex_rewrite,
                  "UriRegexRewrite has errors: \"HTTPRewrite.UriRegexRewrite.Match\": regex is too large, max length "
                  "allowed is 1024");
    }
  }
}

// validateAuthorityRewrite: the authority may be rewritten in one place only.
void
check_authority_rewrite(const Node& route, const std::string& path, Context& ctx)
{
  const Node* rewrite = get(route, "rewrite");
  std::string current = rewrite && rewrite->is_mapping() ? text(get(*rewrite, "authority")) : "";
  const Node* headers = get(route, "headers");
  const Node* request = headers && headers->is_mapping() ? get(*headers, "request") : nullptr;
  if (!request || !request->is_mapping()) {
    return;
  }
  for (const char* op : {"set", "add"}) {
    const Node* map = get(*request, op);
    if (!map || !map->is_mapping()) {
      continue;
    }
    for (const manifest::Entry& entry : map->entries) {
      if (!is_authority_header(entry.key)) {
        continue;
      }
      if (!current.empty()) {
        route_error(ctx, join_path(join_path(join_path(join_path(path, "headers"), "request"), op), entry.key),
                    entry.value,
                    "authority header cannot be set multiple times: have " + util::quote(current)
                      + ", attempting to set " + util::quote(text(&entry.value)));
        return;
      }
      current = text(&entry.value);
    }
  }
}

// validateHTTPRoute.
void
check_http_route(const Node& route, const std::string& path, const VirtualServiceInfo& vs, Context& ctx)
{
  check_route_actions(route, path, vs, ctx);
  if (const Node* matches = get(route, "match"); matches && matches->is_sequence()) {
    for (size_t i = 0; i < matches->items.size(); ++i) {
      if (matches->items[i].is_mapping()) {
        check_match(matches->items[i], index_path(join_path(path, "match"), i), vs, ctx);
      }
    }
  }
  if (const Node* headers = get(route, "headers")) {
    check_header_operations(*headers, join_path(path, "headers"), ctx);
  }
  if (const Node* cors = get(route, "corsPolicy"); cors && cors->is_mapping()) {
    check_cors(*cors, join_path(path, "corsPolicy"), ctx);
  }
  if (const Node* fault = get(route, "fault"); fault && fault->is_mapping()) {
    check_fault(*fault, join_path(path, "fault"), ctx);
  }
  for (const char* key : {"mirrorPercent", "mirror_percent"}) {
    const Node* value = get(route, key);
    if (!value) {
      continue;
    }
    if (const auto percent = integer_of(value); percent && *percent > 100) {
      route_error(ctx, join_path(path, key), *value,
                  "mirror_percent must have a max value of 100 (it has " + std::to_string(*percent) + ")");
    }
    ctx.warning(k_route, join_path(path, key), value->mark,
                "using deprecated setting \"mirrorPercent\", use \"mirrorPercentage\" instead");
  }
  if (const Node* percentage = get(route, "mirrorPercentage"); percentage && percentage->is_mapping()) {
    const Node* value_node = get(*percentage, "value");
    const double value = number_of(value_node).value_or(0);
    if (value > 100) {
      route_error(ctx, join_path(join_path(path, "mirrorPercentage"), "value"), *value_node,
                  "mirror_percentage must have a max value of 100 (it has " + go_fixed(value) + ")");
    }
    if (value < 0) {
      route_error(ctx, join_path(join_path(path, "mirrorPercentage"), "value"), *value_node,
                  "mirror_percentage must have a min value of 0 (it has " + go_fixed(value) + ")");
    }
  }
  if (const Node* mirror = get(route, "mirror")) {
    check_destination(*mirror, join_path(path, "mirror"), ctx);
  }
  if (const Node* mirrors = get(route, "mirrors"); mirrors && mirrors->is_sequence()) {
    for (size_t i = 0; i < mirrors->items.size(); ++i) {
      const Node& mirror = mirrors->items[i];
      const std::string mirror_path = index_path(join_path(path, "mirrors"), i);
      if (mirror.is_null()) {
        route_error(ctx, mirror_path, mirror, "mirror cannot be null");
        continue;
      }
      if (!mirror.is_mapping()) {
        continue;
      }
      if (const Node* destination = get(mirror, "destination")) {
        check_destination(*destination, join_path(mirror_path, "destination"), ctx);
      }
      const Node* percentage = get(mirror, "percentage");
      const Node* value_node = percentage && percentage->is_mapping() ? get(*percentage, "value") : nullptr;
      const double value = number_of(value_node).value_or(0);
      if (value > 100) {
        route_error(ctx, join_path(join_path(mirror_path, "percentage"), "value"), *value_node,
                    "mirror percentage must have a max value of 100 (it has " + go_fixed(value) + ")");
      }
      if (value < 0) {
        route_error(ctx, join_path(join_path(mirror_path, "percentage"), "value"), *value_node,
                    "mirror percentage must have a min value of 0 (it has " + go_fixed(value) + ")");
      }
    }
  }
  if (const Node* redirect = get(route, "redirect"); redirect && redirect->is_mapping()) {
    check_redirect(*redirect, join_path(path, "redirect"), ctx);
  }
  if (const Node* response = get(route, "directResponse"); response && response->is_mapping()) {
    check_direct_response(*response, join_path(path, "directResponse"), ctx);
  }
  if (const Node* retries = get(route, "retries"); retries && retries->is_mapping()) {
    check_retries(*retries, join_path(path, "retries"), ctx);
  }
  if (const Node* rewrite = get(route, "rewrite"); rewrite && rewrite->is_mapping()) {
    check_rewrite(*rewrite, join_path(path, "rewrite"), ctx);
  }
  check_authority_rewrite(route, path, ctx);
  if (const Node* destinations = get(route, "route")) {
    check_route_destinations(*destinations, join_path(path, "route"), ctx);
  }
  check_ms_precision(get(route, "timeout"), join_path(path, "timeout"), ctx);
}

void
check_hosts(const Node& hosts, const std::string& path, const VirtualServiceInfo& vs, bool sni, Context& ctx)
{
  if (!hosts.is_sequence()) {
    return;
  }
  bool all_valid = true;
  for (size_t i = 0; i < hosts.items.size(); ++i) {
    const Node& host = hosts.items[i];
    if (!is_string(&host)) {
      continue;
    }
    // Auto-generated SNI hosts (outbound_.<port>_._.<host>) have their own format on gateways.
    const bool sni_host = vs.gateway_bound && sni && starts_with(host.value, "outbound_");
    const auto problem = sni_host ? std::nullopt : wildcard_domain_error(host.value);
    if (problem) {
      if (!is_ip_address(host.value)) {
        ctx.error(k_hosts, index_path(path, i), host.mark, *problem);
        all_valid = false;
      }
    } else if (!vs.gateway_bound && host.value == "*") {
      ctx.error(k_hosts, index_path(path, i), host.mark,
                "wildcard host * is not allowed for virtual services bound to the mesh gateway");
      all_valid = false;
    }
  }
  if (!all_valid) {
    return;
  }
  for (size_t i = 0; i < hosts.items.size(); ++i) {
    for (size_t j = i + 1; j < hosts.items.size(); ++j) {
      const Node& a = hosts.items[i];
      const Node& b = hosts.items[j];
      if (is_string(&a) && is_string(&b) && hosts_overlap(a.value, b.value)) {
        ctx.error(k_hosts, index_path(path, j), b.mark,
                  "duplicate hosts in virtual service: " + a.value + " & " + b.value);
      }
    }
  }
}

// validateExportTo (not a ServiceEntry).
void
check_export_to(const Node& list, const std::string& path, Context& ctx)
{
  if (!list.is_sequence()) {
    return;
  }
  const std::string ns = ctx.object().ns.empty() ? ctx.options().default_namespace : ctx.object().ns;
  std::set<std::string> seen;
  for (size_t i = 0; i < list.items.size(); ++i) {
    const Node& item = list.items[i];
    if (!is_string(&item)) {
      continue;
    }
    const std::string item_path = index_path(path, i);
    const std::string key = item.value == "." ? ns : item.value;
    if (!seen.insert(key).second) {
      ctx.error("KH104", item_path, item.mark,
                "Invalid value: " + util::quote(item.value) + ": "
                  + (key != item.value ? "duplicate entries in exportTo: . and current namespace " + ns
                                       : "duplicate entries in exportTo for entry " + item.value));
      continue;
    }
    std::optional<std::string> problem;
    if (item.value == "~") {
      problem = "exportTo ~ (none) is not allowed for Istio configuration objects";
    } else if (item.value != "." && item.value != "*" && !istio_label(item.value)) {
      problem = "only .,*,~, or a valid DNS 1123 label is allowed as exportTo entry";
    }
    if (problem) {
      ctx.error("KH104", item_path, item.mark, "Invalid value: " + util::quote(item.value) + ": " + *problem);
    }
  }
  if (seen.count("*") && list.items.size() > 1) {
    ctx.error("KH104", path, list.mark,
              "Invalid value: \"*\": cannot have both public (*) and non-public exportTo values for a resource");
  }
}

// ValidateVirtualService.
void
check_virtual_service(const Node& spec, const std::string& path, Context& ctx)
{
  const Node* hosts = get(spec, "hosts");
  const Node* gateways = get(spec, "gateways");
  const Node* http = get(spec, "http");
  const Node* tls = get(spec, "tls");
  const Node* tcp = get(spec, "tcp");

  VirtualServiceInfo vs;
  vs.delegate = count(hosts) == 0;
  if (vs.delegate) {
    if (count(gateways) > 0) {
      ctx.error(k_route, join_path(path, "gateways"), gateways->mark,
                "delegate virtual service must have no gateways specified");
    }
    if (count(tls) > 0) {
      ctx.error(k_route, join_path(path, "tls"), tls->mark,
                "delegate virtual service must have no tls route specified");
    }
    if (count(tcp) > 0) {
      ctx.error(k_route, join_path(path, "tcp"), tcp->mark,
                "delegate virtual service must have no tcp route specified");
    }
  }
  std::vector<std::string> gateway_names;
  if (gateways && gateways->is_sequence()) {
    for (const Node& item : gateways->items) {
      gateway_names.push_back(text(&item));
    }
  }
  if (count(gateways) > 0) {
    check_gateway_names(*gateways, join_path(path, "gateways"), ctx);
    vs.gateway_bound = true;
    for (const std::string& name : gateway_names) {
      vs.gateway_bound = vs.gateway_bound && name != "mesh";
    }
  }
  vs.gateways = "[" + util::join(gateway_names, " ") + "]";

  bool sni = false;
  if (tls && tls->is_sequence()) {
    for (const Node& route : tls->items) {
      const Node* matches = route.is_mapping() ? get(route, "match") : nullptr;
      for (size_t i = 0; matches && matches->is_sequence() && i < matches->items.size(); ++i) {
        const Node& match = matches->items[i];
        sni = sni || (match.is_mapping() && count(get(match, "sniHosts")) > 0);
      }
    }
  }
  if (hosts) {
    check_hosts(*hosts, join_path(path, "hosts"), vs, sni, ctx);
  }

  if (count(http) == 0 && count(tcp) == 0 && count(tls) == 0) {
    ctx.error(k_route, path, spec.mark, "http, tcp or tls must be provided in virtual service");
  }
  if (http && http->is_sequence()) {
    for (size_t i = 0; i < http->items.size(); ++i) {
      const Node& route = http->items[i];
      const std::string route_path = index_path(join_path(path, "http"), i);
      if (route.is_mapping()) { // a null route is already KH102 from the schema
        check_http_route(route, route_path, vs, ctx);
      }
    }
  }
  if (const Node* export_to = get(spec, "exportTo")) {
    check_export_to(*export_to, join_path(path, "exportTo"), ctx);
  }
}

std::vector<Field>
virtual_service_body(Channel)
{
  // TLS and TCP routes are not used to reach the interceptor: kept as written.
  auto opaque_routes = array(obj({}).preserve_unknown());
  auto spec = obj({
                    opt("hosts", array(str())),
                    opt("gateways", array(str())),
                    opt("http", array(http_route())),
                    opt("tls", opaque_routes),
                    opt("tcp", opaque_routes),
                    opt("exportTo", array(str())),
                  })
                .check(check_virtual_service);
  return {req("spec", spec)};
}

} // namespace

KindRules
virtual_service_kind()
{
  KindRules rules;
  rules.group = "networking.istio.io";
  rules.kind = "VirtualService";
  rules.versions = {"networking.istio.io/v1", "networking.istio.io/v1beta1", "networking.istio.io/v1alpha3"};
  rules.body = virtual_service_body;
  return rules;
}

} // namespace kedahttp::validate
