// Umbrella header of the setup stage: includes every public header of include/sweep/setup/.
#pragma once

