"""Throughput of cogov against Mesa's own BoltzmannWealth example, measured in one process.

Prints resident-steps (agent-steps) per second of each and their ratio. The ratio is what counts:
absolute speed varies with the machine and its load. Each scenario is timed recording every daily
metric (what `cogov run` does) and recording only the five headline metrics a sweep keeps
(`CoGovModel(record=...)`). Only `model.run()` is timed; the warm-up year runs when the model is
built, and `--whole` reports the whole run (building, warm-up and run) as well.

The speed of a shared machine drifts within a minute (BoltzmannWealth alone has moved by 2× between
sittings), so each repeat is a sitting of its own: BoltzmannWealth, then one run of each cogov case,
then BoltzmannWealth again; a run's ratio is to the mean of the two BoltzmannWealth figures around
it, and the median of the repeats' ratios is reported.
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
FIVE = tuple(METRICS.headline()[:5])


def cogov_rate(scenario_path: Path, seed: int, record: tuple[str, ...] | None = None) -> tuple[float, int, float]:
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


CASES = [(name, record, what) for name in ("baseline", "party_led")
         for record, what in ((None, "every metric"), (FIVE, "five metrics"))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="sittings; the median is reported")
    parser.add_argument("--whole", action="store_true", help="also print the median whole run (build, warm-up, run)")
    args = parser.parse_args()
    scenarios = {name: ROOT / "scenarios" / f"{name}.yaml" for name, _, _ in CASES}
    boltz, runs, ratios = [], {c: [] for c in CASES}, {c: [] for c in CASES}
    for r in range(args.repeats):
        before = boltzmann_rate(seed=r + 1)
        sitting = {case: cogov_rate(scenarios[case[0]], seed=r + 1, record=case[1]) for case in CASES}
        reference = (before + boltzmann_rate(seed=r + 1)) / 2
        boltz.append(reference)
        for case, run in sitting.items():
            runs[case].append(run)
            ratios[case].append(run[0] / reference)
    print(f"BoltzmannWealth (10,000 agents, Mesa example): {statistics.median(boltz):,.0f} agent-steps/s "
          f"(sittings: {', '.join(f'{b:,.0f}' for b in boltz)})")
    for case in CASES:
        name, _, what = case
        rate = statistics.median(r for r, _, _ in runs[case])
        whole = f"; whole run {statistics.median(w for _, _, w in runs[case]):.2f} s" if args.whole else ""
        print(f"cogov {name}, {what} ({runs[case][0][1]:,} residents, 365 days): {rate:,.0f} resident-steps/s; "
              f"ratio to BoltzmannWealth: {statistics.median(ratios[case]):.1f}x "
              f"(sittings: {', '.join(f'{x:.1f}' for x in ratios[case])}){whole}")


if __name__ == "__main__":
    main()
