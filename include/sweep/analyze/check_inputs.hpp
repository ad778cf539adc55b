// What analyze checks once the sweeps are loaded, so a wrong name fails with a
// message that says what exists: a sweep none of whose jobs has ANALYZE.ERROR
// (naming the record types and fields its jobs do have, with a did-you-mean), and
// ANALYZE.METRICS or filter names that are neither a shortcut nor a field any job has.
#pragma once

#include <sweep/analyze/metrics.hpp>
#include <sweep/analyze/sweep_data.hpp>
#include <sweep/base/files.hpp>
#include <sweep/base/suggest.hpp>
#include <sweep/config/check.hpp>
#include <sweep/config/sweep_config.hpp>
#include <sweep/error.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace sweep {

namespace detail {

/// @brief Up to `n` raw job records of a sweep.json (for messages only: the whole file is parsed again).
inline std::vector<nlohmann::json> sample_raw_records(const std::filesystem::path& file, std::size_t n, std::size_t& total) {
  std::vector<nlohmann::json> out;
  total = 0;
  std::string text;
  if (!read_file_into(file.string(), text)) return out;
  auto all = nlohmann::json::parse(text, nullptr, false);
  if (!all.is_array()) return out;
  total = all.size();
  for (auto& r : all) {
    if (out.size() >= n) break;
    if (r.is_object()) out.push_back(std::move(r));
  }
  return out;
}

/// @brief The record types of some jobs (top-level maps other than cfg) and their fields, sorted.
inline std::vector<std::pair<std::string, std::vector<std::string>>> record_types(const std::vector<nlohmann::json>& records) {
  std::vector<std::pair<std::string, std::vector<std::string>>> types;
  for (auto& r : records) {
    for (auto& [type, body] : r.items()) {
      if (!body.is_object() || type == "cfg" || type == "aug") continue;
      auto it = std::find_if(types.begin(), types.end(), [&type = type](auto& t) { return t.first == type; });
      if (it == types.end()) {
        types.emplace_back(type, std::vector<std::string>{});
        it = types.end() - 1;
      }
      for (auto& [field, v] : body.items()) {
        if (std::find(it->second.begin(), it->second.end(), field) == it->second.end()) it->second.push_back(field);
      }
    }
  }
  std::sort(types.begin(), types.end());
  for (auto& t : types) std::sort(t.second.begin(), t.second.end());
  return types;
}

/// @brief Every dotted field of a record, maps walked `depth` levels down (cfg.OPTIM.BASE_LR, test_epoch.top1_err).
inline void record_fields(const nlohmann::json& node, const std::string& prefix, int depth, std::vector<std::string>& out) {
  if (!node.is_object() || depth == 0) return;
  for (auto& [key, v] : node.items()) {
    auto path = prefix.empty() ? key : prefix + "." + key;
    out.push_back(path);
    record_fields(v, path, depth - 1, out);
  }
}

}  // namespace detail

/// @brief Refuses, with what the jobs do have, a sweep that has no job with the error (ANALYZE.ERROR).
/// `file` is the sweep's sweep.json, `name` the sweep's name.
inline void check_sweep_has_error(const sweep_config& cfg, const sweep_data& sweep, const std::filesystem::path& file,
                                  const std::string& name) {
  if (!sweep.jobs.empty()) return;
  std::size_t total = 0;
  auto records = detail::sample_raw_records(file, 64, total);
  config_checker checker(cfg);
  if (total == 0) {
    throw error({file.string(), 0}, "",
                fmt::format("the sweep {} has no jobs in its sweep.json yet: expected jobs that ran and logged "
                            "(see `sweep status`), then `sweep collect`", name));
  }
  auto types = detail::record_types(records);
  std::vector<std::string> fields, listed;
  for (auto& [type, names] : types) {
    listed.push_back(fmt::format("{} ({})", type, fmt::join(names, ", ")));
    for (auto& f : names) fields.push_back(type + "." + f);
  }
  auto error_key = cfg.analyze.error;
  auto suggestion = did_you_mean(error_key, fields);
  // The same field under another record type (test_ema_epoch.min_top1_err -> test_epoch.min_top1_err).
  if (suggestion.empty()) {
    auto field = error_key.substr(error_key.find('.') + 1);
    for (auto& f : fields) {
      if (f.ends_with("." + field)) {
        suggestion = " (did you mean '" + f + "'?)";
        break;
      }
    }
  }
  checker.fail("ANALYZE.ERROR",
               fmt::format("the sweep {} ({}, {} jobs) has no job with {}{}; its jobs' records are: {}",
                           name, file.string(), total, error_key, suggestion,
                           listed.empty() ? std::string("none") : fmt::format("{}", fmt::join(listed, "; "))));
}

/// @brief Refuses metric and filter names (ANALYZE.METRICS, PRE_FILTERS, SPLIT_FILTERS) that are neither a
/// shortcut nor a field any loaded job has, with a did-you-mean from the shortcuts and the jobs' fields.
inline void check_metric_names(const sweep_config& cfg, const std::vector<sweep_data>& sweeps) {
  std::shared_ptr<const nlohmann::json> example;  // whole: its fields are the did-you-mean's candidates
  for (auto& s : sweeps) {
    if (!s.jobs.empty() && s.jobs.front().columns) example = whole_record(s.jobs.front());
  }
  if (example == nullptr) return;
  auto shortcuts = metric_shortcut_names();
  auto known = [&](const std::string& name) {
    if (std::find(shortcuts.begin(), shortcuts.end(), name) != shortcuts.end()) return true;
    auto info = get_metric_info(name, cfg.analyze.error);
    for (auto& s : sweeps) {
      for (auto& j : s.jobs) {
        if (j.field(info.key) != nullptr) return true;
      }
    }
    return false;
  };
  auto candidates = shortcuts;
  detail::record_fields(*example, "", 3, candidates);
  config_checker checker(cfg);
  auto refuse = [&](const std::string& key_path, const std::string& name, const char* what) {
    auto hint = did_you_mean(name, candidates);
    checker.fail(key_path, fmt::format("'{}' is neither a metric shortcut nor a field of any job: expected {}{}{}", name, what,
                                       hint, hint.empty() ? fmt::format(" (shortcuts: {})", fmt::join(shortcuts, ", ")) : ""));
  };
  const auto& a = cfg.analyze;
  for (std::size_t i = 0; i < a.metrics.size(); ++i) {
    if (!known(a.metrics[i])) refuse(fmt::format("ANALYZE.METRICS[{}]", i), a.metrics[i], "a metric to plot");
  }
  for (auto& [name, range] : a.pre_filters) {
    if (!known(name)) refuse("ANALYZE.PRE_FILTERS." + name, name, "a metric to filter on");
  }
  for (auto& [set, filters] : a.split_filters) {
    for (auto& [name, range] : filters) {
      if (!known(name)) refuse("ANALYZE.SPLIT_FILTERS." + set + "." + name, name, "a metric to filter on");
    }
  }
}

}  // namespace sweep
