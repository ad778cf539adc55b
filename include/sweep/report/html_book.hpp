// The html book (pycls's Htmlbook): a title, a table of contents, numbered
// sections with [top] links, collapsible details and inline SVG figures, in
// one self-contained page (no external scripts, styles or fonts). A tiny
// inline script shows the job behind a hovered point and sorts tables.
#pragma once

#include <sweep/base/files.hpp>
#include <sweep/error.hpp>
#include <sweep/report/figure.hpp>
#include <sweep/report/svg.hpp>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

#include <unistd.h>
#include <utility>

namespace sweep {

namespace detail {

inline constexpr std::string_view book_style = R"css(
body{font-family:"DejaVu Sans",Verdana,Arial,sans-serif;margin:0 auto;padding:0 24px 48px;max-width:1240px;color:#1a1a1a;background:#fff;line-height:1.35}
h1{font-size:1.8em;margin:.6em 0 .3em}
nav.toc{columns:2 260px;margin:0 0 .5em}nav.toc a{display:block;text-decoration:none;color:#0645ad;padding:1px 0}
nav.toc a:hover,h3 a.top:hover{text-decoration:underline}
p.summary{color:#444;margin:.3em 0 1em}
hr{border:0;border-top:3px solid #555;margin:1.8em 0 .6em}
h3{font-size:1.2em;margin:.4em 0 .8em}h3 a.top{text-decoration:none;color:#0645ad;font-weight:normal;font-size:.85em}
details{margin:.3em 0}summary{cursor:pointer}
pre{background:#f6f6f6;border:1px solid #ddd;padding:8px;overflow:auto;max-height:32em;font-size:12px}
.figure{margin:0 0 1em}svg.fig{display:block;max-width:100%;height:auto}
details{overflow-x:auto}
@media (max-width:640px){body{padding:0 8px 24px}nav.toc{columns:1}h1{font-size:1.4em}}
@media print{body{max-width:none;padding:0}nav.toc,#tip,.pc-controls{display:none}h3{break-after:avoid}.figure,tr,p{break-inside:avoid}hr{break-before:auto}}
.pts>*{cursor:pointer}.pts>.hl,.pts>:hover{stroke:#000;stroke-width:1.5;fill-opacity:1}
#tip{position:fixed;display:none;pointer-events:none;z-index:9;background:rgba(255,255,255,.96);border:1px solid #555;border-radius:3px;padding:4px 7px;font-size:12px;max-width:560px;box-shadow:0 2px 6px rgba(0,0,0,.25)}
#tip b{font-weight:600}#tip div{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
table.jobs{border-collapse:collapse;font-size:12px;margin:.5em 0}
table.jobs th{position:sticky;top:0;background:#eee;cursor:pointer;user-select:none;padding:3px 6px;border-bottom:1px solid #999;text-align:right}
table.jobs td{padding:2px 6px;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}
table.jobs td.t,table.jobs th.t{text-align:left}table.jobs tr.hl td{background:#fff3b0}
table.jobs th[data-dir="1"]::after{content:" \25B2"}table.jobs th[data-dir="-1"]::after{content:" \25BC"}
)css";

// Hover: a point's job (its data-j, or its group's data-j0 plus its position) names a row of the
// jobs table; the tooltip shows that row.
// Click: opens the table at that row. Table headers sort their column.
inline constexpr std::string_view book_script = R"js(
(function(){
var tip=document.getElementById('tip'),lit=[];
function row(j){return document.getElementById('job'+j);}
function jobOf(e){if(!e.getAttribute)return null;var j=e.getAttribute('data-j');if(j!==null)return j;var g=e.parentNode;
 if(g&&g.getAttribute&&g.getAttribute('data-j0')!==null)return String(+g.getAttribute('data-j0')+Array.prototype.indexOf.call(g.children,e));return null;}
function pointsOf(j){var ps=Array.prototype.slice.call(document.querySelectorAll('[data-j="'+j+'"]'));
 document.querySelectorAll('g[data-j0]').forEach(function(g){var c=g.children[j-g.getAttribute('data-j0')];if(c)ps.push(c);});return ps;}
function unlight(){lit.forEach(function(e){e.classList.remove('hl');});lit=[];}
function light(j){unlight();pointsOf(j).forEach(function(e){e.classList.add('hl');lit.push(e);});var r=row(j);if(r){r.classList.add('hl');lit.push(r);}}
document.addEventListener('mouseover',function(ev){
 var j=jobOf(ev.target);if(j===null)return;var r=row(j);if(!r)return;var hs=r.closest('table').tHead.rows[0].cells;tip.textContent='';
 for(var k=0;k<r.cells.length;k++){var d=document.createElement('div'),b=document.createElement('b');b.textContent=hs[k].textContent+': ';d.appendChild(b);d.appendChild(document.createTextNode(r.cells[k].textContent));tip.appendChild(d);}
 tip.style.display='block';light(j);move(ev);});
function move(ev){if(tip.style.display!=='block')return;var x=ev.clientX+14,y=ev.clientY+14,w=tip.offsetWidth,h=tip.offsetHeight;if(x+w>innerWidth)x=ev.clientX-w-14;if(y+h>innerHeight)y=ev.clientY-h-14;tip.style.left=Math.max(0,x)+'px';tip.style.top=Math.max(0,y)+'px';}
document.addEventListener('mousemove',move);
document.addEventListener('mouseout',function(ev){if(jobOf(ev.target)!==null){tip.style.display='none';unlight();}});
document.addEventListener('click',function(ev){var j=jobOf(ev.target);if(j===null)return;var r=row(j);if(!r)return;var d=r.closest('details');if(d)d.open=true;r.scrollIntoView({block:'center'});light(j);});
document.querySelectorAll('table.jobs th').forEach(function(th){th.addEventListener('click',function(){
 var t=th.closest('table'),b=t.tBodies[0],k=th.cellIndex,dir=th.getAttribute('data-dir')==='1'?-1:1;
 Array.prototype.forEach.call(th.parentNode.cells,function(c){c.removeAttribute('data-dir');});th.setAttribute('data-dir',dir);
 var rs=Array.prototype.slice.call(b.rows);rs.sort(function(p,q){var a=p.cells[k].textContent,c=q.cells[k].textContent,x=parseFloat(a),y=parseFloat(c);
  if(!isNaN(x)&&!isNaN(y))return (x-y)*dir;if(!isNaN(x))return -1;if(!isNaN(y))return 1;return a<c?-dir:a>c?dir:0;});
 var f=document.createDocumentFragment();rs.forEach(function(r){f.appendChild(r);});b.appendChild(f);});});
})();
)js";

}  // namespace detail

/// @brief An html page built section by section: pycls's Htmlbook, self-contained.
class html_book {
 public:
  explicit html_book(std::string title) : title_(std::move(title)) {}

  /// @brief Starts a numbered section (and adds it to the table of contents).
  void add_section(std::string_view name) {
    auto anchor = fmt::format("section{:03d}", counter_);
    auto numbered = fmt::format("{} {}", counter_++, name);
    toc_ += fmt::format("<a href=\"#{}\">{}</a>\n", anchor, plot::escape_xml(numbered));
    body_ += fmt::format("<hr>\n<h3 id=\"{}\">{} <a class=\"top\" href=\"#top\">[top]</a></h3>\n", anchor,
                         plot::escape_xml(numbered));
  }

  /// @brief Adds a figure, rendered as inline SVG.
  void add_plot(const plot::figure& fig) {
    body_ += "<div class=\"figure\">" + plot::render_svg(fig, fmt::format("fig{}", figures_++)) + "</div>\n";
  }

  /// @brief Adds a collapsible block of preformatted text.
  void add_details(std::string_view summary, std::string_view text) {
    body_ += fmt::format("<details><summary>{}</summary><pre>{}</pre></details>\n", plot::escape_xml(summary),
                         plot::escape_xml(text));
  }

  /// @brief Adds a paragraph of text.
  void add_text(std::string_view text, std::string_view css_class = {}) {
    body_ += css_class.empty() ? "<p>" : fmt::format("<p class=\"{}\">", css_class);
    body_ += plot::escape_xml(text) + "</p>\n";
  }

  /// @brief Adds html as is (the caller escapes what it puts in).
  void add_html(std::string_view html) { body_ += html; }

  /// @brief The whole page.
  [[nodiscard]] std::string to_html() const {
    std::string out;
    out.reserve(body_.size() + toc_.size() + 8192);
    out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    out += "<title>" + plot::escape_xml(title_) + "</title>\n<style>" + std::string(detail::book_style) + "</style>\n</head>\n<body>\n";
    out += "<h1 id=\"top\">" + plot::escape_xml(title_) + "</h1>\n";
    out += head_;
    out += "<nav class=\"toc\">\n" + toc_ + "</nav>\n";
    out += body_;
    out += "<div id=\"tip\" role=\"tooltip\"></div>\n<script>" + std::string(detail::book_script) + "</script>\n</body>\n</html>\n";
    return out;
  }

  /// @brief Html placed between the title and the table of contents.
  void add_header_html(std::string_view html) { head_ += html; }

  /// @brief Writes the page atomically: to a temporary file in the same folder, then renamed.
  void write(const std::filesystem::path& file) const { write_file_atomic(file, to_html()); }

 private:
  std::string title_, toc_, body_, head_;
  int counter_ = 1, figures_ = 0;
};

}  // namespace sweep
