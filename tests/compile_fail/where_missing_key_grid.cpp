// The same for a combinator space: `grid(...) | where(...)` over a key the grid lacks fails at the `|`.
#include <sweep/space.hpp>

using namespace sweep::literals;

int main() {
  auto space = sweep::grid("OPTIM.BASE_LR"_k = sweep::values(0.1, 0.2));
  auto constrained = space | sweep::all_of(sweep::where([](const auto& r) { return r["OPTIM.WEIGHT_DECAY"_k] < 1e-3; }));
  static_cast<void>(constrained);
}
