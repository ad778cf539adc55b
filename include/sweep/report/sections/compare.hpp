// Report section "compare" (ours): with several sweeps on the page
// (ANALYZE.EXTRA_SWEEP_NAMES), whether each pair's errors differ: a
// Kolmogorov-Smirnov test and bootstrap intervals of the difference of error
// quantiles, in plain words (analyze/compare.hpp).
#pragma once

#include <sweep/analyze/compare.hpp>
#include <sweep/config/check.hpp>
#include <sweep/report/html_book.hpp>
#include <sweep/report/section.hpp>
#include <sweep/report/svg.hpp>
#include <sweep/value.hpp>

#include <boost/hana/define_struct.hpp>
#include <fmt/format.h>

#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace sweep::sections {

/// @brief ANALYZE.COMPARE: {QUANTILES: [10, 50], RESAMPLES: 1000}.
struct compare_options {
  BOOST_HANA_DEFINE_STRUCT(compare_options,
    (value, quantiles),                // error percentiles compared: a list of numbers
    (std::int64_t, resamples));        // bootstrap resamples of each sweep
  compare_options() : quantiles(value::list{value(10), value(50)}), resamples(1000) {}
};

}  // namespace sweep::sections

namespace sweep::detail {

inline sweep::compare_options comparison_settings(const analysis_context& ctx, const sections::compare_options& o) {
  sweep::compare_options opt;
  opt.quantiles.clear();
  auto bad = [&](std::string got) {
    config_checker(ctx.config).fail("ANALYZE.COMPARE.QUANTILES", "expected a list of percentiles from 0 to 100, got " + got);
  };
  if (!o.quantiles.is_list() || o.quantiles.as_list().empty()) bad(std::string(o.quantiles.kind()));
  for (auto& q : o.quantiles.as_list()) {
    if (!q.is_number()) bad(std::string(q.kind()));
    double p = q.as_float();
    if (!(p >= 0 && p <= 100)) bad(fmt::format("{}", p));
    opt.quantiles.push_back(p);
  }
  if (o.resamples < 1 || o.resamples > 100000) {
    config_checker(ctx.config).fail("ANALYZE.COMPARE.RESAMPLES", fmt::format("expected 1 to 100000 resamples, got {}", o.resamples));
  }
  opt.resamples = static_cast<int>(o.resamples);
  opt.seed = ctx.bootstrap.seed;
  return opt;
}

/// @brief Every pair (i < j) of the current sweeps, compared.
inline std::vector<comparison> compare_all(const std::vector<sweep_data>& sweeps, const sweep::compare_options& opt) {
  std::vector<comparison> out;
  for (std::size_t i = 0; i < sweeps.size(); ++i) {
    for (std::size_t j = i + 1; j < sweeps.size(); ++j) out.push_back(compare_sweeps(sweeps[i], sweeps[j], opt));
  }
  return out;
}

}  // namespace sweep::detail

namespace sweep::sections {

/// @brief With two or more sweeps: for each pair, the KS test and the quantile differences with
/// 95 % bootstrap intervals, as sentences and a table.
struct compare {
  static constexpr std::string_view name = "compare";
  static constexpr std::string_view title = "Comparison";
  using options = compare_options;

  bool shown(const analysis_context& ctx, const options&) const { return ctx.current().size() > 1; }
  void render(const analysis_context& ctx, const options& opts, html_book& book) const {
    auto settings = detail::comparison_settings(ctx, opts);
    book.add_text(fmt::format(
        "Lower error is better. For each pair of sweeps: the two-sample Kolmogorov-Smirnov test of their error distributions, and "
        "the difference of their error percentiles with a 95 % percentile-bootstrap interval ({} resamples of each sweep). An "
        "interval that excludes 0 says which is better there.",
        settings.resamples));
    for (auto& c : detail::compare_all(ctx.current(), settings)) {
      std::string html = "<div class=\"comparison\"><p><b>" + plot::escape_xml(c.a + " versus " + c.b) + ".</b> " + plot::escape_xml(describe_ks(c));
      for (auto& d : c.quantiles) html += " " + plot::escape_xml(describe_difference(c, d)) + ".";
      html += "</p>\n<table class=\"jobs\"><thead><tr><th class=\"t\">percentile</th><th>" + plot::escape_xml(c.a) + "</th><th>" + plot::escape_xml(c.b) +
              "</th><th>difference</th><th class=\"t\">95 % interval</th></tr></thead><tbody>\n";
      for (auto& d : c.quantiles) {
        fmt::format_to(std::back_inserter(html), "<tr><td class=\"t\">{}</td><td>{:.2f}</td><td>{:.2f}</td><td>{:.2f}</td><td class=\"t\">[{:.2f}, {:.2f}]</td></tr>\n",
                       ordinal(d.percentile), d.a, d.b, d.diff, d.low, d.high);
      }
      book.add_html(html + "</tbody></table></div>\n");
    }
  }
};

}  // namespace sweep::sections
