// A small multi-layer perceptron (DEPTH hidden ReLU layers of WIDTH units)
// with its forward and backward pass over a batch, written as plain loops
// over std::vector<float>: fast enough that a 50-epoch job takes about a
// second. All parameters live in one flat vector, so SGD, the EMA of the
// weights and checkpoints are loops over the same layout.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace digits {

/// @brief MODEL.WIDTH and MODEL.DEPTH when a job config leaves them out (digits_train and the
/// mlp model family (include/sweep/models/mlp.hpp) must agree, or setup's complexity would not be the job's).
inline constexpr int default_width = 64;
inline constexpr int default_depth = 1;

/// @brief pycls's complexity figures of a model (linear layers with bias, as pycls counts them).
struct complexity_figures {
  std::int64_t flops = 0;
  std::int64_t params = 0;
  std::int64_t acts = 0;
};

/// @brief Where each layer's weights (in x out, row-major) and biases sit in the flat vector.
class mlp_layout {
 public:
  /// @brief `layer_norm`: normalise each hidden layer's outputs (no affine parameters) before the ReLU.
  mlp_layout(int inputs, int width, int depth, int classes, bool layer_norm = false) : layer_norm_(layer_norm) {
    dims_.push_back(inputs);
    for (int d = 0; d < depth; ++d) dims_.push_back(width);
    dims_.push_back(classes);
    for (std::size_t l = 0; l + 1 < dims_.size(); ++l) {
      weight_offsets_.push_back(size_);
      size_ += static_cast<std::size_t>(dims_[l]) * static_cast<std::size_t>(dims_[l + 1]);
      bias_offsets_.push_back(size_);
      size_ += static_cast<std::size_t>(dims_[l + 1]);
    }
  }

  [[nodiscard]] std::size_t num_layers() const noexcept { return weight_offsets_.size(); }
  [[nodiscard]] int in(std::size_t layer) const noexcept { return dims_[layer]; }
  [[nodiscard]] int out(std::size_t layer) const noexcept { return dims_[layer + 1]; }
  [[nodiscard]] std::size_t weights(std::size_t layer) const noexcept { return weight_offsets_[layer]; }
  [[nodiscard]] std::size_t bias(std::size_t layer) const noexcept { return bias_offsets_[layer]; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool layer_norm() const noexcept { return layer_norm_; }
  [[nodiscard]] const std::vector<int>& dims() const noexcept { return dims_; }

  /// @brief True for the entries of the flat vector that are biases (for a separate weight decay).
  [[nodiscard]] std::vector<bool> bias_mask() const {
    std::vector<bool> mask(size_, false);
    for (std::size_t l = 0; l < num_layers(); ++l) {
      std::fill_n(mask.begin() + static_cast<std::ptrdiff_t>(bias(l)), out(l), true);
    }
    return mask;
  }

  /// @brief flops, params and acts per image, counted like pycls's linear_cx(bias=True).
  [[nodiscard]] complexity_figures complexity() const {
    complexity_figures cx;
    for (std::size_t l = 0; l < num_layers(); ++l) {
      std::int64_t in_w = in(l), out_w = out(l);
      cx.flops += in_w * out_w + out_w;
      cx.params += in_w * out_w + out_w;
      cx.acts += out_w;
    }
    return cx;
  }

 private:
  std::vector<int> dims_;
  std::vector<std::size_t> weight_offsets_, bias_offsets_;
  std::size_t size_ = 0;
  bool layer_norm_ = false;
};

/// @brief He-uniform weights (suited to ReLU) and zero biases, from a seeded mt19937.
/// The float is formed from the engine's bits by hand because std's distributions
/// differ between standard libraries, and a seed should mean the same run everywhere.
inline std::vector<float> init_params(const mlp_layout& layout, std::uint32_t seed) {
  std::mt19937 engine(seed);
  std::vector<float> params(layout.size(), 0.0f);
  for (std::size_t l = 0; l < layout.num_layers(); ++l) {
    float bound = std::sqrt(6.0f / static_cast<float>(layout.in(l)));
    auto n = static_cast<std::size_t>(layout.in(l)) * static_cast<std::size_t>(layout.out(l));
    for (std::size_t i = 0; i < n; ++i) {
      float u = static_cast<float>(engine() >> 8) * (1.0f / 16777216.0f);  // [0, 1)
      params[layout.weights(l) + i] = (2.0f * u - 1.0f) * bound;
    }
  }
  return params;
}

/// @brief Per-batch buffers: activations of every layer and their gradients.
struct mlp_workspace {
  std::vector<std::vector<float>> acts;   // acts[0] = input, acts[L] = logits
  std::vector<std::vector<float>> grads;  // d loss / d acts[l]
  std::vector<float> transposed;           // W^T of the layer being back-propagated
  std::vector<std::vector<float>> normed;  // layer-normalised outputs before the ReLU
  std::vector<std::vector<float>> inv_std; // 1 / their standard deviation, per image
};

/// @brief Forward pass of `batch` rows of `inputs` (given as row indices into `images`);
/// leaves every layer's activations in `ws` and returns a pointer to the logits.
inline const float* mlp_forward(const mlp_layout& layout, const float* params, const float* images,
                                const int* rows, int batch, mlp_workspace& ws) {
  auto layers = layout.num_layers();
  ws.acts.resize(layers + 1);
  ws.normed.resize(layers + 1);
  ws.inv_std.resize(layers + 1);
  int in0 = layout.in(0);
  ws.acts[0].resize(static_cast<std::size_t>(batch * in0));
  for (int i = 0; i < batch; ++i) {
    std::copy_n(images + static_cast<std::ptrdiff_t>(rows[i]) * in0, in0, ws.acts[0].begin() + i * in0);
  }
  for (std::size_t l = 0; l < layers; ++l) {
    int n_in = layout.in(l), n_out = layout.out(l);
    const float* w = params + layout.weights(l);
    const float* b = params + layout.bias(l);
    auto& x = ws.acts[l];
    auto& y = ws.acts[l + 1];
    y.resize(static_cast<std::size_t>(batch * n_out));
    for (int i = 0; i < batch; ++i) {
      float* yi = y.data() + i * n_out;
      std::copy_n(b, n_out, yi);
      const float* xi = x.data() + i * n_in;
      for (int k = 0; k < n_in; ++k) {
        float a = xi[k];
        if (a == 0.0f) continue;  // most pixels and about half the ReLU outputs are zero
        const float* wk = w + k * n_out;
        for (int o = 0; o < n_out; ++o) yi[o] += a * wk[o];
      }
      if (l + 1 < layers && layout.layer_norm()) {
        auto& normed = ws.normed[l + 1];
        normed.resize(y.size());
        ws.inv_std[l + 1].resize(static_cast<std::size_t>(batch));
        float mean = 0, var = 0;
        for (int o = 0; o < n_out; ++o) mean += yi[o];
        mean /= static_cast<float>(n_out);
        for (int o = 0; o < n_out; ++o) var += (yi[o] - mean) * (yi[o] - mean);
        float inv = 1.0f / std::sqrt(var / static_cast<float>(n_out) + 1e-5f);
        ws.inv_std[l + 1][static_cast<std::size_t>(i)] = inv;
        float* ni = normed.data() + i * n_out;
        for (int o = 0; o < n_out; ++o) ni[o] = (yi[o] - mean) * inv;
        std::copy_n(ni, n_out, yi);
      }
      if (l + 1 < layers) {
        for (int o = 0; o < n_out; ++o) yi[o] = std::max(yi[o], 0.0f);
      }
    }
  }
  return ws.acts[layers].data();
}

/// @brief Batch statistics: summed loss and the number of top-1 and top-5 mistakes.
struct batch_stats {
  double loss = 0;
  int top1_mistakes = 0;
  int top5_mistakes = 0;
};

/// @brief Counts top-1/top-5 mistakes of `logits` (a label is in the top k when fewer
/// than k classes score strictly higher). NaN scores count as higher, so a diverged
/// model shows 100% error rather than none.
inline void count_mistakes(const float* logits, const int* labels, int batch, int classes, batch_stats& stats) {
  for (int i = 0; i < batch; ++i) {
    const float* z = logits + i * classes;
    float target = z[labels[i]];
    int higher = 0;
    for (int c = 0; c < classes; ++c) higher += c != labels[i] && !(z[c] <= target) ? 1 : 0;
    stats.top1_mistakes += higher >= 1 ? 1 : 0;
    stats.top5_mistakes += higher >= 5 ? 1 : 0;
  }
}

/// @brief Softmax cross-entropy (with label smoothing) of the logits in `ws`, and the
/// backward pass: writes d mean-loss / d params into `grad` (overwritten).
inline batch_stats mlp_backward(const mlp_layout& layout, const float* params, const int* labels, int batch,
                                float label_smoothing, mlp_workspace& ws, std::vector<float>& grad) {
  auto layers = layout.num_layers();
  int classes = layout.out(layers - 1);
  batch_stats stats;
  ws.grads.resize(layers + 1);
  auto& dz = ws.grads[layers];
  dz.resize(static_cast<std::size_t>(batch * classes));
  const float* logits = ws.acts[layers].data();
  count_mistakes(logits, labels, batch, classes, stats);
  float off = label_smoothing / static_cast<float>(classes);
  float on = 1.0f - label_smoothing + off;
  float scale = 1.0f / static_cast<float>(batch);
  for (int i = 0; i < batch; ++i) {
    const float* z = logits + i * classes;
    float* d = dz.data() + i * classes;
    float top = *std::max_element(z, z + classes);
    double sum = 0;
    for (int c = 0; c < classes; ++c) sum += std::exp(static_cast<double>(z[c] - top));
    double log_sum = std::log(sum);
    for (int c = 0; c < classes; ++c) {
      double log_p = static_cast<double>(z[c] - top) - log_sum;
      float t = c == labels[i] ? on : off;
      stats.loss -= t * log_p;
      d[c] = (static_cast<float>(std::exp(log_p)) - t) * scale;
    }
  }
  std::fill(grad.begin(), grad.end(), 0.0f);
  for (std::size_t l = layers; l-- > 0;) {
    int n_in = layout.in(l), n_out = layout.out(l);
    const float* w = params + layout.weights(l);
    float* gw = grad.data() + layout.weights(l);
    float* gb = grad.data() + layout.bias(l);
    const auto& x = ws.acts[l];
    auto& dy = ws.grads[l + 1];
    if (l + 1 < layers && layout.layer_norm()) {
      // Through the layer norm: dz = (dn - mean(dn) - n * mean(dn * n)) / std.
      for (int i = 0; i < batch; ++i) {
        float* d = dy.data() + i * n_out;
        const float* ni = ws.normed[l + 1].data() + i * n_out;
        float m1 = 0, m2 = 0;
        for (int o = 0; o < n_out; ++o) m1 += d[o], m2 += d[o] * ni[o];
        m1 /= static_cast<float>(n_out), m2 /= static_cast<float>(n_out);
        float inv = ws.inv_std[l + 1][static_cast<std::size_t>(i)];
        for (int o = 0; o < n_out; ++o) d[o] = (d[o] - m1 - ni[o] * m2) * inv;
      }
    }
    auto& dx = ws.grads[l];
    bool need_dx = l > 0;
    if (need_dx) {
      // The input gradient as a sum of rows of W^T (axpy loops vectorise; dot products would not).
      dx.assign(static_cast<std::size_t>(batch * n_in), 0.0f);
      ws.transposed.resize(static_cast<std::size_t>(n_in * n_out));
      for (int k = 0; k < n_in; ++k) {
        for (int o = 0; o < n_out; ++o) ws.transposed[static_cast<std::size_t>(o * n_in + k)] = w[k * n_out + o];
      }
    }
    for (int i = 0; i < batch; ++i) {
      const float* dyi = dy.data() + i * n_out;
      const float* xi = x.data() + i * n_in;
      for (int o = 0; o < n_out; ++o) gb[o] += dyi[o];
      for (int k = 0; k < n_in; ++k) {
        float a = xi[k];
        if (a == 0.0f) continue;  // zero input: no weight gradient
        float* gwk = gw + k * n_out;
        for (int o = 0; o < n_out; ++o) gwk[o] += a * dyi[o];
      }
      if (need_dx) {
        float* dxi = dx.data() + i * n_in;
        for (int o = 0; o < n_out; ++o) {
          float d = dyi[o];
          if (d == 0.0f) continue;
          const float* wo = ws.transposed.data() + o * n_in;
          for (int k = 0; k < n_in; ++k) dxi[k] += d * wo[k];
        }
        // x is a ReLU output here: where it is 0, the gradient stops.
        for (int k = 0; k < n_in; ++k) dxi[k] = xi[k] > 0.0f ? dxi[k] : 0.0f;
      }
    }
  }
  return stats;
}

/// @brief SGD with momentum, dampening, Nesterov and weight decay, as torch.optim.SGD does it.
struct sgd_options {
  float momentum = 0.9f;
  float dampening = 0.0f;
  bool nesterov = true;
  float weight_decay = 5e-4f;
  float bias_weight_decay = 5e-4f;
};

/// @brief One SGD step; `velocity` empty means the first step (torch then starts it at the gradient).
inline void sgd_step(std::vector<float>& params, const std::vector<float>& grad, std::vector<float>& velocity,
                     const std::vector<bool>& is_bias, const sgd_options& opt, float lr) {
  bool first = velocity.empty();
  if (first) velocity.assign(params.size(), 0.0f);
  for (std::size_t j = 0; j < params.size(); ++j) {
    float g = grad[j] + (is_bias[j] ? opt.bias_weight_decay : opt.weight_decay) * params[j];
    float v = opt.momentum == 0.0f ? g : first ? g : opt.momentum * velocity[j] + (1.0f - opt.dampening) * g;
    velocity[j] = v;
    float step = opt.momentum == 0.0f ? g : opt.nesterov ? g + opt.momentum * v : v;
    params[j] -= lr * step;
  }
}

/// @brief ema <- (1 - alpha) ema + alpha params.
inline void ema_update(std::vector<float>& ema, const std::vector<float>& params, float alpha) {
  for (std::size_t j = 0; j < ema.size(); ++j) ema[j] = (1.0f - alpha) * ema[j] + alpha * params[j];
}

}  // namespace digits
