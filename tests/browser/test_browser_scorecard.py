"""The Scorecard in headless Chromium on the demo shop and on MovieLens 100K: a card per attribute
with its verdict, nothing cut off at 1440 px, no technical identifier in the visible text, saving
a baseline shows the change, presenter mode hides the figures, and the home page's verdict strip
links to it. Screenshots in tests/_screenshots/ (scorecard_*.png, home_strip.png)."""

from __future__ import annotations

import json
import re

import pytest

from fairrec_core.scorecard import LABELS
from fairrec_core.wording import num
from tests.browser.test_browser_app import (
    SHOTS,
    _diagnose,
    _full_shot,
    _no_exception,
    _require_browser,
    _settle,
    load_movielens,
    start_server,
)

pytestmark = pytest.mark.browser

#: Visible text must not show these (technical names belong in tooltips and files).
TECHNICAL = re.compile(r"\blam\b|ugf\(|popularity_band|age_group|ndcg@")
#: Text that does not fit its box (cut off or ellipsised): every text element of the main area.
TRUNCATED = """() => [...document.querySelectorAll('[data-testid="stMain"] :is(h1, h2, h3, h4, p, '
    + 'span, a, button, label, th, td)')]
  .filter(e => e.offsetParent !== null && !e.closest('svg, [data-testid="stTooltipContent"], '
          + '[data-testid*="Icon"], [aria-hidden="true"], [role="img"]')
          && e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible')
  .map(e => `${e.tagName} ${e.getAttribute('data-testid')} ${e.innerText.slice(0, 60)}`)"""


def _main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def _cards(page) -> list[str]:
    return [h.strip() for h in page.locator('[data-testid="stMain"] h4').all_inner_texts()]


def _check_page(page) -> str:
    _no_exception(page)
    text = _main_text(page)
    assert not TECHNICAL.findall(text), TECHNICAL.findall(text)
    assert page.evaluate(TRUNCATED) == []
    return text


def test_scorecard_on_the_demo_shop(request, tmp_path, browser):
    _require_browser()
    base, _ = start_server(request, tmp_path / "streamlit.log",
                           env={"FAIRREC_AUDITS": str(tmp_path / "audits")})
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    try:
        page.goto(f"{base}/Scorecard", wait_until="domcontentloaded")
        page.get_by_text("Next step").first.wait_for(timeout=120_000)
        _settle(page, 120)
        text = _check_page(page)
        assert _cards(page) == ["Gender", "Age group", "Region"]
        assert sum(text.count(word) for word in LABELS.values()) >= 3
        assert "No baseline yet" in text and "Since the previous audit" not in text
        page.get_by_role("button", name="Save this audit as the baseline").click()
        page.get_by_text("Since the previous audit").first.wait_for(timeout=60_000)
        _settle(page)
        text = _check_page(page)
        assert (tmp_path / "audits" / "demo-shop" / "metrics.json").is_file()
        assert text.count("Since the previous audit") >= 3 and "(+0.000)" in text
        # an uploaded metrics.json of an earlier audit (gender's gap 0.01 smaller) wins
        saved = json.loads((tmp_path / "audits" / "demo-shop" / "metrics.json").read_text())
        gap = saved["gaps"]["gender"]["ndcg@10"]["difference"]
        saved["gaps"]["gender"]["ndcg@10"]["difference"] = gap - 0.01
        old = tmp_path / "old-metrics.json"
        old.write_text(json.dumps(saved))
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(old))
        page.get_by_text("Compared with the uploaded old-metrics.json").wait_for(
            timeout=60_000)
        _settle(page)
        text = _check_page(page)
        assert f"{num(gap - 0.01)} → {num(gap)} (+0.010)" in text
        page.get_by_text("Thresholds: what the team accepts").click()
        _settle(page)
        _check_page(page)
        _full_shot(page, SHOTS / "scorecard_demo.png")
        # presenter mode: the verdicts and sentences stay, the figures go
        page.locator('[data-testid="stSidebar"]').get_by_text("Presenter mode").click()
        # wait for the rerun's change (its status widget may not be up yet when _settle looks)
        page.wait_for_function(
            "() => !(document.querySelector('[data-testid=\"stMain\"]')?.innerText ?? '')"
            ".includes('Download')", timeout=120_000)
        _settle(page)
        text = _check_page(page)
        assert _cards(page) == ["Gender", "Age group", "Region"]
        assert "p <" not in text and "p =" not in text and "Download" not in text
        _full_shot(page, SHOTS / "scorecard_presenter.png")
        # the home page's strip, in the same session
        page.get_by_role("link", name="Home").click()
        page.get_by_text("How well is each group of users served?").first.wait_for(timeout=60_000)
        _settle(page)
        text = _check_page(page)
        assert "Open the scorecard" in text and "How well is each group of users served?" in text
        assert sum(text.count(word) for word in LABELS.values()) >= 4  # overall + 3
        page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=30_000)
        page.screenshot(path=str(SHOTS / "home_strip.png"))
    except Exception as exc:
        raise AssertionError(f"{exc}\n--- server log ---\n"
                             f"{_diagnose(request, page, 'scorecard_demo')}") from exc
    finally:
        page.close()


def test_scorecard_on_movielens(request, tmp_path, ml100k_path, browser):
    _require_browser()
    base, _ = start_server(request, tmp_path / "streamlit.log",
                           env={"FAIRREC_DATA_ROOTS": str(ml100k_path.parent),
                                "FAIRREC_AUDITS": str(tmp_path / "audits")})
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    try:
        load_movielens(page, base, ml100k_path)
        page.get_by_role("link", name="Scorecard").first.click()
        page.get_by_text("Next step").first.wait_for(timeout=180_000)
        _settle(page, 180)
        text = _check_page(page)
        assert "MovieLens" in text
        cards = _cards(page)
        assert cards[:2] == ["Gender", "Age group"] and len(cards) >= 2
        _full_shot(page, SHOTS / "scorecard_ml100k.png")
    except Exception as exc:
        raise AssertionError(f"{exc}\n--- server log ---\n"
                             f"{_diagnose(request, page, 'scorecard_ml100k')}") from exc
    finally:
        page.close()
