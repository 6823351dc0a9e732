#pragma once

// The legacy HTTPScaledObject (http.keda.sh/v1alpha1) as the interceptor routes it:
// converted in memory into an InterceptorRoute (interceptor.md 1.2, "Interceptor mapping").

#include <kedahttp/spec/objects.hpp>

namespace kedahttp::spec {

// --- Interface ---

// The InterceptorRoute the interceptor builds from `hso`:
// - `meta` is copied whole (name, namespace, creationTimestamp; `meta.kind` stays
//   "HTTPScaledObject", so a reader can tell where the route came from);
// - `target` <- `scaleTargetRef.{service, port, portName}`;
// - exactly one rule: hosts <- `hosts`, paths <- each `pathPrefixes` entry, headers <- `headers`
//   (an empty HTTPScaledObject is a catch-all for every host and path);
// - `timeouts.readiness` <- `conditionWait` and `timeouts.responseHeader` <- `responseHeader`, each
//   only when it parses to more than zero (on an HTTPScaledObject "0s" means "use the global",
//   so it maps to unset = empty string); written in Go's Duration.String() form;
// - `coldStartTimeoutFailoverRef` -> `coldStart.fallback.service`, and its `timeoutSeconds`, when
//   more than zero, overrides the readiness timeout;
// - `scalingMetric` copied; with neither concurrency nor requestRate, concurrency with
//   `targetPendingRequests` (default 100), as the CRD documents ("if empty 'concurrency' will be used").
// `replicas`, `scaledownPeriod` and the workload reference are not part of routing.
InterceptorRoute to_interceptor_route(const HTTPScaledObject& hso);

} // namespace kedahttp::spec
