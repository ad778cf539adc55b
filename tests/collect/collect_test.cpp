// Collect: the same data as pycls's sweep_collect on pycls's own logs, every
// fault reported per job and never fatal, incremental == full, checkpoints.
#include <sweep/collect.hpp>

#include <catch2/catch.hpp>

#include "../support/files.hpp"

#include <fstream>
#include <random>
#include <sstream>
#include <tuple>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using sweep_test::read_text;
using sweep_test::write_text;

/// @brief A fresh folder for one test, removed at its end.
struct temp_dir : sweep_test::temp_dir {
  temp_dir() : sweep_test::temp_dir("sweep_collect_test") {}
};

/// @brief A copy of pycls-reference/fake_optim_64 (cfgs + logs) to collect in.
void copy_fixture(const fs::path& to) {
  fs::path from = fs::path(SWEEP_TEST_DATA_DIR) / "collect" / "fake_optim_64";
  fs::create_directories(to);
  fs::copy(from / "cfgs", to / "cfgs", fs::copy_options::recursive);
  fs::copy(from / "logs", to / "logs", fs::copy_options::recursive);
  for (auto& e : fs::recursive_directory_iterator(to)) {
    fs::permissions(e.path(), fs::perms::owner_write, fs::perm_options::add);
  }
}

/// @brief A job's entry with its paths cut to "logs/NNNNNN/..." so sweeps in different folders compare.
json without_dirs(json sweep) {
  for (auto& job : sweep) {
    for (auto key : {"log_file", "err_file"}) {
      auto s = job[key].get<std::string>();
      job[key] = s.substr(s.rfind("logs/"));
    }
  }
  return sweep;
}

sweep::collect_run_options threads(std::size_t n, bool incremental = true) {
  sweep::collect_run_options run;
  run.threads = n;
  run.incremental = incremental;
  return run;
}

std::string epoch_line(const char* type, int e, int max, double err) {
  return sweep::json_stats_writer::format_line(type, {{"epoch", std::to_string(e) + "/" + std::to_string(max)},
                                                      {"top1_err", err}, {"mem", 100}});
}

bool has_issue(const std::vector<sweep::log_issue>& issues, const fs::path& file, int line, const std::string& text) {
  for (auto& i : issues) {
    if (i.where.file == file.string() && i.where.line == line && i.message.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("collect gives the data pycls's sweep_collect wrote for the same logs", "[collect]") {
  temp_dir tmp;
  copy_fixture(tmp.path);
  auto result = sweep::collect_dir(tmp.path, {}, threads(2, false));
  CHECK(result.jobs.size() == 64);
  CHECK(result.all_issues().empty());
  CHECK(result.written);
  CHECK(sweep::status_line(result) == "jobs_started=64/64, jobs_done=64/64, epochs_done=3200/3200");
  auto ours = json::parse(read_text(tmp.path / "sweep.json"));
  auto pycls = json::parse(read_text(fs::path(SWEEP_TEST_DATA_DIR) / "collect" / "fake_optim_64" / "sweep.json"));
  REQUIRE(ours.size() == pycls.size());
  CHECK(ours[0]["log_file"] == (tmp.path / "logs" / "000000" / "stdout.log").string());
  ours = without_dirs(ours);
  pycls = without_dirs(pycls);
  for (std::size_t i = 0; i < ours.size(); ++i) {
    INFO("job " << i);
    CHECK(ours[i] == pycls[i]);
  }
  // Numbers stay numbers, of the same kind (ints as ints).
  CHECK(ours[0]["test_epoch"]["mem"][0].is_number_integer());
  CHECK(ours[0]["test_epoch"]["top1_err"][0].is_number_float());
  // The status table, as pycls prints it.
  auto table = sweep::format_status_table(result);
  CHECK(table.substr(0, table.find('\n')) ==
        "  " + (tmp.path / "logs" / "000000" / "stdout.log").string() + " [100%] [50/50]");
  // Parallel or not, the same bytes.
  auto bytes = read_text(tmp.path / "sweep.json");
  sweep::collect_dir(tmp.path, {}, threads(1, false));
  CHECK(read_text(tmp.path / "sweep.json") == bytes);
  // Written atomically: no temporary files are left behind.
  for (auto& e : fs::directory_iterator(tmp.path)) CHECK(e.path().filename().string().find(".tmp") == std::string::npos);
}

TEST_CASE("every fault in a job's files is reported with file and line, skipped, and never fatal", "[collect]") {
  temp_dir tmp;
  auto logs = tmp.path / "logs";
  for (int i = 0; i < 10; ++i) write_text(tmp.path / "cfgs" / fmt::format("{:06d}.yaml", i), "OPTIM: {}\n");
  auto log = [&](int job) { return logs / fmt::format("{:06d}", job) / "stdout.log"; };
  auto err = [&](int job) { return logs / fmt::format("{:06d}", job) / "stderr.log"; };
  auto good = [&](int epochs, int max) {
    std::string text = "[trainer.py: 111]: " + sweep::json_stats_writer::format_line("cfg", {{"A", 1}}) + "\n";
    for (int e = epochs; e >= 1; --e) text += epoch_line("test_epoch", e, max, 50.0 - e) + "\n";  // out of order
    return text;
  };
  // 0: healthy, 3 of 5 epochs, something on stderr.
  write_text(log(0), good(3, 5));
  write_text(err(0), "warning: slow\n");
  // 1: the job is writing its last line (no newline yet).
  write_text(log(1), good(2, 5) + R"(json_stats: {"_type": "test_epoch", "epoch": "3/5", "top1)");
  write_text(err(1), "");
  // 2: a corrupt line in the middle.
  write_text(log(2), good(1, 5) + "json_stats: {\"_type\": \"test_epoch\", oops}\n" + epoch_line("test_epoch", 2, 5, 1) + "\n");
  write_text(err(2), "");
  // 3: no stderr.log.
  write_text(log(3), good(5, 5));
  // 4: empty log.
  write_text(log(4), "");
  write_text(err(4), "");
  // 5: a job folder without its log.
  write_text(err(5), "");
  // 6: started, no epochs yet.
  write_text(log(6), "some text\n" + sweep::json_stats_writer::format_line("complexity", {{"flops", 1}}) + "\n");
  write_text(err(6), "");
  // 7: a record whose fields differ from its type's first record.
  write_text(log(7), good(2, 4) + sweep::json_stats_writer::format_line("test_epoch", {{"epoch", "3/4"}, {"top1_err", 1.0}}) + "\n");
  write_text(err(7), "");
  // 8: no type, a bad epoch, not an object.
  write_text(log(8), good(1, 2) + "json_stats: {\"epoch\": \"2/2\"}\n" +
                         sweep::json_stats_writer::format_line("test_epoch", {{"epoch", "x/2"}, {"top1_err", 1.0}, {"mem", 1}}) +
                         "\njson_stats: [1, 2]\n");
  write_text(err(8), "");
  // Not a job folder: ignored quietly, like pycls.
  fs::create_directories(logs / "sbatch");

  sweep::collect_result result;
  REQUIRE_NOTHROW(result = sweep::collect_dir(tmp.path, {}, threads(3)));
  auto issues = result.all_issues();
  CHECK(sweep::status_line(result) == "jobs_started=8/10, jobs_done=1/10, epochs_done=15/28");
  CHECK(has_issue(issues, log(1), 4, "truncated last line"));
  CHECK(has_issue(issues, log(2), 3, "corrupt record"));
  CHECK(has_issue(issues, err(3), 0, "missing"));
  CHECK(has_issue(issues, log(4), 0, "empty log"));
  CHECK(has_issue(issues, log(5), 0, "missing"));
  CHECK(has_issue(issues, log(7), 4, "fields [epoch, top1_err] differ from the first record's [epoch, mem, top1_err] (line 2)"));
  CHECK(has_issue(issues, log(8), 3, "expected a string field \"_type\""));
  CHECK(has_issue(issues, log(8), 4, "expected \"epoch\" as \"i/max\", got \"x/2\""));
  CHECK(has_issue(issues, log(8), 5, "expected a JSON object"));
  CHECK(issues.size() == 9);

  auto table = sweep::format_status_table(result);
  CHECK(table.find(log(0).string() + " [ 60%] [3/5] [stderr]\n") != std::string::npos);
  CHECK(table.find(log(6).string() + " [  0%] [0/1]\n") != std::string::npos);

  auto sweep_json = json::parse(read_text(tmp.path / "sweep.json"));
  REQUIRE(sweep_json.size() == 8);
  CHECK(sweep_json[0]["test_epoch"]["epoch_ind"] == json{1, 2, 3});  // sorted by epoch
  CHECK(sweep_json[0]["test_epoch"]["top1_err"] == json{49.0, 48.0, 47.0});
  CHECK(sweep_json[0]["err"] == "warning: slow\n");
  CHECK(sweep_json[1]["test_epoch"]["epoch_ind"] == json{1, 2});  // the half line is not there
  CHECK(sweep_json[2]["test_epoch"]["epoch_ind"] == json{1, 2});  // the lines around the bad one are
  CHECK(sweep_json[3]["err"] == "");
  CHECK(sweep_json[4] == json{{"log_file", log(4).string()}, {"err_file", err(4).string()}, {"err", ""}});
  CHECK(sweep_json[5]["complexity"] == json{{"flops", 1}});  // job 6 (5 has no log)
  CHECK(sweep_json[6]["test_epoch"]["epoch_ind"] == json{1, 2});
  CHECK(sweep_json[7]["test_epoch"]["epoch_ind"] == json{1});

  // The reports survive a re-collect that takes everything from the cache.
  auto again = sweep::collect_dir(tmp.path, {}, threads(2));
  CHECK(again.reparsed == 0);
  CHECK(again.all_issues() == issues);
}

TEST_CASE("non-epoch types keep their first record, iter records sort within epochs when kept", "[collect]") {
  sweep::collect_options opts;
  opts.skip_types = {};
  auto line = [](const char* type, json::object_t fields) {
    return sweep::json_stats_writer::format_line(type, nlohmann::ordered_json(fields)) + "\n";
  };
  std::string text = line("epoch_times", {{"t", 1.0}}) + line("epoch_times", {{"t", 2.0}}) +
                     line("train_iter", {{"epoch", "2/2"}, {"iter", "1/2"}}) +
                     line("train_iter", {{"epoch", "1/2"}, {"iter", "2/2"}}) +
                     line("train_iter", {{"epoch", "1/2"}, {"iter", "1/2"}});
  auto parsed = sweep::parse_job_log(text, opts, "log");
  CHECK(parsed.issues.empty());
  CHECK(parsed.data["epoch_times"] == json{{"t", 1.0}});
  CHECK(parsed.data["train_iter"]["iter"] == json{"1/2", "2/2", "1/2"});
  CHECK(parsed.data["train_iter"]["iter_ind"] == json{1, 2, 1});
  CHECK(parsed.data["train_iter"]["iter_max"] == json{2, 2, 2});
  CHECK(parsed.data["train_iter"]["epoch_ind"] == json{1, 1, 2});
}

TEST_CASE("record names and the skip list are configurable for non-pycls programs", "[collect]") {
  sweep::collect_options opts;
  opts.tag = "METRIC ";
  opts.type_key = "kind";
  opts.epoch_key = "step";
  opts.skip_types = {"debug"};
  std::string text =
      "METRIC {\"kind\": \"eval\", \"step\": \"2/2\", \"acc\": 0.9}\n"
      "json_stats: {\"_type\": \"eval\", \"epoch\": \"1/2\"}\n"
      "METRIC {\"kind\": \"debug\", \"x\": 1}\n"
      "noise METRIC {\"kind\": \"eval\", \"step\": \"1/2\", \"acc\": 0.5}\n";
  auto parsed = sweep::parse_job_log(text, opts, "log");
  CHECK(parsed.issues.empty());
  CHECK(parsed.records_seen == 3);
  CHECK(parsed.data == json{{"eval", {{"acc", {0.5, 0.9}}, {"step", {"1/2", "2/2"}}, {"epoch_ind", {1, 2}},
                                      {"epoch_max", {2, 2}}}}});
}

TEST_CASE("re-collecting reparses only changed logs and writes what a full collect writes", "[collect]") {
  temp_dir tmp;
  copy_fixture(tmp.path);
  auto first = sweep::collect_dir(tmp.path, {}, threads(2));
  CHECK(first.reparsed == 64);
  CHECK(fs::exists(sweep::sweep_layout(tmp.path).collect_cache_file()));

  // Nothing changed: nothing parsed, nothing written.
  auto stamp = fs::last_write_time(tmp.path / "sweep.json");
  auto same = sweep::collect_dir(tmp.path, {}, threads(2));
  CHECK(same.reparsed == 0);
  CHECK_FALSE(same.written);
  CHECK(fs::last_write_time(tmp.path / "sweep.json") == stamp);
  CHECK(sweep::status_line(same) == sweep::status_line(first));

  // A job goes on (a line appended), one gets a stderr message, one is removed, one is new.
  auto logs = tmp.path / "logs";
  std::ofstream(logs / "000005" / "stdout.log", std::ios::app) << "json_stats: {\"_type\": \"test_epoch\", oops\n";
  std::ofstream(logs / "000010" / "stderr.log", std::ios::app) << "Traceback\n";
  fs::remove_all(logs / "000020");
  fs::copy(logs / "000021", logs / "000064", fs::copy_options::recursive);
  auto inc = sweep::collect_dir(tmp.path, {}, threads(2));
  CHECK(inc.reparsed == 3);
  CHECK(inc.written);
  CHECK(inc.jobs.size() == 64);
  CHECK(inc.jobs[10].name == "000010");
  CHECK(inc.jobs[10].has_err);
  CHECK(inc.all_issues().size() == 1);
  auto incremental_bytes = read_text(tmp.path / "sweep.json");

  auto full = sweep::collect_dir(tmp.path, {}, threads(2, false));
  CHECK(full.reparsed == 64);
  CHECK(read_text(tmp.path / "sweep.json") == incremental_bytes);
  CHECK(sweep::status_line(full) == sweep::status_line(inc));
  CHECK(full.all_issues() == inc.all_issues());

  // sweep.json changed behind our back: the cache no longer applies.
  write_text(tmp.path / "sweep.json", "[]");
  auto after_edit = sweep::collect_dir(tmp.path, {}, threads(2));
  CHECK(after_edit.reparsed == 64);
  CHECK(read_text(tmp.path / "sweep.json") == incremental_bytes);

  // A status read changes nothing.
  fs::remove(tmp.path / "sweep.json");
  sweep::collect_run_options look;
  look.write = false;
  auto status = sweep::collect_dir(tmp.path, {}, look);
  CHECK(sweep::status_line(status) == sweep::status_line(full));
  CHECK_FALSE(fs::exists(tmp.path / "sweep.json"));

  // A full collect always writes: with every log gone since, sweep.json says so (it kept the old jobs).
  sweep::collect_dir(tmp.path, {}, threads(2));
  for (auto& job : fs::directory_iterator(logs)) fs::remove_all(job.path());
  auto emptied = sweep::collect_dir(tmp.path, {}, threads(2, false));
  CHECK(emptied.written);
  CHECK(emptied.jobs.empty());
  CHECK(read_text(tmp.path / "sweep.json").find("000010") == std::string::npos);
}

TEST_CASE("a sweep.json of several write batches is whole, and re-collecting splices it right", "[collect]") {
  // Entries go to the file a megabyte at a time: 64 jobs of ~38 KB each take two batches and a rest.
  temp_dir tmp;
  auto logs = tmp.path / "logs";
  for (int job = 0; job < 64; ++job) {
    write_text(tmp.path / "cfgs" / fmt::format("{:06d}.yaml", job), "{}\n");
    std::string text;
    for (int e = 1; e <= 300; ++e) {
      nlohmann::ordered_json fields = {{"epoch", fmt::format("{}/300", e)}};
      for (int m = 0; m < 16; ++m) fields[fmt::format("metric_{:02d}", m)] = job + e * 0.001 + m;
      text += sweep::json_stats_writer::format_line("test_epoch", fields) + "\n";
    }
    write_text(logs / fmt::format("{:06d}", job) / "stdout.log", text);
    write_text(logs / fmt::format("{:06d}", job) / "stderr.log", "");
  }
  auto first = sweep::collect_dir(tmp.path, {}, threads(2, false));
  auto bytes = read_text(tmp.path / "sweep.json");
  REQUIRE(bytes.size() > (std::size_t{2} << 20));
  auto sweep = json::parse(bytes);
  REQUIRE(sweep.size() == 64);
  for (int job = 0; job < 64; ++job) {
    INFO("job " << job);
    CHECK(sweep[job]["log_file"].get<std::string>().find(fmt::format("{:06d}", job)) != std::string::npos);
    CHECK(sweep[job]["test_epoch"]["epoch_ind"].size() == 300);
    CHECK(sweep[job]["test_epoch"]["metric_15"][299] == std::stod(fmt::format("{:.4f}", job + 300 * 0.001 + 15)));
  }
  // One log grows: the other 63 entries are spliced from the old file by their byte ranges.
  std::ofstream(logs / "000011" / "stdout.log", std::ios::app) << "json_stats: {\"_type\": \"test_epoch\", oops\n";
  auto inc = sweep::collect_dir(tmp.path, {}, threads(2));
  CHECK(inc.reparsed == 1);
  auto incremental_bytes = read_text(tmp.path / "sweep.json");
  CHECK(json::parse(incremental_bytes) == sweep);  // the bad line is skipped (and reported)
  sweep::collect_dir(tmp.path, {}, threads(2, false));
  CHECK(read_text(tmp.path / "sweep.json") == incremental_bytes);
}

TEST_CASE("checkpoints are deleted per COLLECT.CHECKPOINTS_KEEP after sweep.json is written", "[collect]") {
  temp_dir tmp;
  write_text(tmp.path / "cfgs" / "000000.yaml", "{}\n");
  auto job = tmp.path / "logs" / "000000";
  write_text(job / "stdout.log", epoch_line("test_epoch", 1, 1, 3.0) + "\n");
  write_text(job / "stderr.log", "");
  auto make_checkpoints = [&] {
    for (int e = 1; e <= 3; ++e) write_text(job / "checkpoints" / fmt::format("model_epoch_{:04d}.pyth", e), "x");
    write_text(job / "checkpoints" / "notes.txt", "kept");
  };
  auto left = [&] {
    std::vector<std::string> names;
    for (auto& e : fs::directory_iterator(job / "checkpoints")) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  };
  sweep::collect_options opts;
  make_checkpoints();
  opts.checkpoints_keep = "all";
  CHECK(sweep::collect_dir(tmp.path, opts).checkpoints_deleted == 0);
  CHECK(left().size() == 4);
  opts.checkpoints_keep = "last";
  CHECK(sweep::collect_dir(tmp.path, opts).checkpoints_deleted == 2);
  CHECK(left() == std::vector<std::string>{"model_epoch_0003.pyth", "notes.txt"});
  opts.checkpoints_keep = "none";
  CHECK(sweep::collect_dir(tmp.path, opts).checkpoints_deleted == 1);
  CHECK(left() == std::vector<std::string>{"notes.txt"});
  opts.checkpoints_keep = "some";
  CHECK_THROWS_WITH(sweep::collect_dir(tmp.path, opts),
                    Catch::Contains("COLLECT.CHECKPOINTS_KEEP") && Catch::Contains("expected one of all, last, none"));
  // A status read deletes nothing.
  make_checkpoints();
  opts.checkpoints_keep = "none";
  sweep::collect_run_options look;
  look.write = false;
  CHECK(sweep::collect_dir(tmp.path, opts, look).checkpoints_deleted == 0);
  CHECK(left().size() == 4);
  // Nor does `sweep watch`'s collect, which writes sweep.json but leaves the jobs' folders as they are.
  sweep::collect_run_options watching;
  watching.delete_checkpoints = false;
  fs::remove(tmp.path / "sweep.json");
  auto watched = sweep::collect_dir(tmp.path, opts, watching);
  CHECK(watched.written);
  CHECK(watched.checkpoints_deleted == 0);
  CHECK(left().size() == 4);
}

TEST_CASE("collect reads and deletes nothing outside a job's folder, symlinks resolved", "[collect]") {
  temp_dir tmp;
  auto sweep_dir = tmp.path / "root" / "s";
  auto outside = tmp.path / "outside";
  write_text(outside / "model_epoch_0001.pyth", "x");
  write_text(outside / "model_epoch_0002.pyth", "x");
  write_text(outside / "secret.txt", "TOPSECRET\n");
  write_text(outside / "stdout.log", sweep::json_stats_writer::format_line("secret", {{"v", "TOPSECRET"}}) + "\n");
  write_text(outside / "checkpoints" / "model_epoch_0003.pyth", "x");
  for (int i = 0; i < 4; ++i) write_text(sweep_dir / "cfgs" / fmt::format("{:06d}.yaml", i), "{}\n");
  auto job = [&](int i) { return sweep_dir / "logs" / fmt::format("{:06d}", i); };
  for (int i = 0; i < 3; ++i) {
    write_text(job(i) / "stdout.log", epoch_line("test_epoch", 1, 1, 3.0) + "\n");
    write_text(job(i) / "stderr.log", "");
  }
  // 0: checkpoints/ is a symlink out of the job's folder; 1: stderr.log and a checkpoint are symlinks out;
  // 2: a checkpoint folder that is a symlink inside the job's folder (followed); 3: the job folder itself leads out.
  fs::create_directory_symlink(outside, job(0) / "checkpoints");
  fs::remove(job(1) / "stderr.log");
  fs::create_symlink(outside / "secret.txt", job(1) / "stderr.log");
  write_text(job(1) / "checkpoints" / "model_epoch_0001.pyth", "x");
  fs::create_symlink(outside / "model_epoch_0002.pyth", job(1) / "checkpoints" / "model_epoch_0002.pyth");
  write_text(job(2) / "real" / "model_epoch_0001.pyth", "x");
  fs::create_directory_symlink("real", job(2) / "checkpoints");
  fs::create_directory_symlink(outside, job(3));

  sweep::collect_options opts;
  opts.checkpoints_keep = "none";
  auto result = sweep::collect_dir(sweep_dir, opts, threads(2));
  auto issues = result.all_issues();
  CHECK(has_issue(issues, job(0) / "checkpoints", 0, "resolves outside the job's folder (a symlink?): no checkpoints deleted"));
  CHECK(has_issue(issues, job(1) / "stderr.log", 0, "resolves outside the job's folder (a symlink?): not read"));
  CHECK(has_issue(issues, job(3) / "stdout.log", 0, "resolves outside the job's folder (a symlink?): not read"));
  CHECK(has_issue(issues, job(3) / "checkpoints", 0, "no checkpoints deleted"));
  CHECK(result.checkpoints_deleted == 3);  // job 1's file and the link (not its target), job 2's file
  CHECK(fs::exists(outside / "model_epoch_0001.pyth"));
  CHECK(fs::exists(outside / "model_epoch_0002.pyth"));
  CHECK(fs::exists(outside / "checkpoints" / "model_epoch_0003.pyth"));
  CHECK(fs::is_empty(job(1) / "checkpoints"));
  CHECK(fs::is_empty(job(2) / "real"));
  auto text = read_text(sweep_dir / "sweep.json");
  CHECK(text.find("TOPSECRET") == std::string::npos);
  CHECK(json::parse(text).size() == 4);

  // The config check refuses the names before anything is read.
  for (auto [field, value, message] :
       {std::tuple{&sweep::collect_options::checkpoint_dir, "../../../..", "COLLECT.CHECKPOINT_DIR: '../../../..' has a '..' part"},
        {&sweep::collect_options::checkpoint_dir, "", "COLLECT.CHECKPOINT_DIR: is empty"},
        {&sweep::collect_options::checkpoint_dir, ".", "COLLECT.CHECKPOINT_DIR: '.' has a '.' part"},
        {&sweep::collect_options::err_file, "../../secret", "COLLECT.ERR_FILE: '../../secret' has a '..' part"},
        {&sweep::collect_options::log_file, "/etc/passwd", "COLLECT.LOG_FILE: '/etc/passwd' is absolute"},
        {&sweep::collect_options::log_file, "a//b.log", "COLLECT.LOG_FILE: 'a//b.log' has an empty part"},
        {&sweep::collect_options::checkpoint_prefix, "", "COLLECT.CHECKPOINT_PREFIX: is empty"},
        {&sweep::collect_options::checkpoint_prefix, "../x", "COLLECT.CHECKPOINT_PREFIX: '../x' has a '/'"}}) {
    auto bad = opts;
    bad.*field = value;
    CHECK_THROWS_WITH(sweep::collect_dir(sweep_dir, bad), Catch::Contains(message));
  }
  CHECK(fs::exists(outside / "secret.txt"));
}

TEST_CASE("a log record nested deeper than sweep.json may hold is a corrupt line, the job still collected", "[collect]") {
  temp_dir tmp;
  write_text(tmp.path / "cfgs" / "000000.yaml", "{}\n");
  auto log = tmp.path / "logs" / "000000" / "stdout.log";
  auto nested = [](int depth) {
    std::string v;
    for (int d = 0; d < depth; ++d) v += "{\"b\": 1, \"a\": ";  // keys out of order: sorted through a DOM
    v += "1";
    v.append(static_cast<std::size_t>(depth), '}');
    return "json_stats: {\"_type\": \"x\", \"v\": " + v + "}\n";
  };
  // The record is one level, so its value may nest 998 more; the job's entry adds one: 1000 in sweep.json.
  write_text(log, epoch_line("test_epoch", 1, 1, 3.0) + "\n" + nested(100000) + nested(998));
  write_text(tmp.path / "logs" / "000000" / "stderr.log", "");
  auto result = sweep::collect_dir(tmp.path, {}, threads(1));
  CHECK(has_issue(result.all_issues(), log, 2, "corrupt record skipped: nested more than 999 levels deep"));
  CHECK(result.all_issues().size() == 1);
  auto sweep_json = json::parse(read_text(tmp.path / "sweep.json"));
  CHECK(sweep_json[0]["test_epoch"]["top1_err"] == json{3.0});
  CHECK(sweep_json[0]["x"]["v"]["b"] == 1);  // the record at the limit is kept
  write_text(log, epoch_line("test_epoch", 1, 1, 3.0) + "\n" + nested(999));
  result = sweep::collect_dir(tmp.path, {}, threads(1));
  CHECK(has_issue(result.all_issues(), log, 2, "nested more than 999 levels deep"));
}

TEST_CASE("collect of a sweep config: ROOT_DIR/NAME, NUM_PROC threads, progress reported", "[collect]") {
  temp_dir tmp;
  sweep::sweep_config cfg;
  cfg.root_dir = tmp.path.string();
  cfg.name = "fake/optim_64";
  cfg.num_proc = 2;
  copy_fixture(tmp.path / "fake" / "optim_64");
  std::size_t last_done = 0, last_total = 0;
  sweep::collect_run_options run;
  run.progress = [&](std::size_t done, std::size_t total) {
    last_done = done;
    last_total = total;
  };
  auto result = sweep::collect(cfg, run);
  CHECK(result.sweep_file == tmp.path / "fake" / "optim_64" / "sweep.json");
  CHECK(last_total == 64);
  CHECK(last_done == 64);
  CHECK(sweep::status_line(sweep::read_status(cfg)) == "jobs_started=64/64, jobs_done=64/64, epochs_done=3200/3200");
  cfg.name = "missing";
  CHECK_THROWS_WITH(sweep::collect(cfg), Catch::Contains("cfgs folder not found"));
}
