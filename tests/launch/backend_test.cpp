// Launch backends as components: the registry, a backend defined here through
// the public API only (it runs jobs in-process and keeps a fake queue), the
// checks every backend gets on the code route as on the YAML route, and the
// backends' own config sections.
#include "helpers.hpp"

#include <sweep/config/load.hpp>
#include <sweep/launch.hpp>

#include <catch2/catch.hpp>

#include <fstream>

using namespace launch_test;

namespace {

/// @brief A test backend: "runs" job i by writing its argv to stdout.log, and pretends job QUEUED_JOB is
/// still queued on its engine. Its own key LAUNCH.BOOK.QUEUED_JOB sets that job (-1: none).
struct book_backend {
  static constexpr std::string_view name = "book";
  struct options {
    BOOST_HANA_DEFINE_STRUCT(options, (std::int64_t, queued_job));
    options() : queued_job(-1) {}
  };

  book_backend(const sweep::sweep_config&, options o) : options_(o) {}

  void check(const sweep::launch_context& ctx) const {
    if (options_.queued_job < -1) ctx.fail(ctx.section() + ".QUEUED_JOB", "expected -1 (none) or a job index");
  }

  sweep::launch_result launch(const sweep::launch_context& ctx, const std::vector<std::int64_t>& jobs) const {
    sweep::launch_result r;
    for (auto i : jobs) {
      auto job = ctx.job(i);
      job.prepare();
      std::ofstream(job.file(sweep::job_folder::stdout_log)) << sweep::shell_join(ctx.job_argv(i)) << "\n";
      job.mark_done();
      ++r.done;
    }
    return r;
  }

  std::optional<sweep::queue_states> queue(const sweep::sweep_layout& layout) const {
    sweep::queue_states q;
    if (options_.queued_job >= 0 && sweep::path_exists(layout.logs_dir())) q[options_.queued_job] = {true, "waiting"};
    return q;
  }

  std::size_t cancel(const sweep::sweep_layout&) const { return options_.queued_job >= 0 ? 1 : 0; }

 private:
  options options_;
};

SWEEP_REGISTER(sweep::register_launch_backend<book_backend>);

static_assert(sweep::launch_backend<sweep::local_backend>);
static_assert(sweep::launch_backend<sweep::slurm_backend>);
static_assert(sweep::launch_backend<book_backend>);

sweep::sweep_config load(const fs::path& dir, const std::string& yaml) {
  write_file(dir / "sweep.yaml", yaml);
  return sweep::load_sweep_config(dir / "sweep.yaml");
}

}  // namespace

TEST_CASE("backends are registered by name: built-in ones first, then the user's", "[launch][backend]") {
  auto names = sweep::launch_backends().names();
  REQUIRE(names.size() >= 4);
  CHECK(names[0] == "local");
  for (auto name : {"slurm", "sge", "book"}) CHECK(std::find(names.begin(), names.end(), name) != names.end());
  CHECK_THROWS_WITH(sweep::register_launch_backend<book_backend>(), Catch::Contains("two launch backends are registered as 'book'"));
  CHECK_THAT(sweep::launch_backends().unknown("lcoal"), Catch::Contains("did you mean 'local'?"));
}

TEST_CASE("a user's backend runs a sweep through sweep::launch, status and cancel", "[launch][backend]") {
  temp_dir tmp;
  auto cfg = make_sweep(tmp.path, "b", 3, "echo --cfg {cfg} --index {index}");
  cfg.launch.backend = "book";
  sweep::set_component_options(cfg.launch.extensions, "book", book_backend::options{});
  sweep::launch_request req;
  req.out = nullptr;
  auto result = sweep::launch(cfg, req);
  CHECK(result.backend == "book");
  CHECK(result.done == 3);
  CHECK(result.selected == 3);
  CHECK(read_file(tmp.path / "b/logs/000002/stdout.log") ==
        fmt::format("echo --cfg {} --index 2\n", fs::absolute(tmp.path / "b/cfgs/000002.yaml").string()));
  CHECK(sweep::read_launch_status(cfg).count(sweep::job_state::done) == 3);

  // Its engine now says job 1 is queued: status shows it, a relaunch leaves it alone, and no other
  // backend may start it meanwhile.
  book_backend::options queued;
  queued.queued_job = 1;
  sweep::set_component_options(cfg.launch.extensions, "book", queued);
  fs::remove(tmp.path / "b/logs/000001/DONE");
  auto st = sweep::read_launch_status(cfg);
  CHECK(st.jobs[1].state == sweep::job_state::queued);
  CHECK(st.jobs[1].backend == "book");
  CHECK(st.jobs[1].queue_state == "waiting");
  CHECK(sweep::launch(cfg, req).selected == 0);
  req.backend = "local";
  CHECK_THROWS_WITH(sweep::launch(cfg, req), Catch::Contains("queued or running on the book backend"));
  auto cancelled = sweep::cancel(cfg);
  REQUIRE(cancelled.cancelled.size() == 1);
  CHECK(cancelled.cancelled[0] == std::pair<std::string, std::size_t>{"book", 1});
}

TEST_CASE("a sweep written as code is checked like a YAML one before anything runs", "[launch][backend]") {
  temp_dir tmp;
  auto cfg = make_sweep(tmp.path, "c", 2, "true");
  cfg.launch.backend = "slurm";
  cfg.launch.cpus_per_gpu = 0;
  sweep::launch_request req;
  req.out = nullptr;
  req.yes = true;
  CHECK_THROWS_WITH(sweep::launch(cfg, req), Catch::Contains("LAUNCH.CPUS_PER_GPU: expected at least 1, got 0"));
  cfg.launch.cpus_per_gpu = 4;
  cfg.launch.parallel_jobs = 0;
  CHECK_THROWS_WITH(sweep::launch(cfg, req), Catch::Contains("LAUNCH.PARALLEL_JOBS: expected at least 1, got 0"));
  cfg.launch.parallel_jobs = 1;
  cfg.launch.backend = "local";
  cfg.launch.local_jobs = -1;
  CHECK_THROWS_WITH(sweep::launch(cfg, req), Catch::Contains("LAUNCH.LOCAL_JOBS"));
  cfg.name = "../escape";
  CHECK_THROWS_WITH(sweep::launch(cfg, req), Catch::Contains("NAME: '../escape' has a '..' part"));
  CHECK_FALSE(fs::exists(tmp.path / "c/logs"));  // nothing written by a refused launch
}

TEST_CASE("a backend's own keys live under LAUNCH.<NAME>, read and checked with file, line and key", "[launch][backend]") {
  temp_dir tmp;
  make_sweep(tmp.path / "root", "s", 1, "true");
  auto yaml = fmt::format("ROOT_DIR: {}\nNAME: s\nLAUNCH:\n  BACKEND: book\n  COMMAND: 'true'\n  BOOK:\n    QUEUED_JOB: -5\n",
                          (tmp.path / "root").string());
  auto cfg = load(tmp.path, yaml);
  sweep::launch_request req;
  req.out = nullptr;
  CHECK_THROWS_WITH(sweep::launch(cfg, req), Catch::Contains("sweep.yaml:7: LAUNCH.BOOK.QUEUED_JOB: expected -1 (none)"));

  cfg = load(tmp.path, yaml + "    QUEUED_JB: 1\n");
  CHECK_THROWS_WITH(sweep::launch(cfg, req), Catch::Contains("sweep.yaml:8: LAUNCH.BOOK.QUEUED_JB: unknown key") &&
                                                 Catch::Contains("did you mean 'QUEUED_JOB'?"));
  cfg = load(tmp.path, yaml + "  SLRUM: {EXTRA_ARGS: [--qos=high]}\n");
  CHECK_THROWS_WITH(sweep::launch(cfg, req), Catch::Contains("sweep.yaml:8: LAUNCH.SLRUM: unknown key") &&
                                                 Catch::Contains("did you mean 'SLURM'?"));
  // A scalar under an unknown key is no section: the loader refuses it at once.
  write_file(tmp.path / "sweep.yaml", yaml + "  SLRUM: 3\n");
  CHECK_THROWS_WITH(sweep::load_sweep_config(tmp.path / "sweep.yaml"), Catch::Contains("LAUNCH.SLRUM: unknown key"));
  cfg = load(tmp.path, fmt::format("ROOT_DIR: {}\nNAME: s\nLAUNCH:\n  BACKEND: slurm\n  SLURM:\n    EXTRA_ARGS: [--qos=high, oops]\n",
                                   (tmp.path / "root").string()));
  req.yes = true;
  CHECK_THROWS_WITH(sweep::launch(cfg, req), Catch::Contains("LAUNCH.SLURM.EXTRA_ARGS[1]: 'oops' is not an option"));
}
