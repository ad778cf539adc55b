// The harness's sanity case: the same shapes as the failing cases, written correctly, compile.
#include <sweep/space.hpp>

using namespace sweep::literals;

int main() {
  auto space = sweep::space("OPTIM.BASE_LR"_k = sweep::log_uniform(0.25, 5.0).quantize(1e-10),
                            "OPTIM.MAX_EPOCH"_k = sweep::choice(50, 100));
  auto constrained = space | sweep::where([](auto& r) { return r["OPTIM.BASE_LR"_k] < 1.0; });
  sweep::numpy_rng rng(0);
  auto r = constrained.draw(rng);
  return r["OPTIM.MAX_EPOCH"_k] > 0 ? 0 : 1;
}
