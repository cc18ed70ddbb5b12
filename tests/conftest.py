"""Fixtures shared by several test modules: the browser (the workshop, the classroom) and a small
file system of its own (a disk that fills up or turns read-only)."""

from __future__ import annotations

import os
import subprocess
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


@pytest.fixture
def small_disk(tmp_path):
    """A real 16 MB file system of its own (tmpfs), mounted for the test: it can fill up or be
    remounted read-only under a running sweep. Root ignores permissions, so a read-only folder
    would not do; this needs root (or CAP_SYS_ADMIN) and is skipped without it."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(disk)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here (needs root): {mounted.stderr.strip() or mounted.returncode}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)
