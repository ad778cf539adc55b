// pycls's EfficientNet (pycls/models/effnet.py): a 3x3 stem, stages of MBConv
// blocks (expansion, depthwise kxk, squeeze-and-excitation, projection), a head.
#pragma once

#include <sweep/models/complexity.hpp>
#include <sweep/models/detail/cfg_reader.hpp>
#include <sweep/models/scaler.hpp>
#include <sweep/value.hpp>

#include <fmt/format.h>

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace sweep {

/// @brief One EfficientNet stage: `depth` MBConv blocks.
struct effnet_stage {
  std::int64_t depth = 0;
  std::int64_t width = 0;
  double exp_ratio = 1;
  std::int64_t stride = 1;
  std::int64_t kernel = 3;
};

/// @brief EN.* and MODEL.NUM_CLASSES of an EfficientNet config (pycls's defaults).
struct effnet_params {
  std::int64_t stem_w = 32;
  std::int64_t head_w = 1280;
  double se_r = 0.25;
  std::int64_t num_classes = detail::default_num_classes;
  std::vector<effnet_stage> stages;
  std::vector<bool> exp_ratio_is_int;  // how each EXP_RATIOS item was written (kept when written back)

  /// @brief Reads and checks the keys; all EN lists must have one item per stage.
  static effnet_params from(const value& job_cfg) {
    detail::section_reader r(job_cfg, "EN");
    effnet_params p;
    p.stem_w = r.get_int("STEM_W", 32);
    p.head_w = r.get_int("HEAD_W", 1280);
    p.se_r = r.get_number("SE_R", 0.25);
    p.num_classes = detail::read_num_classes(job_cfg);
    if (p.stem_w <= 0) r.fail(nullptr, "STEM_W", fmt::format("expected a positive width, got {}", p.stem_w));
    if (p.head_w <= 0) r.fail(nullptr, "HEAD_W", fmt::format("expected a positive width, got {}", p.head_w));
    auto ds = r.get_int_list("DEPTHS");
    auto ws = r.get_int_list("WIDTHS");
    auto es = r.get_number_list("EXP_RATIOS", &p.exp_ratio_is_int);
    auto ss = r.get_int_list("STRIDES");
    auto ks = r.get_int_list("KERNELS");
    for (auto [key, n] : {std::pair<std::string_view, std::size_t>{"WIDTHS", ws.size()}, {"EXP_RATIOS", es.size()},
                          {"STRIDES", ss.size()}, {"KERNELS", ks.size()}}) {
      if (n != ds.size()) {
        r.fail(nullptr, key, fmt::format("expected {} items (one per stage, as EN.DEPTHS), got {}", ds.size(), n));
      }
    }
    for (std::size_t i = 0; i < ds.size(); ++i) {
      effnet_stage s{ds[i], ws[i], es[i], ss[i], ks[i]};
      auto bad = [&](std::string_view key, std::string what) {
        r.fail(nullptr, key, fmt::format("stage {}: {}", i + 1, what));
      };
      if (s.depth < 0) bad("DEPTHS", fmt::format("expected a depth >= 0, got {}", s.depth));
      if (s.width <= 0) bad("WIDTHS", fmt::format("expected a positive width, got {}", s.width));
      if (!(s.exp_ratio > 0)) bad("EXP_RATIOS", fmt::format("expected a positive ratio, got {}", s.exp_ratio));
      if (s.stride <= 0) bad("STRIDES", fmt::format("expected a positive stride, got {}", s.stride));
      if (s.kernel <= 0 || s.kernel % 2 == 0) bad("KERNELS", fmt::format("expected an odd kernel size, got {}", s.kernel));
      p.stages.push_back(s);
    }
    return p;
  }
};

/// @brief pycls's EffNet.complexity at image size `im_size`.
inline complexity effnet_complexity(const effnet_params& p, std::int64_t im_size) {
  detail::cx_state cx(im_size);
  detail::conv2d_cx(cx, 3, p.stem_w, 3, 2);
  detail::norm2d_cx(cx, p.stem_w);
  std::int64_t prev_w = p.stem_w;
  for (const auto& s : p.stages) {
    std::int64_t stride = s.stride, w_in = prev_w;
    for (std::int64_t i = 0; i < s.depth; ++i) {
      // int(), not round(): pycls truncates the expanded and SE widths.
      const auto w_exp = cx.to_int(static_cast<double>(w_in) * s.exp_ratio);
      if (cx.overflow) break;  // checked_sum reports it
      if (w_exp <= 0) {
        throw sweep::error({}, "EN.EXP_RATIOS", fmt::format("width {} x ratio {} expands to no channels", w_in, s.exp_ratio));
      }
      if (w_exp != w_in) {
        detail::conv2d_cx(cx, w_in, w_exp, 1);
        detail::norm2d_cx(cx, w_exp);
      }
      detail::conv2d_cx(cx, w_exp, w_exp, s.kernel, stride, w_exp);
      detail::norm2d_cx(cx, w_exp);
      detail::se_cx(cx, w_exp, cx.to_int(static_cast<double>(w_in) * p.se_r));
      detail::conv2d_cx(cx, w_exp, s.width, 1);
      detail::norm2d_cx(cx, s.width);
      stride = 1;
      w_in = s.width;
    }
    prev_w = s.width;
  }
  detail::conv2d_cx(cx, prev_w, p.head_w, 1);
  detail::norm2d_cx(cx, p.head_w);
  detail::gap2d_cx(cx);
  detail::linear_cx(cx, p.head_w, p.num_classes, true);
  return detail::checked_sum(cx, "EN");
}

/// @brief pycls's EfficientNet complexity for a job config as written (no scaler).
inline complexity effnet_complexity(const value& job_cfg) {
  return effnet_complexity(effnet_params::from(job_cfg), detail::read_im_size(job_cfg));
}

namespace detail {

/// @brief The scaler's EfficientNet step, in place.
inline void scale_effnet(effnet_params& p, const scaling_factors& f) {
  std::vector<std::int64_t> ws, gs(p.stages.size(), 1);
  std::vector<double> bs;
  for (auto& s : p.stages) {
    s.depth = scale_depth(s.depth, f.d);
    ws.push_back(scale_width(s.width, f.w));
    bs.push_back(s.exp_ratio);
  }
  p.stem_w = scale_width(p.stem_w, f.w);
  p.head_w = scale_width(p.head_w, f.w);
  adjust_block_compatibility(ws, bs, gs, "EN");
  for (std::size_t i = 0; i < ws.size(); ++i) p.stages[i].width = ws[i];
}

}  // namespace detail

/// @brief pycls's setup step for an effnet config (scaler.scale_model()): EN.DEPTHS, WIDTHS,
/// EXP_RATIOS, STEM_W, HEAD_W and the image sizes standardised (scaled if MODEL.SCALING_* ask).
inline value standardize_effnet(const value& job_cfg) {
  auto p = effnet_params::from(job_cfg);
  auto f = read_scaling_factors(job_cfg);
  detail::scale_effnet(p, f);
  value out = job_cfg;
  value::list ds, ws, es;
  for (std::size_t i = 0; i < p.stages.size(); ++i) {
    ds.emplace_back(p.stages[i].depth);
    ws.emplace_back(p.stages[i].width);
    es.push_back(p.exp_ratio_is_int[i] ? value(static_cast<std::int64_t>(p.stages[i].exp_ratio))
                                       : value(p.stages[i].exp_ratio));
  }
  out.at_path("EN.DEPTHS") = value(std::move(ds));
  out.at_path("EN.WIDTHS") = value(std::move(ws));
  out.at_path("EN.EXP_RATIOS") = value(std::move(es));
  out.at_path("EN.STEM_W") = value(p.stem_w);
  out.at_path("EN.HEAD_W") = value(p.head_w);
  detail::standardize_im_sizes(out, f.r);
  return out;
}

/// @brief The complexity of an effnet config after pycls's setup step (what setup checks).
inline complexity standardized_effnet_complexity(const value& job_cfg) {
  auto p = effnet_params::from(job_cfg);
  auto f = read_scaling_factors(job_cfg);
  detail::scale_effnet(p, f);
  return effnet_complexity(p, detail::scale_im_size(detail::read_im_size(job_cfg), f.r));
}

}  // namespace sweep
