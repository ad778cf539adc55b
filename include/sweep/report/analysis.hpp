// The analysis report of a sweep (pycls's tools/sweep_analyze.py): loads
// ROOT_DIR/NAME/sweep.json (and the EXTRA_SWEEP_NAMES' ones), then writes
// analysis.html with pycls's sections in pycls's order, plus a sortable job
// table whose rows the plots' points link to.
#pragma once

#include <sweep/analyze/metrics.hpp>
#include <sweep/analyze/statistics.hpp>
#include <sweep/analyze/sweep_data.hpp>
#include <sweep/config/load.hpp>
#include <sweep/config/sweep_config.hpp>
#include <sweep/config/yaml.hpp>
#include <sweep/error.hpp>
#include <sweep/base/files.hpp>
#include <sweep/report/html_book.hpp>
#include <sweep/report/svg.hpp>
#include <sweep/report/sweep_plots.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iterator>
#include <string>
#include <vector>

namespace sweep {

namespace detail {

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
    for (auto& j : sorted_by_error(s)) {
      auto* desc = find_field(*j.record, "cfg.DESC");
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

inline std::vector<metric_info> metric_infos(const std::vector<std::string>& names, const std::string& error_key) {
  std::vector<metric_info> out;
  for (auto& n : names) out.push_back(get_metric_info(n, error_key));
  return out;
}

inline void require_jobs(const std::vector<sweep_data>& sweeps, std::string_view key, std::string_view what) {
  for (auto& s : sweeps) {
    if (s.jobs.empty()) throw error({s.file, 0}, std::string(key), fmt::format("{} '{}' has no jobs left to analyse", what, s.name));
  }
}

}  // namespace detail

/// @brief The metric whose curves the Best/Worst Errors sections draw (pycls's).
inline constexpr std::string_view curves_metric = "top1_err";

/// @brief What the analysis of `a` reads of each job: the metrics looked up for every job
/// (ANALYZE's metrics and filters, the job list's and table's), looked up while loading; and the
/// epoch columns of every metric shortcut and of the curves (a load keeps the error's and the
/// looked-up metrics' columns itself).
inline load_options analysis_reads(const analyze_options& a) {
  std::vector<std::string> looked_up = {"done", "error_ema", "error_tst"};
  for (auto* list : {&a.metrics, &a.complexity}) looked_up.insert(looked_up.end(), list->begin(), list->end());
  for (auto& f : a.pre_filters) looked_up.push_back(f.first);
  for (auto& [split, filters] : a.split_filters) {
    for (auto& f : filters) looked_up.push_back(f.first);
  }
  load_options out;
  for (auto& name : looked_up) {
    auto info = get_metric_info(name, a.error);
    bool seen = std::any_of(out.metrics.begin(), out.metrics.end(), [&](auto& m) { return m.name == info.name; });
    if (!seen) out.metrics.push_back(std::move(info));
  }
  std::vector<std::string> keys;
  for (auto& name : metric_shortcut_names()) keys.push_back(get_metric_info(name, a.error).key);
  for (auto record : curve_records) keys.push_back(fmt::format("{}.{}", record, curves_metric));
  out.columns = epoch_columns(keys);
  return out;
}

namespace detail {

inline std::string analysis_page(const sweep_config& cfg, std::vector<sweep_data> sweeps) {
  const auto& a = cfg.analyze;
  html_book book(cfg.name);
  bootstrap_options boot;
  boot.seed = static_cast<std::uint64_t>(a.rng_seed);

  std::size_t analysed = 0, skipped = 0;
  for (auto& s : sweeps) {
    analysed += s.jobs.size();
    skipped += s.skipped.size();
  }
  auto record = a.error.substr(0, a.error.find('.'));
  book.add_text(fmt::format("{} jobs analysed{}; error = min of {}; bootstrap seed {}. Hover a point to see its job, click it to find it in the job table.",
                            analysed,
                            skipped ? fmt::format(", {} without a {} record not analysed", skipped, record) : std::string(),
                            a.error, a.rng_seed),
                "summary");

  book.add_section("Config");
  auto full = detail::schema_to_value(cfg);
  book.add_details("sweep_cfg", sweep_config_yaml(cfg));
  book.add_details("sweep_cfg_full", to_yaml(full));

  detail::require_jobs(sweeps, "ANALYZE.ERROR", fmt::format("sweep (no job has a {} record yet)", record));
  job_rows rows;
  for (auto& s : sweeps) {
    for (auto& j : s.jobs) rows.add(j);  // file order: a scatter's points are then consecutive rows
  }
  auto loaded = sweeps;

  book.add_section("EDF");
  book.add_plot(plot_edf(sweeps, rows));
  for (auto& s : sweeps) book.add_details(s.name, describe_sweep(s));
  for (auto& s : sweeps) {
    if (!s.skipped.empty()) {
      std::string ids;
      for (auto& id : s.skipped) ids += (ids.empty() ? "" : " ") + id;
      book.add_details(fmt::format("{}: {} jobs not analysed (no {} record)", s.name, s.skipped.size(), record), ids);
    }
  }

  if (!a.pre_filters.empty()) {
    for (auto& s : sweeps) s = apply_filters(s, a.pre_filters, a.error);
    detail::require_jobs(sweeps, "ANALYZE.PRE_FILTERS", "filtered sweep");
    book.add_section("EDF Filtered");
    book.add_plot(plot_edf(sweeps, rows));
    for (auto& s : sweeps) book.add_details(s.name, describe_sweep(s));
  }

  if (!a.split_filters.empty() && sweeps.size() == 1) {
    std::vector<sweep_data> parts;
    for (auto& [name, filters] : a.split_filters) {
      parts.push_back(apply_filters(sweeps[0], filters, a.error));
      parts.back().name = name;
    }
    sweeps = std::move(parts);
    detail::require_jobs(sweeps, "ANALYZE.SPLIT_FILTERS", "split");
    book.add_section("EDF Split");
    book.add_plot(plot_edf(sweeps, rows));
    for (auto& s : sweeps) book.add_details(s.name, describe_sweep(s));
  }

  auto values_and_trends = [&](const char* section, const std::vector<std::string>& names, bool values, bool trends) {
    trends = trends && sweeps.size() > 1;
    if (names.empty() || !(values || trends)) return;
    book.add_section(section);
    auto infos = detail::metric_infos(names, a.error);
    std::vector<std::vector<good_range>> ranges;
    for (auto& s : sweeps) ranges.push_back(good_ranges(s, infos, boot));
    if (values) book.add_plot(plot_values(sweeps, infos, ranges, rows));
    if (trends) book.add_plot(plot_trends(sweeps, infos, ranges));
  };
  values_and_trends("Metrics", a.metrics, a.plot_metric_values, a.plot_metric_trends);
  values_and_trends("Complexity", a.complexity, a.plot_complexity_values, a.plot_complexity_trends);

  if (a.plot_curves_best > 0) {
    book.add_section("Best Errors");
    book.add_plot(plot_curves(sweeps, std::string(curves_metric), a.plot_curves_best, false, rows));
  }
  if (a.plot_curves_worst > 0) {
    book.add_section("Worst Errors");
    book.add_plot(plot_curves(sweeps, std::string(curves_metric), a.plot_curves_worst, true, rows));
  }
  if (a.plot_models_best > 0) {
    book.add_section("Best Models");
    book.add_plot(plot_models(sweeps, a.plot_models_best, false, rows));
  }
  if (a.plot_models_worst > 0) {
    book.add_section("Worst Models");
    book.add_plot(plot_models(sweeps, a.plot_models_worst, true, rows));
  }

  // Beyond pycls: every job in one sortable table, the target of the plots' points.
  book.add_section("Jobs");
  std::vector<std::string> columns = {"done"};
  for (auto* list : {&a.metrics, &a.complexity}) {
    for (auto& m : *list) {
      if (std::find(columns.begin(), columns.end(), m) == columns.end()) columns.push_back(m);
    }
  }
  book.add_html(fmt::format("<details><summary>job table ({} jobs; click a header to sort)</summary>\n{}</details>\n", analysed,
                            detail::job_table(loaded, detail::metric_infos(columns, a.error), rows)));
  return book.to_html();
}

}  // namespace detail

/// @brief The analysis page of loaded sweeps (the first is the sweep of `cfg`, then its extra sweeps).
inline std::string analysis_html(const sweep_config& cfg, std::vector<sweep_data> sweeps) {
  std::vector<std::shared_ptr<const nlohmann::json>> trees;
  for (auto& s : sweeps) {
    for (auto& j : s.jobs) trees.push_back(j.record);
  }
  auto html = detail::analysis_page(cfg, std::move(sweeps));
  detail::release_trees(trees);  // the page's copies are gone: these are the last owners
  return html;
}

/// @brief Analyses the sweep of `cfg` (ROOT_DIR/NAME/sweep.json and the extra sweeps') and writes
/// ROOT_DIR/NAME/analysis.html; returns its path.
inline std::filesystem::path analyze(const sweep_config& cfg) {
  std::vector<std::string> names = {cfg.name};
  names.insert(names.end(), cfg.analyze.extra_sweep_names.begin(), cfg.analyze.extra_sweep_names.end());
  std::vector<sweep_data> sweeps;
  auto reads = analysis_reads(cfg.analyze);
  for (auto& name : names) {
    auto file = std::filesystem::path(cfg.root_dir) / name / "sweep.json";
    if (!std::filesystem::exists(file)) {
      throw error({cfg.file, 0}, name == cfg.name ? "NAME" : "ANALYZE.EXTRA_SWEEP_NAMES",
                  fmt::format("no {} (run collect first)", file.string()));
    }
    sweeps.push_back(load_sweep(file, std::filesystem::path(name).filename().string(), cfg.analyze.error, reads));
  }
  auto out = sweep_dir(cfg) / "analysis.html";
  write_file_atomic(out, analysis_html(cfg, std::move(sweeps)));
  return out;
}

}  // namespace sweep
