// The six draws: bit-exact against pycls's own functions (tests/data/random/pycls_draws.txt),
// exact decimal quantisation, and chi-square against the exact probability of each value.
#include <sweep/random/draws.hpp>
#include <sweep/value.hpp>

#include "fixtures.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <map>

using sweep::numpy_rng;
using sweep::rand_type;
namespace draws = sweep::draws;
using i64 = std::int64_t;

namespace {

template <class T>
T parse_as(const std::string& s) {
  if constexpr (std::is_same_v<T, double>) {
    return sweep_test::parse_double(s);
  } else {
    return sweep_test::parse_number<std::int64_t>(s);
  }
}

/// @brief Draws as pycls did for one fixture row; true when every value and its str() match.
template <class T>
void check_pycls_row(const std::vector<std::string>& row) {
  auto type = sweep::parse_rand_type(row[0]);
  REQUIRE(type.has_value());
  T low = parse_as<T>(row[2]), high = parse_as<T>(row[3]), q = parse_as<T>(row[4]);
  numpy_rng rng(sweep_test::parse_number<std::uint32_t>(row[5]));
  int mismatches = 0;
  std::string first_mismatch;
  for (std::size_t i = 6; i < row.size(); ++i) {
    T got = sweep::draw(*type, low, high, q, rng);
    T expected = parse_as<T>(row[i]);
    auto text = sweep::value(got).python_str();
    bool same = std::bit_cast<std::uint64_t>(got) == std::bit_cast<std::uint64_t>(expected) && text == row[i];
    if (!same && mismatches++ == 0) first_mismatch = "draw " + std::to_string(i - 6) + ": got " + text + ", pycls " + row[i];
  }
  INFO(first_mismatch);
  CHECK(mismatches == 0);
}

/// @brief Wilson-Hilferty approximation of the chi-square quantile for p = 1e-4 in the upper tail.
double chi_square_critical(int dof) {
  double d = dof, z = 3.719;
  return d * std::pow(1.0 - 2.0 / (9.0 * d) + z * std::sqrt(2.0 / (9.0 * d)), 3.0);
}

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

struct chi_square_result {
  double statistic = 0;
  double critical = 0;
  std::size_t unexpected = 0;  // draws of a value with probability 0
  std::size_t cells = 0;
};

/// @brief Draws n values and compares their counts with the exact probability of each value;
/// cells expecting fewer than 5 draws are pooled.
template <class T, class Draw>
chi_square_result chi_square(const std::map<T, double>& probability, Draw draw, int n, std::map<T, int>& counts) {
  for (int i = 0; i < n; ++i) ++counts[draw()];
  chi_square_result r;
  double total_p = 0;
  for (auto& [v, p] : probability) total_p += p;
  double pooled_expected = 0, pooled_observed = 0;
  for (auto& [v, p] : probability) {
    double expected = n * p / total_p;
    double observed = counts.count(v) ? counts.at(v) : 0;
    if (expected < 5) {
      pooled_expected += expected;
      pooled_observed += observed;
      continue;
    }
    r.statistic += (observed - expected) * (observed - expected) / expected;
    ++r.cells;
  }
  if (pooled_expected > 0) {
    r.statistic += (pooled_observed - pooled_expected) * (pooled_observed - pooled_expected) / pooled_expected;
    ++r.cells;
  }
  for (auto& [v, c] : counts) r.unexpected += probability.count(v) ? 0 : static_cast<std::size_t>(c);
  r.critical = chi_square_critical(static_cast<int>(r.cells) - 1);
  return r;
}

/// @brief k * q as a draw of q's type gives it.
template <class T>
T multiple(i64 k, T q) {
  if constexpr (std::is_same_v<T, double>) {
    return sweep::detail::decimal_product(static_cast<double>(k), q);
  } else {
    return k * q;
  }
}

/// @brief Exact cell probabilities of log_uniform(low, high, q): ln f ~ U(ln(low - q*), ln high], k = ceil(f/q).
template <class T>
std::map<T, double> log_uniform_cells(T low, T high, T q, double weight = 1.0) {
  double l = static_cast<double>(low), h = static_cast<double>(high), qd = static_cast<double>(q);
  double lower = l - std::min(qd, l / 2);
  std::map<T, double> cells;
  for (auto k = static_cast<i64>(std::floor(lower / qd)) + 1; k <= static_cast<i64>(std::ceil(h / qd)); ++k) {
    double kd = static_cast<double>(k);
    double a = std::max((kd - 1) * qd, lower), b = std::min(kd * qd, h);
    if (b > a) cells[multiple(k, q)] += weight * (std::log(b) - std::log(a)) / (std::log(h) - std::log(lower));
  }
  return cells;
}

/// @brief Exact cell probabilities of (log_)normal: the truncated Gaussian mass of [v - q/2, v + q/2].
template <class T>
std::map<T, double> normal_cells(T low, T high, T q, bool in_log_space) {
  double l = static_cast<double>(low), h = static_cast<double>(high), qd = static_cast<double>(q);
  auto g = [&](double x) { return in_log_space ? std::log(x) : x; };
  double mu = (g(l) + g(h)) / 2, sigma = (g(h) - g(l)) / 6;
  std::map<T, double> cells;
  for (auto k = static_cast<i64>(std::llround(l / qd)); k <= static_cast<i64>(std::llround(h / qd)); ++k) {
    double kd = static_cast<double>(k);
    double a = std::max(kd * qd - qd / 2, l), b = std::min(kd * qd + qd / 2, h);
    if (b > a) cells[multiple(k, q)] = normal_cdf((g(b) - mu) / sigma) - normal_cdf((g(a) - mu) / sigma);
  }
  return cells;
}

template <class T>
void check_distribution(const char* what, const std::map<T, double>& probability, rand_type type, T low, T high, T q,
                        bool ends_reachable = true) {
  numpy_rng rng(20240601);
  std::map<T, int> counts;
  auto result = chi_square(
      probability, [&] { return sweep::draw(type, low, high, q, rng); }, 40000, counts);
  INFO(what << ": chi2 " << result.statistic << " vs " << result.critical << " over " << result.cells << " cells");
  CHECK(result.unexpected == 0);
  CHECK(result.cells >= 2);
  CHECK(result.statistic < result.critical);
  if (ends_reachable) {
    CHECK(counts[low] > 0);
    CHECK(counts[high] > 0);
  }
}

}  // namespace

TEST_CASE("the draws return exactly what pycls's sweep/random.py returns for the same seed", "[random]") {
  auto rows = sweep_test::read_fixture("pycls_draws.txt");
  REQUIRE(rows.size() >= 100);
  for (const auto& row : rows) {
    INFO(row[0] << "(" << row[2] << ", " << row[3] << ", " << row[4] << ") seed " << row[5]);
    REQUIRE(row.size() == 206);
    if (row[1] == "int") {
      check_pycls_row<i64>(row);
    } else {
      check_pycls_row<double>(row);
    }
  }
}

TEST_CASE("rand type names parse and print as pycls writes them", "[random]") {
  for (auto name : sweep::rand_type_names) {
    auto type = sweep::parse_rand_type(name);
    REQUIRE(type.has_value());
    CHECK(sweep::to_string(*type) == name);
  }
  CHECK(sweep::parse_rand_type("loguniform") == std::nullopt);
  CHECK(sweep::parse_rand_type("") == std::nullopt);
  STATIC_REQUIRE(sweep::parse_rand_type("power2_or_log_uniform") == rand_type::power2_or_log_uniform);
}

TEST_CASE("a draw has its quantum's type", "[random]") {
  numpy_rng rng;
  STATIC_REQUIRE(std::is_same_v<decltype(draws::log_uniform(i64{8}, i64{256}, i64{8}, rng)), i64>);
  STATIC_REQUIRE(std::is_same_v<decltype(draws::log_uniform(8.0, 256.0, 0.1, rng)), double>);
  STATIC_REQUIRE(std::is_same_v<decltype(sweep::draw(rand_type::normal, 0.0, 1.0, 0.1, rng)), double>);
  STATIC_REQUIRE(std::is_same_v<decltype(sweep::quantize(0.5, i64{2})), i64>);
}

TEST_CASE("quantize forms k * q in decimal like Python's Decimal", "[random]") {
  using sweep::quantize;
  using sweep::rounding;
  CHECK(quantize(0.30000000000000004, 0.1) == 0.3);  // 3 x 0.1 is 0.3
  CHECK(sweep::value(quantize(0.35, 0.1)).python_str() == "0.3");
  CHECK(quantize(0.7, 0.1, rounding::ceil) == 0.7);
  CHECK(quantize(0.75, 0.5, rounding::half_even) == 1.0);  // 1.5 rounds to 2
  CHECK(quantize(0.25, 0.5, rounding::half_even) == 0.0);  // 0.5 rounds to 0
  CHECK(quantize(2.5, i64{1}, rounding::half_even) == 2);
  CHECK(quantize(3.5, i64{1}, rounding::half_even) == 4);
  CHECK(quantize(17.9, i64{8}) == 16);
  CHECK(quantize(-0.5, i64{8}) == -8);
  // -0.0 survives, as Decimal('-0') * Decimal('0.1') does
  double negative_zero = quantize(-0.03, 0.1, rounding::ceil);
  CHECK(negative_zero == 0.0);
  CHECK(std::signbit(negative_zero));
  CHECK(sweep::value(negative_zero).python_str() == "-0.0");
  // products beyond 28 digits are rounded to 28 first (values from Python)
  CHECK(sweep::detail::decimal_product(1234567890123456789.0, 0.1234567890123456) == 1.5241578753238826e+17);
  CHECK(sweep::detail::decimal_product(1180591620717411303424.0, 0.3) == 3.541774862152234e+20);  // k = 2^70
  CHECK_THROWS_AS(quantize(1e19, i64{1}), std::overflow_error);
  CHECK_THROWS_AS(quantize(-1e19, i64{1000}), std::overflow_error);  // k fits, k * q does not
  CHECK(quantize(1e18, i64{100}) == 1000000000000000000);
}

TEST_CASE("decimal rounding to 28 digits is half to even", "[random]") {
  using sweep::detail::round_digits_half_even;
  std::string d = "12345";
  CHECK(round_digits_half_even(d, 4) == 1);
  CHECK(d == "1234");
  d = "12355";
  round_digits_half_even(d, 4);
  CHECK(d == "1236");
  d = "123451";
  round_digits_half_even(d, 4);
  CHECK(d == "1235");
  d = "99995";
  CHECK(round_digits_half_even(d, 4) == 1);
  CHECK(d == "10000");
  d = "123";
  CHECK(round_digits_half_even(d, 28) == 0);
  CHECK(d == "123");
}

TEST_CASE("each draw type hits every reachable value with its exact probability", "[random]") {
  SECTION("uniform") {
    std::map<i64, double> ints;
    for (i64 v = -4; v <= 6; v += 2) ints[v] = 1.0;
    check_distribution<i64>("uniform(-4, 6, 2)", ints, rand_type::uniform, -4, 6, 2);
    std::map<double, double> floats;
    for (i64 k = -5; k <= 5; ++k) floats[multiple(k, 0.1)] = 1.0;
    check_distribution<double>("uniform(-0.5, 0.5, 0.1)", floats, rand_type::uniform, -0.5, 0.5, 0.1);
  }
  SECTION("log_uniform") {
    check_distribution<i64>("log_uniform(1, 32, 1)", log_uniform_cells<i64>(1, 32, 1), rand_type::log_uniform, 1, 32,
                            1);
    check_distribution<i64>("log_uniform(8, 256, 8)", log_uniform_cells<i64>(8, 256, 8), rand_type::log_uniform, 8,
                            256, 8);
    check_distribution<double>("log_uniform(0.5, 16.0, 0.5)", log_uniform_cells(0.5, 16.0, 0.5),
                               rand_type::log_uniform, 0.5, 16.0, 0.5);
    check_distribution<double>("log_uniform(2.0, 3.0, 0.1)", log_uniform_cells(2.0, 3.0, 0.1), rand_type::log_uniform,
                               2.0, 3.0, 0.1);
  }
  SECTION("power2_uniform") {
    std::map<i64, double> ints;
    for (i64 v = 2; v <= 512; v *= 2) ints[v] = 1.0;
    check_distribution<i64>("power2_uniform(2, 512, 1)", ints, rand_type::power2_uniform, 2, 512, 1);
    std::map<double, double> floats{{0.25, 1}, {0.5, 1}, {1.0, 1}, {2.0, 1}, {4.0, 1}, {8.0, 1}};
    check_distribution<double>("power2_uniform(0.25, 8.0, 0.25)", floats, rand_type::power2_uniform, 0.25, 8.0, 0.25);
  }
  SECTION("power2_or_log_uniform") {
    // a power of 2 of [1, 128] (8 equally likely); 1 and 2 stay, the rest become log_uniform(4, 128, 4)
    auto ints = log_uniform_cells<i64>(4, 128, 4, 6.0 / 8.0);
    ints[1] += 1.0 / 8;
    ints[2] += 1.0 / 8;
    check_distribution<i64>("power2_or_log_uniform(1, 128, 4)", ints, rand_type::power2_or_log_uniform, 1, 128, 4);
    std::map<double, double> floats{{0.25, 1}, {0.5, 1}, {1.0, 1}, {2.0, 1}, {4.0, 1}};
    check_distribution<double>("power2_or_log_uniform(0.25, 4.0, 4.0)", floats, rand_type::power2_or_log_uniform,
                               0.25, 4.0, 4.0);
    check_distribution<double>("power2_or_log_uniform(1.0, 16.0, 1.0)", log_uniform_cells(1.0, 16.0, 1.0),
                               rand_type::power2_or_log_uniform, 1.0, 16.0, 1.0);
  }
  SECTION("normal") {
    check_distribution<i64>("normal(-2, 2, 1)", normal_cells<i64>(-2, 2, 1, false), rand_type::normal, -2, 2, 1);
    check_distribution<double>("normal(-1.0, 1.0, 0.5)", normal_cells(-1.0, 1.0, 0.5, false), rand_type::normal, -1.0,
                               1.0, 0.5);
    check_distribution<double>("normal(0.0, 1.0, 0.01)", normal_cells(0.0, 1.0, 0.01, false), rand_type::normal, 0.0,
                               1.0, 0.01, false);
  }
  SECTION("log_normal") {
    check_distribution<i64>("log_normal(1, 8, 1)", normal_cells<i64>(1, 8, 1, true), rand_type::log_normal, 1, 8, 1);
    check_distribution<double>("log_normal(0.5, 4.0, 0.5)", normal_cells(0.5, 4.0, 0.5, true), rand_type::log_normal,
                               0.5, 4.0, 0.5);
  }
}

TEST_CASE("normal and log_normal refuse ranges that would never end", "[random]") {
  numpy_rng rng;
  CHECK_THROWS_AS(draws::normal(2.0, 1.0, 0.1, rng), std::invalid_argument);
  CHECK_THROWS_AS(draws::log_normal(0.0, 1.0, 0.1, rng), std::invalid_argument);
  CHECK(draws::normal(i64{3}, i64{3}, i64{1}, rng) == 3);  // sigma 0: the one value
}

TEST_CASE("chunk seeds, draws and the final shuffle give pycls's cifar_optim sweep", "[random]") {
  // pycls's sweep_setup with cifar_optim.yaml, RNG_SEED 0, NUM_PROC 2 (cfgs_summary.yaml copied from
  // pycls's own output): two chunks of 64 unique configs each, then choice(128, 64) on the main stream.
  numpy_rng main_rng;
  auto seeds = sweep::chunk_seeds(main_rng, 0, 1000000, 5000);
  REQUIRE(seeds.size() == 200);
  std::vector<std::string> keys;
  for (int chunk = 0; chunk < 2; ++chunk) {
    numpy_rng rng(static_cast<std::uint32_t>(seeds[static_cast<std::size_t>(chunk)]));
    for (int i = 0; i < 64; ++i) {
      double lr = draws::log_uniform(0.25, 5.0, 1e-10, rng);
      double wd = draws::log_uniform(5e-5, 1e-3, 1e-10, rng);
      keys.push_back("OPTIM.BASE_LR " + sweep::value(lr).python_str() + " OPTIM.WEIGHT_DECAY " +
                     sweep::value(wd).python_str());
    }
  }
  std::ifstream summary(std::string(SWEEP_TEST_DATA_DIR) + "/random/cifar_optim_cfgs_summary.yaml");
  REQUIRE(summary);
  std::vector<std::string> expected;
  for (std::string line; std::getline(summary, line);) expected.push_back(line);
  std::vector<std::string> got;
  auto ids = main_rng.choice(128, 64);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    got.push_back(fmt::format("{:06}.yaml: {}", i, keys[static_cast<std::size_t>(ids[i])]));
  }
  CHECK(got == expected);
}
