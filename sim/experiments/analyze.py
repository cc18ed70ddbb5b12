"""Analysis of a results folder: tables, plots and sensitivity indices, written to ``analysis/``.

* ``points.csv``: for every design point and metric, the mean over replicates with its 95 % CI
  (long format: the design columns, metric, n, mean, sd, ci_low, ci_high).
* Plots of the end-of-run metrics: ``effects.png`` (each metric against each grid parameter, mean
  and CI band; averaged over the other parameters when there are several), ``heatmap.png`` (two
  grid parameters), ``scatter.png`` (sampled designs: point means against each parameter), and
  ``series.png`` (one parameter: the daily series of each level with its band).
* ``sensitivity.csv`` and ``sensitivity.png`` for sobol designs (S1 and ST with their confidence
  intervals, SALib's `sobol.analyze`) and morris designs (μ, μ*, its CI and σ, `morris.analyze`).
  Each design point's output is its mean over replicates. Parameters are sampled on the unit
  scale, so μ* is the effect of moving a parameter across its whole range.
* A comparison gets ``comparison.csv`` (see `compare.comparison_table`) and ``comparison.png``.
* A robustness study (a sweep with levers, see `robust`) gets ``worlds.csv`` (each world's
  uncertainties and each option's outcomes), ``distribution.png``, ``regret.csv`` (every world and
  option), ``regret_ranking.csv`` (options ranked by maximum and 90th-percentile regret),
  ``regret.png``, ``versus_reference.csv`` (each option against the first, world by world) and,
  with ``satisficing`` conditions, ``satisficing.csv``.

The folder is written aside and renamed into place, replacing an earlier analysis; what `cogov
discover` wrote there (``discover*/``) is kept.
"""

from __future__ import annotations

import math
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..i18n import metric_label
from ..metrics import METRICS
from .compare import before_after_table, comparison_figure, comparison_table, interrupted_time_series_figure
from . import robust
from .condition import ConditionError
from .designs import DESIGNS, DesignKind
from .stats import LEVEL, band, by_group
from .store import Results, ResultsError, replace_folder

MAX_SERIES_LEVELS = 8


@dataclass
class Analysis:
    folder: Path
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    points: pd.DataFrame | None = None
    sensitivity: pd.DataFrame | None = None
    comparison: pd.DataFrame | None = None
    before_after: pd.DataFrame | None = None
    ranking: pd.DataFrame | None = None
    satisficing: pd.DataFrame | None = None


def analysis_metrics(results: Results, metrics: list[str] | None = None) -> list[str]:
    """Metrics to analyse: those asked for, else the kept series, else the headline metrics —
    each as its end-of-run value in the summary table."""
    s = results.summary
    if metrics:
        unknown = [m for m in metrics if m not in s.columns]
        if unknown and len(s):
            raise ResultsError(f"{results.path}: no end-of-run column {unknown[0]!r} in the summary; "
                               f"known: {', '.join(c for c in s.columns if c not in ('point', 'replicate', 'seed'))}")
        return metrics
    chosen = [m for m in results.metrics if m in s.columns] or [m for m in METRICS.headline() if m in s.columns]
    return chosen


#: what `cogov discover` writes into the analysis folder (``discover/``, or ``discover*/`` by
#: --out), kept when the analysis is rewritten
KEPT = "discover"


def analyze(path: str | Path, *, out: str | Path | None = None, metrics: list[str] | None = None,
            satisficing: list[str] | None = None) -> Analysis:
    """Analyse the results folder at `path`; write into `out` (default ``PATH/analysis``).
    `satisficing`: conditions (e.g. ``resolution_rate >= 0.8``) whose share of worlds each option
    of a robustness study meets."""
    results = Results(path)
    if results.summary.empty:
        raise ResultsError(f"{results.path}: no finished runs to analyse yet")
    metrics = analysis_metrics(results, metrics)
    if satisficing and not results.options:
        raise ResultsError(f"--satisficing: {results.path} is not a robustness study (its sweep file has no levers:)")
    target = Path(out) if out else results.path / "analysis"
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    a = Analysis(target)
    try:
        if results.kind == "compare":
            _compare(results, metrics, tmp, a)
        elif results.options:
            _robust(results, metrics, satisficing or [], tmp, a)
        else:
            _sweep(results, metrics, tmp, a)
        for kept in target.glob(f"{KEPT}*/") if target.is_dir() else []:
            shutil.copytree(kept, tmp / kept.name)
        replace_folder(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return a


def _compare(results: Results, metrics: list[str], tmp: Path, a: Analysis) -> None:
    table = comparison_table(results, metrics)
    table.to_csv(tmp / "comparison.csv", index=False, lineterminator="\n")
    a.comparison = table
    a.files.append("comparison.csv")
    if results.metrics:
        comparison_figure(results, results.metrics, tmp / "comparison.png")
        a.files.append("comparison.png")
    if results.manifest.get("windows"):
        a.before_after = before_after_table(results)
        a.before_after.to_csv(tmp / "before_after.csv", index=False, lineterminator="\n")
        a.files.append("before_after.csv")
    if not results.periods.empty:
        interrupted_time_series_figure(results, tmp / "periods.png")
        a.files.append("periods.png")


def _sweep(results: Results, metrics: list[str], tmp: Path, a: Analysis) -> None:
    s = results.summary
    params = results.parameters
    design = results.design
    kind = results.manifest["design"]["kind"]
    points = by_group(s, ["point"], metrics, LEVEL)
    points = design[["point", *params]].merge(points, on="point", how="right")
    points.to_csv(tmp / "points.csv", index=False, lineterminator="\n")
    a.points = points
    a.files.append("points.csv")
    missing = len(design) - s["point"].nunique()
    if missing:
        a.notes.append(f"{missing} of {len(design)} design points have no finished run yet")

    if not DESIGNS[kind].sampled:
        varied = [p for p in params if design[p].nunique() > 1]
        if varied:
            _effects_figure(s, varied, metrics, tmp / "effects.png")
            a.files.append("effects.png")
        if len(varied) >= 2:
            _heatmap_figure(s, varied[:2], metrics, tmp / "heatmap.png", others=varied[2:])
            a.files.append("heatmap.png")
        if len(varied) == 1 and design[varied[0]].nunique() <= MAX_SERIES_LEVELS and results.metrics:
            _series_figure(results, varied[0], tmp / "series.png")
            a.files.append("series.png")
    else:
        _scatter_figure(points, params, metrics, tmp / "scatter.png")
        a.files.append("scatter.png")
    if DESIGNS[kind].bars:  # a design with a sensitivity analysis
        table = _sensitivity(results, metrics, a)
        if table is not None and not table.empty:
            table.to_csv(tmp / "sensitivity.csv", index=False, lineterminator="\n")
            _sensitivity_figure(table, DESIGNS[kind], tmp / "sensitivity.png")
            a.files += ["sensitivity.csv", "sensitivity.png"]
            a.sensitivity = table


def _robust(results: Results, metrics: list[str], satisficing: list[str], tmp: Path, a: Analysis) -> None:
    options = results.options
    table, incomplete = robust.world_table(results, metrics)
    if incomplete:
        a.notes.append(f"{incomplete} sampled worlds are left out: some option has no finished run there yet")
    if table.empty:
        raise ResultsError(f"{results.path}: no sampled world has finished runs of every option yet")
    try:
        sat = robust.satisficing_table(robust.with_option_columns(table, options, metrics), satisficing, options) \
            if satisficing else None
    except ConditionError as e:
        raise ResultsError(str(e)) from None
    if DESIGNS[results.manifest["design"]["kind"]].bars:
        a.notes.append("no sensitivity indices for a sweep with levers: its points are options × worlds, not the design")
    table.to_csv(tmp / "worlds.csv", index=False, lineterminator="\n")
    robust.distribution_figure(table, metrics, options, tmp / "distribution.png")
    a.files += ["worlds.csv", "distribution.png"]
    undirected = [m for m in metrics if m not in robust.directed(metrics)]
    if undirected:
        a.notes.append(f"no regret for {', '.join(undirected)}: the metric registry declares no better direction")
    regret = robust.regret_table(table, metrics)
    if not regret.empty:
        regret.to_csv(tmp / "regret.csv", index=False, lineterminator="\n")
        a.ranking = robust.regret_ranking(regret, options)
        a.ranking.to_csv(tmp / "regret_ranking.csv", index=False, lineterminator="\n")
        robust.regret_figure(regret, options, tmp / "regret.png")
        robust.versus_reference(table, metrics, options).to_csv(tmp / "versus_reference.csv", index=False,
                                                                 lineterminator="\n")
        a.files += ["regret.csv", "regret_ranking.csv", "regret.png", "versus_reference.csv"]
    if sat is not None:
        sat.to_csv(tmp / "satisficing.csv", index=False, lineterminator="\n")
        a.satisficing = sat
        a.files.append("satisficing.csv")


# --- sensitivity ------------------------------------------------------------------------------------


def _sensitivity(results: Results, metrics: list[str], a: Analysis) -> pd.DataFrame | None:
    m = results.manifest
    design = results.design.sort_values("point")
    params = results.parameters
    problem = m.get("problem") or {"num_vars": len(params), "names": params, "bounds": [[0.0, 1.0]] * len(params)}
    means = results.summary.groupby("point")[metrics].mean()
    if len(means) < len(design):
        a.notes.append(f"sensitivity indices need every design point; {len(design) - len(means)} have no finished "
                       "run yet (rerun the sweep to finish it)")
        return None
    rows = []
    seed = int(m["design"].get("seed") or m["seed"])
    for metric in metrics:
        y = means.loc[design["point"], metric].to_numpy(dtype=float)
        if not np.isfinite(y).all():
            a.notes.append(f"{metric}: undefined at {int((~np.isfinite(y)).sum())} design points; no sensitivity indices")
            continue
        if np.ptp(y) == 0:
            a.notes.append(f"{metric}: the same at every design point; no sensitivity indices")
            continue
        unit = design[[f"u.{p}" for p in params]].to_numpy(dtype=float)
        for row in DESIGNS[m["design"]["kind"]].sensitivity(problem, unit, y, m["design"], LEVEL, seed) or []:
            rows.append({"metric": metric, **row})
    return pd.DataFrame(rows)


# --- figures ------------------------------------------------------------------------------------------


def _grid(n: int, width: float = 4.2, height: float = 3.0, cols: int | None = None) -> tuple[Figure, int, int]:
    cols = cols or min(3, n)
    rows = max(1, math.ceil(n / cols))
    fig = Figure(figsize=(width * cols, height * rows), constrained_layout=True)
    FigureCanvasAgg(fig)
    return fig, rows, cols


def _numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def _effects_figure(s: pd.DataFrame, params: list[str], metrics: list[str], path: Path) -> None:
    fig, rows, cols = _grid(len(metrics) * len(params), cols=len(params))
    k = 0
    for m in metrics:
        for p in params:
            k += 1
            ax = fig.add_subplot(rows, cols, k)
            t = by_group(s, [p], [m], LEVEL).sort_values(p)
            x = t[p].to_numpy() if _numeric(t[p]) else np.arange(len(t))
            ax.plot(x, t["mean"], "o-", color="C0", lw=1.5, ms=4)
            ax.fill_between(x, t["ci_low"], t["ci_high"], color="C0", alpha=0.2, lw=0)
            if not _numeric(t[p]):
                ax.set_xticks(x, [str(v) for v in t[p]], rotation=30, fontsize=8)
            ax.set_xlabel(p)
            ax.set_ylabel(metric_label(m), fontsize=8)
            ax.grid(alpha=0.3)
    note = " (averaged over the other parameters)" if len(params) > 1 else ""
    fig.suptitle(f"End-of-run metrics: mean and {int(LEVEL * 100)} % CI across runs{note}", fontsize=11)
    fig.savefig(path, dpi=100)


def _heatmap_figure(s: pd.DataFrame, params: list[str], metrics: list[str], path: Path, others: list[str]) -> None:
    p1, p2 = params
    fig, rows, cols = _grid(len(metrics), width=4.8, height=3.8)
    for k, m in enumerate(metrics):
        ax = fig.add_subplot(rows, cols, k + 1)
        table = s.groupby([p1, p2])[m].mean().unstack(p2)
        im = ax.imshow(table.to_numpy(dtype=float), aspect="auto", origin="lower", cmap="viridis")
        ax.set_yticks(range(len(table.index)), [f"{v:g}" if isinstance(v, float) else str(v) for v in table.index], fontsize=8)
        ax.set_xticks(range(len(table.columns)), [f"{v:g}" if isinstance(v, float) else str(v) for v in table.columns],
                      fontsize=8, rotation=30)
        ax.set_ylabel(p1)
        ax.set_xlabel(p2)
        ax.set_title(metric_label(m), fontsize=9)
        values = table.to_numpy(dtype=float)
        if values.size <= 100:
            lo, hi = np.nanmin(values), np.nanmax(values)
            for (i, j), v in np.ndenumerate(values):
                if np.isfinite(v):
                    dark = hi > lo and (v - lo) / (hi - lo) < 0.5
                    ax.text(j, i, f"{v:.3g}", ha="center", va="center", fontsize=7, color="white" if dark else "black")
        fig.colorbar(im, ax=ax, shrink=0.8)
    note = f" (averaged over {', '.join(others)})" if others else ""
    fig.suptitle(f"Mean end-of-run metrics by {p1} and {p2}{note}", fontsize=11)
    fig.savefig(path, dpi=100)


def _scatter_figure(points: pd.DataFrame, params: list[str], metrics: list[str], path: Path) -> None:
    fig, rows, cols = _grid(len(metrics) * len(params), width=3.4, height=2.8, cols=len(params))
    k = 0
    for m in metrics:
        t = points[points["metric"] == m]
        for p in params:
            k += 1
            ax = fig.add_subplot(rows, cols, k)
            x = t[p] if _numeric(t[p]) else pd.Categorical(t[p].astype(str)).codes
            ax.scatter(x, t["mean"], s=8, alpha=0.6, color="C0", lw=0)
            ax.set_xlabel(p, fontsize=8)
            if k % cols == 1 or cols == 1:
                ax.set_ylabel(metric_label(m), fontsize=8)
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3)
    fig.suptitle("End-of-run metrics at each design point (mean over replicates)", fontsize=11)
    fig.savefig(path, dpi=100)


def _series_figure(results: Results, param: str, path: Path) -> None:
    metrics = results.metrics
    design = results.design.set_index("point")
    series = results.read_series(metrics=metrics)
    fig, rows, cols = _grid(len(metrics), width=5.0, height=3.0, cols=min(2, len(metrics)))
    for k, m in enumerate(metrics):
        ax = fig.add_subplot(rows, cols, k + 1)
        for i, (level, pts) in enumerate(design.groupby(param, sort=True).groups.items()):
            part = series[series["point"].isin(list(pts))]
            if part.empty:
                continue
            wide = part.pivot_table(index=["point", "replicate"], columns="day", values=m, dropna=False)
            mean, lo, hi = band(wide.to_numpy())
            days = wide.columns.to_numpy()
            ax.plot(days, mean, color=f"C{i % 10}", lw=1.3, label=f"{param} = {level}")
            ax.fill_between(days, lo, hi, color=f"C{i % 10}", alpha=0.15, lw=0)
        ax.set_title(metric_label(m), fontsize=9)
        ax.set_xlabel("day")
        ax.grid(alpha=0.3)
        if k == 0:
            ax.legend(fontsize=7)
    fig.suptitle(f"Daily metrics by {param}: mean and {int(LEVEL * 100)} % CI across replicates", fontsize=11)
    fig.savefig(path, dpi=100)


def _sensitivity_figure(table: pd.DataFrame, kind: DesignKind, path: Path) -> None:
    metrics = list(dict.fromkeys(table["metric"]))
    fig, rows, cols = _grid(len(metrics), width=5.0, height=3.2, cols=min(2, len(metrics)))
    for k, m in enumerate(metrics):
        t = table[table["metric"] == m]
        ax = fig.add_subplot(rows, cols, k + 1)
        x = np.arange(len(t))
        width = 0.8 / len(kind.bars)
        for b, (column, conf, label) in enumerate(kind.bars):
            offset = (b - (len(kind.bars) - 1) / 2) * width
            ax.bar(x + offset, t[column], width, yerr=t[conf] if conf else None, label=label, color=f"C{b}", capsize=2)
        ax.set_ylabel(kind.index_label)
        ax.set_xticks(x, t["parameter"], rotation=30, ha="right", fontsize=8)
        ax.axhline(0, color="black", lw=0.6)
        ax.set_title(metric_label(m), fontsize=9)
        ax.grid(alpha=0.3, axis="y")
        if k == 0:
            ax.legend(fontsize=7)
    fig.suptitle(kind.title, fontsize=11)
    fig.savefig(path, dpi=100)
