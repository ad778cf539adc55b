// A plain value bound to a key is not a sampler: a constant is written sweep::values(0.1).
#include <sweep/space.hpp>

using namespace sweep::literals;

int main() {
  auto space = sweep::space("OPTIM.BASE_LR"_k = 0.1);
  sweep::numpy_rng rng(0);
  return space.draw(rng)["OPTIM.BASE_LR"_k] > 1.0;
}
