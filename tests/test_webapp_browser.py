"""The workshop app in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright):
the trainer's flow in Chinese, A/B mode, two browsers that never see each other's levers, and a page
that works with every request beyond this machine blocked. Screenshots go to a temporary folder
(printed with -s; COGOV_SCREENSHOTS=DIR keeps them)."""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest
from webapp_browser import CHROMIUM, choose, day_shown, workshop_server

from sim.metrics import METRICS
from sim.running import RUN_FILES

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (CI installs it)")
playwright_api = pytest.importorskip("playwright.sync_api")

VIEWPORT = {"width": 1600, "height": 1000}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return tmp_path_factory.mktemp("workshop-results")


@pytest.fixture(scope="module")
def server(results):
    with workshop_server("scenarios/baseline.yaml", "--results-dir", str(results)) as url:
        yield url


def open_page(context, url):
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_selector(".cg-dayline .cg-day", timeout=60_000)
    page.wait_for_selector(".cg-map-img-a")
    return page, errors


def wait_day(page, day: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while day_shown(page) != day:
        assert time.monotonic() < deadline, f"the page shows day {day_shown(page)}, expected {day}"
        time.sleep(0.03)


def step(page, days: int) -> None:
    """Click "step one day" `days` times, each time until the page shows the next day. A click on
    the button while the panel re-renders (the first step turns the levers live) can land on the
    node being replaced: if nothing happened after 5 s, click once more."""
    for _ in range(days):
        page.wait_for_selector(".cg-building", state="detached", timeout=60_000)  # a rebuild (a warm-up year) is done
        before = day_shown(page)
        page.click(".cg-step")
        deadline = time.monotonic() + 5
        while day_shown(page) == before and time.monotonic() < deadline:
            time.sleep(0.03)
        if day_shown(page) == before:
            page.click(".cg-step")
        wait_day(page, before + 1)


def test_trainer_flow_in_chinese_with_a_b_mode(server, browser, shots, results):
    context = browser.new_context(viewport=VIEWPORT)
    page, errors = open_page(context, server)
    assert "Community co-governance workshop" in page.inner_text(".cg-title")

    # switch to Chinese
    page.click(".cg-lang-zh")
    page.wait_for_function("() => document.querySelector('.cg-title').innerText.includes('党建引领社区共治')")

    # change a lever: grid management (S3), from the schema-driven panel
    page.click(".cg-group-head-s3")
    page.get_by_text("网格员巡查", exact=True).click()
    page.wait_for_selector("text=已调整 1 项举措")
    page.wait_for_selector(".cg-lever-grid_management-patrol_interval_days")  # its settings appear once it is on
    wait_day(page, 0)

    charts_before = page.inner_html(".cg-charts")
    ticker_before = page.inner_text(".cg-ticker")
    map_before = page.get_attribute(".cg-map-img-a", "src")
    step(page, 10)
    assert day_shown(page) == 10
    page.wait_for_function("(before) => document.querySelector('.cg-charts').innerHTML !== before", arg=charts_before)
    assert page.inner_html(".cg-charts") != charts_before
    assert page.inner_text(".cg-ticker") != ticker_before
    assert page.get_attribute(".cg-map-img-a", "src") != map_before

    # Chinese labels: page, levers, charts, tiles, ticker
    text = page.inner_text("body")
    for label in ("第 10 天 / 共 365 天", "实时动态", "矛盾纠纷化解率", "小事不出社区占比", "积压案件", "参与率",
                  "街道社区打基础", "网格化管理", "政策举措", "社区地图", "纠纷类别"):
        assert label in text, label
    lines = page.locator(".cg-ticker-line").all_inner_texts()
    assert lines and all(re.search(r"第\d+天", ln) for ln in lines)
    assert any("纠纷" in ln for ln in lines)
    page.screenshot(path=str(shots / "workshop_zh.png"))

    # A/B: a party-led copy with the same seed, side by side, charts overlaid
    page.click(".cg-ab-switch")
    page.wait_for_selector(".cg-map-img-b")
    page.wait_for_selector(".cg-compare")
    wait_day(page, 0)
    step(page, 5)
    assert page.locator(".cg-tile-b").count() == len(METRICS.headline())
    assert "B · 党建引领共治" in page.inner_text(".cg-runs-legend")  # the runs named once, above the charts
    assert page.locator(".cg-chart-backlog polyline[stroke-dasharray]").count() >= 1  # B, dashed
    page.screenshot(path=str(shots / "workshop_ab_zh.png"))

    # export: the charts as PNG, and the run folders of A and B as `cogov run` writes them
    with page.expect_download() as download:
        page.get_by_text("导出趋势图（PNG）").click()
    assert Path(download.value.path()).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    page.click(".cg-export-run")
    page.wait_for_selector(".cg-export-path >> nth=1", timeout=60_000)
    folders = sorted(p for p in results.iterdir() if p.is_dir() and not p.name.startswith("."))
    assert len(folders) == 2 and all("day5" in f.name for f in folders)
    assert set(RUN_FILES) <= {p.name for p in folders[0].iterdir()}

    # presentation mode, in English
    page.click(".cg-lang-en")
    page.get_by_text("Presentation mode", exact=True).click()
    page.wait_for_selector(".cg-present")
    page.screenshot(path=str(shots / "workshop_ab_present_en.png"))
    # six charts and two runs on one screen: their labels still read at presentation size, none over another
    labels = page.evaluate("""() => [...document.querySelectorAll('.cg-plot')].map(plot => {
        const box = plot.closest('.cg-chart').getBoundingClientRect();
        return [...plot.querySelectorAll('.cg-tick-y')].filter(e => getComputedStyle(e).display !== 'none').map(e => {
            const r = e.getBoundingClientRect();
            return {size: parseFloat(getComputedStyle(e).fontSize), top: r.top, bottom: r.bottom,
                    inside: r.top >= box.top && r.bottom <= box.bottom && r.left >= box.left}; }); })""")
    assert len(labels) == 6
    for chart in labels:
        assert len(chart) >= 2 and all(label["size"] >= 16 and label["inside"] for label in chart), chart
        ordered = sorted(chart, key=lambda label: label["top"])
        assert all(upper["bottom"] <= lower["top"] for upper, lower in zip(ordered, ordered[1:])), chart
    assert errors == []
    context.close()


def test_play_and_pause(server, browser):
    context = browser.new_context(viewport=VIEWPORT)
    page, _ = open_page(context, server)
    choose(page, ".cg-speed", "20 days per second")
    page.click(".cg-play")
    time.sleep(2.0)
    page.click(".cg-play")  # pause
    time.sleep(1.0)
    paused_at = day_shown(page)
    assert paused_at >= 5  # 40 at full speed; a loaded test machine may be slower
    time.sleep(1.0)
    assert day_shown(page) == paused_at
    assert page.inner_text(".cg-play").strip() == "Play"
    context.close()


def test_two_browsers_never_share_levers_or_models(server, browser):
    one = browser.new_context(viewport=VIEWPORT)
    two = browser.new_context(viewport=VIEWPORT)
    p1, _ = open_page(one, server)
    p1.click(".cg-group-head-s5")
    p1.get_by_text("Report online", exact=True).click()
    p1.wait_for_selector("text=1 lever(s) changed from the starting point")
    step(p1, 3)

    p2, _ = open_page(two, server)
    assert day_shown(p2) == 0
    assert p2.locator("text=lever(s) changed").count() == 0
    p2.click(".cg-group-head-s5")
    box = p2.locator(".cg-lever-smart_platform-online_reporting input[type=checkbox]")
    assert box.get_attribute("aria-checked") == "false"
    step(p2, 2)
    assert day_shown(p1) == 3 and day_shown(p2) == 2
    one.close()
    two.close()


def test_works_with_no_network(server, browser, shots):
    """Every request that leaves this machine is blocked: the page still loads and runs."""
    context = browser.new_context(viewport=VIEWPORT)
    outside: list[str] = []
    failed: list[str] = []

    def guard(route):
        host = urlparse(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.goto(server)
    page.wait_for_selector(".cg-map-img-a", timeout=60_000)
    step(page, 2)
    assert page.locator(".cg-chart").count() == 6
    page.screenshot(path=str(shots / "workshop_offline.png"))
    assert outside == [], f"the page asked the internet for {outside}"
    assert [u for u in failed if not u.startswith("blob:")] == []
    # fonts and icons came from this machine, too
    assert page.evaluate("() => document.fonts.check('16px Roboto')")
    context.close()


def test_a_lever_changed_at_day_30_applies_without_restart_and_the_export_reruns_identically(server, browser, results, shots):
    import subprocess
    import sys

    from sim.running.output import DETERMINISTIC_FILES

    context = browser.new_context(viewport=VIEWPORT)
    page, errors = open_page(context, server)
    before = {p.name for p in results.iterdir()}
    step(page, 30)
    page.click(".cg-group-head-s3")
    page.get_by_text("Grid workers patrol", exact=True).click()
    page.wait_for_selector(".cg-restart-levers")
    assert day_shown(page) == 30  # applied from today: no restart
    page.wait_for_selector(".cg-ticker-change")
    assert "Policy changed from today: Grid management starts" in page.inner_text(".cg-ticker")
    step(page, 5)
    assert page.locator(".cg-chart .cg-change-label").count() == 6  # a marker on every chart
    # each label sits above its plot, never over the lines it marks
    gaps = page.evaluate("""() => [...document.querySelectorAll('.cg-chart')].map(c =>
        c.querySelector('.cg-plot').getBoundingClientRect().top - c.querySelector('.cg-change-label').getBoundingClientRect().bottom)""")
    assert len(gaps) == 6 and min(gaps) >= 0, gaps
    page.screenshot(path=str(shots / "workshop_live_change.png"))
    page.click(".cg-export-run")
    page.wait_for_function("(n) => document.querySelectorAll('.cg-export-path').length >= 1")
    (folder,) = [p for p in results.iterdir() if p.name not in before and not p.name.startswith(".")]
    assert "day35" in folder.name
    again = results.parent / f"{folder.name}-again"
    done = subprocess.run([sys.executable, "-m", "sim", "run", str(folder / "scenario.yaml"), "--out", str(again), "-q"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    for name in DETERMINISTIC_FILES:
        assert (folder / name).read_bytes() == (again / name).read_bytes(), name
    page.click(".cg-restart-levers")  # and back to day 0 with the lever on from the start
    page.wait_for_function("() => document.querySelector('.cg-dayline .cg-day').innerText.includes('Day 0')")
    assert page.locator(".cg-restart-levers").count() == 0
    assert errors == []
    context.close()


def test_a_reload_finds_the_running_session_and_another_tab_does_not(server, browser):
    context = browser.new_context(viewport=VIEWPORT)
    page, errors = open_page(context, server)
    step(page, 4)
    page.click(".cg-group-head-s3")
    page.get_by_text("Grid workers patrol", exact=True).click()  # a live change, on day 4
    page.wait_for_selector(".cg-restart-levers")
    page.reload()
    page.wait_for_function("() => (document.querySelector('.cg-dayline .cg-day') || {}).innerText === 'Day 4 of 365'",
                           timeout=60_000)
    page.wait_for_selector(".cg-ticker-change")  # the same run, its change included
    other = context.new_page()  # a second tab of the same browser: a session of its own
    other.goto(server)
    other.wait_for_selector(".cg-dayline .cg-day", timeout=60_000)
    wait_day(other, 0)
    assert day_shown(page) == 4 and errors == []
    context.close()


def _inside_window(page, css: str) -> list[bool]:
    return page.evaluate("""(css) => [...document.querySelectorAll(css)].map(e => {
        const r = e.getBoundingClientRect();
        return r.top >= 0 && r.left >= 0 && r.bottom <= window.innerHeight + 1 && r.right <= window.innerWidth + 1 && r.height > 60; })""", css)


def test_on_a_1920_projector_the_six_charts_fit_and_the_panel_can_hide(server, browser, shots):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page, _ = open_page(context, server)
    step(page, 3)
    fits = _inside_window(page, ".cg-chart")
    assert fits == [True] * 6, fits  # all six charts on screen, none cut off
    scroll = page.evaluate("() => { const m = document.querySelector('.cg-main'); return [document.documentElement.scrollHeight, m.scrollHeight - m.clientHeight]; }")
    assert scroll[0] <= 1080 and scroll[1] <= 1, scroll  # no scroll bar, not even an inner one
    page.screenshot(path=str(shots / "workshop_1920.png"))
    # presentation on a small projector: hide the panel; play and step stay at hand
    page.set_viewport_size({"width": 1280, "height": 720})
    page.get_by_text("Presentation mode", exact=True).click()
    page.wait_for_selector(".cg-root.cg-present")
    page.click(".cg-panel-toggle")
    page.wait_for_selector(".cg-side", state="hidden")
    page.click(".cg-mini-step")
    wait_day(page, 4)
    main_width = page.evaluate("() => document.querySelector('.cg-main').getBoundingClientRect().width")
    assert main_width >= 1270
    page.screenshot(path=str(shots / "workshop_1280_hidden_panel.png"))
    # presentation on the 1920 projector, panel hidden: the whole map is in its box, none cut off
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.wait_for_timeout(500)
    box, img = page.evaluate("() => [document.querySelector('.cg-stage .cg-map').getBoundingClientRect().bottom,"
                             " document.querySelector('.cg-map-img-a').getBoundingClientRect().bottom]")
    assert img <= box, (img, box)
    page.screenshot(path=str(shots / "workshop_1920_presentation_hidden_panel.png"))
    page.click(".cg-panel-toggle")
    page.wait_for_selector(".cg-side", state="visible")
    # A/B in presentation mode on the 1920 projector: the headline tiles in one row, and below them
    # both maps whole, both tickers and all six charts in the stage, which does not scroll
    page.click(".cg-ab-switch")
    page.wait_for_selector(".cg-map-img-b", timeout=60_000)
    page.wait_for_timeout(1000)
    tiles = page.evaluate("() => [...document.querySelectorAll('.cg-tile-metric')].map(e => Math.round(e.getBoundingClientRect().top))")
    assert len(tiles) == len(METRICS.headline()) and len(set(tiles)) == 1, tiles
    stage, maps, tickers, charts, scrolls = page.evaluate("""() => [document.querySelector('.cg-stage').getBoundingClientRect().bottom,
        [...document.querySelectorAll('.cg-map-img-a, .cg-map-img-b')].map(e => e.getBoundingClientRect().bottom),
        [...document.querySelectorAll('.cg-side-by-side .cg-ticker-box')].map(e => { const r = e.getBoundingClientRect(); return [r.bottom, r.height]; }),
        [...document.querySelectorAll('.cg-chart')].map(e => e.getBoundingClientRect().bottom),
        (e => e.scrollHeight - e.clientHeight)(document.querySelector('.cg-stage-map'))]""")
    assert len(maps) == 2 and max(maps) <= stage and len(charts) == 6 and max(charts) <= stage + 1, (stage, maps, charts)
    assert len(tickers) == 2 and all(bottom <= stage + 1 and height >= 100 for bottom, height in tickers), (stage, tickers)
    assert scrolls <= 1, scrolls
    page.screenshot(path=str(shots / "workshop_1920_ab_presentation.png"))
    # the same on a 1600 × 1000 laptop with the controls shown: still one row of tiles, none of
    # them cut off, and the six charts in the stage without a scroll
    page.set_viewport_size({"width": 1600, "height": 1000})
    page.wait_for_timeout(1000)
    tiles, clipped, stage, charts, scroll = page.evaluate("""() => [
        [...document.querySelectorAll('.cg-tile-metric')].map(e => Math.round(e.getBoundingClientRect().top)),
        [...document.querySelectorAll('.cg-tile-metric')].filter(e => e.scrollWidth > e.clientWidth + 1).length,
        document.querySelector('.cg-stage').getBoundingClientRect().bottom,
        [...document.querySelectorAll('.cg-chart')].map(e => e.getBoundingClientRect().bottom),
        (e => e.scrollHeight - e.clientHeight)(document.querySelector('.cg-stage-charts > div'))]""")
    assert len(set(tiles)) == 1 and clipped == 0, (tiles, clipped)
    assert len(charts) == 6 and max(charts) <= stage + 1 and scroll <= 1, (stage, charts, scroll)
    page.screenshot(path=str(shots / "workshop_1600_ab_presentation.png"))
    context.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_on_a_phone_the_page_is_one_column_with_large_targets(server, browser, shots, lang):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page, _ = open_page(context, server + f"?lang={lang}")
    step(page, 2)
    width = page.evaluate("() => [document.documentElement.scrollWidth, document.querySelector('.cg-main').getBoundingClientRect().width]")
    assert width[0] <= 390 and width[1] >= 370, width  # nothing wider than the screen; the live view takes its width
    assert page.locator(".cg-play").bounding_box()["height"] >= 44
    # the header's buttons wrap onto lines of their own; its labels do not break a letter a line
    assert page.locator(".cg-panel-toggle").bounding_box()["x"] + page.locator(".cg-panel-toggle").bounding_box()["width"] <= 390
    assert page.locator(".cg-header").bounding_box()["height"] <= 260
    page.screenshot(path=str(shots / f"workshop_phone_{lang}.png"), full_page=True)
    context.close()


def marker_fraction(page) -> tuple[float, float]:
    """Where on map A a dispute marker sits, as fractions of the image: read from the PNG the page
    shows (markers are the only pixels in a category's colour)."""
    import io

    from PIL import Image

    from sim.webapp.mapview import CATEGORY_COLOURS

    data = page.evaluate("""async () => {
        const img = document.querySelector('img.cg-map-img-a');
        const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
        return Array.from(bytes);
    }""")
    rgb = np.asarray(Image.open(io.BytesIO(bytes(data))).convert("RGB")).astype(int)
    colours = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in CATEGORY_COLOURS.values()])
    hit = (np.abs(rgb[:, :, None, :] - colours[None, None]).sum(axis=3) == 0).any(axis=2)
    ys, xs = np.nonzero(hit)
    assert len(xs), "no dispute marker on the map"
    return (xs[0] + 0.5) / rgb.shape[1], (ys[0] + 0.5) / rgb.shape[0]


def test_a_click_on_a_dispute_on_the_map_follows_it(server, browser):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page, errors = open_page(context, server)
    step(page, 20)
    fx, fy = marker_fraction(page)
    box = page.locator("img.cg-map-img-a").bounding_box()
    page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
    page.wait_for_selector(".cg-journey", timeout=20_000)
    assert "Following: the" in page.inner_text(".cg-journey")
    page.click(".cg-journey-stop")
    page.wait_for_selector(".cg-journey", state="detached")
    page.mouse.click(box["x"] + 2, box["y"] + 2)  # the map's corner: no dispute there, nothing followed
    time.sleep(1.0)
    assert page.locator(".cg-journey").count() == 0 and not errors
    context.close()


def test_a_click_on_a_ticker_line_follows_that_dispute_and_the_filter_narrows_the_ticker(server, browser, shots):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page, _ = open_page(context, server)
    step(page, 25)
    page.locator(".cg-ticker-link").first.click()
    page.wait_for_selector(".cg-journey")
    journey = page.inner_text(".cg-journey")
    assert "Following: the" in journey and "Arises; nobody is acting on it yet" in journey
    assert re.search(r"(Still open after \d+ days|Resolved after \d+ days|Given up after \d+ days)", journey), journey
    step(page, 1)  # the journey follows the run
    assert page.locator(".cg-journey").count() == 1
    page.screenshot(path=str(shots / "workshop_follow.png"))
    page.click(".cg-journey-stop")
    page.wait_for_selector(".cg-journey", state="detached")
    choose(page, ".cg-ticker-show", "Only escalations")
    page.wait_for_function("() => [...document.querySelectorAll('.cg-ticker-line')].every(e => e.classList.contains('cg-ticker-escalated'))")
    if not page.locator(".cg-ticker-line").count():  # no escalation yet: the ticker says so, never blank
        assert "No line of the ticker matches." in page.inner_text(".cg-ticker")
    choose(page, ".cg-ticker-show", "Everything")
    page.wait_for_function("() => [...document.querySelectorAll('.cg-ticker-line')].some(e => !e.classList.contains('cg-ticker-escalated'))")
    context.close()
