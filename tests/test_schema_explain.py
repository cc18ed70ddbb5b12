"""`cogov schema` and `cogov show --explain`: every key a scenario may set, and every key of a
resolved scenario, with unit, range, default and meaning read from the schema, so a researcher
can set a lever without opening the source."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml

from sim.cli import main
from sim.scenario import load_scenario
from sim.scenario.explain import scenario_keys, schema_keys, shown

SCENARIO = """\
extends: {root}/scenarios/baseline.yaml
name: explained
site:
  households: 800
  social_organisations:
    - {{kind: legal_aid, capacity: 3}}
policies:
  grid_management: {{enabled: true, patrol_interval_days: 7}}
timeline:
  - {{day: 30, scale: {{site.property_company.monthly_fee: 1.2}}}}
"""


def leaves(value: Any, path: tuple = ()):
    """(dotted path, value) of every scalar (or list of scalars) of a dumped scenario."""
    if isinstance(value, dict) and value:
        for k, v in value.items():
            yield from leaves(v, path + (str(k),))
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for i, v in enumerate(value):
            yield from leaves(v, path + (str(i),))
    else:
        yield ".".join(path), value


def test_schema_lists_every_key_of_the_default_scenario_with_what_the_schema_says(capsys):
    patterns = [re.compile("^" + re.escape(k.path).replace(r"\[\]", r"\.\d+").replace("<type>", "[a-z_]+")
                           .replace("<category>", "[a-z_]+").replace("<key>", "[a-z_]+") + "$") for k in schema_keys()]
    dumped = yaml.safe_load(yaml.safe_dump(load_scenario_dump()))
    for path, _ in leaves(dumped):
        left_out = any(k.path.startswith((f"{path}.", f"{path}[")) for k in schema_keys())  # city, empty lists
        assert left_out or any(p.match(path) for p in patterns), f"{path} is not listed by `cogov schema`"
    assert main(["schema", "run.days"]) == 0
    out, _ = capsys.readouterr()
    (line,) = [ln for ln in out.splitlines() if ln.startswith("run.days ")]
    assert re.fullmatch(r"run\.days +days +\[1, 3,650\] +365 +simulated days \(one step = one day; at most 3,650, ten years\)", line)


def load_scenario_dump() -> dict:
    from sim.scenario import Scenario

    return Scenario().model_dump(mode="json", by_alias=True)


def test_schema_names_ranges_units_choices_and_required_keys(capsys):
    by_path = {k.path: k for k in schema_keys()}
    assert (by_path["site.households"].range, by_path["site.households"].unit) == ("[10, 50,000]", "households")
    assert by_path["site.owner_share"].range == "[0, 1]" and by_path["site.owner_share"].unit == "share"
    assert by_path["site.type"].range == "old_compound, commodity_estate, resettlement, mixed"
    assert by_path["disputes.rates.<type>.<category>"].range == "[0, 1000]"
    assert shown(by_path["timeline[].day"].default) == "(required)" and by_path["timeline[].day"].unit == "days"
    assert shown(by_path["handlers.court.servers"].default) == "50"  # the section's own default
    assert main(["schema", "no.such.key"]) == 2
    err = capsys.readouterr().err
    assert "no scenario key starts with 'no.such.key'" in err and "did you mean" not in err


@pytest.mark.parametrize("typo, meant", [("policies.joint_meting", "policies.joint_meetings"), ("polices", "policies"),
                                         ("site.househods", "site.households")])
def test_a_misspelt_schema_key_is_answered_with_the_key_meant(typo, meant, capsys):
    assert main(["schema", typo]) == 2
    err = capsys.readouterr().err
    assert f"no scenario key starts with '{typo}'; did you mean '{meant}'?" in err and len(err.splitlines()) == 1
    assert main(["schema", meant]) == 0  # and the key meant is there


def test_show_explain_gives_every_resolved_key_its_value_and_marks_what_differs_from_the_default(tmp_path, capsys):
    from experiment_files import ROOT

    path = tmp_path / "explained.yaml"
    path.write_text(SCENARIO.format(root=ROOT), encoding="utf-8")
    scenario = load_scenario(path)
    keys = {k.path: k for k in scenario_keys(scenario)}
    dumped = scenario.model_dump(mode="json", by_alias=True)
    for leaf, value in leaves(dumped):
        assert leaf in keys, f"{leaf} missing from show --explain"
        assert json.loads(shown(keys[leaf].value)) == value
    changed = {p for p, k in keys.items() if k.changed}
    assert {"name", "site.households", "policies.grid_management.enabled", "timeline.0.scale.site.property_company.monthly_fee",
            "site.social_organisations.0.capacity"} <= changed
    assert "policies.grid_management.patrol_interval_days" not in changed  # set, but to the default
    assert main(["show", "--explain", str(path)]) == 0
    out = capsys.readouterr().out
    (line,) = [ln for ln in out.splitlines() if ln.startswith("* site.households ")]
    assert re.fullmatch(r"\* site\.households +800 +households +\[10, 50,000\] +2000 +number of households .*", line)
