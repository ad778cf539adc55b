// Seed repeats (analyze/repeats.hpp) for 10 to 10,000 jobs, 3 runs per config: grouping the
// runs by config (average_repeats, on a fresh copy of the sweep each time) and the two-stage
// bootstrap band around the EDF of the means (1,000 resamples, 200 points: the report's settings).
#include <sweep/analyze/repeats.hpp>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <random>
#include <string>
#include <utility>

namespace {

constexpr int runs = 3;

sweep::sweep_data make_sweep(int jobs) {
  std::mt19937_64 rng(1);
  std::normal_distribution<double> seed_noise(0, 0.5);
  std::uniform_real_distribution<double> config_error(2, 12);
  sweep::sweep_data s{"bench", "", {}, {}};
  double e = 0;
  for (int i = 0; i < jobs; ++i) {
    if (i % runs == 0) e = config_error(rng);
    nlohmann::json cfg = {{"DESC", "OPTIM.BASE_LR " + std::to_string(i / runs)}, {"RNG_SEED", 1 + i % runs}};
    s.jobs.push_back(sweep::make_job(std::to_string(i), nlohmann::json{{"cfg", cfg}}, e + seed_noise(rng)));
  }
  return s;
}

void average_repeats(benchmark::State& state) {
  auto s = make_sweep(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto copy = s;
    benchmark::DoNotOptimize(sweep::average_repeats(copy));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void edf_band(benchmark::State& state) {
  auto s = make_sweep(static_cast<int>(state.range(0)));
  auto groups = sweep::average_repeats(s).groups;
  sweep::bootstrap_options opt;
  opt.resamples = 1000;
  for (auto _ : state) benchmark::DoNotOptimize(sweep::bootstrap_edf_band(groups, opt));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

}  // namespace

BENCHMARK(average_repeats)->RangeMultiplier(10)->Range(10, 10000)->Unit(benchmark::kMillisecond);
BENCHMARK(edf_band)->RangeMultiplier(10)->Range(10, 10000)->Unit(benchmark::kMillisecond);
