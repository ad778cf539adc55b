// Combinators beyond random sampling, one header each:
//   grid(k = axis, ...)        every combination once, last axis fastest      grid.hpp
//   zip(k = axis, ...)         the axes advanced together (one length)        zip.hpp
//   concat(space, ...)         the parts one after another                    concat.hpp
//   join(space, when(k, v, s)) s drawn only when the record so far has k == v join.hpp
//   sobol(k = sampler, ...)    a scrambled Sobol sequence through inverse CDFs sobol.hpp
//   shuffle(space)             a finite space in a seeded random order        shuffle.hpp
//   space | where(pred)        the records pred accepts                       where.hpp
// Their axes are finite samplers (axes.hpp). Finite spaces have size() and at(i)
// and are random-access ranges (range.hpp); a sobol space has at(i) only (an
// endless sequence). All of them also draw(rng), so they nest in random spaces.
// any_space (any_space.hpp) holds any of them, for spaces built at run time.
#pragma once

#include <sweep/space/any_space.hpp>
#include <sweep/space/axes.hpp>
#include <sweep/space/concat.hpp>
#include <sweep/space/grid.hpp>
#include <sweep/space/join.hpp>
#include <sweep/space/range.hpp>
#include <sweep/space/shuffle.hpp>
#include <sweep/space/sobol.hpp>
#include <sweep/space/where.hpp>
#include <sweep/space/zip.hpp>
