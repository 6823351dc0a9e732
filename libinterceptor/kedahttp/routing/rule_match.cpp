#include <kedahttp/routing/rule_match.hpp>

#include <kedahttp/routing/route_key.hpp>

namespace kedahttp::routing {

std::string_view
request_host(std::string_view host_header, std::string_view url_host)
{
  return strip_port(host_header.empty() ? url_host : host_header);
}

bool
match_any_host(std::string_view hostname, std::span<const spec::Located<std::string>> patterns)
{
  for (const spec::Located<std::string>& located : patterns) {
    const std::string_view pattern = located.value;
    if (is_catch_all_host(pattern)) {
      return true;
    }
    if (pattern.starts_with("*.")) {
      if (hostname.ends_with(pattern.substr(1))) {
        return true;
      }
      continue;
    }
    if (hostname == pattern) {
      return true;
    }
  }
  return false;
}

bool
match_any_path(std::string_view path, std::span<const spec::Located<std::string>> prefixes)
{
  const std::string_view request = trim_slashes(path);
  for (const spec::Located<std::string>& located : prefixes) {
    const std::string_view prefix = trim_slashes(located.value);
    if (prefix.empty()) {
      return true;
    }
    if (request.starts_with(prefix) && (request.size() == prefix.size() || request[prefix.size()] == '/')) {
      return true;
    }
  }
  return false;
}

bool
match_rule(const spec::RouteRule& rule, std::string_view host_header, std::string_view path, Headers headers,
           std::string_view url_host)
{
  if (!rule.hosts.empty() && !match_any_host(request_host(host_header, url_host), rule.hosts)) {
    return false;
  }
  if (!rule.paths.empty() && !match_any_path(path, rule.paths)) {
    return false;
  }
  return match_headers(rule.headers, headers);
}

bool
match_rules(std::span<const spec::RouteRule> rules, std::string_view host_header, std::string_view path,
               Headers headers, std::string_view url_host)
{
  for (const spec::RouteRule& rule : rules) {
    if (match_rule(rule, host_header, path, headers, url_host)) {
      return true;
    }
  }
  return false;
}

const spec::InterceptorRoute::StaticRoute*
find_static_route(const spec::InterceptorRoute& route, std::string_view host_header, std::string_view path,
                  Headers headers, std::string_view url_host)
{
  for (const spec::InterceptorRoute::StaticRoute& candidate : route.static_routes) {
    if (match_rules(candidate.rules, host_header, path, headers, url_host)) {
      return &candidate;
    }
  }
  return nullptr;
}

} // namespace kedahttp::routing
