// Reads the numpy/pycls fixture files of tests/data/random (made once by make_fixtures.py).
#pragma once

#include <bit>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sweep_test {

/// @brief The lines of a fixture file, each split at spaces.
inline std::vector<std::vector<std::string>> read_fixture(const std::string& name) {
  std::string path = std::string(SWEEP_TEST_DATA_DIR) + "/random/" + name;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open fixture " + path);
  std::vector<std::vector<std::string>> rows;
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    auto& row = rows.emplace_back();
    for (std::string w; words >> w;) row.push_back(w);
  }
  return rows;
}

template <class T>
T parse_number(std::string_view s, int base = 10) {
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc{} || p != s.data() + s.size()) throw std::runtime_error("bad number in fixture: " + std::string(s));
  return v;
}

inline double parse_double(std::string_view s) {
  double v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) throw std::runtime_error("bad float in fixture: " + std::string(s));
  return v;
}

/// @brief A double stored as the 16 hex digits of its bits.
inline double from_bits(std::string_view hex) { return std::bit_cast<double>(parse_number<std::uint64_t>(hex, 16)); }

}  // namespace sweep_test
