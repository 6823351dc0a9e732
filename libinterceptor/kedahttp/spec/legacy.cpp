#include <kedahttp/spec/legacy.hpp>

#include <kedahttp/util/duration.hpp>

#include <chrono>

namespace kedahttp::spec {

namespace {

// A duration that counts: set, parseable and above zero. Anything else is "unset" here; an
// unparseable value is reported by `validate`, the API server would never have stored it.
std::string
positive_duration(const std::string& text)
{
  if (text.empty()) {
    return {};
  }
  const auto parsed = util::parse_go_duration(text);
  if (!parsed || parsed->count() <= 0) {
    return {};
  }
  return util::format_go_duration(*parsed);
}

} // namespace

InterceptorRoute
to_interceptor_route(const HTTPScaledObject& hso)
{
  InterceptorRoute route;
  route.meta = hso.meta;
  route.target_service = hso.target_service;
  route.target_port = hso.target_port;

  RouteRule rule;
  rule.where = {"spec", hso.meta.mark};
  rule.hosts = hso.hosts;
  for (size_t i = 0; i < hso.path_prefixes.size(); ++i) {
    rule.paths.push_back({hso.path_prefixes[i], {"spec.pathPrefixes[" + std::to_string(i) + "]", {}}});
  }
  rule.headers = hso.headers;
  route.rules.push_back(std::move(rule));

  route.concurrency_target = hso.concurrency_target;
  route.request_rate_target = hso.request_rate_target;
  route.request_rate_window = hso.request_rate_window;
  route.request_rate_granularity = hso.request_rate_granularity;
  if (!route.concurrency_target && !route.request_rate_target) {
    route.concurrency_target = hso.target_pending_requests.value_or(100);
  }

  route.readiness_timeout = positive_duration(hso.condition_wait_timeout);
  route.response_header_timeout = positive_duration(hso.response_header_timeout);
  if (hso.failover) {
    route.fallback_service = hso.failover->service;
    route.fallback_port = hso.failover->port;
    if (hso.failover->timeout_seconds > 0) {
      route.readiness_timeout = util::format_go_duration(std::chrono::seconds(hso.failover->timeout_seconds));
    }
  }
  return route;
}

} // namespace kedahttp::spec
