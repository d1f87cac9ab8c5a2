"""The Privacy page in a real browser on the demo shop: no privacy and ε = 8 only, 3 epochs; the
sentence appears, the trade-off chart is drawn (plotly SVG: all users, each gender group and
the gap, a line each, two points each), the table of points is shown, nothing is cut off and no
technical identifier is visible. Screenshot: tests/_screenshots/privacy_training.png."""

from __future__ import annotations

import pytest

from fairrec_app import privacy_training_views as views
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

pytestmark = pytest.mark.browser


def test_privacy_training_draws_the_trade_off_chart(request, tmp_path, browser):
    with page_at(request, tmp_path, browser, "Privacy", "privacy_training") as page:
        run = page.get_by_role("button", name=views.RUN)
        run.wait_for(timeout=120_000)
        _settle(page, 120)
        _no_exception(page)
        for eps in ("4", "2", "1"):
            page.get_by_role("button", name=f"Remove ε = {eps}", exact=True).click()
            _settle(page, 60)
        tags = page.locator('[data-testid="stMultiSelect"] [data-tag]').all_inner_texts()
        assert [t.strip() for t in tags] == ["ε = 8"], tags
        epochs = page.get_by_label("Epochs", exact=True)
        epochs.fill("3")
        epochs.press("Tab")
        _settle(page, 60)
        run.click()
        page.get_by_text("At ε = 8 accuracy falls from").first.wait_for(timeout=180_000)
        _settle(page, 120)
        _no_exception(page)
        chart = evaluate_until(page, LEGEND_JS, "Accuracy (NDCG@10)")
        assert chart is not None, "no trade-off chart"
        assert chart["legend"] == ["All users", "gender F", "gender M", "gender U", "Gap"], chart
        assert chart["lines"] == 5, chart
        assert chart["points"] == 5 * 2, chart  # no privacy and ε = 8 on each line
        assert wait_for_count(page, '[data-testid="stDataFrame"]', 1) >= 1
        download = page.get_by_role("button", name="Points (CSV)")
        download.first.wait_for(timeout=60_000)  # drawn after the table, later when busy
        assert download.count() == 1
        _full_shot(page, SHOTS / "privacy_training.png")
        assert_plain(page)
