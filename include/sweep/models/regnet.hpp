// pycls's RegNet (pycls/models/regnet.py): an AnyNet whose per-stage widths and
// depths come from four numbers (DEPTH, W0, WA, WM). This is the setup engine's
// hot path (one call per sampled candidate), so nothing here allocates: stages
// live in fixed arrays on the stack.
#pragma once

#include <sweep/models/anynet.hpp>
#include <sweep/models/complexity.hpp>
#include <sweep/models/detail/cfg_reader.hpp>
#include <sweep/models/scaler.hpp>
#include <sweep/value.hpp>

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>

namespace sweep {

/// @brief The most stages a RegNet may have here (real ones have 2-6; more than this is an error).
inline constexpr std::size_t regnet_max_stages = 32;

/// @brief Per-stage widths and depths of a RegNet, as pycls's generate_regnet() gives them.
struct regnet_stages {
  std::array<std::int64_t, regnet_max_stages> widths{};
  std::array<std::int64_t, regnet_max_stages> depths{};
  std::int64_t num_stages = 0;    // distinct quantised widths (only the first regnet_max_stages are stored)
  std::int64_t total_stages = 0;  // largest exponent + 1: the stages the formula could give (pycls's max_s)

  /// @brief pycls's RegNet constraint: every possible stage is used.
  [[nodiscard]] bool all_stages_used() const noexcept { return num_stages == total_stages; }
  [[nodiscard]] std::span<const std::int64_t> stage_widths() const noexcept { return {widths.data(), stored()}; }
  [[nodiscard]] std::span<const std::int64_t> stage_depths() const noexcept { return {depths.data(), stored()}; }

 private:
  [[nodiscard]] std::size_t stored() const noexcept {
    return std::min<std::size_t>(static_cast<std::size_t>(num_stages), regnet_max_stages);
  }
};

namespace detail {

/// @brief The checks of pycls's generate_regnet(), as errors naming the REGNET key.
inline void check_regnet_shape(double wa, double w0, double wm, std::int64_t depth, std::int64_t q) {
  if (!(wa >= 0)) throw sweep::error({}, "REGNET.WA", fmt::format("expected a slope >= 0, got {}", wa));
  if (!(w0 > 0) || !is_multiple(w0, q)) {
    throw sweep::error({}, "REGNET.W0", fmt::format("expected a positive multiple of {}, got {}", q, w0));
  }
  if (!(wm > 1)) throw sweep::error({}, "REGNET.WM", fmt::format("expected a multiplier > 1, got {}", wm));
  if (depth <= 0) throw sweep::error({}, "REGNET.DEPTH", fmt::format("expected a depth > 0, got {}", depth));
}

}  // namespace detail

/// @brief pycls's generate_regnet(): block j has width w0 + wa*j, quantised to
/// w0 * wm^round(log((w0 + wa*j)/w0) / log(wm)) rounded to a multiple of q; a stage is
/// a run of equal widths. Throws (naming REGNET.*) unless wa >= 0, w0 > 0, wm > 1,
/// w0 % q == 0 and depth > 0.
inline regnet_stages regnet_generate(double wa, double w0, double wm, std::int64_t depth, std::int64_t q = 8) {
  detail::check_regnet_shape(wa, w0, wm, depth, q);
  const auto dq = static_cast<double>(q);
  regnet_stages out;
  const double log_wm = std::log(wm);
  double last_k = -1;
  std::int64_t last_w = -1;
  for (std::int64_t j = 0; j < depth; ++j) {
    const double w_cont = static_cast<double>(j) * wa + w0;
    const double k = detail::py_round(std::log(w_cont / w0) / log_wm);  // numpy's round is half-to-even too
    if (k != last_k) {
      // Exponents only grow with j, so pow() runs once per exponent, not once per block.
      last_k = k;
      const auto w = static_cast<std::int64_t>(detail::py_round(w0 * std::pow(wm, k) / dq)) * q;
      if (w != last_w) {
        if (static_cast<std::size_t>(out.num_stages) < regnet_max_stages) out.widths[out.num_stages] = w;
        ++out.num_stages;
        last_w = w;
      }
    }
    if (static_cast<std::size_t>(out.num_stages) <= regnet_max_stages) ++out.depths[out.num_stages - 1];
  }
  out.total_stages = static_cast<std::int64_t>(last_k) + 1;
  return out;
}

/// @brief Every REGNET.* key (pycls's defaults for those left out) and the MODEL.SCALING_* factors.
struct regnet_params {
  stem_type stem = stem_type::simple_stem_in;
  std::int64_t stem_w = 32;
  block_type block = block_type::res_bottleneck_block;
  std::int64_t stride = 2;
  bool se_on = false;
  double se_r = 0.25;
  std::int64_t depth = 10;
  double w0 = 32;
  double wa = 5.0;
  double wm = 2.5;
  std::int64_t group_w = 16;
  double bot_mul = 1.0;
  std::int64_t head_w = 0;
  scaling_factors scaling;  // MODEL.SCALING_TYPE / SCALING_FACTOR (identity by default)

  /// @brief Reads REGNET.* and MODEL.SCALING_* of a job config (checked, errors name the key).
  static regnet_params from(const value& job_cfg) {
    detail::section_reader r(job_cfg, "REGNET");
    regnet_params p;
    p.stem = detail::read_stem_type(r);
    p.stem_w = r.get_int("STEM_W", 32);
    p.block = detail::read_block_type(r);
    p.stride = r.get_int("STRIDE", 2);
    p.se_on = r.get_bool("SE_ON", false);
    p.se_r = r.get_number("SE_R", 0.25);
    p.depth = r.get_int("DEPTH", 10);
    p.w0 = r.get_number("W0", 32);
    p.wa = r.get_number("WA", 5.0);
    p.wm = r.get_number("WM", 2.5);
    p.group_w = r.get_int("GROUP_W", 16);
    p.bot_mul = r.get_number("BOT_MUL", 1.0);
    p.head_w = r.get_int("HEAD_W", 0);
    auto positive = [&](std::string_view key, double v) {
      if (!(v > 0)) r.fail(nullptr, key, fmt::format("expected a positive number, got {}", v));
    };
    positive("STEM_W", static_cast<double>(p.stem_w));
    positive("STRIDE", static_cast<double>(p.stride));
    positive("GROUP_W", static_cast<double>(p.group_w));
    positive("BOT_MUL", p.bot_mul);
    try {
      detail::check_regnet_shape(p.wa, p.w0, p.wm, p.depth, 8);
    } catch (const sweep::error& e) {
      detail::model_key_error(r.find(std::string_view(e.key_path()).substr(7)), e.key_path(), e.message());
    }
    p.scaling = read_scaling_factors(job_cfg);
    return p;
  }
};

namespace detail {

/// @brief The AnyNet form of a RegNet on the stack: generate_regnet_full() (+ the scaler when `scaled`).
struct regnet_anynet {
  std::array<anynet_stage, regnet_max_stages> stages{};
  std::size_t n = 0;
};

inline regnet_anynet regnet_to_stages(const regnet_params& p, const regnet_stages& gen, bool scaled) {
  if (static_cast<std::size_t>(gen.num_stages) > regnet_max_stages) {
    throw sweep::error({}, "REGNET.WM",
                       fmt::format("{} stages (DEPTH {}, W0 {}, WA {}, WM {}); at most {} are supported",
                                   gen.num_stages, p.depth, p.w0, p.wa, p.wm, regnet_max_stages));
  }
  const auto n = static_cast<std::size_t>(gen.num_stages);
  std::array<std::int64_t, regnet_max_stages> ds{}, ws{}, gs{};
  std::array<double, regnet_max_stages> bs{};
  for (std::size_t i = 0; i < n; ++i) {
    ds[i] = gen.depths[i];
    ws[i] = gen.widths[i];
    gs[i] = p.group_w;
    bs[i] = p.bot_mul;
  }
  std::span<std::int64_t> d(ds.data(), n), w(ws.data(), n), g(gs.data(), n);
  std::span<const double> b(bs.data(), n);
  adjust_block_compatibility(w, b, g, "REGNET");
  if (scaled) scale_anynet_stages(d, w, b, g, p.scaling, "REGNET");
  regnet_anynet out;
  out.n = n;
  for (std::size_t i = 0; i < n; ++i) out.stages[i] = anynet_stage{ds[i], ws[i], p.stride, bs[i], gs[i]};
  return out;
}

inline regnet_anynet regnet_to_stages(const regnet_params& p, bool scaled) {
  return regnet_to_stages(p, regnet_generate(p.wa, p.w0, p.wm, p.depth), scaled);
}

inline anynet_head regnet_head(const regnet_params& p, std::int64_t num_classes) {
  return anynet_head{p.stem, p.stem_w, p.block, p.head_w, p.se_on ? p.se_r : 0.0, num_classes};
}

}  // namespace detail

/// @brief regnet_complexity() with the stages regnet_generate() already gave for `p`
/// (setup counts them for the NUM_STAGES constraint first: this saves generating twice).
inline complexity regnet_complexity(const regnet_params& p, const regnet_stages& stages, std::int64_t im_size,
                                    std::int64_t num_classes) {
  if (im_size <= 0) throw sweep::error({}, "TRAIN.IM_SIZE", fmt::format("expected a positive image size, got {}", im_size));
  if (num_classes <= 0) {
    throw sweep::error({}, "MODEL.NUM_CLASSES", fmt::format("expected a positive number of classes, got {}", num_classes));
  }
  auto a = detail::regnet_to_stages(p, stages, true);
  return anynet_complexity(detail::regnet_head(p, num_classes), std::span(a.stages.data(), a.n),
                           detail::scale_im_size(im_size, p.scaling.r), "REGNET");
}

/// @brief The complexity pycls's sweep setup checks for a RegNet: its AnyNet form after the
/// scaler (standardisation at SCALING_FACTOR 1.0), at TRAIN.IM_SIZE `im_size`. No allocation.
inline complexity regnet_complexity(const regnet_params& p, std::int64_t im_size, std::int64_t num_classes) {
  return regnet_complexity(p, regnet_generate(p.wa, p.w0, p.wm, p.depth), im_size, num_classes);
}

/// @brief pycls's RegNet.complexity for a job config as written (no scaler).
inline complexity regnet_complexity(const value& job_cfg) {
  auto p = regnet_params::from(job_cfg);
  auto a = detail::regnet_to_stages(p, false);
  return anynet_complexity(detail::regnet_head(p, detail::read_num_classes(job_cfg)), std::span(a.stages.data(), a.n),
                           detail::read_im_size(job_cfg), "REGNET");
}

/// @brief The complexity of a regnet config after pycls's setup step (what setup checks).
inline complexity standardized_regnet_complexity(const value& job_cfg) {
  return regnet_complexity(regnet_params::from(job_cfg), detail::read_im_size(job_cfg),
                           detail::read_num_classes(job_cfg));
}

/// @brief pycls's setup step for a regnet config (regnet_cfg_to_anynet_cfg() then the scaler):
/// MODEL.TYPE becomes anynet, ANYNET.* holds the stages, image sizes are standardised.
inline value standardize_regnet(const value& job_cfg) {
  auto p = regnet_params::from(job_cfg);
  auto a = detail::regnet_to_stages(p, true);
  detail::section_reader r(job_cfg, "REGNET");
  value out = job_cfg;
  out.at_path("MODEL.TYPE") = value("anynet");
  value::list ds, ws, ss, bs, gs;
  for (std::size_t i = 0; i < a.n; ++i) {
    ds.emplace_back(a.stages[i].depth);
    ws.emplace_back(a.stages[i].width);
    ss.emplace_back(a.stages[i].stride);
    bs.emplace_back(a.stages[i].bot_mul);
    gs.emplace_back(a.stages[i].group_w);
  }
  auto& an = out.at_path("ANYNET");
  an.at_path("STEM_TYPE") = value(stem_type_names[static_cast<std::size_t>(p.stem)]);
  an.at_path("STEM_W") = value(p.stem_w);
  an.at_path("BLOCK_TYPE") = value(block_type_names[static_cast<std::size_t>(p.block)]);
  an.at_path("DEPTHS") = value(std::move(ds));
  an.at_path("WIDTHS") = value(std::move(ws));
  an.at_path("STRIDES") = value(std::move(ss));
  an.at_path("BOT_MULS") = value(std::move(bs));
  an.at_path("GROUP_WS") = value(std::move(gs));
  an.at_path("HEAD_W") = value(p.head_w);
  an.at_path("SE_ON") = value(p.se_on);
  an.at_path("SE_R") = value(p.se_r);
  detail::standardize_im_sizes(out, p.scaling.r);
  return out;
}

}  // namespace sweep
