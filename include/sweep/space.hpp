// Umbrella header of the space stage: includes every public header of include/sweep/space/.
#pragma once

#include <sweep/space/key.hpp>
#include <sweep/space/samplers.hpp>
#include <sweep/space/space.hpp>
#include <sweep/space/dynamic_samplers.hpp>
#include <sweep/space/combinators.hpp>
