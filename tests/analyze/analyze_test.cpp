// Metrics, sweep loading, bootstrap and filters, checked against what pycls's
// sweep_analyze showed for the fake_optim_64 fixture (tests/data/analyze/).
#include <sweep/analyze.hpp>
#include <sweep/base/layout.hpp>
#include <sweep/config/load.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>

#include <sys/stat.h>
#include <unistd.h>

namespace {

const std::string data_dir = std::string(SWEEP_TEST_DATA_DIR) + "/analyze";

const sweep::sweep_data& fixture() {
  static const sweep::sweep_data sweep = sweep::load_sweep(data_dir + "/sweep.json", "optim_64");
  return sweep;
}

std::string read(const std::string& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

double number(const char* metric, std::size_t job = 0) {
  return sweep::metric_number(*fixture().jobs[job].field(""), sweep::get_metric_info(metric));
}

}  // namespace

TEST_CASE("shortcut metrics have pycls's keys, labels and transforms") {
  auto lr = sweep::get_metric_info("lr");
  CHECK(lr.key == "cfg.OPTIM.BASE_LR");
  CHECK(lr.label == "log\u2081\u2080(lr)");
  CHECK(sweep::get_metric_info("flops").label == "flops (B)");
  CHECK(sweep::get_metric_info("error").key == "test_ema_epoch.min_top1_err");
  CHECK(sweep::get_metric_info("error", "test_epoch.top1_err").key == "test_epoch.top1_err");
  auto raw = sweep::get_metric_info("cfg.OPTIM.MAX_EPOCH");
  CHECK(raw.key == "cfg.OPTIM.MAX_EPOCH");
  CHECK(raw.label == "cfg.OPTIM.MAX_EPOCH");
  CHECK(sweep::metric_shortcut_names().size() == 43);

  auto record = nlohmann::json::parse(R"({"cfg": {"OPTIM": {"BASE_LR": 0.1, "WEIGHT_DECAY": 1e-4},
      "ANYNET": {"DEPTHS": [1, 2, 7], "WIDTHS": [16, 64, 32]}},
      "complexity": {"flops": 2.5e9, "params": 3e6},
      "train_epoch": {"mem": [1000, 4000, 2000], "time_epoch": [1.0, 2.0, 6.0]}})");
  auto num = [&](const char* m) { return sweep::metric_number(record, sweep::get_metric_info(m)); };
  CHECK(num("lr") == Approx(-1));
  CHECK(num("wd") == Approx(-4));
  CHECK(num("flops") == Approx(2.5));
  CHECK(num("params") == Approx(3));
  CHECK(num("memory") == Approx(4));
  CHECK(num("epoch_time") == Approx(3));
  CHECK(num("anynet_d") == Approx(10));
  CHECK(num("anynet_w") == Approx(64));
  CHECK(std::isnan(num("acts")));          // missing
  CHECK(std::isnan(num("anynet_ds")));     // a list is not a number...
  CHECK(sweep::metric_value(record, sweep::get_metric_info("anynet_ds")) == nlohmann::json({1, 2, 7}));  // ...but a value
}

TEST_CASE("the fixture loads with pycls's augmented fields") {
  auto& s = fixture();
  REQUIRE(s.jobs.size() == 64);
  CHECK(s.skipped.empty());
  CHECK(s.jobs[0].id == "000000");
  for (auto& j : s.jobs) {
    CHECK(number("done", static_cast<std::size_t>(&j - &s.jobs[0])) == 1.0);
  }
  double lr = sweep::find_field(*s.jobs[5].field(""), "cfg.OPTIM.BASE_LR")->get<double>();
  double wd = sweep::find_field(*s.jobs[5].field(""), "cfg.OPTIM.WEIGHT_DECAY")->get<double>();
  CHECK(number("lr_wd", 5) == Approx(std::log10(lr * wd)));
  CHECK(number("ema_gain", 5) >= 0);
  CHECK(sweep::find_field(*s.jobs[0].field(""), "test_epoch.epoch_ind")->size() == 50);
}

TEST_CASE("describe_sweep prints exactly what pycls printed") {
  CHECK(sweep::describe_sweep(fixture()) == read(data_dir + "/describe_optim_64.txt"));
}

TEST_CASE("jobs without the error record are counted, not analysed") {
  auto text = R"([{"log_file": "/s/logs/000000/stdout.log", "test_ema_epoch": {"min_top1_err": [9.0, 7.5]}},
                  {"log_file": "/s/logs/000001/stdout.log", "cfg": {}},
                  {"log_file": "/s/logs/000002/stdout.log", "test_epoch": {"top1_err": [5.0, 4.0]}}])";
  auto s = sweep::parse_sweep(text, "sweep.json", "s");
  REQUIRE(s.jobs.size() == 1);
  CHECK(s.jobs[0].error == 7.5);
  CHECK(s.skipped == std::vector<std::string>{"000001", "000002"});
  // ANALYZE.ERROR chooses another record for jobs of other programs.
  auto t = sweep::parse_sweep(text, "sweep.json", "s", "test_epoch.top1_err");
  REQUIRE(t.jobs.size() == 1);
  CHECK(t.jobs[0].id == "000002");
  CHECK(t.jobs[0].error == 4.0);
  CHECK(sweep::metric_number(*t.jobs[0].field(""), sweep::get_metric_info("done")) != 1.0);  // no epoch_ind: not set
}

TEST_CASE("a load keeps the epoch columns asked for, whole other records, and looks metrics up") {
  auto text = read(data_dir + "/sweep.json");
  auto elements = nlohmann::json::parse(text);
  auto whole = sweep::parse_sweep(text, "sweep.json", "s");
  REQUIRE(whole.jobs.size() == elements.size());
  for (std::size_t i = 0; i < elements.size(); ++i) {
    auto record = *whole.jobs[i].field("");
    record.erase("aug");
    REQUIRE(record == elements[i]);  // loading everything gives nlohmann's own tree
  }
  sweep::load_options opts;
  opts.columns = sweep::epoch_columns({"test_epoch.top1_err", "train_epoch", "cfg.OPTIM.BASE_LR", "complexity.flops"});
  opts.metrics = {sweep::get_metric_info("lr"), sweep::get_metric_info("error_tst")};
  auto part = sweep::parse_sweep(text, "sweep.json", "s", "test_ema_epoch.min_top1_err", opts);
  REQUIRE(part.jobs.size() == whole.jobs.size());
  auto& full = *whole.jobs[3].field("");
  auto& kept = *part.jobs[3].field("");
  auto keys = [](const nlohmann::json& object) {
    std::vector<std::string> out;
    for (auto& [k, v] : object.items()) out.push_back(k);
    return out;
  };
  // Asked for, and what loading reads itself: the error (test_ema_epoch.min_top1_err) and the
  // inputs of the augmented fields (error_tst is test_epoch.min_top1_err).
  CHECK(keys(kept["test_epoch"]) == std::vector<std::string>{"epoch_ind", "epoch_max", "min_top1_err", "top1_err"});
  CHECK(keys(kept["test_ema_epoch"]) == std::vector<std::string>{"epoch_ind", "epoch_max", "min_top1_err"});
  CHECK(kept["train_epoch"] == full["train_epoch"]);  // named whole
  CHECK(kept["cfg"] == full["cfg"]);                  // not an epoch record: always whole
  CHECK(kept["complexity"] == full["complexity"]);
  CHECK(kept["aug"] == full["aug"]);
  CHECK(part.jobs[3].error == whole.jobs[3].error);
  CHECK(part.jobs[3].id == whole.jobs[3].id);
  CHECK(part.jobs[3].columns->metrics() == std::vector<std::string>{"lr", "error_tst"});  // looked up while loading
  CHECK(*part.jobs[3].columns->number(part.jobs[3].row, "lr") == number("lr", 3));
  CHECK(part.jobs[3].columns->number(part.jobs[3].row, "wd") == nullptr);
  CHECK(part.jobs[3].memo->empty());
  CHECK(sweep::job_number(part.jobs[3], sweep::get_metric_info("error_tst")) == number("error_tst", 3));
  CHECK(sweep::epoch_columns().keeps("test_epoch", "top5_err"));
  CHECK_FALSE(opts.columns.keeps("test_epoch", "top5_err"));
  CHECK(opts.columns.keeps("epoch_times", "anything"));
}

TEST_CASE("a load with chosen fields keeps those (at any depth) and reads whole records again") {
  auto text = std::make_shared<const std::string>(read(data_dir + "/sweep.json"));
  auto whole = sweep::parse_sweep(*text, "sweep.json", "s");
  sweep::load_options opts;
  opts.fields = sweep::record_fields({"cfg.OPTIM.BASE_LR", "cfg.MODEL", "complexity.flops", "train_epoch.mem"});
  opts.metrics = {sweep::get_metric_info("error_tst"), sweep::get_metric_info("wd")};
  auto part = sweep::parse_sweep(text, "sweep.json", "s", "test_ema_epoch.min_top1_err", opts);
  REQUIRE(part.jobs.size() == whole.jobs.size());
  auto& full = *whole.jobs[5].field("");
  auto& kept = part.jobs[5];
  // Only what was asked for, and aug, a column each; what loading read (the error, the metrics,
  // log_file) is gone again.
  CHECK(kept.columns->keys() == std::vector<std::string>{"aug.done", "aug.ema_gain", "aug.lr_wd", "cfg.MODEL", "cfg.OPTIM.BASE_LR",
                                                          "complexity.flops", "train_epoch.mem"});
  CHECK(kept.columns->rows() == part.jobs.size());
  CHECK(*kept.field("cfg.OPTIM.BASE_LR") == full["cfg"]["OPTIM"]["BASE_LR"]);
  CHECK(*kept.field("cfg.MODEL") == full["cfg"]["MODEL"]);
  CHECK(*kept.field("cfg.MODEL.TYPE") == full["cfg"]["MODEL"]["TYPE"]);  // inside a column
  CHECK(*kept.field("complexity.flops") == full["complexity"]["flops"]);
  CHECK(*kept.field("train_epoch.mem") == full["train_epoch"]["mem"]);
  for (auto* aug : {"done", "ema_gain", "lr_wd"}) CHECK(*kept.field(fmt::format("aug.{}", aug)) == full["aug"][aug]);
  for (auto* gone : {"cfg", "cfg.OPTIM", "cfg.OPTIM.MAX_EPOCH", "cfg.MODEL.NOPE", "log_file", "test_ema_epoch", "test_ema_epoch.min_top1_err", "aug"}) {
    INFO(gone);
    CHECK(kept.field(gone) == nullptr);
  }
  CHECK(part.jobs[5].id == whole.jobs[5].id);
  CHECK(part.jobs[5].error == whole.jobs[5].error);
  auto looked_up = [&](const char* name) { return *part.jobs[5].columns->number(part.jobs[5].row, name); };
  CHECK(looked_up("error_tst") == sweep::job_number(whole.jobs[5], sweep::get_metric_info("error_tst")));
  CHECK(looked_up("wd") == sweep::job_number(whole.jobs[5], sweep::get_metric_info("wd")));
  // The text is shared with the jobs, not copied, and each job reads its whole record from it again.
  CHECK(part.jobs[5].text->data() == text->data());
  for (std::size_t i = 0; i < whole.jobs.size(); ++i) CHECK(*sweep::whole_record(part.jobs[i]) == *whole.jobs[i].field(""));
  CHECK(sweep::whole_record(whole.jobs[5]).get() == whole.jobs[5].field(""));  // loaded whole: nothing read again

  using keep = sweep::record_fields::keep;
  CHECK(opts.fields.of("cfg") == keep::part);
  CHECK(opts.fields.of("cfg.OPTIM") == keep::part);
  CHECK(opts.fields.of("cfg.MODEL") == keep::whole);
  CHECK(opts.fields.of("cfg.OPTIM.MAX_EPOCH") == keep::none);
  CHECK(opts.fields.of("cfg.MOD") == keep::none);
  CHECK(sweep::record_fields().of("anything") == keep::whole);
}

TEST_CASE("bad sweep.json names the file and line") {
  try {
    sweep::parse_sweep("[\n{\"a\": 1},\n{\"b\": }\n]", "x/sweep.json", "s");
    FAIL("no error");
  } catch (const sweep::error& e) {
    CHECK(e.where().file == "x/sweep.json");
    CHECK(e.where().line == 3);
  }
  CHECK_THROWS_WITH(sweep::parse_sweep("{}", "y.json", "s"), Catch::Contains("y.json") && Catch::Contains("list"));
  CHECK_THROWS_WITH(sweep::parse_sweep("[{\"a\": \"]\"}, 3]", "z.json", "s"), Catch::Contains("[1]") && Catch::Contains("a job record"));
  CHECK_THROWS_WITH(sweep::parse_sweep("[{}] x", "w.json", "s"), Catch::Contains("w.json:1") && Catch::Contains("not valid JSON"));
  // Strings with brackets, commas and escaped quotes do not confuse the split into jobs.
  auto tricky = sweep::parse_sweep(R"([ {"err": "a,]}\"[{", "test_ema_epoch": {"min_top1_err": [2]}} , {"test_ema_epoch": {"min_top1_err": 1}} ])",
                                   "t.json", "s");
  REQUIRE(tricky.jobs.size() == 2);
  CHECK(tricky.jobs[0].error == 2);
  CHECK(tricky.jobs[1].error == 1);
  CHECK(sweep::parse_sweep(" [ ] ", "e.json", "s").jobs.empty());
  // What nlohmann refuses as a whole is refused, whatever the split into jobs would say.
  CHECK_THROWS_WITH(sweep::parse_sweep("[{}}", "c.json", "s"), Catch::Contains("c.json:1") && Catch::Contains("not valid JSON"));
  CHECK_THROWS_WITH(sweep::parse_sweep("[{},\n]", "d.json", "s"), Catch::Contains("d.json:2") && Catch::Contains("[1]"));
  CHECK_THROWS_WITH(sweep::parse_sweep("\n55e555", "n.json", "s"), Catch::Contains("n.json:2") && Catch::Contains("number overflow"));
  // As nlohmann reads them: a byte-order mark before the list, the text ending at a NUL byte.
  CHECK(sweep::parse_sweep("\xEF\xBB\xBF[{\"test_ema_epoch\": {\"min_top1_err\": 3}}]", "b.json", "s").jobs.size() == 1);
  CHECK(sweep::parse_sweep(std::string("[{}]\n\0\0\0", 8), "z.json", "s").skipped.size() == 1);
  // Many jobs are parsed in parallel (a text over 1 MB is shared out to every core), in order;
  // a job's error decides whether it is analysed, whichever thread parsed it.
  const std::string pad(1500, 'x');  // 3,000 jobs of 1.5 kB: 4.6 MB
  std::string many = "[";
  for (int i = 0; i < 3000; ++i) {
    many += fmt::format("{}{{\"pad\": \"{}\", \"test_ema_epoch\": {{\"min_top1_err\": {}}}}}", i ? ",\n" : "", pad,
                        i % 7 == 3 ? std::string("null") : std::to_string(i));
  }
  auto cores = static_cast<std::size_t>(std::max(1u, std::thread::hardware_concurrency()));
  REQUIRE(sweep::threads_for(many.size(), std::size_t{1} << 20) == std::min<std::size_t>(cores, 5));
  auto parsed = sweep::parse_sweep(many + "]", "m.json", "s");
  REQUIRE(parsed.jobs.size() + parsed.skipped.size() == 3000);
  CHECK(parsed.skipped.size() == 429);
  for (std::size_t k = 1; k < parsed.jobs.size(); ++k) REQUIRE(parsed.jobs[k - 1].error < parsed.jobs[k].error);
  CHECK(parsed.jobs.back().error == 2998);  // 2999 % 7 == 3: skipped
  CHECK(parsed.jobs.back().id == "002998");
  CHECK(parsed.skipped.front() == "000003");
  // Of several bad jobs, parsed on several threads, the first in the file is named.
  for (int first_bad : {17, 1701}) {
    std::string bad = "[";
    for (int i = 0; i < 3000; ++i) {
      bool broken = i == first_bad || i == 2500;
      bad += fmt::format("{}{{\"pad\": \"{}\"{}}}", i ? ",\n" : "", pad, broken ? ", \"a\": " : "");
    }
    bad += ", 7]";
    CHECK_THROWS_WITH(sweep::parse_sweep(bad, "b.json", "s"),
                      Catch::Contains(fmt::format("b.json:{}", first_bad + 1)) && Catch::Contains(fmt::format("[{}]", first_bad)));
  }
  CHECK_THROWS_WITH(sweep::load_sweep("/nonexistent/sweep.json", "s"), Catch::Contains("/nonexistent/sweep.json"));
}

TEST_CASE("a sweep.json nested deeper than max_json_depth is an error, not a stack overflow") {
  auto job = [](int depth, const char* open, const char* close) {
    std::string v;
    for (int d = 0; d < depth; ++d) v += open;
    v += "1";
    for (int d = 0; d < depth; ++d) v += close;
    // the job is one level and its record a second: the value may nest max_json_depth - 2 more
    return "{\"test_ema_epoch\": {\"min_top1_err\": " + v + "}}";
  };
  auto at_limit = job(sweep::max_json_depth - 2, "{\"a\": ", "}");
  CHECK(sweep::parse_sweep("[" + at_limit + "]", "ok.json", "s").skipped.size() == 1);  // no number: not analysed
  for (auto [open, close] : {std::pair{"{\"a\": ", "}"}, {"[", "]"}}) {
    for (int depth : {sweep::max_json_depth - 1, 100000}) {
      CHECK_THROWS_WITH(sweep::parse_sweep("[\n" + at_limit + ",\n" + job(depth, open, close) + "]", "deep.json", "s"),
                        Catch::Contains("deep.json:3: [1]: a job record nested more than 1000 levels deep"));
    }
  }
  // Not a balanced list: the whole text is parsed to say why, with the same bound.
  CHECK_THROWS_WITH(sweep::parse_sweep("[" + job(100000, "[", "]"), "cut.json", "s"),
                    Catch::Contains("cut.json: a job record nested more than 1000 levels deep"));
}

TEST_CASE("a load that leaves columns and fields out still checks them, as nlohmann does") {
  // simdjson only checks the values a load leaves out (no tree, no text kept): what it refuses there,
  // nlohmann reads again, so a bad value in a dropped column fails as it would in a kept one.
  sweep::load_options opts;
  opts.columns = sweep::epoch_columns({"test_ema_epoch.min_top1_err"});
  opts.fields = sweep::record_fields({"cfg.OPTIM.BASE_LR"});
  auto job = [](std::string_view dropped) {
    return fmt::format("{{\"cfg\": {{\"OPTIM\": {{\"BASE_LR\": 0.1, \"WD\": {}}}}}, \"test_ema_epoch\": {{\"min_top1_err\": [3.5], "
                       "\"loss\": [{}]}}}}", dropped, dropped);
  };
  auto ok = sweep::parse_sweep("[" + job("1e5") + ",\n" + job("\"x\"") + "]", "ok.json", "s", "test_ema_epoch.min_top1_err", opts);
  REQUIRE(ok.jobs.size() == 2);
  CHECK(ok.jobs[1].error == 3.5);
  CHECK(ok.jobs[1].field("cfg.OPTIM.WD") == nullptr);
  CHECK(*ok.jobs[1].field("cfg.OPTIM.BASE_LR") == 0.1);
  for (auto* bad : {"-", "tru", "1.", "\"\\x\"", "99999999999999999999999", "[1, ]"}) {
    INFO(bad);
    auto text = "[" + job("1") + ",\n" + job(bad) + "]";
    std::string expected;
    try {
      sweep::parse_sweep(text, "bad.json", "s");  // every column and field kept
    } catch (const sweep::error& e) {
      expected = e.what();
    }
    if (expected.empty()) {  // nlohmann reads it (a 64-bit overflow is a float to it): so must the chosen load
      CHECK(sweep::parse_sweep(text, "bad.json", "s", "test_ema_epoch.min_top1_err", opts).jobs.size() == 2);
    } else {
      CHECK_THROWS_WITH(sweep::parse_sweep(text, "bad.json", "s", "test_ema_epoch.min_top1_err", opts), expected);
      CHECK_THAT(expected, Catch::Contains("bad.json:2: [1]: not valid JSON"));
    }
  }
  // Depth is counted inside what is left out too.
  std::string deep(sweep::max_json_depth, '[');
  auto deep_job = "{\"test_ema_epoch\": {\"min_top1_err\": [1], \"loss\": " + deep + "]}}";
  CHECK_THROWS_WITH(sweep::parse_sweep("[" + deep_job + "]", "deep.json", "s", "test_ema_epoch.min_top1_err", opts),
                    Catch::Contains("nested more than 1000 levels deep"));
}

TEST_CASE("load_sweep maps a sweep.json, reads what cannot be mapped, and names what it cannot read") {
  auto dir = std::filesystem::temp_directory_path() / fmt::format("sweep_file_bytes_{}", ::getpid());
  std::filesystem::create_directories(dir);
  auto whole = read(data_dir + "/sweep.json");
  // Mapped: the jobs that keep chosen fields point into the mapping, and read whole records from it.
  std::filesystem::copy_file(data_dir + "/sweep.json", dir / "sweep.json", std::filesystem::copy_options::overwrite_existing);
  sweep::load_options opts;
  opts.fields = sweep::record_fields({"cfg.OPTIM.BASE_LR"});
  auto mapped = sweep::load_sweep(dir / "sweep.json", "m", "test_ema_epoch.min_top1_err", opts);
  REQUIRE(mapped.jobs.size() == fixture().jobs.size());
  CHECK(*mapped.jobs[0].text == whole);
  CHECK(*sweep::whole_record(mapped.jobs.back()) == *fixture().jobs.back().field(""));
  // A pipe cannot be mapped: it is read.
  auto fifo = dir / "fifo.json";
  std::filesystem::remove(fifo);
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::thread writer([&] { std::ofstream(fifo) << whole; });
  sweep::file_bytes piped(fifo);
  writer.join();
  CHECK(piped.view() == whole);
  std::ofstream(dir / "empty.json").flush();
  CHECK(sweep::file_bytes(dir / "empty.json").view().empty());
  CHECK_THROWS_WITH(sweep::file_bytes(dir), Catch::Contains("is a folder: expected a readable file"));
  CHECK_THROWS_WITH(sweep::file_bytes(dir / "missing.json"),
                    Catch::Contains("missing.json") && Catch::Contains("cannot read the file (No such file or directory)"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("percentile interpolates like numpy") {
  std::vector<double> v = {4, 1, 3, 2};
  CHECK(sweep::percentile(v, 2.5) == Approx(1.075));
  CHECK(sweep::percentile(v, 50) == Approx(2.5));
  CHECK(sweep::percentile(v, 97.5) == Approx(3.925));
  CHECK(sweep::percentile({7}, 50) == 7);
  CHECK(std::isnan(sweep::percentile({}, 50)));
}

TEST_CASE("the bootstrap is seeded and finds pycls's good ranges") {
  auto& s = fixture();
  std::vector<sweep::metric_info> metrics;
  for (auto* m : {"lr", "wd", "lr_wd", "flops", "params", "acts", "memory", "epoch_fw_bw", "epoch_time"}) {
    metrics.push_back(sweep::get_metric_info(m));
  }
  auto a = sweep::good_ranges(s, metrics);
  CHECK(a == sweep::good_ranges(s, metrics));  // same seed, same ranges
  sweep::bootstrap_options other;
  other.seed = 7;
  CHECK(a != sweep::good_ranges(s, metrics, other));
  // Constant metrics: exactly pycls's figures.
  CHECK(a[3][1] == Approx(0.125747850));
  CHECK(a[4][1] == Approx(0.855770));
  CHECK(a[5][1] == Approx(0.544778));
  // Random ones: our best lies inside pycls's good range, and ours is ordered.
  const double pycls[][2] = {{-0.3545, 0.6386}, {-4.002, -3.025}, {-3.496, -2.878}, {0.1257, 0.1258}, {0.8558, 0.8559},
                             {0.5447, 0.5448}, {5.474, 5.518}, {2.358, 3.187}, {2.643, 3.544}};
  for (std::size_t k = 0; k < metrics.size(); ++k) {
    INFO(metrics[k].name);
    CHECK(a[k][0] <= a[k][1]);
    CHECK(a[k][1] <= a[k][2]);
    CHECK(a[k][1] >= pycls[k][0] - 1e-4);
    CHECK(a[k][1] <= pycls[k][1] + 1e-4);
  }
  // The best job of a resample is one of the jobs, so the median is a value some job has.
  auto best = sweep::bootstrap_best({3, 1, 2});
  CHECK(best.size() == 2500);
  CHECK(std::all_of(best.begin(), best.end(), [](auto i) { return i < 3; }));
}

TEST_CASE("the bootstrap's best job follows the law of the best of m draws, ties shared evenly") {
  // 10 jobs, two tied for third best, one NaN; resamples of m = 4 draws with replacement. The best
  // has rank >= r with probability ((n - r) / n)^m; a tied pair splits its share; the NaN wins only when all m draws are it.
  std::vector<double> errors = {5, 1, 7, 3, 3, 9, std::nan(""), 2, 8, 6};
  sweep::bootstrap_options opt;
  opt.resamples = 200000;
  opt.sample = 4;
  auto best = sweep::bootstrap_best(errors, opt);
  std::vector<double> share(errors.size());
  for (auto i : best) share[i] += 1.0 / static_cast<double>(best.size());
  auto at_least = [](double rank) { return std::pow((10 - rank) / 10, 4); };
  auto p_rank = [&](double r) { return at_least(r) - at_least(r + 1); };
  CHECK(share[1] == Approx(p_rank(0)).margin(0.004));
  CHECK(share[7] == Approx(p_rank(1)).margin(0.004));
  CHECK(share[3] == Approx((p_rank(2) + p_rank(3)) / 2).margin(0.004));
  CHECK(share[4] == Approx((p_rank(2) + p_rank(3)) / 2).margin(0.004));
  CHECK(share[0] == Approx(p_rank(4)).margin(0.004));
  CHECK(share[6] == Approx(std::pow(0.1, 4)).margin(0.0001));  // a NaN wins only a resample of NaNs
  CHECK(sweep::bootstrap_best({std::nan(""), std::nan("")}, opt).size() == 200000);
  // A brute-force bootstrap (m draws, keep the first best) agrees.
  std::mt19937_64 engine(3);
  std::vector<double> brute(errors.size());
  for (int b = 0; b < 200000; ++b) {
    std::size_t arg = sweep::uniform_index(engine, errors.size());
    for (int k = 1; k < 4; ++k) {
      std::size_t i = sweep::uniform_index(engine, errors.size());
      if (errors[i] < errors[arg] || std::isnan(errors[arg])) arg = i;
    }
    brute[arg] += 1.0 / 200000;
  }
  for (std::size_t i = 0; i < errors.size(); ++i) CHECK(share[i] == Approx(brute[i]).margin(0.005));
}

TEST_CASE("filters keep jobs whose metric lies in [min, max]") {
  auto& s = fixture();
  CHECK(sweep::apply_filters(s, {{"done", {1, 1, 1}}}).jobs.size() == 64);
  CHECK(sweep::apply_filters(s, {{"cfg.OPTIM.MAX_EPOCH", {100, 100, 100}}}).jobs.empty());
  auto low_lr = sweep::apply_filters(s, {{"lr", {-1, 0, 0}}, {"error", {0, 0, 7}}});
  REQUIRE(!low_lr.jobs.empty());
  CHECK(low_lr.jobs.size() < 64);
  for (auto& j : low_lr.jobs) {
    CHECK(sweep::metric_number(*j.field(""), sweep::get_metric_info("lr")) <= 0);
    CHECK(j.error <= 7);
  }
  CHECK(sweep::apply_filters(s, {{"no.such.key", {0, 0, 1}}}).jobs.empty());  // missing fails
}

TEST_CASE("analyze reads only what it uses: a sweep.json made elsewhere needs no SETUP") {
  auto root = std::filesystem::temp_directory_path() / fmt::format("sweep_analyze_test_{}", std::random_device{}());
  std::filesystem::create_directories(root / "elsewhere");
  std::filesystem::copy_file(data_dir + "/sweep.json", root / "elsewhere" / "sweep.json");
  auto file = root / "analyze.yaml";
  std::ofstream(file) << "ROOT_DIR: " << root.string() << "\nNAME: elsewhere\nANALYZE: {METRICS: [lr, wd]}\n";
  auto cfg = sweep::load_sweep_config(file);
  CHECK(cfg.setup.num_configs == 0);  // SETUP.NUM_CONFIGS is setup's to check, not analyze's
  auto page = sweep::analyze(cfg);
  CHECK(page == sweep::sweep_layout(root / "elsewhere").analysis_file());
  CHECK(read(page.string()).find("64 jobs analysed") != std::string::npos);
  // What analyze does use is checked, for a config written as code too.
  cfg.name = "../outside";
  CHECK_THROWS_WITH(sweep::analyze(cfg), Catch::Contains("NAME: '../outside' has a '..' part"));
  cfg.name = "elsewhere";
  cfg.analyze.plot_curves_best = -1;
  CHECK_THROWS_WITH(sweep::analyze(cfg), Catch::Contains("ANALYZE.PLOT_CURVES_BEST: expected 0 or more, got -1"));
  std::filesystem::remove_all(root);
}
