// The one translation unit that includes everything, so the package's whole
// include tree and every dependency (yaml-cpp is linked, not header-only) work.
#include <sweep/sweep.hpp>

#include <string>

std::string umbrella_check(const std::string& yaml_text) {
  return sweep::load_yaml_text(yaml_text, "inline.yaml").python_str();
}
