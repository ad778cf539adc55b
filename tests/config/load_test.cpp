#include <sweep/config.hpp>
#include <sweep/launch/launch.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

namespace {

sweep::sweep_config load_text(const std::string& text, const std::vector<std::string>& overrides = {}) {
  // one folder per process: CTest runs the test cases in parallel, each in its own process
  auto dir = std::filesystem::temp_directory_path() / ("sweep_config_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto file = dir / "cfg.yaml";
  std::ofstream(file) << text;
  return sweep::load_sweep_config(file, overrides);
}

/// @brief The first error of loading `text` and checking it as `sweep setup` does: keys and types
/// on load, then each stage's values.
std::string error_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
  try {
    auto cfg = load_text(text, overrides);
    sweep::check_setup_options(cfg);
    sweep::check_launch(cfg);
    sweep::check_collect_options(cfg);
    sweep::check_analyze_options(cfg);
  } catch (const sweep::error& e) {
    return e.what();
  }
  return "no error";
}

const std::string minimal = "NAME: test\nSETUP:\n  NUM_CONFIGS: 4\n";

}  // namespace

TEST_CASE("pycls's example sweep configs load unchanged") {
  for (auto name : {"cifar_optim", "cifar_regnet", "cifar_best"}) {
    auto cfg = sweep::load_sweep_config(std::string(SWEEP_TEST_DATA_DIR) + "/pycls-configs/" + name + ".yaml");
    CHECK(cfg.name == std::string("cifar/") + name);
    CHECK(cfg.root_dir == "sweeps");
    CHECK(cfg.setup.chunk_size == 5000);
    CHECK(cfg.launch.partition == "devlab");
    CHECK(cfg.setup.base_cfg.find("OPTIM.BASE_LR")->as_float() == 1.0);
  }
  auto regnet = sweep::load_sweep_config(std::string(SWEEP_TEST_DATA_DIR) + "/pycls-configs/cifar_regnet.yaml");
  CHECK(regnet.setup.constraints.cx.flops == std::array<double, 2>{0.12e9, 0.13e9});
  CHECK(regnet.setup.constraints.regnet.num_stages == std::array<std::int64_t, 2>{2, 2});
  CHECK(regnet.analyze.metrics.size() == 5);
  auto best = sweep::load_sweep_config(std::string(SWEEP_TEST_DATA_DIR) + "/pycls-configs/cifar_best.yaml");
  REQUIRE(best.analyze.split_filters.size() == 4);
  CHECK(best.analyze.split_filters[1].first == "epochs=100");
  CHECK(best.analyze.split_filters[1].second[0].first == "cfg.OPTIM.MAX_EPOCH");
  CHECK(best.analyze.pre_filters[0].second == sweep::filter_range{0, 1, 1});
}

TEST_CASE("defaults are pycls's") {
  auto cfg = load_text(minimal);
  CHECK(cfg.setup.num_samples == 1000000);
  CHECK(cfg.setup.rng_seed == 0);
  CHECK(cfg.setup.constraints.regnet.num_stages == std::array<std::int64_t, 2>{4, 4});
  CHECK(cfg.launch.max_retry == 3);
  CHECK(cfg.launch.time_limit == 4200);
  CHECK(cfg.collect.checkpoints_keep == "last");
  CHECK(cfg.analyze.complexity == std::vector<std::string>{"flops", "params", "acts"});
  CHECK(cfg.num_proc >= 1);
  CHECK(sweep::sweep_dir(cfg) == std::filesystem::path("sweeps/test"));
}

TEST_CASE("overrides are applied yacs-style") {
  auto cfg = load_text(minimal, {"ROOT_DIR", "/tmp/s", "SETUP.NUM_CONFIGS", "8", "SETUP.BASE_CFG.OPTIM.BASE_LR", "0.5",
                                 "ANALYZE.METRICS", "[lr, wd]"});
  CHECK(cfg.root_dir == "/tmp/s");
  CHECK(cfg.setup.num_configs == 8);
  CHECK(cfg.setup.base_cfg.find("OPTIM.BASE_LR")->as_float() == 0.5);
  CHECK(cfg.analyze.metrics == std::vector<std::string>{"lr", "wd"});
  CHECK_THAT(error_of(minimal, {"SETUP.NUM_CONFIGS"}), Catch::Contains("override has no value"));
  CHECK_THAT(error_of(minimal, {"SETUP.NUM_CONFIG", "3"}), Catch::Contains("did you mean 'NUM_CONFIGS'"));
}

TEST_CASE("bad sweep configs name file, line, key and expectation") {
  using Catch::Contains;
  CHECK_THAT(error_of("NAME: t\nSETUP:\n  NUM_CONFIGS: 4\n  NUM_CONFIG: 3\n"),
             Contains("cfg.yaml:4: SETUP.NUM_CONFIG: unknown key (did you mean 'NUM_CONFIGS'?)"));
  CHECK_THAT(error_of("NAME: t\nSETUP:\n  NUM_CONFIGS: 4.5\n"),
             Contains("cfg.yaml:3: SETUP.NUM_CONFIGS: expected an integer, got a float (4.5)"));
  CHECK_THAT(error_of("NAME: t\nSETUP:\n  NUM_CONFIGS: 0\n"), Contains("SETUP.NUM_CONFIGS: expected a number of configs > 0"));
  CHECK_THAT(error_of("SETUP:\n  NUM_CONFIGS: 1\n"), Contains("NAME: is required"));
  CHECK_THAT(error_of("NAME: ../up\nSETUP:\n  NUM_CONFIGS: 1\n"), Contains("NAME: '../up' has a '..' part"));
  CHECK_THAT(error_of("NAME: /abs\nSETUP:\n  NUM_CONFIGS: 1\n"), Contains("is absolute"));
  CHECK_THAT(error_of(minimal + "COLLECT:\n  CHECKPOINTS_KEEP: some\n"),
             Contains("cfg.yaml:5: COLLECT.CHECKPOINTS_KEEP: expected one of all, last, none; got 'some'"));
  CHECK_THAT(error_of(minimal + "LAUNCH:\n  BACKEND: kubernetes\n"), Contains("cfg.yaml:5: LAUNCH.BACKEND: unknown launch backend 'kubernetes': expected one of local,"));
  CHECK_THAT(error_of("NAME: [t\n"), Contains("cfg.yaml:"));
  CHECK_THAT(error_of("NAME: [t\n"), Contains("invalid YAML"));
  CHECK_THAT(error_of(minimal + "NAME: again\n"), Contains("NAME: duplicate key"));
  CHECK_THAT(error_of(minimal + "ANALYZE:\n  PRE_FILTERS: {done: [1, 1]}\n"),
             Contains("ANALYZE.PRE_FILTERS.done: expected a list of 3 numbers"));
  CHECK_THAT(error_of(minimal + "SETUP:\n  NUM_CONFIGS: 1\n"), Contains("duplicate key"));
  CHECK_THAT(error_of("NAME: \"t\xff\"\n"), Contains("invalid UTF-8"));
  CHECK_THAT(error_of(minimal + "  CONSTRAINTS:\n    CX:\n      FLOPS: [2, 1]\n"),
             Contains("SETUP.CONSTRAINTS.CX.FLOPS: low 2 is greater than high 1"));
}

TEST_CASE("YAML scalars resolve as pycls's loader does, and dump back") {
  auto v = sweep::load_yaml_text("a: 1\nb: 1.0e-10\nc: True\nd: '5'\ne: ~\nf: [1, 2.5]\ng: abc\nh: 1e-5\n");
  CHECK(v.find("a")->is_int());
  CHECK(v.find("b")->as_float() == 1e-10);
  CHECK(v.find("c")->as_bool());
  CHECK(v.find("d")->as_string() == "5");
  CHECK(v.find("e")->is_null());
  CHECK(v.find("f")->as_list().size() == 2);
  CHECK(v.find("h")->as_float() == 1e-5);
  CHECK(v.find("g")->line() == 7);
  auto text = sweep::to_yaml(v);
  CHECK(sweep::load_yaml_text(text) == v);
  CHECK_THAT(text, Catch::Contains("b: 1.0e-10"));
  CHECK_THAT(text, Catch::Contains("d: '5'"));
}

TEST_CASE("loading checks keys and types; each stage checks the values it uses") {
  // An analyze-only config (a sweep.json made elsewhere) needs no SETUP.
  auto cfg = load_text("NAME: elsewhere\nANALYZE:\n  METRICS: [lr]\n");
  CHECK(cfg.setup.num_configs == 0);
  CHECK_NOTHROW(sweep::check_analyze_options(cfg));
  CHECK_THROWS_WITH(sweep::check_setup_options(cfg), Catch::Contains("SETUP.NUM_CONFIGS"));
  // The value tree is kept, so a stage's error names the line the key was written on.
  cfg = load_text("NAME: t\nLAUNCH:\n  PARALLEL_JOBS: 0\n");
  CHECK_THROWS_WITH(sweep::check_launch(cfg), Catch::Contains("cfg.yaml:3: LAUNCH.PARALLEL_JOBS: expected at least 1, got 0"));
  // The same check on the code route, without a file.
  sweep::sweep_config code;
  code.name = "t";
  code.launch.parallel_jobs = 0;
  CHECK_THROWS_WITH(sweep::check_launch(code), Catch::StartsWith("LAUNCH.PARALLEL_JOBS: expected at least 1, got 0"));
}
