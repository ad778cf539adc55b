// Sizes that do not fit (issue 15, item 6) and keys that contain each other (item 8): errors, not
// signed overflow or wrapped sizes; run under UBSan by scripts/test-sanitized.
#include <sweep/config/space_spec.hpp>
#include <sweep/config/yaml.hpp>
#include <sweep/space.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

using namespace sweep::literals;
using i64 = std::int64_t;

namespace {

sweep::any_space load(const std::string& yaml) {
  auto v = sweep::load_yaml_text(yaml, "space.yaml");
  return sweep::load_space_spec(*v.child("SPACE"), "space.yaml", "SETUP.SPACE");
}

}  // namespace

TEST_CASE("an int range over the whole int64 range is an error, not a signed overflow", "[space]") {
  constexpr i64 min = std::numeric_limits<i64>::min(), max = std::numeric_limits<i64>::max();
  CHECK(sweep::int_range(min, max, 1).size() == UINT64_MAX);  // saturates: 2^64 values
  CHECK(sweep::int_range(min, max, max).size() == 3);         // min, -1, max - 1
  CHECK(sweep::int_range(min, max, max).at(2) == max - 1);
  CHECK_THROWS_WITH(sweep::grid("A"_k = sweep::int_range(min, max)), Catch::Contains("A.RANGE") && Catch::Contains("more than 2^62 values"));
  CHECK_THROWS_WITH(load("SPACE: {TYPE: grid, AXES: {A: {RANGE: [-9223372036854775808, 9223372036854775807]}}}"),
                    Catch::Contains("space.yaml:1: SETUP.SPACE.AXES.A.RANGE") && Catch::Contains("more than 2^62 values"));
}

TEST_CASE("concat and join sizes that add up past 2^62 are errors", "[space]") {
  // each part is 2^62 configs (in range); five of them would wrap uint64
  std::string part = "{TYPE: grid, AXES: {A: {RANGE: [0, 65535]}, B: {RANGE: [0, 65535]}, C: {RANGE: [0, 65535]}, D: {RANGE: [0, 16383]}}}";
  std::string parts = part;
  for (int i = 0; i < 4; ++i) parts += ", " + part;
  CHECK_THROWS_WITH(load("SPACE:\n  TYPE: concat\n  PARTS: [" + parts + "]\n"),
                    Catch::Contains("space.yaml:3: SETUP.SPACE.PARTS: concat: more than 2^62 configs"));
  auto a = sweep::grid("A"_k = sweep::int_range(0, (i64{1} << 31) - 1), "B"_k = sweep::int_range(0, (i64{1} << 31) - 1));
  CHECK(a.size() == std::uint64_t{1} << 62);
  CHECK_THROWS_WITH(sweep::concat(a, a), Catch::Contains("concat: more than 2^62 configs"));
}

TEST_CASE("float ranges with inf bounds or an infinite width are errors", "[space]") {
  CHECK_THROWS_WITH(sweep::grid("A"_k = sweep::linspace(-1e308, 1e308, 3)), Catch::Contains("A.RANGE") && Catch::Contains("finite width"));
  CHECK_THROWS_WITH(load("SPACE: {TYPE: grid, AXES: {A: {RANGE: [0.0, .inf], COUNT: 3}}}"),
                    Catch::Contains("SETUP.SPACE.AXES.A.RANGE") && Catch::Contains("finite"));
  CHECK_THROWS_WITH(load("SPACE: {TYPE: grid, AXES: {A: {RANGE: [0.0, 1.0e300], COUNT: 3, QUANTIZE: 1.0e-300}}}"),
                    Catch::Contains("SETUP.SPACE.AXES.A.QUANTIZE") && Catch::Contains("overflows"));
  auto ok = sweep::grid("A"_k = sweep::linspace(-8e307, 8e307, 5));
  for (std::uint64_t i = 0; i < ok.size(); ++i) CHECK(std::isfinite(std::get<0>(ok.at(i).values)));
}

TEST_CASE("keys that contain one another are refused", "[space]") {
  STATIC_REQUIRE(sweep::detail::keys_disjoint<sweep::param_key<"OPTIM.BASE_LR">, sweep::param_key<"OPTIM.WD">>());
  STATIC_REQUIRE(!sweep::detail::keys_disjoint<sweep::param_key<"OPTIM">, sweep::param_key<"OPTIM.BASE_LR">>());
  STATIC_REQUIRE(!sweep::detail::keys_disjoint<sweep::param_key<"A.B.C">, sweep::param_key<"A.B">>());
  STATIC_REQUIRE(sweep::detail::keys_disjoint<sweep::param_key<"OPTIM">, sweep::param_key<"OPTIMX.A">>());
  CHECK_THROWS_WITH(load("SPACE: {TYPE: grid, AXES: {OPTIM: [{A: 1}], OPTIM.BASE_LR: [0.1, 0.2]}}"),
                    Catch::Contains("SETUP.SPACE.AXES.OPTIM.BASE_LR: overlaps SETUP.SPACE.AXES.OPTIM"));
  CHECK_THROWS_WITH(load("SPACE:\n  TYPE: random\n  SAMPLERS:\n    OPTIM.BASE_LR: {TYPE: value_sampler, VALUES: [1]}\n"
                         "    OPTIM: {TYPE: value_sampler, VALUES: [{BASE_LR: 2}]}\n"),
                    Catch::Contains("space.yaml:4: SETUP.SPACE.SAMPLERS.OPTIM.BASE_LR: overlaps SETUP.SPACE.SAMPLERS.OPTIM"));
}
