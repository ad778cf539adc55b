// `sweep simulate`: replays an early-stopping policy on a collected sweep whose
// jobs all ran to their end, to see before a launch what it would save (epochs
// run / epochs of the full sweep) and what it would keep (the full sweep's rank
// of the best job the policy lets finish, how many of the true top 5 finish).
#pragma once

#include <sweep/base/files.hpp>
#include <sweep/config/sweep_config.hpp>
#include <sweep/early_stop/asha.hpp>
#include <sweep/early_stop/decisions.hpp>
#include <sweep/error.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

namespace sweep {

/// @brief What the policy would have done to a fully trained sweep.
struct simulation_result {
  std::size_t jobs = 0;                 // jobs with the metric's record
  std::int64_t epochs_full = 0;         // epochs the sweep ran
  std::int64_t epochs_run = 0;          // epochs it would have run
  std::vector<std::size_t> stopped_at;  // jobs stopped at each rung
  std::size_t best_rank = 0;            // the full sweep's rank (by ANALYZE.ERROR: 1 + jobs strictly better) of the best finished job
  std::size_t top5_finished = 0;        // of the full sweep's best 5 (fewer in a smaller sweep), how many finish
  std::size_t top5 = 0;
  std::string best_job;                 // the full sweep's best job (its log_file; the first of equals)
  double best_error = 0;                // its error
  bool best_finished = false;           // a job with the full sweep's best error finishes

  [[nodiscard]] std::size_t stopped() const { return std::accumulate(stopped_at.begin(), stopped_at.end(), std::size_t{0}); }
  [[nodiscard]] double saved() const {
    return epochs_full == 0 ? 0.0 : 1.0 - static_cast<double>(epochs_run) / static_cast<double>(epochs_full);
  }
};

namespace detail {

/// @brief ANALYZE.ERROR of one job of sweep.json: the field's value, a list reduced by its minimum (NaN: none).
inline double job_error(const nlohmann::json& job, const std::string& error) {
  auto dot = error.find('.');
  auto rec = job.find(error.substr(0, dot));
  double best = std::numeric_limits<double>::quiet_NaN();
  if (rec == job.end() || !rec->is_object()) return best;
  auto f = rec->find(error.substr(dot + 1));
  if (f == rec->end()) return best;
  auto take = [&](const nlohmann::json& v) {
    if (v.is_number() && (std::isnan(best) || v.get<double>() < best)) best = v.get<double>();
  };
  if (f->is_array()) {
    for (auto& v : *f) take(v);
  } else {
    take(*f);
  }
  return best;
}

}  // namespace detail

/// @brief Replays `p` on the jobs of a sweep.json as the local launcher would run them: `parallel` at a time in
/// job order, one time unit per epoch, each rung decided with the jobs that reached it earlier (ties in time:
/// lower job index first). `error_key` (ANALYZE.ERROR) ranks the full sweep.
inline simulation_result simulate_early_stop(const asha_policy& p, const nlohmann::json& sweep, const std::string& error_key,
                                             std::size_t parallel) {
  struct sim_job {
    job_progress progress;
    std::vector<std::int64_t> rungs;
    double error = 0;
    std::string name;
    std::int64_t last = 0;  // epochs the full sweep ran
    std::int64_t start = 0;
    std::size_t next = 0;   // next rung
    bool stopped = false;
  };
  std::vector<sim_job> jobs;
  for (auto& j : sweep) {
    sim_job s;
    s.progress = progress_of(p, j);
    if (s.progress.epoch_max == 0 || s.progress.points.empty()) continue;
    s.rungs = p.rungs(s.progress.epoch_max);
    s.error = detail::job_error(j, error_key);
    s.last = s.progress.points.back().first;
    s.name = j.value("log_file", std::string());
    jobs.push_back(std::move(s));
  }
  if (jobs.empty()) throw error(fmt::format("no job of the sweep has epochs of {}: expected a sweep.json whose jobs log it", p.metric()));
  simulation_result out;
  out.jobs = jobs.size();
  std::vector<std::vector<double>> at_rung;
  std::vector<std::size_t> running;
  std::size_t started = 0;
  std::int64_t now = 0;
  parallel = std::max<std::size_t>(1, parallel);
  auto start_more = [&] {
    while (running.size() < parallel && started < jobs.size()) {
      jobs[started].start = now;
      running.push_back(started++);
    }
  };
  start_more();
  while (!running.empty()) {
    // the next event: a job reaching its next rung, or ending
    std::size_t pick = 0;
    std::int64_t next_time = std::numeric_limits<std::int64_t>::max();
    for (std::size_t k = 0; k < running.size(); ++k) {
      auto& s = jobs[running[k]];
      auto t = s.start + (s.next < s.rungs.size() && s.rungs[s.next] < s.last ? s.rungs[s.next] : s.last);
      if (t < next_time || (t == next_time && running[k] < running[pick])) {
        next_time = t;
        pick = k;
      }
    }
    now = next_time;
    auto& s = jobs[running[pick]];
    bool ends = true;
    if (s.next < s.rungs.size() && s.rungs[s.next] < s.last) {
      auto r = s.next++;
      if (at_rung.size() <= r) at_rung.resize(r + 1);
      auto value = s.progress.at(s.rungs[r]).value_or(std::numeric_limits<double>::quiet_NaN());
      auto v = asha_decide(p, value, at_rung[r]);
      at_rung[r].push_back(value);
      if (!v.promoted) {
        s.stopped = true;
        if (out.stopped_at.size() <= r) out.stopped_at.resize(r + 1);
        ++out.stopped_at[r];
        out.epochs_run += s.rungs[r];
      } else {
        ends = false;
      }
    } else {
      out.epochs_run += s.last;
    }
    if (ends) {
      running.erase(running.begin() + static_cast<std::ptrdiff_t>(pick));
      start_more();
    }
  }
  for (auto& s : jobs) out.epochs_full += s.last;
  std::vector<std::size_t> order(jobs.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  auto cost = [](double e) { return std::isnan(e) ? std::numeric_limits<double>::infinity() : e; };
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return cost(jobs[a].error) < cost(jobs[b].error); });
  out.top5 = std::min<std::size_t>(5, order.size());
  // Ranks count the jobs strictly better: jobs with equal errors (a small test set) share a rank.
  std::size_t rank = 0;
  for (std::size_t k = 0; k < order.size(); ++k) {
    auto& s = jobs[order[k]];
    if (k == 0 || cost(s.error) > cost(jobs[order[k - 1]].error)) rank = k + 1;
    if (k == 0) {
      out.best_job = s.name;
      out.best_error = s.error;
    }
    if (!s.stopped && out.best_rank == 0) out.best_rank = rank;
    if (k < out.top5 && !s.stopped) ++out.top5_finished;
  }
  out.best_finished = out.best_rank == 1;
  return out;
}

/// @brief `sweep simulate`: the policy of cfg's EARLY_STOP (checked) on `sweep_file` (a collected sweep.json).
inline simulation_result simulate_early_stop(const sweep_config& cfg, const std::filesystem::path& sweep_file,
                                             std::size_t parallel) {
  check_early_stop_options(cfg);
  if (!cfg.early_stop.enabled()) {
    config_checker(cfg).fail("EARLY_STOP.TYPE", "is not set: expected the policy to simulate, e.g. EARLY_STOP: {TYPE: asha}");
  }
  auto text = read_file(sweep_file);
  auto sweep = nlohmann::json::parse(text, nullptr, false);
  if (!sweep.is_array()) {
    throw error({sweep_file.string(), 0}, "", "expected a sweep.json as `sweep collect` writes it (a list of jobs)");
  }
  return simulate_early_stop(asha_policy::from(cfg), sweep, cfg.analyze.error, parallel);
}

/// @brief The lines `sweep simulate` prints.
inline std::string format_simulation(const asha_policy& p, const simulation_result& r) {
  std::string out = fmt::format("simulate: {} jobs, rungs at epoch {} x {}^r on {}\n", r.jobs, p.min_epochs, p.eta, p.metric());
  out += fmt::format("simulate: epochs run {} of {} ({:.1f}% saved)\n", r.epochs_run, r.epochs_full, 100 * r.saved());
  for (std::size_t k = 0; k < r.stopped_at.size(); ++k) out += fmt::format("simulate: stopped at rung {}: {}\n", k, r.stopped_at[k]);
  out += fmt::format("simulate: the best error of the full sweep ({}, {}) {}\n", r.best_error, r.best_job,
                     r.best_finished ? "is reached by a job that finishes" : "is reached by no job that finishes");
  out += fmt::format("simulate: the best finished job ranks {} in the full sweep; {} of the top {} finish\n", r.best_rank,
                     r.top5_finished, r.top5);
  return out;
}

}  // namespace sweep
