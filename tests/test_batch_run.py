"""Mesa's own batch runner can build and run the model from keyword arguments."""

import mesa
import pandas as pd

from sim import CoGovModel


def test_mesa_batch_run_builds_and_runs_the_model():
    results = mesa.batch_run(
        CoGovModel,
        parameters={
            "rng": [1, 2],
            "days": 15,
            "overrides": [{"site.households": 200}, {"site.households": 200, "policies.grid_management.enabled": True}],
        },
        iterations=1,
        max_steps=100,
        number_processes=1,
        data_collection_period=1,
        display_progress=False,
    )
    df = pd.DataFrame(results)
    assert len(df.groupby("RunId")) == 4
    assert df.groupby("RunId")["Step"].max().ge(14).all()  # ran its 15 days, then stopped itself (max_steps is 100)
    assert df.groupby("RunId")["Step"].max().le(15).all()
    assert {"resolution_rate", "participation_rate", "backlog"} <= set(df.columns)
    # the same seed and parameters give the same series whichever run
    again = pd.DataFrame(mesa.batch_run(CoGovModel, parameters={"rng": 1, "days": 15, "overrides": [{"site.households": 200}]},
                                        iterations=1, max_steps=100, number_processes=1, data_collection_period=1,
                                        display_progress=False))
    first = df[(df["rng"] == 1) & df["overrides"].map(lambda o: len(o) == 1)]
    assert first["participation_rate"].tolist() == again["participation_rate"].tolist()
