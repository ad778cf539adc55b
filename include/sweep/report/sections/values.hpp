// Report sections "metrics" and "complexity" (pycls's "Metrics" and
// "Complexity"): the error versus each metric with its bootstrap good range,
// and the ranges' trends across sweeps.
#pragma once

#include <sweep/analyze/statistics.hpp>
#include <sweep/report/html_book.hpp>
#include <sweep/report/section.hpp>
#include <sweep/report/sweep_plots.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace sweep::detail {

/// @brief What a values-and-trends section plots: metric names, and whether values and trends are on.
struct values_and_trends {
  const std::vector<std::string>& names;
  bool values, trends;

  [[nodiscard]] bool shown(const analysis_context& ctx) const {
    return !names.empty() && (values || (trends && ctx.current().size() > 1));
  }

  void render(const analysis_context& ctx, html_book& book) const {
    auto& sweeps = ctx.current();
    auto infos = ctx.metrics(names);
    std::vector<std::vector<good_range>> ranges;
    for (auto& s : sweeps) ranges.push_back(good_ranges(s, infos, ctx.bootstrap));
    if (values) book.add_plot(plot_values(sweeps, infos, ranges, ctx.rows));
    if (trends && sweeps.size() > 1) book.add_plot(plot_trends(sweeps, infos, ranges));
  }
};

}  // namespace sweep::detail

namespace sweep::sections {

/// @brief Error versus each of ANALYZE.METRICS (PLOT_METRIC_VALUES) and their trends across
/// sweeps (PLOT_METRIC_TRENDS, with several sweeps), for the current (filtered, split) sweeps.
struct metrics {
  static constexpr std::string_view name = "metrics";
  static constexpr std::string_view title = "Metrics";
  using options = no_options;

  static detail::values_and_trends plots(const analysis_context& ctx) {
    return {ctx.analyze.metrics, ctx.analyze.plot_metric_values, ctx.analyze.plot_metric_trends};
  }
  bool shown(const analysis_context& ctx, const options&) const { return plots(ctx).shown(ctx); }
  void render(const analysis_context& ctx, const options&, html_book& book) const { plots(ctx).render(ctx, book); }
};

/// @brief The same for ANALYZE.COMPLEXITY (PLOT_COMPLEXITY_VALUES, PLOT_COMPLEXITY_TRENDS).
struct complexity {
  static constexpr std::string_view name = "complexity";
  static constexpr std::string_view title = "Complexity";
  using options = no_options;

  static detail::values_and_trends plots(const analysis_context& ctx) {
    return {ctx.analyze.complexity, ctx.analyze.plot_complexity_values, ctx.analyze.plot_complexity_trends};
  }
  bool shown(const analysis_context& ctx, const options&) const { return plots(ctx).shown(ctx); }
  void render(const analysis_context& ctx, const options&, html_book& book) const { plots(ctx).render(ctx, book); }
};

}  // namespace sweep::sections
