"""Each policy lever moves its documented outcome in the documented direction.

Every comparison is the mean over the same fixed seeds with the lever off and on (common random
numbers), on the default community of about 5,000 residents.
"""

from __future__ import annotations

import numpy as np
import pytest
import replicates

from sim import CoGovModel
from sim.disputes.book import Status
from sim.metrics import definitions as M

SEEDS = (11, 12, 13)
DAYS = 240


def mean_over_seeds(metric, overrides: dict, days: int = DAYS) -> float:
    return replicates.mean_over_seeds(metric, overrides, SEEDS, days)


def escalated_resolution(model) -> float:
    """Share of cases that reached the street or above that ended resolved."""
    b = model.disputes.book
    high = b.highest_rung >= 3
    closed = high & (b.status >= Status.RESOLVED)
    return float((high & (b.status == Status.RESOLVED)).sum() / max(1, closed.sum()))


def success_at(channel: str):
    def metric(model) -> float:
        """Share of cases concluded at `channel` that were resolved there."""
        log = model.disputes.book.event_table(model.geography.names).to_pandas()
        at = log[log["channel"] == channel]
        resolved, failed = (at["event"] == "resolve").sum(), (at["event"] == "fail").sum()
        return float(resolved / max(1, resolved + failed))

    return metric


def misroutes(model) -> float:
    return float(model.disputes.book.misroutes.sum())


def noise_disputes(model) -> float:
    b = model.disputes.book
    return float((b.category == 3).sum())  # noise_neighbour


def inspections(model) -> float:
    return float(sum(d.inspections for d in model.districts))


LEVERS = [
    # (lever, overrides when on, metric, expected sign of on − off)
    ("grid management shortens the delay from arising to noticed",
     {"policies.grid_management.enabled": True}, M.days_to_notice, -1),
    ("red cells notice disputes earlier",
     {"policies.red_cells.enabled": True}, M.days_to_notice, -1),
    ("red cells raise participation",
     {"policies.red_cells.enabled": True}, M.participation_rate, +1),
    ("joint meetings keep more resolutions inside the community",
     {"policies.joint_meetings.enabled": True}, M.community_share, +1),
    ("multi-channel resolution raises the resolution rate",
     {"policies.multi_channel.enabled": True}, M.resolution_rate, +1),
    ("red property makes the property desk settle more complaints",
     {"policies.red_property.enabled": True}, success_at("property_desk"), +1),
    ("city coordination resolves more escalated cases",
     {"policies.city_coordination.enabled": True, "policies.city_coordination.strength": 0.8}, escalated_resolution, +1),
    ("district supervision shortens days to resolution",
     {"policies.district_supervision.enabled": True, "policies.district_supervision.intensity": 1.0,
      "policies.district_supervision.inspection_interval_days": 30}, M.mean_days_to_resolution, -1),
    ("a strong party organisation raises participation",
     {"policies.party_building.secretary_capability": 0.9, "policies.party_building.mobilisation_effort": 0.9},
     M.participation_rate, +1),
    ("a volunteering project raises volunteering",
     {"policies.party_building.projects": [{"activity": "volunteering", "start_day": 0, "duration_days": DAYS, "boost": 1.0}]},
     M.participation_in("volunteering"), +1),
    ("safe-community campaign raises the sense of security",
     {"policies.safe_community.enabled": True}, M.security, +1),
    ("safe-community campaign cuts noise disputes",
     {"policies.safe_community.enabled": True, "policies.safe_community.intensity": 1.0}, noise_disputes, -1),
    ("incubating social organisations raises participation",
     {"policies.social_org_incubation.enabled": True}, M.participation_rate, +1),
    ("enterprise volunteer hours raise volunteering",
     {"policies.enterprise_responsibility.enabled": True, "policies.enterprise_responsibility.volunteer_hours_per_year": 5000},
     M.participation_in("volunteering"), +1),
    ("volunteer culture raises volunteering",
     {"policies.volunteer_culture.level": 1.0}, M.participation_in("volunteering"), +1),
    ("online reporting gets more disputes reported",
     {"policies.smart_platform.online_reporting": True}, M.reported_share, +1),
    ("shared routing cuts misroutes",
     {"policies.smart_platform.shared_routing": True}, misroutes, -1),
    ("need analytics raise satisfaction",
     {"policies.smart_platform.need_analytics": True}, M.satisfaction, +1),
    ("smart supervision adds visits to lagging communities",
     {"policies.district_supervision.enabled": True, "policies.smart_platform.smart_supervision": True,
      "site.residents_committee.mediators": 1},
     inspections, +1),
    ("publicity raises trust in the residents' committee",
     {"policies.publicity_training.publicity": 1.0}, M.trust_in("residents_committee"), +1),
    ("cadre training raises mediators' success",
     {"policies.publicity_training.cadre_training": 1.0}, success_at("mediation"), +1),
]

BASELINE_FOR = {
    # smart supervision is compared with plain supervision, not with no supervision, in a community
    # that lags (one mediator: a backlog above TARGETED_BACKLOG); at the calibrated defaults the
    # default community keeps its backlog below that threshold, so no visit is due there
    "smart supervision adds visits to lagging communities": {"policies.district_supervision.enabled": True,
                                                             "site.residents_committee.mediators": 1},
}


@pytest.mark.parametrize("name,on,metric,sign", LEVERS, ids=[x[0] for x in LEVERS])
def test_lever_direction(name, on, metric, sign):
    off = mean_over_seeds(metric, BASELINE_FOR.get(name, {}))
    with_lever = mean_over_seeds(metric, on)
    assert np.sign(with_lever - off) == sign, f"{name}: off={off:.4g}, on={with_lever:.4g}"


def test_property_exit_hands_cases_over_stops_fees_and_degrades_service():
    exit_day = 60
    # one desk clerk, so that cases are queued at the desk when the company leaves
    model = CoGovModel(rng=5, days=150, overrides={"shocks": [{"kind": "property_exit", "day": exit_day}],
                                                   "site.property_company.staff": 1})
    while model.day < exit_day:
        model.step()
    b = model.disputes.book
    at_desk = set(np.flatnonzero((b.channel == 1) & ((b.status == Status.WAITING) | (b.status == Status.IN_SERVICE))).tolist())
    bills_before = model.property_companies[0].bills
    model.run()
    company = model.property_companies[0]
    series = model.datacollector.get_model_vars_dataframe()
    assert not company.present
    assert company.bills == bills_before, "no bills after the company left"
    assert series["property_service_quality"].iloc[-1] < series["property_service_quality"].iloc[exit_day] - 0.05
    log = model.disputes.book.event_table(model.geography.names).to_pandas()
    handed = set(log.loc[log["event"] == "handover", "dispute_id"])
    assert at_desk and handed == at_desk, "every case open at the desk is handed to the residents' committee"
    after = log[(log["time"] >= exit_day) & (log["event"] == "route")]
    assert not (after["channel"] == "property_desk").any(), "no case goes to a desk that closed"


def test_fee_increase_lowers_collection():
    def collection(model):
        return M.fee_collection_rate(model)

    base = mean_over_seeds(collection, {}, days=200)
    raised = mean_over_seeds(collection, {"shocks": [{"kind": "fee_change", "day": 30, "factor": 1.5}]}, days=200)
    assert raised < base
