// The job command: LAUNCH.COMMAND is split into words like a shell would, and
// only then are {cfg}, {out_dir}, {index} and {mode} substituted inside each
// word, so a substituted value is always one whole argument and never code.
#pragma once

#include <sweep/error.hpp>

#include <fmt/format.h>

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

/// @brief Substitutes the job's values into one word (fmt syntax: {index:06d} works, {{ is a literal brace).
inline std::string expand_word(const std::string& word, const job_vars& vars, const std::string& file = {}) {
  if (word.find_first_of("{}") == std::string::npos) return word;
  try {
    return fmt::format(fmt::runtime(word), fmt::arg("cfg", vars.cfg), fmt::arg("out_dir", vars.out_dir),
                       fmt::arg("index", vars.index), fmt::arg("mode", vars.mode));
  } catch (const fmt::format_error& e) {
    throw error({file, 0}, "LAUNCH.COMMAND",
                fmt::format("bad placeholder in '{}' ({}): expected {{cfg}}, {{out_dir}}, {{index}} or {{mode}}; "
                            "write {{{{ and }}}} for literal braces", word, e.what()));
  }
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
