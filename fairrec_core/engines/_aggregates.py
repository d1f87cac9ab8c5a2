"""Sums over users, taken once per cell by SQL and added up per group in numpy.

A cell is a combination of the single attributes' groups (:mod:`._groups`); every group of
every grouping, and everyone, is a union of cells, so the ``[n_cells, n_columns + 1]`` 0/1
matrix :func:`cell_indicator` turns cell sums into group sums (everyone last). Per cell and
metric: the sum of the values, the sum of squares about ``shift`` (the overall mean, as the
in-memory engine centres them: ``_simultaneous.centre``) and the number of users with a value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from fairrec_core.audit import USER_METRICS
from fairrec_core.audit._simultaneous import moments
from fairrec_core.engines._sources import ident


@dataclass(frozen=True, eq=False)
class CellSums:
    """Per present cell (``cells``, sorted): users, value sums ``[C, 3m]`` (sums, squares,
    counts) and the popularity lift's sums ``[C, 4]`` (profile sum and count, ARP sum and
    count)."""

    cells: np.ndarray
    users: np.ndarray
    y: np.ndarray
    popularity: np.ndarray


def shift(con) -> np.ndarray:
    """Per metric, the mean over listed users with a value (0 where none)."""
    row = con.sql("SELECT " + ", ".join(f"avg({ident(m)})" for m in USER_METRICS)
                  + " FROM fr_um").fetchall()[0]
    return np.nan_to_num(np.array([np.nan if v is None else v for v in row], dtype=np.float64))


def stacked_sql(s: np.ndarray, weight: str = "") -> str:
    """The aggregate columns of a cell sum: sums, squares about ``s``, counts (``weight``:
    an optional factor, e.g. ``"w * "``)."""
    sums = [f"sum({weight}{ident(m)})" for m in USER_METRICS]
    squares = [f"sum({weight}({ident(m)} - {float(v)!r}::DOUBLE) * ({ident(m)} - {float(v)!r}::DOUBLE))"
               for m, v in zip(USER_METRICS, s, strict=True)]
    if weight:
        counts = [f"sum(CASE WHEN {ident(m)} IS NOT NULL THEN w ELSE 0 END)" for m in USER_METRICS]
    else:
        counts = [f"count({ident(m)})" for m in USER_METRICS]
    return ", ".join(sums + squares + counts)


def cell_sums(con, s: np.ndarray) -> CellSums:
    rows = con.sql(
        f"SELECT cell, count(*), {stacked_sql(s)}, sum(hist_pop), count(hist_pop), sum(arp), "
        "count(arp) FROM fr_um GROUP BY cell ORDER BY cell").fetchall()
    m = len(USER_METRICS)
    table = np.array([[np.nan if v is None else v for v in r] for r in rows],
                     dtype=np.float64).reshape(len(rows), 2 + 3 * m + 4)
    y = np.nan_to_num(table[:, 2:2 + 3 * m])  # a sum over no value is 0
    return CellSums(table[:, 0].astype(np.int64), table[:, 1], y,
                    np.nan_to_num(table[:, 2 + 3 * m:]))


def cell_indicator(plan, cells: np.ndarray) -> sp.csr_matrix:
    """``[n_cells, n_columns + 1]``: 1 where the cell belongs to the group column (everyone
    last)."""
    columns = plan.columns(plan.single_codes(cells))
    n, g = columns.shape
    c = int(plan.offsets[-1])
    full = np.hstack([columns, np.full((n, 1), c)])
    return sp.csr_matrix((np.ones(full.size), full.ravel(), np.arange(n + 1) * (g + 1)),
                         shape=(n, c + 1))


@dataclass(frozen=True, eq=False)
class GroupSums:
    """Per group column and everyone (last row): users, value sums, squares and counts
    (``[c + 1, m]``), the mean and squared standard error (``moments``) and the popularity
    lift's sums."""

    sizes: np.ndarray
    sums: np.ndarray
    squares: np.ndarray
    counts: np.ndarray
    mean: np.ndarray
    se2: np.ndarray
    popularity: np.ndarray


def group_sums(cells: CellSums, indicator: sp.csr_matrix, s: np.ndarray) -> GroupSums:
    m = len(USER_METRICS)
    y = np.asarray(indicator.T @ cells.y)
    sums, squares, counts = y[:, :m], y[:, m:2 * m], y[:, 2 * m:]
    mean, se2 = moments(sums, squares, counts, s)
    return GroupSums(np.asarray(indicator.T @ cells.users), sums, squares, counts, mean, se2,
                     np.asarray(indicator.T @ cells.popularity))


def item_exposure(con, n_items: int) -> tuple[np.ndarray, np.ndarray]:
    """``(exposure, slots)`` per catalogue item (float64, int64)."""
    rows = con.sql("SELECT item, exposure AS e, slots AS n FROM fr_item_exp").fetchnumpy()
    e, n = np.zeros(n_items), np.zeros(n_items, dtype=np.int64)
    items = np.asarray(rows["item"], dtype=np.int64)
    e[items] = np.asarray(rows["e"], dtype=np.float64)
    n[items] = np.asarray(rows["n"], dtype=np.int64)
    return e, n


def value_counts(con, table: str, j: int, cells: np.ndarray, n_values: int) -> sp.csr_matrix:
    """``[n_cells, n_values]``: the counts of ``table`` per cell and value of item attribute
    ``j`` (rows in the order of ``cells``)."""
    rows = con.sql(f"SELECT cell, v{j} AS v, sum(n) AS n FROM {table} GROUP BY cell, v{j}"
                   ).fetchnumpy()
    where = np.searchsorted(cells, np.asarray(rows["cell"], dtype=np.int64))
    return sp.csr_matrix((np.asarray(rows["n"], dtype=np.float64),
                          (where, np.asarray(rows["v"], dtype=np.int64))),
                         shape=(len(cells), n_values))
