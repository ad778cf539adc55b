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
      out.emplace_back(upper(boost::hana::to<char const*>(boost::hana::first(pair))),
                       schema_to_value(boost::hana::second(pair)(x)));
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

/// @brief Applies yacs-style overrides "KEY VALUE ..." to a loaded tree (a sweep or job config), as
/// load_sweep_config and `sweep complexity` do; values are YAML scalars or flow lists. Throws sweep::error
/// naming the key for an odd count, a bad key, or a key below a non-map.
/// @sa docs/yaml.md
inline void apply_overrides(value& root, const std::vector<std::string>& overrides) {
  if (overrides.size() % 2 != 0) {
    throw error({"command line", 0}, overrides.back(), "override has no value: expected KEY VALUE pairs");
  }
  for (std::size_t i = 0; i < overrides.size(); i += 2) {
    const auto& key = overrides[i];
    if (key.empty() || key.front() == '.' || key.back() == '.' || key.find("..") != std::string::npos) {
      throw error({"command line", 0}, key, "expected a dotted key such as SETUP.NUM_CONFIGS");
    }
    value parsed = load_yaml_text(overrides[i + 1], "command line");
    parsed.set_line(0);  // a line of the override's text is no line of the config file
    try {
      root.at_path(key) = std::move(parsed);
    } catch (const error&) {
      throw error({"command line", 0}, key, "a parent of this key is not a map");
    }
  }
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
  auto cfg = sweep_config_from_value(root, file.string());
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
