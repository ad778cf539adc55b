// Umbrella header of the analyze stage: includes every public header of include/sweep/analyze/.
#pragma once

#include <sweep/analyze/analyze.hpp>
#include <sweep/analyze/metrics.hpp>
#include <sweep/analyze/repeats.hpp>
#include <sweep/analyze/statistics.hpp>
#include <sweep/analyze/sweep_data.hpp>
#include <sweep/analyze/watch.hpp>
