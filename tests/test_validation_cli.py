"""`cogov validate-model` and `cogov calibrate` end to end on a tiny community (200 households,
30 days) with a tiny targets file and budget, so the whole file runs in seconds."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def tiny(tmp_path) -> Path:
    """A folder with a tiny scenario, a targets file and a calibration set-up."""
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump({
        "extends": str(ROOT / "scenarios" / "baseline.yaml"), "name": "tiny",
        "site": {"households": 200}, "run": {"days": 30}}), encoding="utf-8")
    (tmp_path / "targets.yaml").write_text(yaml.safe_dump({"replicates": 2, "seed": 3, "targets": [
        {"id": "take_part", "pattern": "some take part", "figure": "about 20 %", "value": 0.2, "range": [0.01, 0.5],
         "role": "calibrate", "scenario": "tiny.yaml", "metric": "participation_rate", "source": "test"},
        {"id": "impossible", "pattern": "never met", "figure": "-", "range": [5.0, 6.0], "role": "check",
         "scenario": "tiny.yaml", "metric": "participation_rate", "source": "test"},
        {"id": "absent", "pattern": "no counterpart", "figure": "-", "role": "not_compared", "source": "test",
         "reason": "not in the model"},
    ]}, allow_unicode=True), encoding="utf-8")
    (tmp_path / "calibration.yaml").write_text(yaml.safe_dump({
        "targets": "targets.yaml", "seed": 1, "design_points": 4, "design_replicates": 1, "accept_share": 0.5,
        "finalists": 1, "finalist_replicates": 1, "refine_evaluations": 3, "refine_replicates": 1,
        "parameters": [
            {"path": "behaviour.participation.threshold_mean", "prior": [0.1, 0.5], "start": 0.25},
            {"path": "behaviour.participation.age_threshold_shift", "name": "age_gradient",
             "shape": [0.3, 0.15, 0.05, -0.05, -0.12, -0.2], "prior": [0.5, 2.0], "start": 1.0},
        ]}), encoding="utf-8")
    return tmp_path


def test_validate_model_prints_and_writes_the_table(tiny, capsys):
    out = tiny / "val"
    code = main(["validate-model", str(tiny / "targets.yaml"), "--out", str(out), "--workers", "1", "--quiet"])
    text = capsys.readouterr().out
    assert code == 0
    assert "take_part" in text and "impossible" in text and "miss" in text and "not compared" in text
    assert "1 pass, 1 miss, 0 without data, 1 not compared" in text
    table = pd.read_csv(out / "validation.csv")
    row = table.set_index("id").loc["take_part"]
    assert row["n"] == 2 and row["ci_low"] <= row["mean"] <= row["ci_high"]
    assert table.set_index("id").loc["impossible", "status"] == "miss"
    doc = json.loads((out / "validation.json").read_text())
    assert doc["counts"] == {"pass": 1, "miss": 1, "no data": 0, "not compared": 1}
    assert len(pd.read_parquet(out / "runs.parquet")) == 2
    # --strict: a miss is a failure
    assert main(["validate-model", str(tiny / "targets.yaml"), "--out", str(out), "--workers", "1", "--quiet", "--strict"]) == 1


def test_validate_model_bad_file_is_one_line(tiny, capsys):
    (tiny / "bad.yaml").write_text("replicates: 1\ntargets: []\n", encoding="utf-8")
    assert main(["validate-model", str(tiny / "bad.yaml"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("cogov: error: ") and "bad.yaml:1: replicates" in err[0]


def test_calibrate_writes_design_defaults_and_fit_report(tiny, capsys):
    out, defaults, docs = tiny / "cal", tiny / "calibrated.yaml", tiny / "calibration.md"
    code = main(["calibrate", str(tiny / "calibration.yaml"), "--out", str(out), "--workers", "1", "--quiet",
                 "--apply", "--defaults-file", str(defaults), "--docs", str(docs)])
    text = capsys.readouterr().out
    assert code == 0, text
    assert "threshold_mean" in text and "age_gradient" in text
    design = pd.read_csv(out / "design.csv")
    assert len(design) == 4 and design["accepted"].sum() == 2
    params = yaml.safe_load(defaults.read_text())["parameters"]
    assert 0.1 <= params["behaviour.participation.threshold_mean"] <= 0.5
    shift = params["behaviour.participation.age_threshold_shift"]
    assert len(shift) == 6 and shift[0] > 0 > shift[-1]
    report = docs.read_text()
    assert "ABC rejection" in report and "`take_part`" in report and "## Fit" in report
