// The one error type for bad input: it names where (file, line), which key
// path, and what was expected, so every stage reports problems the same way.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace sweep {

/// @brief Where a value came from: a file and a 1-based line (0 when unknown).
struct source_location {
  std::string file;
  int line = 0;
};

/// @brief Bad input: `file:line: KEY.PATH: message`.
class error : public std::runtime_error {
 public:
  error(source_location where, std::string key_path, std::string message)
      : std::runtime_error(compose(where, key_path, message)),
        where_(std::move(where)),
        key_path_(std::move(key_path)),
        message_(std::move(message)) {}

  explicit error(std::string message) : error({}, {}, std::move(message)) {}

  [[nodiscard]] const source_location& where() const noexcept { return where_; }
  [[nodiscard]] const std::string& key_path() const noexcept { return key_path_; }
  [[nodiscard]] const std::string& message() const noexcept { return message_; }

 private:
  static std::string compose(const source_location& where, const std::string& key_path,
                             const std::string& message) {
    std::string text;
    if (!where.file.empty()) {
      text = where.line > 0 ? fmt::format("{}:{}: ", where.file, where.line) : where.file + ": ";
    }
    if (!key_path.empty()) text += key_path + ": ";
    return text + message;
  }

  source_location where_;
  std::string key_path_;
  std::string message_;
};

}  // namespace sweep
