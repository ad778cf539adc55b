// docs/yaml.md documents every key of the sweep-config schema: the keys are
// read from the schema structs themselves (Hana reflection, as the loader
// reads them), so a field added without documentation fails here.
#include <sweep/analyze/metrics.hpp>
#include <sweep/config/load.hpp>
#include <sweep/config/sweep_config.hpp>

#include <sweep/random/draws.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <boost/hana/accessors.hpp>
#include <boost/hana/for_each.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

/// @brief Every dotted key of a schema struct and of the structs nested in it, parents first.
template <class T>
void collect_keys(const std::string& prefix, std::vector<std::string>& out) {
  boost::hana::for_each(boost::hana::accessors<T>(), [&](auto pair) {
    using field = std::decay_t<decltype(boost::hana::second(pair)(std::declval<T&>()))>;
    auto key = prefix + sweep::detail::upper(boost::hana::to<char const*>(boost::hana::first(pair)));
    out.push_back(key);
    if constexpr (sweep::detail::reflected_struct<field>) collect_keys<field>(key + ".", out);
  });
}

std::string yaml_md() {
  std::ifstream in(std::string(SWEEP_SOURCE_DIR) + "/docs/yaml.md", std::ios::binary);
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> undocumented(const std::vector<std::string>& names, const std::string& doc) {
  std::vector<std::string> missing;
  for (auto& name : names) {
    if (doc.find("`" + name + "`") == std::string::npos) missing.push_back(name);
  }
  return missing;
}

}  // namespace

TEST_CASE("docs/yaml.md documents every key of the sweep-config schema", "[config][docs]") {
  std::vector<std::string> keys;
  collect_keys<sweep::sweep_config>("", keys);
  // The walk reaches nested structs (a walk that found nothing would pass vacuously).
  CHECK(std::count(keys.begin(), keys.end(), "LAUNCH.LOCAL_JOBS") == 1);
  CHECK(std::count(keys.begin(), keys.end(), "SETUP.CONSTRAINTS.CX.FLOPS") == 1);
  CHECK(std::count(keys.begin(), keys.end(), "SETUP.CONSTRAINTS.REGNET.NUM_STAGES") == 1);
  CHECK(keys.size() > 60);

  // Each key is written in full, as code: `LAUNCH.LOCAL_JOBS`.
  auto missing = undocumented(keys, yaml_md());
  INFO("keys missing from docs/yaml.md (write each as `DOTTED.KEY`): " << fmt::format("{}", fmt::join(missing, ", ")));
  CHECK(missing.empty());
}

TEST_CASE("docs/yaml.md documents every ANALYZE metric shortcut", "[config][docs]") {
  auto names = sweep::metric_shortcut_names();
  CHECK(std::count(names.begin(), names.end(), "lr_wd") == 1);
  auto missing = undocumented(names, yaml_md());
  INFO("metric shortcuts missing from docs/yaml.md (write each as `name`): " << fmt::format("{}", fmt::join(missing, ", ")));
  CHECK(missing.empty());
}

TEST_CASE("docs/yaml.md documents every sampler type, sampler key and rand type", "[config][docs]") {
  auto doc = yaml_md();
  std::vector<std::string> names = {"float_sampler", "int_sampler", "value_sampler", "list_sampler", "regnet_sampler",
                                    "RAND_TYPE", "RANGE", "QUANTIZE", "VALUES", "LENGTH", "ITEM_SAMPLER"};
  names.insert(names.end(), sweep::rand_type_names.begin(), sweep::rand_type_names.end());
  auto missing = undocumented(names, doc);
  INFO("missing from docs/yaml.md: " << fmt::format("{}", fmt::join(missing, ", ")));
  CHECK(missing.empty());
}
