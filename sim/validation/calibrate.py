"""`cogov calibrate`: fit the behavioural defaults to the targets with role `calibrate`.

The set-up (parameters, priors, budget, seed) is `validation/calibration.yaml`. The method:

1. **ABC rejection.** A Latin hypercube of `design_points` over the uniform priors; each point is
   run with `design_replicates` seeds of every scenario the targets need, and scored by the
   distance D = sqrt(mean z²), z = (simulated mean − figure) / (half the acceptable range), over
   the calibrated targets, plus a capacity penalty: a point whose runs load any handler to an
   offered load ρ ≥ 0.9 (the busiest handler's ρ, averaged over a scenario's replicates) pays
   CAPACITY_WEIGHT per 0.1 of ρ above 0.9, so the fit cannot be bought with a queue at the edge of
   instability (sim.metrics.capacity). The best `accept_share` of points are the approximate posterior.
2. **Finalists.** The best `finalists` points are rerun with `finalist_replicates` fresh seeds;
   the best is kept.
3. **Local refinement.** Nelder–Mead from the best finalist, in the prior box scaled to [0, 1],
   with common random numbers (`refine_replicates` fixed seeds for every point).

The result is written to `sim/scenario/calibrated.yaml` (the schema reads its defaults from it)
and a fit report to `docs/calibration.md`.
"""

from __future__ import annotations

import datetime as _dt
import math
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from scipy import optimize
from scipy.stats import qmc

from ..experiments.engines import InlineEngine, LocalEngine, default_workers
from ..experiments.plan import Plan, Point
from ..experiments.runner import collect
from ..experiments.seeds import derived_seed
from ..metrics.capacity import RHO_HIGH
from ..resources import shipped
from ..scenario.loader import ScenarioError, _Layer
from ..scenario.schema import CALIBRATED_FILE
from .targets import TargetsError, TargetsFile, load_targets
from .validate import evaluate, plan_for

MISSING_Z = 10.0  # z of a target with no data (e.g. no case reached a channel)
OUTSIDE_WEIGHT = 3.0  # weight of leaving a target's acceptable range, against the pull toward its figure
SHARE_CLIP = 1e-3  # shares are clipped to [0.001, 0.999] before the logit
Z_CAP, E_CAP = 2.5, 1.0  # each target's z and distance outside its range are capped: a target the model
# cannot reach then costs about as much as any other miss and does not drag the others out of range

CAPACITY_WEIGHT = 3.0  # distance added per 0.1 of offered load ρ above RHO_HIGH (as much as leaving a range entirely)

#: stage name, done, total
Progress = Callable[[str, int, int], None]


class Parameter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(description="dotted scenario key")
    name: str | None = Field(None, description="short name; default: the last part of the path")
    prior: tuple[float, float] = Field(description="uniform prior [low, high]")
    start: float = Field(description="hand-set value before calibration")
    shape: list[float] | None = Field(None, description="the parameter scales this list: value = factor × shape")
    why: str = Field("", description="what it stands for")

    @model_validator(mode="after")
    def _check(self) -> Parameter:
        lo, hi = self.prior
        if not lo < hi:
            raise ValueError(f"prior: expected [low, high] with low < high, found [{lo}, {hi}]")
        if not lo <= self.start <= hi:
            raise ValueError(f"start {self.start} is outside the prior [{lo}, {hi}]")
        return self

    @property
    def label(self) -> str:
        return self.name or self.path.rsplit(".", 1)[-1]

    def value(self, x: float) -> Any:
        """The scenario value for the parameter at `x` (natural units)."""
        if self.shape is not None:
            return [round(float(x) * s, 4) for s in self.shape]
        return round(float(x), 4)


class CalibrationConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    targets: str = "targets.yaml"
    seed: int = Field(7, ge=0)
    design_points: int = Field(256, ge=4, le=100000)
    design_replicates: int = Field(2, ge=1, le=100)
    accept_share: float = Field(0.1, gt=0, le=1)
    finalists: int = Field(8, ge=1, le=1000)
    finalist_replicates: int = Field(6, ge=1, le=100)
    refine_evaluations: int = Field(80, ge=0, le=100000)
    refine_replicates: int = Field(4, ge=1, le=100)
    days: int | None = Field(None, ge=1, le=3650, description="days per run; default: each scenario's")
    parameters: list[Parameter] = Field(min_length=1)
    path: Path | None = Field(None, exclude=True)

    @model_validator(mode="after")
    def _unique(self) -> CalibrationConfig:
        labels = [p.label for p in self.parameters]
        dup = sorted(n for n, k in Counter(labels).items() if k > 1)
        if dup:
            raise ValueError(f"parameter names must be unique (give 'name'), repeated: {dup}")
        return self

    def targets_file(self) -> TargetsFile:
        base = self.path.parent if self.path else Path.cwd()
        return load_targets(base / self.targets)

    def overrides(self, x: np.ndarray) -> dict[str, Any]:
        return {p.path: p.value(v) for p, v in zip(self.parameters, x)}

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        return (np.array([p.prior[0] for p in self.parameters]), np.array([p.prior[1] for p in self.parameters]))


def default_config_path() -> Path:
    """The shipped `validation/calibration.yaml`."""
    return shipped("validation") / "calibration.yaml"


def load_config(path: str | Path | None = None) -> CalibrationConfig:
    path = Path(path) if path is not None else default_config_path()
    try:
        layer = _Layer(path, what="calibration keys")
    except ScenarioError as e:
        raise TargetsError(*e.problems) from None
    if layer.problems:  # duplicate keys
        raise TargetsError(*layer.problems)
    try:
        config = CalibrationConfig.model_validate(layer.data)
    except ValidationError as e:
        err = e.errors()[0]
        raise TargetsError(f"{path}: {'.'.join(map(str, err['loc']))}: {err['msg']}") from None
    config.path = path
    return config


# --- evaluation --------------------------------------------------------------------------------------


@dataclass
class Evaluator:
    """Scores parameter points against the calibrated targets, running their replicates on the
    experiments' engine (`collect`): every point on every scenario the targets need, replicate i
    of every point and scenario on the same seed (common random numbers)."""

    config: CalibrationConfig
    targets: TargetsFile
    executor: Executor
    runs: int = 0  # model runs so far

    def plan(self, points: list[np.ndarray], seed: int, replicates: int) -> Plan:
        """The runs of `points`: a comparison plan with one point per (candidate, scenario)."""
        plan = plan_for(self.targets, replicates, self.config.days, seed=seed)
        arms = plan.arms
        plan.points = [Point(j * len(arms) + i, i, self.config.overrides(x), {"arm": arm.name, "candidate": j})
                       for j, x in enumerate(points) for i, arm in enumerate(arms)]
        return plan

    def score(self, points: list[np.ndarray], seed: int, replicates: int,
              progress: Callable[[int, int], None] | None = None) -> list[tuple[float, pd.DataFrame]]:
        """(distance, validation table) for each point."""
        plan = self.plan(points, seed, replicates)
        runs = collect(plan, self.executor, progress=progress).rename(columns={"arm": "scenario"})
        self.runs += len(runs)
        out = []
        for j in range(len(points)):
            mine = runs[runs["candidate"] == j]
            table = evaluate(self.targets, mine)
            out.append((distance(self.targets, table) + capacity_penalty(mine), table))
        return out


def on_logit_scale(t) -> bool:
    """A share (not a difference) is compared on the logit scale, where 0.1 % is far from 5 %."""
    return t.reference is None and t.minus is None and 0.0 <= t.range[0] and t.range[1] <= 1.0


def _scale(t, x: float) -> float:
    if on_logit_scale(t):
        x = min(max(x, SHARE_CLIP), 1 - SHARE_CLIP)
        return math.log(x / (1 - x))
    return x


def z_scores(targets: TargetsFile, table: pd.DataFrame) -> dict[str, float]:
    """z of every calibrated target: (mean − figure) / half the range, on the logit scale for
    shares (MISSING_Z without data)."""
    means = table.set_index("id")["mean"]
    out = {}
    for t in targets.calibrated():
        m = means[t.id]
        lo, hi = _scale(t, t.range[0]), _scale(t, t.range[1])
        z = MISSING_Z if not math.isfinite(m) else (_scale(t, m) - _scale(t, t.centre)) / ((hi - lo) / 2)
        out[t.id] = float(np.clip(z, -Z_CAP, Z_CAP))
    return out


def outside(t, mean: float) -> float:
    """How far a mean lies outside the target's range, in half-ranges (0 inside), on the same
    scale as z."""
    if not math.isfinite(mean):
        return E_CAP
    lo, hi, m = _scale(t, t.range[0]), _scale(t, t.range[1]), _scale(t, mean)
    return min(E_CAP, max(lo - m, m - hi, 0.0) / ((hi - lo) / 2))


def distance(targets: TargetsFile, table: pd.DataFrame) -> float:
    """sqrt(mean z²) plus OUTSIDE_WEIGHT × sqrt(mean e²), where e is how far each mean lies
    outside its range (in half-ranges): the figure pulls softly, the range hard, so one target
    is not given up for a closer fit of the others."""
    z = np.array(list(z_scores(targets, table).values()))
    means = table.set_index("id")["mean"]
    e = np.array([outside(t, means[t.id]) for t in targets.calibrated()])
    return float(np.sqrt(np.mean(z**2)) + OUTSIDE_WEIGHT * np.sqrt(np.mean(e**2)))


def capacity_penalty(runs: pd.DataFrame) -> float:
    """CAPACITY_WEIGHT per 0.1 by which the most loaded scenario's mean busiest-handler ρ
    (`max_offered_load`, over its replicates) exceeds RHO_HIGH; 0 below it."""
    if "max_offered_load" not in runs or runs.empty:
        return 0.0
    worst = runs.groupby("scenario")["max_offered_load"].mean().max()
    return CAPACITY_WEIGHT * max(0.0, float(worst) - RHO_HIGH) / 0.1 if math.isfinite(worst) else 0.0


# --- the calibration -----------------------------------------------------------------------------------


@dataclass
class CalibrationResult:
    config: CalibrationConfig
    design: pd.DataFrame  # one row per design point: parameters, distance, accepted
    finalists: pd.DataFrame
    refine_history: list[float]
    best: np.ndarray
    best_distance: float
    start_distance: float
    epsilon: float
    runs: int
    seconds: float
    workers: int
    settings: dict[str, Any] = field(default_factory=dict)

    def posterior(self) -> pd.DataFrame:
        """Per parameter: prior, start, ABC posterior median and 5-95 % range, calibrated value."""
        acc = self.design[self.design["accepted"]]
        rows = []
        for p, b in zip(self.config.parameters, self.best):
            v = acc[p.label]
            rows.append({"parameter": p.label, "path": p.path, "prior_low": p.prior[0], "prior_high": p.prior[1],
                         "start": p.start, "posterior_median": float(v.median()), "posterior_5": float(v.quantile(0.05)),
                         "posterior_95": float(v.quantile(0.95)), "calibrated": float(b), "why": p.why})
        return pd.DataFrame(rows)


def calibrate(config: CalibrationConfig | str | Path | None = None, *, workers: int | None = None,
              progress: Progress | None = None, scale: float = 1.0) -> CalibrationResult:
    """Run the three stages. `scale` shrinks the budget (design points, finalists, refinement
    evaluations) for a quick trial; 1 is the stated budget."""
    if not isinstance(config, CalibrationConfig):
        config = load_config(config)
    targets = config.targets_file()
    workers = workers or default_workers()
    started = time.perf_counter()
    lo, hi = config.bounds()
    d = len(config.parameters)
    n_design = max(4, int(round(config.design_points * scale)))
    n_final = max(1, int(round(config.finalists * scale)))
    n_refine = int(round(config.refine_evaluations * scale))
    # one seed root per stage (fresh seeds for the finalists; common ones within each stage)
    design_root, final_root, refine_root = (derived_seed(config.seed, k) for k in range(3))

    def stage(name: str):
        return (lambda done, total: progress(name, done, total)) if progress else None

    engine = LocalEngine(workers) if workers > 1 else InlineEngine()  # the experiments' engines
    try:
        ev = Evaluator(config, targets, engine.start())
        # 1. ABC rejection over a Latin hypercube
        unit = qmc.LatinHypercube(d=d, seed=config.seed).random(n_design)
        points = [lo + u * (hi - lo) for u in unit]
        scored = ev.score(points, design_root, config.design_replicates, stage("design"))
        design = pd.DataFrame(np.array(points), columns=[p.label for p in config.parameters])
        design["distance"] = [s for s, _ in scored]
        for t in targets.calibrated():  # each point's simulated mean of each calibrated target, for audit
            design[f"mean:{t.id}"] = [float(tab.set_index("id").loc[t.id, "mean"]) for _, tab in scored]
        n_accept = max(1, int(math.ceil(config.accept_share * n_design)))
        epsilon = float(np.sort(design["distance"].to_numpy())[n_accept - 1])
        design["accepted"] = design["distance"] <= epsilon
        # 2. finalists rerun with more seeds
        order = np.argsort(design["distance"].to_numpy(), kind="stable")[:n_final]
        final_points = [np.array(points[i]) for i in order]
        final_scored = ev.score(final_points, final_root, config.finalist_replicates, stage("finalists"))
        finalists = pd.DataFrame(np.array(final_points), columns=[p.label for p in config.parameters])
        finalists["design_distance"] = design["distance"].to_numpy()[order]
        finalists["distance"] = [s for s, _ in final_scored]
        best = final_points[int(np.argmin(finalists["distance"]))]
        # 3. Nelder-Mead in the unit box with common random numbers
        history: list[float] = []

        def f(u: np.ndarray) -> float:
            x = lo + np.clip(u, 0, 1) * (hi - lo)
            value = ev.score([x], refine_root, config.refine_replicates)[0][0]
            history.append(value)
            if progress:
                progress("refine", len(history), n_refine)
            return value

        u0 = (best - lo) / (hi - lo)
        if n_refine > 0:
            simplex = np.vstack([u0] + [np.clip(u0 + 0.08 * np.eye(d)[k] * (1 if u0[k] < 0.5 else -1), 0, 1) for k in range(d)])
            res = optimize.minimize(f, u0, method="Nelder-Mead", bounds=[(0, 1)] * d,
                                    options={"maxfev": n_refine, "initial_simplex": simplex, "xatol": 1e-3, "fatol": 1e-3})
            refined = lo + np.clip(res.x, 0, 1) * (hi - lo)
            start_value = history[0] if history else math.inf
            best = refined if res.fun <= start_value else best
        best_distance = ev.score([best], refine_root, config.refine_replicates)[0][0]
        start = np.array([p.start for p in config.parameters])
        start_distance = ev.score([start], refine_root, config.refine_replicates)[0][0]
        runs = ev.runs
    finally:
        engine.close()
    seeds = {stage: [derived_seed(root, r) for r in range(n)] for stage, root, n in (
        ("design_seeds", design_root, config.design_replicates), ("finalist_seeds", final_root, config.finalist_replicates),
        ("refine_seeds", refine_root, config.refine_replicates))}
    settings = {"design_points": n_design, "finalists": n_final, "refine_evaluations": n_refine, "scale": scale,
                "seed_rule": "numpy SeedSequence(SeedSequence(seed, spawn_key=(stage,)) drawn, spawn_key=(replicate,))",
                **seeds}
    return CalibrationResult(config, design, finalists, history, best, best_distance, start_distance, epsilon, runs,
                             time.perf_counter() - started, workers, settings)


# --- writing ---------------------------------------------------------------------------------------


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).resolve().parent)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def calibrated_yaml(result: CalibrationResult, command: str) -> str:
    """The text of sim/scenario/calibrated.yaml for a result."""
    params = {p.path: p.value(x) for p, x in zip(result.config.parameters, result.best)}
    meta = {
        "written_by": command,
        "date": _dt.date.today().isoformat(),
        "code_commit": _git_commit(),
        "distance": round(result.best_distance, 4),
        "distance_at_start": round(result.start_distance, 4),
        "model_runs": result.runs,
        "report": "docs/calibration.md",
    }
    header = ("# Calibrated defaults, written by `cogov calibrate --apply` (sim/validation/calibrate.py).\n"
              "# The schema (sim/scenario/schema.py) reads the default of each parameter below from this file;\n"
              "# do not edit by hand: change validation/calibration.yaml or validation/targets.yaml and rerun.\n"
              "# Fit and method: docs/calibration.md.\n")
    return header + yaml.safe_dump({"calibration": meta, "parameters": params}, sort_keys=False, allow_unicode=True)


def write_result(result: CalibrationResult, out: str | Path) -> Path:
    """The design, finalists and summary of a calibration into folder `out`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    result.design.to_csv(out / "design.csv", index=False)
    result.finalists.to_csv(out / "finalists.csv", index=False)
    result.posterior().to_csv(out / "parameters.csv", index=False)
    pd.DataFrame({"evaluation": np.arange(1, len(result.refine_history) + 1), "distance": result.refine_history}
                 ).to_csv(out / "refinement.csv", index=False)
    return out


def apply_result(result: CalibrationResult, command: str, path: Path = CALIBRATED_FILE) -> Path:
    path.write_text(calibrated_yaml(result, command), encoding="utf-8")
    return path


# --- the fit report --------------------------------------------------------------------------------


def _num(v: float, share: bool) -> str:
    if v is None or not math.isfinite(v):
        return "—"
    return f"{100 * v:.1f} %" if share else f"{v:.3g}"


def _is_share(lo: float, hi: float) -> bool:
    return -1.0 <= lo and hi <= 1.0


def fit_rows(before: pd.DataFrame, after: pd.DataFrame) -> list[str]:
    """Markdown rows: one per compared target, before and after calibration."""
    b = before.set_index("id")
    rows = []
    for _, r in after.iterrows():
        if r["role"] == "not_compared":
            continue
        share = _is_share(r["low"], r["high"])
        prev = b.loc[r["id"]]
        rows.append(f"| `{r['id']}` | {r['role']} | {r['scenario']} | {r['comparison']} | "
                    f"{_num(r['low'], share)} – {_num(r['high'], share)} | {_num(prev['mean'], share)} ({prev['status']}) | "
                    f"{_num(r['mean'], share)} [{_num(r['ci_low'], share)}, {_num(r['ci_high'], share)}] | **{r['status']}** |")
    return rows


def calibration_markdown(result: CalibrationResult, before, after, command: str) -> str:
    """docs/calibration.md: method, parameters (prior, start, posterior, calibrated), fit."""
    cfg = result.config
    post = result.posterior()
    n_acc = int(result.design["accepted"].sum())
    lines = [
        "# Calibration",
        "",
        "<!-- Written by `cogov calibrate --apply` (sim/validation/calibrate.py); rerun it rather than editing. -->",
        "",
        "The defaults of the parameters below are **calibrated**: the schema (`sim/scenario/schema.py`) reads them",
        "from `sim/scenario/calibrated.yaml`, which this command writes, so `cogov show` shows the calibrated values.",
        "The set-up (parameters, priors, budget, seeds) is `validation/calibration.yaml`; the targets, with their",
        "ranges, sources and caveats, are `validation/targets.yaml`. Discussion of the misses: `docs/validation.md`.",
        "",
        "## Command",
        "",
        "```sh",
        command,
        "```",
        "",
        f"Measured on the reference machine (2 cores, {result.workers} worker processes): **{result.seconds / 60:.1f} minutes**, "
        f"{result.runs:,} model runs of the shipped scenarios at full size ({', '.join(Path(s).stem for s in cfg.targets_file().scenarios())}; "
        f"{'each scenario’s own days' if cfg.days is None else f'{cfg.days} days'}).",
        "",
        "## Method",
        "",
        "Objective: the distance D = √(mean z²) + 3 √(mean e²) over the targets with role `calibrate`, where z = (simulated",
        "mean − published figure) ÷ (half the acceptable range), the figure being the middle of the range where the target",
        "has no single figure, and e is how far the mean lies outside the range, in the same units (0 inside). Shares",
        "(levels between 0 and 1, not differences) are compared on the logit scale (clipped at 0.1 % and 99.9 %), so that",
        "a participation rate of 0.1 % counts as far from a range starting at 5 %. The figure pulls softly and the range",
        "hard. Each target's z is capped at ±2.5 and its e at 1, so that a target the model cannot reach costs about as",
        "much as any other miss and does not drag the others out of their ranges (docs/validation.md tells how the first",
        "objectives, without these, were misled). Only behavioural",
        "patterns are calibrated against; the administrative 95 % mediation ceiling and the other `check` targets are",
        "not in the objective, so they are independent checks. A capacity constraint is added to D: "
        f"{CAPACITY_WEIGHT:g} per 0.1 by which",
        f"the busiest handler's offered load ρ (mean over a scenario's replicates; docs/ODD.md, Capacity) exceeds {RHO_HIGH:g},",
        "in the most loaded scenario, so that no fit is bought with a queue at the edge of instability.",
        "",
        f"1. **ABC rejection.** A Latin hypercube of {result.settings['design_points']} points over the uniform priors, each run with",
        f"   {cfg.design_replicates} seeds of every scenario; the best {cfg.accept_share:.0%} ({n_acc} points, tolerance ε = D ≤ {result.epsilon:.3f})",
        "   are the approximate posterior (table below: median and 5–95 % range).",
        f"2. **Finalists.** The best {result.settings['finalists']} points rerun with {cfg.finalist_replicates} fresh seeds; the best is kept.",
        f"3. **Refinement.** Nelder–Mead from there inside the prior box ({len(result.refine_history)} evaluations), with",
        f"   common random numbers ({cfg.refine_replicates} fixed seeds for every point).",
        "",
        f"Distance on the refinement seeds: **{result.start_distance:.3f} at the hand-set values → {result.best_distance:.3f} calibrated**.",
        "The calibration seeds differ from the validation seeds of `validation/targets.yaml`, so the fit below is",
        "measured on fresh runs.",
        "",
        "## Parameters",
        "",
        "| parameter | scenario key | prior | hand-set | ABC posterior median [5 %, 95 %] | calibrated | what it stands for |",
        "|---|---|---|---|---|---|---|",
    ]
    for _, r in post.iterrows():
        lines.append(f"| {r['parameter']} | `{r['path']}` | {r['prior_low']:g} – {r['prior_high']:g} | {r['start']:g} | "
                     f"{r['posterior_median']:.3g} [{r['posterior_5']:.3g}, {r['posterior_95']:.3g}] | **{r['calibrated']:.3g}** | {r['why']} |")
    shaped = [p for p in cfg.parameters if p.shape is not None]
    for p, x in zip(cfg.parameters, result.best):
        if p.shape is not None:
            lines += ["", f"`{p.path}` = {p.label} × {p.shape} = {p.value(x)}."]
    if not shaped:
        lines.append("")
    lines += [
        "",
        "## Fit",
        "",
        f"Every target of `validation/targets.yaml`, {after.settings['replicates']} replicates per scenario with the validation seeds, "
        "at the hand-set values and at the calibrated values (mean and 95 % confidence interval across replicates). "
        "A target passes when the mean lies in its range.",
        "",
        "| target | role | scenario | metric | range | hand-set | calibrated [95 % CI] | result |",
        "|---|---|---|---|---|---|---|---|",
        *fit_rows(before.table, after.table),
        "",
        f"Calibrated: {after.counts()['pass']} pass, {after.counts()['miss']} miss, {after.counts()['no data']} without data "
        f"(hand-set: {before.counts()['pass']} pass, {before.counts()['miss']} miss). "
        "Targets with no counterpart in the model are listed in `validation/targets.yaml` with the reason.",
        "",
    ]
    return "\n".join(lines)
