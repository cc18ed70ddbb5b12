"""The classroom in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright):
one facilitator and several participants, each in a browser context of their own. Joining by
code, roles handed out, a round where three roles decide and the world changes as the model says,
a resident household deciding for its building,
a missed deadline falling back to the model, an injected event, the Chinese flow, a reload coming
back to the same role, two rooms on one server that never meet, tokens the server refuses, the
debrief, and a replay of the exported session. Screenshots (a phone at 390 x 844, the console at
1920 x 1080, both in Chinese) go to a temporary folder (COGOV_SCREENSHOTS=DIR keeps them)."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from webapp_browser import CHROMIUM, ROOT, choose, classroom_server

from sim.classroom.debrief import compare_runs

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (CI installs it)")
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

PHONE = {"width": 390, "height": 844}
PROJECTOR = {"width": 1920, "height": 1080}
WAIT = 30_000  # ms


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return tmp_path_factory.mktemp("classroom-results")


@pytest.fixture(scope="module")
def server(results, tmp_path_factory):
    small = tmp_path_factory.mktemp("classroom-scenario") / "small.yaml"
    small.write_text(f"extends: {ROOT / 'scenarios' / 'baseline.yaml'}\nname: small classroom\n"
                     "site:\n  households: 400\nrun:\n  days: 120\n", encoding="utf-8")
    with classroom_server(str(small), "--round-days", "15", "--decide-seconds", "600", "--days-per-second", "10",
                          "--results-dir", str(results)) as found:
        yield found


def console_page(browser, console_url: str, fresh: bool = True):
    """The facilitator's console, on a room of its own (the "+" button) unless `fresh` is False."""
    page = browser.new_context(viewport=PROJECTOR).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(console_url)
    page.wait_for_selector(".cr-code-big", timeout=60_000)
    if fresh:
        before = page.inner_text(".cr-code-big")
        page.click(".cr-new-room")
        expect(page.locator(".cr-code-big")).not_to_have_text(before, timeout=WAIT)
    return page, page.inner_text(".cr-code-big").strip(), errors


def join(browser, url: str, code: str, name: str, context=None):
    context = context or browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector(".cr-name input", timeout=60_000)
    page.fill(".cr-name input", name)
    page.fill(".cr-code input", code)
    page.click(".cr-join-button")
    page.wait_for_selector(".cr-who .cr-role", timeout=WAIT)
    return page


def set_value(page, decision: str, target: str, clicks: int, sign: str = "plus") -> None:
    for _ in range(clicks):
        page.click(f".cr-decision-{decision} .cr-{sign}")
    expect(page.locator(f".cr-decision-{decision} .cr-value")).to_have_text(target, timeout=WAIT)


def export(console) -> Path:
    console.click(".cr-export")
    expect(console.locator(".cr-console-message")).to_contain_text("exported", timeout=60_000)
    return Path(re.search(r"exported to (\S+)", console.inner_text(".cr-console-message")).group(1))


def test_a_round_where_three_roles_decide_changes_the_world_and_replays(server, browser, results):
    url, console_url = server.url, server.console
    console, code, errors = console_page(browser, console_url)
    secretary, director, grid, manager = (join(browser, url, code, n) for n in ("Li", "Wang", "Zhang", "Zhao"))
    roles = [p.inner_text(".cr-who .cr-role") for p in (secretary, director, grid, manager)]
    assert roles == ["You are: Community party secretary", "You are: Residents' committee director", "You are: Grid worker",
                     "You are: Property manager"]
    expect(console.locator(".cr-people")).to_contain_text("Zhao", timeout=WAIT)
    set_value(secretary, "joint_meetings", "5", 5)
    secretary.click(".cr-decision-joint_meetings .cr-send")
    set_value(director, "mediators", "7", 2)  # the baseline's five, two more
    director.click(".cr-decision-mediators .cr-send")
    set_value(manager, "monthly_fee", "2.5", 5)
    manager.click(".cr-decision-monthly_fee .cr-send")
    expect(manager.locator(".cr-message")).to_contain_text("Sent", timeout=WAIT)
    for text in ("Cases per joint meeting", "people's mediators", "Property fee"):
        expect(console.locator(".cr-pending")).to_contain_text(text, timeout=WAIT)
    console.click(".cr-next")  # the deadline, now: the grid worker decided nothing
    expect(console.locator(".cr-log")).to_contain_text("Grid worker: No decision", timeout=WAIT)
    expect(secretary.locator(".cr-round-line")).to_contain_text("Round 2", timeout=WAIT)  # 15 days at 10 a second
    folder = export(console)
    log = pq.read_table(folder / "decisions.parquet").to_pylist()
    assert [(r["role"], r["decision"], r["value"]) for r in log] == [
        ("party_secretary", "joint_meetings", 5.0), ("committee_director", "mediators", 7.0),
        ("property_manager", "monthly_fee", 2.5), ("grid_worker", "model_behaviour", None)]
    assert [r["participant"] for r in log[:3]] == ["Li", "Wang", "Zhao"]
    ran = yaml.safe_load((folder / "run" / "scenario.yaml").read_text(encoding="utf-8"))["timeline"]
    assert [(e["day"], e["set"]) for e in ran] == [
        (0, {"policies.joint_meetings.enabled": True, "policies.joint_meetings.cases_per_meeting": 5}),
        (0, {"site.residents_committee.mediators": 7}), (0, {"site.property_company.monthly_fee": 2.5})]
    assert "case_log.parquet" in compare_runs(folder / "run", folder / "counterfactual")  # the same seed, another world
    done = subprocess.run([sys.executable, "-m", "sim", "replay", str(folder)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "byte for byte" in done.stdout, done.stderr
    assert not errors


def test_a_missed_deadline_falls_back_and_an_injected_event_reaches_the_roles(server, browser):
    url, console_url = server.url, server.console
    console, code, _ = console_page(browser, console_url)
    expect(console.locator(".cg-ticker")).to_contain_text("Press Next round", timeout=WAIT)  # the console's button, not the workshop's play
    secretary = join(browser, url, code, "Li")
    manager = [join(browser, url, code, n) for n in ("Wang", "Zhang", "Zhao")][-1]
    console.fill(".cr-decide-seconds input", "3")
    console.press(".cr-decide-seconds input", "Enter")
    expect(console.locator(".cr-log")).to_contain_text("Community party secretary: No decision", timeout=WAIT)
    expect(secretary.locator(".cr-timer")).to_contain_text("Days", timeout=WAIT)
    console.click(".cr-event-property_leaves")
    expect(console.locator(".cr-log")).to_contain_text("The property company leaves", timeout=WAIT)
    expect(console.locator(".cg-ticker")).to_contain_text("Property company leaves", timeout=WAIT)
    console.click(".cr-pause")  # rounds now turn every few seconds: hold this one while the manager tries
    expect(console.locator(".cr-resume")).to_be_visible(timeout=WAIT)
    # the manager's page learns the company is gone (no fee now), so its control starts at the lowest
    expect(manager.locator(".cr-decision-monthly_fee")).to_contain_text("now: —", timeout=WAIT)
    set_value(manager, "monthly_fee", "0.6", 1)
    manager.click(".cr-decision-monthly_fee .cr-send")
    expect(manager.locator(".cr-refused")).to_contain_text("Not possible now", timeout=WAIT)  # refused by the server
    # the room switches to Chinese: a page joined in English follows it, header too, without a reload
    expect(secretary.locator(".cr-header .cg-title")).to_have_text("Co-governance classroom")
    console.click(".cg-lang-zh")
    expect(secretary.locator(".cr-header .cg-title")).to_have_text("社区共治课堂", timeout=WAIT)


def test_the_chinese_flow_a_reload_keeps_the_role_and_screenshots(server, browser, shots):
    url, console_url = server.url, server.console
    console, code, errors = console_page(browser, console_url)
    console.click(".cg-lang-zh")
    expect(console.locator(".cg-title")).to_contain_text("主持人控制台", timeout=WAIT)
    phone_context = browser.new_context(viewport=PHONE)
    first = join(browser, url, code, "李明", context=phone_context)
    expect(first.locator(".cr-who .cr-role")).to_have_text("您的角色：社区党组织书记", timeout=WAIT)
    # the countdown runs on the page: 600 s to decide, a few seconds later fewer
    expect(first.locator(".cr-timer")).to_contain_text("秒作决定", timeout=WAIT)
    left = int(re.search(r"\d+", first.inner_text(".cr-timer")).group())
    assert 560 < left <= 600
    time.sleep(2.5)
    assert int(re.search(r"\d+", first.inner_text(".cr-timer")).group()) < left
    console.click(".cr-pick-roles")  # the facilitator lets participants choose
    resident = browser.new_context(viewport=PHONE).new_page()
    resident.goto(f"{url}?room={code}")
    resident.wait_for_selector(".cr-pick", timeout=60_000)
    resident.fill(".cr-name input", "王芳")
    choose(resident, ".cr-pick", "居民家庭")
    resident.click(".cr-join-button")
    expect(resident.locator(".cr-who .cr-role")).to_have_text("您的角色：居民家庭", timeout=WAIT)
    expect(resident.locator(".cr-who")).to_contain_text("第 1 栋")
    expect(console.locator(".cr-people")).to_contain_text("王芳 · 居民家庭 · 第 1 栋", timeout=WAIT)
    # the household decides for its building: new disputes to the 12345 hotline, and taking part
    expect(resident.locator(".cr-decision-new_disputes")).to_contain_text("拨打12345热线", timeout=WAIT)
    resident.click(".cr-decision-new_disputes .cr-choice-report_hotline")
    expect(resident.locator(".cr-ok")).to_contain_text("已提交", timeout=WAIT)
    expect(resident.locator(".cr-decision-new_disputes .cr-chosen")).to_have_text("拨打12345热线", timeout=WAIT)
    resident.click(".cr-decision-take_part .cr-choice-yes")
    expect(console.locator(".cr-pending")).to_contain_text("居民家庭（第 1 栋）（王芳）：本轮本楼栋每起新纠纷 = 拨打12345热线", timeout=WAIT)
    set_value(first, "joint_meetings", "4", 4)
    first.click(".cr-decision-joint_meetings .cr-send")
    expect(first.locator(".cr-ok")).to_contain_text("已提交", timeout=WAIT)
    expect(console.locator(".cr-pending")).to_contain_text("社区党组织书记（李明）", timeout=WAIT)
    console.click(".cr-next")
    expect(first.locator(".cr-round-line")).to_contain_text("第 2 轮", timeout=WAIT)
    expect(first.locator(".cr-ok")).to_have_count(0, timeout=WAIT)  # last round's answer, applied since, is gone
    expect(console.locator(".cr-log")).to_contain_text("本轮活动：本楼栋居民是否参加？ = 参加", timeout=WAIT)
    first.screenshot(path=str(shots / "participant-390x844-zh.png"))
    resident.screenshot(path=str(shots / "household-390x844-zh.png"), full_page=True)
    console.screenshot(path=str(shots / "console-1920x1080-zh.png"))
    started = time.monotonic()
    first.reload()
    expect(first.locator(".cr-who .cr-role")).to_have_text("您的角色：社区党组织书记", timeout=WAIT)
    assert time.monotonic() - started < 5.0, "a reload comes back to the same role within 5 s"
    assert "李明" in first.inner_text(".cr-who")
    console.click(".cr-debrief")
    expect(console.locator(".cr-scrub-day")).to_contain_text("第 15 天", timeout=60_000)
    # a click on a line of the session's ticker follows that dispute
    followed = console.input_value(".cr-dispute input")
    links = console.locator(".cg-live-row .cg-ticker").first.locator(".cg-ticker-link")
    assert links.count() >= 2
    for k in range(links.count()):
        links.nth(k).click()
        time.sleep(0.5)
        if console.input_value(".cr-dispute input") != followed:
            break
    assert console.input_value(".cr-dispute input") != followed, "no ticker line of the session followed its dispute"
    console.locator(".cr-scrub .v-slider").click(position={"x": 5, "y": 5})  # towards day 0
    expect(console.locator(".cr-scrub-day")).not_to_contain_text("第 15 天", timeout=WAIT)
    expect(console.locator(".cr-journey")).to_contain_text("跟踪一件纠纷")
    # the maps say what their colours and marks mean, and nothing covers the day's slider
    legend = console.locator(".cr-debrief .cg-legend")
    expect(legend).to_contain_text("信任低")
    expect(legend).to_contain_text("纠纷类别")
    assert console.locator(".cr-scrub .v-slider__thumb-label").count() == 0
    console.wait_for_timeout(600)  # the slider's thumb comes to rest
    console.screenshot(path=str(shots / "debrief-1920x1080-zh.png"))
    assert not errors


def test_two_rooms_never_meet_and_the_server_refuses_foreign_tokens(server, browser):
    url, console_url = server.url, server.console
    a, code_a, _ = console_page(browser, console_url)
    b, code_b, _ = console_page(browser, console_url)
    assert code_a != code_b
    pa = join(browser, url, code_a, "InA")
    pb = join(browser, url, code_b, "InB")
    expect(a.locator(".cr-people")).to_contain_text("InA", timeout=WAIT)
    expect(b.locator(".cr-people")).to_contain_text("InB", timeout=WAIT)
    set_value(pa, "joint_meetings", "2", 2)
    pa.click(".cr-decision-joint_meetings .cr-send")
    expect(a.locator(".cr-pending")).to_contain_text("InA", timeout=WAIT)
    assert "InA" not in b.inner_text(".cr-people") and "InA" not in b.inner_text(".cr-pending")
    assert "InB" not in a.inner_text(".cr-people")
    # a token of room A presented for room B, or one the server never gave: the join page, no role
    token_a = pa.evaluate("window.sessionStorage.getItem('cogov-classroom')").split(":")[1]
    for forged in (f"{code_b}:{token_a}", f"{code_a}:made-up-token"):
        pb.evaluate(f"window.sessionStorage.setItem('cogov-classroom', '{forged}')")
        pb.reload()
        pb.wait_for_selector(".cr-name input", timeout=WAIT)
        assert pb.locator(".cr-who").count() == 0
    # no key, or a wrong one: no console
    page = browser.new_context().new_page()
    page.goto(console_url.split("?")[0] + "?key=wrong")
    expect(page.locator(".cg-error")).to_be_visible(timeout=WAIT)
    assert page.locator(".cr-code-big").count() == 0
