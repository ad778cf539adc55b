// join and when (space/join.hpp): parts drawn one after another, a when part only
// when its condition holds, tested the same way for keys named in C++ and at run time.
#include <sweep/space/any_space.hpp>
#include <sweep/space/grid.hpp>
#include <sweep/space/join.hpp>
#include <sweep/space/space.hpp>
#include <sweep/space/zip.hpp>

#include "../support/records.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

using namespace sweep::literals;
using sweep_test::texts;

TEST_CASE("when never sets keys whose condition is false") {
  auto space = sweep::join(sweep::grid("MODEL.TYPE"_k = sweep::values("anynet", "regnet", "resnet"), "OPTIM.BASE_LR"_k = sweep::values(0.1, 1.0)),
                           sweep::when("MODEL.TYPE"_k, "regnet", sweep::grid("REGNET.DEPTH"_k = sweep::int_range(10, 30, 10))));
  // 4 records not regnet, 2 regnet ones times 3 depths.
  REQUIRE(space.size() == 4 + 2 * 3);
  auto all = texts(space);
  CHECK(std::set<std::string>(all.begin(), all.end()).size() == all.size());
  for (std::uint64_t i = 0; i < space.size(); ++i) {
    auto r = space.at(i);
    bool regnet = r["MODEL.TYPE"_k] == "regnet";
    CHECK(r["REGNET.DEPTH"_k].has_value() == regnet);
    CHECK((all[i].find("REGNET.DEPTH") != std::string::npos) == regnet);
  }
  CHECK(all[2] == "MODEL.TYPE regnet OPTIM.BASE_LR 0.1 REGNET.DEPTH 10");
  sweep::numpy_rng rng(7);
  int drawn_regnet = 0;
  for (int i = 0; i < 200; ++i) {
    auto r = space.draw(rng);
    CHECK(r["REGNET.DEPTH"_k].has_value() == (r["MODEL.TYPE"_k] == "regnet"));
    drawn_regnet += r["MODEL.TYPE"_k] == "regnet";
  }
  CHECK(drawn_regnet > 30);
  // A random space joined with a conditional one stays a random space.
  auto mixed = sweep::join(sweep::space("MODEL.TYPE"_k = sweep::choice(std::string("anynet"), std::string("regnet"))),
                           sweep::when("MODEL.TYPE"_k, "regnet", sweep::space("REGNET"_k = sweep::regnet())));
  STATIC_REQUIRE(!sweep::finite_space<decltype(mixed)>);
  for (int i = 0; i < 50; ++i) {
    auto r = mixed.draw(rng);
    CHECK(r["REGNET"_k].has_value() == (r["MODEL.TYPE"_k] == "regnet"));
  }
}


TEST_CASE("a when compares numbers by value on both routes: 2 == 2.0, as Python's ==") {
  auto first = sweep::grid("A"_k = sweep::values(1.0, 2.0, 3.0));
  auto typed = sweep::join(first, sweep::when("A"_k, 2, sweep::zip("B"_k = sweep::values("x", "y"))));
  auto dynamic = sweep::join(sweep::any_space(first), sweep::when("A", sweep::value{std::int64_t{2}}, sweep::any_space(sweep::zip("B"_k = sweep::values("x", "y")))));
  std::vector<std::string> expected{"A 1.0", "A 2.0 B x", "A 2.0 B y", "A 3.0"};
  CHECK(texts(typed) == expected);
  CHECK(texts(dynamic) == expected);
  // A string never equals a number; a key a when part did not set never matches.
  CHECK(sweep::detail::when_equal(sweep::value{std::string("2")}, sweep::value{std::int64_t{2}}) == false);
  CHECK(sweep::detail::when_equal(sweep::value{true}, sweep::value{std::int64_t{1}}) == false);
  CHECK(sweep::detail::when_matches(std::optional<std::int64_t>(), std::int64_t{2}) == false);
  CHECK(sweep::detail::when_matches(std::int64_t{1} << 60, (std::int64_t{1} << 60) + 1) == false);  // ints exactly
}
