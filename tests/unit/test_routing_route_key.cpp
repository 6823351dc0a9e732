// Routing keys (spec/interceptor.md 2.1 and 2.5 "Keys", upstream pkg/routing/key_test.go):
// NewKey (K1-K8), rule keys (K11), StripPort (K12) and wildcard candidates (K13).

#include <kedahttp/routing/route_key.hpp>

#include "testutil/routes.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace kedahttp;
using namespace kedahttp::routing;

namespace {

struct KeyCase {
  const char* name;
  const char* hostname;
  const char* path;
  const char* expected;
};

struct RuleKeysCase {
  const char* name;
  spec::RouteRule rule;
  std::vector<std::string> expected;
};

struct StripCase {
  const char* host;
  const char* expected;
};

struct WildcardCase {
  const char* hostname;
  std::vector<std::string> expected;
};

} // namespace

TEST_CASE("routing::make_key builds NewKey keys (K1-K8)", "[routing]")
{
  const std::vector<KeyCase> cases = {
    {"K1 empty host and path", "", "", "/"},
    {"K2 host only", "example.com", "", "example.com/"},
    {"K3 path only", "", "/api/v1", "/api/v1/"},
    {"K4 host and path", "example.com", "/api/v1", "example.com/api/v1/"},
    {"K5 leading slashes", "", "///api", "/api/"},
    {"K6 trailing slashes", "", "api///", "/api/"},
    {"K7 slashes on both ends", "", "///api///", "/api/"},
    {"K8 inner slashes kept, outer ones dropped", "k8s.io", "//abc/def//", "k8s.io/abc/def/"},
    {"root path is the host key", "example.com", "/", "example.com/"},
    {"inner double slash kept", "h", "/a//b", "h/a//b/"},
    {"dot segments are not cleaned", "h", "/api/../secret", "h/api/../secret/"},
  };
  for (const KeyCase& c : cases) {
    DYNAMIC_SECTION(c.name)
    {
      CHECK(make_key(c.hostname, c.path) == c.expected);
    }
  }
}

TEST_CASE("routing::trim_slashes", "[routing]")
{
  CHECK(trim_slashes("") == "");
  CHECK(trim_slashes("/") == "");
  CHECK(trim_slashes("////") == "");
  CHECK(trim_slashes("/api/") == "api");
  CHECK(trim_slashes("a//b") == "a//b");
  CHECK(trim_slashes("//a/b//") == "a/b");
}

TEST_CASE("routing::rule_keys builds hosts x paths (K11)", "[routing]")
{
  using testutil::route_rule;
  const std::vector<RuleKeysCase> cases = {
    {"single host and path", route_rule({"example.com"}, {"/api"}), {"example.com/api/"}},
    {"cartesian product in rule order",
     route_rule({"a.com", "b.com"}, {"/x", "/y"}),
     {"a.com/x/", "a.com/y/", "b.com/x/", "b.com/y/"}},
    {"no hosts is the catch-all", route_rule({}, {"/api"}), {"*/api/"}},
    {"no paths is the root", route_rule({"example.com"}), {"example.com/"}},
    {"the empty rule", route_rule({}), {"*/"}},
    {"star host", route_rule({"*"}, {"/api"}), {"*/api/"}},
    {"empty host", route_rule({""}, {"/api"}), {"*/api/"}},
    {"port stripped from the host pattern", route_rule({"example.com:8080"}, {"/api"}), {"example.com/api/"}},
    {"a port-only pattern is a catch-all", route_rule({":8080"}), {"*/"}},
    {"star with a port is a catch-all", route_rule({"*:80"}), {"*/"}},
    {"wildcard pattern kept as written", route_rule({"*.example.com:443"}, {"/"}), {"*.example.com/"}},
    {"IPv6 pattern with port", route_rule({"[::1]:8080"}), {"::1/"}},
    {"header matchers do not change keys",
     route_rule({"example.com"}, {}, {testutil::header_match("X-A", "1")}),
     {"example.com/"}},
  };
  for (const RuleKeysCase& c : cases) {
    DYNAMIC_SECTION(c.name)
    {
      CHECK(rule_keys(c.rule) == c.expected);
    }
  }
}

TEST_CASE("routing::strip_port follows net.SplitHostPort (K12)", "[routing]")
{
  const std::vector<StripCase> cases = {
    // K12
    {"example.com", "example.com"},
    {"example.com:8080", "example.com"},
    {"", ""},
    {"[::1]:8080", "::1"},
    {"localhost:3000", "localhost"},
    // further SplitHostPort behaviour
    {"[::1]", "[::1]"},            // missing port: unchanged
    {"::1", "::1"},                // too many colons: unchanged
    {"a:b:c", "a:b:c"},
    {"example.com:", "example.com"}, // an empty port is accepted
    {":8080", ""},
    {"example.com:http", "example.com"}, // the port is not checked
    {"[::1]x:80", "[::1]x:80"},
    {"[::1]::80", "[::1]::80"},
    {"a]:80", "a]:80"},
    {"a[:80", "a[:80"},
    {"[a:80", "[a:80"},
    {"[fe80::1%eth0]:443", "fe80::1%eth0"},
  };
  for (const StripCase& c : cases) {
    DYNAMIC_SECTION(c.host)
    {
      CHECK(strip_port(c.host) == c.expected);
    }
  }
}

TEST_CASE("routing::key_host and is_catch_all_host", "[routing]")
{
  CHECK(is_catch_all_host(""));
  CHECK(is_catch_all_host("*"));
  CHECK_FALSE(is_catch_all_host("*.com"));
  CHECK(key_host("") == "*");
  CHECK(key_host("*") == "*");
  CHECK(key_host(":80") == "*");
  CHECK(key_host("Example.COM:80") == "Example.COM"); // no case folding
  CHECK(key_host("example.com.") == "example.com."); // no trailing-dot normalisation
}

TEST_CASE("routing::wildcard_hosts lists wildcards most specific first (K13)", "[routing]")
{
  const std::vector<WildcardCase> cases = {
    {"a.b.example.com", {"*.b.example.com", "*.example.com", "*.com"}},
    {"localhost", {}},
    {"", {}},
    {"example.com", {"*.com"}},
    {".com", {"*.com"}},
    {"a..b", {"*..b", "*.b"}},
    {"a.b.", {"*.b.", "*."}},
    {"1.2.3.4", {"*.2.3.4", "*.3.4", "*.4"}},
  };
  for (const WildcardCase& c : cases) {
    DYNAMIC_SECTION("\"" << c.hostname << "\"")
    {
      CHECK(wildcard_hosts(c.hostname) == c.expected);
    }
  }
}
