// A sweep's jobs as the analysis sees them: sweep.json (written by pycls's
// collect or ours, same format) read with simdjson into columns of the fields
// the analysis reads (a cell per job, nlohmann::json values: the type reports
// use), the jobs without the error record set aside, and pycls's augmented
// fields (aug.lr_wd, aug.done, aug.ema_gain) added.
#pragma once

#include <sweep/analyze/metrics.hpp>
#include <sweep/base/files.hpp>
#include <sweep/base/limits.hpp>
#include <sweep/base/parallel.hpp>
#include <sweep/base/simdjson_sax.hpp>
#include <sweep/error.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <filesystem>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace sweep {

/// @brief A sweep.json's text, shared by the jobs that point into it (see job::text), whatever holds
/// its bytes: a string, or the mapped file (file_bytes).
using shared_text = std::shared_ptr<const std::string_view>;

/// @brief `view` shared as long as `owner` (which holds its bytes) is.
template <class Owner>
shared_text share_text(std::shared_ptr<Owner> owner, std::string_view view) {
  struct held {
    std::shared_ptr<Owner> owner;
    std::string_view view;
  };
  auto h = std::make_shared<const held>(held{std::move(owner), view});
  return {h, &h->view};  // aliasing: points at the view, owns the pair
}

/// @brief The fields a load kept of a sweep's jobs: a column per dotted key kept, a cell per job
/// (load_options::fields; a load of everything keeps one column, "", of whole records); and the
/// metrics looked up while loading (load_options::metrics), a column of numbers each. Compact: a
/// number is a 16-byte cell (a metric's 8 bytes), where a tree per job would be a map node per level.
class job_columns {
 public:
  /// @brief Columns for `keys` (sorted, none under another: see detail::column_keys) and for the
  /// metrics named `metrics`.
  explicit job_columns(std::vector<std::string> keys, std::vector<std::string> metrics = {})
      : keys_(std::move(keys)), cells_(keys_.size()), metrics_(std::move(metrics)), numbers_(metrics_.size()) {}

  [[nodiscard]] const std::vector<std::string>& keys() const noexcept { return keys_; }
  [[nodiscard]] const std::vector<std::string>& metrics() const noexcept { return metrics_; }
  [[nodiscard]] std::size_t rows() const noexcept { return rows_; }

  /// @brief Room for `rows` jobs (a column grown by doubling holds up to twice its cells).
  void reserve(std::size_t rows) {
    for (auto& column : cells_) column.reserve(rows);
    for (auto& column : numbers_) column.reserve(rows);
  }

  /// @brief Adds a job: its cells (one per key, in the keys' order; a discarded value where it has
  /// no such field), moved from `row`, and its metrics' numbers (in the metrics' order); its row.
  std::size_t add_row(std::vector<nlohmann::json>& row, const std::vector<double>& numbers = {}) {
    for (std::size_t c = 0; c < cells_.size(); ++c) cells_[c].push_back(std::move(row[c]));
    for (std::size_t m = 0; m < numbers_.size(); ++m) numbers_[m].push_back(numbers[m]);
    return rows_++;
  }

  /// @brief The number of metric `name` of a row, when the load looked it up; else nullptr.
  [[nodiscard]] const double* number(std::size_t row, std::string_view name) const {
    auto it = std::find(metrics_.begin(), metrics_.end(), name);  // a dozen names: a scan beats a map
    return it == metrics_.end() ? nullptr : &numbers_[static_cast<std::size_t>(it - metrics_.begin())][row];
  }

  /// @brief The field at dotted key `dotted` of a row: a column's cell, or a field inside one (a
  /// column keeps all under its key); nullptr when the job has none or no column holds it.
  [[nodiscard]] const nlohmann::json* find(std::size_t row, std::string_view dotted) const {
    if (keys_.size() == 1 && keys_.front().empty()) return in_cell(0, row, dotted);  // whole records
    for (std::size_t dot = 0;; ++dot) {
      dot = dotted.find('.', dot);
      auto key = dotted.substr(0, dot);
      auto it = std::lower_bound(keys_.begin(), keys_.end(), key);
      if (it != keys_.end() && *it == key) {
        auto rest = dot == std::string_view::npos ? std::string_view() : dotted.substr(dot + 1);
        return in_cell(static_cast<std::size_t>(it - keys_.begin()), row, rest);
      }
      if (dot == std::string_view::npos) return nullptr;
    }
  }

 private:
  [[nodiscard]] const nlohmann::json* in_cell(std::size_t column, std::size_t row, std::string_view dotted) const {
    const auto& cell = cells_[column][row];
    if (cell.is_discarded()) return nullptr;
    return dotted.empty() ? &cell : find_field(cell, dotted);
  }

  std::vector<std::string> keys_;
  std::vector<std::vector<nlohmann::json>> cells_;  // [column][row]
  std::vector<std::string> metrics_;
  std::vector<std::vector<double>> numbers_;  // [metric][row]
  std::size_t rows_ = 0;
};

/// @brief One analysed job: its number ("000059", from its log folder), fields and error.
struct job {
  std::string id;
  std::shared_ptr<const job_columns> columns;  // its sweep's, shared: filters and splits copy jobs cheaply
  std::size_t row = 0;                         // its cells in them
  double error = 0;
  /// @brief When the load kept only the fields an analysis reads (load_options::fields), the
  /// sweep.json text and this job's element in it, to read the whole record again (whole_record).
  shared_text text;
  std::string_view source;
  /// @brief Metric values looked up after the load (by metric name; those the load looked up are
  /// columns): a report reads each several times. Shared by the copies; not thread-safe.
  std::shared_ptr<std::unordered_map<std::string, double>> memo = std::make_shared<std::unordered_map<std::string, double>>();

  /// @brief The field at a dotted key (`cfg.OPTIM.BASE_LR`; "" for the whole record of a job loaded
  /// whole), as find_field gives it; nullptr when the job has none or the load left it out.
  [[nodiscard]] const nlohmann::json* field(std::string_view dotted) const {
    return columns ? columns->find(row, dotted) : nullptr;
  }
};

/// @brief A job of a whole record, as a load of everything makes it (for records built in code).
inline job make_job(std::string id, nlohmann::json record, double error = 0) {
  auto columns = std::make_shared<job_columns>(std::vector<std::string>{""});
  std::vector<nlohmann::json> row{std::move(record)};
  job j;
  j.id = std::move(id);
  j.row = columns->add_row(row);
  j.columns = std::move(columns);
  j.error = error;
  return j;
}

/// @brief A named population of jobs (a sweep, or one part of a split).
struct sweep_data {
  std::string name;
  std::string file;                  // the sweep.json it came from
  std::vector<job> jobs;             // jobs with the error record
  std::vector<std::string> skipped;  // ids of jobs without it
};

/// @brief Which columns of the jobs' epoch records to load. The epoch records (`train_epoch`,
/// `test_epoch`, ...: one list per metric, a value per epoch) are most of a sweep.json, and an
/// analysis reads few of their columns: leaving the others out while parsing saves building and
/// freeing most of the JSON tree. Other records (cfg, complexity, ...) are always loaded whole.
class epoch_columns {
 public:
  /// @brief Every column.
  epoch_columns() = default;
  /// @brief The columns that these dotted keys read (`test_epoch.top1_err` reads column top1_err of
  /// record test_epoch), and epoch_ind and epoch_max; a key naming a whole record keeps all of it.
  explicit epoch_columns(const std::vector<std::string>& dotted_keys) : all_(false) {
    for (auto& key : dotted_keys) add(key);
  }

  /// @brief Keeps the column (or record) a dotted key reads too.
  void add(std::string_view dotted_key) {
    if (all_) return;
    auto dot = dotted_key.find('.');
    auto record = dotted_key.substr(0, dot);
    if (dot == std::string_view::npos) {
      whole_.emplace(record);
    } else {
      auto column = dotted_key.substr(dot + 1);
      columns_[std::string(record)].emplace(column.substr(0, column.find('.')));
    }
  }

  /// @brief Whether every column is loaded.
  [[nodiscard]] bool all() const noexcept { return all_; }

  /// @brief Whether column `column` of record `record` is loaded (records not named `*_epoch` always are).
  [[nodiscard]] bool keeps(std::string_view record, std::string_view column) const {
    if (all_ || !record.ends_with("_epoch") || column == "epoch_ind" || column == "epoch_max") return true;
    if (whole_.find(record) != whole_.end()) return true;
    auto it = columns_.find(record);
    return it != columns_.end() && it->second.find(column) != it->second.end();
  }

 private:
  bool all_ = true;
  std::set<std::string, std::less<>> whole_;
  std::map<std::string, std::set<std::string, std::less<>>, std::less<>> columns_;
};

/// @brief Which fields of a job's record to keep, at any depth: all (the default), or those the
/// dotted keys name (`cfg.OPTIM.BASE_LR`, `test_epoch.top1_err`, `complexity`) with all under them.
class record_fields {
 public:
  /// @brief What of one field is kept.
  enum class keep { none, part, whole };

  /// @brief Every field.
  record_fields() = default;
  /// @brief The fields these dotted keys name.
  explicit record_fields(const std::vector<std::string>& dotted_keys) : all_(false) {
    for (auto& key : dotted_keys) add(key);
  }

  /// @brief Keeps the field a dotted key names too.
  void add(std::string_view dotted_key) {
    if (!all_) keys_.emplace(dotted_key);
  }
  /// @brief Whether every field is kept.
  [[nodiscard]] bool all() const noexcept { return all_; }
  /// @brief The dotted keys kept (none when all are).
  [[nodiscard]] const std::set<std::string, std::less<>>& keys() const noexcept { return keys_; }

  /// @brief What of the field at dotted `path` is kept, when no field above it is kept whole.
  [[nodiscard]] keep of(std::string_view path) const {
    if (all_) return keep::whole;
    for (auto it = keys_.lower_bound(path); it != keys_.end() && it->starts_with(path); ++it) {
      if (it->size() == path.size()) return keep::whole;
      if ((*it)[path.size()] == '.') return keep::part;  // a field under it
    }
    return keep::none;
  }

 private:
  bool all_ = true;
  std::set<std::string, std::less<>> keys_;
};

/// @brief What of each job to load for an analysis (the default: everything, nothing looked up).
struct load_options {
  epoch_columns columns;             // the epoch columns kept (and always those load_jobs reads)
  std::vector<metric_info> metrics;  // looked up while loading (into job_columns), on every core
  /// @brief Unless all: the jobs keep only these fields (and aug's), as columns; the epoch columns and
  /// fields loading reads are dropped once read. A job's whole record is read again on demand
  /// (whole_record): a report draws curves and models of a few jobs only.
  record_fields fields;
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

/// @brief The fields augment adds under `aug`.
inline constexpr std::array<std::string_view, 3> aug_fields = {"lr_wd", "done", "ema_gain"};

/// @brief The metrics a load looks up into columns: `opts.metrics` but the error (job::error) and repeats.
inline std::vector<metric_info> looked_up(const load_options& opts) {
  std::vector<metric_info> out;
  for (auto& info : opts.metrics) {
    bool seen = std::any_of(out.begin(), out.end(), [&](auto& m) { return m.name == info.name; });
    if (info.name != "error" && !seen) out.push_back(info);
  }
  return out;
}

/// @brief The columns a load of `fields` keeps: "" (whole records) when all; else the keys and
/// augment's fields, sorted, without those under another key (its column holds them).
inline std::vector<std::string> column_keys(const record_fields& fields) {
  if (fields.all()) return {""};
  std::set<std::string, std::less<>> keys = fields.keys();
  for (auto name : aug_fields) keys.insert(fmt::format("aug.{}", name));
  std::vector<std::string> out;
  for (auto& key : keys) {
    bool under_another = false;
    for (auto dot = key.find('.'); dot != std::string::npos && !under_another; dot = key.find('.', dot + 1)) {
      under_another = keys.find(std::string_view(key).substr(0, dot)) != keys.end();
    }
    if (!under_another) out.push_back(key);
  }
  return out;
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

}  // namespace detail

namespace detail {

/// @brief Finds the elements of a top-level JSON list by tracking brackets and strings only
/// (each element is then parsed, and any syntax error reported, on its own), calling
/// `element(begin, end)` for each byte range; false when the text is not one balanced list.
template <class OnElement>
bool scan_list(std::string_view text, OnElement element) {
  std::size_t i = text.find_first_not_of(" \t\r\n", text.starts_with("\xEF\xBB\xBF") ? 3 : 0);  // after a BOM, as nlohmann
  if (i == std::string_view::npos || text[i] != '[') return false;
  // The bytes that can matter where the scan is (in a string; inside a job; between jobs); the
  // others (mostly digits and the commas inside jobs) are passed over one table lookup each.
  static constexpr auto structural = [] {
    std::array<std::array<bool, 256>, 3> table{};
    for (std::size_t state = 0; state < 3; ++state) {
      for (unsigned char c : std::string_view(state == 0 ? "\"\\" : state == 1 ? "\"[]{}" : "\"[]{},")) table[state][c] = true;
    }
    return table;
  }();
  int depth = 0;
  bool in_string = false, after_comma = false;
  std::size_t start = i + 1;
  for (; i < text.size(); ++i) {
    const auto& matters = structural[in_string ? 0 : depth == 1 ? 2 : 1];
    while (i < text.size() && !matters[static_cast<unsigned char>(text[i])]) ++i;
    if (i == text.size()) break;
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
        if (c != ']') return false;  // "[{}}": balanced in number only (inside elements, nlohmann checks)
        // "[]" has no element; "[{},]" has an empty last one, which nlohmann then refuses.
        if (after_comma || text.substr(start, i - start).find_first_not_of(" \t\r\n") != std::string_view::npos) {
          element(start, i);
        }
        break;
      }
    } else if (c == ',' && depth == 1) {
      element(start, i);
      start = i + 1;
      after_comma = true;
    }
  }
  return depth == 0 && text.substr(std::min(i + 1, text.size())).find_first_not_of(" \t\r\n") == std::string_view::npos;
}

/// @brief SAX handler (fed by simdjson, or nlohmann for what simdjson refuses) that builds a job's
/// JSON tree as nlohmann::json::parse does, but leaves out the epoch columns `columns` does not
/// keep: they are read (and so checked), never built or freed.
class job_tree_builder {
 public:
  using json = nlohmann::json;

  explicit job_tree_builder(const epoch_columns& columns, const record_fields* fields = nullptr)
      : columns_(columns), fields_(fields != nullptr && !fields->all() ? fields : nullptr) {}
  explicit job_tree_builder(epoch_columns&&, const record_fields* = nullptr) = delete;  // it keeps a reference

  json tree;
  std::size_t error_byte = 0;  // where nlohmann stopped, and why
  std::string error_message;
  bool too_deep = false;       // stopped at max_depth (no error_byte)
  int max_depth = max_json_depth;  // of what is parsed: one job (a whole sweep.json list: one more)

  bool null() { return add(json(nullptr)); }
  bool boolean(bool b) { return add(json(b)); }
  bool number_integer(json::number_integer_t v) { return add(json(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return add(json(v)); }
  bool number_float(json::number_float_t v, const json::string_t& /*lexeme*/) { return add(json(v)); }
  bool string(json::string_t& v) { return add(json(std::move(v))); }
  bool binary(json::binary_t& v) { return add(json(std::move(v))); }
  bool start_object(std::size_t /*unknown*/) { return open(json::value_t::object); }
  bool start_array(std::size_t /*unknown*/) { return open(json::value_t::array); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(json::string_t& k) {
    if (skipping_ > 0) return true;
    if (!(fields_ != nullptr ? keeps_field(k) : keeps_column(k))) {
      skip_next_ = true;
      return true;
    }
    slot_ = &(*open_.back())[k];  // a repeated key: the last value wins, as in nlohmann's tree
    return true;
  }
  /// @brief For simdjson_sax_reader (see skipping_sax): the next value, or all of the open one, is left out.
  [[nodiscard]] bool skips_value() const noexcept { return skip_next_ || skipping_ > 0; }
  bool skipped_scalar() {
    skip_next_ = false;
    return true;
  }
  bool parse_error(std::size_t byte, const std::string& /*token*/, const json::exception& e) {
    error_byte = byte;
    error_message = e.what();
    return false;
  }

 private:
  bool add(json&& v) {
    if (skipping_ > 0 || std::exchange(skip_next_, false)) return true;
    place(std::move(v));
    return true;
  }

  /// @brief Puts a value where it goes (the root, the end of the open list, or the last key's slot).
  json* place(json&& v) {
    if (open_.empty()) {
      tree = std::move(v);
      return &tree;
    }
    json& parent = *open_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(v));
      return &parent.back();
    }
    *slot_ = std::move(v);
    return slot_;
  }

  bool keeps_column(const std::string& k) {
    if (open_.size() == 1) {
      record_ = k;  // a record of the job: cfg, test_epoch, ...
      return true;
    }
    return open_.size() != 2 || columns_.keeps(record_, k);
  }

  /// @brief Under a map kept in part, whether key `k` is kept (and whether in part: `part_next_`).
  bool keeps_field(const std::string& k) {
    part_next_ = false;
    if (!part_.back().first) return true;  // inside a field kept whole
    path_.resize(part_.back().second);
    if (!path_.empty()) path_ += '.';
    path_ += k;
    auto keep = fields_->of(path_);
    part_next_ = keep == record_fields::keep::part;
    return keep != record_fields::keep::none;
  }

  bool open(json::value_t kind) {
    // The tree's copies, dumps and comparisons recurse once per level: refuse what would overflow the stack.
    if (open_.size() + static_cast<std::size_t>(skipping_) >= static_cast<std::size_t>(max_depth)) {
      too_deep = true;
      error_message = fmt::format("a job record nested more than {} levels deep: expected at most {} levels",
                                  max_json_depth, max_json_depth);
      return false;  // nlohmann's sax_parse stops here and returns false (error_byte is not known)
    }
    if (skipping_ > 0 || std::exchange(skip_next_, false)) {
      ++skipping_;
    } else {
      // Kept in part: the job's map (when fields are chosen), or a map a chosen key goes into.
      bool in_map = !open_.empty() && open_.back()->is_object();
      bool part = kind == json::value_t::object && (open_.empty() ? fields_ != nullptr : in_map && part_next_);
      part_.emplace_back(part, path_.size());
      open_.push_back(place(json(kind)));
    }
    return true;
  }

  bool close() {
    if (skipping_ > 0) {
      --skipping_;
    } else {
      open_.pop_back();
      part_.pop_back();
    }
    return true;
  }

  const epoch_columns& columns_;
  const record_fields* fields_;  // chosen fields (then columns_ is not used), or nullptr
  std::vector<json*> open_;  // the open objects and lists, outermost first
  std::vector<std::pair<bool, std::size_t>> part_;  // for each: kept in part? and its path's length
  std::string path_;         // dotted path of the last key under a map kept in part
  bool part_next_ = false;   // the last key's value is kept in part
  json* slot_ = nullptr;     // the value of the last key read
  std::string record_;
  bool skip_next_ = false;   // the next value is a column left out
  int skipping_ = 0;         // nesting depth inside a left-out value
};

/// @brief A sweep.json element made into a job (its cells in `row`, one per column key, and its
/// metrics in `numbers`, until they go into the sweep's columns); `analysed` false when it lacks
/// the error record.
struct loaded_job {
  job loaded;
  std::vector<nlohmann::json> row;
  std::vector<double> numbers;
  bool analysed = false;
};

/// @brief A list's elements, handed out to parse as the scan finds them (the scan of 160 MB
/// runs beside the parsing, not before it), each with the slot its job goes into.
class element_feed {
 public:
  struct element {
    std::size_t index, begin, end;
    loaded_job* slot;
  };

  /// @brief Adds a batch of found elements (one wake-up per batch).
  void add(const std::vector<std::pair<std::size_t, std::size_t>>& batch) {
    if (batch.empty()) return;
    {
      std::lock_guard lock(m_);
      ranges_.insert(ranges_.end(), batch.begin(), batch.end());
      jobs_.resize(ranges_.size());
    }
    cv_.notify_all();
  }

  /// @brief No more elements will come.
  void close() {
    {
      std::lock_guard lock(m_);
      closed_ = true;
    }
    cv_.notify_all();
  }

  /// @brief The next element to parse, in list order; nothing once the feed is closed and drained.
  std::optional<element> next() {
    std::unique_lock lock(m_);
    cv_.wait(lock, [&] { return next_ < ranges_.size() || closed_; });
    if (next_ == ranges_.size()) return std::nullopt;
    auto [b, e] = ranges_[next_];
    element out{next_, b, e, &jobs_[next_]};  // a deque's elements stay where they are as it grows
    ++next_;
    return out;
  }

  /// @brief The jobs, in list order (once every element is parsed).
  std::deque<loaded_job>& jobs() noexcept { return jobs_; }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::pair<std::size_t, std::size_t>> ranges_;
  std::deque<loaded_job> jobs_;
  std::size_t next_ = 0;
  bool closed_ = false;
};

/// @brief Reads one sweep.json element into a fresh builder from `make`: simdjson reads it, and
/// what simdjson refuses nlohmann reads again (its tree, or its error in the builder). `ok`: valid JSON.
template <class Make>
job_tree_builder read_element(simdjson_sax_reader& reader, std::string& scratch, std::string_view bytes,
                              const char* text_end, Make make, bool& ok) {
  auto fast = make();
  ok = reader.parse(padded_slice(bytes, text_end, scratch), fast);
  if (ok) return fast;
  auto checked = make();
  ok = nlohmann::json::sax_parse(bytes.begin(), bytes.end(), &checked);
  return checked;
}

/// @brief Parses a sweep.json list into jobs (ids, errors, augmented fields, the numbers of
/// `metrics`: see looked_up, the cells of `keys`: see column_keys) on every core, each while its tree is fresh in cache; the
/// calling thread first finds the elements (see read_element). `owner` holds `text` when jobs keep
/// chosen fields only (they point into it). Nothing when the text is not one balanced list.
inline std::optional<std::deque<loaded_job>> load_jobs(std::string_view text, const shared_text& owner,
                                                       const std::string& file_name, std::string_view error_key,
                                                       const load_options& opts, const std::vector<metric_info>& metrics,
                                                       const std::vector<std::string>& keys) {
  auto error_record = error_key.substr(0, error_key.find('.'));
  auto error_info = get_metric_info("error", error_key);
  // Kept whatever `opts` says: what loading itself reads (the error, the metrics, augment's inputs),
  // dropped again afterwards when the fields are chosen.
  auto columns = opts.columns;
  auto fields = opts.fields;
  std::vector<std::string> reads = {std::string(error_key), "log_file", "test_epoch.epoch_ind", "test_epoch.epoch_max",
                                    fmt::format("{}.epoch_ind", error_record), fmt::format("{}.epoch_max", error_record)};
  for (auto& m : opts.metrics) reads.push_back(m.key);
  for (auto* m : {"error_tst", "error_ema", "lr", "wd"}) reads.push_back(get_metric_info(m).key);
  for (auto& key : reads) {
    columns.add(key);
    fields.add(key);
  }

  element_feed feed;
  bool balanced = false;
  auto threads = threads_for(text.size(), std::size_t{1} << 20);  // one thread below 1 MB
  std::vector<std::pair<std::size_t, std::exception_ptr>> failures(threads, {SIZE_MAX, nullptr});
  run_on_threads(threads, [&](std::size_t t) {
    if (t == 0) {
      struct closer {
        element_feed& feed;
        ~closer() { feed.close(); }  // even if the scan throws: the others must not wait forever
      } closes{feed};
      std::vector<std::pair<std::size_t, std::size_t>> batch;
      balanced = scan_list(text, [&](std::size_t b, std::size_t e) {
        batch.emplace_back(b, e);
        if (batch.size() == 32) {
          feed.add(batch);
          batch.clear();
        }
      });
      feed.add(batch);
    }
    simdjson_sax_reader reader;
    std::string scratch;
    while (auto element = feed.next()) {
      auto k = element->index;
      try {
        auto bytes = text.substr(element->begin, element->end - element->begin);
        bool ok = false;
        auto builder = read_element(reader, scratch, bytes, text.data() + text.size(),
                                    [&] { return job_tree_builder(columns, &fields); }, ok);
        if (!ok) {
          if (builder.too_deep) {
            auto start = std::min(text.find_first_not_of(" \t\r\n", element->begin), element->end);  // the job's first byte
            throw error({file_name, line_of(text, start)}, fmt::format("[{}]", k), builder.error_message);
          }
          throw error({file_name, line_of(text, element->begin + builder.error_byte - 1)}, fmt::format("[{}]", k),
                      fmt::format("not valid JSON: {}", builder.error_message));
        }
        auto& record = builder.tree;
        if (!record.is_object()) throw error({file_name, 0}, fmt::format("[{}]", k), "expected a job record (a map)");
        auto& j = element->slot->loaded;
        j.id = job_id(record, k);
        j.error = find_field(record, error_record) ? metric_number(record, error_info) : std::nan("");
        if (std::isnan(j.error)) continue;
        augment(record, error_record);
        auto& numbers = element->slot->numbers;
        for (auto& info : metrics) numbers.push_back(metric_number(record, info));
        auto& row = element->slot->row;
        if (opts.fields.all()) {
          row.push_back(std::move(record));
        } else {
          j.text = owner;
          j.source = bytes;
          row.reserve(keys.size());
          for (auto& key : keys) {
            auto* f = const_cast<nlohmann::json*>(find_field(record, key));  // record is ours: its fields move out
            row.push_back(f != nullptr ? std::move(*f) : nlohmann::json(nlohmann::json::value_t::discarded));
          }
        }
        element->slot->analysed = true;
      } catch (...) {
        // Each thread takes elements in list order: the smallest of the threads' first failures is the file's first.
        failures[t] = {k, std::current_exception()};
        return;
      }
    }
  });
  if (!balanced) return std::nullopt;
  auto first = std::min_element(failures.begin(), failures.end(), [](auto& a, auto& b) { return a.first < b.first; });
  if (first->second) std::rethrow_exception(first->second);
  return std::move(feed.jobs());
}

}  // namespace detail

namespace detail {

inline sweep_data parse_sweep(std::string_view text, const shared_text& owner, std::string file_name,
                              std::string name, std::string_view error_key, const load_options& opts) {
  text = text.substr(0, text.find('\0'));  // where nlohmann's parser stops too (a zero-filled tail after a crash)
  auto metrics = looked_up(opts);
  auto keys = column_keys(opts.fields);
  auto all = load_jobs(text, owner, file_name, error_key, opts, metrics, keys);
  if (!all) {
    // Not one balanced list: let nlohmann say what is wrong (bad syntax, a number out of range), and where.
    const epoch_columns every_column;
    job_tree_builder whole(every_column);
    whole.max_depth = max_json_depth + 1;  // the list around the jobs
    if (!nlohmann::json::sax_parse(text.data(), text.data() + text.size(), &whole)) {
      if (whole.too_deep) throw error({file_name, 0}, "", whole.error_message);
      throw error({file_name, line_of(text, whole.error_byte)}, "", fmt::format("not valid JSON: {}", whole.error_message));
    }
    throw error({file_name, 1}, "", fmt::format("expected a JSON list of job records, got {}", whole.tree.type_name()));
  }
  sweep_data sweep{std::move(name), file_name, {}, {}};
  sweep.jobs.reserve(all->size());
  std::vector<std::string> metric_names;
  for (auto& info : metrics) metric_names.push_back(info.name);
  auto columns = std::make_shared<job_columns>(std::move(keys), std::move(metric_names));
  columns->reserve(all->size());
  for (auto& [j, row, numbers, analysed] : *all) {
    if (analysed) {
      j.row = columns->add_row(row, numbers);
      j.columns = columns;
      row = {};  // its cells moved: free the row now, not with the whole deque
      sweep.jobs.push_back(std::move(j));
    } else {
      sweep.skipped.push_back(std::move(j.id));
    }
  }
  return sweep;
}

}  // namespace detail

/// @brief Parses sweep.json text into jobs: those with the record of `error_key` are analysed
/// (augmented, their error cached), the others are counted in `skipped`. `opts` says what of
/// each job to keep and look up (see analysis_reads for what a report needs); when it chooses
/// the fields, the jobs keep the text (shared, not copied) to read whole records again.
inline sweep_data parse_sweep(const shared_text& text, std::string file_name, std::string name,
                              std::string_view error_key = "test_ema_epoch.min_top1_err", const load_options& opts = {}) {
  std::string_view view = text ? *text : std::string_view();
  auto owner = opts.fields.all() ? nullptr : text;  // whole records: nothing to read again
  return detail::parse_sweep(view, owner, std::move(file_name), std::move(name), error_key, opts);
}

/// @brief Parses sweep.json text held by a string (see above).
inline sweep_data parse_sweep(const std::shared_ptr<const std::string>& text, std::string file_name, std::string name,
                              std::string_view error_key = "test_ema_epoch.min_top1_err", const load_options& opts = {}) {
  return parse_sweep(text ? share_text(text, *text) : nullptr, std::move(file_name), std::move(name), error_key, opts);
}

/// @brief Parses sweep.json text (see above); chosen fields make the jobs keep a copy of the text.
inline sweep_data parse_sweep(std::string_view text, std::string file_name, std::string name,
                              std::string_view error_key = "test_ema_epoch.min_top1_err", const load_options& opts = {}) {
  if (!opts.fields.all()) return parse_sweep(std::make_shared<const std::string>(text), std::move(file_name), std::move(name), error_key, opts);
  return detail::parse_sweep(text, nullptr, std::move(file_name), std::move(name), error_key, opts);
}

/// @brief Loads a sweep.json file (see parse_sweep), mapped rather than read (see file_bytes).
inline sweep_data load_sweep(const std::filesystem::path& file, std::string name,
                             std::string_view error_key = "test_ema_epoch.min_top1_err", const load_options& opts = {}) {
  auto bytes = std::make_shared<const file_bytes>(file);
  return parse_sweep(share_text(bytes, bytes->view()), file.string(), std::move(name), error_key, opts);
}

/// @brief A job's whole record (with its `aug`): the loaded one, or when the load kept chosen
/// fields only, read again from sweep.json (for the few jobs a report draws in full).
inline std::shared_ptr<const nlohmann::json> whole_record(const job& j) {
  if (!j.text) return j.columns ? std::shared_ptr<const nlohmann::json>(j.columns, j.field("")) : nullptr;
  const epoch_columns every_column;
  detail::simdjson_sax_reader reader;
  std::string scratch;
  bool ok = false;
  auto builder = detail::read_element(reader, scratch, j.source, j.text->data() + j.text->size(),
                                      [&] { return detail::job_tree_builder(every_column); }, ok);
  // The element was read once already (and is valid JSON); its aug is the loaded one.
  auto& aug = builder.tree["aug"] = nlohmann::json::object();
  for (auto name : detail::aug_fields) {
    if (const auto* v = j.field(fmt::format("aug.{}", name))) aug[std::string(name)] = *v;
  }
  return std::make_shared<const nlohmann::json>(std::move(builder.tree));
}

/// @brief A metric's number for one job: its column, when the load looked it up; else looked up
/// once (see job::memo).
inline double job_number(const job& j, const metric_info& info) {
  if (info.name == "error") return j.error;
  if (const double* v = j.columns ? j.columns->number(j.row, info.name) : nullptr) return *v;
  auto [it, fresh] = j.memo->try_emplace(info.name, 0.0);
  if (fresh) it->second = metric_number(j.field(info.key), info);
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
    auto* desc = j.field("cfg.DESC");
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
