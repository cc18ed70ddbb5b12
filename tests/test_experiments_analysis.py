"""Analysis of small real sweeps and comparisons: tables of mean and 95 % CI per design point,
plots, SALib sensitivity indices for sobol and morris designs, and the paired comparison with
common random numbers (`cogov compare`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from experiment_files import write_base, write_sweep
from scipy import stats

from sim.cli import main
from sim.experiments import load
from sim.experiments.analyze import analyze
from sim.experiments.engines import LocalEngine
from sim.experiments.plan import Plan
from sim.experiments.runner import run_plan
from sim.experiments.sweepfile import load_sweep

PNG = b"\x89PNG\r\n\x1a\n"
SA_METRICS = ["participation_rate", "trust_residents_committee"]


def _run(sweep_path, out, workers=2):
    run_plan(Plan.from_sweep(load_sweep(sweep_path)), out, LocalEngine(workers))
    return out


def test_analyze_a_two_parameter_grid(tmp_path, capsys):
    out = _run(write_sweep(tmp_path, replicates=3), tmp_path / "out")
    assert main(["analyze", str(out)]) == 0
    stdout = capsys.readouterr().out
    assert "points.csv" in stdout and "heatmap.png" in stdout
    folder = out / "analysis"
    assert sorted(p.name for p in folder.iterdir()) == ["effects.png", "heatmap.png", "points.csv"]
    for png in ("effects.png", "heatmap.png"):
        assert (folder / png).read_bytes()[:8] == PNG
    points = pd.read_csv(folder / "points.csv")
    assert list(points.columns) == ["point", "interval_days", "secretary_capability", "metric", "n", "mean", "sd",
                                    "ci_low", "ci_high"]
    assert len(points) == 4 * 3  # points × kept metrics
    s = load(out).summary
    row = points[(points["point"] == 2) & (points["metric"] == "participation_rate")].iloc[0]
    values = s.loc[s["point"] == 2, "participation_rate"].to_numpy()
    half = stats.t.ppf(0.975, 2) * values.std(ddof=1) / np.sqrt(3)
    assert row["n"] == 3
    assert row["mean"] == pytest.approx(values.mean())
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((values.mean() - half, values.mean() + half))
    # analysing again replaces the folder
    assert main(["analyze", str(out), "--metrics", "participation_rate"]) == 0
    capsys.readouterr()
    assert set(pd.read_csv(folder / "points.csv")["metric"]) == {"participation_rate"}


def test_analyze_one_parameter_draws_its_series_with_bands(tmp_path):
    sweep = write_sweep(tmp_path, parameters={"policies.joint_meetings.interval_days": [7, 30, 90]}, replicates=2)
    a = analyze(_run(sweep, tmp_path / "out"))
    assert a.files == ["points.csv", "effects.png", "series.png"]
    assert (a.folder / "series.png").read_bytes()[:8] == PNG


def test_sobol_sensitivity_indices_with_salib(tmp_path):
    from SALib.analyze import sobol

    sweep = write_sweep(tmp_path, design={"kind": "sobol", "samples": 8}, replicates=1, metrics=SA_METRICS,
                        parameters={"site.party.secretary_capability": {"low": 0.1, "high": 0.9},
                                    "policies.red_cells.volunteer_share": {"low": 0.0, "high": 1.0}},
                        overrides={"policies.red_cells.enabled": True})
    out = _run(sweep, tmp_path / "out")
    a = analyze(out)
    assert "sensitivity.csv" in a.files and (a.folder / "sensitivity.png").read_bytes()[:8] == PNG
    table = pd.read_csv(a.folder / "sensitivity.csv")
    assert list(table.columns) == ["metric", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert len(table) == 2 * 2
    r = load(out)
    plan = Plan.from_sweep(load_sweep(sweep))
    y = r.summary.sort_values("point")["participation_rate"].to_numpy()
    expected = sobol.analyze(plan.problem, y, calc_second_order=False, conf_level=0.95, seed=3)
    got = table[table["metric"] == "participation_rate"]
    np.testing.assert_allclose(got["S1"], expected["S1"])
    np.testing.assert_allclose(got["ST_conf"], expected["ST_conf"])
    # the secretary's capability drives participation more than nothing does
    assert got.set_index("parameter").loc["secretary_capability", "ST"] > 0.05


def test_morris_screening_with_salib_and_an_unfinished_sweep(tmp_path, capsys):
    sweep = write_sweep(tmp_path, design={"kind": "morris", "samples": 3, "levels": 4}, replicates=1,
                        metrics=SA_METRICS,
                        parameters={"site.party.secretary_capability": {"low": 0.1, "high": 0.9},
                                    "policies.red_cells.enabled": [False, True],
                                    "policies.joint_meetings.interval_days": {"low": 7, "high": 90}})
    plan = Plan.from_sweep(load_sweep(sweep))
    out = tmp_path / "out"
    run_plan(plan, out, LocalEngine(2), faults={(5, 0): "raise"})  # one point missing
    assert main(["analyze", str(out)]) == 0
    captured = capsys.readouterr()
    assert "sensitivity indices need every design point" in captured.err
    assert not (out / "analysis" / "sensitivity.csv").exists()
    assert (out / "analysis" / "scatter.png").exists()

    assert main(["sweep", str(sweep), "--out", str(out), "--retry-failed", "-q"]) == 0
    assert main(["analyze", str(out)]) == 0
    stdout = capsys.readouterr().out
    assert "Morris screening" in stdout and "secretary_capability" in stdout
    table = pd.read_csv(out / "analysis" / "sensitivity.csv")
    assert list(table.columns) == ["metric", "parameter", "mu", "mu_star", "mu_star_conf", "sigma"]
    assert len(table) == 2 * 3 and (table["mu_star"] >= 0).all()


def test_compare_two_scenarios_with_common_random_numbers(tmp_path, capsys):
    a = write_base(tmp_path, name="plain", households=150, days=30)
    b = write_base(tmp_path, name="levers", households=150, days=30,
                   policies={"grid_management": {"enabled": True}, "red_cells": {"enabled": True}})
    out = tmp_path / "cmp"
    code = main(["compare", str(a), str(b), "--replicates", "5", "--seed", "4", "--out", str(out), "--workers", "2"])
    stdout, err = capsys.readouterr()
    assert code == 0, err
    for text in ("plain vs levers: mean [95 % CI] over 5 paired replicates", "levers − plain", "Participation rate",
                 "Dispute resolution rate", "comparison.csv", "10/10 runs finished"):
        assert text in stdout, (text, stdout)
    r = load(out)
    s = r.summary
    assert list(s.groupby("arm")["seed"].apply(list)["plain"]) == list(s.groupby("arm")["seed"].apply(list)["levers"])
    table = pd.read_csv(out / "analysis" / "comparison.csv")
    row = table[(table["metric"] == "participation_rate") & (table["arm"] == "levers")].iloc[0]
    pa = s[s["arm"] == "plain"].set_index("replicate")["participation_rate"]
    pb = s[s["arm"] == "levers"].set_index("replicate")["participation_rate"]
    d = (pb - pa).to_numpy()
    half = stats.t.ppf(0.975, 4) * d.std(ddof=1) / np.sqrt(5)
    assert row["diff"] == pytest.approx(d.mean())
    assert (row["diff_ci_low"], row["diff_ci_high"]) == pytest.approx((d.mean() - half, d.mean() + half))
    assert row["pairs"] == 5
    assert (out / "analysis" / "comparison.png").read_bytes()[:8] == PNG
    assert set(r.series["point"]) == {0, 1}
    # the same command again resumes: nothing to run
    assert main(["compare", str(a), str(b), "--replicates", "5", "--seed", "4", "--out", str(out), "-q"]) == 0
    assert capsys.readouterr().out.strip() == str(out)
