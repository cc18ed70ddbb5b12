"""The capacity report (summary.json `capacity`, `cogov run`'s table and warning, calibration's
constraint, validate-model's check): each handler's offered load ρ = arrivals × mean work ÷
server-days over the reported days, checked against a hand count from the case log."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.metrics.capacity import capacity_section
from sim.model import CoGovModel
from sim.validation.calibrate import CAPACITY_WEIGHT, capacity_penalty
from sim.validation.validate import dynamics_table

DAYS = 150
FIXED = {"distribution": "fixed"}
#: a small city of two streets, every handler with fixed work times (so a case's work is its
#: spec's mean: nothing about it is hidden from the case log), joint meetings on
CITY = {
    "run": {"days": DAYS, "seed": 4, "warmup_days": 60},
    "site": {"households": 400},
    "disputes": {"rate_multiplier": 2.0},
    "policies": {"joint_meetings": {"enabled": True, "interval_days": 10, "cases_per_meeting": 3}},
    "handlers": {name: {"work_time": {**FIXED, "mean_days": mean}} for name, mean in
                 (("property_desk", 2.0), ("mediation", 3.0), ("street", 8.0), ("district", 12.0), ("city_hotline", 10.0),
                  ("court", 60.0))},
    "city": {"name": "T", "districts": [{"name": "D", "streets": [
        {"name": "S1", "communities": [{"name": "a"}, {"name": "b", "site": {"type": "old_compound"}}]},
        {"name": "S2", "communities": [{"name": "c", "site": {"households": 700}}]}]}]},
}


def test_the_capacity_report_matches_a_hand_count_from_the_case_log():
    m = CoGovModel(scenario=CITY)
    m.run()
    report = {(x["channel"], x["place"]): x for x in capacity_section(m)}
    log = m.disputes.book.event_table(m.geography.names).to_pandas()
    log = log[(log["time"] >= 0) & (log["time"] < DAYS)]
    street_of = {"a": "D/S1", "b": "D/S1", "c": "D/S2"}  # streets are named within their district
    place = {"street": lambda c: street_of[c], "district": lambda c: "D", "city_hotline": lambda c: "T", "court": lambda c: "T"}
    enq = log[log["event"] == "enqueue"].copy()
    enq["place"] = [place.get(ch, lambda c: c)(c) for ch, c in zip(enq["channel"], enq["community"])]
    arrivals = enq.groupby(["channel", "place"], observed=True).size()
    spec = m.config.handlers
    servers = {"street": spec.street.servers, "district": spec.district.servers, "city_hotline": spec.city_hotline.servers,
               "court": spec.court.servers}
    names = m.geography.names
    checked = set()
    for (channel, where), n in arrivals.items():
        x = report[(channel, where)]
        assert x["arrivals"] == n, (channel, where)
        checked.add(channel)
        if channel == "joint_meeting":  # meets on the days ≡ its phase (mod 10), three seats each
            meetings = sum(1 for d in range(DAYS) if d % 10 == (5 + 3 * names.index(where)) % 10)
            assert x["rho"] == pytest.approx(n / (3 * meetings), rel=1e-3)
            continue
        mean = getattr(spec, channel).work_time.mean_days
        assert x["mean_work_days"] == pytest.approx(mean)
        if channel == "mediation":
            s = len(m.committees[names.index(where)].mediators)
        elif channel == "property_desk":
            s = m.property_companies[names.index(where)].staff
        else:
            s = servers[channel]
        assert x["rho"] == pytest.approx(n * mean / (s * DAYS), rel=1e-3), (channel, where)
    assert {"mediation", "joint_meeting", "street", "district", "city_hotline"} <= checked
    # the work of a finished case, start to conclusion in the case log, is the fixed mean
    med = log[(log["channel"] == "mediation") & log["event"].isin(["start", "resolve", "fail"])].sort_values(["dispute_id", "time"])
    starts = med[med["event"] == "start"].groupby("dispute_id")["time"].first()
    ends = med[med["event"] != "start"].groupby("dispute_id")["time"].last()
    both = starts.index.intersection(ends.index)
    spans = (ends[both] - starts[both]).to_numpy()
    assert len(spans) > 20 and np.isclose(spans, 3.0).mean() > 0.9


def _scenario(tmp_path, servers: int) -> str:
    path = tmp_path / f"street{servers}.yaml"
    path.write_text(f"name: tiny\nrun: {{days: 90, seed: 1, warmup_days: 60}}\n"
                    "site: {households: 500, residents_committee: {mediators: 9}}\ndisputes: {rate_multiplier: 2.0}\n"
                    f"handlers: {{street: {{servers: {servers}}}}}\n", encoding="utf-8")
    return str(path)


def test_cogov_run_names_the_loaded_handlers_and_warns_at_rho_1(tmp_path, capsys):
    assert main(["run", _scenario(tmp_path, 1), "--out", str(tmp_path / "one")]) == 0
    out, err = capsys.readouterr()
    street = next(x for x in json.loads((tmp_path / "one" / "summary.json").read_text())["capacity"] if x["channel"] == "street")
    assert street["rho"] >= 1
    assert "Handlers at offered load ρ ≥ 0.9" in out and "street (" in out
    warnings = [x for x in err.splitlines() if "ρ ≥ 1" in x]
    assert len(warnings) == 1 and "street (" in warnings[0], err
    assert main(["run", _scenario(tmp_path, 20), "--out", str(tmp_path / "many")]) == 0
    out, err = capsys.readouterr()
    assert "street (" not in out and "ρ ≥ 1" not in err


def test_calibration_pays_for_a_queue_at_the_edge():
    runs = pd.DataFrame({"scenario": ["a", "a", "b", "b"], "max_offered_load": [0.5, 0.7, 0.95, 1.05]})
    assert capacity_penalty(runs) == pytest.approx(CAPACITY_WEIGHT * 1.0)  # b: mean 1.0, 0.1 above 0.9
    assert capacity_penalty(runs.assign(max_offered_load=[0.5, 0.7, 0.8, 0.85])) == 0.0


def test_validate_model_reports_capacity_and_stationarity_per_scenario():
    runs = pd.DataFrame({"scenario": ["x.yaml"] * 3 + ["y.yaml"] * 3, "max_offered_load": [0.5, 0.6, 0.55, 1.1, 1.2, 1.0],
                         "trending_series": [0.0, 0.0, 1.0, np.nan, np.nan, np.nan]})
    t = dynamics_table(runs).set_index("scenario")
    assert t.loc["x", "capacity"] == "ok" and t.loc["y", "capacity"] == "unstable"
    assert t.loc["x", "max_rho"] == pytest.approx(0.55) and t.loc["x", "trending"] == 1 and t.loc["x", "tested"] == 3
    assert t.loc["y", "tested"] == 0
