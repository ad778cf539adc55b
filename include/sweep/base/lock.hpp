// Locks on files (flock), released when their owner ends or its process dies:
// - the sweep lock (NAME/.sweep.lock): `sweep setup` holds it exclusively while it
//   samples and writes cfgs/; `launch` and `collect` hold it shared while they
//   read the configs and logs. So setup never replaces cfgs/ under a running
//   launch or collect, two setups never write one sweep, and launches and
//   collects still run side by side. Nobody waits: a sweep in use is an error
//   that says which verb holds it.
// - the launch lock (logs/.launch.lock): whoever launches a sweep holds it
//   exclusively while it does (a local launcher for the whole run, a cluster
//   submission while it submits), so two launches never run one sweep at once,
//   and `status` can tell whether a launcher is alive without trusting pid
//   files. The holder writes its pid into the file, for `sweep cancel`.
#pragma once

#include <sweep/base/files.hpp>
#include <sweep/base/layout.hpp>
#include <sweep/error.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace sweep {

/// @brief An flock on a file, released when this object ends (or the process dies). An exclusive
/// holder writes `note` (default: its pid) into the file, for whoever finds the lock taken.
class file_lock {
 public:
  file_lock(const std::filesystem::path& path, bool exclusive, std::string_view note = {}) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
    if (fd_ < 0) {
      throw error({path.string(), 0}, "", fmt::format("cannot open the lock file: {}", std::strerror(errno)));
    }
    locked_ = ::flock(fd_, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0;
    if (locked_ && exclusive) {
      auto text = note.empty() ? fmt::format("{}\n", ::getpid()) : fmt::format("{}\n", note);
      if (::ftruncate(fd_, 0) == 0) {
        auto n = ::pwrite(fd_, text.data(), text.size(), 0);
        (void)n;  // only a hint: readers check the lock is held before they trust it
      }
    }
  }
  file_lock(const file_lock&) = delete;
  file_lock& operator=(const file_lock&) = delete;
  ~file_lock() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] bool locked() const noexcept { return locked_; }

 private:
  int fd_ = -1;
  bool locked_ = false;
};

/// @brief True while some process holds a lock on the file. Only probes: the file is opened read-only
/// and never created, so `sweep status` works on another user's readable sweep; a file that cannot be
/// opened counts as not held (nothing to tell).
inline bool lock_held(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return false;
  bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);  // also drops the shared lock if we got it
  return held;
}

/// @brief True while some process holds the sweep's launch lock (logs/.launch.lock: a launch is running).
inline bool launcher_active(const std::filesystem::path& lock_path) { return lock_held(lock_path); }

/// @brief The pid of the process holding the launch lock (its holder writes it there), if one does.
inline std::optional<pid_t> launcher_pid(const std::filesystem::path& lock_path) {
  if (!launcher_active(lock_path)) return std::nullopt;
  long pid = std::strtol(first_line_of(lock_path).c_str(), nullptr, 10);
  if (pid <= 0) return std::nullopt;
  return static_cast<pid_t>(pid);
}

/// @brief How a verb uses a sweep folder: reads its configs (launch, collect) or writes them (setup).
enum class sweep_access { shared, exclusive };

/// @brief Holds the sweep lock (see the top of base/lock.hpp) for one verb, or throws an error that
/// names the verb holding it. A shared lock on a folder that does not exist yet is not taken: the verb
/// then fails on its own (no configs), with the message that says why.
class sweep_lock {
 public:
  sweep_lock(const sweep_layout& layout, sweep_access access, std::string_view verb) {
    bool exclusive = access == sweep_access::exclusive;
    std::error_code ec;
    if (!exclusive && !std::filesystem::is_directory(layout.dir, ec)) return;
    auto path = layout.sweep_lock_file();
    lock_.emplace(path, exclusive, fmt::format("{} {}", verb, ::getpid()));
    if (lock_->locked()) return;
    // An exclusive holder wrote "VERB PID"; shared holders write nothing (a launch shows in its own lock).
    auto holder = first_line_of(path);
    std::string who = "another `sweep setup`, `launch` or `collect`";
    if (!exclusive && !holder.empty()) {
      auto blank = holder.find(' ');
      who = fmt::format("`sweep {}` (pid {})", holder.substr(0, blank), holder.substr(blank + 1));
    } else if (auto launcher = launcher_pid(layout.lock_file())) {
      who = fmt::format("`sweep launch` (pid {})", *launcher);
    } else if (exclusive) {
      who = "`sweep collect` or a `sweep launch` starting";
    }
    throw error({layout.dir.string(), 0}, "",
                fmt::format("the sweep is in use by {}: `sweep {}` expected it to end first (nothing was changed)", who,
                            verb));
  }

 private:
  std::optional<file_lock> lock_;
};

}  // namespace sweep
