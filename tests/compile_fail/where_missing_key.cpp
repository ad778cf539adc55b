// A constraint over a key the space lacks fails at `space | where(...)` itself: nothing here
// draws from the space or calls the predicate.
#include <sweep/space.hpp>

using namespace sweep::literals;

int main() {
  auto space = sweep::space("OPTIM.BASE_LR"_k = sweep::log_uniform(0.25, 5.0));
  auto constrained = space | sweep::where([](const auto& r) -> bool { return r["OPTIM.WEIGHT_DECAY"_k] < 1e-3; });
  static_cast<void>(constrained);
}
