// The json_stats writer writes pycls's exact line format, and the log parser
// reads it back; the parser's fast path agrees with nlohmann's parser.
#include <sweep/collect/json_stats.hpp>
#include <sweep/collect/log_parser.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <sstream>

using nlohmann::json;
using nlohmann::ordered_json;

TEST_CASE("json_stats_writer writes pycls's epoch lines byte for byte", "[collect][json_stats]") {
  std::ostringstream out;
  sweep::json_stats_writer w(out);
  // The values of logs/000000's first test_epoch in pycls-reference/fake_optim_64 (5th decimal added).
  w.epoch("test_epoch", 1, 50,
          {{"top1_err", 63.05741}, {"top5_err", 21.60339}, {"min_top1_err", 63.0574}, {"min_top5_err", 21.6034},
           {"mem", 5519}, {"time_avg", 0.0115}, {"time_epoch", 0.11449}});
  CHECK(out.str() ==
        "json_stats: {\"_type\": \"test_epoch\", \"epoch\": \"1/50\", \"mem\": 5519, \"min_top1_err\": 63.0574, "
        "\"min_top5_err\": 21.6034, \"time_avg\": 0.0115, \"time_epoch\": 0.1145, \"top1_err\": 63.0574, "
        "\"top5_err\": 21.6034}\n");
}

TEST_CASE("json_stats_writer: complexity, records and cfg as pycls dumps them", "[collect][json_stats]") {
  std::ostringstream out;
  sweep::json_stats_writer w(out);
  w.complexity(125747850, 855770, 544778);
  w.record("epoch_times", {{"train_fw_time", 0.954}, {"zero", 0.0}, {"neg", -1.5}, {"big", 1e20}});
  // pycls logs the cfg with prec=None: floats keep Python's repr.
  w.cfg(json{{"BN", {{"EPS", 1e-5}, {"MOM", 0.1}}}, {"OPTIM", {{"BASE_LR", 2.23475415}, {"MAX_EPOCH", 50}}},
             {"DESC", "caf\u00e9 \"x\""}, {"NESTEROV", true}, {"STEPS", json::array()}, {"W", nullptr}});
  std::istringstream lines(out.str());
  std::string line;
  std::getline(lines, line);
  CHECK(line == R"(json_stats: {"_type": "complexity", "acts": 544778, "flops": 125747850, "params": 855770})");
  std::getline(lines, line);
  CHECK(line == R"(json_stats: {"_type": "epoch_times", "big": 100000000000000000000.0000, "neg": -1.5000, )"
                R"("train_fw_time": 0.9540, "zero": 0.0000})");
  std::getline(lines, line);
  CHECK(line == R"(json_stats: {"BN": {"EPS": 1e-05, "MOM": 0.1}, "DESC": "caf\u00e9 \"x\"", "NESTEROV": true, )"
                R"("OPTIM": {"BASE_LR": 2.23475415, "MAX_EPOCH": 50}, "STEPS": [], "W": null, "_type": "cfg"})");
}

TEST_CASE("json_stats_writer: floats in lists keep repr, in nested maps are fixed, NaN as Python writes it",
          "[collect][json_stats]") {
  auto line = sweep::json_stats_writer::format_line(
      "x", ordered_json{{"list", {0.5, 1}}, {"map", {{"a", 0.25}}}, {"nan", std::nan("")},
                        {"inf", -std::numeric_limits<double>::infinity()}});
  CHECK(line == R"(json_stats: {"_type": "x", "inf": -Infinity, "list": [0.5, 1], "map": {"a": 0.2500}, "nan": NaN})");
}

TEST_CASE("what json_stats_writer writes, parse_job_log reads back", "[collect][json_stats]") {
  std::ostringstream out;
  sweep::json_stats_writer w(out);
  out << "[trainer.py: 111]: ";
  w.cfg(json{{"OPTIM", {{"BASE_LR", 0.1}}}});
  w.complexity(10, 20, 30);
  for (int e = 1; e <= 3; ++e) {
    w.epoch("train_iter", e, 3, {{"iter", "1/2"}, {"loss", 1.0}});
    w.epoch("test_epoch", e, 3, {{"top1_err", 10.0 * e}, {"mem", 7}});
  }
  w.record("epoch_times", {{"t", std::nan("")}});
  auto parsed = sweep::parse_job_log(out.str(), {}, "stdout.log");
  CHECK(parsed.issues.empty());
  CHECK(parsed.records_seen == 9);
  CHECK(parsed.data["cfg"] == json{{"OPTIM", {{"BASE_LR", 0.1}}}});
  CHECK(parsed.data["complexity"] == json{{"acts", 30}, {"flops", 10}, {"params", 20}});
  CHECK(parsed.data["test_epoch"]["top1_err"] == json{10.0, 20.0, 30.0});
  CHECK(parsed.data["test_epoch"]["epoch"] == json{"1/3", "2/3", "3/3"});
  CHECK(parsed.data["test_epoch"]["epoch_ind"] == json{1, 2, 3});
  CHECK(parsed.data["test_epoch"]["epoch_max"] == json{3, 3, 3});
  CHECK_FALSE(parsed.data.contains("train_iter"));
  // Python's NaN (simplejson) is not JSON: it becomes null rather than losing the record.
  CHECK(parsed.data["epoch_times"]["t"].is_null());
}

TEST_CASE("the flat-record fast path gives what nlohmann's parser gives, or defers to it", "[collect][json_stats]") {
  std::vector<sweep::detail::field_view> fields;
  auto as_object = [&] {
    json o = json::object();
    for (auto& f : fields) o[std::string(f.key)] = f.value;
    return o;
  };
  for (std::string text : {R"({"a": 1, "b": -2, "c": 0.5, "d": "x/y", "e": true, "f": false, "g": null})",
                           R"({"big": 18446744073709551615, "e": 1E+2, "neg": -9223372036854775808, "z": -0.0})",
                           R"(  {"_type":"t","x":1.25e-3}  )", R"({})", "{\"a\": 1}\r"}) {
    INFO(text);
    REQUIRE(sweep::detail::scan_flat_record(text, fields));
    auto expected = json::parse(text);
    CHECK(as_object() == expected);
    for (auto& f : fields) CHECK(f.value.type() == expected[std::string(f.key)].type());
  }
  // Escapes, non-ASCII, nesting, unsorted or repeated keys, non-JSON numbers, trailing junk: nlohmann decides.
  for (std::string text : {R"({"a": "x\"y"})", "{\"a\": \"caf\xc3\xa9\"}", R"({"a": [1]})", R"({"a": {"b": 1}})",
                           R"({"b": 1, "a": 2})", R"({"a": 1, "a": 2})", R"({"a": 01})", R"({"a": .5})",
                           R"({"a": 1.})", R"({"a": NaN})", R"({"a": 1} x)", R"({"a": 1,})", R"({"a": 1e999})",
                           R"({"a": 99999999999999999999})", R"({"a" 1})", R"({"a": tru})"}) {
    INFO(text);
    CHECK_FALSE(sweep::detail::scan_flat_record(text, fields));
  }
}
