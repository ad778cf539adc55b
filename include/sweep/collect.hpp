// Umbrella header of the collect stage: includes every public header of include/sweep/collect/.
#pragma once

#include <sweep/collect/collect.hpp>
#include <sweep/collect/json_stats.hpp>
#include <sweep/collect/json_stats_format.hpp>
#include <sweep/collect/lightning_csv.hpp>
#include <sweep/collect/log_format.hpp>
#include <sweep/collect/log_formats.hpp>
#include <sweep/collect/log_parser.hpp>
#include <sweep/collect/status.hpp>
