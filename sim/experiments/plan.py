"""What an experiment runs: arms (resolved base scenarios), design points (overrides on an arm),
replicates and their seeds, and what each run keeps.

A sweep has one arm and many points; a comparison has one point per arm and common random numbers.
Runs are named by (point, replicate); nothing about a run depends on where or when it executes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..metrics import METRICS
from ..metrics.periods import MONTH_DAYS
from ..scenario.timeline import entry_label
from ..model import resolve_scenario
from ..scenario import Scenario, ScenarioError, load_scenario
from .designs import DESIGNS, make_design
from .seeds import run_seed
from .sweepfile import Parameter, Sweep


@dataclass
class Arm:
    """A base scenario: its name, where it came from, the resolved scenario as a document."""

    name: str
    source: str
    document: dict


@dataclass
class Point:
    """A design point: an arm with overrides (path → value) and their result columns (name → value).
    In a robustness study, the sampled world it belongs to: its seeds are the world's."""

    index: int
    arm: int
    overrides: dict[str, Any]
    columns: dict[str, Any]
    world: int | None = None


@dataclass
class Plan:
    kind: str  # "sweep" or "compare"
    name: str
    description: str
    arms: list[Arm]
    parameters: list[Parameter]
    design: dict[str, Any]
    points: list[Point]
    replicates: int
    seed: int
    common_random_numbers: bool
    days: int | None  # None: each arm's own run.days
    metrics: list[str]
    series_every: int = 1
    #: comparisons: the days of the arms' timeline entries, each compared before and after (and
    #: `period_days`-long periods kept for each run, for interrupted-time-series plots)
    windows: list[int] = field(default_factory=list)
    window_labels: list[str] = field(default_factory=list)
    window_days: int = 90
    period_days: int | None = None
    unit: np.ndarray | None = None
    problem: dict | None = None
    source_path: str | None = None
    source_text: str | None = None
    #: a robustness study's policy options (name → settings), each run on every world
    levers: dict[str, dict[str, Any]] = field(default_factory=dict)
    _hash: str | None = field(default=None, repr=False)

    # --- building ---------------------------------------------------------------------------
    @classmethod
    def from_sweep(cls, sweep: Sweep) -> Plan:
        spec = sweep.spec
        design_seed = spec.design.seed if spec.design.seed is not None else spec.seed
        design = make_design(sweep.parameters, spec.design, design_seed)
        unit = design.unit
        if sweep.options:  # world by world, every option of a world in turn (a world's options finish together)
            k = len(sweep.options)
            points = [Point(w * k + j, 0, {**settings, **values},
                            {"option": option, "world": w, **{p.name: p.label(values[p.path]) for p in sweep.parameters}},
                            world=w)
                      for w, values in enumerate(design.values) for j, (option, settings) in enumerate(sweep.options.items())]
            unit = None if unit is None else np.repeat(unit, k, axis=0)
        else:
            points = [Point(i, 0, values, {p.name: p.label(values[p.path]) for p in sweep.parameters})
                      for i, values in enumerate(design.values)]
        arm = Arm(sweep.base.name, str(sweep.base_path), sweep.base.model_dump(mode="json", by_alias=True))
        for p in sweep.parameters:  # a column of mixed or non-scalar choices is stored as text
            if _arrow_type(p.kind, [pt.columns[p.name] for pt in points]) == pa.string():
                for pt in points:
                    v = pt.columns[p.name]
                    pt.columns[p.name] = v if isinstance(v, str) else json.dumps(v)
        return cls(
            kind="sweep", name=sweep.name, description=spec.description, arms=[arm], parameters=sweep.parameters,
            design={**spec.design.model_dump(), "seed": design_seed}, points=points, replicates=spec.replicates,
            seed=spec.seed, common_random_numbers=spec.common_random_numbers, days=sweep.days,
            metrics=list(spec.metrics), series_every=spec.series_every, unit=unit, problem=design.problem,
            source_path=str(sweep.path), source_text=sweep.text, levers=dict(sweep.options),
        )

    @classmethod
    def for_compare(cls, files: list[str | Path], *, replicates: int, seed: int, days: int | None = None,
                    metrics: list[str] | None = None, name: str | None = None) -> Plan:
        """One arm per scenario file, one point per arm, replicate i of every arm on the same seed."""
        scenarios = [load_scenario(f) for f in files]
        if days is None:
            all_days = sorted({s.run.days for s in scenarios})
            if len(all_days) > 1:
                raise ScenarioError(f"the scenarios run for different numbers of days ({', '.join(map(str, all_days))}); "
                                    "give --days so the arms are comparable")
            days = all_days[0]
        for f, s in zip(files, scenarios):
            if s.run.days != days:  # every arm runs this long: its timeline must fit
                try:
                    resolve_scenario(s, {"run.days": days})
                except ScenarioError as e:
                    raise ScenarioError(f"{f}: {days} days do not fit this scenario: {e.problems[0].removeprefix('<scenario>: ')}") from None
        names: list[str] = []
        for s in scenarios:
            n, k = s.name, 2
            while n in names:
                n, k = f"{s.name}_{k}", k + 1
            names.append(n)
        arms = [Arm(n, str(f), s.model_dump(mode="json", by_alias=True)) for n, f, s in zip(names, files, scenarios)]
        points = [Point(i, i, {}, {"arm": n}) for i, n in enumerate(names)]
        windows = sorted({e.day for s in scenarios for e in s.timeline if e.day < days})
        labels = ["; ".join(dict.fromkeys(entry_label(e) for s in scenarios for e in s.timeline if e.day == d)) for d in windows]
        return cls(
            kind="compare", name=name or "_vs_".join(names), description=f"paired comparison of {', '.join(names)}",
            arms=arms, parameters=[], design={"kind": "compare"}, points=points, replicates=replicates, seed=seed,
            common_random_numbers=True, days=days, metrics=list(metrics or METRICS.headline()),
            windows=windows, window_labels=labels, window_days=scenarios[0].run.window_days, period_days=MONTH_DAYS,
        )

    @classmethod
    def for_scenarios(cls, scenarios: dict[str, Any], *, replicates: int, seed: int, days: int | None = None,
                      overrides: dict[str, Any] | None = None, name: str = "scenarios") -> Plan:
        """One arm per scenario (name → path, Scenario or document), each with the same `overrides`,
        replicate i of every arm on the same seed; no daily series kept. What validation and
        calibration run: `days` None keeps each scenario's own run.days."""
        arms = []
        for arm_name, scenario in scenarios.items():
            sc = scenario if isinstance(scenario, Scenario) else (
                load_scenario(scenario) if isinstance(scenario, (str, Path)) else resolve_scenario(scenario))
            arms.append(Arm(arm_name, str(scenario) if isinstance(scenario, (str, Path)) else arm_name,
                            sc.model_dump(mode="json", by_alias=True)))
        points = [Point(i, i, dict(overrides or {}), {"arm": a.name}) for i, a in enumerate(arms)]
        return cls(kind="compare", name=name, description=f"{', '.join(scenarios)}", arms=arms, parameters=[],
                   design={"kind": "compare"}, points=points, replicates=replicates, seed=seed,
                   common_random_numbers=True, days=days, metrics=[])

    # --- runs ---------------------------------------------------------------------------------
    @property
    def n_runs(self) -> int:
        return len(self.points) * self.replicates

    def seed_for(self, point: int, replicate: int) -> int:
        """The run's seed; every option of a robustness study's world has the world's seeds."""
        world = self.points[point].world
        return run_seed(self.seed, point if world is None else world, replicate, common=self.common_random_numbers)

    def runs(self) -> Iterator[tuple[int, int]]:
        """Every (point, replicate), point by point."""
        for p in range(len(self.points)):
            for r in range(self.replicates):
                yield p, r

    def task(self, point: int, replicate: int, *, attempt: int = 1, fault: str | None = None) -> dict[str, Any]:
        """Everything a worker needs for one run (plain data, picklable)."""
        pt = self.points[point]
        return {"point": point, "replicate": replicate, "seed": self.seed_for(point, replicate), "days": self.days,
                "scenario": self.arms[pt.arm].document, "overrides": pt.overrides, "metrics": self.metrics,
                "series_every": self.series_every, "windows": self.windows, "window_days": self.window_days,
                "period_days": self.period_days, "attempt": attempt, "fault": fault}

    # --- identity and tables --------------------------------------------------------------------
    def identity(self) -> dict[str, Any]:
        """What makes two plans the same experiment (everything but the number of replicates, names
        and comments): a results folder may be resumed, or given more replicates, only under it."""
        identity = {
            "kind": self.kind, "arms": [a.document for a in self.arms], "design": self.design,
            "points": [[p.arm, p.overrides] for p in self.points], "seed": self.seed,
            "common_random_numbers": self.common_random_numbers, "days": self.days, "metrics": self.metrics,
            "series_every": self.series_every, "windows": self.windows, "window_days": self.window_days,
            "period_days": self.period_days,
        }
        if self.levers:  # only then: the plans of other sweeps hash as before
            identity["levers"] = self.levers
        return identity

    def identity_hash(self) -> str:
        if self._hash is None:
            text = json.dumps(self.identity(), sort_keys=True, default=str, separators=(",", ":"))
            self._hash = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return self._hash

    def column_types(self) -> dict[str, pa.DataType]:
        """Arrow types of the design columns (parameters, or the arm)."""
        if self.kind == "compare":
            return {"arm": pa.string()}
        out: dict[str, pa.DataType] = {"option": pa.string(), "world": pa.int64()} if self.levers else {}
        for p in self.parameters:
            labels = [pt.columns[p.name] for pt in self.points] or [p.label(v) for v in (p.values or [])]
            out[p.name] = _arrow_type(p.kind, labels)
        return out

    def design_frame(self) -> pd.DataFrame:
        """One row per design point: `point`, the design columns, and `u.<name>` unit coordinates of
        a sampled design."""
        types = self.column_types()
        data: dict[str, Any] = {"point": pa.array([p.index for p in self.points], pa.int64())}
        for name, t in types.items():
            data[name] = pa.array([p.columns[name] for p in self.points], t)
        if self.unit is not None:
            for j, p in enumerate(self.parameters):
                data[f"u.{p.name}"] = pa.array(self.unit[:, j], pa.float64())
        return pa.table(data).to_pandas()

    def runs_frame(self) -> pd.DataFrame:
        """Every planned run: point, replicate, seed."""
        rows = list(self.runs())
        return pd.DataFrame({
            "point": np.array([p for p, _ in rows], dtype=np.int64),
            "replicate": np.array([r for _, r in rows], dtype=np.int64),
            "seed": np.array([self.seed_for(p, r) for p, r in rows], dtype=np.int64),
        })

    def describe_design(self) -> str:
        if self.kind == "compare":
            return f"{len(self.arms)} arms, common random numbers"
        return DESIGNS[self.design["kind"]].describe(self.design)

    def manifest(self) -> dict[str, Any]:
        """The plan as recorded in the results folder's manifest.json."""
        return {
            "kind": self.kind, "name": self.name, "description": self.description,
            "arms": [{"name": a.name, "source": a.source, "file": f"scenarios/{_safe(a.name)}.yaml"} for a in self.arms],
            "parameters": [p.to_json() for p in self.parameters], "design": self.design,
            "points": len(self.points), "replicates": self.replicates, "runs": self.n_runs, "seed": self.seed,
            "seed_rule": ("numpy SeedSequence(seed, spawn_key=(replicate,))" if self.common_random_numbers
                          else "numpy SeedSequence(seed, spawn_key=(world, replicate)), the same for every option of a world"
                          if self.levers else "numpy SeedSequence(seed, spawn_key=(point, replicate))"),
            "common_random_numbers": self.common_random_numbers, "days": self.days, "metrics": self.metrics,
            "series_every": self.series_every, "windows": self.windows, "window_labels": self.window_labels,
            "window_days": self.window_days, "period_days": self.period_days, "problem": self.problem, "plan_hash": self.identity_hash(),
            "sweep_file": self.source_path, "sweep_text": self.source_text,
            **({"options": list(self.levers), "levers": self.levers} if self.levers else {}),
        }


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "arm"


def _arrow_type(kind: str, labels: list[Any]) -> pa.DataType:
    if kind == "int":
        return pa.int64()
    if kind == "float":
        return pa.float64()
    if kind == "bool":
        return pa.bool_()
    if labels and all(isinstance(v, bool) for v in labels):
        return pa.bool_()
    if labels and all(isinstance(v, int) and not isinstance(v, bool) for v in labels):
        return pa.int64()
    if labels and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in labels):
        return pa.float64()
    return pa.string()

