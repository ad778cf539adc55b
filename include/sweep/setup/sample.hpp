// The sampling engine of setup, as pycls's sweep_setup runs it: chunks of
// CHUNK_SIZE draws, each seeded from RNG_SEED's stream, NUM_PROC chunks at a
// time, until NUM_CONFIGS unique valid configs exist or NUM_SAMPLES draws were
// made; then the configs are shuffled and cut with the same stream. Each
// chunk's candidates are checked on the typed record first; a config tree is
// only built for what survives.
#pragma once

#include <sweep/base/parallel.hpp>
#include <sweep/config/sweep_config.hpp>
#include <sweep/random.hpp>
#include <sweep/space.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <memory_resource>
#include <string_view>
#include <exception>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace sweep {

/// @brief A space the engine can sample: draws records, checks them, prints their key text.
template <class S>
concept sampleable_space = requires(const S& s, numpy_rng& rng, const typename S::record_type& r, std::string& text,
                                    param_list& params) {
  { s.draw(rng) } -> std::same_as<typename S::record_type>;
  { s.accepts(r) } -> std::convertible_to<bool>;
  s.append_key_text(text, r);
  s.append_params(params, r);
};

namespace detail {

/// @brief A candidate's key text with its hash, worked out once by the worker that drew it and reused by the merge.
struct hashed_key {
  std::string_view text;
  std::size_t hash = 0;
  friend bool operator==(const hashed_key& a, const hashed_key& b) noexcept { return a.hash == b.hash && a.text == b.text; }
};
struct hashed_key_hash {
  std::size_t operator()(const hashed_key& k) const noexcept { return k.hash; }
};

/// @brief Memory for many key texts, freed all at once: a key costs no allocation of its own.
class key_arena {
 public:
  hashed_key store(std::string_view text, std::size_t hash) {
    auto* chars = static_cast<char*>(memory_->allocate(std::max<std::size_t>(1, text.size()), 1));
    std::copy(text.begin(), text.end(), chars);
    return {{chars, text.size()}, hash};
  }
  [[nodiscard]] std::pmr::memory_resource* resource() const noexcept { return memory_.get(); }

 private:
  // behind a pointer, so the texts stay put when the arena is moved
  std::unique_ptr<std::pmr::monotonic_buffer_resource> memory_ = std::make_unique<std::pmr::monotonic_buffer_resource>();
};

}  // namespace detail

/// @brief Where sampling stands, reported after each round of chunks.
struct sample_progress {
  std::int64_t sampled = 0;  // candidates drawn so far (pycls counts whole chunks)
  std::int64_t kept = 0;     // unique valid configs so far
  double seconds = 0;
};

/// @brief What the candidate test removed, rule by rule: setup reports it so no candidate falls silently.
struct rejection_counts {
  std::int64_t drawn = 0;       // candidates looked at (records drawn or enumerated)
  std::int64_t duplicates = 0;  // keys met before (in the chunk, or in an earlier chunk)
  std::int64_t where = 0;       // refused by the space's own `where`s, in all
  std::vector<std::int64_t> wheres;  // ... per where (rejected_by - 1), named by where_names
  std::vector<std::string> where_names;  // the space's wheres (space/space.hpp append_where_names)
  std::vector<std::int64_t> rules;  // refused by the config-level check, per rule (reject_reason - 1)

  void add(const rejection_counts& o) {
    drawn += o.drawn;
    duplicates += o.duplicates;
    where += o.where;
    add_counts(wheres, o.wheres);
    add_counts(rules, o.rules);
  }
  void count_rule(std::size_t reason) { count(rules, reason); }
  void count_where(std::size_t which) {
    ++where;
    count(wheres, which);
  }

 private:
  static void count(std::vector<std::int64_t>& counts, std::size_t one_based) {
    if (counts.size() < one_based) counts.resize(one_based);
    ++counts[one_based - 1];
  }
  static void add_counts(std::vector<std::int64_t>& to, const std::vector<std::int64_t>& from) {
    if (to.size() < from.size()) to.resize(from.size());
    for (std::size_t i = 0; i < from.size(); ++i) to[i] += from[i];
  }
};

/// @brief What sampling found: the configs in their final (shuffled) order.
template <class Record>
struct sample_result {
  std::vector<std::string_view> keys;  // pycls's key text of each config, its DESC (the text lives in key_texts)
  std::vector<Record> records;
  std::shared_ptr<const std::vector<detail::key_arena>> key_texts;
  std::int64_t sampled = 0;
  std::int64_t found = 0;  // unique valid configs found before the cut to NUM_CONFIGS
  rejection_counts rejected;
  double seconds = 0;
};

/// @brief Accepts every candidate: for spaces with no config-level constraints.
struct accept_all {
  [[nodiscard]] constexpr bool active() const noexcept { return false; }
  [[nodiscard]] constexpr bool operator()(const param_list&) const noexcept { return true; }
};

namespace detail {

/// @brief The configs one chunk (or block) found, in the order found; their key texts live in `keys`.
template <class Record>
struct chunk_result {
  key_arena keys;
  std::vector<std::pair<hashed_key, Record>> configs;
  rejection_counts rejected;
};

/// @brief Which rule of `check` refuses the candidate (1-based), 0 if none: a check that names its rules
/// (config_checks::reject_reason) says which; any other is one rule.
template <class Check>
std::size_t reject_reason_of(const Check& check, const param_list& params) {
  if constexpr (requires { { check.reject_reason(params) } -> std::convertible_to<std::size_t>; }) {
    return check.reject_reason(params);
  } else {
    return check(params) ? 0 : 1;
  }
}

/// @brief The per-chunk candidate test of pycls's sample_cfgs: new key (dedup), then the space's
/// constraints, then the config-level ones. Rejected keys are remembered only to skip rechecking them.
/// Rejected keys live in the filter's own arena, dropped with it; kept ones in the chunk's.
template <class Space, class Check>
class candidate_filter {
 public:
  candidate_filter(const Space& space, const Check& check, std::size_t expected)
      : space_(space), check_(check), seen_(std::min<std::size_t>(expected, 1 << 16), hashed_key_hash{}, {}, seen_keys_.resource()) {}

  /// @brief Adds the record to `out` if it is a new valid candidate; true if it did. Counts why not in
  /// out.rejected; a rejected key drawn again counts again under its rule.
  bool admit(typename Space::record_type&& record, chunk_result<typename Space::record_type>& out) {
    ++out.rejected.drawn;
    text_.clear();
    space_.append_key_text(text_, record);
    hashed_key key{text_, std::hash<std::string_view>{}(text_)};
    if (seen_.contains(key)) {
      ++out.rejected.duplicates;
      return false;
    }
    if (auto known = rejected_.find(key); known != rejected_.end()) {
      count(known->second, out.rejected);
      return false;
    }
    std::int64_t reason = -static_cast<std::int64_t>(detail::rejected_by(space_, record));
    if (reason == 0 && check_.active()) {
      params_.clear();
      space_.append_params(params_, record);
      reason = static_cast<std::int64_t>(reject_reason_of(check_, params_));
    }
    if (reason != 0) {
      rejected_.emplace(seen_keys_.store(key.text, key.hash), reason);
      count(reason, out.rejected);
      return false;
    }
    key = out.keys.store(key.text, key.hash);  // `out` outlives the filter: one copy serves both
    seen_.insert(key);
    out.configs.emplace_back(key, std::move(record));
    return true;
  }

 private:
  const Space& space_;
  const Check& check_;
  key_arena seen_keys_;
  std::pmr::unordered_set<hashed_key, hashed_key_hash> seen_;
  // A rejection's reason: a config-level rule (> 0) or the space's where -k (< 0).
  static void count(std::int64_t reason, rejection_counts& counts) {
    if (reason > 0) counts.count_rule(static_cast<std::size_t>(reason));
    else counts.count_where(static_cast<std::size_t>(-reason));
  }

  std::pmr::unordered_map<hashed_key, std::int64_t, hashed_key_hash> rejected_{seen_keys_.resource()};  // key -> reason
  std::string text_;
  param_list params_;
};

/// @brief One chunk, as pycls's sample_cfgs(seed): its own seed, its own dedup, stop at NUM_CONFIGS.
template <class Space, class Check>
chunk_result<typename Space::record_type> sample_chunk(const Space& space, const Check& check, std::uint32_t seed,
                                                       std::int64_t chunk_size, std::int64_t num_configs) {
  chunk_result<typename Space::record_type> out;
  numpy_rng rng(seed);
  candidate_filter filter(space, check, static_cast<std::size_t>(chunk_size));
  for (std::int64_t i = 0; i < chunk_size; ++i) {
    if (filter.admit(space.draw(rng), out) && static_cast<std::int64_t>(out.configs.size()) == num_configs) break;
  }
  return out;
}

/// @brief The configs of all chunks merged in order, first occurrence of a key kept: pycls's insertion-ordered dict.
template <class Record>
class merged_configs {
 public:
  /// @brief `expected`: how many configs there may be, to size the index once (capped; it grows if needed).
  explicit merged_configs(std::int64_t expected) {
    auto n = static_cast<std::size_t>(std::clamp<std::int64_t>(expected, 0, 1 << 20));
    configs_.reserve(n);
    index_.reserve(n);
  }
  void add(chunk_result<Record>&& chunk) {
    rejected_.add(chunk.rejected);
    for (auto& [key, record] : chunk.configs) {
      if (index_.insert(key).second) configs_.emplace_back(key, std::move(record));
      else ++rejected_.duplicates;
    }
    arenas_.push_back(std::move(chunk.keys));  // the merged keys' texts
  }
  [[nodiscard]] std::int64_t size() const noexcept { return static_cast<std::int64_t>(configs_.size()); }
  [[nodiscard]] const rejection_counts& rejected() const noexcept { return rejected_; }

  /// @brief The result's configs: those at `order` (indices in merge order), moved out with their key texts.
  void take(sample_result<Record>& result, const std::vector<std::int64_t>& order) {
    result.keys.reserve(order.size());
    result.records.reserve(order.size());
    for (auto id : order) {
      auto& [key, record] = configs_[static_cast<std::size_t>(id)];
      result.keys.push_back(key.text);
      result.records.push_back(std::move(record));
    }
    result.key_texts = std::make_shared<const std::vector<key_arena>>(std::move(arenas_));
  }

 private:
  std::vector<key_arena> arenas_;
  rejection_counts rejected_;
  std::vector<std::pair<hashed_key, Record>> configs_;
  std::pmr::monotonic_buffer_resource index_memory_;  // nodes are never freed one by one
  std::pmr::unordered_set<hashed_key, hashed_key_hash> index_{&index_memory_};
};

}  // namespace detail

/// @brief Samples NUM_CONFIGS unique valid configs from a space, exactly as pycls would for the same seed and NUM_PROC.
/// `check` sees each new candidate's (key, value) pairs (config-level constraints); `progress` is called per round.
template <sampleable_space Space, class Check = accept_all>
sample_result<typename Space::record_type> sample_configs(const Space& design, const setup_options& setup,
                                                          std::int64_t num_proc, const Check& check = {},
                                                          const std::function<void(const sample_progress&)>& progress = {}) {
  using record_type = typename Space::record_type;
  auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  numpy_rng rng;
  auto seeds = chunk_seeds(rng, setup.rng_seed, setup.num_samples, setup.chunk_size);
  std::int64_t target = setup.num_configs > 0 ? setup.num_configs : INT64_MAX;

  detail::merged_configs<record_type> configs(std::min(target, setup.num_samples));
  std::int64_t sampled = 0;
  for (std::size_t round = 0; sampled < setup.num_samples && configs.size() < target; ++round) {
    std::size_t first = std::min(seeds.size(), round * static_cast<std::size_t>(num_proc));
    std::size_t last = std::min(seeds.size(), first + static_cast<std::size_t>(num_proc));
    std::vector<detail::chunk_result<record_type>> chunks(last - first);
    run_on_threads(last - first, [&](std::size_t c) {
      chunks[c] = detail::sample_chunk(design, check, static_cast<std::uint32_t>(seeds[first + c]), setup.chunk_size, target);
    });
    for (auto& chunk : chunks) configs.add(std::move(chunk));
    sampled += setup.chunk_size * num_proc;
    if (progress) progress({sampled, configs.size(), elapsed()});
  }

  sample_result<record_type> result;
  result.sampled = sampled;
  result.found = configs.size();
  result.rejected = configs.rejected();
  detail::append_where_names(design, result.rejected.where_names);
  configs.take(result, rng.choice(result.found, std::min<std::int64_t>(result.found, target)));
  result.seconds = elapsed();
  return result;
}

/// @brief Enumerates a finite or sequence space (grid, zip, concat, join, sobol): record 0, 1, ... in index order,
/// deduplicated by key and checked like random candidates. A finite space is enumerated whole; a sequence stops at
/// NUM_CONFIGS unique valid configs or NUM_SAMPLES indices. Blocks of CHUNK_SIZE indices are checked NUM_PROC at a
/// time and merged in index order, so the result does not depend on NUM_PROC.
/// Finite spaces: all valid configs in index order, or a random NUM_CONFIGS of them (RNG_SEED) when fewer are asked
/// for; in a random order when the space is shuffled. Sequences: the first NUM_CONFIGS, in sequence order.
template <class Space, class Check = accept_all>
  requires indexed_space<Space>
sample_result<typename Space::record_type> enumerate_configs(const Space& design, const setup_options& setup,
                                                             std::int64_t num_proc, const Check& check = {},
                                                             const std::function<void(const sample_progress&)>& progress = {}) {
  using record_type = typename Space::record_type;
  auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  bool finite = kind_of(design) == space_kind::finite;
  std::uint64_t total = 0;
  if constexpr (requires { design.size(); }) {
    if (finite) total = design.size();
  }
  if (!finite) total = static_cast<std::uint64_t>(std::max<std::int64_t>(0, setup.num_samples));
  std::int64_t target = setup.num_configs > 0 ? setup.num_configs : INT64_MAX;
  auto block = static_cast<std::uint64_t>(std::max<std::int64_t>(1, setup.chunk_size));
  auto workers = static_cast<std::uint64_t>(std::max<std::int64_t>(1, num_proc));

  detail::merged_configs<record_type> configs(std::min<std::int64_t>(target, static_cast<std::int64_t>(std::min<std::uint64_t>(total, INT64_MAX))));
  std::uint64_t next = 0;
  while (next < total && (finite || configs.size() < target)) {
    std::uint64_t blocks = std::min<std::uint64_t>(workers, (total - next + block - 1) / block);
    std::vector<detail::chunk_result<record_type>> found(blocks);
    run_on_threads(blocks, [&](std::size_t b) {
      std::uint64_t first = next + b * block, last = std::min(total, first + block);
      detail::candidate_filter filter(design, check, static_cast<std::size_t>(last - first));
      // The space's records as a range (space/range.hpp): index first up to last.
      for (space_iterator<Space> it(&design, first), stop(&design, last); it != stop; ++it) filter.admit(*it, found[b]);
    });
    for (auto& chunk : found) configs.add(std::move(chunk));
    next = std::min(total, next + blocks * block);
    if (progress) progress({static_cast<std::int64_t>(next), configs.size(), elapsed()});
  }

  sample_result<record_type> result;
  result.sampled = static_cast<std::int64_t>(next);
  result.found = configs.size();
  result.rejected = configs.rejected();
  detail::append_where_names(design, result.rejected.where_names);
  auto n = std::min<std::int64_t>(result.found, target);
  std::vector<std::int64_t> order;
  if (finite && (is_shuffled(design) || n < result.found)) {
    numpy_rng rng(static_cast<std::uint32_t>(setup.rng_seed));
    order = rng.choice(result.found, n);
    if (!is_shuffled(design)) std::sort(order.begin(), order.end());
  } else {
    for (std::int64_t i = 0; i < n; ++i) order.push_back(i);
  }
  configs.take(result, order);
  result.seconds = elapsed();
  return result;
}

/// @brief Samples any space the way its kind asks for: random spaces as pycls does (sample_configs), finite
/// and sequence spaces by enumeration (enumerate_configs). Seeded parts (sobol) are scrambled by RNG_SEED.
template <sampleable_space Space, class Check = accept_all>
sample_result<typename Space::record_type> sample_space(const Space& design, const setup_options& setup,
                                                        std::int64_t num_proc, const Check& check = {},
                                                        const std::function<void(const sample_progress&)>& progress = {}) {
  auto seeded = with_seed(design, static_cast<std::uint64_t>(setup.rng_seed));
  if constexpr (indexed_space<Space>) {
    if (kind_of(seeded) != space_kind::random) return enumerate_configs(seeded, setup, num_proc, check, progress);
  }
  return sample_configs(seeded, setup, num_proc, check, progress);
}

}  // namespace sweep
