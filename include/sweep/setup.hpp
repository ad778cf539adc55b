// Umbrella header of the setup stage: includes every public header of include/sweep/setup/.
#pragma once

#include <sweep/setup/constraints.hpp>
#include <sweep/setup/job_config.hpp>
#include <sweep/setup/sample.hpp>
#include <sweep/setup/setup.hpp>
#include <sweep/setup/extend.hpp>
