// HTTPRoute and ReferenceGrant per-object rules (spec/manifests.md 1.3, 1.4, 2.3):
// for every rule a case that passes and one that fails, with the exact code, path
// and message. Cross-object wiring findings (KH30x-KH34x) are tested elsewhere and
// filtered out here.

#include "testutil/manifests.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

using kedahttp::core::Diagnostic;
using kedahttp::core::Severity;
using kedahttp::testutil::describe;
using kedahttp::testutil::validate_yaml;
using kedahttp::validate::Channel;
using kedahttp::validate::Options;
using kedahttp::validate::Result;

namespace {

// The findings this file is about: input and schema codes (KH0xx, KH1xx) and the
// per-object Gateway API ones (KH353-KH355).
std::vector<Diagnostic>
own(const Result& result)
{
  std::vector<Diagnostic> out;
  for (const Diagnostic& d : result.diagnostics) {
    const bool schema = d.code.rfind("KH0", 0) == 0 || d.code.rfind("KH1", 0) == 0;
    if (schema || d.code == "KH353" || d.code == "KH354" || d.code == "KH355") {
      out.push_back(d);
    }
  }
  return out;
}

Options
experimental()
{
  Options options;
  options.gateway_channel = Channel::experimental;
  return options;
}

// Prefixes every non-empty line of `text` with `prefix`.
std::string
indent(std::string_view text, std::string_view prefix)
{
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    const std::string_view line = text.substr(start, end - start);
    if (!line.empty()) {
      out += std::string(prefix) + std::string(line);
    }
    out += "\n";
    start = end + 1;
  }
  return out;
}

// An HTTPRoute apps/r with `spec` (YAML at column 0); spec starts on line 7.
std::string
route(std::string_view spec, std::string_view api_version = "gateway.networking.k8s.io/v1")
{
  return "apiVersion: " + std::string(api_version)
    + "\nkind: HTTPRoute\nmetadata:\n  name: r\n  namespace: apps\nspec:\n" + indent(spec, "  ");
}

// An HTTPRoute with a parent (no KH353) and `rules` (YAML list at column 0).
std::string
route_rules(std::string_view rules)
{
  return route("parentRefs:\n- name: gw\nrules:\n" + std::string(rules));
}

// A ReferenceGrant keda/g with `spec`.
std::string
grant(std::string_view spec, std::string_view api_version = "gateway.networking.k8s.io/v1beta1")
{
  return "apiVersion: " + std::string(api_version)
    + "\nkind: ReferenceGrant\nmetadata:\n  name: g\n  namespace: keda\nspec:\n" + indent(spec, "  ");
}

std::string
repeat(std::string_view piece, size_t n)
{
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += piece;
  }
  return out;
}

// "Invalid value: "<v>": <path> in body should match '<regex>'"
std::string
pattern_message(std::string_view value, std::string_view path, std::string_view regex)
{
  return "Invalid value: \"" + std::string(value) + "\": " + std::string(path) + " in body should match '"
    + std::string(regex) + "'";
}

std::string
cel_message(std::string_view type, std::string_view message)
{
  return "Invalid value: \"" + std::string(type) + "\": " + std::string(message);
}

constexpr std::string_view k_hostname_re =
  R"(^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)";
constexpr std::string_view k_subdomain_re = R"(^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)";
constexpr std::string_view k_group_re = R"(^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)";
constexpr std::string_view k_kind_re = R"(^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$)";
constexpr std::string_view k_namespace_re = R"(^[a-z0-9]([-a-z0-9]*[a-z0-9])?$)";
constexpr std::string_view k_header_name_re = R"(^[A-Za-z0-9!#$%&'*+\-.^_\x60|~]+$)";
constexpr std::string_view k_header_value_re = R"(^[!-~]+([\t ]?[!-~]+)*$)";
constexpr std::string_view k_duration_re = R"(^([0-9]{1,5}(h|m|s|ms)){1,4}$)";

} // namespace

// Exactly one own finding, with this code, path and message.
#define REQUIRE_ONLY(result, expected_code, expected_path, expected_message)                                           \
  do {                                                                                                                 \
    const Result& r_ = (result);                                                                                       \
    INFO(describe(r_));                                                                                                \
    const auto found_ = own(r_);                                                                                       \
    REQUIRE(found_.size() == 1);                                                                                       \
    CHECK(found_[0].code == (expected_code));                                                                          \
    CHECK(found_[0].path == (expected_path));                                                                          \
    CHECK(found_[0].message == (expected_message));                                                                    \
  } while (false)

// Some own finding with this code, path and message.
#define REQUIRE_HAS(result, expected_code, expected_path, expected_message)                                            \
  do {                                                                                                                 \
    const Result& r_ = (result);                                                                                       \
    INFO(describe(r_));                                                                                                \
    bool found_ = false;                                                                                               \
    for (const Diagnostic& d_ : own(r_)) {                                                                             \
      found_ =                                                                                                         \
        found_ || (d_.code == (expected_code) && d_.path == (expected_path) && d_.message == (expected_message));      \
    }                                                                                                                  \
    REQUIRE(found_);                                                                                                   \
  } while (false)

#define REQUIRE_NONE(result)                                                                                           \
  do {                                                                                                                 \
    const Result& r_ = (result);                                                                                       \
    INFO(describe(r_));                                                                                                \
    REQUIRE(own(r_).empty());                                                                                          \
  } while (false)

// --- HTTPRoute: whole objects ---

TEST_CASE("validate: HTTPRoute as the KEDA docs write it is valid in v1 and v1beta1", "[validate][gateway-api]")
{
  const std::string spec = R"(parentRefs:
- name: public
  namespace: gateway
hostnames:
- shop.example.com
rules:
- backendRefs:
  - name: keda-add-ons-http-interceptor-proxy
    namespace: keda
    port: 8080
)";
  REQUIRE_NONE(validate_yaml(route(spec)));
  REQUIRE_NONE(validate_yaml(route(spec, "gateway.networking.k8s.io/v1beta1")));
  REQUIRE_NONE(validate_yaml(route(spec), experimental()));
}

TEST_CASE("validate: HTTPRoute versions and the required spec", "[validate][gateway-api]")
{
  REQUIRE_ONLY(validate_yaml(route("parentRefs: [{name: gw}]\n", "gateway.networking.k8s.io/v1alpha2")), "KH006",
               "apiVersion",
               "HTTPRoute in version \"gateway.networking.k8s.io/v1alpha2\" is not served; use one of "
               "\"gateway.networking.k8s.io/v1\", \"gateway.networking.k8s.io/v1beta1\"");

  const auto result =
    validate_yaml("apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: r\n");
  REQUIRE_ONLY(result, "KH101", "spec", "Required value");
}

TEST_CASE("validate: HTTPRoute without parentRefs is inert (KH353)", "[validate][gateway-api]")
{
  const auto none = validate_yaml(route("hostnames: [a.example.com]\n"));
  REQUIRE_ONLY(none, "KH353", "spec.parentRefs",
               "HTTPRoute apps/r has no parentRefs and is not attached to any Gateway");
  CHECK(own(none)[0].severity == Severity::warning);
  CHECK(own(none)[0].mark.line == 7);

  REQUIRE_ONLY(validate_yaml(route("parentRefs: []\n")), "KH353", "spec.parentRefs",
               "HTTPRoute apps/r has no parentRefs and is not attached to any Gateway");

  // No metadata.namespace: the object lands in the default namespace.
  const auto defaulted = validate_yaml("apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: "
                                       "r\nspec:\n  hostnames: [a.example.com]\n");
  REQUIRE_ONLY(defaulted, "KH353", "spec.parentRefs",
               "HTTPRoute default/r has no parentRefs and is not attached to any Gateway");

  REQUIRE_NONE(validate_yaml(route("parentRefs: [{name: gw}]\n")));
}

// --- parentRefs ---

TEST_CASE("validate: HTTPRoute parentRefs fields", "[validate][gateway-api]")
{
  SECTION("a full reference is valid")
  {
    REQUIRE_NONE(validate_yaml(
      route("parentRefs:\n- {group: gateway.networking.k8s.io, kind: Gateway, name: gw, namespace: infra, sectionName: "
            "https.listener, port: 443}\n")));
  }
  SECTION("name is required")
  {
    REQUIRE_ONLY(validate_yaml(route("parentRefs:\n- namespace: infra\n")), "KH101", "spec.parentRefs[0].name",
                 "Required value");
  }
  SECTION("namespace is a DNS-1123 label")
  {
    REQUIRE_ONLY(validate_yaml(route("parentRefs:\n- {name: gw, namespace: Infra}\n")), "KH104",
                 "spec.parentRefs[0].namespace",
                 pattern_message("Infra", "spec.parentRefs[0].namespace", k_namespace_re));
  }
  SECTION("kind follows the Kind pattern")
  {
    REQUIRE_ONLY(validate_yaml(route("parentRefs:\n- {name: gw, kind: 'Gate way'}\n")), "KH104",
                 "spec.parentRefs[0].kind", pattern_message("Gate way", "spec.parentRefs[0].kind", k_kind_re));
  }
  SECTION("sectionName is a DNS-1123 subdomain")
  {
    REQUIRE_ONLY(validate_yaml(route("parentRefs:\n- {name: gw, sectionName: HTTP_1}\n")), "KH104",
                 "spec.parentRefs[0].sectionName",
                 pattern_message("HTTP_1", "spec.parentRefs[0].sectionName", k_subdomain_re));
  }
  SECTION("port is 1..65535")
  {
    REQUIRE_ONLY(validate_yaml(route("parentRefs:\n- {name: gw, port: 0}\n")), "KH105", "spec.parentRefs[0].port",
                 "Invalid value: 0: must be between 1 and 65535, inclusive");
  }
}

TEST_CASE("validate: HTTPRoute allows 32 parentRefs", "[validate][gateway-api]")
{
  std::string refs = "parentRefs:\n";
  for (int i = 0; i < 32; ++i) {
    refs += "- name: gw" + std::to_string(i) + "\n";
  }
  REQUIRE_NONE(validate_yaml(route(refs)));
  REQUIRE_ONLY(validate_yaml(route(refs + "- name: gw32\n")), "KH105", "spec.parentRefs",
               "Too many: 33: must have at most 32 items");
}

TEST_CASE("validate: HTTPRoute sectionName rules for the same parent", "[validate][gateway-api]")
{
  const std::string specified =
    "sectionName must be specified when parentRefs includes 2 or more references to the same parent";
  const std::string unique =
    "sectionName must be unique when parentRefs includes 2 or more references to the same parent";

  SECTION("two listeners of one Gateway")
  {
    REQUIRE_NONE(
      validate_yaml(route("parentRefs:\n- {name: gw, sectionName: http}\n- {name: gw, sectionName: https}\n")));
  }
  SECTION("the same name in two namespaces is two parents")
  {
    REQUIRE_NONE(validate_yaml(route("parentRefs:\n- {name: gw, namespace: a}\n- {name: gw, namespace: b}\n")));
  }
  SECTION("one with and one without sectionName")
  {
    REQUIRE_ONLY(validate_yaml(route("parentRefs:\n- {name: gw, sectionName: http}\n- {name: gw}\n")), "KH107",
                 "spec.parentRefs", cel_message("array", specified));
  }
  SECTION("the same sectionName twice")
  {
    REQUIRE_ONLY(
      validate_yaml(route("parentRefs:\n- {name: gw, sectionName: http}\n- {name: gw, sectionName: http}\n")), "KH107",
      "spec.parentRefs", cel_message("array", unique));
  }
  SECTION("defaults make an explicit and an implicit Gateway reference the same parent")
  {
    REQUIRE_ONLY(validate_yaml(
                   route("parentRefs:\n- {name: gw}\n- {name: gw, group: gateway.networking.k8s.io, kind: Gateway}\n")),
                 "KH107", "spec.parentRefs", cel_message("array", unique));
  }
  SECTION("ports tell parents apart only in the experimental channel")
  {
    const std::string spec = "parentRefs:\n- {name: gw, port: 80}\n- {name: gw, port: 443}\n";
    REQUIRE_ONLY(validate_yaml(route(spec)), "KH107", "spec.parentRefs", cel_message("array", unique));
    REQUIRE_NONE(validate_yaml(route(spec), experimental()));
    REQUIRE_ONLY(validate_yaml(route("parentRefs:\n- {name: gw, port: 80}\n- {name: gw, port: 80}\n"), experimental()),
                 "KH107", "spec.parentRefs",
                 cel_message("array", "sectionName or port must be unique when parentRefs includes 2 or more "
                                      "references to the same parent"));
    REQUIRE_ONLY(validate_yaml(route("parentRefs:\n- {name: gw, port: 80}\n- {name: gw}\n"), experimental()), "KH107",
                 "spec.parentRefs",
                 cel_message("array",
                             "sectionName or port must be specified when parentRefs includes 2 or more "
                             "references to the same parent"));
  }
}

// --- hostnames ---

TEST_CASE("validate: HTTPRoute hostnames follow the Gateway API Hostname pattern", "[validate][gateway-api]")
{
  REQUIRE_NONE(
    validate_yaml(route("parentRefs: [{name: gw}]\nhostnames: ['*.example.com', app.example.com, a-1.b]\n")));

  struct Case {
    const char* name;
    const char* host;
  };
  const Case cases[] = {
    {"bare wildcard", "*"},
    {"two wildcards", "*.*.example.com"},
    {"wildcard inside a label", "f*.example.com"},
    {"uppercase", "App.example.com"},
    {"scheme", "http://a<"},
    {"trailing dot", "example.com."},
    {"IPv6 address", "::1"},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name)
    {
      const auto result =
        validate_yaml(route("parentRefs: [{name: gw}]\nhostnames: ['" + std::string(c.host) + "']\n"));
      REQUIRE_ONLY(result, "KH104", "spec.hostnames[0]", pattern_message(c.host, "spec.hostnames[0]", k_hostname_re));
    }
  }
}

TEST_CASE("validate: HTTPRoute hostnames limits", "[validate][gateway-api]")
{
  std::string hosts = "parentRefs: [{name: gw}]\nhostnames:\n";
  for (int i = 0; i < 16; ++i) {
    hosts += "- h" + std::to_string(i) + ".example.com\n";
  }
  REQUIRE_NONE(validate_yaml(route(hosts)));
  REQUIRE_ONLY(validate_yaml(route(hosts + "- h16.example.com\n")), "KH105", "spec.hostnames",
               "Too many: 17: must have at most 16 items");

  REQUIRE_ONLY(validate_yaml(route("parentRefs: [{name: gw}]\nhostnames: ['']\n")), "KH105", "spec.hostnames[0]",
               "Invalid value: \"\": spec.hostnames[0] in body should be at least 1 chars long");
  const std::string long_host = repeat("a", 60) + "." + repeat("b", 60) + "." + repeat("c", 60) + "." + repeat("d", 73);
  REQUIRE(long_host.size() == 256);
  REQUIRE_ONLY(validate_yaml(route("parentRefs: [{name: gw}]\nhostnames: [" + long_host + "]\n")), "KH105",
               "spec.hostnames[0]", "Too long: may not be more than 253 bytes");
}

TEST_CASE("validate: HTTPRoute hostname that is an IPv4 address (KH354)", "[validate][gateway-api]")
{
  const auto result = validate_yaml(route("parentRefs: [{name: gw}]\nhostnames: [app.example.com, 10.0.0.1]\n"));
  REQUIRE_ONLY(result, "KH354", "spec.hostnames[1]",
               "HTTPRoute apps/r spec.hostnames[1]: \"10.0.0.1\" is an IP address; hostnames must be DNS names");
  CHECK(own(result)[0].severity == Severity::warning);
  // Not an address: four labels that happen to be numbers and letters.
  REQUIRE_NONE(validate_yaml(route("parentRefs: [{name: gw}]\nhostnames: [10.0.0.a]\n")));
}

// --- rules ---

TEST_CASE("validate: HTTPRoute rules count", "[validate][gateway-api]")
{
  SECTION("absent rules default to a catch-all rule")
  {
    REQUIRE_NONE(validate_yaml(route("parentRefs: [{name: gw}]\n")));
  }
  SECTION("an empty list is invalid since Gateway API v1.5")
  {
    REQUIRE_ONLY(validate_yaml(route("parentRefs: [{name: gw}]\nrules: []\n")), "KH105", "spec.rules",
                 "Invalid value: 0: spec.rules in body should have at least 1 items");
  }
  SECTION("at most 16 rules")
  {
    REQUIRE_NONE(validate_yaml(route_rules(repeat("- backendRefs: [{name: app, port: 80}]\n", 16))));
    REQUIRE_ONLY(validate_yaml(route_rules(repeat("- backendRefs: [{name: app, port: 80}]\n", 17))), "KH105",
                 "spec.rules", "Too many: 17: must have at most 16 items");
  }
}

TEST_CASE("validate: HTTPRoute matches limits: 64 per rule, 128 per route", "[validate][gateway-api]")
{
  const auto rule = [](size_t matches) {
    std::string out = "- matches:\n";
    for (size_t i = 0; i < matches; ++i) {
      out += "  - path: {value: /p" + std::to_string(i) + "}\n";
    }
    return out;
  };
  REQUIRE_NONE(validate_yaml(route_rules(rule(64) + rule(64))));
  REQUIRE_ONLY(validate_yaml(route_rules(rule(65))), "KH105", "spec.rules[0].matches",
               "Too many: 65: must have at most 64 items");
  REQUIRE_ONLY(validate_yaml(route_rules(rule(64) + rule(64) + rule(1))), "KH107", "spec.rules",
               cel_message("array",
                           "While 16 rules and 64 matches per rule are allowed, the total number of matches "
                           "across all rules in a route must be less than 128"));
  // A rule without matches gets the default match, which counts too.
  REQUIRE_ONLY(validate_yaml(route_rules(rule(64) + rule(64) + "- backendRefs: [{name: app, port: 80}]\n")), "KH107",
               "spec.rules",
               cel_message("array",
                           "While 16 rules and 64 matches per rule are allowed, the total number of matches "
                           "across all rules in a route must be less than 128"));
}

TEST_CASE("validate: HTTPRoute rule names", "[validate][gateway-api]")
{
  REQUIRE_NONE(validate_yaml(route_rules("- name: rule-1\n- name: rule.2\n")));
  REQUIRE_ONLY(validate_yaml(route_rules("- name: Rule_1\n")), "KH104", "spec.rules[0].name",
               pattern_message("Rule_1", "spec.rules[0].name", k_subdomain_re));

  // Uniqueness is an experimental-channel rule only.
  const std::string twice = "- name: same\n- name: same\n";
  REQUIRE_NONE(validate_yaml(route_rules(twice)));
  REQUIRE_ONLY(validate_yaml(route_rules(twice), experimental()), "KH107", "spec.rules",
               cel_message("array", "Rule name must be unique within the route"));
  REQUIRE_NONE(validate_yaml(route_rules("- name: one\n- name: two\n- {}\n"), experimental()));
}

// --- matches ---

TEST_CASE("validate: HTTPRoute path defaults apply before the path rules", "[validate][gateway-api]")
{
  const std::string start =
    "value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']";
  // No type: PathPrefix, so the value must start with '/'.
  const auto result = validate_yaml(route_rules("- matches:\n  - path: {value: foo}\n"));
  REQUIRE_ONLY(result, "KH107", "spec.rules[0].matches[0].path", cel_message("object", start));
  CHECK(own(result)[0].mark.line == 11);
  CHECK(own(result)[0].mark.column == 13);

  REQUIRE_ONLY(validate_yaml(route_rules("- matches:\n  - path: {type: Exact, value: foo}\n")), "KH107",
               "spec.rules[0].matches[0].path", cel_message("object", start));
  REQUIRE_NONE(validate_yaml(route_rules("- matches:\n  - path: {type: RegularExpression, value: 'foo.*'}\n")));
  // A match without path gets PathPrefix "/", a path without value gets "/".
  REQUIRE_NONE(validate_yaml(route_rules("- matches:\n  - method: GET\n  - path: {type: Exact}\n")));
  REQUIRE_NONE(validate_yaml(route_rules("- matches:\n  - path: {value: /my%20path/123}\n")));
}

TEST_CASE("validate: HTTPRoute path rules for Exact and PathPrefix", "[validate][gateway-api]")
{
  const std::string when = " when type one of ['Exact', 'PathPrefix']";
  const std::string chars = "must only contain valid characters (matching "
                            "^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$) for types ['Exact', 'PathPrefix']";
  struct Case {
    const char* value;
    std::vector<std::string> messages;
  };
  const Case cases[] = {
    {"/a//b", {"must not contain '//'" + when}},
    {"/a/./b", {"must not contain '/./'" + when}},
    {"/a/../b", {"must not contain '/../'" + when}},
    {"/a%2fb", {"must not contain '%2f'" + when}},
    {"/a%2Fb", {"must not contain '%2F'" + when}},
    {"/a#b", {"must not contain '#'" + when, chars}},
    {"/a/..", {"must not end with '/..'" + when}},
    {"/a/.", {"must not end with '/.'" + when}},
    {"/[]", {chars}},
    {"/my[/]path01", {chars}},
    {"/a%zz", {chars}},
  };
  for (const Case& c : cases) {
    for (const char* type : {"Exact", "PathPrefix"}) {
      DYNAMIC_SECTION(type << " " << c.value)
      {
        const auto result = validate_yaml(
          route_rules("- matches:\n  - path: {type: " + std::string(type) + ", value: '" + c.value + "'}\n"));
        INFO(describe(result));
        REQUIRE(own(result).size() == c.messages.size());
        for (const std::string& message : c.messages) {
          REQUIRE_HAS(result, "KH107", "spec.rules[0].matches[0].path", cel_message("object", message));
        }
      }
    }
    DYNAMIC_SECTION("RegularExpression " << c.value)
    {
      REQUIRE_NONE(validate_yaml(
        route_rules("- matches:\n  - path: {type: RegularExpression, value: '" + std::string(c.value) + "'}\n")));
    }
  }
}

TEST_CASE("validate: HTTPRoute path type and value limits", "[validate][gateway-api]")
{
  // An unknown type is an enum error; the API server then skips the CEL rules.
  REQUIRE_ONLY(validate_yaml(route_rules("- matches:\n  - path: {type: Prefix, value: /}\n")), "KH103",
               "spec.rules[0].matches[0].path.type",
               "Unsupported value: \"Prefix\": supported values: \"Exact\", \"PathPrefix\", \"RegularExpression\"");
  REQUIRE_NONE(validate_yaml(route_rules("- matches:\n  - path: {value: /" + repeat("a", 1023) + "}\n")));
  REQUIRE_ONLY(validate_yaml(route_rules("- matches:\n  - path: {value: /" + repeat("a", 1024) + "}\n")), "KH105",
               "spec.rules[0].matches[0].path.value", "Too long: may not be more than 1024 bytes");
}

TEST_CASE("validate: HTTPRoute header matches", "[validate][gateway-api]")
{
  const auto headers = [](std::string_view list) {
    return route_rules("- matches:\n  - headers: " + std::string(list) + "\n");
  };
  REQUIRE_NONE(validate_yaml(headers("[{name: X-Version, value: v2}, {name: x-env, value: '^prod$', type: "
                                     "RegularExpression}]")));
  REQUIRE_ONLY(validate_yaml(headers("[{name: foo, value: a}, {name: foo, value: b}]")), "KH106",
               "spec.rules[0].matches[0].headers[1]", "Duplicate value: {\"name\":\"foo\"}");
  REQUIRE_ONLY(validate_yaml(headers("[{name: magic/, value: a}]")), "KH104",
               "spec.rules[0].matches[0].headers[0].name",
               pattern_message("magic/", "spec.rules[0].matches[0].headers[0].name", k_header_name_re));
  REQUIRE_ONLY(validate_yaml(headers("[{name: foo}]")), "KH101", "spec.rules[0].matches[0].headers[0].value",
               "Required value");
  REQUIRE_ONLY(
    validate_yaml(headers("[{name: foo, value: ''}]")), "KH105", "spec.rules[0].matches[0].headers[0].value",
    "Invalid value: \"\": spec.rules[0].matches[0].headers[0].value in body should be at least 1 chars long");
  REQUIRE_ONLY(validate_yaml(headers("[{name: foo, value: " + repeat("v", 4097) + "}]")), "KH105",
               "spec.rules[0].matches[0].headers[0].value", "Too long: may not be more than 4096 bytes");
  REQUIRE_ONLY(validate_yaml(headers("[{name: " + repeat("n", 257) + ", value: a}]")), "KH105",
               "spec.rules[0].matches[0].headers[0].name", "Too long: may not be more than 256 bytes");
  REQUIRE_ONLY(validate_yaml(headers("[{name: foo, value: a, type: Prefix}]")), "KH103",
               "spec.rules[0].matches[0].headers[0].type",
               "Unsupported value: \"Prefix\": supported values: \"Exact\", \"RegularExpression\"");

  std::string many = "[";
  for (int i = 0; i < 17; ++i) {
    many += (i ? ", " : "") + std::string("{name: h") + std::to_string(i) + ", value: a}";
  }
  REQUIRE_ONLY(validate_yaml(headers(many + "]")), "KH105", "spec.rules[0].matches[0].headers",
               "Too many: 17: must have at most 16 items");
}

TEST_CASE("validate: HTTPRoute header value pattern is experimental only", "[validate][gateway-api]")
{
  const std::string yaml = route_rules(R"(- matches:
  - headers:
    - name: X-Test
      value: "two  spaces"
  filters:
  - type: ResponseHeaderModifier
    responseHeaderModifier:
      add:
      - name: X-Test-Header
        value: "this\nis\rinvalid\r\nvalue"
)");
  REQUIRE_NONE(validate_yaml(yaml));
  const auto result = validate_yaml(yaml, experimental());
  INFO(describe(result));
  REQUIRE(own(result).size() == 2);
  REQUIRE_HAS(result, "KH104", "spec.rules[0].matches[0].headers[0].value",
              pattern_message("two  spaces", "spec.rules[0].matches[0].headers[0].value", k_header_value_re));
  REQUIRE_HAS(result, "KH104", "spec.rules[0].filters[0].responseHeaderModifier.add[0].value",
              pattern_message(R"(this\nis\rinvalid\r\nvalue)",
                              "spec.rules[0].filters[0].responseHeaderModifier.add[0].value", k_header_value_re));
  REQUIRE_NONE(
    validate_yaml(route_rules("- matches:\n  - headers: [{name: a, value: \"one two\\tthree\"}]\n"), experimental()));
}

TEST_CASE("validate: HTTPRoute query parameter and method matches", "[validate][gateway-api]")
{
  const auto match = [](std::string_view body) { return route_rules("- matches:\n  - " + std::string(body) + "\n"); };
  REQUIRE_NONE(validate_yaml(match("{queryParams: [{name: page, value: '1'}], method: PATCH}")));
  REQUIRE_ONLY(validate_yaml(match("queryParams: [{name: foo, value: a}, {name: foo, value: b}]")), "KH106",
               "spec.rules[0].matches[0].queryParams[1]", "Duplicate value: {\"name\":\"foo\"}");
  REQUIRE_ONLY(validate_yaml(match("queryParams: [{name: foo, value: " + repeat("v", 1025) + "}]")), "KH105",
               "spec.rules[0].matches[0].queryParams[0].value", "Too long: may not be more than 1024 bytes");
  REQUIRE_ONLY(validate_yaml(match("queryParams: [{name: 'a b', value: x}]")), "KH104",
               "spec.rules[0].matches[0].queryParams[0].name",
               pattern_message("a b", "spec.rules[0].matches[0].queryParams[0].name", k_header_name_re));
  REQUIRE_ONLY(validate_yaml(match("method: NOTREAL")), "KH103", "spec.rules[0].matches[0].method",
               "Unsupported value: \"NOTREAL\": supported values: \"GET\", \"HEAD\", \"POST\", \"PUT\", \"DELETE\", "
               "\"CONNECT\", \"OPTIONS\", \"TRACE\", \"PATCH\"");
}

// --- backendRefs ---

TEST_CASE("validate: HTTPRoute backendRef defaults make it a core Service that needs a port", "[validate][gateway-api]")
{
  const std::string message = cel_message("object", "Must have port for Service reference");
  const auto portless = validate_yaml(route_rules("- backendRefs:\n  - name: my-service\n"));
  REQUIRE_ONLY(portless, "KH107", "spec.rules[0].backendRefs[0]", message);
  CHECK(own(portless)[0].mark.line == 11);
  CHECK(own(portless)[0].mark.column == 7);

  REQUIRE_ONLY(validate_yaml(route_rules("- backendRefs:\n  - {group: '', kind: Service, name: my-service}\n")),
               "KH107", "spec.rules[0].backendRefs[0]", message);
  // Any other kind may omit the port.
  REQUIRE_NONE(validate_yaml(
    route_rules("- backendRefs:\n  - {group: multicluster.x-k8s.io, kind: ServiceImport, name: my-service}\n")));
  REQUIRE_NONE(validate_yaml(route_rules("- backendRefs:\n  - {group: acme.io, kind: CustomBackend, name: c}\n")));
}

TEST_CASE("validate: HTTPRoute backendRef fields and limits", "[validate][gateway-api]")
{
  const auto ref = [](std::string_view body) { return route_rules("- backendRefs:\n  - " + std::string(body) + "\n"); };
  REQUIRE_NONE(validate_yaml(ref("{name: a, namespace: keda, port: 8080, weight: 0}")));
  REQUIRE_NONE(validate_yaml(ref("{name: a, port: 8080, weight: 1000000}")));
  REQUIRE_ONLY(validate_yaml(ref("{name: a, port: 8080, weight: 1000001}")), "KH105",
               "spec.rules[0].backendRefs[0].weight",
               "Invalid value: 1000001: must be between 0 and 1000000, inclusive");
  REQUIRE_ONLY(validate_yaml(ref("{name: a, port: 8080, weight: -1}")), "KH105", "spec.rules[0].backendRefs[0].weight",
               "Invalid value: -1: must be between 0 and 1000000, inclusive");
  REQUIRE_ONLY(validate_yaml(ref("{name: a, port: 800080}")), "KH105", "spec.rules[0].backendRefs[0].port",
               "Invalid value: 800080: must be between 1 and 65535, inclusive");
  REQUIRE_ONLY(validate_yaml(ref("{name: a, port: 80, group: '*'}")), "KH104", "spec.rules[0].backendRefs[0].group",
               pattern_message("*", "spec.rules[0].backendRefs[0].group", k_group_re));
  REQUIRE_ONLY(validate_yaml(ref("{name: a, port: 80, kind: '*'}")), "KH104", "spec.rules[0].backendRefs[0].kind",
               pattern_message("*", "spec.rules[0].backendRefs[0].kind", k_kind_re));
  REQUIRE_ONLY(validate_yaml(ref("{name: a, port: 80, namespace: Keda}")), "KH104",
               "spec.rules[0].backendRefs[0].namespace",
               pattern_message("Keda", "spec.rules[0].backendRefs[0].namespace", k_namespace_re));
  REQUIRE_ONLY(validate_yaml(ref("{name: '', port: 80}")), "KH105", "spec.rules[0].backendRefs[0].name",
               "Invalid value: \"\": spec.rules[0].backendRefs[0].name in body should be at least 1 chars long");
  REQUIRE_ONLY(validate_yaml(ref("{port: 80}")), "KH101", "spec.rules[0].backendRefs[0].name", "Required value");

  REQUIRE_NONE(validate_yaml(route_rules("- backendRefs:\n" + repeat("  - {name: a, port: 80}\n", 16))));
  REQUIRE_ONLY(validate_yaml(route_rules("- backendRefs:\n" + repeat("  - {name: a, port: 80}\n", 17))), "KH105",
               "spec.rules[0].backendRefs", "Too many: 17: must have at most 16 items");
}

// --- filters ---

TEST_CASE("validate: HTTPRoute filter types per channel", "[validate][gateway-api]")
{
  const std::string standard = "\"RequestHeaderModifier\", \"ResponseHeaderModifier\", \"RequestMirror\", "
                               "\"RequestRedirect\", \"URLRewrite\", \"ExtensionRef\", \"CORS\"";
  REQUIRE_ONLY(validate_yaml(route_rules("- filters: [{type: Foo}]\n")), "KH103", "spec.rules[0].filters[0].type",
               "Unsupported value: \"Foo\": supported values: " + standard);
  // An unknown type blocks the type/field CEL rules, as in the API server.
  REQUIRE_ONLY(validate_yaml(route_rules("- filters: [{type: Foo, requestHeaderModifier: {remove: [a]}}]\n")), "KH103",
               "spec.rules[0].filters[0].type", "Unsupported value: \"Foo\": supported values: " + standard);

  SECTION("ExternalAuth exists only in the experimental channel")
  {
    const std::string yaml = route_rules(R"(- filters:
  - type: ExternalAuth
    externalAuth:
      protocol: HTTP
      backendRef: {name: auth, port: 9000}
      http: {path: /auth}
)");
    const auto result = validate_yaml(yaml);
    INFO(describe(result));
    REQUIRE(own(result).size() == 2);
    REQUIRE_HAS(result, "KH103", "spec.rules[0].filters[0].type",
                "Unsupported value: \"ExternalAuth\": supported values: " + standard);
    REQUIRE_HAS(result, "KH005", "spec.rules[0].filters[0].externalAuth",
                "strict decoding error: unknown field \"spec.rules[0].filters[0].externalAuth\" (field exists only in "
                "the Gateway API experimental channel)");
    REQUIRE_NONE(validate_yaml(yaml, experimental()));
  }
  SECTION("ExternalAuth rules in the experimental channel")
  {
    REQUIRE_ONLY(validate_yaml(route_rules("- filters: [{type: ExternalAuth}]\n"), experimental()), "KH107",
                 "spec.rules[0].filters[0]",
                 cel_message("object", "filter.externalAuth must be specified for ExternalAuth filter.type"));
    REQUIRE_ONLY(validate_yaml(route_rules("- filters:\n  - type: ExternalAuth\n    externalAuth: {protocol: GRPC, "
                                           "backendRef: {name: a, port: 1}}\n"),
                               experimental()),
                 "KH107", "spec.rules[0].filters[0].externalAuth",
                 cel_message("object", "grpc must be specified when protocol is set to 'GRPC'"));
    REQUIRE_ONLY(validate_yaml(route_rules("- filters:\n  - type: ExternalAuth\n    externalAuth: {protocol: HTTP, "
                                           "backendRef: {name: a, port: 1}, http: {path: '/[]'}}\n"),
                               experimental()),
                 "KH104", "spec.rules[0].filters[0].externalAuth.http.path",
                 pattern_message("/[]", "spec.rules[0].filters[0].externalAuth.http.path",
                                 "^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$"));
  }
}

TEST_CASE("validate: HTTPRoute filter type and its field go together", "[validate][gateway-api]")
{
  REQUIRE_NONE(validate_yaml(route_rules(R"(- filters:
  - type: RequestHeaderModifier
    requestHeaderModifier: {set: [{name: X-A, value: a}], add: [{name: X-B, value: b}], remove: [X-C]}
  - type: ResponseHeaderModifier
    responseHeaderModifier: {remove: [Server]}
  - type: ExtensionRef
    extensionRef: {kind: Filter, name: f}
  - type: ExtensionRef
    extensionRef: {group: acme.io, kind: Filter, name: g}
  - type: CORS
    cors: {allowOrigins: ['https://a.example.com'], allowMethods: [GET, POST], maxAge: 10}
)")));
  REQUIRE_ONLY(
    validate_yaml(route_rules("- filters: [{type: RequestHeaderModifier}]\n")), "KH107", "spec.rules[0].filters[0]",
    cel_message("object", "filter.requestHeaderModifier must be specified for RequestHeaderModifier filter.type"));

  const auto wrong =
    validate_yaml(route_rules("- filters:\n  - type: RequestHeaderModifier\n    requestRedirect: {port: 443}\n"));
  INFO(describe(wrong));
  REQUIRE(own(wrong).size() == 2);
  REQUIRE_HAS(
    wrong, "KH107", "spec.rules[0].filters[0]",
    cel_message("object", "filter.requestHeaderModifier must be specified for RequestHeaderModifier filter.type"));
  REQUIRE_HAS(wrong, "KH107", "spec.rules[0].filters[0]",
              cel_message("object", "filter.requestRedirect must be nil if the filter.type is not RequestRedirect"));

  REQUIRE_ONLY(
    validate_yaml(route_rules("- filters:\n  - type: CORS\n    urlRewrite: {hostname: a.example.com}\n    cors: "
                              "{}\n")),
    "KH107", "spec.rules[0].filters[0]",
    cel_message("object", "filter.urlRewrite must be nil if the filter.type is not URLRewrite"));
  REQUIRE_ONLY(validate_yaml(route_rules("- filters: [{type: ExtensionRef, extensionRef: {name: f}}]\n")), "KH101",
               "spec.rules[0].filters[0].extensionRef.kind", "Required value");
}

TEST_CASE("validate: HTTPRoute filters that cannot be repeated or combined", "[validate][gateway-api]")
{
  const std::string header = "  - {type: RequestHeaderModifier, requestHeaderModifier: {remove: [a]}}\n";
  REQUIRE_ONLY(validate_yaml(route_rules("- filters:\n" + header + header)), "KH107", "spec.rules[0].filters",
               cel_message("array", "RequestHeaderModifier filter cannot be repeated"));
  const std::string response = "  - {type: ResponseHeaderModifier, responseHeaderModifier: {remove: [a]}}\n";
  REQUIRE_ONLY(validate_yaml(route_rules("- filters:\n" + response + response)), "KH107", "spec.rules[0].filters",
               cel_message("array", "ResponseHeaderModifier filter cannot be repeated"));
  const std::string cors = "  - {type: CORS, cors: {allowOrigins: ['*']}}\n";
  REQUIRE_ONLY(validate_yaml(route_rules("- filters:\n" + cors + cors)), "KH107", "spec.rules[0].filters",
               cel_message("array", "CORS filter cannot be repeated"));
  const std::string rewrite = "  - {type: URLRewrite, urlRewrite: {hostname: a.example.com}}\n";
  REQUIRE_ONLY(validate_yaml(route_rules("- filters:\n" + rewrite + rewrite)), "KH107", "spec.rules[0].filters",
               cel_message("array", "URLRewrite filter cannot be repeated"));

  const std::string redirect = "  - {type: RequestRedirect, requestRedirect: {scheme: https}}\n";
  REQUIRE_NONE(validate_yaml(route_rules("- filters:\n" + redirect)));
  REQUIRE_ONLY(validate_yaml(route_rules("- filters:\n" + redirect + redirect)), "KH107", "spec.rules[0].filters",
               cel_message("array", "RequestRedirect filter cannot be repeated"));
  REQUIRE_ONLY(validate_yaml(route_rules("- filters:\n" + redirect + rewrite)), "KH107", "spec.rules[0].filters",
               cel_message("array",
                           "May specify either httpRouteFilterRequestRedirect or "
                           "httpRouteFilterRequestRewrite, but not both"));

  // RequestMirror may repeat.
  const std::string mirror = "  - {type: RequestMirror, requestMirror: {backendRef: {name: m, port: 80}}}\n";
  REQUIRE_NONE(validate_yaml(route_rules("- filters:\n" + mirror + mirror)));

  // The same list rules apply to the filters of a backendRef.
  REQUIRE_ONLY(validate_yaml(route_rules("- backendRefs:\n  - name: a\n    port: 80\n    filters:\n"
                                         + indent(header + header, "    "))),
               "KH107", "spec.rules[0].backendRefs[0].filters",
               cel_message("array", "RequestHeaderModifier filter cannot be repeated"));
}

TEST_CASE("validate: HTTPRoute RequestRedirect rules", "[validate][gateway-api]")
{
  SECTION("not together with backendRefs")
  {
    REQUIRE_ONLY(validate_yaml(route_rules(R"(- backendRefs: [{name: a, port: 80}]
  filters:
  - type: RequestRedirect
    requestRedirect: {scheme: https, statusCode: 301}
)")),
                 "KH107", "spec.rules[0]",
                 cel_message("object", "RequestRedirect filter must not be used together with backendRefs"));
  }
  SECTION("field values")
  {
    const auto redirect = [](std::string_view body) {
      return route_rules("- filters:\n  - type: RequestRedirect\n    requestRedirect: " + std::string(body) + "\n");
    };
    REQUIRE_NONE(validate_yaml(redirect("{scheme: https, hostname: www.example.com, port: 8443, statusCode: 308}")));
    REQUIRE_ONLY(validate_yaml(redirect("{scheme: ftp}")), "KH103", "spec.rules[0].filters[0].requestRedirect.scheme",
                 "Unsupported value: \"ftp\": supported values: \"http\", \"https\"");
    REQUIRE_ONLY(validate_yaml(redirect("{statusCode: 304}")), "KH103",
                 "spec.rules[0].filters[0].requestRedirect.statusCode",
                 "Unsupported value: 304: supported values: \"301\", \"302\", \"303\", \"307\", \"308\"");
    REQUIRE_ONLY(validate_yaml(redirect("{hostname: '*.gateway.networking.k8s.io'}")), "KH104",
                 "spec.rules[0].filters[0].requestRedirect.hostname",
                 pattern_message("*.gateway.networking.k8s.io", "spec.rules[0].filters[0].requestRedirect.hostname",
                                 k_subdomain_re));
    REQUIRE_ONLY(validate_yaml(redirect("{port: 0}")), "KH105", "spec.rules[0].filters[0].requestRedirect.port",
                 "Invalid value: 0: must be between 1 and 65535, inclusive");
  }
}

TEST_CASE("validate: HTTPRoute path modifiers", "[validate][gateway-api]")
{
  const auto rewrite = [](std::string_view path) {
    return route_rules("- filters:\n  - type: URLRewrite\n    urlRewrite: {path: " + std::string(path) + "}\n");
  };
  REQUIRE_NONE(validate_yaml(rewrite("{type: ReplaceFullPath, replaceFullPath: /new}")));
  REQUIRE_ONLY(validate_yaml(rewrite("{type: ReplaceFullPath}")), "KH107", "spec.rules[0].filters[0].urlRewrite.path",
               cel_message("object", "replaceFullPath must be specified when type is set to 'ReplaceFullPath'"));
  REQUIRE_ONLY(validate_yaml(rewrite("{type: ReplacePrefixMatch}")), "KH107",
               "spec.rules[0].filters[0].urlRewrite.path",
               cel_message("object", "replacePrefixMatch must be specified when type is set to 'ReplacePrefixMatch'"));

  const auto mixed = validate_yaml(rewrite("{type: ReplaceFullPath, replacePrefixMatch: /x}"));
  INFO(describe(mixed));
  REQUIRE(own(mixed).size() == 2);
  REQUIRE_HAS(mixed, "KH107", "spec.rules[0].filters[0].urlRewrite.path",
              cel_message("object", "replaceFullPath must be specified when type is set to 'ReplaceFullPath'"));
  REQUIRE_HAS(mixed, "KH107", "spec.rules[0].filters[0].urlRewrite.path",
              cel_message("object", "type must be 'ReplacePrefixMatch' when replacePrefixMatch is set"));

  REQUIRE_ONLY(validate_yaml(rewrite("{replaceFullPath: /x}")), "KH101",
               "spec.rules[0].filters[0].urlRewrite.path.type", "Required value");
  REQUIRE_ONLY(validate_yaml(rewrite("{type: ReplaceFullPath, replaceFullPath: /" + repeat("a", 1024) + "}")), "KH105",
               "spec.rules[0].filters[0].urlRewrite.path.replaceFullPath", "Too long: may not be more than 1024 bytes");
  REQUIRE_ONLY(validate_yaml(route_rules("- filters: [{type: URLRewrite, urlRewrite: {hostname: Foo.com}}]\n")),
               "KH104", "spec.rules[0].filters[0].urlRewrite.hostname",
               pattern_message("Foo.com", "spec.rules[0].filters[0].urlRewrite.hostname", k_subdomain_re));
}

TEST_CASE("validate: HTTPRoute ReplacePrefixMatch needs exactly one PathPrefix match", "[validate][gateway-api]")
{
  const std::string redirect = "  filters:\n  - {type: RequestRedirect, requestRedirect: {path: {type: "
                               "ReplacePrefixMatch, replacePrefixMatch: /new}}}\n";
  const std::string rewrite =
    "  filters:\n  - {type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}}}\n";

  // The default match is a PathPrefix "/" match.
  REQUIRE_NONE(validate_yaml(route_rules("- matches: [{path: {value: /old}}]\n" + redirect)));
  REQUIRE_NONE(validate_yaml(route_rules("-\n" + redirect)));
  REQUIRE_ONLY(validate_yaml(route_rules("- matches: [{path: {type: Exact, value: /old}}]\n" + redirect)), "KH107",
               "spec.rules[0]",
               cel_message("object",
                           "When using RequestRedirect filter with path.replacePrefixMatch, exactly one "
                           "PathPrefix match must be specified"));
  REQUIRE_ONLY(validate_yaml(route_rules("- matches: [{path: {value: /a}}, {path: {value: /b}}]\n" + rewrite)), "KH107",
               "spec.rules[0]",
               cel_message("object",
                           "When using URLRewrite filter with path.replacePrefixMatch, exactly one "
                           "PathPrefix match must be specified"));

  const std::string in_backend = R"(- matches: [{path: {type: Exact, value: /old}}]
  backendRefs:
  - name: a
    port: 80
    filters:
    - {type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}}}
)";
  REQUIRE_ONLY(validate_yaml(route_rules(in_backend)), "KH107", "spec.rules[0]",
               cel_message("object",
                           "Within backendRefs, When using URLRewrite filter with path.replacePrefixMatch, "
                           "exactly one PathPrefix match must be specified"));

  // A RequestRedirect inside a backendRef is not the rule-level redirect that excludes backendRefs.
  const std::string redirect_in_backend = R"(- matches: [{path: {type: Exact, value: /old}}]
  backendRefs:
  - name: a
    port: 80
    filters:
    - {type: RequestRedirect, requestRedirect: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}}}
)";
  REQUIRE_ONLY(validate_yaml(route_rules(redirect_in_backend)), "KH107", "spec.rules[0]",
               cel_message("object", "Within backendRefs, when using RequestRedirect filter with "
                                     "path.replacePrefixMatch, exactly one PathPrefix match must be specified"));
  REQUIRE_NONE(validate_yaml(route_rules(R"(- backendRefs:
  - name: a
    port: 80
    filters:
    - {type: RequestRedirect, requestRedirect: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}}}
)")));
}

TEST_CASE("validate: HTTPRoute header modifier limits", "[validate][gateway-api]")
{
  const auto modifier = [](std::string_view body) {
    return route_rules("- filters:\n  - type: RequestHeaderModifier\n    requestHeaderModifier: " + std::string(body)
                       + "\n");
  };
  const std::string base = "spec.rules[0].filters[0].requestHeaderModifier";
  REQUIRE_ONLY(validate_yaml(modifier("{remove: [foo, foo]}")), "KH106", base + ".remove[1]",
               "Duplicate value: \"foo\"");
  REQUIRE_ONLY(validate_yaml(modifier("{set: [{name: a, value: '1'}, {name: a, value: '2'}]}")), "KH106",
               base + ".set[1]", "Duplicate value: {\"name\":\"a\"}");
  REQUIRE_ONLY(validate_yaml(modifier("{add: [{name: a, value: " + repeat("v", 4097) + "}]}")), "KH105",
               base + ".add[0].value", "Too long: may not be more than 4096 bytes");
  REQUIRE_ONLY(validate_yaml(modifier("{add: [{name: 'a:b', value: x}]}")), "KH104", base + ".add[0].name",
               pattern_message("a:b", base + ".add[0].name", k_header_name_re));

  std::string set = "{set: [";
  std::string remove = "{remove: [";
  for (int i = 0; i < 17; ++i) {
    set += (i ? ", " : "") + std::string("{name: h") + std::to_string(i) + ", value: v}";
    remove += (i ? ", h" : "h") + std::to_string(i);
  }
  REQUIRE_ONLY(validate_yaml(modifier(set + "]}")), "KH105", base + ".set", "Too many: 17: must have at most 16 items");
  REQUIRE_ONLY(validate_yaml(modifier(remove + "]}")), "KH105", base + ".remove",
               "Too many: 17: must have at most 16 items");
}

TEST_CASE("validate: HTTPRoute RequestMirror", "[validate][gateway-api]")
{
  const auto mirror = [](std::string_view body) {
    return route_rules("- filters:\n  - type: RequestMirror\n    requestMirror: " + std::string(body) + "\n");
  };
  const std::string base = "spec.rules[0].filters[0].requestMirror";
  REQUIRE_NONE(validate_yaml(mirror("{backendRef: {name: m, port: 80}, percent: 50}")));
  REQUIRE_NONE(validate_yaml(mirror("{backendRef: {name: m, port: 80}, fraction: {numerator: 50, denominator: 200}}")));
  REQUIRE_ONLY(validate_yaml(mirror("{percent: 10}")), "KH101", base + ".backendRef", "Required value");
  REQUIRE_ONLY(validate_yaml(mirror("{backendRef: {name: m}}")), "KH107", base + ".backendRef",
               cel_message("object", "Must have port for Service reference"));
  REQUIRE_ONLY(validate_yaml(mirror("{backendRef: {name: m, port: 80}, percent: 101}")), "KH105", base + ".percent",
               "Invalid value: 101: must be between 0 and 100, inclusive");
  REQUIRE_ONLY(validate_yaml(mirror("{backendRef: {name: m, port: 80}, percent: 5, fraction: {numerator: 1}}")),
               "KH107", base,
               cel_message("object", "Only one of percent or fraction may be specified in HTTPRequestMirrorFilter"));
  // denominator defaults to 100
  REQUIRE_ONLY(validate_yaml(mirror("{backendRef: {name: m, port: 80}, fraction: {numerator: 150}}")), "KH107",
               base + ".fraction", cel_message("object", "numerator must be less than or equal to denominator"));
}

TEST_CASE("validate: HTTPRoute CORS filter", "[validate][gateway-api]")
{
  const auto cors = [](std::string_view body) {
    return route_rules("- filters:\n  - type: CORS\n    cors: " + std::string(body) + "\n");
  };
  const std::string base = "spec.rules[0].filters[0].cors";
  REQUIRE_NONE(
    validate_yaml(cors("{allowOrigins: ['*'], allowMethods: ['*'], allowHeaders: ['*'], allowCredentials: true}")));
  REQUIRE_ONLY(validate_yaml(cors("{allowOrigins: ['*', 'https://a.example.com']}")), "KH107", base + ".allowOrigins",
               cel_message("array", "AllowOrigins cannot contain '*' alongside other origins"));
  REQUIRE_ONLY(validate_yaml(cors("{allowMethods: ['*', GET]}")), "KH107", base + ".allowMethods",
               cel_message("array", "AllowMethods cannot contain '*' alongside other methods"));
  REQUIRE_ONLY(validate_yaml(cors("{allowHeaders: ['*', X-A]}")), "KH107", base + ".allowHeaders",
               cel_message("array", "AllowHeaders cannot contain '*' alongside other methods"));
  REQUIRE_ONLY(validate_yaml(cors("{allowMethods: [FETCH]}")), "KH103", base + ".allowMethods[0]",
               "Unsupported value: \"FETCH\": supported values: \"GET\", \"HEAD\", \"POST\", \"PUT\", \"DELETE\", "
               "\"CONNECT\", \"OPTIONS\", \"TRACE\", \"PATCH\", \"*\"");
  REQUIRE_ONLY(validate_yaml(cors("{maxAge: 0}")), "KH105", base + ".maxAge",
               "Invalid value: 0: " + base + ".maxAge in body should be greater than or equal to 1");
}

// --- timeouts and experimental-only fields ---

TEST_CASE("validate: HTTPRoute timeouts", "[validate][gateway-api]")
{
  const auto timeouts = [](std::string_view body) { return route_rules("- timeouts: " + std::string(body) + "\n"); };
  REQUIRE_NONE(validate_yaml(timeouts("{request: 1h30m, backendRequest: 500ms}")));
  REQUIRE_NONE(validate_yaml(timeouts("{request: 0s, backendRequest: 20s}")));
  REQUIRE_NONE(validate_yaml(timeouts("{request: 10s, backendRequest: 10s}")));
  REQUIRE_ONLY(validate_yaml(timeouts("{request: 10s, backendRequest: 1m}")), "KH107", "spec.rules[0].timeouts",
               cel_message("object", "backendRequest timeout cannot be longer than request timeout"));
  for (const char* bad : {"1d", "1.5s", "100000s", "1h1m1s1ms1h", "10"}) {
    DYNAMIC_SECTION("request " << bad)
    {
      REQUIRE_ONLY(validate_yaml(timeouts("{request: '" + std::string(bad) + "'}")), "KH104",
                   "spec.rules[0].timeouts.request",
                   pattern_message(bad, "spec.rules[0].timeouts.request", k_duration_re));
    }
  }
}

TEST_CASE("validate: HTTPRoute experimental-only rule fields", "[validate][gateway-api]")
{
  SECTION("retry")
  {
    const std::string yaml = route_rules("- retry: {codes: [500, 502], attempts: 3, backoff: 100ms}\n");
    REQUIRE_ONLY(validate_yaml(yaml), "KH005", "spec.rules[0].retry",
                 "strict decoding error: unknown field \"spec.rules[0].retry\" (field exists only in the Gateway API "
                 "experimental channel)");
    REQUIRE_NONE(validate_yaml(yaml, experimental()));
    REQUIRE_ONLY(validate_yaml(route_rules("- retry: {codes: [600]}\n"), experimental()), "KH105",
                 "spec.rules[0].retry.codes[0]", "Invalid value: 600: must be between 400 and 599, inclusive");

    Options lenient;
    lenient.allow_unknown_fields = true;
    const auto warned = validate_yaml(yaml, lenient);
    REQUIRE_ONLY(warned, "KH005", "spec.rules[0].retry",
                 "strict decoding error: unknown field \"spec.rules[0].retry\" (field exists only in the Gateway API "
                 "experimental channel)");
    CHECK(own(warned)[0].severity == Severity::warning);
  }
  SECTION("sessionPersistence")
  {
    const std::string yaml = route_rules("- sessionPersistence: {sessionName: s, type: Cookie}\n");
    REQUIRE_ONLY(validate_yaml(yaml), "KH005", "spec.rules[0].sessionPersistence",
                 "strict decoding error: unknown field \"spec.rules[0].sessionPersistence\" (field exists only in the "
                 "Gateway API experimental channel)");
    REQUIRE_NONE(validate_yaml(yaml, experimental()));
    REQUIRE_ONLY(
      validate_yaml(route_rules("- sessionPersistence: {cookieConfig: {lifetimeType: Permanent}}\n"), experimental()),
      "KH107", "spec.rules[0].sessionPersistence",
      cel_message("object", "AbsoluteTimeout must be specified when cookie lifetimeType is Permanent"));
    REQUIRE_NONE(validate_yaml(
      route_rules("- sessionPersistence: {absoluteTimeout: 1h, cookieConfig: {lifetimeType: Permanent}}\n"),
      experimental()));
  }
}

// --- ReferenceGrant ---

TEST_CASE("validate: ReferenceGrant as the KEDA docs write it is valid", "[validate][gateway-api]")
{
  const std::string spec = R"(from:
- group: gateway.networking.k8s.io
  kind: HTTPRoute
  namespace: shop
to:
- group: ""
  kind: Service
  name: keda-add-ons-http-interceptor-proxy
)";
  REQUIRE_NONE(validate_yaml(grant(spec)));
  // to.name may be omitted (every Service of the namespace); schema-valid kinds that never match are fine here.
  REQUIRE_NONE(validate_yaml(grant("from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: shop}]\n"
                                   "to: [{group: core, kind: service}]\n")));

  const auto v1 = validate_yaml(grant(spec, "gateway.networking.k8s.io/v1"));
  REQUIRE_ONLY(v1, "KH355", "apiVersion",
               "ReferenceGrant keda/g uses gateway.networking.k8s.io/v1, served only by Gateway API CRDs >= v1.5.0; "
               "v1beta1 works everywhere");
  CHECK(own(v1)[0].severity == Severity::info);
  CHECK(kedahttp::testutil::clean(v1));

  REQUIRE_ONLY(validate_yaml(grant(spec, "gateway.networking.k8s.io/v1alpha2")), "KH006", "apiVersion",
               "ReferenceGrant in version \"gateway.networking.k8s.io/v1alpha2\" is not served; use one of "
               "\"gateway.networking.k8s.io/v1beta1\", \"gateway.networking.k8s.io/v1\"");
}

TEST_CASE("validate: ReferenceGrant required fields", "[validate][gateway-api]")
{
  const std::string from = "from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: shop}]\n";
  const std::string to = "to: [{group: '', kind: Service}]\n";
  REQUIRE_ONLY(validate_yaml(grant(to)), "KH101", "spec.from", "Required value");
  REQUIRE_ONLY(validate_yaml(grant(from)), "KH101", "spec.to", "Required value");
  REQUIRE_ONLY(validate_yaml(grant("from: [{group: gateway.networking.k8s.io, kind: HTTPRoute}]\n" + to)), "KH101",
               "spec.from[0].namespace", "Required value");
  // The core group must be written as "".
  REQUIRE_ONLY(validate_yaml(grant(from + "to: [{kind: Service}]\n")), "KH101", "spec.to[0].group", "Required value");
  REQUIRE_ONLY(validate_yaml(grant("from: [{kind: HTTPRoute, namespace: shop}]\n" + to)), "KH101", "spec.from[0].group",
               "Required value");
  REQUIRE_ONLY(validate_yaml(grant(from + "to: [{group: ''}]\n")), "KH101", "spec.to[0].kind", "Required value");
  const auto missing = validate_yaml("apiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata: "
                                     "{name: g, namespace: keda}\n");
  REQUIRE_ONLY(missing, "KH101", "spec", "Required value");
}

TEST_CASE("validate: ReferenceGrant field formats and limits", "[validate][gateway-api]")
{
  const std::string from = "from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: shop}]\n";
  const std::string to = "to: [{group: '', kind: Service}]\n";
  REQUIRE_ONLY(validate_yaml(grant("from: []\n" + to)), "KH105", "spec.from",
               "Invalid value: 0: spec.from in body should have at least 1 items");
  REQUIRE_ONLY(validate_yaml(grant(from + "to: []\n")), "KH105", "spec.to",
               "Invalid value: 0: spec.to in body should have at least 1 items");

  const std::string entry = "- {group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: shop}\n";
  REQUIRE_NONE(validate_yaml(grant("from:\n" + repeat(entry, 16) + to)));
  REQUIRE_ONLY(validate_yaml(grant("from:\n" + repeat(entry, 17) + to)), "KH105", "spec.from",
               "Too many: 17: must have at most 16 items");
  REQUIRE_ONLY(validate_yaml(grant(from + "to:\n" + repeat("- {group: '', kind: Service}\n", 17))), "KH105", "spec.to",
               "Too many: 17: must have at most 16 items");

  REQUIRE_ONLY(
    validate_yaml(grant("from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: Shop}]\n" + to)),
    "KH104", "spec.from[0].namespace", pattern_message("Shop", "spec.from[0].namespace", k_namespace_re));
  REQUIRE_ONLY(validate_yaml(grant("from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: "
                                   + repeat("a", 64) + "}]\n" + to)),
               "KH105", "spec.from[0].namespace", "Too long: may not be more than 63 bytes");
  REQUIRE_ONLY(
    validate_yaml(grant("from: [{group: 'gateway.networking.k8s.io/v1', kind: HTTPRoute, namespace: shop}]\n" + to)),
    "KH104", "spec.from[0].group", pattern_message("gateway.networking.k8s.io/v1", "spec.from[0].group", k_group_re));
  REQUIRE_ONLY(validate_yaml(grant(from + "to: [{group: '', kind: 'Service/v1'}]\n")), "KH104", "spec.to[0].kind",
               pattern_message("Service/v1", "spec.to[0].kind", k_kind_re));
  REQUIRE_ONLY(validate_yaml(grant(from + "to: [{group: '', kind: ''}]\n")), "KH105", "spec.to[0].kind",
               "Invalid value: \"\": spec.to[0].kind in body should be at least 1 chars long");
  REQUIRE_ONLY(validate_yaml(grant(from + "to: [{group: '', kind: Service, name: ''}]\n")), "KH105", "spec.to[0].name",
               "Invalid value: \"\": spec.to[0].name in body should be at least 1 chars long");
  REQUIRE_ONLY(validate_yaml(grant(from + "to: [{group: '', kind: Service, names: [a]}]\n")), "KH005",
               "spec.to[0].names",
               "strict decoding error: unknown field \"spec.to[0].names\" (did you mean \"name\"?)");
}
