"""Shared by the test_experiments_* files: tiny scenario and sweep files, and results tables in a
form that compares equal when two results folders hold the same runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import yaml

from sim.experiments import load
from sim.experiments.store import PROVENANCE

ROOT = Path(__file__).resolve().parent.parent
METRICS = ["resolution_rate", "participation_rate", "backlog"]


def write_base(folder: Path, name: str = "tiny", households: int = 120, days: int = 25, **more) -> Path:
    doc = {"name": name, "description": f"{name} test community", "site": {"households": households},
           "run": {"days": days}, **more}
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def write_sweep(folder: Path, name: str = "tiny_sweep", *, parameters: dict | None = None, design="grid",
                replicates: int = 2, seed: int = 3, base: str = "tiny.yaml", **more) -> Path:
    if not (folder / base).exists():
        write_base(folder, Path(base).stem)
    doc = {"name": name, "base": base,
           "overrides": {"policies.joint_meetings.enabled": True},
           "parameters": parameters or {"policies.joint_meetings.interval_days": [7, 30],
                                        "site.party.secretary_capability": {"low": 0.2, "high": 0.8, "levels": 2}},
           "design": design, "replicates": replicates, "seed": seed, "metrics": METRICS, **more}
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def tables(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(summary without provenance columns, series) of a results folder, sorted."""
    r = load(path)
    return r.summary.drop(columns=list(PROVENANCE)), r.series


def assert_same_results(a: Path, b: Path) -> None:
    sa, ea = tables(a)
    sb, eb = tables(b)
    pd.testing.assert_frame_equal(sa, sb)
    pd.testing.assert_frame_equal(ea, eb)


def python_m_sim(*args, cwd: Path | None = None, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=timeout)


def assert_one_line_error(err: str) -> None:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("cogov: error: "), err
    assert "Traceback" not in err


def busy(seconds: float) -> tuple[int, float, float]:
    """Keep a worker busy; (its pid, start, end) — to see how many ran at once."""
    import os
    import time

    start = time.time()
    while time.time() - start < seconds:
        pass
    return os.getpid(), start, time.time()


def most_at_once(spans: list[tuple[float, float]]) -> int:
    events = sorted([(a, 1) for a, _ in spans] + [(b, -1) for _, b in spans])
    now = peak = 0
    for _, step in events:
        now += step
        peak = max(peak, now)
    return peak
