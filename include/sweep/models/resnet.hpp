// pycls's ResNet / ResNeXt (pycls/models/resnet.py): ResNet-(6n+2) on CIFAR
// (basic blocks, widths 16-32-64) and ResNe(X)t-50/101/152 on ImageNet.
#pragma once

#include <sweep/models/complexity.hpp>
#include <sweep/models/detail/cfg_reader.hpp>
#include <sweep/value.hpp>

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <string_view>

namespace sweep {

/// @brief MODEL.DEPTH, TRAIN.DATASET and RESNET.* of a ResNet config (pycls's defaults).
struct resnet_params {
  std::int64_t depth = 0;
  bool cifar = false;          // "cifar" in TRAIN.DATASET (else the ImageNet model)
  bool bottleneck = false;     // RESNET.TRANS_FUN bottleneck_transform (else basic_transform)
  std::int64_t num_groups = 1;
  std::int64_t width_per_group = 64;
  bool stride_1x1 = true;
  std::int64_t num_classes = detail::default_num_classes;

  /// @brief Reads and checks the keys; errors name the key pycls would fail on.
  static resnet_params from(const value& job_cfg) {
    detail::section_reader model(job_cfg, "MODEL"), res(job_cfg, "RESNET"), train(job_cfg, "TRAIN");
    resnet_params p;
    p.depth = model.get_int("DEPTH", 0);
    p.cifar = train.get_string("DATASET", "").find("cifar") != std::string_view::npos;
    auto trans = res.get_string("TRANS_FUN", "basic_transform");
    if (trans != "basic_transform" && trans != "bottleneck_transform") {
      res.fail(nullptr, "TRANS_FUN",
               fmt::format("unknown transformation '{}' (expected basic_transform or bottleneck_transform)", trans));
    }
    p.bottleneck = trans == "bottleneck_transform";
    p.num_groups = res.get_int("NUM_GROUPS", 1);
    p.width_per_group = res.get_int("WIDTH_PER_GROUP", 64);
    p.stride_1x1 = res.get_bool("STRIDE_1X1", true);
    p.num_classes = detail::read_num_classes(job_cfg);
    if (p.cifar) {
      if (p.depth < 8 || (p.depth - 2) % 6 != 0) {
        model.fail(nullptr, "DEPTH", fmt::format("expected 6n + 2 (20, 32, 44, 56, 110, ...) for a CIFAR ResNet, got {}", p.depth));
      }
      if (p.bottleneck) res.fail(nullptr, "TRANS_FUN", "a CIFAR ResNet has basic_transform blocks only");
    } else {
      if (p.depth != 50 && p.depth != 101 && p.depth != 152) {
        model.fail(nullptr, "DEPTH",
                   fmt::format("expected 50, 101 or 152 for an ImageNet ResNet (TRAIN.DATASET '{}'), got {}",
                               train.get_string("DATASET", ""), p.depth));
      }
      if (!p.bottleneck) res.fail(nullptr, "TRANS_FUN", "an ImageNet ResNet needs bottleneck_transform");
      if (p.num_groups <= 0) res.fail(nullptr, "NUM_GROUPS", fmt::format("expected a positive number, got {}", p.num_groups));
      if (p.width_per_group <= 0) {
        res.fail(nullptr, "WIDTH_PER_GROUP", fmt::format("expected a positive width, got {}", p.width_per_group));
      }
    }
    return p;
  }
};

namespace detail {

inline void resnet_stage_cx(cx_state& cx, const resnet_params& p, std::int64_t w_in, std::int64_t w_out,
                            std::int64_t stride, std::int64_t d, std::int64_t w_b, std::int64_t groups) {
  for (std::int64_t i = 0; i < d; ++i) {
    const auto b_stride = i == 0 ? stride : 1;
    const auto b_w_in = i == 0 ? w_in : w_out;
    if (b_w_in != w_out || b_stride != 1) {
      const auto h = cx.h, w = cx.w;
      conv2d_cx(cx, b_w_in, w_out, 1, b_stride);
      norm2d_cx(cx, w_out);
      cx.h = h;
      cx.w = w;
    }
    if (p.bottleneck) {
      const auto s1 = p.stride_1x1 ? b_stride : 1, s3 = p.stride_1x1 ? 1 : b_stride;
      conv2d_cx(cx, b_w_in, w_b, 1, s1);
      norm2d_cx(cx, w_b);
      conv2d_cx(cx, w_b, w_b, 3, s3, groups);
      norm2d_cx(cx, w_b);
      conv2d_cx(cx, w_b, w_out, 1);
      norm2d_cx(cx, w_out);
    } else {
      conv2d_cx(cx, b_w_in, w_out, 3, b_stride);
      norm2d_cx(cx, w_out);
      conv2d_cx(cx, w_out, w_out, 3);
      norm2d_cx(cx, w_out);
    }
  }
}

}  // namespace detail

/// @brief pycls's ResNet.complexity at image size `im_size`.
inline complexity resnet_complexity(const resnet_params& p, std::int64_t im_size) {
  detail::cx_state cx(im_size);
  if (p.cifar) {
    const auto d = (p.depth - 2) / 6;
    detail::conv2d_cx(cx, 3, 16, 3);
    detail::norm2d_cx(cx, 16);
    detail::resnet_stage_cx(cx, p, 16, 16, 1, d, 0, 1);
    detail::resnet_stage_cx(cx, p, 16, 32, 2, d, 0, 1);
    detail::resnet_stage_cx(cx, p, 32, 64, 2, d, 0, 1);
    detail::gap2d_cx(cx);
    detail::linear_cx(cx, 64, p.num_classes, true);
    return detail::checked_sum(cx, "RESNET");
  }
  std::array<std::int64_t, 4> ds{3, 4, p.depth == 50 ? 6 : p.depth == 101 ? 23 : 36, 3};
  if (p.depth == 152) ds[1] = 8;
  const auto g = p.num_groups, w_b = p.width_per_group * g;
  detail::conv2d_cx(cx, 3, 64, 7, 2);
  detail::norm2d_cx(cx, 64);
  detail::pool2d_cx(cx, 64, 2);
  detail::resnet_stage_cx(cx, p, 64, 256, 1, ds[0], w_b, g);
  detail::resnet_stage_cx(cx, p, 256, 512, 2, ds[1], w_b * 2, g);
  detail::resnet_stage_cx(cx, p, 512, 1024, 2, ds[2], w_b * 4, g);
  detail::resnet_stage_cx(cx, p, 1024, 2048, 2, ds[3], w_b * 8, g);
  detail::gap2d_cx(cx);
  detail::linear_cx(cx, 2048, p.num_classes, true);
  return detail::checked_sum(cx, "RESNET");
}

/// @brief pycls's ResNet complexity for a job config (ResNets have no setup standardisation).
inline complexity resnet_complexity(const value& job_cfg) {
  return resnet_complexity(resnet_params::from(job_cfg), detail::read_im_size(job_cfg));
}

}  // namespace sweep
