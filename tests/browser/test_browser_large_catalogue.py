"""A 100,000-item catalogue loaded as CSV leaves every page usable (issue 14: after such an upload
every page but Data showed a raw ``ModelError: ease: 99999 items is too many`` traceback).

Real headless Chromium uploads interactions.csv (100,000 items, each chosen at least once, by
500 users) and users.csv (gender, age, region) on the Data page, then opens every page from
the sidebar in the same session: no exception box anywhere, and the model that fits (EASE's
item x item matrices do not, under the default 4 GiB dense limit: 2 x 100,000² x 8 bytes) is
named on the page. Screenshots: tests/_screenshots/large-*.png.

The catalogue's size is the point; the number of users is not, and the fallback ALS's training
time grows with users x items, so 500 users (about 220 choices each, every group of gender, age
and region well filled) keep the test short."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from fairrec_app.layout import FILE_PAGES, PAGES
from fairrec_core import names
from fairrec_core.limits import current
from tests.browser.test_browser_app import (
    SHOTS,
    _diagnose,
    _full_shot,
    _no_exception,
    _settle,
    start_server,
)

pytestmark = pytest.mark.browser

ITEMS, USERS, EXTRA = 100_000, 500, 15_000


def _ready(page, timeout: float = 600.0) -> None:
    """:func:`_settle`, and no progress bar or spinner left (a training or an audit under way)."""
    deadline = time.monotonic() + timeout
    quiet = 0
    busy = ('[data-testid="stStatusWidget"], [data-testid="stProgress"], '
            '[data-testid="stSpinner"]')
    while quiet < 6:
        assert time.monotonic() < deadline, "the page kept working for too long"
        quiet = quiet + 1 if page.locator(busy).count() == 0 else 0
        page.wait_for_timeout(250)
    _settle(page, timeout)


#: A page's title where it is not its menu label.
TITLES = {"Home": "fairrec"}


def _arrived(page, title: str, timeout_ms: int = 120_000) -> None:
    """Wait until the main area's title is ``title``: the new page's script run has begun (the
    title is its first element), so :func:`_ready` then sees that run through, including the
    status widget Streamlit shows only 0.5 s into a run."""
    page.wait_for_function(
        """(title) => { const h = document.querySelector('[data-testid="stMain"] h1');
                        return h !== null && h.innerText.trim() === title; }""",
        arg=title, timeout=timeout_ms)


def _write_csvs(folder):
    """Every item chosen once by a random user, plus EXTRA choices skewed to popular items."""
    rng = np.random.default_rng(7)
    items = np.concatenate([np.arange(ITEMS), rng.zipf(1.3, EXTRA) % ITEMS])
    users = rng.integers(0, USERS, len(items))
    inter = pd.DataFrame({"user_id": users, "item_id": items}).drop_duplicates()
    inter["timestamp"] = np.arange(len(inter))
    inter.to_csv(folder / "interactions.csv", index=False)
    pd.DataFrame({"user_id": np.arange(USERS),
                  "gender": rng.choice(["F", "M"], USERS),
                  "age": rng.integers(18, 70, USERS),
                  "region": rng.choice(["North", "South", "East", "West"], USERS)}
                 ).to_csv(folder / "users.csv", index=False)
    return inter


def test_a_100k_item_catalogue_leaves_every_page_usable(request, tmp_path, browser):
    inter = _write_csvs(tmp_path)
    assert inter["item_id"].nunique() == ITEMS
    # EASE's two float64 item x item matrices exceed the dense limit the server runs with
    assert 2 * ITEMS * ITEMS * 8 > current().max_dense_bytes
    base, _ = start_server(request, tmp_path / "streamlit.log")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    try:
        page.goto(f"{base}/Data", wait_until="domcontentloaded")
        page.get_by_role("heading", name="Data").first.wait_for(timeout=120_000)
        _settle(page, 180)
        page.get_by_role("tab", name="Your CSV files").click()
        for part in ("interactions", "users"):
            box = page.locator('[data-testid="stFileUploader"]').filter(has_text=f"{part}.csv")
            box.locator('input[type="file"]').set_input_files(str(tmp_path / f"{part}.csv"))
            _settle(page, 120)
        page.get_by_role("button", name="Load CSV files").click(timeout=60_000)
        page.get_by_text(f"{ITEMS:,} items").first.wait_for(timeout=300_000)
        _ready(page)
        _no_exception(page)
        _full_shot(page, SHOTS / "large-data.png")
        sidebar = page.locator('[data-testid="stSidebar"]')
        for path, label, _ in PAGES:
            if path == "pages/1_Data.py" or path in FILE_PAGES:  # no model there
                continue
            sidebar.get_by_role("link", name=label, exact=True).first.click()
            _arrived(page, TITLES.get(label, label))
            _ready(page)
            _no_exception(page)
            main = page.locator('[data-testid="stMain"]').inner_text()
            assert "Traceback" not in main and "ModelError" not in main, (label, main[:500])
            status = sidebar.inner_text()
            assert names.model("als") in status, (label, status)
            # the fallback is named on the page itself, not only in the sidebar
            assert "instead" in main and "ALS" in main, (label, main[:800])
            name = label.lower().replace(" ", "-")
            _full_shot(page, SHOTS / f"large-{name}.png")
            if path == "pages/2_Models.py":
                card = page.locator('[data-testid="stMetric"]').filter(has_text="Model").first
                value = card.locator('[data-testid="stMetricValue"]').inner_text()
                assert value == names.model("als")
    except Exception as exc:
        raise AssertionError(f"{exc}\n--- server log ---\n{_diagnose(request, page, 'large')}") from exc
    finally:
        page.close()
