// A log format without `read` (what turns a job's files into its record) is refused by name.
#include <sweep/collect/log_formats.hpp>

struct my_format {
  static constexpr std::string_view name = "mine";
  using options = sweep::no_options;
  std::vector<std::string> log_files(const options&, const sweep::collect_options&) const { return {"log.csv"}; }
};
SWEEP_REGISTER(sweep::register_log_format<my_format>);
