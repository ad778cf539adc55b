// Report section "config" (pycls's "Config"): the sweep config as it was
// written, and every key with its value, defaults included.
#pragma once

#include <sweep/config/load.hpp>
#include <sweep/config/yaml.hpp>
#include <sweep/report/html_book.hpp>
#include <sweep/report/section.hpp>

#include <string_view>

namespace sweep::sections {

/// @brief Collapsible `sweep_cfg` (the text the config was loaded from) and `sweep_cfg_full`
/// (every key with its value, keys sorted).
struct config {
  static constexpr std::string_view name = "config";
  static constexpr std::string_view title = "Config";
  using options = no_options;

  void render(const analysis_context& ctx, const options&, html_book& book) const {
    book.add_details("sweep_cfg", sweep_config_yaml(ctx.config));
    book.add_details("sweep_cfg_full", to_yaml(sweep::detail::schema_to_value(ctx.config)));
  }
};

}  // namespace sweep::sections
