"""Memory of the workshop server as participants come and go (headless Chromium).

Starts `cogov workshop`, measures the server's resident memory when idle, opens N pages (each in
its own browser context, as N participants' devices would; a few at a time), steps each a few days
so that its models are built and have run, closes them all, and then reads the server's memory
every 10 s for `--wait` seconds: a closed tab's session is freed within a minute (its page context
ends 20 s after the tab closes, its session 30 s later). Not a timed test. Run:
`.venv/bin/python bench/bench_workshop_sessions.py [--pages 30] [--wait 120]`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from playwright.sync_api import sync_playwright  # noqa: E402
from webapp_browser import launch, workshop_server  # noqa: E402


def server_mb(port: int) -> float:
    """Resident memory of the process listening on `port` (the Solara server), MB."""
    for conn in psutil.net_connections(kind="tcp"):
        if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN and conn.pid:
            return psutil.Process(conn.pid).memory_info().rss / 1e6
    raise RuntimeError(f"nothing listens on port {port}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--days", type=int, default=5, help="days each page steps")
    parser.add_argument("--wait", type=float, default=120.0, help="seconds to watch memory after the pages close")
    args = parser.parse_args()
    with workshop_server("scenarios/baseline.yaml") as url, sync_playwright() as pw:
        port = int(url.rstrip("/").rsplit(":", 1)[1])
        browser = launch(pw)
        warm = browser.new_context()  # one page first, so that idle includes what every server has loaded
        p = warm.new_page()
        p.goto(url)
        p.wait_for_selector(".cg-dayline .cg-day", timeout=120_000)
        warm.close()
        time.sleep(70)
        idle = server_mb(port)
        print(f"idle (one page opened and closed 70 s ago): {idle:.0f} MB")
        contexts = []
        for k in range(args.pages):
            ctx = browser.new_context()
            page = ctx.new_page()
            page.goto(url)
            page.wait_for_selector(".cg-dayline .cg-day", timeout=120_000)
            for _ in range(args.days):
                page.click(".cg-step")
            page.wait_for_function(f"() => document.querySelector('.cg-day').innerText.startsWith('Day {args.days} ')",
                                   timeout=60_000)
            contexts.append(ctx)
        busy = server_mb(port)
        print(f"{args.pages} pages open, each {args.days} days in: {busy:.0f} MB ({(busy - idle) / args.pages:.1f} MB per page)")
        for ctx in contexts:
            ctx.close()
        start = time.monotonic()
        while time.monotonic() - start < args.wait:
            time.sleep(10)
            print(f"  {time.monotonic() - start:5.0f} s after closing: {server_mb(port):.0f} MB")
        after = server_mb(port)
        print(f"after {args.wait:.0f} s: {after:.0f} MB, {after - idle:+.0f} MB against idle (target: within 50 MB)")
        browser.close()


if __name__ == "__main__":
    main()
