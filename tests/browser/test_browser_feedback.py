"""The Feedback loop page in a real browser on the demo shop: 3 rounds, 2 repetitions, with the
calibrated re-ranking as the intervention; the headline and the what-changed table appear, every
measure's chart is drawn (plotly SVG, a line per group and run), nothing is cut off and no
technical identifier is visible. Screenshot: tests/_screenshots/feedback.png."""

from __future__ import annotations

import pytest

from fairrec_app import feedback_views as views
from fairrec_core import names
from tests.browser._pages import (
    SHOTS,
    _full_shot,
    _no_exception,
    _settle,
    assert_plain,
    evaluate_until,
    page_at,
    wait_for_count,
)
from tests.browser.test_browser_mitigation import LEGEND_JS
from tests.browser.test_browser_training import _pick

pytestmark = pytest.mark.browser


def _slide(page, label: str, presses: int) -> None:
    """Move a slider down by ``presses`` steps from the keyboard."""
    thumb = page.get_by_role("slider", name=label)
    thumb.focus()
    for _ in range(presses):
        thumb.press("ArrowLeft")


def test_feedback_loop_runs_and_draws_its_charts(request, tmp_path, browser):
    with page_at(request, tmp_path, browser, "Feedback_loop", "feedback") as page:
        run = page.get_by_role("button", name=views.RUN)
        run.wait_for(timeout=120_000)
        _settle(page, 120)
        _no_exception(page)
        _slide(page, "Rounds", 7)  # 10 -> 3
        _slide(page, "Repetitions (seeds)", 1)  # 3 -> 2
        _pick(page, "Intervention", names.reranker("calibrated"))
        run.click()
        page.get_by_text("Over 3 rounds, the ranking accuracy changed by").first.wait_for(
            timeout=180_000)
        _settle(page, 120)
        page.wait_for_timeout(1500)  # the charts draw after the run
        _no_exception(page)
        assert page.get_by_text(f"{names.reranker('calibrated')} (strength 0.5) changes the "
                                "taste drift by").count() == 1
        for metric in views.SHOWN:
            chart = evaluate_until(page, LEGEND_JS, views.metric_label(metric))
            assert chart is not None, f"no chart of {metric}"
            # each gender group (the page opens on gender), without and with the intervention:
            # a line of means and a band over the repetitions each
            assert chart["lines"] == 2 * 2 * 2, (metric, chart)
            arms = ("no intervention", f"{names.reranker('calibrated').lower()} (strength 0.5)")
            assert sorted(chart["legend"]) == sorted(
                f"{names.attribute('gender')} {g} · {a}" for g in ("F", "M") for a in arms), chart
        assert wait_for_count(page, '[data-testid="stDataFrame"]', 1) >= 1
        _full_shot(page, SHOTS / "feedback.png")
        assert_plain(page)
