// Launch overheads: the local pool running N jobs of `true` (against spawning
// `true` N times in a row, the floor), and submitting an N-job sweep to SLURM
// (a fake sbatch on PATH with MaxArraySize 1001, so 10,000 jobs take 10 sbatch
// calls; set SWEEP_BENCH_REAL_SLURM=1 to submit to the real cluster, then scancel).
#include <sweep/launch.hpp>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

namespace {

namespace fs = std::filesystem;

fs::path bench_root() {
  static fs::path root = [] {
    auto p = fs::temp_directory_path() / fmt::format("sweep-bench-launch-{}", ::getpid());
    fs::remove_all(p);
    fs::create_directories(p / "bin");
    auto script = [&](const char* name, const std::string& text) {
      std::ofstream(p / "bin" / name) << text;
      fs::permissions(p / "bin" / name, fs::perms::owner_all);
    };
    script("sbatch", "#!/bin/sh\necho 4242\n");
    script("squeue", "#!/bin/sh\nexit 0\n");
    script("scontrol", "#!/bin/sh\necho 'MaxArraySize = 1001'\n");
    static struct remover {  // owns its own copy: it runs after `root` is destroyed
      fs::path path;
      ~remover() {
        std::error_code ec;
        fs::remove_all(path, ec);
      }
    } cleanup{p};
    return p;
  }();
  return root;
}

/// @brief A sweep of n job configs (written once per size).
sweep::sweep_config make_sweep(const std::string& kind, std::int64_t n, const std::string& command) {
  sweep::sweep_config cfg;
  cfg.root_dir = bench_root().string();
  cfg.name = fmt::format("{}{}", kind, n);
  cfg.launch.command = command;
  cfg.launch.time_limit = 60;
  auto cfgs = bench_root() / cfg.name / "cfgs";
  if (!fs::exists(cfgs)) {
    fs::create_directories(cfgs);
    for (std::int64_t i = 0; i < n; ++i) std::ofstream(cfgs / fmt::format("{:06d}.yaml", i)) << "X: " << i << "\n";
  }
  return cfg;
}

void BM_spawn_true_in_a_row(benchmark::State& state) {
  for (auto _ : state) {
    for (std::int64_t i = 0; i < state.range(0); ++i) {
      sweep::spawn_options o;
      o.argv = {"true"};
      benchmark::DoNotOptimize(sweep::wait_exit_code(sweep::spawn(o)));
    }
  }
  // Seconds per job (printed with SI prefixes: 1.2m is 1.2 ms).
  state.counters["per_job"] = benchmark::Counter(static_cast<double>(state.range(0)),
                                                 benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_spawn_true_in_a_row)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_local_launch_true(benchmark::State& state) {
  auto cfg = make_sweep("local", state.range(0), "true");
  cfg.launch.local_jobs = 2;
  sweep::launch_request req;
  req.out = nullptr;
  req.progress = nullptr;
  req.project_dir = bench_root();
  auto logs = bench_root() / cfg.name / "logs";
  static int round = 0;  // the function runs several times per size
  for (auto _ : state) {
    state.PauseTiming();
    // Moved aside, not deleted: deleting thousands of files right before the timed part slows the
    // disk down for it (the file system here discards freed blocks).
    if (fs::exists(logs)) fs::rename(logs, bench_root() / fmt::format("old-{}-{}", cfg.name, round++));
    state.ResumeTiming();
    auto result = sweep::launch(cfg, req);
    if (result.done != static_cast<std::size_t>(state.range(0))) state.SkipWithError("a job did not finish");
  }
  // Seconds per job (printed with SI prefixes: 1.2m is 1.2 ms).
  state.counters["per_job"] = benchmark::Counter(static_cast<double>(state.range(0)),
                                                 benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_local_launch_true)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_slurm_submit(benchmark::State& state) {
  bool real = std::getenv("SWEEP_BENCH_REAL_SLURM") != nullptr;
  std::string old_path = std::getenv("PATH");
  if (!real) ::setenv("PATH", ((bench_root() / "bin").string() + ":" + old_path).c_str(), 1);
  auto cfg = make_sweep("slurm", state.range(0), "true");
  cfg.launch.num_gpus = 0;
  cfg.launch.cpus_per_gpu = 1;
  cfg.launch.mem_per_gpu = 1;
  sweep::launch_request req;
  req.out = nullptr;
  req.yes = true;
  req.backend = "slurm";
  req.project_dir = bench_root();
  if (real) req.driver = "/bin/true";  // a task that starts before scancel must not run this benchmark
  auto sbatch_dir = bench_root() / cfg.name / "logs" / "sbatch";
  std::size_t calls = 0;
  for (auto _ : state) {
    state.PauseTiming();
    fs::remove_all(sbatch_dir);
    state.ResumeTiming();
    auto result = sweep::launch(cfg, req);
    calls = result.submitted.size();
    if (real) {
      state.PauseTiming();
      for (auto& id : result.submitted) sweep::run_capture({"scancel", id});
      state.ResumeTiming();
    }
  }
  state.counters["sbatch_calls"] = static_cast<double>(calls);
  ::setenv("PATH", old_path.c_str(), 1);
}
BENCHMARK(BM_slurm_submit)->Arg(10)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
