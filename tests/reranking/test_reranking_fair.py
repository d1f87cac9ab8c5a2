"""FA*IR: the minimum-protected table against the paper, the multiple-test correction against
brute force and the authors' reference implementation, and the re-ranking itself."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from fairrec_core.data import build_dataset
from fairrec_core.ranking import RankedLists
from fairrec_core.reranking import (
    FAIRReranker,
    adjusted_table,
    fail_probability,
    minimum_protected,
)

#: Zehlike et al. 2017, Table 2: m_{alpha,p}(k) for alpha = 0.1, k = 1..12 (rows: p).
PAPER_TABLE_2 = {
    0.1: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    0.2: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1],
    0.3: [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2],
    0.4: [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 3],
    0.5: [0, 0, 0, 1, 1, 1, 2, 2, 3, 3, 3, 4],
    0.6: [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5],
    0.7: [0, 1, 1, 2, 2, 3, 3, 4, 5, 5, 6, 6],
}


@pytest.mark.parametrize("p", list(PAPER_TABLE_2))
def test_minimum_protected_matches_table_2_of_the_paper(p):
    assert minimum_protected(12, p, 0.1).tolist() == PAPER_TABLE_2[p]


def _brute_fail(table, p):
    """Enumerate every protected/unprotected sequence of length k."""
    k = len(table)
    total = 0.0
    for seq in itertools.product([0, 1], repeat=k):
        ok = all(sum(seq[: t + 1]) >= table[t] for t in range(k))
        if not ok:
            n = sum(seq)
            total += p**n * (1 - p) ** (k - n)
    return total


@pytest.mark.parametrize(("k", "p", "alpha"), [(8, 0.5, 0.1), (10, 0.3, 0.2), (12, 0.7, 0.05)])
def test_fail_probability_matches_enumeration(k, p, alpha):
    for table in (minimum_protected(k, p, alpha), adjusted_table(k, p, alpha)[0]):
        assert fail_probability(table, p) == pytest.approx(_brute_fail(table, p), abs=1e-12)


# Expected tables and fail probabilities from the tests of the authors' reference implementation
# (fair-search/fairsearch-fair-python, tests/test_fair.py).
REFERENCE = [
    (10, 0.2, 0.15, [0, 0, 0, 0, 0, 0, 0, 0, 1, 1], 0.13421772800000065),
    (20, 0.25, 0.1, [0] * 8 + [1] * 7 + [2] * 5, 0.10515247355215251),
    (30, 0.3, 0.05, [0] * 10 + [1] * 6 + [2] * 5 + [3] * 4 + [4] * 5, 0.04877730797178359),
]


@pytest.mark.parametrize(("k", "p", "alpha", "table", "prob"), REFERENCE)
def test_adjusted_table_matches_reference_implementation(k, p, alpha, table, prob):
    got, alpha_c, got_prob = adjusted_table(k, p, alpha)
    assert got.tolist() == table
    assert got_prob == pytest.approx(prob, abs=1e-9)
    assert 0 < alpha_c <= alpha
    # alpha_c is a significance whose uncorrected table is the corrected one
    assert minimum_protected(k, p, alpha_c).tolist() == table


@pytest.mark.parametrize(("k", "p", "alpha"), [(10, 0.5, 0.1), (20, 0.4, 0.1), (15, 0.6, 0.2)])
def test_adjusted_table_is_the_closest_to_alpha(k, p, alpha):
    """No other uncorrected table with alpha_c <= alpha has a fail probability nearer alpha."""
    table, _, prob = adjusted_table(k, p, alpha)
    assert (table <= minimum_protected(k, p, alpha)).all()
    for a in np.linspace(1e-4, alpha, 200):
        other = minimum_protected(k, p, a)
        assert abs(fail_probability(other, p) - alpha) >= abs(prob - alpha) - 1e-12


def _ranked(protected_flags):
    n = len(protected_flags)
    items = pd.DataFrame(
        {"item_id": [f"i{j}" for j in range(n)], "tier": np.where(protected_flags, "x", "y")}
    )
    inter = pd.DataFrame({"user_id": ["u"] * n, "item_id": items["item_id"]})
    data = build_dataset("fair", inter, items=items)
    cand = RankedLists([0], [np.arange(n)], [np.arange(n, 0, -1, dtype=float)])
    return data, cand


def test_known_answer_lenskit_example():
    """LensKit's FA*IR test case (items 1..5, 31..35; 32 and 34 protected), k = 10, p = 0.5,
    alpha = 0.1: the corrected table (0,0,0,1,1,1,2,2,2,3) lifts 32 to rank 4 and 34 to rank 7;
    rank 10 would need a third protected item that does not exist."""
    flags = [False, False, False, False, False, False, True, False, True, False]
    data, cand = _ranked(flags)
    r = FAIRReranker(p=0.5, alpha=0.1, protected="tier=x").fit(data, cand)
    assert r.table(10).tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3]
    out = r.rerank(cand, 10)
    ids = [1, 2, 3, 4, 5, 31, 32, 33, 34, 35]
    assert [ids[j] for j in out.items[0]] == [1, 2, 3, 32, 4, 5, 34, 31, 33, 35]


@pytest.mark.parametrize("seed", range(5))
def test_random_rankings_meet_the_table_and_keep_order_within_groups(seed):
    rng = np.random.default_rng(seed)
    flags = rng.random(40) < 0.3
    data, cand = _ranked(flags)
    r = FAIRReranker(p=0.5, alpha=0.1, protected="tier=x").fit(data, cand)
    out = r.rerank(cand, 20)
    got = out.items[0]
    table = r.table(20)
    assert (np.cumsum(flags[got]) >= table).all()
    # Algorithm 1 of the paper, plainly: two queues, take a protected item when the table asks
    prot = [j for j in range(40) if flags[j]]
    other = [j for j in range(40) if not flags[j]]
    expected = []
    for t in range(20):
        n_prot = sum(flags[j] for j in expected)
        if prot and (n_prot < table[t] or not other or prot[0] < other[0]):
            expected.append(prot.pop(0))
        else:
            expected.append(other.pop(0))
    assert got.tolist() == expected
    assert np.array_equal(r.protected_share(out), [flags[got].mean()])
