// Finite samplers: the axes of grid and zip, each a list of values with size()
// and at(i) that also draws uniformly (so it fits a random space too).
//   values(v, ...)            the values given; their count is part of the type
//   choice(v, ...)            the same as a run-time list (samplers.hpp)
//   int_range(lo, hi, step)   the integers lo, lo + step, ... <= hi
//   linspace(lo, hi, count)   count floats evenly spaced, both ends included
//   geomspace(lo, hi, count)  count floats evenly spaced in log space
// values and choice are both uniform finite lists: values keeps its length in
// its type so that a zip of lists of different lengths fails to compile; choice
// takes a run-time vector (and is what YAML's lists become).
#pragma once

#include <sweep/error.hpp>
#include <sweep/random.hpp>
#include <sweep/space/samplers.hpp>
#include <sweep/space/traits.hpp>
#include <sweep/value.hpp>

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace sweep {

// ---------------------------------------------------------------------------
// Finite samplers: the axes of grid and zip.

namespace detail {

/// @brief x printed with 15 significant digits and read back: 0.30000000000000004 becomes 0.3.
inline double clean_decimal(double x) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::general, 15);
  double out = x;
  std::from_chars(buf, end, out);
  return out;
}

}  // namespace detail

/// @brief A fixed list of N values of type T: a finite sampler whose size is in its type.
template <class T, std::size_t N>
struct values_sampler {
  using value_type = T;
  static constexpr std::size_t static_size = N;
  std::array<T, N> items;

  void validate(std::string_view) const {}
  [[nodiscard]] static constexpr std::uint64_t size() noexcept { return N; }
  [[nodiscard]] const T& at(std::uint64_t i) const { return items[static_cast<std::size_t>(i)]; }
  /// @brief A uniform choice, as choice(...) draws.
  [[nodiscard]] const T& draw(numpy_rng& rng) const { return items[static_cast<std::size_t>(rng.randint(static_cast<std::int64_t>(N)))]; }
  void append_key_text(std::string& out, std::string_view key, const T& v) const { append_key_value(out, key, v); }
  void append_params(param_list& out, std::string_view key, const T& v) const { out.emplace_back(key, detail::to_value(v)); }
};

/// @brief `values(1, 2, 3)`: a finite sampler over the given values (one type; the count is part of the type).
struct values_fn {
  template <class First, class... Rest>
  constexpr auto operator()(First first, Rest... rest) const {
    using T = detail::drawn_t<First>;
    static_assert((std::is_same_v<detail::drawn_t<Rest>, T> && ...),
                  "sweep::values(v...) requires values of one type; convert them, e.g. 1.0 instead of 1");
    return values_sampler<T, 1 + sizeof...(Rest)>{{T(first), T(rest)...}};
  }
};
inline constexpr values_fn values{};

/// @brief The integers low, low + step, ... up to high (inclusive when on the step).
struct int_range_sampler {
  using value_type = std::int64_t;
  std::int64_t low = 0;
  std::int64_t high = 0;
  std::int64_t step = 1;

  void validate(std::string_view key_path) const {
    if (step < 1) throw error({}, std::string(key_path) + ".STEP", fmt::format("expected a step of 1 or more, got {}", step));
    if (low > high) throw error({}, std::string(key_path) + ".RANGE", fmt::format("expected low <= high, got [{}, {}]", low, high));
    if (size() > detail::max_space_size) {
      throw error({}, std::string(key_path) + ".RANGE",
                  fmt::format("[{}, {}] with step {} has more than 2^62 values: expected a smaller range", low, high, step));
    }
  }
  /// @brief The number of values; worked out in unsigned arithmetic, since high - low may not fit in int64.
  [[nodiscard]] std::uint64_t size() const noexcept {
    if (low > high || step < 1) return 0;
    auto span = static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low);  // mod 2^64: exact, as high >= low
    auto n = span / static_cast<std::uint64_t>(step);
    return n == UINT64_MAX ? n : n + 1;  // the whole int64 range with step 1 (2^64 values) saturates
  }
  [[nodiscard]] std::int64_t at(std::uint64_t i) const noexcept {
    // low + i * step lies in [low, high]; unsigned arithmetic avoids the signed overflow of i * step alone
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(low) + i * static_cast<std::uint64_t>(step));
  }
  [[nodiscard]] std::int64_t draw(numpy_rng& rng) const { return at(static_cast<std::uint64_t>(rng.randint(static_cast<std::int64_t>(size())))); }
  void append_key_text(std::string& out, std::string_view key, std::int64_t v) const { append_key_value(out, key, v); }
  void append_params(param_list& out, std::string_view key, std::int64_t v) const { out.emplace_back(key, value{v}); }
};

/// @brief `int_range(lo, hi, step = 1)`: the integers lo, lo + step, ..., <= hi.
struct int_range_fn {
  constexpr int_range_sampler operator()(std::int64_t low, std::int64_t high, std::int64_t step = 1) const {
    return {low, high, step};
  }
};
inline constexpr int_range_fn int_range{};

/// @brief How a float range spreads its points: evenly (linspace) or evenly in log space (geomspace).
enum class spacing { linear, log };

/// @brief COUNT floats from low to high (both ends included), cleaned to 15 significant digits or quantised to q.
struct float_range_sampler {
  using value_type = double;
  double low = 0;
  double high = 0;
  std::int64_t count = 1;
  spacing space = spacing::linear;
  double q = 0;  // 0: no quantum

  /// @brief The same range with its points rounded to multiples of q (exact decimals, like pycls's QUANTIZE).
  [[nodiscard]] float_range_sampler quantize(double quantum) const {
    auto copy = *this;
    copy.q = quantum;
    return copy;
  }
  void validate(std::string_view key_path) const {
    auto path = std::string(key_path);
    if (count < 1) throw error({}, path + ".COUNT", fmt::format("expected a count of 1 or more, got {}", count));
    if (!(low <= high)) throw error({}, path + ".RANGE", fmt::format("expected low <= high, got [{}, {}]", low, high));
    if (space == spacing::log && !(low > 0)) throw error({}, path + ".RANGE", fmt::format("a log range needs low > 0, got {}", low));
    if (q < 0) throw error({}, path + ".QUANTIZE", fmt::format("expected a quantum > 0 (or none), got {}", q));
    // inf, NaN or a range wider than the largest float would write .inf or .nan into job configs
    if (!std::isfinite(low) || !std::isfinite(high) || !std::isfinite(high - low)) {
      throw error({}, path + ".RANGE", fmt::format("expected finite numbers low <= high with a finite width, got [{}, {}]", low, high));
    }
    if (!std::isfinite(q) || (q > 0 && (!std::isfinite((std::fabs(low) + q) / q) || !std::isfinite((std::fabs(high) + q) / q) ||
                                        !std::isfinite(std::fabs(high) + q) || !std::isfinite(std::fabs(low) + q)))) {
      throw error({}, path + ".QUANTIZE", fmt::format("RANGE [{}, {}] / QUANTIZE {} overflows: expected a larger quantum or a narrower range", low, high, q));
    }
  }
  [[nodiscard]] std::uint64_t size() const noexcept { return count < 1 ? 0 : static_cast<std::uint64_t>(count); }
  /// @brief Point i as numpy's linspace / geomspace make it (the last one exactly high).
  [[nodiscard]] double at(std::uint64_t i) const {
    double x = low;
    if (count > 1 && i + 1 == static_cast<std::uint64_t>(count)) {
      x = high;
    } else if (count > 1 && i > 0) {
      auto t = static_cast<double>(i) / static_cast<double>(count - 1);
      x = space == spacing::linear ? low + t * (high - low) : std::exp(std::log(low) + t * (std::log(high) - std::log(low)));
    }
    return q > 0 ? sweep::quantize(x, q, rounding::half_even) : detail::clean_decimal(x);
  }
  [[nodiscard]] double draw(numpy_rng& rng) const { return at(static_cast<std::uint64_t>(rng.randint(count))); }
  void append_key_text(std::string& out, std::string_view key, double v) const { append_key_value(out, key, v); }
  void append_params(param_list& out, std::string_view key, double v) const { out.emplace_back(key, value{v}); }
};

/// @brief `linspace(lo, hi, count)`: count evenly spaced floats from lo to hi.
struct linspace_fn {
  constexpr float_range_sampler operator()(double low, double high, std::int64_t count) const {
    return {low, high, count, spacing::linear, 0};
  }
};
inline constexpr linspace_fn linspace{};

/// @brief `geomspace(lo, hi, count)`: count floats from lo to hi evenly spaced in log space (learning rates).
struct geomspace_fn {
  constexpr float_range_sampler operator()(double low, double high, std::int64_t count) const {
    return {low, high, count, spacing::log, 0};
  }
};
inline constexpr geomspace_fn geomspace{};

namespace detail {

/// @brief The length of an axis when its type knows it, else 0.
template <class S>
constexpr std::size_t static_size_of() {
  if constexpr (requires { S::static_size; }) return S::static_size;
  return 0;
}

/// @brief What grid and zip share: keys bound to finite samplers (static or dynamic bindings), each axis's
/// size, and the record of one index per axis.
template <class Bindings>
class bound_axes {
 public:
  using record_type = typename Bindings::record_type;

  explicit bound_axes(Bindings bindings) : bindings_(std::move(bindings)), sizes_(bindings_.template make_array<std::uint64_t>()) {
    bindings_.for_each([&](auto& axis, std::size_t a) { sizes_[a] = axis.size(); });
  }

  [[nodiscard]] constexpr bool accepts(const record_type&) const { return true; }
  void append_key_text(std::string& out, const record_type& r) const { bindings_.append_key_text(out, r); }
  void append_params(param_list& out, const record_type& r) const { bindings_.append_params(out, r); }

 protected:
  using index_type = typename Bindings::template array<std::uint64_t>;

  /// @brief The record of axis indices idx[0..n).
  [[nodiscard]] record_type make(const index_type& idx) const {
    return bindings_.make([&](auto& axis, std::size_t a) { return axis.at(idx[a]); });
  }
  [[nodiscard]] index_type new_index() const { return bindings_.template make_array<std::uint64_t>(); }

  Bindings bindings_;
  index_type sizes_;
};

}  // namespace detail

}  // namespace sweep
