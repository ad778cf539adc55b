// Seed repeats (SETUP.REPEATS): a config run k times with different training
// seeds. Its jobs share cfg.DESC (the config's key; setup gives distinct
// configs distinct keys) and differ in cfg.RNG_SEED, so they are found in any
// sweep.json, including an extra sweep's. The analysis stands each config for one point at its mean
// error; the spread of its runs is what the seed alone changes, and the
// bootstrap band around the EDF of the means says how far that EDF could move
// with other seeds and another sample of configs.
#pragma once

#include <sweep/analyze/metrics.hpp>
#include <sweep/analyze/statistics.hpp>
#include <sweep/analyze/sweep_data.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sweep {

namespace detail {

inline double sample_sd(const std::vector<double>& v) {
  if (v.size() < 2) return 0;
  double mean = 0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return std::sqrt(ss / static_cast<double>(v.size() - 1));
}

}  // namespace detail

/// @brief One config's runs: its key, its jobs (file order) and their errors, and their statistics.
struct repeat_group {
  std::string desc;                // cfg.DESC, the config's key
  std::vector<std::string> ids;    // its jobs
  std::vector<double> errors;      // their errors, in the same order
  double mean = 0, sd = 0, min = 0, max = 0;  // sd: the sample standard deviation (0 for one run)
};

/// @brief The configs of one sweep and how their runs spread.
struct repeat_summary {
  std::string sweep;                 // the sweep's name
  std::vector<repeat_group> groups;  // one per config, in the order of their first job
  std::size_t jobs = 0;              // analysed runs over all configs

  /// @brief Whether some config has more than one run (else the sweep is analysed job by job).
  [[nodiscard]] bool repeated() const noexcept { return groups.size() < jobs; }
  /// @brief The most runs of one config.
  [[nodiscard]] std::size_t most_runs() const noexcept {
    std::size_t k = 0;
    for (auto& g : groups) k = std::max(k, g.ids.size());
    return k;
  }
  /// @brief The seeds' standard deviation pooled over the configs (each weighted by its runs - 1).
  [[nodiscard]] double seed_sd() const {
    double ss = 0, dof = 0;
    for (auto& g : groups) {
      if (g.ids.size() < 2) continue;
      ss += g.sd * g.sd * static_cast<double>(g.ids.size() - 1);
      dof += static_cast<double>(g.ids.size() - 1);
    }
    return dof > 0 ? std::sqrt(ss / dof) : std::nan("");
  }
  /// @brief The standard deviation of the configs' mean errors.
  [[nodiscard]] double config_sd() const {
    std::vector<double> means;
    for (auto& g : groups) means.push_back(g.mean);
    return detail::sample_sd(means);
  }
};


namespace detail {

inline void describe_group(repeat_group& g) {
  double sum = 0;
  for (double e : g.errors) sum += e;
  g.mean = sum / static_cast<double>(g.errors.size());
  g.sd = sample_sd(g.errors);
  g.min = *std::min_element(g.errors.begin(), g.errors.end());
  g.max = *std::max_element(g.errors.begin(), g.errors.end());
}

}  // namespace detail

/// @brief The text of a job's config field (dotted key under cfg), "" when it has none.
inline std::string cfg_text(const job& j, std::string_view key) {
  const auto* field = j.field(key);
  if (field == nullptr) return {};
  return field->is_string() ? field->get<std::string>() : field->dump();
}

/// @brief Groups the sweep's jobs by config and, when some config has several runs, makes the sweep one
/// job per config: its first run's record, with the mean error of its runs. Other metrics are the first
/// run's (a config's parameters are the same in all). Runs of one config share a non-empty cfg.DESC (its
/// key) and differ in cfg.RNG_SEED, as SETUP.REPEATS writes them; jobs sharing a DESC without distinct
/// seeds (a program that logs one DESC for all) are configs of their own.
inline repeat_summary average_repeats(sweep_data& sweep) {
  repeat_summary out;
  out.sweep = sweep.name;
  out.jobs = sweep.jobs.size();
  std::unordered_map<std::string, std::size_t> index;
  std::vector<std::vector<std::size_t>> members;
  for (std::size_t i = 0; i < sweep.jobs.size(); ++i) {
    auto desc = cfg_text(sweep.jobs[i], "cfg.DESC");
    auto [it, fresh] = desc.empty() ? std::pair{index.end(), true} : index.try_emplace(desc, members.size());
    if (fresh) members.emplace_back();
    members[desc.empty() ? members.size() - 1 : it->second].push_back(i);
  }
  std::vector<std::vector<std::size_t>> configs;
  for (auto& m : members) {
    std::vector<std::string> seeds;
    for (auto i : m) seeds.push_back(cfg_text(sweep.jobs[i], "cfg.RNG_SEED"));
    std::sort(seeds.begin(), seeds.end());
    bool distinct = std::adjacent_find(seeds.begin(), seeds.end()) == seeds.end() && !seeds.front().empty();
    if (m.size() == 1 || distinct) {
      configs.push_back(std::move(m));
    } else {
      for (auto i : m) configs.push_back({i});
    }
  }
  std::sort(configs.begin(), configs.end(), [](auto& a, auto& b) { return a.front() < b.front(); });
  for (auto& m : configs) {
    auto& g = out.groups.emplace_back();
    g.desc = cfg_text(sweep.jobs[m.front()], "cfg.DESC");
    for (auto i : m) {
      g.ids.push_back(sweep.jobs[i].id);
      g.errors.push_back(sweep.jobs[i].error);
    }
    detail::describe_group(g);
  }
  if (!out.repeated()) return out;
  std::vector<job> averaged;
  averaged.reserve(configs.size());
  for (std::size_t k = 0; k < configs.size(); ++k) {
    averaged.push_back(sweep.jobs[configs[k].front()]);
    averaged.back().error = out.groups[k].mean;
  }
  sweep.jobs = std::move(averaged);
  return out;
}

/// @brief A pointwise confidence band around an EDF: at each x, the low and high percentiles of the
/// bootstrap EDFs' values.
struct edf_band {
  double level = 95;  // percent inside the band
  std::vector<double> x, low, high;
};

/// @brief The band around the EDF of the configs' mean errors, by a two-stage bootstrap: each resample
/// draws the configs with replacement, then each drawn config's runs with replacement, and takes their
/// mean (so both the choice of configs and the seeds vary); the EDF of the means is read at `points`
/// evenly spaced errors. Seeded by `opt.seed`; `opt.resamples` (at most 1000) resamples.
inline edf_band bootstrap_edf_band(const std::vector<repeat_group>& groups, const bootstrap_options& opt, std::size_t points = 200) {
  edf_band band;
  band.level = 100 - opt.alpha;
  if (groups.empty()) return band;
  double lo = INFINITY, hi = -INFINITY;
  for (auto& g : groups) {
    lo = std::min(lo, g.min);
    hi = std::max(hi, g.max);
  }
  points = hi > lo ? std::max<std::size_t>(points, 2) : 1;
  for (std::size_t p = 0; p < points; ++p) {
    band.x.push_back(points == 1 ? lo : lo + (hi - lo) * static_cast<double>(p) / static_cast<double>(points - 1));
  }
  auto resamples = static_cast<std::size_t>(std::clamp(opt.resamples, 1, 1000));
  std::mt19937_64 engine(opt.seed);
  std::size_t n = groups.size();
  // edf_values[p * resamples + b]: the EDF of resample b at x[p]
  std::vector<double> edf_values(points * resamples);
  std::vector<std::size_t> counts(points);
  for (std::size_t b = 0; b < resamples; ++b) {
    std::fill(counts.begin(), counts.end(), 0);
    for (std::size_t k = 0; k < n; ++k) {
      const auto& g = groups[uniform_index(engine, n)];
      double sum = 0;
      for (std::size_t r = 0; r < g.errors.size(); ++r) sum += g.errors[uniform_index(engine, g.errors.size())];
      double mean = sum / static_cast<double>(g.errors.size());
      // the first grid point at or above the mean: the EDF counts it from there on
      auto at = static_cast<std::size_t>(std::lower_bound(band.x.begin(), band.x.end(), mean) - band.x.begin());
      if (at < points) ++counts[at];
    }
    std::size_t running = 0;
    for (std::size_t p = 0; p < points; ++p) {
      running += counts[p];
      edf_values[p * resamples + b] = static_cast<double>(running) / static_cast<double>(n);
    }
  }
  for (std::size_t p = 0; p < points; ++p) {
    std::vector<double> at(edf_values.begin() + static_cast<std::ptrdiff_t>(p * resamples),
                           edf_values.begin() + static_cast<std::ptrdiff_t>((p + 1) * resamples));
    band.low.push_back(percentile(at, opt.alpha / 2));
    band.high.push_back(percentile(std::move(at), 100 - opt.alpha / 2));
  }
  return band;
}

/// @brief How far apart two configs' mean errors must be for k runs each to tell them apart (95%, a
/// normal approximation with the pooled seed spread): 1.96 x seed_sd x sqrt(2 / k).
inline double seed_resolution(const repeat_summary& s) {
  auto k = static_cast<double>(std::max<std::size_t>(1, s.most_runs()));
  return 1.96 * s.seed_sd() * std::sqrt(2.0 / k);
}

}  // namespace sweep
