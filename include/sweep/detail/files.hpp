// Crash-safe file output shared by every stage: write to a temporary name in
// the same folder, then rename, so a reader never sees half a file.
#pragma once

#include <sweep/error.hpp>

#include <fmt/format.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>
#include <string_view>
#include <system_error>
#include <signal.h>
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

/// @brief Removes the temporary siblings of `target` that writers killed mid-write left behind
/// (their process is gone); those of a live process may still be renamed into place.
inline void remove_stale_temporaries(const std::filesystem::path& target) {
  auto prefix = fmt::format(".{}.tmp.", target.filename().string());
  std::error_code ec;
  for (auto& entry : std::filesystem::directory_iterator(target.parent_path(), ec)) {
    auto name = entry.path().filename().string();
    if (!name.starts_with(prefix)) continue;
    long pid = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
    if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) std::filesystem::remove(entry.path(), ec);
  }
}

/// @brief Writes `text` to `target` atomically.
inline void write_file_atomic(const std::filesystem::path& target, std::string_view text) {
  write_file_atomic(target, std::vector<std::string_view>{text});
}

}  // namespace sweep::detail
