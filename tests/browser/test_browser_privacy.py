"""The audit page's DP switch in headless Chromium on the demo shop: off, no private figure;
on, the private group means beside the exact ones, the private gap (equal to the spread of the
private means shown) and the ledger (ε 1 spent, 9 of 10 left); nothing cut off. Screenshot:
tests/_screenshots/privacy.png."""

from __future__ import annotations

import pytest

from fairrec_core.audit import UNINFORMATIVE
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

pytestmark = pytest.mark.browser

SWITCH = "Private release (differential privacy)"


def _grid(page, column: str) -> list[dict]:
    """The rows of the data grid holding ``column``, read from its accessible table (the grid
    itself is drawn on a canvas)."""
    grid = page.locator('[data-testid="stDataFrame"]').filter(has_text=column).first
    grid.wait_for(timeout=30_000)
    return grid.evaluate("""g => {
      const head = [...g.querySelectorAll('th[role="columnheader"]')].map(h => h.textContent);
      return [...g.querySelectorAll('tbody tr[role="row"]')].map(tr => Object.fromEntries(
        [...tr.querySelectorAll('td[role="gridcell"]')].map((td, i) => [head[i], td.textContent])));
    }""")


def _metric_value(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_dp_switch_shows_private_numbers_and_the_ledger(request, tmp_path, browser):
    _require_browser()
    base, _ = start_server(request, tmp_path / "streamlit.log")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    try:
        page.goto(f"{base}/Fairness_audit", wait_until="domcontentloaded")
        page.get_by_text("How far apart").first.wait_for(timeout=120_000)
        _settle(page, 120)
        main = page.locator('[data-testid="stMain"]')
        assert "Privacy budget spent" not in main.inner_text()
        page.get_by_text(SWITCH).first.click()
        page.get_by_text("Privacy budget spent").first.wait_for(timeout=60_000)
        _settle(page)
        _no_exception(page)
        assert _metric_value(page, "Privacy budget spent") == "ε 1"
        assert _metric_value(page, "Remaining") == "ε 9 of 10"
        difference = float(_metric_value(page, "Private difference"))
        assert 0 <= difference <= 1
        rows = _grid(page, "Private mean")
        assert len(rows) >= 2
        for row in rows:  # every interval holds its mean; the noisy count is a whole number
            assert float(row["95% low"]) <= float(row["Mean"]) <= float(row["95% high"])
            assert (float(row["Private 95% low"]) <= float(row["Private mean"])
                    <= float(row["Private 95% high"]))
            assert float(row["Noisy count"]).is_integer()
        private = [float(r["Private mean"]) for r in rows
                   if r["Group"].strip().lower() not in UNINFORMATIVE]
        assert difference == pytest.approx(max(private) - min(private), abs=6e-4)
        ledger = _grid(page, "Released")  # the ledger's one entry
        assert len(ledger) == 1 and ledger[0]["Released"].startswith("Ranking accuracy by ")
        assert float(ledger[0]["ε"]) == 1.0
        page.get_by_text(SWITCH).first.scroll_into_view_if_needed()
        assert page.evaluate(CLIPPED_JS) == []
        _full_shot(page, SHOTS / "privacy.png")
    except Exception as e:  # save the failing page and the server log for the message
        raise AssertionError(f"{e}\n{_diagnose(request, page, 'privacy')}") from e
    finally:
        page.close()
