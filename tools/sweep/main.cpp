// sweep: the driver over the library. `sweep <verb> --help` describes each verb.
#include "command.hpp"

#include <sweep/base/files.hpp>
#include <sweep/base/suggest.hpp>
#include <sweep/version.hpp>

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include <fcntl.h>

namespace {

/// @brief Opens /dev/null on fds 0-2 that were closed (`sweep launch 2>&-`): else the first file sweep
/// opens (the launch lock, a job's log) would become "stderr" and take the messages meant for it.
void keep_standard_fds_open() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    int opened = ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);  // the lowest free fd: this one
    if (opened != fd && opened >= 0) ::close(opened);
  }
}

/// @brief An error message on stderr, after whatever stdout still buffers (so a piped run reads in the
/// order it happened); a stderr that cannot be written (full, a closed pipe) changes nothing: the exit
/// code still says it failed.
void print_error(const std::string& text) {
  std::fflush(stdout);
  sweep::write_message(stderr, "sweep: " + text + "\n");
}

/// @brief What a newcomer probably meant when the command line did not parse: a config given without
/// --sweep-cfg (as a word, or with pycls's --cfg), or options written before the verb. Empty if nothing fits.
std::string hint(CLI::App& app, const std::vector<std::string>& args) {
  std::size_t verb = args.size();
  CLI::App* cmd = nullptr;
  for (std::size_t i = 0; i < args.size() && cmd == nullptr; ++i) {
    for (auto* sub : app.get_subcommands([](CLI::App*) { return true; })) {
      if (sub->get_name() == args[i]) {
        cmd = sub;
        verb = i;
      }
    }
  }
  if (cmd == nullptr) {
    // No verb at all: the first word that is neither an option nor an option's value was meant as one.
    auto word = args.end();
    for (auto w = args.begin(); w != args.end() && word == args.end(); ++w) {
      bool value = w != args.begin() && (w - 1)->starts_with("--") && (w - 1)->find('=') == std::string::npos;
      if (!w->starts_with("-") && !value) word = w;
    }
    if (word == args.end()) return {};
    std::vector<std::string> verbs;
    for (auto* sub : app.get_subcommands([](CLI::App*) { return true; })) verbs.push_back(sub->get_name());
    return fmt::format("unknown command '{}'{}: expected one of {}", *word, sweep::did_you_mean(*word, verbs),
                       fmt::join(verbs, ", "));
  }
  if (cmd->get_option_no_throw("--sweep-cfg") == nullptr) return {};
  auto quote = [](const std::string& w) { return w.find_first_of(" \t\"'[]{}$") == std::string::npos ? w : "'" + w + "'"; };
  std::vector<std::string> before(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(verb));
  std::vector<std::string> after(args.begin() + static_cast<std::ptrdiff_t>(verb) + 1, args.end());
  bool has_sweep_cfg = false;
  for (auto& w : args) has_sweep_cfg = has_sweep_cfg || w == "--sweep-cfg" || w.starts_with("--sweep-cfg=");
  std::string why;
  if (!before.empty()) {
    why = "options go after the verb";
    after.insert(after.begin(), before.begin(), before.end());
  } else if (has_sweep_cfg) {
    return {};
  } else if (auto at = std::find(after.begin(), after.end(), "--cfg"); at != after.end()) {
    why = "the sweep config is given with --sweep-cfg (--cfg is pycls's run_net option for one job's config)";
    *at = "--sweep-cfg";
  } else if (!after.empty() && !after.front().starts_with("-") &&
             (after.front().ends_with(".yaml") || after.front().ends_with(".yml"))) {
    why = "the sweep config is given with --sweep-cfg";
    after.insert(after.begin(), "--sweep-cfg");
  } else {
    return {};
  }
  std::string line = "sweep " + args[verb];
  for (auto& w : after) line += " " + quote(w);
  return fmt::format("did you mean `{}`? ({})", line, why);
}

}  // namespace

int main(int argc, char** argv) {
  keep_standard_fds_open();
  CLI::App app{"sweep: sample, launch, collect and analyse populations of experiment configs"};
  app.set_version_flag("--version", std::string{sweep::version});
  app.require_subcommand(1);
  auto& verbs = sweep::driver::commands();
  std::sort(verbs.begin(), verbs.end(), [](auto& a, auto& b) { return a.order < b.order; });
  for (auto& verb : verbs) verb.add(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    auto code = app.exit(e);
    if (code != 0) {
      if (auto h = hint(app, std::vector<std::string>(argv + 1, argv + argc)); !h.empty()) print_error(h);
    }
    return code;
  } catch (const sweep::driver::exit_error& e) {
    if (!e.message.empty()) print_error(e.message);
    return e.code;
  } catch (const sweep::error& e) {
    // A value an override set is the command line's, not the config file's.
    auto blamed = sweep::blame_override(e, sweep::driver::current_overrides());
    print_error(fmt::format("error: {}", blamed ? blamed->what() : e.what()));
    return 1;
  } catch (const std::exception& e) {
    print_error(fmt::format("error: {}", e.what()));
    return 1;
  } catch (...) {
    print_error("error: unknown exception");
    return 1;
  }
  // Output that never arrived is a failure, as GNU tools treat it (`sweep status >/dev/full`).
  errno = 0;
  if (std::fflush(stdout) != 0 || std::ferror(stdout) != 0) {
    print_error(fmt::format("error: cannot write the output ({})", errno != 0 ? std::strerror(errno) : "write error"));
    return 1;
  }
  return 0;
}
