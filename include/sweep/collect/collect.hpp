// Collecting a sweep (pycls's tools/sweep_collect.py): parse every job's log
// in parallel, write sweep.json atomically, delete old checkpoints. Re-collecting
// reparses only the logs that changed: a cache next to sweep.json keeps each
// job's file stamps, status and the byte range of its entry in sweep.json.
// What a config names in a job's folder (its log files, COLLECT.ERR_FILE,
// COLLECT.CHECKPOINT_DIR) is read or deleted only when, symlinks resolved, it
// is inside that folder, checked as it is opened (open_inside, base/paths.hpp).
#pragma once

#include <sweep/base/files.hpp>
#include <sweep/base/layout.hpp>
#include <sweep/base/lock.hpp>
#include <sweep/base/parallel.hpp>
#include <sweep/base/paths.hpp>
#include <sweep/collect/detail/files.hpp>
#include <sweep/collect/log_format.hpp>
#include <sweep/collect/log_formats.hpp>
#include <sweep/collect/log_parser.hpp>
#include <sweep/collect/status.hpp>
#include <sweep/config/check.hpp>
#include <sweep/config/components.hpp>
#include <sweep/config/load.hpp>
#include <sweep/config/sweep_config.hpp>
#include <sweep/error.hpp>
#include <sweep/launch/job_state.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sweep {

/// @brief Called with (jobs parsed so far, jobs to parse), from the calling thread, at most ~10 times a second.
using collect_progress = progress_callback;

/// @brief How to run a collect (the sweep config says what to collect).
struct collect_run_options {
  std::size_t threads = 0;    // 0: the sweep config's NUM_PROC
  bool incremental = true;    // reuse the cache for logs that did not change
  bool write = true;          // false: only read the status (no sweep.json, cache or checkpoint changes)
  bool delete_checkpoints = true;  // false: leave every checkpoint (`sweep watch` changes no job's folder)
  collect_progress progress;  // optional
};

namespace detail {

/// @brief A job's entry in sweep.json and what the status needs, made from its log and stderr.
struct collected_job {
  job_status status;
  file_stamp log_stamp, err_stamp;  // log_stamp: of all its log files together
  std::vector<std::string> files;   // its log files that exist, relative to logs/
  std::string entry;                // its JSON text in sweep.json (when parsed now)
  std::string_view old_entry;       // or its text in the previous sweep.json (when cached)
};

/// @brief What a worker thread reuses from job to job: the log texts and the format's buffers.
struct collect_scratch {
  std::vector<std::string> buffers;  // each log file's text, at its front (see read_whole_file)
  std::unique_ptr<log_format_scratch> format;
};

/// @brief A log format's file names, which `*` in them match, and where they are.
class log_file_patterns {
 public:
  log_file_patterns(std::vector<std::string> patterns, const std::string& key_path) : patterns_(std::move(patterns)) {
    if (patterns_.empty()) throw error({}, key_path, "the log format names no log files");
    for (auto& p : patterns_) {
      if (auto why = relative_path_problem(p, "the job's folder"); !why.empty()) {
        throw error({}, key_path, fmt::format("log file '{}': {}", p, why));
      }
      wild_.push_back(p.find('*') != std::string::npos);
    }
  }

  [[nodiscard]] const std::vector<std::string>& patterns() const noexcept { return patterns_; }

  /// @brief The job's log files that exist (relative to logs/, in pattern order, matches in natural
  /// order: version_2 before version_10) and their stamps together.
  file_stamp find(const std::string& job, const std::filesystem::path& logs_dir, int logs_fd,
                  std::vector<std::string>& files) const {
    files.clear();
    file_stamp all;
    std::uint64_t mix = 0;
    auto stamp_in_logs = [&](const std::string& rel) {
      return logs_fd >= 0 ? stamp_of(rel, logs_fd) : stamp_of((logs_dir / rel).string());
    };
    for (std::size_t p = 0; p < patterns_.size(); ++p) {
      std::vector<std::string> candidates;
      if (wild_[p]) {
        expand(logs_dir, job, patterns_[p], candidates);
      } else {
        candidates.push_back(job + '/' + patterns_[p]);
      }
      for (auto& rel : candidates) {
        auto st = stamp_in_logs(rel);
        if (!st.exists) continue;
        if (!all.exists) {
          all = st;
        } else {
          all.size += st.size;
        }
        mix = mix * 1000003u ^ static_cast<std::uint64_t>(st.mtime_ns) ^ (static_cast<std::uint64_t>(st.size) << 20) ^
              std::hash<std::string>{}(rel);
        files.push_back(std::move(rel));
      }
    }
    if (files.size() > 1) all.mtime_ns = static_cast<std::int64_t>(mix);
    return all;
  }

 private:
  static bool matches(std::string_view pattern, std::string_view name) {
    auto star = pattern.find('*');
    if (star == std::string_view::npos) return pattern == name;
    if (!name.starts_with(pattern.substr(0, star))) return false;
    auto rest = pattern.substr(star + 1);
    for (std::size_t at = star; at <= name.size(); ++at) {
      if (matches(rest, name.substr(at))) return true;
    }
    return false;
  }

  /// @brief a < b with digit runs compared as numbers.
  static bool natural_less(const std::string& a, const std::string& b) {
    std::size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
      if (std::isdigit(static_cast<unsigned char>(a[i])) && std::isdigit(static_cast<unsigned char>(b[j]))) {
        std::size_t i2 = i, j2 = j;
        while (i2 < a.size() && std::isdigit(static_cast<unsigned char>(a[i2]))) ++i2;
        while (j2 < b.size() && std::isdigit(static_cast<unsigned char>(b[j2]))) ++j2;
        auto x = a.substr(i, i2 - i), y = b.substr(j, j2 - j);
        x.erase(0, std::min(x.find_first_not_of('0'), x.size()));
        y.erase(0, std::min(y.find_first_not_of('0'), y.size()));
        if (x.size() != y.size()) return x.size() < y.size();
        if (x != y) return x < y;
        i = i2, j = j2;
      } else {
        if (a[i] != b[j]) return a[i] < b[j];
        ++i, ++j;
      }
    }
    return a.size() - i < b.size() - j;
  }

  static void expand(const std::filesystem::path& logs_dir, const std::string& prefix, std::string_view pattern,
                     std::vector<std::string>& out) {
    auto slash = pattern.find('/');
    auto part = pattern.substr(0, slash);
    auto rest = slash == std::string_view::npos ? std::string_view{} : pattern.substr(slash + 1);
    std::vector<std::string> names;
    if (part.find('*') == std::string_view::npos) {
      names.emplace_back(part);
    } else {
      std::error_code ec;
      for (auto& entry : std::filesystem::directory_iterator(logs_dir / prefix, ec)) {
        auto name = entry.path().filename().string();
        if (matches(part, name)) names.push_back(std::move(name));
      }
      std::sort(names.begin(), names.end(), natural_less);
    }
    for (auto& name : names) {
      auto rel = prefix + '/' + name;
      if (slash == std::string_view::npos) {
        out.push_back(std::move(rel));
      } else {
        expand(logs_dir, rel, rest, out);
      }
    }
  }

  std::vector<std::string> patterns_;
  std::vector<bool> wild_;
};

/// @brief The sweep folder's paths as sweep.json, the status and issues show them: under the folder
/// as the caller named it (pycls keeps a relative ROOT_DIR relative), not the absolute layout.
struct shown_paths {
  std::filesystem::path dir, logs, cfgs;
  shown_paths(const sweep_layout& layout, const std::filesystem::path& as_given)
      : dir(as_given), logs(as_given / layout.logs_dir().lexically_relative(layout.dir)),
        cfgs(as_given / layout.cfgs_dir().lexically_relative(layout.dir)) {}
  [[nodiscard]] std::filesystem::path of(const std::filesystem::path& in_layout, const sweep_layout& layout) const {
    return dir / in_layout.lexically_relative(layout.dir);
  }
};

inline constexpr std::string_view outside_job_folder = "resolves outside the job's folder (a symlink?)";

/// @brief A job's `stopped_early` member of sweep.json from its STOPPED_EARLY text "rung R epoch E: why":
/// {"epoch": E, "reason": ..., "rung": R}; empty when the job was not stopped early.
inline std::string stopped_early_json(const std::string& text) {
  if (text.empty()) return {};
  long long rung = -1, epoch = -1;
  if (std::sscanf(text.c_str(), "rung %lld epoch %lld", &rung, &epoch) != 2) rung = epoch = -1;
  nlohmann::json j = {{"rung", rung}, {"epoch", epoch}, {"reason", text}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

/// @brief Parses one job: its log files through the format, plus log_file, err_file and err (the
/// stderr text), written into the job's sweep.json entry. `logs_fd` is the logs/ folder open.
inline void collect_job(collected_job& job, const collect_options& opts, const bound_log_format& format,
                        const shown_paths& shown, int logs_fd, collect_scratch& scratch) {
  auto& st = job.status;
  st.issues.clear();
  st.epoch_ind = 0;
  st.epoch_max = 1;
  job_files files;
  files.name = st.name;
  files.dir = shown.logs / st.name;
  files.cfg_file = shown.cfgs / (st.name + ".yaml");
  files.collect = &opts;
  if (scratch.buffers.size() < job.files.size()) scratch.buffers.resize(job.files.size());
  if (!scratch.format) scratch.format = format.make_scratch();
  // What collect reads here must be inside the job's folder, and that folder inside logs/, symlinks
  // resolved: each is checked as it is opened.
  auto folder = open_inside(logs_fd, shown.logs, st.name, O_RDONLY | O_DIRECTORY);
  auto open_in_job = [&](std::string_view rel) {
    if (!folder.fd) return opened_inside{{}, folder.outside};
    return open_inside(folder.fd.get(), files.dir, rel, O_RDONLY);
  };
  auto logs_dir = shown.logs.string();
  for (std::size_t k = 0; k < job.files.size(); ++k) {
    auto path = logs_dir + '/' + job.files[k];
    std::size_t size = 0;
    auto log = open_in_job(std::string_view(job.files[k]).substr(st.name.size() + 1));
    if (log.outside) {
      st.issues.push_back({{path, 0}, fmt::format("{}: not read; job counted with no records", outside_job_folder)});
    } else if (!log.fd || !read_whole_fd(log.fd.get(), scratch.buffers[k], size)) {
      st.issues.push_back({{path, 0}, "cannot read the log; job counted with no records"});
      size = 0;
    } else if (size == 0) {
      st.issues.push_back({{path, 0}, "empty log (job started, nothing written yet)"});
    }
    files.logs.push_back({std::move(path), {scratch.buffers[k].data(), size}});
  }
  std::string err;
  std::vector<log_issue> err_issues;
  if (!job.err_stamp.exists) {
    err_issues.push_back({{st.err_file, 0}, "missing (err left empty)"});
  } else if (auto err_log = open_in_job(opts.err_file); err_log.outside) {
    err_issues.push_back({{st.err_file, 0}, fmt::format("{}: not read (err left empty)", outside_job_folder)});
  } else if (std::size_t size = 0; !err_log.fd || !read_whole_fd(err_log.fd.get(), err, size)) {
    err_issues.push_back({{st.err_file, 0}, "cannot read (err left empty)"});
    err.clear();
  } else {
    err.resize(size);
  }
  st.has_err = !err.empty();
  // Logs and paths are arbitrary bytes: bad UTF-8 becomes U+FFFD instead of failing the dump.
  auto as_json = [](std::string text) {
    return nlohmann::json(std::move(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  // log_file is the job's log as pycls names it (COLLECT.LOG_FILE in its folder, whose name is the
  // job's id for analyze); files of a format that keeps its log elsewhere are listed in log_files.
  auto stdout_log = (shown.logs / st.name / opts.log_file).string();
  std::string err_text = as_json(std::move(err)), err_file = as_json(st.err_file), log_file = as_json(stdout_log);
  std::string log_files;
  if (files.logs.size() != 1 || files.logs.front().file != stdout_log) {
    nlohmann::json paths = nlohmann::json::array();
    for (auto& log : files.logs) paths.push_back(log.file);
    log_files = paths.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  std::vector<json_member> extra = {{"err", err_text}, {"err_file", err_file}, {"log_file", log_file}};
  if (!log_files.empty()) extra.push_back({"log_files", log_files});
  std::string stopped = stopped_early_json(st.stopped_early);
  if (!stopped.empty()) extra.push_back({"stopped_early", stopped});
  job_record record;
  job.entry.clear();
  format.write_entry(files, *scratch.format, record, job.entry, extra);
  st.records = record.records;
  st.epoch_ind = record.epoch_ind;
  st.epoch_max = record.epoch_max;
  st.issues.insert(st.issues.end(), std::make_move_iterator(record.issues.begin()),
                   std::make_move_iterator(record.issues.end()));
  st.issues.insert(st.issues.end(), std::make_move_iterator(err_issues.begin()), std::make_move_iterator(err_issues.end()));
}

/// @brief The parts of COLLECT and the folder that shape sweep.json: a cache made under others is stale.
inline std::string cache_key(const std::filesystem::path& dir, const collect_options& o, const bound_log_format& format,
                             const log_file_patterns& files) {
  nlohmann::json k = {{"dir", dir.string()},      {"log_file", o.log_file},   {"err_file", o.err_file},
                      {"tag", o.tag},             {"type_key", o.type_key},   {"epoch_key", o.epoch_key},
                      {"skip", o.skip_types},     {"progress", o.progress_type},
                      {"format", format.name()},  {"format_options", format.options_text()},
                      {"log_files", files.patterns()}};
  return k.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
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

/// @brief Writes sweep.json while its jobs are still being parsed: the entries go into the
/// temporary file (then are freed) as soon as they and all before them are ready, so the 160 MB of
/// a 10,000-job sweep are written by whichever worker finds the next entries ready, not afterwards.
/// Ready entries are handed to the file together, a megabyte or so at a time: one system call
/// for many entries, none copied.
class entry_writer {
 public:
  entry_writer(const std::filesystem::path& target, std::vector<collected_job>& jobs)
      : file_(target), jobs_(jobs), ready_(jobs.size()), ranges_(jobs.size()) {
    pending_.push_back("[");
  }

  /// @brief Job i's entry (or old_entry) is final; writes what is ready unless another thread is at it.
  void ready(std::size_t i) {
    ready_[i].store(true, std::memory_order_release);
    std::unique_lock lock(m_, std::try_to_lock);
    if (lock.owns_lock()) write_ready(false);
  }

  /// @brief Once every job is ready: writes the rest, closes the list and renames the file into place.
  const std::vector<entry_range>& commit() {
    std::lock_guard lock(m_);
    write_ready(true);
    if (next_ != jobs_.size()) throw std::logic_error("entry_writer::commit before every job is ready");
    file_.write("]");
    file_.commit();
    return ranges_;
  }

 private:
  static constexpr std::size_t batch_bytes = std::size_t{1} << 20;

  /// @brief Queues the entries ready in order; writes the queue once it holds a batch (or `all`).
  void write_ready(bool all) {
    while (next_ < jobs_.size() && ready_[next_].load(std::memory_order_acquire)) {
      auto& job = jobs_[next_];
      if (next_ > 0) {
        pending_.push_back(",");
        ++offset_;
      }
      std::string_view entry = job.entry.empty() ? job.old_entry : std::string_view(job.entry);
      pending_.push_back(entry);
      ranges_[next_++] = {offset_, entry.size()};
      offset_ += entry.size();
      pending_bytes_ += entry.size();
      if (pending_bytes_ >= batch_bytes) flush();
    }
    if (all) flush();
  }

  /// @brief Writes the queued entries and frees them.
  void flush() {
    file_.write(pending_);
    pending_.clear();
    pending_bytes_ = 0;
    for (; written_ < next_; ++written_) std::string().swap(jobs_[written_].entry);
  }

  atomic_file file_;
  std::vector<collected_job>& jobs_;
  std::vector<std::atomic<bool>> ready_;
  std::vector<entry_range> ranges_;
  std::vector<std::string_view> pending_;  // what is queued for the file, in order
  std::size_t pending_bytes_ = 0;
  std::mutex m_;
  std::size_t next_ = 0, offset_ = 1;  // the next entry to queue, and where it goes
  std::size_t written_ = 0;            // entries before it are in the file (and freed)
};

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

/// @brief What delete_checkpoints did in one job's folder.
struct checkpoint_cleanup {
  std::size_t deleted = 0;
  bool outside = false;  // the checkpoint folder resolves outside the job's folder: nothing deleted
};

namespace detail {

/// @brief delete_checkpoints in the job folder open as `job_fd` (named `job_dir`): the checkpoint
/// folder is opened inside it (open_inside) and its files are removed through that descriptor, so
/// no symlink swapped in while this runs can lead a deletion outside.
inline checkpoint_cleanup delete_checkpoints_in(int job_fd, const std::filesystem::path& job_dir,
                                                std::string_view checkpoint_dir, std::string_view keep,
                                                std::string_view prefix) {
  checkpoint_cleanup out;
  if (keep == "all" || prefix.empty()) return out;
  auto folder = open_inside(job_fd, job_dir, checkpoint_dir, O_RDONLY | O_DIRECTORY);
  out.outside = folder.outside;
  if (!folder.fd) return out;  // outside, or no checkpoint folder
  // fdopendir takes the descriptor over: hand it a copy, deletions go through `folder`.
  unique_fd copy(::fcntl(folder.fd.get(), F_DUPFD_CLOEXEC, 0));
  std::unique_ptr<DIR, int (*)(DIR*)> listing(copy ? ::fdopendir(copy.get()) : nullptr, ::closedir);
  if (!listing) return out;
  (void)copy.release();  // the listing closes it now
  std::vector<std::string> files;
  while (auto* entry = ::readdir(listing.get())) {
    std::string_view name = entry->d_name;
    if (name == "." || name == ".." || name.find(prefix) == std::string_view::npos) continue;
    struct stat st {};
    bool folder_entry = entry->d_type == DT_DIR ||
                        (entry->d_type == DT_UNKNOWN && ::fstatat(folder.fd.get(), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                         S_ISDIR(st.st_mode));
    if (!folder_entry) files.emplace_back(name);  // pycls's os.remove refuses folders too
  }
  std::sort(files.begin(), files.end());
  if (keep == "last" && !files.empty()) files.pop_back();
  for (auto& f : files) out.deleted += ::unlinkat(folder.fd.get(), f.c_str(), 0) == 0 ? 1 : 0;  // a symlink: the link
  return out;
}

}  // namespace detail

/// @brief pycls's checkpoint.delete_checkpoints, in job folder `job_dir`'s `checkpoint_dir`: removes the files
/// whose name contains `prefix`, all of them (keep "none") or all but the last by name (keep "last").
/// Deletes nothing outside `job_dir`: the folder must pass relative_path_problem and, symlinks resolved, lie
/// inside `job_dir` (else `outside`), checked as it is opened; folders in it are left alone, and a symlink in
/// it is removed itself, never what it points to. An empty prefix, which would name every file, deletes nothing.
inline checkpoint_cleanup delete_checkpoints(const std::filesystem::path& job_dir, std::string_view checkpoint_dir,
                                             std::string_view keep, std::string_view prefix = "model_epoch_") {
  auto job = open_folder(job_dir);
  if (!job) return {};
  return detail::delete_checkpoints_in(job.get(), job_dir, checkpoint_dir, keep, prefix);
}

namespace detail {

/// @brief Each COLLECT.<NAME> section names a registered log format, whose keys it checks
/// (bound, even when COLLECT.FORMAT picks another, so a typo there is found now).
inline void check_log_format_sections(const sweep_config& cfg) {
  check_component_sections(cfg, cfg.collect.extensions, "COLLECT", log_formats());
  for (auto& name : log_formats().names()) {
    if (component_section(cfg.collect.extensions, name) == nullptr) continue;
    auto probe = cfg.collect;
    probe.format = name;
    (void)bind_log_format(probe, cfg.file);
  }
}

/// @brief collect_dir with the format already bound.
inline collect_result collect_with(const std::filesystem::path& dir, const collect_options& opts,
                                   const bound_log_format& format, const collect_run_options& run) {
  sweep_layout layout(dir);  // COLLECT's values were checked by the caller (check_collect_options)
  std::optional<sweep_lock> in_use;  // a setup must not replace the configs while they are counted
  if (run.write) in_use.emplace(layout, sweep_access::shared, "collect");
  shown_paths shown(layout, dir);
  collect_result result;
  result.sweep_dir = dir;
  result.sweep_file = shown.of(layout.sweep_file(), layout);
  auto cfgs_dir = shown.cfgs;
  auto logs_dir = shown.logs;
  if (!std::filesystem::is_directory(cfgs_dir)) throw error({cfgs_dir.string(), 0}, {}, "cfgs folder not found (run setup first)");
  if (!std::filesystem::is_directory(logs_dir)) throw error({logs_dir.string(), 0}, {}, "logs folder not found (launch the sweep first)");
  result.num_configs = count_configs(cfgs_dir);
  log_file_patterns patterns(format.log_files(opts), fmt::format("COLLECT.FORMAT ({})", format.name()));

  std::vector<collected_job> jobs;
  auto logs_fd = open_folder(logs_dir);
  if (!logs_fd) throw error({logs_dir.string(), 0}, {}, fmt::format("cannot open the logs folder: {}", std::strerror(errno)));
  std::size_t threads = run.threads;
  if (threads == 0) threads = std::max<std::size_t>(1, std::thread::hardware_concurrency());
  auto names = job_names(logs_dir);
  std::vector<collected_job> found(names.size());
  parallel_for(names.size(), threads, {}, [&](std::size_t i, no_scratch&) {
    auto& job = found[i];
    job.status.name = std::move(names[i]);
    auto& name = job.status.name;
    job.log_stamp = patterns.find(name, logs_dir, logs_fd.get(), job.files);
    if (job.log_stamp.exists) job.err_stamp = stamp_of(name + '/' + opts.err_file, logs_fd.get());
    job.status.log_file = (logs_dir / (job.files.empty() ? name + '/' + patterns.patterns().front() : job.files.back())).string();
    job.status.err_file = (logs_dir / name / opts.err_file).string();
    // Early stopping's own mark, read where it stays inside logs/.
    auto stopped = open_inside(logs_fd.get(), logs_dir, name + '/' + std::string(job_folder::stopped_early_file), O_RDONLY);
    if (stopped.fd) job.status.stopped_early = first_line_of_fd(stopped.fd.get());
  });
  for (auto& job : found) {
    auto& name = job.status.name;
    if (!job.log_stamp.exists) {
      // Not started (pycls leaves it out too); a cfg-index folder without its log is worth a word.
      bool cfg_index = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (cfg_index) result.issues.push_back({{job.status.log_file, 0}, "missing: job not counted as started"});
      continue;
    }
    jobs.push_back(std::move(job));
  }

  // Reuse what the cache knows about unchanged logs.
  auto cache_file = layout.collect_cache_file();
  auto key = cache_key(dir, opts, format, patterns);
  auto sweep_stamp = stamp_of(result.sweep_file.string());
  std::unordered_map<std::string, cached_job> cache;
  if (run.incremental) cache = load_cache(cache_file, key, sweep_stamp);
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
  // Unchanged job list and logs: sweep.json is already right (never assumed by a full collect).
  bool unchanged = run.incremental && todo.empty() && cache.size() == jobs.size() && sweep_stamp.exists;
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

  std::optional<entry_writer> writer;
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
  parallel_for<collect_scratch>(todo.size(), threads, run.progress, [&](std::size_t t, collect_scratch& scratch) {
    collect_job(jobs[todo[t]], opts, format, shown, logs_fd.get(), scratch);
    if (writer) writer->ready(todo[t]);
  });
  result.reparsed = todo.size();

  if (writer) {
    auto& ranges = writer->commit();
    result.written = true;
    auto new_stamp = stamp_of(result.sweep_file.string());
    auto text = cache_text(key, new_stamp, jobs, ranges);
    write_file_atomic(cache_file, std::string_view(text));
  }
  if (run.write && run.delete_checkpoints && opts.checkpoints_keep != "all") {
    // After sweep.json is safe, like pycls.
    std::atomic<std::size_t> deleted{0};
    std::vector<char> outside(jobs.size(), 0);
    parallel_for(jobs.size(), threads, {}, [&](std::size_t i, no_scratch&) {
      auto& name = jobs[i].status.name;
      auto dir_name = name + '/' + opts.checkpoint_dir;
      if (!is_folder(dir_name, logs_fd.get())) return;  // the common case: no checkpoints
      auto folder = open_inside(logs_fd.get(), logs_dir, name, O_RDONLY | O_DIRECTORY);
      if (!folder.fd) {
        outside[i] = folder.outside ? 1 : 0;
        return;
      }
      auto done = delete_checkpoints_in(folder.fd.get(), logs_dir / name, opts.checkpoint_dir, opts.checkpoints_keep,
                                        opts.checkpoint_prefix);
      deleted += done.deleted;
      outside[i] = done.outside ? 1 : 0;
    });
    result.checkpoints_deleted = deleted;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      if (outside[i] == 0) continue;
      result.issues.push_back({{(logs_dir / jobs[i].status.name / opts.checkpoint_dir).string(), 0},
                               fmt::format("{}: no checkpoints deleted there", outside_job_folder)});
    }
  }
  result.jobs.reserve(jobs.size());
  for (auto& job : jobs) result.jobs.push_back(std::move(job.status));
  return result;
}

}  // namespace detail

/// @brief One job's record as collect makes it (its log files read through the format, epoch series in
/// `data`), for readers of a job that still runs, such as early stopping; no types when it has no log yet.
inline job_record read_job_record(const sweep_layout& layout, std::int64_t index, const collect_options& opts,
                                  const bound_log_format& format) {
  detail::log_file_patterns patterns(format.log_files(opts), "COLLECT.FORMAT");
  job_files job;
  job.name = sweep_layout::job_name(index);
  job.dir = layout.job_dir(index);
  job.cfg_file = layout.cfgs_dir() / (job.name + ".yaml");
  job.collect = &opts;
  std::vector<std::string> files;
  auto logs = open_folder(layout.logs_dir());
  patterns.find(job.name, layout.logs_dir(), logs.get(), files);
  auto folder = open_inside(logs.get(), layout.logs_dir(), job.name, O_RDONLY | O_DIRECTORY);
  std::vector<std::string> texts(files.size());
  for (std::size_t k = 0; k < files.size() && folder.fd; ++k) {
    // Like collect: only what stays inside the job's folder is read.
    auto log = open_inside(folder.fd.get(), job.dir, std::string_view(files[k]).substr(job.name.size() + 1), O_RDONLY);
    std::size_t size = 0;
    if (!log.fd || !read_whole_fd(log.fd.get(), texts[k], size)) continue;
    texts[k].resize(size);
    job.logs.push_back({(layout.logs_dir() / files[k]).string(), texts[k]});
  }
  job_record record;
  if (!job.logs.empty()) format.read(job, record);
  return record;
}

/// @brief Collects the sweep in `dir` (ROOT_DIR/NAME): reads each job's log files (logs/*/...,
/// as the log format COLLECT.FORMAT names them) on `run.threads` threads, writes sweep.json and
/// the cache atomically, then deletes checkpoints per opts.checkpoints_keep. Bad records are
/// reported in the result, never fatal.
inline collect_result collect_dir(const std::filesystem::path& dir, const collect_options& opts,
                                  const collect_run_options& run = {}) {
  sweep_config cfg;
  cfg.collect = opts;
  check_collect_options(cfg);
  detail::check_log_format_sections(cfg);
  auto format = bind_log_format(opts);
  return detail::collect_with(dir, opts, *format, run);
}

/// @brief Collects a sweep (see collect_dir) with the sweep config's COLLECT options and NUM_PROC
/// threads, after checking the values it uses (ROOT_DIR, NAME, NUM_PROC, COLLECT, the log format
/// and its section): errors name the config's file, line and key.
inline collect_result collect(const sweep_config& cfg, collect_run_options run = {}) {
  check_common_options(cfg);
  check_collect_options(cfg);
  detail::check_log_format_sections(cfg);
  auto format = bind_log_format(cfg.collect, cfg.file, config_checker(cfg).where("COLLECT.FORMAT"));
  if (run.threads == 0) run.threads = static_cast<std::size_t>(std::max<std::int64_t>(1, cfg.num_proc));
  try {
    return detail::collect_with(sweep_dir(cfg), cfg.collect, *format, run);
  } catch (const error& e) {
    if (!e.key_path().empty() && e.where().file.empty() && !cfg.file.empty()) {
      throw error(config_checker(cfg).where(e.key_path()), e.key_path(), e.message());
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
