// What collect found: per-job progress and the sweep's status line, printed
// exactly as pycls's sweep_collect prints them (so `sweep status` can reuse it).
#pragma once

#include <sweep/collect/log_parser.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

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
