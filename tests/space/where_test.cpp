// Constraints (space/where.hpp): where, all_of, any_of, not_, in_range, and one
// filtered space for every kind of space, which keeps its kind, size and order.
#include <sweep/space/grid.hpp>
#include <sweep/space/space.hpp>
#include <sweep/space/where.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace sweep::literals;

TEST_CASE("constraints combine and filter records") {
  auto space = sweep::space("A"_k = sweep::uniform(0, 9), "B"_k = sweep::uniform(0, 9));
  auto small_sum = sweep::where([](auto& r) { return r["A"_k] + r["B"_k] < 10; });
  auto a_even = sweep::where([](auto& r) { return r["A"_k] % 2 == 0; });
  auto both = space | sweep::all_of(small_sum, a_even);
  auto either = space | sweep::any_of(small_sum, a_even);
  auto neither = space | sweep::not_(sweep::any_of(small_sum, a_even));
  auto ranged = space | sweep::in_range([](auto& r) { return r["A"_k] * r["B"_k]; }, std::int64_t{4}, std::int64_t{16});
  sweep::numpy_rng rng(7);
  int accepted = 0;
  for (int i = 0; i < 1000; ++i) {
    auto r = space.draw(rng);
    auto a = r["A"_k], b = r["B"_k];
    CHECK(both.accepts(r) == (a + b < 10 && a % 2 == 0));
    CHECK(either.accepts(r) == (a + b < 10 || a % 2 == 0));
    CHECK(neither.accepts(r) == !(a + b < 10 || a % 2 == 0));
    CHECK(ranged.accepts(r) == (a * b >= 4 && a * b <= 16));
    accepted += both.accepts(r);
  }
  CHECK(accepted > 100);
  CHECK(accepted < 900);
}

TEST_CASE("a filtered space keeps its space's kind and numbers its wheres in the order written") {
  auto g = sweep::grid("A"_k = sweep::int_range(0, 9)) | sweep::where([](auto& r) { return r["A"_k] > 2; }, "above two") |
           sweep::where([](auto& r) { return r["A"_k] % 2 == 0; });
  STATIC_REQUIRE(sweep::finite_space<decltype(g)>);
  CHECK(sweep::kind_of(g) == sweep::space_kind::finite);
  CHECK(g.size() == 10);
  CHECK(g.rejected_by(g.at(1)) == 1);
  CHECK(g.rejected_by(g.at(3)) == 2);
  CHECK(g.rejected_by(g.at(4)) == 0);
  std::vector<std::string> names;
  g.append_where_names(names);
  CHECK(names == std::vector<std::string>{"where 'above two'", "where #2"});
  auto random = sweep::space("A"_k = sweep::uniform(0, 9)) | sweep::where([](auto& r) { return r["A"_k] > 2; });
  CHECK(sweep::kind_of(random) == sweep::space_kind::random);
}
