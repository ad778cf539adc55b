// Keys bound to samplers: what a random space, a grid, a zip and a sobol space
// hold. The combinators are written once over a bindings type:
//   static_bindings<binding<K, S>...>   keys and samplers fixed at compile time (the C++ DSL);
//                                       records are typed (record<key_list<K...>, V...>)
//   dynamic_bindings<S>                 (key, sampler) pairs read at run time (YAML);
//                                       records are the drawn values, one per key set
// Both draw a record (`draw(rng)`), make one from one value per sampler (`make(f)`
// with f(sampler, i): axes, sobol coordinates),
// and write a record's pycls key text and (key, value) pairs.
#pragma once

#include <sweep/random.hpp>
#include <sweep/space/key.hpp>
#include <sweep/space/record.hpp>
#include <sweep/space/sampler.hpp>
#include <sweep/value.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace sweep {

template <class... Bindings>
class static_bindings;

/// @brief Keys and samplers fixed at compile time; the samplers are validated when bound.
template <class... Keys, class... Samplers>
class static_bindings<binding<Keys, Samplers>...> {
  static_assert(detail::keys_unique<Keys...>(), "sweep: each key may be bound only once");
  static_assert(detail::keys_disjoint<Keys...>(),
                "sweep: a key may not contain another (OPTIM and OPTIM.BASE_LR): bind only the leaf keys");

 public:
  using record_type = record<key_list<Keys...>, typename Samplers::value_type...>;
  /// @brief One T per sampler (axis indices, unit coordinates).
  template <class T>
  using array = std::array<T, sizeof...(Keys)>;

  explicit static_bindings(binding<Keys, Samplers>... bindings) : samplers_(std::move(bindings.sampler)...) {
    std::apply([](auto&... s) { (s.validate(Keys::name), ...); }, samplers_);
  }

  [[nodiscard]] static constexpr std::size_t count() noexcept { return sizeof...(Keys); }
  [[nodiscard]] static constexpr std::string_view key(std::size_t i) noexcept {
    constexpr std::array<std::string_view, sizeof...(Keys)> names{Keys::name...};
    return names[i];
  }
  template <class T>
  [[nodiscard]] static array<T> make_array() { return {}; }

  /// @brief f(sampler, i) for each sampler, in the order written.
  template <class F>
  void for_each(F&& f) const {
    [&]<std::size_t... I>(std::index_sequence<I...>) { (f(std::get<I>(samplers_), I), ...); }(std::index_sequence_for<Keys...>{});
  }
  /// @brief The record of the values f(sampler, i), called left to right (draws take the stream in that order).
  template <class F>
  [[nodiscard]] record_type make(F&& f) const {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return record_type{{typename Samplers::value_type(f(std::get<I>(samplers_), I))...}};
    }(std::index_sequence_for<Keys...>{});
  }
  /// @brief One record drawn from the stream, the samplers left to right.
  [[nodiscard]] record_type draw(numpy_rng& rng) const {
    return make([&](auto& sampler, std::size_t) { return sampler.draw(rng); });
  }

  /// @brief pycls's key text "K1 V1 K2 V2 ..." (each sampler writes its own).
  void append_key_text(std::string& out, const record_type& r) const {
    for_each_pair(r, [&](auto& sampler, std::string_view name, auto& v) { sampler.append_key_text(out, name, v); });
  }
  /// @brief The (key, value) pairs merged into BASE_CFG.
  void append_params(param_list& out, const record_type& r) const {
    for_each_pair(r, [&](auto& sampler, std::string_view name, auto& v) { sampler.append_params(out, name, v); });
  }

 private:
  template <class F>
  void for_each_pair(const record_type& r, F&& f) const {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (f(std::get<I>(samplers_), Keys::name, std::get<I>(r.values)), ...);
    }(std::index_sequence_for<Keys...>{});
  }

  std::tuple<Samplers...> samplers_;
};

/// @brief (key, sampler) pairs known at run time; S draws a sweep::value (dyn_sampler, dyn_axis). A composite
/// sampler (regnet) sets several keys (keys_set) and appends a value for each (draw_values).
/// The reader that makes them checks keys and samplers (with the file and line to name).
template <class S>
class dynamic_bindings {
 public:
  /// @brief The drawn values, one per key set (keys() names them).
  using record_type = std::vector<value>;
  template <class T>
  using array = std::vector<T>;

  dynamic_bindings() = default;
  explicit dynamic_bindings(std::vector<std::pair<std::string, S>> samplers) : samplers_(std::move(samplers)) {
    for (auto& binding : samplers_) {
      if constexpr (requires { binding.second.keys_set(binding.first); }) {
        for (auto& k : binding.second.keys_set(binding.first)) keys_.push_back(k);
      } else {
        keys_.push_back(binding.first);
      }
    }
  }

  [[nodiscard]] std::size_t count() const noexcept { return samplers_.size(); }
  [[nodiscard]] std::string_view key(std::size_t i) const noexcept { return samplers_[i].first; }
  [[nodiscard]] const std::vector<std::pair<std::string, S>>& samplers() const noexcept { return samplers_; }
  /// @brief The keys a record's values are for.
  [[nodiscard]] const std::vector<std::string>& keys() const noexcept { return keys_; }
  template <class T>
  [[nodiscard]] array<T> make_array() const { return array<T>(samplers_.size()); }

  template <class F>
  void for_each(F&& f) const {
    for (std::size_t i = 0; i < samplers_.size(); ++i) f(samplers_[i].second, i);
  }
  /// @brief The record of the values f(sampler, i) (one value each: axes and sobol coordinates).
  template <class F>
  [[nodiscard]] record_type make(F&& f) const {
    record_type out;
    out.reserve(keys_.size());
    for (std::size_t i = 0; i < samplers_.size(); ++i) out.push_back(f(samplers_[i].second, i));
    return out;
  }
  /// @brief One record drawn from the stream, left to right; a composite sampler appends each value it sets.
  [[nodiscard]] record_type draw(numpy_rng& rng) const {
    record_type out;
    out.reserve(keys_.size());
    for (auto& binding : samplers_) {
      if constexpr (requires { binding.second.draw_values(rng, out); }) {
        binding.second.draw_values(rng, out);
      } else {
        out.push_back(binding.second.draw(rng));
      }
    }
    return out;
  }

  void append_key_text(std::string& out, const record_type& r) const {
    for (std::size_t i = 0; i < r.size(); ++i) append_key_value(out, keys_[i], r[i]);
  }
  void append_params(param_list& out, const record_type& r) const {
    for (std::size_t i = 0; i < r.size(); ++i) out.emplace_back(keys_[i], r[i]);
  }

 private:
  std::vector<std::pair<std::string, S>> samplers_;
  std::vector<std::string> keys_;
};

}  // namespace sweep
