// sweep: the one umbrella header. Each stage of a sweep's way has a folder
// and an umbrella header of its own, in the order the data flows.
#pragma once

#include <sweep/version.hpp>
#include <sweep/error.hpp>
#include <sweep/base.hpp>
#include <sweep/value.hpp>
#include <sweep/random.hpp>
#include <sweep/space.hpp>
#include <sweep/config.hpp>
#include <sweep/models.hpp>
#include <sweep/setup.hpp>
#include <sweep/launch.hpp>
#include <sweep/collect.hpp>
#include <sweep/early_stop.hpp>
#include <sweep/analyze.hpp>
#include <sweep/report.hpp>
