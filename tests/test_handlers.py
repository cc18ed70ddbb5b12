"""Handlers are first-come-first-served queues with finite servers; delay emerges from capacity."""

import numpy as np
import pytest

from sim.disputes.handlers import Handler, PeriodicHandler, draw_work_time
from sim.disputes.ladder import Channel
from sim.scenario.schema import ServiceSpec, WorkTime


def run_queue(handler, days, rng):
    starts, ends = {}, {}
    for day in range(days):
        started, completed = handler.work(day, rng)
        starts.update(dict(started))
        ends.update(dict(completed))
    return starts, ends


def test_first_come_first_served_and_never_more_than_servers_at_once():
    rng = np.random.default_rng(0)
    h = Handler(Channel.MEDIATION, 2, ServiceSpec(work_time=WorkTime(distribution="fixed", mean_days=1.5), base_success=0.5), place=0)
    for case in range(6):
        h.submit(case, ready=0.1 * case)
    starts, ends = run_queue(h, 10, rng)
    assert [c for c, _ in sorted(starts.items(), key=lambda kv: kv[1])] == list(range(6))
    times = sorted([(t, +1) for t in starts.values()] + [(t, -1) for t in ends.values()], key=lambda x: (x[0], x[1]))
    busy = np.cumsum([d for _, d in times])
    assert busy.max() == 2
    assert ends[5] == pytest.approx(starts[5] + 1.5)


def test_waiting_grows_when_arrivals_exceed_capacity():
    def mean_wait(servers):
        rng = np.random.default_rng(1)
        h = Handler(Channel.MEDIATION, servers, ServiceSpec(work_time=WorkTime(mean_days=2.0), base_success=0.5), place=0)
        arrivals = np.cumsum(rng.exponential(1.0, size=200))  # one case a day
        for case, t in enumerate(arrivals):
            h.submit(case, ready=t)
        starts, _ = run_queue(h, 400, rng)
        return np.mean([starts[c] - arrivals[c] for c in starts])

    assert mean_wait(1) > 5 * mean_wait(4)  # overloaded (ρ = 2) vs comfortable (ρ = 0.5)


def test_handoff_delays_arrival():
    h = Handler(Channel.STREET, 1, ServiceSpec(work_time=WorkTime(distribution="fixed", mean_days=1.0), base_success=0.5), place=0)
    h.submit(7, ready=3.5)
    rng = np.random.default_rng(0)
    starts, _ = run_queue(h, 6, rng)
    assert starts[7] == pytest.approx(3.5)


def test_joint_meeting_takes_cases_only_on_meeting_days_up_to_capacity():
    h = PeriodicHandler(Channel.JOINT_MEETING, 3, ServiceSpec(work_time=WorkTime(distribution="fixed", mean_days=1.0), base_success=0.5), place=0, interval=10, phase=4)
    for case in range(5):
        h.submit(case, ready=0.0)
    starts, _ = run_queue(h, 20, np.random.default_rng(0))
    assert sorted(int(t) for t in starts.values()) == [4, 4, 4, 14, 14]


@pytest.mark.parametrize("dist", ["exponential", "lognormal", "gamma", "fixed"])
def test_work_time_distributions_have_the_configured_mean(dist):
    rng = np.random.default_rng(3)
    spec = WorkTime(distribution=dist, mean_days=4.0, cv=0.5)
    draws = np.array([draw_work_time(rng, spec) for _ in range(20000)])
    assert draws.mean() == pytest.approx(4.0, rel=0.03)
    if dist == "fixed":
        assert draws.std() == 0


def test_time_off_delays_the_next_case():
    h = Handler(Channel.MEDIATION, 1, ServiceSpec(work_time=WorkTime(distribution="fixed", mean_days=1.0), base_success=0.5), place=0)
    h.take_time_off(0, staff_days=2.0)
    h.submit(1, ready=0.0)
    starts, _ = run_queue(h, 5, np.random.default_rng(0))
    assert starts[1] == pytest.approx(2.0)
