// A key bound twice in one space is ambiguous and does not compile.
#include <sweep/space.hpp>

using namespace sweep::literals;

int main() {
  auto space = sweep::space("OPTIM.BASE_LR"_k = sweep::log_uniform(0.25, 5.0), "OPTIM.BASE_LR"_k = sweep::uniform(0.1, 0.2));
  (void)space;
}
