// A job config is BASE_CFG with a sample's (key, value) pairs merged in by
// dotted path, as yacs's merge_from_list does, keeping BASE_CFG's types.
#pragma once

#include <sweep/error.hpp>
#include <sweep/space/samplers.hpp>
#include <sweep/value.hpp>

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

}  // namespace sweep
