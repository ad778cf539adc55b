// A tiny logging helper for job programs: writes `json_stats: {...}` lines in
// pycls's exact format (pycls/core/logging.py: dump_log_data), so any C++
// experiment's stdout.log can be collected and analysed like a pycls job.
#pragma once

#include <sweep/value.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sweep {

namespace detail {

/// @brief pycls's float_to_decimal: "{:.4f}" then Decimal, so NaN/inf print as NaN/Infinity.
inline void append_fixed_float(std::string& out, double x, int precision) {
  if (std::isnan(x)) {
    out += "NaN";
  } else if (std::isinf(x)) {
    out += x > 0 ? "Infinity" : "-Infinity";
  } else {
    fmt::format_to(std::back_inserter(out), "{:.{}f}", x, precision);
  }
}

/// @brief A float as simplejson prints a Python float (repr; NaN and Infinity as Python's json does).
inline void append_repr_float(std::string& out, double x) {
  if (std::isnan(x)) {
    out += "NaN";
  } else if (std::isinf(x)) {
    out += x > 0 ? "Infinity" : "-Infinity";
  } else {
    out += python_float_repr(x);
  }
}

/// @brief simplejson.dumps(sort_keys=True) of `j`; floats reached through maps only are fixed
/// to `precision` decimals (pycls's float_to_decimal recurses into dicts, not lists); -1: repr.
template <class Json>
void append_pycls_json(std::string& out, const Json& j, int precision) {
  switch (j.type()) {
    case nlohmann::json::value_t::object: {
      std::vector<std::pair<std::string_view, const Json*>> items;
      items.reserve(j.size());
      for (auto it = j.begin(); it != j.end(); ++it) items.emplace_back(it.key(), &it.value());
      std::sort(items.begin(), items.end(), [](auto& a, auto& b) { return a.first < b.first; });
      out += '{';
      bool first = true;
      for (auto& [key, child] : items) {
        if (!first) out += ", ";
        first = false;
        out += Json(std::string(key)).dump(-1, ' ', true, Json::error_handler_t::replace);
        out += ": ";
        append_pycls_json(out, *child, precision);
      }
      out += '}';
      return;
    }
    case nlohmann::json::value_t::array: {
      out += '[';
      bool first = true;
      for (auto& child : j) {
        if (!first) out += ", ";
        first = false;
        append_pycls_json(out, child, -1);
      }
      out += ']';
      return;
    }
    case nlohmann::json::value_t::number_float:
      if (precision >= 0) {
        append_fixed_float(out, j.template get<double>(), precision);
      } else {
        append_repr_float(out, j.template get<double>());
      }
      return;
    default:
      // Strings (ASCII-escaped like Python's ensure_ascii), integers, bools, null.
      out += j.dump(-1, ' ', true, Json::error_handler_t::replace);
      return;
  }
}

}  // namespace detail

/// @brief Writes pycls-format `json_stats: {...}` lines (one flushed write per record) to a stream.
class json_stats_writer {
 public:
  /// @brief The tag pycls's collect looks for in each log line.
  static constexpr std::string_view tag = "json_stats: ";

  /// @brief Writes to `out` (for example std::cout when the launcher captures stdout.log).
  explicit json_stats_writer(std::ostream& out) : out_(&out) {}

  /// @brief The job's whole config (`_type: cfg`); floats as Python repr, like pycls (prec=None).
  void cfg(const nlohmann::json& config) {
    nlohmann::json fields = config.is_object() ? config : nlohmann::json::object();
    fields["_type"] = "cfg";
    emit(fields, -1);
  }

  /// @brief The model's complexity (`_type: complexity`): flops, params, acts.
  void complexity(std::int64_t flops, std::int64_t params, std::int64_t acts) {
    write("complexity", {{"flops", flops}, {"params", params}, {"acts", acts}}, precision);
  }

  /// @brief An epoch record (e.g. train_epoch, test_epoch); `epoch` is 1-based and becomes "i/max".
  void epoch(std::string_view type, int epoch, int max_epoch, nlohmann::ordered_json fields) {
    if (!fields.is_object()) fields = nlohmann::ordered_json::object();
    fields["epoch"] = fmt::format("{}/{}", epoch, max_epoch);
    write(type, std::move(fields), precision);
  }

  /// @brief Any other record (e.g. epoch_times); floats fixed to 4 decimals like pycls.
  void record(std::string_view type, nlohmann::ordered_json fields) {
    if (!fields.is_object()) fields = nlohmann::ordered_json::object();
    write(type, std::move(fields), precision);
  }

  /// @brief The line `record(type, fields)` writes, without the newline (for tests and custom sinks).
  [[nodiscard]] static std::string format_line(std::string_view type, nlohmann::ordered_json fields,
                                               int float_precision = precision) {
    if (!fields.is_object()) fields = nlohmann::ordered_json::object();
    fields["_type"] = std::string(type);
    std::string line(tag);
    detail::append_pycls_json(line, fields, float_precision);
    return line;
  }

  /// @brief Decimals pycls keeps for floats in stats records (dump_log_data's prec).
  static constexpr int precision = 4;

 private:
  void write(std::string_view type, nlohmann::ordered_json fields, int float_precision) {
    fields["_type"] = std::string(type);
    emit(fields, float_precision);
  }

  template <class Json>
  void emit(const Json& fields, int float_precision) {
    std::string line(tag);
    detail::append_pycls_json(line, fields, float_precision);
    line += '\n';
    // One write per line so a reader (or a crash) never sees half a record from us.
    out_->write(line.data(), static_cast<std::streamsize>(line.size()));
    out_->flush();
  }

  std::ostream* out_;
};

}  // namespace sweep
