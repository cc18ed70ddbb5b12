"""Small numeric helpers shared by the submodels."""

from functools import lru_cache

import numpy as np


def logistic(x):
    """1 / (1 + e^-x), for scalars and arrays."""
    return 1.0 / (1.0 + np.exp(-x))


@lru_cache(maxsize=1024)  # asked of a handler's base success at every case it concludes
def logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return float(np.log(p / (1 - p)))


def cumulative(p: np.ndarray) -> np.ndarray:
    """The cumulative distribution of probabilities `p`, normalised to end at exactly 1."""
    cdf = np.cumsum(p, dtype=np.float64)
    cdf /= cdf[-1]
    return cdf


def draw_index(rng: np.random.Generator, cdf: np.ndarray, size=None):
    """Indices drawn by inverse-CDF sampling from a `cumulative` distribution: the same draws as
    ``rng.choice(len(cdf), size, p=p)`` (one uniform per draw), without its per-call checks,
    which cost more than the draw on the model's small, fixed distributions."""
    return cdf.searchsorted(rng.random(size), side="right")


def read_only(array: np.ndarray) -> np.ndarray:
    """A read-only view of `array` (which itself stays writable), to hand out what callers must not change."""
    view = array.view()
    view.flags.writeable = False
    return view
