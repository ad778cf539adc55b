// A custom sampler: any type that models sweep::sampler (a value_type,
// validate(key), draw(rng) and the two printers) plugs into a typed space next
// to pycls's samplers, with public names only. This one draws an odd integer in
// [low, high] (e.g. a kernel size). See docs/dsl.md, "A custom sampler".
#include <sweep/space.hpp>

#include <fmt/core.h>

using namespace sweep::literals;

struct odd_int_sampler {
  using value_type = std::int64_t;
  std::int64_t low, high;

  void validate(std::string_view key) const {
    if (low % 2 == 0 || high % 2 == 0 || low > high) {
      throw sweep::error({}, std::string(key), fmt::format("expected odd bounds low <= high, got [{}, {}]", low, high));
    }
  }
  // Uses numpy's stream like the built-in samplers, so a seed reproduces the draws.
  [[nodiscard]] std::int64_t draw(sweep::numpy_rng& rng) const { return low + 2 * rng.randint((high - low) / 2 + 1); }
  void append_key_text(std::string& out, std::string_view key, std::int64_t v) const {
    sweep::append_key_value(out, key, v);  // "KEY VALUE", as pycls's key text
  }
  void append_params(sweep::param_list& out, std::string_view key, std::int64_t v) const {
    out.emplace_back(key, sweep::value{v});  // merged into BASE_CFG
  }
};
static_assert(sweep::sampler<odd_int_sampler>);

int main() {
  auto space = sweep::space("MODEL.KERNEL"_k = odd_int_sampler{3, 9}, "OPTIM.BASE_LR"_k = sweep::log_uniform(0.1, 1.0).quantize(0.01));
  sweep::numpy_rng rng(0);
  for (int i = 0; i < 5; ++i) {
    auto r = space.draw(rng);
    std::string key;
    space.append_key_text(key, r);
    fmt::print("{}  (kernel {} is odd: {})\n", key, r["MODEL.KERNEL"_k], r["MODEL.KERNEL"_k] % 2 == 1);
  }
}
