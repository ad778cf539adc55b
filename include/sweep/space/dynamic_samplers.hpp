// Samplers chosen at run time, for spaces read from YAML: each is an
// alternative over the same typed samplers the C++ DSL uses, so both routes
// draw identical values from the same seed. They are bound to keys with
// dynamic_bindings (bindings.hpp) and drawn by the same combinators.
#pragma once

#include <sweep/space/axes.hpp>
#include <sweep/space/bindings.hpp>
#include <sweep/space/samplers.hpp>
#include <sweep/space/space.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
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

  /// @brief One draw as a value (a regnet draw is a map of its six fields, as `sweep sample` prints it).
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

  /// @brief Draws and appends the values this sampler sets (a regnet draw: its six, in append_params' order).
  void draw_values(numpy_rng& rng, std::vector<value>& out) const {
    if (auto* spec = std::get_if<regnet_sampler>(&sampler_)) {
      auto v = spec->draw(rng);
      out.insert(out.end(), {value{v.depth}, value{v.w0}, value{v.wa}, value{v.wm}, value{v.group_w}, value{v.bot_mul}});
    } else if (auto* f = std::get_if<float_sampler>(&sampler_)) {
      out.emplace_back(f->draw(rng));  // the hot case of most sweeps: no detour through draw()
    } else {
      out.push_back(draw(rng));
    }
  }
  /// @brief The keys a draw sets, for the sampler of `key` (a regnet: its six).
  [[nodiscard]] std::vector<std::string> keys_set(const std::string& key) const {
    if (auto* spec = std::get_if<regnet_sampler>(&sampler_)) {
      param_list pairs;
      spec->append_params(pairs, key, regnet_values{});
      std::vector<std::string> keys;
      for (auto& pair : pairs) keys.push_back(std::move(pair.first));
      return keys;
    }
    return {key};
  }

 private:
  alternatives sampler_;
};

/// @brief A finite sampler known at run time (an axis of a grid or zip): VALUES, an int RANGE with STEP, or a
/// float RANGE with COUNT.
class dyn_axis {
 public:
  using alternatives = std::variant<choice_sampler<value>, int_range_sampler, float_range_sampler>;

  template <class S>
    requires std::is_constructible_v<alternatives, S>
  dyn_axis(S sampler) : axis_(std::move(sampler)) {}

  [[nodiscard]] const alternatives& alternative() const noexcept { return axis_; }
  [[nodiscard]] std::uint64_t size() const {
    return std::visit([](auto& a) -> std::uint64_t { return a.size(); }, axis_);
  }
  [[nodiscard]] value at(std::uint64_t i) const {
    return std::visit([&](auto& a) { return detail::to_value(a.at(i)); }, axis_);
  }

 private:
  alternatives axis_;
};

/// @brief The random space of pycls's SETUP.SAMPLERS: keys bound at run time to samplers, drawn in the order
/// written (the class a space written as code with sweep::space(...) has, over dynamic bindings).
using runtime_space = typed_space<dynamic_bindings<dyn_sampler>>;

}  // namespace sweep
