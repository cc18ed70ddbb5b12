"""Where runs execute. An engine hands the runner a `concurrent.futures.Executor`; the runner only
calls `submit` and waits on the futures, so a new engine needs no change to the sweep logic.

* `LocalEngine`: worker processes on this machine (`ProcessPoolExecutor`, forkserver start method
  with the model preloaded, spawn where there is no forkserver). Workers are recycled after about
  `tasks_per_worker` runs each: the pool is replaced by a fresh one, the old one finishing what it
  holds. (Python's own ``max_tasks_per_child`` is not used: on Python 3.11–3.13 it can deadlock
  once more runs are queued than there are workers, cpython#115634.) A worker that dies breaks the
  pool: its futures raise `BrokenProcessPool` (`lost`), and the next submit starts a new pool.
* `InlineEngine`: runs in this process, one at a time (debugging; metrics declared only here).
* `DaskEngine`: a Dask distributed scheduler (``tcp://host:8786``) or, with ``local``, a
  `LocalCluster` of single-threaded worker processes started here. Dask itself reruns a run whose
  worker died; for a cluster started here it does so once (``allowed-failures: 1``, and
  ``worker-saturation: 1.0`` so a worker holds only the run it executes and a death counts against
  that run alone), then reports `KilledWorker`, which the runner records as that run's failure.
  For a scheduler of your own, set the same two options in its Dask configuration.

Worker processes started here end with the process that started them, even when it is killed with
``kill -9`` (`sim.running.lifetime.end_with`): local workers from the pool's initializer, a
LocalCluster's workers from `worker.dask_setup`. The fork server then ends too, as its last worker
does. Workers of a scheduler of your own are left alone.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import threading
import time
from collections import deque
from concurrent.futures import CancelledError, Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from ..running.lifetime import end_with


class EngineError(RuntimeError):
    """The engine cannot start or lost its workers; the message is one line."""


class Engine(Protocol):
    """A source of executors for runs."""

    #: exceptions a future raises when its worker was lost (the run should be retried)
    lost: tuple[type[BaseException], ...]

    def warm(self) -> None:
        """Begin starting up, without waiting (called before the sweep file is read)."""
        ...

    def start(self) -> Executor: ...

    def slots(self) -> int:
        """Runs that can execute at once (the runner keeps about twice this many in flight)."""
        ...

    def describe(self) -> str: ...

    def close(self, *, cancel: bool = False) -> None: ...


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _forkserver(*preload: str) -> mp.context.BaseContext | None:
    """The forkserver context, its server started now (without waiting) with `preload` and the model
    imported, so that forked workers start with them; None where there is no forkserver. (There is one
    server per process: the first engine to start it chooses what it imports.)"""
    if "forkserver" not in mp.get_all_start_methods():
        return None
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload([*preload, "sim.experiments.worker"])
    from multiprocessing import forkserver

    forkserver.ensure_running()
    return ctx


def _context() -> mp.context.BaseContext:
    return _forkserver() or mp.get_context("spawn")


class RecyclingProcessPool(Executor):
    """A process pool whose workers are replaced after about `tasks_per_worker` runs each (0: never).

    Submissions wait in a queue here and are handed to the current `ProcessPoolExecutor` only as
    runs finish, never more than `workers` at a time: however many runs are submitted at once (as
    `Executor.map` does), at most `workers` execute at any moment, also while a retired pool
    finishes its last runs and the next one starts. After `tasks_per_worker` × `workers` runs the
    pool is retired (it finishes what it holds, then its processes exit) and a fresh one takes
    over. A pool broken by a dead worker fails its runs with `BrokenProcessPool` and is replaced.
    `submit` is thread-safe; `shutdown` shuts down every pool it made.
    """

    def __init__(self, workers: int, tasks_per_worker: int = 100, context: Any = None):
        self.workers = workers
        self.tasks_per_worker = tasks_per_worker
        self.context = context or _context()
        self._lock = threading.RLock()  # re-entered when a finished run's callback fires at once
        self._pool: ProcessPoolExecutor | None = None
        self._given = 0  # runs handed to the current pool
        self._running = 0  # runs handed to any pool and not finished
        self._waiting: deque[tuple[Future, Any, tuple, dict]] = deque()
        self._retired: list[ProcessPoolExecutor] = []
        self._closed = False
        self.pools_started = 0

    def _fresh(self) -> ProcessPoolExecutor:
        if self._pool is not None:
            self._pool.shutdown(wait=False)  # what it holds still runs; its workers then exit
            self._retired.append(self._pool)
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=self.context,
                                         initializer=end_with, initargs=(os.getpid(),))  # workers end with this process
        self._given = 0
        self.pools_started += 1
        return self._pool

    def submit(self, fn, /, *args, **kwargs) -> Future:  # type: ignore[override]
        outer: Future = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot submit after shutdown")
            self._waiting.append((outer, fn, args, kwargs))
            self._dispatch()
        return outer

    def _dispatch(self) -> None:
        with self._lock:
            while self._waiting and self._running < self.workers and not self._closed:
                outer, fn, args, kwargs = self._waiting.popleft()
                if not outer.set_running_or_notify_cancel():
                    continue  # cancelled while it waited
                pool = self._pool
                if pool is None or (self.tasks_per_worker and self._given >= self.tasks_per_worker * self.workers):
                    pool = self._fresh()
                try:
                    try:
                        inner = pool.submit(fn, *args, **kwargs)
                    except BrokenProcessPool:  # a worker died: start over with a new pool
                        inner = self._fresh().submit(fn, *args, **kwargs)
                except Exception as e:  # noqa: BLE001 - e.g. the interpreter is exiting: the run fails, nothing hangs
                    outer.set_exception(e)
                    continue
                self._given += 1
                self._running += 1
                inner.add_done_callback(lambda f, outer=outer: self._finished(f, outer))

    def _finished(self, inner: Future, outer: Future) -> None:
        with self._lock:
            self._running -= 1
        if inner.cancelled():
            outer.set_exception(CancelledError())
        elif inner.exception() is not None:
            outer.set_exception(inner.exception())
        else:
            outer.set_result(inner.result())
        self._dispatch()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._closed = True
            waiting = list(self._waiting)
            self._waiting.clear()
            pools = self._retired + ([self._pool] if self._pool is not None else [])
        for outer, *_ in waiting:
            if cancel_futures:
                outer.cancel()
            else:  # nothing more is handed out after shutdown
                if outer.set_running_or_notify_cancel():
                    outer.set_exception(CancelledError())
        for pool in pools:
            if cancel_futures:
                _stop_workers(pool)
            pool.shutdown(wait=wait, cancel_futures=cancel_futures)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Stop a pool's worker processes now, abandoning the runs they hold (the sweep was interrupted:
    waiting for a run of a large city could take minutes). Python 3.14 has `terminate_workers`."""
    if hasattr(pool, "terminate_workers"):
        pool.terminate_workers()
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        try:
            process.terminate()
        except (ProcessLookupError, ValueError):  # already gone
            pass


class LocalEngine:
    """Worker processes on this machine."""

    lost = (BrokenProcessPool,)

    def __init__(self, workers: int | None = None, *, tasks_per_worker: int = 100):
        self.workers = workers or default_workers()
        self.tasks_per_worker = tasks_per_worker
        self.executor: RecyclingProcessPool | None = None

    def warm(self) -> None:
        """Start the fork server now, so that it imports the model while the caller reads the sweep
        file and prepares the results folder (it does not wait)."""
        _context()

    def start(self) -> Executor:
        self.executor = RecyclingProcessPool(self.workers, self.tasks_per_worker)
        return self.executor

    def slots(self) -> int:
        return self.workers

    def describe(self) -> str:
        recycle = f", each recycled after ~{self.tasks_per_worker} runs" if self.tasks_per_worker else ""
        return f"local processes ({self.workers} worker{'s' if self.workers != 1 else ''}{recycle})"

    def close(self, *, cancel: bool = False) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=cancel)
            self.executor = None


class _Inline(Executor):
    """An executor that runs each submission at once, in the calling thread."""

    def submit(self, fn, /, *args, **kwargs) -> Future:  # type: ignore[override]
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as e:  # noqa: BLE001 - handed to the runner like a worker's failure
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            future.set_exception(e)
        return future


class InlineEngine:
    """Runs one at a time in this process: for a debugger or profiler, and for metrics declared in
    this process only (a notebook's own `Metric`), which worker processes would not know."""

    lost: tuple[type[BaseException], ...] = ()

    def warm(self) -> None:
        pass

    def start(self) -> Executor:
        return _Inline()

    def slots(self) -> int:
        return 1

    def describe(self) -> str:
        return "this process (inline, one run at a time)"

    def close(self, *, cancel: bool = False) -> None:
        pass


def _check_address(address: str) -> None:
    """EngineError, before anything is started or written, for text that is no scheduler address."""
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
        if scheme in ("tcp", "tls", "ws", "wss"):
            parse_host_port(location)
    except (ValueError, TypeError) as e:
        raise EngineError(f"--dask {address}: not a Dask scheduler address ({e}); expected 'local' or one like "
                          "tcp://host:8786") from None


class DaskEngine:
    """A Dask distributed scheduler at `address`, or a LocalCluster of `workers` processes ('local')."""

    lost: tuple[type[BaseException], ...] = ()

    def __init__(self, address: str, workers: int | None = None, *, connect_timeout: str = "30s"):
        if address != "local":
            _check_address(address)
        self.address = address
        self.workers = workers or default_workers()
        self.connect_timeout = connect_timeout
        self.cluster: Any = None
        self.client: Any = None
        self.executor: Any = None

    def warm(self) -> None:
        """For a cluster started here, start the fork server its workers are forked from (Dask would
        otherwise spawn each worker as a fresh interpreter, importing Dask and the model anew)."""
        if self.address == "local":
            _forkserver("distributed")

    def start(self) -> Executor:
        import dask
        from distributed import Client, LocalCluster

        from .worker import SWEEP_PID

        try:
            if self.address == "local":
                # a run whose worker dies is rerun once; workers hold only the run they execute
                # (saturation 1.0), so a death counts against that run alone
                # and workers get this process's environment, as local workers do: Dask's defaults
                # (MALLOC_TRIM_THRESHOLD_, which makes a run twice as slow, and single-threaded BLAS)
                # are not applied (the nanny would also set them in this process)
                unset = {f"distributed.nanny.pre-spawn-environ.{k}": None
                         for k in ("MALLOC_TRIM_THRESHOLD_", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
                # (the workers' statistical profiler, sampling every 10 ms, is off: runs are long);
                # workers fork from the server `warm` starts, as local workers do: they stop in a
                # tenth of the time spawned ones take, and later clusters start in a tenth too
                self.warm()
                method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
                with dask.config.set({"distributed.scheduler.allowed-failures": 1,
                                      "distributed.scheduler.worker-saturation": 1.0,
                                      "distributed.worker.profile.enabled": False,
                                      "distributed.worker.multiprocessing-method": method, **unset}):
                    self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                                dashboard_address=":0", silence_logs=logging.ERROR,  # any free port
                                                preload=["sim.experiments.worker"],  # workers start with the model imported
                                                env={SWEEP_PID: str(os.getpid())})  # and end with this process (`dask_setup`)
                self.client = Client(self.cluster)
            else:
                self.client = Client(self.address, timeout=self.connect_timeout)
        except (OSError, TimeoutError) as e:
            self.close()
            raise EngineError(f"cannot reach the Dask scheduler at {self.address}: {' '.join(str(e).split())}") from None
        self.executor = self.client.get_executor(pure=False)
        return self.executor

    def slots(self) -> int:
        try:
            return max(1, sum(self.client.nthreads().values()))
        except Exception:  # noqa: BLE001 - scheduler busy or gone: assume one slot
            return 1

    def describe(self) -> str:
        if self.address == "local":
            return f"Dask LocalCluster ({self.workers} worker processes, 1 thread each)"
        if self.client is None:
            return f"Dask scheduler {self.address}"
        return f"Dask scheduler {self.address} ({self.slots()} worker threads)"

    def close(self, *, cancel: bool = False) -> None:
        if self.executor is not None:
            try:
                self.executor.shutdown(wait=not cancel)  # not waiting cancels what is still queued
            except Exception:  # noqa: BLE001 - the scheduler may already be gone
                pass
            self.executor = None
        if self.client is not None:
            self.client.close()
            self.client = None
        if self.cluster is not None:
            for attempt in range(3):
                try:
                    self.cluster.close()
                    break
                except AssertionError:  # a nanny restarting a dead worker: Dask cannot kill a process not yet started
                    if attempt == 2:
                        raise
                    time.sleep(0.5)
            self.cluster = None


def make_engine(*, workers: int | None = None, dask: str | None = None, tasks_per_worker: int = 100) -> Engine:
    """The engine the command line asks for: local processes, or Dask (an address or 'local')."""
    if dask:
        return DaskEngine(dask, workers)
    return LocalEngine(workers, tasks_per_worker=tasks_per_worker)
