"""The validation targets file (`validation/targets.yaml`): published figures the model should
reproduce, each with its scenario, metric, acceptable range, source and caveat.

Loaded safely and validated with pydantic; a mistake is one line naming the file, the line, the
key, what was expected and what was found, like scenario files::

    validation/targets.yaml:14: targets.2.range: expected [low, high] with low < high, found [0.9, 0.8]
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..hints import did_you_mean
from ..metrics import METRICS
from ..resources import scenario_file, shipped
from ..scenario.loader import ScenarioError, _Layer

ROLES = ("calibrate", "check", "not_compared")


class TargetsError(ScenarioError):
    """The targets file (or calibration set-up) is unreadable or invalid; the message is one line
    meant for the user (the `cogov` command reports it like a scenario error)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Target(_Strict):
    """One published pattern and how the model is compared with it."""

    id: str = Field(pattern=r"^[a-z0-9_]+$", description="short unique name")
    pattern: str = Field(description="what the model should reproduce, in words")
    figure: str = Field(description="the published figure, as published")
    value: float | None = Field(None, description="the figure on the model's scale (calibration pulls toward it)")
    range: tuple[float, float] | None = Field(None, description="acceptable range of the simulated mean")
    role: Literal["calibrate", "check", "not_compared"] = Field(description="calibrated against, only checked, or no counterpart")
    scenario: str | None = Field(None, description="scenario file, relative to the targets file")
    reference: str | None = Field(None, description="compare metric(scenario) − metric(reference), same seeds")
    metric: str | None = Field(None, description="an end-of-run metric (a key of summary.json)")
    minus: str | None = Field(None, description="compare metric − minus within the scenario")
    source: str = Field(description="where the figure comes from")
    caveat: str = Field("", description="why the comparison is loose")
    reason: str | None = Field(None, description="not_compared: why the model has no counterpart")

    @model_validator(mode="after")
    def _consistent(self) -> Target:
        if self.role == "not_compared":
            if not self.reason:
                raise ValueError("a not_compared target needs a reason")
            if self.range is not None or self.metric is not None:
                raise ValueError("a not_compared target has no range or metric")
            return self
        for key in ("scenario", "metric", "range"):
            if getattr(self, key) is None:
                raise ValueError(f"a {self.role} target needs '{key}'")
        lo, hi = self.range
        if not lo < hi:
            raise ValueError(f"range: expected [low, high] with low < high, found [{lo}, {hi}]")
        for key in ("metric", "minus"):
            name = getattr(self, key)
            known = [m.name for m in METRICS.end()]  # a target compares end-of-run figures
            if name is not None and name not in known:
                raise ValueError(f"{key}: unknown metric '{name}'{did_you_mean(name, known)}")
        if self.reference and self.minus:
            raise ValueError("give reference or minus, not both")
        return self

    @property
    def centre(self) -> float:
        """The point the calibration pulls toward: the published value, else mid-range."""
        return self.value if self.value is not None else (self.range[0] + self.range[1]) / 2

    @property
    def half_width(self) -> float:
        return (self.range[1] - self.range[0]) / 2


class TargetsFile(_Strict):
    replicates: int = Field(10, ge=2, le=1000, description="runs (seeds) per scenario")
    seed: int = Field(20240601, ge=0, description="root of the replicate seeds")
    days: int | None = Field(None, ge=1, le=3650, description="days per run; default: each scenario's run.days")
    targets: list[Target] = Field(min_length=1)
    path: Path | None = Field(None, exclude=True, description="where the file was read from (set by the loader)")

    @model_validator(mode="after")
    def _unique(self) -> TargetsFile:
        ids = [t.id for t in self.targets]
        dup = sorted(i for i, n in Counter(ids).items() if n > 1)
        if dup:
            raise ValueError(f"target ids must be unique, repeated: {dup}")
        return self

    def compared(self) -> list[Target]:
        return [t for t in self.targets if t.role != "not_compared"]

    def calibrated(self) -> list[Target]:
        return [t for t in self.targets if t.role == "calibrate"]

    def scenario_path(self, name: str) -> Path:
        """The file a target's scenario names: relative to the targets file, or a shipped scenario."""
        base = self.path.parent if self.path is not None else Path.cwd()
        return (scenario_file(name, beside=base) or base / name).resolve()

    def scenarios(self) -> list[str]:
        """Every scenario the compared targets need, in order of first use."""
        out: list[str] = []
        for t in self.compared():
            for s in (t.scenario, t.reference):
                if s and s not in out:
                    out.append(s)
        return out


def default_targets_path() -> Path:
    """The shipped `validation/targets.yaml`."""
    return shipped("validation") / "targets.yaml"


def load_targets(path: str | Path | None = None) -> TargetsFile:
    """Read and validate a targets file; raise TargetsError with one line on the first problem.
    Scenario files named by targets must exist (they are validated when run)."""
    path = Path(path) if path is not None else default_targets_path()
    try:
        layer = _Layer(path, what="'targets'")
    except ScenarioError as e:
        raise TargetsError(*e.problems) from None
    if layer.problems:  # duplicate keys
        raise TargetsError(*layer.problems)
    data, lines = layer.data, layer.lines
    try:
        targets = TargetsFile.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        loc, message = tuple(err["loc"]), _describe(err)
        key, _, rest = message.partition(": ")
        if err["type"] == "value_error" and rest and key in Target.model_fields:  # "range: expected ..."
            loc, message = loc + (key,), rest
        raise TargetsError(f"{_where(path, lines, loc)}: {'.'.join(map(str, loc)) or '(top level)'}: {message}") from None
    targets.path = path
    for i, t in enumerate(targets.targets):
        for key in ("scenario", "reference"):
            name = getattr(t, key)
            if name and not targets.scenario_path(name).exists():
                raise TargetsError(f"{_where(path, lines, ('targets', i, key))}: targets.{i}.{key}: file not found: {name}")
    return targets


def _where(path: Path, lines: dict[tuple, int], loc: tuple) -> str:
    for depth in range(len(loc), 0, -1):
        if loc[:depth] in lines:
            return f"{path}:{lines[loc[:depth]]}"
    return str(path)


def _describe(err: dict) -> str:
    kind, found = err["type"], err.get("input")
    if kind == "value_error":
        return err["msg"].removeprefix("Value error, ")
    if kind == "extra_forbidden":
        return f"unknown key '{err['loc'][-1]}'"
    if kind == "missing":
        return "required key is missing"
    if kind == "literal_error":
        return f"expected one of {err['ctx']['expected']}, found {found!r}"
    if kind == "string_pattern_mismatch":
        return f"expected lower-case letters, digits and '_', found {found!r}"
    if kind in ("greater_than_equal", "less_than_equal"):
        op = ">=" if kind == "greater_than_equal" else "<="
        return f"expected a number {op} {next(iter(err['ctx'].values()))}, found {found!r}"
    return f"{err['msg'][:1].lower()}{err['msg'][1:]}, found {found!r}"
