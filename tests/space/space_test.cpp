#include <sweep/config/space_yaml.hpp>
#include <sweep/config/yaml.hpp>
#include <sweep/space.hpp>

#include <catch2/catch.hpp>

#include <type_traits>

using namespace sweep::literals;

namespace {

template <class Space>
std::vector<std::string> key_texts(const Space& space, std::uint32_t seed, int n) {
  sweep::numpy_rng rng(seed);
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    std::string text;
    space.append_key_text(text, space.draw(rng));
    out.push_back(text);
  }
  return out;
}

sweep::runtime_space yaml_space(const std::string& text) {
  return sweep::load_space(sweep::load_yaml_text(text, "space.yaml"), "space.yaml");
}

std::string space_error(const std::string& text) {
  try {
    yaml_space(text);
  } catch (const sweep::error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("a typed space draws records with one typed member per key") {
  auto space = sweep::space("OPTIM.BASE_LR"_k = sweep::log_uniform(0.25, 5.0).quantize(1e-10),
                            "OPTIM.MAX_EPOCH"_k = sweep::choice(50, 100, 200, 400),
                            "MODEL.DEPTHS"_k = sweep::list_of(3, sweep::uniform(1, 4)));
  sweep::numpy_rng rng(0);
  auto r = space.draw(rng);
  STATIC_REQUIRE(std::is_same_v<std::decay_t<decltype(r["OPTIM.BASE_LR"_k])>, double>);
  STATIC_REQUIRE(std::is_same_v<std::decay_t<decltype(r["OPTIM.MAX_EPOCH"_k])>, std::int64_t>);
  STATIC_REQUIRE(std::is_same_v<std::decay_t<decltype(r["MODEL.DEPTHS"_k])>, std::vector<std::int64_t>>);
  STATIC_REQUIRE(decltype(r)::has("OPTIM.BASE_LR"_k));
  STATIC_REQUIRE(!decltype(r)::has("OPTIM.LR"_k));
  CHECK(r["OPTIM.BASE_LR"_k] >= 0.25);
  CHECK(r["OPTIM.BASE_LR"_k] <= 5.0);
  CHECK(r["MODEL.DEPTHS"_k].size() == 3);
}

TEST_CASE("the same space from C++ and from YAML draws the same configs") {
  auto typed = sweep::space("OPTIM.BASE_LR"_k = sweep::log_uniform(0.25, 5.0).quantize(1e-10),
                            "OPTIM.WEIGHT_DECAY"_k = sweep::log_uniform(5e-5, 1e-3).quantize(1e-10),
                            "OPTIM.MAX_EPOCH"_k = sweep::choice(50, 100, 200, 400),
                            "RNG_SEED"_k = sweep::uniform(1, 3),
                            "MODEL.WIDTHS"_k = sweep::list_of(2, sweep::power2_uniform(8, 64).quantize(8)),
                            "REGNET"_k = sweep::regnet().depth(6, 16).group_w(1, 32));
  auto yaml = yaml_space(R"(
OPTIM.BASE_LR: {TYPE: float_sampler, RAND_TYPE: log_uniform, RANGE: [0.25, 5.0], QUANTIZE: 1.0e-10}
OPTIM.WEIGHT_DECAY: {TYPE: float_sampler, RAND_TYPE: log_uniform, RANGE: [5.0e-5, 1.0e-3], QUANTIZE: 1.0e-10}
OPTIM.MAX_EPOCH: {TYPE: value_sampler, VALUES: [50, 100, 200, 400]}
RNG_SEED: {TYPE: int_sampler, RAND_TYPE: uniform, RANGE: [1, 3], QUANTIZE: 1}
MODEL.WIDTHS: {TYPE: list_sampler, LENGTH: 2, ITEM_SAMPLER: {TYPE: int_sampler, RAND_TYPE: power2_uniform, RANGE: [8, 64], QUANTIZE: 8}}
REGNET: {TYPE: regnet_sampler, DEPTH: [6, 16], GROUP_W: [1, 32]}
)");
  for (std::uint32_t seed : {0u, 1u, 12345u}) {
    auto a = key_texts(typed, seed, 200);
    CHECK(a == key_texts(yaml, seed, 200));
  }
  auto first = key_texts(typed, 0, 1).front();
  CHECK_THAT(first, Catch::StartsWith("OPTIM.BASE_LR "));
  CHECK_THAT(first, Catch::Contains(" REGNET.DEPTH "));
  CHECK_THAT(first, Catch::Contains(" REGNET.BOT_MUL 1.0"));
}

TEST_CASE("key text prints values as Python's str") {
  auto yaml = yaml_space(R"(
A: {TYPE: value_sampler, VALUES: [[1, 2], abc, 0.5, true]}
)");
  sweep::numpy_rng rng(3);
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string text;
    yaml.append_key_text(text, yaml.draw(rng));
    seen.insert(text);
  }
  CHECK(seen == std::set<std::string>{"A [1, 2]", "A abc", "A 0.5", "A True"});
}

TEST_CASE("bad sampler specs name file, line, key path and expectation") {
  using Catch::Contains;
  CHECK_THAT(space_error("X:\n  TYPE: float_sampler\n  RAND_TYPE: uniform\n  RANGE: [0.0, 0.3]\n  QUANTIZE: 0.25\n"),
             Contains("space.yaml:4: SETUP.SAMPLERS.X.RANGE: high 0.3 is not a multiple of QUANTIZE 0.25"));
  CHECK_THAT(space_error("X:\n  TYPE: flot_sampler\n"), Contains("space.yaml:2: SETUP.SAMPLERS.X.TYPE: unknown sampler type 'flot_sampler'"));
  CHECK_THAT(space_error("X:\n  TYPE: float_sampler\n  RAND_TYPE: log_unifrom\n"),
             Contains("did you mean 'log_uniform'"));
  CHECK_THAT(space_error("X:\n  TYPE: int_sampler\n  RANGE: [1.5, 3]\n"),
             Contains("space.yaml:3: SETUP.SAMPLERS.X.RANGE[0]: expected an integer, got a float (1.5)"));
  CHECK_THAT(space_error("X:\n  TYPE: value_sampler\n  VALUES: []\n"), Contains("SETUP.SAMPLERS.X.VALUES: expected a non-empty list"));
  CHECK_THAT(space_error("X:\n  TYPE: regnet_sampler\n"), Contains("regnet_sampler can only be used for the key REGNET"));
  CHECK_THAT(space_error("X:\n  TYPE: int_sampler\n  RANGES: [1, 3]\n"), Contains("unknown key for this sampler (did you mean 'RANGE'?)"));
  CHECK_THAT(space_error("X:\n  TYPE: list_sampler\n  LENGTH: -1\n  ITEM_SAMPLER: {TYPE: int_sampler}\n"),
             Contains("SETUP.SAMPLERS.X.LENGTH: expected an integer from 0"));
  CHECK_THAT(space_error("X:\n  TYPE: float_sampler\n  RAND_TYPE: log_uniform\n  RANGE: [0.0, 1.0]\n"),
             Contains("SETUP.SAMPLERS.X.RANGE"));
  CHECK_THAT(space_error("X Y:\n  TYPE: int_sampler\n"), Contains("expected a dotted config key"));
}

TEST_CASE("a typed space checks its samplers when it is made") {
  CHECK_THROWS_AS(sweep::space("A"_k = sweep::uniform(5, 1)), sweep::error);
  CHECK_THROWS_WITH(sweep::space("A"_k = sweep::log_uniform(0.0, 1.0)), Catch::Contains("A.RANGE"));
}

TEST_CASE("a regnet sampler read from YAML draws a map of its six fields, as `sweep sample` prints it") {
  auto sampler = sweep::load_sampler(sweep::load_yaml_text("TYPE: regnet_sampler\nDEPTH: [6, 16]\n", "s.yaml"), "s.yaml", "REGNET");
  sweep::numpy_rng rng(0);
  auto drawn = sampler.draw(rng);
  std::vector<std::string> fields;
  for (auto& [k, v] : drawn.as_map()) fields.push_back(k);
  CHECK(fields == std::vector<std::string>{"DEPTH", "W0", "WA", "WM", "GROUP_W", "BOT_MUL"});
  // In a space the six are values of their own keys, drawn from the same stream.
  auto space = yaml_space("REGNET: {TYPE: regnet_sampler, DEPTH: [6, 16]}\n");
  sweep::numpy_rng again(0);
  auto r = space.draw(again);
  REQUIRE(r.size() == 6);
  CHECK(r[0] == drawn.as_map()[0].second);
  CHECK(space.bindings().keys().front() == "REGNET.DEPTH");
}
