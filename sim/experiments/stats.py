"""Means with confidence intervals across replicates, and paired differences between arms.

Intervals are Student-t intervals of the mean over the finite values (a run where a rate is
undefined, e.g. no dispute closed yet, is left out of that metric, and the count `n` says so).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

LEVEL = 0.95


def t_quantile(q: float, dof):
    """Student's t quantile (scipy.stats.t.ppf). scipy.stats is imported here, when an interval is
    first computed: it takes 0.4 s, which a command that computes none should not pay."""
    from scipy import stats

    return stats.t.ppf(q, dof)


def mean_ci(values, level: float = LEVEL) -> tuple[float, float, float, int]:
    """(mean, low, high, n) of the finite values; low and high are NaN for fewer than two."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    n = len(v)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    m = float(v.mean())
    if n < 2:
        return m, math.nan, math.nan, n
    half = float(t_quantile(0.5 + level / 2, n - 1) * v.std(ddof=1) / math.sqrt(n))
    return m, m - half, m + half, n


def paired_difference(a, b, level: float = LEVEL) -> tuple[float, float, float, int]:
    """(mean, low, high, n) of b − a over the pairs where both are finite (replicate i of each arm
    ran on the same seed, so the pairs share their random numbers)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    ok = np.isfinite(a) & np.isfinite(b)
    return mean_ci(b[ok] - a[ok], level)


def unpaired_halfwidth(a, b, level: float = LEVEL) -> float:
    """Half-width of Welch's interval for the difference of means, as if the arms were independent
    (to show what pairing saved)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if len(a) < 2 or len(b) < 2:
        return math.nan
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    if se == 0:
        return 0.0
    dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    return float(t_quantile(0.5 + level / 2, dof) * se)


def by_group(df: pd.DataFrame, keys: list[str], metrics: list[str], level: float = LEVEL) -> pd.DataFrame:
    """Long table: one row per group and metric with n, mean, sd, ci_low, ci_high."""
    rows = []
    for key, g in df.groupby(keys, sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        for m in metrics:
            mean, lo, hi, n = mean_ci(g[m].to_numpy(dtype=float), level)
            v = g[m].to_numpy(dtype=float)
            v = v[np.isfinite(v)]
            rows.append({**dict(zip(keys, key)), "metric": m, "n": n, "mean": mean,
                         "sd": float(v.std(ddof=1)) if len(v) > 1 else math.nan, "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows)


def band(values: np.ndarray, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and t-interval, column by column, of a (replicates × days) array (NaNs left out), for
    plots: the interval is clipped to the range of the replicates' values, so that days where only
    two or three replicates have a value (a rate before any dispute closed) do not swamp the axis."""
    v = np.asarray(values, dtype=float)
    n = np.isfinite(v).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # days where no replicate has a value
        mean = np.nanmean(np.where(n > 0, v, 0.0), axis=0) if v.size else np.array([])
        mean = np.where(n > 0, mean, np.nan)
        sd = np.nanstd(v, axis=0, ddof=1) if v.shape[0] > 1 else np.full(v.shape[1], np.nan)
        t = t_quantile(0.5 + level / 2, np.maximum(n - 1, 1))
        half = np.where(n > 1, t * sd / np.sqrt(np.maximum(n, 1)), np.nan)
        lo, hi = np.nanmin(v, axis=0), np.nanmax(v, axis=0)
    return mean, np.maximum(mean - half, lo), np.minimum(mean + half, hi)
