// Files as every stage reads and writes them: whole files read in one go (into a
// buffer reused from file to file where thousands are read), and crash-safe
// output: write to a temporary name in the same folder, then rename, so a
// reader never sees half a file.
#pragma once

#include <sweep/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

namespace sweep {

namespace detail {

/// @brief A name next to `target` that no other writer (thread or process) uses at the same time.
inline std::filesystem::path temporary_sibling(const std::filesystem::path& target) {
  static std::atomic<unsigned> counter{0};
  return target.parent_path() / fmt::format(".{}.tmp.{}.{}", target.filename().string(), ::getpid(), counter++);
}

}  // namespace detail

/// @brief An open file descriptor, closed with it (-1: none).
class unique_fd {
 public:
  unique_fd() = default;
  explicit unique_fd(int fd) noexcept : fd_(fd) {}
  unique_fd(unique_fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  unique_fd& operator=(unique_fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  ~unique_fd() { reset(); }

  [[nodiscard]] int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  /// @brief Hands the descriptor over (to fdopendir, say): no longer closed here.
  [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }
  /// @brief Closes it now; the close's result (0, or -1 with errno), which a writer must check.
  int reset() noexcept {
    int closed = fd_ >= 0 ? ::close(fd_) : 0;
    fd_ = -1;
    return closed;
  }

 private:
  int fd_ = -1;
};

/// @brief A file written under a temporary name next to `target` and renamed onto it by
/// commit(), so readers see the old or the new file, never half of one. Dropped without a
/// commit (an error, an exception), the temporary file is removed. Writes go straight to the
/// file, no buffer in between: a writer of many pieces hands them over together (write(span)).
class atomic_file {
 public:
  explicit atomic_file(std::filesystem::path target)
      : target_(std::move(target)), temporary_(detail::temporary_sibling(target_)),
        fd_(::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666)) {
    if (!fd_) fail(errno);
  }
  atomic_file(const atomic_file&) = delete;
  atomic_file& operator=(const atomic_file&) = delete;
  ~atomic_file() {
    if (!committed_) {
      fd_.reset();
      std::error_code ec;
      std::filesystem::remove(temporary_, ec);
    }
  }

  /// @brief Appends `piece`; throws sweep::error naming the target when the disk refuses it.
  void write(std::string_view piece) { write(std::span<const std::string_view>(&piece, 1)); }

  /// @brief Appends the pieces, in order, with as few system calls as they take (writev).
  void write(std::span<const std::string_view> pieces) {
    std::vector<iovec> parts;
    parts.reserve(std::min<std::size_t>(pieces.size(), IOV_MAX));
    for (std::size_t at = 0; at < pieces.size();) {
      parts.clear();
      for (; at < pieces.size() && parts.size() < IOV_MAX; ++at) {
        if (!pieces[at].empty()) parts.push_back({const_cast<char*>(pieces[at].data()), pieces[at].size()});
      }
      write_all(parts);
    }
    if (written_ - queued_ >= queue_every) {
      // Renaming over an existing file makes ext4 allocate and queue all of the new one's data
      // there and then (auto_da_alloc): 0.12 s for a 160 MB sweep.json, with the work done. Queued
      // as it is written instead, that happens while the rest is still being made.
      ::sync_file_range(fd_.get(), static_cast<off_t>(queued_), static_cast<off_t>(written_ - queued_),
                        SYNC_FILE_RANGE_WRITE);  // a hint: where it cannot be done, the rename does it
      queued_ = written_;
    }
  }

  /// @brief Closes the file and renames it onto the target.
  void commit() {
    if (fd_.reset() != 0) fail(errno);
    std::error_code ec;
    std::filesystem::rename(temporary_, target_, ec);
    if (ec) throw error({target_.string(), 0}, "", "cannot replace the file: " + ec.message());
    committed_ = true;
  }

 private:
  /// @brief writev until every byte of `parts` is written (a write may take only some of them).
  void write_all(std::vector<iovec>& parts) {
    std::size_t first = 0;
    while (first < parts.size()) {
      auto n = ::writev(fd_.get(), parts.data() + first, static_cast<int>(parts.size() - first));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) fail(n < 0 ? errno : EIO);
      written_ += static_cast<std::size_t>(n);
      auto left = static_cast<std::size_t>(n);
      for (; first < parts.size() && left >= parts[first].iov_len; ++first) left -= parts[first].iov_len;
      if (left > 0) {
        parts[first].iov_base = static_cast<char*>(parts[first].iov_base) + left;
        parts[first].iov_len -= left;
      }
    }
  }

  [[noreturn]] void fail(int saved_errno) const {
    throw error({target_.string(), 0}, "", fmt::format("cannot write: {}", std::strerror(saved_errno)));
  }

  static constexpr std::size_t queue_every = std::size_t{8} << 20;  // bytes

  std::filesystem::path target_, temporary_;
  unique_fd fd_;
  bool committed_ = false;
  std::size_t written_ = 0, queued_ = 0;  // bytes written, and handed to the disk's queue
};

/// @brief Writes the pieces, in order, to `target` atomically (see atomic_file).
inline void write_file_atomic(const std::filesystem::path& target, const std::vector<std::string_view>& pieces) {
  atomic_file file(target);
  file.write(pieces);
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

/// @brief Reads an open file to its end into `storage[0, size)`; false if a read fails.
/// The kernel copies straight into `storage`, sized from fstat (a log may still grow: read to
/// EOF). `storage` only ever grows, so a buffer reused from file to file is not zeroed again.
inline bool read_whole_fd(int fd, std::string& storage, std::size_t& size) {
  size = 0;
  struct stat st {};
  std::size_t expected = ::fstat(fd, &st) == 0 && st.st_size > 0 ? static_cast<std::size_t>(st.st_size) : 0;
  for (;;) {
    // One spare byte, so a file read to its stat size needs one more read() to see EOF.
    std::size_t wanted = size + 1 + (size == 0 ? expected : size / 2);
    if (storage.size() <= size) storage.resize(std::max<std::size_t>(wanted, 1 << 12));
    auto n = ::read(fd, storage.data() + size, storage.size() - size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n == 0;
    size += static_cast<std::size_t>(n);
  }
}

/// @brief Reads a whole file into `storage[0, size)` (see read_whole_fd); false if it cannot be opened or read.
inline bool read_whole_file(const std::string& path, std::string& storage, std::size_t& size) {
  size = 0;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = read_whole_fd(fd, storage, size);
  int saved = errno;
  ::close(fd);
  errno = saved;  // the caller's message names why the read failed, not what close did
  return ok;
}

/// @brief Reads a whole file into `out` (replacing its contents); false if it cannot be opened or read.
inline bool read_file_into(const std::string& path, std::string& out) {
  std::size_t size = 0;
  bool ok = read_whole_file(path, out, size);
  out.resize(size);
  return ok;
}

/// @brief The first line of the small file open as `fd` ("" when it cannot be read).
inline std::string first_line_of_fd(int fd) {
  char buf[256] = {};
  auto n = ::read(fd, buf, sizeof buf - 1);
  std::string text(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
  return text.substr(0, text.find('\n'));
}

/// @brief The first line of a small file ("" when it cannot be read; a FIFO is not waited for).
inline std::string first_line_of(const std::filesystem::path& path) {
  unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  return fd ? first_line_of_fd(fd.get()) : std::string{};
}

namespace detail {

/// @brief A folder where a file is read is a sweep::error naming it.
inline void refuse_folder(const std::filesystem::path& file) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) throw error({file.string(), 0}, "", "is a folder: expected a readable file");
}

/// @brief The error of a file that cannot be opened or read, saying why (errno).
inline error unreadable(const std::filesystem::path& file) {
  return error({file.string(), 0}, "", fmt::format("cannot read the file ({}): expected a readable file", std::strerror(errno)));
}

}  // namespace detail

/// @brief Reads a whole file; a missing, unreadable or non-regular file is a sweep::error naming it.
inline std::string read_file(const std::filesystem::path& file) {
  std::string text;
  detail::refuse_folder(file);
  if (!read_file_into(file.string(), text)) throw detail::unreadable(file);
  return text;
}

/// @brief A whole file's bytes. A regular file is mapped read-only: its pages are read where they
/// lie in the page cache, with no copy and no zero-filled buffer first (for a 1.6 GB sweep.json that
/// was a tenth of the analysis). Anything else (a pipe, /proc) is read from the same descriptor (a
/// pipe cannot be opened twice for one writer). A mapped file must not shrink while mapped; sweep's
/// own writers replace a file by rename, which leaves a mapped one whole. A missing or unreadable
/// file, or a folder, is a sweep::error naming it, as read_file says.
class file_bytes {
 public:
  explicit file_bytes(const std::filesystem::path& file) {
    detail::refuse_folder(file);
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw detail::unreadable(file);
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
      size_ = static_cast<std::size_t>(st.st_size);
      map_ = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (map_ == MAP_FAILED) map_ = nullptr;
      else ::madvise(map_, size_, MADV_WILLNEED);  // read ahead of the scan: it goes through the file once, in order
    }
    std::size_t size = 0;
    bool ok = map_ != nullptr || read_whole_fd(fd, read_, size);
    int saved = errno;
    ::close(fd);
    errno = saved;
    if (!ok) throw detail::unreadable(file);
    if (map_ == nullptr) read_.resize(size);
  }
  ~file_bytes() {
    if (map_ != nullptr) ::munmap(map_, size_);
  }
  file_bytes(const file_bytes&) = delete;
  file_bytes& operator=(const file_bytes&) = delete;

  [[nodiscard]] std::string_view view() const noexcept {
    return map_ != nullptr ? std::string_view(static_cast<const char*>(map_), size_) : std::string_view(read_);
  }

 private:
  void* map_ = nullptr;
  std::size_t size_ = 0;
  std::string read_;
};

/// @brief Appends one line with a single O_APPEND write, so concurrent writers never interleave inside it.
inline void append_line(const std::filesystem::path& path, std::string_view line) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw error({path.string(), 0}, "", fmt::format("cannot append to the file: {}", std::strerror(errno)));
  std::string text(line);
  text += '\n';
  auto n = ::write(fd, text.data(), text.size());
  int saved = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(text.size())) {
    throw error({path.string(), 0}, "", fmt::format("cannot append to the file: {}", std::strerror(saved)));
  }
}

/// @brief Writes `text` to `stream` and flushes it; false, never an exception, when it cannot (a closed
/// or full stderr). For messages and progress lines: losing them must not stop the work they describe.
inline bool write_message(std::FILE* stream, std::string_view text) noexcept {
  if (stream == nullptr) return false;
  bool written = text.empty() || std::fwrite(text.data(), 1, text.size(), stream) == text.size();
  return std::fflush(stream) == 0 && written;
}

/// @brief Whether a path exists (false, not an exception, when it cannot be checked).
inline bool path_exists(const std::filesystem::path& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

}  // namespace sweep
