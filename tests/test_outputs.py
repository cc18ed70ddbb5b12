"""The run folder, the dashboard and the string catalogues (sim.running, sim.i18n).

Small, short runs (300 households, 20-30 days) so the whole file takes a few seconds."""

from __future__ import annotations

import json
import math
import os
import warnings
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from sim.i18n import LANGUAGES, catalogue, metric_label, t
from sim.metrics import METRICS
from sim.metrics.definitions import summary

SERIES = [m.name for m in METRICS.daily()]
from sim.running import RUN_FILES, FontFallbackWarning, RunFolderError, find_cjk_font, render_dashboard, simulate, write_run_folder
from sim.running import dashboard as dashboard_mod
from sim.running import output as output_mod
from sim.scenario import ScenarioError, load_scenario, validate_document

SMALL = {"name": "small", "site": {"households": 300}, "run": {"days": 20, "seed": 5}}
DETERMINISTIC = ("series.parquet", "series.csv", "case_log.parquet", "cases.parquet", "summary.json", "scenario.yaml")
PNG = b"\x89PNG\r\n\x1a\n"


def write(model, out: Path, **kw):
    kw.setdefault("scenario_path", None)
    kw.setdefault("command_line", "test")
    kw.setdefault("wall_time", 0.0)
    return write_run_folder(model, out, **kw)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def leftovers(parent: Path) -> list[str]:
    """Hidden temporary or set-aside folders left next to run folders."""
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


@pytest.fixture(scope="module")
def model():
    return simulate(SMALL)


@pytest.fixture(scope="module")
def folder(model, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "small-seed5"
    write(model, out)
    return out


# --- catalogues -----------------------------------------------------------------------------------


def test_catalogues_have_the_same_keys():
    en, zh = catalogue("en"), catalogue("zh")
    assert set(en) == set(zh), sorted(set(en) ^ set(zh))
    assert all(v.strip() for v in zh.values())


def test_every_metric_has_a_label_in_every_language(model):
    names = set(SERIES) | set(summary(model))
    for lang in LANGUAGES:
        missing = sorted(n for n in names if f"metric.{n}" not in catalogue(lang))
        assert not missing, (lang, missing)


def test_chinese_terms():
    assert t("metric.resolution_rate", "zh") == "矛盾纠纷化解率"
    assert t("metric.community_share", "zh") == "小事不出社区占比"
    assert t("metric.mean_days_to_resolution", "zh") == "平均化解天数"
    assert t("metric.fee_collection_rate", "zh") == "物业费收缴率"
    assert t("metric.backlog", "zh") == "积压案件"
    assert t("metric.latent", "zh") == "潜在纠纷"
    assert METRICS["trust_party"].short_label("zh") == "社区党组织"
    assert METRICS["trust_residents_committee"].short_label("zh") == "居委会"
    assert METRICS["trust_property_company"].short_label("zh") == "物业服务企业"


def test_t_fills_fields_and_rejects_unknowns():
    assert t("dashboard.footer", "en", version="9") == "cogov 9"
    with pytest.raises(KeyError):
        t("no.such.key")
    with pytest.raises(ValueError):
        t("metric.backlog", "fr")
    assert metric_label("a_metric_added_later", "zh") == "a_metric_added_later"


# --- simulate --------------------------------------------------------------------------------------


def test_simulate_reports_progress_and_records_seed_and_days():
    calls = []
    m = simulate(SMALL, seed=9, days=7, progress=lambda d, n: calls.append((d, n)))
    assert calls == [(d, 7) for d in range(8)]
    assert (m.day, m.seed, m.config.run.seed, m.config.run.days) == (7, 9, 9, 7)
    assert SMALL["run"] == {"days": 20, "seed": 5}  # the caller's document is left alone


def test_simulate_reads_a_path_and_reports_bad_files(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text(yaml.safe_dump(SMALL))
    assert simulate(p, days=3).day == 3
    p.write_text("site:\n  households: -1\n")
    with pytest.raises(ScenarioError, match=r"s\.yaml:2: site\.households"):
        simulate(p)


# --- the run folder --------------------------------------------------------------------------------


def test_run_folder_has_every_file(folder):
    assert sorted(p.name for p in folder.iterdir()) == sorted(RUN_FILES)
    assert not leftovers(folder.parent)


def test_series_has_a_row_for_the_end_of_every_day(folder, model):
    table = pq.read_table(folder / "series.parquet")
    assert table.column_names == ["day", *SERIES]
    assert table.column("day").to_pylist() == list(range(1, model.day + 1))
    csv = pd.read_csv(folder / "series.csv")
    assert list(csv.columns) == ["day", *SERIES]
    pd.testing.assert_frame_equal(csv, table.to_pandas(), check_dtype=False)


def test_case_tables_match_the_book(folder, model):
    names = list(model.geography.names)
    book = model.disputes.book
    for name, table in (("case_log.parquet", book.event_table(names)), ("cases.parquet", book.case_table(names))):
        back = pq.read_table(folder / name)
        assert back.schema.equals(table.schema), name
        pd.testing.assert_frame_equal(back.to_pandas(), table.to_pandas())  # NaN-aware


def test_summary_json_sorted_headline_and_null_for_nan(folder, model):
    text = (folder / "summary.json").read_text(encoding="utf-8")
    assert "NaN" not in text
    data = json.loads(text)
    assert list(data) == sorted(data)
    assert set(METRICS.headline()) <= set(data)
    expected = summary(model)
    for k, v in expected.items():
        assert data[k] == (None if isinstance(v, float) and math.isnan(v) else v), k


def test_scenario_yaml_is_the_resolved_scenario(folder, model):
    again = load_scenario(folder / "scenario.yaml")
    assert again == model.config
    assert (again.run.seed, again.run.days) == (5, 20)


def test_manifest(folder, model):
    m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for key in ("versions", "git_commit", "seed", "days", "scenario_file", "command_line", "wall_time_seconds", "created_at"):
        assert key in m, key
    assert set(m["versions"]) == {"cogov", "mesa", "numpy", "pandas", "pyarrow", "pydantic", "python"}
    assert (m["seed"], m["days"]) == (5, 20)
    assert m["git_commit"] is None or len(m["git_commit"]) == 40
    for name in DETERMINISTIC:  # timings live only in the manifest
        text = (folder / name).read_bytes()
        assert b"created_at" not in text and b"wall_time" not in text


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    write(simulate(SMALL), a, wall_time=1.0)
    write(simulate(SMALL), b, wall_time=2.0)
    write(simulate(SMALL, seed=6), c)
    for name in DETERMINISTIC:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    for name in ("series.parquet", "series.csv", "case_log.parquet", "summary.json"):
        assert (a / name).read_bytes() != (c / name).read_bytes(), name


def test_parquet_bytes_are_deterministic():
    table = pa.table({"x": [1.5, float("nan"), 3.0], "s": pa.array(["a", "b", "a"]).dictionary_encode()})
    assert output_mod.parquet_bytes(table) == output_mod.parquet_bytes(table)
    assert output_mod.parquet_bytes(table) == output_mod.parquet_bytes(pa.table(table.to_pydict()).cast(table.schema))


def test_existing_folder_refused_without_force(folder, model):
    before = snapshot(folder)
    with pytest.raises(RunFolderError, match="already exists"):
        write(model, folder)
    assert snapshot(folder) == before


def test_force_replaces_atomically(model, tmp_path):
    out = tmp_path / "run"
    write(model, out, command_line="first")
    write(model, out, command_line="second", force=True)
    assert json.loads((out / "manifest.json").read_text())["command_line"] == "second"
    assert leftovers(tmp_path) == []


def test_force_never_replaces_a_folder_that_is_not_a_run(model, tmp_path):
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work")
    with pytest.raises(RunFolderError, match="not a cogov run folder"):
        write(model, out, force=True)
    assert (out / "thesis.tex").read_text() == "years of work"


@pytest.mark.parametrize("force", [False, True])
def test_failure_midway_leaves_existing_folder_and_no_debris(model, tmp_path, monkeypatch, force):
    out = tmp_path / "run"
    if force:
        write(model, out)
        before = snapshot(out)

    def broken(*a, **k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(dashboard_mod, "render_dashboard", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        write(model, out, force=force)
    if force:
        assert snapshot(out) == before
    else:
        assert not out.exists()
    assert leftovers(tmp_path) == []


def test_failure_at_the_last_moment_leaves_no_debris(model, tmp_path):
    out = tmp_path / "run"
    write(model, out)
    before = snapshot(out)

    def fail(tmp):
        assert sorted(p.name for p in tmp.iterdir()) == sorted(RUN_FILES)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write(model, out, force=True, _before_commit=fail)
    assert snapshot(out) == before
    assert leftovers(tmp_path) == []


# --- the dashboard ---------------------------------------------------------------------------------


def test_dashboard_in_chinese(model, tmp_path):
    if find_cjk_font() is None:
        pytest.skip("no CJK font installed")
    out = tmp_path / "run"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no missing-glyph or font warnings
        manifest = write(model, out, lang="zh")
    assert manifest["dashboard_lang"] == "zh"
    assert (out / "dashboard.png").read_bytes().startswith(PNG)


def test_dashboard_falls_back_to_english_without_a_cjk_font(model, tmp_path, monkeypatch):
    monkeypatch.setattr(dashboard_mod, "find_cjk_font", lambda: None)
    series = output_mod.series_frame(model)
    with pytest.warns(FontFallbackWarning):
        used = render_dashboard(series, tmp_path / "d.png", lang="zh")
    assert used == "en"
    assert (tmp_path / "d.png").read_bytes().startswith(PNG)


def test_dashboard_copes_with_missing_and_all_nan_series(tmp_path):
    series = pd.DataFrame({"resolution_rate": [float("nan")] * 3, "backlog": [0.0, 1.0, 2.0]})
    series.index.name = "day"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert render_dashboard(series, tmp_path / "d.png") == "en"
    assert os.path.getsize(tmp_path / "d.png") > 10_000


def test_timeline_entries_and_old_shocks_are_marked_on_the_dashboard():
    doc = {**SMALL, "shocks": [{"kind": "fee_change", "day": 5, "factor": 1.3},
                               {"kind": "property_exit", "day": 10, "community": "community"}],
           "timeline": [{"day": 12, "label": "grid workers start", "set": {"policies.grid_management.enabled": True}},
                        {"day": 15, "set": {"policies.red_cells.enabled": True}}]}
    sc = validate_document(doc)  # 20 days
    assert output_mod.timeline_events(sc, "en") == [
        (5, "Property fee ×1.3"), (10, "Property company leaves (community)"), (12, "grid workers start"),
        (15, "Red-cell programme starts")]
    assert output_mod.timeline_events(sc, "zh")[0] == (5, "物业费调整 ×1.3")
