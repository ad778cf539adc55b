// Typed reads of a job config's model keys, with pycls's defaults for keys the
// config leaves out, and errors that name the key path, its line and what was
// expected. Sections are looked up once so the RegNet fast path stays cheap.
#pragma once

#include <sweep/error.hpp>
#include <sweep/value.hpp>

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sweep::detail {

/// @brief Python's round() of a float: half to even (the default FP rounding mode does that).
inline double py_round(double x) noexcept { return std::nearbyint(x); }

/// @brief Throws a sweep::error for `key` at the line of `node` (if known).
[[noreturn]] inline void model_key_error(const value* node, std::string_view key, std::string message) {
  throw error(source_location{"", node != nullptr ? node->line() : 0}, std::string(key), std::move(message));
}

/// @brief Reads keys of one section (MODEL, REGNET, ...) of a job config.
class section_reader {
 public:
  section_reader(const value& job_cfg, std::string_view section) noexcept
      : node_(job_cfg.child(section)), section_(section) {}

  /// @brief The node of KEY in the section, or nullptr when the config leaves it out.
  [[nodiscard]] const value* find(std::string_view key) const noexcept {
    return node_ != nullptr ? node_->child(key) : nullptr;
  }
  [[nodiscard]] std::string path(std::string_view key) const { return fmt::format("{}.{}", section_, key); }

  [[nodiscard]] std::int64_t get_int(std::string_view key, std::int64_t fallback) const {
    const value* v = find(key);
    return v == nullptr ? fallback : to_int(*v, key);
  }
  [[nodiscard]] double get_number(std::string_view key, double fallback) const {
    const value* v = find(key);
    if (v == nullptr) return fallback;
    if (!v->is_number()) fail(v, key, fmt::format("expected a number, got {} ({})", v->kind(), v->python_repr()));
    return v->as_float();
  }
  [[nodiscard]] bool get_bool(std::string_view key, bool fallback) const {
    const value* v = find(key);
    if (v == nullptr) return fallback;
    if (!v->is_bool()) fail(v, key, fmt::format("expected true or false, got {} ({})", v->kind(), v->python_repr()));
    return v->as_bool();
  }
  [[nodiscard]] std::string_view get_string(std::string_view key, std::string_view fallback) const {
    const value* v = find(key);
    if (v == nullptr) return fallback;
    if (!v->is_string()) fail(v, key, fmt::format("expected a string, got {} ({})", v->kind(), v->python_repr()));
    return v->as_string();
  }
  /// @brief A list of integers (empty when left out).
  [[nodiscard]] std::vector<std::int64_t> get_int_list(std::string_view key) const {
    std::vector<std::int64_t> out;
    if (const value* v = list_node(key)) {
      for (auto& item : v->as_list()) out.push_back(to_int(item, key));
    }
    return out;
  }
  /// @brief A list of numbers (empty when left out); `ints` tells which items were written as integers.
  [[nodiscard]] std::vector<double> get_number_list(std::string_view key, std::vector<bool>* ints = nullptr) const {
    std::vector<double> out;
    if (const value* v = list_node(key)) {
      for (auto& item : v->as_list()) {
        if (!item.is_number()) {
          fail(&item, key, fmt::format("expected a list of numbers, got an item {} ({})", item.kind(), item.python_repr()));
        }
        out.push_back(item.as_float());
        if (ints != nullptr) ints->push_back(item.is_int());
      }
    }
    return out;
  }

  /// @brief Throws an error for KEY of this section at the line of `node`.
  [[noreturn]] void fail(const value* node, std::string_view key, std::string message) const {
    model_key_error(node != nullptr ? node : find(key), path(key), std::move(message));
  }

 private:
  [[nodiscard]] const value* list_node(std::string_view key) const {
    const value* v = find(key);
    if (v == nullptr || v->is_null()) return nullptr;
    if (!v->is_list()) fail(v, key, fmt::format("expected a list, got {} ({})", v->kind(), v->python_repr()));
    return v;
  }
  [[nodiscard]] std::int64_t to_int(const value& v, std::string_view key) const {
    if (v.is_int()) return v.as_int();
    // An integral float (8.0) counts the same in pycls's arithmetic.
    if (v.is_float() && std::isfinite(v.as_float()) && v.as_float() == std::trunc(v.as_float()) &&
        std::fabs(v.as_float()) < 9.0e15) {
      return static_cast<std::int64_t>(v.as_float());
    }
    fail(&v, key, fmt::format("expected an integer, got {} ({})", v.kind(), v.python_repr()));
  }

  const value* node_;
  std::string_view section_;
};

/// @brief The pycls defaults this stage needs from outside the model sections.
inline constexpr std::int64_t default_num_classes = 10;
inline constexpr std::int64_t default_train_im_size = 224;
inline constexpr std::int64_t default_test_im_size = 256;

/// @brief TRAIN.IM_SIZE (default 224), checked to be positive.
inline std::int64_t read_im_size(const value& job_cfg) {
  section_reader train(job_cfg, "TRAIN");
  auto size = train.get_int("IM_SIZE", default_train_im_size);
  if (size <= 0) train.fail(nullptr, "IM_SIZE", fmt::format("expected a positive image size, got {}", size));
  return size;
}

/// @brief MODEL.NUM_CLASSES (default 10), checked to be positive.
inline std::int64_t read_num_classes(const value& job_cfg) {
  section_reader model(job_cfg, "MODEL");
  auto n = model.get_int("NUM_CLASSES", default_num_classes);
  if (n <= 0) model.fail(nullptr, "NUM_CLASSES", fmt::format("expected a positive number of classes, got {}", n));
  return n;
}

}  // namespace sweep::detail
