// Builds against single_include/sweep/sweep.hpp alone and uses a little of it.
#include <sweep/sweep.hpp>

#include <cstdio>
#include <string>

// Proves the single header is the only sweep file on the include path.
#if __has_include(<sweep/value.hpp>)
#error "only single_include/ may be on the include path"
#endif

int main() {
  sweep::value cfg;
  cfg.at_path("OPTIM.MAX_EPOCH") = 50;
  const sweep::value loaded = sweep::load_yaml_text("OPTIM: {MAX_EPOCH: 50}\n", "inline.yaml");
  if (cfg.python_str() != loaded.python_str()) {
    std::printf("mismatch: %s vs %s\n", cfg.python_str().c_str(), loaded.python_str().c_str());
    return 1;
  }
  std::printf("sweep %s single header ok: %s\n", std::string(sweep::version).c_str(), cfg.python_str().c_str());
  return 0;
}
