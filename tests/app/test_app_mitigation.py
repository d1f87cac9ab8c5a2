"""The Mitigation page in AppTest: a tiny sweep (small ALS, the three levers at strength 1) on
the demo shop; the table of points equals an independent call of
:func:`fairrec_core.mitigation.mitigate` with the same arguments, the chart has one trace per
lever, the sentence names the core's best point; bad choices are one error box; presenter mode
drops the downloads, the every-measure table and the timings."""

from __future__ import annotations

import json

import numpy as np
import pytest

from fairrec_app import keys, layout, mitigation_results
from fairrec_app import mitigation_views as views
from fairrec_app.settings import ModelChoice
from fairrec_core import names
from tests.app.conftest import assert_ok, open_page

PAGE = "pages/7_Mitigation.py"
PARAMS = {"factors": 8, "iterations": 2, "random_state": 0}
STATE = {keys.MODELS_ACTIVE: ModelChoice.of("als", PARAMS)}
STRENGTHS = keys.widget("mitigation", "strengths")


@pytest.fixture(scope="module")
def expected():
    """The same sweep, run here: the app's split of the demo shop (random 20%, seed 42), k=10."""
    from fairrec_core.data import load_dataset, split_dataset
    from fairrec_core.mitigation import MitigationTarget, mitigate

    split = split_dataset(load_dataset("demo"), method="random", test_size=0.2, seed=42)
    return mitigate(split.train, split.test, model="als", params=PARAMS,
                    target=MitigationTarget("gender", "ndcg"), levers=("pre", "in", "post"),
                    strengths=(1.0,), k=10)


def _run(at, strengths=(1.0,)):
    at.multiselect(key=STRENGTHS).set_value(list(strengths))
    next(b for b in at.button if b.label == views.RUN).click().run()
    assert_ok(at)
    return at


def _points(at):
    return next(f.value for f in at.main.dataframe if "Way" in f.value.columns
                and "Gap" in f.value.columns)


def test_sweep_table_equals_the_core_and_the_chart_has_one_trace_per_lever(expected):
    at = _run(open_page(PAGE, state=STATE))
    assert not at.error, [e.value for e in at.error]
    shown = _points(at)
    pts = expected.points.reset_index(drop=True)
    assert list(shown["Way"]) == [names.lever(x) for x in pts["lever"]]
    np.testing.assert_array_equal(shown["Strength"], pts["strength"].astype(float))
    for col, core in (("Ranking accuracy", "accuracy"), ("Gap", "gap"), ("95% low", "gap_lo"),
                      ("95% high", "gap_hi"), ("Accuracy change", "accuracy_change"),
                      ("Gap change", "gap_change")):
        np.testing.assert_allclose(shown[col].to_numpy(float), pts[core].to_numpy(float),
                                   rtol=1e-9, atol=1e-12, err_msg=col)
    # every measure per group, as the core's table has them
    every = next(f.value for f in at.main.dataframe if "Ranking accuracy · gender F" in
                 f.value.columns)
    np.testing.assert_allclose(every["Ranking accuracy · gender F"].to_numpy(float),
                               pts["ndcg@10 gender=F"].to_numpy(float), rtol=1e-9)
    # the headline is the core's best point in words
    assert any(m.value == f"#### {mitigation_results.sentence(expected)}" for m in at.main.markdown)
    # one chart: a trace per lever (plain names), the best trade-offs and the model as it is
    (chart,) = [c for c in at.get("plotly_chart") if "Accuracy against" in c.proto.spec]
    traces = [t.get("name") for t in json.loads(chart.proto.spec)["data"]]
    assert [t for t in traces if t in names.LEVERS.values()] == [
        names.lever(x) for x in ("pre", "in", "post")]
    assert "The model as it is" in traces and "Best trade-offs" in traces
    assert {d.label for d in at.get("download_button")} >= {"CSV", "JSON", "Report (HTML)"}


def test_bad_choices_are_one_error_box_and_nothing_runs():
    at = open_page(PAGE, state=STATE)
    for lever in ("pre", "in", "post"):
        at.checkbox(key=keys.widget("mitigation", lever)).uncheck()
    _run(at)
    assert [e.value for e in at.error] == ["Mitigation: pick at least one way to reduce the gap"]
    assert views.REQUEST not in at.session_state
    at.checkbox(key=keys.widget("mitigation", "post")).check()
    _run(at, strengths=())
    assert [e.value for e in at.error] == ["Mitigation: pick at least one strength above 0"]
    assert not at.get("plotly_chart") or not any("Accuracy against" in c.proto.spec
                                                 for c in at.get("plotly_chart"))


def test_presenter_mode_keeps_the_chart_and_drops_the_technical_detail(expected):
    at = _run(open_page(PAGE, state={**STATE, layout.PRESENTER: True}))  # the cached sweep
    assert not at.error
    assert any("Accuracy against" in c.proto.spec for c in at.get("plotly_chart"))
    assert not at.get("download_button")
    assert not [e for e in at.expander if e.label.startswith("Every measure")]
    assert "Seconds" not in _points(at).columns
    text = "\n".join(str(e.value) for kind in (at.main.markdown, at.main.caption)
                     for e in kind)
    for word in ("lam", "ugf", "als(", "equal_group", "p-value"):
        assert word not in text, word


def test_balance_view_equals_the_core_before_and_after_a_rebalancing():
    from fairrec_core.data import load_dataset, split_dataset
    from fairrec_core.rebalance import balance_table, interaction_weights

    at = open_page(PAGE, state=STATE)
    at.selectbox(key=keys.widget("mitigation.balance", "target")).set_value("equal_user")
    at.slider(key=keys.widget("mitigation.balance", "strength")).set_value(0.5).run()
    assert_ok(at)
    train = split_dataset(load_dataset("demo"), method="random", test_size=0.2, seed=42).train
    weights = interaction_weights(train, target="equal_user", attribute="gender", side="user",
                                  strength=0.5)
    core = balance_table(train, "gender", weights=weights, by="category")
    shown = next(f.value for f in at.main.dataframe if "Share of" in f.value.columns)
    assert list(shown["Group"]) == list(core["group"].astype(str))
    np.testing.assert_allclose(shown["Before"], core["before"], rtol=1e-12)
    np.testing.assert_allclose(shown["After"], core["after"], rtol=1e-12)
    # every share sums to 1 over the groups, before and after
    sums = shown.groupby("Share of")[["Before", "After"]].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0, rtol=1e-9)
    assert {"users", "interactions", "interactions in Books"} <= set(shown["Share of"])


def _training_form():
    import streamlit as st

    from fairrec_app import model_views
    from fairrec_core.data import load_dataset
    from fairrec_core.models import MODELS

    data = load_dataset("demo")
    with st.form("form"):
        values = model_views.param_inputs("bpr", MODELS["bpr"]().get_params(), {}, "t.p.bpr",
                                          data)
        st.form_submit_button("Train")
    st.session_state["values"] = values


def test_training_form_shows_the_fairness_options_in_words():
    from streamlit.testing.v1 import AppTest

    from fairrec_app import model_views
    from fairrec_core.models import BPR

    at = AppTest.from_function(_training_form, default_timeout=60).run()
    assert_ok(at)
    assert any(m.value == "**Fairness options**" for m in at.markdown)
    goal = at.selectbox(key="t.p.bpr.fairness")
    assert goal.label == names.model_parameter("fairness")
    assert goal.options == [names.fairness(f) for f in BPR.FAIRNESS]
    # the fairness parameters are choices, not plain fields
    assert not [t for t in at.text_input if t.key.split(".")[-1] in model_views.FAIRNESS_PARAMS]
    assert at.selectbox(key="t.p.bpr.leakage_attr").value == ""  # shown as "none"
    goal.set_value("user_gap")
    at.number_input(key="t.p.bpr.fairness_weight").set_value(0.5)
    at.selectbox(key="t.p.bpr.fairness_attr").set_value("age_group")
    at.selectbox(key="t.p.bpr.leakage_attr").set_value("gender")
    at.button[0].click().run()
    assert_ok(at)
    values = at.session_state["values"]
    defaults = BPR().get_params()
    assert list(values) == list(defaults)  # get_params order
    assert values == {**defaults, "fairness": "user_gap", "fairness_weight": 0.5,
                      "fairness_attr": "age_group", "leakage_attr": "gender"}
    assert BPR(**values).get_params() == values


def test_item_side_target_shows_the_protected_items_shortfall():
    from fairrec_core.data import load_dataset, split_dataset
    from fairrec_core.mitigation import MitigationTarget, mitigate

    at = open_page(PAGE, state=STATE)
    at.radio(key=keys.widget("mitigation", "kind")).set_value(views.ITEM).run()
    assert at.selectbox(key=keys.widget("mitigation", "item_attr")).value == "brand_tier"
    assert at.selectbox(key=keys.widget("mitigation", "protected", "brand_tier")).value == "small"
    for lever in ("pre", "in"):
        at.checkbox(key=keys.widget("mitigation", lever)).uncheck()
    _run(at)
    assert not at.error, [e.value for e in at.error]
    split = split_dataset(load_dataset("demo"), method="random", test_size=0.2, seed=42)
    core = mitigate(split.train, split.test, model="als", params=PARAMS,
                    target=MitigationTarget("gender", "ndcg", item_attribute="brand_tier",
                                            protected="small"),
                    levers=("post",), strengths=(1.0,), k=10).points
    shown = next(f.value for f in at.main.dataframe if "Shortfall" in f.value.columns)
    assert list(shown["Way"]) == [names.lever("post")] * 2
    np.testing.assert_allclose(shown["Shortfall"], core["gap"].astype(float), rtol=1e-9)
    every = next(f.value for f in at.main.dataframe if "Exposure share" in f.value.columns)
    np.testing.assert_allclose(every["Exposure share"], core["exposure_share"].astype(float))
    assert any("shortfall in exposure of brand tier small items" in m.value
               for m in at.main.markdown)
