// The launch backends by name: the built-in ones (local, sge, slurm), added the
// first time the registry is asked for, then the user's, registered with
//   SWEEP_REGISTER(sweep::register_launch_backend<my_backend>);   // at namespace scope
// (the concept is in launch/backend.hpp). Built-ins are added inside the
// accessor, not by a variable of each backend's header: such a variable is
// initialised in every translation unit that includes it, which compiled every
// backend in each of them.
#pragma once

#include <sweep/base/registry.hpp>
#include <sweep/config/check.hpp>
#include <sweep/config/components.hpp>
#include <sweep/config/sweep_config.hpp>
#include <sweep/launch/backend.hpp>
#include <sweep/launch/local.hpp>
#include <sweep/launch/sge.hpp>
#include <sweep/launch/slurm.hpp>

#include <memory>
#include <string>

namespace sweep {

/// @brief Every launch backend by name (LAUNCH.BACKEND, `--backend`): local, sge and slurm, then the user's.
inline registry<launch_backend_factory>& launch_backends() {
  static registry<launch_backend_factory> backends("launch backend", "LAUNCH.BACKEND");
  static const bool built_in = [] {
    detail::add_launch_backend<local_backend>(backends);
    detail::add_launch_backend<sge_backend>(backends);
    detail::add_launch_backend<slurm_backend>(backends);
    return true;
  }();
  (void)built_in;
  return backends;
}

/// @brief Registers backend B under B::name; use `SWEEP_REGISTER(sweep::register_launch_backend<B>);`.
template <class B>
void register_launch_backend() {
  detail::add_launch_backend<B>(launch_backends());
}

namespace detail {

/// @brief make_launch_backend without the check of the LAUNCH.<NAME> sections, for loops over every
/// registered backend that have checked them once.
inline std::unique_ptr<any_launch_backend> make_unchecked_launch_backend(const sweep_config& cfg, const std::string& name) {
  auto& factory = launch_backends().get(name, config_checker(cfg).where("LAUNCH.BACKEND"));
  return factory(cfg);
}

}  // namespace detail

/// @brief The backend registered as `name`, made for `cfg` (its LAUNCH.<NAME> keys read); an unknown
/// name, or a LAUNCH.<NAME> section no backend reads, is an error listing the registered ones.
inline std::unique_ptr<any_launch_backend> make_launch_backend(const sweep_config& cfg, const std::string& name) {
  detail::check_component_sections(cfg, cfg.launch.extensions, "LAUNCH", launch_backends());
  return detail::make_unchecked_launch_backend(cfg, name);
}

/// @brief Calls `f(name, backend)` for every registered backend made for `cfg`, the sections checked once.
template <class F>
void for_each_launch_backend(const sweep_config& cfg, F&& f) {
  detail::check_component_sections(cfg, cfg.launch.extensions, "LAUNCH", launch_backends());
  for (auto& name : launch_backends().names()) f(name, *detail::make_unchecked_launch_backend(cfg, name));
}

}  // namespace sweep
