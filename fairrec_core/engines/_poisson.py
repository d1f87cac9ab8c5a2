"""The Poisson bootstrap with hashed per-user weights (Hanley & MacGibbon 2006; Chamandy et al.
2012, "Estimating uncertainty for massive data streams").

Resample ``b`` gives user ``u`` the weight ``w(u, b) ~ Poisson(1)``, drawn by inverting the
Poisson CDF at a 32-bit hash of ``(u, b, seed)``: no resampled copy of the data exists, every
user's weights are known without looking at any other user, so the replicate sums
``sum_u w(u, b) x_u`` of every group are one parallel, out-of-core aggregation (SQL here). The
multinomial bootstrap of the in-memory engine draws exactly n users per resample; the Poisson
bootstrap's resample size is random (mean n), which changes the replicates of a mean by a
factor 1 + O(1/n) in spread (the two agree to Monte-Carlo error for the audit's group sizes).

The hash (also in numpy, :func:`weights`, so the SQL can be checked value for value): with
``fmix`` the 32-bit finaliser of MurmurHash3, ``a_u = fmix(u * C1 + seed * C3 mod 2^32)`` and
``h(u, b) = fmix(a_u + b * C2 mod 2^32)``; ``w = #{j : T_j <= h}`` with ``T_j =
ceil(P(W <= j) 2^32)``, W ~ Poisson(1).
"""

from __future__ import annotations

import math

import numpy as np

MASK = 0xFFFFFFFF
C1, C2, C3 = 0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D
F1, F2 = 0x85EBCA6B, 0xC2B2AE35
#: Weights above this have probability below 2^-32 and are not drawn.
MAX_WEIGHT = 13


def thresholds() -> tuple[int, ...]:
    """``T_j = ceil(P(W <= j) * 2^32)`` for j = 0 .. MAX_WEIGHT - 1."""
    out, cdf, term = [], 0.0, math.exp(-1.0)
    for j in range(MAX_WEIGHT):
        cdf += term
        term /= j + 1
        out.append(min(math.ceil(cdf * 2**32), 2**32))
    return tuple(out)


def _fmix_np(x: np.ndarray) -> np.ndarray:
    """``fmix`` on uint32 arrays (numpy's uint32 products wrap modulo 2^32), in place."""
    x ^= x >> np.uint32(16)
    x *= np.uint32(F1)
    x ^= x >> np.uint32(13)
    x *= np.uint32(F2)
    x ^= x >> np.uint32(16)
    return x


def user_keys(users: np.ndarray, seed: int) -> np.ndarray:
    """``a_u`` of each user index (uint32)."""
    u = np.asarray(users, dtype=np.int64).astype(np.uint32)
    return _fmix_np(u * np.uint32(C1) + np.uint32((int(seed) * C3) & MASK))


def weights(users: np.ndarray, n_resamples: int, seed: int) -> np.ndarray:
    """``[n_resamples, n_users]`` Poisson(1) weights (float64) of ``users`` (indices), as the
    SQL draws them."""
    keys = user_keys(users, seed)
    steps = np.arange(n_resamples, dtype=np.uint32) * np.uint32(C2)
    h = _fmix_np(keys[None, :] + steps[:, None])
    out = np.zeros(h.shape, dtype=np.float64)
    for t in thresholds():
        if t >= 2**32:
            break
        out += h >= np.uint32(t)
    return out


def _fmix_sql(x: str) -> list[str]:
    """The steps of ``fmix`` as successive column definitions over column ``x``."""
    return [f"xor({x}, {x} >> 16)",
            f"({{p}} * {F1}::UBIGINT) & {MASK}::UBIGINT",
            "xor({p}, {p} >> 13)",
            f"({{p}} * {F2}::UBIGINT) & {MASK}::UBIGINT",
            "xor({p}, {p} >> 16)"]


def weighted_sql(source: str, *, n_resamples: int, seed: int, dialect: str = "duckdb") -> str:
    """``source`` (a SELECT with an integer ``user`` column) crossed with the resamples
    ``b = 0 .. n_resamples - 1``, with each row's Poisson weight ``w``; rows of weight 0 are
    left out. ``dialect="spark"``: the same hash in Spark SQL (:func:`_spark_weighted_sql`)."""
    if dialect == "spark":
        return _spark_weighted_sql(source, n_resamples=n_resamples, seed=seed)
    if dialect != "duckdb":
        raise ValueError(f"poisson: unknown SQL dialect {dialect!r}")
    seed_term = (int(seed) * C3) & MASK
    sql = (f"SELECT *, (((CAST(user AS UBIGINT) * {C1}::UBIGINT) & {MASK}::UBIGINT) + "
           f"{seed_term}::UBIGINT) & {MASK}::UBIGINT AS _k0 FROM ({source})")
    prev = "_k0"
    for i, step in enumerate(_fmix_sql("_k0")):
        text = step.format(p=prev) if i else step
        sql = f"SELECT * EXCLUDE ({prev}), {text} AS _k{i + 1} FROM ({sql})"
        prev = f"_k{i + 1}"
    sql = (f"SELECT s.* EXCLUDE ({prev}), r.b, (s.{prev} + ((CAST(r.b AS UBIGINT) * "
           f"{C2}::UBIGINT) & {MASK}::UBIGINT)) & {MASK}::UBIGINT AS _h0 FROM ({sql}) s "
           f"CROSS JOIN range({int(n_resamples)}) r(b)")
    prev = "_h0"
    for i, step in enumerate(_fmix_sql("_h0")):
        text = step.format(p=prev) if i else step
        sql = f"SELECT * EXCLUDE ({prev}), {text} AS _h{i + 1} FROM ({sql})"
        prev = f"_h{i + 1}"
    count = " + ".join(f"CAST({prev} >= {t}::UBIGINT AS INTEGER)" for t in thresholds())
    return f"SELECT * FROM (SELECT * EXCLUDE ({prev}), {count} AS w FROM ({sql})) WHERE w > 0"


def _mul32(x: str, c: int) -> str:
    """``x * c mod 2^32`` for ``0 <= x, c < 2^32`` in signed 64-bit arithmetic without
    overflow: ``c = hi * 2^16 + lo``, ``x * c = x * lo + ((x * hi) mod 2^16) * 2^16 (mod
    2^32)``, every product below 2^48."""
    lo, hi = c & 0xFFFF, c >> 16
    return f"((({x}) * {lo} + ((({x}) * {hi}) & 65535) * 65536) & {MASK})"


def _fmix_spark(x: str) -> str:
    x = f"(({x}) ^ shiftright({x}, 16))"
    x = _mul32(x, F1)
    x = f"(({x}) ^ shiftright({x}, 13))"
    x = _mul32(x, F2)
    return f"(({x}) ^ shiftright({x}, 16))"


def _spark_weighted_sql(source: str, *, n_resamples: int, seed: int) -> str:
    """:func:`weighted_sql` in Spark SQL (BIGINT, no unsigned type): each fmix step a column of
    its own SELECT so the text stays linear; the helper columns ``_k``, ``_h`` stay in the
    result (Spark SQL has no ``* EXCLUDE``)."""
    seed_term = (int(seed) * C3) & MASK
    sql = (f"SELECT s.*, ({_mul32('CAST(s.user AS BIGINT)', C1)} + {seed_term}) & {MASK} "
           f"AS _k0 FROM ({source}) s")
    sql = f"SELECT t.*, {_fmix_spark('t._k0')} AS _k FROM ({sql}) t"
    sql = (f"SELECT t.*, r.b, (t._k + {_mul32('CAST(r.b AS BIGINT)', C2)}) & {MASK} AS _h0 "
           f"FROM ({sql}) t CROSS JOIN (SELECT id AS b FROM range({int(n_resamples)})) r")
    sql = f"SELECT t.*, {_fmix_spark('t._h0')} AS _h FROM ({sql}) t"
    count = " + ".join(f"CAST(t._h >= {t} AS INT)" for t in thresholds() if t < 2**32)
    return f"SELECT * FROM (SELECT t.*, {count} AS w FROM ({sql}) t) WHERE w > 0"
