"""A city generated from counts per street: deterministic, of the asked size, and re-loadable."""

import numpy as np
import pytest
import yaml

from sim.scenario import ScenarioError, load_scenario, scenario_to_yaml, validate_document

GEN = """
name: gen
site: {households: 500}
city:
  generate:
    districts: 3
    streets_per_district: 4
    seed: 5
    per_street:
      old_compound: {count: 2, households: 600, spread: 0.3, site: {property_company: {present: false}}}
      commodity_estate: {count: 3, households: 1500, spread: 0.0}
"""


def load(tmp_path, text):
    p = tmp_path / "gen.yaml"
    p.write_text(text)
    return load_scenario(p)


def test_generated_city_has_the_asked_structure(tmp_path):
    s = load(tmp_path, GEN)
    comms = s.communities()
    districts = {d for d, _, _ in comms}
    streets = {(d, st) for d, st, _ in comms}
    assert len(districts) == 3 and len(streets) == 12
    kinds = [site.type.value for _, _, site in comms]
    assert 12 * 5 * 0.6 < len(comms) < 12 * 5 * 1.4  # about five communities a street
    assert kinds.count("commodity_estate") > kinds.count("old_compound")
    old = [site for _, _, site in comms if site.type.value == "old_compound"]
    assert all(not site.property_company.present for site in old)
    estates = [site.households for _, _, site in comms if site.type.value == "commodity_estate"]
    assert set(estates) == {1500}  # no spread asked
    sizes = np.array([site.households for site in old])
    assert 400 < sizes.mean() < 800 and sizes.std() > 50


def test_a_generated_city_names_its_places_for_people_in_every_language(tmp_path):
    from sim.space.geography import build_geography

    geo = build_geography(load(tmp_path, GEN))
    last = geo.communities[-1]
    assert last.place.name == f"d3-s4-c{last.place.name.rsplit('c', 1)[1]}" and last.street_place.name == "street 3-4"
    assert (last.district_place.shown("zh"), last.street_place.shown("zh")) == ("3区", "3区4街道")
    assert (last.district_place.shown("en"), last.street_place.shown("en")) == ("District 3", "Street 3-4")
    assert last.place.shown("zh").startswith("3-4-") and last.place.shown("zh").endswith("社区")


def test_generation_is_deterministic_and_seeded(tmp_path):
    a = [site.model_dump() for _, _, site in load(tmp_path, GEN).communities()]
    b = [site.model_dump() for _, _, site in load(tmp_path, GEN).communities()]
    c = [site.model_dump() for _, _, site in load(tmp_path, GEN.replace("seed: 5", "seed: 6")).communities()]
    assert a == b and a != c


def test_resolved_generated_city_reloads_to_the_same_city(tmp_path):
    s = load(tmp_path, GEN)
    again = validate_document(yaml.safe_load(scenario_to_yaml(s)))
    assert [c[2] for c in again.communities()] == [c[2] for c in s.communities()]


def test_listing_and_generating_at_once_is_an_error(tmp_path):
    text = GEN + "  districts:\n    - name: D\n      streets:\n        - name: S\n          communities: [{name: c}]\n"
    with pytest.raises(ScenarioError, match="either districts or generate"):
        load(tmp_path, text)
