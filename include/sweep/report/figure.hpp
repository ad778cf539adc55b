// A small figure/axes model for the report's plots: a figure is a grid of
// axes; an axes holds series (line, step, scatter, band) drawn against two
// axis scales (linear, log10, log2), a legend and a grid. Plots are built by
// composing these pieces, then rendered to SVG by render_svg (svg.hpp).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace sweep::plot {

/// @brief An sRGB colour.
struct color {
  std::uint8_t r = 0, g = 0, b = 0;
  /// @brief "#rrggbb".
  [[nodiscard]] std::string hex() const { return fmt::format("#{:02x}{:02x}{:02x}", r, g, b); }
  /// @brief A grey level in [0, 1] (matplotlib's "0.7").
  static color grey(double level) {
    auto v = static_cast<std::uint8_t>(level * 255.0 + 0.5);
    return {v, v, v};
  }
  friend bool operator==(const color&, const color&) = default;
};

/// @brief matplotlib's tab10 colour cycle.
inline constexpr std::array<color, 10> tab10 = {{{0x1f, 0x77, 0xb4}, {0xff, 0x7f, 0x0e}, {0x2c, 0xa0, 0x2c},
                                                 {0xd6, 0x27, 0x28}, {0x94, 0x67, 0xbd}, {0x8c, 0x56, 0x4b},
                                                 {0xe3, 0x77, 0xc2}, {0x7f, 0x7f, 0x7f}, {0xbc, 0xbd, 0x22},
                                                 {0x17, 0xbe, 0xcf}}};

/// @brief The i-th colour of the cycle (it repeats after ten).
inline color cycle_color(std::size_t i) { return tab10[i % tab10.size()]; }

inline constexpr color black{0, 0, 0};

/// @brief How data maps to an axis.
enum class scale { linear, log10, log2 };

/// @brief A point marker.
enum class marker { none, circle, open_circle, triangle_up, triangle_down, diamond, square };

/// @brief A line pattern.
enum class dash { none, solid, dashed, dotted };

/// @brief How a series is drawn.
struct style {
  color stroke = tab10[0];
  double alpha = 1.0;
  double width = 1.25;           // line width, px
  dash line = dash::solid;       // dash::none: markers only
  marker mark = marker::none;
  double marker_size = 6;        // marker diameter, px
};

/// @brief The kinds of series.
enum class series_kind { line, step, scatter, band };

/// @brief One series: points (x, y), for a band also y2 (the other edge).
struct series {
  series_kind kind = series_kind::line;
  std::vector<double> x, y, y2;
  style look;
  std::string label;      // legend entry ("" = none); '\n' separates lines
  std::vector<int> ids;   // per point: the job it stands for (hover), -1 for none
};

/// @brief An axis: scale, limits (automatic unless set), label and ticks.
struct axis {
  plot::scale kind = scale::linear;
  std::optional<double> lo, hi;      // data limits; unset ones come from the data plus the margin
  double margin = 0.05;              // fraction of the data span added on each side
  std::string label;
  std::vector<double> ticks;         // explicit major ticks (empty = automatic)
  std::vector<std::string> tick_labels;
  std::vector<double> minor_ticks;   // drawn as grid lines only
  bool integer_ticks = false;        // automatic ticks on integers only
  bool show_ticks = true;            // false: no tick labels (pycls's set_xticks([]))
};

/// @brief Where a legend sits inside its axes.
enum class corner { upper_left, upper_right, lower_left, lower_right };

/// @brief An axes' legend: made from the labels of its series.
struct legend {
  bool show = false;
  corner where = corner::upper_left;
  std::string title;
  bool glyphs = true;  // false: text only (pycls's markerscale=0 legends)
};

/// @brief One plot of a figure.
struct axes {
  axis x, y;
  std::vector<series> items;
  plot::legend key;
  bool grid = true;
  bool visible = true;

  /// @brief Adds a line through the points.
  series& line(std::vector<double> xs, std::vector<double> ys, style look = {}, std::string label = {}) {
    return items.emplace_back(series{series_kind::line, std::move(xs), std::move(ys), {}, look, std::move(label), {}});
  }
  /// @brief Adds a post-step line (the value holds until the next x).
  series& step(std::vector<double> xs, std::vector<double> ys, style look = {}, std::string label = {}) {
    return items.emplace_back(series{series_kind::step, std::move(xs), std::move(ys), {}, look, std::move(label), {}});
  }
  /// @brief Adds markers at the points; `ids` names the job behind each point (for hovering).
  series& scatter(std::vector<double> xs, std::vector<double> ys, style look = {}, std::string label = {},
                  std::vector<int> ids = {}) {
    if (look.mark == marker::none) look.mark = marker::circle;
    look.line = dash::none;
    return items.emplace_back(
        series{series_kind::scatter, std::move(xs), std::move(ys), {}, look, std::move(label), std::move(ids)});
  }
  /// @brief Fills between y1 and y2 over xs (matplotlib's fill_between).
  series& band(std::vector<double> xs, std::vector<double> y1, std::vector<double> y2, style look = {},
               std::string label = {}) {
    look.line = dash::none;
    return items.emplace_back(
        series{series_kind::band, std::move(xs), std::move(y1), std::move(y2), look, std::move(label), {}});
  }
};

/// @brief Which axes share a range: none, all, each row, each column.
enum class share { none, all, row, col };

/// @brief A legend entry of the whole figure (above the grid).
struct figure_entry {
  std::string label;
  style look;
};

/// @brief A grid of axes with shared ranges and a figure legend on top.
struct figure {
  int rows = 1, cols = 1;
  std::vector<axes> panels;  // row-major
  share share_x = share::none, share_y = share::none;
  std::vector<figure_entry> entries;  // the figure legend
  int legend_cols = 1;
  double panel_width = 330, panel_height = 225;  // px per cell
  std::string caption;  // a short description, used as the SVG's accessible name

  figure() : panels(1) {}
  figure(int m, int n) : rows(m), cols(n), panels(static_cast<std::size_t>(m * n)) {}

  /// @brief The axes at row i, column j.
  axes& at(int i, int j) { return panels[static_cast<std::size_t>(i * cols + j)]; }
  [[nodiscard]] const axes& at(int i, int j) const { return panels[static_cast<std::size_t>(i * cols + j)]; }
};

}  // namespace sweep::plot
