// The sampling engine of setup, as pycls's sweep_setup runs it: chunks of
// CHUNK_SIZE draws, each seeded from RNG_SEED's stream, NUM_PROC chunks at a
// time, until NUM_CONFIGS unique valid configs exist or NUM_SAMPLES draws were
// made; then the configs are shuffled and cut with the same stream. Each
// chunk's candidates are checked on the typed record first; a config tree is
// only built for what survives.
#pragma once

#include <sweep/config/sweep_config.hpp>
#include <sweep/random.hpp>
#include <sweep/space.hpp>

#include <algorithm>
#include <chrono>
#include <deque>
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

/// @brief Where sampling stands, reported after each round of chunks.
struct sample_progress {
  std::int64_t sampled = 0;  // candidates drawn so far (pycls counts whole chunks)
  std::int64_t kept = 0;     // unique valid configs so far
  double seconds = 0;
};

/// @brief What sampling found: the configs in their final (shuffled) order.
template <class Record>
struct sample_result {
  std::vector<std::string> keys;  // pycls's key text of each config, its DESC
  std::vector<Record> records;
  std::int64_t sampled = 0;
  std::int64_t found = 0;  // unique valid configs found before the cut to NUM_CONFIGS
  double seconds = 0;
};

/// @brief Accepts every candidate: for spaces with no config-level constraints.
struct accept_all {
  [[nodiscard]] constexpr bool active() const noexcept { return false; }
  [[nodiscard]] constexpr bool operator()(const param_list&) const noexcept { return true; }
};

namespace detail {

template <class Record>
struct chunk_result {
  std::vector<std::pair<std::string, Record>> configs;  // in the order found
};

/// @brief Runs work(0) ... work(n - 1) on n threads; the first exception any of them threw is rethrown.
template <class Work>
void run_parallel(std::size_t n, Work&& work) {
  std::vector<std::exception_ptr> failures(n);
  {
    std::vector<std::jthread> threads;
    threads.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      threads.emplace_back([&, i] {
        try {
          work(i);
        } catch (...) {
          failures[i] = std::current_exception();
        }
      });
    }
  }
  for (auto& failure : failures) {
    if (failure) std::rethrow_exception(failure);
  }
}

/// @brief The per-chunk candidate test of pycls's sample_cfgs: new key (dedup), then the space's
/// constraints, then the config-level ones. Rejected keys are remembered only to skip rechecking them.
template <class Space, class Check>
class candidate_filter {
 public:
  candidate_filter(const Space& space, const Check& check) : space_(space), check_(check) {}

  /// @brief True for a new valid candidate; its key text is left in key().
  bool admit(const typename Space::record_type& record) {
    key_.clear();
    space_.append_key_text(key_, record);
    if (valid_.contains(key_) || invalid_.contains(key_)) return false;
    bool ok = space_.accepts(record);
    if (ok && check_.active()) {
      params_.clear();
      space_.append_params(params_, record);
      ok = check_(params_);
    }
    (ok ? valid_ : invalid_).insert(key_);
    return ok;
  }
  [[nodiscard]] const std::string& key() const noexcept { return key_; }

 private:
  const Space& space_;
  const Check& check_;
  std::unordered_set<std::string> valid_, invalid_;
  std::string key_;
  param_list params_;
};

/// @brief One chunk, as pycls's sample_cfgs(seed): its own seed, its own dedup, stop at NUM_CONFIGS.
template <class Space, class Check>
chunk_result<typename Space::record_type> sample_chunk(const Space& space, const Check& check, std::uint32_t seed,
                                                       std::int64_t chunk_size, std::int64_t num_configs) {
  chunk_result<typename Space::record_type> out;
  numpy_rng rng(seed);
  candidate_filter filter(space, check);
  for (std::int64_t i = 0; i < chunk_size; ++i) {
    auto record = space.draw(rng);
    if (!filter.admit(record)) continue;
    out.configs.emplace_back(filter.key(), std::move(record));
    if (static_cast<std::int64_t>(out.configs.size()) == num_configs) break;
  }
  return out;
}

/// @brief The result's configs: those at `order` (indices into `configs`), moved out.
template <class Record, class Configs>
void take_configs(sample_result<Record>& result, Configs& configs, const std::vector<std::int64_t>& order) {
  result.keys.reserve(order.size());
  result.records.reserve(order.size());
  for (auto id : order) {
    auto& [key, record] = configs[static_cast<std::size_t>(id)];
    result.keys.push_back(std::move(key));
    result.records.push_back(std::move(record));
  }
}

}  // namespace detail

/// @brief Samples NUM_CONFIGS unique valid configs from a space, exactly as pycls would for the same seed and NUM_PROC.
/// `check` sees each new candidate's (key, value) pairs (config-level constraints); `progress` is called per round.
template <sampleable_space Space, class Check = accept_all>
sample_result<typename Space::record_type> sample_configs(const Space& space, const setup_options& setup,
                                                          std::int64_t num_proc, const Check& check = {},
                                                          const std::function<void(const sample_progress&)>& progress = {}) {
  using record_type = typename Space::record_type;
  auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  numpy_rng rng;
  auto seeds = chunk_seeds(rng, setup.rng_seed, setup.num_samples, setup.chunk_size);
  std::int64_t target = setup.num_configs > 0 ? setup.num_configs : INT64_MAX;

  // A dict in insertion order, as pycls's: a deque never moves its keys, so the index can view them.
  std::deque<std::pair<std::string, record_type>> configs;
  std::unordered_set<std::string_view> index;
  std::int64_t sampled = 0;
  for (std::size_t round = 0; sampled < setup.num_samples && static_cast<std::int64_t>(configs.size()) < target; ++round) {
    std::size_t first = std::min(seeds.size(), round * static_cast<std::size_t>(num_proc));
    std::size_t last = std::min(seeds.size(), first + static_cast<std::size_t>(num_proc));
    std::vector<detail::chunk_result<record_type>> chunks(last - first);
    detail::run_parallel(last - first, [&](std::size_t c) {
      chunks[c] = detail::sample_chunk(space, check, static_cast<std::uint32_t>(seeds[first + c]), setup.chunk_size, target);
    });
    for (auto& chunk : chunks) {
      for (auto& [key, record] : chunk.configs) {
        if (!index.contains(key)) index.insert(configs.emplace_back(std::move(key), std::move(record)).first);
      }
    }
    sampled += setup.chunk_size * num_proc;
    if (progress) progress({sampled, static_cast<std::int64_t>(configs.size()), elapsed()});
  }

  sample_result<record_type> result;
  result.sampled = sampled;
  result.found = static_cast<std::int64_t>(configs.size());
  detail::take_configs(result, configs, rng.choice(result.found, std::min<std::int64_t>(result.found, target)));
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
sample_result<typename Space::record_type> enumerate_configs(const Space& space, const setup_options& setup,
                                                             std::int64_t num_proc, const Check& check = {},
                                                             const std::function<void(const sample_progress&)>& progress = {}) {
  using record_type = typename Space::record_type;
  auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  bool finite = kind_of(space) == space_kind::finite;
  std::uint64_t total = 0;
  if constexpr (requires { space.size(); }) {
    if (finite) total = space.size();
  }
  if (!finite) total = static_cast<std::uint64_t>(std::max<std::int64_t>(0, setup.num_samples));
  std::int64_t target = setup.num_configs > 0 ? setup.num_configs : INT64_MAX;
  auto block = static_cast<std::uint64_t>(std::max<std::int64_t>(1, setup.chunk_size));
  auto workers = static_cast<std::uint64_t>(std::max<std::int64_t>(1, num_proc));

  std::vector<std::pair<std::string, record_type>> configs;
  std::unordered_set<std::string> seen;
  std::uint64_t next = 0;
  while (next < total && (finite || static_cast<std::int64_t>(configs.size()) < target)) {
    std::uint64_t blocks = std::min<std::uint64_t>(workers, (total - next + block - 1) / block);
    std::vector<detail::chunk_result<record_type>> found(blocks);
    detail::run_parallel(blocks, [&](std::size_t b) {
      std::uint64_t first = next + b * block, last = std::min(total, first + block);
      detail::candidate_filter filter(space, check);
      for (std::uint64_t i = first; i < last; ++i) {
        auto record = space.at(i);
        if (filter.admit(record)) found[b].configs.emplace_back(filter.key(), std::move(record));
      }
    });
    for (auto& chunk : found) {
      for (auto& [key, record] : chunk.configs) {
        if (seen.insert(key).second) configs.emplace_back(std::move(key), std::move(record));
      }
    }
    next = std::min(total, next + blocks * block);
    if (progress) progress({static_cast<std::int64_t>(next), static_cast<std::int64_t>(configs.size()), elapsed()});
  }

  sample_result<record_type> result;
  result.sampled = static_cast<std::int64_t>(next);
  result.found = static_cast<std::int64_t>(configs.size());
  auto n = std::min<std::int64_t>(result.found, target);
  std::vector<std::int64_t> order;
  if (finite && (is_shuffled(space) || n < result.found)) {
    numpy_rng rng(static_cast<std::uint32_t>(setup.rng_seed));
    order = rng.choice(result.found, n);
    if (!is_shuffled(space)) std::sort(order.begin(), order.end());
  } else {
    for (std::int64_t i = 0; i < n; ++i) order.push_back(i);
  }
  detail::take_configs(result, configs, order);
  result.seconds = elapsed();
  return result;
}

/// @brief Samples any space the way its kind asks for: random spaces as pycls does (sample_configs), finite
/// and sequence spaces by enumeration (enumerate_configs). Seeded parts (sobol) are scrambled by RNG_SEED.
template <sampleable_space Space, class Check = accept_all>
sample_result<typename Space::record_type> sample_space(const Space& space, const setup_options& setup,
                                                        std::int64_t num_proc, const Check& check = {},
                                                        const std::function<void(const sample_progress&)>& progress = {}) {
  auto seeded = with_seed(space, static_cast<std::uint64_t>(setup.rng_seed));
  if constexpr (indexed_space<Space>) {
    if (kind_of(seeded) != space_kind::random) return enumerate_configs(seeded, setup, num_proc, check, progress);
  }
  return sample_configs(seeded, setup, num_proc, check, progress);
}

}  // namespace sweep
