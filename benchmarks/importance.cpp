// Parameter importance (analyze/importance.hpp) for 10 / 1,000 / 10,000 jobs:
// main effects of 6 parameters with 200 bootstrap resamples (the section's
// defaults), and importance_of on a sweep (overall plus within the good range,
// the good range's 2,500-resample bootstrap included). Issue 20 asks for
// 10,000 jobs in under a second.
#include <sweep/analyze/importance.hpp>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

constexpr int n_params = 6;

sweep::sweep_data make_sweep(int n) {
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> u(0, 1);
  sweep::sweep_data s{"bench", "", {}, {}};
  for (int i = 0; i < n; ++i) {
    nlohmann::json p;
    double e = 10;
    for (int k = 0; k < n_params; ++k) {
      double x = u(rng);
      p["P" + std::to_string(k)] = x;
      e += (k + 1) * x * x;
    }
    e += u(rng);
    s.jobs.push_back(sweep::make_job(std::to_string(i), nlohmann::json{{"cfg", p}}, e));
  }
  return s;
}

std::vector<sweep::sweep_parameter> params() {
  std::vector<sweep::sweep_parameter> out;
  for (int k = 0; k < n_params; ++k) out.push_back({sweep::get_metric_info("cfg.P" + std::to_string(k)), false});
  return out;
}

void main_effects(benchmark::State& state) {
  auto s = make_sweep(static_cast<int>(state.range(0)));
  std::vector<double> errors;
  std::vector<std::vector<double>> columns;
  std::vector<std::string> keys;
  for (auto& j : s.jobs) errors.push_back(j.error);
  for (auto& p : params()) {
    columns.push_back(sweep::parameter_values(s.jobs, p).values);
    keys.push_back(p.info.name);
  }
  for (auto _ : state) benchmark::DoNotOptimize(sweep::main_effects(errors, columns, keys));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void importance_of(benchmark::State& state) {
  auto s = make_sweep(static_cast<int>(state.range(0)));
  auto ps = params();
  for (auto _ : state) {
    for (auto& j : s.jobs) j.memo->clear();  // look the values up again, as a fresh page does
    benchmark::DoNotOptimize(sweep::importance_of(s, ps));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

}  // namespace

BENCHMARK(main_effects)->Arg(10)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(importance_of)->Arg(10)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);
