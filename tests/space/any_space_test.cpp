// any_space (space/any_space.hpp): any space behind one type, as setup reads it.
#include <sweep/space/any_space.hpp>
#include <sweep/space/grid.hpp>
#include <sweep/space/sobol.hpp>
#include <sweep/space/space.hpp>

#include "../support/records.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace sweep::literals;
using sweep_test::texts;

TEST_CASE("an any_space keeps its space's kind, records, key text and where numbers") {
  auto g = sweep::grid("A"_k = sweep::int_range(0, 5), "B"_k = sweep::values(0.5)) |
           sweep::where([](auto& r) { return r["A"_k] != 3; }, "not three");
  sweep::any_space any(g);
  CHECK(any.kind() == sweep::space_kind::finite);
  REQUIRE(any.size() == g.size());
  CHECK(texts(any) == texts(g));
  CHECK(any.rejected_by(any.at(3)) == 1);
  CHECK(any.accepts(any.at(2)));
  std::vector<std::string> names;
  any.append_where_names(names);
  CHECK(names == std::vector<std::string>{"where 'not three'"});
  sweep::param_list params;
  any.append_params(params, any.at(1));
  REQUIRE(params.size() == 2);
  CHECK(params[0].first == "A");
  CHECK(params[0].second.as_int() == 1);

  sweep::any_space random(sweep::space("A"_k = sweep::uniform(0, 9)));
  CHECK(random.kind() == sweep::space_kind::random);
  CHECK_THROWS_WITH(random.at(0), Catch::Contains("a random space has no index"));
  CHECK_THROWS_WITH(random.size(), Catch::Contains("the space is not finite"));

  sweep::any_space sequence(sweep::sobol("A"_k = sweep::uniform(0.0, 1.0)));
  CHECK(sequence.kind() == sweep::space_kind::sequence);
  CHECK(texts(sequence.with_seed(3), 4) == texts(sweep::sobol("A"_k = sweep::uniform(0.0, 1.0)).with_seed(3), 4));
  CHECK(texts(sequence.with_seed(3), 4) != texts(sequence, 4));
}
