// Renders a plot::figure as inline SVG: each axes in its cell of the grid,
// shared ranges resolved per row/column, grid lines, clipped series, tick and
// axis labels, legends. Points that stand for a job carry data-j="<row>" so
// the report's script can show that job when the point is hovered.
#pragma once

#include <sweep/report/figure.hpp>
#include <sweep/report/ticks.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace sweep::plot {

/// @brief Text escaped for XML/HTML content and attribute values.
inline std::string escape_xml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace detail {

inline constexpr double pad_left = 52, pad_right = 12, pad_top = 10, pad_bottom = 42;
inline constexpr double tick_font = 9.5, label_font = 12.5, legend_font = 10.5, legend_line = 13.5;
inline constexpr const char* font_family = "DejaVu Sans, Verdana, Arial, sans-serif";

/// @brief Rough rendered width of a text in px: code points times an average glyph width.
inline double text_width(std::string_view text, double font_px) {
  auto points = std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
  return static_cast<double>(points) * font_px * 0.62;
}

inline std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (true) {
    auto nl = text.find('\n', start);
    lines.emplace_back(text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  while (lines.size() > 1 && lines.back().empty()) lines.pop_back();
  return lines;
}

/// @brief Maps data to the transformed (linear) space of a scale; NaN when not representable.
inline double forward(scale s, double v) {
  if (s == scale::linear) return v;
  if (!(v > 0)) return std::numeric_limits<double>::quiet_NaN();
  return s == scale::log10 ? std::log10(v) : std::log2(v);
}

/// @brief A range in transformed space, grown point by point.
struct span {
  double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    if (std::isfinite(v)) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  void add(const span& o) {
    lo = std::min(lo, o.lo);
    hi = std::max(hi, o.hi);
  }
  [[nodiscard]] bool empty() const { return lo > hi; }
};

inline span data_span(const axes& ax, bool x_axis) {
  span s;
  const axis& a = x_axis ? ax.x : ax.y;
  for (auto& it : ax.items) {
    if (x_axis) {
      for (double v : it.x) s.add(forward(a.kind, v));
    } else {
      for (double v : it.y) s.add(forward(a.kind, v));
      for (double v : it.y2) s.add(forward(a.kind, v));
    }
  }
  return s;
}

/// @brief The final transformed limits of an axis from its data span, set limits and margin.
inline span resolve_limits(const axis& a, span data) {
  if (data.empty()) data = {0, 1};
  if (data.hi - data.lo < 1e-12 * std::max(1.0, std::abs(data.lo))) {
    // A constant: widen like matplotlib does, by a few percent of the value.
    double d = a.kind == scale::linear ? (data.lo == 0 ? 1.0 : std::abs(data.lo) * 0.05) : 0.1;
    data = {data.lo - d, data.hi + d};
  }
  double m = (data.hi - data.lo) * a.margin;
  span out{data.lo - m, data.hi + m};
  if (a.lo) out.lo = forward(a.kind, *a.lo);
  if (a.hi) out.hi = forward(a.kind, *a.hi);
  if (!(out.hi > out.lo)) out.hi = out.lo + 1;
  return out;
}

inline bool shares(share how, int i1, int j1, int i2, int j2) {
  switch (how) {
    case share::all: return true;
    case share::row: return i1 == i2;
    case share::col: return j1 == j2;
    case share::none: break;
  }
  return i1 == i2 && j1 == j2;
}

inline std::string dash_array(dash d, double width) {
  if (d == dash::dashed) return fmt::format(" stroke-dasharray=\"{:.1f} {:.1f}\"", 3.7 * width, 1.6 * width);
  if (d == dash::dotted) return fmt::format(" stroke-dasharray=\"{:.1f} {:.1f}\"", 1.0 * width, 1.65 * width);
  return {};
}

/// @brief One marker at (x, y); the group around it sets fill and stroke.
inline void marker_at(std::string& out, marker m, double x, double y, double size, int id) {
  double r = size / 2;
  std::string data = id >= 0 ? fmt::format(" data-j=\"{}\"", id) : std::string();
  switch (m) {
    case marker::circle:
    case marker::open_circle:
      fmt::format_to(std::back_inserter(out), "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{:g}\"{}/>", x, y, r, data);
      break;
    case marker::triangle_up:
      fmt::format_to(std::back_inserter(out), "<path d=\"M{:.1f} {:.1f}L{:.1f} {:.1f}L{:.1f} {:.1f}Z\"{}/>", x, y - r,
                     x + r * 0.9, y + r * 0.6, x - r * 0.9, y + r * 0.6, data);
      break;
    case marker::triangle_down:
      fmt::format_to(std::back_inserter(out), "<path d=\"M{:.1f} {:.1f}L{:.1f} {:.1f}L{:.1f} {:.1f}Z\"{}/>", x, y + r,
                     x + r * 0.9, y - r * 0.6, x - r * 0.9, y - r * 0.6, data);
      break;
    case marker::diamond:
      fmt::format_to(std::back_inserter(out), "<path d=\"M{:.1f} {:.1f}L{:.1f} {:.1f}L{:.1f} {:.1f}L{:.1f} {:.1f}Z\"{}/>",
                     x, y - r, x + r * 0.75, y, x, y + r, x - r * 0.75, y, data);
      break;
    case marker::square:
      fmt::format_to(std::back_inserter(out), "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\"{}/>",
                     x - r, y - r, size, size, data);
      break;
    case marker::none: break;
  }
}

/// @brief The attributes of a group of markers drawn in a style.
inline std::string marker_paint(const style& s) {
  if (s.mark == marker::open_circle) {
    return fmt::format("fill=\"none\" stroke=\"{}\" stroke-opacity=\"{:.2f}\" stroke-width=\"1\"", s.stroke.hex(), s.alpha);
  }
  return fmt::format("fill=\"{}\" fill-opacity=\"{:.2f}\"", s.stroke.hex(), s.alpha);
}

/// @brief A legend glyph for a style, centred vertically at y, starting at x (20 px wide).
inline void glyph(std::string& out, const series* it, const style& s, double x, double y) {
  if (it != nullptr && it->kind == series_kind::band) {
    fmt::format_to(std::back_inserter(out), "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"20\" height=\"8\" fill=\"{}\" fill-opacity=\"{:.2f}\"/>",
                   x, y - 4, s.stroke.hex(), std::max(s.alpha, 0.15));
    return;
  }
  if (s.line != dash::none) {
    fmt::format_to(std::back_inserter(out), "<path d=\"M{:.1f} {:.1f}h20\" stroke=\"{}\" stroke-opacity=\"{:.2f}\" stroke-width=\"{:.2f}\"{}/>",
                   x, y, s.stroke.hex(), s.alpha, s.width, dash_array(s.line, s.width));
  }
  if (s.mark != marker::none) {
    out += "<g " + marker_paint(s) + ">";
    marker_at(out, s.mark, x + 10, y, std::min(s.marker_size, 8.0), -1);
    out += "</g>";
  }
}

/// @brief A multi-line text block starting at (x, y) (baseline of the first line).
inline void text_lines(std::string& out, const std::vector<std::string>& lines, double x, double y, double line_h,
                       std::string_view attrs) {
  fmt::format_to(std::back_inserter(out), "<text x=\"{:.1f}\" y=\"{:.1f}\"{}>", x, y, attrs);
  for (std::size_t k = 0; k < lines.size(); ++k) {
    if (lines.size() == 1) {
      out += escape_xml(lines[k]);
    } else {
      fmt::format_to(std::back_inserter(out), "<tspan x=\"{:.1f}\" dy=\"{}\">{}</tspan>", x, k == 0 ? 0.0 : line_h,
                     escape_xml(lines[k]));
    }
  }
  out += "</text>";
}

inline void draw_legend(std::string& out, const axes& ax, double x0, double y0, double w, double h) {
  std::vector<const series*> entries;
  // Like matplotlib: lines and markers first, filled areas after them.
  for (auto& it : ax.items) {
    if (!it.label.empty() && it.kind != series_kind::band) entries.push_back(&it);
  }
  for (auto& it : ax.items) {
    if (!it.label.empty() && it.kind == series_kind::band) entries.push_back(&it);
  }
  if (!ax.key.show || entries.empty()) return;
  double glyph_w = ax.key.glyphs ? 26 : 0, pad = 5;
  double text_w = ax.key.title.empty() ? 0 : text_width(ax.key.title, legend_font);
  double lines = ax.key.title.empty() ? 0 : 1;
  for (auto* e : entries) {
    auto ls = split_lines(e->label);
    lines += static_cast<double>(ls.size());
    for (auto& l : ls) text_w = std::max(text_w, text_width(l, legend_font));
  }
  double bw = 2 * pad + glyph_w + text_w, bh = 2 * pad + lines * legend_line - 3;
  bool left = ax.key.where == corner::upper_left || ax.key.where == corner::lower_left;
  bool top = ax.key.where == corner::upper_left || ax.key.where == corner::upper_right;
  double bx = left ? x0 + 5 : x0 + w - 5 - bw, by = top ? y0 + 5 : y0 + h - 5 - bh;
  fmt::format_to(std::back_inserter(out),
                 "<g class=\"legend\"><rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" rx=\"2\" "
                 "fill=\"#fff\" fill-opacity=\"0.85\" stroke=\"#4d4d4d\" stroke-width=\"0.8\"/>",
                 bx, by, bw, bh);
  double y = by + pad + legend_line / 2;
  if (!ax.key.title.empty()) {
    text_lines(out, {ax.key.title}, bx + pad + glyph_w, y + 3.5, legend_line, "");
    y += legend_line;
  }
  for (auto* e : entries) {
    auto ls = split_lines(e->label);
    if (ax.key.glyphs) glyph(out, e, e->look, bx + pad, y);
    text_lines(out, ls, bx + pad + glyph_w, y + 3.5, legend_line, "");
    y += legend_line * static_cast<double>(ls.size());
  }
  out += "</g>";
}

struct mapper {
  scale kind;
  double t_lo, t_hi, p_lo, p_hi;  // transformed limits -> pixels
  [[nodiscard]] double operator()(double v) const {
    return p_lo + (forward(kind, v) - t_lo) / (t_hi - t_lo) * (p_hi - p_lo);
  }
};

inline void draw_series(std::string& out, const series& it, const mapper& mx, const mapper& my) {
  const style& s = it.look;
  auto n = std::min(it.x.size(), it.y.size());
  if (it.kind == series_kind::band) {
    std::string d;
    for (std::size_t k = 0; k < n; ++k) {
      fmt::format_to(std::back_inserter(d), "{}{:.1f} {:.1f}", k ? "L" : "M", mx(it.x[k]), my(it.y[k]));
    }
    for (std::size_t k = n; k-- > 0;) {
      fmt::format_to(std::back_inserter(d), "L{:.1f} {:.1f}", mx(it.x[k]), my(k < it.y2.size() ? it.y2[k] : it.y[k]));
    }
    if (d.find("nan") != std::string::npos || d.find("inf") != std::string::npos || d.empty()) return;
    fmt::format_to(std::back_inserter(out), "<path d=\"{}Z\" fill=\"{}\" fill-opacity=\"{:.2f}\"/>", d, s.stroke.hex(), s.alpha);
    return;
  }
  if ((it.kind == series_kind::line || it.kind == series_kind::step) && s.line != dash::none) {
    std::string d;
    bool pen_down = false;
    for (std::size_t k = 0; k < n; ++k) {
      double px = mx(it.x[k]), py = my(it.y[k]);
      if (!std::isfinite(px) || !std::isfinite(py)) {
        pen_down = false;
        continue;
      }
      if (!pen_down) {
        fmt::format_to(std::back_inserter(d), "M{:.1f} {:.1f}", px, py);
      } else if (it.kind == series_kind::step) {
        fmt::format_to(std::back_inserter(d), "H{:.1f}V{:.1f}", px, py);
      } else {
        fmt::format_to(std::back_inserter(d), "L{:.1f} {:.1f}", px, py);
      }
      pen_down = true;
    }
    if (!d.empty()) {
      fmt::format_to(std::back_inserter(out),
                     "<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-opacity=\"{:.2f}\" stroke-width=\"{:.2f}\" "
                     "stroke-linejoin=\"round\"{}/>",
                     d, s.stroke.hex(), s.alpha, s.width, dash_array(s.line, s.width));
    }
  }
  if (s.mark != marker::none) {
    bool hover = !it.ids.empty();
    // Consecutive ids and every point drawn: the group names the first job and a point's job is
    // its position, which keeps 10,000-job reports small.
    bool consecutive = hover && it.ids.size() == n && it.ids[0] >= 0;
    for (std::size_t k = 0; consecutive && k < n; ++k) {
      consecutive = it.ids[k] == it.ids[0] + static_cast<int>(k) && std::isfinite(mx(it.x[k])) && std::isfinite(my(it.y[k]));
    }
    fmt::format_to(std::back_inserter(out), "<g {}{}", marker_paint(s), hover ? " class=\"pts\"" : "");
    if (consecutive) fmt::format_to(std::back_inserter(out), " data-j0=\"{}\"", it.ids[0]);
    out += ">";
    for (std::size_t k = 0; k < n; ++k) {
      double px = mx(it.x[k]), py = my(it.y[k]);
      if (!std::isfinite(px) || !std::isfinite(py)) continue;
      marker_at(out, s.mark, px, py, s.marker_size, consecutive || k >= it.ids.size() ? -1 : it.ids[k]);
    }
    out += "</g>";
  }
}

}  // namespace detail

/// @brief The figure as an <svg> element; `id` must be unique in the page (it prefixes clip paths).
inline std::string render_svg(const figure& fig, std::string_view id) {
  using namespace detail;
  std::string out;
  int n_entries = static_cast<int>(fig.entries.size());
  int legend_cols = std::max(1, std::min(fig.legend_cols, std::max(n_entries, 1)));
  int legend_rows = n_entries == 0 ? 0 : (n_entries + legend_cols - 1) / legend_cols;
  double legend_h = legend_rows == 0 ? 0 : legend_rows * legend_line + 16;
  double width = fig.cols * fig.panel_width, height = legend_h + fig.rows * fig.panel_height;
  fmt::format_to(std::back_inserter(out),
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"fig\" id=\"{}\" width=\"{:.0f}\" height=\"{:.0f}\" "
                 "viewBox=\"0 0 {:.0f} {:.0f}\" role=\"img\" aria-label=\"{}\" font-family=\"{}\" font-size=\"{}\">",
                 id, width, height, width, height, escape_xml(fig.caption), font_family, legend_font);
  out += "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>";

  // Figure legend: entries in columns, centred above the grid.
  if (n_entries > 0) {
    double col_w = 0;
    for (auto& e : fig.entries) col_w = std::max(col_w, 30 + text_width(e.label, legend_font));
    double box_w = legend_cols * col_w + 10, box_h = legend_rows * legend_line + 6;
    double bx = (width - box_w) / 2, by = 4;
    fmt::format_to(std::back_inserter(out),
                   "<g class=\"legend\"><rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" rx=\"2\" fill=\"#fff\" "
                   "stroke=\"#4d4d4d\" stroke-width=\"0.8\"/>",
                   bx, by, box_w, box_h);
    for (int k = 0; k < n_entries; ++k) {
      double ex = bx + 5 + (k % legend_cols) * col_w, ey = by + 3 + (k / legend_cols + 0.5) * legend_line;
      auto e = fig.entries[static_cast<std::size_t>(k)];
      glyph(out, nullptr, e.look, ex, ey);
      text_lines(out, {e.label}, ex + 26, ey + 3.5, legend_line, "");
    }
    out += "</g>";
  }

  // Ranges: each axes' data span, merged over the axes it shares with.
  std::vector<span> xs, ys;
  for (auto& ax : fig.panels) {
    xs.push_back(data_span(ax, true));
    ys.push_back(data_span(ax, false));
  }
  for (int i = 0; i < fig.rows; ++i) {
    for (int j = 0; j < fig.cols; ++j) {
      const axes& ax = fig.at(i, j);
      if (!ax.visible) continue;
      span sx, sy;
      for (int i2 = 0; i2 < fig.rows; ++i2) {
        for (int j2 = 0; j2 < fig.cols; ++j2) {
          auto k2 = static_cast<std::size_t>(i2 * fig.cols + j2);
          if (shares(fig.share_x, i, j, i2, j2)) sx.add(xs[k2]);
          if (shares(fig.share_y, i, j, i2, j2)) sy.add(ys[k2]);
        }
      }
      span lx = resolve_limits(ax.x, sx), ly = resolve_limits(ax.y, sy);
      double x0 = j * fig.panel_width + pad_left, y0 = legend_h + i * fig.panel_height + pad_top;
      double w = fig.panel_width - pad_left - pad_right, h = fig.panel_height - pad_top - pad_bottom;
      mapper mx{ax.x.kind, lx.lo, lx.hi, x0, x0 + w}, my{ax.y.kind, ly.lo, ly.hi, y0 + h, y0};
      auto data_lo = [&](const axis& a, const span& l) { return a.kind == scale::linear ? l.lo : std::pow(a.kind == scale::log10 ? 10.0 : 2.0, l.lo); };
      auto data_hi = [&](const axis& a, const span& l) { return a.kind == scale::linear ? l.hi : std::pow(a.kind == scale::log10 ? 10.0 : 2.0, l.hi); };
      auto ticks_of = [&](const axis& a, const span& l, int max_ticks) {
        if (!a.ticks.empty()) {
          tick_set t{a.ticks, a.tick_labels};
          for (std::size_t k = t.labels.size(); k < t.values.size(); ++k) t.labels.push_back(plot::detail::tick_label(t.values[k], 0));
          return t;
        }
        return auto_ticks(a.kind, data_lo(a, l), data_hi(a, l), max_ticks, a.integer_ticks);
      };
      tick_set tx = ticks_of(ax.x, lx, std::max(3, static_cast<int>(w / 34))), ty = ticks_of(ax.y, ly, std::max(3, static_cast<int>(h / 20)));
      auto inside = [](double p, double a, double b) { return p >= std::min(a, b) - 0.5 && p <= std::max(a, b) + 0.5; };

      fmt::format_to(std::back_inserter(out), "<g class=\"axes\"><rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"#fff\"/>",
                     x0, y0, w, h);
      if (ax.grid) {
        std::string d;
        auto grid_x = [&](double v) {
          double p = mx(v);
          if (std::isfinite(p) && inside(p, x0, x0 + w)) fmt::format_to(std::back_inserter(d), "M{:.1f} {:.1f}V{:.1f}", p, y0, y0 + h);
        };
        auto grid_y = [&](double v) {
          double p = my(v);
          if (std::isfinite(p) && inside(p, y0, y0 + h)) fmt::format_to(std::back_inserter(d), "M{:.1f} {:.1f}H{:.1f}", x0, p, x0 + w);
        };
        if (ax.x.show_ticks) for (double v : tx.values) grid_x(v);
        for (double v : ty.values) grid_y(v);
        for (double v : ax.x.minor_ticks) grid_x(v);
        for (double v : ax.y.minor_ticks) grid_y(v);
        if (!d.empty()) fmt::format_to(std::back_inserter(out), "<path d=\"{}\" stroke=\"#b0b0b0\" stroke-opacity=\"0.55\" stroke-width=\"0.8\"/>", d);
      }
      fmt::format_to(std::back_inserter(out), "<clipPath id=\"{}-c{}\"><rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\"/></clipPath>",
                     id, i * fig.cols + j, x0, y0, w, h);
      fmt::format_to(std::back_inserter(out), "<g clip-path=\"url(#{}-c{})\">", id, i * fig.cols + j);
      for (auto& it : ax.items) draw_series(out, it, mx, my);
      out += "</g>";
      fmt::format_to(std::back_inserter(out), "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"none\" stroke=\"#000\" stroke-width=\"1\"/>",
                     x0, y0, w, h);
      // Tick labels: inner axes of a shared column/row leave them to the outer ones.
      bool bottom = i == fig.rows - 1 || !fig.at(i + 1, j).visible;
      bool x_labels = ax.x.show_ticks && (bottom || fig.share_x == share::none || fig.share_x == share::row);
      bool y_labels = ax.y.show_ticks && (j == 0 || fig.share_y == share::none || fig.share_y == share::col);
      out += fmt::format("<g font-size=\"{}\" fill=\"#222\">", tick_font);
      if (x_labels) {
        for (std::size_t k = 0; k < tx.values.size(); ++k) {
          double p = mx(tx.values[k]);
          if (std::isfinite(p) && inside(p, x0, x0 + w)) {
            fmt::format_to(std::back_inserter(out), "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>", p, y0 + h + 13,
                           escape_xml(tx.labels[k]));
          }
        }
      }
      if (y_labels) {
        for (std::size_t k = 0; k < ty.values.size(); ++k) {
          double p = my(ty.values[k]);
          if (std::isfinite(p) && inside(p, y0, y0 + h)) {
            fmt::format_to(std::back_inserter(out), "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>", x0 - 4, p + 3.3,
                           escape_xml(ty.labels[k]));
          }
        }
      }
      out += "</g>";
      if (!ax.x.label.empty()) {
        fmt::format_to(std::back_inserter(out), "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" font-size=\"{}\">{}</text>",
                       x0 + w / 2, y0 + h + 31, label_font, escape_xml(ax.x.label));
      }
      if (!ax.y.label.empty()) {
        fmt::format_to(std::back_inserter(out),
                       "<text transform=\"translate({:.1f} {:.1f}) rotate(-90)\" text-anchor=\"middle\" font-size=\"{}\">{}</text>",
                       x0 - 36, y0 + h / 2, label_font, escape_xml(ax.y.label));
      }
      draw_legend(out, ax, x0, y0, w, h);
      out += "</g>";
    }
  }
  out += "</svg>";
  return out;
}

}  // namespace sweep::plot
