"""explain() against a plain loop over item pairs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fairrec_core.errors import DataError
from fairrec_core.explain import explain


def plain_cosine(train, a: int, b: int) -> float:
    inter = train.interactions
    ua = set(inter.loc[inter["item"] == a, "user"])
    ub = set(inter.loc[inter["item"] == b, "user"])
    if not ua or not ub:
        return 0.0
    return len(ua & ub) / math.sqrt(len(ua) * len(ub))


@pytest.mark.parametrize("user", [0, 17, 123])
def test_explain_matches_a_plain_computation(small_split, user):
    train = small_split.train
    inter = train.interactions
    history = sorted(inter.loc[inter["user"] == user, "item"])
    items = [3, 50, 99, int(history[0]), -1]
    got = explain(train, user, items, n=3)
    assert len(got) == len(items)
    assert got[-1] == []
    for item, pairs in zip(items[:-1], got[:-1], strict=True):
        expected = sorted(
            ((h, plain_cosine(train, item, h)) for h in history if h != item),
            key=lambda p: (-p[1], p[0]),
        )
        expected = [p for p in expected if p[1] > 0][:3]
        assert [h for h, _ in pairs] == [h for h, _ in expected]
        np.testing.assert_allclose([s for _, s in pairs], [s for _, s in expected], rtol=1e-5)
        assert all(h in history and h != item for h, _ in pairs)


def test_explain_bad_input(small_split):
    train = small_split.train
    with pytest.raises(DataError, match="unknown user index 200"):
        explain(train, 200, [1])
    with pytest.raises(DataError, match="unknown item index 120"):
        explain(train, 0, [120])
    with pytest.raises(DataError, match="n must be a positive integer"):
        explain(train, 0, [1], n=0)
