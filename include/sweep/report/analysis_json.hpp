// analysis.json, written beside analysis.html: the numbers the page states,
// for scripts and notebooks. Every page gets one, whichever sections it shows:
// the EDF summary and good ranges of pycls's sections, parameter importance
// (overall and within the good range) and, with several sweeps, their
// comparisons, and with SETUP.REPEATS each config's runs and the EDF bands;
// computed with the page's seed and the sections' options
// (ANALYZE.IMPORTANCE, ANALYZE.COMPARE), so the numbers equal the page's.
#pragma once

#include <sweep/analyze/compare.hpp>
#include <sweep/analyze/importance.hpp>
#include <sweep/analyze/parameters.hpp>
#include <sweep/analyze/statistics.hpp>
#include <sweep/config/components.hpp>
#include <sweep/config/load.hpp>
#include <sweep/report/section.hpp>
#include <sweep/report/sections/compare.hpp>
#include <sweep/report/sections/importance.hpp>
#include <sweep/report/sections/repeats.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <string>
#include <string_view>
#include <vector>

namespace sweep {

namespace detail {

/// @brief A section's options as the page reads them (its defaults without ANALYZE.<NAME>).
template <class Options>
Options section_options(const sweep_config& cfg, std::string_view name) {
  Options opts;
  if (auto* node = component_section(cfg.analyze.extensions, name)) schema_reader(cfg.file).read(*node, "ANALYZE." + upper(name), opts);
  return opts;
}

inline nlohmann::json json_number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }

inline nlohmann::json shares_json(const importance_result& r) {
  auto out = nlohmann::json::array();
  for (auto& s : r.shares) out.push_back({{"key", s.key}, {"share", s.share}, {"interval", {s.low, s.high}}});
  return out;
}

inline nlohmann::json edf_summary(const sweep_data& s) {
  std::vector<double> e;
  for (auto& j : s.jobs) e.push_back(j.error);
  double sum = 0;
  for (double v : e) sum += v;
  nlohmann::json out = {{"n", e.size()}};
  if (e.empty()) return out;
  out["min"] = *std::min_element(e.begin(), e.end());
  out["mean"] = sum / static_cast<double>(e.size());
  auto& p = out["percentiles"] = nlohmann::json::object();
  for (int q : {5, 10, 25, 50, 75, 90}) p[std::to_string(q)] = percentile(e, q);
  return out;
}

/// @brief A sweep's seed repeats: the spread in numbers, each config's runs, and the EDF band.
inline nlohmann::json repeats_json(const analysis_context& ctx, const repeat_summary& r) {
  nlohmann::json out = {{"sweep", r.sweep},
                        {"configs", r.groups.size()},
                        {"jobs", r.jobs},
                        {"most_runs", r.most_runs()},
                        {"seed_sd", json_number(r.seed_sd())},
                        {"config_sd", json_number(r.config_sd())},
                        {"resolution", json_number(seed_resolution(r))}};
  auto& configs = out["per_config"] = nlohmann::json::array();
  for (auto& g : r.groups) {
    configs.push_back({{"desc", g.desc}, {"jobs", g.ids}, {"errors", g.errors}, {"mean", g.mean}, {"sd", g.sd},
                       {"min", g.min}, {"max", g.max}});
  }
  auto band = bootstrap_edf_band(r.groups, edf_band_bootstrap(ctx));
  out["edf_band"] = {{"level", band.level}, {"x", band.x}, {"low", band.low}, {"high", band.high}};
  return out;
}

}  // namespace detail

/// @brief The numbers of a page as JSON (see the top of this file and docs/report.md#analysisjson).
inline nlohmann::json analysis_facts(const analysis_context& ctx) {
  const auto& a = ctx.analyze;
  nlohmann::json out = {{"name", ctx.config.name}, {"error", a.error}, {"rng_seed", a.rng_seed},
                        {"jobs_analysed", ctx.analysed}, {"jobs_skipped", ctx.skipped}};
  auto imp_opts = detail::section_options<sections::importance_options>(ctx.config, "importance");
  auto cmp_opts = detail::section_options<sections::compare_options>(ctx.config, "compare");
  auto params = sweep_parameters(ctx.config, imp_opts.keys);
  auto imp_settings = detail::importance_settings(ctx, imp_opts);
  std::vector<std::string> names = a.metrics;
  names.insert(names.end(), a.complexity.begin(), a.complexity.end());
  auto infos = ctx.metrics(names);

  auto& sweeps = out["sweeps"] = nlohmann::json::array();
  for (auto& s : ctx.current()) {
    nlohmann::json one = {{"name", s.name}, {"edf", detail::edf_summary(s)}};
    auto& ranges = one["good_ranges"] = nlohmann::json::array();
    auto gr = good_ranges(s, infos, ctx.bootstrap);
    for (std::size_t k = 0; k < infos.size(); ++k) {
      ranges.push_back({{"metric", infos[k].name}, {"label", infos[k].label}, {"low", detail::json_number(gr[k][0])},
                        {"best", detail::json_number(gr[k][1])}, {"high", detail::json_number(gr[k][2])}});
    }
    auto imp = importance_of(s, params, imp_settings, ctx.bootstrap);
    one["importance"] = detail::shares_json(imp.overall);
    one["importance_rest"] = {{"share", imp.overall.rest.share}, {"interval", {imp.overall.rest.low, imp.overall.rest.high}}};
    one["importance_good_range"] = {{"jobs", imp.good_jobs}, {"shares", detail::shares_json(imp.good)}};
    sweeps.push_back(std::move(one));
  }
  // The first sweep's importance at the top, as the scripts read it.
  out["importance"] = sweeps.empty() ? nlohmann::json::array() : sweeps[0]["importance"];
  out["importance_good_range"] = sweeps.empty() ? nlohmann::json::object() : sweeps[0]["importance_good_range"];
  auto& comps = out["comparisons"] = nlohmann::json::array();
  if (ctx.current().size() > 1) {
    for (auto& c : detail::compare_all(ctx.current(), detail::comparison_settings(ctx, cmp_opts))) {
      nlohmann::json one = {{"a", c.a}, {"b", c.b}, {"n_a", c.n_a}, {"n_b", c.n_b}, {"ks_statistic", c.ks_statistic}, {"p_value", c.p_value}};
      auto& qs = one["quantiles"] = nlohmann::json::array();
      auto& words = one["summary"] = nlohmann::json::array({describe_ks(c)});
      for (auto& d : c.quantiles) {
        qs.push_back({{"percentile", d.percentile}, {"a", d.a}, {"b", d.b}, {"difference", d.diff}, {"interval", {d.low, d.high}}});
        words.push_back(describe_difference(c, d));
      }
      comps.push_back(std::move(one));
    }
  }
  // SETUP.REPEATS: only in the facts of a sweep that has them (others are as they were before).
  if (ctx.has_repeats()) {
    auto& reps = out["repeats"] = nlohmann::json::array();
    for (auto& r : ctx.repeats) reps.push_back(detail::repeats_json(ctx, r));
  }
  return out;
}

}  // namespace sweep
