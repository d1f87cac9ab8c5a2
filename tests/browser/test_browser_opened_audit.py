"""The Open an audit page in headless Chromium: a folder written by ``python -m fairrec_core
audit --engine duckdb`` on the demo shop, opened by its path under the data roots, shows
metrics.json's gap and group means; nothing is cut off; a path outside the roots is one error
box. Screenshot: tests/_screenshots/open_audit.png."""

from __future__ import annotations

import json

import pytest

from fairrec_app import findings
from fairrec_core import glossary
from fairrec_core.audit import read_audit_folder
from fairrec_core.cli import main
from tests.browser._pages import SHOTS, _full_shot, _no_exception, _settle, assert_plain
from tests.browser.test_browser_app import _diagnose, _require_browser, start_server

pytestmark = pytest.mark.browser

FAST = ["--bootstrap", "80", "--permutations", "80", "--seed", "4", "--quiet"]


def _cli_folder(root):
    memory, duck = root / "memory", root / "duckdb"
    assert main(["audit", "--data", "demo", "--model", "ease", "--out", str(memory), *FAST]) == 0
    assert main(["audit", "--data", "demo", "--recommendations",
                 str(memory / "recommendations.csv"), "--test", str(memory / "test.csv"),
                 "--engine", "duckdb", "--out", str(duck), *FAST]) == 0
    return duck


def _grid(page, column: str, needs=()) -> list[dict]:
    """The rows of the data grid holding ``column``, from its accessible table, once its rows
    carry ``column`` and every column of ``needs`` (glide fills the table as it draws)."""
    grid = page.locator('[data-testid="stDataFrame"]').filter(has_text=column).first
    grid.wait_for(timeout=30_000)
    grid.scroll_into_view_if_needed()
    for _ in range(60):  # glide fills its accessible table once it has drawn
        rows = grid.evaluate("""g => {
          const head = [...g.querySelectorAll('th[role="columnheader"]')].map(h => h.textContent);
          return [...g.querySelectorAll('tbody tr[role="row"]')].map(tr => Object.fromEntries(
            [...tr.querySelectorAll('td[role="gridcell"]')].map((td, i) => [head[i],
                                                                          td.textContent])));
        }""")
        if rows and all(c in rows[0] for c in (column, *needs)):
            return rows
        page.wait_for_timeout(500)
    raise AssertionError(f"the grid with {column!r} did not draw its rows")


def _metric_value(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def _open(page, path) -> None:
    box = page.get_by_label("Audit folder on the server", exact=True).and_(
        page.get_by_test_id("stTextInputField"))
    box.fill(str(path))
    box.press("Enter")
    _settle(page)
    page.get_by_role("button", name="Open folder").click()
    _settle(page, 120)


def test_open_a_cli_audit_folder(request, tmp_path, browser):
    _require_browser()
    folder = _cli_folder(tmp_path / "audits")
    metrics = json.loads((folder / "metrics.json").read_text())
    attr = findings.most_unequal(read_audit_folder(folder).result, "ndcg@10")
    base, _ = start_server(request, tmp_path / "streamlit.log",
                           env={"FAIRREC_DATA_ROOTS": str(tmp_path / "audits")})
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    try:
        page.goto(f"{base}/Open_audit", wait_until="domcontentloaded")
        page.get_by_text("Name an audit's output folder").first.wait_for(timeout=90_000)
        _settle(page)
        _open(page, folder)
        page.get_by_text("How far apart the").first.wait_for(timeout=60_000)
        _settle(page)
        _no_exception(page)
        main_text = page.locator('[data-testid="stMain"]').inner_text()
        assert "Not available from a folder" in main_text
        gap = metrics["gaps"][attr]["ndcg@10"]
        assert _metric_value(page, "Difference") == f"{gap['difference']:.3f}"
        assert _metric_value(page, "Ratio") == f"{gap['ratio']:.2f}"
        label = glossary.label("ndcg@10")
        rows = _grid(page, "95% high", needs=("group", label, "95% low", "users"))
        groups = metrics["groups"][attr]
        assert [r["group"] for r in rows] == list(groups)
        for r in rows:
            entry = groups[r["group"]]
            assert float(r[label]) == pytest.approx(entry["ndcg@10"], abs=5e-5)
            assert float(r["95% low"]) == pytest.approx(entry["ndcg@10_ci95"][0], abs=5e-5)
            assert int(r["users"].replace(",", "")) == entry["n_users"]
        assert _metric_value(page, "Exposure inequality") == \
            f"{metrics['exposure']['gini_exposure@10']:.3f}"
        assert page.locator(".js-plotly-plot").count() >= 6
        page.mouse.wheel(0, 20000)  # charts below the fold draw as they come into view
        page.wait_for_timeout(1500)
        assert_plain(page)
        _full_shot(page, SHOTS / "open_audit.png")
        # a folder outside the data roots: one error box, no audit shown
        page.mouse.wheel(0, -20000)
        _open(page, tmp_path)
        box = page.locator('[data-testid="stAlertContentError"]').first
        box.wait_for(timeout=60_000)  # the rerun may start after _settle looked
        _settle(page)
        error = box.inner_text()
        assert "Opening the audit: only paths under the data folders" in error
        assert page.get_by_text("How far apart the").count() == 0
        _no_exception(page)
    except Exception as e:  # save the failing page and the server log for the message
        raise AssertionError(f"{e}\n{_diagnose(request, page, 'open_audit')}") from e
    finally:
        page.close()
