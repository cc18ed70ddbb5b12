"""Memory over a 500-run sweep: worker memory stays flat, the sweep process stays small.

Mesa 3.3 keeps every finished model alive in a class-level registry (`mesa.Agent._ids`, a
defaultdict keyed by model; fixed in Mesa 3.4.2), so a process that runs model after model grows
without bound. This script measures, for 500 runs of a small community:

1. a plain loop in one process, as a long-lived worker would run it without care: resident memory
   every 100 runs (it grows);
2. `cogov sweep` on 2 local processes, recycled every 100 runs (the default);
3. the same without recycling (the registry entry is dropped after each run by the worker);
4. a 2-worker Dask LocalCluster (long-lived workers; release only).

For 2-4 it prints each worker's resident memory after its run (the `rss_mb` column of the results),
by fifths of the sweep (the peak is what must stay flat: a fresh worker's memory rises to a
plateau over its first runs), and the sweep process's own peak. Run:
`.venv/bin/python bench/bench_sweep_memory.py [--runs 500] [--households 500] [--days 60]`.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent


def rss_mb() -> float:
    from sim.experiments.worker import rss_mb as current

    return current()


def plain_loop(runs: int, households: int, days: int) -> list[tuple[int, float]]:
    from sim import CoGovModel

    out = [(0, rss_mb())]
    for i in range(runs):
        model = CoGovModel(scenario=str(ROOT / "scenarios" / "baseline.yaml"), rng=i, days=days,
                           overrides={"site.households": households})
        model.run()
        del model
        if (i + 1) % 100 == 0:
            gc.collect()
            out.append((i + 1, rss_mb()))
    return out


def sweep(folder: Path, runs: int, households: int, days: int, *engine: str) -> tuple[np.ndarray, float]:
    from sim.cli import main
    from sim.experiments import load

    doc = {"name": "memory", "base": str(ROOT / "scenarios" / "baseline.yaml"),
           "overrides": {"site.households": households},
           "parameters": {"site.party.secretary_capability": {"low": 0.2, "high": 0.8, "levels": 5}},
           "design": "grid", "replicates": runs // 5, "seed": 1, "days": days, "metrics": ["participation_rate"]}
    path = folder / "memory.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    out = folder / "out"
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["sweep", str(path), "--out", str(out), "--force", "-q", *engine]) == 0
    wall = time.perf_counter() - start
    s = load(out).summary
    # runs were submitted replicate by replicate within each point: order by (replicate, point)
    order = s.sort_values(["replicate", "point"])
    return order["rss_mb"].to_numpy(), wall


def fifths(values: np.ndarray) -> str:
    parts = np.array_split(values, 5)
    return " | ".join(f"{np.median(p):6.1f} (max {p.max():6.1f})" for p in parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--households", type=int, default=500)
    parser.add_argument("--days", type=int, default=60)
    args = parser.parse_args()
    print(f"{args.runs} runs of {args.households} households, {args.days} days")

    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for label, engine in (("cogov sweep, 2 local workers, recycled every 100 runs", ("--workers", "2")),
                              ("cogov sweep, 2 local workers, never recycled", ("--workers", "2", "--tasks-per-worker", "0")),
                              ("cogov sweep, Dask LocalCluster of 2 workers", ("--dask", "local", "--workers", "2"))):
            folder = Path(tmp) / str(len(results))
            folder.mkdir()
            before = rss_mb()
            results[label] = (*sweep(folder, args.runs, args.households, args.days, *engine), before, rss_mb())
        parent_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
        child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1e3

    loop = plain_loop(args.runs, args.households, args.days)

    print("\n1. plain loop in one process (Mesa's registry keeps every model): resident MB after n runs")
    print("   " + "   ".join(f"{n}: {mb:.0f}" for n, mb in loop))
    print(f"   growth: {loop[-1][1] - loop[0][1]:+.0f} MB over {args.runs} runs "
          f"({(loop[-1][1] - loop[1][1]) / max(1, loop[-1][0] - loop[1][0]) * 1000:.0f} kB per run after the first 100)")
    print("\nworker resident MB after each run, median (max) by fifth of the sweep:")
    for label, (rss, wall, before, after) in results.items():
        print(f"   {label} ({wall:.0f} s):")
        print(f"      {fifths(rss)}")
        peaks = [p.max() for p in np.array_split(rss, 5)]
        print(f"      peak of the last fifth minus peak of the first: {peaks[-1] - peaks[0]:+.1f} MB")
    print(f"\nsweep process: peak resident {parent_peak:.0f} MB (all three sweeps, this process); "
          f"largest finished child process: {child_peak:.0f} MB")


if __name__ == "__main__":
    main()
