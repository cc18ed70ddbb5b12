"""The workshop page: `solara run sim.webapp.app` (or `cogov workshop`).

Everything a session owns — its `Session` (models A and B), the chosen preset, levers, seed,
language, play state — is created inside `Page` with `solara.use_memo` / `solara.use_reactive`, so
every browser tab gets its own; nothing mutable lives at module level. Playing runs in a thread of
its own (`Player`): it steps the models, takes an immutable `Frame` and hands it to the live view,
which alone re-renders, so buttons and levers stay responsive while the simulation runs.

Why not Mesa's `SolaraViz` page as a whole: it drives one model instance (a module-level model
would be shared by every browser), labels its controls in English and has no A/B pair. Its
`UserInputs` builds the lever widgets (sim/webapp/controls.py).

Settings come from the environment, which `cogov workshop` sets: COGOV_WORKSHOP_SCENARIOS (folder
of presets), COGOV_WORKSHOP_SCENARIO (file to start with), COGOV_WORKSHOP_LANG (en or zh),
COGOV_WORKSHOP_RESULTS (where "save the run folder" writes). `?lang=zh` in the address also works.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path
from urllib.parse import parse_qs

import ipyvuetify as v
import solara
import traitlets

from ..i18n import LANGUAGES, t
from .charts import Charts, Tiles, charts_png
from .controls import ABPanel, ExportPanel, LeverPanel, RunPanel, ScenarioPanel, preset_label
from .inputs import HeldInput, whole_number
from .mapview import CityGrid, Colouring, CommunityMap, MapLegend
from .levers import LEVERS
from .session import SESSIONS, Frame, Session, find_presets, load_preset, make_setup, scenario_for
from .style import CSS
from .journey import journey_html
from .ticker import Show, Ticker

#: at most this many frames a second are drawn; faster play steps several days per frame
MAX_FPS = 10
#: at "as fast as possible", step for this long before drawing a frame
MAX_SPEED_SLICE = 0.08
#: ticker lines drawn (newest first; the box scrolls back through them)
TICKER_ROWS = 60


@dataclass(frozen=True)
class AppConfig:
    scenarios_dir: Path | None  # more presets beside the shipped ones (cogov workshop --scenarios)
    scenario: Path | None
    lang: str
    results_dir: Path


def app_config() -> AppConfig:
    env = os.environ
    lang = env.get("COGOV_WORKSHOP_LANG", "en")
    return AppConfig(
        scenarios_dir=Path(env["COGOV_WORKSHOP_SCENARIOS"]) if env.get("COGOV_WORKSHOP_SCENARIOS") else None,
        scenario=Path(env["COGOV_WORKSHOP_SCENARIO"]) if env.get("COGOV_WORKSHOP_SCENARIO") else None,
        lang=lang if lang in LANGUAGES else "en",
        results_dir=Path(env.get("COGOV_WORKSHOP_RESULTS", "results")),
    )


def pace(speed: int) -> tuple[int, float]:
    """(days per frame, seconds per day) for a speed in days per second (0: as fast as possible)."""
    if speed <= 0:
        return 0, 0.0
    per_frame = max(1, round(speed / MAX_FPS))
    return per_frame, 1.0 / speed


# --------------------------------------------------------------------------------------------
# Playing
# --------------------------------------------------------------------------------------------


@solara.component
def Player(session: Session, publish: Callable[[], None], playing: solara.Reactive[bool], speed: solara.Reactive[int]):
    """Steps the session while `playing`, in its own thread; draws at most MAX_FPS frames a second."""

    def loop(cancel: threading.Event):
        if not playing.value:
            return
        per_frame, seconds_per_day = pace(speed.value)
        session.start_playing()
        try:
            _play(cancel, per_frame, seconds_per_day)
        finally:
            session.playing = False
            try:
                publish()  # paused: the last frame, without the play speed
            except Exception:  # noqa: BLE001 — the page may be closing; nothing to show it on
                pass

    def _play(cancel: threading.Event, per_frame: int, seconds_per_day: float):
        while not cancel.is_set():
            started = time.perf_counter()
            if per_frame:
                done = session.advance(per_frame)
            else:
                done = 0
                while time.perf_counter() - started < MAX_SPEED_SLICE and not cancel.is_set():
                    step = session.advance(1)
                    done += step
                    if not step:
                        break
            if cancel.is_set():
                return
            publish()
            if session.finished or session.error or not done:
                playing.set(False)
                return
            wait = done * seconds_per_day - (time.perf_counter() - started)
            cancel.wait(max(wait, 0.002))

    solara.use_thread(loop, dependencies=[playing.value, speed.value], intrusive_cancel=False)


# --------------------------------------------------------------------------------------------
# The live view
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Follow:
    """The ticker's filter and the page's hands on following a dispute."""

    show: solara.Reactive[Show]
    building: solara.Reactive[int]
    pick: Callable[[str, int], None]  # (side, dispute): follow it
    stop: Callable[[], None]


@solara.component
def TickerColumn(sim, side: str | None, f: Frame, lang: str, follow: Follow, rows: int, title: str | None = None):
    """The dispute being followed (if it is this side's) above the ticker it was picked from."""
    with solara.Column(gap="6px", classes=["cg-ticker-box"], style={"flex": "1 1 300px", "min-width": "280px"}):
        if f.followed is not None and f.followed[0] == (side or "a"):
            with solara.Column(gap="2px", classes=["cg-journey"]):
                solara.HTML(tag="div", unsafe_innerHTML=journey_html(f.followed[1], (side or "a").upper(), lang))
                solara.Button(t("workshop.journey.stop", lang), on_click=follow.stop, small=True, outlined=True,
                              classes=["cg-journey-stop"])
        Ticker(sim.ticker, lang, rows=rows, title=title, on_pick=lambda i: follow.pick(side or "a", i),
               show=follow.show.value, building=follow.building.value)


@solara.component
def TickerFilter(follow: Follow, lang: str):
    labels = {s: t(f"workshop.journey.filter_{s.value}", lang) for s in Show}
    with solara.Row(gap="8px", style={"align-items": "center", "flex-wrap": "wrap"}, classes=["cg-ticker-filter"]):
        solara.Select(label=t("workshop.journey.filter", lang), values=list(labels.values()), value=labels[follow.show.value],
                      on_value=lambda label: follow.show.set(next(s for s, x in labels.items() if x == label)),
                      classes=["cg-ticker-show"], style={"max-width": "220px"})
        if follow.show.value == Show.BUILDING:
            HeldInput(t("workshop.journey.building", lang), value=str(follow.building.value),
                      on_commit=lambda s: follow.building.set(max(1, n)) if (n := whole_number(s)) is not None else None,
                      classes=["cg-ticker-building"], style={"max-width": "110px"})


@solara.component
def LiveView(frame: solara.Reactive[Frame | None], lang: str, big: bool, colour: solara.Reactive[Colouring],
             names: tuple[str, str], on_select, on_dismiss, follow: Follow, building: bool = False):
    f = frame.value
    if building and f is not None:
        with solara.Row(gap="10px", style={"align-items": "center"}, classes=["cg-building"]):
            solara.SpinnerSolara(size="28px")
            solara.Text(t("workshop.building_models", lang), classes=["cg-h3"])
    if f is not None and f.error:
        with solara.Column(classes=["cg-message"], gap="4px"):
            solara.Text(t("workshop.error", lang), classes=["cg-h3"])
            solara.Text(f.error, classes=["cg-error-text"])
            solara.Button(t("workshop.dismiss", lang), on_click=on_dismiss, small=True, outlined=True)
    if f is None or f.a is None:
        if f is None or not f.error:  # still building (a failed first build shows only its message)
            with solara.Row(gap="10px", style={"align-items": "center"}):
                solara.SpinnerSolara(size="40px")
                solara.Text(t("workshop.building_models", lang), classes=["cg-h3"])
        return
    with solara.Column(classes=["cg-live"], gap="6px"):
        _live(f, lang, big, colour, names, on_select, follow)


def _live(f: Frame, lang: str, big: bool, colour: solara.Reactive[Colouring], names: tuple[str, str], on_select, follow: Follow):
    a, b = f.a, f.b
    rate = t("workshop.measured", lang, rate=f"{f.days_per_second:.1f}") if f.days_per_second is not None else ""
    solara.HTML(tag="div", classes=["cg-dayline"], unsafe_innerHTML=(
        f'<span class="cg-day">{escape(t("workshop.day", lang, day=a.day, days=a.days))}</span>'
        f'<span class="cg-rate">{escape(t("workshop.subtitle", lang, residents=f"{a.residents:,}", seed=a.seed))}</span>'
        f'<span class="cg-rate cg-measured">{escape(rate)}</span>'))
    Tiles(f, lang)
    if a.city is not None:
        CityGrid(a.city, a.map.community, on_select, lang)
    # the stage: map and ticker, then the charts; side by side on a wide screen (style.py)
    with solara.Div(classes=["cg-stage"]):
        with solara.Column(classes=["cg-stage-map"], gap="6px"):
            with solara.Row(gap="8px", style={"align-items": "center", "flex-wrap": "wrap"}):
                solara.Text(t("workshop.colour_by", lang), classes=["cg-h3"])
                solara.ToggleButtonsSingle(value=colour.value, on_value=colour.set,
                                           children=[solara.Button(t("workshop.by_participation", lang), value=Colouring.PARTICIPATION, classes=["cg-by-participation"]),
                                                     solara.Button(t("workshop.by_trust", lang), value=Colouring.TRUST, classes=["cg-by-trust"])])
                TickerFilter(follow, lang)  # beside the colouring, not below the legend: a row more for the maps
            MapLegend(colour.value, lang)
            map_title = t("workshop.map", lang) + (f" · {a.map.name.shown(lang)}" if a.city is not None else "")
            with solara.Row(classes=["cg-live-row"], gap="10px"):
                if b is None:
                    CommunityMap(a.map, colour.value, map_title, "a", on_dispute=lambda i: follow.pick("a", i))
                    TickerColumn(a, None, f, lang, follow, rows=TICKER_ROWS)
                else:
                    for side, sim, name in (("a", a, names[0]), ("b", b, names[1])):
                        with solara.Column(gap="6px", classes=["cg-side-by-side"]):
                            CommunityMap(sim.map, colour.value, f"{name} · {sim.map.name.shown(lang)}" if sim.city is not None else name, side,
                                         on_dispute=lambda i, side=side: follow.pick(side, i))
                            TickerColumn(sim, side, f, lang, follow, rows=TICKER_ROWS // 2,
                                         title=f"{t('workshop.ticker', lang)} · {side.upper()}")
        with solara.Column(classes=["cg-stage-charts"], gap="4px"):
            Charts(f, lang, big, names)


@solara.component
def MiniControls(status: tuple[bool, bool, bool], playing: solara.Reactive[bool], on_step: Callable[[], None], lang: str):
    """Play / pause and one day above the stage, for when the control panel is hidden (CSS shows
    them only then)."""
    ready, finished, _ = status
    with solara.Row(gap="6px", classes=["cg-mini-controls"]):
        solara.Button(t("workshop.pause", lang) if playing.value else t("workshop.play", lang),
                      icon_name="mdi-pause" if playing.value else "mdi-play", color="primary",
                      on_click=lambda: playing.set(not playing.value), disabled=not ready or finished, classes=["cg-mini-play"])
        solara.Button(t("workshop.step", lang), icon_name="mdi-step-forward", on_click=on_step,
                      disabled=not ready or finished or playing.value, classes=["cg-mini-step"], outlined=True)


# --------------------------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------------------------


def _initial_lang(default: str) -> str:
    try:
        query = parse_qs(solara.use_router().search or "")
    except Exception:  # noqa: BLE001 — no router (e.g. solara.render in tests)
        query = {}
    lang = (query.get("lang") or [default])[0]
    return lang if lang in LANGUAGES else default


_UNSET = object()


def _other_preset(keys: list[str], first: str) -> str:
    """B's starting choice: party-led against anything else, the baseline against party-led, never
    A's own unless there is nothing else."""
    for key in ("party_led", "baseline", *keys):
        if key in keys and key != first:
            return key
    return first


class TabMemory(v.VuetifyTemplate):
    """Remembers this tab's session token in the browser's sessionStorage, which belongs to one
    tab and survives its reloads (unlike a cookie, shared by every tab). On mount it reports what
    it remembered (`stored`, "" for nothing); it keeps whatever `token` it is given."""

    template = traitlets.Unicode("""
<template><span style="display: none"></span></template>
<script>
module.exports = {
  mounted() { this.stored = window.sessionStorage.getItem(this.store_key) || ""; },
  watch: { token(value) { if (value) { window.sessionStorage.setItem(this.store_key, value); } } },
};
</script>""").tag(sync=True)
    token = traitlets.Unicode("").tag(sync=True)
    stored = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    store_key = traitlets.Unicode("cogov-session").tag(sync=True)  # the classroom keeps its own


def _in_browser() -> bool:
    """Whether the page is served to a browser by the Solara server (not rendered in a test)."""
    import sys

    return "solara.server.starlette" in sys.modules and _page_context() is not None


def _page_context():
    """The Solara context of the page being rendered (None outside a server, as in tests)."""
    try:
        from solara.server import kernel_context

        return kernel_context.get_current_context()
    except Exception:  # noqa: BLE001 — no server: nothing to watch
        return None


@solara.component
def Page():
    cfg = solara.use_memo(app_config, [])
    presets = solara.use_memo(lambda: find_presets(cfg.scenarios_dir, cfg.scenario), [])
    opened = solara.use_memo(lambda: SESSIONS.open(None, _page_context()), [])
    held, set_held = solara.use_state(opened)
    token, session = held
    # the token this tab remembered: None until the tab has said (no browser tab, as in tests: "")
    remembered = solara.use_reactive(None if _in_browser() else "")
    lang = solara.use_reactive(_initial_lang(cfg.lang))
    presentation = solara.use_reactive(False)
    panel = solara.use_reactive(True)  # the control panel shown (hidden: the stage takes the screen)
    by_key = {p.key: p for p in presets}
    first = presets[0].key if presets else ""
    by_path = {p.path: p.key for p in presets}
    preset = solara.use_reactive(first)
    overrides = solara.use_reactive({})  # the levers as they stand now (the panel shows these)
    start = solara.use_reactive({})  # the levers at day 0: what the models are built with
    seed = solara.use_reactive(None)
    ab = solara.use_reactive(False)
    compare = solara.use_reactive(_other_preset([p.key for p in presets], first))

    def recall(stored: str):
        """The tab said which session it had (its sessionStorage survives a reload): show that one
        as it was — preset, levers, seed, A/B and the run's day — if the server still has it."""
        found = SESSIONS.find(stored) if stored else None
        if found is not None and found is not session:
            SESSIONS.close(token, _page_context())
            SESSIONS.open(stored, _page_context())
            was = found.setup
            if was is not None:
                preset.set(by_path.get(was.preset, first))
                start.set(was.overrides_dict())
                overrides.set(dict(found.levers))
                seed.set(was.seed)
                ab.set(was.compare is not None)
                if was.compare in by_path:
                    compare.set(by_path[was.compare])
            set_held((stored, found))
        remembered.set(stored or "")

    def leave():
        page = _page_context()
        return lambda: SESSIONS.close(held[0], page)

    solara.use_effect(leave, [held[0]])
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(5)
    colour = solara.use_reactive(Colouring.PARTICIPATION)
    show = solara.use_reactive(Show.ALL)  # the ticker's filter
    ticker_building = solara.use_reactive(1)
    frame = solara.use_reactive(None)
    status = solara.use_reactive((False, False, False))  # (models ready, run finished, started): the controls' only view of a frame
    generation = solara.use_reactive(0)
    built_for = solara.use_reactive(None)  # (setup, generation, token) of the models the session holds
    L = lang.value

    def publish():
        """Hand a fresh frame to the live view (and the run state to the controls when it changes)."""
        f = session.frame()
        frame.set(f)
        now = (f.a is not None, f.a is not None and not f.a.running, f.a is not None and f.a.day > 0)
        if now != status.value:
            status.set(now)

    current = by_key.get(preset.value, presets[0] if presets else None)
    other = by_key.get(compare.value, current)
    setup = make_setup(current.path, start.value, seed.value, other.path if ab.value else None) if current else None
    shown = make_setup(current.path, overrides.value) if current else None

    def resolve():
        if shown is None:
            return None, None
        try:
            return scenario_for(shown), None
        except Exception as e:  # noqa: BLE001 — shown beside the levers
            return None, str(e)

    scenario, lever_error = solara.use_memo(resolve, [shown])

    wanted = (setup, generation.value, token)  # the models this render asks for

    def build(cancel: threading.Event):
        if setup is None or remembered.value is None:  # wait until the tab has said which session it had
            return
        if not (generation.value == 0 and session.setup == setup and session.a is not None):  # not the same run found again
            playing.set(False)
            status.set((False, False, False))  # no play or step on the models being replaced (a build runs a warm-up)
            session.configure(setup, superseded=cancel)
        if not cancel.is_set():
            publish()
            built_for.set(wanted)

    built = solara.use_thread(build, dependencies=[setup, generation.value, remembered.value, token], intrusive_cancel=False)
    # building from the render that asks for new models (the thread's own state changes a render later:
    # a step clicked in between would advance the models about to be replaced)
    building = built_for.value != wanted or built.state in (
        solara.ResultState.STARTING, solara.ResultState.WAITING, solara.ResultState.RUNNING)
    run_state = (status.value[0] and not building, *status.value[1:])  # no play or step while models are built
    solara.Style(CSS)
    if current is None:
        solara.Error("cogov workshop: no scenario files could be loaded")
        return
    default_seed = load_preset(current.path).run.seed

    def choose_preset(key: str):
        if key == compare.value:  # B must not silently become A: it takes A's previous choice
            compare.set(preset.value)
        if key != preset.value:
            overrides.set({})
            start.set({})
            seed.set(None)
            preset.set(key)

    def set_levers(new: dict):
        """Before the run starts, the levers set its starting point; once it runs, a change
        applies to A from the current day (a timeline entry of its run)."""
        if not session.started:
            overrides.set(new)
            start.set(new)
            return
        base = load_preset(current.path)
        changed = {k: v for k, v in new.items() if overrides.value.get(k, _UNSET) != v}
        changed.update({k: LEVERS[k].value_in(base) for k in overrides.value if k not in new})  # back to the preset's
        overrides.set(new)
        if changed and session.change_levers(changed):
            publish()

    def restart_with_levers():
        playing.set(False)
        start.set(dict(overrides.value))
        generation.set(generation.value + 1)

    def step():
        session.advance(1)
        publish()

    def reset():
        playing.set(False)
        overrides.set(dict(start.value))  # the levers as they were at day 0
        generation.set(generation.value + 1)

    def select_community(c: int):
        session.select_community(c)
        publish()

    def dismiss():
        session.clear_error()
        publish()

    def follow_dispute(side: str, dispute: int):
        session.follow(side, dispute)
        publish()

    def stop_following():
        session.follow(None)
        publish()

    follow = Follow(show, ticker_building, follow_dispute, stop_following)

    names = (t("workshop.side_a_changed" if overrides.value else "workshop.side_a", L, preset=preset_label(current, L)),
             t("workshop.side_b", L, preset=preset_label(other, L)))

    def export_png() -> bytes:
        return charts_png(frame.value, L, names) if frame.value is not None and frame.value.a is not None else b""

    root = ["cg-root"] + (["cg-present"] if presentation.value else []) + ([] if panel.value else ["cg-panel-hidden"])
    with solara.Column(classes=root, gap="0px"):
        TabMemory.element(token=token if remembered.value is not None else "", on_stored=recall)
        with solara.Row(classes=["cg-header"], gap="16px", justify="space-between"):
            with solara.Column(gap="0px"):
                solara.Text(t("workshop.title", L), classes=["cg-title"])
                solara.Text(preset_label(current, L), classes=["cg-subtitle"])
            with solara.Row(gap="8px", style={"align-items": "center"}, classes=["cg-header-tools"]):
                for code, label in (("en", "English"), ("zh", "中文")):
                    solara.Button(label, on_click=lambda code=code: lang.set(code), small=True, depressed=True,
                                  outlined=code != L, classes=["cg-lang", f"cg-lang-{code}"] + (["cg-lang-on"] if code == L else []))
                solara.Switch(label=t("workshop.presentation", L), value=presentation.value, on_value=presentation.set,
                              classes=["cg-presentation"])
                solara.Button(t("workshop.hide_panel" if panel.value else "workshop.show_panel", L),
                              icon_name="mdi-page-layout-sidebar-left", on_click=lambda: panel.set(not panel.value),
                              small=True, outlined=True, classes=["cg-lang", "cg-panel-toggle"])
        with solara.Row(classes=["cg-body"], gap="0px"):
            with solara.Column(classes=["cg-side"], gap="0px"):
                ScenarioPanel(presets, preset.value, choose_preset, seed, default_seed, L)
                RunPanel(run_state, playing, speed, step, reset, L)
                ABPanel(presets, ab, compare, L, same=other.key == current.key)
                LeverPanel(scenario, overrides.value, set_levers, L, lever_error, live=status.value[2],
                           restart=restart_with_levers)
                ExportPanel(lambda lg: session.export_runs(cfg.results_dir, lg), export_png, L)
            with solara.Column(classes=["cg-main"], gap="6px"):
                MiniControls(run_state, playing, step, L)
                LiveView(frame, L, presentation.value, colour, names, select_community, dismiss, follow, building)
        Player(session, publish, playing, speed)


@solara.component
def Layout(children=[]):  # noqa: B006 — solara's layout signature
    """No app bar or sidebar from Solara: the page draws its own header and panels."""
    return solara.Column(children=children, gap="0px", style={"padding": "0", "margin": "0"})


__all__ = ["Layout", "Page", "app_config", "pace"]
