// Constraints are any C++ predicate over a space's typed records, combined with
// all_of / any_of / not_ and in_range on derived values. Here: keep configs
// whose lr * wd lies in a band, unless the lr is tiny.
#include <sweep/sweep.hpp>

#include <fmt/core.h>

using namespace sweep::literals;

int main() {
  auto space = sweep::space("OPTIM.BASE_LR"_k = sweep::log_uniform(0.01, 10.0).quantize(1e-4),
                            "OPTIM.WEIGHT_DECAY"_k = sweep::log_uniform(1e-5, 1e-2).quantize(1e-7));
  auto lr_wd = [](auto& r) { return r["OPTIM.BASE_LR"_k] * r["OPTIM.WEIGHT_DECAY"_k]; };
  auto band = sweep::in_range(lr_wd, 1e-4, 1e-3);
  auto tiny_lr = sweep::where([](auto& r) { return r["OPTIM.BASE_LR"_k] < 0.05; });
  auto constrained = space | sweep::any_of(band, tiny_lr);

  sweep::numpy_rng rng(0);
  int kept = 0, total = 10000;
  bool all_ok = true;
  for (int i = 0; i < total; ++i) {
    auto r = constrained.draw(rng);
    if (!constrained.accepts(r)) continue;
    ++kept;
    auto product = lr_wd(r);
    all_ok = all_ok && ((product >= 1e-4 && product <= 1e-3) || r["OPTIM.BASE_LR"_k] < 0.05);
  }
  fmt::print("kept {} of {} candidates; every kept one satisfies the constraint: {}\n", kept, total, all_ok);
  return all_ok && kept > 0 ? 0 : 1;
}
