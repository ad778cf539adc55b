// Sweeps as code: examples/digits/digits_optim.yaml written with the typed DSL.
// The space, the base config and the options are built in C++ and go through
// the library calls `sweep run` makes (setup; with --run also launch, collect,
// analyze). For the same seed it writes byte for byte the job configs of
//   sweep setup --sweep-cfg examples/digits/digits_optim.yaml
// (checked by CTest: examples/sweep_as_code_check.cmake).
//
//   sweep_as_code [--root DIR] [--run] [--num-configs N] [--train PROGRAM] [--small-steps]
//
// Run it from the repository root (LAUNCH.COMMAND's relative words resolve there).
#include <sweep/sweep.hpp>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cstdio>
#include <filesystem>
#include <string>

using namespace sweep::literals;

namespace {

/// @brief SETUP.BASE_CFG of digits_optim.yaml: a one-hidden-layer MLP trained like pycls's R-56.
sweep::value digits_base_cfg() {
  sweep::value cfg;
  // at_path creates the maps above a dotted key, so the tree reads like the YAML.
  cfg.at_path("MODEL.TYPE") = "mlp";
  cfg.at_path("MODEL.NUM_CLASSES") = 10;
  cfg.at_path("MODEL.WIDTH") = 64;
  cfg.at_path("MODEL.DEPTH") = 1;
  cfg.at_path("MODEL.NORM") = "ln";
  cfg.at_path("OPTIM.BASE_LR") = 1.0;
  cfg.at_path("OPTIM.LR_POLICY") = "cos";
  cfg.at_path("OPTIM.MAX_EPOCH") = 50;
  cfg.at_path("OPTIM.MOMENTUM") = 0.9;
  cfg.at_path("OPTIM.NESTEROV") = true;
  cfg.at_path("OPTIM.WARMUP_EPOCHS") = 5;
  cfg.at_path("OPTIM.WEIGHT_DECAY") = 0.001;
  cfg.at_path("OPTIM.EMA_ALPHA") = 0.01;
  cfg.at_path("OPTIM.EMA_UPDATE_PERIOD") = 4;
  cfg.at_path("TRAIN.DATASET") = "digits";
  cfg.at_path("TRAIN.BATCH_SIZE") = 32;
  cfg.at_path("TRAIN.CHECKPOINT_PERIOD") = 10;
  cfg.at_path("TEST.DATASET") = "digits";
  cfg.at_path("TEST.BATCH_SIZE") = 200;
  cfg.at_path("LOG_PERIOD") = 10;
  return cfg;
}

/// @brief The sweep config of digits_optim.yaml: every field not set here keeps pycls's default.
sweep::sweep_config digits_optim_config(const std::string& root, const std::string& train_program) {
  sweep::sweep_config cfg;
  cfg.root_dir = root;
  cfg.name = "digits/digits_optim";
  cfg.desc = "Example digits sweep 1 of 3, written as code (see examples/digits/digits_optim.yaml).";
  cfg.setup.num_configs = 64;
  cfg.setup.base_cfg = digits_base_cfg();
  cfg.launch.command = train_program +
                       " --cfg {cfg} --mode {mode} OUT_DIR {out_dir} DIGITS.DATA_FILE examples/digits/data/digits.csv.gz";
  cfg.launch.num_gpus = 0;
  cfg.launch.cpus_per_gpu = 1;
  cfg.launch.mem_per_gpu = 1;
  cfg.launch.parallel_jobs = 64;
  cfg.launch.time_limit = 10;
  cfg.analyze.plot_curves_best = 3;
  cfg.analyze.metrics = {"lr", "wd", "lr_wd"};
  cfg.analyze.complexity = {"flops", "params", "acts", "memory", "epoch_fw_bw", "epoch_time"};
  cfg.analyze.pre_filters = {{"done", {1, 1, 1}}};
  return cfg;
}

/// @brief What `sweep run` does after setup: launch here without asking, collect, analyze.
int launch_collect_analyze(const sweep::sweep_config& cfg) {
  sweep::launch_request request;
  request.yes = true;
  request.backend = "local";
  auto launched = sweep::launch(cfg, request);
  if (launched.interrupted) return 130;
  fmt::print("{} done, {} failed\n", launched.done, launched.failed);
  auto collected = sweep::collect(cfg);
  fmt::print("{}\n", sweep::status_line(collected));
  auto report = sweep::analyze(cfg);
  fmt::print("Report: {}\n", std::filesystem::absolute(report).lexically_normal().string());
  return launched.failed > 0 ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"digits_optim as code: set up (and with --run, run) the lr x wd sweep of the digits example"};
  std::string root = "sweeps";
  std::string train = "build/bin/digits_train";
  std::int64_t num_configs = 64;
  bool run = false, small_steps = false;
  app.add_option("--root", root, "ROOT_DIR: the folder sweeps go in")->capture_default_str();
  app.add_option("--train", train, "The digits_train program (the first word of LAUNCH.COMMAND)")->capture_default_str();
  app.add_option("--num-configs", num_configs, "SETUP.NUM_CONFIGS")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_flag("--run", run, "Also launch (locally, without asking), collect and analyze, like `sweep run`");
  app.add_flag("--small-steps", small_steps, "Keep only configs with lr * wd <= 1e-2 (a constraint; changes the configs)");
  CLI11_PARSE(app, argc, argv);

  try {
    // The space: keys are compile-time strings and each sampler knows its value type (double here).
    auto space = sweep::space(
        "OPTIM.BASE_LR"_k = sweep::log_uniform(0.1, 10.0).quantize(1e-10),
        "OPTIM.WEIGHT_DECAY"_k = sweep::log_uniform(3.0e-4, 3.0e-2).quantize(1e-10));
    // A constraint is any predicate over a record; r["OPTIM.LR"_k] would not compile.
    auto small_step = sweep::where([](const auto& r) { return r["OPTIM.BASE_LR"_k] * r["OPTIM.WEIGHT_DECAY"_k] <= 1e-2; });

    auto cfg = digits_optim_config(root, train);
    cfg.setup.num_configs = num_configs;
    sweep::setup_observer observer;
    observer.note = [](const std::string& note) { fmt::print(stderr, "note: {}\n", note); };
    if (run && std::filesystem::exists(sweep::sweep_dir(cfg) / "logs")) {
      // As `sweep run`: a sweep launched before is resumed, not set up again.
      fmt::print("setup: skipped, the sweep was launched before (resuming it)\n");
    } else {
      auto summary = small_steps ? sweep::setup(cfg, space | small_step, observer) : sweep::setup(cfg, space, observer);
      fmt::print("Wrote {} job configs to {} ({} candidates)\n", summary.configs, (summary.dir / "cfgs").string(),
                 summary.sampled);
    }
    return run ? launch_collect_analyze(cfg) : 0;
  } catch (const sweep::error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
