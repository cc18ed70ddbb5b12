"""Robustness analysis and scenario discovery: regret worked by hand on a small table; PRIM (EMA
Workbench) finds a box planted on two of five uncertainties; `cogov analyze` and `cogov discover`
on a small study write their tables and figures; bad conditions are refused in one line."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from experiment_files import assert_one_line_error, write_base

from sim.cli import main
from sim.experiments.condition import ConditionError, evaluate
from sim.experiments.robust import regret_ranking, regret_table, satisficing_table, versus_reference

OPTIONS = ["baseline", "party_led", "cheap"]


def hand_table() -> pd.DataFrame:
    """Three worlds, three options; resolution_rate (more is better), mean_days_to_resolution (less is better)."""
    res = {0: [0.60, 0.90, 0.70], 1: [0.80, 0.85, 0.95], 2: [0.50, 0.50, 0.40]}
    days = {0: [10.0, 6.0, 8.0], 1: [7.0, 9.0, 5.0], 2: [12.0, 12.0, 20.0]}
    rows = [{"world": w, "cost": 0.1 * (w + 1), "option": o, "resolution_rate": res[w][j],
             "mean_days_to_resolution": days[w][j]} for w in range(3) for j, o in enumerate(OPTIONS)]
    return pd.DataFrame(rows)


def test_regret_and_its_ranking_worked_by_hand():
    regret = regret_table(hand_table(), ["resolution_rate", "mean_days_to_resolution"])
    r = regret.set_index(["metric", "world", "option"])["regret"]
    # resolution: best per world 0.90, 0.95, 0.50 → regret = best − value
    assert r["resolution_rate", 0, "baseline"] == pytest.approx(0.30)
    assert r["resolution_rate", 1, "party_led"] == pytest.approx(0.10)
    assert r["resolution_rate", 2, "cheap"] == pytest.approx(0.10)
    assert r["resolution_rate", 2, "baseline"] == r["resolution_rate", 2, "party_led"] == 0  # tied best
    # days (less is better): best 6, 5, 12 → regret = value − best
    assert r["mean_days_to_resolution", 0, "baseline"] == pytest.approx(4.0)
    assert r["mean_days_to_resolution", 2, "cheap"] == pytest.approx(8.0)
    rank = regret_ranking(regret, OPTIONS).set_index(["metric", "option"])
    # resolution regrets: baseline [0.30, 0.15, 0], party_led [0, 0.10, 0], cheap [0.20, 0, 0.10]
    assert rank.loc[("resolution_rate", "baseline"), "max_regret"] == pytest.approx(0.30)
    assert rank.loc[("resolution_rate", "party_led"), "max_regret"] == pytest.approx(0.10)
    assert rank.loc[("resolution_rate", "cheap"), "p90_regret"] == pytest.approx(0.18)  # 0.10 + 0.8 × (0.20 − 0.10)
    assert rank.loc[("resolution_rate", "baseline"), "p90_regret"] == pytest.approx(0.27)  # 0.15 + 0.8 × 0.15
    assert [rank.loc[("resolution_rate", o), "rank_max"] for o in OPTIONS] == [3, 1, 2]
    assert rank.loc[("resolution_rate", "party_led"), "best_share"] == pytest.approx(2 / 3)
    # days regrets: baseline [4, 2, 0], party_led [0, 4, 0], cheap [2, 0, 8]
    assert [rank.loc[("mean_days_to_resolution", o), "rank_max"] for o in OPTIONS] == [1, 1, 3]
    assert [rank.loc[("mean_days_to_resolution", o), "rank_p90"] for o in OPTIONS] == [2, 1, 3]  # 3.6, 3.2, 6.8


def test_versus_reference_and_satisficing_worked_by_hand():
    t = hand_table()
    vs = versus_reference(t, ["resolution_rate"], OPTIONS).set_index("option")
    assert (vs.loc["party_led", ["better", "worse", "equal"]].tolist()) == [2, 0, 1]
    assert vs.loc["cheap", "share_better"] == pytest.approx(2 / 3)
    sat = satisficing_table(t, ["resolution_rate >= 0.8"], OPTIONS).set_index("option")
    assert sat["met"].tolist() == [1, 2, 1] and sat.loc["party_led", "share"] == pytest.approx(2 / 3)


def test_conditions_are_parsed_not_evaluated():
    t = hand_table()
    assert evaluate("option == 'cheap' and resolution_rate > 0.5", t).sum() == 2
    assert evaluate("(not cost < 0.15) & (mean_days_to_resolution <= 9)", t).sum() == 3
    assert evaluate("0.5 < resolution_rate < 0.9", t).sum() == 4
    for bad, says in [("__import__('os').system('true')", "is not allowed"), ("resolution_rate.mean() > 0", "is not allowed"),
                      ("resolution_rat > 0.5", "unknown column 'resolution_rat'; did you mean 'resolution_rate'?"),
                      ("resolution_rate + 1", "is a value, not a condition"), ("resolution_rate >", "not a condition")]:
        with pytest.raises(ConditionError) as e:
            evaluate(bad, t)
        assert says in str(e.value) and "\n" not in str(e.value)


def test_prim_finds_a_box_planted_on_two_of_five_uncertainties():
    """400 uniform points in five uncertainties; the cases of interest are u1 > 0.6 and u3 < 0.5 (a
    fifth of the space) with 3 % of labels flipped. The chosen box at density 0.9 must restrict u1
    and u3 only, to within 0.05 of the planted edges, and cover at least 85 % of the cases."""
    pytest.importorskip("ema_workbench", reason="the robust extra (EMA Workbench) is not installed")
    from sim.experiments.discover import run_cart, run_prim

    rng = np.random.default_rng(7)
    x = pd.DataFrame(rng.uniform(0, 1, (400, 5)), columns=[f"u{i}" for i in range(5)])
    y = ((x["u1"] > 0.6) & (x["u3"] < 0.5)).to_numpy()
    y = y ^ (rng.uniform(0, 1, len(y)) < 0.03)  # a little noise
    trajectory, chosen, box, _ = run_prim(x, y, threshold=0.9)
    row = trajectory.iloc[chosen]
    assert row["coverage"] >= 0.85 and row["density"] >= 0.9, row
    assert set(box["parameter"]) == {"u1", "u3"}
    b = box.set_index("parameter")
    assert abs(b.loc["u1", "low"] - 0.6) < 0.05 and b.loc["u1", "high"] > 0.95
    assert abs(b.loc["u3", "high"] - 0.5) < 0.05 and b.loc["u3", "low"] < 0.05
    assert (b[["qp_lower", "qp_upper"]].min(axis=1) < 1e-6).all()  # both restrictions significant
    text, leaves, _, _ = run_cart(x, y)
    assert "u1" in text and "u3" in text
    assert leaves.iloc[0]["density"] >= 0.8


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    folder = tmp_path_factory.mktemp("study")
    write_base(folder, households=100, days=15)
    doc = {"name": "study", "description": "test", "base": "tiny.yaml",
           "uncertainties": {"behaviour.participation.cost": {"low": 0.05, "high": 0.35},
                             "behaviour.reporting.act_hazard": {"low": 0.04, "high": 0.2}},
           "levers": {"baseline": {}, "meetings": {"policies.joint_meetings.enabled": True}},
           "design": {"kind": "lhs", "samples": 10}, "replicates": 1, "seed": 5,
           "metrics": ["resolution_rate", "participation_rate"]}
    (folder / "study.yaml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    out = folder / "out"
    assert main(["sweep", str(folder / "study.yaml"), "--out", str(out), "--workers", "2", "--quiet"]) == 0
    return out


def test_analyze_a_study_writes_distributions_regret_and_satisficing(study, capsys):
    assert main(["analyze", str(study), "--satisficing", "participation_rate >= 0.05"]) == 0
    out = capsys.readouterr().out
    assert "Regret across sampled worlds" in out and "participation_rate >= 0.05: meetings in" in out
    a = study / "analysis"
    for name in ("worlds.csv", "distribution.png", "regret.csv", "regret_ranking.csv", "regret.png",
                 "versus_reference.csv", "satisficing.csv"):
        assert (a / name).is_file(), name
    worlds = pd.read_csv(a / "worlds.csv")
    assert len(worlds) == 20 and set(worlds["option"]) == {"baseline", "meetings"}
    ranking = pd.read_csv(a / "regret_ranking.csv")
    assert set(ranking["metric"]) == {"resolution_rate", "participation_rate"}
    assert (ranking.groupby("metric")["rank_max"].min() == 1).all()


def test_discover_on_a_study_finds_the_uncertainty_a_condition_is_about(study, capsys):
    pytest.importorskip("ema_workbench", reason="the robust extra (EMA Workbench) is not installed")
    cost = pd.read_parquet(study / "design.parquet").drop_duplicates("world")["cost"]
    cut = float(np.median(cost))
    code = main(["discover", str(study), "--where", f"option == 'meetings' and cost > {cut}"])
    assert code == 0
    d = study / "analysis" / "discover"
    for name in ("cases.csv", "peeling.csv", "peeling.png", "box.csv", "cart.txt", "cart.png", "cart_boxes.csv", "discover.json"):
        assert (d / name).is_file(), name
    summary = json.loads((d / "discover.json").read_text())
    assert summary["n"] == 10 and summary["of_interest"] == 5
    assert summary["density"] >= 0.8 and summary["coverage"] >= 0.8  # the default threshold, 0.8
    box = pd.read_csv(d / "box.csv")
    assert list(box["parameter"]) == ["cost"] and box["low"][0] > cost.min()
    assert main(["analyze", str(study)]) == 0  # a new analysis keeps what discover wrote
    assert (d / "box.csv").is_file()


@pytest.mark.parametrize("where, says", [
    ("option == 'meetings' and resolution_rate - baselin_resolution_rate < 0.02", "unknown column 'baselin_resolution_rate'"),
    ("open('x') == 1", "is not allowed"),
])
def test_bad_where_is_refused_in_one_line(study, where, says, capsys):
    before = sorted(p.name for p in study.rglob("*"))
    assert main(["discover", str(study), "--where", where]) == 2
    err = capsys.readouterr().err
    assert_one_line_error(err)
    assert says in err
    assert sorted(p.name for p in study.rglob("*")) == before


def test_satisficing_is_refused_in_one_line_when_it_cannot_be_computed(study, tmp_path, capsys):
    assert main(["analyze", str(study)]) == 0  # an earlier analysis, which the refusal must leave as it is
    capsys.readouterr()
    assert main(["analyze", str(study), "--satisficing", "resolution_rate >= high"]) == 2
    err = capsys.readouterr().err
    assert_one_line_error(err)
    assert "--satisficing: unknown column 'high'" in err
    assert (study / "analysis" / "worlds.csv").is_file()  # the earlier analysis is untouched


def test_discover_and_satisficing_on_a_sweep_without_levers(tmp_path, capsys):
    pytest.importorskip("ema_workbench", reason="the robust extra (EMA Workbench) is not installed")
    from experiment_files import write_sweep

    sweep = write_sweep(tmp_path, replicates=1)  # a 2 × 2 grid: interval_days, secretary_capability
    out = tmp_path / "out"
    assert main(["sweep", str(sweep), "--out", str(out), "--workers", "2", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["analyze", str(out), "--satisficing", "resolution_rate >= 0.5"]) == 2
    assert "is not a robustness study" in capsys.readouterr().err
    assert main(["discover", str(out), "--where", "secretary_capability > 0.5", "--threshold", "1"]) == 0
    cases = pd.read_csv(out / "analysis" / "discover" / "cases.csv")
    assert len(cases) == 4 and cases["of_interest"].sum() == 2
    box = pd.read_csv(out / "analysis" / "discover" / "box.csv")
    assert list(box["parameter"]) == ["secretary_capability"]
