// Report sections: the registry, ANALYZE.SECTIONS (choosing and ordering),
// ANALYZE.<NAME> (a section's own options), the analysis context, and a
// user's section registered the way docs/extend.md shows.
#include <sweep/analyze.hpp>
#include <sweep/base/registry.hpp>
#include <sweep/report.hpp>

#include "synthetic.hpp"

#include <boost/hana/define_struct.hpp>
#include <catch2/catch.hpp>

#include "page.hpp"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const std::string data_dir = std::string(SWEEP_TEST_DATA_DIR) + "/analyze";

using sweep_test::section_titles;

std::string read(const fs::path& file) { return sweep_test::read_text(file); }

/// A fresh folder for one test, removed at its end.
struct temp_dir : sweep_test::temp_dir {
  temp_dir() : sweep_test::temp_dir("sweep_sections_test") {}
};

/// A sweep config file with just what analyze reads (no SETUP, no LAUNCH).
sweep::sweep_config write_config(const fs::path& dir, const std::string& analyze_yaml) {
  auto file = dir / "analyze_only.yaml";
  std::ofstream(file) << "ROOT_DIR: " << dir.string() << "\nNAME: cifar/cifar_optim\nANALYZE:\n" << analyze_yaml;
  return sweep::load_sweep_config(file);
}

/// A user's section as docs/extend.md writes one: options from ANALYZE.TEST_NOTE, public API only.
struct test_note {
  static constexpr std::string_view name = "test_note";
  static constexpr std::string_view title = "Test Note";
  struct options {
    BOOST_HANA_DEFINE_STRUCT(options, (std::string, text), (std::int64_t, repeat));
    options() : text("note"), repeat(1) {}
  };
  bool shown(const sweep::analysis_context&, const options& opts) const { return opts.repeat > 0; }
  std::vector<std::string> reads(const options&) const { return {"train_epoch.loss"}; }
  void render(const sweep::analysis_context& ctx, const options& opts, sweep::html_book& book) const {
    for (std::int64_t i = 0; i < opts.repeat; ++i) {
      book.add_text(opts.text + ": " + std::to_string(ctx.current().front().jobs.size()) + " jobs", "note");
    }
  }
};
SWEEP_REGISTER(sweep::register_report_section<test_note>);

/// Named like one of ANALYZE's own keys, with options: ANALYZE.ERROR could not hold them.
struct error_named {
  static constexpr std::string_view name = "error";
  static constexpr std::string_view title = "Error";
  struct options {
    BOOST_HANA_DEFINE_STRUCT(options, (std::int64_t, bins));
  };
  void render(const sweep::analysis_context&, const options&, sweep::html_book&) const {}
};

struct setup_fixture {
  temp_dir tmp;
  setup_fixture() {
    fs::create_directories(tmp.path / "cifar" / "cifar_optim");
    fs::copy_file(data_dir + "/sweep.json", tmp.path / "cifar" / "cifar_optim" / "sweep.json");
  }
};

}  // namespace

static_assert(sweep::report_section<sweep::sections::edf>);
static_assert(sweep::report_section<test_note>);
static_assert(!sweep::report_section<int>);

TEST_CASE("pycls's sections are registered first, in pycls's order") {
  auto names = sweep::report_sections().names();
  auto defaults = sweep::default_report_sections();
  REQUIRE(names.size() > defaults.size());
  CHECK(std::vector<std::string>(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(defaults.size())) == defaults);
  CHECK(sweep::report_sections().contains("test_note"));
  CHECK(sweep::report_sections().get("edf_split").title == "EDF Split");
  CHECK_THROWS_WITH(sweep::register_report_section<test_note>(), Catch::Contains("two report sections are registered as 'test_note'"));
  CHECK_THROWS_WITH(sweep::register_report_section<error_named>(), Catch::Contains("ANALYZE.ERROR is a key of ANALYZE"));
  CHECK_FALSE(sweep::report_sections().contains("error"));
}

TEST_CASE("ANALYZE.SECTIONS chooses and orders the sections; the default is pycls's page") {
  setup_fixture f;
  auto cfg = sweep::load_sweep_config(data_dir + "/cifar_optim.yaml", {"ROOT_DIR", f.tmp.path.string()});
  auto default_page = read(sweep::analyze(cfg));
  // The default order, written out, gives the same page but for the config it shows.
  auto listed = cfg;
  listed.analyze.sections = sweep::default_report_sections();
  auto listed_page = sweep::analysis_html(listed, {sweep::load_sweep(f.tmp.path / "cifar/cifar_optim/sweep.json", "cifar_optim")});
  auto strip_full_config = [](std::string html) {
    auto a = html.find("<summary>sweep_cfg_full</summary>"), b = html.find("</details>", a);
    return html.erase(a, b - a);
  };
  CHECK(strip_full_config(listed_page) == strip_full_config(default_page));
  CHECK(listed_page != default_page);  // its SECTIONS key is in the full config

  auto chosen = cfg;
  chosen.analyze.sections = {"jobs", "metrics", "edf", "test_note"};
  auto html = sweep::analysis_html(chosen, {sweep::load_sweep(f.tmp.path / "cifar/cifar_optim/sweep.json", "cifar_optim")});
  CHECK(section_titles(html) == std::vector<std::string>{"Jobs", "Metrics", "EDF", "Test Note"});
  CHECK(html.find("<p class=\"note\">note: 64 jobs</p>") != std::string::npos);
  CHECK(html.find("<p class=\"summary\">64 jobs analysed") != std::string::npos);
  // A section with nothing to show for this config adds no heading.
  chosen.analyze.sections = {"edf_split", "worst_models", "edf"};
  html = sweep::analysis_html(chosen, {sweep::load_sweep(f.tmp.path / "cifar/cifar_optim/sweep.json", "cifar_optim")});
  CHECK(section_titles(html) == std::vector<std::string>{"EDF"});
  // `sweep analyze` loads the epoch columns the page's sections read, and no others.
  CHECK_FALSE(sweep::analysis_reads(cfg.analyze).columns.keeps("train_epoch", "loss"));
  CHECK(sweep::analysis_reads(chosen.analyze).columns.keeps("train_epoch", "mem"));
  chosen.analyze.sections = {"edf", "test_note"};
  CHECK(sweep::analysis_reads(chosen.analyze).columns.keeps("train_epoch", "loss"));
}

TEST_CASE("a section's options come from ANALYZE.<NAME>, checked with file, line and key") {
  setup_fixture f;
  auto cfg = write_config(f.tmp.path, "  SECTIONS: [edf, test_note]\n  TEST_NOTE: {TEXT: hello, REPEAT: 2}\n");
  auto html = read(sweep::analyze(cfg));
  CHECK(section_titles(html) == std::vector<std::string>{"EDF", "Test Note"});
  CHECK(html.find("<p class=\"note\">hello: 64 jobs</p>\n<p class=\"note\">hello: 64 jobs</p>") != std::string::npos);
  // Options of a section the page does not show are checked all the same.
  auto file = (f.tmp.path / "analyze_only.yaml").string();
  cfg = write_config(f.tmp.path, "  SECTIONS: [edf]\n  TEST_NOTE:\n    TEXT: hello\n    REPEAT: many\n");
  CHECK_THROWS_WITH(sweep::analyze(cfg), file + ":7: ANALYZE.TEST_NOTE.REPEAT: expected an integer, got a string ('many')");
  cfg = write_config(f.tmp.path, "  TEST_NOTE: {TXT: hello}\n");
  CHECK_THROWS_WITH(sweep::analyze(cfg), Catch::StartsWith(file + ":4: ANALYZE.TEST_NOTE.TXT: unknown key") &&
                                             Catch::Contains("did you mean 'TEXT'?"));
  cfg = write_config(f.tmp.path, "  TEST_NOTES: {TEXT: hello}\n");
  CHECK_THROWS_WITH(sweep::analyze(cfg), Catch::StartsWith(file + ":4: ANALYZE.TEST_NOTES: unknown key") &&
                                             Catch::Contains("did you mean 'TEST_NOTE'?"));
  cfg = write_config(f.tmp.path, "  EDF: {BINS: 3}\n");
  CHECK_THROWS_WITH(sweep::analyze(cfg), file + ":4: ANALYZE.EDF: report section 'edf' has no options: expected no ANALYZE.EDF key");
  // With no options given, a section has its defaults; REPEAT 0 hides it.
  cfg = write_config(f.tmp.path, "  SECTIONS: [test_note, edf]\n");
  CHECK(read(sweep::analyze(cfg)).find("<p class=\"note\">note: 64 jobs</p>") != std::string::npos);
  cfg = write_config(f.tmp.path, "  SECTIONS: [test_note, edf]\n  TEST_NOTE: {REPEAT: 0}\n");
  CHECK(section_titles(read(sweep::analyze(cfg))) == std::vector<std::string>{"EDF"});
}

TEST_CASE("unknown or repeated names in ANALYZE.SECTIONS are errors naming the registered ones") {
  setup_fixture f;
  auto file = (f.tmp.path / "analyze_only.yaml").string();
  auto cfg = write_config(f.tmp.path, "  SECTIONS:\n    - config\n    - edff\n");
  CHECK_THROWS_WITH(sweep::analyze(cfg), Catch::StartsWith(file + ":6: ANALYZE.SECTIONS[1]: unknown report section 'edff': expected one of config, "
                                                                 "early_stopping, edf, edf_filtered, edf_split, repeats, metrics, complexity, best_errors, worst_errors, "
                                                                 "best_models, worst_models, jobs") &&
                                             Catch::EndsWith("(did you mean 'edf'?)"));
  cfg = write_config(f.tmp.path, "  SECTIONS: [edf, jobs, edf]\n");
  CHECK_THROWS_WITH(sweep::analyze(cfg), file + ":4: ANALYZE.SECTIONS[2]: 'edf' is listed twice (also ANALYZE.SECTIONS[0]): expected each section once");
  // Checked before anything is loaded, and by analysis_html too.
  cfg.name = "missing/sweep";
  CHECK_THROWS_WITH(sweep::analyze(cfg), Catch::Contains("listed twice"));
  CHECK_THROWS_WITH(sweep::analysis_html(cfg, {}), Catch::Contains("listed twice"));
}

TEST_CASE("the analysis context filters and splits as pycls does") {
  temp_dir tmp;
  sweep_test::write_synthetic(tmp.path, 12, "regnet", {50, 100, 200, 400}, true);
  auto cfg = sweep::load_sweep_config(data_dir + "/cifar_best.yaml", {"ROOT_DIR", tmp.path.string()});
  sweep::analysis_context ctx(cfg, {sweep::load_sweep(tmp.path / "sweep.json", "cifar_best")});
  CHECK(ctx.analysed == 12);
  CHECK(ctx.skipped == 1);
  CHECK(ctx.error_record == "test_ema_epoch");
  CHECK(ctx.bootstrap.seed == 0);
  REQUIRE(ctx.loaded.size() == 1);
  CHECK(ctx.filtered.size() == 1);
  CHECK(ctx.is_split());
  REQUIRE(ctx.current().size() == 4);
  CHECK(ctx.current()[1].name == "epochs=100");
  CHECK(ctx.current()[1].jobs.size() == 3);
  CHECK(ctx.rows(ctx.current()[1].jobs[0]) == 1);  // job 1 of the file: 100 epochs
  CHECK(ctx.metric("error").key == "test_ema_epoch.min_top1_err");
  CHECK(ctx.metrics({"lr", "flops"})[1].label == "flops (B)");
  // Several sweeps: no split; a filter that leaves no jobs names its key.
  sweep::analysis_context two(cfg, {ctx.loaded[0], ctx.loaded[0]});
  CHECK_FALSE(two.is_split());
  CHECK(two.current().size() == 2);
  cfg.analyze.pre_filters = {{"done", {2, 2, 2}}};
  CHECK_THROWS_WITH(sweep::analysis_context(cfg, {ctx.loaded[0]}), Catch::Contains("ANALYZE.PRE_FILTERS"));
}
