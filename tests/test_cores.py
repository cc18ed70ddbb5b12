"""A city's daily compiled loops shared out over cores give the run that one pass gives, bit for bit."""

import json

import numpy as np
import pytest

from sim import CoGovModel
from sim.agents import cores
from sim.metrics.definitions import summary

CITY = "scenarios/city.yaml"  # 12 communities of 300-800 households


def _run(seed: int) -> CoGovModel:
    m = CoGovModel(scenario=CITY, rng=seed, days=120, overrides={"run.warmup_days": 60})
    m.run()
    return m


def _state(m: CoGovModel) -> dict:
    p = m.population
    return {"series": m.datacollector.get_model_vars_dataframe(), "summary": json.dumps(summary(m), sort_keys=True),
            **{k: np.array(getattr(p, k)) for k in ("trust", "aspiration", "satisfaction", "security", "last_any")}}


def test_communities_are_cut_into_parts_of_about_equal_residents():
    bounds = np.array([0, 100, 150, 400, 500, 1000])
    assert cores.parts(bounds, 1) == [(0, 5)]
    assert cores.parts(bounds, 2) == [(0, 4), (4, 5)]  # 500 | 500 residents
    runs = cores.parts(bounds, 4)
    assert runs[0][0] == 0 and runs[-1][1] == 5 and all(a[1] == b[0] for a, b in zip(runs, runs[1:]))
    assert cores.parts(np.array([0, 10]), 2) == [(0, 1)]  # one community: one part


def test_ties_never_cross_communities(monkeypatch):
    """The split relies on it: a loop's part writes only its own communities' residents."""
    m = CoGovModel(scenario=CITY, rng=1, days=1, overrides={"run.warmup_days": 0})
    ties = m.population.ties.tocoo()
    assert ties.nnz > 10_000
    assert np.array_equal(m.population.community[ties.row], m.population.community[ties.col])


@pytest.mark.parametrize("threads", [2, 3])
def test_a_run_in_parts_on_several_cores_equals_the_run_in_one_pass(monkeypatch, threads):
    one_pass = _state(_run(2))
    calls = []
    real = cores.parts
    monkeypatch.setattr(cores, "MIN_RESIDENTS", 0)
    monkeypatch.setattr(cores, "usable_cores", lambda: threads)
    monkeypatch.setattr(cores, "parts", lambda b, k: calls.append(k) or real(b, k))
    split = _state(_run(2))
    assert calls and set(calls) == {threads}  # the loops did run in parts
    assert split["summary"] == one_pass["summary"]
    assert split["series"].equals(one_pass["series"])
    for k in ("trust", "aspiration", "satisfaction", "security", "last_any"):
        assert np.array_equal(split[k], one_pass[k]), k


def test_a_failing_part_raises_in_the_caller(monkeypatch):
    monkeypatch.setattr(cores, "MIN_RESIDENTS", 0)
    monkeypatch.setattr(cores, "usable_cores", lambda: 2)

    def kernel(first, stop, bounds):
        if first > 0:
            raise ValueError("part two failed")

    with pytest.raises(ValueError, match="part two"):
        cores.by_community(kernel, np.array([0, 5, 10, 15]))


def test_a_process_forked_after_a_split_run_still_runs_in_parts(monkeypatch):
    """A forked child has none of its parent's threads: it must not wait on them (mesa.batch_run
    forks its workers from a process that may have run a city already)."""
    import multiprocessing as mp

    monkeypatch.setattr(cores, "MIN_RESIDENTS", 0)
    monkeypatch.setattr(cores, "usable_cores", lambda: 2)
    cores.by_community(_kernel, np.array([0, 5, 10, 15]), np.zeros(15))  # the parent's pool now runs
    with mp.get_context("fork").Pool(1) as pool:
        out = pool.apply_async(_in_child).get(timeout=30)
    assert out == list(range(15))


def _kernel(first, stop, bounds, out):
    out[bounds[first]:bounds[stop]] = np.arange(bounds[first], bounds[stop])


def _in_child():
    cores.MIN_RESIDENTS = 0
    cores.usable_cores = lambda: 2
    out = np.zeros(15)
    cores.by_community(_kernel, np.array([0, 5, 10, 15]), out)
    return [int(x) for x in out]
