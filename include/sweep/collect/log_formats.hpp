// The registry of log formats (COLLECT.FORMAT): json_stats (pycls's, the
// default) and lightning_csv are registered on first use, through the same
// call a user's format has:
//
//   SWEEP_REGISTER(sweep::register_log_format<my_format>);   // at namespace scope
#pragma once

#include <sweep/base/registry.hpp>
#include <sweep/collect/json_stats_format.hpp>
#include <sweep/collect/lightning_csv.hpp>
#include <sweep/collect/log_format.hpp>
#include <sweep/config/components.hpp>
#include <sweep/config/load.hpp>
#include <sweep/config/sweep_config.hpp>
#include <sweep/error.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace sweep {

/// @brief Per-thread buffers of a bound format (what its `scratch` type holds), reused from job to job.
struct log_format_scratch {
  virtual ~log_format_scratch() = default;
};

/// @brief A registered log format with its options read: what collect runs on each job.
class bound_log_format {
 public:
  virtual ~bound_log_format() = default;
  [[nodiscard]] virtual std::string_view name() const = 0;
  /// @brief Its log files in a job's folder (relative; `*` matches within one part).
  [[nodiscard]] virtual std::vector<std::string> log_files(const collect_options& collect) const = 0;
  /// @brief Its options as text: part of the incremental cache's key (other options, other data).
  [[nodiscard]] virtual std::string options_text() const = 0;
  [[nodiscard]] virtual std::unique_ptr<log_format_scratch> make_scratch() const = 0;
  /// @brief The job's record (read, then finished: epoch series in `data`).
  virtual void read(const job_files& job, job_record& out) const = 0;
  /// @brief The job's sweep.json entry: its record's types and `extra` (which win over a type of
  /// the same name), keys sorted, compact, as nlohmann's dump() writes them.
  virtual void write_entry(const job_files& job, log_format_scratch& scratch, job_record& out, std::string& entry,
                           std::span<const json_member> extra) const = 0;
};

namespace detail {

template <class F>
struct bound_format final : bound_log_format {
  struct scratch_box final : log_format_scratch {
    typename F::scratch value;
  };

  F format;
  typename F::options options;

  explicit bound_format(typename F::options o) : options(std::move(o)) {}

  [[nodiscard]] std::string_view name() const override { return F::name; }
  [[nodiscard]] std::vector<std::string> log_files(const collect_options& collect) const override {
    return format.log_files(options, collect);
  }
  [[nodiscard]] std::string options_text() const override {
    if constexpr (reflected_struct<typename F::options>) {
      return schema_to_value(options).python_repr();
    } else {
      return "{}";
    }
  }
  [[nodiscard]] std::unique_ptr<log_format_scratch> make_scratch() const override {
    if constexpr (log_format_writes_entries<F>) {
      return std::make_unique<scratch_box>();
    } else {
      return std::make_unique<log_format_scratch>();
    }
  }
  void read(const job_files& job, job_record& out) const override {
    format.read(options, job, out);
    out.finish();
  }
  void write_entry(const job_files& job, log_format_scratch& scratch, job_record& out, std::string& entry,
                   std::span<const json_member> extra) const override {
    if constexpr (log_format_writes_entries<F>) {
      format.write_entry(options, job, static_cast<scratch_box&>(scratch).value, out, entry, extra);
    } else {
      read(job, out);
      for (auto& member : extra) out.data[std::string(member.key)] = nlohmann::json::parse(member.text);
      entry += out.data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  }
};

}  // namespace detail

/// @brief A registry entry: binds the format to its options, read from COLLECT.<NAME>.
struct log_format_entry {
  /// @brief (COLLECT's keys, the config file for errors) -> the bound format; a bad key of
  /// COLLECT.<NAME> is a sweep::error naming file, line and key.
  std::function<std::shared_ptr<const bound_log_format>(const collect_options&, const std::string&)> bind;
};

namespace detail {

template <class F>
concept log_format_has_check = requires(const F& f, const typename F::options& o) { f.check(o); };

template <class F>
log_format_entry log_format_entry_for() {
  return {[](const collect_options& collect, const std::string& file) -> std::shared_ptr<const bound_log_format> {
    typename F::options o{};
    if (auto* section = component_section(collect.extensions, F::name)) {
      auto path = "COLLECT." + upper(F::name);
      if constexpr (reflected_struct<typename F::options>) {
        schema_reader(file).read(*section, path, o);
      } else if (section->is_map() && !section->as_map().empty()) {
        auto& [key, child] = section->as_map().front();
        throw error({file, child.line()}, path + "." + key,
                    fmt::format("unknown key: the log format {} has no keys of its own", F::name));
      }
    }
    if constexpr (log_format_has_check<F>) {
      try {
        F{}.check(o);
      } catch (const error& e) {
        if (!e.where().file.empty()) throw;
        // The format names the key; the line it was written on is in its section.
        auto prefix = "COLLECT." + upper(F::name) + ".";
        const value* node = nullptr;
        if (auto* section = component_section(collect.extensions, F::name); section && e.key_path().starts_with(prefix)) {
          node = section->find(e.key_path().substr(prefix.size()));
        }
        throw error({file, node != nullptr ? node->line() : 0}, e.key_path(), e.message());
      }
    }
    return std::make_shared<bound_format<F>>(std::move(o));
  }};
}

/// @brief The built-in formats, added when the registry is first used.
struct log_format_registry : registry<log_format_entry> {
  log_format_registry() : registry("log format", "COLLECT.FORMAT") {
    add(std::string(json_stats_format::name), log_format_entry_for<json_stats_format>());
    add(std::string(lightning_csv_format::name), log_format_entry_for<lightning_csv_format>());
  }
};

}  // namespace detail

/// @brief The log formats by name: json_stats, lightning_csv, then the user's in registration order.
inline registry<log_format_entry>& log_formats() {
  static detail::log_format_registry formats;
  return formats;
}

/// @brief Registers the log format F under F::name, e.g. `SWEEP_REGISTER(sweep::register_log_format<my_format>);`.
template <class F>
void register_log_format() {
  static_assert(detail::log_format_has_name<F>,
                "sweep::register_log_format<F>: F needs `static constexpr std::string_view name = \"...\";` "
                "(what COLLECT.FORMAT calls it)");
  static_assert(detail::log_format_has_options<F>,
                "sweep::register_log_format<F>: F needs a default-constructible type `options` (its COLLECT.<NAME> "
                "keys: a struct with BOOST_HANA_DEFINE_STRUCT, or `using options = sweep::no_options;`)");
  static_assert(detail::log_format_has_log_files<F>,
                "sweep::register_log_format<F>: F needs `std::vector<std::string> log_files(const options&, const "
                "sweep::collect_options&) const` (its log files in a job's folder)");
  static_assert(detail::log_format_has_read<F>,
                "sweep::register_log_format<F>: F needs `void read(const options&, const sweep::job_files&, "
                "sweep::job_record&) const` (a job's log files -> its record)");
  static_assert(std::is_default_constructible_v<F>, "sweep::register_log_format<F>: F needs a default constructor");
  if constexpr (log_format<F>) {
    // COLLECT.<NAME> must not be one of COLLECT's own keys (a format named "tag" could have no section).
    auto keys = detail::field_keys<collect_options>();
    if (std::find(keys.begin(), keys.end(), detail::upper(F::name)) != keys.end()) {
      throw error(fmt::format("a log format cannot be named '{}': COLLECT.{} is one of COLLECT's own keys", F::name,
                              detail::upper(F::name)));
    }
    log_formats().add(std::string(F::name), detail::log_format_entry_for<F>());
  }
}

/// @brief The format COLLECT.FORMAT names, bound to its COLLECT.<NAME> keys; `file` names the config in
/// errors (an unknown name lists the registered ones, with a "did you mean").
inline std::shared_ptr<const bound_log_format> bind_log_format(const collect_options& collect, const std::string& file = {},
                                                              const source_location& location = {}) {
  return log_formats().get(collect.format, location.file.empty() ? source_location{file, 0} : location).bind(collect, file);
}

}  // namespace sweep
