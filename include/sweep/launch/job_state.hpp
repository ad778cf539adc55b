// The job-state files in logs/NNNNNN/, written by this shared code whatever
// backend runs the job, so `sweep status`, a relaunch and `--only-failed` read
// one truth:
//   stdout.log, stderr.log     the job's output (appended across attempts)
//   RETRY.txt                  one line per failed attempt (pycls's format); RETRY.N.txt: archived by a rerun
//   DONE | FAILED              completion records, written atomically (exit 0 / out of retries)
//   RUNNING                    "PID START HOST" of the process running the job, while it runs
//   STOPPED_EARLY              "rung R epoch E: why": early stopping ended the job (never rerun), written atomically
#pragma once

#include <sweep/base/files.hpp>
#include <sweep/base/layout.hpp>
#include <sweep/launch/process.hpp>
#include <sweep/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

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
