// The json_stats log format (pycls's, the default of COLLECT.FORMAT): lines
// `json_stats: {...}` in the job's stdout.log. Its keys are COLLECT's own
// (LOG_FILE, TAG, TYPE_KEY, EPOCH_KEY, SKIP_TYPES, PROGRESS_TYPE), as in pycls.
// Besides `read` it has the fast path: the job's sweep.json entry is written
// straight from the log's columns (detail::job_log), with no JSON tree.
#pragma once

#include <sweep/collect/log_format.hpp>
#include <sweep/collect/log_parser.hpp>
#include <sweep/config/components.hpp>
#include <sweep/config/sweep_config.hpp>

#include <nlohmann/json.hpp>

#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sweep {

/// @brief pycls's `json_stats: {...}` lines (see docs/collect.md).
struct json_stats_format {
  static constexpr std::string_view name = "json_stats";
  /// @brief No COLLECT.JSON_STATS keys: the format reads COLLECT's own.
  using options = no_options;
  /// @brief The parser's buffers, kept from job to job on each thread.
  struct scratch {
    detail::job_log log;
    std::size_t entry_capacity = 0;
  };

  std::vector<std::string> log_files(const options&, const collect_options& collect) const { return {collect.log_file}; }

  void read(const options&, const job_files& job, job_record& out) const {
    for (auto& log : job.logs) {
      auto parsed = parse_job_log(log.text, *job.collect, log.file);
      for (auto& [type, record] : parsed.data.items()) out.data[type] = std::move(record);
      out.issues.insert(out.issues.end(), std::make_move_iterator(parsed.issues.begin()),
                        std::make_move_iterator(parsed.issues.end()));
      out.records += parsed.records_seen;
      auto* progress = parsed.data.contains(job.collect->progress_type) ? &out.data[job.collect->progress_type] : nullptr;
      if (progress != nullptr && progress->contains("epoch_ind") && !(*progress)["epoch_ind"].empty()) {
        out.epoch_ind = (*progress)["epoch_ind"].back().get<std::int64_t>();
        out.epoch_max = (*progress)["epoch_max"].back().get<std::int64_t>();
      }
    }
  }

  void write_entry(const options&, const job_files& job, scratch& s, job_record& out, std::string& entry,
                   std::span<const json_member> extra) const {
    std::string_view text = job.logs.empty() ? std::string_view{} : job.logs.front().text;
    const std::string& file = job.logs.empty() ? job.collect->log_file : job.logs.front().file;
    s.log.read(text, *job.collect, file);
    out.records = s.log.records_seen();
    out.issues.insert(out.issues.end(), std::make_move_iterator(s.log.issues().begin()),
                      std::make_move_iterator(s.log.issues().end()));
    s.log.last_epoch(job.collect->progress_type, out.epoch_ind, out.epoch_max);
    // Written into a buffer sized like the last job's (entry_writer frees it once written).
    entry.reserve(s.entry_capacity);
    s.log.write(entry, extra);
    s.entry_capacity = entry.size() + entry.size() / 8;
  }
};

}  // namespace sweep
