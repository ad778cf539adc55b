// A report section: one numbered part of analysis.html (pycls's "EDF",
// "Metrics", ... and the user's own). A section is a small type with a name
// (what ANALYZE.SECTIONS calls it), a title (its heading), its own options
// (read from ANALYZE.<NAME>) and a render function that adds plots and text to
// the page from the analysis context: the loaded sweeps, the sweeps after
// PRE_FILTERS and SPLIT_FILTERS, the job rows the plots' points link to.
//
//   struct my_section {
//     static constexpr std::string_view name = "my_section";   // ANALYZE.SECTIONS: [..., my_section]
//     static constexpr std::string_view title = "My Section";  // the heading
//     using options = sweep::no_options;                       // or a BOOST_HANA_DEFINE_STRUCT struct
//     void render(const sweep::analysis_context& ctx, const options& opts, sweep::html_book& book) const;
//     bool shown(const sweep::analysis_context& ctx, const options& opts) const;  // optional: true
//     std::vector<std::string> reads(const options& opts) const;  // optional: fields it reads
//   };
//   SWEEP_REGISTER(sweep::register_report_section<my_section>);   // report/sections.hpp
#pragma once

#include <sweep/analyze/metrics.hpp>
#include <sweep/analyze/repeats.hpp>
#include <sweep/analyze/statistics.hpp>
#include <sweep/analyze/sweep_data.hpp>
#include <sweep/config/components.hpp>
#include <sweep/config/sweep_config.hpp>
#include <sweep/error.hpp>
#include <sweep/report/html_book.hpp>
#include <sweep/report/sweep_plots.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace sweep {

namespace detail {

/// @brief Refuses a sweep (or split) without jobs: `why` says what removed them.
inline void require_jobs(const std::vector<sweep_data>& sweeps, std::string_view key, std::string_view what, std::string_view why) {
  for (auto& s : sweeps) {
    if (s.jobs.empty()) throw error({s.file, 0}, std::string(key), fmt::format("the {} '{}' has no jobs left to analyse: {}", what, s.name, why));
  }
}

}  // namespace detail

/// @brief What every report section reads: the config, the sweeps at each stage of pycls's
/// filtering, and the rows of the job table that plotted points name. Built once per page.
/// @sa docs/report.md#sections
struct analysis_context {
  /// @brief Filters the sweeps as pycls's sweep_analyze does: PRE_FILTERS on every sweep, then,
  /// with a single sweep, one part per SPLIT_FILTERS set. A sweep left without jobs at any stage is
  /// a sweep::error naming the key that emptied it (ANALYZE.ERROR, PRE_FILTERS, SPLIT_FILTERS).
  analysis_context(const sweep_config& cfg, std::vector<sweep_data> sweeps)
      : config(cfg), analyze(cfg.analyze), loaded(std::move(sweeps)) {
    bootstrap.seed = static_cast<std::uint64_t>(analyze.rng_seed);
    error_record = analyze.error.substr(0, analyze.error.find('.'));
    for (auto& s : loaded) {
      analysed += s.jobs.size();
      skipped += s.skipped.size();
    }
    detail::require_jobs(loaded, "ANALYZE.ERROR", "sweep", fmt::format("no job has a {} record yet", error_record));
    // SETUP.REPEATS: a config's runs become one job at their mean error, before anything else reads the jobs.
    for (auto& s : loaded) repeats.push_back(average_repeats(s));
    for (auto& s : loaded) {
      // File order, the jobs a page shows one by one first: a scatter's points are then consecutive rows.
      for (auto& j : shown_jobs(s).jobs) rows.add(j);
      for (auto& j : s.jobs) rows.add(j);
    }
    filtered = loaded;
    if (!analyze.pre_filters.empty()) {
      for (auto& s : filtered) s = apply_filters(s, analyze.pre_filters, analyze.error);
      detail::require_jobs(filtered, "ANALYZE.PRE_FILTERS", "sweep", "ANALYZE.PRE_FILTERS removed every job");
    }
    if (is_split()) {
      for (auto& [name, filters] : analyze.split_filters) {
        split.push_back(apply_filters(filtered[0], filters, analyze.error));
        split.back().name = name;
      }
      detail::require_jobs(split, "ANALYZE.SPLIT_FILTERS", "split", "its ANALYZE.SPLIT_FILTERS set removed every job");
    } else {
      split = filtered;
    }
  }

  analysis_context(const analysis_context&) = delete;
  analysis_context& operator=(const analysis_context&) = delete;

  const sweep_config& config;     ///< the whole sweep config
  const analyze_options& analyze; ///< config.analyze
  bootstrap_options bootstrap;    ///< good ranges' bootstrap, seeded by ANALYZE.RNG_SEED
  std::string error_record;       ///< the record a job needs to be analysed: ANALYZE.ERROR's first part
  std::size_t analysed = 0;       ///< jobs with that record, over all loaded sweeps
  std::size_t skipped = 0;        ///< jobs without it (listed in each sweep_data::skipped)

  /// @brief The sweeps as loaded: the config's own, then ANALYZE.EXTRA_SWEEP_NAMES' in order.
  std::vector<sweep_data> loaded;
  /// @brief Per loaded sweep, its configs' runs (SETUP.REPEATS); a sweep with several runs of a config
  /// is loaded as one job per config, at the mean error of its runs (see average_repeats).
  std::vector<repeat_summary> repeats;
  /// @brief Whether some loaded sweep ran a config more than once.
  [[nodiscard]] bool has_repeats() const noexcept {
    return std::any_of(repeats.begin(), repeats.end(), [](auto& r) { return r.repeated(); });
  }
  /// @brief `loaded` after ANALYZE.PRE_FILTERS (the same jobs when there are none).
  std::vector<sweep_data> filtered;
  /// @brief With one sweep and ANALYZE.SPLIT_FILTERS: one part per split set, named after it;
  /// otherwise `filtered`. pycls's later sections (Metrics on) plot these: see current().
  std::vector<sweep_data> split;
  /// @brief Each loaded job's row in the job table (file order over the loaded sweeps); pass it to
  /// the plots (plot_edf, plot_values, ...) so hovering a point shows its job.
  job_rows rows;

  /// @brief The sweeps pycls's later sections plot: after the pre-filters and the split.
  [[nodiscard]] const std::vector<sweep_data>& current() const noexcept { return split; }
  /// @brief Whether the SPLIT_FILTERS apply (set, and a single sweep loaded).
  [[nodiscard]] bool is_split() const noexcept { return !analyze.split_filters.empty() && loaded.size() == 1; }
  /// @brief A metric by name (a shortcut or a dotted key), "error" meaning ANALYZE.ERROR.
  [[nodiscard]] metric_info metric(std::string_view name) const { return get_metric_info(name, analyze.error); }
  [[nodiscard]] std::vector<metric_info> metrics(const std::vector<std::string>& names) const {
    std::vector<metric_info> out;
    out.reserve(names.size());
    for (auto& n : names) out.push_back(metric(n));
    return out;
  }
};

namespace detail {

template <class T>
concept section_has_name = requires {
  { T::name } -> std::convertible_to<std::string_view>;
  requires std::is_const_v<decltype(T::name)>;
};
template <class T>
concept section_has_title = requires {
  { T::title } -> std::convertible_to<std::string_view>;
};
template <class T>
concept section_has_options = requires { typename T::options; } && std::default_initializable<typename T::options>;

template <class T>
concept section_renders = section_has_options<T> &&
    requires(const T& s, const analysis_context& ctx, const typename T::options& opts, html_book& book) {
      { s.render(ctx, opts, book) } -> std::same_as<void>;
    };
template <class T>
concept section_has_render_member = requires { &T::render; } || requires(T& s) { s.render; };

/// @brief The optional `shown`: when present, it must take (context, options) and return bool.
template <class T>
concept section_shown_ok = !requires { &T::shown; } ||
    requires(const T& s, const analysis_context& ctx, const typename T::options& opts) {
      { s.shown(ctx, opts) } -> std::same_as<bool>;
    };

/// @brief The optional `reads`: the metrics or dotted keys whose fields the section reads
/// beyond pycls's sections' (`sweep analyze` loads only those: see analysis_reads).
template <class T>
concept section_reads_ok = !requires { &T::reads; } || requires(const T& s, const typename T::options& opts) {
  { s.reads(opts) } -> std::convertible_to<std::vector<std::string>>;
};

/// @brief A section's name is what ANALYZE.SECTIONS lists and ANALYZE.<NAME> (upper-cased) keys:
/// lower-case letters, digits and '_', starting with a letter.
constexpr bool valid_section_name(std::string_view name) {
  if (name.empty() || name.front() < 'a' || name.front() > 'z') return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

}  // namespace detail

/// @brief A report section: `static constexpr std::string_view name` and `title`, an `options`
/// type (sweep::no_options, or a Hana-reflected struct read from ANALYZE.<NAME>), and
/// `void render(const analysis_context&, const options&, html_book&) const`; optionally
/// `bool shown(const analysis_context&, const options&) const` (false: no heading, no render) and
/// `std::vector<std::string> reads(const options&) const` (metrics or dotted keys whose fields
/// it reads beyond pycls's sections': `sweep analyze` loads no others; see whole_record).
/// @sa register_report_section, docs/report.md#sections
template <class T>
concept report_section = detail::section_has_name<T> && detail::section_has_title<T> && detail::section_has_options<T> &&
                         std::default_initializable<T> && detail::section_renders<T> && detail::section_shown_ok<T> &&
                         detail::section_reads_ok<T>;

/// @brief Whether section `s` adds to the page for `ctx` (its `shown`, or always).
template <report_section T>
bool section_shown(const T& s, const analysis_context& ctx, const typename T::options& opts) {
  if constexpr (requires { s.shown(ctx, opts); }) {
    return s.shown(ctx, opts);
  } else {
    return true;
  }
}

/// @brief What section `s` reads beyond pycls's sections (its `reads`, or nothing).
template <report_section T>
std::vector<std::string> section_reads(const T& s, const typename T::options& opts) {
  if constexpr (requires { s.reads(opts); }) {
    return s.reads(opts);
  } else {
    return {};
  }
}

}  // namespace sweep
