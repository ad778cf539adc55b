// Finite samplers (space/axes.hpp): the values each lists.
#include <sweep/space/axes.hpp>
#include <sweep/space/grid.hpp>

#include <catch2/catch.hpp>

using namespace sweep::literals;

TEST_CASE("finite samplers list their values") {
  auto v = sweep::values(1, 2, 3);
  STATIC_REQUIRE(decltype(v)::static_size == 3);
  CHECK(v.at(2) == 3);
  auto r = sweep::int_range(1, 8, 3);  // 1, 4, 7: 8 is off the step
  CHECK(r.size() == 3);
  CHECK(r.at(2) == 7);
  auto lin = sweep::linspace(0.1, 0.5, 5);
  CHECK(lin.at(2) == 0.3);  // cleaned to 15 digits: not 0.30000000000000004
  CHECK(lin.at(4) == 0.5);
  auto geo = sweep::geomspace(1e-3, 1.0, 4);
  CHECK(geo.at(1) == 0.01);
  CHECK(geo.at(3) == 1.0);
  CHECK(sweep::linspace(0.0, 1.0, 4).quantize(0.1).at(1) == 0.3);
  CHECK_THROWS_WITH(sweep::grid("A"_k = sweep::int_range(3, 1)), Catch::Contains("A.RANGE") && Catch::Contains("low <= high"));
}
