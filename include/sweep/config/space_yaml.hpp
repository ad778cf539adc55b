// SETUP.SAMPLERS (pycls's sampler specs) -> runtime_space: the same typed
// samplers the C++ DSL builds, checked with pycls's rules, with errors that
// name the file, line and key path of the offending entry.
#pragma once

#include <sweep/base/suggest.hpp>
#include <sweep/error.hpp>
#include <sweep/random.hpp>
#include <sweep/space.hpp>
#include <sweep/value.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace sweep {

namespace detail {

class sampler_reader {
 public:
  explicit sampler_reader(std::string file) : file_(std::move(file)) {}

  /// @brief One sampler spec (a map with TYPE) at `path`, for the config key `key`.
  dyn_sampler read(const value& spec, const std::string& path, const std::string& key) const {
    if (!spec.is_map()) fail(spec, path, "expected a sampler: a map with TYPE (float_sampler, int_sampler, value_sampler, list_sampler, regnet_sampler)");
    auto* type = spec.child("TYPE");
    if (type == nullptr || !type->is_string()) {
      fail(type ? *type : spec, path + ".TYPE", "expected one of float_sampler, int_sampler, value_sampler, list_sampler, regnet_sampler");
    }
    const auto& t = type->as_string();
    if (t == "float_sampler") return scalar<double>(spec, path, key);
    if (t == "int_sampler") return scalar<std::int64_t>(spec, path, key);
    if (t == "value_sampler") {
      allow_keys(spec, path, {"TYPE", "VALUES"});
      auto* values = spec.child("VALUES");
      if (values == nullptr || !values->is_list() || values->as_list().empty()) {
        fail(values ? *values : spec, path + ".VALUES", "expected a non-empty list of values");
      }
      return choice_sampler<value>{values->as_list()};
    }
    if (t == "list_sampler") {
      allow_keys(spec, path, {"TYPE", "LENGTH", "ITEM_SAMPLER"});
      dyn_list_sampler list;
      if (auto* length = spec.child("LENGTH")) {
        if (!length->is_int() || length->as_int() < 0 || length->as_int() > max_list_length) {
          fail(*length, path + ".LENGTH", fmt::format("expected an integer from 0 to {}", max_list_length));
        }
        list.length = length->as_int();
      }
      auto* item = spec.child("ITEM_SAMPLER");
      if (item == nullptr) fail(spec, path + ".ITEM_SAMPLER", "is required: expected the sampler of each item");
      if (depth_ >= max_depth) fail(*item, path + ".ITEM_SAMPLER", fmt::format("expected list samplers nested at most {} deep", max_depth));
      sampler_reader nested = *this;
      ++nested.depth_;
      list.item = std::make_shared<const dyn_sampler>(nested.read(*item, path + ".ITEM_SAMPLER", key));
      return list;
    }
    if (t == "regnet_sampler") {
      if (key != "REGNET") fail(spec, path + ".TYPE", "regnet_sampler can only be used for the key REGNET");
      allow_keys(spec, path, {"TYPE", "DEPTH", "W0", "WA", "WM", "GROUP_W", "BOT_MUL"});
      regnet_sampler s;
      range(spec, path, "DEPTH", s.depth_);
      range(spec, path, "W0", s.w0_);
      range(spec, path, "WA", s.wa_);
      range(spec, path, "WM", s.wm_);
      range(spec, path, "GROUP_W", s.group_w_);
      range(spec, path, "BOT_MUL", s.bot_mul_);
      checked(spec, path, [&] { s.validate("REGNET"); }, "REGNET");
      return s;
    }
    fail(*type, path + ".TYPE",
         fmt::format("unknown sampler type '{}': expected one of float_sampler, int_sampler, value_sampler, list_sampler, regnet_sampler", t));
  }

  [[noreturn]] void fail(const value& node, const std::string& path, const std::string& message) const {
    throw error({file_, node.line()}, path, message);
  }

 private:
  static constexpr std::int64_t max_list_length = 1'000'000;
  static constexpr int max_depth = 16;

  void allow_keys(const value& spec, const std::string& path, std::vector<std::string> allowed) const {
    for (auto& [k, v] : spec.as_map()) {
      if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
        fail(v, path + "." + k, "unknown key for this sampler" + did_you_mean(k, allowed));
      }
    }
  }

  template <class T>
  T number(const value& node, const std::string& path) const {
    if constexpr (std::is_same_v<T, double>) {
      if (!node.is_number()) fail(node, path, fmt::format("expected a number, got {} ({})", node.kind(), node.python_repr()));
      // pycls's validate_rand asserts type(q) == type(low) == type(high): a float range is floats only.
      if (node.is_int()) {
        fail(node, path, fmt::format("expected a float, got an int ({0}): write {0}.0 (pycls's validate_rand needs "
                                     "RANGE and QUANTIZE all floats here, all ints for an int_sampler)", node.python_repr()));
      }
      return node.as_float();
    } else {
      if (!node.is_int()) fail(node, path, fmt::format("expected an integer, got {} ({})", node.kind(), node.python_repr()));
      return node.as_int();
    }
  }

  template <class T>
  void range(const value& spec, const std::string& path, const char* name, scalar_sampler<T>& s) const {
    auto* node = spec.child(name);
    if (node == nullptr) return;
    auto field = path + "." + name;
    if (!node->is_list() || node->as_list().size() != 2) fail(*node, field, "expected a range [low, high]");
    s.low = number<T>(node->as_list()[0], field + "[0]");
    s.high = number<T>(node->as_list()[1], field + "[1]");
  }

  template <class F>
  void checked(const value& spec, const std::string& path, F&& check, const std::string& key) const {
    try {
      check();
    } catch (const error& e) {
      // Point at the line of the field the check names (RANGE, QUANTIZE, ...).
      auto field = e.key_path().size() > key.size() ? e.key_path().substr(key.size() + 1) : std::string();
      auto sub = field.substr(0, field.find('.'));
      auto* node = sub.empty() ? nullptr : spec.child(sub);
      auto full = path + (field.empty() ? "" : "." + field);
      throw error({file_, (node ? *node : spec).line()}, full, e.message());
    }
  }

  template <class T>
  dyn_sampler scalar(const value& spec, const std::string& path, const std::string& key) const {
    allow_keys(spec, path, {"TYPE", "RAND_TYPE", "RANGE", "QUANTIZE"});
    scalar_sampler<T> s;
    if (auto* rand = spec.child("RAND_TYPE")) {
      auto type = rand->is_string() ? parse_rand_type(rand->as_string()) : std::nullopt;
      if (!type) {
        std::vector<std::string> names(rand_type_names.begin(), rand_type_names.end());
        fail(*rand, path + ".RAND_TYPE",
             fmt::format("unknown rand type {}: expected one of {}{}", rand->python_repr(), fmt::join(names, ", "),
                         rand->is_string() ? did_you_mean(rand->as_string(), names) : ""));
      }
      s.type = *type;
    }
    range(spec, path, "RANGE", s);
    if (auto* q = spec.child("QUANTIZE")) s.q = number<T>(*q, path + ".QUANTIZE");
    checked(spec, path, [&] { s.validate(key); }, key);
    return s;
  }

  std::string file_;
  int depth_ = 0;
};

/// @brief Throws when one key of a SAMPLERS (or AXES) map contains another (OPTIM and OPTIM.BASE_LR), naming
/// both: a sampler of OPTIM writes all of OPTIM, so the other would be dropped or overwrite part of it,
/// depending on the order. A regnet_sampler's REGNET counts as containing REGNET.DEPTH and the rest.
inline void check_keys_disjoint(const value& map, const std::string& path, const std::string& file) {
  if (!map.is_map()) return;
  std::vector<std::string_view> keys;
  for (auto& [key, spec] : map.as_map()) keys.emplace_back(key);
  std::sort(keys.begin(), keys.end());
  for (auto& [key, spec] : map.as_map()) {
    // every proper prefix of `key` that ends before a '.' is a key that would contain it
    for (auto dot = key.find('.'); dot != std::string::npos; dot = key.find('.', dot + 1)) {
      auto outer = std::string_view(key).substr(0, dot);
      if (std::binary_search(keys.begin(), keys.end(), outer)) {
        throw error({file, spec.line()}, path + "." + key,
                    fmt::format("overlaps {}.{}: a sampler of {} sets all of it: expected keys of which none contains "
                                "another (sample {} or its parts, not both)",
                                path, outer, outer, outer));
      }
    }
  }
}

}  // namespace detail

/// @brief One sampler spec (e.g. from `sweep sample --sampler FILE`), checked; `key` is the key it samples.
inline dyn_sampler load_sampler(const value& spec, const std::string& file, const std::string& key) {
  return detail::sampler_reader(file).read(spec, key, key);
}

/// @brief SETUP.SAMPLERS of a sweep config as a runtime space, checked with pycls's rules.
inline runtime_space load_space(const value& samplers, const std::string& file) {
  std::vector<std::pair<std::string, dyn_sampler>> out;
  if (samplers.is_null()) return runtime_space{};
  detail::sampler_reader reader(file);
  if (!samplers.is_map()) reader.fail(samplers, "SETUP.SAMPLERS", "expected a map: dotted key -> sampler");
  for (auto& [key, spec] : samplers.as_map()) {
    if (!detail::is_valid_key(key)) {
      reader.fail(spec, "SETUP.SAMPLERS." + key, "expected a dotted config key such as OPTIM.BASE_LR");
    }
    out.emplace_back(key, reader.read(spec, "SETUP.SAMPLERS." + key, key));
  }
  detail::check_keys_disjoint(samplers, "SETUP.SAMPLERS", file);
  return runtime_space(dynamic_bindings<dyn_sampler>(std::move(out)));
}

}  // namespace sweep
