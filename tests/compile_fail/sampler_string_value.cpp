// A string bound to a key is not a sampler either: sweep::values(std::string("relu")) or sweep::choice("relu").
#include <sweep/space.hpp>

#include <string>

using namespace sweep::literals;

int main() {
  auto space = sweep::space("MODEL.ACTIVATION"_k = std::string("relu"));
  sweep::numpy_rng rng(0);
  return space.draw(rng)["MODEL.ACTIVATION"_k].empty() ? 1 : 0;
}
