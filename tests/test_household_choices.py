"""What residents decide when a person plays them (sim/disputes/choices.py): a choice for one
dispute is used at its next decision, a building's rule at every one, and what is left undecided
stays the model's rule; every event a decision causes says so (detail `chosen`)."""

from __future__ import annotations

import numpy as np
import pytest

from sim import CoGovModel
from sim.disputes.book import Detail, Event, Status
from sim.disputes.choices import Choice, HouseholdRule, open_choices
from sim.disputes.ladder import Channel, PartyType
from sim.model import resolve_scenario

SMALL = {"site.households": 600}


@pytest.fixture(scope="module")
def scenario():
    return resolve_scenario("scenarios/baseline.yaml", SMALL)


def model(scenario, days=60):
    return CoGovModel(scenario=scenario, rng=4, days=days)


def latent_of(m, party=None):
    b = m.disputes.book
    for i in b.with_status(Status.LATENT):
        if party is None or b.party_type[i] == party:
            return int(i)
    raise AssertionError("no latent dispute")


def step_until_latent(m, party=None):
    for _ in range(60):
        try:
            return latent_of(m, party)
        except AssertionError:
            m.step()
    raise AssertionError("no latent dispute in 60 days")


def test_a_report_goes_to_the_desk_named_and_the_case_log_says_the_household_chose(scenario):
    m = model(scenario)
    i = step_until_latent(m)
    assert Choice.REPORT_HOTLINE in open_choices(m.disputes, i)
    m.decide(i, Choice.REPORT_HOTLINE)
    m.step()
    steps = m.disputes.book.journey(i)
    assert (Event.NOTICE, Detail.CHOSEN) in [(s.event, s.detail) for s in steps]
    route = next(s for s in steps if s.event == Event.ROUTE)
    assert route.channel == Channel.CITY_HOTLINE and route.detail == Detail.CHOSEN


def test_negotiating_is_open_only_between_residents_and_a_refused_choice_names_what_is_open(scenario):
    m = model(scenario)
    i = step_until_latent(m, PartyType.RESIDENT_PROPERTY)
    assert Choice.NEGOTIATE not in open_choices(m.disputes, i)
    with pytest.raises(ValueError, match=r"negotiate is not open to it now \(open: report_property_desk"):
        m.decide(i, Choice.NEGOTIATE)
    with pytest.raises(ValueError, match="no such dispute"):
        m.decide(10**6, Choice.LET_GO)
    m.decide(i, Choice.LET_GO)
    m.step()
    b = m.disputes.book
    assert b.status[i] == Status.ABANDONED
    assert [(s.event, s.detail) for s in b.journey(i)][-1] == (Event.LUMP, Detail.CHOSEN)
    with pytest.raises(ValueError, match=r"open: nothing \(it is closed\)"):
        m.decide(i, Choice.ESCALATE)


def test_a_case_let_go_while_it_waits_leaves_its_queue_the_next_day(scenario):
    m = model(scenario)
    b = m.disputes.book
    for _ in range(60):
        waiting = b.with_status(Status.WAITING)
        if len(waiting):
            break
        m.step()
    i = int(waiting[0])
    m.decide(i, Choice.LET_GO)
    m.step()
    assert b.status[i] == Status.ABANDONED
    last = b.journey(i)[-1]
    assert (last.event, last.detail) == (Event.ABANDON, Detail.CHOSEN)


def building_outcomes(scenario, rule, days=120):
    """Every building under `rule` from day 0: (share of the disputes that arose in the run that
    ended resolved, participation of the residents at the end, the chosen events)."""
    m = model(scenario, days)
    for b in range(m.geography.n_buildings):
        m.decide_for_building(b, rule)
    m.run()
    b = m.disputes.book
    new = b.arisen_day[: b.n] >= 0
    resolved = float((b.status[: b.n][new] == Status.RESOLVED).mean())
    chosen = int(np.sum(np.asarray(b.log_detail) == Detail.CHOSEN))
    return resolved, float(m.population.active(m.day - 1, m.config.behaviour.participation.window_days).mean()), chosen


def test_a_buildings_rule_decides_every_new_dispute_and_participation(scenario):
    own = building_outcomes(scenario, None)
    engaged = building_outcomes(scenario, HouseholdRule(Choice.REPORT_COMMITTEE, Choice.ESCALATE, True))
    withdrawn = building_outcomes(scenario, HouseholdRule(Choice.LET_GO, Choice.LET_GO, False))
    assert own[2] == 0 and engaged[2] > 50 and withdrawn[2] > 50
    # letting every new dispute go leaves only those grid workers and red cells find (none here:
    # the baseline has neither); reporting all of them and pressing on resolves far more than the
    # residents' own rule does
    assert withdrawn[0] < 0.05
    assert engaged[0] > own[0] + 0.10
    assert withdrawn[1] == 0.0
    assert engaged[1] > own[1] + 0.3


def test_a_rule_not_open_to_a_dispute_leaves_it_to_the_model(scenario):
    """Negotiating is open only between residents: under a rule 'negotiate', disputes with the
    property company are still reported by the residents' own rule."""
    m = model(scenario, 90)
    for b in range(m.geography.n_buildings):
        m.decide_for_building(b, HouseholdRule(new_disputes=Choice.NEGOTIATE))
    m.run()
    b = m.disputes.book
    ids = np.asarray(b.log_id)
    for i in range(b.n):
        if b.arisen_day[i] < 0:
            continue
        chosen = np.asarray(b.log_detail)[ids == i] == Detail.CHOSEN
        assert chosen.any() == (b.party_type[i] == PartyType.RESIDENT_RESIDENT), i


def test_no_decision_leaves_the_run_as_it_was_and_none_clears_a_rule(scenario):
    a, b = model(scenario, 40), model(scenario, 40)
    b.decide_for_building(0, HouseholdRule(take_part=False))
    b.decide_for_building(0, None)
    assert b.household_rules == {}
    a.run()
    b.run()
    assert a.datacollector.get_model_vars_dataframe().equals(b.datacollector.get_model_vars_dataframe())
    with pytest.raises(ValueError, match="building"):
        a.decide_for_building(10**6, HouseholdRule(take_part=True))
    with pytest.raises(ValueError, match="new_disputes: expected one of"):
        HouseholdRule(new_disputes=Choice.ESCALATE)
