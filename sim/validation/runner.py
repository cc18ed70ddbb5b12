"""Replicate runs for validation and calibration: each scenario run once per seed, its end-of-run
figures (summary()) kept as one row.

Seeds come from a numpy SeedSequence rooted at the targets file's seed, so the same file gives
the same runs. Runs go to the experiments tooling's local engine (`sim.experiments.engines`:
worker processes recycled every 100 runs) when `workers` > 1.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from ..experiments.engines import LocalEngine
from ..experiments.worker import released_models
from ..metrics.definitions import summary
from ..model import CoGovModel

#: a job: (label, scenario document or path, seed, days or None, overrides or None)
Job = tuple[str, Any, int, int | None, dict | None]


def replicate_seeds(root: int, n: int) -> list[int]:
    """`n` independent run seeds derived from `root` (numpy SeedSequence.spawn)."""
    return [int(child.generate_state(1, dtype=np.uint32)[0]) for child in np.random.SeedSequence(root).spawn(n)]


def run_one(job: Job) -> dict[str, Any]:
    """Run one job to the end; its figures, with the label and seed."""
    label, scenario, seed, days, overrides = job
    with released_models():  # Mesa keeps a class-level reference to every model
        model = CoGovModel(scenario=scenario, rng=seed, days=days, overrides=overrides)
        model.run()
        return {"scenario": label, "seed": seed, **summary(model)}


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def run_jobs(jobs: Iterable[Job], workers: int = 1, progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Run every job (in a process pool when workers > 1); one row per job, in job order."""
    jobs = list(jobs)
    rows: list[dict[str, Any]] = []
    if progress:
        progress(0, len(jobs))
    if workers <= 1 or len(jobs) <= 1:
        for k, job in enumerate(jobs):
            rows.append(run_one(job))
            if progress:
                progress(k + 1, len(jobs))
    else:
        engine = LocalEngine(workers)
        try:
            for k, row in enumerate(engine.start().map(run_one, jobs)):
                rows.append(row)
                if progress:
                    progress(k + 1, len(jobs))
        finally:
            engine.close()
    return pd.DataFrame(rows)

