// Model families by MODEL.TYPE, as pycls's builders.register_model(): the
// engine asks for a config's complexity without knowing the family, and a new
// family plugs in with register_model_family() (see docs/models.md).
#pragma once

#include <sweep/error.hpp>
#include <sweep/models/anynet.hpp>
#include <sweep/models/complexity.hpp>
#include <sweep/models/effnet.hpp>
#include <sweep/models/mlp.hpp>
#include <sweep/models/regnet.hpp>
#include <sweep/models/resnet.hpp>
#include <sweep/value.hpp>

#include <fmt/format.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sweep {

/// @brief What a model family provides. Only `compute` is required.
struct model_family {
  /// @brief Complexity of a job config as written (pycls's net.complexity: what the job logs).
  std::function<complexity(const value&)> compute;
  /// @brief pycls's setup step (scaler.scale_model()) on a job config; empty: the config is kept.
  std::function<value(const value&)> standardize;
  /// @brief A faster compute(standardize(cfg)); empty: that composition is used.
  std::function<complexity(const value&)> compute_standardized;
};

namespace detail {

class model_registry {
 public:
  static model_registry& instance() {
    static model_registry registry;
    return registry;
  }

  void add(std::string type, model_family family) {
    if (!family.compute) {
      throw sweep::error({}, "MODEL.TYPE", fmt::format("model family '{}' registered without a compute function", type));
    }
    auto shared = std::make_shared<const model_family>(std::move(family));
    std::unique_lock lock(mutex_);
    families_[std::move(type)] = std::move(shared);
  }

  [[nodiscard]] std::shared_ptr<const model_family> find(std::string_view type) const {
    std::shared_lock lock(mutex_);
    auto it = families_.find(type);
    return it == families_.end() ? nullptr : it->second;
  }

  [[nodiscard]] std::vector<std::string> types() const {
    std::shared_lock lock(mutex_);
    std::vector<std::string> out;
    for (auto& [name, family] : families_) out.push_back(name);
    return out;
  }

 private:
  model_registry() {
    families_["anynet"] = std::make_shared<const model_family>(model_family{
        [](const value& c) { return anynet_complexity(c); }, standardize_anynet, standardized_anynet_complexity});
    families_["regnet"] = std::make_shared<const model_family>(model_family{
        [](const value& c) { return regnet_complexity(c); }, standardize_regnet, standardized_regnet_complexity});
    families_["resnet"] =
        std::make_shared<const model_family>(model_family{[](const value& c) { return resnet_complexity(c); }, {}, {}});
    families_["mlp"] =
        std::make_shared<const model_family>(model_family{[](const value& c) { return mlp_complexity(c); }, {}, {}});
    families_["effnet"] = std::make_shared<const model_family>(model_family{
        [](const value& c) { return effnet_complexity(c); }, standardize_effnet, standardized_effnet_complexity});
  }

  mutable std::shared_mutex mutex_;
  std::map<std::string, std::shared_ptr<const model_family>, std::less<>> families_;
};

}  // namespace detail

/// @brief Adds (or replaces) the family for MODEL.TYPE `type`; safe while other threads compute.
inline void register_model_family(std::string type, model_family family) {
  detail::model_registry::instance().add(std::move(type), std::move(family));
}

/// @brief The family registered for `type`, or nullptr. Holding the pointer keeps it valid
/// even if the type is registered again, so a hot loop can look it up once.
inline std::shared_ptr<const model_family> find_model_family(std::string_view type) {
  return detail::model_registry::instance().find(type);
}

/// @brief The registered MODEL.TYPE names, sorted.
inline std::vector<std::string> known_model_types() { return detail::model_registry::instance().types(); }

/// @brief The family of a job config's MODEL.TYPE; an unknown type throws, naming the known ones.
inline std::shared_ptr<const model_family> model_family_of(const value& job_cfg) {
  detail::section_reader model(job_cfg, "MODEL");
  auto type = model.get_string("TYPE", "");
  auto family = find_model_family(type);
  if (!family) {
    model.fail(nullptr, "TYPE",
               fmt::format("unknown model type '{}' (known: {})", type, fmt::join(known_model_types(), ", ")));
  }
  return family;
}

/// @brief pycls's complexity of a job config as written: what the job reports when it trains it.
inline complexity compute_complexity(const value& job_cfg) { return model_family_of(job_cfg)->compute(job_cfg); }

/// @brief pycls's setup step on a job config: for anynet/effnet/regnet the scaler
/// (scaler.scale_model()), which standardises the model at SCALING_FACTOR 1.0 and turns a
/// regnet into its anynet form; other types are returned unchanged.
inline value standardize_model(const value& job_cfg) {
  auto family = model_family_of(job_cfg);
  return family->standardize ? family->standardize(job_cfg) : job_cfg;
}

/// @brief The complexity pycls's setup checks against SETUP.CONSTRAINTS.CX:
/// compute_complexity(standardize_model(cfg)), without building the standardised config
/// when the family has a fast path.
inline complexity standardized_complexity(const value& job_cfg) {
  auto family = model_family_of(job_cfg);
  if (family->compute_standardized) return family->compute_standardized(job_cfg);
  if (family->standardize) return family->compute(family->standardize(job_cfg));
  return family->compute(job_cfg);
}

}  // namespace sweep
