// Readable axis ticks: "nice" steps (1, 2, 2.5, 5 x 10^k) on linear axes,
// powers of the base on log axes (falling back to nice steps when the range
// spans less than two powers), labels formatted with just enough digits.
#pragma once

#include <sweep/report/figure.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace sweep::plot {

/// @brief Major tick positions (data values) and their labels.
struct tick_set {
  std::vector<double> values;
  std::vector<std::string> labels;
};

namespace detail {

/// @brief A number as a tick label: fixed with `decimals` digits, a real minus sign, no "-0".
inline std::string tick_label(double v, int decimals) {
  std::string s;
  double a = std::abs(v);
  if (a != 0 && (a >= 1e6 || a < 1e-4)) {
    s = fmt::format("{:.3g}", v);
  } else {
    s = fmt::format("{:.{}f}", v, std::max(decimals, 0));
  }
  if (s.find_first_not_of("-0.") == std::string::npos) return "0";
  if (s[0] == '-') s = "\u2212" + s.substr(1);
  return s;
}

/// @brief Decimals that tell apart ticks `step` apart.
inline int decimals_for(double step) {
  double mag = std::floor(std::log10(step) + 1e-9);
  double mantissa = step / std::pow(10.0, mag);
  int d = static_cast<int>(-mag);
  if (std::abs(mantissa - 2.5) < 1e-6) d += 1;
  return std::max(d, 0);
}

}  // namespace detail

/// @brief Nice ticks within [lo, hi], at most about `max_ticks` of them.
inline tick_set linear_ticks(double lo, double hi, int max_ticks, bool integer = false) {
  tick_set out;
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return out;
  double raw = (hi - lo) / std::max(max_ticks - 1, 1);
  double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = 10 * mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (m * mag >= raw * (1 - 1e-9)) {
      step = m * mag;
      break;
    }
  }
  if (integer) step = std::max(1.0, std::round(step) == 2.5 ? 2.0 : std::ceil(step));
  int decimals = integer ? 0 : detail::decimals_for(step);
  double first = std::ceil(lo / step - 1e-9) * step;
  for (double v = first; v <= hi + step * 1e-9; v += step) {
    double t = std::abs(v) < step * 1e-9 ? 0.0 : v;
    out.values.push_back(t);
    out.labels.push_back(detail::tick_label(t, decimals));
  }
  return out;
}

/// @brief Ticks for an axis of the given scale over the data range [lo, hi].
inline tick_set auto_ticks(scale kind, double lo, double hi, int max_ticks, bool integer = false) {
  if (kind == scale::linear || lo <= 0) return linear_ticks(lo, hi, max_ticks, integer);
  double base = kind == scale::log10 ? 10.0 : 2.0;
  double k_lo = std::ceil(std::log(lo) / std::log(base) - 1e-9), k_hi = std::floor(std::log(hi) / std::log(base) + 1e-9);
  if (k_hi - k_lo < 1) return linear_ticks(lo, hi, std::max(max_ticks / 2, 3), integer);
  int every = static_cast<int>(std::ceil((k_hi - k_lo + 1) / std::max(max_ticks, 2)));
  tick_set out;
  for (double k = k_lo; k <= k_hi; k += every) {
    double v = std::pow(base, k);
    out.values.push_back(v);
    out.labels.push_back(kind == scale::log2 || std::abs(k) <= 4 ? detail::tick_label(v, k < 0 ? static_cast<int>(-k) : 0)
                                                                 : fmt::format("1e{}", static_cast<int>(k)));
  }
  return out;
}

}  // namespace sweep::plot
