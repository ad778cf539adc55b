// zip (space/zip.hpp): axes advanced together, of one length.
#include <sweep/space/zip.hpp>

#include "../support/records.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace sweep::literals;
using sweep_test::texts;

TEST_CASE("a zip of n has n records, item i of every axis together") {
  auto z = sweep::zip("OPTIM.BASE_LR"_k = sweep::values(0.1, 0.2, 0.4), "OPTIM.MAX_EPOCH"_k = sweep::int_range(10, 30, 10));
  REQUIRE(z.size() == 3);
  CHECK(texts(z) == std::vector<std::string>{"OPTIM.BASE_LR 0.1 OPTIM.MAX_EPOCH 10", "OPTIM.BASE_LR 0.2 OPTIM.MAX_EPOCH 20",
                                             "OPTIM.BASE_LR 0.4 OPTIM.MAX_EPOCH 30"});
  // Lengths known only at run time are checked at run time, naming the axis.
  CHECK_THROWS_WITH(sweep::zip("A"_k = sweep::int_range(1, 3), "B"_k = sweep::linspace(0.0, 1.0, 4)),
                    Catch::Contains("B: zip: this axis has 4 values but A has 3"));
}
