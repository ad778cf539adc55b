// Log formats: what turns a job's log files into its entry of sweep.json. A
// format is a type that satisfies sweep::log_format, registered by name
// (collect/log_formats.hpp); COLLECT.FORMAT picks one, and COLLECT.<NAME> holds
// its own keys. collect does what every format shares (finding the started
// jobs, file stamps for the incremental cache, reading the files, stderr, the
// status, writing sweep.json); a format names its files and reads them.
//
//   struct my_format {
//     static constexpr std::string_view name = "my_csv";                 // COLLECT.FORMAT: my_csv
//     struct options { BOOST_HANA_DEFINE_STRUCT(options, (std::string, file)); options() : file("log.csv") {} };
//                                                     // COLLECT.MY_CSV.FILE; or sweep::no_options
//     std::vector<std::string> log_files(const options& o, const sweep::collect_options&) const { return {o.file}; }
//     void read(const options&, const sweep::job_files& job, sweep::job_record& out) const;  // out.add_epoch(...)
//   };
//   SWEEP_REGISTER(sweep::register_log_format<my_format>);
#pragma once

#include <sweep/collect/log_parser.hpp>
#include <sweep/config/sweep_config.hpp>
#include <sweep/config/yaml.hpp>
#include <sweep/error.hpp>
#include <sweep/value.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sweep {

/// @brief One of a job's log files, read whole.
struct log_text {
  std::string file;       // its path, as issues and sweep.json name it
  std::string_view text;  // its contents
};

/// @brief A started job as a log format sees it: its folder, its config and its log files' texts.
struct job_files {
  std::string name;                          // the folder name, NNNNNN (the config's index)
  std::filesystem::path dir;                 // ROOT_DIR/NAME/logs/NNNNNN
  std::filesystem::path cfg_file;            // the job's config as setup wrote it (cfgs/NNNNNN.yaml)
  const collect_options* collect = nullptr;  // COLLECT's keys
  std::vector<log_text> logs;                // the files of log_files() that exist, in their order
};

/// @brief What a log format makes of a job's log: its records by type, its progress and the
/// problems found. Epoch series are added record by record (add_epoch) and become, in
/// sweep.json, `type: {field: [value per epoch], epoch: ["i/max"...], epoch_ind: [...],
/// epoch_max: [...]}` sorted by epoch, as pycls's collect makes them; other types are set
/// in `data` directly (`data["complexity"] = {...}`: pycls keeps a type's first record).
class job_record {
 public:
  /// @brief type -> record (non-epoch types); epoch series join it when collect finishes the job.
  nlohmann::json data = nlohmann::json::object();
  /// @brief The job's progress, last epoch i of max (0/1: no epoch yet); see progress_from.
  std::int64_t epoch_ind = 0, epoch_max = 1;
  /// @brief Records seen in the log (including skipped ones), shown by nothing but tests.
  std::size_t records = 0;
  std::vector<log_issue> issues;

  /// @brief One epoch's record of an epoch type: `epoch` is 1-based, of `max`. A field some
  /// records lack is null in theirs; an epoch logged twice (a requeued job) keeps both, in order.
  void add_epoch(std::string_view type, std::int64_t epoch, std::int64_t max, nlohmann::json fields) {
    auto it = series_.find(type);
    if (it == series_.end()) it = series_.emplace(std::string(type), std::vector<epoch_entry>{}).first;
    if (!fields.is_object()) fields = nlohmann::json::object();
    it->second.push_back({epoch, max, std::move(fields)});
  }

  /// @brief Reports a problem at file:line (line 0: the whole file); the job still counts.
  void issue(std::string file, int line, std::string message) {
    issues.push_back({{std::move(file), line}, std::move(message)});
  }

  /// @brief The last epoch (the largest; the latest of equals) of an epoch type: false if it has none.
  bool last_epoch(std::string_view type, std::int64_t& ind, std::int64_t& max) const {
    auto it = series_.find(type);
    if (it == series_.end() || it->second.empty()) return false;
    const epoch_entry* last = &it->second.front();
    for (auto& e : it->second) {
      if (e.epoch >= last->epoch) last = &e;
    }
    ind = last->epoch;
    max = last->max;
    return true;
  }

  /// @brief Sets the job's progress to the last epoch of `type` (pycls: test_epoch); false if it has none.
  bool progress_from(std::string_view type) { return last_epoch(type, epoch_ind, epoch_max); }

  /// @brief Whether an epoch type has records.
  [[nodiscard]] bool has_epochs(std::string_view type) const { return series_.contains(type); }

  /// @brief Moves the epoch series into `data` as sweep.json holds them (collect calls this).
  void finish() {
    for (auto& [type, entries] : series_) {
      std::stable_sort(entries.begin(), entries.end(), [](auto& a, auto& b) { return a.epoch < b.epoch; });
      std::vector<std::string> fields;
      for (auto& e : entries) {
        for (auto& [k, v] : e.fields.items()) {
          if (std::find(fields.begin(), fields.end(), k) == fields.end()) fields.push_back(k);
        }
      }
      nlohmann::json columns = nlohmann::json::object();
      for (auto& f : fields) {
        auto& column = columns[f] = nlohmann::json::array();
        for (auto& e : entries) {
          auto v = e.fields.find(f);
          column.push_back(v == e.fields.end() ? nlohmann::json() : std::move(*v));
        }
      }
      auto& epoch = columns["epoch"] = nlohmann::json::array();
      auto& ind = columns["epoch_ind"] = nlohmann::json::array();
      auto& max = columns["epoch_max"] = nlohmann::json::array();
      for (auto& e : entries) {
        epoch.push_back(fmt::format("{}/{}", e.epoch, e.max));
        ind.push_back(e.epoch);
        max.push_back(e.max);
      }
      data[type] = std::move(columns);
    }
    series_.clear();
  }

 private:
  struct epoch_entry {
    std::int64_t epoch, max;
    nlohmann::json fields;
  };
  std::map<std::string, std::vector<epoch_entry>, std::less<>> series_;
};

namespace detail {

/// @brief A config value as JSON (for a job's `cfg` record).
inline nlohmann::json value_to_json(const value& v) {
  if (v.is_null()) return nullptr;
  if (v.is_bool()) return v.as_bool();
  if (v.is_int()) return v.as_int();
  if (v.is_float()) return v.as_float();
  if (v.is_string()) return v.as_string();
  nlohmann::json out;
  if (v.is_list()) {
    out = nlohmann::json::array();
    for (auto& item : v.as_list()) out.push_back(value_to_json(item));
  } else {
    out = nlohmann::json::object();
    for (auto& [key, child] : v.as_map()) out[key] = value_to_json(child);
  }
  return out;
}

}  // namespace detail

/// @brief The job's config (what setup wrote for it) as JSON, for its `cfg` record; null, and an
/// issue in `out`, when it cannot be read.
inline nlohmann::json read_job_config(const job_files& job, job_record& out) {
  try {
    return detail::value_to_json(load_yaml_file(job.cfg_file));
  } catch (const error& e) {
    out.issue(job.cfg_file.string(), 0, fmt::format("job config not read ({}): no cfg record", e.message()));
    return nullptr;
  }
}

// The parts of a log format, each checked on its own so a misuse names what is missing.
namespace detail {

template <class F>
concept log_format_has_name = requires {
  { F::name } -> std::convertible_to<std::string_view>;
};

template <class F>
concept log_format_has_options = requires { typename F::options; } && std::default_initializable<typename F::options>;

template <class F>
concept log_format_has_log_files = requires(const F& f, const typename F::options& o, const collect_options& c) {
  { f.log_files(o, c) } -> std::convertible_to<std::vector<std::string>>;
};

template <class F>
concept log_format_has_read = requires(const F& f, const typename F::options& o, const job_files& j, job_record& r) {
  f.read(o, j, r);
};

/// @brief The optional fast path (json_stats has it): the job's sweep.json entry written straight
/// from the log, with per-thread scratch, instead of through read's JSON tree.
template <class F>
concept log_format_writes_entries =
    requires { typename F::scratch; } && std::default_initializable<typename F::scratch> &&
    requires(const F& f, const typename F::options& o, const job_files& j, typename F::scratch& s, job_record& r,
             std::string& entry, std::span<const json_member> extra) { f.write_entry(o, j, s, r, entry, extra); };

}  // namespace detail

/// @brief A log format: `name` (what COLLECT.FORMAT says), `options` (its COLLECT.<NAME> keys: a
/// struct reflected with BOOST_HANA_DEFINE_STRUCT, or sweep::no_options), `log_files` (its files
/// in a job's folder: paths relative to it, `*` matching within one part, e.g.
/// `lightning_logs/version_*/metrics.csv`; the last one that exists is the job's log in the status)
/// and `read` (the files' texts -> the job's record). Optional: `void check(const options&) const`
/// (values the types cannot check: throw sweep::error with the key, collect adds file and line) and
/// `scratch` + `write_entry`, the fast path that writes the job's sweep.json entry itself (see
/// json_stats_format).
template <class F>
concept log_format = std::default_initializable<F> && detail::log_format_has_name<F> &&
                     detail::log_format_has_options<F> && detail::log_format_has_log_files<F> &&
                     detail::log_format_has_read<F>;

}  // namespace sweep
