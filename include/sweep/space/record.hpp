// A typed record: one drawn configuration of a space written as code, with a
// typed value per compile-time key. Asking a record for a key its space lacks
// does not compile.
#pragma once

#include <sweep/space/key.hpp>

#include <cstddef>
#include <string_view>
#include <tuple>

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

}  // namespace sweep
