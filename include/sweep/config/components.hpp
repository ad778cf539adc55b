// A stage's components and their config sections: LAUNCH.<BACKEND>, COLLECT.<FORMAT>,
// ANALYZE.<SECTION> hold a registered component's own keys (see component_sections in
// sweep_config.hpp). Each stage checks its sections name registered components, and reads
// a component's keys into its options struct with the same reader as every other key, so
// errors name the file, line and key path.
#pragma once

#include <sweep/base/suggest.hpp>
#include <sweep/config/load.hpp>
#include <sweep/config/sweep_config.hpp>
#include <sweep/error.hpp>
#include <sweep/value.hpp>

#include <boost/hana/define_struct.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace sweep {

/// @brief The options of a component without keys of its own (its section, if written, must be empty).
struct no_options {
  BOOST_HANA_DEFINE_STRUCT(no_options);
};

namespace detail {

/// @brief A component's section of a stage (e.g. LAUNCH.SLURM), or null.
inline const value* component_section(const component_sections& sections, std::string_view name) {
  auto key = upper(name);
  for (auto& [k, v] : sections) {
    if (k == key) return &v;
  }
  return nullptr;
}

/// @brief Each section of a stage must name a registered component: "LAUNCH.SLRUM: unknown key (did you mean ...)".
template <class Registry>
void check_component_sections(const sweep_config& cfg, const component_sections& sections, std::string_view stage,
                              const Registry& components) {
  std::vector<std::string> known;
  for (auto& n : components.names()) known.push_back(upper(n));
  for (auto& [key, node] : sections) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    throw error({cfg.file, node.line()}, fmt::format("{}.{}", stage, key),
                fmt::format("unknown key: not a key of {} nor the section of a registered {} ({}){}", stage,
                            components.kind(), fmt::join(components.names(), ", "), did_you_mean(key, known)));
  }
}

/// @brief Reads a component's options from its section (defaults when the section is not written).
template <class Options>
Options read_component_options(const sweep_config& cfg, const component_sections& sections, std::string_view stage,
                               std::string_view name) {
  Options o{};
  if (auto* section = component_section(sections, name)) {
    schema_reader(cfg.file).read(*section, fmt::format("{}.{}", stage, upper(name)), o);
  }
  return o;
}

}  // namespace detail

/// @brief Sets a component's own keys on a config written as code, e.g.
/// `set_component_options(cfg.launch.extensions, my_backend::name, my_backend::options{...})`.
template <class Options>
void set_component_options(component_sections& sections, std::string_view name, const Options& o) {
  auto key = detail::upper(name);
  std::erase_if(sections, [&](auto& entry) { return entry.first == key; });
  sections.emplace_back(key, detail::schema_to_value(o));
}

}  // namespace sweep
