// The local backend: a process pool on this machine with the folders,
// retries and resume of the cluster backends. Each job runs without a shell in
// its own process group, so a time limit or Ctrl-C stops its whole tree, and
// what a job leaves running in its group ends with it.
#pragma once

#include <sweep/base/files.hpp>
#include <sweep/config/sweep_config.hpp>
#include <sweep/launch/backend.hpp>
#include <sweep/launch/command.hpp>
#include <sweep/launch/events.hpp>
#include <sweep/launch/job_state.hpp>
#include <sweep/base/lock.hpp>
#include <sweep/launch/process.hpp>
#include <sweep/launch/request.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <deque>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

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
