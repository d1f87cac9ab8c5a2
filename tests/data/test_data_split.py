"""Split invariants, checked as properties over generated datasets."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fairrec_core.data import build_dataset, split_dataset
from fairrec_core.errors import DataError


@st.composite
def datasets(draw):
    n_users = draw(st.integers(1, 12))
    n_items = draw(st.integers(1, 15))
    pairs = draw(
        st.sets(st.tuples(st.integers(0, n_users - 1), st.integers(0, n_items - 1)), min_size=1, max_size=80)
    )
    pairs = sorted(pairs)
    ts = draw(st.lists(st.integers(0, 50), min_size=len(pairs), max_size=len(pairs)))
    inter = pd.DataFrame(
        {
            "user_id": [f"u{u}" for u, _ in pairs],
            "item_id": [f"i{i}" for _, i in pairs],
            "value": 1.0,
            "timestamp": ts,
        }
    )
    return build_dataset("prop", inter)


def _pairs(ds):
    return set(zip(ds.interactions["user"], ds.interactions["item"], strict=True))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ds=datasets(), method=st.sampled_from(["random", "temporal", "leave_last"]),
       frac=st.floats(0.05, 0.95), seed=st.integers(0, 10_000))
def test_split_partitions_each_users_interactions(ds, method, frac, seed):
    s = split_dataset(ds, method=method, test_size=frac, seed=seed)
    train, test = _pairs(s.train), _pairs(s.test)
    assert not train & test
    assert train | test == _pairs(ds)
    counts = ds.user_counts
    n_test = s.test.user_counts
    for u, n in enumerate(counts):
        if n < 2:
            assert n_test[u] == 0
        elif method == "leave_last":
            assert n_test[u] == 1
        else:
            expected = min(max(int(np.floor(n * frac + 0.5)), 1), n - 1)
            assert n_test[u] == expected
    # same seed -> same split
    again = split_dataset(ds, method=method, test_size=frac, seed=seed)
    assert _pairs(again.test) == test


@settings(max_examples=40, deadline=None)
@given(ds=datasets(), frac=st.floats(0.05, 0.95), seed=st.integers(0, 1000))
def test_temporal_split_holds_out_the_latest(ds, frac, seed):
    s = split_dataset(ds, method="temporal", test_size=frac, seed=seed)
    tr, te = s.train.interactions, s.test.interactions
    for u in te["user"].unique():
        assert te.loc[te["user"] == u, "timestamp"].min() >= tr.loc[tr["user"] == u, "timestamp"].max()


def test_random_split_fraction_on_real_data(ml100k):
    s = split_dataset(ml100k, test_size=0.2, seed=1)
    assert s.train.n_interactions + s.test.n_interactions == 100_000
    ratio = s.test.user_counts / ml100k.user_counts
    assert np.all(np.abs(ratio - 0.2) <= 0.5 / ml100k.user_counts + 1e-9)
    other = split_dataset(ml100k, test_size=0.2, seed=2)
    assert _pairs(other.test) != _pairs(s.test)


def test_split_export(ml100k):
    s = split_dataset(ml100k, method="leave_last", seed=3)
    frame = s.to_frame()
    assert len(frame) == 100_000
    assert (frame["split"] == "test").sum() == 943
    raw = frame.set_index(["user_id", "item_id"])["value"]
    assert raw.loc[(1, 1)] == ml100k.matrix[ml100k.user_vocab.index(1), ml100k.item_vocab.index(1)]


@pytest.mark.parametrize("bad", [0.0, 1.0, -0.2, 1.5])
def test_bad_test_size(ml100k, bad):
    with pytest.raises(DataError, match="test size .* strictly between 0 and 1"):
        split_dataset(ml100k, test_size=bad)


def test_bad_method(ml100k):
    with pytest.raises(DataError, match="split method 'weekly': expected one of random, temporal, leave_last"):
        split_dataset(ml100k, method="weekly")
