"""Every metric function on tiny cases worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from fairrec_core import metrics as M

PAD = -1


def test_accuracy_metrics_by_hand():
    # list [a, b, c, d], test items {b, d, x}: hits at ranks 2 and 4; a user without test items;
    # a user with test items but no hit
    hits = np.array([[0, 1, 0, 1], [1, 0, 0, 0], [0, 0, 0, 0]], dtype=bool)
    n_rel = np.array([3, 0, 2])
    assert M.precision(hits, n_rel)[[0, 2]].tolist() == [0.5, 0.0]
    assert M.recall(hits, n_rel)[[0, 2]].tolist() == pytest.approx([2 / 3, 0.0])
    assert M.hit_rate(hits, n_rel)[[0, 2]].tolist() == [1.0, 0.0]
    assert M.reciprocal_rank(hits, n_rel)[[0, 2]].tolist() == [0.5, 0.0]
    # AP: (precision@2 + precision@4) / min(3, 4) = (1/2 + 2/4) / 3
    assert M.average_precision(hits, n_rel)[[0, 2]].tolist() == pytest.approx([1 / 3, 0.0])
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    idcg = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert M.ndcg(hits, n_rel)[[0, 2]].tolist() == pytest.approx([dcg / idcg, 0.0])
    # users without test items are NaN for every accuracy metric
    for f in (M.precision, M.recall, M.hit_rate, M.reciprocal_rank, M.average_precision, M.ndcg):
        assert np.isnan(f(hits, n_rel)[1])


def test_ndcg_and_ap_normalise_by_min_of_test_items_and_k():
    hits = np.array([[1, 0, 0]], dtype=bool)
    # one test item found at rank 1: perfect even though k = 3
    assert M.ndcg(hits, np.array([1]))[0] == 1.0
    assert M.average_precision(hits, np.array([1]))[0] == 1.0
    # 5 test items, k = 3: the ideal list has 3 hits
    idcg = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert M.ndcg(hits, np.array([5]))[0] == pytest.approx(1 / idcg)
    assert M.average_precision(hits, np.array([5]))[0] == pytest.approx(1 / 3)


def test_map_normaliser_against_trec_eval_and_in_the_glossary():
    """trec_eval / ranx AP@k divides by all test items; ours by min(test items, k): on random
    hits ours times min(n_rel, k) / n_rel is the trec_eval value, computed plainly here. The
    glossary and README say so."""
    from pathlib import Path

    from fairrec_core import glossary

    rng = np.random.default_rng(4)
    k = 10
    hits = rng.random((300, k)) < 0.3
    n_rel = np.maximum(hits.sum(axis=1), rng.integers(1, 40, 300))
    trec = np.array([sum((h[: r + 1].sum() / (r + 1)) for r in range(k) if h[r]) / n
                     for h, n in zip(hits, n_rel, strict=True)])
    ours = M.average_precision(hits, n_rel)
    np.testing.assert_allclose(ours * np.minimum(n_rel, k) / n_rel, trec, rtol=1e-12)
    more = (n_rel > k) & hits.any(axis=1)
    assert more.sum() > 50 and (ours[more] > trec[more]).all()
    text = glossary.help_text("map@10")
    assert "min(held-out items, 10)" in text and "trec_eval" in text and "ranx" in text
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert "min(held-out items, k)" in readme and "trec_eval" in readme


def test_hit_lookup_ignores_padding():
    keys = np.sort(np.array([0 * 5 + 0, 1 * 5 + 3]))  # (user 0, item 0), (user 1, item 3)
    items = np.array([[0, PAD], [2, 3]])
    hits = M.lookup_hits(np.array([0, 1]), items, keys, 5)
    assert hits.tolist() == [[True, False], [False, True]]


def test_intra_list_diversity_by_hand():
    cat = np.array([0, 0, 1, 2, 0])  # items 0, 1, 4 share category 0
    items = np.array([[0, 1, 2, 3], [0, 1, 4, PAD], [2, PAD, PAD, PAD]])
    ild = M.intra_list_diversity(items, cat)
    # 6 pairs, one from the same category -> 5/6; three items of one category -> 0; one item -> NaN
    assert ild[0] == pytest.approx(5 / 6)
    assert ild[1] == 0.0
    assert np.isnan(ild[2])


def test_popularity_metrics_by_hand():
    counts = np.array([4, 2, 1, 0])
    items = np.array([[0, 1, 2, 3], [PAD, PAD, PAD, PAD]])
    # p = 4/8, 2/8, 1/8 and (never seen -> as once) 1/8: -log2 p = 1, 2, 3, 3
    nov = M.novelty(items, counts, 8)
    assert nov[0] == pytest.approx(2.25)
    assert np.isnan(nov[1])
    assert M.average_popularity(items, counts)[0] == pytest.approx(7 / 4)


def test_head_mid_tail_by_hand():
    counts = np.array([10, 5, 3, 2])  # 20 interactions: the head holds >= 4, the tail <= 4
    assert M.head_items(counts).tolist() == [True, False, False, False]
    assert M.popularity_bands(counts).tolist() == [0, 1, 1, 2]
    # 10 interactions: item 0 alone holds >= 2 (ties by index); items 4 and 2 hold 1 <= 2
    assert M.popularity_bands(np.array([3, 3, 0, 3, 1])).tolist() == [0, 1, 2, 1, 2]
    items = np.array([[0, 1, 2], [0, PAD, PAD]])
    assert M.long_tail_share(items, M.head_items(counts)).tolist() == pytest.approx([2 / 3, 0.0])


def test_popularity_bands_agree_with_the_rerankers():
    from fairrec_core.reranking import popularity_bands as reranking_bands

    rng = np.random.default_rng(0)
    for _ in range(20):
        counts = rng.zipf(1.5, size=200) * rng.integers(0, 2, size=200)
        assert M.popularity_bands(counts).tolist() == reranking_bands(counts).tolist()


def test_category_matrix_spreads_multi_genre_items():
    cats, A = M.category_matrix(pd.Series(["Drama|Comedy", "Drama", None, "Comedy|Drama|War"]))
    assert cats == ("Comedy", "Drama", "Unknown", "War")
    dense = A.toarray()
    assert dense[0].tolist() == [0.5, 0.5, 0, 0]
    assert dense[2].tolist() == [0, 0, 1, 0]
    assert dense[3] == pytest.approx([1 / 3, 1 / 3, 0, 1 / 3])


def test_calibration_kl_by_hand():
    p = np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 0.0]])
    q = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    # q~ = 0.99 q + 0.01 p = (0.995, 0.005, 0)
    expected = 0.5 * math.log(0.5 / 0.995) + 0.5 * math.log(0.5 / 0.005)
    kl = M.calibration_kl(p, q)
    assert kl[0] == pytest.approx(expected)
    assert np.isnan(kl[1])  # no history
    assert M.calibration_kl(p[:1], p[:1])[0] == pytest.approx(0.0)


def test_list_distribution_is_uniform_over_listed_items():
    _, A = M.category_matrix(pd.Series(["X", "Y", "X|Y"]))
    q = M.list_distribution(np.array([[0, 2, PAD], [1, 1, 0]]), A)
    assert q[0] == pytest.approx([0.75, 0.25])
    assert q[1] == pytest.approx([1 / 3, 2 / 3])


def test_exposure_coverage_gini_lorenz_by_hand():
    items = np.array([[0, 1], [1, 2]])
    e = M.item_exposure(items, 4)
    assert e == pytest.approx([1.0, 1 / math.log2(3) + 1.0, 1 / math.log2(3), 0.0])
    assert M.coverage(items, 4) == 0.75
    assert M.gini([0, 0, 0, 1]) == pytest.approx(0.75)
    assert M.gini([2, 2, 2]) == pytest.approx(0.0)
    x, y = M.lorenz_curve([3, 1])
    assert x.tolist() == [0, 0.5, 1] and y.tolist() == [0, 0.25, 1]
    xs, ys = M.lorenz_curve(np.arange(100), points=11)
    assert len(xs) == 11 and ys[0] == 0 and ys[-1] == pytest.approx(1)


def test_js_divergence_bounds():
    assert M.js_divergence(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(1.0)
    assert M.js_divergence(np.array([0.3, 0.7]), np.array([0.3, 0.7])) == pytest.approx(0.0)
    p, q = np.array([0.25, 0.75]), np.array([0.5, 0.5])
    m = (p + q) / 2
    expected = 0.5 * (p * np.log2(p / m)).sum() + 0.5 * (q * np.log2(q / m)).sum()
    assert M.js_divergence(p, q) == pytest.approx(expected)


def test_position_discount():
    assert M.position_discount(3) == pytest.approx([1.0, 1 / math.log2(3), 0.5])


def test_bitset_lookup_equals_sorted_key_lookup():
    rng = np.random.default_rng(3)
    n_users, n_items = 50, 70
    keys = np.unique(rng.integers(0, n_users * n_items, size=600))
    users = rng.permutation(n_users)[:40]
    items = rng.integers(-1, n_items, size=(40, 12))
    bits = M.relevance_bitset(keys, n_users * n_items)
    expected = np.array([[u * n_items + i in set(keys.tolist()) and i >= 0 for i in row]
                         for u, row in zip(users, items, strict=True)])
    assert (M.lookup_hits(users, items, keys, n_items, bits) == expected).all()
    assert (M.lookup_hits(users, items, keys, n_items) == expected).all()
    assert M.relevance_bitset(keys, M._hits.MAX_BITSET_CELLS + 1) is None
