// SETUP.SPACE (config/space_spec.hpp): the YAML builds the same combinators as the
// C++ DSL, so both give the same configs; its errors name the file, line and key path.
#include <sweep/config/load.hpp>
#include <sweep/config/space_spec.hpp>
#include <sweep/config/yaml.hpp>
#include <sweep/setup.hpp>
#include <sweep/space.hpp>

#include "../support/files.hpp"
#include "../support/records.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace sweep::literals;
using sweep_test::key_text;
using sweep_test::texts;

namespace {

sweep::any_space yaml_space(const std::string& text) {
  return sweep::load_space_spec(sweep::load_yaml_text(text, "space.yaml"), "space.yaml");
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

TEST_CASE("SETUP.SPACE in YAML gives the same configs as the C++ combinators") {
  auto typed = sweep::grid("OPTIM.BASE_LR"_k = sweep::geomspace(0.01, 1.0, 3), "MODEL.WIDTH"_k = sweep::values(16, 32, 64),
                           "MODEL.DEPTH"_k = sweep::int_range(1, 7, 3), "OPTIM.MOMENTUM"_k = sweep::linspace(0.8, 0.9, 3));
  auto yaml = yaml_space(sweep_test::grid_yaml);
  CHECK(yaml.kind() == sweep::space_kind::finite);
  CHECK(texts(yaml) == texts(typed));

  auto typed_join = sweep::join(sweep::concat(sweep::zip("MODEL.TYPE"_k = sweep::values("anynet", "regnet"), "OPTIM.BASE_LR"_k = sweep::values(0.1, 0.2)),
                                              sweep::grid("MODEL.TYPE"_k = sweep::values("resnet"), "OPTIM.BASE_LR"_k = sweep::values(0.3))),
                                sweep::when("MODEL.TYPE"_k, "regnet", sweep::grid("REGNET.WM"_k = sweep::linspace(2.0, 3.0, 3))));
  auto yaml_join = yaml_space(R"(
TYPE: join
PARTS:
  - TYPE: concat
    PARTS:
      - {TYPE: zip, AXES: {MODEL.TYPE: [anynet, regnet], OPTIM.BASE_LR: [0.1, 0.2]}}
      - {TYPE: grid, AXES: {MODEL.TYPE: [resnet], OPTIM.BASE_LR: [0.3]}}
  - TYPE: when
    KEY: MODEL.TYPE
    EQUALS: regnet
    SPACE: {TYPE: grid, AXES: {REGNET.WM: {RANGE: [2.0, 3.0], COUNT: 3}}}
)");
  REQUIRE(yaml_join.size() == 5);
  CHECK(texts(yaml_join) == texts(typed_join));

  auto typed_sobol = sweep::sobol("OPTIM.BASE_LR"_k = sweep::log_uniform(0.1, 10.0).quantize(1e-10),
                                  "OPTIM.MAX_EPOCH"_k = sweep::choice(10, 20, 40), "TRAIN.BATCH_SIZE"_k = sweep::power2_uniform(16, 256).quantize(16),
                                  "OPTIM.MOMENTUM"_k = sweep::normal(0.8, 0.95).quantize(0.01));
  auto yaml_sobol = yaml_space(R"(
TYPE: sobol
SAMPLERS:
  OPTIM.BASE_LR: {TYPE: float_sampler, RAND_TYPE: log_uniform, RANGE: [0.1, 10.0], QUANTIZE: 1.0e-10}
  OPTIM.MAX_EPOCH: {TYPE: value_sampler, VALUES: [10, 20, 40]}
  TRAIN.BATCH_SIZE: {TYPE: int_sampler, RAND_TYPE: power2_uniform, RANGE: [16, 256], QUANTIZE: 16}
  OPTIM.MOMENTUM: {TYPE: float_sampler, RAND_TYPE: normal, RANGE: [0.8, 0.95], QUANTIZE: 0.01}
)");
  CHECK(yaml_sobol.kind() == sweep::space_kind::sequence);
  CHECK(texts(yaml_sobol.with_seed(5), 128) == texts(typed_sobol.with_seed(5), 128));
  // A condition compares numbers by value (2 == 2.0), as Python does.
  auto numeric = yaml_space("TYPE: join\nPARTS:\n  - {TYPE: grid, AXES: {A: [1, 2.0]}}\n"
                            "  - {TYPE: when, KEY: A, EQUALS: 2, SPACE: {TYPE: zip, AXES: {B: [x, y]}}}\n");
  CHECK(texts(numeric) == std::vector<std::string>{"A 1", "A 2.0 B x", "A 2.0 B y"});
  sweep::numpy_rng a(1), b(1);
  for (int i = 0; i < 20; ++i) CHECK(key_text(yaml, yaml.draw(a)) == key_text(typed, typed.draw(b)));
}

TEST_CASE("SETUP.SPACE errors name the file, line, key path and what was expected") {
  CHECK_THAT(space_error("TYPE: gird\nAXES: {A: [1]}\n"),
             Catch::Contains("space.yaml:1: SETUP.SPACE.TYPE: unknown space type 'gird'") && Catch::Contains("grid"));
  CHECK_THAT(space_error("TYPE: zip\nAXES:\n  A: [1, 2]\n  B: [1, 2, 3]\n"),
             Catch::Contains("space.yaml:4: SETUP.SPACE.AXES.B: zip: this axis has 3 values but A has 2"));
  CHECK_THAT(space_error("TYPE: grid\nAXES:\n  A: {RANGE: [0.1, 1.0]}\n"),
             Catch::Contains("space.yaml:3: SETUP.SPACE.AXES.A.RANGE[0]: expected an integer (for floats give COUNT too)"));
  CHECK_THAT(space_error("TYPE: grid\nAXES:\n  A: {RANGE: [1, 5], STEP: 0}\n"),
             Catch::Contains("space.yaml:3: SETUP.SPACE.AXES.A.STEP: expected a step of 1 or more"));
  CHECK_THAT(space_error("TYPE: join\nPARTS:\n  - {TYPE: grid, AXES: {MODEL.TYPE: [regnet]}}\n  - TYPE: when\n    KEY: MODEL.TYPO\n"
                         "    EQUALS: regnet\n    SPACE: {TYPE: grid, AXES: {REGNET.DEPTH: [10]}}\n"),
             Catch::Contains("space.yaml:5: SETUP.SPACE.PARTS[1].KEY: MODEL.TYPO is not set by an earlier part") &&
                 Catch::Contains("MODEL.TYPE"));
  // Each key is set by one part of a join; two whens on one KEY with different EQUALS never hold together.
  CHECK_THAT(space_error("TYPE: join\nPARTS:\n  - {TYPE: grid, AXES: {A: [1, 2], B: [x]}}\n  - {TYPE: zip, AXES: {B: [y]}}\n"),
             Catch::Contains("space.yaml:4: SETUP.SPACE.PARTS[1]: sets B, which part 0 of this join sets too (B)"));
  CHECK_THAT(space_error("TYPE: join\nPARTS:\n  - {TYPE: grid, AXES: {A: [1, 2]}}\n"
                         "  - {TYPE: when, KEY: A, EQUALS: 1, SPACE: {TYPE: grid, AXES: {B.C: [x]}}}\n"
                         "  - {TYPE: when, KEY: A, EQUALS: 1, SPACE: {TYPE: grid, AXES: {B: [y]}}}\n"),
             Catch::Contains("space.yaml:5: SETUP.SPACE.PARTS[2]: sets B, which part 1 of this join sets too (B.C)"));
  auto exclusive = yaml_space("TYPE: join\nPARTS:\n  - {TYPE: grid, AXES: {A: [1, 2]}}\n"
                              "  - {TYPE: when, KEY: A, EQUALS: 1, SPACE: {TYPE: grid, AXES: {B: [x]}}}\n"
                              "  - {TYPE: when, KEY: A, EQUALS: 2, SPACE: {TYPE: grid, AXES: {B: [y, z]}}}\n");
  CHECK(texts(exclusive) == std::vector<std::string>{"A 1 B x", "A 2 B y", "A 2 B z"});
  CHECK_THAT(space_error("TYPE: when\nKEY: A\nEQUALS: 1\nSPACE: {TYPE: grid, AXES: {B: [1]}}\n"),
             Catch::Contains("SETUP.SPACE.TYPE: a when space must be a part of a join"));
  CHECK_THAT(space_error("TYPE: sobol\nSAMPLERS:\n  A: {TYPE: list_sampler, LENGTH: 2, ITEM_SAMPLER: {TYPE: int_sampler, RANGE: [1, 2]}}\n"),
             Catch::Contains("space.yaml:3: SETUP.SPACE.SAMPLERS.A.TYPE: a sobol space takes float_sampler"));
  CHECK_THAT(space_error("TYPE: random\nSAMPLERS:\n  A: {TYPE: float_sampler, RANGE: [0.0, 1.0], QUANTIZE: 0.3}\n"),
             Catch::Contains("SETUP.SPACE.SAMPLERS.A"));
  CHECK_THAT(space_error("TYPE: concat\nSHUFFLE: true\nPARTS:\n  - {TYPE: random, SAMPLERS: {A: {TYPE: value_sampler, VALUES: [1]}}}\n"),
             Catch::Contains("space.yaml:2: SETUP.SPACE.SHUFFLE: only a finite space"));
  sweep_test::temp_dir root("space-spec");
  auto cfg = sweep::sweep_config_from_value(
      sweep::load_yaml_text("NAME: both\nSETUP:\n  SPACE: {TYPE: grid, AXES: {A: [1]}}\n  SAMPLERS: {B: {TYPE: value_sampler, VALUES: [1]}}\n",
                            "sweep.yaml"),
      "sweep.yaml");
  cfg.root_dir = root.path.string();
  CHECK_THROWS_WITH(sweep::setup(cfg), Catch::Contains("sweep.yaml:3: SETUP.SPACE: SETUP.SPACE and SETUP.SAMPLERS are alternatives"));
}

