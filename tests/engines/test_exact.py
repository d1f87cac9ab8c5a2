"""The DuckDB engine equals the in-memory engine (issue 16's exactness): every per-user metric,
overall figure, group mean, gap, ratio, parity and exposure value, the popularity lift, the
reference ratios, the adjusted gaps and the per-user table, to 1e-9, from CSV and from Parquet,
on EASE's top-10 lists of ML-100K's standard split and on a synthetic shop read from files.
With the same seed, the permutation tests run on the same rows with the same random stream, so
their p-values are equal too; only the bootstrap's columns differ (Poisson against
multinomial: test_inference.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from engine_cases import N_BOOT, N_PERM, differences, memory_audit

import fairrec_core.engines._partitions as partitions
import fairrec_core.engines._usersql as usersql
from fairrec_core.audit import USER_METRICS
from fairrec_core.engines import DuckDBContext


def duckdb_audit(data, recs, test, *, seed=0, **options):
    with DuckDBContext.from_dataset(data, test=test, test_label=str(test), threads=2,
                                    memory_limit="1GB", **options) as ctx:
        result = ctx.audit(recs, label=str(recs), n_bootstrap=N_BOOT, n_permutations=N_PERM,
                           seed=seed)
        return result, ctx.warnings


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_ml100k_ease_lists_equal_the_memory_engine(ml100k_files, ml100k_memory, kind):
    f = ml100k_files
    _, imported, memory = ml100k_memory
    result, warnings = duckdb_audit(f["data"], f["recs"][kind], f["test"][kind])
    assert differences(memory, result) == {}
    assert warnings == imported.warnings
    # the tables are not empty: 943 users, 4 attributes and their 6 intersections
    assert len(result.users) == memory.n_users == 943
    assert result.attributes == memory.attributes and len(result.attributes) == 10
    assert np.isfinite(result.gaps["difference"]).sum() > 50
    assert (result.users[list(USER_METRICS)].notna().sum() > 900).all()


def test_shop_files_equal_the_memory_engine(shop_files, shop_memory):
    """Users, items and interactions as files (no dataset in memory): age bands and price bands
    derived as the loader derives them; 4 users with test items but no list, one short list."""
    f = shop_files
    _, imported, memory = shop_memory
    folder = f["folder"]
    for kind in ("csv", "parquet"):
        with DuckDBContext.from_files(
                users=folder / f"users.{kind}", items=folder / f"items.{kind}",
                interactions=folder / f"interactions.{kind}", test=f["test"][kind],
                labels={"test": str(f["test"]["csv"])}, threads=2) as ctx:
            result = ctx.audit(f["recs"][kind], label=str(f["recs"]["csv"]),
                               n_bootstrap=N_BOOT, n_permutations=N_PERM, seed=3)
            assert ctx.warnings == imported.warnings
        assert differences(memory, result) == {}, kind
    assert len(imported.warnings) == 2
    assert memory.attributes[:3] == ["gender", "age_group", "region"]


def test_many_user_ranges_and_every_rendering_give_the_same_tables(ml100k_files, ml100k_memory,
                                                                   monkeypatch):
    """Hundreds of user ranges (a tiny memory share per row), ILD's pairs and calibration's
    cells without the per-category columns, and the window rendering of every slot feature:
    the same result."""
    f = ml100k_files
    _, _, memory = ml100k_memory
    monkeypatch.setattr(partitions, "ROW_BYTES", 10**7)  # 1 GB / 1e7 = 100 rows per range
    monkeypatch.setattr(usersql, "PIVOT", 0)
    monkeypatch.setattr(usersql, "PIVOT_CATEGORIES", 0)
    kind = usersql._kind
    monkeypatch.setattr(usersql, "_kind", lambda a: "window" if kind(a) != "plain" else "plain")
    result, _ = duckdb_audit(f["data"], f["recs"]["parquet"], f["test"]["parquet"])
    assert differences(memory, result) == {}


def test_scores_ties_and_rank_gaps_follow_the_in_memory_order(shop_files, tmp_path):
    """Lists with scores only (ties broken by file order) and lists whose ranks skip numbers
    (positions are the order, not the numbers): the sorted path equals the memory engine."""
    f = shop_files
    recs = pd.read_csv(f["recs"]["csv"], dtype=str)
    rank = recs["rank"].astype(int)
    by_score = recs.drop(columns="rank").assign(score=np.round(1.0 / rank, 1))  # many ties
    by_score = by_score.sample(frac=1.0, random_state=4)
    gaps = recs.assign(rank=rank * 3 + (rank % 2))
    for name, frame in (("scores", by_score), ("gaps", gaps)):
        path = tmp_path / f"{name}.csv"
        frame.to_csv(path, index=False)
        _, _, memory = memory_audit(f["data"], path, f["test"]["csv"], seed=3)
        result, _ = duckdb_audit(f["data"], path, f["test"]["csv"], seed=3)
        assert differences(memory, result) == {}, name


def test_options_reach_the_engine(ml100k_files):
    """k, groups, intersections, reference, uninformative groups, minimum group size."""
    f = ml100k_files
    options = dict(k=5, groups=["gender", "occupation"], intersections=False,
                   reference={"gender": "F"}, include_uninformative=True, min_group_size=25)
    _, _, memory = memory_audit(f["data"], f["recs"]["csv"], f["test"]["csv"], **options)
    result, _ = duckdb_audit(f["data"], f["recs"]["csv"], f["test"]["csv"], **options)
    assert differences(memory, result) == {}
    other, _ = duckdb_audit(f["data"], f["recs"]["csv"], f["test"]["csv"],
                            **{**options, "min_group_size": 60})  # the comparison sees it
    assert set(differences(memory, other)) >= {"gaps", "pairwise", "min_group_size"}
    assert result.attributes == ["gender", "occupation"]
    assert set(result.reference.query("attribute == 'gender'")["reference"]) == {"F"}
    assert result.k == 5
