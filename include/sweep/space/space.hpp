// A typed space maps compile-time keys to samplers; drawing from it yields a
// record with one typed member per key, and `space | constraint` keeps only the
// records a predicate accepts. Asking a record for a key its space lacks does
// not compile.
#pragma once

#include <sweep/space/key.hpp>
#include <sweep/space/samplers.hpp>

#include <fmt/format.h>

#include <concepts>
#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace sweep {

namespace detail {

inline constexpr std::size_t no_index = static_cast<std::size_t>(-1);

template <fixed_string Text, class... Keys>
constexpr std::size_t key_index() {
  std::size_t index = no_index, i = 0;
  ((Keys::name == Text.view() && index == no_index ? (index = i, ++i) : ++i), ...);
  return index;
}

template <class... Keys>
constexpr bool keys_unique() {
  std::string_view names[] = {Keys::name..., ""};
  for (std::size_t i = 0; i < sizeof...(Keys); ++i) {
    for (std::size_t j = i + 1; j < sizeof...(Keys); ++j) {
      if (names[i] == names[j]) return false;
    }
  }
  return true;
}

/// @brief Whether key `a` contains key `b` (`OPTIM` contains `OPTIM.BASE_LR`), or they are equal.
constexpr bool key_contains(std::string_view a, std::string_view b) {
  return b.size() >= a.size() && b.substr(0, a.size()) == a && (b.size() == a.size() || b[a.size()] == '.');
}

/// @brief No key contains another: a sampler of OPTIM sets all of OPTIM, so one of OPTIM.BASE_LR
/// would be overwritten or overwrite it, depending on the order of the writes.
template <class... Keys>
constexpr bool keys_disjoint() {
  std::string_view names[] = {Keys::name..., ""};
  for (std::size_t i = 0; i < sizeof...(Keys); ++i) {
    for (std::size_t j = 0; j < sizeof...(Keys); ++j) {
      if (i != j && names[i] != names[j] && key_contains(names[i], names[j])) return false;
    }
  }
  return true;
}

template <class>
inline constexpr bool dependent_false = false;

}  // namespace detail

template <class... Keys>
struct key_list {};

template <class Keys, class... Values>
struct record;

/// @brief One drawn configuration of a typed space: a typed value per key.
template <class... Keys, class... Values>
struct record<key_list<Keys...>, Values...> {
  std::tuple<Values...> values;

  /// @brief The value drawn for key `k`; a key the space lacks is a compile error.
  template <fixed_string Text>
  [[nodiscard]] constexpr const auto& operator[](param_key<Text>) const {
    constexpr std::size_t index = detail::key_index<Text, Keys...>();
    if constexpr (index == detail::no_index) {
      static_assert(detail::dependent_false<param_key<Text>>,
                    "sweep::record::operator[]: the space has no such key (the key is named in the "
                    "'param_key<...>' of this instantiation); add it to sweep::space or fix its spelling "
                    "(a sweep::where(pred) may read only the keys of the space it constrains)");
      return std::get<0>(values);
    } else {
      return std::get<index>(values);
    }
  }

  template <fixed_string Text>
  static constexpr bool has(param_key<Text>) {
    return detail::key_index<Text, Keys...>() != detail::no_index;
  }

  friend bool operator==(const record&, const record&) = default;
};

template <class... Bindings>
class typed_space;

/// @brief A constraint: a predicate over records (made by where, all_of, any_of, not_, in_range), and the
/// name setup reports its rejections under (`where(pred, "name")`; unnamed: "where #k" in the order written).
template <class Pred>
struct constraint {
  Pred pred;
  const char* name = nullptr;
  template <class Record>
  constexpr bool operator()(const Record& r) const {
    return static_cast<bool>(pred(r));
  }
};

namespace detail {

template <class T>
struct is_constraint : std::false_type {};
template <class Pred>
struct is_constraint<constraint<Pred>> : std::true_type {};

/// @brief What `space | x` takes besides a constraint: nothing (x is most likely a bare predicate).
template <class T>
concept not_a_constraint = !is_constraint<std::remove_cvref_t<T>>::value;

template <class F>
constexpr auto pipe_without_where() {
  static_assert(dependent_false<F>,
                "sweep: `space | x` requires a constraint: write space | sweep::where(pred) for a predicate "
                "over the space's records (or all_of, any_of, not_, in_range of constraints)");
  return false;
}

/// @brief How setup's report names a `where`: "where 'NAME'", or "where #k" (k: its place among the space's
/// wheres, in the order written).
inline void append_where_name(std::vector<std::string>& out, const char* name) {
  out.push_back(name != nullptr ? fmt::format("where '{}'", name) : fmt::format("where #{}", out.size() + 1));
}

/// @brief The names of a space's `where`s, in the order written (none for a space without).
template <class Space>
void append_where_names(const Space& space, std::vector<std::string>& out) {
  if constexpr (requires { space.append_where_names(out); }) space.append_where_names(out);
}

/// @brief Which `where` of `space` refuses `r`: 0 none, k the k-th of append_where_names (k past them: a
/// space that only says whether it accepts).
template <class Space, class Record>
std::size_t rejected_by(const Space& space, const Record& r) {
  if constexpr (requires { space.rejected_by(r); }) {
    return space.rejected_by(r);
  } else {
    return space.accepts(r) ? 0 : 1;
  }
}

/// @brief How many `where`s a space has (the offset of the next part's in a join or concat).
template <class Space>
std::size_t count_wheres(const Space& space) {
  std::vector<std::string> names;
  append_where_names(space, names);
  return names.size();
}

/// @brief Instantiates the constraint on `Record` here, so a predicate over a key the space lacks fails
/// at `space | where(pred)`, not only when setup first calls it.
template <class Record, class Pred>
constexpr void check_constraint() {
  static_cast<void>(&constraint<Pred>::template operator()<Record>);
}

}  // namespace detail

/// @brief A space whose records must pass a constraint.
template <class Space, class Pred>
class constrained_space {
 public:
  using record_type = typename Space::record_type;
  constexpr constrained_space(Space space, constraint<Pred> c)
      : space_(std::move(space)), constraint_(std::move(c)), inner_wheres_(detail::count_wheres(space_)) {}

  [[nodiscard]] record_type draw(numpy_rng& rng) const { return space_.draw(rng); }
  [[nodiscard]] bool accepts(const record_type& r) const { return space_.accepts(r) && constraint_(r); }
  [[nodiscard]] std::size_t rejected_by(const record_type& r) const {
    if (auto inner = detail::rejected_by(space_, r)) return inner;
    return constraint_(r) ? 0 : inner_wheres_ + 1;
  }
  void append_where_names(std::vector<std::string>& out) const {
    detail::append_where_names(space_, out);
    detail::append_where_name(out, constraint_.name);
  }
  void append_key_text(std::string& out, const record_type& r) const { space_.append_key_text(out, r); }
  void append_params(param_list& out, const record_type& r) const { space_.append_params(out, r); }

  template <class P>
  friend constexpr auto operator|(constrained_space s, constraint<P> c) {
    detail::check_constraint<record_type, P>();
    return constrained_space<constrained_space, P>(std::move(s), std::move(c));
  }
  template <detail::not_a_constraint F>
  friend auto operator|(constrained_space s, F) {
    detail::pipe_without_where<F>();
    return s;  // after the assertion: no second error where the result is used
  }

 private:
  Space space_;
  constraint<Pred> constraint_;
  std::size_t inner_wheres_;  // this where's number is one more
};

/// @brief The typed space: keys bound to samplers, drawn in the order written.
template <class... Keys, class... Samplers>
class typed_space<binding<Keys, Samplers>...> {
  static_assert(detail::keys_unique<Keys...>(), "sweep::space: each key may be bound only once");
  static_assert(detail::keys_disjoint<Keys...>(),
                "sweep::space: a key may not contain another (OPTIM and OPTIM.BASE_LR): bind only the leaf keys");

 public:
  using record_type = record<key_list<Keys...>, typename Samplers::value_type...>;

  explicit typed_space(binding<Keys, Samplers>... bindings) : samplers_(std::move(bindings.sampler)...) {
    std::apply([](auto&... s) { (s.validate(Keys::name), ...); }, samplers_);
  }

  /// @brief One record; samplers draw left to right, as pycls applies them in the order written.
  [[nodiscard]] record_type draw(numpy_rng& rng) const {
    return std::apply([&](auto&... s) { return record_type{{s.draw(rng)...}}; }, samplers_);
  }
  [[nodiscard]] constexpr bool accepts(const record_type&) const { return true; }

  /// @brief pycls's key text "K1 V1 K2 V2 ..." (Python's str() of each value).
  void append_key_text(std::string& out, const record_type& r) const {
    for_each_pair(r, [&](auto& sampler, std::string_view name, auto& v) { sampler.append_key_text(out, name, v); });
  }
  /// @brief The (key, value) pairs merged into BASE_CFG.
  void append_params(param_list& out, const record_type& r) const {
    for_each_pair(r, [&](auto& sampler, std::string_view name, auto& v) { sampler.append_params(out, name, v); });
  }

  /// @brief `space | where(pred)`: the records pred accepts; pred must only read the space's keys.
  template <class Pred>
  friend constexpr auto operator|(typed_space s, constraint<Pred> c) {
    detail::check_constraint<record_type, Pred>();
    return constrained_space<typed_space, Pred>(std::move(s), std::move(c));
  }
  template <detail::not_a_constraint F>
  friend auto operator|(typed_space s, F) {
    detail::pipe_without_where<F>();
    return s;  // after the assertion: no second error where the result is used
  }

 private:
  template <class F>
  void for_each_pair(const record_type& r, F&& f) const {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (f(std::get<I>(samplers_), Keys::name, std::get<I>(r.values)), ...);
    }(std::index_sequence_for<Keys...>{});
  }

  std::tuple<Samplers...> samplers_;
};

/// @brief `space("A"_k = sampler, ...)`: a typed space over the given keys.
struct space_fn {
  template <class... Keys, class... Samplers>
  auto operator()(binding<Keys, Samplers>... bindings) const {
    return typed_space<binding<Keys, Samplers>...>(std::move(bindings)...);
  }
};
inline constexpr space_fn space{};

/// @brief `where(pred)`: a constraint from any predicate over a space's records; `where(pred, "name")` names
/// it in setup's report of what each rule removed.
struct where_fn {
  template <class Pred>
  constexpr auto operator()(Pred pred, const char* name = nullptr) const {
    return constraint<Pred>{std::move(pred), name};
  }
};
inline constexpr where_fn where{};

/// @brief `all_of(c...)`: every constraint holds.
struct all_of_fn {
  template <class... Preds>
  constexpr auto operator()(constraint<Preds>... cs) const {
    return where([=](const auto& r) { return (cs(r) && ...); });
  }
};
inline constexpr all_of_fn all_of{};

/// @brief `any_of(c...)`: at least one constraint holds.
struct any_of_fn {
  template <class... Preds>
  constexpr auto operator()(constraint<Preds>... cs) const {
    return where([=](const auto& r) { return (cs(r) || ...); });
  }
};
inline constexpr any_of_fn any_of{};

/// @brief `not_(c)`: the constraint does not hold.
struct not_fn {
  template <class Pred>
  constexpr auto operator()(constraint<Pred> c) const {
    return where([=](const auto& r) { return !c(r); });
  }
};
inline constexpr not_fn not_{};

/// @brief `in_range(f, low, high)`: low <= f(record) <= high, for a value derived from the record.
struct in_range_fn {
  template <class F, class T>
  constexpr auto operator()(F derived, T low, T high) const {
    return where([=](const auto& r) {
      auto v = derived(r);
      return low <= v && v <= high;
    });
  }
};
inline constexpr in_range_fn in_range{};

}  // namespace sweep
