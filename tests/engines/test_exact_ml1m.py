"""Exactness at MovieLens 1M's size (issue 16): the demo shop generated with ML-1M's counts
(6,040 users, 3,706 items, 1,000,209 interactions), EASE's top-10 on a random 20% split, read
from Parquet by the DuckDB engine, equals the in-memory engine's audit of the same lists to 1e-9
in every table but the bootstrap's columns (``benchmarks/bench_scale.py --exact`` prints the
largest difference per table, for CSV too)."""

from __future__ import annotations

import numpy as np
import pytest
from engine_cases import differences, ids_frame, memory_audit, write_both
from test_exact import duckdb_audit

from fairrec_core.data import load_dataset, split_dataset
from fairrec_core.models import MODELS, top_n

ML1M_SIZE = "synthetic:users=6040,items=3706,interactions=1000209"


@pytest.fixture(scope="module")
def ml1m_size_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ml1m_size")
    data = load_dataset(ML1M_SIZE)
    split = split_dataset(data, method="random", test_size=0.2, seed=42)
    users = np.flatnonzero(split.test.user_counts > 0)
    lists = top_n(MODELS["ease"]().fit(split.train), users, 10)
    return {"data": data,
            "recs": write_both(folder, "recs", lists.to_frame(split.train)),
            "test": write_both(folder, "test", ids_frame(data, split.test.interactions))}


def test_ml1m_size_shop_equals_the_memory_engine(ml1m_size_files):
    f = ml1m_size_files
    assert f["data"].n_interactions == 1_000_209 and f["data"].n_users == 6040
    _, imported, memory = memory_audit(f["data"], f["recs"]["csv"], f["test"]["csv"])
    result, warnings = duckdb_audit(f["data"], f["recs"]["parquet"], f["test"]["parquet"])
    assert differences(memory, result) == {}
    assert warnings == imported.warnings
    assert len(result.users) == memory.n_users > 5000
    assert np.isfinite(result.gaps["difference"]).sum() > 20
