// The sanity case of the report-section cases: a section of the right shape registers.
#include <sweep/report/sections.hpp>

#include <string_view>

struct note_section {
  static constexpr std::string_view name = "note";
  static constexpr std::string_view title = "Note";
  using options = sweep::no_options;
  void render(const sweep::analysis_context& ctx, const options&, sweep::html_book& book) const {
    book.add_text(std::to_string(ctx.analysed) + " jobs");
  }
};

SWEEP_REGISTER(sweep::register_report_section<note_section>);

int main() {}
