"""What a worker process runs: one model, start to end; its summary row and kept daily series.

`execute_run` never raises for a failing model: it returns a failure record (error, message,
traceback) so that every engine reports failures the same way. It runs in local worker processes
and on Dask workers alike, so it imports only the model and its metrics.

Mesa 3.3 keeps every model alive in a class-level registry (`mesa.Agent._ids`, a defaultdict keyed
by model; fixed in Mesa 3.4.2), so a long-lived worker would grow without bound. Each run's entry
is dropped after it (`released_models`); local workers are
also recycled (see `engines`).
"""

from __future__ import annotations

import os
import resource
import signal
import socket
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from ..metrics.definitions import Period, summary
from ..metrics.periods import in_period, periods_table
from ..model import CoGovModel, forget, mesa_registry
from ..running.lifetime import end_with

HOST = socket.gethostname()
#: environment variable naming the sweep process a Dask worker ends with (see `dask_setup`)
SWEEP_PID = "COGOV_SWEEP_PID"


def dask_setup(worker) -> None:
    """Dask calls this in every worker that preloads this module: a worker of a LocalCluster
    started by a sweep ends with the sweep's process (its PID in SWEEP_PID), even if that is killed."""
    if os.environ.get(SWEEP_PID):
        end_with(int(os.environ[SWEEP_PID]))


@contextmanager
def released_models() -> Iterator[None]:
    """Drop from Mesa's registry every model created inside the block when it ends: a finished
    model, or one whose build failed midway (models run one at a time, so every new entry is
    the block's)."""
    ids = mesa_registry()
    before = {id(k) for k in ids.keys()} if ids is not None else set()
    try:
        yield
    finally:
        if ids is not None:
            for key in [k for k in list(ids.keys()) if id(k) not in before and isinstance(k, CoGovModel)]:
                forget(key)


def rss_mb() -> float:
    """This process's resident memory now, in MB (Linux /proc; the peak elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 1e6 if sys.platform == "darwin" else peak / 1e3


def _inject(fault: str | None) -> None:
    """Fault injection for tests of failure handling (see `runner.run_plan(faults=...)`):
    ``raise`` raises, ``die`` kills this worker process, ``die-once:PATH`` kills it only the first
    time (PATH is created as the marker)."""
    if not fault:
        return
    if fault == "raise":
        raise RuntimeError("injected failure (test)")
    if fault == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    if fault.startswith("die-once:"):
        try:
            fd = os.open(fault.split(":", 1)[1], os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return
        os.close(fd)
        os.kill(os.getpid(), signal.SIGKILL)


def kept_series(model, metrics: list[str], every: int = 1) -> dict[str, np.ndarray]:
    """The recorded daily `metrics` on days every, 2·every, ... and the last day (day k is the state
    at the end of day k, as in a run folder's series)."""
    recorded = model.datacollector.model_vars
    n = len(recorded[metrics[0]]) if metrics else 0
    rows = np.arange(max(1, every) - 1, n, max(1, every))
    if n and (not len(rows) or rows[-1] != n - 1):
        rows = np.append(rows, n - 1)
    return {"day": rows + 1, **{m: np.asarray(recorded[m], dtype=float)[rows] for m in metrics}}


def window_columns(model, days: list[int], width: int) -> dict[str, float]:
    """The period metrics before and after each of `days` (a comparison's timeline entries, the
    same days in every arm), as summary columns ``before.<day>.<metric>`` and ``after.<day>.<metric>``."""
    out: dict[str, float] = {}
    for day in days:
        for side, period in (("before", Period(max(0, day - width), day)), ("after", Period(day, min(model.day, day + width)))):
            out.update({f"{side}.{day}.{k}": v for k, v in in_period(model, period).items()})
    return out


def execute_run(task: dict[str, Any]) -> dict[str, Any]:
    """Run `task` (see `Plan.task`) and return its record: ``ok`` True with ``summary`` (the
    end-of-run figures of `sim.metrics.definitions.summary`) and ``series`` (kept metric → daily
    values, every `series_every` days and the last), or ``ok`` False with the error."""
    started = time.perf_counter()
    record: dict[str, Any] = {"point": task["point"], "replicate": task["replicate"], "seed": task["seed"],
                              "attempt": task.get("attempt", 1), "worker": f"{HOST}:{os.getpid()}"}
    with released_models():  # the model goes once the run ends, before memory is measured
        try:
            _inject(task.get("fault"))
            kept = list(task["metrics"])
            model = CoGovModel(scenario=task["scenario"], rng=task["seed"], days=task["days"], overrides=task["overrides"],
                               record=kept)
            model.run()
            record["summary"] = {**summary(model), **window_columns(model, task.get("windows") or [], task.get("window_days", 90))}
            record["series"] = kept_series(model, list(model.datacollector.model_vars), int(task.get("series_every", 1)))
            if task.get("period_days"):
                record["periods"] = periods_table(model, task["period_days"]).to_dict(orient="list")
            record["ok"] = True
        except Exception as e:  # noqa: BLE001 - every failure of a run is recorded, none stops the sweep
            record.update(ok=False, error=type(e).__name__, message=" ".join(str(e).split())[:2000],
                          traceback=traceback.format_exc())
        finally:
            model = None  # this function's reference too
    record["wall_seconds"] = time.perf_counter() - started
    record["rss_mb"] = rss_mb()
    return record
