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
#pragma once

#include <sweep/base/files.hpp>
#include <sweep/base/layout.hpp>
#include <sweep/config/sweep_config.hpp>
#include <sweep/error.hpp>
#include <sweep/launch/command.hpp>
#include <sweep/launch/job_state.hpp>
#include <sweep/launch/process.hpp>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

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
