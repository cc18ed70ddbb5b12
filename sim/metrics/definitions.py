"""Every output metric, defined once. The daily series (Mesa's DataCollector), `summary.json`, the
per-community, per-street and per-district tables, the dashboard and the web app all read these
functions; nothing else computes a metric.

Each metric takes a model (meaning the whole city or community) or a `Scope` (some of its
communities: one community, a street, a district) and returns one number.

Conventions: a dispute is *noticed* when an institution learns of it (reported by a resident, or
found by a grid worker or a red-cell volunteer); bilateral negotiation alone does not notice it.
A dispute is *acted on* once anyone acts (negotiates or it is noticed); disputes lumped before
anyone acted are the base of the dispute pyramid and are not in the resolution rate's denominator.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..disputes.book import EVENT_CODE, Notice, Status
from ..disputes.ladder import COMMUNITY_CHANNELS, INSTITUTION_NAMES, INVOLVES_PROPERTY, RUNG, Channel
from ..scenario.schema import ACTIVITIES, AGE_BANDS, CATEGORIES

COMMUNITY_CODES = np.array(sorted(int(c) for c in COMMUNITY_CHANNELS))


class Scope:
    """The disputes, residents and institutions of some communities (all when `communities` is None)."""

    def __init__(self, model, communities: list[int] | None = None):
        self.model = model
        self.book = model.disputes.book
        self.pop = model.population
        if communities is None:
            self.communities = range(len(model.geography.communities))
            self._d = self._r = slice(None)
        else:
            self.communities = list(communities)
            self._d = np.isin(self.book.community, self.communities)
            self._r = np.isin(self.pop.community, self.communities)

    def disputes(self, column: str) -> np.ndarray:
        """A column of the dispute book, for the disputes in scope."""
        return getattr(self.book, column)[self._d]

    def residents(self, array: str) -> np.ndarray:
        """An array of the population, for the residents in scope."""
        return getattr(self.pop, array)[self._r]

    def each(self, attribute: str) -> list:
        """The model's per-community institutions (e.g. `property_companies`) in scope."""
        items = getattr(self.model, attribute)
        return [items[c] for c in self.communities]

    def handlers(self) -> list:
        if isinstance(self._d, slice):
            return self.model.disputes.all_handlers()
        return [h for c in self.communities for h in self.model.disputes.community_handlers[c].values()]


Metric = Callable[[Any], float]


def scope(x) -> Scope:
    return x if isinstance(x, Scope) else Scope(x)


def _nan_mean(x: np.ndarray) -> float:
    return float(x.mean()) if len(x) else float("nan")


# --- dispute counts ----------------------------------------------------------------------------


def resolved_mask(s: Scope) -> np.ndarray:
    return s.disputes("status") == Status.RESOLVED


def acted_abandoned_mask(s: Scope) -> np.ndarray:
    """Abandoned after someone acted on it (negotiated, reported or detected)."""
    return (s.disputes("status") == Status.ABANDONED) & (s.disputes("notice") != Notice.NONE)


def lumped_mask(s: Scope) -> np.ndarray:
    """Abandoned before anyone acted: grievances that never became claims."""
    return (s.disputes("status") == Status.ABANDONED) & (s.disputes("notice") == Notice.NONE)


def noticed_mask(s: Scope) -> np.ndarray:
    return ~np.isnan(s.disputes("noticed_time"))


def open_mask(s: Scope) -> np.ndarray:
    return s.disputes("status") < Status.RESOLVED


def resolution_rate(x) -> float:
    """Dispute resolution rate: resolved ÷ (resolved + abandoned after acting), over disputes
    closed so far. Lumped grievances and open cases are outside it."""
    s = scope(x)
    r = int(resolved_mask(s).sum())
    a = int(acted_abandoned_mask(s).sum())
    return r / (r + a) if r + a else float("nan")


def community_share(x) -> float:
    """小事不出社区: of the resolved disputes an institution knew of, the share resolved inside the
    community (property desk, mediation, joint meeting, professional mediation, or negotiation a
    red-cell volunteer helped). Comparable with published 'resolved at the grassroots' shares,
    which count only cases that reached the dispute-resolution system."""
    s = scope(x)
    ch = s.disputes("resolved_channel")[resolved_mask(s) & noticed_mask(s)]
    return float(np.isin(ch, COMMUNITY_CODES).mean()) if len(ch) else float("nan")


def days_to_resolution(x) -> np.ndarray:
    """Days from arising to resolution, for every resolved dispute."""
    s = scope(x)
    m = resolved_mask(s)
    return s.disputes("closed_time")[m] - s.disputes("arisen_day")[m]


def mean_days_to_resolution(x) -> float:
    return _nan_mean(days_to_resolution(x))


def median_days_to_resolution(x) -> float:
    d = days_to_resolution(x)
    return float(np.median(d)) if len(d) else float("nan")


def share_resolved_within_30_days(x) -> float:
    d = days_to_resolution(x)
    return float((d <= 30).mean()) if len(d) else float("nan")


def days_to_notice(x) -> float:
    """Mean delay from arising to being noticed by an institution."""
    s = scope(x)
    m = noticed_mask(s)
    return _nan_mean(s.disputes("noticed_time")[m] - s.disputes("arisen_day")[m])


def reported_share(x) -> float:
    """Share of all disputes that arose that an institution noticed (true incidence vs reports)."""
    m = noticed_mask(scope(x))
    return float(m.mean()) if len(m) else float("nan")


def backlog(x) -> float:
    """Cases waiting for or in the hands of a handler."""
    st = scope(x).disputes("status")
    return float(((st == Status.WAITING) | (st == Status.IN_SERVICE)).sum())


def latent(x) -> float:
    """Disputes nobody has acted on yet."""
    return float((scope(x).disputes("status") == Status.LATENT).sum())


def reached_level(x, rung: int) -> int:
    """Disputes that climbed to `rung` or higher (3 street, 4 district or city, 5 court)."""
    return int((scope(x).disputes("highest_rung") >= rung).sum())


# --- participation, trust, wellbeing -------------------------------------------------------------


def _recent(s: Scope, last_day: np.ndarray) -> np.ndarray:
    w = s.model.config.behaviour.participation.window_days
    return last_day > s.model.day - 1 - w


def participation_rate(x) -> float:
    """Share of adult residents who took part in any governance activity in the last 30 days."""
    s = scope(x)
    return _nan_mean(_recent(s, s.residents("last_any")))


def participation_in(activity: str) -> Metric:
    a = ACTIVITIES.index(activity)

    def metric(x) -> float:
        s = scope(x)
        return _nan_mean(_recent(s, s.residents("last_part")[:, a]))

    metric.__doc__ = f"Share who took part in {activity} in the last 30 days."
    return metric


def trust_in(institution: str) -> Metric:
    k = INSTITUTION_NAMES.index(institution)

    def metric(x) -> float:
        return _nan_mean(scope(x).residents("trust")[:, k])

    metric.__doc__ = f"Mean trust in the {institution.replace('_', ' ')}, 0..1."
    return metric


def satisfaction(x) -> float:
    return _nan_mean(scope(x).residents("satisfaction"))


def security(x) -> float:
    return _nan_mean(scope(x).residents("security"))


def fee_collection_rate(x) -> float:
    """Property fees paid ÷ billed since the start (NaN where there is no property company)."""
    companies = scope(x).each("property_companies")
    billed = sum(pc.bills for pc in companies)
    return sum(pc.paid for pc in companies) / billed if billed else float("nan")


def property_service_quality(x) -> float:
    """Mean service quality of the property companies (0.3, a basic level, where there is none)."""
    return float(np.mean([pc.service_quality for pc in scope(x).each("property_companies")]))


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
    """The case log as arrays (dispute id, time, event code, channel code) for the disputes in
    scope; cached on the book until it grows."""
    book = s.book
    cached = book.__dict__.get("_log_arrays")
    if cached is None or cached[0] != len(book.log_id):
        arrays = {"id": np.asarray(book.log_id, dtype=np.int64), "time": np.asarray(book.log_time, dtype=np.float64),
                  "event": np.asarray(book.log_event, dtype=np.int64), "channel": np.asarray(book.log_channel, dtype=np.int64)}
        book.__dict__["_log_arrays"] = cached = (len(book.log_id), arrays)
    arrays = cached[1]
    if isinstance(s._d, slice):
        return arrays
    keep = np.isin(book.community[arrays["id"]], s.communities)
    return {k: v[keep] for k, v in arrays.items()}


def _events_at(log: dict[str, np.ndarray], channel: Channel, *events: str) -> np.ndarray:
    mask = log["channel"] == int(channel)
    return mask & np.isin(log["event"], [EVENT_CODE[e] for e in events])


def channel_success(channel: Channel) -> Metric:
    def metric(x) -> float:
        log = _log(scope(x))
        resolved = int(_events_at(log, channel, "resolve").sum())
        failed = int(_events_at(log, channel, "fail").sum())
        return resolved / (resolved + failed) if resolved + failed else float("nan")

    metric.__doc__ = (f"Success at the {channel.name.lower().replace('_', ' ')}: cases resolved there ÷ cases "
                      "concluded there (resolved or failed), over the run.")
    return metric


def mediation_within_30_days(x) -> float:
    """Share of cases concluded (resolved or failed) at people's mediation within 30 days of being
    routed there; the mediation rules' usual time limit. On-the-spot settlements by grid workers
    count, with 0 days."""
    log = _log(scope(x))
    routed = _events_at(log, Channel.MEDIATION, "route")
    done = _events_at(log, Channel.MEDIATION, "resolve", "fail")
    if not done.any():
        return float("nan")
    # each conclusion is matched with the latest route to mediation of the same dispute before it
    r_id, r_t = log["id"][routed], log["time"][routed]
    order = np.lexsort((r_t, r_id))
    r_id, r_t = r_id[order], r_t[order]
    d_id, d_t = log["id"][done], log["time"][done]
    pos = np.searchsorted(r_id, d_id, side="right") - 1  # last route of that dispute (one per stay)
    days = d_t - r_t[np.clip(pos, 0, None)]
    return float((days <= 30.0).mean())


def cases_per_mediator(x) -> float:
    """Cases people's mediators took up (started work on) per mediator per year."""
    s = scope(x)
    started = int(_events_at(_log(s), Channel.MEDIATION, "start").sum())
    mediators = sum(len(rc.mediators) for rc in s.each("committees"))
    years = s.model.day / 365.0
    return started / mediators / years if mediators and years else float("nan")


def _categories_at(s: Scope, channel: Channel, event: str) -> np.ndarray:
    log = _log(s)
    return s.book.category[log["id"][_events_at(log, channel, event)]]


def mediation_share(category: str) -> Metric:
    k = CATEGORIES.index(category)

    def metric(x) -> float:
        cats = _categories_at(scope(x), Channel.MEDIATION, "start")
        return float((cats == k).mean()) if len(cats) else float("nan")

    metric.__doc__ = f"Share of the cases people's mediators took up that are {category.replace('_', ' ')} disputes."
    return metric


def hotline_cases_per_community_year(x) -> float:
    """Cases that reached the city hotline (12345), per community per year."""
    s = scope(x)
    n = int(_events_at(_log(s), Channel.CITY_HOTLINE, "route").sum())
    years = s.model.day / 365.0
    return n / len(s.communities) / years if years else float("nan")


def hotline_property_share(x) -> float:
    """Share of the cases that reached the city hotline that are about property service (a
    dispute with the property company, or about property service and fees)."""
    s = scope(x)
    log = _log(s)
    ids = log["id"][_events_at(log, Channel.CITY_HOTLINE, "route")]
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


def participation_of(group: str) -> Metric:
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


def _group_key(group: str) -> str:
    return group.replace("-", "_").replace("+", "_plus")


#: end-of-run figures compared with published statistics (`sim.validation`); not in the daily
#: series nor in summary.json, because they read the whole case log
DETAIL: dict[str, Metric] = {
    **{f"participation_{_group_key(g)}": participation_of(g) for g in (*AGE_BANDS, "party_members", "non_members")},
    "mediation_success": channel_success(Channel.MEDIATION),
    "joint_meeting_success": channel_success(Channel.JOINT_MEETING),
    "professional_success": channel_success(Channel.PROFESSIONAL),
    "property_desk_success": channel_success(Channel.PROPERTY_DESK),
    "street_success": channel_success(Channel.STREET),
    "city_hotline_success": channel_success(Channel.CITY_HOTLINE),
    "court_success": channel_success(Channel.COURT),
    "mediation_within_30_days": mediation_within_30_days,
    "cases_per_mediator": cases_per_mediator,
    "mediation_share_family": mediation_share("family"),
    "mediation_share_noise_neighbour": mediation_share("noise_neighbour"),
    "hotline_cases_per_community_year": hotline_cases_per_community_year,
    "hotline_property_share": hotline_property_share,
    "court_share": court_share,
    "lumped_share": lumped_share,
}


def detail(x) -> dict[str, float]:
    """The DETAIL figures of a model or scope."""
    s = scope(x)
    return {k: round(f(s), 10) for k, f in DETAIL.items()}


# --- the tables every output uses ------------------------------------------------------------------


def _today(event: str) -> Metric:
    def metric(model) -> float:
        return float(model.disputes.book.today[event])

    metric.__doc__ = f"Count of '{event}' today."
    return metric


#: daily series: name → metric; the DataCollector records these once a day
SERIES: dict[str, Metric] = {
    "arisen": _today("arise"),
    "reported": _today("notice"),
    "resolved": _today("resolve"),
    "abandoned": _today("abandon"),
    "lumped": _today("lump"),
    "escalated": _today("escalate"),
    "escalated_street": _today("escalated_street"),
    "escalated_district": _today("escalated_district"),
    "escalated_city": _today("escalated_city"),
    "escalated_court": _today("escalated_court"),
    "latent": latent,
    "backlog": backlog,
    "resolution_rate": resolution_rate,
    "community_share": community_share,
    "mean_days_to_resolution": mean_days_to_resolution,
    "days_to_notice": days_to_notice,
    "participation_rate": participation_rate,
    **{f"participation_{a}": participation_in(a) for a in ACTIVITIES},
    **{f"trust_{i}": trust_in(i) for i in INSTITUTION_NAMES},
    "satisfaction": satisfaction,
    "security": security,
    "fee_collection_rate": fee_collection_rate,
    "property_service_quality": property_service_quality,
    "staff_hours": staff_hours,
    "money_spent": money_spent,
}

#: headline metrics, in the order tables show them
HEADLINE = [
    "resolution_rate",
    "community_share",
    "mean_days_to_resolution",
    "participation_rate",
    "trust_residents_committee",
    "fee_collection_rate",
]


#: end-of-run rates reported besides the daily series
RATES: dict[str, Metric] = {
    "resolution_rate": resolution_rate,
    "community_share": community_share,
    "mean_days_to_resolution": mean_days_to_resolution,
    "median_days_to_resolution": median_days_to_resolution,
    "share_resolved_within_30_days": share_resolved_within_30_days,
    "days_to_notice": days_to_notice,
    "reported_share": reported_share,
}
#: daily counts that make no sense as end-of-run figures
_DAILY_ONLY = ("arisen", "reported", "resolved", "abandoned", "lumped", "escalated")


def summary(x) -> dict[str, float | int]:
    """End-of-run figures for `summary.json` (and, per scope, the community, street and district
    tables): totals from the dispute book, then the metrics above."""
    s = scope(x)
    totals = {
        "days": s.model.day,
        "residents": int(len(s.residents("community"))),
        "communities": len(s.communities),
        "disputes_arisen": int(len(s.disputes("status"))),
        "disputes_noticed": int(noticed_mask(s).sum()),
        "disputes_resolved": int(resolved_mask(s).sum()),
        "disputes_abandoned": int(acted_abandoned_mask(s).sum()),
        "disputes_lumped": int(lumped_mask(s).sum()),
        "disputes_open": int(open_mask(s).sum()),
        "reached_street": reached_level(s, RUNG[Channel.STREET]),
        "reached_district_or_city": reached_level(s, RUNG[Channel.DISTRICT]),
        "reached_court": reached_level(s, RUNG[Channel.COURT]),
    }
    rates = {k: f(s) for k, f in RATES.items()}
    rest = {k: f(s) for k, f in SERIES.items() if k not in rates and not k.startswith(_DAILY_ONLY)}
    out = {**totals, **rates, **rest}
    return {k: (round(v, 10) if isinstance(v, float) else v) for k, v in out.items()}
