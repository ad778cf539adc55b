// The json_stats writer writes pycls's exact line format, and the log parser
// reads it back; the SAX record reader agrees with nlohmann's DOM parser.
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

TEST_CASE("the SAX record reader gives each field as nlohmann's parser gives it", "[collect][json_stats]") {
  sweep::detail::record_reader reader;
  auto as_object = [&] {
    json o = json::object();
    for (auto& f : reader.fields()) o[f.key] = json::parse(f.text);
    return o;
  };
  for (std::string text : {R"({"a": 1, "b": -2, "c": 0.5, "d": "x/y", "e": true, "f": false, "g": null})",
                           R"({"big": 18446744073709551615, "e": 1E+2, "neg": -9223372036854775808, "z": -0.0})",
                           R"(  {"_type":"t","x":1.25e-3}  )", R"({})", "{\"a\": 1}\r", R"({"a": "x\"y\n"})",
                           "{\"a\": \"caf\xc3\xa9\"}", R"({"a": [1, [2, {"c": 3, "b": 4}]]})", R"({"a": {"b": 1}})",
                           R"({"b": 1, "a": 2})", R"({"a": 1, "b": 3, "a": 2})", R"({"a": 99999999999999999999})"}) {
    INFO(text);
    REQUIRE(reader.read(text));
    CHECK(reader.top() == json::value_t::object);
    auto expected = json::parse(text);
    CHECK(as_object() == expected);
    for (auto& f : reader.fields()) {
      CHECK(json::parse(f.text).type() == expected[f.key].type());
      CHECK(f.is_string == expected[f.key].is_string());
    }
  }
  // Floats as pycls's sweep.json holds them (Python's repr), integers stay integers.
  REQUIRE(reader.read(R"({"a": 0.9540, "b": 49.0000, "c": 5519, "d": 1e-05, "e": "1/50"})"));
  std::vector<std::string> texts;
  for (auto& f : reader.fields()) texts.emplace_back(f.text);
  CHECK(texts == std::vector<std::string>{"0.954", "49.0", "5519", "1e-05", "\"1/50\""});
  CHECK(reader.fields()[4].str == "1/50");
  // Nested values are written as read, floats as Python's repr too; keys out of order or repeated
  // (pycls writes them sorted) are sorted as nlohmann's DOM sorts them.
  REQUIRE(reader.read(R"({"cfg": {"A": [0.1000, 1234567890123456.0, {}], "B": {"c": 12.3400, "d": null}, "C": []}})"));
  CHECK(reader.fields()[0].text == R"({"A":[0.1,1234567890123456.0,{}],"B":{"c":12.34,"d":null},"C":[]})");
  CHECK_FALSE(reader.fields()[0].is_string);
  REQUIRE(reader.read(R"({"cfg": {"A": {"y": "s", "x": 1}, "B": [1, {"k": 2, "k": 3}]}, "d": "1/2"})"));
  CHECK(reader.fields()[0].text == R"({"A":{"x":1,"y":"s"},"B":[1,{"k":3}]})");
  CHECK(reader.fields()[1].str == "1/2");
  // Not an object: read to its end, so it can be told from bad JSON.
  REQUIRE(reader.read("[1, {\"a\": 2}]"));
  CHECK(reader.top() == json::value_t::array);
  REQUIRE(reader.read("\"x\""));
  CHECK(reader.top() == json::value_t::string);
  // Bad JSON: nlohmann's own message, without its exception prefix.
  for (std::string text : {R"({"a": 01})", R"({"a": .5})", R"({"a": 1.})", R"({"a": NaN})", R"({"a": 1} x)",
                           R"({"a": 1,})", R"({"a": 1e999})", R"({"a" 1})", R"({"a": tru})", R"({"a": [1)", ""}) {
    INFO(text);
    CHECK_FALSE(reader.read(text));
    std::string message;
    try {
      auto j = json::parse(text);
      FAIL("nlohmann parsed it: " << j.dump());
    } catch (const json::exception& e) {  // parse_error, or out_of_range for 1e999
      message = e.what();
    }
    REQUIRE(message.find("] ") != std::string::npos);
    CHECK(reader.error() == message.substr(message.find("] ") + 2));
  }
}

TEST_CASE("read_flat reads a flat record as the SAX route does, and leaves the rest to it", "[collect][json_stats]") {
  sweep::detail::record_reader flat, sax;
  std::string scratch;
  auto read_flat = [&](const std::string& text) {
    return flat.read_flat(sweep::detail::padded_slice(text, text.data() + text.size(), scratch));
  };
  auto same_fields = [&] {
    auto a = flat.fields(), b = sax.fields();
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      CHECK(a[i].key == b[i].key);
      CHECK(a[i].text == b[i].text);
      CHECK(a[i].is_string == b[i].is_string);
      if (a[i].is_string) CHECK(a[i].str == b[i].str);
    }
  };
  // Read: pycls's records, and keys out of order, repeated or spaced.
  for (std::string text : {R"({"_type": "test_epoch", "epoch": "1/50", "mem": 5519, "min_top1_err": 63.0570, "top1_err": 0.0000})",
                           R"({"a": 1, "b": -2, "c": 0.5, "d": "x/y", "e": true, "f": false, "g": null, "h": 0, "i": -0.0})",
                           R"({"b": 1, "a": 2})", R"({"a": 1, "b": 3, "a": 2})", R"(  {"_type":"t" , "x" : 12.3400 }  )",
                           R"({})", R"({"neg": -9223372036854775808, "big": 9223372036854775807, "s": ""})"}) {
    INFO(text);
    REQUIRE(read_flat(text));
    REQUIRE(sax.read(text));
    same_fields();
  }
  // Left to the SAX route: nested values, escapes, non-ASCII, exponents, "-0", integers beyond int64,
  // floats of more than 15 digits, and whatever is not JSON at all.
  for (std::string text : {R"({"a": [1]})", R"({"a": {"b": 1}})", R"({"a": "x\"y"})", "{\"a\": \"caf\xc3\xa9\"}",
                           R"({"a": 1e-05})", R"({"a": 1E+2})", R"({"a": -0})", R"({"a": 18446744073709551615})",
                           R"({"a": 1234567890123456.0})", R"({"a": 0.00001})", R"({"a": tru})", R"({"a": 01})",
                           R"({"a": 1.})", R"({"a": 1} x)", R"({"a": 1,})", R"({"a": NaN})", R"([1])", R"("x")",
                           R"({"a": nul})", R"({"a": 1x})", R"({"a": "b": 1}, "c": 2})", R"({"a": 1 2})"}) {
    INFO(text);
    CHECK_FALSE(read_flat(text));
  }
  // What both read after a refusal agrees: the reader is ready for the next record.
  REQUIRE(read_flat(R"({"x": 2.5000})"));
  CHECK(flat.fields()[0].text == "2.5");
}

TEST_CASE("a job's entry is written from its columns as nlohmann would dump the same data", "[collect][json_stats]") {
  std::string text =
      "json_stats: {\"_type\": \"cfg\", \"B\": {\"y\": [1, 2.50], \"x\": \"caf\xc3\xa9\"}, \"A\": 1}\n"
      "json_stats: {\"_type\": \"log_file\", \"x\": 1}\n"
      "json_stats: {\"_type\": \"test_epoch\", \"epoch\": \"2/2\", \"err\": 0.5000, \"mem\": 7}\n"
      "json_stats: {\"_type\": \"test_epoch\", \"epoch\": \"1/2\", \"err\": 1e-05, \"mem\": 7}\n"
      "json_stats: {\"_type\": \"cfg\", \"A\": 2, \"B\": {}}\n";
  sweep::detail::job_log log;
  log.read(text, {}, "stdout.log");
  CHECK(log.issues().empty());
  CHECK(log.records_seen() == 5);
  std::int64_t ind = 0, max = 0;
  REQUIRE(log.last_epoch("test_epoch", ind, max));
  CHECK((ind == 2 && max == 2));
  CHECK_FALSE(log.last_epoch("cfg", ind, max));
  std::string out;
  // Members the caller adds win over a record type of the same name (as the old DOM's assignment did).
  const sweep::detail::json_member extra[] = {{"log_file", "\"stdout.log\""}, {"err", "\"\""}};
  log.write(out, extra);
  CHECK(out == "{\"cfg\":{\"A\":1,\"B\":{\"x\":\"caf\xc3\xa9\",\"y\":[1,2.5]}},\"err\":\"\",\"log_file\":\"stdout.log\","
               "\"test_epoch\":{\"epoch\":[\"1/2\",\"2/2\"],\"epoch_ind\":[1,2],\"epoch_max\":[2,2],"
               "\"err\":[1e-05,0.5],\"mem\":[7,7]}}");
  CHECK(out == json::parse(out).dump());
  // The same reader, reused for the next job, keeps nothing of the last one.
  log.read("json_stats: {\"_type\": \"complexity\", \"flops\": 3}\n", {}, "other.log");
  out.clear();
  log.write(out, {});
  CHECK(out == R"({"complexity":{"flops":3}})");
}
