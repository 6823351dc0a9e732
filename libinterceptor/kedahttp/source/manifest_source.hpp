#pragma once

// Cluster state from manifest files: `kedahttp serve --manifests PATH`.
//
// Reads InterceptorRoute, HTTPScaledObject, Service, EndpointSlice and ConfigMap
// objects (other kinds are ignored) from files and directories, checks each
// object on its own, and publishes the accepted ones as one immutable
// spec::ClusterState. A bad object never takes the others down:
//   - an object that fails validation (an error the API server would reject it
//     for) is listed in `rejected` as "file:line" + the first error, and the
//     last good version of the same object (kind, namespace, name) from the
//     previous snapshot keeps serving in its place;
//   - a document that cannot be read (YAML syntax, not an object, template
//     syntax) or a path that cannot be read is listed in `rejected`, and the
//     objects that the previous snapshot had from that file keep serving;
//   - the same object defined twice: the first one (in path order) wins.
// Watching for changes is a separate piece (source/watcher.hpp); the owner
// calls reload() when the watcher reports a change.
//
// Not thread-safe: one owner calls load()/reload()/take_logs(). The snapshots
// it returns are immutable and may be shared with any thread.

#include <kedahttp/spec/cluster_state.hpp>
#include <kedahttp/validate/options.hpp>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace kedahttp::source {

// --- Interface ---

class ManifestSource
{
public:
  // `paths`: files and directories (read recursively: .yaml, .yml, .json), as
  // given to --manifests. `options.default_namespace` is the namespace of
  // objects without one; the other options tune validation.
  explicit ManifestSource(std::vector<std::string> paths, validate::Options options = {});

  // Reads everything afresh, with no previous state to fall back on, and
  // returns the new snapshot (generation 1 on the first call).
  spec::ClusterStatePtr load();

  // Re-reads everything after a change and returns the next snapshot, falling
  // back on the current one for rejected objects and unreadable files.
  // A full re-read: simple and, for the few hundred objects a --manifests
  // directory holds, cheap; incremental updates can come with the API source.
  spec::ClusterStatePtr reload();

  // The last snapshot returned (nullptr before the first load).
  spec::ClusterStatePtr current() const { return m_current; }

  // Log lines for rejections that are new since the previous load/reload, one
  // per rejected object or document, e.g.
  //   "routes.yaml:12: InterceptorRoute shop/shop rejected: spec.target: ... (last good version kept)"
  // A rejection that persists over reloads is returned once; one that is fixed
  // and comes back is returned again. Returns and clears the pending lines.
  std::vector<std::string> take_logs();

  const std::vector<std::string>& paths() const { return m_paths; }

private:
  spec::ClusterStatePtr build(const spec::ClusterState* previous);

  std::vector<std::string> m_paths;
  validate::Options m_options;
  spec::ClusterStatePtr m_current;
  uint64_t m_generation = 0;
  std::set<std::string> m_reported; // rejection lines of the current snapshot
  std::vector<std::string> m_pending_logs;
};

// "file:line: Kind ns/name rejected: reason", the line logged for `rejected`.
std::string rejection_line(const spec::Rejected& rejected);

} // namespace kedahttp::source
