// Keys are dotted config paths; spaces and empty parts are rejected at compile time.
#include <sweep/space.hpp>

using namespace sweep::literals;

int main() {
  auto space = sweep::space("OPTIM..BASE LR"_k = sweep::log_uniform(0.25, 5.0));
  (void)space;
}
