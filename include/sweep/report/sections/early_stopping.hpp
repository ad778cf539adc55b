// Report section "early_stopping" (ours, docs/early_stopping.md): on the default page only when jobs of the
// loaded sweeps were stopped early. It says how many, at which rungs, and which budget the plots show:
// a stopped job's error is its error at the rung, not at the full budget.
#pragma once

#include <sweep/analyze/metrics.hpp>
#include <sweep/analyze/sweep_data.hpp>
#include <sweep/report/html_book.hpp>
#include <sweep/report/section.hpp>
#include <sweep/report/svg.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sweep::sections {

/// @brief How many jobs were stopped, per sweep and rung, and which jobs the EDFs and good ranges use.
struct early_stopping {
  static constexpr std::string_view name = "early_stopping";
  static constexpr std::string_view title = "Early Stopping";
  using options = no_options;

  /// @brief (rung, epoch) -> jobs stopped there, of one sweep.
  static std::map<std::pair<std::int64_t, std::int64_t>, std::size_t> stopped(const sweep_data& s) {
    std::map<std::pair<std::int64_t, std::int64_t>, std::size_t> out;
    for (auto& j : s.jobs) {
      auto* at = j.field("stopped_early");
      if (at == nullptr || !at->is_object()) continue;
      ++out[{at->value("rung", std::int64_t{-1}), at->value("epoch", std::int64_t{-1})}];
    }
    return out;
  }

  [[nodiscard]] std::vector<std::string> reads(const options&) const { return {"stopped_early"}; }

  [[nodiscard]] bool shown(const analysis_context& ctx, const options&) const {
    return std::any_of(ctx.loaded.begin(), ctx.loaded.end(), [](auto& s) { return !stopped(s).empty(); });
  }

  void render(const analysis_context& ctx, const options&, html_book& book) const {
    std::string html = "<table class=\"jobs\"><thead><tr><th class=\"t\">sweep</th><th>jobs</th><th>stopped early</th>"
                       "<th class=\"t\">at rung (epoch): jobs</th><th>trained to the full budget</th></tr></thead><tbody>\n";
    for (std::size_t k = 0; k < ctx.loaded.size(); ++k) {
      auto& s = ctx.loaded[k];
      auto at = stopped(s);
      std::size_t n = 0;
      std::string rungs;
      for (auto& [where, count] : at) {
        n += count;
        fmt::format_to(std::back_inserter(rungs), "{}{} ({}): {}", rungs.empty() ? "" : ", ", where.first, where.second, count);
      }
      fmt::format_to(std::back_inserter(html), "<tr><td class=\"t\">{}</td><td>{}</td><td>{}</td><td class=\"t\">{}</td><td>{}</td></tr>\n",
                     plot::escape_xml(s.name), s.jobs.size(), n, rungs, ctx.filtered[k].jobs.size());
    }
    book.add_html(html + "</tbody></table>\n");
    bool same_budget = std::any_of(ctx.analyze.pre_filters.begin(), ctx.analyze.pre_filters.end(),
                                   [](auto& f) { return f.first == "done" && f.second[0] >= 1; });
    book.add_text(same_budget
                      ? "A job stopped early has the error it had at its rung, a smaller budget than the others'. The EDF "
                        "section shows every job; EDF Filtered, the metrics and complexity plots and their good ranges "
                        "use only the jobs trained to the full budget (ANALYZE.PRE_FILTERS done: [1, 1, 1], the last "
                        "column). The error curves of a stopped job end at the epoch it was stopped."
                      : "A job stopped early has the error it had at its rung, a smaller budget than the others'. Every "
                        "section of this page shows all jobs, the stopped ones at their rung's budget: add "
                        "ANALYZE.PRE_FILTERS {done: [1, 1, 1]} to compare only the jobs trained to the full budget. The "
                        "error curves of a stopped job end at the epoch it was stopped.");
  }
};

}  // namespace sweep::sections
