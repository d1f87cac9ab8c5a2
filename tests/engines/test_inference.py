"""The DuckDB engine's resampling: the hashed Poisson bootstrap (the SQL and numpy draw the
same weights; the replicates are the weighted means those weights give; the intervals agree with
the in-memory engine's multinomial bootstrap within Monte-Carlo error) and the permutation tests
(within Monte-Carlo error of the in-memory engine's with another random stream; above
``max_test_users`` on a stratified sample)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
from engine_cases import N_BOOT, N_PERM
from scipy.stats import norm

from fairrec_core.audit import USER_METRICS
from fairrec_core.engines import DuckDBContext, poisson_weights, quotas, weighted_sql
from fairrec_core.engines import _aggregates as agg
from fairrec_core.engines._replicates import poisson_replicates
from fairrec_core.engines._rows import read_rows


def test_sql_and_numpy_draw_the_same_poisson_weights():
    users = np.sort(np.r_[np.arange(0, 3000, 7), [2**31 - 1, 123_456_789]]).astype(np.int64)
    con = duckdb.connect()
    con.register("u", pd.DataFrame({"user": users.astype(np.int32)}))
    for seed in (0, 987_654_321):
        frame = con.sql(weighted_sql("SELECT user FROM u", n_resamples=40, seed=seed)).df()
        drawn = np.zeros((40, len(users)))
        drawn[frame["b"].to_numpy(), np.searchsorted(users, frame["user"].to_numpy())] = frame["w"]
        assert np.array_equal(drawn, poisson_weights(users, 40, seed))
    assert not np.array_equal(poisson_weights(users, 5, 0), poisson_weights(users, 5, 1))


def test_poisson_weights_are_poisson_one_and_independent():
    """Mean 1, variance 1, P(0) = 1/e, no correlation between resamples or neighbouring users
    (each within 5 standard errors of the sampling error over the N draws)."""
    w = poisson_weights(np.arange(20_000), 50, 7)
    n = w.size
    assert abs(w.mean() - 1) < 5 * np.sqrt(1 / n)
    assert abs(w.var() - 1) < 5 * np.sqrt(3 / n)  # Poisson(1): 4th central moment 4
    p0 = np.exp(-1)
    assert abs((w == 0).mean() - p0) < 5 * np.sqrt(p0 * (1 - p0) / n)
    for a, b in ((w[:-1].ravel(), w[1:].ravel()), (w[:, :-1].ravel(), w[:, 1:].ravel())):
        assert abs(np.corrcoef(a, b)[0, 1]) < 5 / np.sqrt(len(a))


def test_replicates_are_the_hashed_weighted_group_means(shop_files):
    """Every replicate of every group mean (and everyone's) equals sum w x / sum w over the
    group's users with a value, w the numpy weights of the users' indices."""
    f = shop_files
    with DuckDBContext.from_dataset(f["data"], test=f["test"]["parquet"], threads=2) as ctx:
        ctx.read(f["recs"]["parquet"])
        s = agg.shift(ctx.con)
        cells = agg.cell_sums(ctx.con, s)
        indicator = agg.cell_indicator(ctx.plan, cells.cells)
        means, se2 = poisson_replicates(ctx.con, cells.cells, indicator, s, n_resamples=25,
                                        seed=11, threads=2)
        rows = read_rows(ctx.con)
        columns = ctx.plan.columns(ctx.plan.single_codes(rows.cells))
    w = poisson_weights(rows.users, 25, 11)
    c = int(ctx.plan.offsets[-1])
    expected = np.full((25, c + 1, len(USER_METRICS)), np.nan)
    for col in range(c + 1):
        members = np.ones(len(rows), bool) if col == c else (columns == col).any(axis=1)
        x = rows.values[members]
        defined = ~np.isnan(x)
        total = w[:, members] @ np.where(defined, x, 0.0)
        count = w[:, members] @ defined
        with np.errstate(invalid="ignore", divide="ignore"):
            expected[:, col] = np.where(count > 0, total / count, np.nan)
    assert np.array_equal(np.isnan(means), np.isnan(expected))
    assert np.nanmax(np.abs(means - expected)) < 1e-9
    assert np.isfinite(se2).sum() > 0.5 * se2.size


def _quantile_tolerance(se, p, b):
    """5 Monte-Carlo standard errors of the difference of two independent ``p`` quantiles of
    ``b`` bootstrap replicates of a roughly normal mean with standard error ``se``:
    sqrt(2) * sqrt(p (1 - p) / b) / phi(z_p) * se."""
    return 5 * np.sqrt(2) * np.sqrt(p * (1 - p) / b) / norm.pdf(norm.ppf(p)) * se


def test_bootstrap_intervals_agree_with_the_memory_engine(ml100k_files, ml100k_memory):
    f = ml100k_files
    _, _, memory = ml100k_memory
    with DuckDBContext.from_dataset(f["data"], test=f["test"]["parquet"], threads=2) as ctx:
        result = ctx.audit(f["recs"]["parquet"], n_bootstrap=N_BOOT, n_permutations=0, seed=5)
    users = memory.users
    level, checked = memory.level, 0
    tail = (1 - level) / 2
    for attribute in ["gender", "age_group", "region", "occupation"]:
        for group, members in users.groupby(attribute):
            if len(members) < 50:
                continue
            for metric in USER_METRICS:
                x = members[metric].dropna().to_numpy()
                se = x.std(ddof=1) / np.sqrt(len(x))
                key = (f"attribute == '{attribute}' and group == '{group}' and "
                       f"metric == '{metric}@10'")
                a, b = memory.groups.query(key).iloc[0], result.groups.query(key).iloc[0]
                tol = _quantile_tolerance(se, tail, N_BOOT)
                assert abs(a.ci_lo - b.ci_lo) <= tol, (key, a.ci_lo, b.ci_lo, tol)
                assert abs(a.ci_hi - b.ci_hi) <= tol, (key, a.ci_hi, b.ci_hi, tol)
                checked += 1
    assert checked > 100
    # the replicates are not the in-memory engine's: the intervals differ somewhere
    assert not np.allclose(memory.groups["ci_lo"], result.groups["ci_lo"], equal_nan=True)


def test_permutation_p_values_agree_within_monte_carlo_error(ml100k_files, ml100k_memory):
    """Another random stream (seed 1 against 0): every p-value of the gaps, pairs and groups
    against the rest is within 5 Monte-Carlo standard errors (sqrt(p (1 - p) / B) each, as the
    audit reports them), plus one step 1 / (B + 1) of the p-values' grid."""
    f = ml100k_files
    _, _, memory = ml100k_memory
    with DuckDBContext.from_dataset(f["data"], test=f["test"]["csv"], threads=2) as ctx:
        result = ctx.audit(f["recs"]["csv"], n_bootstrap=0, n_permutations=N_PERM, seed=1)
    step = 1 / (N_PERM + 1)
    compared = 0
    for table, column in (("gaps", "p_value"), ("gaps", "p_value_range"),
                          ("vs_rest", "p_value"), ("pairwise", "p_value")):
        a = getattr(memory, table)[column].to_numpy(float)
        b = getattr(result, table)[column].to_numpy(float)
        assert np.array_equal(np.isnan(a), np.isnan(b))
        ok = ~np.isnan(a)
        tol = 5 * np.sqrt((a * (1 - a) + b * (1 - b)) / N_PERM) + step
        assert (np.abs(a - b)[ok] <= tol[ok]).all(), (table, column)
        compared += int(ok.sum())
        if column == "p_value" and table == "gaps":
            assert not np.array_equal(a[ok], b[ok])  # other shuffles, other p-values
    assert compared > 1000


def test_quotas_are_proportionate_with_a_floor_per_group():
    sizes = np.array([5000, 3000, 1500, 400, 60, 20, 15])
    codes = np.array([[0, 0], [0, 1], [1, 0], [1, 1], [2, 0], [2, 1], [3, 1]])
    keep = quotas(sizes, 1000, 10, codes)
    assert (keep <= sizes).all() and (keep >= 0).all()
    # the proportional part: largest remainders of 1000 * n / N
    plain = quotas(sizes, 1000, 0, codes)
    assert plain.sum() == 1000
    assert np.abs(plain - sizes * 1000 / sizes.sum()).max() < 1
    # every group of either attribute keeps at least min(its users, 10)
    for j in range(2):
        n_g = np.bincount(codes[:, j], weights=sizes)
        k_g = np.bincount(codes[:, j], weights=keep)
        assert (k_g >= np.minimum(n_g, 10)).all()
    assert keep[6] >= 10 * 15 / 15 - 1e-9 and keep[0] == plain[0]
    assert np.array_equal(quotas(sizes, 10**6, 10, codes), sizes)  # small: everyone


def test_stratified_sample_above_max_test_users(ml100k_files, ml100k_memory):
    """Above ``max_test_users`` the tests run on a stratified sample: every point estimate,
    standard error and statistic is still the full data's; the sample keeps each compared
    group; the p-values are the sample's (valid numbers, with their Monte-Carlo error); the
    per-user table is not kept and a note says so."""
    f = ml100k_files
    _, _, memory = ml100k_memory
    with DuckDBContext.from_dataset(f["data"], test=f["test"]["csv"], threads=2,
                                    max_test_users=400) as ctx:
        result = ctx.audit(f["recs"]["csv"], n_bootstrap=0, n_permutations=N_PERM, seed=0)
        cell_sizes = agg.cell_sums(ctx.con, agg.shift(ctx.con))
        rows = read_rows(ctx.con, pd.DataFrame({"cell": cell_sizes.cells,
                                                "n": cell_sizes.users.astype(int)}),
                         max_users=400, floor=10, seed=0,
                         codes=ctx.plan.single_codes(cell_sizes.cells))
    assert rows.sampled and 400 <= len(rows) < memory.n_users
    for column in ("difference", "ratio", "flag", "max_group", "min_group", "se", "statistic"):
        a, b = memory.gaps[column], result.gaps[column]
        if column in ("flag", "max_group", "min_group"):
            assert (a.astype(str) == b.astype(str)).all()
        else:
            assert np.allclose(a.to_numpy(float), b.to_numpy(float), atol=1e-9, equal_nan=True)
    assert np.allclose(memory.groups["mean"], result.groups["mean"], atol=1e-9, equal_nan=True)
    sample = pd.DataFrame(rows.values, columns=list(USER_METRICS))
    sample["group"] = ctx.plan.single_codes(rows.cells)[:, 0]  # gender
    gender = memory.users["gender"].value_counts()
    assert (sample["group"].value_counts().to_numpy() >= np.minimum(gender.to_numpy(), 10)).all()
    p = result.gaps["p_value"].dropna()
    assert len(p) > 50 and ((p >= 1 / (N_PERM + 1)) & (p <= 1)).all()
    assert result.users.empty
    assert result.notes[-1].startswith("permutation tests and activity-adjusted gaps on a "
                                       f"stratified sample of {len(rows):,} of 943")
