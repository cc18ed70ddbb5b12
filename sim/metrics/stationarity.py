"""Is a run in its long-run state? A trend test on the backlog and the headline period rates.

A run whose inputs do not change (no timeline entry, no party-building project) should be
stationary once warmed up (docs/ODD.md, Warm-up): its monthly figures wander but do not trend.
Each series of 30-day periods is tested with the Mann–Kendall test (Kendall's τ of value against
period; scipy.stats.kendalltau) and its change over the run estimated by the Theil–Sen slope
(scipy.stats.theilslopes). A series trends when both p < `ALPHA` and the fitted change over the
run is material (`MATERIAL`): a monthly series is autocorrelated, so a significant but tiny
slope is not reported.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from .definitions import Period, scope
from .periods import MONTH_DAYS, months
from .registry import METRICS, Kind, Metric, Section

ALPHA = 0.01
MIN_PERIODS = 6  # fewer months than this: not tested
#: the series tested, and the fitted change over the run that counts as material: relative to the
#: series' mean for the backlog, in points for the rates
SERIES = {"backlog": ("relative", 0.2), "resolution_rate": ("points", 0.03), "community_share": ("points", 0.03)}


@dataclass(frozen=True)
class Trend:
    metric: str
    first: float  # the fitted value in the first period
    last: float  # the fitted value in the last period
    p: float  # Mann–Kendall two-sided p


def monthly(model, name: str) -> np.ndarray:
    """The series of a metric by 30-day period: the mean of the daily backlog, or the period rate."""
    spans = [p for p in months(model.day) if p.stop - p.start == MONTH_DAYS]
    if name == "backlog":
        daily = model.datacollector.model_vars.get("backlog")
        if daily is None:
            return np.array([])
        values = np.asarray(daily, dtype=float)
        return np.array([values[p.start:p.stop].mean() for p in spans])
    metric = METRICS[name]
    return np.array([metric.in_period(model, Period(p.start, p.stop)) for p in spans], dtype=float)


def inputs_change(model) -> bool:
    """Whether anything scheduled changes the run's inputs on a reported day."""
    if any(e.day < model.day for e in model.config.timeline):
        return True
    return any(pr.start_day < model.day and pr.start_day + pr.duration_days > 0
               for pol in model.policies for pr in pol.party_building.projects)


def trend_of(name: str, values: np.ndarray) -> Trend | None:
    """The series' trend if significant and material, else None."""
    from scipy import stats  # 0.4 s to import: here, not in every process that imports the model

    x = np.arange(len(values), dtype=float)
    ok = np.isfinite(values)
    if ok.sum() < MIN_PERIODS or np.ptp(values[ok]) == 0:
        return None
    tau, p = stats.kendalltau(x[ok], values[ok])
    slope, intercept, _, _ = stats.theilslopes(values[ok], x[ok])
    first, last = intercept, intercept + slope * (len(values) - 1)
    scale, threshold = SERIES[name]
    change = abs(last - first) / (abs(float(np.mean(values[ok]))) or 1.0) if scale == "relative" else abs(last - first)
    if not (math.isfinite(p) and p < ALPHA and change >= threshold):
        return None
    return Trend(name, round(float(first), 6), round(float(last), 6), round(float(p), 6))


def trends(model) -> list[Trend]:
    """The series that trend over the reported days."""
    out = [trend_of(name, monthly(model, name)) for name in SERIES]
    return [t for t in out if t is not None]


def tested(model) -> bool:
    """Whether the run can be tested: its inputs do not change and it has `MIN_PERIODS` months."""
    return not inputs_change(model) and model.day >= MIN_PERIODS * MONTH_DAYS


def stationarity_section(model) -> dict:
    """The `stationarity` section of `summary.json`: whether the run was tested, and the series
    found trending."""
    ok = tested(model)
    return {"tested": ok, "trends": [asdict(t) for t in trends(model)] if ok else []}


def trending_series(x) -> float:
    """Series among the backlog, the resolution rate and the community share that trend over the
    run's 30-day periods (Mann–Kendall p < 0.01 and a material change; NaN for a run with a
    timeline or project, or shorter than six periods)."""
    model = scope(x).model
    return float(len(trends(model))) if tested(model) else float("nan")


METRICS.add(Metric("trending_series", trending_series, Kind.COUNT, "series (of 3)", Section.VALIDATION,
                   daily=False, community=False))
