// Early stopping (docs/early_stopping.md): ASHA's rule, the decision files, the local launcher stopping jobs
// through its watch (status, relaunch, collect), the replay of `sweep simulate`, and EARLY_STOP staying out of
// written configs while off.
#include <sweep/collect/collect.hpp>
#include <sweep/config/load.hpp>
#include <sweep/early_stop.hpp>
#include <sweep/launch/launch.hpp>
#include <sweep/launch/status.hpp>

#include "../launch/helpers.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace {

using namespace launch_test;

sweep::asha_policy policy(std::int64_t min_epochs, std::int64_t eta, bool maximize = false) {
  sweep::asha_policy p;
  p.record = "test_epoch";
  p.field = "top1_err";
  p.min_epochs = min_epochs;
  p.eta = eta;
  p.maximize = maximize;
  return p;
}

/// @brief A job's log: epochs 1..n of test_epoch with top1_err = base - epoch / 10.
std::string epochs_log(int n, int of, double base) {
  std::string out;
  for (int e = 1; e <= n; ++e) {
    out += fmt::format("json_stats: {{\"_type\": \"test_epoch\", \"epoch\": \"{}/{}\", \"top1_err\": {}}}\n", e, of, base - e / 10.0);
  }
  return out;
}

}  // namespace

TEST_CASE("asha: rungs are MIN_EPOCHS * eta^r below the last epoch, at most NUM_RUNGS") {
  auto p = policy(10, 3);
  CHECK(p.rungs(50) == std::vector<std::int64_t>{10, 30});
  CHECK(p.rungs(30) == std::vector<std::int64_t>{10});
  CHECK(p.rungs(10).empty());
  p.num_rungs = 1;
  CHECK(p.rungs(100) == std::vector<std::int64_t>{10});
  CHECK(policy(1, 2).rungs(9) == std::vector<std::int64_t>{1, 2, 4, 8});
}

TEST_CASE("asha: the top n / eta go on (at least one), Optuna's rule; NaN is the worst") {
  auto p = policy(1, 3);
  CHECK(sweep::asha_decide(p, 5.0, {}).promoted);            // the first job at a rung
  CHECK_FALSE(sweep::asha_decide(p, 5.0, {4.0}).promoted);   // n = 2 < eta: only the best
  CHECK(sweep::asha_decide(p, 4.0, {4.0}).promoted);         // ties share the better rank
  auto v = sweep::asha_decide(p, 3.0, {1.0, 2.0, 4.0, 5.0, 6.0});  // n = 6: the best 2 go on, this is 3rd
  CHECK_FALSE(v.promoted);
  CHECK(v.rank == 3);
  CHECK(v.kept == 2);
  CHECK(v.reached == 6);
  CHECK(sweep::asha_decide(p, 2.0, {1.0, 3.0, 4.0, 5.0, 6.0}).promoted);
  double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK_FALSE(sweep::asha_decide(p, nan, {}).promoted);
  CHECK(sweep::asha_decide(p, 9.0, {nan}).promoted);
  CHECK(sweep::asha_decide(policy(1, 3, true), 0.9, {0.5}).promoted);  // MODE max: higher is better
  CHECK_FALSE(sweep::asha_decide(policy(1, 3, true), 0.4, {0.5}).promoted);
}

TEST_CASE("early_stop_store: a decision is made once, under the lock, and stands") {
  temp_dir tmp;
  auto cfg = make_sweep(tmp.path, "s", 3, "true");
  sweep::sweep_layout layout(sweep::sweep_dir(cfg));
  sweep::early_stop_store store(layout);
  auto p = policy(2, 2);
  auto a = store.decide(p, 0, 0, 2, 5.0, false);
  CHECK(a.decision == "continue");
  auto b = store.decide(p, 0, 1, 2, 6.0, false);
  CHECK(b.decision == "stop");
  CHECK(b.reason.starts_with("rung 0 epoch 2: test_epoch.top1_err 6 ranks 2 of the 2 jobs at this rung; the best 1 go on"));
  // asked again with another value, the file answers
  CHECK(store.decide(p, 0, 1, 2, 1.0, false).decision == "stop");
  CHECK(store.decide(p, 0, 2, 2, 9.0, true).decision == "passed");  // ended before it was looked at: recorded
  CHECK(store.at_rung(0).size() == 3);
  // a stop decision without STOPPED_EARLY (a runner killed between the two writes) is completed by reconcile
  sweep::job_folder job1(layout, 1);
  CHECK_FALSE(job1.stopped_early());
  CHECK(store.reconcile() == 1);
  CHECK(job1.stopped_early());
  CHECK(job1.stopped_early_reason() == b.reason);
  CHECK(store.reconcile() == 0);
}

TEST_CASE("early_stopper: decides at the rungs a job's log reached, from the log as collect reads it") {
  temp_dir tmp;
  auto cfg = make_sweep(tmp.path, "s", 2, "true");
  cfg.early_stop.type = "asha";
  cfg.early_stop.metric = "test_epoch.top1_err";
  cfg.early_stop.min_epochs = 2;
  cfg.early_stop.reduction_factor = 2;
  sweep::sweep_layout layout(sweep::sweep_dir(cfg));
  sweep::early_stopper stopper(cfg, layout);
  write_file(layout.job_dir(0) / "stdout.log", epochs_log(1, 8, 10));
  CHECK_FALSE(stopper.check(0, false));  // before the first rung: nothing decided
  CHECK_FALSE(sweep::path_exists(stopper.store().file(0, 0)));
  write_file(layout.job_dir(0) / "stdout.log", epochs_log(5, 8, 10));
  CHECK_FALSE(stopper.check(0, false));  // rungs 2 and 4: the first job there goes on
  CHECK(stopper.store().find(1, 0)->decision == "continue");
  CHECK(stopper.store().find(0, 0)->value == Approx(9.8));
  write_file(layout.job_dir(1) / "stdout.log", epochs_log(3, 8, 11));
  auto why = stopper.check(1, false);
  REQUIRE(why);
  CHECK(why->starts_with("rung 0 epoch 2: test_epoch.top1_err 10.8 ranks 2 of the 2 jobs"));
  CHECK(sweep::job_folder(layout, 1).stopped_early());
  CHECK(stopper.check(1, false) == why);  // stays stopped
}

TEST_CASE("local launcher with EARLY_STOP: stops trailing jobs at rungs; status, relaunch and collect agree") {
  temp_dir tmp;
  // job i logs 6 epochs of error 10 + i - epoch/10, 0.15 s apart; one job at a time, so they reach rungs in order
  write_file(tmp.path / "job.sh",
             "i=$1\nfor e in 1 2 3 4 5 6; do sleep 0.15; "
             "echo \"json_stats: {\\\"_type\\\": \\\"test_epoch\\\", \\\"epoch\\\": \\\"$e/6\\\", \\\"top1_err\\\": $((100 + 10 * i - e))e-1}\"; done\n");
  auto cfg = make_sweep(tmp.path, "s", 4, "sh " + (tmp.path / "job.sh").string() + " {index}");
  cfg.launch.local_jobs = 1;
  cfg.early_stop.type = "asha";
  cfg.early_stop.metric = "test_epoch.top1_err";
  cfg.early_stop.min_epochs = 2;
  cfg.early_stop.reduction_factor = 2;
  cfg.early_stop.check_period = 0.03;
  sweep::launch_request req;
  req.yes = true;
  req.out = nullptr;
  req.progress = nullptr;
  req.watch = sweep::prepare_early_stop(cfg);
  REQUIRE(req.watch);
  auto result = sweep::launch(cfg, req);
  // rung 0 (epoch 2): job 0 first goes on; 1 (2nd of 2), 2 (3rd of 3), 3 (4th of 4, the best 2 go on) stop
  CHECK(result.done == 1);
  CHECK(result.stopped_early == 3);
  CHECK(result.failed == 0);
  sweep::sweep_layout layout(sweep::sweep_dir(cfg));
  CHECK(sweep::path_exists(layout.early_stop_dir() / "policy.yaml"));
  for (int i = 1; i < 4; ++i) {
    sweep::job_folder job(layout, i);
    CHECK(job.stopped_early());
    CHECK(job.stopped_early_reason().starts_with("rung 0 epoch 2: "));
    CHECK(read_file(job.file("stderr.log")).find("sweep: stopped early: rung 0 epoch 2") != std::string::npos);
    CHECK_FALSE(job.done());
    CHECK_FALSE(sweep::path_exists(job.file("RETRY.txt")));  // a stop is not a failure
  }
  auto st = sweep::read_launch_status(cfg);
  CHECK(st.count(sweep::job_state::stopped_early) == 3);
  CHECK(st.count(sweep::job_state::done) == 1);
  CHECK(st.summary().ends_with("; 3 stopped early"));
  CHECK(st.jobs[1].stopped_early.starts_with("rung 0 epoch 2"));
  // a second launch runs nothing again
  auto again = sweep::launch(cfg, req);
  CHECK(again.selected == 0);
  auto collected = sweep::collect(cfg);
  CHECK(collected.jobs_stopped_early() == 3);
  CHECK(sweep::status_line(collected).ends_with(", jobs_stopped_early=3"));
  auto sweep_json = nlohmann::json::parse(read_file(layout.sweep_file()));
  REQUIRE(sweep_json.size() == 4);
  CHECK_FALSE(sweep_json[0].contains("stopped_early"));
  CHECK(sweep_json[1]["stopped_early"]["rung"] == 0);
  CHECK(sweep_json[1]["stopped_early"]["epoch"] == 2);
  CHECK(sweep_json[1]["test_epoch"]["epoch_ind"].back().get<int>() < 6);
  // the events count a stopped job as ended
  CHECK(read_file(layout.backend_dir("events") / "ended.txt").find("1 stopped_early") != std::string::npos);
}

TEST_CASE("simulate: replays the policy on a fully trained sweep.json") {
  // 4 jobs of 8 epochs, job i's error 10 + i - epoch/10, except job 3, a late bloomer that ends best
  nlohmann::json sweep = nlohmann::json::array();
  for (int i = 0; i < 4; ++i) {
    nlohmann::json errs = nlohmann::json::array(), ind = nlohmann::json::array(), max = nlohmann::json::array();
    for (int e = 1; e <= 8; ++e) {
      errs.push_back(i == 3 && e == 8 ? 1.0 : 10 + i - e / 10.0);
      ind.push_back(e);
      max.push_back(8);
    }
    sweep.push_back({{"log_file", fmt::format("logs/{:06d}/stdout.log", i)},
                     {"test_epoch", {{"top1_err", errs}, {"epoch_ind", ind}, {"epoch_max", max}}}});
  }
  auto r = sweep::simulate_early_stop(policy(2, 2), sweep, "test_epoch.top1_err", 1);
  CHECK(r.jobs == 4);
  CHECK(r.epochs_full == 32);
  // one at a time: job 0 passes rungs 2 and 4; jobs 1, 2, 3 stop at rung 0 (epoch 2)
  CHECK(r.epochs_run == 8 + 2 + 2 + 2);
  CHECK(r.stopped_at == std::vector<std::size_t>{3});
  CHECK_FALSE(r.best_finished);   // job 3, the best at the end, was stopped
  CHECK(r.best_rank == 2);        // job 0 finishes, second best in the full sweep
  CHECK(r.top5 == 4);
  CHECK(r.top5_finished == 1);
  CHECK(r.saved() == Approx(1 - 14.0 / 32));
  // all at once: jobs reach rung 0 together, in index order: the same decisions here
  CHECK(sweep::simulate_early_stop(policy(2, 2), sweep, "test_epoch.top1_err", 4).epochs_run == 14);
}

TEST_CASE("EARLY_STOP: off by default and then left out of written configs; on, written and checked") {
  sweep::sweep_config cfg;
  cfg.name = "s";
  CHECK_FALSE(cfg.early_stop.enabled());
  auto off = sweep::detail::schema_to_value(cfg);
  CHECK(off.find("EARLY_STOP") == nullptr);
  cfg.early_stop.type = "none";
  CHECK(sweep::detail::schema_to_value(cfg).find("EARLY_STOP") == nullptr);
  cfg.early_stop.type = "asha";
  auto on = sweep::detail::schema_to_value(cfg);
  REQUIRE(on.find("EARLY_STOP") != nullptr);
  CHECK(on.find("EARLY_STOP")->find("REDUCTION_FACTOR")->as_int() == 3);
  CHECK_NOTHROW(sweep::check_early_stop_options(cfg));
  cfg.early_stop.mode = "maximum";
  CHECK_THROWS_WITH(sweep::check_early_stop_options(cfg), Catch::Contains("EARLY_STOP.MODE: expected min"));
}
