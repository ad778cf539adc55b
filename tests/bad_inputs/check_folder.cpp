// sweep_check_folder [--allow-leftovers] [--ignore FILE]... DIR: proves a sweep folder is not half-written.
// Every YAML and JSON file parses, no temporary file is left (unless --allow-leftovers, for a
// folder whose writer was killed), and cfgs/ agrees with cfgs_summary.yaml: the same file names,
// each config's DESC equal to its summary entry (with SETUP.REPEATS, the entry is DESC and the job's seed). Used by the bad-input catalogue and the kill test.
#include <sweep/config/yaml.hpp>
#include <sweep/setup/job_config.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

bool is_leftover(const std::string& name) {
  // detail::temporary_sibling (.NAME.tmp.PID.N), html_book (NAME.tmpPID), setup's .cfgs.new/.cfgs.old folders
  return (name.starts_with(".") && name.find(".tmp.") != std::string::npos) || name.find(".tmp") != std::string::npos ||
         name.starts_with(".cfgs.");
}

}  // namespace

int main(int argc, char** argv) {
  bool allow_leftovers = false;
  std::set<fs::path> ignored;  // relative to DIR: files broken on purpose by a test
  std::vector<std::string> args(argv + 1, argv + argc);
  while (!args.empty() && args.front().starts_with("--")) {
    if (args.front() == "--allow-leftovers") {
      allow_leftovers = true;
    } else if (args.front() == "--ignore" && args.size() > 1) {
      args.erase(args.begin());
      ignored.insert(args.front());
    } else {
      break;
    }
    args.erase(args.begin());
  }
  if (args.size() != 1) {
    fmt::print(stderr, "usage: sweep_check_folder [--allow-leftovers] [--ignore FILE]... DIR\n");
    return 2;
  }
  const fs::path dir = args.front();
  std::vector<std::string> problems;
  if (!fs::exists(dir)) {
    fmt::print("{}: no sweep folder (nothing written)\n", dir.string());
    return 0;
  }
  std::size_t files = 0;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
    auto name = it->path().filename().string();
    if (is_leftover(name)) {
      if (!allow_leftovers) problems.push_back(fmt::format("{}: temporary file left behind", it->path().string()));
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file() || ignored.contains(it->path().lexically_relative(dir))) continue;
    ++files;
    auto ext = it->path().extension();
    try {
      if (ext == ".yaml") {
        (void)sweep::load_yaml_file(it->path());
      } else if (ext == ".json") {
        std::ifstream in(it->path(), std::ios::binary);
        [[maybe_unused]] auto parsed = nlohmann::json::parse(in);  // throws if it is not JSON
      }
    } catch (const std::exception& e) {
      problems.push_back(fmt::format("{}: does not parse: {}", it->path().string(), e.what()));
    }
  }
  auto summary_file = dir / "cfgs_summary.yaml";
  auto cfgs = dir / "cfgs";
  if (fs::exists(summary_file)) {
    std::map<std::string, std::string> summary;
    try {
      auto v = sweep::load_yaml_file(summary_file);
      if (v.is_map()) {
        for (auto& [k, key] : v.as_map()) summary[k] = key.is_string() ? key.as_string() : key.python_repr();
      }
    } catch (const std::exception&) {
    }
    std::set<std::string> names;
    if (fs::is_directory(cfgs)) {
      for (auto& e : fs::directory_iterator(cfgs)) {
        auto name = e.path().filename().string();
        if (!is_leftover(name)) names.insert(name);
      }
    }
    for (auto& name : names) {
      if (!summary.contains(name)) problems.push_back(fmt::format("cfgs/{}: not in cfgs_summary.yaml", name));
    }
    for (auto& [name, key] : summary) {
      if (!names.contains(name)) {
        problems.push_back(fmt::format("cfgs_summary.yaml: {} has no file in cfgs/", name));
        continue;
      }
      try {
        auto job = sweep::load_yaml_file(cfgs / name);
        auto* desc = job.find("DESC");
        // With SETUP.REPEATS a config's jobs share its DESC; the summary adds each job's seed.
        auto* seed = job.find("RNG_SEED");
        bool repeat = desc != nullptr && desc->is_string() && seed != nullptr && seed->is_int() &&
                      key == sweep::repeat_key(desc->as_string(), 2, seed->as_int());
        if (desc == nullptr || !desc->is_string() || (desc->as_string() != key && !repeat)) {
          problems.push_back(fmt::format("cfgs/{}: DESC differs from cfgs_summary.yaml", name));
        }
      } catch (const std::exception&) {
      }
    }
  } else if (fs::exists(cfgs) && !allow_leftovers) {
    problems.push_back("cfgs/ exists without cfgs_summary.yaml");
  }
  for (auto& p : problems) fmt::print("{}\n", p);
  if (!problems.empty()) return 1;
  fmt::print("{}: {} files parse, cfgs/ consistent\n", dir.string(), files);
  return 0;
}
