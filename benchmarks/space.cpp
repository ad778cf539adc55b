// Records per second (draw + pycls key text) for pycls's example spaces, typed and from YAML.
#include <sweep/config/space_yaml.hpp>
#include <sweep/config/yaml.hpp>
#include <sweep/space.hpp>

#include <benchmark/benchmark.h>

using namespace sweep::literals;

namespace {

template <class Space>
void records_with_key_text(benchmark::State& state, const Space& space) {
  sweep::numpy_rng rng(0);
  std::string key;
  for (auto _ : state) {
    auto r = space.draw(rng);
    key.clear();
    space.append_key_text(key, r);
    benchmark::DoNotOptimize(key.data());
  }
  state.SetItemsProcessed(state.iterations());
}

sweep::runtime_space yaml(const char* text) { return sweep::load_space(sweep::load_yaml_text(text), "bench"); }

void cifar_optim_typed(benchmark::State& state) {
  auto space = sweep::space("OPTIM.BASE_LR"_k = sweep::log_uniform(0.25, 5.0).quantize(1e-10),
                            "OPTIM.WEIGHT_DECAY"_k = sweep::log_uniform(5e-5, 1e-3).quantize(1e-10));
  records_with_key_text(state, space);
}

void cifar_optim_yaml(benchmark::State& state) {
  records_with_key_text(state, yaml(R"(
OPTIM.BASE_LR: {TYPE: float_sampler, RAND_TYPE: log_uniform, RANGE: [0.25, 5.0], QUANTIZE: 1.0e-10}
OPTIM.WEIGHT_DECAY: {TYPE: float_sampler, RAND_TYPE: log_uniform, RANGE: [5.0e-5, 1.0e-3], QUANTIZE: 1.0e-10}
)"));
}

void cifar_best_typed(benchmark::State& state) {
  auto space = sweep::space("OPTIM.MAX_EPOCH"_k = sweep::choice(50, 100, 200, 400), "RNG_SEED"_k = sweep::uniform(1, 3));
  records_with_key_text(state, space);
}

void cifar_best_yaml(benchmark::State& state) {
  records_with_key_text(state, yaml(R"(
OPTIM.MAX_EPOCH: {TYPE: value_sampler, VALUES: [50, 100, 200, 400]}
RNG_SEED: {TYPE: int_sampler, RAND_TYPE: uniform, RANGE: [1, 3], QUANTIZE: 1}
)"));
}

void cifar_regnet_typed(benchmark::State& state) {
  auto space = sweep::space("REGNET"_k = sweep::regnet().depth(6, 16).group_w(1, 32));
  records_with_key_text(state, space);
}

}  // namespace

BENCHMARK(cifar_optim_typed);
BENCHMARK(cifar_optim_yaml);
BENCHMARK(cifar_best_typed);
BENCHMARK(cifar_best_yaml);
BENCHMARK(cifar_regnet_typed);
