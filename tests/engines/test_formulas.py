"""One definition of each metric: the relational formulations of ``engines._formulas`` evaluated
with numpy equal the in-memory engine's metric functions, and their SQL rendering computes in
DuckDB what their numpy evaluation computes."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from fairrec_core.audit import USER_METRICS, AuditContext
from fairrec_core.data import SyntheticSpec, generate_shop, split_dataset
from fairrec_core.engines import CALIBRATION, formulation_metrics, user_metrics
from fairrec_core.engines._expr import evaluate, to_sql
from fairrec_core.ranking import PAD_ITEM, RankedLists


def _lists(train, depth, seed):
    """Top-``depth`` by noisy popularity; every 7th list cut short, every 11th empty."""
    rng = np.random.default_rng(seed)
    scores = (train.item_counts + 1.0) * rng.uniform(0.05, 1.95, (train.n_users, train.n_items)) ** 3
    top = np.argsort(-scores, axis=1, kind="stable")[:, :depth]
    top[::7, depth // 2:] = PAD_ITEM
    top[::11] = PAD_ITEM
    return RankedLists(np.arange(train.n_users), top, -np.sort(-scores, axis=1)[:, :depth])


@pytest.fixture(scope="module")
def shop_split():
    shop = generate_shop(SyntheticSpec(users=400, items=150, interactions=9000, seed=2))
    return split_dataset(shop, test_size=0.25, seed=0)


@pytest.mark.parametrize("k", [1, 5, 10, 25])
def test_formulations_equal_the_metric_functions(shop_split, ml100k_split, k):
    for split in (shop_split, ml100k_split):
        ctx = AuditContext(split.train, split.test, k=k)
        lists = _lists(split.train, 30, seed=k)
        expected = ctx.user_metrics(lists)[list(USER_METRICS)].to_numpy()
        got = formulation_metrics(ctx, lists)
        assert np.array_equal(np.isnan(expected), np.isnan(got))
        assert np.nanmax(np.abs(expected - got)) < 1e-12
        have = (~np.isnan(got)).sum(axis=0)
        ild = USER_METRICS.index("ild")
        assert have[ild] == 0 if k == 1 else have[ild] > 0.5 * len(got)  # pairs need k >= 2
        assert np.delete(have, ild).min() > 0.5 * len(got)  # every other metric has values


def _random_columns(rng, n=2000):
    """Values the formulas' columns take (slots, users, calibration cells), zeros included."""
    m = rng.integers(0, 12, n)
    return pd.DataFrame({
        "hit": rng.integers(0, 2, n), "pos": rng.integers(1, 11, n),
        "pop": rng.integers(0, 500, n), "head": rng.integers(0, 2, n),
        "hits_so_far": rng.integers(0, 11, n), "same_category": rng.integers(1, 11, n),
        "n_rel": rng.integers(0, 40, n), "m": m, "has_history": rng.integers(0, 2, n),
        "hits": rng.integers(0, 11, n), "dcg": rng.random(n) * 4, "hit_any": rng.integers(0, 2, n),
        "rr": rng.random(n), "ap": rng.random(n) * 5, "same_pairs": rng.integers(0, 90, n),
        "self_info": rng.random(n) * 60, "pop_sum": rng.integers(0, 5000, n),
        "tail": rng.integers(0, 11, n),
        "p": np.where(rng.random(n) < 0.3, 0.0, rng.random(n)),
        "q": np.where(rng.random(n) < 0.3, 0.0, rng.random(n)),
    })


def test_the_sql_rendering_computes_the_numpy_evaluation():
    """Every expression of every formula (contributions, values, conditions) over the same
    random columns: DuckDB's result of the SQL text equals numpy's evaluation (NaN / inf
    where both divide by zero)."""
    frame = _random_columns(np.random.default_rng(0))
    con = duckdb.connect()
    con.register("t", frame)
    env = {c: frame[c].to_numpy() for c in frame.columns}
    expressions = [CALIBRATION.contribution, CALIBRATION.where, CALIBRATION.defined]
    for metric in user_metrics(10, 943):
        expressions += [metric.value, metric.defined, *(a.contribution for a in metric.aggregates)]
    for e in expressions:
        sql = con.sql(f"SELECT CAST({to_sql(e)} AS DOUBLE) AS v FROM t").df()["v"].to_numpy()
        ours = np.asarray(evaluate(e, env), dtype=np.float64) * np.ones(len(frame))
        both = np.isfinite(ours)
        assert np.array_equal(both, np.isfinite(sql)), to_sql(e)
        assert np.allclose(sql[both], ours[both], rtol=1e-14, atol=0), to_sql(e)
    assert len(expressions) > 30
