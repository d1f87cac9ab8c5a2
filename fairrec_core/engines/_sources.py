"""Input tables for the DuckDB engine: a CSV or Parquet file, a folder of them or a glob, or a
pandas DataFrame, scanned by DuckDB without loading it into Python.

A :class:`Scan` is a SQL ``SELECT`` over the source with the columns renamed (a mapping first,
then the same aliases as :mod:`fairrec_core.external`: ``position`` -> ``rank``, ``userid`` ->
``user_id``, ...) plus ``_file`` and ``_row`` (the data row within its file, from 1), so every
check can name the file and the line (CSV: the header is line 1) or row (Parquet) of the first
offending value, in the one-line messages of :mod:`fairrec_core.external`. CSV files are read
as text (``all_varchar``: an id "007" stays "007", as in the in-memory reader); Parquet keeps
its column types. A folder holds ``*.parquet`` / ``*.pq`` or ``*.csv`` files (not both), read in
name order; a glob (``*``, ``?``, ``[``) must match at least one file.
"""

from __future__ import annotations

import glob as globbing
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from fairrec_core.data._values import shown, shown_columns
from fairrec_core.errors import DataError

PARQUET_SUFFIXES = (".parquet", ".pq")
_GLOB = set("*?[")
_counter = iter(range(1 << 62))


@dataclass(frozen=True, eq=False)
class Scan:
    """One scanned source: ``sql`` selects ``columns`` (renamed) plus ``_file`` (the file's
    index in ``files``) and ``_row``; ``fast`` selects the columns alone (no row numbers: the
    cheaper scan for the work that needs no line)."""

    label: str
    kind: str  # "csv", "parquet" or "frame"
    columns: tuple[str, ...]
    types: dict
    sql: str
    fast: str
    files: tuple[str, ...]

    def where(self, file: int, row: int) -> str:
        """``FILE: line N`` (CSV and frames: the header is line 1) or ``FILE: row N``."""
        name = self.label if self.kind == "frame" else self.files[int(file)]
        return f"{name}: row {row}" if self.kind == "parquet" else f"{name}: line {row + 1}"

    def has(self, column: str) -> bool:
        return column in self.columns


def _quote(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + str(name).replace('"', '""') + '"'


def resolve(source, label: str) -> tuple[str, list[str]]:
    """``(kind, files)`` of a path, folder or glob (one-line DataError when nothing fits)."""
    text = str(source)
    if "\x00" in text:
        raise DataError(f"{shown(text, 80)}: a path cannot contain a NUL character")
    path = Path(text)
    if path.is_dir():
        parquet = sorted(str(p) for p in path.iterdir()
                         if p.is_file() and p.suffix.lower() in PARQUET_SUFFIXES)
        csv = sorted(str(p) for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
        if parquet and csv:
            raise DataError(f"{label}: the folder holds both Parquet and CSV files; keep one kind")
        if not parquet and not csv:
            raise DataError(f"{label}: the folder holds no .parquet, .pq or .csv file")
        return ("parquet", parquet) if parquet else ("csv", csv)
    if path.is_file():
        return _kind(text), [text]
    if _GLOB & set(text):
        files = sorted(f for f in globbing.glob(text) if Path(f).is_file())
        if not files:
            raise DataError(f"{label}: the pattern matches no file")
        kinds = {_kind(f) for f in files}
        if len(kinds) > 1:
            raise DataError(f"{label}: the pattern matches both Parquet and CSV files")
        return kinds.pop(), files
    if path.exists():
        raise DataError(f"{label}: not a regular file")
    raise DataError(f"{label}: no such file or folder")


def _kind(file: str) -> str:
    if Path(file).suffix.lower() in PARQUET_SUFFIXES:
        return "parquet"
    try:
        with open(file, "rb") as fh:
            return "parquet" if fh.read(4) == b"PAR1" else "csv"
    except OSError as exc:
        raise DataError(f"{file}: cannot read the file ({exc.strerror or exc})") from None


def _raw_sql(con, source, label: str) -> tuple[str, str, str, list]:
    """``(kind, sql, fast, files)``: every column as stored plus ``_file`` and ``_row``, the
    same without them, and the files read."""
    if isinstance(source, pd.DataFrame):
        name = f"fr_frame_{next(_counter)}"
        con.register(name, source)
        return ("frame", f"SELECT *, 0 AS _file, CAST(row_number() OVER () AS BIGINT) AS _row "
                         f"FROM {name}", f"SELECT * FROM {name}", [label])
    kind, files = resolve(source, label)
    if kind == "parquet":
        parts = [f"SELECT * EXCLUDE (file_row_number), {j} AS _file, CAST(file_row_number + 1 "
                 f"AS BIGINT) AS _row FROM read_parquet({_quote(f)}, file_row_number = true)"
                 for j, f in enumerate(files)]
        listed = ", ".join(_quote(f) for f in files)
        fast = f"SELECT * FROM read_parquet([{listed}], union_by_name = true)"
    else:
        options = "header = true, delim = ',', quote = '\"', escape = '\"', all_varchar = true"
        parts = [f"SELECT *, {j} AS _file, CAST(row_number() OVER () AS BIGINT) AS _row "
                 f"FROM read_csv({_quote(f)}, {options})" for j, f in enumerate(files)]
        listed = ", ".join(_quote(f) for f in files)
        fast = f"SELECT * FROM read_csv([{listed}], {options}, union_by_name = true)"
    return kind, " UNION ALL BY NAME ".join(parts), fast, files


def scan(con, source, *, label: str | None = None, mapping: dict | None = None,
         aliases: dict | None = None) -> Scan:
    """Scan ``source`` (path, folder, glob or DataFrame) with its columns renamed: ``mapping``
    (your name -> fairrec's) first, then ``aliases`` on lower-cased names."""
    import duckdb

    label = label or ("table" if isinstance(source, pd.DataFrame) else str(source))
    kind, raw, fast, files = _raw_sql(con, source, label)
    try:
        described = con.sql(f"DESCRIBE {fast}").fetchall()
    except duckdb.Error as exc:
        raise DataError(f"{label}: cannot read the table ({_first_line(exc)})") from None
    stored = [(r[0], r[1]) for r in described]
    if kind == "csv" and len(stored) == 1:
        first = stored[0][0]
        for sep, word in (("\t", "tab"), (";", "semicolon"), ("|", "pipe")):
            if sep in first:
                raise DataError(f"{label}: line 1: expected comma-separated columns, the header "
                                f"looks {word}-separated")
    mapping, aliases = mapping or {}, aliases or {}
    names, types, select = [], {}, []
    for original, typ in stored:
        target = mapping.get(original) or aliases.get(str(original).lower(), str(original))
        if target in types or target in ("_file", "_row"):
            raise DataError(f"{label}: column {shown(target)} appears twice; every column name "
                            "must be unique (check the column mapping)")
        names.append(target)
        types[target] = typ
        select.append(f"{ident(original)} AS {ident(target)}")
    columns = ", ".join(select)
    return Scan(label, kind, tuple(names), types, f"SELECT {columns}, _file, _row FROM ({raw})",
                f"SELECT {columns} FROM ({fast})", tuple(files))


def _first_line(exc: Exception) -> str:
    text = " ".join(str(exc).split("\n")[:1]).strip()
    return text[:160]


def require(scan_: Scan, columns, *, hint: str = "") -> None:
    """One line naming the first of ``columns`` the scan lacks."""
    for column in columns:
        if not scan_.has(column):
            raise DataError(f"{scan_.label}: missing required column {column!r} (columns: "
                            f"{shown_columns(scan_.columns)}){hint}")


def first_row(con, scan_: Scan, condition: str, *, select: str = "NULL",
              source: str | None = None):
    """``(file, row, value, count)`` of the first row (in file order) of ``source`` (default the
    scan) where ``condition`` holds, or None."""
    query = (f"SELECT _file, _row, {select}, count(*) OVER () FROM ({source or scan_.sql}) "
             f"WHERE {condition} ORDER BY _file, _row LIMIT 1")
    rows = con.sql(query).fetchall()
    return rows[0] if rows else None


def run(con, sql: str, label: str):
    """``con.sql(sql)`` with any DuckDB failure as one DataError line naming ``label``."""
    import duckdb

    try:
        return con.sql(sql)
    except duckdb.Error as exc:
        raise DataError(f"{label}: {_first_line(exc)}") from None


def is_csv_file(source) -> bool:
    """Whether ``source`` names one CSV file (read by the in-memory reader as it always was)."""
    path = Path(str(source))
    return path.is_file() and _kind(str(path)) == "csv"


def read_table(source, *, label: str | None = None) -> pd.DataFrame:
    """The whole table of a path, folder or glob as a DataFrame (CSV as text, Parquet as
    stored; rows in file order), for the in-memory engine's readers."""
    import duckdb

    label = label or str(source)
    con = duckdb.connect(":memory:")
    try:
        _, raw, _, _ = _raw_sql(con, source, label)
        try:
            return con.sql(f"SELECT * EXCLUDE (_file, _row) FROM ({raw}) ORDER BY _file, _row").df()
        except duckdb.Error as exc:
            raise DataError(f"{label}: cannot read the table ({_first_line(exc)})") from None
    finally:
        con.close()
