// The one Catch2 main of the test suite; it holds no tests so that it is compiled once.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
