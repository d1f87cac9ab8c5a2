"""What-if page: moving a re-ranker's slider changes the shown metrics, and the shown values are
the core's own computation (re-rank the model's candidates, then summarize)."""

from __future__ import annotations

import numpy as np
import pytest

from fairrec_app import keys
from fairrec_core.audit import AuditContext
from fairrec_core.models import EASE, top_n
from fairrec_core.reranking import CalibratedReranker
from tests.app.conftest import assert_ok, open_page

WHATIF = "pages/5_What-if.py"


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
    assert model["NDCG@10"] == f"{ctx.summarize(candidates.top(10)).overall['ndcg@10']:.3f}"
    at.toggle(key=keys.widget("whatif", "calibrated", "on")).set_value(True).run()
    shown = {}
    for lam in (0.3, 0.9):
        at.slider(key=keys.widget("whatif", "calibrated", "lam")).set_value(lam).run()
        assert_ok(at)
        shown[lam] = _cards(at)
        expected = _expected(core, lam)
        for label, metric in (("NDCG@10", "ndcg@10"), ("Miscalibration@10", "calibration_kl@10"),
                              ("Long-tail share@10", "aplt@10")):
            assert shown[lam][label] == f"{expected.overall[metric]:.3f}"
        # the per-group table shows before -> after for every group, from the same summary
        table = next(df.value for df in at.dataframe if "gap" in df.value.columns)
        f_after = expected.group_table("gender", "ndcg@10").set_index("group").loc["F", "mean"]
        assert table.loc["NDCG@10", "F"].endswith(f"{f_after:.3f}")
    assert shown[0.3]["NDCG@10"] != shown[0.9]["NDCG@10"]
    assert shown[0.3]["Miscalibration@10"] != shown[0.9]["Miscalibration@10"]
    # the setting is remembered for the other pages
    chain = at.session_state[keys.WHATIF_CHAIN]
    assert [(s.name, s.params["lam"]) for s in chain.active] == [("calibrated", 0.9)]


def test_every_reranker_can_be_switched_on_alone():
    at = open_page(WHATIF)
    from fairrec_core.reranking import RERANKERS

    base = _cards(at)["NDCG@10"]
    for name in RERANKERS:
        toggle = at.toggle(key=keys.widget("whatif", name, "on"))
        toggle.set_value(True).run()
        assert_ok(at)
        assert not at.error, [e.value for e in at.error]
        assert [s.name for s in at.session_state[keys.WHATIF_CHAIN].active] == [name]
        at.toggle(key=keys.widget("whatif", name, "on")).set_value(False).run()
        assert _cards(at)["NDCG@10"] == base
