// Speed of the numpy-compatible stream and of the six draws (items/s = draws/s).
#include <sweep/random.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>

namespace {

using i64 = std::int64_t;
using sweep::rand_type;

void bm_next_uint32(benchmark::State& state) {
  sweep::numpy_rng rng(1);
  for (auto _ : state) {
    for (i64 i = 0; i < state.range(0); ++i) benchmark::DoNotOptimize(rng.next_uint32());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(bm_next_uint32)->Arg(10)->Arg(1000)->Arg(100000);

void bm_random_sample(benchmark::State& state) {
  sweep::numpy_rng rng(1);
  for (auto _ : state) {
    for (i64 i = 0; i < state.range(0); ++i) benchmark::DoNotOptimize(rng.random_sample());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(bm_random_sample)->Arg(10)->Arg(1000)->Arg(100000);

void bm_gauss(benchmark::State& state) {
  sweep::numpy_rng rng(1);
  for (auto _ : state) {
    for (i64 i = 0; i < state.range(0); ++i) benchmark::DoNotOptimize(rng.gauss());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(bm_gauss)->Arg(10)->Arg(1000)->Arg(100000);

/// @brief range(0) draws of `type` with q's type T through the run-time dispatch sweep::draw.
template <class T>
void bm_draw(benchmark::State& state, rand_type type, T low, T high, T q) {
  sweep::numpy_rng rng(1);
  for (auto _ : state) {
    for (i64 i = 0; i < state.range(0); ++i) benchmark::DoNotOptimize(sweep::draw(type, low, high, q, rng));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

#define SWEEP_BENCH_DRAW(name, type, T, low, high, q)                                  \
  BENCHMARK_CAPTURE(bm_draw, name, type, T{low}, T{high}, T{q})->Arg(10)->Arg(1000)->Arg(100000)

SWEEP_BENCH_DRAW(uniform_int, rand_type::uniform, i64, 12, 28, 1);
SWEEP_BENCH_DRAW(uniform_float, rand_type::uniform, double, -0.5, 0.5, 0.1);
SWEEP_BENCH_DRAW(log_uniform_int, rand_type::log_uniform, i64, 8, 256, 8);
SWEEP_BENCH_DRAW(log_uniform_float, rand_type::log_uniform, double, 0.25, 5.0, 1e-10);
SWEEP_BENCH_DRAW(power2_uniform_int, rand_type::power2_uniform, i64, 2, 512, 1);
SWEEP_BENCH_DRAW(power2_uniform_float, rand_type::power2_uniform, double, 0.25, 8.0, 0.25);
SWEEP_BENCH_DRAW(power2_or_log_uniform_int, rand_type::power2_or_log_uniform, i64, 1, 32, 8);
SWEEP_BENCH_DRAW(power2_or_log_uniform_float, rand_type::power2_or_log_uniform, double, 1.0, 16.0, 1.0);
SWEEP_BENCH_DRAW(normal_int, rand_type::normal, i64, 0, 100, 1);
SWEEP_BENCH_DRAW(normal_float, rand_type::normal, double, 0.0, 1.0, 0.01);
SWEEP_BENCH_DRAW(log_normal_int, rand_type::log_normal, i64, 1, 1000, 1);
SWEEP_BENCH_DRAW(log_normal_float, rand_type::log_normal, double, 0.01, 1.0, 0.001);
// the slow quantisation path: k beyond 2^64 and a product beyond 28 digits
SWEEP_BENCH_DRAW(uniform_float_huge_k, rand_type::uniform, double, 0.0, 1e30, 0.1234567890123456);

/// @brief Three float quanta in turn, as a RegNet sample draws them (WA 0.1, WM 0.001, BOT_MUL 1/128).
void bm_uniform_float_three_quanta(benchmark::State& state) {
  sweep::numpy_rng rng(1);
  constexpr double quanta[] = {0.1, 0.001, 1.0 / 128};
  for (auto _ : state) {
    for (i64 i = 0; i < state.range(0); ++i) {
      benchmark::DoNotOptimize(sweep::draws::uniform(0.0, 1.0, quanta[i % 3], rng));
    }
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(bm_uniform_float_three_quanta)->Arg(10)->Arg(1000)->Arg(100000);

/// @brief The function object called directly (no run-time dispatch on the rand type).
void bm_uniform_float_direct(benchmark::State& state) {
  sweep::numpy_rng rng(1);
  for (auto _ : state) {
    for (i64 i = 0; i < state.range(0); ++i) benchmark::DoNotOptimize(sweep::draws::uniform(-0.5, 0.5, 0.1, rng));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(bm_uniform_float_direct)->Arg(10)->Arg(1000)->Arg(100000);

/// @brief pycls's setup prologue: chunk seeds = choice(1000000, n_chunks), a full permutation of 1e6.
void bm_chunk_seeds(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(sweep::chunk_seeds(0, state.range(0), 5000));
}
BENCHMARK(bm_chunk_seeds)->Arg(10000)->Arg(1000000)->Arg(100000000)->Unit(benchmark::kMillisecond);

void bm_permutation(benchmark::State& state) {
  sweep::numpy_rng rng(1);
  for (auto _ : state) benchmark::DoNotOptimize(rng.permutation(state.range(0)));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(bm_permutation)->Arg(1000)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMicrosecond);

}  // namespace
