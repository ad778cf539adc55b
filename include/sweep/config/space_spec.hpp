// SETUP.SPACE -> dyn_space: sweep's combinator spaces written in YAML, the
// alternative to pycls's SETUP.SAMPLERS (a config has one or the other).
// dyn_space is the runtime form of space/combinators.hpp (alternatives over the
// same pieces); it lives here so code using only the typed DSL does not compile it.
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
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace sweep {

// ---------------------------------------------------------------------------
// The runtime form: the combinators' pieces as alternatives, records as (key, value) pairs.

/// @brief A finite sampler known at run time: VALUES, an int RANGE with STEP, or a float RANGE with COUNT.
class dyn_axis {
 public:
  using alternatives = std::variant<choice_sampler<value>, int_range_sampler, float_range_sampler>;

  template <class S>
    requires std::is_constructible_v<alternatives, S>
  dyn_axis(S sampler) : axis_(std::move(sampler)) {}

  [[nodiscard]] const alternatives& alternative() const noexcept { return axis_; }
  [[nodiscard]] std::uint64_t size() const {
    return std::visit([](auto& a) { return detail::axis_traits<std::decay_t<decltype(a)>>::size(a); }, axis_);
  }
  [[nodiscard]] value at(std::uint64_t i) const {
    return std::visit([&](auto& a) { return detail::to_value(detail::axis_traits<std::decay_t<decltype(a)>>::at(a, i)); }, axis_);
  }

 private:
  alternatives axis_;
};

/// @brief A combinator space read from SETUP.SPACE: grid, zip, concat, join (with when parts), sobol or random.
class dyn_space {
 public:
  using record_type = param_list;
  using axis_list = std::vector<std::pair<std::string, dyn_axis>>;

  struct grid_node { axis_list axes; };
  struct zip_node { axis_list axes; };
  struct concat_node { std::vector<dyn_space> parts; };
  struct join_node { std::shared_ptr<const dyn_space> first, second; };  // second may be a when
  struct when_node { std::string key; value equals; std::shared_ptr<const dyn_space> space; };
  struct sobol_node { std::vector<std::pair<std::string, dyn_sampler>> samplers; };
  struct random_node { runtime_space space; };
  using node = std::variant<grid_node, zip_node, concat_node, join_node, when_node, sobol_node, random_node>;

  /// @brief The space of one node; sizes are worked out here (a zip's axes must have one length).
  explicit dyn_space(node n, bool shuffled = false) : node_(std::move(n)), shuffle_(shuffled) { prepare(); }

  /// @brief `join(parts...)` as nested pairs: each part after the first may be a when over earlier keys.
  static dyn_space join(std::vector<dyn_space> parts, bool shuffled = false) {
    if (parts.empty()) throw error("sweep::dyn_space::join: expected at least one part");
    auto joined = std::make_shared<const dyn_space>(std::move(parts[0]));
    for (std::size_t i = 1; i < parts.size(); ++i) {
      bool last = i + 1 == parts.size();
      joined = std::make_shared<const dyn_space>(join_node{joined, std::make_shared<const dyn_space>(std::move(parts[i]))},
                                                 last && shuffled);
    }
    return *joined;
  }

  [[nodiscard]] const node& get() const noexcept { return node_; }
  [[nodiscard]] space_kind kind() const noexcept { return kind_; }
  [[nodiscard]] bool shuffled() const noexcept { return shuffle_; }
  /// @brief The number of configs of a finite space.
  [[nodiscard]] std::uint64_t size() const {
    if (kind_ != space_kind::finite) throw error("sweep::dyn_space::size: the space is not finite");
    return size_;
  }
  [[nodiscard]] dyn_space with_seed(std::uint64_t seed) const {
    auto copy = *this;
    copy.seed_ = seed;
    return copy;
  }
  /// @brief The keys the space may set, in the order first set.
  [[nodiscard]] std::vector<std::string> keys() const {
    std::vector<std::string> out;
    add_keys(out);
    return out;
  }

  [[nodiscard]] record_type at(std::uint64_t i) const {
    if (kind_ == space_kind::random) throw error("sweep::dyn_space::at: a random space has no index");
    if (kind_ == space_kind::finite && i >= size_) throw error(fmt::format("sweep::dyn_space::at: index {} of {}", i, size_));
    param_list out;
    at_into(i, out);
    return out;
  }
  [[nodiscard]] record_type draw(numpy_rng& rng) const {
    param_list out;
    draw_into(rng, out);
    return out;
  }
  [[nodiscard]] bool accepts(const record_type&) const noexcept { return true; }
  void append_key_text(std::string& out, const record_type& r) const {
    for (auto& [key, v] : r) detail::append_key_value(out, key, v);
  }
  void append_params(param_list& out, const record_type& r) const { out.insert(out.end(), r.begin(), r.end()); }

 private:
  template <class... F>
  struct overload : F... { using F::operator()...; };
  template <class... F>
  overload(F...) -> overload<F...>;

  static bool active(const when_node& w, const param_list& before) {
    for (auto it = before.rbegin(); it != before.rend(); ++it) {
      if (it->first != w.key) continue;
      // 2 and 2.0 are one value to a condition, as they are to Python's ==
      if (it->second.is_number() && w.equals.is_number()) return it->second.as_float() == w.equals.as_float();
      return it->second == w.equals;
    }
    return false;
  }

  static value from_unit(const dyn_sampler& s, double u) {
    return std::visit(
        [&](auto& a) -> value {
          using S = std::decay_t<decltype(a)>;
          if constexpr (detail::unit_mappable<S>) {
            return detail::to_value(detail::from_unit(a, u));
          } else {
            throw error("sweep::sobol: a list or regnet sampler has no single coordinate");
          }
        },
        s.alternative());
  }

  void prepare() {
    std::visit(overload{
                   [&](const grid_node& g) {
                     kind_ = space_kind::finite;
                     size_ = 1;
                     for (auto& [key, axis] : g.axes) size_ = detail::checked_mul(size_, axis.size(), "grid");
                   },
                   [&](const zip_node& z) {
                     kind_ = space_kind::finite;
                     size_ = z.axes.empty() ? 0 : z.axes.front().second.size();
                     for (auto& [key, axis] : z.axes) {
                       if (axis.size() != size_) {
                         throw error({}, key, fmt::format("zip: this axis has {} values but {} has {}: expected axes of one length",
                                                          axis.size(), z.axes.front().first, size_));
                       }
                     }
                   },
                   [&](const concat_node& c) {
                     bool finite = std::all_of(c.parts.begin(), c.parts.end(), [](auto& p) { return p.kind_ == space_kind::finite; });
                     kind_ = finite ? space_kind::finite : space_kind::random;
                     if (!finite) return;
                     auto offsets = std::make_shared<std::vector<std::uint64_t>>(1, 0);
                     for (auto& p : c.parts) offsets->push_back(detail::checked_add(offsets->back(), p.size_, "concat"));
                     size_ = offsets->back();
                     offsets_ = std::move(offsets);
                   },
                   [&](const join_node& j) {
                     auto* when_part = std::get_if<when_node>(&j.second->node_);
                     bool finite = j.first->kind_ == space_kind::finite && j.second->kind_ == space_kind::finite;
                     kind_ = finite ? space_kind::finite : space_kind::random;
                     if (!finite) return;
                     if (when_part == nullptr) {
                       size_ = detail::checked_mul(j.first->size_, j.second->size_, "join");
                       return;
                     }
                     auto offsets = std::make_shared<std::vector<std::uint64_t>>(1, 0);
                     offsets->reserve(j.first->size_ + 1);
                     for (std::uint64_t i = 0; i < j.first->size_; ++i) {
                       offsets->push_back(detail::checked_add(offsets->back(), active(*when_part, j.first->at(i)) ? j.second->size_ : 1, "join"));
                     }
                     size_ = offsets->back();
                     offsets_ = std::move(offsets);
                   },
                   [&](const when_node& w) {
                     kind_ = w.space->kind_;
                     size_ = w.space->size_;
                   },
                   [&](const sobol_node&) { kind_ = space_kind::sequence; },
                   [&](const random_node&) { kind_ = space_kind::random; },
               },
               node_);
  }

  void add_keys(std::vector<std::string>& out) const {
    auto add = [&](const std::string& k) {
      if (std::find(out.begin(), out.end(), k) == out.end()) out.push_back(k);
    };
    std::visit(overload{
                   [&](const grid_node& g) { for (auto& [k, a] : g.axes) add(k); },
                   [&](const zip_node& z) { for (auto& [k, a] : z.axes) add(k); },
                   [&](const concat_node& c) { for (auto& p : c.parts) p.add_keys(out); },
                   [&](const join_node& j) { j.first->add_keys(out); j.second->add_keys(out); },
                   [&](const when_node& w) { w.space->add_keys(out); },
                   [&](const sobol_node& s) { for (auto& [k, a] : s.samplers) add(k); },
                   [&](const random_node& r) {
                     for (auto& [k, sampler] : r.space.samplers()) {
                       if (!sampler.is_composite()) {
                         add(k);
                         continue;
                       }
                       for (auto* name : {"DEPTH", "W0", "WA", "WM", "GROUP_W", "BOT_MUL"}) add(k + "." + name);
                     }
                   },
               },
               node_);
  }

  void at_into(std::uint64_t i, param_list& out) const {
    std::visit(overload{
                   [&](const grid_node& g) {
                     std::vector<std::uint64_t> idx(g.axes.size());
                     for (std::size_t a = g.axes.size(); a-- > 0;) {
                       auto n = g.axes[a].second.size();
                       idx[a] = i % n;
                       i /= n;
                     }
                     for (std::size_t a = 0; a < g.axes.size(); ++a) out.emplace_back(g.axes[a].first, g.axes[a].second.at(idx[a]));
                   },
                   [&](const zip_node& z) { for (auto& [k, a] : z.axes) out.emplace_back(k, a.at(i)); },
                   [&](const concat_node& c) {
                     auto& o = *offsets_;
                     auto p = static_cast<std::size_t>(std::upper_bound(o.begin(), o.end(), i) - o.begin() - 1);
                     c.parts[p].at_into(i - o[p], out);
                   },
                   [&](const join_node& j) {
                     auto* when_part = std::get_if<when_node>(&j.second->node_);
                     if (when_part == nullptr) {
                       auto n = j.second->size_;
                       j.first->at_into(i / n, out);
                       j.second->at_into(i % n, out);
                       return;
                     }
                     auto& o = *offsets_;
                     auto p = static_cast<std::uint64_t>(std::upper_bound(o.begin(), o.end(), i) - o.begin() - 1);
                     j.first->at_into(p, out);
                     if (active(*when_part, out)) when_part->space->at_into(i - o[p], out);
                   },
                   [&](const when_node& w) { w.space->at_into(i, out); },
                   [&](const sobol_node& s) {
                     for (std::size_t d = 0; d < s.samplers.size(); ++d) {
                       out.emplace_back(s.samplers[d].first, from_unit(s.samplers[d].second, detail::sobol_unit(i, d, seed_)));
                     }
                   },
                   [&](const random_node&) { throw error("sweep::dyn_space::at: a random space has no index"); },
               },
               node_);
  }

  void draw_into(numpy_rng& rng, param_list& out) const {
    std::visit(overload{
                   [&](const grid_node& g) {
                     for (auto& [k, a] : g.axes) out.emplace_back(k, a.at(static_cast<std::uint64_t>(rng.randint(static_cast<std::int64_t>(a.size())))));
                   },
                   [&](const zip_node&) { at_into(static_cast<std::uint64_t>(rng.randint(static_cast<std::int64_t>(size_))), out); },
                   [&](const concat_node& c) {
                     c.parts[static_cast<std::size_t>(rng.randint(static_cast<std::int64_t>(c.parts.size())))].draw_into(rng, out);
                   },
                   [&](const join_node& j) {
                     j.first->draw_into(rng, out);
                     auto* when_part = std::get_if<when_node>(&j.second->node_);
                     if (when_part == nullptr) {
                       j.second->draw_into(rng, out);
                     } else if (active(*when_part, out)) {
                       when_part->space->draw_into(rng, out);
                     }
                   },
                   [&](const when_node& w) { w.space->draw_into(rng, out); },
                   [&](const sobol_node& s) {
                     for (auto& [k, sampler] : s.samplers) out.emplace_back(k, from_unit(sampler, rng.uniform(0.0, 1.0)));
                   },
                   [&](const random_node& r) {
                     r.space.append_params(out, r.space.draw(rng));
                   },
               },
               node_);
  }

  node node_;
  bool shuffle_ = false;
  space_kind kind_ = space_kind::random;
  std::uint64_t size_ = 0;
  std::uint64_t seed_ = 0;
  std::shared_ptr<const std::vector<std::uint64_t>> offsets_;  // concat: per part; join with when: per first record
};

namespace detail {

class space_spec_reader {
 public:
  explicit space_spec_reader(std::string file) : file_(std::move(file)), samplers_(file_) {}

  /// @brief The space at `path`; `before` holds the keys earlier parts of an enclosing join set (for when).
  dyn_space read(const value& spec, const std::string& path, const std::vector<std::string>* before = nullptr,
                 int depth = 0) const {
    static const std::vector<std::string> types = {"grid", "zip", "concat", "join", "when", "sobol", "random"};
    if (!spec.is_map()) fail(spec, path, "expected a space: a map with TYPE (grid, zip, concat, join, when, sobol, random)");
    if (depth > max_depth) fail(spec, path, fmt::format("expected spaces nested at most {} deep", max_depth));
    auto* type = spec.child("TYPE");
    if (type == nullptr || !type->is_string()) fail(type ? *type : spec, path + ".TYPE", "expected one of grid, zip, concat, join, when, sobol, random");
    const auto& t = type->as_string();
    if (t == "grid" || t == "zip") {
      allow_keys(spec, path, {"TYPE", "AXES", "SHUFFLE"});
      auto* axes = spec.child("AXES");
      if (axes == nullptr || !axes->is_map() || axes->as_map().empty()) {
        fail(axes ? *axes : spec, path + ".AXES", "expected a map: dotted key -> axis ([values], {VALUES}, {RANGE, STEP} or {RANGE, COUNT})");
      }
      check_keys_disjoint(*axes, path + ".AXES", file_);
      dyn_space::axis_list list;
      for (auto& [key, axis_spec] : axes->as_map()) {
        check_key(key, axis_spec, path + ".AXES." + key);
        if (std::any_of(list.begin(), list.end(), [&key = key](auto& a) { return a.first == key; })) {
          fail(axis_spec, path + ".AXES." + key, "this key is bound twice");
        }
        list.emplace_back(key, axis(axis_spec, path + ".AXES." + key));
      }
      try {
        auto node = t == "grid" ? dyn_space::node{dyn_space::grid_node{std::move(list)}} : dyn_space::node{dyn_space::zip_node{std::move(list)}};
        return dyn_space(std::move(node), shuffle(spec, path));
      } catch (const error& e) {
        auto key = e.key_path();
        auto* node = key.empty() ? axes : axes->child(key);
        throw error({file_, (node ? *node : *axes).line()}, path + ".AXES" + (key.empty() ? "" : "." + key), e.message());
      }
    }
    if (t == "concat" || t == "join") {
      allow_keys(spec, path, {"TYPE", "PARTS", "SHUFFLE"});
      auto* parts = spec.child("PARTS");
      if (parts == nullptr || !parts->is_list() || parts->as_list().empty()) {
        fail(parts ? *parts : spec, path + ".PARTS", "expected a non-empty list of spaces");
      }
      std::vector<dyn_space> list;
      std::vector<std::string> keys;  // a when reads keys of earlier parts of its own join only
      for (std::size_t i = 0; i < parts->as_list().size(); ++i) {
        auto& part = parts->as_list()[i];
        auto part_path = fmt::format("{}.PARTS[{}]", path, i);
        bool join_tail = t == "join" && i > 0;
        list.push_back(read(part, part_path, join_tail ? &keys : nullptr, depth + 1));
        if (t == "join") {
          check_join_part_keys(list, part, part_path);
          for (auto& k : list.back().keys()) keys.push_back(k);
        }
      }
      bool shuffled = shuffle(spec, path);
      auto space = [&] {
        try {
          return t == "concat" ? dyn_space(dyn_space::concat_node{std::move(list)}, shuffled) : dyn_space::join(std::move(list), shuffled);
        } catch (const error& e) {
          if (!e.where().file.empty()) throw;
          throw error({file_, parts->line()}, path + ".PARTS", e.message());  // e.g. sizes adding up to more than 2^62
        }
      }();
      if (shuffled && space.kind() != space_kind::finite) {
        fail(*spec.child("SHUFFLE"), path + ".SHUFFLE", "only a finite space (all parts grid, zip or finite) can be shuffled");
      }
      return space;
    }
    if (t == "when") {
      allow_keys(spec, path, {"TYPE", "KEY", "EQUALS", "SPACE"});
      if (before == nullptr) fail(*type, path + ".TYPE", "a when space must be a part of a join, after the part that sets its KEY");
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
      auto* inner = spec.child("SPACE");
      if (inner == nullptr) fail(spec, path + ".SPACE", "is required: expected the space drawn when KEY equals EQUALS");
      value plain = *equals;
      plain.set_line(0);
      return dyn_space(dyn_space::when_node{key->as_string(), std::move(plain),
                                            std::make_shared<const dyn_space>(read(*inner, path + ".SPACE", nullptr, depth + 1))});
    }
    if (t == "sobol" || t == "random") {
      allow_keys(spec, path, {"TYPE", "SAMPLERS"});
      auto* samplers = spec.child("SAMPLERS");
      if (samplers == nullptr || !samplers->is_map() || samplers->as_map().empty()) {
        fail(samplers ? *samplers : spec, path + ".SAMPLERS", "expected a map: dotted key -> sampler (as in SETUP.SAMPLERS)");
      }
      check_keys_disjoint(*samplers, path + ".SAMPLERS", file_);
      std::vector<std::pair<std::string, dyn_sampler>> list;
      for (auto& [key, sampler_spec] : samplers->as_map()) {
        auto key_path = path + ".SAMPLERS." + key;
        check_key(key, sampler_spec, key_path);
        auto sampler = samplers_.read(sampler_spec, key_path, key);
        if (t == "sobol" && !std::visit([](auto& s) { return unit_mappable<std::decay_t<decltype(s)>>; }, sampler.alternative())) {
          fail(sampler_spec, key_path + ".TYPE", "a sobol space takes float_sampler, int_sampler or value_sampler (one coordinate each)");
        }
        list.emplace_back(key, std::move(sampler));
      }
      if (t == "sobol" && list.size() > sobol_max_dims) {
        fail(*samplers, path + ".SAMPLERS", fmt::format("expected at most {} samplers (the dimensions of the Sobol table)", sobol_max_dims));
      }
      if (t == "sobol") return dyn_space(dyn_space::sobol_node{std::move(list)});
      return dyn_space(dyn_space::random_node{runtime_space(std::move(list))});
    }
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
  void check_join_part_keys(const std::vector<dyn_space>& parts, const value& spec, const std::string& path) const {
    auto* when = std::get_if<dyn_space::when_node>(&parts.back().get());
    for (std::size_t j = 0; j + 1 < parts.size(); ++j) {
      auto* other = std::get_if<dyn_space::when_node>(&parts[j].get());
      if (when != nullptr && other != nullptr && when->key == other->key && !(when->equals == other->equals)) continue;
      for (auto& key : parts.back().keys()) {
        for (auto& earlier : parts[j].keys()) {
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

  std::string file_;
  sampler_reader samplers_;
};

}  // namespace detail

/// @brief A SETUP.SPACE spec as a runtime combinator space; errors name `file`, the line and the key path.
inline dyn_space load_space_spec(const value& spec, const std::string& file, const std::string& path = "SETUP.SPACE") {
  return detail::space_spec_reader(file).read(spec, path);
}

/// @brief The space a sweep config sets up: SETUP.SPACE, or pycls's SETUP.SAMPLERS as a random space (never both).
inline dyn_space load_setup_space(const sweep_config& cfg) {
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
  return dyn_space(dyn_space::random_node{std::move(samplers)});
}

}  // namespace sweep
