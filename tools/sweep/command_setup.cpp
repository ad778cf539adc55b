// sweep setup: samples the sweep config's space into numbered job configs.
#include "command.hpp"

#include <sweep/config/check.hpp>
#include <sweep/config/load.hpp>
#include <sweep/launch/launch.hpp>
#include <sweep/setup.hpp>

#include <fmt/core.h>

#include <chrono>
#include <memory>

#include <unistd.h>

namespace {

/// @brief Setup's progress on stderr, at most 4 lines a second; on a terminal one line that updates in place.
class progress_printer {
 public:
  void operator()(const sweep::sample_progress& p) {
    auto now = std::chrono::steady_clock::now();
    if (printed_ && now - last_ < std::chrono::milliseconds(250)) {
      pending_ = p;
      has_pending_ = true;
      return;
    }
    print(p);
    last_ = now;
  }
  /// @brief The last state if it was held back, and the end of the terminal's line.
  void finish() {
    if (has_pending_) print(pending_);
    if (printed_ && tty_) fmt::print(stderr, "\n");
    printed_ = has_pending_ = false;
  }

 private:
  void print(const sweep::sample_progress& p) {
    has_pending_ = false;
    printed_ = true;
    if (tty_) {
      fmt::print(stderr, "\rsampled {}, kept {}, t={:.2f}s\x1b[K", p.sampled, p.kept, p.seconds);
    } else {
      fmt::print(stderr, "sampled {}, kept {}, t={:.2f}s\n", p.sampled, p.kept, p.seconds);
    }
    std::fflush(stderr);
  }

  bool tty_ = ::isatty(2) == 1;
  bool printed_ = false, has_pending_ = false;
  sweep::sample_progress pending_;
  std::chrono::steady_clock::time_point last_;
};

/// @brief "from N candidates" and what each rule removed, one line each.
void print_rejections(const sweep::rejection_counts& r, const std::vector<std::string>& rules) {
  auto lines = sweep::describe_rejections(r, rules);
  if (lines.empty()) return;
  fmt::print("Candidates removed ({} looked at):\n", r.drawn);
  for (auto& line : lines) fmt::print("{}\n", line);
}

struct setup_args {
  sweep::driver::sweep_cfg_args cfg;
  bool dry_run = false;
  bool quiet = false;
};

const bool registered = sweep::driver::register_command(20, [](CLI::App& app) {
  auto args = std::make_shared<setup_args>();
  auto* cmd = app.add_subcommand("setup", "Sample the design space into job configs under ROOT_DIR/NAME/cfgs");
  args->cfg.add_to(cmd);
  cmd->add_flag("--dry-run", args->dry_run, "Sample and print how many configs the space gives and the first few keys; write nothing");
  cmd->add_flag("-q,--quiet", args->quiet, "No progress lines");
  cmd->callback([args, cmd] {
    auto cfg = args->cfg.load(cmd);
    // A sweep set up is meant to run: its later stages' keys are checked now, not after hours of jobs.
    sweep::check_setup(cfg);
    sweep::check_launch(cfg);
    sweep::check_collect_options(cfg);
    sweep::check_analyze_options(cfg);
    sweep::setup_observer observer;
    auto printer = std::make_shared<progress_printer>();
    if (!args->quiet) observer.progress = [printer](const sweep::sample_progress& p) { (*printer)(p); };
    observer.note = [printer](const std::string& note) {
      printer->finish();
      fmt::print(stderr, "note: {}\n", note);
    };
    if (args->dry_run) {
      auto space = sweep::load_setup_space(cfg);
      switch (space.kind()) {
        case sweep::space_kind::finite: fmt::print("finite space: {} configs\n", space.size()); break;
        case sweep::space_kind::sequence: fmt::print("sobol space: a quasi-random sequence (RNG_SEED scrambles it)\n"); break;
        case sweep::space_kind::random: fmt::print("random space\n"); break;
      }
      sweep::config_checks checks(cfg);
      auto sampled = sweep::sample_space(space, cfg.setup, cfg.num_proc, checks, observer.progress);
      printer->finish();
      fmt::print("{} configs (from {} candidates, {} unique and valid)\n", sampled.keys.size(), sampled.sampled, sampled.found);
      auto repeats = static_cast<std::size_t>(std::max<std::int64_t>(1, cfg.setup.repeats));
      if (repeats > 1) {
        fmt::print("{} jobs: each config {} times (SETUP.REPEATS), each with its own RNG_SEED\n", sampled.keys.size() * repeats, repeats);
      }
      print_rejections(sampled.rejected, checks.rule_names());
      for (std::size_t i = 0; i < std::min<std::size_t>(5, sampled.keys.size() * repeats); ++i) {
        fmt::print("  {}: {}{}\n", sweep::job_config_name(static_cast<std::int64_t>(i)), sampled.keys[i / repeats],
                   repeats > 1 ? fmt::format(" (repeat {} of {})", i % repeats + 1, repeats) : std::string());
      }
      return;
    }
    fmt::print("Sweep directory is: {}\n", sweep::sweep_dir(cfg).string());
    sweep::setup_summary summary;
    try {
      summary = sweep::setup(cfg, observer);
    } catch (...) {
      printer->finish();
      throw;
    }
    printer->finish();
    fmt::print("Wrote {} job configs to {} ({} candidates, {:.2f}s)\n", summary.jobs, sweep::sweep_layout(summary.dir).cfgs_dir().string(),
               summary.sampled, summary.seconds);
    if (summary.jobs != summary.configs) {
      fmt::print("{} configs x {} repeats (SETUP.REPEATS), each repeat with its own RNG_SEED\n", summary.configs, cfg.setup.repeats);
    }
    print_rejections(summary.rejected, summary.rule_names);
  });
});

}  // namespace

sweep::driver::setup_outcome sweep::driver::run_setup(const sweep_config& cfg) {
  sweep::setup_observer observer;
  observer.note = [](const std::string& note) { fmt::print(stderr, "note: {}\n", note); };
  auto summary = sweep::setup(cfg, observer);
  return {summary.jobs, summary.sampled, summary.seconds, sweep::describe_rejections(summary.rejected, summary.rule_names)};
}
