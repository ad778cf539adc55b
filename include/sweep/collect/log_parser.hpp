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

/// @brief A record's field; the key points into the log text or into a parsed record.
struct field_view {
  std::string_view key;
  nlohmann::json value;
};

inline bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/// @brief A JSON number at s[i] (RFC 8259 grammar), as nlohmann would store it; false when it is
/// not one or does not fit (then nlohmann's parser, which has the last word, sees the record).
inline bool scan_number(std::string_view s, std::size_t& i, nlohmann::json& out) {
  auto digits = [&] {
    std::size_t from = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > from;
  };
  std::size_t start = i;
  bool is_float = false;
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    is_float = true;
    ++i;
    if (!digits()) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    is_float = true;
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  const char* first = s.data() + start;
  const char* last = s.data() + i;
  if (is_float) {
    double d = 0;
    auto r = std::from_chars(first, last, d);
    if (r.ec != std::errc{} || r.ptr != last) return false;
    out = d;
  } else if (*first == '-') {
    std::int64_t v = 0;
    auto r = std::from_chars(first, last, v);
    if (r.ec != std::errc{} || r.ptr != last) return false;
    out = v;
  } else {
    std::uint64_t v = 0;
    auto r = std::from_chars(first, last, v);
    if (r.ec != std::errc{} || r.ptr != last) return false;
    out = v;
  }
  return true;
}

/// @brief A plain string at s[i] (just after its opening quote): ASCII, no escapes, no control
/// characters; anything else is left to nlohmann's parser.
inline bool scan_plain_string(std::string_view s, std::size_t& i, std::string_view& out) {
  std::size_t from = i;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '"') {
      out = s.substr(from, i - from);
      ++i;
      return true;
    }
    if (c == '\\' || c < 0x20 || c >= 0x80) return false;
    ++i;
  }
  return false;
}

/// @brief The fast path for the common record, a flat object of plain scalars (what pycls writes
/// for every type but cfg): fills `fields` and returns true, or false to defer to nlohmann.
inline bool scan_flat_record(std::string_view s, std::vector<field_view>& fields) {
  fields.clear();
  std::size_t i = 0;
  auto skip_space = [&] {
    while (i < s.size() && is_json_space(s[i])) ++i;
  };
  auto literal = [&](std::string_view word) {
    if (s.substr(i, word.size()) != word) return false;
    i += word.size();
    return true;
  };
  skip_space();
  if (i >= s.size() || s[i] != '{') return false;
  ++i;
  skip_space();
  if (i < s.size() && s[i] == '}') {
    ++i;
  } else {
    for (;;) {
      if (i >= s.size() || s[i] != '"') return false;
      ++i;
      auto& f = fields.emplace_back();
      if (!scan_plain_string(s, i, f.key)) return false;
      skip_space();
      if (i >= s.size() || s[i] != ':') return false;
      ++i;
      skip_space();
      if (i >= s.size()) return false;
      char c = s[i];
      if (c == '"') {
        ++i;
        std::string_view text;
        if (!scan_plain_string(s, i, text)) return false;
        f.value = std::string(text);
      } else if (c == '-' || (c >= '0' && c <= '9')) {
        if (!scan_number(s, i, f.value)) return false;
      } else if (literal("true")) {
        f.value = true;
      } else if (literal("false")) {
        f.value = false;
      } else if (!literal("null")) {
        return false;  // nested values, NaN, ...: nlohmann's parser decides
      }
      skip_space();
      if (i < s.size() && s[i] == ',') {
        ++i;
        skip_space();
        continue;
      }
      if (i < s.size() && s[i] == '}') {
        ++i;
        break;
      }
      return false;
    }
  }
  skip_space();
  if (i != s.size()) return false;
  // Keys sorted (as pycls writes them) and unique, else nlohmann's rules (sorted, last one wins) apply.
  for (std::size_t k = 1; k < fields.size(); ++k) {
    if (!(fields[k - 1].key < fields[k].key)) return false;
  }
  return true;
}

inline std::string join_keys(const std::vector<std::string>& keys) {
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
  // Where an epoch record goes when the columns are sorted by epoch.
  struct order {
    double key;
    std::int64_t epoch_ind, epoch_max, iter_ind, iter_max;
  };
  // A type's records, appended straight into its columns (no per-record storage).
  struct type_records {
    int first_line = 0;
    std::vector<std::string> metrics;  // the first record's fields, sorted, without the type
    nlohmann::json first = nlohmann::json::object();  // non-epoch types: the first record
    std::size_t epoch_at = std::string::npos, iter_at = std::string::npos;
    bool rejected = false;  // already has epoch_ind/epoch_max: cannot be an epoch series
    std::vector<nlohmann::json::array_t> columns;
    std::vector<order> orders;
  };
  std::map<std::string, type_records, std::less<>> by_type;
  auto report = [&](int line, std::string message) {
    out.issues.push_back({{file_name, line}, std::move(message)});
  };
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

  std::string why;
  std::vector<detail::field_view> fields;
  nlohmann::json parsed;  // the slow path's record, which `fields` then points into
  int line_no = 1;        // of text[pos]
  std::size_t pos = 0;
  while (!opts.tag.empty() && pos < text.size()) {
    // Jump from tag to tag; lines without one are only counted.
    auto at = text.find(opts.tag, pos);
    if (at == std::string_view::npos) break;
    auto bol = text.rfind('\n', at);
    bol = (bol == std::string_view::npos || bol < pos) ? pos : bol + 1;
    line_no += static_cast<int>(std::count(text.data() + pos, text.data() + bol, '\n'));
    auto eol = text.find('\n', at);
    bool terminated = eol != std::string_view::npos;
    std::string_view payload =
        text.substr(at + opts.tag.size(), terminated ? eol - at - opts.tag.size() : std::string_view::npos);
    pos = terminated ? eol + 1 : text.size();
    int this_line = line_no;
    if (terminated) ++line_no;
    ++out.records_seen;
    if (skipped_on_sight(payload)) continue;
    if (!detail::scan_flat_record(payload, fields)) {
      why.clear();
      parsed = detail::parse_record(payload, why);
      if (parsed.is_discarded()) {
        report(this_line, terminated ? fmt::format("corrupt record skipped: {}", why)
                                     : fmt::format("truncated last line skipped (job still writing?): {}", why));
        continue;
      }
      if (!parsed.is_object()) {
        report(this_line, fmt::format("record skipped: expected a JSON object after '{}', got {}", opts.tag,
                                      parsed.type_name()));
        continue;
      }
      fields.clear();
      for (auto it = parsed.begin(); it != parsed.end(); ++it) fields.push_back({it.key(), std::move(it.value())});
    }
    auto type_it = std::find_if(fields.begin(), fields.end(), [&](auto& f) { return f.key == opts.type_key; });
    if (type_it == fields.end() || !type_it->value.is_string()) {
      report(this_line, fmt::format("record skipped: expected a string field \"{}\" naming its type", opts.type_key));
      continue;
    }
    auto& type = type_it->value.get_ref<const std::string&>();
    if (std::find(opts.skip_types.begin(), opts.skip_types.end(), type) != opts.skip_types.end()) continue;
    auto group = by_type.find(type);
    bool first = group == by_type.end();
    if (first) {
      group = by_type.emplace(type, type_records{}).first;
      auto& g = group->second;
      g.first_line = this_line;
      for (auto& f : fields) {
        if (&f != &*type_it) g.metrics.emplace_back(f.key);
      }
      auto index_of = [&](std::string_view key) {
        auto it = std::find(g.metrics.begin(), g.metrics.end(), key);
        return it == g.metrics.end() ? std::string::npos : static_cast<std::size_t>(it - g.metrics.begin());
      };
      g.epoch_at = index_of(opts.epoch_key);
      if (g.epoch_at != std::string::npos) {
        g.iter_at = index_of("iter");
        g.columns.resize(g.metrics.size());
        if (index_of("epoch_ind") != std::string::npos || index_of("epoch_max") != std::string::npos) {
          g.rejected = true;
          report(this_line, fmt::format("records of {}={} skipped: they already have epoch_ind or epoch_max fields",
                                        opts.type_key, type));
        }
      }
    }
    auto& g = group->second;
    if (g.rejected) continue;
    // pycls requires every record of a type to have the first one's fields.
    bool same = fields.size() == g.metrics.size() + 1;
    for (std::size_t k = 0, m = 0; same && k < fields.size(); ++k) {
      if (&fields[k] == &*type_it) continue;
      same = fields[k].key == g.metrics[m++];
    }
    if (!same) {
      std::vector<std::string> keys;
      for (auto& f : fields) {
        if (&f != &*type_it) keys.emplace_back(f.key);
      }
      report(this_line, fmt::format("record of {}={} skipped: fields {} differ from the first record's {} (line {})",
                                    opts.type_key, type, detail::join_keys(keys), detail::join_keys(g.metrics),
                                    g.first_line));
      continue;
    }
    auto value = [&](std::size_t m) -> nlohmann::json& {
      return fields[m < static_cast<std::size_t>(type_it - fields.begin()) ? m : m + 1].value;
    };
    if (g.epoch_at == std::string::npos) {
      // pycls keeps a non-epoch type's first record only.
      if (first) {
        for (std::size_t m = 0; m < g.metrics.size(); ++m) g.first[g.metrics[m]] = std::move(value(m));
      }
      continue;
    }
    order x{0, 0, 0, 0, 0};
    if (!detail::parse_fraction(value(g.epoch_at), x.epoch_ind, x.epoch_max)) {
      report(this_line, fmt::format("record of {}={} skipped: expected \"{}\" as \"i/max\", got {}", opts.type_key,
                                    type, opts.epoch_key, value(g.epoch_at).dump()));
      continue;
    }
    x.key = static_cast<double>(x.epoch_ind);
    if (g.iter_at != std::string::npos) {
      if (!detail::parse_fraction(value(g.iter_at), x.iter_ind, x.iter_max)) {
        report(this_line, fmt::format("record of {}={} skipped: expected \"iter\" as \"i/max\", got {}",
                                      opts.type_key, type, value(g.iter_at).dump()));
        continue;
      }
      x.key += static_cast<double>(x.iter_ind - 1) / static_cast<double>(x.iter_max);
    }
    g.orders.push_back(x);
    for (std::size_t m = 0; m < g.metrics.size(); ++m) g.columns[m].push_back(std::move(value(m)));
  }

  for (auto& [type, g] : by_type) {
    if (g.rejected) continue;
    if (g.epoch_at == std::string::npos) {
      out.data[type] = std::move(g.first);
      continue;
    }
    auto by_key = [](const order& a, const order& b) { return a.key < b.key; };
    if (!std::is_sorted(g.orders.begin(), g.orders.end(), by_key)) {
      // Stable: records of a repeated epoch (a requeued job) stay whole and in log order.
      std::vector<std::size_t> perm(g.orders.size());
      for (std::size_t i = 0; i < perm.size(); ++i) perm[i] = i;
      std::stable_sort(perm.begin(), perm.end(), [&](auto a, auto b) { return by_key(g.orders[a], g.orders[b]); });
      auto permute = [&](auto& v) {
        std::remove_reference_t<decltype(v)> sorted;
        sorted.reserve(v.size());
        for (auto i : perm) sorted.push_back(std::move(v[i]));
        v = std::move(sorted);
      };
      for (auto& column : g.columns) permute(column);
      permute(g.orders);
    }
    auto& slot = out.data[type] = nlohmann::json::object();
    for (std::size_t m = 0; m < g.metrics.size(); ++m) slot[g.metrics[m]] = std::move(g.columns[m]);
    auto add_column = [&](const char* name, auto member) {
      nlohmann::json::array_t column;
      column.reserve(g.orders.size());
      for (auto& x : g.orders) column.emplace_back(x.*member);
      slot[name] = std::move(column);
    };
    add_column("epoch_ind", &order::epoch_ind);
    add_column("epoch_max", &order::epoch_max);
    if (g.iter_at != std::string::npos) {
      add_column("iter_ind", &order::iter_ind);
      add_column("iter_max", &order::iter_max);
    }
  }
  return out;
}

}  // namespace sweep
