// pycls's config-level constraints (SETUP.CONSTRAINTS): the RegNet stage rule
// and the complexity ranges CX.FLOPS/PARAMS/ACTS. RegNet candidates take a fast
// path that never builds a config tree: BASE_CFG's RegNet is read once and only
// the sampled REGNET.* keys are patched in.
#pragma once

#include <sweep/config/sweep_config.hpp>
#include <sweep/models.hpp>
#include <sweep/setup/job_config.hpp>
#include <sweep/space/samplers.hpp>

#include <algorithm>
#include <array>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <memory>
#include <vector>

namespace sweep {

/// @brief Checks candidates against SETUP.CONSTRAINTS exactly where pycls's sweep_setup does.
class config_checks {
 public:
  explicit config_checks(const sweep_config& cfg)
      : base_(cfg.setup.base_cfg.is_null() ? value{value::map{}} : cfg.setup.base_cfg),
        cx_(cfg.setup.constraints.cx),
        stages_(cfg.setup.constraints.regnet.num_stages) {
    cx_active_ = any_bound(cx_.flops) || any_bound(cx_.params) || any_bound(cx_.acts);
    auto* type = base_.find("MODEL.TYPE");
    base_is_regnet_ = type != nullptr && type->is_string() && type->as_string() == "regnet";
    if (base_is_regnet_) {
      base_regnet_ = regnet_params::from(base_);
      im_size_ = int_or(base_.find("TRAIN.IM_SIZE"), 224);
      num_classes_ = int_or(base_.find("MODEL.NUM_CLASSES"), 10);
    }
    // A sampled MODEL.TYPE could make any candidate a RegNet: then every candidate is checked.
    auto* samplers = cfg.setup.samplers.is_map() ? cfg.setup.samplers.child("MODEL.TYPE") : nullptr;
    may_be_regnet_ = base_is_regnet_ || samplers != nullptr || !cfg.setup.space.is_null();
  }

  /// @brief False when no constraint can reject anything (then candidates are not even looked at).
  [[nodiscard]] bool active() const noexcept { return cx_active_ || may_be_regnet_; }

  /// @brief The rules a candidate can fail, in the order of reject_reason's codes (1, 2, ...): for
  /// setup's report of what each rule removed. Defaults are named as such.
  [[nodiscard]] std::vector<std::string> rule_names() const {
    bool default_stages = stages_[0] == 4 && stages_[1] == 4;
    auto range = [](const char* key, const std::array<double, 2>& r) { return fmt::format("SETUP.CONSTRAINTS.CX.{} [{}, {}]", key, r[0], r[1]); };
    return {fmt::format("SETUP.CONSTRAINTS.REGNET.NUM_STAGES [{}, {}]{}", stages_[0], stages_[1], default_stages ? " (the default)" : ""),
            fmt::format("SETUP.CONSTRAINTS.REGNET.NUM_STAGES [{}, {}]{} on a RegNet whose REGNET.DEPTH, W0, WA or WM is "
                        "neither in BASE_CFG nor sampled (pycls's defaults were used)",
                        stages_[0], stages_[1], default_stages ? " (the default)" : ""),
            range("FLOPS", cx_.flops), range("PARAMS", cx_.params), range("ACTS", cx_.acts),
            "the model family could not read the config's keys" + unreadable_note()};
  }

  /// @brief 0 when the candidate BASE_CFG + params passes the RegNet rule and the CX ranges, else the
  /// 1-based index of the first rule it fails in rule_names().
  [[nodiscard]] std::size_t reject_reason(const param_list& params) const {
    try {
      if (base_is_regnet_ && only_regnet_keys(params)) return check_regnet_fast(params);
      value job = merge_params(base_, params);
      auto* type = job.find("MODEL.TYPE");
      if (type != nullptr && type->is_string() && type->as_string() == "regnet") {
        auto p = regnet_params::from(job);
        if (!stages_ok(regnet_generate(p.wa, p.w0, p.wm, p.depth))) return regnet_keys_given(job) ? 1 : 2;
      }
      return cx_active_ ? cx_reason(standardized_complexity(job)) : 0;
    } catch (const error& e) {
      remember_unreadable(e.what());
      return 6;
    }
  }

  /// @brief True when the candidate BASE_CFG + params passes the RegNet rule and the CX ranges.
  [[nodiscard]] bool operator()(const param_list& params) const { return reject_reason(params) == 0; }

  /// @brief The written form of a kept config: pycls's scaler step for the families that have one.
  [[nodiscard]] static value finish(value job) {
    auto* type = job.find("MODEL.TYPE");
    if (type == nullptr || !type->is_string()) return job;
    auto family = find_model_family(type->as_string());
    return family && family->standardize ? family->standardize(job) : job;
  }

 private:
  static bool any_bound(const std::array<double, 2>& range) { return range[0] != 0 || range[1] != 0; }
  static std::int64_t int_or(const value* v, std::int64_t fallback) { return v != nullptr && v->is_int() ? v->as_int() : fallback; }

  static bool only_regnet_keys(const param_list& params) {
    for (auto& [key, v] : params) {
      if (!key.starts_with("REGNET.") || !v.is_number()) return false;
      auto name = std::string_view(key).substr(7);
      if (name != "DEPTH" && name != "W0" && name != "WA" && name != "WM" && name != "GROUP_W" && name != "BOT_MUL") return false;
    }
    return true;
  }

  bool stages_ok(const regnet_stages& s) const {
    return s.all_stages_used() && stages_[0] <= s.num_stages && s.num_stages <= stages_[1];
  }

  static bool in_bounds(double v, const std::array<double, 2>& range) {
    if (!any_bound(range)) return true;
    double low = range[0] == 0 ? v : range[0];
    double high = range[1] == 0 ? v : range[1];
    return low <= v && v <= high;
  }

  std::size_t cx_reason(const complexity& cx) const {
    if (!in_bounds(static_cast<double>(cx.flops), cx_.flops)) return 3;
    if (!in_bounds(static_cast<double>(cx.params), cx_.params)) return 4;
    if (!in_bounds(static_cast<double>(cx.acts), cx_.acts)) return 5;
    return 0;
  }

  static bool regnet_keys_given(const value& job) {
    for (const char* key : {"REGNET.DEPTH", "REGNET.W0", "REGNET.WA", "REGNET.WM"}) {
      if (job.find(key) == nullptr) return false;
    }
    return true;
  }

  // The first message of a model family that could not read a candidate, for the report (shared by threads).
  struct unreadable_message {
    std::mutex mutex;
    std::string text;
  };
  void remember_unreadable(const std::string& text) const {
    std::lock_guard lock(unreadable_->mutex);
    if (unreadable_->text.empty()) unreadable_->text = text;
  }
  std::string unreadable_note() const {
    std::lock_guard lock(unreadable_->mutex);
    return unreadable_->text.empty() ? std::string() : " (first: " + unreadable_->text + ")";
  }

  std::size_t check_regnet_fast(const param_list& params) const {
    regnet_params p = base_regnet_;
    for (auto& [key, v] : params) {
      auto name = std::string_view(key).substr(7);
      if (name == "DEPTH") p.depth = v.as_int();
      else if (name == "W0") p.w0 = v.as_float();
      else if (name == "WA") p.wa = v.as_float();
      else if (name == "WM") p.wm = v.as_float();
      else if (name == "GROUP_W") p.group_w = v.as_int();
      else p.bot_mul = v.as_float();
    }
    auto stages = regnet_generate(p.wa, p.w0, p.wm, p.depth);
    if (!stages_ok(stages)) {
      bool given = true;
      for (const char* key : {"REGNET.DEPTH", "REGNET.W0", "REGNET.WA", "REGNET.WM"}) {
        bool sampled = std::any_of(params.begin(), params.end(), [&](auto& kv) { return kv.first == key; });
        given = given && (sampled || base_.find(key) != nullptr);
      }
      return given ? 1 : 2;
    }
    return cx_active_ ? cx_reason(regnet_complexity(p, stages, im_size_, num_classes_)) : 0;
  }

  value base_;
  cx_constraints cx_;
  std::array<std::int64_t, 2> stages_;
  bool cx_active_ = false;
  bool base_is_regnet_ = false;
  bool may_be_regnet_ = false;
  std::shared_ptr<unreadable_message> unreadable_ = std::make_shared<unreadable_message>();
  regnet_params base_regnet_;
  std::int64_t im_size_ = 224;
  std::int64_t num_classes_ = 10;
};

}  // namespace sweep
