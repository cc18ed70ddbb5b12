"""Run a scenario day by day. No I/O: reading and writing files is the caller's business
(`sim.running.output`, `sim.cli`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..model import CoGovModel
from ..scenario import Scenario, load_scenario

#: progress(day, days): called once before the first day (day 0) and after every simulated day
Progress = Callable[[int, int], None]


def simulate(scenario: Scenario | str | Path | dict[str, Any], *, seed: int | None = None,
             days: int | None = None, progress: Progress | None = None) -> CoGovModel:
    """Build a CoGovModel for `scenario` and run it to the end.

    `seed` and `days` override the scenario's ``run.seed`` and ``run.days`` and are written into
    the model's resolved scenario, so ``model.config`` alone reproduces the run. A path is read
    with `load_scenario` (errors name the file and line); a Scenario or a document is validated.
    Raises ScenarioError for an invalid scenario or override.
    """
    run = {k: v for k, v in (("seed", seed), ("days", days)) if v is not None}
    if isinstance(scenario, (str, Path)):
        model = CoGovModel(scenario=load_scenario(scenario, overrides={"run": run} if run else None))
    else:
        model = CoGovModel(scenario=scenario, overrides={f"run.{k}": v for k, v in run.items()} or None)
    total = model.days
    if progress is not None:
        progress(model.day, total)
    while model.running:
        model.step()
        if progress is not None:
            progress(model.day, total)
    return model
