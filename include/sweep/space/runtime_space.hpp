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
  /// @brief The keys draw_values sets, for the sampler of `key`.
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

/// @brief A space read from a config: (key, sampler) in the order written.
/// A record is the drawn values alone, one per key the samplers set: the key names are the space's.
class runtime_space {
 public:
  using record_type = std::vector<value>;

  runtime_space() = default;
  explicit runtime_space(std::vector<std::pair<std::string, dyn_sampler>> samplers) : samplers_(std::move(samplers)) {
    for (auto& [key, sampler] : samplers_) {
      auto set = sampler.keys_set(key);
      keys_.insert(keys_.end(), std::make_move_iterator(set.begin()), std::make_move_iterator(set.end()));
    }
  }

  [[nodiscard]] record_type draw(numpy_rng& rng) const {
    record_type out;
    out.reserve(keys_.size());
    for (auto& [key, sampler] : samplers_) sampler.draw_values(rng, out);
    return out;
  }
  [[nodiscard]] bool accepts(const record_type&) const { return true; }
  void append_key_text(std::string& out, const record_type& r) const {
    for (std::size_t i = 0; i < r.size(); ++i) append_key_value(out, keys_[i], r[i]);
  }
  void append_params(param_list& out, const record_type& r) const {
    for (std::size_t i = 0; i < r.size(); ++i) out.emplace_back(keys_[i], r[i]);
  }

  [[nodiscard]] const std::vector<std::pair<std::string, dyn_sampler>>& samplers() const noexcept { return samplers_; }
  [[nodiscard]] bool empty() const noexcept { return samplers_.empty(); }

 private:
  std::vector<std::pair<std::string, dyn_sampler>> samplers_;
  std::vector<std::string> keys_;  // the keys a record's values are for
};

}  // namespace sweep
