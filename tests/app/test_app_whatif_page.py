"""What-if page: moving a re-ranker's slider changes the shown metrics, and the shown values are
the core's own computation (re-rank the model's candidates, then summarize)."""

from __future__ import annotations

import numpy as np
import pytest

from fairrec_app import keys
from fairrec_core import glossary, names
from fairrec_core.audit import AuditContext
from fairrec_core.models import EASE, top_n
from fairrec_core.reranking import CalibratedReranker
from tests.app.conftest import assert_ok, open_page

WHATIF = "pages/5_What-if.py"
ACC, KL, TAIL = (glossary.label(m) for m in ("ndcg@10", "calibration_kl@10", "aplt@10"))


@pytest.fixture(scope="module")
def core(demo_split):
    """The same pipeline as the app's defaults, computed here without the app."""
    users = np.flatnonzero(demo_split.test.user_counts > 0)
    candidates = top_n(EASE().fit(demo_split.train), users, 100)
    ctx = AuditContext(demo_split.train, demo_split.test, k=10)
    return candidates, ctx


def _cards(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _expected(core, lam):
    candidates, ctx = core
    lists = CalibratedReranker(lam=lam).fit(ctx.train, candidates).rerank(candidates, 10)
    return ctx.summarize(lists)


def test_slider_moves_the_metrics_to_the_core_values(core):
    at = open_page(WHATIF)
    assert_ok(at)
    model = _cards(at)
    candidates, ctx = core
    assert model[ACC] == f"{ctx.summarize(candidates.top(10)).overall['ndcg@10']:.3f}"
    at.toggle(key=keys.widget("whatif", "calibrated", "on")).set_value(True).run()
    shown = {}
    for lam in (0.3, 0.9):
        at.slider(key=keys.widget("whatif", "calibrated", "lam")).set_value(lam).run()
        assert_ok(at)
        shown[lam] = _cards(at)
        expected = _expected(core, lam)
        for label, metric in ((ACC, "ndcg@10"), (KL, "calibration_kl@10"),
                              (TAIL, "aplt@10")):
            assert shown[lam][label] == f"{expected.overall[metric]:.3f}"
        # the per-group table shows before -> after for every group, from the same summary
        table = next(df.value for df in at.dataframe if "gap" in df.value.columns)
        f_after = expected.group_table("gender", "ndcg@10").set_index("group").loc["F", "mean"]
        assert table.loc[ACC, "F"].endswith(f"{f_after:.3f}")
    assert shown[0.3][ACC] != shown[0.9][ACC]
    assert shown[0.3][KL] != shown[0.9][KL]
    # the headline names the setting in words: the human name and "strength 0.9", no repr
    heads = [m.value for m in at.markdown if m.value.startswith("#### Overall")]
    assert heads == [f"#### Overall, this is what “{names.reranker('calibrated')} (strength 0.9)” "
                     "changes."]
    slider = at.slider(key=keys.widget("whatif", "calibrated", "lam"))
    assert slider.label == "strength" and "lambda" in slider.help
    # the setting is remembered for the other pages
    chain = at.session_state[keys.WHATIF_CHAIN]
    assert [(s.name, s.params["lam"]) for s in chain.active] == [("calibrated", 0.9)]


def test_every_reranker_can_be_switched_on_alone():
    at = open_page(WHATIF)
    from fairrec_core.reranking import RERANKERS

    base = _cards(at)[ACC]
    for name in RERANKERS:
        toggle = at.toggle(key=keys.widget("whatif", name, "on"))
        toggle.set_value(True).run()
        assert_ok(at)
        assert not at.error, [e.value for e in at.error]
        assert [s.name for s in at.session_state[keys.WHATIF_CHAIN].active] == [name]
        # no technical identifier in the visible text of the page with it switched on (the
        # sidebar's glossary names the technical terms on purpose)
        main = at.main
        visible = " ".join([m.value for m in main.markdown] + [c.value for c in main.caption]
                           + [w.label for w in (*main.toggle, *main.slider, *main.selectbox)]
                           + [w.format_func(o) for w in main.selectbox for o in w.options])
        for ident in ("lam=", "ugf(", "popularity_band", "calibrated(", "NDCG"):
            assert ident not in visible, (name, ident)
        at.toggle(key=keys.widget("whatif", name, "on")).set_value(False).run()
        assert _cards(at)[ACC] == base


def test_every_reranker_has_a_trade_off_curve_with_distinct_columns():
    """The trade-off section for each re-ranker (e.g. FA*IR, whose strength is a protected share
    and whose target is the protected share of the lists): its table's columns are the strength,
    accuracy and the target under distinct plain names, and the strength column runs over the
    parameter's whole grid."""
    from fairrec_core.reranking import RERANKERS

    at = open_page(WHATIF)
    for name, cls in RERANKERS.items():
        at.selectbox(key=keys.widget("whatif", "sweep")).set_value(name).run()
        assert_ok(at)
        assert not at.error, (name, [e.value for e in at.error])
        table = at.main.dataframe[-1].value
        assert len(set(table.columns)) == len(table.columns), (name, list(table.columns))
        word = names.parameter(cls.STRENGTH)
        spec = cls.PARAMS[cls.STRENGTH]
        assert table[word].min() == pytest.approx(spec.low)
        assert table[word].max() == pytest.approx(spec.high)
