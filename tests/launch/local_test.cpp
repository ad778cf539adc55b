// The job command template and the local backend: parallelism, logs, retries,
// time limit, Ctrl-C, resume, --only-failed, and `status`.
#include "helpers.hpp"

#include <sweep/launch.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <thread>

using namespace launch_test;

TEST_CASE("split_command splits like sh and keeps placeholders for later", "[launch][command]") {
  using V = std::vector<std::string>;
  CHECK(sweep::split_command("python tools/run_net.py --cfg {cfg}") == V{"python", "tools/run_net.py", "--cfg", "{cfg}"});
  CHECK(sweep::split_command("  a  'b c'  \"d \\\"e\\\" $x\" f\\ g ''") == V{"a", "b c", "d \"e\" $x", "f g", ""});
  CHECK(sweep::split_command("x'y'\"z\"") == V{"xyz"});
  CHECK_THROWS_WITH(sweep::split_command("a 'b"), Catch::Contains("LAUNCH.COMMAND") && Catch::Contains("single quote"));
  CHECK_THROWS_WITH(sweep::split_command("   "), Catch::Contains("empty command"));
}

TEST_CASE("expand_command substitutes inside each word, one argument per word", "[launch][command]") {
  sweep::job_vars vars{"/s/cfgs/000007.yaml", "/s/logs/000007", 7, "train"};
  auto argv = sweep::job_command("run --mode {mode} --cfg={cfg} OUT_DIR {out_dir} '{index:04d}' {{x}}", vars);
  CHECK(argv == std::vector<std::string>{"run", "--mode", "train", "--cfg=/s/cfgs/000007.yaml", "OUT_DIR",
                                         "/s/logs/000007", "0007", "{x}"});
  // A value with blanks and quotes stays one argument.
  sweep::job_vars odd{"/a b/it's $(x).yaml", "/o", 0, "m"};
  CHECK(sweep::job_command("p {cfg}", odd) == std::vector<std::string>{"p", "/a b/it's $(x).yaml"});
  CHECK_THROWS_WITH(sweep::job_command("p {config}", vars), Catch::Contains("LAUNCH.COMMAND") && Catch::Contains("{cfg}"));
}

TEST_CASE("shell_quote makes any text one literal shell word", "[launch][command]") {
  CHECK(sweep::shell_quote("plain/path-1.yaml") == "plain/path-1.yaml");
  CHECK(sweep::shell_quote("") == "''");
  CHECK(sweep::shell_quote("it's $(x)") == "'it'\\''s $(x)'");
}

TEST_CASE("local launch runs every job with its config, logs and working folder", "[launch][local]") {
  temp_dir tmp;
  write_file(tmp.path / "project/job.sh", "echo \"job $1 cfg $(cat \"$2\") mode $3 pwd $(pwd)\"\necho warn >&2\n");
  auto cfg = make_sweep(tmp.path / "root", "a/b", 5, "sh job.sh {index} {cfg} {mode}");
  cfg.launch.mode = "test";
  sweep::launch_request req;
  req.project_dir = tmp.path / "project";
  req.progress = nullptr;
  req.out = nullptr;
  auto result = sweep::launch(cfg, req);
  CHECK(result.done == 5);
  CHECK(result.failed == 0);
  auto dir = tmp.path / "root/a/b";
  for (int i = 0; i < 5; ++i) {
    auto job = dir / fmt::format("logs/{:06d}", i);
    CHECK(read_file(job / "stdout.log") ==
          fmt::format("job {} cfg X: {} mode test pwd {}\n", i, i, (dir / "code").string()));
    CHECK(read_file(job / "stderr.log") == "warn\n");
    CHECK(fs::exists(job / "DONE"));
    CHECK_FALSE(fs::exists(job / "RUNNING"));
  }
  CHECK(fs::exists(dir / "code/job.sh"));  // the named script was copied

  // Launching again skips finished jobs.
  result = sweep::launch(cfg, req);
  CHECK(result.selected == 0);
  CHECK(result.skipped == 5);
  CHECK(lines_of(dir / "logs/000000/stdout.log") == 1);
}

TEST_CASE("local launch keeps at most LOCAL_JOBS jobs running", "[launch][local]") {
  temp_dir tmp;
  write_file(tmp.path / "project/job.sh", "date +%s%N > \"$1/start\"; sleep 0.3; date +%s%N > \"$1/end\"\n");
  auto cfg = make_sweep(tmp.path / "root", "par", 6, "sh job.sh {out_dir}");
  cfg.launch.local_jobs = 2;
  sweep::launch_request req;
  req.project_dir = tmp.path / "project";
  req.progress = nullptr;
  req.out = nullptr;
  REQUIRE(sweep::launch(cfg, req).done == 6);
  std::vector<std::pair<long long, int>> events;
  for (int i = 0; i < 6; ++i) {
    auto job = tmp.path / "root/par/logs" / fmt::format("{:06d}", i);
    events.emplace_back(std::stoll(read_file(job / "start")), +1);
    events.emplace_back(std::stoll(read_file(job / "end")), -1);
  }
  std::sort(events.begin(), events.end());
  int now = 0, most = 0;
  for (auto& e : events) most = std::max(most, now += e.second);
  CHECK(most == 2);
}

TEST_CASE("local launch retries failures up to MAX_RETRY, counting them in RETRY.txt", "[launch][local]") {
  temp_dir tmp;
  // Job 0 fails on its first attempt only; job 1 always fails.
  write_file(tmp.path / "project/job.sh",
             "if [ $1 = 1 ] || [ ! -f \"$2/RETRY.txt\" ]; then echo boom >&2; exit 3; fi\necho ok\n");
  auto cfg = make_sweep(tmp.path / "root", "retry", 2, "sh job.sh {index} {out_dir}");
  cfg.launch.max_retry = 2;
  sweep::launch_request req;
  req.project_dir = tmp.path / "project";
  req.progress = nullptr;
  req.out = nullptr;
  auto result = sweep::launch(cfg, req);
  CHECK(result.done == 1);
  CHECK(result.failed == 1);
  auto logs = tmp.path / "root/retry/logs";
  CHECK(read_file(logs / "000000/RETRY.txt") == "Encountered non-zero exit code 3\n");
  CHECK(fs::exists(logs / "000000/DONE"));
  CHECK(lines_of(logs / "000001/RETRY.txt") == 3);  // 1 attempt + MAX_RETRY retries, as pycls
  CHECK(lines_of(logs / "000001/stderr.log") == 3);
  CHECK(fs::exists(logs / "000001/FAILED"));

  auto st = sweep::read_launch_status(cfg);
  CHECK(st.count(sweep::job_state::done) == 1);
  CHECK(st.count(sweep::job_state::failed) == 1);
  CHECK(st.jobs[1].retries == 3);

  // --only-failed reruns job 1 with a fresh retry budget and leaves job 0 alone.
  write_file(tmp.path / "project/job.sh", "echo fixed\n");
  req.only_failed = true;
  result = sweep::launch(cfg, req);
  CHECK(result.selected == 1);
  CHECK(result.done == 1);
  CHECK(fs::exists(logs / "000001/DONE"));
  CHECK_FALSE(fs::exists(logs / "000001/FAILED"));
  CHECK(lines_of(logs / "000001/RETRY.1.txt") == 3);
  CHECK(lines_of(logs / "000000/stdout.log") == 1);
}

TEST_CASE("local launch kills a job's whole process group at the time limit", "[launch][local]") {
  temp_dir tmp;
  write_file(tmp.path / "project/job.sh", "sleep 30 &\necho $! > \"$1/child\"\nwait\n");
  auto cfg = make_sweep(tmp.path / "root", "slow", 1, "sh job.sh {out_dir}");
  cfg.launch.max_retry = 0;
  sweep::launch_request req;
  req.project_dir = tmp.path / "project";
  req.progress = nullptr;
  req.out = nullptr;
  req.time_limit = std::chrono::milliseconds(300);
  req.kill_grace = std::chrono::milliseconds(500);
  auto t0 = std::chrono::steady_clock::now();
  auto result = sweep::launch(cfg, req);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));
  CHECK(result.failed == 1);
  auto job = tmp.path / "root/slow/logs/000000";
  CHECK_THAT(read_file(job / "RETRY.txt"), Catch::StartsWith("Exceeded TIME_LIMIT"));
  auto child = std::stoi(read_file(job / "child"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // The background sleep died with its group (dead, or a zombie until init reaps it).
  auto state = read_file(fmt::format("/proc/{}/stat", child));
  CHECK((state.empty() || state.find(") Z") != std::string::npos));
}

TEST_CASE("SIGINT stops running jobs unfinished and launching again resumes them", "[launch][local]") {
  temp_dir tmp;
  write_file(tmp.path / "project/job.sh", "echo started; sleep 30\n");
  auto cfg = make_sweep(tmp.path / "root", "stop", 4, "sh job.sh");
  sweep::launch_request req;
  req.project_dir = tmp.path / "project";
  req.progress = nullptr;
  req.out = nullptr;
  req.kill_grace = std::chrono::milliseconds(500);
  std::thread interrupter([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    ::kill(::getpid(), SIGINT);
  });
  auto result = sweep::launch(cfg, req);
  interrupter.join();
  CHECK(result.interrupted);
  CHECK(result.unfinished == 2);
  CHECK(result.done == 0);
  auto logs = tmp.path / "root/stop/logs";
  CHECK_FALSE(fs::exists(logs / "000000/RETRY.txt"));  // a stop is not a failure
  auto st = sweep::read_launch_status(cfg);
  CHECK(st.count(sweep::job_state::stopped) == 2);
  CHECK(st.count(sweep::job_state::new_job) == 2);

  write_file(tmp.path / "project/job.sh", "echo resumed\n");
  result = sweep::launch(cfg, req);
  CHECK(result.selected == 4);
  CHECK(result.done == 4);
  CHECK(read_file(logs / "000000/stdout.log") == "started\nresumed\n");
  CHECK(sweep::read_launch_status(cfg).count(sweep::job_state::done) == 4);
}

TEST_CASE("launch explains what is missing or wrong", "[launch][local]") {
  temp_dir tmp;
  sweep::sweep_config cfg;
  cfg.root_dir = tmp.path.string();
  cfg.name = "nothing";
  sweep::launch_request req;
  req.out = nullptr;
  req.progress = nullptr;
  CHECK_THROWS_WITH(sweep::launch(cfg, req), Catch::Contains("cfgs") && Catch::Contains("sweep setup"));
  auto interrupted = make_sweep(tmp.path, "interrupted", 2, "true");
  fs::remove(tmp.path / "interrupted" / "cfgs_summary.yaml");  // as a setup killed before its last step leaves it
  CHECK_THROWS_WITH(sweep::launch(interrupted, req), Catch::Contains("cfgs_summary.yaml") && Catch::Contains("sweep setup"));
  CHECK_FALSE(fs::exists(tmp.path / "interrupted" / "logs"));
  auto bad = make_sweep(tmp.path, "bad", 1, "run {cfgg}");
  CHECK_THROWS_WITH(sweep::launch(bad, req), Catch::Contains("LAUNCH.COMMAND") && Catch::Contains("{cfgg}"));
  req.backend = "cloud";
  CHECK_THROWS_WITH(sweep::launch(bad, req), Catch::StartsWith("command line: --backend: unknown launch backend 'cloud'") &&
                                                 Catch::Contains("expected one of local, sge, slurm"));
  req.backend.reset();
  bad.launch.backend = "slrum";
  CHECK_THROWS_WITH(sweep::launch(bad, req), Catch::Contains("LAUNCH.BACKEND: unknown launch backend 'slrum'") &&
                                                 Catch::Contains("did you mean 'slurm'?"));
  // A missing program is refused before any job starts.
  auto missing = make_sweep(tmp.path, "missing", 1, "/nonexistent/program {cfg}");
  missing.launch.max_retry = 0;
  req.backend.reset();
  CHECK_THROWS_WITH(sweep::launch(missing, req), Catch::Contains("LAUNCH.COMMAND: the job program '/nonexistent/program' does not exist"));
  CHECK_FALSE(fs::exists(tmp.path / "missing/logs/000000"));
}

TEST_CASE("the progress line counts jobs and estimates the time left from this launch's pace", "[launch][local]") {
  temp_dir tmp;
  auto file = tmp.path / "progress.txt";
  std::FILE* f = std::fopen(file.c_str(), "w");
  REQUIRE(f != nullptr);
  sweep::detail::progress_line line(f, 10, 4);
  line.update(4, 2, 0, 4, true);  // nothing finished in this launch yet: no estimate
  line.update(6, 2, 1, 1, true);
  std::fclose(f);
  CHECK(read_file(file) ==
        "launch: 4/10 done, 2 running, 0 failed, 4 queued | 00:00 elapsed, ETA --:--\n"
        "launch: 6/10 done, 2 running, 1 failed, 1 queued | 00:00 elapsed, ETA 00:00\n");
  CHECK(sweep::detail::format_duration(std::chrono::seconds(3725)) == "1:02:05");
  CHECK(sweep::detail::format_duration(std::chrono::seconds(65)) == "01:05");
}

namespace {

/// @brief Whether process `pid` has ended (gone, or a zombie nobody reaped yet).
bool ended(long pid) {
  auto st = sweep::read_process_stat(pid);
  return !st || st->state == 'Z';
}

/// @brief Polls `done` for up to 5 s.
template <class F>
bool within_5s(F done) {
  for (int i = 0; i < 250; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace

TEST_CASE("a job started to die with its launcher is killed when the launcher dies, however it dies", "[launch][local]") {
  int report[2];
  REQUIRE(::pipe(report) == 0);
  pid_t launcher = ::fork();  // a stand-in launcher, SIGKILLed below
  REQUIRE(launcher >= 0);
  if (launcher == 0) {
    sweep::spawn_options o;
    o.argv = {"sleep", "30"};
    o.die_with_parent = true;
    pid_t job = sweep::spawn(o);
    auto n = ::write(report[1], &job, sizeof job);
    (void)n;
    ::pause();
    ::_exit(0);
  }
  ::close(report[1]);
  pid_t job = -1;
  REQUIRE(::read(report[0], &job, sizeof job) == static_cast<ssize_t>(sizeof job));
  ::close(report[0]);
  CHECK_FALSE(ended(job));
  ::kill(launcher, SIGKILL);
  sweep::wait_exit_code(launcher);
  CHECK(within_5s([&] { return ended(job); }));
  ::kill(job, SIGKILL);  // in case the check failed
}

TEST_CASE("spawn reports a child that cannot start, and puts the job's variables first", "[launch][local]") {
  temp_dir tmp;
  sweep::spawn_options missing;
  missing.argv = {"/nonexistent/program"};
  CHECK_THROWS_WITH(sweep::spawn(missing), Catch::Contains("cannot run '/nonexistent/program'") &&
                                               Catch::Contains("No such file or directory"));
  sweep::spawn_options unwritable;
  unwritable.argv = {"true"};
  unwritable.stdout_file = tmp.path / "no/such/folder/stdout.log";
  CHECK_THROWS_WITH(sweep::spawn(unwritable), Catch::Contains("cannot run 'true'"));
  scoped_env inherited("SWEEP_JOB_INDEX", "inherited");
  sweep::spawn_options o;
  o.argv = {"sh", "-c", "echo $SWEEP_JOB_INDEX"};
  o.stdout_file = tmp.path / "out.txt";
  o.env = {"SWEEP_JOB_INDEX=7"};
  CHECK(sweep::wait_exit_code(sweep::spawn(o)) == 0);
  CHECK(read_file(tmp.path / "out.txt") == "7\n");
}

TEST_CASE("what a job started outlives it; RUNNING finds it by pid and start time, and it is stopped", "[launch][local]") {
  temp_dir tmp;
  sweep::sweep_layout layout(tmp.path);
  sweep::job_folder job(layout, 0);
  job.prepare();
  sweep::spawn_options o;
  o.argv = {"sh", "-c", "sleep 30 & echo started; while [ ! -e go ]; do sleep 0.02; done"};  // ends on the test's word
  o.cwd = tmp.path;
  o.stdout_file = job.file("stdout.log");
  auto leader = sweep::spawn(o);
  job.mark_running(leader);
  auto recorded = job.running_process();
  REQUIRE(recorded);
  CHECK(recorded->pid == leader);
  CHECK(recorded->host == sweep::host_name());
  CHECK(recorded->group_alive());
  CHECK(within_5s([&] { return read_file(job.file("stdout.log")) == "started\n"; }));
  write_file(tmp.path / "go", "");  // the leader ends; its `sleep` lives on in its group
  CHECK(sweep::wait_exit_code(leader) == 0);
  CHECK(job.left_running());
  sweep::process_identity other_host = *recorded;  // another machine's processes cannot be seen from here
  other_host.host = "elsewhere";
  CHECK_FALSE(other_host.group_alive());
  CHECK(job.stop_left_processes(std::chrono::milliseconds(500)));
  CHECK_FALSE(recorded->group_alive());
  CHECK_FALSE(job.running());
  CHECK(read_file(job.file("stderr.log")).find("that a launcher which died had left running") != std::string::npos);
  CHECK_FALSE(job.stop_left_processes(std::chrono::milliseconds(500)));  // nothing left: nothing to do
  // A RUNNING of an older launcher (a pid alone) names no process: nothing is signalled.
  write_file(job.file("RUNNING"), fmt::format("{}\n", ::getpid()));
  CHECK_FALSE(job.running_process());
  CHECK_FALSE(job.left_running());
}

TEST_CASE("a pid alive with another start time is a later process, not the job", "[launch][local]") {
  sweep::spawn_options o;
  o.argv = {"sleep", "30"};
  auto leader = sweep::spawn(o);
  auto job = sweep::process_identity::of(leader);
  CHECK(job.start > 0);
  CHECK(job.group_alive());
  auto reused = job;
  reused.start += 1;
  CHECK_FALSE(reused.group_alive());
  ::kill(leader, SIGKILL);
  sweep::wait_exit_code(leader);
  CHECK_FALSE(job.group_alive());
}

TEST_CASE("the code copy of a folder keeps symlinks to folders as links and leaves out the sweep inside it", "[launch][local]") {
  temp_dir tmp;
  auto project = tmp.path / "project";
  write_file(project / "src/train.sh", "echo train\n");
  fs::create_directory_symlink("..", project / "src/loop");  // a symlink loop
  write_file(project / "src/runs/s/cfgs_summary.yaml", "{}\n");  // the sweep lives inside the named folder
  auto code = project / "src/runs/s/code";
  auto copied = sweep::detail::copy_named_code({"sh", "src/train.sh", "src"}, project, code);
  CHECK(copied == std::vector<std::string>{"src/train.sh", "src"});
  CHECK(read_file(code / "src/train.sh") == "echo train\n");
  CHECK(fs::is_symlink(code / "src/loop"));
  CHECK(fs::read_symlink(code / "src/loop") == "..");
  CHECK_FALSE(fs::exists(code / "src/runs"));  // not copied into itself
}
