// The Grid Engine backend (Son of Grid Engine, Univa/Altair GE): the jobs to run
// become `qsub -t 1-M -tc PARALLEL_JOBS` array job(s), split at the cluster's
// max_aj_tasks, whose tasks run `sweep sge-task` (run_sge_task below) from a copy
// of the driver. Task t of array n runs the t-th job of logs/sge/array.<n>.json,
// which also holds LAUNCH's values for the task: no config value is ever a job
// argument or reaches a shell (qsub gets an argv; bin/sge_task.sh holds only
// shell-quoted paths and passes on the array's number). A task requeues through
// SGE's convention: exit 99 reschedules it (a failure with retries left, or
// SIGUSR1 from the soft time limit s_rt, SGE's counterpart of SLURM's USR1).
#pragma once

#include <sweep/base/files.hpp>
#include <sweep/base/layout.hpp>
#include <sweep/config/sweep_config.hpp>
#include <sweep/error.hpp>
#include <sweep/launch/backend.hpp>
#include <sweep/launch/command.hpp>
#include <sweep/launch/events.hpp>
#include <sweep/launch/job_state.hpp>
#include <sweep/launch/process.hpp>
#include <sweep/launch/request.hpp>
#include <sweep/launch/task.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <iterator>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sweep {

/// @brief Grid Engine's files in the sweep folder: logs/sge/jobs.txt ("<job id> <array number>" per qsub),
/// logs/sge/array.<n>.json (the jobs and LAUNCH values of array n), logs/sge/<job>.<task>.out (the task logs).
struct sge_files {
  explicit sge_files(const sweep_layout& layout) : dir(layout.backend_dir("sge")) {}
  std::filesystem::path dir;
  [[nodiscard]] std::filesystem::path jobs_file() const { return dir / "jobs.txt"; }
  [[nodiscard]] std::filesystem::path array_file(std::int64_t n) const { return dir / fmt::format("array.{}.json", n); }
};

/// @brief One qsub call: an array whose task t (from 1) runs jobs[t - 1].
struct qsub_call {
  std::int64_t array = 0;  // its number (logs/sge/array.<n>.json)
  std::vector<std::int64_t> jobs;
  std::vector<std::string> argv;
};

/// @brief One submitted array, as remembered in logs/sge/jobs.txt.
struct sge_array {
  std::string job_id;
  std::int64_t array = 0;
};

namespace detail {

/// @brief Seconds between the soft (SIGUSR1: requeue) and the hard time limit.
inline constexpr int sge_soft_lead_seconds = 300;

inline std::int64_t sge_parse_int(std::string_view s, std::int64_t fallback) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  std::int64_t v = fallback;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() ? v : fallback;
}

}  // namespace detail

/// @brief A job name qsub -N accepts: it refuses blanks, ':', '@', '*', '?', '/', '\' and a leading digit.
inline std::string sge_job_name(std::string_view name) {
  std::string out;
  for (unsigned char c : name) out += (std::isspace(c) != 0 || std::iscntrl(c) != 0 || std::string_view(":@*?/\\").find(static_cast<char>(c)) != std::string_view::npos) ? '_' : static_cast<char>(c);
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out.front())) != 0) out.insert(0, "s_");
  return out;
}

/// @brief The cluster's max_aj_tasks (tasks per array; `qconf -sconf`); 0 means no limit; 75000 (SGE's default)
/// when it cannot be read.
inline std::int64_t sge_max_array_tasks() {
  try {
    auto c = run_capture({"qconf", "-sconf"});
    std::istringstream in(c.out);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("max_aj_tasks", 0) == 0) return detail::sge_parse_int(std::string_view(line).substr(12), 75000);
    }
  } catch (const std::exception&) {
  }
  return 75000;
}

/// @brief The arrays submitted for this sweep so far (logs/sge/jobs.txt).
inline std::vector<sge_array> read_sge_arrays(const sweep_layout& layout) {
  std::vector<sge_array> arrays;
  std::string text;
  read_file_into(sge_files(layout).jobs_file().string(), text);
  std::istringstream in(text);
  sge_array a;
  while (in >> a.job_id >> a.array) arrays.push_back(a);
  return arrays;
}

/// @brief Array n's file: its jobs (task t runs jobs[t - 1]) and the LAUNCH values its tasks need.
inline void write_sge_array(const sweep_layout& layout, std::int64_t n, const std::vector<std::int64_t>& jobs,
                            const task_settings& s) {
  nlohmann::json j = {{"jobs", jobs},           {"max_retry", s.max_retry}, {"mode", s.mode},
                      {"command", s.command},   {"conda_env", s.conda_env}, {"on_event", s.on_event},
                      {"max_failures", s.max_failures}};
  write_file_atomic(sge_files(layout).array_file(n), j.dump(1));
}

/// @brief Reads array n's file back: its jobs and settings.
inline std::pair<std::vector<std::int64_t>, task_settings> read_sge_array(const sweep_layout& layout, std::int64_t n) {
  auto path = sge_files(layout).array_file(n);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(path));
    task_settings s;
    s.max_retry = j.at("max_retry").get<std::int64_t>();
    s.mode = j.at("mode").get<std::string>();
    s.command = j.at("command").get<std::string>();
    s.conda_env = j.at("conda_env").get<std::string>();
    s.on_event = j.at("on_event").get<std::string>();
    s.max_failures = j.at("max_failures").get<std::int64_t>();
    return {j.at("jobs").get<std::vector<std::int64_t>>(), s};
  } catch (const nlohmann::json::exception& e) {
    throw error({path.string(), 0}, "", fmt::format("not an array file of `sweep launch` ({})", e.what()));
  }
}

/// @brief Job index -> qstat state (qw, r, Rq, Eqw, ...) of this sweep's tasks that Grid Engine still holds,
/// per task (`qstat -g d` lists pending tasks one by one). nullopt when qstat cannot be run.
inline std::optional<queue_states> sge_queue_states(const sweep_layout& layout) {
  auto arrays = read_sge_arrays(layout);
  queue_states states;
  if (arrays.empty()) return states;
  captured c;
  try {
    c = run_capture({"qstat", "-g", "d", "-u", "*"});
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (c.code != 0) return std::nullopt;
  std::map<std::string, std::int64_t> numbers;
  for (auto& a : arrays) numbers[a.job_id] = a.array;
  std::map<std::int64_t, std::vector<std::int64_t>> jobs;  // array number -> its jobs, read when first needed
  std::istringstream in(c.out);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::vector<std::string> w{std::istream_iterator<std::string>(words), std::istream_iterator<std::string>()};
    if (w.size() < 6) continue;
    auto it = numbers.find(w[0]);
    if (it == numbers.end()) continue;
    auto task = detail::sge_parse_int(w.back(), -1);
    if (task < 1) continue;
    if (!jobs.count(it->second)) {
      try {
        jobs[it->second] = read_sge_array(layout, it->second).first;
      } catch (const error&) {
        jobs[it->second] = {};
      }
    }
    auto& list = jobs[it->second];
    if (static_cast<std::size_t>(task) > list.size()) continue;
    const auto& state = w[4];
    states[list[static_cast<std::size_t>(task - 1)]] = {state.find('q') != std::string::npos, state};
  }
  return states;
}

/// @brief The Grid Engine backend (LAUNCH.BACKEND sge): the jobs become qsub array(s) whose tasks run
/// `sweep sge-task`; see docs/sge.md. Its own keys are under LAUNCH.SGE.
class sge_backend {
 public:
  static constexpr std::string_view name = "sge";
  struct options {
    BOOST_HANA_DEFINE_STRUCT(options,
      (std::string, queue),                     // qsub -q (empty: the cluster chooses)
      (std::string, pe),                        // parallel environment, qsub -pe PE SLOTS (e.g. smp)
      (std::int64_t, slots),                    // slots per job in PE
      (std::vector<std::string>, extra_args));  // more qsub arguments, e.g. [-P, my-project, -l, h_vmem=4G]
    options() : slots(0) {}
  };

  /// @brief The qsub options sweep sets itself, and what to use instead.
  static constexpr std::pair<std::string_view, std::string_view> own_options[] = {
      {"-t", "sweep sets it from the jobs to run"},
      {"-tc", "sweep sets it from LAUNCH.PARALLEL_JOBS"},
      {"-N", "sweep sets it from NAME"},
      {"-o", "sweep sets it to logs/sge/$JOB_ID.$TASK_ID.out"},
      {"-e", "sweep joins the task's errors to its output (-j y)"},
      {"-j", "sweep sets it to y"},
      {"-wd", "sweep sets it to the sweep folder"},
      {"-cwd", "sweep sets -wd to the sweep folder"},
      {"-S", "sweep sets it to /bin/sh for bin/sge_task.sh"},
      {"-b", "sweep submits bin/sge_task.sh as a script"},
      {"-terse", "sweep reads the job id from it"},
      {"-sync", "sweep launch does not wait for the jobs"},
      {"-q", "use LAUNCH.SGE.QUEUE"},
      {"-pe", "use LAUNCH.SGE.PE and LAUNCH.SGE.SLOTS"},
  };

  sge_backend(const sweep_config&, options o) : options_(std::move(o)) {}

  void check(const launch_context& ctx) const {
    const auto& l = ctx.config().launch;
    auto section = ctx.section();
    if (l.time_limit * 60 <= detail::sge_soft_lead_seconds) {
      ctx.fail("LAUNCH.TIME_LIMIT",
               fmt::format("{} minutes is too short for Grid Engine: tasks requeue themselves at the soft limit, {} s "
                           "before the hard one; expected more than {} minutes", l.time_limit,
                           detail::sge_soft_lead_seconds, detail::sge_soft_lead_seconds / 60));
    }
    if (options_.queue.starts_with("-")) ctx.fail(section + ".QUEUE", fmt::format("'{}' is not a queue name", options_.queue));
    if (options_.pe.starts_with("-")) ctx.fail(section + ".PE", fmt::format("'{}' is not a parallel environment", options_.pe));
    if (options_.slots < 0) ctx.fail(section + ".SLOTS", fmt::format("expected 0 or more, got {}", options_.slots));
    if (!options_.pe.empty() && options_.slots < 1) {
      ctx.fail(section + ".SLOTS", fmt::format("expected at least 1 slot per job in parallel environment '{}'", options_.pe));
    }
    if (options_.pe.empty() && options_.slots > 0) {
      ctx.fail(section + ".PE", fmt::format("is empty but SLOTS is {}: expected a parallel environment (e.g. smp) for the slots", options_.slots));
    }
    const auto& extra = options_.extra_args;
    for (std::size_t i = 0; i < extra.size(); ++i) {
      auto key = fmt::format("{}.EXTRA_ARGS[{}]", section, i);
      const auto& arg = extra[i];
      if (i == 0 && !arg.starts_with("-")) {
        ctx.fail(key, fmt::format("'{}' is not an option: expected qsub options, each followed by its values, such as "
                                  "[-P, my-project]", arg));
      }
      for (auto& [option, instead] : own_options) {
        if (arg == option) ctx.fail(key, fmt::format("'{}' is an option sweep sets itself: {}", arg, instead));
      }
      bool resource = i > 0 && extra[i - 1] == "-l";
      if (resource && (arg.find("h_rt") != std::string::npos || arg.find("s_rt") != std::string::npos)) {
        ctx.fail(key, fmt::format("'{}' sets a time limit, which sweep sets itself from LAUNCH.TIME_LIMIT", arg));
      }
    }
  }

  /// @brief The qsub calls that submit `jobs` (sorted): one array per `max_tasks` jobs (0: no limit), numbered
  /// from `first_array`.
  [[nodiscard]] std::vector<qsub_call> plan(const sweep_config& cfg, const sweep_layout& layout,
                                            const std::vector<std::int64_t>& jobs, std::int64_t max_tasks,
                                            std::int64_t first_array) const {
    std::vector<qsub_call> calls;
    auto block = max_tasks > 0 ? static_cast<std::size_t>(max_tasks) : std::max<std::size_t>(1, jobs.size());
    const auto& l = cfg.launch;
    auto seconds = l.time_limit * 60;
    for (std::size_t from = 0; from < jobs.size(); from += block) {
      qsub_call c;
      c.array = first_array + static_cast<std::int64_t>(calls.size());
      c.jobs.assign(jobs.begin() + static_cast<std::ptrdiff_t>(from),
                    jobs.begin() + static_cast<std::ptrdiff_t>(std::min(jobs.size(), from + block)));
      c.argv = {"qsub", "-terse", "-N", sge_job_name(cfg.name), "-t", fmt::format("1-{}", c.jobs.size()), "-tc",
                fmt::format("{}", l.parallel_jobs), "-wd", layout.dir.string(),
                // Relative to -wd, so no character of ROOT_DIR/NAME is read as a $-pattern or host:path.
                "-o", "logs/sge/$JOB_ID.$TASK_ID.out", "-j", "y", "-S", "/bin/sh", "-r", "y", "-l",
                fmt::format("h_rt={},s_rt={}", seconds, seconds - detail::sge_soft_lead_seconds)};
      if (!options_.queue.empty()) c.argv.insert(c.argv.end(), {"-q", options_.queue});
      if (!options_.pe.empty()) c.argv.insert(c.argv.end(), {"-pe", options_.pe, fmt::format("{}", options_.slots)});
      c.argv.insert(c.argv.end(), options_.extra_args.begin(), options_.extra_args.end());
      c.argv.push_back((layout.bin_dir() / "sge_task.sh").string());
      c.argv.push_back(fmt::format("{}", c.array));
      calls.push_back(std::move(c));
    }
    return calls;
  }

  /// @brief Submits `jobs` as array(s), after the plan is confirmed (request.yes or request.confirm).
  launch_result launch(const launch_context& ctx, const std::vector<std::int64_t>& jobs) const;

  std::optional<queue_states> queue(const sweep_layout& layout) const { return sge_queue_states(layout); }

  /// @brief qdel of every array of this sweep that Grid Engine still holds tasks of.
  std::size_t cancel(const sweep_layout& layout) const {
    auto states = sge_queue_states(layout);
    if (!states || states->empty()) return 0;
    std::vector<std::string> argv = {"qdel"};
    for (auto& a : read_sge_arrays(layout)) argv.push_back(a.job_id);
    run_capture(argv);
    return states->size();
  }

 private:
  options options_;
};

inline launch_result sge_backend::launch(const launch_context& ctx, const std::vector<std::int64_t>& jobs) const {
  const auto& cfg = ctx.config();
  const auto& req = ctx.request();
  const auto& layout = ctx.layout();
  launch_result result;
  result.waits = false;
  if (jobs.empty()) {
    ctx.print("launch: nothing to submit: every job is done or still queued\n");
    return result;
  }
  auto first = static_cast<std::int64_t>(read_sge_arrays(layout).size());
  sge_files files(layout);
  // Arrays whose file exists but that were never submitted (a failed qsub) are numbered past.
  while (path_exists(files.array_file(first))) ++first;
  auto calls = plan(cfg, layout, jobs, req.max_array_size ? *req.max_array_size : sge_max_array_tasks(), first);
  std::vector<std::vector<std::string>> commands;
  for (auto& c : calls) commands.push_back(c.argv);
  if (!ctx.confirm_submission(jobs.size(), commands)) {
    result.declined = true;
    return result;
  }

  std::filesystem::create_directories(files.dir);
  detail::install_driver(req, layout, "sge_task.sh",
                         fmt::format("#!/bin/sh\n# Written by `sweep launch`: a Grid Engine array task of this sweep "
                                     "(see docs/sge.md); $1 is the array's number.\nexec {} sge-task --sweep-dir {} "
                                     "--array \"$1\"\n",
                                     shell_quote((layout.bin_dir() / "sweep").string()), shell_quote(layout.dir.string())));
  task_settings s;
  s.max_retry = cfg.launch.max_retry;
  s.mode = cfg.launch.mode;
  s.command = cfg.launch.command;
  s.conda_env = cfg.launch.conda_env;
  s.on_event = cfg.launch.on_event;
  s.max_failures = cfg.launch.max_failures;
  for (auto& c : calls) {
    write_sge_array(layout, c.array, c.jobs, s);
    auto r = run_capture(c.argv);
    if (r.code != 0) {
      throw error({layout.dir.string(), 0}, "", fmt::format("qsub failed (exit {}): {}", r.code, r.err + r.out));
    }
    auto id = r.out.substr(0, r.out.find_first_of(".\n"));
    result.submitted.push_back(id);
    append_line(files.jobs_file(), fmt::format("{} {}", id, c.array));
    ctx.print("launch: submitted array job {} ({} tasks, array {})\n", id, c.jobs.size(), c.array);
  }
  return result;
}

/// @brief What `sweep sge-task` (the Grid Engine array task) needs: the sweep folder and the array's number; the
/// rest comes from the array's file.
struct sge_task_options {
  std::filesystem::path sweep_dir;
  std::int64_t array = 0;
  std::string qstat = "qstat";
  std::string qdel = "qdel";
  std::FILE* log = stdout;  // the task's output file (logs/sge/<job>.<task>.out)
  job_watch watch;          // early stopping (the sweep's early_stop/ policy, read by the driver); none: off
};

/// @brief The exit code that makes Grid Engine reschedule a task (it runs again later, RESTARTED=1).
inline constexpr int sge_requeue_exit = 99;

namespace detail {

/// @brief Fail-fast: the sweep's pending tasks are deleted (running ones finish).
inline void sge_dequeue_pending(const sge_task_options& o, const sweep_layout& layout, const launch_events& events,
                                std::int64_t self, const std::string& job_id, std::int64_t task_id) {
  auto states = sge_queue_states(layout);
  skip_pending_tasks(events, states, self, o.log);
  if (!states) return;
  // qdel JOB.TASK for each pending task of each array: find which (array, task) holds each pending job.
  std::vector<std::string> argv = {o.qdel};
  for (auto& a : read_sge_arrays(layout)) {
    std::vector<std::int64_t> jobs;
    try {
      jobs = read_sge_array(layout, a.array).first;
    } catch (const error&) {
      continue;
    }
    for (std::size_t t = 0; t < jobs.size(); ++t) {
      auto q = states->find(jobs[t]);
      bool self_task = a.job_id == job_id && static_cast<std::int64_t>(t + 1) == task_id;
      if (q != states->end() && q->second.pending && !self_task) argv.push_back(fmt::format("{}.{}", a.job_id, t + 1));
    }
  }
  if (argv.size() == 1) return;
  try {
    run_capture(argv);
  } catch (const std::exception& e) {
    task_log(o.log, fmt::format("qdel failed: {}", e.what()));
  }
}

}  // namespace detail

/// @brief Runs one Grid Engine array task: job jobs[SGE_TASK_ID - 1] of the array's file, as a child it waits on.
/// SIGUSR1 (the soft time limit s_rt) requeues at once; a failure is counted in RETRY.txt and requeued while
/// retries < MAX_RETRY. Both requeue by returning 99, Grid Engine's "reschedule me". Under fail-fast it starts
/// nothing, and the task whose failure reached LAUNCH.MAX_FAILURES deletes the sweep's pending tasks.
inline int run_sge_task(const sge_task_options& o) {
  const char* task_env = std::getenv("SGE_TASK_ID");
  const char* job_env = std::getenv("JOB_ID");
  auto task_id = task_env != nullptr ? detail::sge_parse_int(task_env, -1) : -1;
  if (task_id < 1 || job_env == nullptr) {
    throw error("`sweep sge-task` runs inside a Grid Engine array task: SGE_TASK_ID and JOB_ID are not set");
  }
  std::string job_id = job_env;
  signal_pipe signals({SIGUSR1}, {SIGUSR2});  // USR2: the -notify warning before a kill, if the user asked for one
  sweep_layout layout(o.sweep_dir);
  auto cfgs = list_job_configs(layout);
  auto [jobs, settings] = read_sge_array(layout, o.array);
  if (static_cast<std::size_t>(task_id) > jobs.size()) {
    throw error({sge_files(layout).array_file(o.array).string(), 0}, "",
                fmt::format("no task {} (array {} has {})", task_id, o.array, jobs.size()));
  }
  auto index = jobs[static_cast<std::size_t>(task_id - 1)];
  if (index < 0 || static_cast<std::size_t>(index) >= cfgs.size()) {
    throw error({layout.cfgs_dir().string(), 0}, "", fmt::format("no job config {} (the sweep has {})", index, cfgs.size()));
  }
  job_folder job(layout, index);
  launch_events events(layout, settings.on_event, settings.max_failures);
  const char* restarted = std::getenv("RESTARTED");
  detail::task_log(o.log, fmt::format("array task {}.{} (pid {}) runs job {} in {}{}", job_id, task_id, ::getpid(), index,
                                      job.dir().string(), restarted != nullptr && std::string_view(restarted) == "1" ? " (restarted)" : ""));
  if (task_refused_by_fail_fast(events, job, o.log)) return 0;
  if (task_refused_as_stopped_early(job, o.log)) return 0;  // a requeue after the decision
  job.prepare();
  auto attempt = run_task_attempt(task_spawn_options(layout, cfgs, index, settings), signals, {SIGUSR1}, job, o.log, o.watch);
  if (attempt.signal == SIGUSR1) {
    detail::task_log(o.log, "caught USR1 (soft time limit): requeuing with exit 99");
    return sge_requeue_exit;
  }
  switch (settle_task_attempt(attempt, job, settings, events, o.log)) {
    case task_next::done: return 0;
    case task_next::retry: detail::task_log(o.log, "requeuing with exit 99"); return sge_requeue_exit;
    case task_next::failed_fast: detail::sge_dequeue_pending(o, layout, events, index, job_id, task_id); return 1;
    case task_next::failed: return 1;
  }
  return 1;
}

}  // namespace sweep
