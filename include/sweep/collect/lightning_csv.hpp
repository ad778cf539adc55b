// The lightning_csv log format: PyTorch Lightning's CSVLogger file,
// <save_dir>/lightning_logs/version_N/metrics.csv. Its header is `epoch`,
// `step` and one column per logged metric (sorted by name); its rows are
// sparse: each holds the metrics logged at one point (a training step, the end
// of validation, the end of a training epoch) and leaves the others empty.
// Mapping onto pycls's record (docs/collect.md#lightning_csv):
//   validation columns (val_, val/, valid_, validation_) -> test_epoch, prefix dropped
//   training columns (train_, train/) and any other     -> train_epoch (train prefix dropped)
//   a name's _epoch suffix is dropped; _step columns (per step, like pycls's train_iter) are left out
//   an epoch's value of a metric is the last one logged in that epoch (Lightning's epoch + 1 = "i/max")
//   ERROR_METRIC -> top1_err (percent) in its record, plus min_top1_err (the running minimum)
//   the job's config (cfgs/NNNNNN.yaml) -> cfg
#pragma once

#include <sweep/base/paths.hpp>
#include <sweep/collect/log_format.hpp>
#include <sweep/config/sweep_config.hpp>
#include <sweep/error.hpp>

#include <boost/hana/define_struct.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sweep {

namespace detail {

/// @brief Splits one CSV line (RFC 4180 quoting, as Python's csv module writes it) into cells.
inline std::vector<std::string> split_csv_line(std::string_view line) {
  std::vector<std::string> cells(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cells.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cells.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      cells.emplace_back();
    } else {
      cells.back() += c;
    }
  }
  return cells;
}

/// @brief A CSV cell as a number: Python's float text, nan and inf included; false if it is not one.
inline bool parse_csv_number(std::string_view cell, double& out) {
  while (!cell.empty() && cell.front() == ' ') cell.remove_prefix(1);
  while (!cell.empty() && cell.back() == ' ') cell.remove_suffix(1);
  if (!cell.empty() && cell.front() == '+') cell.remove_prefix(1);
  auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), out);
  return ec == std::errc{} && end == cell.data() + cell.size() && !cell.empty();
}

}  // namespace detail

/// @brief PyTorch Lightning's CSVLogger metrics.csv (see the top of collect/lightning_csv.hpp).
struct lightning_csv_format {
  static constexpr std::string_view name = "lightning_csv";

  /// @brief COLLECT.LIGHTNING_CSV.
  struct options {
    BOOST_HANA_DEFINE_STRUCT(options,
      (std::string, metrics_file),    // in the job's folder; `*` matches within one part (every version, in order)
      (std::int64_t, max_epochs),     // epochs a job runs; 0: its config's MAX_EPOCHS_KEY, else the last logged
      (std::string, max_epochs_key),  // dotted key of the job config holding the number of epochs
      (std::string, error_metric),    // the column that measures the error ("" for none)
      (std::string, error_from),      // accuracy (a fraction), accuracy_percent, or error (already percent)
      (std::vector<std::string>, test_prefixes),    // columns of validation metrics -> test_epoch
      (std::vector<std::string>, train_prefixes));  // columns of training metrics -> train_epoch
    options()
        : metrics_file("lightning_logs/version_*/metrics.csv"), max_epochs(0), max_epochs_key("OPTIM.MAX_EPOCH"),
          error_metric("val_acc"), error_from("accuracy"), test_prefixes{"val_", "val/", "valid_", "validation_"},
          train_prefixes{"train_", "train/"} {}
  };

  std::vector<std::string> log_files(const options& o, const collect_options&) const { return {o.metrics_file}; }

  /// @brief Values collect checks when it starts (thrown with the key, it adds file and line).
  void check(const options& o) const {
    if (o.metrics_file.empty()) throw error({}, "COLLECT.LIGHTNING_CSV.METRICS_FILE", "is empty: expected a path in the job's folder");
    if (auto why = relative_path_problem(o.metrics_file, "the job's folder"); !why.empty()) {
      throw error({}, "COLLECT.LIGHTNING_CSV.METRICS_FILE", why);
    }
    if (o.max_epochs < 0) {
      throw error({}, "COLLECT.LIGHTNING_CSV.MAX_EPOCHS", fmt::format("expected 0 (from the job config) or more, got {}", o.max_epochs));
    }
    if (o.error_from != "accuracy" && o.error_from != "accuracy_percent" && o.error_from != "error") {
      throw error({}, "COLLECT.LIGHTNING_CSV.ERROR_FROM",
                  fmt::format("expected one of accuracy, accuracy_percent, error; got '{}'", o.error_from));
    }
  }

  void read(const options& o, const job_files& job, job_record& out) const {
    static constexpr const char* types[] = {"test_epoch", "train_epoch"};
    auto cfg = read_job_config(job, out);
    // epoch (Lightning's, 0-based) -> metric -> value, for test_epoch [0] and train_epoch [1]
    std::map<std::int64_t, nlohmann::json> by_epoch[2];
    column error_column;
    bool error_seen = false;
    for (auto& log : job.logs) read_file(o, log, out, by_epoch, error_column, error_seen);

    std::int64_t last = -1;
    for (auto& series : by_epoch) {
      if (!series.empty()) last = std::max(last, series.rbegin()->first);
    }
    std::int64_t max = o.max_epochs;
    if (max == 0 && cfg.is_object()) {
      const nlohmann::json* node = &cfg;
      for (auto part : split(o.max_epochs_key)) {
        node = node->is_object() && node->contains(part) ? &(*node)[std::string(part)] : nullptr;
        if (node == nullptr) break;
      }
      if (node != nullptr && node->is_number_integer()) max = node->get<std::int64_t>();
    }
    max = std::max(max, last + 1);
    if (!cfg.is_null()) out.data["cfg"] = std::move(cfg);

    if (!error_seen && !o.error_metric.empty() && last >= 0) {
      out.issue(job.logs.back().file, 0,
                fmt::format("no column '{}' (COLLECT.LIGHTNING_CSV.ERROR_METRIC): no top1_err", o.error_metric));
    }
    for (int t = 0; t < 2; ++t) {
      double min_err = std::numeric_limits<double>::infinity();
      bool error_type = error_seen && error_column.type == t;
      for (auto& [epoch, fields] : by_epoch[t]) {
        if (error_seen) {
          auto it = fields.find(error_column.name);
          if (it != fields.end() && it->is_number()) {
            double err = to_error(o, it->get<double>());
            fields["top1_err"] = err;
            if (!std::isnan(err)) min_err = std::min(min_err, err);
          } else if (error_type) {
            fields["top1_err"] = nullptr;
          }
          if (error_type) fields["min_top1_err"] = std::isinf(min_err) ? nlohmann::json() : nlohmann::json(min_err);
        }
        out.add_epoch(types[t], epoch + 1, max, std::move(fields));
      }
    }
    if (!out.progress_from("test_epoch")) out.progress_from("train_epoch");
  }

 private:
  /// @brief Where a column goes: record 0 (test_epoch) or 1 (train_epoch), under `name`; -1: left out.
  struct column {
    int type = -1;
    std::string name;
  };

  static std::vector<std::string_view> split(std::string_view dotted) {
    std::vector<std::string_view> parts;
    for (std::size_t start = 0;;) {
      auto dot = dotted.find('.', start);
      parts.push_back(dotted.substr(start, dot == std::string_view::npos ? dotted.npos : dot - start));
      if (dot == std::string_view::npos) return parts;
      start = dot + 1;
    }
  }

  static double to_error(const options& o, double v) {
    if (o.error_from == "accuracy") return 100.0 * (1.0 - v);
    if (o.error_from == "accuracy_percent") return 100.0 - v;
    return v;
  }

  static column map_column(const options& o, std::string_view header) {
    if (header == "epoch" || header == "step" || header.ends_with("_step")) return {};
    std::string_view stem = header;
    if (stem.size() > 6 && stem.ends_with("_epoch")) stem.remove_suffix(6);
    for (auto& p : o.test_prefixes) {
      if (stem.size() > p.size() && stem.starts_with(p)) return {0, std::string(stem.substr(p.size()))};
    }
    for (auto& p : o.train_prefixes) {
      if (stem.size() > p.size() && stem.starts_with(p)) return {1, std::string(stem.substr(p.size()))};
    }
    return {1, std::string(stem)};
  }

  static void read_file(const options& o, const log_text& log, job_record& out, std::map<std::int64_t, nlohmann::json> (&by_epoch)[2],
                        column& error_column, bool& error_seen) {
    std::string_view text = log.text;
    std::vector<column> columns;
    std::vector<std::string> header;
    std::size_t epoch_at = std::string::npos;
    int line_no = 0;
    for (std::size_t pos = 0; pos < text.size();) {
      auto eol = text.find('\n', pos);
      bool terminated = eol != std::string_view::npos;
      auto line = text.substr(pos, terminated ? eol - pos : std::string_view::npos);
      pos = terminated ? eol + 1 : text.size();
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty()) continue;
      if (!terminated) {
        out.issue(log.file, line_no, "truncated last line skipped (job still writing?)");
        break;
      }
      auto cells = detail::split_csv_line(line);
      if (columns.empty()) {  // the header
        header = cells;
        for (std::size_t c = 0; c < cells.size(); ++c) {
          auto& col = columns.emplace_back(map_column(o, cells[c]));
          if (cells[c] == "epoch") epoch_at = c;
          // Two columns onto one name (val_loss and val/loss): the later keeps its own name.
          for (std::size_t d = 0; d + 1 < columns.size() && col.type >= 0; ++d) {
            if (columns[d].type == col.type && columns[d].name == col.name) col.name = cells[c];
          }
          if (!o.error_metric.empty() && cells[c] == o.error_metric && col.type >= 0) {
            error_column = col;
            error_seen = true;
          }
        }
        if (epoch_at == std::string::npos) {
          out.issue(log.file, line_no, "no 'epoch' column in the header: file skipped (expected Lightning's CSVLogger metrics.csv)");
          return;
        }
        continue;
      }
      ++out.records;
      if (cells.size() != columns.size()) {
        out.issue(log.file, line_no, fmt::format("row skipped: {} cells, the header has {}", cells.size(), columns.size()));
        continue;
      }
      double epoch_value = 0;
      if (!detail::parse_csv_number(cells[epoch_at], epoch_value) || epoch_value < 0 ||
          epoch_value != std::floor(epoch_value) || epoch_value > 1e9) {
        if (!cells[epoch_at].empty()) {
          out.issue(log.file, line_no, fmt::format("row skipped: expected an epoch number >= 0, got '{}'", cells[epoch_at]));
        }
        continue;  // a row without an epoch (Lightning writes one on every row) has nowhere to go
      }
      auto epoch = static_cast<std::int64_t>(epoch_value);
      for (std::size_t c = 0; c < cells.size(); ++c) {
        auto& col = columns[c];
        if (col.type < 0 || cells[c].empty()) continue;  // sparse rows: empty cells were not logged here
        double v = 0;
        if (!detail::parse_csv_number(cells[c], v)) {
          out.issue(log.file, line_no, fmt::format("cell of '{}' skipped: expected a number, got '{}'", header[c], cells[c]));
          continue;
        }
        auto& fields = by_epoch[col.type][epoch];
        if (fields.is_null()) fields = nlohmann::json::object();
        fields[col.name] = std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();  // a diverged run's nan: null
      }
    }
  }
};

}  // namespace sweep
