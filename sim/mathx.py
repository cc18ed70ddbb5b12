"""Small numeric helpers shared by the submodels."""

import numpy as np


def logistic(x):
    """1 / (1 + e^-x), for scalars and arrays."""
    return 1.0 / (1.0 + np.exp(-x))


def logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return float(np.log(p / (1 - p)))
