// sweep complexity: a job config's model complexity as pycls computes it
// (flops, params, acts at TRAIN.IM_SIZE), printed as one JSON object.
#include "command.hpp"

#include <sweep/config/load.hpp>
#include <sweep/config/yaml.hpp>
#include <sweep/models.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace {

struct complexity_args {
  std::string cfg_file;
  std::vector<std::string> overrides;
  bool standardized = false;
};

const bool registered = sweep::driver::register_command(25, [](CLI::App& app) {
  auto args = std::make_shared<complexity_args>();
  auto* cmd = app.add_subcommand("complexity", "Print a job config's model complexity: {\"flops\": N, \"params\": N, \"acts\": N}");
  cmd->add_option("--cfg", args->cfg_file, "Job config (pycls YAML: MODEL.TYPE anynet|regnet|resnet|effnet, ...)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_flag("--standardized", args->standardized,
                "Complexity after pycls's setup step (the scaler: what SETUP.CONSTRAINTS.CX is checked against) "
                "instead of the config as written (what the job logs)");
  cmd->add_option("overrides", args->overrides, "KEY VALUE pairs applied on top of the config (e.g. REGNET.DEPTH 16)");
  cmd->callback([args] {
    auto job = sweep::load_yaml_file(args->cfg_file);
    sweep::apply_overrides(job, args->overrides);
    try {
      auto cx = args->standardized ? sweep::standardized_complexity(job) : sweep::compute_complexity(job);
      fmt::print("{}\n", sweep::to_json(cx));
    } catch (const sweep::error& e) {
      if (!e.where().file.empty()) throw;
      // The models stage knows key and line; the file is the config's, or the command line for an override.
      bool overridden = false;
      for (std::size_t i = 0; i + 1 < args->overrides.size(); i += 2) overridden |= args->overrides[i] == e.key_path();
      throw sweep::error(overridden ? sweep::source_location{"command line", 0}
                                    : sweep::source_location{args->cfg_file, e.where().line},
                         e.key_path(), e.message());
    }
  });
});

}  // namespace
