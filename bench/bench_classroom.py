"""A classroom of N participants plus the projector, in headless Chromium on this machine.

Starts `cogov classroom` (participants may pick a role, so all N are spread over the seven
institutional roles, each with decisions to send), opens the console at 1920 x 1080 and N phone
pages at 390 x 844 in one Chromium, all at once, and then for each of a few rounds:

* every participant sends a decision — all at the same moment, or at random moments over a few
  seconds (`--spread`, one round per value), as a room does; the latency is from the page
  receiving the tap on "Send" to its first frame drawn with the server's answer (timed in the
  page, so the test driver's own handling of 41 pages is not counted; that figure is reported
  too), and (on the wire) from the page's websocket frame to the frame carrying the answer;
* the round then plays; the projector's days per second is read from the day the console shows;
* the Solara server's CPU (its process and children, by psutil) and the bytes per second each
  page receives over its websocket are measured while it plays.

Memory per participant is the server's resident memory with N pages minus that with the console
alone, over N. A dropped connection is measured as a reload of one page until its role is shown.
Not a timed test: numbers depend on the machine and its load (Chromium runs on the same 2 cores;
`--nice-browser 10` lets the server go first, as it would with the pages on the participants' phones).
Run: `.venv/bin/python bench/bench_classroom.py [--participants 40] [--spread 0 0 20] [--json FILE]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from playwright.async_api import TimeoutError as PlaywrightTimeout  # noqa: E402
from playwright.async_api import async_playwright  # noqa: E402
from webapp_browser import CHROMIUM, CHROMIUM_ARGS, classroom_server  # noqa: E402

from sim.classroom.decisions import INSTITUTIONAL, OF_ROLE  # noqa: E402
from sim.i18n import t  # noqa: E402

PHONE = {"width": 390, "height": 844}
#: every page here is in the foreground on its own phone: no background-tab throttling of its timers
FOREGROUND = ["--disable-background-timer-throttling", "--disable-renderer-backgrounding",
              "--disable-backgrounding-occluded-windows"]
PROJECTOR = {"width": 1920, "height": 1080}


def server_processes(pid: int) -> list[psutil.Process]:
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def browser_processes() -> list[psutil.Process]:
    """Chromium's processes (this bench's descendants), to tell the browser's CPU from the server's."""
    return [p for p in psutil.Process().children(recursive=True) if "chrom" in p.name().lower()]


def rss(pid: int) -> int:
    return sum(p.memory_info().rss for p in server_processes(pid))


class Wire:
    """Bytes a page receives over its websockets; and, for one decision, when the page sent its
    first frame after the tap and when the frame carrying the server's answer arrived (the
    server's and the network's share of the latency, without the page's own drawing)."""

    def __init__(self, page):
        self.bytes = 0
        self.answer: str | None = None  # text the awaited answer's frame carries
        self.sent_at = self.answered_at = None
        page.on("websocket", lambda ws: (ws.on("framereceived", self._got), ws.on("framesent", self._sent)))

    def expect(self, answer: str) -> None:
        self.answer, self.sent_at, self.answered_at = answer, None, None

    def _sent(self, payload) -> None:
        if self.answer is not None and self.sent_at is None:
            self.sent_at = time.perf_counter()

    def _got(self, payload) -> None:
        self.bytes += len(payload) if isinstance(payload, (bytes, str)) else 0
        if self.answer is not None and self.sent_at is not None and self.answered_at is None and isinstance(payload, str) \
                and self.answer in payload:
            self.answered_at = time.perf_counter()

    @property
    def wire_seconds(self) -> float | None:
        return None if self.sent_at is None or self.answered_at is None else self.answered_at - self.sent_at


async def join(browser, url: str, code: str, k: int) -> tuple:
    context = await browser.new_context(viewport=PHONE)
    page = await context.new_page()
    wire = Wire(page)
    role = INSTITUTIONAL[k % len(INSTITUTIONAL)]
    started = time.perf_counter()
    await page.goto(f"{url}?room={code}", timeout=180_000)
    await page.wait_for_selector(".cr-pick", timeout=180_000)
    await page.fill(".cr-name input", f"p{k:02d}")
    await page.click(".cr-pick .v-select__slot")
    await page.locator(".v-menu__content.menuable__content__active .v-list-item",
                       has_text=t(f"classroom.role.{role.value}", "en")).first.click()
    await page.click(".cr-join-button")
    await page.wait_for_selector(".cr-who .cr-role", timeout=180_000)
    return page, wire, role, time.perf_counter() - started


#: a text only the server's answer to a decision carries ("Sent: … (applies when the round's days start)")
ANSWER = "(applies when the round"


#: set up before a tap: the moment the page receives the click on Send, and the first frame
#: drawn after the server's answer changed the decision's answer line (in the page's own clock,
#: so the test driver's handling of 41 pages is not counted)
WATCH = """(decision) => {
  const root = document.querySelector(`.cr-decision-${decision}`);
  const line = () => { const e = root.querySelector('.cr-message'); return e ? e.innerText : ''; };
  const old = line();
  window.crTap = null; window.crDrawn = null;
  root.querySelector('.cr-send').addEventListener('click', () => { window.crTap = performance.now(); },
                                                  {capture: true, once: true});
  const watch = new MutationObserver(() => {
    if (window.crTap !== null && line() !== old) {
      watch.disconnect();
      requestAnimationFrame(() => { window.crDrawn = performance.now(); });
    }
  });
  watch.observe(root, {subtree: true, childList: true, characterData: true});
}"""


async def decide(page, wire: Wire, role, rnd: int, delay: float) -> tuple[float | None, float | None, float | None]:
    """After `delay` seconds, a decision sent: seconds from the page receiving the tap on Send to
    its first frame drawn with the server's answer; from the page's websocket frame to the
    answer's frame; and from the driver's click to the answer (with the driver's own handling of
    every page). None where no answer came in 60 s."""
    await asyncio.sleep(delay)
    decision = OF_ROLE[role][rnd % len(OF_ROLE[role])].value
    await page.click(f".cr-decision-{decision} .cr-plus")  # stepped on the page: nothing sent
    await page.evaluate(WATCH, decision)
    wire.expect(ANSWER)
    started = time.perf_counter()
    await page.click(f".cr-decision-{decision} .cr-send")
    try:
        await page.wait_for_function("() => window.crDrawn !== null", timeout=60_000, polling=20)
    except PlaywrightTimeout:
        return None, None, None
    driven = time.perf_counter() - started
    tap, drawn = await page.evaluate("() => [window.crTap, window.crDrawn]")
    return (drawn - tap) / 1000, wire.wire_seconds, driven


def p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[max(0, int(round(0.95 * len(xs))) - 1)]


def console_day(text: str) -> int:
    return int(re.search(r"day (\d+)", text).group(1))


async def play_round(console, pid: int, wires: list[Wire], round_days: int) -> dict:
    text = await console.inner_text(".cr-round-line")
    day0 = console_day(text)
    procs = server_processes(pid)
    for p in procs:
        p.cpu_percent(None)
    sent0 = [w.bytes for w in wires]
    await console.click(".cr-next")  # close the decisions: the round plays
    t0 = time.perf_counter()
    seen = [(t0, day0)]
    while seen[-1][1] < day0 + round_days and time.perf_counter() - t0 < round_days * 2 + 30:
        await asyncio.sleep(0.1)
        seen.append((time.perf_counter(), console_day(await console.inner_text(".cr-round-line"))))
    elapsed = time.perf_counter() - t0
    cpu = sum(p.cpu_percent(None) for p in procs if p.is_running())
    first = next((s for s in seen if s[1] > day0), seen[0])  # from the first day shown: the pace, not the start-up
    last = seen[-1]
    pace = (last[1] - first[1]) / (last[0] - first[0]) if last[0] > first[0] else float("nan")
    per_client = [(w.bytes - b) / elapsed for w, b in zip(wires, sent0)]
    return {"days": last[1] - day0, "seconds": elapsed, "projector_days_per_second": pace, "server_cpu_percent": cpu,
            "bytes_per_second_per_participant": statistics.median(per_client[1:]) if len(per_client) > 1 else None,
            "bytes_per_second_projector": per_client[0]}


async def run(args) -> dict:
    with classroom_server(args.scenario, "--pick-roles", "--round-days", str(args.round_days), "--decide-seconds", "3600",
                          "--days-per-second", str(args.pace), "--results-dir", args.results_dir) as server:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS + FOREGROUND)
            if args.nice_browser:  # before any page: the renderers Chromium forks later inherit it
                for proc in browser_processes():
                    proc.nice(args.nice_browser)
            console = await (await browser.new_context(viewport=PROJECTOR)).new_page()
            console_wire = Wire(console)
            await console.goto(server.console)
            await console.wait_for_selector(".cr-code-big", timeout=120_000)
            await asyncio.sleep(2)
            rss0 = rss(server.pid)
            started = time.perf_counter()
            joined = []
            for first in range(0, args.participants, args.batch):  # a classroom arrives a few at a time
                joined += await asyncio.gather(*(join(browser, server.url, server.code, k)
                                                 for k in range(first, min(first + args.batch, args.participants))))
            join_all = time.perf_counter() - started
            await asyncio.sleep(3)
            rss1 = rss(server.pid)
            pages = [j[0] for j in joined]
            wires = [console_wire] + [j[1] for j in joined]
            rounds = []
            rng = np.random.default_rng(1)
            latencies: list[float] = []
            on_wire: list[float] = []
            driven: list[float] = []
            missing = 0
            for rnd, spread in enumerate(args.spread):
                server_procs, browser_procs = server_processes(server.pid), browser_processes()
                for p in server_procs + browser_procs:
                    p.cpu_percent(None)
                delays = rng.uniform(0, spread, len(joined)) if spread else [0.0] * len(joined)
                both = await asyncio.gather(*(decide(p, w, role, rnd, d) for (p, w, role, _), d in zip(joined, delays)))
                answers = [a for a, _, _ in both]
                on_wire += [x for _, x, _ in both if x is not None]
                driven += [x for _, _, x in both if x is not None]
                deciding_cpu = (sum(p.cpu_percent(None) for p in server_procs if p.is_running()),
                                sum(p.cpu_percent(None) for p in browser_procs if p.is_running()))
                lat = [a for a in answers if a is not None]
                missing += len(answers) - len(lat)
                latencies += lat
                r = await play_round(console, server.pid, wires, args.round_days)
                r["decisions_spread_over_s"] = spread
                r["decision_latency_median_s"] = statistics.median(lat) if lat else None
                r["decision_latency_p95_s"] = p95(lat) if lat else None
                wired = [x for _, x, _ in both if x is not None]
                r["decision_on_the_wire_median_s"] = statistics.median(wired) if wired else None
                r["answers_missing"] = len(answers) - len(lat)
                r["server_cpu_percent_deciding"], r["chromium_cpu_percent_deciding"] = deciding_cpu
                print(json.dumps(r), file=sys.stderr, flush=True)
                rounds.append(r)
            t0 = time.perf_counter()
            await pages[0].reload()
            await pages[0].wait_for_selector(".cr-who .cr-role", timeout=60_000)
            rejoin = time.perf_counter() - t0
            await browser.close()
    return {
        "participants": args.participants, "spread": args.spread, "nice_browser": args.nice_browser, "scenario": args.scenario, "round_days": args.round_days, "pace": args.pace,
        "join_all_seconds": join_all, "joining_at_once": args.batch, "join_median_seconds": statistics.median(j[3] for j in joined),
        "decision_latency_median_s": statistics.median(latencies),
        "decision_latency_p95_s": p95(latencies),
        "decision_on_the_wire_median_s": statistics.median(on_wire) if on_wire else None,
        "decision_on_the_wire_p95_s": p95(on_wire) if on_wire else None,
        "decision_with_the_driver_median_s": statistics.median(driven) if driven else None,
        "decisions_timed_on_the_wire": len(on_wire),
        "server_rss_console_only_mb": rss0 / 2**20, "server_rss_with_participants_mb": rss1 / 2**20,
        "server_memory_per_participant_mb": (rss1 - rss0) / 2**20 / args.participants,
        "rejoin_seconds": rejoin, "answers_missing": missing, "load_average_1min": os.getloadavg()[0], "rounds": rounds,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--participants", type=int, default=40)
    ap.add_argument("--spread", type=float, nargs="+", default=[0.0, 0.0], metavar="SECONDS",
                    help="one round per value: the participants' decisions come at random moments over this many "
                         "seconds (0: all at the same moment)")
    ap.add_argument("--batch", type=int, default=8, help="participants joining at once")
    ap.add_argument("--round-days", type=int, default=30)
    ap.add_argument("--pace", type=float, default=5.0, help="days per second while a round plays")
    ap.add_argument("--scenario", default="scenarios/party_led.yaml")
    ap.add_argument("--results-dir", default="/tmp/cogov-bench-classroom")
    ap.add_argument("--nice-browser", type=int, default=0, metavar="N",
                    help="run Chromium at this niceness (e.g. 10): the server then gets the CPU it needs first, as it "
                         "would on its own machine with the pages on the participants' phones")
    ap.add_argument("--json", help="also write the numbers to this file")
    args = ap.parse_args()
    out = asyncio.run(run(args))
    text = json.dumps(out, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
