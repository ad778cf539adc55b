// Loading a sweep config: YAML (plus yacs-style "KEY VALUE" overrides) into the
// sweep_config structs. The schema is the structs themselves (read through
// Hana), so an unknown key, a wrong type or a bad value is reported with the
// file, the line, the key path and what was expected.
#pragma once

#include <sweep/config/detail/suggest.hpp>
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
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
        auto full = path.empty() ? key : path + "." + key;
        throw error({file_, child.line()}, full, "unknown key" + did_you_mean(key, keys));
      }
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

/// @brief The line of the node at a dotted path of the loaded tree (0 when it was not written).
inline int line_of(const value& root, std::string_view path) {
  auto* node = root.find(path);
  return node != nullptr ? node->line() : 0;
}

/// @brief Applies yacs-style overrides "KEY VALUE ..." to the loaded tree; values are YAML scalars or flow lists.
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

inline void require(bool ok, const value& root, const std::string& file, const std::string& path,
                    std::string_view expected) {
  if (!ok) throw error({file, line_of(root, path)}, path, std::string(expected));
}

/// @brief NAME must stay inside ROOT_DIR: relative, no "..", no empty or control characters.
inline void validate_name(const std::string& name, const value& root, const std::string& file) {
  require(!name.empty(), root, file, "NAME", "is required: expected the sweep's name, e.g. cifar/cifar_optim");
  bool control = std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
  require(!control, root, file, "NAME", "must not contain control characters (newlines, tabs, ...)");
  std::filesystem::path p(name);
  require(!p.is_absolute() && name.front() != '/', root, file, "NAME",
          fmt::format("'{}' is absolute: expected a relative name inside ROOT_DIR", name));
  for (auto& part : p) {
    require(part != ".." && part != ".", root, file, "NAME",
            fmt::format("'{}' has a '{}' part: expected a name that stays inside ROOT_DIR", name, part.string()));
  }
  require(name.find("//") == std::string::npos && name.back() != '/', root, file, "NAME",
          fmt::format("'{}' has an empty part: expected parts separated by single '/'", name));
}

inline void validate(const sweep_config& cfg, const value& root) {
  const auto& f = cfg.file;
  require(!cfg.root_dir.empty(), root, f, "ROOT_DIR", "must not be empty: expected the folder sweeps go in");
  validate_name(cfg.name, root, f);
  require(cfg.num_proc >= 1, root, f, "NUM_PROC", fmt::format("expected at least 1, got {}", cfg.num_proc));
  const auto& s = cfg.setup;
  bool finite_space = !s.space.is_null();
  require(s.num_configs > 0 || (finite_space && s.num_configs == 0), root, f, "SETUP.NUM_CONFIGS",
          fmt::format("expected a number of configs > 0, got {}", s.num_configs));
  require(s.num_samples >= 1, root, f, "SETUP.NUM_SAMPLES", fmt::format("expected at least 1, got {}", s.num_samples));
  require(s.chunk_size >= 1, root, f, "SETUP.CHUNK_SIZE", fmt::format("expected at least 1, got {}", s.chunk_size));
  require(s.rng_seed >= 0 && s.rng_seed <= 0xFFFFFFFFLL, root, f, "SETUP.RNG_SEED",
          fmt::format("expected a seed in [0, 2**32 - 1], got {}", s.rng_seed));
  require(s.base_cfg.is_null() || s.base_cfg.is_map(), root, f, "SETUP.BASE_CFG", "expected a map (the job's config)");
  require(s.samplers.is_null() || s.samplers.is_map(), root, f, "SETUP.SAMPLERS", "expected a map: dotted key -> sampler");
  auto check_cx = [&](const char* key, const std::array<double, 2>& range) {
    auto path = std::string("SETUP.CONSTRAINTS.CX.") + key;
    require(range[0] >= 0 && range[1] >= 0, root, f, path, "expected [low, high] with bounds >= 0 (0: no bound)");
    require(range[1] == 0 || range[0] <= range[1], root, f, path,
            fmt::format("low {} is greater than high {}: expected [low, high]", range[0], range[1]));
  };
  check_cx("FLOPS", s.constraints.cx.flops);
  check_cx("PARAMS", s.constraints.cx.params);
  check_cx("ACTS", s.constraints.cx.acts);
  auto& stages = s.constraints.regnet.num_stages;
  require(stages[0] >= 1 && stages[0] <= stages[1], root, f, "SETUP.CONSTRAINTS.REGNET.NUM_STAGES",
          fmt::format("expected [low, high] with 1 <= low <= high, got [{}, {}]", stages[0], stages[1]));
  const auto& l = cfg.launch;
  require(l.backend == "local" || l.backend == "slurm", root, f, "LAUNCH.BACKEND",
          fmt::format("expected local or slurm, got '{}'", l.backend));
  require(l.parallel_jobs >= 1, root, f, "LAUNCH.PARALLEL_JOBS", fmt::format("expected at least 1, got {}", l.parallel_jobs));
  require(l.max_retry >= 0, root, f, "LAUNCH.MAX_RETRY", fmt::format("expected 0 or more, got {}", l.max_retry));
  require(l.num_gpus >= 0, root, f, "LAUNCH.NUM_GPUS", fmt::format("expected 0 or more, got {}", l.num_gpus));
  require(l.cpus_per_gpu >= 1, root, f, "LAUNCH.CPUS_PER_GPU", fmt::format("expected at least 1, got {}", l.cpus_per_gpu));
  require(l.mem_per_gpu >= 0, root, f, "LAUNCH.MEM_PER_GPU", fmt::format("expected 0 or more GB, got {}", l.mem_per_gpu));
  require(l.time_limit >= 1, root, f, "LAUNCH.TIME_LIMIT", fmt::format("expected at least 1 minute, got {}", l.time_limit));
  const auto& keep = cfg.collect.checkpoints_keep;
  require(keep == "all" || keep == "last" || keep == "none", root, f, "COLLECT.CHECKPOINTS_KEEP",
          fmt::format("expected one of all, last, none; got '{}'", keep));
  const auto& a = cfg.analyze;
  for (auto [key, count] : {std::pair{"PLOT_CURVES_BEST", a.plot_curves_best}, {"PLOT_CURVES_WORST", a.plot_curves_worst},
                            {"PLOT_MODELS_BEST", a.plot_models_best}, {"PLOT_MODELS_WORST", a.plot_models_worst}}) {
    require(count >= 0, root, f, std::string("ANALYZE.") + key, fmt::format("expected 0 or more, got {}", count));
  }
  auto check_filters = [&](const std::string& path, const filter_set& filters) {
    for (auto& [metric, range] : filters) {
      require(range[0] <= range[2], root, f, path + "." + metric,
              fmt::format("min {} is greater than max {}: expected [min, med, max]", range[0], range[2]));
    }
  };
  check_filters("ANALYZE.PRE_FILTERS", a.pre_filters);
  for (auto& [name, filters] : a.split_filters) check_filters("ANALYZE.SPLIT_FILTERS." + name, filters);
}

}  // namespace detail

/// @brief A sweep config from a YAML value tree (already loaded); `file` names it in errors.
inline sweep_config sweep_config_from_value(const value& root, const std::string& file) {
  sweep_config cfg;
  cfg.file = file;
  detail::schema_reader reader(file);
  if (!root.is_map()) reader.fail(root, "", "a sweep config (a map with NAME, SETUP, ...)");
  reader.read(root, "", cfg);
  detail::validate(cfg, root);
  return cfg;
}

/// @brief Loads and checks a sweep config file, with yacs-style overrides "KEY VALUE ..." applied on top.
inline sweep_config load_sweep_config(const std::filesystem::path& file, const std::vector<std::string>& overrides = {}) {
  auto text = read_text_file(file);
  auto root = load_yaml_text(text, file.string());
  if (root.is_null()) root = value::map{};
  detail::apply_overrides(root, overrides);
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
