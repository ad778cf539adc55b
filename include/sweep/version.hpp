#pragma once

#include <string_view>

namespace sweep {
/// @brief The library's version: project(VERSION) of CMakeLists.txt, which refuses to configure when they differ.
inline constexpr std::string_view version = "0.1.0";
}  // namespace sweep
