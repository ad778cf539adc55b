// `sweep job`: one SLURM array task (run by the sweep's bin/job.sh, not by hand).
#include "command.hpp"

#include <sweep/early_stop/decisions.hpp>

#include <sweep/launch/slurm.hpp>

#include <memory>

namespace {

const bool registered = sweep::driver::register_command(35, [](CLI::App& app) {
  auto o = std::make_shared<sweep::slurm_task_options>();
  auto* cmd = app.add_subcommand("job", "Run one SLURM array task of a sweep (used by the sweep's bin/job.sh)");
  cmd->add_option("--sweep-dir", o->sweep_dir, "The sweep folder (ROOT_DIR/NAME)")->required();
  cmd->add_option("--offset", o->offset, "Job index of array task 0");
  cmd->add_option("--max-retry", o->job.max_retry, "Requeues after a failure (LAUNCH.MAX_RETRY)");
  cmd->add_option("--mode", o->job.mode, "LAUNCH.MODE, the {mode} of the command");
  cmd->add_option("--command", o->job.command, "LAUNCH.COMMAND, the job command template")->required();
  cmd->add_option("--conda-env", o->job.conda_env, "LAUNCH.CONDA_ENV");
  cmd->add_option("--nodes", o->nodes, "LAUNCH.NODES (srun gets it when the job has more than one task)");
  cmd->add_option("--tasks-per-node", o->tasks_per_node, "LAUNCH.TASKS_PER_NODE");
  cmd->add_option("--on-event", o->job.on_event, "LAUNCH.ON_EVENT, the event command template");
  cmd->add_option("--max-failures", o->job.max_failures, "LAUNCH.MAX_FAILURES (fail-fast; 0: off)");
  cmd->callback([o] {
    o->watch = sweep::early_stop_watch_from_folder(sweep::sweep_layout(o->sweep_dir));  // the launch's EARLY_STOP
    int code = sweep::run_slurm_task(*o);
    if (code != 0) throw sweep::driver::exit_error{"", code};
  });
});

}  // namespace
