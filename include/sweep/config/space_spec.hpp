// SETUP.SPACE -> any_space: sweep's combinator spaces written in YAML, the
// alternative to pycls's SETUP.SAMPLERS (a config has one or the other). The
// reader builds the same class templates the C++ DSL builds (grid_space, zip_space,
// concat_space, joined_space with when parts, sobol_space, typed_space), over
// bindings and parts chosen at run time, each node held in an any_space:
//   TYPE: grid | zip    AXES: {KEY: axis, ...}  [SHUFFLE: true]
//   TYPE: concat | join PARTS: [space, ...]     [SHUFFLE: true]
//   TYPE: when          KEY, EQUALS, SPACE      (a part of a join, after the part that sets KEY)
//   TYPE: sobol | random SAMPLERS: {KEY: sampler as in SETUP.SAMPLERS, ...}
// An axis is [v, ...], {VALUES: [...]}, {RANGE: [lo, hi], STEP: s} (ints) or
// {RANGE: [lo, hi], COUNT: n, SPACING: linear|log, QUANTIZE: q} (floats).
#pragma once

#include <sweep/base/suggest.hpp>
#include <sweep/config/space_yaml.hpp>
#include <sweep/config/sweep_config.hpp>
#include <sweep/error.hpp>
#include <sweep/space.hpp>
#include <sweep/value.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace sweep {

/// @brief A `when` part read from YAML: its space is drawn when the key (named at run time) equals the value.
using dyn_when = when_part<dynamic_key, value, any_space>;

namespace detail {

/// @brief One node of SETUP.SPACE as read: a space (or a join's `when` part) and the keys it may set.
struct read_part {
  std::variant<any_space, dyn_when> part;
  std::vector<std::string> keys;  // in the order first set
  [[nodiscard]] const dyn_when* when() const { return std::get_if<dyn_when>(&part); }
  [[nodiscard]] const any_space& space() const { return std::get<any_space>(part); }
};

class space_spec_reader {
 public:
  explicit space_spec_reader(std::string file) : file_(std::move(file)), samplers_(file_) {}

  /// @brief The space at `path`; `before` holds the keys earlier parts of an enclosing join set (for when).
  read_part read(const value& spec, const std::string& path, const std::vector<std::string>* before = nullptr,
                 int depth = 0) const {
    static const std::vector<std::string> types = {"grid", "zip", "concat", "join", "when", "sobol", "random"};
    if (!spec.is_map()) fail(spec, path, "expected a space: a map with TYPE (grid, zip, concat, join, when, sobol, random)");
    if (depth > max_depth) fail(spec, path, fmt::format("expected spaces nested at most {} deep", max_depth));
    auto* type = spec.child("TYPE");
    if (type == nullptr || !type->is_string()) fail(type ? *type : spec, path + ".TYPE", "expected one of grid, zip, concat, join, when, sobol, random");
    const auto& t = type->as_string();
    if (t == "grid" || t == "zip") return axes_space(spec, path, t == "grid");
    if (t == "concat" || t == "join") return parts_space(spec, path, t == "join", depth);
    if (t == "when") return when_space(spec, path, before, depth);
    if (t == "sobol" || t == "random") return sampler_space(spec, path, t == "sobol");
    fail(*type, path + ".TYPE", fmt::format("unknown space type '{}': expected one of grid, zip, concat, join, when, sobol, random{}", t,
                                            did_you_mean(t, types)));
  }

  [[noreturn]] void fail(const value& node, const std::string& path, const std::string& message) const {
    throw error({file_, node.line()}, path, message);
  }

 private:
  static constexpr int max_depth = 16;
  static constexpr std::int64_t max_count = 100'000'000;

  /// @brief The last part of a join may not set a key an earlier part sets (or one containing it): the later
  /// value would overwrite the earlier, so configs that differ only there come out the same. Two `when`s on
  /// one KEY with different EQUALS never hold together, so they may set the same keys.
  void check_join_part_keys(const std::vector<read_part>& parts, const value& spec, const std::string& path) const {
    auto* last = parts.back().when();
    for (std::size_t j = 0; j + 1 < parts.size(); ++j) {
      auto* other = parts[j].when();
      if (last != nullptr && other != nullptr && last->key.name == other->key.name && !(last->equals == other->equals)) continue;
      for (auto& key : parts.back().keys) {
        for (auto& earlier : parts[j].keys) {
          if (!detail::key_contains(key, earlier) && !detail::key_contains(earlier, key)) continue;
          fail(spec, path,
               fmt::format("sets {}, which part {} of this join sets too ({}): expected each key set by one part "
                           "(the later value would overwrite the earlier one, giving duplicate configs)",
                           key, j, earlier));
        }
      }
    }
  }

  void allow_keys(const value& spec, const std::string& path, std::vector<std::string> allowed) const {
    for (auto& [k, v] : spec.as_map()) {
      if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
        fail(v, path + "." + k, fmt::format("unknown key: expected one of {}{}", fmt::join(allowed, ", "), did_you_mean(k, allowed)));
      }
    }
  }

  void check_key(const std::string& key, const value& node, const std::string& path) const {
    if (!is_valid_key(key)) fail(node, path, "expected a dotted config key such as OPTIM.BASE_LR");
  }

  bool shuffle(const value& spec, const std::string& path) const {
    auto* s = spec.child("SHUFFLE");
    if (s == nullptr) return false;
    if (!s->is_bool()) fail(*s, path + ".SHUFFLE", fmt::format("expected true or false, got {}", s->python_repr()));
    return s->as_bool();
  }

  std::int64_t integer(const value& node, const std::string& path, const char* expected) const {
    if (!node.is_int()) fail(node, path, fmt::format("expected {}, got {} ({})", expected, node.kind(), node.python_repr()));
    return node.as_int();
  }
  double number(const value& node, const std::string& path) const {
    if (!node.is_number()) fail(node, path, fmt::format("expected a number, got {} ({})", node.kind(), node.python_repr()));
    return node.as_float();
  }

  dyn_axis axis(const value& spec, const std::string& path) const {
    if (spec.is_list()) {
      if (spec.as_list().empty()) fail(spec, path, "expected a non-empty list of values");
      return choice_sampler<value>{spec.as_list()};
    }
    if (!spec.is_map()) fail(spec, path, "expected an axis: [values], {VALUES: [...]}, {RANGE: [lo, hi], STEP: s} or {RANGE: [lo, hi], COUNT: n}");
    allow_keys(spec, path, {"VALUES", "RANGE", "STEP", "COUNT", "SPACING", "QUANTIZE"});
    if (auto* values = spec.child("VALUES")) {
      allow_keys(spec, path, {"VALUES"});
      if (!values->is_list() || values->as_list().empty()) fail(*values, path + ".VALUES", "expected a non-empty list of values");
      return choice_sampler<value>{values->as_list()};
    }
    auto* range = spec.child("RANGE");
    if (range == nullptr) fail(spec, path, "expected VALUES or RANGE");
    if (!range->is_list() || range->as_list().size() != 2) fail(*range, path + ".RANGE", "expected a range [low, high]");
    const auto& ends = range->as_list();
    auto checked = [&](auto sampler) {
      try {
        sampler.validate(path);
      } catch (const error& e) {
        auto field = e.key_path().substr(std::min(e.key_path().size(), path.size() + 1));
        auto* node = spec.child(field);
        throw error({file_, (node ? *node : spec).line()}, e.key_path(), e.message());
      }
      return sampler;
    };
    if (auto* count = spec.child("COUNT")) {
      if (spec.child("STEP")) fail(*spec.child("STEP"), path + ".STEP", "give COUNT (floats) or STEP (integers), not both");
      float_range_sampler s;
      s.low = number(ends[0], path + ".RANGE[0]");
      s.high = number(ends[1], path + ".RANGE[1]");
      s.count = integer(*count, path + ".COUNT", "an integer count of points");
      if (s.count > max_count) fail(*count, path + ".COUNT", fmt::format("expected at most {} points", max_count));
      if (auto* sp = spec.child("SPACING")) {
        if (!sp->is_string() || (sp->as_string() != "linear" && sp->as_string() != "log")) {
          fail(*sp, path + ".SPACING", fmt::format("expected linear or log, got {}", sp->python_repr()));
        }
        s.space = sp->as_string() == "log" ? spacing::log : spacing::linear;
      }
      if (auto* q = spec.child("QUANTIZE")) {
        s.q = number(*q, path + ".QUANTIZE");
        if (!(s.q > 0)) fail(*q, path + ".QUANTIZE", fmt::format("expected a quantum > 0, got {}", q->python_repr()));
      }
      return checked(s);
    }
    for (const char* k : {"SPACING", "QUANTIZE"}) {
      if (auto* n = spec.child(k)) fail(*n, path + "." + k, "only a float range (RANGE with COUNT) takes this key");
    }
    int_range_sampler s;
    s.low = integer(ends[0], path + ".RANGE[0]", "an integer (for floats give COUNT too)");
    s.high = integer(ends[1], path + ".RANGE[1]", "an integer (for floats give COUNT too)");
    if (auto* step = spec.child("STEP")) s.step = integer(*step, path + ".STEP", "an integer step");
    checked(s);
    if (s.size() > static_cast<std::uint64_t>(max_count)) fail(*range, path + ".RANGE", fmt::format("expected at most {} values", max_count));
    return s;
  }

  read_part axes_space(const value& spec, const std::string& path, bool is_grid) const {
    allow_keys(spec, path, {"TYPE", "AXES", "SHUFFLE"});
    auto* axes = spec.child("AXES");
    if (axes == nullptr || !axes->is_map() || axes->as_map().empty()) {
      fail(axes ? *axes : spec, path + ".AXES", "expected a map: dotted key -> axis ([values], {VALUES}, {RANGE, STEP} or {RANGE, COUNT})");
    }
    check_keys_disjoint(*axes, path + ".AXES", file_);
    std::vector<std::pair<std::string, dyn_axis>> list;
    std::vector<std::string> keys;
    for (auto& [key, axis_spec] : axes->as_map()) {
      check_key(key, axis_spec, path + ".AXES." + key);
      if (std::find(keys.begin(), keys.end(), key) != keys.end()) fail(axis_spec, path + ".AXES." + key, "this key is bound twice");
      list.emplace_back(key, axis(axis_spec, path + ".AXES." + key));
      keys.push_back(key);
    }
    try {
      dynamic_bindings<dyn_axis> bindings(std::move(list));
      bool shuffled = shuffle(spec, path);
      if (is_grid) return {shuffled_if(grid_space(std::move(bindings)), shuffled), std::move(keys)};
      return {shuffled_if(zip_space(std::move(bindings)), shuffled), std::move(keys)};
    } catch (const error& e) {
      if (!e.where().file.empty()) throw;
      auto key = e.key_path();
      auto* node = key.empty() ? axes : axes->child(key);
      throw error({file_, (node ? *node : *axes).line()}, path + ".AXES" + (key.empty() ? "" : "." + key), e.message());
    }
  }

  read_part parts_space(const value& spec, const std::string& path, bool is_join, int depth) const {
    allow_keys(spec, path, {"TYPE", "PARTS", "SHUFFLE"});
    auto* parts = spec.child("PARTS");
    if (parts == nullptr || !parts->is_list() || parts->as_list().empty()) {
      fail(parts ? *parts : spec, path + ".PARTS", "expected a non-empty list of spaces");
    }
    std::vector<read_part> list;
    std::vector<std::string> keys;  // a when reads keys of earlier parts of its own join only
    for (std::size_t i = 0; i < parts->as_list().size(); ++i) {
      auto& part = parts->as_list()[i];
      auto part_path = fmt::format("{}.PARTS[{}]", path, i);
      list.push_back(read(part, part_path, is_join && i > 0 ? &keys : nullptr, depth + 1));
      if (is_join) check_join_part_keys(list, part, part_path);
      for (auto& k : list.back().keys) {
        if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
      }
    }
    bool shuffled = shuffle(spec, path);
    auto space = [&] {
      try {
        return is_join ? joined(list) : concatenated(list);
      } catch (const error& e) {
        if (!e.where().file.empty()) throw;
        throw error({file_, parts->line()}, path + ".PARTS", e.message());  // e.g. sizes adding up to more than 2^62
      }
    }();
    if (shuffled && space.kind() != space_kind::finite) {
      fail(*spec.child("SHUFFLE"), path + ".SHUFFLE", "only a finite space (all parts grid, zip or finite) can be shuffled");
    }
    return {shuffled_if(std::move(space), shuffled), std::move(keys)};
  }

  /// @brief join(parts...) as nested pairs, each part after the first a space or a when over earlier keys.
  static any_space joined(const std::vector<read_part>& parts) {
    any_space out = parts[0].space();
    for (std::size_t i = 1; i < parts.size(); ++i) {
      out = std::visit([&](auto& part) { return any_space(joined_space<any_space, std::decay_t<decltype(part)>>(out, part)); }, parts[i].part);
    }
    return out;
  }

  static any_space concatenated(const std::vector<read_part>& parts) {
    std::vector<any_space> spaces;
    for (auto& p : parts) spaces.push_back(p.space());
    return any_space(concat_space(dynamic_parts<any_space>(std::move(spaces))));
  }

  read_part when_space(const value& spec, const std::string& path, const std::vector<std::string>* before, int depth) const {
    allow_keys(spec, path, {"TYPE", "KEY", "EQUALS", "SPACE"});
    if (before == nullptr) fail(*spec.child("TYPE"), path + ".TYPE", "a when space must be a part of a join, after the part that sets its KEY");
    auto* key = spec.child("KEY");
    if (key == nullptr || !key->is_string() || !is_valid_key(key->as_string())) {
      fail(key ? *key : spec, path + ".KEY", "expected the dotted config key the condition reads, e.g. MODEL.TYPE");
    }
    if (std::find(before->begin(), before->end(), key->as_string()) == before->end()) {
      fail(*key, path + ".KEY",
           fmt::format("{} is not set by an earlier part of this join: expected one of [{}]{}", key->as_string(),
                       fmt::join(*before, ", "), did_you_mean(key->as_string(), *before)));
    }
    auto* equals = spec.child("EQUALS");
    if (equals == nullptr) fail(spec, path + ".EQUALS", "is required: expected the value of KEY for which SPACE is drawn");
    auto* inner_spec = spec.child("SPACE");
    if (inner_spec == nullptr) fail(spec, path + ".SPACE", "is required: expected the space drawn when KEY equals EQUALS");
    value plain = *equals;
    plain.set_line(0);
    auto inner = read(*inner_spec, path + ".SPACE", nullptr, depth + 1);  // never a when: it has no join
    return {when(key->as_string(), std::move(plain), inner.space()), std::move(inner.keys)};
  }

  read_part sampler_space(const value& spec, const std::string& path, bool is_sobol) const {
    allow_keys(spec, path, {"TYPE", "SAMPLERS"});
    auto* samplers = spec.child("SAMPLERS");
    if (samplers == nullptr || !samplers->is_map() || samplers->as_map().empty()) {
      fail(samplers ? *samplers : spec, path + ".SAMPLERS", "expected a map: dotted key -> sampler (as in SETUP.SAMPLERS)");
    }
    check_keys_disjoint(*samplers, path + ".SAMPLERS", file_);
    std::vector<std::pair<std::string, dyn_sampler>> list;
    std::vector<std::string> keys;
    for (auto& [key, sampler_spec] : samplers->as_map()) {
      auto key_path = path + ".SAMPLERS." + key;
      check_key(key, sampler_spec, key_path);
      auto sampler = samplers_.read(sampler_spec, key_path, key);
      if (is_sobol && !std::visit([](auto& s) { return unit_mappable<std::decay_t<decltype(s)>>; }, sampler.alternative())) {
        fail(sampler_spec, key_path + ".TYPE", "a sobol space takes float_sampler, int_sampler or value_sampler (one coordinate each)");
      }
      for (auto& k : sampler.keys_set(key)) keys.push_back(k);
      list.emplace_back(key, std::move(sampler));
    }
    if (is_sobol && list.size() > sobol_max_dims) {
      fail(*samplers, path + ".SAMPLERS", fmt::format("expected at most {} samplers (the dimensions of the Sobol table)", sobol_max_dims));
    }
    dynamic_bindings<dyn_sampler> bindings(std::move(list));
    if (is_sobol) return {any_space(sobol_space(std::move(bindings))), std::move(keys)};
    return {any_space(typed_space(std::move(bindings))), std::move(keys)};
  }

  template <class S>
  static any_space shuffled_if(S space, bool shuffled) {
    if (shuffled) return any_space(shuffled_space(std::move(space)));
    return any_space(std::move(space));
  }
  static any_space shuffled_if(any_space space, bool shuffled) {
    if (shuffled) return any_space(shuffled_space(std::move(space)));
    return space;
  }

  std::string file_;
  sampler_reader samplers_;
};

}  // namespace detail

/// @brief A SETUP.SPACE spec as a combinator space; errors name `file`, the line and the key path.
inline any_space load_space_spec(const value& spec, const std::string& file, const std::string& path = "SETUP.SPACE") {
  return detail::space_spec_reader(file).read(spec, path).space();  // a when outside a join is an error
}

/// @brief The space a sweep config sets up: SETUP.SPACE, or pycls's SETUP.SAMPLERS as a random space (never both).
inline any_space load_setup_space(const sweep_config& cfg) {
  const auto& s = cfg.setup;
  if (!s.space.is_null() && !s.samplers.is_null()) {
    throw error({cfg.file, s.space.line()}, "SETUP.SPACE",
                "SETUP.SPACE and SETUP.SAMPLERS are alternatives: expected one of them (move the samplers into a "
                "`TYPE: random` part of the space, or drop SPACE)");
  }
  if (!s.space.is_null()) return load_space_spec(s.space, cfg.file);
  auto samplers = load_space(s.samplers, cfg.file);
  if (samplers.empty()) {
    // Every draw would be the same empty config: say so instead of drawing NUM_SAMPLES of them.
    throw error({cfg.file, s.samplers.line()}, "SETUP.SAMPLERS",
                "nothing to sample: expected at least one sampler in SETUP.SAMPLERS or a SETUP.SPACE (a sweep written "
                "as code keeps its space in the program: set it up with sweep::setup(cfg, space))");
  }
  return any_space(std::move(samplers));
}

}  // namespace sweep
