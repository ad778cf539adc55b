// A report section without a title: registering it says what to add.
#include <sweep/report/sections.hpp>

#include <string_view>

struct note_section {
  static constexpr std::string_view name = "note";
  using options = sweep::no_options;
  void render(const sweep::analysis_context&, const options&, sweep::html_book&) const {}
};

SWEEP_REGISTER(sweep::register_report_section<note_section>);

int main() {}
