// What the space tests read of records: pycls's key text of one record, the key
// texts of a space's records in index order, and a grid written in YAML.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sweep_test {

template <class Space>
std::string key_text(const Space& space, const typename Space::record_type& r) {
  std::string text;
  space.append_key_text(text, r);
  return text;
}

/// @brief The key texts of records 0 .. n-1 (all of a finite space when n is 0).
template <class Space>
std::vector<std::string> texts(const Space& space, std::uint64_t n = 0) {
  if constexpr (requires { space.size(); }) {
    if (n == 0) n = space.size();
  }
  std::vector<std::string> out;
  for (std::uint64_t i = 0; i < n; ++i) out.push_back(key_text(space, space.at(i)));
  return out;
}

/// @brief A SETUP.SPACE grid of 81 configs (3 x 3 x 3 x 3) with every kind of axis.
inline const char* grid_yaml = R"(
TYPE: grid
AXES:
  OPTIM.BASE_LR: {RANGE: [0.01, 1.0], COUNT: 3, SPACING: log}
  MODEL.WIDTH: [16, 32, 64]
  MODEL.DEPTH: {RANGE: [1, 7], STEP: 3}
  OPTIM.MOMENTUM: {RANGE: [0.8, 0.9], COUNT: 3}
)";

}  // namespace sweep_test
