// A grid enumerates its axes, so each must be finite: a log_uniform sampler is not.
#include <sweep/space.hpp>

using namespace sweep::literals;

int main() {
  auto space = sweep::grid("OPTIM.BASE_LR"_k = sweep::log_uniform(0.1, 1.0), "OPTIM.MAX_EPOCH"_k = sweep::values(10, 20));
  return static_cast<int>(space.size());
}
