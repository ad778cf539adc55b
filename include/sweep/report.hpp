// Umbrella header of the report stage: includes every public header of include/sweep/report/.
#pragma once

#include <sweep/report/analysis.hpp>
#include <sweep/report/figure.hpp>
#include <sweep/report/html_book.hpp>
#include <sweep/report/svg.hpp>
#include <sweep/report/sweep_plots.hpp>
#include <sweep/report/ticks.hpp>
