// The job config of digits_train: a pycls-style YAML file plus KEY VALUE
// overrides from the command line. pycls job configs carry many keys this
// program does not use, so unknown keys are kept (they are logged in the cfg
// record) but never an error; a key it does use must have the right type.
#pragma once

#include <sweep/error.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace digits {

// Helpers of the config reader, public so digits_train can use them too.

/// @brief The JSON value of a plain YAML scalar, resolved the way PyYAML does
/// (null, bool, int, float, else string), but also accepting 1e-5 as a float.
inline nlohmann::json resolve_scalar(const std::string& text) {
  static constexpr std::array nulls{"", "~", "null", "Null", "NULL"};
  static constexpr std::array trues{"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"};
  static constexpr std::array falses{"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"};
  for (auto* s : nulls) if (text == s) return nullptr;
  for (auto* s : trues) if (text == s) return true;
  for (auto* s : falses) if (text == s) return false;
  const char* first = text.data() + (text.front() == '+' ? 1 : 0);
  const char* last = text.data() + text.size();
  std::int64_t i = 0;
  if (auto [end, ec] = std::from_chars(first, last, i); ec == std::errc{} && end == last) return i;
  double d = 0;
  if (auto [end, ec] = std::from_chars(first, last, d); ec == std::errc{} && end == last) {
    // from_chars also reads "inf"/"nan"; YAML spells them .inf/.nan, so those stay strings.
    if (std::isfinite(d)) return d;
  }
  if (text == ".inf" || text == ".Inf" || text == "+.inf") return std::numeric_limits<double>::infinity();
  if (text == "-.inf" || text == "-.Inf") return -std::numeric_limits<double>::infinity();
  if (text == ".nan" || text == ".NaN") return std::numeric_limits<double>::quiet_NaN();
  return text;
}

/// @brief The kind of a JSON value in words, for error messages.
inline std::string kind_of(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::boolean: return "a bool";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned: return "an integer";
    case nlohmann::json::value_t::number_float: return "a float";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::array: return "a list";
    case nlohmann::json::value_t::object: return "a map";
    default: return "a value";
  }
}

/// @brief Splits "OPTIM.BASE_LR" into {"OPTIM", "BASE_LR"}.
inline std::vector<std::string> split_key(std::string_view key) {
  std::vector<std::string> parts;
  for (std::size_t start = 0;;) {
    auto dot = key.find('.', start);
    parts.emplace_back(key.substr(start, dot == std::string_view::npos ? key.npos : dot - start));
    if (dot == std::string_view::npos) return parts;
    start = dot + 1;
  }
}

/// @brief A job config tree with where each value came from, and typed reads with defaults.
class job_config {
 public:
  /// @brief Loads `file` (YAML) and merges `overrides` (KEY VALUE KEY VALUE ...) into it.
  static job_config load(const std::filesystem::path& file, const std::vector<std::string>& overrides) {
    job_config cfg;
    cfg.file_ = file.string();
    std::ifstream in(file);
    if (!in) throw sweep::error({cfg.file_}, "", "cannot open the job config file");
    YAML::Node root;
    try {
      root = YAML::Load(in);
    } catch (const YAML::Exception& e) {
      throw sweep::error({cfg.file_, e.mark.line + 1}, "", fmt::format("not valid YAML: {}", e.msg));
    }
    if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
    if (!root.IsMap()) {
      throw sweep::error({cfg.file_, root.Mark().line + 1}, "", "expected a map of config keys at the top");
    }
    cfg.tree_ = cfg.convert(root, "", {cfg.file_, 0});
    if (overrides.size() % 2 != 0) {
      throw sweep::error({"command line"}, overrides.back(),
                         "expected KEY VALUE pairs after the options, but this key has no value");
    }
    for (std::size_t i = 0; i < overrides.size(); i += 2) cfg.set_from_text(overrides[i], overrides[i + 1]);
    return cfg;
  }

  /// @brief The whole tree (file, overrides and every default read so far).
  [[nodiscard]] const nlohmann::json& tree() const noexcept { return tree_; }
  [[nodiscard]] const std::string& file() const noexcept { return file_; }

  /// @brief A number (an integer converts); `fallback` when the key is missing (and recorded).
  double get_float(std::string_view key, double fallback) {
    auto& v = find_or_default(key, fallback);
    if (!v.is_number()) fail(key, "expected a number", v);
    return v.get<double>();
  }

  /// @brief An integer.
  std::int64_t get_int(std::string_view key, std::int64_t fallback) {
    auto& v = find_or_default(key, fallback);
    if (!v.is_number_integer()) fail(key, "expected an integer", v);
    return v.get<std::int64_t>();
  }

  /// @brief A bool (true/false, as in YAML).
  bool get_bool(std::string_view key, bool fallback) {
    auto& v = find_or_default(key, fallback);
    if (!v.is_boolean()) fail(key, "expected true or false", v);
    return v.get<bool>();
  }

  /// @brief A string.
  std::string get_string(std::string_view key, std::string fallback) {
    auto& v = find_or_default(key, std::move(fallback));
    if (!v.is_string()) fail(key, "expected a string", v);
    return v.get<std::string>();
  }

  /// @brief A list of integers.
  std::vector<std::int64_t> get_int_list(std::string_view key, std::vector<std::int64_t> fallback) {
    auto& v = find_or_default(key, fallback);
    if (!v.is_array()) fail(key, "expected a list of integers", v);
    std::vector<std::int64_t> out;
    for (auto& item : v) {
      if (!item.is_number_integer()) fail(key, "expected a list of integers", v);
      out.push_back(item.get<std::int64_t>());
    }
    return out;
  }

  /// @brief Throws sweep::error naming the file, line and key of `key`'s value.
  [[noreturn]] void fail(std::string_view key, std::string_view expected, const nlohmann::json& got) const {
    throw sweep::error(where(key), std::string(key), fmt::format("{}, got {} ({})", expected,
                                                                  kind_of(got), got.dump()));
  }

  /// @brief Where the value of `key` came from (file and line, "command line", or "default").
  [[nodiscard]] sweep::source_location where(std::string_view key) const {
    if (auto it = lines_.find(std::string(key)); it != lines_.end()) return it->second;
    return {file_};
  }

  /// @brief Writes the tree as YAML (keys sorted), to a temporary file then renamed.
  void write_yaml(const std::filesystem::path& out) const {
    YAML::Emitter emitter;
    emit(emitter, tree_);
    auto tmp = out;
    tmp += ".tmp";
    {
      std::ofstream file(tmp);
      file << emitter.c_str() << '\n';
      if (!file) throw sweep::error({tmp.string()}, "", "cannot write the config file");
    }
    std::filesystem::rename(tmp, out);
  }

 private:
  nlohmann::json convert(const YAML::Node& node, const std::string& key, const sweep::source_location& origin) {
    auto line = origin.line == 0 && origin.file == file_ ? node.Mark().line + 1 : origin.line;
    if (!key.empty()) lines_[key] = {origin.file, line};
    switch (node.Type()) {
      case YAML::NodeType::Map: {
        auto out = nlohmann::json::object();
        for (auto it = node.begin(); it != node.end(); ++it) {
          auto name = it->first.as<std::string>();
          out[name] = convert(it->second, key.empty() ? name : key + "." + name, origin);
        }
        return out;
      }
      case YAML::NodeType::Sequence: {
        auto out = nlohmann::json::array();
        for (auto item : node) out.push_back(convert(item, "", origin));
        return out;
      }
      case YAML::NodeType::Scalar:
        // A quoted scalar has the non-specific tag "!": it is a string whatever it looks like.
        return node.Tag() == "!" ? nlohmann::json(node.Scalar()) : resolve_scalar(node.Scalar());
      default:
        return nullptr;
    }
  }

  void set_from_text(const std::string& key, const std::string& text) {
    YAML::Node node;
    try {
      node = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      throw sweep::error({"command line"}, key, fmt::format("the value '{}' is not valid YAML: {}", text, e.msg));
    }
    auto parts = split_key(key);
    nlohmann::json* at = &tree_;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      auto& next = (*at)[parts[i]];
      if (next.is_null()) next = nlohmann::json::object();
      if (!next.is_object()) {
        throw sweep::error({"command line"}, key, fmt::format("'{}' is not a map of keys", parts[i]));
      }
      at = &next;
    }
    (*at)[parts.back()] = convert(node, key, {"command line", 0});
  }

  template <class T>
  nlohmann::json& find_or_default(std::string_view key, T fallback) {
    nlohmann::json* at = &tree_;
    std::string prefix;
    for (auto& part : split_key(key)) {
      if (at->is_null()) *at = nlohmann::json::object();
      if (!at->is_object()) {
        throw sweep::error(where(prefix), prefix, fmt::format("expected a map of keys (holding {}), got {}", part,
                                                              kind_of(*at)));
      }
      prefix += (prefix.empty() ? "" : ".") + part;
      at = &(*at)[part];
    }
    if (at->is_null()) {
      *at = std::move(fallback);
      lines_[std::string(key)] = {"default"};
    }
    return *at;
  }

  static void emit(YAML::Emitter& out, const nlohmann::json& j) {
    switch (j.type()) {
      case nlohmann::json::value_t::object:
        out << YAML::BeginMap;
        for (auto& [k, v] : j.items()) {
          out << YAML::Key << k << YAML::Value;
          emit(out, v);
        }
        out << YAML::EndMap;
        break;
      case nlohmann::json::value_t::array:
        out << YAML::Flow << YAML::BeginSeq;
        for (auto& v : j) emit(out, v);
        out << YAML::EndSeq;
        break;
      case nlohmann::json::value_t::string: {
        // Quote strings that would read back as another type ("1", "true", "").
        auto& s = j.get_ref<const std::string&>();
        if (!resolve_scalar(s).is_string()) out << YAML::DoubleQuoted;
        out << s;
        break;
      }
      case nlohmann::json::value_t::boolean: out << j.get<bool>(); break;
      case nlohmann::json::value_t::number_float: {
        // Keep a '.' so the value reads back as a float (yaml-cpp writes 1.0 as "1").
        auto text = fmt::format("{}", j.get<double>());
        if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
        out << text;
        break;
      }
      case nlohmann::json::value_t::null: out << YAML::Null; break;
      default: out << j.dump(); break;
    }
  }

  nlohmann::json tree_ = nlohmann::json::object();
  std::string file_;
  std::map<std::string, sweep::source_location> lines_;  // dotted key -> where its value came from
};

}  // namespace digits
