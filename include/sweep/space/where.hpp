// Constraints: `space | where(pred)` keeps the records pred accepts, for every
// kind of space. where(pred, "name") names the rule in setup's report of what
// each rule removed; all_of, any_of, not_ and in_range combine constraints.
#pragma once

#include <sweep/random.hpp>
#include <sweep/space/record.hpp>
#include <sweep/space/range.hpp>
#include <sweep/space/sampler.hpp>
#include <sweep/space/traits.hpp>

#include <fmt/format.h>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace sweep {

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

template <class Space, class Pred>
class filtered_space;

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

template <class T>
struct is_variant : std::false_type {};
template <class... T>
struct is_variant<std::variant<T...>> : std::true_type {};

/// @brief A predicate over a record; a concat's variant record is visited (the predicate must take every part).
template <class Pred, class Record>
bool holds(const constraint<Pred>& c, const Record& r) {
  if constexpr (is_variant<Record>::value) {
    return std::visit([&](auto& part) { return c(part); }, r);
  } else {
    return c(r);
  }
}

/// @brief What every space shares: `space | where(pred)` (and so `| all_of(...)` etc.), and, when it is
/// finite, begin() and end() over its records (range.hpp).
template <class Derived>
struct space_interface : record_range<Derived> {
  template <class Pred>
  friend auto operator|(Derived s, constraint<Pred> c) {
    // The predicate is instantiated on the record here: a key the space lacks fails at the `|`.
    static_cast<void>(&holds<Pred, typename Derived::record_type>);
    return filtered_space<Derived, Pred>(std::move(s), std::move(c));
  }
  // A bare predicate (`space | pred`) gets a message; anything else, e.g. a range adaptor, is left alone.
  template <not_a_constraint F, class D = Derived>
    requires std::invocable<const F&, const typename D::record_type&>
  friend auto operator|(Derived s, F) {
    pipe_without_where<F>();
    return s;  // after the assertion: no second error where the result is used
  }
};

}  // namespace detail

/// @brief A space whose records must also pass a constraint; keeps the space's kind, size, order and seed.
template <class Space, class Pred>
class filtered_space : public detail::space_interface<filtered_space<Space, Pred>> {
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

  [[nodiscard]] space_kind kind() const { return kind_of(space_); }
  [[nodiscard]] std::uint64_t size() const requires finite_space<Space> { return space_.size(); }
  [[nodiscard]] record_type at(std::uint64_t i) const requires indexed_space<Space> { return space_.at(i); }
  [[nodiscard]] bool shuffled() const { return is_shuffled(space_); }
  [[nodiscard]] filtered_space with_seed(std::uint64_t seed) const { return {sweep::with_seed(space_, seed), constraint_}; }

 private:
  Space space_;
  constraint<Pred> constraint_;
  std::size_t inner_wheres_;  // this where's number is one more
};

}  // namespace sweep
