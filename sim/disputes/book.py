"""The dispute book: every dispute as a row of NumPy columns, and the audit log of its events.

Columns grow by doubling so that adding a dispute is cheap; the case log is kept as plain Python
lists (a few events per dispute) and turned into an Arrow table only when written.
"""

from __future__ import annotations

from collections import Counter
from enum import IntEnum

import numpy as np
import pyarrow as pa

from .ladder import CATEGORIES, CHANNEL_NAMES, PARTY_NAMES


class Status(IntEnum):
    LATENT = 0  # arisen, nobody acting yet
    NEGOTIATING = 1  # bilateral negotiation under way
    WAITING = 2  # on its way to, or queued at, a handler
    IN_SERVICE = 3  # being worked by a handler
    RESOLVED = 4
    ABANDONED = 5


STATUS_NAMES = [s.name.lower() for s in Status]
OPEN_STATUSES = (Status.LATENT, Status.NEGOTIATING, Status.WAITING, Status.IN_SERVICE)


class Notice(IntEnum):
    """How a dispute first came to the attention of anyone but its parties."""

    NONE = -1
    REPORTED = 0  # the resident reported it
    GRID_WORKER = 1  # found on a grid patrol
    RED_CELL = 2  # noticed by a party-member volunteer in the building
    NEGOTIATED = 3  # the parties acted on it themselves (bilateral negotiation)


NOTICE_NAMES = {n.value: n.name.lower() for n in Notice}

EVENTS = (
    "arise", "negotiate", "notice", "route", "misroute", "enqueue", "start",
    "resolve", "fail", "escalate", "abandon", "lump", "handover",
)
#: the events that close a dispute; each dispute has at most one
TERMINAL_EVENTS = ("resolve", "abandon", "lump")
EVENT_CODE = {e: i for i, e in enumerate(EVENTS)}

_COLUMNS = {
    "community": np.int32,
    "category": np.int8,
    "party_type": np.int8,
    "severity": np.float64,
    "complainant": np.int64,
    "arisen_day": np.int32,
    "noticed_time": np.float64,  # NaN until noticed
    "notice": np.int8,
    "status": np.int8,
    "channel": np.int8,  # current or last channel; -1 before any
    "rung": np.int8,
    "closed_time": np.float64,  # NaN while open
    "resolved_channel": np.int8,  # -1 unless resolved
    "escalations": np.int16,
    "highest_rung": np.int8,
    "misroutes": np.int8,
    "act_time": np.float64,  # when the current bilateral negotiation concludes
    "ready_time": np.float64,  # when the case reached (or will reach) its handler's queue
}


class DisputeBook:
    """All disputes of a run, with running counters the metrics read each day."""

    def __init__(self, capacity: int = 1024):
        self.n = 0
        self._cap = capacity
        self.cols = {k: np.empty(capacity, dtype=t) for k, t in _COLUMNS.items()}
        self.log_id: list[int] = []
        self.log_time: list[float] = []
        self.log_event: list[int] = []
        self.log_channel: list[int] = []
        self.log_detail: list[str] = []
        self.today: Counter[str] = Counter()  # events of the current day, for the daily series

    def __getattr__(self, name: str) -> np.ndarray:
        cols = self.__dict__.get("cols")
        if cols is not None and name in cols:
            return cols[name][: self.n]
        raise AttributeError(name)

    # ----------------------------------------------------------------------------------------
    def add(self, community: np.ndarray, category: np.ndarray, party_type: np.ndarray,
            severity: np.ndarray, complainant: np.ndarray, day: int) -> np.ndarray:
        """Append new latent disputes; returns their ids."""
        k = len(community)
        if self.n + k > self._cap:
            self._grow(self.n + k)
        ids = np.arange(self.n, self.n + k)
        c = self.cols
        c["community"][ids] = community
        c["category"][ids] = category
        c["party_type"][ids] = party_type
        c["severity"][ids] = severity
        c["complainant"][ids] = complainant
        c["arisen_day"][ids] = day
        c["noticed_time"][ids] = np.nan
        c["notice"][ids] = Notice.NONE
        c["status"][ids] = Status.LATENT
        c["channel"][ids] = -1
        c["rung"][ids] = -1
        c["closed_time"][ids] = np.nan
        c["resolved_channel"][ids] = -1
        c["escalations"][ids] = 0
        c["highest_rung"][ids] = -1
        c["misroutes"][ids] = 0
        c["act_time"][ids] = np.nan
        c["ready_time"][ids] = np.nan
        self.n += k
        for i in ids:
            self.log(int(i), float(day), "arise", -1, CATEGORIES[int(category[i - ids[0]])])
        return ids

    def _grow(self, need: int) -> None:
        while self._cap < need:
            self._cap *= 2
        for k, arr in self.cols.items():
            new = np.empty(self._cap, dtype=arr.dtype)
            new[: self.n] = arr[: self.n]
            self.cols[k] = new

    def set(self, i: int, **values) -> None:
        for k, v in values.items():
            self.cols[k][i] = v

    def log(self, i: int, time: float, event: str, channel: int = -1, detail: str = "") -> None:
        self.log_id.append(i)
        self.log_time.append(time)
        self.log_event.append(EVENT_CODE[event])
        self.log_channel.append(channel)
        self.log_detail.append(detail)
        self.today[event] += 1

    def close(self, i: int, time: float, status: Status, channel: int, detail: str = "") -> None:
        """Resolve or abandon a dispute. Abandoning one nobody ever acted on is lumping it."""
        c = self.cols
        c["status"][i] = status
        c["closed_time"][i] = time
        c["act_time"][i] = np.nan
        if status == Status.RESOLVED:
            c["resolved_channel"][i] = channel
            self.log(i, time, "resolve", channel, detail)
        else:
            self.log(i, time, "lump" if c["notice"][i] == Notice.NONE else "abandon", channel, detail)

    # ----------------------------------------------------------------------------------------
    def with_status(self, *statuses: Status) -> np.ndarray:
        s = self.status
        mask = np.zeros(self.n, dtype=bool)
        for st in statuses:
            mask |= s == st
        return np.flatnonzero(mask)

    def event_table(self, community_names: list[str]) -> pa.Table:
        """The case log: one row per event, in the order events happened."""
        ids = np.asarray(self.log_id, dtype=np.int64)
        comm = self.cols["community"][ids] if len(ids) else np.empty(0, dtype=np.int32)
        channel = np.asarray(self.log_channel, dtype=np.int64)
        return pa.table({
            "dispute_id": ids,
            "time": pa.array(np.asarray(self.log_time, dtype=np.float64)),
            "day": pa.array(np.floor(np.asarray(self.log_time, dtype=np.float64)).astype(np.int32)),
            "event": pa.array([EVENTS[e] for e in self.log_event], type=pa.string()).dictionary_encode(),
            "channel": pa.array([CHANNEL_NAMES[c] if c >= 0 else None for c in channel], type=pa.string()).dictionary_encode(),
            "community": pa.array([community_names[c] for c in comm], type=pa.string()).dictionary_encode(),
            "detail": pa.array(self.log_detail, type=pa.string()),
        })

    def case_table(self, community_names: list[str]) -> pa.Table:
        """One row per dispute with its final state (open cases show their current status)."""
        n = self.n

        def names(col: str, vocab: list[str]) -> pa.Array:
            v = self.cols[col][:n]
            return pa.array([vocab[x] if x >= 0 else None for x in v], type=pa.string()).dictionary_encode()

        return pa.table({
            "dispute_id": np.arange(n, dtype=np.int64),
            "community": pa.array([community_names[c] for c in self.community], type=pa.string()).dictionary_encode(),
            "category": names("category", list(CATEGORIES)),
            "party_type": names("party_type", PARTY_NAMES),
            "severity": self.severity.copy(),
            "complainant": self.complainant.copy(),
            "arisen_day": self.arisen_day.copy(),
            "noticed_time": self.noticed_time.copy(),
            "notice": pa.array([NOTICE_NAMES[x] for x in self.notice], type=pa.string()).dictionary_encode(),
            "status": names("status", STATUS_NAMES),
            "last_channel": names("channel", CHANNEL_NAMES),
            "resolved_channel": names("resolved_channel", CHANNEL_NAMES),
            "closed_time": self.closed_time.copy(),
            "escalations": self.escalations.copy(),
            "highest_rung": self.highest_rung.copy(),
            "misroutes": self.misroutes.copy(),
        })
