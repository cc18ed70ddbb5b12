"""Every output metric, defined and declared once. The daily series (Mesa's DataCollector),
`summary.json`, the per-community, per-street and per-district tables, the dashboard, the web app,
the validation tables and the codebook all read the declarations at the end of this file (the
registry, `sim.metrics.registry`); nothing else computes a metric.

Each metric takes a model (meaning the whole city or community) or a `Scope` (some of its
communities: one community, a street, a district) and returns one number.

Conventions: a dispute is *noticed* when an institution learns of it (reported by a resident, or
found by a grid worker or a red-cell volunteer); bilateral negotiation alone does not notice it.
A dispute is *acted on* once anyone acts (negotiates or it is noticed); disputes lumped before
anyone acted are the base of the dispute pyramid and are not in the resolution rate's denominator.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..disputes.book import Event, Notice, Status
from ..disputes.ladder import COMMUNITY_CHANNELS, INSTITUTION_NAMES, INVOLVES_PROPERTY, LEVELS, RUNG, Channel
from ..scenario.schema import ACTIVITIES, AGE_BANDS, CATEGORIES
from .registry import METRICS, Direction, Kind, Metric, Section

#: by channel code: is the channel inside the community (小事不出社区)?
IN_COMMUNITY = np.array([c in COMMUNITY_CHANNELS for c in Channel])
ACTIVITY_WORDS = {"consultation": "consultations (协商议事)", "volunteering": "volunteering",
                  "assembly": "owners' assemblies", "service_centre": "service-centre activities"}
INSTITUTION_WORDS = {"party": "the community party organisation", "residents_committee": "the residents' committee",
                     "property_company": "the property-service company", "government": "government (street, district, city)"}


class Scope:
    """The disputes, residents and institutions of some communities (all when `communities` is None).

    Masks over the dispute book that several metrics share are computed once per scope (`memo`);
    the whole model's scope is kept until the book changes (`scope`), so the metrics of one day's
    collection share them."""

    def __init__(self, model, communities: list[int] | None = None):
        self.model = model
        self.book = model.disputes.book
        self.pop = model.population
        self._memo: dict[str, Any] = {}
        self.whole = communities is None
        self.communities = range(len(model.geography.communities)) if self.whole else list(communities)

    # rows in scope as ascending indices (what a mask selects, in the same order): each column is
    # then gathered at the scope's size, not scanned at the whole city's. Found when first read, so
    # a metric that reads only the tallies (a community's resolution rate) never looks for them.
    @functools.cached_property
    def _d(self) -> np.ndarray:
        return np.flatnonzero(np.isin(self.book.community, self.communities))

    @functools.cached_property
    def _r(self) -> np.ndarray:
        return np.sort(np.concatenate([self.model.community_rows[c] for c in self.communities]))

    def disputes(self, column: str) -> np.ndarray:
        """A column of the dispute book, for the disputes in scope."""
        col = getattr(self.book, column)
        return col if self.whole else col[self._d]

    def residents(self, array: str) -> np.ndarray:
        """An array of the population, for the residents in scope."""
        values = getattr(self.pop, array)
        return values if self.whole else values[self._r]

    def each(self, attribute: str) -> list:
        """The model's per-community institutions (e.g. `property_companies`) in scope."""
        items = getattr(self.model, attribute)
        return [items[c] for c in self.communities]

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """`compute()` once per scope (for values that depend only on the dispute book)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def tally(self, name: str) -> float:
        """A count (or sum) over the disputes in scope, kept as they are noticed and closed
        (`sim.disputes.book.Tallies`)."""
        return self.book.tallies.total(name, self.communities)

    def handlers(self) -> list:
        if self.whole:
            return self.model.disputes.all_handlers()
        return [h for c in self.communities for h in self.model.disputes.community_handlers[c].values()]


MetricFunction = Callable[[Any], float]


def scope(x) -> Scope:
    """`x` itself if a Scope; for a model, its whole scope, kept while its dispute book is unchanged."""
    if isinstance(x, Scope):
        return x
    book = x.disputes.book
    cached = book.__dict__.get("_scope")
    if cached is None or cached[0] != book.version or cached[1].model is not x:
        cached = (book.version, Scope(x))
        book.__dict__["_scope"] = cached
    return cached[1]


def _nan_mean(x: np.ndarray) -> float:
    if not len(x):
        return float("nan")
    if x.dtype == bool:  # a share: counting is exact and much faster than a float mean
        return np.count_nonzero(x) / len(x)
    if x.dtype == np.float64:  # what x.mean() computes (the same sum, divided), without its overhead
        return float(np.add.reduce(x)) / len(x)
    return float(x.mean())


# --- dispute counts ----------------------------------------------------------------------------


def resolved_mask(s: Scope) -> np.ndarray:
    return s.memo("resolved", lambda: s.disputes("status") == int(Status.RESOLVED))


def _abandoned(s: Scope) -> np.ndarray:
    return s.memo("abandoned", lambda: s.disputes("status") == int(Status.ABANDONED))


def _acted(s: Scope) -> np.ndarray:
    return s.memo("acted", lambda: s.disputes("notice") != int(Notice.NONE))


def acted_abandoned_mask(s: Scope) -> np.ndarray:
    """Abandoned after someone acted on it (negotiated, reported or detected)."""
    return _abandoned(s) & _acted(s)


def lumped_mask(s: Scope) -> np.ndarray:
    """Abandoned before anyone acted: grievances that never became claims."""
    return _abandoned(s) & ~_acted(s)


def noticed_mask(s: Scope) -> np.ndarray:
    return s.memo("noticed", lambda: ~np.isnan(s.disputes("noticed_time")))


def open_mask(s: Scope) -> np.ndarray:
    return s.memo("open", lambda: s.disputes("status") < int(Status.RESOLVED))


def resolution_rate(x) -> float:
    """Dispute resolution rate: resolved ÷ (resolved + abandoned after acting), over disputes
    closed so far. Lumped grievances and open cases are outside it."""
    s = scope(x)
    r, a = s.tally("resolved"), s.tally("abandoned_after_acting")
    return r / (r + a) if r + a else float("nan")


def community_share(x) -> float:
    """小事不出社区: of the resolved disputes an institution knew of, the share resolved inside the
    community (property desk, mediation, joint meeting, professional mediation, or negotiation a
    red-cell volunteer helped). Comparable with published 'resolved at the grassroots' shares,
    which count only cases that reached the dispute-resolution system."""
    s = scope(x)
    noticed = s.tally("resolved_noticed")
    return s.tally("resolved_noticed_in_community") / noticed if noticed else float("nan")


def days_to_resolution(x) -> np.ndarray:
    """Days from arising to resolution, for every resolved dispute."""
    s = scope(x)

    def days() -> np.ndarray:
        m = resolved_mask(s)
        return s.disputes("closed_time")[m] - s.disputes("arisen_day")[m]

    return s.memo("days_to_resolution", days)


def mean_days_to_resolution(x) -> float:
    """Mean days from arising to resolution, over the disputes resolved so far."""
    s = scope(x)
    resolved = s.tally("resolved")
    return s.tally("days_to_resolution") / resolved if resolved else float("nan")


def median_days_to_resolution(x) -> float:
    """Median days from arising to resolution, over the disputes resolved so far."""
    d = days_to_resolution(x)
    return float(np.median(d)) if len(d) else float("nan")


def share_resolved_within_30_days(x) -> float:
    """Share of the resolved disputes that were resolved within 30 days of arising."""
    d = days_to_resolution(x)
    return float((d <= 30).mean()) if len(d) else float("nan")


def days_to_notice(x) -> float:
    """Mean delay from arising to being noticed by an institution."""
    s = scope(x)
    noticed = s.tally("noticed")
    return s.tally("days_to_notice") / noticed if noticed else float("nan")


def reported_share(x) -> float:
    """Share of all disputes that arose that an institution noticed (true incidence vs reports)."""
    m = noticed_mask(scope(x))
    return float(m.mean()) if len(m) else float("nan")


def status_counts(s: Scope) -> np.ndarray:
    """Disputes in each status (indexed by `Status`)."""
    return s.memo("status_counts", lambda: np.bincount(s.disputes("status"), minlength=len(Status)))


def backlog(x) -> float:
    """Cases waiting for or in the hands of a handler."""
    counts = status_counts(scope(x))
    return float(counts[Status.WAITING] + counts[Status.IN_SERVICE])


def latent(x) -> float:
    """Disputes nobody has acted on yet."""
    return float(status_counts(scope(x))[Status.LATENT])


def reached_level(x, rung: int) -> int:
    """Disputes that climbed to `rung` or higher (3 street, 4 district or city, 5 court)."""
    return int((scope(x).disputes("highest_rung") >= rung).sum())


def reached(channel: Channel) -> MetricFunction:
    level = {Channel.STREET: "the street office", Channel.DISTRICT: "the district or the city", Channel.COURT: "court"}[channel]

    def metric(x) -> int:
        return reached_level(x, RUNG[channel])

    metric.__doc__ = f"Disputes that climbed as far as {level} or higher, since the start."
    return metric


# --- participation, trust, wellbeing -------------------------------------------------------------


def _recent(s: Scope, last_day: np.ndarray) -> np.ndarray:
    w = s.model.config.behaviour.participation.window_days
    return last_day > s.model.day - 1 - w


def participation_rate(x) -> float:
    """Share of adult residents who took part in any governance activity in the last 30 days."""
    s = scope(x)
    return _nan_mean(_recent(s, s.residents("last_any")))


def participation_in(activity: str) -> MetricFunction:
    a = ACTIVITIES.index(activity)

    def metric(x) -> float:
        s = scope(x)
        return _nan_mean(_recent(s, s.residents("last_part")[:, a]))

    metric.__doc__ = f"Share of adult residents who took part in {ACTIVITY_WORDS[activity]} in the last 30 days."
    return metric


def trust_in(institution: str) -> MetricFunction:
    k = INSTITUTION_NAMES.index(institution)

    def metric(x) -> float:
        return _nan_mean(scope(x).residents("trust")[:, k])

    metric.__doc__ = f"Mean trust of residents in {INSTITUTION_WORDS[institution]}, 0..1."
    return metric


def aspiration_of(institution: str) -> MetricFunction:
    k = INSTITUTION_NAMES.index(institution)

    def metric(x) -> float:
        return _nan_mean(scope(x).residents("aspiration")[:, k])

    metric.__doc__ = (f"Mean aspiration of residents for a case at {INSTITUTION_WORDS[institution]}, 0..1: the "
                      "experience they expect (1 a prompt resolution), which moves toward what they get.")
    return metric


def satisfaction(x) -> float:
    """Mean satisfaction of residents with community life, 0..1."""
    return _nan_mean(scope(x).residents("satisfaction"))


def security(x) -> float:
    """Mean sense of security of residents, 0..1."""
    return _nan_mean(scope(x).residents("security"))


def fee_collection_rate(x) -> float:
    """Property fees paid ÷ billed since the start (NaN where there is no property company)."""
    companies = scope(x).each("property_companies")
    billed = sum(pc.bills for pc in companies)
    return sum(pc.paid for pc in companies) / billed if billed else float("nan")


def property_service_quality(x) -> float:
    """Mean service quality of the property companies (0.3, a basic level, where there is none)."""
    return _nan_mean(np.array([pc.service_quality for pc in scope(x).each("property_companies")], dtype=np.float64))


def staff_hours(x) -> float:
    """Hours handlers spent working cases (8-hour days), since the start. A community's own
    handlers for a scope of communities; every handler, street to court, for the whole model."""
    return 8.0 * sum(h.busy_days for h in scope(x).handlers())


def money_spent(x) -> float:
    """Yuan spent since the start: property service, social organisations, co-located units."""
    s = scope(x)
    years = s.model.day / 365.0
    orgs = sum(o.funding for os in s.each("social_organisations") for o in os) * years
    units = sum(u.money_per_year for us in s.each("co_located_units") for u in us) * years
    return float(sum(pc.spent for pc in s.each("property_companies")) + orgs + units)


# --- finer figures that published statistics are compared with (validation) -------------------------


def _log(s: Scope) -> dict[str, np.ndarray]:
    """The case log as arrays (id, time, event, channel, detail) for the disputes in scope."""
    arrays = s.book.log_arrays()
    if s.whole:
        return arrays

    def mine() -> dict[str, np.ndarray]:
        keep = np.isin(s.book.community[arrays["id"]], s.communities)
        return {k: v[keep] for k, v in arrays.items()}

    return s.memo(f"log{len(arrays['id'])}", mine)


def _events_at(log: dict[str, np.ndarray], channel: Channel, *events: Event) -> np.ndarray:
    mask = log["channel"] == int(channel)
    return mask & np.isin(log["event"], [int(e) for e in events])


def channel_success(channel: Channel) -> MetricFunction:
    def metric(x) -> float:
        log = _log(scope(x))
        resolved = int(_events_at(log, channel, Event.RESOLVE).sum())
        failed = int(_events_at(log, channel, Event.FAIL).sum())
        return resolved / (resolved + failed) if resolved + failed else float("nan")

    metric.__doc__ = (f"Success at the {channel.name.lower().replace('_', ' ')}: cases resolved there ÷ cases "
                      "concluded there (resolved or failed), over the run.")
    return metric


def mediation_within_30_days(x) -> float:
    """Share of cases concluded (resolved or failed) at people's mediation within 30 days of being
    routed there; the mediation rules' usual time limit. On-the-spot settlements by grid workers
    count, with 0 days; cases routed there before day 0 (carried in) do not."""
    log = _log(scope(x))
    routed = _events_at(log, Channel.MEDIATION, Event.ROUTE)
    done = _events_at(log, Channel.MEDIATION, Event.RESOLVE, Event.FAIL)
    if not done.any():
        return float("nan")
    # each conclusion is matched with the latest route to mediation of the same dispute before it
    r_id, r_t = log["id"][routed], log["time"][routed]
    order = np.lexsort((r_t, r_id))
    r_id, r_t = r_id[order], r_t[order]
    d_id, d_t = log["id"][done], log["time"][done]
    pos = np.clip(np.searchsorted(r_id, d_id, side="right") - 1, 0, None)  # last route of that dispute (one per stay)
    # a case carried in from the warm-up may have been routed there before day 0: not counted
    mine = (pos < len(r_id)) & (r_id[np.minimum(pos, len(r_id) - 1)] == d_id) if len(r_id) else np.zeros(len(d_id), dtype=bool)
    if not mine.any():
        return float("nan")
    days = d_t[mine] - r_t[pos[mine]]
    return float((days <= 30.0).mean())


def cases_per_mediator(x) -> float:
    """Cases people's mediators took up (started work on) per mediator per year."""
    s = scope(x)
    started = int(_events_at(_log(s), Channel.MEDIATION, Event.START).sum())
    mediators = sum(len(rc.mediators) for rc in s.each("committees"))
    years = s.model.day / 365.0
    return started / mediators / years if mediators and years else float("nan")


def _categories_at(s: Scope, channel: Channel, event: Event) -> np.ndarray:
    log = _log(s)
    return s.book.category[log["id"][_events_at(log, channel, event)]]


def mediation_share(category: str) -> MetricFunction:
    k = CATEGORIES.index(category)

    def metric(x) -> float:
        cats = _categories_at(scope(x), Channel.MEDIATION, Event.START)
        return float((cats == k).mean()) if len(cats) else float("nan")

    metric.__doc__ = f"Share of the cases people's mediators took up that are {category.replace('_', ' ')} disputes."
    return metric


def hotline_cases_per_community_year(x) -> float:
    """Cases that reached the city hotline (12345), per community per year."""
    s = scope(x)
    n = int(_events_at(_log(s), Channel.CITY_HOTLINE, Event.ROUTE).sum())
    years = s.model.day / 365.0
    return n / len(s.communities) / years if years else float("nan")


def hotline_property_share(x) -> float:
    """Share of the cases that reached the city hotline that are about property service (a
    dispute with the property company, or about property service and fees)."""
    s = scope(x)
    log = _log(s)
    ids = log["id"][_events_at(log, Channel.CITY_HOTLINE, Event.ROUTE)]
    if not len(ids):
        return float("nan")
    about = np.isin(s.book.party_type[ids], [int(p) for p in INVOLVES_PROPERTY]) | (s.book.category[ids] == CATEGORIES.index("property_service"))
    return float(about.mean())


def court_share(x) -> float:
    """Share of all disputes that arose that reached the court (the top of the dispute pyramid)."""
    s = scope(x)
    n = len(s.disputes("status"))
    return reached_level(s, RUNG[Channel.COURT]) / n if n else float("nan")


def lumped_share(x) -> float:
    """Share of all disputes that arose that were lumped before anyone acted (the pyramid's base)."""
    s = scope(x)
    n = len(s.disputes("status"))
    return float(lumped_mask(s).sum()) / n if n else float("nan")


def participation_of(group: str) -> MetricFunction:
    """Participation rate among an age band (e.g. "18-29") or party members / non-members."""

    def members(s: Scope) -> np.ndarray:
        if group == "party_members":
            return s.residents("party_member")
        if group == "non_members":
            return ~s.residents("party_member")
        return s.residents("age_band") == AGE_BANDS.index(group)

    def metric(x) -> float:
        s = scope(x)
        return _nan_mean(_recent(s, s.residents("last_any"))[members(s)])

    metric.__doc__ = f"Participation rate (any activity in the last 30 days) among {group.replace('_', ' ')}."
    return metric



# --- per period: a month, or the window before or after a timeline entry ----------------------------


@dataclass(frozen=True)
class Period:
    """The days start <= day < stop of a run (0-based, as the case log counts days)."""

    start: int
    stop: int

    def holds(self, times: np.ndarray) -> np.ndarray:
        """Which of `times` (days; NaN: never) fall in the period."""
        return (times >= self.start) & (times < self.stop)


def _closed_in(s: Scope, p: Period) -> np.ndarray:
    return s.memo(f"closed {p.start} {p.stop}", lambda: p.holds(s.disputes("closed_time")))


def resolution_rate_in(x, p: Period) -> float:
    """The resolution rate of the disputes closed in the period: resolved ÷ (resolved + abandoned
    after acting), among those closed then."""
    s = scope(x)
    closed = _closed_in(s, p)
    r = int((resolved_mask(s) & closed).sum())
    a = int((acted_abandoned_mask(s) & closed).sum())
    return r / (r + a) if r + a else float("nan")


def community_share_in(x, p: Period) -> float:
    """小事不出社区 among the noticed disputes resolved in the period."""
    s = scope(x)
    ch = s.disputes("resolved_channel")[resolved_mask(s) & noticed_mask(s) & _closed_in(s, p)]
    return _nan_mean(IN_COMMUNITY[ch])


def mean_days_to_resolution_in(x, p: Period) -> float:
    """Mean days from arising to resolution of the disputes resolved in the period."""
    s = scope(x)
    m = resolved_mask(s) & _closed_in(s, p)
    return _nan_mean(s.disputes("closed_time")[m] - s.disputes("arisen_day")[m])


def days_to_notice_in(x, p: Period) -> float:
    """Mean delay from arising to being noticed, of the disputes noticed in the period."""
    s = scope(x)
    m = p.holds(s.disputes("noticed_time"))
    return _nan_mean(s.disputes("noticed_time")[m] - s.disputes("arisen_day")[m])


def fee_collection_rate_in(x, p: Period) -> float:
    """Property fees paid ÷ billed, of the monthly bills sent in the period."""
    billed = paid = 0
    for company in scope(x).each("property_companies"):
        for day, b, pd_ in company.ledger:
            if p.start <= day < p.stop:
                billed, paid = billed + b, paid + pd_
    return paid / billed if billed else float("nan")


def daily_mean(name: str) -> Callable[[Any, Period], float]:
    """A state metric over a period: the mean of its daily values on the period's days, from the
    recorded series (NaN if it was not recorded, or for a part of a city)."""

    def in_period(x, p: Period) -> float:
        s = scope(x)
        recorded = s.model.datacollector.model_vars.get(name)
        if recorded is None or not s.whole:
            return float("nan")
        values = np.asarray(recorded[p.start:p.stop], dtype=float)  # row k: the end of day k
        values = values[np.isfinite(values)]
        return float(values.mean()) if len(values) else float("nan")

    in_period.__doc__ = f"Mean of the daily {name} over the period's days."
    return in_period


# --- end-of-run totals -----------------------------------------------------------------------------


def days(x) -> int:
    """Days simulated (after any warm-up)."""
    return int(scope(x).model.day)


def residents(x) -> int:
    """Adult residents."""
    return int(len(scope(x).residents("community")))


def communities(x) -> int:
    """Communities (社区)."""
    return len(scope(x).communities)


def disputes_arisen(x) -> int:
    """Disputes that arose on the reported days (day 0 on)."""
    return int((scope(x).disputes("arisen_day") >= 0).sum())


def disputes_carried_in(x) -> int:
    """Disputes open at day 0, carried in from the warm-up (they arose before day 0). With the
    ones that arose since, they are every dispute the end-of-run counts and shares cover:
    resolved + abandoned + lumped + open = arisen + carried in."""
    return int((scope(x).disputes("arisen_day") < 0).sum())


def disputes_noticed(x) -> int:
    """Disputes an institution noticed (reported, or found by a grid worker or red-cell volunteer)."""
    return int(scope(x).tally("noticed"))


def disputes_resolved(x) -> int:
    """Disputes resolved, through any channel."""
    return int(scope(x).tally("resolved"))


def disputes_abandoned(x) -> int:
    """Disputes abandoned after someone acted on them."""
    return int(scope(x).tally("abandoned_after_acting"))


def disputes_lumped(x) -> int:
    """Grievances lumped before anyone acted (never became claims)."""
    return int(lumped_mask(scope(x)).sum())


def disputes_open(x) -> int:
    """Disputes still open at the end: latent, in negotiation, waiting or in service."""
    return int(open_mask(scope(x)).sum())


def events_today(event: Event) -> MetricFunction:
    def metric(model) -> float:
        return float(model.disputes.book.today[event])

    metric.__doc__ = f"Case-log '{event.name.lower()}' events today."
    return metric


def escalated_to_today(level: str) -> MetricFunction:
    k = LEVELS.index(level)

    def metric(model) -> float:
        return float(model.disputes.book.escalated_today[k])

    metric.__doc__ = f"Escalated cases that arrived at the {level} level today."
    return metric


def _group_key(group: str) -> str:
    return group.replace("-", "_").replace("+", "_plus")


# --- the declarations: one per metric, in the order tables show them --------------------------------

MAX, MIN, INFO = Direction.MAXIMIZE, Direction.MINIMIZE, Direction.INFO
DAILY_ONLY = {"end": False, "community": False}
END_ONLY = {"daily": False}
CITY_ONLY = {"daily": False, "community": False}

for _m in (
    # headline outcomes
    Metric("resolution_rate", resolution_rate, Kind.SHARE, "share of closed disputes", Section.OUTCOMES, MAX,
           headline=True, in_period=resolution_rate_in, colour="#1f5fa8", expected_range=(0.0, 1.0)),
    Metric("community_share", community_share, Kind.SHARE, "share of resolved, noticed disputes", Section.OUTCOMES, MAX,
           headline=True, in_period=community_share_in, colour="#c0392b", expected_range=(0.0, 1.0)),
    Metric("mean_days_to_resolution", mean_days_to_resolution, Kind.DAYS, "days", Section.OUTCOMES, MIN,
           headline=True, in_period=mean_days_to_resolution_in, colour="#e07b39"),
    Metric("participation_rate", participation_rate, Kind.SHARE, "share of adult residents", Section.OUTCOMES, MAX,
           headline=True, in_period=daily_mean("participation_rate"), colour="#222222", expected_range=(0.0, 1.0)),
    Metric("trust_residents_committee", trust_in("residents_committee"), Kind.INDEX, "0..1", Section.OUTCOMES, MAX,
           headline=True, in_period=daily_mean("trust_residents_committee"), colour="#1f5fa8", expected_range=(0.0, 1.0)),
    Metric("trust_party", trust_in("party"), Kind.INDEX, "0..1", Section.OUTCOMES, MAX,
           headline=True, in_period=daily_mean("trust_party"), colour="#c0392b", expected_range=(0.0, 1.0)),
    Metric("fee_collection_rate", fee_collection_rate, Kind.SHARE, "share of bills paid", Section.OUTCOMES, MAX,
           headline=True, in_period=fee_collection_rate_in, colour="#e07b39", expected_range=(0.0, 1.0)),
    # more about disputes
    Metric("median_days_to_resolution", median_days_to_resolution, Kind.DAYS, "days", Section.OUTCOMES, MIN, **END_ONLY),
    Metric("share_resolved_within_30_days", share_resolved_within_30_days, Kind.SHARE, "share of resolved disputes",
           Section.OUTCOMES, MAX, **END_ONLY),
    Metric("days_to_notice", days_to_notice, Kind.DAYS, "days", Section.OUTCOMES, MIN, in_period=days_to_notice_in),
    Metric("reported_share", reported_share, Kind.SHARE, "share of disputes arisen", Section.OUTCOMES, INFO, **END_ONLY),
    # end-of-run totals
    Metric("days", days, Kind.COUNT, "days", Section.RUN, **END_ONLY),
    Metric("residents", residents, Kind.COUNT, "adult residents", Section.RUN, **END_ONLY),
    Metric("communities", communities, Kind.COUNT, "communities", Section.RUN, **END_ONLY),
    Metric("disputes_arisen", disputes_arisen, Kind.COUNT, "disputes", Section.DISPUTES, **END_ONLY),
    Metric("disputes_carried_in", disputes_carried_in, Kind.COUNT, "disputes", Section.DISPUTES, **END_ONLY),
    Metric("disputes_noticed", disputes_noticed, Kind.COUNT, "disputes", Section.DISPUTES, **END_ONLY),
    Metric("disputes_resolved", disputes_resolved, Kind.COUNT, "disputes", Section.DISPUTES, MAX, **END_ONLY),
    Metric("disputes_abandoned", disputes_abandoned, Kind.COUNT, "disputes", Section.DISPUTES, MIN, **END_ONLY),
    Metric("disputes_lumped", disputes_lumped, Kind.COUNT, "disputes", Section.DISPUTES, **END_ONLY),
    Metric("disputes_open", disputes_open, Kind.COUNT, "disputes", Section.DISPUTES, **END_ONLY),
    Metric("reached_street", reached(Channel.STREET), Kind.COUNT, "disputes", Section.DISPUTES, MIN, **END_ONLY),
    Metric("reached_district_or_city", reached(Channel.DISTRICT), Kind.COUNT, "disputes", Section.DISPUTES, MIN, **END_ONLY),
    Metric("reached_court", reached(Channel.COURT), Kind.COUNT, "disputes", Section.DISPUTES, MIN, **END_ONLY),
    # stocks, each day and at the end
    Metric("latent", latent, Kind.COUNT, "disputes", Section.DISPUTES, colour="#8c8c8c"),
    Metric("backlog", backlog, Kind.COUNT, "cases", Section.DISPUTES, MIN, colour="#e07b39"),
    # the daily flow (case-log events of the day)
    Metric("arisen", events_today(Event.ARISE), Kind.COUNT, "disputes per day", Section.FLOW, colour="#8c8c8c", **DAILY_ONLY),
    Metric("reported", events_today(Event.NOTICE), Kind.COUNT, "disputes per day", Section.FLOW, **DAILY_ONLY),
    Metric("resolved", events_today(Event.RESOLVE), Kind.COUNT, "disputes per day", Section.FLOW, colour="#2a9d5c", **DAILY_ONLY),
    Metric("abandoned", events_today(Event.ABANDON), Kind.COUNT, "disputes per day", Section.FLOW, **DAILY_ONLY),
    Metric("lumped", events_today(Event.LUMP), Kind.COUNT, "disputes per day", Section.FLOW, **DAILY_ONLY),
    Metric("escalated", events_today(Event.ESCALATE), Kind.COUNT, "cases per day", Section.FLOW, colour="#c0392b", **DAILY_ONLY),
    *(Metric(f"escalated_{level}", escalated_to_today(level), Kind.COUNT, "cases per day", Section.FLOW, **DAILY_ONLY)
      for level in LEVELS),
    # participation
    *(Metric(f"participation_{a}", participation_in(a), Kind.SHARE, "share of adult residents", Section.PARTICIPATION, MAX,
             colour=colour, expected_range=(0.0, 1.0))
      for a, colour in zip(ACTIVITIES, ("#1f77b4", "#2a9d5c", "#9467bd", "#e07b39"))),
    # trust in the other institutions
    *(Metric(f"trust_{i}", trust_in(i), Kind.INDEX, "0..1", Section.TRUST, MAX, colour=colour, expected_range=(0.0, 1.0))
      for i, colour in (("property_company", "#8c6d31"), ("government", "#2e8b57"))),
    # what residents expect of each institution (their aspiration level)
    *(Metric(f"aspiration_{i}", aspiration_of(i), Kind.INDEX, "0..1", Section.TRUST, INFO, colour=colour,
             expected_range=(0.0, 1.0))
      for i, colour in (("party", "#c0392b"), ("residents_committee", "#1f5fa8"), ("property_company", "#8c6d31"),
                        ("government", "#2e8b57"))),
    # wellbeing and resources
    Metric("satisfaction", satisfaction, Kind.INDEX, "0..1", Section.WELLBEING, MAX, colour="#1f5fa8", expected_range=(0.0, 1.0)),
    Metric("security", security, Kind.INDEX, "0..1", Section.WELLBEING, MAX, colour="#2a9d5c", expected_range=(0.0, 1.0)),
    Metric("property_service_quality", property_service_quality, Kind.INDEX, "0..1", Section.WELLBEING, MAX,
           colour="#8c6d31", expected_range=(0.0, 1.0)),
    Metric("staff_hours", staff_hours, Kind.COUNT, "hours, since the start", Section.RESOURCES, MIN),
    Metric("money_spent", money_spent, Kind.MONEY, "yuan, since the start", Section.RESOURCES, MIN),
    # finer end-of-run figures that published statistics are compared with (sim.validation)
    *(Metric(f"participation_{_group_key(g)}", participation_of(g), Kind.SHARE, "share of the group", Section.VALIDATION,
             MAX, **CITY_ONLY)
      for g in (*AGE_BANDS, "party_members", "non_members")),
    *(Metric(f"{ch.name.lower()}_success", channel_success(ch), Kind.SHARE, "share of cases concluded there",
             Section.VALIDATION, MAX, **CITY_ONLY)
      for ch in (Channel.MEDIATION, Channel.JOINT_MEETING, Channel.PROFESSIONAL, Channel.PROPERTY_DESK, Channel.STREET,
                 Channel.CITY_HOTLINE, Channel.COURT)),
    Metric("mediation_within_30_days", mediation_within_30_days, Kind.SHARE, "share of mediation cases",
           Section.VALIDATION, MAX, **CITY_ONLY),
    Metric("cases_per_mediator", cases_per_mediator, Kind.RATE, "cases per mediator per year", Section.VALIDATION, **CITY_ONLY),
    *(Metric(f"mediation_share_{c}", mediation_share(c), Kind.SHARE, "share of mediation cases", Section.VALIDATION, **CITY_ONLY)
      for c in ("family", "noise_neighbour")),
    Metric("hotline_cases_per_community_year", hotline_cases_per_community_year, Kind.RATE,
           "cases per community per year", Section.VALIDATION, MIN, **CITY_ONLY),
    Metric("hotline_property_share", hotline_property_share, Kind.SHARE, "share of hotline cases", Section.VALIDATION, **CITY_ONLY),
    Metric("court_share", court_share, Kind.SHARE, "share of disputes arisen", Section.VALIDATION, MIN, **CITY_ONLY),
    Metric("lumped_share", lumped_share, Kind.SHARE, "share of disputes arisen", Section.VALIDATION, **CITY_ONLY),
):
    METRICS.add(_m)


def summary(x) -> dict[str, float | int]:
    """End-of-run figures for `summary.json`: every end-of-run metric of the model; of a scope of
    some communities (the city tables), those that exist per community."""
    s = scope(x)
    out = {m.name: m.compute(s) for m in (METRICS.end() if s.whole else METRICS.per_community())}
    return {k: (round(v, 10) if isinstance(v, float) else v) for k, v in out.items()}


def daily_reporters(record: list[str] | None = None) -> dict[str, MetricFunction]:
    """DataCollector model reporters for the daily metrics named in `record` (all when None),
    in registry order. Raises KeyError naming a name that is no daily metric."""
    daily = {m.name: m.compute for m in METRICS.daily()}
    if record is None:
        return daily
    unknown = [n for n in record if n not in daily]
    if unknown:
        raise KeyError(f"not a daily metric: {', '.join(unknown)}")
    wanted = set(record)
    return {n: f for n, f in daily.items() if n in wanted}


def headline() -> list[str]:
    """The headline metrics, in the order tables show them."""
    return METRICS.headline()
