// The sweep folder (ROOT_DIR/NAME), the one place its file names are spelled:
//   sweep_cfg.yaml             the sweep config as setup used it
//   cfgs/NNNNNN.yaml           job configs (written by setup); job i is the i-th key of cfgs_summary.yaml
//   cfgs_summary.yaml          every job's sampled keys; written last, so its presence means setup finished
//   logs/NNNNNN/               one folder per job: its logs and job-state files (launch/job_state.hpp)
//   .sweep.lock                held by setup (exclusive), launch and collect (shared): base/lock.hpp
//   logs/.launch.lock          held while a launcher runs the sweep
//   logs/<backend>/            a launch backend's own files (SLURM's sbatch logs, ...)
//   bin/, code/                what cluster tasks run: the driver copy, batch scripts; the job's code
//   early_stop/                early stopping's policy (policy.yaml) and decisions (rung_R/NNNNNN.json)
//   sweep.json                 the collected logs (pycls's format), and its cache next to it
//   analysis.html              the report
#pragma once

#include <sweep/base/files.hpp>
#include <sweep/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace sweep {

/// @brief Paths inside one sweep folder (see the comment at the top of base/layout.hpp).
struct sweep_layout {
  std::filesystem::path dir;  // absolute

  explicit sweep_layout(const std::filesystem::path& sweep_dir) : dir(std::filesystem::absolute(sweep_dir).lexically_normal()) {}

  [[nodiscard]] std::filesystem::path sweep_cfg_file() const { return dir / "sweep_cfg.yaml"; }
  [[nodiscard]] std::filesystem::path cfgs_dir() const { return dir / "cfgs"; }
  [[nodiscard]] std::filesystem::path cfgs_summary_file() const { return dir / "cfgs_summary.yaml"; }
  [[nodiscard]] std::filesystem::path logs_dir() const { return dir / "logs"; }
  [[nodiscard]] std::filesystem::path lock_file() const { return logs_dir() / ".launch.lock"; }
  [[nodiscard]] std::filesystem::path sweep_lock_file() const { return dir / ".sweep.lock"; }
  /// @brief A launch backend's own folder under logs/ (kept apart from the jobs' NNNNNN folders).
  [[nodiscard]] std::filesystem::path backend_dir(std::string_view name) const { return logs_dir() / name; }
  [[nodiscard]] std::filesystem::path bin_dir() const { return dir / "bin"; }
  [[nodiscard]] std::filesystem::path code_dir() const { return dir / "code"; }
  [[nodiscard]] std::filesystem::path sweep_file() const { return dir / "sweep.json"; }
  [[nodiscard]] std::filesystem::path early_stop_dir() const { return dir / "early_stop"; }
  [[nodiscard]] std::filesystem::path collect_cache_file() const { return dir / "sweep_collect_cache.json"; }
  [[nodiscard]] std::filesystem::path analysis_file() const { return dir / "analysis.html"; }
  [[nodiscard]] std::filesystem::path job_dir(std::int64_t index) const { return logs_dir() / job_name(index); }

  /// @brief A job's folder name: its config's index, six digits ("000042").
  [[nodiscard]] static std::string job_name(std::int64_t index) { return fmt::format("{:06d}", index); }
};

namespace detail {

/// @brief A job config's name as setup writes it: `000042.yaml` (any plain name ending in .yaml).
inline bool is_job_config_name(std::string_view name) {
  constexpr std::string_view ext = ".yaml";
  if (name.size() <= ext.size() || name.substr(name.size() - ext.size()) != ext || name.front() == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-' || c == '.';
  });
}

/// @brief The keys of cfgs_summary.yaml in order, read from its lines (`000000.yaml: KEY TEXT`) without a
/// YAML parse, which for 100,000 jobs would cost more than the rest of `sweep status`.
inline std::vector<std::string> summary_job_names(std::string_view text, const std::string& file) {
  std::vector<std::string> names;
  int line_no = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    auto end = std::min(text.find('\n', pos), text.size());
    auto line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    // indented lines continue a value; "{}" is the summary of zero configs
    if (line.empty() || line.front() == ' ' || line.front() == '\t' || line.front() == '#') continue;
    if (line == "{}" || line == "---" || line == "...") continue;
    auto colon = line.find(':');
    auto name = line.substr(0, colon);
    if (colon == std::string_view::npos || (colon + 1 < line.size() && line[colon + 1] != ' ') || !is_job_config_name(name)) {
      throw error({file, line_no}, "",
                  "expected a line `NNNNNN.yaml: KEY` as setup writes it (the summary lists the sweep's jobs)");
    }
    if (!names.empty() && !(names.back() < name)) {
      throw error({file, line_no}, "",
                  fmt::format("{} comes after {}: expected job config names in increasing order, each once", name,
                              names.back()));
    }
    names.emplace_back(name);
  }
  return names;
}

}  // namespace detail

/// @brief The job configs of a finished setup: job i is the i-th key of cfgs_summary.yaml (setup's commit
/// mark), its file cfgs/<key>. Files in cfgs/ that the summary does not list (a sweep nested in this one's
/// cfgs/, a stray copy) are not jobs; a listed config that is missing is an error naming it, so a deleted
/// config never shifts the later jobs' indices.
inline std::vector<std::filesystem::path> list_job_configs(const sweep_layout& layout) {
  std::error_code ec;
  if (!std::filesystem::is_directory(layout.cfgs_dir(), ec)) {
    throw error({layout.cfgs_dir().string(), 0}, "",
                "no job configs: expected the folder setup writes; run `sweep setup` first");
  }
  // setup writes cfgs_summary.yaml last: without it, cfgs/ may be half-written
  if (!std::filesystem::exists(layout.cfgs_summary_file(), ec)) {
    throw error({layout.cfgs_summary_file().string(), 0}, "",
                "missing: setup did not finish (was it interrupted?); expected it next to cfgs/, run `sweep setup` again");
  }
  auto summary_file = layout.cfgs_summary_file().string();
  std::string text;
  if (!read_file_into(summary_file, text)) {
    throw error({summary_file, 0}, "", "cannot read: expected the summary setup writes");
  }
  auto names = detail::summary_job_names(text, summary_file);
  std::vector<std::string> present;
  for (auto& entry : std::filesystem::directory_iterator(layout.cfgs_dir())) {
    if (entry.is_regular_file(ec)) present.push_back(entry.path().filename().string());
  }
  std::sort(present.begin(), present.end());
  std::vector<std::filesystem::path> cfgs;
  cfgs.reserve(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!std::binary_search(present.begin(), present.end(), names[i])) {
      throw error({(layout.cfgs_dir() / names[i]).string(), 0}, "",
                  fmt::format("missing: cfgs_summary.yaml lists it as job {}; expected every listed job config "
                              "(was it deleted? set the sweep up again)", i));
    }
    cfgs.push_back(layout.cfgs_dir() / names[i]);
  }
  return cfgs;
}

}  // namespace sweep
