// Umbrella header of the launch stage: includes every public header of include/sweep/launch/.
#pragma once

