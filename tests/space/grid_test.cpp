// grid (space/grid.hpp): the product of its axes, the last axis fastest.
#include <sweep/space/dynamic_samplers.hpp>
#include <sweep/space/grid.hpp>

#include "../support/records.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <type_traits>

using namespace sweep::literals;
using sweep_test::key_text;
using sweep_test::texts;

TEST_CASE("a grid of sizes a and b has a*b unique records, the last axis fastest") {
  auto g = sweep::grid("OPTIM.BASE_LR"_k = sweep::geomspace(0.01, 1.0, 3), "MODEL.WIDTH"_k = sweep::values(16, 32, 64, 128),
                       "MODEL.NORM"_k = sweep::choice(std::string("bn"), std::string("ln")));
  REQUIRE(g.size() == 3 * 4 * 2);
  auto all = texts(g);
  CHECK(std::set<std::string>(all.begin(), all.end()).size() == 24);
  CHECK(all[0] == "OPTIM.BASE_LR 0.01 MODEL.WIDTH 16 MODEL.NORM bn");
  CHECK(all[1] == "OPTIM.BASE_LR 0.01 MODEL.WIDTH 16 MODEL.NORM ln");
  CHECK(all[2] == "OPTIM.BASE_LR 0.01 MODEL.WIDTH 32 MODEL.NORM bn");
  CHECK(all[23] == "OPTIM.BASE_LR 1.0 MODEL.WIDTH 128 MODEL.NORM ln");
  auto r = g.at(12);
  STATIC_REQUIRE(std::is_same_v<std::decay_t<decltype(r["MODEL.WIDTH"_k])>, std::int64_t>);
  CHECK(r["MODEL.WIDTH"_k] == 64);
  CHECK(r["OPTIM.BASE_LR"_k] == 0.1);
  sweep::numpy_rng rng(3);
  for (int i = 0; i < 50; ++i) CHECK(std::find(all.begin(), all.end(), key_text(g, g.draw(rng))) != all.end());
}

TEST_CASE("a grid over axes chosen at run time decodes indices as a typed one") {
  auto typed = sweep::grid("A"_k = sweep::values(1, 2, 3), "B"_k = sweep::linspace(0.5, 1.5, 3), "C"_k = sweep::int_range(0, 4, 2));
  std::vector<std::pair<std::string, sweep::dyn_axis>> axes;
  axes.emplace_back("A", sweep::choice_sampler<sweep::value>{{sweep::value{std::int64_t{1}}, sweep::value{std::int64_t{2}}, sweep::value{std::int64_t{3}}}});
  axes.emplace_back("B", sweep::linspace(0.5, 1.5, 3));
  axes.emplace_back("C", sweep::int_range(0, 4, 2));
  sweep::grid_space dynamic(sweep::dynamic_bindings<sweep::dyn_axis>(std::move(axes)));
  REQUIRE(dynamic.size() == 27);
  CHECK(texts(dynamic) == texts(typed));
  sweep::numpy_rng a(9), b(9);
  for (int i = 0; i < 30; ++i) CHECK(key_text(dynamic, dynamic.draw(a)) == key_text(typed, typed.draw(b)));
  CHECK_THROWS_WITH(sweep::grid("A"_k = sweep::int_range(0, 1 << 30), "B"_k = sweep::int_range(0, 1 << 30), "C"_k = sweep::int_range(0, 1 << 30)),
                    Catch::Contains("grid: more than 2^62 configs"));
}
