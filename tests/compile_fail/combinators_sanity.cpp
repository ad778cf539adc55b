// The sanity case of the combinator cases: the same shapes, written correctly, compile.
#include <sweep/space.hpp>

using namespace sweep::literals;

int main() {
  auto zipped = sweep::zip("OPTIM.BASE_LR"_k = sweep::values(0.1, 0.2), "OPTIM.MAX_EPOCH"_k = sweep::values(10, 20));
  auto grid = sweep::grid("OPTIM.BASE_LR"_k = sweep::geomspace(0.1, 1.0, 3), "OPTIM.MAX_EPOCH"_k = sweep::values(10, 20));
  auto joined = sweep::join(sweep::grid("MODEL.TYPE"_k = sweep::values("anynet", "regnet")),
                            sweep::when("MODEL.TYPE"_k, "regnet", sweep::grid("REGNET.DEPTH"_k = sweep::int_range(10, 20, 5))));
  auto r = joined.at(0);
  return static_cast<int>(zipped.size() + grid.size()) + (r["REGNET.DEPTH"_k].has_value() ? 1 : 0);
}
