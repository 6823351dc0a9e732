#include <kedahttp/source/watcher.hpp>

#include <kedahttp/util/strings.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace kedahttp::source {

namespace {

// Everything that can change what the loader reads. IN_ATTRIB is left out: a
// `touch` or chmod does not change content, and an unreadable file is reported
// by the loader on the next real change.
constexpr uint32_t k_mask = IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE
                            | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

// "dir/" -> "dir", "./a/../b" -> "b": the same spelling for the same path, so
// that names from events can be compared with the paths we were given.
std::string
normalize(const std::string& path)
{
  fs::path p = fs::path(path).lexically_normal();
  if (!p.has_filename() && p.has_parent_path() && p != p.root_path()) {
    p = p.parent_path();
  }
  return p.empty() ? std::string(".") : p.string();
}

std::string
parent_of(const std::string& path)
{
  const fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

std::string
join(const std::string& dir, const std::string& name)
{
  return dir == "/" ? "/" + name : dir + "/" + name;
}

bool
is_under(const std::string& path, const std::string& dir)
{
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/');
}

// Names that can change what the loader reads inside a watched tree: manifest
// files (the loader's extensions) and directories. "..data" and friends are the
// symlinks that Kubernetes' atomic writer swaps when a mounted ConfigMap changes.
// Editor swap and backup files (".x.yaml.swp", "x.yaml~") do not count, so that
// editing in place does not reload on every autosave.
bool
is_manifest_name(const std::string& name)
{
  if (name.starts_with("..")) {
    return true;
  }
  const std::string ext = util::to_lower(fs::path(name).extension().string());
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

} // namespace

Watcher::Watcher(const std::vector<std::string>& paths)
{
  m_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (m_fd < 0) {
    m_errors.push_back(std::string("inotify: ") + std::strerror(errno));
    return;
  }
  for (const std::string& given : paths) {
    const std::string path = normalize(given);
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      m_roots.push_back(path);
      add_tree(path);
      // The tree's parent too: a directory that is replaced as a whole (a
      // git-sync style symlink swap, or rm -r and re-create) is seen there.
      if (path != "/") {
        const int wd = add_directory(parent_of(path), false);
        if (wd >= 0) {
          m_watches[wd].roots[fs::path(path).filename().string()] = path;
        }
      }
    } else if (fs::exists(parent_of(path), ec)) {
      // A file, or one that does not exist yet: both are seen through the parent.
      add_file(path);
    } else {
      m_errors.push_back(given + ": no such file or directory");
    }
  }
}

Watcher::~Watcher()
{
  close_fd();
}

Watcher::Watcher(Watcher&& other) noexcept
  : m_fd(std::exchange(other.m_fd, -1)),
    m_watches(std::move(other.m_watches)),
    m_roots(std::move(other.m_roots)),
    m_errors(std::move(other.m_errors))
{
}

Watcher&
Watcher::operator=(Watcher&& other) noexcept
{
  if (this != &other) {
    close_fd();
    m_fd = std::exchange(other.m_fd, -1);
    m_watches = std::move(other.m_watches);
    m_roots = std::move(other.m_roots);
    m_errors = std::move(other.m_errors);
  }
  return *this;
}

void
Watcher::close_fd()
{
  if (m_fd >= 0) {
    ::close(m_fd);
    m_fd = -1;
  }
}

int
Watcher::add_directory(const std::string& dir, bool report_errors)
{
  const int wd = inotify_add_watch(m_fd, dir.c_str(), k_mask);
  if (wd < 0) {
    if (report_errors) {
      m_errors.push_back(dir + ": cannot watch: " + std::strerror(errno));
    }
    return -1;
  }
  // The same inode reached twice (a path given twice, a bind mount) keeps one
  // watch descriptor; keep its first spelling.
  Watch& watch = m_watches[wd];
  if (watch.dir.empty()) {
    watch.dir = dir;
  }
  return wd;
}

void
Watcher::add_tree(const std::string& dir)
{
  // An explicit work list instead of recursion: directory depth is not ours to bound.
  std::vector<std::string> pending{dir};
  while (!pending.empty()) {
    const std::string current = std::move(pending.back());
    pending.pop_back();
    const int wd = add_directory(current, true);
    if (wd < 0) {
      continue;
    }
    m_watches[wd].tree = true;
    std::error_code ec;
    for (fs::directory_iterator it(current, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
      // Like the loader, which does not follow directory symlinks.
      std::error_code status_ec;
      if (it->symlink_status(status_ec).type() == fs::file_type::directory) {
        pending.push_back(it->path().string());
      }
    }
  }
}

void
Watcher::add_file(const std::string& file)
{
  const int wd = add_directory(parent_of(file), true);
  if (wd >= 0) {
    m_watches[wd].files.insert(fs::path(file).filename().string());
  }
}

void
Watcher::forget_tree(const std::string& dir)
{
  for (auto it = m_watches.begin(); it != m_watches.end();) {
    if (it->second.tree && is_under(it->second.dir, dir)) {
      inotify_rm_watch(m_fd, it->first);
      it = m_watches.erase(it);
    } else {
      ++it;
    }
  }
}

void
Watcher::rescan()
{
  // After a queue overflow nobody knows which subdirectories appeared: walk
  // every tree again. Existing watches are kept (same inode, same descriptor).
  for (const std::string& root : m_roots) {
    add_tree(root);
  }
}

bool
Watcher::drain()
{
  if (m_fd < 0) {
    return false;
  }
  bool changed = false;
  bool overflow = false;
  std::set<std::string> replaced_roots;
  alignas(inotify_event) char buffer[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(m_fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break; // EAGAIN: nothing more pending
    }
    for (ssize_t offset = 0; offset + static_cast<ssize_t>(sizeof(inotify_event)) <= n;) {
      inotify_event event;
      std::memcpy(&event, buffer + offset, sizeof(event));
      const char* name_start = buffer + offset + sizeof(inotify_event);
      offset += static_cast<ssize_t>(sizeof(inotify_event) + event.len);
      // The kernel pads the name with NULs up to `len`.
      const std::string name = event.len > 0 ? std::string(name_start, ::strnlen(name_start, event.len)) : "";

      if (event.mask & IN_Q_OVERFLOW) {
        overflow = true;
        changed = true;
        continue;
      }
      const auto it = m_watches.find(event.wd);
      if (it == m_watches.end()) {
        continue; // a watch we already dropped
      }
      // Copies: handling the event may add or erase watches.
      const std::string dir = it->second.dir;
      const bool tree = it->second.tree;
      const bool watched_file =
        it->second.files.count(name) > 0 || (!it->second.files.empty() && name.starts_with(".."));
      const auto root = it->second.roots.find(name);
      const bool root_name = !name.empty() && root != it->second.roots.end();
      const std::string root_path = root_name ? root->second : std::string();
      const bool is_root = tree && std::find(m_roots.begin(), m_roots.end(), dir) != m_roots.end();

      if (event.mask & IN_IGNORED) {
        // The directory is gone (or we removed the watch ourselves).
        m_watches.erase(it);
        if (is_root) {
          replaced_roots.insert(dir);
        }
        continue;
      }
      if (event.mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
        // The parent of a watched file or a tree directory went away: its files did too.
        changed = true;
        if (is_root) {
          replaced_roots.insert(dir);
        }
        continue;
      }
      if (root_name) {
        // The tree itself was created, deleted or renamed over.
        changed = true;
        replaced_roots.insert(root_path);
      }
      if (watched_file) {
        changed = true;
      }
      if (!tree) {
        continue;
      }
      if (event.mask & IN_ISDIR) {
        changed = true;
        const std::string path = join(dir, name);
        if (event.mask & (IN_CREATE | IN_MOVED_TO)) {
          // Files written into it before this watch exists are picked up by the
          // reload that this event triggers.
          add_tree(path);
        } else if (event.mask & IN_MOVED_FROM) {
          // Its watches would keep reporting from wherever it went.
          forget_tree(path);
        }
        continue;
      }
      if (is_manifest_name(name)) {
        changed = true;
      }
    }
  }
  if (overflow) {
    rescan();
  }
  for (const std::string& root : replaced_roots) {
    // Watches follow inodes: a replaced tree must be watched afresh at its path.
    forget_tree(root);
    std::error_code ec;
    if (fs::is_directory(root, ec)) {
      add_tree(root);
    }
  }
  return changed;
}

bool
Watcher::wait_for_change(std::chrono::milliseconds timeout)
{
  if (m_fd < 0) {
    return false;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    using std::chrono::milliseconds;
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() < 0) {
      return false;
    }
    pollfd poll_fd{m_fd, POLLIN, 0};
    const int ready = ::poll(&poll_fd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) {
      continue;
    }
    if (ready <= 0) {
      return false;
    }
    // Irrelevant events (another file in a watched file's directory) are
    // consumed and the wait goes on.
    if (drain()) {
      return true;
    }
  }
}

} // namespace kedahttp::source
