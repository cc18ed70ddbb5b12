"""Instructions a run costs, counted by valgrind (deterministic, unlike the wall clock on a shared
machine): a process that builds a model and runs it (the warm-up year and the reported days), less
a process that imports and builds the same model with no warm-up and simulates one day. The
difference is the simulation, whatever the imports cost.

    .venv/bin/python bench/bench_instructions.py                      # baseline, five metrics
    .venv/bin/python bench/bench_instructions.py --scenario party_led --record all

Needs `valgrind` (Debian: `apt-get install valgrind`); each count takes one to three minutes, and
the two run side by side. `PYTHONHASHSEED=0` so that both processes hash alike.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import sys
from sim import CoGovModel
from sim.metrics.registry import METRICS
scenario, record, whole = sys.argv[1], sys.argv[2], sys.argv[3] == "run"
record = None if record == "all" else METRICS.headline()[: int(record)]
if whole:
    CoGovModel(scenario=scenario, rng=1, record=record).run()
else:
    CoGovModel(scenario=scenario, rng=1, days=1, record=record, overrides={"run.warmup_days": 0}).run()
"""


def count(scenario: Path, record: str, what: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    return subprocess.Popen(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-c", CHILD,
                             str(scenario), record, what], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)


def collected(process: subprocess.Popen) -> int:
    _, err = process.communicate()
    found = re.search(r"Collected : (\d+)", err)
    if process.returncode or not found:
        raise SystemExit(f"bench_instructions: valgrind failed:\n{err[-2000:]}")
    return int(found.group(1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="baseline", help="a shipped scenario (default: baseline)")
    ap.add_argument("--record", default="5", help="how many headline metrics to record, or 'all' (default: 5)")
    args = ap.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("bench_instructions: valgrind not found (Debian: apt-get install valgrind)")
    scenario = ROOT / "scenarios" / f"{args.scenario}.yaml"
    if not scenario.is_file():
        raise SystemExit(f"bench_instructions: {scenario}: no such scenario")
    run, built = count(scenario, args.record, "run"), count(scenario, args.record, "build")
    total, base = collected(run), collected(built)
    sim = total - base
    print(f"{args.scenario}, record {args.record}: {total:,} instructions for build and run, {base:,} for imports and "
          f"build; the simulation {sim:,} ({sim / 1e9:.3f} G)")


if __name__ == "__main__":
    main()
