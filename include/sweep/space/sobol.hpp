// sobol(k = sampler, ...): a scrambled Sobol sequence; point i maps each of its
// coordinates through one sampler's inverse CDF, so a sobol space spreads its
// configs more evenly than random draws from the same samplers. RNG_SEED picks
// the Owen scramble. Keys and samplers are fixed at compile time
// (static_bindings) or read from YAML (dynamic_bindings of dyn_sampler).
#pragma once

#include <sweep/error.hpp>
#include <sweep/random.hpp>
#include <sweep/space/axes.hpp>
#include <sweep/space/bindings.hpp>
#include <sweep/space/detail/sobol.hpp>
#include <sweep/space/dynamic_samplers.hpp>
#include <sweep/space/samplers.hpp>
#include <sweep/space/where.hpp>
#include <sweep/value.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace sweep {

namespace detail {

/// @brief pycls's draw of `s` with its uniform variate(s) replaced by u in [0, 1).
template <class T>
T from_unit(const scalar_sampler<T>& s, double u) {
  double lo = to_double(s.low), hi = to_double(s.high), q = to_double(s.q);
  switch (s.type) {
    case rand_type::uniform:
      return quantize(lo + u * (sum_to_double(s.high, s.q) - lo), s.q, rounding::floor);
    case rand_type::log_uniform: {
      double lower = lo / 2.0 < q ? lo - lo / 2.0 : sum_to_double(s.low, -s.q);
      double a = -std::log(hi), b = -std::log(lower);
      return quantize(std::exp(-(a + u * (b - a))), s.q, rounding::ceil);
    }
    case rand_type::power2_uniform: {
      double a = std::log2(lo), b = std::log2(hi) + 1.0;
      return quantize(std::pow(2.0, std::floor(a + u * (b - a))), s.q, rounding::floor);
    }
    case rand_type::power2_or_log_uniform: {
      // The exponent takes u's stratum; where log_uniform follows, u's place inside it is a fresh uniform.
      double a = std::log2(lo), b = std::log2(hi) + 1.0, x = a + u * (b - a), e = std::floor(x);
      T f = quantize(std::pow(2.0, e), s.low, rounding::floor);
      if (f < s.q) return f;
      scalar_sampler<T> log_part{rand_type::log_uniform, py_max(s.low, s.q), s.high, py_min(s.high, s.q)};
      double rest = (x - std::max(e, a)) / (std::min(e + 1, b) - std::max(e, a));
      return from_unit(log_part, std::clamp(rest, 0.0, std::nextafter(1.0, 0.0)));
    }
    case rand_type::normal:
    case rand_type::log_normal: {
      // pycls redraws until inside [low, high]: a normal truncated at mu -/+ 3 sigma.
      bool log = s.type == rand_type::log_normal;
      double a = log ? std::log(lo) : lo, b = log ? std::log(hi) : hi;
      double mu = (a + b) / 2, sigma = (b - a) / 6;
      double f = mu;
      if (sigma > 0) {
        double pa = normal_cdf(-3.0), pb = normal_cdf(3.0);
        f = std::clamp(mu + sigma * inverse_normal_cdf(pa + u * (pb - pa)), a, b);
      }
      if (log) f = std::clamp(std::exp(f), lo, hi);
      return quantize(f, s.q, rounding::half_even);
    }
  }
  return s.low;
}

/// @brief A finite sampler: the item of u's stratum.
template <sweep::finite_sampler S>
auto from_unit(const S& s, double u) {
  auto n = s.size();
  auto i = std::min<std::uint64_t>(n - 1, static_cast<std::uint64_t>(u * static_cast<double>(n)));
  return typename S::value_type(s.at(i));
}

template <class S>
concept unit_mappable = requires(const S& s) { from_unit(s, 0.5); };

/// @brief A sampler read from YAML: its alternative's inverse CDF (a list or regnet has no single coordinate).
inline value from_unit(const dyn_sampler& s, double u) {
  return std::visit(
      [&](auto& a) -> value {
        if constexpr (unit_mappable<std::decay_t<decltype(a)>>) {
          return to_value(from_unit(a, u));
        } else {
          throw error("sobol: a list or regnet sampler has no single coordinate");
        }
      },
      s.alternative());
}

}  // namespace detail

/// @brief A scrambled Sobol sequence over samplers bound to keys (static_bindings or dynamic_bindings).
template <class Bindings>
class sobol_space : public detail::space_interface<sobol_space<Bindings>> {
 public:
  using record_type = typename Bindings::record_type;

  explicit sobol_space(Bindings bindings) : bindings_(std::move(bindings)) {
    if (bindings_.count() > detail::sobol_max_dims) {
      throw error(fmt::format("sobol: {} keys: expected at most {} (the dimensions of the Sobol table)", bindings_.count(),
                              detail::sobol_max_dims));
    }
  }

  /// @brief The same sequence with another Owen scramble (setup passes RNG_SEED).
  [[nodiscard]] sobol_space with_seed(std::uint64_t seed) const {
    auto copy = *this;
    copy.seed_ = seed;
    return copy;
  }
  [[nodiscard]] std::uint64_t seed() const noexcept { return seed_; }

  /// @brief Point i of the scrambled sequence in [0, 1)^dims, before the inverse CDFs.
  [[nodiscard]] auto unit_point(std::uint64_t i) const {
    auto u = bindings_.template make_array<double>();
    for (std::size_t d = 0; d < u.size(); ++d) u[d] = detail::sobol_unit(i, d, seed_);
    return u;
  }
  [[nodiscard]] record_type at(std::uint64_t i) const { return map(unit_point(i)); }
  /// @brief A pseudo-random point (for a sobol space nested in a random one).
  [[nodiscard]] record_type draw(numpy_rng& rng) const {
    auto u = bindings_.template make_array<double>();
    for (auto& x : u) x = rng.uniform(0.0, 1.0);
    return map(u);
  }
  [[nodiscard]] constexpr bool accepts(const record_type&) const { return true; }
  void append_key_text(std::string& out, const record_type& r) const { bindings_.append_key_text(out, r); }
  void append_params(param_list& out, const record_type& r) const { bindings_.append_params(out, r); }

 private:
  template <class Unit>
  record_type map(const Unit& u) const {
    return bindings_.make([&](auto& sampler, std::size_t d) { return detail::from_unit(sampler, u[d]); });
  }

  Bindings bindings_;
  std::uint64_t seed_ = 0;
};

/// @brief `sobol("OPTIM.BASE_LR"_k = log_uniform(0.1, 10.0).quantize(1e-10), ...)`: quasi-random, scrambled by RNG_SEED.
struct sobol_fn {
  template <class... Keys, class... Samplers>
  auto operator()(binding<Keys, Samplers>... bindings) const {
    static_assert(sizeof...(Keys) > 0, "sweep::sobol(samplers...) requires at least one sampler");
    static_assert(sizeof...(Keys) <= detail::sobol_max_dims, "sweep::sobol(samplers...) supports at most 21 keys");
    static_assert((detail::unit_mappable<Samplers> && ...),
                  "sweep::sobol(samplers...) requires scalar samplers (uniform, log_uniform, normal, ...) or finite "
                  "samplers (values, choice, int_range, linspace); list_of and regnet have no single coordinate");
    using bindings_type = static_bindings<binding<Keys, Samplers>...>;
    return sobol_space<bindings_type>(bindings_type(std::move(bindings)...));
  }
};
inline constexpr sobol_fn sobol{};

}  // namespace sweep
