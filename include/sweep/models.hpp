// Umbrella header of the models stage: includes every public header of include/sweep/models/.
#pragma once

#include <sweep/models/anynet.hpp>
#include <sweep/models/complexity.hpp>
#include <sweep/models/effnet.hpp>
#include <sweep/models/mlp.hpp>
#include <sweep/models/regnet.hpp>
#include <sweep/models/registry.hpp>
#include <sweep/models/resnet.hpp>
#include <sweep/models/scaler.hpp>
