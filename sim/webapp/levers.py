"""The policy levers the workshop shows, read from the scenario schema.

Every lever is a field of a section of `Policies` (sim/scenario/schema.py); its kind, range and
default come from the field's type and `Field(ge=..., le=...)`, and its group from the source tag
(S1..S6) that opens the section's docstring — nothing is restated here. Labels and explanations
are in the string catalogues (`lever.<section>.<field>`, `lever.<section>.title` / `.about`,
`workshop.group.<s1..s6>.title` / `.about`).

A lever's value lives in a scenario document at the dotted path ``policies.<section>.<field>``;
`LeverSpec.check` validates a value exactly as the schema would, so a value the schema refuses can
never reach a model.
"""

from __future__ import annotations

import math
import re
import typing
from dataclasses import dataclass
from typing import Any, Literal

import annotated_types
from pydantic import BaseModel

from ..scenario.schema import Policies, Scenario

#: the source's paragraphs that carry levers, in the speech's order
GROUPS = ("s1", "s2", "s3", "s4", "s5", "s6")
_TAG = re.compile(r"\bS(\d)\b")

#: fields not offered as levers: lists of structured items, edited in scenario files
SKIPPED = {("party_building", "projects")}

Kind = Literal["bool", "int", "float", "choices"]
#: a slider for at most this many steps; a number box beyond (money, hours, large head counts)
MAX_SLIDER_STEPS = 1000


@dataclass(frozen=True)
class LeverSpec:
    section: str
    field: str
    kind: Kind
    default: Any
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    choices: tuple[str, ...] = ()
    #: for an optional override (None = the site's own value): the site field it overrides
    fallback: str | None = None
    description: str = ""

    @property
    def path(self) -> str:
        return f"policies.{self.section}.{self.field}"

    @property
    def label_key(self) -> str:
        return f"lever.{self.section}.{self.field}"

    @property
    def slider(self) -> bool:
        """A slider when the range has few enough steps; otherwise a number box."""
        if self.kind not in ("int", "float") or self.minimum is None or self.maximum is None:
            return False
        return (self.maximum - self.minimum) / self.step <= MAX_SLIDER_STEPS

    def check(self, value: Any) -> Any:
        """The value as the schema stores it; ValueError with a one-line reason if the schema
        would refuse it (out of range, wrong type, unknown choice)."""
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise ValueError(f"{self.path}: expected true or false")
            return value
        if self.kind == "choices":
            items = list(value)
            bad = [v for v in items if v not in self.choices]
            if bad:
                raise ValueError(f"{self.path}: unknown {bad[0]!r}")
            return [c for c in self.choices if c in items]  # schema order, no repeats
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{self.path}: expected a number") from None
        if not math.isfinite(number):
            raise ValueError(f"{self.path}: expected a number")
        if self.kind == "int":
            if number != int(number):
                raise ValueError(f"{self.path}: expected a whole number")
            number = int(number)
        if self.minimum is not None and number < self.minimum:
            raise ValueError(f"{self.path}: at least {fmt_number(self.minimum)}")
        if self.maximum is not None and number > self.maximum:
            raise ValueError(f"{self.path}: at most {fmt_number(self.maximum)}")
        return number

    def value_in(self, scenario: Scenario) -> Any:
        """The lever's value in a resolved scenario (an unset override shows the site's value)."""
        value = getattr(getattr(scenario.policies, self.section), self.field)
        if value is None and self.fallback:
            node: Any = scenario
            for part in self.fallback.split("."):
                node = getattr(node, part)
            value = node
        return list(value) if self.kind == "choices" else value


@dataclass(frozen=True)
class SectionSpec:
    name: str
    group: str
    levers: tuple[LeverSpec, ...]

    @property
    def switch(self) -> LeverSpec | None:
        """The section's on/off lever (`enabled`), if it has one."""
        return next((lv for lv in self.levers if lv.field == "enabled"), None)

    @property
    def settings(self) -> tuple[LeverSpec, ...]:
        return tuple(lv for lv in self.levers if lv.field != "enabled")


def fmt_number(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


def _bounds(info) -> tuple[Any, float | None, float | None]:
    """(base type, ge, le) of a field, looking through Optional[Annotated[...]]."""
    annotation, metadata = info.annotation, list(info.metadata)
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, getattr(__import__("types"), "UnionType", None)) and type(None) in args:
        inner = next(a for a in args if a is not type(None))
        if typing.get_origin(inner) is typing.Annotated:
            base, *extra = typing.get_args(inner)
            for e in extra:
                metadata.extend(getattr(e, "metadata", []) or [])
            annotation = base
        else:
            annotation = inner
    lo = hi = None
    for m in metadata:
        if isinstance(m, annotated_types.Ge):
            lo = float(m.ge)
        elif isinstance(m, annotated_types.Gt):
            lo = float(m.gt)
        elif isinstance(m, annotated_types.Le):
            hi = float(m.le)
        elif isinstance(m, annotated_types.Lt):
            hi = float(m.lt)
    return annotation, lo, hi


def _nice_step(kind: str, lo: float, hi: float) -> float:
    if kind == "int":
        return 1.0 if hi - lo <= MAX_SLIDER_STEPS else 10.0 ** math.ceil(math.log10((hi - lo) / MAX_SLIDER_STEPS))
    span = hi - lo
    if span <= 1:
        return 0.01
    if span <= 100:
        return 0.5
    return 1.0  # money and hours: typed into a number box


def _lever(section: str, name: str, info) -> LeverSpec | None:
    if (section, name) in SKIPPED:
        return None
    base, lo, hi = _bounds(info)
    default = None if info.is_required() else info.get_default(call_default_factory=True)
    fallback = f"site.party.{name}" if section == "party_building" else None
    if base is bool:
        return LeverSpec(section, name, "bool", default, description=info.description or "")
    if base in (int, float):
        kind = "int" if base is int else "float"
        step = _nice_step(kind, lo, hi) if lo is not None and hi is not None else (1.0 if kind == "int" else 0.1)
        return LeverSpec(section, name, kind, default, lo, hi, step, fallback=fallback, description=info.description or "")
    if typing.get_origin(base) is list:
        (item,) = typing.get_args(base)
        if typing.get_origin(item) is Literal:
            return LeverSpec(section, name, "choices", list(default or []), choices=tuple(typing.get_args(item)),
                             description=info.description or "")
    return None


def _group(section_model: type[BaseModel]) -> str:
    m = _TAG.search(section_model.__doc__ or "")
    if not m or f"s{m.group(1)}" not in GROUPS:
        raise ValueError(f"{section_model.__name__}: docstring must open with its source tag (S1..S6)")
    return f"s{m.group(1)}"


def _sections() -> tuple[SectionSpec, ...]:
    out = []
    for name, info in Policies.model_fields.items():
        model = info.annotation
        levers = tuple(lv for f, fi in model.model_fields.items() if (lv := _lever(name, f, fi)) is not None)
        if levers:
            out.append(SectionSpec(name, _group(model), levers))
    return tuple(out)


#: every section of Policies with its levers, in schema order
SECTIONS: tuple[SectionSpec, ...] = _sections()
#: every lever by dotted path
LEVERS: dict[str, LeverSpec] = {lv.path: lv for s in SECTIONS for lv in s.levers}


def sections_in(group: str) -> list[SectionSpec]:
    return [s for s in SECTIONS if s.group == group]


def check_overrides(overrides: dict[str, Any]) -> dict[str, Any]:
    """Overrides with every value checked against its lever; ValueError for an unknown path or a
    value the schema refuses."""
    out = {}
    for path, value in overrides.items():
        spec = LEVERS.get(path)
        if spec is None:
            raise ValueError(f"{path}: not a policy lever")
        out[path] = spec.check(value)
    return out


__all__ = ["GROUPS", "LEVERS", "SECTIONS", "LeverSpec", "SectionSpec", "check_overrides", "fmt_number", "sections_in"]
