// numpy_rng against numbers numpy 1.24's RandomState produced (tests/data/random/numpy_stream.txt).
#include <sweep/random/numpy_rng.hpp>

#include "fixtures.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <concepts>
#include <random>
#include <set>

using sweep::numpy_rng;
using sweep_test::from_bits;
using sweep_test::parse_number;

namespace {

/// @brief Expected values decoded from a fixture row, from column 3 on.
template <class T, class Decode>
std::vector<T> decode(const std::vector<std::string>& row, Decode decode_one) {
  std::vector<T> out;
  for (std::size_t i = 3; i < row.size(); ++i) out.push_back(decode_one(row[i]));
  return out;
}

std::int64_t to_i64(const std::string& s) { return parse_number<std::int64_t>(s); }

/// @brief Bit-exact equality of two double sequences (so -0.0 != 0.0 and NaNs compare).
bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](double x, double y) { return std::bit_cast<std::uint64_t>(x) == std::bit_cast<std::uint64_t>(y); });
}

}  // namespace

TEST_CASE("numpy_rng models std::uniform_random_bit_generator and seeds like std::mt19937", "[random]") {
  STATIC_REQUIRE(std::uniform_random_bit_generator<numpy_rng>);
  for (std::uint32_t seed : {0U, 1U, 5489U, 4294967295U}) {
    numpy_rng rng(seed);
    std::mt19937 reference(seed);  // init_genrand is the same seeding
    bool same = true;
    for (int i = 0; i < 2000; ++i) same = same && rng() == reference();
    CHECK(same);
  }
}

TEST_CASE("numpy_rng reproduces numpy's RandomState stream bit for bit", "[random]") {
  auto rows = sweep_test::read_fixture("numpy_stream.txt");
  REQUIRE(rows.size() > 50);
  for (const auto& row : rows) {
    auto seed = parse_number<std::uint32_t>(row[0]);
    const std::string& kind = row[1];
    const std::string& param = row[2];
    INFO("seed " << seed << " " << kind << " " << param);
    numpy_rng rng(seed);
    if (kind == "state") {
      auto expected = decode<std::int64_t>(row, to_i64);
      std::vector<std::int64_t> got(rng.key().begin(), rng.key().begin() + static_cast<std::ptrdiff_t>(expected.size()));
      CHECK(got == expected);
      CHECK(rng.pos() == 624);
    } else if (kind == "uint32") {
      auto expected = decode<std::int64_t>(row, to_i64);
      std::vector<std::int64_t> got;
      for (std::size_t i = 0; i < expected.size(); ++i) got.push_back(rng.next_uint32());
      CHECK(got == expected);
    } else if (kind == "random_sample" || kind == "uniform" || kind == "gauss" || kind == "normal" ||
               kind == "lognormal") {
      auto expected = decode<double>(row, [](const std::string& s) { return from_bits(s); });
      std::vector<double> got;
      for (std::size_t i = 0; i < expected.size(); ++i) {
        if (kind == "random_sample") got.push_back(rng.random_sample());
        if (kind == "uniform") got.push_back(rng.uniform(-3.5, 7.25));
        if (kind == "gauss") got.push_back(rng.gauss());
        if (kind == "normal") got.push_back(rng.normal(1.5, 0.25));
        if (kind == "lognormal") got.push_back(rng.lognormal(-1.0, 0.5));
      }
      CHECK(same_bits(got, expected));
    } else if (kind == "randint") {
      auto expected = decode<std::int64_t>(row, to_i64);
      std::vector<std::int64_t> got;
      auto colon = param.find(':');
      for (std::size_t i = 0; i < expected.size(); ++i) {
        got.push_back(colon == std::string::npos
                          ? rng.randint(to_i64(param))
                          : rng.randint(to_i64(param.substr(0, colon)), to_i64(param.substr(colon + 1))));
      }
      CHECK(got == expected);
    } else if (kind == "mixed") {
      // gauss caches its second value across other draws
      auto expected = decode<double>(row, [](const std::string& s) { return from_bits(s); });
      std::vector<double> got{rng.gauss(), rng.random_sample(), rng.gauss(), rng.gauss()};
      CHECK(same_bits(got, expected));
    } else if (kind == "permutation") {
      CHECK(rng.permutation(to_i64(param)) == decode<std::int64_t>(row, to_i64));
    } else if (kind == "permutation_head") {
      auto expected = decode<std::int64_t>(row, to_i64);
      auto p = rng.permutation(to_i64(param));
      std::vector<std::int64_t> got(p.begin(), p.begin() + 20);
      got.insert(got.end(), p.end() - 20, p.end());
      got.push_back(rng.randint(std::int64_t{1} << 31));  // the stream goes on where numpy's does
      CHECK(got == expected);
      std::sort(p.begin(), p.end());
      CHECK((p.front() == 0 && p.back() == 999999 && std::adjacent_find(p.begin(), p.end()) == p.end()));
    } else if (kind == "choice") {
      CHECK(rng.choice(1000000, 200) == decode<std::int64_t>(row, to_i64));
    } else {
      FAIL("unknown fixture kind " << kind);
    }
  }
}

TEST_CASE("numpy_rng::seed restarts the stream and drops the cached Gaussian", "[random]") {
  numpy_rng a(42), b(7);
  double first = a.gauss();
  a.gauss();
  a.random_sample();
  b.gauss();  // leaves a cached value behind
  b.seed(42);
  CHECK(b.gauss() == first);
  numpy_rng c(42);
  CHECK(c != a);
  a.seed(42);
  CHECK(c == a);
}

TEST_CASE("randint and random_interval stay in range and reject an empty range", "[random]") {
  numpy_rng rng(3);
  std::set<std::int64_t> seen;
  for (int i = 0; i < 2000; ++i) {
    auto v = rng.randint(-3, 4);
    REQUIRE((v >= -3 && v < 4));
    seen.insert(v);
  }
  CHECK(seen.size() == 7);  // every value of the range shows up
  CHECK(rng.randint(5, 6) == 5);
  CHECK_THROWS_AS(rng.randint(5, 5), std::invalid_argument);
  CHECK_THROWS_AS(rng.choice(3, 4), std::invalid_argument);
  CHECK(rng.random_interval(0) == 0);
  CHECK(rng.permutation(0).empty());
  CHECK(rng.permutation(1) == std::vector<std::int64_t>{0});
}

TEST_CASE("chunk_seeds are pycls's chunk seeds and the stream goes on to its final shuffle", "[random]") {
  auto rows = sweep_test::read_fixture("chunk_seeds.txt");
  REQUIRE(rows.size() == 3);
  for (const auto& row : rows) {
    auto rng_seed = to_i64(row[0]), num_samples = to_i64(row[1]), chunk_size = to_i64(row[2]);
    INFO("RNG_SEED " << rng_seed << " NUM_SAMPLES " << num_samples << " CHUNK_SIZE " << chunk_size);
    auto choice_at = static_cast<std::size_t>(std::find(row.begin(), row.end(), "choice") - row.begin());
    REQUIRE(row[3] == "seeds");
    std::vector<std::int64_t> expected_seeds, expected_ids;
    for (std::size_t i = 4; i < choice_at; ++i) expected_seeds.push_back(to_i64(row[i]));
    for (std::size_t i = choice_at + 3; i < row.size(); ++i) expected_ids.push_back(to_i64(row[i]));

    numpy_rng rng(12345);  // seeded afresh by chunk_seeds
    CHECK(sweep::chunk_seeds(rng, rng_seed, num_samples, chunk_size) == expected_seeds);
    CHECK(rng.choice(to_i64(row[choice_at + 1]), to_i64(row[choice_at + 2])) == expected_ids);
    CHECK(sweep::chunk_seeds(rng_seed, num_samples, chunk_size) == expected_seeds);
  }
  CHECK_THROWS_WITH(sweep::chunk_seeds(-1, 10, 5), "SETUP.RNG_SEED: must be between 0 and 2**32 - 1, got -1");
  CHECK_THROWS_WITH(sweep::chunk_seeds(0, 10, 0), "SETUP.CHUNK_SIZE: must be > 0, got 0");
}
