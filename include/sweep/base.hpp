// Umbrella header of the base layer every stage shares: the sweep folder's layout and its lock,
// reading and atomically writing files, paths that must stay inside their folder, work on threads,
// registries of named components.
#pragma once

#include <sweep/base/files.hpp>
#include <sweep/base/layout.hpp>
#include <sweep/base/limits.hpp>
#include <sweep/base/lock.hpp>
#include <sweep/base/parallel.hpp>
#include <sweep/base/paths.hpp>
#include <sweep/base/registry.hpp>
#include <sweep/base/suggest.hpp>
