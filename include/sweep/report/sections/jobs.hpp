// Report section "jobs" (ours): every job in one sortable table, the target
// of the plots' points (hover shows a point's row, click opens it).
#pragma once

#include <sweep/analyze/metrics.hpp>
#include <sweep/analyze/sweep_data.hpp>
#include <sweep/report/html_book.hpp>
#include <sweep/report/section.hpp>
#include <sweep/report/svg.hpp>
#include <sweep/report/sweep_plots.hpp>

#include <fmt/format.h>
#include <range/v3/algorithm/find.hpp>
#include <range/v3/view/concat.hpp>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace sweep::detail {

inline void cell_number(std::string& out, double v) {
  out += "<td>";
  if (!std::isnan(v)) out += short_number(v);
  out += "</td>";
}

/// @brief The job table: one row per job (best first per sweep), numbered as `rows` numbers them.
/// Cells hold 4 significant digits, which sorting and the tooltip read (10,000 rows stay a few MB).
inline std::string job_table(const std::vector<sweep_data>& sweeps, const std::vector<metric_info>& columns, const job_rows& rows) {
  bool several = sweeps.size() > 1;
  std::string out = "<table class=\"jobs\" id=\"jobs\"><thead><tr>";
  if (several) out += "<th class=\"t\">sweep</th>";
  out += "<th class=\"t\">job</th><th>error</th>";
  for (auto& c : columns) out += "<th>" + plot::escape_xml(c.label) + "</th>";
  out += "<th class=\"t\">DESC</th></tr></thead><tbody>\n";
  for (auto& s : sweeps) {
    for (auto& j : sorted_by_error(shown_jobs(s))) {
      auto* desc = j.field("cfg.DESC");
      fmt::format_to(std::back_inserter(out), "<tr id=\"job{}\">", rows(j));
      if (several) out += "<td class=\"t\">" + plot::escape_xml(s.name) + "</td>";
      out += "<td class=\"t\">" + plot::escape_xml(j.id) + "</td>";
      cell_number(out, j.error);
      for (auto& c : columns) cell_number(out, job_number(j, c));
      out += "<td class=\"t\">" + plot::escape_xml(desc && desc->is_string() ? desc->get<std::string>() : "") + "</td></tr>\n";
    }
  }
  return out + "</tbody></table>\n";
}

}  // namespace sweep::detail

namespace sweep::sections {

/// @brief Every loaded job: sweep (with several), job, error, done, ANALYZE's metrics and
/// complexity, DESC; a click on a header sorts by it. Without this section, hovering a point
/// shows nothing (its row is what the tooltip shows).
struct jobs {
  static constexpr std::string_view name = "jobs";
  static constexpr std::string_view title = "Jobs";
  using options = no_options;

  void render(const analysis_context& ctx, const options&, html_book& book) const {
    std::vector<std::string> columns = {"done"};
    for (auto& m : ranges::views::concat(ctx.analyze.metrics, ctx.analyze.complexity)) {
      if (ranges::find(columns, m) == columns.end()) columns.push_back(m);
    }
    std::string notes;
    for (auto& s : ctx.loaded) notes += shown_note(s).empty() ? "" : fmt::format("; {}:{}", s.name, shown_note(s));
    book.add_html(fmt::format("<details><summary>job table ({} jobs; click a header to sort{})</summary>\n{}</details>\n", ctx.analysed,
                              plot::escape_xml(notes), sweep::detail::job_table(ctx.loaded, ctx.metrics(columns), ctx.rows)));
  }
};

}  // namespace sweep::sections
