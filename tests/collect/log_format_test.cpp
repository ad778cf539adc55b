// Log formats: the registry (COLLECT.FORMAT, COLLECT.<NAME> checked with file and
// line), a user's format through the public concept, json_stats's two paths
// agreeing, and lightning_csv on files written the way PyTorch Lightning's
// CSVLogger writes them (sparse rows, nan and empty cells, a run cut off, a
// requeued run in a second version folder).
#include <sweep/collect.hpp>
#include <sweep/config/load.hpp>

#include <catch2/catch.hpp>

#include "../support/files.hpp"

#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using sweep_test::read_text;
using sweep_test::write_text;

/// @brief A fresh folder for one test, removed at its end.
struct temp_dir : sweep_test::temp_dir {
  temp_dir() : sweep_test::temp_dir("sweep_log_format_test") {}
};

sweep::sweep_config config_from_yaml(const std::string& text) {
  return sweep::sweep_config_from_value(sweep::load_yaml_text(text, "sweep.yaml"), "sweep.yaml");
}

bool has_issue(const std::vector<sweep::log_issue>& issues, const fs::path& file, int line, const std::string& text) {
  for (auto& i : issues) {
    if (i.where.file == file.string() && i.where.line == line && i.message.find(text) != std::string::npos) return true;
  }
  return false;
}

/// @brief A user's format: `epoch,error` lines in the job's folder, written against the public API only.
struct plain_csv_format {
  static constexpr std::string_view name = "test_plain_csv";
  struct options {
    BOOST_HANA_DEFINE_STRUCT(options, (std::string, file), (std::int64_t, epochs));
    options() : file("errors.csv"), epochs(3) {}
  };
  std::vector<std::string> log_files(const options& o, const sweep::collect_options&) const { return {o.file}; }
  void read(const options& o, const sweep::job_files& job, sweep::job_record& out) const {
    std::istringstream in{std::string(job.logs.front().text)};
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      int epoch = 0;
      double error = 0;
      if (std::sscanf(line.c_str(), "%d,%lf", &epoch, &error) != 2) {
        out.issue(job.logs.front().file, n, "not epoch,error");
        continue;
      }
      out.add_epoch("test_epoch", epoch, o.epochs, {{"top1_err", error}});
    }
    out.progress_from("test_epoch");
  }
};
SWEEP_REGISTER(sweep::register_log_format<plain_csv_format>);

/// @brief A format named like one of COLLECT's own keys could have no COLLECT.<NAME> section.
struct tag_format : plain_csv_format {
  static constexpr std::string_view name = "tag";
};

static_assert(sweep::log_format<plain_csv_format>);
static_assert(sweep::log_format<sweep::json_stats_format>);
static_assert(sweep::log_format<sweep::lightning_csv_format>);

/// @brief Two jobs' configs and an empty logs/ folder.
void make_sweep(const fs::path& dir, int jobs, int max_epoch) {
  for (int i = 0; i < jobs; ++i) {
    write_text(dir / "cfgs" / fmt::format("{:06d}.yaml", i),
               fmt::format("OPTIM:\n  BASE_LR: {}\n  MAX_EPOCH: {}\n", 0.1 * (i + 1), max_epoch));
  }
  fs::create_directories(dir / "logs");
}

// What Lightning's CSVLogger writes for a module logging train_loss (on_step and on_epoch),
// train_acc (on_epoch), val_loss and val_acc (in validation) and the learning rate
// (LearningRateMonitor): columns sorted, every row sparse.
const char* lightning_header = "epoch,lr-SGD,step,train_acc_epoch,train_loss_epoch,train_loss_step,val_acc,val_loss\n";
std::string lightning_epoch(int epoch, double val_acc, const std::string& val_loss) {
  int step = 2 * epoch;
  return fmt::format("{0},0.1,{1},,,0.9,,\n"                // a training step (log_every_n_steps)
                     "{0},,{2},,,0.7,,\n"
                     "{0},,{2},,,,{3},{4}\n"                // the end of validation
                     "{0},,{2},{5},0.{6},,,\n",             // the end of the training epoch
                     epoch, step, step + 1, val_acc, val_loss, 0.5 + 0.1 * epoch, 8 - epoch);
}

}  // namespace

TEST_CASE("log formats are registered by name with json_stats (the default) and lightning_csv built in", "[collect][log_format]") {
  auto names = sweep::log_formats().names();
  REQUIRE(names.size() >= 3);
  CHECK(names[0] == "json_stats");
  CHECK(names[1] == "lightning_csv");
  CHECK(std::find(names.begin(), names.end(), "test_plain_csv") != names.end());
  CHECK(sweep::collect_options{}.format == "json_stats");
  // A name is registered once.
  CHECK_THROWS_WITH(sweep::register_log_format<plain_csv_format>(),
                    Catch::Contains("two log formats are registered as 'test_plain_csv'"));
  CHECK_THROWS_WITH(sweep::register_log_format<tag_format>(), Catch::Contains("COLLECT.TAG is one of COLLECT's own keys"));
}

TEST_CASE("collect checks COLLECT.FORMAT and the format sections and COLLECT's values naming file and line",
          "[collect][log_format]") {
  temp_dir tmp;
  std::string head = fmt::format("ROOT_DIR: {}\nNAME: s\nSETUP: {{NUM_CONFIGS: 1}}\n", tmp.path.string());
  auto fails = [&](const std::string& collect_yaml) {
    auto cfg = config_from_yaml(head + "COLLECT:\n" + collect_yaml);
    try {
      sweep::collect(cfg);
    } catch (const sweep::error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  auto unknown = fails("  FORMAT: lightning_cvs\n");
  CHECK_THAT(unknown, Catch::Contains("sweep.yaml:5") && Catch::Contains("COLLECT.FORMAT") &&
                          Catch::Contains("unknown log format 'lightning_cvs': expected one of json_stats, lightning_csv") &&
                          Catch::Contains("did you mean 'lightning_csv'?"));
  auto section = fails("  FORMAT: lightning_csv\n  LIGHTNING_CVS: {MAX_EPOCHS: 3}\n");
  CHECK_THAT(section, Catch::Contains("sweep.yaml:6") && Catch::Contains("COLLECT.LIGHTNING_CVS") &&
                          Catch::Contains("unknown key") && Catch::Contains("did you mean 'LIGHTNING_CSV'?"));
  auto key = fails("  FORMAT: lightning_csv\n  LIGHTNING_CSV:\n    MAX_EPOCH: 3\n");
  CHECK_THAT(key, Catch::Contains("sweep.yaml:7") && Catch::Contains("COLLECT.LIGHTNING_CSV.MAX_EPOCH") &&
                      Catch::Contains("did you mean 'MAX_EPOCHS'?"));
  auto type = fails("  LIGHTNING_CSV:\n    MAX_EPOCHS: three\n");  // checked even when another format is used
  CHECK_THAT(type, Catch::Contains("sweep.yaml:6") && Catch::Contains("COLLECT.LIGHTNING_CSV.MAX_EPOCHS") &&
                       Catch::Contains("expected an integer"));
  auto value = fails("  FORMAT: lightning_csv\n  LIGHTNING_CSV:\n    MAX_EPOCHS: 3\n    ERROR_FROM: percent\n");
  CHECK_THAT(value, Catch::Contains("sweep.yaml:8") && Catch::Contains("COLLECT.LIGHTNING_CSV.ERROR_FROM") &&
                        Catch::Contains("expected one of accuracy, accuracy_percent, error; got 'percent'"));
  auto keep = fails("  CHECKPOINTS_KEEP: some\n");
  CHECK_THAT(keep, Catch::Contains("sweep.yaml:5") && Catch::Contains("COLLECT.CHECKPOINTS_KEEP"));
  auto no_keys = fails("  JSON_STATS: {TAG: x}\n");
  CHECK_THAT(no_keys, Catch::Contains("sweep.yaml:5") && Catch::Contains("COLLECT.JSON_STATS.TAG") && Catch::Contains("unknown key"));

  // The same checks for a config written as code.
  sweep::sweep_config cfg;
  cfg.root_dir = tmp.path.string();
  cfg.name = "s";
  cfg.collect.format = "jsonstats";
  CHECK_THROWS_WITH(sweep::collect(cfg), Catch::Contains("COLLECT.FORMAT") && Catch::Contains("did you mean 'json_stats'?"));
  cfg.collect.format = "json_stats";
  cfg.num_proc = 0;
  CHECK_THROWS_WITH(sweep::collect(cfg), Catch::Contains("NUM_PROC"));
  cfg.num_proc = 1;
  cfg.collect.extensions.emplace_back("PLAIN", sweep::value::map{});
  CHECK_THROWS_WITH(sweep::collect(cfg), Catch::Contains("COLLECT.PLAIN") && Catch::Contains("unknown key"));
}

TEST_CASE("a user's log format collects through the public concept and its options key the cache", "[collect][log_format]") {
  temp_dir tmp;
  make_sweep(tmp.path, 3, 3);
  write_text(tmp.path / "logs" / "000000" / "errors.csv", "1,30.5\n2,20.25\n3,10\n");
  write_text(tmp.path / "logs" / "000000" / "stderr.log", "");
  write_text(tmp.path / "logs" / "000001" / "errors.csv", "2,40\nbad\n1,50\n");
  write_text(tmp.path / "logs" / "000001" / "stderr.log", "oops\n");
  fs::create_directories(tmp.path / "logs" / "000002");
  sweep::collect_options opts;
  opts.format = "test_plain_csv";
  auto result = sweep::collect_dir(tmp.path, opts);
  CHECK(sweep::status_line(result) == "jobs_started=2/3, jobs_done=1/3, epochs_done=5/6");
  CHECK(has_issue(result.all_issues(), tmp.path / "logs" / "000001" / "errors.csv", 2, "not epoch,error"));
  CHECK(has_issue(result.all_issues(), tmp.path / "logs" / "000002" / "errors.csv", 0, "missing"));
  auto sweep_json = json::parse(read_text(tmp.path / "sweep.json"));
  REQUIRE(sweep_json.size() == 2);
  CHECK(sweep_json[0]["test_epoch"] == json{{"top1_err", {30.5, 20.25, 10.0}},
                                            {"epoch", {"1/3", "2/3", "3/3"}},
                                            {"epoch_ind", {1, 2, 3}},
                                            {"epoch_max", {3, 3, 3}}});
  CHECK(sweep_json[1]["test_epoch"]["top1_err"] == json{50.0, 40.0});  // sorted by epoch
  CHECK(sweep_json[1]["err"] == "oops\n");
  // log_file is the job's stdout log, as in pycls (analyze names the job by its folder); the format's
  // own files are listed.
  CHECK(sweep_json[1]["log_file"] == (tmp.path / "logs" / "000001" / "stdout.log").string());
  CHECK(sweep_json[1]["log_files"] == json{(tmp.path / "logs" / "000001" / "errors.csv").string()});
  // Written as nlohmann writes it, like every sweep.json.
  CHECK(read_text(tmp.path / "sweep.json") == json(sweep_json).dump());

  CHECK(sweep::collect_dir(tmp.path, opts).reparsed == 0);
  // The format's options are part of the cache's key: other options, every log read again.
  opts.extensions.emplace_back("TEST_PLAIN_CSV", sweep::value::map{{"EPOCHS", sweep::value(std::int64_t{5})}});
  auto again = sweep::collect_dir(tmp.path, opts);
  CHECK(again.reparsed == 2);
  CHECK(sweep::status_line(again) == "jobs_started=2/3, jobs_done=0/3, epochs_done=5/10");
}

TEST_CASE("json_stats's fast path writes what its record tree holds", "[collect][log_format]") {
  auto dir = fs::path(SWEEP_TEST_DATA_DIR) / "collect" / "fake_optim_64" / "logs" / "000003";
  auto text = read_text(dir / "stdout.log");
  sweep::collect_options opts;
  auto format = sweep::bind_log_format(opts);
  sweep::job_files job;
  job.name = "000003";
  job.dir = dir;
  job.collect = &opts;
  job.logs.push_back({(dir / "stdout.log").string(), text});
  sweep::job_record tree, fast;
  format->read(job, tree);
  auto scratch = format->make_scratch();
  std::string entry;
  format->write_entry(job, *scratch, fast, entry, {});
  CHECK(json::parse(entry) == tree.data);
  CHECK(entry == tree.data.dump());
  CHECK((fast.epoch_ind == 50 && fast.epoch_max == 50));
  CHECK((tree.epoch_ind == 50 && tree.epoch_max == 50));
  CHECK(fast.records == tree.records);
}

TEST_CASE("lightning_csv reads Lightning's sparse metrics.csv into train_epoch and test_epoch records",
          "[collect][log_format][lightning]") {
  temp_dir tmp;
  make_sweep(tmp.path, 4, 4);
  auto logs = tmp.path / "logs";
  auto csv = [&](int job, int version) {
    return logs / fmt::format("{:06d}", job) / "lightning_logs" / fmt::format("version_{}", version) / "metrics.csv";
  };
  for (int j = 0; j < 4; ++j) write_text(logs / fmt::format("{:06d}", j) / "stderr.log", "");
  // 0: three of four epochs; validation diverged (nan) in epoch 1; still writing a row.
  write_text(csv(0, 0), lightning_header + lightning_epoch(0, 0.5, "1.5") + lightning_epoch(1, 0.25, "nan") +
                            lightning_epoch(2, 0.75, "0.8") + "3,0.1,6,,,0.");
  // 1: requeued after epoch 2: Lightning starts version_1; every epoch in the end. Two digits of
  // versions sort as numbers (version_10 is the newest).
  write_text(csv(1, 0), lightning_header + lightning_epoch(0, 0.5, "1.0") + lightning_epoch(1, 0.6, "0.9"));
  write_text(csv(1, 10), lightning_header + lightning_epoch(2, 0.7, "0.8") + lightning_epoch(3, 0.8, "0.7"));
  write_text(csv(1, 9), lightning_header + lightning_epoch(1, 0.65, "0.85"));
  // 2: only the header so far.
  write_text(csv(2, 0), lightning_header);
  // 3: not started (no metrics.csv yet).
  fs::create_directories(logs / "000003");

  sweep::collect_options opts;
  opts.format = "lightning_csv";
  auto result = sweep::collect_dir(tmp.path, opts);
  auto issues = result.all_issues();
  CHECK(sweep::status_line(result) == "jobs_started=3/4, jobs_done=1/4, epochs_done=7/9");
  CHECK(has_issue(issues, csv(0, 0), 14, "truncated last line skipped"));
  CHECK(has_issue(issues, logs / "000003" / "lightning_logs" / "version_*" / "metrics.csv", 0, "missing"));
  CHECK(issues.size() == 2);
  CHECK(result.jobs[1].log_file == csv(1, 10).string());

  auto sweep_json = json::parse(read_text(tmp.path / "sweep.json"));
  REQUIRE(sweep_json.size() == 3);
  auto& job0 = sweep_json[0];
  CHECK(job0["cfg"] == json{{"OPTIM", {{"BASE_LR", 0.1}, {"MAX_EPOCH", 4}}}});
  auto& test = job0["test_epoch"];
  CHECK(test["acc"] == json{0.5, 0.25, 0.75});
  CHECK(test["loss"] == json{1.5, nullptr, 0.8});  // nan: null
  CHECK(test["top1_err"] == json{50.0, 75.0, 25.0});
  CHECK(test["min_top1_err"] == json{50.0, 50.0, 25.0});
  CHECK(test["epoch"] == json{"1/4", "2/4", "3/4"});
  CHECK(test["epoch_ind"] == json{1, 2, 3});
  CHECK(test["epoch_max"] == json{4, 4, 4});
  auto& train = job0["train_epoch"];
  CHECK(train["loss"] == json{0.8, 0.7, 0.6});      // train_loss_epoch; train_loss_step is left out
  CHECK(train["acc"] == json{0.5, 0.6, 0.7});       // train_acc_epoch
  CHECK(train["lr-SGD"] == json{0.1, 0.1, 0.1});    // other columns: train_epoch, as named
  CHECK(train["top1_err"].size() == 3);
  CHECK_FALSE(train.contains("loss_step"));
  CHECK_FALSE(train.contains("min_top1_err"));
  // The requeued job: versions in order, a later version's epoch wins.
  CHECK(sweep_json[1]["test_epoch"]["acc"] == json{0.5, 0.65, 0.7, 0.8});
  CHECK(sweep_json[1]["test_epoch"]["min_top1_err"].back().get<double>() == Approx(20.0));
  CHECK(sweep_json[1]["log_files"] == json{csv(1, 0).string(), csv(1, 9).string(), csv(1, 10).string()});
  CHECK_FALSE(sweep_json[2].contains("test_epoch"));

  // What analyze reads: ANALYZE.ERROR test_epoch.min_top1_err, reduced by min.
  CHECK(result.jobs[0].epoch_ind == 3);

  // Incremental: nothing changed, nothing read; a new version folder is a change.
  CHECK(sweep::collect_dir(tmp.path, opts).reparsed == 0);
  write_text(csv(2, 1), lightning_header + lightning_epoch(0, 0.9, "0.1"));
  auto inc = sweep::collect_dir(tmp.path, opts);
  CHECK(inc.reparsed == 1);
  auto bytes = read_text(tmp.path / "sweep.json");
  sweep::collect_run_options full;
  full.incremental = false;
  sweep::collect_dir(tmp.path, opts, full);
  CHECK(read_text(tmp.path / "sweep.json") == bytes);
}

TEST_CASE("lightning_csv options set the file and the number of epochs and the error column and its kind", "[collect][log_format][lightning]") {
  temp_dir tmp;
  make_sweep(tmp.path, 1, 99);
  auto job = tmp.path / "logs" / "000000";
  write_text(job / "stderr.log", "");
  write_text(job / "out" / "metrics.csv",
             "epoch,step,\"val/err, top1\",val/loss,weird\n"
             "0,5,40.0,,1\n"
             "0,5,,2.0,x\n"
             "1,9,30.0,1.0\n"
             ",9,,,\n"
             "1,10,inf,,\n");
  std::string yaml = fmt::format(
      "ROOT_DIR: {}\nNAME: s\nCOLLECT:\n  FORMAT: lightning_csv\n  LIGHTNING_CSV:\n    METRICS_FILE: out/metrics.csv\n"
      "    MAX_EPOCHS: 2\n    ERROR_METRIC: 'val/err, top1'\n    ERROR_FROM: error\n",
      tmp.path.parent_path().string());
  auto cfg = config_from_yaml(yaml);
  cfg.name = tmp.path.filename().string();
  auto result = sweep::collect(cfg);
  auto issues = result.all_issues();
  auto file = job / "out" / "metrics.csv";
  CHECK(has_issue(issues, file, 3, "cell of 'weird' skipped: expected a number, got 'x'"));
  CHECK(has_issue(issues, file, 4, "row skipped: 4 cells, the header has 5"));
  CHECK(issues.size() == 2);  // the row without an epoch is skipped quietly
  CHECK(sweep::status_line(result) == "jobs_started=1/1, jobs_done=1/1, epochs_done=2/2");
  auto entry = json::parse(read_text(tmp.path / "sweep.json"))[0];
  CHECK(entry["test_epoch"]["err, top1"] == json{40.0, nullptr});  // the last value of epoch 1 was inf
  CHECK(entry["test_epoch"]["top1_err"] == json{40.0, nullptr});
  CHECK(entry["test_epoch"]["min_top1_err"] == json{40.0, 40.0});
  CHECK(entry["test_epoch"]["loss"] == json{2.0, nullptr});
  CHECK(entry["train_epoch"]["weird"] == json{1.0});
  CHECK(entry["test_epoch"]["epoch_max"] == json{2, 2});
  // MAX_EPOCHS 0: the job config's OPTIM.MAX_EPOCH; a missing error column is reported once.
  cfg.collect.extensions[0].second.as_map()[1].second = sweep::value(std::int64_t{0});
  cfg.collect.extensions[0].second.as_map()[2].second = sweep::value("val_acc");
  auto again = sweep::collect(cfg);
  CHECK(sweep::status_line(again) == "jobs_started=1/1, jobs_done=0/1, epochs_done=2/99");
  CHECK(has_issue(again.all_issues(), file, 0, "no column 'val_acc' (COLLECT.LIGHTNING_CSV.ERROR_METRIC)"));
}
