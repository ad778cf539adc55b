// numpy's legacy RandomState stream (MT19937 seeded by init_genrand) re-created
// bit for bit, so that a sweep seeded like pycls draws exactly pycls's configs.
#pragma once

#include <sweep/error.hpp>

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <utility>
#include <vector>

namespace sweep {

namespace detail {

/// @brief Stops the compiler from fusing `a * b + c` into one FMA (numpy's C code rounds twice).
inline double fp_barrier(double x) noexcept {
#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
  asm("" : "+x"(x));  // x must exist as a rounded double here, so no contraction across it
  return x;
#elif (defined(__GNUC__) || defined(__clang__)) && defined(__aarch64__)
  asm("" : "+w"(x));
  return x;
#else
  volatile double rounded = x;
  return rounded;
#endif
}

/// @brief All bits below the highest set bit of x set (numpy's mask for rejection sampling).
constexpr std::uint64_t fill_mask(std::uint64_t x) noexcept {
  x |= x >> 1;
  x |= x >> 2;
  x |= x >> 4;
  x |= x >> 8;
  x |= x >> 16;
  x |= x >> 32;
  return x;
}

}  // namespace detail

/// @brief numpy's legacy `RandomState` stream (MT19937), bit for bit for integer seeds.
/// @sa docs/random.md
class numpy_rng {
 public:
  using result_type = std::uint32_t;
  static constexpr std::size_t state_size = 624;

  /// @brief `np.random.seed(seed)`.
  explicit numpy_rng(std::uint32_t seed = 0) noexcept { this->seed(seed); }

  /// @brief Re-seeds like `np.random.seed(seed)` (init_genrand); drops the cached Gaussian.
  void seed(std::uint32_t s) noexcept {
    for (std::size_t i = 0; i < state_size; ++i) {
      key_[i] = s;
      s = 1812433253U * (s ^ (s >> 30)) + static_cast<std::uint32_t>(i) + 1U;
    }
    pos_ = state_size;
    has_gauss_ = false;
    gauss_ = 0.0;
  }

  static constexpr result_type min() noexcept { return 0; }
  static constexpr result_type max() noexcept { return std::numeric_limits<result_type>::max(); }
  /// @brief One 32-bit word: makes numpy_rng a std::uniform_random_bit_generator.
  result_type operator()() noexcept { return next_uint32(); }

  /// @brief The next tempered MT19937 word.
  std::uint32_t next_uint32() noexcept {
    if (pos_ == state_size) refill();
    std::uint32_t y = key_[pos_++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680U;
    y ^= (y << 15) & 0xefc60000U;
    y ^= y >> 18;
    return y;
  }

  /// @brief Two words, the first one high (numpy's mt19937_next64).
  std::uint64_t next_uint64() noexcept {
    std::uint64_t hi = next_uint32();
    return hi << 32 | next_uint32();
  }

  /// @brief `random_sample()`: a 53-bit double in [0, 1) from two words.
  double random_sample() noexcept {
    std::int32_t a = static_cast<std::int32_t>(next_uint32() >> 5);
    std::int32_t b = static_cast<std::int32_t>(next_uint32() >> 6);
    return (a * 67108864.0 + b) / 9007199254740992.0;  // exact: no rounding to worry about
  }

  /// @brief `uniform(low, high)` = low + (high - low) * random_sample().
  double uniform(double low, double high) noexcept {
    return low + detail::fp_barrier((high - low) * random_sample());
  }

  /// @brief `standard_normal()`: the legacy polar method, caching the second value.
  double gauss() noexcept {
    if (has_gauss_) {
      has_gauss_ = false;
      double cached = gauss_;
      gauss_ = 0.0;
      return cached;
    }
    double x1, x2, r2;
    do {
      x1 = 2.0 * random_sample() - 1.0;
      x2 = 2.0 * random_sample() - 1.0;
      r2 = detail::fp_barrier(x1 * x1) + detail::fp_barrier(x2 * x2);
    } while (r2 >= 1.0 || r2 == 0.0);
    double f = std::sqrt(-2.0 * std::log(r2) / r2);
    gauss_ = f * x1;
    has_gauss_ = true;
    return f * x2;
  }

  /// @brief `normal(loc, scale)` = loc + scale * gauss().
  double normal(double loc, double scale) noexcept { return loc + detail::fp_barrier(scale * gauss()); }

  /// @brief `lognormal(mean, sigma)` = exp(normal(mean, sigma)).
  double lognormal(double mean, double sigma) noexcept { return std::exp(normal(mean, sigma)); }

  /// @brief `randint(high)`: an integer in [0, high).
  std::int64_t randint(std::int64_t high) { return randint(0, high); }

  /// @brief `randint(low, high)` with numpy's default int64 dtype: masked rejection sampling,
  /// with 32-bit draws while the range fits in 32 bits.
  std::int64_t randint(std::int64_t low, std::int64_t high) {
    if (low >= high) throw std::invalid_argument(fmt::format("randint: low >= high ({} >= {})", low, high));
    auto rng = static_cast<std::uint64_t>(high - 1) - static_cast<std::uint64_t>(low);
    auto off = static_cast<std::uint64_t>(low);
    return static_cast<std::int64_t>(off + bounded(rng));
  }

  /// @brief numpy's random_interval: masked rejection in [0, max] (the draw of legacy shuffle).
  std::uint64_t random_interval(std::uint64_t max) noexcept {
    if (max == 0) return 0;
    std::uint64_t mask = detail::fill_mask(max);
    std::uint64_t v;
    if (max <= 0xffffffffULL) {
      do {
        v = next_uint32() & mask;
      } while (v > max);
    } else {
      do {
        v = next_uint64() & mask;
      } while (v > max);
    }
    return v;
  }

  /// @brief `permutation(n)`: 0..n-1 shuffled by legacy shuffle (i from n-1 down to 1).
  std::vector<std::int64_t> permutation(std::int64_t n) {
    if (n < 0) throw std::invalid_argument(fmt::format("permutation: n must be >= 0, got {}", n));
    std::vector<std::int64_t> x(static_cast<std::size_t>(n));
    std::iota(x.begin(), x.end(), std::int64_t{0});
    for (std::size_t i = x.size(); i-- > 1;) {
      std::swap(x[i], x[static_cast<std::size_t>(random_interval(i))]);
    }
    return x;
  }

  /// @brief `choice(n, size, replace=False)`: legacy numpy takes permutation(n)[:size].
  std::vector<std::int64_t> choice(std::int64_t n, std::int64_t size) {
    if (size < 0 || size > n) {
      throw std::invalid_argument(
          fmt::format("choice: cannot take a sample of {} from {} values without replacement", size, n));
    }
    auto p = permutation(n);
    p.resize(static_cast<std::size_t>(size));
    return p;
  }

  /// @brief The MT19937 key words (numpy's `get_state()[1]`), for checks.
  [[nodiscard]] const std::array<std::uint32_t, state_size>& key() const noexcept { return key_; }
  /// @brief The position in the key (numpy's `get_state()[2]`).
  [[nodiscard]] std::size_t pos() const noexcept { return pos_; }

  friend bool operator==(const numpy_rng&, const numpy_rng&) = default;

 private:
  // numpy's random_bounded_uint64 for one value, with use_masked=True (the legacy choice).
  std::uint64_t bounded(std::uint64_t rng) noexcept {
    if (rng == 0) return 0;
    if (rng <= 0xffffffffULL) {
      if (rng == 0xffffffffULL) return next_uint32();
      auto mask = static_cast<std::uint32_t>(detail::fill_mask(rng));
      std::uint32_t v;
      do {
        v = next_uint32() & mask;
      } while (v > rng);
      return v;
    }
    if (rng == ~std::uint64_t{0}) return next_uint64();
    std::uint64_t mask = detail::fill_mask(rng), v;
    do {
      v = next_uint64() & mask;
    } while (v > rng);
    return v;
  }

  // One block of 624 new words (the classic genrand loop, split so no index wraps).
  void refill() noexcept {
    constexpr std::size_t n = state_size, m = 397;
    constexpr std::uint32_t upper = 0x80000000U, lower = 0x7fffffffU, matrix_a = 0x9908b0dfU;
    auto twist = [](std::uint32_t a, std::uint32_t b, std::uint32_t far) {
      std::uint32_t y = (a & upper) | (b & lower);
      return far ^ (y >> 1) ^ ((0U - (y & 1U)) & matrix_a);
    };
    std::size_t i = 0;
    for (; i < n - m; ++i) key_[i] = twist(key_[i], key_[i + 1], key_[i + m]);
    for (; i < n - 1; ++i) key_[i] = twist(key_[i], key_[i + 1], key_[i + m - n]);
    key_[n - 1] = twist(key_[n - 1], key_[0], key_[m - 1]);
    pos_ = 0;
  }

  std::array<std::uint32_t, state_size> key_{};
  std::size_t pos_ = state_size;
  bool has_gauss_ = false;
  double gauss_ = 0.0;
};

/// @brief pycls's chunk seeds on a given stream: `rng.seed(rng_seed)` then
/// `choice(1000000, ceil(num_samples / chunk_size), replace=False)`. The stream goes on
/// afterwards exactly as pycls's global one does (its final shuffle of the configs draws from it).
inline std::vector<std::int64_t> chunk_seeds(numpy_rng& rng, std::int64_t rng_seed, std::int64_t num_samples,
                                             std::int64_t chunk_size) {
  if (rng_seed < 0 || rng_seed > 0xffffffffLL) {
    throw error({}, "SETUP.RNG_SEED", fmt::format("must be between 0 and 2**32 - 1, got {}", rng_seed));
  }
  if (chunk_size <= 0) throw error({}, "SETUP.CHUNK_SIZE", fmt::format("must be > 0, got {}", chunk_size));
  if (num_samples < 0) throw error({}, "SETUP.NUM_SAMPLES", fmt::format("must be >= 0, got {}", num_samples));
  rng.seed(static_cast<std::uint32_t>(rng_seed));
  // pycls: int(np.ceil(NUM_SAMPLES / CHUNK_SIZE)), a float division
  auto n_chunks =
      static_cast<std::int64_t>(std::ceil(static_cast<double>(num_samples) / static_cast<double>(chunk_size)));
  if (n_chunks > 1000000) {
    throw error({}, "SETUP.NUM_SAMPLES",
                fmt::format("needs {} chunks of CHUNK_SIZE {}, but at most 1000000 chunk seeds exist", n_chunks,
                            chunk_size));
  }
  return rng.choice(1000000, n_chunks);
}

/// @brief pycls's chunk seeds from a fresh stream seeded with rng_seed.
inline std::vector<std::int64_t> chunk_seeds(std::int64_t rng_seed, std::int64_t num_samples,
                                             std::int64_t chunk_size) {
  numpy_rng rng;
  return chunk_seeds(rng, rng_seed, num_samples, chunk_size);
}

}  // namespace sweep
