// Umbrella header of the random stage: includes every public header of include/sweep/random/.
#pragma once

#include <sweep/random/draws.hpp>
#include <sweep/random/numpy_rng.hpp>
#include <sweep/random/quantize.hpp>
#include <sweep/random/validate.hpp>
