"""The large city: wall time, peak resident memory and resident-steps per second of
`cogov run scenarios/city_large.yaml` (simulation and the whole run folder), and how cost grows
with the number of residents.

    .venv/bin/python bench/bench_city.py                 # the large city, 365 days
    .venv/bin/python bench/bench_city.py --scaling       # also 5,000 .. 1,000,000 residents, plot
    .venv/bin/python bench/bench_city.py --scenario city_6m   # the full-size city, 6.8 million residents

Each size runs in its own process so that its peak memory is its own. Targets (issue 6): the
large city in at most 5 minutes and 4 GB on a 2-core machine; (issue 10) city_large in at most
35 s and 1.2 GB, city_6m in at most 4 minutes and 8 GB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: communities of about 2,000 households (~5,000 residents) each, for the scaling curve
SCALING_COMMUNITIES = (1, 4, 20, 100, 200)


def one_run(scenario: str, days: int | None, out: str | None, communities: int | None) -> dict:
    """Run in this process; print a JSON line of measurements."""
    from sim import CoGovModel
    from sim.running import write_run_folder

    if communities:
        scenario = {
            "name": f"scaling_{communities}",
            "city": {"generate": {"districts": 1, "streets_per_district": max(1, communities // 5), "count_spread": 0.0,
                                  "per_street": {"commodity_estate": {"count": min(5, communities), "households": 2000, "spread": 0.0}}}},
        } if communities > 1 else {"name": "scaling_1"}
    start = time.perf_counter()
    model = CoGovModel(scenario=scenario, rng=1, days=days)
    built = time.perf_counter()
    model.run()
    simulated = time.perf_counter()
    if out:
        write_run_folder(model, out, scenario_path=None, command_line=None, wall_time=simulated - start)
    wall = time.perf_counter() - start
    return {
        "residents": model.population.n,
        "communities": len(model.geography.communities),
        "days": model.day,
        "disputes": model.disputes.book.n,
        "build_seconds": round(built - start, 2),
        "run_seconds": round(simulated - built, 2),
        "wall_seconds": round(wall, 2),
        "resident_steps_per_second": round(model.population.n * model.day / (simulated - built)),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def in_subprocess(*args: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", *args], check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def scaling_plot(rows: list[dict], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = [r["residents"] for r in rows]
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
    a.loglog(n, [r["run_seconds"] / r["days"] * 365 for r in rows], "o-", color="#1f5fa8", label="simulating a year")
    a.loglog(n, [r["build_seconds"] for r in rows], "s--", color="#888888", label="building the model")
    a.legend(frameon=False)
    a.set_xlabel("residents")
    a.set_ylabel("seconds")
    a.set_title("Cost grows about linearly with residents", loc="left")
    b.semilogx(n, [r["peak_rss_mb"] for r in rows], "o-", color="#c1121f")
    b.set_xlabel("residents")
    b.set_ylabel("peak resident memory (MB)")
    b.set_title("Peak memory", loc="left")
    for ax in (a, b):
        ax.grid(True, which="both", color="#e5e5e5")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="city_large", help="a shipped city scenario (city_large, city_6m)")
    parser.add_argument("--scaling", action="store_true", help="also measure 5,000 .. 1,000,000 residents")
    parser.add_argument("--scaling-days", type=int, default=60, help="days simulated per scaling point")
    parser.add_argument("--child", nargs=4, metavar=("SCENARIO", "DAYS", "OUT", "COMMUNITIES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        scenario, days, out, communities = args.child
        print(json.dumps(one_run(scenario, int(days) or None, out if out != "-" else None, int(communities))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        big = in_subprocess(str(ROOT / "scenarios" / f"{args.scenario}.yaml"), "0", str(Path(tmp) / "run"), "0")
    print(f"{args.scenario}: {big['residents']:,} residents in {big['communities']} communities, {big['days']} days, "
          f"{big['disputes']:,} disputes")
    print(f"  wall time {big['wall_seconds']:.0f} s (building {big['build_seconds']:.0f} s, simulating {big['run_seconds']:.0f} s, "
          f"the rest writing the run folder); "
          f"peak resident memory {big['peak_rss_mb']:,} MB; {big['resident_steps_per_second']:,} resident-steps/s")
    if args.scaling:
        rows = []
        for k in SCALING_COMMUNITIES:
            r = in_subprocess("-", str(args.scaling_days), "-", str(k))
            rows.append(r)
            print(f"  {r['residents']:>9,} residents: built in {r['build_seconds']:5.1f} s, "
                  f"{r['run_seconds'] / r['days'] * 365:6.1f} s per simulated year, "
                  f"{r['resident_steps_per_second']:>10,} resident-steps/s, peak {r['peak_rss_mb']:,} MB")
        path = ROOT / "docs" / "img" / "scaling.png"
        scaling_plot(rows, path)
        print(f"  plot: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
