// What every cluster task wrapper (`sweep job` for SLURM, `sweep sge-task` for
// Grid Engine) does the same way: build the job's argv from the submitted
// template, refuse to start under fail-fast, run one attempt as a child it waits
// on with poll (so a signal is handled at once), and settle the attempt in the
// job's state files and the launch events.
#pragma once

#include <sweep/base/layout.hpp>
#include <sweep/launch/command.hpp>
#include <sweep/launch/backend.hpp>
#include <sweep/launch/events.hpp>
#include <sweep/launch/job_state.hpp>
#include <sweep/launch/process.hpp>
#include <sweep/launch/watch.hpp>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

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
