"""Run a scenario day by day. No I/O: reading and writing files is the caller's business
(`sim.running.output`, `sim.cli`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..model import CoGovModel, resolve_scenario
from ..scenario import Scenario, load_scenario

#: progress(day, days): called once before the first day (day 0) and after every simulated day
Progress = Callable[[int, int], None]


def simulate(scenario: Scenario | str | Path | dict[str, Any], *, seed: int | None = None,
             days: int | None = None, record: list[str] | None = None, progress: Progress | None = None) -> CoGovModel:
    """Build a CoGovModel for `scenario` and run it to the end.

    The seed is the scenario's ``run.seed`` unless `seed` is given (never fresh entropy: a
    scenario file names its run), and likewise `days`; both are written into the model's resolved
    scenario, so ``model.config`` alone reproduces the run. `record`: the daily metrics to record
    (default: all). A path is read with `load_scenario` (errors name the file and line); a document
    is validated. Raises ScenarioError for an invalid scenario.
    """
    if isinstance(scenario, (str, Path)):
        scenario = load_scenario(scenario)
    elif not isinstance(scenario, Scenario):
        scenario = resolve_scenario(scenario)
    model = CoGovModel(scenario=scenario, rng=scenario.run.seed if seed is None else seed,
                       days=scenario.run.days if days is None else days, record=record)
    total = model.days
    if progress is not None:
        progress(model.day, total)
    while model.running:
        model.step()
        if progress is not None:
            progress(model.day, total)
    return model
