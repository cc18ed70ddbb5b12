"""Shared by the direction tests: a metric averaged over a few runs with fixed seeds."""

import numpy as np

from sim import CoGovModel


def mean_over_seeds(metric, overrides: dict, seeds: tuple[int, ...], days: int) -> float:
    """Mean of `metric(model)` over one run per seed of the default community with `overrides`."""
    values = []
    for seed in seeds:
        model = CoGovModel(rng=seed, days=days, overrides=overrides)
        model.run()
        values.append(metric(model))
    return float(np.mean(values))
