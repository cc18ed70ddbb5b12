"""Policies that change mid-run: timeline entries, `model.apply`, and what they build and retire.

* a lever switched on at day d changes nothing before d and its target metric after d;
* a scenario's timeline entry and `model.apply` between steps are the same thing, day for day;
* institutions created and retired mid-run keep the dispute books straight and lose no case;
* a bad entry is refused in one line naming file, line and key, one test per kind of mistake;
* old `shocks:` load as the entries they mean; `extends:` adds timelines.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import accounting
import numpy as np
import pandas as pd
import pytest

from sim import CoGovModel
from sim.disputes.ladder import Channel
from sim.metrics.definitions import summary
from sim.scenario import ScenarioError, load_scenario
from sim.scenario.schema import TimelineEntry

SMALL = {"site.households": 400}
CITY = {"city": {"name": "T", "districts": [{"name": "D1", "streets": [
    {"name": "S1", "communities": [{"name": "a", "site": {"households": 250}}, {"name": "b", "site": {"households": 250}}]},
    {"name": "S2", "communities": [{"name": "c", "site": {"households": 250}}]}]}]}}


def run(days: int, seed: int, overrides: dict | None = None, timeline: list | None = None) -> CoGovModel:
    over = {**SMALL, **(overrides or {})}
    if timeline is not None:
        over["timeline"] = timeline
    m = CoGovModel(rng=seed, days=days, overrides=over)
    m.run()
    return m


def series(m: CoGovModel) -> pd.DataFrame:
    return m.datacollector.get_model_vars_dataframe()


def test_a_lever_switched_on_at_day_d_changes_nothing_before_d_and_its_metric_after():
    """Grid management from day 60: the runs agree to the end of day 59; afterwards disputes are
    noticed at least two days sooner on average (over three seeds)."""
    day = 60
    entry = [{"day": day, "set": {"policies.grid_management.enabled": True}}]
    gains = []
    for seed in (1, 2, 3):
        without, with_ = run(200, seed), run(200, seed, timeline=entry)
        pd.testing.assert_frame_equal(series(without).iloc[:day], series(with_).iloc[:day])  # rows = ends of days 0..59
        assert len(with_.grid_workers) > 0 and len(without.grid_workers) == 0

        def notice_delay(m):
            b = m.disputes.book
            late = (b.arisen_day >= day) & ~np.isnan(b.noticed_time)
            return float(np.mean(b.noticed_time[late] - b.arisen_day[late]))

        gains.append(notice_delay(without) - notice_delay(with_))
    assert np.mean(gains) >= 2.0, gains


def test_a_timeline_entry_is_model_apply_on_that_day():
    """The same change written in the scenario, or made with model.apply between steps, gives the
    same run, day for day, and the same resolved scenario."""
    changes = {"policies.joint_meetings.enabled": True, "site.residents_committee.mediators": 1}
    entry = {"day": 40, "label": "street S1 reorganised", "street": "S1", "set": changes,
             "scale": {"site.property_company.monthly_fee": 1.2}}
    written = run(90, 5, CITY, [entry])
    live = CoGovModel(rng=5, days=90, overrides={**SMALL, **CITY})
    for _ in range(40):
        live.step()
    live.apply(changes, scale={"site.property_company.monthly_fee": 1.2}, street="S1", label="street S1 reorganised")
    live.run()
    pd.testing.assert_frame_equal(series(written), series(live))
    assert written.disputes.book.event_table(list(written.geography.names)).equals(
        live.disputes.book.event_table(list(live.geography.names)))
    assert live.config.timeline == written.config.timeline == [TimelineEntry(**entry)]
    again = CoGovModel(scenario=live.config, rng=live.seed)  # the live run's resolved scenario reproduces it
    again.run()
    pd.testing.assert_frame_equal(series(again), series(live))
    assert [len(r.mediators) for r in live.committees] == [1, 1, 3]  # street S1 only
    assert [p.fee for p in live.property_companies] == pytest.approx([2.4, 2.4, 2.0])


def test_institutions_built_and_retired_mid_run_lose_no_case():
    """Channels open and close, staff come and go, the company leaves and another arrives: every
    handed-over case is routed again at once (or given up for want of a channel) and the books
    of every dispute stay straight."""
    timeline = [
        {"day": 15, "set": {"policies.joint_meetings.enabled": True, "policies.joint_meetings.interval_days": 7,
                            "policies.multi_channel.enabled": True, "policies.grid_management.enabled": True,
                            "policies.social_org_incubation.enabled": True, "policies.red_cells.enabled": True}},
        {"day": 60, "set": {"policies.joint_meetings.enabled": False, "policies.multi_channel.enabled": False,
                            "policies.grid_management.enabled": False, "policies.social_org_incubation.enabled": False,
                            "site.property_company.present": False}},
        {"day": 75, "set": {"site.residents_committee.mediators": 0, "site.owners_committee.present": True}},
        {"day": 90, "set": {"site.property_company.present": True, "site.property_company.service_quality": 0.7,
                            "site.residents_committee.mediators": 2}},
    ]
    m = run(150, 11, {"site.households": 1500, "handlers.mediation.work_time.mean_days": 30.0,
                      "handlers.property_desk.work_time.mean_days": 15.0, "site.property_company.staff": 1}, timeline)
    accounting.check_books(m)
    log = m.disputes.book.event_table(list(m.geography.names)).to_pandas()
    handed = log[log["event"] == "handover"]
    assert len(handed) >= 5, "the closures handed over too few cases to test anything"
    assert set(handed["day"]) <= {60, 75}
    for _, h in handed.iterrows():  # each handed-over case goes on at once: routed again, or given up
        after = log[(log["dispute_id"] == h["dispute_id"]) & (log["time"] == h["time"]) & log.index.isin(range(h.name + 1, len(log)))]
        assert after["event"].isin(["route", "abandon"]).any(), h.to_dict()
    assert (log[(log["event"] == "start") & (log["channel"] == "joint_meeting")]["day"].between(15, 59)).all()
    assert ((log["event"] == "start") & (log["channel"] == "professional") & (log["day"] >= 61)).sum() == 0
    assert len(m.grid_workers) == 0 and m.property_companies[0].present and m.owners_committees[0].present
    assert m.property_companies[0].initial_quality == 0.7 and len(m.committees[0].mediators) == 2
    assert m.party_orgs[0].red_cell_volunteers > 0
    assert ((log["event"] == "start") & (log["channel"] == "property_desk")).groupby(log["day"] >= 90).sum().get(True, 0) > 0


def test_old_shocks_are_the_timeline_entries_they_mean():
    old = run(250, 4, {"shocks": [{"kind": "property_exit", "day": 100}, {"kind": "fee_change", "day": 50, "factor": 1.4}]})
    new = run(250, 4, timeline=[{"day": 100, "set": {"site.property_company.present": False}},
                                {"day": 50, "scale": {"site.property_company.monthly_fee": 1.4}}])
    pd.testing.assert_series_equal(pd.Series(summary(old)), pd.Series(summary(new)))
    assert [e.day for e in old.config.timeline] == [100, 50]


def test_model_apply_refuses_what_a_timeline_would_refuse():
    m = CoGovModel(rng=1, days=30, overrides=SMALL)
    m.step()
    with pytest.raises(ScenarioError, match=r"^apply\.set\.site\.households: 'site\.households' cannot change mid-run"):
        m.apply({"site.households": 10})
    with pytest.raises(ScenarioError, match=r"^apply\.set\.policies\.joint_meetings\.interval_days: expected an integer >= 1"):
        m.apply({"policies.joint_meetings.enabled": True, "policies.joint_meetings.interval_days": 0})
    assert m.config.timeline == [] and not m.effects[0].joint_meetings  # nothing was applied


# --- one line per kind of mistake ---------------------------------------------------------------------

BASE = """\
name: t
site: {households: 300}
run: {days: 100}
"""


@pytest.mark.parametrize("entry, line, key, message", [
    ("{day: 100, set: {policies.red_cells.enabled: true}}", 5, "timeline.0.day", "day 100 is outside the run (days 0..99)"),
    ("{day: 10, street: Nowhere St, set: {policies.red_cells.enabled: true}}", 5, "timeline.0.street", "unknown street 'Nowhere St'"),
    ("{day: 10, set: {policies.red_cell.enabled: true}}", 5, "timeline.0.set.policies.red_cell.enabled", "did you mean 'red_cells'?"),
    ("{day: 10, set: {site.households: 900}}", 5, "timeline.0.set.site.households", "cannot change mid-run"),
    ("{day: 10, set: {behaviour.trust.party: 0.9}}", 5, "timeline.0.set.behaviour.trust.party", "'behaviour' cannot change mid-run"),
    ("{day: 10, set: {site.residents_committee.mediators: -1}}", 5, "timeline.0.set.site.residents_committee.mediators", "expected an integer >= 0, found -1"),
    ("{day: 10, set: {policies.grid_management.patrol_interval_days: 3}}", 5, "timeline.0.set.policies.grid_management.patrol_interval_days",
     "has no effect while policies.grid_management.enabled is false"),
    ("{day: 10, set: {site.owners_committee.legitimacy: 0.8}}", 5, "timeline.0.set.site.owners_committee.legitimacy",
     "there is no owners' committee"),
    ("{day: 10, scale: {site.property_company.present: 2}}", 5, "timeline.0.scale.site.property_company.present", "scale needs a numeric setting"),
    ("{day: 10, community: community, set: {handlers.court.servers: 3}}", 5, "timeline.0.set.handlers.court.servers", "serves the whole city"),
    ("{day: 10, label: nothing}", 5, "timeline.0", "needs set: or scale:"),
])
def test_a_bad_entry_is_one_line_naming_file_line_and_key(tmp_path, entry, line, key, message):
    path = tmp_path / "bad.yaml"
    path.write_text(BASE + "timeline:\n  - " + entry + "\n")
    with pytest.raises(ScenarioError) as e:
        load_scenario(path)
    text = str(e.value)
    assert "\n" not in text
    assert text.startswith(f"{path}:{line}: {key}: "), text
    assert message in text, text


def test_a_fee_change_needs_a_property_company_at_that_time(tmp_path):
    path = tmp_path / "fee.yaml"
    path.write_text(BASE + textwrap.dedent("""\
        timeline:
          - {day: 10, set: {site.property_company.present: false}}
          - {day: 20, scale: {site.property_company.monthly_fee: 1.2}}
        """))
    with pytest.raises(ScenarioError, match=r"fee\.yaml:6: timeline\.1\.scale\.site\.property_company\.monthly_fee: there is no "
                                            r"property company in 'community' on day 20"):
        load_scenario(path)


def test_extends_adds_the_timelines_and_errors_name_the_file_that_wrote_the_entry(tmp_path):
    (tmp_path / "base.yaml").write_text(BASE + "timeline:\n  - {day: 10, set: {policies.red_cells.enabled: true}}\n")
    (tmp_path / "child.yaml").write_text("extends: base.yaml\nname: c\ntimeline:\n  - {day: 20, set: {policies.safe_community.enabled: true}}\n")
    assert [e.day for e in load_scenario(tmp_path / "child.yaml").timeline] == [10, 20]
    (tmp_path / "bad.yaml").write_text("extends: base.yaml\nname: c\ntimeline:\n\n  - {day: 20, set: {site.households: 5}}\n")
    with pytest.raises(ScenarioError, match=rf"^{tmp_path / 'bad.yaml'}:5: timeline\.1\.set\.site\.households: "):
        load_scenario(tmp_path / "bad.yaml")


def test_each_shipped_timeline_applies_what_it_says():
    root = Path(__file__).resolve().parent.parent / "scenarios"
    rollout = CoGovModel(scenario=root / "timelines" / "city_joint_meetings.yaml", rng=2)
    rollout.run()
    log = rollout.disputes.book.event_table(list(rollout.geography.names)).to_pandas()
    starts = log[(log["event"] == "start") & (log["channel"] == "joint_meeting")]
    street_of = {c.name: c.street for c in rollout.geography.communities}
    first = starts.groupby(starts["community"].map(street_of).astype(str))["day"].min()
    assert first["Xinhua Street"] >= 60 and first["Renmin Street"] >= 120
    assert first["Guangming Street"] >= 180 and first["Wenhua Street"] >= 180
    assert first["Xinhua Street"] < 120  # started well before the next street
    fee = CoGovModel(scenario=root / "timelines" / "fee_then_owners_committee.yaml", rng=2)
    for _ in range(151):  # the rise applies at the start of day 150
        fee.step()
    assert fee.property_companies[0].fee == pytest.approx(2.6) and not fee.owners_committees[0].present
    fee.run()
    assert fee.owners_committees[0].present and fee.disputes.community_handlers[0][Channel.JOINT_MEETING].servers > 0


# --- period metrics and before/after ----------------------------------------------------------------


def test_period_metrics_are_what_a_hand_count_of_the_case_log_gives(tmp_path):
    from sim.metrics.periods import in_period, periods_table
    from sim.metrics.definitions import Period
    from sim.running import write_run_folder

    m = run(200, 8, {"site.households": 1200}, [{"day": 100, "set": {"policies.grid_management.enabled": True}}])
    write_run_folder(m, tmp_path / "run", scenario_path=None, command_line=None, wall_time=None)
    log = pd.read_parquet(tmp_path / "run" / "case_log.parquet")
    cases = pd.read_parquet(tmp_path / "run" / "cases.parquet")
    periods = pd.read_csv(tmp_path / "run" / "periods.csv")
    assert list(periods["start_day"]) == list(range(0, 200, 30)) and periods["end_day"].iloc[-1] == 200
    for _, row in periods.iterrows():
        days = log["day"].between(row["start_day"], row["end_day"] - 1)
        resolved = log[days & (log["event"] == "resolve")]
        abandoned = log[days & (log["event"] == "abandon")]
        assert row["resolution_rate"] == pytest.approx(len(resolved) / (len(resolved) + len(abandoned)))
        took = cases.set_index("dispute_id").loc[resolved["dispute_id"]]
        assert row["mean_days_to_resolution"] == pytest.approx((resolved["time"].to_numpy() - took["arisen_day"].to_numpy()).mean())
        noticed = took["noticed_time"].notna().to_numpy()
        inside = took["resolved_channel"].isin(["self", "property_desk", "mediation", "joint_meeting", "professional"]).to_numpy()
        assert row["community_share"] == pytest.approx(inside[noticed].mean())
        daily = m.datacollector.get_model_vars_dataframe()["participation_rate"].to_numpy()
        assert row["participation_rate"] == pytest.approx(daily[int(row["start_day"]):int(row["end_day"])].mean())
    bills = [(d, b, p) for d, b, p in m.property_companies[0].ledger if 60 <= d < 90]
    assert in_period(m, Period(60, 90))["fee_collection_rate"] == pytest.approx(sum(p for *_, p in bills) / sum(b for _, b, _ in bills))
    (entry,) = json.loads((tmp_path / "run" / "summary.json").read_text())["timeline"]
    assert (entry["day"], entry["before_days"], entry["after_days"]) == (100, [10, 100], [100, 190])
    assert entry["after"] == in_period(m, Period(100, 190)) and entry["before"]["days_to_notice"] > entry["after"]["days_to_notice"]
    assert periods_table(m).shape[0] == 7


def test_difference_in_differences_recovers_a_known_effect():
    """Synthetic paired replicates: both arms drift by +0.02 between the windows, arm B gains a
    further +0.10; the DiD (B − A) is about +0.10 and its CI excludes 0 and covers the truth."""
    from types import SimpleNamespace

    from sim.experiments.compare import before_after_table

    rng = np.random.default_rng(0)
    n = 30
    world = rng.normal(0.6, 0.05, n)  # what a seed does to both arms (common random numbers)
    rows = []
    for arm, effect in (("a", 0.0), ("b", 0.10)):
        before = world + rng.normal(0, 0.01, n)
        after = world + 0.02 + effect + rng.normal(0, 0.01, n)
        rows += [{"arm": arm, "replicate": r, "before.40.resolution_rate": before[r], "after.40.resolution_rate": after[r]}
                 for r in range(n)]
    results = SimpleNamespace(manifest={"windows": [40], "window_labels": ["x"], "arms": [{"name": "a"}, {"name": "b"}]},
                              summary=pd.DataFrame(rows))
    table = before_after_table(results).set_index("arm")
    assert table.loc["a", "change"] == pytest.approx(0.02, abs=0.01)
    assert table.loc["b", "change"] == pytest.approx(0.12, abs=0.01)
    b = table.loc["b"]
    assert b["did_ci_low"] < 0.10 < b["did_ci_high"] and b["did_ci_low"] > 0.05 and b["pairs"] == n


def test_compare_reports_before_after_and_did_per_timeline_entry(tmp_path, capsys):
    from sim.cli import main
    from sim.experiments import load

    base = tmp_path / "base.yaml"
    base.write_text("name: base\nsite: {households: 300}\nrun: {days: 120}\n")
    treated = tmp_path / "treated.yaml"
    treated.write_text("extends: base.yaml\nname: treated\ntimeline:\n"
                       "  - {day: 60, label: red cells, set: {policies.red_cells.enabled: true}}\n")
    assert main(["compare", str(treated), str(base), "--replicates", "3", "--workers", "1", "--out", str(tmp_path / "c")]) == 0
    out = capsys.readouterr().out
    assert "Before and after each timeline entry (90 days each side)" in out and "day 60: red cells" in out
    table = pd.read_csv(tmp_path / "c" / "analysis" / "before_after.csv")
    assert set(table["arm"]) == {"treated", "base"} and (table["day"] == 60).all()
    assert table.loc[table["arm"] == "base", "did"].notna().all()
    r = load(tmp_path / "c")
    assert set(r.periods["period"]) == {0, 1, 2, 3} and (tmp_path / "c" / "analysis" / "periods.png").stat().st_size > 10_000
    before = r.summary.groupby("arm")["before.60.resolution_rate"].apply(list)
    assert before["treated"] == before["base"]  # the same seeds and nothing changed before day 60


def test_a_sweep_varies_a_timeline_entry_by_its_day_and_its_settings(tmp_path):
    from sim.experiments.plan import Plan
    from sim.experiments.sweepfile import SweepError, load_sweep
    from sim.model import resolve_scenario

    (tmp_path / "base.yaml").write_text(BASE + "timeline:\n  - {day: 10, set: {policies.grid_management.enabled: true,"
                                               " policies.grid_management.households_per_grid_worker: 300}}\n")
    (tmp_path / "s.yaml").write_text("base: base.yaml\nreplicates: 1\nparameters:\n  timeline.0.day: [20, 60]\n"
                                     "  timeline.0.set.policies.grid_management.households_per_grid_worker: [100, 400]\n")
    plan = Plan.from_sweep(load_sweep(tmp_path / "s.yaml"))
    assert [p.name for p in plan.parameters] == ["timeline_0_day", "households_per_grid_worker"]
    point = plan.points[1]
    entry = resolve_scenario(plan.arms[0].document, point.overrides).timeline[0]
    assert (entry.day, entry.set["policies.grid_management.households_per_grid_worker"]) == (20, 400)
    (tmp_path / "bad.yaml").write_text("base: base.yaml\nparameters:\n  timeline.0.day: [20, 100]\n")
    with pytest.raises(SweepError, match="day 100 is outside the run"):
        load_sweep(tmp_path / "bad.yaml")
    (tmp_path / "bad2.yaml").write_text("base: base.yaml\nparameters:\n  timeline.3.day: [20, 30]\n")
    with pytest.raises(SweepError, match=r"'timeline' has 1 items \(0..0\), found '3'"):
        load_sweep(tmp_path / "bad2.yaml")


def _log(m) -> pd.DataFrame:
    return m.disputes.book.event_table(list(m.geography.names)).to_pandas()


def _after(m, day: int, event: str, **where) -> int:
    log = _log(m)
    rows = log[(log["event"] == event) & (log["day"] >= day)]
    for column, value in where.items():
        rows = rows[rows[column] == value]
    return len(rows)


#: (setting(s) of an entry on day 50, what the run without it shows after day 50 → what it must show with it)
KINDS = {
    "joint meetings start": ({"policies.joint_meetings.enabled": True},
                             lambda m: _after(m, 50, "start", channel="joint_meeting"), lambda n0, n1: n0 == 0 and n1 >= 3),
    "red cells start": ({"policies.red_cells.enabled": True},
                        lambda m: _after(m, 50, "notice", detail="red_cell"), lambda n0, n1: n0 == 0 and n1 >= 3),
    "professionals sent down": ({"policies.multi_channel.enabled": True},
                                lambda m: _after(m, 50, "route", channel="professional"), lambda n0, n1: n0 == 0 and n1 >= 2),
    "the property company leaves": ({"site.property_company.present": False},
                                    lambda m: _after(m, 50, "start", channel="property_desk"), lambda n0, n1: n0 >= 5 and n1 == 0),
    "an owners' committee forms": ({"site.owners_committee.present": True, "site.owners_committee.assembly_interval_days": 30},
                                   lambda m: float(series(m)["participation_assembly"].iloc[50:].max()), lambda a0, a1: a0 == 0 and a1 >= 0.05),
    "disputes treble": ({"disputes.rate_multiplier": 3.0},
                        lambda m: _after(m, 50, "arise"), lambda n0, n1: n1 >= 2.2 * n0),
}


@pytest.mark.parametrize("kind", KINDS, ids=list(KINDS))
def test_each_kind_of_entry_changes_nothing_before_its_day_and_its_target_after(kind):
    settings, measure, effect = KINDS[kind]
    without = run(150, 21, {"site.households": 800})
    with_ = run(150, 21, {"site.households": 800}, [{"day": 50, "set": settings}])
    pd.testing.assert_frame_equal(series(without).iloc[:50], series(with_).iloc[:50])
    early = _log(with_)
    assert early[early["day"] < 50].reset_index(drop=True).equals(_log(without).query("day < 50").reset_index(drop=True))
    assert effect(measure(without), measure(with_)), (measure(without), measure(with_))


def test_a_fee_rise_lowers_payment_from_its_day():
    from sim.metrics.definitions import Period
    from sim.metrics.periods import in_period

    rates = []
    for scale in (None, 2.0):
        m = run(180, 4, {"site.households": 1500}, [{"day": 60, "scale": {"site.property_company.monthly_fee": scale}}]
                if scale else None)
        rates.append([in_period(m, p)["fee_collection_rate"] for p in (Period(0, 60), Period(60, 180))])
    (before0, after0), (before1, after1) = rates
    assert before0 == before1 and after0 - after1 >= 0.05  # the doubled fee costs at least 5 points of payment
