#pragma once

// The proxy data plane: one event loop per worker thread, each with its own
// acceptor (SO_REUSEPORT), sessions, upstream pool and hold queue. Boost stays
// behind this interface (data_plane.cpp is the only file that includes Beast).

#include <kedahttp/net/metrics.hpp>
#include <kedahttp/net/server.hpp>

#include <atomic>
#include <functional>
#include <memory>

namespace kedahttp::net {

// --- Interface ---

// Shared state every worker reads.
struct Shared {
  const ServeConfig& config;
  Metrics& metrics;
  hold::HoldBudget& budget;
  std::atomic<bool> draining{false};
  std::atomic<int64_t> active{0}; // requests being handled (drain waits for 0)
  std::function<void(const std::string&)> access_log; // empty: off
  const TlsContexts* tls = nullptr;                   // set: the TLS listener runs too
  Tracer* tracer = nullptr;                           // set: tracing is on
};

class DataPlane
{
public:
  DataPlane(Shared& shared, proxy::SnapshotPtr initial);
  ~DataPlane();

  // Binds every worker's acceptor; throws std::runtime_error with the reason on failure.
  void start();
  // Publishes a new snapshot to every worker (wakes the waiters of services that became ready).
  void publish(proxy::SnapshotPtr snapshot);
  // Stops accepting new connections (drain), existing ones go on.
  void close_listeners();
  // Stops every event loop and joins the threads.
  void stop();

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace kedahttp::net
