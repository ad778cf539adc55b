// What the setup engine asks of a space: how to go through it (its kind), its
// size, and the arithmetic every combinator's sizes and offsets share.
//   random    draw(rng) over and over (pycls's way)
//   finite    size() configs, at(0) ... at(size() - 1)
//   sequence  at(0), at(1), ... without end (quasi-random)
// A space whose kind is fixed by its type says so through the concepts below;
// one whose parts are chosen at run time (a space read from YAML) has kind().
#pragma once

#include <sweep/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <string_view>
#include <vector>

namespace sweep {

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

/// @brief How the engine should go through `s`: what its kind() says, else what its type allows.
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

namespace detail {

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

/// @brief Consecutive blocks of indices: a concat's parts, or a join's first records each with the
/// second part's records it allows. Block k holds the indices [start(k), start(k + 1)).
class block_offsets {
 public:
  explicit block_offsets(std::string_view what) : what_(what) {}
  void reserve(std::size_t blocks) { starts_.reserve(blocks + 1); }
  /// @brief Appends a block of `size` indices (an error naming the combinator past 2^62 in all).
  void add(std::uint64_t size) { starts_.push_back(checked_add(starts_.back(), size, what_)); }
  [[nodiscard]] std::uint64_t total() const noexcept { return starts_.back(); }
  [[nodiscard]] std::uint64_t start(std::size_t block) const { return starts_[block]; }
  /// @brief The block that holds index i (< total()), found by bisection.
  [[nodiscard]] std::size_t block_of(std::uint64_t i) const {
    return static_cast<std::size_t>(std::upper_bound(starts_.begin(), starts_.end(), i) - starts_.begin() - 1);
  }

 private:
  std::string_view what_;
  std::vector<std::uint64_t> starts_{0};
};

}  // namespace detail

}  // namespace sweep
