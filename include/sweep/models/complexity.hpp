// Model complexity (flops, params, acts) and the per-layer rules pycls uses to
// count it (pycls/models/blocks.py, the *_cx functions). Every figure is an exact
// integer, so families compare equal with pycls's numbers, not just close.
#pragma once

#include <sweep/error.hpp>

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace sweep {

/// @brief A model's complexity at TRAIN.IM_SIZE: multiply-adds, parameters and activations.
struct complexity {
  std::int64_t flops = 0;
  std::int64_t params = 0;
  std::int64_t acts = 0;

  friend bool operator==(const complexity&, const complexity&) = default;
};

/// @brief `{"flops": N, "params": N, "acts": N}`: the shape of pycls's complexity record.
inline std::string to_json(const complexity& cx) {
  return fmt::format(R"({{"flops": {}, "params": {}, "acts": {}}})", cx.flops, cx.params, cx.acts);
}

namespace detail {

/// @brief The running state of a complexity count: feature-map size and the three sums. Every
/// product and sum is checked: huge widths or image sizes set `overflow` instead of wrapping
/// (signed overflow is undefined), and the family's count then fails with checked_sum.
struct cx_state {
  std::int64_t h = 0;
  std::int64_t w = 0;
  complexity sum;
  bool overflow = false;

  explicit constexpr cx_state(std::int64_t im_size) noexcept : h(im_size), w(im_size) {}

  /// @brief a * b, or 0 with `overflow` set.
  constexpr std::int64_t mul(std::int64_t a, std::int64_t b) noexcept {
    std::int64_t r = 0;
    if (__builtin_mul_overflow(a, b, &r)) overflow = true;
    return overflow ? 0 : r;
  }
  /// @brief A width computed in floating point (w x bot_mul), or 0 with `overflow` set when it is no int64.
  constexpr std::int64_t to_int(double x) noexcept {
    if (!(x > -9.2e18 && x < 9.2e18)) overflow = true;
    return overflow ? 0 : static_cast<std::int64_t>(x);
  }
  /// @brief total += v, or `overflow` set.
  constexpr void add(std::int64_t& total, std::int64_t v) noexcept {
    if (__builtin_add_overflow(total, v, &total)) overflow = true;
  }
};

/// @brief The sums of a count, or sweep::error naming `key` (the family's section) when one overflowed.
inline complexity checked_sum(const cx_state& cx, std::string_view key) {
  if (cx.overflow) {
    throw error({}, std::string(key),
                "the model's flops, params or acts do not fit in a 64-bit integer: expected smaller widths, depths "
                "or image size");
  }
  return cx.sum;
}

/// @brief A k x k convolution (odd k, padding (k-1)/2), as pycls's conv2d_cx.
inline constexpr void conv2d_cx(cx_state& cx, std::int64_t w_in, std::int64_t w_out, std::int64_t k,
                                std::int64_t stride = 1, std::int64_t groups = 1, bool bias = false) noexcept {
  // h >= 1 always, so C++'s truncating division equals Python's floor division here.
  if (stride != 1) {  // most convs keep the size: skip two 64-bit divisions
    cx.h = (cx.h - 1) / stride + 1;
    cx.w = (cx.w - 1) / stride + 1;
  }
  const std::int64_t hw = cx.mul(cx.h, cx.w);
  const std::int64_t kk = cx.mul(cx.mul(cx.mul(k, k), w_in), w_out);
  const std::int64_t kk_hw = cx.mul(kk, hw);
  cx.add(cx.sum.flops, groups == 1 ? kk_hw : kk_hw / groups);
  if (bias) cx.add(cx.sum.flops, cx.mul(w_out, hw));
  cx.add(cx.sum.params, (groups == 1 ? kk : kk / groups) + (bias ? w_out : 0));
  cx.add(cx.sum.acts, cx.mul(w_out, hw));
}

/// @brief Batch norm: two parameters per channel.
inline constexpr void norm2d_cx(cx_state& cx, std::int64_t w_in) noexcept { cx.add(cx.sum.params, cx.mul(2, w_in)); }

/// @brief Max pooling (odd k): shrinks the map, counts its activations.
inline constexpr void pool2d_cx(cx_state& cx, std::int64_t w_in, std::int64_t stride) noexcept {
  cx.h = (cx.h - 1) / stride + 1;
  cx.w = (cx.w - 1) / stride + 1;
  cx.add(cx.sum.acts, cx.mul(cx.mul(w_in, cx.h), cx.w));
}

/// @brief Global average pooling: free, but the map becomes 1 x 1.
inline constexpr void gap2d_cx(cx_state& cx) noexcept { cx.h = cx.w = 1; }

/// @brief A fully connected layer.
inline constexpr void linear_cx(cx_state& cx, std::int64_t w_in, std::int64_t w_out, bool bias) noexcept {
  const std::int64_t weights = cx.mul(w_in, w_out);
  cx.add(cx.sum.flops, weights);
  cx.add(cx.sum.params, weights);
  if (bias) {
    cx.add(cx.sum.flops, w_out);
    cx.add(cx.sum.params, w_out);
  }
  cx.add(cx.sum.acts, w_out);
}

/// @brief Squeeze-and-excitation: pool, 1x1 down, 1x1 up (with bias); the map size is kept.
inline constexpr void se_cx(cx_state& cx, std::int64_t w_in, std::int64_t w_se) noexcept {
  const auto h = cx.h, w = cx.w;
  gap2d_cx(cx);
  conv2d_cx(cx, w_in, w_se, 1, 1, 1, true);
  conv2d_cx(cx, w_se, w_in, 1, 1, 1, true);
  cx.h = h;
  cx.w = w;
}

}  // namespace detail
}  // namespace sweep
