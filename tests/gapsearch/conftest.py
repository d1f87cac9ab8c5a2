"""Fixtures: the app's default pipeline on the demo shop (EASE, random 80/20 split with seed 42,
top-100 candidates of every test user) and its audit context at k=10."""

from __future__ import annotations

import numpy as np
import pytest

from fairrec_core.audit import AuditContext, audited_attributes


@pytest.fixture(scope="session")
def shop_pipeline(demo_split):
    from fairrec_core.models import EASE, top_n

    users = np.flatnonzero(demo_split.test.user_counts > 0)
    candidates = top_n(EASE().fit(demo_split.train), users, 100)
    ctx = AuditContext(demo_split.train, demo_split.test, k=10,
                       groups=audited_attributes(demo_split.train))
    return ctx, candidates


def independent_gap(ctx, candidates, setting: str, attribute: str, column: str):
    """The audit's gap row of the lists that ``setting`` (a spec string) makes, computed from
    scratch: parse, fit, re-rank, summarize."""
    from fairrec_core.reranking import parse_rerank

    reranker = parse_rerank(setting).fit(ctx.train, candidates)
    lists = reranker.rerank(candidates, ctx.k)
    return lists, ctx.summarize(lists)
