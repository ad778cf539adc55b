// Seed repeats (SETUP.REPEATS): a config's runs found by their shared DESC and
// averaged, their spread, the two-stage bootstrap band around the EDF of the
// means, and a sweep without repeats left exactly as it was.
#include <sweep/analyze/repeats.hpp>
#include <sweep/analyze/sweep_data.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace {

/// A sweep.json of `configs` configs x `runs` runs: config c's true error is 10 + c, each run adds
/// normal noise of `seed_sd` (the seed's effect); jobs are numbered as setup numbers them.
std::string repeated_sweep(int configs, int runs, double seed_sd, unsigned seed = 7) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0, seed_sd);
  nlohmann::json all = nlohmann::json::array();
  for (int c = 0; c < configs; ++c) {
    for (int r = 0; r < runs; ++r) {
      double e = 10 + c + (seed_sd > 0 ? noise(rng) : 0);
      all.push_back({{"cfg", {{"DESC", fmt::format("OPTIM.BASE_LR {}", c)}, {"RNG_SEED", 1 + r}, {"OPTIM", {{"BASE_LR", c}}}}},
                     {"test_ema_epoch", {{"min_top1_err", {e + 5, e}}, {"epoch_ind", {1, 2}}, {"epoch_max", {2, 2}}}},
                     {"log_file", fmt::format("/s/logs/{:06d}/stdout.log", c * runs + r)}});
    }
  }
  return all.dump();
}

}  // namespace

TEST_CASE("repeats: a config's runs (same DESC) become one job at their mean error") {
  auto sweep = sweep::parse_sweep(repeated_sweep(4, 3, 0.0), "sweep.json", "s");
  REQUIRE(sweep.jobs.size() == 12);
  auto r = sweep::average_repeats(sweep);
  CHECK(r.repeated());
  CHECK(r.jobs == 12);
  CHECK(r.most_runs() == 3);
  REQUIRE(r.groups.size() == 4);
  REQUIRE(sweep.jobs.size() == 4);
  for (int c = 0; c < 4; ++c) {
    auto& g = r.groups[static_cast<std::size_t>(c)];
    CHECK(g.desc == fmt::format("OPTIM.BASE_LR {}", c));
    CHECK(g.ids == std::vector<std::string>{fmt::format("{:06d}", 3 * c), fmt::format("{:06d}", 3 * c + 1), fmt::format("{:06d}", 3 * c + 2)});
    CHECK(g.mean == Approx(10 + c));
    CHECK(g.sd == 0);
    // the config's job is its first run's, with the mean error
    CHECK(sweep.jobs[static_cast<std::size_t>(c)].id == g.ids[0]);
    CHECK(sweep.jobs[static_cast<std::size_t>(c)].error == Approx(g.mean));
  }
  CHECK(r.seed_sd() == 0);
  CHECK(r.config_sd() == Approx(std::sqrt(5.0 / 3.0)));  // sd of 10, 11, 12, 13
}

TEST_CASE("repeats: mean, sample sd, min and max of uneven runs; the pooled seed spread") {
  nlohmann::json all = nlohmann::json::array();
  auto job = [&](const std::string& desc, double e, int id) {
    all.push_back({{"cfg", {{"DESC", desc}, {"RNG_SEED", id}}}, {"test_ema_epoch", {{"min_top1_err", {e}}, {"epoch_ind", {1}}, {"epoch_max", {1}}}},
                   {"log_file", fmt::format("/s/logs/{:06d}/stdout.log", id)}});
  };
  job("a", 1, 0);
  job("b", 10, 1);
  job("a", 3, 2);
  job("a", 5, 3);
  job("b", 14, 4);
  auto sweep = sweep::parse_sweep(all.dump(), "sweep.json", "s");
  auto r = sweep::average_repeats(sweep);
  REQUIRE(r.groups.size() == 2);
  CHECK(r.groups[0].mean == Approx(3));
  CHECK(r.groups[0].sd == Approx(2));  // sample sd of 1, 3, 5
  CHECK(r.groups[0].min == 1);
  CHECK(r.groups[0].max == 5);
  CHECK(r.groups[1].mean == Approx(12));
  CHECK(r.groups[1].sd == Approx(std::sqrt(8.0)));
  // pooled: (2 x 4 + 1 x 8) / 3
  CHECK(r.seed_sd() == Approx(std::sqrt(16.0 / 3.0)));
  CHECK(sweep::seed_resolution(r) == Approx(1.96 * std::sqrt(16.0 / 3.0) * std::sqrt(2.0 / 3.0)));
}

TEST_CASE("repeats: a sweep with one run per config is left as it was") {
  auto sweep = sweep::parse_sweep(repeated_sweep(5, 1, 1.0), "sweep.json", "s");
  auto before = sweep.jobs;
  auto r = sweep::average_repeats(sweep);
  CHECK_FALSE(r.repeated());
  REQUIRE(sweep.jobs.size() == before.size());
  for (std::size_t i = 0; i < before.size(); ++i) {
    CHECK(sweep.jobs[i].id == before[i].id);
    CHECK(sweep.jobs[i].error == before[i].error);
  }
  // jobs sharing a DESC without distinct seeds (a program logging one DESC for all) are configs of their own
  auto same = nlohmann::json::parse(repeated_sweep(1, 4, 1.0));
  for (auto& j : same) j["cfg"]["RNG_SEED"] = 1;
  auto constant = sweep::parse_sweep(same.dump(), "sweep.json", "s");
  auto c = sweep::average_repeats(constant);
  CHECK_FALSE(c.repeated());
  CHECK(c.groups.size() == 4);
  CHECK(constant.jobs.size() == 4);
  for (auto& j : same) j["cfg"].erase("RNG_SEED");
  constant = sweep::parse_sweep(same.dump(), "sweep.json", "s");
  CHECK_FALSE(sweep::average_repeats(constant).repeated());
  // jobs without a DESC are configs of their own
  auto bare = sweep::parse_sweep(R"([{"test_ema_epoch": {"min_top1_err": [1], "epoch_ind": [1], "epoch_max": [1]}, "log_file": "/s/logs/000000/stdout.log"},
                                    {"test_ema_epoch": {"min_top1_err": [2], "epoch_ind": [1], "epoch_max": [1]}, "log_file": "/s/logs/000001/stdout.log"}])",
                                 "sweep.json", "s");
  CHECK_FALSE(sweep::average_repeats(bare).repeated());
  CHECK(bare.jobs.size() == 2);
}

TEST_CASE("repeats: the bootstrap band holds the EDF of the means, and narrows with more configs and less seed noise") {
  sweep::bootstrap_options opt;
  opt.resamples = 400;
  opt.seed = 3;
  auto band_of = [&](int configs, int runs, double sd) {
    auto sweep = sweep::parse_sweep(repeated_sweep(configs, runs, sd), "sweep.json", "s");
    auto r = sweep::average_repeats(sweep);
    return std::pair{r, sweep::bootstrap_edf_band(r.groups, opt)};
  };
  auto [r, band] = band_of(40, 3, 2.0);
  REQUIRE(band.x.size() == 200);
  CHECK(band.level == 95);
  std::vector<double> means;
  for (auto& g : r.groups) means.push_back(g.mean);
  std::sort(means.begin(), means.end());
  std::size_t inside = 0;
  for (std::size_t p = 0; p < band.x.size(); ++p) {
    CHECK(band.low[p] <= band.high[p]);
    if (p > 0) {
      CHECK(band.low[p] >= band.low[p - 1]);  // EDFs rise, so do their percentiles
      CHECK(band.high[p] >= band.high[p - 1]);
    }
    double edf = static_cast<double>(std::upper_bound(means.begin(), means.end(), band.x[p]) - means.begin()) / 40.0;
    if (band.low[p] <= edf && edf <= band.high[p]) ++inside;
  }
  CHECK(inside >= 190);  // the EDF of the means lies in its own band (pointwise 95 %: a few steps may leave it)
  CHECK(band.low.front() == 0);
  CHECK(band.high.back() == 1);
  auto widest = [](const sweep::edf_band& b) {
    double w = 0;
    for (std::size_t p = 0; p < b.x.size(); ++p) w = std::max(w, b.high[p] - b.low[p]);
    return w;
  };
  // More configs, a narrower band (the sampling of configs: about 2 x 1.96 x 0.5 / sqrt(n) at the median).
  CHECK(widest(band_of(40, 3, 0.0).second) > 0.2);
  CHECK(widest(band_of(400, 3, 0.0).second) < 0.15);
  // One config: only its runs are resampled. Without seed noise the EDF is a step the band cannot move;
  // with it, the mean moves, and the band opens around it.
  CHECK(widest(band_of(1, 20, 0.0).second) == 0);
  CHECK(widest(band_of(1, 20, 2.0).second) > 0.5);
  // The same seed gives the same band.
  CHECK(band_of(40, 3, 2.0).second.high == band.high);
}
