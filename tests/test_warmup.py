"""The warm-up (run.warmup_days): the model runs before day 0 without recording, and starts the
reported days where its queues, trust and open disputes really sit; a run whose inputs do not
change is then stationary (year 1 and year 3 agree), and `cogov run` says when a run is not."""

from __future__ import annotations

import json

import numpy as np
import pytest

from accounting import check_books
from sim.cli import main
from sim.experiments.stats import mean_ci
from sim.metrics.definitions import Period, summary
from sim.metrics.periods import in_period, periods_table
from sim.metrics.registry import METRICS
from sim.metrics.stationarity import trend_of
from sim.model import CoGovModel

SMALL = {"site.households": 300}


def test_the_warm_up_is_run_but_not_recorded_and_day_0_starts_from_its_end():
    m = CoGovModel(rng=3, days=40, overrides={**SMALL, "run.warmup_days": 200})
    assert m.day == 0 and m.config.run.warmup_days == 200
    assert len(m.datacollector.model_vars["backlog"]) == 0, "nothing is recorded before day 0"
    b = m.disputes.book
    assert b.carried_in > 0 and (b.arisen_day < 0).sum() == b.carried_in
    assert (b.status[: b.carried_in] < 4).all(), "only disputes open at day 0 are carried in"
    assert b.arisen_day.min() >= -200
    m.run()
    s = summary(m)
    assert len(m.datacollector.model_vars["backlog"]) == 40 and s["days"] == 40
    assert s["disputes_carried_in"] == b.carried_in
    assert s["disputes_arisen"] == int((b.arisen_day >= 0).sum()) > 0
    assert s["staff_hours"] == pytest.approx(8 * sum(h.busy_days for h in m.disputes.all_handlers()))
    # the log-based figures count only reported events
    log = b.log_arrays()
    assert (log["time"] >= 0).all() and len(log["time"]) < len(b.log_time)
    assert list(periods_table(m)["start_day"]) == [0, 30]
    check_books(m)


def test_the_state_at_day_0_is_the_warmed_up_one():
    """From an empty start the backlog at day 0 is zero; after a warm-up it is the backlog the
    system carries (at least a few cases on this site), and trust has moved off its initial draw."""
    cold = CoGovModel(rng=5, days=1, overrides={**SMALL, "run.warmup_days": 0})
    warm = CoGovModel(rng=5, days=1, overrides={**SMALL, "run.warmup_days": 365})
    backlog = METRICS["backlog"].compute
    assert backlog(cold) == 0 and backlog(warm) >= 3
    assert cold.disputes.book.n == 0 and warm.disputes.book.carried_in >= 3


def test_timeline_days_count_from_the_end_of_the_warm_up():
    """An entry on day 20 applies on the 21st reported day, whatever the warm-up."""
    entry = [{"day": 20, "set": {"policies.grid_management.enabled": True}}]
    for warmup in (0, 90):
        m = CoGovModel(rng=1, days=25, overrides={**SMALL, "run.warmup_days": warmup, "timeline": entry})
        for _ in range(20):
            m.step()
        assert not m.grid_workers, f"warm-up {warmup}: applied before day 20"
        m.step()
        assert m.grid_workers, f"warm-up {warmup}: not applied on day 20"


def test_same_scenario_and_seed_give_the_same_run_with_a_warm_up():
    a = CoGovModel(rng=11, days=30, overrides={**SMALL, "run.warmup_days": 60})
    b = CoGovModel(rng=11, days=30, overrides={**SMALL, "run.warmup_days": 60})
    a.run(), b.run()
    assert json.dumps(summary(a), sort_keys=True) == json.dumps(summary(b), sort_keys=True)


def _years(scenario: str, replicates: int, overrides: dict | None = None) -> dict[str, tuple[tuple, tuple]]:
    """Every headline period metric over year 1 and over year 3: (mean, 95 % CI low, high, n) of
    each over the replicates."""
    years: dict[str, tuple[list, list]] = {name: ([], []) for name in METRICS.headline()}
    for seed in range(1, replicates + 1):
        m = CoGovModel(scenario=scenario, rng=seed, days=3 * 365, overrides={"site.households": 500, **(overrides or {})},
                       record=["participation_rate", "trust_residents_committee", "trust_party"])
        m.run()
        y1, y3 = in_period(m, Period(0, 365)), in_period(m, Period(730, 1095))
        for name, (first, third) in years.items():
            first.append(y1[name])
            third.append(y3[name])
    return {name: (mean_ci(np.array(a)), mean_ci(np.array(b))) for name, (a, b) in years.items()}


#: the trust metrics follow the population's trust, which drifts toward its policy-raised target with
#: a time constant of 1 / TRUST_DRIFT = 500 days (sim/agents/wellbeing.py): longer than the warm-up
TRUST = ("trust_residents_committee", "trust_party")
#: party_led's party-building projects run on days 30-270: timed inputs, left out of the comparison
NO_PROJECTS = {"policies.party_building.projects": []}


def _assert_years_agree(scenario: str, overrides: dict | None = None, skip: tuple[str, ...] = ()) -> None:
    for name, ((m1, lo1, hi1, n1), (m3, lo3, hi3, n3)) in _years(scenario, 4, overrides).items():
        if name in skip:
            continue
        assert n1 == n3 == 4
        assert lo1 <= hi3 and lo3 <= hi1, f"{name}: year 1 {m1:.4f} [{lo1:.4f}, {hi1:.4f}], year 3 {m3:.4f} [{lo3:.4f}, {hi3:.4f}]"


def test_a_warmed_up_baseline_is_stationary_year_1_and_year_3_agree():
    """Every headline period metric of year 1 and year 3 agrees within its replicate CIs (the two
    95 % intervals overlap; 4 replicates of a 500-household baseline with the default warm-up).
    From an empty start with the old capacity, baseline's resolution rate fell about 10 points from
    year 1 to year 3, far outside these intervals (about ±3 points here)."""
    _assert_years_agree("scenarios/baseline.yaml")


def test_a_warmed_up_party_led_is_stationary_in_its_rates():
    """party_led without its timed projects: resolution rate, community share, days to resolution,
    participation and fee collection of year 1 and year 3 agree within their replicate CIs."""
    _assert_years_agree("scenarios/party_led.yaml", NO_PROJECTS, skip=TRUST)


def test_trust_in_a_warmed_up_party_led_is_stationary():
    """Trust of year 1 and year 3 agree: trust follows each institution's record against
    aspirations, which the warm-up's year has settled."""
    _assert_years_agree("scenarios/party_led.yaml", NO_PROJECTS, skip=tuple(n for n in METRICS.headline() if n not in TRUST))


def test_the_trend_test_finds_a_trend_and_passes_a_flat_series():
    rng = np.random.default_rng(0)
    flat = 50 + rng.normal(0, 3, 24)
    rising = np.linspace(30, 60, 24) + rng.normal(0, 3, 24)
    assert trend_of("backlog", flat) is None
    t = trend_of("backlog", rising)
    assert t is not None and t.p < 0.01 and 25 < t.first < 35 and 55 < t.last < 65
    small = 0.7 + np.linspace(0, 0.01, 24)  # significant but immaterial (1 point over the run)
    assert trend_of("resolution_rate", small) is None


def _write(tmp_path, street_servers: int, warmup: int) -> str:
    path = tmp_path / f"s{street_servers}-w{warmup}.yaml"
    path.write_text(f"""name: small
run: {{days: 360, seed: 2, warmup_days: {warmup}}}
site: {{households: 600}}
disputes: {{rate_multiplier: 1.5}}
handlers: {{street: {{servers: {street_servers}}}}}
""", encoding="utf-8")
    return str(path)


def test_cogov_run_says_in_one_line_when_a_run_is_not_stationary(tmp_path, capsys):
    """A street office of one server, started empty: its backlog grows all year (a trend); with
    ample servers and a warm-up the run is stationary and nothing is said."""
    assert main(["run", _write(tmp_path, 1, 0), "--out", str(tmp_path / "a"), "--quiet"]) == 0
    err = capsys.readouterr().err
    lines = [x for x in err.splitlines() if "not stationary" in x]
    assert len(lines) == 1 and "backlog" in lines[0].lower(), err
    assert main(["run", _write(tmp_path, 8, 365), "--out", str(tmp_path / "b"), "--quiet"]) == 0
    assert "not stationary" not in capsys.readouterr().err
