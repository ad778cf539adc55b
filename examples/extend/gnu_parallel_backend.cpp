// A launch backend of your own: GNU parallel runs the sweep's jobs. Written
// against sweep's public API only and registered by name, it is then chosen
// like a built-in one (LAUNCH.BACKEND: gnu_parallel, or `--backend`), with its
// own key LAUNCH.GNU_PARALLEL.JOBS. sweep::launch still does what every backend
// shares: checks, the launch lock, choosing the jobs, copying the code. See
// docs/extend.md, "A launch backend".
//
//   extend_gnu_parallel_backend --root DIR --command 'TRAINER --cfg {cfg} OUT_DIR {out_dir}' [--configs N]
//
// No shell ever reads a config value: parallel gets the job indices only, and
// each job's argv goes to a file that this program, run by parallel once per
// job (--run-job), reads back and runs without a shell.
#include <sweep/sweep.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using namespace sweep::literals;
namespace fs = std::filesystem;

namespace {

/// @brief The file that holds job `index`'s argv, NUL-separated, in the backend's own folder.
fs::path argv_file(const sweep::sweep_layout& layout, std::int64_t index) {
  return layout.backend_dir("gnu_parallel") / (sweep::sweep_layout::job_name(index) + ".argv");
}

struct gnu_parallel_backend {
  static constexpr std::string_view name = "gnu_parallel";
  struct options {
    BOOST_HANA_DEFINE_STRUCT(options, (std::int64_t, jobs));  // LAUNCH.GNU_PARALLEL.JOBS: 0 = one per core
    options() : jobs(0) {}
  };

  gnu_parallel_backend(const sweep::sweep_config&, options o) : options_(o) {}

  void check(const sweep::launch_context& ctx) const {
    if (options_.jobs < 0) ctx.fail(ctx.section() + ".JOBS", fmt::format("expected 0 (one per core) or more, got {}", options_.jobs));
  }

  /// @brief Runs `jobs` with one `parallel` call and waits for it; each job retries up to MAX_RETRY.
  sweep::launch_result launch(const sweep::launch_context& ctx, const std::vector<std::int64_t>& jobs) const {
    sweep::launch_result result;
    if (jobs.empty()) return result;
    const auto& layout = ctx.layout();
    fs::create_directories(layout.backend_dir(name));
    for (auto i : jobs) {
      std::string words;
      for (auto& w : ctx.job_argv(i)) words += w + '\0';
      sweep::write_file_atomic(argv_file(layout, i), words);
    }
    std::vector<std::string> argv = {"parallel", "--will-cite", "--halt", "never", "--jobs",
                                     options_.jobs > 0 ? fmt::format("{}", options_.jobs) : std::string("100%"),
                                     "-q", fs::read_symlink("/proc/self/exe").string(), "--run-job", layout.dir.string(),
                                     "--max-retry", fmt::format("{}", ctx.config().launch.max_retry), "--index", "{}", ":::"};
    for (auto i : jobs) argv.push_back(fmt::format("{}", i));
    ctx.print("launch: {} jobs through GNU parallel\n", jobs.size());
    auto ran = sweep::run_capture(argv);
    if (ran.code < 0 || ran.code > 100) throw sweep::error(fmt::format("parallel failed (exit {}): {}", ran.code, ran.err));
    for (auto i : jobs) {
      auto job = ctx.job(i);
      result.done += job.done() ? 1 : 0;
      result.failed += job.failed() ? 1 : 0;
    }
    return result;
  }

  // parallel runs while launch() waits, and the launch lock shows that; nothing stays queued after.
  std::optional<sweep::queue_states> queue(const sweep::sweep_layout&) const { return sweep::queue_states{}; }
  std::size_t cancel(const sweep::sweep_layout&) const { return 0; }

 private:
  options options_;
};

SWEEP_REGISTER(sweep::register_launch_backend<gnu_parallel_backend>);

/// @brief One job, as parallel runs it: its argv from the file, without a shell, in the sweep's code/ folder;
/// the job-state files through sweep::job_folder, as every backend writes them.
int run_job(const fs::path& sweep_dir, std::int64_t index, std::int64_t max_retry) {
  sweep::sweep_layout layout(sweep_dir);
  sweep::job_folder job(layout, index);
  job.prepare();
  auto text = sweep::read_file(argv_file(layout, index));
  sweep::spawn_options o;
  for (std::size_t at = 0; at < text.size();) {
    auto end = text.find('\0', at);
    o.argv.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  o.cwd = layout.code_dir();
  o.stdout_file = job.file(sweep::job_folder::stdout_log);
  o.stderr_file = job.file(sweep::job_folder::stderr_log);
  o.stdin_null = true;
  o.env = {fmt::format("SWEEP_JOB_INDEX={}", index), "SWEEP_OUT_DIR=" + job.dir().string()};
  for (;;) {
    int code = 127;
    try {
      auto pid = sweep::spawn(o);
      job.mark_running(pid);
      code = sweep::wait_exit_code(pid);
    } catch (const std::system_error& e) {
      job.note(e.what());
    }
    job.clear_running();
    if (code == 0) {
      job.mark_done();
      return 0;
    }
    if (!job.record_failure(fmt::format("Encountered non-zero exit code {}", code), max_retry)) return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"A sweep launched through a user-defined backend: GNU parallel"};
  std::string root = "sweeps", command;
  std::int64_t configs = 6, index = -1, max_retry = 0;
  fs::path job_sweep_dir;
  app.add_option("--root", root, "ROOT_DIR")->capture_default_str();
  app.add_option("--command", command, "LAUNCH.COMMAND (placeholders {cfg} {out_dir} {index} {mode})");
  app.add_option("--configs", configs, "How many configs the sweep has")->capture_default_str();
  app.add_option("--run-job", job_sweep_dir, "(run by parallel) the sweep folder of the job to run");
  app.add_option("--index", index, "(run by parallel) the job's index");
  app.add_option("--max-retry", max_retry, "(run by parallel) LAUNCH.MAX_RETRY");
  CLI11_PARSE(app, argc, argv);
  try {
    if (!job_sweep_dir.empty()) return run_job(job_sweep_dir, index, max_retry);
    if (command.empty()) throw sweep::error("--command is required: expected the job command template");

    sweep::sweep_config cfg;
    cfg.root_dir = root;
    cfg.name = "extend/gnu_parallel";
    cfg.setup.num_configs = configs;
    cfg.setup.base_cfg.at_path("OPTIM.MAX_EPOCH") = 3;
    cfg.launch.command = command;
    cfg.launch.max_retry = 1;
    cfg.launch.backend = "gnu_parallel";
    gnu_parallel_backend::options o;
    o.jobs = 2;
    sweep::set_component_options(cfg.launch.extensions, gnu_parallel_backend::name, o);
    auto space = sweep::space("OPTIM.BASE_LR"_k = sweep::log_uniform(0.05, 2.0).quantize(1e-4));
    sweep::setup(cfg, space);

    sweep::launch_request request;
    request.out = nullptr;
    auto launched = sweep::launch(cfg, request);
    fmt::print("launch with {}: {} done, {} failed\n", launched.backend, launched.done, launched.failed);
    fmt::print("status: {}\n", sweep::read_launch_status(cfg).summary());
    fmt::print("collect: {}\n", sweep::status_line(sweep::collect(cfg)));
    return launched.failed > 0 ? 1 : 0;
  } catch (const sweep::error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
