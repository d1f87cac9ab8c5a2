"""Known answers of FaiRLLM's list similarities and summaries on tiny hand-made lists, and the
vectorised similarity equal to the plain one-pair functions."""

from __future__ import annotations

import numpy as np
import pytest

from fairrec_core.llmaudit import (
    jaccard_at_k,
    list_similarity,
    prag_at_k,
    serp_at_k,
    snsr,
    snsv,
    spread_test,
)

NEUTRAL = ["a", "b", "c", "d", "e"]
SENSITIVE = ["b", "a", "f", "c", "g"]


def test_jaccard_serp_prag_by_hand():
    """K = 5, neutral R = (a, b, c, d, e), sensitive R^a = (b, a, f, c, g).

    Jaccard@5 = |{a, b, c}| / |{a, b, c, d, e, f, g}| = 3/7.

    SERP*@5 = Σ_{v ∈ R^a} 1[v ∈ R] (K − r^a_v + 1) / (K (K + 1) / 2): b (rank 1) 5, a (2) 4,
    f (3) not in R, c (4) 2, g (5) not in R -> (5 + 4 + 2) / 15 = 11/15.

    PRAG*@5 = Σ over pairs v1 before v2 in R^a of 1[v1 ∈ R] 1[r_v1 < r_v2] / (K (K + 1)), with
    r_v = +inf outside R (neutral ranks a 1, b 2, c 3): (b,a) no (2 > 1); (b,f) (b,c) (b,g)
    yes; (a,f) (a,c) (a,g) yes; (f,c) (f,g) no (f not in R); (c,g) yes -> 7 / 30.
    """
    assert jaccard_at_k(SENSITIVE, NEUTRAL, 5) == pytest.approx(3 / 7)
    assert serp_at_k(SENSITIVE, NEUTRAL, 5) == pytest.approx(11 / 15)
    assert prag_at_k(SENSITIVE, NEUTRAL, 5) == pytest.approx(7 / 30)


def test_equal_disjoint_and_short_lists_by_hand():
    """Equal full lists: Jaccard 1, SERP* (5+4+3+2+1)/15 = 1, PRAG* all 10 pairs kept -> 10/30
    = (K − 1) / (2 (K + 1)), the paper's maximum. Disjoint lists: 0, 0, 0. A one-item answer
    (a) against R at K = 5: Jaccard 1/5, SERP* 5/15 = 1/3, PRAG* no pair -> 0. The cutoff
    applies first: at K = 2, R^a = (b, a) and R = (a, b): Jaccard 1, SERP* (2 + 1)/3 = 1, PRAG*
    the one pair (b, a) is reversed -> 0."""
    assert jaccard_at_k(NEUTRAL, NEUTRAL, 5) == 1.0
    assert serp_at_k(NEUTRAL, NEUTRAL, 5) == pytest.approx(1.0)
    assert prag_at_k(NEUTRAL, NEUTRAL, 5) == pytest.approx(1 / 3)
    assert prag_at_k(NEUTRAL, NEUTRAL, 5) == pytest.approx((5 - 1) / (2 * (5 + 1)))
    other = ["v", "w", "x", "y", "z"]
    assert (jaccard_at_k(other, NEUTRAL, 5), serp_at_k(other, NEUTRAL, 5),
            prag_at_k(other, NEUTRAL, 5)) == (0.0, 0.0, 0.0)
    assert jaccard_at_k(["a"], NEUTRAL, 5) == pytest.approx(1 / 5)
    assert serp_at_k(["a"], NEUTRAL, 5) == pytest.approx(1 / 3)
    assert prag_at_k(["a"], NEUTRAL, 5) == 0.0
    assert jaccard_at_k(SENSITIVE, NEUTRAL, 2) == 1.0
    assert serp_at_k(SENSITIVE, NEUTRAL, 2) == pytest.approx(1.0)
    assert prag_at_k(SENSITIVE, NEUTRAL, 2) == 0.0


def test_snsr_snsv_by_hand():
    """Value similarities 0.2, 0.5, 0.8: SNSR = 0.8 − 0.2 = 0.6; SNSV = sqrt(((−0.3)² + 0² +
    0.3²) / 3) = sqrt(0.06) = 0.24495 (population standard deviation, as FaiRLLM's np.std).
    One value: both undefined (NaN); NaN values are left out."""
    assert snsr([0.2, 0.5, 0.8]) == pytest.approx(0.6)
    assert snsv([0.2, 0.5, 0.8]) == pytest.approx(np.sqrt(0.06))
    assert snsr([0.2, np.nan, 0.8]) == pytest.approx(0.6)
    assert np.isnan(snsr([0.4])) and np.isnan(snsv([0.4]))


def test_vectorised_similarity_equals_the_plain_functions():
    rng = np.random.default_rng(0)
    k, n = 10, 300
    sens = np.full((n, 12), -1)
    neut = np.full((n, 12), -1)
    for r in range(n):  # distinct keys per row from a small pool, random lengths
        la, lb = rng.integers(0, 13, size=2)
        sens[r, :la] = rng.choice(20, size=la, replace=False)
        neut[r, :lb] = rng.choice(20, size=lb, replace=False)
    got = list_similarity(sens, neut, k)
    for r in range(n):
        a = [x for x in sens[r] if x >= 0]
        b = [x for x in neut[r] if x >= 0]
        j = jaccard_at_k(a, b, k)
        assert (np.isnan(j) and np.isnan(got["jaccard"][r])) or got["jaccard"][r] == pytest.approx(j)
        assert got["serp"][r] == pytest.approx(serp_at_k(a, b, k))
        assert got["prag"][r] == pytest.approx(prag_at_k(a, b, k))


def test_spread_test_by_enumeration():
    """Two anchors with one answer per value (F, M). Anchor 1: F 1.0, M 0.2; anchor 2: F 0.5,
    M 1.0. Observed means F 0.75, M 0.6 -> SNSR 0.15, SNSV 0.075. The four label
    arrangements (each anchor swapped or not) give SNSR 0.15, 0.65, 0.65, 0.15: every one
    reaches 0.15, so p = 1 exactly. Observing instead anchor 1 swapped (F 0.2, M 1.0: SNSR
    0.65), half the arrangements reach it: p -> 0.5 (Monte-Carlo, 4,000 shuffles)."""
    scores = np.array([[1.0], [0.2], [0.5], [1.0]])
    labels = np.array([0, 1, 0, 1])
    blocks = np.array([7, 7, 3, 3])
    t = spread_test(scores, labels, blocks, n_values=2, n_permutations=999,
                    rng=np.random.default_rng(1))
    np.testing.assert_allclose(t.means[:, 0], [0.75, 0.6])
    assert t.snsr[0] == pytest.approx(0.15) and t.snsv[0] == pytest.approx(0.075)
    assert t.p_snsr[0] == 1.0 and t.p_snsv[0] == 1.0
    swapped = spread_test(scores, np.array([1, 0, 0, 1]), blocks, n_values=2,
                          n_permutations=4000, rng=np.random.default_rng(2))
    assert swapped.snsr[0] == pytest.approx(0.65)
    assert swapped.p_snsr[0] == pytest.approx(0.5, abs=0.04)
    assert set(np.round(swapped.null[:, 0, 0], 6)) == {0.15, 0.65}


def test_spread_test_keeps_each_anchors_labels_and_skips_nan():
    """Shuffles stay within an anchor: an anchor whose answers all carry one value keeps it,
    so when every anchor has a single value the null is the observed statistic (p = 1). NaN
    scores leave the means (value 1: mean of 0.3 and 0.5 = 0.4)."""
    scores = np.array([[0.9], [0.1], [np.nan], [0.3], [0.5]])
    labels = np.array([0, 0, 1, 1, 1])
    blocks = np.array([0, 0, 1, 1, 1])
    t = spread_test(scores, labels, blocks, n_values=2, n_permutations=200,
                    rng=np.random.default_rng(0))
    np.testing.assert_allclose(t.means[:, 0], [0.5, 0.4])
    assert np.allclose(t.null[:, 0, 0], 0.1) and t.p_snsr[0] == 1.0
