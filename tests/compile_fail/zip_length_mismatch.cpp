// zip advances its axes together: values(...) lists of different lengths cannot be zipped.
#include <sweep/space.hpp>

using namespace sweep::literals;

int main() {
  auto space = sweep::zip("OPTIM.BASE_LR"_k = sweep::values(0.1, 0.2, 0.4), "OPTIM.MAX_EPOCH"_k = sweep::values(10, 20));
  return static_cast<int>(space.size());
}
