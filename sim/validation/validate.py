"""`cogov validate-model`: run every target of the targets file with replicates and say, for
each, the simulated mean with its 95 % confidence interval and whether it lands in range.

A target passes when the mean over replicates lies inside its range (the interval is shown so a
reader can see how sure that is). Misses are reported as misses.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..experiments.stats import mean_ci
from ..experiments.engines import InlineEngine, LocalEngine, default_workers
from ..experiments.plan import Plan
from ..experiments.runner import collect
from .targets import Target, TargetsFile, load_targets

PASS, MISS, NO_DATA, NOT_COMPARED = "pass", "miss", "no data", "not compared"
TABLE_COLUMNS = ["id", "role", "pattern", "scenario", "comparison", "metric", "difference", "figure", "low", "high", "mean",
                 "ci_low", "ci_high", "n", "status", "source", "caveat"]


@dataclass
class ValidationResult:
    targets: TargetsFile
    table: pd.DataFrame  # one row per target
    runs: pd.DataFrame  # one row per (scenario, seed): every end-of-run figure (summary())
    settings: dict[str, Any] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {k: int((self.table["status"] == k).sum()) for k in (PASS, MISS, NO_DATA, NOT_COMPARED)}

    def dynamics(self) -> pd.DataFrame:
        """The capacity and stationarity checks, per scenario (`dynamics_table`)."""
        return dynamics_table(self.runs)


def dynamics_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Per scenario of the runs: the busiest handler's offered load ρ (mean [95 % CI] over the
    replicates; `capacity` says ok below 0.9, high from 0.9, unstable from 1), and the replicates
    whose backlog or headline period rates trend (`trending` of `tested`; sim.metrics.stationarity)."""
    from ..metrics.capacity import RHO_HIGH, RHO_UNSTABLE

    rows = []
    for name, g in runs.groupby("scenario", sort=False):
        mean, lo, hi, n = mean_ci(g["max_offered_load"].astype(float).dropna().to_numpy()) if "max_offered_load" in g else (math.nan,) * 3 + (0,)
        trend = g["trending_series"].astype(float) if "trending_series" in g else pd.Series(dtype=float)
        capacity = "" if not math.isfinite(mean) else ("unstable" if mean >= RHO_UNSTABLE else "high" if mean >= RHO_HIGH else "ok")
        rows.append({"scenario": scenario_label(name), "max_rho": mean, "max_rho_ci_low": lo, "max_rho_ci_high": hi, "n": n,
                     "capacity": capacity, "tested": int(trend.notna().sum()), "trending": int((trend > 0).sum())})
    return pd.DataFrame(rows, columns=["scenario", "max_rho", "max_rho_ci_low", "max_rho_ci_high", "n", "capacity", "tested", "trending"])


def scenario_label(name: str) -> str:
    return Path(name).stem


def comparison(t: Target) -> str:
    if t.role == "not_compared":
        return ""
    if t.reference:
        return f"{t.metric} ({scenario_label(t.scenario)} − {scenario_label(t.reference)})"
    if t.minus:
        return f"{t.metric} − {t.minus}"
    return t.metric


def target_values(t: Target, runs: pd.DataFrame) -> np.ndarray:
    """The target's figure in each replicate (paired by seed for a difference between scenarios)."""
    own = runs[runs["scenario"] == t.scenario].set_index("seed")
    values = own[t.metric].astype(float)
    if t.minus:
        values = values - own[t.minus].astype(float)
    if t.reference:
        ref = runs[runs["scenario"] == t.reference].set_index("seed")[t.metric].astype(float)
        values = (values - ref).dropna()
    return values.to_numpy()


def evaluate(targets: TargetsFile, runs: pd.DataFrame) -> pd.DataFrame:
    """The validation table from replicate runs."""
    rows = []
    for t in targets.targets:
        row = {"id": t.id, "role": t.role, "pattern": t.pattern, "figure": t.figure, "source": t.source,
               "caveat": t.reason if t.role == "not_compared" else t.caveat,
               "scenario": scenario_label(t.scenario) if t.scenario else "", "comparison": comparison(t),
               "metric": t.metric or "", "difference": bool(t.reference or t.minus),
               "low": math.nan, "high": math.nan, "mean": math.nan, "ci_low": math.nan, "ci_high": math.nan, "n": 0}
        if t.role == "not_compared":
            row["status"] = NOT_COMPARED
        else:
            mean, lo, hi, n = mean_ci(target_values(t, runs))
            row.update(low=t.range[0], high=t.range[1], mean=mean, ci_low=lo, ci_high=hi, n=n)
            row["status"] = NO_DATA if n == 0 else (PASS if t.range[0] <= mean <= t.range[1] else MISS)
        rows.append(row)
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def plan_for(targets: TargetsFile, replicates: int, days: int | None, overrides: dict | None = None, *,
             seed: int | None = None) -> Plan:
    """The runs the targets need: every scenario they name, `replicates` times, with common random
    numbers rooted at the targets file's seed (or `seed`), as a comparison plan of the experiments
    tooling. Arms are named by the targets' own scenario strings."""
    scenarios = {name: targets.scenario_path(name) for name in targets.scenarios()}
    return Plan.for_scenarios(scenarios, replicates=replicates, seed=targets.seed if seed is None else seed, days=days,
                              overrides=overrides, name="validation")


def run_plan_in_memory(plan: Plan, workers: int, progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """The plan's runs on the experiments' engine (local processes; this process for one worker),
    one row per run, the scenario (arm) as column ``scenario``."""
    engine = LocalEngine(workers) if workers > 1 else InlineEngine()
    try:
        rows = collect(plan, engine.start(), progress=progress)
    finally:
        engine.close()
    return rows.rename(columns={"arm": "scenario"})


def validate_model(targets: TargetsFile | str | Path | None = None, *, replicates: int | None = None,
                   days: int | None = None, workers: int | None = None, overrides: dict | None = None,
                   progress: Callable[[int, int], None] | None = None) -> ValidationResult:
    """Run every scenario the targets need `replicates` times and compare."""
    if not isinstance(targets, TargetsFile):
        targets = load_targets(targets)
    replicates = replicates or targets.replicates
    days = days or targets.days
    workers = workers or default_workers()
    runs = run_plan_in_memory(plan_for(targets, replicates, days, overrides), workers, progress)
    settings = {"targets_file": str(targets.path), "replicates": replicates, "days": days, "seed": targets.seed,
                "seed_rule": "numpy SeedSequence(seed, spawn_key=(replicate,)), the same for every scenario",
                "overrides": overrides or {}, "workers": workers}
    return ValidationResult(targets, evaluate(targets, runs), runs, settings)


def formatted(row: Any, lang: str = "en") -> tuple[str, str]:
    """(acceptable range, simulated mean [95 % CI]) of a validation-table row, formatted as its
    metric is (a difference of shares in percentage points)."""
    from ..metrics import METRICS
    from .report import fmt_ci

    metric, diff = row.get("metric") or "", bool(row.get("difference"))
    fmt = METRICS.format_difference if diff else METRICS.format
    return (f"{fmt(metric, row['low'], lang)} – {fmt(metric, row['high'], lang)}",
            fmt_ci(row["mean"], row["ci_low"], row["ci_high"], metric, lang, difference=diff))


def validation_markdown(result: ValidationResult) -> str:
    """The validation table as Markdown (for docs/validation.md)."""
    s = result.settings
    lines = [f"{s['replicates']} replicates per scenario, {'each scenario’s days' if not s['days'] else str(s['days']) + ' days'}, "
             f"seeds from {s['seed']} (`{s.get('command', 'cogov validate-model')}`).", "",
             "| target | role | scenario | metric | published figure | acceptable range | simulated mean [95 % CI] | result |",
             "|---|---|---|---|---|---|---|---|"]
    for _, r in result.table.iterrows():
        if r["status"] == NOT_COMPARED:
            lines.append(f"| `{r['id']}` | no counterpart | | | {r['figure']} | | | not compared |")
            continue
        acceptable, simulated = formatted(r)
        lines.append(f"| `{r['id']}` | {r['role']} | {r['scenario']} | {r['comparison']} | {r['figure']} | "
                     f"{acceptable} | {simulated} | **{r['status']}** |")
    c = result.counts()
    lines += ["", f"{c[PASS]} pass, {c[MISS]} miss, {c[NO_DATA]} without data, {c[NOT_COMPARED]} not compared.", ""]
    lines += ["Capacity and stationarity (docs/ODD.md, Capacity and Warm-up): the busiest handler's offered load ρ, and the",
              "replicates whose backlog or headline period rates trend (Mann–Kendall over 30-day periods; runs with a",
              "timeline or project are not tested).", "",
              "| scenario | busiest handler ρ [95 % CI] | capacity | replicates trending / tested |", "|---|---|---|---|"]
    for _, r in result.dynamics().iterrows():
        lines.append(f"| {r['scenario']} | {r['max_rho']:.2f} [{r['max_rho_ci_low']:.2f}, {r['max_rho_ci_high']:.2f}] | "
                     f"{r['capacity']} | {r['trending']} / {r['tested']} |")
    lines.append("")
    return "\n".join(lines)


def write_validation(result: ValidationResult, out: str | Path) -> Path:
    """Write validation.csv (the table), validation.md (the same as Markdown), validation.json
    (table, settings, counts) and runs.parquet (every replicate's figures) into `out`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    result.table.to_csv(out / "validation.csv", index=False)
    (out / "validation.md").write_text(validation_markdown(result), encoding="utf-8")
    result.runs.to_parquet(out / "runs.parquet", index=False)
    doc = {"kind": "cogov-validation", "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
           "settings": result.settings, "counts": result.counts(),
           "dynamics": json.loads(result.dynamics().to_json(orient="records")),
           "table": json.loads(result.table.to_json(orient="records"))}
    (out / "validation.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return out
