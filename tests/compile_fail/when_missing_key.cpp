// when(key, ...) reads a key of the parts joined before it: MODEL.TYPE is not one of them.
#include <sweep/space.hpp>

using namespace sweep::literals;

int main() {
  auto space = sweep::join(sweep::grid("OPTIM.BASE_LR"_k = sweep::values(0.1, 0.2)),
                           sweep::when("MODEL.TYPE"_k, "regnet", sweep::grid("REGNET.DEPTH"_k = sweep::int_range(10, 20, 5))));
  return static_cast<int>(space.size());
}
