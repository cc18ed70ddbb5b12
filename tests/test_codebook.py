"""The codebook (docs/outputs.md) is what `cogov codebook` prints, and it describes real output
files: every file, column and code of a city run folder and a results folder, no more and no less."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from sim import CoGovModel
from sim.disputes.book import CASE_COLUMNS, CASE_LOG_COLUMNS, DETAIL_NAMES, EVENT_NAMES
from sim.experiments import load
from sim.experiments.engines import InlineEngine
from sim.experiments.plan import Plan
from sim.experiments.runner import run_plan
from sim.experiments.store import PROVENANCE, RESULTS_FILES
from sim.experiments.sweepfile import load_sweep
from sim.metrics import METRICS
from sim.metrics.tables import COUNTS, IDENTITY, LATENT, SPREAD
from sim.running import write_run_folder
from sim.running.codebook import CASE_LOG_TYPES, CASE_TYPES, codebook_markdown, value_type
from sim.running.output import CITY_FILES, MANIFEST_FIELDS, RUN_FILES

from experiment_files import write_sweep

ROOT = Path(__file__).resolve().parent.parent
CITY = {"city": {"name": "X", "districts": [{"name": "D1", "streets": [
    {"name": "S1", "communities": [{"name": f"C{c}", "site": {"households": 120}} for c in range(2)]},
    {"name": "S2", "communities": [{"name": "C2", "site": {"households": 120, "type": "old_compound"}}]}]}]}}


@pytest.fixture(scope="module")
def city_folder(tmp_path_factory):
    model = CoGovModel(rng=3, days=120, overrides={**CITY, "timeline": [{"day": 50, "street": "S2", "set": {
        "policies.red_cells.enabled": True}}]})
    model.run()
    out = tmp_path_factory.mktemp("codebook") / "run"
    write_run_folder(model, out, scenario_path=None, command_line=None, wall_time=None)
    return out


def test_docs_outputs_md_is_the_generated_codebook():
    assert (ROOT / "docs" / "outputs.md").read_text(encoding="utf-8") == codebook_markdown(), \
        "docs/outputs.md is stale: run `cogov codebook > docs/outputs.md`"


def test_the_run_folder_holds_the_documented_files_and_columns(city_folder):
    assert {p.name for p in city_folder.iterdir()} == set(RUN_FILES) | set(CITY_FILES)
    series = pq.read_table(city_folder / "series.parquet")
    assert series.column_names == ["day", *(m.name for m in METRICS.daily())]
    assert all(str(series.schema.field(m.name).type) == "double" for m in METRICS.daily())
    summary = json.loads((city_folder / "summary.json").read_text())
    assert set(summary) == {m.name for m in METRICS.end()} | {"timeline", "capacity", "stationarity"}
    assert [set(e) for e in summary["timeline"]] == [{"entry", "day", "label", "before_days", "after_days", "before", "after"}]
    assert set(summary["timeline"][0]["before"]) == {m.name for m in METRICS.periodic()}
    periods = pq.read_table(city_folder / "periods.parquet")
    assert periods.column_names == ["period", "start_day", "end_day", *(m.name for m in METRICS.periodic())]
    assert periods.column("end_day").to_pylist()[-1] == 120
    for m in METRICS.end():
        if summary[m.name] is not None:
            assert isinstance(summary[m.name], int) == (value_type(m) == "int64"), m.name
    manifest = json.loads((city_folder / "manifest.json").read_text())
    assert set(manifest) == set(MANIFEST_FIELDS)


def test_case_tables_have_the_documented_columns_types_and_codes(city_folder):
    log = pq.read_table(city_folder / "case_log.parquet")
    assert log.column_names == list(CASE_LOG_COLUMNS)
    assert {f.name: _type(f.type) for f in log.schema} == CASE_LOG_TYPES
    events = set(pc.unique(pc.cast(log.column("event"), "string")).to_pylist())
    details = set(pc.unique(pc.cast(log.column("detail"), "string")).drop_null().to_pylist())
    assert events <= set(EVENT_NAMES) and {"arise", "notice", "route", "resolve"} <= events
    assert details <= set(DETAIL_NAMES) and {"reported", "escalated"} & details
    cases = pq.read_table(city_folder / "cases.parquet")
    assert cases.column_names == list(CASE_COLUMNS)
    assert {f.name: _type(f.type) for f in cases.schema} == CASE_TYPES


def test_city_tables_have_identity_metric_and_count_columns_only(city_folder):
    documented = set(IDENTITY) | set(LATENT) | set(COUNTS) | {m.name for m in METRICS.per_community()}
    for name in ("communities.csv", "streets.csv", "districts.csv"):
        columns = (city_folder / name).read_text().splitlines()[0].split(",")
        assert set(columns) <= documented, (name, set(columns) - documented)
        assert {m.name for m in METRICS.per_community()} <= set(columns), name
    assert set(LATENT) <= set((city_folder / "communities.csv").read_text().splitlines()[0].split(","))
    assert (city_folder / "types.csv").read_text().splitlines()[0].split(",") == list(SPREAD)


def test_a_results_folder_holds_the_documented_files_and_columns(tmp_path):
    out = tmp_path / "res"
    run_plan(Plan.from_sweep(load_sweep(write_sweep(tmp_path, replicates=1))), out, InlineEngine())
    top = {p.name + ("/" if p.is_dir() else "") for p in out.iterdir()}
    documented = {k.split("/")[0] + ("/" if "/" in k else "") for k in RESULTS_FILES}
    assert top <= documented and {"manifest.json", "design.parquet", "runs.parquet", "summary/", "series/"} <= top
    r = load(out)
    fixed = ["point", "replicate", "seed", *r.parameters]
    assert list(r.summary.columns) == fixed + [m.name for m in METRICS.end()] + list(PROVENANCE)


def _type(t) -> str:
    return "dictionary<string>" if str(t).startswith("dictionary<values=string") else str(t)
