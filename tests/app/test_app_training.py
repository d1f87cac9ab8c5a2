"""Training from the Models page (issue 14: BPR took 828 s in the app, ~8 s in the benchmark,
with no estimate and no way to stop): the app trains under the same thread limit as the
benchmarks and the CLI, shows an estimate before and the time left during a training, and a
cancelled training leaves the previous model active with nothing of it kept.

AppTest cannot click while a script runs, so the interruption a click causes in a browser (a
rerun raised at the training's next progress update) is played here by a fit that stops the run
at its first progress update, exactly where the rerun would; the real click is in
tests/browser/test_browser_training.py."""

from __future__ import annotations

import re
import time

import pytest
import streamlit as st
import torch
from threadpoolctl import threadpool_info

from fairrec_app import keys, model_views
from fairrec_core import names
from fairrec_core.data import load_dataset, split_dataset
from fairrec_core.models import BPR, Progress
from tests.app.conftest import assert_ok, open_page

MODELS = "pages/2_Models.py"
LIMIT = 1  # FAIRREC_THREADS for these tests: differs from the machine's default


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FAIRREC_THREADS", str(LIMIT))
    before = torch.get_num_threads()
    torch.set_num_threads(LIMIT + 2)  # so that the limit differs from what torch uses otherwise
    yield tmp_path
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def demo_train():
    return split_dataset(load_dataset("demo"), method="random", test_size=0.2, seed=42).train


class Spy:
    """Wraps BPR._fit: records the thread limits seen at every progress update and the number
    of fits; ``stop_after_first`` ends the script run at the first update (the cancel click)."""

    def __init__(self, monkeypatch, *, stop_after_first: bool):
        self.fits, self.torch_threads, self.blas_threads = 0, [], []
        self.stop_after_first = stop_after_first
        original = BPR._fit
        spy = self

        def _fit(model, train, progress):
            spy.fits += 1

            def watched(p: Progress) -> None:
                spy.torch_threads.append(torch.get_num_threads())
                spy.blas_threads.extend(pool["num_threads"] for pool in threadpool_info())
                progress(p)
                if spy.stop_after_first:
                    st.stop()  # what a rerun requested by the Cancel click does here

            if spy.stop_after_first:
                time.sleep(1.2)  # a first epoch that takes a while
                watched(Progress(1, model.epochs, 0.69, None, f"epoch 1/{model.epochs}"))
            return original(model, train, watched)

        monkeypatch.setattr(BPR, "_fit", _fit)


def _train(at, name: str, **params):
    at.selectbox(key=keys.widget("models", "name")).set_value(name).run()
    for key, value in params.items():
        at.number_input(key=keys.widget("models", "p", name, key)).set_value(value)
    next(b for b in at.button if b.label == "Train").click().run()
    return at


def _texts(at) -> list[str]:
    return [e.value for e in (*at.info, *at.caption)]


def test_estimate_before_training_follows_the_documented_rate(in_tmp, demo_train):
    at = open_page(MODELS)
    at.selectbox(key=keys.widget("models", "name")).set_value("bpr").run()
    assert_ok(at)
    # independent: interactions x default epochs x BPR's documented seconds per interaction-epoch
    seconds = demo_train.n_interactions * BPR().epochs * model_views.RATES["bpr"][1]
    expected = f"about {int(seconds // 60)} min {round(seconds % 60):02d} s"
    [caption] = [t for t in _texts(at) if t.startswith("Estimated training time")]
    assert expected in caption, caption
    assert f"{demo_train.n_interactions:,} interactions × {BPR().epochs} epochs" in caption


def test_cancelled_training_leaves_the_previous_model_and_keeps_nothing(in_tmp, monkeypatch):
    spy = Spy(monkeypatch, stop_after_first=True)
    at = open_page(MODELS)
    before = at.session_state[keys.MODELS_ACTIVE]
    assert before.name == "ease"
    _train(at, "bpr", epochs=40)
    assert_ok(at)
    # the run stopped at the first progress update, with the estimate, the bar and the button
    assert spy.fits == 1
    banner = [t for t in _texts(at) if t.startswith(f"Training {names.model('bpr')}")]
    assert banner and "Estimated training time" in banner[0], _texts(at)
    [bar] = at.get("progress")
    assert bar.proto.value == round(100 / 40)  # step 1 of 40
    shown = re.search(r"(\d+) s elapsed, about (\d+) s left", bar.proto.text)
    assert shown, bar.proto.text
    elapsed, left = map(int, shown.groups())
    # time left = elapsed x (1 - f) / f with f = 1/40, up to the rounding of both figures
    assert 39 * (elapsed - 0.5) <= left <= 39 * (elapsed + 0.5) + 1
    # the same thread limit as the benchmarks and the CLI, during the training
    assert spy.torch_threads == [LIMIT]
    assert spy.blas_threads and set(spy.blas_threads) == {LIMIT}
    cancel = next(b for b in at.button if b.label == "Cancel training")
    cancel.click().run()
    assert_ok(at)
    assert at.session_state[keys.MODELS_ACTIVE] == before
    assert {m.label: m.value for m in at.metric}["Model"] == names.model("ease")
    assert any("was cancelled" in t and names.model("ease") in t for t in _texts(at))
    assert not [b for b in at.button if b.label == "Cancel training"]
    assert all(c.name != "bpr" for c in at.session_state[keys.MODELS_HISTORY])
    assert not (in_tmp / "models").exists()  # nothing saved
    # nothing cached: the same settings train again from the start
    spy.stop_after_first = False
    _train(at, "bpr", epochs=2)
    assert_ok(at)
    assert spy.fits == 2 and at.session_state[keys.MODELS_ACTIVE].name == "bpr"


def test_a_finished_training_is_active_compared_and_charted(in_tmp, monkeypatch):
    spy = Spy(monkeypatch, stop_after_first=False)
    at = open_page(MODELS)
    default_threads = torch.get_num_threads()
    _train(at, "bpr", epochs=3, factors=8)
    assert_ok(at)
    active = at.session_state[keys.MODELS_ACTIVE]
    assert active.name == "bpr" and active.params["epochs"] == 3
    # every progress update saw the limit; it is lifted afterwards
    assert spy.fits == 1 and spy.torch_threads and set(spy.torch_threads) == {LIMIT}
    assert torch.get_num_threads() == default_threads
    # the new model is in the comparison, selected
    assert active.label in at.multiselect(key=model_views.COMPARE).value
    # the history chart: loss on the left axis, validation accuracy on the right one
    chart = next(c for c in at.get("plotly_chart") if "step by step" in c.proto.spec)
    import json

    spec = json.loads(chart.proto.spec)
    axes = {t["name"]: t.get("yaxis", "y") for t in spec["data"]}
    assert axes == {"training loss": "y", "ranking accuracy on held-out data": "y2"}
    assert spec["layout"]["yaxis2"]["overlaying"] == "y"
    assert not [b for b in at.button if b.label == "Cancel training"]


def test_fairness_options_on_the_models_page_train_the_fair_model(in_tmp, demo_train):
    """The Models form's "Fairness options" (choices in words) reach the model: a small ALS
    trained with the item-exposure penalty on brand tiers is the active model with exactly those
    settings, and its overall accuracy card equals the core's fit of the same settings."""
    from fairrec_core.audit import AuditContext
    from fairrec_core.models import ALS, top_n

    at = open_page(MODELS)
    at.selectbox(key=keys.widget("models", "name")).set_value("als").run()
    assert any(m.value == "**Fairness options**" for m in at.markdown)
    prefix = keys.widget("models", "p", "als")
    at.number_input(key=f"{prefix}.factors").set_value(8)
    at.number_input(key=f"{prefix}.iterations").set_value(3)
    at.selectbox(key=f"{prefix}.fairness").set_value("item_exposure")
    at.number_input(key=f"{prefix}.fairness_weight").set_value(5.0)
    at.selectbox(key=f"{prefix}.fairness_attr").set_value("brand_tier")
    next(b for b in at.button if b.label == "Train").click().run()
    assert_ok(at)
    assert not at.error, [e.value for e in at.error]
    active = at.session_state[keys.MODELS_ACTIVE]
    expected = {**ALS().get_params(), "factors": 8, "iterations": 3,
                "fairness": "item_exposure", "fairness_weight": 5.0, "fairness_attr": "brand_tier"}
    assert active.name == "als" and active.params == expected
    split = split_dataset(load_dataset("demo"), method="random", test_size=0.2, seed=42)
    users = split.test.user_counts.nonzero()[0]
    lists = top_n(ALS(**expected).fit(split.train), users, 100).top(10)
    ndcg = AuditContext(split.train, split.test, k=10).summarize(lists).overall["ndcg@10"]
    overall = next(df.value for df in at.dataframe if "ndcg@10" in df.value.columns)
    # two compared ALS models would share a title: the differing settings in words
    shown = model_views.display_names({active.label: active,
                                       "als": type(active).of("als", ALS().get_params())})
    assert shown[active.label] == (
        f"{names.model('als')} ({names.model_parameter('factors')} 8, "
        f"{names.model_parameter('fairness')} {names.fairness('item_exposure')}, "
        f"{names.model_parameter('fairness_attr')} {names.attribute('brand_tier')}, "
        f"{names.model_parameter('fairness_weight')} 5, {names.model_parameter('iterations')} 3)")
    (row,) = [r for r in overall.index if r.startswith(names.model("als"))]
    assert overall.loc[row, "ndcg@10"] == pytest.approx(ndcg)
