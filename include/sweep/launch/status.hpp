// Where each job of a sweep stands, read from the sweep folder (DONE, FAILED,
// RETRY.txt, RUNNING, the launch lock) and from the queue of every registered
// backend (squeue for SLURM, ...), never from a cluster's accounting, which many
// clusters (and ours in CI) do not run.
#pragma once

#include <sweep/base/layout.hpp>
#include <sweep/config/sweep_config.hpp>
#include <sweep/launch/backend.hpp>
#include <sweep/launch/backends.hpp>
#include <sweep/launch/job_state.hpp>
#include <sweep/launch/launch.hpp>

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

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
