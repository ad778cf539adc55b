// The sampler concept: what a type must provide to be bound to a key
// ("OPTIM.BASE_LR"_k = s). The built-in samplers (uniform, choice, values,
// int_range, ...) and a user's own are written against the same members:
//
//   using value_type = T;                                   the type it draws
//   void validate(std::string_view key) const;              throws sweep::error for bad parameters
//   T draw(sweep::numpy_rng& rng) const;                    one value, from the stream it is given
//   void append_key_text(std::string& out, std::string_view key, const T& v) const;
//                                                           pycls's key text, usually sweep::append_key_value
//   void append_params(sweep::param_list& out, std::string_view key, const T& v) const;
//                                                           the (key, value) pairs merged into BASE_CFG
//
// A finite sampler (an axis of grid and zip) also has `size()` and `at(i)`.
// Binding anything else to a key fails at the `=` with a message naming what is missing.
// @sa docs/dsl.md, "A custom sampler"
#pragma once

#include <sweep/random.hpp>
#include <sweep/value.hpp>

#include <charconv>
#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace sweep {

/// @brief A drawn sample as pycls makes it: [key, value, key, value, ...] as pairs.
using param_list = std::vector<std::pair<std::string, value>>;

namespace detail {

inline value to_value(const value& v) { return v; }
inline value to_value(std::int64_t v) { return value{v}; }
inline value to_value(double v) { return value{v}; }
inline value to_value(bool v) { return value{v}; }
inline value to_value(const std::string& v) { return value{v}; }
template <class T>
value to_value(const std::vector<T>& items) {
  value::list out;
  out.reserve(items.size());
  for (auto& item : items) out.push_back(to_value(item));
  return value{std::move(out)};
}

/// @brief Appends Python's str() of a drawn value, as pycls writes it into a config's key text.
inline void append_python_str(std::string& out, std::int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}
inline void append_python_str(std::string& out, double v) { append_python_float_repr(out, v); }
inline void append_python_str(std::string& out, const std::string& v) { out += v; }
inline void append_python_str(std::string& out, const value& v) {
  // Numbers are what samplers draw nearly always: print them without a detour through a new string.
  if (v.is_float()) {
    append_python_float_repr(out, std::get<double>(v.data()));
  } else if (v.is_int()) {
    append_python_str(out, std::get<std::int64_t>(v.data()));
  } else {
    out += v.python_str();
  }
}
template <class T>
void append_python_str(std::string& out, const std::vector<T>& v) { out += to_value(v).python_str(); }

}  // namespace detail

/// @brief Appends "KEY VALUE" to a config's key text as pycls writes it (Python's str() of the value),
/// with a space before it unless it is the first. For int64, double, std::string, sweep::value and
/// vectors of them: what a sampler's append_key_text usually does.
/// @sa docs/dsl.md, "A custom sampler"
template <class T>
void append_key_value(std::string& out, std::string_view key, const T& v) {
  if (!out.empty()) out += ' ';
  out += key;
  out += ' ';
  detail::append_python_str(out, v);
}

namespace detail {

// Kept for code that still spells it detail::append_key_value.
using sweep::append_key_value;

template <class S>
concept has_value_type = requires { typename S::value_type; };

template <class S>
concept has_validate = requires(const S& s, std::string_view key) { s.validate(key); };

template <class S>
concept has_draw = has_value_type<S> && requires(const S& s, numpy_rng& rng) {
  { s.draw(rng) } -> std::convertible_to<typename S::value_type>;
};

template <class S>
concept has_append_key_text =
    has_value_type<S> && requires(const S& s, std::string& out, std::string_view key, const typename S::value_type& v) {
      s.append_key_text(out, key, v);
    };

template <class S>
concept has_append_params =
    has_value_type<S> && requires(const S& s, param_list& out, std::string_view key, const typename S::value_type& v) {
      s.append_params(out, key, v);
    };

/// @brief A value (0.1, "x", a sweep::value) or an object with none of a sampler's members.
template <class S>
concept plain_value = !std::is_class_v<S> || std::is_convertible_v<S, std::string_view> || std::is_same_v<S, value> ||
                      !(has_validate<S> || has_draw<S> || has_append_key_text<S> || has_append_params<S>);

}  // namespace detail

/// @brief What a type bound to a key must provide: value_type, validate(key), draw(rng),
/// append_key_text(out, key, v) and append_params(out, key, v) (see the top of this header).
/// @sa docs/dsl.md, "A custom sampler"
template <class S>
concept sampler = std::copy_constructible<S> && detail::has_value_type<S> && detail::has_validate<S> &&
                  detail::has_draw<S> && detail::has_append_key_text<S> && detail::has_append_params<S>;

/// @brief A sampler with a finite list of values, `size()` and `at(i)` for i < size(): an axis of grid and zip.
/// @sa docs/combinators.md
template <class S>
concept finite_sampler = sampler<S> && requires(const S& s, std::uint64_t i) {
  { s.size() } -> std::convertible_to<std::uint64_t>;
  { s.at(i) } -> std::convertible_to<typename S::value_type>;
};

namespace detail {

/// @brief Stands in for what failed check_sampler, so that one error is reported, not a cascade.
struct not_a_sampler {
  using value_type = std::int64_t;
  void validate(std::string_view) const {}
  [[nodiscard]] std::int64_t draw(numpy_rng&) const { return 0; }
  void append_key_text(std::string&, std::string_view, std::int64_t) const {}
  void append_params(param_list&, std::string_view, std::int64_t) const {}
};

/// @brief False for every key; the failed assertions below name the key through it.
template <class Key>
inline constexpr bool bound_to_a_sampler = false;

/// @brief Static assertions with what to write, for a non-sampler `S` bound to `Key` (param_key<"...">).
template <class Key, class S>
constexpr bool check_sampler() {
  if constexpr (sampler<S>) {
    return true;
  } else if constexpr (plain_value<S>) {
    static_assert(bound_to_a_sampler<Key>,
                  "sweep: the value bound to a key must be a sampler (sweep::sampler): for a constant write "
                  "\"KEY\"_k = sweep::values(0.1), for a draw e.g. sweep::uniform(lo, hi) or sweep::choice(a, b); "
                  "to write your own, see docs/dsl.md (the key is named in the 'param_key<...>' below)");
  } else if constexpr (!has_value_type<S>) {
    static_assert(bound_to_a_sampler<Key>,
                  "sweep::sampler: the type bound to this key has no value_type: add 'using value_type = T;' "
                  "(the type it draws) (the key is named in the 'param_key<...>' below)");
  } else if constexpr (!has_validate<S>) {
    static_assert(bound_to_a_sampler<Key>,
                  "sweep::sampler: the type bound to this key has no validate: add "
                  "'void validate(std::string_view key) const' (throw sweep::error for bad parameters; an empty body "
                  "is fine) (the key is named in the 'param_key<...>' below)");
  } else if constexpr (!has_draw<S>) {
    static_assert(bound_to_a_sampler<Key>,
                  "sweep::sampler: the type bound to this key has no draw: add "
                  "'value_type draw(sweep::numpy_rng& rng) const' (one value, drawn from rng) "
                  "(the key is named in the 'param_key<...>' below)");
  } else if constexpr (!has_append_key_text<S>) {
    static_assert(bound_to_a_sampler<Key>,
                  "sweep::sampler: the type bound to this key has no append_key_text: add 'void append_key_text("
                  "std::string& out, std::string_view key, const value_type& v) const' (usually "
                  "sweep::append_key_value(out, key, v)) (the key is named in the 'param_key<...>' below)");
  } else if constexpr (!has_append_params<S>) {
    static_assert(bound_to_a_sampler<Key>,
                  "sweep::sampler: the type bound to this key has no append_params: add 'void append_params("
                  "sweep::param_list& out, std::string_view key, const value_type& v) const' (usually "
                  "out.emplace_back(key, sweep::value{v})) (the key is named in the 'param_key<...>' below)");
  } else {
    static_assert(bound_to_a_sampler<Key>,
                  "sweep::sampler: the type bound to this key must be copyable (the key is named in the "
                  "'param_key<...>' below)");
  }
  return false;
}

}  // namespace detail

}  // namespace sweep
