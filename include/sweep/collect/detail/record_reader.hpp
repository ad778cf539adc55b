// Reading one json_stats record: the record's top-level fields come out as
// JSON text ready to be copied into sweep.json, so no DOM is built for the
// records that make up a log. A flat record (an epoch record) is read from
// simdjson's tokens, its values left where they lie in the line; any other
// goes to a SAX handler fed by simdjson (or by nlohmann for what simdjson
// refuses), which writes each value's text. Nested values (a cfg
// section) are written as they are read too; only one whose keys are not in
// order (pycls writes them sorted) goes through a DOM to sort them. A record
// nested deeper than its job's entry in sweep.json may be (max_json_depth) is
// refused as it is read, like any corrupt record.
#pragma once

#include <sweep/base/limits.hpp>
#include <sweep/base/simdjson_sax.hpp>
#include <sweep/value.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sweep::detail {

/// @brief Whether `s` is printable ASCII without '"' or '\\': the same text inside JSON's quotes.
inline bool plain_json_string(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x80 && c != '"' && c != '\\';
  });
}

/// @brief JSON's whitespace.
constexpr bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/// @brief Appends `s` as nlohmann's dump(ensure_ascii=false, replace) writes a string.
inline void append_json_string(std::string& out, std::string_view s) {
  // Printable ASCII needs no escaping (the common case: keys, "i/max"); anything else is nlohmann's.
  if (plain_json_string(s)) {
    out += '"';
    out += s;
    out += '"';
  } else {
    out += nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
}

/// @brief Appends an integer as JSON text.
template <class Int>
void append_json_integer(std::string& out, Int v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

/// @brief One top-level field of a record: its key and its value as JSON text.
struct record_field {
  std::string key;
  std::string text;        // the value as sweep.json holds it (floats as Python's repr, like pycls)
  std::string str;         // a string value itself (to read "i/max" fields)
  bool is_string = false;
  bool unsorted = false;   // a nested object's keys were out of order or repeated
};

/// @brief A field as the reader hands it out: views into the reader (or the record's text), valid
/// until its next read.
struct field_view {
  std::string_view key;
  std::string_view text;  // the value as sweep.json holds it
  std::string_view str;   // a string value itself
  bool is_string = false;
};

/// @brief The SAX handler (see nlohmann::json::sax_parse) that reads a record into fields, and the
/// reader of flat records (the common json_stats line) straight from simdjson's tokens.
class record_reader {
 public:
  using json = nlohmann::json;

  /// @brief Parses `text`, one JSON value, with nlohmann; false (see error()) when it is not valid JSON.
  bool read(std::string_view text) {
    reset();
    if (!json::sax_parse(text.data(), text.data() + text.size(), this)) return false;
    normalize();
    return true;
  }

  /// @brief Parses an object or list with simdjson (several times faster); false, with no error(),
  /// for whatever simdjson does not read (a scalar, NaN, bad JSON...): read(text) then has the last word.
  bool read_fast(simdjson::padded_string_view text) {
    reset();
    if (!fast_.parse(text, *this)) return false;
    normalize();
    return true;
  }

  /// @brief Reads a flat object (no list or map in it: an epoch record) from simdjson's tokens, the
  /// text of most values taken as it lies in `text` (no SAX events, no typed numbers, no copies); false,
  /// with no error(), for anything else or anything unusual (a nested value, an exponent, "-0", an
  /// escape...): read_fast and read then have the last word, and give the same fields when both read it.
  bool read_flat(simdjson::padded_string_view text) {
    reset();
    simdjson::ondemand::document doc;
    simdjson::ondemand::object object;
    if (flat_parser_.iterate(text).get(doc) || doc.get_object().get(object)) return false;
    for (auto member : object) {
      simdjson::ondemand::field field;
      auto& f = views_.emplace_back();  // filled where it lies: a copy from the stack stalls on store forwarding
      if (std::move(member).get(field) || field.unescaped_key().get(f.key) || !flat_value(field.value(), f)) {
        return false;
      }
    }
    if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) return false;  // text after the object
    top_ = json::value_t::object;
    normalize_views();
    return true;
  }

  /// @brief The kind of the value read (an object for a record).
  [[nodiscard]] json::value_t top() const noexcept { return top_; }
  /// @brief The object's fields, sorted by key, duplicates resolved as nlohmann's DOM does (last wins).
  [[nodiscard]] std::span<const field_view> fields() const noexcept { return views_; }
  /// @brief nlohmann's parse error for the last failed read, without its "[json.exception...] " prefix.
  [[nodiscard]] const std::string& error() const noexcept { return error_; }

  // nlohmann's SAX interface.
  bool null() {
    return value(json::value_t::null, [](std::string& t) { t += "null"; });
  }
  bool boolean(bool b) {
    return value(json::value_t::boolean, [b](std::string& t) { t += b ? "true" : "false"; });
  }
  bool number_integer(json::number_integer_t v) {
    return value(json::value_t::number_integer, [v](std::string& t) { append_json_integer(t, v); });
  }
  bool number_unsigned(json::number_unsigned_t v) {
    return value(json::value_t::number_unsigned, [v](std::string& t) { append_json_integer(t, v); });
  }
  bool number_float(json::number_float_t v, const json::string_t& lexeme) {
    // pycls's sweep.json holds Python's repr of each float (0.9540 in the log becomes 0.954).
    return value(json::value_t::number_float, [&](std::string& t) {
      if (!append_decimal_as_python_repr(t, lexeme)) append_python_float_repr(t, v);
    });
  }
  bool string(json::string_t& s) {
    return value(json::value_t::string, [&](std::string& t) {
      append_json_string(t, s);
      if (depth_ > 1) return;
      auto& f = fields_[count_ - 1];
      f.is_string = true;
      f.str.swap(s);  // nlohmann hands its token buffer over (it clears it before the next token)
    });
  }
  bool binary(json::binary_t& /*unused*/) { return true; }  // not produced by the JSON format
  bool start_object(std::size_t /*unknown*/) { return open(json::value_t::object); }
  bool end_object() { return close(); }
  bool start_array(std::size_t /*unknown*/) { return open(json::value_t::array); }
  bool end_array() { return close(); }
  bool key(json::string_t& k) {
    if (skip_) return true;
    if (depth_ == 1) {
      if (count_ == fields_.size()) fields_.emplace_back();
      auto& f = fields_[count_++];
      f.key.swap(k);  // nlohmann clears its token buffer before the next token
      f.text.clear();
      f.is_string = false;
      f.unsorted = false;
    } else {
      auto& c = open_.back();
      auto& f = fields_[count_ - 1];
      if (c.count++ > 0) {
        if (!(c.last_key < k)) f.unsorted = true;
        f.text += ',';
      }
      c.last_key.swap(k);
      append_json_string(f.text, c.last_key);
      f.text += ':';
    }
    return true;
  }
  bool parse_error(std::size_t /*position*/, const std::string& /*last_token*/, const json::exception& e) {
    error_ = e.what();
    // nlohmann's text starts "[json.exception.parse_error.101] parse error at ..."
    if (auto pos = error_.find("] "); pos != std::string::npos) error_.erase(0, pos + 2);
    return false;
  }

 private:
  void reset() {
    views_.clear();
    count_ = 0;
    depth_ = 0;
    open_.clear();
    skip_ = false;
    top_ = json::value_t::discarded;
    error_.clear();
  }

  /// @brief A scalar: a field's value or part of one (written as text), or the whole document.
  template <class Write>
  bool value(json::value_t kind, Write write) {
    if (depth_ == 0) {
      top_ = kind;
      skip_ = true;
    } else if (!skip_) {
      if (depth_ > 1) separate_element();
      write(fields_[count_ - 1].text);
    }
    return true;
  }

  bool open(json::value_t kind) {
    // nlohmann's parser is iterative, but the DOM that sorts a nested value's keys (and every reader
    // of sweep.json) recurses once per level: its entry wraps the record in one more level.
    if (depth_ >= max_record_depth) {
      error_ = fmt::format("nested more than {} levels deep: expected a record its sweep.json entry can hold "
                           "(at most {} levels)", max_record_depth, max_json_depth);
      return false;  // nlohmann's sax_parse stops here and returns false
    }
    if (depth_ == 0) {
      top_ = kind;
      skip_ = kind != json::value_t::object;  // an array is read to its end only to tell it from bad JSON
    } else if (!skip_) {
      if (depth_ > 1) separate_element();
      bool object = kind == json::value_t::object;
      fields_[count_ - 1].text += object ? '{' : '[';
      open_.push_back({object, 0, {}});
    }
    ++depth_;
    return true;
  }

  bool close() {
    --depth_;
    if (!skip_ && depth_ >= 1) {
      auto& f = fields_[count_ - 1];
      f.text += open_.back().object ? '}' : ']';
      open_.pop_back();
      if (depth_ == 1 && f.unsorted) {
        // Keys out of order or repeated: nlohmann's DOM sorts them (the last of a repeated key wins).
        f.text = json::parse(f.text).dump(-1, ' ', false, json::error_handler_t::replace);
      }
    }
    return true;
  }

  /// @brief Before an element of a nested array (or a key of a nested object): the ',' after the previous one.
  void separate_element() {
    auto& c = open_.back();
    if (c.object) return;  // a value in an object follows its key
    if (c.count++ > 0) fields_[count_ - 1].text += ',';
  }

  /// @brief The SAX route's fields as views, sorted (see normalize_views).
  void normalize() {
    for (std::size_t i = 0; i < count_; ++i) {
      auto& f = fields_[i];
      views_.push_back({f.key, f.text, f.str, f.is_string});
    }
    normalize_views();
  }

  /// @brief Sorts the fields by key and drops all but the last of a repeated key (pycls writes them sorted).
  void normalize_views() {
    auto by_key = [](const field_view& a, const field_view& b) { return a.key < b.key; };
    // Most neighbours differ in their first byte: compared there without a call to memcmp.
    auto not_before = [](const field_view& a, const field_view& b) {
      if (!a.key.empty() && !b.key.empty() && a.key.front() != b.key.front()) {
        return static_cast<unsigned char>(a.key.front()) > static_cast<unsigned char>(b.key.front());
      }
      return !(a.key < b.key);
    };
    if (std::adjacent_find(views_.begin(), views_.end(), not_before) == views_.end()) return;  // sorted, no repeat
    std::stable_sort(views_.begin(), views_.end(), by_key);
    std::size_t kept = 0;
    for (std::size_t i = 0; i < views_.size(); ++i) {
      if (i + 1 < views_.size() && views_[i].key == views_[i + 1].key) continue;
      views_[kept++] = views_[i];
    }
    views_.resize(kept);
  }

  /// @brief One value of a flat record into `f`, when sweep.json writes it as it lies in the record
  /// (text and string are views of it); false for anything else, which read_fast then reads.
  static bool flat_value(simdjson::ondemand::value v, field_view& f) {
    using simdjson::ondemand::json_type;
    json_type type{};
    if (v.type().get(type)) return false;
    std::string_view token = v.raw_json_token();  // up to the next ',' or '}', so with any spaces before it
    // The object must go on (',') or end ('}') right after the value: On-Demand skips a value it was
    // not asked to read by counting brackets, and would walk on past a ':' there (`"a": "b": 1`).
    char next = token.data()[token.size()];  // within the padding at worst
    if (next != ',' && next != '}') return false;
    while (!token.empty() && is_json_space(token.back())) token.remove_suffix(1);
    switch (type) {
      case json_type::number: {
        // A decimal that reads as Python's repr is a prefix of its text (and so a JSON number).
        if (std::size_t n = decimal_repr_length(token); n > 0) {
          f.text = token.substr(0, n);
          return true;
        }
        // An integer as JSON writes it (no leading zero, not "-0") that fits 64 bits reads as it is.
        std::int64_t i = 0;
        auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), i);
        std::string_view digits = token.substr(token.front() == '-' ? 1 : 0);
        if (ec != std::errc{} || end != token.data() + token.size() || digits.empty() ||
            (digits.front() == '0' && token.size() > 1)) {
          return false;
        }
        f.text = token;
        return true;
      }
      case json_type::string: {
        // Printable ASCII with no escape: the text between the quotes is the string.
        f.is_string = true;
        f.text = token;
        f.str = token.size() >= 2 ? token.substr(1, token.size() - 2) : "";
        return token.size() >= 2 && token.back() == '"' && plain_json_string(f.str);
      }
      case json_type::boolean:
      case json_type::null:
        f.text = token;
        return token == "true" || token == "false" || token == "null";
      default: return false;  // a list or map: the SAX route writes it
    }
  }

  static constexpr int max_record_depth = max_json_depth - 1;  // the job's entry adds a level

  std::vector<record_field> fields_;  // reused from record to record: no allocation once warm
  std::size_t count_ = 0;
  int depth_ = 0;
  bool skip_ = false;  // the document is not an object: nothing to keep
  json::value_t top_ = json::value_t::discarded;
  std::string error_;
  // The open containers of the nested value being read.
  struct container {
    bool object;
    std::size_t count;     // elements (keys of an object) so far
    std::string last_key;  // of an object: to check its keys come in order
  };
  std::vector<container> open_;
  simdjson_sax_reader fast_;
  std::vector<field_view> views_;  // what fields() hands out
  simdjson::ondemand::parser flat_parser_;  // read_flat's (read_fast's is inside fast_)
};

}  // namespace sweep::detail
