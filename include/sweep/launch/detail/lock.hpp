// The launch lock (logs/.launch.lock): a local launcher holds it exclusively
// while it runs, so two launchers never run one sweep, and `status` can tell
// whether a launcher is alive without trusting pid files.
#pragma once

#include <sweep/error.hpp>

#include <filesystem>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace sweep::detail {

/// @brief An flock on a file, released when this object ends (or the process dies).
class file_lock {
 public:
  file_lock(const std::filesystem::path& path, bool exclusive) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw error({path.string(), 0}, "", "cannot open the launch lock");
    locked_ = ::flock(fd_, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0;
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

/// @brief True while some process holds the sweep's launch lock (a local launch is running).
inline bool launcher_active(const std::filesystem::path& lock_path) {
  std::error_code ec;
  if (!std::filesystem::exists(lock_path, ec)) return false;
  file_lock probe(lock_path, false);
  return !probe.locked();
}

}  // namespace sweep::detail
