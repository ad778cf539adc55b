// Report sections "edf", "edf_filtered" and "edf_split" (pycls's "EDF", "EDF
// Filtered", "EDF Split"): the error's EDF per sweep, and one line per job.
#pragma once

#include <sweep/analyze/sweep_data.hpp>
#include <sweep/report/html_book.hpp>
#include <sweep/report/section.hpp>
#include <sweep/report/sweep_plots.hpp>

#include <fmt/format.h>

#include <string>
#include <string_view>
#include <vector>

namespace sweep::detail {

/// @brief An EDF of `sweeps` and pycls's describe_sweep of each, collapsible.
inline void edf_and_jobs(const analysis_context& ctx, const std::vector<sweep_data>& sweeps, html_book& book) {
  book.add_plot(plot_edf(sweeps, ctx.rows));
  for (auto& s : sweeps) book.add_details(s.name + shown_note(s), describe_sweep(shown_jobs(s)));
}

}  // namespace sweep::detail

namespace sweep::sections {

/// @brief The error EDF of each loaded sweep, `n|min|mean` in the legend; then its jobs (best
/// first), and the jobs without the error record, which are not analysed.
struct edf {
  static constexpr std::string_view name = "edf";
  static constexpr std::string_view title = "EDF";
  using options = no_options;

  void render(const analysis_context& ctx, const options&, html_book& book) const {
    detail::edf_and_jobs(ctx, ctx.loaded, book);
    for (auto& s : ctx.loaded) {
      if (s.skipped.empty()) continue;
      std::string ids;
      for (auto& id : s.skipped) ids += (ids.empty() ? "" : " ") + id;
      book.add_details(fmt::format("{}: {} jobs not analysed (no {} record)", s.name, s.skipped.size(), ctx.error_record), ids);
    }
  }
};

/// @brief The EDF after ANALYZE.PRE_FILTERS (shown when there are some).
struct edf_filtered {
  static constexpr std::string_view name = "edf_filtered";
  static constexpr std::string_view title = "EDF Filtered";
  using options = no_options;

  bool shown(const analysis_context& ctx, const options&) const { return !ctx.analyze.pre_filters.empty(); }
  void render(const analysis_context& ctx, const options&, html_book& book) const { detail::edf_and_jobs(ctx, ctx.filtered, book); }
};

/// @brief One EDF curve per ANALYZE.SPLIT_FILTERS set (shown with split filters and one sweep).
struct edf_split {
  static constexpr std::string_view name = "edf_split";
  static constexpr std::string_view title = "EDF Split";
  using options = no_options;

  bool shown(const analysis_context& ctx, const options&) const { return ctx.is_split(); }
  void render(const analysis_context& ctx, const options&, html_book& book) const { detail::edf_and_jobs(ctx, ctx.split, book); }
};

}  // namespace sweep::sections
