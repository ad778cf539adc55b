// sweep sample: previews a sampler spec, one JSON value per line, drawn after
// seeding numpy's stream with --seed exactly as pycls's sampler would draw them.
#include "command.hpp"

#include <sweep/config/space_yaml.hpp>
#include <sweep/config/yaml.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <memory>

namespace {

nlohmann::ordered_json to_json(const sweep::value& v) {
  return std::visit(
      [](auto& x) -> nlohmann::ordered_json {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return nullptr;
        } else if constexpr (std::is_same_v<T, sweep::value::list>) {
          auto out = nlohmann::ordered_json::array();
          for (auto& item : x) out.push_back(to_json(item));
          return out;
        } else if constexpr (std::is_same_v<T, sweep::value::map>) {
          auto out = nlohmann::ordered_json::object();
          for (auto& [k, item] : x) out[k] = to_json(item);
          return out;
        } else {
          return x;
        }
      },
      v.data());
}

struct sample_args {
  std::string sampler_file;
  std::int64_t count = 10;
  std::uint32_t seed = 0;
  std::string key;
};

const bool registered = sweep::driver::register_command(10, [](CLI::App& app) {
  auto args = std::make_shared<sample_args>();
  auto* cmd = app.add_subcommand("sample", "Preview a sampler: print N draws, one JSON value per line");
  cmd->add_option("--sampler", args->sampler_file, "Sampler spec (YAML map with TYPE, as under SETUP.SAMPLERS.<key>)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("-n,--count", args->count, "Number of draws")->check(CLI::Range(std::int64_t{0}, std::int64_t{100000000}));
  cmd->add_option("--seed", args->seed, "Seed of numpy's legacy stream (np.random.seed)");
  cmd->add_option("--key", args->key, "The config key the sampler is for, used in messages (default: REGNET for a regnet_sampler, else SAMPLER)");
  cmd->callback([args] {
    auto spec = sweep::load_yaml_file(args->sampler_file);
    auto key = args->key;
    if (key.empty()) {
      auto* type = spec.is_map() ? spec.child("TYPE") : nullptr;
      key = type != nullptr && type->is_string() && type->as_string() == "regnet_sampler" ? "REGNET" : "SAMPLER";
    }
    auto sampler = sweep::load_sampler(spec, args->sampler_file, key);
    sweep::numpy_rng rng(args->seed);
    std::string out;
    for (std::int64_t i = 0; i < args->count; ++i) {
      out += to_json(sampler.draw(rng)).dump();
      out += '\n';
      if (out.size() > (1 << 16)) {
        fmt::print("{}", out);
        out.clear();
      }
    }
    fmt::print("{}", out);
  });
});

}  // namespace
