"""`cogov report`: one self-contained HTML file for a run folder and a validation folder, in
English and Chinese, that opens in Chromium with no console errors and no request beyond itself."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from webapp_browser import CHROMIUM, opened_offline

from sim.cli import main


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """A small run folder of party_led and of baseline, and a validation folder."""
    root = Path(__file__).resolve().parent.parent
    tmp = tmp_path_factory.mktemp("report")
    for name in ("party_led", "baseline"):
        assert main(["run", str(root / "scenarios" / f"{name}.yaml"), "--days", "40", "--out", str(tmp / name), "--quiet"]) == 0
    targets = tmp / "targets.yaml"
    targets.write_text(
        "replicates: 2\ntargets:\n"
        f"  - {{id: grassroots, pattern: most settled inside, figure: 88 %, value: 0.885, range: [0.84, 0.93], role: calibrate, "
        f"scenario: {root / 'scenarios' / 'party_led.yaml'}, metric: community_share, source: Liaoning, caveat: 'a <b>caveat</b> & more'}}\n"
        "  - {id: none, pattern: nothing, figure: '-', role: not_compared, source: s, reason: no counterpart}\n",
        encoding="utf-8")
    assert main(["validate-model", str(targets), "--days", "40", "--out", str(tmp / "validation"), "--workers", "1", "--quiet"]) == 0
    # a results folder of the experiments tooling: a paired comparison of two small scenarios
    for name, extra in (("small_base", ""), ("small_red_cells", "policies: {red_cells: {enabled: true}}\n")):
        (tmp / f"{name}.yaml").write_text(f"extends: {root / 'scenarios' / 'baseline.yaml'}\nname: {name}\nsite: {{households: 300}}\n{extra}",
                                          encoding="utf-8")
    assert main(["compare", str(tmp / "small_base.yaml"), str(tmp / "small_red_cells.yaml"), "--replicates", "3", "--days", "30",
                 "--out", str(tmp / "compare"), "--workers", "1", "--quiet"]) == 0
    return tmp


def external_references(html: str) -> list[str]:
    """URLs the page would fetch: src/href attributes and CSS url() that are not data: URLs."""
    refs = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', html) + re.findall(r"url\(([^)]*)\)", html)
    return [r for r in refs if not r.strip("'\" ").startswith("data:") and not r.startswith("#")]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_run_report_is_self_contained(folders, lang, capsys):
    out = folders / f"run-{lang}.html"
    assert main(["report", str(folders / "party_led"), "--baseline", str(folders / "baseline"), "--lang", lang, "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert external_references(html) == []
    assert html.count("data:image/png;base64,") == 1  # the dashboard
    assert ("Headline results" if lang == "en" else "主要结果") in html
    assert ("Compared with the baseline" if lang == "en" else "与基准情景比较") in html
    assert ("Red cells" if lang == "en" else "红色细胞") in html  # the levers switched on


def test_validation_report_escapes_text_and_shows_results(folders):
    out = folders / "validation.html"
    assert main(["report", str(folders / "validation"), "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "a &lt;b&gt;caveat&lt;/b&gt; &amp; more" in html and "<b>caveat</b>" not in html
    assert "grassroots" in html and "not compared" in html
    assert external_references(html) == []


def test_comparison_report_shows_means_and_paired_differences_with_intervals(folders):
    out = folders / "compare.html"
    assert main(["report", str(folders / "compare"), "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "small_red_cells − small_base" in html
    assert re.search(r"\d+\.\d % \[-?\d+\.\d %, -?\d+\.\d %\]", html), "means with their CIs"
    assert "pp [" in html, "paired differences in percentage points with their CIs"
    assert external_references(html) == []


def test_report_of_a_folder_that_is_none_is_one_line(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a run, results or validation folder" in err[0]


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed (apt-get install chromium)")
def test_reports_open_in_chromium_without_errors_or_requests(folders):
    pytest.importorskip("playwright.sync_api")
    pages = []
    for lang in ("en", "zh"):
        out = folders / f"chromium-{lang}.html"
        assert main(["report", str(folders / "party_led"), "--lang", lang, "--out", str(out)]) == 0
        pages.append(out)
    for kind in ("validation", "compare"):
        out = folders / f"chromium-{kind}.html"
        assert main(["report", str(folders / kind), "--out", str(out)]) == 0
        pages.append(out)
    for _, page in opened_offline(pages):
        assert page.title()


def test_out_replaces_a_report_and_nothing_else(folders, tmp_path, capsys):
    run = tmp_path / "run"
    shutil.copytree(folders / "baseline", run)
    summary = (run / "summary.json").read_bytes()
    note = tmp_path / "note.txt"
    note.write_text("keep me")
    for target in (run / "summary.json", note):
        assert main(["report", str(run), "--out", str(target)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "is not a cogov report; not replacing it" in err[0], err
    assert (run / "summary.json").read_bytes() == summary and note.read_text() == "keep me"
    out = tmp_path / "report.html"
    assert main(["report", str(run), "--out", str(out)]) == 0
    assert main(["report", str(run), "--out", str(out), "--lang", "zh"]) == 0  # its own report: replaced
    assert 'lang="zh-CN"' in out.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["note.txt", "report.html", "run"]  # no temporary file left


@pytest.mark.parametrize("damage, message", [
    (lambda run: (run / "series.parquet").write_bytes((run / "series.parquet").read_bytes()[:100]), "series.parquet: damaged"),
    (lambda run: (run / "summary.json").write_text("{"), "summary.json: damaged"),
    (lambda run: (run / "summary.json").write_text("[1, 2]"), "summary.json: damaged, expected a dict, found list"),
    (lambda run: (run / "summary.json").unlink(), "not a complete run folder: summary.json is missing"),
])
def test_a_damaged_run_folder_is_one_line_naming_the_file(folders, tmp_path, capsys, damage, message):
    run = tmp_path / "run"
    shutil.copytree(folders / "baseline", run)
    damage(run)
    assert main(["report", str(run)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0] and "Traceback" not in err[0], err
    assert not (run / "report.html").exists()


def test_baseline_is_refused_for_a_results_folder(folders, capsys):
    assert main(["report", str(folders / "compare"), "--baseline", str(folders / "baseline")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--baseline is for the report of a run folder; this is a results folder" in err[0], err
