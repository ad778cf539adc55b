// Umbrella header of the random stage: includes every public header of include/sweep/random/.
#pragma once

