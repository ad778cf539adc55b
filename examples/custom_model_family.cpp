// A custom model family: register its complexity by MODEL.TYPE and pycls's
// SETUP.CONSTRAINTS.CX work for it, in setup, without touching the engine.
// Here a toy MLP (the library has a full `mlp` family; this shows how one is made) (MLP.IN inputs, MODEL.DEPTH hidden layers of MODEL.WIDTH, MODEL.NUM_CLASSES outputs).
#include <sweep/sweep.hpp>

#include <fmt/core.h>

#include <filesystem>

using namespace sweep::literals;

sweep::complexity mlp_complexity(const sweep::value& cfg) {
  auto get = [&](const char* key, std::int64_t fallback) {
    auto* v = cfg.find(key);
    return v != nullptr ? v->as_int() : fallback;
  };
  std::int64_t in = get("MLP.IN", 64), width = get("MODEL.WIDTH", 64), depth = get("MODEL.DEPTH", 1);
  std::int64_t classes = get("MODEL.NUM_CLASSES", 10);
  sweep::complexity cx{0, 0, 0};
  std::int64_t w_in = in;
  for (std::int64_t layer = 0; layer <= depth; ++layer) {
    std::int64_t w_out = layer == depth ? classes : width;
    cx.flops += w_in * w_out;
    cx.params += w_in * w_out + w_out;
    cx.acts += w_out;
    w_in = w_out;
  }
  return cx;
}

int main() {
  sweep::register_model_family("toy_mlp", sweep::model_family{mlp_complexity, {}, {}});

  sweep::sweep_config cfg;
  cfg.name = "examples/custom_model_family";
  cfg.root_dir = (std::filesystem::temp_directory_path() / "sweep_examples").string();
  cfg.num_proc = 2;
  cfg.setup.num_configs = 8;
  cfg.setup.base_cfg.at_path("MODEL.TYPE") = "toy_mlp";
  cfg.setup.constraints.cx.params = {0, 20000};  // at most 20k parameters
  auto space = sweep::space("MODEL.WIDTH"_k = sweep::power2_uniform(16, 512), "MODEL.DEPTH"_k = sweep::uniform(1, 4));
  std::filesystem::remove_all(sweep::sweep_dir(cfg));
  auto summary = sweep::setup(cfg, space);

  std::int64_t most = 0;
  for (std::int64_t i = 0; i < summary.configs; ++i) {
    auto job = sweep::load_yaml_file(summary.dir / "cfgs" / sweep::job_config_name(i));
    most = std::max(most, sweep::compute_complexity(job).params);
  }
  fmt::print("{} configs, the largest has {} params (bound 20000)\n", summary.configs, most);
  return summary.configs == 8 && most <= 20000 ? 0 : 1;
}
