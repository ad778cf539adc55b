// The one translation unit that includes everything, so the package's whole
// include tree and every dependency (yaml-cpp is linked, not header-only) work.
#include <sweep/sweep.hpp>

#include <string>

std::string umbrella_check(const std::string& yaml_text) {
  // sweep.json is read by simdjson, a compiled library too: sweep::sweep must link it.
  auto s = sweep::parse_sweep(R"([{"test_ema_epoch": {"min_top1_err": [3.5, 2.5]}}])", "sweep.json", "s");
  if (s.jobs.size() != 1 || s.jobs[0].error != 2.5) return "sweep.json misread";
  return sweep::load_yaml_text(yaml_text, "inline.yaml").python_str();
}
