// concat(a, b, ...): the union of spaces, one after another (e.g. two model
// families, each with its own keys). The parts are a tuple fixed at compile
// time (static_parts: a record is a std::variant of the parts' records) or a
// vector chosen at run time (dynamic_parts: a record is tagged with its part).
#pragma once

#include <sweep/error.hpp>
#include <sweep/random.hpp>
#include <sweep/space/join.hpp>
#include <sweep/space/traits.hpp>
#include <sweep/space/where.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace sweep {

namespace detail {

/// @brief f(std::integral_constant<std::size_t, I>) for the runtime index i < N.
template <std::size_t N, class F>
auto with_index(std::size_t i, F&& f) -> decltype(f(std::integral_constant<std::size_t, 0>{})) {
  using R = decltype(f(std::integral_constant<std::size_t, 0>{}));
  return [&]<std::size_t... I>(std::index_sequence<I...>) -> R {
    if constexpr (std::is_void_v<R>) {
      ((i == I ? (f(std::integral_constant<std::size_t, I>{}), true) : false) || ...);
    } else {
      std::optional<R> out;
      ((i == I ? (out.emplace(f(std::integral_constant<std::size_t, I>{})), true) : false) || ...);
      return std::move(*out);
    }
  }(std::make_index_sequence<N>{});
}

}  // namespace detail

/// @brief The parts of a concat written as code: each its own type, a record is a variant of theirs.
template <class... Parts>
class static_parts {
 public:
  using record_type = std::variant<typename Parts::record_type...>;
  static constexpr bool indexable = (finite_space<Parts> && ...);

  explicit static_parts(Parts... parts) : parts_(std::move(parts)...) {}
  [[nodiscard]] static constexpr std::size_t count() noexcept { return sizeof...(Parts); }

  /// @brief f(part, I) for the part p (I: its index, an integral_constant).
  template <class F>
  decltype(auto) with_part(std::size_t p, F&& f) const {
    return detail::with_index<sizeof...(Parts)>(p, [&](auto I) { return f(std::get<I>(parts_), I); });
  }
  /// @brief f(part, its record in r, I) for the part r came from.
  template <class F>
  decltype(auto) with_record(const record_type& r, F&& f) const {
    return with_part(r.index(), [&](auto& part, auto I) { return f(part, std::get<I>(r), I); });
  }
  template <class I, class R>
  static record_type wrap(I, R r) {
    return record_type(std::in_place_index<I::value>, std::move(r));
  }

 private:
  std::tuple<Parts...> parts_;
};

/// @brief A record of a concat of run-time parts: the part it came from, and its record there.
template <class Record>
struct tagged_record {
  std::size_t part = 0;
  Record record;
  friend bool operator==(const tagged_record&, const tagged_record&) = default;
};

/// @brief The parts of a concat chosen at run time (a YAML concat): spaces of one type S.
template <class S>
class dynamic_parts {
 public:
  using record_type = tagged_record<typename S::record_type>;
  static constexpr bool indexable = finite_space<S>;

  explicit dynamic_parts(std::vector<S> parts) : parts_(std::move(parts)) {
    if (parts_.empty()) throw error("concat: expected at least one part");
  }
  [[nodiscard]] std::size_t count() const noexcept { return parts_.size(); }

  template <class F>
  decltype(auto) with_part(std::size_t p, F&& f) const {
    return f(parts_[p], p);
  }
  template <class F>
  decltype(auto) with_record(const record_type& r, F&& f) const {
    return f(parts_[r.part], r.record, r.part);
  }
  template <class R>
  static record_type wrap(std::size_t p, R r) {
    return {p, std::move(r)};
  }

 private:
  std::vector<S> parts_;
};

/// @brief Several spaces, each with its own keys, one after another; finite when every part is.
template <class Parts>
class concat_space : public detail::space_interface<concat_space<Parts>> {
 public:
  using record_type = typename Parts::record_type;

  explicit concat_space(Parts parts) : parts_(std::move(parts)) {
    finite_ = Parts::indexable;
    for (std::size_t p = 0; p < parts_.count(); ++p) {
      parts_.with_part(p, [&](auto& part, auto) {
        wheres_before_.push_back(wheres_);
        wheres_ += detail::count_wheres(part);
        finite_ = finite_ && kind_of(part) == space_kind::finite;
      });
    }
    if constexpr (Parts::indexable) {
      for (std::size_t p = 0; finite_ && p < parts_.count(); ++p) {
        parts_.with_part(p, [&](auto& part, auto) { offsets_.add(part.size()); });
      }
    }
  }

  /// @brief A part chosen uniformly, then a record of it.
  [[nodiscard]] record_type draw(numpy_rng& rng) const {
    auto p = static_cast<std::size_t>(rng.randint(static_cast<std::int64_t>(parts_.count())));
    return parts_.with_part(p, [&](auto& part, auto i) { return Parts::wrap(i, part.draw(rng)); });
  }
  [[nodiscard]] bool accepts(const record_type& r) const {
    return parts_.with_record(r, [&](auto& part, auto& rec, auto) { return part.accepts(rec); });
  }
  /// @brief Each part's wheres are numbered after those of the parts before it.
  [[nodiscard]] std::size_t rejected_by(const record_type& r) const {
    return parts_.with_record(r, [&](auto& part, auto& rec, auto i) -> std::size_t {
      auto k = detail::rejected_by(part, rec);
      return k == 0 ? 0 : wheres_before_[i] + k;
    });
  }
  void append_where_names(std::vector<std::string>& out) const {
    for (std::size_t p = 0; p < parts_.count(); ++p) parts_.with_part(p, [&](auto& part, auto) { detail::append_where_names(part, out); });
  }
  void append_key_text(std::string& out, const record_type& r) const {
    parts_.with_record(r, [&](auto& part, auto& rec, auto) { part.append_key_text(out, rec); });
  }
  void append_params(param_list& out, const record_type& r) const {
    parts_.with_record(r, [&](auto& part, auto& rec, auto) { part.append_params(out, rec); });
  }

  [[nodiscard]] space_kind kind() const noexcept { return finite_ ? space_kind::finite : space_kind::random; }
  /// @brief The sum of the parts' sizes.
  [[nodiscard]] std::uint64_t size() const requires Parts::indexable {
    check_finite();
    return offsets_.total();
  }
  /// @brief The first part's records, then the second's, ...
  [[nodiscard]] record_type at(std::uint64_t i) const requires Parts::indexable {
    check_finite();
    auto p = offsets_.block_of(i);
    return parts_.with_part(p, [&](auto& part, auto k) { return Parts::wrap(k, part.at(i - offsets_.start(p))); });
  }

 private:
  void check_finite() const {
    if (!finite_) throw error("concat: a part is not finite (grid, zip, concat or join of finite parts): the concat has no index");
  }

  Parts parts_;
  bool finite_ = false;
  std::size_t wheres_ = 0;
  std::vector<std::size_t> wheres_before_;  // part p's wheres are numbered after these
  detail::block_offsets offsets_{"concat"};
};

/// @brief `concat(a, b, ...)`: the union of spaces (e.g. two model families, each with its own keys).
struct concat_fn {
  template <class... Parts>
  auto operator()(Parts... parts) const {
    static_assert(sizeof...(Parts) > 0, "sweep::concat(spaces...) requires at least one space");
    static_assert(!(detail::is_when<Parts>::value || ...), "sweep::concat(spaces...) takes spaces; use when(...) inside join(...)");
    return concat_space<static_parts<Parts...>>(static_parts<Parts...>(std::move(parts)...));
  }
};
inline constexpr concat_fn concat{};

}  // namespace sweep
