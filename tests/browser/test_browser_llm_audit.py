"""The LLM audit page in a real browser on the demo shop: make the prompts, simulate the
answers of the mock LLM with its planted effect (gender = F), audit them, and see the verdicts
and one chart per attribute drawn (plotly SVG bars with error bars and the neutral line);
nothing cut off, no technical identifier. Screenshot: tests/_screenshots/llm_audit.png."""

from __future__ import annotations

import pytest

from fairrec_app import llm_views
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

CHARTS_JS = """(n) => {
  const charts = [...document.querySelectorAll('.js-plotly-plot')].map(p => ({
    title: (p.querySelector('.gtitle') || {}).textContent || '',
    bars: p.querySelectorAll('.barlayer .point').length,
    errorbars: p.querySelectorAll('.errorbar').length,
    lines: p.querySelectorAll('.shapelayer path').length}));
  return charts.filter(c => c.bars > 0).length >= n ? charts : null;
}"""


def _values_per_attribute() -> dict[str, int]:
    """How many values the page's default prompts name per attribute (in words)."""
    from fairrec_core.data import load_dataset
    from fairrec_core.llmaudit import build_prompts
    from fairrec_core.names import attribute

    prompts = build_prompts(load_dataset("demo"), attributes=["gender", "age_group", "region"],
                            users=200, seed=42)
    return {attribute(a): len(prompts.values(a)) for a in prompts.attributes}


def test_llm_audit_finds_the_planted_attribute_and_draws_its_charts(request, tmp_path, browser):
    with page_at(request, tmp_path, browser, "LLM_audit", "llm_audit") as page:
        make = page.get_by_role("button", name=llm_views.MAKE)
        make.wait_for(timeout=120_000)
        _settle(page, 120)
        _no_exception(page)
        make.click()
        simulate = page.get_by_role("button", name=llm_views.SIMULATE)
        simulate.wait_for(timeout=120_000)
        _settle(page, 120)
        simulate.click()
        audit = page.get_by_role("button", name=llm_views.AUDIT)
        audit.wait_for(timeout=120_000)
        _settle(page, 120)
        audit.click()
        page.get_by_text("Naming the user's gender changes the recommendations").first.wait_for(
            timeout=180_000)
        _settle(page, 120)
        page.wait_for_timeout(1500)
        _no_exception(page)
        assert page.get_by_text("No detectable effect of naming the user's age group").count() == 1
        assert page.get_by_text("No detectable effect of naming the user's region").count() == 1
        expected = _values_per_attribute()
        charts = evaluate_until(page, CHARTS_JS, len(expected))
        assert charts is not None, "the charts were not drawn"
        for words, n in expected.items():
            chart = next((c for c in charts if c["title"].startswith(
                f"{words.capitalize()}: spread ")), None)
            assert chart is not None, (words, [c["title"] for c in charts])
            assert chart["bars"] == n and chart["errorbars"] == n, (words, chart)
            assert chart["lines"] >= 1, (words, chart)  # the neutral-vs-neutral line
        assert wait_for_count(page, '[data-testid="stDataFrame"]', 2) >= 2
        _full_shot(page, SHOTS / "llm_audit.png")
        assert_plain(page)
