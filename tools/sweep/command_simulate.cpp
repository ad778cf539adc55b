// `sweep simulate`: replays EARLY_STOP on a collected, fully trained sweep.json and prints what it would save and keep.
#include "command.hpp"

#include <sweep/config/load.hpp>
#include <sweep/early_stop/simulate.hpp>
#include <sweep/launch/local.hpp>

#include <fmt/format.h>

#include <cstdint>
#include <memory>
#include <string>

namespace {

struct simulate_args {
  sweep::driver::sweep_cfg_args cfg;
  std::string sweep_file;
  std::int64_t parallel = 0;
};

const bool registered = sweep::driver::register_command(55, [](CLI::App& app) {
  auto args = std::make_shared<simulate_args>();
  auto* cmd = app.add_subcommand("simulate", "Replay EARLY_STOP on a collected sweep.json: the epochs it saves, the best configs it keeps");
  args->cfg.add_to(cmd);
  cmd->add_option("--sweep-json", args->sweep_file, "The collected sweep (default: ROOT_DIR/NAME/sweep.json)")->check(CLI::ExistingFile);
  cmd->add_option("--parallel", args->parallel, "Jobs at once in the replay (default: the local launcher's, LAUNCH.LOCAL_JOBS or "
                                                "min(PARALLEL_JOBS, cores))")->check(CLI::PositiveNumber);
  cmd->callback([args, cmd] {
    auto cfg = args->cfg.load(cmd);
    auto file = args->sweep_file.empty() ? sweep::sweep_layout(sweep::sweep_dir(cfg)).sweep_file() : std::filesystem::path(args->sweep_file);
    auto parallel = args->parallel > 0 ? args->parallel : sweep::local_backend::parallelism(cfg.launch);
    auto result = sweep::simulate_early_stop(cfg, file, static_cast<std::size_t>(parallel));
    fmt::print("simulate: {} ({} at a time)\n", file.string(), parallel);
    fmt::print("{}", sweep::format_simulation(sweep::asha_policy::from(cfg), result));
  });
});

}  // namespace
