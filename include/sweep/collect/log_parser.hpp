// Parsing one job's log (pycls's logging.load_log_data + sort_log_data): the
// `json_stats: {...}` records of each type, grouped into columns sorted by
// epoch. Every bad record is reported with its file and line and skipped.
#pragma once

#include <sweep/config/sweep_config.hpp>
#include <sweep/error.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sweep {

/// @brief A problem found in a job's files: where (file, line; 0 when it is about the whole file) and what.
struct log_issue {
  source_location where;
  std::string message;

  /// @brief `file:line: message`, like sweep::error.
  [[nodiscard]] std::string to_string() const {
    return where.line > 0 ? fmt::format("{}:{}: {}", where.file, where.line, message)
                          : fmt::format("{}: {}", where.file, message);
  }
  friend bool operator==(const log_issue&, const log_issue&) = default;
};

/// @brief One job's parsed log: its records by type, and the records that were skipped and why.
struct parsed_log {
  /// @brief type -> {metric: [values by epoch]} for epoch types, type -> first record otherwise.
  nlohmann::json data = nlohmann::json::object();
  std::vector<log_issue> issues;
  /// @brief Tagged lines seen (including skipped types and bad records), to check nothing was lost.
  std::size_t records_seen = 0;
};

namespace detail {

/// @brief "i/max" -> (i, max), or false.
inline bool parse_fraction(const nlohmann::json& j, std::int64_t& num, std::int64_t& den) {
  if (!j.is_string()) return false;
  auto& s = j.get_ref<const std::string&>();
  auto slash = s.find('/');
  if (slash == std::string::npos) return false;
  const char* begin = s.data();
  const char* end = begin + s.size();
  auto a = std::from_chars(begin, begin + slash, num);
  auto b = std::from_chars(begin + slash + 1, end, den);
  return a.ec == std::errc{} && a.ptr == begin + slash && b.ec == std::errc{} && b.ptr == end && den > 0;
}

/// @brief The text with Python's NaN/Infinity/-Infinity tokens (outside strings) made null, which
/// standard JSON (and nlohmann) cannot read but pycls's simplejson writes for diverged runs.
inline std::string python_nonfinite_to_null(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size()) {
        out += text[++i];
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') in_string = true;
    std::string_view rest = text.substr(i);
    if (rest.starts_with("NaN")) {
      out += "null";
      i += 2;
    } else if (rest.starts_with("-Infinity")) {
      out += "null";
      i += 8;
    } else if (rest.starts_with("Infinity")) {
      out += "null";
      i += 7;
    } else {
      out += c;
    }
  }
  return out;
}

/// @brief Parses one record; an empty optional-like `discarded` json with `why` set on failure.
inline nlohmann::json parse_record(std::string_view text, std::string& why) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_discarded()) return j;
  if (text.find("NaN") != std::string_view::npos || text.find("Infinity") != std::string_view::npos) {
    j = nlohmann::json::parse(python_nonfinite_to_null(text), nullptr, false);
    if (!j.is_discarded()) return j;
  }
  try {
    auto again = nlohmann::json::parse(text);
    why = "unknown parse error";
  } catch (const nlohmann::json::parse_error& e) {
    why = e.what();
    // nlohmann's text starts "[json.exception.parse_error.101] parse error at ..."
    if (auto pos = why.find("] "); pos != std::string::npos) why.erase(0, pos + 2);
  }
  return j;
}

/// @brief The keys of an object, in its (sorted) order.
inline std::vector<std::string_view> keys_of(const nlohmann::json& record) {
  std::vector<std::string_view> keys;
  keys.reserve(record.size());
  for (auto it = record.begin(); it != record.end(); ++it) keys.emplace_back(it.key());
  return keys;
}

inline std::string join_keys(const std::vector<std::string_view>& keys) {
  return fmt::format("[{}]", fmt::join(keys, ", "));
}

}  // namespace detail

/// @brief Parses a job's log text as pycls's collect does: every line holding `opts.tag` carries a
/// JSON record; records of `opts.skip_types` are left out; each other type's records become
/// columns sorted by epoch (adding epoch_ind, epoch_max) or, with no epoch field, its first record.
/// Bad records (corrupt or truncated JSON, no type, fields unlike the type's first record, a bad
/// epoch) are skipped and reported in `issues`, naming `file_name` and the line.
inline parsed_log parse_job_log(std::string_view text, const collect_options& opts,
                                const std::string& file_name) {
  parsed_log out;
  struct tagged {
    int line;
    nlohmann::json record;
  };
  std::map<std::string, std::vector<tagged>, std::less<>> by_type;
  auto report = [&](int line, std::string message) {
    out.issues.push_back({{file_name, line}, std::move(message)});
  };
  // Skipped types are recognised on the raw text so their (many) records are never parsed.
  std::vector<std::string> skip_patterns;
  for (auto& t : opts.skip_types) {
    skip_patterns.push_back(nlohmann::json(opts.type_key).dump() + ": " + nlohmann::json(t).dump());
  }

  std::string why;
  int line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    ++line_no;
    auto eol = text.find('\n', pos);
    bool terminated = eol != std::string_view::npos;
    std::string_view line = text.substr(pos, terminated ? eol - pos : std::string_view::npos);
    pos = terminated ? eol + 1 : text.size();
    auto at = opts.tag.empty() ? std::string_view::npos : line.find(opts.tag);
    if (at == std::string_view::npos) continue;
    ++out.records_seen;
    std::string_view payload = line.substr(at + opts.tag.size());
    bool skip = false;
    for (auto& p : skip_patterns) {
      if (payload.find(p) != std::string_view::npos) {
        skip = true;
        break;
      }
    }
    if (skip) continue;
    why.clear();
    auto record = detail::parse_record(payload, why);
    if (record.is_discarded()) {
      report(line_no, terminated ? fmt::format("corrupt record skipped: {}", why)
                                 : fmt::format("truncated last line skipped (job still writing?): {}", why));
      continue;
    }
    if (!record.is_object()) {
      report(line_no, fmt::format("record skipped: expected a JSON object after '{}', got {}", opts.tag,
                                  record.type_name()));
      continue;
    }
    auto type_it = record.find(opts.type_key);
    if (type_it == record.end() || !type_it->is_string()) {
      report(line_no, fmt::format("record skipped: expected a string field \"{}\" naming its type", opts.type_key));
      continue;
    }
    std::string type = type_it->get<std::string>();
    if (std::find(opts.skip_types.begin(), opts.skip_types.end(), type) != opts.skip_types.end()) continue;
    record.erase(type_it);
    by_type[type].push_back({line_no, std::move(record)});
  }

  for (auto& [type, records] : by_type) {
    // pycls requires every record of a type to have the first one's fields.
    auto metrics = detail::keys_of(records.front().record);
    int first_line = records.front().line;
    std::vector<tagged*> kept;
    kept.reserve(records.size());
    for (auto& r : records) {
      if (&r != &records.front() && detail::keys_of(r.record) != metrics) {
        report(r.line, fmt::format("record of {}={} skipped: fields {} differ from the first record's {} (line {})",
                                   opts.type_key, type, detail::join_keys(detail::keys_of(r.record)),
                                   detail::join_keys(metrics), first_line));
        continue;
      }
      kept.push_back(&r);
    }
    nlohmann::json& slot = out.data[type];
    if (!records.front().record.contains(opts.epoch_key)) {
      slot = std::move(records.front().record);
      continue;
    }
    if (records.front().record.contains("epoch_ind") || records.front().record.contains("epoch_max")) {
      report(first_line, fmt::format("records of {}={} skipped: they already have epoch_ind or epoch_max fields",
                                     opts.type_key, type));
      out.data.erase(type);
      continue;
    }
    bool has_iter = records.front().record.contains("iter");
    struct row {
      double key;
      std::int64_t epoch_ind, epoch_max, iter_ind, iter_max;
      tagged* rec;
    };
    std::vector<row> rows;
    rows.reserve(kept.size());
    for (auto* r : kept) {
      row x{0, 0, 0, 0, 0, r};
      if (!detail::parse_fraction(r->record[opts.epoch_key], x.epoch_ind, x.epoch_max)) {
        report(r->line, fmt::format("record of {}={} skipped: expected \"{}\" as \"i/max\", got {}", opts.type_key,
                                    type, opts.epoch_key, r->record[opts.epoch_key].dump()));
        continue;
      }
      x.key = static_cast<double>(x.epoch_ind);
      if (has_iter) {
        if (!detail::parse_fraction(r->record["iter"], x.iter_ind, x.iter_max)) {
          report(r->line, fmt::format("record of {}={} skipped: expected \"iter\" as \"i/max\", got {}",
                                      opts.type_key, type, r->record["iter"].dump()));
          continue;
        }
        x.key += static_cast<double>(x.iter_ind - 1) / static_cast<double>(x.iter_max);
      }
      rows.push_back(x);
    }
    // Stable: records of a repeated epoch (a requeued job) stay whole and in log order.
    std::stable_sort(rows.begin(), rows.end(), [](const row& a, const row& b) { return a.key < b.key; });
    slot = nlohmann::json::object();
    for (auto m : metrics) {
      auto& column = slot[std::string(m)] = nlohmann::json::array();
      column.get_ref<nlohmann::json::array_t&>().reserve(rows.size());
      for (auto& x : rows) column.push_back(std::move(x.rec->record[std::string(m)]));
    }
    auto add_column = [&](const char* name, auto member) {
      auto& column = slot[name] = nlohmann::json::array();
      for (auto& x : rows) column.push_back(x.*member);
    };
    add_column("epoch_ind", &row::epoch_ind);
    add_column("epoch_max", &row::epoch_max);
    if (has_iter) {
      add_column("iter_ind", &row::iter_ind);
      add_column("iter_max", &row::iter_max);
    }
  }
  return out;
}

}  // namespace sweep
