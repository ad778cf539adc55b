// What a caller asks of sweep::launch (backend, confirmation, resume mode) and
// what it gets back, plus copying the code jobs use, which every backend shares.
#pragma once

#include <sweep/config/sweep_config.hpp>
#include <sweep/error.hpp>
#include <sweep/launch/command.hpp>
#include <sweep/launch/watch.hpp>
#include <sweep/base/files.hpp>
#include <sweep/base/layout.hpp>

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
  std::optional<std::string> backend;    // overrides LAUNCH.BACKEND: a registered backend's name
  bool yes = false;                      // submit without asking
  bool only_failed = false;              // rerun just the jobs that ran out of retries
  /// Asked before submitting to a cluster with the command(s) to run; none and !yes = refuse.
  std::function<bool(const std::string& plan)> confirm;
  std::FILE* out = stdout;               // messages (the sbatch command, summaries)
  std::FILE* progress = stderr;          // the live progress line of the local launcher; nullptr: none
  std::filesystem::path project_dir;     // relative words of the command resolve here; default: current folder
  std::filesystem::path driver = "/proc/self/exe";  // the program cluster tasks run as `<driver> job`
  std::optional<std::chrono::milliseconds> time_limit;  // overrides TIME_LIMIT (minutes) for local jobs
  std::chrono::milliseconds kill_grace{5000};            // SIGTERM -> SIGKILL delay when stopping a job
  std::optional<std::int64_t> max_array_size;            // cluster arrays; default: the cluster's own limit
  job_watch watch;  // early stopping for jobs this process runs (the local backend); none: jobs run to their end
};

/// @brief What a launch did.
struct launch_result {
  std::string backend;
  std::size_t jobs = 0;        // configs in the sweep
  std::size_t selected = 0;    // jobs this launch ran or submitted
  std::size_t skipped = 0;     // already done (or still held by a backend's queue)
  std::size_t done = 0;        // jobs that ran here: finished with exit 0 in this launch
  std::size_t failed = 0;      // jobs that ran here: out of retries in this launch
  std::size_t unfinished = 0;  // jobs that ran here: stopped by a signal before they ended
  std::size_t not_started = 0; // jobs that ran here: left unstarted by fail-fast (LAUNCH.MAX_FAILURES)
  std::size_t stopped_early = 0;  // jobs that ran here: ended at a rung by early stopping (request.watch)
  bool failed_fast = false;    // LAUNCH.MAX_FAILURES was reached: no new attempt started after it
  bool interrupted = false;    // a SIGINT/SIGTERM stopped the launch
  bool declined = false;       // cluster: the confirmation was refused
  bool waits = true;           // the jobs ended before launch returned (false: submitted to a queue)
  std::vector<std::string> submitted;  // cluster: the engine's id of each submission (array job ids)
};

namespace detail {

/// @brief Copies a file or folder via temporary names and renames, so a running job never sees half a file.
/// Inside a folder, a symlink to a folder is copied as the link (a link to `..` would copy forever), and a
/// folder holding `to` itself is left out (a word naming a folder that holds the sweep).
inline void copy_atomic(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (std::filesystem::is_directory(from)) {
    std::filesystem::create_directories(to);
    auto destination = std::filesystem::weakly_canonical(to);
    for (auto& entry : std::filesystem::directory_iterator(from)) {
      auto target = to / entry.path().filename();
      if (entry.is_symlink() && entry.is_directory()) {
        std::error_code ec;
        std::filesystem::remove(target, ec);
        std::filesystem::copy_symlink(entry.path(), target);
        continue;
      }
      auto inner = std::filesystem::weakly_canonical(entry.path());
      auto [end, rest] = std::mismatch(inner.begin(), inner.end(), destination.begin(), destination.end());
      if (entry.is_directory() && end == inner.end()) continue;  // `to` is inside it
      copy_atomic(entry.path(), target);
    }
    return;
  }
  if (!std::filesystem::is_regular_file(from)) return;
  std::filesystem::create_directories(to.parent_path());
  auto tmp = to;
  tmp += fmt::format(".tmp.{}", ::getpid());
  std::filesystem::copy_file(from, tmp, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::permissions(tmp, std::filesystem::status(from).permissions());
  std::filesystem::rename(tmp, to);
}

/// @brief A cluster launch copies the running driver to bin/sweep (tasks run that copy, so a rebuild does not
/// change them) and writes `script` (a batch script holding only shell-quoted paths) into bin/.
inline void install_driver(const launch_request& req, const sweep_layout& layout, const std::string& script_name,
                           const std::string& script_text) {
  auto exec_perms = std::filesystem::perms::owner_all | std::filesystem::perms::group_read | std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                    std::filesystem::perms::others_exec;
  std::filesystem::create_directories(layout.bin_dir());
  copy_atomic(req.driver, layout.bin_dir() / "sweep");
  std::filesystem::permissions(layout.bin_dir() / "sweep", exec_perms);
  write_file_atomic(layout.bin_dir() / script_name, script_text);
  std::filesystem::permissions(layout.bin_dir() / script_name, exec_perms);
}

/// @brief Copies into code/ every file or folder that a template word names by a relative path inside the
/// project (words with placeholders, options and paths leaving the project are left alone). Warns on `out`
/// about relative words with a '/' that name nothing: jobs run in code/ and would not find them.
inline std::vector<std::string> copy_named_code(const std::vector<std::string>& words, const std::filesystem::path& project_dir,
                                                const std::filesystem::path& code_dir, std::FILE* out = nullptr) {
  std::vector<std::string> copied;
  std::filesystem::create_directories(code_dir);
  for (auto& w : words) {
    if (w.empty() || w.front() == '-' || w.find_first_of("{}") != std::string::npos) continue;
    std::filesystem::path p(w);
    if (p.is_absolute()) continue;
    auto norm = p.lexically_normal();
    if (norm.empty() || *norm.begin() == ".." || norm == ".") continue;
    std::error_code ec;
    auto source = project_dir / norm;
    if (!std::filesystem::exists(source, ec)) {
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

}  // namespace detail

}  // namespace sweep
