// Umbrella header of the analyze stage: includes every public header of include/sweep/analyze/.
#pragma once

