// The pieces of sweep::sobol: Joe & Kuo's direction numbers (new-joe-kuo-6.21201,
// the first 21 dimensions) as data, Sobol points in Gray-code order, a hash-based
// Owen scramble (Burley 2020: nested uniform scrambling, so every elementary
// interval keeps exactly its share of points) and the inverse normal CDF.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>

namespace sweep::detail {

/// @brief One row of Joe & Kuo's table: degree s, polynomial coefficients a, initial m_1..m_s.
struct sobol_row {
  unsigned s;
  unsigned a;
  std::array<std::uint32_t, 7> m;
};

/// @brief Dimensions 2..21 of new-joe-kuo-6.21201 (dimension 1 is van der Corput's sequence).
inline constexpr std::array<sobol_row, 20> sobol_table = {{
    {1, 0, {1}},
    {2, 1, {1, 3}},
    {3, 1, {1, 3, 1}},
    {3, 2, {1, 1, 1}},
    {4, 1, {1, 1, 3, 3}},
    {4, 4, {1, 3, 5, 13}},
    {5, 2, {1, 1, 5, 5, 17}},
    {5, 4, {1, 1, 5, 5, 5}},
    {5, 7, {1, 1, 7, 11, 19}},
    {5, 11, {1, 1, 5, 1, 1}},
    {5, 13, {1, 1, 1, 3, 11}},
    {5, 14, {1, 3, 5, 5, 31}},
    {6, 1, {1, 3, 3, 9, 7, 49}},
    {6, 13, {1, 1, 1, 15, 21, 21}},
    {6, 16, {1, 3, 1, 13, 27, 49}},
    {6, 19, {1, 1, 1, 15, 7, 5}},
    {6, 22, {1, 3, 1, 15, 13, 25}},
    {6, 25, {1, 1, 5, 5, 19, 61}},
    {7, 1, {1, 3, 7, 11, 23, 15, 103}},
    {7, 4, {1, 3, 7, 13, 13, 15, 69}},
}};

/// @brief The most dimensions (keys) a sobol space may have.
inline constexpr std::size_t sobol_max_dims = sobol_table.size() + 1;

using sobol_directions = std::array<std::array<std::uint32_t, 32>, sobol_max_dims>;

/// @brief The 32 direction numbers v_1..v_32 (scaled to 32 bits) of every dimension.
constexpr sobol_directions make_sobol_directions() {
  sobol_directions v{};
  for (unsigned k = 0; k < 32; ++k) v[0][k] = std::uint32_t{1} << (31 - k);
  for (std::size_t d = 1; d < sobol_max_dims; ++d) {
    const auto& row = sobol_table[d - 1];
    auto s = row.s;
    for (unsigned k = 0; k < s; ++k) v[d][k] = row.m[k] << (31 - k);
    for (unsigned k = s; k < 32; ++k) {
      std::uint32_t x = v[d][k - s] ^ (v[d][k - s] >> s);
      for (unsigned j = 1; j < s; ++j) {
        if ((row.a >> (s - 1 - j)) & 1U) x ^= v[d][k - j];
      }
      v[d][k] = x;
    }
  }
  return v;
}

inline constexpr sobol_directions sobol_v = make_sobol_directions();

/// @brief Point `index` of dimension `dim` as 32 bits, in Gray-code order (as Boost.Random's sobol).
constexpr std::uint32_t sobol_bits(std::uint64_t index, std::size_t dim) {
  std::uint64_t gray = index ^ (index >> 1);
  std::uint32_t x = 0;
  for (unsigned k = 0; gray != 0 && k < 32; ++k, gray >>= 1) {
    if (gray & 1U) x ^= sobol_v[dim][k];
  }
  return x;
}

constexpr std::uint32_t reverse_bits(std::uint32_t x) {
  x = ((x >> 1) & 0x55555555U) | ((x & 0x55555555U) << 1);
  x = ((x >> 2) & 0x33333333U) | ((x & 0x33333333U) << 2);
  x = ((x >> 4) & 0x0F0F0F0FU) | ((x & 0x0F0F0F0FU) << 4);
  x = ((x >> 8) & 0x00FF00FFU) | ((x & 0x00FF00FFU) << 8);
  return (x >> 16) | (x << 16);
}

/// @brief Owen scrambling by hashing: in bit-reversed form every step only carries
/// from a bit to less significant ones of the original, so each bit is flipped by a
/// function of the bits above it — a nested uniform scramble that keeps strata.
constexpr std::uint32_t owen_scramble(std::uint32_t x, std::uint32_t seed) {
  x = reverse_bits(x);
  x += seed;
  x ^= x * 0x6c50b47cU;
  x ^= x * 0xb82f1e52U;
  x ^= x * 0xc7afe638U;
  x ^= x * 0x8d22f6e6U;
  return reverse_bits(x);
}

/// @brief SplitMix64's finaliser: independent-looking per-dimension seeds from one seed.
constexpr std::uint64_t mix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// @brief The scrambled point as a double in [0, 1).
constexpr double sobol_unit(std::uint64_t index, std::size_t dim, std::uint64_t seed) {
  auto dim_seed = static_cast<std::uint32_t>(mix64(seed * 0x100000001b3ULL + dim) >> 32);
  return owen_scramble(sobol_bits(index, dim), dim_seed) * 0x1p-32;
}

/// @brief The standard normal CDF.
inline double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

/// @brief The inverse standard normal CDF: Acklam's rational approximation, then one
/// Halley step on erfc, which brings it to double precision.
inline double inverse_normal_cdf(double p) {
  if (p <= 0) return -HUGE_VAL;
  if (p >= 1) return HUGE_VAL;
  constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                          1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                          6.680131188771972e+01,  -1.328068155288572e+01};
  constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                          -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                          3.754408661907416e+00};
  constexpr double low = 0.02425;
  double x = 0;
  if (p < low) {
    double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - low) {
    double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    double q = std::sqrt(-2 * std::log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  double e = normal_cdf(x) - p;
  double u = e * std::sqrt(2 * std::numbers::pi) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

}  // namespace sweep::detail
