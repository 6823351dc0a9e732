#pragma once

// Host and path coverage under the interceptor's matching rules
// (spec/manifests.md 1.1 and 2.2): exact, case-sensitive, port stripped,
// "*.suffix" matching any depth, "*" or "" as catch-all, paths by segment.

#include <kedahttp/util/strings.hpp>

#include <string>
#include <string_view>

namespace kedahttp::validate {

// The interceptor's StripPort (Go's net.SplitHostPort, host kept when that fails; util/strings.hpp).
using util::strip_port;

bool is_wildcard(std::string_view host);

// Does InterceptorRoute host `pattern` match every request a route sends for `host`?
// `host` may itself be a wildcard ("*.a.com" is covered by "*.a.com" and "*.com").
bool interceptor_covers(std::string_view pattern, std::string_view host);

// Does route wildcard `wildcard` ("*.a.com") send the requests for `host`?
// `host` is an exact host ("x.a.com") or a narrower wildcard ("*.x.a.com").
// `single_label`: Ingress semantics, where "*.a.com" covers exactly one extra
// label ("x.a.com", not "y.x.a.com" and no wildcard); Gateway API and Istio
// match any depth.
bool route_wildcard_contains(std::string_view wildcard, std::string_view host, bool single_label = false);

// Does InterceptorRoute path prefix `prefix` match request path `path` segment-wise?
// Leading and trailing '/' are ignored: "/api" matches "/api" and "/api/x", not "/apix".
bool path_prefix_covers(std::string_view prefix, std::string_view path);

} // namespace kedahttp::validate
