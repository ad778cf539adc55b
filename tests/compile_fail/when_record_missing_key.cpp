// A joined record has the keys of its parts only: REGNET.W0 is not bound anywhere.
#include <sweep/space.hpp>

using namespace sweep::literals;

int main() {
  auto space = sweep::join(sweep::grid("MODEL.TYPE"_k = sweep::values("anynet", "regnet")),
                           sweep::when("MODEL.TYPE"_k, "regnet", sweep::grid("REGNET.DEPTH"_k = sweep::int_range(10, 20, 5))));
  auto r = space.at(0);
  return r["REGNET.W0"_k].has_value() ? 1 : 0;
}
