// Checking a sweep config's values, one function per stage, run on both routes:
// the YAML loader reads types and keys, and each stage checks the values it
// uses when it starts (sweep::setup, launch, collect, analyze), so a sweep
// written as code is held to the same rules and `sweep analyze` never asks for
// keys only setup reads. Errors name the file, the line the key was written on
// (when loaded from YAML) and the key path.
#pragma once

#include <sweep/base/paths.hpp>
#include <sweep/config/sweep_config.hpp>
#include <sweep/error.hpp>
#include <sweep/value.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <utility>

namespace sweep {

/// @brief Raises sweep::error for a key of a config: `file:line: KEY.PATH: message`.
class config_checker {
 public:
  explicit config_checker(const sweep_config& cfg) : cfg_(cfg) {}

  /// @brief Where `key_path` ("LAUNCH.SLURM.SBATCH_ARGS[1]") was written (line 0 when it was not, or
  /// the config is code).
  [[nodiscard]] source_location where(std::string_view key_path) const {
    int line = 0;
    const value* node = cfg_.source.get();
    for (std::size_t at = 0; node != nullptr && at < key_path.size();) {
      auto end = key_path.find_first_of(".[", at);
      auto part = key_path.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
      if (!part.empty()) node = node->is_map() ? node->find(part) : nullptr;
      if (node != nullptr && end != std::string_view::npos && key_path[end] == '[') {
        std::size_t index = 0;
        auto close = key_path.find(']', end);
        for (auto i = end + 1; i < close && i < key_path.size(); ++i) index = index * 10 + static_cast<std::size_t>(key_path[i] - '0');
        node = node->is_list() && index < node->as_list().size() ? &node->as_list()[index] : nullptr;
        end = close == std::string_view::npos ? close : close + 1;
      }
      at = end == std::string_view::npos ? key_path.size() : end + (end < key_path.size() && key_path[end] == '.' ? 1 : 0);
    }
    if (node != nullptr && node != cfg_.source.get()) line = node->line();
    return {cfg_.file, line};
  }

  [[noreturn]] void fail(const std::string& key_path, std::string message) const {
    throw error(where(key_path), key_path, std::move(message));
  }

  void require(bool ok, const std::string& key_path, std::string_view message) const {
    if (!ok) fail(key_path, std::string(message));
  }

  [[nodiscard]] const sweep_config& config() const noexcept { return cfg_; }

 private:
  const sweep_config& cfg_;
};

/// @brief The most threads NUM_PROC may ask for.
inline constexpr std::int64_t max_num_proc = 1024;
/// @brief The most jobs SETUP.REPEATS may run per config (seeds: a few are the point, not thousands).
inline constexpr std::int64_t max_repeats = 1000;
/// @brief The most jobs one sweep may have (NUM_CONFIGS x REPEATS).
inline constexpr std::int64_t max_jobs = 100000000;

/// @brief ROOT_DIR, NAME (stays inside ROOT_DIR: relative, no "..", no control characters), NUM_PROC.
inline void check_common_options(const sweep_config& cfg) {
  config_checker c(cfg);
  c.require(!cfg.root_dir.empty(), "ROOT_DIR", "must not be empty: expected the folder sweeps go in");
  const auto& name = cfg.name;
  c.require(!name.empty(), "NAME", "is required: expected the sweep's name, e.g. cifar/cifar_optim");
  auto why = relative_path_problem(name, "ROOT_DIR");
  c.require(why.empty(), "NAME", why);
  c.require(cfg.num_proc >= 1, "NUM_PROC", fmt::format("expected at least 1, got {}", cfg.num_proc));
  // NUM_PROC is a number of threads (setup, collect); NUM_PROC x CHUNK_SIZE must also stay far from int64's end
  c.require(cfg.num_proc <= max_num_proc, "NUM_PROC",
            fmt::format("expected at most {} (a number of threads), got {}", max_num_proc, cfg.num_proc));
}

/// @brief SETUP: counts, seed, BASE_CFG and SAMPLERS shapes, constraints.
inline void check_setup_options(const sweep_config& cfg) {
  config_checker c(cfg);
  const auto& s = cfg.setup;
  bool finite_space = !s.space.is_null();
  c.require(s.num_configs > 0 || (finite_space && s.num_configs == 0), "SETUP.NUM_CONFIGS",
            fmt::format("expected a number of configs > 0, got {}", s.num_configs));
  c.require(s.num_samples >= 1, "SETUP.NUM_SAMPLES", fmt::format("expected at least 1, got {}", s.num_samples));
  c.require(s.chunk_size >= 1, "SETUP.CHUNK_SIZE", fmt::format("expected at least 1, got {}", s.chunk_size));
  // pycls draws whole chunks: a chunk above NUM_SAMPLES would draw past it, up to CHUNK_SIZE x NUM_PROC.
  c.require(s.chunk_size <= s.num_samples || s.num_samples < 1, "SETUP.CHUNK_SIZE",
            fmt::format("expected at most SETUP.NUM_SAMPLES ({}), got {}: candidates are drawn in whole chunks, so "
                        "NUM_SAMPLES would not bound the work; lower CHUNK_SIZE (pycls's default is 5000)",
                        s.num_samples, s.chunk_size));
  c.require(s.rng_seed >= 0 && s.rng_seed <= 0xFFFFFFFFLL, "SETUP.RNG_SEED",
            fmt::format("expected a seed in [0, 2**32 - 1], got {}", s.rng_seed));
  c.require(s.repeats >= 1, "SETUP.REPEATS",
            fmt::format("expected at least 1 (jobs per config, each with its own RNG_SEED), got {}", s.repeats));
  c.require(s.repeats <= max_repeats, "SETUP.REPEATS",
            fmt::format("expected at most {} (jobs per config, each with its own RNG_SEED), got {}", max_repeats, s.repeats));
  // NUM_CONFIGS x REPEATS jobs: far below int64's end, and numbered with the job configs' six digits and more
  c.require(s.repeats < 1 || s.repeats > max_repeats || s.num_configs <= max_jobs / s.repeats, "SETUP.REPEATS",
            fmt::format("NUM_CONFIGS ({}) x REPEATS ({}) jobs: expected at most {} jobs in all", s.num_configs,
                        s.repeats, max_jobs));
  c.require(s.base_cfg.is_null() || s.base_cfg.is_map(), "SETUP.BASE_CFG", "expected a map (the job's config)");
  c.require(s.samplers.is_null() || s.samplers.is_map(), "SETUP.SAMPLERS", "expected a map: dotted key -> sampler");
  auto check_cx = [&](const char* key, const std::array<double, 2>& range) {
    auto path = std::string("SETUP.CONSTRAINTS.CX.") + key;
    c.require(range[0] >= 0 && range[1] >= 0, path, "expected [low, high] with bounds >= 0 (0: no bound)");
    c.require(range[1] == 0 || range[0] <= range[1], path,
              fmt::format("low {} is greater than high {}: expected [low, high]", range[0], range[1]));
  };
  check_cx("FLOPS", s.constraints.cx.flops);
  check_cx("PARAMS", s.constraints.cx.params);
  check_cx("ACTS", s.constraints.cx.acts);
  auto& stages = s.constraints.regnet.num_stages;
  c.require(stages[0] >= 1 && stages[0] <= stages[1], "SETUP.CONSTRAINTS.REGNET.NUM_STAGES",
            fmt::format("expected [low, high] with 1 <= low <= high, got [{}, {}]", stages[0], stages[1]));
}

/// @brief LAUNCH's keys every backend uses (the backend's own keys are its own check: launch/backend.hpp).
inline void check_launch_common_options(const sweep_config& cfg) {
  config_checker c(cfg);
  const auto& l = cfg.launch;
  c.require(l.parallel_jobs >= 1, "LAUNCH.PARALLEL_JOBS", fmt::format("expected at least 1, got {}", l.parallel_jobs));
  c.require(l.max_retry >= 0, "LAUNCH.MAX_RETRY", fmt::format("expected 0 or more, got {}", l.max_retry));
  // The cap keeps deadlines (nanoseconds on a steady clock, int64) far from overflow: 10^7 minutes is 19 years.
  c.require(l.time_limit >= 1 && l.time_limit <= 10'000'000, "LAUNCH.TIME_LIMIT",
            fmt::format("expected 1 to 10000000 minutes (19 years), got {}", l.time_limit));
  c.require(!l.backend.empty(), "LAUNCH.BACKEND", "is empty: expected the name of a launch backend");
}

/// @brief COLLECT's keys (the log format's name is checked against its registry by collect). The file and
/// folder names are joined onto each job's folder, so they must stay inside it (relative_path_problem):
/// collect reads them and deletes checkpoints there.
inline void check_collect_options(const sweep_config& cfg) {
  config_checker c(cfg);
  const auto& o = cfg.collect;
  const auto& keep = o.checkpoints_keep;
  c.require(keep == "all" || keep == "last" || keep == "none", "COLLECT.CHECKPOINTS_KEEP",
            fmt::format("expected one of all, last, none; got '{}'", keep));
  for (auto [key, rel] : {std::pair{"COLLECT.LOG_FILE", &o.log_file}, {"COLLECT.ERR_FILE", &o.err_file},
                          {"COLLECT.CHECKPOINT_DIR", &o.checkpoint_dir}}) {
    auto why = relative_path_problem(*rel, "the job's folder");
    c.require(why.empty(), key, why);
  }
  const auto& prefix = o.checkpoint_prefix;
  c.require(!prefix.empty(), "COLLECT.CHECKPOINT_PREFIX",
            "is empty: expected the part of a checkpoint's file name that marks it, e.g. model_epoch_ (empty would "
            "name every file)");
  bool bad = std::any_of(prefix.begin(), prefix.end(),
                         [](char ch) { return ch == '/' || static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f; });
  c.require(!bad, "COLLECT.CHECKPOINT_PREFIX",
            fmt::format("'{}' has a '/' or a control character: expected part of a file name, e.g. model_epoch_", prefix));
}

/// @brief ANALYZE's keys (section names are checked against their registry by analyze).
inline void check_analyze_options(const sweep_config& cfg) {
  config_checker c(cfg);
  const auto& a = cfg.analyze;
  for (auto [key, count] : {std::pair{"PLOT_CURVES_BEST", a.plot_curves_best}, {"PLOT_CURVES_WORST", a.plot_curves_worst},
                            {"PLOT_MODELS_BEST", a.plot_models_best}, {"PLOT_MODELS_WORST", a.plot_models_worst}}) {
    c.require(count >= 0, std::string("ANALYZE.") + key, fmt::format("expected 0 or more, got {}", count));
  }
  auto check_filters = [&](const std::string& path, const filter_set& filters) {
    for (auto& [metric, range] : filters) {
      c.require(range[0] <= range[2], path + "." + metric,
                fmt::format("min {} is greater than max {}: expected [min, med, max]", range[0], range[2]));
    }
  };
  // Other sweeps under ROOT_DIR, as NAME names this one: subfolders are fine, leaving ROOT_DIR is not.
  for (std::size_t i = 0; i < a.extra_sweep_names.size(); ++i) {
    auto why = relative_path_problem(a.extra_sweep_names[i], "ROOT_DIR");
    c.require(why.empty(), fmt::format("ANALYZE.EXTRA_SWEEP_NAMES[{}]", i), why);
  }
  check_filters("ANALYZE.PRE_FILTERS", a.pre_filters);
  for (auto& [name, filters] : a.split_filters) check_filters("ANALYZE.SPLIT_FILTERS." + name, filters);
}

/// @brief EARLY_STOP's keys (docs/early_stopping.md): checked by launch, `sweep job` and `sweep simulate`.
inline void check_early_stop_options(const sweep_config& cfg) {
  config_checker c(cfg);
  const auto& e = cfg.early_stop;
  c.require(e.type.empty() || e.type == "none" || e.type == "asha", "EARLY_STOP.TYPE",
            fmt::format("expected asha (asynchronous successive halving) or none, got '{}'", e.type));
  if (!e.enabled()) return;
  const auto& metric = e.metric.empty() ? cfg.analyze.error : e.metric;
  auto dot = metric.find('.');
  c.require(dot != std::string::npos && dot > 0 && dot + 1 < metric.size() && metric.find('.', dot + 1) == std::string::npos,
            e.metric.empty() ? "ANALYZE.ERROR" : "EARLY_STOP.METRIC",
            fmt::format("expected record.field of an epoch record (e.g. test_epoch.top1_err), got '{}'", metric));
  c.require(e.mode == "min" || e.mode == "max", "EARLY_STOP.MODE",
            fmt::format("expected min (lower is better, an error) or max (an accuracy), got '{}'", e.mode));
  c.require(e.min_epochs >= 1, "EARLY_STOP.MIN_EPOCHS", fmt::format("expected the first rung's epoch, at least 1, got {}", e.min_epochs));
  c.require(e.reduction_factor >= 2 && e.reduction_factor <= 1000, "EARLY_STOP.REDUCTION_FACTOR",
            fmt::format("expected 2 to 1000 (eta: 1/eta of the jobs pass each rung), got {}", e.reduction_factor));
  c.require(e.num_rungs >= 0 && e.num_rungs <= 60, "EARLY_STOP.NUM_RUNGS",
            fmt::format("expected 0 (every rung below a job's last epoch) to 60, got {}", e.num_rungs));
  c.require(e.check_period > 0 && e.check_period <= 86400, "EARLY_STOP.CHECK_PERIOD",
            fmt::format("expected seconds between two looks at a running job's log, above 0 and at most 86400, got {}",
                        e.check_period));
}

}  // namespace sweep
