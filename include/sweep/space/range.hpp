// Finite spaces are ranges: a grid, zip, concat or join of finite parts, and
// a filtered or shuffled finite space, have begin() and end() over their
// records in index order (random access, sized), so range-v3 and std::ranges
// views and algorithms work on them:
//   ranges::count_if(grid, pred);   grid | ranges::views::take(5)
// A sequence (sobol) never ends: its end() is std::unreachable_sentinel. An iterator
// makes record i when dereferenced (the record is a value, as iota's are).
#pragma once

#include <sweep/space/traits.hpp>

#include <compare>
#include <cstdint>
#include <iterator>

namespace sweep {

/// @brief A random-access iterator over the records of an indexed space: *it is space.at(index).
template <class Space>
class space_iterator {
 public:
  using value_type = typename Space::record_type;
  using difference_type = std::int64_t;
  using iterator_concept = std::random_access_iterator_tag;
  using iterator_category = std::input_iterator_tag;  // *it is a value, not a reference

  space_iterator() = default;
  space_iterator(const Space* space, std::uint64_t index) : space_(space), index_(index) {}

  [[nodiscard]] value_type operator*() const { return space_->at(index_); }
  [[nodiscard]] value_type operator[](difference_type n) const { return *(*this + n); }
  [[nodiscard]] std::uint64_t index() const noexcept { return index_; }

  space_iterator& operator++() { return *this += 1; }
  space_iterator operator++(int) { auto old = *this; ++*this; return old; }
  space_iterator& operator--() { return *this -= 1; }
  space_iterator operator--(int) { auto old = *this; --*this; return old; }
  space_iterator& operator+=(difference_type n) {
    index_ = static_cast<std::uint64_t>(static_cast<difference_type>(index_) + n);
    return *this;
  }
  space_iterator& operator-=(difference_type n) { return *this += -n; }
  [[nodiscard]] friend space_iterator operator+(space_iterator it, difference_type n) { return it += n; }
  [[nodiscard]] friend space_iterator operator+(difference_type n, space_iterator it) { return it += n; }
  [[nodiscard]] friend space_iterator operator-(space_iterator it, difference_type n) { return it -= n; }
  [[nodiscard]] friend difference_type operator-(const space_iterator& a, const space_iterator& b) {
    return static_cast<difference_type>(a.index_) - static_cast<difference_type>(b.index_);
  }
  [[nodiscard]] friend bool operator==(const space_iterator& a, const space_iterator& b) noexcept { return a.index_ == b.index_; }
  [[nodiscard]] friend auto operator<=>(const space_iterator& a, const space_iterator& b) noexcept { return a.index_ <=> b.index_; }

 private:
  const Space* space_ = nullptr;
  std::uint64_t index_ = 0;
};

namespace detail {

/// @brief Gives an indexed space begin() and end(): its records as a random-access range (endless for a sequence).
template <class Derived>
struct record_range {
  // The constraints name D, not Derived, so they are checked where begin() and end() are called, when Derived is
  // complete (clang 14 checks them on an incomplete Derived otherwise, and keeps the answer).
  template <class D = Derived>
    requires indexed_space<D>
  [[nodiscard]] auto begin() const {
    return space_iterator<D>(&self(), 0);
  }
  template <class D = Derived>
    requires finite_space<D>
  [[nodiscard]] auto end() const {
    return space_iterator<D>(&self(), self().size());
  }
  template <class D = Derived>
    requires(indexed_space<D> && !finite_space<D>)
  [[nodiscard]] auto end() const {
    return std::unreachable_sentinel;
  }

 private:
  const Derived& self() const { return static_cast<const Derived&>(*this); }
};

}  // namespace detail

}  // namespace sweep
