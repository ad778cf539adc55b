// sweep: the driver over the library. `sweep <verb> --help` describes each verb.
#include "command.hpp"

#include <sweep/version.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <exception>

int main(int argc, char** argv) {
  CLI::App app{"sweep: sample, launch, collect and analyse populations of experiment configs"};
  app.set_version_flag("--version", std::string{sweep::version});
  app.require_subcommand(1);
  auto& verbs = sweep::driver::commands();
  std::sort(verbs.begin(), verbs.end(), [](auto& a, auto& b) { return a.order < b.order; });
  for (auto& verb : verbs) verb.add(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const sweep::driver::exit_error& e) {
    if (!e.message.empty()) fmt::print(stderr, "sweep: {}\n", e.message);
    return e.code;
  } catch (const std::exception& e) {
    fmt::print(stderr, "sweep: error: {}\n", e.what());
    return 1;
  }
  return 0;
}
