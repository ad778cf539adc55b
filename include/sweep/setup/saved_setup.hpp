// A sweep set up from one SETUP must not be launched or resumed with another:
// the jobs were sampled from the saved one (sweep_cfg.yaml in the sweep folder),
// while the report would show the new one. check_saved_setup compares the two
// key by key (defaults filled in, key order ignored) and refuses with the list.
#pragma once

#include <sweep/base/files.hpp>
#include <sweep/base/layout.hpp>
#include <sweep/config/load.hpp>
#include <sweep/config/yaml.hpp>
#include <sweep/error.hpp>

#include <fmt/format.h>

#include <filesystem>
#include <string>
#include <vector>

namespace sweep {

namespace detail {

inline std::string short_repr(const value& v) {
  if (v.is_null()) return "(not set)";
  auto text = v.python_repr();
  return text.size() > 120 ? text.substr(0, 117) + "..." : text;
}

/// @brief The keys where `saved` and `given` differ, one line each; maps compared key by key.
inline void diff_values(const value& saved, const value& given, const std::string& path, std::vector<std::string>& out) {
  if (saved.is_map() && given.is_map()) {
    for (auto& [key, a] : saved.as_map()) {
      auto* b = given.child(key);
      diff_values(a, b ? *b : value{}, path + "." + key, out);
    }
    for (auto& [key, b] : given.as_map()) {
      if (saved.child(key) == nullptr) diff_values(value{}, b, path + "." + key, out);
    }
    return;
  }
  if (saved == given) return;
  out.push_back(fmt::format("{}: set up with {}, given {}", path, short_repr(saved), short_repr(given)));
}

}  // namespace detail

/// @brief The differences between the SETUP a sweep folder was set up with and cfg's (empty when equal,
/// or when the folder holds no sweep_cfg.yaml yet).
inline std::vector<std::string> saved_setup_differences(const sweep_config& cfg) {
  sweep_layout layout(sweep_dir(cfg));
  std::error_code ec;
  if (!std::filesystem::exists(layout.sweep_cfg_file(), ec)) return {};
  auto saved_root = load_yaml_text(read_file(layout.sweep_cfg_file()), layout.sweep_cfg_file().string());
  auto saved = sweep_config_from_value(saved_root.is_null() ? value{value::map{}} : saved_root, layout.sweep_cfg_file().string());
  auto a = detail::schema_to_value(saved.setup);
  auto b = detail::schema_to_value(cfg.setup);
  std::vector<std::string> out;
  detail::diff_values(a, b, "SETUP", out);
  return out;
}

/// @brief Refuses to go on with a sweep whose saved SETUP differs from cfg's, listing the differences.
/// `sweep launch` and `sweep run` call it before launching or resuming.
inline void check_saved_setup(const sweep_config& cfg) {
  auto diffs = saved_setup_differences(cfg);
  if (diffs.empty()) return;
  std::string list;
  for (auto& d : diffs) list += "\n  " + d;
  auto saved = sweep_layout(sweep_dir(cfg)).sweep_cfg_file().string();
  throw error({cfg.file, 0}, "SETUP",
              fmt::format("differs from the SETUP the sweep in {} was set up with ({}):{}\nexpected the same SETUP: "
                          "undo the change (or pass the same overrides), use `--sweep-cfg {}`, or give the new SETUP a "
                          "new NAME",
                          sweep_dir(cfg).string(), saved, list, saved));
}

}  // namespace sweep
