// The sweep folder (ROOT_DIR/NAME), the one place its file names are spelled:
//   sweep_cfg.yaml             the sweep config as setup used it
//   cfgs/NNNNNN.yaml           job configs (written by setup); job i is the i-th in sorted order
//   cfgs_summary.yaml          every job's sampled keys; written last, so its presence means setup finished
//   logs/NNNNNN/               one folder per job: its logs and job-state files (launch/job_state.hpp)
//   logs/.launch.lock          held while a launcher runs the sweep
//   logs/<backend>/            a launch backend's own files (SLURM's sbatch logs, ...)
//   bin/, code/                what cluster tasks run: the driver copy, batch scripts; the job's code
//   sweep.json                 the collected logs (pycls's format), and its cache next to it
//   analysis.html              the report
#pragma once

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

namespace fs = std::filesystem;

/// @brief Paths inside one sweep folder (see the comment at the top of base/layout.hpp).
struct sweep_layout {
  fs::path dir;  // absolute

  explicit sweep_layout(const fs::path& sweep_dir) : dir(fs::absolute(sweep_dir).lexically_normal()) {}

  [[nodiscard]] fs::path sweep_cfg_file() const { return dir / "sweep_cfg.yaml"; }
  [[nodiscard]] fs::path cfgs_dir() const { return dir / "cfgs"; }
  [[nodiscard]] fs::path cfgs_summary_file() const { return dir / "cfgs_summary.yaml"; }
  [[nodiscard]] fs::path logs_dir() const { return dir / "logs"; }
  [[nodiscard]] fs::path lock_file() const { return logs_dir() / ".launch.lock"; }
  /// @brief A launch backend's own folder under logs/ (kept apart from the jobs' NNNNNN folders).
  [[nodiscard]] fs::path backend_dir(std::string_view name) const { return logs_dir() / name; }
  [[nodiscard]] fs::path bin_dir() const { return dir / "bin"; }
  [[nodiscard]] fs::path code_dir() const { return dir / "code"; }
  [[nodiscard]] fs::path sweep_file() const { return dir / "sweep.json"; }
  [[nodiscard]] fs::path collect_cache_file() const { return dir / "sweep_collect_cache.json"; }
  [[nodiscard]] fs::path analysis_file() const { return dir / "analysis.html"; }
  [[nodiscard]] fs::path job_dir(std::int64_t index) const { return logs_dir() / job_name(index); }

  /// @brief A job's folder name: its config's index, six digits ("000042").
  [[nodiscard]] static std::string job_name(std::int64_t index) { return fmt::format("{:06d}", index); }
};

/// @brief The job configs of a finished setup: cfgs/*.yaml sorted by name (job i is the i-th, as in pycls).
inline std::vector<fs::path> list_job_configs(const sweep_layout& layout) {
  std::error_code ec;
  if (!fs::is_directory(layout.cfgs_dir(), ec)) {
    throw error({layout.cfgs_dir().string(), 0}, "",
                "no job configs: expected the folder setup writes; run `sweep setup` first");
  }
  // setup writes cfgs_summary.yaml last: without it, cfgs/ may be half-written
  if (!fs::exists(layout.cfgs_summary_file(), ec)) {
    throw error({layout.cfgs_summary_file().string(), 0}, "",
                "missing: setup did not finish (was it interrupted?); expected it next to cfgs/, run `sweep setup` again");
  }
  std::vector<fs::path> cfgs;
  for (auto& entry : fs::directory_iterator(layout.cfgs_dir())) {
    if (entry.path().extension() == ".yaml" && entry.is_regular_file()) cfgs.push_back(entry.path());
  }
  std::sort(cfgs.begin(), cfgs.end());
  return cfgs;
}

}  // namespace sweep
