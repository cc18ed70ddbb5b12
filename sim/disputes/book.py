"""The dispute book: every dispute as a row of NumPy columns, and the audit log of its events.

Columns grow by doubling so that adding a dispute is cheap; the case log is kept as five typed
`array.array` columns and turned into an Arrow table only when written. They take 19 bytes an
event where lists of Python numbers took about 90 (some 65 MB in a city of a million), for about
30 ns more an append than a list's (well under 1 % of a run).
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from enum import IntEnum
from itertools import repeat

import numpy as np
import pyarrow as pa

from ..mathx import read_only
from .ladder import CATEGORIES, CHANNEL_NAMES, COMMUNITY_CHANNELS, LEVELS, PARTY_NAMES


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


#: notice names by code − Notice.NONE (Notice values run from −1 without gaps)
NOTICE_NAMES = [n.name.lower() for n in Notice]

class _Coded(IntEnum):
    """An integer code with its meaning in words (for the codebook, docs/outputs.md)."""

    def __new__(cls, value: int, meaning: str):
        member = int.__new__(cls, value)
        member._value_ = value
        member.meaning = meaning
        return member


class Event(_Coded):
    """What happened to a dispute: one row of the case log each."""

    ARISE = 0, "the dispute arises; nobody is acting on it yet (latent)"
    NEGOTIATE = 1, "the parties start a bilateral negotiation (双方协商)"
    NOTICE = 2, "an institution learns of it; the detail says how"
    ROUTE = 3, "sent to a channel; the detail says why"
    MISROUTE = 4, "sent to the wrong desk first; it reaches the right one later"
    ENQUEUE = 5, "reaches its handler's queue"
    START = 6, "a handler starts working on it"
    RESOLVE = 7, "resolved (closes the dispute)"
    FAIL = 8, "the channel concluded it without resolving it"
    ESCALATE = 9, "the complainant takes it one rung up the ladder"
    ABANDON = 10, "the complainant gives up after someone acted on it (closes the dispute)"
    LUMP = 11, "given up before anyone acted: the base of the dispute pyramid (closes the dispute)"
    HANDOVER = 12, "its handler retired; the case is passed on"


class Detail(_Coded):
    """Why or how an event happened, where the event alone does not say."""

    NONE = 0, "no detail"
    REPORTED = 1, "notice, route: the complainant reported it"
    GRID_WORKER = 2, "notice, route: found on a grid worker's patrol (网格员)"
    RED_CELL = 3, "notice, route: noticed by a red-cell (party-member) volunteer in the building (红色细胞)"
    ON_THE_SPOT = 4, "route: a grid worker settles a small dispute on the spot"
    RED_CELL_HELPS = 5, "negotiate: a red-cell volunteer helps the parties talk"
    ESCALATED = 6, "route: arrives one rung up after an escalation"
    HANDOVER = 7, "route: passed on after its handler retired"
    GAVE_UP_WAITING = 8, "abandon: left a queue it had waited in"
    NO_CHANNEL = 9, "abandon: no channel left open to it"
    WRONG_DESK = 10, "misroute: sent to the wrong desk first"
    PROPERTY_COMPANY_LEFT = 11, "handover: the property company left the community"
    CHOSEN = 12, ("notice, route, negotiate, escalate, lump, abandon: decided by a person playing the complainant "
                  "(a classroom's resident household, sim.disputes.choices)")


EVENT_NAMES = [e.name.lower() for e in Event]
DETAIL_NAMES = [d.name.lower() for d in Detail]
#: the events that close a dispute; each dispute has at most one
TERMINAL_EVENTS = (Event.RESOLVE, Event.ABANDON, Event.LUMP)
#: how a dispute was noticed, as the detail of its notice event
NOTICE_DETAIL = {Notice.REPORTED: Detail.REPORTED, Notice.GRID_WORKER: Detail.GRID_WORKER, Notice.RED_CELL: Detail.RED_CELL}

@dataclass(frozen=True)
class Step:
    """One event of one dispute's journey (a row of the case log)."""

    time: float  # days since the start; fractions are times of day
    event: Event
    channel: int  # a Channel, or -1 where the event has none
    detail: Detail


#: the case log's columns (case_log.parquet), in order: name → meaning
CASE_LOG_COLUMNS = {
    "dispute_id": "the dispute (a row of cases.parquet)",
    "time": "when, in days since day 0, the end of the warm-up (fractions are times of day; negative: during the "
            "warm-up, in the history of a dispute carried in)",
    "day": "the day it happened on: floor(time), 0 = the first reported day",
    "event": "what happened (the events below)",
    "channel": "the channel it happened at (the channels below); empty for arise, lump before any channel, notice",
    "community": "the dispute's community",
    "detail": "why or how (the details below); empty where the event says it all",
}
#: the cases table's columns (cases.parquet), in order: name → meaning
CASE_COLUMNS = {
    "dispute_id": "the dispute, numbered in the order disputes arose from 0 (those carried in from the warm-up first)",
    "community": "its community",
    "category": "its category (family, noise_neighbour, property_service, ...)",
    "party_type": "who it is between",
    "severity": "how serious, 0..1 (Beta-distributed)",
    "complainant": "the resident who brings it (an index of the population; Resident agent order)",
    "arisen_day": "the day it arose (negative: during the warm-up; the dispute was open at day 0, carried in)",
    "noticed_time": "when an institution first learned of it (days; empty if never)",
    "notice": "how it was first noticed (none, reported, grid_worker, red_cell, negotiated)",
    "status": "its status at the end: latent, negotiating, waiting, in_service, resolved, abandoned",
    "last_channel": "the last channel it was at (empty if none)",
    "resolved_channel": "where it was resolved (empty unless resolved)",
    "closed_time": "when it was resolved, abandoned or lumped (days; empty while open)",
    "escalations": "times the complainant took it one rung up",
    "highest_rung": "the highest rung it reached: 0 negotiation, 1 community desk, 2 joint meeting or professionals, "
                    "3 street, 4 district or city hotline, 5 court (−1 never acted on)",
    "misroutes": "times it was sent to the wrong desk first",
}

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
#: what a new dispute holds in the columns `add` is not given: rows are made with these values
#: (`_blank`), so adding a dispute writes only what is its own
_NEW = {"noticed_time": np.nan, "notice": Notice.NONE, "status": Status.LATENT, "channel": -1, "rung": -1,
        "closed_time": np.nan, "resolved_channel": -1, "escalations": 0, "highest_rung": -1, "misroutes": 0,
        "act_time": np.nan, "ready_time": np.nan}


class Tallies:
    """Disputes counted by community as they are noticed (`DisputeBook.mark_noticed`) and closed
    (`DisputeBook.close`), so the daily metrics over them (resolution rate, community share, mean
    days to resolution and to notice) add a few numbers instead of scanning the whole book each
    day. Being noticed and being closed happen once to a dispute, so the counts only grow."""

    def __init__(self, communities: int):
        self.noticed = [0] * communities
        self.days_to_notice = [0.0] * communities  # summed over the noticed
        self.resolved = [0] * communities
        self.abandoned_after_acting = [0] * communities  # abandoned once someone acted (not lumped)
        self.resolved_noticed = [0] * communities  # resolved, and an institution knew of it
        self.resolved_noticed_in_community = [0] * communities  # ... by a channel inside the community
        self.days_to_resolution = [0.0] * communities  # summed over the resolved

    def count_noticed(self, community: int, days: float) -> None:
        """A dispute of `community` noticed `days` after it arose."""
        self.noticed[community] += 1
        self.days_to_notice[community] += days

    def total(self, tally: str, communities: range | list[int]) -> float:
        counts = getattr(self, tally)
        return sum(counts) if len(communities) == len(counts) else sum(counts[c] for c in communities)


class DisputeBook:
    """All disputes of a run, with running counters the metrics read each day."""

    def __init__(self, communities: int = 1, capacity: int = 1024):
        self.n = 0
        self.communities = communities
        self.tallies = Tallies(communities)
        self.carried_in = 0  # disputes open at the end of the warm-up (the first rows)
        self._cap = capacity
        self.cols = {k: np.empty(capacity, dtype=t) for k, t in _COLUMNS.items()}
        self._readonly = {k: read_only(column) for k, column in self.cols.items()}  # what the views slice
        self._blank(0, capacity)
        self._views()
        self.log_id = array("q")  # dispute
        self.log_time = array("d")
        self.log_event = array("b")  # Event
        self.log_channel = array("b")  # Channel, -1: none
        self.log_detail = array("b")  # Detail
        self.new_day()

    def new_day(self) -> None:
        #: events of the current day by Event, and escalations by the level they reached (LEVELS);
        #: lists, since a case's every event counts itself here
        self.today = [0] * len(Event)
        self.escalated_today = [0] * len(LEVELS)

    # ----------------------------------------------------------------------------------------
    def add(self, community: int | np.ndarray, category: np.ndarray, party_type: np.ndarray,
            severity: np.ndarray, complainant: np.ndarray, day: int) -> np.ndarray:
        """Append new latent disputes (of one `community`, or each of its own); returns their ids."""
        k = len(category)
        if self.n + k > self._cap:
            self._grow(self.n + k)
        ids = np.arange(self.n, self.n + k)
        new = slice(self.n, self.n + k)  # the same rows as ids, written faster
        c = self.cols
        c["community"][new] = community
        c["category"][new] = category
        c["party_type"][new] = party_type
        c["severity"][new] = severity
        c["complainant"][new] = complainant
        c["arisen_day"][new] = day
        self.n += k
        self._views()
        # their arise events, as k calls of `log` would write them
        self.log_id.extend(range(new.start, new.stop))
        self.log_time.extend(repeat(float(day), k))
        self.log_event.extend(repeat(int(Event.ARISE), k))
        self.log_channel.extend(repeat(-1, k))
        self.log_detail.extend(repeat(int(Detail.NONE), k))
        self.today[int(Event.ARISE)] += k
        return ids

    def _views(self) -> None:
        """`book.<column>` (`book.status`, `book.community`, ...): each column for every dispute so
        far, a read-only view, set again whenever the book grows. Attributes, not properties: the
        dispute process reads them tens of thousands of times a day, and a property's call and
        slice cost three times the read. Writes go through `cols` (`set`, `close`)."""
        n = self.n
        for name, column in self._readonly.items():
            self.__dict__[name] = column[:n]  # a slice of a read-only view is read-only

    def _blank(self, start: int, stop: int) -> None:
        """Rows start..stop as a new dispute's (`_NEW`), ready to be added."""
        for name, value in _NEW.items():
            self.cols[name][start:stop] = value

    def _grow(self, need: int) -> None:
        while self._cap < need:
            self._cap *= 2
        for k, arr in self.cols.items():
            new = np.empty(self._cap, dtype=arr.dtype)
            new[: self.n] = arr[: self.n]
            self.cols[k] = new
            self._readonly[k] = read_only(new)
        self._blank(self.n, self._cap)

    def set(self, i: int, **values) -> None:
        for k, v in values.items():
            self.cols[k][i] = v

    def log(self, i: int, time: float, event: Event, channel: int = -1, detail: Detail = Detail.NONE) -> None:
        self.log_id.append(i)
        self.log_time.append(time)
        event = int(event)
        self.log_event.append(event)
        self.log_channel.append(int(channel))
        self.log_detail.append(int(detail))
        self.today[event] += 1

    def mark_noticed(self, i: int, time: float, how: Notice, detail: Detail) -> None:
        """An institution learns of dispute `i` (reported, or found by a grid worker or red cell)."""
        c = self.cols
        c["noticed_time"][i] = time
        c["notice"][i] = how
        self.log(i, time, Event.NOTICE, -1, detail)
        self.tallies.count_noticed(int(c["community"][i]), time - int(c["arisen_day"][i]))

    def close(self, i: int, time: float, status: Status, channel: int, detail: Detail = Detail.NONE) -> None:
        """Resolve or abandon a dispute. Abandoning one nobody ever acted on is lumping it."""
        c = self.cols
        c["status"][i] = status
        c["closed_time"][i] = time
        c["act_time"][i] = np.nan
        tally, community = self.tallies, int(c["community"][i])
        if status == Status.RESOLVED:
            c["resolved_channel"][i] = channel
            self.log(i, time, Event.RESOLVE, channel, detail)
            tally.resolved[community] += 1
            tally.days_to_resolution[community] += time - int(c["arisen_day"][i])
            if c["noticed_time"][i] == c["noticed_time"][i]:  # not NaN: noticed
                tally.resolved_noticed[community] += 1
                tally.resolved_noticed_in_community[community] += channel in COMMUNITY_CHANNELS
        elif int(c["notice"][i]) == Notice.NONE:
            self.log(i, time, Event.LUMP, channel, detail)
        else:
            self.log(i, time, Event.ABANDON, channel, detail)
            tally.abandoned_after_acting[community] += 1

    @property
    def version(self) -> tuple[int, int]:
        """Changes whenever a dispute is added or an event logged (every change of state is
        logged), so what is computed from the book can be kept until it changes."""
        return self.n, len(self.log_id)

    def log_arrays(self) -> dict[str, np.ndarray]:
        """The events of the reported days (time >= 0: not the warm-up history of the disputes
        carried in) as NumPy arrays (id, time, event, channel, detail), kept until the log grows."""
        cached = self.__dict__.get("_log_arrays")
        if cached is None or cached[0] != len(self.log_id):
            arrays = {"id": _copy(self.log_id), "time": _copy(self.log_time), "event": _copy(self.log_event, np.int64),
                      "channel": _copy(self.log_channel, np.int64), "detail": _copy(self.log_detail, np.int64)}
            if self.carried_in:
                reported = arrays["time"] >= 0
                arrays = {k: v[reported] for k, v in arrays.items()}
            self.__dict__["_log_arrays"] = cached = (len(self.log_id), arrays)
        return cached[1]

    def journey(self, i: int) -> tuple[Step, ...]:
        """Everything that happened to dispute `i`, in order: its rows of the case log, with its
        history from the warm-up (negative times) if it was carried in."""
        rows = np.flatnonzero(_copy(self.log_id) == i)
        return tuple(Step(self.log_time[k], Event(self.log_event[k]), self.log_channel[k], Detail(self.log_detail[k]))
                     for k in rows)

    def carry_over(self) -> np.ndarray:
        """The end of the warm-up: keep only the disputes still open, a stock carried into the
        reported days, renumbered in order, with their case log (its events before day 0 are their
        history); returns the new id of every old one (−1: closed during the warm-up, dropped)."""
        keep = np.flatnonzero(self.status < Status.RESOLVED)
        new_id = np.full(self.n, -1, dtype=np.int64)
        new_id[keep] = np.arange(len(keep))
        for arr in self.cols.values():
            arr[: len(keep)] = arr[keep]
        self._blank(len(keep), self.n)
        self.n = self.carried_in = len(keep)
        self._views()
        # every closed dispute is dropped; the open ones noticed in the warm-up stay noticed
        self.tallies = Tallies(self.communities)
        for i in np.flatnonzero(self.noticed_time == self.noticed_time).tolist():
            self.tallies.count_noticed(int(self.community[i]), float(self.noticed_time[i]) - int(self.arisen_day[i]))
        ids = new_id[_copy(self.log_id)]
        kept = np.flatnonzero(ids >= 0)
        self.log_id = array("q", ids[kept].tobytes())
        for name in ("log_time", "log_event", "log_channel", "log_detail"):
            column = getattr(self, name)
            setattr(self, name, array(column.typecode, _copy(column)[kept].tobytes()))
        self.__dict__.pop("_log_arrays", None)
        self.__dict__.pop("_scope", None)
        return new_id

    # ----------------------------------------------------------------------------------------
    def with_status(self, *statuses: Status) -> np.ndarray:
        s = self.status  # compared with plain ints: NumPy compares an IntEnum several times slower
        if len(statuses) == 1:
            return (s == int(statuses[0])).nonzero()[0]  # the method: np.flatnonzero's layers cost more than the scan
        mask = np.zeros(self.n, dtype=bool)
        for st in statuses:
            mask |= s == int(st)
        return mask.nonzero()[0]

    def event_table(self, community_names: list[str]) -> pa.Table:
        """The case log: one row per event, in the order events happened."""
        ids, time = _copy(self.log_id), _copy(self.log_time)
        comm = self.cols["community"][ids] if len(ids) else np.empty(0, dtype=np.int32)
        table = pa.table({
            "dispute_id": ids,
            "time": pa.array(time),
            "day": pa.array(np.floor(time).astype(np.int32)),
            "event": _names(self.log_event, EVENT_NAMES),
            "channel": _names(self.log_channel, CHANNEL_NAMES),
            "community": _names(comm, community_names),
            "detail": _names(self.log_detail, DETAIL_NAMES, missing=Detail.NONE),
        })
        return table

    def case_table(self, community_names: list[str]) -> pa.Table:
        """One row per dispute with its final state (open cases show their current status)."""
        n = self.n

        def names(col: str, vocab: list[str]) -> pa.Array:
            return _names(self.cols[col][:n], vocab)

        table = pa.table({
            "dispute_id": np.arange(n, dtype=np.int64),
            "community": _names(self.community, community_names),
            "category": names("category", list(CATEGORIES)),
            "party_type": names("party_type", PARTY_NAMES),
            "severity": self.severity.copy(),
            "complainant": self.complainant.copy(),
            "arisen_day": self.arisen_day.copy(),
            "noticed_time": self.noticed_time.copy(),
            "notice": _names(self.notice - int(Notice.NONE), NOTICE_NAMES),
            "status": names("status", STATUS_NAMES),
            "last_channel": names("channel", CHANNEL_NAMES),
            "resolved_channel": names("resolved_channel", CHANNEL_NAMES),
            "closed_time": self.closed_time.copy(),
            "escalations": self.escalations.copy(),
            "highest_rung": self.highest_rung.copy(),
            "misroutes": self.misroutes.copy(),
        })
        return table


def _copy(column: array, dtype=None) -> np.ndarray:
    """A column of the case log as a NumPy array of its own: a view would hold the `array.array`'s
    buffer, and the log could not grow while it lived."""
    return np.array(column, dtype=dtype)


def _names(codes, vocabulary: list[str], *, missing: int = -1) -> pa.Array:
    """Integer codes as a dictionary-encoded string column over `vocabulary`; `missing` is null."""
    codes = np.asarray(codes, dtype=np.int32)
    return pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes == missing), pa.array(vocabulary, type=pa.string()))
