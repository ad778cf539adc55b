// Reading one json_stats record with a SAX handler, fed by simdjson (or by
// nlohmann for what simdjson refuses): the record's top-level fields come out
// as JSON text ready to be copied into sweep.json, so no DOM is built for the
// records that make up a log. Nested values (a cfg
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

/// @brief Appends `s` as nlohmann's dump(ensure_ascii=false, replace) writes a string.
inline void append_json_string(std::string& out, std::string_view s) {
  // Printable ASCII needs no escaping (the common case: keys, "i/max"); anything else is nlohmann's.
  bool plain = std::all_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x80 && c != '"' && c != '\\';
  });
  if (plain) {
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

/// @brief The SAX handler (see nlohmann::json::sax_parse) that reads a record into fields.
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

  /// @brief The kind of the value read (an object for a record).
  [[nodiscard]] json::value_t top() const noexcept { return top_; }
  /// @brief The object's fields, sorted by key, duplicates resolved as nlohmann's DOM does (last wins).
  [[nodiscard]] std::span<record_field> fields() noexcept { return {fields_.data(), count_}; }
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

  /// @brief Sorts the fields by key and drops all but the last of a repeated key (pycls writes them sorted).
  void normalize() {
    auto first = fields_.begin();
    auto last = first + static_cast<std::ptrdiff_t>(count_);
    auto by_key = [](const record_field& a, const record_field& b) { return a.key < b.key; };
    if (std::adjacent_find(first, last, [](auto& a, auto& b) { return !(a.key < b.key); }) == last) return;
    std::stable_sort(first, last, by_key);
    std::size_t kept = 0;
    for (std::size_t i = 0; i < count_; ++i) {
      if (i + 1 < count_ && fields_[i].key == fields_[i + 1].key) continue;
      if (kept != i) std::swap(fields_[kept], fields_[i]);
      ++kept;
    }
    count_ = kept;
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
};

}  // namespace sweep::detail
