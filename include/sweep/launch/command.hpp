// The job command: LAUNCH.COMMAND is split into words like a shell would, and
// only then are {cfg}, {out_dir}, {index} and {mode} substituted inside each
// word, so a substituted value is always one whole argument and never code.
#pragma once

#include <sweep/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sweep {

/// @brief What a job's command line is made from: its config file, log folder, index and LAUNCH.MODE.
struct job_vars {
  std::string cfg;
  std::string out_dir;
  std::int64_t index = 0;
  std::string mode;
};

/// @brief Splits a command template into words: blanks separate, '...' is literal, "..." and \ escape like sh.
/// Throws sweep::error (key LAUNCH.COMMAND) on an unterminated quote or an empty command.
inline std::vector<std::string> split_command(std::string_view text, const std::string& file = {}) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  auto fail = [&](const std::string& what) {
    throw error({file, 0}, "LAUNCH.COMMAND", fmt::format("{} in '{}'", what, text));
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) words.push_back(std::move(word)), word.clear(), in_word = false;
    } else if (c == '\'') {
      auto end = text.find('\'', i + 1);
      if (end == std::string_view::npos) fail("unterminated single quote: expected a closing '");
      word.append(text.substr(i + 1, end - i - 1));
      i = end, in_word = true;
    } else if (c == '"') {
      std::size_t j = i + 1;
      for (; j < text.size() && text[j] != '"'; ++j) {
        // Inside double quotes a backslash escapes only the characters sh lets it escape.
        if (text[j] == '\\' && j + 1 < text.size() && std::string_view("\"\\$`").find(text[j + 1]) != std::string_view::npos) ++j;
        word += text[j];
      }
      if (j >= text.size()) fail("unterminated double quote: expected a closing \"");
      i = j, in_word = true;
    } else if (c == '\\') {
      if (i + 1 < text.size()) word += text[++i];
      in_word = true;
    } else {
      word += c, in_word = true;
    }
  }
  if (in_word) words.push_back(std::move(word));
  if (words.empty()) fail("empty command: expected a program and its arguments");
  return words;
}

/// @brief Quotes a word for a POSIX shell ('...' with ' written as '\''); any byte is safe inside.
inline std::string shell_quote(std::string_view word) {
  bool plain = !word.empty() && word.find_first_not_of(
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@%") == std::string_view::npos;
  if (plain) return std::string(word);
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

/// @brief A command line for display: each word shell-quoted, joined by blanks.
inline std::string shell_join(const std::vector<std::string>& words) {
  std::string out;
  for (auto& w : words) out += (out.empty() ? "" : " ") + shell_quote(w);
  return out;
}

/// @brief The longest argument a command word may expand to (Linux allows 128 KiB per argument; a
/// longer one is a typo such as {index:>999999999}, which would build a 1 GB string per job).
inline constexpr std::size_t max_word_bytes = 64 * 1024;

namespace detail {

/// @brief Refuses a width or precision above max_word_bytes inside a word's placeholders, before
/// fmt builds the string.
inline void check_placeholder_numbers(const std::string& word, const std::string& file) {
  int depth = 0;
  for (std::size_t i = 0; i < word.size(); ++i) {
    char c = word[i];
    if (depth == 0 && (c == '{' || c == '}') && i + 1 < word.size() && word[i + 1] == c) {
      ++i;  // {{ or }}: a literal brace
    } else if (c == '{') {
      ++depth;
    } else if (c == '}') {
      depth -= depth > 0 ? 1 : 0;
    } else if (depth > 0 && c >= '0' && c <= '9') {
      std::size_t j = i;
      std::uint64_t n = 0;
      for (; j < word.size() && word[j] >= '0' && word[j] <= '9'; ++j) n = std::min<std::uint64_t>(n * 10 + static_cast<std::uint64_t>(word[j] - '0'), UINT32_MAX);
      if (n > max_word_bytes) {
        throw error({file, 0}, "LAUNCH.COMMAND",
                    fmt::format("width {} in '{}' is too large: expected a width or precision of at most {} "
                                "(the bytes of one argument)", word.substr(i, j - i), word, max_word_bytes));
      }
      i = j - 1;
    }
  }
}

}  // namespace detail

/// @brief Substitutes the job's values into one word (fmt syntax: {index:06d} works, {{ is a literal brace).
/// A word that would expand to more than max_word_bytes is an error (key LAUNCH.COMMAND).
inline std::string expand_word(const std::string& word, const job_vars& vars, const std::string& file = {}) {
  if (word.find_first_of("{}") == std::string::npos) return word;
  detail::check_placeholder_numbers(word, file);
  std::string out;
  try {
    out = fmt::format(fmt::runtime(word), fmt::arg("cfg", vars.cfg), fmt::arg("out_dir", vars.out_dir),
                      fmt::arg("index", vars.index), fmt::arg("mode", vars.mode));
  } catch (const fmt::format_error& e) {
    throw error({file, 0}, "LAUNCH.COMMAND",
                fmt::format("bad placeholder in '{}' ({}): expected {{cfg}}, {{out_dir}}, {{index}} or {{mode}}; "
                            "write {{{{ and }}}} for literal braces", word, e.what()));
  }
  if (out.size() > max_word_bytes) {
    throw error({file, 0}, "LAUNCH.COMMAND",
                fmt::format("'{}' expands to {} bytes for job {}: expected at most {} bytes per argument", word,
                            out.size(), vars.index, max_word_bytes));
  }
  return out;
}

/// @brief The job's argv: the template's words with the job's values substituted in each.
inline std::vector<std::string> expand_command(const std::vector<std::string>& words, const job_vars& vars,
                                               const std::string& file = {}) {
  std::vector<std::string> argv;
  argv.reserve(words.size());
  for (auto& w : words) argv.push_back(expand_word(w, vars, file));
  return argv;
}

/// @brief Splits and expands a template in one go.
inline std::vector<std::string> job_command(std::string_view command, const job_vars& vars, const std::string& file = {}) {
  return expand_command(split_command(command, file), vars, file);
}

}  // namespace sweep
