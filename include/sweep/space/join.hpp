// join(a, b, ...): spaces drawn one after another into one record.
// when(k, v, s) as a later part: s is drawn only when the record so far has
// k == v. A key is named at compile time ("MODEL.TYPE"_k, the C++ DSL) or at
// run time (dynamic_key, YAML); the condition is tested the same way for both.
#pragma once

#include <sweep/error.hpp>
#include <sweep/random.hpp>
#include <sweep/space/key.hpp>
#include <sweep/space/record.hpp>
#include <sweep/space/samplers.hpp>
#include <sweep/space/traits.hpp>
#include <sweep/space/where.hpp>
#include <sweep/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace sweep {

/// @brief A condition key named at run time (a `when` read from YAML).
struct dynamic_key {
  std::string name;
};

/// @brief `when(key, value, space)`: `space` is drawn only when the record so far has key == value (for join).
template <class Key, class V, class Space>
struct when_part {
  Key key;
  V equals;
  Space space;
};

struct when_fn {
  template <fixed_string Text, class V, class Space>
  auto operator()(param_key<Text> key, V equals, Space inner) const {
    return when_part<param_key<Text>, detail::drawn_t<V>, Space>{key, detail::drawn_t<V>(std::move(equals)), std::move(inner)};
  }
  /// @brief A when whose key and value are known at run time.
  template <class Space>
  auto operator()(std::string key, value equals, Space inner) const {
    return when_part<dynamic_key, value, Space>{{std::move(key)}, std::move(equals), std::move(inner)};
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

namespace detail {

/// @brief Whether a record has key `Key`; a concat's variant record has it when every part has it.
template <class Key, class Record>
constexpr bool record_has() {
  if constexpr (is_variant<Record>::value) {
    return []<class... R>(std::variant<R...>*) { return (record_has<Key, R>() && ...); }(static_cast<Record*>(nullptr));
  } else if constexpr (requires { Record::has(Key{}); }) {
    return Record::has(Key{});
  } else {
    return false;
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

/// @brief The one test of a `when`: the drawn value equals EQUALS as Python's == compares config values:
/// numbers by value (2 == 2.0), anything else only when equal (a string never equals a number, a bool
/// only a bool).
inline bool when_equal(const value& drawn, const value& equals) {
  if (drawn.is_int() && equals.is_int()) return drawn.as_int() == equals.as_int();
  if (drawn.is_number() && equals.is_number()) return drawn.as_float() == equals.as_float();
  return drawn == equals;
}

/// @brief when_equal for typed values; an optional (a key of a when part) that is empty never matches.
template <class X, class V>
bool when_matches(const X& x, const V& v) {
  if constexpr (requires { x.has_value(); *x; }) {
    return x.has_value() && when_matches(*x, v);
  } else if constexpr (requires { to_value(x); to_value(v); }) {
    return when_equal(to_value(x), to_value(v));
  } else {
    return x == v;  // a custom sampler's own value type
  }
}

template <class T>
struct is_when : std::false_type {};
template <class K, class V, class S>
struct is_when<when_part<K, V, S>> : std::true_type {};

/// @brief The second part of a join: a plain space, or a when over one.
template <class Part>
struct join_part {
  using space_type = Part;
  using record_type = typename Part::record_type;
  static const Part& space(const Part& p) { return p; }
  template <class First, class R>
  static bool active(const Part&, const First&, const R&) { return true; }
  static record_type wrap(record_type r) { return r; }
  static bool present(const record_type&) { return true; }
  static const record_type& unwrap(const record_type& r) { return r; }
};
template <class K, class V, class S>
struct join_part<when_part<K, V, S>> {
  using space_type = S;
  using record_type = conditional_record<typename S::record_type>;
  static const S& space(const when_part<K, V, S>& p) { return p.space; }
  /// @brief Whether the condition holds for `r`, a record of the part `first` before the when.
  template <class First, class R>
  static bool active(const when_part<K, V, S>& p, const First& first, const R& r) {
    if constexpr (std::is_same_v<K, dynamic_key>) {
      param_list params;
      first.append_params(params, r);
      for (auto it = params.rbegin(); it != params.rend(); ++it) {
        if (it->first == p.key.name) return when_equal(it->second, p.equals);
      }
      return false;  // the key was not set (its part's condition did not hold)
    } else {
      return when_matches(read_key<K>(r), p.equals);
    }
  }
  static record_type wrap(typename S::record_type r) { return {std::move(r)}; }
  static bool present(const record_type& r) { return r.active(); }
  static const typename S::record_type& unwrap(const record_type& r) { return *r.inner; }
};

}  // namespace detail

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

/// @brief Two spaces drawn one after another; the second may be a when(...) over the first's keys. It is
/// finite when both parts are: record i is the first part's records in order, each with every record of the
/// second it allows.
template <class First, class Second>
class joined_space : public detail::space_interface<joined_space<First, Second>> {
  using part = detail::join_part<Second>;
  using inner = typename part::space_type;
  static constexpr bool indexable = finite_space<First> && finite_space<inner>;

 public:
  using record_type = joined_record<typename First::record_type, typename part::record_type>;

  joined_space(First first, Second second)
      : first_(std::move(first)), second_(std::move(second)), first_wheres_(detail::count_wheres(first_)) {
    if constexpr (indexable) {
      finite_ = kind_of(first_) == space_kind::finite && kind_of(part::space(second_)) == space_kind::finite;
      if (!finite_) return;
      auto n = part::space(second_).size();
      if constexpr (detail::is_when<Second>::value) {
        // Record i of the join: which first record it extends, found by bisection on these blocks.
        offsets_.reserve(first_.size());
        for (std::uint64_t i = 0; i < first_.size(); ++i) offsets_.add(part::active(second_, first_, first_.at(i)) ? n : 1);
        size_ = offsets_.total();
      } else {
        size_ = detail::checked_mul(first_.size(), n, "join");
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

  [[nodiscard]] space_kind kind() const noexcept { return finite_ ? space_kind::finite : space_kind::random; }
  [[nodiscard]] std::uint64_t size() const requires indexable {
    check_finite();
    return size_;
  }
  [[nodiscard]] record_type at(std::uint64_t i) const requires indexable {
    check_finite();
    if constexpr (detail::is_when<Second>::value) {
      auto k = offsets_.block_of(i);
      auto a = first_.at(k);
      auto j = i - offsets_.start(k);
      return {a, next(a, [&](const inner& s) { return s.at(j); })};
    } else {
      auto n = part::space(second_).size();
      return {first_.at(i / n), part::space(second_).at(i % n)};
    }
  }

 private:
  void check_finite() const {
    if (!finite_) throw error("join: a part is not finite (grid, zip, concat or join of finite parts): the join has no index");
  }
  template <class F>
  typename part::record_type next(const typename First::record_type& a, F&& make) const {
    if constexpr (detail::is_when<Second>::value) {
      if (!part::active(second_, first_, a)) return {};
    }
    return part::wrap(make(part::space(second_)));
  }

  First first_;
  Second second_;
  std::size_t first_wheres_;  // the second part's wheres are numbered after these
  bool finite_ = false;
  std::uint64_t size_ = 0;
  detail::block_offsets offsets_{"join"};
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
    if constexpr (!std::is_same_v<K, dynamic_key>) {
      static_assert(detail::record_has<K, typename First::record_type>(),
                    "sweep::join(a, when(key, value, b)) requires the condition key to be a key of the parts "
                    "joined before the when; bind it in an earlier part or fix its spelling");
    }
  }
};
inline constexpr join_fn join{};

}  // namespace sweep
