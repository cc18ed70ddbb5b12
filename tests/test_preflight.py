"""The resource preflight: a scenario's size as the model will build it, and runs that cannot fit
refused in one line before anything is built, by `run`, `validate`, `sweep`, `compare` and
`workshop`. Limits are given with --max-memory so that the tests do not depend on this machine;
how close the estimate comes to measured memory is bench/bench_preflight.py's business."""

from __future__ import annotations

import re

import pytest
import yaml

from experiment_files import ROOT, python_m_sim, write_base, write_sweep
from sim import CoGovModel
from sim.cli import main
from sim.experiments.sweepfile import costliest_point, load_sweep
from sim.experiments.worker import released_models
from sim.scenario import ScenarioError
from sim.scenario.preflight import COSTS, Estimate, Size, check, parse_size

SMALL_CITY = {
    "name": "small_city", "run": {"days": 60, "warmup_days": 0},  # the book holds what arose over the run
    "city": {"districts": [{"name": "D", "streets": [{"name": "S", "communities": [
        {"name": "a", "site": {"households": 900}},
        {"name": "b", "site": {"households": 1500, "type": "old_compound", "residents_per_household": 2.0}},
        {"name": "c", "site": {"households": 600, "type": "resettlement"}},
    ]}]}]},
}


def test_the_size_read_from_a_scenario_is_the_size_the_model_builds():
    """Residents and tie entries within a few per cent of the built model, and the disputes that
    arise within Poisson noise of the expected number (about 180 here, so ±25 % is over 3 s.d.)."""
    scenario = load_scenario_doc(SMALL_CITY)
    size = Size.of(scenario)
    with released_models():  # Mesa 3.3 keeps every model in a class-level registry
        model = CoGovModel(scenario=scenario)
        model.run()
        built = model.population.n, model.population.ties.nnz, model.disputes.book.n
        del model
    assert size.communities == 3 and size.households == 3000 and size.days == 60
    residents, ties, disputes = built
    assert size.residents == pytest.approx(residents, rel=0.03)
    assert size.ties == pytest.approx(ties, rel=0.10)
    assert size.disputes == pytest.approx(disputes, rel=0.25)


def test_the_estimate_grows_with_residents_ties_disputes_and_days():
    base = load_scenario_doc({"name": "x"})
    bigger = [load_scenario_doc({"site": {"households": 20000}}),
              load_scenario_doc({"behaviour": {"participation": {"ties_in_building": 30}}}),
              load_scenario_doc({"disputes": {"rate_multiplier": 20}}),
              load_scenario_doc({"run": {"days": 3000}})]
    e0 = Estimate.of(base)
    assert COSTS.base_bytes > 50e6, "the fitted costs are missing (sim/scenario/preflight.py)"
    for scenario in bigger:
        e = Estimate.of(scenario)
        assert e.bytes > e0.bytes or e.seconds > e0.seconds * 1.5, scenario


def load_scenario_doc(doc: dict):
    from sim.scenario import validate_document

    return validate_document(doc)


def test_check_refuses_in_one_line_naming_what_and_the_limit():
    estimate = Estimate.of(load_scenario_doc({"name": "x"}))
    check(estimate, "x.yaml", limit=int(estimate.bytes * 1.01))  # fits
    with pytest.raises(ScenarioError) as info:
        check(estimate, "x.yaml", limit=int(estimate.bytes * 1.5), at_once=2)
    (line,) = info.value.problems
    assert line.startswith("x.yaml: too large to run here: 2 runs at once (one per worker), each needs about ")
    assert "residents in 1 community" in line and "given with --max-memory" in line


def test_sizes_are_read_with_units():
    assert parse_size("8G") == 8_000_000_000 and parse_size("500 MB") == 500_000_000 and parse_size("1.5t") == 1.5e12
    with pytest.raises(ValueError):
        parse_size("8")


# --------------------------------------------------------------------------------------------
# the commands
# --------------------------------------------------------------------------------------------


def test_run_and_validate_refuse_a_run_above_the_limit_before_building_it(tmp_path, capsys):
    scenario = write_base(tmp_path)
    out = tmp_path / "run"
    code = main(["run", str(scenario), "--out", str(out), "--max-memory", "1M"])
    _, err = capsys.readouterr()
    assert code == 2 and not out.exists()
    (line,) = err.splitlines()
    assert re.match(rf"cogov: error: {re.escape(str(scenario))}: too large to run here: needs about .* the limit is 1\.0 MB", line)
    assert main(["validate", str(scenario), "--max-memory", "1M"]) == 1
    _, err = capsys.readouterr()
    assert len(err.splitlines()) == 1 and "too large to run here" in err


def test_a_city_within_the_schema_but_beyond_any_machine_is_refused_by_validate(tmp_path, capsys):
    """10,000 communities of 50,000 households: every bound holds, the whole does not fit."""
    path = tmp_path / "vast.yaml"
    path.write_text(yaml.safe_dump({"name": "vast", "city": {"generate": {
        "districts": 50, "streets_per_district": 100, "count_spread": 0,
        "per_street": {"commodity_estate": {"count": 2, "households": 50000, "spread": 0}}}}}), encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    _, err = capsys.readouterr()
    (line,) = err.splitlines()
    assert re.search(r"too large to run here: needs about [0-9.,]+ (GB|TB) .* \(1,[0-9]{3},[0-9]{3},[0-9]{3} residents in 1[0-9],[0-9]{3} communities", line), line
    assert "available on this machine" in line


def test_validate_says_what_a_large_run_needs(capsys):
    path = ROOT / "scenarios" / "city_large.yaml"
    assert main(["validate", str(path)]) == 0
    out, _ = capsys.readouterr()
    assert re.fullmatch(re.escape(str(path)) + r": ok; a run needs about [0-9.]+ GB of memory and .* \(1,0[0-9,]+ residents "
                        r"in 2[0-9]{2} communities, about [0-9,]+ disputes over (365 days|[0-9,]+ days: 365 reported after a [0-9,]+-day warm-up)\)\n", out), out


def test_a_sweep_is_checked_at_its_costliest_corner(tmp_path, capsys):
    write_base(tmp_path, households=200)
    path = write_sweep(tmp_path, parameters={
        "site.households": [150, 4000, 300],
        "disputes.rate_multiplier": {"low": 0.5, "high": 3.0},
        "policies.grid_management.enabled": [False, True],
    }, design={"kind": "lhs", "samples": 8})
    sweep = load_sweep(path)
    corner, scenario = costliest_point(sweep, lambda s: Estimate.of(s, sweep.days).bytes)
    assert corner["site.households"] == 4000 and corner["disputes.rate_multiplier"] == 3.0
    assert scenario.site.households == 4000 and scenario.disputes.rate_multiplier == 3.0
    code = main(["sweep", str(path), "--dry-run", "--workers", "2", "--max-memory", "1M"])
    _, err = capsys.readouterr()
    assert code == 2
    (line,) = err.splitlines()
    assert f"{path} at site.households=4000, disputes.rate_multiplier=3.0" in line
    assert "too large to run here: 2 runs at once (one per worker)" in line


def test_compare_checks_its_heaviest_scenario(tmp_path, capsys):
    small = write_base(tmp_path, "small", households=100)
    big = write_base(tmp_path, "big", households=3000)
    code = main(["compare", str(small), str(big), "--replicates", "2", "--workers", "1", "--max-memory", "1M",
                 "--out", str(tmp_path / "cmp")])
    _, err = capsys.readouterr()
    assert code == 2 and not (tmp_path / "cmp").exists()
    (line,) = err.splitlines()
    assert line.startswith(f"cogov: error: {big}: too large to run here: needs about ")


def test_the_workshop_refuses_a_scenario_too_large_before_starting_its_server(tmp_path):
    done = python_m_sim("workshop", write_base(tmp_path), "--port", "0", "--max-memory", "1M", timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert "too large to run here" in line
