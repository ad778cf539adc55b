// choice() values must share one type, so a record member has one type.
#include <sweep/space.hpp>

int main() {
  auto sampler = sweep::choice(50, 100.5);
  (void)sampler;
}
