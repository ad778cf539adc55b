#include <sweep/value.hpp>

#include <catch2/catch.hpp>

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
