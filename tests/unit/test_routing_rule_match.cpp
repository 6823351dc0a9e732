// The static-route rule matcher (spec/interceptor.md 2.4 and 2.5 "Rule matcher" M1-M10 with the
// host, path and header lists; "Static routes" S9, S10), upstream pkg/routing/match_test.go.

#include <kedahttp/routing/headers.hpp>
#include <kedahttp/routing/rule_match.hpp>

#include "testutil/routes.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace kedahttp;
using namespace kedahttp::routing;
using testutil::header_match;
using testutil::route_rule;

namespace {

struct RuleCase {
  const char* name;
  spec::RouteRule rule;
  const char* host;
  const char* path;
  std::vector<HeaderField> headers;
  bool expected;
  const char* url_host = "";
};

struct ListCase {
  const char* value;
  std::vector<std::string> patterns;
  bool expected;
};

struct HeaderCase {
  const char* name;
  std::vector<HeaderField> headers;
  bool expected;
};

std::vector<spec::Located<std::string>>
located(const std::vector<std::string>& values)
{
  std::vector<spec::Located<std::string>> out;
  for (const std::string& value : values) {
    out.push_back({value, {}});
  }
  return out;
}

spec::InterceptorRoute::StaticRoute
static_route(std::vector<spec::RouteRule> rules, std::string body)
{
  spec::InterceptorRoute::StaticRoute route;
  route.rules = std::move(rules);
  route.response.body = std::move(body);
  return route;
}

} // namespace

TEST_CASE("routing::match_rule (M1-M10)", "[routing]")
{
  const std::vector<RuleCase> cases = {
    {"M1 empty rule matches anything", route_rule({}), "any.host", "/anything", {}, true},
    {"M2 path matches", route_rule({}, {"/healthz"}), "h", "/healthz", {}, true},
    {"M3 path does not match", route_rule({}, {"/healthz"}), "h", "/other", {}, false},
    {"M4 host matches", route_rule({"example.com"}), "example.com", "/", {}, true},
    {"M5 host does not match", route_rule({"example.com"}), "example.org", "/", {}, false},
    {"M6 header matches",
     route_rule({}, {}, {header_match("Custom-Header", "header-value")}),
     "h",
     "/",
     {{"Custom-Header", "header-value"}},
     true},
    {"M7 header value differs",
     route_rule({}, {}, {header_match("Custom-Header", "header-value")}),
     "h",
     "/",
     {{"Custom-Header", "not matching"}},
     false},
    {"M8 hosts, paths and headers all hold",
     route_rule({"app.example.com"}, {"/api"}, {header_match("X-Env", "prod")}),
     "app.example.com",
     "/api/v1",
     {{"X-Env", "prod"}},
     true},
    {"M8 one part failing fails the rule",
     route_rule({"app.example.com"}, {"/api"}, {header_match("X-Env", "prod")}),
     "app.example.com",
     "/web",
     {{"X-Env", "prod"}},
     false},
    {"M9 the request host's port is stripped", route_rule({"example.com"}), "example.com:8080", "/", {}, true},
    {"M10 empty Host falls back to the URL host", route_rule({"example.com"}), "", "/", {}, true,
     "example.com:443"},
    {"the URL host is only a fallback", route_rule({"example.com"}), "other.com", "/", {}, false, "example.com"},
    {"empty Host and no URL host match only catch-alls", route_rule({"example.com"}), "", "/", {}, false},
    {"a port in the pattern is not stripped here", route_rule({"example.com:8080"}), "example.com:8080", "/", {},
     false},
    {"host matching is case-sensitive", route_rule({"example.com"}), "Example.com", "/", {}, false},
  };
  for (const RuleCase& c : cases) {
    DYNAMIC_SECTION(c.name)
    {
      CHECK(match_rule(c.rule, c.host, c.path, c.headers, c.url_host) == c.expected);
    }
  }
}

TEST_CASE("routing::match_any_host (host list of 2.5)", "[routing]")
{
  const std::vector<ListCase> cases = {
    {"a.com", {"a.com"}, true},
    {"b.com", {"a.com"}, false},
    {"x.a.com", {"*.a.com"}, true},
    {"a.com", {"*.a.com"}, false},
    {"x.y.a.com", {"*.a.com"}, true},
    {"anything", {"*"}, true},
    {"anything", {""}, true},
    {"a.com", {"a.com", "b.com"}, true},
    {"b.com", {"a.com", "b.com"}, true},
    {"c.com", {"a.com", "b.com"}, false},
    {"xa.com", {"*.a.com"}, false},
    {"", {"*.a.com"}, false},
    {"", {"*"}, true},
    {"a.com", {}, false},
  };
  for (const ListCase& c : cases) {
    DYNAMIC_SECTION("\"" << c.value << "\" in " << c.patterns.size() << " patterns, first \""
                         << (c.patterns.empty() ? "" : c.patterns.front()) << "\"")
    {
      CHECK(match_any_host(c.value, located(c.patterns)) == c.expected);
    }
  }
}

TEST_CASE("routing::match_any_path (path list of 2.5)", "[routing]")
{
  const std::vector<ListCase> cases = {
    {"/healthz", {"/healthz"}, true},
    {"/api/v1", {"/api"}, true},
    {"/healthz", {"/health"}, false}, // no partial word
    {"/anything", {"/"}, true},
    {"/healthz", {"/healthz/"}, true},
    {"/readyz", {"/healthz", "/readyz"}, true},
    {"/other", {"/healthz", "/readyz"}, false},
    {"/healthz/", {"/healthz"}, true},
    {"/anything", {""}, true},
    {"/", {"/api"}, false},
    {"", {"/"}, true},
    {"//api//v1", {"/api"}, true},
    {"/api//v1", {"/api/v1"}, false}, // inner slashes are not collapsed
    {"/api/../secret", {"/api"}, true},
    {"/api", {}, false},
  };
  for (const ListCase& c : cases) {
    DYNAMIC_SECTION("\"" << c.value << "\" in " << c.patterns.size() << " prefixes, first \""
                         << (c.patterns.empty() ? "" : c.patterns.front()) << "\"")
    {
      CHECK(match_any_path(c.value, located(c.patterns)) == c.expected);
    }
  }
}

TEST_CASE("routing::match_headers (header list of 2.5)", "[routing]")
{
  const std::vector<spec::HeaderMatch> matchers = {header_match("Required-Header", "expected"),
                                                   header_match("Key-Only-Header")};
  const std::vector<HeaderCase> cases = {
    {"both present", {{"Required-Header", "expected"}, {"Key-Only-Header", "anything"}}, true},
    {"only key-only", {{"Key-Only-Header", "anything"}}, false},
    {"only required", {{"Required-Header", "expected"}}, false},
    {"required has the wrong value", {{"Required-Header", "wrong"}, {"Key-Only-Header", "x"}}, false},
    {"key-only with an empty value", {{"Required-Header", "expected"}, {"Key-Only-Header", ""}}, true},
    {"none", {}, false},
    {"extra headers are fine",
     {{"Required-Header", "expected"}, {"Key-Only-Header", "x"}, {"Extra", "y"}},
     true},
    {"names ignore case", {{"required-header", "expected"}, {"KEY-ONLY-HEADER", "x"}}, true},
    {"values are case-sensitive", {{"Required-Header", "Expected"}, {"Key-Only-Header", "x"}}, false},
    {"any line of a repeated header may match",
     {{"Required-Header", "first"}, {"Required-Header", "expected"}, {"Key-Only-Header", "x"}},
     true},
    {"values are not split on commas", {{"Required-Header", "first, expected"}, {"Key-Only-Header", "x"}}, false},
  };
  for (const HeaderCase& c : cases) {
    DYNAMIC_SECTION(c.name)
    {
      CHECK(match_headers(matchers, c.headers) == c.expected);
    }
  }

  SECTION("no matchers match everything")
  {
    CHECK(match_headers({}, {}));
    const std::vector<HeaderField> some = {{"A", "b"}};
    CHECK(match_headers({}, some));
  }
  SECTION("a matcher with an empty value wants exactly the empty value")
  {
    const std::vector<spec::HeaderMatch> empty = {header_match("Empty-Value-Header", "")};
    const std::vector<HeaderField> with_empty = {{"Empty-Value-Header", ""}};
    const std::vector<HeaderField> with_value = {{"Empty-Value-Header", "non-empty"}};
    CHECK(match_headers(empty, with_empty));
    CHECK_FALSE(match_headers(empty, with_value));
  }
  SECTION("a Host field is never seen by matchers (Go keeps it out of the header map)")
  {
    const std::vector<HeaderField> with_host = {{"Host", "example.com"}};
    CHECK_FALSE(match_headers(std::vector{header_match("Host")}, with_host));
    CHECK_FALSE(match_headers(std::vector{header_match("host", "example.com")}, with_host));
  }
}

TEST_CASE("routing::match_rules and find_static_route (S9, S10)", "[routing]")
{
  const std::vector<HeaderField> none;

  SECTION("S10 rules are OR-ed")
  {
    const std::vector<spec::RouteRule> rules = {route_rule({}, {"/healthz"}), route_rule({}, {"/readyz"})};
    CHECK(match_rules(rules, "h", "/readyz", none));
    CHECK(match_rules(rules, "h", "/healthz", none));
    CHECK_FALSE(match_rules(rules, "h", "/other", none));
  }
  SECTION("S10 an empty rule matches anything")
  {
    const std::vector<spec::RouteRule> rules = {route_rule({})};
    CHECK(match_rules(rules, "h", "/anything", none));
  }
  SECTION("S10 no rules never match")
  {
    CHECK_FALSE(match_rules({}, "h", "/anything", none));
  }

  spec::InterceptorRoute route = testutil::interceptor_route("app", {route_rule({"app.example.com"})});

  SECTION("S1 no static routes")
  {
    CHECK(find_static_route(route, "app.example.com", "/healthz", none) == nullptr);
  }
  SECTION("S2 no static route matches")
  {
    route.static_routes = {static_route({route_rule({}, {"/healthz"})}, "ok")};
    CHECK(find_static_route(route, "app.example.com", "/other", none) == nullptr);
  }
  SECTION("S9 the first matching static route wins")
  {
    route.static_routes = {static_route({route_rule({}, {"/healthz"})}, "first"),
                           static_route({route_rule({}, {"/healthz"})}, "second")};
    const auto* found = find_static_route(route, "app.example.com", "/healthz", none);
    REQUIRE(found != nullptr);
    CHECK(found->response.body == "first");
  }
  SECTION("S10 a later static route can match")
  {
    route.static_routes = {static_route({route_rule({}, {"/healthz"})}, "first"),
                           static_route({route_rule({}, {"/readyz"})}, "second")};
    const auto* found = find_static_route(route, "app.example.com", "/readyz", none);
    REQUIRE(found != nullptr);
    CHECK(found->response.body == "second");
  }
  SECTION("a static route with no rules never matches")
  {
    route.static_routes = {static_route({}, "never"), static_route({route_rule({})}, "always")};
    const auto* found = find_static_route(route, "app.example.com", "/x", none);
    REQUIRE(found != nullptr);
    CHECK(found->response.body == "always");
  }
  SECTION("static rules see the URL host when Host is empty")
  {
    route.static_routes = {static_route({route_rule({"app.example.com"})}, "by url host")};
    CHECK(find_static_route(route, "", "/x", none) == nullptr);
    CHECK(find_static_route(route, "", "/x", none, "app.example.com:443") != nullptr);
  }
}
