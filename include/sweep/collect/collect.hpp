// Collecting a sweep (pycls's tools/sweep_collect.py): parse every job's log
// in parallel, write sweep.json atomically, delete old checkpoints. Re-collecting
// reparses only the logs that changed: a cache next to sweep.json keeps each
// job's file stamps, status and the byte range of its entry in sweep.json.
#pragma once

#include <sweep/collect/detail/files.hpp>
#include <sweep/collect/log_parser.hpp>
#include <sweep/collect/status.hpp>
#include <sweep/config/sweep_config.hpp>
#include <sweep/error.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace sweep {

/// @brief Called with (jobs parsed so far, jobs to parse), from the calling thread, at most ~10 times a second.
using collect_progress = std::function<void(std::size_t done, std::size_t total)>;

/// @brief How to run a collect (the sweep config says what to collect).
struct collect_run_options {
  std::size_t threads = 0;    // 0: the sweep config's NUM_PROC
  bool incremental = true;    // reuse the cache for logs that did not change
  bool write = true;          // false: only read the status (no sweep.json, cache or checkpoint changes)
  collect_progress progress;  // optional
};

/// @brief The name of the cache file kept next to sweep.json.
inline constexpr std::string_view collect_cache_name = "sweep_collect_cache.json";

namespace detail {

/// @brief A job's entry in sweep.json and what the status needs, made from its log and stderr.
struct collected_job {
  job_status status;
  file_stamp log_stamp, err_stamp;
  std::string entry;          // its JSON text in sweep.json (when parsed now)
  std::string_view old_entry;  // or its text in the previous sweep.json (when cached)
};

/// @brief What a worker thread reuses from job to job: the log text and the parser's buffers.
struct collect_scratch {
  std::string buffer;  // the log text, at its front (see read_whole_file)
  job_log log;
  std::size_t entry_capacity = 0;
};

/// @brief Parses one job: the log's records plus log_file, err_file and err (the stderr text),
/// written straight into the job's sweep.json entry.
inline void collect_job(collected_job& job, const collect_options& opts, collect_scratch& scratch) {
  auto& st = job.status;
  st.issues.clear();
  st.epoch_ind = 0;
  st.epoch_max = 1;
  std::size_t size = 0;
  if (!read_whole_file(st.log_file, scratch.buffer, size)) {
    st.issues.push_back({{st.log_file, 0}, "cannot read the log; job counted with no records"});
    size = 0;
  } else if (size == 0) {
    st.issues.push_back({{st.log_file, 0}, "empty log (job started, nothing written yet)"});
  }
  auto& log = scratch.log;
  log.read({scratch.buffer.data(), size}, opts, st.log_file);
  st.records = log.records_seen();
  st.issues.insert(st.issues.end(), std::make_move_iterator(log.issues().begin()),
                   std::make_move_iterator(log.issues().end()));
  log.last_epoch(opts.progress_type, st.epoch_ind, st.epoch_max);
  std::string err;
  if (!job.err_stamp.exists) {
    st.issues.push_back({{st.err_file, 0}, "missing (err left empty)"});
  } else if (!read_file_into(st.err_file, err)) {
    st.issues.push_back({{st.err_file, 0}, "cannot read (err left empty)"});
    err.clear();
  }
  st.has_err = !err.empty();
  // Logs and paths are arbitrary bytes: bad UTF-8 becomes U+FFFD instead of failing the dump.
  auto as_json = [](std::string text) {
    return nlohmann::json(std::move(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  std::string err_text = as_json(std::move(err)), err_file = as_json(st.err_file), log_file = as_json(st.log_file);
  const json_member extra[] = {{"err", err_text}, {"err_file", err_file}, {"log_file", log_file}};
  // Written into a buffer sized like the last job's, handed over whole (entry_writer frees it once written).
  job.entry.clear();
  job.entry.reserve(scratch.entry_capacity);
  log.write(job.entry, extra);
  scratch.entry_capacity = job.entry.size() + job.entry.size() / 8;
}

/// @brief The parts of COLLECT and the folder that shape sweep.json: a cache made under others is stale.
inline std::string cache_key(const std::filesystem::path& dir, const collect_options& o) {
  nlohmann::json k = {{"dir", dir.string()},      {"log_file", o.log_file},   {"err_file", o.err_file},
                      {"tag", o.tag},             {"type_key", o.type_key},   {"epoch_key", o.epoch_key},
                      {"skip", o.skip_types},     {"progress", o.progress_type}};
  return k.dump();
}

/// @brief A cached job: its stamps, status and the byte range of its entry in sweep.json.
struct cached_job {
  file_stamp log_stamp, err_stamp;
  job_status status;
  std::size_t offset = 0, length = 0;
};

/// @brief The layout of a job's row in the cache (rows, not objects: it is read on every collect).
inline constexpr const char* cache_columns[] = {"name",      "log_size",  "log_mtime_ns", "err_size", "err_mtime_ns",
                                                "epoch_ind", "epoch_max", "has_err",      "records",  "offset",
                                                "length",    "issues"};

/// @brief The cache if it belongs to this sweep.json (same key, same stamp), else nothing.
inline std::unordered_map<std::string, cached_job> load_cache(const std::filesystem::path& cache_file,
                                                              const std::string& key, const file_stamp& sweep_stamp) {
  std::unordered_map<std::string, cached_job> jobs;
  std::string text;
  if (!sweep_stamp.exists || !read_file_into(cache_file.string(), text)) return jobs;
  try {
    auto c = nlohmann::json::parse(text);
    if (c.at("version") != 2 || c.at("key") != key ||
        file_stamp{true, c.at("sweep_json").at(0).get<std::int64_t>(), c.at("sweep_json").at(1).get<std::int64_t>()} !=
            sweep_stamp) {
      return jobs;
    }
    auto& rows = c.at("jobs");
    jobs.reserve(rows.size());
    for (auto& j : rows) {
      cached_job cj;
      auto& st = cj.status;
      st.name = j.at(0).get<std::string>();
      cj.log_stamp = {true, j.at(1).get<std::int64_t>(), j.at(2).get<std::int64_t>()};
      if (!j.at(3).is_null()) cj.err_stamp = {true, j.at(3).get<std::int64_t>(), j.at(4).get<std::int64_t>()};
      st.epoch_ind = j.at(5).get<std::int64_t>();
      st.epoch_max = j.at(6).get<std::int64_t>();
      st.has_err = j.at(7).get<bool>();
      st.records = j.at(8).get<std::size_t>();
      cj.offset = j.at(9).get<std::size_t>();
      cj.length = j.at(10).get<std::size_t>();
      for (auto& i : j.at(11)) {
        st.issues.push_back({{i.at(0).get<std::string>(), i.at(1).get<int>()}, i.at(2).get<std::string>()});
      }
      jobs.emplace(st.name, std::move(cj));
    }
  } catch (const nlohmann::json::exception&) {
    jobs.clear();  // an unreadable cache only costs a full collect
  }
  return jobs;
}

/// @brief Where a job's entry is in sweep.json (byte offset and length).
struct entry_range {
  std::size_t offset = 0, length = 0;
};

inline std::string cache_text(const std::string& key, const file_stamp& sweep_stamp,
                              const std::vector<collected_job>& jobs, const std::vector<entry_range>& ranges) {
  nlohmann::json rows = nlohmann::json::array();
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    auto& job = jobs[i];
    auto& st = job.status;
    nlohmann::json issues = nlohmann::json::array();
    for (auto& is : st.issues) issues.push_back({is.where.file, is.where.line, is.message});
    nlohmann::json err_size, err_mtime;
    if (job.err_stamp.exists) {
      err_size = job.err_stamp.size;
      err_mtime = job.err_stamp.mtime_ns;
    }
    rows.push_back({st.name, job.log_stamp.size, job.log_stamp.mtime_ns, err_size, err_mtime, st.epoch_ind,
                    st.epoch_max, st.has_err, st.records, ranges[i].offset, ranges[i].length, std::move(issues)});
  }
  nlohmann::json c = {{"version", 2},
                      {"key", key},
                      {"sweep_json", {sweep_stamp.size, sweep_stamp.mtime_ns}},
                      {"columns", cache_columns},
                      {"jobs", std::move(rows)}};
  return c.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

/// @brief Writes sweep.json while its jobs are still being parsed: each entry goes into the
/// temporary file (then is freed) as soon as it and all before it are ready, so the 160 MB of a
/// 10,000-job sweep are written by whichever worker finds the next entry ready, not afterwards.
class entry_writer {
 public:
  entry_writer(const std::filesystem::path& target, std::vector<collected_job>& jobs)
      : file_(target), jobs_(jobs), ready_(jobs.size()), ranges_(jobs.size()) {
    file_.write("[");
  }

  /// @brief Job i's entry (or old_entry) is final; writes what is ready unless another thread is at it.
  void ready(std::size_t i) {
    ready_[i].store(true, std::memory_order_release);
    std::unique_lock lock(m_, std::try_to_lock);
    if (lock.owns_lock()) write_ready();
  }

  /// @brief Once every job is ready: writes the rest, closes the list and renames the file into place.
  const std::vector<entry_range>& commit() {
    std::lock_guard lock(m_);
    write_ready();
    if (next_ != jobs_.size()) throw std::logic_error("entry_writer::commit before every job is ready");
    file_.write("]");
    file_.commit();
    return ranges_;
  }

 private:
  void write_ready() {
    for (; next_ < jobs_.size() && ready_[next_].load(std::memory_order_acquire); ++next_) {
      auto& job = jobs_[next_];
      if (next_ > 0) {
        file_.write(",");
        ++offset_;
      }
      std::string_view entry = job.entry.empty() ? job.old_entry : std::string_view(job.entry);
      file_.write(entry);
      ranges_[next_] = {offset_, entry.size()};
      offset_ += entry.size();
      std::string().swap(job.entry);
    }
  }

  atomic_file file_;
  std::vector<collected_job>& jobs_;
  std::vector<std::atomic<bool>> ready_;
  std::vector<entry_range> ranges_;
  std::mutex m_;
  std::size_t next_ = 0, offset_ = 1;  // the next entry to write, and where it goes
};

/// @brief For parallel_for work that keeps nothing from item to item.
struct no_scratch {};

/// @brief Runs `work(i, scratch)` for i in [0, n) on `threads` threads, each with its own `Scratch`,
/// reporting progress from this thread.
template <class Scratch, class Work>
void parallel_for(std::size_t n, std::size_t threads, const collect_progress& progress, Work work) {
  if (n == 0) return;
  threads = std::clamp<std::size_t>(threads, 1, n);
  std::atomic<std::size_t> next{0}, done{0};
  std::mutex m;
  std::condition_variable cv;
  std::exception_ptr failure;
  auto worker = [&] {
    Scratch scratch;
    for (;;) {
      auto i = next.fetch_add(1);
      if (i >= n) break;
      try {
        work(i, scratch);
      } catch (...) {
        std::lock_guard lock(m);
        if (!failure) failure = std::current_exception();
        next = n;  // stop the others too
      }
      if (done.fetch_add(1) + 1 == n) {
        std::lock_guard lock(m);
        cv.notify_all();
      }
    }
  };
  {
    std::vector<std::jthread> pool;
    for (std::size_t t = 0; t < threads; ++t) pool.emplace_back(worker);
    std::unique_lock lock(m);
    for (;;) {
      bool finished = cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return done.load() >= n || failure; });
      if (failure) break;
      if (progress) {
        lock.unlock();
        progress(std::min(done.load(), n), n);  // the last call is always (n, n)
        lock.lock();
      }
      if (finished) break;
    }
  }
  if (failure) std::rethrow_exception(failure);
}

/// @brief The sweep's folder, ROOT_DIR/NAME (as config/load.hpp's sweep_dir, without needing YAML here).
inline std::filesystem::path sweep_folder(const sweep_config& cfg) {
  return std::filesystem::path(cfg.root_dir) / cfg.name;
}

/// @brief The started jobs: folders of logs/ holding the log file, sorted by name like pycls.
inline std::vector<std::string> job_names(const std::filesystem::path& logs_dir) {
  std::vector<std::string> names;
  for (auto& entry : std::filesystem::directory_iterator(logs_dir)) {
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

/// @brief Counts cfgs/*.yaml (the sweep's N).
inline std::size_t count_configs(const std::filesystem::path& cfgs_dir) {
  std::size_t n = 0;
  for (auto& entry : std::filesystem::directory_iterator(cfgs_dir)) {
    if (entry.path().extension() == ".yaml") ++n;
  }
  return n;
}

}  // namespace detail

/// @brief pycls's checkpoint.delete_checkpoints: in `dir`, removes the files whose name contains
/// `prefix`, all of them (keep "none") or all but the last by name (keep "last"); returns how many.
inline std::size_t delete_checkpoints(const std::filesystem::path& dir, std::string_view keep,
                                      std::string_view prefix = "model_epoch_") {
  std::error_code ec;
  if (keep == "all" || !std::filesystem::is_directory(dir, ec)) return 0;
  std::vector<std::filesystem::path> files;
  for (auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().filename().string().find(prefix) != std::string::npos) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  if (keep == "last" && !files.empty()) files.pop_back();
  std::size_t n = 0;
  for (auto& f : files) n += std::filesystem::remove(f, ec) ? 1 : 0;
  return n;
}

/// @brief Collects the sweep in `dir` (ROOT_DIR/NAME): parses logs/*/LOG_FILE on `run.threads`
/// threads, writes dir/sweep.json and the cache atomically, then deletes checkpoints per
/// opts.checkpoints_keep. Bad records are reported in the result, never fatal.
inline collect_result collect_dir(const std::filesystem::path& dir, const collect_options& opts,
                                  const collect_run_options& run = {}) {
  if (opts.checkpoints_keep != "all" && opts.checkpoints_keep != "last" && opts.checkpoints_keep != "none") {
    throw error({}, "COLLECT.CHECKPOINTS_KEEP",
                fmt::format("expected one of all, last, none; got '{}'", opts.checkpoints_keep));
  }
  collect_result result;
  result.sweep_dir = dir;
  result.sweep_file = dir / "sweep.json";
  auto cfgs_dir = dir / "cfgs";
  auto logs_dir = dir / "logs";
  if (!std::filesystem::is_directory(cfgs_dir)) throw error({cfgs_dir.string(), 0}, {}, "cfgs folder not found (run setup first)");
  if (!std::filesystem::is_directory(logs_dir)) throw error({logs_dir.string(), 0}, {}, "logs folder not found (launch the sweep first)");
  result.num_configs = detail::count_configs(cfgs_dir);

  std::vector<detail::collected_job> jobs;
  detail::folder_fd logs_fd(logs_dir);
  auto stamp_in_logs = [&](const std::string& name, const std::string& file) {
    return logs_fd.get() >= 0 ? detail::stamp_of(name + '/' + file, logs_fd.get())
                              : detail::stamp_of((logs_dir / name / file).string());
  };
  std::size_t threads = run.threads;
  if (threads == 0) threads = std::max<std::size_t>(1, std::thread::hardware_concurrency());
  auto names = detail::job_names(logs_dir);
  std::vector<detail::collected_job> found(names.size());
  detail::parallel_for<detail::no_scratch>(names.size(), threads, {}, [&](std::size_t i, detail::no_scratch&) {
    auto& job = found[i];
    job.status.name = std::move(names[i]);
    job.log_stamp = stamp_in_logs(job.status.name, opts.log_file);
    if (job.log_stamp.exists) job.err_stamp = stamp_in_logs(job.status.name, opts.err_file);
  });
  for (auto& job : found) {
    auto& name = job.status.name;
    job.status.log_file = (logs_dir / name / opts.log_file).string();
    job.status.err_file = (logs_dir / name / opts.err_file).string();
    if (!job.log_stamp.exists) {
      // Not started (pycls leaves it out too); a cfg-index folder without its log is worth a word.
      bool cfg_index = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (cfg_index) result.issues.push_back({{job.status.log_file, 0}, "missing: job not counted as started"});
      continue;
    }
    jobs.push_back(std::move(job));
  }

  // Reuse what the cache knows about unchanged logs.
  auto cache_file = dir / collect_cache_name;
  auto key = detail::cache_key(dir, opts);
  auto sweep_stamp = detail::stamp_of(result.sweep_file.string());
  std::unordered_map<std::string, detail::cached_job> cache;
  if (run.incremental) cache = detail::load_cache(cache_file, key, sweep_stamp);
  std::vector<std::size_t> todo;
  std::string old_sweep;
  bool old_loaded = false;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    auto& job = jobs[i];
    auto it = cache.find(job.status.name);
    if (it == cache.end() || it->second.log_stamp != job.log_stamp || it->second.err_stamp != job.err_stamp) {
      todo.push_back(i);
      continue;
    }
    auto& c = it->second;
    job.status.epoch_ind = c.status.epoch_ind;
    job.status.epoch_max = c.status.epoch_max;
    job.status.has_err = c.status.has_err;
    job.status.records = c.status.records;
    job.status.issues = std::move(c.status.issues);
  }
  // Unchanged job list and logs: sweep.json is already right.
  bool unchanged = todo.empty() && cache.size() == jobs.size() && sweep_stamp.exists;
  if (run.write && !unchanged && todo.size() < jobs.size()) {
    old_loaded = read_file_into(result.sweep_file.string(), old_sweep) &&
                 static_cast<std::int64_t>(old_sweep.size()) == sweep_stamp.size;
    for (std::size_t i = 0, t = 0; i < jobs.size(); ++i) {
      if (t < todo.size() && todo[t] == i) {
        ++t;
        continue;
      }
      auto& c = cache.at(jobs[i].status.name);
      if (old_loaded && c.offset + c.length <= old_sweep.size()) {
        jobs[i].old_entry = std::string_view(old_sweep).substr(c.offset, c.length);
      } else {
        todo.insert(std::lower_bound(todo.begin(), todo.end(), i), i);  // cannot splice: parse it again
        ++t;
      }
    }
  }

  std::optional<detail::entry_writer> writer;
  if (run.write && !unchanged) {
    remove_stale_temporaries(result.sweep_file);  // left by a collect that was killed
    remove_stale_temporaries(cache_file);
    writer.emplace(result.sweep_file, jobs);
    for (std::size_t i = 0, t = 0; i < jobs.size(); ++i) {
      if (t < todo.size() && todo[t] == i) {
        ++t;
      } else {
        writer->ready(i);  // spliced from the old sweep.json
      }
    }
  }
  detail::parallel_for<detail::collect_scratch>(
      todo.size(), threads, run.progress, [&](std::size_t t, detail::collect_scratch& scratch) {
        detail::collect_job(jobs[todo[t]], opts, scratch);
        if (writer) writer->ready(todo[t]);
      });
  result.reparsed = todo.size();

  if (writer) {
    auto& ranges = writer->commit();
    result.written = true;
    auto new_stamp = detail::stamp_of(result.sweep_file.string());
    auto text = detail::cache_text(key, new_stamp, jobs, ranges);
    write_file_atomic(cache_file, std::string_view(text));
  }
  if (run.write && opts.checkpoints_keep != "all") {
    // After sweep.json is safe, like pycls.
    std::atomic<std::size_t> deleted{0};
    detail::parallel_for<detail::no_scratch>(jobs.size(), threads, {}, [&](std::size_t i, detail::no_scratch&) {
      auto dir_name = jobs[i].status.name + '/' + opts.checkpoint_dir;
      if (logs_fd.get() >= 0 && !detail::is_folder(dir_name, logs_fd.get())) return;
      deleted += delete_checkpoints(logs_dir / dir_name, opts.checkpoints_keep, opts.checkpoint_prefix);
    });
    result.checkpoints_deleted = deleted;
  }
  result.jobs.reserve(jobs.size());
  for (auto& job : jobs) result.jobs.push_back(std::move(job.status));
  return result;
}

/// @brief Collects a sweep (see collect_dir) with the sweep config's COLLECT options and NUM_PROC threads.
inline collect_result collect(const sweep_config& cfg, collect_run_options run = {}) {
  if (run.threads == 0) run.threads = static_cast<std::size_t>(std::max<std::int64_t>(1, cfg.num_proc));
  try {
    return collect_dir(detail::sweep_folder(cfg), cfg.collect, run);
  } catch (const error& e) {
    if (!e.key_path().empty() && e.where().file.empty() && !cfg.file.empty()) {
      throw error({cfg.file, 0}, e.key_path(), e.message());
    }
    throw;
  }
}

/// @brief The sweep's status without changing anything (for `sweep status`): the cache where it
/// is fresh, the logs elsewhere; print it with status_line / format_status_table.
inline collect_result read_status(const sweep_config& cfg, collect_run_options run = {}) {
  run.write = false;
  return collect(cfg, std::move(run));
}

}  // namespace sweep
