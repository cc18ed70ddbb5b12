"""The daily compiled loops over residents, shared out over the machine's cores for a city.

Residents are stored community by community, and nothing a loop writes for one community's
residents is read or written for another's (ties, too, stay inside a community), so a loop over
communities can be cut at a community boundary and its parts run at once, each in a thread:
the kernels are compiled with ``nogil=True``. Each resident's arithmetic is the same in whatever
part it runs, so the results are the same to the last bit as in one pass.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

#: below this many residents a loop runs in one pass: handing a part to a thread costs some tens
#: of microseconds, what the loops take for a community of a few thousand
MIN_RESIDENTS = 100_000
MAX_THREADS = 8

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _forget_pool() -> None:
    """A forked child (`mesa.batch_run`'s workers, a sweep's) has none of its parent's threads:
    it starts a pool of its own, instead of waiting on threads that are not there."""
    global _pool, _pool_lock
    _pool, _pool_lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_pool)


def usable_cores() -> int:
    """The cores this process may run on (a SLURM or container allotment, not the machine's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def parts(bounds: np.ndarray, k: int) -> list[tuple[int, int]]:
    """Communities 0..len(bounds)-1 cut into up to `k` runs (first, last + 1) of about equal
    residents; `bounds[c]` is community c's first row."""
    n_comm = len(bounds) - 1
    cuts = np.searchsorted(bounds, np.linspace(0, bounds[-1], k + 1)[1:-1], side="left")
    edges = sorted({0, n_comm, *(int(x) for x in cuts if 0 < x < n_comm)})
    return list(zip(edges[:-1], edges[1:]))


def by_community(kernel, bounds: np.ndarray, *args) -> None:
    """``kernel(first, stop, bounds, *args)`` over every community: in one call for a small
    population, else in parts of about equal residents, one per usable core, run at once."""
    global _pool
    k = min(usable_cores(), MAX_THREADS)
    if bounds[-1] < MIN_RESIDENTS or k == 1 or len(bounds) < 3:
        kernel(0, len(bounds) - 1, bounds, *args)
        return
    runs = parts(bounds, k)
    with _pool_lock:  # models in several threads (the workshop's sessions) share one pool
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=MAX_THREADS - 1, thread_name_prefix="cogov-loops")
    others = [_pool.submit(kernel, first, stop, bounds, *args) for first, stop in runs[1:]]
    try:
        kernel(*runs[0], bounds, *args)
    finally:
        for f in others:
            f.result()
