// Umbrella header of the space stage: includes every public header of include/sweep/space/.
#pragma once

