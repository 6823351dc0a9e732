#pragma once

// Host and path coverage under the interceptor's matching rules
// (spec/manifests.md 1.1 and 2.2): exact, case-sensitive, port stripped,
// "*.suffix" matching any depth, "*" or "" as catch-all, paths by segment.

#include <string>
#include <string_view>

namespace kedahttp::validate {

// "app.example.com:8080" -> "app.example.com"; IPv6 literals keep their brackets.
std::string strip_port(std::string_view host);

bool is_wildcard(std::string_view host);

// Does InterceptorRoute host `pattern` match every request a route sends for `host`?
// `host` may itself be a wildcard ("*.a.com" is covered by "*.a.com" and "*.com").
bool interceptor_covers(std::string_view pattern, std::string_view host);

// Does route wildcard `wildcard` ("*.a.com") include the exact host `host`?
bool route_wildcard_contains(std::string_view wildcard, std::string_view host);

// Does InterceptorRoute path prefix `prefix` match request path `path` segment-wise?
// Leading and trailing '/' are ignored: "/api" matches "/api" and "/api/x", not "/apix".
bool path_prefix_covers(std::string_view prefix, std::string_view path);

} // namespace kedahttp::validate
