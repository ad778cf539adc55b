// Paths that come from a config or the command line and are joined onto a folder of the sweep
// (NAME and ANALYZE.EXTRA_SWEEP_NAMES under ROOT_DIR; COLLECT.LOG_FILE, ERR_FILE and
// CHECKPOINT_DIR under a job's folder logs/NNNNNN/): each must name something inside the folder
// it is meant for. Checked twice: on the text when the config is checked (no absolute path, no
// '.' or '..' part, no empty part), and again where the path is read or deleted, with symlinks
// resolved, so a symlink in the sweep that points outside it is never followed. Where
// something is read or deleted, open_inside does that check and the open in one step.
#pragma once

#include <sweep/base/files.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace sweep {

/// @brief Why `rel`, joined onto a folder (`folder` names it in the message: "ROOT_DIR", "the job's
/// folder"), would name something outside it or the folder itself; empty when it names something
/// inside. Judged on the text alone: relative, parts separated by single '/', none of them '.' or
/// '..', no control characters. Symlinks are stays_inside's business.
[[nodiscard]] inline std::string relative_path_problem(std::string_view rel, std::string_view folder) {
  if (rel.empty()) return fmt::format("is empty: expected a name inside {}", folder);
  if (std::any_of(rel.begin(), rel.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    return "must not contain control characters (newlines, tabs, ...)";
  }
  if (rel.front() == '/') return fmt::format("'{}' is absolute: expected a relative name inside {}", rel, folder);
  bool empty_part = false;
  for (std::size_t at = 0; at <= rel.size();) {
    auto end = std::min(rel.find('/', at), rel.size());
    auto part = rel.substr(at, end - at);
    if (part == ".." || part == ".") {
      return fmt::format("'{}' has a '{}' part: expected a name that stays inside {}", rel, part, folder);
    }
    empty_part = empty_part || part.empty();
    at = end + 1;
  }
  if (empty_part) return fmt::format("'{}' has an empty part: expected parts separated by single '/'", rel);
  return {};
}

namespace detail {

/// @brief `p` without a trailing empty part ("/a/b/" -> "/a/b"), to compare parts.
inline std::filesystem::path without_trailing_slash(std::filesystem::path p) {
  while (!p.has_filename() && p.has_relative_path()) p = p.parent_path();
  return p;
}

/// @brief Whether `inner` is `outer` or below it, part by part (both resolved).
inline bool is_within(const std::filesystem::path& inner, const std::filesystem::path& outer) {
  auto o = without_trailing_slash(outer), i = without_trailing_slash(inner);
  return std::mismatch(o.begin(), o.end(), i.begin(), i.end()).first == o.end();
}

}  // namespace detail

/// @brief Whether `base / rel` stays inside `base` once every symlink and '..' is resolved (`base`
/// resolved too, so a sweep folder that is itself a symlink is fine): what to check right before
/// reading or deleting what a config named there. `rel` must pass relative_path_problem. A path
/// that does not exist (yet) stays inside as far as it exists: nothing outside can be reached
/// through it. Cheap when no part of `rel` is a symlink (one lstat per part); only a symlink
/// makes it resolve the whole path.
[[nodiscard]] inline bool stays_inside(const std::filesystem::path& base, std::string_view rel) {
  if (!relative_path_problem(rel, "").empty()) return false;
  std::filesystem::path at = base;
  bool symlink = false;
  for (std::size_t from = 0; from <= rel.size() && !symlink;) {
    auto end = std::min(rel.find('/', from), rel.size());
    at /= std::string(rel.substr(from, end - from));
    from = end + 1;
    struct stat st {};
    if (::lstat(at.c_str(), &st) != 0) {
      // Missing: nothing below it to reach. Any other failure: the path cannot be checked, so it is not used.
      return errno == ENOENT || errno == ENOTDIR;
    }
    symlink = S_ISLNK(st.st_mode);
  }
  if (!symlink) return true;  // no '..' (checked above) and no symlink below base: inside it
  std::error_code ec;
  auto real_base = std::filesystem::weakly_canonical(base, ec);
  if (ec) return false;
  auto real = std::filesystem::weakly_canonical(base / std::filesystem::path(std::string(rel)), ec);
  return !ec && detail::is_within(real, real_base);
}

/// @brief What open_inside opened, or why not.
struct opened_inside {
  unique_fd fd;          // open when it could be opened inside the folder
  bool outside = false;  // resolves outside the folder (or names it badly): left unopened
};

namespace detail {

/// @brief openat2(RESOLVE_BENEATH): the kernel refuses, with EXDEV, any path that leaves `dir_fd`,
/// through '..', a symlink or an absolute symlink (even one that points back inside).
inline int open_beneath(int dir_fd, const std::string& rel, int flags) {
  open_how how{};
  how.flags = static_cast<std::uint64_t>(flags);
  how.resolve = RESOLVE_BENEATH;
  for (int tries = 0;; ++tries) {
    auto fd = static_cast<int>(::syscall(SYS_openat2, dir_fd, rel.c_str(), &how, sizeof how));
    if (fd >= 0 || errno != EAGAIN || tries == 8) return fd;  // EAGAIN: a rename raced the walk, try again
  }
}

/// @brief Where an open descriptor leads, symlinks resolved (empty when /proc cannot tell).
inline std::filesystem::path opened_path(int fd) {
  std::error_code ec;
  auto path = std::filesystem::read_symlink(fmt::format("/proc/self/fd/{}", fd), ec);
  return ec ? std::filesystem::path{} : path;
}

}  // namespace detail

/// @brief Opens `rel` in the folder `base`, open as `base_fd`, when it stays inside it once every
/// symlink is resolved (what stays_inside says), with the check and the open in one step: a
/// symlink swapped in between cannot lead out. The kernel checks as it opens (openat2's
/// RESOLVE_BENEATH). A path it refuses that may still stay inside (an absolute symlink to a file
/// in the folder), or a kernel without openat2, gets stays_inside, the open, and a second check of
/// where the opened descriptor leads. Not opened: `outside`, or errno says why (ENOENT: missing).
/// `flags` as open(2) takes them; O_CLOEXEC, O_NOCTTY and O_NONBLOCK (a FIFO put there is not
/// waited for) are added.
[[nodiscard]] inline opened_inside open_inside(int base_fd, const std::filesystem::path& base, std::string_view rel,
                                               int flags) {
  opened_inside out;
  if (!relative_path_problem(rel, "").empty()) {
    out.outside = true;
    return out;
  }
  flags |= O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  std::string name(rel);
  static std::atomic<bool> no_openat2{false};  // learnt once: the kernel (or a seccomp filter) lacks it
  if (!no_openat2.load(std::memory_order_relaxed)) {
    int fd = detail::open_beneath(base_fd, name, flags);
    if (fd >= 0) {
      out.fd = unique_fd(fd);
      return out;
    }
    if (errno == ENOSYS) no_openat2.store(true, std::memory_order_relaxed);
    if (errno != ENOSYS && errno != EPERM && errno != EXDEV) return out;  // missing, unreadable, ...
  }
  if (!stays_inside(base, rel)) {
    out.outside = true;
    return out;
  }
  out.fd = unique_fd(::openat(base_fd, name.c_str(), flags));
  if (!out.fd) return out;
  auto real_base = detail::opened_path(base_fd), real = detail::opened_path(out.fd.get());
  if (real_base.empty() || real.empty() || !detail::is_within(real, real_base)) {
    out.fd.reset();
    out.outside = true;
  }
  return out;
}

/// @brief `base` opened as a folder to open_inside it (-1 when it cannot be opened).
[[nodiscard]] inline unique_fd open_folder(const std::filesystem::path& base) {
  return unique_fd(::open(base.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
}

}  // namespace sweep
