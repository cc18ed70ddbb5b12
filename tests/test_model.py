"""The model as a whole: a pure function of (scenario, seed), built by keyword, inspectable agents."""

import numpy as np
import pandas as pd
import pytest

from sim import CoGovModel
from sim.agents.government import City, District, StreetOffice
from sim.agents.institutions import (
    CoLocatedUnit, GridWorker, Mediator, OwnersCommittee, PartyOrganisation, PropertyCompany,
    ResidentsCommittee, SocialOrganisation,
)
from sim.agents.residents import Resident
from sim.metrics import METRICS

SMALL = {"site.households": 400}


def run(seed, days=60, overrides=SMALL, scenario=None):
    m = CoGovModel(scenario=scenario, rng=seed, days=days, overrides=overrides)
    m.run()
    return m


@pytest.mark.parametrize("rng", [-1, 2**63, True, 1.5, "7"])
def test_a_seed_outside_what_a_scenario_seed_may_be_is_refused(rng):
    with pytest.raises(ValueError, match=r"rng: expected an integer seed from 0 to 2\*\*63 - 1"):
        CoGovModel(rng=rng, days=2, overrides=SMALL)


def test_same_seed_same_results_different_seed_different():
    a, b, c = run(3), run(3), run(4)
    pd.testing.assert_frame_equal(a.datacollector.get_model_vars_dataframe(), b.datacollector.get_model_vars_dataframe())
    assert a.disputes.book.event_table(a.geography.names).equals(b.disputes.book.event_table(b.geography.names))
    assert not a.datacollector.get_model_vars_dataframe().equals(c.datacollector.get_model_vars_dataframe())


def test_a_case_log_read_mid_run_stays_as_read_while_the_run_goes_on():
    """A workshop exports and keeps playing: what was read of the case log (its table, arrays, a
    journey) is a copy, and the log goes on growing under it."""
    m = CoGovModel(rng=2, days=90, overrides=SMALL)
    for _ in range(45):
        m.step()
    b = m.disputes.book
    n = len(b.log_id)
    table, arrays, journey = b.event_table(m.geography.names), b.log_arrays(), b.journey(int(b.log_id[-1]))
    ids = table.column("dispute_id").to_numpy().copy()
    m.run()
    assert m.day == 90 and len(b.log_id) > n + 50
    assert table.num_rows == n and (table.column("dispute_id").to_numpy() == ids).all()
    assert (ids == np.asarray(b.log_id[:n])).all() and len(arrays["id"]) <= n and journey


def test_every_entity_is_a_mesa_agent_type():
    m = CoGovModel(rng=1, days=5, overrides={
        **SMALL,
        "policies.grid_management.enabled": True,
        "policies.social_org_incubation.enabled": True,
        "policies.enterprise_responsibility.enabled": True,
    })
    types = set(m.agents_by_type)
    for t in (Resident, PartyOrganisation, ResidentsCommittee, GridWorker, Mediator, PropertyCompany,
              OwnersCommittee, SocialOrganisation, CoLocatedUnit, StreetOffice, District, City):
        assert t in types, t.__name__
    assert len(m.agents_by_type[Resident]) == m.population.n


def test_resident_agent_reads_its_row():
    m = run(2, days=40)
    r = m.agents_by_type[Resident][17]
    i = r.index
    assert r.trust["residents_committee"] == m.population.trust[i, 1]
    assert r.building == m.population.building[i]
    assert r.participating == bool(m.population.active(m.day - 1, 30)[i])
    assert set(r.ties) == set(m.population.ties[i].indices)
    # each resident's row is worked out from its Mesa id: every row once, in the order made, also
    # in a second model of the same process (Mesa numbers each model's agents from its own start)
    assert [a.index for a in m.agents_by_type[Resident]] == list(range(m.population.n))
    other = run(3, days=1)
    assert [a.index for a in other.agents_by_type[Resident]] == list(range(other.population.n))


def test_run_stops_after_the_scenario_days():
    m = run(1, days=12)
    assert m.day == 12 and not m.running
    assert len(m.datacollector.get_model_vars_dataframe()) == 12  # the end of each day
    assert list(m.datacollector.get_model_vars_dataframe().columns) == [x.name for x in METRICS.daily()]


def test_city_has_four_levels_and_escalations_climb_one_rung_at_a_time():
    city = {
        "city": {"name": "X", "districts": [
            {"name": f"D{d}", "streets": [
                {"name": f"S{d}{s}", "communities": [{"name": f"C{d}{s}{c}", "site": {"households": 150}} for c in range(2)]}
                for s in range(2)]}
            for d in range(2)]},
        "handlers": {"street": {"servers": 1}},
    }
    m = run(9, days=200, overrides=city)
    assert len(m.geography.communities) == 8 and len(m.streets) == 4 and len(m.districts) == 2
    log = m.disputes.book.event_table(m.geography.names).to_pandas()
    routes = log[log["event"] == "route"]
    rung = {"self": 0, "property_desk": 1, "mediation": 1, "joint_meeting": 2, "professional": 2,
            "street": 3, "district": 4, "city_hotline": 4, "court": 5}
    for _, g in routes.groupby("dispute_id"):
        r = [rung[c] for c in g["channel"]]
        assert all(b > a for a, b in zip(r, r[1:])), r  # strictly upward; empty rungs are passed over
    assert (routes["channel"] == "street").any()
    # each community's cases reach its own street office
    b = m.disputes.book
    assert set(b.community) <= set(range(8))


def test_participation_docks_with_granovetter_threshold_limits():
    """Granovetter (1978): thresholds 0, 1, ..., N-1 (as shares of N) → everyone takes part; give
    the resident with threshold 1 a threshold of 2 instead → only one does. The participation
    submodel in its simplest form: global influence, activities offered daily, no noise, no drive."""
    n = 60

    def cascade(thresholds):
        m = CoGovModel(rng=0, days=n + 5, overrides={
            "run.warmup_days": 0,  # the thresholds are set below, before the first day
            "site.households": n, "site.residents_per_household": 1, "site.party.mobilisation_effort": 0.0,
            "behaviour.participation": {"influence": "global", "noise": 0, "weight_social": 1, "weight_trust": 0,
                                        "weight_invitation": 0, "weight_results": 0, "cost": 0,
                                        "initial_share": 0, "window_days": 365, "offer_multiplier": 1000},
        })
        assert m.population.n == n
        m.population.threshold[:] = np.asarray(thresholds) / n
        m.run()
        return int(m.population.active(m.day, 365).sum())

    assert cascade(range(n)) == n
    assert cascade([0, 2] + list(range(2, n))) == 1
