"""The New items page in a real browser on the demo shop: hold out the default fifth of the
items, compare the text and category models, and see the headline, the overview table and both
bar charts drawn (plotly SVG, one bar series per model); nothing cut off, no technical
identifier. Screenshot: tests/_screenshots/new_items.png."""

from __future__ import annotations

import pytest

from fairrec_app import coldstart_views as views
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

pytestmark = pytest.mark.browser

BARS_JS = """(title) => {
  const plot = [...document.querySelectorAll('.js-plotly-plot')]
    .find(p => (p.querySelector('.gtitle') || {}).textContent?.includes(title));
  if (!plot) return null;
  return {legend: [...plot.querySelectorAll('.legendtext')].map(e => e.textContent),
          series: plot.querySelectorAll('.barlayer .trace').length,
          bars: plot.querySelectorAll('.barlayer .point').length};
}"""


def test_new_items_page_compares_models_and_draws_its_charts(request, tmp_path, browser):
    with page_at(request, tmp_path, browser, "New_items", "new_items") as page:
        run = page.get_by_role("button", name=views.RUN)
        run.wait_for(timeout=120_000)
        _settle(page, 120)
        _no_exception(page)
        # keep the text and the category model: remove the plain one from the multiselect
        page.get_by_role("button", name=f"Remove {views.variant_label('als')}",
                         exact=True).click()
        run.click()
        page.get_by_text("Reading the descriptions ranks new items").first.wait_for(
            timeout=240_000)
        _settle(page, 120)
        page.wait_for_timeout(1500)
        _no_exception(page)
        labels = sorted(views.variant_label(k) for k in ("text", "category"))
        for title, bars in (("New items' ranking accuracy by gender", 2 * 3),
                            ("Attention per new item by brand tier", 2 * 2)):
            chart = evaluate_until(page, BARS_JS, title)
            assert chart is not None, f"no chart {title!r}"
            assert chart["series"] == 2 and chart["bars"] == bars, (title, chart)
            assert sorted(chart["legend"]) == labels, chart
        assert wait_for_count(page, '[data-testid="stDataFrame"]', 3) >= 3
        _full_shot(page, SHOTS / "new_items.png")
        assert_plain(page)
