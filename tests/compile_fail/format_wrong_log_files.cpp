// log_files must take the format's options and COLLECT's keys: a wrong signature is refused by name.
#include <sweep/collect/log_formats.hpp>

struct my_format {
  static constexpr std::string_view name = "mine";
  using options = sweep::no_options;
  std::vector<std::string> log_files() const { return {"log.csv"}; }
  void read(const options&, const sweep::job_files&, sweep::job_record&) const {}
};
SWEEP_REGISTER(sweep::register_log_format<my_format>);
