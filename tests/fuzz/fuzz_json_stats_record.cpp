// libFuzzer target: one json_stats record read by simdjson and by nlohmann, compared (see fuzz_entry.hpp).
#include "fuzz_entry.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    sweep::fuzz::json_stats_record_entry({reinterpret_cast<const char*>(data), size});
  } catch (const sweep::error&) {
    // the documented answer to bad input
  }
  return 0;
}
