// A whole log format registers: the harness compiles this one.
#include <sweep/collect/log_formats.hpp>

struct my_format {
  static constexpr std::string_view name = "mine";
  using options = sweep::no_options;
  std::vector<std::string> log_files(const options&, const sweep::collect_options&) const { return {"log.csv"}; }
  void read(const options&, const sweep::job_files&, sweep::job_record&) const {}
};
SWEEP_REGISTER(sweep::register_log_format<my_format>);
static_assert(sweep::log_format<my_format>);
