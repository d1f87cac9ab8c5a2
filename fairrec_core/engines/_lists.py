"""Recommendation lists for the DuckDB engine: the checks and the order of
:func:`fairrec_core.external.read_recommendations`, in SQL.

The checks, in the in-memory order: ``user_id`` and ``item_id`` columns, a ``rank`` or a
``score``, at least one row, no empty id, no unknown id, ranks whole numbers from 1, scores
finite, no duplicate (user, item) and no duplicate (user, rank). Each user's rows are ordered by
rank when the file has ranks, else by score (highest first), ties by file order, and numbered
1, 2, ... (the positions; ranks 1, 3, 4 are positions 1, 2, 3). The table
``fr_recs(user, item, pos)`` keeps positions up to k (every user with a list or with test items
is audited: those without a list as served with an empty list).

Fast paths, with the same outcome: the ids are mapped once into a table and every check is
first one count over it; only when a count is not 0 does the check that finds the first
offending line (in file order) run. Duplicate pairs are found by comparing each row with the
previous one in (user, item) order. Where every user's ranks are exactly 1 .. n (n <= 62: the
ranks' bits ``1 << (rank - 1)`` OR-ed per user give ``2^n - 1``, n distinct ranks), the ranks
are the positions and no row has to be sorted.
"""

from __future__ import annotations

from dataclasses import dataclass

from fairrec_core.data._values import RANK, VALUE, shown_columns
from fairrec_core.engines._checks import mapped, no_duplicates, no_missing, not_empty, numbers
from fairrec_core.engines._sources import ident, require, run, scan
from fairrec_core.errors import DataError
from fairrec_core.external import LIST_ALIASES

#: The longest lists the bit test of contiguous ranks covers.
BIT_RANKS = 62


@dataclass(frozen=True)
class ListFacts:
    n_lists: int
    score_source: str  # "scores" or "ranks", as ImportedLists.score_source
    short: int  # lists shorter than k
    label: str


def _valid_number(value: str, valid) -> str:
    """SQL: ``value`` is empty, not finite, outside ``valid`` or (ranks) not whole."""
    bad = (f"{value} IS NULL OR NOT isfinite({value}) OR {value} < {valid.lo!r} "
           f"OR {value} > {valid.hi!r}")
    return f"{bad} OR {value} <> round({value})" if valid.integer else bad


def _check(con, s, label, where, has_rank, has_score) -> str:
    """Map the ids into ``fr_scan(_u, _i, _key[, _file, _row])`` and run every check; returns
    the SQL of the scan with line numbers and ``_key`` (for the first-offender queries)."""
    ids = {"user_id": ("fr_users", "user_id", "user", "_u"),
           "item_id": ("fr_items", "item_id", "item", "_i")}
    rank = f"TRY_CAST({ident('rank')} AS DOUBLE)" if has_rank else "NULL::DOUBLE"
    score = f"TRY_CAST({ident('score')} AS DOUBLE)" if has_score else "NULL::DOUBLE"
    key = rank if has_rank else f"-({score})"
    faults = ["user_id IS NULL OR item_id IS NULL", "_u IS NULL OR _i IS NULL"]
    if has_rank:
        faults.append(_valid_number(rank, RANK))
    if has_score:
        faults.append(_valid_number(score, VALUE))
    # with ranks, no tie is left to break: the cheaper scan without line numbers will do
    lines = "" if has_rank else ", _file, _row"
    source = mapped(con, s, where=where, check=False, columns=ids,
                    source=s.fast if has_rank else s.sql)
    run(con, f"CREATE OR REPLACE TEMP TABLE fr_scan AS SELECT CAST(_u AS INTEGER) AS _u, "
             f"CAST(_i AS INTEGER) AS _i, {key} AS _key{lines}, "
             f"({' OR '.join(f'({c})' for c in faults)}) AS _bad FROM ({source})", label)
    if con.sql("SELECT count(*) FILTER (WHERE _bad) FROM fr_scan").fetchall()[0][0]:
        no_missing(con, s, ("user_id", "item_id"))  # the first offending line, in the
        mapped(con, s, where=where, columns=ids)  # in-memory order of the checks
        if has_rank:
            numbers(con, s, "rank", RANK)
        if has_score:
            numbers(con, s, "score", VALUE)
    detailed = mapped(con, s, where=where, check=False, columns=ids)
    return f"SELECT *, {key} AS _key FROM ({detailed})"


def _duplicates(con, s, sql: str, has_rank: bool, k: int):
    """Refuse duplicate pairs; ``(ranks are positions, lists, lists shorter than k)`` (the
    counts where the bit test of contiguous ranks answered, else None)."""
    dup = con.sql("SELECT count(*) FROM (SELECT _i, lag(_i) OVER (PARTITION BY _u ORDER BY _i) "
                  "AS _p FROM fr_scan) WHERE _p = _i").fetchall()[0][0]
    if dup:
        no_duplicates(con, s, sql, ("_u", "_i"), ("user_id", "item_id"))
    if not has_rank:
        return False, None, None
    irregular, n_lists, short = con.sql(
        f"SELECT count(*) FILTER (WHERE n > {BIT_RANKS} OR bits <> ((1::BIGINT << n) - 1)), "
        f"count(*), count(*) FILTER (WHERE n < {int(k)}) FROM (SELECT _u, count(*) AS n, "
        f"bit_or(1::BIGINT << (CAST(least(_key, {BIT_RANKS + 1}) AS INTEGER) - 1)) AS bits "
        "FROM fr_scan GROUP BY _u)").fetchall()[0]
    if not irregular:
        return True, int(n_lists), int(short)
    dup = con.sql("SELECT count(*) FROM (SELECT _key, lag(_key) OVER (PARTITION BY _u ORDER BY "
                  "_key) AS _p FROM fr_scan) WHERE _p = _key").fetchall()[0][0]
    if dup:
        no_duplicates(con, s, sql, ("_u", "_key"), ("user_id", "rank"))
    return False, None, None


def read_lists(con, source, *, k: int, label: str | None = None, mapping=None,
               where: str = "the dataset") -> ListFacts:
    """Check ``source`` and create ``fr_recs`` (see the module docstring)."""
    label = label or str(source)
    s = scan(con, source, label=label, mapping=mapping, aliases=LIST_ALIASES)
    require(s, ("user_id", "item_id"))
    has_rank, has_score = s.has("rank"), s.has("score")
    if not (has_rank or has_score):
        raise DataError(f"{label}: needs a 'rank' or a 'score' column (columns: "
                        f"{shown_columns(s.columns)})")
    not_empty(con, s, "recommendations")
    sql = _check(con, s, label, where, has_rank, has_score)
    ranks_are_positions, n_lists, short = _duplicates(con, s, sql, has_rank, k)
    small = "SMALLINT" if k < 32_000 else "INTEGER"
    if ranks_are_positions:  # no row to sort
        run(con, f"CREATE OR REPLACE TEMP TABLE fr_recs AS SELECT _u AS user, _i AS item, "
                 f"CAST(_key AS {small}) AS pos FROM fr_scan WHERE _key <= {int(k)}", label)
    else:
        order = "_key" if has_rank else "_key, _file, _row"
        run(con, "CREATE OR REPLACE TEMP TABLE fr_lists AS SELECT _u AS user, _i AS item, "
                 f"row_number() OVER (PARTITION BY _u ORDER BY {order}) AS pos FROM fr_scan",
            label)
        n_lists, short = con.sql(f"SELECT count(*), count(*) FILTER (WHERE n < {int(k)}) FROM "
                                 "(SELECT user, max(pos) AS n FROM fr_lists GROUP BY user)"
                                 ).fetchall()[0]
        con.execute(f"CREATE OR REPLACE TEMP TABLE fr_recs AS SELECT user, item, CAST(pos AS "
                    f"{small}) AS pos FROM fr_lists WHERE pos <= {int(k)} ORDER BY user")
        con.execute("DROP TABLE fr_lists")
    con.execute("DROP TABLE fr_scan")
    return ListFacts(int(n_lists), "scores" if has_score else "ranks", int(short), label)


def warnings(facts: ListFacts, n_listed: int, k: int) -> tuple[str, ...]:
    """``read_recommendations``' warnings: users with test items but no list, short lists."""
    out = []
    if n_listed > facts.n_lists:
        out.append(f"{facts.label}: {n_listed - facts.n_lists} users with test items have no "
                   "list; they are audited as served with an empty list")
    if facts.short:
        out.append(f"{facts.label}: {facts.short} of {facts.n_lists} lists are shorter than "
                   f"k={k}; missing ranks count as misses")
    return tuple(out)
