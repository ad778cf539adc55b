// Paths that come from a config or the command line and are joined onto a folder of the sweep
// (NAME and ANALYZE.EXTRA_SWEEP_NAMES under ROOT_DIR; COLLECT.LOG_FILE, ERR_FILE and
// CHECKPOINT_DIR under a job's folder logs/NNNNNN/): each must name something inside the folder
// it is meant for. Checked twice: on the text when the config is checked (no absolute path, no
// '.' or '..' part, no empty part), and again where the path is read or deleted, with symlinks
// resolved, so a symlink in the sweep that points outside it is never followed.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include <sys/stat.h>

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

}  // namespace sweep
