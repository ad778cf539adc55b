// Collect speed: generated pycls-sized job logs (50 epochs, ~78 KB each, like
// pycls's 790 MB for 10,000 jobs), collected fully and incrementally, beside the
// time `cat` takes to read the same files.
#include <sweep/collect.hpp>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <thread>

namespace {

namespace fs = std::filesystem;

/// @brief A pycls-like job config (~3 KB as a json_stats line).
nlohmann::json make_cfg(int job, std::mt19937& rng) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  nlohmann::json cfg;
  for (auto section : {"ANYNET", "BN", "DATA_LOADER", "EN", "LAUNCH", "MODEL", "OPTIM", "REGNET", "RESNET", "TEST",
                       "TRAIN", "PREC_TIME", "FSDP", "LN"}) {
    for (int k = 0; k < 8; ++k) {
      auto key = fmt::format("KEY_{}", k);
      switch (k % 4) {
        case 0: cfg[section][key] = static_cast<int>(u(rng) * 1000); break;
        case 1: cfg[section][key] = u(rng); break;
        case 2: cfg[section][key] = "res_basic_block"; break;
        default: cfg[section][key] = {1, 2, 2}; break;
      }
    }
  }
  cfg["OPTIM"]["BASE_LR"] = 0.25 + 4.75 * u(rng);
  cfg["OPTIM"]["MAX_EPOCH"] = 50;
  cfg["DESC"] = fmt::format("OPTIM.BASE_LR {} OPTIM.WEIGHT_DECAY {}", u(rng), u(rng));
  cfg["OUT_DIR"] = fmt::format("/sweeps/bench/logs/{:06d}", job);
  return cfg;
}

/// @brief One job's stdout.log, written with sweep's own json_stats writer (pycls's format).
void write_job_log(const fs::path& file, int job) {
  std::mt19937 rng(static_cast<unsigned>(job));
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::ofstream out(file);
  out << "[trainer.py: 106]: PyTorch Version: torch=1.13.1, cuda=11.7, cudnn=8500\n";
  for (int i = 0; i < 12; ++i) out << fmt::format("ENV_{}: value_{}\n", i, job);
  sweep::json_stats_writer w(out);
  out << "[trainer.py: 111]: ";
  w.cfg(make_cfg(job, rng));
  out << "[trainer.py: 155]: ";
  w.complexity(125747850 + job, 855770, 544778);
  out << "[benchmark.py: 117]: ";
  w.record("iter_times", {{"test_fw_time", u(rng)}, {"train_bw_time", u(rng)}, {"train_fw_time", u(rng)}});
  out << "[benchmark.py: 145]: ";
  w.record("epoch_times", {{"test_fw_time", u(rng)}, {"train_bw_time", u(rng)}, {"train_fw_time", u(rng)}});
  const int epochs = 50;
  double min1 = 100, min5 = 100, ema1 = 100, ema5 = 100;
  for (int e = 1; e <= epochs; ++e) {
    for (int it : {25, 48}) {
      out << "[meters.py: 153]: ";
      w.epoch("train_iter", e, epochs,
              {{"eta", "00,00:03:23"}, {"iter", fmt::format("{}/48", it)}, {"loss", 2 * u(rng)}, {"lr", u(rng)},
               {"mem", 5519}, {"time_avg", u(rng)}, {"time_diff", u(rng)}, {"top1_err", 100 * u(rng)},
               {"top5_err", 30 * u(rng)}});
    }
    out << "[meters.py: 177]: ";
    w.epoch("train_epoch", e, epochs,
            {{"eta", "00,00:03:18"}, {"loss", 2 * u(rng)}, {"lr", u(rng)}, {"mem", 5519}, {"time_avg", u(rng)},
             {"time_epoch", 4 * u(rng)}, {"top1_err", 100 * u(rng)}, {"top5_err", 30 * u(rng)}});
    out << "[meters.py: 238]: ";
    w.epoch("test_iter", e, epochs,
            {{"eta", "00,00:00:01"}, {"iter", "10/10"}, {"mem", 5519}, {"time_avg", u(rng)}, {"time_diff", u(rng)},
             {"top1_err", 100 * u(rng)}, {"top5_err", 30 * u(rng)}});
    for (auto type : {"test_epoch", "test_ema_epoch"}) {
      double& m1 = type == std::string_view("test_epoch") ? min1 : ema1;
      double& m5 = type == std::string_view("test_epoch") ? min5 : ema5;
      double t1 = 100 * u(rng), t5 = 30 * u(rng);
      m1 = std::min(m1, t1);
      m5 = std::min(m5, t5);
      out << "[meters.py: 260]: ";
      w.epoch(type, e, epochs,
              {{"mem", 5519}, {"min_top1_err", m1}, {"min_top5_err", m5}, {"time_avg", u(rng)},
               {"time_epoch", u(rng)}, {"top1_err", t1}, {"top5_err", t5}});
    }
    out << fmt::format("[trainer.py: 304]: Wrote checkpoint to: /sweeps/bench/logs/{:06d}/checkpoints/model_epoch_{:04d}.pyth\n",
                       job, e);
  }
}

/// @brief A sweep folder with `n` finished jobs, made once per process run.
const fs::path& sweep_of(int n) {
  static std::map<int, fs::path> made;
  auto it = made.find(n);
  if (it != made.end()) return it->second;
  fs::path dir = fs::temp_directory_path() / fmt::format("sweep_bench_collect_{}_{}", n, ::getpid());
  fs::remove_all(dir);
  fs::create_directories(dir / "cfgs");
  // On every core: 100,000 jobs (7.5 GB of logs) take minutes to write.
  sweep::parallel_for(static_cast<std::size_t>(n), std::max(1u, std::thread::hardware_concurrency()), {},
                      [&](std::size_t i, sweep::no_scratch&) {
                        int j = static_cast<int>(i);
                        auto job = fmt::format("{:06d}", j);
                        std::ofstream(dir / "cfgs" / (job + ".yaml")) << "OPTIM:\n  BASE_LR: 0.5\n";
                        fs::create_directories(dir / "logs" / job);
                        write_job_log(dir / "logs" / job / "stdout.log", j);
                        std::ofstream(dir / "logs" / job / "stderr.log");
                      });
  return made.emplace(n, dir).first->second;
}

struct cleanup {
  ~cleanup() {
    for (int n : {10, 1000, 10000, 100000}) {
      std::error_code ec;
      fs::remove_all(fs::temp_directory_path() / fmt::format("sweep_bench_collect_{}_{}", n, ::getpid()), ec);
    }
  }
} cleanup_at_exit;

void set_counters(benchmark::State& state, const fs::path& dir) {
  std::uintmax_t bytes = 0;
  for (auto& e : fs::recursive_directory_iterator(dir / "logs")) {
    if (e.is_regular_file()) bytes += e.file_size();
  }
  state.counters["log_MB"] = static_cast<double>(bytes) / 1e6;
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  state.counters["peak_RSS_MB"] = static_cast<double>(usage.ru_maxrss) / 1024.0;
}

/// @brief User + system CPU seconds of this process (who = RUSAGE_SELF) or of its waited-for children.
double cpu_seconds(int who) {
  rusage u{};
  getrusage(who, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

/// @brief CPU seconds per iteration over all threads (or child processes): wall time alone misleads on a shared machine.
struct cpu_meter {
  int who;
  double start = cpu_seconds(who);
  void report(benchmark::State& state) const {
    state.counters["cpu_s"] = (cpu_seconds(who) - start) / static_cast<double>(state.iterations());
  }
};

sweep::collect_run_options run_options(bool incremental) {
  sweep::collect_run_options run;
  run.threads = std::max(1u, std::thread::hardware_concurrency());
  run.incremental = incremental;
  return run;
}

/// @brief With `cold`, empties the kernel's page cache before the next iteration (root only), so
/// the logs come from the disk; false (the benchmark then reports why) when that is not allowed.
bool start_iteration(benchmark::State& state, bool cold) {
  if (!cold) return true;
  state.PauseTiming();
  ::sync();
  bool dropped = static_cast<bool>(std::ofstream("/proc/sys/vm/drop_caches") << "3\n" << std::flush);
  if (!dropped) state.SkipWithError("a cold run empties the page cache: run as root (/proc/sys/vm/drop_caches)");
  state.ResumeTiming();
  return dropped;
}

void BM_collect_full(benchmark::State& state, bool cold) {
  auto& dir = sweep_of(static_cast<int>(state.range(0)));
  sweep::collect_options opts;
  cpu_meter cpu{RUSAGE_SELF};
  for (auto _ : state) {
    if (!start_iteration(state, cold)) break;
    auto r = sweep::collect_dir(dir, opts, run_options(false));
    if (r.jobs.size() != static_cast<std::size_t>(state.range(0))) state.SkipWithError("wrong job count");
  }
  cpu.report(state);
  set_counters(state, dir);
}

void BM_collect_incremental_no_change(benchmark::State& state) {
  auto& dir = sweep_of(static_cast<int>(state.range(0)));
  sweep::collect_options opts;
  sweep::collect_dir(dir, opts, run_options(false));
  cpu_meter cpu{RUSAGE_SELF};
  for (auto _ : state) {
    auto r = sweep::collect_dir(dir, opts, run_options(true));
    if (r.reparsed != 0) state.SkipWithError("reparsed an unchanged log");
  }
  cpu.report(state);
}

void BM_collect_incremental_one_changed(benchmark::State& state) {
  auto& dir = sweep_of(static_cast<int>(state.range(0)));
  sweep::collect_options opts;
  sweep::collect_dir(dir, opts, run_options(false));
  for (auto _ : state) {
    state.PauseTiming();
    std::ofstream(dir / "logs" / "000000" / "stderr.log", std::ios::app) << "warning\n";
    state.ResumeTiming();
    auto r = sweep::collect_dir(dir, opts, run_options(true));
    if (r.reparsed != 1) state.SkipWithError("expected one reparsed log");
  }
}

void BM_cat_logs(benchmark::State& state, bool cold) {
  auto& dir = sweep_of(static_cast<int>(state.range(0)));
  auto command = fmt::format("cd '{}' && find logs -name '*.log' -print0 | xargs -0 cat > /dev/null", dir.string());
  cpu_meter cpu{RUSAGE_CHILDREN};
  for (auto _ : state) {
    if (!start_iteration(state, cold)) break;
    if (std::system(command.c_str()) != 0) state.SkipWithError("cat failed");
  }
  cpu.report(state);
  set_counters(state, dir);
}

}  // namespace

BENCHMARK_CAPTURE(BM_cat_logs, warm, false)->Arg(10)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_collect_full, warm, false)->Arg(10)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();
// 7.5 GB of logs (written in about 5 minutes; warm needs that much free memory for the page cache):
// run with --benchmark_filter=/100000 alone.
BENCHMARK_CAPTURE(BM_cat_logs, warm, false)->Arg(100000)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK_CAPTURE(BM_collect_full, warm, false)->Arg(100000)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
// The page cache emptied before each iteration (as root): the logs read from the disk.
BENCHMARK_CAPTURE(BM_cat_logs, cold, true)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_collect_full, cold, true)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_collect_incremental_no_change)->Arg(10)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_collect_incremental_one_changed)->Arg(10)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();
