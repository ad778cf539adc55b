// Umbrella header of the collect stage: includes every public header of include/sweep/collect/.
#pragma once

