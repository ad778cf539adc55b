// A job config is BASE_CFG with a sample's (key, value) pairs merged in by
// dotted path, as yacs's merge_from_list does, keeping BASE_CFG's types.
#pragma once

#include <sweep/error.hpp>
#include <sweep/space/samplers.hpp>
#include <sweep/value.hpp>

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace sweep {

/// @brief Sets `key` (dotted) in `tree` to `v`, creating missing maps; a float key given an integer stays a float.
inline void merge_param(value& tree, std::string_view key, const value& v) {
  value* node = nullptr;
  try {
    node = &tree.at_path(key);
  } catch (const error&) {
    throw error({}, std::string(key), "cannot set this key: a part of its path is not a map in BASE_CFG");
  }
  if (node->is_float() && v.is_int()) {
    *node = value{v.as_float()};
  } else {
    int line = node->line();
    *node = v;
    node->set_line(line);
  }
}

/// @brief BASE_CFG with the pairs merged in.
inline value merge_params(const value& base_cfg, const param_list& params) {
  value job = base_cfg.is_null() ? value{value::map{}} : base_cfg;
  for (auto& [key, v] : params) merge_param(job, key, v);
  return job;
}

/// @brief The training seed of repeat `r` of a job config (SETUP.REPEATS): the config's RNG_SEED plus r,
/// counting from 1 (pycls's default RNG_SEED) when the config has none.
inline std::int64_t repeat_seed(const value& job, std::int64_t r) {
  const value* seed = job.is_map() ? job.child("RNG_SEED") : nullptr;
  if (seed != nullptr && !seed->is_int()) {
    throw error({}, "SETUP.REPEATS",
                fmt::format("each repeat sets the job's RNG_SEED, so expected an integer RNG_SEED in the job config "
                            "(BASE_CFG or a sampler), got {}", seed->python_repr()));
  }
  return (seed != nullptr ? seed->as_int() : 1) + r;
}

/// @brief Job config `index` of a sweep with `repeats` jobs per config: config index / repeats, repeat index
/// % repeats. Its RNG_SEED is set to repeat_seed (nothing changes with one repeat); returns the seed.
inline std::int64_t set_repeat_seed(value& job, std::int64_t index, std::int64_t repeats) {
  if (repeats <= 1) return 0;
  auto seed = repeat_seed(job, index % repeats);
  merge_param(job, "RNG_SEED", value{seed});
  return seed;
}

/// @brief A job's line in cfgs_summary.yaml: its config's key, and with repeats the seed that tells the
/// config's jobs apart ("K1 V1 K2 V2 RNG_SEED 3").
inline std::string repeat_key(std::string_view config_key, std::int64_t repeats, std::int64_t seed) {
  return repeats <= 1 ? std::string(config_key) : fmt::format("{} RNG_SEED {}", config_key, seed);
}

/// @brief The inverse of repeat_key: the config's key of a cfgs_summary.yaml line (without the job's
/// " RNG_SEED n" when there are repeats).
inline std::string config_key_of(std::string line, std::int64_t repeats) {
  if (repeats > 1) {
    auto at = line.rfind(" RNG_SEED ");
    if (at != std::string::npos) line.erase(at);
  }
  return line;
}

}  // namespace sweep
