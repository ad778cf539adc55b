// Comparing two design spaces: the KS test against known p-values, bootstrap
// intervals of quantile differences that find a real shift and no made-up one,
// and the plain-words summary.
#include <sweep/analyze/compare.hpp>

#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

namespace {

std::vector<double> normal(std::size_t n, double mean, double sd, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z(mean, sd);
  std::vector<double> out(n);
  for (auto& v : out) v = z(rng);
  return out;
}

}  // namespace

TEST_CASE("compare: Kolmogorov's Q and the KS statistic") {
  // Q(lambda) tabulated: Q(0.5) = 0.9639, Q(1) = 0.2700, Q(1.36) = 0.0494, Q(1.63) = 0.0098.
  CHECK(sweep::kolmogorov_q(0.5) == Approx(0.9639).margin(1e-4));
  CHECK(sweep::kolmogorov_q(1.0) == Approx(0.2700).margin(1e-4));
  CHECK(sweep::kolmogorov_q(1.36) == Approx(0.0494).margin(2e-4));
  CHECK(sweep::kolmogorov_q(1.63) == Approx(0.0098).margin(2e-4));
  CHECK(sweep::kolmogorov_q(0) == 1);
  // Disjoint samples: D = 1.
  auto [d, p] = sweep::ks_test({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, {11, 12, 13, 14, 15, 16, 17, 18, 19, 20});
  CHECK(d == 1);
  CHECK(p < 1e-3);
  // The same sample: D = 0, p = 1.
  auto same = sweep::ks_test({1, 2, 3}, {1, 2, 3});
  CHECK(same.first == 0);
  CHECK(same.second == 1);
  // Interleaved: D = 1/2 at most one step.
  CHECK(sweep::ks_test({1, 3, 5, 7}, {2, 4, 6, 8}).first == Approx(0.25));
}

TEST_CASE("compare: a real shift is found with its size, no shift is not") {
  auto a = normal(300, 10, 1, 1), b = normal(300, 11, 1, 2);
  auto c = sweep::compare_errors("A", a, "B", b);
  CHECK(c.p_value < 1e-6);
  REQUIRE(c.quantiles.size() == 2);
  auto& q10 = c.quantiles[0];
  CHECK(q10.percentile == 10);
  CHECK(q10.high < 0);
  CHECK(q10.low < -1 + 0.5);
  CHECK(q10.low > -1 - 0.5);
  CHECK(q10.low <= q10.diff);
  CHECK(q10.diff <= q10.high);
  auto words = sweep::describe_difference(c, q10);
  CHECK_THAT(words, Catch::StartsWith("A is better than B at the 10th percentile of the error by "));
  CHECK_THAT(sweep::describe_ks(c), Catch::StartsWith("The error distributions of A and B differ (Kolmogorov-Smirnov D = "));
  // B's view of it.
  auto r = sweep::compare_errors("B", b, "A", a);
  CHECK_THAT(sweep::describe_difference(r, r.quantiles[0]), Catch::StartsWith("A is better than B at the 10th percentile"));

  auto x = normal(200, 10, 1, 3), y = normal(200, 10, 1, 4);
  auto n = sweep::compare_errors("X", x, "Y", y);
  CHECK(n.p_value > 0.05);
  for (auto& q : n.quantiles) {
    CHECK(q.low < 0);
    CHECK(q.high > 0);
    CHECK_THAT(sweep::describe_difference(n, q), Catch::Contains("do not differ clearly") && Catch::Contains("includes 0"));
  }
  CHECK_THAT(sweep::describe_ks(n), Catch::Contains("may be the same"));
}

TEST_CASE("compare: the same seed gives the same intervals; ordinals") {
  auto a = normal(50, 10, 1, 5), b = normal(60, 10.5, 1, 6);
  auto c1 = sweep::compare_errors("A", a, "B", b), c2 = sweep::compare_errors("A", a, "B", b);
  CHECK(c1.quantiles[1].low == c2.quantiles[1].low);
  CHECK(sweep::ordinal(1) == "1st");
  CHECK(sweep::ordinal(2) == "2nd");
  CHECK(sweep::ordinal(3) == "3rd");
  CHECK(sweep::ordinal(11) == "11th");
  CHECK(sweep::ordinal(50) == "50th");
  CHECK(sweep::ordinal(2.5) == "2.5th");
  auto empty = sweep::compare_errors("A", {}, "B", {1.0});
  CHECK(empty.p_value == 1);
}
