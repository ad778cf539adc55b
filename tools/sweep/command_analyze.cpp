// `sweep analyze --sweep-cfg F [KEY VALUE ...]`: writes ROOT_DIR/NAME/analysis.html.
#include "command.hpp"

#include <sweep/config/load.hpp>
#include <sweep/analyze/analyze.hpp>

#include <fmt/core.h>

#include <chrono>
#include <cstdio>
#include <memory>

namespace {

const bool registered = sweep::driver::register_command(60, [](CLI::App& app) {
  auto args = std::make_shared<sweep::driver::sweep_cfg_args>();
  auto* cmd = app.add_subcommand("analyze", "Analyse a collected sweep into ROOT_DIR/NAME/analysis.html (prints its path)");
  args->add_to(cmd);
  cmd->callback([args, cmd] {
    auto start = std::chrono::steady_clock::now();
    auto cfg = args->load(cmd);
    fmt::print("Generating sweepbook for {}... ", sweep::sweep_dir(cfg).string());
    std::fflush(stdout);
    auto file = [&] {
      try {
        return sweep::analyze(cfg);
      } catch (...) {
        fmt::print("failed\n");  // ends the line, so the error that follows stands on its own
        std::fflush(stdout);
        throw;
      }
    }();
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    fmt::print("Done [t={:.1f}s]\n{}\n", took.count(), file.string());
  });
});

}  // namespace

std::filesystem::path sweep::driver::run_analyze(const sweep_config& cfg) { return sweep::analyze(cfg); }
