"""Every output metric, defined once. The daily series (Mesa's DataCollector), `summary.json`, the
dashboard and the web app all read these functions; nothing else computes a metric.

Conventions: a dispute is *noticed* when an institution learns of it (reported by a resident, or
found by a grid worker or a red-cell volunteer); bilateral negotiation alone does not notice it.
A dispute is *acted on* once anyone acts (negotiates or it is noticed); disputes lumped before
anyone acted are the base of the dispute pyramid and are not in the resolution rate's denominator.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..disputes.book import Notice, Status
from ..disputes.ladder import COMMUNITY_CHANNELS, INSTITUTION_NAMES, RUNG, Channel
from ..scenario.schema import ACTIVITIES

Metric = Callable[[object], float]
COMMUNITY_CODES = np.array(sorted(int(c) for c in COMMUNITY_CHANNELS))


def _book(model):
    return model.disputes.book


def _nan_mean(x: np.ndarray) -> float:
    return float(x.mean()) if len(x) else float("nan")


# --- dispute counts ----------------------------------------------------------------------------


def resolved_mask(b) -> np.ndarray:
    return b.status == Status.RESOLVED


def acted_abandoned_mask(b) -> np.ndarray:
    """Abandoned after someone acted on it (negotiated, reported or detected)."""
    return (b.status == Status.ABANDONED) & (b.notice != Notice.NONE)


def lumped_mask(b) -> np.ndarray:
    """Abandoned before anyone acted: grievances that never became claims."""
    return (b.status == Status.ABANDONED) & (b.notice == Notice.NONE)


def noticed_mask(b) -> np.ndarray:
    return ~np.isnan(b.noticed_time)


def open_mask(b) -> np.ndarray:
    return b.status < Status.RESOLVED


def resolution_rate(model) -> float:
    """Dispute resolution rate: resolved ÷ (resolved + abandoned after acting), over disputes
    closed so far. Lumped grievances and open cases are outside it."""
    b = _book(model)
    r = int(resolved_mask(b).sum())
    a = int(acted_abandoned_mask(b).sum())
    return r / (r + a) if r + a else float("nan")


def community_share(model) -> float:
    """小事不出社区: of the resolved disputes an institution knew of, the share resolved inside the
    community (property desk, mediation, joint meeting, professional mediation, or negotiation a
    red-cell volunteer helped). Comparable with published 'resolved at the grassroots' shares,
    which count only cases that reached the dispute-resolution system."""
    b = _book(model)
    ch = b.resolved_channel[resolved_mask(b) & noticed_mask(b)]
    return float(np.isin(ch, COMMUNITY_CODES).mean()) if len(ch) else float("nan")


def days_to_resolution(model) -> np.ndarray:
    b = _book(model)
    m = resolved_mask(b)
    return b.closed_time[m] - b.arisen_day[m]


def mean_days_to_resolution(model) -> float:
    return _nan_mean(days_to_resolution(model))


def median_days_to_resolution(model) -> float:
    d = days_to_resolution(model)
    return float(np.median(d)) if len(d) else float("nan")


def share_resolved_within_30_days(model) -> float:
    d = days_to_resolution(model)
    return float((d <= 30).mean()) if len(d) else float("nan")


def days_to_notice(model) -> float:
    """Mean delay from arising to being noticed by an institution."""
    b = _book(model)
    m = noticed_mask(b)
    return _nan_mean(b.noticed_time[m] - b.arisen_day[m])


def reported_share(model) -> float:
    """Share of all disputes that arose that an institution noticed (true incidence vs reports)."""
    b = _book(model)
    return float(noticed_mask(b).mean()) if b.n else float("nan")


def backlog(model) -> float:
    """Cases waiting for or in the hands of a handler."""
    s = _book(model).status
    return float(((s == Status.WAITING) | (s == Status.IN_SERVICE)).sum())


def latent(model) -> float:
    """Disputes nobody has acted on yet."""
    return float((_book(model).status == Status.LATENT).sum())


def reached_level(model, rung: int) -> int:
    return int((_book(model).highest_rung >= rung).sum())


# --- participation, trust, wellbeing -------------------------------------------------------------


def participation_rate(model) -> float:
    """Share of adult residents who took part in any governance activity in the last 30 days."""
    w = model.config.behaviour.participation.window_days
    return float(model.population.active(model.day - 1, w).mean())


def participation_in(activity: str) -> Metric:
    a = ACTIVITIES.index(activity)

    def metric(model) -> float:
        w = model.config.behaviour.participation.window_days
        return float(model.population.active_in(a, model.day - 1, w).mean())

    metric.__doc__ = f"Share who took part in {activity} in the last 30 days."
    return metric


def trust_in(institution: str) -> Metric:
    k = INSTITUTION_NAMES.index(institution)

    def metric(model) -> float:
        return float(model.population.trust[:, k].mean())

    metric.__doc__ = f"Mean trust in the {institution.replace('_', ' ')}, 0..1."
    return metric


def satisfaction(model) -> float:
    return float(model.population.satisfaction.mean())


def security(model) -> float:
    return float(model.population.security.mean())


def fee_collection_rate(model) -> float:
    """Property fees paid ÷ billed since the start (NaN where there is no property company)."""
    billed = sum(pc.bills for pc in model.property_companies)
    return sum(pc.paid for pc in model.property_companies) / billed if billed else float("nan")


def property_service_quality(model) -> float:
    q = [pc.service_quality for pc in model.property_companies]
    return float(np.mean(q))


def staff_hours(model) -> float:
    """Hours handlers spent working cases (8-hour days), since the start."""
    return 8.0 * sum(h.busy_days for h in model.disputes.all_handlers())


def money_spent(model) -> float:
    """Yuan spent since the start: property service, social organisations, co-located units."""
    days = model.day
    orgs = sum(o.funding for os in model.social_organisations for o in os) * days / 365.0
    units = sum(u.money_per_year for us in model.co_located_units for u in us) * days / 365.0
    return float(sum(pc.spent for pc in model.property_companies) + orgs + units)


# --- the tables every output uses ------------------------------------------------------------------


def _today(event: str) -> Metric:
    def metric(model) -> float:
        return float(_book(model).today[event])

    metric.__doc__ = f"Count of '{event}' today."
    return metric


#: daily series: name → metric; the DataCollector records these once a day
SERIES: dict[str, Metric] = {
    "arisen": _today("arise"),
    "reported": _today("notice"),
    "resolved": _today("resolve"),
    "abandoned": _today("abandon"),
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


def summary(model) -> dict[str, float | int]:
    """End-of-run figures for `summary.json`: totals from the case log, then the metrics above."""
    b = _book(model)
    totals = {
        "days": model.day,
        "residents": model.population.n,
        "communities": len(model.geography.communities),
        "disputes_arisen": b.n,
        "disputes_noticed": int(noticed_mask(b).sum()),
        "disputes_resolved": int(resolved_mask(b).sum()),
        "disputes_abandoned": int(acted_abandoned_mask(b).sum()),
        "disputes_lumped": int(lumped_mask(b).sum()),
        "disputes_open": int(open_mask(b).sum()),
        "reached_street": reached_level(model, RUNG[Channel.STREET]),
        "reached_district_or_city": reached_level(model, RUNG[Channel.DISTRICT]),
        "reached_court": reached_level(model, RUNG[Channel.COURT]),
    }
    rates = {
        "resolution_rate": resolution_rate(model),
        "community_share": community_share(model),
        "mean_days_to_resolution": mean_days_to_resolution(model),
        "median_days_to_resolution": median_days_to_resolution(model),
        "share_resolved_within_30_days": share_resolved_within_30_days(model),
        "days_to_notice": days_to_notice(model),
        "reported_share": reported_share(model),
    }
    rest = {k: f(model) for k, f in SERIES.items() if k not in rates and not k.startswith(("arisen", "reported", "resolved", "abandoned", "escalated"))}
    out = {**totals, **rates, **rest}
    return {k: (round(v, 10) if isinstance(v, float) else v) for k, v in out.items()}
