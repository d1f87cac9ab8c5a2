"""What the page-level browser tests share: a fresh server with a 1440-px page opened at a
page's URL (on failure the screenshot and the server log's tail join the message; the page is
closed either way), and the plain-page check (no text cut off, no technical identifier)."""

from __future__ import annotations

from contextlib import contextmanager

from tests.browser.test_browser_app import (
    CLIPPED_JS,
    SHOTS,
    _diagnose,
    _full_shot,
    _no_exception,
    _require_browser,
    _settle,
    start_server,
)
from tests.browser.test_browser_plain import TECHNICAL

__all__ = ["SHOTS", "_full_shot", "_no_exception", "_settle", "assert_plain", "page_at",
           "wait_for_count"]


@contextmanager
def page_at(request, tmp_path, browser, url_path: str, name: str):
    """Start the app, open ``url_path`` (e.g. ``"Feedback_loop"``) and yield the page."""
    _require_browser()
    base, _ = start_server(request, tmp_path / "streamlit.log")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    try:
        page.goto(f"{base}/{url_path}", wait_until="domcontentloaded")
        yield page
    except Exception as exc:
        raise AssertionError(f"{exc}\n--- server log ---\n"
                             f"{_diagnose(request, page, name)}") from exc
    finally:
        page.close()


def assert_plain(page) -> None:
    """Nothing on the page is cut off and no technical identifier is visible."""
    problems = page.evaluate(CLIPPED_JS)
    text = page.evaluate("() => document.body.innerText")
    problems += [f"technical identifier {m.group()!r}" for m in TECHNICAL.finditer(text)]
    assert not problems, problems


def evaluate_until(page, script: str, arg=None, *, timeout: float = 45.0):
    """``page.evaluate(script, arg)`` until it returns something other than None (charts draw
    after the script run ends, later on a busy machine); the last value otherwise."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(script, arg)
        if value is not None or time.monotonic() > deadline:
            return value
        page.mouse.wheel(0, 600)  # charts below the fold are drawn as they come into view
        page.wait_for_timeout(500)


def wait_for_count(page, selector: str, at_least: int, *, timeout: float = 60.0) -> int:
    """Wait until ``selector`` matches ``at_least`` elements (tables and charts are added after
    the text above them, later on a busy machine); the count found, checked by the caller."""
    try:
        page.wait_for_function(
            "([sel, n]) => document.querySelectorAll(sel).length >= n",
            arg=[selector, at_least], timeout=timeout * 1000)
    except Exception:  # noqa: BLE001 - the caller's assertion names what is missing
        pass
    return page.locator(selector).count()
