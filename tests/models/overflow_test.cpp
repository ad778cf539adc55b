// Complexity counts that do not fit in int64 (issue 15, item 6): sweep::error naming the model's
// section, never a wrapped (negative) count; run under UBSan by scripts/test-sanitized.
#include <sweep/config/yaml.hpp>
#include <sweep/models.hpp>

#include <catch2/catch.hpp>

#include <string>

namespace {

sweep::value cfg(const std::string& yaml) { return sweep::load_yaml_text(yaml, "job.yaml"); }

}  // namespace

TEST_CASE("an mlp whose flops overflow int64 is an error naming MODEL", "[models]") {
  // 2^32 x 2^32 weights per layer: the old count wrapped to a negative number (signed overflow)
  auto big = cfg("MODEL: {TYPE: mlp, INPUT_DIM: 4294967296, WIDTH: 4294967296, DEPTH: 1, NUM_CLASSES: 10}");
  CHECK_THROWS_WITH(sweep::compute_complexity(big), Catch::StartsWith("MODEL: an mlp with INPUT_DIM 4294967296") &&
                                                        Catch::Contains("64-bit integer"));
  // sums overflow too: each layer fits, their total does not
  auto deep = cfg("MODEL: {TYPE: mlp, INPUT_DIM: 2000000000, WIDTH: 2000000000, DEPTH: 100, NUM_CLASSES: 10}");
  CHECK_THROWS_WITH(sweep::compute_complexity(deep), Catch::StartsWith("MODEL: an mlp"));
  auto fine = cfg("MODEL: {TYPE: mlp, INPUT_DIM: 64, WIDTH: 64, DEPTH: 1, NUM_CLASSES: 10}");
  CHECK(sweep::compute_complexity(fine) == sweep::complexity{64 * 64 + 64 + 64 * 10 + 10, 64 * 64 + 64 + 64 * 10 + 10, 74});
}

TEST_CASE("an mlp DEPTH beyond a million layers is refused instead of counted for hours", "[models]") {
  auto huge = cfg("MODEL: {TYPE: mlp, WIDTH: 1, DEPTH: 1000000000000}");
  CHECK_THROWS_WITH(sweep::compute_complexity(huge), Catch::Contains("MODEL.DEPTH") && Catch::Contains("expected 0 to 1000000 hidden layers"));
}

TEST_CASE("anynet, regnet, resnet and effnet counts that overflow name their section", "[models]") {
  auto anynet = cfg(
      "MODEL: {TYPE: anynet}\n"
      "ANYNET: {STEM_W: 32, DEPTHS: [1], WIDTHS: [4000000000], STRIDES: [2], BOT_MULS: [1.0], GROUP_WS: [8]}\n"
      "TRAIN: {IM_SIZE: 224}\n");
  CHECK_THROWS_WITH(sweep::compute_complexity(anynet), Catch::StartsWith("ANYNET: the model's flops"));
  auto regnet = cfg("MODEL: {TYPE: regnet}\nREGNET: {DEPTH: 10, W0: 800000000, WA: 8.0, WM: 2.5, GROUP_W: 8}\n");
  CHECK_THROWS_WITH(sweep::compute_complexity(regnet), Catch::StartsWith("REGNET: the model's flops"));
  auto resnet = cfg("MODEL: {TYPE: resnet, DEPTH: 50}\nRESNET: {TRANS_FUN: bottleneck_transform, WIDTH_PER_GROUP: 4000000000}\n");
  CHECK_THROWS_WITH(sweep::compute_complexity(resnet), Catch::StartsWith("RESNET: the model's flops"));
  auto image = cfg("MODEL: {TYPE: resnet, DEPTH: 50}\nRESNET: {TRANS_FUN: bottleneck_transform}\nTRAIN: {IM_SIZE: 9000000000}\n");
  CHECK(sweep::compute_complexity(cfg("MODEL: {TYPE: resnet, DEPTH: 50}\nRESNET: {TRANS_FUN: bottleneck_transform}\n")).flops > 0);
  CHECK_THROWS_WITH(sweep::compute_complexity(image), Catch::StartsWith("RESNET: the model's flops"));
}
