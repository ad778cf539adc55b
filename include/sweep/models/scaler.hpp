// pycls's model scaler (pycls/models/scaler.py, "Fast and Accurate Model
// Scaling"). pycls's sweep setup runs it on every anynet/effnet/regnet config,
// so at the default SCALING_FACTOR 1.0 it standardises the model: widths become
// multiples of 8, group widths 1, 2, 4 or multiples of 8, widths compatible with
// groups and bottlenecks, image sizes multiples of 4.
#pragma once

#include <sweep/models/detail/cfg_reader.hpp>
#include <sweep/value.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace sweep {

/// @brief How much to scale depth, width, groups and resolution (all 1.0: no scaling).
struct scaling_factors {
  double d = 1.0;
  double w = 1.0;
  double g = 1.0;
  double r = 1.0;
};

/// @brief pycls's scaling_factors(): d * w^2 * r^2 == factor, split by the weights of `type`
/// ("dwr", "d1_w8_g8_r1", "" ...); bad types throw naming MODEL.SCALING_TYPE.
inline scaling_factors compute_scaling_factors(std::string_view type, double factor) {
  double weight[4] = {0, 0, 0, 0};  // d, w, g, r
  constexpr std::string_view dims = "dwgr";
  auto bad = [&](std::string why) -> sweep::error {
    return sweep::error({}, "MODEL.SCALING_TYPE",
                        fmt::format("{} in '{}' (expected letters of dwgr, or items like d1_w8_g8_r1)", why, type));
  };
  if (std::all_of(type.begin(), type.end(), [&](char c) { return dims.find(c) != std::string_view::npos; })) {
    for (std::size_t i = 0; i < 4; ++i) weight[i] = type.find(dims[i]) != std::string_view::npos ? 1.0 : 0.0;
  } else {
    std::string_view rest = type;
    for (;;) {
      auto item = rest.substr(0, rest.find('_'));
      auto dim = item.empty() ? std::string_view::npos : dims.find(item.front());
      if (dim == std::string_view::npos) throw bad(fmt::format("unknown dimension '{}'", item.substr(0, 1)));
      double value = 0;
      auto number = item.substr(1);
      auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
      if (ec != std::errc{} || end != number.data() + number.size()) {
        throw bad(fmt::format("bad weight '{}'", number));
      }
      weight[dim] = value;
      if (item.size() == rest.size()) break;
      rest.remove_prefix(item.size() + 1);
    }
  }
  // Python's `a or b or c`: the first non-zero.
  double sum = weight[0] + weight[1] + weight[3];
  if (sum == 0) sum = weight[2] / 2;
  if (sum == 0) sum = 1.0;
  scaling_factors f{std::pow(factor, weight[0] / sum), std::pow(factor, weight[1] / sum / 2.0),
                    std::pow(factor, weight[2] / sum / 2.0), std::pow(factor, weight[3] / sum / 2.0)};
  double actual = f.d * f.w * f.w * f.r * f.r;
  bool identity = f.d == 1.0 && f.w == 1.0 && f.r == 1.0;
  if (!identity && std::fabs(actual - factor) > 0.01 * std::max(std::fabs(actual), std::fabs(factor))) {
    throw bad(fmt::format("the factors scale by {} instead of MODEL.SCALING_FACTOR {}", actual, factor));
  }
  return f;
}

/// @brief The scaling a job config asks for (MODEL.SCALING_TYPE "" and SCALING_FACTOR 1.0 by default).
inline scaling_factors read_scaling_factors(const value& job_cfg) {
  detail::section_reader model(job_cfg, "MODEL");
  auto type = model.get_string("SCALING_TYPE", "");
  double factor = model.get_number("SCALING_FACTOR", 1.0);
  if (type.empty() && factor == 1.0) return {};  // pycls's default: the common case, no pow()
  if (!(factor > 0)) model.fail(nullptr, "SCALING_FACTOR", fmt::format("expected a positive factor, got {}", factor));
  try {
    return compute_scaling_factors(type, factor);
  } catch (const sweep::error& e) {
    detail::model_key_error(model.find("SCALING_TYPE"), e.key_path(), e.message());
  }
}

namespace detail {

/// @brief Python's `x % m == 0` for a float x and a positive integer m, without fmod()
/// (slow in glibc, and on the setup hot path): a non-integral x is no multiple of m.
inline bool is_multiple(double x, std::int64_t m) noexcept {
  if (x != std::trunc(x)) return false;
  if (std::fabs(x) < 9.0e15) return static_cast<std::int64_t>(x) % m == 0;
  return std::fmod(x, static_cast<double>(m)) == 0;
}

}  // namespace detail

/// @brief pycls's adjust_block_compatibility(): makes each width * bottleneck a multiple of
/// its group width (and groups no wider than the bottleneck), in place. `key` names the
/// config keys in errors.
inline void adjust_block_compatibility(std::span<std::int64_t> ws, std::span<const double> bs,
                                       std::span<std::int64_t> gs, std::string_view key) {
  for (std::size_t i = 0; i < ws.size(); ++i) {
    if (!(ws[i] > 0 && bs[i] > 0 && gs[i] > 0)) {
      throw sweep::error({}, std::string(key),
                         fmt::format("stage {}: width {}, bottleneck multiplier {} and group width {} must be positive",
                                     i + 1, ws[i], bs[i], gs[i]));
    }
    if (!(bs[i] < 1 || bs[i] == std::trunc(bs[i]))) {
      throw sweep::error({}, std::string(key),
                         fmt::format("stage {}: bottleneck multiplier {} must be below 1 or a whole number", i + 1, bs[i]));
    }
    const double b = bs[i];
    double v_cont = static_cast<double>(ws[i]) * b;
    auto v = static_cast<std::int64_t>(std::max(1.0, v_cont));
    auto g = std::min(gs[i], v);
    auto m = b > 1 ? std::lcm(g, static_cast<std::int64_t>(b)) : g;
    v = std::max(m, static_cast<std::int64_t>(detail::py_round(static_cast<double>(v) / static_cast<double>(m)) *
                                              static_cast<double>(m)));
    ws[i] = static_cast<std::int64_t>(static_cast<double>(v) / b);
    gs[i] = g;
    if (!detail::is_multiple(static_cast<double>(ws[i]) * b, g)) {
      throw sweep::error({}, std::string(key),
                         fmt::format("stage {}: width {} x bottleneck multiplier {} is not a multiple of group width {}",
                                     i + 1, ws[i], b, g));
    }
  }
}

namespace detail {

/// @brief round(x * scale / 8) * 8, at least 8: how the scaler sets a width.
inline std::int64_t scale_width(std::int64_t w, double scale) noexcept {
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(py_round(static_cast<double>(w) * scale / 8))) * 8;
}

/// @brief max(1, round(d * scale)): how the scaler sets a depth.
inline std::int64_t scale_depth(std::int64_t d, double scale) noexcept {
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(py_round(static_cast<double>(d) * scale)));
}

/// @brief The scaler's group width: scaled, then 1, 2, 4 or a multiple of 8.
inline std::int64_t scale_group_width(std::int64_t g, double scale) noexcept {
  g = std::max<std::int64_t>(1, static_cast<std::int64_t>(py_round(static_cast<double>(g) * scale)));
  if (g <= 2) return g;
  if (g <= 5) return 4;
  return static_cast<std::int64_t>(py_round(static_cast<double>(g) / 8)) * 8;
}

/// @brief round(size * r / 4) * 4: the scaled image size.
inline std::int64_t scale_im_size(std::int64_t size, double r) noexcept {
  return static_cast<std::int64_t>(py_round(static_cast<double>(size) * r / 4)) * 4;
}

/// @brief Sets TRAIN.IM_SIZE and TEST.IM_SIZE as the scaler does (written only if present or changed).
inline void standardize_im_sizes(value& job_cfg, double r) {
  for (auto [section, fallback] : {std::pair<std::string_view, std::int64_t>{"TRAIN", default_train_im_size},
                                   std::pair<std::string_view, std::int64_t>{"TEST", default_test_im_size}}) {
    section_reader reader(job_cfg, section);
    auto size = reader.get_int("IM_SIZE", fallback);
    auto scaled = scale_im_size(size, r);
    if (reader.find("IM_SIZE") != nullptr || scaled != fallback) {
      job_cfg.at_path(fmt::format("{}.IM_SIZE", section)) = value(scaled);
    }
  }
}

inline value int_list(std::span<const std::int64_t> xs) {
  value::list out;
  out.reserve(xs.size());
  for (auto x : xs) out.emplace_back(x);
  return value(std::move(out));
}

/// @brief The scaler's AnyNet step on per-stage arrays, in place.
inline void scale_anynet_stages(std::span<std::int64_t> ds, std::span<std::int64_t> ws, std::span<const double> bs,
                                std::span<std::int64_t> gs, const scaling_factors& f, std::string_view key) {
  for (auto& d : ds) d = scale_depth(d, f.d);
  for (auto& w : ws) w = scale_width(w, f.w);
  for (auto& g : gs) g = scale_group_width(g, f.g);
  adjust_block_compatibility(ws, bs, gs, key);
}

}  // namespace detail
}  // namespace sweep
