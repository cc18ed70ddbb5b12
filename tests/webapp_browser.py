"""Shared by the workshop app's browser tests and bench/bench_workshop.py: start `cogov workshop` on
a free port and open it in Debian's Chromium through Playwright (never `playwright install`)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

CHROMIUM = Path("/usr/bin/chromium")
#: without the background-networking flags Chromium keeps calling home on a closed network
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    from sim.cli.workshop import free_port as fp

    return fp()


@contextmanager
def _app_server(command: str, args: tuple[str, ...], lines: int, timeout: float, env: dict | None):
    """`cogov COMMAND --port N ARGS...` in its own process group, until its page answers; yields
    (the port, the first `lines` lines it printed, its process id)."""
    port = free_port()
    cmd = [sys.executable, "-m", "sim", command, "--port", str(port), *args]
    log = open(os.devnull, "wb")
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=log, start_new_session=True,
                            env={**os.environ, **(env or {})})
    try:
        printed = [proc.stdout.readline().decode() for _ in range(lines)]
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None:
                raise RuntimeError(f"cogov {command} exited with {proc.returncode}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not answer within {timeout} s")
            time.sleep(0.2)
        yield port, printed, proc.pid
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
        proc.stdout.close()


class Classroom(NamedTuple):
    url: str  # the join address
    code: str  # the room code printed
    console: str  # the facilitator console's address (with its key)
    pid: int  # the `cogov classroom` process (the Solara server is its child)


@contextmanager
def workshop_server(*args: str, timeout: float = 60.0, env: dict | None = None):
    """`cogov workshop --port N ARGS...`; yields the page's address."""
    with _app_server("workshop", args, 1, timeout, env) as (port, (first,), _):
        url = f"http://127.0.0.1:{port}/"
        assert url.rstrip("/") in first, f"cogov workshop printed {first!r}"
        yield url


@contextmanager
def classroom_server(*args: str, timeout: float = 60.0):
    """`cogov classroom --port N ARGS...`; yields a Classroom."""
    with _app_server("classroom", args, 2, timeout, None) as (_, (first, second), pid):
        found = re.search(r"open (\S+) and enter the room code (\w+)", first)
        console = re.search(r"console (\S+)", second)
        assert found and console, f"cogov classroom printed {first!r} {second!r}"
        yield Classroom(found.group(1), found.group(2), console.group(1), pid)


def launch(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def opened_offline(paths):
    """Each local HTML file opened in Chromium and checked as a reader would meet it: no console
    error, no request beyond the file itself, every image decoded; yields (path, page) for the
    caller's own checks."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            for path in paths:
                page = browser.new_page()
                errors, requests = [], []
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.on("requestfailed", lambda r: errors.append(f"failed: {r.url}"))
                page.on("request", lambda r: requests.append(r.url))
                url = Path(path).resolve().as_uri()
                page.goto(url, wait_until="load")
                assert errors == [], (Path(path).name, errors)
                assert [u for u in requests if u != url and not u.startswith("data:")] == [], (Path(path).name, requests)
                assert page.evaluate("Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).length") == 0
                assert page.evaluate("document.images.length") >= 1
                yield path, page
                page.close()
        finally:
            browser.close()


def day_shown(page) -> int:
    """The day the page shows ("Day 37 of 365" / "第 37 天 / 共 365 天")."""
    return int(re.search(r"\d+", page.inner_text(".cg-day")).group())


def choose(page, select_css: str, option_text: str) -> None:
    """Pick an option of a Vuetify select."""
    page.click(f"{select_css} .v-select__slot")
    page.locator(".v-menu__content.menuable__content__active .v-list-item", has_text=option_text).first.click()
