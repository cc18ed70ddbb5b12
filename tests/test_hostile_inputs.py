"""Hostile and malformed input files (the corpus of tests/hostile_files.py: alias bombs, devices,
pipes, directories and symlink loops behind `extends:`, deep nesting, huge lists and files, binary
and non-UTF-8 bytes, code tags, bools and strings for numbers, duplicate keys, absurd sizes...).

Each is refused with its own kind of error, in exactly one line that names the file (and, where
there is one, the line and key), and never with a traceback: in process for the whole corpus,
through the real command line for a few. How long each refusal takes is measured by
bench/bench_hostile.py, not here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from experiment_files import python_m_sim
from hostile_files import CORPUS, MANY_MISTAKES, load, write_all
from sim.cli import main
from sim.scenario import ScenarioError, load_scenario

BY_NAME = {entry.name: entry for entry in CORPUS}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    return write_all(tmp_path_factory.mktemp("hostile"))


@pytest.mark.parametrize("entry", CORPUS, ids=lambda e: e.name)
def test_each_hostile_file_is_refused_in_one_line_of_its_own_kind(entry, corpus):
    with pytest.raises(ScenarioError) as info:
        load(entry, corpus[entry.name])
    assert len(info.value.problems) == 1, info.value.problems
    (problem,) = info.value.problems
    assert "\n" not in problem
    assert re.search(entry.expect, problem), f"{entry.name}: expected /{entry.expect}/, got: {problem}"
    assert problem.startswith("/"), f"the error does not start with the file it is about: {problem}"


def test_every_mistake_of_a_file_is_reported_at_once_in_the_order_of_its_lines(tmp_path):
    path = tmp_path / "many.yaml"
    path.write_text(MANY_MISTAKES, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    expected = [
        (3, "run.days: expected an integer, found true"),
        (4, "run.seed: expected an integer, found '7'"),
        (6, "site.households: expected an integer, found 2.7"),
        (7, "site.owner_share: expected a number, found true"),
        (8, "site.housholds: unknown key 'housholds'; did you mean 'households'?"),
        (10, "policies.grid_management.enabled: expected true or false, found 'maybe'"),
    ]
    assert len(info.value.problems) == len(expected), info.value.problems
    for problem, (line, message) in zip(info.value.problems, expected):
        assert problem.startswith(f"{path}:{line}: {message}"), problem


def test_more_than_twenty_problems_are_counted_not_listed(tmp_path):
    path = tmp_path / "typos.yaml"
    path.write_text("site:\n" + "".join(f"  typo_{i}: 1\n" for i in range(35)), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    problems = info.value.problems
    assert len(problems) == 21
    assert all(p.startswith(f"{path}:") and "unknown key 'typo_" in p for p in problems[:20])
    assert problems[-1] == "... and 15 more problems (only the first 20 are shown)"


def test_a_mistake_in_a_generated_citys_mix_is_reported_once_at_the_mix(tmp_path):
    path = tmp_path / "gen.yaml"
    path.write_text("city:\n  generate:\n    districts: 2\n    streets_per_district: 3\n    per_street:\n"
                    "      old_compound:\n        count: 2\n        households: 500\n        site:\n"
                    "          owner_shar: 0.5\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.problems == [
        f"{path}:10: city.generate.per_street.old_compound.site.owner_shar: unknown key 'owner_shar'; "
        "did you mean 'owner_share'?"]


def test_exponent_forms_are_numbers_and_whole_numbers_stay_integers(tmp_path):
    path = tmp_path / "numbers.yaml"
    path.write_text("site: {owner_share: 5e-1, households: 1200}\ndisputes:\n  rate_multiplier: 1E1\n"
                    "  severity_alpha: 2.5e0\n  rates:\n    commodity_estate: {parking: 1e2}\n", encoding="utf-8")
    s = load_scenario(path)
    assert (s.site.owner_share, s.disputes.rate_multiplier, s.disputes.severity_alpha) == (0.5, 10.0, 2.5)
    assert s.disputes.rates["commodity_estate"]["parking"] == 100.0
    assert s.site.households == 1200 and type(s.site.households) is int


def test_a_key_repeated_in_an_extended_file_is_not_a_duplicate(tmp_path):
    """Overriding a parent's key is what `extends:` is for; only a key twice in one mapping is a mistake."""
    (tmp_path / "parent.yaml").write_text("name: parent\nrun: {days: 10}\n", encoding="utf-8")
    child = tmp_path / "child.yaml"
    child.write_text("extends: parent.yaml\nname: child\nrun: {days: 20}\n", encoding="utf-8")
    assert load_scenario(child).run.days == 20


# --------------------------------------------------------------------------------------------
# through the command line
# --------------------------------------------------------------------------------------------


def test_validate_prints_one_line_per_problem_for_every_file_and_exits_1(corpus, capsys):
    names = ["billion_laughs", "extends_fifo", "deep_flow_nesting_5000", "list_of_100000", "binary_garbage"]
    code = main(["validate", *(str(corpus[n]) for n in names)])
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert code == 1 and out == ""
    assert len(lines) == len(names)
    for line, name in zip(lines, names):
        assert line.startswith("cogov: error: ") and re.search(BY_NAME[name].expect, line), line


def test_the_real_command_refuses_hostile_files_in_one_line_and_writes_nothing(corpus, tmp_path):
    """`python -m sim` as a user runs it: exit status 2, one line on stderr, no traceback, no run folder."""
    for name in ("extends_dev_zero", "city_20x50x20_of_20000_households"):
        out = tmp_path / f"run-{name}"
        done = python_m_sim("run", corpus[name], "--out", out, timeout=120)
        assert done.returncode == 2, (name, done.stderr)
        assert done.stdout == ""
        lines = done.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("cogov: error: "), done.stderr
        assert re.search(BY_NAME[name].expect, lines[0]), lines[0]
        assert not out.exists()


def test_sweep_refuses_a_sweep_file_whose_base_is_a_pipe_in_one_line(corpus, capsys):
    assert main(["sweep", str(corpus["sweep_base_is_a_fifo"]), "--dry-run"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert re.search(BY_NAME["sweep_base_is_a_fifo"].expect, line), line
