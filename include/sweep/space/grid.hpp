// grid(k = axis, ...): every combination of finite samplers once, the last
// axis fastest (as itertools.product orders them).
#pragma once

#include <sweep/random.hpp>
#include <sweep/space/axes.hpp>
#include <sweep/space/bindings.hpp>
#include <sweep/space/where.hpp>

#include <cstdint>
#include <utility>

namespace sweep {

/// @brief The Cartesian product of finite samplers bound to keys (static_bindings or dynamic_bindings).
template <class Bindings>
class grid_space : public detail::bound_axes<Bindings>, public detail::space_interface<grid_space<Bindings>> {
  using base = detail::bound_axes<Bindings>;

 public:
  using typename base::record_type;

  explicit grid_space(Bindings bindings) : base(std::move(bindings)) {
    for (auto n : this->sizes_) size_ = detail::checked_mul(size_, n, "grid");
  }

  /// @brief The product of the axes' sizes.
  [[nodiscard]] std::uint64_t size() const noexcept { return size_; }
  /// @brief Combination i, as itertools.product orders them (the last axis changes fastest).
  [[nodiscard]] record_type at(std::uint64_t i) const {
    auto idx = this->new_index();
    for (std::size_t a = idx.size(); a-- > 0;) {
      idx[a] = i % this->sizes_[a];
      i /= this->sizes_[a];
    }
    return this->make(idx);
  }
  /// @brief One combination with every axis drawn uniformly (left to right).
  [[nodiscard]] record_type draw(numpy_rng& rng) const {
    auto idx = this->new_index();
    for (std::size_t a = 0; a < idx.size(); ++a) idx[a] = static_cast<std::uint64_t>(rng.randint(static_cast<std::int64_t>(this->sizes_[a])));
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
    using bindings_type = static_bindings<binding<Keys, Samplers>...>;
    return grid_space<bindings_type>(bindings_type(std::move(bindings)...));
  }
};
inline constexpr grid_fn grid{};

}  // namespace sweep
