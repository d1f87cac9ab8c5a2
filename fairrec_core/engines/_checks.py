"""The checks of :mod:`fairrec_core.external` as SQL over a :class:`~._sources.Scan`: missing and
unknown ids, duplicate pairs, rank and score values — each failure one line naming the file, the
line (CSV) or row (Parquet) of the first offending row, the value and how many rows share the
fault. Ids are matched as the in-memory reader matches them: as text with the file's spaces
trimmed, or as integers when both columns are integer-typed (the same matches, faster)."""

from __future__ import annotations

from fairrec_core.data._values import Range, shown
from fairrec_core.engines._sources import Scan, first_row, ident, run
from fairrec_core.errors import DataError

INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
                 "USMALLINT", "UINTEGER", "UBIGINT"}


def id_keys(column_type, vocab_type, column: str, vocab: str) -> tuple[str, str]:
    """The join keys of a file's id column and a vocabulary's id column."""
    if str(column_type).upper() in INTEGER_TYPES and str(vocab_type).upper() in INTEGER_TYPES:
        return f"CAST({column} AS BIGINT)", f"CAST({vocab} AS BIGINT)"
    return f"trim(CAST({column} AS VARCHAR))", f"CAST({vocab} AS VARCHAR)"


def vocab_type(con, table: str, column: str):
    """The DuckDB type of ``table.column``."""
    return {r[0]: r[1] for r in con.sql(f"DESCRIBE {table}").fetchall()}[column]


def no_missing(con, scan: Scan, columns, *, what: str = "") -> None:
    """``FILE: line N: missing user_id`` for the first empty id."""
    for column in columns:
        hit = first_row(con, scan, f"{ident(column)} IS NULL")
        if hit:
            raise DataError(f"{scan.where(hit[0], hit[1])}: missing {column}{what}")


def not_empty(con, scan: Scan, what: str) -> None:
    if run(con, f"SELECT count(*) FROM ({scan.sql})", scan.label).fetchall()[0][0] == 0:
        raise DataError(f"{scan.label}: no {what} (the file has a header but no rows)")


def mapped(con, scan: Scan, *, columns: dict, where: str = "the dataset",
           rows: str = "rows", check: bool = True, source: str | None = None) -> str:
    """A SELECT of the scan (``source``: its ``fast`` form or another, default its ``sql``)
    with one index column per id column (``columns``: id column -> ``(vocabulary table, its id
    column, its index column, new name)``), after refusing (``check``) the first id the
    vocabulary does not hold."""
    joins, picks = [], []
    for n, (column, (table, vocab_id, index, name)) in enumerate(columns.items()):
        a, b = id_keys(scan.types[column], vocab_type(con, table, vocab_id),
                       f"s.{ident(column)}", f"v{n}.{ident(vocab_id)}")
        joins.append(f"LEFT JOIN {table} v{n} ON {a} = {b}")
        picks.append(f"v{n}.{ident(index)} AS {ident(name)}")
    sql = (f"SELECT s.*, {', '.join(picks)} FROM ({source or scan.sql}) s "
           f"{' '.join(joins)}")
    if not check:
        return sql
    for column, (_, _, _, name) in columns.items():
        hit = first_row(con, scan, f"{ident(name)} IS NULL", select=ident(column), source=sql)
        if hit:
            raise DataError(f"{scan.where(hit[0], hit[1])}: {column} {shown(hit[2])} is not in "
                            f"{where} ({hit[3]} {rows} name unknown {column}s)")
    return sql


def no_duplicates(con, scan: Scan, source: str, keys: tuple[str, str], shown_as: tuple[str, str]):
    """``FILE: line N: duplicate (user_id, item_id) ('1', '7'); each must appear once`` for the
    first row repeating an earlier row's ``keys`` (cheap when there is none: one GROUP BY)."""
    a, b = (ident(k) for k in keys)
    any_dup = run(con, f"SELECT 1 FROM ({source}) GROUP BY {a}, {b} HAVING count(*) > 1 LIMIT 1",
                  scan.label).fetchall()
    if not any_dup:
        return
    sa, sb = (ident(s) for s in shown_as)
    ranked = (f"SELECT *, row_number() OVER (PARTITION BY {a}, {b} ORDER BY _file, _row) AS _n "
              f"FROM ({source})")
    hit = first_row(con, scan, "_n > 1", select=f"{sa}, {sb}", source=ranked)
    raise DataError(f"{scan.where(hit[0], hit[1])}: duplicate (user_id, {shown_as[1]}) "
                    f"({shown(hit[2])}, {shown(hit[3])}); each must appear once")


def numbers(con, scan: Scan, column: str, valid: Range) -> str:
    """The column as DOUBLE after refusing the first value that is empty, not a number (not a
    whole number for ranks) or outside ``valid`` (the messages of ``external._numbers``)."""
    c = ident(column)
    value = f"TRY_CAST({c} AS DOUBLE)"
    bad = (f"{value} IS NULL OR NOT isfinite({value}) OR {value} < {valid.lo!r} "
           f"OR {value} > {valid.hi!r}")
    if valid.integer:
        bad += f" OR {value} <> round({value})"
    hit = first_row(con, scan, bad, select=f"{c}, {value}")
    if hit:
        where = scan.where(hit[0], hit[1])
        if hit[2] is None:
            raise DataError(f"{where}: {column} is empty")
        number = hit[3]
        if number is None or number != number:
            expected = "is not a whole number" if valid.integer else "is not a number"
        else:
            expected = f"must be {valid.describe()}"
        raise DataError(f"{where}: {column} {shown(hit[2])} {expected}")
    return value



def map_into(con, scan: Scan, table: str, *, columns: dict, where: str = "the dataset",
             rows: str = "rows", what: str = "", keep: str = "") -> None:
    """``table`` with the index columns of :func:`mapped` (and the SQL expressions ``keep``),
    from the cheap scan; only when an id is missing or unknown do the checks that name the
    first offending line run (and raise)."""
    names = [spec[3] for spec in columns.values()]
    faults = " OR ".join([f"{ident(c)} IS NULL" for c in columns] +
                         [f"{ident(n)} IS NULL" for n in names])
    source = mapped(con, scan, where=where, check=False, columns=columns, source=scan.fast)
    picks = ", ".join([f"CAST({ident(n)} AS INTEGER) AS {ident(n)}" for n in names]
                      + ([keep] if keep else []))
    run(con, f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {picks}, ({faults}) AS _bad "
             f"FROM ({source})", scan.label)
    if con.sql(f"SELECT count(*) FILTER (WHERE _bad) FROM {table}").fetchall()[0][0]:
        no_missing(con, scan, tuple(columns), what=what)
        mapped(con, scan, where=where, rows=rows, columns=columns)
    con.execute(f"ALTER TABLE {table} DROP COLUMN _bad")


def has_repeats(con, table: str, a: str, b: str) -> bool:
    """Whether two rows of ``table`` share ``(a, b)`` (each row against the previous one in
    ``(a, b)`` order: a sort within each ``a``, cheaper than grouping every pair)."""
    return bool(con.sql(f"SELECT count(*) FROM (SELECT {b}, lag({b}) OVER (PARTITION BY {a} "
                        f"ORDER BY {b}) AS _p FROM {table}) WHERE _p = {b}").fetchall()[0][0])
