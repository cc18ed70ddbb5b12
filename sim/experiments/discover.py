"""Scenario discovery: under which sampled conditions does a condition on the results hold?

`cogov discover RESULTS --where CONDITION` (see `condition` for what a condition may say) marks the
cases of interest and runs PRIM (patient rule induction, Friedman & Fisher 1999) and CART over the
sampled inputs, with EMA Workbench's implementations (`ema_workbench.analysis.prim` and `cart`):

* A robustness study (levers and uncertainties): the cases are the sampled worlds and the inputs
  are the uncertainties. The condition is evaluated on each (world, option) row, where the columns
  are the world's uncertainties, ``option``, each outcome (mean over replicates) and, for every
  option, ``<option>_<outcome>``: that world's value under that option. A world is a case of
  interest when the condition holds for at least one of its rows, so
  ``option == 'party_led' and resolution_rate - baseline_resolution_rate < 0.02`` marks the worlds
  where party_led gains less than 2 points over the baseline.
* Any other sweep: the cases are the design points (mean over replicates) and the inputs its parameters.

PRIM peels the input space towards the cases of interest; its peeling trajectory trades coverage
(the share of all cases of interest inside the box) against density (the share of the box's cases
that are of interest). The chosen box is the one with the highest coverage among those with density
at least `threshold` (else the densest one). For each restricted input, EMA's quasi-p-values say how
likely such a restriction is by chance (a binomial test; small is significant).

Written to ``analysis/discover/`` (aside, then renamed into place): ``cases.csv``, ``peeling.csv``,
``peeling.png``, ``box.csv``, ``cart.txt``, ``cart.png``, ``cart_boxes.csv``, ``discover.json``.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import warnings
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
from .condition import ConditionError, evaluate, parse_condition
from .store import PROVENANCE, Results, ResultsError, replace_folder

#: default density a chosen PRIM box must reach
THRESHOLD = 0.8
#: default share of the cases PRIM peels at each step, and the smallest box (share of cases)
PEEL_ALPHA = 0.05
MASS_MIN = 0.05
IDS = ("point", "replicate", "seed", "world", "option")


class DiscoverError(ResultsError):
    """Scenario discovery cannot run as asked; the message is one line."""


@dataclass
class Discovery:
    folder: Path
    condition: str
    inputs: list[str]
    cases: pd.DataFrame  # one row per world (or design point): the inputs and of_interest
    trajectory: pd.DataFrame
    chosen: int
    box: pd.DataFrame  # the chosen box's restricted inputs: parameter, low, high, full_low, full_high, qp_lower, qp_upper
    cart_text: str
    cart_boxes: pd.DataFrame
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def stats(self) -> dict[str, float]:
        row = self.trajectory.iloc[self.chosen]
        return {k: float(row[k]) for k in ("coverage", "density", "mass")} | {"res_dim": int(row["res_dim"])}


def ema_analysis():
    """EMA Workbench's `prim` and `cart` modules, imported without a GUI backend or its warnings
    about optional parts (ipyparallel) this use does not need."""
    import matplotlib

    if "matplotlib.pyplot" not in sys.modules and not os.environ.get("MPLBACKEND"):
        matplotlib.use("Agg")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from ema_workbench.analysis import cart, prim
    except ImportError:
        raise DiscoverError("scenario discovery needs EMA Workbench: pip install 'cogov[robust]'") from None
    return prim, cart


def outcome_columns(results: Results) -> list[str]:
    """The summary's numeric end-of-run columns (no ids, inputs or provenance)."""
    s = results.summary
    skip = set(IDS) | set(results.parameters) | set(PROVENANCE)
    return [c for c in s.columns if c not in skip and pd.api.types.is_numeric_dtype(s[c])]


def case_table(results: Results) -> tuple[pd.DataFrame, list[str]]:
    """The rows a condition is evaluated on (see the module docstring) and the input columns."""
    from . import robust

    metrics = outcome_columns(results)
    if results.options:
        table, _ = robust.world_table(results, metrics)
        return robust.with_option_columns(table, results.options, metrics), list(results.parameters)
    params = list(results.parameters)
    means = results.summary.groupby("point")[metrics].mean().reset_index()
    return results.design[["point", *params]].merge(means, on="point", how="inner"), params


def cases_of_interest(results: Results, where: str) -> tuple[pd.DataFrame, list[str]]:
    """One row per world (or design point): its inputs and ``of_interest``."""
    table, inputs = case_table(results)
    if table.empty:
        raise DiscoverError(f"{results.path}: no finished runs to discover in yet")
    held = evaluate(where, table)
    key = "world" if results.options else "point"
    cases = table.groupby(key, sort=True)[inputs].first()
    cases["of_interest"] = held.groupby(table[key]).any()
    return cases.reset_index(), inputs


def run_prim(x: pd.DataFrame, y: np.ndarray, *, threshold: float = THRESHOLD, peel_alpha: float = PEEL_ALPHA,
             mass_min: float = MASS_MIN):
    """PRIM's box on `x` for the cases `y` (booleans): the trajectory, the chosen entry, the chosen
    box's restricted inputs (with their ranges and quasi-p-values) and the PrimBox."""
    prim, _ = ema_analysis()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # With a true/false y, every threshold in (0, 1] marks the true cases as the cases of
        # interest; the smallest also keeps the box whatever its final density (EMA returns a box
        # without its trajectory otherwise), so the whole trajectory is there to choose from.
        p = prim.Prim(x, np.asarray(y, dtype=bool), threshold=1e-9, peel_alpha=peel_alpha, mass_min=mass_min)
        box = p.find_box()
    trajectory = box.peeling_trajectory.reset_index(drop=True)
    trajectory = trajectory[["coverage", "density", "mean", "res_dim", "mass", "n", "k"]].copy()
    dense = trajectory.index[trajectory["density"] >= threshold - 1e-12]
    if len(dense):
        sub = trajectory.loc[dense]
        chosen = int(sub.sort_values(["coverage", "res_dim"], ascending=[False, True], kind="stable").index[0])
    else:
        chosen = int(trajectory["density"].idxmax())
    return trajectory, chosen, _box_rows(box, chosen, x), box


def _box_rows(box, i: int, x: pd.DataFrame) -> pd.DataFrame:
    lims, init = box.box_lims[i], box.prim.box_init
    qp = box.qp[i]
    rows = []
    for name in x.columns:
        lo, hi = lims.loc[0, name], lims.loc[1, name]
        full_lo, full_hi = init.loc[0, name], init.loc[1, name]
        if isinstance(lo, set):
            if lo == full_lo:
                continue
            lo_s, hi_s = ", ".join(sorted(map(str, lo))), ""
            full_s = ", ".join(sorted(map(str, full_lo)))
            rows.append({"parameter": name, "low": lo_s, "high": hi_s, "full_low": full_s, "full_high": ""} | _qp(qp, name))
            continue
        if lo == full_lo and hi == full_hi:
            continue
        rows.append({"parameter": name, "low": float(lo), "high": float(hi), "full_low": float(full_lo),
                     "full_high": float(full_hi)} | _qp(qp, name))
    out = pd.DataFrame(rows, columns=["parameter", "low", "high", "full_low", "full_high", "qp_lower", "qp_upper"])
    return out.sort_values(["qp_lower", "qp_upper"], key=lambda c: c.fillna(1.0), kind="stable").reset_index(drop=True) \
        if len(out) else out


def _qp(qp: dict, name: str) -> dict[str, float]:
    lo, hi = (qp.get(name) or [-1, -1])[:2]
    return {"qp_lower": np.nan if lo is None or lo < 0 else float(lo), "qp_upper": np.nan if hi is None or hi < 0 else float(hi)}


def run_cart(x: pd.DataFrame, y: np.ndarray, *, mass_min: float = MASS_MIN) -> tuple[str, pd.DataFrame, object, list[str]]:
    """EMA's CART on `x` for `y`: the tree as text, one row per leaf (coverage, density, mass,
    restricted inputs, its box as text), the fitted scikit-learn tree and its feature names. The tree is fitted as
    EMA's `CART.build_tree` does (min_samples_leaf = mass_min × cases), with a fixed random_state
    so that the same results give the same tree."""
    _, cart = ema_analysis()
    from sklearn.tree import DecisionTreeClassifier, export_text

    c = cart.CART(x, np.asarray(y, dtype=bool), mass_min=mass_min)
    c.clf = DecisionTreeClassifier(min_samples_leaf=max(1, int(mass_min * len(x))), random_state=0).fit(c._x, c.y)
    text = export_text(c.clf, feature_names=list(c.feature_names), show_weights=True)
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = _full_box(x)
        for box, stats in zip(c.boxes, c.stats):
            limits = [f"{n} {_span(box.loc[0, n], box.loc[1, n])}" for n in x.columns
                      if not _same(box.loc[0, n], full[n][0]) or not _same(box.loc[1, n], full[n][1])]
            rows.append({"coverage": float(stats["coverage"]), "density": float(stats["density"]),
                         "mass": float(stats["mass"]), "res_dim": int(stats["res dim"]), "box": "; ".join(limits) or "(all)"})
    table = pd.DataFrame(rows, columns=["coverage", "density", "mass", "res_dim", "box"])
    table = table.sort_values(["density", "coverage"], ascending=False, kind="stable").reset_index(drop=True)
    return text, table, c.clf, list(c.feature_names)


def _full_box(x: pd.DataFrame) -> dict:
    return {n: ((set(x[n]), set(x[n])) if not pd.api.types.is_numeric_dtype(x[n]) else (x[n].min(), x[n].max()))
            for n in x.columns}


def _same(a, b) -> bool:
    return a == b if isinstance(a, set) else bool(np.isclose(float(a), float(b)))


def _span(lo, hi) -> str:
    if isinstance(lo, set):
        return "in {" + ", ".join(sorted(map(str, lo))) + "}"
    return f"{float(lo):.4g} – {float(hi):.4g}"


def peeling_figure(trajectory: pd.DataFrame, chosen: int, threshold: float, path: Path, title: str) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 4.4), constrained_layout=True)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    dims = trajectory["res_dim"].astype(int)
    sc = ax.scatter(trajectory["coverage"], trajectory["density"], c=dims, cmap="viridis", s=22,
                    vmin=0, vmax=max(1, int(dims.max())))
    ax.plot(trajectory["coverage"], trajectory["density"], color="#999999", lw=0.7, zorder=0)
    row = trajectory.iloc[chosen]
    ax.scatter([row["coverage"]], [row["density"]], s=140, facecolors="none", edgecolors="C3", lw=1.8,
               label=f"chosen box {chosen}: coverage {row['coverage']:.0%}, density {row['density']:.0%}")
    ax.axhline(threshold, color="C3", lw=0.8, ls="--")
    ax.set_xlabel("coverage (share of the cases of interest inside the box)")
    ax.set_ylabel("density (share of the box that is of interest)")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    fig.colorbar(sc, ax=ax, label="restricted dimensions")
    ax.set_title(title, fontsize=9)
    fig.savefig(path, dpi=100)


def cart_figure(clf, feature_names: list[str], path: Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from sklearn.tree import plot_tree

    leaves = int(clf.get_n_leaves())
    fig = Figure(figsize=(max(6.0, 1.6 * leaves), max(3.5, 1.3 * (clf.get_depth() + 1))), constrained_layout=True)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    plot_tree(clf, feature_names=feature_names, class_names=["not of interest", "of interest"], filled=True,
              impurity=False, proportion=False, fontsize=7, ax=ax)
    fig.savefig(path, dpi=100)


def discover(path: str | Path, where: str, *, out: str | Path | None = None, threshold: float = THRESHOLD,
             peel_alpha: float = PEEL_ALPHA, mass_min: float = MASS_MIN) -> Discovery:
    """Run scenario discovery for `where` on the results folder at `path` (see the module docstring)."""
    results = Results(path)
    if results.summary.empty:
        raise DiscoverError(f"{results.path}: no finished runs to discover in yet")
    try:
        cases, inputs = cases_of_interest(results, where)
    except ConditionError as e:
        raise DiscoverError(str(e)) from None
    n, k = len(cases), int(cases["of_interest"].sum())
    unit = "sampled worlds" if results.options else "design points"
    if k == 0 or k == n:
        raise DiscoverError(f"--where: {where!r} holds in {'none' if k == 0 else 'all'} of the {n} {unit}; "
                            "there is nothing to tell apart")
    x = cases[inputs].copy()
    y = cases["of_interest"].to_numpy(dtype=bool)
    trajectory, chosen, box, _ = run_prim(x, y, threshold=threshold, peel_alpha=peel_alpha, mass_min=mass_min)
    cart_text, cart_boxes, clf, features = run_cart(x, y, mass_min=mass_min)

    target = Path(out) if out else results.path / "analysis" / "discover"
    d = Discovery(target, where, inputs, cases, trajectory, chosen, box, cart_text, cart_boxes)
    if trajectory.loc[chosen, "density"] < threshold:
        d.notes.append(f"no PRIM box reaches density {threshold:.0%}; the densest one is chosen")
    if trajectory.loc[chosen, "res_dim"] == 0:
        d.notes.append("the chosen box restricts nothing: the condition is as likely everywhere in the sampled space")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        cases.to_csv(tmp / "cases.csv", index=False, lineterminator="\n")
        trajectory.rename_axis("box").reset_index().to_csv(tmp / "peeling.csv", index=False, lineterminator="\n")
        peeling_figure(trajectory, chosen, threshold, tmp / "peeling.png",
                       f"PRIM peeling trajectory: {where}\n({k} of {n} {unit} of interest)")
        box.to_csv(tmp / "box.csv", index=False, lineterminator="\n")
        (tmp / "cart.txt").write_text(cart_text, encoding="utf-8")
        cart_figure(clf, features, tmp / "cart.png")
        cart_boxes.to_csv(tmp / "cart_boxes.csv", index=False, lineterminator="\n")
        summary = {"condition": where, "cases": unit, "n": n, "of_interest": k, "inputs": inputs,
                   "threshold": threshold, "peel_alpha": peel_alpha, "mass_min": mass_min, "chosen_box": chosen,
                   **d.stats, "ema_workbench": metadata.version("ema_workbench"), "notes": d.notes}
        (tmp / "discover.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        d.files = sorted(p.name for p in tmp.iterdir())
        replace_folder(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return d


__all__ = ["Discovery", "DiscoverError", "discover", "parse_condition", "run_cart", "run_prim"]
