// Analyse 1,000 / 10,000 / 100,000 jobs: the fake_optim_64 fixture's jobs
// repeated with their lr, wd and errors jittered (50 epochs each, like the
// fixture), and cifar_optim's ANALYZE options. Reports the size of sweep.json
// and of the page. `bench_analyze --write-sweep DIR JOBS` writes the same
// sweep.json as a sweep folder (DIR/sweep_cfg.yaml, DIR/fake/optim_64/), to
// time `sweep analyze` end to end (peak memory included) on it.
#include <sweep/config/load.hpp>
#include <sweep/analyze/analyze.hpp>

#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <string_view>

namespace {

const std::string data_dir = std::string(SWEEP_SOURCE_DIR) + "/tests/data/analyze";

/// sweep.json text for n jobs (made once per size; shared, as load_sweep shares a file's text with the jobs).
const std::shared_ptr<const std::string>& sweep_text(int n) {
  static std::map<int, std::shared_ptr<const std::string>> made;
  if (auto it = made.find(n); it != made.end()) return it->second;
  std::string text;
  std::ifstream in(data_dir + "/sweep.json");
  std::stringstream s;
  s << in.rdbuf();
  auto base = nlohmann::json::parse(s.str());
  std::mt19937 rng(1);
  std::uniform_real_distribution<double> jitter(0.9, 1.1);
  // Each job dumped as it is made: a tree of 100,000 jobs would take gigabytes.
  text = "[";
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
    if (i > 0) text += ',';
    text += job.dump();
  }
  text += ']';
  return made[n] = std::make_shared<const std::string>(std::move(text));
}

const sweep::sweep_config& config() {
  static const auto cfg = sweep::load_sweep_config(data_dir + "/sweep_cfg.yaml");
  return cfg;
}

void BM_load_sweep(benchmark::State& state) {
  const auto& text = sweep_text(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto s = sweep::parse_sweep(text, "sweep.json", "optim_64", config().analyze.error, sweep::analysis_reads(config()));
    benchmark::DoNotOptimize(s.jobs.data());
  }
  state.counters["json_MB"] = static_cast<double>(text->size()) / 1e6;
}

void BM_analyze(benchmark::State& state) {
  const auto& text = sweep_text(static_cast<int>(state.range(0)));
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::vector<sweep::sweep_data> sweeps;
    // As `sweep analyze` loads it: what the config's analysis reads.
    sweeps.push_back(sweep::parse_sweep(text, "sweep.json", "optim_64", config().analyze.error, sweep::analysis_reads(config())));
    auto html = sweep::analysis_html(config(), std::move(sweeps));
    bytes = html.size();
    benchmark::DoNotOptimize(html.data());
  }
  state.counters["json_MB"] = static_cast<double>(text->size()) / 1e6;
  state.counters["report_MB"] = static_cast<double>(bytes) / 1e6;
}

void BM_report_only(benchmark::State& state) {
  // Loaded as `sweep analyze` loads: the metrics every job is plotted by are looked up already.
  auto loaded = sweep::parse_sweep(sweep_text(static_cast<int>(state.range(0))), "sweep.json", "optim_64",
                                   config().analyze.error, sweep::analysis_reads(config()));
  for (auto _ : state) {
    auto html = sweep::analysis_html(config(), {loaded});
    benchmark::DoNotOptimize(html.data());
  }
}

}  // namespace

BENCHMARK(BM_load_sweep)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_analyze)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_report_only)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond)->UseRealTime();

int main(int argc, char** argv) {
  if (argc == 4 && std::string_view(argv[1]) == "--write-sweep") {
    std::filesystem::path dir = argv[2];
    std::ifstream in(data_dir + "/sweep_cfg.yaml");
    std::stringstream cfg;
    cfg << in.rdbuf();
    auto yaml = cfg.str();
    yaml.replace(yaml.find("ROOT_DIR: /sweeps"), 17, "ROOT_DIR: " + std::filesystem::absolute(dir).string());
    std::filesystem::create_directories(dir / "fake" / "optim_64");
    std::ofstream(dir / "sweep_cfg.yaml") << yaml;
    std::ofstream(dir / "fake" / "optim_64" / "sweep.json", std::ios::binary) << *sweep_text(std::stoi(argv[3]));
    return 0;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
