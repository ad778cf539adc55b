// Parameter importance (functional-ANOVA main effects, omega^2 over bins) on
// synthetic sweeps whose answer is known: the error depends on one key, on two
// keys with an interaction, or on none.
#include <sweep/analyze/importance.hpp>
#include <sweep/analyze/parameters.hpp>
#include <sweep/config/load.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace {

struct synthetic {
  std::vector<double> errors;
  std::vector<std::vector<double>> params;
};

/// n jobs with three keys uniform in [-1, 1]; error = f(x0, x1, x2) + noise.
template <class F>
synthetic make(std::size_t n, F f, double noise, unsigned seed = 1) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  std::normal_distribution<double> z(0, noise);
  synthetic s;
  s.params.assign(3, {});
  for (std::size_t i = 0; i < n; ++i) {
    double x0 = u(rng), x1 = u(rng), x2 = u(rng);
    s.params[0].push_back(x0);
    s.params[1].push_back(x1);
    s.params[2].push_back(x2);
    s.errors.push_back(f(x0, x1, x2) + (noise > 0 ? z(rng) : 0.0));
  }
  return s;
}

const std::vector<std::string> keys = {"a", "b", "c"};

}  // namespace

TEST_CASE("importance: an error that depends on one key gives it the whole variance") {
  auto s = make(2000, [](double a, double, double) { return 3 * a; }, 0.0);
  auto r = sweep::main_effects(s.errors, s.params, keys, {10, 200, 5, 7});
  REQUIRE(r.shares.size() == 3);
  // Binning a linear effect into 10 equal-count bins keeps 1 - 1/10^2 of its variance.
  CHECK(r.shares[0].share == Approx(0.99).margin(0.01));
  CHECK(r.shares[1].share < 0.01);
  CHECK(r.shares[2].share < 0.01);
  CHECK(r.shares[0].low <= r.shares[0].share);
  CHECK(r.shares[0].share <= r.shares[0].high);
  CHECK(r.shares[0].low > 0.97);
  CHECK(r.rest.share < 0.02);
}

TEST_CASE("importance: two keys with an interaction split the variance as the ANOVA says") {
  // e = a + b + a*b on [-1,1]^2: Var(a) = Var(b) = 1/3, Var(ab) = 1/9, total 7/9.
  // Main effects 3/7 each; interaction 1/7.
  auto s = make(10000, [](double a, double b, double) { return a + b + a * b; }, 0.0, 3);
  auto r = sweep::main_effects(s.errors, s.params, keys, {20, 100, 5, 1});
  CHECK(r.shares[0].share == Approx(3.0 / 7).margin(0.02));
  CHECK(r.shares[1].share == Approx(3.0 / 7).margin(0.02));
  CHECK(r.shares[2].share < 0.01);
  CHECK(r.rest.share == Approx(1.0 / 7).margin(0.03));
  // The true shares lie inside the intervals.
  CHECK(r.shares[0].low <= 3.0 / 7 + 0.01);
  CHECK(r.shares[0].high >= 3.0 / 7 - 0.01);
  // A pure interaction has no main effects at all.
  auto x = make(5000, [](double a, double b, double) { return a * b; }, 0.0, 4);
  auto rx = sweep::main_effects(x.errors, x.params, keys, {10, 100, 5, 1});
  for (auto& sh : rx.shares) CHECK(sh.share < 0.02);
  CHECK(rx.rest.share > 0.95);
}

TEST_CASE("importance: an error that depends on no key gives every key about nothing") {
  auto s = make(500, [](double, double, double) { return 0.0; }, 1.0, 5);
  auto r = sweep::main_effects(s.errors, s.params, keys, {10, 400, 5, 2});
  for (auto& sh : r.shares) {
    CHECK(sh.share < 0.03);
    CHECK(sh.low == 0);  // the interval reaches 0: no evidence of an effect
  }
  CHECK(r.rest.share > 0.9);
  // Without the bias correction, 10 bins over 500 pure-noise jobs would explain ~9/499 each.
}

TEST_CASE("importance: noise widens the intervals, a categorical key works, edge cases hold") {
  auto s = make(400, [](double a, double, double) { return a; }, 0.5, 6);
  auto r = sweep::main_effects(s.errors, s.params, keys, {10, 300, 5, 3});
  // Var(a) = 1/3, noise 1/4: share 4/7.
  CHECK(r.shares[0].share == Approx(4.0 / 7).margin(0.08));
  CHECK(r.shares[0].high - r.shares[0].low > 0.05);
  CHECK(r.shares[0].low > 0.4);
  // Two values only (a choice): one bin each.
  std::vector<double> choice, err;
  for (int i = 0; i < 200; ++i) {
    choice.push_back(i % 2);
    err.push_back(i % 2 ? 10.0 : 12.0);
  }
  auto c = sweep::main_effects(err, {choice}, {"choice"}, {10, 50, 5, 0});
  CHECK(c.shares[0].share == Approx(1.0));
  // Constant error, no jobs: nothing to explain, no failure.
  auto k = sweep::main_effects(std::vector<double>(50, 3.0), {choice = std::vector<double>(50, 1.0)}, {"x"});
  CHECK(k.shares[0].share == 0);
  auto e = sweep::main_effects({}, {{}}, {"x"});
  CHECK(e.shares[0].share == 0);
  CHECK_THROWS(sweep::main_effects({1, 2}, {{1}}, {"x"}));
}

TEST_CASE("importance: the same seed gives the same intervals") {
  auto s = make(300, [](double a, double b, double) { return a + 0.5 * b; }, 0.3, 8);
  auto r1 = sweep::main_effects(s.errors, s.params, keys, {10, 100, 5, 11});
  auto r2 = sweep::main_effects(s.errors, s.params, keys, {10, 100, 5, 11});
  for (std::size_t k = 0; k < 3; ++k) {
    CHECK(r1.shares[k].low == r2.shares[k].low);
    CHECK(r1.shares[k].high == r2.shares[k].high);
  }
  CHECK(r1.shares[0].share > r1.shares[1].share);
}

TEST_CASE("parameters: the sampled keys, the metrics standing for them, log samplers") {
  auto cfg = sweep::load_sweep_config(std::string(SWEEP_TEST_DATA_DIR) + "/analyze/sweep_cfg.yaml");
  auto params = sweep::sweep_parameters(cfg);
  // lr and wd read the two sampled keys (already log10); lr_wd is derived.
  REQUIRE(params.size() == 3);
  CHECK(params[0].info.name == "lr");
  CHECK(params[1].info.name == "wd");
  CHECK(params[2].info.name == "lr_wd");
  CHECK_FALSE(params[0].log);
  cfg.analyze.metrics.clear();
  params = sweep::sweep_parameters(cfg);
  REQUIRE(params.size() == 2);
  CHECK(params[0].info.key == "cfg.OPTIM.BASE_LR");
  CHECK(params[0].log);
  params = sweep::sweep_parameters(cfg, {"cfg.OPTIM.WEIGHT_DECAY", "epochs"});
  REQUIRE(params.size() == 2);
  CHECK(params[0].log);
  CHECK_FALSE(params[1].log);
}
