"""The leakage probe against independent computations: a planted signal whose optimal AUC is
known in closed form, random labels, the seed, and the users left out for uninformative labels."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import softmax
from scipy.stats import norm
from sklearn.metrics import roc_auc_score

from fairrec_core.errors import DataError
from fairrec_core.leakage import probe


def planted(n: int, d: float, seed: int, dims: int = 5):
    """Gaussian features; direction 0 is shifted by ``d`` for the second group."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.standard_normal((n, dims))
    x[:, 0] += d * y
    return x, np.where(y == 1, "M", "F")


@pytest.mark.parametrize("d", [0.5, 1.0, 2.0])
def test_planted_signal_reaches_the_optimal_linear_auc(d):
    # two unit-variance Gaussians d apart: the best linear rule's AUC is Phi(d / sqrt 2)
    x, labels = planted(4000, d, seed=11)
    result = probe(x, labels, cv=5, seed=0)
    optimum = float(norm.cdf(d / np.sqrt(2)))
    assert result.auc == pytest.approx(optimum, abs=0.025)
    assert result.low < result.auc < result.high
    assert result.auc == pytest.approx(np.mean(result.fold_aucs))
    assert result.classes == ("F", "M")
    assert sum(result.class_counts) == result.n == 4000
    assert result.baseline_accuracy == max(result.class_counts) / 4000
    # the Bayes accuracy of equal-prior Gaussians d apart is Phi(d / 2)
    assert result.accuracy == pytest.approx(norm.cdf(d / 2), abs=0.03)


def test_multiclass_macro_auc_matches_the_true_posterior():
    # three classes, class c shifted by d along direction c: the logistic model is the true
    # posterior softmax(d * x_c), whose macro one-vs-rest AUC is estimated on a large fresh sample
    d, k = 1.2, 3

    def sample(n, seed):
        rng = np.random.default_rng(seed)
        y = rng.integers(0, k, n)
        x = rng.standard_normal((n, 4))
        x[np.arange(n), y] += d
        return x, y

    x_big, y_big = sample(200_000, 5)
    oracle = roc_auc_score(y_big, softmax(d * x_big[:, :k], axis=1), multi_class="ovr",
                           average="macro")
    x, y = sample(4000, 6)
    result = probe(x, np.array(["a", "b", "c"])[y], seed=0)
    assert result.classes == ("a", "b", "c")
    assert result.auc == pytest.approx(oracle, abs=0.025)


def test_random_labels_give_an_interval_containing_one_half():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1500, 8))
    labels = rng.choice(["F", "M"], size=1500)
    result = probe(x, labels, seed=0)
    assert result.low <= 0.5 <= result.high
    assert result.auc == pytest.approx(0.5, abs=0.04)


def test_interval_is_mean_plus_minus_t_sd_over_root_k():
    from scipy.stats import t

    x, labels = planted(600, 0.8, seed=2)
    result = probe(x, labels, cv=4, seed=1)
    folds = np.array(result.fold_aucs)
    assert len(folds) == 4
    half = t.ppf(0.975, 3) * folds.std(ddof=1) / 2
    assert result.low == pytest.approx(folds.mean() - half)
    assert result.high == pytest.approx(folds.mean() + half)


def test_same_seed_repeats_exactly_and_another_seed_differs():
    x, labels = planted(800, 0.7, seed=4)
    a, b = probe(x, labels, seed=7), probe(x, labels, seed=7)
    assert a == b
    assert probe(x, labels, seed=8).fold_aucs != a.fold_aucs


def test_uninformative_and_missing_labels_are_left_out_and_counted():
    x, labels = planted(1000, 1.0, seed=9)
    labels = labels.astype(object)
    rng = np.random.default_rng(0)
    gone = rng.choice(1000, size=130, replace=False)
    # the audit's rule: "Unknown", "U", "unspecified", missing ...
    labels[gone] = np.resize(np.array(["Unknown", "U", "unspecified", None, float("nan")],
                                      dtype=object), 130)
    result = probe(x, labels, seed=0)
    assert result.n_left_out == 130
    assert result.n == 870
    keep = np.setdiff1d(np.arange(1000), gone)
    alone = probe(x[keep], labels[keep], seed=0)  # the same users without the left-out ones
    assert result.fold_aucs == alone.fold_aucs
    assert alone.n_left_out == 0


def test_bad_input_is_a_data_error_naming_the_problem():
    x, labels = planted(100, 1.0, seed=1)
    with pytest.raises(DataError, match="two groups"):
        probe(x, np.full(100, "F"))
    with pytest.raises(DataError, match="one row per label"):
        probe(x[:50], labels)
    small = labels.copy()
    small[:] = "F"
    small[:3] = "M"
    with pytest.raises(DataError, match="'M' has 3 users"):
        probe(x, small, cv=5)
