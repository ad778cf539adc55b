// A constraint over a key the space does not have does not compile.
#include <sweep/space.hpp>

using namespace sweep::literals;

int main() {
  auto space = sweep::space("OPTIM.BASE_LR"_k = sweep::log_uniform(0.25, 5.0));
  auto constrained = space | sweep::where([](auto& r) { return r["OPTIM.WEIGHT_DECAY"_k] < 1e-3; });
  sweep::numpy_rng rng(0);
  return constrained.accepts(constrained.draw(rng)) ? 0 : 1;
}
