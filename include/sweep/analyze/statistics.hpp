// Statistics over a sweep: empirical-bootstrap "good ranges" (pycls's
// get_filters) and range filters (pycls's apply_filters). The bootstrap is
// seeded so the same sweep.json and seed give the same report.
#pragma once

#include <sweep/analyze/metrics.hpp>
#include <sweep/analyze/sweep_data.hpp>
#include <sweep/config/sweep_config.hpp>
#include <sweep/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace sweep {

/// @brief A metric's good range: 2.5th percentile, median ("best") and 97.5th percentile.
using good_range = std::array<double, 3>;

/// @brief Options of the empirical bootstrap (pycls's defaults).
struct bootstrap_options {
  int resamples = 2500;     // b
  double sample = 0.25;     // fraction of the jobs per resample (a count when > 1)
  double alpha = 5;         // percent outside the range, split between the two ends
  std::uint64_t seed = 0;
};

/// @brief numpy's default ("linear") percentile of values, p in [0, 100]; NaN if empty.
inline double percentile(std::vector<double> samples, double p) {
  std::erase_if(samples, [](double v) { return std::isnan(v); });
  if (samples.empty()) return std::nan("");
  std::sort(samples.begin(), samples.end());
  double h = (static_cast<double>(samples.size()) - 1) * p / 100.0;
  auto lo = static_cast<std::size_t>(std::floor(h));
  auto hi = std::min(lo + 1, samples.size() - 1);
  return samples[lo] + (h - static_cast<double>(lo)) * (samples[hi] - samples[lo]);
}

/// @brief A uniform index in [0, n) from a 64-bit draw, by multiply-shift: the same on every standard library,
/// unlike std::uniform_int_distribution, so bootstrap figures repeat across machines.
inline std::size_t uniform_index(std::mt19937_64& engine, std::size_t n) {
  __extension__ using wide = unsigned __int128;  // __extension__: a GCC/Clang type, no -Wpedantic noise
  return static_cast<std::size_t>((static_cast<wide>(engine()) * n) >> 64);
}

/// @brief The index of the best job (lowest error) of each bootstrap resample of `opt.sample` jobs drawn
/// with replacement. The best of m uniform draws is drawn directly, not by drawing the m jobs: its rank r
/// among the jobs sorted by error (best first) has P(rank > r) = ((n - 1 - r) / n)^m, so one uniform u gives
/// r = floor(n - 1 - n (1 - u)^(1/m)) + 1; among jobs of equal error the draw is uniform, as the first
/// drawn of them wins in a resample. The same distribution as m draws per resample, in O(n log n + b)
/// instead of O(b m) (2500 resamples of 25,000 jobs: 62 million draws at 100,000 jobs). A NaN error
/// ranks last: it is the best only of a resample of NaNs.
inline std::vector<std::size_t> bootstrap_best(const std::vector<double>& errors, const bootstrap_options& opt = {}) {
  if (errors.empty()) throw error("the bootstrap needs at least one job");
  std::size_t n = errors.size();
  double m = opt.sample > 1 ? std::floor(opt.sample) : std::max(1.0, std::floor(static_cast<double>(n) * opt.sample));
  std::vector<std::size_t> by_error(n);
  std::iota(by_error.begin(), by_error.end(), std::size_t{0});
  auto better = [&](std::size_t a, std::size_t b) { return errors[a] < errors[b] || (std::isnan(errors[b]) && !std::isnan(errors[a])); };
  std::stable_sort(by_error.begin(), by_error.end(), better);
  std::mt19937_64 engine(opt.seed);
  auto nd = static_cast<double>(n);
  std::vector<std::size_t> best(static_cast<std::size_t>(std::max(opt.resamples, 1)));
  for (auto& b : best) {
    double u = static_cast<double>(engine() >> 11) * 0x1.0p-53;  // [0, 1), 53 bits, the same everywhere
    double x = std::floor(nd - 1 - nd * std::pow(1 - u, 1 / m)) + 1;
    auto rank = static_cast<std::size_t>(std::clamp(x, 0.0, nd - 1));
    // The jobs tied with this rank's error (NaNs tie with each other): one of them, uniformly.
    auto tied = [&](std::size_t i) { return !better(by_error[rank], i) && !better(i, by_error[rank]); };
    auto first = std::partition_point(by_error.begin(), by_error.begin() + static_cast<std::ptrdiff_t>(rank),
                                      [&](std::size_t i) { return !tied(i); });
    auto last = std::partition_point(by_error.begin() + static_cast<std::ptrdiff_t>(rank), by_error.end(), tied);
    b = first[static_cast<std::ptrdiff_t>(uniform_index(engine, static_cast<std::size_t>(last - first)))];
  }
  return best;
}

/// @brief The good range of one metric's values given the bootstrap's best jobs.
inline good_range good_range_of(const std::vector<double>& samples, const std::vector<std::size_t>& best,
                                double alpha = 5) {
  std::vector<double> picked;
  picked.reserve(best.size());
  for (auto i : best) picked.push_back(samples[i]);
  return {percentile(picked, alpha / 2), percentile(picked, 50), percentile(picked, 100 - alpha / 2)};
}

/// @brief pycls's get_filters: a good range per metric from one shared set of bootstrap resamples.
inline std::vector<good_range> good_ranges(const sweep_data& sweep, const std::vector<metric_info>& metrics,
                                           const bootstrap_options& opt = {}) {
  std::vector<double> errors;
  for (auto& j : sweep.jobs) errors.push_back(j.error);
  if (errors.empty()) throw error({sweep.file, 0}, sweep.name, "cannot bootstrap an empty sweep");
  auto best = bootstrap_best(errors, opt);
  std::vector<good_range> out;
  for (auto& m : metrics) out.push_back(good_range_of(metric_numbers(sweep, m), best, opt.alpha));
  return out;
}

/// @brief pycls's apply_filters: keeps the jobs with min <= metric <= max for every filter.
inline sweep_data apply_filters(const sweep_data& sweep, const filter_set& filters,
                                std::string_view error_key = "test_ema_epoch.min_top1_err") {
  sweep_data out{sweep.name, sweep.file, {}, sweep.skipped};
  std::vector<metric_info> infos;
  for (auto& f : filters) infos.push_back(get_metric_info(f.first, error_key));
  for (auto& j : sweep.jobs) {
    bool keep = true;
    for (std::size_t k = 0; k < filters.size() && keep; ++k) {
      double v = job_number(j, infos[k]);
      keep = filters[k].second[0] <= v && v <= filters[k].second[2];  // NaN (missing) fails
    }
    if (keep) out.jobs.push_back(j);
  }
  return out;
}

}  // namespace sweep
