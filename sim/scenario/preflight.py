"""The resource preflight: a scenario's peak memory and run time, estimated from its size before
anything is built, so that a run this machine cannot hold is refused in one line at once instead of
dying minutes later with "Unable to allocate 40.8 GiB" and a traceback.

The estimate is a linear model of the program's own measured costs (`COSTS`) in a few sizes read
from the resolved scenario (`Size`): residents, entries of the social-tie matrix, disputes expected
over the run (incidence at the base rates) and residents × communities (setting up a community
passes over every resident). `bench/bench_preflight.py` re-measures the costs with real
`cogov run` commands and reports estimate against measured peak memory (docs/performance.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .reader import ScenarioError
from .schema import CommunityType, Scenario

#: estimates at or above these are printed before a run (smaller runs start without a word)
LARGE_BYTES = 1e9
LARGE_SECONDS = 30.0


@dataclass(frozen=True)
class Costs:
    """Measured costs of one `cogov run` (the whole command: start-up, building, simulating,
    writing the run folder), as fitted by bench/bench_preflight.py. Memory is peak resident memory;
    time is CPU time, which is the wall time of a run on a free core (a run uses one)."""

    base_bytes: float  # the interpreter, the imports and a small run
    bytes_per_resident: float  # Mesa agent, its registry entries and the Population row
    bytes_per_tie: float  # one entry of the tie matrix, while it is built
    bytes_per_dispute: float  # a DisputeBook row, its case-log events, and the tables written from them
    base_seconds: float
    seconds_per_resident: float  # building: households, the agent, the Population row
    seconds_per_resident_community: float  # building: each community's pass over all residents
    seconds_per_resident_day: float  # the daily bulk updates of one resident
    seconds_per_tie_day: float  # the daily sparse product over one tie
    seconds_per_dispute: float  # one dispute's lifecycle and its rows in the run folder

    def memory(self) -> tuple[float, ...]:
        """The memory costs, in the order of `Size.memory_terms`."""
        return self.base_bytes, self.bytes_per_resident, self.bytes_per_tie, self.bytes_per_dispute

    def time(self) -> tuple[float, ...]:
        """The time costs, in the order of `Size.time_terms`."""
        return (self.base_seconds, self.seconds_per_resident, self.seconds_per_resident_community,
                self.seconds_per_resident_day, self.seconds_per_tie_day, self.seconds_per_dispute)


#: Fitted by non-negative least squares on relative error, on 7 runs of `cogov run` (baseline for 365
#: and 30 days, city_large, a generated city of 3.1 M residents, a city of 490,000 residents with
#: dense ties, a 40,000-household estate at 20 times the dispute rates, 2,050 small communities) on
#: the reference machine (2 cores, 24 GB, Python 3.11, Mesa 3.3.1), with another job on the other
#: core (fitted again on 5 December 2026, with Numba): peak resident memory (ru_maxrss) and CPU time of each whole command.
#: `.venv/bin/python bench/bench_preflight.py --fit` re-measures them and prints these numbers and
#: estimate against measurement (docs/performance.md, "Resource preflight").
COSTS = Costs(
    base_bytes=3.486e8,  # with Numba and LLVM (about 115 MB of it) since 4 December
    bytes_per_resident=612.1,
    bytes_per_tie=28.27,
    bytes_per_dispute=367.1,
    base_seconds=3.261,
    seconds_per_resident=8.937e-06,
    seconds_per_resident_community=8.366e-09,
    seconds_per_resident_day=3.637e-08,
    seconds_per_tie_day=8.206e-10,
    seconds_per_dispute=4.11e-05,
)


@dataclass(frozen=True)
class Size:
    """What a run's cost grows with, read from a resolved scenario without building it."""

    residents: int
    households: int
    communities: int
    ties: int  # entries of the symmetric tie matrix (two per tie)
    disputes: int  # expected to arise over the days simulated, at the base rates (the book holds them all until the warm-up ends)
    days: int  # days simulated: the warm-up and the reported days
    warmup_days: int = 0

    @classmethod
    def of(cls, scenario: Scenario, days: int | None = None) -> Size:
        days = (scenario.run.days if days is None else days) + scenario.run.warmup_days
        site = scenario.site
        entries = ([c.site for d in scenario.city.districts for s in d.streets for c in s.communities]
                   if scenario.city is not None else [{}])
        rates = scenario.disputes.rates
        households = residents = 0.0
        disputes_per_year = 0.0
        for over in entries:  # a community's own keys, else the base site's
            h = over.get("households", site.households)
            households += h
            residents += h * over.get("residents_per_household", site.residents_per_household)
            kind = CommunityType(over.get("type", site.type))
            disputes_per_year += h / 1000 * sum(rates[kind].values())
        p = scenario.behaviour.participation
        social = (1 - p.isolated_share) ** 2  # a tie links two residents who are not isolated
        ties = 2 * (residents * social * (p.ties_in_building + p.ties_in_community) + (residents - households))
        disputes = disputes_per_year * scenario.disputes.rate_multiplier * days / 365
        return cls(residents=round(residents), households=round(households), communities=len(entries),
                   ties=round(ties), disputes=round(disputes), days=days, warmup_days=scenario.run.warmup_days)

    def memory_terms(self) -> tuple[float, ...]:
        return 1.0, self.residents, self.ties, self.disputes

    def time_terms(self) -> tuple[float, ...]:
        return (1.0, self.residents, self.residents * self.communities, self.residents * self.days,
                self.ties * self.days, self.disputes)


@dataclass(frozen=True)
class Estimate:
    size: Size
    bytes: float  # peak resident memory of the run
    seconds: float  # CPU time of the whole `cogov run`: its wall time on a free core

    @classmethod
    def of(cls, scenario: Scenario, days: int | None = None, costs: Costs = COSTS) -> Estimate:
        return cls.from_size(Size.of(scenario, days), costs)

    @classmethod
    def from_size(cls, size: Size, costs: Costs = COSTS) -> Estimate:
        memory = sum(c * x for c, x in zip(costs.memory(), size.memory_terms()))
        seconds = sum(c * x for c, x in zip(costs.time(), size.time_terms()))
        return cls(size, memory, seconds)

    @property
    def large(self) -> bool:
        return self.bytes >= LARGE_BYTES or self.seconds >= LARGE_SECONDS

    def describe(self) -> str:
        """'about 1.1 GB of memory and 45 s (1,026,871 residents in 223 communities, ...)'"""
        n = self.size
        return (f"about {format_bytes(self.bytes)} of memory and {format_duration(self.seconds)} "
                f"({n.residents:,} residents in {n.communities:,} communit{'y' if n.communities == 1 else 'ies'}, "
                f"about {n.disputes:,} disputes over {n.days:,} days{self._warmup()})")

    def _warmup(self) -> str:
        w = self.size.warmup_days
        return f": {self.size.days - w:,} reported after a {w:,}-day warm-up" if w else ""


def format_bytes(n: float) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n >= scale:
            value = n / scale
            return f"{value:,.1f} {unit}" if value < 100 else f"{value:,.0f} {unit}"
    return f"{n / 1e3:,.0f} kB"


def format_duration(seconds: float) -> str:
    for unit, scale in (("days", 86400), ("h", 3600), ("min", 60)):
        if seconds >= 2 * scale:
            return f"{seconds / scale:,.0f} {unit}" if seconds / scale >= 10 else f"{seconds / scale:.1f} {unit}"
    return f"{max(1, round(seconds))} s"


_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]*)?)\s*([kKmMgGtT])?[bB]?\s*$")


def parse_size(text: str) -> int:
    """Bytes from '8G', '8 GB', '500M', '1.5T' (decimal units); ValueError otherwise."""
    m = _SIZE.match(text)
    if not m or not m.group(2):
        raise ValueError(f"expected a size such as 8G or 500M, found {text!r}")
    return int(float(m.group(1)) * {"k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12}[m.group(2).lower()])


def available_memory() -> int:
    """Memory this machine can give a new process now (psutil: MemAvailable on Linux)."""
    import psutil

    return int(psutil.virtual_memory().available)


def check(estimate: Estimate, what: str, limit: int | None = None, at_once: int = 1) -> None:
    """Raise ScenarioError (one line) if `at_once` runs like `estimate` need more than `limit`
    bytes (default: the memory available now). `what` names the scenario (its file)."""
    source = "available on this machine" if limit is None else "given with --max-memory"
    limit = available_memory() if limit is None else limit
    if estimate.bytes * at_once > limit:
        runs = f"{at_once} runs at once (one per worker), each " if at_once > 1 else ""
        raise ScenarioError(f"{what}: too large to run here: {runs}needs {estimate.describe()}; "
                            f"the limit is {format_bytes(limit)} ({source}); make it smaller, or give --max-memory")
