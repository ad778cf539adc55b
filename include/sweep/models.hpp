// Umbrella header of the models stage: includes every public header of include/sweep/models/.
#pragma once

