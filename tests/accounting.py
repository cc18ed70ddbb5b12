"""The dispute lifecycle's books, checked on a finished model (shared by test_scenarios and
test_timeline):

* every dispute in the book ends in exactly one of resolved / abandoned / open;
* the summary's counts add up: resolved + abandoned + lumped + open == arisen + carried in (the
  disputes open at day 0, a stock carried in from the warm-up: they arose before day 0), and the
  book holds exactly those: the ones carried in first, every one of them open at day 0;
* in the case log each dispute has exactly one `arise`, at most one terminal event (`resolve` or
  `abandon`) and a terminal event iff its status is resolved or abandoned, matching that status;
  no event precedes its dispute's `arise`, and none follows its terminal event.
"""

from __future__ import annotations

import numpy as np
import pyarrow.compute as pc

from sim.disputes.book import OPEN_STATUSES, Status
from sim.metrics.definitions import summary


def check_books(model) -> None:
    every_dispute_ends_in_exactly_one_state(model)
    summary_counts_add_up(model)
    case_log_lifecycle(model)


def every_dispute_ends_in_exactly_one_state(model) -> None:
    b = model.disputes.book
    assert b.n > 0, "no dispute arose: the accounting checks would be vacuous"
    resolved = b.status == Status.RESOLVED
    abandoned = b.status == Status.ABANDONED
    open_ = np.isin(b.status, [int(s) for s in OPEN_STATUSES])
    states = resolved.astype(int) + abandoned.astype(int) + open_.astype(int)
    bad = np.flatnonzero(states != 1)
    assert len(bad) == 0, f"disputes {bad[:10].tolist()} have status {b.status[bad[:10]].tolist()}"
    # closed disputes have a closing time, open ones do not
    assert not np.isnan(b.closed_time[resolved | abandoned]).any()
    assert np.isnan(b.closed_time[open_]).all()


def summary_counts_add_up(model) -> None:
    s = summary(model)
    parts = s["disputes_resolved"] + s["disputes_abandoned"] + s["disputes_lumped"] + s["disputes_open"]
    assert parts == s["disputes_arisen"] + s["disputes_carried_in"], s
    b = model.disputes.book
    assert s["disputes_arisen"] + s["disputes_carried_in"] == b.n
    carried = b.arisen_day < 0
    assert s["disputes_carried_in"] == b.carried_in and carried[: b.carried_in].all() and not carried[b.carried_in:].any()
    # nothing carried in had closed before day 0; nothing that arose after day 0 did anything before it
    assert not (b.closed_time[carried] < 0).any()
    if model.config.run.warmup_days:
        log = b.event_table(model.geography.names)
        early = log.column("time").to_numpy() < 0
        assert np.isin(log.column("dispute_id").to_numpy()[early], np.flatnonzero(carried)).all()


def case_log_lifecycle(model) -> None:
    b = model.disputes.book
    log = model.disputes.book.event_table(model.geography.names)
    assert {"dispute_id", "time", "event"} <= set(log.column_names)
    ids = log.column("dispute_id").to_numpy()
    times = log.column("time").to_numpy()
    events = pc.cast(log.column("event"), "string").to_numpy(zero_copy_only=False)
    n = b.n
    assert ids.min() >= 0 and ids.max() < n

    # exactly one `arise` per dispute, at the day the book records
    is_arise = events == "arise"
    arise_count = np.bincount(ids[is_arise], minlength=n)
    assert (arise_count == 1).all(), f"disputes without exactly one arise: {np.flatnonzero(arise_count != 1)[:10].tolist()}"
    arise_time = np.empty(n)
    arise_time[ids[is_arise]] = times[is_arise]
    assert np.array_equal(arise_time, b.arisen_day.astype(float))

    # at most one terminal event, present iff the status is closed, and of the matching kind
    # (lumping is abandoning a dispute nobody ever acted on)
    is_resolve, is_abandon = events == "resolve", (events == "abandon") | (events == "lump")
    n_resolve = np.bincount(ids[is_resolve], minlength=n)
    n_abandon = np.bincount(ids[is_abandon], minlength=n)
    terminal = n_resolve + n_abandon
    assert terminal.max() <= 1, f"disputes with several terminal events: {np.flatnonzero(terminal > 1)[:10].tolist()}"
    closed = (b.status == Status.RESOLVED) | (b.status == Status.ABANDONED)
    assert np.array_equal(terminal == 1, closed), (
        f"terminal event without closed status or vice versa: {np.flatnonzero((terminal == 1) != closed)[:10].tolist()}")
    assert np.array_equal(n_resolve == 1, b.status == Status.RESOLVED)
    assert np.array_equal(n_abandon == 1, b.status == Status.ABANDONED)

    # no event before its dispute arose
    early = times < arise_time[ids]
    assert not early.any(), f"events before arise: {list(zip(ids[early][:5], events[early][:5], times[early][:5]))}"

    # nothing happens after the terminal event, which is at the recorded closing time
    is_term = is_resolve | is_abandon
    close_time = np.full(n, np.inf)
    close_time[ids[is_term]] = times[is_term]
    assert np.array_equal(close_time[closed], b.closed_time[closed])
    late = times > close_time[ids]
    assert not late.any(), f"events after the terminal event: {list(zip(ids[late][:5], events[late][:5], times[late][:5]))}"
