"""A classroom room: one shared model, participants in roles, rounds, and the decisions log.

No Solara here: the pages (sim.classroom.app) only call a Room's methods, and the Room checks
every action itself — who the participant is (by the token the server gave them), that the
decision belongs to their role, and that the value is one the model accepts — so a page cannot
act for another role or another room.

Time runs in rounds. A round opens with a decision window (a real-time deadline the facilitator
can pause or extend); at the deadline, or when the facilitator moves on, the decisions made are
applied through `CoGovModel.apply` (a timeline entry on that day) and logged, a role that decided
nothing is logged as falling back to the model's own behaviour, and the world then plays
`round_days` simulated days at `days_per_second`. The room's thread (`Rooms`) steps the model
once for every page; pages read immutable frames.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path

import numpy as np
import pyarrow as pa

from ..disputes.book import OPEN_STATUSES, Status
from ..disputes.choices import Choice, HouseholdRule, open_choices
from ..model import resolve_scenario
from ..running.output import json_bytes, parquet_bytes
from ..scenario import Scenario, ScenarioError, scenario_to_yaml
from ..scenario.schema import TimelineEntry
from ..webapp.session import Sim, SimFrame
from .decisions import EVENTS, HOUSEHOLD, INSTITUTIONAL, OF_ROLE, RULE_CHOICES, SPECS, STORM_DAYS, Decision, Role, apply_decision, changes

#: room codes: digits and capitals that cannot be misread for one another
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 5
#: the decisions log's columns: name → (Parquet type, meaning)
LOG_COLUMNS = {
    "round": (pa.int32(), "the round (1, 2, ...)"),
    "day": (pa.int32(), "the day it applies from (0-based, as a timeline entry's day)"),
    "role": (pa.string(), "who decided (the roles below; facilitator: an event)"),
    "participant": (pa.string(), "the display name of the participant who sent it (empty: a fallback or an event)"),
    "decision": (pa.string(), "what was decided (the decisions below)"),
    "value": (pa.float64(), "its value; a household's choice: a choice code below; take_part: 1 or 0; null: a fallback"),
    "building": (pa.int32(), "a household's: its building, 0-based within the room's community (null otherwise)"),
    "dispute": (pa.int64(), "handle_dispute: the dispute (its dispute_id in the run folder's tables)"),
}
LOG_SCHEMA = pa.schema([(name, kind) for name, (kind, _) in LOG_COLUMNS.items()])
LOG_FILE = "decisions.parquet"
ROOM_FILE = "room.json"
BASE_FILE = "scenario.yaml"
RUN = "run"
COUNTERFACTUAL = "counterfactual"
#: the files of a session folder (`cogov classroom`'s export): name → what it holds
SESSION_FILES = {
    ROOM_FILE: "the room: code, scenario name, seed, days, the day and round reached, round length, community, language, decisions logged",
    BASE_FILE: "the scenario as the room started (with the room's seed)",
    LOG_FILE: "every decision and event applied, in order (columns below); rewritten atomically whenever one is applied",
    f"{RUN}/": "the session's run folder, as `cogov run` writes it (its scenario lists every institutional decision as a timeline entry)",
    f"{COUNTERFACTUAL}/": "the run folder of the same seed with no decision applied (the model's own behaviour)",
    "report.en.html, report.zh.html": "the debrief report: what the decisions changed, the charts of both worlds, the decisions log",
}


class Phase(str, Enum):
    DECIDING = "deciding"
    PLAYING = "playing"
    PAUSED = "paused"
    FINISHED = "finished"


class Refusal(str, Enum):
    """Why the server refused an action (the page words it)."""

    UNKNOWN_PARTICIPANT = "unknown_participant"  # a token this room never gave (another room's, or made up)
    OTHER_ROLE = "other_role"  # a decision of a role the participant does not play
    NOT_YOURS = "not_yours"  # a dispute of another building than the household's
    BAD_VALUE = "bad_value"
    NOT_POSSIBLE = "not_possible"  # the model refuses the change now (e.g. no property company left)
    FINISHED = "finished"


class Refused(Exception):
    def __init__(self, reason: Refusal, detail: str = ""):
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)
        self.reason = reason
        self.detail = detail


@dataclass
class Participant:
    token: str
    name: str
    role: Role
    building: int | None  # a resident household's building (0-based, in the room's community)
    seen: float  # last time a page of theirs said it was there (monotonic)


@dataclass(frozen=True)
class LogRow:
    round: int
    day: int  # the day the decision applies from (0-based, as a timeline entry)
    role: Role
    participant: str
    decision: Decision
    value: float | None  # None: fell back to the model's own behaviour
    building: int | None = None  # a household's: its building (0-based, in the room's community)
    dispute: int | None = None  # handle_dispute: the dispute (value: the Choice code)


@dataclass(frozen=True)
class RoomFrame:
    """What every page of the room draws at one moment."""

    serial: int
    code: str
    lang: str
    phase: Phase
    round: int
    round_days: int
    day: int
    round_start_day: int
    seconds_left: float | None  # of the decision window (None while playing)
    deadline_mark: float | None  # changes only when the deadline is moved (pages redraw their countdown then)
    sim: SimFrame
    participants: tuple[tuple[str, Role, int | None, bool], ...]  # name, role, building, connected
    pending: tuple[LogRow, ...]  # this round's decisions so far (applied at the deadline)
    log: tuple[LogRow, ...]
    pick_roles: bool


def new_code(taken: set[str]) -> str:
    for _ in range(10_000):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if code not in taken:
            return code
    raise RuntimeError("no free room code")


@dataclass(frozen=True)
class DisputeCard:
    """One open dispute of a household's building, as its page lists it."""

    dispute: int
    category: str
    status: Status
    arisen_day: int
    choices: tuple[Choice, ...]  # what the household may decide for it now


@dataclass(frozen=True)
class RoleView:
    """What one role's page shows (per room change, shared by the pages of that role)."""

    trust: float  # residents' mean trust in the role's institution (a household: its building's in the committee), 0..1
    cases: dict[str, int]  # open cases at its channel (a household: in its building), by status
    since: dict[str, int]  # disputes arisen, resolved, escalated since the round's start
    current: dict[Decision, float | None]  # what each of its decisions stands at now
    disputes: tuple[DisputeCard, ...] = ()  # a household's: its building's open disputes, newest first
    rule: HouseholdRule | None = None  # a household's: its building's rule in force (None: its own)


class Room:
    """One classroom session over one shared model (the first community of `scenario`)."""

    CONNECTED_SECONDS = 10.0  # a participant whose page has not said it is there for this long shows as away

    def __init__(self, scenario: Scenario, *, code: str, seed: int | None = None, round_days: int = 30,
                 decide_seconds: float = 60.0, days_per_second: float = 5.0, lang: str = "en",
                 pick_roles: bool = False, folder: str | os.PathLike[str] | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.code = code
        seed = scenario.run.seed if seed is None else int(seed)
        self.base = scenario.model_copy(update={"run": scenario.run.model_copy(update={"seed": seed})})
        self.sim = Sim(self.base, seed)
        self.community = 0
        self.round_days = _positive(round_days, "round_days")
        self.decide_seconds = float(decide_seconds)
        self.days_per_second = float(days_per_second)
        self.lang = lang
        self.pick_roles = pick_roles
        self.folder = None if folder is None else Path(folder)
        self.clock = clock
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.serial = 0
        self.participants: dict[str, Participant] = {}
        self.round = 1
        self.phase = Phase.DECIDING
        self.deadline: float | None = clock() + self.decide_seconds
        self.round_start_day = 0
        self.play_started = 0.0
        self.paused_phase: Phase | None = None
        self.paused_left = 0.0
        self.pending: dict[tuple[Role, Decision, int | None, int | None], LogRow] = {}  # by role, decision, building, dispute
        self.log: list[LogRow] = []
        self.storm_ends: int | None = None
        self._frame: RoomFrame | None = None
        self.error: str | None = None  # what stopped the room, if something failed
        self._views: dict[tuple[Role, int | None], RoleView] = {}
        self._world: tuple[tuple, SimFrame] | None = None
        self.save()

    @property
    def model(self):
        return self.sim.model

    # --- participants ----------------------------------------------------------------------------
    def join(self, name: str, role: Role | None = None, building: int | None = None) -> Participant:
        """A new participant: the role picked (if the facilitator allows it) or the next one
        handed out — each institution once, then resident households, each in its own building."""
        name = " ".join(str(name).split())[:40]
        if not name:
            raise Refused(Refusal.BAD_VALUE, "a display name is needed")
        with self.lock:
            if role is not None and not self.pick_roles:
                role = None
            if role is None:
                role = self._next_role()
            if role is Role.FACILITATOR:
                raise Refused(Refusal.OTHER_ROLE, "the facilitator is not a participant's role")
            if role is Role.RESIDENT and building is None:
                building = self._next_building()
            if building is not None:
                building = int(np.clip(building, 0, self.model.geography.communities[self.community].buildings - 1))
            p = Participant(secrets.token_urlsafe(16), name, role, building if role is Role.RESIDENT else None, self.clock())
            self.participants[p.token] = p
            self._touch()
            return p

    def _next_role(self) -> Role:
        taken = {p.role for p in self.participants.values()}
        for role in INSTITUTIONAL:
            if role not in taken:
                return role
        return Role.RESIDENT

    def _next_building(self) -> int:
        n = self.model.geography.communities[self.community].buildings
        used = [p.building for p in self.participants.values() if p.role is Role.RESIDENT]
        return len(used) % n

    def participant(self, token: str | None) -> Participant:
        """The participant of `token` in this room; Refused for any other token."""
        with self.lock:
            p = self.participants.get(token or "")
            if p is None:
                raise Refused(Refusal.UNKNOWN_PARTICIPANT)
            return p

    def here(self, token: str) -> Participant:
        """A participant's page says it is (still) there: a rejoin after a dropped connection."""
        with self.lock:
            p = self.participant(token)
            was = self.clock() - p.seen <= self.CONNECTED_SECONDS
            p.seen = self.clock()
            if not was:
                self._touch()
            return p

    # --- decisions -------------------------------------------------------------------------------
    def decide(self, token: str, decision: Decision | str, value: float, dispute: int | None = None) -> None:
        """Record a participant's decision for this round (the last one made for a decision of a
        role — a household's: of its building, for a dispute — counts); checked here, against the
        model, before it is accepted."""
        with self.lock:
            p = self.participant(token)
            try:
                decision = Decision(decision)
            except ValueError:
                raise Refused(Refusal.BAD_VALUE, f"unknown decision {decision!r}") from None
            if decision not in OF_ROLE[p.role]:
                raise Refused(Refusal.OTHER_ROLE, f"{decision.value} is decided by the {SPECS[decision].role.value if decision in SPECS else '?'}")
            if self.phase is Phase.FINISHED:
                raise Refused(Refusal.FINISHED)
            try:
                value = SPECS[decision].check(value)
            except ValueError as e:
                raise Refused(Refusal.BAD_VALUE, str(e)) from None
            if decision is Decision.HANDLE_DISPUTE:
                dispute = self._check_dispute(p, dispute, Choice(int(value)))
            elif decision in RULE_CHOICES and Choice(int(value)) not in RULE_CHOICES[decision]:
                raise Refused(Refusal.BAD_VALUE, f"{decision.value}: expected one of "
                              f"{', '.join(str(int(c)) for c in RULE_CHOICES[decision])}, found {value:g}")
            else:
                dispute = None
                if decision not in HOUSEHOLD:
                    self._check_entry(decision, value)
            self.pending[(p.role, decision, p.building, dispute)] = LogRow(
                self.round, self.model.day, p.role, p.name, decision, value, p.building, dispute)
            self._touch()

    def _check_dispute(self, p: Participant, dispute, choice: Choice) -> int:
        """The dispute a household decides for: open, in its building, the choice open to it."""
        b = self.model.disputes.book
        if isinstance(dispute, bool) or not isinstance(dispute, (int, np.integer)) or not 0 <= dispute < b.n:
            raise Refused(Refusal.BAD_VALUE, f"dispute: expected one of your building's disputes, found {dispute!r}")
        if int(b.community[dispute]) != self.community or self._building_of(int(dispute)) != p.building:
            raise Refused(Refusal.NOT_YOURS, f"dispute {dispute}")
        if choice not in open_choices(self.model.disputes, int(dispute)):
            raise Refused(Refusal.NOT_POSSIBLE, f"{choice.name.lower()} (dispute {dispute})")
        return int(dispute)

    def _building_of(self, dispute: int) -> int:
        """The building (0-based, in the room's community) of a dispute's complainant."""
        m = self.model
        return int(m.population.building[m.disputes.book.complainant[dispute]]) - m.geography.communities[self.community].building_offset

    def _entry(self, decision: Decision, value: float) -> TimelineEntry:
        s, sc = changes(decision, value, self.model, self.community)
        return TimelineEntry(day=self.model.day, community=self.model.geography.names[self.community], set=s, scale=sc)

    def _check_entry(self, decision: Decision, value: float) -> None:
        try:
            self.model.timeline.check(self._entry(decision, value))
        except (ScenarioError, ValueError) as e:
            raise Refused(Refusal.NOT_POSSIBLE, str(e)) from None

    def _apply(self, row: LogRow) -> None:
        """Apply a logged decision now (between steps) and keep it in the log."""
        apply_decision(self.sim, row.decision, row.value, self.community, row.building, row.dispute)
        self.log.append(row)

    def inject(self, event: Decision | str) -> None:
        """The facilitator's event, applied at once: the property company leaves, a fee rise, or a
        storm that multiplies maintenance disputes for STORM_DAYS days."""
        with self.lock:
            event = Decision(event)
            if event not in EVENTS:
                raise Refused(Refusal.BAD_VALUE, f"{event.value} is not an event")
            if self.phase is Phase.FINISHED:
                raise Refused(Refusal.FINISHED)
            if event is Decision.STORM and self.storm_ends is not None:
                raise Refused(Refusal.NOT_POSSIBLE, "a storm is already raging")
            value = SPECS[event].low
            self._check_entry(event, value)
            self._apply(LogRow(self.round, self.model.day, Role.FACILITATOR, Role.FACILITATOR.value, event, value))
            if event is Decision.STORM:
                self.storm_ends = self.model.day + STORM_DAYS
            self.save()
            self._touch()

    def close_decisions(self) -> None:
        """The deadline: apply this round's decisions (role order, then each role's decisions in
        its order), log a fallback for each role played that decided nothing, and play."""
        with self.lock:
            if self.phase is not Phase.DECIDING:
                return
            day = self.model.day
            decided: set[Role] = set()
            for role in INSTITUTIONAL:
                for decision in OF_ROLE[role]:
                    row = self.pending.get((role, decision, None, None))
                    if row is None:
                        continue
                    try:
                        self._check_entry(decision, row.value)
                    except Refused:  # no longer possible (an event since): the model's behaviour goes on
                        continue
                    self._apply(replace(row, round=self.round, day=day))
                    decided.add(role)
            playing = {p.role for p in self.participants.values() if p.role in INSTITUTIONAL}
            for role in INSTITUTIONAL:
                if role in playing and role not in decided:
                    self.log.append(LogRow(self.round, day, role, "", Decision.FALLBACK, None))
            self._close_household_decisions(day)
            self.pending.clear()
            self.phase = Phase.PLAYING
            self.deadline = None
            self.round_start_day = day
            self.play_started = self.clock()
            self.save()
            self._touch()

    def _close_household_decisions(self, day: int) -> None:
        """The households' decisions, building by building: a building played starts the round
        from its residents' own rule (a fallback logged where it had a rule in force), then takes
        each dispute's choice (if still open to it) and its rule for the round."""
        rows = sorted((r for (role, *_), r in self.pending.items() if role is Role.RESIDENT),
                      key=lambda r: (r.building, HOUSEHOLD.index(r.decision), r.dispute or 0))
        offset = self.model.geography.communities[self.community].building_offset
        for building in sorted({p.building for p in self.participants.values() if p.role is Role.RESIDENT}):
            if offset + building in self.model.household_rules:
                self._apply(LogRow(self.round, day, Role.RESIDENT, "", Decision.FALLBACK, None, building))
        for row in rows:
            if row.decision is Decision.HANDLE_DISPUTE and Choice(int(row.value)) not in open_choices(self.model.disputes, row.dispute):
                continue  # closed or moved on since: the model's rule decides
            self._apply(replace(row, round=self.round, day=day))

    # --- time --------------------------------------------------------------------------------------
    def tick(self) -> int:
        """Do what is due now: close the decision window at its deadline, or step the days due at
        the round's pace. Returns the days stepped."""
        with self.lock:
            now = self.clock()
            if self.phase is Phase.DECIDING and self.deadline is not None and now >= self.deadline:
                self.close_decisions()
                return 0
            if self.phase is not Phase.PLAYING:
                return 0
            due = int((now - self.play_started) * self.days_per_second) - (self.model.day - self.round_start_day)
            return self._play(max(0, due))

    def _play(self, days: int) -> int:
        done = 0
        end = self.round_start_day + self.round_days
        while done < days and self.model.day < end and self.model.running:
            if self.storm_ends is not None and self.model.day >= self.storm_ends:
                self._apply(LogRow(self.round, self.model.day, Role.FACILITATOR, Role.FACILITATOR.value,
                                   Decision.STORM_ENDS, SPECS[Decision.STORM_ENDS].low))
                self.storm_ends = None
            self.sim.step()
            done += 1
        if not self.model.running:
            self.phase = Phase.FINISHED
            self.save()
        elif self.model.day >= end:
            self.round += 1
            self.phase = Phase.DECIDING
            self.deadline = self.clock() + self.decide_seconds
            self.save()
        if done or self.phase is not Phase.PLAYING:
            self._touch()
        return done

    def next_round(self) -> None:
        """The facilitator moves on: close the decisions now, or finish the round's days at once."""
        with self.lock:
            if self.phase is Phase.PAUSED:
                self.resume()
            if self.phase is Phase.DECIDING:
                self.close_decisions()
            elif self.phase is Phase.PLAYING:
                self._play(self.round_start_day + self.round_days - self.model.day)

    def pause(self) -> None:
        with self.lock:
            if self.phase in (Phase.DECIDING, Phase.PLAYING):
                self.paused_phase = self.phase
                now = self.clock()
                self.paused_left = (self.deadline - now) if self.phase is Phase.DECIDING else now - self.play_started
                self.phase = Phase.PAUSED
                self._touch()

    def resume(self) -> None:
        with self.lock:
            if self.phase is Phase.PAUSED and self.paused_phase is not None:
                now = self.clock()
                self.phase = self.paused_phase
                if self.phase is Phase.DECIDING:
                    self.deadline = now + self.paused_left
                else:
                    self.play_started = now - self.paused_left
                self.paused_phase = None
                self._touch()

    def extend(self, seconds: float = 30.0) -> None:
        with self.lock:
            if self.phase is Phase.DECIDING and self.deadline is not None:
                self.deadline += seconds
            elif self.phase is Phase.PAUSED and self.paused_phase is Phase.DECIDING:
                self.paused_left += seconds
            self._touch()

    def set_round_days(self, days: int) -> None:
        with self.lock:
            self.round_days = _positive(days, "round_days")
            self._touch()

    def set_decide_seconds(self, seconds: float) -> None:
        """The decision window's length, from now: an open window closes `seconds` from now."""
        with self.lock:
            if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 < seconds <= 86400:
                raise ValueError(f"decide_seconds: expected a number of seconds in (0, 86400], found {seconds!r}")
            self.decide_seconds = float(seconds)
            if self.phase is Phase.DECIDING:
                self.deadline = self.clock() + self.decide_seconds
            elif self.phase is Phase.PAUSED and self.paused_phase is Phase.DECIDING:
                self.paused_left = self.decide_seconds
            self._touch()

    def set_pick_roles(self, allowed: bool) -> None:
        with self.lock:
            self.pick_roles = bool(allowed)
            self._touch()

    def set_lang(self, lang: str) -> None:
        with self.lock:
            self.lang = lang
            self._touch()

    # --- what pages draw ------------------------------------------------------------------------
    def _touch(self) -> None:
        self.serial += 1
        self._frame = None
        self._views.clear()
        self.changed.notify_all()

    def role_view(self, role: Role, building: int | None = None) -> RoleView:
        from .decisions import TRUST_OF, current

        with self.lock:
            key = (role, building)
            if key not in self._views:
                m = self.model
                rows = m.community_rows[self.community]
                mv = m.datacollector.model_vars
                since = {k: int(round(float(np.sum(mv[k][self.round_start_day:m.day])))) if k in mv else 0
                         for k in ("arisen", "resolved", "escalated")}
                household = role is Role.RESIDENT and building is not None
                if household:  # a household sees its own building's residents
                    rows = rows[m.population.building[rows] == m.geography.communities[self.community].building_offset + building]
                self._views[key] = RoleView(
                    trust=float(m.population.trust[rows, TRUST_OF[role]].mean()), cases=self.open_cases(role, building),
                    since=since, current={d: current(d, m, self.community) for d in OF_ROLE[role]},
                    disputes=self.household_disputes(building) if household else (),
                    rule=m.household_rules.get(m.geography.communities[self.community].building_offset + building)
                    if household else None)
            return self._views[key]

    def frame(self) -> RoomFrame:
        """The room now; one frame per change, shared by every page."""
        with self.lock:
            if self._frame is None:
                now = self.clock()
                left = max(0.0, self.deadline - now) if self.phase is Phase.DECIDING and self.deadline is not None else (
                    max(0.0, self.paused_left) if self.phase is Phase.PAUSED and self.paused_phase is Phase.DECIDING else None)
                self._frame = RoomFrame(
                    serial=self.serial, code=self.code, lang=self.lang, phase=self.phase, round=self.round,
                    round_days=self.round_days, day=self.model.day, round_start_day=self.round_start_day,
                    seconds_left=left, sim=self._sim_frame(),
                    deadline_mark=self.deadline if self.phase is Phase.DECIDING else (
                        self.paused_left if self.phase is Phase.PAUSED else None),
                    participants=tuple((p.name, p.role, p.building, now - p.seen <= self.CONNECTED_SECONDS)
                                       for p in self.participants.values()),
                    pending=tuple(self.pending.values()),
                    log=tuple(self.log), pick_roles=self.pick_roles)
            return self._frame

    def _sim_frame(self) -> SimFrame:
        """The world's frame, rebuilt only when the world changed (a day, a change applied): the
        same object otherwise, so pages redraw their map and charts only then."""
        key = (self.model.day, len(self.model.timeline.applied), self.sim.cursor)
        if self._world is None or self._world[0] != key:
            self._world = (key, self.sim.frame(self.community))
        return self._world[1]

    def wait(self, serial: int, timeout: float) -> int:
        """Block until the room changes after `serial` (or `timeout`); the serial now."""
        with self.lock:
            if self.serial == serial:
                self.changed.wait(timeout)
            return self.serial

    #: a household's page lists at most this many of its building's disputes
    HOUSEHOLD_CARDS = 8

    def household_disputes(self, building: int) -> tuple[DisputeCard, ...]:
        """The open disputes of a building's residents, newest first, with what may be decided."""
        from ..scenario.schema import CATEGORIES

        m = self.model
        b = m.disputes.book
        first = m.geography.communities[self.community].building_offset
        mine = np.flatnonzero((b.community == self.community) & np.isin(b.status, OPEN_STATUSES)
                              & (m.population.building[b.complainant] == first + building))
        return tuple(DisputeCard(int(i), CATEGORIES[int(b.category[i])], Status(int(b.status[i])), int(b.arisen_day[i]),
                                 open_choices(m.disputes, int(i))) for i in mine[::-1][:self.HOUSEHOLD_CARDS])

    def open_cases(self, role: Role, building: int | None = None) -> dict[str, int]:
        """The open cases a role's page lists: at its channel, or (a resident household) in its building."""
        from .decisions import CHANNEL_OF

        b = self.model.disputes.book
        mine = b.community == self.community
        if role is Role.RESIDENT:
            first = self.model.geography.communities[self.community].building_offset
            where = self.model.population.building[b.complainant] == first + (building or 0)
            mine = mine & where
        else:
            mine = mine & (b.channel == CHANNEL_OF[role])
        return {s.name.lower(): int((mine & (b.status == s)).sum()) for s in (Status.LATENT, Status.NEGOTIATING, Status.WAITING, Status.IN_SERVICE)}

    # --- the session folder -----------------------------------------------------------------------
    def save(self) -> None:
        """Write the room's file, its starting scenario and the decisions log (each atomically)."""
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomic(self.folder / BASE_FILE, scenario_to_yaml(self.base).encode("utf-8"))
        write_atomic(self.folder / LOG_FILE, log_bytes(self.log))
        write_atomic(self.folder / ROOM_FILE, json_bytes({
            "cogov_classroom_session": 1, "code": self.code, "scenario": self.base.name, "seed": self.model.seed,
            "days": self.model.days, "day": self.model.day, "round": self.round, "round_days": self.round_days,
            "community": self.community, "lang": self.lang, "decisions": len(self.log)}))


def _positive(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{what}: expected a whole number of days >= 1, found {value!r}")
    return int(value)


def log_table(rows: list[LogRow]) -> pa.Table:
    """The decisions log: a LogRow's field per declared column (LOG_COLUMNS), codes as their names."""
    def cell(row: LogRow, name: str):
        value = getattr(row, name)
        return value.value if isinstance(value, Enum) else value

    return pa.Table.from_pylist([{name: cell(r, name) for name in LOG_COLUMNS} for r in rows], schema=LOG_SCHEMA)


def log_bytes(rows: list[LogRow]) -> bytes:
    return parquet_bytes(log_table(rows))


def write_atomic(path: Path, data: bytes) -> None:
    """Write `path` so that a reader sees the old file or the new one, never half of one."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


# --------------------------------------------------------------------------------------------
# The server's rooms
# --------------------------------------------------------------------------------------------


@dataclass
class Rooms:
    """Every room of the server, by code; one thread steps them all (each room once a tick,
    whatever the number of pages)."""

    results_dir: Path = Path("results")
    tick_seconds: float = 0.05
    rooms: dict[str, Room] = field(default_factory=dict)

    def __post_init__(self):
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def create(self, scenario: Scenario | str | Path, **kwargs) -> Room:
        scenario = resolve_scenario(scenario)
        with self._lock:
            code = kwargs.pop("code", None) or new_code(set(self.rooms))
            if code in self.rooms:
                raise ValueError(f"room code {code} is taken")
            stamp = time.strftime("%Y%m%d-%H%M%S")
            folder = kwargs.pop("folder", None) or Path(self.results_dir) / f"classroom-{code}-{stamp}"
            room = self.rooms[code] = Room(scenario, code=code, folder=folder, **kwargs)
        self.start()
        return room

    def find(self, code: str | None) -> Room | None:
        with self._lock:
            return self.rooms.get((code or "").strip().upper())

    def start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="cogov-classroom", daemon=True)
                self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                rooms = list(self.rooms.values())
            for room in rooms:
                try:
                    room.tick()
                except Exception as e:  # noqa: BLE001 — a failing room stops; the others go on
                    with room.lock:
                        room.phase = Phase.FINISHED
                        room.error = f"{type(e).__name__}: {e}"
                        room._touch()
            self._stop.wait(self.tick_seconds)


__all__ = ["COUNTERFACTUAL", "LOG_COLUMNS", "LOG_FILE", "LOG_SCHEMA", "RUN", "SESSION_FILES", "DisputeCard", "Participant", "Phase", "Refusal", "Refused", "Room", "RoomFrame", "Rooms", "log_table",
           "write_atomic"]
