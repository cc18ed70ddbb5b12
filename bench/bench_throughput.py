"""Throughput of cogov against Mesa's own BoltzmannWealth example, measured in one process.

Prints resident-steps (agent-steps) per second of each and their ratio. The ratio is what counts:
absolute speed varies with the machine and its load. Run: `make bench` or
`.venv/bin/python bench/bench_throughput.py [--repeats 3]`.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from mesa.examples import BoltzmannWealth

from sim import CoGovModel, load_scenario

ROOT = Path(__file__).resolve().parent.parent


def cogov_rate(scenario_path: Path, seed: int) -> tuple[float, int]:
    scenario = load_scenario(scenario_path)
    model = CoGovModel(scenario=scenario, rng=seed)
    start = time.perf_counter()
    model.run()
    elapsed = time.perf_counter() - start
    return model.population.n * model.day / elapsed, model.population.n


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
    args = parser.parse_args()
    boltz = statistics.median(boltzmann_rate(seed=r + 1) for r in range(args.repeats))
    print(f"BoltzmannWealth (10,000 agents, Mesa example): {boltz:,.0f} agent-steps/s")
    for name in ("baseline", "party_led"):
        path = ROOT / "scenarios" / f"{name}.yaml"
        runs = [cogov_rate(path, seed=r + 1) for r in range(args.repeats)]
        rate = statistics.median(r for r, _ in runs)
        print(f"cogov {name} ({runs[0][1]:,} residents, 365 days): {rate:,.0f} resident-steps/s; "
              f"ratio to BoltzmannWealth: {rate / boltz:.1f}x")


if __name__ == "__main__":
    main()
