#include <sweep/config.hpp>
#include <sweep/error.hpp>
#include <sweep/setup.hpp>
#include <sweep/space.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace fs = std::filesystem;
using namespace sweep::literals;

namespace {

/// An odd integer in [low, high], written with public names only (as examples/custom_sampler.cpp).
struct odd_int_sampler {
  using value_type = std::int64_t;
  std::int64_t low = 1;
  std::int64_t high = 1;

  void validate(std::string_view key) const {
    if (low % 2 == 0 || high % 2 == 0 || low > high) throw sweep::error({}, std::string(key), "expected odd bounds");
  }
  [[nodiscard]] std::int64_t draw(sweep::numpy_rng& rng) const { return low + 2 * rng.randint((high - low) / 2 + 1); }
  void append_key_text(std::string& out, std::string_view key, std::int64_t v) const { sweep::append_key_value(out, key, v); }
  void append_params(sweep::param_list& out, std::string_view key, std::int64_t v) const { out.emplace_back(key, sweep::value{v}); }
};

/// The same values as an axis of grid and zip: a finite sampler.
struct odd_int_axis : odd_int_sampler {
  [[nodiscard]] std::uint64_t size() const { return static_cast<std::uint64_t>((high - low) / 2 + 1); }
  [[nodiscard]] std::int64_t at(std::uint64_t i) const { return low + 2 * static_cast<std::int64_t>(i); }
};

struct no_draw {
  using value_type = double;
  void validate(std::string_view) const {}
};

}  // namespace

TEST_CASE("sweep::sampler accepts the built-in samplers and a custom one") {
  STATIC_REQUIRE(sweep::sampler<sweep::int_sampler>);
  STATIC_REQUIRE(sweep::sampler<sweep::float_sampler>);
  STATIC_REQUIRE(sweep::sampler<decltype(sweep::log_uniform(0.1, 1.0).quantize(0.01))>);
  STATIC_REQUIRE(sweep::sampler<decltype(sweep::choice(1, 2, 3))>);
  STATIC_REQUIRE(sweep::sampler<decltype(sweep::choice("a", "b"))>);
  STATIC_REQUIRE(sweep::sampler<sweep::choice_sampler<sweep::value>>);
  STATIC_REQUIRE(sweep::sampler<decltype(sweep::list_of(3, sweep::uniform(1, 4)))>);
  STATIC_REQUIRE(sweep::sampler<sweep::regnet_sampler>);
  STATIC_REQUIRE(sweep::sampler<decltype(sweep::values(0.1))>);
  STATIC_REQUIRE(sweep::sampler<sweep::int_range_sampler>);
  STATIC_REQUIRE(sweep::sampler<decltype(sweep::linspace(0.1, 0.5, 5))>);
  STATIC_REQUIRE(sweep::sampler<odd_int_sampler>);

  STATIC_REQUIRE_FALSE(sweep::sampler<double>);
  STATIC_REQUIRE_FALSE(sweep::sampler<std::string>);
  STATIC_REQUIRE_FALSE(sweep::sampler<std::vector<double>>);
  STATIC_REQUIRE_FALSE(sweep::sampler<no_draw>);
}

TEST_CASE("sweep::finite_sampler: the axes of grid and zip, built-in and custom") {
  STATIC_REQUIRE(sweep::finite_sampler<decltype(sweep::values(1, 2))>);
  STATIC_REQUIRE(sweep::finite_sampler<decltype(sweep::choice(1, 2))>);
  STATIC_REQUIRE(sweep::finite_sampler<sweep::int_range_sampler>);
  STATIC_REQUIRE(sweep::finite_sampler<sweep::float_range_sampler>);
  STATIC_REQUIRE(sweep::finite_sampler<odd_int_axis>);
  STATIC_REQUIRE_FALSE(sweep::finite_sampler<sweep::float_sampler>);
  STATIC_REQUIRE_FALSE(sweep::finite_sampler<odd_int_sampler>);

  auto choice = sweep::choice(10, 20, 30);
  CHECK(choice.size() == 3);
  CHECK(choice.at(2) == 30);

  auto grid = sweep::grid("MODEL.KERNEL"_k = odd_int_axis{{3, 7}}, "MODEL.DEPTH"_k = sweep::values(1, 2));
  REQUIRE(grid.size() == 6);
  std::string text;
  grid.append_key_text(text, grid.at(5));
  CHECK(text == "MODEL.KERNEL 7 MODEL.DEPTH 2");
}

TEST_CASE("sweep::append_key_value writes pycls's key text") {
  std::string out;
  sweep::append_key_value(out, "A", std::int64_t{3});
  sweep::append_key_value(out, "B", 0.1);
  sweep::append_key_value(out, "C", std::string("relu"));
  sweep::append_key_value(out, "D", std::vector<std::int64_t>{1, 2});
  sweep::append_key_value(out, "E", sweep::value{1e-10});
  CHECK(out == "A 3 B 0.1 C relu D [1, 2] E 1e-10");
}

TEST_CASE("a custom sampler draws, validates and constrains like a built-in one") {
  auto space = sweep::space("MODEL.KERNEL"_k = odd_int_sampler{3, 9}, "OPTIM.BASE_LR"_k = sweep::uniform(0.1, 1.0));
  sweep::numpy_rng rng(0);
  for (int i = 0; i < 100; ++i) {
    auto k = space.draw(rng)["MODEL.KERNEL"_k];
    CHECK(k % 2 == 1);
    CHECK(k >= 3);
    CHECK(k <= 9);
  }
  CHECK_THROWS_WITH(sweep::space("MODEL.KERNEL"_k = odd_int_sampler{2, 9}), Catch::Contains("MODEL.KERNEL"));

  auto small = space | sweep::where([](const auto& r) { return r["MODEL.KERNEL"_k] <= 5; });
  sweep::numpy_rng rng2(1);
  int accepted = 0;
  for (int i = 0; i < 100; ++i) {
    auto r = small.draw(rng2);
    if (small.accepts(r)) {
      ++accepted;
      CHECK(r["MODEL.KERNEL"_k] <= 5);
    }
  }
  CHECK(accepted > 0);
}

TEST_CASE("a custom sampler works in setup: its values are in the job configs") {
  auto root = fs::temp_directory_path() / "sweep_space_test_custom_sampler";
  fs::remove_all(root);
  sweep::sweep_config cfg;
  cfg.root_dir = root.string();
  cfg.name = "custom_sampler";
  cfg.setup.num_configs = 8;
  cfg.setup.base_cfg.at_path("MODEL.KERNEL") = 1;
  cfg.setup.base_cfg.at_path("OPTIM.BASE_LR") = 0.5;
  auto space = sweep::space("MODEL.KERNEL"_k = odd_int_sampler{3, 9},
                            "OPTIM.BASE_LR"_k = sweep::log_uniform(0.1, 1.0).quantize(0.01));
  auto summary = sweep::setup(cfg, space | sweep::where([](const auto& r) { return r["MODEL.KERNEL"_k] != 5; }));
  int jobs = 0;
  for (auto& entry : fs::directory_iterator(summary.dir / "cfgs")) {
    auto job = sweep::load_yaml_file(entry.path());
    auto kernel = job.find("MODEL.KERNEL")->as_int();
    CHECK(kernel % 2 == 1);
    CHECK(kernel != 5);
    CHECK(kernel >= 3);
    CHECK(kernel <= 9);
    ++jobs;
  }
  CHECK(jobs == 8);
  fs::remove_all(root);
}
