// MODEL.TYPE mlp: a multilayer perceptron (MODEL.DEPTH hidden layers of
// MODEL.WIDTH units between MODEL.INPUT_DIM inputs and MODEL.NUM_CLASSES
// outputs), counted as pycls counts linear layers with bias. It lets
// SETUP.CONSTRAINTS.CX bound small non-convolutional experiments such as the
// digits example.
#pragma once

#include <sweep/models/complexity.hpp>
#include <sweep/models/detail/cfg_reader.hpp>
#include <sweep/value.hpp>

#include <cstdint>

namespace sweep {

/// @brief The MLP keys, with their defaults.
struct mlp_params {
  std::int64_t input_dim = 64;
  std::int64_t width = 64;
  std::int64_t depth = 1;
  std::int64_t num_classes = 10;

  /// @brief The most hidden layers: the count walks the layers, and more would be a hang, not a model.
  static constexpr std::int64_t max_depth = 1'000'000;

  /// @brief Reads MODEL.INPUT_DIM, WIDTH, DEPTH and NUM_CLASSES (checked, errors name the key).
  static mlp_params from(const value& job_cfg) {
    detail::section_reader model(job_cfg, "MODEL");
    mlp_params p;
    p.input_dim = model.get_int("INPUT_DIM", p.input_dim);
    p.width = model.get_int("WIDTH", p.width);
    p.depth = model.get_int("DEPTH", p.depth);
    p.num_classes = model.get_int("NUM_CLASSES", p.num_classes);
    if (p.input_dim < 1) model.fail(nullptr, "INPUT_DIM", fmt::format("expected at least 1, got {}", p.input_dim));
    if (p.width < 1) model.fail(nullptr, "WIDTH", fmt::format("expected at least 1, got {}", p.width));
    if (p.depth < 0 || p.depth > max_depth) {
      model.fail(nullptr, "DEPTH", fmt::format("expected 0 to {} hidden layers, got {}", max_depth, p.depth));
    }
    if (p.num_classes < 1) model.fail(nullptr, "NUM_CLASSES", fmt::format("expected at least 1, got {}", p.num_classes));
    return p;
  }
};

/// @brief flops, params and acts per input: each linear layer adds in*out + out flops and params and out acts.
/// Counts beyond int64 are sweep::error naming MODEL (not a wrapped, negative count).
inline complexity mlp_complexity(const mlp_params& p) {
  detail::cx_state cx(1);
  std::int64_t w_in = p.input_dim;
  for (std::int64_t layer = 0; layer <= p.depth && !cx.overflow; ++layer) {
    std::int64_t w_out = layer == p.depth ? p.num_classes : p.width;
    detail::linear_cx(cx, w_in, w_out, true);
    w_in = w_out;
  }
  if (cx.overflow) {
    throw error({}, "MODEL",
                fmt::format("an mlp with INPUT_DIM {}, WIDTH {}, DEPTH {} and NUM_CLASSES {} has more flops or params "
                            "than a 64-bit integer holds: expected a smaller MODEL.WIDTH, INPUT_DIM or DEPTH",
                            p.input_dim, p.width, p.depth, p.num_classes));
  }
  return cx.sum;
}

/// @brief The complexity of a MODEL.TYPE mlp job config.
inline complexity mlp_complexity(const value& job_cfg) { return mlp_complexity(mlp_params::from(job_cfg)); }

}  // namespace sweep
