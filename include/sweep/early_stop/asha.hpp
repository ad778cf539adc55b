// Asynchronous successive halving (ASHA, Li et al. 2018) as a rule on numbers:
// where the rungs are, and whether a job that reached a rung goes on. It knows
// no files: early_stop/decisions.hpp applies it to a sweep folder, and
// early_stop/simulate.hpp to a collected sweep.json.
#pragma once

#include <sweep/config/sweep_config.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace sweep {

/// @brief EARLY_STOP read for deciding: the metric (record, field), its direction and the rungs.
struct asha_policy {
  std::string record;  // e.g. test_ema_epoch
  std::string field;   // e.g. min_top1_err
  bool maximize = false;
  std::int64_t min_epochs = 1;
  std::int64_t eta = 3;
  std::int64_t num_rungs = 0;  // 0: every rung below a job's last epoch

  /// @brief From a checked config (check_early_stop_options): EARLY_STOP.METRIC, or else ANALYZE.ERROR.
  static asha_policy from(const sweep_config& cfg) {
    const auto& e = cfg.early_stop;
    const auto& metric = e.metric.empty() ? cfg.analyze.error : e.metric;
    auto dot = metric.find('.');
    return {metric.substr(0, dot), metric.substr(dot + 1), e.mode == "max", e.min_epochs, e.reduction_factor, e.num_rungs};
  }

  [[nodiscard]] std::string metric() const { return record + "." + field; }

  /// @brief The epochs of the rungs a job of `epoch_max` epochs meets, in order: MIN_EPOCHS * eta^r below
  /// epoch_max (a job at its last epoch has nothing left to save), at most NUM_RUNGS of them.
  [[nodiscard]] std::vector<std::int64_t> rungs(std::int64_t epoch_max) const {
    std::vector<std::int64_t> out;
    for (std::int64_t e = min_epochs; e < epoch_max && (num_rungs == 0 || static_cast<std::int64_t>(out.size()) < num_rungs);
         e *= eta) {
      out.push_back(e);
      if (e > std::numeric_limits<std::int64_t>::max() / eta) break;
    }
    return out;
  }

  /// @brief A value in the direction "lower is better": NaN (a diverged job, a missing value) is the worst.
  [[nodiscard]] double cost(double value) const {
    if (std::isnan(value)) return std::numeric_limits<double>::infinity();
    return maximize ? -value : value;
  }
};

/// @brief A rung's verdict on one job.
struct asha_verdict {
  bool promoted = false;
  std::size_t rank = 0;     // 1-based among the jobs at the rung (ties share the better rank)
  std::size_t kept = 0;     // how many of them go on: max(1, n / eta)
  std::size_t reached = 0;  // n: the jobs at the rung so far, this one included
};

/// @brief Whether a job with `value` at a rung goes on, among `others` (the values of the jobs that reached the
/// rung before it): it must be in the top n / eta of the n jobs there; while n < eta, only a job at least as good
/// as every other goes on (Optuna's SuccessiveHalvingPruner rule: a job is never paused to wait for more).
inline asha_verdict asha_decide(const asha_policy& p, double value, const std::vector<double>& others) {
  asha_verdict v;
  v.reached = others.size() + 1;
  v.kept = std::max<std::size_t>(1, v.reached / static_cast<std::size_t>(p.eta));
  auto mine = p.cost(value);
  v.rank = 1 + static_cast<std::size_t>(std::count_if(others.begin(), others.end(), [&](double o) { return p.cost(o) < mine; }));
  v.promoted = v.rank <= v.kept && !std::isinf(mine);
  return v;
}

/// @brief Why a job stops at a rung, as STOPPED_EARLY and the job's stderr.log say it.
inline std::string asha_stop_reason(const asha_policy& p, std::size_t rung, std::int64_t epoch, double value,
                                    const asha_verdict& v) {
  return fmt::format("rung {} epoch {}: {} {} ranks {} of the {} jobs at this rung; the best {} go on (REDUCTION_FACTOR {})",
                     rung, epoch, p.metric(), value, v.rank, v.reached, v.kept, p.eta);
}

}  // namespace sweep
