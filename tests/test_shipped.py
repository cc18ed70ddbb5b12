"""The files that ship with cogov, used by name from any folder (sim.resources): `cogov list`,
scenarios and sweep files by name, `extends: baseline`, `cogov examples`, the workshop's presets.

These run from the checkout (an editable install reads the top-level folders); .ci/installed_smoke.sh
does the same from a built wheel installed in a fresh virtualenv."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import pytest

from sim.cli import main
from sim.experiments.sweepfile import load_sweep
from sim.i18n import LANGUAGES, scenario_title, sweep_title
from sim.resources import SHIPPED, scenario_file, shipped, shipped_files, shipped_scenarios, shipped_sweeps, sweep_file
from sim.scenario import ScenarioError, load_scenario
from sim.validation.targets import default_targets_path, load_targets
from sim.webapp.session import find_presets

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def elsewhere(tmp_path, monkeypatch):
    """A working folder outside the checkout, as a user's."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_names_are_the_scenario_and_sweep_files_of_the_top_level_folder():
    files = {p.relative_to(ROOT / "scenarios").with_suffix("").as_posix() for p in (ROOT / "scenarios").rglob("*.yaml")}
    sweeps = {n for n in files if n.startswith("sweeps/")}
    assert set(shipped_scenarios()) == files - sweeps and {"baseline", "levers/red_cells", "sites/old_compound"} <= files
    assert {f"sweeps/{n}" for n in shipped_sweeps()} == sweeps and "joint_meetings" in shipped_sweeps()
    assert shipped("validation") / "targets.yaml" == default_targets_path()
    with pytest.raises(ValueError, match="no shipped folder"):
        shipped("docs")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_list_names_every_shipped_file_with_its_title(lang, capsys):
    code, out, err = cli(capsys, "list", "--lang", lang)
    assert code == 0 and not err
    rows = dict(re.findall(r"^ (\S+) +(\S.*?)\s*$", out, flags=re.M))
    for name in shipped_scenarios():
        assert rows[name] == scenario_title(name, lang) != name  # a title from the catalogue, not the bare name
    for name in shipped_sweeps():
        assert rows[name] == sweep_title(name, lang) != name
    if lang == "zh":
        assert rows["baseline"].startswith("基线") and "随附情景" in out


def test_run_a_shipped_scenario_by_name_from_any_folder(elsewhere, capsys):
    code, out, err = cli(capsys, "run", "baseline", "--days", "3", "--quiet", "--out", "run")
    assert code == 0, err
    manifest = json.loads((elsewhere / "run" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["scenario_file"] == str(shipped_scenarios()["baseline"])


@pytest.mark.parametrize("command", [["run"], ["show"], ["workshop"], ["compare", "baseline"]])
def test_an_unknown_name_is_one_line_naming_it(command, elsewhere, capsys):
    code, out, err = cli(capsys, *command, "baselin")
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("cogov: error: argument") and "no file or shipped scenario named 'baselin'" in err
    assert "did you mean 'baseline'? ('cogov list' shows the shipped ones)" in err


def test_a_file_is_found_before_a_name_and_a_suffix_is_always_a_file(elsewhere, capsys):
    (elsewhere / "baseline.yaml").write_text("extends: baseline\nname: my_base\n", encoding="utf-8")
    assert scenario_file("baseline.yaml") == elsewhere / "baseline.yaml"
    assert scenario_file("baseline") == shipped_scenarios()["baseline"]
    (elsewhere / "baseline.yaml").unlink()
    assert scenario_file("baseline.yaml") is None  # never the shipped one: a typo in a folder is not hidden
    code, out, err = cli(capsys, "show", "baseline.yaml")
    assert code == 2 and "baseline.yaml: file not found" in err


def test_extends_a_shipped_scenario_by_name(elsewhere, capsys):
    (elsewhere / "my.yaml").write_text("extends: baseline\nname: mine\nsite:\n  households: 300\n", encoding="utf-8")
    (elsewhere / "lever.yaml").write_text("extends: levers/red_cells\nname: my_lever\n", encoding="utf-8")
    mine, base = load_scenario("my.yaml"), load_scenario(shipped_scenarios()["baseline"])
    assert (mine.name, mine.site.households) == ("mine", 300) and base.site.households != 300
    assert mine.model_dump(exclude={"name", "site"}) == base.model_dump(exclude={"name", "site"})
    lever = load_scenario("lever.yaml")  # a shipped scenario that itself extends ../baseline.yaml
    assert lever.policies.red_cells.enabled and not base.policies.red_cells.enabled
    (elsewhere / "bad.yaml").write_text("extends: baselin\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"bad\.yaml:1: extends: file not found: baselin"):
        load_scenario("bad.yaml")


def test_a_sweep_file_by_name_and_a_sweep_base_by_name(elsewhere):
    assert sweep_file("joint_meetings") == shipped_sweeps()["joint_meetings"]
    assert sweep_file("baseline") is None
    text = ("name: mine\nbase: baseline\noverrides:\n  policies.joint_meetings.enabled: true\n"
            "parameters:\n  policies.joint_meetings.interval_days: [7, 30]\n")
    (elsewhere / "mine.yaml").write_text(text, encoding="utf-8")
    sweep = load_sweep("mine.yaml")
    assert sweep.base_path == shipped_scenarios()["baseline"] and sweep.base.name == "baseline"


def test_examples_writes_every_shipped_file_once_and_never_overwrites(elsewhere, capsys):
    code, out, err = cli(capsys, "examples", "ex")
    assert code == 0, err
    ex = elsewhere / "ex"
    expected = {(Path(f) / p.relative_to(shipped(f))).as_posix(): p for f in SHIPPED for p in shipped_files(f)}
    written = {p.relative_to(ex).as_posix() for p in ex.rglob("*") if p.is_file()}
    assert written == set(expected) and {"scenarios/baseline.yaml", "validation/targets.yaml",
                                         "notebooks/01_quick_start.ipynb", "scenarios/sweeps/joint_meetings.yaml"} <= written
    assert all((ex / rel).read_bytes() == src.read_bytes() for rel, src in expected.items())
    assert f"{len(expected)} files written, 0 kept" in out and out.count("\nwrote ") == len(expected) - 1
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((ex / "scenarios/baseline.yaml").stat().st_mode) == 0o666 & ~umask

    edited = ex / "scenarios" / "baseline.yaml"
    edited.write_text("name: edited\n", encoding="utf-8")
    (ex / "notebooks" / "04_city.ipynb").unlink()
    code, out, err = cli(capsys, "examples", "ex")
    assert code == 0 and edited.read_text(encoding="utf-8") == "name: edited\n"
    assert "kept  scenarios/baseline.yaml (already there; not overwritten)" in out
    assert "wrote notebooks/04_city.ipynb" in out and f"1 file written, {len(expected) - 1} kept" in out
    assert not list(ex.rglob(".*.tmp"))


def test_the_examples_folder_works_on_its_own(elsewhere, capsys):
    assert cli(capsys, "examples", "ex")[0] == 0
    ex = elsewhere / "ex"
    (ex / "scenarios" / "baseline.yaml").write_text(
        (ex / "scenarios" / "baseline.yaml").read_text(encoding="utf-8").replace("name: baseline", "name: my_baseline"),
        encoding="utf-8")
    assert load_scenario(ex / "scenarios" / "levers" / "red_cells.yaml").policies.red_cells.enabled  # ../baseline.yaml there
    targets = load_targets(ex / "validation" / "targets.yaml")
    assert all(targets.scenario_path(s).is_relative_to(ex.resolve()) for s in targets.scenarios())
    assert load_sweep(ex / "scenarios" / "sweeps" / "joint_meetings.yaml").base.name == "my_baseline"


def test_examples_into_a_file_is_refused(elsewhere, capsys):
    (elsewhere / "taken").write_text("x", encoding="utf-8")
    code, out, err = cli(capsys, "examples", "taken")
    assert code == 2 and err == "cogov: error: argument DIR: not a folder: taken\n"


def test_workshop_presets_are_the_shipped_ones_plus_a_folder(tmp_path):
    assert {p.key for p in find_presets()} == set(shipped_scenarios())
    more = tmp_path / "more"
    more.mkdir()
    (more / "baseline.yaml").write_text("extends: baseline\nname: our_baseline\n", encoding="utf-8")
    (more / "ours.yaml").write_text("extends: party_led\nname: our_estate\n", encoding="utf-8")
    (more / "broken.yaml").write_text("site: [\n", encoding="utf-8")
    presets = {p.key: p for p in find_presets(more)}
    assert set(presets) == set(shipped_scenarios()) | {"ours"}
    assert (presets["baseline"].name, presets["ours"].name) == ("our_baseline", "our_estate")  # the folder's replaces
    first = find_presets(more, extra=shipped_scenarios()["levers/red_cells"])
    assert first[0].key == "levers/red_cells" and len(first) == len(presets)
