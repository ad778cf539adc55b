// shuffle(space): a finite space whose configs setup writes in a random order
// (seeded by RNG_SEED) instead of index order.
#pragma once

#include <sweep/random.hpp>
#include <sweep/space/traits.hpp>
#include <sweep/space/where.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sweep {

/// @brief A finite space whose configs setup writes in a random order (seeded by RNG_SEED).
template <class Space>
class shuffled_space : public detail::space_interface<shuffled_space<Space>> {
 public:
  using record_type = typename Space::record_type;
  explicit shuffled_space(Space inner) : space_(std::move(inner)) {}

  [[nodiscard]] record_type draw(numpy_rng& rng) const { return space_.draw(rng); }
  [[nodiscard]] bool accepts(const record_type& r) const { return space_.accepts(r); }
  [[nodiscard]] std::size_t rejected_by(const record_type& r) const { return detail::rejected_by(space_, r); }
  void append_where_names(std::vector<std::string>& out) const { detail::append_where_names(space_, out); }
  void append_key_text(std::string& out, const record_type& r) const { space_.append_key_text(out, r); }
  void append_params(param_list& out, const record_type& r) const { space_.append_params(out, r); }
  [[nodiscard]] space_kind kind() const { return kind_of(space_); }
  [[nodiscard]] std::uint64_t size() const { return space_.size(); }
  [[nodiscard]] record_type at(std::uint64_t i) const { return space_.at(i); }
  [[nodiscard]] static constexpr bool shuffled() noexcept { return true; }
  [[nodiscard]] shuffled_space with_seed(std::uint64_t seed) const { return shuffled_space(sweep::with_seed(space_, seed)); }

 private:
  Space space_;
};

/// @brief `shuffle(space)`: the finite space's configs in a random order (RNG_SEED) instead of index order.
struct shuffle_fn {
  template <class Space>
  auto operator()(Space inner) const {
    static_assert(finite_space<Space>, "sweep::shuffle(inner) requires a finite inner (grid, zip, concat or join of finite parts)");
    return shuffled_space<Space>(std::move(inner));
  }
};
inline constexpr shuffle_fn shuffle{};

}  // namespace sweep
