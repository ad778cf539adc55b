// `sweep extend`: adds configs to a set-up (possibly launched) sweep; `sweep launch` then runs only the new jobs.
#include "command.hpp"

#include <sweep/config/load.hpp>
#include <sweep/setup/extend.hpp>

#include <fmt/format.h>

#include <cstdint>
#include <memory>

namespace {

struct extend_args {
  sweep::driver::sweep_cfg_args cfg;
  std::int64_t num_configs = 0;
};

const bool registered = sweep::driver::register_command(22, [](CLI::App& app) {
  auto args = std::make_shared<extend_args>();
  auto* cmd = app.add_subcommand("extend", "Add configs to a set-up (or launched) sweep: same SETUP, no duplicates, the next job indices");
  args->cfg.add_to(cmd);
  cmd->add_option("--num-configs", args->num_configs, "How many configs to add")->required();
  cmd->callback([args, cmd] {
    auto cfg = args->cfg.load(cmd);
    auto result = sweep::extend(cfg, args->num_configs);
    fmt::print("extend: added {} configs (jobs {:06d} to {:06d}) to the {} jobs of {} (seed {}, {} candidates drawn)\n", result.added,
               result.before, result.before + result.jobs - 1, result.before, result.dir.string(), result.seed, result.sampled);
    if (result.added < args->num_configs) {
      fmt::print(stderr, "extend: only {} of the {} configs asked for: the space has no more unique valid configs within "
                         "SETUP.NUM_SAMPLES\n", result.added, args->num_configs);
    }
  });
});

}  // namespace
