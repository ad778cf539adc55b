// pycls's AnyNet (pycls/models/anynet.py): a stem, stages of identical blocks,
// a head. RegNet is an AnyNet whose stages come from a formula (regnet.hpp).
#pragma once

#include <sweep/models/complexity.hpp>
#include <sweep/models/detail/cfg_reader.hpp>
#include <sweep/models/scaler.hpp>
#include <sweep/value.hpp>

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sweep {

/// @brief ANYNET.STEM_TYPE / REGNET.STEM_TYPE.
enum class stem_type { res_stem_cifar, res_stem_in, simple_stem_in };
/// @brief ANYNET.BLOCK_TYPE / REGNET.BLOCK_TYPE.
enum class block_type { vanilla_block, res_basic_block, res_bottleneck_block, res_bottleneck_linear_block };

inline constexpr std::array<std::string_view, 3> stem_type_names = {"res_stem_cifar", "res_stem_in", "simple_stem_in"};
inline constexpr std::array<std::string_view, 4> block_type_names = {"vanilla_block", "res_basic_block",
                                                                     "res_bottleneck_block",
                                                                     "res_bottleneck_linear_block"};

/// @brief True for the blocks that use a bottleneck multiplier and group width.
inline constexpr bool uses_bottleneck(block_type b) noexcept {
  return b == block_type::res_bottleneck_block || b == block_type::res_bottleneck_linear_block;
}

/// @brief One AnyNet stage: `depth` blocks of width `width`, the first with `stride`.
/// bot_mul and group_w are 0 when the config gives none (only bottleneck blocks need them).
struct anynet_stage {
  std::int64_t depth = 0;
  std::int64_t width = 0;
  std::int64_t stride = 1;
  double bot_mul = 0;
  std::int64_t group_w = 0;
};

/// @brief The AnyNet settings besides its stages.
struct anynet_head {
  stem_type stem = stem_type::simple_stem_in;
  std::int64_t stem_w = 32;
  block_type block = block_type::res_bottleneck_block;
  std::int64_t head_w = 0;
  double se_r = 0;  // 0: no squeeze-and-excitation (SE_ON false)
  std::int64_t num_classes = detail::default_num_classes;
};

namespace detail {

inline void anynet_block_cx(cx_state& cx, block_type block, std::int64_t w_in, std::int64_t w_out, std::int64_t stride,
                            const anynet_stage& s, double se_r) {
  const bool residual = block == block_type::res_basic_block || block == block_type::res_bottleneck_block;
  if (residual && (w_in != w_out || stride != 1)) {
    // The projection runs on the block's input: its stride must not shrink the map twice.
    const auto h = cx.h, w = cx.w;
    conv2d_cx(cx, w_in, w_out, 1, stride);
    norm2d_cx(cx, w_out);
    cx.h = h;
    cx.w = w;
  }
  if (!uses_bottleneck(block)) {
    conv2d_cx(cx, w_in, w_out, 3, stride);
    norm2d_cx(cx, w_out);
    conv2d_cx(cx, w_out, w_out, 3);
    norm2d_cx(cx, w_out);
    return;
  }
  const auto w_b = cx.to_int(py_round(static_cast<double>(w_out) * s.bot_mul));
  const auto w_se = cx.to_int(py_round(static_cast<double>(w_in) * se_r));
  if (cx.overflow) return;  // checked_sum reports it
  const auto groups = s.group_w > 0 ? w_b / s.group_w : 0;
  if (groups <= 0) {
    throw sweep::error(fmt::format("bottleneck width {} (width {} x bottleneck multiplier {}) is below group width {}",
                                   w_b, w_out, s.bot_mul, s.group_w));
  }
  conv2d_cx(cx, w_in, w_b, 1);
  norm2d_cx(cx, w_b);
  conv2d_cx(cx, w_b, w_b, 3, stride, groups);
  norm2d_cx(cx, w_b);
  if (w_se != 0) se_cx(cx, w_b, w_se);
  conv2d_cx(cx, w_b, w_out, 1);
  norm2d_cx(cx, w_out);
}

}  // namespace detail

/// @brief AnyNet's complexity at image size `im_size` (pycls's AnyNet.complexity).
/// `key` names the section an overflow is blamed on (REGNET for a RegNet's AnyNet form).
inline complexity anynet_complexity(const anynet_head& net, std::span<const anynet_stage> stages,
                                    std::int64_t im_size, std::string_view key = "ANYNET") {
  detail::cx_state cx(im_size);
  switch (net.stem) {
    case stem_type::res_stem_cifar:
      detail::conv2d_cx(cx, 3, net.stem_w, 3);
      detail::norm2d_cx(cx, net.stem_w);
      break;
    case stem_type::res_stem_in:
      detail::conv2d_cx(cx, 3, net.stem_w, 7, 2);
      detail::norm2d_cx(cx, net.stem_w);
      detail::pool2d_cx(cx, net.stem_w, 2);
      break;
    case stem_type::simple_stem_in:
      detail::conv2d_cx(cx, 3, net.stem_w, 3, 2);
      detail::norm2d_cx(cx, net.stem_w);
      break;
  }
  std::int64_t prev_w = net.stem_w;
  for (const auto& s : stages) {
    std::int64_t stride = s.stride, w_in = prev_w;
    for (std::int64_t i = 0; i < s.depth; ++i) {
      detail::anynet_block_cx(cx, net.block, w_in, s.width, stride, s, net.se_r);
      stride = 1;
      w_in = s.width;
    }
    prev_w = s.width;
  }
  if (net.head_w > 0) {
    detail::conv2d_cx(cx, prev_w, net.head_w, 1);
    detail::norm2d_cx(cx, net.head_w);
    prev_w = net.head_w;
  }
  detail::gap2d_cx(cx);
  detail::linear_cx(cx, prev_w, net.num_classes, true);
  return detail::checked_sum(cx, key);
}

namespace detail {

template <std::size_t N>
inline std::size_t parse_name(const section_reader& r, std::string_view key, std::string_view fallback,
                              const std::array<std::string_view, N>& names) {
  auto name = r.get_string(key, fallback);
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == name) return i;
  }
  r.fail(nullptr, key, fmt::format("unknown type '{}' (expected one of: {})", name, fmt::join(names, ", ")));
}

inline stem_type read_stem_type(const section_reader& r) {
  return static_cast<stem_type>(parse_name(r, "STEM_TYPE", "simple_stem_in", stem_type_names));
}
inline block_type read_block_type(const section_reader& r) {
  return static_cast<block_type>(parse_name(r, "BLOCK_TYPE", "res_bottleneck_block", block_type_names));
}

}  // namespace detail

/// @brief An AnyNet read from a job config's ANYNET.* keys (pycls's defaults for the rest).
struct anynet_params {
  anynet_head net;
  std::vector<anynet_stage> stages;
  bool bot_muls_given = false;        // ANYNET.BOT_MULS non-empty
  bool group_ws_given = false;        // ANYNET.GROUP_WS non-empty
  std::vector<bool> bot_mul_is_int;   // how each BOT_MULS item was written (kept when written back)

  /// @brief Reads and checks ANYNET.*, MODEL.NUM_CLASSES; every list must have one item per stage.
  static anynet_params from(const value& job_cfg) {
    detail::section_reader r(job_cfg, "ANYNET");
    anynet_params p;
    p.net.stem = detail::read_stem_type(r);
    p.net.stem_w = r.get_int("STEM_W", 32);
    p.net.block = detail::read_block_type(r);
    p.net.head_w = r.get_int("HEAD_W", 0);
    p.net.se_r = r.get_bool("SE_ON", false) ? r.get_number("SE_R", 0.25) : 0.0;
    p.net.num_classes = detail::read_num_classes(job_cfg);
    if (p.net.stem_w <= 0) r.fail(nullptr, "STEM_W", fmt::format("expected a positive width, got {}", p.net.stem_w));
    auto ds = r.get_int_list("DEPTHS");
    auto ws = r.get_int_list("WIDTHS");
    auto ss = r.get_int_list("STRIDES");
    auto bs = r.get_number_list("BOT_MULS", &p.bot_mul_is_int);
    auto gs = r.get_int_list("GROUP_WS");
    p.bot_muls_given = !bs.empty();
    p.group_ws_given = !gs.empty();
    auto check_length = [&](std::string_view key, std::size_t n, bool optional) {
      if (n != ds.size() && !(optional && n == 0)) {
        r.fail(nullptr, key, fmt::format("expected {} items (one per stage, as ANYNET.DEPTHS), got {}", ds.size(), n));
      }
    };
    check_length("WIDTHS", ws.size(), false);
    check_length("STRIDES", ss.size(), false);
    check_length("BOT_MULS", bs.size(), true);
    check_length("GROUP_WS", gs.size(), true);
    for (std::size_t i = 0; i < ds.size(); ++i) {
      anynet_stage s{ds[i], ws[i], ss[i], bs.empty() ? 0.0 : bs[i], gs.empty() ? 0 : gs[i]};
      auto bad = [&](std::string_view key, std::string what) {
        r.fail(nullptr, key, fmt::format("stage {}: {}", i + 1, what));
      };
      if (s.depth < 0) bad("DEPTHS", fmt::format("expected a depth >= 0, got {}", s.depth));
      if (s.width <= 0) bad("WIDTHS", fmt::format("expected a positive width, got {}", s.width));
      if (s.stride <= 0) bad("STRIDES", fmt::format("expected a positive stride, got {}", s.stride));
      if (!bs.empty() && !(s.bot_mul > 0)) bad("BOT_MULS", fmt::format("expected a positive multiplier, got {}", s.bot_mul));
      if (!gs.empty() && s.group_w <= 0) bad("GROUP_WS", fmt::format("expected a positive group width, got {}", s.group_w));
      p.stages.push_back(s);
    }
    return p;
  }

  /// @brief Throws unless pycls can build this AnyNet as written (bottleneck blocks need
  /// BOT_MULS and GROUP_WS, and a group no wider than the bottleneck).
  void check_buildable() const {
    if (!uses_bottleneck(net.block)) return;
    const char* missing = !bot_muls_given ? "BOT_MULS" : !group_ws_given ? "GROUP_WS" : nullptr;
    if (missing != nullptr) {
      throw sweep::error({}, fmt::format("ANYNET.{}", missing),
                         fmt::format("expected one item per stage: {} needs it (pycls has no default)",
                                     block_type_names[static_cast<std::size_t>(net.block)]));
    }
    for (std::size_t i = 0; i < stages.size(); ++i) {
      const auto& s = stages[i];
      auto w_b = static_cast<std::int64_t>(detail::py_round(static_cast<double>(s.width) * s.bot_mul));
      if (w_b / s.group_w <= 0) {
        throw sweep::error({}, "ANYNET.GROUP_WS",
                           fmt::format("stage {}: group width {} is wider than the bottleneck ({} x {} = {})", i + 1,
                                       s.group_w, s.width, s.bot_mul, w_b));
      }
    }
  }
};

/// @brief pycls's AnyNet complexity for a job config as written (no scaler).
inline complexity anynet_complexity(const value& job_cfg) {
  auto p = anynet_params::from(job_cfg);
  p.check_buildable();
  return anynet_complexity(p.net, p.stages, detail::read_im_size(job_cfg));
}

namespace detail {

/// @brief The scaler's AnyNet step on per-stage vectors (from the config), giving the
/// standardised depths, widths, bot_muls, group widths.
struct anynet_scaled {
  std::vector<std::int64_t> ds, ws, gs;
  std::vector<double> bs;
};

inline anynet_scaled scale_anynet(const anynet_params& p, const scaling_factors& f) {
  anynet_scaled out;
  for (const auto& s : p.stages) {
    out.ds.push_back(s.depth);
    out.ws.push_back(s.width);
    out.bs.push_back(p.bot_muls_given ? s.bot_mul : 1.0);
    out.gs.push_back(p.group_ws_given ? s.group_w : 1);
  }
  scale_anynet_stages(out.ds, out.ws, out.bs, out.gs, f, "ANYNET");
  return out;
}

}  // namespace detail

/// @brief pycls's setup step for an anynet config (scaler.scale_model()): ANYNET.DEPTHS,
/// WIDTHS, BOT_MULS, GROUP_WS and the image sizes standardised (scaled if MODEL.SCALING_* ask).
inline value standardize_anynet(const value& job_cfg) {
  auto p = anynet_params::from(job_cfg);
  auto f = read_scaling_factors(job_cfg);
  auto s = detail::scale_anynet(p, f);
  value out = job_cfg;
  out.at_path("ANYNET.DEPTHS") = detail::int_list(s.ds);
  out.at_path("ANYNET.WIDTHS") = detail::int_list(s.ws);
  value::list bs;
  for (std::size_t i = 0; i < s.bs.size(); ++i) {
    // An empty BOT_MULS becomes pycls's [1, 1, ...] (ints); given items keep how they were written.
    bool as_int = !p.bot_muls_given || p.bot_mul_is_int[i];
    bs.push_back(as_int ? value(static_cast<std::int64_t>(s.bs[i])) : value(s.bs[i]));
  }
  out.at_path("ANYNET.BOT_MULS") = value(std::move(bs));
  out.at_path("ANYNET.GROUP_WS") = detail::int_list(s.gs);
  detail::standardize_im_sizes(out, f.r);
  return out;
}

/// @brief The complexity of an anynet config after pycls's setup step (what setup checks).
inline complexity standardized_anynet_complexity(const value& job_cfg) {
  auto p = anynet_params::from(job_cfg);
  auto f = read_scaling_factors(job_cfg);
  auto s = detail::scale_anynet(p, f);
  for (std::size_t i = 0; i < p.stages.size(); ++i) {
    p.stages[i] = anynet_stage{s.ds[i], s.ws[i], p.stages[i].stride, s.bs[i], s.gs[i]};
  }
  p.bot_muls_given = p.group_ws_given = true;
  p.check_buildable();
  return anynet_complexity(p.net, p.stages, detail::scale_im_size(detail::read_im_size(job_cfg), f.r));
}

}  // namespace sweep
