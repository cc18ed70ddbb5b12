"""Handlers: first-come-first-served queues with a finite number of servers.

Time inside a day is continuous: a case that becomes ready at time t starts on the first server
free at or after t, works for a random time, and completes at start + work. Backlog and delay
therefore emerge from capacity; they are never drawn directly.

Each handler also measures its offered load over the reported days (day 0 on): the cases that
reached its queue, the work times drawn for the cases it started, and the server-days it had open
(`Load`; `sim.metrics.capacity` turns them into ρ).
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass

import numpy as np

from ..scenario.schema import HandlerSpec, ServiceSpec, WorkTime
from .ladder import Channel


def draw_work_time(rng: np.random.Generator, spec: WorkTime, scale: float = 1.0) -> float:
    """One work time in days (mean = spec.mean_days × scale)."""
    mean = spec.mean_days * scale
    if spec.distribution == "exponential":
        return float(rng.exponential(mean))
    if spec.distribution == "fixed":
        return mean
    if spec.distribution == "gamma":
        shape = 1.0 / spec.cv**2
        return float(rng.gamma(shape, mean / shape))
    sigma2 = np.log1p(spec.cv**2)  # lognormal with the given mean and cv
    return float(rng.lognormal(np.log(mean) - sigma2 / 2, np.sqrt(sigma2)))


NOTHING: tuple[tuple, tuple] = ((), ())  # what an idle handler started and completed


@dataclass
class Load:
    """What a handler was offered and did over the reported days."""

    arrivals: int = 0  # cases that reached its queue
    work_days: float = 0.0  # work time drawn for the cases it started on a reported day
    started: int = 0  # those cases
    server_days: float = 0.0  # servers open, summed over days (cases per meeting, summed over meetings, for a forum)


class Handler:
    """One channel's queue in one place (a community, a street, a district or the city), working
    cases as its `spec` says (work time, base success, hand-off delay), which a timeline may change.
    `opens`: the time its servers are first free (the first day simulated)."""

    def __init__(self, channel: Channel, servers: int, spec: ServiceSpec, place: int, opens: float = 0.0):
        self.channel = channel
        self.place = place
        self.spec = spec
        self.free_at = [opens] * servers  # time each server is next free
        self.queue: deque[tuple[float, int]] = deque()  # (ready time, dispute id), FCFS
        self.transit: list[tuple[float, int]] = []  # heap of cases still being handed over
        self.busy: list[tuple[float, int]] = []  # heap of (finish time, dispute id)
        self.busy_days = 0.0  # server-days worked, for resources spent
        self.speed = 1.0  # work-time multiplier, set by policies and supervision each day
        self.load = Load()

    @property
    def work_time(self) -> WorkTime:
        return self.spec.work_time

    @property
    def handoff_days(self) -> float:
        """Delay before an escalated case reaches the queue (0 for a community's own channels, whose
        spec has none; tested by type, since a missing attribute costs pydantic an exception)."""
        return self.spec.handoff_days if isinstance(self.spec, HandlerSpec) else 0.0

    @property
    def servers(self) -> int:
        return len(self.free_at)

    @property
    def open(self) -> bool:
        return self.servers > 0

    def set_servers(self, n: int, now: float) -> None:
        """Add or remove servers (a removed server finishes its case first)."""
        if n > self.servers:
            self.free_at += [now] * (n - self.servers)
        elif n < self.servers:
            self.free_at = sorted(self.free_at)[:n]

    def submit(self, case: int, ready: float) -> None:
        heapq.heappush(self.transit, (ready, case))

    def take_time_off(self, day: float, staff_days: float) -> None:
        """Staff time spent elsewhere (e.g. reporting for an inspection) delays the next cases."""
        if not self.free_at:
            return
        per_server = staff_days / self.servers
        self.free_at = [max(t, day) + per_server for t in self.free_at]

    def start_reporting(self, new_id: np.ndarray) -> None:
        """The end of the warm-up: its cases renumbered as the book renumbered them (`new_id`
        by old id; the mapping keeps order, so the heaps stay heaps), its counts from zero."""
        self.queue = deque((t, int(new_id[c])) for t, c in self.queue)
        self.transit = [(t, int(new_id[c])) for t, c in self.transit]
        self.busy = [(t, int(new_id[c])) for t, c in self.busy]
        self.busy_days = 0.0
        self.load = Load()

    def _arrive_at_queue(self, item: tuple[float, int]) -> None:
        self.queue.append(item)
        if item[0] >= 0:
            self.load.arrivals += 1

    def _count_work(self, start: float, w: float) -> None:
        if start >= 0:
            self.load.work_days += w
            self.load.started += 1

    def waiting(self) -> list[int]:
        return [c for _, c in self.queue] + [c for _, c in self.transit]

    def remove(self, cases: set[int]) -> None:
        """Drop cases that left the queue (reneged or handed over)."""
        self.queue = deque(x for x in self.queue if x[1] not in cases)
        self.transit = [x for x in self.transit if x[1] not in cases]
        heapq.heapify(self.transit)

    def work(self, day: int, rng: np.random.Generator) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
        """Run the queue through day `day`; returns (started, completed) as (case, time) pairs."""
        if day >= 0:
            self.load.server_days += self.servers
        if not (self.transit or self.queue or self.busy):  # most handlers, most days: nothing to do
            return NOTHING
        end = day + 1.0
        while self.transit and self.transit[0][0] < end:
            self._arrive_at_queue(heapq.heappop(self.transit))
        started = []
        while self.queue and self.free_at:
            s = min(range(len(self.free_at)), key=self.free_at.__getitem__)
            ready, case = self.queue[0]
            start = max(self.free_at[s], ready)
            if start >= end:
                break
            self.queue.popleft()
            w = draw_work_time(rng, self.work_time, self.speed)
            self.free_at[s] = start + w
            self.busy_days += w
            heapq.heappush(self.busy, (start + w, case))
            self._count_work(start, w)
            started.append((case, start))
        completed = []
        while self.busy and self.busy[0][0] < end:
            finish, case = heapq.heappop(self.busy)
            completed.append((case, finish))
        return started, completed

    def hand_over(self) -> list[int]:
        """The cases waiting for this channel (queued or on their way), in queue order, taken out of
        it; cases in service stay and finish."""
        cases = [c for _, c in self.queue] + [c for _, c in sorted(self.transit)]
        self.queue, self.transit = deque(), []
        return cases

    def drain(self) -> list[int]:
        """Close the channel: every case it held, in queue order."""
        cases = [c for _, c in sorted(self.busy)] + [c for _, c in self.queue] + [c for _, c in sorted(self.transit)]
        self.busy, self.queue, self.transit, self.free_at = [], deque(), [], []
        return cases


class PeriodicHandler(Handler):
    """A forum that meets every `interval` days and takes up to `servers` cases per meeting
    (the joint meeting, 联席会议). Cases wait in the queue between meetings."""

    def __init__(self, channel: Channel, servers: int, spec: ServiceSpec, place: int, interval: int, phase: int,
                 opens: float = 0.0):
        super().__init__(channel, servers, spec, place, opens)
        self.interval = interval
        self.phase = phase
        self.meetings = 0

    def meets_on(self, day: int) -> bool:
        return self.servers > 0 and day % self.interval == self.phase

    def work(self, day: int, rng: np.random.Generator):
        meets = self.meets_on(day)
        if meets:
            self.meetings += 1
            if day >= 0:
                self.load.server_days += self.servers
        if not (self.transit or self.queue or self.busy):  # nothing to hear: the meeting is only counted
            return NOTHING
        meeting = day + 0.5
        started = []
        if meets:
            self._arrive(meeting)
            for _ in range(min(self.servers, len(self.queue))):
                _, case = self.queue.popleft()
                w = draw_work_time(rng, self.work_time, self.speed)
                self.busy_days += w
                heapq.heappush(self.busy, (meeting + w, case))
                self._count_work(meeting, w)
                started.append((case, meeting))
        self._arrive(day + 1.0)
        completed = []
        while self.busy and self.busy[0][0] < day + 1.0:
            finish, case = heapq.heappop(self.busy)
            completed.append((case, finish))
        return started, completed

    def start_reporting(self, new_id: np.ndarray) -> None:
        super().start_reporting(new_id)
        self.meetings = 0

    def _arrive(self, until: float) -> None:
        while self.transit and self.transit[0][0] <= until:
            self._arrive_at_queue(heapq.heappop(self.transit))
