// A log format of your own: jobs that write a plain CSV of `epoch,error` (not
// pycls's json_stats lines) are collected and analysed like any sweep. Written
// against sweep's public API only and registered by name, the format is chosen
// like a built-in one (COLLECT.FORMAT: plain_csv), with its own keys
// COLLECT.PLAIN_CSV.FILE and .EPOCHS. collect still does what every format
// shares: finding the started jobs, the incremental cache, stderr, the status
// line, writing sweep.json. See docs/extend.md, "A log format".
//
//   extend_csv_log_format --root DIR [--configs N]      a whole sweep: setup, launch, collect, analyze
//   extend_csv_log_format --train --cfg F --out DIR     one job (what LAUNCH.COMMAND runs)
#include <sweep/sweep.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

/// @brief errors.csv in each job's folder: a header `epoch,error`, then one line per epoch (1-based),
/// the error in percent.
struct plain_csv_format {
  static constexpr std::string_view name = "plain_csv";  // COLLECT.FORMAT: plain_csv

  struct options {  // COLLECT.PLAIN_CSV: {FILE: errors.csv, EPOCHS: 0}
    BOOST_HANA_DEFINE_STRUCT(options,
      (std::string, file),       // in the job's folder
      (std::int64_t, epochs));   // epochs a job runs; 0: its config's OPTIM.MAX_EPOCH
    options() : file("errors.csv"), epochs(0) {}
  };

  std::vector<std::string> log_files(const options& o, const sweep::collect_options&) const { return {o.file}; }

  void check(const options& o) const {
    if (o.epochs < 0) throw sweep::error({}, "COLLECT.PLAIN_CSV.EPOCHS", "expected 0 (from the job config) or more");
  }

  void read(const options& o, const sweep::job_files& job, sweep::job_record& out) const {
    auto cfg = sweep::read_job_config(job, out);  // the config setup wrote for the job: analyse errors against it
    std::int64_t max = o.epochs;
    if (max == 0 && cfg.contains("OPTIM") && cfg["OPTIM"].contains("MAX_EPOCH")) max = cfg["OPTIM"]["MAX_EPOCH"].get<std::int64_t>();
    if (!cfg.is_null()) out.data["cfg"] = std::move(cfg);
    const auto& log = job.logs.front();
    std::istringstream in{std::string(log.text)};
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      if (n == 1 && line == "epoch,error") continue;
      int epoch = 0;
      double error = 0;
      char rest = 0;
      if (std::sscanf(line.c_str(), "%d,%lf%c", &epoch, &error, &rest) != 2 || epoch < 1) {
        out.issue(log.file, n, fmt::format("line skipped: expected `epoch,error`, got '{}'", line));
        continue;
      }
      ++out.records;
      out.add_epoch("test_epoch", epoch, std::max<std::int64_t>(max, epoch), {{"top1_err", error}});
    }
    out.progress_from("test_epoch");  // jobs_done and epochs_done count test_epoch's last epoch
  }
};

SWEEP_REGISTER(sweep::register_log_format<plain_csv_format>);

/// @brief One job: a made-up training run whose error depends on the learning rate, logged as errors.csv.
int train(const fs::path& cfg_file, const fs::path& out_dir) {
  auto cfg = sweep::load_yaml_file(cfg_file);
  double lr = cfg.find("OPTIM.BASE_LR")->as_float();
  auto epochs = cfg.find("OPTIM.MAX_EPOCH")->as_int();
  fs::create_directories(out_dir);
  std::ofstream csv(out_dir / "errors.csv");
  csv << "epoch,error\n";
  for (std::int64_t e = 1; e <= epochs; ++e) {
    double error = 5 + 20 * std::abs(std::log10(lr) + 1) + 40.0 / static_cast<double>(e);
    csv << e << ',' << fmt::format("{:.2f}", error) << '\n' << std::flush;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("A user's log format (epoch,error CSV files) collecting a whole sweep");
  fs::path root, cfg_file, out_dir;
  bool job = false;
  int configs = 4;
  app.add_flag("--train", job, "Run one job (what LAUNCH.COMMAND runs)");
  app.add_option("--cfg", cfg_file, "The job's config (with --train)");
  app.add_option("--out", out_dir, "The job's folder (with --train)");
  app.add_option("--root", root, "Where the sweep goes (ROOT_DIR)");
  app.add_option("--configs", configs, "SETUP.NUM_CONFIGS");
  CLI11_PARSE(app, argc, argv);

  try {
    if (job) return train(cfg_file, out_dir);
    if (root.empty()) throw sweep::error("expected --root DIR (or --train)");
    // The config, as a user writes it: COLLECT.FORMAT picks the format, COLLECT.PLAIN_CSV holds its keys,
    // ANALYZE.ERROR reads the error it logs.
    auto self = fs::canonical("/proc/self/exe").string();
    fs::create_directories(root);
    auto sweep_file = root / "plain_csv.yaml";
    std::ofstream(sweep_file) << fmt::format(
        "ROOT_DIR: {}\nNAME: plain_csv\nNUM_PROC: 2\n"
        "SETUP:\n  NUM_CONFIGS: {}\n  BASE_CFG: {{OPTIM: {{MAX_EPOCH: 5}}}}\n"
        "  SAMPLERS:\n    OPTIM.BASE_LR: {{TYPE: float_sampler, RAND_TYPE: log_uniform, RANGE: [0.001, 1.0], QUANTIZE: 1.0e-5}}\n"
        "LAUNCH:\n  COMMAND: {} --train --cfg {{cfg}} --out {{out_dir}}\n  LOCAL_JOBS: 2\n"
        "COLLECT:\n  FORMAT: plain_csv\n  PLAIN_CSV: {{FILE: errors.csv}}\n"
        "ANALYZE:\n  ERROR: test_epoch.top1_err\n  METRICS: [lr]\n",
        root.string(), configs, self);
    auto cfg = sweep::load_sweep_config(sweep_file);
    fs::remove_all(sweep::sweep_dir(cfg));

    sweep::setup(cfg);
    sweep::launch_request request;
    request.yes = true;
    request.progress = nullptr;
    auto launched = sweep::launch(cfg, request);
    fmt::print("launch: {} done, {} failed\n", launched.done, launched.failed);

    auto collected = sweep::collect(cfg);
    for (auto& issue : collected.all_issues()) fmt::print("warning: {}\n", issue.to_string());
    fmt::print("collect with {}: {}\n", cfg.collect.format, sweep::status_line(collected));

    auto report = sweep::analyze(cfg);
    auto best = sweep::sorted_by_error(sweep::load_sweep(sweep::sweep_layout(sweep::sweep_dir(cfg)).sweep_file(), "plain_csv",
                                                         cfg.analyze.error));
    fmt::print("best job: {} (error {:.2f}, lr {})\n", best.front().id, best.front().error,
               best.front().field("cfg.OPTIM.BASE_LR")->dump());
    fmt::print("report: {}\n", report.string());
  } catch (const sweep::error& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  return 0;
}
