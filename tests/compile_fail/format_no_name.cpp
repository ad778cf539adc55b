// A log format without a name (what COLLECT.FORMAT says) is refused by name.
#include <sweep/collect/log_formats.hpp>

struct my_format {
  using options = sweep::no_options;
  std::vector<std::string> log_files(const options&, const sweep::collect_options&) const { return {"log.csv"}; }
  void read(const options&, const sweep::job_files&, sweep::job_record&) const {}
};
SWEEP_REGISTER(sweep::register_log_format<my_format>);
