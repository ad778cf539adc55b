// `sweep analyze` as a function (pycls's tools/sweep_analyze.py): loads
// ROOT_DIR/NAME/sweep.json (and the EXTRA_SWEEP_NAMES' ones), then writes
// analysis.html with the report sections ANALYZE.SECTIONS names, in its order
// (by default pycls's sections in pycls's order, then the job table).
#pragma once

#include <sweep/analyze/check_inputs.hpp>
#include <sweep/analyze/metrics.hpp>
#include <sweep/analyze/parameters.hpp>
#include <sweep/analyze/sweep_data.hpp>
#include <sweep/base/files.hpp>
#include <sweep/base/layout.hpp>
#include <sweep/base/paths.hpp>
#include <sweep/config/check.hpp>
#include <sweep/config/load.hpp>
#include <sweep/config/sweep_config.hpp>
#include <sweep/error.hpp>
#include <sweep/report/analysis_json.hpp>
#include <sweep/report/html_book.hpp>
#include <sweep/report/section.hpp>
#include <sweep/report/sections.hpp>
#include <sweep/report/sections/curves.hpp>
#include <sweep/report/sweep_plots.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sweep {

/// @brief What the analysis of `a` reads of each job: the metrics looked up for every job
/// (ANALYZE's metrics and filters, the job list's and table's), looked up while loading; and the
/// epoch columns of every metric shortcut and of the curves (a load keeps the error's and the
/// looked-up metrics' columns itself); and what the page's other sections read (their `reads`).
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
  const auto& registered = report_sections();
  for (auto& name : a.sections.empty() ? default_report_sections() : a.sections) {
    if (auto* section = registered.find(name)) {  // unknown names: analyze's check says so
      for (auto& read : section->prepare(a, "").reads) keys.push_back(get_metric_info(read, a.error).key);
    }
  }
  out.columns = epoch_columns(keys);
  return out;
}

/// @brief What the analysis of `cfg`'s sweeps reads, narrowed to the fields it reads
/// (load_options::fields), as `sweep analyze` loads: every metric of an epoch record is looked up
/// while loading (the columns are then dropped), and the records keep the other fields metrics
/// read, the sampled parameters (SETUP.SAMPLERS), cfg.DESC and what the sections read. Curves and
/// models are drawn from whole records read again (whole_record) for the few jobs they show.
inline load_options analysis_reads(const sweep_config& cfg) {
  auto out = analysis_reads(cfg.analyze);
  auto in_epoch_record = [](std::string_view key) { return key.substr(0, key.find('.')).ends_with("_epoch"); };
  std::vector<std::string> fields = {"cfg.DESC", "cfg.RNG_SEED"};  // RNG_SEED: telling seed repeats apart
  auto add = [&](const metric_info& info) {
    bool seen = std::any_of(out.metrics.begin(), out.metrics.end(), [&](auto& m) { return m.name == info.name; });
    if (!in_epoch_record(info.key)) {
      fields.push_back(info.key);
    } else if (!seen) {
      out.metrics.push_back(info);
    }
  };
  for (auto& m : std::vector<metric_info>(out.metrics)) add(m);
  for (auto& name : metric_shortcut_names()) add(get_metric_info(name, cfg.analyze.error));
  for (auto& p : sweep_parameters(cfg)) add(p.info);
  const auto& registered = report_sections();
  for (auto& name : cfg.analyze.sections.empty() ? default_report_sections() : cfg.analyze.sections) {
    if (auto* section = registered.find(name)) {
      for (auto& read : section->prepare(cfg.analyze, "").reads) fields.push_back(get_metric_info(read, cfg.analyze.error).key);
    }
  }
  out.fields = record_fields(fields);
  return out;
}

namespace detail {

inline std::string analysis_page(const sweep_config& cfg, std::vector<sweep_data> sweeps, const std::vector<prepared_section>& sections,
                                 nlohmann::json* facts = nullptr, std::string_view header_html = {}) {
  analysis_context ctx(cfg, std::move(sweeps));
  if (facts != nullptr) *facts = analysis_facts(ctx);  // analysis.json: the page's numbers
  const auto& a = cfg.analyze;
  html_book book(cfg.name);
  book.add_header_html(header_html);
  bool sampled = std::any_of(ctx.loaded.begin(), ctx.loaded.end(), [](auto& s) { return s.jobs.size() > max_shown_jobs; });
  book.add_text(fmt::format("{} jobs analysed{}; error = min of {}; bootstrap seed {}. Hover a point to see its job, click it to find it in the job table.{}",
                            ctx.analysed,
                            ctx.skipped ? fmt::format(", {} without a {} record not analysed", ctx.skipped, ctx.error_record) : std::string(),
                            a.error, a.rng_seed,
                            sampled ? fmt::format(" A sweep of more than {} jobs is drawn and listed job by job through an even sample of "
                                                  "them (a browser cannot show more); every statistic uses all its jobs.", max_shown_jobs)
                                    : std::string()),
                "summary");
  for (auto& section : sections) {
    if (!section.shown(ctx)) continue;
    book.add_section(section.title);
    section.render(ctx, book);
  }
  return book.to_html();
}

}  // namespace detail

/// @brief The analysis page of loaded sweeps (the first is the sweep of `cfg`, then its extra
/// sweeps): ANALYZE's values and its sections (ANALYZE.SECTIONS, ANALYZE.<NAME>) are checked first.
inline std::string analysis_html(const sweep_config& cfg, std::vector<sweep_data> sweeps) {
  check_analyze_options(cfg);
  auto sections = page_sections(cfg);
  return detail::analysis_page(cfg, std::move(sweeps), sections);
}

/// @brief Analyses the sweep of `cfg` (ROOT_DIR/NAME/sweep.json and the extra sweeps') and writes
/// ROOT_DIR/NAME/analysis.html atomically, and beside it analysis.json (the page's numbers, see
/// analysis_facts); returns the page's path. Checks what analyze uses (ROOT_DIR,
/// NAME, NUM_PROC, ANALYZE and its sections) before loading anything; SETUP, LAUNCH and COLLECT
/// are not read, so a sweep.json made elsewhere needs no SETUP. `header_html` goes between the page's
/// title and its table of contents (`sweep watch` puts the sweep's progress there).
inline std::filesystem::path analyze(const sweep_config& cfg, std::string_view header_html = {}) {
  check_common_options(cfg);
  check_analyze_options(cfg);
  auto sections = page_sections(cfg);
  std::vector<std::string> names = {cfg.name};
  names.insert(names.end(), cfg.analyze.extra_sweep_names.begin(), cfg.analyze.extra_sweep_names.end());
  std::vector<sweep_data> sweeps;
  auto reads = analysis_reads(cfg);
  for (auto& name : names) {
    sweep_layout layout(std::filesystem::path(cfg.root_dir) / name);
    auto file = layout.sweep_file();
    auto key = name == cfg.name ? "NAME" : "ANALYZE.EXTRA_SWEEP_NAMES";
    if (!path_exists(file)) throw error({cfg.file, 0}, key, fmt::format("no {} (run collect first)", file.string()));
    // NAME and EXTRA_SWEEP_NAMES stay inside ROOT_DIR (checked above); nor may the file lead out of its folder.
    if (!stays_inside(layout.dir, file.filename().string())) {
      throw error({cfg.file, 0}, key, fmt::format("{} resolves outside its sweep's folder (a symlink?): expected the "
                                                  "sweep.json collect writes there", file.string()));
    }
    sweeps.push_back(load_sweep(file, std::filesystem::path(name).filename().string(), cfg.analyze.error, reads));
    check_sweep_has_error(cfg, sweeps.back(), file, name);  // names what the jobs have instead
  }
  check_metric_names(cfg, sweeps);
  auto out = sweep_layout(sweep_dir(cfg)).analysis_file();
  nlohmann::json facts;
  auto html = detail::analysis_page(cfg, std::move(sweeps), sections, &facts, header_html);
  write_file_atomic(std::filesystem::path(out).replace_extension(".json"), facts.dump(2) + "\n");
  write_file_atomic(out, html);
  return out;
}

}  // namespace sweep
