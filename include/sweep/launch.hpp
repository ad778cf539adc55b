// Umbrella header of the launch stage: includes every public header of include/sweep/launch/.
#pragma once

#include <sweep/launch/command.hpp>
#include <sweep/launch/job_state.hpp>
#include <sweep/launch/process.hpp>
#include <sweep/launch/watch.hpp>
#include <sweep/launch/request.hpp>
#include <sweep/launch/backend.hpp>
#include <sweep/launch/local.hpp>
#include <sweep/launch/events.hpp>
#include <sweep/launch/task.hpp>
#include <sweep/launch/sge.hpp>
#include <sweep/launch/slurm.hpp>
#include <sweep/launch/backends.hpp>
#include <sweep/launch/launch.hpp>
#include <sweep/launch/status.hpp>
