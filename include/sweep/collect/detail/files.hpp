// File helpers for collect: one stat per file (size + mtime), whole-file reads
// into a reused buffer, and atomic writes (temporary name, then rename).
#pragma once

#include <sweep/error.hpp>

#include <fmt/format.h>

#include <sys/stat.h>
#include <unistd.h>

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

/// @brief One stat() call; a missing file gives exists=false.
inline file_stamp stamp_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return {};
  return {true, static_cast<std::int64_t>(st.st_size),
          static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

/// @brief Reads a whole file into `out` (replacing its contents); false if it cannot be opened.
inline bool read_file_into(const std::string& path, std::string& out) {
  out.clear();
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  char chunk[1 << 16];
  for (;;) {
    std::size_t n = std::fread(chunk, 1, sizeof chunk, f);
    out.append(chunk, n);
    if (n < sizeof chunk) break;
  }
  bool ok = std::ferror(f) == 0;
  std::fclose(f);
  return ok;
}

/// @brief Writes the pieces, in order, to `path` atomically: a temporary file in the same folder
/// that is renamed over `path`, so readers see the old or the new file, never half of one.
inline void write_file_atomic(const std::filesystem::path& path, const std::vector<std::string_view>& pieces) {
  auto tmp = path;
  tmp += fmt::format(".tmp.{}", ::getpid());
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) {
    throw error({path.string(), 0}, {}, fmt::format("cannot write: {}", std::strerror(errno)));
  }
  bool ok = true;
  for (auto piece : pieces) {
    if (!piece.empty() && std::fwrite(piece.data(), 1, piece.size(), f) != piece.size()) {
      ok = false;
      break;
    }
  }
  int saved_errno = errno;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) {
    std::filesystem::remove(tmp);
    throw error({path.string(), 0}, {}, fmt::format("cannot write: {}", std::strerror(saved_errno)));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp);
    throw error({path.string(), 0}, {}, fmt::format("cannot replace: {}", ec.message()));
  }
}

}  // namespace sweep::detail
