"""Simulated days per second the workshop app shows in a real browser (headless Chromium).

Starts `cogov workshop` on a free port, opens the page, plays the baseline community at each speed
for a few seconds and reads the day shown on the page, checking that the charts, the map and the
ticker changed while it played. Not a timed test: absolute numbers depend on the machine and its
load. Run: `.venv/bin/python bench/bench_workshop.py [--seconds 8] [--speeds 5,20,max] [--ab]`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from playwright.sync_api import sync_playwright  # noqa: E402
from webapp_browser import choose, day_shown, launch, workshop_server  # noqa: E402


def measure(page, speed: str, seconds: float) -> dict:
    page.click(".cg-reset")
    page.wait_for_function("() => /\\b0\\b/.test(document.querySelector('.cg-day').innerText)")
    choose(page, ".cg-speed", speed)
    chart = page.inner_html(".cg-chart-backlog .cg-chart-body")
    ticker = page.inner_text(".cg-ticker")
    d0 = day_shown(page)
    page.click(".cg-play")
    t0 = time.perf_counter()
    frames, last, img, t_last = 0, d0, set(), t0
    while time.perf_counter() - t0 < seconds and last < 365:
        d = day_shown(page)
        if d != last:
            frames += 1
            last = d
            t_last = time.perf_counter()
        img.add(page.get_attribute(".cg-map-img-a", "src"))
        time.sleep(0.02)
    d1, t1 = last, (t_last if last >= 365 else time.perf_counter())
    if last < 365:
        page.click(".cg-play", timeout=5000)  # pause
    return {
        "speed": speed, "days_per_second": (d1 - d0) / (t1 - t0), "day_updates_per_second": frames / (t1 - t0),
        "charts_changed": page.inner_html(".cg-chart-backlog .cg-chart-body") != chart,
        "ticker_changed": page.inner_text(".cg-ticker") != ticker, "map_images": len(img),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--speeds", default="5 days per second,10 days per second,20 days per second,As fast as possible")
    ap.add_argument("--ab", action="store_true", help="measure in A/B mode (two models, two maps)")
    args = ap.parse_args()
    with workshop_server("scenarios/baseline.yaml") as url, sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(url)
        page.wait_for_selector(".cg-day")
        if args.ab:
            page.click(".cg-ab-switch")
            page.wait_for_selector(".cg-map-img-b")
        for speed in args.speeds.split(","):
            r = measure(page, speed.strip(), args.seconds)
            print(f"{r['speed']:>24}: {r['days_per_second']:6.1f} days/s shown, {r['day_updates_per_second']:5.1f} updates/s; "
                  f"charts changed {r['charts_changed']}, ticker changed {r['ticker_changed']}, "
                  f"{r['map_images']} distinct map images")
        browser.close()


if __name__ == "__main__":
    main()
