// The runtime form of a space, for spaces read from YAML: each sampler is an
// alternative over the same typed samplers the C++ DSL uses, so both routes
// draw identical values from the same seed.
#pragma once

#include <sweep/space/samplers.hpp>

#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace sweep {

class dyn_sampler;

/// @brief A list_sampler whose item is only known at run time.
struct dyn_list_sampler {
  std::int64_t length = 0;
  std::shared_ptr<const dyn_sampler> item;
};

/// @brief Any sampler of a pycls sweep config: int, float, value, list or regnet.
class dyn_sampler {
 public:
  using alternatives = std::variant<int_sampler, float_sampler, choice_sampler<value>, dyn_list_sampler, regnet_sampler>;

  template <class S>
    requires std::is_constructible_v<alternatives, S>
  dyn_sampler(S sampler) : sampler_(std::move(sampler)) {}

  [[nodiscard]] const alternatives& alternative() const noexcept { return sampler_; }
  /// @brief Composite samplers (regnet) set several keys instead of their own.
  [[nodiscard]] bool is_composite() const noexcept { return std::holds_alternative<regnet_sampler>(sampler_); }

  /// @brief One draw as a value (a regnet draw is a map of its six keys).
  [[nodiscard]] value draw(numpy_rng& rng) const {
    return std::visit(
        [&](auto& s) -> value {
          using S = std::decay_t<decltype(s)>;
          if constexpr (std::is_same_v<S, dyn_list_sampler>) {
            value::list items;
            items.reserve(static_cast<std::size_t>(s.length));
            for (std::int64_t i = 0; i < s.length; ++i) items.push_back(s.item->draw(rng));
            return value{std::move(items)};
          } else if constexpr (std::is_same_v<S, regnet_sampler>) {
            param_list pairs;
            s.append_params(pairs, "REGNET", s.draw(rng));
            value::map m;
            for (auto& [k, v] : pairs) m.emplace_back(k.substr(7), std::move(v));
            return value{std::move(m)};
          } else {
            return detail::to_value(s.draw(rng));
          }
        },
        sampler_);
  }

  /// @brief Draws and appends the (key, value) pairs this sampler sets.
  void draw_params(numpy_rng& rng, const std::string& key, param_list& out) const {
    if (auto* regnet = std::get_if<regnet_sampler>(&sampler_)) {
      regnet->append_params(out, key, regnet->draw(rng));
    } else if (auto* f = std::get_if<float_sampler>(&sampler_)) {
      out.emplace_back(key, value{f->draw(rng)});  // the hot case of most sweeps: no detour through draw()
    } else {
      out.emplace_back(key, draw(rng));
    }
  }

 private:
  alternatives sampler_;
};

/// @brief A space read from a config: (key, sampler) in the order written.
class runtime_space {
 public:
  using record_type = param_list;

  runtime_space() = default;
  explicit runtime_space(std::vector<std::pair<std::string, dyn_sampler>> samplers) : samplers_(std::move(samplers)) {}

  [[nodiscard]] record_type draw(numpy_rng& rng) const {
    param_list out;
    out.reserve(samplers_.size());
    for (auto& [key, sampler] : samplers_) sampler.draw_params(rng, key, out);
    return out;
  }
  [[nodiscard]] bool accepts(const record_type&) const { return true; }
  void append_key_text(std::string& out, const record_type& r) const {
    for (auto& [key, v] : r) detail::append_key_value(out, key, v);
  }
  void append_params(param_list& out, const record_type& r) const { out.insert(out.end(), r.begin(), r.end()); }

  [[nodiscard]] const std::vector<std::pair<std::string, dyn_sampler>>& samplers() const noexcept { return samplers_; }
  [[nodiscard]] bool empty() const noexcept { return samplers_.empty(); }

 private:
  std::vector<std::pair<std::string, dyn_sampler>> samplers_;
};

}  // namespace sweep
