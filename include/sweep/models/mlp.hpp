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
    if (p.depth < 0) model.fail(nullptr, "DEPTH", fmt::format("expected 0 or more hidden layers, got {}", p.depth));
    if (p.num_classes < 1) model.fail(nullptr, "NUM_CLASSES", fmt::format("expected at least 1, got {}", p.num_classes));
    return p;
  }
};

/// @brief flops, params and acts per input: each linear layer adds in*out + out flops and params and out acts.
inline complexity mlp_complexity(const mlp_params& p) {
  complexity cx{0, 0, 0};
  std::int64_t w_in = p.input_dim;
  for (std::int64_t layer = 0; layer <= p.depth; ++layer) {
    std::int64_t w_out = layer == p.depth ? p.num_classes : p.width;
    cx.flops += w_in * w_out + w_out;
    cx.params += w_in * w_out + w_out;
    cx.acts += w_out;
    w_in = w_out;
  }
  return cx;
}

/// @brief The complexity of a MODEL.TYPE mlp job config.
inline complexity mlp_complexity(const value& job_cfg) { return mlp_complexity(mlp_params::from(job_cfg)); }

}  // namespace sweep
