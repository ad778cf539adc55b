#include <sweep/config.hpp>
#include <sweep/setup.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace sweep::literals;

namespace {

fs::path fresh_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("sweep_setup_test_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

sweep::sweep_config pycls_config(const std::string& name, const fs::path& root) {
  return sweep::load_sweep_config(std::string(SWEEP_TEST_DATA_DIR) + "/pycls-configs/" + name + ".yaml",
                                  {"ROOT_DIR", root.string(), "NUM_PROC", "2"});
}

std::string read(const fs::path& p) { return sweep::read_file(p); }

}  // namespace

TEST_CASE("setup of pycls's example configs writes pycls's exact cfgs_summary.yaml") {
  for (auto name : {"cifar_optim", "cifar_best", "cifar_regnet"}) {
    DYNAMIC_SECTION(name) {
      auto root = fresh_dir(name);
      auto cfg = pycls_config(name, root);
      auto summary = sweep::setup(cfg);
      auto expected = sweep::load_yaml_file(std::string(SWEEP_TEST_DATA_DIR) + "/setup/" + name + ".cfgs_summary.yaml");
      auto actual = sweep::load_yaml_file(summary.dir / "cfgs_summary.yaml");
      REQUIRE(actual.as_map().size() == expected.as_map().size());
      for (std::size_t i = 0; i < expected.as_map().size(); ++i) {
        INFO(expected.as_map()[i].first);
        CHECK(actual.as_map()[i].first == expected.as_map()[i].first);
        CHECK(actual.as_map()[i].second.python_str() == expected.as_map()[i].second.python_str());
      }
      // With overrides (ROOT_DIR, NUM_PROC) sweep_cfg.yaml holds the config as applied.
      auto copy = sweep::load_sweep_config(summary.dir / "sweep_cfg.yaml");
      CHECK(sweep::detail::schema_to_value(copy) == sweep::detail::schema_to_value(cfg));
      auto job = sweep::load_yaml_file(summary.dir / "cfgs" / "000000.yaml");
      CHECK(job.find("DESC")->as_string() == expected.as_map()[0].second.as_string());
    }
  }
}

TEST_CASE("job configs are BASE_CFG with the sampled keys, and RegNets are written in AnyNet form") {
  auto root = fresh_dir("regnet_form");
  auto cfg = pycls_config("cifar_regnet", root);
  cfg.setup.num_configs = 4;
  auto summary = sweep::setup(cfg);
  auto job = sweep::load_yaml_file(summary.dir / "cfgs" / "000001.yaml");
  CHECK(job.find("MODEL.TYPE")->as_string() == "anynet");
  CHECK(job.find("ANYNET.WIDTHS")->as_list().size() == 2);
  CHECK(job.find("OPTIM.BASE_LR")->as_float() == 1.0);
  CHECK(job.find("OPTIM.NESTEROV")->as_bool());
  // Job files are written section by section from a cache; the text is what a whole dump gives.
  for (auto& file : {"000000.yaml", "000001.yaml", "000003.yaml"}) {
    auto text = read(summary.dir / "cfgs" / file);
    CHECK(sweep::to_yaml(sweep::load_yaml_text(text)) == text);
  }
  auto cx = sweep::compute_complexity(job);
  CHECK(cx.flops >= 0.12e9);
  CHECK(cx.flops <= 0.13e9);
  CHECK(cx.params <= 2.0e6);
}

TEST_CASE("job config text put together from cached entries equals a whole dump, whatever a sample changed") {
  auto base = sweep::load_yaml_text(R"(
MODEL: {TYPE: anynet, DEPTH: 20, NAMES: [a, b], DEEP: {A: {B: 1, C: [1, {D: 2}]}, E: {}}}
OPTIM: {BASE_LR: 0.1, WEIGHT_DECAY: 5.0e-4, NESTEROV: true, LR_POLICY: cos, STEPS: []}
EMPTY: {}
SCALAR: 3
)");
  sweep::detail::section_cache cache(base);
  auto check = [&](const sweep::param_list& params) {
    auto job = sweep::merge_params(base, params);
    job.at_path("DESC") = sweep::value{"OPTIM.BASE_LR 0.5 weird: 'text' # with \"quotes\"\nand a line"};
    CHECK(cache.to_yaml(job) == sweep::to_yaml(job));
  };
  check({});
  check({{"OPTIM.BASE_LR", sweep::value{2.23475415}}, {"OPTIM.WEIGHT_DECAY", sweep::value{1e-10}}});
  check({{"MODEL.DEEP.A.B", sweep::value{7}}, {"MODEL.DEEP.A.NEW", sweep::value{"x y"}}});
  check({{"MODEL.DEEP.A.C", sweep::value{sweep::value::list{sweep::value{1}, sweep::value{"- not a list"}}}}});
  check({{"MODEL.DEEP.E.F", sweep::value{1}}, {"EMPTY.G", sweep::value{""}}, {"NEW.SECTION.KEY", sweep::value{true}}});
  check({{"MODEL.NAMES", sweep::value{sweep::value::list{}}}, {"OPTIM.STEPS", sweep::value{sweep::value::list{sweep::value{0.5}}}}});
  check({{"SCALAR", sweep::value{sweep::value::map{{"NOW", sweep::value{"a map"}}}}}});
  check({{"MODEL.DEEP", sweep::value{"now a scalar"}}, {"OPTIM.LR_POLICY", sweep::value{"null"}}});
  // An empty key is a key like any other (not the cache's root): left unchanged, it is still written.
  auto odd = sweep::load_yaml_text("'': {A: 1}\nB: {'': 2, C: 3}\n");
  sweep::detail::section_cache odd_cache(odd);
  for (auto& params : {sweep::param_list{}, sweep::param_list{{"B.C", sweep::value{4}}}}) {
    auto job = sweep::merge_params(odd, params);
    CHECK(odd_cache.to_yaml(job) == sweep::to_yaml(job));
  }
}

TEST_CASE("re-running setup replaces the configs whole and refuses after launch") {
  auto root = fresh_dir("rerun");
  auto cfg = pycls_config("cifar_optim", root);
  auto first = sweep::setup(cfg);
  CHECK(fs::exists(first.dir / "cfgs" / "000063.yaml"));
  cfg.setup.num_configs = 8;
  auto second = sweep::setup(cfg);
  CHECK(second.configs == 8);
  CHECK(fs::exists(first.dir / "cfgs" / "000007.yaml"));
  CHECK_FALSE(fs::exists(first.dir / "cfgs" / "000008.yaml"));
  std::size_t entries = 0;
  for (auto& e : fs::directory_iterator(first.dir)) {
    auto name = e.path().filename().string();
    entries += name == ".sweep.lock" ? 0 : name.starts_with(".") ? 100 : 1;
  }
  CHECK(entries == 3);  // cfgs, cfgs_summary.yaml, sweep_cfg.yaml (and the sweep lock): nothing temporary left
  fs::create_directories(first.dir / "logs");
  CHECK_THROWS_WITH(sweep::setup(cfg), Catch::Contains("already launched"));
  CHECK(fs::exists(first.dir / "cfgs" / "000007.yaml"));
}

TEST_CASE("setup is deterministic for a seed and NUM_PROC, and says when NUM_SAMPLES ran out") {
  auto root = fresh_dir("determinism");
  auto cfg = pycls_config("cifar_regnet", root);
  cfg.setup.num_configs = 16;
  cfg.setup.chunk_size = 2000;
  cfg.setup.num_samples = 4000;
  std::string note;
  sweep::setup_observer observer;
  observer.note = [&](const std::string& n) { note = n; };
  int rounds = 0;
  observer.progress = [&](const sweep::sample_progress& p) { ++rounds; CHECK(p.sampled == 4000); };
  auto a = sweep::setup(cfg, observer);
  CHECK(rounds == 1);
  CHECK(a.found > 0);
  CHECK(a.found < 16);
  CHECK_THAT(note, Catch::Contains("NUM_SAMPLES ran out"));
  auto first = read(a.dir / "cfgs_summary.yaml");
  sweep::setup(cfg);
  CHECK(read(a.dir / "cfgs_summary.yaml") == first);
  cfg.setup.rng_seed = 1;
  sweep::setup(cfg);
  CHECK(read(a.dir / "cfgs_summary.yaml") != first);
}

TEST_CASE("a sweep written as code sets up like its YAML twin") {
  auto root = fresh_dir("as_code");
  auto cfg = pycls_config("cifar_optim", root);
  auto typed = sweep::space("OPTIM.BASE_LR"_k = sweep::log_uniform(0.25, 5.0).quantize(1e-10),
                            "OPTIM.WEIGHT_DECAY"_k = sweep::log_uniform(5e-5, 1e-3).quantize(1e-10));
  sweep::setup(cfg, typed);
  auto from_code = read(sweep::sweep_dir(cfg) / "cfgs_summary.yaml");
  auto job_code = read(sweep::sweep_dir(cfg) / "cfgs" / "000005.yaml");
  sweep::setup(cfg);
  CHECK(read(sweep::sweep_dir(cfg) / "cfgs_summary.yaml") == from_code);
  CHECK(read(sweep::sweep_dir(cfg) / "cfgs" / "000005.yaml") == job_code);
  auto small = typed | sweep::where([](auto& r) { return r["OPTIM.BASE_LR"_k] * r["OPTIM.WEIGHT_DECAY"_k] < 2e-4; });
  auto s = sweep::setup(cfg, small);
  CHECK(s.configs == 64);
  auto summary = sweep::load_yaml_file(s.dir / "cfgs_summary.yaml");
  for (auto& [file, key] : summary.as_map()) {
    auto job = sweep::load_yaml_file(s.dir / "cfgs" / file);
    CHECK(job.find("OPTIM.BASE_LR")->as_float() * job.find("OPTIM.WEIGHT_DECAY")->as_float() < 2e-4);
  }
}

TEST_CASE("setup counts what each where of a space written as code removed, by name or place") {
  auto root = fresh_dir("wheres");
  auto cfg = pycls_config("cifar_optim", root);
  cfg.setup.num_configs = 100;  // more than the finite space has: all of it
  // 10 epochs x 2 learning rates = 20 records; the wheres refuse 4, 2 and (in the second part) 1 of them.
  auto epochs = sweep::grid("OPTIM.MAX_EPOCH"_k = sweep::values(1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
                            "OPTIM.BASE_LR"_k = sweep::values(0.1, 0.2));
  auto space = sweep::concat(epochs | sweep::where([](auto& r) { return r["OPTIM.MAX_EPOCH"_k] > 2; }, "more than 2 epochs") |
                                 sweep::where([](auto& r) { return r["OPTIM.MAX_EPOCH"_k] != 10; }),
                             sweep::grid("OPTIM.MAX_EPOCH"_k = sweep::values(20, 30), "OPTIM.BASE_LR"_k = sweep::values(0.5)) |
                                 sweep::where([](auto& r) { return r["OPTIM.MAX_EPOCH"_k] == 20; }, "only 20"));
  auto s = sweep::setup(cfg, space);
  CHECK(s.configs == 15);
  CHECK(s.rejected.where == 7);
  CHECK(s.rejected.wheres == std::vector<std::int64_t>{4, 2, 1});
  CHECK(s.rejected.where_names == std::vector<std::string>{"where 'more than 2 epochs'", "where #2", "where 'only 20'"});
  auto lines = sweep::describe_rejections(s.rejected, s.rule_names);
  CHECK(std::find(lines.begin(), lines.end(), "        4 removed by where 'more than 2 epochs'") != lines.end());
  CHECK(std::find(lines.begin(), lines.end(), "        2 removed by where #2") != lines.end());
  CHECK(std::find(lines.begin(), lines.end(), "        1 removed by where 'only 20'") != lines.end());
}

TEST_CASE("SETUP.REPEATS writes each config k times, consecutive, each with its own RNG_SEED") {
  auto root = fresh_dir("repeats");
  auto plain_cfg = pycls_config("cifar_optim", root);
  plain_cfg.setup.num_configs = 5;
  plain_cfg.name = "plain";
  auto plain = sweep::setup(plain_cfg);
  auto cfg = plain_cfg;
  cfg.name = "repeated";
  cfg.setup.repeats = 3;
  auto summary = sweep::setup(cfg);
  CHECK(summary.configs == 5);
  CHECK(summary.jobs == 15);
  auto plain_summary = sweep::load_yaml_file(plain.dir / "cfgs_summary.yaml");
  auto repeated = sweep::load_yaml_file(summary.dir / "cfgs_summary.yaml");
  REQUIRE(repeated.as_map().size() == 15);
  for (std::size_t i = 0; i < 15; ++i) {
    INFO(i);
    auto c = i / 3, r = i % 3;
    auto config_key = plain_summary.as_map()[c].second.as_string();
    auto job = sweep::load_yaml_file(summary.dir / "cfgs" / sweep::job_config_name(static_cast<std::int64_t>(i)));
    auto plain_job = sweep::load_yaml_file(plain.dir / "cfgs" / sweep::job_config_name(static_cast<std::int64_t>(c)));
    // the config's key (shared by its repeats) in DESC; the seed in RNG_SEED and in the summary's line
    CHECK(job.find("DESC")->as_string() == config_key);
    // cifar_optim's BASE_CFG has no RNG_SEED: the repeats count from pycls's default, 1
    REQUIRE(plain_job.find("RNG_SEED") == nullptr);
    auto seed = 1 + static_cast<std::int64_t>(r);
    CHECK(job.find("RNG_SEED")->as_int() == seed);
    CHECK(repeated.as_map()[i].second.as_string() == fmt::format("{} RNG_SEED {}", config_key, seed));
    // everything else as the one-repeat sweep's config
    std::erase_if(job.as_map(), [](auto& e) { return e.first == "RNG_SEED"; });
    CHECK(sweep::to_yaml(job) == sweep::to_yaml(plain_job));
  }
  // REPEATS is in the config tree only when set: a sweep without it writes what it wrote before.
  // The saved sweep config says REPEATS; a sweep without it does not mention it (files as before).
  CHECK(sweep::detail::schema_to_value(cfg).find("SETUP.REPEATS")->as_int() == 3);
  CHECK(sweep::detail::schema_to_value(plain_cfg).find("SETUP.REPEATS") == nullptr);
}

TEST_CASE("SETUP.REPEATS starts from the config's own RNG_SEED and refuses one that is not an integer") {
  auto root = fresh_dir("repeats_seed");
  auto cfg = pycls_config("cifar_optim", root);
  cfg.setup.num_configs = 2;
  cfg.setup.repeats = 2;
  sweep::merge_param(cfg.setup.base_cfg, "RNG_SEED", sweep::value{std::int64_t{40}});
  auto summary = sweep::setup(cfg);
  CHECK(sweep::load_yaml_file(summary.dir / "cfgs" / "000000.yaml").find("RNG_SEED")->as_int() == 40);
  CHECK(sweep::load_yaml_file(summary.dir / "cfgs" / "000003.yaml").find("RNG_SEED")->as_int() == 41);
  cfg.name = "bad_seed";
  sweep::merge_param(cfg.setup.base_cfg, "RNG_SEED", sweep::value{std::string("abc")});
  CHECK_THROWS_WITH(sweep::setup(cfg), Catch::Contains("SETUP.REPEATS: each repeat sets the job's RNG_SEED, so expected an integer RNG_SEED"));
  CHECK_FALSE(fs::exists(root / "bad_seed"));
}

TEST_CASE("SETUP.REPEATS is checked: at least 1, at most max_repeats") {
  auto root = fresh_dir("repeats_check");
  auto cfg = pycls_config("cifar_optim", root);
  for (std::int64_t bad : {std::int64_t{0}, std::int64_t{-2}, sweep::max_repeats + 1}) {
    cfg.setup.repeats = bad;
    CHECK_THROWS_WITH(sweep::check_setup(cfg), Catch::Contains("SETUP.REPEATS: expected at"));
  }
  cfg.setup.repeats = 1000;
  cfg.setup.num_configs = sweep::max_jobs;
  CHECK_THROWS_WITH(sweep::check_setup(cfg), Catch::Contains("jobs: expected at most"));
}
