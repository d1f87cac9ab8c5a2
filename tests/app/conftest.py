"""AppTest helpers: run the app's entry script, then switch to a page (as a user would)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "app.py"
TIMEOUT = 120


def open_page(page: str | None = None, state: dict | None = None) -> AppTest:
    """Run app.py (the home page), then ``page`` (a path like ``pages/1_Data.py``), with
    ``state`` seeded into session_state first."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.run()
    if page is not None:
        at.switch_page(page).run()
    return at


def assert_ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


@pytest.fixture
def app():
    return open_page
