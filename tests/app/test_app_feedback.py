"""The Feedback loop page in AppTest: a short loop (3 rounds, 2 repetitions, with an
intervention, and model against model) on the demo shop; the what-changed table equals the core's
:func:`fairrec_core.feedback.simulate` run here on the same data, truth and seeds; the charts
draw each group of the chosen attribute for both runs; the per-round table downloads; Stop
keeps the finished rounds, which equal the first rounds of an uninterrupted run."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from fairrec_app import feedback_results as results
from fairrec_app import feedback_views as views
from fairrec_app import keys
from fairrec_core import names
from tests.app.conftest import assert_ok, open_page

PAGE = "pages/8_Feedback_loop.py"
ROUNDS, SEEDS, STRENGTH = 3, 2, 0.5


@pytest.fixture(scope="module")
def demo():
    from fairrec_app.sources import DataSource
    from fairrec_core.data import load_dataset
    from fairrec_core.feedback import truth_for

    data = load_dataset("demo")
    return data, truth_for(DataSource.demo().key, data)


@pytest.fixture(scope="module")
def expected(demo):
    """Both arms run here with the page's settings (EASE, top 10, the default choice model)."""
    from fairrec_core.feedback import ChoiceModel, simulate

    data, truth = demo
    common = dict(model="ease", rounds=ROUNDS, seeds=range(SEEDS), k=10, choice=ChoiceModel())
    return (simulate(data, truth, **common),
            simulate(data, truth, rerank=f"calibrated:lambda={STRENGTH:g}", **common))


def _fill(at, *, rounds=ROUNDS, seeds=SEEDS, intervention=True):
    at.slider(key=keys.widget("feedback", "rounds")).set_value(rounds)
    at.slider(key=keys.widget("feedback", "seeds")).set_value(seeds)
    if intervention:
        at.selectbox(key=keys.widget("feedback", "intervention")).set_value(
            names.reranker("calibrated"))
        at.slider(key=keys.widget("feedback", "strength")).set_value(STRENGTH)
    return at


def _press(at):
    next(b for b in at.button if b.label == views.RUN).click().run()
    assert_ok(at)
    return at


def _summary(at):
    return next(f.value for f in at.main.dataframe if "Measure" in f.value.columns)


def test_the_loop_on_the_page_equals_the_core_run_on_the_same_seeds(demo, expected):
    from fairrec_core.feedback import ALL, drift_difference, group_drift_gap, t_interval

    plain, other = expected
    at = _press(_fill(open_page(PAGE)))
    assert not at.error, [e.value for e in at.error]
    assert not at.warning, [w.value for w in at.warning]  # not stopped
    run = at.session_state[views.RESULT]
    pd.testing.assert_frame_equal(run.plain.table, plain.table)
    pd.testing.assert_frame_equal(run.other.table, other.table)

    # the what-changed table, for gender (the first attribute): round 3 minus round 0
    attribute = at.selectbox(key=keys.widget("feedback", "attr")).value
    assert attribute == "gender"
    shown = _summary(at).set_index("Measure")
    first, second = results.groups_of(plain, "gender", demo[0])
    for metric in views.SHOWN:
        row = shown.loc[views.metric_label(metric)]
        t = plain.table
        t = t[(t["metric"] == metric) & (t["attribute"] == ALL)].set_index(["seed", "round"])
        change = np.mean([t.loc[(s, ROUNDS), "value"] - t.loc[(s, 0), "value"]
                          for s in range(SEEDS)])
        assert row["Change"] == pytest.approx(change, rel=1e-12, abs=1e-15)
        mean, lo, hi, _ = t_interval(plain.drift(metric, how="change"))
        assert row["Change"] == pytest.approx(mean)
        assert row["95% interval"] == results._ci(lo, hi)
        g = group_drift_gap(plain, metric, "gender", first, second, how="change")
        assert row[f"{second} − {first}"] == pytest.approx(g["difference"])
        d = drift_difference(plain, other, metric, ALL, ALL, how="change")
        assert row["Intervention's effect"] == pytest.approx(d["difference"])
        assert row["Effect's interval"] == results._ci(d["lo"], d["hi"])

    # six charts; each draws a line per gender group and run, named in words
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert len(charts) == len(views.SHOWN)
    groups = sorted(plain.table.query("attribute == 'gender'")["group"].unique())
    for spec in charts:
        named = {t["name"] for t in spec["data"] if t.get("showlegend", True) and t.get("name")}
        assert len(named) == 2 * len(groups)
        assert all(("no intervention" in n) != ("taste" in n.lower()) for n in named)
    csv = next(d for d in at.get("download_button") if d.proto.label.startswith("Per-round"))
    assert csv.proto.label == "Per-round table (CSV)"


def test_stop_keeps_the_finished_rounds(monkeypatch, expected):
    """The run is interrupted after its fourth finished round (as the rerun a Stop click asks
    for interrupts it), then Stop's callback keeps those rounds: the page says it was stopped
    and shows rounds 0-2 of repetition 1 and round 0 of repetition 2 — the rows an
    uninterrupted run has for them."""
    import streamlit as st

    plain, _ = expected
    seen = []
    original = views.partial_chart

    def interrupt(frames, arm):
        seen.append(len(frames))
        if len(frames) == ROUNDS + 2:
            st.stop()
        return original(frames, arm)

    monkeypatch.setattr(views, "partial_chart", interrupt)
    at = _press(_fill(open_page(PAGE), intervention=False))
    assert views.RESULT not in at.session_state
    at.button(key=views.STOP).click().run()
    assert_ok(at)
    [warning] = [w.value for w in at.warning]
    assert "stopped" in warning
    run = at.session_state[views.RESULT]
    assert run.stopped and run.other is None
    kept = run.plain.table
    assert sorted(set(zip(kept["seed"], kept["round"], strict=True))) == [
        (0, 0), (0, 1), (0, 2), (0, 3), (1, 0)]
    full = plain.table.merge(kept[["seed", "round"]].drop_duplicates(), on=["seed", "round"])
    pd.testing.assert_frame_equal(kept.reset_index(drop=True), full.reset_index(drop=True))
    assert seen == list(range(1, ROUNDS + 3))


def test_model_against_model_runs_both_on_the_same_seeds(demo):
    """EASE against Most popular through the same loop: both arms equal core runs on the same
    seeds, the last columns are Most popular's change minus EASE's, the lines are named by
    model."""
    from fairrec_core.feedback import ALL, drift_difference, simulate

    data, truth = demo
    at = _fill(open_page(PAGE), rounds=2, intervention=False)
    at.selectbox(key=keys.widget("feedback", "versus")).set_value("popularity")
    _press(at)
    assert not at.error, [e.value for e in at.error]
    run = at.session_state[views.RESULT]
    common = dict(rounds=2, seeds=range(SEEDS), k=10)
    first = simulate(data, truth, model="ease", arm="model:ease", **common)
    second = simulate(data, truth, model="popularity", arm="model:popularity", **common)
    pd.testing.assert_frame_equal(run.plain.table, first.table)
    pd.testing.assert_frame_equal(run.other.table, second.table)
    shown = _summary(at).set_index("Measure")
    column = f"{names.model('popularity')} − {names.model('ease')}"
    for metric in views.SHOWN:
        d = drift_difference(first, second, metric, ALL, ALL, how="change")
        assert shown.loc[views.metric_label(metric), column] == pytest.approx(d["difference"])
        assert shown.loc[views.metric_label(metric), "Difference's interval"] == \
            results._ci(d["lo"], d["hi"])
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    named = {t["name"] for t in spec["data"] if t.get("name")}
    assert named == {f"{names.attribute('gender')} {g} · {names.model(m)}"
                     for g in ("F", "M") for m in ("ease", "popularity")}


@pytest.mark.parametrize("versus", ["ease", "popularity"])
def test_comparing_with_two_things_or_the_same_model_is_one_error_box(versus):
    at = _fill(open_page(PAGE), rounds=1, seeds=1, intervention=versus == "popularity")
    at.selectbox(key=keys.widget("feedback", "versus")).set_value(versus)
    _press(at)
    [error] = [e.value for e in at.error]
    assert "one thing at a time" in error
    assert views.RESULT not in at.session_state and not at.get("plotly_chart")
