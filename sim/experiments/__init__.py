"""Experiments at scale: replicates, paired policy comparisons and parameter sweeps, run on local
processes or a Dask cluster, written to a crash-safe, resumable results folder.

The model never imports this package; it only builds models through `CoGovModel` and reads their
metrics through `sim.metrics.definitions`.

    sweepfile   the sweep-file schema (pydantic) and `load_sweep`, one-line errors `file:line: key: ...`
    designs     design points: grid (itertools), lhs (scipy.stats.qmc), sobol and morris (SALib)
    seeds       run seeds from one sweep seed through numpy SeedSequence, by (design point or world, replicate)
    plan        what to run: arms (base scenarios), design points, replicates, seeds, kept metrics
    engines     where runs execute: local processes (recycled) or Dask, as concurrent.futures executors
    worker      the function a worker runs: one model, its summary row and kept daily series
    store       the results folder: manifest, Parquet parts committed atomically, resume, `load`
    runner      submits missing runs, keeps a bounded number in flight, writes batches as runs finish
    compare     paired comparison of scenarios with common random numbers
    analyze     tables, plots and SALib sensitivity indices of a finished sweep
    stats       means and confidence intervals shared by compare and analyze
    robust      robustness studies (uncertainties × levers): each option across worlds, regret, satisficing
    condition   --where and --satisficing conditions, parsed with an ast whitelist (never evaluated as code)
    discover    scenario discovery: PRIM and CART (EMA Workbench) over the uncertainties

Load a results folder into pandas with one call::

    from sim.experiments import load
    r = load("results/sweeps/joint_meetings")
    r.summary      # one row per finished run: point, replicate, seed, parameters, end-of-run metrics
    r.series       # one row per run and day: the kept daily metrics
"""

__all__ = ["Results", "ResultsError", "load"]


def __getattr__(name: str):
    # imported on first use, so that worker processes (which import `sim.experiments.worker`) do not
    # pay for Parquet and plotting libraries they never use
    if name in __all__:
        from . import store

        return getattr(store, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
