// The local backend: a process pool on this machine with the folders,
// retries and resume of the SLURM backend. Each job runs without a shell in
// its own process group, so a time limit or Ctrl-C stops its whole tree.
#pragma once

#include <sweep/config/load.hpp>
#include <sweep/config/sweep_config.hpp>
#include <sweep/launch/command.hpp>
#include <sweep/launch/detail/lock.hpp>
#include <sweep/launch/detail/process.hpp>
#include <sweep/launch/layout.hpp>
#include <sweep/launch/request.hpp>
#include <sweep/launch/slurm.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <system_error>
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
  /// `done_before`: jobs done by earlier launches, which say nothing about this launch's pace.
  progress_line(std::FILE* stream, std::size_t total, std::size_t done_before)
      : stream_(stream), total_(total), done_before_(done_before),
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
    if (tty_) fmt::print(stream_, "\r{}\x1b[K", text);
    else fmt::print(stream_, "{}\n", text);
    std::fflush(stream_);
    shown_ = true;
  }

  void finish() {
    if (stream_ != nullptr && tty_ && shown_) fmt::print(stream_, "\n");
  }

 private:
  std::FILE* stream_;
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
};

}  // namespace detail

/// @brief Runs the sweep's jobs on this machine; see docs/launch.md. Blocks until every selected job is done,
/// out of retries, or a SIGINT/SIGTERM stopped the launch (then result.interrupted is set).
inline launch_result launch_local(const sweep_config& cfg, const launch_request& req = {}) {
  using namespace std::chrono;
  using detail::launch_clock;
  detail::check_launch_options(cfg, "local");
  sweep_layout layout(sweep_dir(cfg));
  auto cfgs = list_job_configs(layout.dir);
  auto words = detail::command_words(cfg);
  expand_command(words, {"cfg", "out_dir", 0, cfg.launch.mode}, cfg.file);  // bad placeholders fail before any job runs
  fs::create_directories(layout.logs_dir());
  detail::file_lock lock(layout.lock_file(), true);
  if (!lock.locked()) {
    throw error({layout.dir.string(), 0}, "", "another `sweep launch` is running this sweep: expected it to end first");
  }

  if (path_exists(layout.slurm_jobs_file())) {  // the same jobs must not run here and on SLURM at once
    auto states = slurm_queue_states(layout);
    if (states && !states->empty()) {
      throw error({layout.slurm_jobs_file().string(), 0}, "",
                  fmt::format("{} task(s) of this sweep are queued or running on SLURM: expected them to end "
                              "(or scancel them) before launching locally", states->size()));
    }
  }

  launch_result result;
  result.backend = "local";
  result.jobs = cfgs.size();
  auto jobs = detail::select_jobs(layout, cfgs.size(), req.only_failed);
  result.selected = jobs.size();
  result.skipped = cfgs.size() - jobs.size();
  auto parallel = static_cast<std::size_t>(detail::local_parallelism(cfg.launch));
  auto project = req.project_dir.empty() ? fs::current_path() : fs::absolute(req.project_dir);
  detail::copy_named_code(words, project, layout.code_dir(), req.out);
  if (req.out != nullptr) {
    fmt::print(req.out, "launch: {} of {} jobs to run ({} skipped), {} at a time, in {}\n", jobs.size(), cfgs.size(),
               result.skipped, parallel, layout.dir.string());
    std::fflush(req.out);
  }
  if (jobs.empty()) return result;

  auto time_limit = req.time_limit ? duration_cast<launch_clock::duration>(*req.time_limit)
                                   : duration_cast<launch_clock::duration>(minutes(cfg.launch.time_limit));
  for (auto i : jobs) {
    if (req.only_failed || path_exists(layout.job_dir(i) / job_files::failed)) detail::reset_failed_job(layout.job_dir(i));
  }

  std::deque<std::int64_t> queue(jobs.begin(), jobs.end());
  std::vector<detail::running_job> active;
  detail::signal_pipe signals({SIGINT, SIGTERM});
  std::size_t done_before = 0;
  for (std::size_t i = 0; i < cfgs.size(); ++i) {
    done_before += path_exists(layout.job_dir(static_cast<std::int64_t>(i)) / job_files::done) ? 1 : 0;
  }
  detail::progress_line progress(req.progress, cfgs.size(), done_before);
  bool stopping = false;

  auto stop_all = [&](int signo) {
    for (auto& r : active) {
      ::kill(-r.pid, signo);
      if (signo != SIGKILL && !r.kill_at) r.kill_at = launch_clock::now() + req.kill_grace;
    }
  };
  struct kill_on_throw {  // a failure of the launcher itself must not leave jobs behind
    std::vector<detail::running_job>& active;
    ~kill_on_throw() {
      for (auto& r : active) {
        ::kill(-r.pid, SIGKILL);
        detail::wait_exit_code(r.pid);
        if (r.pidfd >= 0) ::close(r.pidfd);
      }
    }
  } guard{active};

  auto start_job = [&](std::int64_t i) {
    auto dir = layout.job_dir(i);
    fs::create_directories(dir);
    job_vars vars{cfgs[static_cast<std::size_t>(i)].string(), dir.string(), i, cfg.launch.mode};
    detail::spawn_options o;
    o.argv = expand_command(words, vars, cfg.file);
    o.cwd = layout.code_dir();
    o.stdout_file = dir / job_files::stdout_log;
    o.stderr_file = dir / job_files::stderr_log;
    o.stdin_null = true;
    o.env = {fmt::format("SWEEP_JOB_INDEX={}", i), "SWEEP_OUT_DIR=" + vars.out_dir, "SWEEP_CFG=" + vars.cfg};
    detail::running_job r;
    r.index = i;
    try {
      r.pid = detail::spawn(o);
    } catch (const std::system_error& e) {
      append_line(dir / job_files::stderr_log, fmt::format("sweep: {}", e.what()));
      return false;
    }
    r.pidfd = detail::open_pidfd(r.pid);
    r.deadline = launch_clock::now() + time_limit;
    append_line(dir / job_files::running, fmt::format("{}", r.pid));  // a hint for status; needs no atomicity
    active.push_back(r);
    return true;
  };

  auto finish_job = [&](std::int64_t i, int code, bool timed_out) {
    auto dir = layout.job_dir(i);
    std::error_code ec;
    fs::remove(dir / job_files::running, ec);
    if (stopping) {
      append_line(dir / job_files::stderr_log, "sweep: stopped by a signal to the launcher; relaunch to rerun");
      ++result.unfinished;
      return;
    }
    if (code == 0 && !timed_out) {
      detail::mark_job(dir, job_files::done, "exit code 0\n");
      ++result.done;
      return;
    }
    auto reason = timed_out ? fmt::format("Exceeded TIME_LIMIT ({})", detail::format_duration(time_limit))
                            : fmt::format("Encountered non-zero exit code {}", code);
    if (timed_out) append_line(dir / job_files::stderr_log, "sweep: killed: " + reason);
    if (detail::record_failure(dir, reason, cfg.launch.max_retry)) {
      queue.push_back(i);
    } else {
      detail::mark_job(dir, job_files::failed, reason + "\n");
      ++result.failed;
    }
  };

  while (!queue.empty() || !active.empty()) {
    while (!stopping && active.size() < parallel && !queue.empty()) {
      auto i = queue.front();
      queue.pop_front();
      if (!start_job(i)) finish_job(i, 127, false);
    }
    if (active.empty()) break;
    progress.update(done_before + result.done, active.size(), result.failed, queue.size());

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
      int status = 0;
      if (::waitpid(r.pid, &status, WNOHANG) == r.pid) {
        if (r.pidfd >= 0) ::close(r.pidfd);
        auto finished = r;
        active.erase(active.begin() + static_cast<std::ptrdiff_t>(k));
        finish_job(finished.index, detail::exit_code(status), finished.timed_out);
        continue;
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
  progress.update(done_before + result.done, 0, result.failed, 0, true);
  progress.finish();
  if (req.out != nullptr) {
    fmt::print(req.out, "launch: {} done, {} failed, {} unfinished{}\n", result.done, result.failed, result.unfinished,
               result.interrupted ? " (stopped by a signal; launch again to resume)" : "");
    std::fflush(req.out);
  }
  return result;
}

}  // namespace sweep
