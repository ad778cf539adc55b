// The report's plots (pycls's sweep/plotting.py), each built from the figure
// model: EDF of error, error versus metric values with good ranges, metric
// trends across sweeps, training curves, and per-block model widths.
#pragma once

#include <sweep/analyze/metrics.hpp>
#include <sweep/analyze/statistics.hpp>
#include <sweep/analyze/sweep_data.hpp>
#include <sweep/report/figure.hpp>
#include <sweep/value.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <range/v3/range/conversion.hpp>
#include <range/v3/view/stride.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <memory>
#include <numeric>
#include <string>
#include <unordered_map>
#include <vector>

namespace sweep {

/// @brief At most this many jobs of a sweep are drawn or listed one by one on a page: 10,000 make
/// a page of about 8.5 MB that a browser lays out in about a second; more only add weight.
inline constexpr std::size_t max_shown_jobs = 10000;

/// @brief The jobs of `sweep` a page draws and lists one by one: all of them, or with more than
/// max_shown_jobs every k-th in sweep.json order (an even sample of its configs); no skipped ids.
inline sweep_data shown_jobs(const sweep_data& sweep) {
  auto step = std::max<std::ptrdiff_t>(1, static_cast<std::ptrdiff_t>((sweep.jobs.size() + max_shown_jobs - 1) / max_shown_jobs));
  return {sweep.name, sweep.file, sweep.jobs | ranges::views::stride(step) | ranges::to<std::vector>(), {}};
}

/// @brief What the page says of a sweep shown by a sample (see shown_jobs), or "".
inline std::string shown_note(const sweep_data& sweep) {
  if (sweep.jobs.size() <= max_shown_jobs) return "";
  return fmt::format(" ({} of {} jobs shown, one in {}: a browser cannot draw more; the statistics use all)", shown_jobs(sweep).jobs.size(),
                     sweep.jobs.size(), (sweep.jobs.size() + max_shown_jobs - 1) / max_shown_jobs);
}

/// @brief Job -> row of the report's job table, so plotted points can name their job.
class job_rows {
 public:
  /// @brief Numbers a job (once; a job in several splits keeps its first number).
  int add(const job& j) { return rows_.try_emplace(j.memo.get(), static_cast<int>(rows_.size())).first->second; }
  /// @brief The job's row, or -1 when it has none.
  [[nodiscard]] int operator()(const job& j) const {
    auto it = rows_.find(j.memo.get());
    return it == rows_.end() ? -1 : it->second;
  }

 private:
  std::unordered_map<const void*, int> rows_;  // by the job's memo: one per loaded job, shared by its copies
};

namespace detail {

/// @brief pycls's legend number format: 4 significant digits, printed the way Python prints a float.
inline std::string short_number(double v) {
  if (!std::isfinite(v)) return "nan";
  return python_float_repr(std::stod(fmt::format("{:.3e}", v)));
}

/// @brief Python's str() of a JSON list or number (ints stay ints).
inline std::string py_str(const nlohmann::json& j) {
  if (j.is_array()) {
    std::string out = "[";
    for (std::size_t k = 0; k < j.size(); ++k) out += (k ? ", " : "") + py_str(j[k]);
    return out + "]";
  }
  if (j.is_number_float()) return python_float_repr(j.get<double>());
  if (j.is_number()) return j.dump();
  if (j.is_string()) return j.get<std::string>();
  return j.dump();
}

inline std::vector<double> numbers(const nlohmann::json* list) {
  std::vector<double> out;
  if (list != nullptr && list->is_array()) {
    for (auto& v : *list) out.push_back(v.is_number() ? v.get<double>() : std::nan(""));
  }
  return out;
}

inline plot::figure_entry sweep_entry(const std::string& name, std::size_t i, plot::dash line, plot::marker mark) {
  plot::style s;
  s.stroke = plot::cycle_color(i);
  s.line = line;
  s.mark = mark;
  return {name, s};
}

inline int legend_columns(std::size_t names, int n_cols) {
  // pycls: ncol = ceil(n / ceil(n / n_cols)), at least one.
  if (names == 0) return 1;
  auto per = static_cast<int>(std::ceil(static_cast<double>(names) / std::max(n_cols, 1)));
  return static_cast<int>(std::ceil(static_cast<double>(names) / per));
}

/// @brief pycls's generate_regnet: per-stage widths and depths and the continuous widths.
struct regnet_widths {
  std::vector<double> ws, ds, ws_cont;
};
inline regnet_widths generate_regnet(double wa, double w0, double wm, int depth, double q = 8) {
  regnet_widths r;
  std::map<double, double> stages;
  for (int j = 0; j < depth; ++j) {
    double cont = j * wa + w0;
    r.ws_cont.push_back(cont);
    // numpy rounds halves to even; nearbyint does too in the default rounding mode.
    double k = std::nearbyint(std::log(cont / w0) / std::log(wm));
    double w = std::nearbyint(w0 * std::pow(wm, k) / q) * q;
    stages[w] += 1;
  }
  for (auto& [w, d] : stages) {
    r.ws.push_back(w);
    r.ds.push_back(d);
  }
  return r;
}

/// @brief Where plot i of sweep j goes: pycls puts it at (i, j); with one sweep the single column
/// is wrapped into rows of up to three, so a page is not one long strip.
struct grid_layout {
  int rows = 1, cols = 1;
  bool wrap = false;
  [[nodiscard]] std::pair<int, int> cell(int i, int j) const { return wrap ? std::pair{i / cols, i % cols} : std::pair{i, j}; }
};

inline grid_layout make_layout(int m, int n) {
  m = std::max(m, 1);
  n = std::max(n, 1);
  if (n == 1 && m > 1) {
    int cols = std::min(m, 3);
    return {(m + cols - 1) / cols, cols, true};
  }
  return {m, n, false};
}

inline plot::figure make_figure(const grid_layout& g, int m) {
  plot::figure fig(g.rows, g.cols);
  // Many sweeps side by side: narrower cells, so a row still fits a page.
  if (g.cols > 3) fig.panel_width = std::max(250.0, 1190.0 / g.cols);
  if (g.wrap) {
    for (int k = m; k < g.rows * g.cols; ++k) fig.panels[static_cast<std::size_t>(k)].visible = false;
  }
  return fig;
}

/// @brief Whether the axes at (i, j) is the lowest shown one of its column (it carries the x label).
inline bool bottom_of_column(const plot::figure& fig, int i, int j) {
  return i == fig.rows - 1 || !fig.at(i + 1, j).visible;
}

}  // namespace detail

/// @brief Error EDF per sweep, n|min|mean in the legend (pycls's plot_edf).
inline plot::figure plot_edf(const std::vector<sweep_data>& sweeps, const job_rows& rows = {}) {
  plot::figure fig;
  fig.caption = "error EDF";
  auto& ax = fig.at(0, 0);
  ax.x.label = "error";
  ax.x.margin = 0.025;
  ax.y.label = "cumulative prob.";
  ax.key = {true, plot::corner::lower_right, "n|min|mean", true};
  for (std::size_t i = 0; i < sweeps.size(); ++i) {
    auto jobs = sorted_by_error(sweeps[i]);
    std::vector<double> errs, edf;
    std::vector<int> ids;
    double sum = 0;
    if (!jobs.empty()) {
      // The EDF rises from 0 at the lowest error.
      errs.push_back(jobs.front().error);
      edf.push_back(0);
      ids.push_back(-1);
    }
    // Past max_shown_jobs, every k-th step (and the last): the curve keeps its shape, not its weight.
    std::size_t step = std::max<std::size_t>(1, (jobs.size() + max_shown_jobs - 1) / max_shown_jobs);
    for (std::size_t k = 0; k < jobs.size(); ++k) {
      sum += jobs[k].error;
      if (k % step != 0 && k + 1 != jobs.size()) continue;
      errs.push_back(jobs[k].error);
      edf.push_back(static_cast<double>(k + 1) / static_cast<double>(jobs.size()));
      ids.push_back(rows(jobs[k]));
    }
    plot::style look{plot::cycle_color(i), 0.8};
    auto label = jobs.empty() ? std::string("0|-|-")
                              : fmt::format("{}|{:.1f}|{:.1f}", jobs.size(), jobs.front().error, sum / static_cast<double>(jobs.size()));
    ax.step(errs, edf, look, label);
    // Hover targets on the steps; past a few thousand jobs they would only add weight.
    if (!jobs.empty() && jobs.size() <= 2000) {
      plot::style dots{plot::cycle_color(i), 0.0};
      dots.marker_size = 7;
      ax.scatter({errs.begin() + 1, errs.end()}, {edf.begin() + 1, edf.end()}, dots, "", {ids.begin() + 1, ids.end()});
    }
    fig.entries.push_back(detail::sweep_entry(sweeps[i].name, i, plot::dash::solid, plot::marker::none));
  }
  fig.legend_cols = detail::legend_columns(sweeps.size(), 1);
  return fig;
}

/// @brief Error versus each metric per sweep, with the best value and good range (pycls's plot_values).
inline plot::figure plot_values(const std::vector<sweep_data>& sweeps, const std::vector<metric_info>& metrics,
                                const std::vector<std::vector<good_range>>& ranges, const job_rows& rows = {}) {
  int m = static_cast<int>(metrics.size()), n = static_cast<int>(sweeps.size());
  auto layout = detail::make_layout(m, n);
  auto fig = detail::make_figure(layout, m);
  fig.caption = "error versus metric values";
  fig.share_x = layout.wrap ? plot::share::none : plot::share::row;
  fig.share_y = plot::share::all;
  double e_min = INFINITY, e_max = -INFINITY;
  for (auto& s : sweeps) {
    for (auto& j : s.jobs) {
      e_min = std::min(e_min, j.error);
      e_max = std::max(e_max, j.error);
    }
  }
  double pad = (e_max - e_min) / 5;
  e_min -= pad;
  e_max += pad;
  for (int j = 0; j < n; ++j) {
    auto sweep = shown_jobs(sweeps[static_cast<std::size_t>(j)]);
    std::vector<double> errs;
    std::vector<int> ids;
    for (auto& jb : sweep.jobs) {
      errs.push_back(jb.error);
      ids.push_back(rows(jb));
    }
    // Thousands of points: smaller and lighter, so dense regions still show their density.
    auto count = sweep.jobs.size();
    plot::style points{plot::cycle_color(static_cast<std::size_t>(j)), count <= 300 ? 0.8 : count <= 3000 ? 0.55 : 0.3};
    points.marker_size = count <= 300 ? 6 : 4;
    for (int i = 0; i < m; ++i) {
      auto& info = metrics[static_cast<std::size_t>(i)];
      auto [row, col] = layout.cell(i, j);
      auto& ax = fig.at(row, col);
      auto [v_min, v_med, v_max] = ranges[static_cast<std::size_t>(j)][static_cast<std::size_t>(i)];
      ax.x.margin = 0.025;
      ax.x.label = info.label;
      ax.y.label = col == 0 ? "error" : "";
      ax.key = {true, plot::corner::upper_left, "", true};
      plot::style fill{plot::tab10[0], 0.1};
      ax.band({v_min, v_max}, {e_min, e_min}, {e_max, e_max}, fill,
              fmt::format("[{}, {}]", detail::short_number(v_min), detail::short_number(v_max)));
      ax.scatter(metric_numbers(sweep, info), errs, points, "", ids);
      ax.line({v_med, v_med}, {e_min, e_max}, {plot::black}, fmt::format("best: {}", detail::short_number(v_med)));
    }
    fig.entries.push_back(detail::sweep_entry(sweep.name, static_cast<std::size_t>(j), plot::dash::none, plot::marker::circle));
    if (auto note = shown_note(sweeps[static_cast<std::size_t>(j)]); !note.empty()) fig.caption += "; " + sweep.name + note;
  }
  fig.legend_cols = detail::legend_columns(sweeps.size(), n);
  return fig;
}

/// @brief Each metric's full, good and best range across the sweeps (pycls's plot_trends).
inline plot::figure plot_trends(const std::vector<sweep_data>& sweeps, const std::vector<metric_info>& metrics,
                                const std::vector<std::vector<good_range>>& ranges) {
  int n_metrics = static_cast<int>(metrics.size()), max_cols = std::max<int>(1, static_cast<int>(sweeps.size()));
  int m = std::max(1, (n_metrics + max_cols - 1) / max_cols);
  int n = std::max(1, std::min(max_cols, (n_metrics + m - 1) / m));
  plot::figure fig(m, n);
  fig.caption = "metric trends across sweeps";
  for (int k = n_metrics; k < m * n; ++k) fig.panels[static_cast<std::size_t>(k)].visible = false;
  std::vector<double> xs(sweeps.size());
  std::iota(xs.begin(), xs.end(), 0.0);
  for (int k = 0; k < n_metrics; ++k) {
    auto& ax = fig.panels[static_cast<std::size_t>(k)];
    auto& info = metrics[static_cast<std::size_t>(k)];
    std::vector<double> vs_min, vs_max, fs_min, fs_med, fs_max;
    for (std::size_t s = 0; s < sweeps.size(); ++s) {
      auto vals = metric_numbers(sweeps[s], info);
      std::erase_if(vals, [](double v) { return std::isnan(v); });
      vs_min.push_back(vals.empty() ? NAN : *std::min_element(vals.begin(), vals.end()));
      vs_max.push_back(vals.empty() ? NAN : *std::max_element(vals.begin(), vals.end()));
      fs_min.push_back(ranges[s][static_cast<std::size_t>(k)][0]);
      fs_med.push_back(ranges[s][static_cast<std::size_t>(k)][1]);
      fs_max.push_back(ranges[s][static_cast<std::size_t>(k)][2]);
    }
    plot::style light{plot::color::grey(0.7)}, mid{plot::color::grey(0.5)};
    ax.band(xs, vs_min, vs_max, {plot::tab10[0], 0.05});
    ax.band(xs, fs_min, fs_max, {plot::tab10[0], 0.10});
    ax.line(xs, vs_min, light);
    ax.line(xs, vs_max, light);
    ax.line(xs, fs_min, mid);
    ax.line(xs, fs_max, mid);
    plot::style best{plot::black};
    best.mark = plot::marker::circle;
    ax.line(xs, fs_med, best);
    for (std::size_t s = 0; s < sweeps.size(); ++s) {
      plot::style up{plot::cycle_color(s)}, down{plot::cycle_color(s)};
      up.mark = plot::marker::triangle_up;
      down.mark = plot::marker::triangle_down;
      up.marker_size = down.marker_size = 11;
      ax.scatter({xs[s]}, {fs_min[s]}, up);
      ax.scatter({xs[s]}, {fs_max[s]}, down);
    }
    ax.y.label = info.label;
    ax.x.show_ticks = false;
    ax.x.label = "sweep";
    ax.x.margin = 0.08;
  }
  for (std::size_t s = 0; s < sweeps.size(); ++s) {
    fig.entries.push_back(detail::sweep_entry(sweeps[s].name, s, plot::dash::solid, plot::marker::diamond));
  }
  fig.legend_cols = detail::legend_columns(sweeps.size(), n);
  return fig;
}

/// @brief The epoch records plot_curves draws a metric of (each also read at epoch_ind and epoch_max).
inline constexpr std::array<std::string_view, 3> curve_records = {"train_epoch", "test_epoch", "test_ema_epoch"};

/// @brief Train/test/ema curves of a metric for the best (or worst) jobs per sweep (pycls's plot_curves).
inline plot::figure plot_curves(const std::vector<sweep_data>& sweeps, const std::string& metric, std::int64_t n_curves,
                                bool reverse, const job_rows& rows = {}) {
  std::vector<int> ms;
  for (auto& s : sweeps) ms.push_back(static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(std::max<std::int64_t>(n_curves, 0)), s.jobs.size())));
  int m = std::max(1, ms.empty() ? 1 : *std::max_element(ms.begin(), ms.end())), n = std::max<int>(1, static_cast<int>(sweeps.size()));
  auto layout = detail::make_layout(m, n);
  auto fig = detail::make_figure(layout, m);
  fig.caption = fmt::format("{} curves of the {} jobs", metric, reverse ? "worst" : "best");
  fig.share_y = plot::share::all;
  const std::vector<double> ticks = {1, 2, 4, 8, 16, 32, 64, 100};
  double y_min = INFINITY;
  std::vector<std::vector<job>> sorted;
  std::vector<std::vector<std::shared_ptr<const nlohmann::json>>> records;  // whole: the load may have left curves out
  for (auto& s : sweeps) {
    sorted.push_back(sorted_by_error(s, reverse));
    records.emplace_back();
    for (int i = 0; i < ms[records.size() - 1]; ++i) records.back().push_back(whole_record(sorted.back()[static_cast<std::size_t>(i)]));
  }
  for (std::size_t j = 0; j < sweeps.size(); ++j) {
    for (int i = 0; i < ms[j]; ++i) {
      for (auto record : {curve_records[1], curve_records[2]}) {
        for (double v : detail::numbers(find_field(*records[j][static_cast<std::size_t>(i)], fmt::format("{}.{}", record, metric)))) {
          if (v > 0) y_min = std::min(y_min, v);
        }
      }
    }
  }
  // pycls: the bottom is the largest tick at or below the lowest error.
  double bottom = ticks.front();
  for (double t : ticks) {
    if (t <= y_min) bottom = t;
  }
  for (std::size_t j = 0; j < sweeps.size(); ++j) {
    for (int i = 0; i < ms[j]; ++i) {
      auto& jb = sorted[j][static_cast<std::size_t>(i)];
      auto [row, col] = layout.cell(i, static_cast<int>(j));
      auto& ax = fig.at(row, col);
      auto& rec = *records[j][static_cast<std::size_t>(i)];
      plot::style prop{plot::cycle_color(j), 0.8};
      auto curve = [&](std::string_view record, plot::dash d, const char* name) -> std::pair<std::vector<double>, std::vector<double>> {
        auto xs = detail::numbers(find_field(rec, fmt::format("{}.epoch_ind", record)));
        auto ys = detail::numbers(find_field(rec, fmt::format("{}.{}", record, metric)));
        if (ys.empty()) return {};
        if (xs.size() != ys.size()) {
          xs.resize(ys.size());
          std::iota(xs.begin(), xs.end(), 1.0);
        }
        plot::style s = prop;
        s.line = d;
        ax.line(xs, ys, s, fmt::format("{} {:.2f}", name, *std::min_element(ys.begin(), ys.end())));
        return {xs, ys};
      };
      curve(curve_records[0], plot::dash::dashed, "trn");
      curve(curve_records[1], plot::dash::dotted, "tst");
      auto [x_ema, y_ema] = curve(curve_records[2], plot::dash::solid, "ema");
      if (!y_ema.empty()) {
        auto best = std::min_element(y_ema.begin(), y_ema.end());
        double e_ema = *best;
        ax.line({x_ema.front(), x_ema.back()}, {e_ema, e_ema}, {plot::black, 0.8});
        std::vector<double> gx, gy;
        for (std::size_t k = 0; k < y_ema.size(); ++k) {
          if (y_ema[k] < 1.01 * e_ema) {
            gx.push_back(x_ema[k]);
            gy.push_back(y_ema[k]);
          }
        }
        plot::style small = prop;
        small.marker_size = 4;
        ax.scatter(gx, gy, small);
        ax.scatter({x_ema[static_cast<std::size_t>(best - y_ema.begin())]}, {e_ema}, prop, "", {rows(jb)});
        auto x_max = detail::numbers(find_field(rec, fmt::format("{}.epoch_max", curve_records[2])));
        if (!x_max.empty()) ax.x.hi = x_max.back();
      }
      ax.key = {true, plot::corner::upper_right, "job " + jb.id, true};
    }
  }
  for (int i = 0; i < layout.rows; ++i) {
    for (int j = 0; j < layout.cols; ++j) {
      auto& ax = fig.at(i, j);
      ax.x.label = detail::bottom_of_column(fig, i, j) ? "epoch" : "";
      ax.x.margin = 0.025;
      ax.y.label = j == 0 ? metric : "";
      ax.y.kind = plot::scale::log2;
      ax.y.ticks = ticks;
      ax.y.tick_labels = {"1", "2", "4", "8", "16", "32", "64", "100"};
      for (double t : ticks) ax.y.minor_ticks.push_back(t * std::sqrt(2.0));
      ax.y.lo = bottom;
      ax.y.hi = 100;
    }
  }
  for (std::size_t s = 0; s < sweeps.size(); ++s) {
    fig.entries.push_back(detail::sweep_entry(sweeps[s].name, s, plot::dash::solid, plot::marker::none));
  }
  fig.legend_cols = detail::legend_columns(sweeps.size(), n);
  return fig;
}

/// @brief Per-block widths of the best (or worst) models per sweep, with their figures (pycls's plot_models).
inline plot::figure plot_models(const std::vector<sweep_data>& sweeps, std::int64_t n_models, bool reverse,
                                const job_rows& rows = {}) {
  std::vector<int> ms;
  for (auto& s : sweeps) ms.push_back(static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(std::max<std::int64_t>(n_models, 0)), s.jobs.size())));
  int m = std::max(1, ms.empty() ? 1 : *std::max_element(ms.begin(), ms.end())), n = std::max<int>(1, static_cast<int>(sweeps.size()));
  auto layout = detail::make_layout(m, n);
  auto fig = detail::make_figure(layout, m);
  fig.caption = fmt::format("block widths of the {} models", reverse ? "worst" : "best");
  fig.share_x = plot::share::all;
  fig.share_y = plot::share::all;
  fig.panel_height = 230;
  for (std::size_t j = 0; j < sweeps.size(); ++j) {
    auto sorted = sorted_by_error(sweeps[j], reverse);
    for (int i = 0; i < ms[j]; ++i) {
      auto& jb = sorted[static_cast<std::size_t>(i)];
      auto whole = whole_record(jb);  // the load may have left the model's fields out
      auto& rec = *whole;
      auto [row, col] = layout.cell(i, static_cast<int>(j));
      auto& ax = fig.at(row, col);
      auto num = [&](const char* name) { return metric_number(rec, get_metric_info(name)); };
      std::string label = fmt::format("e = {:.2f}%, f = {:.2f}B\np = {:.2f}M, a = {:.2f}M\nt = {:.0f}s, r = {:.0f} \u00d7 {:.0f}\n",
                                      jb.error, num("flops"), num("params"), num("acts"), num("epoch_fw_bw"),
                                      num("resolution"), num("resolution"));
      auto* type_field = find_field(rec, "cfg.MODEL.TYPE");
      std::string type = type_field != nullptr && type_field->is_string() ? type_field->get<std::string>() : "";
      std::vector<double> ds, ws;
      plot::style color{plot::cycle_color(j)};
      if (type == "regnet") {
        auto reg = [&](const char* k) { return metric_number(rec, get_metric_info(std::string("cfg.REGNET.") + k)); };
        auto r = detail::generate_regnet(reg("WA"), reg("W0"), reg("WM"), static_cast<int>(reg("DEPTH")));
        ds = r.ds;
        ws = r.ws;
        std::vector<double> idx(r.ws_cont.size());
        std::iota(idx.begin(), idx.end(), 0.0);
        plot::style dotted = color;
        dotted.line = plot::dash::dotted;
        ax.line(idx, r.ws_cont, dotted);
        nlohmann::json jds(std::vector<long>(ds.begin(), ds.end())), jws(std::vector<long>(ws.begin(), ws.end()));
        label += fmt::format("d\u1d62 = {}\nw\u1d62 = {}\n", detail::py_str(jds), detail::py_str(jws));
        label += fmt::format("g = {:.0f}, b = {:g}, w\u2090 = {:.1f}\nw\u2080 = {:.0f}, w\u2098 = {:.3f}", reg("GROUP_W"),
                             reg("BOT_MUL"), reg("WA"), reg("W0"), reg("WM"));
      } else if (type == "anynet" || type == "effnet") {
        bool any = type == "anynet";
        auto field = [&](const char* k) {
          auto* f = find_field(rec, std::string(any ? "cfg.ANYNET." : "cfg.EN.") + k);
          return f ? *f : nlohmann::json::array();
        };
        auto jds = field("DEPTHS"), jws = field("WIDTHS");
        auto third = any ? field("GROUP_WS") : field("STRIDES"), fourth = any ? field("BOT_MULS") : field("EXP_RATIOS");
        ds = detail::numbers(&jds);
        ws = detail::numbers(&jws);
        label += fmt::format("d\u1d62 = {}\nw\u1d62 = {}\n{}\u1d62 = {}\nb\u1d62 = {}", detail::py_str(jds), detail::py_str(jws),
                             any ? "g" : "s", detail::py_str(third), detail::py_str(fourth));
      } else {
        label += fmt::format("no block diagram for MODEL.TYPE '{}'", type);
      }
      std::vector<double> xs_all, ws_all, ds_cum;
      double start = 0;
      for (std::size_t k = 0; k < std::min(ds.size(), ws.size()); ++k) {
        ds_cum.push_back(start);
        for (int d = 0; d < static_cast<int>(ds[k]); ++d) {
          xs_all.push_back(static_cast<double>(xs_all.size()));
          ws_all.push_back(ws[k]);
        }
        start += ds[k];
      }
      ws.resize(ds_cum.size());
      plot::style blocks = color;
      blocks.mark = plot::marker::circle;
      blocks.marker_size = 5;
      auto& s = ax.line(xs_all, ws_all, blocks);
      s.ids.assign(xs_all.size(), rows(jb));
      plot::style stages{plot::black};
      stages.line = plot::dash::none;
      stages.mark = plot::marker::open_circle;
      stages.marker_size = 8;
      ax.line(ds_cum, ws, stages, label);
      ax.key = {true, plot::corner::lower_right, "job " + jb.id, false};
    }
  }
  for (int i = 0; i < layout.rows; ++i) {
    for (int j = 0; j < layout.cols; ++j) {
      auto& ax = fig.at(i, j);
      ax.x.label = detail::bottom_of_column(fig, i, j) ? "block index" : "";
      ax.y.label = j == 0 ? "width" : "";
      ax.y.kind = plot::scale::log2;
      ax.x.integer_ticks = true;
      ax.x.margin = 0.04;
    }
  }
  for (std::size_t s = 0; s < sweeps.size(); ++s) {
    fig.entries.push_back(detail::sweep_entry(sweeps[s].name, s, plot::dash::solid, plot::marker::circle));
  }
  fig.legend_cols = detail::legend_columns(sweeps.size(), n);
  return fig;
}

}  // namespace sweep
