"""The LLM audit page in a real browser on the demo shop: make the prompts, simulate the
answers of the mock LLM with its planted effect (gender = F), audit them, and see the verdicts
and one chart per attribute drawn (plotly SVG bars with error bars and the neutral line);
nothing cut off, no technical identifier. Screenshot: tests/_screenshots/llm_audit.png."""

from __future__ import annotations

import pytest

from fairrec_app import llm_views
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

pytestmark = pytest.mark.browser

CHARTS_JS = """() => [...document.querySelectorAll('.js-plotly-plot')].map(p => ({
  title: (p.querySelector('.gtitle') || {}).textContent || '',
  bars: p.querySelectorAll('.barlayer .point').length,
  errorbars: p.querySelectorAll('.errorbar').length,
  lines: p.querySelectorAll('.shapelayer path').length}))"""


def _values_per_attribute() -> dict[str, int]:
    """How many values the page's default prompts name per attribute (in words)."""
    from fairrec_core.data import load_dataset
    from fairrec_core.llmaudit import build_prompts
    from fairrec_core.names import attribute

    prompts = build_prompts(load_dataset("demo"), attributes=["gender", "age_group", "region"],
                            users=200, seed=42)
    return {attribute(a): len(prompts.values(a)) for a in prompts.attributes}


def test_llm_audit_finds_the_planted_attribute_and_draws_its_charts(request, tmp_path, browser):
    _require_browser()
    base, _ = start_server(request, tmp_path / "streamlit.log")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    try:
        page.goto(f"{base}/LLM_audit", wait_until="domcontentloaded")
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
        charts = page.evaluate(CHARTS_JS)
        for words, n in _values_per_attribute().items():
            chart = next((c for c in charts if c["title"].startswith(
                f"{words.capitalize()}: spread ")), None)
            assert chart is not None, (words, [c["title"] for c in charts])
            assert chart["bars"] == n and chart["errorbars"] == n, (words, chart)
            assert chart["lines"] >= 1, (words, chart)  # the neutral-vs-neutral line
        assert page.locator('[data-testid="stDataFrame"]').count() >= 2
        _full_shot(page, SHOTS / "llm_audit.png")
        problems = page.evaluate(CLIPPED_JS)
        text = page.evaluate("() => document.body.innerText")
        problems += [f"technical identifier {m.group()!r}" for m in TECHNICAL.finditer(text)]
        assert not problems, problems
    except Exception as exc:
        raise AssertionError(f"{exc}\n--- server log ---\n"
                             f"{_diagnose(request, page, 'llm_audit')}") from exc
    finally:
        page.close()
