// Report section "parallel" (ours): parallel coordinates of the jobs, one
// vertical axis per parameter (logarithmic where its sampler is) and one for
// the error, each job a line coloured by its error. Dragging along an axis
// brushes a range; brushes and the "top k %" box select jobs, and the page
// shows only those: lines here, points in every other plot, rows of the job
// table, and an EDF of the selection drawn next to the full one. Plain inline
// script and SVG, nothing external; past MAX_LINES jobs a sample is drawn as
// lines (the page says so) while selecting still counts every job.
#pragma once

#include <sweep/analyze/parameters.hpp>
#include <sweep/analyze/sweep_data.hpp>
#include <sweep/config/check.hpp>
#include <sweep/report/html_book.hpp>
#include <sweep/report/section.hpp>
#include <sweep/report/svg.hpp>
#include <sweep/report/sweep_plots.hpp>

#include <boost/hana/define_struct.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace sweep::sections {

/// @brief ANALYZE.PARALLEL: {KEYS: [...], MAX_LINES: 2000}.
struct parallel_options {
  BOOST_HANA_DEFINE_STRUCT(parallel_options,
    (std::vector<std::string>, keys),  // axes (metric names or dotted keys); empty: sampled keys + METRICS
    (std::int64_t, max_lines));        // jobs drawn as lines at most (a sample beyond)
  parallel_options() : max_lines(2000) {}
};

}  // namespace sweep::sections

namespace sweep::detail {

// Brushing: each axis has a hit area (.pc-hit, data-a = its index); a drag there sets that axis's
// brush (positions 0 = bottom .. 1 = top), a click without a drag clears it. Selected: inside every
// brush and among the top k % by error. The selection hides other lines, points of every plot
// (data-j, or g[data-j0] children) and job-table rows, and redraws the selection's EDF.
inline constexpr std::string_view parallel_script = R"js(
(function(){
var D=JSON.parse(document.getElementById('pc-data').textContent),svg=document.getElementById('pc-svg');
var N=D.rows.length,A=D.axes.length,brush=[],top=100,sel=new Uint8Array(D.n_rows);
var status=document.getElementById('pc-status'),topk=document.getElementById('pc-topk');
var order=D.rows.map(function(r,i){return i;}).sort(function(a,b){return D.rows[a].e-D.rows[b].e;});
function ypx(p){return D.y0+(1-p)*D.h;}function pOf(y){return Math.max(0,Math.min(1,1-(y-D.y0)/D.h));}
function ns(t){return document.createElementNS('http://www.w3.org/2000/svg',t);}
function brushRect(a){var r=svg.querySelector('rect.pc-brush[data-a="'+a+'"]');if(!r){r=ns('rect');r.setAttribute('class','pc-brush');
 r.setAttribute('data-a',a);r.setAttribute('x',D.xs[a]-9);r.setAttribute('width',18);r.setAttribute('fill','rgba(255,160,0,.3)');
 r.setAttribute('stroke','#c60');r.setAttribute('pointer-events','none');svg.appendChild(r);}return r;}
function value(a,p){var ax=D.axes[a],v=ax.lo+p*(ax.hi-ax.lo);return ax.log?Math.pow(10,v):v;}
function apply(){
 sel.fill(0);var keep=Math.ceil(N*top/100),best=new Uint8Array(N),n=0;for(var k=0;k<keep&&k<N;k++)best[order[k]]=1;
 for(var i=0;i<N;i++){if(!best[i])continue;var r=D.rows[i],ok=true;
  for(var a=0;a<A&&ok;a++){var b=brush[a];if(!b)continue;var p=r.p[a];ok=p!==null&&p>=b[0]&&p<=b[1];}
  if(ok){sel[r.j]=1;n++;}}
 var all=!brush.some(function(b){return b;})&&top>=100;
 document.querySelectorAll('[data-j]').forEach(function(e){var j=+e.getAttribute('data-j');if(j>=0)e.style.display=all||sel[j]?'':'none';});
 document.querySelectorAll('g[data-j0]').forEach(function(g){var j0=+g.getAttribute('data-j0');
  Array.prototype.forEach.call(g.children,function(c,k){c.style.display=all||sel[j0+k]?'':'none';});});
 document.querySelectorAll('table.jobs tbody tr[id^="job"]').forEach(function(t){t.style.display=all||sel[+t.id.slice(3)]?'':'none';});
 status.textContent=n+' of '+N+' jobs selected'+(all?'':' (the other plots and the job table show only these)');
 svg.setAttribute('data-selected',n);edf();}
function edf(){var es=[];for(var i=0;i<N;i++)if(sel[D.rows[i].j])es.push(D.rows[i].e);es.sort(function(a,b){return a-b;});
 var d='',W=D.edf,e0=D.e_lo,e1=D.e_hi;function X(e){return W.x+(e-e0)/(e1-e0||1)*W.w;}function Y(q){return W.y+(1-q)*W.h;}
 for(var k=0;k<es.length;k++){d+=(k?'L':'M')+X(es[k]).toFixed(1)+' '+Y(k/es.length).toFixed(1)+'L'+X(es[k]).toFixed(1)+' '+Y((k+1)/es.length).toFixed(1);}
 document.getElementById('pc-edf-sel').setAttribute('d',d);}
var drag=null;
svg.addEventListener('mousedown',function(ev){var h=ev.target.closest?ev.target.closest('.pc-hit'):null;if(!h)return;ev.preventDefault();
 var m=svg.getScreenCTM().inverse(),pt=svg.createSVGPoint();pt.x=ev.clientX;pt.y=ev.clientY;drag={a:+h.getAttribute('data-a'),y:pt.matrixTransform(m).y,m:m};});
function dragTo(ev,done){if(!drag)return;var pt=svg.createSVGPoint();pt.x=ev.clientX;pt.y=ev.clientY;var y=pt.matrixTransform(drag.m).y;
 var a=drag.a,y0=Math.min(y,drag.y),y1=Math.max(y,drag.y),r=brushRect(a);
 if(y1-y0<3){if(done){brush[a]=null;r.remove();drag=null;apply();}return;}
 y0=Math.max(y0,D.y0);y1=Math.min(y1,D.y0+D.h);r.setAttribute('y',y0);r.setAttribute('height',y1-y0);
 brush[a]=[pOf(y1),pOf(y0)];r.setAttribute('data-lo',value(a,brush[a][0]));r.setAttribute('data-hi',value(a,brush[a][1]));
 apply();if(done)drag=null;}
document.addEventListener('mousemove',function(ev){dragTo(ev,false);});
document.addEventListener('mouseup',function(ev){dragTo(ev,true);});
topk.addEventListener('input',function(){var v=parseFloat(topk.value);top=isNaN(v)?100:Math.max(0,Math.min(100,v));apply();});
document.getElementById('pc-reset').addEventListener('click',function(){brush=[];svg.querySelectorAll('rect.pc-brush').forEach(function(r){r.remove();});
 topk.value=100;top=100;apply();});
if(document.readyState==='loading')document.addEventListener('DOMContentLoaded',apply);else apply();
})();
)js";

/// @brief Blue (good) through pale yellow to red (bad), t in [0, 1].
inline std::string error_color(double t) {
  static constexpr double stops[3][3] = {{44, 123, 182}, {230, 220, 120}, {215, 25, 28}};
  t = std::clamp(std::isnan(t) ? 1.0 : t, 0.0, 1.0);
  int k = t < 0.5 ? 0 : 1;
  double u = t < 0.5 ? t * 2 : (t - 0.5) * 2;
  auto c = [&](int i) { return static_cast<int>(stops[k][i] + u * (stops[k + 1][i] - stops[k][i]) + 0.5); };
  return fmt::format("#{:02x}{:02x}{:02x}", c(0), c(1), c(2));
}

/// @brief Short text of a number for JSON (NaN -> null).
inline std::string js_number(double v) { return std::isfinite(v) ? fmt::format("{:.6g}", v) : "null"; }

}  // namespace sweep::detail

namespace sweep::sections {

/// @brief Parallel coordinates with brushing (see the top of this file). With several sweeps the
/// lines of all loaded jobs share the axes.
struct parallel {
  static constexpr std::string_view name = "parallel";
  static constexpr std::string_view title = "Parallel Coordinates";
  using options = parallel_options;

  void render(const analysis_context& ctx, const options& opts, html_book& book) const {
    if (opts.max_lines < 1) config_checker(ctx.config).fail("ANALYZE.PARALLEL.MAX_LINES", fmt::format("expected at least 1, got {}", opts.max_lines));
    auto params = sweep_parameters(ctx.config, opts.keys);
    std::vector<job> jobs;
    for (auto& s : ctx.loaded) jobs.insert(jobs.end(), s.jobs.begin(), s.jobs.end());
    std::sort(jobs.begin(), jobs.end(), [](auto& a, auto& b) { return a.error < b.error; });
    std::size_t n = jobs.size(), a_count = params.size() + 1;

    struct axis_info {
      std::string label;
      bool log = false;
      double lo = 0, hi = 1;
      std::vector<double> pos;  // per job, 0..1 (NaN: missing)
      std::vector<std::string> categories;
      std::vector<double> raw;
    };
    std::vector<axis_info> axes(a_count);
    for (std::size_t k = 0; k <= params.size(); ++k) {
      auto& ax = axes[k];
      if (k < params.size()) {
        auto col = parameter_values(jobs, params[k]);
        ax.label = params[k].info.label;
        ax.categories = col.categories;
        ax.log = params[k].log && col.categories.empty();
        ax.raw = col.values;
      } else {
        ax.label = "error";
        for (auto& j : jobs) ax.raw.push_back(j.error);
      }
      std::vector<double> t;
      for (double v : ax.raw) t.push_back(ax.log ? (v > 0 ? std::log10(v) : std::nan("")) : v);
      double lo = INFINITY, hi = -INFINITY;
      for (double v : t) {
        if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
      }
      if (!std::isfinite(lo)) lo = 0, hi = 1;
      if (!ax.categories.empty()) lo = -0.5, hi = static_cast<double>(ax.categories.size()) - 0.5;
      if (hi <= lo) lo -= 0.5, hi += 0.5;
      ax.lo = lo;
      ax.hi = hi;
      for (double v : t) ax.pos.push_back(std::isfinite(v) ? (v - lo) / (hi - lo) : std::nan(""));
    }

    // Geometry (SVG units; the figure scales to the page's width).
    double width = std::clamp(150.0 * static_cast<double>(a_count), 600.0, 1180.0), left = 60, right = 60, y0 = 40, h = 300;
    double edf_w = 260, total_w = width + edf_w + 40;
    std::vector<double> xs;
    for (std::size_t k = 0; k < a_count; ++k) {
      xs.push_back(a_count == 1 ? left : left + (width - left - right) * static_cast<double>(k) / static_cast<double>(a_count - 1));
    }
    auto px = [&](double p) { return y0 + (1 - p) * h; };

    std::size_t max_lines = static_cast<std::size_t>(opts.max_lines), step = 1;
    if (n > max_lines) step = (n + max_lines - 1) / max_lines;
    double e_lo = axes.back().lo, e_hi = axes.back().hi;

    std::string svg = fmt::format(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"fig pc\" id=\"pc-svg\" viewBox=\"0 0 {0:.0f} {1:.0f}\" width=\"{0:.0f}\" "
        "style=\"max-width:100%;height:auto\" role=\"img\" aria-label=\"parallel coordinates\" font-family=\"DejaVu Sans,Verdana,Arial,sans-serif\" font-size=\"11\">\n",
        total_w, y0 + h + 60);
    svg += "<g class=\"pc-lines\" fill=\"none\" stroke-width=\"1\" stroke-opacity=\"0.55\">\n";
    // Worst first, so the best lines are drawn on top.
    for (std::size_t i = n; i-- > 0;) {
      if (i % step != 0) continue;
      std::string points;
      for (std::size_t k = 0; k < a_count; ++k) {
        double p = axes[k].pos[i];
        if (std::isnan(p)) continue;
        fmt::format_to(std::back_inserter(points), "{}{:.1f},{:.1f}", points.empty() ? "" : " ", xs[k], px(p));
      }
      double t = axes.back().pos[i];
      fmt::format_to(std::back_inserter(svg), "<polyline data-j=\"{}\" points=\"{}\" stroke=\"{}\"/>\n", ctx.rows(jobs[i]), points,
                     detail::error_color(t));
    }
    svg += "</g>\n";
    for (std::size_t k = 0; k < a_count; ++k) {
      auto& ax = axes[k];
      fmt::format_to(std::back_inserter(svg),
                     "<g class=\"pc-axis\" data-a=\"{}\" data-lo=\"{:.17g}\" data-hi=\"{:.17g}\" data-log=\"{}\">"
                     "<line x1=\"{x:.1f}\" x2=\"{x:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#333\"/>"
                     "<text x=\"{x:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>",
                     k, ax.lo, ax.hi, ax.log ? 1 : 0, y0, y0 + h, y0 + h + 28, plot::escape_xml(ax.label + (ax.log ? " (log)" : "")),
                     fmt::arg("x", xs[k]));
      auto tick = [&](double p, const std::string& text) {
        fmt::format_to(std::back_inserter(svg),
                       "<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{y:.1f}\" y2=\"{y:.1f}\" stroke=\"#333\"/><text x=\"{:.1f}\" y=\"{:.1f}\" "
                       "text-anchor=\"end\">{}</text>",
                       xs[k] - 4, xs[k], xs[k] - 6, px(p) + 4, plot::escape_xml(text), fmt::arg("y", px(p)));
      };
      if (!ax.categories.empty()) {
        for (std::size_t c = 0; c < ax.categories.size(); ++c) tick((static_cast<double>(c) + 0.5) / static_cast<double>(ax.categories.size()), ax.categories[c]);
      } else {
        for (double p : {0.0, 0.5, 1.0}) {
          double v = ax.lo + p * (ax.hi - ax.lo);
          tick(p, detail::short_number(ax.log ? std::pow(10, v) : v));
        }
      }
      fmt::format_to(std::back_inserter(svg),
                     "<rect class=\"pc-hit\" data-a=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"24\" height=\"{:.1f}\" fill=\"transparent\" "
                     "style=\"cursor:ns-resize\"/></g>\n",
                     k, xs[k] - 12, y0, h);
    }
    // The EDF of the selection (redrawn by the script) over the EDF of every job.
    double ex = width + 20, ew = edf_w - 20;
    std::string all_edf;
    for (std::size_t i = 0; i < n; ++i) {
      double x = ex + axes.back().pos[i] * ew;
      fmt::format_to(std::back_inserter(all_edf), "{}{:.1f} {:.1f}L{:.1f} {:.1f}", i ? "L" : "M", x, y0 + h * (1 - static_cast<double>(i) / static_cast<double>(n)), x,
                     y0 + h * (1 - static_cast<double>(i + 1) / static_cast<double>(n)));
    }
    fmt::format_to(std::back_inserter(svg),
                   "<g class=\"pc-edf\"><rect x=\"{ex:.1f}\" y=\"{y0:.1f}\" width=\"{ew:.1f}\" height=\"{h:.1f}\" fill=\"none\" stroke=\"#999\"/>"
                   "<path d=\"{all}\" fill=\"none\" stroke=\"#aaa\" stroke-width=\"1.5\"/>"
                   "<path id=\"pc-edf-sel\" d=\"\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"1.5\"/>"
                   "<text x=\"{ex:.1f}\" y=\"{lab:.1f}\">{elo}</text><text x=\"{ex2:.1f}\" y=\"{lab:.1f}\" text-anchor=\"end\">{ehi}</text>"
                   "<text x=\"{mid:.1f}\" y=\"{lab2:.1f}\" text-anchor=\"middle\" font-weight=\"bold\">error EDF: all (grey), selected (red)</text></g>\n",
                   fmt::arg("ex", ex), fmt::arg("y0", y0), fmt::arg("ew", ew), fmt::arg("h", h), fmt::arg("all", all_edf),
                   fmt::arg("lab", y0 + h + 14), fmt::arg("elo", detail::short_number(e_lo)), fmt::arg("ex2", ex + ew),
                   fmt::arg("ehi", detail::short_number(e_hi)), fmt::arg("mid", ex + ew / 2), fmt::arg("lab2", y0 + h + 28));
    svg += "</svg>\n";

    // Every job's positions, for selecting (lines may be a sample).
    std::string data = "{\"rows\":[";
    for (std::size_t i = 0; i < n; ++i) {
      fmt::format_to(std::back_inserter(data), "{}{{\"j\":{},\"e\":{},\"p\":[", i ? "," : "", ctx.rows(jobs[i]), detail::js_number(jobs[i].error));
      for (std::size_t k = 0; k < a_count; ++k) {
        double p = axes[k].pos[i];
        fmt::format_to(std::back_inserter(data), "{}{}", k ? "," : "", std::isnan(p) ? std::string("null") : fmt::format("{:.6f}", p));
      }
      data += "]}";
    }
    data += "],\"axes\":[";
    for (std::size_t k = 0; k < a_count; ++k) {
      fmt::format_to(std::back_inserter(data), "{}{{\"lo\":{:.17g},\"hi\":{:.17g},\"log\":{}}}", k ? "," : "", axes[k].lo, axes[k].hi,
                     axes[k].log ? "true" : "false");
    }
    data += "],\"xs\":[";
    for (std::size_t k = 0; k < a_count; ++k) fmt::format_to(std::back_inserter(data), "{}{:.1f}", k ? "," : "", xs[k]);
    int n_rows = 0;
    for (auto& s : ctx.loaded) n_rows += static_cast<int>(s.jobs.size());
    fmt::format_to(std::back_inserter(data), "],\"y0\":{},\"h\":{},\"n_rows\":{},\"e_lo\":{:.17g},\"e_hi\":{:.17g},\"edf\":{{\"x\":{},\"y\":{},\"w\":{},\"h\":{}}}}}",
                   y0, h, n_rows + 1, e_lo, e_hi, ex, y0, ew, h);

    book.add_text(fmt::format(
        "One line per job across {} parameters and the error, coloured by error (blue: low, red: high); an axis marked (log) is "
        "logarithmic, as its sampler. Drag along an axis to select a range (a click on it clears it); several ranges combine. "
        "The selection, and the top k % box, filter every plot's points, the job table and the EDF on the right.",
        params.size()));
    if (step > 1) {
      book.add_text(fmt::format("{} jobs: every {}th job by error is drawn as a line ({} lines, ANALYZE.PARALLEL.MAX_LINES {}); selecting counts all {}.",
                                n, step, (n + step - 1) / step, max_lines, n));
    }
    book.add_html(
        "<p class=\"pc-controls\">top <input id=\"pc-topk\" type=\"number\" min=\"0\" max=\"100\" step=\"1\" value=\"100\" style=\"width:4em\"> % by error "
        "<button id=\"pc-reset\" type=\"button\">reset</button> <span id=\"pc-status\"></span></p>\n");
    book.add_html("<div class=\"figure\">" + svg + "</div>\n<script type=\"application/json\" id=\"pc-data\">" + data + "</script>\n<script>" +
                  std::string(detail::parallel_script) + "</script>\n");
  }
};

}  // namespace sweep::sections
