// A record only has the keys of its space: OPTIM.LR is not OPTIM.BASE_LR.
#include <sweep/space.hpp>

using namespace sweep::literals;

int main() {
  auto space = sweep::space("OPTIM.BASE_LR"_k = sweep::log_uniform(0.25, 5.0));
  sweep::numpy_rng rng(0);
  auto r = space.draw(rng);
  return r["OPTIM.LR"_k] > 1.0;
}
