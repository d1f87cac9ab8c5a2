"""The Mitigation page in a real browser on the demo shop: train a small ALS on the Models page,
open Mitigation, keep one strength (1) of the three ways, run the comparison; the trade-off chart is drawn (plotly SVG, one legend
entry and one line of points per way, the best trade-offs and the model as it is), the table of
points is shown, nothing is cut off and no technical identifier is visible; the data-balance
view opens with its chart. Screenshots: tests/_screenshots/mitigation*.png."""

from __future__ import annotations

import re

import pytest

from fairrec_core import names
from tests.browser._pages import wait_for_count
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
from tests.browser.test_browser_training import _pick

pytestmark = pytest.mark.browser

#: The legend entries of the plotly chart titled ``title``.
LEGEND_JS = """(title) => {
  const plot = [...document.querySelectorAll('.js-plotly-plot')]
    .find(p => p.innerText.includes(title) || (p.querySelector('.gtitle') || {}).textContent?.includes(title));
  if (!plot) return null;
  return {legend: [...plot.querySelectorAll('.legendtext')].map(e => e.textContent),
          lines: plot.querySelectorAll('.scatterlayer .trace').length,
          points: plot.querySelectorAll('.scatterlayer .point').length};
}"""


def _drop_strength(page, value: str) -> None:
    """Remove one chosen strength from the multiselect (its tag's close mark)."""
    page.get_by_role("button", name=f"Remove {value}", exact=True).click()
    _settle(page, 60)


def test_mitigation_sweep_draws_the_trade_off_chart(request, tmp_path, browser):
    _require_browser()
    base, _ = start_server(request, tmp_path / "streamlit.log")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    try:
        # a small ALS from the Models form: the page compares the active model at its settings
        page.goto(f"{base}/Models", wait_until="domcontentloaded")
        page.get_by_text("Train a model").first.wait_for(timeout=120_000)
        _settle(page, 120)
        _pick(page, "Model", names.model("als"))
        _settle(page)
        form = page.locator('[data-testid="stForm"]').first
        for field, value in (("factors", 8), ("iterations", 2)):
            box = form.get_by_label(names.model_parameter(field), exact=True)
            box.fill(str(value))
            box.press("Tab")
        form.get_by_role("button", name="Train").click()
        page.locator('[data-testid="stMetric"]').filter(has_text=names.model("als")).first \
            .wait_for(timeout=120_000)
        _settle(page, 120)
        page.locator('[data-testid="stSidebar"]').get_by_role("link", name="Mitigation").click()
        run = page.get_by_role("button", name="Run the comparison")
        run.wait_for(timeout=120_000)
        _settle(page, 120)
        _no_exception(page)
        for value in ("0.25", "0.5"):
            _drop_strength(page, value)
        tags = page.locator('[data-testid="stMultiSelect"] [data-tag]').all_inner_texts()
        assert [t.strip() for t in tags] == ["1"], tags
        assert page.get_by_text("at the settings of the active model").count() == 1
        run.click()
        page.get_by_text(re.compile(r"narrows the|No setting narrows")).first.wait_for(
            timeout=120_000)
        _settle(page, 120)
        page.wait_for_timeout(1500)  # the chart draws after the run
        _no_exception(page)
        chart = page.evaluate(LEGEND_JS, "Accuracy against")
        assert chart is not None, "no trade-off chart"
        ways = [names.lever(x) for x in ("pre", "in", "post")]
        assert [t for t in chart["legend"] if t in ways] == ways, chart
        assert "The model as it is" in chart["legend"], chart
        # a line of points per way, the best trade-offs and the model as it is
        assert chart["lines"] == len(ways) + 2, chart
        assert chart["points"] >= 2 * len(ways), chart  # strengths 0 and 1 of each way
        assert wait_for_count(page, '[data-testid="stDataFrame"]', 1) >= 1
        _full_shot(page, SHOTS / "mitigation.png")
        problems = page.evaluate(CLIPPED_JS)
        text = page.evaluate("() => document.body.innerText")
        problems += [f"technical identifier {m.group()!r}" for m in TECHNICAL.finditer(text)]
        assert not problems, problems
        # the data-balance view of the first way
        page.get_by_text(f"{names.lever('pre')}: what it does to the data").click()
        page.get_by_text("before and after").first.wait_for(timeout=30_000)
        page.wait_for_timeout(1000)
        assert page.evaluate(LEGEND_JS, "before and after") is not None
        _full_shot(page, SHOTS / "mitigation_balance.png")
        assert page.evaluate(CLIPPED_JS) == []
    except Exception as exc:
        raise AssertionError(f"{exc}\n--- server log ---\n"
                             f"{_diagnose(request, page, 'mitigation')}") from exc
    finally:
        page.close()
