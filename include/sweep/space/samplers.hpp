// Typed samplers: each knows its value type at compile time and draws exactly
// what pycls's sampler of the same kind draws from numpy's stream.
//   uniform / log_uniform / power2_uniform / power2_or_log_uniform / normal /
//   log_normal (low, high)[.quantize(q)]   -> int_sampler or float_sampler
//   choice(v1, v2, ...)                      -> value_sampler
//   list_of(n, sampler)                      -> list_sampler
//   regnet()[.depth(lo, hi) ...]             -> regnet_sampler (sets six REGNET.* keys)
#pragma once

#include <sweep/error.hpp>
#include <sweep/random.hpp>
#include <sweep/space/sampler.hpp>
#include <sweep/value.hpp>

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace sweep {

namespace detail {

template <class T>
using scalar_of = std::conditional_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, std::int64_t, double>;

template <class Value>
using drawn_t = std::conditional_t<std::is_integral_v<Value> && !std::is_same_v<Value, bool>, std::int64_t,
                std::conditional_t<std::is_floating_point_v<Value>, double,
                std::conditional_t<std::is_convertible_v<Value, std::string_view>, std::string, Value>>>;

}  // namespace detail

/// @brief Samples a scalar of type T (int64 or double) in [low, high] quantised to q.
template <class T>
struct scalar_sampler {
  using value_type = T;
  rand_type type = rand_type::uniform;
  T low{};
  T high{};
  T q = std::is_same_v<T, double> ? T(1e-5) : T(1);

  /// @brief The same sampler with quantum q (pycls's QUANTIZE).
  [[nodiscard]] scalar_sampler quantize(T quantum) const {
    auto copy = *this;
    copy.q = quantum;
    return copy;
  }
  /// @brief Throws sweep::error naming key_path when pycls would reject these parameters.
  void validate(std::string_view key_path) const { validate_rand(key_path, type, low, high, q); }
  [[nodiscard]] T draw(numpy_rng& rng) const { return sweep::draw(type, low, high, q, rng); }
  void append_key_text(std::string& out, std::string_view key, const T& v) const { append_key_value(out, key, v); }
  void append_params(param_list& out, std::string_view key, const T& v) const { out.emplace_back(key, value{v}); }
};

using int_sampler = scalar_sampler<std::int64_t>;
using float_sampler = scalar_sampler<double>;

/// @brief Makes scalar samplers of one rand type: `log_uniform(0.25, 5.0).quantize(1e-10)`.
struct scalar_sampler_fn {
  rand_type type;
  template <class Low, class High>
    requires std::is_arithmetic_v<Low> && std::is_arithmetic_v<High>
  constexpr auto operator()(Low low, High high) const {
    using T = std::conditional_t<std::is_floating_point_v<Low> || std::is_floating_point_v<High>, double, std::int64_t>;
    scalar_sampler<T> s;
    s.type = type;
    s.low = static_cast<T>(low);
    s.high = static_cast<T>(high);
    return s;
  }
};

inline constexpr scalar_sampler_fn uniform{rand_type::uniform};
inline constexpr scalar_sampler_fn log_uniform{rand_type::log_uniform};
inline constexpr scalar_sampler_fn power2_uniform{rand_type::power2_uniform};
inline constexpr scalar_sampler_fn power2_or_log_uniform{rand_type::power2_or_log_uniform};
inline constexpr scalar_sampler_fn normal{rand_type::normal};
inline constexpr scalar_sampler_fn log_normal{rand_type::log_normal};

/// @brief Samples one of a list of values uniformly (pycls's value_sampler).
template <class T>
struct choice_sampler {
  using value_type = T;
  std::vector<T> values;

  void validate(std::string_view key_path) const {
    if (values.empty()) throw error({}, std::string(key_path) + ".VALUES", "expected a non-empty list of values");
  }
  [[nodiscard]] const T& draw(numpy_rng& rng) const {
    return values[static_cast<std::size_t>(rng.randint(static_cast<std::int64_t>(values.size())))];
  }
  /// @brief A finite sampler: an axis of grid and zip.
  [[nodiscard]] std::uint64_t size() const noexcept { return values.size(); }
  [[nodiscard]] const T& at(std::uint64_t i) const { return values[static_cast<std::size_t>(i)]; }
  void append_key_text(std::string& out, std::string_view key, const T& v) const { append_key_value(out, key, v); }
  void append_params(param_list& out, std::string_view key, const T& v) const { out.emplace_back(key, detail::to_value(v)); }
};

/// @brief `choice(50, 100, 200)`: a value sampler over the given values (all of one type).
struct choice_fn {
  template <class First, class... Rest>
  auto operator()(First first, Rest... rest) const {
    using T = detail::drawn_t<First>;
    static_assert((std::is_same_v<detail::drawn_t<Rest>, T> && ...),
                  "sweep::choice(values...) requires values of one type; convert them, e.g. 1.0 instead of 1");
    return choice_sampler<T>{{T(first), T(rest)...}};
  }
  template <class T>
  auto operator()(std::vector<T> values) const {
    return choice_sampler<detail::drawn_t<T>>{{values.begin(), values.end()}};
  }
};
inline constexpr choice_fn choice{};

/// @brief LENGTH items drawn independently from an item sampler (pycls's list_sampler).
template <class Item>
struct list_sampler {
  using value_type = std::vector<typename Item::value_type>;
  std::int64_t length = 0;
  Item item;

  void validate(std::string_view key_path) const {
    if (length < 0) throw error({}, std::string(key_path) + ".LENGTH", fmt::format("expected 0 or more items, got {}", length));
    item.validate(key_path);
  }
  [[nodiscard]] value_type draw(numpy_rng& rng) const {
    value_type out;
    out.reserve(static_cast<std::size_t>(length));
    for (std::int64_t i = 0; i < length; ++i) out.push_back(item.draw(rng));
    return out;
  }
  void append_key_text(std::string& out, std::string_view key, const value_type& v) const {
    append_key_value(out, key, v);
  }
  void append_params(param_list& out, std::string_view key, const value_type& v) const {
    out.emplace_back(key, detail::to_value(v));
  }
};

/// @brief `list_of(3, uniform(1, 4))`: a list of n independent draws.
struct list_of_fn {
  template <class Item>
  auto operator()(std::int64_t length, Item item) const {
    return list_sampler<Item>{length, std::move(item)};
  }
};
inline constexpr list_of_fn list_of{};

/// @brief The six RegNet parameters a regnet_sampler draws.
struct regnet_values {
  std::int64_t depth = 0;
  std::int64_t w0 = 0;
  double wa = 0;
  double wm = 0;
  std::int64_t group_w = 0;
  double bot_mul = 0;
  friend bool operator==(const regnet_values&, const regnet_values&) = default;
};

/// @brief pycls's regnet_sampler: draws REGNET.DEPTH, W0, WA, WM, GROUP_W, BOT_MUL with fixed rand types and quanta.
struct regnet_sampler {
  using value_type = regnet_values;
  int_sampler depth_{rand_type::uniform, 12, 28, 1};
  int_sampler w0_{rand_type::log_uniform, 8, 256, 8};
  float_sampler wa_{rand_type::log_uniform, 8.0, 256.0, 0.1};
  float_sampler wm_{rand_type::log_uniform, 2.0, 3.0, 0.001};
  int_sampler group_w_{rand_type::power2_or_log_uniform, 8, 128, 8};
  float_sampler bot_mul_{rand_type::power2_uniform, 1.0, 1.0, 1.0 / 128};

  [[nodiscard]] regnet_sampler depth(std::int64_t low, std::int64_t high) const { return with(&regnet_sampler::depth_, low, high); }
  [[nodiscard]] regnet_sampler w0(std::int64_t low, std::int64_t high) const { return with(&regnet_sampler::w0_, low, high); }
  [[nodiscard]] regnet_sampler wa(double low, double high) const { return with(&regnet_sampler::wa_, low, high); }
  [[nodiscard]] regnet_sampler wm(double low, double high) const { return with(&regnet_sampler::wm_, low, high); }
  [[nodiscard]] regnet_sampler group_w(std::int64_t low, std::int64_t high) const { return with(&regnet_sampler::group_w_, low, high); }
  [[nodiscard]] regnet_sampler bot_mul(double low, double high) const { return with(&regnet_sampler::bot_mul_, low, high); }

  void validate(std::string_view key_path) const {
    if (key_path != "REGNET") throw error({}, std::string(key_path), "regnet_sampler can only be used for the key REGNET");
    depth_.validate("REGNET.DEPTH");
    w0_.validate("REGNET.W0");
    wa_.validate("REGNET.WA");
    wm_.validate("REGNET.WM");
    group_w_.validate("REGNET.GROUP_W");
    bot_mul_.validate("REGNET.BOT_MUL");
  }
  /// @brief Draws in pycls's order: depth, w0, wa, wm, group_w, bot_mul.
  [[nodiscard]] regnet_values draw(numpy_rng& rng) const {
    regnet_values v;
    v.depth = depth_.draw(rng);
    v.w0 = w0_.draw(rng);
    v.wa = wa_.draw(rng);
    v.wm = wm_.draw(rng);
    v.group_w = group_w_.draw(rng);
    v.bot_mul = bot_mul_.draw(rng);
    return v;
  }
  void append_key_text(std::string& out, std::string_view, const regnet_values& v) const {
    append_key_value(out, "REGNET.DEPTH", v.depth);
    append_key_value(out, "REGNET.W0", v.w0);
    append_key_value(out, "REGNET.WA", v.wa);
    append_key_value(out, "REGNET.WM", v.wm);
    append_key_value(out, "REGNET.GROUP_W", v.group_w);
    append_key_value(out, "REGNET.BOT_MUL", v.bot_mul);
  }
  void append_params(param_list& out, std::string_view, const regnet_values& v) const {
    out.emplace_back("REGNET.DEPTH", value{v.depth});
    out.emplace_back("REGNET.W0", value{v.w0});
    out.emplace_back("REGNET.WA", value{v.wa});
    out.emplace_back("REGNET.WM", value{v.wm});
    out.emplace_back("REGNET.GROUP_W", value{v.group_w});
    out.emplace_back("REGNET.BOT_MUL", value{v.bot_mul});
  }

 private:
  template <class T>
  [[nodiscard]] regnet_sampler with(scalar_sampler<T> regnet_sampler::*member, T low, T high) const {
    auto copy = *this;
    (copy.*member).low = low;
    (copy.*member).high = high;
    return copy;
  }
};

/// @brief `regnet()`: pycls's regnet_sampler with its default ranges; narrow them with .depth(lo, hi) etc.
struct regnet_fn {
  regnet_sampler operator()() const { return {}; }
};
inline constexpr regnet_fn regnet{};

}  // namespace sweep
