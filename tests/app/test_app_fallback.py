"""No page is blocked by a model that does not fit or fails (issue 14: after loading a 100k-item
CSV every page but Data showed a LimitError traceback from EASE).

The data is a small synthetic shop seeded through session state; ``FAIRREC_MAX_DENSE_BYTES`` is
lowered so that EASE's item x item matrices do not fit while ALS does."""

from __future__ import annotations

import pytest

from fairrec_app import keys
from fairrec_app.layout import FILE_PAGES, PAGES
from fairrec_app.settings import ModelChoice
from fairrec_app.sources import DataSource
from fairrec_core import names
from fairrec_core.data import SyntheticSpec
from tests.app.conftest import assert_ok, open_page

SPEC = SyntheticSpec(users=300, items=120, interactions=6000, seed=5)
#: EASE needs two float64 item x item arrays: 2 * 120 * 120 * 8 = 230,400 bytes; ALS's largest
#: dense array (a row of scores, the factor matrices) is far below this limit.
LIMIT = 100_000
#: Every page that uses the session's model (the Open an audit page reads files only).
MODEL_PAGES = [path for path, *_ in PAGES if path != "pages/1_Data.py" and path not in FILE_PAGES]


def _state(choice: ModelChoice | None = None) -> dict:
    state = {keys.DATA_SOURCE: DataSource.demo(SPEC)}
    if choice is not None:
        state[keys.MODELS_ACTIVE] = choice
    return state


def _open(path: str, state: dict):
    return open_page(None if path == "app.py" else path, state=state)


def _texts(at) -> list[str]:
    return [e.value for e in (*at.info, *at.error, *at.warning)]


def _switch_to(at, name: str):
    at.selectbox(key=keys.widget("models", "name")).set_value(name).run()
    train = next(b for b in at.button if b.label == "Train")
    train.click().run()
    return at


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setenv("FAIRREC_MAX_DENSE_BYTES", str(LIMIT))


@pytest.mark.parametrize("path", MODEL_PAGES)
def test_every_page_uses_a_fallback_that_fits_and_names_it(small_limit, path):
    at = _open(path, _state())
    assert_ok(at)
    # computed here: EASE's peak is two float64 n x n arrays, in KiB as human_bytes writes it
    need = f"{2 * SPEC.items * SPEC.items * 8 / 1024:.1f} KiB"
    notices = [t for t in _texts(at) if t.startswith(f"{names.model('ease')} needs")]
    assert len(notices) == 1, _texts(at)
    assert need in notices[0] and f"for {SPEC.items} items" in notices[0]
    assert f"use {names.model('als')} instead" in notices[0]
    assert "FAIRREC_" not in notices[0]  # the variable is the README's, not the notice's
    # no error box (a red verdict on the scorecard is not one: it has its own icon)
    assert not [e.value for e in at.error if e.icon == ":material/error:"]
    status = " ".join(c.value for c in at.sidebar.caption)
    assert f"**Model** · {names.model('als')}" in status


def test_models_page_shows_the_fallback_and_lets_the_user_pick_another(small_limit):
    at = _open("pages/2_Models.py", _state())
    assert_ok(at)
    cards = {m.label: m.value for m in at.metric}
    assert cards["Model"] == names.model("als")
    assert at.selectbox(key=keys.widget("models", "name")).value == "als"
    _switch_to(at, "popularity")
    assert_ok(at)
    assert {m.label: m.value for m in at.metric}["Model"] == names.model("popularity")
    assert at.session_state[keys.MODELS_ACTIVE].name == "popularity"
    assert not [t for t in _texts(at) if "instead" in t]  # no fallback any more


def test_without_the_limit_ease_is_used_and_no_notice_shown():
    at = _open("pages/2_Models.py", _state())
    assert_ok(at)
    assert {m.label: m.value for m in at.metric}["Model"] == names.model("ease")
    assert not [t for t in _texts(at) if "instead" in t]


@pytest.mark.parametrize("path", MODEL_PAGES)
def test_a_failing_model_is_one_error_box_and_blocks_no_page(path):
    bad = ModelChoice.of("ease", {"l2": -1.0})  # ModelError when training starts
    at = _open(path, _state(bad))
    assert_ok(at)
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "l2 must be positive" in errors[0], errors
    if path != "pages/2_Models.py":
        assert any(link.label.startswith("Pick another model") for link in at.get("page_link"))
        return
    # the Models page still lets the user pick and train another model
    assert at.selectbox(key=keys.widget("models", "name")).value == "ease"
    _switch_to(at, "popularity")
    assert_ok(at)
    assert not at.error, [e.value for e in at.error]
    assert {m.label: m.value for m in at.metric}["Model"] == names.model("popularity")
