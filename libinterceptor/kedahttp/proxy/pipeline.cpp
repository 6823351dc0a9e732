#include <kedahttp/proxy/pipeline.hpp>

#include <kedahttp/routing/rule_match.hpp>
#include <kedahttp/util/duration.hpp>

#include <algorithm>

namespace kedahttp::proxy {

namespace {

// A route's duration field: unset -> nothing; unparsable -> nothing (validation rejects those).
std::optional<core::Duration>
route_duration(const std::string& text)
{
  if (text.empty()) {
    return std::nullopt;
  }
  const auto parsed = util::parse_go_duration(text);
  if (!parsed || parsed->count() < 0) {
    return std::nullopt;
  }
  return *parsed;
}

// A Service port's targetPort when it is a number ("8080"), else 0 (a name, or unset).
uint16_t
numeric_port(std::string_view text)
{
  if (text.empty() || text.size() > 5) {
    return 0;
  }
  uint32_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return 0;
    }
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  return value >= 1 && value <= 65535 ? static_cast<uint16_t>(value) : 0;
}

// The Service port appProtocol that makes upstream speak HTTP/2 to the backend (3.6).
constexpr std::string_view k_h2c_app_protocol = "kubernetes.io/h2c";

// Resolves the port of `service` in `ns` (spec/interceptor.md 3.1): the number
// as given, or the Service port whose name is `port_name`. Also finds the port's
// name, which selects the EndpointSlice port.
std::optional<ServiceTarget>
resolve(const spec::ClusterState& state, const std::string& ns, const std::string& service, const spec::PortRef& port)
{
  ServiceTarget target{ns, service, 0, {}, 0, false};
  const spec::Service* svc = state.service(ns, service);
  if (port.number) {
    target.port = static_cast<uint16_t>(*port.number);
    if (svc) {
      for (const spec::ServicePort& candidate : svc->ports) {
        if (candidate.port == *port.number) {
          target.port_name = candidate.name;
          target.target_port = numeric_port(candidate.target_port);
          target.h2c = candidate.app_protocol == k_h2c_app_protocol;
          break;
        }
      }
    }
    return target;
  }
  if (port.name.empty() || !svc) {
    return std::nullopt;
  }
  for (const spec::ServicePort& candidate : svc->ports) {
    if (candidate.name == port.name) {
      target.port = static_cast<uint16_t>(candidate.port);
      target.port_name = candidate.name;
      target.target_port = numeric_port(candidate.target_port);
      target.h2c = candidate.app_protocol == k_h2c_app_protocol;
      return target;
    }
  }
  return std::nullopt;
}

// Go's textproto.CanonicalMIMEHeaderKey: "x-custom-header" -> "X-Custom-Header". Static
// response headers go through Header.Set, which canonicalizes; a name with a character that is
// not a header token character is left as it is, as Go does.
std::string
canonical_header_name(std::string_view name)
{
  static constexpr std::string_view k_token_punctuation = "!#$%&'*+-.^_`|~";
  std::string out(name);
  for (char c : out) {
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alnum && k_token_punctuation.find(c) == std::string_view::npos) {
      return out;
    }
  }
  bool upper = true;
  for (char& c : out) {
    if (upper && c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    } else if (!upper && c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    upper = c == '-';
  }
  return out;
}

std::string
config_map_value(const spec::ClusterState& state, const std::string& ns, const std::string& name,
                 const std::string& key, bool& found_map, bool& found_key)
{
  found_map = false;
  found_key = false;
  for (const spec::ConfigMap& map : state.config_maps) {
    if (map.meta.ns == ns && map.meta.name == name) {
      found_map = true;
      const auto it = map.data.find(key);
      if (it != map.data.end()) {
        found_key = true;
        return it->second;
      }
      return {};
    }
  }
  return {};
}

} // namespace

Timeouts
effective_timeouts(const spec::InterceptorRoute& route, const Settings& settings)
{
  Timeouts out;
  out.request = route_duration(route.request_timeout).value_or(settings.request_timeout);
  out.response_header = route_duration(route.response_header_timeout).value_or(settings.response_header_timeout);
  out.readiness = route_duration(route.readiness_timeout).value_or(settings.readiness_timeout);
  if (route.fallback_service && out.readiness == core::Duration::zero()) {
    out.readiness = 30s;
  }
  return out;
}

SnapshotPtr
make_snapshot(spec::ClusterStatePtr state, queue::CounterRegistry& registry)
{
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->state = state;
  snapshot->table = routing::RouteTable::build(*state);
  snapshot->ready = hold::ReadyEndpoints::build(*state);
  const std::vector<std::string> keys = snapshot->table->keys();
  const std::vector<queue::RouteCounterPtr> counters = registry.sync(keys);
  for (size_t i = 0; i < keys.size(); ++i) {
    snapshot->counters[keys[i]] = counters[i];
  }
  return snapshot;
}

std::optional<Endpoint>
pick_endpoint(const Snapshot& snapshot, const ServiceTarget& target, uint64_t random)
{
  const std::vector<hold::Candidate>* all = snapshot.ready.all(target.key());
  if (!all || all->empty()) {
    return std::nullopt;
  }
  // Runs for every forwarded request: select by counting, without building a list.
  // First the slice ports named like the Service port; failing that (no Service in
  // the state to name it, or slices written by hand) the ports with the Service
  // port's numeric targetPort, then with its number; failing that every candidate
  // when the slices have a single port.
  bool one_port = true;
  for (const hold::Candidate& candidate : *all) {
    one_port = one_port && candidate.port == all->front().port;
  }
  for (int pass = 0; pass < 4; ++pass) {
    auto accept = [&](const hold::Candidate& candidate) {
      switch (pass) {
      case 0: return candidate.port_name == target.port_name;
      case 1: return target.target_port != 0 && candidate.port == target.target_port;
      case 2: return candidate.port == target.port;
      default: return one_port;
      }
    };
    size_t count = 0;
    for (const hold::Candidate& candidate : *all) {
      count += accept(candidate) ? 1 : 0;
    }
    if (count == 0) {
      continue;
    }
    size_t index = random % count;
    for (const hold::Candidate& candidate : *all) {
      if (accept(candidate) && index-- == 0) {
        return Endpoint{candidate.address, candidate.port};
      }
    }
  }
  return std::nullopt;
}

Decision
decide(const RequestView& request, const Snapshot& snapshot, const Settings& settings)
{
  Decision decision;
  const routing::Headers headers = request.fields;
  const routing::Route* route = snapshot.table->match(request.host, request.path, headers);
  if (!route) {
    decision.response = error_response(404);
    decision.reason = "no route";
    return decision;
  }
  decision.route = route;
  const spec::InterceptorRoute& ir = route->route;
  const spec::ClusterState& state = *snapshot.state;

  auto target = resolve(state, ir.meta.ns, ir.target_service, ir.target_port);
  if (!target) {
    decision.response = error_response(500);
    decision.reason = "target port not found";
    return decision;
  }
  decision.target = *target;
  if (ir.fallback_service) {
    auto fallback = resolve(state, ir.meta.ns, *ir.fallback_service, ir.fallback_port);
    if (!fallback) {
      decision.response = error_response(500);
      decision.reason = "fallback port not found";
      return decision;
    }
    decision.fallback = *fallback;
  }
  decision.timeouts = effective_timeouts(ir, settings);
  const bool ready = snapshot.ready.ready(target->key());

  // Static routes: first match wins; never counted, so they never scale the app up.
  for (const spec::InterceptorRoute::StaticRoute& entry : ir.static_routes) {
    if (!routing::match_rules(entry.rules, request.host, request.path, headers)) {
      continue;
    }
    if (entry.mode != "Always" && ready) {
      decision.action = Action::forward;
      decision.static_forward = true;
      decision.reason = "static route, target ready";
      return decision;
    }
    decision.response = render_static(entry.response, 200, request.path, ir.meta.ns, state);
    decision.reason = "static route";
    return decision;
  }

  const auto counter = snapshot.counters.find(route->key);
  if (counter != snapshot.counters.end()) {
    counter->second->arrive();
    decision.counter = counter->second.get();
  }

  if (ir.placeholder && !ready) {
    decision.response = render_static(*ir.placeholder, 503, request.path, ir.meta.ns, state);
    decision.reason = "placeholder";
    return decision;
  }
  decision.action = ready ? Action::forward : Action::hold;
  decision.reason = ready ? "forward" : "cold start";
  return decision;
}

core::TimePoint
request_deadline(const Timeouts& timeouts, core::TimePoint start)
{
  return timeouts.request > core::Duration::zero() ? start + timeouts.request : core::k_never;
}

core::TimePoint
hold_deadline(const Timeouts& timeouts, core::TimePoint now, core::TimePoint request_deadline)
{
  if (timeouts.readiness > core::Duration::zero()) {
    return std::min(request_deadline, now + timeouts.readiness);
  }
  return request_deadline;
}

Decision
on_expired(Decision held, core::TimePoint now, core::TimePoint request_deadline)
{
  if (request_deadline != core::k_never && now >= request_deadline) {
    held.fallback.reset(); // no time left for it
  }
  return on_expired(std::move(held));
}

Decision
on_expired(Decision held)
{
  if (held.fallback) {
    held.action = Action::forward;
    const bool h2c = held.target.h2c; // the fallback still speaks the target's protocol (upstream)
    held.target = *held.fallback;
    held.target.h2c = h2c;
    held.fallback.reset();
    held.reason = "fallback";
    return held;
  }
  held.action = Action::respond;
  held.response = error_response(504);
  held.reason = "readiness timeout";
  return held;
}

SimpleResponse
hold_full_response(const Settings& settings, hold::HoldBudget::Verdict verdict)
{
  SimpleResponse response = error_response(503);
  // Whole seconds, rounded up: a client that honours it never comes back too early.
  const auto seconds = std::chrono::ceil<std::chrono::seconds>(settings.retry_after).count();
  response.extra_headers = "Retry-After: " + std::to_string(seconds < 1 ? 1 : seconds) + "\r\n";
  response.extra_headers += std::string("X-Kedahttp-Hold: ")
                            + (verdict == hold::HoldBudget::Verdict::route_full ? "route-full" : "total-full") + "\r\n";
  return response;
}

SimpleResponse
render_static(const spec::StaticResponse& response, unsigned default_status, std::string_view path,
              const std::string& ns, const spec::ClusterState& state)
{
  SimpleResponse out;
  out.status = response.status_code > 0 ? static_cast<unsigned>(response.status_code) : default_status;
  std::string key_for_type;
  if (response.body_config_map) {
    // Explicit key, or one derived from the path ("/" -> index.html).
    const bool explicit_key = !response.body_config_map_key.empty();
    std::string key = response.body_config_map_key;
    if (!explicit_key) {
      std::string_view trimmed = path;
      if (!trimmed.empty() && trimmed.front() == '/') {
        trimmed.remove_prefix(1);
      }
      key = trimmed.empty() ? "index.html" : std::string(trimmed);
    }
    bool found_map = false;
    bool found_key = false;
    out.body = config_map_value(state, ns, *response.body_config_map, key, found_map, found_key);
    if (!found_map || (explicit_key && !found_key)) {
      return error_response(500);
    }
    if (found_key) {
      key_for_type = key;
    }
  } else {
    out.body = response.body;
  }
  bool has_content_type = false;
  for (const auto& [name, value] : response.headers) {
    has_content_type = has_content_type || iequals(name, "content-type");
    out.extra_headers += canonical_header_name(name) + ": " + value + "\r\n";
  }
  if (!has_content_type && !out.body.empty()) {
    out.content_type = key_for_type.empty() ? "" : content_type_for(key_for_type);
    if (out.content_type.empty()) {
      out.content_type = sniff_content_type(out.body);
    }
  }
  return out;
}

std::string
content_type_for(std::string_view file_name)
{
  const size_t dot = file_name.rfind('.');
  if (dot == std::string_view::npos) {
    return {};
  }
  std::string ext(file_name.substr(dot));
  for (char& c : ext) {
    c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  static const std::pair<const char*, const char*> types[] = {
    {".html", "text/html; charset=utf-8"}, {".htm", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},   {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"}, {".json", "application/json"},
    {".svg", "image/svg+xml"},             {".png", "image/png"},
    {".jpg", "image/jpeg"},                {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},                 {".webp", "image/webp"},
    {".ico", "image/vnd.microsoft.icon"},  {".txt", "text/plain; charset=utf-8"},
    {".xml", "text/xml; charset=utf-8"},   {".pdf", "application/pdf"},
    {".wasm", "application/wasm"},         {".avif", "image/avif"},
  };
  for (const auto& [extension, type] : types) {
    if (ext == extension) {
      return type;
    }
  }
  return {};
}

std::string
sniff_content_type(std::string_view body)
{
  std::string_view head = body.substr(0, 512);
  while (!head.empty()
         && (head.front() == ' ' || head.front() == '\t' || head.front() == '\n' || head.front() == '\r'
             || head.front() == '\f')) {
    head.remove_prefix(1);
  }
  auto starts_with_tag = [&](std::string_view tag) {
    if (head.size() <= tag.size() || !iequals(head.substr(0, tag.size()), tag)) {
      return false;
    }
    const char next = head[tag.size()];
    return next == ' ' || next == '>';
  };
  for (std::string_view tag : {"<!DOCTYPE HTML", "<HTML", "<HEAD", "<SCRIPT", "<IFRAME", "<H1", "<DIV", "<FONT",
                               "<TABLE", "<A", "<STYLE", "<TITLE", "<B", "<BODY", "<BR", "<P", "<!--"}) {
    if (starts_with_tag(tag)) {
      return "text/html; charset=utf-8";
    }
  }
  if (head.substr(0, 5) == "<?xml") {
    return "text/xml; charset=utf-8";
  }
  if (head.substr(0, 5) == "%PDF-") {
    return "application/pdf";
  }
  for (char c : body.substr(0, 512)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != 0x1b) {
      return "application/octet-stream";
    }
  }
  return "text/plain; charset=utf-8";
}

} // namespace kedahttp::proxy
