// sweep collect: parses every job's log into ROOT_DIR/NAME/sweep.json (pycls's sweep_collect).
#include "command.hpp"

#include <sweep/collect.hpp>
#include <sweep/config/load.hpp>

#include <fmt/format.h>

#include <unistd.h>

#include <memory>

namespace {

struct collect_args {
  sweep::driver::sweep_cfg_args cfg;
  std::string format;
  bool full = false;
  bool quiet = false;
};

/// @brief A progress bar on a terminal; on a pipe (CI) a few lines, and only for large sweeps.
sweep::collect_progress progress_printer() {
  bool tty = ::isatty(STDERR_FILENO) != 0;
  auto last_quarter = std::make_shared<std::size_t>(0);
  return [tty, last_quarter](std::size_t done, std::size_t total) {
    if (tty) {
      constexpr std::size_t width = 40;
      std::size_t filled = total ? done * width / total : width;
      fmt::print(stderr, "\r[{:#<{}}{:<{}}] {}/{} logs", "", filled, "", width - filled, done, total);
      if (done == total) fmt::print(stderr, "\n");
    } else if (total >= 1000) {
      std::size_t quarter = done * 4 / total;
      if (quarter > *last_quarter) {
        *last_quarter = quarter;
        fmt::print(stderr, "parsed {}/{} logs\n", done, total);
      }
    }
  };
}

const bool registered = sweep::driver::register_command(50, [](CLI::App& app) {
  auto args = std::make_shared<collect_args>();
  auto* cmd = app.add_subcommand("collect", "Parse the jobs' logs into ROOT_DIR/NAME/sweep.json and delete old checkpoints");
  args->cfg.add_to(cmd);
  cmd->add_option("--format", args->format,
                  fmt::format("A log format: {} (default: COLLECT.FORMAT)", fmt::join(sweep::log_formats().names(), ", ")));
  cmd->add_flag("--full", args->full, "Reparse every log (ignore the cache of unchanged logs)");
  cmd->add_flag("-q,--quiet", args->quiet, "No per-job lines and no progress bar");
  cmd->callback([args, cmd] {
    auto cfg = args->cfg.load(cmd);
    if (!args->format.empty()) cfg.collect.format = args->format;
    auto dir = sweep::sweep_dir(cfg);
    fmt::print("Collecting jobs for {}... \n", dir.string());
    sweep::collect_run_options run;
    run.incremental = !args->full;
    if (!args->quiet) run.progress = progress_printer();
    auto result = sweep::collect(cfg, run);
    if (!args->quiet) fmt::print("{}", sweep::format_status_table(result));
    fmt::print("Status: {}\n", sweep::status_line(result));
    if (result.written) {
      fmt::print("Wrote sweep data to: {} ({} logs parsed, {} unchanged)\n", result.sweep_file.string(), result.reparsed,
                 result.jobs.size() - result.reparsed);
    } else {
      fmt::print("Sweep data is up to date: {} (no log changed)\n", result.sweep_file.string());
    }
    fmt::print("Deleted {} total checkpoints\n", result.checkpoints_deleted);
    auto issues = result.all_issues();
    for (auto& issue : issues) fmt::print(stderr, "warning: {}\n", issue.to_string());
    if (!issues.empty()) fmt::print(stderr, "{} problem(s) in the jobs' files (records skipped, as listed)\n", issues.size());
  });
});

}  // namespace

std::string sweep::driver::run_collect(const sweep_config& cfg) {
  auto collected = sweep::collect(cfg);
  for (auto& issue : collected.all_issues()) fmt::print(stderr, "warning: {}\n", issue.to_string());
  return sweep::status_line(collected);
}
