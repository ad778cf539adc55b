// sweep::value: a YAML-like tree (null, bool, int, float, string, list, ordered
// map). Job configs, BASE_CFG and the values a sampler draws are all values, so
// every stage speaks one vocabulary. Printing follows Python's str(), because
// pycls's config keys ("OPTIM.BASE_LR 0.5 ...") are made with it.
#pragma once

#include <sweep/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace sweep {

namespace detail {

/// @brief Appends Python's repr() of a float: shortest round-trip digits, fixed notation
/// for exponents in [-4, 16), scientific otherwise, and always a '.' or 'e'. It allocates
/// nothing beyond `out`'s growth: setup prints millions of these.
inline void append_python_float_repr(std::string& out, double x) {
  if (std::isnan(x)) {
    out += "nan";
    return;
  }
  if (std::isinf(x)) {
    out += x > 0 ? "inf" : "-inf";
    return;
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<std::size_t>(end - buf));  // e.g. -5.29758e-05
  if (sci.front() == '-') {
    out += '-';
    sci.remove_prefix(1);
  }
  auto e_pos = sci.find('e');
  int exponent = 0;
  std::from_chars(sci.data() + e_pos + 1 + (sci[e_pos + 1] == '+'), sci.data() + sci.size(), exponent);
  char digits[24];
  int n = 0;
  for (char c : sci.substr(0, e_pos)) {
    if (c != '.') digits[n++] = c;
  }
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) {
      out += "0.";
      out.append(static_cast<std::size_t>(-exponent - 1), '0');
      out.append(digits, static_cast<std::size_t>(n));
    } else if (exponent + 1 >= n) {
      out.append(digits, static_cast<std::size_t>(n));
      out.append(static_cast<std::size_t>(exponent + 1 - n), '0');
      out += ".0";
    } else {
      out.append(digits, static_cast<std::size_t>(exponent + 1));
      out += '.';
      out.append(digits + exponent + 1, static_cast<std::size_t>(n - exponent - 1));
    }
    return;
  }
  out += digits[0];
  if (n > 1) {
    out += '.';
    out.append(digits + 1, static_cast<std::size_t>(n - 1));
  }
  out += exponent < 0 ? "e-" : "e+";
  int magnitude = std::abs(exponent);
  if (magnitude < 10) out += '0';
  char exp_digits[8];
  auto [exp_end, exp_ec] = std::to_chars(exp_digits, exp_digits + sizeof exp_digits, magnitude);
  out.append(exp_digits, exp_end);
}

/// @brief The length of Python's repr() of the float written as `decimal` (JSON text such as
/// "12.3400", whose repr "12.34" is always a prefix of it), read off the text when it can be: a
/// decimal of at most 15 significant digits (DBL_DIG) round-trips, so no shorter one maps to the
/// same double and those digits are the repr's. 0 for anything else (exponents, longer or tiny
/// numbers, text that is not a JSON number). Collect meets millions of fixed-point floats, where
/// this is ~5x cheaper than formatting, and the repr needs no copy.
inline std::size_t decimal_repr_length(std::string_view decimal) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  std::size_t i = decimal.starts_with('-') ? 1 : 0;
  const std::size_t whole_at = i;
  while (i < decimal.size() && digit(decimal[i])) ++i;
  const std::size_t whole = i - whole_at, point = i;
  if (whole == 0 || i == decimal.size() || decimal[i] != '.') return 0;
  const bool zero_whole = decimal[whole_at] == '0';
  if (zero_whole && whole > 1) return 0;  // not JSON's form of a number
  // One pass over the fraction: its first and last non-zero digits.
  std::size_t first = 0, last = 0;  // 0: none (both lie after the point)
  for (++i; i < decimal.size(); ++i) {
    if (!digit(decimal[i])) return 0;
    if (decimal[i] != '0') {
      if (first == 0) first = i;
      last = i;
    }
  }
  if (i == point + 1) return 0;  // no digit after the point
  const std::size_t fraction = last == 0 ? 0 : last - point;  // without its trailing zeros
  if (zero_whole && fraction == 0) return point + 2;  // a zero: "0.0" or "-0.0"
  // The first significant digit's power of ten, and how many significant digits there are.
  long long exponent = 0;
  std::size_t significant = 0;
  if (zero_whole) {
    exponent = -static_cast<long long>(first - point);
    significant = last - first + 1;
  } else {
    exponent = static_cast<long long>(whole) - 1;
    significant = whole + fraction;
    if (fraction == 0) {
      significant = whole;
      while (decimal[whole_at + significant - 1] == '0') --significant;  // the first digit is not 0
    }
  }
  if (significant > 15 || exponent < -4 || exponent >= 16) return 0;
  return point + 1 + std::max<std::size_t>(fraction, 1);  // "5.000" -> "5.0"
}

/// @brief Appends Python's repr() of the float written as `decimal` (see decimal_repr_length);
/// false, with `out` untouched, when it cannot be read off the text.
inline bool append_decimal_as_python_repr(std::string& out, std::string_view decimal) {
  std::size_t n = decimal_repr_length(decimal);
  out.append(decimal.substr(0, n));
  return n > 0;
}

/// @brief Python's repr() of a float, as a new string.
inline std::string python_float_repr(double x) {
  std::string out;
  append_python_float_repr(out, x);
  return out;
}

/// @brief Python's repr() of a str: single quotes unless the text holds one and no double quote.
inline std::string python_str_repr(std::string_view s) {
  char quote = (s.find('\'') != std::string_view::npos && s.find('"') == std::string_view::npos) ? '"' : '\'';
  std::string out(1, quote);
  for (unsigned char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c == static_cast<unsigned char>(quote)) {
          out += '\\';
          out += static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7f) {
          out += fmt::format("\\x{:02x}", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + quote;
}

}  // namespace detail

/// @brief A node of a config tree: null, bool, int, float, string, list or ordered map.
class value {
 public:
  using list = std::vector<value>;
  using map = std::vector<std::pair<std::string, value>>;  // keeps the order keys were written in
  using storage = std::variant<std::monostate, bool, std::int64_t, double, std::string, list, map>;

  value() = default;
  value(std::nullptr_t) {}
  value(bool b) : data_(b) {}
  template <std::integral T>
    requires(!std::same_as<T, bool> && !std::same_as<T, char>)
  value(T i) : data_(static_cast<std::int64_t>(i)) {}
  value(double d) : data_(d) {}
  value(float d) : data_(static_cast<double>(d)) {}
  value(std::string s) : data_(std::move(s)) {}
  value(std::string_view s) : data_(std::string(s)) {}
  value(const char* s) : data_(std::string(s)) {}
  value(list l) : data_(std::move(l)) {}
  value(map m) : data_(std::move(m)) {}

  [[nodiscard]] bool is_null() const noexcept { return std::holds_alternative<std::monostate>(data_); }
  [[nodiscard]] bool is_bool() const noexcept { return std::holds_alternative<bool>(data_); }
  [[nodiscard]] bool is_int() const noexcept { return std::holds_alternative<std::int64_t>(data_); }
  [[nodiscard]] bool is_float() const noexcept { return std::holds_alternative<double>(data_); }
  [[nodiscard]] bool is_number() const noexcept { return is_int() || is_float(); }
  [[nodiscard]] bool is_string() const noexcept { return std::holds_alternative<std::string>(data_); }
  [[nodiscard]] bool is_list() const noexcept { return std::holds_alternative<list>(data_); }
  [[nodiscard]] bool is_map() const noexcept { return std::holds_alternative<map>(data_); }

  [[nodiscard]] bool as_bool() const { return get<bool>("a bool"); }
  [[nodiscard]] std::int64_t as_int() const { return get<std::int64_t>("an integer"); }
  /// @brief The number as a double; an int converts.
  [[nodiscard]] double as_float() const {
    if (is_int()) return static_cast<double>(std::get<std::int64_t>(data_));
    return get<double>("a number");
  }
  [[nodiscard]] const std::string& as_string() const { return get<std::string>("a string"); }
  [[nodiscard]] const list& as_list() const { return get<list>("a list"); }
  [[nodiscard]] list& as_list() { return get<list>("a list"); }
  [[nodiscard]] const map& as_map() const { return get<map>("a map"); }
  [[nodiscard]] map& as_map() { return get<map>("a map"); }

  [[nodiscard]] const storage& data() const noexcept { return data_; }
  [[nodiscard]] storage& data() noexcept { return data_; }

  /// @brief The name of the held kind, for error messages ("a float", "a list", ...).
  [[nodiscard]] std::string_view kind() const noexcept {
    constexpr std::string_view names[] = {"null", "a bool", "an integer", "a float", "a string", "a list", "a map"};
    return names[data_.index()];
  }

  /// @brief The direct child named `key` of a map, or nullptr.
  [[nodiscard]] const value* child(std::string_view key) const noexcept {
    if (auto* m = std::get_if<map>(&data_)) {
      for (auto& [k, v] : *m) {
        if (k == key) return &v;
      }
    }
    return nullptr;
  }
  [[nodiscard]] value* child(std::string_view key) noexcept {
    return const_cast<value*>(std::as_const(*this).child(key));
  }

  /// @brief The node at a dotted path ("OPTIM.BASE_LR"), or nullptr.
  [[nodiscard]] const value* find(std::string_view dotted) const noexcept {
    const value* node = this;
    while (node != nullptr) {
      auto dot = dotted.find('.');
      node = node->child(dotted.substr(0, dot));
      if (dot == std::string_view::npos) return node;
      dotted.remove_prefix(dot + 1);
    }
    return nullptr;
  }
  [[nodiscard]] value* find(std::string_view dotted) noexcept {
    return const_cast<value*>(std::as_const(*this).find(dotted));
  }

  /// @brief The node at a dotted path, created (with the maps above it) as null if missing.
  value& at_path(std::string_view dotted) {
    value* node = this;
    for (;;) {
      auto dot = dotted.find('.');
      auto key = dotted.substr(0, dot);
      if (node->is_null()) node->data_ = map{};
      auto& m = node->as_map();
      value* next = node->child(key);
      if (next == nullptr) next = &m.emplace_back(std::string(key), value{}).second;
      node = next;
      if (dot == std::string_view::npos) return *node;
      dotted.remove_prefix(dot + 1);
    }
  }

  /// @brief Python's str() of the value: how pycls prints a sampled value in a config key.
  [[nodiscard]] std::string python_str() const { return print(false); }
  /// @brief Python's repr() of the value (strings quoted).
  [[nodiscard]] std::string python_repr() const { return print(true); }

  /// @brief The 1-based line of the file this value was read from (0: not from a file).
  [[nodiscard]] int line() const noexcept { return line_; }
  value& set_line(int line) noexcept {
    line_ = line;
    return *this;
  }

  /// @brief Equal data; where the values came from does not matter.
  friend bool operator==(const value& a, const value& b) { return a.data_ == b.data_; }

 private:
  template <class T, class Self>
  static auto& get_impl(Self& self, std::string_view expected) {
    if (auto* p = std::get_if<T>(&self.data_)) return *p;
    throw error(fmt::format("expected {}, got {} ({})", expected, self.kind(), self.python_repr()));
  }
  template <class T>
  const T& get(std::string_view expected) const { return get_impl<T>(*this, expected); }
  template <class T>
  T& get(std::string_view expected) { return get_impl<T>(*this, expected); }

  [[nodiscard]] std::string print(bool quoted) const {
    return std::visit(
        [quoted](auto& v) -> std::string {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::monostate>) {
            return "None";
          } else if constexpr (std::is_same_v<T, bool>) {
            return v ? "True" : "False";
          } else if constexpr (std::is_same_v<T, std::int64_t>) {
            return fmt::format("{}", v);
          } else if constexpr (std::is_same_v<T, double>) {
            return detail::python_float_repr(v);
          } else if constexpr (std::is_same_v<T, std::string>) {
            return quoted ? detail::python_str_repr(v) : v;
          } else if constexpr (std::is_same_v<T, list>) {
            std::string out = "[";
            for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i].print(true);
            return out + "]";
          } else {
            std::string out = "{";
            for (std::size_t i = 0; i < v.size(); ++i) {
              out += (i ? ", " : "") + detail::python_str_repr(v[i].first) + ": " + v[i].second.print(true);
            }
            return out + "}";
          }
        },
        data_);
  }

  storage data_;
  int line_ = 0;
};

}  // namespace sweep
