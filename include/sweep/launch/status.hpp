// Where each job of a sweep stands, read from the sweep folder (DONE, FAILED,
// RETRY.txt, RUNNING + the launch lock) and, for SLURM, from squeue — never
// from SLURM accounting, which many clusters (and ours in CI) do not run.
#pragma once

#include <sweep/launch/detail/lock.hpp>
#include <sweep/launch/layout.hpp>
#include <sweep/launch/slurm.hpp>

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace sweep {

/// @brief A job's state: new (never started), queued, running, done, failed (out of retries), stopped
/// (started, not finished, and nothing is running or queueing it now: launch again to resume).
enum class job_state { new_job, queued, running, done, failed, stopped };

/// @brief The word `sweep status` prints for a state.
inline std::string_view to_string(job_state s) {
  constexpr std::array<std::string_view, 6> names = {"new", "queued", "running", "done", "failed", "stopped"};
  return names[static_cast<std::size_t>(s)];
}

/// @brief One job's line of `sweep status`.
struct launch_job_status {
  std::int64_t index = 0;
  fs::path cfg;
  job_state state = job_state::new_job;
  std::size_t retries = 0;    // lines of RETRY.txt
  std::string slurm_state;    // squeue's state, when SLURM still holds the task
};

/// @brief The whole sweep's status.
struct launch_status {
  std::vector<launch_job_status> jobs;
  std::array<std::size_t, 6> counts{};  // by job_state
  bool launcher_active = false;         // a local launch holds the lock
  bool slurm = false;                   // arrays were submitted
  bool squeue_failed = false;           // SLURM arrays exist but squeue could not be read

  [[nodiscard]] std::size_t count(job_state s) const { return counts[static_cast<std::size_t>(s)]; }

  /// @brief "12 jobs: 5 done, 2 running, 1 failed, 4 queued, 0 stopped, 0 new (3 retries)".
  [[nodiscard]] std::string summary() const {
    std::size_t retries = 0;
    for (auto& j : jobs) retries += j.retries;
    return fmt::format("{} jobs: {} done, {} running, {} failed, {} queued, {} stopped, {} new ({} retries)", jobs.size(),
                       count(job_state::done), count(job_state::running), count(job_state::failed),
                       count(job_state::queued), count(job_state::stopped), count(job_state::new_job), retries);
  }
};

/// @brief Reads the status of every job of the sweep in `sweep_dir` (which must hold cfgs/).
inline launch_status read_launch_status(const fs::path& sweep_dir) {
  sweep_layout layout(sweep_dir);
  auto cfgs = list_job_configs(layout.dir);
  launch_status st;
  st.launcher_active = detail::launcher_active(layout.lock_file());
  st.slurm = path_exists(layout.slurm_jobs_file());
  std::map<std::int64_t, std::string> queue;
  if (st.slurm) {
    auto states = slurm_queue_states(layout);
    st.squeue_failed = !states.has_value();
    if (states) queue = std::move(*states);
  }
  for (std::size_t k = 0; k < cfgs.size(); ++k) {
    launch_job_status j;
    j.index = static_cast<std::int64_t>(k);
    j.cfg = cfgs[k];
    auto dir = layout.job_dir(j.index);
    j.retries = detail::count_lines(dir / job_files::retry);
    auto q = queue.find(j.index);
    if (q != queue.end()) j.slurm_state = q->second;
    if (path_exists(dir / job_files::done)) {
      j.state = job_state::done;
    } else if (path_exists(dir / job_files::failed)) {
      j.state = job_state::failed;
    } else if (q != queue.end()) {
      bool pending = q->second == "PENDING" || q->second.rfind("REQUEUE", 0) == 0;
      j.state = pending ? job_state::queued : job_state::running;
    } else if (st.launcher_active) {
      j.state = path_exists(dir / job_files::running) ? job_state::running : job_state::queued;
    } else {
      j.state = path_exists(dir) ? job_state::stopped : job_state::new_job;
    }
    ++st.counts[static_cast<std::size_t>(j.state)];
    st.jobs.push_back(std::move(j));
  }
  return st;
}

}  // namespace sweep
