// The launch lock (logs/.launch.lock): whoever launches a sweep holds it
// exclusively while it does (a local launcher for the whole run, a cluster
// submission while it submits), so two launches never run one sweep at once,
// and `status` can tell whether a launcher is alive without trusting pid
// files. The holder writes its pid into the file, for `sweep cancel`.
#pragma once

#include <sweep/error.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace sweep {

/// @brief An flock on a file, released when this object ends (or the process dies).
class file_lock {
 public:
  file_lock(const std::filesystem::path& path, bool exclusive) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw error({path.string(), 0}, "", "cannot open the launch lock");
    locked_ = ::flock(fd_, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0;
    if (locked_ && exclusive) {  // the holder's pid, for `sweep cancel`
      auto pid = fmt::format("{}\n", ::getpid());
      if (::ftruncate(fd_, 0) == 0) {
        auto n = ::pwrite(fd_, pid.data(), pid.size(), 0);
        (void)n;  // only a hint: cancel checks the lock is held before it signals
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

/// @brief True while some process holds the sweep's launch lock (a launch is running).
/// Only probes: the file is opened read-only and never created, so `sweep status` works on another
/// user's readable sweep; a lock file that cannot be opened counts as no launcher (nothing to tell).
inline bool launcher_active(const std::filesystem::path& lock_path) {
  int fd = ::open(lock_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return false;
  bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);  // also drops the shared lock if we got it
  return held;
}

/// @brief The pid of the process holding the launch lock, if one does.
inline std::optional<pid_t> launcher_pid(const std::filesystem::path& lock_path) {
  if (!launcher_active(lock_path)) return std::nullopt;
  int fd = ::open(lock_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buf[32] = {};
  auto n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return std::nullopt;
  long pid = std::strtol(buf, nullptr, 10);
  if (pid <= 0) return std::nullopt;
  return static_cast<pid_t>(pid);
}

}  // namespace sweep
