// Replays every input the fuzzers once crashed on (tests/fuzz/regressions/<target>/) and every
// seed through the fuzz entry points: only sweep::error may come out.
#include "fuzz_entry.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::vector<std::filesystem::path> inputs_in(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  if (!std::filesystem::is_directory(dir)) return out;
  for (auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().filename() != "README.md") out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string slurp(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return std::move(text).str();
}

// Runs one input; returns "" when it was handled, else what escaped.
std::string replay(const std::function<void(std::string_view)>& entry, const std::string& text) {
  try {
    entry(text);
  } catch (const sweep::error&) {
  } catch (const std::exception& e) {
    return std::string("std::exception: ") + e.what();
  } catch (...) {
    return "unknown exception";
  }
  return {};
}

void replay_all(const std::string& target, const std::function<void(std::string_view)>& entry, std::size_t at_least) {
  const std::filesystem::path fuzz_dir = std::filesystem::path(SWEEP_SOURCE_DIR) / "tests" / "fuzz";
  std::size_t count = 0;
  for (auto sub : {"regressions", "corpus"}) {
    for (auto& file : inputs_in(fuzz_dir / sub / target)) {
      INFO(file.string());
      CHECK(replay(entry, slurp(file)).empty());
      ++count;
    }
  }
  CHECK(count >= at_least);
}

}  // namespace

TEST_CASE("fuzz regressions: sweep config loader", "[fuzz]") {
  replay_all("sweep_config", [](std::string_view t) { sweep::fuzz::sweep_config_entry(t); }, 5);
}

TEST_CASE("fuzz regressions: job log parser", "[fuzz]") {
  replay_all("job_log", [](std::string_view t) { (void)sweep::fuzz::job_log_entry(t); }, 3);
}

TEST_CASE("fuzz regressions: sweep.json loader", "[fuzz]") {
  replay_all("sweep_json", [](std::string_view t) { sweep::fuzz::sweep_json_entry(t); }, 4);
}

TEST_CASE("fuzz regressions: sweep.json through simdjson and nlohmann", "[fuzz]") {
  replay_all("sweep_json_simdjson", [](std::string_view t) { sweep::fuzz::sweep_json_simdjson_entry(t); }, 4);
}

TEST_CASE("fuzz regressions: json_stats records through simdjson and nlohmann", "[fuzz]") {
  replay_all("json_stats_record", [](std::string_view t) { sweep::fuzz::json_stats_record_entry(t); }, 4);
}

TEST_CASE("fuzz entry points reject bad input with sweep::error", "[fuzz]") {
  // sweep.json: what nlohmann refuses or is not a list of records is refused, with sweep::error.
  for (std::string_view bad : {"[{},]", "[,{}]", "{}", "[1]", "[{}] x", "[{\"a\": }]", "", "[\"\\\"]"}) {
    INFO(bad);
    CHECK_THROWS_AS(sweep::fuzz::sweep_json_entry(bad), sweep::error);
  }
  CHECK_NOTHROW(sweep::fuzz::sweep_json_entry("\xEF\xBB\xBF [ {\"test_ema_epoch\": {\"min_top1_err\": [1]}} ]"));
  CHECK_THROWS_AS(sweep::fuzz::sweep_config_entry("NAME: [unclosed"), sweep::error);
  CHECK_THROWS_AS(sweep::fuzz::sweep_config_entry("ROOT_DIR: /tmp\nNAME: ../up\nSETUP: {NUM_CONFIGS: 1}\n"), sweep::error);
  CHECK_THROWS_AS(sweep::fuzz::sweep_config_entry("\xff\xfe"), sweep::error);
  CHECK_NOTHROW(sweep::fuzz::sweep_config_entry(
      "ROOT_DIR: /tmp\nNAME: ok\nSETUP:\n  NUM_CONFIGS: 2\n  SAMPLERS:\n    OPTIM.BASE_LR: {TYPE: float_sampler, RAND_TYPE: "
      "log_uniform, RANGE: [0.1, 1.0], QUANTIZE: 0.1}\n"));
  auto entry = sweep::fuzz::job_log_entry(
      "json_stats: {\"_type\": \"test_epoch\", \"epoch\": \"1/2\", \"top1_err\": 5.0}\nnoise\xff\n"
      "json_stats: {\"_type\": \"test_epoch\", \"epoch\": \"2/2\", \"top1_err\": NaN}\n");
  auto j = nlohmann::json::parse(entry);
  CHECK(j["test_epoch"]["epoch_ind"] == nlohmann::json({1, 2}));
  CHECK(j["test_epoch"]["top1_err"][1].is_null());
}
