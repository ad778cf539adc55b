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

/// @brief A file written under a temporary name next to `target` and renamed onto it by
/// commit(), so readers see the old or the new file, never half of one. Dropped without a
/// commit (an error, an exception), the temporary file is removed.
class atomic_file {
 public:
  explicit atomic_file(std::filesystem::path target)
      : target_(std::move(target)), temporary_(temporary_sibling(target_)), file_(std::fopen(temporary_.c_str(), "wb")) {
    if (file_ == nullptr) fail(errno);
  }
  atomic_file(const atomic_file&) = delete;
  atomic_file& operator=(const atomic_file&) = delete;
  ~atomic_file() {
    if (file_ != nullptr) std::fclose(file_);
    if (!committed_) {
      std::error_code ec;
      std::filesystem::remove(temporary_, ec);
    }
  }

  /// @brief Appends `piece`; throws sweep::error naming the target when the disk refuses it.
  void write(std::string_view piece) {
    if (!piece.empty() && std::fwrite(piece.data(), 1, piece.size(), file_) != piece.size()) fail(errno);
  }

  /// @brief Closes the file and renames it onto the target.
  void commit() {
    int closed = std::fclose(file_);
    file_ = nullptr;
    if (closed != 0) fail(errno);
    std::error_code ec;
    std::filesystem::rename(temporary_, target_, ec);
    if (ec) throw error({target_.string(), 0}, "", "cannot replace the file: " + ec.message());
    committed_ = true;
  }

 private:
  [[noreturn]] void fail(int saved_errno) const {
    throw error({target_.string(), 0}, "", fmt::format("cannot write: {}", std::strerror(saved_errno)));
  }

  std::filesystem::path target_, temporary_;
  std::FILE* file_;
  bool committed_ = false;
};

/// @brief Writes the pieces, in order, to `target` atomically (see atomic_file).
inline void write_file_atomic(const std::filesystem::path& target, const std::vector<std::string_view>& pieces) {
  atomic_file file(target);
  for (auto piece : pieces) file.write(piece);
  file.commit();
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
