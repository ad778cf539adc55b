// Writes the report pages of pycls's three example configs (and two variants)
// into OUT_DIR, as `sweep analyze` makes them. Built by check.sh against two
// versions of include/ (this tree's and an older commit's) to show that a
// change leaves the pages byte for byte the same. Not part of the build.
#if __has_include(<sweep/analyze/analyze.hpp>)
#include <sweep/analyze/analyze.hpp>
#else
#include <sweep/report/analysis.hpp>  // before the sections: analyze() lived in report/
#endif
#include <sweep/config/load.hpp>

#include "../synthetic.hpp"

#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: dump_pages DATA_DIR ROOT_DIR OUT_DIR\n";
    return 2;
  }
  fs::path data = argv[1], root = argv[2], out = argv[3];
  fs::remove_all(root);
  fs::create_directories(out);
  fs::create_directories(root / "cifar" / "cifar_optim");
  fs::copy_file(data / "analyze" / "sweep.json", root / "cifar" / "cifar_optim" / "sweep.json");
  sweep_test::write_synthetic(root / "cifar" / "cifar_regnet", 32, "regnet", {50}, true);
  sweep_test::write_synthetic(root / "cifar" / "cifar_best", 12, "regnet", {50, 100, 200, 400}, false);
  sweep_test::write_synthetic(root / "other" / "b", 20, "anynet", {50}, false);
  struct page {
    std::string name, config;
    std::vector<std::string> overrides;
  };
  std::vector<page> pages = {
      {"cifar_optim", "cifar_optim", {}},
      {"cifar_regnet", "cifar_regnet", {}},
      {"cifar_best", "cifar_best", {}},
      {"cifar_optim_extra", "cifar_optim", {"ANALYZE.EXTRA_SWEEP_NAMES", "[other/b]"}},
      {"cifar_regnet_worst", "cifar_regnet", {"ANALYZE.PLOT_CURVES_WORST", "2", "ANALYZE.PLOT_MODELS_WORST", "2"}},
  };
  for (auto& p : pages) {
    std::vector<std::string> overrides = {"ROOT_DIR", root.string()};
    overrides.insert(overrides.end(), p.overrides.begin(), p.overrides.end());
    auto cfg = sweep::load_sweep_config(data / "pycls-configs" / (p.config + ".yaml"), overrides);
    fs::copy_file(sweep::analyze(cfg), out / (p.name + ".html"), fs::copy_options::overwrite_existing);
    std::cout << p.name << ".html\n";
  }
}
