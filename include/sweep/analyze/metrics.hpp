// Metrics: what the report plots per job. A metric is a dotted path into a
// job's record of sweep.json (`cfg.OPTIM.BASE_LR`, `complexity.flops`) or one of
// pycls's shortcuts, which add a label and a transform (lr = log10 of
// cfg.OPTIM.BASE_LR, flops in billions, error = min of the error curve, ...).
#pragma once

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <string_view>
#include <vector>

namespace sweep {

/// @brief How a list-valued field is reduced to one number (none: lists stay lists).
enum class metric_reduce { none, min, max, mean, sum };
/// @brief The function applied after reducing and dividing.
enum class metric_map { none, log10, log2 };

/// @brief A metric's transform: reduce a list, divide, then map (e.g. max(mem) / 1e3).
struct metric_transform {
  metric_reduce reduce = metric_reduce::none;
  double divisor = 1.0;
  metric_map map = metric_map::none;
};

/// @brief A metric: its name, the dotted key it reads, its axis label and transform.
struct metric_info {
  std::string name;
  std::string key;
  std::string label;
  metric_transform transform;
};

namespace detail {

struct metric_shortcut {
  std::string_view name, key, label;
  metric_transform transform;
};

// pycls's sweep/analysis.py metrics_info, with its mathtext labels in Unicode.
inline constexpr metric_reduce r_min = metric_reduce::min, r_max = metric_reduce::max,
                               r_mean = metric_reduce::mean, r_sum = metric_reduce::sum;
inline constexpr metric_map m_log10 = metric_map::log10, m_log2 = metric_map::log2;

inline const std::vector<metric_shortcut>& metric_shortcuts() {
  static const std::vector<metric_shortcut> all = {
      {"error", "test_ema_epoch.min_top1_err", "error", {r_min}},
      {"error_ema", "test_ema_epoch.min_top1_err", "error_ema", {r_min}},
      {"error_tst", "test_epoch.min_top1_err", "error_tst", {r_min}},
      {"done", "aug.done", "fraction done", {}},
      {"ema_gain", "aug.ema_gain", "ema gain", {}},
      {"epochs", "cfg.OPTIM.MAX_EPOCH", "epochs", {}},
      {"flops", "complexity.flops", "flops (B)", {metric_reduce::none, 1e9}},
      {"params", "complexity.params", "params (M)", {metric_reduce::none, 1e6}},
      {"acts", "complexity.acts", "activations (M)", {metric_reduce::none, 1e6}},
      {"memory", "train_epoch.mem", "memory (GB)", {r_max, 1e3}},
      {"resolution", "cfg.TRAIN.IM_SIZE", "resolution", {}},
      {"epoch_fw_bw", "epoch_times.train_fw_bw_time", "epoch fw_bw time (s)", {}},
      {"epoch_time", "train_epoch.time_epoch", "epoch total time (s)", {r_mean}},
      {"batch_size", "cfg.TRAIN.BATCH_SIZE", "batch size", {}},
      {"regnet_depth", "cfg.REGNET.DEPTH", "depth", {}},
      {"regnet_w0", "cfg.REGNET.W0", "w0", {}},
      {"regnet_wa", "cfg.REGNET.WA", "wa", {}},
      {"regnet_wm", "cfg.REGNET.WM", "wm", {}},
      {"regnet_gw", "cfg.REGNET.GROUP_W", "gw", {}},
      {"regnet_bm", "cfg.REGNET.BOT_MUL", "bm", {}},
      {"anynet_ds", "cfg.ANYNET.DEPTHS", "ds", {}},
      {"anynet_ws", "cfg.ANYNET.WIDTHS", "ws", {}},
      {"anynet_gs", "cfg.ANYNET.GROUP_WS", "gs", {}},
      {"anynet_bs", "cfg.ANYNET.BOT_MULS", "bs", {}},
      {"anynet_d", "cfg.ANYNET.DEPTHS", "d", {r_sum}},
      {"anynet_w", "cfg.ANYNET.WIDTHS", "w", {r_max}},
      {"anynet_g", "cfg.ANYNET.GROUP_WS", "g", {r_max}},
      {"anynet_b", "cfg.ANYNET.BOT_MULS", "b", {r_max}},
      {"effnet_ds", "cfg.EN.DEPTHS", "ds", {}},
      {"effnet_ws", "cfg.EN.WIDTHS", "ws", {}},
      {"effnet_ss", "cfg.EN.STRIDES", "ss", {}},
      {"effnet_bs", "cfg.EN.EXP_RATIOS", "bs", {}},
      {"effnet_d", "cfg.EN.DEPTHS", "d", {r_sum}},
      {"effnet_w", "cfg.EN.WIDTHS", "w", {r_max}},
      {"lr", "cfg.OPTIM.BASE_LR", "log\u2081\u2080(lr)", {metric_reduce::none, 1.0, m_log10}},
      {"min_lr", "cfg.OPTIM.MIN_LR", "min_lr", {}},
      {"wd", "cfg.OPTIM.WEIGHT_DECAY", "log\u2081\u2080(wd)", {metric_reduce::none, 1.0, m_log10}},
      {"lr_wd", "aug.lr_wd", "log\u2081\u2080(lr\u00b7wd)", {}},
      {"bn_wd", "cfg.BN.CUSTOM_WEIGHT_DECAY", "log\u2081\u2080(bn_wd)", {metric_reduce::none, 1.0, m_log10}},
      {"momentum", "cfg.OPTIM.MOMENTUM", "momentum", {}},
      {"ema_alpha", "cfg.OPTIM.EMA_ALPHA", "log\u2081\u2080(ema_alpha)", {metric_reduce::none, 1.0, m_log10}},
      {"ema_beta", "cfg.OPTIM.EMA_BETA", "log\u2081\u2080(ema_beta)", {metric_reduce::none, 1.0, m_log10}},
      // pycls labels this one log10 but applies log2; the label here says what is plotted.
      {"ema_update", "cfg.OPTIM.EMA_UPDATE_PERIOD", "log\u2082(ema_update)", {metric_reduce::none, 1.0, m_log2}},
  };
  return all;
}

inline double map_number(double v, const metric_transform& t) {
  v /= t.divisor;
  switch (t.map) {
    case metric_map::log10: return std::log10(v);
    case metric_map::log2: return std::log2(v);
    case metric_map::none: break;
  }
  return v;
}

}  // namespace detail

/// @brief The names of all shortcut metrics, in pycls's order.
inline std::vector<std::string> metric_shortcut_names() {
  std::vector<std::string> names;
  for (auto& s : detail::metric_shortcuts()) names.emplace_back(s.name);
  return names;
}

/// @brief The info of `name`: a shortcut, or a dotted key labelled by itself.
/// `error_key` (ANALYZE.ERROR) redefines what "error" reads; a list there is reduced by min.
inline metric_info get_metric_info(std::string_view name,
                                   std::string_view error_key = "test_ema_epoch.min_top1_err") {
  for (auto& s : detail::metric_shortcuts()) {
    if (s.name == name) {
      metric_info info{std::string(s.name), std::string(s.key), std::string(s.label), s.transform};
      if (name == "error") info.key = std::string(error_key);
      return info;
    }
  }
  return {std::string(name), std::string(name), std::string(name), {}};
}

/// @brief The field at a dotted key of a job record, or nullptr.
inline const nlohmann::json* find_field(const nlohmann::json& record, std::string_view dotted) {
  const nlohmann::json* node = &record;
  while (true) {
    if (!node->is_object()) return nullptr;
    auto dot = dotted.find('.');
    auto it = node->find(dotted.substr(0, dot));
    if (it == node->end()) return nullptr;
    node = &*it;
    if (dot == std::string_view::npos) return node;
    dotted.remove_prefix(dot + 1);
  }
}

/// @brief Applies a transform to a field: lists are reduced (or kept), numbers divided and mapped.
inline nlohmann::json apply_transform(const nlohmann::json& field, const metric_transform& t) {
  if (field.is_array()) {
    if (t.reduce == metric_reduce::none) return field;
    std::vector<double> xs;
    xs.reserve(field.size());
    for (auto& x : field) {
      if (x.is_number()) xs.push_back(x.get<double>());
    }
    if (xs.empty()) return nlohmann::json();
    double r = 0;
    switch (t.reduce) {
      case metric_reduce::min: r = *std::min_element(xs.begin(), xs.end()); break;
      case metric_reduce::max: r = *std::max_element(xs.begin(), xs.end()); break;
      case metric_reduce::sum: r = std::accumulate(xs.begin(), xs.end(), 0.0); break;
      case metric_reduce::mean: r = std::accumulate(xs.begin(), xs.end(), 0.0) / static_cast<double>(xs.size()); break;
      case metric_reduce::none: break;
    }
    return detail::map_number(r, t);
  }
  if (field.is_number() && (t.divisor != 1.0 || t.map != metric_map::none)) {
    return detail::map_number(field.get<double>(), t);
  }
  return field;
}

/// @brief A metric's value for one record (transformed), or null when the record lacks its key.
inline nlohmann::json metric_value(const nlohmann::json& record, const metric_info& info) {
  const nlohmann::json* field = find_field(record, info.key);
  return field ? apply_transform(*field, info.transform) : nlohmann::json();
}

/// @brief A metric's number from its field (the value at info.key; nullptr: missing): NaN when
/// missing or not a number (bools count as 0/1).
inline double metric_number(const nlohmann::json* field, const metric_info& info) {
  if (field == nullptr) return std::numeric_limits<double>::quiet_NaN();
  if (field->is_number() && field->is_number_float() && info.transform.divisor == 1.0 &&
      info.transform.map == metric_map::none) {
    return field->get<double>();  // the common case, without copying the field
  }
  auto v = apply_transform(*field, info.transform);
  if (v.is_number()) return v.get<double>();
  if (v.is_boolean()) return v.get<bool>() ? 1.0 : 0.0;
  return std::numeric_limits<double>::quiet_NaN();
}

/// @brief A metric's value for one record as a number (see above).
inline double metric_number(const nlohmann::json& record, const metric_info& info) {
  return metric_number(find_field(record, info.key), info);
}

}  // namespace sweep
