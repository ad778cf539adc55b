// The sanity case of the sampler and `|` cases: the same shapes, written correctly, compile.
#include <sweep/space.hpp>

#include <string>
#include <string_view>

using namespace sweep::literals;

struct kernel_sampler {
  using value_type = std::int64_t;
  void validate(std::string_view) const {}
  [[nodiscard]] std::int64_t draw(sweep::numpy_rng& rng) const { return 1 + 2 * rng.randint(3); }
  void append_key_text(std::string& out, std::string_view key, std::int64_t v) const { sweep::append_key_value(out, key, v); }
  void append_params(sweep::param_list& out, std::string_view key, std::int64_t v) const { out.emplace_back(key, sweep::value{v}); }
};

int main() {
  auto space = sweep::space("OPTIM.BASE_LR"_k = sweep::values(0.1), "MODEL.ACTIVATION"_k = sweep::choice("relu"),
                            "MODEL.KERNEL"_k = kernel_sampler{});
  auto constrained = space | sweep::where([](auto& r) { return r["OPTIM.BASE_LR"_k] < 1.0; });
  auto grid = sweep::grid("OPTIM.BASE_LR"_k = sweep::values(0.1, 0.2)) |
              sweep::all_of(sweep::where([](const auto& r) { return r["OPTIM.BASE_LR"_k] < 1e-3; }));
  sweep::numpy_rng rng(0);
  auto r = constrained.draw(rng);
  return static_cast<int>(r["MODEL.KERNEL"_k] + static_cast<std::int64_t>(grid.size()));
}
