// A conditional space: the model family is a grid axis, and each family's own keys are
// joined only where MODEL.TYPE names that family. The program prints every config.
#include <sweep/space.hpp>

#include <fmt/format.h>

#include <string>

using namespace sweep::literals;

int main() {
  auto families = sweep::grid("MODEL.TYPE"_k = sweep::values("anynet", "regnet"),
                              "OPTIM.BASE_LR"_k = sweep::geomspace(0.1, 1.0, 2));
  // REGNET.* only when MODEL.TYPE is regnet; when("MODEL.TIPE"_k, ...) would not compile.
  auto space = sweep::join(families,
                           sweep::when("MODEL.TYPE"_k, "regnet",
                                       sweep::zip("REGNET.DEPTH"_k = sweep::values(13, 22),
                                                  "REGNET.W0"_k = sweep::values(24, 48))),
                           sweep::when("MODEL.TYPE"_k, "anynet",
                                       sweep::grid("ANYNET.DEPTHS"_k = sweep::values(1, 2))));
  // Records are typed: a key of a conditional part reads as an optional.
  auto shallow = space | sweep::where([](const auto& r) { return r["REGNET.DEPTH"_k].value_or(0) < 20; });

  fmt::print("{} configs\n", space.size());
  for (std::uint64_t i = 0; i < space.size(); ++i) {
    auto r = space.at(i);
    std::string key;
    space.append_key_text(key, r);
    fmt::print("{:2}: {}{}\n", i, key, shallow.accepts(r) ? "" : "  (rejected: REGNET.DEPTH >= 20)");
  }
}
