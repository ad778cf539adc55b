// The launch lock (logs/.launch.lock): whoever launches a sweep holds it
// exclusively while it does (a local launcher for the whole run, a cluster
// submission while it submits), so two launches never run one sweep at once,
// and `status` can tell whether a launcher is alive without trusting pid
// files. The holder writes its pid into the file, for `sweep cancel`.
#pragma once

#include <sweep/base/lock.hpp>

#include <cstdlib>
#include <filesystem>
#include <optional>

#include <unistd.h>

namespace sweep {

/// @brief True while some process holds the sweep's launch lock (a launch is running); see lock_held.
inline bool launcher_active(const std::filesystem::path& lock_path) { return lock_held(lock_path); }

/// @brief The pid of the process holding the launch lock, if one does.
inline std::optional<pid_t> launcher_pid(const std::filesystem::path& lock_path) {
  if (!launcher_active(lock_path)) return std::nullopt;
  long pid = std::strtol(first_line_of(lock_path).c_str(), nullptr, 10);
  if (pid <= 0) return std::nullopt;
  return static_cast<pid_t>(pid);
}

}  // namespace sweep
