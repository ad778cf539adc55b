// The SLURM backend without a cluster: sbatch's arguments, array splitting,
// confirmation, the `sweep job` wrapper's retry/requeue logic (fake sbatch,
// srun and scontrol on PATH), and hostile config values that must never run.
#include "helpers.hpp"

#include <sweep/launch.hpp>

#include <catch2/catch.hpp>

#include <algorithm>

using namespace launch_test;

namespace {

/// @brief A bin folder with fake sbatch (records its args, prints a job id), srun (runs its args) and scontrol.
struct fake_slurm {
  temp_dir tmp;
  scoped_env path;
  fake_slurm()
      : path("PATH", (tmp.path / "bin").string() + ":" + std::getenv("PATH")) {
    auto bin = tmp.path / "bin";
    write_file(bin / "sbatch",
               "#!/bin/sh\nn=$(ls \"" + tmp.path.string() + "\" | grep -c '^sbatch')\n"
               "printf '%s\\0' \"$@\" > \"" + tmp.path.string() + "/sbatch.$n\"\necho $((1000 + n))\n", true);
    write_file(bin / "srun", "#!/bin/sh\nexec \"$@\"\n", true);
    // The queue is squeue.out when the test writes one, else empty, whatever cluster this machine has.
    write_file(bin / "squeue", "#!/bin/sh\ncat \"" + tmp.path.string() + "/squeue.out\" 2>/dev/null\nexit 0\n", true);
    write_file(bin / "scontrol",
               "#!/bin/sh\nprintf '%s\\0' \"$@\" >> \"" + tmp.path.string() + "/scontrol\"\n"
               "[ \"$1 $2\" = 'show config' ] && echo 'MaxArraySize            = 4'\nexit 0\n", true);
  }
  [[nodiscard]] std::vector<std::string> sbatch_call(int n) const { return read_args(tmp.path / fmt::format("sbatch.{}", n)); }
  [[nodiscard]] int sbatch_calls() const {
    int n = 0;
    while (fs::exists(tmp.path / fmt::format("sbatch.{}", n))) ++n;
    return n;
  }
};

bool has(const std::vector<std::string>& args, const std::string& a) {
  return std::find(args.begin(), args.end(), a) != args.end();
}

}  // namespace

TEST_CASE("array_spec writes sorted task ids as ranges with the parallel limit", "[launch][slurm]") {
  CHECK(sweep::array_spec({0, 1, 2, 5, 7, 8}, 3) == "0-2,5,7-8%3");
  CHECK(sweep::array_spec({4}, 128) == "4%128");
}

TEST_CASE("sbatch gets pycls's options, and only the ones that are set", "[launch][slurm]") {
  temp_dir tmp;
  auto cfg = make_sweep(tmp.path, "cifar/optim", 3, "python tools/run_net.py --cfg {cfg}");
  sweep::sweep_layout layout(tmp.path / "cifar/optim");
  auto args = sweep::sbatch_arguments(cfg, layout, "0-2%128", {"--x"});
  CHECK(args.front() == "sbatch");
  CHECK(has(args, "--job-name=cifar/optim"));
  CHECK(has(args, "--gpus=1"));
  CHECK(has(args, "--mem=60G"));
  CHECK(has(args, "--cpus-per-task=10"));
  CHECK(has(args, "--array=0-2%128"));
  CHECK(has(args, "--time=4200"));
  CHECK(has(args, "--signal=B:USR1@300"));
  CHECK(has(args, "--open-mode=append"));
  CHECK(has(args, "--nodes=1"));
  CHECK(has(args, "--ntasks-per-node=1"));
  CHECK(has(args, "--output=logs/sbatch/%A_%a.out"));
  CHECK(has(args, "--chdir=" + layout.dir.string()));
  CHECK(std::none_of(args.begin(), args.end(), [](auto& a) {
    return a.rfind("--partition", 0) == 0 || a.rfind("--constraint", 0) == 0 || a.rfind("--comment", 0) == 0;
  }));
  CHECK(args[args.size() - 2] == (layout.bin_dir() / "job.sh").string());
  CHECK(args.back() == "--x");

  cfg.launch.num_gpus = 0;
  cfg.launch.mem_per_gpu = 4;
  cfg.launch.cpus_per_gpu = 2;
  cfg.launch.partition = "learnfair";
  cfg.launch.gpu_type = "volta32gb";
  cfg.launch.comment = "deadline";
  args = sweep::sbatch_arguments(cfg, layout, "0%1", {});
  CHECK(std::none_of(args.begin(), args.end(), [](auto& a) { return a.rfind("--gpus", 0) == 0; }));
  CHECK(has(args, "--mem=4G"));
  CHECK(has(args, "--cpus-per-task=2"));
  CHECK(has(args, "--partition=learnfair"));
  CHECK(has(args, "--constraint=volta32gb"));
  CHECK(has(args, "--comment=deadline"));
  // LAUNCH.SLURM.EXTRA_ARGS: passed on verbatim, after sweep's own options and before the script.
  args = sweep::sbatch_arguments(cfg, layout, "0%1", {"--x"}, {"--qos=high", "--account=my lab"});
  auto qos = std::find(args.begin(), args.end(), "--qos=high");
  REQUIRE(qos != args.end());
  CHECK(*(qos + 1) == "--account=my lab");
  CHECK(*(qos + 2) == (layout.bin_dir() / "job.sh").string());
}

TEST_CASE("a sweep larger than MaxArraySize is split into arrays with offsets", "[launch][slurm]") {
  temp_dir tmp;
  auto cfg = make_sweep(tmp.path, "big", 0, "p {cfg}");
  cfg.launch.parallel_jobs = 2;
  sweep::sweep_layout layout(tmp.path / "big");
  auto calls = sweep::plan_sbatch(cfg, layout, {0, 1, 2, 3, 4, 5, 6, 9}, 4);
  REQUIRE(calls.size() == 3);
  CHECK(calls[0].offset == 0);
  CHECK(has(calls[0].argv, "--array=0-3%2"));
  CHECK(calls[1].offset == 4);
  CHECK(has(calls[1].argv, "--array=0-2%2"));
  CHECK(calls[2].offset == 8);
  CHECK(has(calls[2].argv, "--array=1%2"));
  auto at = std::find(calls[2].argv.begin(), calls[2].argv.end(), "--offset");
  REQUIRE(at != calls[2].argv.end());
  CHECK(*(at + 1) == "8");
}

TEST_CASE("slurm launch asks first, copies the driver and records its arrays", "[launch][slurm]") {
  fake_slurm slurm;
  temp_dir tmp;
  auto cfg = make_sweep(tmp.path / "root", "s", 6, "sh job.sh {cfg}");
  cfg.launch.backend = "slurm";
  write_file(tmp.path / "project/job.sh", "echo hi\n");
  write_file(tmp.path / "driver", "#!/bin/sh\necho driver\n", true);
  sweep::launch_request req;
  req.out = nullptr;
  req.project_dir = tmp.path / "project";
  req.driver = tmp.path / "driver";
  CHECK_THROWS_WITH(sweep::launch(cfg, req), Catch::Contains("--yes"));
  std::string shown;
  req.confirm = [&](const std::string& plan) { return shown = plan, false; };
  auto result = sweep::launch(cfg, req);
  CHECK(result.declined);
  CHECK_THAT(shown, Catch::Contains("sbatch") && Catch::Contains("--array=0-3%128") && Catch::Contains("--array=0-1%128"));
  CHECK(slurm.sbatch_calls() == 0);
  CHECK_FALSE(fs::exists(tmp.path / "root/s/bin"));

  req.confirm = [](const std::string&) { return true; };
  result = sweep::launch(cfg, req);  // MaxArraySize 4 from the fake scontrol: two arrays
  CHECK(result.submitted == std::vector<std::string>{"1000", "1001"});
  CHECK(slurm.sbatch_calls() == 2);
  CHECK(read_file(tmp.path / "root/s/logs/sbatch/jobs.txt") == "1000 0\n1001 4\n");
  CHECK(read_file(tmp.path / "root/s/bin/sweep") == "#!/bin/sh\necho driver\n");
  CHECK(fs::exists(tmp.path / "root/s/code/job.sh"));
  CHECK_THAT(read_file(tmp.path / "root/s/bin/job.sh"), Catch::Contains("job --sweep-dir") && Catch::Contains("\"$@\""));

  // Relaunch: done jobs are skipped (squeue is absent here, so nothing counts as queued).
  for (int i : {0, 1, 2, 3, 5}) write_file(tmp.path / fmt::format("root/s/logs/{:06d}/DONE", i), "exit code 0\n");
  req.yes = true;
  req.confirm = nullptr;
  result = sweep::launch(cfg, req);
  CHECK(result.selected == 1);
  auto third = slurm.sbatch_call(2);
  CHECK(has(third, "--array=0%128"));
  CHECK(has(third, "4"));  // the offset of job 4's block

  // Status reads squeue (task 0 of array 1002 is job 4), and a relaunch leaves queued tasks alone.
  write_file(slurm.tmp.path / "squeue.out", "1002 0 RUNNING\n1001 1 PENDING\n999 0 RUNNING\n");
  fs::remove(tmp.path / "root/s/logs/000005/DONE");
  auto st = sweep::read_launch_status(cfg);
  CHECK(st.jobs[4].state == sweep::job_state::running);
  CHECK(st.jobs[4].queue_state == "RUNNING");
  CHECK(st.jobs[4].backend == "slurm");
  CHECK(st.jobs[5].state == sweep::job_state::queued);
  CHECK(st.count(sweep::job_state::done) == 4);
  CHECK_THAT(st.summary(), Catch::StartsWith("6 jobs: 4 done, 1 running, 0 failed, 1 queued"));
  result = sweep::launch(cfg, req);
  CHECK(result.selected == 0);
  CHECK(slurm.sbatch_calls() == 3);
  // Nor may the same jobs start locally meanwhile.
  req.backend = "local";
  CHECK_THROWS_WITH(sweep::launch(cfg, req), Catch::Contains("queued or running on the slurm backend"));
}

TEST_CASE("sweep job runs the job through srun and requeues failures up to MAX_RETRY", "[launch][slurm]") {
  fake_slurm slurm;
  temp_dir tmp;
  make_sweep(tmp.path, "t", 3, "");
  write_file(tmp.path / "t/code/job.sh",
             "echo \"run $1 $SLURM_ARRAY_TASK_ID\"\n[ \"$1\" = 2 ] && exit 5\n[ \"$1\" = 1 ] && [ ! -f \"$2/RETRY.txt\" ] && exit 4\nexit 0\n");
  scoped_env job("SLURM_ARRAY_JOB_ID", "77");
  sweep::slurm_task_options o;
  o.sweep_dir = tmp.path / "t";
  o.offset = 1;
  o.job.max_retry = 1;
  o.job.command = "sh job.sh {index} {out_dir}";
  o.log = nullptr;
  {
    scoped_env task("SLURM_ARRAY_TASK_ID", "0");  // job 1: fails once, then succeeds
    CHECK(sweep::run_slurm_task(o) == 0);
    CHECK(read_args(slurm.tmp.path / "scontrol") == std::vector<std::string>{"requeue", "77_0"});
    CHECK(lines_of(tmp.path / "t/logs/000001/RETRY.txt") == 1);
    CHECK(sweep::run_slurm_task(o) == 0);
    CHECK(fs::exists(tmp.path / "t/logs/000001/DONE"));
    CHECK(read_file(tmp.path / "t/logs/000001/stdout.log") == "run 1 0\nrun 1 0\n");
    CHECK_THAT(read_file(tmp.path / "t/logs/000001/SLURM.txt"), Catch::Contains("\"SLURM_ARRAY_JOB_ID\": \"77\""));
  }
  {
    scoped_env task("SLURM_ARRAY_TASK_ID", "1");  // job 2: always fails
    CHECK(sweep::run_slurm_task(o) == 0);         // requeued (retry 0 < 1)
    CHECK(sweep::run_slurm_task(o) == 1);         // out of retries
    CHECK(lines_of(tmp.path / "t/logs/000002/RETRY.txt") == 2);
    CHECK(fs::exists(tmp.path / "t/logs/000002/FAILED"));
  }
  scoped_env task("SLURM_ARRAY_TASK_ID", "5");
  CHECK_THROWS_WITH(sweep::run_slurm_task(o), Catch::Contains("no job config 6"));
}

namespace {

/// @brief Config text that runs `touch canary` if any shell ever evaluates it.
std::string hostile(const fs::path& canary) {
  auto c = canary.string();
  return fmt::format("it's \"q\" $(touch {0}) `touch {0}` ; touch {0} && touch {0} | touch {0}", c);
}

}  // namespace

TEST_CASE("hostile config values reach jobs and sbatch as plain text, never as code", "[launch][hostile]") {
  temp_dir tmp;
  auto canary = tmp.path / "canary";
  auto evil = hostile(canary);
  auto name = "x/" + evil;  // NAME (and so every path) carries it too
  auto cfg = make_sweep(tmp.path / "root", name, 2, "printf '%s\\n' {cfg} {mode} {out_dir}");
  cfg.launch.mode = evil + "\n$(touch " + canary.string() + ")";
  cfg.launch.comment = evil + "\nnext line";
  cfg.launch.partition = evil;
  cfg.launch.gpu_type = evil;
  cfg.launch.conda_env = "";
  auto sweep_path = fs::absolute(tmp.path / "root" / name);

  // Local: each value is one argv entry of the job.
  sweep::launch_request req;
  req.out = nullptr;
  req.progress = nullptr;
  req.project_dir = tmp.path;
  REQUIRE(sweep::launch(cfg, req).done == 2);
  CHECK(read_file(sweep_path / "logs/000001/stdout.log") ==
        fmt::format("{}\n{}\n{}\n", (sweep_path / "cfgs/000001.yaml").string(), cfg.launch.mode,
                    (sweep_path / "logs/000001").string()));
  CHECK_FALSE(fs::exists(canary));

  // SLURM: sbatch gets the values verbatim, and the batch script hands them on unchanged.
  fake_slurm slurm;
  write_file(tmp.path / "driver", "#!/bin/sh\nprintf '%s\\0' \"$@\" > \"" + (tmp.path / "driver-args").string() + "\"\n", true);
  req.driver = tmp.path / "driver";
  req.yes = true;
  req.backend = "slurm";
  req.max_array_size = 1000;
  for (int i = 0; i < 2; ++i) fs::remove(sweep_path / fmt::format("logs/{:06d}/DONE", i));
  REQUIRE(sweep::launch(cfg, req).submitted.size() == 1);
  auto args = slurm.sbatch_call(0);
  CHECK(has(args, "--job-name=" + name));
  CHECK(has(args, "--comment=" + cfg.launch.comment));
  CHECK(has(args, "--partition=" + evil));
  CHECK(has(args, "--constraint=" + evil));
  auto script = std::find(args.begin(), args.end(), (sweep_path / "bin/job.sh").string());
  REQUIRE(script != args.end());
  std::vector<std::string> script_args(script + 1, args.end());
  // Run the batch script as SLURM would, with the arguments sbatch was given.
  auto r = sweep::run_capture([&] {
    std::vector<std::string> argv = {"/bin/sh", script->c_str()};
    argv.insert(argv.end(), script_args.begin(), script_args.end());
    return argv;
  }());
  CHECK(r.code == 0);
  std::vector<std::string> expected = {"job", "--sweep-dir", sweep_path.string()};
  expected.insert(expected.end(), script_args.begin(), script_args.end());
  CHECK(read_args(tmp.path / "driver-args") == expected);
  CHECK(has(expected, cfg.launch.mode));

  // The task wrapper passes them to srun as arguments too.
  scoped_env job("SLURM_ARRAY_JOB_ID", "5");
  scoped_env task("SLURM_ARRAY_TASK_ID", "0");
  sweep::slurm_task_options o;
  o.sweep_dir = sweep_path;
  o.job.command = cfg.launch.command;
  o.job.mode = cfg.launch.mode;
  o.log = nullptr;
  CHECK(sweep::run_slurm_task(o) == 0);
  CHECK(read_file(sweep_path / "logs/000000/stdout.log") ==
        fmt::format("{0}\n{1}\n{2}\n{0}\n{1}\n{2}\n", (sweep_path / "cfgs/000000.yaml").string(), cfg.launch.mode,
                    (sweep_path / "logs/000000").string()));
  CHECK_FALSE(fs::exists(canary));
}
