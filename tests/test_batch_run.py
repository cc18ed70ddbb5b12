"""Mesa's own batch runner can build and run the model from keyword arguments.

Mesa 3.4+ takes seeds through `batch_run(rng=...)` (and overwrites an `rng` parameter); 3.3 takes
them as a parameter. The test passes them the way the installed Mesa expects.
"""

import inspect
import json
import math

import mesa
import pandas as pd

from sim import CoGovModel
from sim.agents.residents import Resident
from sim.metrics import METRICS
from sim.metrics.definitions import summary
from sim.running import write_run_folder

SMALL = {"site.households": 200}


def batch_run(parameters: dict, seeds: list[int]) -> pd.DataFrame:
    kwargs = dict(max_steps=100, number_processes=1, data_collection_period=1, display_progress=False)
    if "rng" in inspect.signature(mesa.batch_run).parameters:
        results = mesa.batch_run(CoGovModel, parameters=parameters, rng=seeds, **kwargs)
    else:
        results = mesa.batch_run(CoGovModel, parameters={**parameters, "rng": seeds}, **kwargs)
    return pd.DataFrame(results)


def test_mesa_batch_run_builds_and_runs_the_model():
    df = batch_run({"days": 15, "overrides": [SMALL, {**SMALL, "policies.grid_management.enabled": True}]}, [1, 2])
    runs = df.groupby(["rng", df["overrides"].map(len)])
    assert len(runs) == 4
    assert runs["Step"].max().ge(14).all()  # ran its 15 days, then stopped itself (max_steps is 100)
    assert runs["Step"].max().le(15).all()
    assert {"resolution_rate", "participation_rate", "backlog"} <= set(df.columns)


def test_batch_run_is_reproducible_by_seed():
    a = batch_run({"days": 15, "overrides": [SMALL]}, [7])
    b = batch_run({"days": 15, "overrides": [SMALL]}, [7])
    c = batch_run({"days": 15, "overrides": [SMALL]}, [8])
    assert a["participation_rate"].tolist() == b["participation_rate"].tolist()
    assert a["arisen"].tolist() != c["arisen"].tolist() or a["participation_rate"].tolist() != c["participation_rate"].tolist()


def test_without_a_seed_every_iteration_is_a_fresh_run_and_records_its_seed():
    """rng=None is fresh entropy, as everywhere in Mesa; the seed drawn is kept in model.config."""
    kwargs = dict(parameters={"days": 10, "overrides": [SMALL]}, iterations=2, max_steps=100, number_processes=1,
                  data_collection_period=-1, display_progress=False)
    df = pd.DataFrame(mesa.batch_run(CoGovModel, **kwargs))
    assert len(df) == 2
    assert df.iloc[0]["arisen"] != df.iloc[1]["arisen"] or df.iloc[0]["participation_rate"] != df.iloc[1]["participation_rate"]
    a, b = CoGovModel(days=3, overrides=SMALL), CoGovModel(days=3, overrides=SMALL)
    assert a.seed != b.seed and a.config.run.seed == a.seed
    again = CoGovModel(scenario=a.config, rng=a.config.run.seed)  # the resolved scenario reproduces the run
    assert again.seed == a.seed
    again.run()
    a.run()
    pd.testing.assert_series_equal(pd.Series(summary(again)), pd.Series(summary(a)))  # NaN-aware


def test_batch_run_reports_the_figures_of_summary_json(tmp_path):
    """The last DataCollector row batch_run reads is the end state that summary.json reports."""
    df = batch_run({"days": 20, "overrides": [SMALL]}, [11]).sort_values("Step")
    last = df.iloc[-1]
    model = CoGovModel(rng=11, days=20, overrides=SMALL)
    model.run()
    write_run_folder(model, tmp_path / "run", scenario_path=None, command_line=None, wall_time=None)
    end = json.loads((tmp_path / "run" / "summary.json").read_text())
    shared = [m.name for m in METRICS.daily() if m.end]
    assert len(shared) > 20
    for name in shared:
        value = float(last[name])
        assert (end[name] is None and math.isnan(value)) or end[name] == round(value, 10), name


def test_resident_variables_are_recorded_for_get_agent_vars_dataframe():
    model = CoGovModel(rng=4, days=3, overrides={"site.households": 60}, record=["backlog"],
                       record_agents=["trust_residents_committee", "participating"])
    model.run()
    assert list(model.datacollector.get_model_vars_dataframe().columns) == ["backlog"]
    agents = model.datacollector.get_agent_vars_dataframe().dropna()
    assert len(agents) == 3 * model.population.n
    last = agents.xs(agents.index.get_level_values(0).max(), level=0)
    resident = next(iter(model.agents_by_type[Resident]))
    assert last.loc[resident.unique_id, "trust_residents_committee"] == resident.trust["residents_committee"]
    assert bool(last.loc[resident.unique_id, "participating"]) == resident.participating
