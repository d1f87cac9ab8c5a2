"""A model's top-n lists of every user, computed and written to Parquet a batch of users at a
time, so that neither the lists of all users nor a users x items score matrix is ever held: the
file the DuckDB audit engine reads (``audit --engine duckdb --recommendations FILE``)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from fairrec_core.models._base import Recommender
from fairrec_core.models._topn import top_n
from fairrec_core.ranking import RankedLists

#: Users ranked and written per batch (one Parquet row group of ``n`` rows per user).
BATCH_USERS = 100_000


def iter_top_n(model: Recommender, users=None, n: int = 10, *, exclude_seen: bool = True,
               batch_users: int = BATCH_USERS) -> Iterator[RankedLists]:
    """:func:`top_n` of ``users`` (all users when None), ``batch_users`` users at a time."""
    model._check_fitted()
    users = np.arange(model.n_users_) if users is None else model._check_users(users)
    step = max(1, int(batch_users))
    for start in range(0, max(1, len(users)), step):  # no users: one empty batch
        yield top_n(model, users[start : start + step], n, exclude_seen=exclude_seen)


def write_lists(model: Recommender, data, file, *, n: int = 10, users=None,
                exclude_seen: bool = True, batch_users: int = BATCH_USERS, each=None) -> int:
    """Write ``user_id, rank, item_id, score`` (original ids of ``data``, ranks from 1, padding
    left out) of every user's top ``n`` to ``file`` (a path or a binary file object) as
    Parquet, one row group per batch of users; returns the number of rows written.
    ``each``, if given, is called with every batch's :class:`RankedLists` (e.g. to evaluate
    the lists while they are written)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer, empty = None, None
    rows = 0
    try:
        for lists in iter_top_n(model, users, n, exclude_seen=exclude_seen,
                                batch_users=batch_users):
            if each is not None:
                each(lists)
            table = pa.Table.from_pandas(lists.to_frame(data), preserve_index=False)
            if table.num_rows == 0:  # all padding: its id columns have no type to fix
                empty = table
                continue
            if writer is None:
                writer = pq.ParquetWriter(file, table.schema)
            writer.write_table(table.cast(writer.schema))
            rows += table.num_rows
        if writer is None:  # no user has a list: still a (row-less) Parquet file
            writer = pq.ParquetWriter(file, empty.schema)
    finally:
        if writer is not None:
            writer.close()
    return rows
