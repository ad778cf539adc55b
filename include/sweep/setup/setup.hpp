// Setup: a sweep config (and its space) becomes numbered job configs under
// ROOT_DIR/NAME: cfgs/000000.yaml ..., cfgs_summary.yaml and sweep_cfg.yaml.
// It may be re-run until the sweep is launched; the new cfgs replace the old
// ones whole, so no stale file is ever left.
#pragma once

#include <sweep/base/files.hpp>
#include <sweep/base/layout.hpp>
#include <sweep/base/lock.hpp>
#include <sweep/base/parallel.hpp>
#include <sweep/config/check.hpp>
#include <sweep/config/load.hpp>
#include <sweep/config/yaml.hpp>
#include <sweep/config/space_spec.hpp>
#include <sweep/config/space_yaml.hpp>
#include <sweep/setup/constraints.hpp>
#include <sweep/setup/job_config.hpp>
#include <sweep/setup/sample.hpp>
#include <sweep/setup/saved_setup.hpp>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

namespace sweep {

/// @brief What setup did.
struct setup_summary {
  std::filesystem::path dir;
  std::int64_t configs = 0;  // configs sampled and written (each SETUP.REPEATS times)
  std::int64_t jobs = 0;     // job configs written: configs x SETUP.REPEATS
  std::int64_t sampled = 0;  // candidates drawn
  std::int64_t found = 0;    // unique valid configs found (before the cut to NUM_CONFIGS)
  double seconds = 0;
  rejection_counts rejected;            // what each rule removed
  std::vector<std::string> rule_names;  // the config-level rules rejected.rules counts, in order
};

/// @brief How setup reports while it works.
struct setup_observer {
  std::function<void(const sample_progress&)> progress;  // after each round of chunks
  std::function<void(const std::string&)> note;           // one-line remarks (e.g. NUM_SAMPLES ran out)
};

/// @brief The file name of job config `index`: 000000.yaml, ...
inline std::string job_config_name(std::int64_t index) { return fmt::format("{:06}.yaml", index); }

/// @brief The setup stage's checks of a config (both routes): the common keys and SETUP's values.
inline void check_setup(const sweep_config& cfg) {
  if (cfg.source && cfg.source->find("SETUP.NUM_CONFIGS") == nullptr && cfg.setup.space.is_null() && cfg.setup.num_configs <= 0) {
    throw error({cfg.file, 0}, "SETUP.NUM_CONFIGS",
                "missing: expected how many job configs to write (> 0), e.g. `NUM_CONFIGS: 64` under SETUP");
  }
  check_common_options(cfg);
  check_setup_options(cfg);
}

/// @brief The names of the rules a check applies (config_checks::rule_names), or one generic name.
template <class Check>
std::vector<std::string> check_rule_names(const Check& check) {
  if constexpr (requires { { check.rule_names() } -> std::convertible_to<std::vector<std::string>>; }) {
    return check.rule_names();
  } else {
    return {"the config-level check"};
  }
}

/// @brief How setup's report names the i-th where of the space (a space that only says whether it accepts
/// has no names).
inline std::string where_name(const rejection_counts& r, std::size_t i) {
  return i < r.where_names.size() ? r.where_names[i] : "the space's own constraints";
}

/// @brief One line per rule that removed candidates: "  1200 duplicates (keys drawn before)", ...
inline std::vector<std::string> describe_rejections(const rejection_counts& r, const std::vector<std::string>& rule_names) {
  std::vector<std::string> lines;
  auto line = [&](std::int64_t n, const std::string& what) {
    if (n > 0) lines.push_back(fmt::format("{:>9} removed by {}", n, what));
  };
  line(r.duplicates, "duplicates (a key drawn before)");
  for (std::size_t i = 0; i < r.wheres.size(); ++i) line(r.wheres[i], where_name(r, i));
  for (std::size_t i = 0; i < r.rules.size(); ++i) line(r.rules[i], i < rule_names.size() ? rule_names[i] : "a config-level rule");
  return lines;
}

/// @brief The rules that removed the most candidates, for the message when none was left ("", if none did).
inline std::string main_rejections(const rejection_counts& r, const std::vector<std::string>& rule_names) {
  std::vector<std::pair<std::int64_t, std::string>> all;
  for (std::size_t i = 0; i < r.wheres.size(); ++i) {
    if (r.wheres[i] > 0) all.emplace_back(r.wheres[i], where_name(r, i));
  }
  for (std::size_t i = 0; i < r.rules.size(); ++i) {
    if (r.rules[i] > 0) all.emplace_back(r.rules[i], i < rule_names.size() ? rule_names[i] : "a config-level rule");
  }
  std::sort(all.begin(), all.end(), [](auto& a, auto& b) { return a.first > b.first; });
  std::string out;
  for (auto& [n, what] : all) out += fmt::format("{}{} by {}", out.empty() ? "" : ", ", n, what);
  return out;
}

/// @brief How many distinct configs SETUP.SAMPLERS can give when each sampler is a value_sampler (the
/// product of their numbers of distinct values); nullopt for any other space.
inline std::optional<std::uint64_t> space_distinct_values(const sweep_config& cfg) {
  if (!cfg.setup.space.is_null() || !cfg.setup.samplers.is_map() || cfg.setup.samplers.as_map().empty()) return std::nullopt;
  std::uint64_t product = 1;
  for (auto& [key, spec] : cfg.setup.samplers.as_map()) {
    auto* type = spec.is_map() ? spec.child("TYPE") : nullptr;
    auto* listed = spec.is_map() ? spec.child("VALUES") : nullptr;
    if (type == nullptr || !type->is_string() || type->as_string() != "value_sampler" || listed == nullptr || !listed->is_list()) {
      return std::nullopt;
    }
    std::vector<std::string> distinct;
    for (auto& v : listed->as_list()) {
      auto text = v.python_str();
      if (std::find(distinct.begin(), distinct.end(), text) == distinct.end()) distinct.push_back(text);
    }
    if (distinct.empty() || product > (std::uint64_t{1} << 40)) return std::nullopt;
    product *= distinct.size();
  }
  return product;
}

namespace detail {

/// @brief Removes what an interrupted setup may have left (temporary cfgs folders).
inline void remove_setup_leftovers(const std::filesystem::path& dir) {
  std::error_code ec;
  for (auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    auto name = entry.path().filename().string();
    if (name.starts_with(".cfgs.")) std::filesystem::remove_all(entry.path(), ec);
  }
  sweep_layout layout(dir);
  for (auto& file : {layout.sweep_cfg_file(), layout.cfgs_summary_file()}) remove_stale_temporaries(file);
}

/// @brief Creates `dir` and the folders above it that are missing; returns the outermost one it created
/// (empty when `dir` existed), for remove_made_folder.
inline std::filesystem::path make_folder(const std::filesystem::path& dir) {
  std::filesystem::path top;
  for (auto p = dir; !p.empty() && p != p.parent_path() && !std::filesystem::exists(p); p = p.parent_path()) top = p;
  std::filesystem::create_directories(dir);
  return top;
}

/// @brief Undoes make_folder: `dir` goes with what it holds, then each folder above it up to `top`
/// that is empty (another sweep may have been made beside it meanwhile).
inline void remove_made_folder(const std::filesystem::path& dir, const std::filesystem::path& top) {
  if (top.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  for (auto p = dir.parent_path(); p != top.parent_path() && !p.empty(); p = p.parent_path()) {
    if (!std::filesystem::remove(p, ec)) break;
  }
}

/// @brief Swaps a finished folder into place: old `target` out, `fresh` in, old removed.
inline void replace_folder(const std::filesystem::path& fresh, const std::filesystem::path& target) {
  auto old = target.parent_path() / fmt::format(".cfgs.old.{}", ::getpid());
  if (std::filesystem::exists(target)) std::filesystem::rename(target, old);
  std::filesystem::rename(fresh, target);
  std::filesystem::remove_all(old);
}

/// @brief YAML of job configs that share most of BASE_CFG: the text of every entry of BASE_CFG, at any
/// depth, is made once by the emitter, and a job's text is put together from those of the entries it
/// left as they were, with only what a sample changed emitted again. This is exact because a block
/// map's YAML is the concatenation of its one-key maps, keys sorted, each nested map's lines indented
/// by two more spaces (tests/setup checks it against whole-config emission).
class section_cache {
 public:
  explicit section_cache(const value& base_cfg) : root_(base_cfg) {}

  [[nodiscard]] std::string to_yaml(const value& job) const {
    if (!job.is_map() || job.as_map().empty()) return sweep::to_yaml(job);
    std::string out;
    root_.append_entries(out, job.as_map(), 0);
    return out;
  }

 private:
  struct entry {
    const value* base;
    std::string text;                                   // `key: base` at its depth
    std::vector<std::pair<std::string, entry>> entries; // of a non-empty map: one per key

    /// @brief The root: BASE_CFG itself, no text of its own, its entries at column 0.
    explicit entry(const value& base_cfg) : base(&base_cfg) { add_entries(0); }
    entry(const value& v, const std::string& key, std::size_t indent) : base(&v), text(emit(key, v, indent)) {
      add_entries(indent + 2);
    }

    void add_entries(std::size_t indent) {
      if (!base->is_map()) return;
      for (auto& [k, child] : base->as_map()) entries.emplace_back(k, entry(child, k, indent));
    }

    /// @brief `key: v` for an entry whose base is this one.
    void append(std::string& out, const std::string& key, const value& v, std::size_t indent) const {
      if (*base == v) {
        out += text;
      } else if (v.is_map() && !v.as_map().empty() && !entries.empty()) {
        out.append(text, 0, text.find('\n') + 1);  // the `key:` line
        append_entries(out, v.as_map(), indent + 2);
      } else {
        out += emit(key, v, indent);
      }
    }

    void append_entries(std::string& out, const value::map& map, std::size_t indent) const {
      std::vector<const std::pair<std::string, value>*> sorted;
      for (auto& e : map) sorted.push_back(&e);
      std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->first < b->first; });
      for (auto* e : sorted) {
        auto cached = std::find_if(entries.begin(), entries.end(), [&](auto& c) { return c.first == e->first; });
        if (cached != entries.end()) {
          cached->second.append(out, e->first, e->second, indent);
        } else {
          out += emit(e->first, e->second, indent);
        }
      }
    }

    static std::string emit(const std::string& key, const value& v, std::size_t indent) {
      auto text = sweep::to_yaml(value{value::map{{key, v}}});
      if (indent == 0) return text;
      std::string out;
      for (std::size_t line = 0; line < text.size();) {
        auto end = text.find('\n', line) + 1;
        out.append(indent, ' ').append(text, line, end - line);
        line = end;
      }
      return out;
    }
  };

  entry root_;
};

}  // namespace detail

/// @brief One job config: BASE_CFG with the record's pairs merged in, through `finish`, its DESC the config's key.
template <class Space, class Record, class Finish>
value job_config(const sweep_config& cfg, const Space& design, const Record& record, std::string_view key, Finish&& finish,
                 param_list& params) {
  params.clear();
  design.append_params(params, record);
  value job = std::invoke(finish, merge_params(cfg.setup.base_cfg, params));
  job.at_path("DESC") = value{std::string(key)};
  return job;
}

namespace detail {

/// @brief SETUP.REPEATS: sets job `index`'s RNG_SEED (set_repeat_seed; nothing with one repeat) and returns it;
/// an error names the config's REPEATS line.
inline std::int64_t set_job_seed(const sweep_config& cfg, value& job, std::int64_t index) {
  try {
    return set_repeat_seed(job, index, std::max<std::int64_t>(1, cfg.setup.repeats));
  } catch (error& e) {
    const value* node = cfg.source ? cfg.source->find("SETUP.REPEATS") : nullptr;
    throw error({cfg.file, node != nullptr ? node->line() : 0}, e.key_path(), e.message());
  }
}

}  // namespace detail

/// @brief Writes the job configs of sampled records. `finish` turns BASE_CFG + pairs into the written config.
template <class Space, class Record, class Finish>
void write_job_configs(const sweep_config& cfg, const Space& design, const sample_result<Record>& sampled, Finish&& finish) {
  auto dir = sweep_dir(cfg);
  auto fresh = dir / fmt::format(".cfgs.new.{}", ::getpid());
  std::filesystem::create_directories(fresh);
  // SETUP.REPEATS: each config's jobs are consecutive (job i is config i / repeats), with their own seeds.
  auto repeats = static_cast<std::size_t>(std::max<std::int64_t>(1, cfg.setup.repeats));
  auto n = sampled.records.size() * repeats;
  std::vector<std::int64_t> seeds(repeats > 1 ? n : 0);
  detail::section_cache sections(cfg.setup.base_cfg);
  auto workers = std::max<std::size_t>(1, std::min<std::size_t>(static_cast<std::size_t>(cfg.num_proc), n / 64 + 1));
  auto emit = [&](std::size_t i, param_list& params) {
    value job = job_config(cfg, design, sampled.records[i / repeats], sampled.keys[i / repeats], finish, params);  // repeats share the key
    auto seed = detail::set_job_seed(cfg, job, static_cast<std::int64_t>(i));
    if (repeats > 1) seeds[i] = seed;
    return sections.to_yaml(job);
  };
  auto write = [&](std::size_t i, const std::string& text) {
    auto file = fresh / job_config_name(static_cast<std::int64_t>(i));
    std::ofstream out(file, std::ios::binary);
    out << text;
    if (!out) throw error({file.string(), 0}, "", "cannot write job config: expected a writable folder with free design");
  };
  // Batches are emitted on NUM_PROC threads while one more thread writes the batch before: the kernel
  // creates files in one folder one at a time anyway, and a lone writer does not spin on the folder's lock.
  constexpr std::size_t batch = 256;
  std::vector<std::string> emitted(batch), writing(batch);
  try {
    for (std::size_t first = 0; first < n + batch; first += batch) {
      run_on_threads(workers + 1, [&](std::size_t w) {
        if (w == workers) {
          for (std::size_t i = first - std::min(first, batch); i < std::min(first, n); ++i) write(i, writing[i % batch]);
          return;
        }
        param_list params;
        for (std::size_t i = first + w; i < std::min(n, first + batch); i += workers) emitted[i % batch] = emit(i, params);
      });
      std::swap(emitted, writing);
    }
  } catch (...) {
    std::filesystem::remove_all(fresh);
    throw;
  }
  value::map summary;
  for (std::size_t i = 0; i < n; ++i) {
    auto key = repeat_key(sampled.keys[i / repeats], static_cast<std::int64_t>(repeats), repeats > 1 ? seeds[i] : 0);
    summary.emplace_back(job_config_name(static_cast<std::int64_t>(i)), value{std::move(key)});
  }
  auto summary_text = n == 0 ? std::string("{}\n") : to_yaml(value{std::move(summary)});
  // cfgs_summary.yaml is the commit mark: it is removed before cfgs/ changes and written last, so
  // a folder that has it is consistent even if setup is killed; one without it is an unfinished setup.
  sweep_layout layout(dir);
  write_file_atomic(layout.sweep_cfg_file(), sweep_config_yaml(cfg));
  std::filesystem::remove(layout.cfgs_summary_file());
  detail::replace_folder(fresh, layout.cfgs_dir());
  write_file_atomic(layout.cfgs_summary_file(), summary_text);
}

namespace detail {

/// @brief setup_space's work, while it holds the sweep lock.
template <sampleable_space Space, class Check, class Finish>
setup_summary setup_locked(const sweep_config& cfg, const std::filesystem::path& dir, const Space& space,
                           const Check& check, Finish&& finish, const setup_observer& observer) {
  if (std::filesystem::exists(sweep_layout(dir).logs_dir())) {
    throw error({cfg.file, 0}, "NAME",
                fmt::format("the sweep in {} was already launched (logs/ exists): setup refuses to replace its "
                            "configs; choose a new NAME or remove that folder",
                            dir.string()));
  }
  auto kind = kind_of(space);
  if (kind == space_kind::sequence && cfg.setup.num_configs <= 0) {
    throw error({cfg.file, 0}, "SETUP.NUM_CONFIGS",
                "expected a number of configs > 0 for a sobol space (only finite spaces such as grid, zip and concat "
                "set up all their configs with 0)");
  }
  auto sampled = sample_space(space, cfg.setup, cfg.num_proc, check, observer.progress);
  auto rules = check_rule_names(check);
  if (sampled.found == 0) {
    auto why = main_rejections(sampled.rejected, rules);
    throw error({cfg.file, 0}, "SETUP",
                fmt::format("no valid config found in {} candidates{}: loosen {} or raise SETUP.NUM_SAMPLES",
                            sampled.rejected.drawn, why.empty() ? "" : " (removed: " + why + ")",
                            why.empty() ? "the constraints" : "those rules"));
  }
  std::uint64_t size = 0;
  if constexpr (requires { space.size(); }) {
    if (kind == space_kind::finite) size = space.size();
  }
  bool constrained = sampled.rejected.where > 0 || !sampled.rejected.rules.empty();
  if (kind == space_kind::finite && observer.note) {
    bool all = cfg.setup.num_configs <= 0 || cfg.setup.num_configs >= sampled.found;
    observer.note(fmt::format("the space is finite: {} configs, {} of them unique and valid; setting up {}{}", size, sampled.found,
                              all ? "all of them" : fmt::format("{} chosen with RNG_SEED", sampled.records.size()),
                              all && cfg.setup.num_configs > sampled.found
                                  ? fmt::format(" (fewer than the {} of SETUP.NUM_CONFIGS)", cfg.setup.num_configs)
                                  : std::string()));
  } else if (cfg.setup.num_configs > 0 && sampled.found < cfg.setup.num_configs && observer.note) {
    auto distinct = space_distinct_values(cfg);
    if (!constrained && distinct && *distinct == static_cast<std::uint64_t>(sampled.found)) {
      observer.note(fmt::format("the space has only {} distinct configs (its samplers' values multiplied), fewer than "
                                "the {} of SETUP.NUM_CONFIGS: all {} are set up",
                                sampled.found, cfg.setup.num_configs, sampled.found));
    } else if (!constrained) {
      observer.note(fmt::format("found {} of the {} configs asked for in {} candidates, all others duplicates: the space "
                                "is probably smaller than SETUP.NUM_CONFIGS (raise SETUP.NUM_SAMPLES to look further)",
                                sampled.found, cfg.setup.num_configs, sampled.sampled));
    } else {
      observer.note(fmt::format("NUM_SAMPLES ran out: found {} of the {} configs asked for in {} candidates; raise "
                                "SETUP.NUM_SAMPLES or loosen {} for more",
                                sampled.found, cfg.setup.num_configs, sampled.sampled, main_rejections(sampled.rejected, rules)));
    }
  }
  detail::remove_setup_leftovers(dir);
  write_job_configs(cfg, space, sampled, finish);
  setup_summary summary;
  summary.dir = dir;
  summary.configs = static_cast<std::int64_t>(sampled.records.size());
  summary.jobs = summary.configs * std::max<std::int64_t>(1, cfg.setup.repeats);
  summary.sampled = sampled.sampled;
  summary.found = sampled.found;
  summary.seconds = sampled.seconds;
  summary.rejected = sampled.rejected;
  summary.rule_names = std::move(rules);
  return summary;
}

}  // namespace detail

/// @brief Sets up a sweep from a space: samples, then writes the files. Refuses once the sweep was launched.
template <sampleable_space Space, class Check, class Finish>
setup_summary setup_space(const sweep_config& cfg, const Space& design, const Check& check, Finish&& finish,
                          const setup_observer& observer = {}) {
  check_setup(cfg);
  auto dir = sweep_dir(cfg);
  // The folder is made first, for the sweep lock; a setup that fails removes what it made, so no
  // empty sweep folder stays behind.
  auto made = detail::make_folder(dir);
  std::optional<sweep_lock> lock;
  try {
    lock.emplace(sweep_layout(dir), sweep_access::exclusive, "setup");
    return detail::setup_locked(cfg, dir, design, check, std::forward<Finish>(finish), observer);
  } catch (...) {
    if (lock) detail::remove_made_folder(dir, made);
    throw;
  }
}

/// @brief Sets up a sweep config's own space (SETUP.SAMPLERS, or SETUP.SPACE) with pycls's constraints and setup step.
inline setup_summary setup(const sweep_config& cfg, const setup_observer& observer = {}) {
  check_setup(cfg);
  auto design = load_setup_space(cfg);
  if (!cfg.setup.space.is_null()) {
    // sweep's combinator spaces (grid, zip, concat, join, sobol)
    return setup_space(cfg, design, config_checks(cfg), &config_checks::finish, observer);
  }
  // pycls's SETUP.SAMPLERS keep pycls's exact path
  return setup_space(cfg, load_space(cfg.setup.samplers, cfg.file), config_checks(cfg), &config_checks::finish, observer);
}

/// @brief Sets up a sweep written as code: a typed space (with its constraints) and the config's options.
template <sampleable_space Space>
setup_summary setup(const sweep_config& cfg, const Space& design, const setup_observer& observer = {}) {
  return setup_space(cfg, design, config_checks(cfg), &config_checks::finish, observer);
}

}  // namespace sweep
