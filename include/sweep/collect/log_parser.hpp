// Parsing one job's log (pycls's logging.load_log_data + sort_log_data): the
// `json_stats: {...}` records of each type, read with simdjson (nlohmann for the
// records it refuses: NaN, Infinity, bad JSON) into a SAX handler and
// grouped into columns sorted by epoch. Every bad record is reported with its
// file and line and skipped.
#pragma once

#include <sweep/collect/detail/record_reader.hpp>
#include <sweep/config/sweep_config.hpp>
#include <sweep/error.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <map>
#include <span>
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
  friend bool operator==(const log_issue& a, const log_issue& b) {
    return a.where.file == b.where.file && a.where.line == b.where.line && a.message == b.message;
  }
};

/// @brief One job's parsed log: its records by type, and the records that were skipped and why.
struct parsed_log {
  /// @brief type -> {metric: [values by epoch]} for epoch types, type -> first record otherwise.
  nlohmann::json data = nlohmann::json::object();
  std::vector<log_issue> issues;
  /// @brief Tagged lines seen (including skipped types and bad records), to check nothing was lost.
  std::size_t records_seen = 0;
};

/// @brief A member collect writes next to a job's record types in its sweep.json entry
/// (log_file, err_file, err): its key and its value as JSON text.
struct json_member {
  std::string_view key;
  std::string_view text;
};

namespace detail {

/// @brief "i/max" -> (i, max), or false.
inline bool parse_fraction(std::string_view s, std::int64_t& num, std::int64_t& den) {
  auto slash = s.find('/');
  if (slash == std::string_view::npos) return false;
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

/// @brief a == b, inline: collect compares every record's keys, a few bytes each, where a call
/// out to compare and memcmp (which std::string_view's == makes) costs more than the bytes.
inline bool same_text(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

inline std::string join_keys(std::span<const std::string> keys) {
  return fmt::format("[{}]", fmt::join(keys, ", "));
}

using sweep::json_member;

/// @brief One job's log read into columns of JSON text, one per metric of each epoch type, and
/// written straight into the job's sweep.json entry: no DOM is built or freed for the records.
class job_log {
 public:
  /// @brief Reads a log (see parse_job_log), replacing what was read before.
  void read(std::string_view text, const collect_options& opts, const std::string& file_name) {
    for (auto& [type, g] : types_) g.reset();  // kept, with their buffers, for the next job's same types
    issues_.clear();
    records_seen_ = 0;
    auto report = [&](int line, std::string message) { issues_.push_back({{file_name, line}, std::move(message)}); };
    // Skipped types are recognised on the raw text so their (many) records are never parsed.
    std::string type_pattern = nlohmann::json(opts.type_key).dump() + ": \"";
    auto skipped_on_sight = [&](std::string_view payload) {
      auto at = payload.find(type_pattern);
      if (at == std::string_view::npos) return false;
      auto name = payload.substr(at + type_pattern.size());
      for (auto& t : opts.skip_types) {
        if (name.size() > t.size() && name.starts_with(t) && name[t.size()] == '"') return true;
      }
      return false;
    };
    int line_no = 1;  // of text[pos]
    std::size_t pos = 0;
    while (!opts.tag.empty() && pos < text.size()) {
      // Jump from tag to tag; lines without one are only counted.
      auto at = text.find(opts.tag, pos);
      if (at == std::string_view::npos) break;
      line_no += static_cast<int>(std::count(text.data() + pos, text.data() + at, '\n'));
      auto eol = text.find('\n', at);
      bool terminated = eol != std::string_view::npos;
      std::string_view payload =
          text.substr(at + opts.tag.size(), terminated ? eol - at - opts.tag.size() : std::string_view::npos);
      pos = terminated ? eol + 1 : text.size();
      int this_line = line_no;
      if (terminated) ++line_no;
      ++records_seen_;
      if (skipped_on_sight(payload)) continue;
      if (!read_record(payload, text.data() + text.size())) {
        report(this_line, terminated ? fmt::format("corrupt record skipped: {}", reader_.error())
                                     : fmt::format("truncated last line skipped (job still writing?): {}",
                                                   reader_.error()));
        continue;
      }
      if (reader_.top() != nlohmann::json::value_t::object) {
        report(this_line, fmt::format("record skipped: expected a JSON object after '{}', got {}", opts.tag,
                                      nlohmann::json(reader_.top()).type_name()));
        continue;
      }
      add_record(reader_.fields(), opts, this_line, report);
    }
    for (auto& [type, g] : types_) g.sort();
  }

  /// @brief Problems found, in log order, naming the file and line.
  [[nodiscard]] std::vector<log_issue>& issues() noexcept { return issues_; }
  /// @brief Tagged lines seen (including skipped types and bad records).
  [[nodiscard]] std::size_t records_seen() const noexcept { return records_seen_; }

  /// @brief The last epoch (after sorting) of the epoch type `type`: false if it has none.
  bool last_epoch(std::string_view type, std::int64_t& ind, std::int64_t& max) const {
    auto it = types_.find(type);
    if (it == types_.end() || !it->second.active || it->second.rejected || it->second.orders.empty()) return false;
    auto& g = it->second;
    auto& last = g.orders[g.perm.empty() ? g.orders.size() - 1 : g.perm.back()];
    ind = last.epoch_ind;
    max = last.epoch_max;
    return true;
  }

  /// @brief Appends the job's object: each type's columns (epoch types) or first record, and
  /// `extra` members (which win over a type of the same name), keys sorted as nlohmann sorts them.
  void write(std::string& out, std::span<const json_member> extra) const {
    struct member {
      std::string_view key;
      const type_records* type;
      std::string_view text;
    };
    std::vector<member> members;
    members.reserve(types_.size() + extra.size());
    for (auto& [type, g] : types_) {
      std::string_view key = type;  // (clang 14 cannot capture a structured binding)
      bool shadowed = std::any_of(extra.begin(), extra.end(), [&](auto& e) { return e.key == key; });
      if (g.active && !g.rejected && !shadowed) members.push_back({key, &g, {}});
    }
    for (auto& e : extra) members.push_back({e.key, nullptr, e.text});
    std::sort(members.begin(), members.end(), [](auto& a, auto& b) { return a.key < b.key; });
    out += '{';
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (i > 0) out += ',';
      append_json_string(out, members[i].key);
      out += ':';
      if (members[i].type != nullptr) {
        members[i].type->write(out);
      } else {
        out += members[i].text;
      }
    }
    out += '}';
  }

 private:
  // Where an epoch record goes when the columns are sorted by epoch.
  struct order {
    double key;
    std::int64_t epoch_ind, epoch_max, iter_ind, iter_max;
  };

  // A type's records: the first record's text (non-epoch types) or one column per metric.
  struct type_records {
    bool active = false;  // seen in the current log
    int first_line = 0;
    std::vector<std::string> metrics;  // the first record's fields, sorted, without the type
    std::string first;                 // non-epoch types: the first record as JSON text
    std::size_t epoch_at = std::string::npos, iter_at = std::string::npos;
    bool rejected = false;  // already has epoch_ind/epoch_max: cannot be an epoch series
    // Each value's text followed by ',', and where each value's text ends (to reorder them).
    std::vector<std::string> columns;
    std::vector<std::vector<std::uint32_t>> ends;
    std::vector<order> orders;
    std::vector<std::size_t> perm;  // record indices by epoch, when the log's order is not already that

    void reset() {
      active = false;
      first_line = 0;
      metrics.clear();
      first.clear();
      epoch_at = iter_at = std::string::npos;
      rejected = false;
      for (auto& c : columns) c.clear();
      for (auto& e : ends) e.clear();
      orders.clear();
      perm.clear();
    }

    void sort() {
      auto by_key = [&](std::size_t a, std::size_t b) { return orders[a].key < orders[b].key; };
      bool sorted = std::is_sorted(orders.begin(), orders.end(), [](auto& a, auto& b) { return a.key < b.key; });
      if (sorted) return;
      // Stable: records of a repeated epoch (a requeued job) stay whole and in log order.
      perm.resize(orders.size());
      for (std::size_t i = 0; i < perm.size(); ++i) perm[i] = i;
      std::stable_sort(perm.begin(), perm.end(), by_key);
    }

    template <class Each>
    void in_order(Each each) const {
      if (perm.empty()) {
        for (std::size_t i = 0; i < orders.size(); ++i) each(i);
      } else {
        for (auto i : perm) each(i);
      }
    }

    void write(std::string& out) const {
      if (epoch_at == std::string::npos) {
        out += first;
        return;
      }
      // Members: the metrics' columns and the columns made from the epoch (and iter) fields.
      static constexpr std::string_view added[] = {"epoch_ind", "epoch_max", "iter_ind", "iter_max"};
      std::size_t n_added = iter_at == std::string::npos ? 2 : 4;
      std::vector<std::pair<std::string_view, std::size_t>> keys;  // (key, metric index or npos - added index)
      keys.reserve(metrics.size() + n_added);
      for (std::size_t m = 0; m < metrics.size(); ++m) {
        if (std::find(added, added + n_added, metrics[m]) == added + n_added) keys.emplace_back(metrics[m], m);
      }
      for (std::size_t a = 0; a < n_added; ++a) keys.emplace_back(added[a], std::string::npos - a);
      std::sort(keys.begin(), keys.end(), [](auto& a, auto& b) { return a.first < b.first; });
      out += '{';
      bool first_key = true;
      for (auto& [key, m] : keys) {
        if (!first_key) out += ',';
        first_key = false;
        append_json_string(out, key);
        out += ":[";
        if (m < metrics.size()) {
          write_column(out, m);
        } else {
          auto member = std::array{&order::epoch_ind, &order::epoch_max, &order::iter_ind,
                                   &order::iter_max}[std::string::npos - m];
          bool first_value = true;
          in_order([&](std::size_t i) {
            if (!first_value) out += ',';
            first_value = false;
            append_json_integer(out, orders[i].*member);
          });
        }
        out += ']';
      }
      out += '}';
    }

    void write_column(std::string& out, std::size_t m) const {
      auto& text = columns[m];
      if (text.empty()) return;
      if (perm.empty()) {
        out.append(text, 0, text.size() - 1);  // drop the last ','
        return;
      }
      auto& end = ends[m];
      bool first_value = true;
      for (auto i : perm) {
        if (!first_value) out += ',';
        first_value = false;
        std::size_t from = i == 0 ? 0 : end[i - 1];
        out.append(text, from, end[i] - 1 - from);
      }
    }
  };

  /// @brief Parses a record (the log goes on to `text_end`); Python's NaN/Infinity are read as null
  /// rather than losing the record. simdjson reads the common record; nlohmann what it refuses.
  bool read_record(std::string_view payload, const char* text_end) {
    auto padded = padded_slice(payload, text_end, scratch_);
    if (reader_.read_flat(padded) || reader_.read_fast(padded)) return true;
    if (reader_.read(payload)) return true;
    if (payload.find("NaN") == std::string_view::npos && payload.find("Infinity") == std::string_view::npos) {
      return false;
    }
    if (reader_.read(python_nonfinite_to_null(payload))) return true;
    reader_.read(payload);  // for the error of the text as written (rare: a truly corrupt record)
    return false;
  }

  template <class Report>
  void add_record(std::span<const field_view> fields, const collect_options& opts, int this_line, Report& report) {
    auto type_it = std::find_if(fields.begin(), fields.end(), [&](auto& f) { return same_text(f.key, opts.type_key); });
    if (type_it == fields.end() || !type_it->is_string) {
      report(this_line, fmt::format("record skipped: expected a string field \"{}\" naming its type", opts.type_key));
      return;
    }
    std::string_view type = type_it->str;
    if (std::find(opts.skip_types.begin(), opts.skip_types.end(), type) != opts.skip_types.end()) return;
    auto type_at = static_cast<std::size_t>(type_it - fields.begin());
    auto& g = group_of(type);
    bool first = !g.active;
    if (first) {
      g.active = true;
      g.first_line = this_line;
      for (std::size_t k = 0; k < fields.size(); ++k) {
        if (k != type_at) g.metrics.emplace_back(fields[k].key);
      }
      auto index_of = [&](std::string_view key) {
        auto it = std::find(g.metrics.begin(), g.metrics.end(), key);
        return it == g.metrics.end() ? std::string::npos : static_cast<std::size_t>(it - g.metrics.begin());
      };
      g.epoch_at = index_of(opts.epoch_key);
      if (g.epoch_at != std::string::npos) {
        g.iter_at = index_of("iter");
        if (g.columns.size() < g.metrics.size()) {
          g.columns.resize(g.metrics.size());
          g.ends.resize(g.metrics.size());
        }
        if (index_of("epoch_ind") != std::string::npos || index_of("epoch_max") != std::string::npos) {
          g.rejected = true;
          report(this_line, fmt::format("records of {}={} skipped: they already have epoch_ind or epoch_max fields",
                                        opts.type_key, type));
        }
      }
    }
    if (g.rejected) return;
    // pycls requires every record of a type to have the first one's fields.
    bool same = fields.size() == g.metrics.size() + 1;
    for (std::size_t k = 0, m = 0; same && k < fields.size(); ++k) {
      if (k != type_at) same = same_text(fields[k].key, g.metrics[m++]);
    }
    if (!same) {
      std::vector<std::string> keys;
      for (std::size_t k = 0; k < fields.size(); ++k) {
        if (k != type_at) keys.emplace_back(fields[k].key);
      }
      report(this_line, fmt::format("record of {}={} skipped: fields {} differ from the first record's {} (line {})",
                                    opts.type_key, type, join_keys(keys), join_keys(g.metrics), g.first_line));
      return;
    }
    auto field = [&](std::size_t m) -> const field_view& { return fields[m < type_at ? m : m + 1]; };
    if (g.epoch_at == std::string::npos) {
      // pycls keeps a non-epoch type's first record only.
      if (first) {
        g.first += '{';
        for (std::size_t m = 0; m < g.metrics.size(); ++m) {
          if (m > 0) g.first += ',';
          append_json_string(g.first, g.metrics[m]);
          g.first += ':';
          g.first += field(m).text;
        }
        g.first += '}';
      }
      return;
    }
    order x{0, 0, 0, 0, 0};
    auto& epoch = field(g.epoch_at);
    if (!epoch.is_string || !parse_fraction(epoch.str, x.epoch_ind, x.epoch_max)) {
      report(this_line, fmt::format("record of {}={} skipped: expected \"{}\" as \"i/max\", got {}", opts.type_key,
                                    type, opts.epoch_key, epoch.text));
      return;
    }
    x.key = static_cast<double>(x.epoch_ind);
    if (g.iter_at != std::string::npos) {
      auto& iter = field(g.iter_at);
      if (!iter.is_string || !parse_fraction(iter.str, x.iter_ind, x.iter_max)) {
        report(this_line, fmt::format("record of {}={} skipped: expected \"iter\" as \"i/max\", got {}",
                                      opts.type_key, type, iter.text));
        return;
      }
      x.key += (static_cast<double>(x.iter_ind) - 1) / static_cast<double>(x.iter_max);  // no int overflow at INT64_MIN
    }
    g.orders.push_back(x);
    for (std::size_t m = 0; m < g.metrics.size(); ++m) {
      auto& column = g.columns[m];
      column += field(m).text;
      column += ',';
      g.ends[m].push_back(static_cast<std::uint32_t>(column.size()));
    }
  }

  /// @brief The records of `type`, made on its first record. A log cycles through a few types
  /// (train_epoch, test_epoch, ...): those met last are found without a walk of the map.
  type_records& group_of(std::string_view type) {
    for (auto& [key, group] : recent_) {
      if (group != nullptr && same_text(key, type)) return *group;
    }
    auto it = types_.find(type);
    if (it == types_.end()) it = types_.emplace(type, type_records{}).first;
    recent_[recent_next_++ % recent_.size()] = {it->first, &it->second};  // map nodes never move
    return it->second;
  }

  std::map<std::string, type_records, std::less<>> types_;  // kept from job to job, never erased
  std::array<std::pair<std::string_view, type_records*>, 4> recent_{};
  std::size_t recent_next_ = 0;
  std::vector<log_issue> issues_;
  std::size_t records_seen_ = 0;
  record_reader reader_;
  std::string scratch_;  // the last record of a log, copied with room after it for simdjson
};

}  // namespace detail

/// @brief Parses a job's log text as pycls's collect does: every line holding `opts.tag` carries a
/// JSON record; records of `opts.skip_types` are left out; each other type's records become
/// columns sorted by epoch (adding epoch_ind, epoch_max) or, with no epoch field, its first record.
/// Bad records (corrupt or truncated JSON, no type, fields unlike the type's first record, a bad
/// epoch) are skipped and reported in `issues`, naming `file_name` and the line.
inline parsed_log parse_job_log(std::string_view text, const collect_options& opts,
                                const std::string& file_name) {
  detail::job_log log;
  log.read(text, opts, file_name);
  std::string json_text;
  log.write(json_text, {});
  parsed_log out;
  out.data = nlohmann::json::parse(json_text);
  out.issues = std::move(log.issues());
  out.records_seen = log.records_seen();
  return out;
}

}  // namespace sweep
