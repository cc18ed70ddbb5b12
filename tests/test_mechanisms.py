"""Unit tests of the submodels: geography, residents, reporting, escalation, trust, fees."""

import numpy as np
import pytest

from experiment_files import ROOT
from replicates import mean_over_seeds
from sim import CoGovModel
from sim.metrics import definitions as M
from sim.scenario import Scenario
from sim.space.geography import build_geography

SEEDS = (21, 22, 23)


def mean_metric(metric, overrides, days=240):
    return mean_over_seeds(metric, overrides, SEEDS, days)


def test_geography_buildings_and_grids_partition_households():
    sc = Scenario.model_validate({"site": {"households": 1234, "households_per_building": 50, "households_per_grid": 300}})
    geo = build_geography(sc)
    assert geo.n_households == 1234
    assert geo.n_buildings == 25
    sizes = np.bincount(geo.household_building)
    assert sizes.max() - sizes.min() <= 1
    per_grid = np.bincount(geo.building_grid[geo.household_building])
    assert np.all(np.abs(per_grid - 300) <= 50)  # whole buildings, about 300 households a grid
    assert np.all(np.diff(geo.building_grid) >= 0)  # grids are contiguous runs of buildings


def test_kept_counts_of_active_ties_are_the_sparse_product_every_day():
    """The share of each resident's ties who took part is kept from day to day and moved only by
    residents whose activity changed; it must be exactly what the product over every tie gives."""
    m = CoGovModel(scenario=ROOT / "scenarios" / "party_led.yaml", rng=5, days=40, overrides={"site.households": 800, "run.warmup_days": 0})
    pop, window = m.population, m.config.behaviour.participation.window_days
    changed_days = 0
    for _ in range(40):
        before = pop.active(m.day - 1, window)
        m.step()
        day = m.day - 1
        kept = pop.ties_active_share(day - 1, window)
        active = pop.active(day - 1, window)
        product = np.divide(pop.ties @ active.astype(float), pop.degree, out=np.zeros(pop.n), where=pop.degree > 0)
        assert np.array_equal(kept, product)
        assert not kept.flags.writeable
        changed_days += bool((active != before).any())
    assert changed_days >= 30  # activity moved on most days, so the kept counts were moved too


def test_population_matches_site_and_ties_are_symmetric():
    m = CoGovModel(rng=4, days=1, overrides={"site.households": 1000, "site.owner_share": 0.6})
    pop = m.population
    assert 2.3 < pop.n / 1000 < 2.7  # residents_per_household 2.5
    assert abs(pop.owner[pop.head].mean() - 0.6) < 0.06
    assert (pop.ties != pop.ties.T).nnz == 0
    assert pop.ties.diagonal().sum() == 0
    # a share of residents have ties only inside their household ("almost never talk to neighbours")
    outside = np.array([np.any(pop.household[pop.ties[i].indices] != pop.household[i]) for i in range(pop.n)])
    assert 0.2 < 1 - outside.mean() < 0.4


def test_trust_learning_moves_toward_outcome_and_spills_to_ties():
    m = CoGovModel(rng=4, days=1, overrides={"site.households": 300})
    pop = m.population
    who = int(np.argmax(pop.degree))
    friend = int(pop.ties[who].indices[0])
    before = pop.trust[[who, friend], 1].copy()
    pop.learn(who, 1, 0.2, 0.5)
    gain = pop.trust[[who, friend], 1] - before
    assert gain[0] == pytest.approx(0.2 * (1 - before[0]))
    assert gain[1] == pytest.approx(0.5 * 0.2 * (1 - before[1]))
    mid = pop.trust[who, 1]
    pop.learn(who, 1, -0.2, 0.5)
    assert pop.trust[who, 1] == pytest.approx(mid * 0.8)


def test_more_trust_means_more_disputes_reported():
    low = mean_metric(M.reported_share, {"behaviour.trust.residents_committee": 0.2})
    high = mean_metric(M.reported_share, {"behaviour.trust.residents_committee": 0.8})
    assert high > low


def test_costlier_escalation_keeps_cases_lower_on_the_ladder():
    def reached_street(m):
        return M.reached_level(m, 3)

    cheap = mean_metric(reached_street, {"behaviour.reporting.channel_cost": {"street": 0.0, "district": 0.1}})
    dear = mean_metric(reached_street, {"behaviour.reporting.channel_cost": {"street": 0.6, "district": 0.8}})
    assert dear < cheap


def test_more_mediators_shorten_the_backlog():
    few = mean_metric(M.backlog, {"site.residents_committee.mediators": 1})
    many = mean_metric(M.backlog, {"site.residents_committee.mediators": 8})
    assert many < few


def test_fee_service_spiral_unpaid_fees_degrade_service():
    """Fees → budget → service quality: if almost nobody pays, quality falls and property
    disputes rise."""
    def quality(m):
        return M.property_service_quality(m)

    paid = mean_metric(quality, {}, days=300)
    unpaid = mean_metric(quality, {"behaviour.fees.base_logit": -6.0, "site.property_company.reserve_months": 0}, days=300)
    assert unpaid < paid - 0.1

    def property_disputes(m):
        return float(np.isin(m.disputes.book.category, [0, 1]).sum())

    assert mean_metric(property_disputes, {"behaviour.fees.base_logit": -6.0, "site.property_company.reserve_months": 0}, days=300) \
        > mean_metric(property_disputes, {}, days=300)


def test_distrust_makes_residents_give_up_waiting():
    def gave_up(m):
        log = m.disputes.book.event_table(m.geography.names).to_pandas()
        return float((log["detail"] == "gave_up_waiting").sum())

    trusting = mean_metric(gave_up, {"behaviour.trust.residents_committee": 0.85, "behaviour.trust.property_company": 0.85})
    wary = mean_metric(gave_up, {"behaviour.trust.residents_committee": 0.15, "behaviour.trust.property_company": 0.15})
    assert wary > trusting


def test_participation_raises_self_resolution():
    """People who know their neighbours settle more disputes themselves."""
    def negotiated_share(m):
        b = m.disputes.book
        return float((b.resolved_channel == 0).sum() / max(1, (b.status == 4).sum()))

    low = mean_metric(negotiated_share, {"behaviour.participation.threshold_mean": 0.9})
    high = mean_metric(negotiated_share, {"behaviour.participation.threshold_mean": 0.05})
    assert high > low
