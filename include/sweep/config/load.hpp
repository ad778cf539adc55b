// Loading a sweep config: YAML (plus yacs-style "KEY VALUE" overrides) into the
// sweep_config structs. The schema is the structs themselves (read through
// Hana), so an unknown key, a wrong type or a bad value is reported with the
// file, the line, the key path and what was expected.
#pragma once

#include <sweep/base/suggest.hpp>
#include <sweep/config/check.hpp>
#include <sweep/config/sweep_config.hpp>
#include <sweep/config/yaml.hpp>
#include <sweep/error.hpp>
#include <sweep/value.hpp>

#include <boost/hana/accessors.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/keys.hpp>
#include <boost/hana/string.hpp>

#include <array>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace sweep {

namespace detail {

template <class T>
concept reflected_struct = boost::hana::Struct<T>::value;

template <class T>
struct is_std_array : std::false_type {};
template <class T, std::size_t N>
struct is_std_array<std::array<T, N>> : std::true_type {};

template <class T>
struct is_ordered_map : std::false_type {};
template <class T>
struct is_ordered_map<std::vector<std::pair<std::string, T>>> : std::true_type {};

inline std::string upper(std::string_view name) {
  std::string out(name);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

/// @brief The YAML key names of a reflected struct's fields, in declaration order.
template <reflected_struct T>
std::vector<std::string> field_keys() {
  std::vector<std::string> keys;
  boost::hana::for_each(boost::hana::keys(T{}), [&](auto key) { keys.push_back(upper(boost::hana::to<char const*>(key))); });
  return keys;
}

/// @brief Reads a value tree into a schema object, naming file, line and key path on any mismatch.
class schema_reader {
 public:
  explicit schema_reader(std::string file) : file_(std::move(file)) {}

  template <class T>
  void read(const value& node, const std::string& path, T& out) const {
    if constexpr (reflected_struct<T>) {
      read_struct(node, path, out);
    } else if constexpr (std::is_same_v<T, value>) {
      out = node;
    } else if constexpr (std::is_same_v<T, bool>) {
      if (!node.is_bool()) fail(node, path, "true or false");
      out = node.as_bool();
    } else if constexpr (std::is_same_v<T, std::int64_t>) {
      if (!node.is_int()) fail(node, path, "an integer");
      out = node.as_int();
    } else if constexpr (std::is_same_v<T, double>) {
      if (!node.is_number()) fail(node, path, "a number");
      out = node.as_float();
      if (!std::isfinite(out)) fail(node, path, "a finite number");
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (node.is_null()) {
        out.clear();
      } else {
        if (!node.is_string()) fail(node, path, "a string");
        out = node.as_string();
      }
    } else if constexpr (is_std_array<T>::value) {
      if (!node.is_list() || node.as_list().size() != std::tuple_size_v<T>) {
        fail(node, path, fmt::format("a list of {} numbers", std::tuple_size_v<T>));
      }
      for (std::size_t i = 0; i < out.size(); ++i) read(node.as_list()[i], fmt::format("{}[{}]", path, i), out[i]);
    } else if constexpr (is_ordered_map<T>::value) {
      out.clear();
      if (node.is_null()) return;
      if (!node.is_map()) fail(node, path, "a map");
      for (auto& [key, child] : node.as_map()) {
        read(child, path + "." + key, out.emplace_back(key, typename T::value_type::second_type{}).second);
      }
    } else {
      static_assert(std::is_same_v<T, std::vector<std::string>>,
                    "sweep schema fields must be bool, int64, double, string, value, std::array, "
                    "a list of strings, an ordered map or a reflected struct");
      out.clear();
      if (node.is_null()) return;
      if (!node.is_list()) fail(node, path, "a list of strings");
      for (std::size_t i = 0; i < node.as_list().size(); ++i) {
        read(node.as_list()[i], fmt::format("{}[{}]", path, i), out.emplace_back());
      }
    }
  }

  [[noreturn]] void fail(const value& node, const std::string& path, std::string_view expected) const {
    throw error({file_, node.line()}, path, fmt::format("expected {}, got {} ({})", expected, node.kind(), node.python_repr()));
  }

 private:
  template <class T>
  void read_struct(const value& node, const std::string& path, T& out) const {
    if (node.is_null()) return;  // "SECTION:" with nothing under it keeps the defaults
    if (!node.is_map()) fail(node, path, "a map of keys");
    auto keys = field_keys<T>();
    for (auto& [key, child] : node.as_map()) {
      if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
      // A stage's component section (LAUNCH.SLURM, ...): its stage checks it names a registered component.
      if constexpr (requires { out.extensions; }) {
        if (child.is_map()) {
          out.extensions.emplace_back(key, child);
          continue;
        }
      }
      auto full = path.empty() ? key : path + "." + key;
      throw error({file_, child.line()}, full, "unknown key" + did_you_mean(key, keys));
    }
    boost::hana::for_each(boost::hana::accessors<T>(), [&](auto pair) {
      auto key = upper(boost::hana::to<char const*>(boost::hana::first(pair)));
      if (auto* child = node.child(key)) {
        read(*child, path.empty() ? key : path + "." + key, boost::hana::second(pair)(out));
      }
    });
  }

  std::string file_;
};

/// @brief A schema object as a value tree (the inverse of schema_reader), for writing sweep_cfg.yaml.
template <class T>
value schema_to_value(const T& x) {
  if constexpr (reflected_struct<T>) {
    value::map out;
    boost::hana::for_each(boost::hana::accessors<T>(), [&](auto pair) {
      auto key = upper(boost::hana::to<char const*>(boost::hana::first(pair)));
      const auto& field = boost::hana::second(pair)(x);
      if constexpr (requires { field.omitted(); }) {
        if (field.omitted()) return;  // an optional section that is off (EARLY_STOP)
      }
      if constexpr (requires { x.omitted_at_default(key); }) {
        if (x.omitted_at_default(key)) return;  // a key at its default that older files lack (REPEATS)
      }
      out.emplace_back(std::move(key), schema_to_value(field));
    });
    if constexpr (requires { x.extensions; }) out.insert(out.end(), x.extensions.begin(), x.extensions.end());
    return value{std::move(out)};
  } else if constexpr (std::is_same_v<T, value> || std::is_same_v<T, bool> || std::is_same_v<T, std::int64_t> ||
                       std::is_same_v<T, double> || std::is_same_v<T, std::string>) {
    return value{x};
  } else if constexpr (is_ordered_map<T>::value) {
    value::map out;
    for (auto& [k, v] : x) out.emplace_back(k, schema_to_value(v));
    return value{std::move(out)};
  } else {
    value::list out;
    for (auto& item : x) out.push_back(schema_to_value(item));
    return value{std::move(out)};
  }
}

}  // namespace detail

namespace detail {

/// @brief The segments of an override key: dots separate them, except inside "double quotes" or
/// [brackets], which make one literal segment (`SETUP.SAMPLERS[OPTIM.MOMENTUM]` names a new sampler).
/// Returns false for an empty segment or an unclosed quote or bracket.
inline bool split_override_key(std::string_view key, std::vector<std::pair<std::string, bool>>& out) {
  out.clear();
  std::string part;
  bool literal = false, had = false;
  for (std::size_t i = 0; i <= key.size(); ++i) {
    if (i == key.size() || key[i] == '.') {
      if (!had && part.empty()) return false;
      out.emplace_back(std::move(part), literal);
      part.clear();
      literal = had = false;
      continue;
    }
    if (key[i] == '"' || key[i] == '[') {
      auto close = key.find(key[i] == '"' ? '"' : ']', i + 1);
      if (key[i] == '[' && !part.empty() && !had) {  // SAMPLERS[OPTIM.BASE_LR]: a word, then a literal
        out.emplace_back(std::move(part), false);
        part.clear();
      }
      if (close == std::string_view::npos || !part.empty() || had) return false;
      part = std::string(key.substr(i + 1, close - i - 1));
      literal = had = true;
      i = close;
      if (i + 1 < key.size() && key[i + 1] != '.') return false;
      continue;
    }
    if (had) return false;
    part += key[i];
  }
  return !out.empty();
}

/// @brief The node an override key names, created (with the maps above it) if missing. Where a map
/// already holds a dotted key (a sampler's `OPTIM.BASE_LR` under SETUP.SAMPLERS), the longest run of
/// segments that spells one of its keys is taken as that key, so `SETUP.SAMPLERS.OPTIM.BASE_LR.RANGE`
/// reaches one field of one sampler. Null when a parent is not a map.
inline value* override_target(value& root, const std::vector<std::pair<std::string, bool>>& parts) {
  value* node = &root;
  for (std::size_t i = 0; i < parts.size();) {
    if (node->is_null()) *node = value{value::map{}};
    if (!node->is_map()) return nullptr;
    std::size_t used = 1;
    std::string key = parts[i].first;
    if (!parts[i].second) {
      std::string joined = parts[i].first;
      for (std::size_t j = i + 1; j < parts.size() && !parts[j].second; ++j) {
        joined += "." + parts[j].first;
        if (node->child(joined) != nullptr) {
          key = joined;
          used = j - i + 1;
        }
      }
    }
    value* next = node->child(key);
    if (next == nullptr) next = &node->as_map().emplace_back(key, value{}).second;
    node = next;
    i += used;
  }
  return node;
}

/// @brief An override key as error messages spell it: its segments joined by dots.
inline std::string override_key_path(const std::vector<std::pair<std::string, bool>>& parts) {
  std::string out;
  for (auto& [part, literal] : parts) out += (out.empty() ? "" : ".") + part;
  return out;
}

}  // namespace detail

/// @brief Overrides as KEY VALUE pairs: a `KEY=VALUE` word where a key is expected is split in two
/// (a value is never split: `LAUNCH.COMMAND "prog --a=b"` keeps its `=`).
inline std::vector<std::string> normalize_overrides(const std::vector<std::string>& overrides) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < overrides.size(); ++i) {
    const auto& word = overrides[i];
    auto eq = word.find('=');
    bool key_position = out.size() % 2 == 0;
    if (key_position && eq != std::string::npos && eq > 0 && word.find_first_of(" \t") > eq) {
      out.push_back(word.substr(0, eq));
      out.push_back(word.substr(eq + 1));
    } else {
      out.push_back(word);
    }
  }
  return out;
}

/// @brief Applies yacs-style overrides "KEY VALUE ..." (or `KEY=VALUE`) to a loaded tree (a sweep or job
/// config), as load_sweep_config and `sweep complexity` do; values are YAML scalars or flow lists. A key
/// reaches one field of a sampler whose key has dots (`SETUP.SAMPLERS.OPTIM.BASE_LR.RANGE`, or
/// `SETUP.SAMPLERS[OPTIM.BASE_LR].RANGE`). Throws sweep::error at `command line: KEY` for an odd count,
/// a bad key, or a key below a non-map.
/// @sa docs/yaml.md
inline void apply_overrides(value& root, const std::vector<std::string>& given) {
  auto overrides = normalize_overrides(given);
  if (overrides.size() % 2 != 0) {
    throw error({"command line", 0}, overrides.back(),
                fmt::format("override has no value: expected KEY VALUE pairs, e.g. `{0} VALUE` or `{0}=VALUE`", overrides.back()));
  }
  std::vector<std::pair<std::string, bool>> parts;
  for (std::size_t i = 0; i < overrides.size(); i += 2) {
    const auto& key = overrides[i];
    if (!detail::split_override_key(key, parts)) {
      throw error({"command line", 0}, key,
                  "expected a dotted key such as SETUP.NUM_CONFIGS (a sampler's field: "
                  "SETUP.SAMPLERS.OPTIM.BASE_LR.RANGE or SETUP.SAMPLERS[OPTIM.BASE_LR].RANGE)");
    }
    value parsed = load_yaml_text(overrides[i + 1], "command line: " + key);
    parsed.set_line(0);  // a line of the override's text is no line of the config file
    auto* target = detail::override_target(root, parts);
    if (target == nullptr) throw error({"command line", 0}, key, "a parent of this key is not a map");
    *target = std::move(parsed);
  }
}

/// @brief An error about a key that an override set, blamed on the command line (`command line: KEY: ...`)
/// rather than on the config file, whose text does not hold that value; nullopt for other errors.
inline std::optional<error> blame_override(const error& e, const std::vector<std::string>& given) {
  if (e.key_path().empty() || e.where().file == "command line") return std::nullopt;
  auto overrides = normalize_overrides(given);
  std::vector<std::pair<std::string, bool>> parts;
  for (std::size_t i = 0; i + 1 < overrides.size(); i += 2) {
    if (!detail::split_override_key(overrides[i], parts)) continue;
    auto key = detail::override_key_path(parts);
    const auto& path = e.key_path();
    if (path == key || (path.starts_with(key) && (path[key.size()] == '.' || path[key.size()] == '['))) {
      return error({"command line", 0}, path, e.message());
    }
  }
  return std::nullopt;
}

/// @brief A sweep config from a YAML value tree (already loaded); `file` names it in errors.
/// Keys and types are checked here, values by each stage as it starts (config/check.hpp); the
/// top-level keys every stage uses (ROOT_DIR, NAME, NUM_PROC) are checked here too.
inline sweep_config sweep_config_from_value(const value& root, const std::string& file) {
  sweep_config cfg;
  cfg.file = file;
  detail::schema_reader reader(file);
  if (!root.is_map()) reader.fail(root, "", "a sweep config (a map with NAME, SETUP, ...)");
  reader.read(root, "", cfg);
  cfg.source = std::make_shared<const value>(root);
  check_common_options(cfg);
  return cfg;
}

/// @brief Loads and checks a sweep config file, with yacs-style overrides "KEY VALUE ..." applied on top.
inline sweep_config load_sweep_config(const std::filesystem::path& file, const std::vector<std::string>& overrides = {}) {
  auto text = read_file(file);
  auto root = load_yaml_text(text, file.string());
  if (root.is_null()) root = value::map{};
  apply_overrides(root, overrides);
  sweep_config cfg;
  try {
    cfg = sweep_config_from_value(root, file.string());
  } catch (const error& e) {
    if (auto blamed = blame_override(e, overrides)) throw *blamed;
    throw;
  }
  cfg.text = overrides.empty() ? text : "# " + file.string() + " with overrides applied\n" + to_yaml(root, false);
  return cfg;
}

/// @brief A sweep config as YAML text: the text it was loaded from, or its schema written out (sweeps as code).
inline std::string sweep_config_yaml(const sweep_config& cfg) {
  return cfg.text.empty() ? to_yaml(detail::schema_to_value(cfg), false) : cfg.text;
}

/// @brief The sweep's folder, ROOT_DIR/NAME.
inline std::filesystem::path sweep_dir(const sweep_config& cfg) {
  return std::filesystem::path(cfg.root_dir) / cfg.name;
}

}  // namespace sweep
