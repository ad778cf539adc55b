// The translation unit that needs a linked dependency: yaml-cpp (and fmt) through
// sweep::sweep's link interface. cmake_import's consumer includes the whole
// umbrella header; here, with the same targets, one header is enough and
// keeps this test from compiling the library a third time.
#include <sweep/config/yaml.hpp>

#include <string>

std::string umbrella_check(const std::string& yaml_text) {
  return sweep::load_yaml_text(yaml_text, "inline.yaml").python_str();
}
