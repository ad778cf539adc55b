// shuffle (space/shuffle.hpp): a finite space set up in a seeded random order.
#include <sweep/setup/sample.hpp>
#include <sweep/space/grid.hpp>
#include <sweep/space/shuffle.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

using namespace sweep::literals;

TEST_CASE("a shuffled grid has the grid's records, set up in an order RNG_SEED chooses") {
  auto g = sweep::grid("A"_k = sweep::int_range(0, 9), "B"_k = sweep::values(1, 2));
  auto s = sweep::shuffle(g);
  CHECK(sweep::is_shuffled(s));
  CHECK(!sweep::is_shuffled(g));
  REQUIRE(s.size() == g.size());
  for (std::uint64_t i = 0; i < g.size(); ++i) CHECK(s.at(i) == g.at(i));  // the index order is the grid's
  sweep::setup_options opts;
  opts.num_configs = 0;
  // A result's keys are views into the memory it keeps: copy them out.
  auto keys = [&](const auto& space, std::int64_t threads) {
    auto result = sweep::sample_space(space, opts, threads);
    return std::vector<std::string>(result.keys.begin(), result.keys.end());
  };
  auto in_order = keys(g, 2);
  auto shuffled = keys(s, 2);
  CHECK(shuffled != in_order);
  CHECK(std::is_permutation(shuffled.begin(), shuffled.end(), in_order.begin(), in_order.end()));
  CHECK(keys(s, 1) == shuffled);  // the order depends on RNG_SEED only
  opts.rng_seed = 3;
  CHECK(keys(s, 2) != shuffled);
}
