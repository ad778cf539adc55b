// `sweep cancel`: stops every job of a sweep that a backend runs or holds in its queue.
#include "command.hpp"

#include <sweep/launch/launch.hpp>

#include <fmt/format.h>

#include <memory>

namespace {

const bool registered = sweep::driver::register_command(45, [](CLI::App& app) {
  auto args = std::make_shared<sweep::driver::sweep_cfg_args>();
  auto* cmd = app.add_subcommand("cancel", "Stop the sweep's running and queued jobs, on every backend (launch again to resume)");
  args->add_to(cmd);
  cmd->callback([args, cmd] {
    auto cfg = args->load(cmd);
    auto result = sweep::cancel(cfg);
    if (result.cancelled.empty()) fmt::print("cancel: nothing runs or queues for this sweep\n");
    for (auto& [backend, count] : result.cancelled) fmt::print("cancel: {} job(s) stopped or dequeued on {}\n", count, backend);
  });
});

}  // namespace
