// sweep::launch: the one entry point of the launch stage, for the driver and for
// programs. It does what every backend shares, in this order: check the config
// (the keys every backend uses, then the chosen backend's own), take the launch
// lock, refuse while another backend still holds jobs of the sweep, choose the
// jobs (not done, not queued; only the failed ones on request), copy the code
// the command names, give failed jobs their retries anew; then the backend runs
// or submits the chosen jobs. sweep::cancel stops what any backend holds.
#pragma once

#include <sweep/config/check.hpp>
#include <sweep/config/sweep_config.hpp>
#include <sweep/launch/backend.hpp>
#include <sweep/launch/backends.hpp>
#include <sweep/launch/events.hpp>
#include <sweep/launch/job_program.hpp>
#include <sweep/launch/job_state.hpp>
#include <sweep/launch/local.hpp>
#include <sweep/base/lock.hpp>
#include <sweep/launch/request.hpp>
#include <sweep/launch/sge.hpp>
#include <sweep/launch/slurm.hpp>

#include <fmt/format.h>

#include <cstdio>

#include <string>
#include <vector>

namespace sweep {

/// @brief LAUNCH's keys every backend shares that config/check.hpp leaves to the launch stage: NODES,
/// TASKS_PER_NODE, MAX_FAILURES, ON_EVENT (its words and placeholders).
inline void check_launch_shared_options(const sweep_config& cfg) {
  config_checker c(cfg);
  const auto& l = cfg.launch;
  c.require(l.nodes >= 1, "LAUNCH.NODES", fmt::format("expected at least 1, got {}", l.nodes));
  c.require(l.tasks_per_node >= 1, "LAUNCH.TASKS_PER_NODE", fmt::format("expected at least 1, got {}", l.tasks_per_node));
  c.require(l.max_failures >= 0, "LAUNCH.MAX_FAILURES", fmt::format("expected 0 (off) or more, got {}", l.max_failures));
  try {
    split_on_event(l.on_event, cfg.file);
  } catch (const error& e) {
    c.fail("LAUNCH.ON_EVENT", e.message());
  }
}

/// @brief The launch stage's checks of a config: the common keys, LAUNCH's shared keys, the backend's
/// name and every LAUNCH.<NAME> section, then the backend's own check. Returns the backend.
inline std::unique_ptr<any_launch_backend> check_launch(const sweep_config& cfg, const launch_request& request = {}) {
  check_common_options(cfg);
  check_launch_common_options(cfg);
  check_launch_shared_options(cfg);
  auto name = request.backend ? *request.backend : cfg.launch.backend;
  std::unique_ptr<any_launch_backend> backend;
  try {
    backend = make_launch_backend(cfg, name);
  } catch (const error& e) {
    if (!request.backend || e.key_path() != "LAUNCH.BACKEND") throw;
    throw error({"command line", 0}, "--backend", e.message());
  }
  backend->check(launch_context(cfg, request, name));
  return backend;
}

/// @brief Launches the sweep's jobs (setup must have written cfgs/) with the backend named by
/// request.backend or else LAUNCH.BACKEND. Finished jobs are skipped, so launching again resumes.
inline launch_result launch(const sweep_config& cfg, const launch_request& request = {}) {
  auto name = request.backend ? *request.backend : cfg.launch.backend;
  auto backend = check_launch(cfg, request);
  launch_context ctx(cfg, request, name);
  const auto& layout = ctx.layout();
  sweep_lock in_use(layout, sweep_access::shared, "launch");  // no setup replaces cfgs/ under the jobs
  const auto& cfgs = ctx.job_configs();
  expand_command(ctx.command_template(), {"cfg", "out_dir", 0, cfg.launch.mode}, cfg.file);  // bad placeholders fail now
  check_job_program(cfg, ctx.command_template(), ctx.project_dir());                          // a missing program too

  std::filesystem::create_directories(layout.logs_dir());
  file_lock lock(layout.lock_file(), true);
  if (!lock.locked()) {
    throw error({layout.dir.string(), 0}, "", "another `sweep launch` is running this sweep: expected it to end first");
  }

  // A job some engine still holds must not run twice: the chosen backend skips its own queued jobs,
  // and no other backend may hold any.
  std::vector<bool> held(cfgs.size(), false);
  for (auto& other : launch_backends().names()) {  // check_launch has checked every LAUNCH.<NAME>
    auto states = other == name ? backend->queue(layout) : detail::make_unchecked_launch_backend(cfg, other)->queue(layout);
    if (!states) {
      throw error({layout.dir.string(), 0}, "",
                  fmt::format("this sweep was launched with the {} backend before and its queue cannot be read now: "
                              "expected a working queue before launching again", other));
    }
    if (other != name && !states->empty()) {
      throw error({layout.dir.string(), 0}, "",
                  fmt::format("{} job(s) of this sweep are queued or running on the {} backend: expected them to end "
                              "(or `sweep cancel`) before launching with {}", states->size(), other, name));
    }
    for (auto& [index, state] : *states) {
      if (index >= 0 && static_cast<std::size_t>(index) < held.size()) held[static_cast<std::size_t>(index)] = true;
    }
  }

  std::vector<std::int64_t> jobs;
  for (std::size_t i = 0; i < cfgs.size(); ++i) {
    auto job = ctx.job(static_cast<std::int64_t>(i));
    // a job early stopping ended is as finished as a done one: its decision stands (docs/early_stopping.md)
    if (held[i] || job.done() || job.stopped_early() || (request.only_failed && !job.failed())) continue;
    jobs.push_back(static_cast<std::int64_t>(i));
  }
  detail::copy_named_code(ctx.command_template(), ctx.project_dir(), layout.code_dir(), request.out);
  detail::copy_named_code(split_on_event(cfg.launch.on_event), ctx.project_dir(), layout.code_dir(), request.out);
  std::size_t left_running = 0;
  for (auto i : jobs) {
    auto job = ctx.job(i);
    if (job.failed()) job.reset_failed();
    if (job.stop_left_processes(request.kill_grace)) ++left_running;  // never two copies of a job
  }
  if (left_running > 0) {
    ctx.print("launch: stopped what {} job(s) of a launcher that died had left running; they run again\n", left_running);
  }
  // Events count the jobs this launch hands over plus those an engine still runs for an earlier one.
  std::size_t still_held = 0;
  for (std::size_t i = 0; i < cfgs.size(); ++i) {
    auto job = ctx.job(static_cast<std::int64_t>(i));
    still_held += held[i] && !job.done() && !job.stopped_early() ? 1 : 0;
  }
  if (!jobs.empty()) launch_events(layout, cfg.launch).begin(jobs.size() + still_held);

  auto result = backend->launch(ctx, jobs);
  result.backend = name;
  result.jobs = cfgs.size();
  result.selected = jobs.size();
  result.skipped = cfgs.size() - jobs.size();
  if (result.failed > 0) ctx.print("{}", failed_job_note(layout, jobs));  // flushed before any error on stderr
  return result;
}

/// @brief What sweep::cancel stopped, per backend.
struct cancel_result {
  std::vector<std::pair<std::string, std::size_t>> cancelled;  // backend name, jobs stopped or dequeued
  [[nodiscard]] std::size_t total() const {
    std::size_t n = 0;
    for (auto& [name, count] : cancelled) n += count;
    return n;
  }
};

/// @brief Cancels every job of the sweep that a backend runs or holds in its queue (a local launcher is
/// asked to stop; cluster jobs are dequeued). Jobs keep their logs; launching again resumes them.
inline cancel_result cancel(const sweep_config& cfg) {
  check_common_options(cfg);
  sweep_layout layout(sweep_dir(cfg));
  list_job_configs(layout);  // a sweep that was set up
  cancel_result result;
  for_each_launch_backend(cfg, [&](const std::string& name, const any_launch_backend& backend) {
    auto n = backend.cancel(layout);
    if (n > 0) result.cancelled.emplace_back(name, n);
  });
  return result;
}

}  // namespace sweep
