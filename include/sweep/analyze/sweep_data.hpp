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
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace sweep {

/// @brief One analysed job: its number ("000059", from its log folder), record and error.
struct job {
  std::string id;
  std::shared_ptr<const nlohmann::json> record;  // shared: filters and splits copy jobs cheaply
  double error = 0;
  /// @brief Metric values already looked up (by metric name): a report reads each several times,
  /// and walking 10,000 scattered records is the slow part. Shared by the copies; not thread-safe.
  std::shared_ptr<std::unordered_map<std::string, double>> memo = std::make_shared<std::unordered_map<std::string, double>>();
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
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  if (!in) throw error({file.string(), 0}, "", "cannot open the file for reading");
  std::string text(static_cast<std::size_t>(in.tellg()), '\0');
  in.seekg(0);
  if (!in.read(text.data(), static_cast<std::streamsize>(text.size()))) throw error({file.string(), 0}, "", "cannot read the file");
  return text;
}

}  // namespace detail

namespace detail {

/// @brief Byte ranges of the elements of a top-level JSON list, found by tracking brackets and
/// strings only (nlohmann then parses each element, and reports any syntax error); nullopt when
/// the text is not one balanced list.
inline std::optional<std::vector<std::pair<std::size_t, std::size_t>>> list_elements(std::string_view text) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  std::size_t i = text.find_first_not_of(" \t\r\n");
  if (i == std::string_view::npos || text[i] != '[') return std::nullopt;
  int depth = 0;
  bool in_string = false;
  std::size_t start = i + 1;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if (c == ']' || c == '}') {
      if (--depth == 0) {
        if (text.substr(start, i - start).find_first_not_of(" \t\r\n") != std::string_view::npos) out.emplace_back(start, i);
        break;
      }
    } else if (c == ',' && depth == 1) {
      out.emplace_back(start, i);
      start = i + 1;
    }
  }
  if (depth != 0 || text.substr(std::min(i + 1, text.size())).find_first_not_of(" \t\r\n") != std::string_view::npos) {
    return std::nullopt;
  }
  return out;
}

/// @brief Parses the elements in parallel (sweep.json of 10,000 jobs is ~160 MB of JSON).
inline std::vector<nlohmann::json> parse_elements(std::string_view text,
                                                  const std::vector<std::pair<std::size_t, std::size_t>>& ranges,
                                                  const std::string& file_name) {
  std::vector<nlohmann::json> out(ranges.size());
  auto threads = static_cast<std::size_t>(std::max(1u, std::thread::hardware_concurrency()));
  threads = std::min(threads, ranges.size() / 64 + 1);
  std::vector<std::exception_ptr> errors(threads);
  auto work = [&](std::size_t t) {
    try {
      for (std::size_t k = t; k < ranges.size(); k += threads) {
        auto [b, e] = ranges[k];
        try {
          out[k] = nlohmann::json::parse(text.begin() + static_cast<std::ptrdiff_t>(b), text.begin() + static_cast<std::ptrdiff_t>(e));
        } catch (const nlohmann::json::parse_error& err) {
          throw error({file_name, line_of(text, b + err.byte - 1)}, fmt::format("[{}]", k), fmt::format("not valid JSON: {}", err.what()));
        }
      }
    } catch (...) {
      errors[t] = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& th : pool) th.join();
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  return out;
}

}  // namespace detail

/// @brief Parses sweep.json text into jobs: those with the record of `error_key` are analysed
/// (augmented, their error cached), the others are counted in `skipped`.
inline sweep_data parse_sweep(std::string_view text, std::string file_name, std::string name,
                              std::string_view error_key = "test_ema_epoch.min_top1_err") {
  std::vector<nlohmann::json> all;
  if (auto ranges = detail::list_elements(text)) {
    all = detail::parse_elements(text, *ranges, file_name);
  } else {
    // Not one balanced list: let nlohmann say what is wrong, and where.
    nlohmann::json whole;
    try {
      whole = nlohmann::json::parse(text.begin(), text.end());
    } catch (const nlohmann::json::parse_error& e) {
      throw error({file_name, detail::line_of(text, e.byte)}, "", fmt::format("not valid JSON: {}", e.what()));
    }
    throw error({file_name, 1}, "", fmt::format("expected a JSON list of job records, got {}", whole.type_name()));
  }
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

/// @brief A metric's number for one job, looked up once (see job::memo).
inline double job_number(const job& j, const metric_info& info) {
  if (info.name == "error") return j.error;
  auto [it, fresh] = j.memo->try_emplace(info.name, 0.0);
  if (fresh) it->second = metric_number(*j.record, info);
  return it->second;
}

/// @brief The values of a metric over a sweep's jobs, as numbers (NaN where missing).
inline std::vector<double> metric_numbers(const sweep_data& sweep, const metric_info& info) {
  std::vector<double> out;
  out.reserve(sweep.jobs.size());
  if (info.name == "error") {
    for (auto& j : sweep.jobs) out.push_back(j.error);
  } else {
    for (auto& j : sweep.jobs) out.push_back(job_number(j, info));
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
                                            job_number(j, ema), job_number(j, tst), job_number(j, done), j.id, d));
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (auto& [e, line] : lines) out += (out.empty() ? "" : "\n") + line;
  return out;
}

}  // namespace sweep
