// Early stopping (docs/early_stopping.md): ASHA's rule, its decisions as files
// in the sweep folder, and `sweep simulate`'s replay on a collected sweep.
#pragma once

#include <sweep/early_stop/asha.hpp>
#include <sweep/early_stop/decisions.hpp>
#include <sweep/early_stop/simulate.hpp>
