// The driver's verbs. Each command_<verb>.cpp adds its subcommand to the app
// through a static registrar, so verbs stay independent of each other.
#pragma once

#include <sweep/config/load.hpp>
#include <sweep/launch/request.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace sweep::driver {

/// @brief Adds one subcommand (options and callback) to the driver's app.
using command_factory = std::function<void(CLI::App&)>;

struct command_entry {
  int order;  // position in `sweep --help`: the stages in the order a sweep goes through them
  command_factory add;
};

inline std::vector<command_entry>& commands() {
  static std::vector<command_entry> all;
  return all;
}

/// @brief Registers a verb; use as `static const bool registered = register_command(...)`.
inline bool register_command(int order, command_factory add) {
  commands().push_back({order, std::move(add)});
  return true;
}

/// @brief Thrown by a verb to end the program with a message and an exit code.
struct exit_error {
  std::string message;
  int code = 1;
};

/// @brief The overrides of this run, once a verb took them: errors about their keys are blamed on
/// the command line (main.cpp), whichever stage finds them.
inline std::vector<std::string>& current_overrides() {
  static std::vector<std::string> overrides;
  return overrides;
}

/// @brief `--sweep-cfg F [KEY VALUE ...]`: the sweep config every stage's verb takes, with yacs-style overrides.
struct sweep_cfg_args {
  std::string file;
  std::vector<std::string> overrides;

  /// @brief Adds --sweep-cfg and the trailing overrides to a verb. Overrides are taken raw (CLI11
  /// would split a YAML value such as "[lr, wd]" into words); call `take_overrides` in the callback.
  void add_to(CLI::App* cmd) {
    cmd->add_option("--sweep-cfg", file, "Sweep config file (YAML, pycls format)")->required()->check(CLI::ExistingFile);
    cmd->allow_extras();
    cmd->footer("Overrides: KEY VALUE pairs (or KEY=VALUE) after the options, e.g. ROOT_DIR /tmp/sweeps SETUP.NUM_CONFIGS 8 "
                "ANALYZE.METRICS \"[lr, wd]\" SETUP.SAMPLERS.OPTIM.BASE_LR.RANGE \"[0.1, 1.0]\"");
  }

  /// @brief Collects the overrides left over by the parser; an unknown option is an error, not an override.
  void take_overrides(CLI::App* cmd) {
    overrides = normalize_overrides(cmd->remaining());
    for (std::size_t i = 0; i < overrides.size(); i += 2) {
      if (overrides[i] == "--cfg" || overrides[i].starts_with("--cfg=")) {
        throw exit_error{fmt::format("unknown option '--cfg': `sweep {}` reads a sweep config with --sweep-cfg FILE "
                                     "(--cfg is pycls's run_net option for one job's config)", cmd->get_name()), 2};
      }
      if (overrides[i].starts_with("-")) {
        throw exit_error{fmt::format("unknown option '{}' (see `sweep {} --help`)", overrides[i], cmd->get_name()), 2};
      }
    }
    current_overrides() = overrides;
  }

  /// @brief The sweep config with the overrides applied.
  [[nodiscard]] sweep_config load(CLI::App* cmd) {
    take_overrides(cmd);
    return load_sweep_config(file, overrides);
  }
};

// The stages as `sweep run` chains them, each defined next to its own verb (command_<verb>.cpp): the
// library is header-only, so a file calling every stage itself would compile all of them again.

struct setup_outcome {
  std::int64_t configs = 0;
  std::int64_t sampled = 0;
  double seconds = 0;
  std::vector<std::string> removed;  // what each rule removed, one line each
};
/// @brief Sets the sweep up (notes on stderr).
setup_outcome run_setup(const sweep_config& cfg);
/// @brief Launches every job that is not done yet, asking nothing.
launch_result run_launch(const sweep_config& cfg, const std::string& backend);
/// @brief Collects (warnings on stderr); returns the status line.
std::string run_collect(const sweep_config& cfg);
/// @brief Writes the report; returns its path.
std::filesystem::path run_analyze(const sweep_config& cfg);

}  // namespace sweep::driver
