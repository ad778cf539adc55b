// A job watch: what a backend asks, while a job runs, whether the job should
// end before its last epoch (early stopping, docs/early_stopping.md). The
// launch stage only calls it; the policy lives in early_stop/, which reads the
// job's logs as collect does and records its decisions in the sweep folder.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace sweep {

/// @brief Asked every `period` for each running job, and once more when a job ended on its own.
struct job_watch {
  /// (job index, the job ended on its own) -> the reason to stop it now, or nothing. When it returns a
  /// reason, the job's STOPPED_EARLY is already written; the backend then ends the job's processes.
  std::function<std::optional<std::string>(std::int64_t index, bool ended)> check;
  std::chrono::milliseconds period{10000};

  [[nodiscard]] explicit operator bool() const { return static_cast<bool>(check); }
};

}  // namespace sweep
