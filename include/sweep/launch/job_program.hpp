// Checks a launch shares before and after its backend runs: the job program
// exists before any job starts, and the first failed job's stderr.log is
// pointed at (with its last lines) when jobs failed.
#pragma once

#include <sweep/base/files.hpp>
#include <sweep/config/check.hpp>
#include <sweep/launch/job_state.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

namespace sweep {

namespace detail {

inline bool is_executable_file(const std::filesystem::path& p) {
  std::error_code ec;
  return std::filesystem::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
}

/// @brief `name` found on PATH as an executable file, as execvp would find it.
inline std::optional<std::filesystem::path> find_on_path(std::string_view name) {
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  for (std::size_t at = 0; at <= dirs.size();) {
    auto end = dirs.find(':', at);
    if (end == std::string_view::npos) end = dirs.size();
    auto dir = dirs.substr(at, end - at);
    auto candidate = std::filesystem::path(dir.empty() ? "." : std::string(dir)) / std::string(name);
    if (is_executable_file(candidate)) return candidate;
    at = end + 1;
  }
  return std::nullopt;
}

}  // namespace detail

/// @brief Refuses a job program that cannot run: LAUNCH.COMMAND's first word must be an executable file
/// (a path, relative to `project_dir`) or a program on PATH. Checked before any job starts, so a typo
/// costs one message instead of every job failing. With LAUNCH.CONDA_ENV the program is found inside
/// that environment, which only `conda run` knows: nothing is checked then.
inline void check_job_program(const sweep_config& cfg, const std::vector<std::string>& words,
                              const std::filesystem::path& project_dir) {
  if (!cfg.launch.conda_env.empty()) return;
  if (words.empty() || words.front().find_first_of("{}") != std::string::npos) return;
  const auto& program = words.front();
  config_checker checker(cfg);
  if (program.find('/') == std::string::npos) {
    if (detail::find_on_path(program)) return;
    if (detail::is_executable_file(project_dir / program)) return;
    checker.fail("LAUNCH.COMMAND",
                 fmt::format("the job program '{}' is not on PATH nor a file in {}: expected an executable file "
                             "(a path such as build/bin/{} relative to the folder sweep runs in) or a program on PATH",
                             program, project_dir.string(), program));
  }
  std::filesystem::path p(program);
  auto full = p.is_absolute() ? p : project_dir / p;
  std::error_code ec;
  if (!std::filesystem::exists(full, ec)) {
    checker.fail("LAUNCH.COMMAND",
                 fmt::format("the job program '{}' does not exist ({}): expected an executable file; build it, or "
                             "fix the path (relative paths are relative to the folder sweep runs in)",
                             program, full.lexically_normal().string()));
  }
  if (!detail::is_executable_file(full)) {
    checker.fail("LAUNCH.COMMAND",
                 fmt::format("the job program '{}' is not an executable file ({}): expected a program with execute "
                             "permission (chmod +x), or name its interpreter first, e.g. `sh {}`",
                             program, full.lexically_normal().string(), program));
  }
}

/// @brief The last `n` non-empty lines of a text file (empty if it cannot be read).
inline std::vector<std::string> last_lines(const std::filesystem::path& file, std::size_t n) {
  std::string text;
  if (!read_file_into(file.string(), text)) return {};
  std::vector<std::string> lines;
  std::size_t end = text.size();
  while (end > 0 && lines.size() < n) {
    auto start = text.rfind('\n', end - 1);
    auto begin = start == std::string::npos ? 0 : start + 1;
    if (end > begin) lines.insert(lines.begin(), text.substr(begin, std::min<std::size_t>(end - begin, 300)));
    if (start == std::string::npos) break;
    end = start;
  }
  return lines;
}

/// @brief A note on the first failed job of `jobs`: its stderr.log and that log's last lines; empty if none failed.
inline std::string failed_job_note(const sweep_layout& layout, const std::vector<std::int64_t>& jobs, std::size_t lines = 5) {
  for (auto i : jobs) {
    job_folder job(layout, i);
    if (!job.failed()) continue;
    auto log = job.file(job_folder::stderr_log);
    auto attempts = job.retries();
    std::string note = fmt::format("launch: job {:06} failed{}; its error log is {}", i,
                                   attempts > 1 ? fmt::format(" {} times (LAUNCH.MAX_RETRY retries)", attempts) : "", log.string());
    auto tail = last_lines(log, lines);
    if (tail.empty()) return note + " (empty)\n";
    note += fmt::format(", ending:\n");
    for (auto& line : tail) note += "    " + line + "\n";
    return note;
  }
  return {};
}

}  // namespace sweep
