// Launch backends: what runs a sweep's jobs (this machine, SLURM, the user's
// own engine) is a type that satisfies sweep::launch_backend, registered by
// name. sweep::launch does everything backends share (checks, choosing the
// jobs, the launch lock, copying code, the job-state files through
// job_folder); a backend only runs or submits the jobs it is given, reports
// which of them its engine still holds, and cancels them.
//
//   struct my_backend {
//     static constexpr std::string_view name = "mine";     // LAUNCH.BACKEND: mine
//     struct options { BOOST_HANA_DEFINE_STRUCT(options, (std::int64_t, slots)); };  // LAUNCH.MINE.SLOTS
//     my_backend(const sweep::sweep_config&, options);
//     void check(const sweep::launch_context&) const;                   // bad values: throw ctx.fail(...)
//     sweep::launch_result launch(const sweep::launch_context&, const std::vector<std::int64_t>& jobs) const;
//     std::optional<sweep::queue_states> queue(const sweep::sweep_layout&) const;  // nullopt: cannot tell
//     std::size_t cancel(const sweep::sweep_layout&) const;              // jobs it stopped or dequeued
//   };
//   SWEEP_REGISTER(sweep::register_launch_backend<my_backend>);   // launch/backends.hpp
#pragma once

#include <sweep/base/files.hpp>
#include <sweep/base/layout.hpp>
#include <sweep/base/registry.hpp>
#include <sweep/config/check.hpp>
#include <sweep/config/components.hpp>
#include <sweep/config/load.hpp>
#include <sweep/config/sweep_config.hpp>
#include <sweep/error.hpp>
#include <sweep/launch/command.hpp>
#include <sweep/launch/job_state.hpp>
#include <sweep/launch/request.hpp>

#include <fmt/format.h>

#include <concepts>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace sweep {

/// @brief Where a backend's engine holds a job: waiting for resources, or running.
struct queued_job {
  bool pending = false;  // waiting (queued, requeued); false: running
  std::string state;     // the engine's own word (PENDING, RUNNING, qw, r, ...), shown by `sweep status`
};

/// @brief Job index -> where the engine holds it; jobs it does not hold are absent.
using queue_states = std::map<std::int64_t, queued_job>;

/// @brief What a backend is given to launch a sweep's jobs: the config, the request, the sweep folder,
/// the job configs, and each job's command line, environment and state files.
class launch_context {
 public:
  launch_context(const sweep_config& cfg, const launch_request& request, std::string backend)
      : cfg_(cfg), request_(request), backend_(std::move(backend)), layout_(sweep_dir(cfg)),
        project_dir_(request.project_dir.empty() ? std::filesystem::current_path() : std::filesystem::absolute(request.project_dir)) {
    command_ = split_command(cfg.launch.command, cfg.file);
    if (!cfg.launch.conda_env.empty()) {
      std::vector<std::string> conda = {"conda", "run", "--no-capture-output", "-n", cfg.launch.conda_env};
      command_.insert(command_.begin(), conda.begin(), conda.end());
    }
  }

  [[nodiscard]] const sweep_config& config() const noexcept { return cfg_; }
  [[nodiscard]] const launch_request& request() const noexcept { return request_; }
  /// @brief The backend's registered name.
  [[nodiscard]] const std::string& backend() const noexcept { return backend_; }
  [[nodiscard]] const sweep_layout& layout() const noexcept { return layout_; }
  /// @brief Where relative words of LAUNCH.COMMAND were found (their copies are in layout().code_dir()).
  [[nodiscard]] const std::filesystem::path& project_dir() const noexcept { return project_dir_; }

  /// @brief The job configs (job i's is the i-th); read on first use (setup must have finished).
  [[nodiscard]] const std::vector<std::filesystem::path>& job_configs() const {
    if (!cfgs_) cfgs_ = list_job_configs(layout_);
    return *cfgs_;
  }

  /// @brief LAUNCH.COMMAND's words (behind `conda run` when LAUNCH.CONDA_ENV is set), placeholders unexpanded.
  [[nodiscard]] const std::vector<std::string>& command_template() const noexcept { return command_; }

  /// @brief The values a job's command is made from.
  [[nodiscard]] job_vars vars(std::int64_t index) const {
    return {job_configs().at(static_cast<std::size_t>(index)).string(), layout_.job_dir(index).string(), index,
            cfg_.launch.mode};
  }

  /// @brief Job `index`'s argv: the template with its values in (no shell ever sees it).
  [[nodiscard]] std::vector<std::string> job_argv(std::int64_t index) const {
    return expand_command(command_, vars(index), cfg_.file);
  }

  /// @brief The variables every job gets: SWEEP_JOB_INDEX, SWEEP_OUT_DIR, SWEEP_CFG ("KEY=VALUE").
  [[nodiscard]] std::vector<std::string> job_env(std::int64_t index) const {
    auto v = vars(index);
    return {fmt::format("SWEEP_JOB_INDEX={}", index), "SWEEP_OUT_DIR=" + v.out_dir, "SWEEP_CFG=" + v.cfg};
  }

  /// @brief Job `index`'s state files (DONE, FAILED, RETRY.txt, RUNNING) and logs.
  [[nodiscard]] job_folder job(std::int64_t index) const { return {layout_, index}; }

  /// @brief A bad value of the config: `file:line: KEY.PATH: message`.
  [[noreturn]] void fail(const std::string& key_path, std::string message) const {
    config_checker(cfg_).fail(key_path, std::move(message));
  }

  /// @brief The section of this backend's own keys, LAUNCH.<NAME>.
  [[nodiscard]] std::string section() const { return "LAUNCH." + detail::upper(backend_); }

  /// @brief Prints a message to the request's output (nothing when it is null).
  template <class... Args>
  void print(fmt::format_string<Args...> format, Args&&... args) const {
    if (request_.out == nullptr) return;
    // Output that cannot be written (a closed pipe, a full disk) is lost, not a reason to drop the jobs.
    write_message(request_.out, fmt::format(format, std::forward<Args>(args)...));
  }

  /// @brief A cluster backend's plan: prints the driver copy and each submit command for the `selected`
  /// jobs, then asks for confirmation (request.yes, else request.confirm). False if the user declined;
  /// an error without a way to confirm (stdin not a terminal and no --yes).
  [[nodiscard]] bool confirm_submission(std::size_t selected, const std::vector<std::vector<std::string>>& commands) const {
    auto total = job_configs().size();
    auto plan = fmt::format("Copy the driver to {} and submit {} of {} jobs ({} done or queued) in {} array(s):\n",
                            (layout_.bin_dir() / "sweep").string(), selected, total, total - selected, commands.size());
    for (auto& argv : commands) plan += "\n" + shell_join(argv) + "\n";
    print("{}\n", plan);
    if (request_.yes) return true;
    if (!request_.confirm) {
      throw error({layout_.dir.string(), 0}, "", "not submitting without confirmation: expected --yes (stdin is not a terminal)");
    }
    return request_.confirm(plan);
  }

 private:
  const sweep_config& cfg_;
  const launch_request& request_;
  std::string backend_;
  sweep_layout layout_;
  std::filesystem::path project_dir_;
  std::vector<std::string> command_;
  mutable std::optional<std::vector<std::filesystem::path>> cfgs_;
};

/// @brief What a launch backend provides; see the comment at the top of launch/backend.hpp.
template <class B>
concept launch_backend =
    requires {
      { B::name } -> std::convertible_to<std::string_view>;
      typename B::options;
    } && boost::hana::Struct<typename B::options>::value &&
    std::constructible_from<B, const sweep_config&, typename B::options> &&
    requires(const B& b, const launch_context& ctx, const std::vector<std::int64_t>& jobs, const sweep_layout& layout) {
      b.check(ctx);
      { b.launch(ctx, jobs) } -> std::same_as<launch_result>;
      { b.queue(layout) } -> std::same_as<std::optional<queue_states>>;
      { b.cancel(layout) } -> std::same_as<std::size_t>;
    };

/// @brief A registered backend, its type erased.
class any_launch_backend {
 public:
  virtual ~any_launch_backend() = default;
  virtual void check(const launch_context& ctx) const = 0;
  virtual launch_result launch(const launch_context& ctx, const std::vector<std::int64_t>& jobs) const = 0;
  [[nodiscard]] virtual std::optional<queue_states> queue(const sweep_layout& layout) const = 0;
  virtual std::size_t cancel(const sweep_layout& layout) const = 0;
};

/// @brief How the registry makes a backend for a config: reads LAUNCH.<NAME> into its options.
using launch_backend_factory = std::function<std::unique_ptr<any_launch_backend>(const sweep_config&)>;

namespace detail {

template <class B>
class launch_backend_model final : public any_launch_backend {
 public:
  launch_backend_model(const sweep_config& cfg, typename B::options o) : backend_(cfg, std::move(o)) {}
  void check(const launch_context& ctx) const override { backend_.check(ctx); }
  launch_result launch(const launch_context& ctx, const std::vector<std::int64_t>& jobs) const override {
    return backend_.launch(ctx, jobs);
  }
  [[nodiscard]] std::optional<queue_states> queue(const sweep_layout& layout) const override { return backend_.queue(layout); }
  std::size_t cancel(const sweep_layout& layout) const override { return backend_.cancel(layout); }

 private:
  B backend_;
};

}  // namespace detail

namespace detail {

/// @brief Adds backend B to `backends` under B::name (register_launch_backend, launch/backends.hpp): a
/// misfit B gets one message per missing part.
template <class B>
void add_launch_backend(registry<launch_backend_factory>& backends) {
  static_assert(requires { { B::name } -> std::convertible_to<std::string_view>; },
                "sweep::launch_backend: the backend needs `static constexpr std::string_view name` (its LAUNCH.BACKEND name)");
  static_assert(requires { typename B::options; },
                "sweep::launch_backend: the backend needs a nested type `options` (its LAUNCH.<NAME> keys, a "
                "BOOST_HANA_DEFINE_STRUCT; sweep::no_options when it has none)");
  static_assert(std::constructible_from<B, const sweep_config&, typename B::options>,
                "sweep::launch_backend: the backend needs a constructor B(const sweep::sweep_config&, B::options)");
  static_assert(requires(const B& b, const launch_context& ctx) { b.check(ctx); },
                "sweep::launch_backend: the backend needs `void check(const sweep::launch_context&) const`");
  static_assert(requires(const B& b, const launch_context& ctx, const std::vector<std::int64_t>& jobs) {
                  { b.launch(ctx, jobs) } -> std::same_as<launch_result>;
                },
                "sweep::launch_backend: the backend needs `sweep::launch_result launch(const sweep::launch_context&, "
                "const std::vector<std::int64_t>& jobs) const`");
  static_assert(requires(const B& b, const sweep_layout& layout) {
                  { b.queue(layout) } -> std::same_as<std::optional<queue_states>>;
                },
                "sweep::launch_backend: the backend needs `std::optional<sweep::queue_states> queue(const "
                "sweep::sweep_layout&) const` (nullopt: the queue cannot be read)");
  static_assert(requires(const B& b, const sweep_layout& layout) { { b.cancel(layout) } -> std::same_as<std::size_t>; },
                "sweep::launch_backend: the backend needs `std::size_t cancel(const sweep::sweep_layout&) const`");
  static_assert(requires { requires boost::hana::Struct<typename B::options>::value; },
                "sweep::launch_backend: B::options must be a BOOST_HANA_DEFINE_STRUCT (its fields are the keys of LAUNCH.<NAME>)");
  if constexpr (launch_backend<B>) {  // else the messages above say what is missing, and nothing more
    backends.add(std::string(B::name), [](const sweep_config& cfg) -> std::unique_ptr<any_launch_backend> {
      auto o = read_component_options<typename B::options>(cfg, cfg.launch.extensions, "LAUNCH", B::name);
      return std::make_unique<launch_backend_model<B>>(cfg, std::move(o));
    });
  }
}

}  // namespace detail


}  // namespace sweep
