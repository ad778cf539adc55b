// `sweep sge-task`: one Grid Engine array task (run by the sweep's bin/sge_task.sh, not by hand).
#include "command.hpp"

#include <sweep/early_stop/decisions.hpp>

#include <sweep/launch/sge.hpp>

#include <memory>

namespace {

const bool registered = sweep::driver::register_command(36, [](CLI::App& app) {
  auto o = std::make_shared<sweep::sge_task_options>();
  auto* cmd = app.add_subcommand("sge-task", "Run one Grid Engine array task of a sweep (used by the sweep's bin/sge_task.sh)");
  cmd->add_option("--sweep-dir", o->sweep_dir, "The sweep folder (ROOT_DIR/NAME)")->required();
  cmd->add_option("--array", o->array, "The array's number (logs/sge/array.<n>.json)")->required();
  cmd->callback([o] {
    o->watch = sweep::early_stop_watch_from_folder(sweep::sweep_layout(o->sweep_dir));  // the launch's EARLY_STOP
    int code = sweep::run_sge_task(*o);
    if (code != 0) throw sweep::driver::exit_error{"", code};
  });
});

}  // namespace
