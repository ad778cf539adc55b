// Finite spaces are ranges (space/range.hpp): range-v3's views and algorithms work on them.
#include <sweep/space/concat.hpp>
#include <sweep/space/grid.hpp>
#include <sweep/space/join.hpp>
#include <sweep/space/sobol.hpp>
#include <sweep/space/zip.hpp>

#include "../support/records.hpp"

#include <catch2/catch.hpp>
#include <range/v3/algorithm/count_if.hpp>
#include <range/v3/range/concepts.hpp>
#include <range/v3/range/conversion.hpp>
#include <range/v3/view/filter.hpp>
#include <range/v3/view/reverse.hpp>
#include <range/v3/view/stride.hpp>
#include <range/v3/view/take.hpp>
#include <range/v3/view/transform.hpp>

#include <iterator>
#include <ranges>
#include <string>
#include <vector>

using namespace sweep::literals;

TEST_CASE("a range-v3 pipeline over a grid reads its records in index order") {
  auto g = sweep::grid("OPTIM.BASE_LR"_k = sweep::geomspace(0.01, 1.0, 3), "MODEL.WIDTH"_k = sweep::values(16, 32, 64, 128));
  STATIC_REQUIRE(ranges::random_access_range<decltype(g)>);
  STATIC_REQUIRE(ranges::sized_range<decltype(g)>);
  STATIC_REQUIRE(std::ranges::random_access_range<decltype(g)>);
  CHECK(ranges::size(g) == 12);
  CHECK(ranges::count_if(g, [](const auto& r) { return r["MODEL.WIDTH"_k] >= 64; }) == 6);

  auto widths = g | ranges::views::filter([](const auto& r) { return r["OPTIM.BASE_LR"_k] < 0.5; }) |
                ranges::views::transform([](const auto& r) { return r["MODEL.WIDTH"_k]; }) | ranges::views::take(5) |
                ranges::to<std::vector>();
  CHECK(widths == std::vector<std::int64_t>{16, 32, 64, 128, 16});
  auto last = g | ranges::views::reverse | ranges::views::take(1) | ranges::to<std::vector>();
  CHECK(last.front() == g.at(11));
  auto every_fourth = g | ranges::views::stride(4) | ranges::to<std::vector>();
  REQUIRE(every_fourth.size() == 3);
  CHECK(every_fourth[2] == g.at(8));
  CHECK(*(g.begin() + 5) == g.at(5));
  CHECK(g.end() - g.begin() == 12);
}

TEST_CASE("zip, concat, join of finite parts and filtered finite spaces are ranges; a sobol sequence never ends") {
  auto z = sweep::zip("A"_k = sweep::values(1, 2, 3), "B"_k = sweep::values(4, 5, 6));
  auto c = sweep::concat(z, sweep::grid("C"_k = sweep::values(7, 8)));
  auto j = sweep::join(z, sweep::when("A"_k, 2, sweep::grid("D"_k = sweep::values(9, 10))));
  auto f = z | sweep::where([](const auto& r) { return r["A"_k] != 2; });
  STATIC_REQUIRE(ranges::random_access_range<decltype(c)>);
  STATIC_REQUIRE(ranges::random_access_range<decltype(j)>);
  STATIC_REQUIRE(ranges::random_access_range<decltype(f)>);
  CHECK(ranges::distance(c) == 5);
  CHECK(ranges::distance(j) == 4);
  CHECK(ranges::count_if(f, [&](const auto& r) { return f.accepts(r); }) == 2);
  std::vector<std::string> texts;
  for (const auto& r : j) texts.push_back(sweep_test::key_text(j, r));
  CHECK(texts == sweep_test::texts(j));
  auto s = sweep::sobol("A"_k = sweep::uniform(0.0, 1.0));
  STATIC_REQUIRE(!ranges::sized_range<decltype(s)>);
  auto first = s | ranges::views::take(3) | ranges::to<std::vector>();
  CHECK(first.size() == 3);
  CHECK(first[2] == s.at(2));
}
