// Components by name: launch backends, log formats and report sections are kept
// in registries, so a config or the command line picks one by its name and a
// user adds their own from their own code, the way Catch2 v2 registers
// reporters. Built-in parts are added by the registry's accessor the first time it
// is asked for (never by a variable in each part's header, which every translation
// unit would initialise, compiling every part again); a user's parts follow.
//
//   SWEEP_REGISTER(sweep::register_launch_backend<my_backend>);   // at namespace scope
#pragma once

#include <sweep/base/suggest.hpp>
#include <sweep/error.hpp>

#include <fmt/format.h>

#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sweep {

/// @brief Components of one kind by name, in the order they were registered.
/// Registration happens before main (static registrars) or at any time; lookups are thread-safe.
template <class Component>
class registry {
 public:
  /// @param kind what the components are, for messages ("launch backend", "log format")
  /// @param key_path the config key that names one ("LAUNCH.BACKEND"), for messages
  registry(std::string kind, std::string key_path) : kind_(std::move(kind)), key_path_(std::move(key_path)) {}

  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  /// @brief Adds `component` under `name`. Two components under one name would make a config
  /// mean different things in different programs, so a taken name is an error.
  const Component& add(std::string name, Component component) {
    std::lock_guard lock(m_);
    if (name.empty()) throw error(fmt::format("a {} needs a non-empty name", kind_));
    for (auto& [n, c] : entries_) {
      if (n == name) throw error(fmt::format("two {}s are registered as '{}': expected each name once", kind_, name));
    }
    return entries_.emplace_back(std::move(name), std::move(component)).second;
  }

  /// @brief The component registered as `name`, or nullptr.
  [[nodiscard]] const Component* find(std::string_view name) const {
    std::lock_guard lock(m_);
    for (auto& [n, c] : entries_) {
      if (n == name) return &c;
    }
    return nullptr;
  }

  /// @brief The component registered as `name`; an unknown name is a sweep::error at `where` that
  /// lists the registered names, with a "did you mean".
  [[nodiscard]] const Component& get(std::string_view name, const source_location& where = {}) const {
    if (auto* c = find(name)) return *c;
    throw error(where, key_path_, unknown(name));
  }

  /// @brief "unknown launch backend 'slrum': expected one of local, slurm (did you mean 'slurm'?)".
  [[nodiscard]] std::string unknown(std::string_view name) const {
    auto known = names();
    return fmt::format("unknown {} '{}': expected one of {}{}", kind_, name, fmt::join(known, ", "),
                       did_you_mean(name, known));
  }

  [[nodiscard]] bool contains(std::string_view name) const { return find(name) != nullptr; }

  /// @brief The registered names, in registration order (built-in parts first).
  [[nodiscard]] std::vector<std::string> names() const {
    std::lock_guard lock(m_);
    std::vector<std::string> out;
    for (auto& [n, c] : entries_) out.push_back(n);
    return out;
  }

  [[nodiscard]] const std::string& kind() const noexcept { return kind_; }
  [[nodiscard]] const std::string& key_path() const noexcept { return key_path_; }

 private:
  mutable std::mutex m_;
  std::string kind_, key_path_;
  std::deque<std::pair<std::string, Component>> entries_;  // a deque: references stay valid as it grows
};

}  // namespace sweep

#define SWEEP_DETAIL_CAT2(a, b) a##b
#define SWEEP_DETAIL_CAT(a, b) SWEEP_DETAIL_CAT2(a, b)

/// @brief Calls a registration function before main, e.g.
/// `SWEEP_REGISTER(sweep::register_log_format<my_format>);` at namespace scope.
#define SWEEP_REGISTER(...)                                                 \
  [[maybe_unused]] static const bool SWEEP_DETAIL_CAT(sweep_registered_, __COUNTER__) = \
      ((__VA_ARGS__)(), true)
