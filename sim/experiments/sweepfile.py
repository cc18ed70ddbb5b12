"""Sweep files: which base scenario, which settings to vary, how to sample them, how many replicates.

A sweep file is YAML, read with the scenario loader's machinery (safe loading, a line index, one-line
errors ``file:line: key: message``) and validated against the schema below (``extra="forbid"``)::

    name: joint_meetings
    base: ../baseline.yaml                 # a scenario file, relative to this file, or a shipped scenario's name
    overrides:                             # settings fixed for every run (dotted paths)
      policies.joint_meetings.enabled: true
    parameters:                            # settings to vary, by dotted path into the scenario
      policies.joint_meetings.interval_days: [7, 14, 30, 60, 90]          # values
      policies.joint_meetings.cases_per_meeting: {low: 3, high: 12, levels: 4}
    design: grid                           # grid | lhs | sobol | morris (or a mapping, see DesignSpec)
    replicates: 10
    seed: 2024
    metrics: [resolution_rate, participation_rate]   # daily metrics to record and keep (sim.metrics registry)

A robustness study splits what it varies, as EMA Workbench does, into ``uncertainties:`` (facts
about the world, same shape as ``parameters:``, sampled by the design) and ``levers:`` (the policy
options: name → settings by dotted path; ``{}`` is the base scenario as it is). Every option is run
on every sampled world, and every option of a world gets the same seeds (the seed of replicate r
of world w is ``derived_seed(seed, w, r)``), so options are compared on identical worlds::

    uncertainties:
      behaviour.participation.cost: {low: 0.04, high: 0.37}
    levers:
      baseline: {}
      party_led: {policies.joint_meetings.enabled: true, policies.red_cells.enabled: true}
    design: {kind: lhs, samples: 40}

More options may be drawn from ranges of lever settings, as EMA samples policies:
``lever_ranges:`` (written like ``parameters:``) and ``lever_samples: N`` add options ``lever_1`` ..
``lever_N`` from a Latin hypercube seeded by the sweep seed (`LEVER_SEED_KEY`).

Every parameter path must name a setting of the base scenario; it is checked by walking the resolved
base scenario and by applying its extreme (or every listed) value through `resolve_scenario`, so a
value the scenario schema would refuse is refused here, before any run.
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator, model_validator

from ..hints import did_you_mean
from ..metrics import METRICS
from ..model import resolve_scenario
from ..resources import scenario_file
from ..scenario import Scenario, ScenarioError, load_scenario
from ..scenario.loader import _field_at, _formatted, _Layer, _origin
from ..scenario.schema import Policies
from .designs import DESIGNS
from .seeds import derived_seed



class SweepError(ScenarioError):
    """A sweep file is unreadable or invalid; the message is one line, ``file:line: key: message``."""


class _Strict(BaseModel):
    """Unknown keys are errors and values are not coerced, as in scenario files."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class ParamSpec(_Strict):
    """One varied setting: a list of `values`, or a range `low`..`high` (with `levels` for a grid)."""

    values: list[Any] | None = Field(None, description="the values to use (grid levels, or choices sampled uniformly)")
    low: float | None = Field(None, description="lower end of the range (inclusive)")
    high: float | None = Field(None, description="upper end of the range (inclusive)")
    levels: int | None = Field(None, ge=2, le=1000, description="grid designs: evenly spaced levels from low to high")
    scale: Literal["linear", "log"] = Field("linear", description="spacing of levels and samples over the range")
    name: str | None = Field(None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
                             description="column name in the results (default: the path's last key)")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"values": data} if isinstance(data, list) else data

    @model_validator(mode="after")
    def _one_form(self) -> ParamSpec:
        ranged = self.low is not None or self.high is not None
        if self.values is not None and ranged:
            raise ValueError("give either values or low and high, not both")
        if self.values is None and not ranged:
            raise ValueError("give values: [...] or low: and high:")
        if self.values is not None:
            if not self.values:
                raise ValueError("empty list of values: give at least one")
            seen = [json.dumps(v, sort_keys=True) for v in self.values]
            dup = sorted(s for s, n in Counter(seen).items() if n > 1)
            if dup:
                raise ValueError(f"values repeat: {', '.join(dup)}")
            if self.levels is not None:
                raise ValueError("levels goes with low and high; with values, the values are the levels")
            if self.scale != "linear":
                raise ValueError("scale goes with low and high")
            return self
        if self.low is None or self.high is None:
            raise ValueError("a range needs both low and high")
        if not self.low < self.high:
            raise ValueError(f"empty range: low must be below high, found low {self.low!r} and high {self.high!r}")
        if self.scale == "log" and self.low <= 0:
            raise ValueError(f"a log scale needs low > 0, found {self.low!r}")
        return self


class DesignSpec(_Strict):
    """How design points are chosen. `samples` is the number of points for lhs, the base sample
    N for sobol (N·(d+2) points, N·(2d+2) with second-order indices; a power of 2) and the number
    of trajectories for morris ((d+1) points each)."""

    kind: str = Field(description=f"the design: {' | '.join(DESIGNS)} (sim.experiments.designs)")
    samples: int | None = Field(None, ge=1, le=1_000_000, description="lhs points; sobol base samples N; morris trajectories")
    levels: int = Field(4, ge=2, le=100, description="morris: levels of the grid trajectories move on")
    second_order: bool = Field(False, description="sobol: also sample for second-order indices")
    seed: int | None = Field(None, ge=0, description="seed of the sampling (default: the sweep seed)")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"kind": data} if isinstance(data, str) else data

    @field_validator("kind")
    @classmethod
    def _known(cls, kind: str) -> str:
        if kind not in DESIGNS:
            names = [repr(k) for k in DESIGNS]
            raise ValueError(f"expected one of {', '.join(names[:-1])} or {names[-1]}, found {kind!r}")
        return kind


#: the name of a policy option (a results column value and part of column names such as
#: ``baseline_resolution_rate``)
OptionName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


class SweepSpec(_Strict):
    """A sweep file, as written."""

    name: str | None = Field(None, pattern=r"^[\w.-]+$", description="names the results folder (default: the file name)")
    description: str = Field("", description="what the sweep is for")
    base: str = Field(description="base scenario file, relative to the sweep file, or a shipped scenario's name")
    overrides: dict[str, Any] = Field(default_factory=dict, description="settings fixed for every run, by dotted path")
    parameters: dict[str, ParamSpec] = Field(default_factory=dict, description="settings to vary, by dotted path")
    uncertainties: dict[str, ParamSpec] = Field(
        default_factory=dict, description="with levers: facts about the world to sample, by dotted path (as parameters)")
    levers: dict[OptionName, dict[str, Any]] = Field(
        default_factory=dict, description="policy options, each run on every sampled world: name → settings by dotted path")
    lever_ranges: dict[str, ParamSpec] = Field(
        default_factory=dict, description="more options, drawn from ranges of lever settings (as parameters), with lever_samples")
    lever_samples: int | None = Field(
        None, ge=1, le=10_000, description="how many options lever_1, lever_2, ... to draw from lever_ranges (Latin hypercube)")
    design: DesignSpec = Field(default_factory=lambda: DesignSpec(kind="grid"), description="how points are chosen")
    replicates: int = Field(10, ge=1, le=100_000, description="runs per design point, each with its own seed")
    seed: int = Field(1, ge=0, description="the sweep seed every run seed derives from")
    days: int | None = Field(None, ge=1, le=3650, description="days per run (default: the base scenario's run.days)")
    metrics: list[str] = Field(default_factory=lambda: METRICS.headline(), description="daily metrics to record and keep")
    series_every: int = Field(1, ge=1, le=3650, description="keep every n-th day of the series (and the last)")
    common_random_numbers: bool = Field(False, description="replicate i of every point uses the same seed")


# --------------------------------------------------------------------------------------------


@dataclass
class Parameter:
    """A varied setting, resolved against the scenario schema.

    kind: ``int``, ``float``, ``bool`` or ``choice`` (any other setting: strings, lists).
    """

    name: str
    path: str
    kind: str
    values: list[Any] | None = None
    low: float | None = None
    high: float | None = None
    levels: int | None = None
    scale: str = "linear"

    def grid_levels(self) -> list[Any]:
        """The values a grid design uses."""
        if self.values is not None:
            return list(self.values)
        assert self.levels is not None and self.low is not None and self.high is not None
        space = np.geomspace if self.scale == "log" else np.linspace
        raw = space(self.low, self.high, self.levels)
        if self.kind == "int":
            return [int(v) for v in dict.fromkeys(int(round(x)) for x in raw)]
        return [float(x) for x in raw]

    def from_unit(self, u: np.ndarray) -> list[Any]:
        """Values for points of the unit interval [0, 1]: a range is mapped linearly (or on a log
        scale), integers uniformly over low..high, listed values uniformly over the list."""
        u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        if self.values is not None:
            k = len(self.values)
            return [self.values[i] for i in np.minimum((u * k).astype(int), k - 1)]
        lo, hi = float(self.low), float(self.high)
        if self.kind == "int":
            if self.scale == "log":
                x = np.exp(np.log(lo) + u * (np.log(hi + 1) - np.log(lo)))
                return [int(v) for v in np.clip(np.floor(x), lo, hi)]
            return [int(v) for v in np.clip(np.floor(lo + u * (hi - lo + 1)), lo, hi)]
        if self.scale == "log":
            return [float(v) for v in np.exp(np.log(lo) + u * (np.log(hi) - np.log(lo)))]
        return [float(v) for v in lo + u * (hi - lo)]

    def label(self, value: Any) -> Any:
        """The value as stored in a results column (a list or mapping as JSON text)."""
        if self.kind == "choice" and not isinstance(value, (str, int, float, bool)):
            return json.dumps(value, sort_keys=True)
        return value

    def describe(self) -> str:
        if self.values is not None:
            return ", ".join(json.dumps(v) for v in self.values)
        rng = f"{self.low:g} .. {self.high:g}"
        extra = [f"{self.levels} levels"] if self.levels else []
        extra += ["log scale"] if self.scale == "log" else []
        return rng + (f" ({', '.join(extra)})" if extra else "")

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "path": self.path, "kind": self.kind, "values": self.values, "low": self.low,
                "high": self.high, "levels": self.levels, "scale": self.scale}


@dataclass
class Sweep:
    """A validated sweep file with its base scenario resolved."""

    spec: SweepSpec
    path: Path
    text: str
    name: str
    base_path: Path
    base: Scenario
    parameters: list[Parameter] = field(default_factory=list)
    #: the policy options of a robustness study (name → settings by dotted path); empty otherwise
    options: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def days(self) -> int:
        return self.spec.days if self.spec.days is not None else self.base.run.days


# --------------------------------------------------------------------------------------------


class _File:
    """A sweep file's layer: where each key is, and one-line errors pointing there."""

    def __init__(self, layer: _Layer):
        self.layer = layer

    def line(self, *locs: tuple) -> str:
        for loc in locs:
            if loc in self.layer.lines:
                return f"{self.layer.path}:{self.layer.lines[loc]}"
        path, line = _origin([self.layer], locs[0])
        return f"{path}:{line}" if line else str(path)

    def fail(self, loc: tuple, message: str, *alternatives: tuple) -> SweepError:
        key = ".".join(str(p) for p in loc) or "(top level)"
        return SweepError(f"{self.line(loc, *alternatives)}: {key}: {message}")


def load_sweep(path: str | Path, *, replicates: int | None = None, days: int | None = None) -> Sweep:
    """Read and check a sweep file; raise SweepError (one line) on the first problem.

    `replicates` and `days` replace the file's values (the command line's --replicates, --days).
    The base scenario's own errors are reported as the scenario loader reports them.
    """
    path = Path(path)
    layer = _Layer(path, what="sweep keys")
    if layer.problems:  # duplicate keys
        raise SweepError(*layer.problems)
    f = _File(layer)
    data = dict(layer.data)
    if replicates is not None:
        data["replicates"] = replicates
    if days is not None:
        data["days"] = days
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as e:
        raise SweepError(*_formatted(e.errors(), [layer], root=SweepSpec).problems) from None

    base_path = Path(os.path.normpath(scenario_file(spec.base, beside=path.parent) or path.parent / spec.base))
    try:
        base = load_scenario(base_path)
    except ScenarioError as e:
        if e.problems[0].startswith(f"{base_path}: "):  # the file itself, not a line of it
            raise f.fail(("base",), e.problems[0].removeprefix(f"{base_path}: ") + f": {spec.base}") from None
        raise
    base_doc = base.model_dump(mode="json", by_alias=True)

    section = _varied_section(spec, f)
    varied = getattr(spec, section)
    _check_design(spec, varied, section, f)
    daily = [m.name for m in METRICS.daily()]
    for i, m in enumerate(spec.metrics):
        if m not in daily:
            hint = did_you_mean(m, daily, otherwise=f"; known: {', '.join(daily)}")
            raise f.fail(("metrics", i), f"unknown metric '{m}'{hint}")

    for key in spec.overrides:
        _check_path(key, base_doc, f, ("overrides", key))
    try:
        fixed = resolve_scenario(base, spec.overrides) if spec.overrides else base
    except ScenarioError as e:
        bad = next((k for k in spec.overrides if f"{k}:" in str(e)), next(iter(spec.overrides)))
        raise f.fail(("overrides", bad), _reason(e, bad)) from None
    if spec.days is not None and spec.days != fixed.run.days:  # every point runs this long: its timeline must fit
        try:
            resolve_scenario(fixed, {"run.days": spec.days})
        except ScenarioError as e:
            raise f.fail(("days",), f"{spec.days} days do not fit the base scenario: {e.problems[0].removeprefix('<scenario>: ')}") from None

    parameters: list[Parameter] = []
    for key, p in varied.items():
        loc = (section, key)
        if key in spec.overrides:
            raise f.fail(loc, "also set in overrides; a setting is either fixed or varied")
        value = _check_path(key, base_doc, f, loc)
        parameters.append(_resolve_parameter(key, p, value, spec.design.kind, f, loc))
    _name_columns(parameters, varied, section, f)
    for prm in parameters:
        _try_values(prm, fixed, section, f)
    _check_levers(spec, base_doc, fixed, f)
    options = {k: dict(v) for k, v in spec.levers.items()} | _sampled_options(spec, base_doc, fixed, f)
    _check_levers_on(spec, section, fixed, f)

    name = spec.name or path.stem
    return Sweep(spec=spec, path=path, text=layer.text, name=name, base_path=base_path,
                 base=fixed, parameters=parameters, options=options)


def _varied_section(spec: SweepSpec, f: _File) -> str:
    """``parameters``, or ``uncertainties`` in a robustness study (one with levers)."""
    if (spec.lever_samples is None) != (not spec.lever_ranges):
        raise f.fail(("lever_ranges",) if spec.lever_ranges else ("lever_samples",),
                     "lever_ranges and lever_samples go together: the ranges to draw options from, and how many")
    if spec.levers or spec.lever_ranges or spec.uncertainties:
        if spec.parameters:
            raise f.fail(("parameters",), "a sweep with levers samples uncertainties: name the settings to vary "
                                          "under uncertainties:, not parameters:")
        n = len(spec.levers) + (spec.lever_samples or 0)
        if not n:
            raise f.fail(("uncertainties",), "uncertainties go with levers: (the policy options run on every sampled "
                                             "world); without options, name the settings under parameters:")
        if n < 2:
            raise f.fail(("levers",), f"a robustness study compares options: give at least two, found {n}")
        if not spec.uncertainties:
            raise f.fail(("levers",), "levers need uncertainties: (the settings that describe the sampled worlds)")
        return "uncertainties"
    if not spec.parameters:
        raise f.fail(("parameters",), "no parameters to vary: name at least one setting")
    return "parameters"


def _check_design(spec: SweepSpec, varied: dict[str, ParamSpec], section: str, f: _File) -> None:
    def fail(loc: tuple, message: str, *alternatives: tuple) -> SweepError:
        here = (section, *loc[1:]) if loc and loc[0] == "parameters" else loc
        return f.fail(here, message.replace("parameters", section), *alternatives)

    DESIGNS[spec.design.kind].check(spec.design, varied, fail)


#: the spawn key, under the sweep seed, of the Latin hypercube that draws options from lever_ranges
#: (run seeds have keys (world, replicate); this one has a length of its own)
LEVER_SEED_KEY = (0, 0, 1)


def _sampled_options(spec: SweepSpec, base_doc: dict, fixed: Scenario, f: _File) -> dict[str, dict[str, Any]]:
    """Options ``lever_1`` .. ``lever_<lever_samples>`` drawn from lever_ranges by a Latin hypercube
    (mapped onto each setting as a sampled design's parameters are)."""
    if not spec.lever_ranges:
        return {}
    levers: list[Parameter] = []
    for key, p in spec.lever_ranges.items():
        loc = ("lever_ranges", key)
        if key in spec.overrides or key in spec.uncertainties:
            raise f.fail(loc, f"also {'fixed in overrides' if key in spec.overrides else 'an uncertainty'}; "
                              "a setting is fixed, sampled or a lever")
        if p.levels is not None:
            raise f.fail(loc + ("levels",), "levels is for grid designs; lever_ranges are sampled")
        levers.append(_resolve_parameter(key, p, _check_path(key, base_doc, f, loc), "lhs", f, loc))
    for prm in levers:
        _try_values(prm, fixed, "lever_ranges", f)
    names = [f"lever_{i + 1}" for i in range(spec.lever_samples)]
    taken = [n for n in names if n in spec.levers]
    if taken:
        raise f.fail(("levers", taken[0]), f"'{taken[0]}' is the name of an option drawn from lever_ranges; rename it")
    design = DesignSpec(kind="lhs", samples=spec.lever_samples)
    unit = DESIGNS["lhs"].unit_sample(len(levers), design, derived_seed(spec.seed, *LEVER_SEED_KEY), {})
    columns = [prm.from_unit(unit[:, j]) for j, prm in enumerate(levers)]
    return {name: {prm.path: columns[j][i] for j, prm in enumerate(levers)} for i, name in enumerate(names)}


def _check_levers(spec: SweepSpec, base_doc: dict, fixed: Scenario, f: _File) -> None:
    """Each option's settings name scenario settings that are neither fixed nor sampled, and
    together make a valid scenario."""
    for option, settings in spec.levers.items():
        for key in settings:
            loc = ("levers", option, key)
            if key in spec.overrides:
                raise f.fail(loc, "also set in overrides; a setting is either fixed or a lever")
            if key in spec.uncertainties:
                raise f.fail(loc, "also an uncertainty; a setting is either sampled or a lever")
            _check_path(key, base_doc, f, loc)
        try:
            resolve_scenario(fixed, settings)
        except ScenarioError as e:
            bad = next((k for k in settings if f"{k}:" in str(e)), next(iter(settings), None))
            raise f.fail(("levers", option, *([bad] if bad else [])), _reason(e, bad or "")) from None


def _lever_of(key: str) -> str | None:
    """The policy lever whose setting `key` is (``policies.<lever>.<setting>``), if it has an on switch."""
    parts = key.split(".")
    if len(parts) < 3 or parts[0] != "policies" or parts[2] == "enabled" or parts[1] not in Policies.model_fields:
        return None
    return parts[1] if "enabled" in Policies.model_fields[parts[1]].annotation.model_fields else None


def _check_levers_on(spec: SweepSpec, section: str, fixed: Scenario, f: _File) -> None:
    """A setting of a lever that is off changes nothing (tests/test_experiments_sweepfile.py runs
    every one to show it), so a sweep that varies it would report a flat, meaningless effect.
    Refuse it unless the lever is on somewhere in the run: in the base scenario with its overrides,
    by its timeline, by the sweep (its `enabled` varied too), or — for an uncertainty — by an option."""
    def switched_on(lever: str, settings: dict[str, Any]) -> bool:
        switch = f"policies.{lever}.enabled"
        return (getattr(fixed.policies, lever).enabled or switch in varied or switch in spec.lever_ranges
                or bool(settings.get(switch)) or any(entry.set.get(switch) for entry in fixed.timeline))

    varied = getattr(spec, section)
    enabling = {k: True for v in spec.levers.values() for k, on in v.items() if on is True}
    checks = [((section, key), key, enabling if section == "uncertainties" else {}) for key in varied]
    checks += [(("lever_ranges", key), key, {}) for key in spec.lever_ranges]
    checks += [(("levers", option, key), key, settings) for option, settings in spec.levers.items() for key in settings]
    for loc, key, settings in checks:
        lever = _lever_of(key)
        if lever is not None and not switched_on(lever, settings):
            raise f.fail(loc, f"'{key}' changes nothing: the lever is off in every run (policies.{lever}.enabled is "
                              f"false in the base scenario and nothing here turns it on); set "
                              f"policies.{lever}.enabled: true in {'the option' if loc[0] == 'levers' else 'overrides'}, "
                              "or vary it too")


def _check_path(key: str, doc: dict, f: _File, loc: tuple) -> Any:
    """The base scenario's value at dotted path `key`, or SweepError naming what is wrong."""
    parts = key.split(".")
    if parts[0] == "run":
        raise f.fail(loc, "run settings belong to the sweep: use its days: and seed: keys")
    node: Any = doc
    for i, part in enumerate(parts):
        rest = ".".join(parts[i:])
        if isinstance(node, dict) and i and rest in node:  # a timeline entry's own dotted setting
            node = node[rest]
            break
        if isinstance(node, list):  # a list item by its index, e.g. timeline.0.day
            if not (part.isdigit() and int(part) < len(node)):
                raise f.fail(loc, f"'{key}' is not a scenario setting: '{'.'.join(parts[:i])}' has {len(node)} items "
                                  f"(0..{len(node) - 1}), found {part!r}")
            node = node[int(part)]
            continue
        if not isinstance(node, dict):
            where = ".".join(parts[:i])
            raise f.fail(loc, f"'{key}' is not a scenario setting: '{where}' is {json.dumps(node)} in the base scenario, not a section")
        if part not in node:
            known = list(node)
            hint = did_you_mean(part, known, otherwise=f"; known keys: {', '.join(map(str, known))}")
            where = f" in '{'.'.join(parts[:i])}'" if i else ""
            raise f.fail(loc, f"'{key}' is not a scenario setting: unknown key '{part}'{where}{hint}")
        node = node[part]
    if isinstance(node, dict):
        raise f.fail(loc, f"'{key}' is a section, not a setting; its keys: {', '.join(map(str, node))}")
    return node


def _kind(key: str, current: Any) -> str:
    """int, float, bool or choice: from the schema's annotation, else from the base value's type."""
    _, info = _field_at(tuple(key.split(".")))
    kinds: list[Any] = []
    if info is not None and getattr(info.annotation, "__origin__", None) is not dict:
        ann = info.annotation
        kinds = [a for a in (getattr(ann, "__args__", None) or (ann,)) if a is not type(None)]
    if not kinds:
        kinds = [type(current)]
    if bool in kinds:
        return "bool"
    if int in kinds and float not in kinds:
        return "int"
    if float in kinds:
        return "float"
    return "choice"


def _resolve_parameter(key: str, p: ParamSpec, current: Any, design: str, f: _File, loc: tuple) -> Parameter:
    kind = _kind(key, current)
    if p.values is None:
        if kind in ("bool", "choice"):
            what = "true/false" if kind == "bool" else "non-numeric"
            raise f.fail(loc, f"'{key}' is a {what} setting: give values: [...], not a range")
        if kind == "int":
            for end in ("low", "high"):
                v = getattr(p, end)
                if float(v) != int(v):
                    raise f.fail(loc + (end,), f"'{key}' is an integer setting: expected a whole number, found {v!r}")
        lo, hi = (int(p.low), int(p.high)) if kind == "int" else (float(p.low), float(p.high))
        prm = Parameter(name="", path=key, kind=kind, low=lo, high=hi, levels=p.levels, scale=p.scale)
        if design == "grid" and len(prm.grid_levels()) < (p.levels or 0):
            raise f.fail(loc + ("levels",), f"{p.levels} levels between {lo} and {hi} are not distinct integers")
        return prm
    values = list(p.values)
    if kind == "int":
        values = [int(v) if isinstance(v, float) and v.is_integer() else v for v in values]
    elif kind == "float":
        values = [float(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in values]
    return Parameter(name="", path=key, kind=kind, values=values)


#: results columns no parameter may take (``option`` and ``world``: a robustness study's)
RESERVED_COLUMNS = {"point", "replicate", "seed", "arm", "day", "option", "world"}


def _name_columns(parameters: list[Parameter], varied: dict[str, ParamSpec], section: str, f: _File) -> None:
    """Column names: the given name, else the shortest unique tail of the path joined by '_' that is
    no reserved column and does not start with a digit."""
    taken = RESERVED_COLUMNS
    for prm in parameters:
        given = varied[prm.path].name
        if given:
            prm.name = given
    for prm in parameters:
        if prm.name:
            continue
        parts = prm.path.split(".")
        others = [q.path.split(".") for q in parameters if q is not prm]
        for n in range(1, len(parts) + 1):
            cand = "_".join(parts[-n:]).replace("-", "_")
            if cand in taken or cand[0].isdigit():  # e.g. timeline.0.day: not "day" nor "0_day"
                continue
            if all("_".join(o[-n:]).replace("-", "_") != cand for o in others):
                break
        prm.name = cand
    seen: dict[str, str] = {}
    for prm in parameters:
        if prm.name in taken or prm.name in seen:
            raise f.fail((section, prm.path), f"column name '{prm.name}' is taken; give this parameter a name:")
        seen[prm.name] = prm.path


def _reason(e: ScenarioError, key: str) -> str:
    """The scenario validator's message about `key`, without its '<scenario>: key:' prefix."""
    msg = e.problems[0]
    msg = msg.split(": ", 1)[1] if msg.startswith("<") else msg
    return msg[len(key) + 2:] if msg.startswith(f"{key}: ") else msg


def _try_values(prm: Parameter, base: Scenario, section: str, f: _File) -> None:
    """Apply each listed value (or both ends of the range) through `resolve_scenario`."""
    loc = (section, prm.path)
    if prm.values is not None:
        trials = [(v, loc + ("values", i), loc + (i,)) for i, v in enumerate(prm.values)]
    else:
        trials = [(prm.low, loc + ("low",), loc), (prm.high, loc + ("high",), loc)]
    for value, where, alt in trials:
        if isinstance(value, float) and not math.isfinite(value):
            raise f.fail(where, f"expected a finite number, found {value!r}", alt)
        try:
            resolve_scenario(base, {prm.path: value})
        except ScenarioError as e:
            raise f.fail(where, f"{json.dumps(value)} is not a valid {prm.path}: {_reason(e, prm.path)}", alt) from None


def costliest_point(sweep: Sweep, cost: Callable[[Scenario], float]) -> tuple[dict[str, Any], Scenario]:
    """The corner of the design where every parameter takes its costliest extreme (the value of
    its range's ends, or of its listed values, that costs most with the others at the base), and
    its resolved scenario. What a run costs grows monotonically with the settings that drive it
    (households, rates, ties, days), so no design point costs more than this corner. Should the
    corner itself be invalid, the costliest single-parameter extreme stands in for it. With
    policy options, the costliest option's corner (its settings are part of the point)."""
    if not sweep.options:
        return _costliest_corner(sweep.base, sweep.parameters, cost)
    corners = []
    for settings in sweep.options.values():
        corner, scenario = _costliest_corner(resolve_scenario(sweep.base, settings), sweep.parameters, cost)
        corners.append((cost(scenario), {**settings, **corner}, scenario))
    _, corner, scenario = max(corners, key=lambda c: c[0])
    return corner, scenario


def _costliest_corner(base: Scenario, parameters: list[Parameter],
                      cost: Callable[[Scenario], float]) -> tuple[dict[str, Any], Scenario]:
    corner: dict[str, Any] = {}
    worst: tuple[float, dict[str, Any], Scenario] = (cost(base), {}, base)
    for prm in parameters:
        if prm.values is None:
            candidates = [prm.low, prm.high]
        elif prm.kind in ("int", "float"):
            candidates = [min(prm.values), max(prm.values)]
        else:
            candidates = list(prm.values)
        scenarios = [(v, resolve_scenario(base, {prm.path: v})) for v in candidates]
        price, value, scenario = max(((cost(sc), v, sc) for v, sc in scenarios), key=lambda p: p[0])
        corner[prm.path] = value
        if price > worst[0]:
            worst = (price, {prm.path: value}, scenario)
    try:
        return corner, resolve_scenario(base, corner)
    except ScenarioError:
        return worst[1], worst[2]
