// `sweep watch --sweep-cfg F [--every S]`: while the jobs run, collects and re-renders the report every S
// seconds, with the progress at the top of the page, which reloads itself. It reads the jobs' files
// only: stopping it (Ctrl-C, SIGTERM) changes nothing. It ends by itself once no job is queued or running.
#include "command.hpp"

#include <sweep/analyze/watch.hpp>
#include <sweep/config/load.hpp>

#include <fmt/format.h>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

namespace {

struct watch_args {
  sweep::driver::sweep_cfg_args cfg;
  double every = sweep::default_watch_seconds;
  std::int64_t rounds = 0;  // 0: until no job is queued or running
  bool quiet = false;
};

std::string signal_name(int signal) {
  switch (signal) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    default: return fmt::format("signal {}", signal);
  }
}

const bool registered = sweep::driver::register_command(65, [](CLI::App& app) {
  auto args = std::make_shared<watch_args>();
  auto* cmd = app.add_subcommand("watch", "While the jobs run, collect and re-render the report every few seconds (the page "
                                          "shows the progress and reloads itself); ends when no job is queued or running");
  args->cfg.add_to(cmd);
  cmd->add_option("--every", args->every,
                  fmt::format("Seconds between rounds, and the page's reload period ({} to {}; default {})",
                              sweep::min_watch_seconds, sweep::max_watch_seconds, sweep::default_watch_seconds));
  cmd->add_option("--rounds", args->rounds, "Stop after this many rounds (default: until no job is queued or running)");
  cmd->add_flag("-q,--quiet", args->quiet, "Print only how the watch ended");
  cmd->callback([args, cmd] {
    if (auto why = sweep::watch_every_problem(args->every); !why.empty()) {
      throw sweep::driver::exit_error{fmt::format("watch: --every: {}", why), 2};
    }
    if (cmd->count("--rounds") > 0 && args->rounds < 1) {
      throw sweep::driver::exit_error{fmt::format("watch: --rounds: expected a number of rounds >= 1, got {}", args->rounds), 2};
    }
    auto cfg = args->cfg.load(cmd);
    sweep::watch_options opts;
    opts.every = args->every;
    opts.max_rounds = static_cast<std::size_t>(args->rounds);
    bool quiet = args->quiet;
    fmt::print("Watching {} every {} s (Ctrl-C stops watching; the jobs run on)\n", sweep::sweep_dir(cfg).string(), opts.every);
    std::fflush(stdout);
    std::filesystem::path page;
    auto result = sweep::watch(cfg, opts, [&](const sweep::watch_round& r) {
      page = r.page;
      if (!quiet) {
        fmt::print("[round {}] {}\n  {}\n", r.round, r.status.summary(),
                   r.report ? fmt::format("report: {}", r.page.string()) : fmt::format("waiting: {}", r.waiting));
        std::fflush(stdout);
      }
    });
    if (result.signal != 0) {
      fmt::print("watch: stopped by {} after {} round(s); the jobs were not touched. Last page: {}\n", signal_name(result.signal),
                 result.rounds, page.string());
    } else if (opts.max_rounds > 0 && result.rounds >= opts.max_rounds &&
               (result.status.count(sweep::job_state::queued) > 0 || result.status.count(sweep::job_state::running) > 0)) {
      fmt::print("watch: stopped after {} round(s) (--rounds); jobs still run: {}. Last page: {}\n", result.rounds,
                 result.status.summary(), page.string());
    } else {
      fmt::print("watch: no job is queued or running ({}): done after {} round(s). Report: {}\n", result.status.summary(),
                 result.rounds, std::filesystem::absolute(page).lexically_normal().string());
    }
  });
});

}  // namespace
