"""The Privacy page in AppTest: a tiny run (ε = 8 besides no privacy, 3 epochs) on the demo shop;
the table of points and the chart's traces equal an independent call of
:func:`fairrec_core.privacy.dp_tradeoff` on the app's split with the same settings; the sentence
is the core table's in words; presenter mode drops the downloads."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from fairrec_app import keys, layout
from fairrec_app import privacy_training_views as views
from fairrec_core import wording
from tests.app.conftest import assert_ok, open_page

PAGE = "pages/11_Privacy.py"
EPOCHS = 3
PARAMS = {**views.DEFAULTS, "epochs": EPOCHS}


@pytest.fixture(scope="module")
def expected():
    """The same trainings, run here: the app's split of the demo shop (random 20%, seed 42)."""
    from fairrec_core.data import load_dataset, split_dataset
    from fairrec_core.models import limit_threads
    from fairrec_core.privacy import dp_tradeoff

    split = split_dataset(load_dataset("demo"), method="random", test_size=0.2, seed=42)
    with limit_threads(2):
        return dp_tradeoff(split.train, split.test, epsilons=(math.inf, 8.0), attribute="gender",
                           k=10, params=PARAMS)


def _run(at):
    at.multiselect(key=keys.widget(views.PAGE, "epsilons")).set_value([8.0])
    at.number_input(key=keys.widget(views.PAGE, "epochs")).set_value(EPOCHS)
    next(b for b in at.button if b.label == views.RUN).click().run()
    assert_ok(at)
    assert not at.error, [e.value for e in at.error]
    return at


def _chart(at):
    (chart,) = [c for c in at.get("plotly_chart") if "Accuracy (NDCG@10)" in c.proto.spec]
    return json.loads(chart.proto.spec)


def test_table_and_chart_equal_the_core(expected):
    at = _run(open_page(PAGE))
    shown = next(f.value for f in at.main.dataframe if "ε spent" in f.value.columns)
    groups = list(dict.fromkeys(expected.loc[expected["series"] == "group", "group"]))
    assert list(shown.columns) == ["ε", "ε spent", "All users", *(f"gender {g}" for g in groups),
                                   "Gap between", "Gap", "Gap's test"]
    assert list(shown["ε"]) == ["∞ (no privacy)", "8"]
    spent = expected.loc[expected["epsilon"] == 8.0, "epsilon_spent"].iloc[0]
    assert list(shown["ε spent"]) == ["—", wording.num(spent, 2)]
    for i, eps in enumerate((math.inf, 8.0)):
        rows = expected[expected["epsilon"] == eps]
        cells = {("overall", None): "All users", ("gap", None): "Gap",
                 **{("group", g): f"gender {g}" for g in groups}}
        for (series, group), col in cells.items():
            r = rows[(rows["series"] == series) & ((rows["group"] == group) if group else True)]
            r = r.iloc[0]
            assert shown[col].iloc[i] == (f"{wording.num(r['value'])} "
                                          f"{wording.interval(r['ci_lo'], r['ci_hi'])}"), col
        gap = rows[rows["series"] == "gap"].iloc[0]
        assert shown["Gap between"].iloc[i] == f"{gap['max_group']} − {gap['min_group']}"
        assert shown["Gap's test"].iloc[i] == wording.p_text(gap["p_value"])
    # the chart: all users, each gender group and the gap, at ε's positions (∞ at the right)
    traces = {t["name"]: t for t in _chart(at)["data"]}
    assert list(traces) == ["All users", *(f"gender {g}" for g in groups), "Gap"]
    pos = views.positions([math.inf, 8.0])
    assert pos == {math.inf: 32.0, 8.0: 8.0}
    for name, rows in (("All users", expected[expected["series"] == "overall"]),
                       ("Gap", expected[expected["series"] == "gap"]),
                       *((f"gender {g}", expected[expected["group"] == g]) for g in groups)):
        t = traces[name]
        np.testing.assert_allclose(t["x"], rows["epsilon"].map(pos).to_numpy(float))
        np.testing.assert_allclose(t["y"], rows["value"].to_numpy(float), rtol=1e-12)
        np.testing.assert_allclose(np.asarray(t["y"]) + np.asarray(t["error_y"]["array"]),
                                   rows["ci_hi"].to_numpy(float), rtol=1e-9)
        np.testing.assert_allclose(np.asarray(t["y"]) - np.asarray(t["error_y"]["arrayminus"]),
                                   rows["ci_lo"].to_numpy(float), rtol=1e-9)
    assert traces["Gap"]["yaxis"] == "y2" and traces["All users"]["yaxis"] == "y"
    layout_ = _chart(at)["layout"]
    assert layout_["xaxis2"]["type"] == "log"
    assert layout_["xaxis2"]["ticktext"] == ["8", "∞ (no privacy)"]
    assert any(m.value == views.summary(expected, "gender") for m in at.main.markdown)
    assert {d.label for d in at.get("download_button")} == {"Points (CSV)", "Points (JSON)"}


def test_summary_in_words_from_the_core_table(expected):
    overall = expected[expected["series"] == "overall"].set_index("epsilon")["value"]
    gap = expected[expected["series"] == "gap"].set_index("epsilon")
    g0, g8 = gap.loc[math.inf], gap.loc[8.0]
    num, interval = wording.num, wording.interval
    assert views.summary(expected, "gender") == (
        f"At ε = 8 accuracy falls from {num(overall[math.inf])} to {num(overall[8.0])}; the "
        f"gender gap goes from {num(g0['value'])} {interval(g0['ci_lo'], g0['ci_hi'])} to "
        f"{num(g8['value'])} {interval(g8['ci_lo'], g8['ci_hi'])}.")
    assert "-" not in views.summary(expected, "gender")  # a true minus sign, as the pages write


def test_presenter_mode_keeps_the_chart_and_drops_the_downloads(expected):
    at = _run(open_page(PAGE, state={layout.PRESENTER: True}))  # the cached trainings
    assert _chart(at)["data"]
    assert not at.get("download_button")


def test_the_two_tower_choice_trains_the_two_tower_as_the_core_does():
    """Model "Two-tower": its own fields (dimensions, the benchmark's epochs and learning rate),
    the table equal to the core's two-tower trade-off with the same settings, the caption
    naming what is private."""
    from fairrec_core.data import load_dataset, split_dataset
    from fairrec_core.models import limit_threads
    from fairrec_core.privacy import DP_TWOTOWER, dp_tradeoff

    at = open_page(PAGE)
    at.radio(key=keys.widget(views.PAGE, "model")).set_value("twotower").run()
    own = ("twotower",)
    assert at.number_input(key=keys.widget(views.PAGE, *own, "dim")).value == 32
    assert at.number_input(key=keys.widget(views.PAGE, *own, "lr")).value == DP_TWOTOWER["lr"]
    at.multiselect(key=keys.widget(views.PAGE, "epsilons")).set_value([8.0])
    at.number_input(key=keys.widget(views.PAGE, *own, "epochs")).set_value(2)
    next(b for b in at.button if b.label == views.RUN).click().run()
    assert_ok(at)
    assert not at.error, [e.value for e in at.error]
    request = at.session_state[views.REQUEST]
    assert request.model == "twotower"
    params = {**views.MODEL_DEFAULTS["twotower"], "epochs": 2}
    assert request.params == params
    split = split_dataset(load_dataset("demo"), method="random", test_size=0.2, seed=42)
    with limit_threads(2):
        core = dp_tradeoff(split.train, split.test, epsilons=(math.inf, 8.0),
                           attribute="gender", k=10, model="twotower", params=params)
    shown = next(f.value for f in at.main.dataframe if "ε spent" in f.value.columns)
    want = views.points(core, "gender")
    assert shown.to_dict("list") == want.to_dict("list")
    assert any(views.PRIVATE_PART["twotower"] in c.value for c in at.caption)
