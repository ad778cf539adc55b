// any_space: one type for any space, so that parts chosen at run time (a YAML
// SETUP.SPACE) nest in the same combinators the C++ DSL uses: a YAML join is a
// joined_space<any_space, ...>, a concat a concat_space<dynamic_parts<any_space>>.
// Its record is what every stage after sampling reads of a record: the (key,
// value) pairs, pycls's key text, and which `where` (if any) refused it.
#pragma once

#include <sweep/error.hpp>
#include <sweep/random.hpp>
#include <sweep/space/sampler.hpp>
#include <sweep/space/traits.hpp>
#include <sweep/space/where.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sweep {

/// @brief A record of an any_space: the wrapped space's record, as setup reads it.
struct erased_record {
  param_list params;
  std::string key_text;
  std::size_t rejected = 0;  // 0, or the where that refused it (as detail::rejected_by numbers them)
  friend bool operator==(const erased_record&, const erased_record&) = default;
};

/// @brief Any space (random, finite or sequence), its kind known at run time.
class any_space {
 public:
  using record_type = erased_record;

  template <class S>
    requires(!std::is_same_v<std::remove_cvref_t<S>, any_space>)
  explicit any_space(S inner) : self_(std::make_shared<const model<S>>(std::move(inner))) {}

  [[nodiscard]] space_kind kind() const { return self_->kind(); }
  [[nodiscard]] bool shuffled() const { return self_->shuffled(); }
  /// @brief The number of records of a finite space (an error for another kind).
  [[nodiscard]] std::uint64_t size() const { return self_->size(); }
  /// @brief Record i of a finite or sequence space (an error for a random one).
  [[nodiscard]] record_type at(std::uint64_t i) const { return self_->at(i); }
  [[nodiscard]] record_type draw(numpy_rng& rng) const { return self_->draw(rng); }
  [[nodiscard]] any_space with_seed(std::uint64_t seed) const { return any_space(self_->with_seed(seed)); }

  [[nodiscard]] bool accepts(const record_type& r) const noexcept { return r.rejected == 0; }
  [[nodiscard]] std::size_t rejected_by(const record_type& r) const noexcept { return r.rejected; }
  void append_where_names(std::vector<std::string>& out) const { self_->append_where_names(out); }
  void append_key_text(std::string& out, const record_type& r) const {
    if (!out.empty() && !r.key_text.empty()) out += ' ';  // as append_key_value separates pairs
    out += r.key_text;
  }
  void append_params(param_list& out, const record_type& r) const { out.insert(out.end(), r.params.begin(), r.params.end()); }

 private:
  struct concept_t {
    virtual ~concept_t() = default;
    [[nodiscard]] virtual space_kind kind() const = 0;
    [[nodiscard]] virtual bool shuffled() const = 0;
    [[nodiscard]] virtual std::uint64_t size() const = 0;
    [[nodiscard]] virtual erased_record at(std::uint64_t i) const = 0;
    [[nodiscard]] virtual erased_record draw(numpy_rng& rng) const = 0;
    [[nodiscard]] virtual std::shared_ptr<const concept_t> with_seed(std::uint64_t seed) const = 0;
    virtual void append_where_names(std::vector<std::string>& out) const = 0;
  };

  template <class S>
  struct model final : concept_t {
    explicit model(S s) : space(std::move(s)) {}
    [[nodiscard]] space_kind kind() const override { return kind_of(space); }
    [[nodiscard]] bool shuffled() const override { return is_shuffled(space); }
    [[nodiscard]] std::uint64_t size() const override {
      if constexpr (finite_space<S>) {
        if (kind_of(space) == space_kind::finite) return space.size();
      }
      throw error("the space is not finite (grid, zip, concat or join of finite parts): it has no size");
    }
    [[nodiscard]] erased_record at(std::uint64_t i) const override {
      if constexpr (indexed_space<S>) {
        if (kind_of(space) != space_kind::random) return erase(space.at(i));
      }
      throw error("a random space has no index: its records are drawn");
    }
    [[nodiscard]] erased_record draw(numpy_rng& rng) const override { return erase(space.draw(rng)); }
    [[nodiscard]] std::shared_ptr<const concept_t> with_seed(std::uint64_t seed) const override {
      return std::make_shared<const model>(sweep::with_seed(space, seed));
    }
    void append_where_names(std::vector<std::string>& out) const override { detail::append_where_names(space, out); }

    erased_record erase(const typename S::record_type& r) const {
      erased_record out;
      space.append_params(out.params, r);
      space.append_key_text(out.key_text, r);
      out.rejected = detail::rejected_by(space, r);
      return out;
    }

    S space;
  };

  explicit any_space(std::shared_ptr<const concept_t> self) : self_(std::move(self)) {}

  std::shared_ptr<const concept_t> self_;
};

}  // namespace sweep
