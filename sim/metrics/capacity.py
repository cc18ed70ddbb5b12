"""The capacity report: the offered load ρ of every handler over the reported days.

ρ = arrivals × mean work time ÷ server-days: the share of its capacity a handler's arrivals would
take if none gave up waiting. A queue at ρ ≥ 1 grows without bound but for reneging; at ρ ≥ 0.9
waits are long and swing with every small change of demand (an M/M/c queue's wait grows as
1 ÷ (1 − ρ)). The mean work time is that of the cases the handler started on a reported day (the
work drawn when each starts, whether or not it finished by the end; the spec's mean, at the
current speed, where it started none). A joint meeting takes up to its cases
per meeting at each meeting, so its capacity is those seats: ρ = arrivals ÷ seats offered.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..disputes.handlers import Handler, PeriodicHandler
from ..disputes.ladder import Channel
from .definitions import scope
from .registry import METRICS, Direction, Kind, Metric, Section

#: offered load from which a handler is named in `cogov run`'s table (and refused by calibration)
RHO_HIGH = 0.9
#: offered load from which its queue is unstable (only reneging bounds it): a warning
RHO_UNSTABLE = 1.0


@dataclass(frozen=True)
class HandlerLoad:
    """One handler's offered load over the reported days."""

    channel: str
    place: str
    servers: float  # mean servers open per day (a joint meeting: mean cases per meeting)
    arrivals: int  # cases that reached its queue
    arrivals_per_day: float
    mean_work_days: float
    rho: float | None  # None: never open on a reported day

    @property
    def name(self) -> str:
        return f"{self.channel} ({self.place})"


def place_name(model, h: Handler) -> str:
    geo = model.geography
    if h.channel in (Channel.STREET,):
        return geo.streets[h.place]
    if h.channel == Channel.DISTRICT:
        return geo.districts[h.place]
    if h.channel in (Channel.CITY_HOTLINE, Channel.COURT):
        return model.city.name
    return geo.names[h.place]


def handler_load(model, h: Handler) -> HandlerLoad | None:
    """`h`'s load; None for a channel that was never open and never reached (e.g. no professionals)."""
    load, days = h.load, max(1, model.day)
    if load.server_days == 0 and load.arrivals == 0:
        return None
    work = load.work_days / load.started if load.started else h.work_time.mean_days * h.speed
    if isinstance(h, PeriodicHandler):
        servers = load.server_days / h.meetings if h.meetings else float(h.servers)
        rho = load.arrivals / load.server_days if load.server_days else None
    else:
        servers = load.server_days / days
        rho = load.arrivals * work / load.server_days if load.server_days else None
    return HandlerLoad(h.channel.name.lower(), place_name(model, h), round(servers, 4), load.arrivals,
                       round(load.arrivals / days, 6), round(work, 4), None if rho is None else round(rho, 4))


def capacity_report(model) -> list[HandlerLoad]:
    """Every handler that was open or reached on a reported day, community channels first (by
    community), then street offices, districts, the hotline and the court."""
    loads = (handler_load(model, h) for h in model.disputes.all_handlers())
    return [x for x in loads if x is not None]


def capacity_section(model) -> list[dict]:
    """The `capacity` section of `summary.json`."""
    return [asdict(x) for x in capacity_report(model)]


def loaded(report: list[HandlerLoad], at: float = RHO_HIGH) -> list[HandlerLoad]:
    """The handlers at ρ >= `at`, most loaded first."""
    return sorted((x for x in report if x.rho is not None and x.rho >= at), key=lambda x: -x.rho)


def max_offered_load(x) -> float:
    """The highest offered load ρ of any handler over the reported days (summary.json `capacity`
    has every handler's); calibration penalises parameter sets that take it to 0.9 or more."""
    rhos = [h.rho for h in capacity_report(scope(x).model) if h.rho is not None]
    return max(rhos) if rhos else float("nan")


METRICS.add(Metric("max_offered_load", max_offered_load, Kind.RATE, "ρ: arrivals × mean work ÷ server-days",
                   Section.VALIDATION, Direction.MINIMIZE, daily=False, community=False))
