// The SLURM backend: the sweep becomes one sbatch job array (several when it is
// larger than the cluster's MaxArraySize), whose tasks run `sweep job` — the
// wrapper below — from a copy of the driver in the sweep folder. No shell sees
// a config value: sbatch and srun get argument vectors, and the one script
// (bin/job.sh) holds only shell-quoted paths and passes "$@" on.
#pragma once

#include <sweep/base/files.hpp>
#include <sweep/base/layout.hpp>
#include <sweep/config/sweep_config.hpp>
#include <sweep/error.hpp>
#include <sweep/launch/backend.hpp>
#include <sweep/launch/command.hpp>
#include <sweep/launch/job_state.hpp>
#include <sweep/launch/process.hpp>
#include <sweep/launch/request.hpp>
#include <sweep/launch/task.hpp>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace sweep {

/// @brief One sbatch call: an array whose task t runs job offset + t.
struct sbatch_call {
  std::int64_t offset = 0;
  std::vector<std::int64_t> tasks;
  std::vector<std::string> argv;
};

/// @brief One submitted array, as remembered in logs/sbatch/jobs.txt.
struct slurm_array {
  std::string job_id;
  std::int64_t offset = 0;
};

/// @brief SLURM's own files in the sweep folder: logs/sbatch/%A_%a.out (the tasks' wrapper logs) and
/// logs/sbatch/jobs.txt ("<array job id> <offset>" per submitted array); SLURM.txt in each job's folder.
struct slurm_files {
  explicit slurm_files(const sweep_layout& layout) : dir(layout.backend_dir("sbatch")) {}
  std::filesystem::path dir;
  [[nodiscard]] std::filesystem::path jobs_file() const { return dir / "jobs.txt"; }
  static constexpr std::string_view job_env_file = "SLURM.txt";
};

namespace detail {

/// @brief Seconds before the time limit at which SLURM sends USR1 (the task then requeues itself).
inline constexpr int usr1_lead_seconds = 300;

inline std::int64_t parse_int(std::string_view s, std::int64_t fallback) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  std::int64_t v = fallback;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() ? v : fallback;
}

}  // namespace detail

/// @brief "0-9,12,15-20%4": sorted task ids as SLURM's --array ranges, at most `parallel` at once.
inline std::string array_spec(const std::vector<std::int64_t>& tasks, std::int64_t parallel) {
  std::string out;
  for (std::size_t i = 0; i < tasks.size();) {
    std::size_t j = i;
    while (j + 1 < tasks.size() && tasks[j + 1] == tasks[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += j == i ? fmt::format("{}", tasks[i]) : fmt::format("{}-{}", tasks[i], tasks[j]);
    i = j + 1;
  }
  return fmt::format("{}%{}", out, parallel);
}

/// @brief The cluster's MaxArraySize (task ids must stay below it); SLURM's default 1001 when unknown.
inline std::int64_t slurm_max_array_size() {
  try {
    auto c = run_capture({"scontrol", "show", "config"});
    std::istringstream in(c.out);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("MaxArraySize", 0) == 0) {
        auto eq = line.find('=');
        if (eq != std::string::npos) return detail::parse_int(std::string_view(line).substr(eq + 1), 1001);
      }
    }
  } catch (const std::exception&) {
  }
  return 1001;
}

/// @brief sbatch's options for a sweep (pycls's set; docs/slurm.md), then the batch script and its arguments.
/// `extra`: LAUNCH.SLURM.EXTRA_ARGS, passed on as they are, before the script.
inline std::vector<std::string> sbatch_arguments(const sweep_config& cfg, const sweep_layout& layout,
                                                 const std::string& array, const std::vector<std::string>& script_args,
                                                 const std::vector<std::string>& extra = {}) {
  const auto& l = cfg.launch;
  auto gpus = std::max<std::int64_t>(1, l.num_gpus);  // memory and cpus are per GPU; a CPU job counts as one
  std::vector<std::string> a = {"sbatch", "--parsable", "--job-name=" + cfg.name};
  if (!l.partition.empty()) a.push_back("--partition=" + l.partition);
  if (l.num_gpus > 0) a.push_back(fmt::format("--gpus={}", l.num_gpus));
  if (!l.gpu_type.empty()) a.push_back("--constraint=" + l.gpu_type);
  a.push_back(fmt::format("--mem={}G", l.mem_per_gpu * gpus));
  a.push_back(fmt::format("--cpus-per-task={}", l.cpus_per_gpu * gpus));
  a.push_back("--array=" + array);
  // Relative to --chdir, so no character of ROOT_DIR/NAME is read as a %-pattern.
  a.push_back("--chdir=" + layout.dir.string());
  a.push_back("--output=logs/sbatch/%A_%a.out");
  a.push_back("--error=logs/sbatch/%A_%a.out");
  a.push_back(fmt::format("--time={}", l.time_limit));
  if (!l.comment.empty()) a.push_back("--comment=" + l.comment);
  a.push_back(fmt::format("--signal=B:USR1@{}", detail::usr1_lead_seconds));
  a.push_back(fmt::format("--nodes={}", l.nodes));
  a.push_back(fmt::format("--ntasks-per-node={}", l.tasks_per_node));
  a.push_back("--open-mode=append");
  a.insert(a.end(), extra.begin(), extra.end());
  a.push_back((layout.bin_dir() / "job.sh").string());
  a.insert(a.end(), script_args.begin(), script_args.end());
  return a;
}

/// @brief The sbatch calls that submit `jobs` (sorted indices): one array per MaxArraySize block of indices.
inline std::vector<sbatch_call> plan_sbatch(const sweep_config& cfg, const sweep_layout& layout,
                                            const std::vector<std::int64_t>& jobs, std::int64_t max_array_size,
                                            const std::vector<std::string>& extra = {}) {
  std::vector<sbatch_call> calls;
  max_array_size = std::max<std::int64_t>(1, max_array_size);
  for (auto i : jobs) {
    auto offset = i / max_array_size * max_array_size;
    if (calls.empty() || calls.back().offset != offset) calls.push_back({offset, {}, {}});
    calls.back().tasks.push_back(i - offset);
  }
  for (auto& c : calls) {
    std::vector<std::string> script_args = {"--offset", fmt::format("{}", c.offset), "--max-retry",
                                            fmt::format("{}", cfg.launch.max_retry), "--mode", cfg.launch.mode,
                                            "--command", cfg.launch.command};
    if (!cfg.launch.conda_env.empty()) script_args.insert(script_args.end(), {"--conda-env", cfg.launch.conda_env});
    if (cfg.launch.nodes * cfg.launch.tasks_per_node > 1) {
      script_args.insert(script_args.end(), {"--nodes", fmt::format("{}", cfg.launch.nodes), "--tasks-per-node",
                                             fmt::format("{}", cfg.launch.tasks_per_node)});
    }
    if (!cfg.launch.on_event.empty()) script_args.insert(script_args.end(), {"--on-event", cfg.launch.on_event});
    if (cfg.launch.max_failures > 0) {
      script_args.insert(script_args.end(), {"--max-failures", fmt::format("{}", cfg.launch.max_failures)});
    }
    c.argv = sbatch_arguments(cfg, layout, array_spec(c.tasks, cfg.launch.parallel_jobs), script_args, extra);
  }
  return calls;
}

/// @brief The arrays submitted for this sweep so far (logs/sbatch/jobs.txt).
inline std::vector<slurm_array> read_slurm_arrays(const sweep_layout& layout) {
  std::vector<slurm_array> arrays;
  std::string text;
  read_file_into(slurm_files(layout).jobs_file().string(), text);  // none yet: nothing submitted
  std::istringstream in(text);
  slurm_array a;
  while (in >> a.job_id >> a.offset) arrays.push_back(a);
  return arrays;
}

/// @brief Job index -> squeue state (PENDING, RUNNING, ...) of this sweep's tasks that SLURM still holds.
/// Reads squeue only (no accounting database); nullopt when squeue cannot be run.
inline std::optional<queue_states> slurm_queue_states(const sweep_layout& layout) {
  auto arrays = read_slurm_arrays(layout);
  queue_states states;
  if (arrays.empty()) return states;
  captured c;
  try {
    c = run_capture({"squeue", "--noheader", "--array", "--format=%F %K %T"});
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (c.code != 0) return std::nullopt;
  std::map<std::string, std::int64_t> offsets;
  for (auto& a : arrays) offsets[a.job_id] = a.offset;
  std::istringstream in(c.out);
  std::string job, task, state;
  while (in >> job >> task >> state) {
    auto it = offsets.find(job);
    if (it == offsets.end()) continue;
    auto t = detail::parse_int(task, -1);
    bool pending = state == "PENDING" || state.rfind("REQUEUE", 0) == 0;
    if (t >= 0) states[it->second + t] = {pending, state};
  }
  return states;
}

/// @brief The SLURM backend (LAUNCH.BACKEND slurm): the jobs become sbatch array(s) whose tasks run
/// `sweep job`; see docs/slurm.md. Its own keys: LAUNCH.SLURM.EXTRA_ARGS; pycls's flat keys
/// (PARTITION, NUM_GPUS, CPUS_PER_GPU, MEM_PER_GPU, GPU_TYPE, COMMENT) stay where pycls has them.
class slurm_backend {
 public:
  static constexpr std::string_view name = "slurm";
  struct options {
    BOOST_HANA_DEFINE_STRUCT(options,
      (std::vector<std::string>, extra_args));  // extra sbatch options, e.g. [--qos=high, --account=lab]
  };

  /// @brief The sbatch options sweep sets itself (long name, short letter or 0, and where the value comes from):
  /// EXTRA_ARGS may not repeat them.
  struct own_option {
    std::string_view name;
    char letter;
    std::string_view from;
  };
  static constexpr own_option own_options[] = {
      {"array", 'a', "sweep sets it from the jobs to run and LAUNCH.PARALLEL_JOBS"},
      {"job-name", 'J', "sweep sets it from NAME"},
      {"output", 'o', "sweep sets it to logs/sbatch/%A_%a.out"},
      {"error", 'e', "sweep sets it to logs/sbatch/%A_%a.out"},
      {"chdir", 'D', "sweep sets it to the sweep folder"},
      {"open-mode", 0, "sweep sets it to append"},
      {"signal", 0, "sweep sets it to B:USR1@300 for the requeue before the time limit"},
      {"parsable", 0, "sweep reads the array job id from it"},
      {"wrap", 0, "sweep submits bin/job.sh"},
      {"nodes", 'N', "use LAUNCH.NODES"},
      {"ntasks-per-node", 0, "use LAUNCH.TASKS_PER_NODE"},
      {"ntasks", 'n', "use LAUNCH.NODES and LAUNCH.TASKS_PER_NODE"},
      {"partition", 'p', "use LAUNCH.PARTITION"},
      {"gpus", 'G', "use LAUNCH.NUM_GPUS"},
      {"constraint", 'C', "use LAUNCH.GPU_TYPE"},
      {"mem", 0, "use LAUNCH.MEM_PER_GPU"},
      {"cpus-per-task", 'c', "use LAUNCH.CPUS_PER_GPU"},
      {"time", 't', "use LAUNCH.TIME_LIMIT"},
      {"comment", 0, "use LAUNCH.COMMENT"},
  };

  /// @brief The option of `own_options` that an EXTRA_ARGS word sets, if any ("--array=1", "-J", "-Jname").
  static const own_option* own_option_of(std::string_view arg) {
    for (auto& o : own_options) {
      if (arg.starts_with("--")) {
        auto name = arg.substr(2, arg.find('=') == std::string_view::npos ? std::string_view::npos : arg.find('=') - 2);
        if (name == o.name) return &o;
      } else if (o.letter != 0 && arg.size() >= 2 && arg[0] == '-' && arg[1] == o.letter) {
        return &o;
      }
    }
    return nullptr;
  }

  slurm_backend(const sweep_config&, options o) : options_(std::move(o)) {}

  void check(const launch_context& ctx) const {
    const auto& l = ctx.config().launch;
    if (l.num_gpus < 0) ctx.fail("LAUNCH.NUM_GPUS", fmt::format("expected 0 or more, got {}", l.num_gpus));
    if (l.cpus_per_gpu < 1) ctx.fail("LAUNCH.CPUS_PER_GPU", fmt::format("expected at least 1, got {}", l.cpus_per_gpu));
    if (l.mem_per_gpu < 0) ctx.fail("LAUNCH.MEM_PER_GPU", fmt::format("expected 0 or more GB, got {}", l.mem_per_gpu));
    if (l.time_limit * 60 <= detail::usr1_lead_seconds) {
      ctx.fail("LAUNCH.TIME_LIMIT",
               fmt::format("{} minutes is too short for SLURM: tasks requeue themselves {} s before their limit; "
                           "expected more than {} minutes", l.time_limit, detail::usr1_lead_seconds,
                           detail::usr1_lead_seconds / 60));
    }
    for (std::size_t i = 0; i < options_.extra_args.size(); ++i) {
      auto& arg = options_.extra_args[i];
      auto key = fmt::format("{}.EXTRA_ARGS[{}]", ctx.section(), i);
      if (!arg.starts_with("-")) {
        ctx.fail(key, fmt::format("'{}' is not an option: expected sbatch options such as --qos=high (an option's "
                                  "value goes with it: --account=my-lab)", arg));
      }
      if (auto* own = own_option_of(arg)) {
        ctx.fail(key, fmt::format("'{}' is an option sweep sets itself (--{}): {}", arg, own->name, own->from));
      }
    }
  }

  /// @brief Submits `jobs` as array(s), after the plan is confirmed (request.yes or request.confirm).
  launch_result launch(const launch_context& ctx, const std::vector<std::int64_t>& jobs) const;

  std::optional<queue_states> queue(const sweep_layout& layout) const { return slurm_queue_states(layout); }

  /// @brief scancel of every array this sweep submitted that SLURM still holds tasks of.
  std::size_t cancel(const sweep_layout& layout) const {
    auto states = slurm_queue_states(layout);
    if (!states || states->empty()) return 0;
    for (auto& a : read_slurm_arrays(layout)) run_capture({"scancel", a.job_id});
    return states->size();
  }

 private:
  options options_;
};

inline launch_result slurm_backend::launch(const launch_context& ctx, const std::vector<std::int64_t>& jobs) const {
  const auto& cfg = ctx.config();
  const auto& req = ctx.request();
  const auto& layout = ctx.layout();
  launch_result result;
  result.waits = false;
  if (jobs.empty()) {
    ctx.print("launch: nothing to submit: every job is done or still queued\n");
    return result;
  }
  auto calls = plan_sbatch(cfg, layout, jobs, req.max_array_size ? *req.max_array_size : slurm_max_array_size(),
                           options_.extra_args);
  std::vector<std::vector<std::string>> commands;
  for (auto& c : calls) commands.push_back(c.argv);
  if (!ctx.confirm_submission(jobs.size(), commands)) {
    result.declined = true;
    return result;
  }

  slurm_files files(layout);
  std::filesystem::create_directories(files.dir);
  detail::install_driver(req, layout, "job.sh",
                         fmt::format("#!/bin/sh\n# Written by `sweep launch`: a SLURM array task of this sweep "
                                     "(see docs/slurm.md).\nexec {} job --sweep-dir {} \"$@\"\n",
                                     shell_quote((layout.bin_dir() / "sweep").string()), shell_quote(layout.dir.string())));

  for (auto& c : calls) {
    auto r = run_capture(c.argv);
    if (r.code != 0) {
      throw error({layout.dir.string(), 0}, "", fmt::format("sbatch failed (exit {}): {}", r.code, r.err + r.out));
    }
    auto id = r.out.substr(0, r.out.find_first_of(";\n"));
    result.submitted.push_back(id);
    append_line(files.jobs_file(), fmt::format("{} {}", id, c.offset));
    ctx.print("launch: submitted array job {} ({} tasks, jobs from {})\n", id, c.tasks.size(), c.offset);
  }
  return result;
}

/// @brief What `sweep job` (the SLURM array task) needs; the values come from bin/job.sh's arguments.
struct slurm_task_options {
  std::filesystem::path sweep_dir;
  std::int64_t offset = 0;
  task_settings job;            // MAX_RETRY, MODE, COMMAND, CONDA_ENV, ON_EVENT, MAX_FAILURES
  std::int64_t nodes = 1;       // LAUNCH.NODES, LAUNCH.TASKS_PER_NODE: srun gets them when more than one task
  std::int64_t tasks_per_node = 1;
  std::string srun = "srun";
  std::string scontrol = "scontrol";
  std::string scancel = "scancel";
  std::FILE* log = stdout;  // the task's sbatch output file
  job_watch watch;          // early stopping (the sweep's early_stop/ policy, read by the driver); none: off
};

namespace detail {

inline std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

/// @brief `scontrol requeue <array job>_<task>`: the task goes back to the queue with the same index.
inline void requeue_task(const slurm_task_options& o, const std::string& task) {
  task_log(o.log, fmt::format("requeuing: {} requeue {}", o.scontrol, task));
  try {
    auto r = run_capture({o.scontrol, "requeue", task});
    if (r.code != 0) task_log(o.log, fmt::format("requeue failed (exit {}): {}", r.code, r.err));
  } catch (const std::exception& e) {
    task_log(o.log, fmt::format("requeue failed: {}", e.what()));
  }
}

/// @brief Fail-fast: the sweep's pending tasks are cancelled (running ones finish).
inline void cancel_pending_tasks(const slurm_task_options& o, const sweep_layout& layout, const launch_events& events,
                                 std::int64_t self) {
  skip_pending_tasks(events, slurm_queue_states(layout), self, o.log);
  std::vector<std::string> argv = {o.scancel, "--state=PENDING"};
  for (auto& a : read_slurm_arrays(layout)) argv.push_back(a.job_id);
  try {
    run_capture(argv);
  } catch (const std::exception& e) {
    task_log(o.log, fmt::format("scancel failed: {}", e.what()));
  }
}

}  // namespace detail

/// @brief Runs one SLURM array task: the job with index offset + SLURM_ARRAY_TASK_ID, through srun, as a child
/// it waits on. USR1 requeues at once; SIGTERM is ignored; a failure is counted in RETRY.txt and requeued while
/// retries < MAX_RETRY. Under fail-fast (LAUNCH.MAX_FAILURES reached) it starts nothing, and the task whose
/// failure reached the limit cancels the sweep's pending tasks. Returns the exit code for the task (0 when
/// requeued, done or refused).
inline int run_slurm_task(const slurm_task_options& o) {
  auto task_id = detail::env_or_empty("SLURM_ARRAY_TASK_ID");
  auto array_id = detail::env_or_empty("SLURM_ARRAY_JOB_ID");
  if (task_id.empty() || array_id.empty()) {
    throw error("`sweep job` runs inside a SLURM array task: SLURM_ARRAY_TASK_ID and SLURM_ARRAY_JOB_ID are not set");
  }
  // Installed first, so a USR1 that arrives while we prepare is not lost.
  signal_pipe signals({SIGUSR1}, {SIGTERM});
  sweep_layout layout(o.sweep_dir);
  auto cfgs = list_job_configs(layout);
  auto index = o.offset + detail::parse_int(task_id, -1);
  if (index < 0 || static_cast<std::size_t>(index) >= cfgs.size()) {
    throw error({layout.cfgs_dir().string(), 0}, "", fmt::format("no job config {} (the sweep has {})", index, cfgs.size()));
  }
  auto task = array_id + "_" + task_id;
  job_folder job(layout, index);
  launch_events events(layout, o.job.on_event, o.job.max_failures);
  detail::task_log(o.log, fmt::format("array task {} runs job {} in {}", task, index, job.dir().string()));
  if (task_refused_by_fail_fast(events, job, o.log)) return 0;
  if (task_refused_as_stopped_early(job, o.log)) return 0;  // a requeue after the decision
  job.prepare();

  nlohmann::json slurm = nlohmann::json::object();
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (kv.rfind("SLURM_", 0) == 0 && eq != std::string_view::npos) slurm[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
  }
  {
    std::ofstream f(job.dir() / slurm_files::job_env_file, std::ios::app);
    f << "SLURM env variables for the job writing to this directory:\n" << slurm.dump(4, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  }

  std::vector<std::string> prefix = {o.srun};
  if (o.nodes * o.tasks_per_node > 1) {
    prefix.push_back(fmt::format("--nodes={}", o.nodes));
    prefix.push_back(fmt::format("--ntasks-per-node={}", o.tasks_per_node));
  }
  auto attempt = run_task_attempt(task_spawn_options(layout, cfgs, index, o.job, prefix), signals, {SIGUSR1}, job, o.log, o.watch);
  if (attempt.signal == SIGUSR1) {
    detail::task_log(o.log, "caught USR1 (time limit near)");
    detail::requeue_task(o, task);
    return 0;  // exit right away: SLURM's SIGTERM/SIGKILL of the requeue follow
  }
  switch (settle_task_attempt(attempt, job, o.job, events, o.log)) {
    case task_next::done: return 0;
    case task_next::retry: detail::requeue_task(o, task); return 0;
    case task_next::failed_fast: detail::cancel_pending_tasks(o, layout, events, index); return 1;
    case task_next::failed: return 1;
  }
  return 1;
}

}  // namespace sweep
