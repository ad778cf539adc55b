// Combinators beyond random sampling. Finite samplers (values, int_range,
// linspace, geomspace, and choice) are the axes of finite spaces:
//   grid(k = axis, ...)        every combination once, last axis fastest
//   zip(k = axis, ...)         the axes advanced together (one length)
//   concat(space, ...)         the parts one after another (a record is a variant)
//   join(space, when(k, v, s)) s drawn only when the record so far has k == v
//   sobol(k = sampler, ...)    a scrambled Sobol sequence through inverse CDFs
// Finite spaces have size() and at(i) and the setup engine enumerates them;
// a sobol space has at(i) only (an endless sequence). All of them also draw(rng),
// so they nest in random spaces, and take constraints with `| where(...)`.
#pragma once

#include <sweep/error.hpp>
#include <sweep/random.hpp>
#include <sweep/space/detail/sobol.hpp>
#include <sweep/space/key.hpp>
#include <sweep/space/samplers.hpp>
#include <sweep/space/space.hpp>
#include <sweep/value.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

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

/// @brief The most configs a finite space may have (sizes and indices stay far from uint64's wrap).
inline constexpr std::uint64_t max_space_size = std::uint64_t{1} << 62;

/// @brief a * b, or an error naming `what` when it is more than 2^62.
inline std::uint64_t checked_mul(std::uint64_t a, std::uint64_t b, std::string_view what) {
  if (a != 0 && b > max_space_size / a) throw error(fmt::format("{}: more than 2^62 configs: expected a smaller space", what));
  return a * b;
}

/// @brief a + b, or an error naming `what` when it is more than 2^62.
inline std::uint64_t checked_add(std::uint64_t a, std::uint64_t b, std::string_view what) {
  if (a > max_space_size || b > max_space_size - a) {
    throw error(fmt::format("{}: more than 2^62 configs: expected a smaller space", what));
  }
  return a + b;
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

/// @brief A finite sampler's size() and at(i) (sweep::finite_sampler).
template <class S>
struct axis_traits {
  static constexpr bool is_axis = sweep::finite_sampler<S>;
  static std::uint64_t size(const S& s) { return s.size(); }
  static decltype(auto) at(const S& s, std::uint64_t i) { return s.at(i); }
};

/// @brief The length of an axis when its type knows it, else 0.
template <class S>
constexpr std::size_t static_size_of() {
  if constexpr (requires { S::static_size; }) return S::static_size;
  return 0;
}

}  // namespace detail

// ---------------------------------------------------------------------------
// Space concepts, and the pieces every combinator shares.

/// @brief How the setup engine goes through a space.
enum class space_kind {
  random,    // draw(rng) over and over (pycls's way)
  finite,    // size() configs, at(0) ... at(size() - 1)
  sequence,  // at(0), at(1), ... without end (quasi-random)
};

/// @brief A space with a fixed number of records, each reachable by index.
template <class S>
concept finite_space = requires(const S& s, std::uint64_t i) {
  { s.size() } -> std::convertible_to<std::uint64_t>;
  { s.at(i) } -> std::same_as<typename S::record_type>;
};

/// @brief A space whose records are reachable by index (finite or an endless sequence).
template <class S>
concept indexed_space = requires(const S& s, std::uint64_t i) {
  { s.at(i) } -> std::same_as<typename S::record_type>;
};

/// @brief How the engine should go through `s` (a runtime space says so itself).
template <class S>
space_kind kind_of(const S& s) {
  if constexpr (requires { { s.kind() } -> std::same_as<space_kind>; }) {
    return s.kind();
  } else if constexpr (finite_space<S>) {
    return space_kind::finite;
  } else if constexpr (indexed_space<S>) {
    return space_kind::sequence;
  } else {
    return space_kind::random;
  }
}

/// @brief Whether a finite space asks for its configs in a seeded random order.
template <class S>
bool is_shuffled(const S& s) {
  if constexpr (requires { { s.shuffled() } -> std::convertible_to<bool>; }) {
    return s.shuffled();
  } else {
    return false;
  }
}

/// @brief The space with its seeded parts (sobol scrambles) seeded from `seed` (RNG_SEED).
template <class S>
S with_seed(const S& s, std::uint64_t seed) {
  if constexpr (requires { { s.with_seed(seed) } -> std::same_as<S>; }) {
    return s.with_seed(seed);
  } else {
    return s;
  }
}

template <class Space, class Pred>
class filtered_space;

namespace detail {

/// @brief A predicate over a record; a concat's variant record is visited (the predicate must take every part).
template <class Pred, class Record>
bool holds(const constraint<Pred>& c, const Record& r) {
  if constexpr (requires { std::visit([](auto&) {}, r); }) {
    return std::visit([&](auto& part) { return c(part); }, r);
  } else {
    return c(r);
  }
}

/// @brief Gives a combinator `space | where(pred)` (and so `| all_of(...)` etc.).
template <class Derived>
struct pipeable {
  template <class Pred>
  friend auto operator|(Derived s, constraint<Pred> c) {
    // The predicate is instantiated on every record here: a key the space lacks fails at the `|`.
    static_cast<void>(&holds<Pred, typename Derived::record_type>);
    return filtered_space<Derived, Pred>(std::move(s), std::move(c));
  }
  template <not_a_constraint F>
  friend auto operator|(Derived s, F) {
    pipe_without_where<F>();
    return s;  // after the assertion: no second error where the result is used
  }
};

template <class T>
struct is_variant : std::false_type {};
template <class... T>
struct is_variant<std::variant<T...>> : std::true_type {};

/// @brief Whether a record has key `Key`; a concat's variant record has it when every part has it.
template <class Key, class Record>
constexpr bool record_has() {
  if constexpr (is_variant<Record>::value) {
    return []<class... R>(std::variant<R...>*) { return (record_has<Key, R>() && ...); }(static_cast<Record*>(nullptr));
  } else {
    return Record::has(Key{});
  }
}

/// @brief The value of `Key` in a record (read from whichever part a variant record holds).
template <class Key, class Record>
decltype(auto) read_key(const Record& r) {
  if constexpr (is_variant<Record>::value) {
    using V = decltype([]<class... R>(std::variant<R...>*) {
      return std::common_type_t<std::decay_t<decltype(std::declval<const R&>()[Key{}])>...>{};
    }(static_cast<Record*>(nullptr)));
    return std::visit([](const auto& part) -> V { return part[Key{}]; }, r);
  } else {
    return r[Key{}];
  }
}

}  // namespace detail

/// @brief A combinator space whose records must also pass a constraint; keeps the space's size, order and seed.
template <class Space, class Pred>
class filtered_space : public detail::pipeable<filtered_space<Space, Pred>> {
 public:
  using record_type = typename Space::record_type;
  filtered_space(Space inner, constraint<Pred> c)
      : space_(std::move(inner)), constraint_(std::move(c)), inner_wheres_(detail::count_wheres(space_)) {}

  [[nodiscard]] record_type draw(numpy_rng& rng) const { return space_.draw(rng); }
  [[nodiscard]] bool accepts(const record_type& r) const { return space_.accepts(r) && detail::holds(constraint_, r); }
  [[nodiscard]] std::size_t rejected_by(const record_type& r) const {
    if (auto inner = detail::rejected_by(space_, r)) return inner;
    return detail::holds(constraint_, r) ? 0 : inner_wheres_ + 1;
  }
  void append_where_names(std::vector<std::string>& out) const {
    detail::append_where_names(space_, out);
    detail::append_where_name(out, constraint_.name);
  }
  void append_key_text(std::string& out, const record_type& r) const { space_.append_key_text(out, r); }
  void append_params(param_list& out, const record_type& r) const { space_.append_params(out, r); }

  [[nodiscard]] std::uint64_t size() const requires finite_space<Space> { return space_.size(); }
  [[nodiscard]] record_type at(std::uint64_t i) const requires indexed_space<Space> { return space_.at(i); }
  [[nodiscard]] bool shuffled() const { return is_shuffled(space_); }
  [[nodiscard]] filtered_space with_seed(std::uint64_t seed) const {
    return {sweep::with_seed(space_, seed), constraint_};
  }

 private:
  Space space_;
  constraint<Pred> constraint_;
  std::size_t inner_wheres_;  // this where's number is one more
};

/// @brief A finite space whose configs setup writes in a random order (seeded by RNG_SEED).
template <class Space>
class shuffled_space : public detail::pipeable<shuffled_space<Space>> {
 public:
  using record_type = typename Space::record_type;
  explicit shuffled_space(Space inner) : space_(std::move(inner)) {}

  [[nodiscard]] record_type draw(numpy_rng& rng) const { return space_.draw(rng); }
  [[nodiscard]] bool accepts(const record_type& r) const { return space_.accepts(r); }
  [[nodiscard]] std::size_t rejected_by(const record_type& r) const { return detail::rejected_by(space_, r); }
  void append_where_names(std::vector<std::string>& out) const { detail::append_where_names(space_, out); }
  void append_key_text(std::string& out, const record_type& r) const { space_.append_key_text(out, r); }
  void append_params(param_list& out, const record_type& r) const { space_.append_params(out, r); }
  [[nodiscard]] std::uint64_t size() const { return space_.size(); }
  [[nodiscard]] record_type at(std::uint64_t i) const { return space_.at(i); }
  [[nodiscard]] static constexpr bool shuffled() noexcept { return true; }

 private:
  Space space_;
};

/// @brief `shuffle(space)`: the finite space's configs in a random order (RNG_SEED) instead of index order.
struct shuffle_fn {
  template <class Space>
  auto operator()(Space inner) const {
    static_assert(finite_space<Space>, "sweep::shuffle(inner) requires a finite inner (grid, zip, concat or join of finite parts)");
    return shuffled_space<Space>(std::move(inner));
  }
};
inline constexpr shuffle_fn shuffle{};

// ---------------------------------------------------------------------------
// grid and zip: finite samplers bound to keys.

namespace detail {

template <class... Bindings>
class axes_base;

/// @brief What grid and zip share: keys bound to finite samplers, records like a typed space's.
template <class... Keys, class... Samplers>
class axes_base<binding<Keys, Samplers>...> {
 public:
  using record_type = record<key_list<Keys...>, typename Samplers::value_type...>;

  explicit axes_base(Samplers... samplers) : samplers_(std::move(samplers)...) {
    std::apply([](auto&... s) { (s.validate(Keys::name), ...); }, samplers_);
    sizes_ = std::apply([](auto&... s) { return std::array<std::uint64_t, sizeof...(Keys)>{axis_traits<Samplers>::size(s)...}; }, samplers_);
  }

  [[nodiscard]] constexpr bool accepts(const record_type&) const { return true; }
  void append_key_text(std::string& out, const record_type& r) const {
    for_each_pair(r, [&](auto& sampler, std::string_view name, auto& v) { sampler.append_key_text(out, name, v); });
  }
  void append_params(param_list& out, const record_type& r) const {
    for_each_pair(r, [&](auto& sampler, std::string_view name, auto& v) { sampler.append_params(out, name, v); });
  }

 protected:
  /// @brief The record of axis indices idx[0..n).
  template <class Index>
  record_type make(const Index& idx) const {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return record_type{{typename Samplers::value_type(axis_traits<Samplers>::at(std::get<I>(samplers_), idx[I]))...}};
    }(std::index_sequence_for<Keys...>{});
  }

  template <class F>
  void for_each_pair(const record_type& r, F&& f) const {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (f(std::get<I>(samplers_), Keys::name, std::get<I>(r.values)), ...);
    }(std::index_sequence_for<Keys...>{});
  }

  std::tuple<Samplers...> samplers_;
  std::array<std::uint64_t, sizeof...(Keys)> sizes_{};
};

}  // namespace detail

template <class... Bindings>
class grid_space;

/// @brief The Cartesian product of finite samplers: every combination once, last axis fastest.
template <class... Keys, class... Samplers>
class grid_space<binding<Keys, Samplers>...> : public detail::axes_base<binding<Keys, Samplers>...>,
                                               public detail::pipeable<grid_space<binding<Keys, Samplers>...>> {
  static_assert(detail::keys_unique<Keys...>(), "sweep::grid: each key may be bound only once");
  static_assert(detail::keys_disjoint<Keys...>(),
                "sweep::grid: a key may not contain another (OPTIM and OPTIM.BASE_LR): bind only the leaf keys");
  using base = detail::axes_base<binding<Keys, Samplers>...>;

 public:
  using typename base::record_type;

  explicit grid_space(binding<Keys, Samplers>... bindings) : base(std::move(bindings.sampler)...) {
    size_ = 1;
    for (auto n : this->sizes_) size_ = detail::checked_mul(size_, n, "sweep::grid");
  }

  /// @brief The product of the axes' sizes.
  [[nodiscard]] std::uint64_t size() const noexcept { return size_; }
  /// @brief Combination i, as itertools.product orders them (the last axis changes fastest).
  [[nodiscard]] record_type at(std::uint64_t i) const {
    std::array<std::uint64_t, sizeof...(Keys)> idx{};
    for (std::size_t a = sizeof...(Keys); a-- > 0;) {
      idx[a] = i % this->sizes_[a];
      i /= this->sizes_[a];
    }
    return this->make(idx);
  }
  /// @brief One combination with every axis drawn uniformly (left to right).
  [[nodiscard]] record_type draw(numpy_rng& rng) const {
    std::array<std::uint64_t, sizeof...(Keys)> idx{};
    for (std::size_t a = 0; a < sizeof...(Keys); ++a) idx[a] = static_cast<std::uint64_t>(rng.randint(static_cast<std::int64_t>(this->sizes_[a])));
    return this->make(idx);
  }

 private:
  std::uint64_t size_ = 1;
};

/// @brief `grid("A"_k = values(1, 2), "B"_k = linspace(0.1, 0.5, 5))`: every combination of finite samplers.
struct grid_fn {
  template <class... Keys, class... Samplers>
  auto operator()(binding<Keys, Samplers>... bindings) const {
    static_assert(sizeof...(Keys) > 0, "sweep::grid(axes...) requires at least one axis");
    static_assert((finite_sampler<Samplers> && ...),
                  "sweep::grid(axes...) requires finite samplers: values(...), choice(...), int_range(lo, hi, step), "
                  "linspace(lo, hi, count) or geomspace(lo, hi, count)");
    return grid_space<binding<Keys, Samplers>...>(std::move(bindings)...);
  }
};
inline constexpr grid_fn grid{};

template <class... Bindings>
class zip_space;

/// @brief Finite samplers advanced together: record i takes item i of every axis.
template <class... Keys, class... Samplers>
class zip_space<binding<Keys, Samplers>...> : public detail::axes_base<binding<Keys, Samplers>...>,
                                              public detail::pipeable<zip_space<binding<Keys, Samplers>...>> {
  static_assert(detail::keys_unique<Keys...>(), "sweep::zip: each key may be bound only once");
  static_assert(detail::keys_disjoint<Keys...>(),
                "sweep::zip: a key may not contain another (OPTIM and OPTIM.BASE_LR): bind only the leaf keys");
  using base = detail::axes_base<binding<Keys, Samplers>...>;

 public:
  using typename base::record_type;

  explicit zip_space(binding<Keys, Samplers>... bindings) : base(std::move(bindings.sampler)...) {
    constexpr std::array<std::string_view, sizeof...(Keys)> names{Keys::name...};
    for (std::size_t a = 1; a < names.size(); ++a) {
      if (this->sizes_[a] != this->sizes_[0]) {
        throw error({}, std::string(names[a]),
                    fmt::format("sweep::zip: this axis has {} values but {} has {}: expected axes of one length",
                                this->sizes_[a], names[0], this->sizes_[0]));
      }
    }
  }

  [[nodiscard]] std::uint64_t size() const noexcept { return this->sizes_[0]; }
  [[nodiscard]] record_type at(std::uint64_t i) const {
    std::array<std::uint64_t, sizeof...(Keys)> idx;
    idx.fill(i);
    return this->make(idx);
  }
  [[nodiscard]] record_type draw(numpy_rng& rng) const {
    return at(static_cast<std::uint64_t>(rng.randint(static_cast<std::int64_t>(size()))));
  }
};

/// @brief `zip("A"_k = values(1, 2), "B"_k = values(.1, .2))`: (1, .1), (2, .2).
struct zip_fn {
  template <class... Keys, class... Samplers>
  auto operator()(binding<Keys, Samplers>... bindings) const {
    static_assert(sizeof...(Keys) > 0, "sweep::zip(axes...) requires at least one axis");
    static_assert((finite_sampler<Samplers> && ...),
                  "sweep::zip(axes...) requires finite samplers: values(...), choice(...), int_range(lo, hi, step), "
                  "linspace(lo, hi, count) or geomspace(lo, hi, count)");
    constexpr std::array<std::size_t, sizeof...(Samplers)> lengths{detail::static_size_of<Samplers>()...};
    constexpr bool one_length = [&] {
      std::size_t first = 0;
      for (auto n : lengths) {
        if (n == 0) continue;  // known only at run time: checked by zip_space
        if (first == 0) first = n;
        if (n != first) return false;
      }
      return true;
    }();
    static_assert(one_length, "sweep::zip(axes...) requires axes of one length: these values(...) lists differ in length");
    return zip_space<binding<Keys, Samplers>...>(std::move(bindings)...);
  }
};
inline constexpr zip_fn zip{};

// ---------------------------------------------------------------------------
// join and when: spaces drawn one after another, later ones on a condition.

/// @brief `when(key, value, space)`: `space` is drawn only when the record so far has key == value (for join).
template <class Key, class V, class Space>
struct when_part {
  V equals;
  Space space;
};

struct when_fn {
  template <fixed_string Text, class V, class Space>
  auto operator()(param_key<Text>, V equals, Space inner) const {
    return when_part<param_key<Text>, detail::drawn_t<V>, Space>{detail::drawn_t<V>(std::move(equals)), std::move(inner)};
  }
};
inline constexpr when_fn when{};

/// @brief The record of a `when` part: the inner record when the condition held, else nothing.
template <class Record>
struct conditional_record {
  std::optional<Record> inner;

  template <fixed_string Text>
  static constexpr bool has(param_key<Text>) {
    return Record::has(param_key<Text>{});
  }
  /// @brief The value of `k` as an optional: empty when the condition did not hold.
  template <fixed_string Text>
  [[nodiscard]] auto operator[](param_key<Text>) const {
    using V = std::decay_t<decltype(std::declval<const Record&>()[param_key<Text>{}])>;
    return inner ? std::optional<V>((*inner)[param_key<Text>{}]) : std::optional<V>();
  }
  [[nodiscard]] bool active() const noexcept { return inner.has_value(); }
  friend bool operator==(const conditional_record&, const conditional_record&) = default;
};

/// @brief The record of a join: the first part's record and the second's; `r[k]` looks in both.
template <class First, class Second>
struct joined_record {
  First first;
  Second second;

  template <fixed_string Text>
  static constexpr bool has(param_key<Text>) {
    return detail::record_has<param_key<Text>, First>() || detail::record_has<param_key<Text>, Second>();
  }
  template <fixed_string Text>
  [[nodiscard]] decltype(auto) operator[](param_key<Text>) const {
    if constexpr (detail::record_has<param_key<Text>, First>()) {
      return detail::read_key<param_key<Text>>(first);
    } else if constexpr (detail::record_has<param_key<Text>, Second>()) {
      return detail::read_key<param_key<Text>>(second);
    } else {
      static_assert(detail::dependent_false<param_key<Text>>,
                    "sweep::record::operator[]: the space has no such key (the key is named in the "
                    "'param_key<...>' of this instantiation); add it to sweep::space or fix its spelling "
                    "(a sweep::where(pred) may read only the keys of the space it constrains)");
      return 0;
    }
  }
  friend bool operator==(const joined_record&, const joined_record&) = default;
};

namespace detail {

template <class T>
struct is_when : std::false_type {};
template <class K, class V, class S>
struct is_when<when_part<K, V, S>> : std::true_type {};

/// @brief x == v, where an optional x (a key of a when part) that is empty never matches.
template <class X, class V>
bool matches(const X& x, const V& v) {
  if constexpr (requires { x.has_value(); *x == v; }) {
    return x.has_value() && *x == v;
  } else {
    return x == v;
  }
}

/// @brief The second part of a join: a plain space, or a when over one.
template <class Part>
struct join_part {
  using space_type = Part;
  using record_type = typename Part::record_type;
  static const Part& space(const Part& p) { return p; }
  template <class R>
  static bool active(const Part&, const R&) { return true; }
  static record_type wrap(record_type r) { return r; }
  static bool present(const record_type&) { return true; }
  static const record_type& unwrap(const record_type& r) { return r; }
};
template <class K, class V, class S>
struct join_part<when_part<K, V, S>> {
  using space_type = S;
  using record_type = conditional_record<typename S::record_type>;
  static const S& space(const when_part<K, V, S>& p) { return p.space; }
  template <class R>
  static bool active(const when_part<K, V, S>& p, const R& r) { return matches(read_key<K>(r), p.equals); }
  static record_type wrap(typename S::record_type r) { return {std::move(r)}; }
  static bool present(const record_type& r) { return r.active(); }
  static const typename S::record_type& unwrap(const record_type& r) { return *r.inner; }
};

}  // namespace detail

/// @brief Two spaces drawn one after another; the second may be a when(...) over the first's keys.
template <class First, class Second>
class joined_space : public detail::pipeable<joined_space<First, Second>> {
  using part = detail::join_part<Second>;
  using inner = typename part::space_type;
  static constexpr bool finite = finite_space<First> && finite_space<inner>;

 public:
  using record_type = joined_record<typename First::record_type, typename part::record_type>;

  joined_space(First first, Second second)
      : first_(std::move(first)), second_(std::move(second)), first_wheres_(detail::count_wheres(first_)) {
    if constexpr (finite) {
      if constexpr (detail::is_when<Second>::value) {
        // Record i of the join: which first record it extends, found by bisection on these counts.
        offsets_.reserve(first_.size() + 1);
        std::uint64_t total = 0;
        offsets_.push_back(0);
        auto n = part::space(second_).size();
        for (std::uint64_t i = 0; i < first_.size(); ++i) {
          total = detail::checked_add(total, part::active(second_, first_.at(i)) ? n : 1, "sweep::join");
          offsets_.push_back(total);
        }
      }
    }
  }

  [[nodiscard]] record_type draw(numpy_rng& rng) const {
    auto a = first_.draw(rng);
    return {a, next(a, [&](const inner& s) { return s.draw(rng); })};
  }
  [[nodiscard]] bool accepts(const record_type& r) const {
    return first_.accepts(r.first) && (!part::present(r.second) || part::space(second_).accepts(part::unwrap(r.second)));
  }
  /// @brief The first part's wheres are numbered first, then the second's.
  [[nodiscard]] std::size_t rejected_by(const record_type& r) const {
    if (auto first = detail::rejected_by(first_, r.first)) return first;
    if (!part::present(r.second)) return 0;
    auto second = detail::rejected_by(part::space(second_), part::unwrap(r.second));
    return second == 0 ? 0 : first_wheres_ + second;
  }
  void append_where_names(std::vector<std::string>& out) const {
    detail::append_where_names(first_, out);
    detail::append_where_names(part::space(second_), out);
  }
  void append_key_text(std::string& out, const record_type& r) const {
    first_.append_key_text(out, r.first);
    if (part::present(r.second)) part::space(second_).append_key_text(out, part::unwrap(r.second));
  }
  void append_params(param_list& out, const record_type& r) const {
    first_.append_params(out, r.first);
    if (part::present(r.second)) part::space(second_).append_params(out, part::unwrap(r.second));
  }

  [[nodiscard]] std::uint64_t size() const requires finite {
    if constexpr (detail::is_when<Second>::value) {
      return offsets_.back();
    } else {
      return detail::checked_mul(first_.size(), part::space(second_).size(), "sweep::join");
    }
  }
  /// @brief Record i: the first part's records in order, each with every record of the second it allows.
  [[nodiscard]] record_type at(std::uint64_t i) const requires finite {
    if constexpr (detail::is_when<Second>::value) {
      auto it = std::upper_bound(offsets_.begin(), offsets_.end(), i) - 1;
      auto a = first_.at(static_cast<std::uint64_t>(it - offsets_.begin()));
      auto j = i - *it;
      return {a, next(a, [&](const inner& s) { return s.at(j); })};
    } else {
      auto n = part::space(second_).size();
      return {first_.at(i / n), part::space(second_).at(i % n)};
    }
  }

 private:
  template <class F>
  typename part::record_type next(const typename First::record_type& a, F&& make) const {
    if constexpr (detail::is_when<Second>::value) {
      if (!part::active(second_, a)) return {};
    }
    return part::wrap(make(part::space(second_)));
  }

  First first_;
  Second second_;
  std::size_t first_wheres_;  // the second part's wheres are numbered after these
  std::vector<std::uint64_t> offsets_;
};

/// @brief `join(a, b, ...)`: spaces drawn one after another into one record; a later part may be `when(k, v, s)`.
struct join_fn {
  template <class First, class Second, class... Rest>
  auto operator()(First first, Second second, Rest... rest) const {
    static_assert(!detail::is_when<First>::value,
                  "sweep::join(a, when(...)) requires a space before the when: its key must come from an earlier part");
    if constexpr (detail::is_when<Second>::value) {
      check_when<First>(static_cast<Second*>(nullptr));
    }
    auto joined = joined_space<First, Second>(std::move(first), std::move(second));
    if constexpr (sizeof...(Rest) == 0) {
      return joined;
    } else {
      return (*this)(std::move(joined), std::move(rest)...);
    }
  }

 private:
  template <class First, class K, class V, class S>
  static constexpr void check_when(when_part<K, V, S>*) {
    static_assert(detail::record_has<K, typename First::record_type>(),
                  "sweep::join(a, when(key, value, b)) requires the condition key to be a key of the parts "
                  "joined before the when; bind it in an earlier part or fix its spelling");
  }
};
inline constexpr join_fn join{};

// ---------------------------------------------------------------------------
// concat: the union of spaces, one after another.

namespace detail {

/// @brief f(std::integral_constant<std::size_t, I>) for the runtime index i < N.
template <std::size_t N, class F>
auto with_index(std::size_t i, F&& f) -> decltype(f(std::integral_constant<std::size_t, 0>{})) {
  using R = decltype(f(std::integral_constant<std::size_t, 0>{}));
  return [&]<std::size_t... I>(std::index_sequence<I...>) -> R {
    if constexpr (std::is_void_v<R>) {
      ((i == I ? (f(std::integral_constant<std::size_t, I>{}), true) : false) || ...);
    } else {
      std::optional<R> out;
      ((i == I ? (out.emplace(f(std::integral_constant<std::size_t, I>{})), true) : false) || ...);
      return std::move(*out);
    }
  }(std::make_index_sequence<N>{});
}

}  // namespace detail

/// @brief Several spaces, each with its own keys: a record is one part's record (a variant).
template <class... Parts>
class concat_space : public detail::pipeable<concat_space<Parts...>> {
  static constexpr bool finite = (finite_space<Parts> && ...);
  static constexpr std::size_t n = sizeof...(Parts);

 public:
  using record_type = std::variant<typename Parts::record_type...>;

  explicit concat_space(Parts... parts) : parts_(std::move(parts)...) {
    std::size_t wheres = 0, part = 0;
    std::apply([&](auto&... p) { ((wheres_before_[part++] = wheres, wheres += detail::count_wheres(p)), ...); }, parts_);
    if constexpr (finite) {
      offsets_[0] = 0;
      std::size_t k = 0;
      std::apply([&](auto&... p) { ((offsets_[k + 1] = detail::checked_add(offsets_[k], p.size(), "sweep::concat"), ++k), ...); }, parts_);
    }
  }

  /// @brief A part chosen uniformly, then a record of it.
  [[nodiscard]] record_type draw(numpy_rng& rng) const {
    auto p = static_cast<std::size_t>(rng.randint(static_cast<std::int64_t>(n)));
    return detail::with_index<n>(p, [&](auto I) { return record_type(std::in_place_index<I>, std::get<I>(parts_).draw(rng)); });
  }
  [[nodiscard]] bool accepts(const record_type& r) const {
    return detail::with_index<n>(r.index(), [&](auto I) { return std::get<I>(parts_).accepts(std::get<I>(r)); });
  }
  /// @brief Each part's wheres are numbered after those of the parts before it.
  [[nodiscard]] std::size_t rejected_by(const record_type& r) const {
    return detail::with_index<n>(r.index(), [&](auto I) -> std::size_t {
      auto k = detail::rejected_by(std::get<I>(parts_), std::get<I>(r));
      return k == 0 ? 0 : wheres_before_[I] + k;
    });
  }
  void append_where_names(std::vector<std::string>& out) const {
    std::apply([&](auto&... p) { (detail::append_where_names(p, out), ...); }, parts_);
  }
  void append_key_text(std::string& out, const record_type& r) const {
    detail::with_index<n>(r.index(), [&](auto I) { std::get<I>(parts_).append_key_text(out, std::get<I>(r)); });
  }
  void append_params(param_list& out, const record_type& r) const {
    detail::with_index<n>(r.index(), [&](auto I) { std::get<I>(parts_).append_params(out, std::get<I>(r)); });
  }

  /// @brief The sum of the parts' sizes.
  [[nodiscard]] std::uint64_t size() const requires finite { return offsets_[n]; }
  /// @brief The first part's records, then the second's, ...
  [[nodiscard]] record_type at(std::uint64_t i) const requires finite {
    auto p = static_cast<std::size_t>(std::upper_bound(offsets_.begin(), offsets_.end(), i) - offsets_.begin() - 1);
    return detail::with_index<n>(p, [&](auto I) {
      return record_type(std::in_place_index<I>, std::get<I>(parts_).at(i - offsets_[I]));
    });
  }

 private:
  std::tuple<Parts...> parts_;
  std::array<std::uint64_t, n + 1> offsets_{};
  std::array<std::size_t, n> wheres_before_{};  // part I's wheres are numbered after these
};

/// @brief `concat(a, b, ...)`: the union of spaces (e.g. two model families, each with its own keys).
struct concat_fn {
  template <class... Parts>
  auto operator()(Parts... parts) const {
    static_assert(sizeof...(Parts) > 0, "sweep::concat(spaces...) requires at least one space");
    static_assert(!(detail::is_when<Parts>::value || ...), "sweep::concat(spaces...) takes spaces; use when(...) inside join(...)");
    return concat_space<Parts...>(std::move(parts)...);
  }
};
inline constexpr concat_fn concat{};

// ---------------------------------------------------------------------------
// sobol: quasi-random points through each sampler's inverse CDF.

namespace detail {

/// @brief pycls's draw of `s` with its uniform variate(s) replaced by u in [0, 1).
template <class T>
T from_unit(const scalar_sampler<T>& s, double u) {
  double lo = to_double(s.low), hi = to_double(s.high), q = to_double(s.q);
  switch (s.type) {
    case rand_type::uniform:
      return quantize(lo + u * (sum_to_double(s.high, s.q) - lo), s.q, rounding::floor);
    case rand_type::log_uniform: {
      double lower = lo / 2.0 < q ? lo - lo / 2.0 : sum_to_double(s.low, -s.q);
      double a = -std::log(hi), b = -std::log(lower);
      return quantize(std::exp(-(a + u * (b - a))), s.q, rounding::ceil);
    }
    case rand_type::power2_uniform: {
      double a = std::log2(lo), b = std::log2(hi) + 1.0;
      return quantize(std::pow(2.0, std::floor(a + u * (b - a))), s.q, rounding::floor);
    }
    case rand_type::power2_or_log_uniform: {
      // The exponent takes u's stratum; where log_uniform follows, u's place inside it is a fresh uniform.
      double a = std::log2(lo), b = std::log2(hi) + 1.0, x = a + u * (b - a), e = std::floor(x);
      T f = quantize(std::pow(2.0, e), s.low, rounding::floor);
      if (f < s.q) return f;
      scalar_sampler<T> log_part{rand_type::log_uniform, py_max(s.low, s.q), s.high, py_min(s.high, s.q)};
      double rest = (x - std::max(e, a)) / (std::min(e + 1, b) - std::max(e, a));
      return from_unit(log_part, std::clamp(rest, 0.0, std::nextafter(1.0, 0.0)));
    }
    case rand_type::normal:
    case rand_type::log_normal: {
      // pycls redraws until inside [low, high]: a normal truncated at mu -/+ 3 sigma.
      bool log = s.type == rand_type::log_normal;
      double a = log ? std::log(lo) : lo, b = log ? std::log(hi) : hi;
      double mu = (a + b) / 2, sigma = (b - a) / 6;
      double f = mu;
      if (sigma > 0) {
        double pa = normal_cdf(-3.0), pb = normal_cdf(3.0);
        f = std::clamp(mu + sigma * inverse_normal_cdf(pa + u * (pb - pa)), a, b);
      }
      if (log) f = std::clamp(std::exp(f), lo, hi);
      return quantize(f, s.q, rounding::half_even);
    }
  }
  return s.low;
}

/// @brief A finite sampler: the item of u's stratum.
template <sweep::finite_sampler S>
auto from_unit(const S& s, double u) {
  auto n = axis_traits<S>::size(s);
  auto i = std::min<std::uint64_t>(n - 1, static_cast<std::uint64_t>(u * static_cast<double>(n)));
  return typename S::value_type(axis_traits<S>::at(s, i));
}

template <class S>
concept unit_mappable = requires(const S& s) { from_unit(s, 0.5); };

}  // namespace detail

template <class... Bindings>
class sobol_space;

/// @brief A scrambled Sobol sequence: point i maps each of its coordinates through one sampler's inverse CDF.
template <class... Keys, class... Samplers>
class sobol_space<binding<Keys, Samplers>...> : public detail::pipeable<sobol_space<binding<Keys, Samplers>...>> {
  static_assert(detail::keys_unique<Keys...>(), "sweep::sobol: each key may be bound only once");
  static_assert(detail::keys_disjoint<Keys...>(),
                "sweep::sobol: a key may not contain another (OPTIM and OPTIM.BASE_LR): bind only the leaf keys");
  static constexpr std::size_t dims = sizeof...(Keys);

 public:
  using record_type = record<key_list<Keys...>, typename Samplers::value_type...>;

  explicit sobol_space(binding<Keys, Samplers>... bindings) : samplers_(std::move(bindings.sampler)...) {
    std::apply([](auto&... s) { (s.validate(Keys::name), ...); }, samplers_);
  }

  /// @brief The same sequence with another Owen scramble (setup passes RNG_SEED).
  [[nodiscard]] sobol_space with_seed(std::uint64_t seed) const {
    auto copy = *this;
    copy.seed_ = seed;
    return copy;
  }
  [[nodiscard]] std::uint64_t seed() const noexcept { return seed_; }

  /// @brief Point i of the scrambled sequence in [0, 1)^dims, before the inverse CDFs.
  [[nodiscard]] std::array<double, dims> unit_point(std::uint64_t i) const {
    std::array<double, dims> u{};
    for (std::size_t d = 0; d < dims; ++d) u[d] = detail::sobol_unit(i, d, seed_);
    return u;
  }
  [[nodiscard]] record_type at(std::uint64_t i) const { return map(unit_point(i)); }
  /// @brief A pseudo-random point (for a sobol space nested in a random one).
  [[nodiscard]] record_type draw(numpy_rng& rng) const {
    std::array<double, dims> u{};
    for (auto& x : u) x = rng.uniform(0.0, 1.0);
    return map(u);
  }
  [[nodiscard]] constexpr bool accepts(const record_type&) const { return true; }
  void append_key_text(std::string& out, const record_type& r) const {
    for_each_pair(r, [&](auto& sampler, std::string_view name, auto& v) { sampler.append_key_text(out, name, v); });
  }
  void append_params(param_list& out, const record_type& r) const {
    for_each_pair(r, [&](auto& sampler, std::string_view name, auto& v) { sampler.append_params(out, name, v); });
  }

 private:
  record_type map(const std::array<double, dims>& u) const {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return record_type{{typename Samplers::value_type(detail::from_unit(std::get<I>(samplers_), u[I]))...}};
    }(std::index_sequence_for<Keys...>{});
  }
  template <class F>
  void for_each_pair(const record_type& r, F&& f) const {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (f(std::get<I>(samplers_), Keys::name, std::get<I>(r.values)), ...);
    }(std::index_sequence_for<Keys...>{});
  }

  std::tuple<Samplers...> samplers_;
  std::uint64_t seed_ = 0;
};

/// @brief `sobol("OPTIM.BASE_LR"_k = log_uniform(0.1, 10.0).quantize(1e-10), ...)`: quasi-random, scrambled by RNG_SEED.
struct sobol_fn {
  template <class... Keys, class... Samplers>
  auto operator()(binding<Keys, Samplers>... bindings) const {
    static_assert(sizeof...(Keys) > 0, "sweep::sobol(samplers...) requires at least one sampler");
    static_assert(sizeof...(Keys) <= detail::sobol_max_dims, "sweep::sobol(samplers...) supports at most 21 keys");
    static_assert((detail::unit_mappable<Samplers> && ...),
                  "sweep::sobol(samplers...) requires scalar samplers (uniform, log_uniform, normal, ...) or finite "
                  "samplers (values, choice, int_range, linspace); list_of and regnet have no single coordinate");
    return sobol_space<binding<Keys, Samplers>...>(std::move(bindings)...);
  }
};
inline constexpr sobol_fn sobol{};

}  // namespace sweep
