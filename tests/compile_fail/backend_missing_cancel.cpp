// A launch backend without cancel: registering it names the member and its signature.
#include <sweep/launch/backends.hpp>

struct my_backend {
  static constexpr std::string_view name = "mine";
  using options = sweep::no_options;
  my_backend(const sweep::sweep_config&, options) {}
  void check(const sweep::launch_context&) const {}
  sweep::launch_result launch(const sweep::launch_context&, const std::vector<std::int64_t>&) const { return {}; }
  std::optional<sweep::queue_states> queue(const sweep::sweep_layout&) const { return sweep::queue_states{}; }
};
SWEEP_REGISTER(sweep::register_launch_backend<my_backend>);
