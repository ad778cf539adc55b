// sweep run: the whole journey in one go on this machine: setup, launch (no
// question asked), collect and analyze. Prints where the report is.
#include "command.hpp"

#include <sweep/base/layout.hpp>
#include <sweep/config/load.hpp>
#include <sweep/launch/backends.hpp>
#include <sweep/setup/saved_setup.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <memory>

namespace {

struct run_args {
  sweep::driver::sweep_cfg_args cfg;
  std::string backend;
};

const bool registered = sweep::driver::register_command(70, [](CLI::App& app) {
  auto args = std::make_shared<run_args>();
  auto* cmd = app.add_subcommand("run", "Setup, launch, collect and analyze in one go; prints where the report is");
  args->cfg.add_to(cmd);
  cmd->add_option("--backend", args->backend,
                  fmt::format("A launch backend: {} (default: local, whatever LAUNCH.BACKEND says); a cluster backend "
                              "submits and waits for nothing", fmt::join(sweep::launch_backends().names(), ", ")));
  cmd->callback([args, cmd] {
    auto cfg = args->cfg.load(cmd);
    auto dir = sweep::sweep_dir(cfg);
    // A sweep already launched is resumed, not set up again.
    if (!std::filesystem::exists(sweep::sweep_layout(dir).logs_dir())) {
      fmt::print("[1/4] setup: {}\n", dir.string());
      auto setup = sweep::driver::run_setup(cfg);
      fmt::print("      {} job configs ({} candidates, {:.2f}s)\n", setup.configs, setup.sampled, setup.seconds);
      for (auto& line : setup.removed) fmt::print("      {}\n", line);
    } else {
      // Its jobs were sampled from the SETUP saved in the sweep folder: an edited one must not be mixed in.
      sweep::check_saved_setup(cfg);
      fmt::print("[1/4] setup: skipped, the sweep was launched before (resuming it)\n");
    }
    auto backend = args->backend.empty() ? std::string("local") : args->backend;
    fmt::print("[2/4] launch ({})\n", backend);
    auto launched = sweep::driver::run_launch(cfg, backend);
    if (launched.interrupted) throw sweep::driver::exit_error{"interrupted: run `sweep run` again to resume", 130};
    if (!launched.waits) {
      fmt::print("Submitted to {}: follow with `sweep status`, then `sweep collect` and `sweep analyze`.\n", backend);
      return;
    }
    fmt::print("      {} done, {} failed, {} already done before{}\n", launched.done, launched.failed, launched.skipped,
               launched.stopped_early > 0 ? fmt::format(", {} stopped early", launched.stopped_early) : std::string());
    if (launched.done == 0 && launched.stopped_early == 0 && launched.failed > 0) {
      throw sweep::driver::exit_error{
          fmt::format("run: stopped after launch: all {} job(s) failed, nothing to collect or analyse; fix the cause "
                      "(see the error log above), then `sweep launch --only-failed` or `sweep run` again",
                      launched.failed), 1};
    }
    fmt::print("[3/4] collect\n");
    fmt::print("      {}\n", sweep::driver::run_collect(cfg));
    fmt::print("[4/4] analyze\n");
    auto report = sweep::driver::run_analyze(cfg);
    fmt::print("Report: {}\n", std::filesystem::absolute(report).lexically_normal().string());
    if (launched.failed > 0) {
      throw sweep::driver::exit_error{fmt::format("{} job(s) failed after their retries; see logs/*/stderr.log", launched.failed), 1};
    }
  });
});

}  // namespace
