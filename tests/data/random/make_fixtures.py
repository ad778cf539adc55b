#!/usr/bin/env python3
"""Makes the numpy/pycls fixtures of tests/random (run once; the tests never need python).

Provenance: Debian 12's python3 with numpy 1.24.2. Run it as

    NPY_DISABLE_CPU_FEATURES="AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL" \
        python3 tests/data/random/make_fixtures.py tests/data/random

On AVX512F CPUs numpy 1.24 computes the np.log/np.exp *ufuncs* with its own SIMD code, which
differs from the C library in the last bit for about a quarter of inputs; sweep uses the C
library (as numpy does on every other CPU), so the fixtures are made with that code disabled.
The draw functions below restate pycls/sweep/random.py (same numpy calls, same Decimal
quantisation) so that the numbers are what pycls itself returns.

Files (one record per line, fields separated by spaces):
  numpy_stream.txt  <seed> <kind> <param> <values...>     doubles as 16 hex digits of their bits
  pycls_draws.txt   <fn> <int|float> <low> <high> <q> <seed> <str(value)...>
  chunk_seeds.txt   <rng_seed> <num_samples> <chunk_size> seeds <...> then choice <n> <size> <...>
"""

import struct
import sys
from decimal import Decimal
from pathlib import Path

import numpy as np


def bits(x):
    return "%016x" % struct.unpack("<Q", struct.pack("<d", float(x)))[0]


# ---- pycls.sweep.random, restated (numpy + decimal only) ----
def quantize(f, q, op=np.floor):
    quantized = Decimal(op(f / q)) * Decimal(str(q))
    return type(q)(quantized)


def uniform(low, high, q):
    f = np.random.uniform(low, high + q)
    return quantize(f, q, np.floor)


def log_uniform(low, high, q):
    f = np.exp(-np.random.uniform(-(np.log(high)), -(np.log(low - min(q, low / 2)))))
    return quantize(f, q, np.ceil)


def power2_uniform(low, high, q):
    f2 = np.floor(np.random.uniform(np.log2(low), np.log2(high) + 1))
    return quantize(2**f2, q)


def power2_or_log_uniform(low, high, q):
    f = type(q)(power2_uniform(low, high, low))
    f = log_uniform(max(low, q), high, min(high, q)) if f >= q else f
    return f


def normal(low, high, q):
    f, mu, sigma = np.inf, (low + high) / 2, (high - low) / 6
    while not low <= f <= high:
        f = np.random.normal(mu, sigma)
    return quantize(f, q, np.round)


def log_normal(low, high, q):
    log_low, log_high = np.log(low), np.log(high)
    f, mu, sigma = np.inf, (log_low + log_high) / 2, (log_high - log_low) / 6
    while not low <= f <= high:
        f = np.random.lognormal(mu, sigma)
    return quantize(f, q, np.round)


FNS = {
    "uniform": uniform,
    "log_uniform": log_uniform,
    "power2_uniform": power2_uniform,
    "power2_or_log_uniform": power2_or_log_uniform,
    "normal": normal,
    "log_normal": log_normal,
}

DRAW_CASES = [
    ("uniform", 0, 10, 1),
    ("uniform", -4, 6, 2),
    ("uniform", 12, 28, 1),
    ("uniform", 7, 700007, 7),
    ("uniform", -0.5, 0.5, 0.1),
    ("uniform", 0.0, 1.0, 1e-05),
    ("uniform", -2.0, 2.0, 0.25),
    ("uniform", 0.0, 100.0, 1e-10),
    ("uniform", 0.0, 1e10, 1e-10),  # k beyond 2**64
    ("uniform", 0.0, 123456789012345.6, 0.1234567890123456),  # product beyond 28 digits
    ("uniform", 0.0, 1e30, 0.1234567890123456),  # both
    ("uniform", 1e-300, 1e-290, 1e-300),  # tiny quanta
    ("log_uniform", 8, 256, 8),
    ("log_uniform", 1, 32, 1),
    ("log_uniform", 1, 1000000, 1),
    ("log_uniform", 8.0, 256.0, 0.1),
    ("log_uniform", 2.0, 3.0, 0.001),
    ("log_uniform", 0.5, 16.0, 0.5),
    ("log_uniform", 0.25, 5.0, 1e-10),
    ("log_uniform", 5e-05, 0.001, 1e-10),
    ("power2_uniform", 2, 512, 1),
    ("power2_uniform", 1, 1024, 8),
    ("power2_uniform", 0.25, 8.0, 0.25),
    ("power2_uniform", 1.0, 1.0, 1 / 128),
    ("power2_uniform", 0.0078125, 4.0, 1 / 128),
    ("power2_or_log_uniform", 8, 128, 8),
    ("power2_or_log_uniform", 1, 32, 8),
    ("power2_or_log_uniform", 1, 128, 4),
    ("power2_or_log_uniform", 1.0, 16.0, 1.0),
    ("power2_or_log_uniform", 0.25, 4.0, 4.0),
    ("normal", 0, 100, 1),
    ("normal", -10, 10, 2),
    ("normal", 0.0, 1.0, 0.01),
    ("normal", -1.0, 1.0, 0.1),
    ("normal", 1.0, 1.0, 0.5),
    ("log_normal", 1, 1000, 1),
    ("log_normal", 0.01, 1.0, 0.001),
    ("log_normal", 0.0001, 0.1, 1e-06),
]

SEEDS = [0, 1, 42, 123456, 2**32 - 1]


def stream_lines():
    lines = []

    def add(seed, kind, param, values):
        lines.append(" ".join([str(seed), kind, str(param)] + [str(v) for v in values]))

    for s in SEEDS:
        rs = np.random.RandomState(s)
        add(s, "state", 0, list(rs.get_state()[1][:8]))
        rs.seed(s)
        add(s, "uint32", 0, [int(v) for v in rs.randint(0, 2**32, size=1000, dtype=np.uint64)])
        rs.seed(s)
        add(s, "random_sample", 0, [bits(rs.random_sample()) for _ in range(1000)])
        rs.seed(s)
        add(s, "uniform", "-3.5:7.25", [bits(rs.uniform(-3.5, 7.25)) for _ in range(300)])
        rs.seed(s)
        add(s, "gauss", 0, [bits(rs.standard_normal()) for _ in range(301)])
        rs.seed(s)
        add(s, "normal", "1.5:0.25", [bits(rs.normal(1.5, 0.25)) for _ in range(301)])
        rs.seed(s)
        add(s, "lognormal", "-1.0:0.5", [bits(rs.lognormal(-1.0, 0.5)) for _ in range(301)])
        for high in [1, 2, 7, 1000, 2**31, 2**32 - 1, 2**32, 2**32 + 1, 2**40, 2**63 - 1]:
            rs.seed(s)
            add(s, "randint", high, [int(rs.randint(high)) for _ in range(200)])
        rs.seed(s)
        add(s, "randint", "-5:5", [int(rs.randint(-5, 5)) for _ in range(200)])
        rs.seed(s)
        # mixed calls: the Gaussian cache survives other draws and is reset by seed()
        mixed = [bits(rs.standard_normal()), bits(rs.random_sample()), bits(rs.standard_normal())]
        mixed.append(bits(rs.standard_normal()))
        add(s, "mixed", 0, mixed)
        rs.seed(s)
        add(s, "permutation", 10, list(rs.permutation(10)))
        rs.seed(s)
        p = rs.permutation(1000000)
        add(s, "permutation_head", 1000000, list(p[:20]) + list(p[-20:]) + [int(rs.randint(2**31))])
        rs.seed(s)
        add(s, "choice", "1000000:200", list(rs.choice(1000000, 200, replace=False)))
    # a seed given as numpy's int64, as pycls's chunk seeds are
    rs = np.random.RandomState(np.int64(987654))
    add(987654, "uint32", 0, [int(v) for v in rs.randint(0, 2**32, size=50, dtype=np.uint64)])
    return lines


def draw_lines():
    lines = []
    for fn, low, high, q in DRAW_CASES:
        for seed in [0, 1, 42]:
            np.random.seed(seed)
            values = [FNS[fn](low, high, q) for _ in range(200)]
            for v in values:
                assert type(v) is type(q)
            kind = "int" if isinstance(q, int) else "float"
            lines.append(" ".join([fn, kind, repr(low), repr(high), repr(q), str(seed)] + [str(v) for v in values]))
    return lines


def chunk_lines():
    lines = []
    for rng_seed, num_samples, chunk_size, n in [(0, 1000000, 5000, 1000), (7, 12345, 1000, 13), (2**32 - 1, 100, 7, 9)]:
        np.random.seed(rng_seed)
        n_chunks = int(np.ceil(num_samples / chunk_size))
        seeds = np.random.choice(1000000, size=n_chunks, replace=False)
        size = min(n, 256)
        ids = np.random.choice(n, size, replace=False)
        lines.append(" ".join([str(rng_seed), str(num_samples), str(chunk_size), "seeds"] + [str(v) for v in seeds]
                              + ["choice", str(n), str(size)] + [str(v) for v in ids]))
    return lines


def main():
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    (out / "numpy_stream.txt").write_text("\n".join(stream_lines()) + "\n")
    (out / "pycls_draws.txt").write_text("\n".join(draw_lines()) + "\n")
    (out / "chunk_seeds.txt").write_text("\n".join(chunk_lines()) + "\n")


if __name__ == "__main__":
    main()
