"""Per-user rows brought into memory for what needs them: the permutation tests and the
activity-adjusted gaps (and the ``users`` table of the result).

Up to ``max_users`` listed users every row is read, so these parts are exactly the in-memory
engine's (same rows in the same order, same random stream). Above, a **proportionate
stratified sample** of ``max_users`` rows is read: the strata are the cells (every combination
of the audited attributes' groups); a cell of ``n_c`` users keeps ``round(n_c * max_users / n)``
of them (largest remainders), raised where a group of a single attribute would keep fewer than
``min(n_g, floor)`` users (``floor``: the minimum group size, so that no compared group
vanishes; its cells then keep the share ``floor / n_g``); the users of a cell are taken in the
order of a hash of their index and the seed. The permutation p-values are then those of the test on the sample
(they keep their validity: under no difference the labels stay exchangeable within the
sample; they lose some power, and their Monte-Carlo error is reported as everywhere, sqrt(p (1 -
p) / B)), while the studentised permutation distribution of max |t|, nearly free of the
sample size, still gives the critical value of the simultaneous intervals, which are taken around
the full data's differences with the full data's standard errors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from fairrec_core.audit import USER_METRICS
from fairrec_core.engines._sources import ident

#: Rows read for the permutation tests and adjusted gaps before a sample is taken instead.
MAX_USERS = 100_000


@dataclass(frozen=True, eq=False)
class Rows:
    users: np.ndarray  # int64 user indices, ascending
    user_ids: np.ndarray
    n_test: np.ndarray
    n_hist: np.ndarray
    values: np.ndarray  # float64 [n, m]
    cells: np.ndarray
    sampled: bool
    of: int  # listed users the rows are (a sample) of

    def __len__(self) -> int:
        return len(self.users)


def quotas(sizes: np.ndarray, target: int, floor: int,
           codes: np.ndarray | None = None) -> np.ndarray:
    """Rows kept per cell (see the module docstring): ``sizes`` users per cell, ``codes``
    ``[n_cells, n_attributes]`` the cells' single-attribute groups."""
    sizes = np.asarray(sizes, dtype=np.int64)
    total = int(sizes.sum())
    if total <= target:
        return sizes.copy()
    share = sizes * (target / total)
    keep = np.floor(share).astype(np.int64)
    short = target - int(keep.sum())
    if short > 0:
        keep[np.argsort(-(share - keep), kind="stable")[:short]] += 1
    codes = np.zeros((len(sizes), 0), dtype=np.int64) if codes is None else np.asarray(codes)
    for j in range(codes.shape[1]):  # every group keeps at least min(its users, floor)
        n_g = np.bincount(codes[:, j], weights=sizes).astype(np.int64)
        k_g = np.bincount(codes[:, j], weights=keep).astype(np.int64)
        need = np.minimum(n_g, floor)
        short_g = k_g < need
        if short_g.any():
            cells = short_g[codes[:, j]]
            scale = need[codes[cells, j]] / np.maximum(n_g[codes[cells, j]], 1)
            keep[cells] = np.maximum(keep[cells], np.ceil(sizes[cells] * scale).astype(np.int64))
    return np.minimum(keep, sizes)


def read_rows(con, cell_sizes: pd.DataFrame | None = None, *, max_users: int = MAX_USERS,
              floor: int = 10, seed: int = 0, codes: np.ndarray | None = None) -> Rows:
    """All listed users' rows, or the stratified sample above ``max_users`` (``cell_sizes``:
    ``cell`` and ``n`` per present cell, ``codes`` their single-attribute groups)."""
    n_listed = con.sql("SELECT count(*) FROM fr_um").fetchall()[0][0]
    metrics = ", ".join(f"u.{ident(m)}" for m in USER_METRICS)
    source = "fr_um"
    sampled = n_listed > max_users
    if sampled:
        sizes = cell_sizes["n"].to_numpy()
        keep = quotas(sizes, int(max_users), int(floor), codes)
        share = np.minimum(1.0, 1.2 * keep / np.maximum(sizes, 1) + 8.0 * np.sqrt(
            np.maximum(keep, 1)) / np.maximum(sizes, 1))  # > the quota's share by 8 sd
        cut = np.where(share >= 1.0, np.iinfo(np.uint64).max, np.floor(share * 2.0**64))
        con.register("fr_quota_frame", pd.DataFrame({
            "cell": cell_sizes["cell"].to_numpy(), "quota": keep,
            "cut": cut.astype(np.float64)}))
        # a cell's first users in the order of the hash: a generous share of them is kept
        # first by the hash value itself (no sort of every user), then the first ones counted
        hashed = f"hash(user, {int(seed)})"
        source = (f"(SELECT s.* FROM (SELECT u.*, row_number() OVER (PARTITION BY u.cell ORDER "
                  f"BY {hashed}, u.user) AS _r FROM fr_um u JOIN fr_quota_frame q ON q.cell = "
                  f"u.cell WHERE {hashed} <= q.cut) s JOIN fr_quota_frame q ON q.cell = s.cell "
                  "WHERE s._r <= q.quota)")
    frame = con.sql(f"SELECT u.user, u.user_id, u.n_test, u.n_hist, u.cell, {metrics} FROM "
                    f"{source} u ORDER BY u.user").df()
    if sampled:
        con.unregister("fr_quota_frame")
    values = frame[list(USER_METRICS)].to_numpy(dtype=np.float64, na_value=np.nan)
    return Rows(frame["user"].to_numpy(np.int64), frame["user_id"].to_numpy(),
                frame["n_test"].to_numpy(np.int64), frame["n_hist"].to_numpy(np.int64),
                values, frame["cell"].to_numpy(np.int64), sampled, int(n_listed))


def numeric_columns(con, users: np.ndarray, names) -> np.ndarray:
    """``[n, len(names)]`` numeric user columns (covariates) of ``users``."""
    if not names:
        return np.zeros((len(users), 0))
    con.register("fr_rows_frame", pd.DataFrame({"user": users.astype(np.int32)}))
    cols = ", ".join(f"n.{ident(c)}" for c in names)
    frame = con.sql(f"SELECT r.user, {cols} FROM fr_rows_frame r LEFT JOIN fr_user_numeric n "
                    "ON n.user = r.user ORDER BY r.user").df()
    con.unregister("fr_rows_frame")
    return frame[list(names)].to_numpy(dtype=np.float64, na_value=np.nan)
