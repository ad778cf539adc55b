// The figure model, SVG rendering, the html book, and the whole report: every
// section and plot pycls draws for its three example sweeps' ANALYZE options.
#include <sweep/analyze.hpp>
#include <sweep/report.hpp>

#include "synthetic.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "page.hpp"

#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using sweep_test::write_synthetic;

namespace {

const std::string data_dir = std::string(SWEEP_TEST_DATA_DIR) + "/analyze";

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + what.size())) ++n;
  return n;
}

using sweep_test::section_titles;

std::string read(const fs::path& file) { return sweep_test::read_text(file); }

/// A fresh folder for one test, removed at its end.
struct temp_dir : sweep_test::temp_dir {
  temp_dir() : sweep_test::temp_dir("sweep_report_test") {}
};

/// Every hovered point names a row of the job table, no path has NaN coordinates, nothing is left half-written.
void check_page(const std::string& html, const fs::path& dir) {
  std::regex point(R"re(data-j0?="(\d+)")re");
  std::set<std::string> ids;
  for (std::sregex_iterator it(html.begin(), html.end(), point), end; it != end; ++it) ids.insert((*it)[1]);
  CHECK(!ids.empty());
  for (auto& id : ids) {
    INFO("point of job row " << id);
    CHECK(count(html, "<tr id=\"job" + id + "\">") == 1);
  }
  CHECK(!std::regex_search(html, std::regex(R"re( (d|cx|cy|x|y)="[^"]*(nan|inf))re")));
  CHECK(count(html, "<svg") == count(html, "</svg>"));
  CHECK(html.find("<script src") == std::string::npos);  // self-contained
  CHECK(html.find("http://") == html.find("http://www.w3.org/2000/svg"));
  for (auto& e : fs::directory_iterator(dir)) CHECK(e.path().filename().string().find(".tmp") == std::string::npos);
}

}  // namespace

TEST_CASE("linear ticks use nice steps and readable labels") {
  auto t = sweep::plot::linear_ticks(0, 1, 6);
  CHECK(t.values == std::vector<double>{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0});
  CHECK(t.labels == std::vector<std::string>{"0", "0.2", "0.4", "0.6", "0.8", "1.0"});
  auto n = sweep::plot::linear_ticks(-4.3, -2.9, 6);
  CHECK(n.labels.front() == "\u22124.0");  // a real minus sign
  CHECK(sweep::plot::linear_ticks(0, 50, 6).labels == std::vector<std::string>{"0", "10", "20", "30", "40", "50"});
  CHECK(sweep::plot::linear_ticks(0, 7, 20, true).values.size() == 8);  // integers only
  CHECK(sweep::plot::linear_ticks(1, 1, 5).values.empty());
}

TEST_CASE("log ticks are powers of the base, or nice steps over a short range") {
  auto t = sweep::plot::auto_ticks(sweep::plot::scale::log2, 7, 300, 10);
  CHECK(t.labels == std::vector<std::string>{"8", "16", "32", "64", "128", "256"});
  auto d = sweep::plot::auto_ticks(sweep::plot::scale::log10, 1e-3, 20, 10);
  CHECK(d.labels == std::vector<std::string>{"0.001", "0.01", "0.1", "1", "10"});
  auto s = sweep::plot::auto_ticks(sweep::plot::scale::log10, 2, 5, 8);  // less than one decade
  CHECK(s.values.size() >= 3);
}

TEST_CASE("svg rendering: panels, shared axes, hover ids, escaped text") {
  sweep::plot::figure fig(2, 2);
  fig.share_y = sweep::plot::share::all;
  fig.entries.push_back({"a <b> & c", {}});
  for (auto& ax : fig.panels) {
    ax.scatter({1, 2, 3}, {4, 5, std::nan("")}, {}, "", {7, 8, 9});
    ax.line({1, 3}, {4, 6}, {sweep::plot::black}, "best: 1");
    ax.band({1, 2}, {4, 4}, {5, 5}, {sweep::plot::tab10[0], 0.1}, "[1, 2]");
    ax.key.show = true;
    ax.x.label = "x & y";
  }
  fig.at(1, 1).visible = false;
  auto svg = sweep::plot::render_svg(fig, "f0");
  CHECK(count(svg, "class=\"axes\"") == 3);
  CHECK(count(svg, "data-j=\"7\"") == 3);
  CHECK(count(svg, "data-j=\"9\"") == 0);  // NaN points are not drawn
  // All points drawn with consecutive ids: the group names the first one.
  sweep::plot::figure dense;
  dense.at(0, 0).scatter({1, 2, 3}, {1, 2, 3}, {}, "", {4, 5, 6});
  auto compact = sweep::plot::render_svg(dense, "f3");
  CHECK(count(compact, "data-j0=\"4\"") == 1);
  CHECK(count(compact, "data-j=") == 0);
  CHECK(count(compact, "<circle") == 3);
  CHECK(count(svg, "<clipPath id=\"f0-c") == 3);
  CHECK(svg.find("a &lt;b&gt; &amp; c") != std::string::npos);
  CHECK(svg.find("x &amp; y") != std::string::npos);
  CHECK(svg.find("<b>") == std::string::npos);
  // Legend: the line comes before the band (matplotlib's order).
  CHECK(svg.find(">best: 1<") < svg.find(">[1, 2]<"));
  // y shared by all: only the first column has y tick labels.
  sweep::plot::figure one(1, 2);
  one.share_y = sweep::plot::share::all;
  for (auto& ax : one.panels) ax.line({0, 1}, {0, 1});
  auto shared = sweep::plot::render_svg(one, "f1");
  one.share_y = sweep::plot::share::none;
  auto separate = sweep::plot::render_svg(one, "f2");
  CHECK(count(shared, "text-anchor=\"end\"") * 2 == count(separate, "text-anchor=\"end\""));
}

TEST_CASE("the html book numbers sections and writes atomically") {
  sweep::html_book book("sweep <1>");
  book.add_section("Config");
  book.add_details("cfg", "A: <b>");
  book.add_section("EDF");
  auto html = book.to_html();
  CHECK(html.find("<title>sweep &lt;1&gt;</title>") != std::string::npos);
  CHECK(section_titles(html) == std::vector<std::string>{"Config", "EDF"});
  CHECK(html.find("<a href=\"#section002\">2 EDF</a>") != std::string::npos);
  CHECK(html.find("<pre>A: &lt;b&gt;</pre>") != std::string::npos);
  temp_dir tmp;
  book.write(tmp.path / "a.html");
  CHECK(read(tmp.path / "a.html") == html);
  CHECK(std::distance(fs::directory_iterator(tmp.path), fs::directory_iterator()) == 1);
  CHECK_THROWS_WITH(book.write(tmp.path / "missing" / "a.html"), Catch::Contains("missing/a.html"));
}

TEST_CASE("cifar_optim's report on the fake_optim_64 fixture has pycls's sections and figures") {
  temp_dir tmp;
  auto dir = tmp.path / "cifar" / "cifar_optim";
  fs::create_directories(dir);
  fs::copy_file(data_dir + "/sweep.json", dir / "sweep.json");
  auto cfg = sweep::load_sweep_config(data_dir + "/cifar_optim.yaml", {"ROOT_DIR", tmp.path.string()});
  auto file = sweep::analyze(cfg);
  CHECK(file == dir / "analysis.html");
  auto html = read(file);
  CHECK(section_titles(html) ==
        std::vector<std::string>{"Config", "EDF", "EDF Filtered", "Metrics", "Complexity", "Best Errors", "Jobs"});
  CHECK(count(html, "<svg") == 5);
  CHECK(count(html, "class=\"axes\"") == 1 + 1 + 3 + 6 + 3);
  CHECK(count(html, "<summary>optim_64</summary>") == 0);
  CHECK(count(html, "<summary>cifar_optim</summary>") == 2);
  CHECK(html.find("<summary>sweep_cfg</summary>") != std::string::npos);
  CHECK(html.find("<summary>sweep_cfg_full</summary>") != std::string::npos);
  CHECK(html.find("ERROR: test_ema_epoch.min_top1_err") != std::string::npos);  // the full config has our keys
  // pycls's figures for this sweep: n|min|mean, best values of constant metrics, best curves.
  CHECK(html.find(">64|6.0|7.0<") != std::string::npos);
  CHECK(html.find(">best: 0.1257<") != std::string::npos);
  CHECK(html.find(">best: 0.8558<") != std::string::npos);
  CHECK(html.find(">ema 6.03<") != std::string::npos);
  CHECK(html.find(">trn 17.77<") != std::string::npos);
  CHECK(html.find(">job 000059<") != std::string::npos);
  CHECK(count(html, "<tr id=\"job") == 64);
  check_page(html, dir);
  // Same seed, same page.
  CHECK(read(sweep::analyze(cfg)) == html);
}

TEST_CASE("cifar_regnet's report draws models and lists unfinished jobs") {
  temp_dir tmp;
  auto dir = tmp.path / "cifar" / "cifar_regnet";
  write_synthetic(dir, 32, "regnet", {50}, true);
  auto cfg = sweep::load_sweep_config(data_dir + "/cifar_regnet.yaml", {"ROOT_DIR", tmp.path.string()});
  auto html = read(sweep::analyze(cfg));
  CHECK(section_titles(html) == std::vector<std::string>{"Config", "EDF", "EDF Filtered", "Metrics", "Complexity",
                                                         "Best Errors", "Best Models", "Jobs"});
  CHECK(count(html, "<svg") == 6);
  CHECK(count(html, "class=\"axes\"") == 1 + 1 + 5 + 6 + 3 + 8);
  CHECK(html.find("1 jobs not analysed (no test_ema_epoch record)") != std::string::npos);
  CHECK(html.find("<pre>999999</pre>") != std::string::npos);
  CHECK(count(html, ">d\u1d62 = [") == 8);  // one block diagram per model
  CHECK(html.find(">depth<") != std::string::npos);
  check_page(html, dir);
}

TEST_CASE("cifar_best's report splits by epochs and draws trends") {
  temp_dir tmp;
  auto dir = tmp.path / "cifar" / "cifar_best";
  write_synthetic(dir, 12, "regnet", {50, 100, 200, 400}, false);
  auto cfg = sweep::load_sweep_config(data_dir + "/cifar_best.yaml", {"ROOT_DIR", tmp.path.string()});
  auto html = read(sweep::analyze(cfg));
  CHECK(section_titles(html) == std::vector<std::string>{"Config", "EDF", "EDF Filtered", "EDF Split", "Complexity",
                                                         "Best Errors", "Best Models", "Jobs"});
  CHECK(count(html, "<svg") == 6);
  for (auto* split : {"epochs=050", "epochs=100", "epochs=200", "epochs=400"}) {
    INFO(split);
    CHECK(count(html, std::string("<summary>") + split + "</summary>") == 1);
    CHECK(html.find(std::string(">") + split + "<") != std::string::npos);  // in the figure legends
  }
  CHECK(count(html, ">3|") == 4);  // 3 jobs per split in the EDF legend
  check_page(html, dir);
}

TEST_CASE("extra sweeps add trends and a column per sweep") {
  temp_dir tmp;
  fs::create_directories(tmp.path / "cifar" / "cifar_optim");
  fs::copy_file(data_dir + "/sweep.json", tmp.path / "cifar" / "cifar_optim" / "sweep.json");
  write_synthetic(tmp.path / "other" / "b", 20, "anynet", {50}, false);
  auto cfg = sweep::load_sweep_config(data_dir + "/cifar_optim.yaml",
                                      {"ROOT_DIR", tmp.path.string(), "ANALYZE.EXTRA_SWEEP_NAMES", "[other/b]"});
  auto html = read(sweep::analyze(cfg));
  CHECK(section_titles(html) ==
        std::vector<std::string>{"Config", "EDF", "EDF Filtered", "Metrics", "Complexity", "Best Errors", "Jobs"});
  CHECK(count(html, "<svg") == 7);  // values and trends for metrics and for complexity
  CHECK(count(html, "class=\"axes\"") == 1 + 1 + (3 * 2 + 3) + (6 * 2 + 6) + 3 * 2);  // trends: 3 metrics in a 2x2 grid, 6 in 3x2
  CHECK(count(html, "<summary>b</summary>") == 2);
  CHECK(html.find(">20|") != std::string::npos);
  CHECK(count(html, "<tr id=\"job") == 64 + 20);
  CHECK(html.find("<th class=\"t\">sweep</th>") != std::string::npos);
  check_page(html, tmp.path / "cifar" / "cifar_optim");
  cfg.analyze.extra_sweep_names = {"missing/c"};
  CHECK_THROWS_WITH(sweep::analyze(cfg), Catch::Contains("EXTRA_SWEEP_NAMES") && Catch::Contains("missing/c"));
}

TEST_CASE("loading only what the analysis reads gives the same page as loading everything") {
  // analysis_reads(cfg.analyze): the epoch columns; analysis_reads(cfg): the fields, at any depth.
  temp_dir tmp;
  write_synthetic(tmp.path / "regnet", 24, "regnet", {50}, true);
  write_synthetic(tmp.path / "best", 12, "regnet", {50, 100, 200, 400}, false);
  const std::pair<std::string, fs::path> cases[] = {{"cifar_optim", fs::path(data_dir) / "sweep.json"},
                                                    {"cifar_regnet", tmp.path / "regnet" / "sweep.json"},
                                                    {"cifar_best", tmp.path / "best" / "sweep.json"}};
  for (auto& [name, file] : cases) {
    INFO(name);
    auto cfg = sweep::load_sweep_config(data_dir + "/" + name + ".yaml", {"ROOT_DIR", tmp.path.string()});
    auto reads = sweep::analysis_reads(cfg.analyze);
    CHECK_FALSE(reads.columns.all());
    auto whole = sweep::load_sweep(file, name, cfg.analyze.error);
    auto part = sweep::load_sweep(file, name, cfg.analyze.error, reads);
    REQUIRE(part.jobs.size() == whole.jobs.size());
    CHECK(part.jobs[0].field("")->dump().size() < whole.jobs[0].field("")->dump().size());
    CHECK(sweep::analysis_html(cfg, {part}) == sweep::analysis_html(cfg, {whole}));
    auto fields = sweep::analysis_reads(cfg);
    CHECK_FALSE(fields.fields.all());
    auto few = sweep::load_sweep(file, name, cfg.analyze.error, fields);
    std::size_t kept = 0;  // the text of the job's cells, a column per field read
    for (auto& key : few.jobs[0].columns->keys()) kept += few.jobs[0].field(key) ? few.jobs[0].field(key)->dump().size() : 0;
    CHECK(kept * 4 < whole.jobs[0].field("")->dump().size());
    CHECK(sweep::analysis_html(cfg, {few}) == sweep::analysis_html(cfg, {whole}));
  }
}

TEST_CASE("a sweep of more jobs than a browser can show is drawn and listed through an even sample") {
  sweep::sweep_data big{"big", "sweep.json", {}, {}};
  for (int i = 0; i < 25001; ++i) {
    big.jobs.push_back(sweep::make_job(fmt::format("{:06d}", i), nlohmann::json{{"x", i}}, i % 100));
  }
  auto shown = sweep::shown_jobs(big);
  REQUIRE(shown.jobs.size() == 8334);  // every 3rd of 25,001
  CHECK(shown.jobs.size() <= sweep::max_shown_jobs);
  CHECK(shown.jobs[0].id == "000000");
  CHECK(shown.jobs[1].id == "000003");
  CHECK(shown.jobs.back().id == "024999");
  CHECK(sweep::shown_note(big) == " (8334 of 25001 jobs shown, one in 3: a browser cannot draw more; the statistics use all)");
  big.jobs.resize(sweep::max_shown_jobs);
  CHECK(sweep::shown_jobs(big).jobs.size() == sweep::max_shown_jobs);  // up to the limit: every job
  CHECK(sweep::shown_note(big).empty());
}

TEST_CASE("analyze names what is missing") {
  temp_dir tmp;
  auto cfg = sweep::load_sweep_config(data_dir + "/cifar_optim.yaml", {"ROOT_DIR", tmp.path.string()});
  CHECK_THROWS_WITH(sweep::analyze(cfg), Catch::Contains("sweep.json") && Catch::Contains("collect"));
  write_synthetic(tmp.path / "cifar" / "cifar_optim", 0, "anynet", {50}, true);
  CHECK_THROWS_WITH(sweep::analyze(cfg), Catch::Contains("ANALYZE.ERROR") && Catch::Contains("has no job with test_ema_epoch.min_top1_err"));
  cfg.analyze.pre_filters = {{"done", {2, 2, 2}}};
  write_synthetic(tmp.path / "cifar" / "cifar_optim", 4, "anynet", {50}, false);
  CHECK_THROWS_WITH(sweep::analyze(cfg), Catch::Contains("ANALYZE.PRE_FILTERS"));
}
