// `sweep status`: where each job of a sweep stands, from its folder and every backend's queue.
#include "command.hpp"

#include <sweep/config/load.hpp>
#include <sweep/launch/status.hpp>

#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

namespace {

struct status_args {
  sweep::driver::sweep_cfg_args cfg;
  bool summary_only = false;
};

const bool registered = sweep::driver::register_command(40, [](CLI::App& app) {
  auto args = std::make_shared<status_args>();
  auto* cmd = app.add_subcommand("status", "Show each job's state (new/queued/running/done/failed/stopped/stopped-early) and retries");
  args->cfg.add_to(cmd);
  cmd->add_flag("--summary", args->summary_only, "Print only the summary line");
  cmd->callback([args, cmd] {
    auto cfg = args->cfg.load(cmd);
    auto st = sweep::read_launch_status(cfg);
    if (!args->summary_only) {
      for (auto& j : st.jobs) {
        fmt::print("{:06d}  {:<8} retries {}{}{}{}\n", j.index, sweep::to_string(j.state), j.retries,
                   j.queue_state.empty() ? "" : fmt::format("  {} {}", j.backend, j.queue_state),
                   j.orphaned ? "  (no launcher: left by one that died)" : "",
                   j.stopped_early.empty() ? "" : fmt::format("  (at {})", j.stopped_early));
      }
    }
    for (auto& name : st.unreadable) {
      fmt::print(stderr, "status: the {} backend's queue cannot be read: its queued/running jobs are shown as stopped\n", name);
    }
    fmt::print("{}\n", st.summary());
  });
});

}  // namespace
