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
