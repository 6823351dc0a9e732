#pragma once

// Test helpers for `routing`: routes as spec values (built directly or decoded from YAML),
// and a one-line "where does this request go" query. Header-only: tests/CMakeLists.txt
// compiles only manifests.cpp from this directory.

#include <kedahttp/manifest/decode.hpp>
#include <kedahttp/manifest/loader.hpp>
#include <kedahttp/routing/route_table.hpp>
#include <kedahttp/spec/cluster_state.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kedahttp::testutil {

// A header matcher: with a value, or a presence match when `value` is nullopt.
inline spec::HeaderMatch
header_match(std::string name, std::optional<std::string> value = std::nullopt)
{
  return {std::move(name), std::move(value)};
}

// A rule from plain strings.
inline spec::RouteRule
route_rule(const std::vector<std::string>& hosts, const std::vector<std::string>& paths = {},
           std::vector<spec::HeaderMatch> headers = {})
{
  spec::RouteRule rule;
  for (const std::string& host : hosts) {
    rule.hosts.push_back({host, {}});
  }
  for (const std::string& path : paths) {
    rule.paths.push_back({path, {}});
  }
  rule.headers = std::move(headers);
  return rule;
}

// An InterceptorRoute `ns/name` with `rules`, created at `created` (RFC 3339; "" = unset).
inline spec::InterceptorRoute
interceptor_route(std::string name, std::vector<spec::RouteRule> rules, std::string created = {},
                  std::string ns = "default")
{
  spec::InterceptorRoute route;
  route.meta.api_version = "http.keda.sh/v1beta1";
  route.meta.kind = "InterceptorRoute";
  route.meta.name = std::move(name);
  route.meta.ns = std::move(ns);
  route.meta.creation_timestamp = std::move(created);
  route.target_service = route.meta.name;
  route.target_port.number = 8080;
  route.concurrency_target = 100;
  route.rules = std::move(rules);
  return route;
}

// Every InterceptorRoute and HTTPScaledObject in `yaml` (namespace "default" when unset).
inline spec::ClusterState
cluster_state(std::string_view yaml)
{
  manifest::LoadResult input;
  manifest::load_text(yaml, "test.yaml", input);
  spec::ClusterState state;
  for (const manifest::Object& object : input.objects) {
    if (object.ref.kind == "InterceptorRoute") {
      state.interceptor_routes.push_back(manifest::decode_interceptor_route(object, "default"));
    } else if (object.ref.kind == "HTTPScaledObject") {
      state.http_scaled_objects.push_back(manifest::decode_http_scaled_object(object, "default"));
    }
  }
  return state;
}

// The name of the route `table` picks for the request, or "-" when there is none.
inline std::string
routed(const routing::RouteTable& table, std::string_view host, std::string_view path,
       routing::Headers headers = {})
{
  const routing::Route* route = table.match(host, path, headers);
  return route ? route->route.meta.name : std::string("-");
}

// `lines` joined with newlines: readable in a failed CHECK.
inline std::string
lines_text(const std::vector<std::string>& lines)
{
  std::string out;
  for (const std::string& line : lines) {
    out += line + "\n";
  }
  return out;
}

} // namespace kedahttp::testutil
