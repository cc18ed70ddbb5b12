"""Sweep files, designs and seeds: every shipped sweep file loads and its design has the promised
size; bad sweep files give one clear line naming file, line and key; designs come from SALib and
scipy and map onto integer, boolean and listed parameters; seeds depend only on (point, replicate)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from experiment_files import ROOT, assert_one_line_error, write_base, write_sweep

from sim.cli import main
from sim.experiments.designs import design_size
from sim.experiments.plan import Plan
from sim.experiments.seeds import run_seed
from sim.experiments.sweepfile import SweepError, load_sweep

SWEEPS = sorted((ROOT / "scenarios" / "sweeps").glob("*.yaml"))


@pytest.mark.parametrize("path", SWEEPS, ids=[p.name for p in SWEEPS])
def test_shipped_sweep_files_load_and_build_their_design(path):
    sweep = load_sweep(path)
    plan = Plan.from_sweep(sweep)
    assert sweep.spec.description
    assert len(plan.points) == design_size(sweep.parameters, sweep.spec.design) * max(1, len(sweep.options)) > 1
    frame = plan.design_frame()
    for p in sweep.parameters:
        col = frame[p.name]
        if p.values is not None:
            assert set(col) <= {p.label(v) for v in p.values}
        else:
            assert col.min() >= p.low and col.max() <= p.high
            if p.kind == "int":
                assert (col == col.round()).all()


def test_the_library_has_a_sobol_sweep_over_the_main_levers_and_the_joint_meetings_grid():
    kinds = {p.name: load_sweep(p).spec.design.kind for p in SWEEPS}
    assert kinds["joint_meetings.yaml"] == "grid"
    sobol = load_sweep(ROOT / "scenarios" / "sweeps" / "main_levers_sobol.yaml")
    assert sobol.spec.design.kind == "sobol"
    paths = {p.path for p in sobol.parameters}
    assert {"policies.joint_meetings.interval_days", "policies.grid_management.households_per_grid_worker",
            "policies.red_cells.volunteer_share", "policies.multi_channel.mediators_sent_down",
            "site.party.secretary_capability"} <= paths


BAD = {
    "unknown parameter path": (
        "parameters:\n  policies.joint_meetings.intervl_days: [7, 30]\n",
        ":3: parameters.policies.joint_meetings.intervl_days: ", "did you mean 'interval_days'"),
    "empty range": (
        "parameters:\n  policies.joint_meetings.interval_days: {low: 30, high: 30}\ndesign: {kind: lhs, samples: 4}\n",
        ":3: parameters.policies.joint_meetings.interval_days: ", "empty range"),
    "empty list of values": (
        "parameters:\n  policies.joint_meetings.interval_days: []\n",
        ":3: parameters.policies.joint_meetings.interval_days: ", "empty list of values"),
    "bad design name": (
        "parameters:\n  policies.joint_meetings.interval_days: [7, 30]\ndesign: sobolx\n",
        ":4: design.kind: ", "expected one of 'grid', 'lhs', 'sobol' or 'morris', found 'sobolx'"),
    "value out of the schema's range": (
        "parameters:\n  policies.joint_meetings.interval_days:\n    - 7\n    - 500\n",
        ":5: parameters.policies.joint_meetings.interval_days.values.1: ", "expected an integer <= 365, found 500"),
    "a section, not a setting": (
        "parameters:\n  policies.joint_meetings: [1, 2]\n",
        ":3: parameters.policies.joint_meetings: ", "is a section, not a setting"),
    "unknown sweep key": (
        "parameters:\n  site.households: [100]\nreplicatse: 3\n",
        ":4: replicatse: ", "did you mean 'replicates'"),
    "sobol samples not a power of 2": (
        "parameters:\n  site.households: {low: 100, high: 200}\n  site.owner_share: {low: 0.2, high: 0.9}\n"
        "design: {kind: sobol, samples: 10}\n",
        ":5: design.samples: ", "power of 2"),
    "range for a true/false setting": (
        "parameters:\n  policies.red_cells.enabled: {low: 0, high: 1}\ndesign: {kind: lhs, samples: 4}\n",
        ":3: parameters.policies.red_cells.enabled: ", "give values"),
    "whole number expected": (
        "parameters:\n  site.households: {low: 100.5, high: 200}\ndesign: {kind: lhs, samples: 4}\n",
        ":3: parameters.site.households.low: ", "expected a whole number, found 100.5"),
    "unknown metric": (
        "parameters:\n  site.households: [100]\nmetrics: [resolution_rte]\n",
        ":4: metrics.0: ", "did you mean 'resolution_rate'"),
    "run settings": (
        "parameters:\n  run.days: [10, 20]\n", ":3: parameters.run.days: ", "use its days: and seed:"),
    "grid without levels": (
        "parameters:\n  site.households: {low: 100, high: 200}\n", ":3: parameters.site.households: ", "levels"),
    "setting of a lever that is off": (
        "parameters:\n  policies.red_cells.volunteer_share: [0.1, 0.5]\n",
        ":3: parameters.policies.red_cells.volunteer_share: ",
        "changes nothing: the lever is off in every run (policies.red_cells.enabled is false in the base scenario"),
    "both fixed and varied": (
        "overrides:\n  site.households: 100\nparameters:\n  site.households: [100, 200]\n",
        ":5: parameters.site.households: ", "also set in overrides"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_sweep_files_give_one_clear_line(case, tmp_path, capsys):
    text, where, what = BAD[case]
    write_base(tmp_path)
    path = tmp_path / "bad.yaml"
    path.write_text("base: tiny.yaml\n" + text, encoding="utf-8")
    with pytest.raises(SweepError) as e:
        load_sweep(path)
    message = str(e.value)
    assert message.startswith(f"{path}{where}"), message
    assert what in message, message
    code = main(["sweep", str(path), "--out", str(tmp_path / "out")])
    assert code == 2
    out, err = capsys.readouterr()
    assert_one_line_error(err)
    assert what in err
    assert not (tmp_path / "out").exists()


def test_every_setting_of_a_lever_that_is_off_changes_nothing():
    """Why a sweep may not vary one (`_check_levers_on`): with the lever off, each of its settings
    moved from its default leaves the run the same to the byte, and moved with the lever on it
    does not (for at least one setting of each lever, so the runs are long enough to tell)."""
    from sim import CoGovModel
    from sim.scenario.schema import Policies

    def end(**settings):
        m = CoGovModel(rng=3, days=60, overrides={"site.households": 500, "run.warmup_days": 30, **settings})
        m.run()
        return m.datacollector.get_model_vars_dataframe().to_numpy().tobytes()

    off = end()
    checked = 0
    for lever, info in Policies.model_fields.items():
        fields = info.annotation.model_fields
        if "enabled" not in fields:
            continue
        on = end(**{f"policies.{lever}.enabled": True})
        assert on != off, lever
        matter = 0
        for name, spec in fields.items():
            default = spec.get_default(call_default_factory=True)
            if name == "enabled" or not isinstance(default, (bool, int, float)):
                continue
            lowest = next((m.ge for m in spec.metadata if getattr(m, "ge", None) is not None), None)
            moved = (not default if isinstance(default, bool)
                     else (default - 1 if lowest is None or default > lowest else default + 1) if isinstance(default, int)
                     else default / 2 if default else 0.5)
            assert end(**{f"policies.{lever}.{name}": moved}) == off, f"{lever}.{name} acts while {lever} is off"
            matter += end(**{f"policies.{lever}.enabled": True, f"policies.{lever}.{name}": moved}) != on
            checked += 1
        assert matter, f"no setting of {lever} changes a run with it on"
    assert checked >= 20


def test_a_setting_of_a_lever_that_is_off_may_be_varied_when_the_sweep_or_its_timeline_turns_it_on(tmp_path):
    write_base(tmp_path, timeline=[{"day": 10, "set": {"policies.grid_management.enabled": True}}])
    varied = {"policies.grid_management.households_per_grid_worker": [200, 400], "policies.red_cells.volunteer_share": [0.1, 0.5],
              "policies.red_cells.enabled": [False, True]}
    sweep = load_sweep(write_sweep(tmp_path, parameters=varied, overrides={}))
    assert [p.path for p in sweep.parameters] == list(varied)


def test_missing_base_and_missing_sweep_file(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text("base: nowhere.yaml\nparameters:\n  site.households: [100]\n", encoding="utf-8")
    assert main(["sweep", str(path)]) == 2
    assert f"{path}:1: base: file not found: nowhere.yaml" in capsys.readouterr().err
    assert main(["sweep", str(tmp_path / "absent.yaml")]) == 2
    err = capsys.readouterr().err
    assert_one_line_error(err)
    assert "file not found" in err


# --- designs ------------------------------------------------------------------------------------------


def _plan(tmp_path: Path, parameters: dict, design) -> Plan:
    write_base(tmp_path)
    import yaml

    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({"base": "tiny.yaml", "overrides": {"policies.joint_meetings.enabled": True},
                                    "parameters": parameters, "design": design, "seed": 5}),
                    encoding="utf-8")
    return Plan.from_sweep(load_sweep(path))


def test_grid_is_every_combination_in_order(tmp_path):
    plan = _plan(tmp_path, {"policies.joint_meetings.interval_days": [7, 30, 90],
                            "policies.red_cells.enabled": [False, True],
                            "site.owner_share": {"low": 0.2, "high": 0.8, "levels": 4}}, "grid")
    frame = plan.design_frame()
    assert len(frame) == 3 * 2 * 4
    assert list(frame.columns) == ["point", "interval_days", "enabled", "owner_share"]
    assert frame["interval_days"].tolist()[:8] == [7] * 8
    assert sorted(set(frame["owner_share"].round(6))) == [0.2, 0.4, 0.6, 0.8]
    assert frame["enabled"].dtype == bool
    assert len(frame.drop(columns="point").drop_duplicates()) == len(frame)


def test_lhs_puts_one_point_in_each_stratum_and_maps_integers_and_choices(tmp_path):
    plan = _plan(tmp_path, {"site.households": {"low": 100, "high": 199}, "site.owner_share": {"low": 0.0, "high": 1.0},
                            "behaviour.participation.influence": ["network", "global"]},
                 {"kind": "lhs", "samples": 10})
    frame = plan.design_frame()
    assert len(frame) == 10
    # Latin hypercube: each tenth of each unit axis holds exactly one point
    for name in ("households", "owner_share", "influence"):
        assert sorted((frame[f"u.{name}"] * 10).astype(int)) == list(range(10))
    assert frame["households"].dtype == np.int64 and frame["households"].between(100, 199).all()
    assert ((frame["households"] - 100) // 10).tolist() == (frame["u.households"] * 10).astype(int).tolist()
    assert set(frame["influence"]) == {"network", "global"}


def test_sobol_and_morris_designs_come_from_salib(tmp_path):
    from SALib.sample import morris, sobol

    params = {"site.households": {"low": 100, "high": 300}, "site.owner_share": {"low": 0.1, "high": 0.9},
              "policies.red_cells.enabled": [False, True]}
    plan = _plan(tmp_path, params, {"kind": "sobol", "samples": 8})
    assert len(plan.points) == 8 * (3 + 2)
    expected = sobol.sample(plan.problem, 8, calc_second_order=False, seed=5)
    np.testing.assert_array_equal(plan.unit, expected)
    plan2 = _plan(tmp_path, params, {"kind": "sobol", "samples": 8, "second_order": True})
    assert len(plan2.points) == 8 * (2 * 3 + 2)
    plan3 = _plan(tmp_path, params, {"kind": "morris", "samples": 4, "levels": 4})
    assert len(plan3.points) == 4 * (3 + 1)
    np.testing.assert_array_equal(plan3.unit, morris.sample(plan3.problem, 4, num_levels=4, seed=5))
    frame = plan3.design_frame()
    assert set(frame["enabled"]) <= {False, True}
    assert set(np.round(frame["u.owner_share"], 6)) <= {0.0, round(1 / 3, 6), round(2 / 3, 6), 1.0}


def test_log_scale_and_column_names(tmp_path):
    plan = _plan(tmp_path, {"policies.grid_management.households_per_grid_worker": {"low": 100, "high": 1000, "levels": 3, "scale": "log"},
                            "policies.grid_management.enabled": [True],
                            "policies.red_cells.enabled": [True]}, "grid")
    frame = plan.design_frame()
    assert sorted(set(frame["households_per_grid_worker"])) == [100, 316, 1000]
    # two parameters end in 'enabled': each gets the shortest unique tail of its path
    assert {"grid_management_enabled", "red_cells_enabled"} <= set(frame.columns)


# --- seeds --------------------------------------------------------------------------------------------


def test_seeds_come_from_seedsequence_by_point_and_replicate():
    root = np.random.SeedSequence(11)
    child = root.spawn(4)[3].spawn(5)[2]
    assert run_seed(11, 3, 2) == int(child.generate_state(1, np.uint64)[0] >> np.uint64(1))
    seeds = {run_seed(11, p, r) for p in range(50) for r in range(20)}
    assert len(seeds) == 1000  # all distinct
    assert all(0 <= s < 2**63 for s in seeds)
    # common random numbers: the replicate alone decides
    assert run_seed(11, 0, 4, common=True) == run_seed(11, 9, 4, common=True) != run_seed(11, 0, 5, common=True)


def test_a_new_design_is_one_class(tmp_path, monkeypatch):
    """A design declared as a class (here: Halton points) is usable from a sweep file at once."""
    from scipy.stats import qmc

    from sim.experiments import designs

    class Halton(designs.DesignKind):
        name = "halton"
        samples_mean = "the number of points"

        def size(self, parameters, spec):
            return int(spec.samples)

        def unit_sample(self, d, spec, seed, problem):
            return qmc.Halton(d, seed=seed).random(spec.samples)

    monkeypatch.setitem(designs.DESIGNS, "halton", Halton())
    write_base(tmp_path)
    (tmp_path / "h.yaml").write_text("base: tiny.yaml\ndesign: {kind: halton, samples: 5}\nreplicates: 1\n"
                                     "parameters:\n  site.party.secretary_capability: {low: 0.2, high: 0.8}\n")
    plan = Plan.from_sweep(load_sweep(tmp_path / "h.yaml"))
    assert plan.describe_design() == "halton, 5 samples"
    values = plan.design_frame()["secretary_capability"]
    assert len(values) == 5 and values.between(0.2, 0.8).all() and values.nunique() == 5
    (tmp_path / "bad.yaml").write_text("base: tiny.yaml\ndesign: {kind: halton}\n"
                                       "parameters:\n  site.party.secretary_capability: {low: 0.2, high: 0.8}\n")
    with pytest.raises(SweepError, match="a halton design needs samples: the number of points"):
        load_sweep(tmp_path / "bad.yaml")


def test_the_run_length_of_a_sweep_or_comparison_must_hold_the_base_scenarios_timeline(tmp_path, capsys):
    """--days (or a sweep file's days:) is the length every point runs: a timeline entry beyond it
    is refused, as `cogov run --days` refuses it, not silently never applied."""
    timeline = [{"day": 15, "set": {"policies.grid_management.enabled": True}}]
    write_base(tmp_path, "late", days=20, timeline=timeline)
    other = write_base(tmp_path, "plain", days=20)
    sweep = write_sweep(tmp_path, base="late.yaml", parameters={"site.households": [100, 120]}, replicates=1)
    with pytest.raises(SweepError, match=r"days: 10 days do not fit the base scenario: timeline.0.day: day 15 is outside the run"):
        load_sweep(sweep, days=10)
    assert load_sweep(sweep, days=16).days == 16
    code = main(["compare", str(tmp_path / "late.yaml"), str(other), "--days", "10", "--replicates", "1",
                 "--workers", "1", "--out", str(tmp_path / "cmp")])
    assert code == 2
    err = capsys.readouterr().err
    assert_one_line_error(err)
    assert "late.yaml: 10 days do not fit this scenario: timeline.0.day: day 15 is outside the run" in err
    assert not (tmp_path / "cmp").exists()
    assert Plan.for_compare([tmp_path / "late.yaml", other], replicates=1, seed=1, days=16).days == 16
