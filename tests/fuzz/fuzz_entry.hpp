// The entry points the fuzzers drive, shared with the regression test so a
// crasher found by libFuzzer is replayed through exactly the same code by the
// normal (g++) build. Only sweep::error may escape: it is the documented
// answer to bad input; anything else is a bug.
#pragma once

#include <sweep/analyze/sweep_data.hpp>
#include <sweep/base/simdjson_sax.hpp>
#include <sweep/collect/collect.hpp>
#include <sweep/collect/detail/record_reader.hpp>
#include <sweep/collect/log_parser.hpp>
#include <sweep/config/load.hpp>
#include <sweep/config/space_spec.hpp>
#include <sweep/config/space_yaml.hpp>
#include <sweep/config/yaml.hpp>
#include <sweep/random/numpy_rng.hpp>
#include <sweep/setup/constraints.hpp>
#include <sweep/setup/job_config.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <stdexcept>
#include <string>
#include <string_view>

namespace sweep::fuzz {

/// @brief YAML text -> value -> sweep_config -> the space it sets up (SETUP.SPACE or SETUP.SAMPLERS),
/// as `sweep setup` loads it; the value is also written back as YAML (sweep_cfg.yaml, job configs).
inline void sweep_config_entry(std::string_view text) {
  auto root = load_yaml_text(text, "fuzz.yaml");
  (void)to_yaml(root);
  if (root.is_null()) root = value::map{};
  auto cfg = sweep_config_from_value(root, "fuzz.yaml");
  auto space = load_setup_space(cfg);
  // A few candidates through the setup step: draws, constraints, the written job config.
  config_checks checks(cfg);
  numpy_rng rng(static_cast<std::uint32_t>(cfg.setup.rng_seed));
  for (std::uint64_t i = 0; i < 3; ++i) {
    erased_record r;
    if (space.kind() == space_kind::finite) {
      if (space.size() == 0) break;
      r = space.at(i % space.size());
    } else {
      r = space.draw(rng);
    }
    param_list params;
    space.append_params(params, r);
    if (checks(params)) (void)to_yaml(config_checks::finish(merge_params(cfg.setup.base_cfg, params)));
  }
}

/// @brief Log text -> one job's sweep.json entry, as `sweep collect` makes it (detail::collect_job:
/// read, progress, write with the extra members). The entry must be valid JSON: a parse error
/// escaping here is a bug of the writer, not bad input.
inline std::string job_log_entry(std::string_view text) {
  collect_options opts;
  detail::job_log log;
  log.read(text, opts, "stdout.log");
  std::int64_t ind = 0, max = 1;
  log.last_epoch(opts.progress_type, ind, max);
  for (auto& issue : log.issues()) (void)issue.to_string();
  // stderr and paths are arbitrary bytes too: here a slice of the log plays the stderr text.
  auto err = nlohmann::json(std::string(text.substr(0, 64))).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  const detail::json_member extra[] = {{"err", err}, {"err_file", "\"stderr.log\""}, {"log_file", "\"stdout.log\""}};
  std::string entry;
  log.write(entry, extra);
  [[maybe_unused]] auto parsed = nlohmann::json::parse(entry);  // throws if the entry is not valid JSON
  return entry;
}

/// @brief sweep.json text -> the jobs `sweep analyze` loads, checked against nlohmann's own
/// parse of the whole text: accepted exactly when it is a list of objects, each analysed job's
/// tree the same as nlohmann's (plus `aug`), every job analysed or skipped; and loaded again
/// with trimmed epoch columns, the same jobs. A mismatch is a bug (std::logic_error).
inline void sweep_json_entry(std::string_view text) {
  auto reference = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  bool records = !reference.is_discarded() && reference.is_array() &&
                 std::all_of(reference.begin(), reference.end(), [](auto& j) { return j.is_object(); });
  sweep_data whole;
  try {
    whole = parse_sweep(text, "sweep.json", "s");
  } catch (const error& e) {
    // nlohmann reads any depth (iteratively); parse_sweep refuses more than max_json_depth levels on purpose.
    bool too_deep = std::string_view(e.what()).find("nested more than") != std::string_view::npos;
    if (records && !too_deep) throw std::logic_error("parse_sweep refused a list of job records that nlohmann reads");
    throw;
  }
  if (!records) throw std::logic_error("parse_sweep read what is not a list of job records");
  if (whole.jobs.size() + whole.skipped.size() != reference.size()) throw std::logic_error("jobs lost or made up");
  for (auto& element : reference) element.erase("aug");  // augment replaces a record's own "aug", as pycls does
  for (auto& j : whole.jobs) {
    auto tree = *whole_record(j);
    tree.erase("aug");
    if (std::find(reference.begin(), reference.end(), tree) == reference.end()) throw std::logic_error("a tree unlike nlohmann's");
  }
  load_options trimmed;
  trimmed.columns = epoch_columns({"test_epoch.top1_err", "train_epoch"});
  trimmed.metrics = {get_metric_info("lr"), get_metric_info("memory")};
  auto part = parse_sweep(text, "sweep.json", "s", "test_ema_epoch.min_top1_err", trimmed);
  if (part.jobs.size() != whole.jobs.size() || part.skipped != whole.skipped) throw std::logic_error("trimmed load differs");
  // As `sweep analyze` loads: chosen fields into columns, metrics into columns of numbers.
  load_options chosen;
  chosen.fields = record_fields({"cfg.OPTIM", "complexity.flops", "test_epoch.top1_err", "log_file"});
  chosen.metrics = {get_metric_info("lr"), get_metric_info("memory")};
  auto few = parse_sweep(text, "sweep.json", "s", "test_ema_epoch.min_top1_err", chosen);
  if (few.jobs.size() != whole.jobs.size() || few.skipped != whole.skipped) throw std::logic_error("a load of chosen fields differs");
  auto same_number = [](double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); };
  for (std::size_t i = 0; i < few.jobs.size(); ++i) {
    auto &a = few.jobs[i], &b = whole.jobs[i];
    for (auto* key : {"cfg.OPTIM", "cfg.OPTIM.BASE_LR", "complexity.flops", "test_epoch.top1_err", "log_file", "aug.done", "aug.lr_wd"}) {
      const auto *x = a.field(key), *y = b.field(key);
      if ((x == nullptr) != (y == nullptr) || (x != nullptr && *x != *y)) throw std::logic_error("a column's cell unlike the record's field");
    }
    for (auto& info : chosen.metrics) {
      if (!same_number(job_number(a, info), job_number(b, info))) throw std::logic_error("a metric's column unlike the record's");
    }
    if (a.error != b.error || *whole_record(a) != *whole_record(b)) throw std::logic_error("a whole record read again differs");
  }
}

/// @brief sweep.json text read by simdjson (through analyze's tree builder, every column kept) and
/// by nlohmann on the same bytes: whatever simdjson accepts, nlohmann must accept and build the
/// same tree, number types included (1 and 1.0 dump differently). What simdjson refuses goes to
/// nlohmann in the loaders, so only its acceptances need checking.
inline void sweep_json_simdjson_entry(std::string_view text) {
  // Every value kept, and an analysis's choice (whose left-out values simdjson only checks).
  const epoch_columns every_column, some_columns(std::vector<std::string>{"test_epoch.top1_err", "train_epoch"});
  const record_fields some_fields({"cfg.OPTIM", "test_epoch", "train_epoch", "complexity.flops"});
  detail::simdjson_sax_reader reader;
  std::string scratch;
  // Read where it lies when the bytes after it allow (the tail of a larger text), else from a copy.
  std::string_view head = text.size() > simdjson::SIMDJSON_PADDING ? text.substr(0, text.size() - simdjson::SIMDJSON_PADDING) : text;
  for (auto bytes : {text, head}) {
    for (bool chosen : {false, true}) {
      auto make = [&] { return chosen ? detail::job_tree_builder(some_columns, &some_fields) : detail::job_tree_builder(every_column); };
      auto simd = make(), nl = make();
      simd.max_depth = nl.max_depth = max_json_depth + 1;  // the list around the jobs, as parse_sweep reads it
      if (!reader.parse(detail::padded_slice(bytes, text.data() + text.size(), scratch), simd)) continue;
      if (!nlohmann::json::sax_parse(bytes.begin(), bytes.end(), &nl)) throw std::logic_error("simdjson read what nlohmann refuses");
      if (simd.tree.dump() != nl.tree.dump()) throw std::logic_error("simdjson's tree unlike nlohmann's");
    }
  }
}

/// @brief One json_stats record (the text after the tag) read by collect's record reader through
/// simdjson and through nlohmann: whatever simdjson accepts, nlohmann must too, with the same
/// fields written the same (the text copied into sweep.json must not depend on the parser).
inline void json_stats_record_entry(std::string_view text) {
  detail::record_reader flat, fast, reference;
  std::string scratch;
  auto padded = detail::padded_slice(text, text.data() + text.size(), scratch);
  bool read_flat = flat.read_flat(padded);
  bool read_fast = fast.read_fast(padded);
  // read_fast leaves to nlohmann what read_flat may take (a float of more than 19 digits), so
  // each is held to nlohmann, the last word, not to the other.
  if (!read_flat && !read_fast) return;
  if (!reference.read(text)) {
    throw std::logic_error(read_flat ? "read_flat read a record nlohmann refuses" : "simdjson read a record nlohmann refuses");
  }
  auto same_fields = [&](const detail::record_reader& r) {
    auto a = r.fields(), b = reference.fields();
    bool same = r.top() == reference.top() && a.size() == b.size();
    for (std::size_t i = 0; same && i < a.size(); ++i) {
      same = a[i].key == b[i].key && a[i].text == b[i].text && a[i].is_string == b[i].is_string &&
             (!a[i].is_string || a[i].str == b[i].str);
    }
    return same;
  };
  if (read_fast && !same_fields(fast)) throw std::logic_error("simdjson's fields unlike nlohmann's");
  if (read_flat && !same_fields(flat)) throw std::logic_error("read_flat's fields unlike nlohmann's");
}

}  // namespace sweep::fuzz
