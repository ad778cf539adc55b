// sweep: the single header.
//
// GENERATED FILE - DO NOT EDIT. Made by scripts/amalgamate from
// include/sweep/sweep.hpp and the headers it includes; change those and run
// `scripts/amalgamate` again (CI runs `scripts/amalgamate --check`).
//
// Dependencies, still included from their own headers: Boost.Hana, range-v3,
// fmt, yaml-cpp, nlohmann/json, simdjson (see docs/install.md).
#pragma once

// ---- begin sweep/sweep.hpp ----
// sweep: the one umbrella header. Each stage of a sweep's way has a folder
// and an umbrella header of its own, in the order the data flows.


// ---- begin sweep/version.hpp ----

#include <string_view>

namespace sweep {
/// @brief The library's version: project(VERSION) of CMakeLists.txt, which refuses to configure when they differ.
inline constexpr std::string_view version = "0.1.0";
}  // namespace sweep
// ---- end sweep/version.hpp ----

// ---- begin sweep/error.hpp ----
// The one error type for bad input: it names where (file, line), which key
// path, and what was expected, so every stage reports problems the same way.

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace sweep {

/// @brief Where a value came from: a file and a 1-based line (0 when unknown).
struct source_location {
  std::string file;
  int line = 0;
};

/// @brief Bad input: `file:line: KEY.PATH: message`.
class error : public std::runtime_error {
 public:
  error(source_location where, std::string key_path, std::string message)
      : std::runtime_error(compose(where, key_path, message)),
        where_(std::move(where)),
        key_path_(std::move(key_path)),
        message_(std::move(message)) {}

  explicit error(std::string message) : error({}, {}, std::move(message)) {}

  [[nodiscard]] const source_location& where() const noexcept { return where_; }
  [[nodiscard]] const std::string& key_path() const noexcept { return key_path_; }
  [[nodiscard]] const std::string& message() const noexcept { return message_; }

 private:
  static std::string compose(const source_location& where, const std::string& key_path,
                             const std::string& message) {
    std::string text;
    if (!where.file.empty()) {
      text = where.line > 0 ? fmt::format("{}:{}: ", where.file, where.line) : where.file + ": ";
    }
    if (!key_path.empty()) text += key_path + ": ";
    return text + message;
  }

  source_location where_;
  std::string key_path_;
  std::string message_;
};

}  // namespace sweep
// ---- end sweep/error.hpp ----

// ---- begin sweep/base.hpp ----
// Umbrella header of the base layer every stage shares: the sweep folder's layout and its lock,
// reading and atomically writing files, paths that must stay inside their folder, work on threads,
// registries of named components.


// ---- begin sweep/base/files.hpp ----
// Files as every stage reads and writes them: whole files read in one go (into a
// buffer reused from file to file where thousands are read), and crash-safe
// output: write to a temporary name in the same folder, then rename, so a
// reader never sees half a file.



#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <span>
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
// ---- end sweep/base/files.hpp ----

// ---- begin sweep/base/layout.hpp ----
// The sweep folder (ROOT_DIR/NAME), the one place its file names are spelled:
//   sweep_cfg.yaml             the sweep config as setup used it
//   cfgs/NNNNNN.yaml           job configs (written by setup); job i is the i-th key of cfgs_summary.yaml
//   cfgs_summary.yaml          every job's sampled keys; written last, so its presence means setup finished
//   logs/NNNNNN/               one folder per job: its logs and job-state files (launch/job_state.hpp)
//   .sweep.lock                held by setup (exclusive), launch and collect (shared): base/lock.hpp
//   logs/.launch.lock          held while a launcher runs the sweep
//   logs/<backend>/            a launch backend's own files (SLURM's sbatch logs, ...)
//   bin/, code/                what cluster tasks run: the driver copy, batch scripts; the job's code
//   early_stop/                early stopping's policy (policy.yaml) and decisions (rung_R/NNNNNN.json)
//   sweep.json                 the collected logs (pycls's format), and its cache next to it
//   analysis.html              the report



#include <cstdint>

namespace sweep {

/// @brief Paths inside one sweep folder (see the comment at the top of base/layout.hpp).
struct sweep_layout {
  std::filesystem::path dir;  // absolute

  explicit sweep_layout(const std::filesystem::path& sweep_dir) : dir(std::filesystem::absolute(sweep_dir).lexically_normal()) {}

  [[nodiscard]] std::filesystem::path sweep_cfg_file() const { return dir / "sweep_cfg.yaml"; }
  [[nodiscard]] std::filesystem::path cfgs_dir() const { return dir / "cfgs"; }
  [[nodiscard]] std::filesystem::path cfgs_summary_file() const { return dir / "cfgs_summary.yaml"; }
  [[nodiscard]] std::filesystem::path logs_dir() const { return dir / "logs"; }
  [[nodiscard]] std::filesystem::path lock_file() const { return logs_dir() / ".launch.lock"; }
  [[nodiscard]] std::filesystem::path sweep_lock_file() const { return dir / ".sweep.lock"; }
  /// @brief A launch backend's own folder under logs/ (kept apart from the jobs' NNNNNN folders).
  [[nodiscard]] std::filesystem::path backend_dir(std::string_view name) const { return logs_dir() / name; }
  [[nodiscard]] std::filesystem::path bin_dir() const { return dir / "bin"; }
  [[nodiscard]] std::filesystem::path code_dir() const { return dir / "code"; }
  [[nodiscard]] std::filesystem::path sweep_file() const { return dir / "sweep.json"; }
  [[nodiscard]] std::filesystem::path early_stop_dir() const { return dir / "early_stop"; }
  [[nodiscard]] std::filesystem::path collect_cache_file() const { return dir / "sweep_collect_cache.json"; }
  [[nodiscard]] std::filesystem::path analysis_file() const { return dir / "analysis.html"; }
  [[nodiscard]] std::filesystem::path job_dir(std::int64_t index) const { return logs_dir() / job_name(index); }

  /// @brief A job's folder name: its config's index, six digits ("000042").
  [[nodiscard]] static std::string job_name(std::int64_t index) { return fmt::format("{:06d}", index); }
};

namespace detail {

/// @brief A job config's name as setup writes it: `000042.yaml` (any plain name ending in .yaml).
inline bool is_job_config_name(std::string_view name) {
  constexpr std::string_view ext = ".yaml";
  if (name.size() <= ext.size() || name.substr(name.size() - ext.size()) != ext || name.front() == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-' || c == '.';
  });
}

/// @brief The keys of cfgs_summary.yaml in order, read from its lines (`000000.yaml: KEY TEXT`) without a
/// YAML parse, which for 100,000 jobs would cost more than the rest of `sweep status`.
inline std::vector<std::string> summary_job_names(std::string_view text, const std::string& file) {
  std::vector<std::string> names;
  int line_no = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    auto end = std::min(text.find('\n', pos), text.size());
    auto line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    // indented lines continue a value; "{}" is the summary of zero configs
    if (line.empty() || line.front() == ' ' || line.front() == '\t' || line.front() == '#') continue;
    if (line == "{}" || line == "---" || line == "...") continue;
    auto colon = line.find(':');
    auto name = line.substr(0, colon);
    if (colon == std::string_view::npos || (colon + 1 < line.size() && line[colon + 1] != ' ') || !is_job_config_name(name)) {
      throw error({file, line_no}, "",
                  "expected a line `NNNNNN.yaml: KEY` as setup writes it (the summary lists the sweep's jobs)");
    }
    if (!names.empty() && !(names.back() < name)) {
      throw error({file, line_no}, "",
                  fmt::format("{} comes after {}: expected job config names in increasing order, each once", name,
                              names.back()));
    }
    names.emplace_back(name);
  }
  return names;
}

}  // namespace detail

/// @brief The job configs of a finished setup: job i is the i-th key of cfgs_summary.yaml (setup's commit
/// mark), its file cfgs/<key>. Files in cfgs/ that the summary does not list (a sweep nested in this one's
/// cfgs/, a stray copy) are not jobs; a listed config that is missing is an error naming it, so a deleted
/// config never shifts the later jobs' indices.
inline std::vector<std::filesystem::path> list_job_configs(const sweep_layout& layout) {
  std::error_code ec;
  if (!std::filesystem::is_directory(layout.cfgs_dir(), ec)) {
    throw error({layout.cfgs_dir().string(), 0}, "",
                "no job configs: expected the folder setup writes; run `sweep setup` first");
  }
  // setup writes cfgs_summary.yaml last: without it, cfgs/ may be half-written
  if (!std::filesystem::exists(layout.cfgs_summary_file(), ec)) {
    throw error({layout.cfgs_summary_file().string(), 0}, "",
                "missing: setup did not finish (was it interrupted?); expected it next to cfgs/, run `sweep setup` again");
  }
  auto summary_file = layout.cfgs_summary_file().string();
  std::string text;
  if (!read_file_into(summary_file, text)) {
    throw error({summary_file, 0}, "", "cannot read: expected the summary setup writes");
  }
  auto names = detail::summary_job_names(text, summary_file);
  std::vector<std::string> present;
  for (auto& entry : std::filesystem::directory_iterator(layout.cfgs_dir())) {
    if (entry.is_regular_file(ec)) present.push_back(entry.path().filename().string());
  }
  std::sort(present.begin(), present.end());
  std::vector<std::filesystem::path> cfgs;
  cfgs.reserve(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!std::binary_search(present.begin(), present.end(), names[i])) {
      throw error({(layout.cfgs_dir() / names[i]).string(), 0}, "",
                  fmt::format("missing: cfgs_summary.yaml lists it as job {}; expected every listed job config "
                              "(was it deleted? set the sweep up again)", i));
    }
    cfgs.push_back(layout.cfgs_dir() / names[i]);
  }
  return cfgs;
}

}  // namespace sweep
// ---- end sweep/base/layout.hpp ----

// ---- begin sweep/base/limits.hpp ----
// Limits that more than one stage holds text we do not control to (job logs, sweep.json).

namespace sweep {

/// @brief How deep a sweep.json may nest its lists and objects (a job's entry is 1 deep, its records 2,
/// a cfg section 3, ...). Deeper text is refused while it is read: the JSON library's tree functions
/// (copy, dump, compare) recurse once per level, and 100,000 levels overflow the stack. Job configs stay
/// far below (yaml-cpp's parser stops at about 500 levels); collect refuses a log record that would
/// nest its job's entry deeper than this.
inline constexpr int max_json_depth = 1000;

}  // namespace sweep
// ---- end sweep/base/limits.hpp ----

// ---- begin sweep/base/lock.hpp ----
// Locks on files (flock), released when their owner ends or its process dies:
// - the sweep lock (NAME/.sweep.lock): `sweep setup` holds it exclusively while it
//   samples and writes cfgs/; `launch` and `collect` hold it shared while they
//   read the configs and logs. So setup never replaces cfgs/ under a running
//   launch or collect, two setups never write one sweep, and launches and
//   collects still run side by side. Nobody waits: a sweep in use is an error
//   that says which verb holds it.
// - the launch lock (logs/.launch.lock): whoever launches a sweep holds it
//   exclusively while it does (a local launcher for the whole run, a cluster
//   submission while it submits), so two launches never run one sweep at once,
//   and `status` can tell whether a launcher is alive without trusting pid
//   files. The holder writes its pid into the file, for `sweep cancel`.



#include <optional>

#include <sys/file.h>

namespace sweep {

/// @brief An flock on a file, released when this object ends (or the process dies). An exclusive
/// holder writes `note` (default: its pid) into the file, for whoever finds the lock taken.
class file_lock {
 public:
  file_lock(const std::filesystem::path& path, bool exclusive, std::string_view note = {}) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
    if (fd_ < 0) {
      throw error({path.string(), 0}, "", fmt::format("cannot open the lock file: {}", std::strerror(errno)));
    }
    locked_ = ::flock(fd_, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0;
    if (locked_ && exclusive) {
      auto text = note.empty() ? fmt::format("{}\n", ::getpid()) : fmt::format("{}\n", note);
      if (::ftruncate(fd_, 0) == 0) {
        auto n = ::pwrite(fd_, text.data(), text.size(), 0);
        (void)n;  // only a hint: readers check the lock is held before they trust it
      }
    }
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

/// @brief True while some process holds a lock on the file. Only probes: the file is opened read-only
/// and never created, so `sweep status` works on another user's readable sweep; a file that cannot be
/// opened counts as not held (nothing to tell).
inline bool lock_held(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return false;
  bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);  // also drops the shared lock if we got it
  return held;
}

/// @brief True while some process holds the sweep's launch lock (logs/.launch.lock: a launch is running).
inline bool launcher_active(const std::filesystem::path& lock_path) { return lock_held(lock_path); }

/// @brief The pid of the process holding the launch lock (its holder writes it there), if one does.
inline std::optional<pid_t> launcher_pid(const std::filesystem::path& lock_path) {
  if (!launcher_active(lock_path)) return std::nullopt;
  long pid = std::strtol(first_line_of(lock_path).c_str(), nullptr, 10);
  if (pid <= 0) return std::nullopt;
  return static_cast<pid_t>(pid);
}

/// @brief How a verb uses a sweep folder: reads its configs (launch, collect) or writes them (setup).
enum class sweep_access { shared, exclusive };

/// @brief Holds the sweep lock (see the top of base/lock.hpp) for one verb, or throws an error that
/// names the verb holding it. A shared lock on a folder that does not exist yet is not taken: the verb
/// then fails on its own (no configs), with the message that says why.
class sweep_lock {
 public:
  sweep_lock(const sweep_layout& layout, sweep_access access, std::string_view verb) {
    bool exclusive = access == sweep_access::exclusive;
    std::error_code ec;
    if (!exclusive && !std::filesystem::is_directory(layout.dir, ec)) return;
    auto path = layout.sweep_lock_file();
    lock_.emplace(path, exclusive, fmt::format("{} {}", verb, ::getpid()));
    if (lock_->locked()) return;
    // An exclusive holder wrote "VERB PID"; shared holders write nothing (a launch shows in its own lock).
    auto holder = first_line_of(path);
    std::string who = "another `sweep setup`, `launch` or `collect`";
    if (!exclusive && !holder.empty()) {
      auto blank = holder.find(' ');
      who = fmt::format("`sweep {}` (pid {})", holder.substr(0, blank), holder.substr(blank + 1));
    } else if (auto launcher = launcher_pid(layout.lock_file())) {
      who = fmt::format("`sweep launch` (pid {})", *launcher);
    } else if (exclusive) {
      who = "`sweep collect` or a `sweep launch` starting";
    }
    throw error({layout.dir.string(), 0}, "",
                fmt::format("the sweep is in use by {}: `sweep {}` expected it to end first (nothing was changed)", who,
                            verb));
  }

 private:
  std::optional<file_lock> lock_;
};

}  // namespace sweep
// ---- end sweep/base/lock.hpp ----

// ---- begin sweep/base/parallel.hpp ----
// Work on threads, as every stage runs it (setup's chunks, collect's logs,
// analyze's jobs): a fixed set of workers, or a loop over items handed out one
// at a time with progress reported from the calling thread. The first
// exception a worker throws stops the others and is rethrown to the caller.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace sweep {

/// @brief Called with (items done, items in all) from the calling thread, about 10 times a second;
/// the last call is always (n, n).
using progress_callback = std::function<void(std::size_t done, std::size_t total)>;

/// @brief Runs `work(t)` for t in [0, threads) at once, t = 0 on the calling thread; rethrows the
/// first failure once all have ended.
template <class Work>
void run_on_threads(std::size_t threads, Work&& work) {
  std::vector<std::exception_ptr> failures(threads);
  auto guarded = [&](std::size_t t) {
    try {
      work(t);
    } catch (...) {
      failures[t] = std::current_exception();
    }
  };
  {
    std::vector<std::jthread> pool;
    pool.reserve(threads);
    for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(guarded, t);
    if (threads > 0) guarded(0);
  }
  for (auto& failure : failures) {
    if (failure) std::rethrow_exception(failure);
  }
}

/// @brief How many threads share work on `n` items: every core, with at least `per_thread` items each.
inline std::size_t threads_for(std::size_t n, std::size_t per_thread = 64) {
  return std::min(static_cast<std::size_t>(std::max(1u, std::thread::hardware_concurrency())), n / per_thread + 1);
}

/// @brief For parallel_for work that keeps nothing from item to item.
struct no_scratch {};

/// @brief Runs `work(i, scratch)` for i in [0, n) on `threads` threads, handing items out one at a
/// time; each thread has its own `Scratch` (buffers reused from item to item). `progress`, if set,
/// is called from this thread while the workers run.
template <class Scratch = no_scratch, class Work>
void parallel_for(std::size_t n, std::size_t threads, const progress_callback& progress, Work work) {
  if (n == 0) return;
  threads = std::clamp<std::size_t>(threads, 1, n);
  std::atomic<std::size_t> next{0}, done{0};
  std::mutex m;
  std::condition_variable cv;
  std::exception_ptr failure;
  auto worker = [&] {
    Scratch scratch;
    for (;;) {
      auto i = next.fetch_add(1);
      if (i >= n) break;
      try {
        work(i, scratch);
      } catch (...) {
        std::lock_guard lock(m);
        if (!failure) failure = std::current_exception();
        next = n;  // stop the others too
      }
      if (done.fetch_add(1) + 1 == n) {
        std::lock_guard lock(m);
        cv.notify_all();
      }
    }
  };
  {
    std::vector<std::jthread> pool;
    for (std::size_t t = 0; t < threads; ++t) pool.emplace_back(worker);
    std::unique_lock lock(m);
    for (;;) {
      bool finished = cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return done.load() >= n || failure; });
      if (failure) break;
      if (progress) {
        lock.unlock();
        progress(std::min(done.load(), n), n);
        lock.lock();
      }
      if (finished) break;
    }
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace sweep
// ---- end sweep/base/parallel.hpp ----

// ---- begin sweep/base/paths.hpp ----
// Paths that come from a config or the command line and are joined onto a folder of the sweep
// (NAME and ANALYZE.EXTRA_SWEEP_NAMES under ROOT_DIR; COLLECT.LOG_FILE, ERR_FILE and
// CHECKPOINT_DIR under a job's folder logs/NNNNNN/): each must name something inside the folder
// it is meant for. Checked twice: on the text when the config is checked (no absolute path, no
// '.' or '..' part, no empty part), and again where the path is read or deleted, with symlinks
// resolved, so a symlink in the sweep that points outside it is never followed. Where
// something is read or deleted, open_inside does that check and the open in one step.




#include <linux/openat2.h>
#include <sys/syscall.h>

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
// ---- end sweep/base/paths.hpp ----

// ---- begin sweep/base/registry.hpp ----
// Components by name: launch backends, log formats and report sections are kept
// in registries, so a config or the command line picks one by its name and a
// user adds their own from their own code, the way Catch2 v2 registers
// reporters. Built-in parts are added by the registry's accessor the first time it
// is asked for (never by a variable in each part's header, which every translation
// unit would initialise, compiling every part again); a user's parts follow.
//
//   SWEEP_REGISTER(sweep::register_launch_backend<my_backend>);   // at namespace scope


// ---- begin sweep/base/suggest.hpp ----
// "Did you mean" for unknown names: config keys, sampler types, and the names of
// registered components (launch backends, log formats, report sections).

#include <cctype>
#include <numeric>

namespace sweep {

/// @brief Case-insensitive Levenshtein distance (keys are upper-case; users type either).
inline std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      bool same = std::toupper(static_cast<unsigned char>(a[i - 1])) == std::toupper(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

/// @brief " (did you mean 'X'?)" for the nearest candidate within a sensible distance, else "".
inline std::string did_you_mean(std::string_view key, const std::vector<std::string>& candidates) {
  const std::string* best = nullptr;
  std::size_t best_distance = std::max<std::size_t>(2, key.size() / 3) + 1;
  for (auto& candidate : candidates) {
    if (auto d = edit_distance(key, candidate); d < best_distance) {
      best_distance = d;
      best = &candidate;
    }
  }
  return best != nullptr ? " (did you mean '" + *best + "'?)" : "";
}

}  // namespace sweep
// ---- end sweep/base/suggest.hpp ----


#include <deque>

namespace sweep {

/// @brief Components of one kind by name, in the order they were registered.
/// Registration happens before main (static registrars) or at any time; lookups are thread-safe.
template <class Component>
class registry {
 public:
  /// @param kind what the components are, for messages ("launch backend", "log format")
  /// @param key_path the config key that names one ("LAUNCH.BACKEND"), for messages
  registry(std::string kind, std::string key_path) : kind_(std::move(kind)), key_path_(std::move(key_path)) {}

  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  /// @brief Adds `component` under `name`. Two components under one name would make a config
  /// mean different things in different programs, so a taken name is an error.
  const Component& add(std::string name, Component component) {
    std::lock_guard lock(m_);
    if (name.empty()) throw error(fmt::format("a {} needs a non-empty name", kind_));
    for (auto& [n, c] : entries_) {
      if (n == name) throw error(fmt::format("two {}s are registered as '{}': expected each name once", kind_, name));
    }
    return entries_.emplace_back(std::move(name), std::move(component)).second;
  }

  /// @brief The component registered as `name`, or nullptr.
  [[nodiscard]] const Component* find(std::string_view name) const {
    std::lock_guard lock(m_);
    for (auto& [n, c] : entries_) {
      if (n == name) return &c;
    }
    return nullptr;
  }

  /// @brief The component registered as `name`; an unknown name is a sweep::error at `where` that
  /// lists the registered names, with a "did you mean".
  [[nodiscard]] const Component& get(std::string_view name, const source_location& where = {}) const {
    if (auto* c = find(name)) return *c;
    throw error(where, key_path_, unknown(name));
  }

  /// @brief "unknown launch backend 'slrum': expected one of local, slurm (did you mean 'slurm'?)".
  [[nodiscard]] std::string unknown(std::string_view name) const {
    auto known = names();
    return fmt::format("unknown {} '{}': expected one of {}{}", kind_, name, fmt::join(known, ", "),
                       did_you_mean(name, known));
  }

  [[nodiscard]] bool contains(std::string_view name) const { return find(name) != nullptr; }

  /// @brief The registered names, in registration order (built-in parts first).
  [[nodiscard]] std::vector<std::string> names() const {
    std::lock_guard lock(m_);
    std::vector<std::string> out;
    for (auto& [n, c] : entries_) out.push_back(n);
    return out;
  }

  [[nodiscard]] const std::string& kind() const noexcept { return kind_; }
  [[nodiscard]] const std::string& key_path() const noexcept { return key_path_; }

 private:
  mutable std::mutex m_;
  std::string kind_, key_path_;
  std::deque<std::pair<std::string, Component>> entries_;  // a deque: references stay valid as it grows
};

}  // namespace sweep

#define SWEEP_DETAIL_CAT2(a, b) a##b
#define SWEEP_DETAIL_CAT(a, b) SWEEP_DETAIL_CAT2(a, b)

/// @brief Calls a registration function before main, e.g.
/// `SWEEP_REGISTER(sweep::register_log_format<my_format>);` at namespace scope.
#define SWEEP_REGISTER(...)                                                 \
  [[maybe_unused]] static const bool SWEEP_DETAIL_CAT(sweep_registered_, __COUNTER__) = \
      ((__VA_ARGS__)(), true)
// ---- end sweep/base/registry.hpp ----
// ---- end sweep/base.hpp ----

// ---- begin sweep/value.hpp ----
// sweep::value: a YAML-like tree (null, bool, int, float, string, list, ordered
// map). Job configs, BASE_CFG and the values a sampler draws are all values, so
// every stage speaks one vocabulary. Printing follows Python's str(), because
// pycls's config keys ("OPTIM.BASE_LR 0.5 ...") are made with it.



#include <charconv>
#include <cmath>
#include <concepts>
#include <variant>

namespace sweep {

namespace detail {

/// @brief Appends Python's repr() of a float: shortest round-trip digits, fixed notation
/// for exponents in [-4, 16), scientific otherwise, and always a '.' or 'e'. It allocates
/// nothing beyond `out`'s growth: setup prints millions of these.
inline void append_python_float_repr(std::string& out, double x) {
  if (std::isnan(x)) {
    out += "nan";
    return;
  }
  if (std::isinf(x)) {
    out += x > 0 ? "inf" : "-inf";
    return;
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<std::size_t>(end - buf));  // e.g. -5.29758e-05
  if (sci.front() == '-') {
    out += '-';
    sci.remove_prefix(1);
  }
  auto e_pos = sci.find('e');
  int exponent = 0;
  std::from_chars(sci.data() + e_pos + 1 + (sci[e_pos + 1] == '+'), sci.data() + sci.size(), exponent);
  char digits[24];
  int n = 0;
  for (char c : sci.substr(0, e_pos)) {
    if (c != '.') digits[n++] = c;
  }
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) {
      out += "0.";
      out.append(static_cast<std::size_t>(-exponent - 1), '0');
      out.append(digits, static_cast<std::size_t>(n));
    } else if (exponent + 1 >= n) {
      out.append(digits, static_cast<std::size_t>(n));
      out.append(static_cast<std::size_t>(exponent + 1 - n), '0');
      out += ".0";
    } else {
      out.append(digits, static_cast<std::size_t>(exponent + 1));
      out += '.';
      out.append(digits + exponent + 1, static_cast<std::size_t>(n - exponent - 1));
    }
    return;
  }
  out += digits[0];
  if (n > 1) {
    out += '.';
    out.append(digits + 1, static_cast<std::size_t>(n - 1));
  }
  out += exponent < 0 ? "e-" : "e+";
  int magnitude = std::abs(exponent);
  if (magnitude < 10) out += '0';
  char exp_digits[8];
  auto [exp_end, exp_ec] = std::to_chars(exp_digits, exp_digits + sizeof exp_digits, magnitude);
  out.append(exp_digits, exp_end);
}

/// @brief The length of Python's repr() of the float written as `decimal` (JSON text such as
/// "12.3400", whose repr "12.34" is always a prefix of it), read off the text when it can be: a
/// decimal of at most 15 significant digits (DBL_DIG) round-trips, so no shorter one maps to the
/// same double and those digits are the repr's. 0 for anything else (exponents, longer or tiny
/// numbers, text that is not a JSON number). Collect meets millions of fixed-point floats, where
/// this is ~5x cheaper than formatting, and the repr needs no copy.
inline std::size_t decimal_repr_length(std::string_view decimal) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  std::size_t i = decimal.starts_with('-') ? 1 : 0;
  const std::size_t whole_at = i;
  while (i < decimal.size() && digit(decimal[i])) ++i;
  const std::size_t whole = i - whole_at, point = i;
  if (whole == 0 || i == decimal.size() || decimal[i] != '.') return 0;
  const bool zero_whole = decimal[whole_at] == '0';
  if (zero_whole && whole > 1) return 0;  // not JSON's form of a number
  // One pass over the fraction: its first and last non-zero digits.
  std::size_t first = 0, last = 0;  // 0: none (both lie after the point)
  for (++i; i < decimal.size(); ++i) {
    if (!digit(decimal[i])) return 0;
    if (decimal[i] != '0') {
      if (first == 0) first = i;
      last = i;
    }
  }
  if (i == point + 1) return 0;  // no digit after the point
  const std::size_t fraction = last == 0 ? 0 : last - point;  // without its trailing zeros
  if (zero_whole && fraction == 0) return point + 2;  // a zero: "0.0" or "-0.0"
  // The first significant digit's power of ten, and how many significant digits there are.
  long long exponent = 0;
  std::size_t significant = 0;
  if (zero_whole) {
    exponent = -static_cast<long long>(first - point);
    significant = last - first + 1;
  } else {
    exponent = static_cast<long long>(whole) - 1;
    significant = whole + fraction;
    if (fraction == 0) {
      significant = whole;
      while (decimal[whole_at + significant - 1] == '0') --significant;  // the first digit is not 0
    }
  }
  if (significant > 15 || exponent < -4 || exponent >= 16) return 0;
  return point + 1 + std::max<std::size_t>(fraction, 1);  // "5.000" -> "5.0"
}

/// @brief Appends Python's repr() of the float written as `decimal` (see decimal_repr_length);
/// false, with `out` untouched, when it cannot be read off the text.
inline bool append_decimal_as_python_repr(std::string& out, std::string_view decimal) {
  std::size_t n = decimal_repr_length(decimal);
  out.append(decimal.substr(0, n));
  return n > 0;
}

/// @brief Python's repr() of a float, as a new string.
inline std::string python_float_repr(double x) {
  std::string out;
  append_python_float_repr(out, x);
  return out;
}

/// @brief Python's repr() of a str: single quotes unless the text holds one and no double quote.
inline std::string python_str_repr(std::string_view s) {
  char quote = (s.find('\'') != std::string_view::npos && s.find('"') == std::string_view::npos) ? '"' : '\'';
  std::string out(1, quote);
  for (unsigned char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c == static_cast<unsigned char>(quote)) {
          out += '\\';
          out += static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7f) {
          out += fmt::format("\\x{:02x}", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + quote;
}

}  // namespace detail

/// @brief A node of a config tree: null, bool, int, float, string, list or ordered map.
class value {
 public:
  using list = std::vector<value>;
  using map = std::vector<std::pair<std::string, value>>;  // keeps the order keys were written in
  using storage = std::variant<std::monostate, bool, std::int64_t, double, std::string, list, map>;

  value() = default;
  value(std::nullptr_t) {}
  value(bool b) : data_(b) {}
  template <std::integral T>
    requires(!std::same_as<T, bool> && !std::same_as<T, char>)
  value(T i) : data_(static_cast<std::int64_t>(i)) {}
  value(double d) : data_(d) {}
  value(float d) : data_(static_cast<double>(d)) {}
  value(std::string s) : data_(std::move(s)) {}
  value(std::string_view s) : data_(std::string(s)) {}
  value(const char* s) : data_(std::string(s)) {}
  value(list l) : data_(std::move(l)) {}
  value(map m) : data_(std::move(m)) {}

  [[nodiscard]] bool is_null() const noexcept { return std::holds_alternative<std::monostate>(data_); }
  [[nodiscard]] bool is_bool() const noexcept { return std::holds_alternative<bool>(data_); }
  [[nodiscard]] bool is_int() const noexcept { return std::holds_alternative<std::int64_t>(data_); }
  [[nodiscard]] bool is_float() const noexcept { return std::holds_alternative<double>(data_); }
  [[nodiscard]] bool is_number() const noexcept { return is_int() || is_float(); }
  [[nodiscard]] bool is_string() const noexcept { return std::holds_alternative<std::string>(data_); }
  [[nodiscard]] bool is_list() const noexcept { return std::holds_alternative<list>(data_); }
  [[nodiscard]] bool is_map() const noexcept { return std::holds_alternative<map>(data_); }

  [[nodiscard]] bool as_bool() const { return get<bool>("a bool"); }
  [[nodiscard]] std::int64_t as_int() const { return get<std::int64_t>("an integer"); }
  /// @brief The number as a double; an int converts.
  [[nodiscard]] double as_float() const {
    if (is_int()) return static_cast<double>(std::get<std::int64_t>(data_));
    return get<double>("a number");
  }
  [[nodiscard]] const std::string& as_string() const { return get<std::string>("a string"); }
  [[nodiscard]] const list& as_list() const { return get<list>("a list"); }
  [[nodiscard]] list& as_list() { return get<list>("a list"); }
  [[nodiscard]] const map& as_map() const { return get<map>("a map"); }
  [[nodiscard]] map& as_map() { return get<map>("a map"); }

  [[nodiscard]] const storage& data() const noexcept { return data_; }
  [[nodiscard]] storage& data() noexcept { return data_; }

  /// @brief The name of the held kind, for error messages ("a float", "a list", ...).
  [[nodiscard]] std::string_view kind() const noexcept {
    constexpr std::string_view names[] = {"null", "a bool", "an integer", "a float", "a string", "a list", "a map"};
    return names[data_.index()];
  }

  /// @brief The direct child named `key` of a map, or nullptr.
  [[nodiscard]] const value* child(std::string_view key) const noexcept {
    if (auto* m = std::get_if<map>(&data_)) {
      for (auto& [k, v] : *m) {
        if (k == key) return &v;
      }
    }
    return nullptr;
  }
  [[nodiscard]] value* child(std::string_view key) noexcept {
    return const_cast<value*>(std::as_const(*this).child(key));
  }

  /// @brief The node at a dotted path ("OPTIM.BASE_LR"), or nullptr.
  [[nodiscard]] const value* find(std::string_view dotted) const noexcept {
    const value* node = this;
    while (node != nullptr) {
      auto dot = dotted.find('.');
      node = node->child(dotted.substr(0, dot));
      if (dot == std::string_view::npos) return node;
      dotted.remove_prefix(dot + 1);
    }
    return nullptr;
  }
  [[nodiscard]] value* find(std::string_view dotted) noexcept {
    return const_cast<value*>(std::as_const(*this).find(dotted));
  }

  /// @brief The node at a dotted path, created (with the maps above it) as null if missing.
  value& at_path(std::string_view dotted) {
    value* node = this;
    for (;;) {
      auto dot = dotted.find('.');
      auto key = dotted.substr(0, dot);
      if (node->is_null()) node->data_ = map{};
      auto& m = node->as_map();
      value* next = node->child(key);
      if (next == nullptr) next = &m.emplace_back(std::string(key), value{}).second;
      node = next;
      if (dot == std::string_view::npos) return *node;
      dotted.remove_prefix(dot + 1);
    }
  }

  /// @brief Python's str() of the value: how pycls prints a sampled value in a config key.
  [[nodiscard]] std::string python_str() const { return print(false); }
  /// @brief Python's repr() of the value (strings quoted).
  [[nodiscard]] std::string python_repr() const { return print(true); }

  /// @brief The 1-based line of the file this value was read from (0: not from a file).
  [[nodiscard]] int line() const noexcept { return line_; }
  value& set_line(int line) noexcept {
    line_ = line;
    return *this;
  }

  /// @brief Equal data; where the values came from does not matter.
  friend bool operator==(const value& a, const value& b) { return a.data_ == b.data_; }

 private:
  template <class T, class Self>
  static auto& get_impl(Self& self, std::string_view expected) {
    if (auto* p = std::get_if<T>(&self.data_)) return *p;
    throw error(fmt::format("expected {}, got {} ({})", expected, self.kind(), self.python_repr()));
  }
  template <class T>
  const T& get(std::string_view expected) const { return get_impl<T>(*this, expected); }
  template <class T>
  T& get(std::string_view expected) { return get_impl<T>(*this, expected); }

  [[nodiscard]] std::string print(bool quoted) const {
    return std::visit(
        [quoted](auto& v) -> std::string {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::monostate>) {
            return "None";
          } else if constexpr (std::is_same_v<T, bool>) {
            return v ? "True" : "False";
          } else if constexpr (std::is_same_v<T, std::int64_t>) {
            return fmt::format("{}", v);
          } else if constexpr (std::is_same_v<T, double>) {
            return detail::python_float_repr(v);
          } else if constexpr (std::is_same_v<T, std::string>) {
            return quoted ? detail::python_str_repr(v) : v;
          } else if constexpr (std::is_same_v<T, list>) {
            std::string out = "[";
            for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i].print(true);
            return out + "]";
          } else {
            std::string out = "{";
            for (std::size_t i = 0; i < v.size(); ++i) {
              out += (i ? ", " : "") + detail::python_str_repr(v[i].first) + ": " + v[i].second.print(true);
            }
            return out + "}";
          }
        },
        data_);
  }

  storage data_;
  int line_ = 0;
};

}  // namespace sweep
// ---- end sweep/value.hpp ----

// ---- begin sweep/random.hpp ----
// Umbrella header of the random stage: includes every public header of include/sweep/random/.


// ---- begin sweep/random/draws.hpp ----
// The six draws of pycls (sweep/random.py) over the closed range [low, high] with
// quantum q, on a numpy_rng: same numpy calls, same order, same quantisation, so the
// same seed gives the same values. The result has q's type.


// ---- begin sweep/random/numpy_rng.hpp ----
// numpy's legacy RandomState stream (MT19937 seeded by init_genrand) re-created
// bit for bit, so that a sweep seeded like pycls draws exactly pycls's configs.



#include <array>
#include <limits>

namespace sweep {

namespace detail {

/// @brief Stops the compiler from fusing `a * b + c` into one FMA (numpy's C code rounds twice).
inline double fp_barrier(double x) noexcept {
#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
  asm("" : "+x"(x));  // x must exist as a rounded double here, so no contraction across it
  return x;
#elif (defined(__GNUC__) || defined(__clang__)) && defined(__aarch64__)
  asm("" : "+w"(x));
  return x;
#else
  volatile double rounded = x;
  return rounded;
#endif
}

/// @brief All bits below the highest set bit of x set (numpy's mask for rejection sampling).
constexpr std::uint64_t fill_mask(std::uint64_t x) noexcept {
  x |= x >> 1;
  x |= x >> 2;
  x |= x >> 4;
  x |= x >> 8;
  x |= x >> 16;
  x |= x >> 32;
  return x;
}

}  // namespace detail

/// @brief numpy's legacy `RandomState` stream (MT19937), bit for bit for integer seeds.
/// @sa docs/random.md
class numpy_rng {
 public:
  using result_type = std::uint32_t;
  static constexpr std::size_t state_size = 624;

  /// @brief `np.random.seed(seed)`.
  explicit numpy_rng(std::uint32_t seed = 0) noexcept { this->seed(seed); }

  /// @brief Re-seeds like `np.random.seed(seed)` (init_genrand); drops the cached Gaussian.
  void seed(std::uint32_t s) noexcept {
    for (std::size_t i = 0; i < state_size; ++i) {
      key_[i] = s;
      s = 1812433253U * (s ^ (s >> 30)) + static_cast<std::uint32_t>(i) + 1U;
    }
    pos_ = state_size;
    has_gauss_ = false;
    gauss_ = 0.0;
  }

  static constexpr result_type min() noexcept { return 0; }
  static constexpr result_type max() noexcept { return std::numeric_limits<result_type>::max(); }
  /// @brief One 32-bit word: makes numpy_rng a std::uniform_random_bit_generator.
  result_type operator()() noexcept { return next_uint32(); }

  /// @brief The next tempered MT19937 word.
  std::uint32_t next_uint32() noexcept {
    if (pos_ == state_size) refill();
    std::uint32_t y = key_[pos_++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680U;
    y ^= (y << 15) & 0xefc60000U;
    y ^= y >> 18;
    return y;
  }

  /// @brief Two words, the first one high (numpy's mt19937_next64).
  std::uint64_t next_uint64() noexcept {
    std::uint64_t hi = next_uint32();
    return hi << 32 | next_uint32();
  }

  /// @brief `random_sample()`: a 53-bit double in [0, 1) from two words.
  double random_sample() noexcept {
    std::int32_t a = static_cast<std::int32_t>(next_uint32() >> 5);
    std::int32_t b = static_cast<std::int32_t>(next_uint32() >> 6);
    return (a * 67108864.0 + b) / 9007199254740992.0;  // exact: no rounding to worry about
  }

  /// @brief `uniform(low, high)` = low + (high - low) * random_sample().
  double uniform(double low, double high) noexcept {
    return low + detail::fp_barrier((high - low) * random_sample());
  }

  /// @brief `standard_normal()`: the legacy polar method, caching the second value.
  double gauss() noexcept {
    if (has_gauss_) {
      has_gauss_ = false;
      double cached = gauss_;
      gauss_ = 0.0;
      return cached;
    }
    double x1, x2, r2;
    do {
      x1 = 2.0 * random_sample() - 1.0;
      x2 = 2.0 * random_sample() - 1.0;
      r2 = detail::fp_barrier(x1 * x1) + detail::fp_barrier(x2 * x2);
    } while (r2 >= 1.0 || r2 == 0.0);
    double f = std::sqrt(-2.0 * std::log(r2) / r2);
    gauss_ = f * x1;
    has_gauss_ = true;
    return f * x2;
  }

  /// @brief `normal(loc, scale)` = loc + scale * gauss().
  double normal(double loc, double scale) noexcept { return loc + detail::fp_barrier(scale * gauss()); }

  /// @brief `lognormal(mean, sigma)` = exp(normal(mean, sigma)).
  double lognormal(double mean, double sigma) noexcept { return std::exp(normal(mean, sigma)); }

  /// @brief `randint(high)`: an integer in [0, high).
  std::int64_t randint(std::int64_t high) { return randint(0, high); }

  /// @brief `randint(low, high)` with numpy's default int64 dtype: masked rejection sampling,
  /// with 32-bit draws while the range fits in 32 bits.
  std::int64_t randint(std::int64_t low, std::int64_t high) {
    if (low >= high) throw std::invalid_argument(fmt::format("randint: low >= high ({} >= {})", low, high));
    auto rng = static_cast<std::uint64_t>(high - 1) - static_cast<std::uint64_t>(low);
    auto off = static_cast<std::uint64_t>(low);
    return static_cast<std::int64_t>(off + bounded(rng));
  }

  /// @brief numpy's random_interval: masked rejection in [0, max] (the draw of legacy shuffle).
  std::uint64_t random_interval(std::uint64_t max) noexcept {
    if (max == 0) return 0;
    std::uint64_t mask = detail::fill_mask(max);
    std::uint64_t v;
    if (max <= 0xffffffffULL) {
      do {
        v = next_uint32() & mask;
      } while (v > max);
    } else {
      do {
        v = next_uint64() & mask;
      } while (v > max);
    }
    return v;
  }

  /// @brief `permutation(n)`: 0..n-1 shuffled by legacy shuffle (i from n-1 down to 1).
  std::vector<std::int64_t> permutation(std::int64_t n) {
    if (n < 0) throw std::invalid_argument(fmt::format("permutation: n must be >= 0, got {}", n));
    std::vector<std::int64_t> x(static_cast<std::size_t>(n));
    std::iota(x.begin(), x.end(), std::int64_t{0});
    for (std::size_t i = x.size(); i-- > 1;) {
      std::swap(x[i], x[static_cast<std::size_t>(random_interval(i))]);
    }
    return x;
  }

  /// @brief `choice(n, size, replace=False)`: legacy numpy takes permutation(n)[:size].
  std::vector<std::int64_t> choice(std::int64_t n, std::int64_t size) {
    if (size < 0 || size > n) {
      throw std::invalid_argument(
          fmt::format("choice: cannot take a sample of {} from {} values without replacement", size, n));
    }
    auto p = permutation(n);
    p.resize(static_cast<std::size_t>(size));
    return p;
  }

  /// @brief The MT19937 key words (numpy's `get_state()[1]`), for checks.
  [[nodiscard]] const std::array<std::uint32_t, state_size>& key() const noexcept { return key_; }
  /// @brief The position in the key (numpy's `get_state()[2]`).
  [[nodiscard]] std::size_t pos() const noexcept { return pos_; }

  friend bool operator==(const numpy_rng&, const numpy_rng&) = default;

 private:
  // numpy's random_bounded_uint64 for one value, with use_masked=True (the legacy choice).
  std::uint64_t bounded(std::uint64_t rng) noexcept {
    if (rng == 0) return 0;
    if (rng <= 0xffffffffULL) {
      if (rng == 0xffffffffULL) return next_uint32();
      auto mask = static_cast<std::uint32_t>(detail::fill_mask(rng));
      std::uint32_t v;
      do {
        v = next_uint32() & mask;
      } while (v > rng);
      return v;
    }
    if (rng == ~std::uint64_t{0}) return next_uint64();
    std::uint64_t mask = detail::fill_mask(rng), v;
    do {
      v = next_uint64() & mask;
    } while (v > rng);
    return v;
  }

  // One block of 624 new words (the classic genrand loop, split so no index wraps).
  void refill() noexcept {
    constexpr std::size_t n = state_size, m = 397;
    constexpr std::uint32_t upper = 0x80000000U, lower = 0x7fffffffU, matrix_a = 0x9908b0dfU;
    auto twist = [](std::uint32_t a, std::uint32_t b, std::uint32_t far) {
      std::uint32_t y = (a & upper) | (b & lower);
      return far ^ (y >> 1) ^ ((0U - (y & 1U)) & matrix_a);
    };
    std::size_t i = 0;
    for (; i < n - m; ++i) key_[i] = twist(key_[i], key_[i + 1], key_[i + m]);
    for (; i < n - 1; ++i) key_[i] = twist(key_[i], key_[i + 1], key_[i + m - n]);
    key_[n - 1] = twist(key_[n - 1], key_[0], key_[m - 1]);
    pos_ = 0;
  }

  std::array<std::uint32_t, state_size> key_{};
  std::size_t pos_ = state_size;
  bool has_gauss_ = false;
  double gauss_ = 0.0;
};

/// @brief pycls's chunk seeds on a given stream: `rng.seed(rng_seed)` then
/// `choice(1000000, ceil(num_samples / chunk_size), replace=False)`. The stream goes on
/// afterwards exactly as pycls's global one does (its final shuffle of the configs draws from it).
inline std::vector<std::int64_t> chunk_seeds(numpy_rng& rng, std::int64_t rng_seed, std::int64_t num_samples,
                                             std::int64_t chunk_size) {
  if (rng_seed < 0 || rng_seed > 0xffffffffLL) {
    throw error({}, "SETUP.RNG_SEED", fmt::format("must be between 0 and 2**32 - 1, got {}", rng_seed));
  }
  if (chunk_size <= 0) throw error({}, "SETUP.CHUNK_SIZE", fmt::format("must be > 0, got {}", chunk_size));
  if (num_samples < 0) throw error({}, "SETUP.NUM_SAMPLES", fmt::format("must be >= 0, got {}", num_samples));
  rng.seed(static_cast<std::uint32_t>(rng_seed));
  // pycls: int(np.ceil(NUM_SAMPLES / CHUNK_SIZE)), a float division
  auto n_chunks =
      static_cast<std::int64_t>(std::ceil(static_cast<double>(num_samples) / static_cast<double>(chunk_size)));
  if (n_chunks > 1000000) {
    throw error({}, "SETUP.NUM_SAMPLES",
                fmt::format("needs {} chunks of CHUNK_SIZE {}, but at most 1000000 chunk seeds exist", n_chunks,
                            chunk_size));
  }
  return rng.choice(1000000, n_chunks);
}

/// @brief pycls's chunk seeds from a fresh stream seeded with rng_seed.
inline std::vector<std::int64_t> chunk_seeds(std::int64_t rng_seed, std::int64_t num_samples,
                                             std::int64_t chunk_size) {
  numpy_rng rng;
  return chunk_seeds(rng, rng_seed, num_samples, chunk_size);
}

}  // namespace sweep
// ---- end sweep/random/numpy_rng.hpp ----

// ---- begin sweep/random/quantize.hpp ----
// pycls's quantize(f, q, op): the multiple k = op(f / q) of q, with k * q formed in
// decimal from the digits of str(q), so 3 x 0.1 is 0.3 and never 0.30000000000000004.


// ---- begin sweep/random/detail/decimal.hpp ----
// Exact decimal arithmetic for quantisation: the product k * q is formed from the
// shortest decimal digits of q (Python's str(q)), rounded to 28 significant digits
// like Python's default Decimal context, then rounded once to the nearest double.

#include <bit>

namespace sweep::detail {

__extension__ typedef unsigned __int128 uint128;  // __extension__: no -Wpedantic noise
__extension__ typedef __int128 int128;

/// @brief |x| = digits * 10^exponent with the fewest digits that read back as x (Python's repr).
struct decimal_form {
  std::uint64_t digits = 0;
  int exponent = 0;
  bool negative = false;
};

/// @brief The shortest round-trip decimal of a finite double (same digits as Python's repr).
inline decimal_form shortest_decimal(double x) {
  char buf[40];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);
  decimal_form out;
  const char* p = buf;
  if (*p == '-') {
    out.negative = true;
    ++p;
  }
  int fraction_digits = 0;
  bool after_point = false;
  for (; p < end && *p != 'e'; ++p) {
    if (*p == '.') {
      after_point = true;
      continue;
    }
    out.digits = out.digits * 10 + static_cast<std::uint64_t>(*p - '0');
    fraction_digits += after_point ? 1 : 0;
  }
  int exponent = 0;
  if (p < end) {
    ++p;
    if (*p == '+') ++p;
    std::from_chars(p, end, exponent);
  }
  out.exponent = exponent - fraction_digits;
  return out;
}

/// @brief shortest_decimal through a small per-thread cache: a space draws with a handful of
/// quanta in turn (a RegNet sample uses three float ones), each many times.
inline const decimal_form& cached_shortest_decimal(double x) {
  struct entry {
    std::uint64_t bits = 0;
    bool valid = false;
    decimal_form form;
  };
  thread_local std::array<entry, 16> cache;
  auto bits = std::bit_cast<std::uint64_t>(x);
  auto& e = cache[(bits * 0x9e3779b97f4a7c15ULL) >> 60];  // Fibonacci hashing to 16 slots
  if (!e.valid || e.bits != bits) {
    e.form = shortest_decimal(x);
    e.bits = bits;
    e.valid = true;
  }
  return e.form;
}

/// @brief The decimal digits of n (no leading zeros; "0" for 0).
inline std::string to_decimal_string(uint128 n) {
  if (n == 0) return "0";
  char buf[48];
  char* p = buf + sizeof buf;
  while (n != 0) {
    *--p = static_cast<char>('0' + static_cast<int>(n % 10));
    n /= 10;
  }
  return std::string(p, buf + sizeof buf);
}

/// @brief The exact decimal digits of integer-valued k >= 2^64 times m (base-1e9 big integer).
inline std::string big_product_digits(double k, std::uint64_t m) {
  int exp2 = 0;
  double frac = std::frexp(k, &exp2);                             // k = frac * 2^exp2, frac in [0.5, 1)
  auto mant = static_cast<std::uint64_t>(std::ldexp(frac, 53));   // k = mant * 2^(exp2 - 53)
  int shift = exp2 - 53;
  constexpr std::uint32_t base = 1000000000U;
  std::vector<std::uint32_t> limbs;  // little endian, base 1e9
  for (std::uint64_t v = mant; v != 0; v /= base) limbs.push_back(static_cast<std::uint32_t>(v % base));
  auto multiply = [&](std::uint64_t factor) {  // factor < 2^64; limb * factor < 2^94 fits in 128 bits
    uint128 carry = 0;
    for (auto& limb : limbs) {
      uint128 t = static_cast<uint128>(limb) * factor + carry;
      limb = static_cast<std::uint32_t>(t % base);
      carry = t / base;
    }
    while (carry != 0) {
      limbs.push_back(static_cast<std::uint32_t>(carry % base));
      carry /= base;
    }
  };
  for (; shift > 0; shift -= std::min(shift, 32)) multiply(std::uint64_t{1} << std::min(shift, 32));
  multiply(m);
  std::string out = std::to_string(limbs.back());
  for (auto it = limbs.rbegin() + 1; it != limbs.rend(); ++it) {
    auto part = std::to_string(*it);
    out += std::string(9 - part.size(), '0') + part;
  }
  return out;
}

/// @brief Rounds a digit string to `precision` significant digits, half to even (Decimal's
/// default context); returns how many digits were dropped (added to the exponent).
inline int round_digits_half_even(std::string& digits, std::size_t precision = 28) {
  if (digits.size() <= precision) return 0;
  auto dropped = static_cast<int>(digits.size() - precision);
  char first = digits[precision];
  bool rest_nonzero = std::any_of(digits.begin() + static_cast<std::ptrdiff_t>(precision) + 1, digits.end(),
                                  [](char c) { return c != '0'; });
  digits.resize(precision);
  bool up = first > '5' || (first == '5' && (rest_nonzero || (digits.back() - '0') % 2 == 1));
  if (up) {
    auto i = digits.size();
    while (i > 0 && digits[i - 1] == '9') digits[--i] = '0';
    if (i == 0) {
      digits.insert(digits.begin(), '1');  // 99..9 -> 100..0: one more digit, same value scale
    } else {
      ++digits[i - 1];
    }
  }
  return dropped;
}

/// @brief The double nearest to (-1)^negative * digits * 10^exponent (Python's float(Decimal)).
inline double decimal_to_double(bool negative, const std::string& digits, int exponent) {
  std::string text = digits + "e" + std::to_string(exponent);
  double v = 0.0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc::result_out_of_range) {
    // too big: inf; too small: 0 (as float() of such a Decimal gives)
    bool huge = static_cast<long>(digits.size()) + exponent > 0;
    v = huge ? HUGE_VAL : 0.0;
  }
  return negative ? -v : v;
}

/// @brief Python's float(Decimal(k) * Decimal(str(q))) for an integer-valued double k.
inline double decimal_product(double k, double q) {
  if (!std::isfinite(k) || !std::isfinite(q)) return k * q;  // Decimal's Infinity/NaN propagate the same way
  // the sign is set without a branch: half the draws of a range around 0 are negative
  std::uint64_t sign = (std::bit_cast<std::uint64_t>(k) ^ std::bit_cast<std::uint64_t>(q)) & (std::uint64_t{1} << 63);
  auto with_sign = [sign](double magnitude) { return std::bit_cast<double>(std::bit_cast<std::uint64_t>(magnitude) | sign); };
  const decimal_form& d = cached_shortest_decimal(q);
  double ak = std::fabs(k);
  std::string digits;
  if (ak < 18446744073709551616.0) {  // 2^64: the product fits in 128 bits (digits < 10^17)
    uint128 n = static_cast<uint128>(static_cast<std::uint64_t>(ak)) * d.digits;
    if (n < (uint128{1} << 53) && d.exponent >= -22 && d.exponent <= 22) {
      // n and 10^|e| are exact doubles, so one IEEE multiply/divide is correctly rounded (0 stays 0)
      static constexpr double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                         1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
      auto v = static_cast<double>(static_cast<std::uint64_t>(n));
      return with_sign(d.exponent >= 0 ? v * pow10[d.exponent] : v / pow10[-d.exponent]);
    }
    if (n == 0) return with_sign(0.0);
    digits = to_decimal_string(n);
  } else {
    digits = big_product_digits(ak, d.digits);
  }
  int exponent = d.exponent + round_digits_half_even(digits);
  return with_sign(decimal_to_double(false, digits, exponent));
}

/// @brief Whether the decimal a*10^ea is an integer multiple of b*10^eb (b > 0), exactly.
inline bool decimal_is_multiple(std::uint64_t a, int ea, std::uint64_t b, int eb) {
  if (a == 0) return true;
  if (b == 0) return false;
  if (ea >= eb) {  // a * 10^(ea-eb) mod b, by modular powers: no overflow for any exponent gap
    uint128 r = a % b, ten = 10 % b;
    for (int n = ea - eb; n > 0; n >>= 1) {
      if (n & 1) r = r * ten % b;
      ten = ten * ten % b;
    }
    return r == 0;
  }
  // b * 10^(eb-ea) must divide a (< 10^20): only possible while it is no larger than a
  uint128 big_b = b;
  for (int n = eb - ea; n > 0; --n) {
    big_b *= 10;
    if (big_b > a) return false;
  }
  return a % big_b == 0;
}

}  // namespace sweep::detail
// ---- end sweep/random/detail/decimal.hpp ----



namespace sweep {

/// @brief The value types a draw can have: pycls's int and float.
template <class T>
concept draw_number = std::same_as<T, std::int64_t> || std::same_as<T, double>;

/// @brief How f / q becomes a whole multiple: np.floor, np.ceil or np.round (half to even).
enum class rounding { floor, ceil, half_even };

/// @brief op(f / q) as numpy computes it, an integer-valued double.
inline double quantum_index(double f, double q, rounding op) noexcept {
  double x = f / q;
  switch (op) {
    case rounding::floor: return std::floor(x);
    case rounding::ceil: return std::ceil(x);
    case rounding::half_even: break;
  }
  return std::nearbyint(x);  // the default rounding mode rounds half to even, as np.round does
}

/// @brief pycls's `quantize(f, q, op)`: `type(q)(Decimal(op(f / q)) * Decimal(str(q)))`.
/// @sa docs/random.md
struct quantize_fn {
  double operator()(double f, double q, rounding op = rounding::floor) const {
    return detail::decimal_product(quantum_index(f, q, op), q);
  }
  std::int64_t operator()(double f, std::int64_t q, rounding op = rounding::floor) const {
    double k = quantum_index(f, static_cast<double>(q), op);
    // |k| < 2^63 makes the cast exact; the product must still fit in 64 bits
    if (std::isfinite(k) && std::fabs(k) < 9223372036854775808.0) {
      detail::int128 p = static_cast<detail::int128>(static_cast<std::int64_t>(k)) * q;
      if (p >= INT64_MIN && p <= INT64_MAX) return static_cast<std::int64_t>(p);
    }
    throw std::overflow_error(fmt::format("quantize: {} * {} does not fit in a 64-bit integer", k, q));
  }
};
inline constexpr quantize_fn quantize{};

}  // namespace sweep
// ---- end sweep/random/quantize.hpp ----



namespace sweep {

/// @brief pycls's RAND_TYPE values.
enum class rand_type { uniform, log_uniform, power2_uniform, power2_or_log_uniform, normal, log_normal };

/// @brief The RAND_TYPE names, in the order of rand_type.
inline constexpr std::array<std::string_view, 6> rand_type_names = {
    "uniform", "log_uniform", "power2_uniform", "power2_or_log_uniform", "normal", "log_normal"};

/// @brief The name of a rand type as pycls writes it ("log_uniform").
constexpr std::string_view to_string(rand_type t) noexcept { return rand_type_names[static_cast<std::size_t>(t)]; }

/// @brief The rand type named `name`, or nullopt for an unknown name.
constexpr std::optional<rand_type> parse_rand_type(std::string_view name) noexcept {
  for (std::size_t i = 0; i < rand_type_names.size(); ++i) {
    if (rand_type_names[i] == name) return static_cast<rand_type>(i);
  }
  return std::nullopt;
}

namespace detail {

/// @brief Python's float(x) of an int (correctly rounded) or a float.
constexpr double to_double(std::int64_t x) noexcept { return static_cast<double>(x); }
constexpr double to_double(double x) noexcept { return x; }

/// @brief Python's float(a + b): the int sum is exact before it becomes a float.
inline double sum_to_double(std::int64_t a, std::int64_t b) noexcept {
  return static_cast<double>(static_cast<int128>(a) + b);
}
inline double sum_to_double(double a, double b) noexcept { return a + b; }

/// @brief Python's min(a, b): the first one unless the second is smaller.
template <class T>
constexpr T py_min(T a, T b) noexcept { return b < a ? b : a; }
template <class T>
constexpr T py_max(T a, T b) noexcept { return b > a ? b : a; }

/// @brief How many times normal and log_normal redraw before giving up: pycls loops until a draw is in
/// [low, high], which takes about 1.003 draws (sigma is a sixth of the range), but forever when sigma or
/// mu is not finite. check_rand refuses such ranges; this bound keeps a draw from hanging regardless.
inline constexpr int max_redraws = 10'000;

[[noreturn]] inline void throw_no_draw(std::string_view what, double low, double high) {
  throw std::domain_error(fmt::format("{}: no draw in [{}, {}] after {} tries: expected a range with finite "
                                      "width and midpoint", what, low, high, max_redraws));
}

}  // namespace detail

namespace draws {

/// @brief pycls `uniform`: f ~ U[low, high + q), k = floor(f / q).
struct uniform_fn {
  template <draw_number T>
  T operator()(T low, T high, T q, numpy_rng& rng) const {
    double f = rng.uniform(detail::to_double(low), detail::sum_to_double(high, q));
    return quantize(f, q, rounding::floor);
  }
};
inline constexpr uniform_fn uniform{};

/// @brief pycls `log_uniform`: f = exp(-U(-ln high, -ln(low - min(q, low / 2)))), k = ceil(f / q).
struct log_uniform_fn {
  template <draw_number T>
  T operator()(T low, T high, T q, numpy_rng& rng) const {
    double half_low = detail::to_double(low) / 2.0;  // Python's low / 2 is a float even for ints
    // min(q, low / 2) is q itself (int stays int) unless low / 2 is smaller
    double lower = half_low < detail::to_double(q) ? detail::to_double(low) - half_low
                                                   : detail::sum_to_double(low, -q);
    double f = std::exp(-rng.uniform(-std::log(detail::to_double(high)), -std::log(lower)));
    return quantize(f, q, rounding::ceil);
  }
};
inline constexpr log_uniform_fn log_uniform{};

/// @brief pycls `power2_uniform`: e = floor(U(log2 low, log2 high + 1)), value 2^e, k = floor.
struct power2_uniform_fn {
  template <draw_number T>
  T operator()(T low, T high, T q, numpy_rng& rng) const {
    double e = std::floor(rng.uniform(std::log2(detail::to_double(low)), std::log2(detail::to_double(high)) + 1.0));
    return quantize(std::pow(2.0, e), q, rounding::floor);
  }
};
inline constexpr power2_uniform_fn power2_uniform{};

/// @brief pycls `power2_or_log_uniform`: a power of 2 in [low, high]; if it is >= q,
/// log_uniform(max(low, q), high, min(high, q)) instead.
struct power2_or_log_uniform_fn {
  template <draw_number T>
  T operator()(T low, T high, T q, numpy_rng& rng) const {
    T f = power2_uniform(low, high, low, rng);
    return f >= q ? log_uniform(detail::py_max(low, q), high, detail::py_min(high, q), rng) : f;
  }
};
inline constexpr power2_or_log_uniform_fn power2_or_log_uniform{};

/// @brief pycls `normal`: N(mu = (low + high) / 2, sigma = (high - low) / 6) redrawn until in
/// [low, high], k = round(f / q) half to even.
struct normal_fn {
  template <draw_number T>
  T operator()(T low, T high, T q, numpy_rng& rng) const {
    if (!(low <= high)) throw std::invalid_argument(fmt::format("normal: needs low <= high, got {} > {}", low, high));
    double lo = detail::to_double(low), hi = detail::to_double(high);
    double mu = detail::sum_to_double(low, high) / 2.0;
    double sigma = (std::is_same_v<T, double> ? hi - lo : static_cast<double>(static_cast<detail::int128>(high) - low)) / 6.0;
    double f = std::numeric_limits<double>::infinity();
    for (int tries = 0; !(lo <= f && f <= hi); ++tries) {
      if (tries == detail::max_redraws) detail::throw_no_draw("normal", lo, hi);
      f = rng.normal(mu, sigma);
    }
    return quantize(f, q, rounding::half_even);
  }
};
inline constexpr normal_fn normal{};

/// @brief pycls `log_normal`: the same as normal in log space (mu, sigma of ln f), k = round.
struct log_normal_fn {
  template <draw_number T>
  T operator()(T low, T high, T q, numpy_rng& rng) const {
    if (!(low > 0 && low <= high)) {
      throw std::invalid_argument(fmt::format("log_normal: needs 0 < low <= high, got low {}, high {}", low, high));
    }
    double lo = detail::to_double(low), hi = detail::to_double(high);
    double log_low = std::log(lo), log_high = std::log(hi);
    double mu = (log_low + log_high) / 2.0, sigma = (log_high - log_low) / 6.0;
    if (sigma == 0.0 && !(lo <= std::exp(mu) && std::exp(mu) <= hi)) {
      // pycls would loop forever here: exp(log(low)) is not low
      throw std::domain_error(fmt::format("log_normal: exp(log({})) is out of the range [{}, {}]", low, low, high));
    }
    double f = std::numeric_limits<double>::infinity();
    for (int tries = 0; !(lo <= f && f <= hi); ++tries) {
      if (tries == detail::max_redraws) detail::throw_no_draw("log_normal", lo, hi);
      f = rng.lognormal(mu, sigma);
    }
    return quantize(f, q, rounding::half_even);
  }
};
inline constexpr log_normal_fn log_normal{};

}  // namespace draws

namespace detail {

template <draw_number T>
T draw_unchecked(rand_type type, T low, T high, T q, numpy_rng& rng) {
  switch (type) {
    case rand_type::uniform: return draws::uniform(low, high, q, rng);
    case rand_type::log_uniform: return draws::log_uniform(low, high, q, rng);
    case rand_type::power2_uniform: return draws::power2_uniform(low, high, q, rng);
    case rand_type::power2_or_log_uniform: return draws::power2_or_log_uniform(low, high, q, rng);
    case rand_type::normal: return draws::normal(low, high, q, rng);
    case rand_type::log_normal: return draws::log_normal(low, high, q, rng);
  }
  throw std::invalid_argument("draw: not a rand_type");
}

}  // namespace detail

/// @brief One draw of the given type; the dispatch for types chosen at run time (RAND_TYPE).
/// A float draw that is not finite throws std::domain_error (check_rand refuses ranges that could).
template <draw_number T>
T draw(rand_type type, T low, T high, T q, numpy_rng& rng) {
  T v = detail::draw_unchecked(type, low, high, q, rng);
  if constexpr (std::is_same_v<T, double>) {
    if (!std::isfinite(v)) {
      throw std::domain_error(fmt::format("{}: drew {} from [{}, {}] with quantum {}: expected a range whose draws "
                                          "are finite", to_string(type), v, low, high, q));
    }
  }
  return v;
}

}  // namespace sweep
// ---- end sweep/random/draws.hpp ----

// ---- begin sweep/random/validate.hpp ----
// pycls's validate_rand rules, each with a message of its own that says what was
// expected, instead of pycls's one "is invalid" assertion.




namespace sweep {

/// @brief What is wrong with a draw's parameters: the sampler field to blame and why.
struct rand_problem {
  std::string field;    // "RANGE", "QUANTIZE" or "RAND_TYPE"
  std::string message;  // e.g. "low 0.3 is not a multiple of QUANTIZE 0.25"
};

namespace detail {

/// @brief A number as Python prints it: 5 or 5.0.
inline std::string py_number(std::int64_t x) { return fmt::format("{}", x); }
inline std::string py_number(double x) { return python_float_repr(x); }

/// @brief Decimal(str(x)) % Decimal(str(q)) == 0, exactly.
inline bool is_decimal_multiple(std::int64_t x, std::int64_t q) { return q != 0 && x % q == 0; }
inline bool is_decimal_multiple(double x, double q) {
  auto a = shortest_decimal(x), b = shortest_decimal(q);
  return decimal_is_multiple(a.digits, a.exponent, b.digits, b.exponent);
}

/// @brief np.log2(v).is_integer().
inline bool is_power_of_two(double v) {
  double l = std::log2(v);
  return std::isfinite(l) && l == std::floor(l);
}

/// @brief The largest magnitude an int range (widened by its quantum) may reach: the draws go through
/// doubles, and k * q must come back into 64 bits.
inline constexpr std::int64_t max_int_range_magnitude = std::int64_t{1} << 62;

/// @brief Ranges too wide for the draw's arithmetic: pycls would draw inf or NaN (a uniform float over
/// [-1e308, 1e308]: high + q - low overflows), redraw forever (a normal whose sigma or mu is inf), or
/// overflow k * q. Ours refuses them, naming the numbers that overflow.
inline std::optional<rand_problem> check_rand_magnitude(rand_type type, double low, double high, double q) {
  auto name = std::string(to_string(type));
  double top = high + q, bottom = low - q;  // a quantised draw lies within one quantum of the range
  if (!std::isfinite(top - bottom)) {
    return rand_problem{"RANGE", fmt::format("{}: the range [{}, {}] widened by QUANTIZE {} is wider than the "
                                             "largest float: expected a narrower range (draws would be inf or NaN)",
                                             name, py_number(low), py_number(high), py_number(q))};
  }
  if (!std::isfinite(top / q) || !std::isfinite(bottom / q)) {
    return rand_problem{"QUANTIZE", fmt::format("{}: RANGE [{}, {}] / QUANTIZE {} overflows: expected a larger "
                                                "QUANTIZE or a narrower range", name, py_number(low),
                                                py_number(high), py_number(q))};
  }
  if (type == rand_type::normal && !std::isfinite(low + high)) {
    return rand_problem{"RANGE", fmt::format("normal: the midpoint of [{}, {}] overflows: expected a range whose "
                                             "low + high is finite (the draw would be redrawn forever)",
                                             py_number(low), py_number(high))};
  }
  return std::nullopt;
}
inline std::optional<rand_problem> check_rand_magnitude(rand_type type, std::int64_t low, std::int64_t high,
                                                        std::int64_t q) {
  auto wide = [&](std::int64_t v) {
    return static_cast<int128>(v < 0 ? -static_cast<int128>(v) : static_cast<int128>(v)) + q > max_int_range_magnitude;
  };
  if (wide(low) || wide(high)) {
    return rand_problem{"RANGE", fmt::format("{}: the range [{}, {}] widened by QUANTIZE {} reaches beyond "
                                             "+-2^62: expected a narrower range", to_string(type), low, high, q)};
  }
  return std::nullopt;
}

}  // namespace detail

/// @brief The first of pycls's validate_rand rules that (rand type, low, high, q) break, if any;
/// NaN and infinities are refused too.
/// @sa docs/random.md
template <draw_number T>
std::optional<rand_problem> check_rand(rand_type type, T low, T high, T q) {
  using detail::py_number;
  auto name = std::string(to_string(type));
  if constexpr (std::is_same_v<T, double>) {
    if (!std::isfinite(low)) return rand_problem{"RANGE", "low must be a finite number, got " + py_number(low)};
    if (!std::isfinite(high)) return rand_problem{"RANGE", "high must be a finite number, got " + py_number(high)};
    if (!std::isfinite(q)) return rand_problem{"QUANTIZE", "QUANTIZE must be a finite number, got " + py_number(q)};
  }
  if (!(q > 0)) return rand_problem{"QUANTIZE", "QUANTIZE must be > 0, got " + py_number(q)};
  if (!(low <= high)) {
    return rand_problem{"RANGE", fmt::format("low {} is greater than high {}", py_number(low), py_number(high))};
  }
  if (!(low > 0) && type != rand_type::uniform && type != rand_type::normal) {
    return rand_problem{"RANGE", fmt::format("{} needs low > 0, got {}", name, py_number(low))};
  }
  if (auto problem = detail::check_rand_magnitude(type, low, high, q)) return problem;
  if (type != rand_type::power2_or_log_uniform) {
    for (auto [which, v] : {std::pair{"low", low}, std::pair{"high", high}}) {
      if (!detail::is_decimal_multiple(v, q)) {
        return rand_problem{"RANGE", fmt::format("{} {} is not a multiple of QUANTIZE {}", which, py_number(v),
                                                 py_number(q))};
      }
    }
  }
  if (type == rand_type::power2_uniform || type == rand_type::power2_or_log_uniform) {
    for (auto [field, v] : {std::pair{"RANGE", low}, std::pair{"RANGE", high}, std::pair{"QUANTIZE", q}}) {
      if (!detail::is_power_of_two(detail::to_double(v))) {
        return rand_problem{field, fmt::format("{} needs powers of 2: log2({}) is not an integer", name,
                                               py_number(v))};
      }
    }
  }
  return std::nullopt;
}

/// @brief check_rand for a RAND_TYPE given by name: an unknown name is a RAND_TYPE problem.
template <draw_number T>
std::optional<rand_problem> check_rand(std::string_view type_name, T low, T high, T q) {
  if (auto type = parse_rand_type(type_name)) return check_rand(*type, low, high, q);
  return rand_problem{"RAND_TYPE", fmt::format("unknown RAND_TYPE {}; expected one of {}",
                                               detail::python_str_repr(type_name),
                                               fmt::join(rand_type_names, ", "))};
}

/// @brief Throws sweep::error(key_path.FIELD: message) if check_rand finds a problem.
template <draw_number T>
void validate_rand(std::string_view key_path, rand_type type, T low, T high, T q) {
  if (auto problem = check_rand(type, low, high, q)) {
    throw error({}, std::string(key_path) + "." + problem->field, problem->message);
  }
}

/// @brief validate_rand for a RAND_TYPE given by name.
template <draw_number T>
void validate_rand(std::string_view key_path, std::string_view type_name, T low, T high, T q) {
  if (auto problem = check_rand(type_name, low, high, q)) {
    throw error({}, std::string(key_path) + "." + problem->field, problem->message);
  }
}

/// @brief check_rand for values read from a config: low, high and q must be numbers of one type
/// (all int or all float, as pycls asserts), then the rules above apply.
inline std::optional<rand_problem> check_rand_values(std::string_view type_name, const value& low, const value& high,
                                                     const value& q) {
  auto is_number = [](const value& v) { return v.is_int() || v.is_float(); };
  if (!is_number(q)) return rand_problem{"QUANTIZE", fmt::format("QUANTIZE must be a number, got {}", q.kind())};
  for (auto* v : {&low, &high}) {
    if (!is_number(*v)) return rand_problem{"RANGE", fmt::format("RANGE must hold numbers, got {}", v->kind())};
  }
  if (low.is_int() != q.is_int() || high.is_int() != q.is_int()) {
    return rand_problem{"RANGE", fmt::format("RANGE [{}, {}] and QUANTIZE {} must all be ints or all floats, got {}, "
                                             "{} and {}",
                                             low.python_str(), high.python_str(), q.python_str(), low.kind(),
                                             high.kind(), q.kind())};
  }
  if (q.is_int()) return check_rand(type_name, low.as_int(), high.as_int(), q.as_int());
  return check_rand(type_name, low.as_float(), high.as_float(), q.as_float());
}

}  // namespace sweep
// ---- end sweep/random/validate.hpp ----
// ---- end sweep/random.hpp ----

// ---- begin sweep/space.hpp ----
// Umbrella header of the space stage: includes every public header of include/sweep/space/.


// ---- begin sweep/space/key.hpp ----
// Compile-time keys: "OPTIM.BASE_LR"_k is a value of type param_key<"OPTIM.BASE_LR">,
// so a space knows its keys in the type system and a misspelt one cannot compile.


// ---- begin sweep/space/sampler.hpp ----
// The sampler concept: what a type must provide to be bound to a key
// ("OPTIM.BASE_LR"_k = s). The built-in samplers (uniform, choice, values,
// int_range, ...) and a user's own are written against the same members:
//
//   using value_type = T;                                   the type it draws
//   void validate(std::string_view key) const;              throws sweep::error for bad parameters
//   T draw(sweep::numpy_rng& rng) const;                    one value, from the stream it is given
//   void append_key_text(std::string& out, std::string_view key, const T& v) const;
//                                                           pycls's key text, usually sweep::append_key_value
//   void append_params(sweep::param_list& out, std::string_view key, const T& v) const;
//                                                           the (key, value) pairs merged into BASE_CFG
//
// A finite sampler (an axis of grid and zip) also has `size()` and `at(i)`.
// Binding anything else to a key fails at the `=` with a message naming what is missing.
// @sa docs/dsl.md, "A custom sampler"


#include <type_traits>

namespace sweep {

/// @brief A drawn sample as pycls makes it: [key, value, key, value, ...] as pairs.
using param_list = std::vector<std::pair<std::string, value>>;

namespace detail {

inline value to_value(const value& v) { return v; }
inline value to_value(std::int64_t v) { return value{v}; }
inline value to_value(double v) { return value{v}; }
inline value to_value(bool v) { return value{v}; }
inline value to_value(const std::string& v) { return value{v}; }
template <class T>
value to_value(const std::vector<T>& items) {
  value::list out;
  out.reserve(items.size());
  for (auto& item : items) out.push_back(to_value(item));
  return value{std::move(out)};
}

/// @brief Appends Python's str() of a drawn value, as pycls writes it into a config's key text.
inline void append_python_str(std::string& out, std::int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}
inline void append_python_str(std::string& out, double v) { append_python_float_repr(out, v); }
inline void append_python_str(std::string& out, const std::string& v) { out += v; }
inline void append_python_str(std::string& out, const value& v) {
  // Numbers are what samplers draw nearly always: print them without a detour through a new string.
  if (v.is_float()) {
    append_python_float_repr(out, std::get<double>(v.data()));
  } else if (v.is_int()) {
    append_python_str(out, std::get<std::int64_t>(v.data()));
  } else {
    out += v.python_str();
  }
}
template <class T>
void append_python_str(std::string& out, const std::vector<T>& v) { out += to_value(v).python_str(); }

}  // namespace detail

/// @brief Appends "KEY VALUE" to a config's key text as pycls writes it (Python's str() of the value),
/// with a space before it unless it is the first. For int64, double, std::string, sweep::value and
/// vectors of them: what a sampler's append_key_text usually does.
/// @sa docs/dsl.md, "A custom sampler"
template <class T>
void append_key_value(std::string& out, std::string_view key, const T& v) {
  if (!out.empty()) out += ' ';
  out += key;
  out += ' ';
  detail::append_python_str(out, v);
}

namespace detail {

// Kept for code that still spells it detail::append_key_value.
using sweep::append_key_value;

template <class S>
concept has_value_type = requires { typename S::value_type; };

template <class S>
concept has_validate = requires(const S& s, std::string_view key) { s.validate(key); };

template <class S>
concept has_draw = has_value_type<S> && requires(const S& s, numpy_rng& rng) {
  { s.draw(rng) } -> std::convertible_to<typename S::value_type>;
};

template <class S>
concept has_append_key_text =
    has_value_type<S> && requires(const S& s, std::string& out, std::string_view key, const typename S::value_type& v) {
      s.append_key_text(out, key, v);
    };

template <class S>
concept has_append_params =
    has_value_type<S> && requires(const S& s, param_list& out, std::string_view key, const typename S::value_type& v) {
      s.append_params(out, key, v);
    };

/// @brief A value (0.1, "x", a sweep::value) or an object with none of a sampler's members.
template <class S>
concept plain_value = !std::is_class_v<S> || std::is_convertible_v<S, std::string_view> || std::is_same_v<S, value> ||
                      !(has_validate<S> || has_draw<S> || has_append_key_text<S> || has_append_params<S>);

}  // namespace detail

/// @brief What a type bound to a key must provide: value_type, validate(key), draw(rng),
/// append_key_text(out, key, v) and append_params(out, key, v) (see the top of this header).
/// @sa docs/dsl.md, "A custom sampler"
template <class S>
concept sampler = std::copy_constructible<S> && detail::has_value_type<S> && detail::has_validate<S> &&
                  detail::has_draw<S> && detail::has_append_key_text<S> && detail::has_append_params<S>;

/// @brief A sampler with a finite list of values, `size()` and `at(i)` for i < size(): an axis of grid and zip.
/// @sa docs/combinators.md
template <class S>
concept finite_sampler = sampler<S> && requires(const S& s, std::uint64_t i) {
  { s.size() } -> std::convertible_to<std::uint64_t>;
  { s.at(i) } -> std::convertible_to<typename S::value_type>;
};

namespace detail {

/// @brief Stands in for what failed check_sampler, so that one error is reported, not a cascade.
struct not_a_sampler {
  using value_type = std::int64_t;
  void validate(std::string_view) const {}
  [[nodiscard]] std::int64_t draw(numpy_rng&) const { return 0; }
  void append_key_text(std::string&, std::string_view, std::int64_t) const {}
  void append_params(param_list&, std::string_view, std::int64_t) const {}
};

/// @brief False for every key; the failed assertions below name the key through it.
template <class Key>
inline constexpr bool bound_to_a_sampler = false;

/// @brief Static assertions with what to write, for a non-sampler `S` bound to `Key` (param_key<"...">).
template <class Key, class S>
constexpr bool check_sampler() {
  if constexpr (sampler<S>) {
    return true;
  } else if constexpr (plain_value<S>) {
    static_assert(bound_to_a_sampler<Key>,
                  "sweep: the value bound to a key must be a sampler (sweep::sampler): for a constant write "
                  "\"KEY\"_k = sweep::values(0.1), for a draw e.g. sweep::uniform(lo, hi) or sweep::choice(a, b); "
                  "to write your own, see docs/dsl.md (the key is named in the 'param_key<...>' below)");
  } else if constexpr (!has_value_type<S>) {
    static_assert(bound_to_a_sampler<Key>,
                  "sweep::sampler: the type bound to this key has no value_type: add 'using value_type = T;' "
                  "(the type it draws) (the key is named in the 'param_key<...>' below)");
  } else if constexpr (!has_validate<S>) {
    static_assert(bound_to_a_sampler<Key>,
                  "sweep::sampler: the type bound to this key has no validate: add "
                  "'void validate(std::string_view key) const' (throw sweep::error for bad parameters; an empty body "
                  "is fine) (the key is named in the 'param_key<...>' below)");
  } else if constexpr (!has_draw<S>) {
    static_assert(bound_to_a_sampler<Key>,
                  "sweep::sampler: the type bound to this key has no draw: add "
                  "'value_type draw(sweep::numpy_rng& rng) const' (one value, drawn from rng) "
                  "(the key is named in the 'param_key<...>' below)");
  } else if constexpr (!has_append_key_text<S>) {
    static_assert(bound_to_a_sampler<Key>,
                  "sweep::sampler: the type bound to this key has no append_key_text: add 'void append_key_text("
                  "std::string& out, std::string_view key, const value_type& v) const' (usually "
                  "sweep::append_key_value(out, key, v)) (the key is named in the 'param_key<...>' below)");
  } else if constexpr (!has_append_params<S>) {
    static_assert(bound_to_a_sampler<Key>,
                  "sweep::sampler: the type bound to this key has no append_params: add 'void append_params("
                  "sweep::param_list& out, std::string_view key, const value_type& v) const' (usually "
                  "out.emplace_back(key, sweep::value{v})) (the key is named in the 'param_key<...>' below)");
  } else {
    static_assert(bound_to_a_sampler<Key>,
                  "sweep::sampler: the type bound to this key must be copyable (the key is named in the "
                  "'param_key<...>' below)");
  }
  return false;
}

}  // namespace detail

}  // namespace sweep
// ---- end sweep/space/sampler.hpp ----


namespace sweep {

/// @brief A string usable as a template argument (the text of a key).
template <std::size_t N>
struct fixed_string {
  char data[N]{};
  constexpr fixed_string(const char (&text)[N]) { std::copy_n(text, N, data); }
  [[nodiscard]] constexpr std::string_view view() const { return {data, N - 1}; }
};

namespace detail {

/// @brief Dotted config keys: non-empty parts of letters, digits and '_', separated by single dots.
constexpr bool is_valid_key(std::string_view text) {
  if (text.empty() || text.front() == '.' || text.back() == '.') return false;
  char previous = ' ';
  for (char c : text) {
    bool word = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!word && !(c == '.' && previous != '.')) return false;
    previous = c;
  }
  return true;
}

}  // namespace detail

template <class Key, class Sampler>
struct binding;

/// @brief A config key known at compile time; `key = sampler` binds a sampler to it.
template <fixed_string Text>
struct param_key {
  static_assert(detail::is_valid_key(Text.view()),
                "sweep::param_key: a key is a dotted config path such as \"OPTIM.BASE_LR\" "
                "(letters, digits and '_' between single dots)");
  static constexpr std::string_view name = Text.view();

  /// @brief Binds a sampler (sweep::sampler) to this key; anything else fails here, saying what to write.
  template <class Sampler>
  constexpr auto operator=(Sampler sampler) const {
    // A deduced return type checks here, at the `=`, before a space is made of the binding.
    if constexpr (detail::check_sampler<param_key, Sampler>()) {
      return binding<param_key, Sampler>{std::move(sampler)};
    } else {
      return binding<param_key, detail::not_a_sampler>{};  // after the assertion: no second error from the space
    }
  }
};

/// @brief A sampler bound to a key: one entry of a space.
template <class Key, class Sampler>
struct binding {
  using key_type = Key;
  using sampler_type = Sampler;
  Sampler sampler;
};

namespace literals {
/// @brief "OPTIM.BASE_LR"_k: the compile-time key OPTIM.BASE_LR.
template <fixed_string Text>
constexpr param_key<Text> operator""_k() {
  return {};
}
}  // namespace literals

}  // namespace sweep
// ---- end sweep/space/key.hpp ----

// ---- begin sweep/space/samplers.hpp ----
// Typed samplers: each knows its value type at compile time and draws exactly
// what pycls's sampler of the same kind draws from numpy's stream.
//   uniform / log_uniform / power2_uniform / power2_or_log_uniform / normal /
//   log_normal (low, high)[.quantize(q)]   -> int_sampler or float_sampler
//   choice(v1, v2, ...)                      -> value_sampler
//   list_of(n, sampler)                      -> list_sampler
//   regnet()[.depth(lo, hi) ...]             -> regnet_sampler (sets six REGNET.* keys)



namespace sweep {

namespace detail {

template <class T>
using scalar_of = std::conditional_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, std::int64_t, double>;

template <class Value>
using drawn_t = std::conditional_t<std::is_integral_v<Value> && !std::is_same_v<Value, bool>, std::int64_t,
                std::conditional_t<std::is_floating_point_v<Value>, double,
                std::conditional_t<std::is_convertible_v<Value, std::string_view>, std::string, Value>>>;

}  // namespace detail

/// @brief Samples a scalar of type T (int64 or double) in [low, high] quantised to q.
template <class T>
struct scalar_sampler {
  using value_type = T;
  rand_type type = rand_type::uniform;
  T low{};
  T high{};
  T q = std::is_same_v<T, double> ? T(1e-5) : T(1);

  /// @brief The same sampler with quantum q (pycls's QUANTIZE).
  [[nodiscard]] scalar_sampler quantize(T quantum) const {
    auto copy = *this;
    copy.q = quantum;
    return copy;
  }
  /// @brief Throws sweep::error naming key_path when pycls would reject these parameters.
  void validate(std::string_view key_path) const { validate_rand(key_path, type, low, high, q); }
  [[nodiscard]] T draw(numpy_rng& rng) const { return sweep::draw(type, low, high, q, rng); }
  void append_key_text(std::string& out, std::string_view key, const T& v) const { append_key_value(out, key, v); }
  void append_params(param_list& out, std::string_view key, const T& v) const { out.emplace_back(key, value{v}); }
};

using int_sampler = scalar_sampler<std::int64_t>;
using float_sampler = scalar_sampler<double>;

/// @brief Makes scalar samplers of one rand type: `log_uniform(0.25, 5.0).quantize(1e-10)`.
struct scalar_sampler_fn {
  rand_type type;
  template <class Low, class High>
    requires std::is_arithmetic_v<Low> && std::is_arithmetic_v<High>
  constexpr auto operator()(Low low, High high) const {
    using T = std::conditional_t<std::is_floating_point_v<Low> || std::is_floating_point_v<High>, double, std::int64_t>;
    scalar_sampler<T> s;
    s.type = type;
    s.low = static_cast<T>(low);
    s.high = static_cast<T>(high);
    return s;
  }
};

inline constexpr scalar_sampler_fn uniform{rand_type::uniform};
inline constexpr scalar_sampler_fn log_uniform{rand_type::log_uniform};
inline constexpr scalar_sampler_fn power2_uniform{rand_type::power2_uniform};
inline constexpr scalar_sampler_fn power2_or_log_uniform{rand_type::power2_or_log_uniform};
inline constexpr scalar_sampler_fn normal{rand_type::normal};
inline constexpr scalar_sampler_fn log_normal{rand_type::log_normal};

/// @brief Samples one of a list of values uniformly (pycls's value_sampler).
template <class T>
struct choice_sampler {
  using value_type = T;
  std::vector<T> values;

  void validate(std::string_view key_path) const {
    if (values.empty()) throw error({}, std::string(key_path) + ".VALUES", "expected a non-empty list of values");
  }
  [[nodiscard]] const T& draw(numpy_rng& rng) const {
    return values[static_cast<std::size_t>(rng.randint(static_cast<std::int64_t>(values.size())))];
  }
  /// @brief A finite sampler: an axis of grid and zip.
  [[nodiscard]] std::uint64_t size() const noexcept { return values.size(); }
  [[nodiscard]] const T& at(std::uint64_t i) const { return values[static_cast<std::size_t>(i)]; }
  void append_key_text(std::string& out, std::string_view key, const T& v) const { append_key_value(out, key, v); }
  void append_params(param_list& out, std::string_view key, const T& v) const { out.emplace_back(key, detail::to_value(v)); }
};

/// @brief `choice(50, 100, 200)`: a value sampler over the given values (all of one type).
struct choice_fn {
  template <class First, class... Rest>
  auto operator()(First first, Rest... rest) const {
    using T = detail::drawn_t<First>;
    static_assert((std::is_same_v<detail::drawn_t<Rest>, T> && ...),
                  "sweep::choice(values...) requires values of one type; convert them, e.g. 1.0 instead of 1");
    return choice_sampler<T>{{T(first), T(rest)...}};
  }
  template <class T>
  auto operator()(std::vector<T> values) const {
    return choice_sampler<detail::drawn_t<T>>{{values.begin(), values.end()}};
  }
};
inline constexpr choice_fn choice{};

/// @brief LENGTH items drawn independently from an item sampler (pycls's list_sampler).
template <class Item>
struct list_sampler {
  using value_type = std::vector<typename Item::value_type>;
  std::int64_t length = 0;
  Item item;

  void validate(std::string_view key_path) const {
    if (length < 0) throw error({}, std::string(key_path) + ".LENGTH", fmt::format("expected 0 or more items, got {}", length));
    item.validate(key_path);
  }
  [[nodiscard]] value_type draw(numpy_rng& rng) const {
    value_type out;
    out.reserve(static_cast<std::size_t>(length));
    for (std::int64_t i = 0; i < length; ++i) out.push_back(item.draw(rng));
    return out;
  }
  void append_key_text(std::string& out, std::string_view key, const value_type& v) const {
    append_key_value(out, key, v);
  }
  void append_params(param_list& out, std::string_view key, const value_type& v) const {
    out.emplace_back(key, detail::to_value(v));
  }
};

/// @brief `list_of(3, uniform(1, 4))`: a list of n independent draws.
struct list_of_fn {
  template <class Item>
  auto operator()(std::int64_t length, Item item) const {
    return list_sampler<Item>{length, std::move(item)};
  }
};
inline constexpr list_of_fn list_of{};

/// @brief The six RegNet parameters a regnet_sampler draws.
struct regnet_values {
  std::int64_t depth = 0;
  std::int64_t w0 = 0;
  double wa = 0;
  double wm = 0;
  std::int64_t group_w = 0;
  double bot_mul = 0;
  friend bool operator==(const regnet_values&, const regnet_values&) = default;
};

/// @brief pycls's regnet_sampler: draws REGNET.DEPTH, W0, WA, WM, GROUP_W, BOT_MUL with fixed rand types and quanta.
struct regnet_sampler {
  using value_type = regnet_values;
  int_sampler depth_{rand_type::uniform, 12, 28, 1};
  int_sampler w0_{rand_type::log_uniform, 8, 256, 8};
  float_sampler wa_{rand_type::log_uniform, 8.0, 256.0, 0.1};
  float_sampler wm_{rand_type::log_uniform, 2.0, 3.0, 0.001};
  int_sampler group_w_{rand_type::power2_or_log_uniform, 8, 128, 8};
  float_sampler bot_mul_{rand_type::power2_uniform, 1.0, 1.0, 1.0 / 128};

  [[nodiscard]] regnet_sampler depth(std::int64_t low, std::int64_t high) const { return with(&regnet_sampler::depth_, low, high); }
  [[nodiscard]] regnet_sampler w0(std::int64_t low, std::int64_t high) const { return with(&regnet_sampler::w0_, low, high); }
  [[nodiscard]] regnet_sampler wa(double low, double high) const { return with(&regnet_sampler::wa_, low, high); }
  [[nodiscard]] regnet_sampler wm(double low, double high) const { return with(&regnet_sampler::wm_, low, high); }
  [[nodiscard]] regnet_sampler group_w(std::int64_t low, std::int64_t high) const { return with(&regnet_sampler::group_w_, low, high); }
  [[nodiscard]] regnet_sampler bot_mul(double low, double high) const { return with(&regnet_sampler::bot_mul_, low, high); }

  void validate(std::string_view key_path) const {
    if (key_path != "REGNET") throw error({}, std::string(key_path), "regnet_sampler can only be used for the key REGNET");
    depth_.validate("REGNET.DEPTH");
    w0_.validate("REGNET.W0");
    wa_.validate("REGNET.WA");
    wm_.validate("REGNET.WM");
    group_w_.validate("REGNET.GROUP_W");
    bot_mul_.validate("REGNET.BOT_MUL");
  }
  /// @brief Draws in pycls's order: depth, w0, wa, wm, group_w, bot_mul.
  [[nodiscard]] regnet_values draw(numpy_rng& rng) const {
    regnet_values v;
    v.depth = depth_.draw(rng);
    v.w0 = w0_.draw(rng);
    v.wa = wa_.draw(rng);
    v.wm = wm_.draw(rng);
    v.group_w = group_w_.draw(rng);
    v.bot_mul = bot_mul_.draw(rng);
    return v;
  }
  void append_key_text(std::string& out, std::string_view, const regnet_values& v) const {
    append_key_value(out, "REGNET.DEPTH", v.depth);
    append_key_value(out, "REGNET.W0", v.w0);
    append_key_value(out, "REGNET.WA", v.wa);
    append_key_value(out, "REGNET.WM", v.wm);
    append_key_value(out, "REGNET.GROUP_W", v.group_w);
    append_key_value(out, "REGNET.BOT_MUL", v.bot_mul);
  }
  void append_params(param_list& out, std::string_view, const regnet_values& v) const {
    out.emplace_back("REGNET.DEPTH", value{v.depth});
    out.emplace_back("REGNET.W0", value{v.w0});
    out.emplace_back("REGNET.WA", value{v.wa});
    out.emplace_back("REGNET.WM", value{v.wm});
    out.emplace_back("REGNET.GROUP_W", value{v.group_w});
    out.emplace_back("REGNET.BOT_MUL", value{v.bot_mul});
  }

 private:
  template <class T>
  [[nodiscard]] regnet_sampler with(scalar_sampler<T> regnet_sampler::*member, T low, T high) const {
    auto copy = *this;
    (copy.*member).low = low;
    (copy.*member).high = high;
    return copy;
  }
};

/// @brief `regnet()`: pycls's regnet_sampler with its default ranges; narrow them with .depth(lo, hi) etc.
struct regnet_fn {
  regnet_sampler operator()() const { return {}; }
};
inline constexpr regnet_fn regnet{};

}  // namespace sweep
// ---- end sweep/space/samplers.hpp ----

// ---- begin sweep/space/space.hpp ----
// The random space: keys bound to samplers, drawn in the order written, as
// pycls draws SETUP.SAMPLERS. Written as code, `space("A"_k = sampler, ...)`
// gives typed records; read from YAML (SETUP.SAMPLERS, a `TYPE: random` part)
// the same class holds dynamic_bindings. `space | where(pred)` keeps only the
// records a predicate accepts.


// ---- begin sweep/space/bindings.hpp ----
// Keys bound to samplers: what a random space, a grid, a zip and a sobol space
// hold. The combinators are written once over a bindings type:
//   static_bindings<binding<K, S>...>   keys and samplers fixed at compile time (the C++ DSL);
//                                       records are typed (record<key_list<K...>, V...>)
//   dynamic_bindings<S>                 (key, sampler) pairs read at run time (YAML);
//                                       records are the drawn values, one per key set
// Both draw a record (`draw(rng)`), make one from one value per sampler (`make(f)`
// with f(sampler, i): axes, sobol coordinates),
// and write a record's pycls key text and (key, value) pairs.


// ---- begin sweep/space/record.hpp ----
// A typed record: one drawn configuration of a space written as code, with a
// typed value per compile-time key. Asking a record for a key its space lacks
// does not compile.


#include <tuple>

namespace sweep {

namespace detail {

inline constexpr std::size_t no_index = static_cast<std::size_t>(-1);

template <fixed_string Text, class... Keys>
constexpr std::size_t key_index() {
  std::size_t index = no_index, i = 0;
  ((Keys::name == Text.view() && index == no_index ? (index = i, ++i) : ++i), ...);
  return index;
}

template <class... Keys>
constexpr bool keys_unique() {
  std::string_view names[] = {Keys::name..., ""};
  for (std::size_t i = 0; i < sizeof...(Keys); ++i) {
    for (std::size_t j = i + 1; j < sizeof...(Keys); ++j) {
      if (names[i] == names[j]) return false;
    }
  }
  return true;
}

/// @brief Whether key `a` contains key `b` (`OPTIM` contains `OPTIM.BASE_LR`), or they are equal.
constexpr bool key_contains(std::string_view a, std::string_view b) {
  return b.size() >= a.size() && b.substr(0, a.size()) == a && (b.size() == a.size() || b[a.size()] == '.');
}

/// @brief No key contains another: a sampler of OPTIM sets all of OPTIM, so one of OPTIM.BASE_LR
/// would be overwritten or overwrite it, depending on the order of the writes.
template <class... Keys>
constexpr bool keys_disjoint() {
  std::string_view names[] = {Keys::name..., ""};
  for (std::size_t i = 0; i < sizeof...(Keys); ++i) {
    for (std::size_t j = 0; j < sizeof...(Keys); ++j) {
      if (i != j && names[i] != names[j] && key_contains(names[i], names[j])) return false;
    }
  }
  return true;
}

template <class>
inline constexpr bool dependent_false = false;

}  // namespace detail

template <class... Keys>
struct key_list {};

template <class Keys, class... Values>
struct record;

/// @brief One drawn configuration of a typed space: a typed value per key.
template <class... Keys, class... Values>
struct record<key_list<Keys...>, Values...> {
  std::tuple<Values...> values;

  /// @brief The value drawn for key `k`; a key the space lacks is a compile error.
  template <fixed_string Text>
  [[nodiscard]] constexpr const auto& operator[](param_key<Text>) const {
    constexpr std::size_t index = detail::key_index<Text, Keys...>();
    if constexpr (index == detail::no_index) {
      static_assert(detail::dependent_false<param_key<Text>>,
                    "sweep::record::operator[]: the space has no such key (the key is named in the "
                    "'param_key<...>' of this instantiation); add it to sweep::space or fix its spelling "
                    "(a sweep::where(pred) may read only the keys of the space it constrains)");
      return std::get<0>(values);
    } else {
      return std::get<index>(values);
    }
  }

  template <fixed_string Text>
  static constexpr bool has(param_key<Text>) {
    return detail::key_index<Text, Keys...>() != detail::no_index;
  }

  friend bool operator==(const record&, const record&) = default;
};

}  // namespace sweep
// ---- end sweep/space/record.hpp ----


namespace sweep {

template <class... Bindings>
class static_bindings;

/// @brief Keys and samplers fixed at compile time; the samplers are validated when bound.
template <class... Keys, class... Samplers>
class static_bindings<binding<Keys, Samplers>...> {
  static_assert(detail::keys_unique<Keys...>(), "sweep: each key may be bound only once");
  static_assert(detail::keys_disjoint<Keys...>(),
                "sweep: a key may not contain another (OPTIM and OPTIM.BASE_LR): bind only the leaf keys");

 public:
  using record_type = record<key_list<Keys...>, typename Samplers::value_type...>;
  /// @brief One T per sampler (axis indices, unit coordinates).
  template <class T>
  using array = std::array<T, sizeof...(Keys)>;

  explicit static_bindings(binding<Keys, Samplers>... bindings) : samplers_(std::move(bindings.sampler)...) {
    std::apply([](auto&... s) { (s.validate(Keys::name), ...); }, samplers_);
  }

  [[nodiscard]] static constexpr std::size_t count() noexcept { return sizeof...(Keys); }
  [[nodiscard]] static constexpr std::string_view key(std::size_t i) noexcept {
    constexpr std::array<std::string_view, sizeof...(Keys)> names{Keys::name...};
    return names[i];
  }
  template <class T>
  [[nodiscard]] static array<T> make_array() { return {}; }

  /// @brief f(sampler, i) for each sampler, in the order written.
  template <class F>
  void for_each(F&& f) const {
    [&]<std::size_t... I>(std::index_sequence<I...>) { (f(std::get<I>(samplers_), I), ...); }(std::index_sequence_for<Keys...>{});
  }
  /// @brief The record of the values f(sampler, i), called left to right (draws take the stream in that order).
  template <class F>
  [[nodiscard]] record_type make(F&& f) const {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return record_type{{typename Samplers::value_type(f(std::get<I>(samplers_), I))...}};
    }(std::index_sequence_for<Keys...>{});
  }
  /// @brief One record drawn from the stream, the samplers left to right.
  [[nodiscard]] record_type draw(numpy_rng& rng) const {
    return make([&](auto& sampler, std::size_t) { return sampler.draw(rng); });
  }

  /// @brief pycls's key text "K1 V1 K2 V2 ..." (each sampler writes its own).
  void append_key_text(std::string& out, const record_type& r) const {
    for_each_pair(r, [&](auto& sampler, std::string_view name, auto& v) { sampler.append_key_text(out, name, v); });
  }
  /// @brief The (key, value) pairs merged into BASE_CFG.
  void append_params(param_list& out, const record_type& r) const {
    for_each_pair(r, [&](auto& sampler, std::string_view name, auto& v) { sampler.append_params(out, name, v); });
  }

 private:
  template <class F>
  void for_each_pair(const record_type& r, F&& f) const {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (f(std::get<I>(samplers_), Keys::name, std::get<I>(r.values)), ...);
    }(std::index_sequence_for<Keys...>{});
  }

  std::tuple<Samplers...> samplers_;
};

/// @brief (key, sampler) pairs known at run time; S draws a sweep::value (dyn_sampler, dyn_axis). A composite
/// sampler (regnet) sets several keys (keys_set) and appends a value for each (draw_values).
/// The reader that makes them checks keys and samplers (with the file and line to name).
template <class S>
class dynamic_bindings {
 public:
  /// @brief The drawn values, one per key set (keys() names them).
  using record_type = std::vector<value>;
  template <class T>
  using array = std::vector<T>;

  dynamic_bindings() = default;
  explicit dynamic_bindings(std::vector<std::pair<std::string, S>> samplers) : samplers_(std::move(samplers)) {
    for (auto& binding : samplers_) {
      if constexpr (requires { binding.second.keys_set(binding.first); }) {
        for (auto& k : binding.second.keys_set(binding.first)) keys_.push_back(k);
      } else {
        keys_.push_back(binding.first);
      }
    }
  }

  [[nodiscard]] std::size_t count() const noexcept { return samplers_.size(); }
  [[nodiscard]] std::string_view key(std::size_t i) const noexcept { return samplers_[i].first; }
  [[nodiscard]] const std::vector<std::pair<std::string, S>>& samplers() const noexcept { return samplers_; }
  /// @brief The keys a record's values are for.
  [[nodiscard]] const std::vector<std::string>& keys() const noexcept { return keys_; }
  template <class T>
  [[nodiscard]] array<T> make_array() const { return array<T>(samplers_.size()); }

  template <class F>
  void for_each(F&& f) const {
    for (std::size_t i = 0; i < samplers_.size(); ++i) f(samplers_[i].second, i);
  }
  /// @brief The record of the values f(sampler, i) (one value each: axes and sobol coordinates).
  template <class F>
  [[nodiscard]] record_type make(F&& f) const {
    record_type out;
    out.reserve(keys_.size());
    for (std::size_t i = 0; i < samplers_.size(); ++i) out.push_back(f(samplers_[i].second, i));
    return out;
  }
  /// @brief One record drawn from the stream, left to right; a composite sampler appends each value it sets.
  [[nodiscard]] record_type draw(numpy_rng& rng) const {
    record_type out;
    out.reserve(keys_.size());
    for (auto& binding : samplers_) {
      if constexpr (requires { binding.second.draw_values(rng, out); }) {
        binding.second.draw_values(rng, out);
      } else {
        out.push_back(binding.second.draw(rng));
      }
    }
    return out;
  }

  void append_key_text(std::string& out, const record_type& r) const {
    for (std::size_t i = 0; i < r.size(); ++i) append_key_value(out, keys_[i], r[i]);
  }
  void append_params(param_list& out, const record_type& r) const {
    for (std::size_t i = 0; i < r.size(); ++i) out.emplace_back(keys_[i], r[i]);
  }

 private:
  std::vector<std::pair<std::string, S>> samplers_;
  std::vector<std::string> keys_;
};

}  // namespace sweep
// ---- end sweep/space/bindings.hpp ----

// ---- begin sweep/space/where.hpp ----
// Constraints: `space | where(pred)` keeps the records pred accepts, for every
// kind of space. where(pred, "name") names the rule in setup's report of what
// each rule removed; all_of, any_of, not_ and in_range combine constraints.


// ---- begin sweep/space/range.hpp ----
// Finite spaces are ranges: a grid, zip, concat or join of finite parts, and
// a filtered or shuffled finite space, have begin() and end() over their
// records in index order (random access, sized), so range-v3 and std::ranges
// views and algorithms work on them:
//   ranges::count_if(grid, pred);   grid | ranges::views::take(5)
// A sequence (sobol) never ends: its end() is std::unreachable_sentinel. An iterator
// makes record i when dereferenced (the record is a value, as iota's are).


// ---- begin sweep/space/traits.hpp ----
// What the setup engine asks of a space: how to go through it (its kind), its
// size, and the arithmetic every combinator's sizes and offsets share.
//   random    draw(rng) over and over (pycls's way)
//   finite    size() configs, at(0) ... at(size() - 1)
//   sequence  at(0), at(1), ... without end (quasi-random)
// A space whose kind is fixed by its type says so through the concepts below;
// one whose parts are chosen at run time (a space read from YAML) has kind().




namespace sweep {

/// @brief How the setup engine goes through a space.
enum class space_kind {
  random,    // draw(rng) over and over (pycls's way)
  finite,    // size() configs, at(0) ... at(size() - 1)
  sequence,  // at(0), at(1), ... without end (quasi-random)
};

/// @brief A space with a fixed number of records, each reachable by index.
template <class S>
concept finite_space = requires(const S& s, std::uint64_t i) {
  { s.size() } -> std::convertible_to<std::uint64_t>;
  { s.at(i) } -> std::same_as<typename S::record_type>;
};

/// @brief A space whose records are reachable by index (finite or an endless sequence).
template <class S>
concept indexed_space = requires(const S& s, std::uint64_t i) {
  { s.at(i) } -> std::same_as<typename S::record_type>;
};

/// @brief How the engine should go through `s`: what its kind() says, else what its type allows.
template <class S>
space_kind kind_of(const S& s) {
  if constexpr (requires { { s.kind() } -> std::same_as<space_kind>; }) {
    return s.kind();
  } else if constexpr (finite_space<S>) {
    return space_kind::finite;
  } else if constexpr (indexed_space<S>) {
    return space_kind::sequence;
  } else {
    return space_kind::random;
  }
}

/// @brief Whether a finite space asks for its configs in a seeded random order.
template <class S>
bool is_shuffled(const S& s) {
  if constexpr (requires { { s.shuffled() } -> std::convertible_to<bool>; }) {
    return s.shuffled();
  } else {
    return false;
  }
}

/// @brief The space with its seeded parts (sobol scrambles) seeded from `seed` (RNG_SEED).
template <class S>
S with_seed(const S& s, std::uint64_t seed) {
  if constexpr (requires { { s.with_seed(seed) } -> std::same_as<S>; }) {
    return s.with_seed(seed);
  } else {
    return s;
  }
}

namespace detail {

/// @brief The most configs a finite space may have (sizes and indices stay far from uint64's wrap).
inline constexpr std::uint64_t max_space_size = std::uint64_t{1} << 62;

/// @brief a * b, or an error naming `what` when it is more than 2^62.
inline std::uint64_t checked_mul(std::uint64_t a, std::uint64_t b, std::string_view what) {
  if (a != 0 && b > max_space_size / a) throw error(fmt::format("{}: more than 2^62 configs: expected a smaller space", what));
  return a * b;
}

/// @brief a + b, or an error naming `what` when it is more than 2^62.
inline std::uint64_t checked_add(std::uint64_t a, std::uint64_t b, std::string_view what) {
  if (a > max_space_size || b > max_space_size - a) {
    throw error(fmt::format("{}: more than 2^62 configs: expected a smaller space", what));
  }
  return a + b;
}

/// @brief Consecutive blocks of indices: a concat's parts, or a join's first records each with the
/// second part's records it allows. Block k holds the indices [start(k), start(k + 1)).
class block_offsets {
 public:
  explicit block_offsets(std::string_view what) : what_(what) {}
  void reserve(std::size_t blocks) { starts_.reserve(blocks + 1); }
  /// @brief Appends a block of `size` indices (an error naming the combinator past 2^62 in all).
  void add(std::uint64_t size) { starts_.push_back(checked_add(starts_.back(), size, what_)); }
  [[nodiscard]] std::uint64_t total() const noexcept { return starts_.back(); }
  [[nodiscard]] std::uint64_t start(std::size_t block) const { return starts_[block]; }
  /// @brief The block that holds index i (< total()), found by bisection.
  [[nodiscard]] std::size_t block_of(std::uint64_t i) const {
    return static_cast<std::size_t>(std::upper_bound(starts_.begin(), starts_.end(), i) - starts_.begin() - 1);
  }

 private:
  std::string_view what_;
  std::vector<std::uint64_t> starts_{0};
};

}  // namespace detail

}  // namespace sweep
// ---- end sweep/space/traits.hpp ----

#include <compare>
#include <iterator>

namespace sweep {

/// @brief A random-access iterator over the records of an indexed space: *it is space.at(index).
template <class Space>
class space_iterator {
 public:
  using value_type = typename Space::record_type;
  using difference_type = std::int64_t;
  using iterator_concept = std::random_access_iterator_tag;
  using iterator_category = std::input_iterator_tag;  // *it is a value, not a reference

  space_iterator() = default;
  space_iterator(const Space* space, std::uint64_t index) : space_(space), index_(index) {}

  [[nodiscard]] value_type operator*() const { return space_->at(index_); }
  [[nodiscard]] value_type operator[](difference_type n) const { return *(*this + n); }
  [[nodiscard]] std::uint64_t index() const noexcept { return index_; }

  space_iterator& operator++() { return *this += 1; }
  space_iterator operator++(int) { auto old = *this; ++*this; return old; }
  space_iterator& operator--() { return *this -= 1; }
  space_iterator operator--(int) { auto old = *this; --*this; return old; }
  space_iterator& operator+=(difference_type n) {
    index_ = static_cast<std::uint64_t>(static_cast<difference_type>(index_) + n);
    return *this;
  }
  space_iterator& operator-=(difference_type n) { return *this += -n; }
  [[nodiscard]] friend space_iterator operator+(space_iterator it, difference_type n) { return it += n; }
  [[nodiscard]] friend space_iterator operator+(difference_type n, space_iterator it) { return it += n; }
  [[nodiscard]] friend space_iterator operator-(space_iterator it, difference_type n) { return it -= n; }
  [[nodiscard]] friend difference_type operator-(const space_iterator& a, const space_iterator& b) {
    return static_cast<difference_type>(a.index_) - static_cast<difference_type>(b.index_);
  }
  [[nodiscard]] friend bool operator==(const space_iterator& a, const space_iterator& b) noexcept { return a.index_ == b.index_; }
  [[nodiscard]] friend auto operator<=>(const space_iterator& a, const space_iterator& b) noexcept { return a.index_ <=> b.index_; }

 private:
  const Space* space_ = nullptr;
  std::uint64_t index_ = 0;
};

namespace detail {

/// @brief Gives an indexed space begin() and end(): its records as a random-access range (endless for a sequence).
template <class Derived>
struct record_range {
  // The constraints name D, not Derived, so they are checked where begin() and end() are called, when Derived is
  // complete (clang 14 checks them on an incomplete Derived otherwise, and keeps the answer).
  template <class D = Derived>
    requires indexed_space<D>
  [[nodiscard]] auto begin() const {
    return space_iterator<D>(&self(), 0);
  }
  template <class D = Derived>
    requires finite_space<D>
  [[nodiscard]] auto end() const {
    return space_iterator<D>(&self(), self().size());
  }
  template <class D = Derived>
    requires(indexed_space<D> && !finite_space<D>)
  [[nodiscard]] auto end() const {
    return std::unreachable_sentinel;
  }

 private:
  const Derived& self() const { return static_cast<const Derived&>(*this); }
};

}  // namespace detail

}  // namespace sweep
// ---- end sweep/space/range.hpp ----



namespace sweep {

/// @brief A constraint: a predicate over records (made by where, all_of, any_of, not_, in_range), and the
/// name setup reports its rejections under (`where(pred, "name")`; unnamed: "where #k" in the order written).
template <class Pred>
struct constraint {
  Pred pred;
  const char* name = nullptr;
  template <class Record>
  constexpr bool operator()(const Record& r) const {
    return static_cast<bool>(pred(r));
  }
};

/// @brief `where(pred)`: a constraint from any predicate over a space's records; `where(pred, "name")` names
/// it in setup's report of what each rule removed.
struct where_fn {
  template <class Pred>
  constexpr auto operator()(Pred pred, const char* name = nullptr) const {
    return constraint<Pred>{std::move(pred), name};
  }
};
inline constexpr where_fn where{};

/// @brief `all_of(c...)`: every constraint holds.
struct all_of_fn {
  template <class... Preds>
  constexpr auto operator()(constraint<Preds>... cs) const {
    return where([=](const auto& r) { return (cs(r) && ...); });
  }
};
inline constexpr all_of_fn all_of{};

/// @brief `any_of(c...)`: at least one constraint holds.
struct any_of_fn {
  template <class... Preds>
  constexpr auto operator()(constraint<Preds>... cs) const {
    return where([=](const auto& r) { return (cs(r) || ...); });
  }
};
inline constexpr any_of_fn any_of{};

/// @brief `not_(c)`: the constraint does not hold.
struct not_fn {
  template <class Pred>
  constexpr auto operator()(constraint<Pred> c) const {
    return where([=](const auto& r) { return !c(r); });
  }
};
inline constexpr not_fn not_{};

/// @brief `in_range(f, low, high)`: low <= f(record) <= high, for a value derived from the record.
struct in_range_fn {
  template <class F, class T>
  constexpr auto operator()(F derived, T low, T high) const {
    return where([=](const auto& r) {
      auto v = derived(r);
      return low <= v && v <= high;
    });
  }
};
inline constexpr in_range_fn in_range{};

template <class Space, class Pred>
class filtered_space;

namespace detail {

template <class T>
struct is_constraint : std::false_type {};
template <class Pred>
struct is_constraint<constraint<Pred>> : std::true_type {};

/// @brief What `space | x` takes besides a constraint: nothing (x is most likely a bare predicate).
template <class T>
concept not_a_constraint = !is_constraint<std::remove_cvref_t<T>>::value;

template <class F>
constexpr auto pipe_without_where() {
  static_assert(dependent_false<F>,
                "sweep: `space | x` requires a constraint: write space | sweep::where(pred) for a predicate "
                "over the space's records (or all_of, any_of, not_, in_range of constraints)");
  return false;
}

/// @brief How setup's report names a `where`: "where 'NAME'", or "where #k" (k: its place among the space's
/// wheres, in the order written).
inline void append_where_name(std::vector<std::string>& out, const char* name) {
  out.push_back(name != nullptr ? fmt::format("where '{}'", name) : fmt::format("where #{}", out.size() + 1));
}

/// @brief The names of a space's `where`s, in the order written (none for a space without).
template <class Space>
void append_where_names(const Space& space, std::vector<std::string>& out) {
  if constexpr (requires { space.append_where_names(out); }) space.append_where_names(out);
}

/// @brief Which `where` of `space` refuses `r`: 0 none, k the k-th of append_where_names (k past them: a
/// space that only says whether it accepts).
template <class Space, class Record>
std::size_t rejected_by(const Space& space, const Record& r) {
  if constexpr (requires { space.rejected_by(r); }) {
    return space.rejected_by(r);
  } else {
    return space.accepts(r) ? 0 : 1;
  }
}

/// @brief How many `where`s a space has (the offset of the next part's in a join or concat).
template <class Space>
std::size_t count_wheres(const Space& space) {
  std::vector<std::string> names;
  append_where_names(space, names);
  return names.size();
}

template <class T>
struct is_variant : std::false_type {};
template <class... T>
struct is_variant<std::variant<T...>> : std::true_type {};

/// @brief A predicate over a record; a concat's variant record is visited (the predicate must take every part).
template <class Pred, class Record>
bool holds(const constraint<Pred>& c, const Record& r) {
  if constexpr (is_variant<Record>::value) {
    return std::visit([&](auto& part) { return c(part); }, r);
  } else {
    return c(r);
  }
}

/// @brief What every space shares: `space | where(pred)` (and so `| all_of(...)` etc.), and, when it is
/// finite, begin() and end() over its records (range.hpp).
template <class Derived>
struct space_interface : record_range<Derived> {
  template <class Pred>
  friend auto operator|(Derived s, constraint<Pred> c) {
    // The predicate is instantiated on the record here: a key the space lacks fails at the `|`.
    static_cast<void>(&holds<Pred, typename Derived::record_type>);
    return filtered_space<Derived, Pred>(std::move(s), std::move(c));
  }
  // A bare predicate (`space | pred`) gets a message; anything else, e.g. a range adaptor, is left alone.
  template <not_a_constraint F, class D = Derived>
    requires std::invocable<const F&, const typename D::record_type&>
  friend auto operator|(Derived s, F) {
    pipe_without_where<F>();
    return s;  // after the assertion: no second error where the result is used
  }
};

}  // namespace detail

/// @brief A space whose records must also pass a constraint; keeps the space's kind, size, order and seed.
template <class Space, class Pred>
class filtered_space : public detail::space_interface<filtered_space<Space, Pred>> {
 public:
  using record_type = typename Space::record_type;
  filtered_space(Space inner, constraint<Pred> c)
      : space_(std::move(inner)), constraint_(std::move(c)), inner_wheres_(detail::count_wheres(space_)) {}

  [[nodiscard]] record_type draw(numpy_rng& rng) const { return space_.draw(rng); }
  [[nodiscard]] bool accepts(const record_type& r) const { return space_.accepts(r) && detail::holds(constraint_, r); }
  [[nodiscard]] std::size_t rejected_by(const record_type& r) const {
    if (auto inner = detail::rejected_by(space_, r)) return inner;
    return detail::holds(constraint_, r) ? 0 : inner_wheres_ + 1;
  }
  void append_where_names(std::vector<std::string>& out) const {
    detail::append_where_names(space_, out);
    detail::append_where_name(out, constraint_.name);
  }
  void append_key_text(std::string& out, const record_type& r) const { space_.append_key_text(out, r); }
  void append_params(param_list& out, const record_type& r) const { space_.append_params(out, r); }

  [[nodiscard]] space_kind kind() const { return kind_of(space_); }
  [[nodiscard]] std::uint64_t size() const requires finite_space<Space> { return space_.size(); }
  [[nodiscard]] record_type at(std::uint64_t i) const requires indexed_space<Space> { return space_.at(i); }
  [[nodiscard]] bool shuffled() const { return is_shuffled(space_); }
  [[nodiscard]] filtered_space with_seed(std::uint64_t seed) const { return {sweep::with_seed(space_, seed), constraint_}; }

 private:
  Space space_;
  constraint<Pred> constraint_;
  std::size_t inner_wheres_;  // this where's number is one more
};

}  // namespace sweep
// ---- end sweep/space/where.hpp ----


namespace sweep {

/// @brief Keys bound to samplers (static_bindings or dynamic_bindings), drawn left to right.
template <class Bindings>
class typed_space : public detail::space_interface<typed_space<Bindings>> {
 public:
  using record_type = typename Bindings::record_type;

  typed_space() = default;
  explicit typed_space(Bindings bindings) : bindings_(std::move(bindings)) {}

  /// @brief One record; samplers draw left to right, as pycls applies them in the order written.
  [[nodiscard]] record_type draw(numpy_rng& rng) const {
    return bindings_.draw(rng);
  }
  [[nodiscard]] constexpr bool accepts(const record_type&) const { return true; }

  /// @brief pycls's key text "K1 V1 K2 V2 ..." (Python's str() of each value).
  void append_key_text(std::string& out, const record_type& r) const { bindings_.append_key_text(out, r); }
  /// @brief The (key, value) pairs merged into BASE_CFG.
  void append_params(param_list& out, const record_type& r) const { bindings_.append_params(out, r); }

  [[nodiscard]] const Bindings& bindings() const noexcept { return bindings_; }
  [[nodiscard]] bool empty() const noexcept { return bindings_.count() == 0; }

 private:
  Bindings bindings_;
};

/// @brief `space("A"_k = sampler, ...)`: a typed space over the given keys.
struct space_fn {
  template <class... Keys, class... Samplers>
  auto operator()(binding<Keys, Samplers>... bindings) const {
    using bindings_type = static_bindings<binding<Keys, Samplers>...>;
    return typed_space<bindings_type>(bindings_type(std::move(bindings)...));
  }
};
inline constexpr space_fn space{};

}  // namespace sweep
// ---- end sweep/space/space.hpp ----

// ---- begin sweep/space/dynamic_samplers.hpp ----
// Samplers chosen at run time, for spaces read from YAML: each is an
// alternative over the same typed samplers the C++ DSL uses, so both routes
// draw identical values from the same seed. They are bound to keys with
// dynamic_bindings (bindings.hpp) and drawn by the same combinators.


// ---- begin sweep/space/axes.hpp ----
// Finite samplers: the axes of grid and zip, each a list of values with size()
// and at(i) that also draws uniformly (so it fits a random space too).
//   values(v, ...)            the values given; their count is part of the type
//   choice(v, ...)            the same as a run-time list (samplers.hpp)
//   int_range(lo, hi, step)   the integers lo, lo + step, ... <= hi
//   linspace(lo, hi, count)   count floats evenly spaced, both ends included
//   geomspace(lo, hi, count)  count floats evenly spaced in log space
// values and choice are both uniform finite lists: values keeps its length in
// its type so that a zip of lists of different lengths fails to compile; choice
// takes a run-time vector (and is what YAML's lists become).




namespace sweep {

// ---------------------------------------------------------------------------
// Finite samplers: the axes of grid and zip.

namespace detail {

/// @brief x printed with 15 significant digits and read back: 0.30000000000000004 becomes 0.3.
inline double clean_decimal(double x) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::general, 15);
  double out = x;
  std::from_chars(buf, end, out);
  return out;
}

}  // namespace detail

/// @brief A fixed list of N values of type T: a finite sampler whose size is in its type.
template <class T, std::size_t N>
struct values_sampler {
  using value_type = T;
  static constexpr std::size_t static_size = N;
  std::array<T, N> items;

  void validate(std::string_view) const {}
  [[nodiscard]] static constexpr std::uint64_t size() noexcept { return N; }
  [[nodiscard]] const T& at(std::uint64_t i) const { return items[static_cast<std::size_t>(i)]; }
  /// @brief A uniform choice, as choice(...) draws.
  [[nodiscard]] const T& draw(numpy_rng& rng) const { return items[static_cast<std::size_t>(rng.randint(static_cast<std::int64_t>(N)))]; }
  void append_key_text(std::string& out, std::string_view key, const T& v) const { append_key_value(out, key, v); }
  void append_params(param_list& out, std::string_view key, const T& v) const { out.emplace_back(key, detail::to_value(v)); }
};

/// @brief `values(1, 2, 3)`: a finite sampler over the given values (one type; the count is part of the type).
struct values_fn {
  template <class First, class... Rest>
  constexpr auto operator()(First first, Rest... rest) const {
    using T = detail::drawn_t<First>;
    static_assert((std::is_same_v<detail::drawn_t<Rest>, T> && ...),
                  "sweep::values(v...) requires values of one type; convert them, e.g. 1.0 instead of 1");
    return values_sampler<T, 1 + sizeof...(Rest)>{{T(first), T(rest)...}};
  }
};
inline constexpr values_fn values{};

/// @brief The integers low, low + step, ... up to high (inclusive when on the step).
struct int_range_sampler {
  using value_type = std::int64_t;
  std::int64_t low = 0;
  std::int64_t high = 0;
  std::int64_t step = 1;

  void validate(std::string_view key_path) const {
    if (step < 1) throw error({}, std::string(key_path) + ".STEP", fmt::format("expected a step of 1 or more, got {}", step));
    if (low > high) throw error({}, std::string(key_path) + ".RANGE", fmt::format("expected low <= high, got [{}, {}]", low, high));
    if (size() > detail::max_space_size) {
      throw error({}, std::string(key_path) + ".RANGE",
                  fmt::format("[{}, {}] with step {} has more than 2^62 values: expected a smaller range", low, high, step));
    }
  }
  /// @brief The number of values; worked out in unsigned arithmetic, since high - low may not fit in int64.
  [[nodiscard]] std::uint64_t size() const noexcept {
    if (low > high || step < 1) return 0;
    auto span = static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low);  // mod 2^64: exact, as high >= low
    auto n = span / static_cast<std::uint64_t>(step);
    return n == UINT64_MAX ? n : n + 1;  // the whole int64 range with step 1 (2^64 values) saturates
  }
  [[nodiscard]] std::int64_t at(std::uint64_t i) const noexcept {
    // low + i * step lies in [low, high]; unsigned arithmetic avoids the signed overflow of i * step alone
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(low) + i * static_cast<std::uint64_t>(step));
  }
  [[nodiscard]] std::int64_t draw(numpy_rng& rng) const { return at(static_cast<std::uint64_t>(rng.randint(static_cast<std::int64_t>(size())))); }
  void append_key_text(std::string& out, std::string_view key, std::int64_t v) const { append_key_value(out, key, v); }
  void append_params(param_list& out, std::string_view key, std::int64_t v) const { out.emplace_back(key, value{v}); }
};

/// @brief `int_range(lo, hi, step = 1)`: the integers lo, lo + step, ..., <= hi.
struct int_range_fn {
  constexpr int_range_sampler operator()(std::int64_t low, std::int64_t high, std::int64_t step = 1) const {
    return {low, high, step};
  }
};
inline constexpr int_range_fn int_range{};

/// @brief How a float range spreads its points: evenly (linspace) or evenly in log space (geomspace).
enum class spacing { linear, log };

/// @brief COUNT floats from low to high (both ends included), cleaned to 15 significant digits or quantised to q.
struct float_range_sampler {
  using value_type = double;
  double low = 0;
  double high = 0;
  std::int64_t count = 1;
  spacing space = spacing::linear;
  double q = 0;  // 0: no quantum

  /// @brief The same range with its points rounded to multiples of q (exact decimals, like pycls's QUANTIZE).
  [[nodiscard]] float_range_sampler quantize(double quantum) const {
    auto copy = *this;
    copy.q = quantum;
    return copy;
  }
  void validate(std::string_view key_path) const {
    auto path = std::string(key_path);
    if (count < 1) throw error({}, path + ".COUNT", fmt::format("expected a count of 1 or more, got {}", count));
    if (!(low <= high)) throw error({}, path + ".RANGE", fmt::format("expected low <= high, got [{}, {}]", low, high));
    if (space == spacing::log && !(low > 0)) throw error({}, path + ".RANGE", fmt::format("a log range needs low > 0, got {}", low));
    if (q < 0) throw error({}, path + ".QUANTIZE", fmt::format("expected a quantum > 0 (or none), got {}", q));
    // inf, NaN or a range wider than the largest float would write .inf or .nan into job configs
    if (!std::isfinite(low) || !std::isfinite(high) || !std::isfinite(high - low)) {
      throw error({}, path + ".RANGE", fmt::format("expected finite numbers low <= high with a finite width, got [{}, {}]", low, high));
    }
    if (!std::isfinite(q) || (q > 0 && (!std::isfinite((std::fabs(low) + q) / q) || !std::isfinite((std::fabs(high) + q) / q) ||
                                        !std::isfinite(std::fabs(high) + q) || !std::isfinite(std::fabs(low) + q)))) {
      throw error({}, path + ".QUANTIZE", fmt::format("RANGE [{}, {}] / QUANTIZE {} overflows: expected a larger quantum or a narrower range", low, high, q));
    }
  }
  [[nodiscard]] std::uint64_t size() const noexcept { return count < 1 ? 0 : static_cast<std::uint64_t>(count); }
  /// @brief Point i as numpy's linspace / geomspace make it (the last one exactly high).
  [[nodiscard]] double at(std::uint64_t i) const {
    double x = low;
    if (count > 1 && i + 1 == static_cast<std::uint64_t>(count)) {
      x = high;
    } else if (count > 1 && i > 0) {
      auto t = static_cast<double>(i) / static_cast<double>(count - 1);
      x = space == spacing::linear ? low + t * (high - low) : std::exp(std::log(low) + t * (std::log(high) - std::log(low)));
    }
    return q > 0 ? sweep::quantize(x, q, rounding::half_even) : detail::clean_decimal(x);
  }
  [[nodiscard]] double draw(numpy_rng& rng) const { return at(static_cast<std::uint64_t>(rng.randint(count))); }
  void append_key_text(std::string& out, std::string_view key, double v) const { append_key_value(out, key, v); }
  void append_params(param_list& out, std::string_view key, double v) const { out.emplace_back(key, value{v}); }
};

/// @brief `linspace(lo, hi, count)`: count evenly spaced floats from lo to hi.
struct linspace_fn {
  constexpr float_range_sampler operator()(double low, double high, std::int64_t count) const {
    return {low, high, count, spacing::linear, 0};
  }
};
inline constexpr linspace_fn linspace{};

/// @brief `geomspace(lo, hi, count)`: count floats from lo to hi evenly spaced in log space (learning rates).
struct geomspace_fn {
  constexpr float_range_sampler operator()(double low, double high, std::int64_t count) const {
    return {low, high, count, spacing::log, 0};
  }
};
inline constexpr geomspace_fn geomspace{};

namespace detail {

/// @brief The length of an axis when its type knows it, else 0.
template <class S>
constexpr std::size_t static_size_of() {
  if constexpr (requires { S::static_size; }) return S::static_size;
  return 0;
}

/// @brief What grid and zip share: keys bound to finite samplers (static or dynamic bindings), each axis's
/// size, and the record of one index per axis.
template <class Bindings>
class bound_axes {
 public:
  using record_type = typename Bindings::record_type;

  explicit bound_axes(Bindings bindings) : bindings_(std::move(bindings)), sizes_(bindings_.template make_array<std::uint64_t>()) {
    bindings_.for_each([&](auto& axis, std::size_t a) { sizes_[a] = axis.size(); });
  }

  [[nodiscard]] constexpr bool accepts(const record_type&) const { return true; }
  void append_key_text(std::string& out, const record_type& r) const { bindings_.append_key_text(out, r); }
  void append_params(param_list& out, const record_type& r) const { bindings_.append_params(out, r); }

 protected:
  using index_type = typename Bindings::template array<std::uint64_t>;

  /// @brief The record of axis indices idx[0..n).
  [[nodiscard]] record_type make(const index_type& idx) const {
    return bindings_.make([&](auto& axis, std::size_t a) { return axis.at(idx[a]); });
  }
  [[nodiscard]] index_type new_index() const { return bindings_.template make_array<std::uint64_t>(); }

  Bindings bindings_;
  index_type sizes_;
};

}  // namespace detail

}  // namespace sweep
// ---- end sweep/space/axes.hpp ----

#include <memory>

namespace sweep {

class dyn_sampler;

/// @brief A list_sampler whose item is only known at run time.
struct dyn_list_sampler {
  std::int64_t length = 0;
  std::shared_ptr<const dyn_sampler> item;
};

/// @brief Any sampler of a pycls sweep config: int, float, value, list or regnet.
class dyn_sampler {
 public:
  using alternatives = std::variant<int_sampler, float_sampler, choice_sampler<value>, dyn_list_sampler, regnet_sampler>;

  template <class S>
    requires std::is_constructible_v<alternatives, S>
  dyn_sampler(S sampler) : sampler_(std::move(sampler)) {}

  [[nodiscard]] const alternatives& alternative() const noexcept { return sampler_; }
  /// @brief Composite samplers (regnet) set several keys instead of their own.
  [[nodiscard]] bool is_composite() const noexcept { return std::holds_alternative<regnet_sampler>(sampler_); }

  /// @brief One draw as a value (a regnet draw is a map of its six fields, as `sweep sample` prints it).
  [[nodiscard]] value draw(numpy_rng& rng) const {
    return std::visit(
        [&](auto& s) -> value {
          using S = std::decay_t<decltype(s)>;
          if constexpr (std::is_same_v<S, dyn_list_sampler>) {
            value::list items;
            items.reserve(static_cast<std::size_t>(s.length));
            for (std::int64_t i = 0; i < s.length; ++i) items.push_back(s.item->draw(rng));
            return value{std::move(items)};
          } else if constexpr (std::is_same_v<S, regnet_sampler>) {
            param_list pairs;
            s.append_params(pairs, "REGNET", s.draw(rng));
            value::map m;
            for (auto& [k, v] : pairs) m.emplace_back(k.substr(7), std::move(v));
            return value{std::move(m)};
          } else {
            return detail::to_value(s.draw(rng));
          }
        },
        sampler_);
  }

  /// @brief Draws and appends the values this sampler sets (a regnet draw: its six, in append_params' order).
  void draw_values(numpy_rng& rng, std::vector<value>& out) const {
    if (auto* spec = std::get_if<regnet_sampler>(&sampler_)) {
      auto v = spec->draw(rng);
      out.insert(out.end(), {value{v.depth}, value{v.w0}, value{v.wa}, value{v.wm}, value{v.group_w}, value{v.bot_mul}});
    } else if (auto* f = std::get_if<float_sampler>(&sampler_)) {
      out.emplace_back(f->draw(rng));  // the hot case of most sweeps: no detour through draw()
    } else {
      out.push_back(draw(rng));
    }
  }
  /// @brief The keys a draw sets, for the sampler of `key` (a regnet: its six).
  [[nodiscard]] std::vector<std::string> keys_set(const std::string& key) const {
    if (auto* spec = std::get_if<regnet_sampler>(&sampler_)) {
      param_list pairs;
      spec->append_params(pairs, key, regnet_values{});
      std::vector<std::string> keys;
      for (auto& pair : pairs) keys.push_back(std::move(pair.first));
      return keys;
    }
    return {key};
  }

 private:
  alternatives sampler_;
};

/// @brief A finite sampler known at run time (an axis of a grid or zip): VALUES, an int RANGE with STEP, or a
/// float RANGE with COUNT.
class dyn_axis {
 public:
  using alternatives = std::variant<choice_sampler<value>, int_range_sampler, float_range_sampler>;

  template <class S>
    requires std::is_constructible_v<alternatives, S>
  dyn_axis(S sampler) : axis_(std::move(sampler)) {}

  [[nodiscard]] const alternatives& alternative() const noexcept { return axis_; }
  [[nodiscard]] std::uint64_t size() const {
    return std::visit([](auto& a) -> std::uint64_t { return a.size(); }, axis_);
  }
  [[nodiscard]] value at(std::uint64_t i) const {
    return std::visit([&](auto& a) { return detail::to_value(a.at(i)); }, axis_);
  }

 private:
  alternatives axis_;
};

/// @brief The random space of pycls's SETUP.SAMPLERS: keys bound at run time to samplers, drawn in the order
/// written (the class a space written as code with sweep::space(...) has, over dynamic bindings).
using runtime_space = typed_space<dynamic_bindings<dyn_sampler>>;

}  // namespace sweep
// ---- end sweep/space/dynamic_samplers.hpp ----

// ---- begin sweep/space/combinators.hpp ----
// Combinators beyond random sampling, one header each:
//   grid(k = axis, ...)        every combination once, last axis fastest      grid.hpp
//   zip(k = axis, ...)         the axes advanced together (one length)        zip.hpp
//   concat(space, ...)         the parts one after another                    concat.hpp
//   join(space, when(k, v, s)) s drawn only when the record so far has k == v join.hpp
//   sobol(k = sampler, ...)    a scrambled Sobol sequence through inverse CDFs sobol.hpp
//   shuffle(space)             a finite space in a seeded random order        shuffle.hpp
//   space | where(pred)        the records pred accepts                       where.hpp
// Their axes are finite samplers (axes.hpp). Finite spaces have size() and at(i)
// and are random-access ranges (range.hpp); a sobol space has at(i) only (an
// endless sequence). All of them also draw(rng), so they nest in random spaces.
// any_space (any_space.hpp) holds any of them, for spaces built at run time.


// ---- begin sweep/space/any_space.hpp ----
// any_space: one type for any space, so that parts chosen at run time (a YAML
// SETUP.SPACE) nest in the same combinators the C++ DSL uses: a YAML join is a
// joined_space<any_space, ...>, a concat a concat_space<dynamic_parts<any_space>>.
// Its record is what every stage after sampling reads of a record: the (key,
// value) pairs, pycls's key text, and which `where` (if any) refused it.



namespace sweep {

/// @brief A record of an any_space: the wrapped space's record, as setup reads it.
struct erased_record {
  param_list params;
  std::string key_text;
  std::size_t rejected = 0;  // 0, or the where that refused it (as detail::rejected_by numbers them)
  friend bool operator==(const erased_record&, const erased_record&) = default;
};

/// @brief Any space (random, finite or sequence), its kind known at run time.
class any_space {
 public:
  using record_type = erased_record;

  template <class S>
    requires(!std::is_same_v<std::remove_cvref_t<S>, any_space>)
  explicit any_space(S inner) : self_(std::make_shared<const model<S>>(std::move(inner))) {}

  [[nodiscard]] space_kind kind() const { return self_->kind(); }
  [[nodiscard]] bool shuffled() const { return self_->shuffled(); }
  /// @brief The number of records of a finite space (an error for another kind).
  [[nodiscard]] std::uint64_t size() const { return self_->size(); }
  /// @brief Record i of a finite or sequence space (an error for a random one).
  [[nodiscard]] record_type at(std::uint64_t i) const { return self_->at(i); }
  [[nodiscard]] record_type draw(numpy_rng& rng) const { return self_->draw(rng); }
  [[nodiscard]] any_space with_seed(std::uint64_t seed) const { return any_space(self_->with_seed(seed)); }

  [[nodiscard]] bool accepts(const record_type& r) const noexcept { return r.rejected == 0; }
  [[nodiscard]] std::size_t rejected_by(const record_type& r) const noexcept { return r.rejected; }
  void append_where_names(std::vector<std::string>& out) const { self_->append_where_names(out); }
  void append_key_text(std::string& out, const record_type& r) const {
    if (!out.empty() && !r.key_text.empty()) out += ' ';  // as append_key_value separates pairs
    out += r.key_text;
  }
  void append_params(param_list& out, const record_type& r) const { out.insert(out.end(), r.params.begin(), r.params.end()); }

 private:
  struct concept_t {
    virtual ~concept_t() = default;
    [[nodiscard]] virtual space_kind kind() const = 0;
    [[nodiscard]] virtual bool shuffled() const = 0;
    [[nodiscard]] virtual std::uint64_t size() const = 0;
    [[nodiscard]] virtual erased_record at(std::uint64_t i) const = 0;
    [[nodiscard]] virtual erased_record draw(numpy_rng& rng) const = 0;
    [[nodiscard]] virtual std::shared_ptr<const concept_t> with_seed(std::uint64_t seed) const = 0;
    virtual void append_where_names(std::vector<std::string>& out) const = 0;
  };

  template <class S>
  struct model final : concept_t {
    explicit model(S s) : space(std::move(s)) {}
    [[nodiscard]] space_kind kind() const override { return kind_of(space); }
    [[nodiscard]] bool shuffled() const override { return is_shuffled(space); }
    [[nodiscard]] std::uint64_t size() const override {
      if constexpr (finite_space<S>) {
        if (kind_of(space) == space_kind::finite) return space.size();
      }
      throw error("the space is not finite (grid, zip, concat or join of finite parts): it has no size");
    }
    [[nodiscard]] erased_record at(std::uint64_t i) const override {
      if constexpr (indexed_space<S>) {
        if (kind_of(space) != space_kind::random) return erase(space.at(i));
      }
      throw error("a random space has no index: its records are drawn");
    }
    [[nodiscard]] erased_record draw(numpy_rng& rng) const override { return erase(space.draw(rng)); }
    [[nodiscard]] std::shared_ptr<const concept_t> with_seed(std::uint64_t seed) const override {
      return std::make_shared<const model>(sweep::with_seed(space, seed));
    }
    void append_where_names(std::vector<std::string>& out) const override { detail::append_where_names(space, out); }

    erased_record erase(const typename S::record_type& r) const {
      erased_record out;
      space.append_params(out.params, r);
      space.append_key_text(out.key_text, r);
      out.rejected = detail::rejected_by(space, r);
      return out;
    }

    S space;
  };

  explicit any_space(std::shared_ptr<const concept_t> self) : self_(std::move(self)) {}

  std::shared_ptr<const concept_t> self_;
};

}  // namespace sweep
// ---- end sweep/space/any_space.hpp ----

// ---- begin sweep/space/concat.hpp ----
// concat(a, b, ...): the union of spaces, one after another (e.g. two model
// families, each with its own keys). The parts are a tuple fixed at compile
// time (static_parts: a record is a std::variant of the parts' records) or a
// vector chosen at run time (dynamic_parts: a record is tagged with its part).


// ---- begin sweep/space/join.hpp ----
// join(a, b, ...): spaces drawn one after another into one record.
// when(k, v, s) as a later part: s is drawn only when the record so far has
// k == v. A key is named at compile time ("MODEL.TYPE"_k, the C++ DSL) or at
// run time (dynamic_key, YAML); the condition is tested the same way for both.



namespace sweep {

/// @brief A condition key named at run time (a `when` read from YAML).
struct dynamic_key {
  std::string name;
};

/// @brief `when(key, value, space)`: `space` is drawn only when the record so far has key == value (for join).
template <class Key, class V, class Space>
struct when_part {
  Key key;
  V equals;
  Space space;
};

struct when_fn {
  template <fixed_string Text, class V, class Space>
  auto operator()(param_key<Text> key, V equals, Space inner) const {
    return when_part<param_key<Text>, detail::drawn_t<V>, Space>{key, detail::drawn_t<V>(std::move(equals)), std::move(inner)};
  }
  /// @brief A when whose key and value are known at run time.
  template <class Space>
  auto operator()(std::string key, value equals, Space inner) const {
    return when_part<dynamic_key, value, Space>{{std::move(key)}, std::move(equals), std::move(inner)};
  }
};
inline constexpr when_fn when{};

/// @brief The record of a `when` part: the inner record when the condition held, else nothing.
template <class Record>
struct conditional_record {
  std::optional<Record> inner;

  template <fixed_string Text>
  static constexpr bool has(param_key<Text>) {
    return Record::has(param_key<Text>{});
  }
  /// @brief The value of `k` as an optional: empty when the condition did not hold.
  template <fixed_string Text>
  [[nodiscard]] auto operator[](param_key<Text>) const {
    using V = std::decay_t<decltype(std::declval<const Record&>()[param_key<Text>{}])>;
    return inner ? std::optional<V>((*inner)[param_key<Text>{}]) : std::optional<V>();
  }
  [[nodiscard]] bool active() const noexcept { return inner.has_value(); }
  friend bool operator==(const conditional_record&, const conditional_record&) = default;
};

namespace detail {

/// @brief Whether a record has key `Key`; a concat's variant record has it when every part has it.
template <class Key, class Record>
constexpr bool record_has() {
  if constexpr (is_variant<Record>::value) {
    return []<class... R>(std::variant<R...>*) { return (record_has<Key, R>() && ...); }(static_cast<Record*>(nullptr));
  } else if constexpr (requires { Record::has(Key{}); }) {
    return Record::has(Key{});
  } else {
    return false;
  }
}

/// @brief The value of `Key` in a record (read from whichever part a variant record holds).
template <class Key, class Record>
decltype(auto) read_key(const Record& r) {
  if constexpr (is_variant<Record>::value) {
    using V = decltype([]<class... R>(std::variant<R...>*) {
      return std::common_type_t<std::decay_t<decltype(std::declval<const R&>()[Key{}])>...>{};
    }(static_cast<Record*>(nullptr)));
    return std::visit([](const auto& part) -> V { return part[Key{}]; }, r);
  } else {
    return r[Key{}];
  }
}

/// @brief The one test of a `when`: the drawn value equals EQUALS as Python's == compares config values:
/// numbers by value (2 == 2.0), anything else only when equal (a string never equals a number, a bool
/// only a bool).
inline bool when_equal(const value& drawn, const value& equals) {
  if (drawn.is_int() && equals.is_int()) return drawn.as_int() == equals.as_int();
  if (drawn.is_number() && equals.is_number()) return drawn.as_float() == equals.as_float();
  return drawn == equals;
}

/// @brief when_equal for typed values; an optional (a key of a when part) that is empty never matches.
template <class X, class V>
bool when_matches(const X& x, const V& v) {
  if constexpr (requires { x.has_value(); *x; }) {
    return x.has_value() && when_matches(*x, v);
  } else if constexpr (requires { to_value(x); to_value(v); }) {
    return when_equal(to_value(x), to_value(v));
  } else {
    return x == v;  // a custom sampler's own value type
  }
}

template <class T>
struct is_when : std::false_type {};
template <class K, class V, class S>
struct is_when<when_part<K, V, S>> : std::true_type {};

/// @brief The second part of a join: a plain space, or a when over one.
template <class Part>
struct join_part {
  using space_type = Part;
  using record_type = typename Part::record_type;
  static const Part& space(const Part& p) { return p; }
  template <class First, class R>
  static bool active(const Part&, const First&, const R&) { return true; }
  static record_type wrap(record_type r) { return r; }
  static bool present(const record_type&) { return true; }
  static const record_type& unwrap(const record_type& r) { return r; }
};
template <class K, class V, class S>
struct join_part<when_part<K, V, S>> {
  using space_type = S;
  using record_type = conditional_record<typename S::record_type>;
  static const S& space(const when_part<K, V, S>& p) { return p.space; }
  /// @brief Whether the condition holds for `r`, a record of the part `first` before the when.
  template <class First, class R>
  static bool active(const when_part<K, V, S>& p, const First& first, const R& r) {
    if constexpr (std::is_same_v<K, dynamic_key>) {
      param_list params;
      first.append_params(params, r);
      for (auto it = params.rbegin(); it != params.rend(); ++it) {
        if (it->first == p.key.name) return when_equal(it->second, p.equals);
      }
      return false;  // the key was not set (its part's condition did not hold)
    } else {
      return when_matches(read_key<K>(r), p.equals);
    }
  }
  static record_type wrap(typename S::record_type r) { return {std::move(r)}; }
  static bool present(const record_type& r) { return r.active(); }
  static const typename S::record_type& unwrap(const record_type& r) { return *r.inner; }
};

}  // namespace detail

/// @brief The record of a join: the first part's record and the second's; `r[k]` looks in both.
template <class First, class Second>
struct joined_record {
  First first;
  Second second;

  template <fixed_string Text>
  static constexpr bool has(param_key<Text>) {
    return detail::record_has<param_key<Text>, First>() || detail::record_has<param_key<Text>, Second>();
  }
  template <fixed_string Text>
  [[nodiscard]] decltype(auto) operator[](param_key<Text>) const {
    if constexpr (detail::record_has<param_key<Text>, First>()) {
      return detail::read_key<param_key<Text>>(first);
    } else if constexpr (detail::record_has<param_key<Text>, Second>()) {
      return detail::read_key<param_key<Text>>(second);
    } else {
      static_assert(detail::dependent_false<param_key<Text>>,
                    "sweep::record::operator[]: the space has no such key (the key is named in the "
                    "'param_key<...>' of this instantiation); add it to sweep::space or fix its spelling "
                    "(a sweep::where(pred) may read only the keys of the space it constrains)");
      return 0;
    }
  }
  friend bool operator==(const joined_record&, const joined_record&) = default;
};

/// @brief Two spaces drawn one after another; the second may be a when(...) over the first's keys. It is
/// finite when both parts are: record i is the first part's records in order, each with every record of the
/// second it allows.
template <class First, class Second>
class joined_space : public detail::space_interface<joined_space<First, Second>> {
  using part = detail::join_part<Second>;
  using inner = typename part::space_type;
  static constexpr bool indexable = finite_space<First> && finite_space<inner>;

 public:
  using record_type = joined_record<typename First::record_type, typename part::record_type>;

  joined_space(First first, Second second)
      : first_(std::move(first)), second_(std::move(second)), first_wheres_(detail::count_wheres(first_)) {
    if constexpr (indexable) {
      finite_ = kind_of(first_) == space_kind::finite && kind_of(part::space(second_)) == space_kind::finite;
      if (!finite_) return;
      auto n = part::space(second_).size();
      if constexpr (detail::is_when<Second>::value) {
        // Record i of the join: which first record it extends, found by bisection on these blocks.
        offsets_.reserve(first_.size());
        for (std::uint64_t i = 0; i < first_.size(); ++i) offsets_.add(part::active(second_, first_, first_.at(i)) ? n : 1);
        size_ = offsets_.total();
      } else {
        size_ = detail::checked_mul(first_.size(), n, "join");
      }
    }
  }

  [[nodiscard]] record_type draw(numpy_rng& rng) const {
    auto a = first_.draw(rng);
    return {a, next(a, [&](const inner& s) { return s.draw(rng); })};
  }
  [[nodiscard]] bool accepts(const record_type& r) const {
    return first_.accepts(r.first) && (!part::present(r.second) || part::space(second_).accepts(part::unwrap(r.second)));
  }
  /// @brief The first part's wheres are numbered first, then the second's.
  [[nodiscard]] std::size_t rejected_by(const record_type& r) const {
    if (auto first = detail::rejected_by(first_, r.first)) return first;
    if (!part::present(r.second)) return 0;
    auto second = detail::rejected_by(part::space(second_), part::unwrap(r.second));
    return second == 0 ? 0 : first_wheres_ + second;
  }
  void append_where_names(std::vector<std::string>& out) const {
    detail::append_where_names(first_, out);
    detail::append_where_names(part::space(second_), out);
  }
  void append_key_text(std::string& out, const record_type& r) const {
    first_.append_key_text(out, r.first);
    if (part::present(r.second)) part::space(second_).append_key_text(out, part::unwrap(r.second));
  }
  void append_params(param_list& out, const record_type& r) const {
    first_.append_params(out, r.first);
    if (part::present(r.second)) part::space(second_).append_params(out, part::unwrap(r.second));
  }

  [[nodiscard]] space_kind kind() const noexcept { return finite_ ? space_kind::finite : space_kind::random; }
  [[nodiscard]] std::uint64_t size() const requires indexable {
    check_finite();
    return size_;
  }
  [[nodiscard]] record_type at(std::uint64_t i) const requires indexable {
    check_finite();
    if constexpr (detail::is_when<Second>::value) {
      auto k = offsets_.block_of(i);
      auto a = first_.at(k);
      auto j = i - offsets_.start(k);
      return {a, next(a, [&](const inner& s) { return s.at(j); })};
    } else {
      auto n = part::space(second_).size();
      return {first_.at(i / n), part::space(second_).at(i % n)};
    }
  }

 private:
  void check_finite() const {
    if (!finite_) throw error("join: a part is not finite (grid, zip, concat or join of finite parts): the join has no index");
  }
  template <class F>
  typename part::record_type next(const typename First::record_type& a, F&& make) const {
    if constexpr (detail::is_when<Second>::value) {
      if (!part::active(second_, first_, a)) return {};
    }
    return part::wrap(make(part::space(second_)));
  }

  First first_;
  Second second_;
  std::size_t first_wheres_;  // the second part's wheres are numbered after these
  bool finite_ = false;
  std::uint64_t size_ = 0;
  detail::block_offsets offsets_{"join"};
};

/// @brief `join(a, b, ...)`: spaces drawn one after another into one record; a later part may be `when(k, v, s)`.
struct join_fn {
  template <class First, class Second, class... Rest>
  auto operator()(First first, Second second, Rest... rest) const {
    static_assert(!detail::is_when<First>::value,
                  "sweep::join(a, when(...)) requires a space before the when: its key must come from an earlier part");
    if constexpr (detail::is_when<Second>::value) {
      check_when<First>(static_cast<Second*>(nullptr));
    }
    auto joined = joined_space<First, Second>(std::move(first), std::move(second));
    if constexpr (sizeof...(Rest) == 0) {
      return joined;
    } else {
      return (*this)(std::move(joined), std::move(rest)...);
    }
  }

 private:
  template <class First, class K, class V, class S>
  static constexpr void check_when(when_part<K, V, S>*) {
    if constexpr (!std::is_same_v<K, dynamic_key>) {
      static_assert(detail::record_has<K, typename First::record_type>(),
                    "sweep::join(a, when(key, value, b)) requires the condition key to be a key of the parts "
                    "joined before the when; bind it in an earlier part or fix its spelling");
    }
  }
};
inline constexpr join_fn join{};

}  // namespace sweep
// ---- end sweep/space/join.hpp ----


namespace sweep {

namespace detail {

/// @brief f(std::integral_constant<std::size_t, I>) for the runtime index i < N.
template <std::size_t N, class F>
auto with_index(std::size_t i, F&& f) -> decltype(f(std::integral_constant<std::size_t, 0>{})) {
  using R = decltype(f(std::integral_constant<std::size_t, 0>{}));
  return [&]<std::size_t... I>(std::index_sequence<I...>) -> R {
    if constexpr (std::is_void_v<R>) {
      ((i == I ? (f(std::integral_constant<std::size_t, I>{}), true) : false) || ...);
    } else {
      std::optional<R> out;
      ((i == I ? (out.emplace(f(std::integral_constant<std::size_t, I>{})), true) : false) || ...);
      return std::move(*out);
    }
  }(std::make_index_sequence<N>{});
}

}  // namespace detail

/// @brief The parts of a concat written as code: each its own type, a record is a variant of theirs.
template <class... Parts>
class static_parts {
 public:
  using record_type = std::variant<typename Parts::record_type...>;
  static constexpr bool indexable = (finite_space<Parts> && ...);

  explicit static_parts(Parts... parts) : parts_(std::move(parts)...) {}
  [[nodiscard]] static constexpr std::size_t count() noexcept { return sizeof...(Parts); }

  /// @brief f(part, I) for the part p (I: its index, an integral_constant).
  template <class F>
  decltype(auto) with_part(std::size_t p, F&& f) const {
    return detail::with_index<sizeof...(Parts)>(p, [&](auto I) { return f(std::get<I>(parts_), I); });
  }
  /// @brief f(part, its record in r, I) for the part r came from.
  template <class F>
  decltype(auto) with_record(const record_type& r, F&& f) const {
    return with_part(r.index(), [&](auto& part, auto I) { return f(part, std::get<I>(r), I); });
  }
  template <class I, class R>
  static record_type wrap(I, R r) {
    return record_type(std::in_place_index<I::value>, std::move(r));
  }

 private:
  std::tuple<Parts...> parts_;
};

/// @brief A record of a concat of run-time parts: the part it came from, and its record there.
template <class Record>
struct tagged_record {
  std::size_t part = 0;
  Record record;
  friend bool operator==(const tagged_record&, const tagged_record&) = default;
};

/// @brief The parts of a concat chosen at run time (a YAML concat): spaces of one type S.
template <class S>
class dynamic_parts {
 public:
  using record_type = tagged_record<typename S::record_type>;
  static constexpr bool indexable = finite_space<S>;

  explicit dynamic_parts(std::vector<S> parts) : parts_(std::move(parts)) {
    if (parts_.empty()) throw error("concat: expected at least one part");
  }
  [[nodiscard]] std::size_t count() const noexcept { return parts_.size(); }

  template <class F>
  decltype(auto) with_part(std::size_t p, F&& f) const {
    return f(parts_[p], p);
  }
  template <class F>
  decltype(auto) with_record(const record_type& r, F&& f) const {
    return f(parts_[r.part], r.record, r.part);
  }
  template <class R>
  static record_type wrap(std::size_t p, R r) {
    return {p, std::move(r)};
  }

 private:
  std::vector<S> parts_;
};

/// @brief Several spaces, each with its own keys, one after another; finite when every part is.
template <class Parts>
class concat_space : public detail::space_interface<concat_space<Parts>> {
 public:
  using record_type = typename Parts::record_type;

  explicit concat_space(Parts parts) : parts_(std::move(parts)) {
    finite_ = Parts::indexable;
    for (std::size_t p = 0; p < parts_.count(); ++p) {
      parts_.with_part(p, [&](auto& part, auto) {
        wheres_before_.push_back(wheres_);
        wheres_ += detail::count_wheres(part);
        finite_ = finite_ && kind_of(part) == space_kind::finite;
      });
    }
    if constexpr (Parts::indexable) {
      for (std::size_t p = 0; finite_ && p < parts_.count(); ++p) {
        parts_.with_part(p, [&](auto& part, auto) { offsets_.add(part.size()); });
      }
    }
  }

  /// @brief A part chosen uniformly, then a record of it.
  [[nodiscard]] record_type draw(numpy_rng& rng) const {
    auto p = static_cast<std::size_t>(rng.randint(static_cast<std::int64_t>(parts_.count())));
    return parts_.with_part(p, [&](auto& part, auto i) { return Parts::wrap(i, part.draw(rng)); });
  }
  [[nodiscard]] bool accepts(const record_type& r) const {
    return parts_.with_record(r, [&](auto& part, auto& rec, auto) { return part.accepts(rec); });
  }
  /// @brief Each part's wheres are numbered after those of the parts before it.
  [[nodiscard]] std::size_t rejected_by(const record_type& r) const {
    return parts_.with_record(r, [&](auto& part, auto& rec, auto i) -> std::size_t {
      auto k = detail::rejected_by(part, rec);
      return k == 0 ? 0 : wheres_before_[i] + k;
    });
  }
  void append_where_names(std::vector<std::string>& out) const {
    for (std::size_t p = 0; p < parts_.count(); ++p) parts_.with_part(p, [&](auto& part, auto) { detail::append_where_names(part, out); });
  }
  void append_key_text(std::string& out, const record_type& r) const {
    parts_.with_record(r, [&](auto& part, auto& rec, auto) { part.append_key_text(out, rec); });
  }
  void append_params(param_list& out, const record_type& r) const {
    parts_.with_record(r, [&](auto& part, auto& rec, auto) { part.append_params(out, rec); });
  }

  [[nodiscard]] space_kind kind() const noexcept { return finite_ ? space_kind::finite : space_kind::random; }
  /// @brief The sum of the parts' sizes.
  [[nodiscard]] std::uint64_t size() const requires Parts::indexable {
    check_finite();
    return offsets_.total();
  }
  /// @brief The first part's records, then the second's, ...
  [[nodiscard]] record_type at(std::uint64_t i) const requires Parts::indexable {
    check_finite();
    auto p = offsets_.block_of(i);
    return parts_.with_part(p, [&](auto& part, auto k) { return Parts::wrap(k, part.at(i - offsets_.start(p))); });
  }

 private:
  void check_finite() const {
    if (!finite_) throw error("concat: a part is not finite (grid, zip, concat or join of finite parts): the concat has no index");
  }

  Parts parts_;
  bool finite_ = false;
  std::size_t wheres_ = 0;
  std::vector<std::size_t> wheres_before_;  // part p's wheres are numbered after these
  detail::block_offsets offsets_{"concat"};
};

/// @brief `concat(a, b, ...)`: the union of spaces (e.g. two model families, each with its own keys).
struct concat_fn {
  template <class... Parts>
  auto operator()(Parts... parts) const {
    static_assert(sizeof...(Parts) > 0, "sweep::concat(spaces...) requires at least one space");
    static_assert(!(detail::is_when<Parts>::value || ...), "sweep::concat(spaces...) takes spaces; use when(...) inside join(...)");
    return concat_space<static_parts<Parts...>>(static_parts<Parts...>(std::move(parts)...));
  }
};
inline constexpr concat_fn concat{};

}  // namespace sweep
// ---- end sweep/space/concat.hpp ----

// ---- begin sweep/space/grid.hpp ----
// grid(k = axis, ...): every combination of finite samplers once, the last
// axis fastest (as itertools.product orders them).



namespace sweep {

/// @brief The Cartesian product of finite samplers bound to keys (static_bindings or dynamic_bindings).
template <class Bindings>
class grid_space : public detail::bound_axes<Bindings>, public detail::space_interface<grid_space<Bindings>> {
  using base = detail::bound_axes<Bindings>;

 public:
  using typename base::record_type;

  explicit grid_space(Bindings bindings) : base(std::move(bindings)) {
    for (auto n : this->sizes_) size_ = detail::checked_mul(size_, n, "grid");
  }

  /// @brief The product of the axes' sizes.
  [[nodiscard]] std::uint64_t size() const noexcept { return size_; }
  /// @brief Combination i, as itertools.product orders them (the last axis changes fastest).
  [[nodiscard]] record_type at(std::uint64_t i) const {
    auto idx = this->new_index();
    for (std::size_t a = idx.size(); a-- > 0;) {
      idx[a] = i % this->sizes_[a];
      i /= this->sizes_[a];
    }
    return this->make(idx);
  }
  /// @brief One combination with every axis drawn uniformly (left to right).
  [[nodiscard]] record_type draw(numpy_rng& rng) const {
    auto idx = this->new_index();
    for (std::size_t a = 0; a < idx.size(); ++a) idx[a] = static_cast<std::uint64_t>(rng.randint(static_cast<std::int64_t>(this->sizes_[a])));
    return this->make(idx);
  }

 private:
  std::uint64_t size_ = 1;
};

/// @brief `grid("A"_k = values(1, 2), "B"_k = linspace(0.1, 0.5, 5))`: every combination of finite samplers.
struct grid_fn {
  template <class... Keys, class... Samplers>
  auto operator()(binding<Keys, Samplers>... bindings) const {
    static_assert(sizeof...(Keys) > 0, "sweep::grid(axes...) requires at least one axis");
    static_assert((finite_sampler<Samplers> && ...),
                  "sweep::grid(axes...) requires finite samplers: values(...), choice(...), int_range(lo, hi, step), "
                  "linspace(lo, hi, count) or geomspace(lo, hi, count)");
    using bindings_type = static_bindings<binding<Keys, Samplers>...>;
    return grid_space<bindings_type>(bindings_type(std::move(bindings)...));
  }
};
inline constexpr grid_fn grid{};

}  // namespace sweep
// ---- end sweep/space/grid.hpp ----

// ---- begin sweep/space/shuffle.hpp ----
// shuffle(space): a finite space whose configs setup writes in a random order
// (seeded by RNG_SEED) instead of index order.



namespace sweep {

/// @brief A finite space whose configs setup writes in a random order (seeded by RNG_SEED).
template <class Space>
class shuffled_space : public detail::space_interface<shuffled_space<Space>> {
 public:
  using record_type = typename Space::record_type;
  explicit shuffled_space(Space inner) : space_(std::move(inner)) {}

  [[nodiscard]] record_type draw(numpy_rng& rng) const { return space_.draw(rng); }
  [[nodiscard]] bool accepts(const record_type& r) const { return space_.accepts(r); }
  [[nodiscard]] std::size_t rejected_by(const record_type& r) const { return detail::rejected_by(space_, r); }
  void append_where_names(std::vector<std::string>& out) const { detail::append_where_names(space_, out); }
  void append_key_text(std::string& out, const record_type& r) const { space_.append_key_text(out, r); }
  void append_params(param_list& out, const record_type& r) const { space_.append_params(out, r); }
  [[nodiscard]] space_kind kind() const { return kind_of(space_); }
  [[nodiscard]] std::uint64_t size() const { return space_.size(); }
  [[nodiscard]] record_type at(std::uint64_t i) const { return space_.at(i); }
  [[nodiscard]] static constexpr bool shuffled() noexcept { return true; }
  [[nodiscard]] shuffled_space with_seed(std::uint64_t seed) const { return shuffled_space(sweep::with_seed(space_, seed)); }

 private:
  Space space_;
};

/// @brief `shuffle(space)`: the finite space's configs in a random order (RNG_SEED) instead of index order.
struct shuffle_fn {
  template <class Space>
  auto operator()(Space inner) const {
    static_assert(finite_space<Space>, "sweep::shuffle(inner) requires a finite inner (grid, zip, concat or join of finite parts)");
    return shuffled_space<Space>(std::move(inner));
  }
};
inline constexpr shuffle_fn shuffle{};

}  // namespace sweep
// ---- end sweep/space/shuffle.hpp ----

// ---- begin sweep/space/sobol.hpp ----
// sobol(k = sampler, ...): a scrambled Sobol sequence; point i maps each of its
// coordinates through one sampler's inverse CDF, so a sobol space spreads its
// configs more evenly than random draws from the same samplers. RNG_SEED picks
// the Owen scramble. Keys and samplers are fixed at compile time
// (static_bindings) or read from YAML (dynamic_bindings of dyn_sampler).


// ---- begin sweep/space/detail/sobol.hpp ----
// The pieces of sweep::sobol: Joe & Kuo's direction numbers (new-joe-kuo-6.21201,
// the first 21 dimensions) as data, Sobol points in Gray-code order, a hash-based
// Owen scramble (Burley 2020: nested uniform scrambling, so every elementary
// interval keeps exactly its share of points) and the inverse normal CDF.

#include <numbers>

namespace sweep::detail {

/// @brief One row of Joe & Kuo's table: degree s, polynomial coefficients a, initial m_1..m_s.
struct sobol_row {
  unsigned s;
  unsigned a;
  std::array<std::uint32_t, 7> m;
};

/// @brief Dimensions 2..21 of new-joe-kuo-6.21201 (dimension 1 is van der Corput's sequence).
inline constexpr std::array<sobol_row, 20> sobol_table = {{
    {1, 0, {1}},
    {2, 1, {1, 3}},
    {3, 1, {1, 3, 1}},
    {3, 2, {1, 1, 1}},
    {4, 1, {1, 1, 3, 3}},
    {4, 4, {1, 3, 5, 13}},
    {5, 2, {1, 1, 5, 5, 17}},
    {5, 4, {1, 1, 5, 5, 5}},
    {5, 7, {1, 1, 7, 11, 19}},
    {5, 11, {1, 1, 5, 1, 1}},
    {5, 13, {1, 1, 1, 3, 11}},
    {5, 14, {1, 3, 5, 5, 31}},
    {6, 1, {1, 3, 3, 9, 7, 49}},
    {6, 13, {1, 1, 1, 15, 21, 21}},
    {6, 16, {1, 3, 1, 13, 27, 49}},
    {6, 19, {1, 1, 1, 15, 7, 5}},
    {6, 22, {1, 3, 1, 15, 13, 25}},
    {6, 25, {1, 1, 5, 5, 19, 61}},
    {7, 1, {1, 3, 7, 11, 23, 15, 103}},
    {7, 4, {1, 3, 7, 13, 13, 15, 69}},
}};

/// @brief The most dimensions (keys) a sobol space may have.
inline constexpr std::size_t sobol_max_dims = sobol_table.size() + 1;

using sobol_directions = std::array<std::array<std::uint32_t, 32>, sobol_max_dims>;

/// @brief The 32 direction numbers v_1..v_32 (scaled to 32 bits) of every dimension.
constexpr sobol_directions make_sobol_directions() {
  sobol_directions v{};
  for (unsigned k = 0; k < 32; ++k) v[0][k] = std::uint32_t{1} << (31 - k);
  for (std::size_t d = 1; d < sobol_max_dims; ++d) {
    const auto& row = sobol_table[d - 1];
    auto s = row.s;
    for (unsigned k = 0; k < s; ++k) v[d][k] = row.m[k] << (31 - k);
    for (unsigned k = s; k < 32; ++k) {
      std::uint32_t x = v[d][k - s] ^ (v[d][k - s] >> s);
      for (unsigned j = 1; j < s; ++j) {
        if ((row.a >> (s - 1 - j)) & 1U) x ^= v[d][k - j];
      }
      v[d][k] = x;
    }
  }
  return v;
}

inline constexpr sobol_directions sobol_v = make_sobol_directions();

/// @brief Point `index` of dimension `dim` as 32 bits, in Gray-code order (as Boost.Random's sobol).
constexpr std::uint32_t sobol_bits(std::uint64_t index, std::size_t dim) {
  std::uint64_t gray = index ^ (index >> 1);
  std::uint32_t x = 0;
  for (unsigned k = 0; gray != 0 && k < 32; ++k, gray >>= 1) {
    if (gray & 1U) x ^= sobol_v[dim][k];
  }
  return x;
}

constexpr std::uint32_t reverse_bits(std::uint32_t x) {
  x = ((x >> 1) & 0x55555555U) | ((x & 0x55555555U) << 1);
  x = ((x >> 2) & 0x33333333U) | ((x & 0x33333333U) << 2);
  x = ((x >> 4) & 0x0F0F0F0FU) | ((x & 0x0F0F0F0FU) << 4);
  x = ((x >> 8) & 0x00FF00FFU) | ((x & 0x00FF00FFU) << 8);
  return (x >> 16) | (x << 16);
}

/// @brief Owen scrambling by hashing: in bit-reversed form every step only carries
/// from a bit to less significant ones of the original, so each bit is flipped by a
/// function of the bits above it — a nested uniform scramble that keeps strata.
constexpr std::uint32_t owen_scramble(std::uint32_t x, std::uint32_t seed) {
  x = reverse_bits(x);
  x += seed;
  x ^= x * 0x6c50b47cU;
  x ^= x * 0xb82f1e52U;
  x ^= x * 0xc7afe638U;
  x ^= x * 0x8d22f6e6U;
  return reverse_bits(x);
}

/// @brief SplitMix64's finaliser: independent-looking per-dimension seeds from one seed.
constexpr std::uint64_t mix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// @brief The scrambled point as a double in [0, 1).
constexpr double sobol_unit(std::uint64_t index, std::size_t dim, std::uint64_t seed) {
  auto dim_seed = static_cast<std::uint32_t>(mix64(seed * 0x100000001b3ULL + dim) >> 32);
  return owen_scramble(sobol_bits(index, dim), dim_seed) * 0x1p-32;
}

/// @brief The standard normal CDF.
inline double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

/// @brief The inverse standard normal CDF: Acklam's rational approximation, then one
/// Halley step on erfc, which brings it to double precision.
inline double inverse_normal_cdf(double p) {
  if (p <= 0) return -HUGE_VAL;
  if (p >= 1) return HUGE_VAL;
  constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                          1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                          6.680131188771972e+01,  -1.328068155288572e+01};
  constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                          -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                          3.754408661907416e+00};
  constexpr double low = 0.02425;
  double x = 0;
  if (p < low) {
    double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - low) {
    double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    double q = std::sqrt(-2 * std::log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  double e = normal_cdf(x) - p;
  double u = e * std::sqrt(2 * std::numbers::pi) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

}  // namespace sweep::detail
// ---- end sweep/space/detail/sobol.hpp ----



namespace sweep {

namespace detail {

/// @brief pycls's draw of `s` with its uniform variate(s) replaced by u in [0, 1).
template <class T>
T from_unit(const scalar_sampler<T>& s, double u) {
  double lo = to_double(s.low), hi = to_double(s.high), q = to_double(s.q);
  switch (s.type) {
    case rand_type::uniform:
      return quantize(lo + u * (sum_to_double(s.high, s.q) - lo), s.q, rounding::floor);
    case rand_type::log_uniform: {
      double lower = lo / 2.0 < q ? lo - lo / 2.0 : sum_to_double(s.low, -s.q);
      double a = -std::log(hi), b = -std::log(lower);
      return quantize(std::exp(-(a + u * (b - a))), s.q, rounding::ceil);
    }
    case rand_type::power2_uniform: {
      double a = std::log2(lo), b = std::log2(hi) + 1.0;
      return quantize(std::pow(2.0, std::floor(a + u * (b - a))), s.q, rounding::floor);
    }
    case rand_type::power2_or_log_uniform: {
      // The exponent takes u's stratum; where log_uniform follows, u's place inside it is a fresh uniform.
      double a = std::log2(lo), b = std::log2(hi) + 1.0, x = a + u * (b - a), e = std::floor(x);
      T f = quantize(std::pow(2.0, e), s.low, rounding::floor);
      if (f < s.q) return f;
      scalar_sampler<T> log_part{rand_type::log_uniform, py_max(s.low, s.q), s.high, py_min(s.high, s.q)};
      double rest = (x - std::max(e, a)) / (std::min(e + 1, b) - std::max(e, a));
      return from_unit(log_part, std::clamp(rest, 0.0, std::nextafter(1.0, 0.0)));
    }
    case rand_type::normal:
    case rand_type::log_normal: {
      // pycls redraws until inside [low, high]: a normal truncated at mu -/+ 3 sigma.
      bool log = s.type == rand_type::log_normal;
      double a = log ? std::log(lo) : lo, b = log ? std::log(hi) : hi;
      double mu = (a + b) / 2, sigma = (b - a) / 6;
      double f = mu;
      if (sigma > 0) {
        double pa = normal_cdf(-3.0), pb = normal_cdf(3.0);
        f = std::clamp(mu + sigma * inverse_normal_cdf(pa + u * (pb - pa)), a, b);
      }
      if (log) f = std::clamp(std::exp(f), lo, hi);
      return quantize(f, s.q, rounding::half_even);
    }
  }
  return s.low;
}

/// @brief A finite sampler: the item of u's stratum.
template <sweep::finite_sampler S>
auto from_unit(const S& s, double u) {
  auto n = s.size();
  auto i = std::min<std::uint64_t>(n - 1, static_cast<std::uint64_t>(u * static_cast<double>(n)));
  return typename S::value_type(s.at(i));
}

template <class S>
concept unit_mappable = requires(const S& s) { from_unit(s, 0.5); };

/// @brief A sampler read from YAML: its alternative's inverse CDF (a list or regnet has no single coordinate).
inline value from_unit(const dyn_sampler& s, double u) {
  return std::visit(
      [&](auto& a) -> value {
        if constexpr (unit_mappable<std::decay_t<decltype(a)>>) {
          return to_value(from_unit(a, u));
        } else {
          throw error("sobol: a list or regnet sampler has no single coordinate");
        }
      },
      s.alternative());
}

}  // namespace detail

/// @brief A scrambled Sobol sequence over samplers bound to keys (static_bindings or dynamic_bindings).
template <class Bindings>
class sobol_space : public detail::space_interface<sobol_space<Bindings>> {
 public:
  using record_type = typename Bindings::record_type;

  explicit sobol_space(Bindings bindings) : bindings_(std::move(bindings)) {
    if (bindings_.count() > detail::sobol_max_dims) {
      throw error(fmt::format("sobol: {} keys: expected at most {} (the dimensions of the Sobol table)", bindings_.count(),
                              detail::sobol_max_dims));
    }
  }

  /// @brief The same sequence with another Owen scramble (setup passes RNG_SEED).
  [[nodiscard]] sobol_space with_seed(std::uint64_t seed) const {
    auto copy = *this;
    copy.seed_ = seed;
    return copy;
  }
  [[nodiscard]] std::uint64_t seed() const noexcept { return seed_; }

  /// @brief Point i of the scrambled sequence in [0, 1)^dims, before the inverse CDFs.
  [[nodiscard]] auto unit_point(std::uint64_t i) const {
    auto u = bindings_.template make_array<double>();
    for (std::size_t d = 0; d < u.size(); ++d) u[d] = detail::sobol_unit(i, d, seed_);
    return u;
  }
  [[nodiscard]] record_type at(std::uint64_t i) const { return map(unit_point(i)); }
  /// @brief A pseudo-random point (for a sobol space nested in a random one).
  [[nodiscard]] record_type draw(numpy_rng& rng) const {
    auto u = bindings_.template make_array<double>();
    for (auto& x : u) x = rng.uniform(0.0, 1.0);
    return map(u);
  }
  [[nodiscard]] constexpr bool accepts(const record_type&) const { return true; }
  void append_key_text(std::string& out, const record_type& r) const { bindings_.append_key_text(out, r); }
  void append_params(param_list& out, const record_type& r) const { bindings_.append_params(out, r); }

 private:
  template <class Unit>
  record_type map(const Unit& u) const {
    return bindings_.make([&](auto& sampler, std::size_t d) { return detail::from_unit(sampler, u[d]); });
  }

  Bindings bindings_;
  std::uint64_t seed_ = 0;
};

/// @brief `sobol("OPTIM.BASE_LR"_k = log_uniform(0.1, 10.0).quantize(1e-10), ...)`: quasi-random, scrambled by RNG_SEED.
struct sobol_fn {
  template <class... Keys, class... Samplers>
  auto operator()(binding<Keys, Samplers>... bindings) const {
    static_assert(sizeof...(Keys) > 0, "sweep::sobol(samplers...) requires at least one sampler");
    static_assert(sizeof...(Keys) <= detail::sobol_max_dims, "sweep::sobol(samplers...) supports at most 21 keys");
    static_assert((detail::unit_mappable<Samplers> && ...),
                  "sweep::sobol(samplers...) requires scalar samplers (uniform, log_uniform, normal, ...) or finite "
                  "samplers (values, choice, int_range, linspace); list_of and regnet have no single coordinate");
    using bindings_type = static_bindings<binding<Keys, Samplers>...>;
    return sobol_space<bindings_type>(bindings_type(std::move(bindings)...));
  }
};
inline constexpr sobol_fn sobol{};

}  // namespace sweep
// ---- end sweep/space/sobol.hpp ----

// ---- begin sweep/space/zip.hpp ----
// zip(k = axis, ...): finite samplers advanced together; record i takes item i
// of every axis, so the axes must have one length.




namespace sweep {

/// @brief Finite samplers bound to keys, advanced together (static_bindings or dynamic_bindings).
template <class Bindings>
class zip_space : public detail::bound_axes<Bindings>, public detail::space_interface<zip_space<Bindings>> {
  using base = detail::bound_axes<Bindings>;

 public:
  using typename base::record_type;

  /// @brief Throws sweep::error naming the first axis whose length differs from the first axis's.
  explicit zip_space(Bindings bindings) : base(std::move(bindings)) {
    for (std::size_t a = 1; a < this->sizes_.size(); ++a) {
      if (this->sizes_[a] != this->sizes_[0]) {
        throw error({}, std::string(this->bindings_.key(a)),
                    fmt::format("zip: this axis has {} values but {} has {}: expected axes of one length", this->sizes_[a],
                                this->bindings_.key(0), this->sizes_[0]));
      }
    }
  }

  [[nodiscard]] std::uint64_t size() const noexcept { return this->sizes_.empty() ? 0 : this->sizes_[0]; }
  [[nodiscard]] record_type at(std::uint64_t i) const {
    auto idx = this->new_index();
    for (auto& a : idx) a = i;
    return this->make(idx);
  }
  [[nodiscard]] record_type draw(numpy_rng& rng) const {
    return at(static_cast<std::uint64_t>(rng.randint(static_cast<std::int64_t>(size()))));
  }
};

/// @brief `zip("A"_k = values(1, 2), "B"_k = values(.1, .2))`: (1, .1), (2, .2).
struct zip_fn {
  template <class... Keys, class... Samplers>
  auto operator()(binding<Keys, Samplers>... bindings) const {
    static_assert(sizeof...(Keys) > 0, "sweep::zip(axes...) requires at least one axis");
    static_assert((finite_sampler<Samplers> && ...),
                  "sweep::zip(axes...) requires finite samplers: values(...), choice(...), int_range(lo, hi, step), "
                  "linspace(lo, hi, count) or geomspace(lo, hi, count)");
    constexpr std::array<std::size_t, sizeof...(Samplers)> lengths{detail::static_size_of<Samplers>()...};
    constexpr bool one_length = [&] {
      std::size_t first = 0;
      for (auto n : lengths) {
        if (n == 0) continue;  // known only at run time: checked by zip_space
        if (first == 0) first = n;
        if (n != first) return false;
      }
      return true;
    }();
    static_assert(one_length, "sweep::zip(axes...) requires axes of one length: these values(...) lists differ in length");
    using bindings_type = static_bindings<binding<Keys, Samplers>...>;
    return zip_space<bindings_type>(bindings_type(std::move(bindings)...));
  }
};
inline constexpr zip_fn zip{};

}  // namespace sweep
// ---- end sweep/space/zip.hpp ----
// ---- end sweep/space/combinators.hpp ----
// ---- end sweep/space.hpp ----

// ---- begin sweep/config.hpp ----
// Umbrella header of the config stage: includes every public header of include/sweep/config/.


// ---- begin sweep/config/sweep_config.hpp ----
// The sweep-config schema (pycls's sweep/config.py, plus sweep's own keys) as
// plain C++ structs. A sweep written as code and one loaded from YAML are the
// same object: the YAML loader (config/load.hpp) fills these structs through
// Hana's reflection, so a field added here is a key of the YAML schema, named
// by its upper-cased field name (parallel_jobs <-> PARALLEL_JOBS).


#include <boost/hana/define_struct.hpp>


namespace sweep {

/// @brief A range filter on a metric: keep jobs with min <= metric <= max (med is pycls's hint).
using filter_range = std::array<double, 3>;
/// @brief metric -> [min, med, max], in the order written.
using filter_set = std::vector<std::pair<std::string, filter_range>>;

/// @brief A stage's component sections: LAUNCH.<BACKEND>, COLLECT.<FORMAT>, ANALYZE.<SECTION>, each
/// a map of that component's own keys, keyed by its upper-cased registered name ("SLURM"). The
/// loader keeps every map-valued key a stage's schema does not know here; the stage then checks
/// that each names a registered component, which reads and checks its keys.
using component_sections = value::map;

/// @brief SETUP.CONSTRAINTS.CX: [low, high] per complexity figure; 0 means no bound on that side.
struct cx_constraints {
  BOOST_HANA_DEFINE_STRUCT(cx_constraints,
    (std::array<double, 2>, flops),
    (std::array<double, 2>, params),
    (std::array<double, 2>, acts));
  cx_constraints() : flops{0, 0}, params{0, 0}, acts{0, 0} {}
};

/// @brief SETUP.CONSTRAINTS.REGNET.
struct regnet_constraints {
  BOOST_HANA_DEFINE_STRUCT(regnet_constraints,
    (std::array<std::int64_t, 2>, num_stages));
  regnet_constraints() : num_stages{4, 4} {}
};

/// @brief SETUP.CONSTRAINTS.
struct constraint_options {
  BOOST_HANA_DEFINE_STRUCT(constraint_options,
    (cx_constraints, cx),
    (regnet_constraints, regnet));
};

/// @brief SETUP: how job configs are sampled.
struct setup_options {
  BOOST_HANA_DEFINE_STRUCT(setup_options,
    (std::int64_t, num_configs),  // required, > 0 (0 allowed for finite spaces: all of them)
    (std::int64_t, num_samples),  // the most candidates drawn
    (std::int64_t, chunk_size),   // candidates per chunk (each chunk has its own seed)
    (std::int64_t, rng_seed),
    (value, base_cfg),            // the job config every candidate starts from
    (value, samplers),            // dotted key -> sampler spec, in the order written
    (value, space),               // sweep's combinator spaces (grid, zip, ...); null when unused
    (constraint_options, constraints),
    (std::int64_t, repeats));     // jobs per config, each with its own training seed (the job's RNG_SEED)
  setup_options() : num_configs(0), num_samples(1000000), chunk_size(5000), rng_seed(0), repeats(1) {}

  /// @brief Keys newer than pycls's schema, left out of a written config while they keep their default,
  /// so a sweep that does not use them writes the same files as before they existed.
  [[nodiscard]] bool omitted_at_default(std::string_view key) const { return key == "REPEATS" && repeats == 1; }
};

/// @brief LAUNCH: how jobs are run (pycls's SLURM keys plus sweep's local backend).
struct launch_options {
  BOOST_HANA_DEFINE_STRUCT(launch_options,
    (std::string, mode),
    (std::string, conda_env),
    (std::int64_t, parallel_jobs),
    (std::int64_t, max_retry),
    (std::string, comment),
    (std::int64_t, num_gpus),
    (std::int64_t, cpus_per_gpu),
    (std::int64_t, mem_per_gpu),  // GB
    (std::string, partition),
    (std::string, gpu_type),
    (std::int64_t, time_limit),   // minutes
    (std::string, backend),       // a registered launch backend: local, slurm, or one of the user's
    (std::string, command),       // job command template: {cfg} {out_dir} {index} {mode}
    (std::int64_t, local_jobs),   // local backend: jobs at once; 0 = min(PARALLEL_JOBS, cores)
    (std::int64_t, nodes),        // cluster: nodes per job (SLURM --nodes)
    (std::int64_t, tasks_per_node),  // cluster: tasks per node; more than one task in all runs the job under srun
    (std::string, on_event),      // command template run (argv, no shell) on events: {event} {index} {sweep_dir}
    (std::int64_t, max_failures));  // fail-fast: no new job starts once this many failed for good; 0 = off
  launch_options()
      : mode("train"), parallel_jobs(128), max_retry(3), num_gpus(1), cpus_per_gpu(10),
        mem_per_gpu(60), time_limit(4200), backend("local"),
        command("python tools/run_net.py --mode {mode} --cfg {cfg} OUT_DIR {out_dir}"), local_jobs(0), nodes(1),
        tasks_per_node(1), max_failures(0) {}

  /// @brief LAUNCH.<BACKEND>: backends' own keys (see component_sections).
  component_sections extensions;
};

/// @brief COLLECT.
struct collect_options {
  BOOST_HANA_DEFINE_STRUCT(collect_options,
    (std::string, format),            // a registered log format: json_stats (pycls's), lightning_csv, or the user's
    (std::string, checkpoints_keep),  // all | last | none
    // The record names below default to pycls's; change them to collect any program's logs.
    (std::string, log_file),          // a job's log under logs/NNNNNN/
    (std::string, err_file),          // its stderr, copied into sweep.json as "err"
    (std::string, tag),               // the marker before each JSON record in a log line
    (std::string, type_key),          // the record field naming its type
    (std::string, epoch_key),         // the field "i/max" that makes a type an epoch series
    (std::vector<std::string>, skip_types),  // record types left out of sweep.json
    (std::string, progress_type),     // the epoch type whose last epoch is the job's progress
    (std::string, checkpoint_dir),    // under logs/NNNNNN/
    (std::string, checkpoint_prefix));  // files named <prefix>... are checkpoints
  collect_options()
      : format("json_stats"), checkpoints_keep("last"), log_file("stdout.log"), err_file("stderr.log"), tag("json_stats: "),
        type_key("_type"), epoch_key("epoch"), skip_types{"train_iter", "test_iter"},
        progress_type("test_epoch"), checkpoint_dir("checkpoints"), checkpoint_prefix("model_epoch_") {}

  /// @brief COLLECT.<FORMAT>: log formats' own keys (see component_sections).
  component_sections extensions;
};

/// @brief ANALYZE: what the report shows.
struct analyze_options {
  BOOST_HANA_DEFINE_STRUCT(analyze_options,
    (std::vector<std::string>, metrics),
    (std::vector<std::string>, complexity),
    (bool, plot_metric_values),
    (bool, plot_metric_trends),
    (bool, plot_complexity_values),
    (bool, plot_complexity_trends),
    (std::int64_t, plot_curves_best),
    (std::int64_t, plot_curves_worst),
    (std::int64_t, plot_models_best),
    (std::int64_t, plot_models_worst),
    (filter_set, pre_filters),
    (std::vector<std::pair<std::string, filter_set>>, split_filters),
    (std::vector<std::string>, extra_sweep_names),
    (std::string, error),         // dotted key of the error ("record.field"; a list is reduced by min)
    (std::int64_t, rng_seed),     // seed of the bootstrap, so a report is reproducible
    (std::vector<std::string>, sections));  // registered report sections, in page order; empty: pycls's

  analyze_options()
      : complexity{"flops", "params", "acts"}, plot_metric_values(true), plot_metric_trends(true),
        plot_complexity_values(true), plot_complexity_trends(true), plot_curves_best(0),
        plot_curves_worst(0), plot_models_best(0), plot_models_worst(0),
        error("test_ema_epoch.min_top1_err"), rng_seed(0) {}

  /// @brief ANALYZE.<SECTION>: report sections' own keys (see component_sections).
  component_sections extensions;
};

/// @brief EARLY_STOP: stopping bad jobs before their last epoch (off unless TYPE is set); see
/// docs/early_stopping.md. Not written out while off, so configs without it stay as they were.
struct early_stop_options {
  BOOST_HANA_DEFINE_STRUCT(early_stop_options,
    (std::string, type),               // "" or none: off; asha: asynchronous successive halving
    (std::string, metric),             // "record.field" compared at each rung; empty: ANALYZE.ERROR
    (std::string, mode),               // min (an error) or max (an accuracy)
    (std::int64_t, min_epochs),        // the first rung's epoch
    (std::int64_t, reduction_factor),  // eta: rung r is at MIN_EPOCHS * eta^r, and 1/eta of the jobs go on
    (std::int64_t, num_rungs),         // rungs at most; 0: every rung below a job's last epoch
    (double, check_period));           // seconds between two looks at a running job's log
  early_stop_options() : mode("min"), min_epochs(1), reduction_factor(3), num_rungs(0), check_period(10) {}

  [[nodiscard]] bool enabled() const { return !type.empty() && type != "none"; }
  /// @brief Left out when a config is written out (schema_to_value).
  [[nodiscard]] bool omitted() const { return !enabled(); }
};

/// @brief A whole sweep config: top-level keys and the four stages' options.
struct sweep_config {
  BOOST_HANA_DEFINE_STRUCT(sweep_config,
    (std::string, root_dir),
    (std::string, name),
    (std::string, desc),
    (std::int64_t, num_proc),
    (setup_options, setup),
    (launch_options, launch),
    (collect_options, collect),
    (analyze_options, analyze),
    (early_stop_options, early_stop));
  sweep_config()
      : root_dir("sweeps"),
        num_proc(std::max<std::int64_t>(1, static_cast<std::int64_t>(std::thread::hardware_concurrency()))) {}

  /// @brief The file this config was loaded from (empty when written as code); not a YAML key.
  std::string file;
  /// @brief The YAML text it was loaded from, copied as sweep_cfg.yaml by setup.
  std::string text;
  /// @brief The value tree it was loaded from (overrides applied): where each key was written, for
  /// errors found by the stages' checks (config/check.hpp). Null for a config written as code.
  std::shared_ptr<const value> source;
};

}  // namespace sweep
// ---- end sweep/config/sweep_config.hpp ----

// ---- begin sweep/config/yaml.hpp ----
// YAML <-> sweep::value. Scalars resolve as pycls's YAML loader would see them
// (bools, ints, floats, null; quoted scalars stay strings), and every value
// keeps the line it came from so errors can point at it.


#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>
#include <unordered_set>

namespace sweep {

namespace detail {

inline bool is_one_of(std::string_view s, std::initializer_list<std::string_view> words) {
  return std::find(words.begin(), words.end(), s) != words.end();
}

/// @brief A plain (unquoted) YAML scalar as YAML 1.1 resolves it: null, bool, int, float or string.
inline value resolve_plain_scalar(std::string_view s) {
  if (s.empty() || is_one_of(s, {"~", "null", "Null", "NULL"})) return value{};
  if (is_one_of(s, {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"})) return value{true};
  if (is_one_of(s, {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"})) return value{false};
  if (is_one_of(s, {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"})) return value{std::numeric_limits<double>::infinity()};
  if (is_one_of(s, {"-.inf", "-.Inf", "-.INF"})) return value{-std::numeric_limits<double>::infinity()};
  if (is_one_of(s, {".nan", ".NaN", ".NAN"})) return value{std::numeric_limits<double>::quiet_NaN()};
  std::string_view digits = s;
  if (digits.front() == '+') digits.remove_prefix(1);
  auto first = digits.data(), last = digits.data() + digits.size();
  std::int64_t i = 0;
  if (auto [p, ec] = std::from_chars(first, last, i); ec == std::errc{} && p == last) return value{i};
  // A float needs a digit and no characters from_chars would silently accept as special names.
  bool numeric = std::any_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
                 std::all_of(digits.begin(), digits.end(), [](char c) {
                   return (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+';
                 });
  double d = 0;
  if (auto [p, ec] = std::from_chars(first, last, d); numeric && ec == std::errc{} && p == last) return value{d};
  return value{std::string(s)};
}

/// @brief The most values one YAML text may expand to: aliases share nodes in yaml-cpp, so a few
/// lines of nested aliases (a "billion laughs") would otherwise expand to billions of values.
inline constexpr std::size_t max_yaml_values = std::size_t{1} << 20;

/// @brief The deepest nesting of values: beyond the parser's own guard only an alias that contains
/// itself (a cycle, which would recurse until the stack overflows) gets here.
inline constexpr int max_yaml_depth = 1000;

/// @brief The fewest bytes one YAML text may expand to (scalars, keys, and the indentation each value
/// gets when written back as a job config); beyond it, a text may expand to max_yaml_growth times its
/// own size. Aliases that repeat anchors are what grows a text, and every job config carries the
/// expanded copy: under the values budget alone a 613-byte config made 21 MB job configs.
inline constexpr std::size_t min_yaml_expanded_bytes = std::size_t{1} << 20;
inline constexpr std::size_t max_yaml_growth = 8;

/// @brief Where a document first breaks max_yaml_values or max_yaml_depth: the key path (built only
/// along the failing chain, as the walk unwinds) and the line.
struct yaml_limit_breach {
  bool too_deep = false;
  int line = 0;
  std::vector<std::string> reversed_path;  // "[i]" and ".KEY", innermost first

  std::string path() const {
    std::string out;
    for (auto it = reversed_path.rbegin(); it != reversed_path.rend(); ++it) out += *it;
    return out.starts_with('.') ? out.substr(1) : out;
  }
};

/// @brief Whether a document stays within max_yaml_values values and max_yaml_depth levels: counted
/// before the conversion, so those limits keep their own messages however the bytes add up, and
/// without building a key path per value (an alias inside itself made that walk quadratic).
inline bool within_yaml_value_limits(const YAML::Node& node, std::size_t& count, yaml_limit_breach& breach, int depth = 0) {
  if (++count > max_yaml_values || depth > max_yaml_depth) {
    breach.too_deep = depth > max_yaml_depth;
    breach.line = node.Mark().line + 1;
    return false;
  }
  if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i) {
      if (!within_yaml_value_limits(node[i], count, breach, depth + 1)) {
        breach.reversed_path.push_back(fmt::format("[{}]", i));
        return false;
      }
    }
  } else if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (!within_yaml_value_limits(it->second, count, breach, depth + 1)) {
        breach.reversed_path.push_back("." + (it->first.IsScalar() ? it->first.Scalar() : std::string("?")));
        return false;
      }
    }
  }
  return true;
}

/// @brief What one YAML text may still expand to in bytes (scalars, keys, indentation).
struct yaml_budget {
  std::size_t bytes = min_yaml_expanded_bytes;
  std::size_t max_bytes = min_yaml_expanded_bytes;

  /// @brief The budget of a text of `text_bytes` bytes.
  static yaml_budget for_text(std::size_t text_bytes) {
    yaml_budget b;
    b.bytes = b.max_bytes = std::max(min_yaml_expanded_bytes, text_bytes * max_yaml_growth);
    return b;
  }
};

/// @brief Charges `n` bytes to the budget, or throws naming the file, line and key path.
inline void spend_yaml_bytes(yaml_budget& budget, std::size_t n, const std::string& file, int line, const std::string& path) {
  if (n > budget.bytes) {
    throw error({file, line}, path.substr(0, 200),
                fmt::format("the YAML expands to more than {} bytes (aliases repeating large anchors?): expected a "
                            "smaller config", budget.max_bytes));
  }
  budget.bytes -= n;
}

inline value from_yaml_node(const YAML::Node& node, const std::string& file, const std::string& path,
                            yaml_budget& budget, int depth = 0) {
  int line = node.Mark().line + 1;  // within_yaml_value_limits has bounded the values and the depth
  // what the value costs in a job config written as YAML: its indentation and "- " or ": "
  spend_yaml_bytes(budget, 2 * static_cast<std::size_t>(depth) + 2, file, line, path);
  auto where = [&] { return source_location{file, line}; };
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return value{}.set_line(line);
    case YAML::NodeType::Scalar: {
      spend_yaml_bytes(budget, node.Scalar().size(), file, line, path);
      // "!" is the tag yaml-cpp gives quoted scalars: they are strings whatever they look like.
      if (node.Tag() == "!") return value{node.Scalar()}.set_line(line);
      return resolve_plain_scalar(node.Scalar()).set_line(line);
    }
    case YAML::NodeType::Sequence: {
      value::list items;
      items.reserve(node.size());
      for (std::size_t i = 0; i < node.size(); ++i) {
        items.push_back(from_yaml_node(node[i], file, fmt::format("{}[{}]", path, i), budget, depth + 1));
      }
      value out{std::move(items)};  // not `value{...}.set_line()`: that returns a reference, and
      out.set_line(line);             // copying each level's subtree made deep documents quadratic
      return out;
    }
    case YAML::NodeType::Map: {
      value::map entries;
      std::unordered_set<std::string> keys;  // a linear scan per key made a 10,000-key map quadratic
      for (auto it = node.begin(); it != node.end(); ++it) {
        if (!it->first.IsScalar()) throw error(where(), path, "map keys must be plain names");
        auto key = it->first.Scalar();
        auto child_path = path.empty() ? key : path + "." + key;
        spend_yaml_bytes(budget, key.size(), file, it->first.Mark().line + 1, child_path);
        if (!keys.insert(key).second) {
          throw error({file, it->first.Mark().line + 1}, child_path, "duplicate key");
        }
        entries.emplace_back(key, from_yaml_node(it->second, file, child_path, budget, depth + 1));
      }
      value out{std::move(entries)};
      out.set_line(line);
      return out;
    }
  }
  return value{};
}

/// @brief Rejects bytes that are not UTF-8 or are control characters, which YAML does not allow and later
/// stages could not print. UTF-8 means the shortest form of a Unicode scalar value: overlong encodings
/// (0xc0 0xaf for '/'), UTF-16 surrogates (U+D800-DFFF) and code points above U+10FFFF are refused too,
/// as Python's decoder refuses them, so they never reach job configs or the report.
inline void check_utf8(std::string_view text, const std::string& file) {
  int line = 1;
  auto bytes = [&](std::size_t i, int n) {
    std::string out;
    for (int k = 0; k < n && i + static_cast<std::size_t>(k) < text.size(); ++k) {
      out += fmt::format("{}0x{:02x}", k ? " " : "", static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]));
    }
    return out;
  };
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    int extra = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xe ? 2 : (c >> 3) == 0x1e ? 3 : -1;
    bool ok = extra >= 0 && i + static_cast<std::size_t>(extra) < text.size() + (extra == 0 ? 1 : 0);
    for (int k = 1; ok && k <= extra; ++k) ok = (static_cast<unsigned char>(text[i + k]) >> 6) == 0x2;
    if (!ok) throw error({file, line}, "", fmt::format("invalid UTF-8 byte 0x{:02x}: expected UTF-8 text", c));
    if (extra > 0) {
      std::uint32_t cp = c & (0x3fu >> extra);
      for (int k = 1; k <= extra; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3fu);
      constexpr std::uint32_t shortest[] = {0, 0x80, 0x800, 0x10000};
      if (cp < shortest[extra]) {
        throw error({file, line}, "", fmt::format("overlong UTF-8 encoding of U+{:04X} (bytes {}): expected UTF-8 text "
                                                  "in its shortest form", cp, bytes(i, extra + 1)));
      }
      if (cp >= 0xd800 && cp <= 0xdfff) {
        throw error({file, line}, "", fmt::format("UTF-16 surrogate U+{:04X} encoded as UTF-8 (bytes {}): expected "
                                                  "UTF-8 text", cp, bytes(i, extra + 1)));
      }
      if (cp > 0x10ffff) {
        throw error({file, line}, "", fmt::format("code point U+{:X} is above U+10FFFF (bytes {}): expected UTF-8 "
                                                  "text", cp, bytes(i, extra + 1)));
      }
    }
    // YAML (and PyYAML) allow no control characters but tab and line ends.
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
      throw error({file, line}, "", fmt::format("control character 0x{:02x}: expected printable text", c));
    }
    if (c == '\n') ++line;
    i += static_cast<std::size_t>(extra) + 1;
  }
}

}  // namespace detail

/// @brief Parses YAML text into a value; `file` names it in errors.
inline value load_yaml_text(std::string_view text, const std::string& file = "<yaml>") {
  detail::check_utf8(text, file);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::DeepRecursion& e) {
    throw error({file, e.mark.line + 1}, "", fmt::format("invalid YAML: nested more than {} levels deep", e.depth()));
  } catch (const YAML::Exception& e) {
    throw error({file, e.mark.line + 1}, "", fmt::format("invalid YAML: {}", e.msg));
  }
  std::size_t count = 0;
  detail::yaml_limit_breach breach;
  if (!detail::within_yaml_value_limits(root, count, breach)) {
    auto path = breach.path().substr(0, 200);
    if (breach.too_deep) {
      throw error({file, breach.line}, path,
                  fmt::format("nested more than {} levels deep (an alias inside itself?): expected a smaller config",
                              detail::max_yaml_depth));
    }
    throw error({file, breach.line}, path,
                fmt::format("the YAML expands to more than {} values (nested aliases?): expected a smaller config",
                            detail::max_yaml_values));
  }
  auto budget = detail::yaml_budget::for_text(text.size());
  return detail::from_yaml_node(root, file, "", budget);
}

/// @brief Parses a YAML file into a value.
inline value load_yaml_file(const std::filesystem::path& file) {
  return load_yaml_text(read_file(file), file.string());
}

namespace detail {

/// @brief A float as PyYAML writes it: repr() with a '.' before any exponent.
inline std::string yaml_float(double d) {
  if (std::isnan(d)) return ".nan";
  if (std::isinf(d)) return d > 0 ? ".inf" : "-.inf";
  auto text = python_float_repr(d);
  if (auto e = text.find('e'); e != std::string::npos && text.find('.') == std::string::npos) {
    text.insert(e, ".0");
  }
  return text;
}

inline void emit_yaml(YAML::Emitter& out, const value& v, bool sort_keys) {
  std::visit(
      [&](auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          out << YAML::Null;
        } else if constexpr (std::is_same_v<T, bool>) {
          out << YAML::TrueFalseBool << YAML::LowerCase << x;
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          out << fmt::format("{}", x);
        } else if constexpr (std::is_same_v<T, double>) {
          out << yaml_float(x);
        } else if constexpr (std::is_same_v<T, std::string>) {
          // A string that would read back as another type (or is empty) must be quoted.
          bool multiline = x.find('\n') != std::string::npos;
          if (multiline) {
            out << YAML::DoubleQuoted << x;
          } else if (x.empty() || !resolve_plain_scalar(x).is_string()) {
            out << YAML::SingleQuoted << x;
          } else {
            out << x;
          }
        } else if constexpr (std::is_same_v<T, value::list>) {
          if (x.empty()) {
            out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
            return;
          }
          out << YAML::BeginSeq;
          for (auto& item : x) emit_yaml(out, item, sort_keys);
          out << YAML::EndSeq;
        } else {
          if (x.empty()) {
            out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
            return;
          }
          std::vector<const std::pair<std::string, value>*> entries;
          for (auto& e : x) entries.push_back(&e);
          if (sort_keys) {
            std::sort(entries.begin(), entries.end(), [](auto* a, auto* b) { return a->first < b->first; });
          }
          out << YAML::BeginMap;
          for (auto* e : entries) {
            out << YAML::Key << e->first << YAML::Value;
            emit_yaml(out, e->second, sort_keys);
          }
          out << YAML::EndMap;
        }
      },
      v.data());
}

}  // namespace detail

/// @brief YAML text of a value, keys sorted like pycls's config dumps (or in order with sort_keys=false).
inline std::string to_yaml(const value& v, bool sort_keys = true) {
  YAML::Emitter out;
  out.SetIndent(2);
  detail::emit_yaml(out, v, sort_keys);
  std::string text = out.c_str();
  return text + "\n";
}

}  // namespace sweep
// ---- end sweep/config/yaml.hpp ----

// ---- begin sweep/config/load.hpp ----
// Loading a sweep config: YAML (plus yacs-style "KEY VALUE" overrides) into the
// sweep_config structs. The schema is the structs themselves (read through
// Hana), so an unknown key, a wrong type or a bad value is reported with the
// file, the line, the key path and what was expected.


// ---- begin sweep/config/check.hpp ----
// Checking a sweep config's values, one function per stage, run on both routes:
// the YAML loader reads types and keys, and each stage checks the values it
// uses when it starts (sweep::setup, launch, collect, analyze), so a sweep
// written as code is held to the same rules and `sweep analyze` never asks for
// keys only setup reads. Errors name the file, the line the key was written on
// (when loaded from YAML) and the key path.




namespace sweep {

/// @brief Raises sweep::error for a key of a config: `file:line: KEY.PATH: message`.
class config_checker {
 public:
  explicit config_checker(const sweep_config& cfg) : cfg_(cfg) {}

  /// @brief Where `key_path` ("LAUNCH.SLURM.SBATCH_ARGS[1]") was written (line 0 when it was not, or
  /// the config is code).
  [[nodiscard]] source_location where(std::string_view key_path) const {
    int line = 0;
    const value* node = cfg_.source.get();
    for (std::size_t at = 0; node != nullptr && at < key_path.size();) {
      auto end = key_path.find_first_of(".[", at);
      auto part = key_path.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
      if (!part.empty()) node = node->is_map() ? node->find(part) : nullptr;
      if (node != nullptr && end != std::string_view::npos && key_path[end] == '[') {
        std::size_t index = 0;
        auto close = key_path.find(']', end);
        for (auto i = end + 1; i < close && i < key_path.size(); ++i) index = index * 10 + static_cast<std::size_t>(key_path[i] - '0');
        node = node->is_list() && index < node->as_list().size() ? &node->as_list()[index] : nullptr;
        end = close == std::string_view::npos ? close : close + 1;
      }
      at = end == std::string_view::npos ? key_path.size() : end + (end < key_path.size() && key_path[end] == '.' ? 1 : 0);
    }
    if (node != nullptr && node != cfg_.source.get()) line = node->line();
    return {cfg_.file, line};
  }

  [[noreturn]] void fail(const std::string& key_path, std::string message) const {
    throw error(where(key_path), key_path, std::move(message));
  }

  void require(bool ok, const std::string& key_path, std::string_view message) const {
    if (!ok) fail(key_path, std::string(message));
  }

  [[nodiscard]] const sweep_config& config() const noexcept { return cfg_; }

 private:
  const sweep_config& cfg_;
};

/// @brief The most threads NUM_PROC may ask for.
inline constexpr std::int64_t max_num_proc = 1024;
/// @brief The most jobs SETUP.REPEATS may run per config (seeds: a few are the point, not thousands).
inline constexpr std::int64_t max_repeats = 1000;
/// @brief The most jobs one sweep may have (NUM_CONFIGS x REPEATS).
inline constexpr std::int64_t max_jobs = 100000000;

/// @brief ROOT_DIR, NAME (stays inside ROOT_DIR: relative, no "..", no control characters), NUM_PROC.
inline void check_common_options(const sweep_config& cfg) {
  config_checker c(cfg);
  c.require(!cfg.root_dir.empty(), "ROOT_DIR", "must not be empty: expected the folder sweeps go in");
  const auto& name = cfg.name;
  c.require(!name.empty(), "NAME", "is required: expected the sweep's name, e.g. cifar/cifar_optim");
  auto why = relative_path_problem(name, "ROOT_DIR");
  c.require(why.empty(), "NAME", why);
  c.require(cfg.num_proc >= 1, "NUM_PROC", fmt::format("expected at least 1, got {}", cfg.num_proc));
  // NUM_PROC is a number of threads (setup, collect); NUM_PROC x CHUNK_SIZE must also stay far from int64's end
  c.require(cfg.num_proc <= max_num_proc, "NUM_PROC",
            fmt::format("expected at most {} (a number of threads), got {}", max_num_proc, cfg.num_proc));
}

/// @brief SETUP: counts, seed, BASE_CFG and SAMPLERS shapes, constraints.
inline void check_setup_options(const sweep_config& cfg) {
  config_checker c(cfg);
  const auto& s = cfg.setup;
  bool finite_space = !s.space.is_null();
  c.require(s.num_configs > 0 || (finite_space && s.num_configs == 0), "SETUP.NUM_CONFIGS",
            fmt::format("expected a number of configs > 0, got {}", s.num_configs));
  c.require(s.num_samples >= 1, "SETUP.NUM_SAMPLES", fmt::format("expected at least 1, got {}", s.num_samples));
  c.require(s.chunk_size >= 1, "SETUP.CHUNK_SIZE", fmt::format("expected at least 1, got {}", s.chunk_size));
  // pycls draws whole chunks: a chunk above NUM_SAMPLES would draw past it, up to CHUNK_SIZE x NUM_PROC.
  c.require(s.chunk_size <= s.num_samples || s.num_samples < 1, "SETUP.CHUNK_SIZE",
            fmt::format("expected at most SETUP.NUM_SAMPLES ({}), got {}: candidates are drawn in whole chunks, so "
                        "NUM_SAMPLES would not bound the work; lower CHUNK_SIZE (pycls's default is 5000)",
                        s.num_samples, s.chunk_size));
  c.require(s.rng_seed >= 0 && s.rng_seed <= 0xFFFFFFFFLL, "SETUP.RNG_SEED",
            fmt::format("expected a seed in [0, 2**32 - 1], got {}", s.rng_seed));
  c.require(s.repeats >= 1, "SETUP.REPEATS",
            fmt::format("expected at least 1 (jobs per config, each with its own RNG_SEED), got {}", s.repeats));
  c.require(s.repeats <= max_repeats, "SETUP.REPEATS",
            fmt::format("expected at most {} (jobs per config, each with its own RNG_SEED), got {}", max_repeats, s.repeats));
  // NUM_CONFIGS x REPEATS jobs: far below int64's end, and numbered with the job configs' six digits and more
  c.require(s.repeats < 1 || s.repeats > max_repeats || s.num_configs <= max_jobs / s.repeats, "SETUP.REPEATS",
            fmt::format("NUM_CONFIGS ({}) x REPEATS ({}) jobs: expected at most {} jobs in all", s.num_configs,
                        s.repeats, max_jobs));
  c.require(s.base_cfg.is_null() || s.base_cfg.is_map(), "SETUP.BASE_CFG", "expected a map (the job's config)");
  c.require(s.samplers.is_null() || s.samplers.is_map(), "SETUP.SAMPLERS", "expected a map: dotted key -> sampler");
  auto check_cx = [&](const char* key, const std::array<double, 2>& range) {
    auto path = std::string("SETUP.CONSTRAINTS.CX.") + key;
    c.require(range[0] >= 0 && range[1] >= 0, path, "expected [low, high] with bounds >= 0 (0: no bound)");
    c.require(range[1] == 0 || range[0] <= range[1], path,
              fmt::format("low {} is greater than high {}: expected [low, high]", range[0], range[1]));
  };
  check_cx("FLOPS", s.constraints.cx.flops);
  check_cx("PARAMS", s.constraints.cx.params);
  check_cx("ACTS", s.constraints.cx.acts);
  auto& stages = s.constraints.regnet.num_stages;
  c.require(stages[0] >= 1 && stages[0] <= stages[1], "SETUP.CONSTRAINTS.REGNET.NUM_STAGES",
            fmt::format("expected [low, high] with 1 <= low <= high, got [{}, {}]", stages[0], stages[1]));
}

/// @brief LAUNCH's keys every backend uses (the backend's own keys are its own check: launch/backend.hpp).
inline void check_launch_common_options(const sweep_config& cfg) {
  config_checker c(cfg);
  const auto& l = cfg.launch;
  c.require(l.parallel_jobs >= 1, "LAUNCH.PARALLEL_JOBS", fmt::format("expected at least 1, got {}", l.parallel_jobs));
  c.require(l.max_retry >= 0, "LAUNCH.MAX_RETRY", fmt::format("expected 0 or more, got {}", l.max_retry));
  // The cap keeps deadlines (nanoseconds on a steady clock, int64) far from overflow: 10^7 minutes is 19 years.
  c.require(l.time_limit >= 1 && l.time_limit <= 10'000'000, "LAUNCH.TIME_LIMIT",
            fmt::format("expected 1 to 10000000 minutes (19 years), got {}", l.time_limit));
  c.require(!l.backend.empty(), "LAUNCH.BACKEND", "is empty: expected the name of a launch backend");
}

/// @brief COLLECT's keys (the log format's name is checked against its registry by collect). The file and
/// folder names are joined onto each job's folder, so they must stay inside it (relative_path_problem):
/// collect reads them and deletes checkpoints there.
inline void check_collect_options(const sweep_config& cfg) {
  config_checker c(cfg);
  const auto& o = cfg.collect;
  const auto& keep = o.checkpoints_keep;
  c.require(keep == "all" || keep == "last" || keep == "none", "COLLECT.CHECKPOINTS_KEEP",
            fmt::format("expected one of all, last, none; got '{}'", keep));
  for (auto [key, rel] : {std::pair{"COLLECT.LOG_FILE", &o.log_file}, {"COLLECT.ERR_FILE", &o.err_file},
                          {"COLLECT.CHECKPOINT_DIR", &o.checkpoint_dir}}) {
    auto why = relative_path_problem(*rel, "the job's folder");
    c.require(why.empty(), key, why);
  }
  const auto& prefix = o.checkpoint_prefix;
  c.require(!prefix.empty(), "COLLECT.CHECKPOINT_PREFIX",
            "is empty: expected the part of a checkpoint's file name that marks it, e.g. model_epoch_ (empty would "
            "name every file)");
  bool bad = std::any_of(prefix.begin(), prefix.end(),
                         [](char ch) { return ch == '/' || static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f; });
  c.require(!bad, "COLLECT.CHECKPOINT_PREFIX",
            fmt::format("'{}' has a '/' or a control character: expected part of a file name, e.g. model_epoch_", prefix));
}

/// @brief ANALYZE's keys (section names are checked against their registry by analyze).
inline void check_analyze_options(const sweep_config& cfg) {
  config_checker c(cfg);
  const auto& a = cfg.analyze;
  for (auto [key, count] : {std::pair{"PLOT_CURVES_BEST", a.plot_curves_best}, {"PLOT_CURVES_WORST", a.plot_curves_worst},
                            {"PLOT_MODELS_BEST", a.plot_models_best}, {"PLOT_MODELS_WORST", a.plot_models_worst}}) {
    c.require(count >= 0, std::string("ANALYZE.") + key, fmt::format("expected 0 or more, got {}", count));
  }
  auto check_filters = [&](const std::string& path, const filter_set& filters) {
    for (auto& [metric, range] : filters) {
      c.require(range[0] <= range[2], path + "." + metric,
                fmt::format("min {} is greater than max {}: expected [min, med, max]", range[0], range[2]));
    }
  };
  // Other sweeps under ROOT_DIR, as NAME names this one: subfolders are fine, leaving ROOT_DIR is not.
  for (std::size_t i = 0; i < a.extra_sweep_names.size(); ++i) {
    auto why = relative_path_problem(a.extra_sweep_names[i], "ROOT_DIR");
    c.require(why.empty(), fmt::format("ANALYZE.EXTRA_SWEEP_NAMES[{}]", i), why);
  }
  check_filters("ANALYZE.PRE_FILTERS", a.pre_filters);
  for (auto& [name, filters] : a.split_filters) check_filters("ANALYZE.SPLIT_FILTERS." + name, filters);
}

/// @brief EARLY_STOP's keys (docs/early_stopping.md): checked by launch, `sweep job` and `sweep simulate`.
inline void check_early_stop_options(const sweep_config& cfg) {
  config_checker c(cfg);
  const auto& e = cfg.early_stop;
  c.require(e.type.empty() || e.type == "none" || e.type == "asha", "EARLY_STOP.TYPE",
            fmt::format("expected asha (asynchronous successive halving) or none, got '{}'", e.type));
  if (!e.enabled()) return;
  const auto& metric = e.metric.empty() ? cfg.analyze.error : e.metric;
  auto dot = metric.find('.');
  c.require(dot != std::string::npos && dot > 0 && dot + 1 < metric.size() && metric.find('.', dot + 1) == std::string::npos,
            e.metric.empty() ? "ANALYZE.ERROR" : "EARLY_STOP.METRIC",
            fmt::format("expected record.field of an epoch record (e.g. test_epoch.top1_err), got '{}'", metric));
  c.require(e.mode == "min" || e.mode == "max", "EARLY_STOP.MODE",
            fmt::format("expected min (lower is better, an error) or max (an accuracy), got '{}'", e.mode));
  c.require(e.min_epochs >= 1, "EARLY_STOP.MIN_EPOCHS", fmt::format("expected the first rung's epoch, at least 1, got {}", e.min_epochs));
  c.require(e.reduction_factor >= 2 && e.reduction_factor <= 1000, "EARLY_STOP.REDUCTION_FACTOR",
            fmt::format("expected 2 to 1000 (eta: 1/eta of the jobs pass each rung), got {}", e.reduction_factor));
  c.require(e.num_rungs >= 0 && e.num_rungs <= 60, "EARLY_STOP.NUM_RUNGS",
            fmt::format("expected 0 (every rung below a job's last epoch) to 60, got {}", e.num_rungs));
  c.require(e.check_period > 0 && e.check_period <= 86400, "EARLY_STOP.CHECK_PERIOD",
            fmt::format("expected seconds between two looks at a running job's log, above 0 and at most 86400, got {}",
                        e.check_period));
}

}  // namespace sweep
// ---- end sweep/config/check.hpp ----

#include <boost/hana/accessors.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/keys.hpp>
#include <boost/hana/string.hpp>


namespace sweep {

namespace detail {

template <class T>
concept reflected_struct = boost::hana::Struct<T>::value;

template <class T>
struct is_std_array : std::false_type {};
template <class T, std::size_t N>
struct is_std_array<std::array<T, N>> : std::true_type {};

template <class T>
struct is_ordered_map : std::false_type {};
template <class T>
struct is_ordered_map<std::vector<std::pair<std::string, T>>> : std::true_type {};

inline std::string upper(std::string_view name) {
  std::string out(name);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

/// @brief The YAML key names of a reflected struct's fields, in declaration order.
template <reflected_struct T>
std::vector<std::string> field_keys() {
  std::vector<std::string> keys;
  boost::hana::for_each(boost::hana::keys(T{}), [&](auto key) { keys.push_back(upper(boost::hana::to<char const*>(key))); });
  return keys;
}

/// @brief Reads a value tree into a schema object, naming file, line and key path on any mismatch.
class schema_reader {
 public:
  explicit schema_reader(std::string file) : file_(std::move(file)) {}

  template <class T>
  void read(const value& node, const std::string& path, T& out) const {
    if constexpr (reflected_struct<T>) {
      read_struct(node, path, out);
    } else if constexpr (std::is_same_v<T, value>) {
      out = node;
    } else if constexpr (std::is_same_v<T, bool>) {
      if (!node.is_bool()) fail(node, path, "true or false");
      out = node.as_bool();
    } else if constexpr (std::is_same_v<T, std::int64_t>) {
      if (!node.is_int()) fail(node, path, "an integer");
      out = node.as_int();
    } else if constexpr (std::is_same_v<T, double>) {
      if (!node.is_number()) fail(node, path, "a number");
      out = node.as_float();
      if (!std::isfinite(out)) fail(node, path, "a finite number");
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (node.is_null()) {
        out.clear();
      } else {
        if (!node.is_string()) fail(node, path, "a string");
        out = node.as_string();
      }
    } else if constexpr (is_std_array<T>::value) {
      if (!node.is_list() || node.as_list().size() != std::tuple_size_v<T>) {
        fail(node, path, fmt::format("a list of {} numbers", std::tuple_size_v<T>));
      }
      for (std::size_t i = 0; i < out.size(); ++i) read(node.as_list()[i], fmt::format("{}[{}]", path, i), out[i]);
    } else if constexpr (is_ordered_map<T>::value) {
      out.clear();
      if (node.is_null()) return;
      if (!node.is_map()) fail(node, path, "a map");
      for (auto& [key, child] : node.as_map()) {
        read(child, path + "." + key, out.emplace_back(key, typename T::value_type::second_type{}).second);
      }
    } else {
      static_assert(std::is_same_v<T, std::vector<std::string>>,
                    "sweep schema fields must be bool, int64, double, string, value, std::array, "
                    "a list of strings, an ordered map or a reflected struct");
      out.clear();
      if (node.is_null()) return;
      if (!node.is_list()) fail(node, path, "a list of strings");
      for (std::size_t i = 0; i < node.as_list().size(); ++i) {
        read(node.as_list()[i], fmt::format("{}[{}]", path, i), out.emplace_back());
      }
    }
  }

  [[noreturn]] void fail(const value& node, const std::string& path, std::string_view expected) const {
    throw error({file_, node.line()}, path, fmt::format("expected {}, got {} ({})", expected, node.kind(), node.python_repr()));
  }

 private:
  template <class T>
  void read_struct(const value& node, const std::string& path, T& out) const {
    if (node.is_null()) return;  // "SECTION:" with nothing under it keeps the defaults
    if (!node.is_map()) fail(node, path, "a map of keys");
    auto keys = field_keys<T>();
    for (auto& [key, child] : node.as_map()) {
      if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
      // A stage's component section (LAUNCH.SLURM, ...): its stage checks it names a registered component.
      if constexpr (requires { out.extensions; }) {
        if (child.is_map()) {
          out.extensions.emplace_back(key, child);
          continue;
        }
      }
      auto full = path.empty() ? key : path + "." + key;
      throw error({file_, child.line()}, full, "unknown key" + did_you_mean(key, keys));
    }
    boost::hana::for_each(boost::hana::accessors<T>(), [&](auto pair) {
      auto key = upper(boost::hana::to<char const*>(boost::hana::first(pair)));
      if (auto* child = node.child(key)) {
        read(*child, path.empty() ? key : path + "." + key, boost::hana::second(pair)(out));
      }
    });
  }

  std::string file_;
};

/// @brief A schema object as a value tree (the inverse of schema_reader), for writing sweep_cfg.yaml.
template <class T>
value schema_to_value(const T& x) {
  if constexpr (reflected_struct<T>) {
    value::map out;
    boost::hana::for_each(boost::hana::accessors<T>(), [&](auto pair) {
      auto key = upper(boost::hana::to<char const*>(boost::hana::first(pair)));
      const auto& field = boost::hana::second(pair)(x);
      if constexpr (requires { field.omitted(); }) {
        if (field.omitted()) return;  // an optional section that is off (EARLY_STOP)
      }
      if constexpr (requires { x.omitted_at_default(key); }) {
        if (x.omitted_at_default(key)) return;  // a key at its default that older files lack (REPEATS)
      }
      out.emplace_back(std::move(key), schema_to_value(field));
    });
    if constexpr (requires { x.extensions; }) out.insert(out.end(), x.extensions.begin(), x.extensions.end());
    return value{std::move(out)};
  } else if constexpr (std::is_same_v<T, value> || std::is_same_v<T, bool> || std::is_same_v<T, std::int64_t> ||
                       std::is_same_v<T, double> || std::is_same_v<T, std::string>) {
    return value{x};
  } else if constexpr (is_ordered_map<T>::value) {
    value::map out;
    for (auto& [k, v] : x) out.emplace_back(k, schema_to_value(v));
    return value{std::move(out)};
  } else {
    value::list out;
    for (auto& item : x) out.push_back(schema_to_value(item));
    return value{std::move(out)};
  }
}

}  // namespace detail

namespace detail {

/// @brief The segments of an override key: dots separate them, except inside "double quotes" or
/// [brackets], which make one literal segment (`SETUP.SAMPLERS[OPTIM.MOMENTUM]` names a new sampler).
/// Returns false for an empty segment or an unclosed quote or bracket.
inline bool split_override_key(std::string_view key, std::vector<std::pair<std::string, bool>>& out) {
  out.clear();
  std::string part;
  bool literal = false, had = false;
  for (std::size_t i = 0; i <= key.size(); ++i) {
    if (i == key.size() || key[i] == '.') {
      if (!had && part.empty()) return false;
      out.emplace_back(std::move(part), literal);
      part.clear();
      literal = had = false;
      continue;
    }
    if (key[i] == '"' || key[i] == '[') {
      auto close = key.find(key[i] == '"' ? '"' : ']', i + 1);
      if (key[i] == '[' && !part.empty() && !had) {  // SAMPLERS[OPTIM.BASE_LR]: a word, then a literal
        out.emplace_back(std::move(part), false);
        part.clear();
      }
      if (close == std::string_view::npos || !part.empty() || had) return false;
      part = std::string(key.substr(i + 1, close - i - 1));
      literal = had = true;
      i = close;
      if (i + 1 < key.size() && key[i + 1] != '.') return false;
      continue;
    }
    if (had) return false;
    part += key[i];
  }
  return !out.empty();
}

/// @brief The node an override key names, created (with the maps above it) if missing. Where a map
/// already holds a dotted key (a sampler's `OPTIM.BASE_LR` under SETUP.SAMPLERS), the longest run of
/// segments that spells one of its keys is taken as that key, so `SETUP.SAMPLERS.OPTIM.BASE_LR.RANGE`
/// reaches one field of one sampler. Null when a parent is not a map.
inline value* override_target(value& root, const std::vector<std::pair<std::string, bool>>& parts) {
  value* node = &root;
  for (std::size_t i = 0; i < parts.size();) {
    if (node->is_null()) *node = value{value::map{}};
    if (!node->is_map()) return nullptr;
    std::size_t used = 1;
    std::string key = parts[i].first;
    if (!parts[i].second) {
      std::string joined = parts[i].first;
      for (std::size_t j = i + 1; j < parts.size() && !parts[j].second; ++j) {
        joined += "." + parts[j].first;
        if (node->child(joined) != nullptr) {
          key = joined;
          used = j - i + 1;
        }
      }
    }
    value* next = node->child(key);
    if (next == nullptr) next = &node->as_map().emplace_back(key, value{}).second;
    node = next;
    i += used;
  }
  return node;
}

/// @brief An override key as error messages spell it: its segments joined by dots.
inline std::string override_key_path(const std::vector<std::pair<std::string, bool>>& parts) {
  std::string out;
  for (auto& [part, literal] : parts) out += (out.empty() ? "" : ".") + part;
  return out;
}

}  // namespace detail

/// @brief Overrides as KEY VALUE pairs: a `KEY=VALUE` word where a key is expected is split in two
/// (a value is never split: `LAUNCH.COMMAND "prog --a=b"` keeps its `=`).
inline std::vector<std::string> normalize_overrides(const std::vector<std::string>& overrides) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < overrides.size(); ++i) {
    const auto& word = overrides[i];
    auto eq = word.find('=');
    bool key_position = out.size() % 2 == 0;
    if (key_position && eq != std::string::npos && eq > 0 && word.find_first_of(" \t") > eq) {
      out.push_back(word.substr(0, eq));
      out.push_back(word.substr(eq + 1));
    } else {
      out.push_back(word);
    }
  }
  return out;
}

/// @brief Applies yacs-style overrides "KEY VALUE ..." (or `KEY=VALUE`) to a loaded tree (a sweep or job
/// config), as load_sweep_config and `sweep complexity` do; values are YAML scalars or flow lists. A key
/// reaches one field of a sampler whose key has dots (`SETUP.SAMPLERS.OPTIM.BASE_LR.RANGE`, or
/// `SETUP.SAMPLERS[OPTIM.BASE_LR].RANGE`). Throws sweep::error at `command line: KEY` for an odd count,
/// a bad key, or a key below a non-map.
/// @sa docs/yaml.md
inline void apply_overrides(value& root, const std::vector<std::string>& given) {
  auto overrides = normalize_overrides(given);
  if (overrides.size() % 2 != 0) {
    throw error({"command line", 0}, overrides.back(),
                fmt::format("override has no value: expected KEY VALUE pairs, e.g. `{0} VALUE` or `{0}=VALUE`", overrides.back()));
  }
  std::vector<std::pair<std::string, bool>> parts;
  for (std::size_t i = 0; i < overrides.size(); i += 2) {
    const auto& key = overrides[i];
    if (!detail::split_override_key(key, parts)) {
      throw error({"command line", 0}, key,
                  "expected a dotted key such as SETUP.NUM_CONFIGS (a sampler's field: "
                  "SETUP.SAMPLERS.OPTIM.BASE_LR.RANGE or SETUP.SAMPLERS[OPTIM.BASE_LR].RANGE)");
    }
    value parsed = load_yaml_text(overrides[i + 1], "command line: " + key);
    parsed.set_line(0);  // a line of the override's text is no line of the config file
    auto* target = detail::override_target(root, parts);
    if (target == nullptr) throw error({"command line", 0}, key, "a parent of this key is not a map");
    *target = std::move(parsed);
  }
}

/// @brief An error about a key that an override set, blamed on the command line (`command line: KEY: ...`)
/// rather than on the config file, whose text does not hold that value; nullopt for other errors.
inline std::optional<error> blame_override(const error& e, const std::vector<std::string>& given) {
  if (e.key_path().empty() || e.where().file == "command line") return std::nullopt;
  auto overrides = normalize_overrides(given);
  std::vector<std::pair<std::string, bool>> parts;
  for (std::size_t i = 0; i + 1 < overrides.size(); i += 2) {
    if (!detail::split_override_key(overrides[i], parts)) continue;
    auto key = detail::override_key_path(parts);
    const auto& path = e.key_path();
    if (path == key || (path.starts_with(key) && (path[key.size()] == '.' || path[key.size()] == '['))) {
      return error({"command line", 0}, path, e.message());
    }
  }
  return std::nullopt;
}

/// @brief A sweep config from a YAML value tree (already loaded); `file` names it in errors.
/// Keys and types are checked here, values by each stage as it starts (config/check.hpp); the
/// top-level keys every stage uses (ROOT_DIR, NAME, NUM_PROC) are checked here too.
inline sweep_config sweep_config_from_value(const value& root, const std::string& file) {
  sweep_config cfg;
  cfg.file = file;
  detail::schema_reader reader(file);
  if (!root.is_map()) reader.fail(root, "", "a sweep config (a map with NAME, SETUP, ...)");
  reader.read(root, "", cfg);
  cfg.source = std::make_shared<const value>(root);
  check_common_options(cfg);
  return cfg;
}

/// @brief Loads and checks a sweep config file, with yacs-style overrides "KEY VALUE ..." applied on top.
inline sweep_config load_sweep_config(const std::filesystem::path& file, const std::vector<std::string>& overrides = {}) {
  auto text = read_file(file);
  auto root = load_yaml_text(text, file.string());
  if (root.is_null()) root = value::map{};
  apply_overrides(root, overrides);
  sweep_config cfg;
  try {
    cfg = sweep_config_from_value(root, file.string());
  } catch (const error& e) {
    if (auto blamed = blame_override(e, overrides)) throw *blamed;
    throw;
  }
  cfg.text = overrides.empty() ? text : "# " + file.string() + " with overrides applied\n" + to_yaml(root, false);
  return cfg;
}

/// @brief A sweep config as YAML text: the text it was loaded from, or its schema written out (sweeps as code).
inline std::string sweep_config_yaml(const sweep_config& cfg) {
  return cfg.text.empty() ? to_yaml(detail::schema_to_value(cfg), false) : cfg.text;
}

/// @brief The sweep's folder, ROOT_DIR/NAME.
inline std::filesystem::path sweep_dir(const sweep_config& cfg) {
  return std::filesystem::path(cfg.root_dir) / cfg.name;
}

}  // namespace sweep
// ---- end sweep/config/load.hpp ----
// ---- end sweep/config.hpp ----

// ---- begin sweep/models.hpp ----
// Umbrella header of the models stage: includes every public header of include/sweep/models/.


// ---- begin sweep/models/anynet.hpp ----
// pycls's AnyNet (pycls/models/anynet.py): a stem, stages of identical blocks,
// a head. RegNet is an AnyNet whose stages come from a formula (regnet.hpp).


// ---- begin sweep/models/complexity.hpp ----
// Model complexity (flops, params, acts) and the per-layer rules pycls uses to
// count it (pycls/models/blocks.py, the *_cx functions). Every figure is an exact
// integer, so families compare equal with pycls's numbers, not just close.




namespace sweep {

/// @brief A model's complexity at TRAIN.IM_SIZE: multiply-adds, parameters and activations.
struct complexity {
  std::int64_t flops = 0;
  std::int64_t params = 0;
  std::int64_t acts = 0;

  friend bool operator==(const complexity&, const complexity&) = default;
};

/// @brief `{"flops": N, "params": N, "acts": N}`: the shape of pycls's complexity record.
inline std::string to_json(const complexity& cx) {
  return fmt::format(R"({{"flops": {}, "params": {}, "acts": {}}})", cx.flops, cx.params, cx.acts);
}

namespace detail {

/// @brief The running state of a complexity count: feature-map size and the three sums. Every
/// product and sum is checked: huge widths or image sizes set `overflow` instead of wrapping
/// (signed overflow is undefined), and the family's count then fails with checked_sum.
struct cx_state {
  std::int64_t h = 0;
  std::int64_t w = 0;
  complexity sum;
  bool overflow = false;

  explicit constexpr cx_state(std::int64_t im_size) noexcept : h(im_size), w(im_size) {}

  /// @brief a * b, or 0 with `overflow` set.
  constexpr std::int64_t mul(std::int64_t a, std::int64_t b) noexcept {
    std::int64_t r = 0;
    if (__builtin_mul_overflow(a, b, &r)) overflow = true;
    return overflow ? 0 : r;
  }
  /// @brief A width computed in floating point (w x bot_mul), or 0 with `overflow` set when it is no int64.
  constexpr std::int64_t to_int(double x) noexcept {
    if (!(x > -9.2e18 && x < 9.2e18)) overflow = true;
    return overflow ? 0 : static_cast<std::int64_t>(x);
  }
  /// @brief total += v, or `overflow` set.
  constexpr void add(std::int64_t& total, std::int64_t v) noexcept {
    if (__builtin_add_overflow(total, v, &total)) overflow = true;
  }
};

/// @brief The sums of a count, or sweep::error naming `key` (the family's section) when one overflowed.
inline complexity checked_sum(const cx_state& cx, std::string_view key) {
  if (cx.overflow) {
    throw error({}, std::string(key),
                "the model's flops, params or acts do not fit in a 64-bit integer: expected smaller widths, depths "
                "or image size");
  }
  return cx.sum;
}

/// @brief A k x k convolution (odd k, padding (k-1)/2), as pycls's conv2d_cx.
inline constexpr void conv2d_cx(cx_state& cx, std::int64_t w_in, std::int64_t w_out, std::int64_t k,
                                std::int64_t stride = 1, std::int64_t groups = 1, bool bias = false) noexcept {
  // h >= 1 always, so C++'s truncating division equals Python's floor division here.
  if (stride != 1) {  // most convs keep the size: skip two 64-bit divisions
    cx.h = (cx.h - 1) / stride + 1;
    cx.w = (cx.w - 1) / stride + 1;
  }
  const std::int64_t hw = cx.mul(cx.h, cx.w);
  const std::int64_t kk = cx.mul(cx.mul(cx.mul(k, k), w_in), w_out);
  const std::int64_t kk_hw = cx.mul(kk, hw);
  cx.add(cx.sum.flops, groups == 1 ? kk_hw : kk_hw / groups);
  if (bias) cx.add(cx.sum.flops, cx.mul(w_out, hw));
  cx.add(cx.sum.params, (groups == 1 ? kk : kk / groups) + (bias ? w_out : 0));
  cx.add(cx.sum.acts, cx.mul(w_out, hw));
}

/// @brief Batch norm: two parameters per channel.
inline constexpr void norm2d_cx(cx_state& cx, std::int64_t w_in) noexcept { cx.add(cx.sum.params, cx.mul(2, w_in)); }

/// @brief Max pooling (odd k): shrinks the map, counts its activations.
inline constexpr void pool2d_cx(cx_state& cx, std::int64_t w_in, std::int64_t stride) noexcept {
  cx.h = (cx.h - 1) / stride + 1;
  cx.w = (cx.w - 1) / stride + 1;
  cx.add(cx.sum.acts, cx.mul(cx.mul(w_in, cx.h), cx.w));
}

/// @brief Global average pooling: free, but the map becomes 1 x 1.
inline constexpr void gap2d_cx(cx_state& cx) noexcept { cx.h = cx.w = 1; }

/// @brief A fully connected layer.
inline constexpr void linear_cx(cx_state& cx, std::int64_t w_in, std::int64_t w_out, bool bias) noexcept {
  const std::int64_t weights = cx.mul(w_in, w_out);
  cx.add(cx.sum.flops, weights);
  cx.add(cx.sum.params, weights);
  if (bias) {
    cx.add(cx.sum.flops, w_out);
    cx.add(cx.sum.params, w_out);
  }
  cx.add(cx.sum.acts, w_out);
}

/// @brief Squeeze-and-excitation: pool, 1x1 down, 1x1 up (with bias); the map size is kept.
inline constexpr void se_cx(cx_state& cx, std::int64_t w_in, std::int64_t w_se) noexcept {
  const auto h = cx.h, w = cx.w;
  gap2d_cx(cx);
  conv2d_cx(cx, w_in, w_se, 1, 1, 1, true);
  conv2d_cx(cx, w_se, w_in, 1, 1, 1, true);
  cx.h = h;
  cx.w = w;
}

}  // namespace detail
}  // namespace sweep
// ---- end sweep/models/complexity.hpp ----

// ---- begin sweep/models/detail/cfg_reader.hpp ----
// Typed reads of a job config's model keys, with pycls's defaults for keys the
// config leaves out, and errors that name the key path, its line and what was
// expected. Sections are looked up once so the RegNet fast path stays cheap.




namespace sweep::detail {

/// @brief Python's round() of a float: half to even (the default FP rounding mode does that).
inline double py_round(double x) noexcept { return std::nearbyint(x); }

/// @brief Throws a sweep::error for `key` at the line of `node` (if known).
[[noreturn]] inline void model_key_error(const value* node, std::string_view key, std::string message) {
  throw error(source_location{"", node != nullptr ? node->line() : 0}, std::string(key), std::move(message));
}

/// @brief Reads keys of one section (MODEL, REGNET, ...) of a job config.
class section_reader {
 public:
  section_reader(const value& job_cfg, std::string_view section) noexcept
      : node_(job_cfg.child(section)), section_(section) {}

  /// @brief The node of KEY in the section, or nullptr when the config leaves it out.
  [[nodiscard]] const value* find(std::string_view key) const noexcept {
    return node_ != nullptr ? node_->child(key) : nullptr;
  }
  [[nodiscard]] std::string path(std::string_view key) const { return fmt::format("{}.{}", section_, key); }

  [[nodiscard]] std::int64_t get_int(std::string_view key, std::int64_t fallback) const {
    const value* v = find(key);
    return v == nullptr ? fallback : to_int(*v, key);
  }
  [[nodiscard]] double get_number(std::string_view key, double fallback) const {
    const value* v = find(key);
    if (v == nullptr) return fallback;
    if (!v->is_number()) fail(v, key, fmt::format("expected a number, got {} ({})", v->kind(), v->python_repr()));
    return v->as_float();
  }
  [[nodiscard]] bool get_bool(std::string_view key, bool fallback) const {
    const value* v = find(key);
    if (v == nullptr) return fallback;
    if (!v->is_bool()) fail(v, key, fmt::format("expected true or false, got {} ({})", v->kind(), v->python_repr()));
    return v->as_bool();
  }
  [[nodiscard]] std::string_view get_string(std::string_view key, std::string_view fallback) const {
    const value* v = find(key);
    if (v == nullptr) return fallback;
    if (!v->is_string()) fail(v, key, fmt::format("expected a string, got {} ({})", v->kind(), v->python_repr()));
    return v->as_string();
  }
  /// @brief A list of integers (empty when left out).
  [[nodiscard]] std::vector<std::int64_t> get_int_list(std::string_view key) const {
    std::vector<std::int64_t> out;
    if (const value* v = list_node(key)) {
      for (auto& item : v->as_list()) out.push_back(to_int(item, key));
    }
    return out;
  }
  /// @brief A list of numbers (empty when left out); `ints` tells which items were written as integers.
  [[nodiscard]] std::vector<double> get_number_list(std::string_view key, std::vector<bool>* ints = nullptr) const {
    std::vector<double> out;
    if (const value* v = list_node(key)) {
      for (auto& item : v->as_list()) {
        if (!item.is_number()) {
          fail(&item, key, fmt::format("expected a list of numbers, got an item {} ({})", item.kind(), item.python_repr()));
        }
        out.push_back(item.as_float());
        if (ints != nullptr) ints->push_back(item.is_int());
      }
    }
    return out;
  }

  /// @brief Throws an error for KEY of this section at the line of `node`.
  [[noreturn]] void fail(const value* node, std::string_view key, std::string message) const {
    model_key_error(node != nullptr ? node : find(key), path(key), std::move(message));
  }

 private:
  [[nodiscard]] const value* list_node(std::string_view key) const {
    const value* v = find(key);
    if (v == nullptr || v->is_null()) return nullptr;
    if (!v->is_list()) fail(v, key, fmt::format("expected a list, got {} ({})", v->kind(), v->python_repr()));
    return v;
  }
  [[nodiscard]] std::int64_t to_int(const value& v, std::string_view key) const {
    if (v.is_int()) return v.as_int();
    // An integral float (8.0) counts the same in pycls's arithmetic.
    if (v.is_float() && std::isfinite(v.as_float()) && v.as_float() == std::trunc(v.as_float()) &&
        std::fabs(v.as_float()) < 9.0e15) {
      return static_cast<std::int64_t>(v.as_float());
    }
    fail(&v, key, fmt::format("expected an integer, got {} ({})", v.kind(), v.python_repr()));
  }

  const value* node_;
  std::string_view section_;
};

/// @brief The pycls defaults this stage needs from outside the model sections.
inline constexpr std::int64_t default_num_classes = 10;
inline constexpr std::int64_t default_train_im_size = 224;
inline constexpr std::int64_t default_test_im_size = 256;

/// @brief TRAIN.IM_SIZE (default 224), checked to be positive.
inline std::int64_t read_im_size(const value& job_cfg) {
  section_reader train(job_cfg, "TRAIN");
  auto size = train.get_int("IM_SIZE", default_train_im_size);
  if (size <= 0) train.fail(nullptr, "IM_SIZE", fmt::format("expected a positive image size, got {}", size));
  return size;
}

/// @brief MODEL.NUM_CLASSES (default 10), checked to be positive.
inline std::int64_t read_num_classes(const value& job_cfg) {
  section_reader model(job_cfg, "MODEL");
  auto n = model.get_int("NUM_CLASSES", default_num_classes);
  if (n <= 0) model.fail(nullptr, "NUM_CLASSES", fmt::format("expected a positive number of classes, got {}", n));
  return n;
}

}  // namespace sweep::detail
// ---- end sweep/models/detail/cfg_reader.hpp ----

// ---- begin sweep/models/scaler.hpp ----
// pycls's model scaler (pycls/models/scaler.py, "Fast and Accurate Model
// Scaling"). pycls's sweep setup runs it on every anynet/effnet/regnet config,
// so at the default SCALING_FACTOR 1.0 it standardises the model: widths become
// multiples of 8, group widths 1, 2, 4 or multiples of 8, widths compatible with
// groups and bottlenecks, image sizes multiples of 4.




namespace sweep {

/// @brief How much to scale depth, width, groups and resolution (all 1.0: no scaling).
struct scaling_factors {
  double d = 1.0;
  double w = 1.0;
  double g = 1.0;
  double r = 1.0;
};

/// @brief pycls's scaling_factors(): d * w^2 * r^2 == factor, split by the weights of `type`
/// ("dwr", "d1_w8_g8_r1", "" ...); bad types throw naming MODEL.SCALING_TYPE.
inline scaling_factors compute_scaling_factors(std::string_view type, double factor) {
  double weight[4] = {0, 0, 0, 0};  // d, w, g, r
  constexpr std::string_view dims = "dwgr";
  auto bad = [&](std::string why) -> sweep::error {
    return sweep::error({}, "MODEL.SCALING_TYPE",
                        fmt::format("{} in '{}' (expected letters of dwgr, or items like d1_w8_g8_r1)", why, type));
  };
  if (std::all_of(type.begin(), type.end(), [&](char c) { return dims.find(c) != std::string_view::npos; })) {
    for (std::size_t i = 0; i < 4; ++i) weight[i] = type.find(dims[i]) != std::string_view::npos ? 1.0 : 0.0;
  } else {
    std::string_view rest = type;
    for (;;) {
      auto item = rest.substr(0, rest.find('_'));
      auto dim = item.empty() ? std::string_view::npos : dims.find(item.front());
      if (dim == std::string_view::npos) throw bad(fmt::format("unknown dimension '{}'", item.substr(0, 1)));
      double value = 0;
      auto number = item.substr(1);
      auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
      if (ec != std::errc{} || end != number.data() + number.size()) {
        throw bad(fmt::format("bad weight '{}'", number));
      }
      weight[dim] = value;
      if (item.size() == rest.size()) break;
      rest.remove_prefix(item.size() + 1);
    }
  }
  // Python's `a or b or c`: the first non-zero.
  double sum = weight[0] + weight[1] + weight[3];
  if (sum == 0) sum = weight[2] / 2;
  if (sum == 0) sum = 1.0;
  scaling_factors f{std::pow(factor, weight[0] / sum), std::pow(factor, weight[1] / sum / 2.0),
                    std::pow(factor, weight[2] / sum / 2.0), std::pow(factor, weight[3] / sum / 2.0)};
  double actual = f.d * f.w * f.w * f.r * f.r;
  bool identity = f.d == 1.0 && f.w == 1.0 && f.r == 1.0;
  if (!identity && std::fabs(actual - factor) > 0.01 * std::max(std::fabs(actual), std::fabs(factor))) {
    throw bad(fmt::format("the factors scale by {} instead of MODEL.SCALING_FACTOR {}", actual, factor));
  }
  return f;
}

/// @brief The scaling a job config asks for (MODEL.SCALING_TYPE "" and SCALING_FACTOR 1.0 by default).
inline scaling_factors read_scaling_factors(const value& job_cfg) {
  detail::section_reader model(job_cfg, "MODEL");
  auto type = model.get_string("SCALING_TYPE", "");
  double factor = model.get_number("SCALING_FACTOR", 1.0);
  if (type.empty() && factor == 1.0) return {};  // pycls's default: the common case, no pow()
  if (!(factor > 0)) model.fail(nullptr, "SCALING_FACTOR", fmt::format("expected a positive factor, got {}", factor));
  try {
    return compute_scaling_factors(type, factor);
  } catch (const sweep::error& e) {
    detail::model_key_error(model.find("SCALING_TYPE"), e.key_path(), e.message());
  }
}

namespace detail {

/// @brief Python's `x % m == 0` for a float x and a positive integer m, without fmod()
/// (slow in glibc, and on the setup hot path): a non-integral x is no multiple of m.
inline bool is_multiple(double x, std::int64_t m) noexcept {
  if (x != std::trunc(x)) return false;
  if (std::fabs(x) < 9.0e15) return static_cast<std::int64_t>(x) % m == 0;
  return std::fmod(x, static_cast<double>(m)) == 0;
}

}  // namespace detail

/// @brief pycls's adjust_block_compatibility(): makes each width * bottleneck a multiple of
/// its group width (and groups no wider than the bottleneck), in place. `key` names the
/// config keys in errors.
inline void adjust_block_compatibility(std::span<std::int64_t> ws, std::span<const double> bs,
                                       std::span<std::int64_t> gs, std::string_view key) {
  for (std::size_t i = 0; i < ws.size(); ++i) {
    if (!(ws[i] > 0 && bs[i] > 0 && gs[i] > 0)) {
      throw sweep::error({}, std::string(key),
                         fmt::format("stage {}: width {}, bottleneck multiplier {} and group width {} must be positive",
                                     i + 1, ws[i], bs[i], gs[i]));
    }
    if (!(bs[i] < 1 || bs[i] == std::trunc(bs[i]))) {
      throw sweep::error({}, std::string(key),
                         fmt::format("stage {}: bottleneck multiplier {} must be below 1 or a whole number", i + 1, bs[i]));
    }
    const double b = bs[i];
    double v_cont = static_cast<double>(ws[i]) * b;
    auto v = static_cast<std::int64_t>(std::max(1.0, v_cont));
    auto g = std::min(gs[i], v);
    auto m = b > 1 ? std::lcm(g, static_cast<std::int64_t>(b)) : g;
    v = std::max(m, static_cast<std::int64_t>(detail::py_round(static_cast<double>(v) / static_cast<double>(m)) *
                                              static_cast<double>(m)));
    ws[i] = static_cast<std::int64_t>(static_cast<double>(v) / b);
    gs[i] = g;
    if (!detail::is_multiple(static_cast<double>(ws[i]) * b, g)) {
      throw sweep::error({}, std::string(key),
                         fmt::format("stage {}: width {} x bottleneck multiplier {} is not a multiple of group width {}",
                                     i + 1, ws[i], b, g));
    }
  }
}

namespace detail {

/// @brief round(x * scale / 8) * 8, at least 8: how the scaler sets a width.
inline std::int64_t scale_width(std::int64_t w, double scale) noexcept {
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(py_round(static_cast<double>(w) * scale / 8))) * 8;
}

/// @brief max(1, round(d * scale)): how the scaler sets a depth.
inline std::int64_t scale_depth(std::int64_t d, double scale) noexcept {
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(py_round(static_cast<double>(d) * scale)));
}

/// @brief The scaler's group width: scaled, then 1, 2, 4 or a multiple of 8.
inline std::int64_t scale_group_width(std::int64_t g, double scale) noexcept {
  g = std::max<std::int64_t>(1, static_cast<std::int64_t>(py_round(static_cast<double>(g) * scale)));
  if (g <= 2) return g;
  if (g <= 5) return 4;
  return static_cast<std::int64_t>(py_round(static_cast<double>(g) / 8)) * 8;
}

/// @brief round(size * r / 4) * 4: the scaled image size.
inline std::int64_t scale_im_size(std::int64_t size, double r) noexcept {
  return static_cast<std::int64_t>(py_round(static_cast<double>(size) * r / 4)) * 4;
}

/// @brief Sets TRAIN.IM_SIZE and TEST.IM_SIZE as the scaler does (written only if present or changed).
inline void standardize_im_sizes(value& job_cfg, double r) {
  for (auto [section, fallback] : {std::pair<std::string_view, std::int64_t>{"TRAIN", default_train_im_size},
                                   std::pair<std::string_view, std::int64_t>{"TEST", default_test_im_size}}) {
    section_reader reader(job_cfg, section);
    auto size = reader.get_int("IM_SIZE", fallback);
    auto scaled = scale_im_size(size, r);
    if (reader.find("IM_SIZE") != nullptr || scaled != fallback) {
      job_cfg.at_path(fmt::format("{}.IM_SIZE", section)) = value(scaled);
    }
  }
}

inline value int_list(std::span<const std::int64_t> xs) {
  value::list out;
  out.reserve(xs.size());
  for (auto x : xs) out.emplace_back(x);
  return value(std::move(out));
}

/// @brief The scaler's AnyNet step on per-stage arrays, in place.
inline void scale_anynet_stages(std::span<std::int64_t> ds, std::span<std::int64_t> ws, std::span<const double> bs,
                                std::span<std::int64_t> gs, const scaling_factors& f, std::string_view key) {
  for (auto& d : ds) d = scale_depth(d, f.d);
  for (auto& w : ws) w = scale_width(w, f.w);
  for (auto& g : gs) g = scale_group_width(g, f.g);
  adjust_block_compatibility(ws, bs, gs, key);
}

}  // namespace detail
}  // namespace sweep
// ---- end sweep/models/scaler.hpp ----



namespace sweep {

/// @brief ANYNET.STEM_TYPE / REGNET.STEM_TYPE.
enum class stem_type { res_stem_cifar, res_stem_in, simple_stem_in };
/// @brief ANYNET.BLOCK_TYPE / REGNET.BLOCK_TYPE.
enum class block_type { vanilla_block, res_basic_block, res_bottleneck_block, res_bottleneck_linear_block };

inline constexpr std::array<std::string_view, 3> stem_type_names = {"res_stem_cifar", "res_stem_in", "simple_stem_in"};
inline constexpr std::array<std::string_view, 4> block_type_names = {"vanilla_block", "res_basic_block",
                                                                     "res_bottleneck_block",
                                                                     "res_bottleneck_linear_block"};

/// @brief True for the blocks that use a bottleneck multiplier and group width.
inline constexpr bool uses_bottleneck(block_type b) noexcept {
  return b == block_type::res_bottleneck_block || b == block_type::res_bottleneck_linear_block;
}

/// @brief One AnyNet stage: `depth` blocks of width `width`, the first with `stride`.
/// bot_mul and group_w are 0 when the config gives none (only bottleneck blocks need them).
struct anynet_stage {
  std::int64_t depth = 0;
  std::int64_t width = 0;
  std::int64_t stride = 1;
  double bot_mul = 0;
  std::int64_t group_w = 0;
};

/// @brief The AnyNet settings besides its stages.
struct anynet_head {
  stem_type stem = stem_type::simple_stem_in;
  std::int64_t stem_w = 32;
  block_type block = block_type::res_bottleneck_block;
  std::int64_t head_w = 0;
  double se_r = 0;  // 0: no squeeze-and-excitation (SE_ON false)
  std::int64_t num_classes = detail::default_num_classes;
};

namespace detail {

inline void anynet_block_cx(cx_state& cx, block_type block, std::int64_t w_in, std::int64_t w_out, std::int64_t stride,
                            const anynet_stage& s, double se_r) {
  const bool residual = block == block_type::res_basic_block || block == block_type::res_bottleneck_block;
  if (residual && (w_in != w_out || stride != 1)) {
    // The projection runs on the block's input: its stride must not shrink the map twice.
    const auto h = cx.h, w = cx.w;
    conv2d_cx(cx, w_in, w_out, 1, stride);
    norm2d_cx(cx, w_out);
    cx.h = h;
    cx.w = w;
  }
  if (!uses_bottleneck(block)) {
    conv2d_cx(cx, w_in, w_out, 3, stride);
    norm2d_cx(cx, w_out);
    conv2d_cx(cx, w_out, w_out, 3);
    norm2d_cx(cx, w_out);
    return;
  }
  const auto w_b = cx.to_int(py_round(static_cast<double>(w_out) * s.bot_mul));
  const auto w_se = cx.to_int(py_round(static_cast<double>(w_in) * se_r));
  if (cx.overflow) return;  // checked_sum reports it
  const auto groups = s.group_w > 0 ? w_b / s.group_w : 0;
  if (groups <= 0) {
    throw sweep::error(fmt::format("bottleneck width {} (width {} x bottleneck multiplier {}) is below group width {}",
                                   w_b, w_out, s.bot_mul, s.group_w));
  }
  conv2d_cx(cx, w_in, w_b, 1);
  norm2d_cx(cx, w_b);
  conv2d_cx(cx, w_b, w_b, 3, stride, groups);
  norm2d_cx(cx, w_b);
  if (w_se != 0) se_cx(cx, w_b, w_se);
  conv2d_cx(cx, w_b, w_out, 1);
  norm2d_cx(cx, w_out);
}

}  // namespace detail

/// @brief AnyNet's complexity at image size `im_size` (pycls's AnyNet.complexity).
/// `key` names the section an overflow is blamed on (REGNET for a RegNet's AnyNet form).
inline complexity anynet_complexity(const anynet_head& net, std::span<const anynet_stage> stages,
                                    std::int64_t im_size, std::string_view key = "ANYNET") {
  detail::cx_state cx(im_size);
  switch (net.stem) {
    case stem_type::res_stem_cifar:
      detail::conv2d_cx(cx, 3, net.stem_w, 3);
      detail::norm2d_cx(cx, net.stem_w);
      break;
    case stem_type::res_stem_in:
      detail::conv2d_cx(cx, 3, net.stem_w, 7, 2);
      detail::norm2d_cx(cx, net.stem_w);
      detail::pool2d_cx(cx, net.stem_w, 2);
      break;
    case stem_type::simple_stem_in:
      detail::conv2d_cx(cx, 3, net.stem_w, 3, 2);
      detail::norm2d_cx(cx, net.stem_w);
      break;
  }
  std::int64_t prev_w = net.stem_w;
  for (const auto& s : stages) {
    std::int64_t stride = s.stride, w_in = prev_w;
    for (std::int64_t i = 0; i < s.depth; ++i) {
      detail::anynet_block_cx(cx, net.block, w_in, s.width, stride, s, net.se_r);
      stride = 1;
      w_in = s.width;
    }
    prev_w = s.width;
  }
  if (net.head_w > 0) {
    detail::conv2d_cx(cx, prev_w, net.head_w, 1);
    detail::norm2d_cx(cx, net.head_w);
    prev_w = net.head_w;
  }
  detail::gap2d_cx(cx);
  detail::linear_cx(cx, prev_w, net.num_classes, true);
  return detail::checked_sum(cx, key);
}

namespace detail {

template <std::size_t N>
inline std::size_t parse_name(const section_reader& r, std::string_view key, std::string_view fallback,
                              const std::array<std::string_view, N>& names) {
  auto name = r.get_string(key, fallback);
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == name) return i;
  }
  r.fail(nullptr, key, fmt::format("unknown type '{}' (expected one of: {})", name, fmt::join(names, ", ")));
}

inline stem_type read_stem_type(const section_reader& r) {
  return static_cast<stem_type>(parse_name(r, "STEM_TYPE", "simple_stem_in", stem_type_names));
}
inline block_type read_block_type(const section_reader& r) {
  return static_cast<block_type>(parse_name(r, "BLOCK_TYPE", "res_bottleneck_block", block_type_names));
}

}  // namespace detail

/// @brief An AnyNet read from a job config's ANYNET.* keys (pycls's defaults for the rest).
struct anynet_params {
  anynet_head net;
  std::vector<anynet_stage> stages;
  bool bot_muls_given = false;        // ANYNET.BOT_MULS non-empty
  bool group_ws_given = false;        // ANYNET.GROUP_WS non-empty
  std::vector<bool> bot_mul_is_int;   // how each BOT_MULS item was written (kept when written back)

  /// @brief Reads and checks ANYNET.*, MODEL.NUM_CLASSES; every list must have one item per stage.
  static anynet_params from(const value& job_cfg) {
    detail::section_reader r(job_cfg, "ANYNET");
    anynet_params p;
    p.net.stem = detail::read_stem_type(r);
    p.net.stem_w = r.get_int("STEM_W", 32);
    p.net.block = detail::read_block_type(r);
    p.net.head_w = r.get_int("HEAD_W", 0);
    p.net.se_r = r.get_bool("SE_ON", false) ? r.get_number("SE_R", 0.25) : 0.0;
    p.net.num_classes = detail::read_num_classes(job_cfg);
    if (p.net.stem_w <= 0) r.fail(nullptr, "STEM_W", fmt::format("expected a positive width, got {}", p.net.stem_w));
    auto ds = r.get_int_list("DEPTHS");
    auto ws = r.get_int_list("WIDTHS");
    auto ss = r.get_int_list("STRIDES");
    auto bs = r.get_number_list("BOT_MULS", &p.bot_mul_is_int);
    auto gs = r.get_int_list("GROUP_WS");
    p.bot_muls_given = !bs.empty();
    p.group_ws_given = !gs.empty();
    auto check_length = [&](std::string_view key, std::size_t n, bool optional) {
      if (n != ds.size() && !(optional && n == 0)) {
        r.fail(nullptr, key, fmt::format("expected {} items (one per stage, as ANYNET.DEPTHS), got {}", ds.size(), n));
      }
    };
    check_length("WIDTHS", ws.size(), false);
    check_length("STRIDES", ss.size(), false);
    check_length("BOT_MULS", bs.size(), true);
    check_length("GROUP_WS", gs.size(), true);
    for (std::size_t i = 0; i < ds.size(); ++i) {
      anynet_stage s{ds[i], ws[i], ss[i], bs.empty() ? 0.0 : bs[i], gs.empty() ? 0 : gs[i]};
      auto bad = [&](std::string_view key, std::string what) {
        r.fail(nullptr, key, fmt::format("stage {}: {}", i + 1, what));
      };
      if (s.depth < 0) bad("DEPTHS", fmt::format("expected a depth >= 0, got {}", s.depth));
      if (s.width <= 0) bad("WIDTHS", fmt::format("expected a positive width, got {}", s.width));
      if (s.stride <= 0) bad("STRIDES", fmt::format("expected a positive stride, got {}", s.stride));
      if (!bs.empty() && !(s.bot_mul > 0)) bad("BOT_MULS", fmt::format("expected a positive multiplier, got {}", s.bot_mul));
      if (!gs.empty() && s.group_w <= 0) bad("GROUP_WS", fmt::format("expected a positive group width, got {}", s.group_w));
      p.stages.push_back(s);
    }
    return p;
  }

  /// @brief Throws unless pycls can build this AnyNet as written (bottleneck blocks need
  /// BOT_MULS and GROUP_WS, and a group no wider than the bottleneck).
  void check_buildable() const {
    if (!uses_bottleneck(net.block)) return;
    const char* missing = !bot_muls_given ? "BOT_MULS" : !group_ws_given ? "GROUP_WS" : nullptr;
    if (missing != nullptr) {
      throw sweep::error({}, fmt::format("ANYNET.{}", missing),
                         fmt::format("expected one item per stage: {} needs it (pycls has no default)",
                                     block_type_names[static_cast<std::size_t>(net.block)]));
    }
    for (std::size_t i = 0; i < stages.size(); ++i) {
      const auto& s = stages[i];
      auto w_b = static_cast<std::int64_t>(detail::py_round(static_cast<double>(s.width) * s.bot_mul));
      if (w_b / s.group_w <= 0) {
        throw sweep::error({}, "ANYNET.GROUP_WS",
                           fmt::format("stage {}: group width {} is wider than the bottleneck ({} x {} = {})", i + 1,
                                       s.group_w, s.width, s.bot_mul, w_b));
      }
    }
  }
};

/// @brief pycls's AnyNet complexity for a job config as written (no scaler).
inline complexity anynet_complexity(const value& job_cfg) {
  auto p = anynet_params::from(job_cfg);
  p.check_buildable();
  return anynet_complexity(p.net, p.stages, detail::read_im_size(job_cfg));
}

namespace detail {

/// @brief The scaler's AnyNet step on per-stage vectors (from the config), giving the
/// standardised depths, widths, bot_muls, group widths.
struct anynet_scaled {
  std::vector<std::int64_t> ds, ws, gs;
  std::vector<double> bs;
};

inline anynet_scaled scale_anynet(const anynet_params& p, const scaling_factors& f) {
  anynet_scaled out;
  for (const auto& s : p.stages) {
    out.ds.push_back(s.depth);
    out.ws.push_back(s.width);
    out.bs.push_back(p.bot_muls_given ? s.bot_mul : 1.0);
    out.gs.push_back(p.group_ws_given ? s.group_w : 1);
  }
  scale_anynet_stages(out.ds, out.ws, out.bs, out.gs, f, "ANYNET");
  return out;
}

}  // namespace detail

/// @brief pycls's setup step for an anynet config (scaler.scale_model()): ANYNET.DEPTHS,
/// WIDTHS, BOT_MULS, GROUP_WS and the image sizes standardised (scaled if MODEL.SCALING_* ask).
inline value standardize_anynet(const value& job_cfg) {
  auto p = anynet_params::from(job_cfg);
  auto f = read_scaling_factors(job_cfg);
  auto s = detail::scale_anynet(p, f);
  value out = job_cfg;
  out.at_path("ANYNET.DEPTHS") = detail::int_list(s.ds);
  out.at_path("ANYNET.WIDTHS") = detail::int_list(s.ws);
  value::list bs;
  for (std::size_t i = 0; i < s.bs.size(); ++i) {
    // An empty BOT_MULS becomes pycls's [1, 1, ...] (ints); given items keep how they were written.
    bool as_int = !p.bot_muls_given || p.bot_mul_is_int[i];
    bs.push_back(as_int ? value(static_cast<std::int64_t>(s.bs[i])) : value(s.bs[i]));
  }
  out.at_path("ANYNET.BOT_MULS") = value(std::move(bs));
  out.at_path("ANYNET.GROUP_WS") = detail::int_list(s.gs);
  detail::standardize_im_sizes(out, f.r);
  return out;
}

/// @brief The complexity of an anynet config after pycls's setup step (what setup checks).
inline complexity standardized_anynet_complexity(const value& job_cfg) {
  auto p = anynet_params::from(job_cfg);
  auto f = read_scaling_factors(job_cfg);
  auto s = detail::scale_anynet(p, f);
  for (std::size_t i = 0; i < p.stages.size(); ++i) {
    p.stages[i] = anynet_stage{s.ds[i], s.ws[i], p.stages[i].stride, s.bs[i], s.gs[i]};
  }
  p.bot_muls_given = p.group_ws_given = true;
  p.check_buildable();
  return anynet_complexity(p.net, p.stages, detail::scale_im_size(detail::read_im_size(job_cfg), f.r));
}

}  // namespace sweep
// ---- end sweep/models/anynet.hpp ----

// ---- begin sweep/models/effnet.hpp ----
// pycls's EfficientNet (pycls/models/effnet.py): a 3x3 stem, stages of MBConv
// blocks (expansion, depthwise kxk, squeeze-and-excitation, projection), a head.




namespace sweep {

/// @brief One EfficientNet stage: `depth` MBConv blocks.
struct effnet_stage {
  std::int64_t depth = 0;
  std::int64_t width = 0;
  double exp_ratio = 1;
  std::int64_t stride = 1;
  std::int64_t kernel = 3;
};

/// @brief EN.* and MODEL.NUM_CLASSES of an EfficientNet config (pycls's defaults).
struct effnet_params {
  std::int64_t stem_w = 32;
  std::int64_t head_w = 1280;
  double se_r = 0.25;
  std::int64_t num_classes = detail::default_num_classes;
  std::vector<effnet_stage> stages;
  std::vector<bool> exp_ratio_is_int;  // how each EXP_RATIOS item was written (kept when written back)

  /// @brief Reads and checks the keys; all EN lists must have one item per stage.
  static effnet_params from(const value& job_cfg) {
    detail::section_reader r(job_cfg, "EN");
    effnet_params p;
    p.stem_w = r.get_int("STEM_W", 32);
    p.head_w = r.get_int("HEAD_W", 1280);
    p.se_r = r.get_number("SE_R", 0.25);
    p.num_classes = detail::read_num_classes(job_cfg);
    if (p.stem_w <= 0) r.fail(nullptr, "STEM_W", fmt::format("expected a positive width, got {}", p.stem_w));
    if (p.head_w <= 0) r.fail(nullptr, "HEAD_W", fmt::format("expected a positive width, got {}", p.head_w));
    auto ds = r.get_int_list("DEPTHS");
    auto ws = r.get_int_list("WIDTHS");
    auto es = r.get_number_list("EXP_RATIOS", &p.exp_ratio_is_int);
    auto ss = r.get_int_list("STRIDES");
    auto ks = r.get_int_list("KERNELS");
    for (auto [key, n] : {std::pair<std::string_view, std::size_t>{"WIDTHS", ws.size()}, {"EXP_RATIOS", es.size()},
                          {"STRIDES", ss.size()}, {"KERNELS", ks.size()}}) {
      if (n != ds.size()) {
        r.fail(nullptr, key, fmt::format("expected {} items (one per stage, as EN.DEPTHS), got {}", ds.size(), n));
      }
    }
    for (std::size_t i = 0; i < ds.size(); ++i) {
      effnet_stage s{ds[i], ws[i], es[i], ss[i], ks[i]};
      auto bad = [&](std::string_view key, std::string what) {
        r.fail(nullptr, key, fmt::format("stage {}: {}", i + 1, what));
      };
      if (s.depth < 0) bad("DEPTHS", fmt::format("expected a depth >= 0, got {}", s.depth));
      if (s.width <= 0) bad("WIDTHS", fmt::format("expected a positive width, got {}", s.width));
      if (!(s.exp_ratio > 0)) bad("EXP_RATIOS", fmt::format("expected a positive ratio, got {}", s.exp_ratio));
      if (s.stride <= 0) bad("STRIDES", fmt::format("expected a positive stride, got {}", s.stride));
      if (s.kernel <= 0 || s.kernel % 2 == 0) bad("KERNELS", fmt::format("expected an odd kernel size, got {}", s.kernel));
      p.stages.push_back(s);
    }
    return p;
  }
};

/// @brief pycls's EffNet.complexity at image size `im_size`.
inline complexity effnet_complexity(const effnet_params& p, std::int64_t im_size) {
  detail::cx_state cx(im_size);
  detail::conv2d_cx(cx, 3, p.stem_w, 3, 2);
  detail::norm2d_cx(cx, p.stem_w);
  std::int64_t prev_w = p.stem_w;
  for (const auto& s : p.stages) {
    std::int64_t stride = s.stride, w_in = prev_w;
    for (std::int64_t i = 0; i < s.depth; ++i) {
      // int(), not round(): pycls truncates the expanded and SE widths.
      const auto w_exp = cx.to_int(static_cast<double>(w_in) * s.exp_ratio);
      if (cx.overflow) break;  // checked_sum reports it
      if (w_exp <= 0) {
        throw sweep::error({}, "EN.EXP_RATIOS", fmt::format("width {} x ratio {} expands to no channels", w_in, s.exp_ratio));
      }
      if (w_exp != w_in) {
        detail::conv2d_cx(cx, w_in, w_exp, 1);
        detail::norm2d_cx(cx, w_exp);
      }
      detail::conv2d_cx(cx, w_exp, w_exp, s.kernel, stride, w_exp);
      detail::norm2d_cx(cx, w_exp);
      detail::se_cx(cx, w_exp, cx.to_int(static_cast<double>(w_in) * p.se_r));
      detail::conv2d_cx(cx, w_exp, s.width, 1);
      detail::norm2d_cx(cx, s.width);
      stride = 1;
      w_in = s.width;
    }
    prev_w = s.width;
  }
  detail::conv2d_cx(cx, prev_w, p.head_w, 1);
  detail::norm2d_cx(cx, p.head_w);
  detail::gap2d_cx(cx);
  detail::linear_cx(cx, p.head_w, p.num_classes, true);
  return detail::checked_sum(cx, "EN");
}

/// @brief pycls's EfficientNet complexity for a job config as written (no scaler).
inline complexity effnet_complexity(const value& job_cfg) {
  return effnet_complexity(effnet_params::from(job_cfg), detail::read_im_size(job_cfg));
}

namespace detail {

/// @brief The scaler's EfficientNet step, in place.
inline void scale_effnet(effnet_params& p, const scaling_factors& f) {
  std::vector<std::int64_t> ws, gs(p.stages.size(), 1);
  std::vector<double> bs;
  for (auto& s : p.stages) {
    s.depth = scale_depth(s.depth, f.d);
    ws.push_back(scale_width(s.width, f.w));
    bs.push_back(s.exp_ratio);
  }
  p.stem_w = scale_width(p.stem_w, f.w);
  p.head_w = scale_width(p.head_w, f.w);
  adjust_block_compatibility(ws, bs, gs, "EN");
  for (std::size_t i = 0; i < ws.size(); ++i) p.stages[i].width = ws[i];
}

}  // namespace detail

/// @brief pycls's setup step for an effnet config (scaler.scale_model()): EN.DEPTHS, WIDTHS,
/// EXP_RATIOS, STEM_W, HEAD_W and the image sizes standardised (scaled if MODEL.SCALING_* ask).
inline value standardize_effnet(const value& job_cfg) {
  auto p = effnet_params::from(job_cfg);
  auto f = read_scaling_factors(job_cfg);
  detail::scale_effnet(p, f);
  value out = job_cfg;
  value::list ds, ws, es;
  for (std::size_t i = 0; i < p.stages.size(); ++i) {
    ds.emplace_back(p.stages[i].depth);
    ws.emplace_back(p.stages[i].width);
    es.push_back(p.exp_ratio_is_int[i] ? value(static_cast<std::int64_t>(p.stages[i].exp_ratio))
                                       : value(p.stages[i].exp_ratio));
  }
  out.at_path("EN.DEPTHS") = value(std::move(ds));
  out.at_path("EN.WIDTHS") = value(std::move(ws));
  out.at_path("EN.EXP_RATIOS") = value(std::move(es));
  out.at_path("EN.STEM_W") = value(p.stem_w);
  out.at_path("EN.HEAD_W") = value(p.head_w);
  detail::standardize_im_sizes(out, f.r);
  return out;
}

/// @brief The complexity of an effnet config after pycls's setup step (what setup checks).
inline complexity standardized_effnet_complexity(const value& job_cfg) {
  auto p = effnet_params::from(job_cfg);
  auto f = read_scaling_factors(job_cfg);
  detail::scale_effnet(p, f);
  return effnet_complexity(p, detail::scale_im_size(detail::read_im_size(job_cfg), f.r));
}

}  // namespace sweep
// ---- end sweep/models/effnet.hpp ----

// ---- begin sweep/models/mlp.hpp ----
// MODEL.TYPE mlp: a multilayer perceptron (MODEL.DEPTH hidden layers of
// MODEL.WIDTH units between MODEL.INPUT_DIM inputs and MODEL.NUM_CLASSES
// outputs), counted as pycls counts linear layers with bias. It lets
// SETUP.CONSTRAINTS.CX bound small non-convolutional experiments such as the
// digits example.



namespace sweep {

/// @brief The MLP keys, with their defaults.
struct mlp_params {
  std::int64_t input_dim = 64;
  std::int64_t width = 64;
  std::int64_t depth = 1;
  std::int64_t num_classes = 10;

  /// @brief The most hidden layers: the count walks the layers, and more would be a hang, not a model.
  static constexpr std::int64_t max_depth = 1'000'000;

  /// @brief Reads MODEL.INPUT_DIM, WIDTH, DEPTH and NUM_CLASSES (checked, errors name the key).
  static mlp_params from(const value& job_cfg) {
    detail::section_reader model(job_cfg, "MODEL");
    mlp_params p;
    p.input_dim = model.get_int("INPUT_DIM", p.input_dim);
    p.width = model.get_int("WIDTH", p.width);
    p.depth = model.get_int("DEPTH", p.depth);
    p.num_classes = model.get_int("NUM_CLASSES", p.num_classes);
    if (p.input_dim < 1) model.fail(nullptr, "INPUT_DIM", fmt::format("expected at least 1, got {}", p.input_dim));
    if (p.width < 1) model.fail(nullptr, "WIDTH", fmt::format("expected at least 1, got {}", p.width));
    if (p.depth < 0 || p.depth > max_depth) {
      model.fail(nullptr, "DEPTH", fmt::format("expected 0 to {} hidden layers, got {}", max_depth, p.depth));
    }
    if (p.num_classes < 1) model.fail(nullptr, "NUM_CLASSES", fmt::format("expected at least 1, got {}", p.num_classes));
    return p;
  }
};

/// @brief flops, params and acts per input: each linear layer adds in*out + out flops and params and out acts.
/// Counts beyond int64 are sweep::error naming MODEL (not a wrapped, negative count).
inline complexity mlp_complexity(const mlp_params& p) {
  detail::cx_state cx(1);
  std::int64_t w_in = p.input_dim;
  for (std::int64_t layer = 0; layer <= p.depth && !cx.overflow; ++layer) {
    std::int64_t w_out = layer == p.depth ? p.num_classes : p.width;
    detail::linear_cx(cx, w_in, w_out, true);
    w_in = w_out;
  }
  if (cx.overflow) {
    throw error({}, "MODEL",
                fmt::format("an mlp with INPUT_DIM {}, WIDTH {}, DEPTH {} and NUM_CLASSES {} has more flops or params "
                            "than a 64-bit integer holds: expected a smaller MODEL.WIDTH, INPUT_DIM or DEPTH",
                            p.input_dim, p.width, p.depth, p.num_classes));
  }
  return cx.sum;
}

/// @brief The complexity of a MODEL.TYPE mlp job config.
inline complexity mlp_complexity(const value& job_cfg) { return mlp_complexity(mlp_params::from(job_cfg)); }

}  // namespace sweep
// ---- end sweep/models/mlp.hpp ----

// ---- begin sweep/models/regnet.hpp ----
// pycls's RegNet (pycls/models/regnet.py): an AnyNet whose per-stage widths and
// depths come from four numbers (DEPTH, W0, WA, WM). This is the setup engine's
// hot path (one call per sampled candidate), so nothing here allocates: stages
// live in fixed arrays on the stack.




namespace sweep {

/// @brief The most stages a RegNet may have here (real ones have 2-6; more than this is an error).
inline constexpr std::size_t regnet_max_stages = 32;

/// @brief Per-stage widths and depths of a RegNet, as pycls's generate_regnet() gives them.
struct regnet_stages {
  std::array<std::int64_t, regnet_max_stages> widths{};
  std::array<std::int64_t, regnet_max_stages> depths{};
  std::int64_t num_stages = 0;    // distinct quantised widths (only the first regnet_max_stages are stored)
  std::int64_t total_stages = 0;  // largest exponent + 1: the stages the formula could give (pycls's max_s)

  /// @brief pycls's RegNet constraint: every possible stage is used.
  [[nodiscard]] bool all_stages_used() const noexcept { return num_stages == total_stages; }
  [[nodiscard]] std::span<const std::int64_t> stage_widths() const noexcept { return {widths.data(), stored()}; }
  [[nodiscard]] std::span<const std::int64_t> stage_depths() const noexcept { return {depths.data(), stored()}; }

 private:
  [[nodiscard]] std::size_t stored() const noexcept {
    return std::min<std::size_t>(static_cast<std::size_t>(num_stages), regnet_max_stages);
  }
};

namespace detail {

/// @brief The checks of pycls's generate_regnet(), as errors naming the REGNET key.
inline void check_regnet_shape(double wa, double w0, double wm, std::int64_t depth, std::int64_t q) {
  if (!(wa >= 0)) throw sweep::error({}, "REGNET.WA", fmt::format("expected a slope >= 0, got {}", wa));
  if (!(w0 > 0) || !is_multiple(w0, q)) {
    throw sweep::error({}, "REGNET.W0", fmt::format("expected a positive multiple of {}, got {}", q, w0));
  }
  if (!(wm > 1)) throw sweep::error({}, "REGNET.WM", fmt::format("expected a multiplier > 1, got {}", wm));
  if (depth <= 0) throw sweep::error({}, "REGNET.DEPTH", fmt::format("expected a depth > 0, got {}", depth));
}

}  // namespace detail

/// @brief pycls's generate_regnet(): block j has width w0 + wa*j, quantised to
/// w0 * wm^round(log((w0 + wa*j)/w0) / log(wm)) rounded to a multiple of q; a stage is
/// a run of equal widths. Throws (naming REGNET.*) unless wa >= 0, w0 > 0, wm > 1,
/// w0 % q == 0 and depth > 0.
inline regnet_stages regnet_generate(double wa, double w0, double wm, std::int64_t depth, std::int64_t q = 8) {
  detail::check_regnet_shape(wa, w0, wm, depth, q);
  const auto dq = static_cast<double>(q);
  regnet_stages out;
  const double log_wm = std::log(wm);
  double last_k = -1;
  std::int64_t last_w = -1;
  for (std::int64_t j = 0; j < depth; ++j) {
    const double w_cont = static_cast<double>(j) * wa + w0;
    const double k = detail::py_round(std::log(w_cont / w0) / log_wm);  // numpy's round is half-to-even too
    if (k != last_k) {
      // Exponents only grow with j, so pow() runs once per exponent, not once per block.
      last_k = k;
      const auto w = static_cast<std::int64_t>(detail::py_round(w0 * std::pow(wm, k) / dq)) * q;
      if (w != last_w) {
        if (static_cast<std::size_t>(out.num_stages) < regnet_max_stages) out.widths[out.num_stages] = w;
        ++out.num_stages;
        last_w = w;
      }
    }
    if (static_cast<std::size_t>(out.num_stages) <= regnet_max_stages) ++out.depths[out.num_stages - 1];
  }
  out.total_stages = static_cast<std::int64_t>(last_k) + 1;
  return out;
}

/// @brief Every REGNET.* key (pycls's defaults for those left out) and the MODEL.SCALING_* factors.
struct regnet_params {
  stem_type stem = stem_type::simple_stem_in;
  std::int64_t stem_w = 32;
  block_type block = block_type::res_bottleneck_block;
  std::int64_t stride = 2;
  bool se_on = false;
  double se_r = 0.25;
  std::int64_t depth = 10;
  double w0 = 32;
  double wa = 5.0;
  double wm = 2.5;
  std::int64_t group_w = 16;
  double bot_mul = 1.0;
  std::int64_t head_w = 0;
  scaling_factors scaling;  // MODEL.SCALING_TYPE / SCALING_FACTOR (identity by default)

  /// @brief Reads REGNET.* and MODEL.SCALING_* of a job config (checked, errors name the key).
  static regnet_params from(const value& job_cfg) {
    detail::section_reader r(job_cfg, "REGNET");
    regnet_params p;
    p.stem = detail::read_stem_type(r);
    p.stem_w = r.get_int("STEM_W", 32);
    p.block = detail::read_block_type(r);
    p.stride = r.get_int("STRIDE", 2);
    p.se_on = r.get_bool("SE_ON", false);
    p.se_r = r.get_number("SE_R", 0.25);
    p.depth = r.get_int("DEPTH", 10);
    p.w0 = r.get_number("W0", 32);
    p.wa = r.get_number("WA", 5.0);
    p.wm = r.get_number("WM", 2.5);
    p.group_w = r.get_int("GROUP_W", 16);
    p.bot_mul = r.get_number("BOT_MUL", 1.0);
    p.head_w = r.get_int("HEAD_W", 0);
    auto positive = [&](std::string_view key, double v) {
      if (!(v > 0)) r.fail(nullptr, key, fmt::format("expected a positive number, got {}", v));
    };
    positive("STEM_W", static_cast<double>(p.stem_w));
    positive("STRIDE", static_cast<double>(p.stride));
    positive("GROUP_W", static_cast<double>(p.group_w));
    positive("BOT_MUL", p.bot_mul);
    try {
      detail::check_regnet_shape(p.wa, p.w0, p.wm, p.depth, 8);
    } catch (const sweep::error& e) {
      detail::model_key_error(r.find(std::string_view(e.key_path()).substr(7)), e.key_path(), e.message());
    }
    p.scaling = read_scaling_factors(job_cfg);
    return p;
  }
};

namespace detail {

/// @brief The AnyNet form of a RegNet on the stack: generate_regnet_full() (+ the scaler when `scaled`).
struct regnet_anynet {
  std::array<anynet_stage, regnet_max_stages> stages{};
  std::size_t n = 0;
};

inline regnet_anynet regnet_to_stages(const regnet_params& p, const regnet_stages& gen, bool scaled) {
  if (static_cast<std::size_t>(gen.num_stages) > regnet_max_stages) {
    throw sweep::error({}, "REGNET.WM",
                       fmt::format("{} stages (DEPTH {}, W0 {}, WA {}, WM {}); at most {} are supported",
                                   gen.num_stages, p.depth, p.w0, p.wa, p.wm, regnet_max_stages));
  }
  const auto n = static_cast<std::size_t>(gen.num_stages);
  std::array<std::int64_t, regnet_max_stages> ds{}, ws{}, gs{};
  std::array<double, regnet_max_stages> bs{};
  for (std::size_t i = 0; i < n; ++i) {
    ds[i] = gen.depths[i];
    ws[i] = gen.widths[i];
    gs[i] = p.group_w;
    bs[i] = p.bot_mul;
  }
  std::span<std::int64_t> d(ds.data(), n), w(ws.data(), n), g(gs.data(), n);
  std::span<const double> b(bs.data(), n);
  adjust_block_compatibility(w, b, g, "REGNET");
  if (scaled) scale_anynet_stages(d, w, b, g, p.scaling, "REGNET");
  regnet_anynet out;
  out.n = n;
  for (std::size_t i = 0; i < n; ++i) out.stages[i] = anynet_stage{ds[i], ws[i], p.stride, bs[i], gs[i]};
  return out;
}

inline regnet_anynet regnet_to_stages(const regnet_params& p, bool scaled) {
  return regnet_to_stages(p, regnet_generate(p.wa, p.w0, p.wm, p.depth), scaled);
}

inline anynet_head regnet_head(const regnet_params& p, std::int64_t num_classes) {
  return anynet_head{p.stem, p.stem_w, p.block, p.head_w, p.se_on ? p.se_r : 0.0, num_classes};
}

}  // namespace detail

/// @brief regnet_complexity() with the stages regnet_generate() already gave for `p`
/// (setup counts them for the NUM_STAGES constraint first: this saves generating twice).
inline complexity regnet_complexity(const regnet_params& p, const regnet_stages& stages, std::int64_t im_size,
                                    std::int64_t num_classes) {
  if (im_size <= 0) throw sweep::error({}, "TRAIN.IM_SIZE", fmt::format("expected a positive image size, got {}", im_size));
  if (num_classes <= 0) {
    throw sweep::error({}, "MODEL.NUM_CLASSES", fmt::format("expected a positive number of classes, got {}", num_classes));
  }
  auto a = detail::regnet_to_stages(p, stages, true);
  return anynet_complexity(detail::regnet_head(p, num_classes), std::span(a.stages.data(), a.n),
                           detail::scale_im_size(im_size, p.scaling.r), "REGNET");
}

/// @brief The complexity pycls's sweep setup checks for a RegNet: its AnyNet form after the
/// scaler (standardisation at SCALING_FACTOR 1.0), at TRAIN.IM_SIZE `im_size`. No allocation.
inline complexity regnet_complexity(const regnet_params& p, std::int64_t im_size, std::int64_t num_classes) {
  return regnet_complexity(p, regnet_generate(p.wa, p.w0, p.wm, p.depth), im_size, num_classes);
}

/// @brief pycls's RegNet.complexity for a job config as written (no scaler).
inline complexity regnet_complexity(const value& job_cfg) {
  auto p = regnet_params::from(job_cfg);
  auto a = detail::regnet_to_stages(p, false);
  return anynet_complexity(detail::regnet_head(p, detail::read_num_classes(job_cfg)), std::span(a.stages.data(), a.n),
                           detail::read_im_size(job_cfg), "REGNET");
}

/// @brief The complexity of a regnet config after pycls's setup step (what setup checks).
inline complexity standardized_regnet_complexity(const value& job_cfg) {
  return regnet_complexity(regnet_params::from(job_cfg), detail::read_im_size(job_cfg),
                           detail::read_num_classes(job_cfg));
}

/// @brief pycls's setup step for a regnet config (regnet_cfg_to_anynet_cfg() then the scaler):
/// MODEL.TYPE becomes anynet, ANYNET.* holds the stages, image sizes are standardised.
inline value standardize_regnet(const value& job_cfg) {
  auto p = regnet_params::from(job_cfg);
  auto a = detail::regnet_to_stages(p, true);
  detail::section_reader r(job_cfg, "REGNET");
  value out = job_cfg;
  out.at_path("MODEL.TYPE") = value("anynet");
  value::list ds, ws, ss, bs, gs;
  for (std::size_t i = 0; i < a.n; ++i) {
    ds.emplace_back(a.stages[i].depth);
    ws.emplace_back(a.stages[i].width);
    ss.emplace_back(a.stages[i].stride);
    bs.emplace_back(a.stages[i].bot_mul);
    gs.emplace_back(a.stages[i].group_w);
  }
  auto& an = out.at_path("ANYNET");
  an.at_path("STEM_TYPE") = value(stem_type_names[static_cast<std::size_t>(p.stem)]);
  an.at_path("STEM_W") = value(p.stem_w);
  an.at_path("BLOCK_TYPE") = value(block_type_names[static_cast<std::size_t>(p.block)]);
  an.at_path("DEPTHS") = value(std::move(ds));
  an.at_path("WIDTHS") = value(std::move(ws));
  an.at_path("STRIDES") = value(std::move(ss));
  an.at_path("BOT_MULS") = value(std::move(bs));
  an.at_path("GROUP_WS") = value(std::move(gs));
  an.at_path("HEAD_W") = value(p.head_w);
  an.at_path("SE_ON") = value(p.se_on);
  an.at_path("SE_R") = value(p.se_r);
  detail::standardize_im_sizes(out, p.scaling.r);
  return out;
}

}  // namespace sweep
// ---- end sweep/models/regnet.hpp ----

// ---- begin sweep/models/registry.hpp ----
// Model families by MODEL.TYPE, as pycls's builders.register_model(): the
// engine asks for a config's complexity without knowing the family, and a new
// family plugs in with register_model_family() (see docs/models.md).


// ---- begin sweep/models/resnet.hpp ----
// pycls's ResNet / ResNeXt (pycls/models/resnet.py): ResNet-(6n+2) on CIFAR
// (basic blocks, widths 16-32-64) and ResNe(X)t-50/101/152 on ImageNet.




namespace sweep {

/// @brief MODEL.DEPTH, TRAIN.DATASET and RESNET.* of a ResNet config (pycls's defaults).
struct resnet_params {
  std::int64_t depth = 0;
  bool cifar = false;          // "cifar" in TRAIN.DATASET (else the ImageNet model)
  bool bottleneck = false;     // RESNET.TRANS_FUN bottleneck_transform (else basic_transform)
  std::int64_t num_groups = 1;
  std::int64_t width_per_group = 64;
  bool stride_1x1 = true;
  std::int64_t num_classes = detail::default_num_classes;

  /// @brief Reads and checks the keys; errors name the key pycls would fail on.
  static resnet_params from(const value& job_cfg) {
    detail::section_reader model(job_cfg, "MODEL"), res(job_cfg, "RESNET"), train(job_cfg, "TRAIN");
    resnet_params p;
    p.depth = model.get_int("DEPTH", 0);
    p.cifar = train.get_string("DATASET", "").find("cifar") != std::string_view::npos;
    auto trans = res.get_string("TRANS_FUN", "basic_transform");
    if (trans != "basic_transform" && trans != "bottleneck_transform") {
      res.fail(nullptr, "TRANS_FUN",
               fmt::format("unknown transformation '{}' (expected basic_transform or bottleneck_transform)", trans));
    }
    p.bottleneck = trans == "bottleneck_transform";
    p.num_groups = res.get_int("NUM_GROUPS", 1);
    p.width_per_group = res.get_int("WIDTH_PER_GROUP", 64);
    p.stride_1x1 = res.get_bool("STRIDE_1X1", true);
    p.num_classes = detail::read_num_classes(job_cfg);
    if (p.cifar) {
      if (p.depth < 8 || (p.depth - 2) % 6 != 0) {
        model.fail(nullptr, "DEPTH", fmt::format("expected 6n + 2 (20, 32, 44, 56, 110, ...) for a CIFAR ResNet, got {}", p.depth));
      }
      if (p.bottleneck) res.fail(nullptr, "TRANS_FUN", "a CIFAR ResNet has basic_transform blocks only");
    } else {
      if (p.depth != 50 && p.depth != 101 && p.depth != 152) {
        model.fail(nullptr, "DEPTH",
                   fmt::format("expected 50, 101 or 152 for an ImageNet ResNet (TRAIN.DATASET '{}'), got {}",
                               train.get_string("DATASET", ""), p.depth));
      }
      if (!p.bottleneck) res.fail(nullptr, "TRANS_FUN", "an ImageNet ResNet needs bottleneck_transform");
      if (p.num_groups <= 0) res.fail(nullptr, "NUM_GROUPS", fmt::format("expected a positive number, got {}", p.num_groups));
      if (p.width_per_group <= 0) {
        res.fail(nullptr, "WIDTH_PER_GROUP", fmt::format("expected a positive width, got {}", p.width_per_group));
      }
    }
    return p;
  }
};

namespace detail {

inline void resnet_stage_cx(cx_state& cx, const resnet_params& p, std::int64_t w_in, std::int64_t w_out,
                            std::int64_t stride, std::int64_t d, std::int64_t w_b, std::int64_t groups) {
  for (std::int64_t i = 0; i < d; ++i) {
    const auto b_stride = i == 0 ? stride : 1;
    const auto b_w_in = i == 0 ? w_in : w_out;
    if (b_w_in != w_out || b_stride != 1) {
      const auto h = cx.h, w = cx.w;
      conv2d_cx(cx, b_w_in, w_out, 1, b_stride);
      norm2d_cx(cx, w_out);
      cx.h = h;
      cx.w = w;
    }
    if (p.bottleneck) {
      const auto s1 = p.stride_1x1 ? b_stride : 1, s3 = p.stride_1x1 ? 1 : b_stride;
      conv2d_cx(cx, b_w_in, w_b, 1, s1);
      norm2d_cx(cx, w_b);
      conv2d_cx(cx, w_b, w_b, 3, s3, groups);
      norm2d_cx(cx, w_b);
      conv2d_cx(cx, w_b, w_out, 1);
      norm2d_cx(cx, w_out);
    } else {
      conv2d_cx(cx, b_w_in, w_out, 3, b_stride);
      norm2d_cx(cx, w_out);
      conv2d_cx(cx, w_out, w_out, 3);
      norm2d_cx(cx, w_out);
    }
  }
}

}  // namespace detail

/// @brief pycls's ResNet.complexity at image size `im_size`.
inline complexity resnet_complexity(const resnet_params& p, std::int64_t im_size) {
  detail::cx_state cx(im_size);
  if (p.cifar) {
    const auto d = (p.depth - 2) / 6;
    detail::conv2d_cx(cx, 3, 16, 3);
    detail::norm2d_cx(cx, 16);
    detail::resnet_stage_cx(cx, p, 16, 16, 1, d, 0, 1);
    detail::resnet_stage_cx(cx, p, 16, 32, 2, d, 0, 1);
    detail::resnet_stage_cx(cx, p, 32, 64, 2, d, 0, 1);
    detail::gap2d_cx(cx);
    detail::linear_cx(cx, 64, p.num_classes, true);
    return detail::checked_sum(cx, "RESNET");
  }
  std::array<std::int64_t, 4> ds{3, 4, p.depth == 50 ? 6 : p.depth == 101 ? 23 : 36, 3};
  if (p.depth == 152) ds[1] = 8;
  const auto g = p.num_groups, w_b = p.width_per_group * g;
  detail::conv2d_cx(cx, 3, 64, 7, 2);
  detail::norm2d_cx(cx, 64);
  detail::pool2d_cx(cx, 64, 2);
  detail::resnet_stage_cx(cx, p, 64, 256, 1, ds[0], w_b, g);
  detail::resnet_stage_cx(cx, p, 256, 512, 2, ds[1], w_b * 2, g);
  detail::resnet_stage_cx(cx, p, 512, 1024, 2, ds[2], w_b * 4, g);
  detail::resnet_stage_cx(cx, p, 1024, 2048, 2, ds[3], w_b * 8, g);
  detail::gap2d_cx(cx);
  detail::linear_cx(cx, 2048, p.num_classes, true);
  return detail::checked_sum(cx, "RESNET");
}

/// @brief pycls's ResNet complexity for a job config (ResNets have no setup standardisation).
inline complexity resnet_complexity(const value& job_cfg) {
  return resnet_complexity(resnet_params::from(job_cfg), detail::read_im_size(job_cfg));
}

}  // namespace sweep
// ---- end sweep/models/resnet.hpp ----


#include <map>
#include <shared_mutex>

namespace sweep {

/// @brief What a model family provides. Only `compute` is required.
struct model_family {
  /// @brief Complexity of a job config as written (pycls's net.complexity: what the job logs).
  std::function<complexity(const value&)> compute;
  /// @brief pycls's setup step (scaler.scale_model()) on a job config; empty: the config is kept.
  std::function<value(const value&)> standardize;
  /// @brief A faster compute(standardize(cfg)); empty: that composition is used.
  std::function<complexity(const value&)> compute_standardized;
};

namespace detail {

class model_registry {
 public:
  static model_registry& instance() {
    static model_registry registry;
    return registry;
  }

  void add(std::string type, model_family family) {
    if (!family.compute) {
      throw sweep::error({}, "MODEL.TYPE", fmt::format("model family '{}' registered without a compute function", type));
    }
    auto shared = std::make_shared<const model_family>(std::move(family));
    std::unique_lock lock(mutex_);
    families_[std::move(type)] = std::move(shared);
  }

  [[nodiscard]] std::shared_ptr<const model_family> find(std::string_view type) const {
    std::shared_lock lock(mutex_);
    auto it = families_.find(type);
    return it == families_.end() ? nullptr : it->second;
  }

  [[nodiscard]] std::vector<std::string> types() const {
    std::shared_lock lock(mutex_);
    std::vector<std::string> out;
    for (auto& [name, family] : families_) out.push_back(name);
    return out;
  }

 private:
  model_registry() {
    families_["anynet"] = std::make_shared<const model_family>(model_family{
        [](const value& c) { return anynet_complexity(c); }, standardize_anynet, standardized_anynet_complexity});
    families_["regnet"] = std::make_shared<const model_family>(model_family{
        [](const value& c) { return regnet_complexity(c); }, standardize_regnet, standardized_regnet_complexity});
    families_["resnet"] =
        std::make_shared<const model_family>(model_family{[](const value& c) { return resnet_complexity(c); }, {}, {}});
    families_["mlp"] =
        std::make_shared<const model_family>(model_family{[](const value& c) { return mlp_complexity(c); }, {}, {}});
    families_["effnet"] = std::make_shared<const model_family>(model_family{
        [](const value& c) { return effnet_complexity(c); }, standardize_effnet, standardized_effnet_complexity});
  }

  mutable std::shared_mutex mutex_;
  std::map<std::string, std::shared_ptr<const model_family>, std::less<>> families_;
};

}  // namespace detail

/// @brief Adds (or replaces) the family for MODEL.TYPE `type`; safe while other threads compute.
inline void register_model_family(std::string type, model_family family) {
  detail::model_registry::instance().add(std::move(type), std::move(family));
}

/// @brief The family registered for `type`, or nullptr. Holding the pointer keeps it valid
/// even if the type is registered again, so a hot loop can look it up once.
inline std::shared_ptr<const model_family> find_model_family(std::string_view type) {
  return detail::model_registry::instance().find(type);
}

/// @brief The registered MODEL.TYPE names, sorted.
inline std::vector<std::string> known_model_types() { return detail::model_registry::instance().types(); }

/// @brief The family of a job config's MODEL.TYPE; an unknown type throws, naming the known ones.
inline std::shared_ptr<const model_family> model_family_of(const value& job_cfg) {
  detail::section_reader model(job_cfg, "MODEL");
  auto type = model.get_string("TYPE", "");
  auto family = find_model_family(type);
  if (!family) {
    model.fail(nullptr, "TYPE",
               fmt::format("unknown model type '{}' (known: {})", type, fmt::join(known_model_types(), ", ")));
  }
  return family;
}

/// @brief pycls's complexity of a job config as written: what the job reports when it trains it.
inline complexity compute_complexity(const value& job_cfg) { return model_family_of(job_cfg)->compute(job_cfg); }

/// @brief pycls's setup step on a job config: for anynet/effnet/regnet the scaler
/// (scaler.scale_model()), which standardises the model at SCALING_FACTOR 1.0 and turns a
/// regnet into its anynet form; other types are returned unchanged.
inline value standardize_model(const value& job_cfg) {
  auto family = model_family_of(job_cfg);
  return family->standardize ? family->standardize(job_cfg) : job_cfg;
}

/// @brief The complexity pycls's setup checks against SETUP.CONSTRAINTS.CX:
/// compute_complexity(standardize_model(cfg)), without building the standardised config
/// when the family has a fast path.
inline complexity standardized_complexity(const value& job_cfg) {
  auto family = model_family_of(job_cfg);
  if (family->compute_standardized) return family->compute_standardized(job_cfg);
  if (family->standardize) return family->compute(family->standardize(job_cfg));
  return family->compute(job_cfg);
}

}  // namespace sweep
// ---- end sweep/models/registry.hpp ----
// ---- end sweep/models.hpp ----

// ---- begin sweep/setup.hpp ----
// Umbrella header of the setup stage: includes every public header of include/sweep/setup/.


// ---- begin sweep/setup/constraints.hpp ----
// pycls's config-level constraints (SETUP.CONSTRAINTS): the RegNet stage rule
// and the complexity ranges CX.FLOPS/PARAMS/ACTS. RegNet candidates take a fast
// path that never builds a config tree: BASE_CFG's RegNet is read once and only
// the sampled REGNET.* keys are patched in.


// ---- begin sweep/setup/job_config.hpp ----
// A job config is BASE_CFG with a sample's (key, value) pairs merged in by
// dotted path, as yacs's merge_from_list does, keeping BASE_CFG's types.




namespace sweep {

/// @brief Sets `key` (dotted) in `tree` to `v`, creating missing maps; a float key given an integer stays a float.
inline void merge_param(value& tree, std::string_view key, const value& v) {
  value* node = nullptr;
  try {
    node = &tree.at_path(key);
  } catch (const error&) {
    throw error({}, std::string(key), "cannot set this key: a part of its path is not a map in BASE_CFG");
  }
  if (node->is_float() && v.is_int()) {
    *node = value{v.as_float()};
  } else {
    int line = node->line();
    *node = v;
    node->set_line(line);
  }
}

/// @brief BASE_CFG with the pairs merged in.
inline value merge_params(const value& base_cfg, const param_list& params) {
  value job = base_cfg.is_null() ? value{value::map{}} : base_cfg;
  for (auto& [key, v] : params) merge_param(job, key, v);
  return job;
}

/// @brief The training seed of repeat `r` of a job config (SETUP.REPEATS): the config's RNG_SEED plus r,
/// counting from 1 (pycls's default RNG_SEED) when the config has none.
inline std::int64_t repeat_seed(const value& job, std::int64_t r) {
  const value* seed = job.is_map() ? job.child("RNG_SEED") : nullptr;
  if (seed != nullptr && !seed->is_int()) {
    throw error({}, "SETUP.REPEATS",
                fmt::format("each repeat sets the job's RNG_SEED, so expected an integer RNG_SEED in the job config "
                            "(BASE_CFG or a sampler), got {}", seed->python_repr()));
  }
  return (seed != nullptr ? seed->as_int() : 1) + r;
}

/// @brief Job config `index` of a sweep with `repeats` jobs per config: config index / repeats, repeat index
/// % repeats. Its RNG_SEED is set to repeat_seed (nothing changes with one repeat); returns the seed.
inline std::int64_t set_repeat_seed(value& job, std::int64_t index, std::int64_t repeats) {
  if (repeats <= 1) return 0;
  auto seed = repeat_seed(job, index % repeats);
  merge_param(job, "RNG_SEED", value{seed});
  return seed;
}

/// @brief A job's line in cfgs_summary.yaml: its config's key, and with repeats the seed that tells the
/// config's jobs apart ("K1 V1 K2 V2 RNG_SEED 3").
inline std::string repeat_key(std::string_view config_key, std::int64_t repeats, std::int64_t seed) {
  return repeats <= 1 ? std::string(config_key) : fmt::format("{} RNG_SEED {}", config_key, seed);
}

/// @brief The inverse of repeat_key: the config's key of a cfgs_summary.yaml line (without the job's
/// " RNG_SEED n" when there are repeats).
inline std::string config_key_of(std::string line, std::int64_t repeats) {
  if (repeats > 1) {
    auto at = line.rfind(" RNG_SEED ");
    if (at != std::string::npos) line.erase(at);
  }
  return line;
}

}  // namespace sweep
// ---- end sweep/setup/job_config.hpp ----


namespace sweep {

/// @brief Checks candidates against SETUP.CONSTRAINTS exactly where pycls's sweep_setup does.
class config_checks {
 public:
  explicit config_checks(const sweep_config& cfg)
      : base_(cfg.setup.base_cfg.is_null() ? value{value::map{}} : cfg.setup.base_cfg),
        cx_(cfg.setup.constraints.cx),
        stages_(cfg.setup.constraints.regnet.num_stages) {
    cx_active_ = any_bound(cx_.flops) || any_bound(cx_.params) || any_bound(cx_.acts);
    auto* type = base_.find("MODEL.TYPE");
    base_is_regnet_ = type != nullptr && type->is_string() && type->as_string() == "regnet";
    if (base_is_regnet_) {
      base_regnet_ = regnet_params::from(base_);
      im_size_ = int_or(base_.find("TRAIN.IM_SIZE"), 224);
      num_classes_ = int_or(base_.find("MODEL.NUM_CLASSES"), 10);
    }
    // A sampled MODEL.TYPE could make any candidate a RegNet: then every candidate is checked.
    auto* samplers = cfg.setup.samplers.is_map() ? cfg.setup.samplers.child("MODEL.TYPE") : nullptr;
    may_be_regnet_ = base_is_regnet_ || samplers != nullptr || !cfg.setup.space.is_null();
  }

  /// @brief False when no constraint can reject anything (then candidates are not even looked at).
  [[nodiscard]] bool active() const noexcept { return cx_active_ || may_be_regnet_; }

  /// @brief The rules a candidate can fail, in the order of reject_reason's codes (1, 2, ...): for
  /// setup's report of what each rule removed. Defaults are named as such.
  [[nodiscard]] std::vector<std::string> rule_names() const {
    bool default_stages = stages_[0] == 4 && stages_[1] == 4;
    auto range = [](const char* key, const std::array<double, 2>& r) { return fmt::format("SETUP.CONSTRAINTS.CX.{} [{}, {}]", key, r[0], r[1]); };
    return {fmt::format("SETUP.CONSTRAINTS.REGNET.NUM_STAGES [{}, {}]{}", stages_[0], stages_[1], default_stages ? " (the default)" : ""),
            fmt::format("SETUP.CONSTRAINTS.REGNET.NUM_STAGES [{}, {}]{} on a RegNet whose REGNET.DEPTH, W0, WA or WM is "
                        "neither in BASE_CFG nor sampled (pycls's defaults were used)",
                        stages_[0], stages_[1], default_stages ? " (the default)" : ""),
            range("FLOPS", cx_.flops), range("PARAMS", cx_.params), range("ACTS", cx_.acts),
            "the model family could not read the config's keys" + unreadable_note()};
  }

  /// @brief 0 when the candidate BASE_CFG + params passes the RegNet rule and the CX ranges, else the
  /// 1-based index of the first rule it fails in rule_names().
  [[nodiscard]] std::size_t reject_reason(const param_list& params) const {
    try {
      if (base_is_regnet_ && only_regnet_keys(params)) return check_regnet_fast(params);
      value job = merge_params(base_, params);
      auto* type = job.find("MODEL.TYPE");
      if (type != nullptr && type->is_string() && type->as_string() == "regnet") {
        auto p = regnet_params::from(job);
        if (!stages_ok(regnet_generate(p.wa, p.w0, p.wm, p.depth))) return regnet_keys_given(job) ? 1 : 2;
      }
      return cx_active_ ? cx_reason(standardized_complexity(job)) : 0;
    } catch (const error& e) {
      remember_unreadable(e.what());
      return 6;
    }
  }

  /// @brief True when the candidate BASE_CFG + params passes the RegNet rule and the CX ranges.
  [[nodiscard]] bool operator()(const param_list& params) const { return reject_reason(params) == 0; }

  /// @brief The written form of a kept config: pycls's scaler step for the families that have one.
  [[nodiscard]] static value finish(value job) {
    auto* type = job.find("MODEL.TYPE");
    if (type == nullptr || !type->is_string()) return job;
    auto family = find_model_family(type->as_string());
    return family && family->standardize ? family->standardize(job) : job;
  }

 private:
  static bool any_bound(const std::array<double, 2>& range) { return range[0] != 0 || range[1] != 0; }
  static std::int64_t int_or(const value* v, std::int64_t fallback) { return v != nullptr && v->is_int() ? v->as_int() : fallback; }

  static bool only_regnet_keys(const param_list& params) {
    for (auto& [key, v] : params) {
      if (!key.starts_with("REGNET.") || !v.is_number()) return false;
      auto name = std::string_view(key).substr(7);
      if (name != "DEPTH" && name != "W0" && name != "WA" && name != "WM" && name != "GROUP_W" && name != "BOT_MUL") return false;
    }
    return true;
  }

  bool stages_ok(const regnet_stages& s) const {
    return s.all_stages_used() && stages_[0] <= s.num_stages && s.num_stages <= stages_[1];
  }

  static bool in_bounds(double v, const std::array<double, 2>& range) {
    if (!any_bound(range)) return true;
    double low = range[0] == 0 ? v : range[0];
    double high = range[1] == 0 ? v : range[1];
    return low <= v && v <= high;
  }

  std::size_t cx_reason(const complexity& cx) const {
    if (!in_bounds(static_cast<double>(cx.flops), cx_.flops)) return 3;
    if (!in_bounds(static_cast<double>(cx.params), cx_.params)) return 4;
    if (!in_bounds(static_cast<double>(cx.acts), cx_.acts)) return 5;
    return 0;
  }

  static bool regnet_keys_given(const value& job) {
    for (const char* key : {"REGNET.DEPTH", "REGNET.W0", "REGNET.WA", "REGNET.WM"}) {
      if (job.find(key) == nullptr) return false;
    }
    return true;
  }

  // The first message of a model family that could not read a candidate, for the report (shared by threads).
  struct unreadable_message {
    std::mutex mutex;
    std::string text;
  };
  void remember_unreadable(const std::string& text) const {
    std::lock_guard lock(unreadable_->mutex);
    if (unreadable_->text.empty()) unreadable_->text = text;
  }
  std::string unreadable_note() const {
    std::lock_guard lock(unreadable_->mutex);
    return unreadable_->text.empty() ? std::string() : " (first: " + unreadable_->text + ")";
  }

  std::size_t check_regnet_fast(const param_list& params) const {
    regnet_params p = base_regnet_;
    for (auto& [key, v] : params) {
      auto name = std::string_view(key).substr(7);
      if (name == "DEPTH") p.depth = v.as_int();
      else if (name == "W0") p.w0 = v.as_float();
      else if (name == "WA") p.wa = v.as_float();
      else if (name == "WM") p.wm = v.as_float();
      else if (name == "GROUP_W") p.group_w = v.as_int();
      else p.bot_mul = v.as_float();
    }
    auto stages = regnet_generate(p.wa, p.w0, p.wm, p.depth);
    if (!stages_ok(stages)) {
      bool given = true;
      for (const char* key : {"REGNET.DEPTH", "REGNET.W0", "REGNET.WA", "REGNET.WM"}) {
        bool sampled = std::any_of(params.begin(), params.end(), [&](auto& kv) { return kv.first == key; });
        given = given && (sampled || base_.find(key) != nullptr);
      }
      return given ? 1 : 2;
    }
    return cx_active_ ? cx_reason(regnet_complexity(p, stages, im_size_, num_classes_)) : 0;
  }

  value base_;
  cx_constraints cx_;
  std::array<std::int64_t, 2> stages_;
  bool cx_active_ = false;
  bool base_is_regnet_ = false;
  bool may_be_regnet_ = false;
  std::shared_ptr<unreadable_message> unreadable_ = std::make_shared<unreadable_message>();
  regnet_params base_regnet_;
  std::int64_t im_size_ = 224;
  std::int64_t num_classes_ = 10;
};

}  // namespace sweep
// ---- end sweep/setup/constraints.hpp ----

// ---- begin sweep/setup/sample.hpp ----
// The sampling engine of setup, as pycls's sweep_setup runs it: chunks of
// CHUNK_SIZE draws, each seeded from RNG_SEED's stream, NUM_PROC chunks at a
// time, until NUM_CONFIGS unique valid configs exist or NUM_SAMPLES draws were
// made; then the configs are shuffled and cut with the same stream. Each
// chunk's candidates are checked on the typed record first; a config tree is
// only built for what survives.


#include <memory_resource>
#include <unordered_map>

namespace sweep {

/// @brief A space the engine can sample: draws records, checks them, prints their key text.
template <class S>
concept sampleable_space = requires(const S& s, numpy_rng& rng, const typename S::record_type& r, std::string& text,
                                    param_list& params) {
  { s.draw(rng) } -> std::same_as<typename S::record_type>;
  { s.accepts(r) } -> std::convertible_to<bool>;
  s.append_key_text(text, r);
  s.append_params(params, r);
};

namespace detail {

/// @brief A candidate's key text with its hash, worked out once by the worker that drew it and reused by the merge.
struct hashed_key {
  std::string_view text;
  std::size_t hash = 0;
  friend bool operator==(const hashed_key& a, const hashed_key& b) noexcept { return a.hash == b.hash && a.text == b.text; }
};
struct hashed_key_hash {
  std::size_t operator()(const hashed_key& k) const noexcept { return k.hash; }
};

/// @brief Memory for many key texts, freed all at once: a key costs no allocation of its own.
class key_arena {
 public:
  hashed_key store(std::string_view text, std::size_t hash) {
    auto* chars = static_cast<char*>(memory_->allocate(std::max<std::size_t>(1, text.size()), 1));
    std::copy(text.begin(), text.end(), chars);
    return {{chars, text.size()}, hash};
  }
  [[nodiscard]] std::pmr::memory_resource* resource() const noexcept { return memory_.get(); }

 private:
  // behind a pointer, so the texts stay put when the arena is moved
  std::unique_ptr<std::pmr::monotonic_buffer_resource> memory_ = std::make_unique<std::pmr::monotonic_buffer_resource>();
};

}  // namespace detail

/// @brief Where sampling stands, reported after each round of chunks.
struct sample_progress {
  std::int64_t sampled = 0;  // candidates drawn so far (pycls counts whole chunks)
  std::int64_t kept = 0;     // unique valid configs so far
  double seconds = 0;
};

/// @brief What the candidate test removed, rule by rule: setup reports it so no candidate falls silently.
struct rejection_counts {
  std::int64_t drawn = 0;       // candidates looked at (records drawn or enumerated)
  std::int64_t duplicates = 0;  // keys met before (in the chunk, or in an earlier chunk)
  std::int64_t where = 0;       // refused by the space's own `where`s, in all
  std::vector<std::int64_t> wheres;  // ... per where (rejected_by - 1), named by where_names
  std::vector<std::string> where_names;  // the space's wheres (space/space.hpp append_where_names)
  std::vector<std::int64_t> rules;  // refused by the config-level check, per rule (reject_reason - 1)

  void add(const rejection_counts& o) {
    drawn += o.drawn;
    duplicates += o.duplicates;
    where += o.where;
    add_counts(wheres, o.wheres);
    add_counts(rules, o.rules);
  }
  void count_rule(std::size_t reason) { count(rules, reason); }
  void count_where(std::size_t which) {
    ++where;
    count(wheres, which);
  }

 private:
  static void count(std::vector<std::int64_t>& counts, std::size_t one_based) {
    if (counts.size() < one_based) counts.resize(one_based);
    ++counts[one_based - 1];
  }
  static void add_counts(std::vector<std::int64_t>& to, const std::vector<std::int64_t>& from) {
    if (to.size() < from.size()) to.resize(from.size());
    for (std::size_t i = 0; i < from.size(); ++i) to[i] += from[i];
  }
};

/// @brief What sampling found: the configs in their final (shuffled) order.
template <class Record>
struct sample_result {
  std::vector<std::string_view> keys;  // pycls's key text of each config, its DESC (the text lives in key_texts)
  std::vector<Record> records;
  std::shared_ptr<const std::vector<detail::key_arena>> key_texts;
  std::int64_t sampled = 0;
  std::int64_t found = 0;  // unique valid configs found before the cut to NUM_CONFIGS
  rejection_counts rejected;
  double seconds = 0;
};

/// @brief Accepts every candidate: for spaces with no config-level constraints.
struct accept_all {
  [[nodiscard]] constexpr bool active() const noexcept { return false; }
  [[nodiscard]] constexpr bool operator()(const param_list&) const noexcept { return true; }
};

namespace detail {

/// @brief The configs one chunk (or block) found, in the order found; their key texts live in `keys`.
template <class Record>
struct chunk_result {
  key_arena keys;
  std::vector<std::pair<hashed_key, Record>> configs;
  rejection_counts rejected;
};

/// @brief Which rule of `check` refuses the candidate (1-based), 0 if none: a check that names its rules
/// (config_checks::reject_reason) says which; any other is one rule.
template <class Check>
std::size_t reject_reason_of(const Check& check, const param_list& params) {
  if constexpr (requires { { check.reject_reason(params) } -> std::convertible_to<std::size_t>; }) {
    return check.reject_reason(params);
  } else {
    return check(params) ? 0 : 1;
  }
}

/// @brief The per-chunk candidate test of pycls's sample_cfgs: new key (dedup), then the space's
/// constraints, then the config-level ones. Rejected keys are remembered only to skip rechecking them.
/// Rejected keys live in the filter's own arena, dropped with it; kept ones in the chunk's.
template <class Space, class Check>
class candidate_filter {
 public:
  candidate_filter(const Space& space, const Check& check, std::size_t expected)
      : space_(space), check_(check), seen_(std::min<std::size_t>(expected, 1 << 16), hashed_key_hash{}, {}, seen_keys_.resource()) {}

  /// @brief Adds the record to `out` if it is a new valid candidate; true if it did. Counts why not in
  /// out.rejected; a rejected key drawn again counts again under its rule.
  bool admit(typename Space::record_type&& record, chunk_result<typename Space::record_type>& out) {
    ++out.rejected.drawn;
    text_.clear();
    space_.append_key_text(text_, record);
    hashed_key key{text_, std::hash<std::string_view>{}(text_)};
    if (seen_.contains(key)) {
      ++out.rejected.duplicates;
      return false;
    }
    if (auto known = rejected_.find(key); known != rejected_.end()) {
      count(known->second, out.rejected);
      return false;
    }
    std::int64_t reason = -static_cast<std::int64_t>(detail::rejected_by(space_, record));
    if (reason == 0 && check_.active()) {
      params_.clear();
      space_.append_params(params_, record);
      reason = static_cast<std::int64_t>(reject_reason_of(check_, params_));
    }
    if (reason != 0) {
      rejected_.emplace(seen_keys_.store(key.text, key.hash), reason);
      count(reason, out.rejected);
      return false;
    }
    key = out.keys.store(key.text, key.hash);  // `out` outlives the filter: one copy serves both
    seen_.insert(key);
    out.configs.emplace_back(key, std::move(record));
    return true;
  }

 private:
  const Space& space_;
  const Check& check_;
  key_arena seen_keys_;
  std::pmr::unordered_set<hashed_key, hashed_key_hash> seen_;
  // A rejection's reason: a config-level rule (> 0) or the space's where -k (< 0).
  static void count(std::int64_t reason, rejection_counts& counts) {
    if (reason > 0) counts.count_rule(static_cast<std::size_t>(reason));
    else counts.count_where(static_cast<std::size_t>(-reason));
  }

  std::pmr::unordered_map<hashed_key, std::int64_t, hashed_key_hash> rejected_{seen_keys_.resource()};  // key -> reason
  std::string text_;
  param_list params_;
};

/// @brief One chunk, as pycls's sample_cfgs(seed): its own seed, its own dedup, stop at NUM_CONFIGS.
template <class Space, class Check>
chunk_result<typename Space::record_type> sample_chunk(const Space& space, const Check& check, std::uint32_t seed,
                                                       std::int64_t chunk_size, std::int64_t num_configs) {
  chunk_result<typename Space::record_type> out;
  numpy_rng rng(seed);
  candidate_filter filter(space, check, static_cast<std::size_t>(chunk_size));
  for (std::int64_t i = 0; i < chunk_size; ++i) {
    if (filter.admit(space.draw(rng), out) && static_cast<std::int64_t>(out.configs.size()) == num_configs) break;
  }
  return out;
}

/// @brief The configs of all chunks merged in order, first occurrence of a key kept: pycls's insertion-ordered dict.
template <class Record>
class merged_configs {
 public:
  /// @brief `expected`: how many configs there may be, to size the index once (capped; it grows if needed).
  explicit merged_configs(std::int64_t expected) {
    auto n = static_cast<std::size_t>(std::clamp<std::int64_t>(expected, 0, 1 << 20));
    configs_.reserve(n);
    index_.reserve(n);
  }
  void add(chunk_result<Record>&& chunk) {
    rejected_.add(chunk.rejected);
    for (auto& [key, record] : chunk.configs) {
      if (index_.insert(key).second) configs_.emplace_back(key, std::move(record));
      else ++rejected_.duplicates;
    }
    arenas_.push_back(std::move(chunk.keys));  // the merged keys' texts
  }
  [[nodiscard]] std::int64_t size() const noexcept { return static_cast<std::int64_t>(configs_.size()); }
  [[nodiscard]] const rejection_counts& rejected() const noexcept { return rejected_; }

  /// @brief The result's configs: those at `order` (indices in merge order), moved out with their key texts.
  void take(sample_result<Record>& result, const std::vector<std::int64_t>& order) {
    result.keys.reserve(order.size());
    result.records.reserve(order.size());
    for (auto id : order) {
      auto& [key, record] = configs_[static_cast<std::size_t>(id)];
      result.keys.push_back(key.text);
      result.records.push_back(std::move(record));
    }
    result.key_texts = std::make_shared<const std::vector<key_arena>>(std::move(arenas_));
  }

 private:
  std::vector<key_arena> arenas_;
  rejection_counts rejected_;
  std::vector<std::pair<hashed_key, Record>> configs_;
  std::pmr::monotonic_buffer_resource index_memory_;  // nodes are never freed one by one
  std::pmr::unordered_set<hashed_key, hashed_key_hash> index_{&index_memory_};
};

}  // namespace detail

/// @brief Samples NUM_CONFIGS unique valid configs from a space, exactly as pycls would for the same seed and NUM_PROC.
/// `check` sees each new candidate's (key, value) pairs (config-level constraints); `progress` is called per round.
template <sampleable_space Space, class Check = accept_all>
sample_result<typename Space::record_type> sample_configs(const Space& design, const setup_options& setup,
                                                          std::int64_t num_proc, const Check& check = {},
                                                          const std::function<void(const sample_progress&)>& progress = {}) {
  using record_type = typename Space::record_type;
  auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  numpy_rng rng;
  auto seeds = chunk_seeds(rng, setup.rng_seed, setup.num_samples, setup.chunk_size);
  std::int64_t target = setup.num_configs > 0 ? setup.num_configs : INT64_MAX;

  detail::merged_configs<record_type> configs(std::min(target, setup.num_samples));
  std::int64_t sampled = 0;
  for (std::size_t round = 0; sampled < setup.num_samples && configs.size() < target; ++round) {
    std::size_t first = std::min(seeds.size(), round * static_cast<std::size_t>(num_proc));
    std::size_t last = std::min(seeds.size(), first + static_cast<std::size_t>(num_proc));
    std::vector<detail::chunk_result<record_type>> chunks(last - first);
    run_on_threads(last - first, [&](std::size_t c) {
      chunks[c] = detail::sample_chunk(design, check, static_cast<std::uint32_t>(seeds[first + c]), setup.chunk_size, target);
    });
    for (auto& chunk : chunks) configs.add(std::move(chunk));
    sampled += setup.chunk_size * num_proc;
    if (progress) progress({sampled, configs.size(), elapsed()});
  }

  sample_result<record_type> result;
  result.sampled = sampled;
  result.found = configs.size();
  result.rejected = configs.rejected();
  detail::append_where_names(design, result.rejected.where_names);
  configs.take(result, rng.choice(result.found, std::min<std::int64_t>(result.found, target)));
  result.seconds = elapsed();
  return result;
}

/// @brief Enumerates a finite or sequence space (grid, zip, concat, join, sobol): record 0, 1, ... in index order,
/// deduplicated by key and checked like random candidates. A finite space is enumerated whole; a sequence stops at
/// NUM_CONFIGS unique valid configs or NUM_SAMPLES indices. Blocks of CHUNK_SIZE indices are checked NUM_PROC at a
/// time and merged in index order, so the result does not depend on NUM_PROC.
/// Finite spaces: all valid configs in index order, or a random NUM_CONFIGS of them (RNG_SEED) when fewer are asked
/// for; in a random order when the space is shuffled. Sequences: the first NUM_CONFIGS, in sequence order.
template <class Space, class Check = accept_all>
  requires indexed_space<Space>
sample_result<typename Space::record_type> enumerate_configs(const Space& design, const setup_options& setup,
                                                             std::int64_t num_proc, const Check& check = {},
                                                             const std::function<void(const sample_progress&)>& progress = {}) {
  using record_type = typename Space::record_type;
  auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  bool finite = kind_of(design) == space_kind::finite;
  std::uint64_t total = 0;
  if constexpr (requires { design.size(); }) {
    if (finite) total = design.size();
  }
  if (!finite) total = static_cast<std::uint64_t>(std::max<std::int64_t>(0, setup.num_samples));
  std::int64_t target = setup.num_configs > 0 ? setup.num_configs : INT64_MAX;
  auto block = static_cast<std::uint64_t>(std::max<std::int64_t>(1, setup.chunk_size));
  auto workers = static_cast<std::uint64_t>(std::max<std::int64_t>(1, num_proc));

  detail::merged_configs<record_type> configs(std::min<std::int64_t>(target, static_cast<std::int64_t>(std::min<std::uint64_t>(total, INT64_MAX))));
  std::uint64_t next = 0;
  while (next < total && (finite || configs.size() < target)) {
    std::uint64_t blocks = std::min<std::uint64_t>(workers, (total - next + block - 1) / block);
    std::vector<detail::chunk_result<record_type>> found(blocks);
    run_on_threads(blocks, [&](std::size_t b) {
      std::uint64_t first = next + b * block, last = std::min(total, first + block);
      detail::candidate_filter filter(design, check, static_cast<std::size_t>(last - first));
      // The space's records as a range (space/range.hpp): index first up to last.
      for (space_iterator<Space> it(&design, first), stop(&design, last); it != stop; ++it) filter.admit(*it, found[b]);
    });
    for (auto& chunk : found) configs.add(std::move(chunk));
    next = std::min(total, next + blocks * block);
    if (progress) progress({static_cast<std::int64_t>(next), configs.size(), elapsed()});
  }

  sample_result<record_type> result;
  result.sampled = static_cast<std::int64_t>(next);
  result.found = configs.size();
  result.rejected = configs.rejected();
  detail::append_where_names(design, result.rejected.where_names);
  auto n = std::min<std::int64_t>(result.found, target);
  std::vector<std::int64_t> order;
  if (finite && (is_shuffled(design) || n < result.found)) {
    numpy_rng rng(static_cast<std::uint32_t>(setup.rng_seed));
    order = rng.choice(result.found, n);
    if (!is_shuffled(design)) std::sort(order.begin(), order.end());
  } else {
    for (std::int64_t i = 0; i < n; ++i) order.push_back(i);
  }
  configs.take(result, order);
  result.seconds = elapsed();
  return result;
}

/// @brief Samples any space the way its kind asks for: random spaces as pycls does (sample_configs), finite
/// and sequence spaces by enumeration (enumerate_configs). Seeded parts (sobol) are scrambled by RNG_SEED.
template <sampleable_space Space, class Check = accept_all>
sample_result<typename Space::record_type> sample_space(const Space& design, const setup_options& setup,
                                                        std::int64_t num_proc, const Check& check = {},
                                                        const std::function<void(const sample_progress&)>& progress = {}) {
  auto seeded = with_seed(design, static_cast<std::uint64_t>(setup.rng_seed));
  if constexpr (indexed_space<Space>) {
    if (kind_of(seeded) != space_kind::random) return enumerate_configs(seeded, setup, num_proc, check, progress);
  }
  return sample_configs(seeded, setup, num_proc, check, progress);
}

}  // namespace sweep
// ---- end sweep/setup/sample.hpp ----

// ---- begin sweep/setup/setup.hpp ----
// Setup: a sweep config (and its space) becomes numbered job configs under
// ROOT_DIR/NAME: cfgs/000000.yaml ..., cfgs_summary.yaml and sweep_cfg.yaml.
// It may be re-run until the sweep is launched; the new cfgs replace the old
// ones whole, so no stale file is ever left.


// ---- begin sweep/config/space_spec.hpp ----
// SETUP.SPACE -> any_space: sweep's combinator spaces written in YAML, the
// alternative to pycls's SETUP.SAMPLERS (a config has one or the other). The
// reader builds the same class templates the C++ DSL builds (grid_space, zip_space,
// concat_space, joined_space with when parts, sobol_space, typed_space), over
// bindings and parts chosen at run time, each node held in an any_space:
//   TYPE: grid | zip    AXES: {KEY: axis, ...}  [SHUFFLE: true]
//   TYPE: concat | join PARTS: [space, ...]     [SHUFFLE: true]
//   TYPE: when          KEY, EQUALS, SPACE      (a part of a join, after the part that sets KEY)
//   TYPE: sobol | random SAMPLERS: {KEY: sampler as in SETUP.SAMPLERS, ...}
// An axis is [v, ...], {VALUES: [...]}, {RANGE: [lo, hi], STEP: s} (ints) or
// {RANGE: [lo, hi], COUNT: n, SPACING: linear|log, QUANTIZE: q} (floats).


// ---- begin sweep/config/space_yaml.hpp ----
// SETUP.SAMPLERS (pycls's sampler specs) -> runtime_space: the same typed
// samplers the C++ DSL builds, checked with pycls's rules, with errors that
// name the file, line and key path of the offending entry.



namespace sweep {

namespace detail {

class sampler_reader {
 public:
  explicit sampler_reader(std::string file) : file_(std::move(file)) {}

  /// @brief One sampler spec (a map with TYPE) at `path`, for the config key `key`.
  dyn_sampler read(const value& spec, const std::string& path, const std::string& key) const {
    if (!spec.is_map()) fail(spec, path, "expected a sampler: a map with TYPE (float_sampler, int_sampler, value_sampler, list_sampler, regnet_sampler)");
    auto* type = spec.child("TYPE");
    if (type == nullptr || !type->is_string()) {
      fail(type ? *type : spec, path + ".TYPE", "expected one of float_sampler, int_sampler, value_sampler, list_sampler, regnet_sampler");
    }
    const auto& t = type->as_string();
    if (t == "float_sampler") return scalar<double>(spec, path, key);
    if (t == "int_sampler") return scalar<std::int64_t>(spec, path, key);
    if (t == "value_sampler") {
      allow_keys(spec, path, {"TYPE", "VALUES"});
      auto* values = spec.child("VALUES");
      if (values == nullptr || !values->is_list() || values->as_list().empty()) {
        fail(values ? *values : spec, path + ".VALUES", "expected a non-empty list of values");
      }
      return choice_sampler<value>{values->as_list()};
    }
    if (t == "list_sampler") {
      allow_keys(spec, path, {"TYPE", "LENGTH", "ITEM_SAMPLER"});
      dyn_list_sampler list;
      if (auto* length = spec.child("LENGTH")) {
        if (!length->is_int() || length->as_int() < 0 || length->as_int() > max_list_length) {
          fail(*length, path + ".LENGTH", fmt::format("expected an integer from 0 to {}", max_list_length));
        }
        list.length = length->as_int();
      }
      auto* item = spec.child("ITEM_SAMPLER");
      if (item == nullptr) fail(spec, path + ".ITEM_SAMPLER", "is required: expected the sampler of each item");
      if (depth_ >= max_depth) fail(*item, path + ".ITEM_SAMPLER", fmt::format("expected list samplers nested at most {} deep", max_depth));
      sampler_reader nested = *this;
      ++nested.depth_;
      list.item = std::make_shared<const dyn_sampler>(nested.read(*item, path + ".ITEM_SAMPLER", key));
      return list;
    }
    if (t == "regnet_sampler") {
      if (key != "REGNET") fail(spec, path + ".TYPE", "regnet_sampler can only be used for the key REGNET");
      allow_keys(spec, path, {"TYPE", "DEPTH", "W0", "WA", "WM", "GROUP_W", "BOT_MUL"});
      regnet_sampler s;
      range(spec, path, "DEPTH", s.depth_);
      range(spec, path, "W0", s.w0_);
      range(spec, path, "WA", s.wa_);
      range(spec, path, "WM", s.wm_);
      range(spec, path, "GROUP_W", s.group_w_);
      range(spec, path, "BOT_MUL", s.bot_mul_);
      checked(spec, path, [&] { s.validate("REGNET"); }, "REGNET");
      return s;
    }
    fail(*type, path + ".TYPE",
         fmt::format("unknown sampler type '{}': expected one of float_sampler, int_sampler, value_sampler, list_sampler, regnet_sampler", t));
  }

  [[noreturn]] void fail(const value& node, const std::string& path, const std::string& message) const {
    throw error({file_, node.line()}, path, message);
  }

 private:
  static constexpr std::int64_t max_list_length = 1'000'000;
  static constexpr int max_depth = 16;

  void allow_keys(const value& spec, const std::string& path, std::vector<std::string> allowed) const {
    for (auto& [k, v] : spec.as_map()) {
      if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
        fail(v, path + "." + k, "unknown key for this sampler" + did_you_mean(k, allowed));
      }
    }
  }

  template <class T>
  T number(const value& node, const std::string& path) const {
    if constexpr (std::is_same_v<T, double>) {
      if (!node.is_number()) fail(node, path, fmt::format("expected a number, got {} ({})", node.kind(), node.python_repr()));
      // pycls's validate_rand asserts type(q) == type(low) == type(high): a float range is floats only.
      if (node.is_int()) {
        fail(node, path, fmt::format("expected a float, got an int ({0}): write {0}.0 (pycls's validate_rand needs "
                                     "RANGE and QUANTIZE all floats here, all ints for an int_sampler)", node.python_repr()));
      }
      return node.as_float();
    } else {
      if (!node.is_int()) fail(node, path, fmt::format("expected an integer, got {} ({})", node.kind(), node.python_repr()));
      return node.as_int();
    }
  }

  template <class T>
  void range(const value& spec, const std::string& path, const char* name, scalar_sampler<T>& s) const {
    auto* node = spec.child(name);
    if (node == nullptr) return;
    auto field = path + "." + name;
    if (!node->is_list() || node->as_list().size() != 2) fail(*node, field, "expected a range [low, high]");
    s.low = number<T>(node->as_list()[0], field + "[0]");
    s.high = number<T>(node->as_list()[1], field + "[1]");
  }

  template <class F>
  void checked(const value& spec, const std::string& path, F&& check, const std::string& key) const {
    try {
      check();
    } catch (const error& e) {
      // Point at the line of the field the check names (RANGE, QUANTIZE, ...).
      auto field = e.key_path().size() > key.size() ? e.key_path().substr(key.size() + 1) : std::string();
      auto sub = field.substr(0, field.find('.'));
      auto* node = sub.empty() ? nullptr : spec.child(sub);
      auto full = path + (field.empty() ? "" : "." + field);
      throw error({file_, (node ? *node : spec).line()}, full, e.message());
    }
  }

  template <class T>
  dyn_sampler scalar(const value& spec, const std::string& path, const std::string& key) const {
    allow_keys(spec, path, {"TYPE", "RAND_TYPE", "RANGE", "QUANTIZE"});
    scalar_sampler<T> s;
    if (auto* rand = spec.child("RAND_TYPE")) {
      auto type = rand->is_string() ? parse_rand_type(rand->as_string()) : std::nullopt;
      if (!type) {
        std::vector<std::string> names(rand_type_names.begin(), rand_type_names.end());
        fail(*rand, path + ".RAND_TYPE",
             fmt::format("unknown rand type {}: expected one of {}{}", rand->python_repr(), fmt::join(names, ", "),
                         rand->is_string() ? did_you_mean(rand->as_string(), names) : ""));
      }
      s.type = *type;
    }
    range(spec, path, "RANGE", s);
    if (auto* q = spec.child("QUANTIZE")) s.q = number<T>(*q, path + ".QUANTIZE");
    checked(spec, path, [&] { s.validate(key); }, key);
    return s;
  }

  std::string file_;
  int depth_ = 0;
};

/// @brief Throws when one key of a SAMPLERS (or AXES) map contains another (OPTIM and OPTIM.BASE_LR), naming
/// both: a sampler of OPTIM writes all of OPTIM, so the other would be dropped or overwrite part of it,
/// depending on the order. A regnet_sampler's REGNET counts as containing REGNET.DEPTH and the rest.
inline void check_keys_disjoint(const value& map, const std::string& path, const std::string& file) {
  if (!map.is_map()) return;
  std::vector<std::string_view> keys;
  for (auto& [key, spec] : map.as_map()) keys.emplace_back(key);
  std::sort(keys.begin(), keys.end());
  for (auto& [key, spec] : map.as_map()) {
    // every proper prefix of `key` that ends before a '.' is a key that would contain it
    for (auto dot = key.find('.'); dot != std::string::npos; dot = key.find('.', dot + 1)) {
      auto outer = std::string_view(key).substr(0, dot);
      if (std::binary_search(keys.begin(), keys.end(), outer)) {
        throw error({file, spec.line()}, path + "." + key,
                    fmt::format("overlaps {}.{}: a sampler of {} sets all of it: expected keys of which none contains "
                                "another (sample {} or its parts, not both)",
                                path, outer, outer, outer));
      }
    }
  }
}

}  // namespace detail

/// @brief One sampler spec (e.g. from `sweep sample --sampler FILE`), checked; `key` is the key it samples.
inline dyn_sampler load_sampler(const value& spec, const std::string& file, const std::string& key) {
  return detail::sampler_reader(file).read(spec, key, key);
}

/// @brief SETUP.SAMPLERS of a sweep config as a runtime space, checked with pycls's rules.
inline runtime_space load_space(const value& samplers, const std::string& file) {
  std::vector<std::pair<std::string, dyn_sampler>> out;
  if (samplers.is_null()) return runtime_space{};
  detail::sampler_reader reader(file);
  if (!samplers.is_map()) reader.fail(samplers, "SETUP.SAMPLERS", "expected a map: dotted key -> sampler");
  for (auto& [key, spec] : samplers.as_map()) {
    if (!detail::is_valid_key(key)) {
      reader.fail(spec, "SETUP.SAMPLERS." + key, "expected a dotted config key such as OPTIM.BASE_LR");
    }
    out.emplace_back(key, reader.read(spec, "SETUP.SAMPLERS." + key, key));
  }
  detail::check_keys_disjoint(samplers, "SETUP.SAMPLERS", file);
  return runtime_space(dynamic_bindings<dyn_sampler>(std::move(out)));
}

}  // namespace sweep
// ---- end sweep/config/space_yaml.hpp ----



namespace sweep {

/// @brief A `when` part read from YAML: its space is drawn when the key (named at run time) equals the value.
using dyn_when = when_part<dynamic_key, value, any_space>;

namespace detail {

/// @brief One node of SETUP.SPACE as read: a space (or a join's `when` part) and the keys it may set.
struct read_part {
  std::variant<any_space, dyn_when> part;
  std::vector<std::string> keys;  // in the order first set
  [[nodiscard]] const dyn_when* when() const { return std::get_if<dyn_when>(&part); }
  [[nodiscard]] const any_space& space() const { return std::get<any_space>(part); }
};

class space_spec_reader {
 public:
  explicit space_spec_reader(std::string file) : file_(std::move(file)), samplers_(file_) {}

  /// @brief The space at `path`; `before` holds the keys earlier parts of an enclosing join set (for when).
  read_part read(const value& spec, const std::string& path, const std::vector<std::string>* before = nullptr,
                 int depth = 0) const {
    static const std::vector<std::string> types = {"grid", "zip", "concat", "join", "when", "sobol", "random"};
    if (!spec.is_map()) fail(spec, path, "expected a space: a map with TYPE (grid, zip, concat, join, when, sobol, random)");
    if (depth > max_depth) fail(spec, path, fmt::format("expected spaces nested at most {} deep", max_depth));
    auto* type = spec.child("TYPE");
    if (type == nullptr || !type->is_string()) fail(type ? *type : spec, path + ".TYPE", "expected one of grid, zip, concat, join, when, sobol, random");
    const auto& t = type->as_string();
    if (t == "grid" || t == "zip") return axes_space(spec, path, t == "grid");
    if (t == "concat" || t == "join") return parts_space(spec, path, t == "join", depth);
    if (t == "when") return when_space(spec, path, before, depth);
    if (t == "sobol" || t == "random") return sampler_space(spec, path, t == "sobol");
    fail(*type, path + ".TYPE", fmt::format("unknown space type '{}': expected one of grid, zip, concat, join, when, sobol, random{}", t,
                                            did_you_mean(t, types)));
  }

  [[noreturn]] void fail(const value& node, const std::string& path, const std::string& message) const {
    throw error({file_, node.line()}, path, message);
  }

 private:
  static constexpr int max_depth = 16;
  static constexpr std::int64_t max_count = 100'000'000;

  /// @brief The last part of a join may not set a key an earlier part sets (or one containing it): the later
  /// value would overwrite the earlier, so configs that differ only there come out the same. Two `when`s on
  /// one KEY with different EQUALS never hold together, so they may set the same keys.
  void check_join_part_keys(const std::vector<read_part>& parts, const value& spec, const std::string& path) const {
    auto* last = parts.back().when();
    for (std::size_t j = 0; j + 1 < parts.size(); ++j) {
      auto* other = parts[j].when();
      if (last != nullptr && other != nullptr && last->key.name == other->key.name && !(last->equals == other->equals)) continue;
      for (auto& key : parts.back().keys) {
        for (auto& earlier : parts[j].keys) {
          if (!detail::key_contains(key, earlier) && !detail::key_contains(earlier, key)) continue;
          fail(spec, path,
               fmt::format("sets {}, which part {} of this join sets too ({}): expected each key set by one part "
                           "(the later value would overwrite the earlier one, giving duplicate configs)",
                           key, j, earlier));
        }
      }
    }
  }

  void allow_keys(const value& spec, const std::string& path, std::vector<std::string> allowed) const {
    for (auto& [k, v] : spec.as_map()) {
      if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
        fail(v, path + "." + k, fmt::format("unknown key: expected one of {}{}", fmt::join(allowed, ", "), did_you_mean(k, allowed)));
      }
    }
  }

  void check_key(const std::string& key, const value& node, const std::string& path) const {
    if (!is_valid_key(key)) fail(node, path, "expected a dotted config key such as OPTIM.BASE_LR");
  }

  bool shuffle(const value& spec, const std::string& path) const {
    auto* s = spec.child("SHUFFLE");
    if (s == nullptr) return false;
    if (!s->is_bool()) fail(*s, path + ".SHUFFLE", fmt::format("expected true or false, got {}", s->python_repr()));
    return s->as_bool();
  }

  std::int64_t integer(const value& node, const std::string& path, const char* expected) const {
    if (!node.is_int()) fail(node, path, fmt::format("expected {}, got {} ({})", expected, node.kind(), node.python_repr()));
    return node.as_int();
  }
  double number(const value& node, const std::string& path) const {
    if (!node.is_number()) fail(node, path, fmt::format("expected a number, got {} ({})", node.kind(), node.python_repr()));
    return node.as_float();
  }

  dyn_axis axis(const value& spec, const std::string& path) const {
    if (spec.is_list()) {
      if (spec.as_list().empty()) fail(spec, path, "expected a non-empty list of values");
      return choice_sampler<value>{spec.as_list()};
    }
    if (!spec.is_map()) fail(spec, path, "expected an axis: [values], {VALUES: [...]}, {RANGE: [lo, hi], STEP: s} or {RANGE: [lo, hi], COUNT: n}");
    allow_keys(spec, path, {"VALUES", "RANGE", "STEP", "COUNT", "SPACING", "QUANTIZE"});
    if (auto* values = spec.child("VALUES")) {
      allow_keys(spec, path, {"VALUES"});
      if (!values->is_list() || values->as_list().empty()) fail(*values, path + ".VALUES", "expected a non-empty list of values");
      return choice_sampler<value>{values->as_list()};
    }
    auto* range = spec.child("RANGE");
    if (range == nullptr) fail(spec, path, "expected VALUES or RANGE");
    if (!range->is_list() || range->as_list().size() != 2) fail(*range, path + ".RANGE", "expected a range [low, high]");
    const auto& ends = range->as_list();
    auto checked = [&](auto sampler) {
      try {
        sampler.validate(path);
      } catch (const error& e) {
        auto field = e.key_path().substr(std::min(e.key_path().size(), path.size() + 1));
        auto* node = spec.child(field);
        throw error({file_, (node ? *node : spec).line()}, e.key_path(), e.message());
      }
      return sampler;
    };
    if (auto* count = spec.child("COUNT")) {
      if (spec.child("STEP")) fail(*spec.child("STEP"), path + ".STEP", "give COUNT (floats) or STEP (integers), not both");
      float_range_sampler s;
      s.low = number(ends[0], path + ".RANGE[0]");
      s.high = number(ends[1], path + ".RANGE[1]");
      s.count = integer(*count, path + ".COUNT", "an integer count of points");
      if (s.count > max_count) fail(*count, path + ".COUNT", fmt::format("expected at most {} points", max_count));
      if (auto* sp = spec.child("SPACING")) {
        if (!sp->is_string() || (sp->as_string() != "linear" && sp->as_string() != "log")) {
          fail(*sp, path + ".SPACING", fmt::format("expected linear or log, got {}", sp->python_repr()));
        }
        s.space = sp->as_string() == "log" ? spacing::log : spacing::linear;
      }
      if (auto* q = spec.child("QUANTIZE")) {
        s.q = number(*q, path + ".QUANTIZE");
        if (!(s.q > 0)) fail(*q, path + ".QUANTIZE", fmt::format("expected a quantum > 0, got {}", q->python_repr()));
      }
      return checked(s);
    }
    for (const char* k : {"SPACING", "QUANTIZE"}) {
      if (auto* n = spec.child(k)) fail(*n, path + "." + k, "only a float range (RANGE with COUNT) takes this key");
    }
    int_range_sampler s;
    s.low = integer(ends[0], path + ".RANGE[0]", "an integer (for floats give COUNT too)");
    s.high = integer(ends[1], path + ".RANGE[1]", "an integer (for floats give COUNT too)");
    if (auto* step = spec.child("STEP")) s.step = integer(*step, path + ".STEP", "an integer step");
    checked(s);
    if (s.size() > static_cast<std::uint64_t>(max_count)) fail(*range, path + ".RANGE", fmt::format("expected at most {} values", max_count));
    return s;
  }

  read_part axes_space(const value& spec, const std::string& path, bool is_grid) const {
    allow_keys(spec, path, {"TYPE", "AXES", "SHUFFLE"});
    auto* axes = spec.child("AXES");
    if (axes == nullptr || !axes->is_map() || axes->as_map().empty()) {
      fail(axes ? *axes : spec, path + ".AXES", "expected a map: dotted key -> axis ([values], {VALUES}, {RANGE, STEP} or {RANGE, COUNT})");
    }
    check_keys_disjoint(*axes, path + ".AXES", file_);
    std::vector<std::pair<std::string, dyn_axis>> list;
    std::vector<std::string> keys;
    for (auto& [key, axis_spec] : axes->as_map()) {
      check_key(key, axis_spec, path + ".AXES." + key);
      if (std::find(keys.begin(), keys.end(), key) != keys.end()) fail(axis_spec, path + ".AXES." + key, "this key is bound twice");
      list.emplace_back(key, axis(axis_spec, path + ".AXES." + key));
      keys.push_back(key);
    }
    try {
      dynamic_bindings<dyn_axis> bindings(std::move(list));
      bool shuffled = shuffle(spec, path);
      if (is_grid) return {shuffled_if(grid_space(std::move(bindings)), shuffled), std::move(keys)};
      return {shuffled_if(zip_space(std::move(bindings)), shuffled), std::move(keys)};
    } catch (const error& e) {
      if (!e.where().file.empty()) throw;
      auto key = e.key_path();
      auto* node = key.empty() ? axes : axes->child(key);
      throw error({file_, (node ? *node : *axes).line()}, path + ".AXES" + (key.empty() ? "" : "." + key), e.message());
    }
  }

  read_part parts_space(const value& spec, const std::string& path, bool is_join, int depth) const {
    allow_keys(spec, path, {"TYPE", "PARTS", "SHUFFLE"});
    auto* parts = spec.child("PARTS");
    if (parts == nullptr || !parts->is_list() || parts->as_list().empty()) {
      fail(parts ? *parts : spec, path + ".PARTS", "expected a non-empty list of spaces");
    }
    std::vector<read_part> list;
    std::vector<std::string> keys;  // a when reads keys of earlier parts of its own join only
    for (std::size_t i = 0; i < parts->as_list().size(); ++i) {
      auto& part = parts->as_list()[i];
      auto part_path = fmt::format("{}.PARTS[{}]", path, i);
      list.push_back(read(part, part_path, is_join && i > 0 ? &keys : nullptr, depth + 1));
      if (is_join) check_join_part_keys(list, part, part_path);
      for (auto& k : list.back().keys) {
        if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
      }
    }
    bool shuffled = shuffle(spec, path);
    auto space = [&] {
      try {
        return is_join ? joined(list) : concatenated(list);
      } catch (const error& e) {
        if (!e.where().file.empty()) throw;
        throw error({file_, parts->line()}, path + ".PARTS", e.message());  // e.g. sizes adding up to more than 2^62
      }
    }();
    if (shuffled && space.kind() != space_kind::finite) {
      fail(*spec.child("SHUFFLE"), path + ".SHUFFLE", "only a finite space (all parts grid, zip or finite) can be shuffled");
    }
    return {shuffled_if(std::move(space), shuffled), std::move(keys)};
  }

  /// @brief join(parts...) as nested pairs, each part after the first a space or a when over earlier keys.
  static any_space joined(const std::vector<read_part>& parts) {
    any_space out = parts[0].space();
    for (std::size_t i = 1; i < parts.size(); ++i) {
      out = std::visit([&](auto& part) { return any_space(joined_space<any_space, std::decay_t<decltype(part)>>(out, part)); }, parts[i].part);
    }
    return out;
  }

  static any_space concatenated(const std::vector<read_part>& parts) {
    std::vector<any_space> spaces;
    for (auto& p : parts) spaces.push_back(p.space());
    return any_space(concat_space(dynamic_parts<any_space>(std::move(spaces))));
  }

  read_part when_space(const value& spec, const std::string& path, const std::vector<std::string>* before, int depth) const {
    allow_keys(spec, path, {"TYPE", "KEY", "EQUALS", "SPACE"});
    if (before == nullptr) fail(*spec.child("TYPE"), path + ".TYPE", "a when space must be a part of a join, after the part that sets its KEY");
    auto* key = spec.child("KEY");
    if (key == nullptr || !key->is_string() || !is_valid_key(key->as_string())) {
      fail(key ? *key : spec, path + ".KEY", "expected the dotted config key the condition reads, e.g. MODEL.TYPE");
    }
    if (std::find(before->begin(), before->end(), key->as_string()) == before->end()) {
      fail(*key, path + ".KEY",
           fmt::format("{} is not set by an earlier part of this join: expected one of [{}]{}", key->as_string(),
                       fmt::join(*before, ", "), did_you_mean(key->as_string(), *before)));
    }
    auto* equals = spec.child("EQUALS");
    if (equals == nullptr) fail(spec, path + ".EQUALS", "is required: expected the value of KEY for which SPACE is drawn");
    auto* inner_spec = spec.child("SPACE");
    if (inner_spec == nullptr) fail(spec, path + ".SPACE", "is required: expected the space drawn when KEY equals EQUALS");
    value plain = *equals;
    plain.set_line(0);
    auto inner = read(*inner_spec, path + ".SPACE", nullptr, depth + 1);  // never a when: it has no join
    return {when(key->as_string(), std::move(plain), inner.space()), std::move(inner.keys)};
  }

  read_part sampler_space(const value& spec, const std::string& path, bool is_sobol) const {
    allow_keys(spec, path, {"TYPE", "SAMPLERS"});
    auto* samplers = spec.child("SAMPLERS");
    if (samplers == nullptr || !samplers->is_map() || samplers->as_map().empty()) {
      fail(samplers ? *samplers : spec, path + ".SAMPLERS", "expected a map: dotted key -> sampler (as in SETUP.SAMPLERS)");
    }
    check_keys_disjoint(*samplers, path + ".SAMPLERS", file_);
    std::vector<std::pair<std::string, dyn_sampler>> list;
    std::vector<std::string> keys;
    for (auto& [key, sampler_spec] : samplers->as_map()) {
      auto key_path = path + ".SAMPLERS." + key;
      check_key(key, sampler_spec, key_path);
      auto sampler = samplers_.read(sampler_spec, key_path, key);
      if (is_sobol && !std::visit([](auto& s) { return unit_mappable<std::decay_t<decltype(s)>>; }, sampler.alternative())) {
        fail(sampler_spec, key_path + ".TYPE", "a sobol space takes float_sampler, int_sampler or value_sampler (one coordinate each)");
      }
      for (auto& k : sampler.keys_set(key)) keys.push_back(k);
      list.emplace_back(key, std::move(sampler));
    }
    if (is_sobol && list.size() > sobol_max_dims) {
      fail(*samplers, path + ".SAMPLERS", fmt::format("expected at most {} samplers (the dimensions of the Sobol table)", sobol_max_dims));
    }
    dynamic_bindings<dyn_sampler> bindings(std::move(list));
    if (is_sobol) return {any_space(sobol_space(std::move(bindings))), std::move(keys)};
    return {any_space(typed_space(std::move(bindings))), std::move(keys)};
  }

  template <class S>
  static any_space shuffled_if(S space, bool shuffled) {
    if (shuffled) return any_space(shuffled_space(std::move(space)));
    return any_space(std::move(space));
  }
  static any_space shuffled_if(any_space space, bool shuffled) {
    if (shuffled) return any_space(shuffled_space(std::move(space)));
    return space;
  }

  std::string file_;
  sampler_reader samplers_;
};

}  // namespace detail

/// @brief A SETUP.SPACE spec as a combinator space; errors name `file`, the line and the key path.
inline any_space load_space_spec(const value& spec, const std::string& file, const std::string& path = "SETUP.SPACE") {
  return detail::space_spec_reader(file).read(spec, path).space();  // a when outside a join is an error
}

/// @brief The space a sweep config sets up: SETUP.SPACE, or pycls's SETUP.SAMPLERS as a random space (never both).
inline any_space load_setup_space(const sweep_config& cfg) {
  const auto& s = cfg.setup;
  if (!s.space.is_null() && !s.samplers.is_null()) {
    throw error({cfg.file, s.space.line()}, "SETUP.SPACE",
                "SETUP.SPACE and SETUP.SAMPLERS are alternatives: expected one of them (move the samplers into a "
                "`TYPE: random` part of the space, or drop SPACE)");
  }
  if (!s.space.is_null()) return load_space_spec(s.space, cfg.file);
  auto samplers = load_space(s.samplers, cfg.file);
  if (samplers.empty()) {
    // Every draw would be the same empty config: say so instead of drawing NUM_SAMPLES of them.
    throw error({cfg.file, s.samplers.line()}, "SETUP.SAMPLERS",
                "nothing to sample: expected at least one sampler in SETUP.SAMPLERS or a SETUP.SPACE (a sweep written "
                "as code keeps its space in the program: set it up with sweep::setup(cfg, space))");
  }
  return any_space(std::move(samplers));
}

}  // namespace sweep
// ---- end sweep/config/space_spec.hpp ----

// ---- begin sweep/setup/saved_setup.hpp ----
// A sweep set up from one SETUP must not be launched or resumed with another:
// the jobs were sampled from the saved one (sweep_cfg.yaml in the sweep folder),
// while the report would show the new one. check_saved_setup compares the two
// key by key (defaults filled in, key order ignored) and refuses with the list.




namespace sweep {

namespace detail {

inline std::string short_repr(const value& v) {
  if (v.is_null()) return "(not set)";
  auto text = v.python_repr();
  return text.size() > 120 ? text.substr(0, 117) + "..." : text;
}

/// @brief The keys where `saved` and `given` differ, one line each; maps compared key by key.
inline void diff_values(const value& saved, const value& given, const std::string& path, std::vector<std::string>& out) {
  if (saved.is_map() && given.is_map()) {
    for (auto& [key, a] : saved.as_map()) {
      auto* b = given.child(key);
      diff_values(a, b ? *b : value{}, path + "." + key, out);
    }
    for (auto& [key, b] : given.as_map()) {
      if (saved.child(key) == nullptr) diff_values(value{}, b, path + "." + key, out);
    }
    return;
  }
  if (saved == given) return;
  out.push_back(fmt::format("{}: set up with {}, given {}", path, short_repr(saved), short_repr(given)));
}

}  // namespace detail

/// @brief The differences between the SETUP a sweep folder was set up with and cfg's (empty when equal,
/// or when the folder holds no sweep_cfg.yaml yet).
inline std::vector<std::string> saved_setup_differences(const sweep_config& cfg) {
  sweep_layout layout(sweep_dir(cfg));
  std::error_code ec;
  if (!std::filesystem::exists(layout.sweep_cfg_file(), ec)) return {};
  auto saved_root = load_yaml_text(read_file(layout.sweep_cfg_file()), layout.sweep_cfg_file().string());
  auto saved = sweep_config_from_value(saved_root.is_null() ? value{value::map{}} : saved_root, layout.sweep_cfg_file().string());
  auto a = detail::schema_to_value(saved.setup);
  auto b = detail::schema_to_value(cfg.setup);
  std::vector<std::string> out;
  detail::diff_values(a, b, "SETUP", out);
  return out;
}

/// @brief Refuses to go on with a sweep whose saved SETUP differs from cfg's, listing the differences.
/// `sweep launch` and `sweep run` call it before launching or resuming.
inline void check_saved_setup(const sweep_config& cfg) {
  auto diffs = saved_setup_differences(cfg);
  if (diffs.empty()) return;
  std::string list;
  for (auto& d : diffs) list += "\n  " + d;
  auto saved = sweep_layout(sweep_dir(cfg)).sweep_cfg_file().string();
  throw error({cfg.file, 0}, "SETUP",
              fmt::format("differs from the SETUP the sweep in {} was set up with ({}):{}\nexpected the same SETUP: "
                          "undo the change (or pass the same overrides), use `--sweep-cfg {}`, or give the new SETUP a "
                          "new NAME",
                          sweep_dir(cfg).string(), saved, list, saved));
}

}  // namespace sweep
// ---- end sweep/setup/saved_setup.hpp ----


namespace sweep {

/// @brief What setup did.
struct setup_summary {
  std::filesystem::path dir;
  std::int64_t configs = 0;  // configs sampled and written (each SETUP.REPEATS times)
  std::int64_t jobs = 0;     // job configs written: configs x SETUP.REPEATS
  std::int64_t sampled = 0;  // candidates drawn
  std::int64_t found = 0;    // unique valid configs found (before the cut to NUM_CONFIGS)
  double seconds = 0;
  rejection_counts rejected;            // what each rule removed
  std::vector<std::string> rule_names;  // the config-level rules rejected.rules counts, in order
};

/// @brief How setup reports while it works.
struct setup_observer {
  std::function<void(const sample_progress&)> progress;  // after each round of chunks
  std::function<void(const std::string&)> note;           // one-line remarks (e.g. NUM_SAMPLES ran out)
};

/// @brief The file name of job config `index`: 000000.yaml, ...
inline std::string job_config_name(std::int64_t index) { return fmt::format("{:06}.yaml", index); }

/// @brief The setup stage's checks of a config (both routes): the common keys and SETUP's values.
inline void check_setup(const sweep_config& cfg) {
  if (cfg.source && cfg.source->find("SETUP.NUM_CONFIGS") == nullptr && cfg.setup.space.is_null() && cfg.setup.num_configs <= 0) {
    throw error({cfg.file, 0}, "SETUP.NUM_CONFIGS",
                "missing: expected how many job configs to write (> 0), e.g. `NUM_CONFIGS: 64` under SETUP");
  }
  check_common_options(cfg);
  check_setup_options(cfg);
}

/// @brief The names of the rules a check applies (config_checks::rule_names), or one generic name.
template <class Check>
std::vector<std::string> check_rule_names(const Check& check) {
  if constexpr (requires { { check.rule_names() } -> std::convertible_to<std::vector<std::string>>; }) {
    return check.rule_names();
  } else {
    return {"the config-level check"};
  }
}

/// @brief How setup's report names the i-th where of the space (a space that only says whether it accepts
/// has no names).
inline std::string where_name(const rejection_counts& r, std::size_t i) {
  return i < r.where_names.size() ? r.where_names[i] : "the space's own constraints";
}

/// @brief One line per rule that removed candidates: "  1200 duplicates (keys drawn before)", ...
inline std::vector<std::string> describe_rejections(const rejection_counts& r, const std::vector<std::string>& rule_names) {
  std::vector<std::string> lines;
  auto line = [&](std::int64_t n, const std::string& what) {
    if (n > 0) lines.push_back(fmt::format("{:>9} removed by {}", n, what));
  };
  line(r.duplicates, "duplicates (a key drawn before)");
  for (std::size_t i = 0; i < r.wheres.size(); ++i) line(r.wheres[i], where_name(r, i));
  for (std::size_t i = 0; i < r.rules.size(); ++i) line(r.rules[i], i < rule_names.size() ? rule_names[i] : "a config-level rule");
  return lines;
}

/// @brief The rules that removed the most candidates, for the message when none was left ("", if none did).
inline std::string main_rejections(const rejection_counts& r, const std::vector<std::string>& rule_names) {
  std::vector<std::pair<std::int64_t, std::string>> all;
  for (std::size_t i = 0; i < r.wheres.size(); ++i) {
    if (r.wheres[i] > 0) all.emplace_back(r.wheres[i], where_name(r, i));
  }
  for (std::size_t i = 0; i < r.rules.size(); ++i) {
    if (r.rules[i] > 0) all.emplace_back(r.rules[i], i < rule_names.size() ? rule_names[i] : "a config-level rule");
  }
  std::sort(all.begin(), all.end(), [](auto& a, auto& b) { return a.first > b.first; });
  std::string out;
  for (auto& [n, what] : all) out += fmt::format("{}{} by {}", out.empty() ? "" : ", ", n, what);
  return out;
}

/// @brief How many distinct configs SETUP.SAMPLERS can give when each sampler is a value_sampler (the
/// product of their numbers of distinct values); nullopt for any other space.
inline std::optional<std::uint64_t> space_distinct_values(const sweep_config& cfg) {
  if (!cfg.setup.space.is_null() || !cfg.setup.samplers.is_map() || cfg.setup.samplers.as_map().empty()) return std::nullopt;
  std::uint64_t product = 1;
  for (auto& [key, spec] : cfg.setup.samplers.as_map()) {
    auto* type = spec.is_map() ? spec.child("TYPE") : nullptr;
    auto* listed = spec.is_map() ? spec.child("VALUES") : nullptr;
    if (type == nullptr || !type->is_string() || type->as_string() != "value_sampler" || listed == nullptr || !listed->is_list()) {
      return std::nullopt;
    }
    std::vector<std::string> distinct;
    for (auto& v : listed->as_list()) {
      auto text = v.python_str();
      if (std::find(distinct.begin(), distinct.end(), text) == distinct.end()) distinct.push_back(text);
    }
    if (distinct.empty() || product > (std::uint64_t{1} << 40)) return std::nullopt;
    product *= distinct.size();
  }
  return product;
}

namespace detail {

/// @brief Removes what an interrupted setup may have left (temporary cfgs folders).
inline void remove_setup_leftovers(const std::filesystem::path& dir) {
  std::error_code ec;
  for (auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    auto name = entry.path().filename().string();
    if (name.starts_with(".cfgs.")) std::filesystem::remove_all(entry.path(), ec);
  }
  sweep_layout layout(dir);
  for (auto& file : {layout.sweep_cfg_file(), layout.cfgs_summary_file()}) remove_stale_temporaries(file);
}

/// @brief Creates `dir` and the folders above it that are missing; returns the outermost one it created
/// (empty when `dir` existed), for remove_made_folder.
inline std::filesystem::path make_folder(const std::filesystem::path& dir) {
  std::filesystem::path top;
  for (auto p = dir; !p.empty() && p != p.parent_path() && !std::filesystem::exists(p); p = p.parent_path()) top = p;
  std::filesystem::create_directories(dir);
  return top;
}

/// @brief Undoes make_folder: `dir` goes with what it holds, then each folder above it up to `top`
/// that is empty (another sweep may have been made beside it meanwhile).
inline void remove_made_folder(const std::filesystem::path& dir, const std::filesystem::path& top) {
  if (top.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  for (auto p = dir.parent_path(); p != top.parent_path() && !p.empty(); p = p.parent_path()) {
    if (!std::filesystem::remove(p, ec)) break;
  }
}

/// @brief Swaps a finished folder into place: old `target` out, `fresh` in, old removed.
inline void replace_folder(const std::filesystem::path& fresh, const std::filesystem::path& target) {
  auto old = target.parent_path() / fmt::format(".cfgs.old.{}", ::getpid());
  if (std::filesystem::exists(target)) std::filesystem::rename(target, old);
  std::filesystem::rename(fresh, target);
  std::filesystem::remove_all(old);
}

/// @brief YAML of job configs that share most of BASE_CFG: the text of every entry of BASE_CFG, at any
/// depth, is made once by the emitter, and a job's text is put together from those of the entries it
/// left as they were, with only what a sample changed emitted again. This is exact because a block
/// map's YAML is the concatenation of its one-key maps, keys sorted, each nested map's lines indented
/// by two more spaces (tests/setup checks it against whole-config emission).
class section_cache {
 public:
  explicit section_cache(const value& base_cfg) : root_(base_cfg) {}

  [[nodiscard]] std::string to_yaml(const value& job) const {
    if (!job.is_map() || job.as_map().empty()) return sweep::to_yaml(job);
    std::string out;
    root_.append_entries(out, job.as_map(), 0);
    return out;
  }

 private:
  struct entry {
    const value* base;
    std::string text;                                   // `key: base` at its depth
    std::vector<std::pair<std::string, entry>> entries; // of a non-empty map: one per key

    /// @brief The root: BASE_CFG itself, no text of its own, its entries at column 0.
    explicit entry(const value& base_cfg) : base(&base_cfg) { add_entries(0); }
    entry(const value& v, const std::string& key, std::size_t indent) : base(&v), text(emit(key, v, indent)) {
      add_entries(indent + 2);
    }

    void add_entries(std::size_t indent) {
      if (!base->is_map()) return;
      for (auto& [k, child] : base->as_map()) entries.emplace_back(k, entry(child, k, indent));
    }

    /// @brief `key: v` for an entry whose base is this one.
    void append(std::string& out, const std::string& key, const value& v, std::size_t indent) const {
      if (*base == v) {
        out += text;
      } else if (v.is_map() && !v.as_map().empty() && !entries.empty()) {
        out.append(text, 0, text.find('\n') + 1);  // the `key:` line
        append_entries(out, v.as_map(), indent + 2);
      } else {
        out += emit(key, v, indent);
      }
    }

    void append_entries(std::string& out, const value::map& map, std::size_t indent) const {
      std::vector<const std::pair<std::string, value>*> sorted;
      for (auto& e : map) sorted.push_back(&e);
      std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->first < b->first; });
      for (auto* e : sorted) {
        auto cached = std::find_if(entries.begin(), entries.end(), [&](auto& c) { return c.first == e->first; });
        if (cached != entries.end()) {
          cached->second.append(out, e->first, e->second, indent);
        } else {
          out += emit(e->first, e->second, indent);
        }
      }
    }

    static std::string emit(const std::string& key, const value& v, std::size_t indent) {
      auto text = sweep::to_yaml(value{value::map{{key, v}}});
      if (indent == 0) return text;
      std::string out;
      for (std::size_t line = 0; line < text.size();) {
        auto end = text.find('\n', line) + 1;
        out.append(indent, ' ').append(text, line, end - line);
        line = end;
      }
      return out;
    }
  };

  entry root_;
};

}  // namespace detail

/// @brief One job config: BASE_CFG with the record's pairs merged in, through `finish`, its DESC the config's key.
template <class Space, class Record, class Finish>
value job_config(const sweep_config& cfg, const Space& design, const Record& record, std::string_view key, Finish&& finish,
                 param_list& params) {
  params.clear();
  design.append_params(params, record);
  value job = std::invoke(finish, merge_params(cfg.setup.base_cfg, params));
  job.at_path("DESC") = value{std::string(key)};
  return job;
}

namespace detail {

/// @brief SETUP.REPEATS: sets job `index`'s RNG_SEED (set_repeat_seed; nothing with one repeat) and returns it;
/// an error names the config's REPEATS line.
inline std::int64_t set_job_seed(const sweep_config& cfg, value& job, std::int64_t index) {
  try {
    return set_repeat_seed(job, index, std::max<std::int64_t>(1, cfg.setup.repeats));
  } catch (error& e) {
    const value* node = cfg.source ? cfg.source->find("SETUP.REPEATS") : nullptr;
    throw error({cfg.file, node != nullptr ? node->line() : 0}, e.key_path(), e.message());
  }
}

}  // namespace detail

/// @brief Writes the job configs of sampled records. `finish` turns BASE_CFG + pairs into the written config.
template <class Space, class Record, class Finish>
void write_job_configs(const sweep_config& cfg, const Space& design, const sample_result<Record>& sampled, Finish&& finish) {
  auto dir = sweep_dir(cfg);
  auto fresh = dir / fmt::format(".cfgs.new.{}", ::getpid());
  std::filesystem::create_directories(fresh);
  // SETUP.REPEATS: each config's jobs are consecutive (job i is config i / repeats), with their own seeds.
  auto repeats = static_cast<std::size_t>(std::max<std::int64_t>(1, cfg.setup.repeats));
  auto n = sampled.records.size() * repeats;
  std::vector<std::int64_t> seeds(repeats > 1 ? n : 0);
  detail::section_cache sections(cfg.setup.base_cfg);
  auto workers = std::max<std::size_t>(1, std::min<std::size_t>(static_cast<std::size_t>(cfg.num_proc), n / 64 + 1));
  auto emit = [&](std::size_t i, param_list& params) {
    value job = job_config(cfg, design, sampled.records[i / repeats], sampled.keys[i / repeats], finish, params);  // repeats share the key
    auto seed = detail::set_job_seed(cfg, job, static_cast<std::int64_t>(i));
    if (repeats > 1) seeds[i] = seed;
    return sections.to_yaml(job);
  };
  auto write = [&](std::size_t i, const std::string& text) {
    auto file = fresh / job_config_name(static_cast<std::int64_t>(i));
    std::ofstream out(file, std::ios::binary);
    out << text;
    if (!out) throw error({file.string(), 0}, "", "cannot write job config: expected a writable folder with free design");
  };
  // Batches are emitted on NUM_PROC threads while one more thread writes the batch before: the kernel
  // creates files in one folder one at a time anyway, and a lone writer does not spin on the folder's lock.
  constexpr std::size_t batch = 256;
  std::vector<std::string> emitted(batch), writing(batch);
  try {
    for (std::size_t first = 0; first < n + batch; first += batch) {
      run_on_threads(workers + 1, [&](std::size_t w) {
        if (w == workers) {
          for (std::size_t i = first - std::min(first, batch); i < std::min(first, n); ++i) write(i, writing[i % batch]);
          return;
        }
        param_list params;
        for (std::size_t i = first + w; i < std::min(n, first + batch); i += workers) emitted[i % batch] = emit(i, params);
      });
      std::swap(emitted, writing);
    }
  } catch (...) {
    std::filesystem::remove_all(fresh);
    throw;
  }
  value::map summary;
  for (std::size_t i = 0; i < n; ++i) {
    auto key = repeat_key(sampled.keys[i / repeats], static_cast<std::int64_t>(repeats), repeats > 1 ? seeds[i] : 0);
    summary.emplace_back(job_config_name(static_cast<std::int64_t>(i)), value{std::move(key)});
  }
  auto summary_text = n == 0 ? std::string("{}\n") : to_yaml(value{std::move(summary)});
  // cfgs_summary.yaml is the commit mark: it is removed before cfgs/ changes and written last, so
  // a folder that has it is consistent even if setup is killed; one without it is an unfinished setup.
  sweep_layout layout(dir);
  write_file_atomic(layout.sweep_cfg_file(), sweep_config_yaml(cfg));
  std::filesystem::remove(layout.cfgs_summary_file());
  detail::replace_folder(fresh, layout.cfgs_dir());
  write_file_atomic(layout.cfgs_summary_file(), summary_text);
}

namespace detail {

/// @brief setup_space's work, while it holds the sweep lock.
template <sampleable_space Space, class Check, class Finish>
setup_summary setup_locked(const sweep_config& cfg, const std::filesystem::path& dir, const Space& space,
                           const Check& check, Finish&& finish, const setup_observer& observer) {
  if (std::filesystem::exists(sweep_layout(dir).logs_dir())) {
    throw error({cfg.file, 0}, "NAME",
                fmt::format("the sweep in {} was already launched (logs/ exists): setup refuses to replace its "
                            "configs; choose a new NAME or remove that folder",
                            dir.string()));
  }
  auto kind = kind_of(space);
  if (kind == space_kind::sequence && cfg.setup.num_configs <= 0) {
    throw error({cfg.file, 0}, "SETUP.NUM_CONFIGS",
                "expected a number of configs > 0 for a sobol space (only finite spaces such as grid, zip and concat "
                "set up all their configs with 0)");
  }
  auto sampled = sample_space(space, cfg.setup, cfg.num_proc, check, observer.progress);
  auto rules = check_rule_names(check);
  if (sampled.found == 0) {
    auto why = main_rejections(sampled.rejected, rules);
    throw error({cfg.file, 0}, "SETUP",
                fmt::format("no valid config found in {} candidates{}: loosen {} or raise SETUP.NUM_SAMPLES",
                            sampled.rejected.drawn, why.empty() ? "" : " (removed: " + why + ")",
                            why.empty() ? "the constraints" : "those rules"));
  }
  std::uint64_t size = 0;
  if constexpr (requires { space.size(); }) {
    if (kind == space_kind::finite) size = space.size();
  }
  bool constrained = sampled.rejected.where > 0 || !sampled.rejected.rules.empty();
  if (kind == space_kind::finite && observer.note) {
    bool all = cfg.setup.num_configs <= 0 || cfg.setup.num_configs >= sampled.found;
    observer.note(fmt::format("the space is finite: {} configs, {} of them unique and valid; setting up {}{}", size, sampled.found,
                              all ? "all of them" : fmt::format("{} chosen with RNG_SEED", sampled.records.size()),
                              all && cfg.setup.num_configs > sampled.found
                                  ? fmt::format(" (fewer than the {} of SETUP.NUM_CONFIGS)", cfg.setup.num_configs)
                                  : std::string()));
  } else if (cfg.setup.num_configs > 0 && sampled.found < cfg.setup.num_configs && observer.note) {
    auto distinct = space_distinct_values(cfg);
    if (!constrained && distinct && *distinct == static_cast<std::uint64_t>(sampled.found)) {
      observer.note(fmt::format("the space has only {} distinct configs (its samplers' values multiplied), fewer than "
                                "the {} of SETUP.NUM_CONFIGS: all {} are set up",
                                sampled.found, cfg.setup.num_configs, sampled.found));
    } else if (!constrained) {
      observer.note(fmt::format("found {} of the {} configs asked for in {} candidates, all others duplicates: the space "
                                "is probably smaller than SETUP.NUM_CONFIGS (raise SETUP.NUM_SAMPLES to look further)",
                                sampled.found, cfg.setup.num_configs, sampled.sampled));
    } else {
      observer.note(fmt::format("NUM_SAMPLES ran out: found {} of the {} configs asked for in {} candidates; raise "
                                "SETUP.NUM_SAMPLES or loosen {} for more",
                                sampled.found, cfg.setup.num_configs, sampled.sampled, main_rejections(sampled.rejected, rules)));
    }
  }
  detail::remove_setup_leftovers(dir);
  write_job_configs(cfg, space, sampled, finish);
  setup_summary summary;
  summary.dir = dir;
  summary.configs = static_cast<std::int64_t>(sampled.records.size());
  summary.jobs = summary.configs * std::max<std::int64_t>(1, cfg.setup.repeats);
  summary.sampled = sampled.sampled;
  summary.found = sampled.found;
  summary.seconds = sampled.seconds;
  summary.rejected = sampled.rejected;
  summary.rule_names = std::move(rules);
  return summary;
}

}  // namespace detail

/// @brief Sets up a sweep from a space: samples, then writes the files. Refuses once the sweep was launched.
template <sampleable_space Space, class Check, class Finish>
setup_summary setup_space(const sweep_config& cfg, const Space& design, const Check& check, Finish&& finish,
                          const setup_observer& observer = {}) {
  check_setup(cfg);
  auto dir = sweep_dir(cfg);
  // The folder is made first, for the sweep lock; a setup that fails removes what it made, so no
  // empty sweep folder stays behind.
  auto made = detail::make_folder(dir);
  std::optional<sweep_lock> lock;
  try {
    lock.emplace(sweep_layout(dir), sweep_access::exclusive, "setup");
    return detail::setup_locked(cfg, dir, design, check, std::forward<Finish>(finish), observer);
  } catch (...) {
    if (lock) detail::remove_made_folder(dir, made);
    throw;
  }
}

/// @brief Sets up a sweep config's own space (SETUP.SAMPLERS, or SETUP.SPACE) with pycls's constraints and setup step.
inline setup_summary setup(const sweep_config& cfg, const setup_observer& observer = {}) {
  check_setup(cfg);
  auto design = load_setup_space(cfg);
  if (!cfg.setup.space.is_null()) {
    // sweep's combinator spaces (grid, zip, concat, join, sobol)
    return setup_space(cfg, design, config_checks(cfg), &config_checks::finish, observer);
  }
  // pycls's SETUP.SAMPLERS keep pycls's exact path
  return setup_space(cfg, load_space(cfg.setup.samplers, cfg.file), config_checks(cfg), &config_checks::finish, observer);
}

/// @brief Sets up a sweep written as code: a typed space (with its constraints) and the config's options.
template <sampleable_space Space>
setup_summary setup(const sweep_config& cfg, const Space& design, const setup_observer& observer = {}) {
  return setup_space(cfg, design, config_checks(cfg), &config_checks::finish, observer);
}

}  // namespace sweep
// ---- end sweep/setup/setup.hpp ----

// ---- begin sweep/setup/extend.hpp ----
// Growing a set-up (possibly launched) sweep: `sweep extend` draws N more
// configs from the same SETUP (space, constraints, BASE_CFG), none a duplicate
// of a config the sweep has, and gives them the next job indices; `sweep
// launch` then runs only them. The draw is reproducible: its seed comes from
// RNG_SEED and the number of configs the sweep had, so the same sweep extended
// by the same N gets the same configs. A SETUP that differs from the saved one
// is refused key by key (check_saved_setup), since the jobs would mix spaces.



#include <random>

namespace sweep {

/// @brief What an extension did.
struct extend_summary {
  std::filesystem::path dir;
  std::int64_t before = 0;   // jobs the sweep had (configs times SETUP.REPEATS)
  std::int64_t added = 0;    // new configs (fewer than asked when the space ran out)
  std::int64_t jobs = 0;     // new jobs: each new config's repeats
  std::uint32_t seed = 0;    // the draw's seed
  std::int64_t sampled = 0;  // candidates drawn
};

/// @brief The seed of the draw that extends a sweep of `existing` configs set up with `rng_seed`: differs
/// from the setup's own draw and from every earlier extension's, and is the same for the same sweep.
inline std::uint32_t extension_seed(std::int64_t rng_seed, std::int64_t existing) {
  std::seed_seq seq{static_cast<std::uint32_t>(rng_seed), static_cast<std::uint32_t>(existing), 0x65787464u};
  std::uint32_t out = 0;
  seq.generate(&out, &out + 1);
  return out;
}

namespace detail {

template <sampleable_space Space>
extend_summary extend_space(const sweep_config& cfg, std::int64_t count, const Space& design, const sweep_layout& layout) {
  auto cfgs = list_job_configs(layout);
  auto summary_value = load_yaml_file(layout.cfgs_summary_file());
  std::unordered_set<std::string> existing;
  value::map summary;
  if (summary_value.is_map()) summary = summary_value.as_map();
  auto repeats = std::max<std::int64_t>(1, cfg.setup.repeats);
  for (auto& [name, key] : summary) existing.insert(config_key_of(key.is_string() ? key.as_string() : key.python_repr(), repeats));
  extend_summary out;
  out.dir = layout.dir;
  out.before = static_cast<std::int64_t>(cfgs.size());
  out.seed = extension_seed(cfg.setup.rng_seed, out.before);
  auto options = cfg.setup;
  options.rng_seed = out.seed;
  // enough that `count` stay once the sweep's own configs are left out
  options.num_configs = static_cast<std::int64_t>(existing.size()) + count;
  config_checks checks(cfg);
  auto sampled = sample_space(design, options, cfg.num_proc, checks);
  out.sampled = sampled.sampled;
  section_cache sections(cfg.setup.base_cfg);
  param_list params;
  for (std::size_t i = 0; i < sampled.records.size() && out.added < count; ++i) {
    std::string key(sampled.keys[i]);
    if (!existing.insert(key).second) continue;
    for (std::int64_t r = 0; r < repeats; ++r) {  // a new config's jobs are consecutive, as setup writes them
      auto index = out.before + out.jobs;
      auto name = job_config_name(index);
      value job = job_config(cfg, design, sampled.records[i], key, &config_checks::finish, params);
      auto seed = set_job_seed(cfg, job, index);
      write_file_atomic(layout.cfgs_dir() / name, sections.to_yaml(job));
      summary.emplace_back(name, value{repeat_key(key, repeats, seed)});
      ++out.jobs;
    }
    ++out.added;
  }
  // The summary lists the jobs: written last (atomically), it makes the new configs part of the sweep.
  if (out.added > 0) write_file_atomic(layout.cfgs_summary_file(), to_yaml(value{std::move(summary)}));
  return out;
}

}  // namespace detail

/// @brief Adds `count` configs to the sweep `cfg` names (set up with the same SETUP, else refused with the
/// differences). Refuses while a local launcher or collect uses the sweep (the sweep lock).
inline extend_summary extend(const sweep_config& cfg, std::int64_t count) {
  check_setup(cfg);
  if (count < 1) throw error({"command line", 0}, "--num-configs", fmt::format("expected at least 1 config to add, got {}", count));
  sweep_layout layout(sweep_dir(cfg));
  list_job_configs(layout);  // a sweep that was set up
  check_saved_setup(cfg);
  sweep_lock lock(layout, sweep_access::exclusive, "extend");
  if (!cfg.setup.space.is_null()) return detail::extend_space(cfg, count, load_setup_space(cfg), layout);
  return detail::extend_space(cfg, count, load_space(cfg.setup.samplers, cfg.file), layout);
}

}  // namespace sweep
// ---- end sweep/setup/extend.hpp ----
// ---- end sweep/setup.hpp ----

// ---- begin sweep/launch.hpp ----
// Umbrella header of the launch stage: includes every public header of include/sweep/launch/.


// ---- begin sweep/launch/command.hpp ----
// The job command: LAUNCH.COMMAND is split into words like a shell would, and
// only then are {cfg}, {out_dir}, {index} and {mode} substituted inside each
// word, so a substituted value is always one whole argument and never code.




namespace sweep {

/// @brief What a job's command line is made from: its config file, log folder, index and LAUNCH.MODE.
struct job_vars {
  std::string cfg;
  std::string out_dir;
  std::int64_t index = 0;
  std::string mode;
};

/// @brief Splits a command template into words: blanks separate, '...' is literal, "..." and \ escape like sh.
/// Throws sweep::error (key LAUNCH.COMMAND) on an unterminated quote or an empty command.
inline std::vector<std::string> split_command(std::string_view text, const std::string& file = {}) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  auto fail = [&](const std::string& what) {
    throw error({file, 0}, "LAUNCH.COMMAND", fmt::format("{} in '{}'", what, text));
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) words.push_back(std::move(word)), word.clear(), in_word = false;
    } else if (c == '\'') {
      auto end = text.find('\'', i + 1);
      if (end == std::string_view::npos) fail("unterminated single quote: expected a closing '");
      word.append(text.substr(i + 1, end - i - 1));
      i = end, in_word = true;
    } else if (c == '"') {
      std::size_t j = i + 1;
      for (; j < text.size() && text[j] != '"'; ++j) {
        // Inside double quotes a backslash escapes only the characters sh lets it escape.
        if (text[j] == '\\' && j + 1 < text.size() && std::string_view("\"\\$`").find(text[j + 1]) != std::string_view::npos) ++j;
        word += text[j];
      }
      if (j >= text.size()) fail("unterminated double quote: expected a closing \"");
      i = j, in_word = true;
    } else if (c == '\\') {
      if (i + 1 < text.size()) word += text[++i];
      in_word = true;
    } else {
      word += c, in_word = true;
    }
  }
  if (in_word) words.push_back(std::move(word));
  if (words.empty()) fail("empty command: expected a program and its arguments");
  return words;
}

/// @brief Quotes a word for a POSIX shell ('...' with ' written as '\''); any byte is safe inside.
inline std::string shell_quote(std::string_view word) {
  bool plain = !word.empty() && word.find_first_not_of(
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@%") == std::string_view::npos;
  if (plain) return std::string(word);
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

/// @brief A command line for display: each word shell-quoted, joined by blanks.
inline std::string shell_join(const std::vector<std::string>& words) {
  std::string out;
  for (auto& w : words) out += (out.empty() ? "" : " ") + shell_quote(w);
  return out;
}

/// @brief The longest argument a command word may expand to (Linux allows 128 KiB per argument; a
/// longer one is a typo such as {index:>999999999}, which would build a 1 GB string per job).
inline constexpr std::size_t max_word_bytes = 64 * 1024;

namespace detail {

/// @brief Refuses a width or precision above max_word_bytes inside a word's placeholders, before
/// fmt builds the string.
inline void check_placeholder_numbers(const std::string& word, const std::string& file) {
  int depth = 0;
  for (std::size_t i = 0; i < word.size(); ++i) {
    char c = word[i];
    if (depth == 0 && (c == '{' || c == '}') && i + 1 < word.size() && word[i + 1] == c) {
      ++i;  // {{ or }}: a literal brace
    } else if (c == '{') {
      ++depth;
    } else if (c == '}') {
      depth -= depth > 0 ? 1 : 0;
    } else if (depth > 0 && c >= '0' && c <= '9') {
      std::size_t j = i;
      std::uint64_t n = 0;
      for (; j < word.size() && word[j] >= '0' && word[j] <= '9'; ++j) n = std::min<std::uint64_t>(n * 10 + static_cast<std::uint64_t>(word[j] - '0'), UINT32_MAX);
      if (n > max_word_bytes) {
        throw error({file, 0}, "LAUNCH.COMMAND",
                    fmt::format("width {} in '{}' is too large: expected a width or precision of at most {} "
                                "(the bytes of one argument)", word.substr(i, j - i), word, max_word_bytes));
      }
      i = j - 1;
    }
  }
}

}  // namespace detail

/// @brief Substitutes the job's values into one word (fmt syntax: {index:06d} works, {{ is a literal brace).
/// A word that would expand to more than max_word_bytes is an error (key LAUNCH.COMMAND).
inline std::string expand_word(const std::string& word, const job_vars& vars, const std::string& file = {}) {
  if (word.find_first_of("{}") == std::string::npos) return word;
  detail::check_placeholder_numbers(word, file);
  std::string out;
  try {
    out = fmt::format(fmt::runtime(word), fmt::arg("cfg", vars.cfg), fmt::arg("out_dir", vars.out_dir),
                      fmt::arg("index", vars.index), fmt::arg("mode", vars.mode));
  } catch (const fmt::format_error& e) {
    throw error({file, 0}, "LAUNCH.COMMAND",
                fmt::format("bad placeholder in '{}' ({}): expected {{cfg}}, {{out_dir}}, {{index}} or {{mode}}; "
                            "write {{{{ and }}}} for literal braces", word, e.what()));
  }
  if (out.size() > max_word_bytes) {
    throw error({file, 0}, "LAUNCH.COMMAND",
                fmt::format("'{}' expands to {} bytes for job {}: expected at most {} bytes per argument", word,
                            out.size(), vars.index, max_word_bytes));
  }
  return out;
}

/// @brief The job's argv: the template's words with the job's values substituted in each.
inline std::vector<std::string> expand_command(const std::vector<std::string>& words, const job_vars& vars,
                                               const std::string& file = {}) {
  std::vector<std::string> argv;
  argv.reserve(words.size());
  for (auto& w : words) argv.push_back(expand_word(w, vars, file));
  return argv;
}

/// @brief Splits and expands a template in one go.
inline std::vector<std::string> job_command(std::string_view command, const job_vars& vars, const std::string& file = {}) {
  return expand_command(split_command(command, file), vars, file);
}

}  // namespace sweep
// ---- end sweep/launch/command.hpp ----

// ---- begin sweep/launch/job_state.hpp ----
// The job-state files in logs/NNNNNN/, written by this shared code whatever
// backend runs the job, so `sweep status`, a relaunch and `--only-failed` read
// one truth:
//   stdout.log, stderr.log     the job's output (appended across attempts)
//   RETRY.txt                  one line per failed attempt (pycls's format); RETRY.N.txt: archived by a rerun
//   DONE | FAILED              completion records, written atomically (exit 0 / out of retries)
//   RUNNING                    "PID START HOST" of the process running the job, while it runs
//   STOPPED_EARLY              "rung R epoch E: why": early stopping ended the job (never rerun), written atomically


// ---- begin sweep/launch/process.hpp ----
// POSIX process plumbing for the launchers: spawning without a shell (each job
// in its own process group, dying with its launcher), waiting on pidfds,
// capturing a tool's output, and turning signals into bytes on a pipe so the
// wait loops can poll for them.



#include <csignal>

#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>

extern char** environ;

namespace sweep {

/// @brief How to start a child: argv (argv[0] searched on PATH), where its output goes, where it runs.
struct spawn_options {
  std::vector<std::string> argv;
  std::filesystem::path cwd;          // empty: the parent's
  std::filesystem::path stdout_file;  // appended to; empty: inherit (or stdout_fd)
  std::filesystem::path stderr_file;
  int stdout_fd = -1;                 // dup'ed onto fd 1 when >= 0 (a pipe to capture output)
  int stderr_fd = -1;
  bool stdin_null = false;
  bool new_process_group = true;      // so the whole job tree can be signalled at once
  bool die_with_parent = false;       // SIGKILLed when this process dies (a launcher's jobs)
  std::vector<std::string> env;       // extra "KEY=VALUE" entries
};

/// @brief A wait status as a shell reports it: the exit code, or 128 + the signal.
inline int exit_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

/// @brief Waits for a child, retrying on EINTR; returns its wait status (255 << 8, exit 255, if it cannot).
inline int wait_status(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return 255 << 8;
  }
  return status;
}

/// @brief Waits for a child, retrying on EINTR; returns its exit code.
inline int wait_exit_code(pid_t pid) { return exit_code(wait_status(pid)); }

namespace detail {

/// @brief In a forked child, before exec: only async-signal-safe calls. Returns the errno of what failed.
inline int prepare_child(const spawn_options& o, pid_t parent, const char* argv0, char* const* argv, char* const* envp) {
  if (o.new_process_group && ::setpgid(0, 0) != 0) return errno;
  if (o.die_with_parent) {
    // SIGKILL when the launcher dies, however it dies (SIGKILL included); a launcher that died before
    // this line is no longer our parent, and the child must not run unsupervised either.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return errno;
    if (::getppid() != parent) return ESRCH;
  }
  // The launcher catches INT/TERM/HUP and ignores PIPE; a job starts with the default actions, nothing blocked.
  struct sigaction action {};
  action.sa_handler = SIG_DFL;
  sigemptyset(&action.sa_mask);
  for (int s : {SIGINT, SIGTERM, SIGUSR1, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD}) ::sigaction(s, &action, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  auto redirect = [](int target, const char* file, int flags, int fd) {  // file: null or empty for none
    if (file != nullptr && *file != '\0') {
      fd = ::open(file, flags | O_CLOEXEC, 0644);
      if (fd < 0) return errno;
    }
    if (fd >= 0 && ::dup2(fd, target) < 0) return errno;  // dup2 clears FD_CLOEXEC on the copy
    return 0;
  };
  constexpr int log_flags = O_WRONLY | O_CREAT | O_APPEND;
  if (int e = o.stdin_null ? redirect(0, "/dev/null", O_RDONLY, -1) : 0; e != 0) return e;
  if (int e = redirect(1, o.stdout_file.c_str(), log_flags, o.stdout_fd); e != 0) return e;
  if (int e = redirect(2, o.stderr_file.c_str(), log_flags, o.stderr_fd); e != 0) return e;
  if (!o.cwd.empty() && ::chdir(o.cwd.c_str()) != 0) return errno;
  ::execvpe(argv0, argv, envp);
  return errno;
}

}  // namespace detail

/// @brief Starts a child (argv[0] searched on PATH, no shell) with fork and exec, so that it can be tied
/// to this process's life (die_with_parent), which posix_spawn cannot do. The child's failure to start
/// (program missing, a log file it cannot open) is reported here, as an exception.
inline pid_t spawn(const spawn_options& o) {
  // Everything the child needs is made before the fork: after it, the child may not allocate.
  std::vector<char*> argv;
  for (auto& a : o.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  // Ours replace inherited ones of the same name (programs disagree on which of two entries counts).
  std::vector<char*> envp;
  auto name_of = [](std::string_view entry) { return entry.substr(0, entry.find('=')); };
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    bool replaced = std::any_of(o.env.begin(), o.env.end(), [&](auto& ours) { return name_of(ours) == name_of(*e); });
    if (!replaced) envp.push_back(*e);
  }
  for (auto& e : o.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  int report[2];  // the child's errno if it cannot exec; closed by a successful exec
  if (::pipe2(report, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    int e = detail::prepare_child(o, parent, argv[0], argv.data(), envp.data());
    auto n = ::write(report[1], &e, sizeof e);
    (void)n;
    ::_exit(127);
  }
  int fork_errno = errno;
  ::close(report[1]);
  if (pid < 0) {
    ::close(report[0]);
    throw std::system_error(fork_errno, std::generic_category(), fmt::format("cannot run '{}'", o.argv[0]));
  }
  if (o.new_process_group) ::setpgid(pid, pid);  // also here, so the group exists before anyone signals it
  int child_errno = 0;
  ssize_t n;
  while ((n = ::read(report[0], &child_errno, sizeof child_errno)) < 0 && errno == EINTR) {
  }
  ::close(report[0]);
  if (n > 0) {
    wait_exit_code(pid);
    throw std::system_error(child_errno, std::generic_category(), fmt::format("cannot run '{}'", o.argv[0]));
  }
  return pid;
}

/// @brief A pollable fd that becomes readable when `pid` exits (-1 where pidfd_open is missing).
inline int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  return -1;
#endif
}

/// @brief What /proc/PID/stat says of a live process: its state letter, process group, and start time in
/// clock ticks after boot (with the pid, the start time names one process: a pid is reused only later).
struct process_stat {
  char state = '?';
  long group = 0;
  unsigned long long start = 0;
};

/// @brief Process `pid`'s stat line; empty when there is no such process.
inline std::optional<process_stat> read_process_stat(long pid) {
  std::string text;
  if (pid <= 0 || !read_file_into(fmt::format("/proc/{}/stat", pid), text)) return std::nullopt;
  auto paren = text.rfind(')');  // the command name before it may hold spaces and parentheses
  if (paren == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(paren + 1));
  process_stat st;
  long skip = 0;
  if (!(fields >> st.state >> skip >> st.group)) return std::nullopt;  // fields 3-5
  for (int i = 6; i < 22; ++i) fields >> skip;
  if (!(fields >> st.start)) return std::nullopt;  // field 22
  return st;
}

/// @brief Whether any process of group `group` still runs here. Zombies do not count: a launcher's
/// orphaned children are reaped by whoever adopts them, which may be late or never in a container.
inline bool group_has_live_members(long group) {
  std::error_code ec;
  for (auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    auto name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    auto st = read_process_stat(std::strtol(name.c_str(), nullptr, 10));
    if (st && st->group == group && st->state != 'Z' && st->state != 'X') return true;
  }
  return false;
}

/// @brief This machine's host name.
inline std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

/// @brief A process as a launcher records it (a job's RUNNING file): enough to find it again, and to
/// tell it from a later process that got its pid.
struct process_identity {
  long pid = 0;
  unsigned long long start = 0;  // process_stat::start
  std::string host;

  /// @brief This process's child `pid`, just started.
  static process_identity of(long pid) {
    auto st = read_process_stat(pid);
    return {pid, st ? st->start : 0, host_name()};
  }

  /// @brief Whether processes of its group (its own or those it started) still run on this machine
  /// (false for another host's: no way to tell). Its pid alive with another start time is a later
  /// process, so the group is gone: a group's id is never given to a new process while a member lives.
  [[nodiscard]] bool group_alive() const {
    if (pid <= 1 || host != host_name()) return false;
    if (auto st = read_process_stat(pid); st && st->start != start) return false;
    return group_has_live_members(pid);
  }
};

/// @brief What a finished tool printed and how it ended.
struct captured {
  int code = 0;
  std::string out;
  std::string err;
};

/// @brief Runs a tool (no shell) and collects its stdout and stderr.
inline captured run_capture(const std::vector<std::string>& argv, std::vector<std::string> env = {}) {
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]), ::close(out_pipe[1]);
    throw std::system_error(errno, std::generic_category(), "pipe");
  }
  spawn_options o;
  o.argv = argv;
  o.stdout_fd = out_pipe[1];
  o.stderr_fd = err_pipe[1];
  o.stdin_null = true;
  o.new_process_group = false;
  o.env = std::move(env);
  pid_t pid = -1;
  try {
    pid = spawn(o);
  } catch (...) {
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) ::close(fd);
    throw;
  }
  ::close(out_pipe[1]), ::close(err_pipe[1]);
  captured result;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_count = 2;
  char buf[4096];
  while (open_count > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      auto n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[i].fd), fds[i].fd = -1, --open_count;
      }
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) ::close(f.fd);
  }
  result.code = wait_exit_code(pid);
  return result;
}

/// @brief Write end of the active signal pipe (one signal_pipe at a time per process).
inline volatile int signal_pipe_fd = -1;

extern "C" inline void sweep_signal_to_pipe(int signo) {
  int saved = errno;
  unsigned char byte = static_cast<unsigned char>(signo);
  if (signal_pipe_fd >= 0) {
    auto n = ::write(signal_pipe_fd, &byte, 1);
    (void)n;  // a full pipe already holds a wake-up
  }
  errno = saved;
}

/// @brief While alive, the given signals are written as bytes to a pipe (read_fd() to poll) instead of their
/// usual action; `ignored` signals are ignored. The previous actions come back on destruction.
class signal_pipe {
 public:
  signal_pipe(std::vector<int> caught, std::vector<int> ignored = {}) {
    if (::pipe2(fds_, O_CLOEXEC | O_NONBLOCK) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
    signal_pipe_fd = fds_[1];
    struct sigaction action {};
    action.sa_handler = sweep_signal_to_pipe;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    for (int s : caught) install(s, action);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    for (int s : ignored) install(s, ignore);
  }
  signal_pipe(const signal_pipe&) = delete;
  signal_pipe& operator=(const signal_pipe&) = delete;
  ~signal_pipe() {
    for (auto& [s, old] : saved_) ::sigaction(s, &old, nullptr);
    signal_pipe_fd = -1;
    ::close(fds_[0]), ::close(fds_[1]);
  }

  [[nodiscard]] int read_fd() const noexcept { return fds_[0]; }

  /// @brief The signals that arrived since the last call.
  std::vector<int> drain() const {
    std::vector<int> got;
    unsigned char buf[64];
    ssize_t n;
    while ((n = ::read(fds_[0], buf, sizeof buf)) > 0) got.insert(got.end(), buf, buf + n);
    return got;
  }

 private:
  void install(int s, const struct sigaction& action) {
    struct sigaction old {};
    ::sigaction(s, &action, &old);
    saved_.emplace_back(s, old);
  }
  int fds_[2] = {-1, -1};
  std::vector<std::pair<int, struct sigaction>> saved_;
};

}  // namespace sweep
// ---- end sweep/launch/process.hpp ----



namespace sweep {

/// @brief The number of lines of a text file (0 when it does not exist).
inline std::size_t count_lines(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return 0;
  return static_cast<std::size_t>(std::count(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), '\n'));
}

/// @brief One job's folder (logs/NNNNNN/): its logs and state files, for backends and `sweep status`.
class job_folder {
 public:
  // The names of the files in it.
  static constexpr std::string_view stdout_log = "stdout.log";
  static constexpr std::string_view stderr_log = "stderr.log";
  static constexpr std::string_view retry_file = "RETRY.txt";
  static constexpr std::string_view done_file = "DONE";
  static constexpr std::string_view failed_file = "FAILED";
  static constexpr std::string_view running_file = "RUNNING";
  static constexpr std::string_view stopped_early_file = "STOPPED_EARLY";

  job_folder(const sweep_layout& layout, std::int64_t index) : index_(index), dir_(layout.job_dir(index)) {}

  [[nodiscard]] std::int64_t index() const noexcept { return index_; }
  [[nodiscard]] const std::filesystem::path& dir() const noexcept { return dir_; }
  [[nodiscard]] std::filesystem::path file(std::string_view name) const { return dir_ / name; }

  [[nodiscard]] bool started() const { return path_exists(dir_); }
  [[nodiscard]] bool done() const { return path_exists(file(done_file)); }
  [[nodiscard]] bool failed() const { return path_exists(file(failed_file)); }
  [[nodiscard]] bool running() const { return path_exists(file(running_file)); }
  /// @brief Early stopping ended the job at a rung (docs/early_stopping.md): it counts as ended, never reruns.
  [[nodiscard]] bool stopped_early() const { return path_exists(file(stopped_early_file)); }
  /// @brief Why: "rung R epoch E: ..." (empty when not stopped early).
  [[nodiscard]] std::string stopped_early_reason() const { return first_line_of(file(stopped_early_file)); }
  /// @brief Failed attempts so far (lines of RETRY.txt).
  [[nodiscard]] std::size_t retries() const { return count_lines(file(retry_file)); }

  /// @brief Creates the job's folder (before its first attempt writes logs there).
  void prepare() const { std::filesystem::create_directories(dir_); }

  /// @brief An attempt started in process `pid` (this launcher's child, the leader of its group): RUNNING
  /// holds "PID START HOST", so a later launch finds what a dead launcher left running (process_identity).
  void mark_running(long pid) const {
    auto p = process_identity::of(pid);
    write_file_atomic(file(running_file), fmt::format("{} {} {}\n", p.pid, p.start, p.host));
  }
  /// @brief The process RUNNING names, if the file holds one ("PID" alone, from older launchers, names none).
  [[nodiscard]] std::optional<process_identity> running_process() const {
    std::istringstream in(first_line_of(file(running_file)));
    process_identity p;
    if (!(in >> p.pid >> p.start >> p.host)) return std::nullopt;
    return p;
  }
  void clear_running() const {
    std::error_code ec;
    std::filesystem::remove(file(running_file), ec);
  }

  /// @brief Early stopping decided the job stops (`reason`: "rung R epoch E: ...").
  void mark_stopped_early(std::string_view reason) const {
    std::filesystem::create_directories(dir_);
    write_file_atomic(file(stopped_early_file), fmt::format("{}\n", reason));
  }

  /// @brief The job ended with exit 0.
  void mark_done() const { write_file_atomic(file(done_file), std::string_view("exit code 0\n")); }

  /// @brief An attempt failed for `reason`: appended to RETRY.txt. Returns true when the job gets
  /// another attempt (pycls's rule: retries so far - 1 < MAX_RETRY); otherwise it is marked FAILED.
  bool record_failure(std::string_view reason, std::int64_t max_retry) const {
    append_line(file(retry_file), reason);
    auto retries_so_far = static_cast<std::int64_t>(retries()) - 1;
    if (retries_so_far < max_retry) return true;
    write_file_atomic(file(failed_file), fmt::format("{}\n", reason));
    return false;
  }

  /// @brief Before a failed job runs again: FAILED goes, and RETRY.txt moves to RETRY.N.txt so the job
  /// gets MAX_RETRY retries anew.
  void reset_failed() const {
    std::error_code ec;
    std::filesystem::remove(file(failed_file), ec);
    auto retry = file(retry_file);
    if (!std::filesystem::exists(retry, ec)) return;
    for (int n = 1;; ++n) {
      auto archived = dir_ / fmt::format("RETRY.{}.txt", n);
      if (!std::filesystem::exists(archived, ec)) {
        std::filesystem::rename(retry, archived, ec);
        return;
      }
    }
  }

  /// @brief Whether processes of the attempt RUNNING names still run here (with no launcher alive: left
  /// behind by one that died).
  [[nodiscard]] bool left_running() const {
    auto p = running_process();
    return p && p->group_alive();
  }

  /// @brief Stops what a dead launcher left running of this job, before it runs again: its own process
  /// died with the launcher (die_with_parent), but processes it started may live on, writing to its logs.
  /// SIGTERM to the group, SIGKILL after `grace`; RUNNING goes. Returns how it went, for a note.
  bool stop_left_processes(std::chrono::milliseconds grace) const {
    auto p = running_process();
    if (!p || !p->group_alive()) return false;
    auto group = static_cast<pid_t>(-p->pid);
    ::kill(group, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + grace;
    while (p->group_alive() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    for (int tries = 0; p->group_alive() && tries < 250; ++tries) {  // SIGKILL ends them within moments
      ::kill(group, SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    note(fmt::format("stopped the processes (group {}) that a launcher which died had left running", p->pid));
    clear_running();
    return true;
  }

  /// @brief Appends a note to the job's stderr.log (e.g. why the launcher stopped it).
  void note(std::string_view text) const { append_line(file(stderr_log), fmt::format("sweep: {}", text)); }

 private:
  std::int64_t index_;
  std::filesystem::path dir_;
};

}  // namespace sweep
// ---- end sweep/launch/job_state.hpp ----

// ---- begin sweep/launch/watch.hpp ----
// A job watch: what a backend asks, while a job runs, whether the job should
// end before its last epoch (early stopping, docs/early_stopping.md). The
// launch stage only calls it; the policy lives in early_stop/, which reads the
// job's logs as collect does and records its decisions in the sweep folder.


namespace sweep {

/// @brief Asked every `period` for each running job, and once more when a job ended on its own.
struct job_watch {
  /// (job index, the job ended on its own) -> the reason to stop it now, or nothing. When it returns a
  /// reason, the job's STOPPED_EARLY is already written; the backend then ends the job's processes.
  std::function<std::optional<std::string>(std::int64_t index, bool ended)> check;
  std::chrono::milliseconds period{10000};

  [[nodiscard]] explicit operator bool() const { return static_cast<bool>(check); }
};

}  // namespace sweep
// ---- end sweep/launch/watch.hpp ----

// ---- begin sweep/launch/request.hpp ----
// What a caller asks of sweep::launch (backend, confirmation, resume mode) and
// what it gets back, plus copying the code jobs use, which every backend shares.




namespace sweep {

/// @brief How to launch: everything here has a default that suits the driver.
struct launch_request {
  std::optional<std::string> backend;    // overrides LAUNCH.BACKEND: a registered backend's name
  bool yes = false;                      // submit without asking
  bool only_failed = false;              // rerun just the jobs that ran out of retries
  /// Asked before submitting to a cluster with the command(s) to run; none and !yes = refuse.
  std::function<bool(const std::string& plan)> confirm;
  std::FILE* out = stdout;               // messages (the sbatch command, summaries)
  std::FILE* progress = stderr;          // the live progress line of the local launcher; nullptr: none
  std::filesystem::path project_dir;     // relative words of the command resolve here; default: current folder
  std::filesystem::path driver = "/proc/self/exe";  // the program cluster tasks run as `<driver> job`
  std::optional<std::chrono::milliseconds> time_limit;  // overrides TIME_LIMIT (minutes) for local jobs
  std::chrono::milliseconds kill_grace{5000};            // SIGTERM -> SIGKILL delay when stopping a job
  std::optional<std::int64_t> max_array_size;            // cluster arrays; default: the cluster's own limit
  job_watch watch;  // early stopping for jobs this process runs (the local backend); none: jobs run to their end
};

/// @brief What a launch did.
struct launch_result {
  std::string backend;
  std::size_t jobs = 0;        // configs in the sweep
  std::size_t selected = 0;    // jobs this launch ran or submitted
  std::size_t skipped = 0;     // already done (or still held by a backend's queue)
  std::size_t done = 0;        // jobs that ran here: finished with exit 0 in this launch
  std::size_t failed = 0;      // jobs that ran here: out of retries in this launch
  std::size_t unfinished = 0;  // jobs that ran here: stopped by a signal before they ended
  std::size_t not_started = 0; // jobs that ran here: left unstarted by fail-fast (LAUNCH.MAX_FAILURES)
  std::size_t stopped_early = 0;  // jobs that ran here: ended at a rung by early stopping (request.watch)
  bool failed_fast = false;    // LAUNCH.MAX_FAILURES was reached: no new attempt started after it
  bool interrupted = false;    // a SIGINT/SIGTERM stopped the launch
  bool declined = false;       // cluster: the confirmation was refused
  bool waits = true;           // the jobs ended before launch returned (false: submitted to a queue)
  std::vector<std::string> submitted;  // cluster: the engine's id of each submission (array job ids)
};

namespace detail {

/// @brief Copies a file or folder via temporary names and renames, so a running job never sees half a file.
/// Inside a folder, a symlink to a folder is copied as the link (a link to `..` would copy forever), and a
/// folder holding `to` itself is left out (a word naming a folder that holds the sweep).
inline void copy_atomic(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (std::filesystem::is_directory(from)) {
    std::filesystem::create_directories(to);
    auto destination = std::filesystem::weakly_canonical(to);
    for (auto& entry : std::filesystem::directory_iterator(from)) {
      auto target = to / entry.path().filename();
      if (entry.is_symlink() && entry.is_directory()) {
        std::error_code ec;
        std::filesystem::remove(target, ec);
        std::filesystem::copy_symlink(entry.path(), target);
        continue;
      }
      auto inner = std::filesystem::weakly_canonical(entry.path());
      auto [end, rest] = std::mismatch(inner.begin(), inner.end(), destination.begin(), destination.end());
      if (entry.is_directory() && end == inner.end()) continue;  // `to` is inside it
      copy_atomic(entry.path(), target);
    }
    return;
  }
  if (!std::filesystem::is_regular_file(from)) return;
  std::filesystem::create_directories(to.parent_path());
  auto tmp = to;
  tmp += fmt::format(".tmp.{}", ::getpid());
  std::filesystem::copy_file(from, tmp, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::permissions(tmp, std::filesystem::status(from).permissions());
  std::filesystem::rename(tmp, to);
}

/// @brief A cluster launch copies the running driver to bin/sweep (tasks run that copy, so a rebuild does not
/// change them) and writes `script` (a batch script holding only shell-quoted paths) into bin/.
inline void install_driver(const launch_request& req, const sweep_layout& layout, const std::string& script_name,
                           const std::string& script_text) {
  auto exec_perms = std::filesystem::perms::owner_all | std::filesystem::perms::group_read | std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                    std::filesystem::perms::others_exec;
  std::filesystem::create_directories(layout.bin_dir());
  copy_atomic(req.driver, layout.bin_dir() / "sweep");
  std::filesystem::permissions(layout.bin_dir() / "sweep", exec_perms);
  write_file_atomic(layout.bin_dir() / script_name, script_text);
  std::filesystem::permissions(layout.bin_dir() / script_name, exec_perms);
}

/// @brief Copies into code/ every file or folder that a template word names by a relative path inside the
/// project (words with placeholders, options and paths leaving the project are left alone). Warns on `out`
/// about relative words with a '/' that name nothing: jobs run in code/ and would not find them.
inline std::vector<std::string> copy_named_code(const std::vector<std::string>& words, const std::filesystem::path& project_dir,
                                                const std::filesystem::path& code_dir, std::FILE* out = nullptr) {
  std::vector<std::string> copied;
  std::filesystem::create_directories(code_dir);
  for (auto& w : words) {
    if (w.empty() || w.front() == '-' || w.find_first_of("{}") != std::string::npos) continue;
    std::filesystem::path p(w);
    if (p.is_absolute()) continue;
    auto norm = p.lexically_normal();
    if (norm.empty() || *norm.begin() == ".." || norm == ".") continue;
    std::error_code ec;
    auto source = project_dir / norm;
    if (!std::filesystem::exists(source, ec)) {
      if (out != nullptr && w.find('/') != std::string::npos) {
        fmt::print(out, "launch: warning: LAUNCH.COMMAND names '{}', which is not in {}; jobs run in {} and "
                        "will not find it\n", w, project_dir.string(), code_dir.string());
      }
      continue;
    }
    copy_atomic(source, code_dir / norm);
    copied.push_back(norm.string());
  }
  return copied;
}

}  // namespace detail

}  // namespace sweep
// ---- end sweep/launch/request.hpp ----

// ---- begin sweep/launch/backend.hpp ----
// Launch backends: what runs a sweep's jobs (this machine, SLURM, the user's
// own engine) is a type that satisfies sweep::launch_backend, registered by
// name. sweep::launch does everything backends share (checks, choosing the
// jobs, the launch lock, copying code, the job-state files through
// job_folder); a backend only runs or submits the jobs it is given, reports
// which of them its engine still holds, and cancels them.
//
//   struct my_backend {
//     static constexpr std::string_view name = "mine";     // LAUNCH.BACKEND: mine
//     struct options { BOOST_HANA_DEFINE_STRUCT(options, (std::int64_t, slots)); };  // LAUNCH.MINE.SLOTS
//     my_backend(const sweep::sweep_config&, options);
//     void check(const sweep::launch_context&) const;                   // bad values: throw ctx.fail(...)
//     sweep::launch_result launch(const sweep::launch_context&, const std::vector<std::int64_t>& jobs) const;
//     std::optional<sweep::queue_states> queue(const sweep::sweep_layout&) const;  // nullopt: cannot tell
//     std::size_t cancel(const sweep::sweep_layout&) const;              // jobs it stopped or dequeued
//   };
//   SWEEP_REGISTER(sweep::register_launch_backend<my_backend>);   // launch/backends.hpp


// ---- begin sweep/config/components.hpp ----
// A stage's components and their config sections: LAUNCH.<BACKEND>, COLLECT.<FORMAT>,
// ANALYZE.<SECTION> hold a registered component's own keys (see component_sections in
// sweep_config.hpp). Each stage checks its sections name registered components, and reads
// a component's keys into its options struct with the same reader as every other key, so
// errors name the file, line and key path.




namespace sweep {

/// @brief The options of a component without keys of its own (its section, if written, must be empty).
struct no_options {
  BOOST_HANA_DEFINE_STRUCT(no_options);
};

namespace detail {

/// @brief A component's section of a stage (e.g. LAUNCH.SLURM), or null.
inline const value* component_section(const component_sections& sections, std::string_view name) {
  auto key = upper(name);
  for (auto& [k, v] : sections) {
    if (k == key) return &v;
  }
  return nullptr;
}

/// @brief Each section of a stage must name a registered component: "LAUNCH.SLRUM: unknown key (did you mean ...)".
template <class Registry>
void check_component_sections(const sweep_config& cfg, const component_sections& sections, std::string_view stage,
                              const Registry& components) {
  std::vector<std::string> known;
  for (auto& n : components.names()) known.push_back(upper(n));
  for (auto& [key, node] : sections) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    throw error({cfg.file, node.line()}, fmt::format("{}.{}", stage, key),
                fmt::format("unknown key: not a key of {} nor the section of a registered {} ({}){}", stage,
                            components.kind(), fmt::join(components.names(), ", "), did_you_mean(key, known)));
  }
}

/// @brief Reads a component's options from its section (defaults when the section is not written).
template <class Options>
Options read_component_options(const sweep_config& cfg, const component_sections& sections, std::string_view stage,
                               std::string_view name) {
  Options o{};
  if (auto* section = component_section(sections, name)) {
    schema_reader(cfg.file).read(*section, fmt::format("{}.{}", stage, upper(name)), o);
  }
  return o;
}

}  // namespace detail

/// @brief Sets a component's own keys on a config written as code, e.g.
/// `set_component_options(cfg.launch.extensions, my_backend::name, my_backend::options{...})`.
template <class Options>
void set_component_options(component_sections& sections, std::string_view name, const Options& o) {
  auto key = detail::upper(name);
  std::erase_if(sections, [&](auto& entry) { return entry.first == key; });
  sections.emplace_back(key, detail::schema_to_value(o));
}

}  // namespace sweep
// ---- end sweep/config/components.hpp ----



namespace sweep {

/// @brief Where a backend's engine holds a job: waiting for resources, or running.
struct queued_job {
  bool pending = false;  // waiting (queued, requeued); false: running
  std::string state;     // the engine's own word (PENDING, RUNNING, qw, r, ...), shown by `sweep status`
};

/// @brief Job index -> where the engine holds it; jobs it does not hold are absent.
using queue_states = std::map<std::int64_t, queued_job>;

/// @brief What a backend is given to launch a sweep's jobs: the config, the request, the sweep folder,
/// the job configs, and each job's command line, environment and state files.
class launch_context {
 public:
  launch_context(const sweep_config& cfg, const launch_request& request, std::string backend)
      : cfg_(cfg), request_(request), backend_(std::move(backend)), layout_(sweep_dir(cfg)),
        project_dir_(request.project_dir.empty() ? std::filesystem::current_path() : std::filesystem::absolute(request.project_dir)) {
    command_ = split_command(cfg.launch.command, cfg.file);
    if (!cfg.launch.conda_env.empty()) {
      std::vector<std::string> conda = {"conda", "run", "--no-capture-output", "-n", cfg.launch.conda_env};
      command_.insert(command_.begin(), conda.begin(), conda.end());
    }
  }

  [[nodiscard]] const sweep_config& config() const noexcept { return cfg_; }
  [[nodiscard]] const launch_request& request() const noexcept { return request_; }
  /// @brief The backend's registered name.
  [[nodiscard]] const std::string& backend() const noexcept { return backend_; }
  [[nodiscard]] const sweep_layout& layout() const noexcept { return layout_; }
  /// @brief Where relative words of LAUNCH.COMMAND were found (their copies are in layout().code_dir()).
  [[nodiscard]] const std::filesystem::path& project_dir() const noexcept { return project_dir_; }

  /// @brief The job configs (job i's is the i-th); read on first use (setup must have finished).
  [[nodiscard]] const std::vector<std::filesystem::path>& job_configs() const {
    if (!cfgs_) cfgs_ = list_job_configs(layout_);
    return *cfgs_;
  }

  /// @brief LAUNCH.COMMAND's words (behind `conda run` when LAUNCH.CONDA_ENV is set), placeholders unexpanded.
  [[nodiscard]] const std::vector<std::string>& command_template() const noexcept { return command_; }

  /// @brief The values a job's command is made from.
  [[nodiscard]] job_vars vars(std::int64_t index) const {
    return {job_configs().at(static_cast<std::size_t>(index)).string(), layout_.job_dir(index).string(), index,
            cfg_.launch.mode};
  }

  /// @brief Job `index`'s argv: the template with its values in (no shell ever sees it).
  [[nodiscard]] std::vector<std::string> job_argv(std::int64_t index) const {
    return expand_command(command_, vars(index), cfg_.file);
  }

  /// @brief The variables every job gets: SWEEP_JOB_INDEX, SWEEP_OUT_DIR, SWEEP_CFG ("KEY=VALUE").
  [[nodiscard]] std::vector<std::string> job_env(std::int64_t index) const {
    auto v = vars(index);
    return {fmt::format("SWEEP_JOB_INDEX={}", index), "SWEEP_OUT_DIR=" + v.out_dir, "SWEEP_CFG=" + v.cfg};
  }

  /// @brief Job `index`'s state files (DONE, FAILED, RETRY.txt, RUNNING) and logs.
  [[nodiscard]] job_folder job(std::int64_t index) const { return {layout_, index}; }

  /// @brief A bad value of the config: `file:line: KEY.PATH: message`.
  [[noreturn]] void fail(const std::string& key_path, std::string message) const {
    config_checker(cfg_).fail(key_path, std::move(message));
  }

  /// @brief The section of this backend's own keys, LAUNCH.<NAME>.
  [[nodiscard]] std::string section() const { return "LAUNCH." + detail::upper(backend_); }

  /// @brief Prints a message to the request's output (nothing when it is null).
  template <class... Args>
  void print(fmt::format_string<Args...> format, Args&&... args) const {
    if (request_.out == nullptr) return;
    // Output that cannot be written (a closed pipe, a full disk) is lost, not a reason to drop the jobs.
    write_message(request_.out, fmt::format(format, std::forward<Args>(args)...));
  }

  /// @brief A cluster backend's plan: prints the driver copy and each submit command for the `selected`
  /// jobs, then asks for confirmation (request.yes, else request.confirm). False if the user declined;
  /// an error without a way to confirm (stdin not a terminal and no --yes).
  [[nodiscard]] bool confirm_submission(std::size_t selected, const std::vector<std::vector<std::string>>& commands) const {
    auto total = job_configs().size();
    auto plan = fmt::format("Copy the driver to {} and submit {} of {} jobs ({} done or queued) in {} array(s):\n",
                            (layout_.bin_dir() / "sweep").string(), selected, total, total - selected, commands.size());
    for (auto& argv : commands) plan += "\n" + shell_join(argv) + "\n";
    print("{}\n", plan);
    if (request_.yes) return true;
    if (!request_.confirm) {
      throw error({layout_.dir.string(), 0}, "", "not submitting without confirmation: expected --yes (stdin is not a terminal)");
    }
    return request_.confirm(plan);
  }

 private:
  const sweep_config& cfg_;
  const launch_request& request_;
  std::string backend_;
  sweep_layout layout_;
  std::filesystem::path project_dir_;
  std::vector<std::string> command_;
  mutable std::optional<std::vector<std::filesystem::path>> cfgs_;
};

/// @brief What a launch backend provides; see the comment at the top of launch/backend.hpp.
template <class B>
concept launch_backend =
    requires {
      { B::name } -> std::convertible_to<std::string_view>;
      typename B::options;
    } && boost::hana::Struct<typename B::options>::value &&
    std::constructible_from<B, const sweep_config&, typename B::options> &&
    requires(const B& b, const launch_context& ctx, const std::vector<std::int64_t>& jobs, const sweep_layout& layout) {
      b.check(ctx);
      { b.launch(ctx, jobs) } -> std::same_as<launch_result>;
      { b.queue(layout) } -> std::same_as<std::optional<queue_states>>;
      { b.cancel(layout) } -> std::same_as<std::size_t>;
    };

/// @brief A registered backend, its type erased.
class any_launch_backend {
 public:
  virtual ~any_launch_backend() = default;
  virtual void check(const launch_context& ctx) const = 0;
  virtual launch_result launch(const launch_context& ctx, const std::vector<std::int64_t>& jobs) const = 0;
  [[nodiscard]] virtual std::optional<queue_states> queue(const sweep_layout& layout) const = 0;
  virtual std::size_t cancel(const sweep_layout& layout) const = 0;
};

/// @brief How the registry makes a backend for a config: reads LAUNCH.<NAME> into its options.
using launch_backend_factory = std::function<std::unique_ptr<any_launch_backend>(const sweep_config&)>;

namespace detail {

template <class B>
class launch_backend_model final : public any_launch_backend {
 public:
  launch_backend_model(const sweep_config& cfg, typename B::options o) : backend_(cfg, std::move(o)) {}
  void check(const launch_context& ctx) const override { backend_.check(ctx); }
  launch_result launch(const launch_context& ctx, const std::vector<std::int64_t>& jobs) const override {
    return backend_.launch(ctx, jobs);
  }
  [[nodiscard]] std::optional<queue_states> queue(const sweep_layout& layout) const override { return backend_.queue(layout); }
  std::size_t cancel(const sweep_layout& layout) const override { return backend_.cancel(layout); }

 private:
  B backend_;
};

}  // namespace detail

namespace detail {

/// @brief Adds backend B to `backends` under B::name (register_launch_backend, launch/backends.hpp): a
/// misfit B gets one message per missing part.
template <class B>
void add_launch_backend(registry<launch_backend_factory>& backends) {
  static_assert(requires { { B::name } -> std::convertible_to<std::string_view>; },
                "sweep::launch_backend: the backend needs `static constexpr std::string_view name` (its LAUNCH.BACKEND name)");
  static_assert(requires { typename B::options; },
                "sweep::launch_backend: the backend needs a nested type `options` (its LAUNCH.<NAME> keys, a "
                "BOOST_HANA_DEFINE_STRUCT; sweep::no_options when it has none)");
  static_assert(std::constructible_from<B, const sweep_config&, typename B::options>,
                "sweep::launch_backend: the backend needs a constructor B(const sweep::sweep_config&, B::options)");
  static_assert(requires(const B& b, const launch_context& ctx) { b.check(ctx); },
                "sweep::launch_backend: the backend needs `void check(const sweep::launch_context&) const`");
  static_assert(requires(const B& b, const launch_context& ctx, const std::vector<std::int64_t>& jobs) {
                  { b.launch(ctx, jobs) } -> std::same_as<launch_result>;
                },
                "sweep::launch_backend: the backend needs `sweep::launch_result launch(const sweep::launch_context&, "
                "const std::vector<std::int64_t>& jobs) const`");
  static_assert(requires(const B& b, const sweep_layout& layout) {
                  { b.queue(layout) } -> std::same_as<std::optional<queue_states>>;
                },
                "sweep::launch_backend: the backend needs `std::optional<sweep::queue_states> queue(const "
                "sweep::sweep_layout&) const` (nullopt: the queue cannot be read)");
  static_assert(requires(const B& b, const sweep_layout& layout) { { b.cancel(layout) } -> std::same_as<std::size_t>; },
                "sweep::launch_backend: the backend needs `std::size_t cancel(const sweep::sweep_layout&) const`");
  static_assert(requires { requires boost::hana::Struct<typename B::options>::value; },
                "sweep::launch_backend: B::options must be a BOOST_HANA_DEFINE_STRUCT (its fields are the keys of LAUNCH.<NAME>)");
  if constexpr (launch_backend<B>) {  // else the messages above say what is missing, and nothing more
    backends.add(std::string(B::name), [](const sweep_config& cfg) -> std::unique_ptr<any_launch_backend> {
      auto o = read_component_options<typename B::options>(cfg, cfg.launch.extensions, "LAUNCH", B::name);
      return std::make_unique<launch_backend_model<B>>(cfg, std::move(o));
    });
  }
}

}  // namespace detail


}  // namespace sweep
// ---- end sweep/launch/backend.hpp ----

// ---- begin sweep/launch/local.hpp ----
// The local backend: a process pool on this machine with the folders,
// retries and resume of the cluster backends. Each job runs without a shell in
// its own process group, so a time limit or Ctrl-C stops its whole tree, and
// what a job leaves running in its group ends with it.


// ---- begin sweep/launch/events.hpp ----
// Launch events and fail-fast, shared by every backend and by the cluster task
// wrappers, through files in logs/events/ (so a task on a cluster node and the
// local launcher count the same way):
//   expected      how many jobs this launch handed over (written by sweep::launch)
//   ended.txt     "<index> done|failed|skipped" per job that ended for good
//   failed.txt    the index of each job that failed for good (out of retries)
//   FAIL_FAST     created once failed.txt reaches LAUNCH.MAX_FAILURES: no new attempt starts
//   FINISHED      created once ended.txt reaches expected
//   events.log    one line per event, with the exit code of LAUNCH.ON_EVENT when it ran
//   on_event.log  LAUNCH.ON_EVENT's own output
// LAUNCH.ON_EVENT is a command template like LAUNCH.COMMAND (split into words, then
// {event}, {index}, {sweep_dir} substituted per word; argv, never a shell), run for
// job_failed, max_failures and sweep_finished.


#include <fmt/chrono.h>

#include <ctime>


namespace sweep {

/// @brief How a job ended for good: exit 0, out of retries, or never (re)started because of fail-fast.
enum class job_outcome { done, failed, skipped, stopped_early };

inline std::string_view to_string(job_outcome o) {
  switch (o) {
    case job_outcome::done: return "done";
    case job_outcome::failed: return "failed";
    case job_outcome::skipped: return "skipped";
    case job_outcome::stopped_early: return "stopped_early";
  }
  return "skipped";
}

/// @brief The events LAUNCH.ON_EVENT hears about ({event}).
namespace launch_event {
inline constexpr std::string_view job_failed = "job_failed";          // a job is out of retries ({index}: the job)
inline constexpr std::string_view max_failures = "max_failures";      // LAUNCH.MAX_FAILURES reached ({index}: the last failed job)
inline constexpr std::string_view sweep_finished = "sweep_finished";  // every job of the launch ended ({index} empty)
}  // namespace launch_event

/// @brief LAUNCH.ON_EVENT's words with one event's values in: {event}, {index} (empty when no job), {sweep_dir}.
inline std::vector<std::string> event_command(const std::vector<std::string>& words, std::string_view event,
                                              const std::string& index, const std::string& sweep_dir,
                                              const std::string& file = {}) {
  std::vector<std::string> argv;
  for (auto& w : words) {
    if (w.find_first_of("{}") == std::string::npos) {
      argv.push_back(w);
      continue;
    }
    try {
      argv.push_back(fmt::format(fmt::runtime(w), fmt::arg("event", event), fmt::arg("index", index),
                                 fmt::arg("sweep_dir", sweep_dir)));
    } catch (const fmt::format_error& e) {
      throw error({file, 0}, "LAUNCH.ON_EVENT",
                  fmt::format("bad placeholder in '{}' ({}): expected {{event}}, {{index}} or {{sweep_dir}}; write "
                              "{{{{ and }}}} for literal braces", w, e.what()));
    }
  }
  return argv;
}

/// @brief LAUNCH.ON_EVENT split into words (empty: no command); a bad quote or placeholder is an error now.
inline std::vector<std::string> split_on_event(const std::string& text, const std::string& file = {}) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return {};
  std::vector<std::string> words;
  try {
    words = split_command(text, file);
  } catch (const error& e) {
    throw error({file, 0}, "LAUNCH.ON_EVENT", e.message());
  }
  event_command(words, "check", "0", "dir", file);
  return words;
}

/// @brief The events of one sweep folder: counts job ends and failures, decides fail-fast, runs ON_EVENT.
class launch_events {
 public:
  /// How long an ON_EVENT command may run before it is killed (it must not hold up the jobs).
  static constexpr std::chrono::seconds event_timeout{60};

  launch_events(const sweep_layout& layout, std::string on_event, std::int64_t max_failures)
      : layout_(layout), words_(split_on_event(on_event)), max_failures_(max_failures) {}
  launch_events(const sweep_layout& layout, const launch_options& l)
      : launch_events(layout, l.on_event, l.max_failures) {}

  [[nodiscard]] std::filesystem::path dir() const { return layout_.backend_dir("events"); }
  [[nodiscard]] std::filesystem::path file(std::string_view name) const { return dir() / name; }

  /// @brief A launch hands `expected` jobs to its backend: the counts start anew.
  void begin(std::size_t expected) const {
    std::filesystem::create_directories(dir());
    std::error_code ec;
    for (auto name : {"ended.txt", "failed.txt", "FAIL_FAST", "FINISHED"}) std::filesystem::remove(file(name), ec);
    write_file_atomic(file("expected"), fmt::format("{}\n", expected));
  }

  /// @brief Fail-fast: LAUNCH.MAX_FAILURES jobs failed for good in this launch, so no new attempt starts.
  [[nodiscard]] bool fail_fast() const { return max_failures_ > 0 && path_exists(file("FAIL_FAST")); }

  /// @brief Jobs that failed for good in this launch.
  [[nodiscard]] std::size_t failures() const { return count_lines(file("failed.txt")); }

  /// @brief A job ended for good: counts it, runs job_failed / max_failures / sweep_finished as they come due.
  /// Returns true for the one call whose failure reached LAUNCH.MAX_FAILURES (that caller stops the rest).
  bool job_ended(std::int64_t index, job_outcome outcome) const {
    bool reached = false;
    std::filesystem::create_directories(dir());
    auto idx = fmt::format("{}", index);
    if (outcome == job_outcome::failed) {
      append_line(file("failed.txt"), idx);
      fire(launch_event::job_failed, idx);
      if (max_failures_ > 0 && static_cast<std::int64_t>(failures()) >= max_failures_ && create_once("FAIL_FAST")) {
        fire(launch_event::max_failures, idx);
        reached = true;
      }
    }
    append_line(file("ended.txt"), fmt::format("{} {}", index, to_string(outcome)));
    std::string expected;
    if (!read_file_into(file("expected").string(), expected)) return reached;  // launched before events existed
    auto want = std::strtoll(expected.c_str(), nullptr, 10);
    if (static_cast<std::int64_t>(count_lines(file("ended.txt"))) >= want && create_once("FINISHED")) {
      fire(launch_event::sweep_finished, "");
    }
    return reached;
  }

  /// @brief Records an event in events.log and runs LAUNCH.ON_EVENT for it (if set), waiting at most event_timeout.
  void fire(std::string_view event, const std::string& index) const {
    auto now = fmt::format("{:%Y-%m-%d %H:%M:%S}", fmt::localtime(std::time(nullptr)));
    if (words_.empty()) {
      append_line(file("events.log"), fmt::format("{} {} {}", now, event, index.empty() ? "-" : index));
      return;
    }
    auto argv = event_command(words_, event, index, layout_.dir.string());
    spawn_options o;
    o.argv = argv;
    o.cwd = path_exists(layout_.code_dir()) ? layout_.code_dir() : layout_.dir;
    o.stdout_file = file("on_event.log");
    o.stderr_file = file("on_event.log");
    o.stdin_null = true;
    o.env = {fmt::format("SWEEP_EVENT={}", event), "SWEEP_EVENT_INDEX=" + index, "SWEEP_DIR=" + layout_.dir.string()};
    int code = 127;
    try {
      auto pid = spawn(o);
      code = wait_bounded(pid);
    } catch (const std::system_error& e) {
      append_line(file("on_event.log"), fmt::format("sweep: {}", e.what()));
    }
    append_line(file("events.log"),
                fmt::format("{} {} {} -> exit {}: {}", now, event, index.empty() ? "-" : index, code, shell_join(argv)));
  }

 private:
  /// True for the one caller that creates the marker (O_EXCL), so an event fires once among many tasks.
  bool create_once(std::string_view name) const {
    int fd = ::open(file(name).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return false;
    ::close(fd);
    return true;
  }

  int wait_bounded(pid_t pid) const {
    auto deadline = std::chrono::steady_clock::now() + event_timeout;
    for (;;) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) return exit_code(status);
      if (std::chrono::steady_clock::now() >= deadline) {
        ::kill(-pid, SIGKILL);
        return wait_exit_code(pid);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  sweep_layout layout_;
  std::vector<std::string> words_;
  std::int64_t max_failures_;
};

}  // namespace sweep
// ---- end sweep/launch/events.hpp ----




namespace sweep {

namespace detail {

using launch_clock = std::chrono::steady_clock;

/// @brief "1:02:03" / "02:03" for a duration.
inline std::string format_duration(launch_clock::duration d) {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  if (s < 0) s = 0;
  if (s >= 3600) return fmt::format("{}:{:02d}:{:02d}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{:02d}:{:02d}", s / 60, s % 60);
}

/// @brief The live progress line: done / running / failed / queued, elapsed time and an estimate of what is left.
class progress_line {
 public:
  /// `done_before`: jobs done by earlier launches, which say nothing about this launch's pace. A line that
  /// cannot be written (stderr closed or full) ends the progress lines, with a warning on `warn`: the jobs
  /// run on, since stopping them for a lost progress line would leave the sweep half-run.
  progress_line(std::FILE* stream, std::size_t total, std::size_t done_before, std::FILE* warn = nullptr)
      : stream_(stream), warn_(warn), total_(total), done_before_(done_before),
        tty_(stream != nullptr && ::isatty(::fileno(stream)) == 1), start_(launch_clock::now()) {}

  void update(std::size_t done, std::size_t running, std::size_t failed, std::size_t queued, bool force = false) {
    if (stream_ == nullptr) return;
    auto now = launch_clock::now();
    auto interval = tty_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(10000);
    if (!force && now - last_ < interval) return;
    last_ = now;
    auto elapsed = now - start_;
    std::size_t finished = done + failed - std::min(done + failed, done_before_);
    std::string eta = "--:--";
    if (finished > 0) eta = format_duration(elapsed * static_cast<long>(running + queued) / static_cast<long>(finished));
    auto text = fmt::format("launch: {}/{} done, {} running, {} failed, {} queued | {} elapsed, ETA {}", done, total_,
                            running, failed, queued, format_duration(elapsed), eta);
    shown_ = true;
    write(tty_ ? fmt::format("\r{}\x1b[K", text) : text + '\n');
  }

  void finish() {
    if (stream_ != nullptr && tty_ && shown_) write("\n");
  }

 private:
  void write(const std::string& text) {
    errno = 0;
    if (write_message(stream_, text)) return;
    int saved = errno;
    stream_ = nullptr;
    write_message(warn_, fmt::format("launch: warning: cannot write the progress line ({}); the jobs run on without it\n",
                                     saved != 0 ? std::strerror(saved) : "write error"));
  }

  std::FILE* stream_;
  std::FILE* warn_;
  std::size_t total_;
  std::size_t done_before_;
  bool tty_;
  bool shown_ = false;
  launch_clock::time_point start_;
  launch_clock::time_point last_{};
};

/// @brief One job the pool runs right now.
struct running_job {
  std::int64_t index = 0;
  pid_t pid = -1;
  int pidfd = -1;
  std::optional<launch_clock::time_point> deadline;  // TIME_LIMIT
  std::optional<launch_clock::time_point> kill_at;   // SIGKILL if still alive by then
  bool timed_out = false;
  bool stopped_early = false;                        // the request's watch ended it at a rung
  launch_clock::time_point next_check{};             // when the watch looks at it again
};

}  // namespace detail

/// @brief The local backend (LAUNCH.BACKEND local): runs the jobs on this machine, LOCAL_JOBS (or
/// min(PARALLEL_JOBS, cores)) at a time, and blocks until they end; see docs/launch.md.
class local_backend {
 public:
  static constexpr std::string_view name = "local";
  using options = no_options;

  local_backend(const sweep_config&, options) {}

  void check(const launch_context& ctx) const {
    auto jobs = ctx.config().launch.local_jobs;
    if (jobs < 0) ctx.fail("LAUNCH.LOCAL_JOBS", fmt::format("expected 0 (automatic) or more, got {}", jobs));
  }

  /// @brief Jobs at once: LOCAL_JOBS if set, else min(PARALLEL_JOBS, cores).
  static std::int64_t parallelism(const launch_options& l) {
    if (l.local_jobs > 0) return l.local_jobs;
    auto cores = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::thread::hardware_concurrency()));
    return std::max<std::int64_t>(1, std::min(l.parallel_jobs, cores));
  }

  /// @brief Runs `jobs` until each is done, out of retries, or a SIGINT/SIGTERM/SIGHUP stopped the launch
  /// (then result.interrupted is set). The caller holds the launch lock.
  launch_result launch(const launch_context& ctx, const std::vector<std::int64_t>& jobs) const;

  /// @brief Nothing queues here: a running local launcher is seen through the launch lock.
  std::optional<queue_states> queue(const sweep_layout&) const { return queue_states{}; }

  /// @brief Asks the launcher holding the lock to stop (SIGTERM: it stops its jobs and records them
  /// as unfinished); with no launcher, stops what a dead one left running. Returns how many jobs ran.
  std::size_t cancel(const sweep_layout& layout) const {
    auto pid = launcher_pid(layout.lock_file());
    if (pid && *pid == ::getpid()) return 0;
    std::size_t running = 0;
    auto jobs = static_cast<std::int64_t>(list_job_configs(layout).size());
    for (std::int64_t i = 0; i < jobs; ++i) {
      job_folder job(layout, i);
      if (pid ? job.running() : job.stop_left_processes(std::chrono::seconds(5))) ++running;
    }
    if (pid) ::kill(*pid, SIGTERM);
    return running;
  }
};

inline launch_result local_backend::launch(const launch_context& ctx, const std::vector<std::int64_t>& jobs) const {
  using namespace std::chrono;
  using detail::launch_clock;
  const auto& cfg = ctx.config();
  const auto& req = ctx.request();
  const auto& layout = ctx.layout();
  auto total = ctx.job_configs().size();
  launch_result result;
  auto parallel = static_cast<std::size_t>(parallelism(cfg.launch));
  ctx.print("launch: {} of {} jobs to run ({} skipped), {} at a time, in {}\n", jobs.size(), total,
            total - jobs.size(), parallel, layout.dir.string());
  if (jobs.empty()) return result;

  auto time_limit = req.time_limit ? duration_cast<launch_clock::duration>(*req.time_limit)
                                   : duration_cast<launch_clock::duration>(minutes(cfg.launch.time_limit));
  std::deque<std::int64_t> queue(jobs.begin(), jobs.end());
  std::vector<detail::running_job> active;
  // A closed terminal (SIGHUP) stops the jobs as Ctrl-C does; a reader of our output that went away
  // (SIGPIPE, `sweep launch | head -1`) costs only that output: the jobs run on under this launcher.
  signal_pipe signals({SIGINT, SIGTERM, SIGHUP}, {SIGPIPE});
  std::size_t done_before = 0;
  for (std::size_t i = 0; i < total; ++i) {
    auto job = ctx.job(static_cast<std::int64_t>(i));
    done_before += job.done() || job.stopped_early() ? 1 : 0;
  }
  detail::progress_line progress(req.progress, total, done_before, req.out);
  bool stopping = false;
  launch_events events(layout, cfg.launch);

  auto stop_all = [&](int signo) {
    for (auto& r : active) {
      ::kill(-r.pid, signo);
      if (signo != SIGKILL && !r.kill_at) r.kill_at = launch_clock::now() + req.kill_grace;
    }
  };
  struct kill_on_throw {  // a failure of the launcher itself must not leave jobs behind, nor marked RUNNING
    std::vector<detail::running_job>& active;
    const launch_context& ctx;
    ~kill_on_throw() {
      for (auto& r : active) {
        ::kill(-r.pid, SIGKILL);
        wait_exit_code(r.pid);
        if (r.pidfd >= 0) ::close(r.pidfd);
        try {
          auto job = ctx.job(r.index);
          job.clear_running();
          job.note("stopped: the launcher failed; relaunch to rerun");
        } catch (...) {  // the launcher's own error is the one to report
        }
      }
    }
  } guard{active, ctx};

  auto start_job = [&](std::int64_t i) {
    auto job = ctx.job(i);
    job.prepare();
    spawn_options o;
    o.argv = ctx.job_argv(i);
    o.cwd = layout.code_dir();
    o.stdout_file = job.file(job_folder::stdout_log);
    o.stderr_file = job.file(job_folder::stderr_log);
    o.stdin_null = true;
    o.env = ctx.job_env(i);
    o.die_with_parent = true;  // no job runs on unsupervised after a launcher's death, however it dies
    detail::running_job r;
    r.index = i;
    try {
      r.pid = spawn(o);
    } catch (const std::system_error& e) {
      job.note(e.what());
      return false;
    }
    r.pidfd = open_pidfd(r.pid);
    r.deadline = launch_clock::now() + time_limit;
    r.next_check = launch_clock::now() + req.watch.period;
    active.push_back(r);  // first: if RUNNING cannot be written (a full disk), kill_on_throw stops the job
    job.mark_running(r.pid);
    return true;
  };

  auto finish_job = [&](std::int64_t i, int code, bool timed_out) {
    auto job = ctx.job(i);
    job.clear_running();
    if (req.watch && code == 0 && !timed_out && !job.stopped_early()) req.watch.check(i, true);  // its rungs count
    if (job.stopped_early()) {  // decided before any signal to the launcher: the decision stands
      ++result.stopped_early;
      events.job_ended(i, job_outcome::stopped_early);
      return;
    }
    if (stopping) {
      job.note("stopped by a signal to the launcher; relaunch to rerun");
      ++result.unfinished;
      return;
    }
    if (code == 0 && !timed_out) {
      job.mark_done();
      ++result.done;
      events.job_ended(i, job_outcome::done);
      return;
    }
    auto reason = timed_out ? fmt::format("Exceeded TIME_LIMIT ({})", detail::format_duration(time_limit))
                            : fmt::format("Encountered non-zero exit code {}", code);
    if (timed_out) job.note("killed: " + reason);
    if (job.record_failure(reason, cfg.launch.max_retry)) {
      queue.push_back(i);
    } else {
      ++result.failed;
      events.job_ended(i, job_outcome::failed);
    }
  };
  // Fail-fast: once LAUNCH.MAX_FAILURES jobs failed, queued jobs and retries do not start; running ones finish.
  auto drop_queue_if_failing_fast = [&] {
    if (queue.empty() || !events.fail_fast()) return;
    result.failed_fast = true;
    for (auto i : queue) {
      if (auto job = ctx.job(i); job.started()) job.note("not restarted: LAUNCH.MAX_FAILURES reached (fail-fast)");
      ++result.not_started;
      events.job_ended(i, job_outcome::skipped);
    }
    queue.clear();
  };
  while (!queue.empty() || !active.empty()) {
    drop_queue_if_failing_fast();
    while (!stopping && active.size() < parallel && !queue.empty()) {
      auto i = queue.front();
      queue.pop_front();
      if (!start_job(i)) finish_job(i, 127, false);
    }
    if (active.empty()) break;
    progress.update(done_before + result.done + result.stopped_early, active.size(), result.failed, queue.size());

    std::vector<pollfd> fds;
    fds.push_back({signals.read_fd(), POLLIN, 0});
    bool blind = false;  // a child without pidfd is polled with waitpid
    for (auto& r : active) {
      if (r.pidfd >= 0) fds.push_back({r.pidfd, POLLIN, 0});
      else blind = true;
    }
    auto now = launch_clock::now();
    auto wake = now + seconds(1);  // refreshes the progress line
    for (auto& r : active) {
      if (r.deadline && !r.timed_out) wake = std::min(wake, *r.deadline);
      if (r.kill_at) wake = std::min(wake, *r.kill_at);
      if (req.watch && !r.stopped_early) wake = std::min(wake, r.next_check);
    }
    auto timeout = duration_cast<milliseconds>(wake - now).count() + 1;
    if (blind) timeout = std::min<long>(timeout, 5);
    ::poll(fds.data(), fds.size(), static_cast<int>(std::max<long>(0, timeout)));

    if (fds[0].revents != 0 && !signals.drain().empty() && !stopping) {
      stopping = true;
      result.interrupted = true;
      queue.clear();
      stop_all(SIGTERM);
    }
    now = launch_clock::now();
    for (std::size_t k = 0; k < active.size();) {
      auto& r = active[k];
      siginfo_t info{};
      if (::waitid(P_PID, static_cast<id_t>(r.pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == r.pid) {
        // What the job left of its group goes with it, as SLURM ends a step; its unreaped leader keeps the
        // group's id from being reused until then.
        ::kill(-r.pid, SIGKILL);
        int status = wait_status(r.pid);
        if (r.pidfd >= 0) ::close(r.pidfd);
        auto finished = r;
        active.erase(active.begin() + static_cast<std::ptrdiff_t>(k));
        finish_job(finished.index, exit_code(status), finished.timed_out);
        continue;
      }
      if (req.watch && !stopping && !r.stopped_early && !r.timed_out && now >= r.next_check) {
        r.next_check = now + req.watch.period;
        if (auto why = req.watch.check(r.index, false)) {
          ctx.job(r.index).note("stopped early: " + *why);
          r.stopped_early = true;
          ::kill(-r.pid, SIGTERM);
          r.kill_at = now + req.kill_grace;
        }
      }
      if (r.deadline && !r.timed_out && now >= *r.deadline) {
        r.timed_out = true;
        ::kill(-r.pid, SIGTERM);
        r.kill_at = now + req.kill_grace;
      } else if (r.kill_at && now >= *r.kill_at) {
        ::kill(-r.pid, SIGKILL);
        r.kill_at.reset();
      }
      ++k;
    }
  }
  progress.update(done_before + result.done + result.stopped_early, 0, result.failed, 0, true);
  progress.finish();
  if (events.fail_fast()) result.failed_fast = true;
  ctx.print("launch: {} done, {} failed, {} unfinished{}{}{}\n", result.done, result.failed, result.unfinished,
            result.stopped_early > 0 ? fmt::format(", {} stopped early", result.stopped_early) : std::string(),
            result.failed_fast ? fmt::format(", {} not started (LAUNCH.MAX_FAILURES {} reached)", result.not_started,
                                             cfg.launch.max_failures)
                               : std::string(),
            result.interrupted ? " (stopped by a signal; launch again to resume)" : "");
  return result;
}

}  // namespace sweep
// ---- end sweep/launch/local.hpp ----

// ---- begin sweep/launch/task.hpp ----
// What every cluster task wrapper (`sweep job` for SLURM, `sweep sge-task` for
// Grid Engine) does the same way: build the job's argv from the submitted
// template, refuse to start under fail-fast, run one attempt as a child it waits
// on with poll (so a signal is handled at once), and settle the attempt in the
// job's state files and the launch events.





namespace sweep {

/// @brief What a cluster task needs to run its job, as the launch submitted it (LAUNCH's values).
struct task_settings {
  std::int64_t max_retry = 3;
  std::string mode = "train";
  std::string command;          // LAUNCH.COMMAND, the template
  std::string conda_env;
  std::string on_event;         // LAUNCH.ON_EVENT
  std::int64_t max_failures = 0;  // LAUNCH.MAX_FAILURES
};

/// @brief How one attempt ended: the job's exit code, or a signal to the wrapper that cut it short.
struct task_attempt {
  int code = 127;
  int signal = 0;              // one of the `interrupt` signals arrived first (the job got SIGTERM)
  bool stopped_early = false;  // the watch ended it at a rung (STOPPED_EARLY written)
};

/// @brief What happens after an attempt: the job is done, gets another attempt (requeue), or failed for good
/// (failed_fast: and its failure reached LAUNCH.MAX_FAILURES, so the wrapper stops the sweep's pending tasks).
enum class task_next { done, retry, failed, failed_fast };

namespace detail {

inline void task_log(std::FILE* log, std::string_view text) {
  if (log == nullptr) return;
  fmt::print(log, "[{:%Y-%m-%d %H:%M:%S}] {}\n", fmt::localtime(std::time(nullptr)), text);
  std::fflush(log);
}

}  // namespace detail

/// @brief Job `index`'s spawn options: `prefix` (e.g. srun and its options) then the template's words with the
/// job's values in; output appended to its logs, working folder code/, SWEEP_* variables set.
inline spawn_options task_spawn_options(const sweep_layout& layout, const std::vector<std::filesystem::path>& cfgs, std::int64_t index,
                                        const task_settings& s, const std::vector<std::string>& prefix = {}) {
  auto words = split_command(s.command);
  if (!s.conda_env.empty()) {
    std::vector<std::string> conda = {"conda", "run", "--no-capture-output", "-n", s.conda_env};
    words.insert(words.begin(), conda.begin(), conda.end());
  }
  job_folder job(layout, index);
  job_vars vars{cfgs.at(static_cast<std::size_t>(index)).string(), job.dir().string(), index, s.mode};
  spawn_options o;
  o.argv = prefix;
  auto argv = expand_command(words, vars);
  o.argv.insert(o.argv.end(), argv.begin(), argv.end());
  o.cwd = layout.code_dir();
  o.stdout_file = job.file(job_folder::stdout_log);
  o.stderr_file = job.file(job_folder::stderr_log);
  o.stdin_null = true;
  o.env = {fmt::format("SWEEP_JOB_INDEX={}", index), "SWEEP_OUT_DIR=" + vars.out_dir, "SWEEP_CFG=" + vars.cfg};
  return o;
}

/// @brief Fail-fast for a task: true (and the job counted as skipped) when LAUNCH.MAX_FAILURES was reached.
inline bool task_refused_by_fail_fast(const launch_events& events, const job_folder& job, std::FILE* log) {
  if (!events.fail_fast()) return false;
  detail::task_log(log, fmt::format("not starting job {}: LAUNCH.MAX_FAILURES reached (fail-fast)", job.index()));
  if (job.started()) job.note("not restarted: LAUNCH.MAX_FAILURES reached (fail-fast)");
  events.job_ended(job.index(), job_outcome::skipped);
  return true;
}

/// @brief Fail-fast on a cluster: the pending tasks of `queue` are counted as skipped (the caller then dequeues them).
inline std::size_t skip_pending_tasks(const launch_events& events, const std::optional<queue_states>& queue,
                                      std::int64_t self, std::FILE* log) {
  if (!queue) return 0;
  std::size_t n = 0;
  for (auto& [index, state] : *queue) {
    if (!state.pending || index == self) continue;
    events.job_ended(index, job_outcome::skipped);
    ++n;
  }
  detail::task_log(log, fmt::format("fail-fast: LAUNCH.MAX_FAILURES reached, dequeuing {} pending task(s)", n));
  return n;
}

/// @brief A task for a job early stopping ended (a requeue after the decision, a resubmission): it is not
/// run again; true (and the task's log says why) when so.
inline bool task_refused_as_stopped_early(const job_folder& job, std::FILE* log) {
  if (!job.stopped_early()) return false;
  detail::task_log(log, fmt::format("not running job {}: stopped early ({})", job.index(), job.stopped_early_reason()));
  return true;
}

/// @brief Runs one attempt and waits for it; when a signal of `interrupt` reaches the wrapper first, the job's
/// process group gets SIGTERM and the signal is returned at once (the wrapper then requeues itself). With a
/// watch, the job's log is looked at every watch.period: when the watch stops the job, its group gets SIGTERM
/// (SIGKILL after `grace`) and the attempt ends stopped early.
inline task_attempt run_task_attempt(const spawn_options& o, const signal_pipe& signals, const std::vector<int>& interrupt,
                                     const job_folder& job, std::FILE* log, const job_watch& watch = {},
                                     std::chrono::milliseconds grace = std::chrono::milliseconds(5000)) {
  task_attempt a;
  detail::task_log(log, "running: " + shell_join(o.argv));
  pid_t pid = -1;
  try {
    pid = spawn(o);
  } catch (const std::system_error& e) {
    job.note(e.what());
    return a;
  }
  int pidfd = open_pidfd(pid);
  using clock = std::chrono::steady_clock;
  auto next_check = clock::now() + watch.period;
  std::optional<clock::time_point> kill_at;
  for (;;) {
    pollfd fds[2] = {{signals.read_fd(), POLLIN, 0}, {pidfd, POLLIN, 0}};
    int timeout = pidfd >= 0 ? -1 : 50;
    if (watch) {
      auto until = std::chrono::duration_cast<std::chrono::milliseconds>((kill_at ? *kill_at : next_check) - clock::now());
      auto wait = static_cast<int>(std::clamp<std::int64_t>(until.count() + 1, 0, 60000));
      timeout = timeout < 0 ? wait : std::min(timeout, wait);
    }
    ::poll(fds, pidfd >= 0 ? 2 : 1, timeout);
    if (fds[0].revents != 0) {
      for (int got : signals.drain()) {
        if (std::find(interrupt.begin(), interrupt.end(), got) != interrupt.end()) {
          ::kill(-pid, SIGTERM);
          if (pidfd >= 0) ::close(pidfd);
          a.signal = got;
          return a;
        }
      }
    }
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      a.code = exit_code(status);
      break;
    }
    auto now = clock::now();
    if (kill_at && now >= *kill_at) {
      ::kill(-pid, SIGKILL);
      kill_at.reset();
    }
    if (watch && !a.stopped_early && now >= next_check) {
      next_check = now + watch.period;
      if (auto why = watch.check(job.index(), false)) {
        detail::task_log(log, fmt::format("stopping job {} early: {}", job.index(), *why));
        job.note("stopped early: " + *why);
        a.stopped_early = true;
        ::kill(-pid, SIGTERM);
        kill_at = now + grace;
      }
    }
  }
  a.stopped_early = a.stopped_early || job.stopped_early();
  if (watch && a.code == 0 && !a.stopped_early) watch.check(job.index(), true);  // its rungs count for later jobs
  if (pidfd >= 0) ::close(pidfd);
  detail::task_log(log, fmt::format("job {} exited with code {}", job.index(), a.code));
  return a;
}

/// @brief Records an attempt's end: stopped early (STOPPED_EARLY is written: it ends the job), DONE, or a
/// RETRY.txt line and another attempt while retries last, else FAILED; the launch events hear of the job's end.
inline task_next settle_task_attempt(const task_attempt& attempt, const job_folder& job, const task_settings& s,
                                     const launch_events& events, std::FILE* log) {
  auto code = attempt.code;
  if (attempt.stopped_early) {
    events.job_ended(job.index(), job_outcome::stopped_early);
    return task_next::done;
  }
  if (code == 0) {
    job.mark_done();
    events.job_ended(job.index(), job_outcome::done);
    return task_next::done;
  }
  if (job.record_failure(fmt::format("Encountered non-zero exit code {}", code), s.max_retry)) {
    detail::task_log(log, fmt::format("retry {} of {}", job.retries(), s.max_retry));
    return task_next::retry;
  }
  detail::task_log(log, fmt::format("out of retries (MAX_RETRY {}): job {} failed", s.max_retry, job.index()));
  return events.job_ended(job.index(), job_outcome::failed) ? task_next::failed_fast : task_next::failed;
}

}  // namespace sweep
// ---- end sweep/launch/task.hpp ----

// ---- begin sweep/launch/sge.hpp ----
// The Grid Engine backend (Son of Grid Engine, Univa/Altair GE): the jobs to run
// become `qsub -t 1-M -tc PARALLEL_JOBS` array job(s), split at the cluster's
// max_aj_tasks, whose tasks run `sweep sge-task` (run_sge_task below) from a copy
// of the driver. Task t of array n runs the t-th job of logs/sge/array.<n>.json,
// which also holds LAUNCH's values for the task: no config value is ever a job
// argument or reaches a shell (qsub gets an argv; bin/sge_task.sh holds only
// shell-quoted paths and passes on the array's number). A task requeues through
// SGE's convention: exit 99 reschedules it (a failure with retries left, or
// SIGUSR1 from the soft time limit s_rt, SGE's counterpart of SLURM's USR1).


#include <nlohmann/json.hpp>


namespace sweep {

/// @brief Grid Engine's files in the sweep folder: logs/sge/jobs.txt ("<job id> <array number>" per qsub),
/// logs/sge/array.<n>.json (the jobs and LAUNCH values of array n), logs/sge/<job>.<task>.out (the task logs).
struct sge_files {
  explicit sge_files(const sweep_layout& layout) : dir(layout.backend_dir("sge")) {}
  std::filesystem::path dir;
  [[nodiscard]] std::filesystem::path jobs_file() const { return dir / "jobs.txt"; }
  [[nodiscard]] std::filesystem::path array_file(std::int64_t n) const { return dir / fmt::format("array.{}.json", n); }
};

/// @brief One qsub call: an array whose task t (from 1) runs jobs[t - 1].
struct qsub_call {
  std::int64_t array = 0;  // its number (logs/sge/array.<n>.json)
  std::vector<std::int64_t> jobs;
  std::vector<std::string> argv;
};

/// @brief One submitted array, as remembered in logs/sge/jobs.txt.
struct sge_array {
  std::string job_id;
  std::int64_t array = 0;
};

namespace detail {

/// @brief Seconds between the soft (SIGUSR1: requeue) and the hard time limit.
inline constexpr int sge_soft_lead_seconds = 300;

inline std::int64_t sge_parse_int(std::string_view s, std::int64_t fallback) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  std::int64_t v = fallback;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() ? v : fallback;
}

}  // namespace detail

/// @brief A job name qsub -N accepts: it refuses blanks, ':', '@', '*', '?', '/', '\' and a leading digit.
inline std::string sge_job_name(std::string_view name) {
  std::string out;
  for (unsigned char c : name) out += (std::isspace(c) != 0 || std::iscntrl(c) != 0 || std::string_view(":@*?/\\").find(static_cast<char>(c)) != std::string_view::npos) ? '_' : static_cast<char>(c);
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out.front())) != 0) out.insert(0, "s_");
  return out;
}

/// @brief The cluster's max_aj_tasks (tasks per array; `qconf -sconf`); 0 means no limit; 75000 (SGE's default)
/// when it cannot be read.
inline std::int64_t sge_max_array_tasks() {
  try {
    auto c = run_capture({"qconf", "-sconf"});
    std::istringstream in(c.out);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("max_aj_tasks", 0) == 0) return detail::sge_parse_int(std::string_view(line).substr(12), 75000);
    }
  } catch (const std::exception&) {
  }
  return 75000;
}

/// @brief The arrays submitted for this sweep so far (logs/sge/jobs.txt).
inline std::vector<sge_array> read_sge_arrays(const sweep_layout& layout) {
  std::vector<sge_array> arrays;
  std::string text;
  read_file_into(sge_files(layout).jobs_file().string(), text);
  std::istringstream in(text);
  sge_array a;
  while (in >> a.job_id >> a.array) arrays.push_back(a);
  return arrays;
}

/// @brief Array n's file: its jobs (task t runs jobs[t - 1]) and the LAUNCH values its tasks need.
inline void write_sge_array(const sweep_layout& layout, std::int64_t n, const std::vector<std::int64_t>& jobs,
                            const task_settings& s) {
  nlohmann::json j = {{"jobs", jobs},           {"max_retry", s.max_retry}, {"mode", s.mode},
                      {"command", s.command},   {"conda_env", s.conda_env}, {"on_event", s.on_event},
                      {"max_failures", s.max_failures}};
  write_file_atomic(sge_files(layout).array_file(n), j.dump(1));
}

/// @brief Reads array n's file back: its jobs and settings.
inline std::pair<std::vector<std::int64_t>, task_settings> read_sge_array(const sweep_layout& layout, std::int64_t n) {
  auto path = sge_files(layout).array_file(n);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(path));
    task_settings s;
    s.max_retry = j.at("max_retry").get<std::int64_t>();
    s.mode = j.at("mode").get<std::string>();
    s.command = j.at("command").get<std::string>();
    s.conda_env = j.at("conda_env").get<std::string>();
    s.on_event = j.at("on_event").get<std::string>();
    s.max_failures = j.at("max_failures").get<std::int64_t>();
    return {j.at("jobs").get<std::vector<std::int64_t>>(), s};
  } catch (const nlohmann::json::exception& e) {
    throw error({path.string(), 0}, "", fmt::format("not an array file of `sweep launch` ({})", e.what()));
  }
}

/// @brief Job index -> qstat state (qw, r, Rq, Eqw, ...) of this sweep's tasks that Grid Engine still holds,
/// per task (`qstat -g d` lists pending tasks one by one). nullopt when qstat cannot be run.
inline std::optional<queue_states> sge_queue_states(const sweep_layout& layout) {
  auto arrays = read_sge_arrays(layout);
  queue_states states;
  if (arrays.empty()) return states;
  captured c;
  try {
    c = run_capture({"qstat", "-g", "d", "-u", "*"});
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (c.code != 0) return std::nullopt;
  std::map<std::string, std::int64_t> numbers;
  for (auto& a : arrays) numbers[a.job_id] = a.array;
  std::map<std::int64_t, std::vector<std::int64_t>> jobs;  // array number -> its jobs, read when first needed
  std::istringstream in(c.out);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::vector<std::string> w{std::istream_iterator<std::string>(words), std::istream_iterator<std::string>()};
    if (w.size() < 6) continue;
    auto it = numbers.find(w[0]);
    if (it == numbers.end()) continue;
    auto task = detail::sge_parse_int(w.back(), -1);
    if (task < 1) continue;
    if (!jobs.count(it->second)) {
      try {
        jobs[it->second] = read_sge_array(layout, it->second).first;
      } catch (const error&) {
        jobs[it->second] = {};
      }
    }
    auto& list = jobs[it->second];
    if (static_cast<std::size_t>(task) > list.size()) continue;
    const auto& state = w[4];
    states[list[static_cast<std::size_t>(task - 1)]] = {state.find('q') != std::string::npos, state};
  }
  return states;
}

/// @brief The Grid Engine backend (LAUNCH.BACKEND sge): the jobs become qsub array(s) whose tasks run
/// `sweep sge-task`; see docs/sge.md. Its own keys are under LAUNCH.SGE.
class sge_backend {
 public:
  static constexpr std::string_view name = "sge";
  struct options {
    BOOST_HANA_DEFINE_STRUCT(options,
      (std::string, queue),                     // qsub -q (empty: the cluster chooses)
      (std::string, pe),                        // parallel environment, qsub -pe PE SLOTS (e.g. smp)
      (std::int64_t, slots),                    // slots per job in PE
      (std::vector<std::string>, extra_args));  // more qsub arguments, e.g. [-P, my-project, -l, h_vmem=4G]
    options() : slots(0) {}
  };

  /// @brief The qsub options sweep sets itself, and what to use instead.
  static constexpr std::pair<std::string_view, std::string_view> own_options[] = {
      {"-t", "sweep sets it from the jobs to run"},
      {"-tc", "sweep sets it from LAUNCH.PARALLEL_JOBS"},
      {"-N", "sweep sets it from NAME"},
      {"-o", "sweep sets it to logs/sge/$JOB_ID.$TASK_ID.out"},
      {"-e", "sweep joins the task's errors to its output (-j y)"},
      {"-j", "sweep sets it to y"},
      {"-wd", "sweep sets it to the sweep folder"},
      {"-cwd", "sweep sets -wd to the sweep folder"},
      {"-S", "sweep sets it to /bin/sh for bin/sge_task.sh"},
      {"-b", "sweep submits bin/sge_task.sh as a script"},
      {"-terse", "sweep reads the job id from it"},
      {"-sync", "sweep launch does not wait for the jobs"},
      {"-q", "use LAUNCH.SGE.QUEUE"},
      {"-pe", "use LAUNCH.SGE.PE and LAUNCH.SGE.SLOTS"},
  };

  sge_backend(const sweep_config&, options o) : options_(std::move(o)) {}

  void check(const launch_context& ctx) const {
    const auto& l = ctx.config().launch;
    auto section = ctx.section();
    if (l.time_limit * 60 <= detail::sge_soft_lead_seconds) {
      ctx.fail("LAUNCH.TIME_LIMIT",
               fmt::format("{} minutes is too short for Grid Engine: tasks requeue themselves at the soft limit, {} s "
                           "before the hard one; expected more than {} minutes", l.time_limit,
                           detail::sge_soft_lead_seconds, detail::sge_soft_lead_seconds / 60));
    }
    if (options_.queue.starts_with("-")) ctx.fail(section + ".QUEUE", fmt::format("'{}' is not a queue name", options_.queue));
    if (options_.pe.starts_with("-")) ctx.fail(section + ".PE", fmt::format("'{}' is not a parallel environment", options_.pe));
    if (options_.slots < 0) ctx.fail(section + ".SLOTS", fmt::format("expected 0 or more, got {}", options_.slots));
    if (!options_.pe.empty() && options_.slots < 1) {
      ctx.fail(section + ".SLOTS", fmt::format("expected at least 1 slot per job in parallel environment '{}'", options_.pe));
    }
    if (options_.pe.empty() && options_.slots > 0) {
      ctx.fail(section + ".PE", fmt::format("is empty but SLOTS is {}: expected a parallel environment (e.g. smp) for the slots", options_.slots));
    }
    const auto& extra = options_.extra_args;
    for (std::size_t i = 0; i < extra.size(); ++i) {
      auto key = fmt::format("{}.EXTRA_ARGS[{}]", section, i);
      const auto& arg = extra[i];
      if (i == 0 && !arg.starts_with("-")) {
        ctx.fail(key, fmt::format("'{}' is not an option: expected qsub options, each followed by its values, such as "
                                  "[-P, my-project]", arg));
      }
      for (auto& [option, instead] : own_options) {
        if (arg == option) ctx.fail(key, fmt::format("'{}' is an option sweep sets itself: {}", arg, instead));
      }
      bool resource = i > 0 && extra[i - 1] == "-l";
      if (resource && (arg.find("h_rt") != std::string::npos || arg.find("s_rt") != std::string::npos)) {
        ctx.fail(key, fmt::format("'{}' sets a time limit, which sweep sets itself from LAUNCH.TIME_LIMIT", arg));
      }
    }
  }

  /// @brief The qsub calls that submit `jobs` (sorted): one array per `max_tasks` jobs (0: no limit), numbered
  /// from `first_array`.
  [[nodiscard]] std::vector<qsub_call> plan(const sweep_config& cfg, const sweep_layout& layout,
                                            const std::vector<std::int64_t>& jobs, std::int64_t max_tasks,
                                            std::int64_t first_array) const {
    std::vector<qsub_call> calls;
    auto block = max_tasks > 0 ? static_cast<std::size_t>(max_tasks) : std::max<std::size_t>(1, jobs.size());
    const auto& l = cfg.launch;
    auto seconds = l.time_limit * 60;
    for (std::size_t from = 0; from < jobs.size(); from += block) {
      qsub_call c;
      c.array = first_array + static_cast<std::int64_t>(calls.size());
      c.jobs.assign(jobs.begin() + static_cast<std::ptrdiff_t>(from),
                    jobs.begin() + static_cast<std::ptrdiff_t>(std::min(jobs.size(), from + block)));
      c.argv = {"qsub", "-terse", "-N", sge_job_name(cfg.name), "-t", fmt::format("1-{}", c.jobs.size()), "-tc",
                fmt::format("{}", l.parallel_jobs), "-wd", layout.dir.string(),
                // Relative to -wd, so no character of ROOT_DIR/NAME is read as a $-pattern or host:path.
                "-o", "logs/sge/$JOB_ID.$TASK_ID.out", "-j", "y", "-S", "/bin/sh", "-r", "y", "-l",
                fmt::format("h_rt={},s_rt={}", seconds, seconds - detail::sge_soft_lead_seconds)};
      if (!options_.queue.empty()) c.argv.insert(c.argv.end(), {"-q", options_.queue});
      if (!options_.pe.empty()) c.argv.insert(c.argv.end(), {"-pe", options_.pe, fmt::format("{}", options_.slots)});
      c.argv.insert(c.argv.end(), options_.extra_args.begin(), options_.extra_args.end());
      c.argv.push_back((layout.bin_dir() / "sge_task.sh").string());
      c.argv.push_back(fmt::format("{}", c.array));
      calls.push_back(std::move(c));
    }
    return calls;
  }

  /// @brief Submits `jobs` as array(s), after the plan is confirmed (request.yes or request.confirm).
  launch_result launch(const launch_context& ctx, const std::vector<std::int64_t>& jobs) const;

  std::optional<queue_states> queue(const sweep_layout& layout) const { return sge_queue_states(layout); }

  /// @brief qdel of every array of this sweep that Grid Engine still holds tasks of.
  std::size_t cancel(const sweep_layout& layout) const {
    auto states = sge_queue_states(layout);
    if (!states || states->empty()) return 0;
    std::vector<std::string> argv = {"qdel"};
    for (auto& a : read_sge_arrays(layout)) argv.push_back(a.job_id);
    run_capture(argv);
    return states->size();
  }

 private:
  options options_;
};

inline launch_result sge_backend::launch(const launch_context& ctx, const std::vector<std::int64_t>& jobs) const {
  const auto& cfg = ctx.config();
  const auto& req = ctx.request();
  const auto& layout = ctx.layout();
  launch_result result;
  result.waits = false;
  if (jobs.empty()) {
    ctx.print("launch: nothing to submit: every job is done or still queued\n");
    return result;
  }
  auto first = static_cast<std::int64_t>(read_sge_arrays(layout).size());
  sge_files files(layout);
  // Arrays whose file exists but that were never submitted (a failed qsub) are numbered past.
  while (path_exists(files.array_file(first))) ++first;
  auto calls = plan(cfg, layout, jobs, req.max_array_size ? *req.max_array_size : sge_max_array_tasks(), first);
  std::vector<std::vector<std::string>> commands;
  for (auto& c : calls) commands.push_back(c.argv);
  if (!ctx.confirm_submission(jobs.size(), commands)) {
    result.declined = true;
    return result;
  }

  std::filesystem::create_directories(files.dir);
  detail::install_driver(req, layout, "sge_task.sh",
                         fmt::format("#!/bin/sh\n# Written by `sweep launch`: a Grid Engine array task of this sweep "
                                     "(see docs/sge.md); $1 is the array's number.\nexec {} sge-task --sweep-dir {} "
                                     "--array \"$1\"\n",
                                     shell_quote((layout.bin_dir() / "sweep").string()), shell_quote(layout.dir.string())));
  task_settings s;
  s.max_retry = cfg.launch.max_retry;
  s.mode = cfg.launch.mode;
  s.command = cfg.launch.command;
  s.conda_env = cfg.launch.conda_env;
  s.on_event = cfg.launch.on_event;
  s.max_failures = cfg.launch.max_failures;
  for (auto& c : calls) {
    write_sge_array(layout, c.array, c.jobs, s);
    auto r = run_capture(c.argv);
    if (r.code != 0) {
      throw error({layout.dir.string(), 0}, "", fmt::format("qsub failed (exit {}): {}", r.code, r.err + r.out));
    }
    auto id = r.out.substr(0, r.out.find_first_of(".\n"));
    result.submitted.push_back(id);
    append_line(files.jobs_file(), fmt::format("{} {}", id, c.array));
    ctx.print("launch: submitted array job {} ({} tasks, array {})\n", id, c.jobs.size(), c.array);
  }
  return result;
}

/// @brief What `sweep sge-task` (the Grid Engine array task) needs: the sweep folder and the array's number; the
/// rest comes from the array's file.
struct sge_task_options {
  std::filesystem::path sweep_dir;
  std::int64_t array = 0;
  std::string qstat = "qstat";
  std::string qdel = "qdel";
  std::FILE* log = stdout;  // the task's output file (logs/sge/<job>.<task>.out)
  job_watch watch;          // early stopping (the sweep's early_stop/ policy, read by the driver); none: off
};

/// @brief The exit code that makes Grid Engine reschedule a task (it runs again later, RESTARTED=1).
inline constexpr int sge_requeue_exit = 99;

namespace detail {

/// @brief Fail-fast: the sweep's pending tasks are deleted (running ones finish).
inline void sge_dequeue_pending(const sge_task_options& o, const sweep_layout& layout, const launch_events& events,
                                std::int64_t self, const std::string& job_id, std::int64_t task_id) {
  auto states = sge_queue_states(layout);
  skip_pending_tasks(events, states, self, o.log);
  if (!states) return;
  // qdel JOB.TASK for each pending task of each array: find which (array, task) holds each pending job.
  std::vector<std::string> argv = {o.qdel};
  for (auto& a : read_sge_arrays(layout)) {
    std::vector<std::int64_t> jobs;
    try {
      jobs = read_sge_array(layout, a.array).first;
    } catch (const error&) {
      continue;
    }
    for (std::size_t t = 0; t < jobs.size(); ++t) {
      auto q = states->find(jobs[t]);
      bool self_task = a.job_id == job_id && static_cast<std::int64_t>(t + 1) == task_id;
      if (q != states->end() && q->second.pending && !self_task) argv.push_back(fmt::format("{}.{}", a.job_id, t + 1));
    }
  }
  if (argv.size() == 1) return;
  try {
    run_capture(argv);
  } catch (const std::exception& e) {
    task_log(o.log, fmt::format("qdel failed: {}", e.what()));
  }
}

}  // namespace detail

/// @brief Runs one Grid Engine array task: job jobs[SGE_TASK_ID - 1] of the array's file, as a child it waits on.
/// SIGUSR1 (the soft time limit s_rt) requeues at once; a failure is counted in RETRY.txt and requeued while
/// retries < MAX_RETRY. Both requeue by returning 99, Grid Engine's "reschedule me". Under fail-fast it starts
/// nothing, and the task whose failure reached LAUNCH.MAX_FAILURES deletes the sweep's pending tasks.
inline int run_sge_task(const sge_task_options& o) {
  const char* task_env = std::getenv("SGE_TASK_ID");
  const char* job_env = std::getenv("JOB_ID");
  auto task_id = task_env != nullptr ? detail::sge_parse_int(task_env, -1) : -1;
  if (task_id < 1 || job_env == nullptr) {
    throw error("`sweep sge-task` runs inside a Grid Engine array task: SGE_TASK_ID and JOB_ID are not set");
  }
  std::string job_id = job_env;
  signal_pipe signals({SIGUSR1}, {SIGUSR2});  // USR2: the -notify warning before a kill, if the user asked for one
  sweep_layout layout(o.sweep_dir);
  auto cfgs = list_job_configs(layout);
  auto [jobs, settings] = read_sge_array(layout, o.array);
  if (static_cast<std::size_t>(task_id) > jobs.size()) {
    throw error({sge_files(layout).array_file(o.array).string(), 0}, "",
                fmt::format("no task {} (array {} has {})", task_id, o.array, jobs.size()));
  }
  auto index = jobs[static_cast<std::size_t>(task_id - 1)];
  if (index < 0 || static_cast<std::size_t>(index) >= cfgs.size()) {
    throw error({layout.cfgs_dir().string(), 0}, "", fmt::format("no job config {} (the sweep has {})", index, cfgs.size()));
  }
  job_folder job(layout, index);
  launch_events events(layout, settings.on_event, settings.max_failures);
  const char* restarted = std::getenv("RESTARTED");
  detail::task_log(o.log, fmt::format("array task {}.{} (pid {}) runs job {} in {}{}", job_id, task_id, ::getpid(), index,
                                      job.dir().string(), restarted != nullptr && std::string_view(restarted) == "1" ? " (restarted)" : ""));
  if (task_refused_by_fail_fast(events, job, o.log)) return 0;
  if (task_refused_as_stopped_early(job, o.log)) return 0;  // a requeue after the decision
  job.prepare();
  auto attempt = run_task_attempt(task_spawn_options(layout, cfgs, index, settings), signals, {SIGUSR1}, job, o.log, o.watch);
  if (attempt.signal == SIGUSR1) {
    detail::task_log(o.log, "caught USR1 (soft time limit): requeuing with exit 99");
    return sge_requeue_exit;
  }
  switch (settle_task_attempt(attempt, job, settings, events, o.log)) {
    case task_next::done: return 0;
    case task_next::retry: detail::task_log(o.log, "requeuing with exit 99"); return sge_requeue_exit;
    case task_next::failed_fast: detail::sge_dequeue_pending(o, layout, events, index, job_id, task_id); return 1;
    case task_next::failed: return 1;
  }
  return 1;
}

}  // namespace sweep
// ---- end sweep/launch/sge.hpp ----

// ---- begin sweep/launch/slurm.hpp ----
// The SLURM backend: the sweep becomes one sbatch job array (several when it is
// larger than the cluster's MaxArraySize), whose tasks run `sweep job` — the
// wrapper below — from a copy of the driver in the sweep folder. No shell sees
// a config value: sbatch and srun get argument vectors, and the one script
// (bin/job.sh) holds only shell-quoted paths and passes "$@" on.





namespace sweep {

/// @brief One sbatch call: an array whose task t runs job offset + t.
struct sbatch_call {
  std::int64_t offset = 0;
  std::vector<std::int64_t> tasks;
  std::vector<std::string> argv;
};

/// @brief One submitted array, as remembered in logs/sbatch/jobs.txt.
struct slurm_array {
  std::string job_id;
  std::int64_t offset = 0;
};

/// @brief SLURM's own files in the sweep folder: logs/sbatch/%A_%a.out (the tasks' wrapper logs) and
/// logs/sbatch/jobs.txt ("<array job id> <offset>" per submitted array); SLURM.txt in each job's folder.
struct slurm_files {
  explicit slurm_files(const sweep_layout& layout) : dir(layout.backend_dir("sbatch")) {}
  std::filesystem::path dir;
  [[nodiscard]] std::filesystem::path jobs_file() const { return dir / "jobs.txt"; }
  static constexpr std::string_view job_env_file = "SLURM.txt";
};

namespace detail {

/// @brief Seconds before the time limit at which SLURM sends USR1 (the task then requeues itself).
inline constexpr int usr1_lead_seconds = 300;

inline std::int64_t parse_int(std::string_view s, std::int64_t fallback) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  std::int64_t v = fallback;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() ? v : fallback;
}

}  // namespace detail

/// @brief "0-9,12,15-20%4": sorted task ids as SLURM's --array ranges, at most `parallel` at once.
inline std::string array_spec(const std::vector<std::int64_t>& tasks, std::int64_t parallel) {
  std::string out;
  for (std::size_t i = 0; i < tasks.size();) {
    std::size_t j = i;
    while (j + 1 < tasks.size() && tasks[j + 1] == tasks[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += j == i ? fmt::format("{}", tasks[i]) : fmt::format("{}-{}", tasks[i], tasks[j]);
    i = j + 1;
  }
  return fmt::format("{}%{}", out, parallel);
}

/// @brief The cluster's MaxArraySize (task ids must stay below it); SLURM's default 1001 when unknown.
inline std::int64_t slurm_max_array_size() {
  try {
    auto c = run_capture({"scontrol", "show", "config"});
    std::istringstream in(c.out);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("MaxArraySize", 0) == 0) {
        auto eq = line.find('=');
        if (eq != std::string::npos) return detail::parse_int(std::string_view(line).substr(eq + 1), 1001);
      }
    }
  } catch (const std::exception&) {
  }
  return 1001;
}

/// @brief sbatch's options for a sweep (pycls's set; docs/slurm.md), then the batch script and its arguments.
/// `extra`: LAUNCH.SLURM.EXTRA_ARGS, passed on as they are, before the script.
inline std::vector<std::string> sbatch_arguments(const sweep_config& cfg, const sweep_layout& layout,
                                                 const std::string& array, const std::vector<std::string>& script_args,
                                                 const std::vector<std::string>& extra = {}) {
  const auto& l = cfg.launch;
  auto gpus = std::max<std::int64_t>(1, l.num_gpus);  // memory and cpus are per GPU; a CPU job counts as one
  std::vector<std::string> a = {"sbatch", "--parsable", "--job-name=" + cfg.name};
  if (!l.partition.empty()) a.push_back("--partition=" + l.partition);
  if (l.num_gpus > 0) a.push_back(fmt::format("--gpus={}", l.num_gpus));
  if (!l.gpu_type.empty()) a.push_back("--constraint=" + l.gpu_type);
  a.push_back(fmt::format("--mem={}G", l.mem_per_gpu * gpus));
  a.push_back(fmt::format("--cpus-per-task={}", l.cpus_per_gpu * gpus));
  a.push_back("--array=" + array);
  // Relative to --chdir, so no character of ROOT_DIR/NAME is read as a %-pattern.
  a.push_back("--chdir=" + layout.dir.string());
  a.push_back("--output=logs/sbatch/%A_%a.out");
  a.push_back("--error=logs/sbatch/%A_%a.out");
  a.push_back(fmt::format("--time={}", l.time_limit));
  if (!l.comment.empty()) a.push_back("--comment=" + l.comment);
  a.push_back(fmt::format("--signal=B:USR1@{}", detail::usr1_lead_seconds));
  a.push_back(fmt::format("--nodes={}", l.nodes));
  a.push_back(fmt::format("--ntasks-per-node={}", l.tasks_per_node));
  a.push_back("--open-mode=append");
  a.insert(a.end(), extra.begin(), extra.end());
  a.push_back((layout.bin_dir() / "job.sh").string());
  a.insert(a.end(), script_args.begin(), script_args.end());
  return a;
}

/// @brief The sbatch calls that submit `jobs` (sorted indices): one array per MaxArraySize block of indices.
inline std::vector<sbatch_call> plan_sbatch(const sweep_config& cfg, const sweep_layout& layout,
                                            const std::vector<std::int64_t>& jobs, std::int64_t max_array_size,
                                            const std::vector<std::string>& extra = {}) {
  std::vector<sbatch_call> calls;
  max_array_size = std::max<std::int64_t>(1, max_array_size);
  for (auto i : jobs) {
    auto offset = i / max_array_size * max_array_size;
    if (calls.empty() || calls.back().offset != offset) calls.push_back({offset, {}, {}});
    calls.back().tasks.push_back(i - offset);
  }
  for (auto& c : calls) {
    std::vector<std::string> script_args = {"--offset", fmt::format("{}", c.offset), "--max-retry",
                                            fmt::format("{}", cfg.launch.max_retry), "--mode", cfg.launch.mode,
                                            "--command", cfg.launch.command};
    if (!cfg.launch.conda_env.empty()) script_args.insert(script_args.end(), {"--conda-env", cfg.launch.conda_env});
    if (cfg.launch.nodes * cfg.launch.tasks_per_node > 1) {
      script_args.insert(script_args.end(), {"--nodes", fmt::format("{}", cfg.launch.nodes), "--tasks-per-node",
                                             fmt::format("{}", cfg.launch.tasks_per_node)});
    }
    if (!cfg.launch.on_event.empty()) script_args.insert(script_args.end(), {"--on-event", cfg.launch.on_event});
    if (cfg.launch.max_failures > 0) {
      script_args.insert(script_args.end(), {"--max-failures", fmt::format("{}", cfg.launch.max_failures)});
    }
    c.argv = sbatch_arguments(cfg, layout, array_spec(c.tasks, cfg.launch.parallel_jobs), script_args, extra);
  }
  return calls;
}

/// @brief The arrays submitted for this sweep so far (logs/sbatch/jobs.txt).
inline std::vector<slurm_array> read_slurm_arrays(const sweep_layout& layout) {
  std::vector<slurm_array> arrays;
  std::string text;
  read_file_into(slurm_files(layout).jobs_file().string(), text);  // none yet: nothing submitted
  std::istringstream in(text);
  slurm_array a;
  while (in >> a.job_id >> a.offset) arrays.push_back(a);
  return arrays;
}

/// @brief Job index -> squeue state (PENDING, RUNNING, ...) of this sweep's tasks that SLURM still holds.
/// Reads squeue only (no accounting database); nullopt when squeue cannot be run.
inline std::optional<queue_states> slurm_queue_states(const sweep_layout& layout) {
  auto arrays = read_slurm_arrays(layout);
  queue_states states;
  if (arrays.empty()) return states;
  captured c;
  try {
    c = run_capture({"squeue", "--noheader", "--array", "--format=%F %K %T"});
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (c.code != 0) return std::nullopt;
  std::map<std::string, std::int64_t> offsets;
  for (auto& a : arrays) offsets[a.job_id] = a.offset;
  std::istringstream in(c.out);
  std::string job, task, state;
  while (in >> job >> task >> state) {
    auto it = offsets.find(job);
    if (it == offsets.end()) continue;
    auto t = detail::parse_int(task, -1);
    bool pending = state == "PENDING" || state.rfind("REQUEUE", 0) == 0;
    if (t >= 0) states[it->second + t] = {pending, state};
  }
  return states;
}

/// @brief The SLURM backend (LAUNCH.BACKEND slurm): the jobs become sbatch array(s) whose tasks run
/// `sweep job`; see docs/slurm.md. Its own keys: LAUNCH.SLURM.EXTRA_ARGS; pycls's flat keys
/// (PARTITION, NUM_GPUS, CPUS_PER_GPU, MEM_PER_GPU, GPU_TYPE, COMMENT) stay where pycls has them.
class slurm_backend {
 public:
  static constexpr std::string_view name = "slurm";
  struct options {
    BOOST_HANA_DEFINE_STRUCT(options,
      (std::vector<std::string>, extra_args));  // extra sbatch options, e.g. [--qos=high, --account=lab]
  };

  /// @brief The sbatch options sweep sets itself (long name, short letter or 0, and where the value comes from):
  /// EXTRA_ARGS may not repeat them.
  struct own_option {
    std::string_view name;
    char letter;
    std::string_view from;
  };
  static constexpr own_option own_options[] = {
      {"array", 'a', "sweep sets it from the jobs to run and LAUNCH.PARALLEL_JOBS"},
      {"job-name", 'J', "sweep sets it from NAME"},
      {"output", 'o', "sweep sets it to logs/sbatch/%A_%a.out"},
      {"error", 'e', "sweep sets it to logs/sbatch/%A_%a.out"},
      {"chdir", 'D', "sweep sets it to the sweep folder"},
      {"open-mode", 0, "sweep sets it to append"},
      {"signal", 0, "sweep sets it to B:USR1@300 for the requeue before the time limit"},
      {"parsable", 0, "sweep reads the array job id from it"},
      {"wrap", 0, "sweep submits bin/job.sh"},
      {"nodes", 'N', "use LAUNCH.NODES"},
      {"ntasks-per-node", 0, "use LAUNCH.TASKS_PER_NODE"},
      {"ntasks", 'n', "use LAUNCH.NODES and LAUNCH.TASKS_PER_NODE"},
      {"partition", 'p', "use LAUNCH.PARTITION"},
      {"gpus", 'G', "use LAUNCH.NUM_GPUS"},
      {"constraint", 'C', "use LAUNCH.GPU_TYPE"},
      {"mem", 0, "use LAUNCH.MEM_PER_GPU"},
      {"cpus-per-task", 'c', "use LAUNCH.CPUS_PER_GPU"},
      {"time", 't', "use LAUNCH.TIME_LIMIT"},
      {"comment", 0, "use LAUNCH.COMMENT"},
  };

  /// @brief The option of `own_options` that an EXTRA_ARGS word sets, if any ("--array=1", "-J", "-Jname").
  static const own_option* own_option_of(std::string_view arg) {
    for (auto& o : own_options) {
      if (arg.starts_with("--")) {
        auto name = arg.substr(2, arg.find('=') == std::string_view::npos ? std::string_view::npos : arg.find('=') - 2);
        if (name == o.name) return &o;
      } else if (o.letter != 0 && arg.size() >= 2 && arg[0] == '-' && arg[1] == o.letter) {
        return &o;
      }
    }
    return nullptr;
  }

  slurm_backend(const sweep_config&, options o) : options_(std::move(o)) {}

  void check(const launch_context& ctx) const {
    const auto& l = ctx.config().launch;
    if (l.num_gpus < 0) ctx.fail("LAUNCH.NUM_GPUS", fmt::format("expected 0 or more, got {}", l.num_gpus));
    if (l.cpus_per_gpu < 1) ctx.fail("LAUNCH.CPUS_PER_GPU", fmt::format("expected at least 1, got {}", l.cpus_per_gpu));
    if (l.mem_per_gpu < 0) ctx.fail("LAUNCH.MEM_PER_GPU", fmt::format("expected 0 or more GB, got {}", l.mem_per_gpu));
    if (l.time_limit * 60 <= detail::usr1_lead_seconds) {
      ctx.fail("LAUNCH.TIME_LIMIT",
               fmt::format("{} minutes is too short for SLURM: tasks requeue themselves {} s before their limit; "
                           "expected more than {} minutes", l.time_limit, detail::usr1_lead_seconds,
                           detail::usr1_lead_seconds / 60));
    }
    for (std::size_t i = 0; i < options_.extra_args.size(); ++i) {
      auto& arg = options_.extra_args[i];
      auto key = fmt::format("{}.EXTRA_ARGS[{}]", ctx.section(), i);
      if (!arg.starts_with("-")) {
        ctx.fail(key, fmt::format("'{}' is not an option: expected sbatch options such as --qos=high (an option's "
                                  "value goes with it: --account=my-lab)", arg));
      }
      if (auto* own = own_option_of(arg)) {
        ctx.fail(key, fmt::format("'{}' is an option sweep sets itself (--{}): {}", arg, own->name, own->from));
      }
    }
  }

  /// @brief Submits `jobs` as array(s), after the plan is confirmed (request.yes or request.confirm).
  launch_result launch(const launch_context& ctx, const std::vector<std::int64_t>& jobs) const;

  std::optional<queue_states> queue(const sweep_layout& layout) const { return slurm_queue_states(layout); }

  /// @brief scancel of every array this sweep submitted that SLURM still holds tasks of.
  std::size_t cancel(const sweep_layout& layout) const {
    auto states = slurm_queue_states(layout);
    if (!states || states->empty()) return 0;
    for (auto& a : read_slurm_arrays(layout)) run_capture({"scancel", a.job_id});
    return states->size();
  }

 private:
  options options_;
};

inline launch_result slurm_backend::launch(const launch_context& ctx, const std::vector<std::int64_t>& jobs) const {
  const auto& cfg = ctx.config();
  const auto& req = ctx.request();
  const auto& layout = ctx.layout();
  launch_result result;
  result.waits = false;
  if (jobs.empty()) {
    ctx.print("launch: nothing to submit: every job is done or still queued\n");
    return result;
  }
  auto calls = plan_sbatch(cfg, layout, jobs, req.max_array_size ? *req.max_array_size : slurm_max_array_size(),
                           options_.extra_args);
  std::vector<std::vector<std::string>> commands;
  for (auto& c : calls) commands.push_back(c.argv);
  if (!ctx.confirm_submission(jobs.size(), commands)) {
    result.declined = true;
    return result;
  }

  slurm_files files(layout);
  std::filesystem::create_directories(files.dir);
  detail::install_driver(req, layout, "job.sh",
                         fmt::format("#!/bin/sh\n# Written by `sweep launch`: a SLURM array task of this sweep "
                                     "(see docs/slurm.md).\nexec {} job --sweep-dir {} \"$@\"\n",
                                     shell_quote((layout.bin_dir() / "sweep").string()), shell_quote(layout.dir.string())));

  for (auto& c : calls) {
    auto r = run_capture(c.argv);
    if (r.code != 0) {
      throw error({layout.dir.string(), 0}, "", fmt::format("sbatch failed (exit {}): {}", r.code, r.err + r.out));
    }
    auto id = r.out.substr(0, r.out.find_first_of(";\n"));
    result.submitted.push_back(id);
    append_line(files.jobs_file(), fmt::format("{} {}", id, c.offset));
    ctx.print("launch: submitted array job {} ({} tasks, jobs from {})\n", id, c.tasks.size(), c.offset);
  }
  return result;
}

/// @brief What `sweep job` (the SLURM array task) needs; the values come from bin/job.sh's arguments.
struct slurm_task_options {
  std::filesystem::path sweep_dir;
  std::int64_t offset = 0;
  task_settings job;            // MAX_RETRY, MODE, COMMAND, CONDA_ENV, ON_EVENT, MAX_FAILURES
  std::int64_t nodes = 1;       // LAUNCH.NODES, LAUNCH.TASKS_PER_NODE: srun gets them when more than one task
  std::int64_t tasks_per_node = 1;
  std::string srun = "srun";
  std::string scontrol = "scontrol";
  std::string scancel = "scancel";
  std::FILE* log = stdout;  // the task's sbatch output file
  job_watch watch;          // early stopping (the sweep's early_stop/ policy, read by the driver); none: off
};

namespace detail {

inline std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

/// @brief `scontrol requeue <array job>_<task>`: the task goes back to the queue with the same index.
inline void requeue_task(const slurm_task_options& o, const std::string& task) {
  task_log(o.log, fmt::format("requeuing: {} requeue {}", o.scontrol, task));
  try {
    auto r = run_capture({o.scontrol, "requeue", task});
    if (r.code != 0) task_log(o.log, fmt::format("requeue failed (exit {}): {}", r.code, r.err));
  } catch (const std::exception& e) {
    task_log(o.log, fmt::format("requeue failed: {}", e.what()));
  }
}

/// @brief Fail-fast: the sweep's pending tasks are cancelled (running ones finish).
inline void cancel_pending_tasks(const slurm_task_options& o, const sweep_layout& layout, const launch_events& events,
                                 std::int64_t self) {
  skip_pending_tasks(events, slurm_queue_states(layout), self, o.log);
  std::vector<std::string> argv = {o.scancel, "--state=PENDING"};
  for (auto& a : read_slurm_arrays(layout)) argv.push_back(a.job_id);
  try {
    run_capture(argv);
  } catch (const std::exception& e) {
    task_log(o.log, fmt::format("scancel failed: {}", e.what()));
  }
}

}  // namespace detail

/// @brief Runs one SLURM array task: the job with index offset + SLURM_ARRAY_TASK_ID, through srun, as a child
/// it waits on. USR1 requeues at once; SIGTERM is ignored; a failure is counted in RETRY.txt and requeued while
/// retries < MAX_RETRY. Under fail-fast (LAUNCH.MAX_FAILURES reached) it starts nothing, and the task whose
/// failure reached the limit cancels the sweep's pending tasks. Returns the exit code for the task (0 when
/// requeued, done or refused).
inline int run_slurm_task(const slurm_task_options& o) {
  auto task_id = detail::env_or_empty("SLURM_ARRAY_TASK_ID");
  auto array_id = detail::env_or_empty("SLURM_ARRAY_JOB_ID");
  if (task_id.empty() || array_id.empty()) {
    throw error("`sweep job` runs inside a SLURM array task: SLURM_ARRAY_TASK_ID and SLURM_ARRAY_JOB_ID are not set");
  }
  // Installed first, so a USR1 that arrives while we prepare is not lost.
  signal_pipe signals({SIGUSR1}, {SIGTERM});
  sweep_layout layout(o.sweep_dir);
  auto cfgs = list_job_configs(layout);
  auto index = o.offset + detail::parse_int(task_id, -1);
  if (index < 0 || static_cast<std::size_t>(index) >= cfgs.size()) {
    throw error({layout.cfgs_dir().string(), 0}, "", fmt::format("no job config {} (the sweep has {})", index, cfgs.size()));
  }
  auto task = array_id + "_" + task_id;
  job_folder job(layout, index);
  launch_events events(layout, o.job.on_event, o.job.max_failures);
  detail::task_log(o.log, fmt::format("array task {} runs job {} in {}", task, index, job.dir().string()));
  if (task_refused_by_fail_fast(events, job, o.log)) return 0;
  if (task_refused_as_stopped_early(job, o.log)) return 0;  // a requeue after the decision
  job.prepare();

  nlohmann::json slurm = nlohmann::json::object();
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (kv.rfind("SLURM_", 0) == 0 && eq != std::string_view::npos) slurm[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
  }
  {
    std::ofstream f(job.dir() / slurm_files::job_env_file, std::ios::app);
    f << "SLURM env variables for the job writing to this directory:\n" << slurm.dump(4, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  }

  std::vector<std::string> prefix = {o.srun};
  if (o.nodes * o.tasks_per_node > 1) {
    prefix.push_back(fmt::format("--nodes={}", o.nodes));
    prefix.push_back(fmt::format("--ntasks-per-node={}", o.tasks_per_node));
  }
  auto attempt = run_task_attempt(task_spawn_options(layout, cfgs, index, o.job, prefix), signals, {SIGUSR1}, job, o.log, o.watch);
  if (attempt.signal == SIGUSR1) {
    detail::task_log(o.log, "caught USR1 (time limit near)");
    detail::requeue_task(o, task);
    return 0;  // exit right away: SLURM's SIGTERM/SIGKILL of the requeue follow
  }
  switch (settle_task_attempt(attempt, job, o.job, events, o.log)) {
    case task_next::done: return 0;
    case task_next::retry: detail::requeue_task(o, task); return 0;
    case task_next::failed_fast: detail::cancel_pending_tasks(o, layout, events, index); return 1;
    case task_next::failed: return 1;
  }
  return 1;
}

}  // namespace sweep
// ---- end sweep/launch/slurm.hpp ----

// ---- begin sweep/launch/backends.hpp ----
// The launch backends by name: the built-in ones (local, sge, slurm), added the
// first time the registry is asked for, then the user's, registered with
//   SWEEP_REGISTER(sweep::register_launch_backend<my_backend>);   // at namespace scope
// (the concept is in launch/backend.hpp). Built-ins are added inside the
// accessor, not by a variable of each backend's header: such a variable is
// initialised in every translation unit that includes it, which compiled every
// backend in each of them.



namespace sweep {

/// @brief Every launch backend by name (LAUNCH.BACKEND, `--backend`): local, sge and slurm, then the user's.
inline registry<launch_backend_factory>& launch_backends() {
  static registry<launch_backend_factory> backends("launch backend", "LAUNCH.BACKEND");
  static const bool built_in = [] {
    detail::add_launch_backend<local_backend>(backends);
    detail::add_launch_backend<sge_backend>(backends);
    detail::add_launch_backend<slurm_backend>(backends);
    return true;
  }();
  (void)built_in;
  return backends;
}

/// @brief Registers backend B under B::name; use `SWEEP_REGISTER(sweep::register_launch_backend<B>);`.
template <class B>
void register_launch_backend() {
  detail::add_launch_backend<B>(launch_backends());
}

namespace detail {

/// @brief make_launch_backend without the check of the LAUNCH.<NAME> sections, for loops over every
/// registered backend that have checked them once.
inline std::unique_ptr<any_launch_backend> make_unchecked_launch_backend(const sweep_config& cfg, const std::string& name) {
  auto& factory = launch_backends().get(name, config_checker(cfg).where("LAUNCH.BACKEND"));
  return factory(cfg);
}

}  // namespace detail

/// @brief The backend registered as `name`, made for `cfg` (its LAUNCH.<NAME> keys read); an unknown
/// name, or a LAUNCH.<NAME> section no backend reads, is an error listing the registered ones.
inline std::unique_ptr<any_launch_backend> make_launch_backend(const sweep_config& cfg, const std::string& name) {
  detail::check_component_sections(cfg, cfg.launch.extensions, "LAUNCH", launch_backends());
  return detail::make_unchecked_launch_backend(cfg, name);
}

/// @brief Calls `f(name, backend)` for every registered backend made for `cfg`, the sections checked once.
template <class F>
void for_each_launch_backend(const sweep_config& cfg, F&& f) {
  detail::check_component_sections(cfg, cfg.launch.extensions, "LAUNCH", launch_backends());
  for (auto& name : launch_backends().names()) f(name, *detail::make_unchecked_launch_backend(cfg, name));
}

}  // namespace sweep
// ---- end sweep/launch/backends.hpp ----

// ---- begin sweep/launch/launch.hpp ----
// sweep::launch: the one entry point of the launch stage, for the driver and for
// programs. It does what every backend shares, in this order: check the config
// (the keys every backend uses, then the chosen backend's own), take the launch
// lock, refuse while another backend still holds jobs of the sweep, choose the
// jobs (not done, not queued; only the failed ones on request), copy the code
// the command names, give failed jobs their retries anew; then the backend runs
// or submits the chosen jobs. sweep::cancel stops what any backend holds.


// ---- begin sweep/launch/job_program.hpp ----
// Checks a launch shares before and after its backend runs: the job program
// exists before any job starts, and the first failed job's stderr.log is
// pointed at (with its last lines) when jobs failed.





namespace sweep {

namespace detail {

inline bool is_executable_file(const std::filesystem::path& p) {
  std::error_code ec;
  return std::filesystem::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
}

/// @brief `name` found on PATH as an executable file, as execvp would find it.
inline std::optional<std::filesystem::path> find_on_path(std::string_view name) {
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  for (std::size_t at = 0; at <= dirs.size();) {
    auto end = dirs.find(':', at);
    if (end == std::string_view::npos) end = dirs.size();
    auto dir = dirs.substr(at, end - at);
    auto candidate = std::filesystem::path(dir.empty() ? "." : std::string(dir)) / std::string(name);
    if (is_executable_file(candidate)) return candidate;
    at = end + 1;
  }
  return std::nullopt;
}

}  // namespace detail

/// @brief Refuses a job program that cannot run: LAUNCH.COMMAND's first word must be an executable file
/// (a path, relative to `project_dir`) or a program on PATH. Checked before any job starts, so a typo
/// costs one message instead of every job failing. With LAUNCH.CONDA_ENV the program is found inside
/// that environment, which only `conda run` knows: nothing is checked then.
inline void check_job_program(const sweep_config& cfg, const std::vector<std::string>& words,
                              const std::filesystem::path& project_dir) {
  if (!cfg.launch.conda_env.empty()) return;
  if (words.empty() || words.front().find_first_of("{}") != std::string::npos) return;
  const auto& program = words.front();
  config_checker checker(cfg);
  if (program.find('/') == std::string::npos) {
    if (detail::find_on_path(program)) return;
    if (detail::is_executable_file(project_dir / program)) return;
    checker.fail("LAUNCH.COMMAND",
                 fmt::format("the job program '{}' is not on PATH nor a file in {}: expected an executable file "
                             "(a path such as build/bin/{} relative to the folder sweep runs in) or a program on PATH",
                             program, project_dir.string(), program));
  }
  std::filesystem::path p(program);
  auto full = p.is_absolute() ? p : project_dir / p;
  std::error_code ec;
  if (!std::filesystem::exists(full, ec)) {
    checker.fail("LAUNCH.COMMAND",
                 fmt::format("the job program '{}' does not exist ({}): expected an executable file; build it, or "
                             "fix the path (relative paths are relative to the folder sweep runs in)",
                             program, full.lexically_normal().string()));
  }
  if (!detail::is_executable_file(full)) {
    checker.fail("LAUNCH.COMMAND",
                 fmt::format("the job program '{}' is not an executable file ({}): expected a program with execute "
                             "permission (chmod +x), or name its interpreter first, e.g. `sh {}`",
                             program, full.lexically_normal().string(), program));
  }
}

/// @brief The last `n` non-empty lines of a text file (empty if it cannot be read).
inline std::vector<std::string> last_lines(const std::filesystem::path& file, std::size_t n) {
  std::string text;
  if (!read_file_into(file.string(), text)) return {};
  std::vector<std::string> lines;
  std::size_t end = text.size();
  while (end > 0 && lines.size() < n) {
    auto start = text.rfind('\n', end - 1);
    auto begin = start == std::string::npos ? 0 : start + 1;
    if (end > begin) lines.insert(lines.begin(), text.substr(begin, std::min<std::size_t>(end - begin, 300)));
    if (start == std::string::npos) break;
    end = start;
  }
  return lines;
}

/// @brief A note on the first failed job of `jobs`: its stderr.log and that log's last lines; empty if none failed.
inline std::string failed_job_note(const sweep_layout& layout, const std::vector<std::int64_t>& jobs, std::size_t lines = 5) {
  for (auto i : jobs) {
    job_folder job(layout, i);
    if (!job.failed()) continue;
    auto log = job.file(job_folder::stderr_log);
    auto attempts = job.retries();
    std::string note = fmt::format("launch: job {:06} failed{}; its error log is {}", i,
                                   attempts > 1 ? fmt::format(" {} times (LAUNCH.MAX_RETRY retries)", attempts) : "", log.string());
    auto tail = last_lines(log, lines);
    if (tail.empty()) return note + " (empty)\n";
    note += fmt::format(", ending:\n");
    for (auto& line : tail) note += "    " + line + "\n";
    return note;
  }
  return {};
}

}  // namespace sweep
// ---- end sweep/launch/job_program.hpp ----




namespace sweep {

/// @brief LAUNCH's keys every backend shares that config/check.hpp leaves to the launch stage: NODES,
/// TASKS_PER_NODE, MAX_FAILURES, ON_EVENT (its words and placeholders).
inline void check_launch_shared_options(const sweep_config& cfg) {
  config_checker c(cfg);
  const auto& l = cfg.launch;
  c.require(l.nodes >= 1, "LAUNCH.NODES", fmt::format("expected at least 1, got {}", l.nodes));
  c.require(l.tasks_per_node >= 1, "LAUNCH.TASKS_PER_NODE", fmt::format("expected at least 1, got {}", l.tasks_per_node));
  c.require(l.max_failures >= 0, "LAUNCH.MAX_FAILURES", fmt::format("expected 0 (off) or more, got {}", l.max_failures));
  try {
    split_on_event(l.on_event, cfg.file);
  } catch (const error& e) {
    c.fail("LAUNCH.ON_EVENT", e.message());
  }
}

/// @brief The launch stage's checks of a config: the common keys, LAUNCH's shared keys, the backend's
/// name and every LAUNCH.<NAME> section, then the backend's own check. Returns the backend.
inline std::unique_ptr<any_launch_backend> check_launch(const sweep_config& cfg, const launch_request& request = {}) {
  check_common_options(cfg);
  check_launch_common_options(cfg);
  check_launch_shared_options(cfg);
  auto name = request.backend ? *request.backend : cfg.launch.backend;
  std::unique_ptr<any_launch_backend> backend;
  try {
    backend = make_launch_backend(cfg, name);
  } catch (const error& e) {
    if (!request.backend || e.key_path() != "LAUNCH.BACKEND") throw;
    throw error({"command line", 0}, "--backend", e.message());
  }
  backend->check(launch_context(cfg, request, name));
  return backend;
}

/// @brief Launches the sweep's jobs (setup must have written cfgs/) with the backend named by
/// request.backend or else LAUNCH.BACKEND. Finished jobs are skipped, so launching again resumes.
inline launch_result launch(const sweep_config& cfg, const launch_request& request = {}) {
  auto name = request.backend ? *request.backend : cfg.launch.backend;
  auto backend = check_launch(cfg, request);
  launch_context ctx(cfg, request, name);
  const auto& layout = ctx.layout();
  sweep_lock in_use(layout, sweep_access::shared, "launch");  // no setup replaces cfgs/ under the jobs
  const auto& cfgs = ctx.job_configs();
  expand_command(ctx.command_template(), {"cfg", "out_dir", 0, cfg.launch.mode}, cfg.file);  // bad placeholders fail now
  check_job_program(cfg, ctx.command_template(), ctx.project_dir());                          // a missing program too

  std::filesystem::create_directories(layout.logs_dir());
  file_lock lock(layout.lock_file(), true);
  if (!lock.locked()) {
    throw error({layout.dir.string(), 0}, "", "another `sweep launch` is running this sweep: expected it to end first");
  }

  // A job some engine still holds must not run twice: the chosen backend skips its own queued jobs,
  // and no other backend may hold any.
  std::vector<bool> held(cfgs.size(), false);
  for (auto& other : launch_backends().names()) {  // check_launch has checked every LAUNCH.<NAME>
    auto states = other == name ? backend->queue(layout) : detail::make_unchecked_launch_backend(cfg, other)->queue(layout);
    if (!states) {
      throw error({layout.dir.string(), 0}, "",
                  fmt::format("this sweep was launched with the {} backend before and its queue cannot be read now: "
                              "expected a working queue before launching again", other));
    }
    if (other != name && !states->empty()) {
      throw error({layout.dir.string(), 0}, "",
                  fmt::format("{} job(s) of this sweep are queued or running on the {} backend: expected them to end "
                              "(or `sweep cancel`) before launching with {}", states->size(), other, name));
    }
    for (auto& [index, state] : *states) {
      if (index >= 0 && static_cast<std::size_t>(index) < held.size()) held[static_cast<std::size_t>(index)] = true;
    }
  }

  std::vector<std::int64_t> jobs;
  for (std::size_t i = 0; i < cfgs.size(); ++i) {
    auto job = ctx.job(static_cast<std::int64_t>(i));
    // a job early stopping ended is as finished as a done one: its decision stands (docs/early_stopping.md)
    if (held[i] || job.done() || job.stopped_early() || (request.only_failed && !job.failed())) continue;
    jobs.push_back(static_cast<std::int64_t>(i));
  }
  detail::copy_named_code(ctx.command_template(), ctx.project_dir(), layout.code_dir(), request.out);
  detail::copy_named_code(split_on_event(cfg.launch.on_event), ctx.project_dir(), layout.code_dir(), request.out);
  std::size_t left_running = 0;
  for (auto i : jobs) {
    auto job = ctx.job(i);
    if (job.failed()) job.reset_failed();
    if (job.stop_left_processes(request.kill_grace)) ++left_running;  // never two copies of a job
  }
  if (left_running > 0) {
    ctx.print("launch: stopped what {} job(s) of a launcher that died had left running; they run again\n", left_running);
  }
  // Events count the jobs this launch hands over plus those an engine still runs for an earlier one.
  std::size_t still_held = 0;
  for (std::size_t i = 0; i < cfgs.size(); ++i) {
    auto job = ctx.job(static_cast<std::int64_t>(i));
    still_held += held[i] && !job.done() && !job.stopped_early() ? 1 : 0;
  }
  if (!jobs.empty()) launch_events(layout, cfg.launch).begin(jobs.size() + still_held);

  auto result = backend->launch(ctx, jobs);
  result.backend = name;
  result.jobs = cfgs.size();
  result.selected = jobs.size();
  result.skipped = cfgs.size() - jobs.size();
  if (result.failed > 0) ctx.print("{}", failed_job_note(layout, jobs));  // flushed before any error on stderr
  return result;
}

/// @brief What sweep::cancel stopped, per backend.
struct cancel_result {
  std::vector<std::pair<std::string, std::size_t>> cancelled;  // backend name, jobs stopped or dequeued
  [[nodiscard]] std::size_t total() const {
    std::size_t n = 0;
    for (auto& [name, count] : cancelled) n += count;
    return n;
  }
};

/// @brief Cancels every job of the sweep that a backend runs or holds in its queue (a local launcher is
/// asked to stop; cluster jobs are dequeued). Jobs keep their logs; launching again resumes them.
inline cancel_result cancel(const sweep_config& cfg) {
  check_common_options(cfg);
  sweep_layout layout(sweep_dir(cfg));
  list_job_configs(layout);  // a sweep that was set up
  cancel_result result;
  for_each_launch_backend(cfg, [&](const std::string& name, const any_launch_backend& backend) {
    auto n = backend.cancel(layout);
    if (n > 0) result.cancelled.emplace_back(name, n);
  });
  return result;
}

}  // namespace sweep
// ---- end sweep/launch/launch.hpp ----

// ---- begin sweep/launch/status.hpp ----
// Where each job of a sweep stands, read from the sweep folder (DONE, FAILED,
// RETRY.txt, RUNNING, the launch lock) and from the queue of every registered
// backend (squeue for SLURM, ...), never from a cluster's accounting, which many
// clusters (and ours in CI) do not run.




namespace sweep {

/// @brief A job's state: new (never started), queued, running (also when a launcher that died left its
/// processes running), done, failed (out of retries), stopped (started, not finished, and nothing is
/// running or queueing it now: launch again to resume), stopped early (early stopping ended it at a rung:
/// never run again; docs/early_stopping.md).
enum class job_state { new_job, queued, running, done, failed, stopped, stopped_early };

/// @brief The word `sweep status` prints for a state.
inline std::string_view to_string(job_state s) {
  constexpr std::array<std::string_view, 7> names = {"new", "queued", "running", "done", "failed", "stopped", "stopped-early"};
  return names[static_cast<std::size_t>(s)];
}

/// @brief One job's line of `sweep status`.
struct launch_job_status {
  std::int64_t index = 0;
  std::filesystem::path cfg;
  job_state state = job_state::new_job;
  std::size_t retries = 0;    // lines of RETRY.txt
  std::string queue_state;    // the engine's word for it (squeue's PENDING, ...), while a backend holds it
  std::string backend;        // which backend holds it
  bool orphaned = false;      // running, but left by a launcher that died (nothing supervises it)
  std::string stopped_early;  // stopped early: where and why ("rung R epoch E: ...")
};

/// @brief The whole sweep's status.
struct launch_status {
  std::vector<launch_job_status> jobs;
  std::array<std::size_t, 7> counts{};  // by job_state
  bool launcher_active = false;         // a launch holds the lock
  std::size_t orphaned = 0;             // running jobs a launcher that died left behind
  std::vector<std::string> unreadable;  // backends whose queue could not be read (their jobs show as stopped)

  [[nodiscard]] std::size_t count(job_state s) const { return counts[static_cast<std::size_t>(s)]; }

  /// @brief "12 jobs: 5 done, 2 running, 1 failed, 4 queued, 0 stopped, 0 new (3 retries)".
  [[nodiscard]] std::string summary() const {
    std::size_t retries = 0;
    for (auto& j : jobs) retries += j.retries;
    return fmt::format("{} jobs: {} done, {} running, {} failed, {} queued, {} stopped, {} new ({} retries)", jobs.size(),
                       count(job_state::done), count(job_state::running), count(job_state::failed),
                       count(job_state::queued), count(job_state::stopped), count(job_state::new_job), retries) +
           (count(job_state::stopped_early) == 0 ? std::string()
                                                 : fmt::format("; {} stopped early", count(job_state::stopped_early))) +
           (orphaned == 0 ? std::string()
                          : fmt::format("; {} of the running jobs were left by a launcher that died: `sweep launch` "
                                        "or `sweep cancel` stops them",
                                        orphaned));
  }
};

/// @brief Reads the status of every job of the sweep of `cfg` (which must have been set up), asking
/// every registered backend which jobs it still holds.
inline launch_status read_launch_status(const sweep_config& cfg) {
  check_common_options(cfg);
  sweep_layout layout(sweep_dir(cfg));
  auto cfgs = list_job_configs(layout);
  launch_status st;
  st.launcher_active = launcher_active(layout.lock_file());
  std::map<std::int64_t, std::pair<std::string, queued_job>> queue;  // job -> (backend, state)
  for_each_launch_backend(cfg, [&](const std::string& name, const any_launch_backend& backend) {
    auto states = backend.queue(layout);
    if (!states) {
      st.unreadable.push_back(name);
      return;
    }
    for (auto& [index, state] : *states) queue.emplace(index, std::pair{name, state});
  });
  for (std::size_t k = 0; k < cfgs.size(); ++k) {
    launch_job_status j;
    j.index = static_cast<std::int64_t>(k);
    j.cfg = cfgs[k];
    job_folder job(layout, j.index);
    j.retries = job.retries();
    auto q = queue.find(j.index);
    if (q != queue.end()) {
      j.backend = q->second.first;
      j.queue_state = q->second.second.state;
    }
    if (job.done()) {
      j.state = job_state::done;
    } else if (job.stopped_early()) {
      j.state = job_state::stopped_early;
      j.stopped_early = job.stopped_early_reason();
    } else if (job.failed()) {
      j.state = job_state::failed;
    } else if (q != queue.end()) {
      j.state = q->second.second.pending ? job_state::queued : job_state::running;
    } else if (st.launcher_active) {
      j.state = job.running() ? job_state::running : job_state::queued;
    } else if (job.left_running()) {
      j.state = job_state::running;
      j.orphaned = true;
      ++st.orphaned;
    } else {
      j.state = job.started() ? job_state::stopped : job_state::new_job;
    }
    ++st.counts[static_cast<std::size_t>(j.state)];
    st.jobs.push_back(std::move(j));
  }
  return st;
}

}  // namespace sweep
// ---- end sweep/launch/status.hpp ----
// ---- end sweep/launch.hpp ----

// ---- begin sweep/collect.hpp ----
// Umbrella header of the collect stage: includes every public header of include/sweep/collect/.


// ---- begin sweep/collect/collect.hpp ----
// Collecting a sweep (pycls's tools/sweep_collect.py): parse every job's log
// in parallel, write sweep.json atomically, delete old checkpoints. Re-collecting
// reparses only the logs that changed: a cache next to sweep.json keeps each
// job's file stamps, status and the byte range of its entry in sweep.json.
// What a config names in a job's folder (its log files, COLLECT.ERR_FILE,
// COLLECT.CHECKPOINT_DIR) is read or deleted only when, symlinks resolved, it
// is inside that folder, checked as it is opened (open_inside, base/paths.hpp).


// ---- begin sweep/collect/detail/files.hpp ----
// File stamps for collect: one stat per file (size + mtime), relative to an open
// folder, so re-collecting can tell which logs changed.





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
// ---- end sweep/collect/detail/files.hpp ----

// ---- begin sweep/collect/log_format.hpp ----
// Log formats: what turns a job's log files into its entry of sweep.json. A
// format is a type that satisfies sweep::log_format, registered by name
// (collect/log_formats.hpp); COLLECT.FORMAT picks one, and COLLECT.<NAME> holds
// its own keys. collect does what every format shares (finding the started
// jobs, file stamps for the incremental cache, reading the files, stderr, the
// status, writing sweep.json); a format names its files and reads them.
//
//   struct my_format {
//     static constexpr std::string_view name = "my_csv";                 // COLLECT.FORMAT: my_csv
//     struct options { BOOST_HANA_DEFINE_STRUCT(options, (std::string, file)); options() : file("log.csv") {} };
//                                                     // COLLECT.MY_CSV.FILE; or sweep::no_options
//     std::vector<std::string> log_files(const options& o, const sweep::collect_options&) const { return {o.file}; }
//     void read(const options&, const sweep::job_files& job, sweep::job_record& out) const;  // out.add_epoch(...)
//   };
//   SWEEP_REGISTER(sweep::register_log_format<my_format>);


// ---- begin sweep/collect/log_parser.hpp ----
// Parsing one job's log (pycls's logging.load_log_data + sort_log_data): the
// `json_stats: {...}` records of each type, read with simdjson (nlohmann for the
// records it refuses: NaN, Infinity, bad JSON) into a SAX handler and
// grouped into columns sorted by epoch. Every bad record is reported with its
// file and line and skipped.


// ---- begin sweep/collect/detail/record_reader.hpp ----
// Reading one json_stats record: the record's top-level fields come out as
// JSON text ready to be copied into sweep.json, so no DOM is built for the
// records that make up a log. A flat record (an epoch record) is read from
// simdjson's tokens, its values left where they lie in the line; any other
// goes to a SAX handler fed by simdjson (or by nlohmann for what simdjson
// refuses), which writes each value's text. Nested values (a cfg
// section) are written as they are read too; only one whose keys are not in
// order (pycls writes them sorted) goes through a DOM to sort them. A record
// nested deeper than its job's entry in sweep.json may be (max_json_depth) is
// refused as it is read, like any corrupt record.


// ---- begin sweep/base/simdjson_sax.hpp ----
// JSON text read by simdjson's On-Demand API and handed, value by value, to an
// nlohmann SAX handler: the readers of job logs (collect) and sweep.json
// (analyze) keep one handler each, and simdjson does the lexing several times
// faster than nlohmann's lexer. Whatever simdjson refuses (NaN, an integer
// beyond 64 bits, bad syntax, too deep) the caller gives to nlohmann, whose
// answer and error messages stay the reference.

#include <simdjson.h>


namespace sweep::detail {

/// @brief simdjson reads up to SIMDJSON_PADDING bytes past what it parses, and the byte just after
/// must not continue the JSON: reading a document with unclosed brackets, On-Demand runs on into a
/// `]`, `}` or `,` there (simdjson issue #1834). So a slice of a larger text (a log line) is read
/// where it lies when whitespace and enough text follow it, else from a copy in `scratch` followed
/// by spaces (one element of sweep.json, which a `,` or `]` follows).
inline simdjson::padded_string_view padded_slice(std::string_view slice, const char* text_end, std::string& scratch) {
  const char* end = slice.data() + slice.size();
  if (static_cast<std::size_t>(text_end - end) >= simdjson::SIMDJSON_PADDING && (*end == '\n' || *end == ' ')) {
    return simdjson::padded_string_view(slice.data(), slice.size(), slice.size() + simdjson::SIMDJSON_PADDING);
  }
  scratch.assign(slice);
  scratch.append(simdjson::SIMDJSON_PADDING, ' ');
  return simdjson::padded_string_view(scratch.data(), slice.size(), scratch.size());
}

/// @brief A SAX handler that leaves some values out (job_tree_builder drops the epoch columns an
/// analysis never reads): while `skips_value()`, its scalars are only checked, not handed over (no
/// copy of their text, no number typed for it), and each is acknowledged by `skipped_scalar()`.
/// Lists and maps still open and close in the handler, which counts their depth.
template <class Sax>
concept skipping_sax = requires(Sax& sax) {
  { sax.skips_value() } -> std::same_as<bool>;
  { sax.skipped_scalar() } -> std::same_as<bool>;
};

/// @brief Reads a JSON object or list with simdjson and sends nlohmann's SAX events for it
/// (start_object, key, number_float with its lexeme, ...), the numbers typed as nlohmann types them.
/// Each thread keeps its own: the parser's buffers are reused from text to text.
class simdjson_sax_reader {
 public:
  /// @brief True when simdjson read `text` as one object or list and `sax` took every event; false
  /// otherwise (a scalar, what simdjson refuses, or the handler stopped), and `sax` saw only a prefix.
  template <class Sax>
  bool parse(simdjson::padded_string_view text, Sax& sax) {
    simdjson::ondemand::document doc;
    simdjson::ondemand::json_type type{};
    if (parser_.iterate(text).get(doc) || doc.type().get(type)) return false;
    if (type != simdjson::ondemand::json_type::object && type != simdjson::ondemand::json_type::array) return false;
    simdjson::ondemand::value root;
    if (doc.get_value().get(root) || !walk(root, sax)) return false;
    return doc.current_location().error() == simdjson::OUT_OF_BOUNDS;  // nothing after the value but whitespace
  }

 private:
  template <class Sax>
  bool walk(simdjson::ondemand::value v, Sax& sax) {
    using simdjson::ondemand::json_type;
    json_type type{};
    if (v.type().get(type)) return false;
    if constexpr (skipping_sax<Sax>) {
      if (type != json_type::object && type != json_type::array && sax.skips_value()) return checked(v, type) && sax.skipped_scalar();
    }
    switch (type) {
      case json_type::object: {
        simdjson::ondemand::object object;
        if (v.get_object().get(object) || !sax.start_object(static_cast<std::size_t>(-1))) return false;
        for (auto member : object) {
          simdjson::ondemand::field field;
          std::string_view key;
          if (std::move(member).get(field) || field.unescaped_key().get(key)) return false;
          if (!skips(sax)) {
            key_.assign(key);
            if (!sax.key(key_)) return false;
          }
          if (!walk(field.value(), sax)) return false;
        }
        return sax.end_object();
      }
      case json_type::array: {
        simdjson::ondemand::array array;
        if (v.get_array().get(array) || !sax.start_array(static_cast<std::size_t>(-1))) return false;
        for (auto element : array) {
          simdjson::ondemand::value child;
          if (std::move(element).get(child) || !walk(child, sax)) return false;
        }
        return sax.end_array();
      }
      case json_type::number: return number(v, sax);
      case json_type::string: {
        std::string_view s;
        if (v.get_string().get(s)) return false;
        string_.assign(s);
        return sax.string(string_);
      }
      case json_type::boolean: {
        bool b = false;
        return !v.get_bool().get(b) && sax.boolean(b);
      }
      case json_type::null: {
        bool null = false;
        return !v.is_null().get(null) && null && sax.null();
      }
    }
    return false;
  }

  template <class Sax>
  static bool skips(Sax& sax) {
    if constexpr (skipping_sax<Sax>) return sax.skips_value();
    return false;
  }

  /// @brief Whether a scalar left out reads as valid JSON, as it would if handed over: the same
  /// getters, so simdjson refuses (and nlohmann reads again) exactly what it refuses then.
  static bool checked(simdjson::ondemand::value v, simdjson::ondemand::json_type type) {
    using simdjson::ondemand::json_type;
    using simdjson::ondemand::number_type;
    switch (type) {
      case json_type::number: {
        number_type kind{};
        if (v.get_number_type().get(kind)) return false;
        if (kind == number_type::floating_point_number) return !v.get_double().error();
        if (kind == number_type::signed_integer) return !v.get_int64().error();
        return !v.get_uint64().error();
      }
      case json_type::string: return !v.get_string().error();
      case json_type::boolean: return !v.get_bool().error();
      case json_type::null: {
        bool null = false;
        return !v.is_null().get(null) && null;
      }
      default: return false;
    }
  }

  template <class Sax>
  bool number(simdjson::ondemand::value v, Sax& sax) {
    std::string_view token = v.raw_json_token();
    simdjson::ondemand::number_type type{};
    if (v.get_number_type().get(type)) return false;
    // Typed getters, not get_number(), and no float of more than 19 significant digits (simdjson's
    // slow path): simdjson 3.0.1 reads such a float as 0 (get_number) or a wrong double
    // (get_double); nlohmann reads it instead. Both found by the fuzzers.
    switch (type) {
      case simdjson::ondemand::number_type::floating_point_number: {
        auto it = std::find_if(token.begin(), token.end(), [](char c) { return c >= '1' && c <= '9'; });  // leading zeros do not count
        int digits = 0;
        for (; it != token.end() && *it != 'e' && *it != 'E'; ++it) digits += *it >= '0' && *it <= '9';
        if (digits > 19) return false;
        double d = 0;
        if (v.get_double().get(d)) return false;
        lexeme_.assign(token.substr(0, token.find_last_not_of(" \t\r\n") + 1));
        return sax.number_float(d, lexeme_);
      }
      case simdjson::ondemand::number_type::signed_integer: {
        std::int64_t i = 0;
        if (v.get_int64().get(i)) return false;
        // nlohmann types an integer by its sign ("-0" too), not by its value.
        return token.front() == '-' ? sax.number_integer(i) : sax.number_unsigned(static_cast<std::uint64_t>(i));
      }
      case simdjson::ondemand::number_type::unsigned_integer: {
        std::uint64_t u = 0;
        return !v.get_uint64().get(u) && sax.number_unsigned(u);
      }
    }
    return false;
  }

  simdjson::ondemand::parser parser_;
  std::string key_, string_, lexeme_;  // nlohmann's handlers take (and may swap out) a std::string
};

}  // namespace sweep::detail
// ---- end sweep/base/simdjson_sax.hpp ----



namespace sweep::detail {

/// @brief Whether `s` is printable ASCII without '"' or '\\': the same text inside JSON's quotes.
inline bool plain_json_string(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x80 && c != '"' && c != '\\';
  });
}

/// @brief JSON's whitespace.
constexpr bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/// @brief Appends `s` as nlohmann's dump(ensure_ascii=false, replace) writes a string.
inline void append_json_string(std::string& out, std::string_view s) {
  // Printable ASCII needs no escaping (the common case: keys, "i/max"); anything else is nlohmann's.
  if (plain_json_string(s)) {
    out += '"';
    out += s;
    out += '"';
  } else {
    out += nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
}

/// @brief Appends an integer as JSON text.
template <class Int>
void append_json_integer(std::string& out, Int v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

/// @brief One top-level field of a record: its key and its value as JSON text.
struct record_field {
  std::string key;
  std::string text;        // the value as sweep.json holds it (floats as Python's repr, like pycls)
  std::string str;         // a string value itself (to read "i/max" fields)
  bool is_string = false;
  bool unsorted = false;   // a nested object's keys were out of order or repeated
};

/// @brief A field as the reader hands it out: views into the reader (or the record's text), valid
/// until its next read.
struct field_view {
  std::string_view key;
  std::string_view text;  // the value as sweep.json holds it
  std::string_view str;   // a string value itself
  bool is_string = false;
};

/// @brief The SAX handler (see nlohmann::json::sax_parse) that reads a record into fields, and the
/// reader of flat records (the common json_stats line) straight from simdjson's tokens.
class record_reader {
 public:
  using json = nlohmann::json;

  /// @brief Parses `text`, one JSON value, with nlohmann; false (see error()) when it is not valid JSON.
  bool read(std::string_view text) {
    reset();
    if (!json::sax_parse(text.data(), text.data() + text.size(), this)) return false;
    normalize();
    return true;
  }

  /// @brief Parses an object or list with simdjson (several times faster); false, with no error(),
  /// for whatever simdjson does not read (a scalar, NaN, bad JSON...): read(text) then has the last word.
  bool read_fast(simdjson::padded_string_view text) {
    reset();
    if (!fast_.parse(text, *this)) return false;
    normalize();
    return true;
  }

  /// @brief Reads a flat object (no list or map in it: an epoch record) from simdjson's tokens, the
  /// text of most values taken as it lies in `text` (no SAX events, no typed numbers, no copies); false,
  /// with no error(), for anything else or anything unusual (a nested value, an exponent, "-0", an
  /// escape...): read_fast and read then have the last word, and give the same fields when both read it.
  bool read_flat(simdjson::padded_string_view text) {
    reset();
    simdjson::ondemand::document doc;
    simdjson::ondemand::object object;
    if (flat_parser_.iterate(text).get(doc) || doc.get_object().get(object)) return false;
    for (auto member : object) {
      simdjson::ondemand::field field;
      auto& f = views_.emplace_back();  // filled where it lies: a copy from the stack stalls on store forwarding
      if (std::move(member).get(field) || field.unescaped_key().get(f.key) || !flat_value(field.value(), f)) {
        return false;
      }
    }
    if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) return false;  // text after the object
    top_ = json::value_t::object;
    normalize_views();
    return true;
  }

  /// @brief The kind of the value read (an object for a record).
  [[nodiscard]] json::value_t top() const noexcept { return top_; }
  /// @brief The object's fields, sorted by key, duplicates resolved as nlohmann's DOM does (last wins).
  [[nodiscard]] std::span<const field_view> fields() const noexcept { return views_; }
  /// @brief nlohmann's parse error for the last failed read, without its "[json.exception...] " prefix.
  [[nodiscard]] const std::string& error() const noexcept { return error_; }

  // nlohmann's SAX interface.
  bool null() {
    return value(json::value_t::null, [](std::string& t) { t += "null"; });
  }
  bool boolean(bool b) {
    return value(json::value_t::boolean, [b](std::string& t) { t += b ? "true" : "false"; });
  }
  bool number_integer(json::number_integer_t v) {
    return value(json::value_t::number_integer, [v](std::string& t) { append_json_integer(t, v); });
  }
  bool number_unsigned(json::number_unsigned_t v) {
    return value(json::value_t::number_unsigned, [v](std::string& t) { append_json_integer(t, v); });
  }
  bool number_float(json::number_float_t v, const json::string_t& lexeme) {
    // pycls's sweep.json holds Python's repr of each float (0.9540 in the log becomes 0.954).
    return value(json::value_t::number_float, [&](std::string& t) {
      if (!append_decimal_as_python_repr(t, lexeme)) append_python_float_repr(t, v);
    });
  }
  bool string(json::string_t& s) {
    return value(json::value_t::string, [&](std::string& t) {
      append_json_string(t, s);
      if (depth_ > 1) return;
      auto& f = fields_[count_ - 1];
      f.is_string = true;
      f.str.swap(s);  // nlohmann hands its token buffer over (it clears it before the next token)
    });
  }
  bool binary(json::binary_t& /*unused*/) { return true; }  // not produced by the JSON format
  bool start_object(std::size_t /*unknown*/) { return open(json::value_t::object); }
  bool end_object() { return close(); }
  bool start_array(std::size_t /*unknown*/) { return open(json::value_t::array); }
  bool end_array() { return close(); }
  bool key(json::string_t& k) {
    if (skip_) return true;
    if (depth_ == 1) {
      if (count_ == fields_.size()) fields_.emplace_back();
      auto& f = fields_[count_++];
      f.key.swap(k);  // nlohmann clears its token buffer before the next token
      f.text.clear();
      f.is_string = false;
      f.unsorted = false;
    } else {
      auto& c = open_.back();
      auto& f = fields_[count_ - 1];
      if (c.count++ > 0) {
        if (!(c.last_key < k)) f.unsorted = true;
        f.text += ',';
      }
      c.last_key.swap(k);
      append_json_string(f.text, c.last_key);
      f.text += ':';
    }
    return true;
  }
  bool parse_error(std::size_t /*position*/, const std::string& /*last_token*/, const json::exception& e) {
    error_ = e.what();
    // nlohmann's text starts "[json.exception.parse_error.101] parse error at ..."
    if (auto pos = error_.find("] "); pos != std::string::npos) error_.erase(0, pos + 2);
    return false;
  }

 private:
  void reset() {
    views_.clear();
    count_ = 0;
    depth_ = 0;
    open_.clear();
    skip_ = false;
    top_ = json::value_t::discarded;
    error_.clear();
  }

  /// @brief A scalar: a field's value or part of one (written as text), or the whole document.
  template <class Write>
  bool value(json::value_t kind, Write write) {
    if (depth_ == 0) {
      top_ = kind;
      skip_ = true;
    } else if (!skip_) {
      if (depth_ > 1) separate_element();
      write(fields_[count_ - 1].text);
    }
    return true;
  }

  bool open(json::value_t kind) {
    // nlohmann's parser is iterative, but the DOM that sorts a nested value's keys (and every reader
    // of sweep.json) recurses once per level: its entry wraps the record in one more level.
    if (depth_ >= max_record_depth) {
      error_ = fmt::format("nested more than {} levels deep: expected a record its sweep.json entry can hold "
                           "(at most {} levels)", max_record_depth, max_json_depth);
      return false;  // nlohmann's sax_parse stops here and returns false
    }
    if (depth_ == 0) {
      top_ = kind;
      skip_ = kind != json::value_t::object;  // an array is read to its end only to tell it from bad JSON
    } else if (!skip_) {
      if (depth_ > 1) separate_element();
      bool object = kind == json::value_t::object;
      fields_[count_ - 1].text += object ? '{' : '[';
      open_.push_back({object, 0, {}});
    }
    ++depth_;
    return true;
  }

  bool close() {
    --depth_;
    if (!skip_ && depth_ >= 1) {
      auto& f = fields_[count_ - 1];
      f.text += open_.back().object ? '}' : ']';
      open_.pop_back();
      if (depth_ == 1 && f.unsorted) {
        // Keys out of order or repeated: nlohmann's DOM sorts them (the last of a repeated key wins).
        f.text = json::parse(f.text).dump(-1, ' ', false, json::error_handler_t::replace);
      }
    }
    return true;
  }

  /// @brief Before an element of a nested array (or a key of a nested object): the ',' after the previous one.
  void separate_element() {
    auto& c = open_.back();
    if (c.object) return;  // a value in an object follows its key
    if (c.count++ > 0) fields_[count_ - 1].text += ',';
  }

  /// @brief The SAX route's fields as views, sorted (see normalize_views).
  void normalize() {
    for (std::size_t i = 0; i < count_; ++i) {
      auto& f = fields_[i];
      views_.push_back({f.key, f.text, f.str, f.is_string});
    }
    normalize_views();
  }

  /// @brief Sorts the fields by key and drops all but the last of a repeated key (pycls writes them sorted).
  void normalize_views() {
    auto by_key = [](const field_view& a, const field_view& b) { return a.key < b.key; };
    // Most neighbours differ in their first byte: compared there without a call to memcmp.
    auto not_before = [](const field_view& a, const field_view& b) {
      if (!a.key.empty() && !b.key.empty() && a.key.front() != b.key.front()) {
        return static_cast<unsigned char>(a.key.front()) > static_cast<unsigned char>(b.key.front());
      }
      return !(a.key < b.key);
    };
    if (std::adjacent_find(views_.begin(), views_.end(), not_before) == views_.end()) return;  // sorted, no repeat
    std::stable_sort(views_.begin(), views_.end(), by_key);
    std::size_t kept = 0;
    for (std::size_t i = 0; i < views_.size(); ++i) {
      if (i + 1 < views_.size() && views_[i].key == views_[i + 1].key) continue;
      views_[kept++] = views_[i];
    }
    views_.resize(kept);
  }

  /// @brief One value of a flat record into `f`, when sweep.json writes it as it lies in the record
  /// (text and string are views of it); false for anything else, which read_fast then reads.
  static bool flat_value(simdjson::ondemand::value v, field_view& f) {
    using simdjson::ondemand::json_type;
    json_type type{};
    if (v.type().get(type)) return false;
    std::string_view token = v.raw_json_token();  // up to the next ',' or '}', so with any spaces before it
    // The object must go on (',') or end ('}') right after the value: On-Demand skips a value it was
    // not asked to read by counting brackets, and would walk on past a ':' there (`"a": "b": 1`).
    char next = token.data()[token.size()];  // within the padding at worst
    if (next != ',' && next != '}') return false;
    while (!token.empty() && is_json_space(token.back())) token.remove_suffix(1);
    switch (type) {
      case json_type::number: {
        // A decimal that reads as Python's repr is a prefix of its text (and so a JSON number).
        if (std::size_t n = decimal_repr_length(token); n > 0) {
          f.text = token.substr(0, n);
          return true;
        }
        // An integer as JSON writes it (no leading zero, not "-0") that fits 64 bits reads as it is.
        std::int64_t i = 0;
        auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), i);
        std::string_view digits = token.substr(token.front() == '-' ? 1 : 0);
        if (ec != std::errc{} || end != token.data() + token.size() || digits.empty() ||
            (digits.front() == '0' && token.size() > 1)) {
          return false;
        }
        f.text = token;
        return true;
      }
      case json_type::string: {
        // Printable ASCII with no escape: the text between the quotes is the string.
        f.is_string = true;
        f.text = token;
        f.str = token.size() >= 2 ? token.substr(1, token.size() - 2) : "";
        return token.size() >= 2 && token.back() == '"' && plain_json_string(f.str);
      }
      case json_type::boolean:
      case json_type::null:
        f.text = token;
        return token == "true" || token == "false" || token == "null";
      default: return false;  // a list or map: the SAX route writes it
    }
  }

  static constexpr int max_record_depth = max_json_depth - 1;  // the job's entry adds a level

  std::vector<record_field> fields_;  // reused from record to record: no allocation once warm
  std::size_t count_ = 0;
  int depth_ = 0;
  bool skip_ = false;  // the document is not an object: nothing to keep
  json::value_t top_ = json::value_t::discarded;
  std::string error_;
  // The open containers of the nested value being read.
  struct container {
    bool object;
    std::size_t count;     // elements (keys of an object) so far
    std::string last_key;  // of an object: to check its keys come in order
  };
  std::vector<container> open_;
  simdjson_sax_reader fast_;
  std::vector<field_view> views_;  // what fields() hands out
  simdjson::ondemand::parser flat_parser_;  // read_flat's (read_fast's is inside fast_)
};

}  // namespace sweep::detail
// ---- end sweep/collect/detail/record_reader.hpp ----



namespace sweep {

/// @brief A problem found in a job's files: where (file, line; 0 when it is about the whole file) and what.
struct log_issue {
  source_location where;
  std::string message;

  /// @brief `file:line: message`, like sweep::error.
  [[nodiscard]] std::string to_string() const {
    return where.line > 0 ? fmt::format("{}:{}: {}", where.file, where.line, message)
                          : fmt::format("{}: {}", where.file, message);
  }
  friend bool operator==(const log_issue& a, const log_issue& b) {
    return a.where.file == b.where.file && a.where.line == b.where.line && a.message == b.message;
  }
};

/// @brief One job's parsed log: its records by type, and the records that were skipped and why.
struct parsed_log {
  /// @brief type -> {metric: [values by epoch]} for epoch types, type -> first record otherwise.
  nlohmann::json data = nlohmann::json::object();
  std::vector<log_issue> issues;
  /// @brief Tagged lines seen (including skipped types and bad records), to check nothing was lost.
  std::size_t records_seen = 0;
};

/// @brief A member collect writes next to a job's record types in its sweep.json entry
/// (log_file, err_file, err): its key and its value as JSON text.
struct json_member {
  std::string_view key;
  std::string_view text;
};

namespace detail {

/// @brief "i/max" -> (i, max), or false.
inline bool parse_fraction(std::string_view s, std::int64_t& num, std::int64_t& den) {
  auto slash = s.find('/');
  if (slash == std::string_view::npos) return false;
  const char* begin = s.data();
  const char* end = begin + s.size();
  auto a = std::from_chars(begin, begin + slash, num);
  auto b = std::from_chars(begin + slash + 1, end, den);
  return a.ec == std::errc{} && a.ptr == begin + slash && b.ec == std::errc{} && b.ptr == end && den > 0;
}

/// @brief The text with Python's NaN/Infinity/-Infinity tokens (outside strings) made null, which
/// standard JSON (and nlohmann) cannot read but pycls's simplejson writes for diverged runs.
inline std::string python_nonfinite_to_null(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size()) {
        out += text[++i];
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') in_string = true;
    std::string_view rest = text.substr(i);
    if (rest.starts_with("NaN")) {
      out += "null";
      i += 2;
    } else if (rest.starts_with("-Infinity")) {
      out += "null";
      i += 8;
    } else if (rest.starts_with("Infinity")) {
      out += "null";
      i += 7;
    } else {
      out += c;
    }
  }
  return out;
}

/// @brief a == b, inline: collect compares every record's keys, a few bytes each, where a call
/// out to compare and memcmp (which std::string_view's == makes) costs more than the bytes.
inline bool same_text(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

inline std::string join_keys(std::span<const std::string> keys) {
  return fmt::format("[{}]", fmt::join(keys, ", "));
}

using sweep::json_member;

/// @brief One job's log read into columns of JSON text, one per metric of each epoch type, and
/// written straight into the job's sweep.json entry: no DOM is built or freed for the records.
class job_log {
 public:
  /// @brief Reads a log (see parse_job_log), replacing what was read before.
  void read(std::string_view text, const collect_options& opts, const std::string& file_name) {
    for (auto& [type, g] : types_) g.reset();  // kept, with their buffers, for the next job's same types
    issues_.clear();
    records_seen_ = 0;
    auto report = [&](int line, std::string message) { issues_.push_back({{file_name, line}, std::move(message)}); };
    // Skipped types are recognised on the raw text so their (many) records are never parsed.
    std::string type_pattern = nlohmann::json(opts.type_key).dump() + ": \"";
    auto skipped_on_sight = [&](std::string_view payload) {
      auto at = payload.find(type_pattern);
      if (at == std::string_view::npos) return false;
      auto name = payload.substr(at + type_pattern.size());
      for (auto& t : opts.skip_types) {
        if (name.size() > t.size() && name.starts_with(t) && name[t.size()] == '"') return true;
      }
      return false;
    };
    int line_no = 1;  // of text[pos]
    std::size_t pos = 0;
    while (!opts.tag.empty() && pos < text.size()) {
      // Jump from tag to tag; lines without one are only counted.
      auto at = text.find(opts.tag, pos);
      if (at == std::string_view::npos) break;
      line_no += static_cast<int>(std::count(text.data() + pos, text.data() + at, '\n'));
      auto eol = text.find('\n', at);
      bool terminated = eol != std::string_view::npos;
      std::string_view payload =
          text.substr(at + opts.tag.size(), terminated ? eol - at - opts.tag.size() : std::string_view::npos);
      pos = terminated ? eol + 1 : text.size();
      int this_line = line_no;
      if (terminated) ++line_no;
      ++records_seen_;
      if (skipped_on_sight(payload)) continue;
      if (!read_record(payload, text.data() + text.size())) {
        report(this_line, terminated ? fmt::format("corrupt record skipped: {}", reader_.error())
                                     : fmt::format("truncated last line skipped (job still writing?): {}",
                                                   reader_.error()));
        continue;
      }
      if (reader_.top() != nlohmann::json::value_t::object) {
        report(this_line, fmt::format("record skipped: expected a JSON object after '{}', got {}", opts.tag,
                                      nlohmann::json(reader_.top()).type_name()));
        continue;
      }
      add_record(reader_.fields(), opts, this_line, report);
    }
    for (auto& [type, g] : types_) g.sort();
  }

  /// @brief Problems found, in log order, naming the file and line.
  [[nodiscard]] std::vector<log_issue>& issues() noexcept { return issues_; }
  /// @brief Tagged lines seen (including skipped types and bad records).
  [[nodiscard]] std::size_t records_seen() const noexcept { return records_seen_; }

  /// @brief The last epoch (after sorting) of the epoch type `type`: false if it has none.
  bool last_epoch(std::string_view type, std::int64_t& ind, std::int64_t& max) const {
    auto it = types_.find(type);
    if (it == types_.end() || !it->second.active || it->second.rejected || it->second.orders.empty()) return false;
    auto& g = it->second;
    auto& last = g.orders[g.perm.empty() ? g.orders.size() - 1 : g.perm.back()];
    ind = last.epoch_ind;
    max = last.epoch_max;
    return true;
  }

  /// @brief Appends the job's object: each type's columns (epoch types) or first record, and
  /// `extra` members (which win over a type of the same name), keys sorted as nlohmann sorts them.
  void write(std::string& out, std::span<const json_member> extra) const {
    struct member {
      std::string_view key;
      const type_records* type;
      std::string_view text;
    };
    std::vector<member> members;
    members.reserve(types_.size() + extra.size());
    for (auto& [type, g] : types_) {
      std::string_view key = type;  // (clang 14 cannot capture a structured binding)
      bool shadowed = std::any_of(extra.begin(), extra.end(), [&](auto& e) { return e.key == key; });
      if (g.active && !g.rejected && !shadowed) members.push_back({key, &g, {}});
    }
    for (auto& e : extra) members.push_back({e.key, nullptr, e.text});
    std::sort(members.begin(), members.end(), [](auto& a, auto& b) { return a.key < b.key; });
    out += '{';
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (i > 0) out += ',';
      append_json_string(out, members[i].key);
      out += ':';
      if (members[i].type != nullptr) {
        members[i].type->write(out);
      } else {
        out += members[i].text;
      }
    }
    out += '}';
  }

 private:
  // Where an epoch record goes when the columns are sorted by epoch.
  struct order {
    double key;
    std::int64_t epoch_ind, epoch_max, iter_ind, iter_max;
  };

  // A type's records: the first record's text (non-epoch types) or one column per metric.
  struct type_records {
    bool active = false;  // seen in the current log
    int first_line = 0;
    std::vector<std::string> metrics;  // the first record's fields, sorted, without the type
    std::string first;                 // non-epoch types: the first record as JSON text
    std::size_t epoch_at = std::string::npos, iter_at = std::string::npos;
    bool rejected = false;  // already has epoch_ind/epoch_max: cannot be an epoch series
    // Each value's text followed by ',', and where each value's text ends (to reorder them).
    std::vector<std::string> columns;
    std::vector<std::vector<std::uint32_t>> ends;
    std::vector<order> orders;
    std::vector<std::size_t> perm;  // record indices by epoch, when the log's order is not already that

    void reset() {
      active = false;
      first_line = 0;
      metrics.clear();
      first.clear();
      epoch_at = iter_at = std::string::npos;
      rejected = false;
      for (auto& c : columns) c.clear();
      for (auto& e : ends) e.clear();
      orders.clear();
      perm.clear();
    }

    void sort() {
      auto by_key = [&](std::size_t a, std::size_t b) { return orders[a].key < orders[b].key; };
      bool sorted = std::is_sorted(orders.begin(), orders.end(), [](auto& a, auto& b) { return a.key < b.key; });
      if (sorted) return;
      // Stable: records of a repeated epoch (a requeued job) stay whole and in log order.
      perm.resize(orders.size());
      for (std::size_t i = 0; i < perm.size(); ++i) perm[i] = i;
      std::stable_sort(perm.begin(), perm.end(), by_key);
    }

    template <class Each>
    void in_order(Each each) const {
      if (perm.empty()) {
        for (std::size_t i = 0; i < orders.size(); ++i) each(i);
      } else {
        for (auto i : perm) each(i);
      }
    }

    void write(std::string& out) const {
      if (epoch_at == std::string::npos) {
        out += first;
        return;
      }
      // Members: the metrics' columns and the columns made from the epoch (and iter) fields.
      static constexpr std::string_view added[] = {"epoch_ind", "epoch_max", "iter_ind", "iter_max"};
      std::size_t n_added = iter_at == std::string::npos ? 2 : 4;
      std::vector<std::pair<std::string_view, std::size_t>> keys;  // (key, metric index or npos - added index)
      keys.reserve(metrics.size() + n_added);
      for (std::size_t m = 0; m < metrics.size(); ++m) {
        if (std::find(added, added + n_added, metrics[m]) == added + n_added) keys.emplace_back(metrics[m], m);
      }
      for (std::size_t a = 0; a < n_added; ++a) keys.emplace_back(added[a], std::string::npos - a);
      std::sort(keys.begin(), keys.end(), [](auto& a, auto& b) { return a.first < b.first; });
      out += '{';
      bool first_key = true;
      for (auto& [key, m] : keys) {
        if (!first_key) out += ',';
        first_key = false;
        append_json_string(out, key);
        out += ":[";
        if (m < metrics.size()) {
          write_column(out, m);
        } else {
          auto member = std::array{&order::epoch_ind, &order::epoch_max, &order::iter_ind,
                                   &order::iter_max}[std::string::npos - m];
          bool first_value = true;
          in_order([&](std::size_t i) {
            if (!first_value) out += ',';
            first_value = false;
            append_json_integer(out, orders[i].*member);
          });
        }
        out += ']';
      }
      out += '}';
    }

    void write_column(std::string& out, std::size_t m) const {
      auto& text = columns[m];
      if (text.empty()) return;
      if (perm.empty()) {
        out.append(text, 0, text.size() - 1);  // drop the last ','
        return;
      }
      auto& end = ends[m];
      bool first_value = true;
      for (auto i : perm) {
        if (!first_value) out += ',';
        first_value = false;
        std::size_t from = i == 0 ? 0 : end[i - 1];
        out.append(text, from, end[i] - 1 - from);
      }
    }
  };

  /// @brief Parses a record (the log goes on to `text_end`); Python's NaN/Infinity are read as null
  /// rather than losing the record. simdjson reads the common record; nlohmann what it refuses.
  bool read_record(std::string_view payload, const char* text_end) {
    auto padded = padded_slice(payload, text_end, scratch_);
    if (reader_.read_flat(padded) || reader_.read_fast(padded)) return true;
    if (reader_.read(payload)) return true;
    if (payload.find("NaN") == std::string_view::npos && payload.find("Infinity") == std::string_view::npos) {
      return false;
    }
    if (reader_.read(python_nonfinite_to_null(payload))) return true;
    reader_.read(payload);  // for the error of the text as written (rare: a truly corrupt record)
    return false;
  }

  template <class Report>
  void add_record(std::span<const field_view> fields, const collect_options& opts, int this_line, Report& report) {
    auto type_it = std::find_if(fields.begin(), fields.end(), [&](auto& f) { return same_text(f.key, opts.type_key); });
    if (type_it == fields.end() || !type_it->is_string) {
      report(this_line, fmt::format("record skipped: expected a string field \"{}\" naming its type", opts.type_key));
      return;
    }
    std::string_view type = type_it->str;
    if (std::find(opts.skip_types.begin(), opts.skip_types.end(), type) != opts.skip_types.end()) return;
    auto type_at = static_cast<std::size_t>(type_it - fields.begin());
    auto& g = group_of(type);
    bool first = !g.active;
    if (first) {
      g.active = true;
      g.first_line = this_line;
      for (std::size_t k = 0; k < fields.size(); ++k) {
        if (k != type_at) g.metrics.emplace_back(fields[k].key);
      }
      auto index_of = [&](std::string_view key) {
        auto it = std::find(g.metrics.begin(), g.metrics.end(), key);
        return it == g.metrics.end() ? std::string::npos : static_cast<std::size_t>(it - g.metrics.begin());
      };
      g.epoch_at = index_of(opts.epoch_key);
      if (g.epoch_at != std::string::npos) {
        g.iter_at = index_of("iter");
        if (g.columns.size() < g.metrics.size()) {
          g.columns.resize(g.metrics.size());
          g.ends.resize(g.metrics.size());
        }
        if (index_of("epoch_ind") != std::string::npos || index_of("epoch_max") != std::string::npos) {
          g.rejected = true;
          report(this_line, fmt::format("records of {}={} skipped: they already have epoch_ind or epoch_max fields",
                                        opts.type_key, type));
        }
      }
    }
    if (g.rejected) return;
    // pycls requires every record of a type to have the first one's fields.
    bool same = fields.size() == g.metrics.size() + 1;
    for (std::size_t k = 0, m = 0; same && k < fields.size(); ++k) {
      if (k != type_at) same = same_text(fields[k].key, g.metrics[m++]);
    }
    if (!same) {
      std::vector<std::string> keys;
      for (std::size_t k = 0; k < fields.size(); ++k) {
        if (k != type_at) keys.emplace_back(fields[k].key);
      }
      report(this_line, fmt::format("record of {}={} skipped: fields {} differ from the first record's {} (line {})",
                                    opts.type_key, type, join_keys(keys), join_keys(g.metrics), g.first_line));
      return;
    }
    auto field = [&](std::size_t m) -> const field_view& { return fields[m < type_at ? m : m + 1]; };
    if (g.epoch_at == std::string::npos) {
      // pycls keeps a non-epoch type's first record only.
      if (first) {
        g.first += '{';
        for (std::size_t m = 0; m < g.metrics.size(); ++m) {
          if (m > 0) g.first += ',';
          append_json_string(g.first, g.metrics[m]);
          g.first += ':';
          g.first += field(m).text;
        }
        g.first += '}';
      }
      return;
    }
    order x{0, 0, 0, 0, 0};
    auto& epoch = field(g.epoch_at);
    if (!epoch.is_string || !parse_fraction(epoch.str, x.epoch_ind, x.epoch_max)) {
      report(this_line, fmt::format("record of {}={} skipped: expected \"{}\" as \"i/max\", got {}", opts.type_key,
                                    type, opts.epoch_key, epoch.text));
      return;
    }
    x.key = static_cast<double>(x.epoch_ind);
    if (g.iter_at != std::string::npos) {
      auto& iter = field(g.iter_at);
      if (!iter.is_string || !parse_fraction(iter.str, x.iter_ind, x.iter_max)) {
        report(this_line, fmt::format("record of {}={} skipped: expected \"iter\" as \"i/max\", got {}",
                                      opts.type_key, type, iter.text));
        return;
      }
      x.key += (static_cast<double>(x.iter_ind) - 1) / static_cast<double>(x.iter_max);  // no int overflow at INT64_MIN
    }
    g.orders.push_back(x);
    for (std::size_t m = 0; m < g.metrics.size(); ++m) {
      auto& column = g.columns[m];
      column += field(m).text;
      column += ',';
      g.ends[m].push_back(static_cast<std::uint32_t>(column.size()));
    }
  }

  /// @brief The records of `type`, made on its first record. A log cycles through a few types
  /// (train_epoch, test_epoch, ...): those met last are found without a walk of the map.
  type_records& group_of(std::string_view type) {
    for (auto& [key, group] : recent_) {
      if (group != nullptr && same_text(key, type)) return *group;
    }
    auto it = types_.find(type);
    if (it == types_.end()) it = types_.emplace(type, type_records{}).first;
    recent_[recent_next_++ % recent_.size()] = {it->first, &it->second};  // map nodes never move
    return it->second;
  }

  std::map<std::string, type_records, std::less<>> types_;  // kept from job to job, never erased
  std::array<std::pair<std::string_view, type_records*>, 4> recent_{};
  std::size_t recent_next_ = 0;
  std::vector<log_issue> issues_;
  std::size_t records_seen_ = 0;
  record_reader reader_;
  std::string scratch_;  // the last record of a log, copied with room after it for simdjson
};

}  // namespace detail

/// @brief Parses a job's log text as pycls's collect does: every line holding `opts.tag` carries a
/// JSON record; records of `opts.skip_types` are left out; each other type's records become
/// columns sorted by epoch (adding epoch_ind, epoch_max) or, with no epoch field, its first record.
/// Bad records (corrupt or truncated JSON, no type, fields unlike the type's first record, a bad
/// epoch) are skipped and reported in `issues`, naming `file_name` and the line.
inline parsed_log parse_job_log(std::string_view text, const collect_options& opts,
                                const std::string& file_name) {
  detail::job_log log;
  log.read(text, opts, file_name);
  std::string json_text;
  log.write(json_text, {});
  parsed_log out;
  out.data = nlohmann::json::parse(json_text);
  out.issues = std::move(log.issues());
  out.records_seen = log.records_seen();
  return out;
}

}  // namespace sweep
// ---- end sweep/collect/log_parser.hpp ----



namespace sweep {

/// @brief One of a job's log files, read whole.
struct log_text {
  std::string file;       // its path, as issues and sweep.json name it
  std::string_view text;  // its contents
};

/// @brief A started job as a log format sees it: its folder, its config and its log files' texts.
struct job_files {
  std::string name;                          // the folder name, NNNNNN (the config's index)
  std::filesystem::path dir;                 // ROOT_DIR/NAME/logs/NNNNNN
  std::filesystem::path cfg_file;            // the job's config as setup wrote it (cfgs/NNNNNN.yaml)
  const collect_options* collect = nullptr;  // COLLECT's keys
  std::vector<log_text> logs;                // the files of log_files() that exist, in their order
};

/// @brief What a log format makes of a job's log: its records by type, its progress and the
/// problems found. Epoch series are added record by record (add_epoch) and become, in
/// sweep.json, `type: {field: [value per epoch], epoch: ["i/max"...], epoch_ind: [...],
/// epoch_max: [...]}` sorted by epoch, as pycls's collect makes them; other types are set
/// in `data` directly (`data["complexity"] = {...}`: pycls keeps a type's first record).
class job_record {
 public:
  /// @brief type -> record (non-epoch types); epoch series join it when collect finishes the job.
  nlohmann::json data = nlohmann::json::object();
  /// @brief The job's progress, last epoch i of max (0/1: no epoch yet); see progress_from.
  std::int64_t epoch_ind = 0, epoch_max = 1;
  /// @brief Records seen in the log (including skipped ones), shown by nothing but tests.
  std::size_t records = 0;
  std::vector<log_issue> issues;

  /// @brief One epoch's record of an epoch type: `epoch` is 1-based, of `max`. A field some
  /// records lack is null in theirs; an epoch logged twice (a requeued job) keeps both, in order.
  void add_epoch(std::string_view type, std::int64_t epoch, std::int64_t max, nlohmann::json fields) {
    auto it = series_.find(type);
    if (it == series_.end()) it = series_.emplace(std::string(type), std::vector<epoch_entry>{}).first;
    if (!fields.is_object()) fields = nlohmann::json::object();
    it->second.push_back({epoch, max, std::move(fields)});
  }

  /// @brief Reports a problem at file:line (line 0: the whole file); the job still counts.
  void issue(std::string file, int line, std::string message) {
    issues.push_back({{std::move(file), line}, std::move(message)});
  }

  /// @brief The last epoch (the largest; the latest of equals) of an epoch type: false if it has none.
  bool last_epoch(std::string_view type, std::int64_t& ind, std::int64_t& max) const {
    auto it = series_.find(type);
    if (it == series_.end() || it->second.empty()) return false;
    const epoch_entry* last = &it->second.front();
    for (auto& e : it->second) {
      if (e.epoch >= last->epoch) last = &e;
    }
    ind = last->epoch;
    max = last->max;
    return true;
  }

  /// @brief Sets the job's progress to the last epoch of `type` (pycls: test_epoch); false if it has none.
  bool progress_from(std::string_view type) { return last_epoch(type, epoch_ind, epoch_max); }

  /// @brief Whether an epoch type has records.
  [[nodiscard]] bool has_epochs(std::string_view type) const { return series_.contains(type); }

  /// @brief Moves the epoch series into `data` as sweep.json holds them (collect calls this).
  void finish() {
    for (auto& [type, entries] : series_) {
      std::stable_sort(entries.begin(), entries.end(), [](auto& a, auto& b) { return a.epoch < b.epoch; });
      std::vector<std::string> fields;
      for (auto& e : entries) {
        for (auto& [k, v] : e.fields.items()) {
          if (std::find(fields.begin(), fields.end(), k) == fields.end()) fields.push_back(k);
        }
      }
      nlohmann::json columns = nlohmann::json::object();
      for (auto& f : fields) {
        auto& column = columns[f] = nlohmann::json::array();
        for (auto& e : entries) {
          auto v = e.fields.find(f);
          column.push_back(v == e.fields.end() ? nlohmann::json() : std::move(*v));
        }
      }
      auto& epoch = columns["epoch"] = nlohmann::json::array();
      auto& ind = columns["epoch_ind"] = nlohmann::json::array();
      auto& max = columns["epoch_max"] = nlohmann::json::array();
      for (auto& e : entries) {
        epoch.push_back(fmt::format("{}/{}", e.epoch, e.max));
        ind.push_back(e.epoch);
        max.push_back(e.max);
      }
      data[type] = std::move(columns);
    }
    series_.clear();
  }

 private:
  struct epoch_entry {
    std::int64_t epoch, max;
    nlohmann::json fields;
  };
  std::map<std::string, std::vector<epoch_entry>, std::less<>> series_;
};

namespace detail {

/// @brief A config value as JSON (for a job's `cfg` record).
inline nlohmann::json value_to_json(const value& v) {
  if (v.is_null()) return nullptr;
  if (v.is_bool()) return v.as_bool();
  if (v.is_int()) return v.as_int();
  if (v.is_float()) return v.as_float();
  if (v.is_string()) return v.as_string();
  nlohmann::json out;
  if (v.is_list()) {
    out = nlohmann::json::array();
    for (auto& item : v.as_list()) out.push_back(value_to_json(item));
  } else {
    out = nlohmann::json::object();
    for (auto& [key, child] : v.as_map()) out[key] = value_to_json(child);
  }
  return out;
}

}  // namespace detail

/// @brief The job's config (what setup wrote for it) as JSON, for its `cfg` record; null, and an
/// issue in `out`, when it cannot be read.
inline nlohmann::json read_job_config(const job_files& job, job_record& out) {
  try {
    return detail::value_to_json(load_yaml_file(job.cfg_file));
  } catch (const error& e) {
    out.issue(job.cfg_file.string(), 0, fmt::format("job config not read ({}): no cfg record", e.message()));
    return nullptr;
  }
}

// The parts of a log format, each checked on its own so a misuse names what is missing.
namespace detail {

template <class F>
concept log_format_has_name = requires {
  { F::name } -> std::convertible_to<std::string_view>;
};

template <class F>
concept log_format_has_options = requires { typename F::options; } && std::default_initializable<typename F::options>;

template <class F>
concept log_format_has_log_files = requires(const F& f, const typename F::options& o, const collect_options& c) {
  { f.log_files(o, c) } -> std::convertible_to<std::vector<std::string>>;
};

template <class F>
concept log_format_has_read = requires(const F& f, const typename F::options& o, const job_files& j, job_record& r) {
  f.read(o, j, r);
};

/// @brief The optional fast path (json_stats has it): the job's sweep.json entry written straight
/// from the log, with per-thread scratch, instead of through read's JSON tree.
template <class F>
concept log_format_writes_entries =
    requires { typename F::scratch; } && std::default_initializable<typename F::scratch> &&
    requires(const F& f, const typename F::options& o, const job_files& j, typename F::scratch& s, job_record& r,
             std::string& entry, std::span<const json_member> extra) { f.write_entry(o, j, s, r, entry, extra); };

}  // namespace detail

/// @brief A log format: `name` (what COLLECT.FORMAT says), `options` (its COLLECT.<NAME> keys: a
/// struct reflected with BOOST_HANA_DEFINE_STRUCT, or sweep::no_options), `log_files` (its files
/// in a job's folder: paths relative to it, `*` matching within one part, e.g.
/// `lightning_logs/version_*/metrics.csv`; the last one that exists is the job's log in the status)
/// and `read` (the files' texts -> the job's record). Optional: `void check(const options&) const`
/// (values the types cannot check: throw sweep::error with the key, collect adds file and line) and
/// `scratch` + `write_entry`, the fast path that writes the job's sweep.json entry itself (see
/// json_stats_format).
template <class F>
concept log_format = std::default_initializable<F> && detail::log_format_has_name<F> &&
                     detail::log_format_has_options<F> && detail::log_format_has_log_files<F> &&
                     detail::log_format_has_read<F>;

}  // namespace sweep
// ---- end sweep/collect/log_format.hpp ----

// ---- begin sweep/collect/log_formats.hpp ----
// The registry of log formats (COLLECT.FORMAT): json_stats (pycls's, the
// default) and lightning_csv are registered on first use, through the same
// call a user's format has:
//
//   SWEEP_REGISTER(sweep::register_log_format<my_format>);   // at namespace scope


// ---- begin sweep/collect/json_stats_format.hpp ----
// The json_stats log format (pycls's, the default of COLLECT.FORMAT): lines
// `json_stats: {...}` in the job's stdout.log. Its keys are COLLECT's own
// (LOG_FILE, TAG, TYPE_KEY, EPOCH_KEY, SKIP_TYPES, PROGRESS_TYPE), as in pycls.
// Besides `read` it has the fast path: the job's sweep.json entry is written
// straight from the log's columns (detail::job_log), with no JSON tree.




namespace sweep {

/// @brief pycls's `json_stats: {...}` lines (see docs/collect.md).
struct json_stats_format {
  static constexpr std::string_view name = "json_stats";
  /// @brief No COLLECT.JSON_STATS keys: the format reads COLLECT's own.
  using options = no_options;
  /// @brief The parser's buffers, kept from job to job on each thread.
  struct scratch {
    detail::job_log log;
    std::size_t entry_capacity = 0;
  };

  std::vector<std::string> log_files(const options&, const collect_options& collect) const { return {collect.log_file}; }

  void read(const options&, const job_files& job, job_record& out) const {
    for (auto& log : job.logs) {
      auto parsed = parse_job_log(log.text, *job.collect, log.file);
      for (auto& [type, record] : parsed.data.items()) out.data[type] = std::move(record);
      out.issues.insert(out.issues.end(), std::make_move_iterator(parsed.issues.begin()),
                        std::make_move_iterator(parsed.issues.end()));
      out.records += parsed.records_seen;
      auto* progress = parsed.data.contains(job.collect->progress_type) ? &out.data[job.collect->progress_type] : nullptr;
      if (progress != nullptr && progress->contains("epoch_ind") && !(*progress)["epoch_ind"].empty()) {
        out.epoch_ind = (*progress)["epoch_ind"].back().get<std::int64_t>();
        out.epoch_max = (*progress)["epoch_max"].back().get<std::int64_t>();
      }
    }
  }

  void write_entry(const options&, const job_files& job, scratch& s, job_record& out, std::string& entry,
                   std::span<const json_member> extra) const {
    std::string_view text = job.logs.empty() ? std::string_view{} : job.logs.front().text;
    const std::string& file = job.logs.empty() ? job.collect->log_file : job.logs.front().file;
    s.log.read(text, *job.collect, file);
    out.records = s.log.records_seen();
    out.issues.insert(out.issues.end(), std::make_move_iterator(s.log.issues().begin()),
                      std::make_move_iterator(s.log.issues().end()));
    s.log.last_epoch(job.collect->progress_type, out.epoch_ind, out.epoch_max);
    // Written into a buffer sized like the last job's (entry_writer frees it once written).
    entry.reserve(s.entry_capacity);
    s.log.write(entry, extra);
    s.entry_capacity = entry.size() + entry.size() / 8;
  }
};

}  // namespace sweep
// ---- end sweep/collect/json_stats_format.hpp ----

// ---- begin sweep/collect/lightning_csv.hpp ----
// The lightning_csv log format: PyTorch Lightning's CSVLogger file,
// <save_dir>/lightning_logs/version_N/metrics.csv. Its header is `epoch`,
// `step` and one column per logged metric (sorted by name); its rows are
// sparse: each holds the metrics logged at one point (a training step, the end
// of validation, the end of a training epoch) and leaves the others empty.
// Mapping onto pycls's record (docs/collect.md#lightning_csv):
//   validation columns (val_, val/, valid_, validation_) -> test_epoch, prefix dropped
//   training columns (train_, train/) and any other     -> train_epoch (train prefix dropped)
//   a name's _epoch suffix is dropped; _step columns (per step, like pycls's train_iter) are left out
//   an epoch's value of a metric is the last one logged in that epoch (Lightning's epoch + 1 = "i/max")
//   ERROR_METRIC -> top1_err (percent) in its record, plus min_top1_err (the running minimum)
//   the job's config (cfgs/NNNNNN.yaml) -> cfg




namespace sweep {

namespace detail {

/// @brief Splits one CSV line (RFC 4180 quoting, as Python's csv module writes it) into cells.
inline std::vector<std::string> split_csv_line(std::string_view line) {
  std::vector<std::string> cells(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cells.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cells.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      cells.emplace_back();
    } else {
      cells.back() += c;
    }
  }
  return cells;
}

/// @brief A CSV cell as a number: Python's float text, nan and inf included; false if it is not one.
inline bool parse_csv_number(std::string_view cell, double& out) {
  while (!cell.empty() && cell.front() == ' ') cell.remove_prefix(1);
  while (!cell.empty() && cell.back() == ' ') cell.remove_suffix(1);
  if (!cell.empty() && cell.front() == '+') cell.remove_prefix(1);
  auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), out);
  return ec == std::errc{} && end == cell.data() + cell.size() && !cell.empty();
}

}  // namespace detail

/// @brief PyTorch Lightning's CSVLogger metrics.csv (see the top of collect/lightning_csv.hpp).
struct lightning_csv_format {
  static constexpr std::string_view name = "lightning_csv";

  /// @brief COLLECT.LIGHTNING_CSV.
  struct options {
    BOOST_HANA_DEFINE_STRUCT(options,
      (std::string, metrics_file),    // in the job's folder; `*` matches within one part (every version, in order)
      (std::int64_t, max_epochs),     // epochs a job runs; 0: its config's MAX_EPOCHS_KEY, else the last logged
      (std::string, max_epochs_key),  // dotted key of the job config holding the number of epochs
      (std::string, error_metric),    // the column that measures the error ("" for none)
      (std::string, error_from),      // accuracy (a fraction), accuracy_percent, or error (already percent)
      (std::vector<std::string>, test_prefixes),    // columns of validation metrics -> test_epoch
      (std::vector<std::string>, train_prefixes));  // columns of training metrics -> train_epoch
    options()
        : metrics_file("lightning_logs/version_*/metrics.csv"), max_epochs(0), max_epochs_key("OPTIM.MAX_EPOCH"),
          error_metric("val_acc"), error_from("accuracy"), test_prefixes{"val_", "val/", "valid_", "validation_"},
          train_prefixes{"train_", "train/"} {}
  };

  std::vector<std::string> log_files(const options& o, const collect_options&) const { return {o.metrics_file}; }

  /// @brief Values collect checks when it starts (thrown with the key, it adds file and line).
  void check(const options& o) const {
    if (o.metrics_file.empty()) throw error({}, "COLLECT.LIGHTNING_CSV.METRICS_FILE", "is empty: expected a path in the job's folder");
    if (auto why = relative_path_problem(o.metrics_file, "the job's folder"); !why.empty()) {
      throw error({}, "COLLECT.LIGHTNING_CSV.METRICS_FILE", why);
    }
    if (o.max_epochs < 0) {
      throw error({}, "COLLECT.LIGHTNING_CSV.MAX_EPOCHS", fmt::format("expected 0 (from the job config) or more, got {}", o.max_epochs));
    }
    if (o.error_from != "accuracy" && o.error_from != "accuracy_percent" && o.error_from != "error") {
      throw error({}, "COLLECT.LIGHTNING_CSV.ERROR_FROM",
                  fmt::format("expected one of accuracy, accuracy_percent, error; got '{}'", o.error_from));
    }
  }

  void read(const options& o, const job_files& job, job_record& out) const {
    static constexpr const char* types[] = {"test_epoch", "train_epoch"};
    auto cfg = read_job_config(job, out);
    // epoch (Lightning's, 0-based) -> metric -> value, for test_epoch [0] and train_epoch [1]
    std::map<std::int64_t, nlohmann::json> by_epoch[2];
    column error_column;
    bool error_seen = false;
    for (auto& log : job.logs) read_file(o, log, out, by_epoch, error_column, error_seen);

    std::int64_t last = -1;
    for (auto& series : by_epoch) {
      if (!series.empty()) last = std::max(last, series.rbegin()->first);
    }
    std::int64_t max = o.max_epochs;
    if (max == 0 && cfg.is_object()) {
      const nlohmann::json* node = &cfg;
      for (auto part : split(o.max_epochs_key)) {
        node = node->is_object() && node->contains(part) ? &(*node)[std::string(part)] : nullptr;
        if (node == nullptr) break;
      }
      if (node != nullptr && node->is_number_integer()) max = node->get<std::int64_t>();
    }
    max = std::max(max, last + 1);
    if (!cfg.is_null()) out.data["cfg"] = std::move(cfg);

    if (!error_seen && !o.error_metric.empty() && last >= 0) {
      out.issue(job.logs.back().file, 0,
                fmt::format("no column '{}' (COLLECT.LIGHTNING_CSV.ERROR_METRIC): no top1_err", o.error_metric));
    }
    for (int t = 0; t < 2; ++t) {
      double min_err = std::numeric_limits<double>::infinity();
      bool error_type = error_seen && error_column.type == t;
      for (auto& [epoch, fields] : by_epoch[t]) {
        if (error_seen) {
          auto it = fields.find(error_column.name);
          if (it != fields.end() && it->is_number()) {
            double err = to_error(o, it->get<double>());
            fields["top1_err"] = err;
            if (!std::isnan(err)) min_err = std::min(min_err, err);
          } else if (error_type) {
            fields["top1_err"] = nullptr;
          }
          if (error_type) fields["min_top1_err"] = std::isinf(min_err) ? nlohmann::json() : nlohmann::json(min_err);
        }
        out.add_epoch(types[t], epoch + 1, max, std::move(fields));
      }
    }
    if (!out.progress_from("test_epoch")) out.progress_from("train_epoch");
  }

 private:
  /// @brief Where a column goes: record 0 (test_epoch) or 1 (train_epoch), under `name`; -1: left out.
  struct column {
    int type = -1;
    std::string name;
  };

  static std::vector<std::string_view> split(std::string_view dotted) {
    std::vector<std::string_view> parts;
    for (std::size_t start = 0;;) {
      auto dot = dotted.find('.', start);
      parts.push_back(dotted.substr(start, dot == std::string_view::npos ? dotted.npos : dot - start));
      if (dot == std::string_view::npos) return parts;
      start = dot + 1;
    }
  }

  static double to_error(const options& o, double v) {
    if (o.error_from == "accuracy") return 100.0 * (1.0 - v);
    if (o.error_from == "accuracy_percent") return 100.0 - v;
    return v;
  }

  static column map_column(const options& o, std::string_view header) {
    if (header == "epoch" || header == "step" || header.ends_with("_step")) return {};
    std::string_view stem = header;
    if (stem.size() > 6 && stem.ends_with("_epoch")) stem.remove_suffix(6);
    for (auto& p : o.test_prefixes) {
      if (stem.size() > p.size() && stem.starts_with(p)) return {0, std::string(stem.substr(p.size()))};
    }
    for (auto& p : o.train_prefixes) {
      if (stem.size() > p.size() && stem.starts_with(p)) return {1, std::string(stem.substr(p.size()))};
    }
    return {1, std::string(stem)};
  }

  static void read_file(const options& o, const log_text& log, job_record& out, std::map<std::int64_t, nlohmann::json> (&by_epoch)[2],
                        column& error_column, bool& error_seen) {
    std::string_view text = log.text;
    std::vector<column> columns;
    std::vector<std::string> header;
    std::size_t epoch_at = std::string::npos;
    int line_no = 0;
    for (std::size_t pos = 0; pos < text.size();) {
      auto eol = text.find('\n', pos);
      bool terminated = eol != std::string_view::npos;
      auto line = text.substr(pos, terminated ? eol - pos : std::string_view::npos);
      pos = terminated ? eol + 1 : text.size();
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty()) continue;
      if (!terminated) {
        out.issue(log.file, line_no, "truncated last line skipped (job still writing?)");
        break;
      }
      auto cells = detail::split_csv_line(line);
      if (columns.empty()) {  // the header
        header = cells;
        for (std::size_t c = 0; c < cells.size(); ++c) {
          auto& col = columns.emplace_back(map_column(o, cells[c]));
          if (cells[c] == "epoch") epoch_at = c;
          // Two columns onto one name (val_loss and val/loss): the later keeps its own name.
          for (std::size_t d = 0; d + 1 < columns.size() && col.type >= 0; ++d) {
            if (columns[d].type == col.type && columns[d].name == col.name) col.name = cells[c];
          }
          if (!o.error_metric.empty() && cells[c] == o.error_metric && col.type >= 0) {
            error_column = col;
            error_seen = true;
          }
        }
        if (epoch_at == std::string::npos) {
          out.issue(log.file, line_no, "no 'epoch' column in the header: file skipped (expected Lightning's CSVLogger metrics.csv)");
          return;
        }
        continue;
      }
      ++out.records;
      if (cells.size() != columns.size()) {
        out.issue(log.file, line_no, fmt::format("row skipped: {} cells, the header has {}", cells.size(), columns.size()));
        continue;
      }
      double epoch_value = 0;
      if (!detail::parse_csv_number(cells[epoch_at], epoch_value) || epoch_value < 0 ||
          epoch_value != std::floor(epoch_value) || epoch_value > 1e9) {
        if (!cells[epoch_at].empty()) {
          out.issue(log.file, line_no, fmt::format("row skipped: expected an epoch number >= 0, got '{}'", cells[epoch_at]));
        }
        continue;  // a row without an epoch (Lightning writes one on every row) has nowhere to go
      }
      auto epoch = static_cast<std::int64_t>(epoch_value);
      for (std::size_t c = 0; c < cells.size(); ++c) {
        auto& col = columns[c];
        if (col.type < 0 || cells[c].empty()) continue;  // sparse rows: empty cells were not logged here
        double v = 0;
        if (!detail::parse_csv_number(cells[c], v)) {
          out.issue(log.file, line_no, fmt::format("cell of '{}' skipped: expected a number, got '{}'", header[c], cells[c]));
          continue;
        }
        auto& fields = by_epoch[col.type][epoch];
        if (fields.is_null()) fields = nlohmann::json::object();
        fields[col.name] = std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();  // a diverged run's nan: null
      }
    }
  }
};

}  // namespace sweep
// ---- end sweep/collect/lightning_csv.hpp ----



namespace sweep {

/// @brief Per-thread buffers of a bound format (what its `scratch` type holds), reused from job to job.
struct log_format_scratch {
  virtual ~log_format_scratch() = default;
};

/// @brief A registered log format with its options read: what collect runs on each job.
class bound_log_format {
 public:
  virtual ~bound_log_format() = default;
  [[nodiscard]] virtual std::string_view name() const = 0;
  /// @brief Its log files in a job's folder (relative; `*` matches within one part).
  [[nodiscard]] virtual std::vector<std::string> log_files(const collect_options& collect) const = 0;
  /// @brief Its options as text: part of the incremental cache's key (other options, other data).
  [[nodiscard]] virtual std::string options_text() const = 0;
  [[nodiscard]] virtual std::unique_ptr<log_format_scratch> make_scratch() const = 0;
  /// @brief The job's record (read, then finished: epoch series in `data`).
  virtual void read(const job_files& job, job_record& out) const = 0;
  /// @brief The job's sweep.json entry: its record's types and `extra` (which win over a type of
  /// the same name), keys sorted, compact, as nlohmann's dump() writes them.
  virtual void write_entry(const job_files& job, log_format_scratch& scratch, job_record& out, std::string& entry,
                           std::span<const json_member> extra) const = 0;
};

namespace detail {

template <class F>
struct bound_format final : bound_log_format {
  struct scratch_box final : log_format_scratch {
    typename F::scratch value;
  };

  F format;
  typename F::options options;

  explicit bound_format(typename F::options o) : options(std::move(o)) {}

  [[nodiscard]] std::string_view name() const override { return F::name; }
  [[nodiscard]] std::vector<std::string> log_files(const collect_options& collect) const override {
    return format.log_files(options, collect);
  }
  [[nodiscard]] std::string options_text() const override {
    if constexpr (reflected_struct<typename F::options>) {
      return schema_to_value(options).python_repr();
    } else {
      return "{}";
    }
  }
  [[nodiscard]] std::unique_ptr<log_format_scratch> make_scratch() const override {
    if constexpr (log_format_writes_entries<F>) {
      return std::make_unique<scratch_box>();
    } else {
      return std::make_unique<log_format_scratch>();
    }
  }
  void read(const job_files& job, job_record& out) const override {
    format.read(options, job, out);
    out.finish();
  }
  void write_entry(const job_files& job, log_format_scratch& scratch, job_record& out, std::string& entry,
                   std::span<const json_member> extra) const override {
    if constexpr (log_format_writes_entries<F>) {
      format.write_entry(options, job, static_cast<scratch_box&>(scratch).value, out, entry, extra);
    } else {
      read(job, out);
      for (auto& member : extra) out.data[std::string(member.key)] = nlohmann::json::parse(member.text);
      entry += out.data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  }
};

}  // namespace detail

/// @brief A registry entry: binds the format to its options, read from COLLECT.<NAME>.
struct log_format_entry {
  /// @brief (COLLECT's keys, the config file for errors) -> the bound format; a bad key of
  /// COLLECT.<NAME> is a sweep::error naming file, line and key.
  std::function<std::shared_ptr<const bound_log_format>(const collect_options&, const std::string&)> bind;
};

namespace detail {

template <class F>
concept log_format_has_check = requires(const F& f, const typename F::options& o) { f.check(o); };

template <class F>
log_format_entry log_format_entry_for() {
  return {[](const collect_options& collect, const std::string& file) -> std::shared_ptr<const bound_log_format> {
    typename F::options o{};
    if (auto* section = component_section(collect.extensions, F::name)) {
      auto path = "COLLECT." + upper(F::name);
      if constexpr (reflected_struct<typename F::options>) {
        schema_reader(file).read(*section, path, o);
      } else if (section->is_map() && !section->as_map().empty()) {
        auto& [key, child] = section->as_map().front();
        throw error({file, child.line()}, path + "." + key,
                    fmt::format("unknown key: the log format {} has no keys of its own", F::name));
      }
    }
    if constexpr (log_format_has_check<F>) {
      try {
        F{}.check(o);
      } catch (const error& e) {
        if (!e.where().file.empty()) throw;
        // The format names the key; the line it was written on is in its section.
        auto prefix = "COLLECT." + upper(F::name) + ".";
        const value* node = nullptr;
        if (auto* section = component_section(collect.extensions, F::name); section && e.key_path().starts_with(prefix)) {
          node = section->find(e.key_path().substr(prefix.size()));
        }
        throw error({file, node != nullptr ? node->line() : 0}, e.key_path(), e.message());
      }
    }
    return std::make_shared<bound_format<F>>(std::move(o));
  }};
}

/// @brief The built-in formats, added when the registry is first used.
struct log_format_registry : registry<log_format_entry> {
  log_format_registry() : registry("log format", "COLLECT.FORMAT") {
    add(std::string(json_stats_format::name), log_format_entry_for<json_stats_format>());
    add(std::string(lightning_csv_format::name), log_format_entry_for<lightning_csv_format>());
  }
};

}  // namespace detail

/// @brief The log formats by name: json_stats, lightning_csv, then the user's in registration order.
inline registry<log_format_entry>& log_formats() {
  static detail::log_format_registry formats;
  return formats;
}

/// @brief Registers the log format F under F::name, e.g. `SWEEP_REGISTER(sweep::register_log_format<my_format>);`.
template <class F>
void register_log_format() {
  static_assert(detail::log_format_has_name<F>,
                "sweep::register_log_format<F>: F needs `static constexpr std::string_view name = \"...\";` "
                "(what COLLECT.FORMAT calls it)");
  static_assert(detail::log_format_has_options<F>,
                "sweep::register_log_format<F>: F needs a default-constructible type `options` (its COLLECT.<NAME> "
                "keys: a struct with BOOST_HANA_DEFINE_STRUCT, or `using options = sweep::no_options;`)");
  static_assert(detail::log_format_has_log_files<F>,
                "sweep::register_log_format<F>: F needs `std::vector<std::string> log_files(const options&, const "
                "sweep::collect_options&) const` (its log files in a job's folder)");
  static_assert(detail::log_format_has_read<F>,
                "sweep::register_log_format<F>: F needs `void read(const options&, const sweep::job_files&, "
                "sweep::job_record&) const` (a job's log files -> its record)");
  static_assert(std::is_default_constructible_v<F>, "sweep::register_log_format<F>: F needs a default constructor");
  if constexpr (log_format<F>) {
    // COLLECT.<NAME> must not be one of COLLECT's own keys (a format named "tag" could have no section).
    auto keys = detail::field_keys<collect_options>();
    if (std::find(keys.begin(), keys.end(), detail::upper(F::name)) != keys.end()) {
      throw error(fmt::format("a log format cannot be named '{}': COLLECT.{} is one of COLLECT's own keys", F::name,
                              detail::upper(F::name)));
    }
    log_formats().add(std::string(F::name), detail::log_format_entry_for<F>());
  }
}

/// @brief The format COLLECT.FORMAT names, bound to its COLLECT.<NAME> keys; `file` names the config in
/// errors (an unknown name lists the registered ones, with a "did you mean").
inline std::shared_ptr<const bound_log_format> bind_log_format(const collect_options& collect, const std::string& file = {},
                                                              const source_location& location = {}) {
  return log_formats().get(collect.format, location.file.empty() ? source_location{file, 0} : location).bind(collect, file);
}

}  // namespace sweep
// ---- end sweep/collect/log_formats.hpp ----

// ---- begin sweep/collect/status.hpp ----
// What collect found: per-job progress and the sweep's status line, printed
// exactly as pycls's sweep_collect prints them (so `sweep status` can reuse it).




namespace sweep {

/// @brief One started job (its folder under logs/ has a log file).
struct job_status {
  std::string name;      // the folder name, NNNNNN (the cfg index)
  std::string log_file;  // as written into sweep.json
  std::string err_file;
  std::int64_t epoch_ind = 0;  // last epoch of COLLECT.PROGRESS_TYPE (0: none yet)
  std::int64_t epoch_max = 1;
  bool has_err = false;        // stderr is not empty
  std::size_t records = 0;     // tagged lines seen in the log
  std::vector<log_issue> issues;
  std::string stopped_early;   // early stopping ended it: STOPPED_EARLY's "rung R epoch E: why" (empty: not)

  [[nodiscard]] bool done() const noexcept { return epoch_ind == epoch_max; }
};

/// @brief The outcome of a collect: the started jobs (sorted by name) and what was done.
struct collect_result {
  std::filesystem::path sweep_dir;
  std::filesystem::path sweep_file;  // sweep.json
  std::size_t num_configs = 0;       // cfgs/*.yaml
  std::vector<job_status> jobs;
  std::vector<log_issue> issues;     // about the sweep, not one started job (e.g. a folder without log)
  std::size_t reparsed = 0;          // logs parsed this time; the others came from the cache
  bool written = false;              // sweep.json was (re)written
  std::size_t checkpoints_deleted = 0;

  [[nodiscard]] std::size_t jobs_done() const {
    return static_cast<std::size_t>(std::count_if(jobs.begin(), jobs.end(), [](auto& j) { return j.done(); }));
  }
  [[nodiscard]] std::size_t jobs_stopped_early() const {
    return static_cast<std::size_t>(std::count_if(jobs.begin(), jobs.end(), [](auto& j) { return !j.stopped_early.empty(); }));
  }
  [[nodiscard]] std::int64_t epochs_done() const {
    std::int64_t n = 0;
    for (auto& j : jobs) n += j.epoch_ind;
    return n;
  }
  [[nodiscard]] std::int64_t epochs_total() const {
    std::int64_t n = 0;
    for (auto& j : jobs) n += j.epoch_max;
    return n;
  }
  /// @brief Every issue: the sweep's, then each job's in job order.
  [[nodiscard]] std::vector<log_issue> all_issues() const {
    std::vector<log_issue> all = issues;
    for (auto& j : jobs) all.insert(all.end(), j.issues.begin(), j.issues.end());
    return all;
  }
};

/// @brief `jobs_started=a/N, jobs_done=b/N, epochs_done=c/d`, as pycls prints after "Status: ".
inline std::string status_line(const collect_result& r) {
  auto stopped = r.jobs_stopped_early();
  return fmt::format("jobs_started={}/{}, jobs_done={}/{}, epochs_done={}/{}", r.jobs.size(), r.num_configs,
                     r.jobs_done(), r.num_configs, r.epochs_done(), r.epochs_total()) +
         (stopped == 0 ? std::string() : fmt::format(", jobs_stopped_early={}", stopped));
}

/// @brief pycls's per-job lines: `  LOG_FILE [ pp%] [i/max] [stderr]`, epochs padded to one width.
inline std::string format_status_table(const collect_result& r) {
  std::vector<std::string> epochs;
  epochs.reserve(r.jobs.size());
  std::size_t width = 0;
  for (auto& j : r.jobs) {
    width = std::max(width, epochs.emplace_back(fmt::format("{}/{}", j.epoch_ind, j.epoch_max)).size());
  }
  std::string out;
  for (std::size_t i = 0; i < r.jobs.size(); ++i) {
    auto& j = r.jobs[i];
    // Python's int(i / m * 100): truncation of the float quotient.
    auto percent = static_cast<std::int64_t>(static_cast<double>(j.epoch_ind) / static_cast<double>(j.epoch_max) * 100);
    fmt::format_to(std::back_inserter(out), "  {} [{:3d}%] [{:<{}}]{}{}\n", j.log_file, percent, epochs[i], width,
                   j.has_err ? " [stderr]" : "",
                   j.stopped_early.empty() ? "" : fmt::format(" [stopped early: {}]", j.stopped_early));
  }
  return out;
}

}  // namespace sweep
// ---- end sweep/collect/status.hpp ----



#include <dirent.h>

namespace sweep {

/// @brief Called with (jobs parsed so far, jobs to parse), from the calling thread, at most ~10 times a second.
using collect_progress = progress_callback;

/// @brief How to run a collect (the sweep config says what to collect).
struct collect_run_options {
  std::size_t threads = 0;    // 0: the sweep config's NUM_PROC
  bool incremental = true;    // reuse the cache for logs that did not change
  bool write = true;          // false: only read the status (no sweep.json, cache or checkpoint changes)
  bool delete_checkpoints = true;  // false: leave every checkpoint (`sweep watch` changes no job's folder)
  collect_progress progress;  // optional
};

namespace detail {

/// @brief A job's entry in sweep.json and what the status needs, made from its log and stderr.
struct collected_job {
  job_status status;
  file_stamp log_stamp, err_stamp;  // log_stamp: of all its log files together
  std::vector<std::string> files;   // its log files that exist, relative to logs/
  std::string entry;                // its JSON text in sweep.json (when parsed now)
  std::string_view old_entry;       // or its text in the previous sweep.json (when cached)
};

/// @brief What a worker thread reuses from job to job: the log texts and the format's buffers.
struct collect_scratch {
  std::vector<std::string> buffers;  // each log file's text, at its front (see read_whole_file)
  std::unique_ptr<log_format_scratch> format;
};

/// @brief A log format's file names, which `*` in them match, and where they are.
class log_file_patterns {
 public:
  log_file_patterns(std::vector<std::string> patterns, const std::string& key_path) : patterns_(std::move(patterns)) {
    if (patterns_.empty()) throw error({}, key_path, "the log format names no log files");
    for (auto& p : patterns_) {
      if (auto why = relative_path_problem(p, "the job's folder"); !why.empty()) {
        throw error({}, key_path, fmt::format("log file '{}': {}", p, why));
      }
      wild_.push_back(p.find('*') != std::string::npos);
    }
  }

  [[nodiscard]] const std::vector<std::string>& patterns() const noexcept { return patterns_; }

  /// @brief The job's log files that exist (relative to logs/, in pattern order, matches in natural
  /// order: version_2 before version_10) and their stamps together.
  file_stamp find(const std::string& job, const std::filesystem::path& logs_dir, int logs_fd,
                  std::vector<std::string>& files) const {
    files.clear();
    file_stamp all;
    std::uint64_t mix = 0;
    auto stamp_in_logs = [&](const std::string& rel) {
      return logs_fd >= 0 ? stamp_of(rel, logs_fd) : stamp_of((logs_dir / rel).string());
    };
    for (std::size_t p = 0; p < patterns_.size(); ++p) {
      std::vector<std::string> candidates;
      if (wild_[p]) {
        expand(logs_dir, job, patterns_[p], candidates);
      } else {
        candidates.push_back(job + '/' + patterns_[p]);
      }
      for (auto& rel : candidates) {
        auto st = stamp_in_logs(rel);
        if (!st.exists) continue;
        if (!all.exists) {
          all = st;
        } else {
          all.size += st.size;
        }
        mix = mix * 1000003u ^ static_cast<std::uint64_t>(st.mtime_ns) ^ (static_cast<std::uint64_t>(st.size) << 20) ^
              std::hash<std::string>{}(rel);
        files.push_back(std::move(rel));
      }
    }
    if (files.size() > 1) all.mtime_ns = static_cast<std::int64_t>(mix);
    return all;
  }

 private:
  static bool matches(std::string_view pattern, std::string_view name) {
    auto star = pattern.find('*');
    if (star == std::string_view::npos) return pattern == name;
    if (!name.starts_with(pattern.substr(0, star))) return false;
    auto rest = pattern.substr(star + 1);
    for (std::size_t at = star; at <= name.size(); ++at) {
      if (matches(rest, name.substr(at))) return true;
    }
    return false;
  }

  /// @brief a < b with digit runs compared as numbers.
  static bool natural_less(const std::string& a, const std::string& b) {
    std::size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
      if (std::isdigit(static_cast<unsigned char>(a[i])) && std::isdigit(static_cast<unsigned char>(b[j]))) {
        std::size_t i2 = i, j2 = j;
        while (i2 < a.size() && std::isdigit(static_cast<unsigned char>(a[i2]))) ++i2;
        while (j2 < b.size() && std::isdigit(static_cast<unsigned char>(b[j2]))) ++j2;
        auto x = a.substr(i, i2 - i), y = b.substr(j, j2 - j);
        x.erase(0, std::min(x.find_first_not_of('0'), x.size()));
        y.erase(0, std::min(y.find_first_not_of('0'), y.size()));
        if (x.size() != y.size()) return x.size() < y.size();
        if (x != y) return x < y;
        i = i2, j = j2;
      } else {
        if (a[i] != b[j]) return a[i] < b[j];
        ++i, ++j;
      }
    }
    return a.size() - i < b.size() - j;
  }

  static void expand(const std::filesystem::path& logs_dir, const std::string& prefix, std::string_view pattern,
                     std::vector<std::string>& out) {
    auto slash = pattern.find('/');
    auto part = pattern.substr(0, slash);
    auto rest = slash == std::string_view::npos ? std::string_view{} : pattern.substr(slash + 1);
    std::vector<std::string> names;
    if (part.find('*') == std::string_view::npos) {
      names.emplace_back(part);
    } else {
      std::error_code ec;
      for (auto& entry : std::filesystem::directory_iterator(logs_dir / prefix, ec)) {
        auto name = entry.path().filename().string();
        if (matches(part, name)) names.push_back(std::move(name));
      }
      std::sort(names.begin(), names.end(), natural_less);
    }
    for (auto& name : names) {
      auto rel = prefix + '/' + name;
      if (slash == std::string_view::npos) {
        out.push_back(std::move(rel));
      } else {
        expand(logs_dir, rel, rest, out);
      }
    }
  }

  std::vector<std::string> patterns_;
  std::vector<bool> wild_;
};

/// @brief The sweep folder's paths as sweep.json, the status and issues show them: under the folder
/// as the caller named it (pycls keeps a relative ROOT_DIR relative), not the absolute layout.
struct shown_paths {
  std::filesystem::path dir, logs, cfgs;
  shown_paths(const sweep_layout& layout, const std::filesystem::path& as_given)
      : dir(as_given), logs(as_given / layout.logs_dir().lexically_relative(layout.dir)),
        cfgs(as_given / layout.cfgs_dir().lexically_relative(layout.dir)) {}
  [[nodiscard]] std::filesystem::path of(const std::filesystem::path& in_layout, const sweep_layout& layout) const {
    return dir / in_layout.lexically_relative(layout.dir);
  }
};

inline constexpr std::string_view outside_job_folder = "resolves outside the job's folder (a symlink?)";

/// @brief A job's `stopped_early` member of sweep.json from its STOPPED_EARLY text "rung R epoch E: why":
/// {"epoch": E, "reason": ..., "rung": R}; empty when the job was not stopped early.
inline std::string stopped_early_json(const std::string& text) {
  if (text.empty()) return {};
  long long rung = -1, epoch = -1;
  if (std::sscanf(text.c_str(), "rung %lld epoch %lld", &rung, &epoch) != 2) rung = epoch = -1;
  nlohmann::json j = {{"rung", rung}, {"epoch", epoch}, {"reason", text}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

/// @brief Parses one job: its log files through the format, plus log_file, err_file and err (the
/// stderr text), written into the job's sweep.json entry. `logs_fd` is the logs/ folder open.
inline void collect_job(collected_job& job, const collect_options& opts, const bound_log_format& format,
                        const shown_paths& shown, int logs_fd, collect_scratch& scratch) {
  auto& st = job.status;
  st.issues.clear();
  st.epoch_ind = 0;
  st.epoch_max = 1;
  job_files files;
  files.name = st.name;
  files.dir = shown.logs / st.name;
  files.cfg_file = shown.cfgs / (st.name + ".yaml");
  files.collect = &opts;
  if (scratch.buffers.size() < job.files.size()) scratch.buffers.resize(job.files.size());
  if (!scratch.format) scratch.format = format.make_scratch();
  // What collect reads here must be inside the job's folder, and that folder inside logs/, symlinks
  // resolved: each is checked as it is opened.
  auto folder = open_inside(logs_fd, shown.logs, st.name, O_RDONLY | O_DIRECTORY);
  auto open_in_job = [&](std::string_view rel) {
    if (!folder.fd) return opened_inside{{}, folder.outside};
    return open_inside(folder.fd.get(), files.dir, rel, O_RDONLY);
  };
  auto logs_dir = shown.logs.string();
  for (std::size_t k = 0; k < job.files.size(); ++k) {
    auto path = logs_dir + '/' + job.files[k];
    std::size_t size = 0;
    auto log = open_in_job(std::string_view(job.files[k]).substr(st.name.size() + 1));
    if (log.outside) {
      st.issues.push_back({{path, 0}, fmt::format("{}: not read; job counted with no records", outside_job_folder)});
    } else if (!log.fd || !read_whole_fd(log.fd.get(), scratch.buffers[k], size)) {
      st.issues.push_back({{path, 0}, "cannot read the log; job counted with no records"});
      size = 0;
    } else if (size == 0) {
      st.issues.push_back({{path, 0}, "empty log (job started, nothing written yet)"});
    }
    files.logs.push_back({std::move(path), {scratch.buffers[k].data(), size}});
  }
  std::string err;
  std::vector<log_issue> err_issues;
  if (!job.err_stamp.exists) {
    err_issues.push_back({{st.err_file, 0}, "missing (err left empty)"});
  } else if (auto err_log = open_in_job(opts.err_file); err_log.outside) {
    err_issues.push_back({{st.err_file, 0}, fmt::format("{}: not read (err left empty)", outside_job_folder)});
  } else if (std::size_t size = 0; !err_log.fd || !read_whole_fd(err_log.fd.get(), err, size)) {
    err_issues.push_back({{st.err_file, 0}, "cannot read (err left empty)"});
    err.clear();
  } else {
    err.resize(size);
  }
  st.has_err = !err.empty();
  // Logs and paths are arbitrary bytes: bad UTF-8 becomes U+FFFD instead of failing the dump.
  auto as_json = [](std::string text) {
    return nlohmann::json(std::move(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  // log_file is the job's log as pycls names it (COLLECT.LOG_FILE in its folder, whose name is the
  // job's id for analyze); files of a format that keeps its log elsewhere are listed in log_files.
  auto stdout_log = (shown.logs / st.name / opts.log_file).string();
  std::string err_text = as_json(std::move(err)), err_file = as_json(st.err_file), log_file = as_json(stdout_log);
  std::string log_files;
  if (files.logs.size() != 1 || files.logs.front().file != stdout_log) {
    nlohmann::json paths = nlohmann::json::array();
    for (auto& log : files.logs) paths.push_back(log.file);
    log_files = paths.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  std::vector<json_member> extra = {{"err", err_text}, {"err_file", err_file}, {"log_file", log_file}};
  if (!log_files.empty()) extra.push_back({"log_files", log_files});
  std::string stopped = stopped_early_json(st.stopped_early);
  if (!stopped.empty()) extra.push_back({"stopped_early", stopped});
  job_record record;
  job.entry.clear();
  format.write_entry(files, *scratch.format, record, job.entry, extra);
  st.records = record.records;
  st.epoch_ind = record.epoch_ind;
  st.epoch_max = record.epoch_max;
  st.issues.insert(st.issues.end(), std::make_move_iterator(record.issues.begin()),
                   std::make_move_iterator(record.issues.end()));
  st.issues.insert(st.issues.end(), std::make_move_iterator(err_issues.begin()), std::make_move_iterator(err_issues.end()));
}

/// @brief The parts of COLLECT and the folder that shape sweep.json: a cache made under others is stale.
inline std::string cache_key(const std::filesystem::path& dir, const collect_options& o, const bound_log_format& format,
                             const log_file_patterns& files) {
  nlohmann::json k = {{"dir", dir.string()},      {"log_file", o.log_file},   {"err_file", o.err_file},
                      {"tag", o.tag},             {"type_key", o.type_key},   {"epoch_key", o.epoch_key},
                      {"skip", o.skip_types},     {"progress", o.progress_type},
                      {"format", format.name()},  {"format_options", format.options_text()},
                      {"log_files", files.patterns()}};
  return k.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

/// @brief A cached job: its stamps, status and the byte range of its entry in sweep.json.
struct cached_job {
  file_stamp log_stamp, err_stamp;
  job_status status;
  std::size_t offset = 0, length = 0;
};

/// @brief The layout of a job's row in the cache (rows, not objects: it is read on every collect).
inline constexpr const char* cache_columns[] = {"name",      "log_size",  "log_mtime_ns", "err_size", "err_mtime_ns",
                                                "epoch_ind", "epoch_max", "has_err",      "records",  "offset",
                                                "length",    "issues"};

/// @brief The cache if it belongs to this sweep.json (same key, same stamp), else nothing.
inline std::unordered_map<std::string, cached_job> load_cache(const std::filesystem::path& cache_file,
                                                              const std::string& key, const file_stamp& sweep_stamp) {
  std::unordered_map<std::string, cached_job> jobs;
  std::string text;
  if (!sweep_stamp.exists || !read_file_into(cache_file.string(), text)) return jobs;
  try {
    auto c = nlohmann::json::parse(text);
    if (c.at("version") != 2 || c.at("key") != key ||
        file_stamp{true, c.at("sweep_json").at(0).get<std::int64_t>(), c.at("sweep_json").at(1).get<std::int64_t>()} !=
            sweep_stamp) {
      return jobs;
    }
    auto& rows = c.at("jobs");
    jobs.reserve(rows.size());
    for (auto& j : rows) {
      cached_job cj;
      auto& st = cj.status;
      st.name = j.at(0).get<std::string>();
      cj.log_stamp = {true, j.at(1).get<std::int64_t>(), j.at(2).get<std::int64_t>()};
      if (!j.at(3).is_null()) cj.err_stamp = {true, j.at(3).get<std::int64_t>(), j.at(4).get<std::int64_t>()};
      st.epoch_ind = j.at(5).get<std::int64_t>();
      st.epoch_max = j.at(6).get<std::int64_t>();
      st.has_err = j.at(7).get<bool>();
      st.records = j.at(8).get<std::size_t>();
      cj.offset = j.at(9).get<std::size_t>();
      cj.length = j.at(10).get<std::size_t>();
      for (auto& i : j.at(11)) {
        st.issues.push_back({{i.at(0).get<std::string>(), i.at(1).get<int>()}, i.at(2).get<std::string>()});
      }
      jobs.emplace(st.name, std::move(cj));
    }
  } catch (const nlohmann::json::exception&) {
    jobs.clear();  // an unreadable cache only costs a full collect
  }
  return jobs;
}

/// @brief Where a job's entry is in sweep.json (byte offset and length).
struct entry_range {
  std::size_t offset = 0, length = 0;
};

inline std::string cache_text(const std::string& key, const file_stamp& sweep_stamp,
                              const std::vector<collected_job>& jobs, const std::vector<entry_range>& ranges) {
  nlohmann::json rows = nlohmann::json::array();
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    auto& job = jobs[i];
    auto& st = job.status;
    nlohmann::json issues = nlohmann::json::array();
    for (auto& is : st.issues) issues.push_back({is.where.file, is.where.line, is.message});
    nlohmann::json err_size, err_mtime;
    if (job.err_stamp.exists) {
      err_size = job.err_stamp.size;
      err_mtime = job.err_stamp.mtime_ns;
    }
    rows.push_back({st.name, job.log_stamp.size, job.log_stamp.mtime_ns, err_size, err_mtime, st.epoch_ind,
                    st.epoch_max, st.has_err, st.records, ranges[i].offset, ranges[i].length, std::move(issues)});
  }
  nlohmann::json c = {{"version", 2},
                      {"key", key},
                      {"sweep_json", {sweep_stamp.size, sweep_stamp.mtime_ns}},
                      {"columns", cache_columns},
                      {"jobs", std::move(rows)}};
  return c.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

/// @brief Writes sweep.json while its jobs are still being parsed: the entries go into the
/// temporary file (then are freed) as soon as they and all before them are ready, so the 160 MB of
/// a 10,000-job sweep are written by whichever worker finds the next entries ready, not afterwards.
/// Ready entries are handed to the file together, a megabyte or so at a time: one system call
/// for many entries, none copied.
class entry_writer {
 public:
  entry_writer(const std::filesystem::path& target, std::vector<collected_job>& jobs)
      : file_(target), jobs_(jobs), ready_(jobs.size()), ranges_(jobs.size()) {
    pending_.push_back("[");
  }

  /// @brief Job i's entry (or old_entry) is final; writes what is ready unless another thread is at it.
  void ready(std::size_t i) {
    ready_[i].store(true, std::memory_order_release);
    std::unique_lock lock(m_, std::try_to_lock);
    if (lock.owns_lock()) write_ready(false);
  }

  /// @brief Once every job is ready: writes the rest, closes the list and renames the file into place.
  const std::vector<entry_range>& commit() {
    std::lock_guard lock(m_);
    write_ready(true);
    if (next_ != jobs_.size()) throw std::logic_error("entry_writer::commit before every job is ready");
    file_.write("]");
    file_.commit();
    return ranges_;
  }

 private:
  static constexpr std::size_t batch_bytes = std::size_t{1} << 20;

  /// @brief Queues the entries ready in order; writes the queue once it holds a batch (or `all`).
  void write_ready(bool all) {
    while (next_ < jobs_.size() && ready_[next_].load(std::memory_order_acquire)) {
      auto& job = jobs_[next_];
      if (next_ > 0) {
        pending_.push_back(",");
        ++offset_;
      }
      std::string_view entry = job.entry.empty() ? job.old_entry : std::string_view(job.entry);
      pending_.push_back(entry);
      ranges_[next_++] = {offset_, entry.size()};
      offset_ += entry.size();
      pending_bytes_ += entry.size();
      if (pending_bytes_ >= batch_bytes) flush();
    }
    if (all) flush();
  }

  /// @brief Writes the queued entries and frees them.
  void flush() {
    file_.write(pending_);
    pending_.clear();
    pending_bytes_ = 0;
    for (; written_ < next_; ++written_) std::string().swap(jobs_[written_].entry);
  }

  atomic_file file_;
  std::vector<collected_job>& jobs_;
  std::vector<std::atomic<bool>> ready_;
  std::vector<entry_range> ranges_;
  std::vector<std::string_view> pending_;  // what is queued for the file, in order
  std::size_t pending_bytes_ = 0;
  std::mutex m_;
  std::size_t next_ = 0, offset_ = 1;  // the next entry to queue, and where it goes
  std::size_t written_ = 0;            // entries before it are in the file (and freed)
};

/// @brief The started jobs: folders of logs/ holding the log file, sorted by name like pycls.
inline std::vector<std::string> job_names(const std::filesystem::path& logs_dir) {
  std::vector<std::string> names;
  for (auto& entry : std::filesystem::directory_iterator(logs_dir)) {
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

/// @brief Counts cfgs/*.yaml (the sweep's N).
inline std::size_t count_configs(const std::filesystem::path& cfgs_dir) {
  std::size_t n = 0;
  for (auto& entry : std::filesystem::directory_iterator(cfgs_dir)) {
    if (entry.path().extension() == ".yaml") ++n;
  }
  return n;
}

}  // namespace detail

/// @brief What delete_checkpoints did in one job's folder.
struct checkpoint_cleanup {
  std::size_t deleted = 0;
  bool outside = false;  // the checkpoint folder resolves outside the job's folder: nothing deleted
};

namespace detail {

/// @brief delete_checkpoints in the job folder open as `job_fd` (named `job_dir`): the checkpoint
/// folder is opened inside it (open_inside) and its files are removed through that descriptor, so
/// no symlink swapped in while this runs can lead a deletion outside.
inline checkpoint_cleanup delete_checkpoints_in(int job_fd, const std::filesystem::path& job_dir,
                                                std::string_view checkpoint_dir, std::string_view keep,
                                                std::string_view prefix) {
  checkpoint_cleanup out;
  if (keep == "all" || prefix.empty()) return out;
  auto folder = open_inside(job_fd, job_dir, checkpoint_dir, O_RDONLY | O_DIRECTORY);
  out.outside = folder.outside;
  if (!folder.fd) return out;  // outside, or no checkpoint folder
  // fdopendir takes the descriptor over: hand it a copy, deletions go through `folder`.
  unique_fd copy(::fcntl(folder.fd.get(), F_DUPFD_CLOEXEC, 0));
  std::unique_ptr<DIR, int (*)(DIR*)> listing(copy ? ::fdopendir(copy.get()) : nullptr, ::closedir);
  if (!listing) return out;
  (void)copy.release();  // the listing closes it now
  std::vector<std::string> files;
  while (auto* entry = ::readdir(listing.get())) {
    std::string_view name = entry->d_name;
    if (name == "." || name == ".." || name.find(prefix) == std::string_view::npos) continue;
    struct stat st {};
    bool folder_entry = entry->d_type == DT_DIR ||
                        (entry->d_type == DT_UNKNOWN && ::fstatat(folder.fd.get(), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                         S_ISDIR(st.st_mode));
    if (!folder_entry) files.emplace_back(name);  // pycls's os.remove refuses folders too
  }
  std::sort(files.begin(), files.end());
  if (keep == "last" && !files.empty()) files.pop_back();
  for (auto& f : files) out.deleted += ::unlinkat(folder.fd.get(), f.c_str(), 0) == 0 ? 1 : 0;  // a symlink: the link
  return out;
}

}  // namespace detail

/// @brief pycls's checkpoint.delete_checkpoints, in job folder `job_dir`'s `checkpoint_dir`: removes the files
/// whose name contains `prefix`, all of them (keep "none") or all but the last by name (keep "last").
/// Deletes nothing outside `job_dir`: the folder must pass relative_path_problem and, symlinks resolved, lie
/// inside `job_dir` (else `outside`), checked as it is opened; folders in it are left alone, and a symlink in
/// it is removed itself, never what it points to. An empty prefix, which would name every file, deletes nothing.
inline checkpoint_cleanup delete_checkpoints(const std::filesystem::path& job_dir, std::string_view checkpoint_dir,
                                             std::string_view keep, std::string_view prefix = "model_epoch_") {
  auto job = open_folder(job_dir);
  if (!job) return {};
  return detail::delete_checkpoints_in(job.get(), job_dir, checkpoint_dir, keep, prefix);
}

namespace detail {

/// @brief Each COLLECT.<NAME> section names a registered log format, whose keys it checks
/// (bound, even when COLLECT.FORMAT picks another, so a typo there is found now).
inline void check_log_format_sections(const sweep_config& cfg) {
  check_component_sections(cfg, cfg.collect.extensions, "COLLECT", log_formats());
  for (auto& name : log_formats().names()) {
    if (component_section(cfg.collect.extensions, name) == nullptr) continue;
    auto probe = cfg.collect;
    probe.format = name;
    (void)bind_log_format(probe, cfg.file);
  }
}

/// @brief collect_dir with the format already bound.
inline collect_result collect_with(const std::filesystem::path& dir, const collect_options& opts,
                                   const bound_log_format& format, const collect_run_options& run) {
  sweep_layout layout(dir);  // COLLECT's values were checked by the caller (check_collect_options)
  std::optional<sweep_lock> in_use;  // a setup must not replace the configs while they are counted
  if (run.write) in_use.emplace(layout, sweep_access::shared, "collect");
  shown_paths shown(layout, dir);
  collect_result result;
  result.sweep_dir = dir;
  result.sweep_file = shown.of(layout.sweep_file(), layout);
  auto cfgs_dir = shown.cfgs;
  auto logs_dir = shown.logs;
  if (!std::filesystem::is_directory(cfgs_dir)) throw error({cfgs_dir.string(), 0}, {}, "cfgs folder not found (run setup first)");
  if (!std::filesystem::is_directory(logs_dir)) throw error({logs_dir.string(), 0}, {}, "logs folder not found (launch the sweep first)");
  result.num_configs = count_configs(cfgs_dir);
  log_file_patterns patterns(format.log_files(opts), fmt::format("COLLECT.FORMAT ({})", format.name()));

  std::vector<collected_job> jobs;
  auto logs_fd = open_folder(logs_dir);
  if (!logs_fd) throw error({logs_dir.string(), 0}, {}, fmt::format("cannot open the logs folder: {}", std::strerror(errno)));
  std::size_t threads = run.threads;
  if (threads == 0) threads = std::max<std::size_t>(1, std::thread::hardware_concurrency());
  auto names = job_names(logs_dir);
  std::vector<collected_job> found(names.size());
  parallel_for(names.size(), threads, {}, [&](std::size_t i, no_scratch&) {
    auto& job = found[i];
    job.status.name = std::move(names[i]);
    auto& name = job.status.name;
    job.log_stamp = patterns.find(name, logs_dir, logs_fd.get(), job.files);
    if (job.log_stamp.exists) job.err_stamp = stamp_of(name + '/' + opts.err_file, logs_fd.get());
    job.status.log_file = (logs_dir / (job.files.empty() ? name + '/' + patterns.patterns().front() : job.files.back())).string();
    job.status.err_file = (logs_dir / name / opts.err_file).string();
    // Early stopping's own mark, read where it stays inside logs/.
    auto stopped = open_inside(logs_fd.get(), logs_dir, name + '/' + std::string(job_folder::stopped_early_file), O_RDONLY);
    if (stopped.fd) job.status.stopped_early = first_line_of_fd(stopped.fd.get());
  });
  for (auto& job : found) {
    auto& name = job.status.name;
    if (!job.log_stamp.exists) {
      // Not started (pycls leaves it out too); a cfg-index folder without its log is worth a word.
      bool cfg_index = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (cfg_index) result.issues.push_back({{job.status.log_file, 0}, "missing: job not counted as started"});
      continue;
    }
    jobs.push_back(std::move(job));
  }

  // Reuse what the cache knows about unchanged logs.
  auto cache_file = layout.collect_cache_file();
  auto key = cache_key(dir, opts, format, patterns);
  auto sweep_stamp = stamp_of(result.sweep_file.string());
  std::unordered_map<std::string, cached_job> cache;
  if (run.incremental) cache = load_cache(cache_file, key, sweep_stamp);
  std::vector<std::size_t> todo;
  std::string old_sweep;
  bool old_loaded = false;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    auto& job = jobs[i];
    auto it = cache.find(job.status.name);
    if (it == cache.end() || it->second.log_stamp != job.log_stamp || it->second.err_stamp != job.err_stamp) {
      todo.push_back(i);
      continue;
    }
    auto& c = it->second;
    job.status.epoch_ind = c.status.epoch_ind;
    job.status.epoch_max = c.status.epoch_max;
    job.status.has_err = c.status.has_err;
    job.status.records = c.status.records;
    job.status.issues = std::move(c.status.issues);
  }
  // Unchanged job list and logs: sweep.json is already right (never assumed by a full collect).
  bool unchanged = run.incremental && todo.empty() && cache.size() == jobs.size() && sweep_stamp.exists;
  if (run.write && !unchanged && todo.size() < jobs.size()) {
    old_loaded = read_file_into(result.sweep_file.string(), old_sweep) &&
                 static_cast<std::int64_t>(old_sweep.size()) == sweep_stamp.size;
    for (std::size_t i = 0, t = 0; i < jobs.size(); ++i) {
      if (t < todo.size() && todo[t] == i) {
        ++t;
        continue;
      }
      auto& c = cache.at(jobs[i].status.name);
      if (old_loaded && c.offset + c.length <= old_sweep.size()) {
        jobs[i].old_entry = std::string_view(old_sweep).substr(c.offset, c.length);
      } else {
        todo.insert(std::lower_bound(todo.begin(), todo.end(), i), i);  // cannot splice: parse it again
        ++t;
      }
    }
  }

  std::optional<entry_writer> writer;
  if (run.write && !unchanged) {
    remove_stale_temporaries(result.sweep_file);  // left by a collect that was killed
    remove_stale_temporaries(cache_file);
    writer.emplace(result.sweep_file, jobs);
    for (std::size_t i = 0, t = 0; i < jobs.size(); ++i) {
      if (t < todo.size() && todo[t] == i) {
        ++t;
      } else {
        writer->ready(i);  // spliced from the old sweep.json
      }
    }
  }
  parallel_for<collect_scratch>(todo.size(), threads, run.progress, [&](std::size_t t, collect_scratch& scratch) {
    collect_job(jobs[todo[t]], opts, format, shown, logs_fd.get(), scratch);
    if (writer) writer->ready(todo[t]);
  });
  result.reparsed = todo.size();

  if (writer) {
    auto& ranges = writer->commit();
    result.written = true;
    auto new_stamp = stamp_of(result.sweep_file.string());
    auto text = cache_text(key, new_stamp, jobs, ranges);
    write_file_atomic(cache_file, std::string_view(text));
  }
  if (run.write && run.delete_checkpoints && opts.checkpoints_keep != "all") {
    // After sweep.json is safe, like pycls.
    std::atomic<std::size_t> deleted{0};
    std::vector<char> outside(jobs.size(), 0);
    parallel_for(jobs.size(), threads, {}, [&](std::size_t i, no_scratch&) {
      auto& name = jobs[i].status.name;
      auto dir_name = name + '/' + opts.checkpoint_dir;
      if (!is_folder(dir_name, logs_fd.get())) return;  // the common case: no checkpoints
      auto folder = open_inside(logs_fd.get(), logs_dir, name, O_RDONLY | O_DIRECTORY);
      if (!folder.fd) {
        outside[i] = folder.outside ? 1 : 0;
        return;
      }
      auto done = delete_checkpoints_in(folder.fd.get(), logs_dir / name, opts.checkpoint_dir, opts.checkpoints_keep,
                                        opts.checkpoint_prefix);
      deleted += done.deleted;
      outside[i] = done.outside ? 1 : 0;
    });
    result.checkpoints_deleted = deleted;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      if (outside[i] == 0) continue;
      result.issues.push_back({{(logs_dir / jobs[i].status.name / opts.checkpoint_dir).string(), 0},
                               fmt::format("{}: no checkpoints deleted there", outside_job_folder)});
    }
  }
  result.jobs.reserve(jobs.size());
  for (auto& job : jobs) result.jobs.push_back(std::move(job.status));
  return result;
}

}  // namespace detail

/// @brief One job's record as collect makes it (its log files read through the format, epoch series in
/// `data`), for readers of a job that still runs, such as early stopping; no types when it has no log yet.
inline job_record read_job_record(const sweep_layout& layout, std::int64_t index, const collect_options& opts,
                                  const bound_log_format& format) {
  detail::log_file_patterns patterns(format.log_files(opts), "COLLECT.FORMAT");
  job_files job;
  job.name = sweep_layout::job_name(index);
  job.dir = layout.job_dir(index);
  job.cfg_file = layout.cfgs_dir() / (job.name + ".yaml");
  job.collect = &opts;
  std::vector<std::string> files;
  auto logs = open_folder(layout.logs_dir());
  patterns.find(job.name, layout.logs_dir(), logs.get(), files);
  auto folder = open_inside(logs.get(), layout.logs_dir(), job.name, O_RDONLY | O_DIRECTORY);
  std::vector<std::string> texts(files.size());
  for (std::size_t k = 0; k < files.size() && folder.fd; ++k) {
    // Like collect: only what stays inside the job's folder is read.
    auto log = open_inside(folder.fd.get(), job.dir, std::string_view(files[k]).substr(job.name.size() + 1), O_RDONLY);
    std::size_t size = 0;
    if (!log.fd || !read_whole_fd(log.fd.get(), texts[k], size)) continue;
    texts[k].resize(size);
    job.logs.push_back({(layout.logs_dir() / files[k]).string(), texts[k]});
  }
  job_record record;
  if (!job.logs.empty()) format.read(job, record);
  return record;
}

/// @brief Collects the sweep in `dir` (ROOT_DIR/NAME): reads each job's log files (logs/*/...,
/// as the log format COLLECT.FORMAT names them) on `run.threads` threads, writes sweep.json and
/// the cache atomically, then deletes checkpoints per opts.checkpoints_keep. Bad records are
/// reported in the result, never fatal.
inline collect_result collect_dir(const std::filesystem::path& dir, const collect_options& opts,
                                  const collect_run_options& run = {}) {
  sweep_config cfg;
  cfg.collect = opts;
  check_collect_options(cfg);
  detail::check_log_format_sections(cfg);
  auto format = bind_log_format(opts);
  return detail::collect_with(dir, opts, *format, run);
}

/// @brief Collects a sweep (see collect_dir) with the sweep config's COLLECT options and NUM_PROC
/// threads, after checking the values it uses (ROOT_DIR, NAME, NUM_PROC, COLLECT, the log format
/// and its section): errors name the config's file, line and key.
inline collect_result collect(const sweep_config& cfg, collect_run_options run = {}) {
  check_common_options(cfg);
  check_collect_options(cfg);
  detail::check_log_format_sections(cfg);
  auto format = bind_log_format(cfg.collect, cfg.file, config_checker(cfg).where("COLLECT.FORMAT"));
  if (run.threads == 0) run.threads = static_cast<std::size_t>(std::max<std::int64_t>(1, cfg.num_proc));
  try {
    return detail::collect_with(sweep_dir(cfg), cfg.collect, *format, run);
  } catch (const error& e) {
    if (!e.key_path().empty() && e.where().file.empty() && !cfg.file.empty()) {
      throw error(config_checker(cfg).where(e.key_path()), e.key_path(), e.message());
    }
    throw;
  }
}

/// @brief The sweep's status without changing anything (for `sweep status`): the cache where it
/// is fresh, the logs elsewhere; print it with status_line / format_status_table.
inline collect_result read_status(const sweep_config& cfg, collect_run_options run = {}) {
  run.write = false;
  return collect(cfg, std::move(run));
}

}  // namespace sweep
// ---- end sweep/collect/collect.hpp ----

// ---- begin sweep/collect/json_stats.hpp ----
// A tiny logging helper for job programs: writes `json_stats: {...}` lines in
// pycls's exact format (pycls/core/logging.py: dump_log_data), so any C++
// experiment's stdout.log can be collected and analysed like a pycls job.



#include <ostream>

namespace sweep {

namespace detail {

/// @brief pycls's float_to_decimal: "{:.4f}" then Decimal, so NaN/inf print as NaN/Infinity.
inline void append_fixed_float(std::string& out, double x, int precision) {
  if (std::isnan(x)) {
    out += "NaN";
  } else if (std::isinf(x)) {
    out += x > 0 ? "Infinity" : "-Infinity";
  } else {
    fmt::format_to(std::back_inserter(out), "{:.{}f}", x, precision);
  }
}

/// @brief A float as simplejson prints a Python float (repr; NaN and Infinity as Python's json does).
inline void append_repr_float(std::string& out, double x) {
  if (std::isnan(x)) {
    out += "NaN";
  } else if (std::isinf(x)) {
    out += x > 0 ? "Infinity" : "-Infinity";
  } else {
    out += python_float_repr(x);
  }
}

/// @brief simplejson.dumps(sort_keys=True) of `j`; floats reached through maps only are fixed
/// to `precision` decimals (pycls's float_to_decimal recurses into dicts, not lists); -1: repr.
template <class Json>
void append_pycls_json(std::string& out, const Json& j, int precision) {
  switch (j.type()) {
    case nlohmann::json::value_t::object: {
      std::vector<std::pair<std::string_view, const Json*>> items;
      items.reserve(j.size());
      for (auto it = j.begin(); it != j.end(); ++it) items.emplace_back(it.key(), &it.value());
      std::sort(items.begin(), items.end(), [](auto& a, auto& b) { return a.first < b.first; });
      out += '{';
      bool first = true;
      for (auto& [key, child] : items) {
        if (!first) out += ", ";
        first = false;
        out += Json(std::string(key)).dump(-1, ' ', true, Json::error_handler_t::replace);
        out += ": ";
        append_pycls_json(out, *child, precision);
      }
      out += '}';
      return;
    }
    case nlohmann::json::value_t::array: {
      out += '[';
      bool first = true;
      for (auto& child : j) {
        if (!first) out += ", ";
        first = false;
        append_pycls_json(out, child, -1);
      }
      out += ']';
      return;
    }
    case nlohmann::json::value_t::number_float:
      if (precision >= 0) {
        append_fixed_float(out, j.template get<double>(), precision);
      } else {
        append_repr_float(out, j.template get<double>());
      }
      return;
    default:
      // Strings (ASCII-escaped like Python's ensure_ascii), integers, bools, null.
      out += j.dump(-1, ' ', true, Json::error_handler_t::replace);
      return;
  }
}

}  // namespace detail

/// @brief Writes pycls-format `json_stats: {...}` lines (one flushed write per record) to a stream.
class json_stats_writer {
 public:
  /// @brief The tag pycls's collect looks for in each log line.
  static constexpr std::string_view tag = "json_stats: ";

  /// @brief Writes to `out` (for example std::cout when the launcher captures stdout.log).
  explicit json_stats_writer(std::ostream& out) : out_(&out) {}

  /// @brief The job's whole config (`_type: cfg`); floats as Python repr, like pycls (prec=None).
  void cfg(const nlohmann::json& config) {
    nlohmann::json fields = config.is_object() ? config : nlohmann::json::object();
    fields["_type"] = "cfg";
    emit(fields, -1);
  }

  /// @brief The model's complexity (`_type: complexity`): flops, params, acts.
  void complexity(std::int64_t flops, std::int64_t params, std::int64_t acts) {
    write("complexity", {{"flops", flops}, {"params", params}, {"acts", acts}}, precision);
  }

  /// @brief An epoch record (e.g. train_epoch, test_epoch); `epoch` is 1-based and becomes "i/max".
  void epoch(std::string_view type, int epoch, int max_epoch, nlohmann::ordered_json fields) {
    if (!fields.is_object()) fields = nlohmann::ordered_json::object();
    fields["epoch"] = fmt::format("{}/{}", epoch, max_epoch);
    write(type, std::move(fields), precision);
  }

  /// @brief Any other record (e.g. epoch_times); floats fixed to 4 decimals like pycls.
  void record(std::string_view type, nlohmann::ordered_json fields) {
    if (!fields.is_object()) fields = nlohmann::ordered_json::object();
    write(type, std::move(fields), precision);
  }

  /// @brief The line `record(type, fields)` writes, without the newline (for tests and custom sinks).
  [[nodiscard]] static std::string format_line(std::string_view type, nlohmann::ordered_json fields,
                                               int float_precision = precision) {
    if (!fields.is_object()) fields = nlohmann::ordered_json::object();
    fields["_type"] = std::string(type);
    std::string line(tag);
    detail::append_pycls_json(line, fields, float_precision);
    return line;
  }

  /// @brief Decimals pycls keeps for floats in stats records (dump_log_data's prec).
  static constexpr int precision = 4;

 private:
  void write(std::string_view type, nlohmann::ordered_json fields, int float_precision) {
    fields["_type"] = std::string(type);
    emit(fields, float_precision);
  }

  template <class Json>
  void emit(const Json& fields, int float_precision) {
    std::string line(tag);
    detail::append_pycls_json(line, fields, float_precision);
    line += '\n';
    // One write per line so a reader (or a crash) never sees half a record from us.
    out_->write(line.data(), static_cast<std::streamsize>(line.size()));
    out_->flush();
  }

  std::ostream* out_;
};

}  // namespace sweep
// ---- end sweep/collect/json_stats.hpp ----
// ---- end sweep/collect.hpp ----

// ---- begin sweep/early_stop.hpp ----
// Early stopping (docs/early_stopping.md): ASHA's rule, its decisions as files
// in the sweep folder, and `sweep simulate`'s replay on a collected sweep.


// ---- begin sweep/early_stop/asha.hpp ----
// Asynchronous successive halving (ASHA, Li et al. 2018) as a rule on numbers:
// where the rungs are, and whether a job that reached a rung goes on. It knows
// no files: early_stop/decisions.hpp applies it to a sweep folder, and
// early_stop/simulate.hpp to a collected sweep.json.




namespace sweep {

/// @brief EARLY_STOP read for deciding: the metric (record, field), its direction and the rungs.
struct asha_policy {
  std::string record;  // e.g. test_ema_epoch
  std::string field;   // e.g. min_top1_err
  bool maximize = false;
  std::int64_t min_epochs = 1;
  std::int64_t eta = 3;
  std::int64_t num_rungs = 0;  // 0: every rung below a job's last epoch

  /// @brief From a checked config (check_early_stop_options): EARLY_STOP.METRIC, or else ANALYZE.ERROR.
  static asha_policy from(const sweep_config& cfg) {
    const auto& e = cfg.early_stop;
    const auto& metric = e.metric.empty() ? cfg.analyze.error : e.metric;
    auto dot = metric.find('.');
    return {metric.substr(0, dot), metric.substr(dot + 1), e.mode == "max", e.min_epochs, e.reduction_factor, e.num_rungs};
  }

  [[nodiscard]] std::string metric() const { return record + "." + field; }

  /// @brief The epochs of the rungs a job of `epoch_max` epochs meets, in order: MIN_EPOCHS * eta^r below
  /// epoch_max (a job at its last epoch has nothing left to save), at most NUM_RUNGS of them.
  [[nodiscard]] std::vector<std::int64_t> rungs(std::int64_t epoch_max) const {
    std::vector<std::int64_t> out;
    for (std::int64_t e = min_epochs; e < epoch_max && (num_rungs == 0 || static_cast<std::int64_t>(out.size()) < num_rungs);
         e *= eta) {
      out.push_back(e);
      if (e > std::numeric_limits<std::int64_t>::max() / eta) break;
    }
    return out;
  }

  /// @brief A value in the direction "lower is better": NaN (a diverged job, a missing value) is the worst.
  [[nodiscard]] double cost(double value) const {
    if (std::isnan(value)) return std::numeric_limits<double>::infinity();
    return maximize ? -value : value;
  }
};

/// @brief A rung's verdict on one job.
struct asha_verdict {
  bool promoted = false;
  std::size_t rank = 0;     // 1-based among the jobs at the rung (ties share the better rank)
  std::size_t kept = 0;     // how many of them go on: max(1, n / eta)
  std::size_t reached = 0;  // n: the jobs at the rung so far, this one included
};

/// @brief Whether a job with `value` at a rung goes on, among `others` (the values of the jobs that reached the
/// rung before it): it must be in the top n / eta of the n jobs there; while n < eta, only a job at least as good
/// as every other goes on (Optuna's SuccessiveHalvingPruner rule: a job is never paused to wait for more).
inline asha_verdict asha_decide(const asha_policy& p, double value, const std::vector<double>& others) {
  asha_verdict v;
  v.reached = others.size() + 1;
  v.kept = std::max<std::size_t>(1, v.reached / static_cast<std::size_t>(p.eta));
  auto mine = p.cost(value);
  v.rank = 1 + static_cast<std::size_t>(std::count_if(others.begin(), others.end(), [&](double o) { return p.cost(o) < mine; }));
  v.promoted = v.rank <= v.kept && !std::isinf(mine);
  return v;
}

/// @brief Why a job stops at a rung, as STOPPED_EARLY and the job's stderr.log say it.
inline std::string asha_stop_reason(const asha_policy& p, std::size_t rung, std::int64_t epoch, double value,
                                    const asha_verdict& v) {
  return fmt::format("rung {} epoch {}: {} {} ranks {} of the {} jobs at this rung; the best {} go on (REDUCTION_FACTOR {})",
                     rung, epoch, p.metric(), value, v.rank, v.reached, v.kept, p.eta);
}

}  // namespace sweep
// ---- end sweep/early_stop/asha.hpp ----

// ---- begin sweep/early_stop/decisions.hpp ----
// Early stopping from files alone: whatever runs a job (the local launcher,
// `sweep job` in a SLURM task, `sweep sge-task`) looks at the job's log as
// collect reads it, and at each rung the job reaches, decides under a lock on
// the sweep folder whether it goes on. Each decision is a file written
// atomically, early_stop/rung_R/NNNNNN.json, made once and never changed, so a
// requeued task, a second launch and `sweep status` all see the same ones; a
// stopped job's STOPPED_EARLY (launch/job_state.hpp) ends it for good.
// early_stop/policy.yaml holds the EARLY_STOP and COLLECT keys a launch used,
// for cluster tasks, which get no sweep config.




namespace sweep {

/// @brief One decision file: a job's value at a rung and what was decided.
struct rung_decision {
  std::int64_t job = 0;
  std::size_t rung = 0;
  std::int64_t epoch = 0;
  double value = std::numeric_limits<double>::quiet_NaN();
  std::string decision;  // continue | stop | passed (the job ended before it was looked at: its value still counts)
  std::string reason;    // for stop: what STOPPED_EARLY says

  [[nodiscard]] nlohmann::json to_json() const {
    nlohmann::json v = std::isnan(value) ? nlohmann::json() : nlohmann::json(value);
    return {{"job", job}, {"rung", rung}, {"epoch", epoch}, {"value", v}, {"decision", decision}, {"reason", reason}};
  }
  static std::optional<rung_decision> from_file(const std::filesystem::path& file) {
    std::string text;
    if (!read_file_into(file.string(), text)) return std::nullopt;
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object()) return std::nullopt;
    rung_decision d;
    d.job = j.value("job", std::int64_t{0});
    d.rung = j.value("rung", std::size_t{0});
    d.epoch = j.value("epoch", std::int64_t{0});
    auto v = j.find("value");
    if (v != j.end() && v->is_number()) d.value = v->get<double>();
    d.decision = j.value("decision", std::string());
    d.reason = j.value("reason", std::string());
    return d;
  }
};

/// @brief The decision files of one sweep folder.
class early_stop_store {
 public:
  explicit early_stop_store(sweep_layout layout) : layout_(std::move(layout)) {}

  [[nodiscard]] const sweep_layout& layout() const noexcept { return layout_; }
  [[nodiscard]] std::filesystem::path dir() const { return layout_.early_stop_dir(); }
  [[nodiscard]] std::filesystem::path policy_file() const { return dir() / "policy.yaml"; }
  [[nodiscard]] std::filesystem::path rung_dir(std::size_t rung) const { return dir() / fmt::format("rung_{}", rung); }
  [[nodiscard]] std::filesystem::path file(std::size_t rung, std::int64_t job) const {
    return rung_dir(rung) / (sweep_layout::job_name(job) + ".json");
  }

  [[nodiscard]] std::optional<rung_decision> find(std::size_t rung, std::int64_t job) const {
    return rung_decision::from_file(file(rung, job));
  }

  /// @brief Every decision at a rung, by job.
  [[nodiscard]] std::vector<rung_decision> at_rung(std::size_t rung) const {
    std::vector<rung_decision> out;
    std::error_code ec;
    for (auto& entry : std::filesystem::directory_iterator(rung_dir(rung), ec)) {
      if (entry.path().extension() != ".json") continue;
      if (auto d = rung_decision::from_file(entry.path())) out.push_back(std::move(*d));
    }
    std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.job < b.job; });
    return out;
  }

  /// @brief Every decision of every rung, rung by rung.
  [[nodiscard]] std::vector<rung_decision> all() const {
    std::vector<rung_decision> out;
    for (std::size_t r = 0; path_exists(rung_dir(r)); ++r) {
      auto here = at_rung(r);
      out.insert(out.end(), here.begin(), here.end());
    }
    return out;
  }

  /// @brief Writes STOPPED_EARLY for each stop decision whose job lacks it (a runner that died between the two
  /// writes): a relaunch then runs no stopped job again. Returns how many it wrote.
  std::size_t reconcile() const {
    std::size_t n = 0;
    for (auto& d : all()) {
      job_folder job(layout_, d.job);
      if (d.decision != "stop" || job.stopped_early()) continue;
      job.mark_stopped_early(d.reason);
      ++n;
    }
    return n;
  }

  /// @brief Makes (or reads) job `job`'s decision at `rung`, under the store's lock: once written, a decision
  /// is what every later look gets. `ended`: the job finished before it was looked at (recorded as passed).
  rung_decision decide(const asha_policy& p, std::size_t rung, std::int64_t job, std::int64_t epoch, double value,
                       bool ended) const {
    if (auto d = find(rung, job)) return *d;
    std::filesystem::create_directories(rung_dir(rung));
    // The lock is short (a directory read and one write); the wait stays bounded however many runners meet here.
    std::optional<file_lock> lock;
    for (int tries = 0; tries < 6000; ++tries) {
      lock.emplace(dir() / ".lock", true);
      if (lock->locked()) break;
      lock.reset();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!lock) throw error({(dir() / ".lock").string(), 0}, "", "early stopping: the decision lock stayed taken for a minute");
    if (auto d = find(rung, job)) return *d;
    std::vector<double> others;
    for (auto& d : at_rung(rung)) others.push_back(d.value);
    auto v = asha_decide(p, value, others);
    rung_decision d{job, rung, epoch, value, ended ? "passed" : v.promoted ? "continue" : "stop", {}};
    if (d.decision == "stop") d.reason = asha_stop_reason(p, rung, epoch, value, v);
    write_file_atomic(file(rung, job), d.to_json().dump() + "\n");
    return d;
  }

 private:
  sweep_layout layout_;
};

/// @brief What a running job's log says at its rungs: (epoch, value) of the policy's metric, in epoch order.
struct job_progress {
  std::int64_t epoch_max = 0;  // 0: no record of the metric's type yet
  std::vector<std::pair<std::int64_t, double>> points;

  /// @brief The value at epoch `e` (the latest record at or before it); nothing before the job got there.
  [[nodiscard]] std::optional<double> at(std::int64_t e) const {
    std::optional<double> out;
    for (auto& [epoch, value] : points) {
      if (epoch <= e) out = value;
    }
    if (points.empty() || points.back().first < e) return std::nullopt;
    return out;
  }
};

/// @brief The policy's series of one job's record (sweep.json's columns: field, epoch_ind, epoch_max).
inline job_progress progress_of(const asha_policy& p, const nlohmann::json& job) {
  job_progress out;
  auto rec = job.find(p.record);
  if (rec == job.end() || !rec->is_object()) return out;
  auto field = rec->find(p.field), ind = rec->find("epoch_ind"), max = rec->find("epoch_max");
  if (field == rec->end() || ind == rec->end() || max == rec->end() || !field->is_array() || !ind->is_array()) return out;
  for (std::size_t i = 0; i < ind->size() && i < field->size(); ++i) {
    if (!(*ind)[i].is_number()) continue;
    auto v = (*field)[i];
    double value = std::numeric_limits<double>::quiet_NaN();
    if (v.is_number()) value = v.get<double>();
    out.points.emplace_back((*ind)[i].get<std::int64_t>(), value);
  }
  std::stable_sort(out.points.begin(), out.points.end(), [](auto& a, auto& b) { return a.first < b.first; });
  if (max->is_array() && !max->empty() && max->back().is_number()) out.epoch_max = max->back().get<std::int64_t>();
  return out;
}

/// @brief The early stopping of one sweep: reads a job's log through the COLLECT format and decides at its rungs.
class early_stopper {
 public:
  /// @brief `cfg` gives EARLY_STOP, COLLECT and ANALYZE.ERROR (checked here); `layout` the sweep folder.
  early_stopper(const sweep_config& cfg, const sweep_layout& layout)
      : cfg_(cfg), policy_(asha_policy::from(cfg)), store_(layout),
        format_(bind_log_format(cfg.collect, cfg.file)) {}

  [[nodiscard]] const early_stop_store& store() const noexcept { return store_; }
  [[nodiscard]] const asha_policy& policy() const noexcept { return policy_; }

  /// @brief Looks at job `index` (see job_watch::check): decides at each rung its log reached that has no
  /// decision yet; the reason when the job stops (its STOPPED_EARLY is then written).
  std::optional<std::string> check(std::int64_t index, bool ended) const {
    job_folder job(store_.layout(), index);
    if (job.stopped_early()) return job.stopped_early_reason();
    auto record = read_job_record(store_.layout(), index, cfg_.collect, *format_);
    auto progress = progress_of(policy_, record.data);
    if (progress.epoch_max == 0) return std::nullopt;
    auto rungs = policy_.rungs(progress.epoch_max);
    for (std::size_t r = 0; r < rungs.size(); ++r) {
      auto value = progress.at(rungs[r]);
      if (!value) break;
      auto d = store_.decide(policy_, r, index, rungs[r], *value, ended);
      if (d.decision == "stop") {
        job.mark_stopped_early(d.reason);
        return d.reason;
      }
    }
    return std::nullopt;
  }

  /// @brief The watch a backend calls (period: EARLY_STOP.CHECK_PERIOD).
  [[nodiscard]] job_watch watch() const {
    auto self = std::make_shared<early_stopper>(*this);
    job_watch w;
    w.check = [self](std::int64_t index, bool ended) { return self->check(index, ended); };
    w.period = std::chrono::milliseconds(std::max<std::int64_t>(1, std::llround(cfg_.early_stop.check_period * 1000)));
    return w;
  }

 private:
  sweep_config cfg_;
  asha_policy policy_;
  early_stop_store store_;
  std::shared_ptr<const bound_log_format> format_;
};

/// @brief The keys early_stop/policy.yaml keeps: EARLY_STOP, COLLECT, ANALYZE.ERROR (and NAME, ROOT_DIR).
inline std::string early_stop_policy_yaml(const sweep_config& cfg) {
  value::map analyze;
  analyze.emplace_back("ERROR", value{cfg.analyze.error});
  value::map root;
  root.emplace_back("ROOT_DIR", value{cfg.root_dir});
  root.emplace_back("NAME", value{cfg.name});
  root.emplace_back("COLLECT", detail::schema_to_value(cfg.collect));
  root.emplace_back("ANALYZE", value{std::move(analyze)});
  root.emplace_back("EARLY_STOP", detail::schema_to_value(cfg.early_stop));
  return "# Written by `sweep launch`: the early stopping its jobs use (docs/early_stopping.md)\n" + to_yaml(value{std::move(root)}, false);
}

/// @brief What a launch of `cfg` does about early stopping before its jobs start: checks EARLY_STOP, writes
/// early_stop/policy.yaml for cluster tasks (or removes it: EARLY_STOP off), writes the STOPPED_EARLY files a
/// dead runner left unwritten; returns the watch for jobs this process runs (none when off). The sweep must
/// have been set up (a sweep that was not is left alone, for launch's own error).
inline job_watch prepare_early_stop(const sweep_config& cfg) {
  check_early_stop_options(cfg);
  sweep_layout layout(sweep_dir(cfg));
  if (!path_exists(layout.cfgs_summary_file())) return {};
  early_stop_store store(layout);
  if (path_exists(store.dir())) store.reconcile();  // decisions stand whatever this launch says
  if (!cfg.early_stop.enabled()) {
    std::error_code ec;
    std::filesystem::remove(store.policy_file(), ec);
    return {};
  }
  early_stopper stopper(cfg, layout);  // a bad COLLECT section fails here, before any job runs
  std::filesystem::create_directories(store.dir());
  write_file_atomic(store.policy_file(), early_stop_policy_yaml(cfg));
  return stopper.watch();
}

/// @brief The watch of a cluster task: from early_stop/policy.yaml in the sweep folder (none: no early stopping).
inline job_watch early_stop_watch_from_folder(const sweep_layout& layout) {
  early_stop_store store(layout);
  if (!path_exists(store.policy_file())) return {};
  auto cfg = load_sweep_config(store.policy_file());
  check_early_stop_options(cfg);
  if (!cfg.early_stop.enabled()) return {};
  return early_stopper(cfg, layout).watch();
}

}  // namespace sweep
// ---- end sweep/early_stop/decisions.hpp ----

// ---- begin sweep/early_stop/simulate.hpp ----
// `sweep simulate`: replays an early-stopping policy on a collected sweep whose
// jobs all ran to their end, to see before a launch what it would save (epochs
// run / epochs of the full sweep) and what it would keep (the full sweep's rank
// of the best job the policy lets finish, how many of the true top 5 finish).




namespace sweep {

/// @brief What the policy would have done to a fully trained sweep.
struct simulation_result {
  std::size_t jobs = 0;                 // jobs with the metric's record
  std::int64_t epochs_full = 0;         // epochs the sweep ran
  std::int64_t epochs_run = 0;          // epochs it would have run
  std::vector<std::size_t> stopped_at;  // jobs stopped at each rung
  std::size_t best_rank = 0;            // the full sweep's rank (by ANALYZE.ERROR: 1 + jobs strictly better) of the best finished job
  std::size_t top5_finished = 0;        // of the full sweep's best 5 (fewer in a smaller sweep), how many finish
  std::size_t top5 = 0;
  std::string best_job;                 // the full sweep's best job (its log_file; the first of equals)
  double best_error = 0;                // its error
  bool best_finished = false;           // a job with the full sweep's best error finishes

  [[nodiscard]] std::size_t stopped() const { return std::accumulate(stopped_at.begin(), stopped_at.end(), std::size_t{0}); }
  [[nodiscard]] double saved() const {
    return epochs_full == 0 ? 0.0 : 1.0 - static_cast<double>(epochs_run) / static_cast<double>(epochs_full);
  }
};

namespace detail {

/// @brief ANALYZE.ERROR of one job of sweep.json: the field's value, a list reduced by its minimum (NaN: none).
inline double job_error(const nlohmann::json& job, const std::string& error) {
  auto dot = error.find('.');
  auto rec = job.find(error.substr(0, dot));
  double best = std::numeric_limits<double>::quiet_NaN();
  if (rec == job.end() || !rec->is_object()) return best;
  auto f = rec->find(error.substr(dot + 1));
  if (f == rec->end()) return best;
  auto take = [&](const nlohmann::json& v) {
    if (v.is_number() && (std::isnan(best) || v.get<double>() < best)) best = v.get<double>();
  };
  if (f->is_array()) {
    for (auto& v : *f) take(v);
  } else {
    take(*f);
  }
  return best;
}

}  // namespace detail

/// @brief Replays `p` on the jobs of a sweep.json as the local launcher would run them: `parallel` at a time in
/// job order, one time unit per epoch, each rung decided with the jobs that reached it earlier (ties in time:
/// lower job index first). `error_key` (ANALYZE.ERROR) ranks the full sweep.
inline simulation_result simulate_early_stop(const asha_policy& p, const nlohmann::json& sweep, const std::string& error_key,
                                             std::size_t parallel) {
  struct sim_job {
    job_progress progress;
    std::vector<std::int64_t> rungs;
    double error = 0;
    std::string name;
    std::int64_t last = 0;  // epochs the full sweep ran
    std::int64_t start = 0;
    std::size_t next = 0;   // next rung
    bool stopped = false;
  };
  std::vector<sim_job> jobs;
  for (auto& j : sweep) {
    sim_job s;
    s.progress = progress_of(p, j);
    if (s.progress.epoch_max == 0 || s.progress.points.empty()) continue;
    s.rungs = p.rungs(s.progress.epoch_max);
    s.error = detail::job_error(j, error_key);
    s.last = s.progress.points.back().first;
    s.name = j.value("log_file", std::string());
    jobs.push_back(std::move(s));
  }
  if (jobs.empty()) throw error(fmt::format("no job of the sweep has epochs of {}: expected a sweep.json whose jobs log it", p.metric()));
  simulation_result out;
  out.jobs = jobs.size();
  std::vector<std::vector<double>> at_rung;
  std::vector<std::size_t> running;
  std::size_t started = 0;
  std::int64_t now = 0;
  parallel = std::max<std::size_t>(1, parallel);
  auto start_more = [&] {
    while (running.size() < parallel && started < jobs.size()) {
      jobs[started].start = now;
      running.push_back(started++);
    }
  };
  start_more();
  while (!running.empty()) {
    // the next event: a job reaching its next rung, or ending
    std::size_t pick = 0;
    std::int64_t next_time = std::numeric_limits<std::int64_t>::max();
    for (std::size_t k = 0; k < running.size(); ++k) {
      auto& s = jobs[running[k]];
      auto t = s.start + (s.next < s.rungs.size() && s.rungs[s.next] < s.last ? s.rungs[s.next] : s.last);
      if (t < next_time || (t == next_time && running[k] < running[pick])) {
        next_time = t;
        pick = k;
      }
    }
    now = next_time;
    auto& s = jobs[running[pick]];
    bool ends = true;
    if (s.next < s.rungs.size() && s.rungs[s.next] < s.last) {
      auto r = s.next++;
      if (at_rung.size() <= r) at_rung.resize(r + 1);
      auto value = s.progress.at(s.rungs[r]).value_or(std::numeric_limits<double>::quiet_NaN());
      auto v = asha_decide(p, value, at_rung[r]);
      at_rung[r].push_back(value);
      if (!v.promoted) {
        s.stopped = true;
        if (out.stopped_at.size() <= r) out.stopped_at.resize(r + 1);
        ++out.stopped_at[r];
        out.epochs_run += s.rungs[r];
      } else {
        ends = false;
      }
    } else {
      out.epochs_run += s.last;
    }
    if (ends) {
      running.erase(running.begin() + static_cast<std::ptrdiff_t>(pick));
      start_more();
    }
  }
  for (auto& s : jobs) out.epochs_full += s.last;
  std::vector<std::size_t> order(jobs.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  auto cost = [](double e) { return std::isnan(e) ? std::numeric_limits<double>::infinity() : e; };
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return cost(jobs[a].error) < cost(jobs[b].error); });
  out.top5 = std::min<std::size_t>(5, order.size());
  // Ranks count the jobs strictly better: jobs with equal errors (a small test set) share a rank.
  std::size_t rank = 0;
  for (std::size_t k = 0; k < order.size(); ++k) {
    auto& s = jobs[order[k]];
    if (k == 0 || cost(s.error) > cost(jobs[order[k - 1]].error)) rank = k + 1;
    if (k == 0) {
      out.best_job = s.name;
      out.best_error = s.error;
    }
    if (!s.stopped && out.best_rank == 0) out.best_rank = rank;
    if (k < out.top5 && !s.stopped) ++out.top5_finished;
  }
  out.best_finished = out.best_rank == 1;
  return out;
}

/// @brief `sweep simulate`: the policy of cfg's EARLY_STOP (checked) on `sweep_file` (a collected sweep.json).
inline simulation_result simulate_early_stop(const sweep_config& cfg, const std::filesystem::path& sweep_file,
                                             std::size_t parallel) {
  check_early_stop_options(cfg);
  if (!cfg.early_stop.enabled()) {
    config_checker(cfg).fail("EARLY_STOP.TYPE", "is not set: expected the policy to simulate, e.g. EARLY_STOP: {TYPE: asha}");
  }
  auto text = read_file(sweep_file);
  auto sweep = nlohmann::json::parse(text, nullptr, false);
  if (!sweep.is_array()) {
    throw error({sweep_file.string(), 0}, "", "expected a sweep.json as `sweep collect` writes it (a list of jobs)");
  }
  return simulate_early_stop(asha_policy::from(cfg), sweep, cfg.analyze.error, parallel);
}

/// @brief The lines `sweep simulate` prints.
inline std::string format_simulation(const asha_policy& p, const simulation_result& r) {
  std::string out = fmt::format("simulate: {} jobs, rungs at epoch {} x {}^r on {}\n", r.jobs, p.min_epochs, p.eta, p.metric());
  out += fmt::format("simulate: epochs run {} of {} ({:.1f}% saved)\n", r.epochs_run, r.epochs_full, 100 * r.saved());
  for (std::size_t k = 0; k < r.stopped_at.size(); ++k) out += fmt::format("simulate: stopped at rung {}: {}\n", k, r.stopped_at[k]);
  out += fmt::format("simulate: the best error of the full sweep ({}, {}) {}\n", r.best_error, r.best_job,
                     r.best_finished ? "is reached by a job that finishes" : "is reached by no job that finishes");
  out += fmt::format("simulate: the best finished job ranks {} in the full sweep; {} of the top {} finish\n", r.best_rank,
                     r.top5_finished, r.top5);
  return out;
}

}  // namespace sweep
// ---- end sweep/early_stop/simulate.hpp ----
// ---- end sweep/early_stop.hpp ----

// ---- begin sweep/analyze.hpp ----
// Umbrella header of the analyze stage: includes every public header of include/sweep/analyze/.


// ---- begin sweep/analyze/analyze.hpp ----
// `sweep analyze` as a function (pycls's tools/sweep_analyze.py): loads
// ROOT_DIR/NAME/sweep.json (and the EXTRA_SWEEP_NAMES' ones), then writes
// analysis.html with the report sections ANALYZE.SECTIONS names, in its order
// (by default pycls's sections in pycls's order, then the job table).


// ---- begin sweep/analyze/check_inputs.hpp ----
// What analyze checks once the sweeps are loaded, so a wrong name fails with a
// message that says what exists: a sweep none of whose jobs has ANALYZE.ERROR
// (naming the record types and fields its jobs do have, with a did-you-mean), and
// ANALYZE.METRICS or filter names that are neither a shortcut nor a field any job has.


// ---- begin sweep/analyze/metrics.hpp ----
// Metrics: what the report plots per job. A metric is a dotted path into a
// job's record of sweep.json (`cfg.OPTIM.BASE_LR`, `complexity.flops`) or one of
// pycls's shortcuts, which add a label and a transform (lr = log10 of
// cfg.OPTIM.BASE_LR, flops in billions, error = min of the error curve, ...).



namespace sweep {

/// @brief How a list-valued field is reduced to one number (none: lists stay lists).
enum class metric_reduce { none, min, max, mean, sum };
/// @brief The function applied after reducing and dividing.
enum class metric_map { none, log10, log2 };

/// @brief A metric's transform: reduce a list, divide, then map (e.g. max(mem) / 1e3).
struct metric_transform {
  metric_reduce reduce = metric_reduce::none;
  double divisor = 1.0;
  metric_map map = metric_map::none;
};

/// @brief A metric: its name, the dotted key it reads, its axis label and transform.
struct metric_info {
  std::string name;
  std::string key;
  std::string label;
  metric_transform transform;
};

namespace detail {

struct metric_shortcut {
  std::string_view name, key, label;
  metric_transform transform;
};

// pycls's sweep/analysis.py metrics_info, with its mathtext labels in Unicode.
inline constexpr metric_reduce r_min = metric_reduce::min, r_max = metric_reduce::max,
                               r_mean = metric_reduce::mean, r_sum = metric_reduce::sum;
inline constexpr metric_map m_log10 = metric_map::log10, m_log2 = metric_map::log2;

inline const std::vector<metric_shortcut>& metric_shortcuts() {
  static const std::vector<metric_shortcut> all = {
      {"error", "test_ema_epoch.min_top1_err", "error", {r_min}},
      {"error_ema", "test_ema_epoch.min_top1_err", "error_ema", {r_min}},
      {"error_tst", "test_epoch.min_top1_err", "error_tst", {r_min}},
      {"done", "aug.done", "fraction done", {}},
      {"ema_gain", "aug.ema_gain", "ema gain", {}},
      {"epochs", "cfg.OPTIM.MAX_EPOCH", "epochs", {}},
      {"flops", "complexity.flops", "flops (B)", {metric_reduce::none, 1e9}},
      {"params", "complexity.params", "params (M)", {metric_reduce::none, 1e6}},
      {"acts", "complexity.acts", "activations (M)", {metric_reduce::none, 1e6}},
      {"memory", "train_epoch.mem", "memory (GB)", {r_max, 1e3}},
      {"resolution", "cfg.TRAIN.IM_SIZE", "resolution", {}},
      {"epoch_fw_bw", "epoch_times.train_fw_bw_time", "epoch fw_bw time (s)", {}},
      {"epoch_time", "train_epoch.time_epoch", "epoch total time (s)", {r_mean}},
      {"batch_size", "cfg.TRAIN.BATCH_SIZE", "batch size", {}},
      {"regnet_depth", "cfg.REGNET.DEPTH", "depth", {}},
      {"regnet_w0", "cfg.REGNET.W0", "w0", {}},
      {"regnet_wa", "cfg.REGNET.WA", "wa", {}},
      {"regnet_wm", "cfg.REGNET.WM", "wm", {}},
      {"regnet_gw", "cfg.REGNET.GROUP_W", "gw", {}},
      {"regnet_bm", "cfg.REGNET.BOT_MUL", "bm", {}},
      {"anynet_ds", "cfg.ANYNET.DEPTHS", "ds", {}},
      {"anynet_ws", "cfg.ANYNET.WIDTHS", "ws", {}},
      {"anynet_gs", "cfg.ANYNET.GROUP_WS", "gs", {}},
      {"anynet_bs", "cfg.ANYNET.BOT_MULS", "bs", {}},
      {"anynet_d", "cfg.ANYNET.DEPTHS", "d", {r_sum}},
      {"anynet_w", "cfg.ANYNET.WIDTHS", "w", {r_max}},
      {"anynet_g", "cfg.ANYNET.GROUP_WS", "g", {r_max}},
      {"anynet_b", "cfg.ANYNET.BOT_MULS", "b", {r_max}},
      {"effnet_ds", "cfg.EN.DEPTHS", "ds", {}},
      {"effnet_ws", "cfg.EN.WIDTHS", "ws", {}},
      {"effnet_ss", "cfg.EN.STRIDES", "ss", {}},
      {"effnet_bs", "cfg.EN.EXP_RATIOS", "bs", {}},
      {"effnet_d", "cfg.EN.DEPTHS", "d", {r_sum}},
      {"effnet_w", "cfg.EN.WIDTHS", "w", {r_max}},
      {"lr", "cfg.OPTIM.BASE_LR", "log\u2081\u2080(lr)", {metric_reduce::none, 1.0, m_log10}},
      {"min_lr", "cfg.OPTIM.MIN_LR", "min_lr", {}},
      {"wd", "cfg.OPTIM.WEIGHT_DECAY", "log\u2081\u2080(wd)", {metric_reduce::none, 1.0, m_log10}},
      {"lr_wd", "aug.lr_wd", "log\u2081\u2080(lr\u00b7wd)", {}},
      {"bn_wd", "cfg.BN.CUSTOM_WEIGHT_DECAY", "log\u2081\u2080(bn_wd)", {metric_reduce::none, 1.0, m_log10}},
      {"momentum", "cfg.OPTIM.MOMENTUM", "momentum", {}},
      {"ema_alpha", "cfg.OPTIM.EMA_ALPHA", "log\u2081\u2080(ema_alpha)", {metric_reduce::none, 1.0, m_log10}},
      {"ema_beta", "cfg.OPTIM.EMA_BETA", "log\u2081\u2080(ema_beta)", {metric_reduce::none, 1.0, m_log10}},
      // pycls labels this one log10 but applies log2; the label here says what is plotted.
      {"ema_update", "cfg.OPTIM.EMA_UPDATE_PERIOD", "log\u2082(ema_update)", {metric_reduce::none, 1.0, m_log2}},
  };
  return all;
}

inline double map_number(double v, const metric_transform& t) {
  v /= t.divisor;
  switch (t.map) {
    case metric_map::log10: return std::log10(v);
    case metric_map::log2: return std::log2(v);
    case metric_map::none: break;
  }
  return v;
}

}  // namespace detail

/// @brief The names of all shortcut metrics, in pycls's order.
inline std::vector<std::string> metric_shortcut_names() {
  std::vector<std::string> names;
  for (auto& s : detail::metric_shortcuts()) names.emplace_back(s.name);
  return names;
}

/// @brief The info of `name`: a shortcut, or a dotted key labelled by itself.
/// `error_key` (ANALYZE.ERROR) redefines what "error" reads; a list there is reduced by min.
inline metric_info get_metric_info(std::string_view name,
                                   std::string_view error_key = "test_ema_epoch.min_top1_err") {
  for (auto& s : detail::metric_shortcuts()) {
    if (s.name == name) {
      metric_info info{std::string(s.name), std::string(s.key), std::string(s.label), s.transform};
      if (name == "error") info.key = std::string(error_key);
      return info;
    }
  }
  return {std::string(name), std::string(name), std::string(name), {}};
}

/// @brief The field at a dotted key of a job record, or nullptr.
inline const nlohmann::json* find_field(const nlohmann::json& record, std::string_view dotted) {
  const nlohmann::json* node = &record;
  while (true) {
    if (!node->is_object()) return nullptr;
    auto dot = dotted.find('.');
    auto it = node->find(dotted.substr(0, dot));
    if (it == node->end()) return nullptr;
    node = &*it;
    if (dot == std::string_view::npos) return node;
    dotted.remove_prefix(dot + 1);
  }
}

/// @brief Applies a transform to a field: lists are reduced (or kept), numbers divided and mapped.
inline nlohmann::json apply_transform(const nlohmann::json& field, const metric_transform& t) {
  if (field.is_array()) {
    if (t.reduce == metric_reduce::none) return field;
    std::vector<double> xs;
    xs.reserve(field.size());
    for (auto& x : field) {
      if (x.is_number()) xs.push_back(x.get<double>());
    }
    if (xs.empty()) return nlohmann::json();
    double r = 0;
    switch (t.reduce) {
      case metric_reduce::min: r = *std::min_element(xs.begin(), xs.end()); break;
      case metric_reduce::max: r = *std::max_element(xs.begin(), xs.end()); break;
      case metric_reduce::sum: r = std::accumulate(xs.begin(), xs.end(), 0.0); break;
      case metric_reduce::mean: r = std::accumulate(xs.begin(), xs.end(), 0.0) / static_cast<double>(xs.size()); break;
      case metric_reduce::none: break;
    }
    return detail::map_number(r, t);
  }
  if (field.is_number() && (t.divisor != 1.0 || t.map != metric_map::none)) {
    return detail::map_number(field.get<double>(), t);
  }
  return field;
}

/// @brief A metric's value for one record (transformed), or null when the record lacks its key.
inline nlohmann::json metric_value(const nlohmann::json& record, const metric_info& info) {
  const nlohmann::json* field = find_field(record, info.key);
  return field ? apply_transform(*field, info.transform) : nlohmann::json();
}

/// @brief A metric's number from its field (the value at info.key; nullptr: missing): NaN when
/// missing or not a number (bools count as 0/1).
inline double metric_number(const nlohmann::json* field, const metric_info& info) {
  if (field == nullptr) return std::numeric_limits<double>::quiet_NaN();
  if (field->is_number() && field->is_number_float() && info.transform.divisor == 1.0 &&
      info.transform.map == metric_map::none) {
    return field->get<double>();  // the common case, without copying the field
  }
  auto v = apply_transform(*field, info.transform);
  if (v.is_number()) return v.get<double>();
  if (v.is_boolean()) return v.get<bool>() ? 1.0 : 0.0;
  return std::numeric_limits<double>::quiet_NaN();
}

/// @brief A metric's value for one record as a number (see above).
inline double metric_number(const nlohmann::json& record, const metric_info& info) {
  return metric_number(find_field(record, info.key), info);
}

}  // namespace sweep
// ---- end sweep/analyze/metrics.hpp ----

// ---- begin sweep/analyze/sweep_data.hpp ----
// A sweep's jobs as the analysis sees them: sweep.json (written by pycls's
// collect or ours, same format) read with simdjson into columns of the fields
// the analysis reads (a cell per job, nlohmann::json values: the type reports
// use), the jobs without the error record set aside, and pycls's augmented
// fields (aug.lr_wd, aug.done, aug.ema_gain) added.



#include <set>

namespace sweep {

/// @brief A sweep.json's text, shared by the jobs that point into it (see job::text), whatever holds
/// its bytes: a string, or the mapped file (file_bytes).
using shared_text = std::shared_ptr<const std::string_view>;

/// @brief `view` shared as long as `owner` (which holds its bytes) is.
template <class Owner>
shared_text share_text(std::shared_ptr<Owner> owner, std::string_view view) {
  struct held {
    std::shared_ptr<Owner> owner;
    std::string_view view;
  };
  auto h = std::make_shared<const held>(held{std::move(owner), view});
  return {h, &h->view};  // aliasing: points at the view, owns the pair
}

/// @brief The fields a load kept of a sweep's jobs: a column per dotted key kept, a cell per job
/// (load_options::fields; a load of everything keeps one column, "", of whole records); and the
/// metrics looked up while loading (load_options::metrics), a column of numbers each. Compact: a
/// number is a 16-byte cell (a metric's 8 bytes), where a tree per job would be a map node per level.
class job_columns {
 public:
  /// @brief Columns for `keys` (sorted, none under another: see detail::column_keys) and for the
  /// metrics named `metrics`.
  explicit job_columns(std::vector<std::string> keys, std::vector<std::string> metrics = {})
      : keys_(std::move(keys)), cells_(keys_.size()), metrics_(std::move(metrics)), numbers_(metrics_.size()) {}

  [[nodiscard]] const std::vector<std::string>& keys() const noexcept { return keys_; }
  [[nodiscard]] const std::vector<std::string>& metrics() const noexcept { return metrics_; }
  [[nodiscard]] std::size_t rows() const noexcept { return rows_; }

  /// @brief Room for `rows` jobs (a column grown by doubling holds up to twice its cells).
  void reserve(std::size_t rows) {
    for (auto& column : cells_) column.reserve(rows);
    for (auto& column : numbers_) column.reserve(rows);
  }

  /// @brief Adds a job: its cells (one per key, in the keys' order; a discarded value where it has
  /// no such field), moved from `row`, and its metrics' numbers (in the metrics' order); its row.
  std::size_t add_row(std::vector<nlohmann::json>& row, const std::vector<double>& numbers = {}) {
    for (std::size_t c = 0; c < cells_.size(); ++c) cells_[c].push_back(std::move(row[c]));
    for (std::size_t m = 0; m < numbers_.size(); ++m) numbers_[m].push_back(numbers[m]);
    return rows_++;
  }

  /// @brief The number of metric `name` of a row, when the load looked it up; else nullptr.
  [[nodiscard]] const double* number(std::size_t row, std::string_view name) const {
    auto it = std::find(metrics_.begin(), metrics_.end(), name);  // a dozen names: a scan beats a map
    return it == metrics_.end() ? nullptr : &numbers_[static_cast<std::size_t>(it - metrics_.begin())][row];
  }

  /// @brief The field at dotted key `dotted` of a row: a column's cell, or a field inside one (a
  /// column keeps all under its key); nullptr when the job has none or no column holds it.
  [[nodiscard]] const nlohmann::json* find(std::size_t row, std::string_view dotted) const {
    if (keys_.size() == 1 && keys_.front().empty()) return in_cell(0, row, dotted);  // whole records
    for (std::size_t dot = 0;; ++dot) {
      dot = dotted.find('.', dot);
      auto key = dotted.substr(0, dot);
      auto it = std::lower_bound(keys_.begin(), keys_.end(), key);
      if (it != keys_.end() && *it == key) {
        auto rest = dot == std::string_view::npos ? std::string_view() : dotted.substr(dot + 1);
        return in_cell(static_cast<std::size_t>(it - keys_.begin()), row, rest);
      }
      if (dot == std::string_view::npos) return nullptr;
    }
  }

 private:
  [[nodiscard]] const nlohmann::json* in_cell(std::size_t column, std::size_t row, std::string_view dotted) const {
    const auto& cell = cells_[column][row];
    if (cell.is_discarded()) return nullptr;
    return dotted.empty() ? &cell : find_field(cell, dotted);
  }

  std::vector<std::string> keys_;
  std::vector<std::vector<nlohmann::json>> cells_;  // [column][row]
  std::vector<std::string> metrics_;
  std::vector<std::vector<double>> numbers_;  // [metric][row]
  std::size_t rows_ = 0;
};

/// @brief One analysed job: its number ("000059", from its log folder), fields and error.
struct job {
  std::string id;
  std::shared_ptr<const job_columns> columns;  // its sweep's, shared: filters and splits copy jobs cheaply
  std::size_t row = 0;                         // its cells in them
  double error = 0;
  /// @brief When the load kept only the fields an analysis reads (load_options::fields), the
  /// sweep.json text and this job's element in it, to read the whole record again (whole_record).
  shared_text text;
  std::string_view source;
  /// @brief Metric values looked up after the load (by metric name; those the load looked up are
  /// columns): a report reads each several times. Shared by the copies; not thread-safe.
  std::shared_ptr<std::unordered_map<std::string, double>> memo = std::make_shared<std::unordered_map<std::string, double>>();

  /// @brief The field at a dotted key (`cfg.OPTIM.BASE_LR`; "" for the whole record of a job loaded
  /// whole), as find_field gives it; nullptr when the job has none or the load left it out.
  [[nodiscard]] const nlohmann::json* field(std::string_view dotted) const {
    return columns ? columns->find(row, dotted) : nullptr;
  }
};

/// @brief A job of a whole record, as a load of everything makes it (for records built in code).
inline job make_job(std::string id, nlohmann::json record, double error = 0) {
  auto columns = std::make_shared<job_columns>(std::vector<std::string>{""});
  std::vector<nlohmann::json> row{std::move(record)};
  job j;
  j.id = std::move(id);
  j.row = columns->add_row(row);
  j.columns = std::move(columns);
  j.error = error;
  return j;
}

/// @brief A named population of jobs (a sweep, or one part of a split).
struct sweep_data {
  std::string name;
  std::string file;                  // the sweep.json it came from
  std::vector<job> jobs;             // jobs with the error record
  std::vector<std::string> skipped;  // ids of jobs without it
};

/// @brief Which columns of the jobs' epoch records to load. The epoch records (`train_epoch`,
/// `test_epoch`, ...: one list per metric, a value per epoch) are most of a sweep.json, and an
/// analysis reads few of their columns: leaving the others out while parsing saves building and
/// freeing most of the JSON tree. Other records (cfg, complexity, ...) are always loaded whole.
class epoch_columns {
 public:
  /// @brief Every column.
  epoch_columns() = default;
  /// @brief The columns that these dotted keys read (`test_epoch.top1_err` reads column top1_err of
  /// record test_epoch), and epoch_ind and epoch_max; a key naming a whole record keeps all of it.
  explicit epoch_columns(const std::vector<std::string>& dotted_keys) : all_(false) {
    for (auto& key : dotted_keys) add(key);
  }

  /// @brief Keeps the column (or record) a dotted key reads too.
  void add(std::string_view dotted_key) {
    if (all_) return;
    auto dot = dotted_key.find('.');
    auto record = dotted_key.substr(0, dot);
    if (dot == std::string_view::npos) {
      whole_.emplace(record);
    } else {
      auto column = dotted_key.substr(dot + 1);
      columns_[std::string(record)].emplace(column.substr(0, column.find('.')));
    }
  }

  /// @brief Whether every column is loaded.
  [[nodiscard]] bool all() const noexcept { return all_; }

  /// @brief Whether column `column` of record `record` is loaded (records not named `*_epoch` always are).
  [[nodiscard]] bool keeps(std::string_view record, std::string_view column) const {
    if (all_ || !record.ends_with("_epoch") || column == "epoch_ind" || column == "epoch_max") return true;
    if (whole_.find(record) != whole_.end()) return true;
    auto it = columns_.find(record);
    return it != columns_.end() && it->second.find(column) != it->second.end();
  }

 private:
  bool all_ = true;
  std::set<std::string, std::less<>> whole_;
  std::map<std::string, std::set<std::string, std::less<>>, std::less<>> columns_;
};

/// @brief Which fields of a job's record to keep, at any depth: all (the default), or those the
/// dotted keys name (`cfg.OPTIM.BASE_LR`, `test_epoch.top1_err`, `complexity`) with all under them.
class record_fields {
 public:
  /// @brief What of one field is kept.
  enum class keep { none, part, whole };

  /// @brief Every field.
  record_fields() = default;
  /// @brief The fields these dotted keys name.
  explicit record_fields(const std::vector<std::string>& dotted_keys) : all_(false) {
    for (auto& key : dotted_keys) add(key);
  }

  /// @brief Keeps the field a dotted key names too.
  void add(std::string_view dotted_key) {
    if (!all_) keys_.emplace(dotted_key);
  }
  /// @brief Whether every field is kept.
  [[nodiscard]] bool all() const noexcept { return all_; }
  /// @brief The dotted keys kept (none when all are).
  [[nodiscard]] const std::set<std::string, std::less<>>& keys() const noexcept { return keys_; }

  /// @brief What of the field at dotted `path` is kept, when no field above it is kept whole.
  [[nodiscard]] keep of(std::string_view path) const {
    if (all_) return keep::whole;
    for (auto it = keys_.lower_bound(path); it != keys_.end() && it->starts_with(path); ++it) {
      if (it->size() == path.size()) return keep::whole;
      if ((*it)[path.size()] == '.') return keep::part;  // a field under it
    }
    return keep::none;
  }

 private:
  bool all_ = true;
  std::set<std::string, std::less<>> keys_;
};

/// @brief What of each job to load for an analysis (the default: everything, nothing looked up).
struct load_options {
  epoch_columns columns;             // the epoch columns kept (and always those load_jobs reads)
  std::vector<metric_info> metrics;  // looked up while loading (into job_columns), on every core
  /// @brief Unless all: the jobs keep only these fields (and aug's), as columns; the epoch columns and
  /// fields loading reads are dropped once read. A job's whole record is read again on demand
  /// (whole_record): a report draws curves and models of a few jobs only.
  record_fields fields;
};

namespace detail {

/// @brief The job's number: the folder of its log file (pycls: log_file.split("/")[-2]).
inline std::string job_id(const nlohmann::json& record, std::size_t position) {
  if (auto it = record.find("log_file"); it != record.end() && it->is_string()) {
    std::string_view path = it->get_ref<const std::string&>();
    auto slash = path.rfind('/');
    if (slash != std::string_view::npos && slash > 0) {
      auto prev = path.rfind('/', slash - 1);
      auto start = prev == std::string_view::npos ? 0 : prev + 1;
      return std::string(path.substr(start, slash - start));
    }
  }
  return fmt::format("{:06d}", position);
}

inline double last_number(const nlohmann::json* list) {
  if (list == nullptr || !list->is_array() || list->empty() || !list->back().is_number()) return std::nan("");
  return list->back().get<double>();
}

/// @brief The fields augment adds under `aug`.
inline constexpr std::array<std::string_view, 3> aug_fields = {"lr_wd", "done", "ema_gain"};

/// @brief The metrics a load looks up into columns: `opts.metrics` but the error (job::error) and repeats.
inline std::vector<metric_info> looked_up(const load_options& opts) {
  std::vector<metric_info> out;
  for (auto& info : opts.metrics) {
    bool seen = std::any_of(out.begin(), out.end(), [&](auto& m) { return m.name == info.name; });
    if (info.name != "error" && !seen) out.push_back(info);
  }
  return out;
}

/// @brief The columns a load of `fields` keeps: "" (whole records) when all; else the keys and
/// augment's fields, sorted, without those under another key (its column holds them).
inline std::vector<std::string> column_keys(const record_fields& fields) {
  if (fields.all()) return {""};
  std::set<std::string, std::less<>> keys = fields.keys();
  for (auto name : aug_fields) keys.insert(fmt::format("aug.{}", name));
  std::vector<std::string> out;
  for (auto& key : keys) {
    bool under_another = false;
    for (auto dot = key.find('.'); dot != std::string::npos && !under_another; dot = key.find('.', dot + 1)) {
      under_another = keys.find(std::string_view(key).substr(0, dot)) != keys.end();
    }
    if (!under_another) out.push_back(key);
  }
  return out;
}

/// @brief pycls's augment_sweep for one record (fields it cannot compute are left out).
inline void augment(nlohmann::json& record, std::string_view error_record) {
  nlohmann::json aug = nlohmann::json::object();
  double lr = metric_number(record, get_metric_info("lr"));
  double wd = metric_number(record, get_metric_info("wd"));
  if (!std::isnan(lr) && !std::isnan(wd)) aug["lr_wd"] = lr + wd;
  // pycls measures progress on test_epoch; other job programs may only have the error record.
  const nlohmann::json* progress = find_field(record, "test_epoch");
  if (progress == nullptr) progress = find_field(record, error_record);
  if (progress != nullptr) {
    double done = last_number(find_field(*progress, "epoch_ind")) / last_number(find_field(*progress, "epoch_max"));
    if (!std::isnan(done)) aug["done"] = done;
  }
  double tst = metric_number(record, get_metric_info("error_tst"));
  double ema = metric_number(record, get_metric_info("error_ema"));
  if (!std::isnan(tst) && !std::isnan(ema)) aug["ema_gain"] = std::max(0.0, tst - ema);
  record["aug"] = std::move(aug);
}

/// @brief The 1-based line of a byte offset in a text, for parse errors.
inline int line_of(std::string_view text, std::size_t byte) {
  byte = std::min(byte, text.size());
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(byte), '\n'));
}

}  // namespace detail

namespace detail {

/// @brief Finds the elements of a top-level JSON list by tracking brackets and strings only
/// (each element is then parsed, and any syntax error reported, on its own), calling
/// `element(begin, end)` for each byte range; false when the text is not one balanced list.
template <class OnElement>
bool scan_list(std::string_view text, OnElement element) {
  std::size_t i = text.find_first_not_of(" \t\r\n", text.starts_with("\xEF\xBB\xBF") ? 3 : 0);  // after a BOM, as nlohmann
  if (i == std::string_view::npos || text[i] != '[') return false;
  // The bytes that can matter where the scan is (in a string; inside a job; between jobs); the
  // others (mostly digits and the commas inside jobs) are passed over one table lookup each.
  static constexpr auto structural = [] {
    std::array<std::array<bool, 256>, 3> table{};
    for (std::size_t state = 0; state < 3; ++state) {
      for (unsigned char c : std::string_view(state == 0 ? "\"\\" : state == 1 ? "\"[]{}" : "\"[]{},")) table[state][c] = true;
    }
    return table;
  }();
  int depth = 0;
  bool in_string = false, after_comma = false;
  std::size_t start = i + 1;
  for (; i < text.size(); ++i) {
    const auto& matters = structural[in_string ? 0 : depth == 1 ? 2 : 1];
    while (i < text.size() && !matters[static_cast<unsigned char>(text[i])]) ++i;
    if (i == text.size()) break;
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if (c == ']' || c == '}') {
      if (--depth == 0) {
        if (c != ']') return false;  // "[{}}": balanced in number only (inside elements, nlohmann checks)
        // "[]" has no element; "[{},]" has an empty last one, which nlohmann then refuses.
        if (after_comma || text.substr(start, i - start).find_first_not_of(" \t\r\n") != std::string_view::npos) {
          element(start, i);
        }
        break;
      }
    } else if (c == ',' && depth == 1) {
      element(start, i);
      start = i + 1;
      after_comma = true;
    }
  }
  return depth == 0 && text.substr(std::min(i + 1, text.size())).find_first_not_of(" \t\r\n") == std::string_view::npos;
}

/// @brief SAX handler (fed by simdjson, or nlohmann for what simdjson refuses) that builds a job's
/// JSON tree as nlohmann::json::parse does, but leaves out the epoch columns `columns` does not
/// keep: they are read (and so checked), never built or freed.
class job_tree_builder {
 public:
  using json = nlohmann::json;

  explicit job_tree_builder(const epoch_columns& columns, const record_fields* fields = nullptr)
      : columns_(columns), fields_(fields != nullptr && !fields->all() ? fields : nullptr) {}
  explicit job_tree_builder(epoch_columns&&, const record_fields* = nullptr) = delete;  // it keeps a reference

  json tree;
  std::size_t error_byte = 0;  // where nlohmann stopped, and why
  std::string error_message;
  bool too_deep = false;       // stopped at max_depth (no error_byte)
  int max_depth = max_json_depth;  // of what is parsed: one job (a whole sweep.json list: one more)

  bool null() { return add(json(nullptr)); }
  bool boolean(bool b) { return add(json(b)); }
  bool number_integer(json::number_integer_t v) { return add(json(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return add(json(v)); }
  bool number_float(json::number_float_t v, const json::string_t& /*lexeme*/) { return add(json(v)); }
  bool string(json::string_t& v) { return add(json(std::move(v))); }
  bool binary(json::binary_t& v) { return add(json(std::move(v))); }
  bool start_object(std::size_t /*unknown*/) { return open(json::value_t::object); }
  bool start_array(std::size_t /*unknown*/) { return open(json::value_t::array); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(json::string_t& k) {
    if (skipping_ > 0) return true;
    if (!(fields_ != nullptr ? keeps_field(k) : keeps_column(k))) {
      skip_next_ = true;
      return true;
    }
    slot_ = &(*open_.back())[k];  // a repeated key: the last value wins, as in nlohmann's tree
    return true;
  }
  /// @brief For simdjson_sax_reader (see skipping_sax): the next value, or all of the open one, is left out.
  [[nodiscard]] bool skips_value() const noexcept { return skip_next_ || skipping_ > 0; }
  bool skipped_scalar() {
    skip_next_ = false;
    return true;
  }
  bool parse_error(std::size_t byte, const std::string& /*token*/, const json::exception& e) {
    error_byte = byte;
    error_message = e.what();
    return false;
  }

 private:
  bool add(json&& v) {
    if (skipping_ > 0 || std::exchange(skip_next_, false)) return true;
    place(std::move(v));
    return true;
  }

  /// @brief Puts a value where it goes (the root, the end of the open list, or the last key's slot).
  json* place(json&& v) {
    if (open_.empty()) {
      tree = std::move(v);
      return &tree;
    }
    json& parent = *open_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(v));
      return &parent.back();
    }
    *slot_ = std::move(v);
    return slot_;
  }

  bool keeps_column(const std::string& k) {
    if (open_.size() == 1) {
      record_ = k;  // a record of the job: cfg, test_epoch, ...
      return true;
    }
    return open_.size() != 2 || columns_.keeps(record_, k);
  }

  /// @brief Under a map kept in part, whether key `k` is kept (and whether in part: `part_next_`).
  bool keeps_field(const std::string& k) {
    part_next_ = false;
    if (!part_.back().first) return true;  // inside a field kept whole
    path_.resize(part_.back().second);
    if (!path_.empty()) path_ += '.';
    path_ += k;
    auto keep = fields_->of(path_);
    part_next_ = keep == record_fields::keep::part;
    return keep != record_fields::keep::none;
  }

  bool open(json::value_t kind) {
    // The tree's copies, dumps and comparisons recurse once per level: refuse what would overflow the stack.
    if (open_.size() + static_cast<std::size_t>(skipping_) >= static_cast<std::size_t>(max_depth)) {
      too_deep = true;
      error_message = fmt::format("a job record nested more than {} levels deep: expected at most {} levels",
                                  max_json_depth, max_json_depth);
      return false;  // nlohmann's sax_parse stops here and returns false (error_byte is not known)
    }
    if (skipping_ > 0 || std::exchange(skip_next_, false)) {
      ++skipping_;
    } else {
      // Kept in part: the job's map (when fields are chosen), or a map a chosen key goes into.
      bool in_map = !open_.empty() && open_.back()->is_object();
      bool part = kind == json::value_t::object && (open_.empty() ? fields_ != nullptr : in_map && part_next_);
      part_.emplace_back(part, path_.size());
      open_.push_back(place(json(kind)));
    }
    return true;
  }

  bool close() {
    if (skipping_ > 0) {
      --skipping_;
    } else {
      open_.pop_back();
      part_.pop_back();
    }
    return true;
  }

  const epoch_columns& columns_;
  const record_fields* fields_;  // chosen fields (then columns_ is not used), or nullptr
  std::vector<json*> open_;  // the open objects and lists, outermost first
  std::vector<std::pair<bool, std::size_t>> part_;  // for each: kept in part? and its path's length
  std::string path_;         // dotted path of the last key under a map kept in part
  bool part_next_ = false;   // the last key's value is kept in part
  json* slot_ = nullptr;     // the value of the last key read
  std::string record_;
  bool skip_next_ = false;   // the next value is a column left out
  int skipping_ = 0;         // nesting depth inside a left-out value
};

/// @brief A sweep.json element made into a job (its cells in `row`, one per column key, and its
/// metrics in `numbers`, until they go into the sweep's columns); `analysed` false when it lacks
/// the error record.
struct loaded_job {
  job loaded;
  std::vector<nlohmann::json> row;
  std::vector<double> numbers;
  bool analysed = false;
};

/// @brief A list's elements, handed out to parse as the scan finds them (the scan of 160 MB
/// runs beside the parsing, not before it), each with the slot its job goes into.
class element_feed {
 public:
  struct element {
    std::size_t index, begin, end;
    loaded_job* slot;
  };

  /// @brief Adds a batch of found elements (one wake-up per batch).
  void add(const std::vector<std::pair<std::size_t, std::size_t>>& batch) {
    if (batch.empty()) return;
    {
      std::lock_guard lock(m_);
      ranges_.insert(ranges_.end(), batch.begin(), batch.end());
      jobs_.resize(ranges_.size());
    }
    cv_.notify_all();
  }

  /// @brief No more elements will come.
  void close() {
    {
      std::lock_guard lock(m_);
      closed_ = true;
    }
    cv_.notify_all();
  }

  /// @brief The next element to parse, in list order; nothing once the feed is closed and drained.
  std::optional<element> next() {
    std::unique_lock lock(m_);
    cv_.wait(lock, [&] { return next_ < ranges_.size() || closed_; });
    if (next_ == ranges_.size()) return std::nullopt;
    auto [b, e] = ranges_[next_];
    element out{next_, b, e, &jobs_[next_]};  // a deque's elements stay where they are as it grows
    ++next_;
    return out;
  }

  /// @brief The jobs, in list order (once every element is parsed).
  std::deque<loaded_job>& jobs() noexcept { return jobs_; }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::pair<std::size_t, std::size_t>> ranges_;
  std::deque<loaded_job> jobs_;
  std::size_t next_ = 0;
  bool closed_ = false;
};

/// @brief Reads one sweep.json element into a fresh builder from `make`: simdjson reads it, and
/// what simdjson refuses nlohmann reads again (its tree, or its error in the builder). `ok`: valid JSON.
template <class Make>
job_tree_builder read_element(simdjson_sax_reader& reader, std::string& scratch, std::string_view bytes,
                              const char* text_end, Make make, bool& ok) {
  auto fast = make();
  ok = reader.parse(padded_slice(bytes, text_end, scratch), fast);
  if (ok) return fast;
  auto checked = make();
  ok = nlohmann::json::sax_parse(bytes.begin(), bytes.end(), &checked);
  return checked;
}

/// @brief Parses a sweep.json list into jobs (ids, errors, augmented fields, the numbers of
/// `metrics`: see looked_up, the cells of `keys`: see column_keys) on every core, each while its tree is fresh in cache; the
/// calling thread first finds the elements (see read_element). `owner` holds `text` when jobs keep
/// chosen fields only (they point into it). Nothing when the text is not one balanced list.
inline std::optional<std::deque<loaded_job>> load_jobs(std::string_view text, const shared_text& owner,
                                                       const std::string& file_name, std::string_view error_key,
                                                       const load_options& opts, const std::vector<metric_info>& metrics,
                                                       const std::vector<std::string>& keys) {
  auto error_record = error_key.substr(0, error_key.find('.'));
  auto error_info = get_metric_info("error", error_key);
  // Kept whatever `opts` says: what loading itself reads (the error, the metrics, augment's inputs),
  // dropped again afterwards when the fields are chosen.
  auto columns = opts.columns;
  auto fields = opts.fields;
  std::vector<std::string> reads = {std::string(error_key), "log_file", "test_epoch.epoch_ind", "test_epoch.epoch_max",
                                    fmt::format("{}.epoch_ind", error_record), fmt::format("{}.epoch_max", error_record)};
  for (auto& m : opts.metrics) reads.push_back(m.key);
  for (auto* m : {"error_tst", "error_ema", "lr", "wd"}) reads.push_back(get_metric_info(m).key);
  for (auto& key : reads) {
    columns.add(key);
    fields.add(key);
  }

  element_feed feed;
  bool balanced = false;
  auto threads = threads_for(text.size(), std::size_t{1} << 20);  // one thread below 1 MB
  std::vector<std::pair<std::size_t, std::exception_ptr>> failures(threads, {SIZE_MAX, nullptr});
  run_on_threads(threads, [&](std::size_t t) {
    if (t == 0) {
      struct closer {
        element_feed& feed;
        ~closer() { feed.close(); }  // even if the scan throws: the others must not wait forever
      } closes{feed};
      std::vector<std::pair<std::size_t, std::size_t>> batch;
      balanced = scan_list(text, [&](std::size_t b, std::size_t e) {
        batch.emplace_back(b, e);
        if (batch.size() == 32) {
          feed.add(batch);
          batch.clear();
        }
      });
      feed.add(batch);
    }
    simdjson_sax_reader reader;
    std::string scratch;
    while (auto element = feed.next()) {
      auto k = element->index;
      try {
        auto bytes = text.substr(element->begin, element->end - element->begin);
        bool ok = false;
        auto builder = read_element(reader, scratch, bytes, text.data() + text.size(),
                                    [&] { return job_tree_builder(columns, &fields); }, ok);
        if (!ok) {
          if (builder.too_deep) {
            auto start = std::min(text.find_first_not_of(" \t\r\n", element->begin), element->end);  // the job's first byte
            throw error({file_name, line_of(text, start)}, fmt::format("[{}]", k), builder.error_message);
          }
          throw error({file_name, line_of(text, element->begin + builder.error_byte - 1)}, fmt::format("[{}]", k),
                      fmt::format("not valid JSON: {}", builder.error_message));
        }
        auto& record = builder.tree;
        if (!record.is_object()) throw error({file_name, 0}, fmt::format("[{}]", k), "expected a job record (a map)");
        auto& j = element->slot->loaded;
        j.id = job_id(record, k);
        j.error = find_field(record, error_record) ? metric_number(record, error_info) : std::nan("");
        if (std::isnan(j.error)) continue;
        augment(record, error_record);
        auto& numbers = element->slot->numbers;
        for (auto& info : metrics) numbers.push_back(metric_number(record, info));
        auto& row = element->slot->row;
        if (opts.fields.all()) {
          row.push_back(std::move(record));
        } else {
          j.text = owner;
          j.source = bytes;
          row.reserve(keys.size());
          for (auto& key : keys) {
            auto* f = const_cast<nlohmann::json*>(find_field(record, key));  // record is ours: its fields move out
            row.push_back(f != nullptr ? std::move(*f) : nlohmann::json(nlohmann::json::value_t::discarded));
          }
        }
        element->slot->analysed = true;
      } catch (...) {
        // Each thread takes elements in list order: the smallest of the threads' first failures is the file's first.
        failures[t] = {k, std::current_exception()};
        return;
      }
    }
  });
  if (!balanced) return std::nullopt;
  auto first = std::min_element(failures.begin(), failures.end(), [](auto& a, auto& b) { return a.first < b.first; });
  if (first->second) std::rethrow_exception(first->second);
  return std::move(feed.jobs());
}

}  // namespace detail

namespace detail {

inline sweep_data parse_sweep(std::string_view text, const shared_text& owner, std::string file_name,
                              std::string name, std::string_view error_key, const load_options& opts) {
  text = text.substr(0, text.find('\0'));  // where nlohmann's parser stops too (a zero-filled tail after a crash)
  auto metrics = looked_up(opts);
  auto keys = column_keys(opts.fields);
  auto all = load_jobs(text, owner, file_name, error_key, opts, metrics, keys);
  if (!all) {
    // Not one balanced list: let nlohmann say what is wrong (bad syntax, a number out of range), and where.
    const epoch_columns every_column;
    job_tree_builder whole(every_column);
    whole.max_depth = max_json_depth + 1;  // the list around the jobs
    if (!nlohmann::json::sax_parse(text.data(), text.data() + text.size(), &whole)) {
      if (whole.too_deep) throw error({file_name, 0}, "", whole.error_message);
      throw error({file_name, line_of(text, whole.error_byte)}, "", fmt::format("not valid JSON: {}", whole.error_message));
    }
    throw error({file_name, 1}, "", fmt::format("expected a JSON list of job records, got {}", whole.tree.type_name()));
  }
  sweep_data sweep{std::move(name), file_name, {}, {}};
  sweep.jobs.reserve(all->size());
  std::vector<std::string> metric_names;
  for (auto& info : metrics) metric_names.push_back(info.name);
  auto columns = std::make_shared<job_columns>(std::move(keys), std::move(metric_names));
  columns->reserve(all->size());
  for (auto& [j, row, numbers, analysed] : *all) {
    if (analysed) {
      j.row = columns->add_row(row, numbers);
      j.columns = columns;
      row = {};  // its cells moved: free the row now, not with the whole deque
      sweep.jobs.push_back(std::move(j));
    } else {
      sweep.skipped.push_back(std::move(j.id));
    }
  }
  return sweep;
}

}  // namespace detail

/// @brief Parses sweep.json text into jobs: those with the record of `error_key` are analysed
/// (augmented, their error cached), the others are counted in `skipped`. `opts` says what of
/// each job to keep and look up (see analysis_reads for what a report needs); when it chooses
/// the fields, the jobs keep the text (shared, not copied) to read whole records again.
inline sweep_data parse_sweep(const shared_text& text, std::string file_name, std::string name,
                              std::string_view error_key = "test_ema_epoch.min_top1_err", const load_options& opts = {}) {
  std::string_view view = text ? *text : std::string_view();
  auto owner = opts.fields.all() ? nullptr : text;  // whole records: nothing to read again
  return detail::parse_sweep(view, owner, std::move(file_name), std::move(name), error_key, opts);
}

/// @brief Parses sweep.json text held by a string (see above).
inline sweep_data parse_sweep(const std::shared_ptr<const std::string>& text, std::string file_name, std::string name,
                              std::string_view error_key = "test_ema_epoch.min_top1_err", const load_options& opts = {}) {
  return parse_sweep(text ? share_text(text, *text) : nullptr, std::move(file_name), std::move(name), error_key, opts);
}

/// @brief Parses sweep.json text (see above); chosen fields make the jobs keep a copy of the text.
inline sweep_data parse_sweep(std::string_view text, std::string file_name, std::string name,
                              std::string_view error_key = "test_ema_epoch.min_top1_err", const load_options& opts = {}) {
  if (!opts.fields.all()) return parse_sweep(std::make_shared<const std::string>(text), std::move(file_name), std::move(name), error_key, opts);
  return detail::parse_sweep(text, nullptr, std::move(file_name), std::move(name), error_key, opts);
}

/// @brief Loads a sweep.json file (see parse_sweep), mapped rather than read (see file_bytes).
inline sweep_data load_sweep(const std::filesystem::path& file, std::string name,
                             std::string_view error_key = "test_ema_epoch.min_top1_err", const load_options& opts = {}) {
  auto bytes = std::make_shared<const file_bytes>(file);
  return parse_sweep(share_text(bytes, bytes->view()), file.string(), std::move(name), error_key, opts);
}

/// @brief A job's whole record (with its `aug`): the loaded one, or when the load kept chosen
/// fields only, read again from sweep.json (for the few jobs a report draws in full).
inline std::shared_ptr<const nlohmann::json> whole_record(const job& j) {
  if (!j.text) return j.columns ? std::shared_ptr<const nlohmann::json>(j.columns, j.field("")) : nullptr;
  const epoch_columns every_column;
  detail::simdjson_sax_reader reader;
  std::string scratch;
  bool ok = false;
  auto builder = detail::read_element(reader, scratch, j.source, j.text->data() + j.text->size(),
                                      [&] { return detail::job_tree_builder(every_column); }, ok);
  // The element was read once already (and is valid JSON); its aug is the loaded one.
  auto& aug = builder.tree["aug"] = nlohmann::json::object();
  for (auto name : detail::aug_fields) {
    if (const auto* v = j.field(fmt::format("aug.{}", name))) aug[std::string(name)] = *v;
  }
  return std::make_shared<const nlohmann::json>(std::move(builder.tree));
}

/// @brief A metric's number for one job: its column, when the load looked it up; else looked up
/// once (see job::memo).
inline double job_number(const job& j, const metric_info& info) {
  if (info.name == "error") return j.error;
  if (const double* v = j.columns ? j.columns->number(j.row, info.name) : nullptr) return *v;
  auto [it, fresh] = j.memo->try_emplace(info.name, 0.0);
  if (fresh) it->second = metric_number(j.field(info.key), info);
  return it->second;
}

/// @brief The values of a metric over a sweep's jobs, as numbers (NaN where missing).
inline std::vector<double> metric_numbers(const sweep_data& sweep, const metric_info& info) {
  std::vector<double> out;
  out.reserve(sweep.jobs.size());
  if (info.name == "error") {
    for (auto& j : sweep.jobs) out.push_back(j.error);
  } else {
    for (auto& j : sweep.jobs) out.push_back(job_number(j, info));
  }
  return out;
}

/// @brief The jobs sorted by error (best first, or worst first when `reverse`); ties keep file order.
inline std::vector<job> sorted_by_error(const sweep_data& sweep, bool reverse = false) {
  auto jobs = sweep.jobs;
  std::stable_sort(jobs.begin(), jobs.end(),
                   [reverse](const job& a, const job& b) { return reverse ? a.error > b.error : a.error < b.error; });
  return jobs;
}

/// @brief pycls's describe_sweep: one line per job, "ema=.. | err=.. | done=.. | id | DESC", best first.
inline std::string describe_sweep(const sweep_data& sweep) {
  auto ema = get_metric_info("error_ema"), tst = get_metric_info("error_tst"), done = get_metric_info("done");
  std::vector<std::pair<double, std::string>> lines;
  lines.reserve(sweep.jobs.size());
  for (auto& j : sweep.jobs) {
    auto* desc = j.field("cfg.DESC");
    std::string d = desc == nullptr ? "" : desc->is_string() ? desc->get<std::string>() : desc->dump();
    lines.emplace_back(j.error, fmt::format("ema={:.2f} | err={:.2f} | done={:.2f} | {} | {}",
                                            job_number(j, ema), job_number(j, tst), job_number(j, done), j.id, d));
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (auto& [e, line] : lines) out += (out.empty() ? "" : "\n") + line;
  return out;
}

}  // namespace sweep
// ---- end sweep/analyze/sweep_data.hpp ----

#include <fmt/ranges.h>


namespace sweep {

namespace detail {

/// @brief Up to `n` raw job records of a sweep.json (for messages only: the whole file is parsed again).
inline std::vector<nlohmann::json> sample_raw_records(const std::filesystem::path& file, std::size_t n, std::size_t& total) {
  std::vector<nlohmann::json> out;
  total = 0;
  std::string text;
  if (!read_file_into(file.string(), text)) return out;
  auto all = nlohmann::json::parse(text, nullptr, false);
  if (!all.is_array()) return out;
  total = all.size();
  for (auto& r : all) {
    if (out.size() >= n) break;
    if (r.is_object()) out.push_back(std::move(r));
  }
  return out;
}

/// @brief The record types of some jobs (top-level maps other than cfg) and their fields, sorted.
inline std::vector<std::pair<std::string, std::vector<std::string>>> record_types(const std::vector<nlohmann::json>& records) {
  std::vector<std::pair<std::string, std::vector<std::string>>> types;
  for (auto& r : records) {
    for (auto& [type, body] : r.items()) {
      if (!body.is_object() || type == "cfg" || type == "aug") continue;
      auto it = std::find_if(types.begin(), types.end(), [&type = type](auto& t) { return t.first == type; });
      if (it == types.end()) {
        types.emplace_back(type, std::vector<std::string>{});
        it = types.end() - 1;
      }
      for (auto& [field, v] : body.items()) {
        if (std::find(it->second.begin(), it->second.end(), field) == it->second.end()) it->second.push_back(field);
      }
    }
  }
  std::sort(types.begin(), types.end());
  for (auto& t : types) std::sort(t.second.begin(), t.second.end());
  return types;
}

/// @brief Every dotted field of a record, maps walked `depth` levels down (cfg.OPTIM.BASE_LR, test_epoch.top1_err).
inline void record_fields(const nlohmann::json& node, const std::string& prefix, int depth, std::vector<std::string>& out) {
  if (!node.is_object() || depth == 0) return;
  for (auto& [key, v] : node.items()) {
    auto path = prefix.empty() ? key : prefix + "." + key;
    out.push_back(path);
    record_fields(v, path, depth - 1, out);
  }
}

}  // namespace detail

/// @brief Refuses, with what the jobs do have, a sweep that has no job with the error (ANALYZE.ERROR).
/// `file` is the sweep's sweep.json, `name` the sweep's name.
inline void check_sweep_has_error(const sweep_config& cfg, const sweep_data& sweep, const std::filesystem::path& file,
                                  const std::string& name) {
  if (!sweep.jobs.empty()) return;
  std::size_t total = 0;
  auto records = detail::sample_raw_records(file, 64, total);
  config_checker checker(cfg);
  if (total == 0) {
    throw error({file.string(), 0}, "",
                fmt::format("the sweep {} has no jobs in its sweep.json yet: expected jobs that ran and logged "
                            "(see `sweep status`), then `sweep collect`", name));
  }
  auto types = detail::record_types(records);
  std::vector<std::string> fields, listed;
  for (auto& [type, names] : types) {
    listed.push_back(fmt::format("{} ({})", type, fmt::join(names, ", ")));
    for (auto& f : names) fields.push_back(type + "." + f);
  }
  auto error_key = cfg.analyze.error;
  auto suggestion = did_you_mean(error_key, fields);
  // The same field under another record type (test_ema_epoch.min_top1_err -> test_epoch.min_top1_err).
  if (suggestion.empty()) {
    auto field = error_key.substr(error_key.find('.') + 1);
    for (auto& f : fields) {
      if (f.ends_with("." + field)) {
        suggestion = " (did you mean '" + f + "'?)";
        break;
      }
    }
  }
  checker.fail("ANALYZE.ERROR",
               fmt::format("the sweep {} ({}, {} jobs) has no job with {}{}; its jobs' records are: {}",
                           name, file.string(), total, error_key, suggestion,
                           listed.empty() ? std::string("none") : fmt::format("{}", fmt::join(listed, "; "))));
}

/// @brief Refuses metric and filter names (ANALYZE.METRICS, PRE_FILTERS, SPLIT_FILTERS) that are neither a
/// shortcut nor a field any loaded job has, with a did-you-mean from the shortcuts and the jobs' fields.
inline void check_metric_names(const sweep_config& cfg, const std::vector<sweep_data>& sweeps) {
  std::shared_ptr<const nlohmann::json> example;  // whole: its fields are the did-you-mean's candidates
  for (auto& s : sweeps) {
    if (!s.jobs.empty() && s.jobs.front().columns) example = whole_record(s.jobs.front());
  }
  if (example == nullptr) return;
  auto shortcuts = metric_shortcut_names();
  auto known = [&](const std::string& name) {
    if (std::find(shortcuts.begin(), shortcuts.end(), name) != shortcuts.end()) return true;
    auto info = get_metric_info(name, cfg.analyze.error);
    for (auto& s : sweeps) {
      for (auto& j : s.jobs) {
        if (j.field(info.key) != nullptr) return true;
      }
    }
    return false;
  };
  auto candidates = shortcuts;
  detail::record_fields(*example, "", 3, candidates);
  config_checker checker(cfg);
  auto refuse = [&](const std::string& key_path, const std::string& name, const char* what) {
    auto hint = did_you_mean(name, candidates);
    checker.fail(key_path, fmt::format("'{}' is neither a metric shortcut nor a field of any job: expected {}{}{}", name, what,
                                       hint, hint.empty() ? fmt::format(" (shortcuts: {})", fmt::join(shortcuts, ", ")) : ""));
  };
  const auto& a = cfg.analyze;
  for (std::size_t i = 0; i < a.metrics.size(); ++i) {
    if (!known(a.metrics[i])) refuse(fmt::format("ANALYZE.METRICS[{}]", i), a.metrics[i], "a metric to plot");
  }
  for (auto& [name, range] : a.pre_filters) {
    if (!known(name)) refuse("ANALYZE.PRE_FILTERS." + name, name, "a metric to filter on");
  }
  for (auto& [set, filters] : a.split_filters) {
    for (auto& [name, range] : filters) {
      if (!known(name)) refuse("ANALYZE.SPLIT_FILTERS." + set + "." + name, name, "a metric to filter on");
    }
  }
}

}  // namespace sweep
// ---- end sweep/analyze/check_inputs.hpp ----

// ---- begin sweep/analyze/parameters.hpp ----
// The parameters of a sweep as the analysis sections see them: each sampled
// key of SETUP.SAMPLERS (a regnet_sampler counts as its six keys), then the
// derived metrics of ANALYZE.METRICS; a metric that reads a sampled key stands
// for it (lr for OPTIM.BASE_LR). Values that are not numbers (MODEL.TYPE: mlp)
// become category codes, so every parameter is a column of doubles.




namespace sweep {

/// @brief A parameter of the sweep: the metric it is read by, and whether its sampler is logarithmic.
struct sweep_parameter {
  metric_info info;
  bool log = false;  // log_uniform, log_normal or power2 sampler (and not already a log10 metric)
};

/// @brief A parameter's values over some jobs: numbers, or codes 0, 1, ... of `categories`.
struct parameter_column {
  std::vector<double> values;           // NaN where a job lacks it
  std::vector<std::string> categories;  // non-empty: values are indices into it
};

namespace detail {

inline bool log_rand_type(const value& sampler) {
  auto* t = sampler.child("RAND_TYPE");
  if (t == nullptr || !t->is_string()) return false;
  auto& s = t->as_string();
  return s == "log_uniform" || s == "log_normal" || s.starts_with("power2");
}

}  // namespace detail

/// @brief The parameters of `cfg`'s sweep (see the top of this file). `names`, when not empty, lists
/// them instead (metric names or dotted keys; a key under cfg. is logarithmic when its sampler is).
inline std::vector<sweep_parameter> sweep_parameters(const sweep_config& cfg, const std::vector<std::string>& names = {}) {
  std::vector<std::pair<std::string, bool>> sampled;  // "cfg.KEY", log
  const auto& samplers = cfg.setup.samplers;
  if (samplers.is_map()) {
    for (auto& [key, spec] : samplers.as_map()) {
      auto* type = spec.child("TYPE");
      if (key == "REGNET" && type && type->is_string() && type->as_string() == "regnet_sampler") {
        for (auto* k : {"DEPTH", "W0", "WA", "WM", "GROUP_W", "BOT_MUL"}) {
          sampled.emplace_back(std::string("cfg.REGNET.") + k, std::string_view(k) != "DEPTH" && std::string_view(k) != "BOT_MUL");
        }
      } else {
        sampled.emplace_back("cfg." + key, detail::log_rand_type(spec));
      }
    }
  }
  std::vector<sweep_parameter> out;
  auto add = [&](metric_info info, bool log) {
    if (std::any_of(out.begin(), out.end(), [&](auto& p) { return p.info.key == info.key && p.info.transform.map == info.transform.map; })) return;
    out.push_back({std::move(info), log});
  };
  auto log_of = [&](const metric_info& info) {
    if (info.transform.map != metric_map::none) return false;  // already on a log scale
    for (auto& [key, log] : sampled) {
      if (key == info.key) return log;
    }
    return false;
  };
  if (!names.empty()) {
    for (auto& n : names) {
      auto info = get_metric_info(n, cfg.analyze.error);
      bool log = log_of(info);
      add(std::move(info), log);
    }
    return out;
  }
  std::vector<metric_info> derived;
  for (auto& m : cfg.analyze.metrics) derived.push_back(get_metric_info(m, cfg.analyze.error));
  for (auto& [key, log] : sampled) {
    auto by = std::find_if(derived.begin(), derived.end(), [&key = key](auto& d) { return d.key == key; });
    if (by != derived.end()) {
      add(*by, false);
    } else {
      add(get_metric_info(key, cfg.analyze.error), log);
    }
  }
  for (auto& d : derived) add(d, false);
  return out;
}

/// @brief The values of parameter `p` over `jobs` (numbers; else category codes in sorted order).
inline parameter_column parameter_values(const std::vector<job>& jobs, const sweep_parameter& p) {
  parameter_column out;
  out.values.reserve(jobs.size());
  bool categorical = false;
  for (auto& j : jobs) {
    double v = job_number(j, p.info);
    if (std::isnan(v) && p.info.transform.map == metric_map::none && p.info.transform.reduce == metric_reduce::none) {
      auto* f = j.field(p.info.key);
      if (f != nullptr && !f->is_null() && !f->is_number()) categorical = true;
    }
    out.values.push_back(v);
  }
  if (!categorical) return out;
  std::map<std::string, double> codes;
  std::vector<std::string> text(jobs.size());
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    auto* f = jobs[i].field(p.info.key);
    if (f == nullptr || f->is_null()) continue;
    text[i] = f->is_string() ? f->get<std::string>() : f->dump();
    codes.emplace(text[i], 0);
  }
  for (auto& [name, code] : codes) {
    code = static_cast<double>(out.categories.size());
    out.categories.push_back(name);
  }
  for (std::size_t i = 0; i < jobs.size(); ++i) out.values[i] = text[i].empty() && !codes.count("") ? std::nan("") : codes[text[i]];
  return out;
}

}  // namespace sweep
// ---- end sweep/analyze/parameters.hpp ----

// ---- begin sweep/report/analysis_json.hpp ----
// analysis.json, written beside analysis.html: the numbers the page states,
// for scripts and notebooks. Every page gets one, whichever sections it shows:
// the EDF summary and good ranges of pycls's sections, parameter importance
// (overall and within the good range) and, with several sweeps, their
// comparisons, and with SETUP.REPEATS each config's runs and the EDF bands;
// computed with the page's seed and the sections' options
// (ANALYZE.IMPORTANCE, ANALYZE.COMPARE), so the numbers equal the page's.


// ---- begin sweep/analyze/compare.hpp ----
// Comparing two design spaces by their error distributions (pycls compares
// EDFs by eye): the two-sample Kolmogorov-Smirnov test (asymptotic p-value,
// Stephens 1970 / Numerical Recipes' probks) and percentile-bootstrap
// intervals of the difference of error quantiles (each sweep resampled on its
// own), stated in plain words.


// ---- begin sweep/analyze/statistics.hpp ----
// Statistics over a sweep: empirical-bootstrap "good ranges" (pycls's
// get_filters) and range filters (pycls's apply_filters). The bootstrap is
// seeded so the same sweep.json and seed give the same report.




namespace sweep {

/// @brief A metric's good range: 2.5th percentile, median ("best") and 97.5th percentile.
using good_range = std::array<double, 3>;

/// @brief Options of the empirical bootstrap (pycls's defaults).
struct bootstrap_options {
  int resamples = 2500;     // b
  double sample = 0.25;     // fraction of the jobs per resample (a count when > 1)
  double alpha = 5;         // percent outside the range, split between the two ends
  std::uint64_t seed = 0;
};

/// @brief numpy's default ("linear") percentile of values, p in [0, 100]; NaN if empty.
inline double percentile(std::vector<double> samples, double p) {
  std::erase_if(samples, [](double v) { return std::isnan(v); });
  if (samples.empty()) return std::nan("");
  std::sort(samples.begin(), samples.end());
  double h = (static_cast<double>(samples.size()) - 1) * p / 100.0;
  auto lo = static_cast<std::size_t>(std::floor(h));
  auto hi = std::min(lo + 1, samples.size() - 1);
  return samples[lo] + (h - static_cast<double>(lo)) * (samples[hi] - samples[lo]);
}

/// @brief A uniform index in [0, n) from a 64-bit draw, by multiply-shift: the same on every standard library,
/// unlike std::uniform_int_distribution, so bootstrap figures repeat across machines.
inline std::size_t uniform_index(std::mt19937_64& engine, std::size_t n) {
  __extension__ using wide = unsigned __int128;  // __extension__: a GCC/Clang type, no -Wpedantic noise
  return static_cast<std::size_t>((static_cast<wide>(engine()) * n) >> 64);
}

/// @brief The index of the best job (lowest error) of each bootstrap resample of `opt.sample` jobs drawn
/// with replacement. The best of m uniform draws is drawn directly, not by drawing the m jobs: its rank r
/// among the jobs sorted by error (best first) has P(rank > r) = ((n - 1 - r) / n)^m, so one uniform u gives
/// r = floor(n - 1 - n (1 - u)^(1/m)) + 1; among jobs of equal error the draw is uniform, as the first
/// drawn of them wins in a resample. The same distribution as m draws per resample, in O(n log n + b)
/// instead of O(b m) (2500 resamples of 25,000 jobs: 62 million draws at 100,000 jobs). A NaN error
/// ranks last: it is the best only of a resample of NaNs.
inline std::vector<std::size_t> bootstrap_best(const std::vector<double>& errors, const bootstrap_options& opt = {}) {
  if (errors.empty()) throw error("the bootstrap needs at least one job");
  std::size_t n = errors.size();
  double m = opt.sample > 1 ? std::floor(opt.sample) : std::max(1.0, std::floor(static_cast<double>(n) * opt.sample));
  std::vector<std::size_t> by_error(n);
  std::iota(by_error.begin(), by_error.end(), std::size_t{0});
  auto better = [&](std::size_t a, std::size_t b) { return errors[a] < errors[b] || (std::isnan(errors[b]) && !std::isnan(errors[a])); };
  std::stable_sort(by_error.begin(), by_error.end(), better);
  std::mt19937_64 engine(opt.seed);
  auto nd = static_cast<double>(n);
  std::vector<std::size_t> best(static_cast<std::size_t>(std::max(opt.resamples, 1)));
  for (auto& b : best) {
    double u = static_cast<double>(engine() >> 11) * 0x1.0p-53;  // [0, 1), 53 bits, the same everywhere
    double x = std::floor(nd - 1 - nd * std::pow(1 - u, 1 / m)) + 1;
    auto rank = static_cast<std::size_t>(std::clamp(x, 0.0, nd - 1));
    // The jobs tied with this rank's error (NaNs tie with each other): one of them, uniformly.
    auto tied = [&](std::size_t i) { return !better(by_error[rank], i) && !better(i, by_error[rank]); };
    auto first = std::partition_point(by_error.begin(), by_error.begin() + static_cast<std::ptrdiff_t>(rank),
                                      [&](std::size_t i) { return !tied(i); });
    auto last = std::partition_point(by_error.begin() + static_cast<std::ptrdiff_t>(rank), by_error.end(), tied);
    b = first[static_cast<std::ptrdiff_t>(uniform_index(engine, static_cast<std::size_t>(last - first)))];
  }
  return best;
}

/// @brief The good range of one metric's values given the bootstrap's best jobs.
inline good_range good_range_of(const std::vector<double>& samples, const std::vector<std::size_t>& best,
                                double alpha = 5) {
  std::vector<double> picked;
  picked.reserve(best.size());
  for (auto i : best) picked.push_back(samples[i]);
  return {percentile(picked, alpha / 2), percentile(picked, 50), percentile(picked, 100 - alpha / 2)};
}

/// @brief pycls's get_filters: a good range per metric from one shared set of bootstrap resamples.
inline std::vector<good_range> good_ranges(const sweep_data& sweep, const std::vector<metric_info>& metrics,
                                           const bootstrap_options& opt = {}) {
  std::vector<double> errors;
  for (auto& j : sweep.jobs) errors.push_back(j.error);
  if (errors.empty()) throw error({sweep.file, 0}, sweep.name, "cannot bootstrap an empty sweep");
  auto best = bootstrap_best(errors, opt);
  std::vector<good_range> out;
  for (auto& m : metrics) out.push_back(good_range_of(metric_numbers(sweep, m), best, opt.alpha));
  return out;
}

/// @brief pycls's apply_filters: keeps the jobs with min <= metric <= max for every filter.
inline sweep_data apply_filters(const sweep_data& sweep, const filter_set& filters,
                                std::string_view error_key = "test_ema_epoch.min_top1_err") {
  sweep_data out{sweep.name, sweep.file, {}, sweep.skipped};
  std::vector<metric_info> infos;
  for (auto& f : filters) infos.push_back(get_metric_info(f.first, error_key));
  for (auto& j : sweep.jobs) {
    bool keep = true;
    for (std::size_t k = 0; k < filters.size() && keep; ++k) {
      double v = job_number(j, infos[k]);
      keep = filters[k].second[0] <= v && v <= filters[k].second[2];  // NaN (missing) fails
    }
    if (keep) out.jobs.push_back(j);
  }
  return out;
}

}  // namespace sweep
// ---- end sweep/analyze/statistics.hpp ----



namespace sweep {

/// @brief Options of a comparison.
struct compare_options {
  std::vector<double> quantiles = {10, 50};  // percentiles of the error compared
  int resamples = 1000;
  double alpha = 5;  // percent outside each interval
  std::uint64_t seed = 0;
};

/// @brief The difference a - b of one error percentile, with its bootstrap interval.
struct quantile_difference {
  double percentile = 0;
  double a = 0, b = 0;            // each sweep's percentile of the error
  double diff = 0, low = 0, high = 0;
};

/// @brief Two sweeps compared: the KS test and the quantile differences.
struct comparison {
  std::string a, b;
  std::size_t n_a = 0, n_b = 0;
  double ks_statistic = 0, p_value = 1;
  std::vector<quantile_difference> quantiles;
};

/// @brief Kolmogorov's Q(lambda) = 2 sum_k (-1)^(k-1) exp(-2 k^2 lambda^2), the KS tail probability.
inline double kolmogorov_q(double lambda) {
  if (lambda < 1e-3) return 1;
  double sum = 0, sign = 1, previous = 0;
  for (int k = 1; k <= 100; ++k) {
    double term = sign * 2 * std::exp(-2.0 * k * k * lambda * lambda);
    sum += term;
    if (std::abs(term) <= 1e-10 * std::abs(previous) || std::abs(term) <= 1e-16 * sum) return std::clamp(sum, 0.0, 1.0);
    sign = -sign;
    previous = term;
  }
  return 1;  // did not converge: lambda is tiny
}

/// @brief The two-sample KS statistic D = sup |F_a - F_b| and its asymptotic p-value.
inline std::pair<double, double> ks_test(std::vector<double> a, std::vector<double> b) {
  if (a.empty() || b.empty()) return {0, 1};
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  double na = static_cast<double>(a.size()), nb = static_cast<double>(b.size()), d = 0;
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    double x = std::min(a[i], b[j]);
    while (i < a.size() && a[i] <= x) ++i;
    while (j < b.size() && b[j] <= x) ++j;
    d = std::max(d, std::abs(static_cast<double>(i) / na - static_cast<double>(j) / nb));
  }
  double en = std::sqrt(na * nb / (na + nb));
  return {d, kolmogorov_q((en + 0.12 + 0.11 / en) * d)};
}

/// @brief Compares the errors of two sweeps (see compare_options).
inline comparison compare_errors(const std::string& name_a, const std::vector<double>& a, const std::string& name_b,
                                 const std::vector<double>& b, const compare_options& opt = {}) {
  comparison out{name_a, name_b, a.size(), b.size(), 0, 1, {}};
  std::tie(out.ks_statistic, out.p_value) = ks_test(a, b);
  if (a.empty() || b.empty()) return out;
  std::mt19937_64 engine(opt.seed);
  auto resample = [&](const std::vector<double>& from, std::vector<double>& into) {
    into.resize(from.size());
    for (auto& v : into) v = from[uniform_index(engine, from.size())];
    std::sort(into.begin(), into.end());
  };
  auto sorted_percentile = [](const std::vector<double>& s, double p) {
    double h = (static_cast<double>(s.size()) - 1) * p / 100.0;
    auto lo = static_cast<std::size_t>(std::floor(h));
    auto hi = std::min(lo + 1, s.size() - 1);
    return s[lo] + (h - static_cast<double>(lo)) * (s[hi] - s[lo]);
  };
  std::vector<std::vector<double>> diffs(opt.quantiles.size());
  std::vector<double> ra, rb;
  for (int r = 0; r < opt.resamples; ++r) {
    resample(a, ra);
    resample(b, rb);
    for (std::size_t q = 0; q < opt.quantiles.size(); ++q) {
      diffs[q].push_back(sorted_percentile(ra, opt.quantiles[q]) - sorted_percentile(rb, opt.quantiles[q]));
    }
  }
  for (std::size_t q = 0; q < opt.quantiles.size(); ++q) {
    quantile_difference d;
    d.percentile = opt.quantiles[q];
    d.a = percentile(a, d.percentile);
    d.b = percentile(b, d.percentile);
    d.diff = d.a - d.b;
    d.low = diffs[q].empty() ? d.diff : percentile(diffs[q], opt.alpha / 2);
    d.high = diffs[q].empty() ? d.diff : percentile(diffs[q], 100 - opt.alpha / 2);
    out.quantiles.push_back(d);
  }
  return out;
}

/// @brief Compares two sweeps' errors.
inline comparison compare_sweeps(const sweep_data& a, const sweep_data& b, const compare_options& opt = {}) {
  std::vector<double> ea, eb;
  for (auto& j : a.jobs) ea.push_back(j.error);
  for (auto& j : b.jobs) eb.push_back(j.error);
  return compare_errors(a.name, ea, b.name, eb, opt);
}

/// @brief "10th" for 10, "50th" for 50, "1st", "2nd", "3rd".
inline std::string ordinal(double p) {
  if (p != std::floor(p)) return fmt::format("{}th", p);
  auto n = static_cast<long>(p);
  const char* suffix = (n % 100 >= 11 && n % 100 <= 13) ? "th" : n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" : "th";
  return fmt::format("{}{}", n, suffix);
}

/// @brief One quantile difference in plain words (lower error is better), e.g. "optim_a is better
/// than optim_b at the 10th percentile of the error by 0.8 to 1.4 points (5.2 versus 6.3)".
inline std::string describe_difference(const comparison& c, const quantile_difference& d) {
  auto at = fmt::format("at the {} percentile of the error", ordinal(d.percentile));
  auto both = fmt::format("({:.2f} versus {:.2f})", d.a, d.b);
  if (d.high < 0) return fmt::format("{} is better than {} {} by {:.2f} to {:.2f} points {}", c.a, c.b, at, -d.high, -d.low, both);
  if (d.low > 0) return fmt::format("{} is better than {} {} by {:.2f} to {:.2f} points {}", c.b, c.a, at, d.low, d.high, both);
  return fmt::format("{} and {} do not differ clearly {}: {} minus {} is {:.2f} to {:.2f} points, which includes 0 {}", c.a, c.b, at,
                     c.a, c.b, d.low, d.high, both);
}

/// @brief The KS test in plain words.
inline std::string describe_ks(const comparison& c) {
  auto numbers = fmt::format("Kolmogorov-Smirnov D = {:.3f}, p = {:.3g}, {} and {} jobs", c.ks_statistic, c.p_value, c.n_a, c.n_b);
  if (c.p_value < 0.05) return fmt::format("The error distributions of {} and {} differ ({}).", c.a, c.b, numbers);
  return fmt::format("The error distributions of {} and {} may be the same: the test finds no difference at the 5 % level ({}).", c.a, c.b,
                     numbers);
}

}  // namespace sweep
// ---- end sweep/analyze/compare.hpp ----

// ---- begin sweep/analyze/importance.hpp ----
// Parameter importance: the share of the error's variance each parameter
// explains on its own, i.e. its functional-ANOVA main effect (the first-order
// Sobol' index, Var(E[error | x]) / Var(error)); Hooker 2007, Hutter, Hoos &
// Leyton-Brown 2014 (fANOVA). Estimated without a surrogate model: each
// parameter's values are cut into equal-count bins and the share is the
// bias-corrected correlation ratio omega^2 (Hays 1963) of the error over the
// bins, so a parameter with no effect scores about 0 rather than (bins-1)/n.
// Percentile-bootstrap intervals (Efron & Tibshirani 1993) resample the jobs.



namespace sweep {

/// @brief Options of parameter importance.
struct importance_options {
  int bins = 10;          // bins per parameter (fewer when it takes fewer distinct values)
  int resamples = 200;    // bootstrap resamples for the intervals
  double alpha = 5;       // percent outside each interval
  std::uint64_t seed = 0;
};

/// @brief One parameter's main effect: its share of the error's variance and a bootstrap interval.
struct importance_share {
  std::string key;  // the metric name (e.g. "lr") or dotted key
  double share = 0, low = 0, high = 0;
};

/// @brief The main effects of several parameters over one set of jobs.
struct importance_result {
  std::vector<importance_share> shares;  // in the order the parameters were given
  /// @brief 1 - the sum of the shares: interactions between parameters and noise.
  importance_share rest{"interactions and noise", 0, 0, 0};
  std::size_t jobs = 0;
};

namespace detail {

/// @brief Equal-count bins of `values`: one per distinct value when there are at most `bins`,
/// else cut at the sorted values' quantiles (ties stay in one bin). NaN gets a bin of its own.
inline std::vector<std::uint32_t> importance_bins(const std::vector<double>& values, int bins, std::uint32_t& count) {
  std::vector<double> sorted;
  sorted.reserve(values.size());
  for (double v : values) {
    if (!std::isnan(v)) sorted.push_back(v);
  }
  std::sort(sorted.begin(), sorted.end());
  std::vector<double> distinct = sorted;
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  std::vector<double> edges;  // bin k holds edges[k-1] <= v < edges[k]
  if (distinct.size() <= static_cast<std::size_t>(bins)) {
    if (!distinct.empty()) edges.assign(distinct.begin() + 1, distinct.end());
  } else {
    for (int k = 1; k < bins; ++k) edges.push_back(sorted[sorted.size() * static_cast<std::size_t>(k) / static_cast<std::size_t>(bins)]);
    edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  }
  auto nan_bin = static_cast<std::uint32_t>(edges.size() + 1);
  count = nan_bin + 1;
  std::vector<std::uint32_t> out(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    out[i] = std::isnan(values[i]) ? nan_bin
                                   : static_cast<std::uint32_t>(std::upper_bound(edges.begin(), edges.end(), values[i]) - edges.begin());
  }
  return out;
}

/// @brief omega^2 of the error over bins from per-bin counts, sums and the total sum of squares.
inline double omega_squared(const std::vector<double>& n, const std::vector<double>& sum, double total_n, double total_sum,
                            double total_sq) {
  double mean = total_sum / total_n;
  double sst = total_sq - total_sum * mean;
  if (!(sst > 1e-12 * std::max(1.0, total_sq))) return 0;  // a constant error: nothing to explain
  double ssb = 0;
  int groups = 0;
  for (std::size_t b = 0; b < n.size(); ++b) {
    if (n[b] == 0) continue;
    ++groups;
    ssb += sum[b] * sum[b] / n[b];
  }
  ssb -= total_sum * mean;
  if (groups < 2 || total_n <= groups) return 0;
  double msw = (sst - ssb) / (total_n - groups);
  return std::clamp((ssb - (groups - 1) * msw) / (sst + msw), 0.0, 1.0);
}

}  // namespace detail

/// @brief The main effect of each column of `params` (one value per job, NaN when missing) on
/// `errors`: omega^2 over equal-count bins, with percentile-bootstrap intervals over resampled jobs.
/// @sa docs/report.md#importance
inline importance_result main_effects(const std::vector<double>& errors, const std::vector<std::vector<double>>& params,
                                      const std::vector<std::string>& keys, const importance_options& opt = {}) {
  if (params.size() != keys.size()) throw error("main_effects: one key per parameter column expected");
  std::size_t n = errors.size();
  importance_result out;
  out.jobs = n;
  std::size_t p = params.size();
  std::vector<std::vector<std::uint32_t>> bins(p);
  std::vector<std::uint32_t> counts(p);
  for (std::size_t k = 0; k < p; ++k) {
    if (params[k].size() != n) throw error("main_effects: every parameter column needs one value per job");
    bins[k] = detail::importance_bins(params[k], std::max(opt.bins, 2), counts[k]);
  }
  // One pass over a (re)sample: weights w[i] = how often job i was drawn.
  std::vector<std::vector<double>> bn(p), bs(p);
  auto shares_of = [&](const std::vector<double>* w, std::vector<double>& into) {
    double tn = 0, ts = 0, tq = 0;
    for (std::size_t k = 0; k < p; ++k) {
      bn[k].assign(counts[k], 0.0);
      bs[k].assign(counts[k], 0.0);
    }
    for (std::size_t i = 0; i < n; ++i) {
      double wi = w ? (*w)[i] : 1.0;
      if (wi == 0) continue;
      double e = errors[i];
      tn += wi;
      ts += wi * e;
      tq += wi * e * e;
      for (std::size_t k = 0; k < p; ++k) {
        bn[k][bins[k][i]] += wi;
        bs[k][bins[k][i]] += wi * e;
      }
    }
    into.resize(p);
    for (std::size_t k = 0; k < p; ++k) into[k] = n < 3 ? 0.0 : detail::omega_squared(bn[k], bs[k], tn, ts, tq);
  };
  std::vector<double> point;
  shares_of(nullptr, point);
  double point_sum = 0;
  for (double s : point) point_sum += s;

  std::vector<std::vector<double>> draws(p + 1);
  if (n >= 3 && opt.resamples > 0) {
    std::mt19937_64 engine(opt.seed);
    std::vector<double> w(n), shares;
    for (int r = 0; r < opt.resamples; ++r) {
      std::fill(w.begin(), w.end(), 0.0);
      for (std::size_t i = 0; i < n; ++i) w[uniform_index(engine, n)] += 1;
      shares_of(&w, shares);
      double sum = 0;
      for (std::size_t k = 0; k < p; ++k) {
        draws[k].push_back(shares[k]);
        sum += shares[k];
      }
      draws[p].push_back(std::max(0.0, 1 - sum));
    }
  }
  auto interval = [&](std::size_t k, double at) -> std::pair<double, double> {
    if (draws[k].empty()) return {at, at};
    return {percentile(draws[k], opt.alpha / 2), percentile(draws[k], 100 - opt.alpha / 2)};
  };
  for (std::size_t k = 0; k < p; ++k) {
    auto [lo, hi] = interval(k, point[k]);
    out.shares.push_back({keys[k], point[k], lo, hi});
  }
  out.rest.share = std::max(0.0, 1 - point_sum);
  std::tie(out.rest.low, out.rest.high) = interval(p, out.rest.share);
  return out;
}

/// @brief A sweep's parameter importance: over all its jobs, and over the jobs inside every
/// parameter's bootstrap good range (the region the best jobs come from; optuna #4985).
struct sweep_importance {
  importance_result overall;
  importance_result good;                 // empty shares when fewer than `min_jobs` jobs are inside
  std::vector<std::array<double, 2>> ranges;  // each parameter's good range [2.5 %, 97.5 %]
  std::size_t good_jobs = 0;
};

/// @brief Importance of `params` for `sweep` (see main_effects); the good range is the bootstrap's
/// (good_ranges' resamples of the best jobs, `boot`), as the Metrics section draws it.
inline sweep_importance importance_of(const sweep_data& sweep, const std::vector<sweep_parameter>& params,
                                      const importance_options& opt = {}, const bootstrap_options& boot = {},
                                      std::size_t min_jobs = 20) {
  sweep_importance out;
  std::vector<double> errors;
  errors.reserve(sweep.jobs.size());
  for (auto& j : sweep.jobs) errors.push_back(j.error);
  std::vector<std::vector<double>> columns;
  std::vector<std::string> keys;
  for (auto& p : params) {
    columns.push_back(parameter_values(sweep.jobs, p).values);
    keys.push_back(p.info.name);
  }
  out.overall = main_effects(errors, columns, keys, opt);
  if (errors.empty()) return out;
  auto best = bootstrap_best(errors, boot);
  for (auto& c : columns) {
    auto r = good_range_of(c, best, boot.alpha);
    out.ranges.push_back({r[0], r[2]});
  }
  std::vector<std::size_t> inside;
  for (std::size_t i = 0; i < errors.size(); ++i) {
    bool in = true;
    for (std::size_t k = 0; k < columns.size() && in; ++k) {
      auto [lo, hi] = out.ranges[k];
      if (!std::isnan(lo)) in = lo <= columns[k][i] && columns[k][i] <= hi;
    }
    if (in) inside.push_back(i);
  }
  out.good_jobs = inside.size();
  out.good.jobs = inside.size();
  if (inside.size() < min_jobs) return out;
  std::vector<double> e2;
  std::vector<std::vector<double>> c2(columns.size());
  for (auto i : inside) {
    e2.push_back(errors[i]);
    for (std::size_t k = 0; k < columns.size(); ++k) c2[k].push_back(columns[k][i]);
  }
  out.good = main_effects(e2, c2, keys, opt);
  return out;
}

}  // namespace sweep
// ---- end sweep/analyze/importance.hpp ----

// ---- begin sweep/report/section.hpp ----
// A report section: one numbered part of analysis.html (pycls's "EDF",
// "Metrics", ... and the user's own). A section is a small type with a name
// (what ANALYZE.SECTIONS calls it), a title (its heading), its own options
// (read from ANALYZE.<NAME>) and a render function that adds plots and text to
// the page from the analysis context: the loaded sweeps, the sweeps after
// PRE_FILTERS and SPLIT_FILTERS, the job rows the plots' points link to.
//
//   struct my_section {
//     static constexpr std::string_view name = "my_section";   // ANALYZE.SECTIONS: [..., my_section]
//     static constexpr std::string_view title = "My Section";  // the heading
//     using options = sweep::no_options;                       // or a BOOST_HANA_DEFINE_STRUCT struct
//     void render(const sweep::analysis_context& ctx, const options& opts, sweep::html_book& book) const;
//     bool shown(const sweep::analysis_context& ctx, const options& opts) const;  // optional: true
//     std::vector<std::string> reads(const options& opts) const;  // optional: fields it reads
//   };
//   SWEEP_REGISTER(sweep::register_report_section<my_section>);   // report/sections.hpp


// ---- begin sweep/analyze/repeats.hpp ----
// Seed repeats (SETUP.REPEATS): a config run k times with different training
// seeds. Its jobs share cfg.DESC (the config's key; setup gives distinct
// configs distinct keys) and differ in cfg.RNG_SEED, so they are found in any
// sweep.json, including an extra sweep's. The analysis stands each config for one point at its mean
// error; the spread of its runs is what the seed alone changes, and the
// bootstrap band around the EDF of the means says how far that EDF could move
// with other seeds and another sample of configs.



namespace sweep {

namespace detail {

inline double sample_sd(const std::vector<double>& v) {
  if (v.size() < 2) return 0;
  double mean = 0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return std::sqrt(ss / static_cast<double>(v.size() - 1));
}

}  // namespace detail

/// @brief One config's runs: its key, its jobs (file order) and their errors, and their statistics.
struct repeat_group {
  std::string desc;                // cfg.DESC, the config's key
  std::vector<std::string> ids;    // its jobs
  std::vector<double> errors;      // their errors, in the same order
  double mean = 0, sd = 0, min = 0, max = 0;  // sd: the sample standard deviation (0 for one run)
};

/// @brief The configs of one sweep and how their runs spread.
struct repeat_summary {
  std::string sweep;                 // the sweep's name
  std::vector<repeat_group> groups;  // one per config, in the order of their first job
  std::size_t jobs = 0;              // analysed runs over all configs

  /// @brief Whether some config has more than one run (else the sweep is analysed job by job).
  [[nodiscard]] bool repeated() const noexcept { return groups.size() < jobs; }
  /// @brief The most runs of one config.
  [[nodiscard]] std::size_t most_runs() const noexcept {
    std::size_t k = 0;
    for (auto& g : groups) k = std::max(k, g.ids.size());
    return k;
  }
  /// @brief The seeds' standard deviation pooled over the configs (each weighted by its runs - 1).
  [[nodiscard]] double seed_sd() const {
    double ss = 0, dof = 0;
    for (auto& g : groups) {
      if (g.ids.size() < 2) continue;
      ss += g.sd * g.sd * static_cast<double>(g.ids.size() - 1);
      dof += static_cast<double>(g.ids.size() - 1);
    }
    return dof > 0 ? std::sqrt(ss / dof) : std::nan("");
  }
  /// @brief The standard deviation of the configs' mean errors.
  [[nodiscard]] double config_sd() const {
    std::vector<double> means;
    for (auto& g : groups) means.push_back(g.mean);
    return detail::sample_sd(means);
  }
};


namespace detail {

inline void describe_group(repeat_group& g) {
  double sum = 0;
  for (double e : g.errors) sum += e;
  g.mean = sum / static_cast<double>(g.errors.size());
  g.sd = sample_sd(g.errors);
  g.min = *std::min_element(g.errors.begin(), g.errors.end());
  g.max = *std::max_element(g.errors.begin(), g.errors.end());
}

}  // namespace detail

/// @brief The text of a job's config field (dotted key under cfg), "" when it has none.
inline std::string cfg_text(const job& j, std::string_view key) {
  const auto* field = j.field(key);
  if (field == nullptr) return {};
  return field->is_string() ? field->get<std::string>() : field->dump();
}

/// @brief Groups the sweep's jobs by config and, when some config has several runs, makes the sweep one
/// job per config: its first run's record, with the mean error of its runs. Other metrics are the first
/// run's (a config's parameters are the same in all). Runs of one config share a non-empty cfg.DESC (its
/// key) and differ in cfg.RNG_SEED, as SETUP.REPEATS writes them; jobs sharing a DESC without distinct
/// seeds (a program that logs one DESC for all) are configs of their own.
inline repeat_summary average_repeats(sweep_data& sweep) {
  repeat_summary out;
  out.sweep = sweep.name;
  out.jobs = sweep.jobs.size();
  std::unordered_map<std::string, std::size_t> index;
  std::vector<std::vector<std::size_t>> members;
  for (std::size_t i = 0; i < sweep.jobs.size(); ++i) {
    auto desc = cfg_text(sweep.jobs[i], "cfg.DESC");
    auto [it, fresh] = desc.empty() ? std::pair{index.end(), true} : index.try_emplace(desc, members.size());
    if (fresh) members.emplace_back();
    members[desc.empty() ? members.size() - 1 : it->second].push_back(i);
  }
  std::vector<std::vector<std::size_t>> configs;
  for (auto& m : members) {
    std::vector<std::string> seeds;
    for (auto i : m) seeds.push_back(cfg_text(sweep.jobs[i], "cfg.RNG_SEED"));
    std::sort(seeds.begin(), seeds.end());
    bool distinct = std::adjacent_find(seeds.begin(), seeds.end()) == seeds.end() && !seeds.front().empty();
    if (m.size() == 1 || distinct) {
      configs.push_back(std::move(m));
    } else {
      for (auto i : m) configs.push_back({i});
    }
  }
  std::sort(configs.begin(), configs.end(), [](auto& a, auto& b) { return a.front() < b.front(); });
  for (auto& m : configs) {
    auto& g = out.groups.emplace_back();
    g.desc = cfg_text(sweep.jobs[m.front()], "cfg.DESC");
    for (auto i : m) {
      g.ids.push_back(sweep.jobs[i].id);
      g.errors.push_back(sweep.jobs[i].error);
    }
    detail::describe_group(g);
  }
  if (!out.repeated()) return out;
  std::vector<job> averaged;
  averaged.reserve(configs.size());
  for (std::size_t k = 0; k < configs.size(); ++k) {
    averaged.push_back(sweep.jobs[configs[k].front()]);
    averaged.back().error = out.groups[k].mean;
  }
  sweep.jobs = std::move(averaged);
  return out;
}

/// @brief A pointwise confidence band around an EDF: at each x, the low and high percentiles of the
/// bootstrap EDFs' values.
struct edf_band {
  double level = 95;  // percent inside the band
  std::vector<double> x, low, high;
};

/// @brief The band around the EDF of the configs' mean errors, by a two-stage bootstrap: each resample
/// draws the configs with replacement, then each drawn config's runs with replacement, and takes their
/// mean (so both the choice of configs and the seeds vary); the EDF of the means is read at `points`
/// evenly spaced errors. Seeded by `opt.seed`; `opt.resamples` (at most 1000) resamples.
inline edf_band bootstrap_edf_band(const std::vector<repeat_group>& groups, const bootstrap_options& opt, std::size_t points = 200) {
  edf_band band;
  band.level = 100 - opt.alpha;
  if (groups.empty()) return band;
  double lo = INFINITY, hi = -INFINITY;
  for (auto& g : groups) {
    lo = std::min(lo, g.min);
    hi = std::max(hi, g.max);
  }
  points = hi > lo ? std::max<std::size_t>(points, 2) : 1;
  for (std::size_t p = 0; p < points; ++p) {
    band.x.push_back(points == 1 ? lo : lo + (hi - lo) * static_cast<double>(p) / static_cast<double>(points - 1));
  }
  auto resamples = static_cast<std::size_t>(std::clamp(opt.resamples, 1, 1000));
  std::mt19937_64 engine(opt.seed);
  std::size_t n = groups.size();
  // edf_values[p * resamples + b]: the EDF of resample b at x[p]
  std::vector<double> edf_values(points * resamples);
  std::vector<std::size_t> counts(points);
  for (std::size_t b = 0; b < resamples; ++b) {
    std::fill(counts.begin(), counts.end(), 0);
    for (std::size_t k = 0; k < n; ++k) {
      const auto& g = groups[uniform_index(engine, n)];
      double sum = 0;
      for (std::size_t r = 0; r < g.errors.size(); ++r) sum += g.errors[uniform_index(engine, g.errors.size())];
      double mean = sum / static_cast<double>(g.errors.size());
      // the first grid point at or above the mean: the EDF counts it from there on
      auto at = static_cast<std::size_t>(std::lower_bound(band.x.begin(), band.x.end(), mean) - band.x.begin());
      if (at < points) ++counts[at];
    }
    std::size_t running = 0;
    for (std::size_t p = 0; p < points; ++p) {
      running += counts[p];
      edf_values[p * resamples + b] = static_cast<double>(running) / static_cast<double>(n);
    }
  }
  for (std::size_t p = 0; p < points; ++p) {
    std::vector<double> at(edf_values.begin() + static_cast<std::ptrdiff_t>(p * resamples),
                           edf_values.begin() + static_cast<std::ptrdiff_t>((p + 1) * resamples));
    band.low.push_back(percentile(at, opt.alpha / 2));
    band.high.push_back(percentile(std::move(at), 100 - opt.alpha / 2));
  }
  return band;
}

/// @brief How far apart two configs' mean errors must be for k runs each to tell them apart (95%, a
/// normal approximation with the pooled seed spread): 1.96 x seed_sd x sqrt(2 / k).
inline double seed_resolution(const repeat_summary& s) {
  auto k = static_cast<double>(std::max<std::size_t>(1, s.most_runs()));
  return 1.96 * s.seed_sd() * std::sqrt(2.0 / k);
}

}  // namespace sweep
// ---- end sweep/analyze/repeats.hpp ----

// ---- begin sweep/report/html_book.hpp ----
// The html book (pycls's Htmlbook): a title, a table of contents, numbered
// sections with [top] links, collapsible details and inline SVG figures, in
// one self-contained page (no external scripts, styles or fonts). A tiny
// inline script shows the job behind a hovered point and sorts tables.


// ---- begin sweep/report/figure.hpp ----
// A small figure/axes model for the report's plots: a figure is a grid of
// axes; an axes holds series (line, step, scatter, band) drawn against two
// axis scales (linear, log10, log2), a legend and a grid. Plots are built by
// composing these pieces, then rendered to SVG by render_svg (svg.hpp).



namespace sweep::plot {

/// @brief An sRGB colour.
struct color {
  std::uint8_t r = 0, g = 0, b = 0;
  /// @brief "#rrggbb".
  [[nodiscard]] std::string hex() const { return fmt::format("#{:02x}{:02x}{:02x}", r, g, b); }
  /// @brief A grey level in [0, 1] (matplotlib's "0.7").
  static color grey(double level) {
    auto v = static_cast<std::uint8_t>(level * 255.0 + 0.5);
    return {v, v, v};
  }
  friend bool operator==(const color&, const color&) = default;
};

/// @brief matplotlib's tab10 colour cycle.
inline constexpr std::array<color, 10> tab10 = {{{0x1f, 0x77, 0xb4}, {0xff, 0x7f, 0x0e}, {0x2c, 0xa0, 0x2c},
                                                 {0xd6, 0x27, 0x28}, {0x94, 0x67, 0xbd}, {0x8c, 0x56, 0x4b},
                                                 {0xe3, 0x77, 0xc2}, {0x7f, 0x7f, 0x7f}, {0xbc, 0xbd, 0x22},
                                                 {0x17, 0xbe, 0xcf}}};

/// @brief The i-th colour of the cycle (it repeats after ten).
inline color cycle_color(std::size_t i) { return tab10[i % tab10.size()]; }

inline constexpr color black{0, 0, 0};

/// @brief How data maps to an axis.
enum class scale { linear, log10, log2 };

/// @brief A point marker.
enum class marker { none, circle, open_circle, triangle_up, triangle_down, diamond, square };

/// @brief A line pattern.
enum class dash { none, solid, dashed, dotted };

/// @brief How a series is drawn.
struct style {
  color stroke = tab10[0];
  double alpha = 1.0;
  double width = 1.25;           // line width, px
  dash line = dash::solid;       // dash::none: markers only
  marker mark = marker::none;
  double marker_size = 6;        // marker diameter, px
};

/// @brief The kinds of series.
enum class series_kind { line, step, scatter, band };

/// @brief One series: points (x, y), for a band also y2 (the other edge).
struct series {
  series_kind kind = series_kind::line;
  std::vector<double> x, y, y2;
  style look;
  std::string label;      // legend entry ("" = none); '\n' separates lines
  std::vector<int> ids;   // per point: the job it stands for (hover), -1 for none
};

/// @brief An axis: scale, limits (automatic unless set), label and ticks.
struct axis {
  plot::scale kind = scale::linear;
  std::optional<double> lo, hi;      // data limits; unset ones come from the data plus the margin
  double margin = 0.05;              // fraction of the data span added on each side
  std::string label;
  std::vector<double> ticks;         // explicit major ticks (empty = automatic)
  std::vector<std::string> tick_labels;
  std::vector<double> minor_ticks;   // drawn as grid lines only
  bool integer_ticks = false;        // automatic ticks on integers only
  bool show_ticks = true;            // false: no tick labels (pycls's set_xticks([]))
};

/// @brief Where a legend sits inside its axes.
enum class corner { upper_left, upper_right, lower_left, lower_right };

/// @brief An axes' legend: made from the labels of its series.
struct legend {
  bool show = false;
  corner where = corner::upper_left;
  std::string title;
  bool glyphs = true;  // false: text only (pycls's markerscale=0 legends)
};

/// @brief One plot of a figure.
struct axes {
  axis x, y;
  std::vector<series> items;
  plot::legend key;
  bool grid = true;
  bool visible = true;

  /// @brief Adds a line through the points.
  series& line(std::vector<double> xs, std::vector<double> ys, style look = {}, std::string label = {}) {
    return items.emplace_back(series{series_kind::line, std::move(xs), std::move(ys), {}, look, std::move(label), {}});
  }
  /// @brief Adds a post-step line (the value holds until the next x).
  series& step(std::vector<double> xs, std::vector<double> ys, style look = {}, std::string label = {}) {
    return items.emplace_back(series{series_kind::step, std::move(xs), std::move(ys), {}, look, std::move(label), {}});
  }
  /// @brief Adds markers at the points; `ids` names the job behind each point (for hovering).
  series& scatter(std::vector<double> xs, std::vector<double> ys, style look = {}, std::string label = {},
                  std::vector<int> ids = {}) {
    if (look.mark == marker::none) look.mark = marker::circle;
    look.line = dash::none;
    return items.emplace_back(
        series{series_kind::scatter, std::move(xs), std::move(ys), {}, look, std::move(label), std::move(ids)});
  }
  /// @brief Fills between y1 and y2 over xs (matplotlib's fill_between).
  series& band(std::vector<double> xs, std::vector<double> y1, std::vector<double> y2, style look = {},
               std::string label = {}) {
    look.line = dash::none;
    return items.emplace_back(
        series{series_kind::band, std::move(xs), std::move(y1), std::move(y2), look, std::move(label), {}});
  }
};

/// @brief Which axes share a range: none, all, each row, each column.
enum class share { none, all, row, col };

/// @brief A legend entry of the whole figure (above the grid).
struct figure_entry {
  std::string label;
  style look;
};

/// @brief A grid of axes with shared ranges and a figure legend on top.
struct figure {
  int rows = 1, cols = 1;
  std::vector<axes> panels;  // row-major
  share share_x = share::none, share_y = share::none;
  std::vector<figure_entry> entries;  // the figure legend
  int legend_cols = 1;
  double panel_width = 330, panel_height = 225;  // px per cell
  std::string caption;  // a short description, used as the SVG's accessible name

  figure() : panels(1) {}
  figure(int m, int n) : rows(m), cols(n), panels(static_cast<std::size_t>(m * n)) {}

  /// @brief The axes at row i, column j.
  axes& at(int i, int j) { return panels[static_cast<std::size_t>(i * cols + j)]; }
  [[nodiscard]] const axes& at(int i, int j) const { return panels[static_cast<std::size_t>(i * cols + j)]; }
};

}  // namespace sweep::plot
// ---- end sweep/report/figure.hpp ----

// ---- begin sweep/report/svg.hpp ----
// Renders a plot::figure as inline SVG: each axes in its cell of the grid,
// shared ranges resolved per row/column, grid lines, clipped series, tick and
// axis labels, legends. Points that stand for a job carry data-j="<row>" so
// the report's script can show that job when the point is hovered.


// ---- begin sweep/report/ticks.hpp ----
// Readable axis ticks: "nice" steps (1, 2, 2.5, 5 x 10^k) on linear axes,
// powers of the base on log axes (falling back to nice steps when the range
// spans less than two powers), labels formatted with just enough digits.




namespace sweep::plot {

/// @brief Major tick positions (data values) and their labels.
struct tick_set {
  std::vector<double> values;
  std::vector<std::string> labels;
};

namespace detail {

/// @brief A number as a tick label: fixed with `decimals` digits, a real minus sign, no "-0".
inline std::string tick_label(double v, int decimals) {
  std::string s;
  double a = std::abs(v);
  if (a != 0 && (a >= 1e6 || a < 1e-4)) {
    s = fmt::format("{:.3g}", v);
  } else {
    s = fmt::format("{:.{}f}", v, std::max(decimals, 0));
  }
  if (s.find_first_not_of("-0.") == std::string::npos) return "0";
  if (s[0] == '-') s = "\u2212" + s.substr(1);
  return s;
}

/// @brief Decimals that tell apart ticks `step` apart.
inline int decimals_for(double step) {
  double mag = std::floor(std::log10(step) + 1e-9);
  double mantissa = step / std::pow(10.0, mag);
  int d = static_cast<int>(-mag);
  if (std::abs(mantissa - 2.5) < 1e-6) d += 1;
  return std::max(d, 0);
}

}  // namespace detail

/// @brief Nice ticks within [lo, hi], at most about `max_ticks` of them.
inline tick_set linear_ticks(double lo, double hi, int max_ticks, bool integer = false) {
  tick_set out;
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return out;
  double raw = (hi - lo) / std::max(max_ticks - 1, 1);
  double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = 10 * mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (m * mag >= raw * (1 - 1e-9)) {
      step = m * mag;
      break;
    }
  }
  if (integer) step = std::max(1.0, std::round(step) == 2.5 ? 2.0 : std::ceil(step));
  int decimals = integer ? 0 : detail::decimals_for(step);
  double first = std::ceil(lo / step - 1e-9) * step;
  for (double v = first; v <= hi + step * 1e-9; v += step) {
    double t = std::abs(v) < step * 1e-9 ? 0.0 : v;
    out.values.push_back(t);
    out.labels.push_back(detail::tick_label(t, decimals));
  }
  return out;
}

/// @brief Ticks for an axis of the given scale over the data range [lo, hi].
inline tick_set auto_ticks(scale kind, double lo, double hi, int max_ticks, bool integer = false) {
  if (kind == scale::linear || lo <= 0) return linear_ticks(lo, hi, max_ticks, integer);
  double base = kind == scale::log10 ? 10.0 : 2.0;
  double k_lo = std::ceil(std::log(lo) / std::log(base) - 1e-9), k_hi = std::floor(std::log(hi) / std::log(base) + 1e-9);
  if (k_hi - k_lo < 1) return linear_ticks(lo, hi, std::max(max_ticks / 2, 3), integer);
  int every = static_cast<int>(std::ceil((k_hi - k_lo + 1) / std::max(max_ticks, 2)));
  tick_set out;
  for (double k = k_lo; k <= k_hi; k += every) {
    double v = std::pow(base, k);
    out.values.push_back(v);
    out.labels.push_back(kind == scale::log2 || std::abs(k) <= 4 ? detail::tick_label(v, k < 0 ? static_cast<int>(-k) : 0)
                                                                 : fmt::format("1e{}", static_cast<int>(k)));
  }
  return out;
}

}  // namespace sweep::plot
// ---- end sweep/report/ticks.hpp ----



namespace sweep::plot {

/// @brief Text escaped for XML/HTML content and attribute values.
inline std::string escape_xml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace detail {

inline constexpr double pad_left = 52, pad_right = 12, pad_top = 10, pad_bottom = 42;
inline constexpr double tick_font = 9.5, label_font = 12.5, legend_font = 10.5, legend_line = 13.5;
inline constexpr const char* font_family = "DejaVu Sans, Verdana, Arial, sans-serif";

/// @brief Rough rendered width of a text in px: code points times an average glyph width.
inline double text_width(std::string_view text, double font_px) {
  auto points = std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
  return static_cast<double>(points) * font_px * 0.62;
}

inline std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (true) {
    auto nl = text.find('\n', start);
    lines.emplace_back(text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  while (lines.size() > 1 && lines.back().empty()) lines.pop_back();
  return lines;
}

/// @brief Maps data to the transformed (linear) space of a scale; NaN when not representable.
inline double forward(scale s, double v) {
  if (s == scale::linear) return v;
  if (!(v > 0)) return std::numeric_limits<double>::quiet_NaN();
  return s == scale::log10 ? std::log10(v) : std::log2(v);
}

/// @brief A range in transformed space, grown point by point.
struct span {
  double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    if (std::isfinite(v)) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  void add(const span& o) {
    lo = std::min(lo, o.lo);
    hi = std::max(hi, o.hi);
  }
  [[nodiscard]] bool empty() const { return lo > hi; }
};

inline span data_span(const axes& ax, bool x_axis) {
  span s;
  const axis& a = x_axis ? ax.x : ax.y;
  for (auto& it : ax.items) {
    if (x_axis) {
      for (double v : it.x) s.add(forward(a.kind, v));
    } else {
      for (double v : it.y) s.add(forward(a.kind, v));
      for (double v : it.y2) s.add(forward(a.kind, v));
    }
  }
  return s;
}

/// @brief The final transformed limits of an axis from its data span, set limits and margin.
inline span resolve_limits(const axis& a, span data) {
  if (data.empty()) data = {0, 1};
  if (data.hi - data.lo < 1e-12 * std::max(1.0, std::abs(data.lo))) {
    // A constant: widen like matplotlib does, by a few percent of the value.
    double d = a.kind == scale::linear ? (data.lo == 0 ? 1.0 : std::abs(data.lo) * 0.05) : 0.1;
    data = {data.lo - d, data.hi + d};
  }
  double m = (data.hi - data.lo) * a.margin;
  span out{data.lo - m, data.hi + m};
  if (a.lo) out.lo = forward(a.kind, *a.lo);
  if (a.hi) out.hi = forward(a.kind, *a.hi);
  if (!(out.hi > out.lo)) out.hi = out.lo + 1;
  return out;
}

inline bool shares(share how, int i1, int j1, int i2, int j2) {
  switch (how) {
    case share::all: return true;
    case share::row: return i1 == i2;
    case share::col: return j1 == j2;
    case share::none: break;
  }
  return i1 == i2 && j1 == j2;
}

inline std::string dash_array(dash d, double width) {
  if (d == dash::dashed) return fmt::format(" stroke-dasharray=\"{:.1f} {:.1f}\"", 3.7 * width, 1.6 * width);
  if (d == dash::dotted) return fmt::format(" stroke-dasharray=\"{:.1f} {:.1f}\"", 1.0 * width, 1.65 * width);
  return {};
}

/// @brief One marker at (x, y); the group around it sets fill and stroke.
inline void marker_at(std::string& out, marker m, double x, double y, double size, int id) {
  double r = size / 2;
  std::string data = id >= 0 ? fmt::format(" data-j=\"{}\"", id) : std::string();
  switch (m) {
    case marker::circle:
    case marker::open_circle:
      fmt::format_to(std::back_inserter(out), "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{:g}\"{}/>", x, y, r, data);
      break;
    case marker::triangle_up:
      fmt::format_to(std::back_inserter(out), "<path d=\"M{:.1f} {:.1f}L{:.1f} {:.1f}L{:.1f} {:.1f}Z\"{}/>", x, y - r,
                     x + r * 0.9, y + r * 0.6, x - r * 0.9, y + r * 0.6, data);
      break;
    case marker::triangle_down:
      fmt::format_to(std::back_inserter(out), "<path d=\"M{:.1f} {:.1f}L{:.1f} {:.1f}L{:.1f} {:.1f}Z\"{}/>", x, y + r,
                     x + r * 0.9, y - r * 0.6, x - r * 0.9, y - r * 0.6, data);
      break;
    case marker::diamond:
      fmt::format_to(std::back_inserter(out), "<path d=\"M{:.1f} {:.1f}L{:.1f} {:.1f}L{:.1f} {:.1f}L{:.1f} {:.1f}Z\"{}/>",
                     x, y - r, x + r * 0.75, y, x, y + r, x - r * 0.75, y, data);
      break;
    case marker::square:
      fmt::format_to(std::back_inserter(out), "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\"{}/>",
                     x - r, y - r, size, size, data);
      break;
    case marker::none: break;
  }
}

/// @brief The attributes of a group of markers drawn in a style.
inline std::string marker_paint(const style& s) {
  if (s.mark == marker::open_circle) {
    return fmt::format("fill=\"none\" stroke=\"{}\" stroke-opacity=\"{:.2f}\" stroke-width=\"1\"", s.stroke.hex(), s.alpha);
  }
  return fmt::format("fill=\"{}\" fill-opacity=\"{:.2f}\"", s.stroke.hex(), s.alpha);
}

/// @brief A legend glyph for a style, centred vertically at y, starting at x (20 px wide).
inline void glyph(std::string& out, const series* it, const style& s, double x, double y) {
  if (it != nullptr && it->kind == series_kind::band) {
    fmt::format_to(std::back_inserter(out), "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"20\" height=\"8\" fill=\"{}\" fill-opacity=\"{:.2f}\"/>",
                   x, y - 4, s.stroke.hex(), std::max(s.alpha, 0.15));
    return;
  }
  if (s.line != dash::none) {
    fmt::format_to(std::back_inserter(out), "<path d=\"M{:.1f} {:.1f}h20\" stroke=\"{}\" stroke-opacity=\"{:.2f}\" stroke-width=\"{:.2f}\"{}/>",
                   x, y, s.stroke.hex(), s.alpha, s.width, dash_array(s.line, s.width));
  }
  if (s.mark != marker::none) {
    out += "<g " + marker_paint(s) + ">";
    marker_at(out, s.mark, x + 10, y, std::min(s.marker_size, 8.0), -1);
    out += "</g>";
  }
}

/// @brief A multi-line text block starting at (x, y) (baseline of the first line).
inline void text_lines(std::string& out, const std::vector<std::string>& lines, double x, double y, double line_h,
                       std::string_view attrs) {
  fmt::format_to(std::back_inserter(out), "<text x=\"{:.1f}\" y=\"{:.1f}\"{}>", x, y, attrs);
  for (std::size_t k = 0; k < lines.size(); ++k) {
    if (lines.size() == 1) {
      out += escape_xml(lines[k]);
    } else {
      fmt::format_to(std::back_inserter(out), "<tspan x=\"{:.1f}\" dy=\"{}\">{}</tspan>", x, k == 0 ? 0.0 : line_h,
                     escape_xml(lines[k]));
    }
  }
  out += "</text>";
}

inline void draw_legend(std::string& out, const axes& ax, double x0, double y0, double w, double h) {
  std::vector<const series*> entries;
  // Like matplotlib: lines and markers first, filled areas after them.
  for (auto& it : ax.items) {
    if (!it.label.empty() && it.kind != series_kind::band) entries.push_back(&it);
  }
  for (auto& it : ax.items) {
    if (!it.label.empty() && it.kind == series_kind::band) entries.push_back(&it);
  }
  if (!ax.key.show || entries.empty()) return;
  double glyph_w = ax.key.glyphs ? 26 : 0, pad = 5;
  double text_w = ax.key.title.empty() ? 0 : text_width(ax.key.title, legend_font);
  double lines = ax.key.title.empty() ? 0 : 1;
  for (auto* e : entries) {
    auto ls = split_lines(e->label);
    lines += static_cast<double>(ls.size());
    for (auto& l : ls) text_w = std::max(text_w, text_width(l, legend_font));
  }
  double bw = 2 * pad + glyph_w + text_w, bh = 2 * pad + lines * legend_line - 3;
  bool left = ax.key.where == corner::upper_left || ax.key.where == corner::lower_left;
  bool top = ax.key.where == corner::upper_left || ax.key.where == corner::upper_right;
  double bx = left ? x0 + 5 : x0 + w - 5 - bw, by = top ? y0 + 5 : y0 + h - 5 - bh;
  fmt::format_to(std::back_inserter(out),
                 "<g class=\"legend\"><rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" rx=\"2\" "
                 "fill=\"#fff\" fill-opacity=\"0.85\" stroke=\"#4d4d4d\" stroke-width=\"0.8\"/>",
                 bx, by, bw, bh);
  double y = by + pad + legend_line / 2;
  if (!ax.key.title.empty()) {
    text_lines(out, {ax.key.title}, bx + pad + glyph_w, y + 3.5, legend_line, "");
    y += legend_line;
  }
  for (auto* e : entries) {
    auto ls = split_lines(e->label);
    if (ax.key.glyphs) glyph(out, e, e->look, bx + pad, y);
    text_lines(out, ls, bx + pad + glyph_w, y + 3.5, legend_line, "");
    y += legend_line * static_cast<double>(ls.size());
  }
  out += "</g>";
}

struct mapper {
  scale kind;
  double t_lo, t_hi, p_lo, p_hi;  // transformed limits -> pixels
  [[nodiscard]] double operator()(double v) const {
    return p_lo + (forward(kind, v) - t_lo) / (t_hi - t_lo) * (p_hi - p_lo);
  }
};

inline void draw_series(std::string& out, const series& it, const mapper& mx, const mapper& my) {
  const style& s = it.look;
  auto n = std::min(it.x.size(), it.y.size());
  if (it.kind == series_kind::band) {
    std::string d;
    for (std::size_t k = 0; k < n; ++k) {
      fmt::format_to(std::back_inserter(d), "{}{:.1f} {:.1f}", k ? "L" : "M", mx(it.x[k]), my(it.y[k]));
    }
    for (std::size_t k = n; k-- > 0;) {
      fmt::format_to(std::back_inserter(d), "L{:.1f} {:.1f}", mx(it.x[k]), my(k < it.y2.size() ? it.y2[k] : it.y[k]));
    }
    if (d.find("nan") != std::string::npos || d.find("inf") != std::string::npos || d.empty()) return;
    fmt::format_to(std::back_inserter(out), "<path d=\"{}Z\" fill=\"{}\" fill-opacity=\"{:.2f}\"/>", d, s.stroke.hex(), s.alpha);
    return;
  }
  if ((it.kind == series_kind::line || it.kind == series_kind::step) && s.line != dash::none) {
    std::string d;
    bool pen_down = false;
    for (std::size_t k = 0; k < n; ++k) {
      double px = mx(it.x[k]), py = my(it.y[k]);
      if (!std::isfinite(px) || !std::isfinite(py)) {
        pen_down = false;
        continue;
      }
      if (!pen_down) {
        fmt::format_to(std::back_inserter(d), "M{:.1f} {:.1f}", px, py);
      } else if (it.kind == series_kind::step) {
        fmt::format_to(std::back_inserter(d), "H{:.1f}V{:.1f}", px, py);
      } else {
        fmt::format_to(std::back_inserter(d), "L{:.1f} {:.1f}", px, py);
      }
      pen_down = true;
    }
    if (!d.empty()) {
      fmt::format_to(std::back_inserter(out),
                     "<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-opacity=\"{:.2f}\" stroke-width=\"{:.2f}\" "
                     "stroke-linejoin=\"round\"{}/>",
                     d, s.stroke.hex(), s.alpha, s.width, dash_array(s.line, s.width));
    }
  }
  if (s.mark != marker::none) {
    bool hover = !it.ids.empty();
    // Consecutive ids and every point drawn: the group names the first job and a point's job is
    // its position, which keeps 10,000-job reports small.
    bool consecutive = hover && it.ids.size() == n && it.ids[0] >= 0;
    for (std::size_t k = 0; consecutive && k < n; ++k) {
      consecutive = it.ids[k] == it.ids[0] + static_cast<int>(k) && std::isfinite(mx(it.x[k])) && std::isfinite(my(it.y[k]));
    }
    fmt::format_to(std::back_inserter(out), "<g {}{}", marker_paint(s), hover ? " class=\"pts\"" : "");
    if (consecutive) fmt::format_to(std::back_inserter(out), " data-j0=\"{}\"", it.ids[0]);
    out += ">";
    for (std::size_t k = 0; k < n; ++k) {
      double px = mx(it.x[k]), py = my(it.y[k]);
      if (!std::isfinite(px) || !std::isfinite(py)) continue;
      marker_at(out, s.mark, px, py, s.marker_size, consecutive || k >= it.ids.size() ? -1 : it.ids[k]);
    }
    out += "</g>";
  }
}

}  // namespace detail

/// @brief The figure as an <svg> element; `id` must be unique in the page (it prefixes clip paths).
inline std::string render_svg(const figure& fig, std::string_view id) {
  using namespace detail;
  std::string out;
  int n_entries = static_cast<int>(fig.entries.size());
  int legend_cols = std::max(1, std::min(fig.legend_cols, std::max(n_entries, 1)));
  int legend_rows = n_entries == 0 ? 0 : (n_entries + legend_cols - 1) / legend_cols;
  double legend_h = legend_rows == 0 ? 0 : legend_rows * legend_line + 16;
  double width = fig.cols * fig.panel_width, height = legend_h + fig.rows * fig.panel_height;
  fmt::format_to(std::back_inserter(out),
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"fig\" id=\"{}\" width=\"{:.0f}\" height=\"{:.0f}\" "
                 "viewBox=\"0 0 {:.0f} {:.0f}\" role=\"img\" aria-label=\"{}\" font-family=\"{}\" font-size=\"{}\">",
                 id, width, height, width, height, escape_xml(fig.caption), font_family, legend_font);
  out += "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>";

  // Figure legend: entries in columns, centred above the grid.
  if (n_entries > 0) {
    double col_w = 0;
    for (auto& e : fig.entries) col_w = std::max(col_w, 30 + text_width(e.label, legend_font));
    double box_w = legend_cols * col_w + 10, box_h = legend_rows * legend_line + 6;
    double bx = (width - box_w) / 2, by = 4;
    fmt::format_to(std::back_inserter(out),
                   "<g class=\"legend\"><rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" rx=\"2\" fill=\"#fff\" "
                   "stroke=\"#4d4d4d\" stroke-width=\"0.8\"/>",
                   bx, by, box_w, box_h);
    for (int k = 0; k < n_entries; ++k) {
      double ex = bx + 5 + (k % legend_cols) * col_w, ey = by + 3 + (k / legend_cols + 0.5) * legend_line;
      auto e = fig.entries[static_cast<std::size_t>(k)];
      glyph(out, nullptr, e.look, ex, ey);
      text_lines(out, {e.label}, ex + 26, ey + 3.5, legend_line, "");
    }
    out += "</g>";
  }

  // Ranges: each axes' data span, merged over the axes it shares with.
  std::vector<span> xs, ys;
  for (auto& ax : fig.panels) {
    xs.push_back(data_span(ax, true));
    ys.push_back(data_span(ax, false));
  }
  for (int i = 0; i < fig.rows; ++i) {
    for (int j = 0; j < fig.cols; ++j) {
      const axes& ax = fig.at(i, j);
      if (!ax.visible) continue;
      span sx, sy;
      for (int i2 = 0; i2 < fig.rows; ++i2) {
        for (int j2 = 0; j2 < fig.cols; ++j2) {
          auto k2 = static_cast<std::size_t>(i2 * fig.cols + j2);
          if (shares(fig.share_x, i, j, i2, j2)) sx.add(xs[k2]);
          if (shares(fig.share_y, i, j, i2, j2)) sy.add(ys[k2]);
        }
      }
      span lx = resolve_limits(ax.x, sx), ly = resolve_limits(ax.y, sy);
      double x0 = j * fig.panel_width + pad_left, y0 = legend_h + i * fig.panel_height + pad_top;
      double w = fig.panel_width - pad_left - pad_right, h = fig.panel_height - pad_top - pad_bottom;
      mapper mx{ax.x.kind, lx.lo, lx.hi, x0, x0 + w}, my{ax.y.kind, ly.lo, ly.hi, y0 + h, y0};
      auto data_lo = [&](const axis& a, const span& l) { return a.kind == scale::linear ? l.lo : std::pow(a.kind == scale::log10 ? 10.0 : 2.0, l.lo); };
      auto data_hi = [&](const axis& a, const span& l) { return a.kind == scale::linear ? l.hi : std::pow(a.kind == scale::log10 ? 10.0 : 2.0, l.hi); };
      auto ticks_of = [&](const axis& a, const span& l, int max_ticks) {
        if (!a.ticks.empty()) {
          tick_set t{a.ticks, a.tick_labels};
          for (std::size_t k = t.labels.size(); k < t.values.size(); ++k) t.labels.push_back(plot::detail::tick_label(t.values[k], 0));
          return t;
        }
        return auto_ticks(a.kind, data_lo(a, l), data_hi(a, l), max_ticks, a.integer_ticks);
      };
      tick_set tx = ticks_of(ax.x, lx, std::max(3, static_cast<int>(w / 34))), ty = ticks_of(ax.y, ly, std::max(3, static_cast<int>(h / 20)));
      auto inside = [](double p, double a, double b) { return p >= std::min(a, b) - 0.5 && p <= std::max(a, b) + 0.5; };

      fmt::format_to(std::back_inserter(out), "<g class=\"axes\"><rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"#fff\"/>",
                     x0, y0, w, h);
      if (ax.grid) {
        std::string d;
        auto grid_x = [&](double v) {
          double p = mx(v);
          if (std::isfinite(p) && inside(p, x0, x0 + w)) fmt::format_to(std::back_inserter(d), "M{:.1f} {:.1f}V{:.1f}", p, y0, y0 + h);
        };
        auto grid_y = [&](double v) {
          double p = my(v);
          if (std::isfinite(p) && inside(p, y0, y0 + h)) fmt::format_to(std::back_inserter(d), "M{:.1f} {:.1f}H{:.1f}", x0, p, x0 + w);
        };
        if (ax.x.show_ticks) for (double v : tx.values) grid_x(v);
        for (double v : ty.values) grid_y(v);
        for (double v : ax.x.minor_ticks) grid_x(v);
        for (double v : ax.y.minor_ticks) grid_y(v);
        if (!d.empty()) fmt::format_to(std::back_inserter(out), "<path d=\"{}\" stroke=\"#b0b0b0\" stroke-opacity=\"0.55\" stroke-width=\"0.8\"/>", d);
      }
      fmt::format_to(std::back_inserter(out), "<clipPath id=\"{}-c{}\"><rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\"/></clipPath>",
                     id, i * fig.cols + j, x0, y0, w, h);
      fmt::format_to(std::back_inserter(out), "<g clip-path=\"url(#{}-c{})\">", id, i * fig.cols + j);
      for (auto& it : ax.items) draw_series(out, it, mx, my);
      out += "</g>";
      fmt::format_to(std::back_inserter(out), "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"none\" stroke=\"#000\" stroke-width=\"1\"/>",
                     x0, y0, w, h);
      // Tick labels: inner axes of a shared column/row leave them to the outer ones.
      bool bottom = i == fig.rows - 1 || !fig.at(i + 1, j).visible;
      bool x_labels = ax.x.show_ticks && (bottom || fig.share_x == share::none || fig.share_x == share::row);
      bool y_labels = ax.y.show_ticks && (j == 0 || fig.share_y == share::none || fig.share_y == share::col);
      out += fmt::format("<g font-size=\"{}\" fill=\"#222\">", tick_font);
      if (x_labels) {
        for (std::size_t k = 0; k < tx.values.size(); ++k) {
          double p = mx(tx.values[k]);
          if (std::isfinite(p) && inside(p, x0, x0 + w)) {
            fmt::format_to(std::back_inserter(out), "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>", p, y0 + h + 13,
                           escape_xml(tx.labels[k]));
          }
        }
      }
      if (y_labels) {
        for (std::size_t k = 0; k < ty.values.size(); ++k) {
          double p = my(ty.values[k]);
          if (std::isfinite(p) && inside(p, y0, y0 + h)) {
            fmt::format_to(std::back_inserter(out), "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>", x0 - 4, p + 3.3,
                           escape_xml(ty.labels[k]));
          }
        }
      }
      out += "</g>";
      if (!ax.x.label.empty()) {
        fmt::format_to(std::back_inserter(out), "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" font-size=\"{}\">{}</text>",
                       x0 + w / 2, y0 + h + 31, label_font, escape_xml(ax.x.label));
      }
      if (!ax.y.label.empty()) {
        fmt::format_to(std::back_inserter(out),
                       "<text transform=\"translate({:.1f} {:.1f}) rotate(-90)\" text-anchor=\"middle\" font-size=\"{}\">{}</text>",
                       x0 - 36, y0 + h / 2, label_font, escape_xml(ax.y.label));
      }
      draw_legend(out, ax, x0, y0, w, h);
      out += "</g>";
    }
  }
  out += "</svg>";
  return out;
}

}  // namespace sweep::plot
// ---- end sweep/report/svg.hpp ----




namespace sweep {

namespace detail {

inline constexpr std::string_view book_style = R"css(
body{font-family:"DejaVu Sans",Verdana,Arial,sans-serif;margin:0 auto;padding:0 24px 48px;max-width:1240px;color:#1a1a1a;background:#fff;line-height:1.35}
h1{font-size:1.8em;margin:.6em 0 .3em}
nav.toc{columns:2 260px;margin:0 0 .5em}nav.toc a{display:block;text-decoration:none;color:#0645ad;padding:1px 0}
nav.toc a:hover,h3 a.top:hover{text-decoration:underline}
p.summary{color:#444;margin:.3em 0 1em}
hr{border:0;border-top:3px solid #555;margin:1.8em 0 .6em}
h3{font-size:1.2em;margin:.4em 0 .8em}h3 a.top{text-decoration:none;color:#0645ad;font-weight:normal;font-size:.85em}
details{margin:.3em 0}summary{cursor:pointer}
pre{background:#f6f6f6;border:1px solid #ddd;padding:8px;overflow:auto;max-height:32em;font-size:12px}
.figure{margin:0 0 1em}svg.fig{display:block;max-width:100%;height:auto}
details{overflow-x:auto}
@media (max-width:640px){body{padding:0 8px 24px}nav.toc{columns:1}h1{font-size:1.4em}}
@media print{body{max-width:none;padding:0}nav.toc,#tip,.pc-controls{display:none}h3{break-after:avoid}.figure,tr,p{break-inside:avoid}hr{break-before:auto}}
.pts>*{cursor:pointer}.pts>.hl,.pts>:hover{stroke:#000;stroke-width:1.5;fill-opacity:1}
#tip{position:fixed;display:none;pointer-events:none;z-index:9;background:rgba(255,255,255,.96);border:1px solid #555;border-radius:3px;padding:4px 7px;font-size:12px;max-width:560px;box-shadow:0 2px 6px rgba(0,0,0,.25)}
#tip b{font-weight:600}#tip div{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
table.jobs{border-collapse:collapse;font-size:12px;margin:.5em 0}
table.jobs th{position:sticky;top:0;background:#eee;cursor:pointer;user-select:none;padding:3px 6px;border-bottom:1px solid #999;text-align:right}
table.jobs td{padding:2px 6px;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}
table.jobs td.t,table.jobs th.t{text-align:left}table.jobs tr.hl td{background:#fff3b0}
table.jobs th[data-dir="1"]::after{content:" \25B2"}table.jobs th[data-dir="-1"]::after{content:" \25BC"}
)css";

// Hover: a point's job (its data-j, or its group's data-j0 plus its position) names a row of the
// jobs table; the tooltip shows that row.
// Click: opens the table at that row. Table headers sort their column.
inline constexpr std::string_view book_script = R"js(
(function(){
var tip=document.getElementById('tip'),lit=[];
function row(j){return document.getElementById('job'+j);}
function jobOf(e){if(!e.getAttribute)return null;var j=e.getAttribute('data-j');if(j!==null)return j;var g=e.parentNode;
 if(g&&g.getAttribute&&g.getAttribute('data-j0')!==null)return String(+g.getAttribute('data-j0')+Array.prototype.indexOf.call(g.children,e));return null;}
function pointsOf(j){var ps=Array.prototype.slice.call(document.querySelectorAll('[data-j="'+j+'"]'));
 document.querySelectorAll('g[data-j0]').forEach(function(g){var c=g.children[j-g.getAttribute('data-j0')];if(c)ps.push(c);});return ps;}
function unlight(){lit.forEach(function(e){e.classList.remove('hl');});lit=[];}
function light(j){unlight();pointsOf(j).forEach(function(e){e.classList.add('hl');lit.push(e);});var r=row(j);if(r){r.classList.add('hl');lit.push(r);}}
document.addEventListener('mouseover',function(ev){
 var j=jobOf(ev.target);if(j===null)return;var r=row(j);if(!r)return;var hs=r.closest('table').tHead.rows[0].cells;tip.textContent='';
 for(var k=0;k<r.cells.length;k++){var d=document.createElement('div'),b=document.createElement('b');b.textContent=hs[k].textContent+': ';d.appendChild(b);d.appendChild(document.createTextNode(r.cells[k].textContent));tip.appendChild(d);}
 tip.style.display='block';light(j);move(ev);});
function move(ev){if(tip.style.display!=='block')return;var x=ev.clientX+14,y=ev.clientY+14,w=tip.offsetWidth,h=tip.offsetHeight;if(x+w>innerWidth)x=ev.clientX-w-14;if(y+h>innerHeight)y=ev.clientY-h-14;tip.style.left=Math.max(0,x)+'px';tip.style.top=Math.max(0,y)+'px';}
document.addEventListener('mousemove',move);
document.addEventListener('mouseout',function(ev){if(jobOf(ev.target)!==null){tip.style.display='none';unlight();}});
document.addEventListener('click',function(ev){var j=jobOf(ev.target);if(j===null)return;var r=row(j);if(!r)return;var d=r.closest('details');if(d)d.open=true;r.scrollIntoView({block:'center'});light(j);});
document.querySelectorAll('table.jobs th').forEach(function(th){th.addEventListener('click',function(){
 var t=th.closest('table'),b=t.tBodies[0],k=th.cellIndex,dir=th.getAttribute('data-dir')==='1'?-1:1;
 Array.prototype.forEach.call(th.parentNode.cells,function(c){c.removeAttribute('data-dir');});th.setAttribute('data-dir',dir);
 var rs=Array.prototype.slice.call(b.rows);rs.sort(function(p,q){var a=p.cells[k].textContent,c=q.cells[k].textContent,x=parseFloat(a),y=parseFloat(c);
  if(!isNaN(x)&&!isNaN(y))return (x-y)*dir;if(!isNaN(x))return -1;if(!isNaN(y))return 1;return a<c?-dir:a>c?dir:0;});
 var f=document.createDocumentFragment();rs.forEach(function(r){f.appendChild(r);});b.appendChild(f);});});
})();
)js";

}  // namespace detail

/// @brief An html page built section by section: pycls's Htmlbook, self-contained.
class html_book {
 public:
  explicit html_book(std::string title) : title_(std::move(title)) {}

  /// @brief Starts a numbered section (and adds it to the table of contents).
  void add_section(std::string_view name) {
    auto anchor = fmt::format("section{:03d}", counter_);
    auto numbered = fmt::format("{} {}", counter_++, name);
    toc_ += fmt::format("<a href=\"#{}\">{}</a>\n", anchor, plot::escape_xml(numbered));
    body_ += fmt::format("<hr>\n<h3 id=\"{}\">{} <a class=\"top\" href=\"#top\">[top]</a></h3>\n", anchor,
                         plot::escape_xml(numbered));
  }

  /// @brief Adds a figure, rendered as inline SVG.
  void add_plot(const plot::figure& fig) {
    body_ += "<div class=\"figure\">" + plot::render_svg(fig, fmt::format("fig{}", figures_++)) + "</div>\n";
  }

  /// @brief Adds a collapsible block of preformatted text.
  void add_details(std::string_view summary, std::string_view text) {
    body_ += fmt::format("<details><summary>{}</summary><pre>{}</pre></details>\n", plot::escape_xml(summary),
                         plot::escape_xml(text));
  }

  /// @brief Adds a paragraph of text.
  void add_text(std::string_view text, std::string_view css_class = {}) {
    body_ += css_class.empty() ? "<p>" : fmt::format("<p class=\"{}\">", css_class);
    body_ += plot::escape_xml(text) + "</p>\n";
  }

  /// @brief Adds html as is (the caller escapes what it puts in).
  void add_html(std::string_view html) { body_ += html; }

  /// @brief The whole page.
  [[nodiscard]] std::string to_html() const {
    std::string out;
    out.reserve(body_.size() + toc_.size() + 8192);
    out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    out += "<title>" + plot::escape_xml(title_) + "</title>\n<style>" + std::string(detail::book_style) + "</style>\n</head>\n<body>\n";
    out += "<h1 id=\"top\">" + plot::escape_xml(title_) + "</h1>\n";
    out += head_;
    out += "<nav class=\"toc\">\n" + toc_ + "</nav>\n";
    out += body_;
    out += "<div id=\"tip\" role=\"tooltip\"></div>\n<script>" + std::string(detail::book_script) + "</script>\n</body>\n</html>\n";
    return out;
  }

  /// @brief Html placed between the title and the table of contents.
  void add_header_html(std::string_view html) { head_ += html; }

  /// @brief Writes the page atomically: to a temporary file in the same folder, then renamed.
  void write(const std::filesystem::path& file) const { write_file_atomic(file, to_html()); }

 private:
  std::string title_, toc_, body_, head_;
  int counter_ = 1, figures_ = 0;
};

}  // namespace sweep
// ---- end sweep/report/html_book.hpp ----

// ---- begin sweep/report/sweep_plots.hpp ----
// The report's plots (pycls's sweep/plotting.py), each built from the figure
// model: EDF of error, error versus metric values with good ranges, metric
// trends across sweeps, training curves, and per-block model widths.


#include <range/v3/range/conversion.hpp>
#include <range/v3/view/stride.hpp>


namespace sweep {

/// @brief At most this many jobs of a sweep are drawn or listed one by one on a page: 10,000 make
/// a page of about 8.5 MB that a browser lays out in about a second; more only add weight.
inline constexpr std::size_t max_shown_jobs = 10000;

/// @brief The jobs of `sweep` a page draws and lists one by one: all of them, or with more than
/// max_shown_jobs every k-th in sweep.json order (an even sample of its configs); no skipped ids.
inline sweep_data shown_jobs(const sweep_data& sweep) {
  auto step = std::max<std::ptrdiff_t>(1, static_cast<std::ptrdiff_t>((sweep.jobs.size() + max_shown_jobs - 1) / max_shown_jobs));
  return {sweep.name, sweep.file, sweep.jobs | ranges::views::stride(step) | ranges::to<std::vector>(), {}};
}

/// @brief What the page says of a sweep shown by a sample (see shown_jobs), or "".
inline std::string shown_note(const sweep_data& sweep) {
  if (sweep.jobs.size() <= max_shown_jobs) return "";
  return fmt::format(" ({} of {} jobs shown, one in {}: a browser cannot draw more; the statistics use all)", shown_jobs(sweep).jobs.size(),
                     sweep.jobs.size(), (sweep.jobs.size() + max_shown_jobs - 1) / max_shown_jobs);
}

/// @brief Job -> row of the report's job table, so plotted points can name their job.
class job_rows {
 public:
  /// @brief Numbers a job (once; a job in several splits keeps its first number).
  int add(const job& j) { return rows_.try_emplace(j.memo.get(), static_cast<int>(rows_.size())).first->second; }
  /// @brief The job's row, or -1 when it has none.
  [[nodiscard]] int operator()(const job& j) const {
    auto it = rows_.find(j.memo.get());
    return it == rows_.end() ? -1 : it->second;
  }

 private:
  std::unordered_map<const void*, int> rows_;  // by the job's memo: one per loaded job, shared by its copies
};

namespace detail {

/// @brief pycls's legend number format: 4 significant digits, printed the way Python prints a float.
inline std::string short_number(double v) {
  if (!std::isfinite(v)) return "nan";
  return python_float_repr(std::stod(fmt::format("{:.3e}", v)));
}

/// @brief Python's str() of a JSON list or number (ints stay ints).
inline std::string py_str(const nlohmann::json& j) {
  if (j.is_array()) {
    std::string out = "[";
    for (std::size_t k = 0; k < j.size(); ++k) out += (k ? ", " : "") + py_str(j[k]);
    return out + "]";
  }
  if (j.is_number_float()) return python_float_repr(j.get<double>());
  if (j.is_number()) return j.dump();
  if (j.is_string()) return j.get<std::string>();
  return j.dump();
}

inline std::vector<double> numbers(const nlohmann::json* list) {
  std::vector<double> out;
  if (list != nullptr && list->is_array()) {
    for (auto& v : *list) out.push_back(v.is_number() ? v.get<double>() : std::nan(""));
  }
  return out;
}

inline plot::figure_entry sweep_entry(const std::string& name, std::size_t i, plot::dash line, plot::marker mark) {
  plot::style s;
  s.stroke = plot::cycle_color(i);
  s.line = line;
  s.mark = mark;
  return {name, s};
}

inline int legend_columns(std::size_t names, int n_cols) {
  // pycls: ncol = ceil(n / ceil(n / n_cols)), at least one.
  if (names == 0) return 1;
  auto per = static_cast<int>(std::ceil(static_cast<double>(names) / std::max(n_cols, 1)));
  return static_cast<int>(std::ceil(static_cast<double>(names) / per));
}

/// @brief pycls's generate_regnet: per-stage widths and depths and the continuous widths.
struct regnet_widths {
  std::vector<double> ws, ds, ws_cont;
};
inline regnet_widths generate_regnet(double wa, double w0, double wm, int depth, double q = 8) {
  regnet_widths r;
  std::map<double, double> stages;
  for (int j = 0; j < depth; ++j) {
    double cont = j * wa + w0;
    r.ws_cont.push_back(cont);
    // numpy rounds halves to even; nearbyint does too in the default rounding mode.
    double k = std::nearbyint(std::log(cont / w0) / std::log(wm));
    double w = std::nearbyint(w0 * std::pow(wm, k) / q) * q;
    stages[w] += 1;
  }
  for (auto& [w, d] : stages) {
    r.ws.push_back(w);
    r.ds.push_back(d);
  }
  return r;
}

/// @brief Where plot i of sweep j goes: pycls puts it at (i, j); with one sweep the single column
/// is wrapped into rows of up to three, so a page is not one long strip.
struct grid_layout {
  int rows = 1, cols = 1;
  bool wrap = false;
  [[nodiscard]] std::pair<int, int> cell(int i, int j) const { return wrap ? std::pair{i / cols, i % cols} : std::pair{i, j}; }
};

inline grid_layout make_layout(int m, int n) {
  m = std::max(m, 1);
  n = std::max(n, 1);
  if (n == 1 && m > 1) {
    int cols = std::min(m, 3);
    return {(m + cols - 1) / cols, cols, true};
  }
  return {m, n, false};
}

inline plot::figure make_figure(const grid_layout& g, int m) {
  plot::figure fig(g.rows, g.cols);
  // Many sweeps side by side: narrower cells, so a row still fits a page.
  if (g.cols > 3) fig.panel_width = std::max(250.0, 1190.0 / g.cols);
  if (g.wrap) {
    for (int k = m; k < g.rows * g.cols; ++k) fig.panels[static_cast<std::size_t>(k)].visible = false;
  }
  return fig;
}

/// @brief Whether the axes at (i, j) is the lowest shown one of its column (it carries the x label).
inline bool bottom_of_column(const plot::figure& fig, int i, int j) {
  return i == fig.rows - 1 || !fig.at(i + 1, j).visible;
}

}  // namespace detail

/// @brief Error EDF per sweep, n|min|mean in the legend (pycls's plot_edf).
inline plot::figure plot_edf(const std::vector<sweep_data>& sweeps, const job_rows& rows = {}) {
  plot::figure fig;
  fig.caption = "error EDF";
  auto& ax = fig.at(0, 0);
  ax.x.label = "error";
  ax.x.margin = 0.025;
  ax.y.label = "cumulative prob.";
  ax.key = {true, plot::corner::lower_right, "n|min|mean", true};
  for (std::size_t i = 0; i < sweeps.size(); ++i) {
    auto jobs = sorted_by_error(sweeps[i]);
    std::vector<double> errs, edf;
    std::vector<int> ids;
    double sum = 0;
    if (!jobs.empty()) {
      // The EDF rises from 0 at the lowest error.
      errs.push_back(jobs.front().error);
      edf.push_back(0);
      ids.push_back(-1);
    }
    // Past max_shown_jobs, every k-th step (and the last): the curve keeps its shape, not its weight.
    std::size_t step = std::max<std::size_t>(1, (jobs.size() + max_shown_jobs - 1) / max_shown_jobs);
    for (std::size_t k = 0; k < jobs.size(); ++k) {
      sum += jobs[k].error;
      if (k % step != 0 && k + 1 != jobs.size()) continue;
      errs.push_back(jobs[k].error);
      edf.push_back(static_cast<double>(k + 1) / static_cast<double>(jobs.size()));
      ids.push_back(rows(jobs[k]));
    }
    plot::style look{plot::cycle_color(i), 0.8};
    auto label = jobs.empty() ? std::string("0|-|-")
                              : fmt::format("{}|{:.1f}|{:.1f}", jobs.size(), jobs.front().error, sum / static_cast<double>(jobs.size()));
    ax.step(errs, edf, look, label);
    // Hover targets on the steps; past a few thousand jobs they would only add weight.
    if (!jobs.empty() && jobs.size() <= 2000) {
      plot::style dots{plot::cycle_color(i), 0.0};
      dots.marker_size = 7;
      ax.scatter({errs.begin() + 1, errs.end()}, {edf.begin() + 1, edf.end()}, dots, "", {ids.begin() + 1, ids.end()});
    }
    fig.entries.push_back(detail::sweep_entry(sweeps[i].name, i, plot::dash::solid, plot::marker::none));
  }
  fig.legend_cols = detail::legend_columns(sweeps.size(), 1);
  return fig;
}

/// @brief Error versus each metric per sweep, with the best value and good range (pycls's plot_values).
inline plot::figure plot_values(const std::vector<sweep_data>& sweeps, const std::vector<metric_info>& metrics,
                                const std::vector<std::vector<good_range>>& ranges, const job_rows& rows = {}) {
  int m = static_cast<int>(metrics.size()), n = static_cast<int>(sweeps.size());
  auto layout = detail::make_layout(m, n);
  auto fig = detail::make_figure(layout, m);
  fig.caption = "error versus metric values";
  fig.share_x = layout.wrap ? plot::share::none : plot::share::row;
  fig.share_y = plot::share::all;
  double e_min = INFINITY, e_max = -INFINITY;
  for (auto& s : sweeps) {
    for (auto& j : s.jobs) {
      e_min = std::min(e_min, j.error);
      e_max = std::max(e_max, j.error);
    }
  }
  double pad = (e_max - e_min) / 5;
  e_min -= pad;
  e_max += pad;
  for (int j = 0; j < n; ++j) {
    auto sweep = shown_jobs(sweeps[static_cast<std::size_t>(j)]);
    std::vector<double> errs;
    std::vector<int> ids;
    for (auto& jb : sweep.jobs) {
      errs.push_back(jb.error);
      ids.push_back(rows(jb));
    }
    // Thousands of points: smaller and lighter, so dense regions still show their density.
    auto count = sweep.jobs.size();
    plot::style points{plot::cycle_color(static_cast<std::size_t>(j)), count <= 300 ? 0.8 : count <= 3000 ? 0.55 : 0.3};
    points.marker_size = count <= 300 ? 6 : 4;
    for (int i = 0; i < m; ++i) {
      auto& info = metrics[static_cast<std::size_t>(i)];
      auto [row, col] = layout.cell(i, j);
      auto& ax = fig.at(row, col);
      auto [v_min, v_med, v_max] = ranges[static_cast<std::size_t>(j)][static_cast<std::size_t>(i)];
      ax.x.margin = 0.025;
      ax.x.label = info.label;
      ax.y.label = col == 0 ? "error" : "";
      ax.key = {true, plot::corner::upper_left, "", true};
      plot::style fill{plot::tab10[0], 0.1};
      ax.band({v_min, v_max}, {e_min, e_min}, {e_max, e_max}, fill,
              fmt::format("[{}, {}]", detail::short_number(v_min), detail::short_number(v_max)));
      ax.scatter(metric_numbers(sweep, info), errs, points, "", ids);
      ax.line({v_med, v_med}, {e_min, e_max}, {plot::black}, fmt::format("best: {}", detail::short_number(v_med)));
    }
    fig.entries.push_back(detail::sweep_entry(sweep.name, static_cast<std::size_t>(j), plot::dash::none, plot::marker::circle));
    if (auto note = shown_note(sweeps[static_cast<std::size_t>(j)]); !note.empty()) fig.caption += "; " + sweep.name + note;
  }
  fig.legend_cols = detail::legend_columns(sweeps.size(), n);
  return fig;
}

/// @brief Each metric's full, good and best range across the sweeps (pycls's plot_trends).
inline plot::figure plot_trends(const std::vector<sweep_data>& sweeps, const std::vector<metric_info>& metrics,
                                const std::vector<std::vector<good_range>>& ranges) {
  int n_metrics = static_cast<int>(metrics.size()), max_cols = std::max<int>(1, static_cast<int>(sweeps.size()));
  int m = std::max(1, (n_metrics + max_cols - 1) / max_cols);
  int n = std::max(1, std::min(max_cols, (n_metrics + m - 1) / m));
  plot::figure fig(m, n);
  fig.caption = "metric trends across sweeps";
  for (int k = n_metrics; k < m * n; ++k) fig.panels[static_cast<std::size_t>(k)].visible = false;
  std::vector<double> xs(sweeps.size());
  std::iota(xs.begin(), xs.end(), 0.0);
  for (int k = 0; k < n_metrics; ++k) {
    auto& ax = fig.panels[static_cast<std::size_t>(k)];
    auto& info = metrics[static_cast<std::size_t>(k)];
    std::vector<double> vs_min, vs_max, fs_min, fs_med, fs_max;
    for (std::size_t s = 0; s < sweeps.size(); ++s) {
      auto vals = metric_numbers(sweeps[s], info);
      std::erase_if(vals, [](double v) { return std::isnan(v); });
      vs_min.push_back(vals.empty() ? NAN : *std::min_element(vals.begin(), vals.end()));
      vs_max.push_back(vals.empty() ? NAN : *std::max_element(vals.begin(), vals.end()));
      fs_min.push_back(ranges[s][static_cast<std::size_t>(k)][0]);
      fs_med.push_back(ranges[s][static_cast<std::size_t>(k)][1]);
      fs_max.push_back(ranges[s][static_cast<std::size_t>(k)][2]);
    }
    plot::style light{plot::color::grey(0.7)}, mid{plot::color::grey(0.5)};
    ax.band(xs, vs_min, vs_max, {plot::tab10[0], 0.05});
    ax.band(xs, fs_min, fs_max, {plot::tab10[0], 0.10});
    ax.line(xs, vs_min, light);
    ax.line(xs, vs_max, light);
    ax.line(xs, fs_min, mid);
    ax.line(xs, fs_max, mid);
    plot::style best{plot::black};
    best.mark = plot::marker::circle;
    ax.line(xs, fs_med, best);
    for (std::size_t s = 0; s < sweeps.size(); ++s) {
      plot::style up{plot::cycle_color(s)}, down{plot::cycle_color(s)};
      up.mark = plot::marker::triangle_up;
      down.mark = plot::marker::triangle_down;
      up.marker_size = down.marker_size = 11;
      ax.scatter({xs[s]}, {fs_min[s]}, up);
      ax.scatter({xs[s]}, {fs_max[s]}, down);
    }
    ax.y.label = info.label;
    ax.x.show_ticks = false;
    ax.x.label = "sweep";
    ax.x.margin = 0.08;
  }
  for (std::size_t s = 0; s < sweeps.size(); ++s) {
    fig.entries.push_back(detail::sweep_entry(sweeps[s].name, s, plot::dash::solid, plot::marker::diamond));
  }
  fig.legend_cols = detail::legend_columns(sweeps.size(), n);
  return fig;
}

/// @brief The epoch records plot_curves draws a metric of (each also read at epoch_ind and epoch_max).
inline constexpr std::array<std::string_view, 3> curve_records = {"train_epoch", "test_epoch", "test_ema_epoch"};

/// @brief Train/test/ema curves of a metric for the best (or worst) jobs per sweep (pycls's plot_curves).
inline plot::figure plot_curves(const std::vector<sweep_data>& sweeps, const std::string& metric, std::int64_t n_curves,
                                bool reverse, const job_rows& rows = {}) {
  std::vector<int> ms;
  for (auto& s : sweeps) ms.push_back(static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(std::max<std::int64_t>(n_curves, 0)), s.jobs.size())));
  int m = std::max(1, ms.empty() ? 1 : *std::max_element(ms.begin(), ms.end())), n = std::max<int>(1, static_cast<int>(sweeps.size()));
  auto layout = detail::make_layout(m, n);
  auto fig = detail::make_figure(layout, m);
  fig.caption = fmt::format("{} curves of the {} jobs", metric, reverse ? "worst" : "best");
  fig.share_y = plot::share::all;
  const std::vector<double> ticks = {1, 2, 4, 8, 16, 32, 64, 100};
  double y_min = INFINITY;
  std::vector<std::vector<job>> sorted;
  std::vector<std::vector<std::shared_ptr<const nlohmann::json>>> records;  // whole: the load may have left curves out
  for (auto& s : sweeps) {
    sorted.push_back(sorted_by_error(s, reverse));
    records.emplace_back();
    for (int i = 0; i < ms[records.size() - 1]; ++i) records.back().push_back(whole_record(sorted.back()[static_cast<std::size_t>(i)]));
  }
  for (std::size_t j = 0; j < sweeps.size(); ++j) {
    for (int i = 0; i < ms[j]; ++i) {
      for (auto record : {curve_records[1], curve_records[2]}) {
        for (double v : detail::numbers(find_field(*records[j][static_cast<std::size_t>(i)], fmt::format("{}.{}", record, metric)))) {
          if (v > 0) y_min = std::min(y_min, v);
        }
      }
    }
  }
  // pycls: the bottom is the largest tick at or below the lowest error.
  double bottom = ticks.front();
  for (double t : ticks) {
    if (t <= y_min) bottom = t;
  }
  for (std::size_t j = 0; j < sweeps.size(); ++j) {
    for (int i = 0; i < ms[j]; ++i) {
      auto& jb = sorted[j][static_cast<std::size_t>(i)];
      auto [row, col] = layout.cell(i, static_cast<int>(j));
      auto& ax = fig.at(row, col);
      auto& rec = *records[j][static_cast<std::size_t>(i)];
      plot::style prop{plot::cycle_color(j), 0.8};
      auto curve = [&](std::string_view record, plot::dash d, const char* name) -> std::pair<std::vector<double>, std::vector<double>> {
        auto xs = detail::numbers(find_field(rec, fmt::format("{}.epoch_ind", record)));
        auto ys = detail::numbers(find_field(rec, fmt::format("{}.{}", record, metric)));
        if (ys.empty()) return {};
        if (xs.size() != ys.size()) {
          xs.resize(ys.size());
          std::iota(xs.begin(), xs.end(), 1.0);
        }
        plot::style s = prop;
        s.line = d;
        ax.line(xs, ys, s, fmt::format("{} {:.2f}", name, *std::min_element(ys.begin(), ys.end())));
        return {xs, ys};
      };
      curve(curve_records[0], plot::dash::dashed, "trn");
      curve(curve_records[1], plot::dash::dotted, "tst");
      auto [x_ema, y_ema] = curve(curve_records[2], plot::dash::solid, "ema");
      if (!y_ema.empty()) {
        auto best = std::min_element(y_ema.begin(), y_ema.end());
        double e_ema = *best;
        ax.line({x_ema.front(), x_ema.back()}, {e_ema, e_ema}, {plot::black, 0.8});
        std::vector<double> gx, gy;
        for (std::size_t k = 0; k < y_ema.size(); ++k) {
          if (y_ema[k] < 1.01 * e_ema) {
            gx.push_back(x_ema[k]);
            gy.push_back(y_ema[k]);
          }
        }
        plot::style small = prop;
        small.marker_size = 4;
        ax.scatter(gx, gy, small);
        ax.scatter({x_ema[static_cast<std::size_t>(best - y_ema.begin())]}, {e_ema}, prop, "", {rows(jb)});
        auto x_max = detail::numbers(find_field(rec, fmt::format("{}.epoch_max", curve_records[2])));
        if (!x_max.empty()) ax.x.hi = x_max.back();
      }
      ax.key = {true, plot::corner::upper_right, "job " + jb.id, true};
    }
  }
  for (int i = 0; i < layout.rows; ++i) {
    for (int j = 0; j < layout.cols; ++j) {
      auto& ax = fig.at(i, j);
      ax.x.label = detail::bottom_of_column(fig, i, j) ? "epoch" : "";
      ax.x.margin = 0.025;
      ax.y.label = j == 0 ? metric : "";
      ax.y.kind = plot::scale::log2;
      ax.y.ticks = ticks;
      ax.y.tick_labels = {"1", "2", "4", "8", "16", "32", "64", "100"};
      for (double t : ticks) ax.y.minor_ticks.push_back(t * std::sqrt(2.0));
      ax.y.lo = bottom;
      ax.y.hi = 100;
    }
  }
  for (std::size_t s = 0; s < sweeps.size(); ++s) {
    fig.entries.push_back(detail::sweep_entry(sweeps[s].name, s, plot::dash::solid, plot::marker::none));
  }
  fig.legend_cols = detail::legend_columns(sweeps.size(), n);
  return fig;
}

/// @brief Per-block widths of the best (or worst) models per sweep, with their figures (pycls's plot_models).
inline plot::figure plot_models(const std::vector<sweep_data>& sweeps, std::int64_t n_models, bool reverse,
                                const job_rows& rows = {}) {
  std::vector<int> ms;
  for (auto& s : sweeps) ms.push_back(static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(std::max<std::int64_t>(n_models, 0)), s.jobs.size())));
  int m = std::max(1, ms.empty() ? 1 : *std::max_element(ms.begin(), ms.end())), n = std::max<int>(1, static_cast<int>(sweeps.size()));
  auto layout = detail::make_layout(m, n);
  auto fig = detail::make_figure(layout, m);
  fig.caption = fmt::format("block widths of the {} models", reverse ? "worst" : "best");
  fig.share_x = plot::share::all;
  fig.share_y = plot::share::all;
  fig.panel_height = 230;
  for (std::size_t j = 0; j < sweeps.size(); ++j) {
    auto sorted = sorted_by_error(sweeps[j], reverse);
    for (int i = 0; i < ms[j]; ++i) {
      auto& jb = sorted[static_cast<std::size_t>(i)];
      auto whole = whole_record(jb);  // the load may have left the model's fields out
      auto& rec = *whole;
      auto [row, col] = layout.cell(i, static_cast<int>(j));
      auto& ax = fig.at(row, col);
      auto num = [&](const char* name) { return metric_number(rec, get_metric_info(name)); };
      std::string label = fmt::format("e = {:.2f}%, f = {:.2f}B\np = {:.2f}M, a = {:.2f}M\nt = {:.0f}s, r = {:.0f} \u00d7 {:.0f}\n",
                                      jb.error, num("flops"), num("params"), num("acts"), num("epoch_fw_bw"),
                                      num("resolution"), num("resolution"));
      auto* type_field = find_field(rec, "cfg.MODEL.TYPE");
      std::string type = type_field != nullptr && type_field->is_string() ? type_field->get<std::string>() : "";
      std::vector<double> ds, ws;
      plot::style color{plot::cycle_color(j)};
      if (type == "regnet") {
        auto reg = [&](const char* k) { return metric_number(rec, get_metric_info(std::string("cfg.REGNET.") + k)); };
        auto r = detail::generate_regnet(reg("WA"), reg("W0"), reg("WM"), static_cast<int>(reg("DEPTH")));
        ds = r.ds;
        ws = r.ws;
        std::vector<double> idx(r.ws_cont.size());
        std::iota(idx.begin(), idx.end(), 0.0);
        plot::style dotted = color;
        dotted.line = plot::dash::dotted;
        ax.line(idx, r.ws_cont, dotted);
        nlohmann::json jds(std::vector<long>(ds.begin(), ds.end())), jws(std::vector<long>(ws.begin(), ws.end()));
        label += fmt::format("d\u1d62 = {}\nw\u1d62 = {}\n", detail::py_str(jds), detail::py_str(jws));
        label += fmt::format("g = {:.0f}, b = {:g}, w\u2090 = {:.1f}\nw\u2080 = {:.0f}, w\u2098 = {:.3f}", reg("GROUP_W"),
                             reg("BOT_MUL"), reg("WA"), reg("W0"), reg("WM"));
      } else if (type == "anynet" || type == "effnet") {
        bool any = type == "anynet";
        auto field = [&](const char* k) {
          auto* f = find_field(rec, std::string(any ? "cfg.ANYNET." : "cfg.EN.") + k);
          return f ? *f : nlohmann::json::array();
        };
        auto jds = field("DEPTHS"), jws = field("WIDTHS");
        auto third = any ? field("GROUP_WS") : field("STRIDES"), fourth = any ? field("BOT_MULS") : field("EXP_RATIOS");
        ds = detail::numbers(&jds);
        ws = detail::numbers(&jws);
        label += fmt::format("d\u1d62 = {}\nw\u1d62 = {}\n{}\u1d62 = {}\nb\u1d62 = {}", detail::py_str(jds), detail::py_str(jws),
                             any ? "g" : "s", detail::py_str(third), detail::py_str(fourth));
      } else {
        label += fmt::format("no block diagram for MODEL.TYPE '{}'", type);
      }
      std::vector<double> xs_all, ws_all, ds_cum;
      double start = 0;
      for (std::size_t k = 0; k < std::min(ds.size(), ws.size()); ++k) {
        ds_cum.push_back(start);
        for (int d = 0; d < static_cast<int>(ds[k]); ++d) {
          xs_all.push_back(static_cast<double>(xs_all.size()));
          ws_all.push_back(ws[k]);
        }
        start += ds[k];
      }
      ws.resize(ds_cum.size());
      plot::style blocks = color;
      blocks.mark = plot::marker::circle;
      blocks.marker_size = 5;
      auto& s = ax.line(xs_all, ws_all, blocks);
      s.ids.assign(xs_all.size(), rows(jb));
      plot::style stages{plot::black};
      stages.line = plot::dash::none;
      stages.mark = plot::marker::open_circle;
      stages.marker_size = 8;
      ax.line(ds_cum, ws, stages, label);
      ax.key = {true, plot::corner::lower_right, "job " + jb.id, false};
    }
  }
  for (int i = 0; i < layout.rows; ++i) {
    for (int j = 0; j < layout.cols; ++j) {
      auto& ax = fig.at(i, j);
      ax.x.label = detail::bottom_of_column(fig, i, j) ? "block index" : "";
      ax.y.label = j == 0 ? "width" : "";
      ax.y.kind = plot::scale::log2;
      ax.x.integer_ticks = true;
      ax.x.margin = 0.04;
    }
  }
  for (std::size_t s = 0; s < sweeps.size(); ++s) {
    fig.entries.push_back(detail::sweep_entry(sweeps[s].name, s, plot::dash::solid, plot::marker::circle));
  }
  fig.legend_cols = detail::legend_columns(sweeps.size(), n);
  return fig;
}

}  // namespace sweep
// ---- end sweep/report/sweep_plots.hpp ----



namespace sweep {

namespace detail {

/// @brief Refuses a sweep (or split) without jobs: `why` says what removed them.
inline void require_jobs(const std::vector<sweep_data>& sweeps, std::string_view key, std::string_view what, std::string_view why) {
  for (auto& s : sweeps) {
    if (s.jobs.empty()) throw error({s.file, 0}, std::string(key), fmt::format("the {} '{}' has no jobs left to analyse: {}", what, s.name, why));
  }
}

}  // namespace detail

/// @brief What every report section reads: the config, the sweeps at each stage of pycls's
/// filtering, and the rows of the job table that plotted points name. Built once per page.
/// @sa docs/report.md#sections
struct analysis_context {
  /// @brief Filters the sweeps as pycls's sweep_analyze does: PRE_FILTERS on every sweep, then,
  /// with a single sweep, one part per SPLIT_FILTERS set. A sweep left without jobs at any stage is
  /// a sweep::error naming the key that emptied it (ANALYZE.ERROR, PRE_FILTERS, SPLIT_FILTERS).
  analysis_context(const sweep_config& cfg, std::vector<sweep_data> sweeps)
      : config(cfg), analyze(cfg.analyze), loaded(std::move(sweeps)) {
    bootstrap.seed = static_cast<std::uint64_t>(analyze.rng_seed);
    error_record = analyze.error.substr(0, analyze.error.find('.'));
    for (auto& s : loaded) {
      analysed += s.jobs.size();
      skipped += s.skipped.size();
    }
    detail::require_jobs(loaded, "ANALYZE.ERROR", "sweep", fmt::format("no job has a {} record yet", error_record));
    // SETUP.REPEATS: a config's runs become one job at their mean error, before anything else reads the jobs.
    for (auto& s : loaded) repeats.push_back(average_repeats(s));
    for (auto& s : loaded) {
      // File order, the jobs a page shows one by one first: a scatter's points are then consecutive rows.
      for (auto& j : shown_jobs(s).jobs) rows.add(j);
      for (auto& j : s.jobs) rows.add(j);
    }
    filtered = loaded;
    if (!analyze.pre_filters.empty()) {
      for (auto& s : filtered) s = apply_filters(s, analyze.pre_filters, analyze.error);
      detail::require_jobs(filtered, "ANALYZE.PRE_FILTERS", "sweep", "ANALYZE.PRE_FILTERS removed every job");
    }
    if (is_split()) {
      for (auto& [name, filters] : analyze.split_filters) {
        split.push_back(apply_filters(filtered[0], filters, analyze.error));
        split.back().name = name;
      }
      detail::require_jobs(split, "ANALYZE.SPLIT_FILTERS", "split", "its ANALYZE.SPLIT_FILTERS set removed every job");
    } else {
      split = filtered;
    }
  }

  analysis_context(const analysis_context&) = delete;
  analysis_context& operator=(const analysis_context&) = delete;

  const sweep_config& config;     ///< the whole sweep config
  const analyze_options& analyze; ///< config.analyze
  bootstrap_options bootstrap;    ///< good ranges' bootstrap, seeded by ANALYZE.RNG_SEED
  std::string error_record;       ///< the record a job needs to be analysed: ANALYZE.ERROR's first part
  std::size_t analysed = 0;       ///< jobs with that record, over all loaded sweeps
  std::size_t skipped = 0;        ///< jobs without it (listed in each sweep_data::skipped)

  /// @brief The sweeps as loaded: the config's own, then ANALYZE.EXTRA_SWEEP_NAMES' in order.
  std::vector<sweep_data> loaded;
  /// @brief Per loaded sweep, its configs' runs (SETUP.REPEATS); a sweep with several runs of a config
  /// is loaded as one job per config, at the mean error of its runs (see average_repeats).
  std::vector<repeat_summary> repeats;
  /// @brief Whether some loaded sweep ran a config more than once.
  [[nodiscard]] bool has_repeats() const noexcept {
    return std::any_of(repeats.begin(), repeats.end(), [](auto& r) { return r.repeated(); });
  }
  /// @brief `loaded` after ANALYZE.PRE_FILTERS (the same jobs when there are none).
  std::vector<sweep_data> filtered;
  /// @brief With one sweep and ANALYZE.SPLIT_FILTERS: one part per split set, named after it;
  /// otherwise `filtered`. pycls's later sections (Metrics on) plot these: see current().
  std::vector<sweep_data> split;
  /// @brief Each loaded job's row in the job table (file order over the loaded sweeps); pass it to
  /// the plots (plot_edf, plot_values, ...) so hovering a point shows its job.
  job_rows rows;

  /// @brief The sweeps pycls's later sections plot: after the pre-filters and the split.
  [[nodiscard]] const std::vector<sweep_data>& current() const noexcept { return split; }
  /// @brief Whether the SPLIT_FILTERS apply (set, and a single sweep loaded).
  [[nodiscard]] bool is_split() const noexcept { return !analyze.split_filters.empty() && loaded.size() == 1; }
  /// @brief A metric by name (a shortcut or a dotted key), "error" meaning ANALYZE.ERROR.
  [[nodiscard]] metric_info metric(std::string_view name) const { return get_metric_info(name, analyze.error); }
  [[nodiscard]] std::vector<metric_info> metrics(const std::vector<std::string>& names) const {
    std::vector<metric_info> out;
    out.reserve(names.size());
    for (auto& n : names) out.push_back(metric(n));
    return out;
  }
};

namespace detail {

template <class T>
concept section_has_name = requires {
  { T::name } -> std::convertible_to<std::string_view>;
  requires std::is_const_v<decltype(T::name)>;
};
template <class T>
concept section_has_title = requires {
  { T::title } -> std::convertible_to<std::string_view>;
};
template <class T>
concept section_has_options = requires { typename T::options; } && std::default_initializable<typename T::options>;

template <class T>
concept section_renders = section_has_options<T> &&
    requires(const T& s, const analysis_context& ctx, const typename T::options& opts, html_book& book) {
      { s.render(ctx, opts, book) } -> std::same_as<void>;
    };
template <class T>
concept section_has_render_member = requires { &T::render; } || requires(T& s) { s.render; };

/// @brief The optional `shown`: when present, it must take (context, options) and return bool.
template <class T>
concept section_shown_ok = !requires { &T::shown; } ||
    requires(const T& s, const analysis_context& ctx, const typename T::options& opts) {
      { s.shown(ctx, opts) } -> std::same_as<bool>;
    };

/// @brief The optional `reads`: the metrics or dotted keys whose fields the section reads
/// beyond pycls's sections' (`sweep analyze` loads only those: see analysis_reads).
template <class T>
concept section_reads_ok = !requires { &T::reads; } || requires(const T& s, const typename T::options& opts) {
  { s.reads(opts) } -> std::convertible_to<std::vector<std::string>>;
};

/// @brief A section's name is what ANALYZE.SECTIONS lists and ANALYZE.<NAME> (upper-cased) keys:
/// lower-case letters, digits and '_', starting with a letter.
constexpr bool valid_section_name(std::string_view name) {
  if (name.empty() || name.front() < 'a' || name.front() > 'z') return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

}  // namespace detail

/// @brief A report section: `static constexpr std::string_view name` and `title`, an `options`
/// type (sweep::no_options, or a Hana-reflected struct read from ANALYZE.<NAME>), and
/// `void render(const analysis_context&, const options&, html_book&) const`; optionally
/// `bool shown(const analysis_context&, const options&) const` (false: no heading, no render) and
/// `std::vector<std::string> reads(const options&) const` (metrics or dotted keys whose fields
/// it reads beyond pycls's sections': `sweep analyze` loads no others; see whole_record).
/// @sa register_report_section, docs/report.md#sections
template <class T>
concept report_section = detail::section_has_name<T> && detail::section_has_title<T> && detail::section_has_options<T> &&
                         std::default_initializable<T> && detail::section_renders<T> && detail::section_shown_ok<T> &&
                         detail::section_reads_ok<T>;

/// @brief Whether section `s` adds to the page for `ctx` (its `shown`, or always).
template <report_section T>
bool section_shown(const T& s, const analysis_context& ctx, const typename T::options& opts) {
  if constexpr (requires { s.shown(ctx, opts); }) {
    return s.shown(ctx, opts);
  } else {
    return true;
  }
}

/// @brief What section `s` reads beyond pycls's sections (its `reads`, or nothing).
template <report_section T>
std::vector<std::string> section_reads(const T& s, const typename T::options& opts) {
  if constexpr (requires { s.reads(opts); }) {
    return s.reads(opts);
  } else {
    return {};
  }
}

}  // namespace sweep
// ---- end sweep/report/section.hpp ----

// ---- begin sweep/report/sections/compare.hpp ----
// Report section "compare" (ours): with several sweeps on the page
// (ANALYZE.EXTRA_SWEEP_NAMES), whether each pair's errors differ: a
// Kolmogorov-Smirnov test and bootstrap intervals of the difference of error
// quantiles, in plain words (analyze/compare.hpp).




namespace sweep::sections {

/// @brief ANALYZE.COMPARE: {QUANTILES: [10, 50], RESAMPLES: 1000}.
struct compare_options {
  BOOST_HANA_DEFINE_STRUCT(compare_options,
    (value, quantiles),                // error percentiles compared: a list of numbers
    (std::int64_t, resamples));        // bootstrap resamples of each sweep
  compare_options() : quantiles(value::list{value(10), value(50)}), resamples(1000) {}
};

}  // namespace sweep::sections

namespace sweep::detail {

inline sweep::compare_options comparison_settings(const analysis_context& ctx, const sections::compare_options& o) {
  sweep::compare_options opt;
  opt.quantiles.clear();
  auto bad = [&](std::string got) {
    config_checker(ctx.config).fail("ANALYZE.COMPARE.QUANTILES", "expected a list of percentiles from 0 to 100, got " + got);
  };
  if (!o.quantiles.is_list() || o.quantiles.as_list().empty()) bad(std::string(o.quantiles.kind()));
  for (auto& q : o.quantiles.as_list()) {
    if (!q.is_number()) bad(std::string(q.kind()));
    double p = q.as_float();
    if (!(p >= 0 && p <= 100)) bad(fmt::format("{}", p));
    opt.quantiles.push_back(p);
  }
  if (o.resamples < 1 || o.resamples > 100000) {
    config_checker(ctx.config).fail("ANALYZE.COMPARE.RESAMPLES", fmt::format("expected 1 to 100000 resamples, got {}", o.resamples));
  }
  opt.resamples = static_cast<int>(o.resamples);
  opt.seed = ctx.bootstrap.seed;
  return opt;
}

/// @brief Every pair (i < j) of the current sweeps, compared.
inline std::vector<comparison> compare_all(const std::vector<sweep_data>& sweeps, const sweep::compare_options& opt) {
  std::vector<comparison> out;
  for (std::size_t i = 0; i < sweeps.size(); ++i) {
    for (std::size_t j = i + 1; j < sweeps.size(); ++j) out.push_back(compare_sweeps(sweeps[i], sweeps[j], opt));
  }
  return out;
}

}  // namespace sweep::detail

namespace sweep::sections {

/// @brief With two or more sweeps: for each pair, the KS test and the quantile differences with
/// 95 % bootstrap intervals, as sentences and a table.
struct compare {
  static constexpr std::string_view name = "compare";
  static constexpr std::string_view title = "Comparison";
  using options = compare_options;

  bool shown(const analysis_context& ctx, const options&) const { return ctx.current().size() > 1; }
  void render(const analysis_context& ctx, const options& opts, html_book& book) const {
    auto settings = detail::comparison_settings(ctx, opts);
    book.add_text(fmt::format(
        "Lower error is better. For each pair of sweeps: the two-sample Kolmogorov-Smirnov test of their error distributions, and "
        "the difference of their error percentiles with a 95 % percentile-bootstrap interval ({} resamples of each sweep). An "
        "interval that excludes 0 says which is better there.",
        settings.resamples));
    for (auto& c : detail::compare_all(ctx.current(), settings)) {
      std::string html = "<div class=\"comparison\"><p><b>" + plot::escape_xml(c.a + " versus " + c.b) + ".</b> " + plot::escape_xml(describe_ks(c));
      for (auto& d : c.quantiles) html += " " + plot::escape_xml(describe_difference(c, d)) + ".";
      html += "</p>\n<table class=\"jobs\"><thead><tr><th class=\"t\">percentile</th><th>" + plot::escape_xml(c.a) + "</th><th>" + plot::escape_xml(c.b) +
              "</th><th>difference</th><th class=\"t\">95 % interval</th></tr></thead><tbody>\n";
      for (auto& d : c.quantiles) {
        fmt::format_to(std::back_inserter(html), "<tr><td class=\"t\">{}</td><td>{:.2f}</td><td>{:.2f}</td><td>{:.2f}</td><td class=\"t\">[{:.2f}, {:.2f}]</td></tr>\n",
                       ordinal(d.percentile), d.a, d.b, d.diff, d.low, d.high);
      }
      book.add_html(html + "</tbody></table></div>\n");
    }
  }
};

}  // namespace sweep::sections
// ---- end sweep/report/sections/compare.hpp ----

// ---- begin sweep/report/sections/importance.hpp ----
// Report section "importance" (ours): which parameters matter. For each
// sampled key and derived metric, the share of the error's variance it
// explains on its own (functional-ANOVA main effect, analyze/importance.hpp),
// over all jobs and within the bootstrap good range, with bootstrap intervals.




namespace sweep::sections {

/// @brief ANALYZE.IMPORTANCE: {KEYS: [...], BINS: 10, RESAMPLES: 200}.
struct importance_options {
  BOOST_HANA_DEFINE_STRUCT(importance_options,
    (std::vector<std::string>, keys),  // parameters (metric names or dotted keys); empty: sampled keys + METRICS
    (std::int64_t, bins),              // equal-count bins per parameter
    (std::int64_t, resamples));        // bootstrap resamples of the intervals
  importance_options() : bins(10), resamples(200) {}
};

}  // namespace sweep::sections

namespace sweep::detail {

/// @brief The importance options of a section's options and the page's seed.
inline importance_options importance_settings(const analysis_context& ctx, const sections::importance_options& o) {
  importance_options opt;
  opt.bins = static_cast<int>(o.bins);
  opt.resamples = static_cast<int>(o.resamples);
  opt.seed = ctx.bootstrap.seed;
  return opt;
}

inline void check_importance_options(const analysis_context& ctx, const sections::importance_options& o) {
  if (o.bins < 2) config_checker(ctx.config).fail("ANALYZE.IMPORTANCE.BINS", fmt::format("expected at least 2 bins, got {}", o.bins));
  if (o.resamples < 0 || o.resamples > 100000) {
    config_checker(ctx.config).fail("ANALYZE.IMPORTANCE.RESAMPLES", fmt::format("expected 0 to 100000 resamples, got {}", o.resamples));
  }
}

inline std::string share_cell(const importance_share& s, bool bar) {
  std::string out = "<td>";
  if (bar) {
    fmt::format_to(std::back_inserter(out),
                   "<span style=\"display:inline-block;vertical-align:middle;height:10px;width:{:.0f}px;background:#1f77b4;margin-right:6px\"></span>",
                   120 * s.share);
  }
  fmt::format_to(std::back_inserter(out), "{:.2f} [{:.2f}, {:.2f}]</td>", s.share, s.low, s.high);
  return out;
}

/// @brief The importance table of one sweep: one row per parameter, then interactions and noise.
inline std::string importance_table(const std::vector<sweep_parameter>& params, const sweep_importance& imp) {
  bool good = !imp.good.shares.empty();
  std::string out = "<table class=\"jobs importance\"><thead><tr><th class=\"t\">parameter</th><th class=\"t\">share of variance, all jobs [95 % interval]</th>";
  out += fmt::format("<th class=\"t\">within the good range ({} jobs)</th><th class=\"t\">good range</th></tr></thead><tbody>\n", imp.good_jobs);
  for (std::size_t k = 0; k < params.size(); ++k) {
    out += "<tr><td class=\"t\">" + plot::escape_xml(params[k].info.label) + "</td>" + share_cell(imp.overall.shares[k], true);
    out += good ? share_cell(imp.good.shares[k], true) : std::string("<td>-</td>");
    out += k < imp.ranges.size() ? fmt::format("<td>[{}, {}]</td>", short_number(imp.ranges[k][0]), short_number(imp.ranges[k][1])) : "<td></td>";
    out += "</tr>\n";
  }
  out += "<tr><td class=\"t\"><i>interactions and noise</i></td>" + share_cell(imp.overall.rest, false);
  out += good ? share_cell(imp.good.rest, false) : std::string("<td>-</td>");
  return out + "<td></td></tr>\n</tbody></table>\n";
}

}  // namespace sweep::detail

namespace sweep::sections {

/// @brief Parameter importance: each parameter's share of the error's variance (its main effect),
/// over all jobs and within the good range, with 95 % bootstrap intervals; one table per sweep.
struct importance {
  static constexpr std::string_view name = "importance";
  static constexpr std::string_view title = "Importance";
  using options = importance_options;

  void render(const analysis_context& ctx, const options& opts, html_book& book) const {
    detail::check_importance_options(ctx, opts);
    auto params = sweep_parameters(ctx.config, opts.keys);
    if (params.empty()) {
      book.add_text("No parameters: SETUP.SAMPLERS, ANALYZE.METRICS and ANALYZE.IMPORTANCE.KEYS are all empty.");
      return;
    }
    auto settings = detail::importance_settings(ctx, opts);
    book.add_text(fmt::format(
        "The share of the error's variance each parameter explains on its own: its functional-ANOVA main effect "
        "Var(E[error | parameter]) / Var(error), estimated as the bias-corrected correlation ratio (omega squared) over "
        "{} equal-count bins of the parameter, so a parameter without effect scores about 0. Intervals: 95 % percentile "
        "bootstrap over {} resamples of the jobs. What the main effects leave is interactions and noise. The good range "
        "column repeats it for the jobs inside every parameter's bootstrap good range.",
        settings.bins, settings.resamples));
    for (auto& s : ctx.current()) {
      auto imp = importance_of(s, params, settings, ctx.bootstrap);
      if (ctx.current().size() > 1) book.add_html("<h4>" + plot::escape_xml(s.name) + "</h4>\n");
      book.add_html(detail::importance_table(params, imp));
      if (imp.good.shares.empty()) {
        book.add_text(fmt::format("Only {} jobs lie inside every good range: too few (20 or more needed) to split the variance there.",
                                  imp.good_jobs));
      }
    }
  }
};

}  // namespace sweep::sections
// ---- end sweep/report/sections/importance.hpp ----

// ---- begin sweep/report/sections/repeats.hpp ----
// Report section "repeats" (ours): with SETUP.REPEATS, how much the training
// seed moves the error. Every other section already reads one job per config
// at its mean error (analysis_context); this one shows the EDF of those means
// with a bootstrap confidence band, each config's runs around its mean, and
// the smallest difference of two configs' means that k seeds can resolve.




namespace sweep::detail {

/// @brief The bootstrap that draws a sweep's EDF band: the page's seed, 1000 resamples, 95 %.
inline bootstrap_options edf_band_bootstrap(const analysis_context& ctx) {
  auto opt = ctx.bootstrap;
  opt.resamples = 1000;
  return opt;
}

/// @brief The configs' order by mean error (ties keep their order).
inline std::vector<std::size_t> by_mean(const repeat_summary& r) {
  std::vector<std::size_t> order(r.groups.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return r.groups[a].mean < r.groups[b].mean; });
  return order;
}

/// @brief The EDF of the configs' mean errors per sweep, each with its bootstrap band.
inline plot::figure plot_repeats_edf(const analysis_context& ctx) {
  auto fig = plot_edf(ctx.loaded, ctx.rows);
  fig.caption = "EDF of the mean error per config, with 95 % bootstrap bands";
  auto& ax = fig.at(0, 0);
  for (std::size_t i = 0; i < ctx.repeats.size(); ++i) {
    auto band = bootstrap_edf_band(ctx.repeats[i].groups, edf_band_bootstrap(ctx));
    plot::style look{plot::cycle_color(i), 0.2};
    ax.band(band.x, band.low, band.high, look);
  }
  return fig;
}

/// @brief Each config's runs around its mean: configs ranked by mean error (as a fraction, so sweeps of
/// any size share the axis), the band from their best to their worst run, the mean and every run.
inline plot::figure plot_repeats_spread(const analysis_context& ctx) {
  plot::figure fig;
  fig.caption = "each config's runs: mean, best to worst run, and every run";
  auto& ax = fig.at(0, 0);
  ax.x.label = "configs ranked by mean error (fraction)";
  ax.y.label = "error";
  ax.key = {true, plot::corner::upper_left, "", true};
  for (std::size_t i = 0; i < ctx.repeats.size(); ++i) {
    const auto& r = ctx.repeats[i];
    auto order = by_mean(r);
    std::vector<double> x, mean, lo, hi, run_x, run_y;
    auto n = static_cast<double>(std::max<std::size_t>(1, order.size()));
    for (std::size_t k = 0; k < order.size(); ++k) {
      const auto& g = r.groups[order[k]];
      double at = (static_cast<double>(k) + 0.5) / n;
      x.push_back(at);
      mean.push_back(g.mean);
      lo.push_back(g.min);
      hi.push_back(g.max);
      for (double e : g.errors) {
        run_x.push_back(at);
        run_y.push_back(e);
      }
    }
    ax.band(x, lo, hi, plot::style{plot::cycle_color(i), 0.25}, order.size() > 0 ? r.sweep + ": best to worst run" : "");
    ax.line(x, mean, plot::style{plot::cycle_color(i), 0.9}, r.sweep + ": mean");
    if (run_x.size() <= 2 * max_shown_jobs) {
      plot::style dots{plot::cycle_color(i), 0.5};
      dots.marker_size = 3;
      ax.scatter(run_x, run_y, dots);
    }
  }
  return fig;
}

/// @brief One sentence per sweep: configs, runs, the seeds' spread and the configs', and the resolution.
inline std::string describe_repeats(const repeat_summary& r) {
  if (!r.repeated()) return fmt::format("{}: {} configs, one run each.", r.sweep, r.groups.size());
  return fmt::format(
      "{}: {} configs, {} runs (up to {} per config). Across seeds a config's error varies by {:.2f} (pooled standard "
      "deviation); across configs the mean error varies by {:.2f}. Two configs whose mean errors differ by less than "
      "{:.2f} are not told apart by {} seeds (95 %).",
      r.sweep, r.groups.size(), r.jobs, r.most_runs(), r.seed_sd(), r.config_sd(), seed_resolution(r), r.most_runs());
}

/// @brief pycls's describe_sweep for configs: "mean=.. | sd=.. | min=.. | max=.. | n=.. | ids | DESC", best first.
inline std::string describe_configs(const repeat_summary& r) {
  std::string out;
  for (auto k : by_mean(r)) {
    const auto& g = r.groups[k];
    std::string ids;
    for (auto& id : g.ids) ids += (ids.empty() ? "" : ",") + id;
    out += fmt::format("{}mean={:.2f} | sd={:.2f} | min={:.2f} | max={:.2f} | n={} | {} | {}", out.empty() ? "" : "\n", g.mean,
                       g.sd, g.min, g.max, g.ids.size(), ids, g.desc);
  }
  return out;
}

}  // namespace sweep::detail

namespace sweep::sections {

/// @brief Seed repeats (shown when some sweep ran a config more than once): the EDF of the configs'
/// mean errors with 95 % bootstrap bands, each config's runs around its mean, the spread in words,
/// and the configs' list (best first).
struct repeats {
  static constexpr std::string_view name = "repeats";
  static constexpr std::string_view title = "Seed Repeats";
  using options = no_options;

  bool shown(const analysis_context& ctx, const options&) const { return ctx.has_repeats(); }
  void render(const analysis_context& ctx, const options&, html_book& book) const {
    book.add_text(
        "SETUP.REPEATS ran each config several times with different training seeds (the job's RNG_SEED). Every "
        "section of this page reads one point per config at the mean error of its runs. The band around each EDF is "
        "a 95 % pointwise bootstrap interval: 1000 resamples, each drawing the configs and then each config's runs "
        "with replacement, so it shows how far the EDF could move with other seeds and another sample of configs.");
    for (auto& r : ctx.repeats) book.add_text(detail::describe_repeats(r));
    book.add_plot(detail::plot_repeats_edf(ctx));
    book.add_plot(detail::plot_repeats_spread(ctx));
    for (auto& r : ctx.repeats) book.add_details(fmt::format("{}: each config's runs (best mean first)", r.sweep), detail::describe_configs(r));
  }
};

}  // namespace sweep::sections
// ---- end sweep/report/sections/repeats.hpp ----



namespace sweep {

namespace detail {

/// @brief A section's options as the page reads them (its defaults without ANALYZE.<NAME>).
template <class Options>
Options section_options(const sweep_config& cfg, std::string_view name) {
  Options opts;
  if (auto* node = component_section(cfg.analyze.extensions, name)) schema_reader(cfg.file).read(*node, "ANALYZE." + upper(name), opts);
  return opts;
}

inline nlohmann::json json_number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }

inline nlohmann::json shares_json(const importance_result& r) {
  auto out = nlohmann::json::array();
  for (auto& s : r.shares) out.push_back({{"key", s.key}, {"share", s.share}, {"interval", {s.low, s.high}}});
  return out;
}

inline nlohmann::json edf_summary(const sweep_data& s) {
  std::vector<double> e;
  for (auto& j : s.jobs) e.push_back(j.error);
  double sum = 0;
  for (double v : e) sum += v;
  nlohmann::json out = {{"n", e.size()}};
  if (e.empty()) return out;
  out["min"] = *std::min_element(e.begin(), e.end());
  out["mean"] = sum / static_cast<double>(e.size());
  auto& p = out["percentiles"] = nlohmann::json::object();
  for (int q : {5, 10, 25, 50, 75, 90}) p[std::to_string(q)] = percentile(e, q);
  return out;
}

/// @brief A sweep's seed repeats: the spread in numbers, each config's runs, and the EDF band.
inline nlohmann::json repeats_json(const analysis_context& ctx, const repeat_summary& r) {
  nlohmann::json out = {{"sweep", r.sweep},
                        {"configs", r.groups.size()},
                        {"jobs", r.jobs},
                        {"most_runs", r.most_runs()},
                        {"seed_sd", json_number(r.seed_sd())},
                        {"config_sd", json_number(r.config_sd())},
                        {"resolution", json_number(seed_resolution(r))}};
  auto& configs = out["per_config"] = nlohmann::json::array();
  for (auto& g : r.groups) {
    configs.push_back({{"desc", g.desc}, {"jobs", g.ids}, {"errors", g.errors}, {"mean", g.mean}, {"sd", g.sd},
                       {"min", g.min}, {"max", g.max}});
  }
  auto band = bootstrap_edf_band(r.groups, edf_band_bootstrap(ctx));
  out["edf_band"] = {{"level", band.level}, {"x", band.x}, {"low", band.low}, {"high", band.high}};
  return out;
}

}  // namespace detail

/// @brief The numbers of a page as JSON (see the top of this file and docs/report.md#analysisjson).
inline nlohmann::json analysis_facts(const analysis_context& ctx) {
  const auto& a = ctx.analyze;
  nlohmann::json out = {{"name", ctx.config.name}, {"error", a.error}, {"rng_seed", a.rng_seed},
                        {"jobs_analysed", ctx.analysed}, {"jobs_skipped", ctx.skipped}};
  auto imp_opts = detail::section_options<sections::importance_options>(ctx.config, "importance");
  auto cmp_opts = detail::section_options<sections::compare_options>(ctx.config, "compare");
  auto params = sweep_parameters(ctx.config, imp_opts.keys);
  auto imp_settings = detail::importance_settings(ctx, imp_opts);
  std::vector<std::string> names = a.metrics;
  names.insert(names.end(), a.complexity.begin(), a.complexity.end());
  auto infos = ctx.metrics(names);

  auto& sweeps = out["sweeps"] = nlohmann::json::array();
  for (auto& s : ctx.current()) {
    nlohmann::json one = {{"name", s.name}, {"edf", detail::edf_summary(s)}};
    auto& ranges = one["good_ranges"] = nlohmann::json::array();
    auto gr = good_ranges(s, infos, ctx.bootstrap);
    for (std::size_t k = 0; k < infos.size(); ++k) {
      ranges.push_back({{"metric", infos[k].name}, {"label", infos[k].label}, {"low", detail::json_number(gr[k][0])},
                        {"best", detail::json_number(gr[k][1])}, {"high", detail::json_number(gr[k][2])}});
    }
    auto imp = importance_of(s, params, imp_settings, ctx.bootstrap);
    one["importance"] = detail::shares_json(imp.overall);
    one["importance_rest"] = {{"share", imp.overall.rest.share}, {"interval", {imp.overall.rest.low, imp.overall.rest.high}}};
    one["importance_good_range"] = {{"jobs", imp.good_jobs}, {"shares", detail::shares_json(imp.good)}};
    sweeps.push_back(std::move(one));
  }
  // The first sweep's importance at the top, as the issue's scripts read it.
  out["importance"] = sweeps.empty() ? nlohmann::json::array() : sweeps[0]["importance"];
  out["importance_good_range"] = sweeps.empty() ? nlohmann::json::object() : sweeps[0]["importance_good_range"];
  auto& comps = out["comparisons"] = nlohmann::json::array();
  if (ctx.current().size() > 1) {
    for (auto& c : detail::compare_all(ctx.current(), detail::comparison_settings(ctx, cmp_opts))) {
      nlohmann::json one = {{"a", c.a}, {"b", c.b}, {"n_a", c.n_a}, {"n_b", c.n_b}, {"ks_statistic", c.ks_statistic}, {"p_value", c.p_value}};
      auto& qs = one["quantiles"] = nlohmann::json::array();
      auto& words = one["summary"] = nlohmann::json::array({describe_ks(c)});
      for (auto& d : c.quantiles) {
        qs.push_back({{"percentile", d.percentile}, {"a", d.a}, {"b", d.b}, {"difference", d.diff}, {"interval", {d.low, d.high}}});
        words.push_back(describe_difference(c, d));
      }
      comps.push_back(std::move(one));
    }
  }
  // SETUP.REPEATS: only in the facts of a sweep that has them (others are as they were before).
  if (ctx.has_repeats()) {
    auto& reps = out["repeats"] = nlohmann::json::array();
    for (auto& r : ctx.repeats) reps.push_back(detail::repeats_json(ctx, r));
  }
  return out;
}

}  // namespace sweep
// ---- end sweep/report/analysis_json.hpp ----

// ---- begin sweep/report/sections.hpp ----
// The registry of report sections: pycls's sections (registered first, through
// the same call a user has) and the user's own. ANALYZE.SECTIONS lists the
// sections of a page by name, in order; left empty, a page has pycls's sections
// in pycls's order and the job table. ANALYZE.<NAME> holds a section's options.
//
//   SWEEP_REGISTER(sweep::register_report_section<my_section>);   // at namespace scope


// ---- begin sweep/report/sections/config.hpp ----
// Report section "config" (pycls's "Config"): the sweep config as it was
// written, and every key with its value, defaults included.



namespace sweep::sections {

/// @brief Collapsible `sweep_cfg` (the text the config was loaded from) and `sweep_cfg_full`
/// (every key with its value, keys sorted).
struct config {
  static constexpr std::string_view name = "config";
  static constexpr std::string_view title = "Config";
  using options = no_options;

  void render(const analysis_context& ctx, const options&, html_book& book) const {
    book.add_details("sweep_cfg", sweep_config_yaml(ctx.config));
    book.add_details("sweep_cfg_full", to_yaml(sweep::detail::schema_to_value(ctx.config)));
  }
};

}  // namespace sweep::sections
// ---- end sweep/report/sections/config.hpp ----

// ---- begin sweep/report/sections/curves.hpp ----
// Report sections "best_errors" and "worst_errors" (pycls's "Best Errors" and
// "Worst Errors"): train, test and ema error curves of the best and worst jobs.



namespace sweep {

/// @brief The metric whose curves the Best/Worst Errors sections draw (pycls's).
inline constexpr std::string_view curves_metric = "top1_err";

}  // namespace sweep

namespace sweep::sections {

/// @brief Error curves of the ANALYZE.PLOT_CURVES_BEST best jobs of each current sweep (shown when > 0).
struct best_errors {
  static constexpr std::string_view name = "best_errors";
  static constexpr std::string_view title = "Best Errors";
  using options = no_options;

  bool shown(const analysis_context& ctx, const options&) const { return ctx.analyze.plot_curves_best > 0; }
  void render(const analysis_context& ctx, const options&, html_book& book) const {
    book.add_plot(plot_curves(ctx.current(), std::string(curves_metric), ctx.analyze.plot_curves_best, false, ctx.rows));
  }
};

/// @brief The same for the ANALYZE.PLOT_CURVES_WORST worst jobs.
struct worst_errors {
  static constexpr std::string_view name = "worst_errors";
  static constexpr std::string_view title = "Worst Errors";
  using options = no_options;

  bool shown(const analysis_context& ctx, const options&) const { return ctx.analyze.plot_curves_worst > 0; }
  void render(const analysis_context& ctx, const options&, html_book& book) const {
    book.add_plot(plot_curves(ctx.current(), std::string(curves_metric), ctx.analyze.plot_curves_worst, true, ctx.rows));
  }
};

}  // namespace sweep::sections
// ---- end sweep/report/sections/curves.hpp ----

// ---- begin sweep/report/sections/early_stopping.hpp ----
// Report section "early_stopping" (ours, docs/early_stopping.md): on the default page only when jobs of the
// loaded sweeps were stopped early. It says how many, at which rungs, and which budget the plots show:
// a stopped job's error is its error at the rung, not at the full budget.




namespace sweep::sections {

/// @brief How many jobs were stopped, per sweep and rung, and which jobs the EDFs and good ranges use.
struct early_stopping {
  static constexpr std::string_view name = "early_stopping";
  static constexpr std::string_view title = "Early Stopping";
  using options = no_options;

  /// @brief (rung, epoch) -> jobs stopped there, of one sweep.
  static std::map<std::pair<std::int64_t, std::int64_t>, std::size_t> stopped(const sweep_data& s) {
    std::map<std::pair<std::int64_t, std::int64_t>, std::size_t> out;
    for (auto& j : s.jobs) {
      auto* at = j.field("stopped_early");
      if (at == nullptr || !at->is_object()) continue;
      ++out[{at->value("rung", std::int64_t{-1}), at->value("epoch", std::int64_t{-1})}];
    }
    return out;
  }

  [[nodiscard]] std::vector<std::string> reads(const options&) const { return {"stopped_early"}; }

  [[nodiscard]] bool shown(const analysis_context& ctx, const options&) const {
    return std::any_of(ctx.loaded.begin(), ctx.loaded.end(), [](auto& s) { return !stopped(s).empty(); });
  }

  void render(const analysis_context& ctx, const options&, html_book& book) const {
    std::string html = "<table class=\"jobs\"><thead><tr><th class=\"t\">sweep</th><th>jobs</th><th>stopped early</th>"
                       "<th class=\"t\">at rung (epoch): jobs</th><th>trained to the full budget</th></tr></thead><tbody>\n";
    for (std::size_t k = 0; k < ctx.loaded.size(); ++k) {
      auto& s = ctx.loaded[k];
      auto at = stopped(s);
      std::size_t n = 0;
      std::string rungs;
      for (auto& [where, count] : at) {
        n += count;
        fmt::format_to(std::back_inserter(rungs), "{}{} ({}): {}", rungs.empty() ? "" : ", ", where.first, where.second, count);
      }
      fmt::format_to(std::back_inserter(html), "<tr><td class=\"t\">{}</td><td>{}</td><td>{}</td><td class=\"t\">{}</td><td>{}</td></tr>\n",
                     plot::escape_xml(s.name), s.jobs.size(), n, rungs, ctx.filtered[k].jobs.size());
    }
    book.add_html(html + "</tbody></table>\n");
    bool same_budget = std::any_of(ctx.analyze.pre_filters.begin(), ctx.analyze.pre_filters.end(),
                                   [](auto& f) { return f.first == "done" && f.second[0] >= 1; });
    book.add_text(same_budget
                      ? "A job stopped early has the error it had at its rung, a smaller budget than the others'. The EDF "
                        "section shows every job; EDF Filtered, the metrics and complexity plots and their good ranges "
                        "use only the jobs trained to the full budget (ANALYZE.PRE_FILTERS done: [1, 1, 1], the last "
                        "column). The error curves of a stopped job end at the epoch it was stopped."
                      : "A job stopped early has the error it had at its rung, a smaller budget than the others'. Every "
                        "section of this page shows all jobs, the stopped ones at their rung's budget: add "
                        "ANALYZE.PRE_FILTERS {done: [1, 1, 1]} to compare only the jobs trained to the full budget. The "
                        "error curves of a stopped job end at the epoch it was stopped.");
  }
};

}  // namespace sweep::sections
// ---- end sweep/report/sections/early_stopping.hpp ----

// ---- begin sweep/report/sections/edf.hpp ----
// Report sections "edf", "edf_filtered" and "edf_split" (pycls's "EDF", "EDF
// Filtered", "EDF Split"): the error's EDF per sweep, and one line per job.




namespace sweep::detail {

/// @brief An EDF of `sweeps` and pycls's describe_sweep of each, collapsible.
inline void edf_and_jobs(const analysis_context& ctx, const std::vector<sweep_data>& sweeps, html_book& book) {
  book.add_plot(plot_edf(sweeps, ctx.rows));
  for (auto& s : sweeps) book.add_details(s.name + shown_note(s), describe_sweep(shown_jobs(s)));
}

}  // namespace sweep::detail

namespace sweep::sections {

/// @brief The error EDF of each loaded sweep, `n|min|mean` in the legend; then its jobs (best
/// first), and the jobs without the error record, which are not analysed.
struct edf {
  static constexpr std::string_view name = "edf";
  static constexpr std::string_view title = "EDF";
  using options = no_options;

  void render(const analysis_context& ctx, const options&, html_book& book) const {
    detail::edf_and_jobs(ctx, ctx.loaded, book);
    for (auto& s : ctx.loaded) {
      if (s.skipped.empty()) continue;
      std::string ids;
      for (auto& id : s.skipped) ids += (ids.empty() ? "" : " ") + id;
      book.add_details(fmt::format("{}: {} jobs not analysed (no {} record)", s.name, s.skipped.size(), ctx.error_record), ids);
    }
  }
};

/// @brief The EDF after ANALYZE.PRE_FILTERS (shown when there are some).
struct edf_filtered {
  static constexpr std::string_view name = "edf_filtered";
  static constexpr std::string_view title = "EDF Filtered";
  using options = no_options;

  bool shown(const analysis_context& ctx, const options&) const { return !ctx.analyze.pre_filters.empty(); }
  void render(const analysis_context& ctx, const options&, html_book& book) const { detail::edf_and_jobs(ctx, ctx.filtered, book); }
};

/// @brief One EDF curve per ANALYZE.SPLIT_FILTERS set (shown with split filters and one sweep).
struct edf_split {
  static constexpr std::string_view name = "edf_split";
  static constexpr std::string_view title = "EDF Split";
  using options = no_options;

  bool shown(const analysis_context& ctx, const options&) const { return ctx.is_split(); }
  void render(const analysis_context& ctx, const options&, html_book& book) const { detail::edf_and_jobs(ctx, ctx.split, book); }
};

}  // namespace sweep::sections
// ---- end sweep/report/sections/edf.hpp ----

// ---- begin sweep/report/sections/jobs.hpp ----
// Report section "jobs" (ours): every job in one sortable table, the target
// of the plots' points (hover shows a point's row, click opens it).


#include <range/v3/algorithm/find.hpp>
#include <range/v3/view/concat.hpp>


namespace sweep::detail {

inline void cell_number(std::string& out, double v) {
  out += "<td>";
  if (!std::isnan(v)) out += short_number(v);
  out += "</td>";
}

/// @brief The job table: one row per job (best first per sweep), numbered as `rows` numbers them.
/// Cells hold 4 significant digits, which sorting and the tooltip read (10,000 rows stay a few MB).
inline std::string job_table(const std::vector<sweep_data>& sweeps, const std::vector<metric_info>& columns, const job_rows& rows) {
  bool several = sweeps.size() > 1;
  std::string out = "<table class=\"jobs\" id=\"jobs\"><thead><tr>";
  if (several) out += "<th class=\"t\">sweep</th>";
  out += "<th class=\"t\">job</th><th>error</th>";
  for (auto& c : columns) out += "<th>" + plot::escape_xml(c.label) + "</th>";
  out += "<th class=\"t\">DESC</th></tr></thead><tbody>\n";
  for (auto& s : sweeps) {
    for (auto& j : sorted_by_error(shown_jobs(s))) {
      auto* desc = j.field("cfg.DESC");
      fmt::format_to(std::back_inserter(out), "<tr id=\"job{}\">", rows(j));
      if (several) out += "<td class=\"t\">" + plot::escape_xml(s.name) + "</td>";
      out += "<td class=\"t\">" + plot::escape_xml(j.id) + "</td>";
      cell_number(out, j.error);
      for (auto& c : columns) cell_number(out, job_number(j, c));
      out += "<td class=\"t\">" + plot::escape_xml(desc && desc->is_string() ? desc->get<std::string>() : "") + "</td></tr>\n";
    }
  }
  return out + "</tbody></table>\n";
}

}  // namespace sweep::detail

namespace sweep::sections {

/// @brief Every loaded job: sweep (with several), job, error, done, ANALYZE's metrics and
/// complexity, DESC; a click on a header sorts by it. Without this section, hovering a point
/// shows nothing (its row is what the tooltip shows).
struct jobs {
  static constexpr std::string_view name = "jobs";
  static constexpr std::string_view title = "Jobs";
  using options = no_options;

  void render(const analysis_context& ctx, const options&, html_book& book) const {
    std::vector<std::string> columns = {"done"};
    for (auto& m : ranges::views::concat(ctx.analyze.metrics, ctx.analyze.complexity)) {
      if (ranges::find(columns, m) == columns.end()) columns.push_back(m);
    }
    std::string notes;
    for (auto& s : ctx.loaded) notes += shown_note(s).empty() ? "" : fmt::format("; {}:{}", s.name, shown_note(s));
    book.add_html(fmt::format("<details><summary>job table ({} jobs; click a header to sort{})</summary>\n{}</details>\n", ctx.analysed,
                              plot::escape_xml(notes), sweep::detail::job_table(ctx.loaded, ctx.metrics(columns), ctx.rows)));
  }
};

}  // namespace sweep::sections
// ---- end sweep/report/sections/jobs.hpp ----

// ---- begin sweep/report/sections/models.hpp ----
// Report sections "best_models" and "worst_models" (pycls's "Best Models" and
// "Worst Models"): per-block widths of the best and worst models.



namespace sweep::sections {

/// @brief Block diagrams of the ANALYZE.PLOT_MODELS_BEST best models of each current sweep (shown when > 0).
struct best_models {
  static constexpr std::string_view name = "best_models";
  static constexpr std::string_view title = "Best Models";
  using options = no_options;

  bool shown(const analysis_context& ctx, const options&) const { return ctx.analyze.plot_models_best > 0; }
  void render(const analysis_context& ctx, const options&, html_book& book) const {
    book.add_plot(plot_models(ctx.current(), ctx.analyze.plot_models_best, false, ctx.rows));
  }
};

/// @brief The same for the ANALYZE.PLOT_MODELS_WORST worst models.
struct worst_models {
  static constexpr std::string_view name = "worst_models";
  static constexpr std::string_view title = "Worst Models";
  using options = no_options;

  bool shown(const analysis_context& ctx, const options&) const { return ctx.analyze.plot_models_worst > 0; }
  void render(const analysis_context& ctx, const options&, html_book& book) const {
    book.add_plot(plot_models(ctx.current(), ctx.analyze.plot_models_worst, true, ctx.rows));
  }
};

}  // namespace sweep::sections
// ---- end sweep/report/sections/models.hpp ----

// ---- begin sweep/report/sections/parallel.hpp ----
// Report section "parallel" (ours): parallel coordinates of the jobs, one
// vertical axis per parameter (logarithmic where its sampler is) and one for
// the error, each job a line coloured by its error. Dragging along an axis
// brushes a range; brushes and the "top k %" box select jobs, and the page
// shows only those: lines here, points in every other plot, rows of the job
// table, and an EDF of the selection drawn next to the full one. Plain inline
// script and SVG, nothing external; past MAX_LINES jobs a sample is drawn as
// lines (the page says so) while selecting still counts every job.




namespace sweep::sections {

/// @brief ANALYZE.PARALLEL: {KEYS: [...], MAX_LINES: 2000}.
struct parallel_options {
  BOOST_HANA_DEFINE_STRUCT(parallel_options,
    (std::vector<std::string>, keys),  // axes (metric names or dotted keys); empty: sampled keys + METRICS
    (std::int64_t, max_lines));        // jobs drawn as lines at most (a sample beyond)
  parallel_options() : max_lines(2000) {}
};

}  // namespace sweep::sections

namespace sweep::detail {

// Brushing: each axis has a hit area (.pc-hit, data-a = its index); a drag there sets that axis's
// brush (positions 0 = bottom .. 1 = top), a click without a drag clears it. Selected: inside every
// brush and among the top k % by error. The selection hides other lines, points of every plot
// (data-j, or g[data-j0] children) and job-table rows, and redraws the selection's EDF.
inline constexpr std::string_view parallel_script = R"js(
(function(){
var D=JSON.parse(document.getElementById('pc-data').textContent),svg=document.getElementById('pc-svg');
var N=D.rows.length,A=D.axes.length,brush=[],top=100,sel=new Uint8Array(D.n_rows);
var status=document.getElementById('pc-status'),topk=document.getElementById('pc-topk');
var order=D.rows.map(function(r,i){return i;}).sort(function(a,b){return D.rows[a].e-D.rows[b].e;});
function ypx(p){return D.y0+(1-p)*D.h;}function pOf(y){return Math.max(0,Math.min(1,1-(y-D.y0)/D.h));}
function ns(t){return document.createElementNS('http://www.w3.org/2000/svg',t);}
function brushRect(a){var r=svg.querySelector('rect.pc-brush[data-a="'+a+'"]');if(!r){r=ns('rect');r.setAttribute('class','pc-brush');
 r.setAttribute('data-a',a);r.setAttribute('x',D.xs[a]-9);r.setAttribute('width',18);r.setAttribute('fill','rgba(255,160,0,.3)');
 r.setAttribute('stroke','#c60');r.setAttribute('pointer-events','none');svg.appendChild(r);}return r;}
function value(a,p){var ax=D.axes[a],v=ax.lo+p*(ax.hi-ax.lo);return ax.log?Math.pow(10,v):v;}
function apply(){
 sel.fill(0);var keep=Math.ceil(N*top/100),best=new Uint8Array(N),n=0;for(var k=0;k<keep&&k<N;k++)best[order[k]]=1;
 for(var i=0;i<N;i++){if(!best[i])continue;var r=D.rows[i],ok=true;
  for(var a=0;a<A&&ok;a++){var b=brush[a];if(!b)continue;var p=r.p[a];ok=p!==null&&p>=b[0]&&p<=b[1];}
  if(ok){sel[r.j]=1;n++;}}
 var all=!brush.some(function(b){return b;})&&top>=100;
 document.querySelectorAll('[data-j]').forEach(function(e){var j=+e.getAttribute('data-j');if(j>=0)e.style.display=all||sel[j]?'':'none';});
 document.querySelectorAll('g[data-j0]').forEach(function(g){var j0=+g.getAttribute('data-j0');
  Array.prototype.forEach.call(g.children,function(c,k){c.style.display=all||sel[j0+k]?'':'none';});});
 document.querySelectorAll('table.jobs tbody tr[id^="job"]').forEach(function(t){t.style.display=all||sel[+t.id.slice(3)]?'':'none';});
 status.textContent=n+' of '+N+' jobs selected'+(all?'':' (the other plots and the job table show only these)');
 svg.setAttribute('data-selected',n);edf();}
function edf(){var es=[];for(var i=0;i<N;i++)if(sel[D.rows[i].j])es.push(D.rows[i].e);es.sort(function(a,b){return a-b;});
 var d='',W=D.edf,e0=D.e_lo,e1=D.e_hi;function X(e){return W.x+(e-e0)/(e1-e0||1)*W.w;}function Y(q){return W.y+(1-q)*W.h;}
 for(var k=0;k<es.length;k++){d+=(k?'L':'M')+X(es[k]).toFixed(1)+' '+Y(k/es.length).toFixed(1)+'L'+X(es[k]).toFixed(1)+' '+Y((k+1)/es.length).toFixed(1);}
 document.getElementById('pc-edf-sel').setAttribute('d',d);}
var drag=null;
svg.addEventListener('mousedown',function(ev){var h=ev.target.closest?ev.target.closest('.pc-hit'):null;if(!h)return;ev.preventDefault();
 var m=svg.getScreenCTM().inverse(),pt=svg.createSVGPoint();pt.x=ev.clientX;pt.y=ev.clientY;drag={a:+h.getAttribute('data-a'),y:pt.matrixTransform(m).y,m:m};});
function dragTo(ev,done){if(!drag)return;var pt=svg.createSVGPoint();pt.x=ev.clientX;pt.y=ev.clientY;var y=pt.matrixTransform(drag.m).y;
 var a=drag.a,y0=Math.min(y,drag.y),y1=Math.max(y,drag.y),r=brushRect(a);
 if(y1-y0<3){if(done){brush[a]=null;r.remove();drag=null;apply();}return;}
 y0=Math.max(y0,D.y0);y1=Math.min(y1,D.y0+D.h);r.setAttribute('y',y0);r.setAttribute('height',y1-y0);
 brush[a]=[pOf(y1),pOf(y0)];r.setAttribute('data-lo',value(a,brush[a][0]));r.setAttribute('data-hi',value(a,brush[a][1]));
 apply();if(done)drag=null;}
document.addEventListener('mousemove',function(ev){dragTo(ev,false);});
document.addEventListener('mouseup',function(ev){dragTo(ev,true);});
topk.addEventListener('input',function(){var v=parseFloat(topk.value);top=isNaN(v)?100:Math.max(0,Math.min(100,v));apply();});
document.getElementById('pc-reset').addEventListener('click',function(){brush=[];svg.querySelectorAll('rect.pc-brush').forEach(function(r){r.remove();});
 topk.value=100;top=100;apply();});
if(document.readyState==='loading')document.addEventListener('DOMContentLoaded',apply);else apply();
})();
)js";

/// @brief Blue (good) through pale yellow to red (bad), t in [0, 1].
inline std::string error_color(double t) {
  static constexpr double stops[3][3] = {{44, 123, 182}, {230, 220, 120}, {215, 25, 28}};
  t = std::clamp(std::isnan(t) ? 1.0 : t, 0.0, 1.0);
  int k = t < 0.5 ? 0 : 1;
  double u = t < 0.5 ? t * 2 : (t - 0.5) * 2;
  auto c = [&](int i) { return static_cast<int>(stops[k][i] + u * (stops[k + 1][i] - stops[k][i]) + 0.5); };
  return fmt::format("#{:02x}{:02x}{:02x}", c(0), c(1), c(2));
}

/// @brief Short text of a number for JSON (NaN -> null).
inline std::string js_number(double v) { return std::isfinite(v) ? fmt::format("{:.6g}", v) : "null"; }

}  // namespace sweep::detail

namespace sweep::sections {

/// @brief Parallel coordinates with brushing (see the top of this file). With several sweeps the
/// lines of all loaded jobs share the axes.
struct parallel {
  static constexpr std::string_view name = "parallel";
  static constexpr std::string_view title = "Parallel Coordinates";
  using options = parallel_options;

  void render(const analysis_context& ctx, const options& opts, html_book& book) const {
    if (opts.max_lines < 1) config_checker(ctx.config).fail("ANALYZE.PARALLEL.MAX_LINES", fmt::format("expected at least 1, got {}", opts.max_lines));
    auto params = sweep_parameters(ctx.config, opts.keys);
    std::vector<job> jobs;
    for (auto& s : ctx.loaded) jobs.insert(jobs.end(), s.jobs.begin(), s.jobs.end());
    std::sort(jobs.begin(), jobs.end(), [](auto& a, auto& b) { return a.error < b.error; });
    std::size_t n = jobs.size(), a_count = params.size() + 1;

    struct axis_info {
      std::string label;
      bool log = false;
      double lo = 0, hi = 1;
      std::vector<double> pos;  // per job, 0..1 (NaN: missing)
      std::vector<std::string> categories;
      std::vector<double> raw;
    };
    std::vector<axis_info> axes(a_count);
    for (std::size_t k = 0; k <= params.size(); ++k) {
      auto& ax = axes[k];
      if (k < params.size()) {
        auto col = parameter_values(jobs, params[k]);
        ax.label = params[k].info.label;
        ax.categories = col.categories;
        ax.log = params[k].log && col.categories.empty();
        ax.raw = col.values;
      } else {
        ax.label = "error";
        for (auto& j : jobs) ax.raw.push_back(j.error);
      }
      std::vector<double> t;
      for (double v : ax.raw) t.push_back(ax.log ? (v > 0 ? std::log10(v) : std::nan("")) : v);
      double lo = INFINITY, hi = -INFINITY;
      for (double v : t) {
        if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
      }
      if (!std::isfinite(lo)) lo = 0, hi = 1;
      if (!ax.categories.empty()) lo = -0.5, hi = static_cast<double>(ax.categories.size()) - 0.5;
      if (hi <= lo) lo -= 0.5, hi += 0.5;
      ax.lo = lo;
      ax.hi = hi;
      for (double v : t) ax.pos.push_back(std::isfinite(v) ? (v - lo) / (hi - lo) : std::nan(""));
    }

    // Geometry (SVG units; the figure scales to the page's width).
    double width = std::clamp(150.0 * static_cast<double>(a_count), 600.0, 1180.0), left = 60, right = 60, y0 = 40, h = 300;
    double edf_w = 260, total_w = width + edf_w + 40;
    std::vector<double> xs;
    for (std::size_t k = 0; k < a_count; ++k) {
      xs.push_back(a_count == 1 ? left : left + (width - left - right) * static_cast<double>(k) / static_cast<double>(a_count - 1));
    }
    auto px = [&](double p) { return y0 + (1 - p) * h; };

    std::size_t max_lines = static_cast<std::size_t>(opts.max_lines), step = 1;
    if (n > max_lines) step = (n + max_lines - 1) / max_lines;
    double e_lo = axes.back().lo, e_hi = axes.back().hi;

    std::string svg = fmt::format(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"fig pc\" id=\"pc-svg\" viewBox=\"0 0 {0:.0f} {1:.0f}\" width=\"{0:.0f}\" "
        "style=\"max-width:100%;height:auto\" role=\"img\" aria-label=\"parallel coordinates\" font-family=\"DejaVu Sans,Verdana,Arial,sans-serif\" font-size=\"11\">\n",
        total_w, y0 + h + 60);
    svg += "<g class=\"pc-lines\" fill=\"none\" stroke-width=\"1\" stroke-opacity=\"0.55\">\n";
    // Worst first, so the best lines are drawn on top.
    for (std::size_t i = n; i-- > 0;) {
      if (i % step != 0) continue;
      std::string points;
      for (std::size_t k = 0; k < a_count; ++k) {
        double p = axes[k].pos[i];
        if (std::isnan(p)) continue;
        fmt::format_to(std::back_inserter(points), "{}{:.1f},{:.1f}", points.empty() ? "" : " ", xs[k], px(p));
      }
      double t = axes.back().pos[i];
      fmt::format_to(std::back_inserter(svg), "<polyline data-j=\"{}\" points=\"{}\" stroke=\"{}\"/>\n", ctx.rows(jobs[i]), points,
                     detail::error_color(t));
    }
    svg += "</g>\n";
    for (std::size_t k = 0; k < a_count; ++k) {
      auto& ax = axes[k];
      fmt::format_to(std::back_inserter(svg),
                     "<g class=\"pc-axis\" data-a=\"{}\" data-lo=\"{:.17g}\" data-hi=\"{:.17g}\" data-log=\"{}\">"
                     "<line x1=\"{x:.1f}\" x2=\"{x:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#333\"/>"
                     "<text x=\"{x:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>",
                     k, ax.lo, ax.hi, ax.log ? 1 : 0, y0, y0 + h, y0 + h + 28, plot::escape_xml(ax.label + (ax.log ? " (log)" : "")),
                     fmt::arg("x", xs[k]));
      auto tick = [&](double p, const std::string& text) {
        fmt::format_to(std::back_inserter(svg),
                       "<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{y:.1f}\" y2=\"{y:.1f}\" stroke=\"#333\"/><text x=\"{:.1f}\" y=\"{:.1f}\" "
                       "text-anchor=\"end\">{}</text>",
                       xs[k] - 4, xs[k], xs[k] - 6, px(p) + 4, plot::escape_xml(text), fmt::arg("y", px(p)));
      };
      if (!ax.categories.empty()) {
        for (std::size_t c = 0; c < ax.categories.size(); ++c) tick((static_cast<double>(c) + 0.5) / static_cast<double>(ax.categories.size()), ax.categories[c]);
      } else {
        for (double p : {0.0, 0.5, 1.0}) {
          double v = ax.lo + p * (ax.hi - ax.lo);
          tick(p, detail::short_number(ax.log ? std::pow(10, v) : v));
        }
      }
      fmt::format_to(std::back_inserter(svg),
                     "<rect class=\"pc-hit\" data-a=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"24\" height=\"{:.1f}\" fill=\"transparent\" "
                     "style=\"cursor:ns-resize\"/></g>\n",
                     k, xs[k] - 12, y0, h);
    }
    // The EDF of the selection (redrawn by the script) over the EDF of every job.
    double ex = width + 20, ew = edf_w - 20;
    std::string all_edf;
    for (std::size_t i = 0; i < n; ++i) {
      double x = ex + axes.back().pos[i] * ew;
      fmt::format_to(std::back_inserter(all_edf), "{}{:.1f} {:.1f}L{:.1f} {:.1f}", i ? "L" : "M", x, y0 + h * (1 - static_cast<double>(i) / static_cast<double>(n)), x,
                     y0 + h * (1 - static_cast<double>(i + 1) / static_cast<double>(n)));
    }
    fmt::format_to(std::back_inserter(svg),
                   "<g class=\"pc-edf\"><rect x=\"{ex:.1f}\" y=\"{y0:.1f}\" width=\"{ew:.1f}\" height=\"{h:.1f}\" fill=\"none\" stroke=\"#999\"/>"
                   "<path d=\"{all}\" fill=\"none\" stroke=\"#aaa\" stroke-width=\"1.5\"/>"
                   "<path id=\"pc-edf-sel\" d=\"\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"1.5\"/>"
                   "<text x=\"{ex:.1f}\" y=\"{lab:.1f}\">{elo}</text><text x=\"{ex2:.1f}\" y=\"{lab:.1f}\" text-anchor=\"end\">{ehi}</text>"
                   "<text x=\"{mid:.1f}\" y=\"{lab2:.1f}\" text-anchor=\"middle\" font-weight=\"bold\">error EDF: all (grey), selected (red)</text></g>\n",
                   fmt::arg("ex", ex), fmt::arg("y0", y0), fmt::arg("ew", ew), fmt::arg("h", h), fmt::arg("all", all_edf),
                   fmt::arg("lab", y0 + h + 14), fmt::arg("elo", detail::short_number(e_lo)), fmt::arg("ex2", ex + ew),
                   fmt::arg("ehi", detail::short_number(e_hi)), fmt::arg("mid", ex + ew / 2), fmt::arg("lab2", y0 + h + 28));
    svg += "</svg>\n";

    // Every job's positions, for selecting (lines may be a sample).
    std::string data = "{\"rows\":[";
    for (std::size_t i = 0; i < n; ++i) {
      fmt::format_to(std::back_inserter(data), "{}{{\"j\":{},\"e\":{},\"p\":[", i ? "," : "", ctx.rows(jobs[i]), detail::js_number(jobs[i].error));
      for (std::size_t k = 0; k < a_count; ++k) {
        double p = axes[k].pos[i];
        fmt::format_to(std::back_inserter(data), "{}{}", k ? "," : "", std::isnan(p) ? std::string("null") : fmt::format("{:.6f}", p));
      }
      data += "]}";
    }
    data += "],\"axes\":[";
    for (std::size_t k = 0; k < a_count; ++k) {
      fmt::format_to(std::back_inserter(data), "{}{{\"lo\":{:.17g},\"hi\":{:.17g},\"log\":{}}}", k ? "," : "", axes[k].lo, axes[k].hi,
                     axes[k].log ? "true" : "false");
    }
    data += "],\"xs\":[";
    for (std::size_t k = 0; k < a_count; ++k) fmt::format_to(std::back_inserter(data), "{}{:.1f}", k ? "," : "", xs[k]);
    int n_rows = 0;
    for (auto& s : ctx.loaded) n_rows += static_cast<int>(s.jobs.size());
    fmt::format_to(std::back_inserter(data), "],\"y0\":{},\"h\":{},\"n_rows\":{},\"e_lo\":{:.17g},\"e_hi\":{:.17g},\"edf\":{{\"x\":{},\"y\":{},\"w\":{},\"h\":{}}}}}",
                   y0, h, n_rows + 1, e_lo, e_hi, ex, y0, ew, h);

    book.add_text(fmt::format(
        "One line per job across {} parameters and the error, coloured by error (blue: low, red: high); an axis marked (log) is "
        "logarithmic, as its sampler. Drag along an axis to select a range (a click on it clears it); several ranges combine. "
        "The selection, and the top k % box, filter every plot's points, the job table and the EDF on the right.",
        params.size()));
    if (step > 1) {
      book.add_text(fmt::format("{} jobs: every {}th job by error is drawn as a line ({} lines, ANALYZE.PARALLEL.MAX_LINES {}); selecting counts all {}.",
                                n, step, (n + step - 1) / step, max_lines, n));
    }
    book.add_html(
        "<p class=\"pc-controls\">top <input id=\"pc-topk\" type=\"number\" min=\"0\" max=\"100\" step=\"1\" value=\"100\" style=\"width:4em\"> % by error "
        "<button id=\"pc-reset\" type=\"button\">reset</button> <span id=\"pc-status\"></span></p>\n");
    book.add_html("<div class=\"figure\">" + svg + "</div>\n<script type=\"application/json\" id=\"pc-data\">" + data + "</script>\n<script>" +
                  std::string(detail::parallel_script) + "</script>\n");
  }
};

}  // namespace sweep::sections
// ---- end sweep/report/sections/parallel.hpp ----

// ---- begin sweep/report/sections/values.hpp ----
// Report sections "metrics" and "complexity" (pycls's "Metrics" and
// "Complexity"): the error versus each metric with its bootstrap good range,
// and the ranges' trends across sweeps.



namespace sweep::detail {

/// @brief What a values-and-trends section plots: metric names, and whether values and trends are on.
struct values_and_trends {
  const std::vector<std::string>& names;
  bool values, trends;

  [[nodiscard]] bool shown(const analysis_context& ctx) const {
    return !names.empty() && (values || (trends && ctx.current().size() > 1));
  }

  void render(const analysis_context& ctx, html_book& book) const {
    auto& sweeps = ctx.current();
    auto infos = ctx.metrics(names);
    std::vector<std::vector<good_range>> ranges;
    for (auto& s : sweeps) ranges.push_back(good_ranges(s, infos, ctx.bootstrap));
    if (values) book.add_plot(plot_values(sweeps, infos, ranges, ctx.rows));
    if (trends && sweeps.size() > 1) book.add_plot(plot_trends(sweeps, infos, ranges));
  }
};

}  // namespace sweep::detail

namespace sweep::sections {

/// @brief Error versus each of ANALYZE.METRICS (PLOT_METRIC_VALUES) and their trends across
/// sweeps (PLOT_METRIC_TRENDS, with several sweeps), for the current (filtered, split) sweeps.
struct metrics {
  static constexpr std::string_view name = "metrics";
  static constexpr std::string_view title = "Metrics";
  using options = no_options;

  static detail::values_and_trends plots(const analysis_context& ctx) {
    return {ctx.analyze.metrics, ctx.analyze.plot_metric_values, ctx.analyze.plot_metric_trends};
  }
  bool shown(const analysis_context& ctx, const options&) const { return plots(ctx).shown(ctx); }
  void render(const analysis_context& ctx, const options&, html_book& book) const { plots(ctx).render(ctx, book); }
};

/// @brief The same for ANALYZE.COMPLEXITY (PLOT_COMPLEXITY_VALUES, PLOT_COMPLEXITY_TRENDS).
struct complexity {
  static constexpr std::string_view name = "complexity";
  static constexpr std::string_view title = "Complexity";
  using options = no_options;

  static detail::values_and_trends plots(const analysis_context& ctx) {
    return {ctx.analyze.complexity, ctx.analyze.plot_complexity_values, ctx.analyze.plot_complexity_trends};
  }
  bool shown(const analysis_context& ctx, const options&) const { return plots(ctx).shown(ctx); }
  void render(const analysis_context& ctx, const options&, html_book& book) const { plots(ctx).render(ctx, book); }
};

}  // namespace sweep::sections
// ---- end sweep/report/sections/values.hpp ----



namespace sweep {

/// @brief A section with its options read, ready to add to a page.
struct prepared_section {
  std::string name, title;
  std::vector<std::string> reads;  // see report_section: metrics or dotted keys of epoch columns
  std::function<bool(const analysis_context&)> shown;
  std::function<void(const analysis_context&, html_book&)> render;
};

/// @brief A registered report section, as the registry keeps it (type-erased).
struct registered_section {
  std::string title;
  bool has_options = false;
  /// @brief Reads the section's options from ANALYZE.<NAME> (its defaults when that key is absent;
  /// a sweep::error naming `file`, the line and the key path when a value is wrong).
  std::function<prepared_section(const analyze_options&, const std::string& file)> prepare;
};

namespace detail {

template <class T>
registered_section make_registered_section() {
  using options = typename T::options;
  registered_section out;
  out.title = std::string(T::title);
  out.has_options = !std::is_same_v<options, no_options>;
  out.prepare = [](const analyze_options& a, const std::string& file) {
    auto opts = std::make_shared<options>();
    if (auto* node = component_section(a.extensions, T::name)) {
      auto path = "ANALYZE." + upper(T::name);
      if constexpr (std::is_same_v<options, no_options>) {
        throw error({file, node->line()}, path,
                    fmt::format("report section '{}' has no options: expected no {} key", T::name, path));
      } else {
        schema_reader(file).read(*node, path, *opts);
      }
    }
    auto section = std::make_shared<const T>();
    prepared_section p;
    p.name = std::string(T::name);
    p.title = std::string(T::title);
    p.reads = section_reads(*section, *opts);
    p.shown = [section, opts](const analysis_context& ctx) { return section_shown(*section, ctx, *opts); };
    p.render = [section, opts](const analysis_context& ctx, html_book& book) { section->render(ctx, *opts, book); };
    return p;
  };
  return out;
}

/// @brief Checks T against report_section, one message at a time: the first thing missing.
template <class T>
constexpr bool check_report_section() {
  constexpr std::string_view render_signature =
      "void render(const sweep::analysis_context&, const options&, sweep::html_book&) const";
  if constexpr (!section_has_name<T>) {
    static_assert(section_has_name<T>,
                  "sweep::register_report_section<T>: T has no name; add `static constexpr std::string_view name = "
                  "\"my_section\";` (what ANALYZE.SECTIONS lists)");
    return false;
  } else if constexpr (!section_has_title<T>) {
    static_assert(section_has_title<T>,
                  "sweep::register_report_section<T>: T has no title; add `static constexpr std::string_view title = "
                  "\"My Section\";` (its heading on the page)");
    return false;
  } else if constexpr (!section_has_options<T>) {
    static_assert(section_has_options<T>,
                  "sweep::register_report_section<T>: T has no options type; add `using options = sweep::no_options;` "
                  "or name a BOOST_HANA_DEFINE_STRUCT struct, read from ANALYZE.<NAME>");
    return false;
  } else if constexpr (!section_has_render_member<T>) {
    static_assert(section_has_render_member<T>,
                  "sweep::register_report_section<T>: T has no render; add `void render(const sweep::analysis_context&, "
                  "const options&, sweep::html_book&) const`");
    return false;
  } else if constexpr (!section_renders<T>) {
    static_assert(section_renders<T>,
                  "sweep::register_report_section<T>: T::render has the wrong signature; expected `void render(const "
                  "sweep::analysis_context&, const options&, sweep::html_book&) const`");
    return false;
  } else if constexpr (!section_shown_ok<T>) {
    static_assert(section_shown_ok<T>,
                  "sweep::register_report_section<T>: T::shown has the wrong signature; expected `bool shown(const "
                  "sweep::analysis_context&, const options&) const` (or no shown: always shown)");
    return false;
  } else if constexpr (!section_reads_ok<T>) {
    static_assert(section_reads_ok<T>,
                  "sweep::register_report_section<T>: T::reads has the wrong signature; expected "
                  "`std::vector<std::string> reads(const options&) const` (or no reads: nothing beyond pycls's)");
    return false;
  } else if constexpr (!std::default_initializable<T>) {
    static_assert(std::default_initializable<T>, "sweep::register_report_section<T>: T must be default-constructible");
    return false;
  } else {
    static_assert(std::is_same_v<typename T::options, no_options> || reflected_struct<typename T::options>,
                  "sweep::register_report_section<T>: T::options must be sweep::no_options or a struct declared with "
                  "BOOST_HANA_DEFINE_STRUCT (its fields are the keys of ANALYZE.<NAME>)");
    static_assert(valid_section_name(T::name),
                  "sweep::register_report_section<T>: T::name must be lower-case letters, digits and '_', starting "
                  "with a letter (ANALYZE.<NAME> is its upper-cased form)");
    (void)render_signature;
    return report_section<T>;
  }
}

template <class T>
void add_report_section(registry<registered_section>& to) {
  if constexpr (check_report_section<T>()) {
    // ANALYZE.<NAME> must not be one of ANALYZE's own keys, or the section's options could not be written.
    if (!std::is_same_v<typename T::options, no_options>) {
      auto keys = field_keys<analyze_options>();
      if (std::find(keys.begin(), keys.end(), upper(T::name)) != keys.end()) {
        throw error(fmt::format("report section '{}' has options, but ANALYZE.{} is a key of ANALYZE: expected another name",
                                T::name, upper(T::name)));
      }
    }
    to.add(std::string(T::name), make_registered_section<T>());
  }
}

}  // namespace detail

/// @brief The sections of a page when ANALYZE.SECTIONS is empty: pycls's, in pycls's order (with Early
/// Stopping after Config, shown only when jobs were stopped early, and Seed Repeats after the EDFs), then
/// the job table. A section that has nothing to show for a config (EDF Filtered without PRE_FILTERS, Seed
/// Repeats without SETUP.REPEATS, Best Models with PLOT_MODELS_BEST 0, ...) adds nothing.
inline std::vector<std::string> default_report_sections() {
  return {"config",     "early_stopping", "edf",          "edf_filtered", "edf_split",    "repeats", "metrics",
          "complexity", "best_errors",    "worst_errors", "best_models",  "worst_models", "jobs"};
}

/// @brief Report sections by name: pycls's first (see default_report_sections), then the user's
/// in the order they were registered.
inline registry<registered_section>& report_sections() {
  static registry<registered_section> sections("report section", "ANALYZE.SECTIONS");
  static const bool built_in = [] {
    detail::add_report_section<sections::config>(sections);
    detail::add_report_section<sections::early_stopping>(sections);  // shown only when jobs were stopped early
    detail::add_report_section<sections::edf>(sections);
    detail::add_report_section<sections::edf_filtered>(sections);
    detail::add_report_section<sections::edf_split>(sections);
    detail::add_report_section<sections::repeats>(sections);
    detail::add_report_section<sections::metrics>(sections);
    detail::add_report_section<sections::complexity>(sections);
    detail::add_report_section<sections::best_errors>(sections);
    detail::add_report_section<sections::worst_errors>(sections);
    detail::add_report_section<sections::best_models>(sections);
    detail::add_report_section<sections::worst_models>(sections);
    detail::add_report_section<sections::jobs>(sections);
    // Ours beyond pycls: on a page only when ANALYZE.SECTIONS lists them.
    detail::add_report_section<sections::importance>(sections);
    detail::add_report_section<sections::parallel>(sections);
    detail::add_report_section<sections::compare>(sections);
    return true;
  }();
  (void)built_in;
  return sections;
}

/// @brief Registers report section T (see the report_section concept) under T::name, e.g.
/// `SWEEP_REGISTER(sweep::register_report_section<my_section>);` at namespace scope. A misfit T
/// meets a static_assert naming what is missing.
/// @sa docs/extend.md#a-report-section
template <class T>
void register_report_section() {
  detail::add_report_section<T>(report_sections());
}

/// @brief The sections of `cfg`'s page, in order, with their options read: checks that each name of
/// ANALYZE.SECTIONS is registered and listed once, and that each ANALYZE.<NAME> map names a
/// registered section (whose keys are then read and checked, chosen or not). Errors name the
/// file, the line and the key path.
inline std::vector<prepared_section> page_sections(const sweep_config& cfg) {
  const auto& reg = report_sections();
  const auto& listed = cfg.analyze.sections;
  const value* listed_node = cfg.source ? cfg.source->find("ANALYZE.SECTIONS") : nullptr;
  auto location_of = [&](std::size_t i) -> source_location {
    bool known = listed_node != nullptr && listed_node->is_list() && i < listed_node->as_list().size();
    return {cfg.file, known ? listed_node->as_list()[i].line() : 0};
  };
  for (std::size_t i = 0; i < listed.size(); ++i) {
    auto key = fmt::format("ANALYZE.SECTIONS[{}]", i);
    if (!reg.contains(listed[i])) throw error(location_of(i), key, reg.unknown(listed[i]));
    for (std::size_t k = 0; k < i; ++k) {
      if (listed[k] == listed[i]) {
        throw error(location_of(i), key, fmt::format("'{}' is listed twice (also ANALYZE.SECTIONS[{}]): expected each section once", listed[i], k));
      }
    }
  }
  auto names = reg.names();
  for (auto& [key, node] : cfg.analyze.extensions) {
    auto owner = std::find_if(names.begin(), names.end(), [&key = key](auto& n) { return detail::upper(n) == key; });
    auto path = "ANALYZE." + key;
    if (owner == names.end()) {
      auto candidates = detail::field_keys<analyze_options>();
      for (auto& n : names) candidates.push_back(detail::upper(n));
      throw error({cfg.file, node.line()}, path,
                  fmt::format("unknown key: expected a key of ANALYZE, or the options of a report section "
                              "(ANALYZE.<NAME> of one of {}){}",
                              fmt::join(names, ", "), did_you_mean(key, candidates)));
    }
    (void)reg.find(*owner)->prepare(cfg.analyze, cfg.file);  // reads and checks its keys, whether the page shows it or not
  }
  std::vector<prepared_section> out;
  for (auto& name : listed.empty() ? default_report_sections() : listed) out.push_back(reg.find(name)->prepare(cfg.analyze, cfg.file));
  return out;
}

}  // namespace sweep
// ---- end sweep/report/sections.hpp ----



namespace sweep {

/// @brief What the analysis of `a` reads of each job: the metrics looked up for every job
/// (ANALYZE's metrics and filters, the job list's and table's), looked up while loading; and the
/// epoch columns of every metric shortcut and of the curves (a load keeps the error's and the
/// looked-up metrics' columns itself); and what the page's other sections read (their `reads`).
inline load_options analysis_reads(const analyze_options& a) {
  std::vector<std::string> looked_up = {"done", "error_ema", "error_tst"};
  for (auto* list : {&a.metrics, &a.complexity}) looked_up.insert(looked_up.end(), list->begin(), list->end());
  for (auto& f : a.pre_filters) looked_up.push_back(f.first);
  for (auto& [split, filters] : a.split_filters) {
    for (auto& f : filters) looked_up.push_back(f.first);
  }
  load_options out;
  for (auto& name : looked_up) {
    auto info = get_metric_info(name, a.error);
    bool seen = std::any_of(out.metrics.begin(), out.metrics.end(), [&](auto& m) { return m.name == info.name; });
    if (!seen) out.metrics.push_back(std::move(info));
  }
  std::vector<std::string> keys;
  for (auto& name : metric_shortcut_names()) keys.push_back(get_metric_info(name, a.error).key);
  for (auto record : curve_records) keys.push_back(fmt::format("{}.{}", record, curves_metric));
  const auto& registered = report_sections();
  for (auto& name : a.sections.empty() ? default_report_sections() : a.sections) {
    if (auto* section = registered.find(name)) {  // unknown names: analyze's check says so
      for (auto& read : section->prepare(a, "").reads) keys.push_back(get_metric_info(read, a.error).key);
    }
  }
  out.columns = epoch_columns(keys);
  return out;
}

/// @brief What the analysis of `cfg`'s sweeps reads, narrowed to the fields it reads
/// (load_options::fields), as `sweep analyze` loads: every metric of an epoch record is looked up
/// while loading (the columns are then dropped), and the records keep the other fields metrics
/// read, the sampled parameters (SETUP.SAMPLERS), cfg.DESC and what the sections read. Curves and
/// models are drawn from whole records read again (whole_record) for the few jobs they show.
inline load_options analysis_reads(const sweep_config& cfg) {
  auto out = analysis_reads(cfg.analyze);
  auto in_epoch_record = [](std::string_view key) { return key.substr(0, key.find('.')).ends_with("_epoch"); };
  std::vector<std::string> fields = {"cfg.DESC", "cfg.RNG_SEED"};  // RNG_SEED: telling seed repeats apart
  auto add = [&](const metric_info& info) {
    bool seen = std::any_of(out.metrics.begin(), out.metrics.end(), [&](auto& m) { return m.name == info.name; });
    if (!in_epoch_record(info.key)) {
      fields.push_back(info.key);
    } else if (!seen) {
      out.metrics.push_back(info);
    }
  };
  for (auto& m : std::vector<metric_info>(out.metrics)) add(m);
  for (auto& name : metric_shortcut_names()) add(get_metric_info(name, cfg.analyze.error));
  for (auto& p : sweep_parameters(cfg)) add(p.info);
  const auto& registered = report_sections();
  for (auto& name : cfg.analyze.sections.empty() ? default_report_sections() : cfg.analyze.sections) {
    if (auto* section = registered.find(name)) {
      for (auto& read : section->prepare(cfg.analyze, "").reads) fields.push_back(get_metric_info(read, cfg.analyze.error).key);
    }
  }
  out.fields = record_fields(fields);
  return out;
}

namespace detail {

inline std::string analysis_page(const sweep_config& cfg, std::vector<sweep_data> sweeps, const std::vector<prepared_section>& sections,
                                 nlohmann::json* facts = nullptr, std::string_view header_html = {}) {
  analysis_context ctx(cfg, std::move(sweeps));
  if (facts != nullptr) *facts = analysis_facts(ctx);  // analysis.json: the page's numbers
  const auto& a = cfg.analyze;
  html_book book(cfg.name);
  book.add_header_html(header_html);
  bool sampled = std::any_of(ctx.loaded.begin(), ctx.loaded.end(), [](auto& s) { return s.jobs.size() > max_shown_jobs; });
  book.add_text(fmt::format("{} jobs analysed{}; error = min of {}; bootstrap seed {}. Hover a point to see its job, click it to find it in the job table.{}",
                            ctx.analysed,
                            ctx.skipped ? fmt::format(", {} without a {} record not analysed", ctx.skipped, ctx.error_record) : std::string(),
                            a.error, a.rng_seed,
                            sampled ? fmt::format(" A sweep of more than {} jobs is drawn and listed job by job through an even sample of "
                                                  "them (a browser cannot show more); every statistic uses all its jobs.", max_shown_jobs)
                                    : std::string()),
                "summary");
  for (auto& section : sections) {
    if (!section.shown(ctx)) continue;
    book.add_section(section.title);
    section.render(ctx, book);
  }
  return book.to_html();
}

}  // namespace detail

/// @brief The analysis page of loaded sweeps (the first is the sweep of `cfg`, then its extra
/// sweeps): ANALYZE's values and its sections (ANALYZE.SECTIONS, ANALYZE.<NAME>) are checked first.
inline std::string analysis_html(const sweep_config& cfg, std::vector<sweep_data> sweeps) {
  check_analyze_options(cfg);
  auto sections = page_sections(cfg);
  return detail::analysis_page(cfg, std::move(sweeps), sections);
}

/// @brief Analyses the sweep of `cfg` (ROOT_DIR/NAME/sweep.json and the extra sweeps') and writes
/// ROOT_DIR/NAME/analysis.html atomically, and beside it analysis.json (the page's numbers, see
/// analysis_facts); returns the page's path. Checks what analyze uses (ROOT_DIR,
/// NAME, NUM_PROC, ANALYZE and its sections) before loading anything; SETUP, LAUNCH and COLLECT
/// are not read, so a sweep.json made elsewhere needs no SETUP. `header_html` goes between the page's
/// title and its table of contents (`sweep watch` puts the sweep's progress there).
inline std::filesystem::path analyze(const sweep_config& cfg, std::string_view header_html = {}) {
  check_common_options(cfg);
  check_analyze_options(cfg);
  auto sections = page_sections(cfg);
  std::vector<std::string> names = {cfg.name};
  names.insert(names.end(), cfg.analyze.extra_sweep_names.begin(), cfg.analyze.extra_sweep_names.end());
  std::vector<sweep_data> sweeps;
  auto reads = analysis_reads(cfg);
  for (auto& name : names) {
    sweep_layout layout(std::filesystem::path(cfg.root_dir) / name);
    auto file = layout.sweep_file();
    auto key = name == cfg.name ? "NAME" : "ANALYZE.EXTRA_SWEEP_NAMES";
    if (!path_exists(file)) throw error({cfg.file, 0}, key, fmt::format("no {} (run collect first)", file.string()));
    // NAME and EXTRA_SWEEP_NAMES stay inside ROOT_DIR (checked above); nor may the file lead out of its folder.
    if (!stays_inside(layout.dir, file.filename().string())) {
      throw error({cfg.file, 0}, key, fmt::format("{} resolves outside its sweep's folder (a symlink?): expected the "
                                                  "sweep.json collect writes there", file.string()));
    }
    sweeps.push_back(load_sweep(file, std::filesystem::path(name).filename().string(), cfg.analyze.error, reads));
    check_sweep_has_error(cfg, sweeps.back(), file, name);  // names what the jobs have instead
  }
  check_metric_names(cfg, sweeps);
  auto out = sweep_layout(sweep_dir(cfg)).analysis_file();
  nlohmann::json facts;
  auto html = detail::analysis_page(cfg, std::move(sweeps), sections, &facts, header_html);
  write_file_atomic(std::filesystem::path(out).replace_extension(".json"), facts.dump(2) + "\n");
  write_file_atomic(out, html);
  return out;
}

}  // namespace sweep
// ---- end sweep/analyze/analyze.hpp ----

// ---- begin sweep/analyze/watch.hpp ----
// `sweep watch` as a function: while a sweep's jobs run, every few seconds it
// reads where each job stands (as `sweep status`), collects what changed (as
// `sweep collect`, but deleting no checkpoint) and writes the report with the
// progress at its top and a script that reloads the page. It only reads the
// jobs' files: no job's state or folder changes, so stopping it (SIGINT,
// SIGTERM, SIGHUP) at any moment changes nothing; it stops between rounds,
// and every file it writes is written whole (temporary file, then rename).
// It ends by itself once no job is queued or running, after a last round.





namespace sweep {

/// @brief The seconds between two rounds of `sweep watch` when --every is not given.
inline constexpr double default_watch_seconds = 30;
/// @brief The range --every accepts: a round collects and renders the whole report, so not faster than a
/// second; and not slower than a day.
inline constexpr double min_watch_seconds = 1, max_watch_seconds = 86400;

/// @brief How `sweep watch` runs.
struct watch_options {
  double every = default_watch_seconds;  // seconds between rounds, and the page's reload period
  std::size_t max_rounds = 0;            // 0: until no job is queued or running (or a signal)
};

/// @brief One round: where the jobs stood, what collect said, and what was written.
struct watch_round {
  std::size_t round = 0;
  launch_status status;
  std::string collected;          // collect's status line
  std::filesystem::path page;     // analysis.html
  bool report = false;            // the full report (false: a progress page, nothing to analyse yet)
  std::string waiting;            // why there is no report yet
  bool last = false;              // no job queued or running: the watch ends after this round
};

/// @brief How a watch ended.
struct watch_result {
  std::size_t rounds = 0;
  int signal = 0;  // the signal that stopped it (0: it ended by itself)
  launch_status status;  // as the last round saw it
};

namespace detail {

/// @brief The progress block at the top of a watched page: the jobs' states, and (while the watch runs)
/// a script that reloads the page every `every` seconds, keeping the scroll position, with a checkbox to pause.
inline std::string watch_header(const launch_status& st, std::size_t round, double every, bool last) {
  auto count = [&](job_state s) { return st.count(s); };
  auto now = fmt::format("{:%Y-%m-%d %H:%M:%S} UTC", fmt::gmtime(std::time(nullptr)));
  auto finished = count(job_state::done) + count(job_state::failed) + count(job_state::stopped_early);
  std::string out = fmt::format(
      "<div id=\"sweep-live\" style=\"border:1px solid #bbb;border-radius:4px;padding:6px 10px;margin:0 0 .6em;background:#f6f8fa\" "
      "data-round=\"{}\" data-jobs=\"{}\" data-done=\"{}\" data-running=\"{}\" data-failed=\"{}\" data-stopped=\"{}\" "
      "data-stopped-early=\"{}\" data-queued=\"{}\" data-new=\"{}\" data-final=\"{}\">\n",
      round, st.jobs.size(), count(job_state::done), count(job_state::running), count(job_state::failed),
      count(job_state::stopped), count(job_state::stopped_early), count(job_state::queued), count(job_state::new_job), last ? 1 : 0);
  out += fmt::format("<b>{}</b> {}: <progress max=\"{}\" value=\"{}\"></progress> {}<br>\n",
                     last ? "Watch ended" : "Live report", now, std::max<std::size_t>(1, st.jobs.size()), finished,
                     plot::escape_xml(st.summary()));
  if (last) {
    out += "No job is queued or running: this is the last page `sweep watch` wrote (it no longer reloads).\n</div>\n";
    return out;
  }
  out += fmt::format(
      "Written by <code>sweep watch</code> (round {}): it collects and re-renders every {} s, and this page reloads "
      "as often. <label><input type=\"checkbox\" id=\"sweep-live-reload\" checked> reload</label>\n</div>\n",
      round, every);
  // The scroll position survives a reload (sessionStorage, per page); unticking the box pauses reloading.
  out += fmt::format(R"js(<script>
(function(){{var k='sweep-watch:'+location.pathname,box=document.getElementById('sweep-live-reload'),s=null;
try{{s=window.sessionStorage;}}catch(e){{}}
if(s&&s.getItem(k+':paused')==='1')box.checked=false;
box.addEventListener('change',function(){{if(s)s.setItem(k+':paused',box.checked?'0':'1');}});
window.addEventListener('load',function(){{var y=s&&s.getItem(k+':y');if(y!==null&&y!==undefined)window.scrollTo(0,+y);}});
setInterval(function(){{if(!box.checked)return;if(s)s.setItem(k+':y',String(window.scrollY));location.reload();}},{});
}})();
</script>
)js",
                     static_cast<long long>(every * 1000));
  return out;
}

/// @brief Whether an analysis error only says that nothing is left to analyse yet (no job has logged
/// its error record, or the filters keep none of the jobs so far): a watch shows progress, says why
/// each round, and waits.
inline bool nothing_to_analyse_yet(const error& e) {
  for (std::string_view says : {"has no jobs left to analyse", "has no job with", "run collect first"}) {
    if (e.message().find(says) != std::string::npos) return true;
  }
  return false;
}

/// @brief The page of a sweep with nothing to analyse yet: its title, the progress and why.
inline std::string waiting_page(const sweep_config& cfg, const std::string& header, const std::string& why) {
  html_book book(cfg.name);
  book.add_header_html(header);
  book.add_text(fmt::format("No report yet: {}. The report appears here when a job has logged its error ({}).", why, cfg.analyze.error));
  return book.to_html();
}

}  // namespace detail

/// @brief What is wrong with a period between rounds ("" when nothing is).
inline std::string watch_every_problem(double every) {
  if (every >= min_watch_seconds && every <= max_watch_seconds) return {};
  return fmt::format("expected seconds between rounds from {} to {}, got {}", min_watch_seconds, max_watch_seconds, every);
}

/// @brief Checks what a watch uses before its first round: the config's common, COLLECT and ANALYZE
/// values and its report sections, and the period (`every_key` names it in the message).
inline void check_watch(const sweep_config& cfg, const watch_options& opts, std::string_view every_key = "--every") {
  if (auto why = watch_every_problem(opts.every); !why.empty()) throw error({}, std::string(every_key), why);
  check_common_options(cfg);
  check_collect_options(cfg);
  check_analyze_options(cfg);
  (void)page_sections(cfg);
}

/// @brief Watches the sweep of `cfg` (see the top of this file); `on_round` hears of each round. Returns
/// when no job is queued or running (after a last round), after `opts.max_rounds` rounds, or when a
/// SIGINT, SIGTERM or SIGHUP arrives (between rounds; the round under way finishes first).
inline watch_result watch(const sweep_config& cfg, const watch_options& opts, const std::function<void(const watch_round&)>& on_round = {}) {
  check_watch(cfg, opts);
  signal_pipe signals({SIGINT, SIGTERM, SIGHUP});
  auto page = sweep_layout(sweep_dir(cfg)).analysis_file();
  watch_result result;
  for (std::size_t round = 1;; ++round) {
    watch_round r;
    r.round = round;
    r.page = page;
    // The status first: a job that ends after it is collected anyway, and a last round then sees every job's end.
    r.status = read_launch_status(cfg);
    r.last = r.status.count(job_state::queued) == 0 && r.status.count(job_state::running) == 0;
    bool launched = path_exists(sweep_layout(sweep_dir(cfg)).logs_dir());
    if (launched) {
      collect_run_options run;
      run.delete_checkpoints = false;
      r.collected = status_line(collect(cfg, run));
    }
    auto header = detail::watch_header(r.status, round, opts.every, r.last);
    if (!launched) {
      r.waiting = "the sweep has not been launched (no logs/ folder), so there is nothing to collect";
    } else {
      try {
        analyze(cfg, header);
        r.report = true;
      } catch (const error& e) {
        if (!detail::nothing_to_analyse_yet(e)) throw;
        r.waiting = e.message();
      }
    }
    if (!r.report) write_file_atomic(page, detail::waiting_page(cfg, header, r.waiting));
    result.rounds = round;
    result.status = r.status;
    if (on_round) on_round(r);
    if (r.last || (opts.max_rounds > 0 && round >= opts.max_rounds)) return result;
    pollfd fd{signals.read_fd(), POLLIN, 0};
    auto wait_ms = static_cast<int>(opts.every * 1000);
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now()).count();
      if (left <= 0) break;
      if (::poll(&fd, 1, static_cast<int>(left)) > 0) {
        auto got = signals.drain();
        if (!got.empty()) {
          result.signal = got.front();
          return result;
        }
      }
    }
    // A signal that came while the round worked is in the pipe: checked before the next round starts.
    auto got = signals.drain();
    if (!got.empty()) {
      result.signal = got.front();
      return result;
    }
  }
}

}  // namespace sweep
// ---- end sweep/analyze/watch.hpp ----
// ---- end sweep/analyze.hpp ----

// ---- begin sweep/report.hpp ----
// Umbrella header of the report stage: includes every public header of include/sweep/report/.

// ---- end sweep/report.hpp ----
// ---- end sweep/sweep.hpp ----
