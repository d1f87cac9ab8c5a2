"""Batched top-n of every user (issue 16, scoring at scale): :func:`iter_top_n` and
:func:`write_lists` equal the unbatched :func:`top_n` and a dense computation from the learned
vectors, score at most one batch of users at a time, and stream one row group per batch."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from fairrec_core.data import load_dataset, split_dataset
from fairrec_core.models import ALS, BPR, TwoTower, iter_top_n, top_n, write_lists

SPEC = "synthetic:users=150,items=90,interactions=2500,seed=4"
N = 10


def _dense(model) -> np.ndarray:
    """Every user's scores from the fitted arrays (not through the model's scoring code)."""
    if isinstance(model, ALS):
        return (model.user_factors_ @ model.item_factors_.T + model.user_bias_[:, None]
                + model.item_bias_[None, :])
    if isinstance(model, BPR):
        return model.user_factors_ @ model.item_factors_.T + model.item_bias_[None, :]
    return model.user_vectors_ @ model.item_vectors_.T + model.item_bias_[None, :]


@pytest.fixture(scope="module")
def fitted():
    train = split_dataset(load_dataset(SPEC), seed=1).train
    models = [ALS(factors=8, iterations=3, validation=0.0),
              BPR(factors=8, epochs=2, validation=0.0),
              TwoTower(dim=8, epochs=1, validation=0.0)]
    return train, [m.fit(train) for m in models]


@pytest.mark.parametrize("which", [0, 1, 2], ids=["als", "bpr", "twotower"])
def test_batched_top_n_equals_the_unbatched_and_a_dense_ranking(fitted, which, monkeypatch):
    train, models = fitted
    model = models[which]
    whole = top_n(model, None, N)
    rows_scored = []
    scores = model._scores
    monkeypatch.setattr(model, "_scores", lambda u: rows_scored.append(len(u)) or scores(u))
    batches = list(iter_top_n(model, None, N, batch_users=7))
    assert max(rows_scored) <= 7 and sum(rows_scored) == model.n_users_
    assert [len(b.users) for b in batches] == [7] * (150 // 7) + [150 % 7]
    users = np.concatenate([b.users for b in batches])
    items = np.vstack([b.items for b in batches])
    np.testing.assert_array_equal(users, np.arange(model.n_users_))
    np.testing.assert_array_equal(items, whole.items)
    # BLAS may round a 7-row product differently from a 150-row one (float32 ulps)
    np.testing.assert_allclose(np.vstack([b.scores for b in batches]), whole.scores, rtol=1e-6)
    # independently: mask the training items, order by score then item index
    dense = _dense(model).astype(np.float32)
    dense[train.matrix.toarray() > 0] = -np.inf
    order = np.lexsort((np.broadcast_to(np.arange(dense.shape[1]), dense.shape), -dense),
                       axis=1)[:, :N]
    np.testing.assert_array_equal(items, order)


def test_write_lists_streams_one_row_group_per_batch(fitted, tmp_path):
    train, models = fitted
    model = models[0]
    seen = []
    path = tmp_path / "lists.parquet"
    rows = write_lists(model, train, path, n=N, batch_users=40, each=seen.append)
    meta = pq.ParquetFile(path).metadata
    assert meta.num_row_groups == 4 and [len(b.users) for b in seen] == [40, 40, 40, 30]
    back = pd.read_parquet(path)
    expect = top_n(model, None, N).to_frame(train)
    assert rows == len(back) == len(expect) == model.n_users_ * N
    assert list(back.columns) == ["user_id", "rank", "item_id", "score"]
    pd.testing.assert_frame_equal(back, expect, check_dtype=False)


def test_write_lists_without_any_list_is_still_a_parquet_file(fitted, tmp_path):
    train, models = fitted
    path = tmp_path / "none.parquet"
    assert write_lists(models[1], train, path, n=N, users=np.array([], dtype=np.int64)) == 0
    assert pq.ParquetFile(path).metadata.num_rows == 0
