"""Run seeds: every run's seed derives from the one sweep seed through `numpy.random.SeedSequence`.

The seed of replicate r at design point p is drawn from ``SeedSequence(sweep_seed, spawn_key=(p, r))``,
which is the same sequence as ``SeedSequence(sweep_seed).spawn(P)[p].spawn(R)[r]``: it depends only on
(sweep seed, p, r), never on which worker runs it, how many workers there are, or in what order runs
finish. With common random numbers (paired comparisons), the seed depends on the replicate only:
``SeedSequence(sweep_seed, spawn_key=(r,))``, so replicate r of every arm sees the same seed.

Seeds are 63-bit integers (non-negative, fit a signed 64-bit Parquet column). Every layer draws
its seeds this way: sweeps and comparisons, `cogov validate-model` (common random numbers rooted
at the targets file's seed) and `cogov calibrate` (one root per stage, `derived_seed`).
"""

from __future__ import annotations

import numpy as np


def _draw(sequence: np.random.SeedSequence) -> int:
    return int(sequence.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def derived_seed(root: int, *key: int) -> int:
    """The seed of `key` under `root`: ``SeedSequence(root, spawn_key=key)``, drawn as above."""
    return _draw(np.random.SeedSequence(int(root), spawn_key=tuple(int(k) for k in key)))


def run_seed(sweep_seed: int, point: int, replicate: int, *, common: bool = False) -> int:
    """The seed of (`point`, `replicate`); with `common` random numbers, of `replicate` alone."""
    return derived_seed(sweep_seed, replicate) if common else derived_seed(sweep_seed, point, replicate)

