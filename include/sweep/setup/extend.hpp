// Growing a set-up (possibly launched) sweep: `sweep extend` draws N more
// configs from the same SETUP (space, constraints, BASE_CFG), none a duplicate
// of a config the sweep has, and gives them the next job indices; `sweep
// launch` then runs only them. The draw is reproducible: its seed comes from
// RNG_SEED and the number of configs the sweep had, so the same sweep extended
// by the same N gets the same configs. A SETUP that differs from the saved one
// is refused key by key (check_saved_setup), since the jobs would mix spaces.
#pragma once

#include <sweep/base/files.hpp>
#include <sweep/base/layout.hpp>
#include <sweep/base/lock.hpp>
#include <sweep/config/load.hpp>
#include <sweep/config/yaml.hpp>
#include <sweep/setup/saved_setup.hpp>
#include <sweep/setup/setup.hpp>

#include <fmt/format.h>

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

namespace sweep {

/// @brief What an extension did.
struct extend_summary {
  std::filesystem::path dir;
  std::int64_t before = 0;   // jobs the sweep had (configs times SETUP.REPEATS)
  std::int64_t added = 0;    // new configs (fewer than asked when the space ran out)
  std::int64_t jobs = 0;     // new jobs: each new config's repeats
  std::uint32_t seed = 0;    // the draw's seed
  std::int64_t sampled = 0;  // candidates drawn
};

/// @brief The seed of the draw that extends a sweep of `existing` configs set up with `rng_seed`: differs
/// from the setup's own draw and from every earlier extension's, and is the same for the same sweep.
inline std::uint32_t extension_seed(std::int64_t rng_seed, std::int64_t existing) {
  std::seed_seq seq{static_cast<std::uint32_t>(rng_seed), static_cast<std::uint32_t>(existing), 0x65787464u};
  std::uint32_t out = 0;
  seq.generate(&out, &out + 1);
  return out;
}

namespace detail {

template <sampleable_space Space>
extend_summary extend_space(const sweep_config& cfg, std::int64_t count, const Space& design, const sweep_layout& layout) {
  auto cfgs = list_job_configs(layout);
  auto summary_value = load_yaml_file(layout.cfgs_summary_file());
  std::unordered_set<std::string> existing;
  value::map summary;
  if (summary_value.is_map()) summary = summary_value.as_map();
  auto repeats = std::max<std::int64_t>(1, cfg.setup.repeats);
  for (auto& [name, key] : summary) existing.insert(config_key_of(key.is_string() ? key.as_string() : key.python_repr(), repeats));
  extend_summary out;
  out.dir = layout.dir;
  out.before = static_cast<std::int64_t>(cfgs.size());
  out.seed = extension_seed(cfg.setup.rng_seed, out.before);
  auto options = cfg.setup;
  options.rng_seed = out.seed;
  // enough that `count` stay once the sweep's own configs are left out
  options.num_configs = static_cast<std::int64_t>(existing.size()) + count;
  config_checks checks(cfg);
  auto sampled = sample_space(design, options, cfg.num_proc, checks);
  out.sampled = sampled.sampled;
  section_cache sections(cfg.setup.base_cfg);
  param_list params;
  for (std::size_t i = 0; i < sampled.records.size() && out.added < count; ++i) {
    std::string key(sampled.keys[i]);
    if (!existing.insert(key).second) continue;
    for (std::int64_t r = 0; r < repeats; ++r) {  // a new config's jobs are consecutive, as setup writes them
      auto index = out.before + out.jobs;
      auto name = job_config_name(index);
      value job = job_config(cfg, design, sampled.records[i], key, &config_checks::finish, params);
      auto seed = set_job_seed(cfg, job, index);
      write_file_atomic(layout.cfgs_dir() / name, sections.to_yaml(job));
      summary.emplace_back(name, value{repeat_key(key, repeats, seed)});
      ++out.jobs;
    }
    ++out.added;
  }
  // The summary lists the jobs: written last (atomically), it makes the new configs part of the sweep.
  if (out.added > 0) write_file_atomic(layout.cfgs_summary_file(), to_yaml(value{std::move(summary)}));
  return out;
}

}  // namespace detail

/// @brief Adds `count` configs to the sweep `cfg` names (set up with the same SETUP, else refused with the
/// differences). Refuses while a local launcher or collect uses the sweep (the sweep lock).
inline extend_summary extend(const sweep_config& cfg, std::int64_t count) {
  check_setup(cfg);
  if (count < 1) throw error({"command line", 0}, "--num-configs", fmt::format("expected at least 1 config to add, got {}", count));
  sweep_layout layout(sweep_dir(cfg));
  list_job_configs(layout);  // a sweep that was set up
  check_saved_setup(cfg);
  sweep_lock lock(layout, sweep_access::exclusive, "extend");
  if (!cfg.setup.space.is_null()) return detail::extend_space(cfg, count, load_setup_space(cfg), layout);
  return detail::extend_space(cfg, count, load_space(cfg.setup.samplers, cfg.file), layout);
}

}  // namespace sweep
