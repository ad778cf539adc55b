// A custom sampler without draw(rng): the message names the missing member and its signature.
#include <sweep/space.hpp>

#include <string>
#include <string_view>

using namespace sweep::literals;

struct kernel_sampler {
  using value_type = std::int64_t;
  void validate(std::string_view) const {}
  void append_key_text(std::string& out, std::string_view key, std::int64_t v) const { sweep::append_key_value(out, key, v); }
  void append_params(sweep::param_list& out, std::string_view key, std::int64_t v) const { out.emplace_back(key, sweep::value{v}); }
};

int main() {
  auto space = sweep::space("MODEL.KERNEL"_k = kernel_sampler{});
  sweep::numpy_rng rng(0);
  return static_cast<int>(space.draw(rng)["MODEL.KERNEL"_k]);
}
