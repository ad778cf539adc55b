// Setup's engine: candidates/s and kept configs/s for pycls's cifar_optim and
// cifar_regnet spaces with 1 and 2 threads, and whole setups (sampling + files)
// of 10 / 1,000 / 100,000 configs.
#include <sweep/config.hpp>
#include <sweep/setup.hpp>

#include <benchmark/benchmark.h>

#include <sys/resource.h>

#include <filesystem>
#include <fstream>

namespace {

sweep::sweep_config pycls_config(const std::string& name) {
  return sweep::load_sweep_config(std::string(SWEEP_SOURCE_DIR) + "/tests/data/pycls-configs/" + name + ".yaml");
}

/// Sampling only: NUM_SAMPLES candidates, never stopping early (NUM_CONFIGS above what can be found).
void sampling(benchmark::State& state, const std::string& name) {
  auto cfg = pycls_config(name);
  cfg.num_proc = state.range(0);
  cfg.setup.num_samples = 200'000;
  cfg.setup.num_configs = 10'000'000;
  auto space = sweep::load_space(cfg.setup.samplers, cfg.file);
  sweep::config_checks checks(cfg);
  std::int64_t candidates = 0, kept = 0;
  for (auto _ : state) {
    auto result = sweep::sample_configs(space, cfg.setup, cfg.num_proc, checks);
    candidates += result.sampled;
    kept += result.found;
  }
  state.counters["candidates/s"] = benchmark::Counter(static_cast<double>(candidates), benchmark::Counter::kIsRate);
  state.counters["kept/s"] = benchmark::Counter(static_cast<double>(kept), benchmark::Counter::kIsRate);
}

/// The same sampling with cifar_optim's space written as code (typed records, no value trees).
void sampling_typed_cifar_optim(benchmark::State& state) {
  using namespace sweep::literals;
  auto cfg = pycls_config("cifar_optim");
  cfg.num_proc = state.range(0);
  cfg.setup.num_samples = 200'000;
  cfg.setup.num_configs = 10'000'000;
  auto space = sweep::space("OPTIM.BASE_LR"_k = sweep::log_uniform(0.25, 5.0).quantize(1e-10),
                            "OPTIM.WEIGHT_DECAY"_k = sweep::log_uniform(5e-5, 1e-3).quantize(1e-10));
  std::int64_t candidates = 0, kept = 0;
  for (auto _ : state) {
    auto result = sweep::sample_configs(space, cfg.setup, cfg.num_proc, sweep::config_checks(cfg));
    candidates += result.sampled;
    kept += result.found;
  }
  state.counters["candidates/s"] = benchmark::Counter(static_cast<double>(candidates), benchmark::Counter::kIsRate);
  state.counters["kept/s"] = benchmark::Counter(static_cast<double>(kept), benchmark::Counter::kIsRate);
}

/// A whole setup (sampling and writing every file) of NUM_CONFIGS cifar_optim configs on 2 threads.
void whole_setup(benchmark::State& state) {
  auto cfg = pycls_config("cifar_optim");
  auto root = std::filesystem::temp_directory_path() / "sweep_bench_setup";
  std::filesystem::remove_all(root);
  cfg.root_dir = root.string();
  cfg.num_proc = 2;
  cfg.setup.num_configs = state.range(0);
  for (auto _ : state) sweep::setup(cfg);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  state.counters["peak_MB"] = static_cast<double>(usage.ru_maxrss) / 1024.0;
  state.counters["configs/s"] = benchmark::Counter(static_cast<double>(state.range(0)), benchmark::Counter::kIsIterationInvariantRate);
  std::filesystem::remove_all(root);
}

/// The disk's floor for whole_setup: 2 threads creating and writing N files of a job config's size
/// (870 bytes) in one fresh folder, as setup does, with nothing else to do.
void file_creation_floor(benchmark::State& state) {
  auto dir = std::filesystem::temp_directory_path() / "sweep_bench_files";
  std::filesystem::remove_all(dir);
  std::string text(870, 'x');
  auto n = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    std::filesystem::create_directories(dir);
    sweep::run_on_threads(2, [&](std::size_t w) {
      for (std::size_t i = w; i < n; i += 2) std::ofstream(dir / sweep::job_config_name(static_cast<std::int64_t>(i))) << text;
    });
    state.PauseTiming();
    std::filesystem::remove_all(dir);
    state.ResumeTiming();
  }
  state.counters["files/s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

BENCHMARK_CAPTURE(sampling, cifar_optim, std::string("cifar_optim"))->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(sampling, cifar_regnet, std::string("cifar_regnet"))->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(sampling_typed_cifar_optim)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(whole_setup)->Arg(10)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
BENCHMARK(file_creation_floor)->Arg(10)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
