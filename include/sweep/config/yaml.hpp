// YAML <-> sweep::value. Scalars resolve as pycls's YAML loader would see them
// (bools, ints, floats, null; quoted scalars stay strings), and every value
// keeps the line it came from so errors can point at it.
#pragma once

#include <sweep/base/files.hpp>
#include <sweep/error.hpp>
#include <sweep/value.hpp>

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace sweep {

namespace detail {

inline bool is_one_of(std::string_view s, std::initializer_list<std::string_view> words) {
  return std::find(words.begin(), words.end(), s) != words.end();
}

/// @brief A plain (unquoted) YAML scalar as YAML 1.1 resolves it: null, bool, int, float or string.
inline value resolve_plain_scalar(std::string_view s) {
  if (s.empty() || is_one_of(s, {"~", "null", "Null", "NULL"})) return value{};
  if (is_one_of(s, {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"})) return value{true};
  if (is_one_of(s, {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"})) return value{false};
  if (is_one_of(s, {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"})) return value{std::numeric_limits<double>::infinity()};
  if (is_one_of(s, {"-.inf", "-.Inf", "-.INF"})) return value{-std::numeric_limits<double>::infinity()};
  if (is_one_of(s, {".nan", ".NaN", ".NAN"})) return value{std::numeric_limits<double>::quiet_NaN()};
  std::string_view digits = s;
  if (digits.front() == '+') digits.remove_prefix(1);
  auto first = digits.data(), last = digits.data() + digits.size();
  std::int64_t i = 0;
  if (auto [p, ec] = std::from_chars(first, last, i); ec == std::errc{} && p == last) return value{i};
  // A float needs a digit and no characters from_chars would silently accept as special names.
  bool numeric = std::any_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
                 std::all_of(digits.begin(), digits.end(), [](char c) {
                   return (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+';
                 });
  double d = 0;
  if (auto [p, ec] = std::from_chars(first, last, d); numeric && ec == std::errc{} && p == last) return value{d};
  return value{std::string(s)};
}

/// @brief The most values one YAML text may expand to: aliases share nodes in yaml-cpp, so a few
/// lines of nested aliases (a "billion laughs") would otherwise expand to billions of values.
inline constexpr std::size_t max_yaml_values = std::size_t{1} << 20;

/// @brief The deepest nesting of values: beyond the parser's own guard only an alias that contains
/// itself (a cycle, which would recurse until the stack overflows) gets here.
inline constexpr int max_yaml_depth = 1000;

/// @brief The fewest bytes one YAML text may expand to (scalars, keys, and the indentation each value
/// gets when written back as a job config); beyond it, a text may expand to max_yaml_growth times its
/// own size. Aliases that repeat anchors are what grows a text, and every job config carries the
/// expanded copy: under the values budget alone a 613-byte config made 21 MB job configs.
inline constexpr std::size_t min_yaml_expanded_bytes = std::size_t{1} << 20;
inline constexpr std::size_t max_yaml_growth = 8;

/// @brief Where a document first breaks max_yaml_values or max_yaml_depth: the key path (built only
/// along the failing chain, as the walk unwinds) and the line.
struct yaml_limit_breach {
  bool too_deep = false;
  int line = 0;
  std::vector<std::string> reversed_path;  // "[i]" and ".KEY", innermost first

  std::string path() const {
    std::string out;
    for (auto it = reversed_path.rbegin(); it != reversed_path.rend(); ++it) out += *it;
    return out.starts_with('.') ? out.substr(1) : out;
  }
};

/// @brief Whether a document stays within max_yaml_values values and max_yaml_depth levels: counted
/// before the conversion, so those limits keep their own messages however the bytes add up, and
/// without building a key path per value (an alias inside itself made that walk quadratic).
inline bool within_yaml_value_limits(const YAML::Node& node, std::size_t& count, yaml_limit_breach& breach, int depth = 0) {
  if (++count > max_yaml_values || depth > max_yaml_depth) {
    breach.too_deep = depth > max_yaml_depth;
    breach.line = node.Mark().line + 1;
    return false;
  }
  if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i) {
      if (!within_yaml_value_limits(node[i], count, breach, depth + 1)) {
        breach.reversed_path.push_back(fmt::format("[{}]", i));
        return false;
      }
    }
  } else if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (!within_yaml_value_limits(it->second, count, breach, depth + 1)) {
        breach.reversed_path.push_back("." + (it->first.IsScalar() ? it->first.Scalar() : std::string("?")));
        return false;
      }
    }
  }
  return true;
}

/// @brief What one YAML text may still expand to in bytes (scalars, keys, indentation).
struct yaml_budget {
  std::size_t bytes = min_yaml_expanded_bytes;
  std::size_t max_bytes = min_yaml_expanded_bytes;

  /// @brief The budget of a text of `text_bytes` bytes.
  static yaml_budget for_text(std::size_t text_bytes) {
    yaml_budget b;
    b.bytes = b.max_bytes = std::max(min_yaml_expanded_bytes, text_bytes * max_yaml_growth);
    return b;
  }
};

/// @brief Charges `n` bytes to the budget, or throws naming the file, line and key path.
inline void spend_yaml_bytes(yaml_budget& budget, std::size_t n, const std::string& file, int line, const std::string& path) {
  if (n > budget.bytes) {
    throw error({file, line}, path.substr(0, 200),
                fmt::format("the YAML expands to more than {} bytes (aliases repeating large anchors?): expected a "
                            "smaller config", budget.max_bytes));
  }
  budget.bytes -= n;
}

inline value from_yaml_node(const YAML::Node& node, const std::string& file, const std::string& path,
                            yaml_budget& budget, int depth = 0) {
  int line = node.Mark().line + 1;  // within_yaml_value_limits has bounded the values and the depth
  // what the value costs in a job config written as YAML: its indentation and "- " or ": "
  spend_yaml_bytes(budget, 2 * static_cast<std::size_t>(depth) + 2, file, line, path);
  auto where = [&] { return source_location{file, line}; };
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return value{}.set_line(line);
    case YAML::NodeType::Scalar: {
      spend_yaml_bytes(budget, node.Scalar().size(), file, line, path);
      // "!" is the tag yaml-cpp gives quoted scalars: they are strings whatever they look like.
      if (node.Tag() == "!") return value{node.Scalar()}.set_line(line);
      return resolve_plain_scalar(node.Scalar()).set_line(line);
    }
    case YAML::NodeType::Sequence: {
      value::list items;
      items.reserve(node.size());
      for (std::size_t i = 0; i < node.size(); ++i) {
        items.push_back(from_yaml_node(node[i], file, fmt::format("{}[{}]", path, i), budget, depth + 1));
      }
      value out{std::move(items)};  // not `value{...}.set_line()`: that returns a reference, and
      out.set_line(line);             // copying each level's subtree made deep documents quadratic
      return out;
    }
    case YAML::NodeType::Map: {
      value::map entries;
      std::unordered_set<std::string> keys;  // a linear scan per key made a 10,000-key map quadratic
      for (auto it = node.begin(); it != node.end(); ++it) {
        if (!it->first.IsScalar()) throw error(where(), path, "map keys must be plain names");
        auto key = it->first.Scalar();
        auto child_path = path.empty() ? key : path + "." + key;
        spend_yaml_bytes(budget, key.size(), file, it->first.Mark().line + 1, child_path);
        if (!keys.insert(key).second) {
          throw error({file, it->first.Mark().line + 1}, child_path, "duplicate key");
        }
        entries.emplace_back(key, from_yaml_node(it->second, file, child_path, budget, depth + 1));
      }
      value out{std::move(entries)};
      out.set_line(line);
      return out;
    }
  }
  return value{};
}

/// @brief Rejects bytes that are not UTF-8 or are control characters, which YAML does not allow and later
/// stages could not print. UTF-8 means the shortest form of a Unicode scalar value: overlong encodings
/// (0xc0 0xaf for '/'), UTF-16 surrogates (U+D800-DFFF) and code points above U+10FFFF are refused too,
/// as Python's decoder refuses them, so they never reach job configs or the report.
inline void check_utf8(std::string_view text, const std::string& file) {
  int line = 1;
  auto bytes = [&](std::size_t i, int n) {
    std::string out;
    for (int k = 0; k < n && i + static_cast<std::size_t>(k) < text.size(); ++k) {
      out += fmt::format("{}0x{:02x}", k ? " " : "", static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]));
    }
    return out;
  };
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    int extra = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xe ? 2 : (c >> 3) == 0x1e ? 3 : -1;
    bool ok = extra >= 0 && i + static_cast<std::size_t>(extra) < text.size() + (extra == 0 ? 1 : 0);
    for (int k = 1; ok && k <= extra; ++k) ok = (static_cast<unsigned char>(text[i + k]) >> 6) == 0x2;
    if (!ok) throw error({file, line}, "", fmt::format("invalid UTF-8 byte 0x{:02x}: expected UTF-8 text", c));
    if (extra > 0) {
      std::uint32_t cp = c & (0x3fu >> extra);
      for (int k = 1; k <= extra; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3fu);
      constexpr std::uint32_t shortest[] = {0, 0x80, 0x800, 0x10000};
      if (cp < shortest[extra]) {
        throw error({file, line}, "", fmt::format("overlong UTF-8 encoding of U+{:04X} (bytes {}): expected UTF-8 text "
                                                  "in its shortest form", cp, bytes(i, extra + 1)));
      }
      if (cp >= 0xd800 && cp <= 0xdfff) {
        throw error({file, line}, "", fmt::format("UTF-16 surrogate U+{:04X} encoded as UTF-8 (bytes {}): expected "
                                                  "UTF-8 text", cp, bytes(i, extra + 1)));
      }
      if (cp > 0x10ffff) {
        throw error({file, line}, "", fmt::format("code point U+{:X} is above U+10FFFF (bytes {}): expected UTF-8 "
                                                  "text", cp, bytes(i, extra + 1)));
      }
    }
    // YAML (and PyYAML) allow no control characters but tab and line ends.
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
      throw error({file, line}, "", fmt::format("control character 0x{:02x}: expected printable text", c));
    }
    if (c == '\n') ++line;
    i += static_cast<std::size_t>(extra) + 1;
  }
}

}  // namespace detail

/// @brief Parses YAML text into a value; `file` names it in errors.
inline value load_yaml_text(std::string_view text, const std::string& file = "<yaml>") {
  detail::check_utf8(text, file);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::DeepRecursion& e) {
    throw error({file, e.mark.line + 1}, "", fmt::format("invalid YAML: nested more than {} levels deep", e.depth()));
  } catch (const YAML::Exception& e) {
    throw error({file, e.mark.line + 1}, "", fmt::format("invalid YAML: {}", e.msg));
  }
  std::size_t count = 0;
  detail::yaml_limit_breach breach;
  if (!detail::within_yaml_value_limits(root, count, breach)) {
    auto path = breach.path().substr(0, 200);
    if (breach.too_deep) {
      throw error({file, breach.line}, path,
                  fmt::format("nested more than {} levels deep (an alias inside itself?): expected a smaller config",
                              detail::max_yaml_depth));
    }
    throw error({file, breach.line}, path,
                fmt::format("the YAML expands to more than {} values (nested aliases?): expected a smaller config",
                            detail::max_yaml_values));
  }
  auto budget = detail::yaml_budget::for_text(text.size());
  return detail::from_yaml_node(root, file, "", budget);
}

/// @brief Parses a YAML file into a value.
inline value load_yaml_file(const std::filesystem::path& file) {
  return load_yaml_text(read_file(file), file.string());
}

namespace detail {

/// @brief A float as PyYAML writes it: repr() with a '.' before any exponent.
inline std::string yaml_float(double d) {
  if (std::isnan(d)) return ".nan";
  if (std::isinf(d)) return d > 0 ? ".inf" : "-.inf";
  auto text = python_float_repr(d);
  if (auto e = text.find('e'); e != std::string::npos && text.find('.') == std::string::npos) {
    text.insert(e, ".0");
  }
  return text;
}

inline void emit_yaml(YAML::Emitter& out, const value& v, bool sort_keys) {
  std::visit(
      [&](auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          out << YAML::Null;
        } else if constexpr (std::is_same_v<T, bool>) {
          out << YAML::TrueFalseBool << YAML::LowerCase << x;
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          out << fmt::format("{}", x);
        } else if constexpr (std::is_same_v<T, double>) {
          out << yaml_float(x);
        } else if constexpr (std::is_same_v<T, std::string>) {
          // A string that would read back as another type (or is empty) must be quoted.
          bool multiline = x.find('\n') != std::string::npos;
          if (multiline) {
            out << YAML::DoubleQuoted << x;
          } else if (x.empty() || !resolve_plain_scalar(x).is_string()) {
            out << YAML::SingleQuoted << x;
          } else {
            out << x;
          }
        } else if constexpr (std::is_same_v<T, value::list>) {
          if (x.empty()) {
            out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
            return;
          }
          out << YAML::BeginSeq;
          for (auto& item : x) emit_yaml(out, item, sort_keys);
          out << YAML::EndSeq;
        } else {
          if (x.empty()) {
            out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
            return;
          }
          std::vector<const std::pair<std::string, value>*> entries;
          for (auto& e : x) entries.push_back(&e);
          if (sort_keys) {
            std::sort(entries.begin(), entries.end(), [](auto* a, auto* b) { return a->first < b->first; });
          }
          out << YAML::BeginMap;
          for (auto* e : entries) {
            out << YAML::Key << e->first << YAML::Value;
            emit_yaml(out, e->second, sort_keys);
          }
          out << YAML::EndMap;
        }
      },
      v.data());
}

}  // namespace detail

/// @brief YAML text of a value, keys sorted like pycls's config dumps (or in order with sort_keys=false).
inline std::string to_yaml(const value& v, bool sort_keys = true) {
  YAML::Emitter out;
  out.SetIndent(2);
  detail::emit_yaml(out, v, sort_keys);
  std::string text = out.c_str();
  return text + "\n";
}

}  // namespace sweep
