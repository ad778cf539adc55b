// The registry of report sections: pycls's sections (registered first, through
// the same call a user has) and the user's own. ANALYZE.SECTIONS lists the
// sections of a page by name, in order; left empty, a page has pycls's sections
// in pycls's order and the job table. ANALYZE.<NAME> holds a section's options.
//
//   SWEEP_REGISTER(sweep::register_report_section<my_section>);   // at namespace scope
#pragma once

#include <sweep/base/registry.hpp>
#include <sweep/base/suggest.hpp>
#include <sweep/config/load.hpp>
#include <sweep/config/sweep_config.hpp>
#include <sweep/error.hpp>
#include <sweep/report/html_book.hpp>
#include <sweep/report/section.hpp>
#include <sweep/report/sections/compare.hpp>
#include <sweep/report/sections/config.hpp>
#include <sweep/report/sections/curves.hpp>
#include <sweep/report/sections/early_stopping.hpp>
#include <sweep/report/sections/edf.hpp>
#include <sweep/report/sections/importance.hpp>
#include <sweep/report/sections/jobs.hpp>
#include <sweep/report/sections/models.hpp>
#include <sweep/report/sections/parallel.hpp>
#include <sweep/report/sections/repeats.hpp>
#include <sweep/report/sections/values.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace sweep {

/// @brief A section with its options read, ready to add to a page.
struct prepared_section {
  std::string name, title;
  std::vector<std::string> reads;  // see report_section: metrics or dotted keys of epoch columns
  std::function<bool(const analysis_context&)> shown;
  std::function<void(const analysis_context&, html_book&)> render;
};

/// @brief A registered report section, as the registry keeps it (type-erased).
struct registered_section {
  std::string title;
  bool has_options = false;
  /// @brief Reads the section's options from ANALYZE.<NAME> (its defaults when that key is absent;
  /// a sweep::error naming `file`, the line and the key path when a value is wrong).
  std::function<prepared_section(const analyze_options&, const std::string& file)> prepare;
};

namespace detail {

template <class T>
registered_section make_registered_section() {
  using options = typename T::options;
  registered_section out;
  out.title = std::string(T::title);
  out.has_options = !std::is_same_v<options, no_options>;
  out.prepare = [](const analyze_options& a, const std::string& file) {
    auto opts = std::make_shared<options>();
    if (auto* node = component_section(a.extensions, T::name)) {
      auto path = "ANALYZE." + upper(T::name);
      if constexpr (std::is_same_v<options, no_options>) {
        throw error({file, node->line()}, path,
                    fmt::format("report section '{}' has no options: expected no {} key", T::name, path));
      } else {
        schema_reader(file).read(*node, path, *opts);
      }
    }
    auto section = std::make_shared<const T>();
    prepared_section p;
    p.name = std::string(T::name);
    p.title = std::string(T::title);
    p.reads = section_reads(*section, *opts);
    p.shown = [section, opts](const analysis_context& ctx) { return section_shown(*section, ctx, *opts); };
    p.render = [section, opts](const analysis_context& ctx, html_book& book) { section->render(ctx, *opts, book); };
    return p;
  };
  return out;
}

/// @brief Checks T against report_section, one message at a time: the first thing missing.
template <class T>
constexpr bool check_report_section() {
  constexpr std::string_view render_signature =
      "void render(const sweep::analysis_context&, const options&, sweep::html_book&) const";
  if constexpr (!section_has_name<T>) {
    static_assert(section_has_name<T>,
                  "sweep::register_report_section<T>: T has no name; add `static constexpr std::string_view name = "
                  "\"my_section\";` (what ANALYZE.SECTIONS lists)");
    return false;
  } else if constexpr (!section_has_title<T>) {
    static_assert(section_has_title<T>,
                  "sweep::register_report_section<T>: T has no title; add `static constexpr std::string_view title = "
                  "\"My Section\";` (its heading on the page)");
    return false;
  } else if constexpr (!section_has_options<T>) {
    static_assert(section_has_options<T>,
                  "sweep::register_report_section<T>: T has no options type; add `using options = sweep::no_options;` "
                  "or name a BOOST_HANA_DEFINE_STRUCT struct, read from ANALYZE.<NAME>");
    return false;
  } else if constexpr (!section_has_render_member<T>) {
    static_assert(section_has_render_member<T>,
                  "sweep::register_report_section<T>: T has no render; add `void render(const sweep::analysis_context&, "
                  "const options&, sweep::html_book&) const`");
    return false;
  } else if constexpr (!section_renders<T>) {
    static_assert(section_renders<T>,
                  "sweep::register_report_section<T>: T::render has the wrong signature; expected `void render(const "
                  "sweep::analysis_context&, const options&, sweep::html_book&) const`");
    return false;
  } else if constexpr (!section_shown_ok<T>) {
    static_assert(section_shown_ok<T>,
                  "sweep::register_report_section<T>: T::shown has the wrong signature; expected `bool shown(const "
                  "sweep::analysis_context&, const options&) const` (or no shown: always shown)");
    return false;
  } else if constexpr (!section_reads_ok<T>) {
    static_assert(section_reads_ok<T>,
                  "sweep::register_report_section<T>: T::reads has the wrong signature; expected "
                  "`std::vector<std::string> reads(const options&) const` (or no reads: nothing beyond pycls's)");
    return false;
  } else if constexpr (!std::default_initializable<T>) {
    static_assert(std::default_initializable<T>, "sweep::register_report_section<T>: T must be default-constructible");
    return false;
  } else {
    static_assert(std::is_same_v<typename T::options, no_options> || reflected_struct<typename T::options>,
                  "sweep::register_report_section<T>: T::options must be sweep::no_options or a struct declared with "
                  "BOOST_HANA_DEFINE_STRUCT (its fields are the keys of ANALYZE.<NAME>)");
    static_assert(valid_section_name(T::name),
                  "sweep::register_report_section<T>: T::name must be lower-case letters, digits and '_', starting "
                  "with a letter (ANALYZE.<NAME> is its upper-cased form)");
    (void)render_signature;
    return report_section<T>;
  }
}

template <class T>
void add_report_section(registry<registered_section>& to) {
  if constexpr (check_report_section<T>()) {
    // ANALYZE.<NAME> must not be one of ANALYZE's own keys, or the section's options could not be written.
    if (!std::is_same_v<typename T::options, no_options>) {
      auto keys = field_keys<analyze_options>();
      if (std::find(keys.begin(), keys.end(), upper(T::name)) != keys.end()) {
        throw error(fmt::format("report section '{}' has options, but ANALYZE.{} is a key of ANALYZE: expected another name",
                                T::name, upper(T::name)));
      }
    }
    to.add(std::string(T::name), make_registered_section<T>());
  }
}

}  // namespace detail

/// @brief The sections of a page when ANALYZE.SECTIONS is empty: pycls's, in pycls's order (with Early
/// Stopping after Config, shown only when jobs were stopped early, and Seed Repeats after the EDFs), then
/// the job table. A section that has nothing to show for a config (EDF Filtered without PRE_FILTERS, Seed
/// Repeats without SETUP.REPEATS, Best Models with PLOT_MODELS_BEST 0, ...) adds nothing.
inline std::vector<std::string> default_report_sections() {
  return {"config",     "early_stopping", "edf",          "edf_filtered", "edf_split",    "repeats", "metrics",
          "complexity", "best_errors",    "worst_errors", "best_models",  "worst_models", "jobs"};
}

/// @brief Report sections by name: pycls's first (see default_report_sections), then the user's
/// in the order they were registered.
inline registry<registered_section>& report_sections() {
  static registry<registered_section> sections("report section", "ANALYZE.SECTIONS");
  static const bool built_in = [] {
    detail::add_report_section<sections::config>(sections);
    detail::add_report_section<sections::early_stopping>(sections);  // shown only when jobs were stopped early
    detail::add_report_section<sections::edf>(sections);
    detail::add_report_section<sections::edf_filtered>(sections);
    detail::add_report_section<sections::edf_split>(sections);
    detail::add_report_section<sections::repeats>(sections);
    detail::add_report_section<sections::metrics>(sections);
    detail::add_report_section<sections::complexity>(sections);
    detail::add_report_section<sections::best_errors>(sections);
    detail::add_report_section<sections::worst_errors>(sections);
    detail::add_report_section<sections::best_models>(sections);
    detail::add_report_section<sections::worst_models>(sections);
    detail::add_report_section<sections::jobs>(sections);
    // Ours beyond pycls: on a page only when ANALYZE.SECTIONS lists them.
    detail::add_report_section<sections::importance>(sections);
    detail::add_report_section<sections::parallel>(sections);
    detail::add_report_section<sections::compare>(sections);
    return true;
  }();
  (void)built_in;
  return sections;
}

/// @brief Registers report section T (see the report_section concept) under T::name, e.g.
/// `SWEEP_REGISTER(sweep::register_report_section<my_section>);` at namespace scope. A misfit T
/// meets a static_assert naming what is missing.
/// @sa docs/extend.md#a-report-section
template <class T>
void register_report_section() {
  detail::add_report_section<T>(report_sections());
}

/// @brief The sections of `cfg`'s page, in order, with their options read: checks that each name of
/// ANALYZE.SECTIONS is registered and listed once, and that each ANALYZE.<NAME> map names a
/// registered section (whose keys are then read and checked, chosen or not). Errors name the
/// file, the line and the key path.
inline std::vector<prepared_section> page_sections(const sweep_config& cfg) {
  const auto& reg = report_sections();
  const auto& listed = cfg.analyze.sections;
  const value* listed_node = cfg.source ? cfg.source->find("ANALYZE.SECTIONS") : nullptr;
  auto location_of = [&](std::size_t i) -> source_location {
    bool known = listed_node != nullptr && listed_node->is_list() && i < listed_node->as_list().size();
    return {cfg.file, known ? listed_node->as_list()[i].line() : 0};
  };
  for (std::size_t i = 0; i < listed.size(); ++i) {
    auto key = fmt::format("ANALYZE.SECTIONS[{}]", i);
    if (!reg.contains(listed[i])) throw error(location_of(i), key, reg.unknown(listed[i]));
    for (std::size_t k = 0; k < i; ++k) {
      if (listed[k] == listed[i]) {
        throw error(location_of(i), key, fmt::format("'{}' is listed twice (also ANALYZE.SECTIONS[{}]): expected each section once", listed[i], k));
      }
    }
  }
  auto names = reg.names();
  for (auto& [key, node] : cfg.analyze.extensions) {
    auto owner = std::find_if(names.begin(), names.end(), [&key = key](auto& n) { return detail::upper(n) == key; });
    auto path = "ANALYZE." + key;
    if (owner == names.end()) {
      auto candidates = detail::field_keys<analyze_options>();
      for (auto& n : names) candidates.push_back(detail::upper(n));
      throw error({cfg.file, node.line()}, path,
                  fmt::format("unknown key: expected a key of ANALYZE, or the options of a report section "
                              "(ANALYZE.<NAME> of one of {}){}",
                              fmt::join(names, ", "), did_you_mean(key, candidates)));
    }
    (void)reg.find(*owner)->prepare(cfg.analyze, cfg.file);  // reads and checks its keys, whether the page shows it or not
  }
  std::vector<prepared_section> out;
  for (auto& name : listed.empty() ? default_report_sections() : listed) out.push_back(reg.find(name)->prepare(cfg.analyze, cfg.file));
  return out;
}

}  // namespace sweep
