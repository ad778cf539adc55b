// File stamps for collect: one stat per file (size + mtime), relative to an open
// folder, so re-collecting can tell which logs changed.
#pragma once

#include <sweep/base/files.hpp>
#include <sweep/error.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace sweep::detail {

/// @brief What tells us a file changed: its size and modification time (ns); exists=false if absent.
struct file_stamp {
  bool exists = false;
  std::int64_t size = 0;
  std::int64_t mtime_ns = 0;
  friend bool operator==(const file_stamp&, const file_stamp&) = default;
};

/// @brief One stat() call (relative to the open folder `dir_fd`, which saves the kernel walking
/// the whole path for each of a sweep's thousands of files); a missing file gives exists=false.
inline file_stamp stamp_of(const std::string& path, int dir_fd = AT_FDCWD) {
  struct stat st {};
  if (::fstatat(dir_fd, path.c_str(), &st, 0) != 0 || !S_ISREG(st.st_mode)) return {};
  return {true, static_cast<std::int64_t>(st.st_size),
          static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

/// @brief Whether `path` (relative to `dir_fd`) is a folder.
inline bool is_folder(const std::string& path, int dir_fd = AT_FDCWD) {
  struct stat st {};
  return ::fstatat(dir_fd, path.c_str(), &st, 0) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace sweep::detail
