"""The metric registry: one declaration reaches every output.

A metric declared here (with its two catalogue labels) must appear in the summary, the daily
series, the run folder, a paired comparison's table and the web app's tiles, with the format its
kind says; and recording is chosen by the caller.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sim import CoGovModel
from sim.cli.experiments import _print_comparison
from sim.experiments.analyze import analyze
from sim.experiments.engines import InlineEngine
from sim.experiments.plan import Plan
from sim.experiments.runner import run_plan
from sim.i18n import LANGUAGES, catalogue, format_value
from sim.metrics import METRICS, Direction, Kind, Metric, Section
from sim.metrics.definitions import Scope, backlog, scope, summary
from sim.running import write_run_folder
from sim.webapp.charts import tiles_html
from sim.webapp.session import Session, make_setup

from experiment_files import write_base

SMALL = {"site.households": 150}


def backlog_per_thousand(x) -> float:
    """Cases waiting for or in the hands of a handler, per 1,000 adult residents."""
    s = scope(x)
    n = len(s.residents("community"))
    return 1000.0 * backlog(s) / n if n else float("nan")


NEW = Metric("backlog_per_thousand", backlog_per_thousand, Kind.INDEX, "cases per 1,000 residents", Section.DISPUTES,
             Direction.MINIMIZE, headline=True)


@pytest.fixture
def declared(monkeypatch):
    """NEW declared, with its label in both catalogues, for one test."""
    monkeypatch.setitem(catalogue("en"), "metric.backlog_per_thousand", "Backlog per 1,000 residents")
    monkeypatch.setitem(catalogue("zh"), "metric.backlog_per_thousand", "每千名居民积压案件")
    with METRICS.added(NEW):
        yield NEW


def test_a_declared_metric_reaches_summary_series_run_folder_compare_and_app(declared, tmp_path, capsys):
    model = CoGovModel(rng=3, days=15, overrides=SMALL)
    model.run()
    end = summary(model)
    assert end["backlog_per_thousand"] == pytest.approx(1000 * end["backlog"] / end["residents"])
    series = model.datacollector.get_model_vars_dataframe()
    assert series["backlog_per_thousand"].iloc[-1] == pytest.approx(end["backlog_per_thousand"])

    write_run_folder(model, tmp_path / "run", scenario_path=None, command_line=None, wall_time=None)
    assert "backlog_per_thousand" in pd.read_csv(tmp_path / "run" / "series.csv").columns
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["backlog_per_thousand"] == end["backlog_per_thousand"]

    # a paired comparison (in this process: the metric is declared here only) tabulates it, formatted as an index
    a = write_base(tmp_path, "a", households=150, days=15)
    b = write_base(tmp_path, "b", households=150, days=15, policies={"grid_management": {"enabled": True}})
    plan = Plan.for_compare([a, b], replicates=3, seed=5)
    assert "backlog_per_thousand" in plan.metrics  # a headline metric is compared by default
    outcome = run_plan(plan, tmp_path / "cmp", InlineEngine())
    assert outcome.complete
    table = analyze(tmp_path / "cmp", metrics=plan.metrics).comparison
    row = table[(table["metric"] == "backlog_per_thousand") & (table["arm"] == "b")].iloc[0]
    assert np.isfinite(row["mean"]) and row["n"] == 3
    _print_comparison(table, plan)
    out = capsys.readouterr().out
    assert "Backlog per 1,000 residents" in out
    assert format_value(row["mean"], "index") in out

    # the workshop app's tiles show it, labelled in the page's language
    s = Session()
    assert s.configure(make_setup(write_base(tmp_path, "app", households=150), seed=2)), s.error
    s.advance(5)
    frame = s.frame()
    assert "每千名居民积压案件" in tiles_html(frame, "zh")
    assert frame.a.headline["backlog_per_thousand"] == pytest.approx(backlog_per_thousand(s.a.model))


def test_every_declared_metric_has_a_label_and_a_docstring_in_every_language():
    for m in METRICS:
        assert m.doc, m.name
        for lang in LANGUAGES:
            assert m.label_key in catalogue(lang), (lang, m.name)


def test_formats_follow_the_kind():
    assert METRICS.format("resolution_rate", 0.8123) == "81.2 %"
    assert METRICS.format("resolution_rate", 0.8123, "zh") == "81.2%"
    assert METRICS.format_difference("resolution_rate", 0.031) == "+3.1 pp"
    assert METRICS.format("mean_days_to_resolution", 26.44) == "26.4"
    assert METRICS.format("trust_party", 0.54321) == "0.543"
    assert METRICS.format("disputes_arisen", 1234) == "1,234"
    assert METRICS.format("money_spent", 1234567.8) == "¥1,234,568"
    assert METRICS.format("resolution_rate", float("nan")) == "—"
    assert METRICS["mean_days_to_resolution"].better(30.0, 20.0) == 1  # fewer days is better
    assert METRICS["resolution_rate"].better(0.8, 0.7) == -1


def test_a_metric_is_declared_once():
    with pytest.raises(ValueError, match="declared twice"):
        METRICS.add(METRICS["backlog"])


def test_only_the_metrics_asked_for_are_recorded_and_they_equal_the_full_recording():
    full = CoGovModel(rng=8, days=20, overrides=SMALL)
    full.run()
    few = CoGovModel(rng=8, days=20, overrides=SMALL, record=["resolution_rate", "backlog"])
    few.run()
    recorded = few.datacollector.get_model_vars_dataframe()
    assert list(recorded.columns) == ["resolution_rate", "backlog"]
    pd.testing.assert_frame_equal(recorded, full.datacollector.get_model_vars_dataframe()[["resolution_rate", "backlog"]])
    pd.testing.assert_series_equal(pd.Series(summary(few)), pd.Series(summary(full)))  # the run itself is the same
    with pytest.raises(KeyError, match="not a daily metric: disputes_arisen"):
        CoGovModel(rng=1, days=2, overrides=SMALL, record=["disputes_arisen"])


def test_scopes_share_masks_and_a_community_scope_equals_the_whole_of_a_one_community_model():
    model = CoGovModel(rng=2, days=30, overrides=SMALL)
    model.run()
    whole, one = summary(model), summary(Scope(model, [0]))
    assert set(one) == {m.name for m in METRICS.per_community()} and set(one) < set(whole)
    # staff_hours of a scope counts its communities' own handlers; of the whole model, street to court too
    assert one["staff_hours"] <= whole["staff_hours"]
    same = [k for k in one if k != "staff_hours"]
    pd.testing.assert_series_equal(pd.Series({k: one[k] for k in same}), pd.Series({k: whole[k] for k in same}))  # NaN-aware
    assert scope(model) is scope(model)  # unchanged book: one scope, its masks computed once
