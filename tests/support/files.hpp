// What tests of every stage need of the file system: a throw-away folder and
// whole-file reads and writes (the library's own file functions are under test).
#pragma once

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <system_error>

#include <unistd.h>

namespace sweep_test {

namespace fs = std::filesystem;

/// @brief A fresh folder under the system temp dir, removed with everything in it at the end of the test.
struct temp_dir {
  fs::path path;
  explicit temp_dir(std::string_view prefix = "sweep-test") {
    static int count = 0;
    path = fs::temp_directory_path() / fmt::format("{}-{}-{}", prefix, ::getpid(), count++);
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
};

inline std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_text(const fs::path& p, const std::string& text) {
  if (p.has_parent_path()) fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

}  // namespace sweep_test
