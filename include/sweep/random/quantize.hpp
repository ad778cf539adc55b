// pycls's quantize(f, q, op): the multiple k = op(f / q) of q, with k * q formed in
// decimal from the digits of str(q), so 3 x 0.1 is 0.3 and never 0.30000000000000004.
#pragma once

#include <sweep/random/detail/decimal.hpp>

#include <fmt/format.h>

#include <cmath>
#include <concepts>
#include <cstdint>
#include <stdexcept>

namespace sweep {

/// @brief The value types a draw can have: pycls's int and float.
template <class T>
concept draw_number = std::same_as<T, std::int64_t> || std::same_as<T, double>;

/// @brief How f / q becomes a whole multiple: np.floor, np.ceil or np.round (half to even).
enum class rounding { floor, ceil, half_even };

/// @brief op(f / q) as numpy computes it, an integer-valued double.
inline double quantum_index(double f, double q, rounding op) noexcept {
  double x = f / q;
  switch (op) {
    case rounding::floor: return std::floor(x);
    case rounding::ceil: return std::ceil(x);
    case rounding::half_even: break;
  }
  return std::nearbyint(x);  // the default rounding mode rounds half to even, as np.round does
}

/// @brief pycls's `quantize(f, q, op)`: `type(q)(Decimal(op(f / q)) * Decimal(str(q)))`.
/// @sa docs/random.md
struct quantize_fn {
  double operator()(double f, double q, rounding op = rounding::floor) const {
    return detail::decimal_product(quantum_index(f, q, op), q);
  }
  std::int64_t operator()(double f, std::int64_t q, rounding op = rounding::floor) const {
    double k = quantum_index(f, static_cast<double>(q), op);
    // |k| < 2^63 makes the cast exact; the product must still fit in 64 bits
    if (std::isfinite(k) && std::fabs(k) < 9223372036854775808.0) {
      detail::int128 p = static_cast<detail::int128>(static_cast<std::int64_t>(k)) * q;
      if (p >= INT64_MIN && p <= INT64_MAX) return static_cast<std::int64_t>(p);
    }
    throw std::overflow_error(fmt::format("quantize: {} * {} does not fit in a 64-bit integer", k, q));
  }
};
inline constexpr quantize_fn quantize{};

}  // namespace sweep
