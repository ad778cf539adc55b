// Report section "repeats" (ours): with SETUP.REPEATS, how much the training
// seed moves the error. Every other section already reads one job per config
// at its mean error (analysis_context); this one shows the EDF of those means
// with a bootstrap confidence band, each config's runs around its mean, and
// the smallest difference of two configs' means that k seeds can resolve.
#pragma once

#include <sweep/analyze/repeats.hpp>
#include <sweep/analyze/sweep_data.hpp>
#include <sweep/report/html_book.hpp>
#include <sweep/report/section.hpp>
#include <sweep/report/sweep_plots.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <string>
#include <string_view>
#include <vector>

namespace sweep::detail {

/// @brief The bootstrap that draws a sweep's EDF band: the page's seed, 1000 resamples, 95 %.
inline bootstrap_options edf_band_bootstrap(const analysis_context& ctx) {
  auto opt = ctx.bootstrap;
  opt.resamples = 1000;
  return opt;
}

/// @brief The configs' order by mean error (ties keep their order).
inline std::vector<std::size_t> by_mean(const repeat_summary& r) {
  std::vector<std::size_t> order(r.groups.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return r.groups[a].mean < r.groups[b].mean; });
  return order;
}

/// @brief The EDF of the configs' mean errors per sweep, each with its bootstrap band.
inline plot::figure plot_repeats_edf(const analysis_context& ctx) {
  auto fig = plot_edf(ctx.loaded, ctx.rows);
  fig.caption = "EDF of the mean error per config, with 95 % bootstrap bands";
  auto& ax = fig.at(0, 0);
  for (std::size_t i = 0; i < ctx.repeats.size(); ++i) {
    auto band = bootstrap_edf_band(ctx.repeats[i].groups, edf_band_bootstrap(ctx));
    plot::style look{plot::cycle_color(i), 0.2};
    ax.band(band.x, band.low, band.high, look);
  }
  return fig;
}

/// @brief Each config's runs around its mean: configs ranked by mean error (as a fraction, so sweeps of
/// any size share the axis), the band from their best to their worst run, the mean and every run.
inline plot::figure plot_repeats_spread(const analysis_context& ctx) {
  plot::figure fig;
  fig.caption = "each config's runs: mean, best to worst run, and every run";
  auto& ax = fig.at(0, 0);
  ax.x.label = "configs ranked by mean error (fraction)";
  ax.y.label = "error";
  ax.key = {true, plot::corner::upper_left, "", true};
  for (std::size_t i = 0; i < ctx.repeats.size(); ++i) {
    const auto& r = ctx.repeats[i];
    auto order = by_mean(r);
    std::vector<double> x, mean, lo, hi, run_x, run_y;
    auto n = static_cast<double>(std::max<std::size_t>(1, order.size()));
    for (std::size_t k = 0; k < order.size(); ++k) {
      const auto& g = r.groups[order[k]];
      double at = (static_cast<double>(k) + 0.5) / n;
      x.push_back(at);
      mean.push_back(g.mean);
      lo.push_back(g.min);
      hi.push_back(g.max);
      for (double e : g.errors) {
        run_x.push_back(at);
        run_y.push_back(e);
      }
    }
    ax.band(x, lo, hi, plot::style{plot::cycle_color(i), 0.25}, order.size() > 0 ? r.sweep + ": best to worst run" : "");
    ax.line(x, mean, plot::style{plot::cycle_color(i), 0.9}, r.sweep + ": mean");
    if (run_x.size() <= 2 * max_shown_jobs) {
      plot::style dots{plot::cycle_color(i), 0.5};
      dots.marker_size = 3;
      ax.scatter(run_x, run_y, dots);
    }
  }
  return fig;
}

/// @brief One sentence per sweep: configs, runs, the seeds' spread and the configs', and the resolution.
inline std::string describe_repeats(const repeat_summary& r) {
  if (!r.repeated()) return fmt::format("{}: {} configs, one run each.", r.sweep, r.groups.size());
  return fmt::format(
      "{}: {} configs, {} runs (up to {} per config). Across seeds a config's error varies by {:.2f} (pooled standard "
      "deviation); across configs the mean error varies by {:.2f}. Two configs whose mean errors differ by less than "
      "{:.2f} are not told apart by {} seeds (95 %).",
      r.sweep, r.groups.size(), r.jobs, r.most_runs(), r.seed_sd(), r.config_sd(), seed_resolution(r), r.most_runs());
}

/// @brief pycls's describe_sweep for configs: "mean=.. | sd=.. | min=.. | max=.. | n=.. | ids | DESC", best first.
inline std::string describe_configs(const repeat_summary& r) {
  std::string out;
  for (auto k : by_mean(r)) {
    const auto& g = r.groups[k];
    std::string ids;
    for (auto& id : g.ids) ids += (ids.empty() ? "" : ",") + id;
    out += fmt::format("{}mean={:.2f} | sd={:.2f} | min={:.2f} | max={:.2f} | n={} | {} | {}", out.empty() ? "" : "\n", g.mean,
                       g.sd, g.min, g.max, g.ids.size(), ids, g.desc);
  }
  return out;
}

}  // namespace sweep::detail

namespace sweep::sections {

/// @brief Seed repeats (shown when some sweep ran a config more than once): the EDF of the configs'
/// mean errors with 95 % bootstrap bands, each config's runs around its mean, the spread in words,
/// and the configs' list (best first).
struct repeats {
  static constexpr std::string_view name = "repeats";
  static constexpr std::string_view title = "Seed Repeats";
  using options = no_options;

  bool shown(const analysis_context& ctx, const options&) const { return ctx.has_repeats(); }
  void render(const analysis_context& ctx, const options&, html_book& book) const {
    book.add_text(
        "SETUP.REPEATS ran each config several times with different training seeds (the job's RNG_SEED). Every "
        "section of this page reads one point per config at the mean error of its runs. The band around each EDF is "
        "a 95 % pointwise bootstrap interval: 1000 resamples, each drawing the configs and then each config's runs "
        "with replacement, so it shows how far the EDF could move with other seeds and another sample of configs.");
    for (auto& r : ctx.repeats) book.add_text(detail::describe_repeats(r));
    book.add_plot(detail::plot_repeats_edf(ctx));
    book.add_plot(detail::plot_repeats_spread(ctx));
    for (auto& r : ctx.repeats) book.add_details(fmt::format("{}: each config's runs (best mean first)", r.sweep), detail::describe_configs(r));
  }
};

}  // namespace sweep::sections
