// zip(k = axis, ...): finite samplers advanced together; record i takes item i
// of every axis, so the axes must have one length.
#pragma once

#include <sweep/error.hpp>
#include <sweep/random.hpp>
#include <sweep/space/axes.hpp>
#include <sweep/space/bindings.hpp>
#include <sweep/space/where.hpp>

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <string>
#include <utility>

namespace sweep {

/// @brief Finite samplers bound to keys, advanced together (static_bindings or dynamic_bindings).
template <class Bindings>
class zip_space : public detail::bound_axes<Bindings>, public detail::space_interface<zip_space<Bindings>> {
  using base = detail::bound_axes<Bindings>;

 public:
  using typename base::record_type;

  /// @brief Throws sweep::error naming the first axis whose length differs from the first axis's.
  explicit zip_space(Bindings bindings) : base(std::move(bindings)) {
    for (std::size_t a = 1; a < this->sizes_.size(); ++a) {
      if (this->sizes_[a] != this->sizes_[0]) {
        throw error({}, std::string(this->bindings_.key(a)),
                    fmt::format("zip: this axis has {} values but {} has {}: expected axes of one length", this->sizes_[a],
                                this->bindings_.key(0), this->sizes_[0]));
      }
    }
  }

  [[nodiscard]] std::uint64_t size() const noexcept { return this->sizes_.empty() ? 0 : this->sizes_[0]; }
  [[nodiscard]] record_type at(std::uint64_t i) const {
    auto idx = this->new_index();
    for (auto& a : idx) a = i;
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
    using bindings_type = static_bindings<binding<Keys, Samplers>...>;
    return zip_space<bindings_type>(bindings_type(std::move(bindings)...));
  }
};
inline constexpr zip_fn zip{};

}  // namespace sweep
