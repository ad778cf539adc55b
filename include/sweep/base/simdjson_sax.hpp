// JSON text read by simdjson's On-Demand API and handed, value by value, to an
// nlohmann SAX handler: the readers of job logs (collect) and sweep.json
// (analyze) keep one handler each, and simdjson does the lexing several times
// faster than nlohmann's lexer. Whatever simdjson refuses (NaN, an integer
// beyond 64 bits, bad syntax, too deep) the caller gives to nlohmann, whose
// answer and error messages stay the reference.
#pragma once

#include <simdjson.h>

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace sweep::detail {

/// @brief simdjson reads up to SIMDJSON_PADDING bytes past what it parses, and the byte just after
/// must not continue the JSON: reading a document with unclosed brackets, On-Demand runs on into a
/// `]`, `}` or `,` there (simdjson issue #1834). So a slice of a larger text (a log line) is read
/// where it lies when whitespace and enough text follow it, else from a copy in `scratch` followed
/// by spaces (one element of sweep.json, which a `,` or `]` follows).
inline simdjson::padded_string_view padded_slice(std::string_view slice, const char* text_end, std::string& scratch) {
  const char* end = slice.data() + slice.size();
  if (static_cast<std::size_t>(text_end - end) >= simdjson::SIMDJSON_PADDING && (*end == '\n' || *end == ' ')) {
    return simdjson::padded_string_view(slice.data(), slice.size(), slice.size() + simdjson::SIMDJSON_PADDING);
  }
  scratch.assign(slice);
  scratch.append(simdjson::SIMDJSON_PADDING, ' ');
  return simdjson::padded_string_view(scratch.data(), slice.size(), scratch.size());
}

/// @brief A SAX handler that leaves some values out (job_tree_builder drops the epoch columns an
/// analysis never reads): while `skips_value()`, its scalars are only checked, not handed over (no
/// copy of their text, no number typed for it), and each is acknowledged by `skipped_scalar()`.
/// Lists and maps still open and close in the handler, which counts their depth.
template <class Sax>
concept skipping_sax = requires(Sax& sax) {
  { sax.skips_value() } -> std::same_as<bool>;
  { sax.skipped_scalar() } -> std::same_as<bool>;
};

/// @brief Reads a JSON object or list with simdjson and sends nlohmann's SAX events for it
/// (start_object, key, number_float with its lexeme, ...), the numbers typed as nlohmann types them.
/// Each thread keeps its own: the parser's buffers are reused from text to text.
class simdjson_sax_reader {
 public:
  /// @brief True when simdjson read `text` as one object or list and `sax` took every event; false
  /// otherwise (a scalar, what simdjson refuses, or the handler stopped), and `sax` saw only a prefix.
  template <class Sax>
  bool parse(simdjson::padded_string_view text, Sax& sax) {
    simdjson::ondemand::document doc;
    simdjson::ondemand::json_type type{};
    if (parser_.iterate(text).get(doc) || doc.type().get(type)) return false;
    if (type != simdjson::ondemand::json_type::object && type != simdjson::ondemand::json_type::array) return false;
    simdjson::ondemand::value root;
    if (doc.get_value().get(root) || !walk(root, sax)) return false;
    return doc.current_location().error() == simdjson::OUT_OF_BOUNDS;  // nothing after the value but whitespace
  }

 private:
  template <class Sax>
  bool walk(simdjson::ondemand::value v, Sax& sax) {
    using simdjson::ondemand::json_type;
    json_type type{};
    if (v.type().get(type)) return false;
    if constexpr (skipping_sax<Sax>) {
      if (type != json_type::object && type != json_type::array && sax.skips_value()) return checked(v, type) && sax.skipped_scalar();
    }
    switch (type) {
      case json_type::object: {
        simdjson::ondemand::object object;
        if (v.get_object().get(object) || !sax.start_object(static_cast<std::size_t>(-1))) return false;
        for (auto member : object) {
          simdjson::ondemand::field field;
          std::string_view key;
          if (std::move(member).get(field) || field.unescaped_key().get(key)) return false;
          if (!skips(sax)) {
            key_.assign(key);
            if (!sax.key(key_)) return false;
          }
          if (!walk(field.value(), sax)) return false;
        }
        return sax.end_object();
      }
      case json_type::array: {
        simdjson::ondemand::array array;
        if (v.get_array().get(array) || !sax.start_array(static_cast<std::size_t>(-1))) return false;
        for (auto element : array) {
          simdjson::ondemand::value child;
          if (std::move(element).get(child) || !walk(child, sax)) return false;
        }
        return sax.end_array();
      }
      case json_type::number: return number(v, sax);
      case json_type::string: {
        std::string_view s;
        if (v.get_string().get(s)) return false;
        string_.assign(s);
        return sax.string(string_);
      }
      case json_type::boolean: {
        bool b = false;
        return !v.get_bool().get(b) && sax.boolean(b);
      }
      case json_type::null: {
        bool null = false;
        return !v.is_null().get(null) && null && sax.null();
      }
    }
    return false;
  }

  template <class Sax>
  static bool skips(Sax& sax) {
    if constexpr (skipping_sax<Sax>) return sax.skips_value();
    return false;
  }

  /// @brief Whether a scalar left out reads as valid JSON, as it would if handed over: the same
  /// getters, so simdjson refuses (and nlohmann reads again) exactly what it refuses then.
  static bool checked(simdjson::ondemand::value v, simdjson::ondemand::json_type type) {
    using simdjson::ondemand::json_type;
    using simdjson::ondemand::number_type;
    switch (type) {
      case json_type::number: {
        number_type kind{};
        if (v.get_number_type().get(kind)) return false;
        if (kind == number_type::floating_point_number) return !v.get_double().error();
        if (kind == number_type::signed_integer) return !v.get_int64().error();
        return !v.get_uint64().error();
      }
      case json_type::string: return !v.get_string().error();
      case json_type::boolean: return !v.get_bool().error();
      case json_type::null: {
        bool null = false;
        return !v.is_null().get(null) && null;
      }
      default: return false;
    }
  }

  template <class Sax>
  bool number(simdjson::ondemand::value v, Sax& sax) {
    std::string_view token = v.raw_json_token();
    simdjson::ondemand::number_type type{};
    if (v.get_number_type().get(type)) return false;
    // Typed getters, not get_number(), and no float of more than 19 significant digits (simdjson's
    // slow path): simdjson 3.0.1 reads such a float as 0 (get_number) or a wrong double
    // (get_double); nlohmann reads it instead. Both found by the fuzzers.
    switch (type) {
      case simdjson::ondemand::number_type::floating_point_number: {
        auto it = std::find_if(token.begin(), token.end(), [](char c) { return c >= '1' && c <= '9'; });  // leading zeros do not count
        int digits = 0;
        for (; it != token.end() && *it != 'e' && *it != 'E'; ++it) digits += *it >= '0' && *it <= '9';
        if (digits > 19) return false;
        double d = 0;
        if (v.get_double().get(d)) return false;
        lexeme_.assign(token.substr(0, token.find_last_not_of(" \t\r\n") + 1));
        return sax.number_float(d, lexeme_);
      }
      case simdjson::ondemand::number_type::signed_integer: {
        std::int64_t i = 0;
        if (v.get_int64().get(i)) return false;
        // nlohmann types an integer by its sign ("-0" too), not by its value.
        return token.front() == '-' ? sax.number_integer(i) : sax.number_unsigned(static_cast<std::uint64_t>(i));
      }
      case simdjson::ondemand::number_type::unsigned_integer: {
        std::uint64_t u = 0;
        return !v.get_uint64().get(u) && sax.number_unsigned(u);
      }
    }
    return false;
  }

  simdjson::ondemand::parser parser_;
  std::string key_, string_, lexeme_;  // nlohmann's handlers take (and may swap out) a std::string
};

}  // namespace sweep::detail
