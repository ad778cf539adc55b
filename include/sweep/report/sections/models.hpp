// Report sections "best_models" and "worst_models" (pycls's "Best Models" and
// "Worst Models"): per-block widths of the best and worst models.
#pragma once

#include <sweep/report/html_book.hpp>
#include <sweep/report/section.hpp>
#include <sweep/report/sweep_plots.hpp>

#include <string_view>

namespace sweep::sections {

/// @brief Block diagrams of the ANALYZE.PLOT_MODELS_BEST best models of each current sweep (shown when > 0).
struct best_models {
  static constexpr std::string_view name = "best_models";
  static constexpr std::string_view title = "Best Models";
  using options = no_options;

  bool shown(const analysis_context& ctx, const options&) const { return ctx.analyze.plot_models_best > 0; }
  void render(const analysis_context& ctx, const options&, html_book& book) const {
    book.add_plot(plot_models(ctx.current(), ctx.analyze.plot_models_best, false, ctx.rows));
  }
};

/// @brief The same for the ANALYZE.PLOT_MODELS_WORST worst models.
struct worst_models {
  static constexpr std::string_view name = "worst_models";
  static constexpr std::string_view title = "Worst Models";
  using options = no_options;

  bool shown(const analysis_context& ctx, const options&) const { return ctx.analyze.plot_models_worst > 0; }
  void render(const analysis_context& ctx, const options&, html_book& book) const {
    book.add_plot(plot_models(ctx.current(), ctx.analyze.plot_models_worst, true, ctx.rows));
  }
};

}  // namespace sweep::sections
