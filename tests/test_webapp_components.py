"""The workshop app without a browser: levers read from the schema, the session's models and
frames, the ticker's sentences, the map and charts, and the page rendered with `solara.render`."""

from __future__ import annotations

import math
import re
import threading
import time
from pathlib import Path

import ipyvuetify as v
import numpy as np
import pytest
import solara

from sim.i18n import LANGUAGES, t
from sim.metrics import METRICS, Kind
from sim.running import RUN_FILES
from sim.scenario.schema import Policies
from sim.space.geography import Place
from sim.webapp import levers as lv
from sim.webapp.charts import CHARTS, KEEP, _tick_level, chart_plot, tick_css, tiles_html
from sim.webapp.inputs import HeldInput
from sim.webapp.mapview import MARK, CityGrid, Colouring, dispute_at, map_geometry, markers, render_map
from sim.webapp.session import Session, find_presets, make_setup
from sim.webapp.ticker import line, sentence

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
BASELINE = SCENARIOS / "baseline.yaml"
PARTY_LED = SCENARIOS / "party_led.yaml"
PNG = b"\x89PNG\r\n\x1a\n"


def wait_for(cond, timeout=20.0):
    """Renders triggered from another thread land a moment later: poll."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if cond():
                return True
        except (AssertionError, ValueError, IndexError):
            pass
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


@pytest.fixture(scope="module")
def played():
    """Baseline A against party_led B, 60 days."""
    s = Session()
    assert s.configure(make_setup(BASELINE, seed=7, compare=PARTY_LED)), s.error
    assert s.advance(60) == 60
    return s


# --- levers ----------------------------------------------------------------------------------------


def test_every_policy_field_is_a_lever_or_deliberately_skipped():
    fields = {(sec, f) for sec, info in Policies.model_fields.items() for f in info.annotation.model_fields}
    shown = {(spec.section, spec.field) for spec in lv.LEVERS.values()}
    assert shown | lv.SKIPPED == fields
    assert not shown & lv.SKIPPED


def test_lever_ranges_and_groups_come_from_the_schema():
    grid = lv.LEVERS["policies.grid_management.households_per_grid_worker"]
    info = Policies.model_fields["grid_management"].annotation.model_fields["households_per_grid_worker"]
    assert (grid.minimum, grid.maximum, grid.default) == (20, 5000, info.default)
    assert lv.LEVERS["policies.party_building.secretary_capability"].maximum == 1.0
    assert lv.LEVERS["policies.joint_meetings.attendees"].choices[0] == "residents_committee"
    groups = {s.name: s.group for s in lv.SECTIONS}
    assert groups["city_coordination"] == "s1" and groups["district_supervision"] == "s2"
    assert groups["grid_management"] == "s3" and groups["volunteer_culture"] == "s4"
    assert groups["smart_platform"] == "s5" and groups["publicity_training"] == "s6"
    assert [g for g in lv.GROUPS if lv.sections_in(g)] == list(lv.GROUPS)
    # money is typed, not slid
    assert not lv.LEVERS["policies.enterprise_responsibility.money_per_year"].slider
    assert lv.LEVERS["policies.grid_management.detection_probability"].slider


@pytest.mark.parametrize("path, value", [
    ("policies.grid_management.households_per_grid_worker", 19),
    ("policies.grid_management.households_per_grid_worker", 5001),
    ("policies.grid_management.households_per_grid_worker", 30.5),
    ("policies.safe_community.intensity", 1.2),
    ("policies.safe_community.intensity", float("nan")),
    ("policies.safe_community.intensity", "a lot"),
    ("policies.safe_community.enabled", 1),
    ("policies.joint_meetings.attendees", ["residents_committee", "the mayor"]),
    ("policies.no_such.lever", 1),
])
def test_bad_lever_values_are_refused(path, value):
    with pytest.raises(ValueError):
        lv.check_overrides({path: value})


def test_good_lever_values_are_kept_in_schema_form():
    out = lv.check_overrides({"policies.grid_management.households_per_grid_worker": 300.0,
                              "policies.joint_meetings.attendees": ["owners_committee", "residents_committee"]})
    assert out["policies.grid_management.households_per_grid_worker"] == 300
    assert out["policies.joint_meetings.attendees"] == ["residents_committee", "owners_committee"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_lever_section_and_group_has_words(lang):
    for section in lv.SECTIONS:
        assert t(f"lever.{section.name}.title", lang) and t(f"lever.{section.name}.about", lang)
        for spec in section.levers:
            assert t(spec.label_key, lang)
    for group in lv.GROUPS:
        assert t(f"workshop.group.{group}.title", lang) and t(f"workshop.group.{group}.about", lang)
    from sim.webapp.controls import preset_label

    presets = {p.key: p for p in find_presets(SCENARIOS)}
    assert preset_label(presets["baseline"], lang) == t("workshop.presets.baseline", lang)
    assert all(preset_label(p, lang) for p in presets.values())  # a file without a name in the catalogues shows its path


def test_chinese_lever_labels_are_chinese():
    spec = lv.LEVERS["policies.grid_management.enabled"]
    assert t(spec.label_key, "zh") == "网格员巡查"
    assert re.search(r"[\u4e00-\u9fff]", t("workshop.group.s3.title", "zh"))


# --- presets and session --------------------------------------------------------------------------


def test_presets_are_every_scenario_file():
    from sim.scenario import ScenarioError, load_scenario

    def loads(p):
        try:
            load_scenario(p)
        except ScenarioError:  # e.g. sweep files, which are not scenarios
            return False
        return True

    keys = {p.key for p in find_presets(SCENARIOS)}
    files = {p.relative_to(SCENARIOS).with_suffix("").as_posix() for p in SCENARIOS.rglob("*.yaml") if loads(p)}
    assert keys == files and {"baseline", "party_led", "city", "levers/grid_management"} <= keys
    extra = find_presets(SCENARIOS, extra=SCENARIOS / "levers" / "red_cells.yaml")
    assert extra[0].key == "levers/red_cells" and len(extra) == len(keys)


def test_frames_read_the_models_datacollector(played):
    f = played.frame()
    mv = played.a.model.datacollector.model_vars
    assert f.a.day == 60 and len(f.a.series["backlog"]) == 60  # the end of days 1..60
    assert f.a.headline == {k: float(mv[k][-1]) for k in METRICS.headline()}
    np.testing.assert_array_equal(f.a.series["resolution_rate"], np.asarray(mv["resolution_rate"], float))
    assert f.b is not None and f.b.day == 60 and f.b.scenario_name == "party_led"
    assert f.serial < played.frame().serial


def test_same_seed_same_scenario_gives_identical_copies():
    s = Session()
    assert s.configure(make_setup(BASELINE, seed=3, compare=BASELINE))
    s.advance(40)
    f = s.frame()
    for k in f.a.series:
        np.testing.assert_array_equal(f.a.series[k], f.b.series[k])
    assert f.a.ticker == f.b.ticker


def test_lever_overrides_reach_the_model():
    s = Session()
    assert s.configure(make_setup(BASELINE, {"policies.grid_management.enabled": True}, seed=1))
    assert s.a.model.config.policies.grid_management.enabled
    assert s.a.model.grid_workers
    assert not s.configure(make_setup(BASELINE, {"policies.grid_management.patrol_interval_days": 0}))
    assert "at least 1" in s.error
    assert s.a.model.config.policies.grid_management.enabled  # the previous models stay


def test_a_superseded_build_never_replaces_newer_models():
    """Two builds in flight (the page's first, then a lever change): the older one, finishing last,
    is dropped instead of putting back the models the user no longer asked for."""
    s = Session()
    newer = make_setup(BASELINE, {"policies.grid_management.enabled": True}, seed=1)
    assert s.configure(newer) and s.advance(2) == 2
    superseded = threading.Event()
    superseded.set()
    assert not s.configure(make_setup(BASELINE, seed=1), superseded=superseded)
    assert s.setup == newer and s.a.model.day == 2 and s.error is None


def test_a_failing_step_is_kept_as_a_message_and_stops_the_run(monkeypatch):
    s = Session()
    s.configure(make_setup(BASELINE, seed=1))
    s.advance(3)

    def broken():
        raise RuntimeError("queue exploded")

    monkeypatch.setattr(s.a.model, "step", broken)
    assert s.advance(5) == 0
    f = s.frame()
    assert "queue exploded" in f.error and "day 4" in f.error
    assert s.finished


def test_the_run_stops_at_the_scenario_end():
    s = Session()
    s.configure(make_setup(BASELINE, {}, seed=2))
    s.a.model.days = 12
    assert s.advance(50) == 12 and s.finished and s.advance(1) == 0


def test_export_writes_the_same_run_folder_as_cogov_run(played, tmp_path):
    folders = played.export_runs(tmp_path, lang="zh")
    assert len(folders) == 2
    for folder in folders:
        assert set(RUN_FILES) <= {p.name for p in folder.iterdir()}
        assert "day60" in folder.name
    assert "-B-" in folders[1].name


def test_a_lever_changed_mid_run_goes_to_a_only_and_the_export_reruns_identically(tmp_path):
    """A lever changed on day 20 of an A/B session changes A from day 20 and not B; the exported
    folder's scenario.yaml, run with `cogov run`, gives the same files byte for byte."""
    from sim.cli import main
    from sim.running.output import DETERMINISTIC_FILES

    s = Session()
    assert s.configure(make_setup(BASELINE, seed=3, compare=BASELINE))
    s.advance(20)
    assert s.change_levers({"policies.red_cells.enabled": True})
    s.advance(2)  # the ticker keeps its last 40 lines: a warmed-up estate fills them in about a week
    assert [i.day for i in s.frame().a.ticker if i.kind == "change"] == [21]  # the ticker counts days from 1
    s.advance(8)
    f = s.frame()
    assert [e.day for e in f.a.changes] == [20] and f.b.changes == ()
    np.testing.assert_array_equal(f.a.series["participation_rate"][:20], f.b.series["participation_rate"][:20])
    assert not np.array_equal(f.a.series["participation_rate"][20:], f.b.series["participation_rate"][20:])
    assert not s.change_levers({"policies.joint_meetings.interval_days": 0}) and "interval" in s.error
    (folder, _) = s.export_runs(tmp_path / "export")
    assert main(["run", str(folder / "scenario.yaml"), "--out", str(tmp_path / "again"), "-q"]) == 0
    for name in DETERMINISTIC_FILES:
        assert (folder / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name


def test_a_city_has_per_community_rates_and_drill_down():
    s = Session()
    assert s.configure(make_setup(SCENARIOS / "city.yaml", seed=1))
    s.advance(60)
    f = s.frame()
    assert f.a.city is not None and len(f.a.city.places) == 12
    assert np.isfinite(f.a.city.resolution_rate).any()
    s.select_community(4)
    f = s.frame()
    assert f.a.map.community == 4 and f.a.map.name == f.a.city.places[4]
    assert all(item.community for item in f.a.ticker)


def test_a_city_shows_its_places_by_their_titles_in_each_language():
    """city.yaml names its places for people in Chinese and English (`title:`); timelines keep
    using `name`, and a place without a title for a language shows the English one, else its name."""
    s = Session()
    assert s.configure(make_setup(SCENARIOS / "city.yaml", seed=1))
    s.advance(30)
    f = s.frame()
    tiles = {lang: solara.render(CityGrid(f.a.city, 0, lambda c: None, lang), handle_error=False)[1] for lang in LANGUAGES}
    zh = {w.children[0] for w in tiles["zh"].find(v.Btn).widgets} | {w.children[0] for w in tiles["zh"].find(v.Html).widgets}
    en = {w.children[0] for w in tiles["en"].find(v.Btn).widgets} | {w.children[0] for w in tiles["en"].find(v.Html).widgets}
    assert "城东区 · 新华街道" in zh and any(x.startswith("新华里 ") for x in zh)
    assert "Chengdong District · Xinhua Street" in en and any(x.startswith("Xinhua Lane ") for x in en)
    assert not any("_" in x for x in zh | en)  # no identifier such as xinhua_lane reaches the page
    placed = [(item.community, line(item, "zh")) for item in f.a.ticker if item.community is not None]
    assert placed and all(re.search(r"[\u4e00-\u9fff]", p.shown("zh")) and p.shown("zh") in text for p, text in placed)
    assert Place("Xinhua Street", (("zh", "新华街道"),)).shown("en") == "Xinhua Street"


# --- ticker, map, charts --------------------------------------------------------------------------


def test_ticker_lines_in_both_languages(played):
    items = played.frame().a.ticker
    assert items and items[0].day >= items[-1].day
    kinds = {i.kind for i in items}
    assert {"reported", "resolved"} & kinds
    for item in items:
        en, zh = line(item, "en"), line(item, "zh")
        assert re.match(rf"Day {item.day} — [A-Z]", en), en
        assert zh.startswith(f"第{item.day}天 — ") and "{" not in zh
        assert f"{item.building}" in en and f"{item.building}号楼" in zh


def test_resolved_sentence_names_the_channel():
    from sim.webapp.session import TickerItem

    item = TickerItem(day=37, kind="resolved", category="parking", community=None, building=5, channel="joint_meeting")
    assert line(item, "en") == "Day 37 — Parking dispute in building 5 resolved at the joint meeting"
    assert sentence(item, "zh") == "5号楼的停车纠纷在党建联席会议上化解"


def test_map_png_in_both_colourings(played):
    m = played.frame().a.map
    a, b = render_map(m, Colouring.PARTICIPATION), render_map(m, Colouring.TRUST)
    assert a.startswith(PNG) and b.startswith(PNG) and a != b
    assert len(m.active) == len(m.trust) == len(m.resident_building)
    assert (m.dispute_building >= 0).all() and (m.dispute_building < len(m.building_xy)).all()


def test_a_click_on_a_marker_finds_its_dispute_and_a_click_beside_the_markers_none(played):
    m = played.frame().a.map
    g = map_geometry(m)
    placed, _ = markers(m)
    assert placed
    size = (g["width"] * 2, g["height"] * 2)  # the PNG's pixels (drawn at scale 2)
    for j, x, y in placed:
        centre = ((x + MARK) / size[0], (y + MARK) / size[1])
        assert dispute_at(m, *centre) == m.dispute_id[j]
    assert dispute_at(m, 0.001, 0.999) is None  # the bottom-left corner: residents' cells, no marker
    assert all(0 <= i < played.a.model.disputes.book.n for i in m.dispute_id)


def test_a_short_plot_thins_its_value_labels_to_evenly_spaced_ones_never_fewer_than_two():
    for n in range(2, 14):
        levels = [_tick_level(i, n) for i in range(n)]
        cap = (n - 1).bit_length() - 1  # thinned as far as two labels allow, no further
        for k in range(cap + 1):
            kept = [i for i, level in enumerate(levels) if level >= k]
            assert len(kept) >= 2 and kept == list(range(0, kept[-1] + 1, 2 ** k)), (n, k, kept)
        assert len([level for level in levels if level == KEEP]) >= 2
    # the last two labels are never hidden, however many steps the axis spans beyond its ticks
    css = tick_css()
    assert "cg-tl0" in css and f"cg-tl{KEEP}" not in css


def test_charts_draw_a_and_b(played):
    f = played.frame()
    for spec in CHARTS:
        html = chart_plot(spec, f.a, f.b, "zh")
        assert re.match(r'<div class="cg-plot cg-r\d+"', html) and html.count("<polyline") >= 2 * len(spec.series) - 1
        assert "stroke-dasharray" in html  # B is dashed
        # strokes keep their width and type its size however the plot is stretched to its box
        strokes = re.findall(r"<(?:poly)?line\b[^>]*>", html)
        assert strokes and all('vector-effect="non-scaling-stroke"' in e for e in strokes)
        assert "<text" not in html and re.search(r'class="cg-tick cg-tick-y cg-tl\d"', html)
    html = tiles_html(f, "zh")
    assert "矛盾纠纷化解率" in html and "B " in html


# --- the page (solara.render) ---------------------------------------------------------------------


def _html(rc, css: str) -> list[str]:
    """The inner HTML of every solara.HTML element with class `css`."""
    return [w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets
            if css in (w.attributes or {}).get("class", "").split()]


def _w(rc, cls, css: str):
    """The one widget of type `cls` carrying the CSS class `css` (among others)."""
    found = [w for w in rc.find(cls).widgets if css in (getattr(w, "class_", None) or "").split()]
    assert len(found) == 1, f"{len(found)} widgets with class {css}"
    return found[0]


def _dayline(rc) -> str:
    found = _html(rc, "cg-dayline")
    return found[0] if found else ""


@pytest.fixture
def page(monkeypatch):
    monkeypatch.setenv("COGOV_WORKSHOP_SCENARIOS", str(SCENARIOS))
    monkeypatch.setenv("COGOV_WORKSHOP_SCENARIO", str(BASELINE))
    from sim.webapp.app import Page

    box, rc = solara.render(Page(), handle_error=False)
    wait_for(lambda: _dayline(rc))
    yield rc
    rc.close()


def test_page_steps_and_switches_language(page):
    rc = page
    assert "Day 0 of 365" in _dayline(rc)
    for _ in range(3):
        _w(rc, v.Btn, "cg-step").click()
    wait_for(lambda: "Day 3 of 365" in _dayline(rc))  # renders may land a moment later (another thread renders)
    _w(rc, v.Btn, "cg-lang-zh").click()
    wait_for(lambda: "第 3 天" in _dayline(rc))
    wait_for(lambda: _w(rc, v.Html, "cg-title").children == ["党建引领社区共治 · 互动演示"])


def test_page_lever_change_sets_the_start_before_play_and_applies_from_today_after(page):
    rc = page
    _w(rc, v.Btn, "cg-group-head-s3").click()
    wait_for(lambda: rc.find(v.Checkbox, label="Grid workers patrol").widgets)
    box = rc.find(v.Checkbox, label="Grid workers patrol")
    box.widget.v_model = True  # day 0: the starting point changes, nothing to apply
    wait_for(lambda: rc.find(v.Html, children=["1 lever(s) changed from the starting point"]).widgets)
    _w(rc, v.Btn, "cg-levers-clear").click()
    wait_for(lambda: not rc.find(v.Html, children=["1 lever(s) changed from the starting point"]).widgets)
    for _ in range(3):
        _w(rc, v.Btn, "cg-step").click()
    wait_for(lambda: "Day 3 of" in _dayline(rc))
    rc.find(v.Checkbox, label="Grid workers patrol").widget.v_model = True  # while it runs: from today
    wait_for(lambda: _w(rc, v.Btn, "cg-restart-levers"))
    assert "Day 3 of" in _dayline(rc)  # no restart
    from sim.webapp.ticker import TickerView

    wait_for(lambda: any("Policy changed from today: Grid management starts" in line["text"]
                         for w in rc.find(TickerView).widgets for line in w.lines))
    charts = [w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets if "cg-chart-svg" in w.unsafe_innerHTML]
    assert charts and all("cg-change-label" in c for c in charts)  # a marker and its label on every chart
    _w(rc, v.Btn, "cg-restart-levers").click()  # back to day 0, with grid management from the start
    wait_for(lambda: "Day 0 of" in _dayline(rc) and rc.find(v.Html, children=["1 lever(s) changed from the starting point"]).widgets)


@pytest.mark.parametrize("text", ["-4", "abc", "2.5", ""])
def test_page_refuses_a_bad_seed(page, text):
    rc = page
    field = _w(rc, v.TextField, "cg-seed")
    field.v_model = text
    field.fire_event("focusout", None)  # the seed is taken when the field is left
    wait_for(lambda: _w(rc, v.Html, "cg-seed-error"))
    assert "Random seed" in field.label and "seed 42" in _dayline(rc)
    _w(rc, v.Btn, "cg-lang-zh").click()  # the message follows the page's language
    wait_for(lambda: "随机种子" in _w(rc, v.Html, "cg-seed-error").children[0])


def test_two_pages_do_not_share_a_model(monkeypatch):
    monkeypatch.setenv("COGOV_WORKSHOP_SCENARIOS", str(SCENARIOS))
    monkeypatch.setenv("COGOV_WORKSHOP_SCENARIO", str(BASELINE))
    from sim.webapp.app import Page

    _, one = solara.render(Page(), handle_error=False)
    _, two = solara.render(Page(), handle_error=False)
    try:
        wait_for(lambda: _dayline(one) and _dayline(two))
        for _ in range(4):
            _w(one, v.Btn, "cg-step").click()
        wait_for(lambda: "Day 4 of" in _dayline(one))
        time.sleep(0.3)
        assert "Day 0 of" in _dayline(two)
    finally:
        one.close()
        two.close()


def test_number_box_refuses_out_of_range_input():
    from sim.webapp.controls import NumberBox

    spec = lv.LEVERS["policies.enterprise_responsibility.money_per_year"]
    got = []
    _, rc = solara.render(NumberBox(spec, 50000.0, got.append, "en"), handle_error=False)
    field = rc.find(v.TextField).widget
    field.v_model = "200000000"
    field.fire_event("focusout", None)
    wait_for(lambda: _w(rc, v.Html, "cg-lever-error"))
    assert got == [] and "100,000,000" in _w(rc, v.Html, "cg-lever-error").children[0]
    field = rc.find(v.TextField).widget
    field.v_model = "80000"
    field.fire_event("focusout", None)
    wait_for(lambda: got == [80000.0])
    rc.close()


def test_live_view_shows_a_step_failure_as_a_message():
    from sim.webapp.app import Follow, LiveView
    from sim.webapp.session import Frame
    from sim.webapp.ticker import Show

    frame = solara.reactive(Frame(1, None, None, "day 4: RuntimeError: queue exploded"))
    colour = solara.reactive("participation")
    follow = Follow(solara.reactive(Show.ALL), solara.reactive(1), lambda side, i: None, lambda: None)
    _, rc = solara.render(LiveView(frame, "zh", False, colour, ("A", "B"), lambda c: None, lambda: None, follow), handle_error=False)
    assert rc.find(v.Html, children=["出现问题"]).widgets
    assert rc.find(v.Html, children=["day 4: RuntimeError: queue exploded"]).widgets
    rc.close()


def test_sessions_are_found_again_by_token_and_freed_once_no_page_shows_them():
    from sim.webapp.session import Sessions

    class PageContext:  # what a Solara page context tells: whether it has closed
        def __init__(self):
            self.closed_event = __import__("threading").Event()

    sessions = Sessions(linger=30.0)
    tab = PageContext()
    token, s = sessions.open(None, tab)
    assert s.configure(make_setup(BASELINE, seed=1)) and s.advance(3) == 3
    reloaded = PageContext()
    assert sessions.open(token, reloaded) == (token, s)  # the reload finds the running session
    sessions.close(token, tab)
    assert sessions.sweep(now=10**9) == 0  # the reloaded page still shows it
    reloaded.closed_event.set()  # the tab closed and its context ended
    now = __import__("time").monotonic()
    assert sessions.sweep(now) == 0 and len(sessions) == 1  # it lingers, in case the tab comes back
    assert sessions.sweep(now + 31) == 1 and len(sessions) == 0
    assert s.a is None and s.b is None  # its models are gone
    other, fresh = sessions.open(token, PageContext())
    assert other != token and fresh is not s  # too late: a new session


# --- following a dispute, the ticker's filter ------------------------------------------------------


def test_a_followed_dispute_tells_its_whole_journey_from_the_case_log(played):
    from sim.disputes.book import Event, Status
    from sim.webapp.journey import journey_lines, outcome

    book = played.a.model.disputes.book
    # a dispute that climbed at least one rung and closed: its journey has the most to tell
    escalated = [i for i in range(book.n) if book.escalations[i] > 0 and book.status[i] >= Status.RESOLVED]
    dispute = escalated[0] if escalated else int(np.flatnonzero(book.status == Status.RESOLVED)[0])
    played.follow("a", dispute)
    try:
        side, j = played.frame().followed
    finally:
        played.follow(None)
    assert side == "a" and j.dispute == dispute
    events = [s.event for s in j.steps]
    assert events == [Event(e) for i, e in zip(book.log_id, book.log_event) if i == dispute]  # every row of the case log, in order
    assert events[0] == Event.ARISE and events[-1] in (Event.RESOLVE, Event.ABANDON, Event.LUMP)
    for lang in ("en", "zh"):
        lines = journey_lines(j, lang)
        assert len(lines) == len(j.steps) and all("{" not in text for _, text in lines)
        assert [day for day, _ in lines] == [math.floor(s.time) + 1 for s in j.steps]
    days = j.steps[-1].time - j.steps[0].time
    assert f"{days:.0f} days" in outcome(j, "en") or f"{days:.1f} days" in outcome(j, "en")
    if escalated:
        assert any("one rung up" in text for _, text in journey_lines(j, "en"))
    assert played.frame().followed is None  # stopped


def test_an_open_dispute_says_how_long_it_has_waited():
    from sim.disputes.book import Status
    from sim.webapp.journey import outcome

    s = Session()
    assert s.configure(make_setup(BASELINE, seed=3)), s.error
    s.advance(30)
    book = s.a.model.disputes.book
    dispute = int(np.flatnonzero(book.status == Status.WAITING)[0])
    s.follow("a", dispute)
    j = s.frame().followed[1]
    assert j.status == Status.WAITING
    waited = 30 - book.arisen_day[dispute]
    assert outcome(j, "en") == f"Still open after {waited:.0f} days: waiting in a queue"
    s.advance(1)  # the journey follows the run
    assert s.frame().followed[1].today == 31


def test_the_ticker_filter_keeps_only_the_lines_asked_for(played):
    from sim.webapp.session import Line
    from sim.webapp.ticker import Show, shown

    items = played.frame().a.ticker
    assert len(items) > 60  # the scrollback holds more than a screen
    esc = shown(items, Show.ESCALATIONS)
    assert esc and all(i.kind == Line.ESCALATED for i in esc)
    assert len(esc) == sum(i.kind == Line.ESCALATED for i in items)
    b = played.frame().b.ticker  # party-led: joint meetings sit
    jm = shown(b, Show.JOINT_MEETINGS)
    assert jm and all(i.channel == "joint_meeting" for i in jm)
    building = items[0].building
    one = shown(items, Show.BUILDING, building)
    assert one and all(i.building == building for i in one)
    assert len(one) < len(items)


def test_b_never_silently_runs_as_a_and_both_are_named_by_scenario(monkeypatch):
    from sim.webapp.app import _other_preset

    keys = ["baseline", "party_led", "levers/red_cells"]
    assert _other_preset(keys, "baseline") == "party_led"
    assert _other_preset(keys, "party_led") == "baseline"
    assert _other_preset(["party_led", "levers/red_cells"], "party_led") == "levers/red_cells"
    assert _other_preset(["baseline"], "baseline") == "baseline"  # nothing else: the panel says so (compare_same)


@pytest.mark.parametrize("lo, hi", [(0.0, 1.0), (0.0, 0.1), (0.2, 0.7), (0.0, 600.0), (0.0, 0.03)])
@pytest.mark.parametrize("kind", [Kind.SHARE, Kind.INDEX, Kind.COUNT])
def test_axis_ticks_are_written_as_the_values_they_mark(lo, hi, kind):
    """0.75 is not written 0.8, nor 7.5 % as 8 %: a tick label reads back as its tick."""
    from sim.webapp.charts import _tick_label, _ticks

    ticks = _ticks(lo, hi)
    for v in ticks:
        text = _tick_label(v, kind, ticks[1] - ticks[0]).replace(",", "")
        read = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
        assert abs(read - v) < 1e-9, (v, text)


def test_labels_of_markers_on_nearby_days_do_not_pile_up(played):
    """Many changes a few days apart: every marker keeps its label as a tooltip, and no more
    labels are drawn than there are rows for them, each on a row of its own."""
    import dataclasses
    import re

    from sim.scenario.schema import TimelineEntry
    from sim.webapp.charts import CHANGE_ROWS

    f = played.frame()
    changes = tuple(TimelineEntry(day=10 + d, set={"site.party.mobilisation_effort": 0.1 * d}) for d in range(8))
    a = dataclasses.replace(f.a, changes=changes)
    html = chart_plot(CHARTS[0], a, None, "zh")
    assert html.count("<title>党组织动员力度") == len(changes)
    rows = re.findall(r'class="cg-change-label[^"]*" title="[^"]*" style="[^"]*;top:(\d+)px', html)
    assert 1 <= len(rows) <= CHANGE_ROWS and len(set(rows)) == len(rows)
    strip, plot = html.split('<div class="cg-plot', 1)
    assert strip.startswith('<div class="cg-changes"') and "cg-change-label" not in plot  # above the plot, off the lines


def test_a_tile_against_a_counterfactual_shows_the_effect_with_the_reports_sign(played):
    """In the debrief B is the model's own behaviour: the tile gives A − B, as the report's
    difference column does, green when A is the better, and names B instead of calling it B."""
    import re

    from sim.i18n import format_difference

    f = played.frame()
    html = tiles_html(f, "en", against="Model's own behaviour")
    workshop = tiles_html(f, "en")
    checked = 0
    for key in METRICS.headline():
        metric, va, vb = METRICS[key], f.a.headline[key], f.b.headline[key]
        if not (va == va and vb == vb) or va == vb:
            continue
        tile = re.search(rf'cg-tile-{key}".*?</div>', html).group(0)
        assert "Model&#x27;s own behaviour" in tile and ">B " not in tile
        assert f"the decisions&#x27; effect {format_difference(va - vb, metric.kind, 'en')}" in tile
        assert ("cg-better" in tile) == (metric.better(vb, va) > 0)
        assert format_difference(vb - va, metric.kind, "en") in re.search(rf'cg-tile-{key}".*?</div>', workshop).group(0)
        checked += 1
    assert checked >= 3  # A and B differ on most headline metrics


def test_a_dispute_carried_in_from_the_warm_up_tells_its_early_steps_as_before_day_1(played):
    """Day numbers count from 1 at the start: a step of the warm-up is "n days before day 1", never "Day −8"."""
    from sim.webapp.journey import journey_html

    book = played.a.model.disputes.book
    assert book.carried_in > 0
    j = played.a.journey(0)  # the carried-in disputes are the first rows
    assert j.steps[0].time < 0
    for lang, before in (("en", "d before day 1"), ("zh", "第1天前")):
        html = journey_html(j, "A", lang)
        assert before in html and "Day -" not in html and "第-" not in html


def test_the_exported_png_keeps_legends_off_the_lines_and_names_both_runs(played, monkeypatch):
    """Each chart's legend sits below its plot, the several-series chart names A and B by line
    style, and the title names the scenario in words."""
    from matplotlib.figure import Figure

    from sim.webapp.charts import charts_png

    drawn = []
    save = Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda fig, *a, **k: (drawn.append(fig), save(fig, *a, **k))[1])
    assert charts_png(played.frame(), "en", ("A run", "B run"))[:8] == b"\x89PNG\r\n\x1a\n"
    (fig,) = drawn
    renderer = fig.canvas.get_renderer()
    legends = [(ax, ax.get_legend()) for ax in fig.axes if ax.get_legend() is not None]
    assert len(legends) == len(CHARTS)
    for ax, legend in legends:
        assert legend.get_window_extent(renderer).y1 <= ax.get_window_extent(renderer).y0 + 1  # below, not over the lines
        assert {"A run", "B run"} <= {text.get_text() for text in legend.get_texts()}
    assert "Baseline estate" in fig._suptitle.get_text()


def test_the_exported_png_writes_every_tick_as_the_value_it_marks(played, monkeypatch):
    """A share that stays near 1 % gets ticks of 0.5 %, labelled 0.5 % and not rounded to a
    run of "0 %, 1 %, 1 %" — the same ticks and labels as the charts on screen."""
    import dataclasses

    from matplotlib.figure import Figure

    from sim.webapp.charts import charts_png

    frame = played.frame()
    shares = {k for spec in CHARTS if spec.kind == Kind.SHARE for k in spec.series}
    assert shares

    def small(sim):
        return dataclasses.replace(sim, series={k: (0.011 * v / max(np.nanmax(v), 1e-9) if k in shares else v)
                                                for k, v in sim.series.items()})

    frame = dataclasses.replace(frame, a=small(frame.a), b=small(frame.b))
    drawn = []
    save = Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda fig, *a, **k: (drawn.append(fig), save(fig, *a, **k))[1])
    charts_png(frame, "en", ("A run", "B run"))
    (fig,) = drawn
    share_axes = [ax for ax, spec in zip(fig.axes, CHARTS) if spec.kind == Kind.SHARE and spec.fixed is None]
    assert share_axes
    for ax in share_axes:
        ticks = ax.get_yticks()
        labels = [label.get_text() for label in ax.get_yticklabels()]
        assert len(ticks) >= 3 and len(set(labels)) == len(labels), labels
        for v, label in zip(ticks, labels):
            assert label.endswith("%") and float(label[:-1]) == pytest.approx(100 * v, abs=1e-9), (v, label)
        assert any(not float(label[:-1]).is_integer() for label in labels)  # 0.5 %, not 0 % or 1 %


@solara.component
def _Countdown(tick: solara.Reactive[int], on_commit):
    with solara.Column() as main:
        solara.Text(f"{600 - tick.value} s left")
        HeldInput("Seconds to decide", "600", on_commit)
    return main


def test_a_box_keeps_what_is_typed_while_the_page_re_renders_and_hands_it_over_on_enter():
    """A playing run (or the console's countdown) re-renders the page every second; Solara's own
    InputInt is set back to its value then, so a trainer typing "3" lost it before pressing Enter."""
    tick = solara.reactive(0)
    got: list[str] = []
    _, rc = solara.render(_Countdown(tick, got.append), handle_error=False)
    field = rc.find(v.TextField).widget
    field.v_model = "3"  # typed in the browser, no Enter yet
    for _ in range(3):
        tick.value += 1
    assert rc.find(v.TextField).widget.v_model == "3" and got == []
    field.fire_event("keyup.enter", None)
    assert got == ["3"]
    field.v_model = "45"
    field.fire_event("focusout", None)  # leaving the box hands it over too
    assert got == ["3", "45"]


def test_a_count_axis_is_labelled_in_whole_cases_on_day_0_and_when_few(played):
    import dataclasses

    backlog = next(spec for spec in CHARTS if spec.key == "backlog")
    f = played.frame()
    for values in ([], [0.0, 1.0, 1.0, 0.0], [0.0, 0.0]):
        a = dataclasses.replace(f.a, series={**f.a.series, "backlog": np.asarray(values, dtype=float)})
        labels = re.findall(r'class="cg-tick cg-tick-y[^"]*" style="[^"]*">([^<]+)</span>', chart_plot(backlog, a, None, "en"))
        assert len(labels) >= 2 and all(label.replace(",", "").isdigit() for label in labels), (values, labels)


def test_a_box_reads_only_whole_numbers_and_never_raises_on_other_digits():
    from sim.webapp.inputs import whole_number

    assert [whole_number(x) for x in ("12", " 7 ", "0", "３")] == [12, 7, 0, 3]
    assert [whole_number(x) for x in ("-4", "2.5", "²", "", "1e3")] == [None] * 5  # "²".isdigit() is True, int("²") raises
