"""The `cogov` command line, end to end: in process through `main([...])`, and as a subprocess
through `python -m sim`. Small scenarios (300 households) and 20 days keep it fast."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sim.cli import LazyProgress, main, slug
from sim.experiments.store import FolderLock
from sim.metrics import METRICS
from sim.running import RUN_FILES, find_cjk_font

ROOT = Path(__file__).resolve().parent.parent
DETERMINISTIC = ("series.parquet", "series.csv", "case_log.parquet", "cases.parquet", "summary.json")
RUN_OPTIONS = ("--seed", "--days", "--out", "--results-dir", "--lang", "--quiet", "--force", "--help")


@pytest.fixture
def scenario(tmp_path):
    """A factory of small scenario files."""

    def make(name: str = "small", text: str | None = None, *, file: str | None = None, **site) -> Path:
        p = tmp_path / f"{file or name}.yaml"
        if text is None:
            text = yaml.safe_dump({"name": name, "site": {"households": 300, **site}, "run": {"days": 20}})
        p.write_text(text, encoding="utf-8")
        return p

    return make


def cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def python_m_sim(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=120)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (by its path inside it) and its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_one_line_error(err: str) -> None:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("cogov: error: "), err
    assert "Traceback" not in err


# --- run ------------------------------------------------------------------------------------------


def test_run_writes_every_file_and_prints_a_summary(scenario, tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, err = cli(capsys, "run", scenario(), "--days", 20, "--out", out)
    assert code == 0, err
    assert err == ""
    assert sorted(p.name for p in out.iterdir()) == sorted(RUN_FILES)
    summary = json.loads((out / "summary.json").read_text())
    assert set(METRICS.headline()) <= set(summary)
    assert summary["days"] == 20
    for label in ("Dispute resolution rate", "Share resolved within the community", "Mean days to resolution",
                  "Participation rate", "Trust in the residents' committee", "Trust in the community party organisation",
                  "Property-fee collection rate", "Disputes arisen", "Disputes noticed", "Disputes resolved",
                  "Disputes abandoned", "Grievances lumped", "Disputes still open", "Disputes that reached court"):
        assert label in stdout, label
    assert f"Output folder: {out}" in stdout
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command_line"].startswith("cogov run ")
    assert manifest["scenario_file"] == str(tmp_path / "small.yaml")


def test_default_folder_is_results_dir_name_seed(scenario, tmp_path, capsys):
    code, stdout, _ = cli(capsys, "run", scenario("my scenario/α", file="odd"), "--seed", 7, "--results-dir", tmp_path / "res", "-q")
    assert code == 0
    expected = tmp_path / "res" / f"{slug('my scenario/α')}-seed7"
    assert stdout == f"{expected}\n"
    assert (expected / "manifest.json").is_file()
    assert slug("my scenario/α") == "my_scenario_α"


def test_quiet_prints_only_the_path(scenario, tmp_path, capsys):
    out = tmp_path / "q"
    code, stdout, err = cli(capsys, "run", scenario(), "--out", out, "--quiet")
    assert (code, stdout, err) == (0, f"{out}\n", "")


@pytest.mark.parametrize("command", ["run", "compare", "classroom"])
@pytest.mark.parametrize("seed", [-1, 2**63, 10**40])
def test_every_seed_option_takes_what_a_scenario_seed_may_be(command, seed, scenario, tmp_path, capsys):
    """--seed is refused at once, in one line, outside 0 .. 2**63 - 1 (what run.seed may be and a
    results column holds), whichever command it is given to; nothing is written."""
    small = scenario()
    args = {"run": ("run", small), "compare": ("compare", small, small), "classroom": ("classroom", small)}[command]
    code, _, err = cli(capsys, *args, "--seed", seed, "--out", tmp_path / "out")
    assert code == 2
    assert_one_line_error(err)
    assert "argument --seed: expected a seed from 0 to 2**63 - 1" in err
    assert not (tmp_path / "out").exists()


def test_the_largest_seed_runs(scenario, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli(capsys, "run", scenario(), "--days", 3, "--seed", 2**63 - 1, "--out", out, "-q")[0] == 0
    assert json.loads((out / "manifest.json").read_text())["seed"] == 2**63 - 1


@pytest.mark.parametrize("args, hint", [(("run", "baselin"), "did you mean 'baseline'?"),
                                        (("sweep", "joint_meeting"), "did you mean 'joint_meetings'?"),
                                        (("run", "qqqzzz"), "'cogov list' shows the shipped ones")])
def test_a_misspelt_shipped_name_is_answered_with_the_name_meant(args, hint, capsys):
    code, _, err = cli(capsys, *args)
    assert code == 2
    assert_one_line_error(err)
    assert "no file or shipped" in err and hint in err


def test_same_seed_same_bytes_different_seed_differs(scenario, tmp_path, capsys):
    s = scenario()
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        assert cli(capsys, "run", s, "--seed", seed, "--out", tmp_path / name, "-q")[0] == 0
    a, b, c = (tmp_path / n for n in "abc")
    for f in DETERMINISTIC + ("scenario.yaml",):
        assert (a / f).read_bytes() == (b / f).read_bytes(), f
    assert any((a / f).read_bytes() != (c / f).read_bytes() for f in DETERMINISTIC)
    assert json.loads((a / "manifest.json").read_text())["seed"] == 3


def test_lang_zh(scenario, tmp_path, capsys):
    out = tmp_path / "zh"
    code, stdout, err = cli(capsys, "run", scenario(), "--out", out, "--lang", "zh")
    assert code == 0
    assert (out / "dashboard.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert "矛盾纠纷化解率" in stdout and "小事不出社区占比" in stdout
    used = json.loads((out / "manifest.json").read_text())["dashboard_lang"]
    if find_cjk_font() is None:
        assert used == "en" and err.startswith("cogov: warning: ")
    else:
        assert used == "zh" and err == ""


def test_lang_zh_without_a_cjk_font_warns_in_one_line(scenario, tmp_path, capsys, monkeypatch):
    import sim.running.dashboard as dashboard

    monkeypatch.setattr(dashboard, "find_cjk_font", lambda: None)
    out = tmp_path / "zh"
    code, stdout, err = cli(capsys, "run", scenario(), "--out", out, "--lang", "zh", "-q")
    assert (code, stdout) == (0, f"{out}\n")
    assert len(err.splitlines()) == 1 and err.startswith("cogov: warning: ")
    assert json.loads((out / "manifest.json").read_text())["dashboard_lang"] == "en"


def test_existing_folder_is_refused_without_force(scenario, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli(capsys, "run", scenario(), "--out", out, "-q")[0] == 0
    before = snapshot(out)
    code, stdout, err = cli(capsys, "run", scenario(), "--out", out, "--seed", 99)
    assert code == 2 and stdout == ""
    assert_one_line_error(err)
    assert "already exists" in err and "--force" in err
    assert snapshot(out) == before
    code, _, _ = cli(capsys, "run", scenario(), "--out", out, "--seed", 99, "--force", "-q")
    assert code == 0
    assert json.loads((out / "manifest.json").read_text())["seed"] == 99


def test_force_does_not_replace_a_folder_that_is_not_a_run(scenario, tmp_path, capsys):
    out = tmp_path / "notes"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    code, _, err = cli(capsys, "run", scenario(), "--out", out, "--force")
    assert code == 2
    assert_one_line_error(err)
    assert (out / "notes.txt").read_text() == "keep me"


def test_an_output_folder_that_cannot_be_written_is_exit_status_1_in_one_line_for_every_command(
        scenario, small_disk, tmp_path, capsys):
    """A read-only disk is the machine's fault, not the input's: run, compare and sweep all stop
    before any work with exit status 1 (as `--help` says), one line naming the folder and the
    reason, and the disk is left as it was."""
    from experiment_files import write_sweep

    small = scenario()
    assert cli(capsys, "run", small, "--days", 5, "--out", small_disk / "earlier", "-q")[0] == 0  # a run folder --force may replace
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    before = snapshot(small_disk)
    commands = (("run", small, "--days", 5, "--out", small_disk / "new"),
                ("run", small, "--days", 5, "--out", small_disk / "a" / "b"),
                ("run", small, "--days", 5, "--out", small_disk / "earlier", "--force"),
                ("compare", small, small, "--replicates", 1, "--days", 5, "--workers", 1, "--out", small_disk / "cmp"),
                ("sweep", write_sweep(tmp_path, replicates=1), "--workers", 1, "--out", small_disk / "sweep"))
    for command in commands:
        code, _, err = cli(capsys, *command, "-q")
        assert code == 1, (command, err)
        assert_one_line_error(err)
        assert f"cogov: error: {small_disk}" in err and "Read-only file system" in err, err
        assert snapshot(small_disk) == before


def test_force_replaces_only_a_run_folder_never_results_or_a_folder_being_written(scenario, tmp_path, capsys):
    """A manifest.json alone does not make a run folder: a comparison's results, another tool's
    folder and a folder a session holds the lock of are kept, whatever --force says."""
    small = scenario()
    results = tmp_path / "cmp"
    assert cli(capsys, "compare", small, small, "--replicates", "1", "--days", "5", "--workers", "1", "--out", results, "-q")[0] == 0
    foreign = tmp_path / "webext"
    foreign.mkdir()
    (foreign / "manifest.json").write_text('{"manifest_version": 3}')
    (foreign / "main.js").write_text("keep me")
    being_written = tmp_path / "starting"
    being_written.mkdir()  # empty, as a sweep's folder is for a moment, with its lock beside it
    lock = FolderLock.acquire(being_written)  # the very lock a sweep takes
    try:
        for folder in (results, foreign, being_written):
            before = snapshot(folder)
            code, _, err = cli(capsys, "run", small, "--days", 5, "--out", folder, "--force", "-q")
            assert code == 2, folder
            assert_one_line_error(err)
            assert "not replacing it" in err
            assert snapshot(folder) == before
    finally:
        lock.release()
    assert cli(capsys, "run", small, "--days", 5, "--out", being_written, "--force", "-q")[0] == 0  # once it is let go
    assert cli(capsys, "results", results)[0] == 0  # still a results folder


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/null"])
def test_a_device_is_named_as_one_not_as_an_unknown_shipped_name(path, capsys):
    code, _, err = cli(capsys, "validate", path)
    assert code == 1  # validate's status for a file with problems
    assert_one_line_error(err)
    assert f"{path}: cannot read: a device, not a regular file" in err


def test_a_folder_named_like_a_shipped_scenario_does_not_hide_it(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "baseline").mkdir()
    code, out, _ = cli(capsys, "validate", "baseline")
    assert code == 0 and out.strip().endswith("baseline.yaml: ok")
    (tmp_path / "mine").mkdir()
    code, _, err = cli(capsys, "validate", "mine")
    assert code == 1 and "mine: cannot read: a directory, not a regular file" in err


def test_a_dask_address_that_is_none_is_refused_before_anything_is_written(scenario, tmp_path, capsys):
    small = scenario()
    code, _, err = cli(capsys, "compare", small, small, "--dask", "nonsense", "--out", tmp_path / "cmp")
    assert code == 2
    assert_one_line_error(err)
    assert "--dask nonsense: not a Dask scheduler address" in err
    assert not (tmp_path / "cmp").exists()


@pytest.mark.parametrize("bad", [
    "site:\n  households: -5\n",  # out of range
    "site:\n  housholds: 300\n",  # unknown key
    "site: [1, 2\n",  # not YAML
    "extends: nowhere.yaml\n",  # missing parent
])
def test_bad_scenario_one_line_and_existing_folder_untouched(scenario, tmp_path, capsys, bad):
    out = tmp_path / "out"
    assert cli(capsys, "run", scenario(), "--out", out, "-q")[0] == 0
    before = snapshot(out)
    code, stdout, err = cli(capsys, "run", scenario("bad", bad), "--out", out, "--force")
    assert code == 2 and stdout == ""
    assert_one_line_error(err)
    assert "bad.yaml" in err
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


@pytest.mark.parametrize("args, message", [
    (["--days", "0"], "--days"),
    (["--days", "ten"], "--days"),
    (["--days", "99999"], "--days"),  # above the schema's bound: an option error, not the file's
    (["--seed", "-1"], "--seed"),
    (["--lang", "fr"], "--lang"),
    (["--bogus"], "--bogus"),
])
def test_bad_options_one_line_exit_2(scenario, tmp_path, capsys, args, message):
    code, stdout, err = cli(capsys, "run", scenario(), "--out", tmp_path / "out", *args)
    assert code == 2 and stdout == ""
    assert_one_line_error(err)
    assert message in err and "small.yaml" not in err
    assert not (tmp_path / "out").exists()


def test_out_below_a_file_is_refused_before_running(scenario, tmp_path, capsys):
    (tmp_path / "file").write_text("")
    code, _, err = cli(capsys, "run", scenario(), "--out", tmp_path / "file" / "run")
    assert code == 2
    assert_one_line_error(err)
    assert "not a folder" in err


def test_missing_file_one_line_exit_2(tmp_path, capsys):
    code, _, err = cli(capsys, "run", tmp_path / "absent.yaml", "--out", tmp_path / "out")
    assert code == 2
    assert_one_line_error(err)
    assert "absent.yaml" in err and "not found" in err


def test_run_help_lists_every_option(capsys):
    code, stdout, _ = cli(capsys, "run", "--help")
    assert code == 0
    for option in RUN_OPTIONS:
        assert option in stdout, option
    assert "SCENARIO" in stdout and "{en,zh}" in stdout


def test_top_level_help_and_version(capsys):
    code, stdout, _ = cli(capsys, "--help")
    assert code == 0
    for command in ("run", "validate", "show", "diff"):
        assert command in stdout
    code, stdout, _ = cli(capsys, "--version")
    assert code == 0 and stdout.startswith("cogov ")
    code, _, err = cli(capsys)
    assert code == 2
    assert_one_line_error(err)


def test_progress_bar_appears_only_after_the_delay():
    from rich.console import Console

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=100)
    late = LazyProgress(True, delay=3600, console=console)
    for d in range(11):
        late(d, 10)
    late.close()
    assert buf.getvalue() == ""
    now = LazyProgress(True, delay=0, console=console)
    for d in range(11):
        now(d, 10)
    now.close()
    assert "days" in buf.getvalue()
    off = LazyProgress(False, delay=0, console=console)
    off(0, 10)
    assert off.bar is None


# --- validate, show, diff ---------------------------------------------------------------------------


def test_validate(scenario, capsys):
    good, bad = scenario("good"), scenario("bad", "site:\n  households: -5\n")
    code, stdout, err = cli(capsys, "validate", good)
    assert (code, stdout, err) == (0, f"{good}: ok\n", "")
    code, stdout, err = cli(capsys, "validate", good, bad)
    assert code == 1
    assert stdout == f"{good}: ok\n"
    assert_one_line_error(err)
    assert "bad.yaml:2: site.households" in err


def test_show_prints_the_resolved_scenario(scenario, capsys):
    code, stdout, _ = cli(capsys, "show", scenario())
    assert code == 0
    doc = yaml.safe_load(stdout)
    assert doc["site"]["households"] == 300
    assert doc["run"]["seed"] == 42  # a default, filled in
    assert "policies" in doc and "behaviour" in doc


def test_show_bad_file(scenario, capsys):
    code, stdout, err = cli(capsys, "show", scenario("bad", "run: {days: 0}\n"))
    assert code == 2 and stdout == ""
    assert_one_line_error(err)


def test_diff(scenario, capsys):
    a, b = scenario("a"), scenario("b", households=400)
    code, stdout, _ = cli(capsys, "diff", a, b)
    assert code == 0
    rows = [line.split() for line in stdout.splitlines()]
    assert ["name", '"a"', '"b"'] in rows
    assert ["site.households", "300", "400"] in rows
    keys = [r[0] for r in rows if len(r) == 3 and r[0] != "Key"]
    assert keys == ["name", "site.households"]  # nothing else differs
    code, stdout, _ = cli(capsys, "diff", a, a)
    assert (code, stdout) == (0, "no differences\n")


# --- python -m sim -----------------------------------------------------------------------------------


def test_python_m_sim_end_to_end(scenario, tmp_path):
    good, bad = scenario(), scenario("bad", "site:\n  households: -5\n")
    out = tmp_path / "run"
    done = python_m_sim("run", good, "--days", 20, "--out", out, "--quiet")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{out}\n" and done.stderr == ""
    assert sorted(p.name for p in out.iterdir()) == sorted(RUN_FILES)
    before = snapshot(out)
    done = python_m_sim("run", bad, "--days", 20, "--out", out, "--force")
    assert done.returncode == 2 and done.stdout == ""
    assert_one_line_error(done.stderr)
    assert snapshot(out) == before
    done = python_m_sim("validate", good, bad)
    assert done.returncode == 1 and done.stdout == f"{good}: ok\n"
    assert_one_line_error(done.stderr)
