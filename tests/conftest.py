"""Fixtures shared by the browser tests (the workshop, the classroom)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright, one per test module."""
    from playwright.sync_api import sync_playwright
    from webapp_browser import launch

    with sync_playwright() as pw:
        b = launch(pw)
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(request, tmp_path_factory):
    """Where a module's screenshots go: a temporary folder (printed with -s), or COGOV_SCREENSHOTS=DIR."""
    name = request.module.__name__.removeprefix("test_").removesuffix("_browser")
    folder = Path(os.environ["COGOV_SCREENSHOTS"]) if os.environ.get("COGOV_SCREENSHOTS") else tmp_path_factory.mktemp(f"{name}-shots")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\n{name} screenshots: {folder}")
    return folder
