// Ranges too wide for a draw's arithmetic (issue 15, items 5 and 6): check_rand refuses them, a
// normal draw never loops forever, and a float draw is never inf or NaN.
#include <sweep/random/validate.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

using namespace sweep;
using i64 = std::int64_t;

namespace {

template <class T>
std::string problem(rand_type type, T low, T high, T q) {
  auto p = check_rand(type, low, high, q);
  return p ? p->field + ": " + p->message : "ok";
}

}  // namespace

TEST_CASE("a normal whose sigma or mu is not finite is refused, naming RANGE", "[random]") {
  // sigma = (high - low) / 6 = inf: every draw was inf or NaN and redrawn forever
  CHECK_THAT(problem(rand_type::normal, -1e308, 1e308, 1e300),
             Catch::StartsWith("RANGE: normal: the range [-1e+308, 1e+308] widened by QUANTIZE 1e+300 is wider than the largest float"));
  // mu = (low + high) / 2 = inf with a finite sigma
  CHECK_THAT(problem(rand_type::normal, 1e308, 1.7e308, 1e300), Catch::StartsWith("RANGE: normal: the midpoint of [1e+308, 1.7e+308] overflows"));
  CHECK(problem(rand_type::normal, -1e300, 1e300, 1e290) == "ok");
}

TEST_CASE("float ranges whose draws would be inf are refused", "[random]") {
  // high + q overflows: uniform draws in [low, high + q)
  CHECK_THAT(problem(rand_type::uniform, 0.0, 1.7e308, 1e308), Catch::StartsWith("RANGE: uniform: the range"));
  // f / q overflows: k = inf, and k * q is written as .inf
  CHECK_THAT(problem(rand_type::uniform, 0.0, 1e300, 1e-300),
             Catch::StartsWith("QUANTIZE: uniform: RANGE [0.0, 1e+300] / QUANTIZE 1e-300 overflows"));
  CHECK_THAT(problem(rand_type::log_uniform, 1e-300, 1e300, 1e-300), Catch::StartsWith("QUANTIZE: log_uniform"));
  CHECK_THAT(problem(rand_type::log_normal, 1e-300, 1e300, 1e-300), Catch::StartsWith("QUANTIZE: log_normal"));
}

TEST_CASE("int ranges beyond +-2^62 are refused before k * q can overflow", "[random]") {
  constexpr i64 max = std::numeric_limits<i64>::max(), min = std::numeric_limits<i64>::min();
  CHECK_THAT(problem<i64>(rand_type::uniform, 0, max, 1), Catch::StartsWith("RANGE: uniform: the range [0, 9223372036854775807]"));
  CHECK_THAT(problem<i64>(rand_type::normal, min, max, 1), Catch::StartsWith("RANGE: normal"));
  CHECK(problem<i64>(rand_type::uniform, -(i64{1} << 61), i64{1} << 61, 1) == "ok");
}

TEST_CASE("normal and log_normal give up after a bounded number of redraws", "[random]") {
  numpy_rng rng(0);
  // called directly, past check_rand: sigma inf, every draw out of range
  CHECK_THROWS_AS(draws::normal(-1e308, 1e308, 1e300, rng), std::domain_error);
  CHECK_THROWS_WITH(draws::normal(-1e308, 1e308, 1e300, rng), Catch::Contains("no draw in") && Catch::Contains("10000 tries"));
}

TEST_CASE("a float draw that is not finite throws instead of returning inf", "[random]") {
  numpy_rng rng(0);
  CHECK_THROWS_AS(draw(rand_type::uniform, 0.0, 1e300, 1e-300, rng), std::domain_error);
  // the ranges check_rand accepts draw finite numbers at the edges of the double range
  for (auto type : {rand_type::uniform, rand_type::normal, rand_type::log_uniform, rand_type::log_normal}) {
    double low = type == rand_type::uniform || type == rand_type::normal ? -8e307 : 1e290;
    REQUIRE(problem(type, low, 8e307, 1e290) == "ok");
    for (int i = 0; i < 200; ++i) CHECK(std::isfinite(draw(type, low, 8e307, 1e290, rng)));
  }
}
