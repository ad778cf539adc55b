// Umbrella header of the report stage: includes every public header of include/sweep/report/.
#pragma once

#include <sweep/report/figure.hpp>
#include <sweep/report/html_book.hpp>
#include <sweep/report/section.hpp>
#include <sweep/report/sections.hpp>
#include <sweep/report/sections/config.hpp>
#include <sweep/report/sections/curves.hpp>
#include <sweep/report/sections/edf.hpp>
#include <sweep/report/sections/jobs.hpp>
#include <sweep/report/sections/models.hpp>
#include <sweep/report/sections/repeats.hpp>
#include <sweep/report/sections/values.hpp>
#include <sweep/report/svg.hpp>
#include <sweep/report/sweep_plots.hpp>
#include <sweep/report/ticks.hpp>
