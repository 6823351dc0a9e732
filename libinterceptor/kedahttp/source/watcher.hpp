#pragma once

// Tells the owner that something under the manifest paths may have changed:
// an inotify instance over the given files and directories (Linux only).
//
// Directories are watched recursively, and subdirectories created or moved in
// later are added as their events arrive. A file path is watched through its
// parent directory, filtered by name, so that a file replaced by an atomic
// rename (write a temporary file, rename it over; what editors and kubectl-style
// tools do) is still seen: a watch on the file's inode would stay on the old,
// unlinked inode.
//
// The watcher only says "reload"; it never says what changed. A reload re-reads
// everything, so a reported event that turns out to change nothing costs one
// reload, while a missed one would leave stale routes. It therefore errs towards
// reporting.
//
// Not thread-safe: one owner calls drain() (from its event loop when fd() is
// readable) or wait_for_change() (tests, simple loops).

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace kedahttp::source {

// --- Interface ---

class Watcher
{
public:
  // Starts watching `paths` (files or directories). Paths that cannot be watched
  // (missing, no permission, inotify limits) are listed by errors(); the others
  // are watched anyway.
  explicit Watcher(const std::vector<std::string>& paths);
  ~Watcher();

  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;
  Watcher(Watcher&& other) noexcept;
  Watcher& operator=(Watcher&& other) noexcept;

  // The inotify descriptor (non-blocking); readable when events are pending.
  // -1 when inotify could not be created (see errors()).
  int fd() const { return m_fd; }

  // Reads every pending event without blocking and returns whether any of them
  // may have changed the manifests. A burst of events (an editor's save, a
  // `cp -r`) is coalesced into one `true`. Also adds watches for new
  // subdirectories and drops watches of directories that went away.
  bool drain();

  // Blocks up to `timeout` until a relevant change arrives (poll(2) + drain()).
  // Returns false on timeout. Meant for tests and simple loops; an event loop
  // waits on fd() instead.
  bool wait_for_change(std::chrono::milliseconds timeout);

  // "path: reason" for every path or subdirectory that could not be watched.
  const std::vector<std::string>& errors() const { return m_errors; }

  // Number of directories currently watched (diagnostics and tests).
  size_t watched_directories() const { return m_watches.size(); }

private:
  struct Watch
  {
    std::string dir;
    bool tree = false;                        // inside a watched directory tree: manifest names count
    std::set<std::string> files;              // watched files in this directory, by name
    std::map<std::string, std::string> roots; // watched trees in this directory: name -> tree path
  };

  int add_directory(const std::string& dir, bool report_errors);
  void add_tree(const std::string& dir);
  void add_file(const std::string& file);
  void forget_tree(const std::string& dir);
  void rescan();
  void close_fd();

  int m_fd = -1;
  std::map<int, Watch> m_watches;    // by watch descriptor
  std::vector<std::string> m_roots;  // directories given by the owner, for rescan()
  std::vector<std::string> m_errors;
};

} // namespace kedahttp::source
