// A report section of your own: a histogram of the error, registered by name
// and chosen in the sweep config (ANALYZE.SECTIONS), with its own options
// (ANALYZE.ERROR_HISTOGRAM: {BINS: 8}). Public API only: docs/extend.md walks
// through it.
//
//   extend_error_histogram --sweep-json tests/data/analyze/sweep.json --out /tmp/hist [--bins 8]
#include <sweep/analyze.hpp>
#include <sweep/config.hpp>
#include <sweep/report.hpp>

#include <CLI/CLI.hpp>
#include <boost/hana/define_struct.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

namespace plot = sweep::plot;

/// The error's histogram per sweep, after the pre-filters and the split (ctx.current()).
struct error_histogram {
  static constexpr std::string_view name = "error_histogram";  // ANALYZE.SECTIONS lists it by this name
  static constexpr std::string_view title = "Error Histogram";  // its heading on the page

  /// ANALYZE.ERROR_HISTOGRAM: {BINS: 20}; the fields are its keys, upper-cased.
  struct options {
    BOOST_HANA_DEFINE_STRUCT(options, (std::int64_t, bins));
    options() : bins(10) {}
  };

  /// How many jobs fall in each of `bins` equal bins over [lo, hi].
  static std::vector<double> counts(const sweep::sweep_data& s, double lo, double hi, std::int64_t bins) {
    std::vector<double> out(static_cast<std::size_t>(bins), 0.0);
    double width = hi > lo ? (hi - lo) / static_cast<double>(bins) : 1.0;
    for (auto& j : s.jobs) {
      auto k = static_cast<std::int64_t>((j.error - lo) / width);
      out[static_cast<std::size_t>(std::clamp<std::int64_t>(k, 0, bins - 1))] += 1;
    }
    return out;
  }

  void render(const sweep::analysis_context& ctx, const options& opts, sweep::html_book& book) const {
    if (opts.bins < 1) {
      sweep::config_checker(ctx.config).fail("ANALYZE.ERROR_HISTOGRAM.BINS", fmt::format("expected at least 1 bin, got {}", opts.bins));
    }
    const auto& sweeps = ctx.current();
    double lo = sweeps.front().jobs.front().error, hi = lo;
    for (auto& s : sweeps) {
      for (auto& j : s.jobs) {
        lo = std::min(lo, j.error);
        hi = std::max(hi, j.error);
      }
    }
    double width = hi > lo ? (hi - lo) / static_cast<double>(opts.bins) : 1.0;

    plot::figure fig;
    fig.caption = "error histogram";
    auto& ax = fig.at(0, 0);
    ax.x.label = "error";
    ax.y.label = "jobs";
    ax.y.integer_ticks = true;
    ax.key = {true, plot::corner::upper_right, "n", true};
    for (std::size_t i = 0; i < sweeps.size(); ++i) {
      auto n = counts(sweeps[i], lo, hi, opts.bins);
      // Bars as a filled outline: each bin's edges at its height.
      std::vector<double> xs, ys, zeros;
      for (std::size_t k = 0; k < n.size(); ++k) {
        for (double x : {lo + width * static_cast<double>(k), lo + width * static_cast<double>(k + 1)}) {
          xs.push_back(x);
          ys.push_back(n[k]);
          zeros.push_back(0);
        }
      }
      ax.band(xs, zeros, ys, {plot::cycle_color(i), 0.25});
      ax.line(xs, ys, {plot::cycle_color(i)}, std::to_string(sweeps[i].jobs.size()));
      fig.entries.push_back({sweeps[i].name, {plot::cycle_color(i)}});
    }
    book.add_plot(fig);
    book.add_text(fmt::format("{} bins of width {:.3g} from {:.3g} to {:.3g}.", opts.bins, width, lo, hi));
  }
};

SWEEP_REGISTER(sweep::register_report_section<error_histogram>);

int main(int argc, char** argv) {
  CLI::App app("Builds a report with a user's section: the error's histogram");
  std::filesystem::path sweep_json, out;
  std::int64_t bins = 8;
  app.add_option("--sweep-json", sweep_json, "a collected sweep.json")->required()->check(CLI::ExistingFile);
  app.add_option("--out", out, "the folder to analyse it in (ROOT_DIR)")->required();
  app.add_option("--bins", bins, "ANALYZE.ERROR_HISTOGRAM.BINS");
  CLI11_PARSE(app, argc, argv);

  try {
    // The sweep folder analyze reads: ROOT_DIR/NAME/sweep.json.
    std::filesystem::create_directories(out / "histogram");
    std::filesystem::copy_file(sweep_json, out / "histogram" / "sweep.json", std::filesystem::copy_options::overwrite_existing);
    // The config, as a user writes it: the new section between pycls's EDF and the job table.
    auto cfg_file = out / "histogram.yaml";
    std::ofstream(cfg_file) << fmt::format(
        "ROOT_DIR: {}\nNAME: histogram\nANALYZE:\n  SECTIONS: [edf, error_histogram, jobs]\n  ERROR_HISTOGRAM: {{BINS: {}}}\n",
        out.string(), bins);
    auto cfg = sweep::load_sweep_config(cfg_file);

    auto page = sweep::analyze(cfg);

    std::vector<std::string> titles;
    for (auto& section : cfg.analyze.sections) titles.push_back(sweep::report_sections().get(section).title);
    fmt::print("sections: {}\n", fmt::join(titles, ", "));
    // The same counts the section drew, as text.
    auto s = sweep::load_sweep(out / "histogram" / "sweep.json", "histogram", cfg.analyze.error);
    double lo = s.jobs.front().error, hi = lo;
    for (auto& j : s.jobs) lo = std::min(lo, j.error), hi = std::max(hi, j.error);
    auto n = error_histogram::counts(s, lo, hi, bins);
    double total = 0;
    for (std::size_t k = 0; k < n.size(); ++k) {
      double a = lo + (hi - lo) * static_cast<double>(k) / static_cast<double>(bins);
      fmt::print("{:6.2f} {:<40} {}\n", a, std::string(static_cast<std::size_t>(n[k]), '#'), n[k]);
      total += n[k];
    }
    fmt::print("{} jobs in {} bins\nreport: {}\n", total, bins, page.string());
  } catch (const sweep::error& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
}
