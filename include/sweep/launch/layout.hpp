// The files launch reads and writes in a sweep folder (ROOT_DIR/NAME):
//   cfgs/NNNNNN.yaml           job configs (written by setup); job i is the i-th in sorted order
//   logs/NNNNNN/stdout.log     the job's output (appended across attempts), stderr.log likewise
//   logs/NNNNNN/RETRY.txt      one line per failed attempt (pycls's format)
//   logs/NNNNNN/DONE|FAILED    completion records, written atomically (exit 0 / out of retries)
//   logs/NNNNNN/RUNNING        the local launcher's pid while the job runs
//   logs/NNNNNN/SLURM.txt      SLURM_* variables of each SLURM attempt
//   logs/sbatch/%A_%a.out      the SLURM wrapper's own log; logs/sbatch/jobs.txt: "<array job id> <offset>"
//   bin/sweep, bin/job.sh      the driver copy and batch script SLURM tasks run
//   code/                      copies of the files the job command names (jobs run in there)
#pragma once

#include <sweep/detail/files.hpp>
#include <sweep/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace sweep {

namespace fs = std::filesystem;

/// @brief Paths inside one sweep folder (see the comment at the top of launch/layout.hpp).
struct sweep_layout {
  fs::path dir;  // absolute

  explicit sweep_layout(const fs::path& sweep_dir) : dir(fs::absolute(sweep_dir).lexically_normal()) {}

  [[nodiscard]] fs::path cfgs_dir() const { return dir / "cfgs"; }
  [[nodiscard]] fs::path cfgs_summary_file() const { return dir / "cfgs_summary.yaml"; }
  [[nodiscard]] fs::path logs_dir() const { return dir / "logs"; }
  [[nodiscard]] fs::path sbatch_dir() const { return logs_dir() / "sbatch"; }
  [[nodiscard]] fs::path slurm_jobs_file() const { return sbatch_dir() / "jobs.txt"; }
  [[nodiscard]] fs::path lock_file() const { return logs_dir() / ".launch.lock"; }
  [[nodiscard]] fs::path bin_dir() const { return dir / "bin"; }
  [[nodiscard]] fs::path code_dir() const { return dir / "code"; }
  [[nodiscard]] fs::path job_dir(std::int64_t index) const { return logs_dir() / fmt::format("{:06d}", index); }
};

/// @brief Completion records and logs inside logs/NNNNNN/.
namespace job_files {
inline constexpr std::string_view stdout_log = "stdout.log";
inline constexpr std::string_view stderr_log = "stderr.log";
inline constexpr std::string_view retry = "RETRY.txt";
inline constexpr std::string_view done = "DONE";
inline constexpr std::string_view failed = "FAILED";
inline constexpr std::string_view running = "RUNNING";
inline constexpr std::string_view slurm = "SLURM.txt";
}  // namespace job_files

/// @brief The job configs of a finished setup: cfgs/*.yaml sorted by name (job i is the i-th, as in pycls).
inline std::vector<fs::path> list_job_configs(const fs::path& sweep_dir) {
  sweep_layout layout(sweep_dir);
  std::error_code ec;
  if (!fs::is_directory(layout.cfgs_dir(), ec)) {
    throw error({layout.cfgs_dir().string(), 0}, "",
                "no job configs: expected the folder setup writes; run `sweep setup` first");
  }
  // setup writes cfgs_summary.yaml last: without it, cfgs/ may be half-written
  if (!fs::exists(layout.cfgs_summary_file(), ec)) {
    throw error({layout.cfgs_summary_file().string(), 0}, "",
                "missing: setup did not finish (was it interrupted?); expected it next to cfgs/, run `sweep setup` again");
  }
  std::vector<fs::path> cfgs;
  for (auto& entry : fs::directory_iterator(layout.cfgs_dir())) {
    if (entry.path().extension() == ".yaml" && entry.is_regular_file()) cfgs.push_back(entry.path());
  }
  std::sort(cfgs.begin(), cfgs.end());
  return cfgs;
}

namespace detail {

/// @brief Appends one line with a single O_APPEND write, so concurrent writers never interleave inside it.
inline void append_line(const fs::path& path, std::string_view line) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw error({path.string(), 0}, "", "cannot append to the file");
  std::string text(line);
  text += '\n';
  auto n = ::write(fd, text.data(), text.size());
  ::close(fd);
  if (n != static_cast<ssize_t>(text.size())) throw error({path.string(), 0}, "", "cannot append to the file");
}

/// @brief The number of lines of a text file (0 when it does not exist).
inline std::size_t count_lines(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return 0;
  return static_cast<std::size_t>(std::count(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), '\n'));
}

/// @brief Reads a small text file whole ("" when missing).
inline std::string read_small_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline bool path_exists(const fs::path& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

/// @brief Records the outcome of a job's last attempt: DONE (exit 0) or FAILED (no retries left).
inline void mark_job(const fs::path& job_dir, std::string_view marker, std::string_view text) {
  write_file_atomic(job_dir / marker, text);
}

/// @brief Before a failed job runs again: its RETRY.txt moves to RETRY.N.txt so it gets MAX_RETRY retries anew.
inline void reset_failed_job(const fs::path& job_dir) {
  std::error_code ec;
  fs::remove(job_dir / job_files::failed, ec);
  auto retry = job_dir / job_files::retry;
  if (!fs::exists(retry, ec)) return;
  for (int n = 1;; ++n) {
    auto archived = job_dir / fmt::format("RETRY.{}.txt", n);
    if (!fs::exists(archived, ec)) {
      fs::rename(retry, archived, ec);
      return;
    }
  }
}

/// @brief Appends a failed attempt to RETRY.txt; true when pycls would retry (lines - 1 < MAX_RETRY).
inline bool record_failure(const fs::path& job_dir, std::string_view reason, std::int64_t max_retry) {
  auto retry = job_dir / job_files::retry;
  append_line(retry, reason);
  auto retries = static_cast<std::int64_t>(count_lines(retry)) - 1;
  return retries < max_retry;
}

}  // namespace detail

}  // namespace sweep
