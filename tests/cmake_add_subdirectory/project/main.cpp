// A consumer of sweep::sweep: a light header here, the umbrella in umbrella.cpp.
#include <sweep/value.hpp>

#include <cstdio>
#include <string>

std::string umbrella_check(const std::string& yaml_text);  // umbrella.cpp

int main() {
  sweep::value cfg;
  cfg.at_path("OPTIM.MAX_EPOCH") = 50;
  const std::string from_yaml = umbrella_check("OPTIM: {MAX_EPOCH: 50}\n");
  if (cfg.python_str() != from_yaml) {
    std::printf("mismatch: %s vs %s\n", cfg.python_str().c_str(), from_yaml.c_str());
    return 1;
  }
  std::printf("consumer ok: %s\n", from_yaml.c_str());
  return 0;
}
