// The six draws of pycls (sweep/random.py) over the closed range [low, high] with
// quantum q, on a numpy_rng: same numpy calls, same order, same quantisation, so the
// same seed gives the same values. The result has q's type.
#pragma once

#include <sweep/random/numpy_rng.hpp>
#include <sweep/random/quantize.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string_view>

namespace sweep {

/// @brief pycls's RAND_TYPE values.
enum class rand_type { uniform, log_uniform, power2_uniform, power2_or_log_uniform, normal, log_normal };

/// @brief The RAND_TYPE names, in the order of rand_type.
inline constexpr std::array<std::string_view, 6> rand_type_names = {
    "uniform", "log_uniform", "power2_uniform", "power2_or_log_uniform", "normal", "log_normal"};

/// @brief The name of a rand type as pycls writes it ("log_uniform").
constexpr std::string_view to_string(rand_type t) noexcept { return rand_type_names[static_cast<std::size_t>(t)]; }

/// @brief The rand type named `name`, or nullopt for an unknown name.
constexpr std::optional<rand_type> parse_rand_type(std::string_view name) noexcept {
  for (std::size_t i = 0; i < rand_type_names.size(); ++i) {
    if (rand_type_names[i] == name) return static_cast<rand_type>(i);
  }
  return std::nullopt;
}

namespace detail {

/// @brief Python's float(x) of an int (correctly rounded) or a float.
constexpr double to_double(std::int64_t x) noexcept { return static_cast<double>(x); }
constexpr double to_double(double x) noexcept { return x; }

/// @brief Python's float(a + b): the int sum is exact before it becomes a float.
inline double sum_to_double(std::int64_t a, std::int64_t b) noexcept {
  return static_cast<double>(static_cast<int128>(a) + b);
}
inline double sum_to_double(double a, double b) noexcept { return a + b; }

/// @brief Python's min(a, b): the first one unless the second is smaller.
template <class T>
constexpr T py_min(T a, T b) noexcept { return b < a ? b : a; }
template <class T>
constexpr T py_max(T a, T b) noexcept { return b > a ? b : a; }

/// @brief How many times normal and log_normal redraw before giving up: pycls loops until a draw is in
/// [low, high], which takes about 1.003 draws (sigma is a sixth of the range), but forever when sigma or
/// mu is not finite. check_rand refuses such ranges; this bound keeps a draw from hanging regardless.
inline constexpr int max_redraws = 10'000;

[[noreturn]] inline void throw_no_draw(std::string_view what, double low, double high) {
  throw std::domain_error(fmt::format("{}: no draw in [{}, {}] after {} tries: expected a range with finite "
                                      "width and midpoint", what, low, high, max_redraws));
}

}  // namespace detail

namespace draws {

/// @brief pycls `uniform`: f ~ U[low, high + q), k = floor(f / q).
struct uniform_fn {
  template <draw_number T>
  T operator()(T low, T high, T q, numpy_rng& rng) const {
    double f = rng.uniform(detail::to_double(low), detail::sum_to_double(high, q));
    return quantize(f, q, rounding::floor);
  }
};
inline constexpr uniform_fn uniform{};

/// @brief pycls `log_uniform`: f = exp(-U(-ln high, -ln(low - min(q, low / 2)))), k = ceil(f / q).
struct log_uniform_fn {
  template <draw_number T>
  T operator()(T low, T high, T q, numpy_rng& rng) const {
    double half_low = detail::to_double(low) / 2.0;  // Python's low / 2 is a float even for ints
    // min(q, low / 2) is q itself (int stays int) unless low / 2 is smaller
    double lower = half_low < detail::to_double(q) ? detail::to_double(low) - half_low
                                                   : detail::sum_to_double(low, -q);
    double f = std::exp(-rng.uniform(-std::log(detail::to_double(high)), -std::log(lower)));
    return quantize(f, q, rounding::ceil);
  }
};
inline constexpr log_uniform_fn log_uniform{};

/// @brief pycls `power2_uniform`: e = floor(U(log2 low, log2 high + 1)), value 2^e, k = floor.
struct power2_uniform_fn {
  template <draw_number T>
  T operator()(T low, T high, T q, numpy_rng& rng) const {
    double e = std::floor(rng.uniform(std::log2(detail::to_double(low)), std::log2(detail::to_double(high)) + 1.0));
    return quantize(std::pow(2.0, e), q, rounding::floor);
  }
};
inline constexpr power2_uniform_fn power2_uniform{};

/// @brief pycls `power2_or_log_uniform`: a power of 2 in [low, high]; if it is >= q,
/// log_uniform(max(low, q), high, min(high, q)) instead.
struct power2_or_log_uniform_fn {
  template <draw_number T>
  T operator()(T low, T high, T q, numpy_rng& rng) const {
    T f = power2_uniform(low, high, low, rng);
    return f >= q ? log_uniform(detail::py_max(low, q), high, detail::py_min(high, q), rng) : f;
  }
};
inline constexpr power2_or_log_uniform_fn power2_or_log_uniform{};

/// @brief pycls `normal`: N(mu = (low + high) / 2, sigma = (high - low) / 6) redrawn until in
/// [low, high], k = round(f / q) half to even.
struct normal_fn {
  template <draw_number T>
  T operator()(T low, T high, T q, numpy_rng& rng) const {
    if (!(low <= high)) throw std::invalid_argument(fmt::format("normal: needs low <= high, got {} > {}", low, high));
    double lo = detail::to_double(low), hi = detail::to_double(high);
    double mu = detail::sum_to_double(low, high) / 2.0;
    double sigma = (std::is_same_v<T, double> ? hi - lo : static_cast<double>(static_cast<detail::int128>(high) - low)) / 6.0;
    double f = std::numeric_limits<double>::infinity();
    for (int tries = 0; !(lo <= f && f <= hi); ++tries) {
      if (tries == detail::max_redraws) detail::throw_no_draw("normal", lo, hi);
      f = rng.normal(mu, sigma);
    }
    return quantize(f, q, rounding::half_even);
  }
};
inline constexpr normal_fn normal{};

/// @brief pycls `log_normal`: the same as normal in log space (mu, sigma of ln f), k = round.
struct log_normal_fn {
  template <draw_number T>
  T operator()(T low, T high, T q, numpy_rng& rng) const {
    if (!(low > 0 && low <= high)) {
      throw std::invalid_argument(fmt::format("log_normal: needs 0 < low <= high, got low {}, high {}", low, high));
    }
    double lo = detail::to_double(low), hi = detail::to_double(high);
    double log_low = std::log(lo), log_high = std::log(hi);
    double mu = (log_low + log_high) / 2.0, sigma = (log_high - log_low) / 6.0;
    if (sigma == 0.0 && !(lo <= std::exp(mu) && std::exp(mu) <= hi)) {
      // pycls would loop forever here: exp(log(low)) is not low
      throw std::domain_error(fmt::format("log_normal: exp(log({})) is out of the range [{}, {}]", low, low, high));
    }
    double f = std::numeric_limits<double>::infinity();
    for (int tries = 0; !(lo <= f && f <= hi); ++tries) {
      if (tries == detail::max_redraws) detail::throw_no_draw("log_normal", lo, hi);
      f = rng.lognormal(mu, sigma);
    }
    return quantize(f, q, rounding::half_even);
  }
};
inline constexpr log_normal_fn log_normal{};

}  // namespace draws

namespace detail {

template <draw_number T>
T draw_unchecked(rand_type type, T low, T high, T q, numpy_rng& rng) {
  switch (type) {
    case rand_type::uniform: return draws::uniform(low, high, q, rng);
    case rand_type::log_uniform: return draws::log_uniform(low, high, q, rng);
    case rand_type::power2_uniform: return draws::power2_uniform(low, high, q, rng);
    case rand_type::power2_or_log_uniform: return draws::power2_or_log_uniform(low, high, q, rng);
    case rand_type::normal: return draws::normal(low, high, q, rng);
    case rand_type::log_normal: return draws::log_normal(low, high, q, rng);
  }
  throw std::invalid_argument("draw: not a rand_type");
}

}  // namespace detail

/// @brief One draw of the given type; the dispatch for types chosen at run time (RAND_TYPE).
/// A float draw that is not finite throws std::domain_error (check_rand refuses ranges that could).
template <draw_number T>
T draw(rand_type type, T low, T high, T q, numpy_rng& rng) {
  T v = detail::draw_unchecked(type, low, high, q, rng);
  if constexpr (std::is_same_v<T, double>) {
    if (!std::isfinite(v)) {
      throw std::domain_error(fmt::format("{}: drew {} from [{}, {}] with quantum {}: expected a range whose draws "
                                          "are finite", to_string(type), v, low, high, q));
    }
  }
  return v;
}

}  // namespace sweep
