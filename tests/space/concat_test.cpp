// concat (space/concat.hpp): the parts one after another, each with its own keys.
#include <sweep/space/any_space.hpp>
#include <sweep/space/concat.hpp>
#include <sweep/space/grid.hpp>
#include <sweep/space/space.hpp>
#include <sweep/space/zip.hpp>

#include "../support/records.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <type_traits>
#include <vector>

using namespace sweep::literals;
using sweep_test::texts;

TEST_CASE("a concat has the sum of its parts' records, each with its own keys") {
  auto a = sweep::grid("MODEL.TYPE"_k = sweep::values("anynet"), "ANYNET.DEPTHS"_k = sweep::values(1, 2));
  auto b = sweep::zip("MODEL.TYPE"_k = sweep::values("resnet", "resnet", "resnet"), "RESNET.TRANS_FUN"_k = sweep::values("a", "b", "c"));
  auto c = sweep::concat(a, b);
  REQUIRE(c.size() == a.size() + b.size());
  auto all = texts(c);
  CHECK(all[0] == "MODEL.TYPE anynet ANYNET.DEPTHS 1");
  CHECK(all[2] == "MODEL.TYPE resnet RESNET.TRANS_FUN a");
  CHECK(c.at(4).index() == 1);
  // A constraint on a concat sees each part's record.
  auto odd = c | sweep::where([](const auto& r) {
    if constexpr (std::decay_t<decltype(r)>::has("ANYNET.DEPTHS"_k)) return r["ANYNET.DEPTHS"_k] == 1;
    return true;
  });
  CHECK(odd.accepts(c.at(0)));
  CHECK(!odd.accepts(c.at(1)));
  CHECK(odd.accepts(c.at(3)));

  // The same parts chosen at run time: the same records in the same order, tagged with their part.
  sweep::concat_space dynamic(sweep::dynamic_parts<sweep::any_space>({sweep::any_space(a), sweep::any_space(b)}));
  CHECK(dynamic.kind() == sweep::space_kind::finite);
  CHECK(texts(dynamic) == all);
  CHECK(dynamic.at(4).part == 1);
  sweep::numpy_rng x(4), y(4);
  for (int i = 0; i < 20; ++i) CHECK(sweep_test::key_text(dynamic, dynamic.draw(x)) == sweep_test::key_text(c, c.draw(y)));
}

TEST_CASE("a concat with a random part is random and has no index") {
  auto random = sweep::any_space(sweep::space("A"_k = sweep::uniform(0, 9)));
  sweep::concat_space mixed(sweep::dynamic_parts<sweep::any_space>({sweep::any_space(sweep::grid("A"_k = sweep::values(1))), random}));
  CHECK(mixed.kind() == sweep::space_kind::random);
  CHECK_THROWS_WITH(mixed.size(), Catch::Contains("concat: a part is not finite"));
  sweep::numpy_rng rng(1);
  CHECK_THAT(sweep_test::key_text(mixed, mixed.draw(rng)), Catch::StartsWith("A "));
}
