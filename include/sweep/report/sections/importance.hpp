// Report section "importance" (ours): which parameters matter. For each
// sampled key and derived metric, the share of the error's variance it
// explains on its own (functional-ANOVA main effect, analyze/importance.hpp),
// over all jobs and within the bootstrap good range, with bootstrap intervals.
#pragma once

#include <sweep/analyze/importance.hpp>
#include <sweep/analyze/parameters.hpp>
#include <sweep/config/check.hpp>
#include <sweep/report/html_book.hpp>
#include <sweep/report/section.hpp>
#include <sweep/report/svg.hpp>

#include <boost/hana/define_struct.hpp>
#include <fmt/format.h>

#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace sweep::sections {

/// @brief ANALYZE.IMPORTANCE: {KEYS: [...], BINS: 10, RESAMPLES: 200}.
struct importance_options {
  BOOST_HANA_DEFINE_STRUCT(importance_options,
    (std::vector<std::string>, keys),  // parameters (metric names or dotted keys); empty: sampled keys + METRICS
    (std::int64_t, bins),              // equal-count bins per parameter
    (std::int64_t, resamples));        // bootstrap resamples of the intervals
  importance_options() : bins(10), resamples(200) {}
};

}  // namespace sweep::sections

namespace sweep::detail {

/// @brief The importance options of a section's options and the page's seed.
inline importance_options importance_settings(const analysis_context& ctx, const sections::importance_options& o) {
  importance_options opt;
  opt.bins = static_cast<int>(o.bins);
  opt.resamples = static_cast<int>(o.resamples);
  opt.seed = ctx.bootstrap.seed;
  return opt;
}

inline void check_importance_options(const analysis_context& ctx, const sections::importance_options& o) {
  if (o.bins < 2) config_checker(ctx.config).fail("ANALYZE.IMPORTANCE.BINS", fmt::format("expected at least 2 bins, got {}", o.bins));
  if (o.resamples < 0 || o.resamples > 100000) {
    config_checker(ctx.config).fail("ANALYZE.IMPORTANCE.RESAMPLES", fmt::format("expected 0 to 100000 resamples, got {}", o.resamples));
  }
}

inline std::string share_cell(const importance_share& s, bool bar) {
  std::string out = "<td>";
  if (bar) {
    fmt::format_to(std::back_inserter(out),
                   "<span style=\"display:inline-block;vertical-align:middle;height:10px;width:{:.0f}px;background:#1f77b4;margin-right:6px\"></span>",
                   120 * s.share);
  }
  fmt::format_to(std::back_inserter(out), "{:.2f} [{:.2f}, {:.2f}]</td>", s.share, s.low, s.high);
  return out;
}

/// @brief The importance table of one sweep: one row per parameter, then interactions and noise.
inline std::string importance_table(const std::vector<sweep_parameter>& params, const sweep_importance& imp) {
  bool good = !imp.good.shares.empty();
  std::string out = "<table class=\"jobs importance\"><thead><tr><th class=\"t\">parameter</th><th class=\"t\">share of variance, all jobs [95 % interval]</th>";
  out += fmt::format("<th class=\"t\">within the good range ({} jobs)</th><th class=\"t\">good range</th></tr></thead><tbody>\n", imp.good_jobs);
  for (std::size_t k = 0; k < params.size(); ++k) {
    out += "<tr><td class=\"t\">" + plot::escape_xml(params[k].info.label) + "</td>" + share_cell(imp.overall.shares[k], true);
    out += good ? share_cell(imp.good.shares[k], true) : std::string("<td>-</td>");
    out += k < imp.ranges.size() ? fmt::format("<td>[{}, {}]</td>", short_number(imp.ranges[k][0]), short_number(imp.ranges[k][1])) : "<td></td>";
    out += "</tr>\n";
  }
  out += "<tr><td class=\"t\"><i>interactions and noise</i></td>" + share_cell(imp.overall.rest, false);
  out += good ? share_cell(imp.good.rest, false) : std::string("<td>-</td>");
  return out + "<td></td></tr>\n</tbody></table>\n";
}

}  // namespace sweep::detail

namespace sweep::sections {

/// @brief Parameter importance: each parameter's share of the error's variance (its main effect),
/// over all jobs and within the good range, with 95 % bootstrap intervals; one table per sweep.
struct importance {
  static constexpr std::string_view name = "importance";
  static constexpr std::string_view title = "Importance";
  using options = importance_options;

  void render(const analysis_context& ctx, const options& opts, html_book& book) const {
    detail::check_importance_options(ctx, opts);
    auto params = sweep_parameters(ctx.config, opts.keys);
    if (params.empty()) {
      book.add_text("No parameters: SETUP.SAMPLERS, ANALYZE.METRICS and ANALYZE.IMPORTANCE.KEYS are all empty.");
      return;
    }
    auto settings = detail::importance_settings(ctx, opts);
    book.add_text(fmt::format(
        "The share of the error's variance each parameter explains on its own: its functional-ANOVA main effect "
        "Var(E[error | parameter]) / Var(error), estimated as the bias-corrected correlation ratio (omega squared) over "
        "{} equal-count bins of the parameter, so a parameter without effect scores about 0. Intervals: 95 % percentile "
        "bootstrap over {} resamples of the jobs. What the main effects leave is interactions and noise. The good range "
        "column repeats it for the jobs inside every parameter's bootstrap good range.",
        settings.bins, settings.resamples));
    for (auto& s : ctx.current()) {
      auto imp = importance_of(s, params, settings, ctx.bootstrap);
      if (ctx.current().size() > 1) book.add_html("<h4>" + plot::escape_xml(s.name) + "</h4>\n");
      book.add_html(detail::importance_table(params, imp));
      if (imp.good.shares.empty()) {
        book.add_text(fmt::format("Only {} jobs lie inside every good range: too few (20 or more needed) to split the variance there.",
                                  imp.good_jobs));
      }
    }
  }
};

}  // namespace sweep::sections
