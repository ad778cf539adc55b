// pycls's validate_rand rules, one test per rule, each with its own message.
#include <sweep/random/validate.hpp>

#include <catch2/catch.hpp>

using sweep::check_rand;
using sweep::rand_type;
using i64 = std::int64_t;

namespace {

/// @brief "FIELD: message" of the first problem, or "ok".
template <class T>
std::string problem(rand_type type, T low, T high, T q) {
  auto p = check_rand(type, low, high, q);
  return p ? p->field + ": " + p->message : "ok";
}

}  // namespace

TEST_CASE("valid parameters pass, including pycls's own regnet_sampler defaults", "[random]") {
  CHECK(problem<i64>(rand_type::uniform, 12, 28, 1) == "ok");
  CHECK(problem<i64>(rand_type::log_uniform, 8, 256, 8) == "ok");
  CHECK(problem(rand_type::log_uniform, 8.0, 256.0, 0.1) == "ok");
  CHECK(problem(rand_type::log_uniform, 2.0, 3.0, 0.001) == "ok");
  CHECK(problem<i64>(rand_type::power2_or_log_uniform, 8, 128, 8) == "ok");
  CHECK(problem(rand_type::power2_uniform, 1.0, 1.0, 1.0 / 128) == "ok");
  CHECK(problem(rand_type::log_uniform, 0.25, 5.0, 1e-10) == "ok");   // cifar_optim's BASE_LR
  CHECK(problem(rand_type::log_uniform, 5e-5, 1e-3, 1e-10) == "ok");  // and WEIGHT_DECAY
  CHECK(problem(rand_type::uniform, -0.5, 0.5, 0.1) == "ok");
  CHECK(problem(rand_type::normal, -1.0, 1.0, 0.25) == "ok");
  CHECK(problem(rand_type::uniform, 0.0, 1e300, 1e290) == "ok");  // exact multiples at any scale
  CHECK(problem(rand_type::uniform, -1e-300, 1e-300, 1e-310) == "ok");
}

TEST_CASE("rule: QUANTIZE must be > 0", "[random]") {
  CHECK(problem(rand_type::uniform, 0.0, 1.0, 0.0) == "QUANTIZE: QUANTIZE must be > 0, got 0.0");
  CHECK(problem<i64>(rand_type::uniform, 0, 10, -2) == "QUANTIZE: QUANTIZE must be > 0, got -2");
}

TEST_CASE("rule: low <= high", "[random]") {
  CHECK(problem(rand_type::uniform, 5.0, 1.0, 0.5) == "RANGE: low 5.0 is greater than high 1.0");
  CHECK(problem<i64>(rand_type::normal, 3, 2, 1) == "RANGE: low 3 is greater than high 2");
}

TEST_CASE("rule: low > 0 unless uniform or normal", "[random]") {
  CHECK(problem(rand_type::log_uniform, 0.0, 1.0, 0.1) == "RANGE: log_uniform needs low > 0, got 0.0");
  CHECK(problem<i64>(rand_type::power2_uniform, -2, 4, 1) == "RANGE: power2_uniform needs low > 0, got -2");
  CHECK(problem(rand_type::log_normal, 0.0, 1.0, 0.1) == "RANGE: log_normal needs low > 0, got 0.0");
  CHECK(problem(rand_type::uniform, 0.0, 1.0, 0.1) == "ok");
  CHECK(problem(rand_type::normal, -1.0, 1.0, 0.1) == "ok");
}

TEST_CASE("rule: low and high are exact decimal multiples of QUANTIZE", "[random]") {
  CHECK(problem(rand_type::uniform, 0.3, 1.0, 0.25) == "RANGE: low 0.3 is not a multiple of QUANTIZE 0.25");
  CHECK(problem(rand_type::uniform, 0.25, 1.3, 0.25) == "RANGE: high 1.3 is not a multiple of QUANTIZE 0.25");
  CHECK(problem<i64>(rand_type::log_uniform, 8, 250, 8) == "RANGE: high 250 is not a multiple of QUANTIZE 8");
  // 0.3 is a decimal multiple of 0.1 although 0.3 / 0.1 != 3 in binary
  CHECK(problem(rand_type::uniform, 0.3, 0.9, 0.1) == "ok");
  CHECK(problem(rand_type::log_uniform, 1e-10, 1.0, 1e-11) == "ok");
  CHECK(problem(rand_type::log_uniform, 1.5e-10, 1.0, 1e-10) ==
        "RANGE: low 1.5e-10 is not a multiple of QUANTIZE 1e-10");
  CHECK(problem(rand_type::uniform, 1e20, 1e21, 3.0) == "RANGE: low 1e+20 is not a multiple of QUANTIZE 3.0");
  CHECK(problem(rand_type::uniform, 3e20, 6e21, 3.0) == "ok");
  // power2_or_log_uniform is exempt (pycls's GROUP_W [1, 32] with q 8)
  CHECK(problem<i64>(rand_type::power2_or_log_uniform, 1, 32, 8) == "ok");
}

TEST_CASE("rule: the power2 types need powers of 2", "[random]") {
  CHECK(problem<i64>(rand_type::power2_uniform, 2, 6, 2) ==
        "RANGE: power2_uniform needs powers of 2: log2(6) is not an integer");
  CHECK(problem<i64>(rand_type::power2_or_log_uniform, 3, 32, 8) ==
        "RANGE: power2_or_log_uniform needs powers of 2: log2(3) is not an integer");
  CHECK(problem(rand_type::power2_or_log_uniform, 1.0, 16.0, 3.0) ==
        "QUANTIZE: power2_or_log_uniform needs powers of 2: log2(3.0) is not an integer");
  CHECK(problem(rand_type::power2_uniform, 0.25, 8.0, 0.25) == "ok");
}

TEST_CASE("rule: numbers must be finite", "[random]") {
  double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  CHECK(problem(rand_type::uniform, nan, 1.0, 0.1) == "RANGE: low must be a finite number, got nan");
  CHECK(problem(rand_type::uniform, 0.0, inf, 0.1) == "RANGE: high must be a finite number, got inf");
  CHECK(problem(rand_type::uniform, 0.0, 1.0, nan) == "QUANTIZE: QUANTIZE must be a finite number, got nan");
}

TEST_CASE("rule: a known RAND_TYPE", "[random]") {
  auto p = check_rand<double>("loguniform", 1.0, 2.0, 0.1);
  REQUIRE(p.has_value());
  CHECK(p->field == "RAND_TYPE");
  CHECK(p->message ==
        "unknown RAND_TYPE 'loguniform'; expected one of uniform, log_uniform, power2_uniform, "
        "power2_or_log_uniform, normal, log_normal");
  CHECK_FALSE(check_rand<double>("log_uniform", 1.0, 2.0, 0.1).has_value());
}

TEST_CASE("rule: low, high and QUANTIZE of one type (values from a config)", "[random]") {
  using sweep::value;
  auto p = sweep::check_rand_values("uniform", value(0), value(1.0), value(0.1));
  REQUIRE(p.has_value());
  CHECK(p->field == "RANGE");
  CHECK(p->message ==
        "RANGE [0, 1.0] and QUANTIZE 0.1 must all be ints or all floats, got an integer, a float and a float");
  p = sweep::check_rand_values("uniform", value(0), value(1), value("x"));
  REQUIRE(p.has_value());
  CHECK(p->message == "QUANTIZE must be a number, got a string");
  CHECK_FALSE(sweep::check_rand_values("log_uniform", value(8), value(256), value(8)).has_value());
  p = sweep::check_rand_values("log_uniform", value(0.0), value(1.0), value(0.1));
  REQUIRE(p.has_value());
  CHECK(p->message == "log_uniform needs low > 0, got 0.0");
}

TEST_CASE("validate_rand throws sweep::error naming the key path and field", "[random]") {
  CHECK_THROWS_WITH(sweep::validate_rand("OPTIM.BASE_LR", rand_type::log_uniform, 0.0, 1.0, 0.1),
                    "OPTIM.BASE_LR.RANGE: log_uniform needs low > 0, got 0.0");
  CHECK_THROWS_WITH(sweep::validate_rand<double>("OPTIM.BASE_LR", "log", 0.1, 1.0, 0.1),
                    Catch::Matchers::StartsWith("OPTIM.BASE_LR.RAND_TYPE: unknown RAND_TYPE 'log'"));
  try {
    sweep::validate_rand<i64>("REGNET.DEPTH", rand_type::uniform, 12, 28, 0);
    FAIL("no error thrown");
  } catch (const sweep::error& e) {
    CHECK(e.key_path() == "REGNET.DEPTH.QUANTIZE");
    CHECK(e.message() == "QUANTIZE must be > 0, got 0");
  }
  CHECK_NOTHROW(sweep::validate_rand<i64>("REGNET.DEPTH", rand_type::uniform, 12, 28, 1));
}
