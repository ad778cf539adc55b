// `sweep launch`: runs the sweep's jobs with a launch backend (on this machine, or submitted to a cluster).
#include "command.hpp"

#include <sweep/config/load.hpp>
#include <sweep/early_stop/decisions.hpp>
#include <sweep/launch/launch.hpp>
#include <sweep/setup/saved_setup.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

struct launch_args {
  sweep::driver::sweep_cfg_args cfg;
  std::string backend;
  bool yes = false;
  bool only_failed = false;
};

/// @brief Asks on the terminal; with no terminal on stdin there is nobody to ask, so launch refuses.
bool ask_on_terminal(const std::string&) {
  fmt::print("Launch? [y/N] ");
  std::fflush(stdout);
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "y" || answer == "Y" || answer == "yes";
}

const bool registered = sweep::driver::register_command(30, [](CLI::App& app) {
  auto args = std::make_shared<launch_args>();
  auto* cmd = app.add_subcommand("launch", "Run the sweep's jobs here or submit them to a cluster (resumes a stopped sweep)");
  args->cfg.add_to(cmd);
  cmd->add_option("--backend", args->backend,
                  fmt::format("A launch backend: {} (default: LAUNCH.BACKEND)", fmt::join(sweep::launch_backends().names(), ", ")));
  cmd->add_flag("--yes,-y", args->yes, "Submit without asking");
  cmd->add_flag("--only-failed", args->only_failed, "Rerun only the jobs that ran out of retries");
  cmd->callback([args, cmd] {
    auto cfg = args->cfg.load(cmd);
    sweep::check_saved_setup(cfg);  // the jobs were sampled from the saved SETUP
    sweep::launch_request req;
    if (!args->backend.empty()) req.backend = args->backend;
    req.yes = args->yes;
    req.only_failed = args->only_failed;
    req.watch = sweep::prepare_early_stop(cfg);
    if (::isatty(0) == 1) req.confirm = ask_on_terminal;
    auto result = sweep::launch(cfg, req);
    if (result.declined) throw sweep::driver::exit_error{"launch: not submitted", 1};
    if (result.interrupted) {
      auto ended = result.done + result.failed + result.unfinished;
      auto not_started = result.selected > ended ? result.selected - ended : 0;
      throw sweep::driver::exit_error{fmt::format("launch: interrupted: {} job(s) not started yet, {} stopped unfinished; "
                                                  "run the same command again to resume", not_started, result.unfinished), 130};
    }
    if (result.failed > 0) {
      throw sweep::driver::exit_error{fmt::format("launch: {} job(s) failed (the first one's error log is shown above); "
                                                  "after a fix, `sweep launch --only-failed` reruns them", result.failed), 1};
    }
  });
});

}  // namespace

sweep::launch_result sweep::driver::run_launch(const sweep_config& cfg, const std::string& backend) {
  sweep::launch_request request;
  request.yes = true;
  request.backend = backend;
  request.watch = sweep::prepare_early_stop(cfg);
  return sweep::launch(cfg, request);
}
