// The digits data (8x8 images of handwritten digits, 1797 rows) read from the
// gzipped CSV with zlib, and the fixed train/test split every job shares.
#pragma once

#include <sweep/error.hpp>

#include <fmt/format.h>
#include <zlib.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace digits {

inline constexpr int num_pixels = 64;
inline constexpr int num_classes = 10;

/// @brief Images as rows of `num_pixels` floats in [0, 1], and their labels.
struct dataset {
  std::vector<float> images;
  std::vector<int> labels;
  [[nodiscard]] std::size_t size() const noexcept { return labels.size(); }
  [[nodiscard]] const float* image(std::size_t i) const noexcept { return images.data() + i * num_pixels; }
};

/// @brief The text of a gzip file (a plain file reads as it is).
inline std::string read_gzip_file(const std::filesystem::path& file) {
  std::unique_ptr<gzFile_s, int (*)(gzFile)> in(gzopen(file.c_str(), "rb"), gzclose);
  if (!in) throw sweep::error({file.string()}, "", "cannot open the data file");
  std::string text;
  std::array<char, 1 << 16> buffer;
  for (;;) {
    int n = gzread(in.get(), buffer.data(), static_cast<unsigned>(buffer.size()));
    if (n < 0) {
      int code = 0;
      throw sweep::error({file.string()}, "", fmt::format("cannot decompress: {}", gzerror(in.get(), &code)));
    }
    if (n == 0) return text;
    text.append(buffer.data(), static_cast<std::size_t>(n));
  }
}

/// @brief Parses rows of 64 pixel counts (0..16) and a label (0..9); pixels are scaled to [0, 1].
inline dataset parse_digits_csv(std::string_view text, const std::string& file_name) {
  dataset out;
  int line_no = 0;
  while (!text.empty()) {
    ++line_no;
    auto eol = text.find('\n');
    auto line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    std::array<int, num_pixels + 1> fields{};
    const char* p = line.data();
    const char* end = line.data() + line.size();
    for (int f = 0; f <= num_pixels; ++f) {
      auto [next, ec] = std::from_chars(p, end, fields[static_cast<std::size_t>(f)]);
      bool bad = ec != std::errc{} || (f < num_pixels ? (next == end || *next != ',') : next != end);
      int v = fields[static_cast<std::size_t>(f)];
      if (bad || v < 0 || v > (f < num_pixels ? 16 : num_classes - 1)) {
        throw sweep::error({file_name, line_no}, "",
                           fmt::format("expected 64 pixel counts 0..16 and a label 0..9 separated by commas "
                                       "(field {} is wrong)", f + 1));
      }
      p = next + 1;
    }
    for (int f = 0; f < num_pixels; ++f) out.images.push_back(static_cast<float>(fields[static_cast<std::size_t>(f)]) / 16.0f);
    out.labels.push_back(fields[num_pixels]);
  }
  if (out.size() == 0) throw sweep::error({file_name}, "", "the data file holds no rows");
  return out;
}

/// @brief The fixed, stratified 80/20 split: the 5th, 10th, ... image of each class is a test image.
/// It needs no random numbers, so every job of every sweep tests on the same images.
inline std::pair<dataset, dataset> split_train_test(const dataset& all) {
  std::pair<dataset, dataset> out;
  std::array<int, num_classes> seen{};
  for (std::size_t i = 0; i < all.size(); ++i) {
    int label = all.labels[i];
    auto& part = (++seen[static_cast<std::size_t>(label)] % 5 == 0) ? out.second : out.first;
    part.images.insert(part.images.end(), all.image(i), all.image(i) + num_pixels);
    part.labels.push_back(label);
  }
  return out;
}

/// @brief Reads the digits file and splits it.
inline std::pair<dataset, dataset> load_digits(const std::filesystem::path& file) {
  return split_train_test(parse_digits_csv(read_gzip_file(file), file.string()));
}

}  // namespace digits
