// Host, path and name primitives of `validate` (spec/manifests.md 1.1, 1.2 and 6):
// the interceptor's matching rules (exact, case-sensitive, port stripped, "*.x"
// at any depth, "*" and "" as catch-alls, segment-wise path prefixes) and the
// Kubernetes name checks with the API server's exact wording.

#include <kedahttp/validate/hosts.hpp>
#include <kedahttp/validate/names.hpp>

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

using namespace kedahttp::validate;

namespace {

struct HostCase {
  const char* name;
  const char* pattern;
  const char* host;
  bool expected;
};

struct NameCase {
  const char* value;
  std::optional<std::string> error; // nothing: valid
};

const std::string k_label_msg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end "
  "with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const std::string k_subdomain_msg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start "
  "and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const std::string k_dns1035_msg =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
  "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation "
  "is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const std::string k_wildcard_msg =
  "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of "
  "lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', "
  "regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const std::string k_label_value_msg =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start "
  "and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation "
  "is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const std::string k_qualified_msg =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character "
  "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
  "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

std::string
repeat(char c, size_t n)
{
  return std::string(n, c);
}

} // namespace

TEST_CASE("validate::strip_port strips like the interceptor's StripPort (net.SplitHostPort)", "[hosts]")
{
  CHECK(strip_port("app.example.com:8080") == "app.example.com");
  CHECK(strip_port("app.example.com") == "app.example.com");
  CHECK(strip_port("app.example.com:") == "app.example.com"); // empty port is accepted by Go
  CHECK(strip_port("*.example.com:443") == "*.example.com");
  CHECK(strip_port("*:8080") == "*");
  CHECK(strip_port(":8080") == "");
  CHECK(strip_port("") == "");
  // IPv6: brackets go with the port; without a port the literal stays as written.
  CHECK(strip_port("[::1]:8080") == "::1");
  CHECK(strip_port("[::1]") == "[::1]");
  CHECK(strip_port("::1") == "::1");
  CHECK(strip_port("[::1]x:80") == "[::1]x:80");
  CHECK(strip_port("a:b:c") == "a:b:c");
  CHECK(strip_port("a]:80") == "a]:80");
}

TEST_CASE("validate::is_wildcard", "[hosts]")
{
  CHECK(is_wildcard("*.example.com"));
  CHECK(is_wildcard("*.com"));
  CHECK_FALSE(is_wildcard("*"));
  CHECK_FALSE(is_wildcard("*."));
  CHECK_FALSE(is_wildcard("*example.com"));
  CHECK_FALSE(is_wildcard("a.*.com"));
  CHECK_FALSE(is_wildcard(""));
}

TEST_CASE("validate::interceptor_covers follows the interceptor's host matching", "[hosts]")
{
  const std::vector<HostCase> cases = {
    {"exact host matches itself", "app.example.com", "app.example.com", true},
    {"exact host does not match another", "app.example.com", "api.example.com", false},
    {"matching is case-sensitive", "app.example.com", "App.example.com", false},
    {"uppercase pattern never matches lowercase", "App.Example.com", "app.example.com", false},
    {"no trailing-dot normalisation", "app.example.com", "app.example.com.", false},
    {"wildcard matches one label down", "*.example.com", "a.example.com", true},
    {"wildcard matches any depth", "*.example.com", "a.b.c.example.com", true},
    {"wildcard does not match the bare domain", "*.example.com", "example.com", false},
    {"wildcard needs a dot boundary", "*.example.com", "myexample.com", false},
    {"wildcard is case-sensitive", "*.example.com", "a.Example.com", false},
    {"wildcard covers itself", "*.example.com", "*.example.com", true},
    {"wildcard covers a narrower wildcard", "*.example.com", "*.a.example.com", true},
    {"wildcard does not cover a broader wildcard", "*.a.example.com", "*.example.com", false},
    {"wildcard does not cover a sibling wildcard", "*.a.example.com", "*.b.example.com", false},
    {"exact pattern does not cover a wildcard host", "a.example.com", "*.example.com", false},
    {"star catch-all covers an exact host", "*", "a.example.com", true},
    {"star catch-all covers a wildcard host", "*", "*.example.com", true},
    {"empty catch-all covers everything", "", "anything.example.com", true},
    {"a star that is not a whole label is literal", "*app.example.com", "myapp.example.com", false},
    {"a literal star pattern matches only itself", "*app.example.com", "*app.example.com", true},
  };
  for (const HostCase& c : cases) {
    DYNAMIC_SECTION(c.name)
    {
      CHECK(interceptor_covers(c.pattern, c.host) == c.expected);
    }
  }
}

TEST_CASE("validate::route_wildcard_contains: any depth for Gateway API and Istio, one label for Ingress", "[hosts]")
{
  CHECK(route_wildcard_contains("*.a.com", "x.a.com"));
  CHECK(route_wildcard_contains("*.a.com", "y.x.a.com"));
  CHECK(route_wildcard_contains("*.a.com", "*.x.a.com"));
  CHECK_FALSE(route_wildcard_contains("*.a.com", "*.a.com")); // the same set, not a part of it
  CHECK_FALSE(route_wildcard_contains("*.a.com", "a.com"));
  CHECK_FALSE(route_wildcard_contains("*.a.com", "xa.com"));
  CHECK_FALSE(route_wildcard_contains("*.a.com", "x.b.com"));
  CHECK_FALSE(route_wildcard_contains("x.a.com", "x.a.com")); // not a wildcard
  CHECK_FALSE(route_wildcard_contains("*", "x.a.com"));

  // Ingress: "*.a.com" matches "x.a.com" but not "y.x.a.com" (kubernetes/website Ingress wildcard table).
  CHECK(route_wildcard_contains("*.a.com", "x.a.com", true));
  CHECK_FALSE(route_wildcard_contains("*.a.com", "y.x.a.com", true));
  CHECK_FALSE(route_wildcard_contains("*.a.com", "*.x.a.com", true));
  CHECK_FALSE(route_wildcard_contains("*.a.com", "a.com", true));
}

TEST_CASE("validate::path_prefix_covers is segment-wise and ignores leading and trailing '/'", "[hosts]")
{
  CHECK(path_prefix_covers("/api", "/api"));
  CHECK(path_prefix_covers("/api", "/api/"));
  CHECK(path_prefix_covers("/api", "/api/x"));
  CHECK(path_prefix_covers("/api", "/api/x/y"));
  CHECK_FALSE(path_prefix_covers("/api", "/apix"));
  CHECK_FALSE(path_prefix_covers("/api", "/ap"));
  CHECK_FALSE(path_prefix_covers("/api", "/"));
  CHECK_FALSE(path_prefix_covers("/api/v1", "/api"));
  CHECK(path_prefix_covers("/api/", "/api/x"));
  CHECK(path_prefix_covers("api", "/api/x"));
  CHECK(path_prefix_covers("//api//", "/api"));
  CHECK(path_prefix_covers("/", "/anything"));
  CHECK(path_prefix_covers("/", "/"));
  CHECK(path_prefix_covers("", "/x"));
  CHECK(path_prefix_covers("/api/v1", "/api/v1/users"));
  CHECK_FALSE(path_prefix_covers("/api/v1", "/api/v10"));
  CHECK_FALSE(path_prefix_covers("/API", "/api")); // case-sensitive
}

TEST_CASE("validate::is_dns1123_label and dns1123_label_error", "[names]")
{
  const std::vector<NameCase> cases = {
    {"a", std::nullopt},
    {"my-name", std::nullopt},
    {"123-abc", std::nullopt},
    {"0", std::nullopt},
    {"", k_label_msg},
    {"-a", k_label_msg},
    {"a-", k_label_msg},
    {"My-name", k_label_msg},
    {"a.b", k_label_msg},
    {"a_b", k_label_msg},
  };
  for (const NameCase& c : cases) {
    DYNAMIC_SECTION("'" << c.value << "'")
    {
      CHECK(dns1123_label_error(c.value) == c.error);
      CHECK(is_dns1123_label(c.value) == !c.error);
    }
  }
  CHECK(is_dns1123_label(repeat('a', 63)));
  CHECK_FALSE(is_dns1123_label(repeat('a', 64)));
  CHECK(dns1123_label_error(repeat('a', 64)) == "must be no more than 63 characters");
}

TEST_CASE("validate::is_dns1123_subdomain and dns1123_subdomain_error", "[names]")
{
  const std::vector<NameCase> cases = {
    {"example.com", std::nullopt},
    {"a", std::nullopt},
    {"a-b.c-d.e", std::nullopt},
    {"1.2.3.4", std::nullopt}, // the pattern does not reject IPs
    {"", k_subdomain_msg},
    {"Example.com", k_subdomain_msg},
    {"a..b", k_subdomain_msg},
    {".a", k_subdomain_msg},
    {"a.", k_subdomain_msg},
    {"a.-b", k_subdomain_msg},
    {"*.a.com", k_subdomain_msg},
    {"a_b.com", k_subdomain_msg},
  };
  for (const NameCase& c : cases) {
    DYNAMIC_SECTION("'" << c.value << "'")
    {
      CHECK(dns1123_subdomain_error(c.value) == c.error);
      CHECK(is_dns1123_subdomain(c.value) == !c.error);
    }
  }
  // Only the whole name is length-checked, not each label.
  const std::string long_label = repeat('a', 100) + ".com";
  CHECK(is_dns1123_subdomain(long_label));
  const std::string max = repeat('a', 63) + "." + repeat('b', 63) + "." + repeat('c', 63) + "." + repeat('d', 61);
  REQUIRE(max.size() == 253);
  CHECK(is_dns1123_subdomain(max));
  CHECK_FALSE(is_dns1123_subdomain(max + "d"));
  CHECK(dns1123_subdomain_error(max + "d") == "must be no more than 253 characters");
}

TEST_CASE("validate::is_dns1035_label and dns1035_label_error", "[names]")
{
  const std::vector<NameCase> cases = {
    {"a", std::nullopt},
    {"keda-add-ons-http-interceptor-proxy", std::nullopt},
    {"abc-123", std::nullopt},
    {"1abc", k_dns1035_msg},
    {"", k_dns1035_msg},
    {"a-", k_dns1035_msg},
    {"A", k_dns1035_msg},
    {"a.b", k_dns1035_msg},
  };
  for (const NameCase& c : cases) {
    DYNAMIC_SECTION("'" << c.value << "'")
    {
      CHECK(dns1035_label_error(c.value) == c.error);
      CHECK(is_dns1035_label(c.value) == !c.error);
    }
  }
  CHECK(dns1035_label_error(repeat('a', 64)) == "must be no more than 63 characters");
}

TEST_CASE("validate::is_wildcard_dns1123_subdomain and its error", "[names]")
{
  const std::vector<NameCase> cases = {
    {"*.bar.com", std::nullopt},
    {"*.com", std::nullopt},
    {"*.*.bar.com", k_wildcard_msg},
    {"*.foo.*.com", k_wildcard_msg},
    {"*bar.com", k_wildcard_msg},
    {"f*.bar.com", k_wildcard_msg},
    {"*", k_wildcard_msg},
    {"*.", k_wildcard_msg},
    {"bar.com", k_wildcard_msg},
    {"*.Bar.com", k_wildcard_msg},
  };
  for (const NameCase& c : cases) {
    DYNAMIC_SECTION("'" << c.value << "'")
    {
      CHECK(wildcard_dns1123_subdomain_error(c.value) == c.error);
      CHECK(is_wildcard_dns1123_subdomain(c.value) == !c.error);
    }
  }
  CHECK(wildcard_dns1123_subdomain_error("*." + repeat('a', 252)) == "must be no more than 253 characters");
}

TEST_CASE("validate::is_ip_address", "[names]")
{
  CHECK(is_ip_address("10.0.0.1"));
  CHECK(is_ip_address("::1"));
  CHECK(is_ip_address("2001:db8::1"));
  CHECK_FALSE(is_ip_address("10.0.0"));
  CHECK_FALSE(is_ip_address("10.0.0.256"));
  CHECK_FALSE(is_ip_address("010.0.0.1")); // leading zeros, rejected like Go's ParseIP
  CHECK_FALSE(is_ip_address("[::1]"));
  CHECK_FALSE(is_ip_address("example.com"));
  CHECK_FALSE(is_ip_address(""));
}

TEST_CASE("validate::is_http_token accepts RFC 7230 tokens", "[names]")
{
  CHECK(is_http_token("X-Forwarded-For"));
  CHECK(is_http_token("!#$%&'*+-.^_`|~09azAZ"));
  CHECK_FALSE(is_http_token(""));
  CHECK_FALSE(is_http_token("a b"));
  CHECK_FALSE(is_http_token("a:b"));
  CHECK_FALSE(is_http_token("a\"b"));
  CHECK_FALSE(is_http_token("a/b"));
}

TEST_CASE("validate::iana_svc_name_error gives IsValidPortName's first message", "[names]")
{
  const std::vector<NameCase> cases = {
    {"proxy", std::nullopt},
    {"proxy-tls", std::nullopt},
    {"h2c", std::nullopt},
    {"a", std::nullopt},
    {"", "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"},
    {"Proxy", "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"},
    {"pro_xy", "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"},
    {"8080", "must contain at least one letter (a-z)"},
    {"1--2", "must contain at least one letter (a-z)"}, // the letter rule comes before the hyphen rules
    {"a--b", "must not contain consecutive hyphens"},
    {"-a", "must not begin or end with a hyphen"},
    {"a-", "must not begin or end with a hyphen"},
    {"abcdefghijklmnop", "must be no more than 15 characters"},
  };
  for (const NameCase& c : cases) {
    DYNAMIC_SECTION("'" << c.value << "'")
    {
      CHECK(iana_svc_name_error(c.value) == c.error);
      CHECK(is_iana_svc_name(c.value) == !c.error);
    }
  }
}

TEST_CASE("validate::qualified_name_error checks label and annotation keys", "[names]")
{
  const std::vector<NameCase> cases = {
    {"app", std::nullopt},
    {"MyName", std::nullopt},
    {"my.name", std::nullopt},
    {"123-abc", std::nullopt},
    {"app.kubernetes.io/name", std::nullopt},
    {"kedahttp.io/ignore-check.host-not-routed", std::nullopt},
    {"", "name part must be non-empty"},
    {"/name", "prefix part must be non-empty"},
    {"example.com/", "name part must be non-empty"},
    {"Example.com/name", "prefix part " + k_subdomain_msg},
    {"-name", "name part " + k_qualified_msg},
    {"na me", "name part " + k_qualified_msg},
    {"a/b/c", "a qualified name " + k_qualified_msg
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"},
  };
  for (const NameCase& c : cases) {
    DYNAMIC_SECTION("'" << c.value << "'")
    {
      CHECK(qualified_name_error(c.value) == c.error);
      CHECK(is_qualified_name(c.value) == !c.error);
    }
  }
  CHECK(qualified_name_error(repeat('a', 64)) == "name part must be no more than 63 characters");
  CHECK(qualified_name_error("example.com/" + repeat('a', 63)) == std::nullopt);
}

TEST_CASE("validate::label_value_error", "[names]")
{
  const std::vector<NameCase> cases = {
    {"", std::nullopt},
    {"MyValue", std::nullopt},
    {"my_value", std::nullopt},
    {"12345", std::nullopt},
    {"a.b-c_d", std::nullopt},
    {"-a", k_label_value_msg},
    {"a_", k_label_value_msg},
    {"a b", k_label_value_msg},
    {"a/b", k_label_value_msg},
  };
  for (const NameCase& c : cases) {
    DYNAMIC_SECTION("'" << c.value << "'")
    {
      CHECK(label_value_error(c.value) == c.error);
    }
  }
  CHECK(label_value_error(repeat('a', 63)) == std::nullopt);
  CHECK(label_value_error(repeat('a', 64)) == "must be no more than 63 characters");
}

TEST_CASE("validate::pattern_reason", "[names]")
{
  CHECK(pattern_reason("spec.hostnames[0]", "^a$") == "spec.hostnames[0] in body should match '^a$'");
}
