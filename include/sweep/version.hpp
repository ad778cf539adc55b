#pragma once

#include <string_view>

namespace sweep {
/// @brief The library's version, as in CMakeLists.txt.
inline constexpr std::string_view version = "0.1.0";
}  // namespace sweep
