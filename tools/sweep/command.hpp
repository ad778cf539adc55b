// The driver's verbs. Each command_<verb>.cpp adds its subcommand to the app
// through a static registrar, so verbs stay independent of each other.
#pragma once

#include <CLI/CLI.hpp>

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

/// @brief `--sweep-cfg F [KEY VALUE ...]`: the sweep config every stage's verb takes, with yacs-style overrides.
struct sweep_cfg_args {
  std::string file;
  std::vector<std::string> overrides;

  /// @brief Adds --sweep-cfg and the trailing overrides to a verb.
  void add_to(CLI::App* cmd) {
    cmd->add_option("--sweep-cfg", file, "Sweep config file (YAML, pycls format)")->required()->check(CLI::ExistingFile);
    cmd->add_option("overrides", overrides, "Config overrides: KEY VALUE pairs, e.g. ROOT_DIR /tmp/sweeps SETUP.NUM_CONFIGS 8");
  }
};

}  // namespace sweep::driver
