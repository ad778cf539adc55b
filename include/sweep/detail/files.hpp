// Crash-safe file output shared by every stage: write to a temporary name in
// the same folder, then rename, so a reader never sees half a file.
#pragma once

#include <sweep/error.hpp>

#include <fmt/format.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <system_error>
#include <unistd.h>

namespace sweep::detail {

/// @brief A name next to `target` that no other writer (thread or process) uses at the same time.
inline std::filesystem::path temporary_sibling(const std::filesystem::path& target) {
  static std::atomic<unsigned> counter{0};
  return target.parent_path() / fmt::format(".{}.tmp.{}.{}", target.filename().string(), ::getpid(), counter++);
}

/// @brief Writes `text` to `target` atomically (temporary file + rename).
inline void write_file_atomic(const std::filesystem::path& target, std::string_view text) {
  auto temporary = temporary_sibling(target);
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out) {
      std::error_code ignored;
      std::filesystem::remove(temporary, ignored);
      throw error({target.string(), 0}, "", "cannot write file: expected a writable folder with free space");
    }
  }
  std::error_code ec;
  std::filesystem::rename(temporary, target, ec);
  if (ec) {
    std::filesystem::remove(temporary, ec);
    throw error({target.string(), 0}, "", "cannot rename the written file into place: " + ec.message());
  }
}

}  // namespace sweep::detail
