"""Loose accuracy floors on the real MovieLens 100K for the cheap models (the full protocol,
three seeds and every model, is benchmarks/bench_models_accuracy.py)."""

from __future__ import annotations

import numpy as np
import pytest

from fairrec_core.metrics import hit_matrix, n_relevant, ndcg
from fairrec_core.models import MODELS, top_n

#: name -> (lowest, highest) acceptable NDCG@10 on the seed-42 random 20% holdout.
FLOORS = {"popularity": (0.19, 0.25), "itemknn": (0.36, 1.0), "ease": (0.42, 1.0)}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(FLOORS))
def test_default_model_accuracy_on_ml100k(name, ml100k_split):
    train, test = ml100k_split.train, ml100k_split.test
    model = MODELS[name]().fit(train)
    lists = top_n(model, np.flatnonzero(test.user_counts), 10)
    score = float(np.nanmean(ndcg(hit_matrix(lists, test), n_relevant(lists, test))))
    low, high = FLOORS[name]
    assert low <= score <= high, score
