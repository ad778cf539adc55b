// Crash-safe file output shared by every stage: write to a temporary name in
// the same folder, then rename, so a reader never sees half a file.
#pragma once

#include <sweep/error.hpp>

#include <fmt/format.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <cerrno>
#include <cstring>
#include <vector>
#include <string_view>
#include <system_error>
#include <unistd.h>

namespace sweep::detail {

/// @brief A name next to `target` that no other writer (thread or process) uses at the same time.
inline std::filesystem::path temporary_sibling(const std::filesystem::path& target) {
  static std::atomic<unsigned> counter{0};
  return target.parent_path() / fmt::format(".{}.tmp.{}.{}", target.filename().string(), ::getpid(), counter++);
}

/// @brief Writes the pieces, in order, to `target` atomically (temporary file + rename), so
/// readers see the old or the new file, never half of one.
inline void write_file_atomic(const std::filesystem::path& target, const std::vector<std::string_view>& pieces) {
  auto temporary = temporary_sibling(target);
  std::FILE* f = std::fopen(temporary.c_str(), "wb");
  if (f == nullptr) throw error({target.string(), 0}, "", fmt::format("cannot write: {}", std::strerror(errno)));
  bool ok = true;
  for (auto piece : pieces) {
    if (!piece.empty() && std::fwrite(piece.data(), 1, piece.size(), f) != piece.size()) {
      ok = false;
      break;
    }
  }
  int saved_errno = errno;
  ok = std::fclose(f) == 0 && ok;
  std::error_code ec;
  if (!ok) {
    std::filesystem::remove(temporary, ec);
    throw error({target.string(), 0}, "", fmt::format("cannot write: {}", std::strerror(saved_errno)));
  }
  std::filesystem::rename(temporary, target, ec);
  if (ec) {
    std::filesystem::remove(temporary, ec);
    throw error({target.string(), 0}, "", "cannot replace the file: " + ec.message());
  }
}

/// @brief Writes `text` to `target` atomically.
inline void write_file_atomic(const std::filesystem::path& target, std::string_view text) {
  write_file_atomic(target, std::vector<std::string_view>{text});
}

}  // namespace sweep::detail
