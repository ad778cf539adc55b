// libFuzzer target: sweep-config YAML text through the loader (see fuzz_entry.hpp).
#include "fuzz_entry.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    sweep::fuzz::sweep_config_entry({reinterpret_cast<const char*>(data), size});
  } catch (const sweep::error&) {
    // the documented answer to bad input
  }
  return 0;
}
