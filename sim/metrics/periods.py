"""Metrics by period: month by month, and before and after each timeline entry.

Headline rates from `summary()` are cumulative from day 0, which dilutes any change made during the
run. The period versions (declared with their metrics, `Metric.in_period`) count only what
happened in a period: the disputes closed (or noticed) in it, the bills sent in it, and the mean of
a state metric (participation, trust) over its days.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ..scenario.timeline import entry_label
from .definitions import Period
from .registry import METRICS

MONTH_DAYS = 30


def in_period(model, period: Period) -> dict[str, float]:
    """Every period metric of the whole model over `period`."""
    return {m.name: _round(m.in_period(model, period)) for m in METRICS.periodic()}


def months(days: int, length: int = MONTH_DAYS) -> list[Period]:
    """Consecutive periods of `length` days covering days 0..days-1 (the last may be shorter)."""
    return [Period(start, min(days, start + length)) for start in range(0, days, length)]


def periods_table(model, length: int = MONTH_DAYS) -> pd.DataFrame:
    """One row per period of `length` days: period (0, 1, ...), start_day, end_day (exclusive),
    and each period metric."""
    rows = [{"period": k, "start_day": p.start, "end_day": p.stop, **in_period(model, p)}
            for k, p in enumerate(months(model.day, length))]
    return pd.DataFrame(rows, columns=["period", "start_day", "end_day", *(m.name for m in METRICS.periodic())])


def windows(scenario, days: int | None = None) -> list[tuple[int, int, str, Period, Period]]:
    """For each timeline entry within the run, in day order: (entry index, day, label, the window
    before it, the window after it), `run.window_days` long each, cut at the run's ends."""
    days = scenario.run.days if days is None else days
    w = scenario.run.window_days
    out = []
    for i, entry in sorted(enumerate(scenario.timeline), key=lambda x: x[1].day):
        if entry.day >= days:
            continue
        out.append((i, entry.day, entry_label(entry), Period(max(0, entry.day - w), entry.day),
                    Period(entry.day, min(days, entry.day + w))))
    return out


def before_after(model) -> list[dict[str, Any]]:
    """For `summary.json`: for each timeline entry, its day and label, and every period metric in
    the window before and after it."""
    return [{"entry": i, "day": day, "label": label, "before_days": [before.start, before.stop],
             "after_days": [after.start, after.stop], "before": in_period(model, before), "after": in_period(model, after)}
            for i, day, label, before, after in windows(model.config, model.day)]


def _round(v: float) -> float:
    return round(v, 10) if isinstance(v, float) and math.isfinite(v) else v
