"""The classroom's pages: `solara run sim.classroom.app` (or `cogov classroom`).

* ``/`` — join (display name and room code), then the participant's page for their role: phone
  first, large touch targets, in the room's language. The tab keeps its participant token in its
  sessionStorage, so a reload or a dropped connection comes back to the same role.
* ``/console?key=…`` — the facilitator's console for the projector: the QR code of the join
  address, the room's map, tiles, ticker and charts (the workshop's components), who is
  connected in which role, the round's decisions, the timer and the room's controls.
* ``/debrief?key=…`` — scrub through the session day by day beside the counterfactual, follow a
  dispute, export the session folder.

The rooms live in one server-wide `Rooms` (`server_rooms`); one thread steps each room once a tick
for all its pages, and each page only reads the room's shared frame. Every action goes through a
Room method that checks the participant's token and role (sim.classroom.room).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from html import escape
from pathlib import Path
from urllib.parse import parse_qs

import numpy as np
import solara

from ..i18n import LANGUAGES, format_value, t
from ..webapp.app import TabMemory, _in_browser
from ..webapp.charts import Charts, Tiles
from ..webapp.inputs import HeldInput, whole_number
from ..webapp.mapview import Colouring, CommunityMap, MapLegend
from ..webapp.session import Frame
from ..webapp.style import CSS
from ..webapp.ticker import Ticker
from ..disputes.choices import AFTER_FAILURE, FOR_NEW_DISPUTES, Choice
from .decisions import EVENTS, HOUSEHOLD, OF_ROLE, PLAYED, RULE_FIELD, SPECS, Decision, Role
from .room import Phase, Refused, Room, RoleView, RoomFrame, Rooms
from .words import event_label, log_line, value_text
from .style import CLASSROOM_CSS
from .widgets import Answer, Choices, Countdown, Stepper

#: at most this many redraws a second: the console, and a participant's page
CONSOLE_HZ = 5.0
PARTICIPANT_HZ = 2.0
#: a participant's page says it is there this often (the console shows who is away)
HEARTBEAT_SECONDS = 3.0


@dataclass(frozen=True)
class ClassroomConfig:
    scenario: Path | None
    lang: str
    code: str | None
    key: str
    url: str
    results: Path
    round_days: int
    decide_seconds: float
    pace: float
    pick_roles: bool
    seed: int | None


def classroom_config() -> ClassroomConfig:
    env = os.environ
    lang = env.get("COGOV_CLASSROOM_LANG", "en")
    return ClassroomConfig(
        scenario=Path(env["COGOV_CLASSROOM_SCENARIO"]) if env.get("COGOV_CLASSROOM_SCENARIO") else None,
        lang=lang if lang in LANGUAGES else "en", code=env.get("COGOV_CLASSROOM_CODE") or None,
        key=env.get("COGOV_CLASSROOM_KEY", ""), url=env.get("COGOV_CLASSROOM_URL", "http://127.0.0.1/"),
        results=Path(env.get("COGOV_CLASSROOM_RESULTS", "results")),
        round_days=int(env.get("COGOV_CLASSROOM_ROUND_DAYS", "30")),
        decide_seconds=float(env.get("COGOV_CLASSROOM_DECIDE_SECONDS", "90")),
        pace=float(env.get("COGOV_CLASSROOM_PACE", "5")), pick_roles=bool(env.get("COGOV_CLASSROOM_PICK_ROLES")),
        seed=int(env["COGOV_CLASSROOM_SEED"]) if env.get("COGOV_CLASSROOM_SEED") else None,
    )


_rooms: Rooms | None = None
_rooms_lock = threading.Lock()


def server_rooms() -> Rooms:
    """The server's rooms; the first call opens the room `cogov classroom` announced."""
    global _rooms
    with _rooms_lock:
        if _rooms is None:
            cfg = classroom_config()
            _rooms = Rooms(results_dir=cfg.results)
            if cfg.scenario is not None:
                new_room(_rooms, cfg, cfg.code)
        return _rooms


def new_room(rooms: Rooms, cfg: ClassroomConfig, code: str | None = None) -> Room:
    from ..scenario import load_scenario

    return rooms.create(load_scenario(cfg.scenario), code=code, seed=cfg.seed, round_days=cfg.round_days,
                        decide_seconds=cfg.decide_seconds, days_per_second=cfg.pace, lang=cfg.lang,
                        pick_roles=cfg.pick_roles)


def qr_svg(url: str) -> str:
    """The join address as a QR code, drawn here (segno: no service asked)."""
    import segno

    return segno.make(url, error="m").svg_inline(scale=6, border=2, dark="#111", light="#fff")


def join_url(cfg: ClassroomConfig, code: str) -> str:
    return f"{cfg.url}?room={code}"


def _query() -> tuple[str, dict[str, list[str]]]:
    try:
        router = solara.use_router()
        return router.path or "/", parse_qs(router.search or "")
    except Exception:  # noqa: BLE001 — no router (solara.render in tests)
        return "/", {}


def use_room_frame(room: Room, hz: float, shown=None) -> RoomFrame:
    """The room's frame, redrawn when the room changes (at most `hz` times a second) — and, with
    `shown` (frame → what the page draws of it), only when that changes: a participant's page is
    not redrawn for another participant's decision. Every page of a server shares one Python, so
    each redraw spared is time given to the others."""
    frame, set_frame = solara.use_state(room.frame())

    def follow(cancel: threading.Event):
        f = room.frame()
        serial, seen = f.serial, shown(f) if shown else None
        if f is not frame:
            set_frame(f)  # the room as it is now: it may have changed, or be another room, since the state was made
        while not cancel.is_set():
            now = room.wait(serial, 1.0)
            if now != serial and not cancel.is_set():
                serial = now
                f = room.frame()
                key = shown(f) if shown else None
                if shown is None or key != seen:
                    seen = key
                    set_frame(f)
            cancel.wait(1.0 / hz)

    solara.use_thread(follow, dependencies=[room.code], intrusive_cancel=False)
    return frame


# --------------------------------------------------------------------------------------------
# Participants
# --------------------------------------------------------------------------------------------


@solara.component
def PhaseLine(f: RoomFrame, lang: str, css: str = "cr-timer"):
    if f.phase is Phase.DECIDING and f.seconds_left is not None:
        Countdown.element(seconds=float(f.seconds_left), label=t("classroom.seconds_left", lang, seconds="{seconds}"), look=css)
    else:
        solara.Text(phase_line(f, lang), classes=css.split())


def participant_shows(f: RoomFrame) -> tuple:
    """What a participant's page draws of the room (it is redrawn only when this changes). While
    a round plays it shows the round's days, not each day: forty phones redrawn five times a
    second would cost the server the time the projector needs."""
    return f.lang, f.phase, f.round, None if f.phase is Phase.PLAYING else f.day, f.deadline_mark


def phase_line(f: RoomFrame, lang: str) -> str:
    if f.phase is Phase.DECIDING and f.seconds_left is not None:
        return t("classroom.seconds_left", lang, seconds=int(round(f.seconds_left)))
    if f.phase is Phase.PLAYING:
        return t("classroom.playing_days", lang, start=f.round_start_day + 1, end=f.round_start_day + f.round_days)
    return t(f"classroom.phase.{f.phase.value}", lang)


def answer_to(room: Room, token: str, decision: Decision, lang: str, dispute: int | None = None):
    """A control's `on_send`: the decision sent to the room, and the server's answer in words."""
    def on_send(value: float) -> Answer:
        try:
            room.decide(token, decision, value, dispute)
        except Refused as e:
            return "refused", t(f"classroom.refused.{e.reason.value}", lang, detail=e.detail)
        return "ok", t("classroom.sent", lang, decision=t(f"classroom.decision.{decision.value}", lang),
                       value=value_text(decision, value, lang))
    return on_send


@solara.component
def DecisionControl(room: Room, token: str, decision: Decision, now: float | None, lang: str, round: int):
    values = SPECS[decision].values
    labels = solara.use_memo(lambda: [value_text(decision, x, lang) for x in values], [decision, lang])
    start = 0 if now is None else int(np.argmin(np.abs(np.asarray(values) - now)))
    with solara.Column(classes=["cr-decision", f"cr-decision-{decision.value}"], gap="6px"):
        solara.Text(t(f"classroom.decision.{decision.value}", lang), classes=["cr-decision-label"])
        Stepper.element(labels=labels, values=values, start=start, send_label=t("classroom.decide", lang), round=round,
                        on_send=answer_to(room, token, decision, lang))
        solara.Text(f"{t('classroom.now', lang)}: {value_text(decision, now, lang)}", classes=["cg-muted"])


@solara.component
def HouseholdDecisions(room: Room, token: str, view: RoleView, lang: str, round: int):
    """A resident household's page: for each open dispute of its building, what to do with it; and
    for the round, what its households do with each new dispute, after a channel fails, and with
    the activities they are offered (what is left undecided, the model's residents decide)."""

    def choices(decision: Decision, values, dispute: int | None = None):
        values = [float(x) for x in values]
        with solara.Div(classes=[f"cr-decision-{decision.value}"]):
            Choices.element(labels=[value_text(decision, x, lang) for x in values], values=values,
                            names=[_value_css(decision, x) for x in values], round=round,
                            on_send=answer_to(room, token, decision, lang, dispute))

    solara.Text(t("classroom.household", lang), classes=["cg-muted"])
    solara.Text(t("classroom.decision.handle_dispute", lang), classes=["cr-decision-label"])
    if not view.disputes:
        solara.Text(t("classroom.no_disputes", lang), classes=["cg-muted", "cr-no-disputes"])
    for card in view.disputes:
        with solara.Column(classes=["cr-dispute", f"cr-dispute-{card.dispute}"], gap="4px"):
            solara.Text(t("classroom.dispute_line", lang, id=card.dispute, category=t(f"dispute.category.{card.category}", lang),
                          status=t(f"classroom.status.{card.status.name.lower()}", lang),
                          day=card.arisen_day + 1 if card.arisen_day >= 0 else t("classroom.before_start", lang)),
                        classes=["cr-dispute-line"])
            choices(Decision.HANDLE_DISPUTE, card.choices, card.dispute)
    rule = view.rule
    for decision, values in ((Decision.NEW_DISPUTES, FOR_NEW_DISPUTES), (Decision.AFTER_FAILURE, AFTER_FAILURE),
                             (Decision.TAKE_PART, (1, 0))):
        solara.Text(t(f"classroom.decision.{decision.value}", lang), classes=["cr-decision-label"])
        choices(decision, values)
        now = None if rule is None else getattr(rule, RULE_FIELD[decision])
        solara.Text(f"{t('classroom.now', lang)}: "
                    f"{t('classroom.own_rule', lang) if now is None else value_text(decision, float(now), lang)}", classes=["cg-muted"])


def _value_css(decision: Decision, value) -> str:
    return ("yes" if value else "no") if decision is Decision.TAKE_PART else Choice(int(value)).name.lower()


@solara.component
def ParticipantView(room: Room, token: str):
    f = use_room_frame(room, PARTICIPANT_HZ, participant_shows)
    lang = f.lang
    def heartbeat(cancel: threading.Event):
        while not cancel.is_set():
            try:
                room.here(token)
            except Refused:
                return
            cancel.wait(HEARTBEAT_SECONDS)

    solara.use_thread(heartbeat, dependencies=[token], intrusive_cancel=False)
    try:
        me = room.participant(token)
    except Refused:
        solara.Text(t("classroom.refused.unknown_participant", lang), classes=["cg-error"])
        return
    view = room.role_view(me.role, me.building)
    role_name = t(f"classroom.role.{me.role.value}", lang)
    with solara.Column(classes=["cr-phone", f"cr-role-{me.role.value}"], gap="10px"):
        with solara.Column(classes=["cr-card", "cr-who"], gap="2px"):
            solara.Text(t("classroom.you_are", lang, role=role_name), classes=["cr-role"])
            where = f" · {t('classroom.building', lang, building=me.building + 1)}" if me.building is not None else ""
            solara.Text(f"{me.name}{where} · {f.code}", classes=["cg-muted"])
        with solara.Column(classes=["cr-card", "cr-round", f"cr-phase-{f.phase.value}"], gap="2px"):
            solara.Text(t("classroom.round", lang, round=f.round, day=f.round_start_day if f.phase is Phase.PLAYING else f.day,
                          days=f.sim.days), classes=["cr-round-line"])
            PhaseLine(f, lang)
        with solara.Column(classes=["cr-card"], gap="4px"):
            solara.Text(t("classroom.trust_household" if me.role is Role.RESIDENT else "classroom.trust", lang), classes=["cg-h3"])
            solara.Text(format_value(view.trust, "share", lang), classes=["cr-number", "cr-trust"])
            solara.Text(t("classroom.cases", lang), classes=["cg-h3"])
            solara.HTML(tag="div", classes=["cr-cases"], unsafe_innerHTML="".join(
                f'<span class="cr-chip">{escape(t(f"classroom.status.{k}", lang))} <b>{n}</b></span>' for k, n in view.cases.items()))
            solara.Text(t("classroom.since", lang), classes=["cg-h3"])
            solara.HTML(tag="div", classes=["cr-cases", "cr-since"], unsafe_innerHTML="".join(
                f'<span class="cr-chip">{escape(t(f"classroom.{k}", lang))} <b>{n}</b></span>' for k, n in view.since.items()))
        with solara.Column(classes=["cr-card", "cr-decisions"], gap="10px"):
            if me.role is Role.RESIDENT:
                HouseholdDecisions(room, token, view, lang, f.round).key(f"household-{f.round}")
            for d in OF_ROLE[me.role]:
                if d not in HOUSEHOLD:
                    DecisionControl(room, token, d, view.current[d], lang, f.round).key(f"{d.value}-{f.round}")


@solara.component
def JoinForm(cfg: ClassroomConfig, code0: str, on_joined):
    rooms = server_rooms()
    name, set_name = solara.use_state("")
    code, set_code = solara.use_state(code0)
    role, set_role = solara.use_state("")
    error, set_error = solara.use_state(None)
    room = rooms.find(code)
    lang = room.lang if room is not None else cfg.lang

    def join():
        r = rooms.find(code)
        if r is None:
            set_error(t("classroom.join.bad_code", lang, code=code.strip().upper() or "—"))
            return
        if not name.strip():
            set_error(t("classroom.join.need_name", lang))
            return
        picked = next((x for x in PLAYED if t(f"classroom.role.{x.value}", lang) == role), None)
        try:
            p = r.join(name, role=picked)
        except Refused as e:
            set_error(t(f"classroom.refused.{e.reason.value}", lang, detail=e.detail))
            return
        on_joined(r.code, p.token)

    with solara.Column(classes=["cr-phone", "cr-join"], gap="12px"):
        solara.Text(t("classroom.join.title", lang), classes=["cr-role", "cr-join-title"])
        solara.InputText(t("classroom.join.name", lang), value=name, on_value=set_name, continuous_update=True, classes=["cr-name"])
        solara.InputText(t("classroom.join.code", lang), value=code, on_value=set_code, continuous_update=True, classes=["cr-code"])
        if room is not None and room.pick_roles:
            solara.Select(t("classroom.join.role", lang), value=role, on_value=set_role, classes=["cr-pick"],
                          values=[t("classroom.join.any_role", lang)] + [t(f"classroom.role.{x.value}", lang) for x in PLAYED])
        solara.Button(t("classroom.join.button", lang), on_click=join, color="primary", classes=["cr-big", "cr-join-button"])
        if error:
            solara.Text(error, classes=["cg-error", "cr-join-error"])


@solara.component
def ParticipantHeader(lang: str):
    with solara.Row(classes=["cg-header", "cr-header"], gap="8px"):
        solara.Text(t("classroom.title", lang), classes=["cg-title"])


@solara.component
def RoomHeader(room: Room):
    """The header of a participant in a room: in the room's language, redrawn when it changes."""
    ParticipantHeader(use_room_frame(room, PARTICIPANT_HZ, shown=lambda f: f.lang).lang)


@solara.component
def ParticipantApp(cfg: ClassroomConfig, code0: str):
    rooms = server_rooms()
    held, set_held = solara.use_state(("", ""))  # (room code, participant token)
    remembered = solara.use_reactive(None if _in_browser() else "")

    def recall(stored: str):
        """The tab said which participant it was: the same role again, if the room still has it."""
        code, _, token = (stored or "").partition(":")
        room = rooms.find(code)
        if room is not None:
            try:
                room.here(token)
                set_held((room.code, token))
            except Refused:
                pass
        remembered.set(stored or "")

    room = rooms.find(held[0])
    lang = room.lang if room is not None else (rooms.find(code0).lang if rooms.find(code0) else cfg.lang)
    with solara.Column(classes=["cg-root", "cr-root"], gap="0px"):
        TabMemory.element(token=f"{held[0]}:{held[1]}" if held[1] else "", store_key="cogov-classroom", on_stored=recall)
        if room is None:
            ParticipantHeader(lang)
        else:
            RoomHeader(room)
        if remembered.value is None:
            return
        if room is None:
            JoinForm(cfg, code0, lambda code, token: set_held((code, token)))
        else:
            ParticipantView(room, held[1])


# --------------------------------------------------------------------------------------------
# Facilitator console
# --------------------------------------------------------------------------------------------


@solara.component
def Console(cfg: ClassroomConfig, room: Room, on_new_room, on_debrief):
    f = use_room_frame(room, CONSOLE_HZ)
    L = f.lang
    message, set_message = solara.use_state("")
    url = join_url(cfg, room.code)
    qr = solara.use_memo(lambda: qr_svg(url), [url])
    frame = solara.use_memo(lambda: Frame(f.sim.day, f.sim, None, room.error), [f.sim, room.error])  # charts redrawn with the world only

    def act(fn):
        def run():
            try:
                fn()
                set_message("")
            except Refused as e:
                set_message(t(f"classroom.refused.{e.reason.value}", L, detail=e.detail))
        return run

    def export():
        from .debrief import export_session

        folder = export_session(room)
        set_message(t("classroom.console.exported", L, folder=str(folder)))

    with solara.Column(classes=["cg-root", "cr-console"], gap="0px"):
        with solara.Row(classes=["cg-header"], gap="16px", justify="space-between"):
            with solara.Column(gap="0px"):
                solara.Text(f"{t('classroom.console.title', L)} · {room.code}", classes=["cg-title"])
                solara.Text(t("classroom.console.join_at", L, url=cfg.url, code=room.code), classes=["cg-subtitle", "cr-join-line"])
            with solara.Row(gap="8px", style={"align-items": "center"}):
                for code, label in (("en", "English"), ("zh", "中文")):
                    solara.Button(label, on_click=lambda code=code: room.set_lang(code), small=True, depressed=True, outlined=code != L,
                                  classes=["cg-lang", f"cg-lang-{code}"] + (["cg-lang-on"] if code == L else []))
        with solara.Row(classes=["cg-body"], gap="0px"):
            with solara.Column(classes=["cg-side", "cr-side"], gap="8px"):
                with solara.Row(gap="10px", style={"align-items": "center"}):
                    solara.HTML(tag="div", unsafe_innerHTML=qr, classes=["cr-qr"])
                    with solara.Column(gap="2px"):
                        solara.Text(room.code, classes=["cr-code-big"])
                        solara.Text(t("classroom.round", L, round=f.round, day=f.day, days=f.sim.days), classes=["cr-round-line"])
                        PhaseLine(f, L, "cr-timer cr-console-timer")
                with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
                    if f.phase is Phase.PAUSED:
                        solara.Button(t("classroom.console.resume", L), on_click=room.resume, classes=["cr-resume"])
                    else:
                        solara.Button(t("classroom.console.pause", L), on_click=room.pause, classes=["cr-pause"],
                                      disabled=f.phase is Phase.FINISHED)
                    solara.Button(t("classroom.console.next", L), on_click=room.next_round, color="primary", classes=["cr-next"],
                                  disabled=f.phase is Phase.FINISHED)
                    solara.Button(t("classroom.console.extend", L), on_click=lambda: room.extend(30), classes=["cr-extend"])
                with solara.Row(gap="10px"):
                    # the countdown re-renders the console every second: these boxes keep what is typed
                    HeldInput(t("classroom.console.round_days", L), value=str(f.round_days), classes=["cr-round-days"],
                              on_commit=lambda s: room.set_round_days(n) if (n := whole_number(s)) else None)
                    HeldInput(t("classroom.console.decide_seconds", L), value=str(int(room.decide_seconds)), classes=["cr-decide-seconds"],
                              on_commit=lambda s: room.set_decide_seconds(n) if (n := whole_number(s)) and n <= 86400 else None)
                solara.Text(t("classroom.console.inject", L), classes=["cg-h3"])
                with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
                    for ev in EVENTS:
                        solara.Button(event_label(ev, L), on_click=act(lambda ev=ev: room.inject(ev)), small=True, outlined=True,
                                      classes=["cr-event", f"cr-event-{ev.value}"], disabled=f.phase is Phase.FINISHED)
                solara.Switch(label=t("classroom.console.pick_roles", L), value=f.pick_roles,
                              on_value=room.set_pick_roles, classes=["cr-pick-roles"])
                with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
                    solara.Button(t("classroom.console.export", L), on_click=export, small=True, classes=["cr-export"])
                    solara.Button(t("classroom.console.debrief", L), on_click=on_debrief, small=True, classes=["cr-debrief"])
                    solara.Button("+", on_click=on_new_room, small=True, classes=["cr-new-room"])
                if message:
                    solara.Text(message, classes=["cg-muted", "cr-console-message"])
                if room.error:
                    solara.Text(room.error, classes=["cg-error", "cr-room-error"])
                solara.Text(f"{t('classroom.console.connected', L)} ({len(f.participants)})", classes=["cg-h3"])
                if not f.participants:
                    solara.Text(t("classroom.console.none_yet", L), classes=["cg-muted"])
                solara.HTML(tag="div", classes=["cr-people"], unsafe_innerHTML="".join(
                    f'<div class="cr-person{"" if on else " cr-away"}"><b>{escape(name)}</b> · {escape(t(f"classroom.role.{role.value}", L))}'
                    f'{escape(" · " + t("classroom.building", L, building=b + 1)) if b is not None else ""}'
                    f'{"" if on else " · " + escape(t("classroom.console.away", L))}</div>'
                    for name, role, b, on in f.participants))
                solara.Text(t("classroom.console.pending", L), classes=["cg-h3"])
                solara.HTML(tag="div", classes=["cr-pending"], unsafe_innerHTML="".join(
                    f"<div>{escape(log_line(r, L))}</div>" for r in f.pending))
                solara.Text(t("classroom.console.log", L), classes=["cg-h3"])
                solara.HTML(tag="div", classes=["cr-log"], unsafe_innerHTML="".join(
                    f"<div>{escape(t('classroom.report.round', L))} {r.round} · {r.day + 1}: {escape(log_line(r, L))}</div>"
                    for r in reversed(f.log[-12:])))
            with solara.Column(classes=["cg-main", "cr-main"], gap="6px"):
                Tiles(frame, L)
                with solara.Row(classes=["cg-live-row"], gap="10px"):
                    with solara.Column(gap="4px", style={"flex": "1 1 420px", "min-width": "320px"}):
                        CommunityMap(f.sim.map, Colouring.TRUST, t("workshop.map", L), "a")
                        MapLegend(Colouring.TRUST, L)
                    with solara.Column(gap="4px", style={"flex": "1 1 300px", "min-width": "280px"}):
                        Ticker(f.sim.ticker, L, rows=12, empty_key="classroom.console.ticker_empty")
                Charts(frame, L, True, (t("classroom.session", L), ""))


# --------------------------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------------------------


@solara.component
def FacilitatorPage(cfg: ClassroomConfig, code0: str, debrief0: bool):
    rooms = server_rooms()
    chosen, set_chosen = solara.use_state(code0)
    debrief, set_debrief = solara.use_state(debrief0)
    room = rooms.find(chosen) or next(iter(rooms.rooms.values()), None)
    if room is None:
        solara.Text("cogov classroom: no room", classes=["cg-error"])
    elif debrief:
        from .debrief_page import Debrief

        Debrief(room, lambda: set_debrief(False))
    else:
        Console(cfg, room, lambda: set_chosen(new_room(rooms, cfg).code), lambda: set_debrief(True))


def _facilitator(debrief: bool):
    cfg = solara.use_memo(classroom_config, [])
    _, query = _query()
    solara.Style(CSS + CLASSROOM_CSS)
    if not cfg.key or (query.get("key") or [""])[0] != cfg.key:  # only who has the console's address runs the room
        solara.Text(t("classroom.refused.unknown_participant", cfg.lang), classes=["cg-error"])
        return
    FacilitatorPage(cfg, (query.get("room") or [""])[0] or cfg.code or "", debrief)


@solara.component
def ConsolePage():
    _facilitator(False)


@solara.component
def DebriefPage():
    _facilitator(True)


@solara.component
def Page():
    """The participants' page (join, then one's role)."""
    cfg = solara.use_memo(classroom_config, [])
    _, query = _query()
    solara.Style(CSS + CLASSROOM_CSS)
    ParticipantApp(cfg, (query.get("room") or [""])[0])


@solara.component
def Layout(children=[]):  # noqa: B006 — solara's layout signature
    return solara.Column(children=children, gap="0px", style={"padding": "0", "margin": "0"})


#: the three pages, each without Solara's app bar (the pages draw their own header)
routes = [
    solara.Route(path="/", component=Page, layout=Layout),
    solara.Route(path="console", component=ConsolePage, layout=Layout),
    solara.Route(path="debrief", component=DebriefPage, layout=Layout),
]

__all__ = ["ClassroomConfig", "Console", "Layout", "Page", "ParticipantApp", "classroom_config", "qr_svg", "server_rooms"]
