"""Open a running `cogov workshop` page in Debian's Chromium and check that the app is served: the
day line is drawn and the preset picker offers each PRESET given (by the title it shows).

    python .ci/workshop_page.py URL PRESET...

Used by .ci/installed_smoke.sh against a workshop started from an installed wheel."""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from webapp_browser import launch  # noqa: E402  (Debian's Chromium, never `playwright install`)


def main(url: str, presets: list[str]) -> int:
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page()
            page.goto(url)
            page.wait_for_selector(".cg-dayline .cg-day", timeout=120_000)
            page.click(".cg-preset .v-select__slot")
            items = page.locator(".v-menu__content.menuable__content__active .v-list-item")
            items.first.wait_for()
            offered = [text.strip() for text in items.all_inner_texts()]
        finally:
            browser.close()
    missing = [p for p in presets if p not in offered]
    if missing:
        print(f"workshop page: presets not offered: {missing}; offered: {offered}", file=sys.stderr)
        return 1
    print(f"    the page draws the day line and lists {len(offered)} presets, among them {', '.join(presets)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
