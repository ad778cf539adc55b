// The models stage against figures computed by pycls's own code
// (tests/data/models/pycls_complexity.json, made by make_fixtures.py): the
// published model-zoo complexities, random configs of every family, the scaler's
// standardisation and the configs pycls's setup wrote for its cifar_regnet sweep.
#include <sweep/models.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <new>
#include <set>
#include <sstream>
#include <string>

// Counts heap allocations so a test can check that the RegNet fast path makes none.
namespace {
thread_local long allocations = 0;
}  // namespace

// Every form is replaced, so that memory from any `new` goes back through the matching `delete`
// (under AddressSanitizer, a form left out would be ASan's, and mixing them is an error). GCC sees
// `free` of what `operator new` returned, not that both are these malloc-based replacements.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t size) {
  ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  ++allocations;
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept { return operator new(size, tag); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace {

const std::string data_dir = std::string(SWEEP_TEST_DATA_DIR) + "/models";

sweep::value to_value(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null: return {};
    case nlohmann::json::value_t::boolean: return j.get<bool>();
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned: return j.get<std::int64_t>();
    case nlohmann::json::value_t::number_float: return j.get<double>();
    case nlohmann::json::value_t::string: return j.get<std::string>();
    case nlohmann::json::value_t::array: {
      sweep::value::list out;
      for (auto& item : j) out.push_back(to_value(item));
      return out;
    }
    default: {
      sweep::value::map out;
      for (auto& [k, v] : j.items()) out.emplace_back(k, to_value(v));
      return out;
    }
  }
}

const nlohmann::json& pycls_cases() {
  static const nlohmann::json cases = [] {
    std::ifstream in(data_dir + "/pycls_complexity.json");
    REQUIRE(in.good());
    return nlohmann::json::parse(in).at("cases");
  }();
  return cases;
}

sweep::complexity to_complexity(const nlohmann::json& j) {
  return {j.at("flops").get<std::int64_t>(), j.at("params").get<std::int64_t>(), j.at("acts").get<std::int64_t>()};
}

std::string type_of(const nlohmann::json& c) { return c.at("cfg").at("MODEL").at("TYPE").get<std::string>(); }

// A config built in code: YAML-like literals are clumsy in C++, so parse a small JSON text.
sweep::value cfg(const char* json) { return to_value(nlohmann::json::parse(json)); }

}  // namespace

namespace sweep {
std::ostream& operator<<(std::ostream& os, const complexity& cx) { return os << to_json(cx); }
}  // namespace sweep

TEST_CASE("published pycls figures: RegNetY-200MF and ResNet-56 as anynet", "[models]") {
  auto regnety_200mf = cfg(R"({"MODEL": {"TYPE": "regnet", "NUM_CLASSES": 1000},
      "REGNET": {"SE_ON": true, "DEPTH": 13, "W0": 24, "WA": 36.44, "WM": 2.49, "GROUP_W": 8},
      "TRAIN": {"DATASET": "imagenet", "IM_SIZE": 224}})");
  CHECK(sweep::compute_complexity(regnety_200mf) == sweep::complexity{199519076, 3162996, 2168052});
  CHECK(sweep::standardized_complexity(regnety_200mf) == sweep::complexity{199519076, 3162996, 2168052});

  auto r56 = cfg(R"({"MODEL": {"TYPE": "anynet", "NUM_CLASSES": 10},
      "ANYNET": {"STEM_TYPE": "res_stem_cifar", "STEM_W": 16, "BLOCK_TYPE": "res_basic_block",
                 "DEPTHS": [9, 9, 9], "WIDTHS": [16, 32, 64], "STRIDES": [1, 2, 2]},
      "TRAIN": {"DATASET": "cifar10", "IM_SIZE": 32}})");
  CHECK(sweep::compute_complexity(r56) == sweep::complexity{125747850, 855770, 544778});
  // The same network as pycls's ResNet family (MODEL.DEPTH 56 on CIFAR).
  auto resnet56 = cfg(R"({"MODEL": {"TYPE": "resnet", "DEPTH": 56}, "TRAIN": {"DATASET": "cifar10", "IM_SIZE": 32}})");
  CHECK(sweep::compute_complexity(resnet56) == sweep::complexity{125747850, 855770, 544778});
  CHECK(sweep::to_json(sweep::compute_complexity(r56)) == R"({"flops": 125747850, "params": 855770, "acts": 544778})");
}

TEST_CASE("every config of pycls's dev/model_complexity.json gives pycls's figure", "[models]") {
  std::map<std::string, int> per_type;
  for (auto& c : pycls_cases()) {
    if (!c.contains("published")) continue;
    INFO(c.at("name").get<std::string>());
    CHECK(sweep::compute_complexity(to_value(c.at("cfg"))) == to_complexity(c.at("complexity")));
    ++per_type[type_of(c)];
  }
  // 65 configs: ResNet/ResNeXt/RegNetX/RegNetY/EfficientNet/AnyNet, CIFAR and ImageNet.
  CHECK(per_type["anynet"] == 21);  // incl. the dds_baselines ResNe(X)ts
  CHECK(per_type["resnet"] == 14);
  CHECK(per_type["regnet"] == 24);
  CHECK(per_type["effnet"] == 6);
}

TEST_CASE("random configs of every family: complexity as written, standardised form and its complexity", "[models]") {
  int checked = 0, failures = 0, standardized = 0, changed = 0;
  for (auto& c : pycls_cases()) {
    const std::string name = c.at("name").get<std::string>();
    INFO(name);
    auto job = to_value(c.at("cfg"));
    if (c.contains("complexity_error")) {
      CHECK_THROWS_AS(sweep::compute_complexity(job), sweep::error);
      ++failures;
    } else {
      CHECK(sweep::compute_complexity(job) == to_complexity(c.at("complexity")));
    }
    if (c.contains("standardize_error")) {
      CHECK_THROWS_AS(sweep::standardize_model(job), sweep::error);
      CHECK_THROWS_AS(sweep::standardized_complexity(job), sweep::error);
      ++failures;
    } else if (c.contains("standardized")) {
      auto expected = to_complexity(c.at("setup_complexity"));
      CHECK(sweep::standardized_complexity(job) == expected);
      auto out = sweep::standardize_model(job);
      CHECK(sweep::compute_complexity(out) == expected);
      auto& want = c.at("standardized");
      CHECK(out.find("MODEL.TYPE")->as_string() == want.at("MODEL").at("TYPE").get<std::string>());
      std::string type = type_of(c);
      std::vector<std::string> keys =
          type == "effnet" ? std::vector<std::string>{"EN.DEPTHS", "EN.WIDTHS", "EN.EXP_RATIOS", "EN.STEM_W", "EN.HEAD_W"}
          : type == "anynet"
              ? std::vector<std::string>{"ANYNET.DEPTHS", "ANYNET.WIDTHS", "ANYNET.BOT_MULS", "ANYNET.GROUP_WS"}
              : std::vector<std::string>{"ANYNET.STEM_TYPE", "ANYNET.STEM_W", "ANYNET.BLOCK_TYPE", "ANYNET.DEPTHS",
                                         "ANYNET.WIDTHS", "ANYNET.STRIDES", "ANYNET.BOT_MULS", "ANYNET.GROUP_WS",
                                         "ANYNET.HEAD_W", "ANYNET.SE_ON", "ANYNET.SE_R"};
      for (auto& key : keys) {
        INFO(key);
        auto dot = key.find('.');
        const auto* got = out.find(key);
        REQUIRE(got != nullptr);
        CHECK(*got == to_value(want.at(key.substr(0, dot)).at(key.substr(dot + 1))));  // same value and type
      }
      for (auto [key, fallback] : {std::pair<std::string, std::int64_t>{"TRAIN", 224}, {"TEST", 256}}) {
        const auto* got = out.find(key + ".IM_SIZE");
        CHECK((got != nullptr ? got->as_int() : fallback) == want.at(key).at("IM_SIZE").get<std::int64_t>());
      }
      ++standardized;
      if (!c.contains("complexity") || to_complexity(c.at("complexity")) != expected) ++changed;
    }
    ++checked;
  }
  CHECK(checked == 367);
  CHECK(failures == 31);       // pycls itself fails on these (no BOT_MULS for a bottleneck, 0 groups)
  CHECK(standardized == 323);  // anynet, effnet and regnet configs
  CHECK(changed > 150);        // the scaler changes most random configs: the fixture tests it
}

TEST_CASE("regnet_generate gives pycls's stages; the fast path gives setup's complexity", "[models][regnet]") {
  int regnets = 0, unused_stages = 0;
  for (auto& c : pycls_cases()) {
    if (type_of(c) != "regnet") continue;
    INFO(c.at("name").get<std::string>());
    auto job = to_value(c.at("cfg"));
    auto p = sweep::regnet_params::from(job);
    auto gen = sweep::regnet_generate(p.wa, p.w0, p.wm, p.depth);
    auto& want = c.at("regnet_generate");
    CHECK(gen.num_stages == want.at("num_stages").get<std::int64_t>());
    CHECK(gen.total_stages == static_cast<std::int64_t>(want.at("total_stages").get<double>()));
    CHECK(std::vector<std::int64_t>(gen.stage_widths().begin(), gen.stage_widths().end()) ==
          want.at("widths").get<std::vector<std::int64_t>>());
    CHECK(std::vector<std::int64_t>(gen.stage_depths().begin(), gen.stage_depths().end()) ==
          want.at("depths").get<std::vector<std::int64_t>>());
    unused_stages += gen.all_stages_used() ? 0 : 1;
    if (c.contains("setup_complexity")) {
      auto im_size = job.find("TRAIN.IM_SIZE") ? job.find("TRAIN.IM_SIZE")->as_int() : 224;
      auto classes = job.find("MODEL.NUM_CLASSES") ? job.find("MODEL.NUM_CLASSES")->as_int() : 10;
      CHECK(sweep::regnet_complexity(p, im_size, classes) == to_complexity(c.at("setup_complexity")));
      CHECK(sweep::regnet_complexity(p, gen, im_size, classes) == to_complexity(c.at("setup_complexity")));
    }
    ++regnets;
  }
  CHECK(regnets == 24 + 32 + 120);
  CHECK(unused_stages > 0);  // the constraint "every possible stage used" does reject some
}

TEST_CASE("cifar_regnet: pycls's setup output satisfies the sweep's constraints here", "[models][regnet]") {
  // Each line of cfgs_summary.yaml is a sample key "REGNET.DEPTH 6 REGNET.W0 176 ..." on BASE_CFG.
  auto sweep_cfg = YAML::LoadFile(data_dir + "/cifar_regnet/sweep_cfg.yaml");
  auto summary = YAML::LoadFile(data_dir + "/cifar_regnet/cfgs_summary.yaml");
  int n = 0;
  for (auto entry : summary) {
    INFO(entry.first.as<std::string>());
    auto base = cfg(R"({"MODEL": {"TYPE": "regnet", "NUM_CLASSES": 10},
        "REGNET": {"STEM_TYPE": "res_stem_cifar", "SE_ON": true, "STEM_W": 16},
        "TRAIN": {"DATASET": "cifar10", "IM_SIZE": 32}})");
    std::istringstream key(entry.second.as<std::string>());
    std::string k, v;
    while (key >> k >> v) {
      bool integer = v.find('.') == std::string::npos;
      base.at_path(k) = integer ? sweep::value(std::stoll(v)) : sweep::value(std::stod(v));
    }
    auto p = sweep::regnet_params::from(base);
    auto gen = sweep::regnet_generate(p.wa, p.w0, p.wm, p.depth);
    CHECK(gen.all_stages_used());
    CHECK(gen.num_stages == 2);  // SETUP.CONSTRAINTS.REGNET.NUM_STAGES [2, 2]
    auto cx = sweep::regnet_complexity(p, 32, 10);
    auto flops = sweep_cfg["SETUP"]["CONSTRAINTS"]["CX"]["FLOPS"];
    CHECK(cx.flops >= flops[0].as<double>());
    CHECK(cx.flops <= flops[1].as<double>());
    CHECK(cx.params <= sweep_cfg["SETUP"]["CONSTRAINTS"]["CX"]["PARAMS"][1].as<double>());
    CHECK(cx.acts <= sweep_cfg["SETUP"]["CONSTRAINTS"]["CX"]["ACTS"][1].as<double>());
    ++n;
  }
  CHECK(n == 32);
}

TEST_CASE("standardize_model writes the ANYNET block pycls wrote in cifar_regnet/000000.yaml", "[models][regnet]") {
  auto written = YAML::LoadFile(data_dir + "/cifar_regnet/000000.yaml");
  auto job = cfg(R"({"MODEL": {"TYPE": "regnet", "NUM_CLASSES": 10},
      "REGNET": {"STEM_TYPE": "res_stem_cifar", "SE_ON": true, "STEM_W": 16,
                 "DEPTH": 6, "W0": 176, "WA": 65.5, "WM": 2.17, "GROUP_W": 4, "BOT_MUL": 1.0},
      "OPTIM": {"BASE_LR": 1.0}, "TRAIN": {"DATASET": "cifar10", "IM_SIZE": 32}})");
  auto out = sweep::standardize_model(job);
  CHECK(out.find("MODEL.TYPE")->as_string() == written["MODEL"]["TYPE"].as<std::string>());
  auto an = written["ANYNET"];
  for (const char* key : {"STEM_TYPE", "BLOCK_TYPE"}) {
    CHECK(out.find(std::string("ANYNET.") + key)->as_string() == an[key].as<std::string>());
  }
  for (const char* key : {"STEM_W", "HEAD_W"}) {
    CHECK(out.find(std::string("ANYNET.") + key)->as_int() == an[key].as<std::int64_t>());
  }
  for (const char* key : {"DEPTHS", "WIDTHS", "STRIDES", "GROUP_WS"}) {
    INFO(key);
    std::vector<std::int64_t> got;
    for (auto& v : out.find(std::string("ANYNET.") + key)->as_list()) got.push_back(v.as_int());
    CHECK(got == an[key].as<std::vector<std::int64_t>>());
  }
  CHECK(out.find("ANYNET.BOT_MULS")->as_list() == sweep::value::list{1.0, 1.0});
  CHECK(out.find("ANYNET.SE_ON")->as_bool() == an["SE_ON"].as<bool>());
  CHECK(out.find("ANYNET.SE_R")->as_float() == an["SE_R"].as<double>());
  CHECK(out.find("REGNET.W0")->as_int() == 176);  // the RegNet keys stay, as in pycls's file
  CHECK(out.find("OPTIM.BASE_LR")->as_float() == 1.0);
  // Written form and RegNet form have the same complexity; standardising again changes nothing.
  CHECK(sweep::compute_complexity(out) == sweep::standardized_complexity(job));
  CHECK(sweep::standardize_model(out) == out);
}

TEST_CASE("bad configs: errors name the key, its line and what was expected", "[models][errors]") {
  auto unknown = cfg(R"({"MODEL": {"TYPE": "vgg"}})");
  unknown.find("MODEL.TYPE")->set_line(7);
  try {
    (void)sweep::compute_complexity(unknown);
    FAIL("no error");
  } catch (const sweep::error& e) {
    CHECK(e.key_path() == "MODEL.TYPE");
    CHECK(e.where().line == 7);
    CHECK_THAT(e.message(), Catch::Contains("'vgg'") && Catch::Contains("anynet, effnet, mlp, regnet, resnet"));
  }
  CHECK_THROWS_WITH(sweep::compute_complexity(sweep::value{}), Catch::Contains("MODEL.TYPE") && Catch::Contains("''"));

  auto check = [](const char* json, const char* key, const char* text) {
    INFO(json);
    try {
      (void)sweep::standardized_complexity(cfg(json));
      FAIL("no error");
    } catch (const sweep::error& e) {
      CHECK(e.key_path() == key);
      CHECK_THAT(e.message(), Catch::Contains(text));
    }
  };
  check(R"({"MODEL": {"TYPE": "regnet"}, "REGNET": {"WM": 0.5}})", "REGNET.WM", "> 1");
  check(R"({"MODEL": {"TYPE": "regnet"}, "REGNET": {"W0": 20}})", "REGNET.W0", "multiple of 8");
  check(R"({"MODEL": {"TYPE": "regnet"}, "REGNET": {"DEPTH": "ten"}})", "REGNET.DEPTH", "expected an integer, got a string");
  check(R"({"MODEL": {"TYPE": "regnet"}, "REGNET": {"STEM_TYPE": "big_stem"}})", "REGNET.STEM_TYPE", "simple_stem_in");
  check(R"({"MODEL": {"TYPE": "regnet"}, "TRAIN": {"IM_SIZE": 0}})", "TRAIN.IM_SIZE", "positive");
  check(R"({"MODEL": {"TYPE": "anynet"}, "ANYNET": {"DEPTHS": [1, 2], "WIDTHS": [8], "STRIDES": [1, 2]}})",
        "ANYNET.WIDTHS", "expected 2 items");
  check(R"({"MODEL": {"TYPE": "anynet", "SCALING_TYPE": "dx"}})", "MODEL.SCALING_TYPE", "dwgr");
  check(R"({"MODEL": {"TYPE": "resnet", "DEPTH": 34}, "TRAIN": {"DATASET": "imagenet"}})", "MODEL.DEPTH", "50, 101 or 152");
  check(R"({"MODEL": {"TYPE": "resnet", "DEPTH": 21}, "TRAIN": {"DATASET": "cifar10"}})", "MODEL.DEPTH", "6n + 2");
  check(R"({"MODEL": {"TYPE": "effnet"}, "EN": {"DEPTHS": [1], "WIDTHS": [16], "EXP_RATIOS": [1], "STRIDES": [1], "KERNELS": [4]}})",
        "EN.KERNELS", "odd");
  // As written (no scaler), a bottleneck AnyNet needs BOT_MULS and GROUP_WS: pycls has no default.
  auto no_bot_muls = cfg(R"({"MODEL": {"TYPE": "anynet"}, "ANYNET": {"DEPTHS": [1], "WIDTHS": [64], "STRIDES": [2]}})");
  CHECK_THROWS_WITH(sweep::compute_complexity(no_bot_muls), Catch::Contains("ANYNET.BOT_MULS"));
  CHECK_NOTHROW(sweep::standardized_complexity(no_bot_muls));  // the scaler fills in [1] and [1]
}

TEST_CASE("register_model_family plugs a new MODEL.TYPE into compute_complexity", "[models][registry]") {
  sweep::register_model_family("toy", sweep::model_family{[](const sweep::value& c) {
                                                            auto w = c.find("TOY.W")->as_int();
                                                            return sweep::complexity{w * w, w, 2 * w};
                                                          }, {}, {}});
  auto toy = cfg(R"({"MODEL": {"TYPE": "toy"}, "TOY": {"W": 12}})");
  CHECK(sweep::compute_complexity(toy) == sweep::complexity{144, 12, 24});
  CHECK(sweep::standardize_model(toy) == toy);  // no standardize: kept
  CHECK(sweep::standardized_complexity(toy) == sweep::complexity{144, 12, 24});
  auto types = sweep::known_model_types();
  CHECK(std::set<std::string>(types.begin(), types.end()) ==
        std::set<std::string>{"anynet", "effnet", "mlp", "regnet", "resnet", "toy"});
  // A family registered again replaces the old one; a pointer held before stays usable.
  auto held = sweep::find_model_family("toy");
  sweep::register_model_family("toy", sweep::model_family{
                                          [](const sweep::value&) { return sweep::complexity{1, 2, 3}; },
                                          [](const sweep::value& c) {
                                            auto out = c;
                                            out.at_path("TOY.W") = sweep::value(1);
                                            return out;
                                          }, {}});
  CHECK(sweep::compute_complexity(toy) == sweep::complexity{1, 2, 3});
  CHECK(sweep::standardize_model(toy).find("TOY.W")->as_int() == 1);
  CHECK(held->compute(toy) == sweep::complexity{144, 12, 24});
  CHECK_THROWS_AS(sweep::register_model_family("broken", sweep::model_family{}), sweep::error);
  CHECK(sweep::find_model_family("broken") == nullptr);
}

TEST_CASE("scaling factors follow pycls's scaling_factors()", "[models][scaler]") {
  auto f = sweep::compute_scaling_factors("", 1.0);
  CHECK((f.d == 1.0 && f.w == 1.0 && f.g == 1.0 && f.r == 1.0));
  f = sweep::compute_scaling_factors("dwr", 4.0);  // d * w^2 * r^2 = 4 split evenly
  CHECK(f.d == Approx(std::pow(4.0, 1.0 / 3)));
  CHECK(f.w == Approx(std::pow(4.0, 1.0 / 6)));
  CHECK(f.g == 1.0);
  f = sweep::compute_scaling_factors("d1_w8_g8_r1", 2.0);
  CHECK(f.d * f.w * f.w * f.r * f.r == Approx(2.0));
  CHECK(f.g == Approx(f.w));
  CHECK_THROWS_AS(sweep::compute_scaling_factors("d1_q2", 2.0), sweep::error);
}

TEST_CASE("the RegNet fast path does not allocate; too many stages is an error, not a wrong figure", "[models][regnet]") {
  auto job = cfg(R"({"MODEL": {"TYPE": "regnet"}, "REGNET": {"DEPTH": 13, "W0": 24, "WA": 36.44, "WM": 2.49,
      "GROUP_W": 8, "SE_ON": true}, "TRAIN": {"IM_SIZE": 224}})");
  auto p = sweep::regnet_params::from(job);
  long before = allocations;
  auto stages = sweep::regnet_generate(p.wa, p.w0, p.wm, p.depth);
  auto cx = sweep::regnet_complexity(p, 224, 1000);
  long made = allocations - before;
  CHECK(made == 0);
  before = allocations;
  (void)sweep::standardize_model(job);
  CHECK(allocations > before);  // the counter does see allocations
  CHECK(stages.num_stages == 4);
  CHECK(cx == sweep::complexity{199519076, 3162996, 2168052});

  // WM close to 1 gives a stage per block: counted in full, but too many to build.
  auto many = sweep::regnet_generate(100.0, 8.0, 1.05, 60);
  CHECK(many.num_stages > static_cast<std::int64_t>(sweep::regnet_max_stages));
  CHECK(many.stage_widths().size() == sweep::regnet_max_stages);
  sweep::regnet_params big;
  big.depth = 60;
  big.w0 = 8;
  big.wa = 100.0;
  big.wm = 1.05;
  CHECK_THROWS_WITH(sweep::regnet_complexity(big, 32, 10), Catch::Contains("at most 32"));
  CHECK_THROWS_WITH(sweep::regnet_complexity(p, 0, 10), Catch::Contains("TRAIN.IM_SIZE"));
}
