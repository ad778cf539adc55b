// Umbrella header of the report stage: includes every public header of include/sweep/report/.
#pragma once

