// Shared by the launch tests: a throw-away sweep folder with N job configs and
// small shell programs standing in for trainers, sbatch, srun and scontrol.
#pragma once

#include <sweep/config/sweep_config.hpp>

#include "../support/files.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <unistd.h>

namespace launch_test {

namespace fs = std::filesystem;

/// @brief A fresh temporary folder, removed at the end of the test.
struct temp_dir : sweep_test::temp_dir {
  temp_dir() : sweep_test::temp_dir("sweep-launch-test") {}
};

inline void write_file(const fs::path& p, const std::string& text, bool executable = false) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
  if (executable) fs::permissions(p, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
}

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline std::size_t lines_of(const fs::path& p) {
  auto text = read_file(p);
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

/// @brief A sweep config over root/name with `n` job configs written as setup would.
inline sweep::sweep_config make_sweep(const fs::path& root, const std::string& name, int n, const std::string& command) {
  sweep::sweep_config cfg;
  cfg.root_dir = root.string();
  cfg.name = name;
  cfg.launch.command = command;
  cfg.launch.local_jobs = 2;
  cfg.launch.max_retry = 2;
  std::string summary = n == 0 ? "{}\n" : "";
  for (int i = 0; i < n; ++i) {
    write_file(root / name / "cfgs" / fmt::format("{:06d}.yaml", i), fmt::format("X: {}\n", i));
    summary += fmt::format("{:06d}.yaml: X {}\n", i, i);
  }
  write_file(root / name / "cfgs_summary.yaml", summary);
  return cfg;
}

/// @brief Sets an environment variable for the test's lifetime.
struct scoped_env {
  std::string name;
  std::string old;
  bool had;
  scoped_env(std::string n, const std::string& value) : name(std::move(n)) {
    const char* o = std::getenv(name.c_str());
    had = o != nullptr;
    if (had) old = o;
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  ~scoped_env() {
    if (had) ::setenv(name.c_str(), old.c_str(), 1);
    else ::unsetenv(name.c_str());
  }
};

/// @brief Splits a file of NUL-terminated arguments (what `printf '%s\0' "$@"` writes).
inline std::vector<std::string> read_args(const fs::path& p) {
  std::vector<std::string> args;
  std::string text = read_file(p), cur;
  for (char c : text) {
    if (c == '\0') args.push_back(cur), cur.clear();
    else cur += c;
  }
  return args;
}

}  // namespace launch_test
