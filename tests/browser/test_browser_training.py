"""A training can be cancelled (issue 14), in a real browser: a long BPR training started from the
Models form shows its estimate and the time left; clicking "Cancel training" stops it (the click
requests a rerun, which interrupts the training at its next progress update), the previous model
is active again with a message saying so, and the other pages work.

Uses the server and browser helpers of test_browser_app (127.0.0.1, stopped by PID; Debian's
Chromium, skipped without it unless FAIRREC_REQUIRE_BROWSER=1). Screenshots:
tests/_screenshots/training-*.png."""

from __future__ import annotations

import re
import time

import pytest

from fairrec_core import names
from tests.browser.test_browser_app import (
    CLIPPED_JS,
    SHOTS,
    _diagnose,
    _full_shot,
    _no_exception,
    _settle,
    start_server,
)
from tests.browser.test_browser_large_catalogue import _ready

pytestmark = pytest.mark.browser

#: Far more epochs than the test waits for, with early stopping off (no validation split).
EPOCHS = 400


def _metric(page, label: str) -> str:
    card = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return card.locator('[data-testid="stMetricValue"]').inner_text()


def _pick(page, label: str, option: str) -> None:
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first
    box.click()
    page.get_by_role("option", name=option, exact=True).click()


def test_a_long_bpr_training_is_cancelled_from_the_page(request, tmp_path, browser):
    base, _ = start_server(request, tmp_path / "streamlit.log", env={"FAIRREC_THREADS": "2"})
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    try:
        page.goto(f"{base}/Models", wait_until="domcontentloaded")
        page.get_by_text("Train a model").first.wait_for(timeout=120_000)
        _settle(page, 180)
        before = _metric(page, "Model")
        assert before == names.model("ease")
        _pick(page, "Model", names.model("bpr"))
        _settle(page)
        form = page.locator('[data-testid="stForm"]').first
        for field, value in (("epochs", EPOCHS), ("validation", 0)):
            box = form.get_by_label(names.model_parameter(field), exact=True)
            box.fill(str(value))
            box.press("Tab")
        form.get_by_role("button", name="Train").click()
        # the banner with the estimate and the Cancel button, then the bar with the time left
        page.get_by_text("Estimated training time").first.wait_for(timeout=60_000)
        bar = page.locator('[data-testid="stProgress"]').filter(has_text="left").first
        bar.wait_for(timeout=120_000)
        text = bar.inner_text()
        assert re.search(rf"epoch \d+/{EPOCHS}.* elapsed, about .+ left", text), text
        page.screenshot(path=str(SHOTS / "training-running.png"))
        started = time.monotonic()
        page.get_by_role("button", name="Cancel training").click()
        page.get_by_text("was cancelled").first.wait_for(timeout=120_000)
        _settle(page)
        cancelled_in = time.monotonic() - started
        _no_exception(page)
        assert _metric(page, "Model") == before
        assert page.locator('[data-testid="stProgress"]').count() == 0
        assert page.get_by_role("button", name="Cancel training").count() == 0
        message = page.get_by_text("was cancelled").first.inner_text()
        assert names.model("bpr") in message and names.model("ease") in message
        # the comparison below is drawn too (accuracy against the gap)
        page.locator(".js-plotly-plot").filter(has_text="lower is fairer").first.wait_for(
            timeout=300_000)
        _ready(page)
        table = page.locator('[data-testid="stTable"]').first.inner_text()
        assert "gender gap" in table and "age group gap" in table and "region gap" in table
        assert page.evaluate(CLIPPED_JS) == []  # at 1440 px
        _full_shot(page, SHOTS / "training-cancelled.png")
        print(f"cancel took effect after {cancelled_in:.1f} s")
        # the other pages work with the previous model (the same session: the sidebar's links)
        for label in ("Fairness audit", "Recommendations"):
            sidebar = page.locator('[data-testid="stSidebar"]')
            sidebar.get_by_role("link", name=label).first.click()
            page.get_by_role("heading", name=label).first.wait_for(timeout=120_000)
            _settle(page, 120)
            _no_exception(page)
            status = page.locator('[data-testid="stSidebar"]').inner_text()
            assert names.model("ease") in status and names.model("bpr") not in status
        _full_shot(page, SHOTS / "training-after-cancel-recommendations.png")
        # a short training then runs to the end: active, charted and in the comparison
        page.locator('[data-testid="stSidebar"]').get_by_role("link", name="Models").first.click()
        page.get_by_text("Train a model").first.wait_for(timeout=120_000)
        _settle(page, 180)
        _pick(page, "Model", names.model("bpr"))
        _settle(page)
        form = page.locator('[data-testid="stForm"]').first
        for field, value in (("epochs", 4), ("factors", 8), ("validation", 0.05)):
            box = form.get_by_label(names.model_parameter(field), exact=True)
            box.fill(str(value))
            box.press("Tab")
        form.get_by_role("button", name="Train").click()
        page.locator(".js-plotly-plot").filter(has_text="step by step").first.wait_for(
            timeout=300_000)
        _ready(page)  # the new model's audit for the comparison too
        _no_exception(page)
        scatter = page.locator(".js-plotly-plot").filter(has_text="lower is fairer").first
        assert names.model("bpr") in scatter.inner_text()
        assert _metric(page, "Model") == names.model("bpr")
        chips = page.locator('[data-testid="stMultiSelect"]').first.inner_text()
        assert names.model("bpr") in chips and names.model("ease") in chips, chips
        assert page.evaluate(CLIPPED_JS) == []
        _full_shot(page, SHOTS / "training-finished.png")
    except Exception as exc:
        raise AssertionError(f"{exc}\n--- server log ---\n{_diagnose(request, page, 'training')}") from exc
    finally:
        page.close()
