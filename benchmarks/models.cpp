// Complexity evaluations per second: the setup engine checks one per sampled
// candidate. Candidates are drawn like cifar_regnet's regnet_sampler (DEPTH
// 6-16, W0 8-256, WA 8-256, WM 2-3, GROUP_W 1-32) on its BASE_CFG; the batch
// size grows 10 -> 1000 -> 100000 and items/s is the figure to read.
#include <sweep/models.hpp>

#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

namespace {

sweep::value cifar_regnet_base() {
  sweep::value cfg;
  cfg.at_path("MODEL.TYPE") = sweep::value("regnet");
  cfg.at_path("MODEL.NUM_CLASSES") = sweep::value(10);
  cfg.at_path("REGNET.STEM_TYPE") = sweep::value("res_stem_cifar");
  cfg.at_path("REGNET.SE_ON") = sweep::value(true);
  cfg.at_path("REGNET.STEM_W") = sweep::value(16);
  for (const char* key : {"OPTIM.BASE_LR", "OPTIM.MOMENTUM", "OPTIM.WEIGHT_DECAY", "OPTIM.EMA_ALPHA"}) {
    cfg.at_path(key) = sweep::value(0.5);  // the rest of BASE_CFG: keys a lookup walks past
  }
  cfg.at_path("TRAIN.DATASET") = sweep::value("cifar10");
  cfg.at_path("TRAIN.IM_SIZE") = sweep::value(32);
  cfg.at_path("TEST.IM_SIZE") = sweep::value(32);
  return cfg;
}

std::vector<sweep::value> regnet_candidates(std::size_t n) {
  std::mt19937_64 rng(0);
  auto log_uniform = [&](double lo, double hi) {
    return std::exp(std::uniform_real_distribution<double>(std::log(lo), std::log(hi))(rng));
  };
  const std::int64_t group_ws[] = {1, 2, 4, 8, 16, 24, 32};
  std::vector<sweep::value> out;
  for (std::size_t i = 0; i < n; ++i) {
    auto cfg = cifar_regnet_base();
    cfg.at_path("REGNET.DEPTH") = sweep::value(std::uniform_int_distribution<std::int64_t>(6, 16)(rng));
    cfg.at_path("REGNET.W0") = sweep::value(std::max<std::int64_t>(8, std::llround(log_uniform(8, 256) / 8) * 8));
    cfg.at_path("REGNET.WA") = sweep::value(std::round(log_uniform(8, 256) * 10) / 10);
    cfg.at_path("REGNET.WM") = sweep::value(std::round(log_uniform(2, 3) * 1000) / 1000);
    cfg.at_path("REGNET.GROUP_W") = sweep::value(group_ws[rng() % 7]);
    cfg.at_path("REGNET.BOT_MUL") = sweep::value(1.0);
    out.push_back(std::move(cfg));
  }
  return out;
}

std::vector<sweep::value> anynet_candidates(std::size_t n) {
  std::vector<sweep::value> regnets = regnet_candidates(n), out;
  for (auto& r : regnets) out.push_back(sweep::standardize_model(r));
  return out;
}

// The whole per-candidate check on a config tree: read REGNET.*, count stages, complexity.
void regnet_value(benchmark::State& state) {
  auto cfgs = regnet_candidates(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    for (auto& cfg : cfgs) {
      auto p = sweep::regnet_params::from(cfg);
      auto stages = sweep::regnet_generate(p.wa, p.w0, p.wm, p.depth);
      benchmark::DoNotOptimize(stages);
      benchmark::DoNotOptimize(sweep::regnet_complexity(p, stages, 32, 10));
    }
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

// The fast path alone (parameters already read).
void regnet_params_only(benchmark::State& state) {
  auto cfgs = regnet_candidates(static_cast<std::size_t>(state.range(0)));
  std::vector<sweep::regnet_params> params;
  for (auto& cfg : cfgs) params.push_back(sweep::regnet_params::from(cfg));
  for (auto _ : state) {
    for (auto& p : params) benchmark::DoNotOptimize(sweep::regnet_complexity(p, 32, 10));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

// Through the registry, as an engine that knows nothing about RegNet would call it.
void regnet_registry(benchmark::State& state) {
  auto cfgs = regnet_candidates(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    for (auto& cfg : cfgs) benchmark::DoNotOptimize(sweep::standardized_complexity(cfg));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

// AnyNet configs (the written form of the same RegNets) through the registry.
void anynet_registry(benchmark::State& state) {
  auto cfgs = anynet_candidates(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    for (auto& cfg : cfgs) benchmark::DoNotOptimize(sweep::compute_complexity(cfg));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

// Writing the anynet form (done once per kept config, not per candidate).
void regnet_to_anynet_form(benchmark::State& state) {
  auto cfgs = regnet_candidates(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    for (auto& cfg : cfgs) benchmark::DoNotOptimize(sweep::standardize_model(cfg));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

}  // namespace

BENCHMARK(regnet_value)->Arg(10)->Arg(1000)->Arg(100000)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(regnet_params_only)->Arg(10)->Arg(1000)->Arg(100000)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(regnet_registry)->Arg(10)->Arg(1000)->Arg(100000)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(anynet_registry)->Arg(10)->Arg(1000)->Arg(100000)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(regnet_to_anynet_form)->Arg(10)->Arg(1000)->Arg(100000)->UseRealTime();
