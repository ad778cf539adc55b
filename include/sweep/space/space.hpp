// The random space: keys bound to samplers, drawn in the order written, as
// pycls draws SETUP.SAMPLERS. Written as code, `space("A"_k = sampler, ...)`
// gives typed records; read from YAML (SETUP.SAMPLERS, a `TYPE: random` part)
// the same class holds dynamic_bindings. `space | where(pred)` keeps only the
// records a predicate accepts.
#pragma once

#include <sweep/random.hpp>
#include <sweep/space/bindings.hpp>
#include <sweep/space/key.hpp>
#include <sweep/space/record.hpp>
#include <sweep/space/samplers.hpp>
#include <sweep/space/where.hpp>

#include <cstddef>
#include <string>
#include <utility>

namespace sweep {

/// @brief Keys bound to samplers (static_bindings or dynamic_bindings), drawn left to right.
template <class Bindings>
class typed_space : public detail::space_interface<typed_space<Bindings>> {
 public:
  using record_type = typename Bindings::record_type;

  typed_space() = default;
  explicit typed_space(Bindings bindings) : bindings_(std::move(bindings)) {}

  /// @brief One record; samplers draw left to right, as pycls applies them in the order written.
  [[nodiscard]] record_type draw(numpy_rng& rng) const {
    return bindings_.draw(rng);
  }
  [[nodiscard]] constexpr bool accepts(const record_type&) const { return true; }

  /// @brief pycls's key text "K1 V1 K2 V2 ..." (Python's str() of each value).
  void append_key_text(std::string& out, const record_type& r) const { bindings_.append_key_text(out, r); }
  /// @brief The (key, value) pairs merged into BASE_CFG.
  void append_params(param_list& out, const record_type& r) const { bindings_.append_params(out, r); }

  [[nodiscard]] const Bindings& bindings() const noexcept { return bindings_; }
  [[nodiscard]] bool empty() const noexcept { return bindings_.count() == 0; }

 private:
  Bindings bindings_;
};

/// @brief `space("A"_k = sampler, ...)`: a typed space over the given keys.
struct space_fn {
  template <class... Keys, class... Samplers>
  auto operator()(binding<Keys, Samplers>... bindings) const {
    using bindings_type = static_bindings<binding<Keys, Samplers>...>;
    return typed_space<bindings_type>(bindings_type(std::move(bindings)...));
  }
};
inline constexpr space_fn space{};

}  // namespace sweep
