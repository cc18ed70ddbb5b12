"""The resource preflight against real runs: estimated and measured peak memory and wall time of
`cogov run` for the baseline, `city_large` and a generated city of about 3 million residents.

    .venv/bin/python bench/bench_preflight.py            # the three target runs: estimate vs measured
    .venv/bin/python bench/bench_preflight.py --fit      # also the runs that separate the costs; fit COSTS

Each run is a real `cogov run --quiet` in its own process; its peak memory is that process's peak
resident set (ru_maxrss from os.wait4) and its time the CPU time of the whole command (user +
system, from os.wait4): on a machine shared with other work, CPU time moves far less than wall time,
and a run uses one core, so it is the wall time the run takes on a free core. Wall time is printed
beside it. `--fit` fits the constants of `sim.scenario.preflight.COSTS` by non-negative least
squares on relative error (each run weighs the same whatever its size) and prints them to paste
there. Target (issue 13): the estimate within ±30 % of measured peak memory for the three target
runs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy.optimize import nnls

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.scenario import load_scenario  # noqa: E402
from sim.scenario.preflight import COSTS, Costs, Estimate, Size, format_bytes  # noqa: E402

BASELINE = ROOT / "scenarios" / "baseline.yaml"


def generated(districts: int, streets: int, per_street: dict, **extra) -> str:
    """A scenario extending the baseline with a generated city (and `extra` sections)."""
    doc = {"extends": str(BASELINE), "name": "bench", **extra,
           "city": {"generate": {"districts": districts, "streets_per_district": streets, "seed": 3,
                                 "per_street": per_street}}}
    return json.dumps(doc)  # JSON is YAML


#: name -> (scenario file or YAML text, days, one of the three targets)
CASES = {
    "baseline": (BASELINE, 365, True),
    "city_large": (ROOT / "scenarios" / "city_large.yaml", 365, True),
    "city_3m": (generated(8, 10, {"commodity_estate": {"count": 4, "households": 2500, "spread": 0.35},
                                  "old_compound": {"count": 3, "households": 1700, "spread": 0.35,
                                                   "site": {"property_company": {"present": False}}}}), 365, True),
    # the runs that separate the costs (--fit)
    "baseline_30_days": (BASELINE, 30, False),
    "dense_ties": (generated(1, 20, {"commodity_estate": {"count": 5, "households": 2000, "spread": 0}},
                             behaviour={"participation": {"ties_in_building": 20, "ties_in_community": 10}}), 30, False),
    "many_disputes": (json.dumps({"extends": str(BASELINE), "name": "bench", "site": {"households": 40000},
                                  "disputes": {"rate_multiplier": 20}}), 365, False),
    "many_communities": (generated(1, 100, {"mixed": {"count": 20, "households": 250, "spread": 0}}), 10, False),
}


def scenario_file(case: str, folder: Path) -> Path:
    source = CASES[case][0]
    if isinstance(source, Path):
        return source
    path = folder / f"{case}.yaml"
    path.write_text(source, encoding="utf-8")
    return path


def measure(case: str, folder: Path) -> dict:
    """Run `cogov run` on the case in a fresh process; its size, estimate, peak memory and time."""
    path = scenario_file(case, folder)
    days = CASES[case][1]
    size = Size.of(load_scenario(path), days)
    out = folder / f"run-{case}"
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "sim", "run", str(path), "--days", str(days), "--quiet",
                             "--force", "--out", str(out), "--max-memory", "1T"], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{case}: cogov run failed")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return {"case": case, "size": size, "disputes": summary["disputes_arisen"], "peak_bytes": usage.ru_maxrss * 1024,
            "seconds": usage.ru_utime + usage.ru_stime, "wall": wall}


def fit(rows: list[dict]) -> Costs:
    """Non-negative least squares on relative error: each run's row is divided by its measurement."""
    mem = np.array([r["size"].memory_terms() for r in rows])
    sec = np.array([r["size"].time_terms() for r in rows])
    peak = np.array([r["peak_bytes"] for r in rows])
    wall = np.array([r["seconds"] for r in rows])
    m, _ = nnls(mem / peak[:, None], np.ones(len(rows)))
    t, _ = nnls(sec / wall[:, None], np.ones(len(rows)))
    return Costs(base_bytes=m[0], bytes_per_resident=m[1], bytes_per_tie=m[2], bytes_per_dispute=m[3],
                 base_seconds=t[0], seconds_per_resident=t[1], seconds_per_resident_community=t[2],
                 seconds_per_resident_day=t[3], seconds_per_tie_day=t[4], seconds_per_dispute=t[5])


def report(rows: list[dict], costs: Costs) -> None:
    print(f"{'run':<18} {'residents':>10} {'communities':>11} {'ties':>11} {'disputes (est/real)':>21} "
          f"{'peak memory (est/measured)':>27} {'error':>7} {'CPU time (est/measured)':>24} {'error':>7} {'wall':>8}")
    for r in rows:
        n = r["size"]
        est = Estimate.from_size(n, costs)
        mem_err = est.bytes / r["peak_bytes"] - 1
        time_err = est.seconds / r["seconds"] - 1
        print(f"{r['case']:<18} {n.residents:>10,} {n.communities:>11,} {n.ties:>11,} "
              f"{n.disputes:>10,}/{r['disputes']:>10,} {format_bytes(est.bytes):>13}/{format_bytes(r['peak_bytes']):>13} "
              f"{mem_err:>+7.0%} {est.seconds:>11.1f}/{r['seconds']:>8.1f} s {time_err:>+7.0%} {r['wall']:>6.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fit", action="store_true", help="also run the cost-separating cases and fit COSTS")
    args = parser.parse_args()
    cases = [c for c, (_, _, target) in CASES.items() if target or args.fit]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases:
            rows.append(measure(case, Path(tmp)))
            print(f"measured {case}: {format_bytes(rows[-1]['peak_bytes'])}, {rows[-1]['seconds']:.1f} s CPU, "
                  f"{rows[-1]['wall']:.1f} s wall", flush=True)
    print("\nwith the constants in sim/scenario/preflight.py:")
    report(rows, COSTS)
    if args.fit:
        costs = fit(rows)
        print("\nfitted on these runs:")
        report(rows, costs)
        print("\nCOSTS = Costs(\n" + "".join(f"    {k}={v:.4g},\n" for k, v in vars(costs).items()) + ")")


if __name__ == "__main__":
    main()
