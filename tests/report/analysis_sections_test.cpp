// Sections beyond pycls: importance and parallel coordinates on the
// fake_optim_64 fixture (what the page states), options and their errors.
// Brushing itself is checked by dragging in Chromium (tests/browser/).
#include <sweep/analyze.hpp>
#include <sweep/config/load.hpp>
#include <sweep/report.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

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

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

sweep::sweep_config fixture_config(const std::vector<std::string>& overrides) {
  auto cfg = sweep::load_sweep_config(data_dir + "/sweep_cfg.yaml", overrides);
  cfg.analyze.pre_filters.clear();
  return cfg;
}

std::string page(const sweep::sweep_config& cfg) {
  return sweep::analysis_html(cfg, {sweep::load_sweep(data_dir + "/sweep.json", "optim_64")});
}

}  // namespace

static_assert(sweep::report_section<sweep::sections::importance>);
static_assert(sweep::report_section<sweep::sections::parallel>);

TEST_CASE("new sections are registered after pycls's and the job table, and not on the default page") {
  auto names = sweep::report_sections().names();
  auto defaults = sweep::default_report_sections();
  for (auto* n : {"importance", "parallel"}) {
    auto at = std::find(names.begin(), names.end(), n);
    REQUIRE(at != names.end());
    CHECK(at - names.begin() >= static_cast<std::ptrdiff_t>(defaults.size()));
    CHECK(std::find(defaults.begin(), defaults.end(), n) == defaults.end());
  }
}

TEST_CASE("importance: one row per parameter with a share and an interval, overall and in the good range") {
  auto cfg = fixture_config({});
  cfg.analyze.sections = {"importance"};
  auto html = page(cfg);
  CHECK(html.find("functional-ANOVA main effect") != std::string::npos);
  CHECK(count(html, "<table class=\"jobs importance\">") == 1);
  std::regex row(R"(<tr><td class="t">([^<]+)</td><td><span[^>]*></span>(\d\.\d\d) \[(\d\.\d\d), (\d\.\d\d)\]</td>)");
  std::vector<std::string> keys;
  for (std::sregex_iterator it(html.begin(), html.end(), row), end; it != end; ++it) {
    keys.push_back((*it)[1]);
    double share = std::stod((*it)[2]), lo = std::stod((*it)[3]), hi = std::stod((*it)[4]);
    CHECK(lo <= share + 1e-9);
    CHECK(share <= hi + 1e-9);
  }
  CHECK(keys == std::vector<std::string>{"log₁₀(lr)", "log₁₀(wd)", "log₁₀(lr·wd)"});
  CHECK(html.find("interactions and noise") != std::string::npos);
  // Options are checked with the file and key.
  cfg.analyze.sections = {"importance"};
  auto bad = fixture_config({"ANALYZE.IMPORTANCE.BINS", "1"});
  bad.analyze.sections = {"importance"};
  CHECK_THROWS_WITH(page(bad), Catch::Contains("ANALYZE.IMPORTANCE.BINS") && Catch::Contains("at least 2 bins"));
}

TEST_CASE("parallel: one line per job, an axis per parameter and the error, sampled past MAX_LINES") {
  auto cfg = fixture_config({});
  cfg.analyze.sections = {"parallel", "jobs"};
  auto html = page(cfg);
  CHECK(count(html, "<polyline data-j=") == 64);
  CHECK(count(html, "<g class=\"pc-axis\"") == 4);  // lr, wd, lr_wd, error
  CHECK(count(html, "\"j\":") == 64);
  CHECK(html.find("id=\"pc-topk\"") != std::string::npos);
  CHECK(html.find("is drawn as a line") == std::string::npos);
  // Sampled keys without a metric standing for them get log axes, as their samplers.
  cfg.analyze.metrics = {"lr_wd"};
  html = page(cfg);
  CHECK(count(html, "data-log=\"1\"") == 2);
  CHECK(html.find("OPTIM.BASE_LR (log)") != std::string::npos);
  auto sampled = fixture_config({"ANALYZE.PARALLEL.MAX_LINES", "10"});
  sampled.analyze.sections = {"parallel"};
  html = page(sampled);
  CHECK(count(html, "<polyline data-j=") == 10);
  CHECK(count(html, "\"j\":") == 64);  // selecting still counts every job
  CHECK(html.find("64 jobs: every 7th job by error is drawn as a line (10 lines") != std::string::npos);
}

TEST_CASE("compare: two sweeps on a page are compared in words, with the numbers in analysis.json") {
  auto dir = fs::temp_directory_path() / ("sweep_compare_test_" + std::to_string(std::random_device{}()));
  auto json = nlohmann::json::parse(std::ifstream(data_dir + "/sweep.json"));
  // A second design space: the same jobs, every error 2 points higher.
  auto worse = json;
  for (auto& j : worse) {
    if (!j.contains("test_ema_epoch")) continue;
    for (auto& v : j["test_ema_epoch"]["min_top1_err"]) v = v.get<double>() + 2;
  }
  fs::create_directories(dir / "a");
  fs::create_directories(dir / "b");
  std::ofstream(dir / "a" / "sweep.json") << json.dump();
  std::ofstream(dir / "b" / "sweep.json") << worse.dump();
  auto cfg = fixture_config({"ROOT_DIR", dir.string(), "NAME", "a"});
  cfg.analyze.extra_sweep_names = {"b"};
  cfg.analyze.sections = {"edf", "compare"};
  auto file = sweep::analyze(cfg);
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  auto html = s.str();
  CHECK(html.find("<b>a versus b.</b> The error distributions of a and b differ (Kolmogorov-Smirnov D = ") != std::string::npos);
  CHECK(html.find("a is better than b at the 10th percentile of the error by ") != std::string::npos);
  CHECK(html.find("a is better than b at the 50th percentile of the error by ") != std::string::npos);
  auto facts = nlohmann::json::parse(std::ifstream(dir / "a" / "analysis.json"));
  REQUIRE(facts["comparisons"].size() == 1);
  auto& c = facts["comparisons"][0];
  CHECK(c["a"] == "a");
  CHECK(c["b"] == "b");
  CHECK(c["p_value"].get<double>() < 0.05);
  for (auto& q : c["quantiles"]) {
    CHECK(q["difference"].get<double>() == Approx(-2).margin(1e-9));  // every error moved by 2: every quantile too
    CHECK(q["interval"][1].get<double>() < 0);
  }
  CHECK(facts["sweeps"].size() == 2);
  CHECK(facts["importance"].size() == 3);
  for (auto& i : facts["importance"]) {
    CHECK(i["share"].get<double>() >= i["interval"][0].get<double>());
    CHECK(i["share"].get<double>() <= i["interval"][1].get<double>());
  }
  CHECK(facts["sweeps"][0]["edf"]["n"] == facts["jobs_analysed"].get<int>() / 2);
  CHECK(facts["sweeps"][0]["good_ranges"][0]["metric"] == "lr");
  CHECK(facts["importance_good_range"].contains("jobs"));
  // One sweep: no comparison section, no comparisons.
  cfg.analyze.extra_sweep_names.clear();
  html = sweep::analysis_html(cfg, {sweep::load_sweep(dir / "a" / "sweep.json", "a")});
  CHECK(html.find("Comparison") == std::string::npos);
  std::error_code ec;
  fs::remove_all(dir, ec);
}

TEST_CASE("analysis.json is written beside every page, default page unchanged by it") {
  auto dir = fs::temp_directory_path() / ("sweep_facts_test_" + std::to_string(std::random_device{}()));
  fs::create_directories(dir / "fake" / "optim_64");
  fs::copy_file(data_dir + "/sweep.json", dir / "fake" / "optim_64" / "sweep.json");
  auto cfg = sweep::load_sweep_config(data_dir + "/sweep_cfg.yaml", {"ROOT_DIR", dir.string()});
  auto file = sweep::analyze(cfg);
  auto facts = nlohmann::json::parse(std::ifstream(dir / "fake" / "optim_64" / "analysis.json"));
  CHECK(facts["name"] == "fake/optim_64");
  CHECK(facts["comparisons"].empty());
  CHECK_FALSE(facts.contains("repeats"));  // only with seed repeats
  CHECK(facts["importance"].size() == 3);
  CHECK(facts["sweeps"][0]["good_ranges"].size() == cfg.analyze.metrics.size() + cfg.analyze.complexity.size());
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  CHECK(s.str() == sweep::analysis_html(cfg, {sweep::load_sweep(dir / "fake" / "optim_64" / "sweep.json", "optim_64")}));
  std::error_code ec;
  fs::remove_all(dir, ec);
}

TEST_CASE("repeats: a sweep with seed repeats gets the Seed Repeats section and the per-config facts in analysis.json") {
  auto dir = fs::temp_directory_path() / ("sweep_repeats_test_" + std::to_string(std::random_device{}()));
  auto json = nlohmann::json::parse(std::ifstream(data_dir + "/sweep.json"));
  // Three runs of each config: its error, and 1 point either side, with seeds 1, 2, 3.
  nlohmann::json repeated = nlohmann::json::array();
  int id = 0;
  for (auto& j : json) {
    if (!j.contains("test_ema_epoch")) continue;
    for (int r = 0; r < 3; ++r) {
      auto run = j;
      run["cfg"]["RNG_SEED"] = 1 + r;
      for (auto& v : run["test_ema_epoch"]["min_top1_err"]) v = v.get<double>() + (r - 1);
      run["log_file"] = fmt::format("/s/logs/{:06d}/stdout.log", id++);
      repeated.push_back(run);
    }
  }
  fs::create_directories(dir / "r");
  std::ofstream(dir / "r" / "sweep.json") << repeated.dump();
  auto cfg = fixture_config({"ROOT_DIR", dir.string(), "NAME", "r"});
  auto file = sweep::analyze(cfg);
  std::stringstream s;
  s << std::ifstream(file).rdbuf();
  auto html = s.str();
  auto configs = repeated.size() / 3;
  CHECK(html.find("Seed Repeats") != std::string::npos);
  CHECK(html.find(fmt::format("r: {} configs, {} runs (up to 3 per config). Across seeds a config&#39;s error varies by 1.00", configs,
                              repeated.size())) != std::string::npos);
  CHECK(html.find("EDF of the mean error per config, with 95 % bootstrap bands") != std::string::npos);
  CHECK(html.find(fmt::format("{} jobs analysed", repeated.size())) != std::string::npos);
  auto facts = nlohmann::json::parse(std::ifstream(dir / "r" / "analysis.json"));
  REQUIRE(facts["repeats"].size() == 1);
  auto& r = facts["repeats"][0];
  CHECK(r["configs"] == configs);
  CHECK(r["jobs"] == repeated.size());
  CHECK(r["seed_sd"].get<double>() == Approx(1));
  REQUIRE(r["per_config"].size() == configs);
  auto& first = r["per_config"][0];
  CHECK(first["jobs"] == nlohmann::json({"000000", "000001", "000002"}));
  CHECK(first["sd"].get<double>() == Approx(1));
  double range = first["max"].get<double>() - first["min"].get<double>();
  CHECK(range == Approx(2));
  CHECK(r["edf_band"]["x"].size() == 200);
  CHECK(r["edf_band"]["level"] == 95);
  // The other sections read one job per config at its mean: the EDF's n is the number of configs, and
  // the means are the original errors.
  CHECK(facts["sweeps"][0]["edf"]["n"] == configs);
  auto plain = sweep::analysis_html(fixture_config({}), {sweep::load_sweep(data_dir + "/sweep.json", "optim_64")});
  CHECK(plain.find("Seed Repeats") == std::string::npos);
  std::error_code ec;
  fs::remove_all(dir, ec);
}
