"""Communities that differ for reasons other than size: latent attributes drawn reproducibly for a
city, and each acting through the mechanisms already there (a paired comparison per attribute,
same seeds, one standard deviation below vs above, with a minimum effect)."""

import numpy as np
import pytest

from sim import CoGovModel
from sim.disputes.ladder import Channel
from sim.metrics import definitions as M
from sim.metrics.tables import LATENT, community_table, type_spread
from sim.scenario import Scenario
from sim.scenario.schema import CATEGORIES, LATENT_ATTRIBUTES

SEEDS = (1, 2, 3, 4, 5)
DAYS = 240


def generated_city(latent: dict | None) -> Scenario:
    city = {"name": "t", "generate": {"districts": 2, "streets_per_district": 5, "seed": 3, "per_street": {
        "old_compound": {"count": 3, "households": 400, "site": {"property_company": {"present": False}}},
        "commodity_estate": {"count": 3, "households": 600}}}}
    if latent is not None:
        city["latent"] = latent
    return Scenario.model_validate({"city": city})


def latent_values(scenario: Scenario) -> np.ndarray:
    return np.array([[getattr(site.latent, a) for a in LATENT_ATTRIBUTES] for _, _, site in scenario.communities()])


def test_latent_attributes_are_drawn_reproducibly_from_their_distributions():
    a, b = latent_values(generated_city({"seed": 11})), latent_values(generated_city({"seed": 11}))
    other = latent_values(generated_city({"seed": 12}))
    assert len(a) >= 40
    assert np.array_equal(a, b)  # same seed, same communities
    assert np.mean(np.abs(a - other)) > 0.5  # another seed, other communities
    assert np.all(np.abs(a) <= 3)
    assert np.allclose(a.mean(axis=0), 0, atol=0.35) and np.allclose(a.std(axis=0), 1, atol=0.25)
    # the distribution is configurable, per attribute
    shifted = latent_values(generated_city({"seed": 11, "cohesion": {"mean": -1.0, "sd": 0.2}}))
    k = LATENT_ATTRIBUTES.index("cohesion")
    assert shifted[:, k].mean() == pytest.approx(-1.0, abs=0.1) and shifted[:, k].std() < 0.3
    assert np.array_equal(np.delete(shifted, k, axis=1), np.delete(a, k, axis=1))  # the others are the same draws
    # without city.latent every community is typical of its type
    assert not latent_values(generated_city(None)).any()


def test_a_listed_city_draws_too_and_keeps_what_a_community_sets():
    doc = {"city": {"latent": {"seed": 4}, "districts": [{"name": "d", "streets": [{"name": "s", "communities": [
        {"name": "a"}, {"name": "b", "site": {"latent": {"cohesion": 2.5}}}, {"name": "c"}]}]}]}}
    sc = Scenario.model_validate(doc)
    values = latent_values(sc)
    assert values[1, LATENT_ATTRIBUTES.index("cohesion")] == 2.5
    assert np.all(values != 0)
    # the resolved scenario (what scenario.yaml holds) reproduces the same communities
    again = Scenario.model_validate(sc.model_dump(mode="json", by_alias=True))
    assert np.array_equal(latent_values(again), values)


def paired(attribute: str, *metrics) -> list[tuple[float, float]]:
    """Each metric's mean over the seeds for a community one SD below and one SD above the usual
    (the same seeds on both sides)."""
    values = {z: [] for z in (-1.0, 1.0)}
    for z in values:
        for seed in SEEDS:
            m = CoGovModel(rng=seed, days=DAYS, overrides={f"site.latent.{attribute}": z})
            m.run()
            values[z].append([metric(m) for metric in metrics])
    low, high = np.mean(values[-1.0], axis=0), np.mean(values[1.0], axis=0)
    return [(float(a), float(b)) for a, b in zip(low, high)]


def repair_disputes(m) -> int:
    cats = [CATEGORIES.index("maintenance"), CATEGORIES.index("public_facilities")]
    return int(np.isin(m.disputes.book.category, cats).sum())


def test_a_better_property_company_serves_and_satisfies_more():
    (low, high), (desk_low, desk_high) = paired("property_quality", M.satisfaction, M.channel_success(Channel.PROPERTY_DESK))
    assert high - low >= 0.04  # satisfaction, 0..1 (about +0.06 seen)
    assert desk_high - desk_low >= 0.08  # share of desk cases resolved (about +0.13 seen)


def test_buildings_in_better_condition_bring_fewer_repair_disputes():
    [(worse, better)] = paired("building_condition", repair_disputes)
    assert worse / better >= 1.4  # exp(0.3 x 2) = 1.8 in expectation (1.9 seen)


def mean_ties(m) -> float:
    return float(m.population.degree.mean())


def test_a_cohesive_community_has_more_ties_and_takes_part_more():
    (low, high), (ties_low, ties_high) = paired("cohesion", M.participation_rate, mean_ties)
    assert high / low >= 1.3  # participation, relative: its level follows the calibration (3.1 % -> 4.9 % seen)
    assert ties_high / ties_low >= 1.3  # neighbour ties x exp(0.3 x 2); household ties unchanged


def test_an_effective_committee_mediates_more_successfully_and_more_disputes_end_resolved():
    (low, high), (res_low, res_high) = paired("committee_effectiveness", M.channel_success(Channel.MEDIATION), M.resolution_rate)
    assert high - low >= 0.03  # share of mediation cases resolved (about +0.05 seen)
    assert res_high - res_low >= 0.01  # and of all disputes (+0.013 seen at the refit calibration)


def test_city_tables_show_the_attributes_and_the_spread_within_each_type():
    sc = Scenario.model_validate({"site": {"households": 150}, "city": {"latent": {"seed": 2}, "generate": {
        "districts": 1, "streets_per_district": 2, "seed": 1, "per_street": {
            "old_compound": {"count": 3, "households": 150}, "commodity_estate": {"count": 3, "households": 150}}}}})
    m = CoGovModel(scenario=sc, rng=1, days=60)
    m.run()
    table = community_table(m)
    for column in LATENT:
        expected = [getattr(site.latent, column.removeprefix("latent_")) for _, _, site in sc.communities()]
        assert table[column].tolist() == expected
    spread = type_spread(table)
    for kind, group in table.groupby("type"):
        row = spread[(spread["type"] == kind) & (spread["metric"] == "resolution_rate")].iloc[0]
        values = group["resolution_rate"].dropna()
        assert row["communities"] == len(group)
        assert row["min"] == pytest.approx(values.min()) and row["max"] == pytest.approx(values.max())
        assert row["sd"] == pytest.approx(values.std(ddof=1))
