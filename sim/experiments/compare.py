"""Paired comparison of scenarios with common random numbers.

Each scenario is an arm; replicate i of every arm runs on the same seed (`Plan.for_compare`), so
the arms differ only by their settings and the difference of a metric is estimated replicate by
replicate: its interval is a paired t interval, usually much narrower than the interval of two
independent means (the table shows both half-widths).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..i18n import metric_label
from ..metrics import METRICS
from .stats import LEVEL, band, mean_ci, paired_difference, unpaired_halfwidth
from .store import Results


def arm_names(results: Results) -> list[str]:
    return [a["name"] for a in results.manifest["arms"]]


def comparison_table(results: Results, metrics: list[str]) -> pd.DataFrame:
    """One row per metric and arm: n, mean and its CI; for every arm after the first, the paired
    difference from the first arm with its CI, and the half-width an unpaired comparison would give."""
    s = results.summary
    arms = arm_names(results)
    by_arm = {a: s[s["arm"] == a].set_index("replicate") for a in arms}
    ref = arms[0]
    rows = []
    for m in metrics:
        for a in arms:
            mean, lo, hi, n = mean_ci(by_arm[a][m] if m in by_arm[a] else [], LEVEL)
            row = {"metric": m, "arm": a, "n": n, "mean": mean, "ci_low": lo, "ci_high": hi,
                   "diff": np.nan, "diff_ci_low": np.nan, "diff_ci_high": np.nan, "pairs": 0,
                   "unpaired_halfwidth": np.nan}
            if a != ref and m in by_arm[a]:
                both = pd.concat([by_arm[ref][m].rename("ref"), by_arm[a][m].rename("arm")], axis=1, join="inner")
                d, dlo, dhi, k = paired_difference(both["ref"], both["arm"], LEVEL)
                row.update(diff=d, diff_ci_low=dlo, diff_ci_high=dhi, pairs=k,
                           unpaired_halfwidth=unpaired_halfwidth(by_arm[ref][m], by_arm[a][m], LEVEL))
            rows.append(row)
    return pd.DataFrame(rows)


def comparison_figure(results: Results, metrics: list[str], path: Path) -> Path:
    """The kept daily metrics of every arm over time: mean across replicates and its 95 % band."""
    arms = arm_names(results)
    metrics = [m for m in metrics if m in results.metrics]
    series = results.read_series(metrics=metrics)
    cols = 2 if len(metrics) > 1 else 1
    rows = max(1, -(-len(metrics) // cols))
    fig = Figure(figsize=(6.0 * cols, 3.0 * rows), constrained_layout=True)
    FigureCanvasAgg(fig)
    colors = [f"C{i}" for i in range(10)]
    for k, m in enumerate(metrics):
        ax = fig.add_subplot(rows, cols, k + 1)
        for i, arm in enumerate(arms):
            part = series[series["point"] == i]
            if part.empty:
                continue
            wide = part.pivot(index="replicate", columns="day", values=m)
            mean, lo, hi = band(wide.to_numpy())
            days = wide.columns.to_numpy()
            ax.plot(days, mean, color=colors[i % 10], lw=1.5, label=f"{arm} (n={len(wide)})")
            ax.fill_between(days, lo, hi, color=colors[i % 10], alpha=0.2, lw=0)
        ax.set_title(metric_label(m), fontsize=10)
        ax.set_xlabel("day")
        ax.grid(alpha=0.3)
        if k == 0:
            ax.legend(fontsize=8, loc="best")
    fig.suptitle(f"{' vs '.join(arms)}: mean and {int(LEVEL * 100)} % CI across replicates "
                 "(common random numbers)", fontsize=11)
    fig.savefig(path, dpi=110)
    return path


def before_after_table(results: Results) -> pd.DataFrame:
    """For each timeline entry's day (of any arm), period metric and arm: the mean before and after
    it, the change (after − before) with its CI over replicates, and for every arm after the first
    the difference-in-differences — its change minus the first arm's, replicate by replicate
    (paired: the same seed in both arms) — with its CI. Empty without a timeline."""
    m = results.manifest
    days, labels = m.get("windows") or [], m.get("window_labels") or []
    s, arms = results.summary, arm_names(results)
    by_arm = {a: s[s["arm"] == a].set_index("replicate") for a in arms}
    ref = arms[0]
    rows = []
    for day, label in zip(days, labels or [""] * len(days)):
        for metric in METRICS.periodic():
            before, after = f"before.{day}.{metric.name}", f"after.{day}.{metric.name}"
            if before not in s.columns:
                continue
            change = {a: by_arm[a][after] - by_arm[a][before] for a in arms}
            for a in arms:
                mean, lo, hi, n = mean_ci(change[a], LEVEL)
                row = {"day": day, "label": label, "metric": metric.name, "arm": a, "n": n,
                       "before": float(np.nanmean(by_arm[a][before])) if n else np.nan,
                       "after": float(np.nanmean(by_arm[a][after])) if n else np.nan,
                       "change": mean, "change_ci_low": lo, "change_ci_high": hi,
                       "did": np.nan, "did_ci_low": np.nan, "did_ci_high": np.nan, "pairs": 0}
                if a != ref:
                    both = pd.concat([change[ref].rename("ref"), change[a].rename("arm")], axis=1, join="inner")
                    d, dlo, dhi, k = paired_difference(both["ref"], both["arm"], LEVEL)
                    row.update(did=d, did_ci_low=dlo, did_ci_high=dhi, pairs=k)
                rows.append(row)
    return pd.DataFrame(rows, columns=["day", "label", "metric", "arm", "n", "before", "after", "change", "change_ci_low",
                                       "change_ci_high", "did", "did_ci_low", "did_ci_high", "pairs"])


def interrupted_time_series_figure(results: Results, path: Path, lang: str = "en") -> Path:
    """The headline period metrics month by month, for every arm: the mean across replicates and
    its 95 % band, with a dotted line and a label at every timeline entry."""
    periods = results.periods
    metrics = [mt for mt in METRICS.periodic() if mt.headline and mt.name in periods.columns]
    arms = arm_names(results)
    cols = 2
    rows = max(1, -(-len(metrics) // cols))
    fig = Figure(figsize=(6.2 * cols, 3.1 * rows), constrained_layout=True)
    FigureCanvasAgg(fig)
    days, labels = results.manifest.get("windows") or [], results.manifest.get("window_labels") or []
    for k, mt in enumerate(metrics):
        ax = fig.add_subplot(rows, cols, k + 1)
        for i, arm in enumerate(arms):
            part = periods[periods["point"] == i]
            if part.empty:
                continue
            wide = part.pivot(index="replicate", columns="period", values=mt.name)
            mid = (part.groupby("period")[["start_day", "end_day"]].first().mean(axis=1)).reindex(wide.columns).to_numpy()
            mean, lo, hi = band(wide.to_numpy(dtype=float))
            scale = 100.0 if mt.kind == "share" else 1.0
            ax.plot(mid, mean * scale, "o-", color=f"C{i % 10}", lw=1.5, ms=3, label=f"{arm} (n={len(wide)})")
            ax.fill_between(mid, lo * scale, hi * scale, color=f"C{i % 10}", alpha=0.2, lw=0)
        for j, day in enumerate(days):
            ax.axvline(day, color="#555555", ls=":", lw=1.1)
            if k == 0 and j < len(labels) and labels[j]:
                ax.annotate(labels[j], xy=(day, 1.0), xycoords=("data", "axes fraction"), xytext=(3, -3 - 10 * j),
                            textcoords="offset points", fontsize=7, color="#555555", va="top")
        ax.set_title(metric_label(mt.name, lang) + (" (%)" if mt.kind == "share" else ""), fontsize=10)
        ax.set_xlabel("day")
        ax.grid(alpha=0.3)
        if k == 0:
            ax.legend(fontsize=8, loc="lower right")
    fig.suptitle(f"{' vs '.join(arms)}: period metrics by month, mean and {int(LEVEL * 100)} % CI across replicates",
                 fontsize=11)
    fig.savefig(path, dpi=110)
    return path
