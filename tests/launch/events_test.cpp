// Launch events (LAUNCH.ON_EVENT) and fail-fast (LAUNCH.MAX_FAILURES), on the local backend; the cluster
// wrappers share launch/events.hpp and launch/task.hpp, and tests/slurm and tests/sge run them for real.
#include "helpers.hpp"

#include <sweep/launch.hpp>

#include <catch2/catch.hpp>

using namespace launch_test;

TEST_CASE("local fail-fast: no job starts after MAX_FAILURES, and ON_EVENT hears each event as argv", "[launch][events]") {
  temp_dir tmp;
  write_file(tmp.path / "project/job.sh", "echo run $1\nexit 3\n");
  // The event command records its arguments, one per line, then a separator.
  write_file(tmp.path / "project/event.sh", "printf '%s\\n' \"$@\" '--' >> \"$3/../events.txt\"\n");
  auto cfg = make_sweep(tmp.path / "root", "ff", 6, "sh job.sh {index}");
  cfg.launch.local_jobs = 1;
  cfg.launch.max_retry = 0;  // each failure is final, so jobs 0 and 1 reach MAX_FAILURES before job 2 starts
  cfg.launch.max_failures = 2;
  cfg.launch.on_event = "sh event.sh {event} \"{index}\" {sweep_dir}/logs \"it's $(touch pwned)\"";
  sweep::launch_request req;
  req.project_dir = tmp.path / "project";
  req.progress = nullptr;
  req.out = nullptr;
  auto result = sweep::launch(cfg, req);
  CHECK(result.failed == 2);
  CHECK(result.failed_fast);
  CHECK(result.not_started == 4);
  auto dir = tmp.path / "root/ff";
  CHECK(fs::exists(dir / "logs/000001/FAILED"));
  CHECK_FALSE(fs::exists(dir / "logs/000002"));  // never started
  auto logs = (dir / "logs").string();
  CHECK(read_file(dir / "events.txt") ==
        fmt::format("job_failed\n0\n{0}\nit's $(touch pwned)\n--\njob_failed\n1\n{0}\nit's $(touch pwned)\n--\n"
                    "max_failures\n1\n{0}\nit's $(touch pwned)\n--\nsweep_finished\n\n{0}\nit's $(touch pwned)\n--\n",
                    logs));
  CHECK_FALSE(fs::exists(tmp.path / "project/pwned"));
  CHECK_FALSE(fs::exists(dir / "code/pwned"));
  CHECK(lines_of(dir / "logs/events/events.log") == 4);
  auto st = sweep::read_launch_status(cfg);
  CHECK(st.count(sweep::job_state::failed) == 2);
  CHECK(st.count(sweep::job_state::new_job) == 4);

  // A relaunch starts the count anew: two more fail, then fail-fast again.
  result = sweep::launch(cfg, req);
  CHECK(result.selected == 6);
  CHECK(result.failed == 2);
  CHECK(result.not_started == 4);
}

TEST_CASE("sweep_finished comes once every job ended; bad ON_EVENT placeholders fail before any job", "[launch][events]") {
  temp_dir tmp;
  write_file(tmp.path / "project/job.sh", "exit 0\n");
  auto cfg = make_sweep(tmp.path / "root", "fin", 3, "sh job.sh");
  sweep::launch_request req;
  req.project_dir = tmp.path / "project";
  req.progress = nullptr;
  req.out = nullptr;
  REQUIRE(sweep::launch(cfg, req).done == 3);
  auto log = read_file(tmp.path / "root/fin/logs/events/events.log");
  CHECK_THAT(log, Catch::Contains("sweep_finished -"));
  CHECK(lines_of(tmp.path / "root/fin/logs/events/events.log") == 1);

  cfg.launch.on_event = "notify {event} {job}";
  CHECK_THROWS_WITH(sweep::check_launch(cfg), Catch::Contains("LAUNCH.ON_EVENT: bad placeholder in '{job}'"));
  cfg.launch.on_event = "";
  cfg.launch.max_failures = -1;
  CHECK_THROWS_WITH(sweep::check_launch(cfg), Catch::Contains("LAUNCH.MAX_FAILURES: expected 0 (off) or more"));
  cfg.launch.max_failures = 0;
  cfg.launch.tasks_per_node = 0;
  CHECK_THROWS_WITH(sweep::check_launch(cfg), Catch::Contains("LAUNCH.TASKS_PER_NODE: expected at least 1"));
}

TEST_CASE("EXTRA_ARGS: SLURM and SGE refuse the options sweep sets itself", "[launch][slurm][sge]") {
  temp_dir tmp;
  auto cfg = make_sweep(tmp.path / "root", "x", 1, "sh job.sh");
  cfg.launch.time_limit = 10;
  auto slurm = [&](std::vector<std::string> args) {
    cfg.launch.extensions.clear();
    sweep::slurm_backend::options o;
    o.extra_args = std::move(args);
    sweep::set_component_options(cfg.launch.extensions, "slurm", o);
    sweep::launch_request req;
    req.backend = "slurm";
    sweep::check_launch(cfg, req);
  };
  CHECK_NOTHROW(slurm({"--qos=high", "--account=lab", "--exclusive"}));
  CHECK_THROWS_WITH(slurm({"--array=1-3"}), Catch::Contains("LAUNCH.SLURM.EXTRA_ARGS[0]: '--array=1-3' is an option sweep sets itself (--array)"));
  CHECK_THROWS_WITH(slurm({"--qos=x", "-Jname"}), Catch::Contains("EXTRA_ARGS[1]: '-Jname' is an option sweep sets itself (--job-name)"));
  CHECK_THROWS_WITH(slurm({"--output", "x"}), Catch::Contains("(--output)"));
  CHECK_THROWS_WITH(slurm({"--nodes=2"}), Catch::Contains("use LAUNCH.NODES"));
  auto sge = [&](std::vector<std::string> args) {
    cfg.launch.extensions.clear();
    sweep::sge_backend::options o;
    o.extra_args = std::move(args);
    sweep::set_component_options(cfg.launch.extensions, "sge", o);
    sweep::launch_request req;
    req.backend = "sge";
    sweep::check_launch(cfg, req);
  };
  CHECK_NOTHROW(sge({"-P", "proj", "-l", "h_vmem=4G"}));
  CHECK_THROWS_WITH(sge({"proj"}), Catch::Contains("LAUNCH.SGE.EXTRA_ARGS[0]: 'proj' is not an option"));
  CHECK_THROWS_WITH(sge({"-P", "p", "-tc", "3"}), Catch::Contains("EXTRA_ARGS[2]: '-tc' is an option sweep sets itself"));
  CHECK_THROWS_WITH(sge({"-l", "h_rt=100"}), Catch::Contains("sets a time limit"));
}

TEST_CASE("SGE: arrays split at max_aj_tasks; task t runs the t-th job; names qsub accepts", "[launch][sge]") {
  temp_dir tmp;
  auto cfg = make_sweep(tmp.path / "root", "1x/y z", 0, "p {cfg}");
  cfg.launch.parallel_jobs = 3;
  cfg.launch.time_limit = 10;
  sweep::sweep_layout layout(tmp.path / "root/1x/y z");
  sweep::sge_backend::options o;
  o.queue = "all.q";
  sweep::sge_backend b(cfg, o);
  auto calls = b.plan(cfg, layout, {0, 2, 3, 4, 7}, 2, 4);
  REQUIRE(calls.size() == 3);
  CHECK(calls[0].array == 4);
  CHECK(calls[0].jobs == std::vector<std::int64_t>{0, 2});
  CHECK(calls[2].jobs == std::vector<std::int64_t>{7});
  auto has = [](const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); };
  CHECK(has(calls[0].argv, "1-2"));
  CHECK(has(calls[2].argv, "1-1"));
  CHECK(has(calls[0].argv, "-tc"));
  CHECK(has(calls[0].argv, "s_1x_y_z"));
  CHECK(has(calls[0].argv, "h_rt=600,s_rt=300"));
  CHECK(has(calls[0].argv, "all.q"));
  CHECK(calls[1].argv.back() == "5");
  CHECK(sweep::sge_job_name("a:b@c*d?e/f\\g h") == "a_b_c_d_e_f_g_h");
}
