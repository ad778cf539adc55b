// Umbrella header of the config stage: includes every public header of include/sweep/config/.
#pragma once

#include <sweep/config/sweep_config.hpp>
#include <sweep/config/yaml.hpp>
#include <sweep/config/load.hpp>
