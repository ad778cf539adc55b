// digits_train: the example experiment of sweep. Trains a small MLP on the
// digits data with SGD (momentum, weight decay), a cosine learning-rate
// schedule with warmup and an EMA of the weights, and logs like a pycls job
// (json_stats lines on stdout), so a whole sweep of it can be set up,
// launched, collected and analysed on a laptop.
//
//   digits_train --cfg job.yaml [--mode train] [KEY VALUE ...]
//
// KEY VALUE pairs override the config (OUT_DIR d, OPTIM.BASE_LR 0.2, ...).
// See docs/digits.md for the keys.
#include "digits_config.hpp"
#include "digits_data.hpp"
#include "digits_mlp.hpp"

#include <sweep/collect/json_stats.hpp>
#include <sweep/error.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numbers>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#ifndef DIGITS_DEFAULT_DATA_FILE
#define DIGITS_DEFAULT_DATA_FILE "digits.csv.gz"
#endif

namespace digits {
namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

/// @brief Everything the job reads from its config, with digits-sized defaults.
struct options {
  // OPTIM (pycls's names and meanings)
  double base_lr, min_lr, lr_mult, momentum, dampening, weight_decay, bias_weight_decay;
  double warmup_factor, ema_alpha;
  std::string lr_policy;
  std::vector<std::int64_t> steps;
  int max_epoch, warmup_epochs, ema_update_period;
  bool nesterov;
  // MODEL
  int width, depth;
  bool layer_norm;
  // TRAIN / TEST
  int batch_size, test_batch_size, checkpoint_period;
  double label_smoothing;
  bool auto_resume;
  // misc
  std::uint32_t rng_seed;
  int log_period, prec_warmup_iter, prec_num_iter;
  std::string out_dir, data_file;
  double epoch_seconds;  // an epoch lasts at least this long (a stand-in for a GPU epoch, so early stopping can look in time)
  bool lightning_csv;  // also write OUT_DIR/lightning_logs/version_N/metrics.csv as Lightning's CSVLogger does
};

/// @brief Reads and checks the options; any bad value throws sweep::error naming its key.
options read_options(job_config& cfg) {
  options o{};
  auto check = [&](bool ok, const char* key, const char* expected) {
    if (!ok) {
      const auto* at = &cfg.tree();
      for (auto& part : split_key(key)) at = &(*at)[part];
      cfg.fail(key, expected, *at);
    }
  };
  auto get_int = [&](const char* key, std::int64_t fallback, std::int64_t lo, std::int64_t hi, const char* expected) {
    auto v = cfg.get_int(key, fallback);
    check(v >= lo && v <= hi, key, expected);
    return static_cast<int>(v);
  };
  auto get_float = [&](const char* key, double fallback, double lo, double hi, const char* expected) {
    auto v = cfg.get_float(key, fallback);
    check(std::isfinite(v) && v >= lo && v <= hi, key, expected);
    return v;
  };
  constexpr double huge = 1e30;
  auto optimizer = cfg.get_string("OPTIM.OPTIMIZER", "sgd");
  check(optimizer == "sgd", "OPTIM.OPTIMIZER", "expected sgd (the only optimizer digits_train has)");
  o.base_lr = get_float("OPTIM.BASE_LR", 0.1, 0, huge, "expected a learning rate >= 0");
  o.min_lr = get_float("OPTIM.MIN_LR", 0.0, 0, 1, "expected a fraction of BASE_LR in [0, 1]");
  o.lr_policy = cfg.get_string("OPTIM.LR_POLICY", "cos");
  check(o.lr_policy == "cos" || o.lr_policy == "lin" || o.lr_policy == "exp" || o.lr_policy == "steps",
        "OPTIM.LR_POLICY", "expected one of cos, lin, exp, steps");
  o.steps = cfg.get_int_list("OPTIM.STEPS", {});
  check(o.lr_policy != "steps" || (!o.steps.empty() && o.steps.front() == 0), "OPTIM.STEPS",
        "expected a list of epochs starting with 0 (for LR_POLICY steps)");
  check(o.lr_policy != "exp" || o.min_lr > 0, "OPTIM.MIN_LR", "expected MIN_LR > 0 for LR_POLICY exp");
  o.lr_mult = get_float("OPTIM.LR_MULT", 0.1, 0, huge, "expected a factor >= 0");
  o.max_epoch = get_int("OPTIM.MAX_EPOCH", 50, 1, 100000, "expected a number of epochs in 1..100000");
  o.momentum = get_float("OPTIM.MOMENTUM", 0.9, 0, 1, "expected a momentum in [0, 1]");
  o.dampening = get_float("OPTIM.DAMPENING", 0.0, 0, 1, "expected a dampening in [0, 1]");
  o.nesterov = cfg.get_bool("OPTIM.NESTEROV", true);
  check(!o.nesterov || (o.momentum > 0 && o.dampening == 0), "OPTIM.NESTEROV",
        "Nesterov momentum needs MOMENTUM > 0 and DAMPENING 0 (as in torch.optim.SGD)");
  o.weight_decay = get_float("OPTIM.WEIGHT_DECAY", 5e-4, 0, huge, "expected a weight decay >= 0");
  bool bias_custom = cfg.get_bool("OPTIM.BIAS_USE_CUSTOM_WEIGHT_DECAY", false);
  double bias_wd = get_float("OPTIM.BIAS_CUSTOM_WEIGHT_DECAY", 0.0, 0, huge, "expected a weight decay >= 0");
  o.bias_weight_decay = bias_custom ? bias_wd : o.weight_decay;
  o.warmup_factor = get_float("OPTIM.WARMUP_FACTOR", 0.1, 0, huge, "expected a factor >= 0");
  o.warmup_epochs = get_int("OPTIM.WARMUP_EPOCHS", 0, 0, 100000, "expected a number of epochs >= 0");
  o.ema_alpha = get_float("OPTIM.EMA_ALPHA", 1e-2, 0, 1, "expected an EMA rate in [0, 1]");
  o.ema_update_period = get_int("OPTIM.EMA_UPDATE_PERIOD", 4, 0, 1000000, "expected a number of iterations >= 0");
  o.width = get_int("MODEL.WIDTH", default_width, 1, 65536, "expected a number of hidden units in 1..65536");
  o.depth = get_int("MODEL.DEPTH", default_depth, 0, 64, "expected a number of hidden layers in 0..64");
  auto norm = cfg.get_string("MODEL.NORM", "ln");
  check(norm == "ln" || norm == "none", "MODEL.NORM", "expected ln (layer norm before each ReLU) or none");
  o.layer_norm = norm == "ln";
  get_int("MODEL.NUM_CLASSES", num_classes, num_classes, num_classes, "expected 10 (the digits have 10 classes)");
  auto activation = cfg.get_string("MODEL.ACTIVATION_FUN", "relu");
  check(activation == "relu", "MODEL.ACTIVATION_FUN", "expected relu (the only activation digits_train has)");
  o.batch_size = get_int("TRAIN.BATCH_SIZE", 32, 1, 1024, "expected a batch size in 1..1024");
  o.label_smoothing = get_float("TRAIN.LABEL_SMOOTHING", 0.0, 0, 0.999, "expected a label smoothing in [0, 1)");
  o.auto_resume = cfg.get_bool("TRAIN.AUTO_RESUME", true);
  o.checkpoint_period = get_int("TRAIN.CHECKPOINT_PERIOD", 10, 0, 100000,
                                "expected a number of epochs between checkpoints >= 0 (0: only the last)");
  o.test_batch_size = get_int("TEST.BATCH_SIZE", 200, 1, 100000, "expected a batch size >= 1");
  o.rng_seed = static_cast<std::uint32_t>(get_int("RNG_SEED", 1, 0, 0xffffffffLL, "expected a seed in 0..2^32-1"));
  o.log_period = get_int("LOG_PERIOD", 10, 1, 1000000, "expected a number of iterations >= 1");
  o.prec_warmup_iter = get_int("PREC_TIME.WARMUP_ITER", 3, 0, 100000, "expected a number of iterations >= 0");
  o.prec_num_iter = get_int("PREC_TIME.NUM_ITER", 30, 0, 100000, "expected a number of iterations >= 0");
  o.out_dir = cfg.get_string("OUT_DIR", "");
  o.data_file = cfg.get_string("DIGITS.DATA_FILE", DIGITS_DEFAULT_DATA_FILE);
  o.lightning_csv = cfg.get_bool("DIGITS.LIGHTNING_CSV", false);
  o.epoch_seconds = get_float("DIGITS.EPOCH_SECONDS", 0.0, 0, 3600, "expected the least seconds an epoch lasts, in [0, 3600]");
  return o;
}

/// @brief pycls's get_epoch_lr: the policy's factor times BASE_LR, then linear warmup.
double epoch_lr(const options& o, int epoch) {
  double e = epoch, n = o.max_epoch, factor = 1.0;
  if (o.lr_policy == "cos") {
    factor = (1.0 - o.min_lr) * 0.5 * (1.0 + std::cos(std::numbers::pi * e / n)) + o.min_lr;
  } else if (o.lr_policy == "lin") {
    factor = (1.0 - o.min_lr) * (1.0 - e / n) + o.min_lr;
  } else if (o.lr_policy == "exp") {
    factor = std::pow(o.min_lr, e / n);
  } else {  // steps
    std::size_t index = 0;
    for (std::size_t i = 0; i < o.steps.size(); ++i) {
      if (epoch >= o.steps[i]) index = i;
    }
    factor = std::pow(o.lr_mult, static_cast<double>(index));
  }
  double lr = factor * o.base_lr;
  if (epoch < o.warmup_epochs) {
    double alpha = e / o.warmup_epochs;
    lr *= o.warmup_factor * (1.0 - alpha) + alpha;
  }
  return lr;
}

/// @brief pycls's time_string: "DD,HH:MM:SS".
std::string time_string(double seconds) {
  auto s = static_cast<long>(seconds);
  return fmt::format("{:02},{:02}:{:02}:{:02}", s / 86400, s % 86400 / 3600, s % 3600 / 60, s % 60);
}

/// @brief Peak resident memory in MB (pycls logs the GPU's; this job runs on the CPU).
int peak_memory_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<int>(std::ceil(static_cast<double>(usage.ru_maxrss) / 1024.0));
}

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

/// @brief The median of the last `window` values (pycls's ScalarMeter window median).
class window_median {
 public:
  explicit window_median(std::size_t window) : window_(window) {}
  void add(double v) {
    values_.push_back(v);
    if (values_.size() > window_) values_.pop_front();
  }
  [[nodiscard]] double get() const {
    std::vector<double> v(values_.begin(), values_.end());
    std::sort(v.begin(), v.end());
    auto n = v.size();
    return n == 0 ? 0.0 : n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  }
  void reset() { values_.clear(); }

 private:
  std::size_t window_;
  std::deque<double> values_;
};

/// @brief Writes metrics.csv as PyTorch Lightning's CSVLogger does for a module that logs
/// train_loss (on_step and on_epoch), train_acc (on_epoch), val_acc and val_acc_top5 (in
/// validation), plus a LearningRateMonitor's lr-SGD: the columns sorted by name, one sparse row
/// per logging point, values as Python prints a float32 tensor's item(). Each (re)start of the
/// job writes a new lightning_logs/version_N, as a new Trainer does.
class lightning_metrics_csv {
 public:
  explicit lightning_metrics_csv(const fs::path& out_dir) {
    int version = 0;
    while (fs::exists(out_dir / "lightning_logs" / fmt::format("version_{}", version))) ++version;
    auto dir = out_dir / "lightning_logs" / fmt::format("version_{}", version);
    fs::create_directories(dir);
    out_.open(dir / "metrics.csv", std::ios::binary);
    row("epoch,lr-SGD,step,train_acc_epoch,train_loss_epoch,train_loss_step,val_acc,val_acc_top5");
  }
  void train_step(int epoch, long step, double lr, double loss) {
    row(fmt::format("{},{},{},,,{},,", epoch, item(lr), step, item(loss)));
  }
  void validation_end(int epoch, long step, double top1_err, double top5_err) {
    row(fmt::format("{},,{},,,,{},{}", epoch, step, item(1 - top1_err / 100), item(1 - top5_err / 100)));
  }
  void train_epoch_end(int epoch, long step, double top1_err, double loss) {
    row(fmt::format("{},,{},{},{},,,", epoch, step, item(1 - top1_err / 100), item(loss)));
  }

 private:
  static std::string item(double v) {
    auto text = fmt::format("{}", static_cast<double>(static_cast<float>(v)));
    if (text.find_first_of(".ein") == std::string::npos) text += ".0";  // Python's repr of a whole float
    return text;
  }
  void row(const std::string& line) {
    out_ << line << '\n';
    out_.flush();
  }
  std::ofstream out_;
};

/// @brief What training carries from epoch to epoch, and what a checkpoint holds.
struct train_state {
  int epochs_done = 0;
  std::vector<float> params, ema, velocity;
  double min_test_top1 = 100, min_test_top5 = 100, min_ema_top1 = 100, min_ema_top5 = 100;
};

constexpr char checkpoint_magic[8] = {'D', 'I', 'G', 'I', 'T', 'S', '0', '1'};

fs::path checkpoint_path(const fs::path& out_dir, int epoch) {
  return out_dir / "checkpoints" / fmt::format("model_epoch_{:04d}.pyth", epoch);
}

/// @brief Writes the state as a small binary file (named like pycls's checkpoints), atomically.
void save_checkpoint(const fs::path& file, const train_state& s) {
  fs::create_directories(file.parent_path());
  auto tmp = file;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    auto put = [&](const void* data, std::size_t bytes) { out.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes)); };
    std::uint64_t n = s.params.size(), nv = s.velocity.size();
    put(checkpoint_magic, sizeof checkpoint_magic);
    put(&s.epochs_done, sizeof s.epochs_done);
    put(&n, sizeof n);
    put(&nv, sizeof nv);
    put(s.params.data(), n * sizeof(float));
    put(s.ema.data(), n * sizeof(float));
    put(s.velocity.data(), nv * sizeof(float));
    double mins[4] = {s.min_test_top1, s.min_test_top5, s.min_ema_top1, s.min_ema_top5};
    put(mins, sizeof mins);
    if (!out) throw sweep::error({tmp.string()}, "", "cannot write the checkpoint");
  }
  fs::rename(tmp, file);
}

/// @brief Reads a checkpoint written for a model of `size` parameters.
train_state load_checkpoint(const fs::path& file, std::size_t size) {
  std::ifstream in(file, std::ios::binary);
  auto get = [&](void* data, std::size_t bytes) { in.read(static_cast<char*>(data), static_cast<std::streamsize>(bytes)); };
  train_state s;
  char magic[8] = {};
  std::uint64_t n = 0, nv = 0;
  get(magic, sizeof magic);
  get(&s.epochs_done, sizeof s.epochs_done);
  get(&n, sizeof n);
  get(&nv, sizeof nv);
  if (!in || std::memcmp(magic, checkpoint_magic, sizeof magic) != 0) {
    throw sweep::error({file.string()}, "", "not a digits_train checkpoint");
  }
  if (n != size || (nv != 0 && nv != size)) {
    throw sweep::error({file.string()}, "MODEL",
                       fmt::format("the checkpoint holds {} parameters but the model has {} (were MODEL.WIDTH or "
                                   "MODEL.DEPTH changed? delete the checkpoints to start over)", n, size));
  }
  s.params.resize(n);
  s.ema.resize(n);
  s.velocity.resize(nv);
  get(s.params.data(), n * sizeof(float));
  get(s.ema.data(), n * sizeof(float));
  get(s.velocity.data(), nv * sizeof(float));
  double mins[4];
  get(mins, sizeof mins);
  if (!in) throw sweep::error({file.string()}, "", "the checkpoint is truncated");
  s.min_test_top1 = mins[0], s.min_test_top5 = mins[1], s.min_ema_top1 = mins[2], s.min_ema_top5 = mins[3];
  return s;
}

/// @brief The newest model_epoch_*.pyth under OUT_DIR/checkpoints, or an empty path.
fs::path last_checkpoint(const fs::path& out_dir) {
  fs::path best;
  std::error_code ec;
  for (auto& entry : fs::directory_iterator(out_dir / "checkpoints", ec)) {
    auto name = entry.path().filename().string();
    if (name.starts_with("model_epoch_") && name.ends_with(".pyth") && (best.empty() || name > best.filename().string())) {
      best = entry.path();
    }
  }
  return best;
}

/// @brief Top-1/top-5 error (percent) of `params` on `data`, and the average time per batch.
struct eval_result {
  double top1_err, top5_err, time_avg;
  int iters;
};

eval_result evaluate(const mlp_layout& layout, const std::vector<float>& params, const dataset& data,
                     int batch_size, mlp_workspace& ws) {
  std::vector<int> rows(data.size());
  std::iota(rows.begin(), rows.end(), 0);
  batch_stats stats;
  int iters = 0;
  auto start = clock_type::now();
  for (std::size_t first = 0; first < data.size(); first += static_cast<std::size_t>(batch_size), ++iters) {
    int n = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(batch_size), data.size() - first));
    const float* logits = mlp_forward(layout, params.data(), data.images.data(), rows.data() + first, n, ws);
    count_mistakes(logits, data.labels.data() + first, n, num_classes, stats);
  }
  double total = static_cast<double>(data.size());
  return {100.0 * stats.top1_mistakes / total, 100.0 * stats.top5_mistakes / total,
          seconds_since(start) / iters, iters};
}

/// @brief pycls's compute_time_full: average times per iteration of the test forward pass, the
/// train forward and backward passes and batch loading, logged as iter_times and epoch_times.
void log_timings(sweep::json_stats_writer& log, const options& o, const mlp_layout& layout,
                 const std::vector<float>& params, const dataset& train, const dataset& test, int train_iters,
                 int test_iters) {
  mlp_workspace ws;
  std::vector<float> grad(layout.size());
  std::vector<int> rows(static_cast<std::size_t>(std::max(o.batch_size, o.test_batch_size)));
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<int>(i % std::min(train.size(), test.size()));
  int test_batch = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(o.test_batch_size), test.size()));
  std::vector<int> labels(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) labels[i] = train.labels[static_cast<std::size_t>(rows[i])];
  std::vector<float> batch(static_cast<std::size_t>(o.batch_size) * num_pixels);
  auto time = [&](auto&& step) {
    for (int i = 0; i < o.prec_warmup_iter; ++i) step();
    auto start = clock_type::now();
    for (int i = 0; i < o.prec_num_iter; ++i) step();
    return seconds_since(start) / o.prec_num_iter;
  };
  double test_fw = time([&] { mlp_forward(layout, params.data(), test.images.data(), rows.data(), test_batch, ws); });
  double train_fw = time([&] { mlp_forward(layout, params.data(), train.images.data(), rows.data(), o.batch_size, ws); });
  double train_fw_bw = time([&] {
    mlp_forward(layout, params.data(), train.images.data(), rows.data(), o.batch_size, ws);
    mlp_backward(layout, params.data(), labels.data(), o.batch_size, static_cast<float>(o.label_smoothing), ws, grad);
  });
  double loader = time([&] {
    for (int i = 0; i < o.batch_size; ++i) {
      std::copy_n(train.image(static_cast<std::size_t>(rows[static_cast<std::size_t>(i)])), num_pixels,
                  batch.begin() + i * num_pixels);
    }
  });
  double train_bw = std::max(0.0, train_fw_bw - train_fw);
  log.record("iter_times", {{"test_fw_time", test_fw}, {"train_fw_time", train_fw}, {"train_bw_time", train_bw},
                            {"train_fw_bw_time", train_fw_bw}, {"train_loader_time", loader}});
  double ti = train_iters;
  log.record("epoch_times", {{"test_fw_time", test_fw * test_iters}, {"train_fw_time", train_fw * ti},
                             {"train_bw_time", train_bw * ti}, {"train_fw_bw_time", train_fw_bw * ti},
                             {"train_loader_time", loader * ti}});
}

/// @brief Trains and tests for the remaining epochs, logging every record pycls's trainer logs.
void train(job_config& cfg, const options& o) {
  sweep::json_stats_writer log(std::cout);
  auto [train_set, test_set] = [&] {
    try {
      return load_digits(o.data_file);
    } catch (const sweep::error& e) {
      throw sweep::error(e.where(), "DIGITS.DATA_FILE", e.message());
    }
  }();
  if (static_cast<std::size_t>(o.batch_size) > train_set.size()) {
    cfg.fail("TRAIN.BATCH_SIZE", fmt::format("expected at most {} (the training images)", train_set.size()),
             nlohmann::json(o.batch_size));
  }
  log.cfg(cfg.tree());
  mlp_layout layout(num_pixels, o.width, o.depth, num_classes, o.layer_norm);
  auto cx = layout.complexity();
  log.complexity(cx.flops, cx.params, cx.acts);

  fs::path out_dir = o.out_dir;
  if (!out_dir.empty()) {
    fs::create_directories(out_dir);
    cfg.write_yaml(out_dir / "config.yaml");
  }
  std::optional<lightning_metrics_csv> metrics_csv;
  if (o.lightning_csv && !out_dir.empty()) metrics_csv.emplace(out_dir);
  train_state state;
  if (auto file = out_dir.empty() || !o.auto_resume ? fs::path{} : last_checkpoint(out_dir); !file.empty()) {
    state = load_checkpoint(file, layout.size());
    std::cout << "Loaded checkpoint from: " << file.string() << '\n';
  } else {
    state.params = init_params(layout, o.rng_seed);
    state.ema = state.params;
  }

  int train_iters = static_cast<int>(train_set.size()) / o.batch_size;  // pycls drops the last partial batch
  int test_iters = static_cast<int>((test_set.size() + static_cast<std::size_t>(o.test_batch_size) - 1) /
                                    static_cast<std::size_t>(o.test_batch_size));
  if (state.epochs_done == 0 && o.prec_num_iter > 0) {
    log_timings(log, o, layout, state.params, train_set, test_set, train_iters, test_iters);
  }
  std::cout << "Start epoch: " << state.epochs_done + 1 << std::endl;

  sgd_options sgd{static_cast<float>(o.momentum), static_cast<float>(o.dampening), o.nesterov,
                  static_cast<float>(o.weight_decay), static_cast<float>(o.bias_weight_decay)};
  auto is_bias = layout.bias_mask();
  mlp_workspace ws;
  std::vector<float> grad(layout.size());
  std::vector<int> order(train_set.size());
  std::vector<int> labels(static_cast<std::size_t>(o.batch_size));
  window_median mb_loss(static_cast<std::size_t>(o.log_period)), mb_top1(mb_loss), mb_top5(mb_loss);
  double iter_time_total = 0;
  long iter_count = 0;
  long max_iter = static_cast<long>(o.max_epoch) * train_iters;

  for (int epoch = state.epochs_done; epoch < o.max_epoch; ++epoch) {
    auto epoch_start = clock_type::now();
    // Each epoch's order comes from (seed, epoch) alone, so a resumed job trains as an uninterrupted one.
    std::seed_seq seq{o.rng_seed, static_cast<std::uint32_t>(epoch)};
    std::mt19937 engine(seq);
    std::iota(order.begin(), order.end(), 0);
    for (std::size_t i = order.size() - 1; i > 0; --i) std::swap(order[i], order[engine() % (i + 1)]);
    double lr = epoch_lr(o, epoch);
    double loss_sum = 0;
    long top1_sum = 0, top5_sum = 0, samples = 0;
    mb_loss.reset(), mb_top1.reset(), mb_top5.reset();
    for (int it = 0; it < train_iters; ++it) {
      auto start = clock_type::now();
      const int* rows = order.data() + static_cast<std::ptrdiff_t>(it) * o.batch_size;
      for (int i = 0; i < o.batch_size; ++i) labels[static_cast<std::size_t>(i)] = train_set.labels[static_cast<std::size_t>(rows[i])];
      mlp_forward(layout, state.params.data(), train_set.images.data(), rows, o.batch_size, ws);
      auto stats = mlp_backward(layout, state.params.data(), labels.data(), o.batch_size,
                                static_cast<float>(o.label_smoothing), ws, grad);
      sgd_step(state.params, grad, state.velocity, is_bias, sgd, static_cast<float>(lr));
      if (o.ema_update_period > 0 && it % o.ema_update_period == 0) {
        // pycls's update_model_ema: alpha scaled to be about independent of batch size and
        // epochs, and the EMA simply follows the weights during warmup.
        double adjust = static_cast<double>(o.batch_size) / o.max_epoch * o.ema_update_period;
        double alpha = epoch < o.warmup_epochs ? 1.0 : std::min(1.0, o.ema_alpha * adjust);
        ema_update(state.ema, state.params, static_cast<float>(alpha));
      }
      double iter_time = seconds_since(start);
      iter_time_total += iter_time;
      ++iter_count;
      double b = o.batch_size;
      loss_sum += stats.loss;
      top1_sum += stats.top1_mistakes, top5_sum += stats.top5_mistakes, samples += o.batch_size;
      mb_loss.add(stats.loss / b), mb_top1.add(100.0 * stats.top1_mistakes / b), mb_top5.add(100.0 * stats.top5_mistakes / b);
      if ((it + 1) % o.log_period == 0) {
        if (metrics_csv) metrics_csv->train_step(epoch, static_cast<long>(epoch) * train_iters + it, lr, mb_loss.get());
        double avg = iter_time_total / static_cast<double>(iter_count);
        log.epoch("train_iter", epoch + 1, o.max_epoch,
                  {{"iter", fmt::format("{}/{}", it + 1, train_iters)}, {"time_avg", avg}, {"time_diff", iter_time},
                   {"eta", time_string(avg * static_cast<double>(max_iter - (static_cast<long>(epoch) * train_iters + it + 1)))},
                   {"top1_err", mb_top1.get()}, {"top5_err", mb_top5.get()}, {"loss", mb_loss.get()}, {"lr", lr},
                   {"mem", peak_memory_mb()}});
      }
    }
    double avg = iter_time_total / static_cast<double>(std::max(1L, iter_count));
    double n = static_cast<double>(samples);
    log.epoch("train_epoch", epoch + 1, o.max_epoch,
              {{"time_avg", avg}, {"time_epoch", avg * train_iters},
               {"eta", time_string(avg * static_cast<double>(max_iter - static_cast<long>(epoch + 1) * train_iters))},
               {"top1_err", 100.0 * static_cast<double>(top1_sum) / n}, {"top5_err", 100.0 * static_cast<double>(top5_sum) / n},
               {"loss", loss_sum / n}, {"lr", lr}, {"mem", peak_memory_mb()}});

    auto test_record = [&](const char* type, const std::vector<float>& params, double& min1, double& min5) {
      auto r = evaluate(layout, params, test_set, o.test_batch_size, ws);
      min1 = std::min(min1, r.top1_err), min5 = std::min(min5, r.top5_err);
      log.epoch(type, epoch + 1, o.max_epoch,
                {{"time_avg", r.time_avg}, {"time_epoch", r.time_avg * r.iters}, {"top1_err", r.top1_err},
                 {"top5_err", r.top5_err}, {"min_top1_err", min1}, {"min_top5_err", min5}, {"mem", peak_memory_mb()}});
      return r;
    };
    auto tested = test_record("test_epoch", state.params, state.min_test_top1, state.min_test_top5);
    if (metrics_csv) {
      long step = static_cast<long>(epoch + 1) * train_iters;
      metrics_csv->validation_end(epoch, step, tested.top1_err, tested.top5_err);
      metrics_csv->train_epoch_end(epoch, step, 100.0 * static_cast<double>(top1_sum) / n, loss_sum / n);
    }
    test_record("test_ema_epoch", state.ema, state.min_ema_top1, state.min_ema_top5);
    state.epochs_done = epoch + 1;
    bool last = epoch + 1 == o.max_epoch;
    if (!out_dir.empty() && (last || (o.checkpoint_period > 0 && (epoch + 1) % o.checkpoint_period == 0))) {
      auto file = checkpoint_path(out_dir, epoch + 1);
      save_checkpoint(file, state);
      std::cout << "Wrote checkpoint to: " << file.string() << '\n';
    }
    std::cout.flush();
    auto rest = std::chrono::duration<double>(o.epoch_seconds) - (clock_type::now() - epoch_start);
    if (rest.count() > 0) std::this_thread::sleep_for(rest);
  }
  std::cout.flush();
}

/// @brief `digits_train --cfg F [--mode train] [KEY VALUE ...]`, parsed by hand because override
/// values may look like options ("OPTIM.MIN_LR -1" must reach the config check, not the parser).
int run(int argc, char** argv) {
  std::string cfg_file, mode = "train";
  std::vector<std::string> overrides;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::cout << "usage: digits_train --cfg FILE [--mode train] [KEY VALUE ...]\n"
                   "Trains an MLP on the digits data and logs pycls-style json_stats lines.\n"
                   "KEY VALUE pairs override the config, e.g. OUT_DIR logs/0 OPTIM.BASE_LR 0.2\n";
      return 0;
    }
    if ((arg == "--cfg" || arg == "--mode") && i + 1 < argc) {
      (arg == "--cfg" ? cfg_file : mode) = argv[++i];
    } else if (arg.starts_with("--cfg=")) {
      cfg_file = arg.substr(6);
    } else if (arg.starts_with("--mode=")) {
      mode = arg.substr(7);
    } else if (arg.starts_with("--")) {
      throw sweep::error({"command line"}, "", fmt::format("unknown option '{}' (expected --cfg FILE, --mode train)", arg));
    } else {
      overrides.push_back(arg);
    }
  }
  if (cfg_file.empty()) throw sweep::error({"command line"}, "", "expected --cfg FILE (the job config)");
  if (mode != "train") {
    throw sweep::error({"command line"}, "--mode", fmt::format("expected train, got '{}'", mode));
  }
  auto cfg = job_config::load(cfg_file, overrides);
  auto o = read_options(cfg);
  train(cfg, o);
  return 0;
}

}  // namespace
}  // namespace digits

int main(int argc, char** argv) {
  try {
    return digits::run(argc, argv);
  } catch (const std::exception& e) {
    std::cout.flush();
    std::fprintf(stderr, "digits_train: error: %s\n", e.what());
    return 1;
  }
}
