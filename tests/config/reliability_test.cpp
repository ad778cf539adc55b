// Issue 15's input classes on the config side and the pieces that take config values as they are:
// UTF-8 beyond byte checks, YAML that expands under the alias budget, sampler keys that overlap,
// sampler ranges whose draws are not finite, NUM_PROC, the job list from cfgs_summary.yaml
// (base/layout.hpp), COMMAND words that expand without bound (launch/command.hpp), the launch
// lock probed read-only (base/lock.hpp), and paths from a config that must stay inside their
// folder (base/paths.hpp).
#include <sweep/base/layout.hpp>
#include <sweep/base/lock.hpp>
#include <sweep/base/paths.hpp>
#include <sweep/config.hpp>
#include <sweep/config/space_yaml.hpp>
#include <sweep/launch/command.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

std::string load_error(const std::string& text, const std::string& file = "cfg.yaml") {
  try {
    sweep::load_yaml_text(text, file);
  } catch (const sweep::error& e) {
    return e.what();
  }
  return "no error";
}

/// @brief A scratch folder for this process (CTest runs test cases in parallel processes).
struct scratch {
  fs::path path;
  explicit scratch(const std::string& name)
      : path(fs::temp_directory_path() / ("sweep_reliability_" + name + "_" + std::to_string(::getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~scratch() { fs::remove_all(path); }
};

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << text;
}

}  // namespace

TEST_CASE("UTF-8: overlong forms, surrogates and code points above U+10FFFF are refused with file:line", "[config]") {
  CHECK(load_error("A: caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\n") == "no error");  // U+10FFFF is the last
  CHECK(load_error("A: 1\nB: \xc0\xaf\n") == "cfg.yaml:2: overlong UTF-8 encoding of U+002F (bytes 0xc0 0xaf): expected UTF-8 text in its shortest form");
  CHECK(load_error("B: \xe0\x80\xaf\n") == "cfg.yaml:1: overlong UTF-8 encoding of U+002F (bytes 0xe0 0x80 0xaf): expected UTF-8 text in its shortest form");
  CHECK(load_error("B: \xf0\x80\x80\xaf\n") == "cfg.yaml:1: overlong UTF-8 encoding of U+002F (bytes 0xf0 0x80 0x80 0xaf): expected UTF-8 text in its shortest form");
  CHECK(load_error("\n\nB: \xed\xa0\x80\n") == "cfg.yaml:3: UTF-16 surrogate U+D800 encoded as UTF-8 (bytes 0xed 0xa0 0x80): expected UTF-8 text");
  CHECK(load_error("B: \xed\xbf\xbf\n") == "cfg.yaml:1: UTF-16 surrogate U+DFFF encoded as UTF-8 (bytes 0xed 0xbf 0xbf): expected UTF-8 text");
  CHECK(load_error("B: \xf4\x90\x80\x80\n") == "cfg.yaml:1: code point U+110000 is above U+10FFFF (bytes 0xf4 0x90 0x80 0x80): expected UTF-8 text");
  CHECK(load_error("B: \xf7\xbf\xbf\xbf\n") == "cfg.yaml:1: code point U+1FFFFF is above U+10FFFF (bytes 0xf7 0xbf 0xbf 0xbf): expected UTF-8 text");
}

TEST_CASE("YAML: aliases under the values budget cannot expand a small text into megabytes", "[config]") {
  // 10 x 10 x 10 aliases of a 2000-byte string: 1111 values, 2 MB of text from 2.2 kB
  std::string text = "a0: &a0 '" + std::string(2000, 'x') + "'\n";
  text += "a1: &a1 [*a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0]\n";
  text += "a2: &a2 [*a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1]\n";
  text += "a3: &a3 [*a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2]\n";
  CHECK_THAT(load_error(text, "big.yaml"),
             Catch::Matches("big\\.yaml:[0-9]+: a3\\[[0-9]+\\]\\[[0-9]+\\]\\[[0-9]+\\]: the YAML expands to more than 1048576 bytes "
                            "\\(aliases repeating large anchors\\?\\): expected a smaller config"));
  // small values repeated many times cost their indentation in the written job config
  std::string small = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int level = 1; level <= 4; ++level) {  // 123,454 values in all, under the values budget
    small += fmt::format("a{}: &a{} [", level, level);
    for (int i = 0; i < 10; ++i) small += fmt::format("{}*a{}", i ? ", " : "", level - 1);
    small += "]\n";
  }
  CHECK_THAT(load_error(small), Catch::Contains("the YAML expands to more than 1048576 bytes"));
  // without aliases a text expands to about its own size: a 3 MB config loads
  std::string plain = "A: [";
  for (int i = 0; i < 300000; ++i) plain += i ? ", 123456789" : "1";
  plain += "]\n";
  CHECK(load_error(plain) == "no error");
  // the values budget keeps its own message ("billion laughs")
  std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int level = 1; level <= 8; ++level) {
    bomb += fmt::format("a{}: &a{} [", level, level);
    for (int i = 0; i < 10; ++i) bomb += fmt::format("{}*a{}", i ? ", " : "", level - 1);
    bomb += "]\n";
  }
  CHECK_THAT(load_error(bomb), Catch::Contains("the YAML expands to more than 1048576 values (nested aliases?)"));
}

TEST_CASE("SETUP.SAMPLERS: keys that contain one another are refused naming both, in either order", "[config]") {
  auto samplers_error = [](const std::string& yaml) -> std::string {
    try {
      (void)sweep::load_space(sweep::load_yaml_text(yaml, "s.yaml"), "s.yaml");
    } catch (const sweep::error& e) {
      return e.what();
    }
    return "no error";
  };
  std::string lr = "OPTIM.BASE_LR: {TYPE: float_sampler, RAND_TYPE: uniform, RANGE: [0.1, 0.2], QUANTIZE: 0.1}\n";
  std::string optim = "OPTIM: {TYPE: value_sampler, VALUES: [{BASE_LR: 1.0}]}\n";
  CHECK(samplers_error(optim + lr) ==
        "s.yaml:2: SETUP.SAMPLERS.OPTIM.BASE_LR: overlaps SETUP.SAMPLERS.OPTIM: a sampler of OPTIM sets all of it: "
        "expected keys of which none contains another (sample OPTIM or its parts, not both)");
  CHECK_THAT(samplers_error(lr + optim), Catch::StartsWith("s.yaml:1: SETUP.SAMPLERS.OPTIM.BASE_LR: overlaps SETUP.SAMPLERS.OPTIM:"));
  CHECK_THAT(samplers_error("REGNET: {TYPE: regnet_sampler}\nREGNET.DEPTH: {TYPE: int_sampler, RAND_TYPE: uniform, RANGE: [1, 4], QUANTIZE: 1}\n"),
             Catch::StartsWith("s.yaml:2: SETUP.SAMPLERS.REGNET.DEPTH: overlaps SETUP.SAMPLERS.REGNET:"));
  CHECK(samplers_error(lr + "OPTIM.BASE_LR_X: {TYPE: value_sampler, VALUES: [1]}\nOPTIMX: {TYPE: value_sampler, VALUES: [1]}\n") == "no error");
}

TEST_CASE("sampler ranges whose draws would be inf, NaN or never end are refused at load with the key path", "[config]") {
  auto sampler_error = [](const std::string& yaml) -> std::string {
    try {
      (void)sweep::load_sampler(sweep::load_yaml_text(yaml, "s.yaml"), "s.yaml", "OPTIM.BASE_LR");
    } catch (const sweep::error& e) {
      return e.what();
    }
    return "no error";
  };
  CHECK_THAT(sampler_error("TYPE: float_sampler\nRAND_TYPE: normal\nRANGE: [-1.0e308, 1.0e308]\nQUANTIZE: 1.0e300\n"),
             Catch::StartsWith("s.yaml:3: OPTIM.BASE_LR.RANGE: normal: the range [-1e+308, 1e+308] widened by QUANTIZE 1e+300 is wider"));
  CHECK_THAT(sampler_error("TYPE: float_sampler\nRAND_TYPE: uniform\nRANGE: [0.0, 1.0e300]\nQUANTIZE: 1.0e-300\n"),
             Catch::StartsWith("s.yaml:4: OPTIM.BASE_LR.QUANTIZE: uniform: RANGE [0.0, 1e+300] / QUANTIZE 1e-300 overflows"));
  CHECK_THAT(sampler_error("TYPE: int_sampler\nRAND_TYPE: uniform\nRANGE: [0, 9223372036854775807]\nQUANTIZE: 1\n"),
             Catch::StartsWith("s.yaml:3: OPTIM.BASE_LR.RANGE: uniform: the range [0, 9223372036854775807] widened by QUANTIZE 1 reaches beyond +-2^62"));
}

TEST_CASE("NUM_PROC is a number of threads: 1 to 1024", "[config]") {
  sweep::sweep_config cfg;
  cfg.name = "s";
  cfg.num_proc = 1024;
  CHECK_NOTHROW(sweep::check_common_options(cfg));
  cfg.num_proc = 1'000'000'000'000;
  CHECK_THROWS_WITH(sweep::check_common_options(cfg), Catch::Contains("NUM_PROC: expected at most 1024 (a number of threads), got 1000000000000"));
}

TEST_CASE("the jobs of a sweep are the keys of cfgs_summary.yaml, not the files in cfgs/", "[config]") {
  scratch tmp("layout");
  sweep::sweep_layout layout(tmp.path / "s");
  auto make = [&](int n) {
    fs::remove_all(layout.dir);
    fs::create_directories(layout.cfgs_dir());
    std::string summary;
    for (int i = 0; i < n; ++i) {
      auto name = fmt::format("{:06d}.yaml", i);
      write(layout.cfgs_dir() / name, fmt::format("DESC: 'A {}'\n", i));
      summary += fmt::format("{}: A {}\n", name, i);
    }
    write(layout.cfgs_summary_file(), n == 0 ? "{}\n" : summary);
  };
  make(3);
  auto names = [&] {
    std::vector<std::string> out;
    for (auto& p : sweep::list_job_configs(layout)) out.push_back(p.filename().string());
    return out;
  };
  CHECK(names() == std::vector<std::string>{"000000.yaml", "000001.yaml", "000002.yaml"});
  // a sweep nested in cfgs/ (NAME s/cfgs) adds cfgs_summary.yaml, sweep_cfg.yaml and a folder: not jobs
  write(layout.cfgs_dir() / "cfgs_summary.yaml", "000000.yaml: B\n");
  write(layout.cfgs_dir() / "sweep_cfg.yaml", "NAME: s/cfgs\n");
  write(layout.cfgs_dir() / "cfgs" / "000000.yaml", "DESC: B\n");
  write(layout.cfgs_dir() / "000007.yaml", "DESC: stray\n");
  CHECK(names() == std::vector<std::string>{"000000.yaml", "000001.yaml", "000002.yaml"});
  // a deleted config is an error naming it, never a shift of the later jobs
  fs::remove(layout.cfgs_dir() / "000001.yaml");
  CHECK_THROWS_WITH(sweep::list_job_configs(layout),
                    Catch::Contains((layout.cfgs_dir() / "000001.yaml").string() + ": missing: cfgs_summary.yaml lists it as job 1"));
  make(0);
  CHECK(names().empty());
  // a summary that is not setup's: named with its line
  make(2);
  write(layout.cfgs_summary_file(), "000000.yaml: A 0\n../../etc/passwd: x\n");
  CHECK_THROWS_WITH(sweep::list_job_configs(layout),
                    Catch::Contains("cfgs_summary.yaml:2: expected a line `NNNNNN.yaml: KEY` as setup writes it"));
  write(layout.cfgs_summary_file(), "000001.yaml: A 1\n000000.yaml: A 0\n");
  CHECK_THROWS_WITH(sweep::list_job_configs(layout), Catch::Contains("cfgs_summary.yaml:2: 000000.yaml comes after 000001.yaml"));
  // keys written quoted or with long values on continuation lines still list in order
  write(layout.cfgs_summary_file(), "000000.yaml: A 0\n  continued\n000001.yaml: 'A: 1'\n");
  CHECK(names() == std::vector<std::string>{"000000.yaml", "000001.yaml"});
}

TEST_CASE("the summary of a real setup lists every job in order", "[config]") {
  // pycls's own cfgs_summary.yaml files have this form too
  for (auto name : {"cifar_optim", "cifar_regnet", "cifar_best"}) {
    auto text = sweep::read_file(std::string(SWEEP_TEST_DATA_DIR) + "/setup/" + name + ".cfgs_summary.yaml");
    auto keys = sweep::detail::summary_job_names(text, name);
    auto parsed = sweep::load_yaml_text(text, name);
    REQUIRE(keys.size() == parsed.as_map().size());
    for (std::size_t i = 0; i < keys.size(); ++i) CHECK(keys[i] == parsed.as_map()[i].first);
  }
}

TEST_CASE("LAUNCH.COMMAND: a word may expand to at most 64 KiB", "[config]") {
  sweep::job_vars vars{"cfgs/000003.yaml", "logs/000003", 3, "train"};
  CHECK(sweep::expand_word("--index={index:06d}", vars) == "--index=000003");
  CHECK(sweep::expand_word("{index:>65536}", vars).size() == 65536);
  CHECK_THROWS_WITH(sweep::expand_word("{index:>999999999}", vars, "s.yaml"),
                    Catch::StartsWith("s.yaml: LAUNCH.COMMAND: width 999999999 in '{index:>999999999}' is too large"));
  CHECK_THROWS_WITH(sweep::expand_word("{cfg:.99999999999999999999}", vars), Catch::Contains("LAUNCH.COMMAND: width"));
  CHECK(sweep::expand_word("{{index:>999999999}}", vars) == "{index:>999999999}");  // literal braces: no placeholder
  vars.cfg = std::string(70000, 'c');
  CHECK_THROWS_WITH(sweep::expand_word("--cfg={cfg}", vars), Catch::Contains("LAUNCH.COMMAND: '--cfg={cfg}' expands to 70006 bytes for job 3"));
}

TEST_CASE("the launch lock is probed read-only: never created, unreadable means no launcher", "[config]") {
  scratch tmp("lock");
  auto lock = tmp.path / "logs" / ".launch.lock";
  CHECK_FALSE(sweep::launcher_active(lock));
  CHECK_FALSE(fs::exists(lock));  // the probe creates nothing
  fs::create_directories(lock.parent_path());
  write(lock, "");
  ::chmod(lock.c_str(), 0444);  // another user's sweep: readable, not writable
  CHECK_FALSE(sweep::launcher_active(lock));
  ::chmod(lock.c_str(), 0644);
  {
    sweep::file_lock held(lock, true);
    REQUIRE(held.locked());
    CHECK(sweep::launcher_active(lock));
  }
  CHECK_FALSE(sweep::launcher_active(lock));
  ::chmod(lock.c_str(), 0000);  // unreadable (root reads it anyway): no error either way
  CHECK_NOTHROW(sweep::launcher_active(lock));
  ::chmod(lock.c_str(), 0644);
}

TEST_CASE("the sweep lock: setup alone, launches and collects together, a clear refusal otherwise", "[config]") {
  using sweep::sweep_access, sweep::sweep_lock;
  scratch tmp("sweep_lock");
  sweep::sweep_layout layout(tmp.path / "s");
  CHECK_NOTHROW(sweep_lock(layout, sweep_access::shared, "collect"));  // no sweep yet: nothing to lock, nothing made
  CHECK_FALSE(fs::exists(layout.dir));
  fs::create_directories(layout.dir);
  {
    sweep_lock setup(layout, sweep_access::exclusive, "setup");
    CHECK_THROWS_WITH(sweep_lock(layout, sweep_access::shared, "launch"),
                      Catch::StartsWith(layout.dir.string() + ": the sweep is in use by `sweep setup` (pid " +
                                        std::to_string(::getpid()) + "): `sweep launch` expected it to end first"));
    CHECK_THROWS_WITH(sweep_lock(layout, sweep_access::exclusive, "setup"), Catch::Contains("in use by"));
  }
  {
    sweep_lock launch(layout, sweep_access::shared, "launch");
    CHECK_NOTHROW(sweep_lock(layout, sweep_access::shared, "collect"));  // collect while jobs run
    CHECK_THROWS_WITH(sweep_lock(layout, sweep_access::exclusive, "setup"),
                      Catch::Contains("the sweep is in use by `sweep collect` or a `sweep launch` starting: `sweep setup` "
                                      "expected it to end first (nothing was changed)"));
    fs::create_directories(layout.logs_dir());
    sweep::file_lock launcher(layout.lock_file(), true);
    CHECK_THROWS_WITH(sweep_lock(layout, sweep_access::exclusive, "setup"),
                      Catch::Contains("in use by `sweep launch` (pid " + std::to_string(::getpid()) + ")"));
  }
  CHECK_NOTHROW(sweep_lock(layout, sweep_access::exclusive, "setup"));  // released with their holders
}

TEST_CASE("paths from a config stay inside their folder: on the text at check time", "[config]") {
  using sweep::relative_path_problem;
  for (auto ok : {"s", "cifar/cifar_optim", "a/b/c", "stdout.log", "lightning_logs/version_*/metrics.csv", "..x", "x.."}) {
    CHECK(relative_path_problem(ok, "ROOT_DIR").empty());
  }
  CHECK(relative_path_problem("", "the job's folder") == "is empty: expected a name inside the job's folder");
  CHECK(relative_path_problem("/etc/passwd", "ROOT_DIR") == "'/etc/passwd' is absolute: expected a relative name inside ROOT_DIR");
  CHECK(relative_path_problem("a/../../up", "ROOT_DIR") == "'a/../../up' has a '..' part: expected a name that stays inside ROOT_DIR");
  CHECK(relative_path_problem("..", "ROOT_DIR") == "'..' has a '..' part: expected a name that stays inside ROOT_DIR");
  CHECK(relative_path_problem(".", "ROOT_DIR") == "'.' has a '.' part: expected a name that stays inside ROOT_DIR");
  CHECK(relative_path_problem("a//b", "ROOT_DIR") == "'a//b' has an empty part: expected parts separated by single '/'");
  CHECK(relative_path_problem("a/", "ROOT_DIR") == "'a/' has an empty part: expected parts separated by single '/'");
  CHECK(relative_path_problem("a\nb", "ROOT_DIR") == "must not contain control characters (newlines, tabs, ...)");

  // Every config key that is joined onto a folder is checked with its file, line and key path.
  auto error_of = [](const std::string& text) {
    try {
      auto cfg = sweep::sweep_config_from_value(sweep::load_yaml_text(text, "cfg.yaml"), "cfg.yaml");
      sweep::check_collect_options(cfg);
      sweep::check_analyze_options(cfg);
    } catch (const sweep::error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string head = "NAME: s\nSETUP:\n  NUM_CONFIGS: 1\n";
  CHECK(error_of(head + "COLLECT:\n  CHECKPOINT_DIR: ../../../..\n") ==
        "cfg.yaml:5: COLLECT.CHECKPOINT_DIR: '../../../..' has a '..' part: expected a name that stays inside the job's folder");
  CHECK(error_of(head + "COLLECT:\n  CHECKPOINT_PREFIX: \"\"\n") ==
        "cfg.yaml:5: COLLECT.CHECKPOINT_PREFIX: is empty: expected the part of a checkpoint's file name that marks it, "
        "e.g. model_epoch_ (empty would name every file)");
  CHECK(error_of(head + "COLLECT:\n  ERR_FILE: ../../secret\n") ==
        "cfg.yaml:5: COLLECT.ERR_FILE: '../../secret' has a '..' part: expected a name that stays inside the job's folder");
  CHECK(error_of(head + "COLLECT:\n  LOG_FILE: /tmp/x.log\n") ==
        "cfg.yaml:5: COLLECT.LOG_FILE: '/tmp/x.log' is absolute: expected a relative name inside the job's folder");
  CHECK(error_of(head + "ANALYZE:\n  EXTRA_SWEEP_NAMES: [other, ../up]\n") ==
        "cfg.yaml:5: ANALYZE.EXTRA_SWEEP_NAMES[1]: '../up' has a '..' part: expected a name that stays inside ROOT_DIR");
  CHECK(error_of(head + "ANALYZE:\n  EXTRA_SWEEP_NAMES: [group/other]\n") == "no error");  // a sweep in a subfolder
  CHECK(error_of("NAME: group/s\nSETUP:\n  NUM_CONFIGS: 1\n") == "no error");
}

TEST_CASE("paths from a config stay inside their folder: symlinks resolved where they are used", "[config]") {
  scratch tmp("paths");
  auto base = tmp.path / "root" / "s";
  write(base / "logs" / "000000" / "stdout.log", "x");
  write(tmp.path / "secret.txt", "x");
  fs::create_symlink(tmp.path / "secret.txt", base / "logs" / "000000" / "stderr.log");
  fs::create_directory_symlink(tmp.path, base / "logs" / "000000" / "out");
  fs::create_directory_symlink("000000", base / "logs" / "alias");  // stays inside logs/
  CHECK(sweep::stays_inside(base, "logs/000000/stdout.log"));
  CHECK(sweep::stays_inside(base, "logs/000000/checkpoints/model_epoch_1.pyth"));  // missing: nothing to reach
  CHECK_FALSE(sweep::stays_inside(base, "logs/000000/stderr.log"));
  CHECK_FALSE(sweep::stays_inside(base, "logs/000000/out"));
  CHECK_FALSE(sweep::stays_inside(base, "logs/000000/out/secret.txt"));
  CHECK(sweep::stays_inside(base / "logs", "alias/stdout.log"));
  CHECK_FALSE(sweep::stays_inside(base / "logs" / "alias", "../000000"));  // refused on the text already
  // The folder itself may be a symlink (a sweep kept on another disk): only what is below it counts.
  fs::create_directory_symlink(base, tmp.path / "link_to_s");
  CHECK(sweep::stays_inside(tmp.path / "link_to_s", "logs/000000/stdout.log"));
  CHECK_FALSE(sweep::stays_inside(tmp.path / "link_to_s", "logs/000000/stderr.log"));
}

TEST_CASE("open_inside opens what stays inside its folder, checked as it opens", "[config]") {
  scratch tmp("open_inside");
  auto job = tmp.path / "logs" / "000000";
  write(job / "stdout.log", "log text");
  write(tmp.path / "secret.txt", "secret");
  fs::create_symlink(tmp.path / "secret.txt", job / "stderr.log");          // leads out
  fs::create_symlink("stdout.log", job / "relative.log");                  // stays inside
  fs::create_symlink(fs::absolute(job / "stdout.log"), job / "absolute.log");  // absolute, but inside
  fs::create_directory_symlink(tmp.path, job / "out");
  REQUIRE(::mkfifo((job / "fifo.log").c_str(), 0600) == 0);
  auto folder = sweep::open_folder(job);
  REQUIRE(folder);
  auto text_of = [&](std::string_view rel) {
    auto opened = sweep::open_inside(folder.get(), job, rel, O_RDONLY);
    if (opened.outside) return std::string("outside");
    if (!opened.fd) return fmt::format("not opened: {}", std::strerror(errno));
    std::string text;
    std::size_t size = 0;
    REQUIRE(sweep::read_whole_fd(opened.fd.get(), text, size));
    text.resize(size);
    return text;
  };
  CHECK(text_of("stdout.log") == "log text");
  CHECK(text_of("relative.log") == "log text");
  CHECK(text_of("absolute.log") == "log text");  // refused by RESOLVE_BENEATH, then checked where it leads
  CHECK(text_of("stderr.log") == "outside");
  CHECK(text_of("out/secret.txt") == "outside");
  CHECK(text_of("../000000/stdout.log") == "outside");  // refused on the text
  CHECK(text_of("missing.log") == fmt::format("not opened: {}", std::strerror(ENOENT)));
  CHECK(text_of("fifo.log").empty());  // no writer: read as empty, not waited for
}

TEST_CASE("atomic_file writes many pieces whole, more than one writev takes", "[config]") {
  scratch tmp("atomic_pieces");
  std::vector<std::string> texts;
  std::string expected;
  for (int i = 0; i < 3000; ++i) {
    texts.push_back(fmt::format("{}{}", i % 7 == 0 ? "" : "piece ", i));  // empty pieces too
    expected += texts.back();
  }
  std::vector<std::string_view> pieces(texts.begin(), texts.end());
  sweep::write_file_atomic(tmp.path / "out.txt", pieces);
  CHECK(sweep::read_file(tmp.path / "out.txt") == expected);
}
