"""Run an experiment's missing runs on an engine and write them to its results folder as they finish.

The runner submits runs in order, keeps about twice as many in flight as the engine has slots,
collects them as they complete (in any order) and commits a batch to the results folder every
`batch` finished runs or `flush_seconds`, whichever comes first. Memory is bounded by the runs in
flight plus one batch, whatever the size of the sweep.

* A run that raises is recorded as failed (parameters, seed, traceback) and the sweep goes on.
  Failed runs are not rerun when the sweep resumes, unless `retry_failed`.
* A run whose worker process died (a future raising one of `engine.lost`) is retried once, alone,
  so that the run that kills its worker is told apart from the runs that shared the pool with it;
  if its worker dies again it is recorded as failed (``WorkerDied``).
* On an interrupt, the finished runs still in memory are committed before the runner stops.
* A write that fails (a full or read-only disk) stops the sweep: its workers are stopped, the
  batch being written is dropped whole (its runs rerun on resume), the `OSError` names the file.
"""

from __future__ import annotations

import contextlib
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, CancelledError, Executor, Future, wait
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .engines import Engine, EngineError
from .plan import Plan
from .store import ResultsStore, _now, open_store
from .worker import execute_run


@dataclass
class Outcome:
    """What a session did."""

    path: Path
    planned: int
    finished_before: int
    failed_before: int
    finished: int = 0  # in this session
    failed: int = 0  # in this session
    retried: int = 0  # runs resubmitted after their worker died
    skipped_failed: int = 0  # earlier failures left alone (no retry_failed)
    wall_seconds: float = 0.0
    interrupted: bool = False

    @property
    def done(self) -> int:
        return self.finished_before + self.finished

    @property
    def complete(self) -> bool:
        return self.done == self.planned


#: seconds between asking the engine how many runs it can execute at once
SLOTS_EVERY = 5.0

#: stop the sweep when this many runs in a row were recorded as WorkerDied (each already died twice)
MAX_DEATHS_IN_A_ROW = 3

#: progress(finished, failed, total): finished and failed runs so far (all sessions) of `total`
Progress = Callable[[int, int, int], None]


@dataclass
class _Job:
    point: int
    replicate: int
    attempt: int = 1
    alone: bool = False  # a retry after a worker death: runs with nothing else in flight
    started: float = field(default_factory=time.perf_counter)


def run_plan(plan: Plan, out: str | Path, engine: Engine, *, retry_failed: bool = False, force: bool = False,
             batch: int = 25, flush_seconds: float = 10.0, progress: Progress | None = None,
             command_line: str | None = None, faults: dict[tuple[int, int], str] | None = None,
             on_start: Callable[[ResultsStore, Outcome], None] | None = None) -> Outcome:
    """Run every run of `plan` that `out` does not hold yet; return what this session did.

    `faults` maps (point, replicate) to a fault injected in the worker (``raise``, ``die``,
    ``die-once:PATH``; see `worker._inject`), for testing failure handling. `on_start` is called
    once the folder is open, the runs to do are known and the engine has started (the command line
    prints the plan there).
    """
    started = time.perf_counter()
    store = open_store(out, plan, force=force)  # locked: no other session writes here until we end
    try:
        store.clean()
        finished = store.finished()
        failed = store.failed()
        todo = [(p, r) for p, r in plan.runs() if (p, r) not in finished and (retry_failed or (p, r) not in failed)]
        outcome = Outcome(store.path, plan.n_runs, len(finished), 0 if retry_failed else len(failed),
                          skipped_failed=0 if retry_failed else len(failed))
        executor = engine.start() if todo else None  # started first, so that it describes itself fully
        try:
            if on_start is not None:
                on_start(store, outcome)
            store.begin_session(engine=engine.describe() if todo else "none (nothing to run)", command_line=command_line)
            if progress is not None:
                progress(outcome.done, outcome.failed_before, plan.n_runs)
        except BaseException:
            if executor is not None:
                engine.close(cancel=True)
            raise
        if executor is not None:
            try:
                _execute(plan, store, engine, executor, todo, outcome, batch=batch, flush_seconds=flush_seconds,
                         progress=progress, faults=faults or {})
            except KeyboardInterrupt:  # what finished is saved (`_execute`); the session says it was stopped
                _end_session(store, outcome, started)
                raise
            except OSError as e:  # a write failed (a full or read-only disk): said in the manifest if it can be
                with contextlib.suppress(OSError):
                    _end_session(store, outcome, started, error=f"{e.filename or store.path}: {e.strerror or e}")
                raise
        _end_session(store, outcome, started)
        return outcome
    finally:
        store.unlock()


def _end_session(store: ResultsStore, outcome: Outcome, started: float, **more) -> None:
    outcome.wall_seconds = time.perf_counter() - started
    store.end_session(status="complete" if outcome.complete else ("interrupted" if outcome.interrupted else "incomplete"),
                      finished_runs=outcome.finished, failed_runs=outcome.failed, retried_runs=outcome.retried,
                      wall_seconds=round(outcome.wall_seconds, 3), **more)


def _execute(plan: Plan, store: ResultsStore, engine: Engine, executor, todo: list[tuple[int, int]], outcome: Outcome, *,
             batch: int, flush_seconds: float, progress: Progress | None, faults: dict) -> None:
    queue: deque[_Job] = deque(_Job(p, r) for p, r in todo)
    suspects: deque[_Job] = deque()
    inflight: dict[Future, _Job] = {}
    done_buf: list[dict] = []
    fail_buf: list[dict] = []
    last_flush = time.monotonic()
    deaths = 0  # runs recorded as WorkerDied since the last run that came back

    def flush() -> None:
        nonlocal last_flush
        if done_buf or fail_buf:
            # taken out of the buffers first: a batch interrupted while it is written is never
            # written again (its runs rerun on resume), so nothing is committed twice
            done, failed = done_buf[:], fail_buf[:]
            done_buf.clear()
            fail_buf.clear()
            store.commit(done, failed)
            outcome.finished += len(done)
            outcome.failed += len(failed)
        last_flush = time.monotonic()

    def report() -> None:
        if progress is not None:
            progress(outcome.done + len(done_buf), outcome.failed_before + outcome.failed + len(fail_buf), plan.n_runs)

    def submit(executor, job: _Job) -> None:
        task = plan.task(job.point, job.replicate, attempt=job.attempt, fault=faults.get((job.point, job.replicate)))
        job.started = time.perf_counter()
        inflight[executor.submit(execute_run, task)] = job

    def failure(job: _Job, error: str, message: str, tb: str = "", worker: str = "") -> dict:
        return {"point": job.point, "replicate": job.replicate, "seed": plan.seed_for(job.point, job.replicate),
                "error": error, "message": message, "traceback": tb, "worker": worker, "attempt": job.attempt,
                "wall_seconds": time.perf_counter() - job.started, "failed_at": _now()}

    limit, limit_checked = 2 * engine.slots(), time.monotonic()
    cancel = True
    try:
        while queue or inflight or suspects:
            if suspects:
                if not inflight:  # a retry after a worker death runs alone
                    job = suspects.popleft()
                    job.attempt += 1
                    job.alone = True
                    outcome.retried += 1
                    submit(executor, job)
            else:
                if time.monotonic() - limit_checked > SLOTS_EVERY:  # a cluster may grow or shrink
                    limit, limit_checked = 2 * engine.slots(), time.monotonic()
                while queue and len(inflight) < limit:
                    submit(executor, queue.popleft())
            finished, _ = wait(list(inflight), timeout=1.0, return_when=FIRST_COMPLETED)
            for future in finished:
                job = inflight.pop(future)
                try:
                    record = future.result()
                except engine.lost as e:
                    if job.alone:
                        fail_buf.append(failure(job, "WorkerDied", "the worker process died while running this run, "
                                                f"twice (killed, or out of memory): {' '.join(str(e).split())}"))
                        deaths += 1
                        if deaths >= MAX_DEATHS_IN_A_ROW:
                            raise EngineError(f"worker processes died on {deaths} runs in a row, each tried twice; "
                                              "stopping (is the environment of the workers broken?)")
                    else:
                        suspects.append(job)
                    continue
                except CancelledError:
                    queue.appendleft(job)
                    continue
                except Exception as e:  # noqa: BLE001 - e.g. Dask's KilledWorker; recorded, the sweep goes on
                    import traceback

                    name = type(e).__name__
                    msg = " ".join(str(e).split())
                    if name == "KilledWorker":
                        msg = f"the worker process died while running this run, on every try: {msg}"
                    fail_buf.append(failure(job, name, msg, "".join(traceback.format_exception(e))))
                    continue
                deaths = 0
                if record.get("ok"):
                    done_buf.append(record)
                else:
                    record["failed_at"] = _now()
                    fail_buf.append(record)
            report()
            if len(done_buf) + len(fail_buf) >= batch or (time.monotonic() - last_flush >= flush_seconds):
                flush()
        flush()
        report()
        cancel = False
    except KeyboardInterrupt:
        outcome.interrupted = True
        raise
    finally:
        try:
            flush()  # whatever finished is kept, however the loop ended
        finally:
            engine.close(cancel=cancel)


def describe_outcome(o: Outcome) -> str:
    left = o.planned - o.done - o.skipped_failed - o.failed
    parts = [f"{o.done}/{o.planned} runs finished"]
    if o.failed or o.skipped_failed:
        parts.append(f"{o.failed + o.skipped_failed} failed")
    if left > 0:
        parts.append(f"{left} missing")
    if o.retried:
        parts.append(f"{o.retried} retried after a worker died")
    return ", ".join(parts)


__all__ = ["Outcome", "describe_outcome", "run_plan"]



class RunFailed(RuntimeError):
    """A run of an in-memory collection failed; the message is one line (the run and its error)."""


def collect(plan: Plan, executor: Executor, *, progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Every run of `plan` on a started engine's `executor`, kept in memory (no results folder):
    one row per run, in plan order, with its design columns (e.g. ``arm``), ``replicate``, ``seed``
    and its end-of-run summary. For validation and calibration, whose runs are many small
    batches that are scored, not stored. Raises RunFailed at the first failed run."""
    runs = list(plan.runs())
    futures = [executor.submit(execute_run, plan.task(p, r)) for p, r in runs]
    rows = []
    if progress is not None:
        progress(0, len(runs))
    for k, ((p, r), future) in enumerate(zip(runs, futures)):
        record = future.result()
        if not record["ok"]:
            for f in futures[k + 1:]:
                f.cancel()
            point = plan.points[p]
            raise RunFailed(f"run {p}/{r} ({plan.arms[point.arm].name}, seed {record['seed']}) failed: "
                            f"{record['error']}: {record['message']}")
        rows.append({**plan.points[p].columns, "replicate": r, "seed": record["seed"], **record["summary"]})
        if progress is not None:
            progress(k + 1, len(runs))
    return pd.DataFrame(rows)
