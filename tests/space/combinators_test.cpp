// The combinators' laws (grid, zip, concat, join/when, sobol), YAML <-> C++
// equivalence of SETUP.SPACE, its errors, and setup of finite spaces.
#include <sweep/config/load.hpp>
#include <sweep/config/space_spec.hpp>
#include <sweep/config/yaml.hpp>
#include <sweep/setup.hpp>
#include <sweep/space.hpp>

#include <boost/random/sobol.hpp>
#include <catch2/catch.hpp>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace sweep::literals;

namespace {

template <class Space>
std::string key_text(const Space& space, const typename Space::record_type& r) {
  std::string text;
  space.append_key_text(text, r);
  return text;
}

/// @brief The key texts of records 0 .. n-1 (all of a finite space when n is 0).
template <class Space>
std::vector<std::string> texts(const Space& space, std::uint64_t n = 0) {
  if constexpr (requires { space.size(); }) {
    if (n == 0) n = space.size();
  }
  std::vector<std::string> out;
  for (std::uint64_t i = 0; i < n; ++i) out.push_back(key_text(space, space.at(i)));
  return out;
}

sweep::dyn_space yaml_space(const std::string& text) {
  return sweep::load_space_spec(sweep::load_yaml_text(text, "space.yaml"), "space.yaml");
}

std::string space_error(const std::string& text) {
  try {
    yaml_space(text);
  } catch (const sweep::error& e) {
    return e.what();
  }
  return "no error";
}

fs::path fresh_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("sweep_combinators_test_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

sweep::sweep_config config_from(const std::string& text, const fs::path& root) {
  auto cfg = sweep::sweep_config_from_value(sweep::load_yaml_text(text, "sweep.yaml"), "sweep.yaml");
  cfg.root_dir = root.string();
  cfg.num_proc = 2;
  return cfg;
}

const char* grid_yaml = R"(
TYPE: grid
AXES:
  OPTIM.BASE_LR: {RANGE: [0.01, 1.0], COUNT: 3, SPACING: log}
  MODEL.WIDTH: [16, 32, 64]
  MODEL.DEPTH: {RANGE: [1, 7], STEP: 3}
  OPTIM.MOMENTUM: {RANGE: [0.8, 0.9], COUNT: 3}
)";

}  // namespace

TEST_CASE("finite samplers list their values") {
  auto v = sweep::values(1, 2, 3);
  STATIC_REQUIRE(decltype(v)::static_size == 3);
  CHECK(v.at(2) == 3);
  auto r = sweep::int_range(1, 8, 3);  // 1, 4, 7: 8 is off the step
  CHECK(r.size() == 3);
  CHECK(r.at(2) == 7);
  auto lin = sweep::linspace(0.1, 0.5, 5);
  CHECK(lin.at(2) == 0.3);  // cleaned to 15 digits: not 0.30000000000000004
  CHECK(lin.at(4) == 0.5);
  auto geo = sweep::geomspace(1e-3, 1.0, 4);
  CHECK(geo.at(1) == 0.01);
  CHECK(geo.at(3) == 1.0);
  CHECK(sweep::linspace(0.0, 1.0, 4).quantize(0.1).at(1) == 0.3);
  CHECK_THROWS_WITH(sweep::grid("A"_k = sweep::int_range(3, 1)), Catch::Contains("A.RANGE") && Catch::Contains("low <= high"));
}

TEST_CASE("a grid of sizes a and b has a*b unique records, the last axis fastest") {
  auto g = sweep::grid("OPTIM.BASE_LR"_k = sweep::geomspace(0.01, 1.0, 3), "MODEL.WIDTH"_k = sweep::values(16, 32, 64, 128),
                       "MODEL.NORM"_k = sweep::choice(std::string("bn"), std::string("ln")));
  REQUIRE(g.size() == 3 * 4 * 2);
  auto all = texts(g);
  CHECK(std::set<std::string>(all.begin(), all.end()).size() == 24);
  CHECK(all[0] == "OPTIM.BASE_LR 0.01 MODEL.WIDTH 16 MODEL.NORM bn");
  CHECK(all[1] == "OPTIM.BASE_LR 0.01 MODEL.WIDTH 16 MODEL.NORM ln");
  CHECK(all[2] == "OPTIM.BASE_LR 0.01 MODEL.WIDTH 32 MODEL.NORM bn");
  CHECK(all[23] == "OPTIM.BASE_LR 1.0 MODEL.WIDTH 128 MODEL.NORM ln");
  auto r = g.at(12);
  STATIC_REQUIRE(std::is_same_v<std::decay_t<decltype(r["MODEL.WIDTH"_k])>, std::int64_t>);
  CHECK(r["MODEL.WIDTH"_k] == 64);
  CHECK(r["OPTIM.BASE_LR"_k] == 0.1);
  sweep::numpy_rng rng(3);
  for (int i = 0; i < 50; ++i) CHECK(std::find(all.begin(), all.end(), key_text(g, g.draw(rng))) != all.end());
}

TEST_CASE("a zip of n has n records, item i of every axis together") {
  auto z = sweep::zip("OPTIM.BASE_LR"_k = sweep::values(0.1, 0.2, 0.4), "OPTIM.MAX_EPOCH"_k = sweep::int_range(10, 30, 10));
  REQUIRE(z.size() == 3);
  CHECK(texts(z) == std::vector<std::string>{"OPTIM.BASE_LR 0.1 OPTIM.MAX_EPOCH 10", "OPTIM.BASE_LR 0.2 OPTIM.MAX_EPOCH 20",
                                             "OPTIM.BASE_LR 0.4 OPTIM.MAX_EPOCH 30"});
  // Lengths known only at run time are checked at run time, naming the axis.
  CHECK_THROWS_WITH(sweep::zip("A"_k = sweep::int_range(1, 3), "B"_k = sweep::linspace(0.0, 1.0, 4)),
                    Catch::Contains("B: sweep::zip: this axis has 4 values but A has 3"));
}

TEST_CASE("a concat has the sum of its parts' records, each with its own keys") {
  auto a = sweep::grid("MODEL.TYPE"_k = sweep::values("anynet"), "ANYNET.DEPTHS"_k = sweep::values(1, 2));
  auto b = sweep::zip("MODEL.TYPE"_k = sweep::values("resnet", "resnet", "resnet"), "RESNET.TRANS_FUN"_k = sweep::values("a", "b", "c"));
  auto c = sweep::concat(a, b);
  REQUIRE(c.size() == a.size() + b.size());
  auto all = texts(c);
  CHECK(all[0] == "MODEL.TYPE anynet ANYNET.DEPTHS 1");
  CHECK(all[2] == "MODEL.TYPE resnet RESNET.TRANS_FUN a");
  CHECK(c.at(4).index() == 1);
  // A constraint on a concat sees each part's record.
  auto odd = c | sweep::where([](const auto& r) {
    if constexpr (std::decay_t<decltype(r)>::has("ANYNET.DEPTHS"_k)) return r["ANYNET.DEPTHS"_k] == 1;
    return true;
  });
  CHECK(odd.accepts(c.at(0)));
  CHECK(!odd.accepts(c.at(1)));
  CHECK(odd.accepts(c.at(3)));
}

TEST_CASE("when never sets keys whose condition is false") {
  auto space = sweep::join(sweep::grid("MODEL.TYPE"_k = sweep::values("anynet", "regnet", "resnet"), "OPTIM.BASE_LR"_k = sweep::values(0.1, 1.0)),
                           sweep::when("MODEL.TYPE"_k, "regnet", sweep::grid("REGNET.DEPTH"_k = sweep::int_range(10, 30, 10))));
  // 4 records not regnet, 2 regnet ones times 3 depths.
  REQUIRE(space.size() == 4 + 2 * 3);
  auto all = texts(space);
  CHECK(std::set<std::string>(all.begin(), all.end()).size() == all.size());
  for (std::uint64_t i = 0; i < space.size(); ++i) {
    auto r = space.at(i);
    bool regnet = r["MODEL.TYPE"_k] == "regnet";
    CHECK(r["REGNET.DEPTH"_k].has_value() == regnet);
    CHECK((all[i].find("REGNET.DEPTH") != std::string::npos) == regnet);
  }
  CHECK(all[2] == "MODEL.TYPE regnet OPTIM.BASE_LR 0.1 REGNET.DEPTH 10");
  sweep::numpy_rng rng(7);
  int drawn_regnet = 0;
  for (int i = 0; i < 200; ++i) {
    auto r = space.draw(rng);
    CHECK(r["REGNET.DEPTH"_k].has_value() == (r["MODEL.TYPE"_k] == "regnet"));
    drawn_regnet += r["MODEL.TYPE"_k] == "regnet";
  }
  CHECK(drawn_regnet > 30);
  // A random space joined with a conditional one stays a random space.
  auto mixed = sweep::join(sweep::space("MODEL.TYPE"_k = sweep::choice(std::string("anynet"), std::string("regnet"))),
                           sweep::when("MODEL.TYPE"_k, "regnet", sweep::space("REGNET"_k = sweep::regnet())));
  STATIC_REQUIRE(!sweep::finite_space<decltype(mixed)>);
  for (int i = 0; i < 50; ++i) {
    auto r = mixed.draw(rng);
    CHECK(r["REGNET"_k].has_value() == (r["MODEL.TYPE"_k] == "regnet"));
  }
}

TEST_CASE("Sobol points match Joe & Kuo's numbers and fill every 1-D stratum once") {
  // Boost.Random's sobol uses the same table and order, starting at our point 1.
  boost::random::sobol_engine<std::uint32_t, 32> boost_sobol(sweep::detail::sobol_max_dims);
  for (std::uint64_t i = 1; i <= 1024; ++i) {
    for (std::size_t d = 0; d < sweep::detail::sobol_max_dims; ++d) REQUIRE(sweep::detail::sobol_bits(i, d) == boost_sobol());
  }
  auto s = sweep::sobol("A"_k = sweep::uniform(0.0, 1.0), "B"_k = sweep::log_uniform(0.1, 10.0), "C"_k = sweep::normal(0.0, 1.0),
                        "D"_k = sweep::uniform(1, 8));
  for (std::uint64_t seed : {0u, 1u, 42u}) {
    auto seeded = s.with_seed(seed);
    for (int k = 0; k <= 10; ++k) {
      std::uint64_t n = std::uint64_t{1} << k;
      std::array<std::vector<int>, 4> hits;
      for (auto& h : hits) h.assign(n, 0);
      for (std::uint64_t i = 0; i < n; ++i) {
        auto u = seeded.unit_point(i);
        for (std::size_t d = 0; d < 4; ++d) ++hits[d][static_cast<std::size_t>(u[d] * static_cast<double>(n))];
      }
      for (auto& h : hits) CHECK(std::count(h.begin(), h.end(), 1) == static_cast<std::ptrdiff_t>(n));
    }
  }
  // After the inverse CDF: 8 points give each of uniform(1, 8)'s values once; all stay in range.
  std::set<std::int64_t> ds;
  for (std::uint64_t i = 0; i < 8; ++i) ds.insert(s.at(i)["D"_k]);
  CHECK(ds.size() == 8);
  for (std::uint64_t i = 0; i < 256; ++i) {
    auto r = s.at(i);
    CHECK((r["B"_k] >= 0.1 && r["B"_k] <= 10.0));
    CHECK((r["C"_k] >= 0.0 && r["C"_k] <= 1.0));
  }
  CHECK(texts(s.with_seed(1), 4) != texts(s.with_seed(2), 4));
  for (double x : {-2.9, -1.0, 0.0, 0.3, 2.5}) CHECK(sweep::detail::inverse_normal_cdf(sweep::detail::normal_cdf(x)) == Approx(x).margin(1e-12));
}

TEST_CASE("SETUP.SPACE in YAML gives the same configs as the C++ combinators") {
  auto typed = sweep::grid("OPTIM.BASE_LR"_k = sweep::geomspace(0.01, 1.0, 3), "MODEL.WIDTH"_k = sweep::values(16, 32, 64),
                           "MODEL.DEPTH"_k = sweep::int_range(1, 7, 3), "OPTIM.MOMENTUM"_k = sweep::linspace(0.8, 0.9, 3));
  auto yaml = yaml_space(grid_yaml);
  CHECK(yaml.kind() == sweep::space_kind::finite);
  CHECK(texts(yaml) == texts(typed));

  auto typed_join = sweep::join(sweep::concat(sweep::zip("MODEL.TYPE"_k = sweep::values("anynet", "regnet"), "OPTIM.BASE_LR"_k = sweep::values(0.1, 0.2)),
                                              sweep::grid("MODEL.TYPE"_k = sweep::values("resnet"), "OPTIM.BASE_LR"_k = sweep::values(0.3))),
                                sweep::when("MODEL.TYPE"_k, "regnet", sweep::grid("REGNET.WM"_k = sweep::linspace(2.0, 3.0, 3))));
  auto yaml_join = yaml_space(R"(
TYPE: join
PARTS:
  - TYPE: concat
    PARTS:
      - {TYPE: zip, AXES: {MODEL.TYPE: [anynet, regnet], OPTIM.BASE_LR: [0.1, 0.2]}}
      - {TYPE: grid, AXES: {MODEL.TYPE: [resnet], OPTIM.BASE_LR: [0.3]}}
  - TYPE: when
    KEY: MODEL.TYPE
    EQUALS: regnet
    SPACE: {TYPE: grid, AXES: {REGNET.WM: {RANGE: [2.0, 3.0], COUNT: 3}}}
)");
  REQUIRE(yaml_join.size() == 5);
  CHECK(texts(yaml_join) == texts(typed_join));

  auto typed_sobol = sweep::sobol("OPTIM.BASE_LR"_k = sweep::log_uniform(0.1, 10.0).quantize(1e-10),
                                  "OPTIM.MAX_EPOCH"_k = sweep::choice(10, 20, 40), "TRAIN.BATCH_SIZE"_k = sweep::power2_uniform(16, 256).quantize(16),
                                  "OPTIM.MOMENTUM"_k = sweep::normal(0.8, 0.95).quantize(0.01));
  auto yaml_sobol = yaml_space(R"(
TYPE: sobol
SAMPLERS:
  OPTIM.BASE_LR: {TYPE: float_sampler, RAND_TYPE: log_uniform, RANGE: [0.1, 10.0], QUANTIZE: 1.0e-10}
  OPTIM.MAX_EPOCH: {TYPE: value_sampler, VALUES: [10, 20, 40]}
  TRAIN.BATCH_SIZE: {TYPE: int_sampler, RAND_TYPE: power2_uniform, RANGE: [16, 256], QUANTIZE: 16}
  OPTIM.MOMENTUM: {TYPE: float_sampler, RAND_TYPE: normal, RANGE: [0.8, 0.95], QUANTIZE: 0.01}
)");
  CHECK(yaml_sobol.kind() == sweep::space_kind::sequence);
  CHECK(texts(yaml_sobol.with_seed(5), 128) == texts(typed_sobol.with_seed(5), 128));
  // A condition compares numbers by value (2 == 2.0), as Python does.
  auto numeric = yaml_space("TYPE: join\nPARTS:\n  - {TYPE: grid, AXES: {A: [1, 2.0]}}\n"
                            "  - {TYPE: when, KEY: A, EQUALS: 2, SPACE: {TYPE: zip, AXES: {B: [x, y]}}}\n");
  CHECK(texts(numeric) == std::vector<std::string>{"A 1", "A 2.0 B x", "A 2.0 B y"});
  sweep::numpy_rng a(1), b(1);
  for (int i = 0; i < 20; ++i) CHECK(key_text(yaml, yaml.draw(a)) == key_text(typed, typed.draw(b)));
}

TEST_CASE("SETUP.SPACE errors name the file, line, key path and what was expected") {
  CHECK_THAT(space_error("TYPE: gird\nAXES: {A: [1]}\n"),
             Catch::Contains("space.yaml:1: SETUP.SPACE.TYPE: unknown space type 'gird'") && Catch::Contains("grid"));
  CHECK_THAT(space_error("TYPE: zip\nAXES:\n  A: [1, 2]\n  B: [1, 2, 3]\n"),
             Catch::Contains("space.yaml:4: SETUP.SPACE.AXES.B: zip: this axis has 3 values but A has 2"));
  CHECK_THAT(space_error("TYPE: grid\nAXES:\n  A: {RANGE: [0.1, 1.0]}\n"),
             Catch::Contains("space.yaml:3: SETUP.SPACE.AXES.A.RANGE[0]: expected an integer (for floats give COUNT too)"));
  CHECK_THAT(space_error("TYPE: grid\nAXES:\n  A: {RANGE: [1, 5], STEP: 0}\n"),
             Catch::Contains("space.yaml:3: SETUP.SPACE.AXES.A.STEP: expected a step of 1 or more"));
  CHECK_THAT(space_error("TYPE: join\nPARTS:\n  - {TYPE: grid, AXES: {MODEL.TYPE: [regnet]}}\n  - TYPE: when\n    KEY: MODEL.TYPO\n"
                         "    EQUALS: regnet\n    SPACE: {TYPE: grid, AXES: {REGNET.DEPTH: [10]}}\n"),
             Catch::Contains("space.yaml:5: SETUP.SPACE.PARTS[1].KEY: MODEL.TYPO is not set by an earlier part") &&
                 Catch::Contains("MODEL.TYPE"));
  // Each key is set by one part of a join; two whens on one KEY with different EQUALS never hold together.
  CHECK_THAT(space_error("TYPE: join\nPARTS:\n  - {TYPE: grid, AXES: {A: [1, 2], B: [x]}}\n  - {TYPE: zip, AXES: {B: [y]}}\n"),
             Catch::Contains("space.yaml:4: SETUP.SPACE.PARTS[1]: sets B, which part 0 of this join sets too (B)"));
  CHECK_THAT(space_error("TYPE: join\nPARTS:\n  - {TYPE: grid, AXES: {A: [1, 2]}}\n"
                         "  - {TYPE: when, KEY: A, EQUALS: 1, SPACE: {TYPE: grid, AXES: {B.C: [x]}}}\n"
                         "  - {TYPE: when, KEY: A, EQUALS: 1, SPACE: {TYPE: grid, AXES: {B: [y]}}}\n"),
             Catch::Contains("space.yaml:5: SETUP.SPACE.PARTS[2]: sets B, which part 1 of this join sets too (B.C)"));
  auto exclusive = yaml_space("TYPE: join\nPARTS:\n  - {TYPE: grid, AXES: {A: [1, 2]}}\n"
                              "  - {TYPE: when, KEY: A, EQUALS: 1, SPACE: {TYPE: grid, AXES: {B: [x]}}}\n"
                              "  - {TYPE: when, KEY: A, EQUALS: 2, SPACE: {TYPE: grid, AXES: {B: [y, z]}}}\n");
  CHECK(texts(exclusive) == std::vector<std::string>{"A 1 B x", "A 2 B y", "A 2 B z"});
  CHECK_THAT(space_error("TYPE: when\nKEY: A\nEQUALS: 1\nSPACE: {TYPE: grid, AXES: {B: [1]}}\n"),
             Catch::Contains("SETUP.SPACE.TYPE: a when space must be a part of a join"));
  CHECK_THAT(space_error("TYPE: sobol\nSAMPLERS:\n  A: {TYPE: list_sampler, LENGTH: 2, ITEM_SAMPLER: {TYPE: int_sampler, RANGE: [1, 2]}}\n"),
             Catch::Contains("space.yaml:3: SETUP.SPACE.SAMPLERS.A.TYPE: a sobol space takes float_sampler"));
  CHECK_THAT(space_error("TYPE: random\nSAMPLERS:\n  A: {TYPE: float_sampler, RANGE: [0.0, 1.0], QUANTIZE: 0.3}\n"),
             Catch::Contains("SETUP.SPACE.SAMPLERS.A"));
  CHECK_THAT(space_error("TYPE: concat\nSHUFFLE: true\nPARTS:\n  - {TYPE: random, SAMPLERS: {A: {TYPE: value_sampler, VALUES: [1]}}}\n"),
             Catch::Contains("space.yaml:2: SETUP.SPACE.SHUFFLE: only a finite space"));
  auto root = fresh_dir("both");
  auto cfg = config_from("NAME: both\nSETUP:\n  SPACE: {TYPE: grid, AXES: {A: [1]}}\n  SAMPLERS: {B: {TYPE: value_sampler, VALUES: [1]}}\n", root);
  CHECK_THROWS_WITH(sweep::setup(cfg), Catch::Contains("sweep.yaml:3: SETUP.SPACE: SETUP.SPACE and SETUP.SAMPLERS are alternatives"));
}

TEST_CASE("setup writes every config of a finite space and says so") {
  auto root = fresh_dir("grid");
  std::string text = "NAME: grid\nSETUP:\n  NUM_CONFIGS: 0\n  BASE_CFG: {OPTIM: {BASE_LR: 0.5, MOMENTUM: 0.9}, MODEL: {WIDTH: 8, DEPTH: 2}}\n  SPACE:\n";
  for (std::string line; auto c : std::string(grid_yaml).substr(1) + "\n") {
    if (c != '\n') {
      line += c;
      continue;
    }
    if (!line.empty()) text += "    " + line + "\n";
    line.clear();
  }
  auto cfg = config_from(text, root);
  cfg.setup.chunk_size = 7;  // blocks of 7 indices, 2 at a time
  std::vector<std::string> notes;
  sweep::setup_observer observer;
  observer.note = [&](const std::string& n) { notes.push_back(n); };
  auto s = sweep::setup(cfg, observer);
  CHECK(s.configs == 81);
  REQUIRE(notes.size() == 1);
  CHECK_THAT(notes[0], Catch::Contains("the space is finite: 81 configs") && Catch::Contains("setting up all of them"));
  auto summary = sweep::load_yaml_file(s.dir / "cfgs_summary.yaml");
  REQUIRE(summary.as_map().size() == 81);
  // Index order, as the space lists them; each job config is BASE_CFG with its keys.
  CHECK(summary.as_map()[0].second.as_string() == "OPTIM.BASE_LR 0.01 MODEL.WIDTH 16 MODEL.DEPTH 1 OPTIM.MOMENTUM 0.8");
  auto job = sweep::load_yaml_file(s.dir / "cfgs" / "000080.yaml");
  CHECK(job.find("OPTIM.BASE_LR")->as_float() == 1.0);
  CHECK(job.find("MODEL.DEPTH")->as_int() == 7);
  auto all_keys = sweep::read_file(s.dir / "cfgs_summary.yaml");

  // The same grid written in C++ sets up the same files; NUM_PROC does not matter.
  auto typed = sweep::grid("OPTIM.BASE_LR"_k = sweep::geomspace(0.01, 1.0, 3), "MODEL.WIDTH"_k = sweep::values(16, 32, 64),
                           "MODEL.DEPTH"_k = sweep::int_range(1, 7, 3), "OPTIM.MOMENTUM"_k = sweep::linspace(0.8, 0.9, 3));
  cfg.num_proc = 1;
  sweep::setup(cfg, typed);
  CHECK(sweep::read_file(s.dir / "cfgs_summary.yaml") == all_keys);

  // Fewer asked for: a seeded subset, kept in index order; more asked for: all, with a note.
  cfg.setup.num_configs = 10;
  notes.clear();
  auto part = sweep::setup(cfg, typed, observer);
  CHECK(part.configs == 10);
  CHECK_THAT(notes.at(0), Catch::Contains("setting up 10 chosen with RNG_SEED"));
  auto subset = sweep::load_yaml_file(s.dir / "cfgs_summary.yaml");
  std::vector<std::size_t> positions;
  for (auto& [file, key] : subset.as_map()) positions.push_back(all_keys.find(key.as_string()));
  CHECK(std::is_sorted(positions.begin(), positions.end()));
  cfg.setup.num_configs = 1000;
  notes.clear();
  CHECK(sweep::setup(cfg, sweep::shuffle(typed), observer).configs == 81);
  CHECK_THAT(notes.at(0), Catch::Contains("fewer than the 1000 of SETUP.NUM_CONFIGS"));
  CHECK(sweep::read_file(s.dir / "cfgs_summary.yaml") != all_keys);  // shuffled
}

TEST_CASE("dedup and constraints apply to finite and Sobol spaces") {
  auto root = fresh_dir("constrained");
  auto cfg = config_from("NAME: constrained\nSETUP:\n  NUM_CONFIGS: 0\n  SPACE: {TYPE: grid, AXES: {A: [1, 1, 2]}}\n", root);
  CHECK(sweep::setup(cfg).configs == 2);  // the repeated value is one config
  auto small = sweep::grid("OPTIM.BASE_LR"_k = sweep::values(0.1, 1.0, 10.0), "OPTIM.WEIGHT_DECAY"_k = sweep::values(1e-4, 1e-3, 1e-2)) |
               sweep::where([](const auto& r) { return r["OPTIM.BASE_LR"_k] * r["OPTIM.WEIGHT_DECAY"_k] < 2e-3; });
  CHECK(sweep::setup(cfg, small).configs == 6);
  auto quasi = sweep::sobol("OPTIM.BASE_LR"_k = sweep::log_uniform(0.1, 10.0).quantize(1e-10), "OPTIM.MAX_EPOCH"_k = sweep::choice(10, 20)) |
               sweep::where([](const auto& r) { return r["OPTIM.MAX_EPOCH"_k] == 10; });
  cfg.setup.num_configs = 16;
  auto s = sweep::setup(cfg, quasi);
  CHECK(s.configs == 16);
  auto summary = sweep::load_yaml_file(s.dir / "cfgs_summary.yaml");
  for (auto& [file, key] : summary.as_map()) CHECK_THAT(key.as_string(), Catch::EndsWith("OPTIM.MAX_EPOCH 10"));
  // Enumeration does not depend on NUM_PROC or CHUNK_SIZE; RNG_SEED changes the scramble.
  sweep::setup_options opts;
  opts.num_configs = 50;
  opts.chunk_size = 16;
  auto one = sweep::sample_space(quasi, opts, 1);
  opts.chunk_size = 7;
  auto two = sweep::sample_space(quasi, opts, 2);
  CHECK(one.keys.size() == 50);
  CHECK(one.keys == two.keys);
  opts.rng_seed = 1;
  CHECK(sweep::sample_space(quasi, opts, 2).keys != one.keys);
  cfg.setup.num_configs = 0;
  CHECK_THROWS_WITH(sweep::setup(cfg, quasi), Catch::Contains("SETUP.NUM_CONFIGS: expected a number of configs > 0 for a sobol space"));
}
