"""Recommendation lists for the DuckDB engine: the checks and the order of
:func:`fairrec_core.external.read_recommendations`, in SQL.

The checks, in the in-memory order: ``user_id`` and ``item_id`` columns, a ``rank`` or a
``score``, at least one row, no empty id, no unknown id, ranks whole numbers from 1, scores
finite, no duplicate (user, item) and no duplicate (user, rank). Each user's rows are ordered by
rank when the file has ranks, else by score (highest first), ties by file order, and numbered
1, 2, ... (the positions; ranks 1, 3, 4 are positions 1, 2, 3). The table
``fr_recs(user, item, pos)`` keeps positions up to k; ``fr_listed(user)`` holds every user with
a list or with test items (those without a list are audited as served with an empty list).
"""

from __future__ import annotations

from dataclasses import dataclass

from fairrec_core.data._values import RANK, VALUE, shown_columns
from fairrec_core.engines._checks import mapped, no_duplicates, no_missing, not_empty, numbers
from fairrec_core.engines._sources import require, run, scan
from fairrec_core.errors import DataError
from fairrec_core.external import LIST_ALIASES


@dataclass(frozen=True)
class ListFacts:
    n_lists: int
    n_listed: int
    score_source: str  # "scores" or "ranks", as ImportedLists.score_source
    warnings: tuple[str, ...]


def read_lists(con, source, *, k: int, label: str | None = None, mapping=None,
               where: str = "the dataset") -> ListFacts:
    """Check ``source`` and create ``fr_recs`` and ``fr_listed`` (see the module docstring)."""
    label = label or str(source)
    s = scan(con, source, label=label, mapping=mapping, aliases=LIST_ALIASES)
    require(s, ("user_id", "item_id"))
    has_rank, has_score = s.has("rank"), s.has("score")
    if not (has_rank or has_score):
        raise DataError(f"{label}: needs a 'rank' or a 'score' column (columns: "
                        f"{shown_columns(s.columns)})")
    not_empty(con, s, "recommendations")
    no_missing(con, s, ("user_id", "item_id"))
    sql = mapped(con, s, where=where, columns={
        "user_id": ("fr_users", "user_id", "user", "_u"),
        "item_id": ("fr_items", "item_id", "item", "_i")})
    rank = numbers(con, s, "rank", RANK) if has_rank else None
    score = numbers(con, s, "score", VALUE) if has_score else None
    key = rank if rank is not None else f"-({score})"
    sql = f"SELECT *, {key} AS _key FROM ({sql})"
    no_duplicates(con, s, sql, ("_u", "_i"), ("user_id", "item_id"))
    if rank is not None:
        no_duplicates(con, s, sql, ("_u", "_key"), ("user_id", "rank"))
    run(con, "CREATE OR REPLACE TABLE fr_lists AS SELECT CAST(_u AS INTEGER) AS user, "
             "CAST(_i AS INTEGER) AS item, CAST(row_number() OVER (PARTITION BY _u ORDER BY "
             f"_key, _file, _row) AS INTEGER) AS pos FROM ({sql})", label)
    con.execute(f"CREATE OR REPLACE TABLE fr_recs AS SELECT * FROM fr_lists WHERE pos <= {int(k)}")
    lengths = con.sql(f"SELECT count(*), count(*) FILTER (WHERE n < {int(k)}) FROM (SELECT "
                      "user, max(pos) AS n FROM fr_lists GROUP BY user)").fetchall()[0]
    con.execute("DROP TABLE fr_lists")
    con.execute("CREATE OR REPLACE TABLE fr_listed AS SELECT DISTINCT user FROM fr_recs UNION "
                "SELECT DISTINCT user FROM fr_test")
    n_lists, short = int(lengths[0]), int(lengths[1])
    n_listed = con.sql("SELECT count(*) FROM fr_listed").fetchall()[0][0]
    warnings = []
    if n_listed > n_lists:
        warnings.append(f"{label}: {n_listed - n_lists} users with test items have no list; they "
                        "are audited as served with an empty list")
    if short:
        warnings.append(f"{label}: {short} of {n_lists} lists are shorter than k={k}; missing "
                        "ranks count as misses")
    return ListFacts(n_lists, int(n_listed), "scores" if has_score else "ranks", tuple(warnings))
