// Comparing two design spaces by their error distributions (pycls compares
// EDFs by eye): the two-sample Kolmogorov-Smirnov test (asymptotic p-value,
// Stephens 1970 / Numerical Recipes' probks) and percentile-bootstrap
// intervals of the difference of error quantiles (each sweep resampled on its
// own), stated in plain words.
#pragma once

#include <sweep/analyze/statistics.hpp>
#include <sweep/analyze/sweep_data.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace sweep {

/// @brief Options of a comparison.
struct compare_options {
  std::vector<double> quantiles = {10, 50};  // percentiles of the error compared
  int resamples = 1000;
  double alpha = 5;  // percent outside each interval
  std::uint64_t seed = 0;
};

/// @brief The difference a - b of one error percentile, with its bootstrap interval.
struct quantile_difference {
  double percentile = 0;
  double a = 0, b = 0;            // each sweep's percentile of the error
  double diff = 0, low = 0, high = 0;
};

/// @brief Two sweeps compared: the KS test and the quantile differences.
struct comparison {
  std::string a, b;
  std::size_t n_a = 0, n_b = 0;
  double ks_statistic = 0, p_value = 1;
  std::vector<quantile_difference> quantiles;
};

/// @brief Kolmogorov's Q(lambda) = 2 sum_k (-1)^(k-1) exp(-2 k^2 lambda^2), the KS tail probability.
inline double kolmogorov_q(double lambda) {
  if (lambda < 1e-3) return 1;
  double sum = 0, sign = 1, previous = 0;
  for (int k = 1; k <= 100; ++k) {
    double term = sign * 2 * std::exp(-2.0 * k * k * lambda * lambda);
    sum += term;
    if (std::abs(term) <= 1e-10 * std::abs(previous) || std::abs(term) <= 1e-16 * sum) return std::clamp(sum, 0.0, 1.0);
    sign = -sign;
    previous = term;
  }
  return 1;  // did not converge: lambda is tiny
}

/// @brief The two-sample KS statistic D = sup |F_a - F_b| and its asymptotic p-value.
inline std::pair<double, double> ks_test(std::vector<double> a, std::vector<double> b) {
  if (a.empty() || b.empty()) return {0, 1};
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  double na = static_cast<double>(a.size()), nb = static_cast<double>(b.size()), d = 0;
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    double x = std::min(a[i], b[j]);
    while (i < a.size() && a[i] <= x) ++i;
    while (j < b.size() && b[j] <= x) ++j;
    d = std::max(d, std::abs(static_cast<double>(i) / na - static_cast<double>(j) / nb));
  }
  double en = std::sqrt(na * nb / (na + nb));
  return {d, kolmogorov_q((en + 0.12 + 0.11 / en) * d)};
}

/// @brief Compares the errors of two sweeps (see compare_options).
inline comparison compare_errors(const std::string& name_a, const std::vector<double>& a, const std::string& name_b,
                                 const std::vector<double>& b, const compare_options& opt = {}) {
  comparison out{name_a, name_b, a.size(), b.size(), 0, 1, {}};
  std::tie(out.ks_statistic, out.p_value) = ks_test(a, b);
  if (a.empty() || b.empty()) return out;
  std::mt19937_64 engine(opt.seed);
  auto resample = [&](const std::vector<double>& from, std::vector<double>& into) {
    into.resize(from.size());
    for (auto& v : into) v = from[uniform_index(engine, from.size())];
    std::sort(into.begin(), into.end());
  };
  auto sorted_percentile = [](const std::vector<double>& s, double p) {
    double h = (static_cast<double>(s.size()) - 1) * p / 100.0;
    auto lo = static_cast<std::size_t>(std::floor(h));
    auto hi = std::min(lo + 1, s.size() - 1);
    return s[lo] + (h - static_cast<double>(lo)) * (s[hi] - s[lo]);
  };
  std::vector<std::vector<double>> diffs(opt.quantiles.size());
  std::vector<double> ra, rb;
  for (int r = 0; r < opt.resamples; ++r) {
    resample(a, ra);
    resample(b, rb);
    for (std::size_t q = 0; q < opt.quantiles.size(); ++q) {
      diffs[q].push_back(sorted_percentile(ra, opt.quantiles[q]) - sorted_percentile(rb, opt.quantiles[q]));
    }
  }
  for (std::size_t q = 0; q < opt.quantiles.size(); ++q) {
    quantile_difference d;
    d.percentile = opt.quantiles[q];
    d.a = percentile(a, d.percentile);
    d.b = percentile(b, d.percentile);
    d.diff = d.a - d.b;
    d.low = diffs[q].empty() ? d.diff : percentile(diffs[q], opt.alpha / 2);
    d.high = diffs[q].empty() ? d.diff : percentile(diffs[q], 100 - opt.alpha / 2);
    out.quantiles.push_back(d);
  }
  return out;
}

/// @brief Compares two sweeps' errors.
inline comparison compare_sweeps(const sweep_data& a, const sweep_data& b, const compare_options& opt = {}) {
  std::vector<double> ea, eb;
  for (auto& j : a.jobs) ea.push_back(j.error);
  for (auto& j : b.jobs) eb.push_back(j.error);
  return compare_errors(a.name, ea, b.name, eb, opt);
}

/// @brief "10th" for 10, "50th" for 50, "1st", "2nd", "3rd".
inline std::string ordinal(double p) {
  if (p != std::floor(p)) return fmt::format("{}th", p);
  auto n = static_cast<long>(p);
  const char* suffix = (n % 100 >= 11 && n % 100 <= 13) ? "th" : n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" : "th";
  return fmt::format("{}{}", n, suffix);
}

/// @brief One quantile difference in plain words (lower error is better), e.g. "optim_a is better
/// than optim_b at the 10th percentile of the error by 0.8 to 1.4 points (5.2 versus 6.3)".
inline std::string describe_difference(const comparison& c, const quantile_difference& d) {
  auto at = fmt::format("at the {} percentile of the error", ordinal(d.percentile));
  auto both = fmt::format("({:.2f} versus {:.2f})", d.a, d.b);
  if (d.high < 0) return fmt::format("{} is better than {} {} by {:.2f} to {:.2f} points {}", c.a, c.b, at, -d.high, -d.low, both);
  if (d.low > 0) return fmt::format("{} is better than {} {} by {:.2f} to {:.2f} points {}", c.b, c.a, at, d.low, d.high, both);
  return fmt::format("{} and {} do not differ clearly {}: {} minus {} is {:.2f} to {:.2f} points, which includes 0 {}", c.a, c.b, at,
                     c.a, c.b, d.low, d.high, both);
}

/// @brief The KS test in plain words.
inline std::string describe_ks(const comparison& c) {
  auto numbers = fmt::format("Kolmogorov-Smirnov D = {:.3f}, p = {:.3g}, {} and {} jobs", c.ks_statistic, c.p_value, c.n_a, c.n_b);
  if (c.p_value < 0.05) return fmt::format("The error distributions of {} and {} differ ({}).", c.a, c.b, numbers);
  return fmt::format("The error distributions of {} and {} may be the same: the test finds no difference at the 5 % level ({}).", c.a, c.b,
                     numbers);
}

}  // namespace sweep
