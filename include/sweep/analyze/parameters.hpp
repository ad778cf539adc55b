// The parameters of a sweep as the analysis sections see them: each sampled
// key of SETUP.SAMPLERS (a regnet_sampler counts as its six keys), then the
// derived metrics of ANALYZE.METRICS; a metric that reads a sampled key stands
// for it (lr for OPTIM.BASE_LR). Values that are not numbers (MODEL.TYPE: mlp)
// become category codes, so every parameter is a column of doubles.
#pragma once

#include <sweep/analyze/metrics.hpp>
#include <sweep/analyze/sweep_data.hpp>
#include <sweep/config/sweep_config.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace sweep {

/// @brief A parameter of the sweep: the metric it is read by, and whether its sampler is logarithmic.
struct sweep_parameter {
  metric_info info;
  bool log = false;  // log_uniform, log_normal or power2 sampler (and not already a log10 metric)
};

/// @brief A parameter's values over some jobs: numbers, or codes 0, 1, ... of `categories`.
struct parameter_column {
  std::vector<double> values;           // NaN where a job lacks it
  std::vector<std::string> categories;  // non-empty: values are indices into it
};

namespace detail {

inline bool log_rand_type(const value& sampler) {
  auto* t = sampler.child("RAND_TYPE");
  if (t == nullptr || !t->is_string()) return false;
  auto& s = t->as_string();
  return s == "log_uniform" || s == "log_normal" || s.starts_with("power2");
}

}  // namespace detail

/// @brief The parameters of `cfg`'s sweep (see the top of this file). `names`, when not empty, lists
/// them instead (metric names or dotted keys; a key under cfg. is logarithmic when its sampler is).
inline std::vector<sweep_parameter> sweep_parameters(const sweep_config& cfg, const std::vector<std::string>& names = {}) {
  std::vector<std::pair<std::string, bool>> sampled;  // "cfg.KEY", log
  const auto& samplers = cfg.setup.samplers;
  if (samplers.is_map()) {
    for (auto& [key, spec] : samplers.as_map()) {
      auto* type = spec.child("TYPE");
      if (key == "REGNET" && type && type->is_string() && type->as_string() == "regnet_sampler") {
        for (auto* k : {"DEPTH", "W0", "WA", "WM", "GROUP_W", "BOT_MUL"}) {
          sampled.emplace_back(std::string("cfg.REGNET.") + k, std::string_view(k) != "DEPTH" && std::string_view(k) != "BOT_MUL");
        }
      } else {
        sampled.emplace_back("cfg." + key, detail::log_rand_type(spec));
      }
    }
  }
  std::vector<sweep_parameter> out;
  auto add = [&](metric_info info, bool log) {
    if (std::any_of(out.begin(), out.end(), [&](auto& p) { return p.info.key == info.key && p.info.transform.map == info.transform.map; })) return;
    out.push_back({std::move(info), log});
  };
  auto log_of = [&](const metric_info& info) {
    if (info.transform.map != metric_map::none) return false;  // already on a log scale
    for (auto& [key, log] : sampled) {
      if (key == info.key) return log;
    }
    return false;
  };
  if (!names.empty()) {
    for (auto& n : names) {
      auto info = get_metric_info(n, cfg.analyze.error);
      bool log = log_of(info);
      add(std::move(info), log);
    }
    return out;
  }
  std::vector<metric_info> derived;
  for (auto& m : cfg.analyze.metrics) derived.push_back(get_metric_info(m, cfg.analyze.error));
  for (auto& [key, log] : sampled) {
    auto by = std::find_if(derived.begin(), derived.end(), [&key = key](auto& d) { return d.key == key; });
    if (by != derived.end()) {
      add(*by, false);
    } else {
      add(get_metric_info(key, cfg.analyze.error), log);
    }
  }
  for (auto& d : derived) add(d, false);
  return out;
}

/// @brief The values of parameter `p` over `jobs` (numbers; else category codes in sorted order).
inline parameter_column parameter_values(const std::vector<job>& jobs, const sweep_parameter& p) {
  parameter_column out;
  out.values.reserve(jobs.size());
  bool categorical = false;
  for (auto& j : jobs) {
    double v = job_number(j, p.info);
    if (std::isnan(v) && p.info.transform.map == metric_map::none && p.info.transform.reduce == metric_reduce::none) {
      auto* f = j.field(p.info.key);
      if (f != nullptr && !f->is_null() && !f->is_number()) categorical = true;
    }
    out.values.push_back(v);
  }
  if (!categorical) return out;
  std::map<std::string, double> codes;
  std::vector<std::string> text(jobs.size());
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    auto* f = jobs[i].field(p.info.key);
    if (f == nullptr || f->is_null()) continue;
    text[i] = f->is_string() ? f->get<std::string>() : f->dump();
    codes.emplace(text[i], 0);
  }
  for (auto& [name, code] : codes) {
    code = static_cast<double>(out.categories.size());
    out.categories.push_back(name);
  }
  for (std::size_t i = 0; i < jobs.size(); ++i) out.values[i] = text[i].empty() && !codes.count("") ? std::nan("") : codes[text[i]];
  return out;
}

}  // namespace sweep
