"""The classroom room, server side: roles handed out, decisions checked and applied as timeline
entries, the deadline falling back to the model, injected events, the decisions log, and a replay
that rebuilds the session's run folder byte for byte."""

from __future__ import annotations

import re

import numpy as np
import pyarrow.parquet as pq
import pytest

from sim.classroom.debrief import Replayer, compare_runs, export_session, read_session, replay_to
from sim.classroom.decisions import INSTITUTIONAL, STORM_DAYS, Decision, Role
from sim.classroom.room import LOG_COLUMNS, LOG_FILE, SESSION_FILES, Phase, Refusal, Refused, Room, Rooms
from sim.classroom.words import log_line
from sim.cli import main
from sim.disputes.book import Detail, Event, Status
from sim.disputes.choices import Choice, HouseholdRule
from sim.disputes.ladder import Channel
from sim.model import resolve_scenario

SMALL = {"site.households": 300, "run.days": 120}


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def scenario():
    return resolve_scenario("scenarios/baseline.yaml", SMALL)


def make_room(scenario, tmp_path, code="ROOM1", **kw):
    clock = Clock()
    kw = {"round_days": 30, "decide_seconds": 10, "days_per_second": 5, **kw}
    return Room(scenario, code=code, folder=tmp_path / code, clock=clock, **kw), clock


def play_round(room: Room) -> None:
    room.next_round()  # close the decisions
    room.next_round()  # play the round's days


def test_roles_are_handed_out_institutions_first_then_households_in_their_own_buildings(scenario, tmp_path):
    room, _ = make_room(scenario, tmp_path)
    people = [room.join(f"p{i}") for i in range(len(INSTITUTIONAL) + 3)]
    assert [p.role for p in people[:len(INSTITUTIONAL)]] == list(INSTITUTIONAL)
    residents = people[len(INSTITUTIONAL):]
    assert all(p.role is Role.RESIDENT for p in residents)
    assert len({p.building for p in residents}) == 3
    assert len({p.token for p in people}) == len(people)
    # picking a role is ignored unless the facilitator allows it
    assert room.join("x", role=Role.STREET_OFFICE).role is Role.RESIDENT
    room.pick_roles = True
    assert room.join("y", role=Role.STREET_OFFICE).role is Role.STREET_OFFICE
    with pytest.raises(Refused):
        room.join("z", role=Role.FACILITATOR)
    with pytest.raises(Refused):
        room.join("   ")


def test_the_server_refuses_another_roles_decision_another_rooms_token_and_bad_values(scenario, tmp_path):
    a, _ = make_room(scenario, tmp_path, "AAAAA")
    b, _ = make_room(scenario, tmp_path, "BBBBB")
    secretary = a.join("Li")
    manager = a.join("Wang")
    a.join("Zhang")
    a.join("Zhao")  # property manager
    with pytest.raises(Refused) as e:
        a.decide(secretary.token, Decision.FEE, 3.0)
    assert e.value.reason is Refusal.OTHER_ROLE
    with pytest.raises(Refused) as e:
        b.decide(secretary.token, Decision.JOINT_MEETINGS, 6)  # a token of room A in room B
    assert e.value.reason is Refusal.UNKNOWN_PARTICIPANT
    with pytest.raises(Refused) as e:
        a.decide("made-up", Decision.JOINT_MEETINGS, 6)
    assert e.value.reason is Refusal.UNKNOWN_PARTICIPANT
    with pytest.raises(Refused) as e:
        a.decide(secretary.token, Decision.JOINT_MEETINGS, 99)
    assert e.value.reason is Refusal.BAD_VALUE
    with pytest.raises(Refused) as e:
        a.decide(secretary.token, Decision.PROPERTY_LEAVES, 1)  # an event is the facilitator's
    assert e.value.reason is Refusal.OTHER_ROLE
    assert manager.role is Role.COMMITTEE_DIRECTOR
    assert not a.pending and not b.pending and not a.log


def test_a_round_with_three_roles_deciding_changes_the_world_through_timeline_entries(scenario, tmp_path):
    room, _ = make_room(scenario, tmp_path)
    people = {p.role: p for p in (room.join(f"p{i}") for i in range(len(INSTITUTIONAL)))}
    play_round(room)  # round 1: nobody decides
    assert room.model.day == 30 and room.round == 2 and room.phase is Phase.DECIDING
    room.decide(people[Role.PARTY_SECRETARY].token, Decision.JOINT_MEETINGS, 10)
    room.decide(people[Role.COMMITTEE_DIRECTOR].token, Decision.MEDIATORS, 6)
    room.decide(people[Role.PROPERTY_MANAGER].token, Decision.FEE, 3.5)
    room.decide(people[Role.PROPERTY_MANAGER].token, Decision.FEE, 3.0)  # the last one counts
    play_round(room)
    m = room.model
    entries = [e for e in m.config.timeline if e.day == 30]
    assert len(entries) == 3  # one timeline entry per decision, on the round's first day
    assert m.policies[0].joint_meetings.enabled and m.policies[0].joint_meetings.cases_per_meeting == 10
    assert m.sites[0].residents_committee.mediators == 6
    assert m.sites[0].property_company.monthly_fee == 3.0
    assert m.disputes.handler(Channel.MEDIATION, 0).servers == 6
    b = m.disputes.book
    joint = np.asarray(b.log_channel) == Channel.JOINT_MEETING
    assert (joint & (np.asarray(b.log_event) == Event.ENQUEUE)).sum() >= 1, "cases reached the joint meeting the secretary convened"
    decided = [(r.role, r.decision, r.value) for r in room.log if r.value is not None]
    assert decided == [(Role.PARTY_SECRETARY, Decision.JOINT_MEETINGS, 10.0), (Role.COMMITTEE_DIRECTOR, Decision.MEDIATORS, 6.0),
                       (Role.PROPERTY_MANAGER, Decision.FEE, 3.0)]
    # the same seed without decisions: no joint meeting ever, a different world
    cf = Replayer(read_session(room.folder), decisions=False).to_day(m.day).model
    cb = cf.disputes.book
    assert (np.asarray(cb.log_channel) == Channel.JOINT_MEETING).sum() == 0


def test_a_missed_deadline_falls_back_to_the_models_own_behaviour(scenario, tmp_path):
    room, clock = make_room(scenario, tmp_path)
    for i in range(3):
        room.join(f"p{i}")
    clock.now = 9.9
    room.tick()
    assert room.phase is Phase.DECIDING
    clock.now = 10.0
    room.tick()  # the deadline
    assert room.phase is Phase.PLAYING
    falls = [r for r in room.log if r.decision is Decision.FALLBACK]
    assert [r.role for r in falls] == list(INSTITUTIONAL[:3])
    clock.now = 10.0 + 2.0  # 2 s at 5 days a second
    room.tick()
    assert room.model.day == 10
    clock.now = 100.0
    room.tick()
    assert room.model.day == 30 and room.phase is Phase.DECIDING and room.round == 2
    assert room.model.config.timeline == scenario.timeline  # nothing changed: the model's own behaviour


def test_pause_and_extend_move_the_deadline(scenario, tmp_path):
    room, clock = make_room(scenario, tmp_path)
    clock.now = 4.0
    room.pause()
    clock.now = 50.0
    room.tick()
    assert room.phase is Phase.PAUSED
    room.resume()
    assert room.frame().seconds_left == pytest.approx(6.0)
    room.extend(30)
    assert room.frame().seconds_left == pytest.approx(36.0)
    clock.now = 50.0 + 35.9
    room.tick()
    assert room.phase is Phase.DECIDING
    clock.now = 50.0 + 36.0
    room.tick()
    assert room.phase is Phase.PLAYING


def test_injected_events_apply_at_once_and_a_storm_passes(scenario, tmp_path):
    room, _ = make_room(scenario, tmp_path)
    people = {p.role: p for p in (room.join(f"p{i}") for i in range(4))}
    play_round(room)
    m = room.model
    kind = m.sites[0].type.value
    base = m.dispute_specs[0].rates[kind]["maintenance"]
    from sim.scenario.schema import CATEGORIES

    maintenance = CATEGORIES.index("maintenance")
    daily = m.disputes.base_rates[0, maintenance]
    room.inject(Decision.STORM)
    assert m.dispute_specs[0].rates[kind]["maintenance"] == pytest.approx(base * 4)
    assert m.disputes.base_rates[0, maintenance] == pytest.approx(4 * daily)  # what arise() draws from
    with pytest.raises(Refused):
        room.inject(Decision.STORM)  # one storm at a time
    room.inject(Decision.PROPERTY_LEAVES)
    assert not m.sites[0].property_company.present
    with pytest.raises(Refused) as e:  # nobody left to set a fee for
        room.decide(people[Role.PROPERTY_MANAGER].token, Decision.FEE, 2.5)
    assert e.value.reason is Refusal.NOT_POSSIBLE
    play_round(room)
    ends = [r for r in room.log if r.decision is Decision.STORM_ENDS]
    assert [r.day for r in ends] == [30 + STORM_DAYS]
    assert m.dispute_specs[0].rates[kind]["maintenance"] == pytest.approx(base)
    assert m.disputes.base_rates[0, maintenance] == pytest.approx(daily)

def test_decisions_log_is_parquet_with_the_documented_columns_and_no_temporary_files(scenario, tmp_path):
    room, _ = make_room(scenario, tmp_path)
    p = room.join("Li")
    room.decide(p.token, Decision.MOBILISATION, 0.7)
    room.next_round()
    table = pq.read_table(room.folder / LOG_FILE)
    assert table.column_names == ["round", "day", "role", "participant", "decision", "value", "building", "dispute"] == list(LOG_COLUMNS)
    assert table.to_pylist() == [{"round": 1, "day": 0, "role": "party_secretary", "participant": "Li",
                                  "decision": "mobilisation_effort", "value": 0.7, "building": None, "dispute": None}]
    assert not [f for f in room.folder.iterdir() if f.name.startswith(".")]


def test_replay_reproduces_the_session_byte_for_byte(scenario, tmp_path, capsys):
    room, _ = make_room(scenario, tmp_path, round_days=20)
    people = {p.role: p for p in (room.join(f"p{i}") for i in range(len(INSTITUTIONAL) + 2))}
    room.decide(people[Role.GRID_WORKER].token, Decision.PATROL, 3)
    room.decide(people[Role.OWNERS_CHAIR].token, Decision.ASSEMBLY, 30)
    play_round(room)
    room.inject(Decision.FEE_RISE)
    room.decide(people[Role.SOCIAL_ORG_LEAD].token, Decision.INCUBATE, 2)
    room.decide(people[Role.STREET_OFFICE].token, Decision.SEND_MEDIATORS, 3)
    room.next_round()
    room.inject(Decision.STORM)
    room.next_round()
    folder = export_session(room)
    documented = {name.strip().rstrip("/") for key in SESSION_FILES for name in key.split(",")}  # the codebook's list
    assert documented == {"run", "counterfactual", "decisions.parquet", "room.json", "scenario.yaml", "report.en.html", "report.zh.html"}
    assert documented == {f.name for f in folder.iterdir()}
    report = (folder / "report.zh.html").read_text(encoding="utf-8")
    assert "决定记录" in report
    # in words, not codes: the scenario by its title, the facilitator by the role column alone
    assert "基线：商品房小区" in report and "<td>baseline</td>" not in report and "<td>facilitator</td>" not in report
    out, differ = replay_to(folder, tmp_path / "again")
    assert differ == []
    assert (out / "case_log.parquet").read_bytes() == (folder / "run" / "case_log.parquet").read_bytes()
    assert compare_runs(folder / "run", folder / "counterfactual")  # the decisions did change the world
    # the command: same, and a log that says otherwise does not reproduce
    assert main(["replay", str(folder), "--out", str(tmp_path / "cli")]) == 0
    assert "byte for byte" in capsys.readouterr().out
    table = pq.read_table(folder / LOG_FILE).to_pylist()
    table[0]["value"] = 9.0
    import pyarrow as pa

    pq.write_table(pa.Table.from_pylist(table, schema=pq.read_schema(folder / LOG_FILE)), folder / LOG_FILE)
    assert main(["replay", str(folder), "--out", str(tmp_path / "cli2")]) == 1
    assert "differ" in capsys.readouterr().err


def with_open_dispute(room):
    """Every institution joins; rounds play until a building has an open dispute; then two
    households join: one in another building, one in that building. Returns them and the dispute."""
    for i in range(len(INSTITUTIONAL)):
        room.join(f"p{i}")
    n = room.model.geography.communities[0].buildings
    while True:
        found = next(((k, c[0]) for k in range(n) if (c := room.role_view(Role.RESIDENT, k).disputes)), None)
        if found:
            break
        play_round(room)
    building, card = found
    return room.join("h1", building=(building + 1) % n), room.join("h2", building=building), card


def test_households_decide_for_their_buildings_disputes_and_the_server_checks_whose_they_are(scenario, tmp_path):
    room, _ = make_room(scenario, tmp_path, round_days=20)
    h1, h2, card = with_open_dispute(room)
    secretary = next(p for p in room.participants.values() if p.role is Role.PARTY_SECRETARY)
    # only the household whose building it is decides for a dispute, and only what is open to it
    with pytest.raises(Refused) as e:
        room.decide(h1.token, Decision.HANDLE_DISPUTE, float(card.choices[0]), card.dispute)
    assert e.value.reason is Refusal.NOT_YOURS
    with pytest.raises(Refused) as e:
        room.decide(secretary.token, Decision.HANDLE_DISPUTE, float(card.choices[0]), card.dispute)
    assert e.value.reason is Refusal.OTHER_ROLE
    closed = Choice.NEGOTIATE if Choice.NEGOTIATE not in card.choices else Choice.ESCALATE
    with pytest.raises(Refused) as e:
        room.decide(h2.token, Decision.HANDLE_DISPUTE, float(closed), card.dispute)
    assert e.value.reason is Refusal.NOT_POSSIBLE
    with pytest.raises(Refused) as e:
        room.decide(h1.token, Decision.AFTER_FAILURE, float(Choice.REPORT_HOTLINE))
    assert e.value.reason is Refusal.BAD_VALUE
    room.decide(h2.token, Decision.HANDLE_DISPUTE, float(Choice.LET_GO), card.dispute)
    room.decide(h1.token, Decision.NEW_DISPUTES, float(Choice.REPORT_HOTLINE))
    room.decide(h1.token, Decision.TAKE_PART, 0)
    play_round(room)
    m = room.model
    b = m.disputes.book
    assert b.status[card.dispute] == Status.ABANDONED
    assert b.journey(card.dispute)[-1].detail == Detail.CHOSEN
    first = m.geography.communities[0].building_offset
    assert m.household_rules == {first + h1.building: HouseholdRule(new_disputes=Choice.REPORT_HOTLINE, take_part=False)}
    # the rule did what it says: every dispute of building 1 that arose latent this round went to the hotline
    mine = [i for i in range(b.n) if b.arisen_day[i] >= room.round_start_day
            and m.population.building[b.complainant[i]] == first + h1.building]
    routed = [next((s.channel for s in b.journey(i) if s.event == Event.ROUTE), None) for i in mine]
    assert mine and all(ch == Channel.CITY_HOTLINE for ch, i in zip(routed, mine)
                        if b.journey(i)[1].detail == Detail.CHOSEN)
    assert any(ch == Channel.CITY_HOTLINE for ch in routed)
    residents = m.community_rows[0][m.population.building[m.community_rows[0]] == first + h1.building]
    assert (m.population.last_any[residents] < room.round_start_day).all()  # nobody of building 1 took part
    # the next round starts from the residents' own rule: logged, and the rule is gone
    play_round(room)
    assert [(r.decision, r.building) for r in room.log if r.role is Role.RESIDENT][-1] == (Decision.FALLBACK, h1.building)
    assert m.household_rules == {}
    words = log_line(next(r for r in room.log if r.decision is Decision.HANDLE_DISPUTE), "zh")
    assert f"纠纷 {card.dispute}" in words and "算了" in words
    assert re.fullmatch(r"居民家庭（第 \d+ 栋）（[^（）]+）：[^:()]+ = 算了", words), words  # full-width brackets and colon
    english = log_line(next(r for r in room.log if r.decision is Decision.HANDLE_DISPUTE), "en")
    assert re.fullmatch(r"Resident household, building \d+ \([^()]+\): [^：（）]+ = \w.*", english), english


def test_a_session_with_household_decisions_replays_byte_for_byte(scenario, tmp_path):
    room, _ = make_room(scenario, tmp_path, round_days=20)
    h1, h2, card = with_open_dispute(room)
    room.decide(h2.token, Decision.HANDLE_DISPUTE, float(card.choices[0]), card.dispute)
    room.decide(h1.token, Decision.NEW_DISPUTES, float(Choice.REPORT_COMMITTEE))
    room.decide(h1.token, Decision.AFTER_FAILURE, float(Choice.ESCALATE))
    room.decide(h2.token, Decision.TAKE_PART, 1)
    play_round(room)
    room.decide(h2.token, Decision.TAKE_PART, 0)
    play_round(room)
    folder = export_session(room)
    out, differ = replay_to(folder, tmp_path / "again")
    assert differ == []
    assert compare_runs(folder / "run", folder / "counterfactual")


def test_replay_refuses_a_folder_that_is_no_session_in_one_line(tmp_path, capsys):
    assert main(["replay", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "room.json" in err[0]


def test_rooms_hold_several_rooms_that_never_share_a_world(scenario, tmp_path):
    rooms = Rooms(results_dir=tmp_path)
    try:
        a = rooms.create(scenario, decide_seconds=600)
        b = rooms.create(scenario, decide_seconds=600)
        assert a.code != b.code and rooms.find(a.code.lower()) is a
        pa_ = a.join("Li")
        a.decide(pa_.token, Decision.JOINT_MEETINGS, 5)
        a.next_round()
        assert b.model.config.timeline == scenario.timeline and not b.log
        assert rooms.find("NOPE!") is None
    finally:
        rooms.stop()


@pytest.mark.parametrize("args, says", [
    (["classroom", "no-such-scenario.yaml"], "no-such-scenario"),
    (["classroom", "baseline", "--round-days", "0"], "--round-days"),
    (["classroom", "baseline", "--decide-seconds", "-5"], "--decide-seconds"),
])
def test_classroom_refuses_bad_arguments_in_one_line_before_starting_a_server(args, says, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and says in err[0]


def test_a_participants_controls_send_through_the_room_and_show_its_answer(scenario, tmp_path):
    """− and + step in the browser; Send reaches the room once, which checks it, and its answer
    is set on the control that sent (nothing else of the page is redrawn)."""
    import solara

    from sim.classroom import app
    from sim.classroom.decisions import SPECS
    from sim.classroom.widgets import Choices, Stepper

    room, _ = make_room(scenario, tmp_path, pick_roles=True)
    secretary = room.join("Li", role=Role.PARTY_SECRETARY)
    household = room.join("Wang", role=Role.RESIDENT)
    _, page = solara.render(app.ParticipantView(room, secretary.token), handle_error=False)
    meetings = next(w for w in page.find(Stepper).widgets if w.labels == [str(int(x)) for x in SPECS[Decision.JOINT_MEETINGS].values])
    assert meetings.values[meetings.start] == room.role_view(Role.PARTY_SECRETARY).current[Decision.JOINT_MEETINGS]
    meetings.vue_send_index(meetings.start + 2)
    row = room.pending[(Role.PARTY_SECRETARY, Decision.JOINT_MEETINGS, None, None)]
    assert row.value == meetings.values[meetings.start + 2] and row.participant == "Li"
    assert meetings.answer_kind == "ok" and meetings.answer.startswith("Sent: Cases per joint meeting")
    meetings.vue_send_index(len(meetings.values))  # no such value: nothing is sent
    meetings.vue_send_index("3")
    assert room.pending[(Role.PARTY_SECRETARY, Decision.JOINT_MEETINGS, None, None)] == row
    # refused by the room: no fee to set once the property company has left
    manager = room.join("Zhao", role=Role.PROPERTY_MANAGER)
    room.inject(Decision.PROPERTY_LEAVES)
    _, desk = solara.render(app.ParticipantView(room, manager.token), handle_error=False)
    fee = next(w for w in desk.find(Stepper).widgets if len(w.values) == len(SPECS[Decision.FEE].values))
    fee.vue_send_index(fee.start + 1)
    assert fee.answer_kind == "refused" and fee.answer.startswith("Not possible now")
    # a household's choice shows as chosen once the room took it
    _, home = solara.render(app.ParticipantView(room, household.token), handle_error=False)
    take_part = next(w for w in home.find(Choices).widgets if w.names == ["yes", "no"])
    assert take_part.chosen == -1
    take_part.vue_send_index(0)
    assert take_part.answer_kind == "ok" and take_part.chosen == 0
    assert room.pending[(Role.RESIDENT, Decision.TAKE_PART, household.building, None)].value == 1.0


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_decision_is_named_in_words_on_the_charts_not_by_its_setting_key(scenario, lang):
    """The markers of the console's charts, the debrief and the report name a decision by its
    timeline entry: every setting a decision changes has words in both catalogues."""
    import re

    from sim import CoGovModel
    from sim.classroom.decisions import HOUSEHOLD, SPECS, changes
    from sim.scenario.schema import TimelineEntry
    from sim.scenario.timeline import entry_label

    model = CoGovModel(scenario=scenario, rng=1, days=1, overrides={"run.warmup_days": 0})
    for decision, spec in SPECS.items():
        if decision in HOUSEHOLD or decision is Decision.FALLBACK:
            continue
        for value in {spec.low, spec.high}:
            set_, scale = changes(decision, value, model)
            label = entry_label(TimelineEntry(day=1, set=set_, scale=scale), lang)
            assert label and not re.search(r"[a-z_]+\.[a-z_]+", label), (decision, label)
