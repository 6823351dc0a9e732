#pragma once

// The interceptor's route table: an immutable snapshot built from the cluster state, and the
// request -> route algorithm with upstream's exact precedence (interceptor.md 2.1, 2.2;
// upstream pkg/routing/{key.go,table.go,tablememory.go}).
//
// Thread safety: a RouteTable never changes after construction; every const member may be
// called from any number of threads at once. `serve` publishes it as
// std::shared_ptr<const RouteTable> and swaps in a new one on every change.

#include <kedahttp/routing/headers.hpp>
#include <kedahttp/spec/cluster_state.hpp>
#include <kedahttp/spec/objects.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace kedahttp::routing {

// --- Interface ---

// One routable object: an InterceptorRoute, or an HTTPScaledObject converted to one.
struct Route {
  spec::InterceptorRoute route; // a copy: the table owns what it routes with
  std::string key;              // "namespace/name": the queue counter key
  bool legacy = false;          // converted from an HTTPScaledObject (spec/legacy.hpp)
};

class RouteTable {
public:
  // The empty table: routes nothing.
  RouteTable() = default;

  // Every InterceptorRoute and HTTPScaledObject of `state`. An HTTPScaledObject is skipped when
  // an InterceptorRoute with the same namespace/name exists; of two objects of one kind with the
  // same namespace/name the first is kept.
  explicit RouteTable(const spec::ClusterState& state);

  // The table for `state`, ready to publish.
  static std::shared_ptr<const RouteTable> build(const spec::ClusterState& state);

  // The same from the objects themselves.
  explicit RouteTable(std::span<const spec::InterceptorRoute> routes,
                      std::span<const spec::HTTPScaledObject> legacy = {});

  // The route for a request, or nullptr (-> 404):
  // - `host_header`: the raw Host header (or :authority) value; the port is stripped here
  //   ("[::1]:8080" -> "::1"), no case folding, no trailing-dot normalisation, no URL-host
  //   fallback. An empty host is routed by catch-all keys only.
  // - `path`: the URL path, percent-decoded by the caller, not cleaned ("..", "//" stay).
  // - `headers`: every request header line.
  // Stages, first hit wins: exact host; wildcards from the most to the least specific
  // ("*.b.c.com", "*.c.com", "*.com"); catch-all "*". In each stage only the longest stored key
  // that is a byte-prefix of "<host>/<path>/" is consulted: its entries in precedence order,
  // the first whose header matchers all hold. If none holds, shorter keys of that stage are not
  // tried; the next stage is. Allocation-free unless the path is longer than about 1 KiB.
  const Route* match(std::string_view host_header, std::string_view path, Headers headers) const;

  // How `match` decides for this request, one human-readable line per step: each stage and
  // its search key, the key found, each entry tried and why it matched or not, and the result.
  std::vector<std::string> explain(std::string_view host_header, std::string_view path, Headers headers) const;

  // Every stored key with its entries in precedence order, one line per key and per entry.
  std::vector<std::string> dump() const;

  // Every route's "namespace/name", sorted, also of routes that have no rules (and so are never
  // matched): the keys the request counters must have.
  const std::vector<std::string>& keys() const { return m_keys; }

  // Every route, InterceptorRoutes first, in input order.
  std::span<const Route> routes() const { return m_routes; }

  // The route with key "namespace/name", or nullptr.
  const Route* find(std::string_view key) const;

  // How many routing keys are stored.
  size_t key_count() const { return m_slots.size(); }

private:
  // One (route, rule) on a key, with what orders it among the other entries on that key.
  struct Entry {
    uint32_t route = 0;
    uint32_t rule = 0;
    uint32_t header_count = 0;
    uint32_t valued_count = 0;
  };
  // A key's entries: m_entries[first, first + count).
  struct Slot {
    uint32_t first = 0;
    uint32_t count = 0;
  };
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const noexcept { return std::hash<std::string_view>{}(text); }
  };
  template<typename V> using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

  void add(spec::InterceptorRoute route, bool legacy);
  void index();
  // The longest stored key that is a byte-prefix of `search_key` (with its slot), or nullptr.
  const std::pair<const std::string, Slot>* longest_key(std::string_view search_key) const;
  template<typename Visitor> const Route* walk(std::string_view host_header, std::string_view path, Headers headers,
                                               Visitor& visitor) const;
  std::string describe(const Entry& entry) const;

  std::vector<Route> m_routes;
  std::vector<std::string> m_keys;
  std::vector<Entry> m_entries;
  // Full routing key -> its entries.
  StringMap<Slot> m_slots;
  // First segment of a key (up to and including its first '/', i.e. "<host>/") -> the distinct
  // lengths of the keys that start with it, longest first.
  StringMap<std::vector<uint32_t>> m_groups;
};

} // namespace kedahttp::routing
