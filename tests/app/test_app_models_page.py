"""Models page: train from the form, save, load; a model saved for other data is refused with an
error box and the active model stays."""

from __future__ import annotations

import json

import numpy as np
import pytest

from fairrec_app import keys
from fairrec_core import names
from fairrec_core.data import SyntheticSpec, generate_shop, split_dataset
from fairrec_core.models import EASE, top_n
from tests.app.conftest import assert_ok, open_page

MODELS = "pages/2_Models.py"


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    """Run the app in an empty folder so saved models go to tmp_path/models."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def test_train_from_form_then_save_and_refuse_overwrite(in_tmp):
    at = open_page(MODELS)
    assert_ok(at)
    at.selectbox(key=keys.widget("models", "name")).select("popularity").run()
    _button(at, "Train").click().run()
    assert_ok(at)
    active = at.session_state[keys.MODELS_ACTIVE]
    assert active.name == "popularity" and active.path is None
    assert {m.label: m.value for m in at.metric}["Model"] == names.model("popularity")
    next(t for t in at.text_input if t.label == "Name").input("pop-demo")
    _button(at, "Save").click().run()
    assert_ok(at)
    saved = in_tmp / "models" / "pop-demo" / "params.json"
    assert json.loads(saved.read_text())["model"] == "popularity"
    before = saved.read_bytes()
    _button(at, "Save").click().run()  # same name again: refused, file untouched
    [error] = [e.value for e in at.error]
    assert "already exists" in error
    assert saved.read_bytes() == before


def test_model_saved_for_other_data_is_refused(in_tmp):
    from fairrec_core.models import save_model

    other = split_dataset(generate_shop(SyntheticSpec(users=200, items=80, interactions=3000))).train
    save_model(EASE().fit(other), in_tmp / "models" / "other-data", train=other)
    at = open_page(MODELS)
    active = at.session_state[keys.MODELS_ACTIVE]
    at.selectbox(key=keys.widget("models", "load")).select("models/other-data").run()
    _button(at, "Load model").click().run()
    assert_ok(at)
    [error] = [e.value for e in at.error]
    assert "trained on other data" in error and "other-data" in error
    assert at.session_state[keys.MODELS_ACTIVE] == active


def test_saved_model_loads_back_with_identical_lists(in_tmp):
    at = open_page(MODELS)
    next(t for t in at.text_input if t.label == "Name").input("ease-demo")
    _button(at, "Save").click().run()
    assert_ok(at)
    at.selectbox(key=keys.widget("models", "load")).select("models/ease-demo").run()
    _button(at, "Load model").click().run()
    assert_ok(at)
    active = at.session_state[keys.MODELS_ACTIVE]
    assert active.path == "models/ease-demo" and active.name == "ease"
    # the loaded model ranks exactly like one trained here on the same split
    from fairrec_core.data import load_dataset
    from fairrec_core.models import load_model

    train = split_dataset(load_dataset("demo"), method="random", test_size=0.2, seed=42).train
    users = np.arange(50)
    a = top_n(load_model(in_tmp / "models" / "ease-demo", data=train), users, 10)
    b = top_n(EASE().fit(train), users, 10)
    assert np.array_equal(a.items, b.items)


def test_presenter_mode_hides_the_technical_detail(in_tmp):
    from fairrec_app import layout

    at = open_page(MODELS, state={layout.PRESENTER: True})
    assert_ok(at)
    at.selectbox(key=keys.widget("models", "name")).select("bpr").run()
    assert_ok(at)
    [estimate] = [c.value for c in at.caption if c.value.startswith("Estimated training time")]
    assert "µs" not in estimate and "interactions" not in estimate
    assert not at.get("download_button")
    assert "Audit external recommendations" not in [h.value for h in at.subheader]
    [settings] = [e for e in at.expander if e.label == "Settings"]
    assert settings.proto.expanded is False
    # the same page outside presenter mode shows them
    at.session_state[layout.PRESENTER] = False
    at.run()
    assert "Audit external recommendations" in [h.value for h in at.subheader]
    assert at.get("download_button")
    [estimate] = [c.value for c in at.caption if c.value.startswith("Estimated training time")]
    assert "µs" in estimate
