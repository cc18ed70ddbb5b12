"""Robustness of policy options across sampled worlds (a sweep with ``uncertainties:`` and ``levers:``).

Each (world, option) is summarised by its mean over replicates. Only worlds where every option has
finished runs are compared. For an outcome whose better direction the metric registry declares
(`Direction.MAXIMIZE` or `MINIMIZE`):

* the **regret** of an option in a world is its distance to the best option in that world
  (best − value when more is better, value − best when less is better; 0 for the best);
* options are ranked by their **maximum** and their **90th-percentile** regret across worlds
  (percentile with linear interpolation, numpy's default), the lower the more robust;
* an option **beats** the reference option (the sweep file's first) in a world when it is strictly
  better there.

A **satisficing** condition (``resolution_rate >= 0.8``, see `condition`) gives each option the
share of worlds where it holds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..i18n import metric_label
from ..metrics import METRICS, Direction
from .condition import evaluate
from .store import Results, ResultsError

#: the percentile of regret options are ranked by, besides the maximum
REGRET_PERCENTILE = 90


def world_table(results: Results, metrics: list[str]) -> tuple[pd.DataFrame, int]:
    """One row per (world, option) of the worlds where every option has finished runs: world,
    the uncertainties, option, each metric's mean over replicates; and how many worlds were left
    out because some option has no finished run there yet."""
    options = results.options
    if not options:
        raise ResultsError(f"{results.path}: not a robustness study (its sweep file has no levers:)")
    s = results.summary
    means = s.groupby(["world", "option"], sort=False)[metrics].mean().reset_index()
    done = means.groupby("world")["option"].nunique()
    complete = done.index[done == len(options)]
    worlds = results.design.drop_duplicates("world")[["world", *results.parameters]]
    table = worlds.merge(means[means["world"].isin(complete)], on="world", how="inner")
    table["order"] = table["option"].map({o: i for i, o in enumerate(options)})
    table = table.sort_values(["world", "order"], kind="stable").drop(columns="order").reset_index(drop=True)
    return table, int(worlds["world"].nunique() - len(complete))


def with_option_columns(table: pd.DataFrame, options: list[str], metrics: list[str]) -> pd.DataFrame:
    """`table` with a column ``<option>_<metric>`` for every option and metric: that world's value
    under the option, so a condition can compare options in the same world."""
    wide = table.pivot(index="world", columns="option", values=metrics)
    columns = {}
    for o in options:
        for m in metrics:
            name = f"{o}_{m}"
            if name in table.columns:
                raise ResultsError(f"column {name!r} is both a result and option {o!r}'s {m}; rename the option")
            columns[name] = table["world"].map(wide[(m, o)])
    return pd.concat([table, pd.DataFrame(columns, index=table.index)], axis=1)


def directed(metrics: list[str]) -> list[str]:
    """The metrics with a better direction (regret needs one)."""
    return [m for m in metrics if m in METRICS and METRICS[m].direction != Direction.INFO]


def regret_table(table: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    """Long table: world, option, metric, value, best (the best option's value in that world), regret."""
    rows = []
    for m in directed(metrics):
        sign = float(METRICS[m].direction)  # +1: more is better
        t = table[["world", "option", m]].rename(columns={m: "value"})
        best = t.groupby("world")["value"].transform("max" if sign > 0 else "min")
        rows.append(t.assign(metric=m, best=best, regret=(best - t["value"]) * sign + 0.0))  # + 0.0: no −0
    if not rows:
        return pd.DataFrame(columns=["world", "option", "metric", "value", "best", "regret"])
    return pd.concat(rows, ignore_index=True)[["world", "option", "metric", "value", "best", "regret"]]


def regret_ranking(regret: pd.DataFrame, options: list[str]) -> pd.DataFrame:
    """Per metric and option: worlds, median value, maximum, 90th-percentile and mean regret, the
    share of worlds where the option is best (or tied for best), and its rank by maximum and by
    90th-percentile regret (1 = most robust; ties share the better rank)."""
    rows = []
    for (m, o), t in regret.groupby(["metric", "option"], sort=False):
        r = t["regret"].dropna().to_numpy(dtype=float)
        rows.append({"metric": m, "option": o, "worlds": len(r), "median_value": float(np.median(t["value"].dropna()))
                     if t["value"].notna().any() else np.nan,
                     "max_regret": float(r.max()) if len(r) else np.nan,
                     f"p{REGRET_PERCENTILE}_regret": float(np.percentile(r, REGRET_PERCENTILE)) if len(r) else np.nan,
                     "mean_regret": float(r.mean()) if len(r) else np.nan,
                     "best_share": float(np.mean(r == 0)) if len(r) else np.nan})
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out["rank_max"] = out.groupby("metric")["max_regret"].rank(method="min").astype("Int64")
    out[f"rank_p{REGRET_PERCENTILE}"] = out.groupby("metric")[f"p{REGRET_PERCENTILE}_regret"].rank(method="min").astype("Int64")
    out["order"] = out["option"].map({o: i for i, o in enumerate(options)})
    out["metric_order"] = out["metric"].map({m: i for i, m in enumerate(dict.fromkeys(regret["metric"]))})
    out = out.sort_values(["metric_order", "rank_max", f"rank_p{REGRET_PERCENTILE}", "order"], kind="stable")
    return out.drop(columns=["order", "metric_order"]).reset_index(drop=True)


def versus_reference(table: pd.DataFrame, metrics: list[str], options: list[str]) -> pd.DataFrame:
    """Each option against the reference option (the first) world by world: worlds compared, how
    many it is better, worse or equal in, the share better, and the median and 5–95 % range of the
    difference (option − reference)."""
    ref = options[0]
    rows = []
    for m in directed(metrics):
        sign = float(METRICS[m].direction)
        wide = table.pivot(index="world", columns="option", values=m)
        for o in options[1:]:
            d = (wide[o] - wide[ref]).dropna().to_numpy(dtype=float)
            better, worse = int((d * sign > 0).sum()), int((d * sign < 0).sum())
            rows.append({"metric": m, "option": o, "reference": ref, "worlds": len(d), "better": better, "worse": worse,
                         "equal": len(d) - better - worse, "share_better": better / len(d) if len(d) else np.nan,
                         "median_difference": float(np.median(d)) if len(d) else np.nan,
                         "difference_p05": float(np.percentile(d, 5)) if len(d) else np.nan,
                         "difference_p95": float(np.percentile(d, 95)) if len(d) else np.nan})
    return pd.DataFrame(rows)


def satisficing_table(table: pd.DataFrame, conditions: list[str], options: list[str]) -> pd.DataFrame:
    """Per condition and option: worlds, worlds where the condition holds, and their share."""
    rows = []
    for c in conditions:
        held = evaluate(c, table, what="--satisficing")
        for o in options:
            mine = table["option"] == o
            n = int(mine.sum())
            rows.append({"condition": c, "option": o, "worlds": n, "met": int(held[mine].sum()),
                         "share": float(held[mine].sum() / n) if n else np.nan})
    return pd.DataFrame(rows)


def distribution_figure(table: pd.DataFrame, metrics: list[str], options: list[str], path: Path,
                        lang: str = "en") -> None:
    """Each outcome's distribution across the sampled worlds, one box (with the worlds as dots) per option."""
    cols = min(3, len(metrics))
    rows = -(-len(metrics) // cols)
    fig = Figure(figsize=(max(4.2, 1.1 * len(options) + 1.5) * cols, 3.2 * rows), constrained_layout=True)
    FigureCanvasAgg(fig)
    jitter = np.random.default_rng(0)  # only the dots' horizontal spread; the same picture every time
    for k, m in enumerate(metrics):
        ax = fig.add_subplot(rows, cols, k + 1)
        data = [table.loc[table["option"] == o, m].dropna().to_numpy(dtype=float) for o in options]
        ax.boxplot(data, showfliers=False, widths=0.55)
        for i, d in enumerate(data):
            ax.scatter(i + 1 + jitter.uniform(-0.18, 0.18, len(d)), d, s=7, alpha=0.45, color=f"C{i % 10}", lw=0)
        ax.set_xticks(range(1, len(options) + 1), options, rotation=20, fontsize=8)
        ax.set_title(metric_label(m, lang), fontsize=9)
        ax.grid(alpha=0.3, axis="y")
    fig.suptitle(f"Outcomes of each option across {table['world'].nunique()} sampled worlds (mean over replicates)",
                 fontsize=11)
    fig.savefig(path, dpi=100)


def regret_figure(regret: pd.DataFrame, options: list[str], path: Path, lang: str = "en") -> None:
    """Each option's regret across the sampled worlds, one panel per outcome."""
    metrics = list(dict.fromkeys(regret["metric"]))
    cols = min(3, len(metrics))
    rows = -(-len(metrics) // cols)
    fig = Figure(figsize=(max(4.2, 1.1 * len(options) + 1.5) * cols, 3.2 * rows), constrained_layout=True)
    FigureCanvasAgg(fig)
    for k, m in enumerate(metrics):
        ax = fig.add_subplot(rows, cols, k + 1)
        t = regret[regret["metric"] == m]
        data = [t.loc[t["option"] == o, "regret"].dropna().to_numpy(dtype=float) for o in options]
        ax.boxplot(data, whis=(0, 100), widths=0.55)
        for i, d in enumerate(data):
            if len(d):
                ax.plot(i + 1, np.percentile(d, REGRET_PERCENTILE), "v", color="C3", ms=6)
        ax.set_xticks(range(1, len(options) + 1), options, rotation=20, fontsize=8)
        ax.set_title(f"{metric_label(m, lang)}: regret", fontsize=9)
        ax.grid(alpha=0.3, axis="y")
    fig.suptitle(f"Regret: distance to the best option in each world (whiskers: min–max; ▼ {REGRET_PERCENTILE}th percentile)",
                 fontsize=11)
    fig.savefig(path, dpi=100)
