"""One browser session's simulation: the models it runs and what the page draws of them.

No Solara here. A `Session` belongs to one page (the app builds it inside a component with
`solara.use_memo`, never at module level), holds model A — the chosen preset with the trainer's
levers — and, in A/B mode, model B — another preset with the same seed (common random numbers) —
and steps them together under one lock. After each step the page asks for a `Frame`: an immutable
copy of everything it draws (daily series, headline values, the map's residents and disputes, the
ticker), so drawing never reads a model while another thread steps it.

Every number shown comes from the model's DataCollector (the daily metrics of the registry,
`sim.metrics`) or, per community, from the same metric functions over a `Scope`.
"""

from __future__ import annotations

import functools
import gc
import math
import os
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np

from ..disputes.book import Detail, Event, Status, Step
from ..disputes.ladder import CHANNEL_NAMES, RUNG, Channel
from ..metrics import METRICS
from ..metrics.definitions import Scope, resolution_rate
from ..model import CoGovModel, forget, resolve_scenario
from ..resources import shipped
from ..running.output import hand_back_memory
from ..scenario import Scenario, ScenarioError, load_scenario
from ..scenario.schema import CATEGORIES, TimelineEntry
from ..space.geography import Place
from .levers import check_overrides

#: ticker lines kept: the newest are shown, the rest are the scrollback a filter searches
TICKER_KEEP = 400


class Line(StrEnum):
    """The kinds of ticker line; each is a catalogue key `workshop.ticker_line.<kind>`."""

    REPORTED = "reported"
    SPOTTED = "spotted"
    NOTICED_RED_CELL = "noticed_red_cell"
    RED_CELL_HELPS = "red_cell_helps"
    RESOLVED = "resolved"
    ON_THE_SPOT = "on_the_spot"
    ESCALATED = "escalated"
    MISROUTED = "misrouted"
    GAVE_UP = "gave_up"
    GAVE_UP_WAITING = "gave_up_waiting"
    HANDOVER = "handover"
    CHANGE = "change"  # a lever changed mid-run (a timeline entry), not a dispute


#: ticker line kinds by (case-log event, detail); None: any detail. Resolutions are told apart by
#: whether a grid worker settled the case on the spot (`Sim._read_log`).
TICKER_KIND = {
    (Event.NOTICE, Detail.REPORTED): Line.REPORTED,
    (Event.NOTICE, Detail.CHOSEN): Line.REPORTED,  # a classroom household reported it
    (Event.NOTICE, Detail.GRID_WORKER): Line.SPOTTED,
    (Event.NOTICE, Detail.RED_CELL): Line.NOTICED_RED_CELL,
    (Event.ROUTE, Detail.ESCALATED): Line.ESCALATED,
    (Event.ABANDON, Detail.GAVE_UP_WAITING): Line.GAVE_UP_WAITING,
    (Event.ABANDON, None): Line.GAVE_UP,
    (Event.MISROUTE, None): Line.MISROUTED,
    (Event.HANDOVER, None): Line.HANDOVER,
    (Event.NEGOTIATE, Detail.RED_CELL_HELPS): Line.RED_CELL_HELPS,
}
#: closed disputes stay on the map (a tick or a cross) for this many days
RECENT_DAYS = 5
#: how often, at most, the per-community resolution rates of a city are recomputed
CITY_REFRESH_SECONDS = 0.5

# map status codes, in legend order
LATENT, NEGOTIATING, WAITING, IN_SERVICE, ESCALATED, RESOLVED, ABANDONED = range(7)
MAP_STATUSES = ("latent", "negotiating", "waiting", "in_service", "escalated", "resolved", "abandoned")


# --------------------------------------------------------------------------------------------
# Presets: the scenario files a trainer can pick
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preset:
    key: str  # path inside the scenarios folder without ".yaml", e.g. "levers/grid_management"
    path: Path
    name: str
    description: str
    households: int
    communities: int


@functools.lru_cache(maxsize=256)
def _read_preset(path: str, mtime: float) -> Scenario:
    return load_scenario(path)


def load_preset(path: Path) -> Scenario:
    """A scenario file, parsed once per change of the file (scenarios are immutable values)."""
    return _read_preset(str(path), path.stat().st_mtime)


def find_presets(directory: str | os.PathLike[str] | None = None, extra: str | os.PathLike[str] | None = None) -> list[Preset]:
    """The shipped scenarios, plus every valid scenario file under `directory` (recursively; a
    file there with a shipped one's path, e.g. baseline.yaml, replaces it), plus `extra` first if
    given. Files that do not load are left out (the CLI's `validate` reports them)."""
    roots = [shipped("scenarios"), *([Path(directory)] if directory is not None else [])]
    found: dict[str, Preset] = {}
    for root in roots:
        for path in sorted(root.rglob("*.yaml")) if root.is_dir() else []:
            preset = _preset(path, roots)
            if preset is not None:
                found[preset.key] = preset
    out = sorted(found.values(), key=lambda p: (p.key.count("/"), p.key))
    first = _preset(Path(extra), roots) if extra is not None else None
    if first is None:
        return out
    return [first] + [p for p in out if p.key != first.key and p.path != first.path]


def _preset(path: Path, roots: list[Path]) -> Preset | None:
    """The preset of a scenario file (None if it does not load), keyed by its path in the last of
    `roots` that holds it, else by its file name."""
    real = path.resolve()
    try:
        sc = load_preset(real)
    except (ScenarioError, OSError):
        return None
    key = real.stem
    for root in roots:
        if real.is_relative_to(root.resolve()):
            key = real.relative_to(root.resolve()).with_suffix("").as_posix()
    sites = sc.communities()
    return Preset(key, real, sc.name, " ".join(sc.description.split()), sum(s.households for _, _, s in sites), len(sites))


# --------------------------------------------------------------------------------------------
# What the page draws: immutable frames
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TickerItem:
    """One line of the ticker, language-free: the page words it (sim.webapp.ticker)."""

    day: int  # 1-based day the event happened on
    kind: Line
    category: str
    community: Place | None  # None in a one-community run
    building: int  # 1-based building number within its community
    channel: str | None
    change: TimelineEntry | None = None  # kind CHANGE: the timeline entry (a lever changed mid-run)
    dispute: int = -1  # the dispute it is about (its id in the case log); -1 for a change


@dataclass(frozen=True)
class Journey:
    """One dispute followed from arising to now, language-free (sim.webapp.journey words it)."""

    dispute: int
    category: str
    community: Place | None  # None in a one-community run
    building: int  # 1-based, within its community
    status: Status
    steps: tuple[Step, ...]
    today: int  # days run so far: how long an open dispute has waited


@dataclass(frozen=True)
class MapData:
    """One community's buildings, residents and disputes for the map."""

    community: int
    name: Place
    building_xy: np.ndarray  # (buildings, 2) column, row
    building_grid: np.ndarray  # local grid number of each building
    resident_building: np.ndarray  # local building of each resident (stored building by building)
    resident_slot: np.ndarray  # position of the resident within the building
    active: np.ndarray  # took part in an activity in the participation window (bool)
    trust: np.ndarray  # mean trust in the four institutions, 0..1
    dispute_building: np.ndarray  # open or recently closed disputes: local building
    dispute_category: np.ndarray  # index into CATEGORIES
    dispute_status: np.ndarray  # MAP_STATUSES code
    dispute_id: np.ndarray  # the dispute (a row of the book): what a click on its marker follows


@dataclass(frozen=True)
class CityData:
    places: tuple[Place, ...]  # each community
    streets: tuple[Place, ...]  # street of each community
    districts: tuple[Place, ...]
    resolution_rate: np.ndarray  # per community; NaN before any dispute closes


@dataclass(frozen=True)
class SimFrame:
    label: str  # preset key (B) or "A"
    scenario_name: str
    seed: int
    day: int
    days: int
    running: bool
    residents: int
    series: dict[str, np.ndarray]
    headline: dict[str, float]
    map: MapData
    city: CityData | None
    ticker: tuple[TickerItem, ...]  # newest first
    changes: tuple[TimelineEntry, ...] = ()  # the run's timeline entries so far (markers on the charts)


@dataclass(frozen=True)
class Frame:
    """Everything drawn at one moment; `serial` grows with every new frame of a session."""

    serial: int
    a: SimFrame | None
    b: SimFrame | None
    error: str | None
    days_per_second: float | None = None
    followed: tuple[str, Journey] | None = None  # ("a" or "b", the dispute being followed)


# --------------------------------------------------------------------------------------------
# One simulated community (or city)
# --------------------------------------------------------------------------------------------


class Sim:
    """A model and the ticker read from its case log."""

    def __init__(self, scenario: Scenario, seed: int, days: int | None = None, label: str = "A"):
        self.model = CoGovModel(scenario=scenario, rng=seed, days=days)
        self.label = label
        self.cursor = len(self.model.disputes.book.log_id)  # next case-log row to read: the warm-up's are not news
        self.ticker: deque[TickerItem] = deque(maxlen=TICKER_KEEP)
        self._on_spot = -1
        geo = self.model.geography
        self._local_building = np.concatenate([np.arange(c.buildings) for c in geo.communities]) + 1
        self._city_cache: tuple[float, int, CityData] | None = None
        self._read_log()

    @property
    def finished(self) -> bool:
        return not self.model.running

    def step(self) -> None:
        self.model.step()
        self._read_log()

    def apply(self, changes: dict[str, Any], **where: Any) -> TimelineEntry:
        """Change levers from today on (`CoGovModel.apply`: a timeline entry on this day, with its
        scale, place and label as keywords), and say so in the ticker."""
        entry = self.model.apply(changes, **where)
        self.ticker.appendleft(TickerItem(day=self.model.day + 1, kind=Line.CHANGE, category="", community=None, building=0,
                                          channel=None, change=entry))
        return entry

    # --- ticker --------------------------------------------------------------------------------
    def _read_log(self) -> None:
        m = self.model
        b = m.disputes.book
        n = len(b.log_id)
        multi = len(m.geography.communities) > 1
        places = [c.place for c in m.geography.communities]
        building = m.population.building
        for k in range(self.cursor, n):
            event, detail = b.log_event[k], b.log_detail[k]
            i = b.log_id[k]
            channel = b.log_channel[k]
            if event == Event.ROUTE and detail == Detail.ON_THE_SPOT:
                self._on_spot = i
            if event == Event.RESOLVE:
                kind = Line.ON_THE_SPOT if i == self._on_spot else Line.RESOLVED
            else:
                kind = TICKER_KIND.get((event, detail), TICKER_KIND.get((event, None)))
            if kind is None:
                continue
            who = int(b.cols["complainant"][i])
            c = int(b.cols["community"][i])
            self.ticker.appendleft(TickerItem(
                day=int(math.floor(b.log_time[k])) + 1, kind=kind,
                category=CATEGORIES[int(b.cols["category"][i])],
                community=places[c] if multi else None,
                building=int(self._local_building[building[who]]),
                channel=CHANNEL_NAMES[channel] if channel >= 0 else None, dispute=int(i),
            ))
        self.cursor = n

    def journey(self, dispute: int) -> Journey | None:
        """Dispute `dispute` followed through the case log so far; None if there is no such dispute."""
        m = self.model
        b = m.disputes.book
        if not 0 <= dispute < b.n:
            return None
        c = int(b.community[dispute])
        return Journey(
            dispute=dispute, category=CATEGORIES[int(b.category[dispute])],
            community=m.geography.communities[c].place if len(m.geography.communities) > 1 else None,
            building=int(self._local_building[m.population.building[int(b.complainant[dispute])]]),
            status=Status(int(b.status[dispute])), steps=b.journey(dispute), today=m.day,
        )

    # --- frames --------------------------------------------------------------------------------
    def map_data(self, community: int) -> MapData:
        m = self.model
        geo, pop, b = m.geography, m.population, m.disputes.book
        c = min(max(community, 0), len(geo.communities) - 1)
        layout = geo.communities[c]
        rows = m.community_rows[c]
        first = layout.building_offset
        res_building = pop.building[rows] - first
        start = m.building_start[pop.building[rows]]
        window = m.config.behaviour.participation.window_days
        active = pop.active(m.day - 1, window)[rows]  # the participation definition (metrics.participation_rate)
        trust = pop.trust[rows].mean(axis=1)

        status = b.status
        mine = b.community == c
        closed_recent = ~np.isnan(b.closed_time) & (b.closed_time >= m.day - RECENT_DAYS)
        show = mine & ((status < Status.RESOLVED) | closed_recent)
        idx = np.flatnonzero(show)
        st = status[idx].astype(np.int64)
        code = np.select(
            [st == Status.LATENT, st == Status.NEGOTIATING, st == Status.WAITING, st == Status.IN_SERVICE, st == Status.RESOLVED],
            [LATENT, NEGOTIATING, WAITING, IN_SERVICE, RESOLVED], default=ABANDONED)
        escalated = (st < Status.RESOLVED) & (b.highest_rung[idx] >= RUNG[Channel.STREET])
        code = np.where(escalated, ESCALATED, code)
        # lumped grievances never reached anyone: nothing to draw
        visible = ~((st == Status.ABANDONED) & (b.notice[idx] < 0))
        idx, code = idx[visible], code[visible]
        return MapData(
            community=c, name=layout.place,
            building_xy=layout.building_xy.astype(np.int64), building_grid=layout.building_grid - layout.grid_offset + 1,
            resident_building=res_building.astype(np.int64), resident_slot=(rows - start).astype(np.int64),
            active=active, trust=trust,
            dispute_building=(building_of(m, idx) - first).astype(np.int64),
            dispute_category=b.category[idx].astype(np.int64), dispute_status=code.astype(np.int64),
            dispute_id=idx.astype(np.int64),
        )

    def city_data(self) -> CityData | None:
        m = self.model
        geo = m.geography
        if len(geo.communities) < 2:
            return None
        now = time.monotonic()
        if self._city_cache is not None:
            at, day, data = self._city_cache
            if day == m.day or now - at < CITY_REFRESH_SECONDS:
                return data
        rates = np.array([resolution_rate(Scope(m, [c])) for c in range(len(geo.communities))])
        data = CityData(tuple(c.place for c in geo.communities), tuple(c.street_place for c in geo.communities),
                        tuple(c.district_place for c in geo.communities), rates)
        self._city_cache = (now, m.day, data)
        return data

    def frame(self, community: int) -> SimFrame:
        m = self.model
        mv = m.datacollector.model_vars
        series = {k: np.asarray(v, dtype=np.float64) for k, v in mv.items()}
        headline = {k: float(mv[k][-1]) if len(mv[k]) else math.nan for k in METRICS.headline()}
        return SimFrame(
            label=self.label, scenario_name=m.config.name, seed=m.seed, day=m.day, days=m.days,
            running=bool(m.running), residents=m.population.n, series=series, headline=headline,
            map=self.map_data(community), city=self.city_data(), ticker=tuple(self.ticker),
            changes=tuple(m.timeline.applied),
        )


def building_of(model, disputes: np.ndarray) -> np.ndarray:
    """Global building of each dispute: where its complainant lives."""
    return model.population.building[model.disputes.book.complainant[disputes]]


# --------------------------------------------------------------------------------------------
# The session
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    """What the trainer chose: the preset, lever overrides, seed, and the B preset (A/B mode)."""

    preset: Path
    overrides: tuple[tuple[str, Any], ...] = ()
    seed: int | None = None  # None: the preset's run.seed
    compare: Path | None = None

    def overrides_dict(self) -> dict[str, Any]:
        return dict(self.overrides)


def _freeze(overrides: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in overrides.items()))


def make_setup(preset: Path, overrides: dict[str, Any] | None = None, seed: int | None = None,
               compare: Path | None = None) -> Setup:
    return Setup(Path(preset), _freeze(overrides or {}), seed, None if compare is None else Path(compare))


def scenario_for(setup: Setup) -> Scenario:
    """A's scenario: the preset with the lever overrides (checked against the schema first)."""
    overrides = check_overrides({k: list(v) if isinstance(v, tuple) else v for k, v in setup.overrides})
    return resolve_scenario(load_preset(setup.preset), overrides or None)


class Session:
    """The models of one browser session, stepped together under `lock`."""

    def __init__(self):
        self.lock = threading.RLock()
        self.setup: Setup | None = None
        self.a: Sim | None = None
        self.b: Sim | None = None
        self.error: str | None = None
        self.serial = 0
        self.community = 0
        self.playing = False  # set by the page's play loop; the speed is shown only while playing
        self.levers: dict[str, Any] = {}  # the levers as they stand now (the page's lever panel)
        self.following: tuple[str, int] | None = None  # ("a" or "b", dispute id): shown in every frame
        self._rate: deque[tuple[float, int]] = deque(maxlen=64)

    def release(self) -> None:
        """Drop the models (a closed tab's memory goes back to the server)."""
        with self.lock:
            self._forget_models()
            self.a = self.b = None
            self.setup = None

    def _forget_models(self) -> None:
        for sim in (self.a, self.b):
            if sim is not None:
                forget(sim.model)

    # --- building ------------------------------------------------------------------------------
    def configure(self, setup: Setup, superseded: threading.Event | None = None) -> bool:
        """Build fresh models (day 0) for `setup`; False, with `error` set, if it cannot be built
        (the previous models stay). A build `superseded` while it ran (the page asked for another
        one) is dropped: a slow older build must not replace the newer models."""
        try:  # built outside the lock: a big city takes seconds, and the old models stay usable meanwhile
            scenario = scenario_for(setup)
            seed = scenario.run.seed if setup.seed is None else int(setup.seed)
            a = Sim(scenario, seed, label="A")
            b = Sim(load_preset(setup.compare), seed, days=a.model.days, label="B") if setup.compare is not None else None
        except (ScenarioError, ValueError, OSError) as e:
            with self.lock:
                self.error = str(e)
            return False
        except Exception as e:  # noqa: BLE001 — shown on the page, never a dead page
            with self.lock:
                self.error = f"{type(e).__name__}: {e}"
            return False
        with self.lock:
            if superseded is not None and superseded.is_set():
                forget(a.model)
                if b is not None:
                    forget(b.model)
                return False
            self._forget_models()  # the models replaced (a reset, another preset) go
            self.setup, self.a, self.b, self.error = setup, a, b, None
            self.following = None
            self.levers = setup.overrides_dict()
            self.community = min(self.community, len(a.model.geography.communities) - 1)
            self._rate.clear()
            return True

    def reset(self) -> bool:
        return self.configure(self.setup) if self.setup is not None else False

    @property
    def started(self) -> bool:
        """Whether A has simulated a day (a lever change then applies from the current day)."""
        return self.a is not None and self.a.model.day > 0

    def change_levers(self, changes: dict[str, Any]) -> bool:
        """Change levers of A (only) from its current day on, without a restart: its charts part
        from B's from today. False, with `error` set, if the change is refused."""
        with self.lock:
            if self.a is None or not changes:
                return False
            try:
                self.a.apply(check_overrides(changes))
            except (ScenarioError, ValueError) as e:
                self.error = str(e)
                return False
            self.levers.update(changes)
            return True

    # --- running -------------------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        return self.a is None or self.a.finished

    def advance(self, days: int = 1) -> int:
        """Step A (and B) by up to `days` days; returns the days done. A failure stops the run
        and is kept in `error` for the page to show."""
        done = 0
        with self.lock:
            if self.a is None:
                return 0
            try:
                for _ in range(days):
                    if self.a.finished:
                        break
                    self.a.step()
                    if self.b is not None and not self.b.finished:
                        self.b.step()
                    done += 1
            except Exception as e:  # noqa: BLE001
                self.error = f"day {self.a.model.day + 1}: {type(e).__name__}: {e}"
                self.a.model.running = False
            if done:
                self._rate.append((time.perf_counter(), self.a.model.day))
        return done

    def start_playing(self) -> None:
        with self.lock:
            self.playing = True
            self._rate.clear()

    def days_per_second(self, horizon: float = 3.0) -> float | None:
        """Simulated days per second over the last few seconds of play."""
        if len(self._rate) < 2:
            return None
        now = self._rate[-1][0]
        old = next(((t, d) for t, d in self._rate if now - t <= horizon), self._rate[0])
        dt = now - old[0]
        return (self._rate[-1][1] - old[1]) / dt if dt > 0.2 else None

    def frame(self) -> Frame:
        with self.lock:
            self.serial += 1
            a = self.a.frame(self.community) if self.a is not None else None
            b = self.b.frame(self.community if self.b is not None and self._same_geography() else 0) if self.b is not None else None
            return Frame(self.serial, a, b, self.error, self.days_per_second() if self.playing else None, self._followed())

    def follow(self, side: str | None, dispute: int = -1) -> None:
        """Follow one dispute of A or B (its journey is in every frame from now); None: stop."""
        with self.lock:
            self.following = (side, int(dispute)) if side in ("a", "b") else None

    def _followed(self) -> tuple[str, Journey] | None:
        if self.following is None:
            return None
        side, dispute = self.following
        sim = self.a if side == "a" else self.b
        journey = sim.journey(dispute) if sim is not None else None
        return (side, journey) if journey is not None else None

    def _same_geography(self) -> bool:
        return self.a is not None and self.b is not None and self.a.model.geography.names == self.b.model.geography.names

    def select_community(self, c: int) -> None:
        with self.lock:
            if self.a is not None:
                self.community = int(np.clip(c, 0, len(self.a.model.geography.communities) - 1))

    def clear_error(self) -> None:
        with self.lock:
            self.error = None

    # --- export --------------------------------------------------------------------------------
    def export_runs(self, results_dir: str | os.PathLike[str], lang: str = "en") -> list[Path]:
        """Write the run folder of A (and B) as `cogov run` does, named by scenario, seed, day
        and time; returns the folders."""
        from ..cli import slug
        from ..running import write_run_folder

        stamp = time.strftime("%Y%m%d-%H%M%S")
        out = []
        with self.lock:
            if self.a is None:
                return out
            for sim in (self.a, self.b):
                if sim is None:
                    continue
                m = sim.model
                tag = "" if sim is self.a else "-B"
                target = Path(results_dir) / f"workshop-{slug(m.config.name)}{tag}-seed{m.seed}-day{m.day}-{stamp}"
                preset = self.setup.compare if sim is self.b else (self.setup.preset if not self.setup.overrides else None)
                write_run_folder(m, target, scenario_path=preset, command_line="cogov workshop", wall_time=None, lang=lang)
                out.append(target)
        return out


# --------------------------------------------------------------------------------------------
# The server's sessions: one per tab, found again by the token in the tab's address
# --------------------------------------------------------------------------------------------


@dataclass
class _Held:
    session: Session
    pages: dict = field(default_factory=dict)  # id → the Solara page context showing it (contexts are not hashable)
    left: float | None = None  # when the last page left (monotonic seconds)


class Sessions:
    """Every running session of the server, by a token the page keeps in its address
    (``?session=...``), so that reloading a tab finds its session as it was, day and levers
    included. A session no page shows any more (the tab closed, its Solara context gone) is freed
    `linger` seconds later, its models with it."""

    def __init__(self, linger: float = 30.0):
        self.linger = linger
        self._held: dict[str, _Held] = {}
        self._lock = threading.Lock()
        self._janitor: threading.Thread | None = None

    def __len__(self) -> int:
        with self._lock:
            return len(self._held)

    def open(self, token: str | None, page: Any = None) -> tuple[str, Session]:
        """The session of `token` (a new one, with a new token, for an unknown or missing one),
        shown now by `page`."""
        with self._lock:
            held = self._held.get(token) if token else None
            if held is None:
                token = secrets.token_urlsafe(12)
                held = self._held[token] = _Held(Session())
            held.pages[id(page)] = page
            held.left = None
        self._start_janitor()
        return token, held.session

    def find(self, token: str) -> Session | None:
        """The running session of `token`, if the server still has it."""
        with self._lock:
            held = self._held.get(token)
            return None if held is None else held.session

    def close(self, token: str, page: Any = None) -> None:
        """`page` no longer shows the session (it may come back with the token within `linger`)."""
        with self._lock:
            held = self._held.get(token)
            if held is not None:
                held.pages.pop(id(page), None)
                if not held.pages:
                    held.left = time.monotonic()

    def sweep(self, now: float | None = None) -> int:
        """Free the sessions no live page has shown for `linger` seconds; returns how many."""
        now = time.monotonic() if now is None else now
        freed = []
        with self._lock:
            for token, held in list(self._held.items()):
                held.pages = {k: p for k, p in held.pages.items() if not _gone(p)}
                if not held.pages and held.left is None:
                    held.left = now
                if held.left is not None and now - held.left >= self.linger:
                    freed.append(self._held.pop(token).session)
        for session in freed:
            session.release()
        if freed:
            gc.collect()  # models hold reference cycles (agents ↔ model): collect them now
            hand_back_memory()  # and hand the freed heap back to the system
        return len(freed)

    def _start_janitor(self) -> None:
        with self._lock:
            if self._janitor is not None:
                return
            self._janitor = threading.Thread(target=self._sweep_forever, name="cogov-sessions", daemon=True)
            self._janitor.start()

    def _sweep_forever(self) -> None:
        while True:
            time.sleep(max(1.0, self.linger / 4))
            self.sweep()


def _gone(page: Any) -> bool:
    """A page whose Solara context has closed (the tab closed, the kernel culled)."""
    closed = getattr(page, "closed_event", None)
    return closed is not None and closed.is_set()


#: the workshop server's sessions
SESSIONS = Sessions()


__all__ = [
    "MAP_STATUSES", "SESSIONS", "CityData", "Frame", "MapData", "Preset", "Session", "Sessions", "Setup", "Sim", "SimFrame",
    "TickerItem", "find_presets", "load_preset", "make_setup", "scenario_for",
]
