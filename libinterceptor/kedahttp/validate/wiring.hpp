#pragma once

// Cross-object rules (spec/manifests.md 2.2): do the HTTPRoutes, Ingresses and
// VirtualServices in the input send their traffic to the interceptor, with the
// grants, ports and hosts that make the InterceptorRoutes match? KH3xx.

#include <kedahttp/core/diagnostic.hpp>
#include <kedahttp/manifest/loader.hpp>
#include <kedahttp/validate/options.hpp>

#include <vector>

namespace kedahttp::validate {

// `objects` are the in-scope objects that were checked (defaults applied).
void check_wiring(const std::vector<const manifest::Object*>& objects, const Options& options,
                  std::vector<core::Diagnostic>& out);

} // namespace kedahttp::validate
