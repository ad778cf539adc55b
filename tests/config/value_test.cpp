#include <sweep/value.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <random>

using sweep::value;

TEST_CASE("floats print as Python's repr") {
  using sweep::detail::python_float_repr;
  CHECK(python_float_repr(1.0) == "1.0");
  CHECK(python_float_repr(0.3) == "0.3");
  CHECK(python_float_repr(2.23475415) == "2.23475415");
  CHECK(python_float_repr(5.29758e-05) == "5.29758e-05");
  CHECK(python_float_repr(0.0001781427) == "0.0001781427");
  CHECK(python_float_repr(1e-05) == "1e-05");
  CHECK(python_float_repr(1e16) == "1e+16");
  CHECK(python_float_repr(123456789012345.0) == "123456789012345.0");
  CHECK(python_float_repr(-0.5) == "-0.5");
  CHECK(python_float_repr(0.0) == "0.0");
  CHECK(python_float_repr(1.5e300) == "1.5e+300");
  CHECK(python_float_repr(0.1 + 0.2) == "0.30000000000000004");
}

TEST_CASE("a decimal's text gives the same repr as its double, or is left to the formatter") {
  using sweep::detail::append_decimal_as_python_repr;
  auto fast = [](std::string_view text) {
    std::string out;
    return append_decimal_as_python_repr(out, text) ? out : "(not read)";
  };
  CHECK(fast("12.3400") == "12.34");
  CHECK(fast("100.0000") == "100.0");
  CHECK(fast("-0.0000") == "-0.0");
  CHECK(fast("0.0012") == "0.0012");
  CHECK(fast("0.00001234") == "(not read)");         // 1.234e-05: scientific
  CHECK(fast("1234567890123456.0") == "(not read)");  // 16 digits
  CHECK(fast("1.5e3") == "(not read)");
  CHECK(fast("7") == "(not read)");
  CHECK(fast("00.5") == "(not read)");
  CHECK(fast("-5.000") == "-5.0");
  CHECK(fast("1200.0") == "1200.0");
  CHECK(fast("0.00010") == "0.0001");
  CHECK(fast("0.000010") == "(not read)");  // 1e-05
  for (auto bad : {"5.", ".5", "-.5", "-", "", "1.2.3", "1.5x", "+1.5", "0x1.0", "1.-5"}) {
    INFO(bad);
    CHECK(fast(bad) == "(not read)");
  }
  // The repr is a prefix of the decimal (collect points at it instead of copying it).
  CHECK(sweep::detail::decimal_repr_length("0.9540") == 5);
  // Whatever it reads agrees with formatting the parsed double, over many magnitudes and precisions.
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> mantissa(-1.0, 1.0);
  std::uniform_int_distribution<int> power(-7, 17), precision(0, 17);
  int read = 0;
  for (int i = 0; i < 20000; ++i) {
    double x = mantissa(rng) * std::pow(10.0, power(rng));
    auto text = fmt::format("{:.{}f}", x, precision(rng));
    std::string out;
    if (!append_decimal_as_python_repr(out, text)) continue;
    ++read;
    INFO(text);
    REQUIRE(out == sweep::detail::python_float_repr(std::strtod(text.c_str(), nullptr)));
  }
  CHECK(read > 5000);
}

TEST_CASE("values print as Python's str") {
  CHECK(value(3).python_str() == "3");
  CHECK(value(true).python_str() == "True");
  CHECK(value("abc").python_str() == "abc");
  CHECK(value(value::list{1, 2.5, "x"}).python_str() == "[1, 2.5, 'x']");
  CHECK(value(value::map{{"A", 1}}).python_str() == "{'A': 1}");
  CHECK(value().python_str() == "None");
}

TEST_CASE("dotted paths find and create nodes") {
  value tree;
  tree.at_path("OPTIM.BASE_LR") = 0.5;
  tree.at_path("OPTIM.MAX_EPOCH") = 50;
  REQUIRE(tree.find("OPTIM.BASE_LR") != nullptr);
  CHECK(tree.find("OPTIM.BASE_LR")->as_float() == 0.5);
  CHECK(tree.find("OPTIM.MAX_EPOCH")->as_int() == 50);
  CHECK(tree.find("OPTIM.NOPE") == nullptr);
  CHECK(tree.find("NOPE.X") == nullptr);
  CHECK(tree.as_map().size() == 1);
  CHECK_THROWS_AS(tree.find("OPTIM")->as_int(), sweep::error);
}
