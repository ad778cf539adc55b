// Setup of finite and sequence spaces (setup/sample.hpp, enumerate_configs): every
// config of a finite space in index order, seeded subsets, shuffles, dedup and constraints.
#include <sweep/config/load.hpp>
#include <sweep/config/yaml.hpp>
#include <sweep/setup.hpp>
#include <sweep/space.hpp>

#include "../support/files.hpp"
#include "../support/records.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace sweep::literals;

namespace {

fs::path fresh_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("sweep_enumerate_test_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

sweep::sweep_config config_from(const std::string& text, const fs::path& root) {
  auto cfg = sweep::sweep_config_from_value(sweep::load_yaml_text(text, "sweep.yaml"), "sweep.yaml");
  cfg.root_dir = root.string();
  cfg.num_proc = 2;
  return cfg;
}

}  // namespace

TEST_CASE("setup writes every config of a finite space and says so") {
  auto root = fresh_dir("grid");
  std::string text = "NAME: grid\nSETUP:\n  NUM_CONFIGS: 0\n  BASE_CFG: {OPTIM: {BASE_LR: 0.5, MOMENTUM: 0.9}, MODEL: {WIDTH: 8, DEPTH: 2}}\n  SPACE:\n";
  for (std::string line; auto c : std::string(sweep_test::grid_yaml).substr(1) + "\n") {
    if (c != '\n') {
      line += c;
      continue;
    }
    if (!line.empty()) text += "    " + line + "\n";
    line.clear();
  }
  auto cfg = config_from(text, root);
  cfg.setup.chunk_size = 7;  // blocks of 7 indices, 2 at a time
  std::vector<std::string> notes;
  sweep::setup_observer observer;
  observer.note = [&](const std::string& n) { notes.push_back(n); };
  auto s = sweep::setup(cfg, observer);
  CHECK(s.configs == 81);
  REQUIRE(notes.size() == 1);
  CHECK_THAT(notes[0], Catch::Contains("the space is finite: 81 configs") && Catch::Contains("setting up all of them"));
  auto summary = sweep::load_yaml_file(s.dir / "cfgs_summary.yaml");
  REQUIRE(summary.as_map().size() == 81);
  // Index order, as the space lists them; each job config is BASE_CFG with its keys.
  CHECK(summary.as_map()[0].second.as_string() == "OPTIM.BASE_LR 0.01 MODEL.WIDTH 16 MODEL.DEPTH 1 OPTIM.MOMENTUM 0.8");
  auto job = sweep::load_yaml_file(s.dir / "cfgs" / "000080.yaml");
  CHECK(job.find("OPTIM.BASE_LR")->as_float() == 1.0);
  CHECK(job.find("MODEL.DEPTH")->as_int() == 7);
  auto all_keys = sweep::read_file(s.dir / "cfgs_summary.yaml");

  // The same grid written in C++ sets up the same files; NUM_PROC does not matter.
  auto typed = sweep::grid("OPTIM.BASE_LR"_k = sweep::geomspace(0.01, 1.0, 3), "MODEL.WIDTH"_k = sweep::values(16, 32, 64),
                           "MODEL.DEPTH"_k = sweep::int_range(1, 7, 3), "OPTIM.MOMENTUM"_k = sweep::linspace(0.8, 0.9, 3));
  cfg.num_proc = 1;
  sweep::setup(cfg, typed);
  CHECK(sweep::read_file(s.dir / "cfgs_summary.yaml") == all_keys);

  // Fewer asked for: a seeded subset, kept in index order; more asked for: all, with a note.
  cfg.setup.num_configs = 10;
  notes.clear();
  auto part = sweep::setup(cfg, typed, observer);
  CHECK(part.configs == 10);
  CHECK_THAT(notes.at(0), Catch::Contains("setting up 10 chosen with RNG_SEED"));
  auto subset = sweep::load_yaml_file(s.dir / "cfgs_summary.yaml");
  std::vector<std::size_t> positions;
  for (auto& [file, key] : subset.as_map()) positions.push_back(all_keys.find(key.as_string()));
  CHECK(std::is_sorted(positions.begin(), positions.end()));
  cfg.setup.num_configs = 1000;
  notes.clear();
  CHECK(sweep::setup(cfg, sweep::shuffle(typed), observer).configs == 81);
  CHECK_THAT(notes.at(0), Catch::Contains("fewer than the 1000 of SETUP.NUM_CONFIGS"));
  CHECK(sweep::read_file(s.dir / "cfgs_summary.yaml") != all_keys);  // shuffled
}

TEST_CASE("dedup and constraints apply to finite and Sobol spaces") {
  auto root = fresh_dir("constrained");
  auto cfg = config_from("NAME: constrained\nSETUP:\n  NUM_CONFIGS: 0\n  SPACE: {TYPE: grid, AXES: {A: [1, 1, 2]}}\n", root);
  CHECK(sweep::setup(cfg).configs == 2);  // the repeated value is one config
  auto small = sweep::grid("OPTIM.BASE_LR"_k = sweep::values(0.1, 1.0, 10.0), "OPTIM.WEIGHT_DECAY"_k = sweep::values(1e-4, 1e-3, 1e-2)) |
               sweep::where([](const auto& r) { return r["OPTIM.BASE_LR"_k] * r["OPTIM.WEIGHT_DECAY"_k] < 2e-3; });
  CHECK(sweep::setup(cfg, small).configs == 6);
  auto quasi = sweep::sobol("OPTIM.BASE_LR"_k = sweep::log_uniform(0.1, 10.0).quantize(1e-10), "OPTIM.MAX_EPOCH"_k = sweep::choice(10, 20)) |
               sweep::where([](const auto& r) { return r["OPTIM.MAX_EPOCH"_k] == 10; });
  cfg.setup.num_configs = 16;
  auto s = sweep::setup(cfg, quasi);
  CHECK(s.configs == 16);
  auto summary = sweep::load_yaml_file(s.dir / "cfgs_summary.yaml");
  for (auto& [file, key] : summary.as_map()) CHECK_THAT(key.as_string(), Catch::EndsWith("OPTIM.MAX_EPOCH 10"));
  // Enumeration does not depend on NUM_PROC or CHUNK_SIZE; RNG_SEED changes the scramble.
  sweep::setup_options opts;
  opts.num_configs = 50;
  opts.chunk_size = 16;
  auto one = sweep::sample_space(quasi, opts, 1);
  opts.chunk_size = 7;
  auto two = sweep::sample_space(quasi, opts, 2);
  CHECK(one.keys.size() == 50);
  CHECK(one.keys == two.keys);
  opts.rng_seed = 1;
  CHECK(sweep::sample_space(quasi, opts, 2).keys != one.keys);
  cfg.setup.num_configs = 0;
  CHECK_THROWS_WITH(sweep::setup(cfg, quasi), Catch::Contains("SETUP.NUM_CONFIGS: expected a number of configs > 0 for a sobol space"));
}
