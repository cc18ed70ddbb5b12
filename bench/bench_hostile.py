"""How long and how much memory refusing each hostile file takes (the corpus of tests/hostile_files.py).

    .venv/bin/python bench/bench_hostile.py

Each file is refused in its own fresh process, as `cogov validate FILE` would: the CPU time of the
refusal itself (reading, composing, validating, and for the "run" kind the preflight; imports
excluded) is measured inside the process with time.process_time, and the peak memory of the whole
process (imports included) is its ru_maxrss from os.wait4. Targets (issue 13): every file refused
in under 1 s of CPU and under 300 MB. The whole `cogov validate` command (interpreter start and
imports included) is reported once for comparison.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from hostile_files import CORPUS, load, write_all  # noqa: E402

CPU_TARGET, MEMORY_TARGET = 1.0, 300e6


def child(name: str, path: str) -> None:
    from sim.scenario import ScenarioError

    entry = next(e for e in CORPUS if e.name == name)
    start = time.process_time()
    try:
        load(entry, Path(path))
        outcome = "NOT REFUSED"
    except ScenarioError as e:
        outcome = f"{len(e.problems)} line(s)"
    print(json.dumps({"cpu": time.process_time() - start, "outcome": outcome}))


def measure(args: list[str]) -> tuple[dict | None, float, float]:
    """(the child's JSON line, its peak memory in bytes, its whole CPU time)."""
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = proc.stdout.read()
    _, _, usage = os.wait4(proc.pid, 0)
    line = out.strip().splitlines()[-1] if out.strip() else ""
    return (json.loads(line) if line.startswith("{") else None), usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
        return
    worst_cpu = worst_memory = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_all(Path(tmp))
        print(f"{'file':<36} {'refusal CPU':>12} {'peak memory':>12}  outcome")
        for entry in CORPUS:
            got, peak, _ = measure([sys.executable, __file__, "--child", entry.name, str(paths[entry.name])])
            cpu = got["cpu"] if got else float("nan")
            worst_cpu, worst_memory = max(worst_cpu, cpu), max(worst_memory, peak)
            print(f"{entry.name:<36} {cpu:>10.3f} s {peak / 1e6:>9.0f} MB  {got['outcome'] if got else 'CRASHED'}", flush=True)
        _, peak, cpu = measure([sys.executable, "-m", "sim", "validate", str(paths["billion_laughs"])])
        print(f"\nwhole `cogov validate` of the billion laughs (start-up and imports included): {cpu:.2f} s CPU, "
              f"{peak / 1e6:.0f} MB")
    print(f"worst refusal: {worst_cpu:.3f} s CPU (target < {CPU_TARGET:g} s); worst peak memory: "
          f"{worst_memory / 1e6:.0f} MB (target < {MEMORY_TARGET / 1e6:.0f} MB)")


if __name__ == "__main__":
    main()
