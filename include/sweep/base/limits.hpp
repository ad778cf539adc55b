// Limits that more than one stage holds text we do not control to (job logs, sweep.json).
#pragma once

namespace sweep {

/// @brief How deep a sweep.json may nest its lists and objects (a job's entry is 1 deep, its records 2,
/// a cfg section 3, ...). Deeper text is refused while it is read: the JSON library's tree functions
/// (copy, dump, compare) recurse once per level, and 100,000 levels overflow the stack. Job configs stay
/// far below (yaml-cpp's parser stops at about 500 levels); collect refuses a log record that would
/// nest its job's entry deeper than this.
inline constexpr int max_json_depth = 1000;

}  // namespace sweep
