#pragma once

// Test helpers for the sans-IO core (`hold`, `proxy`): a whole cluster state from YAML
// (routes, Services, EndpointSlices, ConfigMaps), and a virtual clock made of plain
// core::TimePoint values the test advances by hand. Header-only: tests/CMakeLists.txt
// compiles only manifests.cpp from this directory.

#include <kedahttp/core/time.hpp>
#include <kedahttp/manifest/decode.hpp>
#include <kedahttp/manifest/loader.hpp>
#include <kedahttp/spec/cluster_state.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace kedahttp::testutil {

// --- Interface ---

// Every object of `yaml` that `serve` reads (namespace "default" when unset). ConfigMaps are
// taken whatever their labels: the source filters those, not the core.
spec::ClusterState full_state(std::string_view yaml);

// The same, published as the immutable snapshot the core reads.
spec::ClusterStatePtr state_ptr(std::string_view yaml);

// A point on a virtual timeline: `seconds` after an arbitrary origin (never the wall clock).
core::TimePoint at(double seconds);

// --- Inline implementations ---

inline spec::ClusterState
full_state(std::string_view yaml)
{
  manifest::LoadResult input;
  manifest::load_text(yaml, "test.yaml", input);
  if (!input.diagnostics.empty()) {
    throw std::runtime_error("test YAML does not load: " + input.diagnostics.front().message);
  }
  spec::ClusterState state;
  for (const manifest::Object& object : input.objects) {
    const std::string& kind = object.ref.kind;
    if (kind == "InterceptorRoute") {
      state.interceptor_routes.push_back(manifest::decode_interceptor_route(object, "default"));
    } else if (kind == "HTTPScaledObject") {
      state.http_scaled_objects.push_back(manifest::decode_http_scaled_object(object, "default"));
    } else if (kind == "Service") {
      state.services.push_back(manifest::decode_service(object, "default"));
    } else if (kind == "EndpointSlice") {
      state.endpoint_slices.push_back(manifest::decode_endpoint_slice(object, "default"));
    } else if (kind == "ConfigMap") {
      state.config_maps.push_back(manifest::decode_config_map(object, "default"));
    }
  }
  return state;
}

inline spec::ClusterStatePtr
state_ptr(std::string_view yaml)
{
  return std::make_shared<const spec::ClusterState>(full_state(yaml));
}

inline core::TimePoint
at(double seconds)
{
  // An origin far from 0 so that "now - something" never underflows in a test.
  const core::TimePoint origin = core::TimePoint(std::chrono::hours(1000));
  return origin + std::chrono::duration_cast<core::Duration>(std::chrono::duration<double>(seconds));
}

} // namespace kedahttp::testutil
