"""Known answers for the group re-rankers (parity, user-group gap) and popularity xQuAD."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fairrec_core.data import build_dataset
from fairrec_core.ranking import RankedLists
from fairrec_core.reranking import (
    GroupParityReranker,
    PopularityXQuADReranker,
    UserGroupGapReranker,
    popularity_bands,
)


def _data(users, items, inter):
    return build_dataset(
        "tiny",
        pd.DataFrame({"user_id": [u for u, _ in inter], "item_id": [i for _, i in inter]}),
        users=pd.DataFrame(users),
        items=pd.DataFrame(items),
    )


def _two_groups():
    users = {"user_id": ["u0", "u1", "u2"], "gender": ["F", "M", "F"]}
    items = {
        "item_id": ["A1", "A2", "A3", "A4", "B1", "B2", "B3", "B4", "H"],
        "category": ["A"] * 4 + ["B"] * 4 + ["A"],
    }
    data = _data(users, items, [("u0", "H"), ("u1", "H"), ("u2", "H")])
    return data


def test_parity_known_answer():
    """F's user gets two A items, M's two B items; at lam = 1 each gets one of each, the
    lower-ranked slot switching to the group's best candidate of the lacking category."""
    data = _two_groups()
    idx = data.item_vocab.index
    cand = RankedLists(
        [0, 1],
        [idx(["A1", "A2", "B1", "B2"]), idx(["B3", "B4", "A3", "A4"])],
        [[4.0, 3.0, 2.0, 1.0], [4.0, 3.0, 2.0, 1.0]],
    )
    r = GroupParityReranker(user_attr="gender", item_attr="category", lam=1.0).fit(data, cand)
    assert r.parity_difference(cand.top(2)) == 1.0
    out = r.rerank(cand, 2)
    assert out.items.tolist() == [idx(["A1", "B1"]).tolist(), idx(["B3", "A3"]).tolist()]
    assert r.parity_difference(out) == 0.0


def test_parity_switches_the_cheapest_user_of_a_group():
    """Group F (u0, u2) gets only A, group M (u1) only B. At lam = 0.5 F's share of A must fall
    from 1 to 0.75 (overall 4/6 -> 1 + 0.5 (2/3 - 1) = 0.83, one slot of F's four after
    rounding): the F user whose B candidate is nearly as good as its A item switches."""
    data = _two_groups()
    idx = data.item_vocab.index
    cand = RankedLists(
        [0, 2, 1],
        [idx(["A1", "A2", "B1"]), idx(["A3", "A4", "B2"]), idx(["B3", "B4", "A1"])],
        [[4.0, 3.0, 0.0], [4.0, 3.0, 2.9], [4.0, 3.0, 2.0]],
    )
    r = GroupParityReranker(lam=0.5).fit(data, cand)
    out = r.rerank(cand, 2)
    shares_before = r.group_shares(cand.top(2))
    shares_after = r.group_shares(out)
    a = r.classes_.values.index("A")
    f = r.groups_.index("F")
    assert shares_after[f, a] < shares_before[f, a]
    # the cheap switch (u2: B2 scored 2.9 against A4's 3.0) is taken, u0 keeps its list
    assert out.items[0].tolist() == idx(["A1", "A2"]).tolist()
    assert out.items[1].tolist() == idx(["A3", "B2"]).tolist()


def test_user_group_gap_known_answer():
    """u0 (F) is served far better than u1 (M) in estimated relevance; an epsilon budget of 0.3
    replaces u0's rank-2 item by its lowest candidate, which closes the gap exactly to 0.3."""
    users = {"user_id": ["u0", "u1"], "gender": ["F", "M"]}
    items = {"item_id": [f"i{j}" for j in range(12)]}
    data = _data(users, items, [("u0", "i0"), ("u1", "i0")])
    cand = RankedLists(
        [0, 1],
        [np.arange(6), np.arange(6, 12)],
        [[10.0, 9.0, 8.0, 7.0, 6.0, 5.0], [5.0, 4.0, 3.0, 2.0, 1.0, 0.0]],
    )
    r = UserGroupGapReranker(user_attr="gender", epsilon=0.3).fit(data, cand)
    assert r.estimated_gap(cand.top(2), cand) == pytest.approx(0.5)
    out = r.rerank(cand, 2)
    assert out.items.tolist() == [[0, 5], [6, 7]]
    assert r.estimated_gap(out, cand) == pytest.approx(0.3)
    # lam = 0.5 asks for a gap of 0.25: one more tier (rank 1 -> the second-lowest candidate)
    r.set_params(epsilon=None, lam=0.5)
    out = r.rerank(cand, 2)
    assert out.items.tolist() == [[4, 5], [6, 7]]
    assert r.estimated_gap(out, cand) <= 0.25


def test_popularity_bands_by_share_of_interactions():
    counts = np.array([50, 30, 10, 5, 3, 2, 0])  # total 100
    # head: the fewest top items holding >= 20% (item 0); tail: the most bottom items holding
    # <= 20% (items 2..6 hold 20); the rest mid
    assert popularity_bands(counts).tolist() == [0, 1, 2, 2, 2, 2, 2]
    assert popularity_bands(np.array([10, 10, 10, 10, 10])).tolist() == [0, 1, 1, 1, 2]


def test_popularity_xquad_first_position_follows_the_users_tail_taste():
    """Two users with the same candidates (a head item scored above a tail item); at lam = 0.9
    the user whose history is all tail gets the tail item first, the head lover does not."""
    items = {"item_id": ["h", "t1", "t2", "t3"]}
    inter = [(f"x{n}", "h") for n in range(10)] + [
        ("lover", "h"),
        ("nicher", "t1"),
        ("nicher", "t2"),
    ]
    users = {"user_id": [f"x{n}" for n in range(10)] + ["lover", "nicher"]}
    data = _data(users, items, inter)
    idx = data.item_vocab.index
    uidx = data.user_vocab.index
    cand = RankedLists(
        uidx(["lover", "nicher"]), [idx(["h", "t3"]), idx(["h", "t3"])], [[2.0, 1.0], [2.0, 1.0]]
    )
    r = PopularityXQuADReranker(lam=0.9).fit(data, cand)
    out = r.rerank(cand, 2)
    assert out.items[:, 0].tolist() == idx(["h", "t3"]).tolist()


@pytest.mark.parametrize("lam", [1e-9, 1e-6, 1e-3])
def test_parity_tiny_strength_keeps_lists_with_tied_scores(small_shop, small_candidates, lam):
    """With many tied scores (rounded), a tiny strength still returns the model's lists: ties go
    to the higher-ranked candidate and the quotas start from the model's own counts."""
    cand = RankedLists(small_candidates.users, small_candidates.items,
                       np.floor(small_candidates.scores / 20.0) * 20.0)
    assert (np.diff(cand.scores[:, :10], axis=1) == 0).mean() > 0.3
    r = GroupParityReranker(user_attr="gender", item_attr="category", lam=lam)
    out = r.fit(small_shop.train, cand).rerank(cand, 10)
    np.testing.assert_array_equal(out.items, cand.top(10).items)
