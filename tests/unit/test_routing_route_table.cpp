// The route table (spec/interceptor.md 2.1, 2.2 and 2.5 "Table memory" T1-T14, "Table" TB2,
// TB4-TB6), upstream pkg/routing/{tablememory,table}_test.go, plus the code-derived
// consequences listed in 2.2 and section 10 (items 1-4).

#include <kedahttp/routing/route_table.hpp>

#include "testutil/routes.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

using namespace kedahttp;
using namespace kedahttp::routing;
using testutil::header_match;
using testutil::interceptor_route;
using testutil::route_rule;
using testutil::routed;

namespace {

struct Request {
  const char* name;
  const char* host;
  const char* path;
  std::vector<HeaderField> headers;
  const char* expected; // route name, "-" for no route
};

void
check_requests(const RouteTable& table, const std::vector<Request>& requests)
{
  for (const Request& r : requests) {
    DYNAMIC_SECTION(r.name)
    {
      INFO(testutil::lines_text(table.explain(r.host, r.path, r.headers)));
      CHECK(routed(table, r.host, r.path, r.headers) == r.expected);
    }
  }
}

RouteTable
table_of(std::vector<spec::InterceptorRoute> routes)
{
  return RouteTable(routes);
}

} // namespace

TEST_CASE("routing::RouteTable basic routing (T1, T2, TB2)", "[routing]")
{
  SECTION("T1 a host with an empty path")
  {
    const RouteTable table = table_of({interceptor_route("test", {route_rule({"example.com"})})});
    CHECK(routed(table, "example.com", "") == "test");
  }
  SECTION("T2/TB2 each host routes to its own route")
  {
    const RouteTable table = table_of({interceptor_route("first", {route_rule({"first.example.com"})}),
                                       interceptor_route("second", {route_rule({"second.example.com"})})});
    check_requests(table, {
                            {"first", "first.example.com", "/test", {}, "first"},
                            {"second", "second.example.com", "/test", {}, "second"},
                            {"unknown", "unknown.example.com", "/test", {}, "-"},
                          });
  }
  SECTION("the empty table routes nothing")
  {
    const RouteTable table;
    CHECK(table.match("example.com", "/", {}) == nullptr);
    CHECK(table.keys().empty());
  }
}

TEST_CASE("routing::RouteTable owns a deep copy (T3)", "[routing]")
{
  spec::ClusterState state;
  state.interceptor_routes.push_back(interceptor_route("test", {route_rule({"example.com"})}));
  const RouteTable table(state);
  state.interceptor_routes[0].rules[0].hosts[0].value = "changed.com";
  state.interceptor_routes[0].meta.name = "renamed";
  CHECK(routed(table, "example.com", "/") == "test");
  CHECK(routed(table, "changed.com", "/") == "-");
}

TEST_CASE("routing::RouteTable the oldest route wins a tie (T4, T5)", "[routing]")
{
  const std::string older = "2024-01-01T10:00:00Z";
  const std::string newer = "2024-01-01T11:00:00Z";

  SECTION("T4 without headers, either insertion order")
  {
    const auto a = interceptor_route("older", {route_rule({"example.com"})}, older);
    const auto b = interceptor_route("newer", {route_rule({"example.com"})}, newer);
    CHECK(routed(table_of({a, b}), "example.com", "/") == "older");
    CHECK(routed(table_of({b, a}), "example.com", "/") == "older");
  }
  SECTION("T5 both with the same header matcher, header supplied")
  {
    const auto a = interceptor_route("older", {route_rule({"example.com"}, {}, {header_match("X-Custom-Header", "value")})},
                                     older);
    const auto b = interceptor_route("newer", {route_rule({"example.com"}, {}, {header_match("X-Custom-Header", "value")})},
                                     newer);
    const std::vector<HeaderField> headers = {{"X-Custom-Header", "value"}};
    CHECK(routed(table_of({a, b}), "example.com", "/", headers) == "older");
    CHECK(routed(table_of({b, a}), "example.com", "/", headers) == "older");
    CHECK(routed(table_of({b, a}), "example.com", "/") == "-");
  }
}

TEST_CASE("routing::RouteTable header precedence (T6)", "[routing]")
{
  // From YAML, as the upstream test builds it: everything on example.com /api/ except
  // "different-path" on /other/.
  const std::string yaml = R"(
apiVersion: http.keda.sh/v1beta1
kind: InterceptorRoute
metadata: {name: foo}
spec:
  target: {service: foo, port: 80}
  scalingMetric: {concurrency: {targetValue: 1}}
  rules: [{hosts: [example.com], paths: [{value: /api/}], headers: [{name: X-Custom-Header, value: foo}]}]
---
apiVersion: http.keda.sh/v1beta1
kind: InterceptorRoute
metadata: {name: different-path}
spec:
  target: {service: dp, port: 80}
  scalingMetric: {concurrency: {targetValue: 1}}
  rules: [{hosts: [example.com], paths: [{value: /other/}], headers: [{name: X-Custom-Header, value: foo}]}]
---
apiVersion: http.keda.sh/v1beta1
kind: InterceptorRoute
metadata: {name: bar}
spec:
  target: {service: bar, port: 80}
  scalingMetric: {concurrency: {targetValue: 1}}
  rules: [{hosts: [example.com], paths: [{value: /api/}], headers: [{name: X-Custom-Header, value: bar}]}]
---
apiVersion: http.keda.sh/v1beta1
kind: InterceptorRoute
metadata: {name: baz}
spec:
  target: {service: baz, port: 80}
  scalingMetric: {concurrency: {targetValue: 1}}
  rules: [{hosts: [example.com], paths: [{value: /api/}]}]
---
apiVersion: http.keda.sh/v1beta1
kind: InterceptorRoute
metadata: {name: header-key-only}
spec:
  target: {service: hko, port: 80}
  scalingMetric: {concurrency: {targetValue: 1}}
  rules: [{hosts: [example.com], paths: [{value: /api/}], headers: [{name: X-Custom-Header}]}]
---
apiVersion: http.keda.sh/v1beta1
kind: InterceptorRoute
metadata: {name: many-headers}
spec:
  target: {service: mh, port: 80}
  scalingMetric: {concurrency: {targetValue: 1}}
  rules:
  - hosts: [example.com]
    paths: [{value: /api/}]
    headers: [{name: X-Custom-Header, value: foo}, {name: X-Another-Header, value: baz}]
---
apiVersion: http.keda.sh/v1beta1
kind: InterceptorRoute
metadata: {name: many-headers-but-key-only}
spec:
  target: {service: mhko, port: 80}
  scalingMetric: {concurrency: {targetValue: 1}}
  rules:
  - hosts: [example.com]
    paths: [{value: /api/}]
    headers: [{name: X-Custom-Header}, {name: X-Another-Header, value: baz}]
)";
  const RouteTable table(testutil::cluster_state(yaml));
  REQUIRE(table.routes().size() == 7);
  check_requests(
    table,
    {
      {"exact value foo", "example.com", "/api/v1/resource", {{"X-Custom-Header", "foo"}}, "foo"},
      {"exact value bar", "example.com", "/api/v1/resource", {{"X-Custom-Header", "bar"}}, "bar"},
      {"unrelated header falls to no-header route", "example.com", "/api/v1/resource", {{"X-Other-Header", "value"}},
       "baz"},
      {"no headers falls to no-header route", "example.com", "/api/v1/resource", {}, "baz"},
      {"other path with the header", "example.com", "/other/resource", {{"X-Custom-Header", "foo"}}, "different-path"},
      {"any value matches the presence matcher", "example.com", "/api/v1/resource", {{"X-Custom-Header", "any-value"}},
       "header-key-only"},
      {"other path without a matching value is no route", "example.com", "/other/resource",
       {{"X-Custom-Header", "non-matching"}}, "-"},
      {"two headers beat one", "example.com", "/api/v1/resource",
       {{"X-Custom-Header", "foo"}, {"X-Another-Header", "baz"}}, "many-headers"},
      {"two matchers, one valued (code-derived)", "example.com", "/api/v1/resource",
       {{"X-Custom-Header", "zzz"}, {"X-Another-Header", "baz"}}, "many-headers-but-key-only"},
    });

  SECTION("the entries on the key are in upstream's order")
  {
    const std::vector<std::string> dump = table.dump();
    std::vector<std::string> api;
    bool in_api = false;
    for (const std::string& line : dump) {
      if (line.front() != ' ') {
        in_api = line == "\"example.com/api/\":";
      } else if (in_api) {
        api.push_back(line.substr(5, line.find(' ', 5) - 5));
      }
    }
    CHECK(api == std::vector<std::string>{"default/many-headers", "default/many-headers-but-key-only", "default/foo",
                                          "default/bar", "default/header-key-only", "default/baz"});
  }
}

TEST_CASE("routing::RouteTable paths (T7)", "[routing]")
{
  SECTION("host only")
  {
    const RouteTable table = table_of({interceptor_route("test", {route_rule({"example.com"})})});
    check_requests(table, {
                            {"other host", "other.com", "/", {}, "-"},
                            {"any path", "example.com", "/any/path", {}, "test"},
                          });
  }
  SECTION("one prefix")
  {
    const RouteTable table = table_of({interceptor_route("api", {route_rule({"example.com"}, {"/api/"})})});
    check_requests(table, {
                            {"under the prefix", "example.com", "/api/v1/users", {}, "api"},
                            {"outside the prefix", "example.com", "/other/path", {}, "-"},
                          });
  }
  SECTION("the longest prefix wins")
  {
    const RouteTable table = table_of({interceptor_route("root", {route_rule({"example.com"}, {"/"})}),
                                       interceptor_route("api", {route_rule({"example.com"}, {"/api/"})})});
    check_requests(table, {
                            {"api", "example.com", "/api/v1", {}, "api"},
                            {"root", "example.com", "/other", {}, "root"},
                          });
  }
  SECTION("prefixes are segment-aware byte prefixes")
  {
    const RouteTable table = table_of({interceptor_route("api", {route_rule({"h"}, {"/api"})}),
                                       interceptor_route("v1", {route_rule({"h"}, {"/api/v1"})})});
    check_requests(table, {
                            {"/api", "h", "/api", {}, "api"},
                            {"/api/", "h", "/api/", {}, "api"},
                            {"/api/x", "h", "/api/x", {}, "api"},
                            {"/apix", "h", "/apix", {}, "-"},
                            {"/api/v1", "h", "/api/v1", {}, "v1"},
                            {"/api/v10", "h", "/api/v10", {}, "api"},
                            {"/api/v1/x", "h", "/api/v1/x", {}, "v1"},
                            {"no leading slash", "h", "api/v1", {}, "v1"},
                            {"paths are not cleaned", "h", "/api/../secret", {}, "api"},
                            {"double slash before the segment", "h", "//api", {}, "api"},
                            {"inner double slash breaks the prefix", "h", "/api//v1", {}, "api"},
                          });
  }
}

TEST_CASE("routing::RouteTable wildcards (T8, T11, T14)", "[routing]")
{
  SECTION("T8 a wildcard matches any depth below it")
  {
    const RouteTable table = table_of({interceptor_route("wild", {route_rule({"*.example.com"})})});
    check_requests(table, {
                            {"one label", "bar.example.com", "/", {}, "wild"},
                            {"two labels", "foo.bar.example.com", "/", {}, "wild"},
                            {"many labels", "a.b.c.example.com", "/", {}, "wild"},
                            {"other domain", "foo.other.com", "/", {}, "-"},
                            {"not the bare domain", "example.com", "/", {}, "-"},
                            {"port stripped", "bar.example.com:8080", "/", {}, "wild"},
                          });
  }
  SECTION("T11 a wildcard with a path")
  {
    const RouteTable table = table_of({interceptor_route("wild", {route_rule({"*.example.com"}, {"/api/"})})});
    check_requests(table, {
                            {"under the path", "bar.example.com", "/api/v1/users", {}, "wild"},
                            {"outside the path", "bar.example.com", "/other/", {}, "-"},
                          });
  }
  SECTION("T14 exact and wildcard rules of one route")
  {
    const RouteTable table = table_of(
      {interceptor_route("multi", {route_rule({"exact.example.com"}), route_rule({"*.wildcard.com"})})});
    check_requests(table, {
                            {"exact", "exact.example.com", "/", {}, "multi"},
                            {"wildcard", "foo.wildcard.com", "/", {}, "multi"},
                            {"deep wildcard", "bar.foo.wildcard.com", "/", {}, "multi"},
                            {"neither", "other.example.com", "/", {}, "-"},
                          });
  }
}

TEST_CASE("routing::RouteTable precedence (T9)", "[routing]")
{
  const auto exact = interceptor_route("exact", {route_rule({"foo.example.com"})});
  const auto wild = interceptor_route("wildcard", {route_rule({"*.example.com"})});
  const auto deeper = interceptor_route("deeper", {route_rule({"*.bar.example.com"})});
  const auto all = interceptor_route("catch-all", {route_rule({"*"})});

  SECTION("exact beats wildcard, either order")
  {
    CHECK(routed(table_of({exact, wild}), "foo.example.com", "/") == "exact");
    CHECK(routed(table_of({wild, exact}), "foo.example.com", "/") == "exact");
  }
  const RouteTable table = table_of({all, wild, deeper, exact});
  check_requests(table, {
                          {"more specific wildcard wins", "foo.bar.example.com", "/", {}, "deeper"},
                          {"falls back to the broader wildcard", "foo.baz.example.com", "/", {}, "wildcard"},
                          {"wildcard beats catch-all", "bar.example.com", "/", {}, "wildcard"},
                          {"catch-all takes the rest", "bar.other.com", "/", {}, "catch-all"},
                          {"exact in the full table", "foo.example.com", "/", {}, "exact"},
                        });
}

TEST_CASE("routing::RouteTable catch-all (T10)", "[routing]")
{
  SECTION("star")
  {
    const RouteTable table = table_of({interceptor_route("all", {route_rule({"*"})})});
    CHECK(routed(table, "localhost", "/") == "all");
    CHECK(routed(table, "foo.example.com", "/") == "all");
  }
  SECTION("empty host pattern")
  {
    const RouteTable table = table_of({interceptor_route("all", {route_rule({""})})});
    CHECK(routed(table, "anything.example.com", "/") == "all");
  }
  SECTION("a rule without hosts")
  {
    const RouteTable table = table_of({interceptor_route("all", {route_rule({}, {"/"})})});
    CHECK(routed(table, "example.com", "/") == "all");
  }
  SECTION("the empty rule is a global catch-all")
  {
    const RouteTable table = table_of({interceptor_route("all", {route_rule({})})});
    CHECK(routed(table, "example.com", "/x/y") == "all");
    CHECK(routed(table, "", "") == "all");
  }
}

TEST_CASE("routing::RouteTable multiple rules of one route (T12, T13)", "[routing]")
{
  SECTION("T12 host and path per rule")
  {
    const RouteTable table = table_of(
      {interceptor_route("multi", {route_rule({"alpha.example.com"}, {"/api/"}), route_rule({"beta.example.com"})})});
    check_requests(table, {
                            {"alpha under /api", "alpha.example.com", "/api/v1/resource", {}, "multi"},
                            {"alpha elsewhere", "alpha.example.com", "/other/", {}, "-"},
                            {"beta anywhere", "beta.example.com", "/anything", {}, "multi"},
                            {"gamma", "gamma.example.com", "/api/v1/resource", {}, "-"},
                          });
  }
  SECTION("T13 headers belong to their rule")
  {
    const RouteTable table = table_of({interceptor_route(
      "multi", {route_rule({"example.com"}, {"/api/"}, {header_match("X-Version", "v1")}),
                route_rule({"example.com"}, {"/web/"}, {header_match("X-Mode", "debug")})})});
    check_requests(table, {
                            {"api v1", "example.com", "/api/v1/resource", {{"X-Version", "v1"}}, "multi"},
                            {"api v2", "example.com", "/api/v1/resource", {{"X-Version", "v2"}}, "-"},
                            {"web debug", "example.com", "/web/dashboard", {{"X-Mode", "debug"}}, "multi"},
                            {"web prod", "example.com", "/web/dashboard", {{"X-Mode", "prod"}}, "-"},
                            {"api with the web header", "example.com", "/api/v1/resource", {{"X-Mode", "debug"}}, "-"},
                          });
  }
}

TEST_CASE("routing::RouteTable no fallback to shorter prefixes (2.2, 10.1)", "[routing]")
{
  const auto root = interceptor_route("A", {route_rule({"h"}, {"/"})});
  const auto api = interceptor_route("B", {route_rule({"h"}, {"/api"}, {header_match("X", "1")})});
  const auto wild = interceptor_route("W", {route_rule({"*.h"}, {"/"})});
  const auto all = interceptor_route("C", {route_rule({})});

  SECTION("header mismatch on the longest key skips the shorter key of the same host")
  {
    const RouteTable table = table_of({root, api});
    check_requests(table, {
                            {"without the header", "h", "/api/x", {}, "-"},
                            {"with the header", "h", "/api/x", {{"X", "1"}}, "B"},
                            {"other path", "h", "/other", {}, "A"},
                          });
  }
  SECTION("and moves on to the catch-all stage")
  {
    const RouteTable table = table_of({root, api, all});
    CHECK(routed(table, "h", "/api/x") == "C");
  }
  SECTION("and to the wildcard stage")
  {
    const auto sub_root = interceptor_route("A", {route_rule({"x.h"}, {"/"})});
    const auto sub_api = interceptor_route("B", {route_rule({"x.h"}, {"/api"}, {header_match("X", "1")})});
    const RouteTable table = table_of({sub_root, sub_api, wild, all});
    CHECK(routed(table, "x.h", "/api/x") == "W");
  }
  SECTION("explain says why")
  {
    const RouteTable table = table_of({root, api, all});
    const std::vector<std::string> lines = table.explain("h", "/api/x", {});
    INFO(testutil::lines_text(lines));
    REQUIRE(lines.size() == 9);
    CHECK(lines[0] == "request: host \"h\" -> hostname \"h\", path \"/api/x\", 0 headers");
    CHECK(lines[1] == "exact host: search key \"h/api/x/\"");
    CHECK(lines[2] == "  longest stored key \"h/api/\": 1 entry");
    CHECK(lines[3]
          == "  entry 1: default/B (InterceptorRoute, rule 0, headers X=\"1\"): no match: header \"X\" with value "
             "\"1\" not present");
    CHECK(lines[4] == "  no entry matches; shorter keys of this stage are not tried");
    CHECK(lines[5] == "catch-all: search key \"*/api/x/\"");
    CHECK(lines[6] == "  longest stored key \"*/\": 1 entry");
    CHECK(lines[7] == "  entry 1: default/C (InterceptorRoute, rule 0, no header matchers): matches");
    CHECK(lines[8] == "result: default/C");
  }
}

TEST_CASE("routing::RouteTable host stages (2.2 consequences)", "[routing]")
{
  SECTION("exact host beats a wildcard with a longer path")
  {
    const RouteTable table = table_of({interceptor_route("exact", {route_rule({"foo.example.com"}, {"/"})}),
                                       interceptor_route("wild", {route_rule({"*.example.com"}, {"/api"})})});
    CHECK(routed(table, "foo.example.com", "/api/x") == "exact");
  }
  SECTION("a more specific wildcard beats a broader one with a longer path")
  {
    const RouteTable table = table_of({interceptor_route("deeper", {route_rule({"*.bar.example.com"}, {"/"})}),
                                       interceptor_route("broad", {route_rule({"*.example.com"}, {"/api"})})});
    CHECK(routed(table, "foo.bar.example.com", "/api/x") == "deeper");
  }
  SECTION("a wildcard beats a catch-all with a longer path")
  {
    const RouteTable table = table_of({interceptor_route("wild", {route_rule({"*.example.com"})}),
                                       interceptor_route("all", {route_rule({}, {"/api"})})});
    CHECK(routed(table, "foo.example.com", "/api/x") == "wild");
  }
  const RouteTable table = table_of({interceptor_route("exact", {route_rule({"example.com"})}),
                                     interceptor_route("v6", {route_rule({"::1"})}),
                                     interceptor_route("v6-bracketed", {route_rule({"[::1]"})}),
                                     interceptor_route("v6-port", {route_rule({"[::2]:80"})})});
  check_requests(table, {
                          {"empty Host is routed by catch-alls only", "", "/", {}, "-"},
                          {"host matching is case-sensitive", "Example.COM", "/", {}, "-"},
                          {"no trailing-dot normalisation", "example.com.", "/", {}, "-"},
                          {"port stripped from Host", "example.com:8080", "/", {}, "exact"},
                          {"empty port stripped", "example.com:", "/", {}, "exact"},
                          {"IPv6 with port loses its brackets", "[::1]:8080", "/", {}, "v6"},
                          {"IPv6 without port keeps its brackets", "[::1]", "/", {}, "v6-bracketed"},
                          {"IPv6 pattern with port", "[::2]:443", "/", {}, "v6-port"},
                          {"Host \"*\" hits the catch-all keys only", "*", "/", {}, "-"},
                        });
  SECTION("an empty Host reaches a catch-all")
  {
    const RouteTable with_all = table_of({interceptor_route("exact", {route_rule({"example.com"})}),
                                          interceptor_route("all", {route_rule({"*"})})});
    CHECK(routed(with_all, "", "/") == "all");
    CHECK(routed(with_all, "*", "/") == "all");
  }
}

TEST_CASE("routing::RouteTable tie-breaks on one key (2.1, 10.2)", "[routing]")
{
  const std::vector<HeaderField> none;
  const std::vector<HeaderField> x1 = {{"X", "1"}};

  SECTION("namespace descending, then name descending")
  {
    const auto a = interceptor_route("app", {route_rule({"h"})}, {}, "alpha");
    const auto b = interceptor_route("app", {route_rule({"h"})}, {}, "beta");
    CHECK(table_of({a, b}).match("h", "/", none)->key == "beta/app");
    CHECK(table_of({b, a}).match("h", "/", none)->key == "beta/app");
    const auto c = interceptor_route("one", {route_rule({"h"})});
    const auto d = interceptor_route("two", {route_rule({"h"})});
    CHECK(routed(table_of({c, d}), "h", "/") == "two");
    CHECK(routed(table_of({d, c}), "h", "/") == "two");
  }
  SECTION("age beats namespace and name")
  {
    const auto young = interceptor_route("zz", {route_rule({"h"})}, "2024-01-02T00:00:00Z", "zz");
    const auto old = interceptor_route("aa", {route_rule({"h"})}, "2024-01-01T00:00:00Z", "aa");
    CHECK(routed(table_of({young, old}), "h", "/") == "aa");
  }
  SECTION("no timestamp is Go's zero time: older than any")
  {
    const auto stamped = interceptor_route("stamped", {route_rule({"h"})}, "1970-01-01T00:00:00Z", "zz");
    const auto unstamped = interceptor_route("unstamped", {route_rule({"h"})}, "", "aa");
    CHECK(routed(table_of({stamped, unstamped}), "h", "/") == "unstamped");
  }
  SECTION("an unparseable timestamp counts as the zero time")
  {
    const auto stamped = interceptor_route("stamped", {route_rule({"h"})}, "1970-01-01T00:00:00Z", "zz");
    const auto garbage = interceptor_route("garbage", {route_rule({"h"})}, "yesterday", "aa");
    const auto bad_day = interceptor_route("bad-day", {route_rule({"h"})}, "2023-02-29T00:00:00Z", "ab");
    CHECK(routed(table_of({stamped, garbage}), "h", "/") == "garbage");
    CHECK(routed(table_of({stamped, bad_day}), "h", "/") == "bad-day");
  }
  SECTION("offsets and fractions are honoured")
  {
    // 12:30+02:00 is 10:30Z, older than 11:00Z.
    const auto offset = interceptor_route("offset", {route_rule({"h"})}, "2024-01-01T12:30:00+02:00", "aa");
    const auto utc = interceptor_route("utc", {route_rule({"h"})}, "2024-01-01T11:00:00Z", "zz");
    CHECK(routed(table_of({utc, offset}), "h", "/") == "offset");
    const auto early = interceptor_route("early", {route_rule({"h"})}, "2024-01-01T11:00:00.25Z", "aa");
    const auto late = interceptor_route("late", {route_rule({"h"})}, "2024-01-01T11:00:00.5Z", "zz");
    CHECK(routed(table_of({late, early}), "h", "/") == "early");
    const auto west = interceptor_route("west", {route_rule({"h"})}, "2024-01-01T06:00:00-06:00", "aa");
    CHECK(routed(table_of({west, utc}), "h", "/") == "utc"); // west is 12:00Z
  }
  SECTION("more header matchers beat age")
  {
    const auto old = interceptor_route("old", {route_rule({"h"})}, "2020-01-01T00:00:00Z");
    const auto young = interceptor_route("young", {route_rule({"h"}, {}, {header_match("X", "1")})},
                                         "2024-01-01T00:00:00Z");
    CHECK(routed(table_of({old, young}), "h", "/", x1) == "young");
    CHECK(routed(table_of({old, young}), "h", "/", none) == "old");
  }
  SECTION("more valued matchers beat age")
  {
    const auto presence = interceptor_route("presence", {route_rule({"h"}, {}, {header_match("X")})},
                                            "2020-01-01T00:00:00Z");
    const auto valued = interceptor_route("valued", {route_rule({"h"}, {}, {header_match("X", "1")})},
                                          "2024-01-01T00:00:00Z");
    CHECK(routed(table_of({presence, valued}), "h", "/", x1) == "valued");
    const std::vector<HeaderField> x2 = {{"X", "2"}};
    CHECK(routed(table_of({presence, valued}), "h", "/", x2) == "presence");
  }
  SECTION("tie-breaks only order entries of the same key")
  {
    // The longer key wins even though the other route is older and has more headers.
    const auto old = interceptor_route("old", {route_rule({"h"}, {"/"}, {header_match("X", "1")})},
                                       "2020-01-01T00:00:00Z");
    const auto young = interceptor_route("young", {route_rule({"h"}, {"/api"})}, "2024-01-01T00:00:00Z");
    CHECK(routed(table_of({old, young}), "h", "/api", x1) == "young");
  }
}

TEST_CASE("routing::RouteTable routes and keys (TB4, TB5, 10.3)", "[routing]")
{
  const auto test_ir = interceptor_route("test-ir", {route_rule({"example.com"})});
  const auto no_rules = interceptor_route("no-rules", {});

  SECTION("TB5 every route has a counter key, also without traffic")
  {
    const RouteTable table = table_of({test_ir});
    CHECK(table.keys() == std::vector<std::string>{"default/test-ir"});
    REQUIRE(table.find("default/test-ir") != nullptr);
    CHECK(table.find("default/test-ir")->route.meta.name == "test-ir");
    CHECK(table.find("default/other") == nullptr);
  }
  SECTION("TB4 a rebuild adds and removes routes and their keys")
  {
    const RouteTable before = table_of({});
    CHECK(routed(before, "example.com", "/") == "-");
    const RouteTable added = table_of({test_ir});
    CHECK(routed(added, "example.com", "/") == "test-ir");
    CHECK(added.keys() == std::vector<std::string>{"default/test-ir"});
    const RouteTable deleted = table_of({});
    CHECK(routed(deleted, "example.com", "/") == "-");
    CHECK(deleted.keys().empty());
  }
  SECTION("a route without rules is never matched but keeps its key")
  {
    const RouteTable table = table_of({no_rules});
    CHECK(routed(table, "example.com", "/") == "-");
    CHECK(routed(table, "", "") == "-");
    CHECK(table.keys() == std::vector<std::string>{"default/no-rules"});
    CHECK(table.key_count() == 0);
  }
  SECTION("keys are sorted and unique; duplicates of one object keep the first")
  {
    auto dup = interceptor_route("test-ir", {route_rule({"dup.example.com"})});
    const RouteTable table =
      table_of({interceptor_route("b", {route_rule({"b"})}, {}, "z"), test_ir, dup,
                interceptor_route("a", {route_rule({"a"})}, {}, "z")});
    CHECK(table.keys() == std::vector<std::string>{"default/test-ir", "z/a", "z/b"});
    CHECK(routed(table, "dup.example.com", "/") == "-");
    CHECK(table.routes().size() == 3);
  }
  SECTION("one route on several keys, and twice on one key via two rules")
  {
    const RouteTable table = table_of({interceptor_route(
      "multi", {route_rule({"a.com", "b.com"}, {"/x", "/y"}), route_rule({"a.com"}, {"/x"}, {header_match("H")})})});
    CHECK(table.key_count() == 4);
    CHECK(routed(table, "b.com", "/y/z") == "multi");
    const std::vector<std::string> dump = table.dump();
    INFO(testutil::lines_text(dump));
    CHECK(std::count(dump.begin(), dump.end(), "  2. default/multi (InterceptorRoute, rule 0, no header matchers)") == 1);
  }
}

TEST_CASE("routing::RouteTable HTTPScaledObjects (TB6)", "[routing]")
{
  const std::string hso = R"(
apiVersion: http.keda.sh/v1alpha1
kind: HTTPScaledObject
metadata: {name: test-httpso, namespace: default}
spec:
  hosts: [example.com]
  scaleTargetRef: {name: app, kind: Deployment, apiVersion: apps/v1, service: app, port: 8080}
)";
  const std::string ir_same_name = R"(
apiVersion: http.keda.sh/v1beta1
kind: InterceptorRoute
metadata: {name: test-httpso, namespace: default}
spec:
  target: {service: ir-app, port: 80}
  scalingMetric: {concurrency: {targetValue: 1}}
  rules: [{hosts: [ir.example.com]}]
)";

  SECTION("routable by its hosts, with its key")
  {
    const RouteTable table(testutil::cluster_state(hso));
    const Route* route = table.match("example.com", "/test", {});
    REQUIRE(route != nullptr);
    CHECK(route->key == "default/test-httpso");
    CHECK(route->legacy);
    CHECK(route->route.target_service == "app");
    CHECK(table.keys() == std::vector<std::string>{"default/test-httpso"});
    CHECK(routed(table, "unknown.example.com", "/test") == "-");
  }
  SECTION("deleting it removes the route and the key")
  {
    const RouteTable table(testutil::cluster_state(""));
    CHECK(routed(table, "example.com", "/test") == "-");
    CHECK(table.keys().empty());
  }
  SECTION("an InterceptorRoute with the same namespace/name wins; the HTTPScaledObject is skipped")
  {
    for (const std::string& yaml : {hso + "---" + ir_same_name, ir_same_name + "---" + hso}) {
      const RouteTable table(testutil::cluster_state(yaml));
      CHECK(routed(table, "example.com", "/") == "-");
      const Route* route = table.match("ir.example.com", "/", {});
      REQUIRE(route != nullptr);
      CHECK_FALSE(route->legacy);
      CHECK(table.keys() == std::vector<std::string>{"default/test-httpso"});
      CHECK(table.routes().size() == 1);
    }
  }
  SECTION("an empty HTTPScaledObject catches everything")
  {
    const RouteTable table(testutil::cluster_state(R"(
apiVersion: http.keda.sh/v1alpha1
kind: HTTPScaledObject
metadata: {name: all}
spec:
  scaleTargetRef: {service: app, port: 8080}
)"));
    CHECK(routed(table, "anything.example.com", "/a/b") == "all");
    CHECK(routed(table, "", "") == "all");
  }
  SECTION("path prefixes and headers of an HTTPScaledObject route like an InterceptorRoute rule")
  {
    const RouteTable table(testutil::cluster_state(R"(
apiVersion: http.keda.sh/v1alpha1
kind: HTTPScaledObject
metadata: {name: api}
spec:
  hosts: [example.com]
  pathPrefixes: [/api, /v2]
  headers: [{name: X-Tenant, value: blue}]
  scaleTargetRef: {service: app, port: 8080}
)"));
    const std::vector<HeaderField> blue = {{"x-tenant", "blue"}};
    CHECK(routed(table, "example.com", "/api/x", blue) == "api");
    CHECK(routed(table, "example.com", "/v2", blue) == "api");
    CHECK(routed(table, "example.com", "/v3", blue) == "-");
    CHECK(routed(table, "example.com", "/api/x") == "-");
  }
}

TEST_CASE("routing::RouteTable explain and dump", "[routing]")
{
  const RouteTable table = table_of({interceptor_route("exact", {route_rule({"foo.example.com"}, {"/api"})}),
                                     interceptor_route("wild", {route_rule({"*.example.com"})}, "2024-01-01T00:00:00Z")});
  SECTION("a wildcard hit after an exact-host miss")
  {
    const std::vector<std::string> lines = table.explain("foo.example.com:8080", "/web", {});
    CHECK(testutil::lines_text(lines)
          == "request: host \"foo.example.com:8080\" -> hostname \"foo.example.com\", path \"/web\", 0 headers\n"
             "exact host: search key \"foo.example.com/web/\"\n"
             "  no stored key is a prefix of it\n"
             "wildcard: search key \"*.example.com/web/\"\n"
             "  longest stored key \"*.example.com/\": 1 entry\n"
             "  entry 1: default/wild (InterceptorRoute, rule 0, no header matchers, created "
             "2024-01-01T00:00:00Z): matches\n"
             "result: default/wild\n");
  }
  SECTION("no route at all")
  {
    const std::vector<HeaderField> one = {{"A", "b"}};
    const std::vector<std::string> lines = table.explain("localhost", "/", one);
    CHECK(testutil::lines_text(lines)
          == "request: host \"localhost\" -> hostname \"localhost\", path \"/\", 1 header\n"
             "exact host: search key \"localhost/\"\n"
             "  no stored key is a prefix of it\n"
             "catch-all: search key \"*/\"\n"
             "  no stored key is a prefix of it\n"
             "result: no route (404)\n");
  }
  SECTION("explain agrees with match")
  {
    for (const char* host : {"foo.example.com", "a.foo.example.com", "example.com", "", "x.example.com:1"}) {
      for (const char* path : {"/", "/api", "/api/x", "/apix", ""}) {
        const Route* route = table.match(host, path, {});
        const std::string expected = route ? "result: " + route->key : "result: no route (404)";
        CHECK(table.explain(host, path, {}).back() == expected);
      }
    }
  }
  SECTION("dump lists every key and its entries, sorted by key")
  {
    CHECK(testutil::lines_text(table.dump())
          == "\"*.example.com/\":\n"
             "  1. default/wild (InterceptorRoute, rule 0, no header matchers, created 2024-01-01T00:00:00Z)\n"
             "\"foo.example.com/api/\":\n"
             "  1. default/exact (InterceptorRoute, rule 0, no header matchers)\n");
  }
}

TEST_CASE("routing::RouteTable odd inputs", "[routing]")
{
  SECTION("a path longer than the stack buffer")
  {
    const std::string deep = "/api/" + std::string(5000, 'x');
    const RouteTable table = table_of({interceptor_route("api", {route_rule({"h"}, {"/api"})}),
                                       interceptor_route("long", {route_rule({"h"}, {deep})})});
    CHECK(routed(table, "h", deep + "/tail") == "long");
    CHECK(routed(table, "h", deep + "y") == "api");
    CHECK(routed(table, std::string(3000, 'h'), "/") == "-");
  }
  SECTION("many slashes in the path")
  {
    const RouteTable table = table_of({interceptor_route("root", {route_rule({"h"})})});
    CHECK(routed(table, "h", std::string(10000, '/')) == "root");
    CHECK(routed(table, "h", "/a" + std::string(10000, '/') + "b") == "root");
  }
  SECTION("a host pattern containing a slash acts as a longer key, as in upstream's radix tree")
  {
    const RouteTable table = table_of({interceptor_route("odd", {route_rule({"example.com/api"})}),
                                       interceptor_route("plain", {route_rule({"example.com"})})});
    CHECK(routed(table, "example.com", "/api/x") == "odd");
    CHECK(routed(table, "example.com", "/web") == "plain");
  }
  SECTION("many hosts and paths")
  {
    std::vector<spec::InterceptorRoute> routes;
    for (int i = 0; i < 200; ++i) {
      routes.push_back(interceptor_route("r" + std::to_string(i),
                                         {route_rule({"h" + std::to_string(i % 10) + ".example.com"},
                                                     {"/p" + std::to_string(i / 10), "/p" + std::to_string(i / 10)
                                                                                        + "/deep/" + std::to_string(i)})}));
    }
    const RouteTable table(routes);
    CHECK(routed(table, "h3.example.com", "/p7/x") == "r73");
    CHECK(routed(table, "h3.example.com", "/p7/deep/73/z") == "r73");
    CHECK(routed(table, "h3.example.com", "/p7/deep/74") == "r73");
    CHECK(routed(table, "h3.example.com", "/p70") == "-");
  }
}
