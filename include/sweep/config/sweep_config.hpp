// The sweep-config schema (pycls's sweep/config.py, plus sweep's own keys) as
// plain C++ structs. A sweep written as code and one loaded from YAML are the
// same object: the YAML loader (config/load.hpp) fills these structs through
// Hana's reflection, so a field added here is a key of the YAML schema, named
// by its upper-cased field name (parallel_jobs <-> PARALLEL_JOBS).
#pragma once

#include <sweep/value.hpp>

#include <boost/hana/define_struct.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace sweep {

/// @brief A range filter on a metric: keep jobs with min <= metric <= max (med is pycls's hint).
using filter_range = std::array<double, 3>;
/// @brief metric -> [min, med, max], in the order written.
using filter_set = std::vector<std::pair<std::string, filter_range>>;

/// @brief A stage's component sections: LAUNCH.<BACKEND>, COLLECT.<FORMAT>, ANALYZE.<SECTION>, each
/// a map of that component's own keys, keyed by its upper-cased registered name ("SLURM"). The
/// loader keeps every map-valued key a stage's schema does not know here; the stage then checks
/// that each names a registered component, which reads and checks its keys.
using component_sections = value::map;

/// @brief SETUP.CONSTRAINTS.CX: [low, high] per complexity figure; 0 means no bound on that side.
struct cx_constraints {
  BOOST_HANA_DEFINE_STRUCT(cx_constraints,
    (std::array<double, 2>, flops),
    (std::array<double, 2>, params),
    (std::array<double, 2>, acts));
  cx_constraints() : flops{0, 0}, params{0, 0}, acts{0, 0} {}
};

/// @brief SETUP.CONSTRAINTS.REGNET.
struct regnet_constraints {
  BOOST_HANA_DEFINE_STRUCT(regnet_constraints,
    (std::array<std::int64_t, 2>, num_stages));
  regnet_constraints() : num_stages{4, 4} {}
};

/// @brief SETUP.CONSTRAINTS.
struct constraint_options {
  BOOST_HANA_DEFINE_STRUCT(constraint_options,
    (cx_constraints, cx),
    (regnet_constraints, regnet));
};

/// @brief SETUP: how job configs are sampled.
struct setup_options {
  BOOST_HANA_DEFINE_STRUCT(setup_options,
    (std::int64_t, num_configs),  // required, > 0 (0 allowed for finite spaces: all of them)
    (std::int64_t, num_samples),  // the most candidates drawn
    (std::int64_t, chunk_size),   // candidates per chunk (each chunk has its own seed)
    (std::int64_t, rng_seed),
    (value, base_cfg),            // the job config every candidate starts from
    (value, samplers),            // dotted key -> sampler spec, in the order written
    (value, space),               // sweep's combinator spaces (grid, zip, ...); null when unused
    (constraint_options, constraints),
    (std::int64_t, repeats));     // jobs per config, each with its own training seed (the job's RNG_SEED)
  setup_options() : num_configs(0), num_samples(1000000), chunk_size(5000), rng_seed(0), repeats(1) {}

  /// @brief Keys newer than pycls's schema, left out of a written config while they keep their default,
  /// so a sweep that does not use them writes the same files as before they existed.
  [[nodiscard]] bool omitted_at_default(std::string_view key) const { return key == "REPEATS" && repeats == 1; }
};

/// @brief LAUNCH: how jobs are run (pycls's SLURM keys plus sweep's local backend).
struct launch_options {
  BOOST_HANA_DEFINE_STRUCT(launch_options,
    (std::string, mode),
    (std::string, conda_env),
    (std::int64_t, parallel_jobs),
    (std::int64_t, max_retry),
    (std::string, comment),
    (std::int64_t, num_gpus),
    (std::int64_t, cpus_per_gpu),
    (std::int64_t, mem_per_gpu),  // GB
    (std::string, partition),
    (std::string, gpu_type),
    (std::int64_t, time_limit),   // minutes
    (std::string, backend),       // a registered launch backend: local, slurm, or one of the user's
    (std::string, command),       // job command template: {cfg} {out_dir} {index} {mode}
    (std::int64_t, local_jobs),   // local backend: jobs at once; 0 = min(PARALLEL_JOBS, cores)
    (std::int64_t, nodes),        // cluster: nodes per job (SLURM --nodes)
    (std::int64_t, tasks_per_node),  // cluster: tasks per node; more than one task in all runs the job under srun
    (std::string, on_event),      // command template run (argv, no shell) on events: {event} {index} {sweep_dir}
    (std::int64_t, max_failures));  // fail-fast: no new job starts once this many failed for good; 0 = off
  launch_options()
      : mode("train"), parallel_jobs(128), max_retry(3), num_gpus(1), cpus_per_gpu(10),
        mem_per_gpu(60), time_limit(4200), backend("local"),
        command("python tools/run_net.py --mode {mode} --cfg {cfg} OUT_DIR {out_dir}"), local_jobs(0), nodes(1),
        tasks_per_node(1), max_failures(0) {}

  /// @brief LAUNCH.<BACKEND>: backends' own keys (see component_sections).
  component_sections extensions;
};

/// @brief COLLECT.
struct collect_options {
  BOOST_HANA_DEFINE_STRUCT(collect_options,
    (std::string, format),            // a registered log format: json_stats (pycls's), lightning_csv, or the user's
    (std::string, checkpoints_keep),  // all | last | none
    // The record names below default to pycls's; change them to collect any program's logs.
    (std::string, log_file),          // a job's log under logs/NNNNNN/
    (std::string, err_file),          // its stderr, copied into sweep.json as "err"
    (std::string, tag),               // the marker before each JSON record in a log line
    (std::string, type_key),          // the record field naming its type
    (std::string, epoch_key),         // the field "i/max" that makes a type an epoch series
    (std::vector<std::string>, skip_types),  // record types left out of sweep.json
    (std::string, progress_type),     // the epoch type whose last epoch is the job's progress
    (std::string, checkpoint_dir),    // under logs/NNNNNN/
    (std::string, checkpoint_prefix));  // files named <prefix>... are checkpoints
  collect_options()
      : format("json_stats"), checkpoints_keep("last"), log_file("stdout.log"), err_file("stderr.log"), tag("json_stats: "),
        type_key("_type"), epoch_key("epoch"), skip_types{"train_iter", "test_iter"},
        progress_type("test_epoch"), checkpoint_dir("checkpoints"), checkpoint_prefix("model_epoch_") {}

  /// @brief COLLECT.<FORMAT>: log formats' own keys (see component_sections).
  component_sections extensions;
};

/// @brief ANALYZE: what the report shows.
struct analyze_options {
  BOOST_HANA_DEFINE_STRUCT(analyze_options,
    (std::vector<std::string>, metrics),
    (std::vector<std::string>, complexity),
    (bool, plot_metric_values),
    (bool, plot_metric_trends),
    (bool, plot_complexity_values),
    (bool, plot_complexity_trends),
    (std::int64_t, plot_curves_best),
    (std::int64_t, plot_curves_worst),
    (std::int64_t, plot_models_best),
    (std::int64_t, plot_models_worst),
    (filter_set, pre_filters),
    (std::vector<std::pair<std::string, filter_set>>, split_filters),
    (std::vector<std::string>, extra_sweep_names),
    (std::string, error),         // dotted key of the error ("record.field"; a list is reduced by min)
    (std::int64_t, rng_seed),     // seed of the bootstrap, so a report is reproducible
    (std::vector<std::string>, sections));  // registered report sections, in page order; empty: pycls's

  analyze_options()
      : complexity{"flops", "params", "acts"}, plot_metric_values(true), plot_metric_trends(true),
        plot_complexity_values(true), plot_complexity_trends(true), plot_curves_best(0),
        plot_curves_worst(0), plot_models_best(0), plot_models_worst(0),
        error("test_ema_epoch.min_top1_err"), rng_seed(0) {}

  /// @brief ANALYZE.<SECTION>: report sections' own keys (see component_sections).
  component_sections extensions;
};

/// @brief EARLY_STOP: stopping bad jobs before their last epoch (off unless TYPE is set); see
/// docs/early_stopping.md. Not written out while off, so configs without it stay as they were.
struct early_stop_options {
  BOOST_HANA_DEFINE_STRUCT(early_stop_options,
    (std::string, type),               // "" or none: off; asha: asynchronous successive halving
    (std::string, metric),             // "record.field" compared at each rung; empty: ANALYZE.ERROR
    (std::string, mode),               // min (an error) or max (an accuracy)
    (std::int64_t, min_epochs),        // the first rung's epoch
    (std::int64_t, reduction_factor),  // eta: rung r is at MIN_EPOCHS * eta^r, and 1/eta of the jobs go on
    (std::int64_t, num_rungs),         // rungs at most; 0: every rung below a job's last epoch
    (double, check_period));           // seconds between two looks at a running job's log
  early_stop_options() : mode("min"), min_epochs(1), reduction_factor(3), num_rungs(0), check_period(10) {}

  [[nodiscard]] bool enabled() const { return !type.empty() && type != "none"; }
  /// @brief Left out when a config is written out (schema_to_value).
  [[nodiscard]] bool omitted() const { return !enabled(); }
};

/// @brief A whole sweep config: top-level keys and the four stages' options.
struct sweep_config {
  BOOST_HANA_DEFINE_STRUCT(sweep_config,
    (std::string, root_dir),
    (std::string, name),
    (std::string, desc),
    (std::int64_t, num_proc),
    (setup_options, setup),
    (launch_options, launch),
    (collect_options, collect),
    (analyze_options, analyze),
    (early_stop_options, early_stop));
  sweep_config()
      : root_dir("sweeps"),
        num_proc(std::max<std::int64_t>(1, static_cast<std::int64_t>(std::thread::hardware_concurrency()))) {}

  /// @brief The file this config was loaded from (empty when written as code); not a YAML key.
  std::string file;
  /// @brief The YAML text it was loaded from, copied as sweep_cfg.yaml by setup.
  std::string text;
  /// @brief The value tree it was loaded from (overrides applied): where each key was written, for
  /// errors found by the stages' checks (config/check.hpp). Null for a config written as code.
  std::shared_ptr<const value> source;
};

}  // namespace sweep
