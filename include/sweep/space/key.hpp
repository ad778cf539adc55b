// Compile-time keys: "OPTIM.BASE_LR"_k is a value of type param_key<"OPTIM.BASE_LR">,
// so a space knows its keys in the type system and a misspelt one cannot compile.
#pragma once

#include <sweep/space/sampler.hpp>

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <utility>

namespace sweep {

/// @brief A string usable as a template argument (the text of a key).
template <std::size_t N>
struct fixed_string {
  char data[N]{};
  constexpr fixed_string(const char (&text)[N]) { std::copy_n(text, N, data); }
  [[nodiscard]] constexpr std::string_view view() const { return {data, N - 1}; }
};

namespace detail {

/// @brief Dotted config keys: non-empty parts of letters, digits and '_', separated by single dots.
constexpr bool is_valid_key(std::string_view text) {
  if (text.empty() || text.front() == '.' || text.back() == '.') return false;
  char previous = ' ';
  for (char c : text) {
    bool word = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!word && !(c == '.' && previous != '.')) return false;
    previous = c;
  }
  return true;
}

}  // namespace detail

template <class Key, class Sampler>
struct binding;

/// @brief A config key known at compile time; `key = sampler` binds a sampler to it.
template <fixed_string Text>
struct param_key {
  static_assert(detail::is_valid_key(Text.view()),
                "sweep::param_key: a key is a dotted config path such as \"OPTIM.BASE_LR\" "
                "(letters, digits and '_' between single dots)");
  static constexpr std::string_view name = Text.view();

  /// @brief Binds a sampler (sweep::sampler) to this key; anything else fails here, saying what to write.
  template <class Sampler>
  constexpr auto operator=(Sampler sampler) const {
    // A deduced return type checks here, at the `=`, before a space is made of the binding.
    if constexpr (detail::check_sampler<param_key, Sampler>()) {
      return binding<param_key, Sampler>{std::move(sampler)};
    } else {
      return binding<param_key, detail::not_a_sampler>{};  // after the assertion: no second error from the space
    }
  }
};

/// @brief A sampler bound to a key: one entry of a space.
template <class Key, class Sampler>
struct binding {
  using key_type = Key;
  using sampler_type = Sampler;
  Sampler sampler;
};

namespace literals {
/// @brief "OPTIM.BASE_LR"_k: the compile-time key OPTIM.BASE_LR.
template <fixed_string Text>
constexpr param_key<Text> operator""_k() {
  return {};
}
}  // namespace literals

}  // namespace sweep
