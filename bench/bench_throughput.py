"""Throughput of cogov against Mesa's own BoltzmannWealth example, measured in one process.

Prints resident-steps (agent-steps) per second of each and their ratio. The ratio is what counts:
absolute speed varies with the machine and its load. Each scenario is timed recording every daily
metric (what `cogov run` does) and recording only the five headline metrics a sweep keeps
(`CoGovModel(record=...)`). Only `model.run()` is timed; the warm-up year runs when the model is
built, and `--whole` reports the whole run (building, warm-up and run) as well.
Run: `make bench` or `.venv/bin/python bench/bench_throughput.py [--repeats 3] [--whole]`.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from mesa.examples import BoltzmannWealth

from sim import CoGovModel, load_scenario
from sim.metrics.registry import METRICS

ROOT = Path(__file__).resolve().parent.parent
#: what a sweep keeping five metrics records: the first five headline metrics
FIVE = METRICS.headline()[:5]


def cogov_rate(scenario_path: Path, seed: int, record: list[str] | None = None) -> tuple[float, int, float]:
    """(resident-steps per second of `model.run()`, residents, seconds of the whole run: building
    with its warm-up, and running)."""
    scenario = load_scenario(scenario_path)
    built = time.perf_counter()
    model = CoGovModel(scenario=scenario, rng=seed, record=record)
    start = time.perf_counter()
    model.run()
    end = time.perf_counter()
    return model.population.n * model.day / (end - start), model.population.n, end - built


def boltzmann_rate(n: int = 10_000, steps: int = 30, seed: int = 1) -> float:
    model = BoltzmannWealth(n=n, width=100, height=100, seed=seed)
    start = time.perf_counter()
    for _ in range(steps):
        model.step()
    elapsed = time.perf_counter() - start
    return n * steps / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs of each; the median is reported")
    parser.add_argument("--whole", action="store_true", help="also print the median whole run (build, warm-up, run)")
    args = parser.parse_args()
    boltz = statistics.median(boltzmann_rate(seed=r + 1) for r in range(args.repeats))
    print(f"BoltzmannWealth (10,000 agents, Mesa example): {boltz:,.0f} agent-steps/s")
    for name in ("baseline", "party_led"):
        path = ROOT / "scenarios" / f"{name}.yaml"
        for record, what in ((None, "every metric"), (FIVE, "five metrics")):
            runs = [cogov_rate(path, seed=r + 1, record=record) for r in range(args.repeats)]
            rate = statistics.median(r for r, _, _ in runs)
            whole = f"; whole run {statistics.median(w for _, _, w in runs):.2f} s" if args.whole else ""
            print(f"cogov {name}, {what} ({runs[0][1]:,} residents, 365 days): {rate:,.0f} resident-steps/s; "
                  f"ratio to BoltzmannWealth: {rate / boltz:.1f}x{whole}")


if __name__ == "__main__":
    main()
