"""`cogov report` of a robustness study: the page a policy audience reads, in English and Chinese,
with sentences written from the numbers, that opens in Chromium with no errors or requests."""

from __future__ import annotations

import re

import pytest
import yaml
from experiment_files import write_base
from test_report import external_references
from webapp_browser import CHROMIUM, opened_offline

from sim.cli import main
from sim.experiments import load
from sim.experiments.robust import versus_reference, world_table


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    folder = tmp_path_factory.mktemp("robust_report")
    write_base(folder, households=100, days=15)
    doc = {"name": "study", "description": "test", "base": "tiny.yaml",
           "uncertainties": {"behaviour.participation.cost": {"low": 0.05, "high": 0.35},
                             "behaviour.reporting.act_hazard": {"low": 0.04, "high": 0.2}},
           "levers": {"baseline": {}, "meetings": {"policies.joint_meetings.enabled": True,
                                                   "policies.red_cells.enabled": True}},
           "design": {"kind": "lhs", "samples": 8}, "replicates": 1, "seed": 9,
           "metrics": ["resolution_rate", "participation_rate"]}
    (folder / "study.yaml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    out = folder / "out"
    assert main(["sweep", str(folder / "study.yaml"), "--out", str(out), "--workers", "2", "--quiet"]) == 0
    assert main(["analyze", str(out), "--satisficing", "participation_rate >= 0.05"]) == 0
    return out


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_robustness_page_says_what_the_numbers_say(study, lang, capsys):
    page = study.parent / f"report-{lang}.html"
    assert main(["report", str(study), "--lang", lang, "--out", str(page)]) == 0
    html = page.read_text(encoding="utf-8")
    assert external_references(html) == []
    r = load(study)
    table, _ = world_table(r, ["resolution_rate", "participation_rate"])
    v = versus_reference(table, ["participation_rate"], r.options).iloc[0]
    share = f"{100 * v['share_better']:.0f} %"
    if lang == "en":
        assert "Which policy holds up, and where it fails" in html
        said = (f"meetings beats baseline on Participation rate in every sampled world ({v['worlds']} of {v['worlds']})"
                if v["better"] == v["worlds"] else
                f"meetings does not beat baseline on Participation rate in any sampled world (0 of {v['worlds']})"
                if v["better"] == 0 else
                f"meetings beats baseline on Participation rate in {share} of the sampled worlds ({v['better']} of {v['worlds']})")
        assert said in html, said
        assert "maximum regret" in html and "participation_rate &gt;= 0.05" in html
    else:
        assert "哪种政策经得起不确定性" in html
        assert (f"（{v['worlds']}个中的{v['better']}个），meetings在参与率上优于baseline" in html
                or f"（{v['worlds']}个中的{v['worlds']}个），meetings在参与率上均优于baseline" in html
                or f"（{v['worlds']}个），meetings在参与率上都未优于baseline" in html and v["better"] == 0)
        assert "最大遗憾值" in html
    assert re.search(r"\d+\.\d ?% \[\d+\.\d ?% – \d+\.\d ?%\]", html), "medians with their 5–95 % ranges across worlds"


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed (apt-get install chromium)")
def test_the_robustness_page_opens_in_chromium_in_both_languages(study):
    pytest.importorskip("playwright.sync_api")
    pages = []
    for lang in ("en", "zh"):
        out = study.parent / f"chromium-{lang}.html"
        assert main(["report", str(study), "--lang", lang, "--out", str(out)]) == 0
        pages.append(out)
    for path, page in opened_offline(pages):
        heading = page.locator("h2").all_inner_texts()
        assert ("Which policy holds up, and where it fails" if "en" in path.name else "哪种政策经得起不确定性，又在何处失效") in heading
        assert page.locator("table").count() >= 3
