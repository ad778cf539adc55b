// pycls's validate_rand rules, each with a message of its own that says what was
// expected, instead of pycls's one "is invalid" assertion.
#pragma once

#include <sweep/error.hpp>
#include <sweep/random/detail/decimal.hpp>
#include <sweep/random/draws.hpp>
#include <sweep/value.hpp>

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sweep {

/// @brief What is wrong with a draw's parameters: the sampler field to blame and why.
struct rand_problem {
  std::string field;    // "RANGE", "QUANTIZE" or "RAND_TYPE"
  std::string message;  // e.g. "low 0.3 is not a multiple of QUANTIZE 0.25"
};

namespace detail {

/// @brief A number as Python prints it: 5 or 5.0.
inline std::string py_number(std::int64_t x) { return fmt::format("{}", x); }
inline std::string py_number(double x) { return python_float_repr(x); }

/// @brief Decimal(str(x)) % Decimal(str(q)) == 0, exactly.
inline bool is_decimal_multiple(std::int64_t x, std::int64_t q) { return q != 0 && x % q == 0; }
inline bool is_decimal_multiple(double x, double q) {
  auto a = shortest_decimal(x), b = shortest_decimal(q);
  return decimal_is_multiple(a.digits, a.exponent, b.digits, b.exponent);
}

/// @brief np.log2(v).is_integer().
inline bool is_power_of_two(double v) {
  double l = std::log2(v);
  return std::isfinite(l) && l == std::floor(l);
}

/// @brief The largest magnitude an int range (widened by its quantum) may reach: the draws go through
/// doubles, and k * q must come back into 64 bits.
inline constexpr std::int64_t max_int_range_magnitude = std::int64_t{1} << 62;

/// @brief Ranges too wide for the draw's arithmetic: pycls would draw inf or NaN (a uniform float over
/// [-1e308, 1e308]: high + q - low overflows), redraw forever (a normal whose sigma or mu is inf), or
/// overflow k * q. Ours refuses them, naming the numbers that overflow.
inline std::optional<rand_problem> check_rand_magnitude(rand_type type, double low, double high, double q) {
  auto name = std::string(to_string(type));
  double top = high + q, bottom = low - q;  // a quantised draw lies within one quantum of the range
  if (!std::isfinite(top - bottom)) {
    return rand_problem{"RANGE", fmt::format("{}: the range [{}, {}] widened by QUANTIZE {} is wider than the "
                                             "largest float: expected a narrower range (draws would be inf or NaN)",
                                             name, py_number(low), py_number(high), py_number(q))};
  }
  if (!std::isfinite(top / q) || !std::isfinite(bottom / q)) {
    return rand_problem{"QUANTIZE", fmt::format("{}: RANGE [{}, {}] / QUANTIZE {} overflows: expected a larger "
                                                "QUANTIZE or a narrower range", name, py_number(low),
                                                py_number(high), py_number(q))};
  }
  if (type == rand_type::normal && !std::isfinite(low + high)) {
    return rand_problem{"RANGE", fmt::format("normal: the midpoint of [{}, {}] overflows: expected a range whose "
                                             "low + high is finite (the draw would be redrawn forever)",
                                             py_number(low), py_number(high))};
  }
  return std::nullopt;
}
inline std::optional<rand_problem> check_rand_magnitude(rand_type type, std::int64_t low, std::int64_t high,
                                                        std::int64_t q) {
  auto wide = [&](std::int64_t v) {
    return static_cast<int128>(v < 0 ? -static_cast<int128>(v) : static_cast<int128>(v)) + q > max_int_range_magnitude;
  };
  if (wide(low) || wide(high)) {
    return rand_problem{"RANGE", fmt::format("{}: the range [{}, {}] widened by QUANTIZE {} reaches beyond "
                                             "+-2^62: expected a narrower range", to_string(type), low, high, q)};
  }
  return std::nullopt;
}

}  // namespace detail

/// @brief The first of pycls's validate_rand rules that (rand type, low, high, q) break, if any;
/// NaN and infinities are refused too.
/// @sa docs/random.md
template <draw_number T>
std::optional<rand_problem> check_rand(rand_type type, T low, T high, T q) {
  using detail::py_number;
  auto name = std::string(to_string(type));
  if constexpr (std::is_same_v<T, double>) {
    if (!std::isfinite(low)) return rand_problem{"RANGE", "low must be a finite number, got " + py_number(low)};
    if (!std::isfinite(high)) return rand_problem{"RANGE", "high must be a finite number, got " + py_number(high)};
    if (!std::isfinite(q)) return rand_problem{"QUANTIZE", "QUANTIZE must be a finite number, got " + py_number(q)};
  }
  if (!(q > 0)) return rand_problem{"QUANTIZE", "QUANTIZE must be > 0, got " + py_number(q)};
  if (!(low <= high)) {
    return rand_problem{"RANGE", fmt::format("low {} is greater than high {}", py_number(low), py_number(high))};
  }
  if (!(low > 0) && type != rand_type::uniform && type != rand_type::normal) {
    return rand_problem{"RANGE", fmt::format("{} needs low > 0, got {}", name, py_number(low))};
  }
  if (auto problem = detail::check_rand_magnitude(type, low, high, q)) return problem;
  if (type != rand_type::power2_or_log_uniform) {
    for (auto [which, v] : {std::pair{"low", low}, std::pair{"high", high}}) {
      if (!detail::is_decimal_multiple(v, q)) {
        return rand_problem{"RANGE", fmt::format("{} {} is not a multiple of QUANTIZE {}", which, py_number(v),
                                                 py_number(q))};
      }
    }
  }
  if (type == rand_type::power2_uniform || type == rand_type::power2_or_log_uniform) {
    for (auto [field, v] : {std::pair{"RANGE", low}, std::pair{"RANGE", high}, std::pair{"QUANTIZE", q}}) {
      if (!detail::is_power_of_two(detail::to_double(v))) {
        return rand_problem{field, fmt::format("{} needs powers of 2: log2({}) is not an integer", name,
                                               py_number(v))};
      }
    }
  }
  return std::nullopt;
}

/// @brief check_rand for a RAND_TYPE given by name: an unknown name is a RAND_TYPE problem.
template <draw_number T>
std::optional<rand_problem> check_rand(std::string_view type_name, T low, T high, T q) {
  if (auto type = parse_rand_type(type_name)) return check_rand(*type, low, high, q);
  return rand_problem{"RAND_TYPE", fmt::format("unknown RAND_TYPE {}; expected one of {}",
                                               detail::python_str_repr(type_name),
                                               fmt::join(rand_type_names, ", "))};
}

/// @brief Throws sweep::error(key_path.FIELD: message) if check_rand finds a problem.
template <draw_number T>
void validate_rand(std::string_view key_path, rand_type type, T low, T high, T q) {
  if (auto problem = check_rand(type, low, high, q)) {
    throw error({}, std::string(key_path) + "." + problem->field, problem->message);
  }
}

/// @brief validate_rand for a RAND_TYPE given by name.
template <draw_number T>
void validate_rand(std::string_view key_path, std::string_view type_name, T low, T high, T q) {
  if (auto problem = check_rand(type_name, low, high, q)) {
    throw error({}, std::string(key_path) + "." + problem->field, problem->message);
  }
}

/// @brief check_rand for values read from a config: low, high and q must be numbers of one type
/// (all int or all float, as pycls asserts), then the rules above apply.
inline std::optional<rand_problem> check_rand_values(std::string_view type_name, const value& low, const value& high,
                                                     const value& q) {
  auto is_number = [](const value& v) { return v.is_int() || v.is_float(); };
  if (!is_number(q)) return rand_problem{"QUANTIZE", fmt::format("QUANTIZE must be a number, got {}", q.kind())};
  for (auto* v : {&low, &high}) {
    if (!is_number(*v)) return rand_problem{"RANGE", fmt::format("RANGE must hold numbers, got {}", v->kind())};
  }
  if (low.is_int() != q.is_int() || high.is_int() != q.is_int()) {
    return rand_problem{"RANGE", fmt::format("RANGE [{}, {}] and QUANTIZE {} must all be ints or all floats, got {}, "
                                             "{} and {}",
                                             low.python_str(), high.python_str(), q.python_str(), low.kind(),
                                             high.kind(), q.kind())};
  }
  if (q.is_int()) return check_rand(type_name, low.as_int(), high.as_int(), q.as_int());
  return check_rand(type_name, low.as_float(), high.as_float(), q.as_float());
}

}  // namespace sweep
