// Analyse 64 / 1,000 / 10,000 jobs: the fake_optim_64 fixture's jobs repeated
// with their lr, wd and errors jittered (50 epochs each, like the fixture), and
// cifar_optim's ANALYZE options. Reports the size of sweep.json and of the page.
#include <sweep/config/load.hpp>
#include <sweep/analyze/analyze.hpp>

#include <benchmark/benchmark.h>

#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>

namespace {

const std::string data_dir = std::string(SWEEP_SOURCE_DIR) + "/tests/data/analyze";

/// sweep.json text for n jobs (made once per size).
const std::string& sweep_text(int n) {
  static std::map<int, std::string> made;
  auto& text = made[n];
  if (!text.empty()) return text;
  std::ifstream in(data_dir + "/sweep.json");
  std::stringstream s;
  s << in.rdbuf();
  auto base = nlohmann::json::parse(s.str());
  std::mt19937 rng(1);
  std::uniform_real_distribution<double> jitter(0.9, 1.1);
  auto all = nlohmann::json::array();
  for (int i = 0; i < n; ++i) {
    auto job = base[static_cast<std::size_t>(i) % base.size()];
    job["cfg"]["OPTIM"]["BASE_LR"] = job["cfg"]["OPTIM"]["BASE_LR"].get<double>() * jitter(rng);
    job["cfg"]["OPTIM"]["WEIGHT_DECAY"] = job["cfg"]["OPTIM"]["WEIGHT_DECAY"].get<double>() * jitter(rng);
    double e = jitter(rng);
    for (auto* rec : {"train_epoch", "test_epoch", "test_ema_epoch"}) {
      for (auto* key : {"top1_err", "min_top1_err"}) {
        if (!job[rec].contains(key)) continue;
        for (auto& v : job[rec][key]) v = v.get<double>() * e;
      }
    }
    char log[64];
    std::snprintf(log, sizeof log, "/sweeps/fake/optim_64/logs/%06d/stdout.log", i);
    job["log_file"] = log;
    all.push_back(std::move(job));
  }
  text = all.dump();
  return text;
}

const sweep::sweep_config& config() {
  static const auto cfg = sweep::load_sweep_config(data_dir + "/sweep_cfg.yaml");
  return cfg;
}

void BM_load_sweep(benchmark::State& state) {
  const auto& text = sweep_text(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto s = sweep::parse_sweep(text, "sweep.json", "optim_64", config().analyze.error,
                                sweep::analysis_reads(config().analyze));
    benchmark::DoNotOptimize(s.jobs.data());
  }
  state.counters["json_MB"] = static_cast<double>(text.size()) / 1e6;
}

void BM_analyze(benchmark::State& state) {
  const auto& text = sweep_text(static_cast<int>(state.range(0)));
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::vector<sweep::sweep_data> sweeps;
    // As `sweep analyze` loads it: what the config's analysis reads.
    sweeps.push_back(sweep::parse_sweep(text, "sweep.json", "optim_64", config().analyze.error,
                                        sweep::analysis_reads(config().analyze)));
    auto html = sweep::analysis_html(config(), std::move(sweeps));
    bytes = html.size();
    benchmark::DoNotOptimize(html.data());
  }
  state.counters["json_MB"] = static_cast<double>(text.size()) / 1e6;
  state.counters["report_MB"] = static_cast<double>(bytes) / 1e6;
}

void BM_report_only(benchmark::State& state) {
  // Loaded as `sweep analyze` loads: the metrics every job is plotted by are looked up already.
  auto loaded = sweep::parse_sweep(sweep_text(static_cast<int>(state.range(0))), "sweep.json", "optim_64",
                                   config().analyze.error, sweep::analysis_reads(config().analyze));
  for (auto _ : state) {
    auto html = sweep::analysis_html(config(), {loaded});
    benchmark::DoNotOptimize(html.data());
  }
}

}  // namespace

BENCHMARK(BM_load_sweep)->Arg(64)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_analyze)->Arg(64)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_report_only)->Arg(64)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();
