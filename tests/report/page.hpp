// Shared by the report tests: what they read back from a written page.
#pragma once

#include "../support/files.hpp"

#include <regex>
#include <string>
#include <vector>

namespace sweep_test {

/// @brief The titles of a page's sections, in order (the <h3> headings html_book writes).
inline std::vector<std::string> section_titles(const std::string& html) {
  std::vector<std::string> out;
  std::regex h3(R"(<h3 id="section\d{3}">\d+ ([^<]*) <a class="top" href="#top">\[top\]</a></h3>)");
  for (std::sregex_iterator it(html.begin(), html.end(), h3), end; it != end; ++it) out.push_back((*it)[1]);
  return out;
}

}  // namespace sweep_test
