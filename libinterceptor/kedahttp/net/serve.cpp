// `kedahttp serve`: wires the manifest source, the data plane, the admin and
// metrics servers and the drain sequence together (spec/interceptor.md 3.11).

#include <kedahttp/net/server.hpp>

#include <kedahttp/net/data_plane.hpp>
#include <kedahttp/net/metrics.hpp>
#include <kedahttp/queue/counters.hpp>
#include <kedahttp/source/manifest_source.hpp>
#include <kedahttp/source/watcher.hpp>
#include <kedahttp/util/strings.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>

#include <poll.h>
#include <signal.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <thread>

namespace kedahttp::net {

namespace {

std::atomic<int> g_signals{0};

class JsonEscapedMessage : public spdlog::custom_flag_formatter
{
public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override
  {
    const std::string escaped = util::json_escape(std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(escaped.data(), escaped.data() + escaped.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<JsonEscapedMessage>(); }
};

void
on_signal(int)
{
  if (g_signals.fetch_add(1) >= 1) {
    std::_Exit(1); // a second signal exits at once
  }
}

// The control plane's view: the latest snapshot, for the admin endpoints.
class State
{
public:
  void set(proxy::SnapshotPtr snapshot)
  {
    const std::lock_guard lock(m_mutex);
    m_snapshot = std::move(snapshot);
  }
  proxy::SnapshotPtr get() const
  {
    const std::lock_guard lock(m_mutex);
    return m_snapshot;
  }

private:
  mutable std::mutex m_mutex;
  proxy::SnapshotPtr m_snapshot;
};

nlohmann::ordered_json
debug_routes(const proxy::Snapshot& snapshot, const httplib::Request& request)
{
  nlohmann::ordered_json doc;
  doc["generation"] = snapshot.state->generation;
  doc["routes"] = nlohmann::ordered_json::array();
  for (const routing::Route& route : snapshot.table->routes()) {
    nlohmann::ordered_json entry;
    entry["key"] = route.key;
    entry["legacy"] = route.legacy;
    entry["target"] = route.route.target_service + ":"
                      + (route.route.target_port.number ? std::to_string(*route.route.target_port.number)
                                                        : route.route.target_port.name);
    entry["ready"] = snapshot.ready.ready(route.route.meta.ns + "/" + route.route.target_service);
    nlohmann::ordered_json rules = nlohmann::ordered_json::array();
    for (const spec::RouteRule& rule : route.route.rules) {
      nlohmann::ordered_json r;
      r["hosts"] = nlohmann::ordered_json::array();
      for (const auto& host : rule.hosts) {
        r["hosts"].push_back(host.value);
      }
      r["paths"] = nlohmann::ordered_json::array();
      for (const auto& path : rule.paths) {
        r["paths"].push_back(path.value);
      }
      r["headers"] = nlohmann::ordered_json::array();
      for (const auto& header : rule.headers) {
        r["headers"].push_back(header.value ? header.name + "=" + *header.value : header.name);
      }
      rules.push_back(r);
    }
    entry["rules"] = rules;
    doc["routes"].push_back(entry);
  }
  doc["rejected"] = nlohmann::ordered_json::array();
  for (const spec::Rejected& rejected : snapshot.state->rejected) {
    doc["rejected"].push_back({{"object", rejected.object}, {"where", rejected.where}, {"reason", rejected.reason}});
  }
  if (request.has_param("host") || request.has_param("path")) {
    const std::string host = request.get_param_value("host");
    const std::string path = request.has_param("path") ? request.get_param_value("path") : "/";
    std::vector<routing::HeaderField> headers;
    std::vector<std::pair<std::string, std::string>> storage;
    for (size_t i = 0; i < request.get_param_value_count("header"); ++i) {
      const std::string header = request.get_param_value("header", i);
      const size_t colon = header.find(':');
      storage.emplace_back(header.substr(0, colon),
                           colon == std::string::npos ? "" : std::string(util::trim(header.substr(colon + 1))));
    }
    for (const auto& [name, value] : storage) {
      headers.push_back({name, value});
    }
    const routing::Route* route = snapshot.table->match(host, path, headers);
    nlohmann::ordered_json explain;
    explain["host"] = host;
    explain["path"] = path;
    explain["route"] = route ? nlohmann::ordered_json(route->key) : nlohmann::ordered_json(nullptr);
    explain["steps"] = snapshot.table->explain(host, path, headers);
    doc["explain"] = explain;
  }
  return doc;
}

void
start_http_server(httplib::Server& server, const std::string& address, uint16_t port, const char* what)
{
  server.set_tcp_nodelay(true);
  if (!server.bind_to_port(address, port)) {
    throw std::runtime_error(std::string("cannot listen on ") + address + ":" + std::to_string(port) + " (" + what + ")");
  }
}

} // namespace

int
serve(const ServeConfig& config)
{
  if (config.json_logs) {
    // One JSON object per line; the message is escaped (paths and reasons carry quotes).
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    formatter->add_flag<JsonEscapedMessage>('*').set_pattern(
      R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","msg":"%*"})");
    spdlog::set_formatter(std::move(formatter));
  }
  // Signals are handled on this thread: block them everywhere, wait here.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  validate::Options validate_options;
  source::ManifestSource source(config.manifest_paths, validate_options);
  // Watch before the first load, so that a change made meanwhile is not missed.
  auto watcher = std::make_unique<source::Watcher>(config.manifest_paths);
  spec::ClusterStatePtr state = source.load();
  for (const std::string& line : source.take_logs()) {
    spdlog::warn("{}", line);
  }
  spdlog::info("loaded {} InterceptorRoutes, {} HTTPScaledObjects, {} Services, {} EndpointSlices, {} ConfigMaps "
               "from {}",
               state->interceptor_routes.size(), state->http_scaled_objects.size(), state->services.size(),
               state->endpoint_slices.size(), state->config_maps.size(), util::join(config.manifest_paths, ", "));

  queue::CounterRegistry counters;
  Metrics metrics(config.workers ? config.workers : std::max(1u, std::thread::hardware_concurrency()));
  hold::HoldBudget budget(config.hold_limits);
  Shared shared{config, metrics, budget, {}, {}, {}, nullptr, nullptr};
  std::unique_ptr<Tracer> tracer;
  if (config.trace.enabled) {
    if (auto checked = check_trace_config(config.trace); !checked) {
      spdlog::error("tracing: {}", checked.error());
      return 1;
    }
    tracer = std::make_unique<Tracer>(config.trace);
    shared.tracer = tracer.get();
    spdlog::info("tracing: {} spans{}, sampler {}", config.trace.protocol,
                 config.trace.protocol == "console" ? std::string(" on stdout") : " to " + config.trace.endpoint,
                 config.trace.sampler);
  }
  std::unique_ptr<TlsContexts> tls;
  if (config.tls.enabled) {
    auto loaded = TlsContexts::load(config.tls);
    if (!loaded) {
      spdlog::error("TLS: {}", loaded.error());
      return 1;
    }
    tls = std::move(*loaded);
    shared.tls = tls.get();
    const std::vector<std::string> names = tls->names();
    spdlog::info("TLS: {} names served by SNI: {}{}", names.size(), names.empty() ? "-" : util::join(names, ", "),
                 tls->has_default() ? " (other names: the default certificate)" : " (other names: refused)");
  }
  std::unique_ptr<MetricsPusher> pusher;
  const auto started = std::chrono::system_clock::now();
  if (config.metrics_push.enabled) {
    if (auto checked = check_metrics_push_config(config.metrics_push); !checked) {
      spdlog::error("metrics: {}", checked.error());
      return 1;
    }
    pusher = std::make_unique<MetricsPusher>(config.metrics_push, [&metrics, &counters, started] {
      return encode_otlp_metrics(metrics.request_series(), counters.snapshot(), started,
                                 std::chrono::system_clock::now());
    });
    spdlog::info("metrics: pushed to {} every {} ms", config.metrics_push.endpoint,
                 config.metrics_push.interval.count());
  }
  if (config.log_requests) {
    shared.access_log = [](const std::string& line) { spdlog::info("{}", line); };
  }
  State control;
  control.set(proxy::make_snapshot(state, counters));

  DataPlane plane(shared, control.get());
  try {
    plane.start();
  } catch (const std::exception& e) {
    spdlog::error("cannot listen on {}:{}{}: {}", config.bind_address, config.proxy_port,
                  tls ? " and " + std::to_string(config.tls.port) : std::string(), e.what());
    return 1;
  }

  // Admin: /queue (the scaler polls it), /readyz, /livez, /debug/routes. Never proxy traffic.
  httplib::Server admin;
  // Upstream's /queue answers any method. httplib routes by method and answers 400 to a
  // POST/PUT/PATCH without a body length before routing: bodiless requests are answered
  // before routing, the others by a handler per method.
  const auto queue_handler = [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(queue::queue_json(counters.snapshot()), "application/json");
  };
  admin.set_pre_routing_handler([&](const httplib::Request& req, httplib::Response& res) {
    const std::string length = req.get_header_value("Content-Length");
    if (req.path != "/queue" || req.has_header("Transfer-Encoding") || (!length.empty() && length != "0")) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    queue_handler(req, res);
    return httplib::Server::HandlerResponse::Handled;
  });
  admin.Get("/queue", queue_handler);
  admin.Post("/queue", queue_handler);
  admin.Put("/queue", queue_handler);
  admin.Patch("/queue", queue_handler);
  admin.Delete("/queue", queue_handler);
  admin.Options("/queue", queue_handler);
  admin.Get("/readyz", [&](const httplib::Request&, httplib::Response& res) {
    if (shared.draining.load()) {
      res.status = 503;
      res.set_content("Service Unavailable", "text/plain; charset=utf-8");
      return;
    }
    res.set_content("OK", "text/plain; charset=utf-8");
  });
  admin.Get("/livez", [](const httplib::Request&, httplib::Response& res) { res.status = 200; });
  admin.Get("/debug/routes", [&](const httplib::Request& req, httplib::Response& res) {
    res.set_content(debug_routes(*control.get(), req).dump(2) + "\n", "application/json");
  });
  admin.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.status == 404) {
      res.set_content("404 page not found\n", "text/plain; charset=utf-8");
    }
  });
  httplib::Server metrics_server;
  metrics_server.Get("/metrics", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics.render(counters), "text/plain; version=0.0.4; charset=utf-8");
  });
  try {
    start_http_server(admin, config.bind_address, config.admin_port, "admin");
    if (config.metrics_enabled) {
      start_http_server(metrics_server, config.bind_address, config.metrics_port, "metrics");
    }
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    plane.stop();
    return 1;
  }
  std::thread admin_thread([&] { admin.listen_after_bind(); });
  std::thread metrics_thread;
  if (config.metrics_enabled) {
    metrics_thread = std::thread([&] { metrics_server.listen_after_bind(); });
  }
  spdlog::info("serving on {}:{}{} (admin {}, metrics {})", config.bind_address, config.proxy_port,
               tls ? ", TLS on " + std::to_string(config.tls.port) : std::string(), config.admin_port,
               config.metrics_enabled ? std::to_string(config.metrics_port) : "off");

  // The manifest watcher: changes apply within a few milliseconds (bursts coalesced).
  std::atomic<bool> stopping{false};
  std::thread watch_thread([&, watcher = std::move(watcher)]() mutable {
    for (const std::string& error : watcher->errors()) {
      spdlog::warn("watch: {}", error);
    }
    while (!stopping.load()) {
      if (!watcher->wait_for_change(std::chrono::milliseconds(200))) {
        continue;
      }
      // Let a burst of writes (cp -r, an editor's save) finish before re-reading.
      while (watcher->wait_for_change(std::chrono::milliseconds(3))) {
      }
      spec::ClusterStatePtr next = source.reload();
      for (const std::string& line : source.take_logs()) {
        spdlog::warn("{}", line);
      }
      auto snapshot = proxy::make_snapshot(next, counters);
      control.set(snapshot);
      plane.publish(snapshot);
      spdlog::info("manifests reloaded (generation {}): {} routes", next->generation, snapshot->table->routes().size());
    }
  });

  // Wait for SIGTERM/SIGINT, then drain: /readyz 503 and Connection: close at once,
  // keep serving for the shutdown delay, stop accepting, wait for in-flight requests.
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  spdlog::info("signal {}: draining (shutdown delay {} ms, drain timeout {} ms)", signal_number,
               std::chrono::duration_cast<std::chrono::milliseconds>(config.shutdown_delay).count(),
               std::chrono::duration_cast<std::chrono::milliseconds>(config.drain_timeout).count());
  shared.draining.store(true);
  // A second signal exits at once.
  g_signals.store(1);
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  pthread_sigmask(SIG_UNBLOCK, &signals, nullptr);

  std::this_thread::sleep_for(config.shutdown_delay);
  plane.close_listeners();
  const auto deadline = std::chrono::steady_clock::now() + config.drain_timeout;
  while (shared.active.load() > 0
         && (config.drain_timeout == core::Duration::zero() || std::chrono::steady_clock::now() < deadline)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (shared.active.load() > 0) {
    spdlog::warn("drain timeout: cutting {} in-flight requests", shared.active.load());
  }
  plane.stop();
  stopping.store(true);
  watch_thread.join();
  admin.stop();
  metrics_server.stop();
  admin_thread.join();
  if (metrics_thread.joinable()) {
    metrics_thread.join();
  }
  spdlog::info("stopped");
  return 0;
}

} // namespace kedahttp::net
