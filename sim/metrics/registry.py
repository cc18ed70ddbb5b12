"""The metric registry: one declaration per output metric, read by every table, tile, chart and
codebook entry (after EMA Workbench's ``ScalarOutcome(name, kind=MAXIMIZE, ...)``).

A `Metric` says what the number is (its function), what kind of number (a share, days, a count,
an index, money, a rate) and in what unit, which way is better, whether it is a headline, and
where it exists: as a daily series (Mesa's DataCollector), at the end of the run
(`summary.json`), per period (a month, or the window before or after a timeline entry:
`sim.metrics.periods`), per community (the city tables).
Its label is the catalogue key ``metric.<name>`` in each language (`sim.i18n`); a legend may use a
shorter ``metric_short.<name>``.

Adding a metric is one `METRICS.add(Metric(...))` (in `sim.metrics.definitions`, or anywhere
before a model is built) plus its label in ``en.yaml`` and ``zh.yaml``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any

from ..i18n import format_difference, format_value, metric_label, t


class Kind(StrEnum):
    """What kind of number a metric is; this decides how it is formatted and compared."""

    SHARE = "share"  # a proportion 0..1, shown as a percentage; differences in percentage points
    DAYS = "days"  # a duration in days
    COUNT = "count"  # a whole number of things (cases, residents)
    INDEX = "index"  # a 0..1 index (trust, satisfaction, quality)
    MONEY = "money"  # yuan
    RATE = "rate"  # a count per unit (cases per mediator per year, hours)


class Direction(IntEnum):
    """Which way is better (EMA Workbench's MAXIMIZE / MINIMIZE / INFO)."""

    MINIMIZE = -1
    INFO = 0
    MAXIMIZE = 1


class Section(StrEnum):
    """Where a metric belongs in tables and the codebook, in the order they are shown."""

    OUTCOMES = "outcomes"
    DISPUTES = "disputes"
    FLOW = "flow"
    PARTICIPATION = "participation"
    TRUST = "trust"
    WELLBEING = "wellbeing"
    RESOURCES = "resources"
    RUN = "run"
    VALIDATION = "validation"


#: a metric's function: a model (the whole city) or a `Scope` (some communities) → one number
Compute = Callable[[Any], float]


@dataclass(frozen=True)
class Metric:
    """One output metric and everything the outputs need to know about it."""

    name: str
    compute: Compute
    kind: Kind
    unit: str  # in words, for the codebook: "share of closed disputes", "days", "cases per day"
    section: Section
    direction: Direction = Direction.INFO
    headline: bool = False
    daily: bool = True  # a daily series (DataCollector reporter)
    end: bool = True  # an end-of-run figure (summary.json)
    community: bool = True  # also per community, street and district (city tables)
    #: its value over a period of days (a month, the window before or after a timeline entry):
    #: in_period(scope, period) → float; None if the metric has no period version
    in_period: Callable[[Any, Any], float] | None = None
    colour: str | None = None  # line colour in plots, where it has its own
    expected_range: tuple[float, float] | None = None  # plausible values, for plots and checks

    @property
    def label_key(self) -> str:
        return f"metric.{self.name}"

    @property
    def doc(self) -> str:
        """What the metric means: its function's docstring, one paragraph."""
        return " ".join((self.compute.__doc__ or "").split())

    def label(self, lang: str = "en") -> str:
        return metric_label(self.name, lang)

    def short_label(self, lang: str = "en") -> str:
        """The label for a legend: ``metric_short.<name>`` where the catalogues give one."""
        try:
            return t(f"metric_short.{self.name}", lang)
        except KeyError:
            return self.label(lang)

    def format(self, value: Any, lang: str = "en") -> str:
        """The value as every table, tile and report shows it."""
        return format_value(value, self.kind, lang)

    def format_difference(self, value: Any, lang: str = "en") -> str:
        """A difference of two values, signed (shares in percentage points)."""
        return format_difference(value, self.kind, lang)

    def better(self, a: float, b: float) -> int:
        """+1 if `b` is better than `a`, −1 if worse, 0 if equal, unknown or neither is better."""
        if not (math.isfinite(a) and math.isfinite(b)) or a == b:
            return 0
        return int(self.direction) * (1 if b > a else -1)


class Registry:
    """The declared metrics, in declaration order (the order every table shows them)."""

    def __init__(self) -> None:
        self._metrics: dict[str, Metric] = {}

    def add(self, metric: Metric) -> Metric:
        if metric.name in self._metrics:
            raise ValueError(f"metric {metric.name!r} is declared twice")
        self._metrics[metric.name] = metric
        return metric

    def remove(self, name: str) -> None:
        del self._metrics[name]

    @contextmanager
    def added(self, *metrics: Metric) -> Iterator[None]:
        """Declare `metrics` for the duration of a block (tests, notebooks)."""
        for m in metrics:
            self.add(m)
        try:
            yield
        finally:
            for m in metrics:
                self._metrics.pop(m.name, None)

    def __getitem__(self, name: str) -> Metric:
        return self._metrics[name]

    def __contains__(self, name: object) -> bool:
        return name in self._metrics

    def __iter__(self) -> Iterator[Metric]:
        return iter(list(self._metrics.values()))

    def __len__(self) -> int:
        return len(self._metrics)

    def get(self, name: str) -> Metric | None:
        return self._metrics.get(name)

    def names(self) -> list[str]:
        return list(self._metrics)

    # --- the views every output uses ----------------------------------------------------------
    def daily(self) -> list[Metric]:
        return [m for m in self if m.daily]

    def end(self) -> list[Metric]:
        return [m for m in self if m.end]

    def per_community(self) -> list[Metric]:
        return [m for m in self if m.end and m.community]

    def periodic(self) -> list[Metric]:
        return [m for m in self if m.in_period is not None]

    def headline(self) -> list[str]:
        return [m.name for m in self if m.headline]

    def in_section(self, section: Section) -> list[Metric]:
        return [m for m in self if m.section == section]

    def kind_of(self, name: str) -> Kind | None:
        """The kind of a metric; None for a name that is not one (a design column, say)."""
        m = self._metrics.get(name)
        return m.kind if m is not None else None

    def format(self, name: str, value: Any, lang: str = "en") -> str:
        """`value` formatted as metric `name` is (three significant digits for a non-metric)."""
        return format_value(value, self.kind_of(name) or Kind.RATE, lang)

    def format_difference(self, name: str, value: Any, lang: str = "en") -> str:
        return format_difference(value, self.kind_of(name) or Kind.RATE, lang)


#: every metric of the model; `sim.metrics.definitions` declares them
METRICS = Registry()

__all__ = ["METRICS", "Compute", "Direction", "Kind", "Metric", "Registry", "Section"]
