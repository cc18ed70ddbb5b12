"""Robustness studies: a sweep file's levers (policy options) crossed with a sample of its
uncertainties, every option of a sampled world on the world's seeds (common random numbers);
bad levers refused in one line naming file, line and key."""

from __future__ import annotations

import pytest
import yaml
from experiment_files import assert_one_line_error, write_base

from sim.cli import main
from sim.experiments import load
from sim.experiments.plan import Plan
from sim.experiments.seeds import derived_seed
from sim.experiments.sweepfile import SweepError, load_sweep

LEVERS = {"baseline": {}, "meetings": {"policies.joint_meetings.enabled": True},
          "red_cells": {"policies.red_cells.enabled": True, "policies.red_cells.volunteer_share": 0.5}}
UNCERTAINTIES = {"behaviour.participation.cost": {"low": 0.05, "high": 0.35},
                 "behaviour.reporting.act_hazard": {"low": 0.04, "high": 0.2}}


def write_study(folder, *, samples=3, replicates=2, **more):
    write_base(folder, households=100, days=15)
    doc = {"name": "study", "description": "test", "base": "tiny.yaml", "uncertainties": UNCERTAINTIES,
           "levers": LEVERS, "design": {"kind": "lhs", "samples": samples}, "replicates": replicates, "seed": 5,
           "metrics": ["resolution_rate"], **more}
    path = folder / "study.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def test_every_option_runs_on_every_sampled_world_with_the_worlds_seeds(tmp_path):
    plan = Plan.from_sweep(load_sweep(write_study(tmp_path, samples=4, replicates=3)))
    frame = plan.design_frame()
    assert len(plan.points) == 4 * 3
    assert sorted(frame.groupby("world")["option"].apply(tuple).unique()) == [("baseline", "meetings", "red_cells")]
    for world, rows in frame.groupby("world"):
        assert rows[["cost", "act_hazard"]].nunique().tolist() == [1, 1]  # one world: one set of uncertainties
    assert frame.groupby("world")["cost"].first().nunique() == 4
    for point in plan.points:
        for r in range(plan.replicates):
            assert plan.seed_for(point.index, r) == derived_seed(5, point.world, r)
        assert point.overrides == {**LEVERS[point.columns["option"]],
                                   **{p.path: point.overrides[p.path] for p in plan.parameters}}
    seeds = {(p.world, r): plan.seed_for(p.index, r) for p in plan.points for r in range(3)}
    assert len(set(seeds.values())) == 4 * 3  # distinct across worlds and replicates
    assert plan.manifest()["options"] == list(LEVERS)


def test_a_study_runs_and_its_rows_carry_the_option_with_common_seeds(tmp_path, capsys):
    path = write_study(tmp_path, samples=2, replicates=1)
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    s = load(out).summary
    assert len(s) == 6 and set(s["option"]) == set(LEVERS)
    assert (s.groupby("world")["seed"].nunique() == 1).all()
    assert s.groupby("world")["seed"].first().nunique() == 2
    capsys.readouterr()
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1"]) == 0  # a rerun resumes: nothing left
    assert "0 to run" in capsys.readouterr().out


def test_a_study_on_a_dask_cluster_gives_the_local_engines_results(tmp_path, capsys):
    from experiment_files import assert_same_results

    path = write_study(tmp_path, samples=2, replicates=1)
    outs = {name: tmp_path / name for name in ("local", "dask")}
    assert main(["sweep", str(path), "--out", str(outs["local"]), "--workers", "1", "--quiet"]) == 0
    assert main(["sweep", str(path), "--out", str(outs["dask"]), "--dask", "local", "--workers", "2", "--quiet"]) == 0
    capsys.readouterr()
    assert_same_results(outs["local"], outs["dask"])
    assert load(outs["dask"]).summary.sort_values(["world", "option"])["option"].tolist() == sorted(LEVERS) * 2


BAD = {
    "one option": ({"levers": {"only": {}}}, ":", "levers: a robustness study compares options: give at least two"),
    "lever is also sampled": ({"levers": {**LEVERS, "odd": {"behaviour.participation.cost": 0.1}}}, ":",
                              "levers.odd.behaviour.participation.cost: also an uncertainty"),
    "unknown lever setting": ({"levers": {**LEVERS, "odd": {"policies.joint_meetings.enabld": True}}}, ":",
                              "unknown key 'enabld' in 'policies.joint_meetings'; did you mean 'enabled'?"),
    "invalid lever value": ({"levers": {**LEVERS, "odd": {"policies.red_cells.volunteer_share": 3}}}, ":",
                            "levers.odd.policies.red_cells.volunteer_share:"),
    "bad option name": ({"levers": {**LEVERS, "two words": {}}}, ":", "levers.two words"),
    "parameters with levers": ({"parameters": {"site.households": [100, 200]}}, ":",
                               "a sweep with levers samples uncertainties"),
    "setting of a lever the option leaves off": (
        {"levers": {**LEVERS, "odd": {"policies.grid_management.households_per_grid_worker": 200}}}, ":",
        "levers.odd.policies.grid_management.households_per_grid_worker: 'policies.grid_management.households_per_grid_worker' changes nothing: "
        "the lever is off in every run"),
    "uncertainty of a lever no option turns on": (
        {"uncertainties": {**UNCERTAINTIES, "policies.grid_management.households_per_grid_worker": {"low": 150, "high": 600}}}, ":",
        "uncertainties.policies.grid_management.households_per_grid_worker: 'policies.grid_management.households_per_grid_worker' changes nothing"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_levers_give_one_clear_line(case, tmp_path, capsys):
    more, where, what = BAD[case]
    path = write_study(tmp_path, **more)
    with pytest.raises(SweepError) as e:
        load_sweep(path)
    assert str(e.value).startswith(f"{path}{where}") and what in str(e.value), str(e.value)
    assert main(["sweep", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert_one_line_error(err)
    assert what in err
    assert not (tmp_path / "out").exists()



def test_an_uncertainty_of_a_lever_that_an_option_turns_on_is_sampled(tmp_path):
    """How many cases a joint meeting takes matters in the option that holds joint meetings."""
    uncertainties = {**UNCERTAINTIES, "policies.joint_meetings.cases_per_meeting": {"low": 4, "high": 12}}
    sweep = load_sweep(write_study(tmp_path, uncertainties=uncertainties))
    assert "policies.joint_meetings.cases_per_meeting" in [p.path for p in sweep.parameters]


def test_the_shipped_studys_party_led_option_is_the_party_led_scenario():
    """robust_packages.yaml spells out party_led.yaml's settings as one option; they must not drift apart."""
    from experiment_files import ROOT

    from sim.model import resolve_scenario
    from sim.scenario import load_scenario

    sweep = load_sweep(ROOT / "scenarios" / "sweeps" / "robust_packages.yaml")
    assert list(sweep.options) == ["baseline", "party_led", "party_core", "grid_mediation"]
    as_option = resolve_scenario(sweep.base, sweep.options["party_led"]).model_dump(mode="json")
    scenario = load_scenario(ROOT / "scenarios" / "party_led.yaml").model_dump(mode="json")
    for section in ("site", "policies", "behaviour", "handlers"):
        assert as_option[section] == scenario[section], section


def test_a_study_killed_with_sigkill_then_resumed_equals_an_uninterrupted_one(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    from experiment_files import ROOT, assert_same_results, python_m_sim

    from sim.experiments.engines import LocalEngine
    from sim.experiments.runner import run_plan
    from sim.experiments.store import committed

    path = write_study(tmp_path, samples=3, replicates=2)  # 3 worlds × 3 options × 2 = 18 runs
    write_base(tmp_path, households=300, days=40)  # slow enough to be killed in the middle
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "sim", "sweep", str(path), "--out", str(out), "--workers", "1", "--batch", "1"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while len(committed(out, "summary")) < 3:
            assert proc.poll() is None, f"the sweep ended before it could be killed: {proc.stderr.read()}"
            assert time.monotonic() < deadline, "no results appeared"
            time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    before = load(out).status()
    assert 3 <= before["finished"] < 18, before
    done = python_m_sim("sweep", path, "--out", out, "--workers", "2")
    assert done.returncode == 0, done.stderr
    assert f"{before['finished']} finished earlier; {18 - before['finished']} to run" in done.stdout
    reference = tmp_path / "uninterrupted"
    run_plan(Plan.from_sweep(load_sweep(path)), reference, LocalEngine(2))
    assert_same_results(out, reference)
    s = load(out).summary
    assert (s.groupby(["world", "replicate"])["seed"].nunique() == 1).all()


def test_options_drawn_from_lever_ranges(tmp_path):
    ranges = {"policies.joint_meetings.interval_days": {"low": 7, "high": 90},
              "policies.red_cells.volunteer_share": {"low": 0.1, "high": 0.9}}
    path = write_study(tmp_path, levers={"baseline": {}}, lever_ranges=ranges, lever_samples=5,
                       overrides={"policies.joint_meetings.enabled": True, "policies.red_cells.enabled": True})
    sweep = load_sweep(path)
    assert list(sweep.options) == ["baseline", "lever_1", "lever_2", "lever_3", "lever_4", "lever_5"]
    drawn = [sweep.options[f"lever_{i}"] for i in range(1, 6)]
    days = sorted(o["policies.joint_meetings.interval_days"] for o in drawn)
    share = sorted(o["policies.red_cells.volunteer_share"] for o in drawn)
    assert all(isinstance(d, int) and 7 <= d <= 90 for d in days) and all(0.1 <= v <= 0.9 for v in share)
    # a Latin hypercube: one draw in each fifth of each range
    assert [int((v - 0.1) / 0.8 * 5) for v in share] == [0, 1, 2, 3, 4]
    assert load_sweep(path).options == sweep.options  # drawn from the sweep seed: the same every time
    plan = Plan.from_sweep(sweep)
    assert len(plan.points) == 3 * 6 and plan.manifest()["levers"]["lever_3"] == sweep.options["lever_3"]


@pytest.mark.parametrize("more, what", [
    ({"lever_ranges": {"policies.red_cells.volunteer_share": {"low": 0.1, "high": 0.9}}},
     "lever_ranges and lever_samples go together"),
    ({"lever_samples": 3, "lever_ranges": {"behaviour.participation.cost": {"low": 0.1, "high": 0.2}}},
     "lever_ranges.behaviour.participation.cost: also an uncertainty"),
    ({"lever_samples": 3, "lever_ranges": {"policies.red_cells.volunteer_share": {"low": 0.1, "high": 1.5}}},
     "lever_ranges.policies.red_cells.volunteer_share.high: 1.5 is not a valid"),
])
def test_bad_lever_ranges_give_one_clear_line(more, what, tmp_path):
    path = write_study(tmp_path, **more)
    with pytest.raises(SweepError) as e:
        load_sweep(path)
    assert what in str(e.value) and "\n" not in str(e.value), str(e.value)
