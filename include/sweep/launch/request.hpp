// What a caller asks of sweep::launch (backend, confirmation, resume mode) and
// what it gets back, plus the preparation both backends share: listing the
// job configs, choosing which jobs run, and copying the code jobs use.
#pragma once

#include <sweep/config/sweep_config.hpp>
#include <sweep/error.hpp>
#include <sweep/launch/command.hpp>
#include <sweep/launch/layout.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace sweep {

/// @brief How to launch: everything here has a default that suits the driver.
struct launch_request {
  std::optional<std::string> backend;    // overrides LAUNCH.BACKEND (local | slurm)
  bool yes = false;                      // submit without asking
  bool only_failed = false;              // rerun just the jobs that ran out of retries
  /// Asked before submitting to SLURM with the command(s) to run; none and !yes = refuse.
  std::function<bool(const std::string& plan)> confirm;
  std::FILE* out = stdout;               // messages (the sbatch command, summaries)
  std::FILE* progress = stderr;          // the live progress line of the local launcher; nullptr: none
  std::filesystem::path project_dir;     // relative words of the command resolve here; default: current folder
  std::filesystem::path driver = "/proc/self/exe";  // the program SLURM tasks run as `<driver> job`
  std::optional<std::chrono::milliseconds> time_limit;  // overrides TIME_LIMIT (minutes) for local jobs
  std::chrono::milliseconds kill_grace{5000};            // SIGTERM -> SIGKILL delay when stopping a job
  std::optional<std::int64_t> max_array_size;            // default: MaxArraySize of `scontrol show config`
};

/// @brief What a launch did.
struct launch_result {
  std::string backend;
  std::size_t jobs = 0;        // configs in the sweep
  std::size_t selected = 0;    // jobs this launch ran or submitted
  std::size_t skipped = 0;     // already done (or still queued on SLURM)
  std::size_t done = 0;        // local: finished with exit 0 in this launch
  std::size_t failed = 0;      // local: out of retries in this launch
  std::size_t unfinished = 0;  // local: stopped by a signal before they ended
  bool interrupted = false;    // local: SIGINT/SIGTERM stopped the launch
  bool declined = false;       // SLURM: the confirmation was refused
  std::vector<std::string> slurm_job_ids;  // one per sbatch call
};

namespace detail {

/// @brief Jobs at once on this machine: LOCAL_JOBS if set, else min(PARALLEL_JOBS, cores).
inline std::int64_t local_parallelism(const launch_options& l) {
  if (l.local_jobs > 0) return l.local_jobs;
  auto cores = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::thread::hardware_concurrency()));
  return std::max<std::int64_t>(1, std::min(l.parallel_jobs, cores));
}

/// @brief The job command's words: LAUNCH.COMMAND split, behind `conda run` when CONDA_ENV is set.
inline std::vector<std::string> command_words(const sweep_config& cfg) {
  auto words = split_command(cfg.launch.command, cfg.file);
  if (!cfg.launch.conda_env.empty()) {
    std::vector<std::string> conda = {"conda", "run", "--no-capture-output", "-n", cfg.launch.conda_env};
    words.insert(words.begin(), conda.begin(), conda.end());
  }
  return words;
}

/// @brief Which jobs to run: not DONE (or, with only_failed, FAILED) and not in `exclude`.
inline std::vector<std::int64_t> select_jobs(const sweep_layout& layout, std::size_t count, bool only_failed,
                                             const std::vector<bool>& exclude = {}) {
  std::vector<std::int64_t> jobs;
  for (std::size_t i = 0; i < count; ++i) {
    if (i < exclude.size() && exclude[i]) continue;
    auto dir = layout.job_dir(static_cast<std::int64_t>(i));
    if (path_exists(dir / job_files::done)) continue;
    if (only_failed && !path_exists(dir / job_files::failed)) continue;
    jobs.push_back(static_cast<std::int64_t>(i));
  }
  return jobs;
}

/// @brief Copies a file or folder via temporary names and renames, so a running job never sees half a file.
inline void copy_atomic(const fs::path& from, const fs::path& to) {
  if (fs::is_directory(from)) {
    fs::create_directories(to);
    for (auto& entry : fs::directory_iterator(from)) copy_atomic(entry.path(), to / entry.path().filename());
    return;
  }
  if (!fs::is_regular_file(from)) return;
  fs::create_directories(to.parent_path());
  auto tmp = to;
  tmp += fmt::format(".tmp.{}", ::getpid());
  fs::copy_file(from, tmp, fs::copy_options::overwrite_existing);
  fs::permissions(tmp, fs::status(from).permissions());
  fs::rename(tmp, to);
}

/// @brief Copies into code/ every file or folder that a template word names by a relative path inside the
/// project (words with placeholders, options and paths leaving the project are left alone). Warns on `out`
/// about relative words with a '/' that name nothing: jobs run in code/ and would not find them.
inline std::vector<std::string> copy_named_code(const std::vector<std::string>& words, const fs::path& project_dir,
                                                const fs::path& code_dir, std::FILE* out = nullptr) {
  std::vector<std::string> copied;
  fs::create_directories(code_dir);
  for (auto& w : words) {
    if (w.empty() || w.front() == '-' || w.find_first_of("{}") != std::string::npos) continue;
    fs::path p(w);
    if (p.is_absolute()) continue;
    auto norm = p.lexically_normal();
    if (norm.empty() || *norm.begin() == ".." || norm == ".") continue;
    std::error_code ec;
    auto source = project_dir / norm;
    if (!fs::exists(source, ec)) {
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

/// @brief The checks the YAML loader also makes, for configs written as code.
inline void check_launch_options(const sweep_config& cfg, const std::string& backend) {
  const auto& l = cfg.launch;
  auto where = source_location{cfg.file, 0};
  if (backend != "local" && backend != "slurm") {
    throw error(where, "LAUNCH.BACKEND", fmt::format("expected local or slurm, got '{}'", backend));
  }
  if (l.parallel_jobs < 1) throw error(where, "LAUNCH.PARALLEL_JOBS", fmt::format("expected at least 1, got {}", l.parallel_jobs));
  if (l.max_retry < 0) throw error(where, "LAUNCH.MAX_RETRY", fmt::format("expected 0 or more, got {}", l.max_retry));
  if (l.local_jobs < 0) throw error(where, "LAUNCH.LOCAL_JOBS", fmt::format("expected 0 (automatic) or more, got {}", l.local_jobs));
  if (l.time_limit < 1) throw error(where, "LAUNCH.TIME_LIMIT", fmt::format("expected at least 1 minute, got {}", l.time_limit));
  if (l.num_gpus < 0) throw error(where, "LAUNCH.NUM_GPUS", fmt::format("expected 0 or more, got {}", l.num_gpus));
  if (cfg.name.empty()) throw error(where, "NAME", "is required: expected the sweep's name");
}

}  // namespace detail

}  // namespace sweep
