"""Recommendations page: the list before and after the current re-ranking, with moves marked."""

from __future__ import annotations

import numpy as np

from fairrec_app import keys
from fairrec_app.services import default_reranking
from fairrec_app.settings import RerankStep
from fairrec_core.models import EASE, top_n
from fairrec_core.reranking import CalibratedReranker
from tests.app.conftest import assert_ok, open_page


def test_before_and_after_reranking_side_by_side(demo_split):
    step = RerankStep("calibrated", enabled=True).with_params({"lam": 0.9, "attribute": "category"})
    chain = default_reranking().replace_step(step)
    at = open_page("pages/3_Recommendations.py", state={keys.WHATIF_CHAIN: chain})
    assert_ok(at)
    user = at.session_state[keys.RECS_USER]
    # shown as HTML tables (long titles wrap, never cut off), ranked by their index
    tables = [t.value for t in at.table if "moved" in t.value.columns]
    assert len(tables) == 1
    after = tables[0]
    assert list(after.index) == list(range(1, len(after) + 1))
    # the core, independently: EASE candidates, calibrated re-ranking at lambda 0.9
    users = np.flatnonzero(demo_split.test.user_counts > 0)
    cands = top_n(EASE().fit(demo_split.train), users, 100)
    lists = CalibratedReranker(lam=0.9).fit(demo_split.train, cands).rerank(cands, 10)
    row = int(np.flatnonzero(lists.users == user)[0])
    titles = demo_split.train.items["title"].to_numpy()
    assert list(after["title"]) == list(titles[lists.items[row]])
    before = list(cands.items[row, :10])
    for item, rank, moved in zip(lists.items[row], after.index, after["moved"], strict=True):
        if item not in before:
            assert moved == "new"
        else:
            shift = before.index(item) + 1 - rank
            assert moved == ("=" if shift == 0 else f"↑ {shift}" if shift > 0 else f"↓ {-shift}")
    assert (after["moved"] != "=").any()  # lambda 0.9 changes the worst-served user's list
