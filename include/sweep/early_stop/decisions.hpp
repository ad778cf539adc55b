// Early stopping from files alone: whatever runs a job (the local launcher,
// `sweep job` in a SLURM task, `sweep sge-task`) looks at the job's log as
// collect reads it, and at each rung the job reaches, decides under a lock on
// the sweep folder whether it goes on. Each decision is a file written
// atomically, early_stop/rung_R/NNNNNN.json, made once and never changed, so a
// requeued task, a second launch and `sweep status` all see the same ones; a
// stopped job's STOPPED_EARLY (launch/job_state.hpp) ends it for good.
// early_stop/policy.yaml holds the EARLY_STOP and COLLECT keys a launch used,
// for cluster tasks, which get no sweep config.
#pragma once

#include <sweep/base/files.hpp>
#include <sweep/base/layout.hpp>
#include <sweep/base/lock.hpp>
#include <sweep/collect/collect.hpp>
#include <sweep/collect/log_formats.hpp>
#include <sweep/config/check.hpp>
#include <sweep/config/load.hpp>
#include <sweep/config/yaml.hpp>
#include <sweep/early_stop/asha.hpp>
#include <sweep/launch/job_state.hpp>
#include <sweep/launch/watch.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace sweep {

/// @brief One decision file: a job's value at a rung and what was decided.
struct rung_decision {
  std::int64_t job = 0;
  std::size_t rung = 0;
  std::int64_t epoch = 0;
  double value = std::numeric_limits<double>::quiet_NaN();
  std::string decision;  // continue | stop | passed (the job ended before it was looked at: its value still counts)
  std::string reason;    // for stop: what STOPPED_EARLY says

  [[nodiscard]] nlohmann::json to_json() const {
    nlohmann::json v = std::isnan(value) ? nlohmann::json() : nlohmann::json(value);
    return {{"job", job}, {"rung", rung}, {"epoch", epoch}, {"value", v}, {"decision", decision}, {"reason", reason}};
  }
  static std::optional<rung_decision> from_file(const std::filesystem::path& file) {
    std::string text;
    if (!read_file_into(file.string(), text)) return std::nullopt;
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object()) return std::nullopt;
    rung_decision d;
    d.job = j.value("job", std::int64_t{0});
    d.rung = j.value("rung", std::size_t{0});
    d.epoch = j.value("epoch", std::int64_t{0});
    auto v = j.find("value");
    if (v != j.end() && v->is_number()) d.value = v->get<double>();
    d.decision = j.value("decision", std::string());
    d.reason = j.value("reason", std::string());
    return d;
  }
};

/// @brief The decision files of one sweep folder.
class early_stop_store {
 public:
  explicit early_stop_store(sweep_layout layout) : layout_(std::move(layout)) {}

  [[nodiscard]] const sweep_layout& layout() const noexcept { return layout_; }
  [[nodiscard]] std::filesystem::path dir() const { return layout_.early_stop_dir(); }
  [[nodiscard]] std::filesystem::path policy_file() const { return dir() / "policy.yaml"; }
  [[nodiscard]] std::filesystem::path rung_dir(std::size_t rung) const { return dir() / fmt::format("rung_{}", rung); }
  [[nodiscard]] std::filesystem::path file(std::size_t rung, std::int64_t job) const {
    return rung_dir(rung) / (sweep_layout::job_name(job) + ".json");
  }

  [[nodiscard]] std::optional<rung_decision> find(std::size_t rung, std::int64_t job) const {
    return rung_decision::from_file(file(rung, job));
  }

  /// @brief Every decision at a rung, by job.
  [[nodiscard]] std::vector<rung_decision> at_rung(std::size_t rung) const {
    std::vector<rung_decision> out;
    std::error_code ec;
    for (auto& entry : std::filesystem::directory_iterator(rung_dir(rung), ec)) {
      if (entry.path().extension() != ".json") continue;
      if (auto d = rung_decision::from_file(entry.path())) out.push_back(std::move(*d));
    }
    std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.job < b.job; });
    return out;
  }

  /// @brief Every decision of every rung, rung by rung.
  [[nodiscard]] std::vector<rung_decision> all() const {
    std::vector<rung_decision> out;
    for (std::size_t r = 0; path_exists(rung_dir(r)); ++r) {
      auto here = at_rung(r);
      out.insert(out.end(), here.begin(), here.end());
    }
    return out;
  }

  /// @brief Writes STOPPED_EARLY for each stop decision whose job lacks it (a runner that died between the two
  /// writes): a relaunch then runs no stopped job again. Returns how many it wrote.
  std::size_t reconcile() const {
    std::size_t n = 0;
    for (auto& d : all()) {
      job_folder job(layout_, d.job);
      if (d.decision != "stop" || job.stopped_early()) continue;
      job.mark_stopped_early(d.reason);
      ++n;
    }
    return n;
  }

  /// @brief Makes (or reads) job `job`'s decision at `rung`, under the store's lock: once written, a decision
  /// is what every later look gets. `ended`: the job finished before it was looked at (recorded as passed).
  rung_decision decide(const asha_policy& p, std::size_t rung, std::int64_t job, std::int64_t epoch, double value,
                       bool ended) const {
    if (auto d = find(rung, job)) return *d;
    std::filesystem::create_directories(rung_dir(rung));
    // The lock is short (a directory read and one write); the wait stays bounded however many runners meet here.
    std::optional<file_lock> lock;
    for (int tries = 0; tries < 6000; ++tries) {
      lock.emplace(dir() / ".lock", true);
      if (lock->locked()) break;
      lock.reset();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!lock) throw error({(dir() / ".lock").string(), 0}, "", "early stopping: the decision lock stayed taken for a minute");
    if (auto d = find(rung, job)) return *d;
    std::vector<double> others;
    for (auto& d : at_rung(rung)) others.push_back(d.value);
    auto v = asha_decide(p, value, others);
    rung_decision d{job, rung, epoch, value, ended ? "passed" : v.promoted ? "continue" : "stop", {}};
    if (d.decision == "stop") d.reason = asha_stop_reason(p, rung, epoch, value, v);
    write_file_atomic(file(rung, job), d.to_json().dump() + "\n");
    return d;
  }

 private:
  sweep_layout layout_;
};

/// @brief What a running job's log says at its rungs: (epoch, value) of the policy's metric, in epoch order.
struct job_progress {
  std::int64_t epoch_max = 0;  // 0: no record of the metric's type yet
  std::vector<std::pair<std::int64_t, double>> points;

  /// @brief The value at epoch `e` (the latest record at or before it); nothing before the job got there.
  [[nodiscard]] std::optional<double> at(std::int64_t e) const {
    std::optional<double> out;
    for (auto& [epoch, value] : points) {
      if (epoch <= e) out = value;
    }
    if (points.empty() || points.back().first < e) return std::nullopt;
    return out;
  }
};

/// @brief The policy's series of one job's record (sweep.json's columns: field, epoch_ind, epoch_max).
inline job_progress progress_of(const asha_policy& p, const nlohmann::json& job) {
  job_progress out;
  auto rec = job.find(p.record);
  if (rec == job.end() || !rec->is_object()) return out;
  auto field = rec->find(p.field), ind = rec->find("epoch_ind"), max = rec->find("epoch_max");
  if (field == rec->end() || ind == rec->end() || max == rec->end() || !field->is_array() || !ind->is_array()) return out;
  for (std::size_t i = 0; i < ind->size() && i < field->size(); ++i) {
    if (!(*ind)[i].is_number()) continue;
    auto v = (*field)[i];
    double value = std::numeric_limits<double>::quiet_NaN();
    if (v.is_number()) value = v.get<double>();
    out.points.emplace_back((*ind)[i].get<std::int64_t>(), value);
  }
  std::stable_sort(out.points.begin(), out.points.end(), [](auto& a, auto& b) { return a.first < b.first; });
  if (max->is_array() && !max->empty() && max->back().is_number()) out.epoch_max = max->back().get<std::int64_t>();
  return out;
}

/// @brief The early stopping of one sweep: reads a job's log through the COLLECT format and decides at its rungs.
class early_stopper {
 public:
  /// @brief `cfg` gives EARLY_STOP, COLLECT and ANALYZE.ERROR (checked here); `layout` the sweep folder.
  early_stopper(const sweep_config& cfg, const sweep_layout& layout)
      : cfg_(cfg), policy_(asha_policy::from(cfg)), store_(layout),
        format_(bind_log_format(cfg.collect, cfg.file)) {}

  [[nodiscard]] const early_stop_store& store() const noexcept { return store_; }
  [[nodiscard]] const asha_policy& policy() const noexcept { return policy_; }

  /// @brief Looks at job `index` (see job_watch::check): decides at each rung its log reached that has no
  /// decision yet; the reason when the job stops (its STOPPED_EARLY is then written).
  std::optional<std::string> check(std::int64_t index, bool ended) const {
    job_folder job(store_.layout(), index);
    if (job.stopped_early()) return job.stopped_early_reason();
    auto record = read_job_record(store_.layout(), index, cfg_.collect, *format_);
    auto progress = progress_of(policy_, record.data);
    if (progress.epoch_max == 0) return std::nullopt;
    auto rungs = policy_.rungs(progress.epoch_max);
    for (std::size_t r = 0; r < rungs.size(); ++r) {
      auto value = progress.at(rungs[r]);
      if (!value) break;
      auto d = store_.decide(policy_, r, index, rungs[r], *value, ended);
      if (d.decision == "stop") {
        job.mark_stopped_early(d.reason);
        return d.reason;
      }
    }
    return std::nullopt;
  }

  /// @brief The watch a backend calls (period: EARLY_STOP.CHECK_PERIOD).
  [[nodiscard]] job_watch watch() const {
    auto self = std::make_shared<early_stopper>(*this);
    job_watch w;
    w.check = [self](std::int64_t index, bool ended) { return self->check(index, ended); };
    w.period = std::chrono::milliseconds(std::max<std::int64_t>(1, std::llround(cfg_.early_stop.check_period * 1000)));
    return w;
  }

 private:
  sweep_config cfg_;
  asha_policy policy_;
  early_stop_store store_;
  std::shared_ptr<const bound_log_format> format_;
};

/// @brief The keys early_stop/policy.yaml keeps: EARLY_STOP, COLLECT, ANALYZE.ERROR (and NAME, ROOT_DIR).
inline std::string early_stop_policy_yaml(const sweep_config& cfg) {
  value::map analyze;
  analyze.emplace_back("ERROR", value{cfg.analyze.error});
  value::map root;
  root.emplace_back("ROOT_DIR", value{cfg.root_dir});
  root.emplace_back("NAME", value{cfg.name});
  root.emplace_back("COLLECT", detail::schema_to_value(cfg.collect));
  root.emplace_back("ANALYZE", value{std::move(analyze)});
  root.emplace_back("EARLY_STOP", detail::schema_to_value(cfg.early_stop));
  return "# Written by `sweep launch`: the early stopping its jobs use (docs/early_stopping.md)\n" + to_yaml(value{std::move(root)}, false);
}

/// @brief What a launch of `cfg` does about early stopping before its jobs start: checks EARLY_STOP, writes
/// early_stop/policy.yaml for cluster tasks (or removes it: EARLY_STOP off), writes the STOPPED_EARLY files a
/// dead runner left unwritten; returns the watch for jobs this process runs (none when off). The sweep must
/// have been set up (a sweep that was not is left alone, for launch's own error).
inline job_watch prepare_early_stop(const sweep_config& cfg) {
  check_early_stop_options(cfg);
  sweep_layout layout(sweep_dir(cfg));
  if (!path_exists(layout.cfgs_summary_file())) return {};
  early_stop_store store(layout);
  if (path_exists(store.dir())) store.reconcile();  // decisions stand whatever this launch says
  if (!cfg.early_stop.enabled()) {
    std::error_code ec;
    std::filesystem::remove(store.policy_file(), ec);
    return {};
  }
  early_stopper stopper(cfg, layout);  // a bad COLLECT section fails here, before any job runs
  std::filesystem::create_directories(store.dir());
  write_file_atomic(store.policy_file(), early_stop_policy_yaml(cfg));
  return stopper.watch();
}

/// @brief The watch of a cluster task: from early_stop/policy.yaml in the sweep folder (none: no early stopping).
inline job_watch early_stop_watch_from_folder(const sweep_layout& layout) {
  early_stop_store store(layout);
  if (!path_exists(store.policy_file())) return {};
  auto cfg = load_sweep_config(store.policy_file());
  check_early_stop_options(cfg);
  if (!cfg.early_stop.enabled()) return {};
  return early_stopper(cfg, layout).watch();
}

}  // namespace sweep
