// Made-up sweeps in pycls's sweep.json format, for the report tests and for
// same_page/ (which compares pages of two versions of the library).
#pragma once

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace sweep_test {

/// A made-up job record in pycls's sweep.json format (errors fall with epochs and depend on lr).
inline nlohmann::json synthetic_job(int i, const std::string& model, int epochs, std::mt19937& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  nlohmann::json cfg = {{"MODEL", {{"TYPE", model}}}, {"TRAIN", {{"IM_SIZE", 32}}},
                        {"OPTIM", {{"BASE_LR", 0.25 + 4 * u(rng)}, {"WEIGHT_DECAY", 5e-5 + 1e-3 * u(rng)}, {"MAX_EPOCH", epochs}}}};
  if (model == "regnet") {
    cfg["REGNET"] = {{"DEPTH", 12 + static_cast<int>(16 * u(rng))}, {"W0", 8 * (1 + static_cast<int>(31 * u(rng)))},
                     {"WA", 8 + 100 * u(rng)}, {"WM", 2 + u(rng)}, {"GROUP_W", 8}, {"BOT_MUL", 1.0}};
  }
  cfg["DESC"] = "OPTIM.BASE_LR " + std::to_string(cfg["OPTIM"]["BASE_LR"].get<double>());
  double final_err = 5 + 10 * u(rng);
  auto record = [&](double scale) {
    std::vector<double> err, min_err, ind, max, mem, time;
    double best = 100;
    for (int e = 1; e <= epochs; ++e) {
      double v = final_err * scale + 80.0 * (epochs - e) / epochs + u(rng);
      best = std::min(best, v);
      err.push_back(v);
      min_err.push_back(best);
      ind.push_back(e);
      max.push_back(epochs);
      mem.push_back(5000 + 100 * u(rng));
      time.push_back(2 + u(rng));
    }
    return nlohmann::json{{"top1_err", err}, {"min_top1_err", min_err}, {"epoch_ind", ind}, {"epoch_max", max},
                          {"mem", mem}, {"time_epoch", time}};
  };
  char log[64];
  std::snprintf(log, sizeof log, "/sweeps/x/logs/%06d/stdout.log", i);
  return {{"cfg", cfg}, {"complexity", {{"flops", 1e8 * (1 + u(rng))}, {"params", 1e6 * (1 + u(rng))}, {"acts", 5e5 * (1 + u(rng))}}},
          {"epoch_times", {{"train_fw_bw_time", 2 + u(rng)}}}, {"train_epoch", record(3)}, {"test_epoch", record(1.05)},
          {"test_ema_epoch", record(1)}, {"log_file", log}, {"err", ""}};
}

/// Writes dir/sweep.json: n jobs of `model`, epochs cycling through `epochs`, and one job that never started.
inline void write_synthetic(const std::filesystem::path& dir, int n, const std::string& model, const std::vector<int>& epochs,
                            bool one_unfinished) {
  std::mt19937 rng(42);
  nlohmann::json all = nlohmann::json::array();
  for (int i = 0; i < n; ++i) all.push_back(synthetic_job(i, model, epochs[static_cast<std::size_t>(i) % epochs.size()], rng));
  if (one_unfinished) all.push_back({{"cfg", {{"DESC", "not started"}}}, {"log_file", "/sweeps/x/logs/999999/stdout.log"}});
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "sweep.json") << all.dump();
}

}  // namespace sweep_test
