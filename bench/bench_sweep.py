"""Sweep throughput: `cogov sweep` against `mesa.batch_run`, 1 against 2 workers, Dask against local.

One process measures, one after the other, the same grid (4 design points × 4 replicates = 16 runs
of the baseline estate enlarged to 15,000 households, so that a run takes about a second):

* `mesa.batch_run` with 2 processes (it keeps every result in memory and writes nothing);
* `cogov sweep --workers 2` (the whole command: plan, worker start, runs, Parquet parts, manifest);
* `cogov sweep --workers 1`, for the speed-up from 1 to 2 workers;
* `cogov sweep --dask local --workers 2` (a Dask LocalCluster of 2 processes), with and without the
  cluster's start-up, against local processes.

Modules are imported in this process before any timing; each sweep starts its worker processes
from nothing. Prints runs per second of each and the ratios. Run: `.venv/bin/python bench/bench_sweep.py`
(`--households`, `--days` change the run size; `--repeats` takes the best of several).
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import io
import os
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
INTERVALS = [7, 14, 30, 60]
REPLICATES = 4


def sweep_file(folder: Path, households: int, days: int) -> Path:
    doc = {
        "name": "bench_grid", "description": "4 points x 4 replicates of the enlarged baseline",
        "base": str(ROOT / "scenarios" / "baseline.yaml"),
        "overrides": {"site.households": households, "policies.joint_meetings.enabled": True},
        "parameters": {"policies.joint_meetings.interval_days": INTERVALS},
        "design": "grid", "replicates": REPLICATES, "seed": 1, "days": days,
        "metrics": ["resolution_rate", "participation_rate"],
    }
    path = folder / "bench_grid.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def time_batch_run(households: int, days: int, processes: int) -> float:
    import mesa

    from sim import CoGovModel

    overrides = [{"site.households": households, "policies.joint_meetings.enabled": True,
                  "policies.joint_meetings.interval_days": v} for v in INTERVALS]
    seeds = list(range(1, REPLICATES + 1))
    params = {"scenario": str(ROOT / "scenarios" / "baseline.yaml"), "days": days, "overrides": overrides}
    kwargs = dict(number_processes=processes, iterations=1, max_steps=days + 1, data_collection_period=-1,
                  display_progress=False)
    start = time.perf_counter()
    if "rng" in inspect.signature(mesa.batch_run).parameters:  # Mesa >= 3.4
        rows = mesa.batch_run(CoGovModel, parameters=params, rng=seeds, **kwargs)
    else:
        rows = mesa.batch_run(CoGovModel, parameters={**params, "rng": seeds}, **kwargs)
    elapsed = time.perf_counter() - start
    assert len({(r["rng"], r["overrides"]["policies.joint_meetings.interval_days"]) for r in rows}) == 16
    return elapsed


def cold_start() -> None:
    """Stop this process's fork server, so that each measured sweep starts its workers from nothing,
    as a fresh `cogov sweep` command does (modules this process has imported stay imported, for
    `mesa.batch_run` too)."""
    from multiprocessing import forkserver

    forkserver._forkserver._stop()


def time_sweep(path: Path, out: Path, *engine: str) -> float:
    from sim.cli import main

    cold_start()
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(["sweep", str(path), "--out", str(out), "--force", "-q", *engine])
    elapsed = time.perf_counter() - start
    assert code == 0, code
    return elapsed


def time_dask_running(path: Path, out: Path) -> tuple[float, float]:
    """(cluster start-up, sweep on the already running cluster) for a 2-worker LocalCluster."""
    from sim.experiments.engines import DaskEngine
    from sim.experiments.plan import Plan
    from sim.experiments.runner import run_plan
    from sim.experiments.sweepfile import load_sweep

    cold_start()
    engine = DaskEngine("local", 2)
    start = time.perf_counter()
    executor = engine.start()
    started = time.perf_counter() - start

    class Running:  # the engine, already started
        lost = engine.lost

        def start(self):
            return executor

        def slots(self):
            return engine.slots()

        def describe(self):
            return engine.describe()

        def close(self, *, cancel=False):
            engine.close(cancel=cancel)

    plan = Plan.from_sweep(load_sweep(path))
    start = time.perf_counter()
    outcome = run_plan(plan, out, Running(), force=True)
    assert outcome.complete
    return started, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=15000, help="households per run (default: %(default)s)")
    parser.add_argument("--days", type=int, default=365, help="days per run (default: %(default)s)")
    parser.add_argument("--repeats", type=int, default=1, help="best of this many (default: %(default)s)")
    args = parser.parse_args()
    runs = len(INTERVALS) * REPLICATES
    print(f"{runs} runs ({len(INTERVALS)} points x {REPLICATES} replicates) of {args.households:,} households, "
          f"{args.days} days; {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        path = sweep_file(tmp, args.households, args.days)

        import distributed  # noqa: F401 - imported before any timing, as the model is

        def best(f, *a):
            return min(f(*a) for _ in range(args.repeats))

        t_mesa = best(time_batch_run, args.households, args.days, 2)
        t_two = best(time_sweep, path, tmp / "two", "--workers", "2")
        t_one = best(time_sweep, path, tmp / "one", "--workers", "1")
        from sim.experiments import load

        run_seconds = float(load(tmp / "two").summary["wall_seconds"].mean())
        t_dask = best(time_sweep, path, tmp / "dask", "--dask", "local", "--workers", "2")
        dask_running = [time_dask_running(path, tmp / "dask2") for _ in range(args.repeats)]
        t_start = min(s for s, _ in dask_running)
        t_dask_running = min(r for _, r in dask_running)

    def rate(t: float) -> str:
        return f"{runs / t:5.2f} runs/s ({t:5.1f} s)"

    print(f"one run takes {run_seconds:.2f} s in a worker (mean); best of {args.repeats}")
    print(f"mesa.batch_run, 2 processes:               {rate(t_mesa)}")
    print(f"cogov sweep --workers 2:                   {rate(t_two)}")
    print(f"  ratio cogov / batch_run:                 {t_mesa / t_two:.2f}x  (>= 1 means at least as fast)")
    print(f"cogov sweep --workers 1:                   {rate(t_one)}")
    print(f"  speed-up from 1 to 2 workers:            {t_one / t_two:.2f}x")
    print(f"cogov sweep --dask local --workers 2:      {rate(t_dask)}")
    print(f"  overhead against local processes:        {100 * (t_dask / t_two - 1):+.0f} %  (cluster start included)")
    print(f"  LocalCluster start-up:                   {t_start:.1f} s")
    print(f"  sweep on the running cluster:            {rate(t_dask_running)}")
    print(f"  overhead against local processes:        {100 * (t_dask_running / t_two - 1):+.0f} %  (cluster already running)")


if __name__ == "__main__":
    main()
