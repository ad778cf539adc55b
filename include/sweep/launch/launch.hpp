// sweep::launch: the one entry point of the launch stage, for the driver and
// for programs (the lead's `sweep run`): picks the backend and runs it.
#pragma once

#include <sweep/config/sweep_config.hpp>
#include <sweep/launch/local.hpp>
#include <sweep/launch/request.hpp>
#include <sweep/launch/slurm.hpp>

#include <string>

namespace sweep {

/// @brief Launches the sweep's jobs (setup must have written cfgs/): on this machine or as SLURM arrays,
/// by request.backend or else LAUNCH.BACKEND. Finished jobs are skipped, so launching again resumes.
inline launch_result launch(const sweep_config& cfg, const launch_request& request = {}) {
  std::string backend = request.backend ? *request.backend : cfg.launch.backend;
  detail::check_launch_options(cfg, backend);
  if (backend == "slurm") return launch_slurm(cfg, request);
  return launch_local(cfg, request);
}

}  // namespace sweep
