// A sweep's jobs as the analysis sees them: sweep.json (written by pycls's
// collect or ours, same format) loaded with nlohmann::json, the jobs without
// the error record set aside, and pycls's augmented fields (aug.lr_wd,
// aug.done, aug.ema_gain) added.
#pragma once

#include <sweep/analyze/metrics.hpp>
#include <sweep/error.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sweep {

/// @brief One analysed job: its number ("000059", from its log folder), record and error.
struct job {
  std::string id;
  std::shared_ptr<const nlohmann::json> record;  // shared: filters and splits copy jobs cheaply
  double error = 0;
};

/// @brief A named population of jobs (a sweep, or one part of a split).
struct sweep_data {
  std::string name;
  std::string file;                  // the sweep.json it came from
  std::vector<job> jobs;             // jobs with the error record
  std::vector<std::string> skipped;  // ids of jobs without it
};

namespace detail {

/// @brief The job's number: the folder of its log file (pycls: log_file.split("/")[-2]).
inline std::string job_id(const nlohmann::json& record, std::size_t position) {
  if (auto it = record.find("log_file"); it != record.end() && it->is_string()) {
    std::string_view path = it->get_ref<const std::string&>();
    auto slash = path.rfind('/');
    if (slash != std::string_view::npos && slash > 0) {
      auto prev = path.rfind('/', slash - 1);
      auto start = prev == std::string_view::npos ? 0 : prev + 1;
      return std::string(path.substr(start, slash - start));
    }
  }
  return fmt::format("{:06d}", position);
}

inline double last_number(const nlohmann::json* list) {
  if (list == nullptr || !list->is_array() || list->empty() || !list->back().is_number()) return std::nan("");
  return list->back().get<double>();
}

/// @brief pycls's augment_sweep for one record (fields it cannot compute are left out).
inline void augment(nlohmann::json& record, std::string_view error_record) {
  nlohmann::json aug = nlohmann::json::object();
  double lr = metric_number(record, get_metric_info("lr"));
  double wd = metric_number(record, get_metric_info("wd"));
  if (!std::isnan(lr) && !std::isnan(wd)) aug["lr_wd"] = lr + wd;
  // pycls measures progress on test_epoch; other job programs may only have the error record.
  const nlohmann::json* progress = find_field(record, "test_epoch");
  if (progress == nullptr) progress = find_field(record, error_record);
  if (progress != nullptr) {
    double done = last_number(find_field(*progress, "epoch_ind")) / last_number(find_field(*progress, "epoch_max"));
    if (!std::isnan(done)) aug["done"] = done;
  }
  double tst = metric_number(record, get_metric_info("error_tst"));
  double ema = metric_number(record, get_metric_info("error_ema"));
  if (!std::isnan(tst) && !std::isnan(ema)) aug["ema_gain"] = std::max(0.0, tst - ema);
  record["aug"] = std::move(aug);
}

/// @brief The 1-based line of a byte offset in a text, for parse errors.
inline int line_of(std::string_view text, std::size_t byte) {
  byte = std::min(byte, text.size());
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(byte), '\n'));
}

inline std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw error({file.string(), 0}, "", "cannot open the file for reading");
  std::ostringstream out;
  out << in.rdbuf();
  return std::move(out).str();
}

}  // namespace detail

/// @brief Parses sweep.json text into jobs: those with the record of `error_key` are analysed
/// (augmented, their error cached), the others are counted in `skipped`.
inline sweep_data parse_sweep(std::string_view text, std::string file_name, std::string name,
                              std::string_view error_key = "test_ema_epoch.min_top1_err") {
  // Epoch labels ("3/50") and per-iteration timings are never analysed: not keeping them
  // saves a third of the parsing work on large sweeps.
  auto drop_unused = [](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    if (event != nlohmann::json::parse_event_t::key) return true;
    const auto& key = parsed.get_ref<const std::string&>();
    return !((depth == 3 && key == "epoch") || (depth == 2 && key == "iter_times"));
  };
  nlohmann::json all;
  try {
    all = nlohmann::json::parse(text.begin(), text.end(), drop_unused);
  } catch (const nlohmann::json::parse_error& e) {
    throw error({file_name, detail::line_of(text, e.byte)}, "", fmt::format("not valid JSON: {}", e.what()));
  }
  if (!all.is_array()) throw error({file_name, 1}, "", "expected a JSON list of job records");
  sweep_data sweep{std::move(name), file_name, {}, {}};
  auto error_record = error_key.substr(0, error_key.find('.'));
  auto error_info = get_metric_info("error", error_key);
  sweep.jobs.reserve(all.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    auto& record = all[i];
    if (!record.is_object()) throw error({file_name, 0}, fmt::format("[{}]", i), "expected a job record (a map)");
    std::string id = detail::job_id(record, i);
    double err = find_field(record, error_record) ? metric_number(record, error_info) : std::nan("");
    if (std::isnan(err)) {
      sweep.skipped.push_back(std::move(id));
      continue;
    }
    detail::augment(record, error_record);
    sweep.jobs.push_back({std::move(id), std::make_shared<const nlohmann::json>(std::move(record)), err});
  }
  return sweep;
}

/// @brief Loads a sweep.json file (see parse_sweep).
inline sweep_data load_sweep(const std::filesystem::path& file, std::string name,
                             std::string_view error_key = "test_ema_epoch.min_top1_err") {
  return parse_sweep(detail::read_text(file), file.string(), std::move(name), error_key);
}

/// @brief The values of a metric over a sweep's jobs, as numbers (NaN where missing).
inline std::vector<double> metric_numbers(const sweep_data& sweep, const metric_info& info) {
  std::vector<double> out;
  out.reserve(sweep.jobs.size());
  if (info.name == "error") {
    for (auto& j : sweep.jobs) out.push_back(j.error);
  } else {
    for (auto& j : sweep.jobs) out.push_back(metric_number(*j.record, info));
  }
  return out;
}

/// @brief The jobs sorted by error (best first, or worst first when `reverse`); ties keep file order.
inline std::vector<job> sorted_by_error(const sweep_data& sweep, bool reverse = false) {
  auto jobs = sweep.jobs;
  std::stable_sort(jobs.begin(), jobs.end(),
                   [reverse](const job& a, const job& b) { return reverse ? a.error > b.error : a.error < b.error; });
  return jobs;
}

/// @brief pycls's describe_sweep: one line per job, "ema=.. | err=.. | done=.. | id | DESC", best first.
inline std::string describe_sweep(const sweep_data& sweep) {
  auto ema = get_metric_info("error_ema"), tst = get_metric_info("error_tst"), done = get_metric_info("done");
  std::vector<std::pair<double, std::string>> lines;
  lines.reserve(sweep.jobs.size());
  for (auto& j : sweep.jobs) {
    auto* desc = find_field(*j.record, "cfg.DESC");
    std::string d = desc == nullptr ? "" : desc->is_string() ? desc->get<std::string>() : desc->dump();
    lines.emplace_back(j.error, fmt::format("ema={:.2f} | err={:.2f} | done={:.2f} | {} | {}",
                                            metric_number(*j.record, ema), metric_number(*j.record, tst),
                                            metric_number(*j.record, done), j.id, d));
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (auto& [e, line] : lines) out += (out.empty() ? "" : "\n") + line;
  return out;
}

}  // namespace sweep
