// A bare predicate piped into a space: `|` takes a constraint, sweep::where(pred).
#include <sweep/space.hpp>

using namespace sweep::literals;

int main() {
  auto space = sweep::space("OPTIM.BASE_LR"_k = sweep::log_uniform(0.25, 5.0));
  auto constrained = space | [](auto& r) { return r["OPTIM.BASE_LR"_k] < 1.0; };
  sweep::numpy_rng rng(0);
  return constrained.accepts(constrained.draw(rng)) ? 0 : 1;
}
