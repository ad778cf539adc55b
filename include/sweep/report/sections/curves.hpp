// Report sections "best_errors" and "worst_errors" (pycls's "Best Errors" and
// "Worst Errors"): train, test and ema error curves of the best and worst jobs.
#pragma once

#include <sweep/report/html_book.hpp>
#include <sweep/report/section.hpp>
#include <sweep/report/sweep_plots.hpp>

#include <string>
#include <string_view>

namespace sweep {

/// @brief The metric whose curves the Best/Worst Errors sections draw (pycls's).
inline constexpr std::string_view curves_metric = "top1_err";

}  // namespace sweep

namespace sweep::sections {

/// @brief Error curves of the ANALYZE.PLOT_CURVES_BEST best jobs of each current sweep (shown when > 0).
struct best_errors {
  static constexpr std::string_view name = "best_errors";
  static constexpr std::string_view title = "Best Errors";
  using options = no_options;

  bool shown(const analysis_context& ctx, const options&) const { return ctx.analyze.plot_curves_best > 0; }
  void render(const analysis_context& ctx, const options&, html_book& book) const {
    book.add_plot(plot_curves(ctx.current(), std::string(curves_metric), ctx.analyze.plot_curves_best, false, ctx.rows));
  }
};

/// @brief The same for the ANALYZE.PLOT_CURVES_WORST worst jobs.
struct worst_errors {
  static constexpr std::string_view name = "worst_errors";
  static constexpr std::string_view title = "Worst Errors";
  using options = no_options;

  bool shown(const analysis_context& ctx, const options&) const { return ctx.analyze.plot_curves_worst > 0; }
  void render(const analysis_context& ctx, const options&, html_book& book) const {
    book.add_plot(plot_curves(ctx.current(), std::string(curves_metric), ctx.analyze.plot_curves_worst, true, ctx.rows));
  }
};

}  // namespace sweep::sections
