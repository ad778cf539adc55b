// Parameter importance: the share of the error's variance each parameter
// explains on its own, i.e. its functional-ANOVA main effect (the first-order
// Sobol' index, Var(E[error | x]) / Var(error)); Hooker 2007, Hutter, Hoos &
// Leyton-Brown 2014 (fANOVA). Estimated without a surrogate model: each
// parameter's values are cut into equal-count bins and the share is the
// bias-corrected correlation ratio omega^2 (Hays 1963) of the error over the
// bins, so a parameter with no effect scores about 0 rather than (bins-1)/n.
// Percentile-bootstrap intervals (Efron & Tibshirani 1993) resample the jobs.
#pragma once

#include <sweep/analyze/parameters.hpp>
#include <sweep/analyze/statistics.hpp>
#include <sweep/analyze/sweep_data.hpp>
#include <sweep/error.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace sweep {

/// @brief Options of parameter importance.
struct importance_options {
  int bins = 10;          // bins per parameter (fewer when it takes fewer distinct values)
  int resamples = 200;    // bootstrap resamples for the intervals
  double alpha = 5;       // percent outside each interval
  std::uint64_t seed = 0;
};

/// @brief One parameter's main effect: its share of the error's variance and a bootstrap interval.
struct importance_share {
  std::string key;  // the metric name (e.g. "lr") or dotted key
  double share = 0, low = 0, high = 0;
};

/// @brief The main effects of several parameters over one set of jobs.
struct importance_result {
  std::vector<importance_share> shares;  // in the order the parameters were given
  /// @brief 1 - the sum of the shares: interactions between parameters and noise.
  importance_share rest{"interactions and noise", 0, 0, 0};
  std::size_t jobs = 0;
};

namespace detail {

/// @brief Equal-count bins of `values`: one per distinct value when there are at most `bins`,
/// else cut at the sorted values' quantiles (ties stay in one bin). NaN gets a bin of its own.
inline std::vector<std::uint32_t> importance_bins(const std::vector<double>& values, int bins, std::uint32_t& count) {
  std::vector<double> sorted;
  sorted.reserve(values.size());
  for (double v : values) {
    if (!std::isnan(v)) sorted.push_back(v);
  }
  std::sort(sorted.begin(), sorted.end());
  std::vector<double> distinct = sorted;
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  std::vector<double> edges;  // bin k holds edges[k-1] <= v < edges[k]
  if (distinct.size() <= static_cast<std::size_t>(bins)) {
    if (!distinct.empty()) edges.assign(distinct.begin() + 1, distinct.end());
  } else {
    for (int k = 1; k < bins; ++k) edges.push_back(sorted[sorted.size() * static_cast<std::size_t>(k) / static_cast<std::size_t>(bins)]);
    edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  }
  auto nan_bin = static_cast<std::uint32_t>(edges.size() + 1);
  count = nan_bin + 1;
  std::vector<std::uint32_t> out(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    out[i] = std::isnan(values[i]) ? nan_bin
                                   : static_cast<std::uint32_t>(std::upper_bound(edges.begin(), edges.end(), values[i]) - edges.begin());
  }
  return out;
}

/// @brief omega^2 of the error over bins from per-bin counts, sums and the total sum of squares.
inline double omega_squared(const std::vector<double>& n, const std::vector<double>& sum, double total_n, double total_sum,
                            double total_sq) {
  double mean = total_sum / total_n;
  double sst = total_sq - total_sum * mean;
  if (!(sst > 1e-12 * std::max(1.0, total_sq))) return 0;  // a constant error: nothing to explain
  double ssb = 0;
  int groups = 0;
  for (std::size_t b = 0; b < n.size(); ++b) {
    if (n[b] == 0) continue;
    ++groups;
    ssb += sum[b] * sum[b] / n[b];
  }
  ssb -= total_sum * mean;
  if (groups < 2 || total_n <= groups) return 0;
  double msw = (sst - ssb) / (total_n - groups);
  return std::clamp((ssb - (groups - 1) * msw) / (sst + msw), 0.0, 1.0);
}

}  // namespace detail

/// @brief The main effect of each column of `params` (one value per job, NaN when missing) on
/// `errors`: omega^2 over equal-count bins, with percentile-bootstrap intervals over resampled jobs.
/// @sa docs/report.md#importance
inline importance_result main_effects(const std::vector<double>& errors, const std::vector<std::vector<double>>& params,
                                      const std::vector<std::string>& keys, const importance_options& opt = {}) {
  if (params.size() != keys.size()) throw error("main_effects: one key per parameter column expected");
  std::size_t n = errors.size();
  importance_result out;
  out.jobs = n;
  std::size_t p = params.size();
  std::vector<std::vector<std::uint32_t>> bins(p);
  std::vector<std::uint32_t> counts(p);
  for (std::size_t k = 0; k < p; ++k) {
    if (params[k].size() != n) throw error("main_effects: every parameter column needs one value per job");
    bins[k] = detail::importance_bins(params[k], std::max(opt.bins, 2), counts[k]);
  }
  // One pass over a (re)sample: weights w[i] = how often job i was drawn.
  std::vector<std::vector<double>> bn(p), bs(p);
  auto shares_of = [&](const std::vector<double>* w, std::vector<double>& into) {
    double tn = 0, ts = 0, tq = 0;
    for (std::size_t k = 0; k < p; ++k) {
      bn[k].assign(counts[k], 0.0);
      bs[k].assign(counts[k], 0.0);
    }
    for (std::size_t i = 0; i < n; ++i) {
      double wi = w ? (*w)[i] : 1.0;
      if (wi == 0) continue;
      double e = errors[i];
      tn += wi;
      ts += wi * e;
      tq += wi * e * e;
      for (std::size_t k = 0; k < p; ++k) {
        bn[k][bins[k][i]] += wi;
        bs[k][bins[k][i]] += wi * e;
      }
    }
    into.resize(p);
    for (std::size_t k = 0; k < p; ++k) into[k] = n < 3 ? 0.0 : detail::omega_squared(bn[k], bs[k], tn, ts, tq);
  };
  std::vector<double> point;
  shares_of(nullptr, point);
  double point_sum = 0;
  for (double s : point) point_sum += s;

  std::vector<std::vector<double>> draws(p + 1);
  if (n >= 3 && opt.resamples > 0) {
    std::mt19937_64 engine(opt.seed);
    std::vector<double> w(n), shares;
    for (int r = 0; r < opt.resamples; ++r) {
      std::fill(w.begin(), w.end(), 0.0);
      for (std::size_t i = 0; i < n; ++i) w[uniform_index(engine, n)] += 1;
      shares_of(&w, shares);
      double sum = 0;
      for (std::size_t k = 0; k < p; ++k) {
        draws[k].push_back(shares[k]);
        sum += shares[k];
      }
      draws[p].push_back(std::max(0.0, 1 - sum));
    }
  }
  auto interval = [&](std::size_t k, double at) -> std::pair<double, double> {
    if (draws[k].empty()) return {at, at};
    return {percentile(draws[k], opt.alpha / 2), percentile(draws[k], 100 - opt.alpha / 2)};
  };
  for (std::size_t k = 0; k < p; ++k) {
    auto [lo, hi] = interval(k, point[k]);
    out.shares.push_back({keys[k], point[k], lo, hi});
  }
  out.rest.share = std::max(0.0, 1 - point_sum);
  std::tie(out.rest.low, out.rest.high) = interval(p, out.rest.share);
  return out;
}

/// @brief A sweep's parameter importance: over all its jobs, and over the jobs inside every
/// parameter's bootstrap good range (the region the best jobs come from; optuna #4985).
struct sweep_importance {
  importance_result overall;
  importance_result good;                 // empty shares when fewer than `min_jobs` jobs are inside
  std::vector<std::array<double, 2>> ranges;  // each parameter's good range [2.5 %, 97.5 %]
  std::size_t good_jobs = 0;
};

/// @brief Importance of `params` for `sweep` (see main_effects); the good range is the bootstrap's
/// (good_ranges' resamples of the best jobs, `boot`), as the Metrics section draws it.
inline sweep_importance importance_of(const sweep_data& sweep, const std::vector<sweep_parameter>& params,
                                      const importance_options& opt = {}, const bootstrap_options& boot = {},
                                      std::size_t min_jobs = 20) {
  sweep_importance out;
  std::vector<double> errors;
  errors.reserve(sweep.jobs.size());
  for (auto& j : sweep.jobs) errors.push_back(j.error);
  std::vector<std::vector<double>> columns;
  std::vector<std::string> keys;
  for (auto& p : params) {
    columns.push_back(parameter_values(sweep.jobs, p).values);
    keys.push_back(p.info.name);
  }
  out.overall = main_effects(errors, columns, keys, opt);
  if (errors.empty()) return out;
  auto best = bootstrap_best(errors, boot);
  for (auto& c : columns) {
    auto r = good_range_of(c, best, boot.alpha);
    out.ranges.push_back({r[0], r[2]});
  }
  std::vector<std::size_t> inside;
  for (std::size_t i = 0; i < errors.size(); ++i) {
    bool in = true;
    for (std::size_t k = 0; k < columns.size() && in; ++k) {
      auto [lo, hi] = out.ranges[k];
      if (!std::isnan(lo)) in = lo <= columns[k][i] && columns[k][i] <= hi;
    }
    if (in) inside.push_back(i);
  }
  out.good_jobs = inside.size();
  out.good.jobs = inside.size();
  if (inside.size() < min_jobs) return out;
  std::vector<double> e2;
  std::vector<std::vector<double>> c2(columns.size());
  for (auto i : inside) {
    e2.push_back(errors[i]);
    for (std::size_t k = 0; k < columns.size(); ++k) c2[k].push_back(columns[k][i]);
  }
  out.good = main_effects(e2, c2, keys, opt);
  return out;
}

}  // namespace sweep
