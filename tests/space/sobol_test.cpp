// sobol (space/sobol.hpp): a scrambled Sobol sequence through the samplers' inverse CDFs.
#include <sweep/space/sobol.hpp>

#include "../support/records.hpp"

#include <boost/random/sobol.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <set>
#include <vector>

using namespace sweep::literals;
using sweep_test::texts;

TEST_CASE("Sobol points match Joe & Kuo's numbers and fill every 1-D stratum once") {
  // Boost.Random's sobol uses the same table and order, starting at our point 1.
  boost::random::sobol_engine<std::uint32_t, 32> boost_sobol(sweep::detail::sobol_max_dims);
  for (std::uint64_t i = 1; i <= 1024; ++i) {
    for (std::size_t d = 0; d < sweep::detail::sobol_max_dims; ++d) REQUIRE(sweep::detail::sobol_bits(i, d) == boost_sobol());
  }
  auto s = sweep::sobol("A"_k = sweep::uniform(0.0, 1.0), "B"_k = sweep::log_uniform(0.1, 10.0), "C"_k = sweep::normal(0.0, 1.0),
                        "D"_k = sweep::uniform(1, 8));
  for (std::uint64_t seed : {0u, 1u, 42u}) {
    auto seeded = s.with_seed(seed);
    for (int k = 0; k <= 10; ++k) {
      std::uint64_t n = std::uint64_t{1} << k;
      std::array<std::vector<int>, 4> hits;
      for (auto& h : hits) h.assign(n, 0);
      for (std::uint64_t i = 0; i < n; ++i) {
        auto u = seeded.unit_point(i);
        for (std::size_t d = 0; d < 4; ++d) ++hits[d][static_cast<std::size_t>(u[d] * static_cast<double>(n))];
      }
      for (auto& h : hits) CHECK(std::count(h.begin(), h.end(), 1) == static_cast<std::ptrdiff_t>(n));
    }
  }
  // After the inverse CDF: 8 points give each of uniform(1, 8)'s values once; all stay in range.
  std::set<std::int64_t> ds;
  for (std::uint64_t i = 0; i < 8; ++i) ds.insert(s.at(i)["D"_k]);
  CHECK(ds.size() == 8);
  for (std::uint64_t i = 0; i < 256; ++i) {
    auto r = s.at(i);
    CHECK((r["B"_k] >= 0.1 && r["B"_k] <= 10.0));
    CHECK((r["C"_k] >= 0.0 && r["C"_k] <= 1.0));
  }
  CHECK(texts(s.with_seed(1), 4) != texts(s.with_seed(2), 4));
  for (double x : {-2.9, -1.0, 0.0, 0.3, 2.5}) CHECK(sweep::detail::inverse_normal_cdf(sweep::detail::normal_cdf(x)) == Approx(x).margin(1e-12));
}

