"""Every scenario file under `scenarios/` loads and keeps the dispute lifecycle's books straight.

Parametrised over a glob, so a new scenario file is covered without touching this file. Each
scenario is run briefly (a city for fewer days and a shorter warm-up, to stay fast) and its books are checked
(`accounting`); a scenario with a timeline runs at least past its last entry, so that what is
built and retired mid-run is checked too.
"""

from __future__ import annotations

from pathlib import Path

import accounting
import pytest

from sim import CoGovModel
from sim.scenario import load_scenario

SCENARIO_DIR = Path(__file__).resolve().parents[1] / "scenarios"
SCENARIO_FILES = sorted(p for p in [*SCENARIO_DIR.rglob("*.yaml"), *SCENARIO_DIR.rglob("*.yml")]
                        if "sweeps" not in p.relative_to(SCENARIO_DIR).parts)  # sweep files: test_experiments_sweepfile.py
IDS = [str(p.relative_to(SCENARIO_DIR)) for p in SCENARIO_FILES]

SHORT_DAYS = 120  # a single community
CITY_DAYS = 60  # a many-community city is several times bigger
#: and its warm-up shortened to this (a carried-in book is still checked; the full year is the benchmark's)
CITY_WARMUP_DAYS = 30
#: a city of millions (city_6m) takes minutes to build: it is loaded and checked here, run by bench/bench_city.py
FULL_SIZE_HOUSEHOLDS = 1_000_000


def test_the_scenario_library_is_found():
    names = set(IDS)
    for expected in ("baseline.yaml", "party_led.yaml", "city.yaml", "levers/grid_management.yaml",
                     "sites/old_compound.yaml", "shocks/property_exit.yaml"):
        assert expected in names, f"{expected} missing from {SCENARIO_DIR}"


def test_scenario_names_are_unique():
    """`name` names the run folder: a child that forgot to override it would collide with its parent."""
    seen: dict[str, str] = {}
    for path, rel in zip(SCENARIO_FILES, IDS):
        name = load_scenario(path).name
        assert name not in seen, f"{rel} and {seen[name]} share the name {name!r}"
        seen[name] = rel


@pytest.fixture(scope="module", params=SCENARIO_FILES, ids=IDS)
def finished(request):
    """(scenario path, model run for a short time)."""
    path = request.param
    scenario = load_scenario(path)
    days = CITY_DAYS if scenario.city is not None else SHORT_DAYS
    days = max([days, *(e.day + 10 for e in scenario.timeline if e.day + 10 <= scenario.run.days)])
    if sum(site.households for _, _, site in scenario.communities()) > FULL_SIZE_HOUSEHOLDS:
        pytest.skip("a city of millions: run by `bench/bench_city.py --scenario city_6m`, not in the test suite")
    warmup = {"run.warmup_days": min(scenario.run.warmup_days, CITY_WARMUP_DAYS)} if scenario.city is not None else None
    model = CoGovModel(scenario=scenario, rng=scenario.run.seed, days=days, overrides=warmup)
    model.run()
    assert model.day == days
    return path, model


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=IDS)
def test_scenario_loads(path):
    scenario = load_scenario(path)
    assert scenario.description, f"{path.name}: give the scenario a description"
    assert len(scenario.communities()) >= 1


def test_every_dispute_ends_in_exactly_one_state(finished):
    accounting.every_dispute_ends_in_exactly_one_state(finished[1])


def test_summary_counts_add_up(finished):
    accounting.summary_counts_add_up(finished[1])


def test_case_log_lifecycle(finished):
    accounting.case_log_lifecycle(finished[1])
