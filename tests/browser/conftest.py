"""The shared Chromium of the browser tests (Debian's /usr/bin/chromium through Playwright; the
test is skipped with one line without it, or fails when FAIRREC_REQUIRE_BROWSER=1)."""

from __future__ import annotations

import pytest

from tests.browser.test_browser_app import CHROMIUM, CHROMIUM_ARGS, _require_browser


@pytest.fixture(scope="module")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()
