#pragma once

// The static-route rule matcher (interceptor.md 2.4, upstream MatchRoutingRule). It runs after
// RouteTable::match chose a route, on that route's `staticRoutes`; it never attracts traffic
// by itself. Not the table's algorithm: no longest-prefix and no precedence, just
// "does this request satisfy this rule".

#include <kedahttp/routing/headers.hpp>
#include <kedahttp/spec/objects.hpp>

#include <span>
#include <string_view>

namespace kedahttp::routing {

// --- Interface ---

// The host a rule sees: `host_header` (the raw Host value) with its port stripped, or, when
// `host_header` is empty, `url_host` (the authority of an absolute-form request target) with
// its port stripped.
std::string_view request_host(std::string_view host_header, std::string_view url_host = {});

// True when `hostname` matches any of `patterns` (OR): "*" and "" match everything, "*.x.com"
// matches names ending in ".x.com" (not "x.com"), anything else only itself. Patterns are
// compared as written (upstream strips no port from them here). Empty `patterns`: false.
bool match_any_host(std::string_view hostname, std::span<const spec::Located<std::string>> patterns);

// True when `path` matches any of `prefixes` (OR), both without outer slashes: a root or empty
// prefix matches everything, else `path` equals the prefix or starts with prefix + "/".
// Empty `prefixes`: false.
bool match_any_path(std::string_view path, std::span<const spec::Located<std::string>> prefixes);

// True when the request matches `rule`: every non-empty part of it holds (hosts OR, paths OR,
// headers AND); the empty rule matches everything. `path` is percent-decoded, not cleaned.
bool match_rule(const spec::RouteRule& rule, std::string_view host_header, std::string_view path, Headers headers,
                std::string_view url_host = {});

// True when any of `rules` matches (OR); no rules never match.
bool match_rules(std::span<const spec::RouteRule> rules, std::string_view host_header, std::string_view path,
                    Headers headers, std::string_view url_host = {});

// The first of `route.static_routes` with a matching rule (first match wins), or nullptr.
const spec::InterceptorRoute::StaticRoute* find_static_route(const spec::InterceptorRoute& route,
                                                             std::string_view host_header, std::string_view path,
                                                             Headers headers, std::string_view url_host = {});

} // namespace kedahttp::routing
