"""Reading delimited text tables with one-line errors that name the file, row and column.

Before pandas sees a file, its size, its number of lines and the width of its first line are
checked against :mod:`fairrec_core.limits`, and a header is parsed on its own: a repeated column
name or an unbalanced quote is refused (pandas would rename ``a,a`` to ``a,a.1`` silently).
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd

from fairrec_core import limits
from fairrec_core.data._values import Range, clipped, shown
from fairrec_core.errors import DataError


def decode(raw: bytes, source: str, encodings=("utf-8",)) -> str:
    """Decode bytes, trying ``encodings`` in order; a DataError names the first bad byte."""
    check_size(len(raw), source)
    err = None
    for enc in encodings:
        try:
            return raw.decode(enc)
        except UnicodeDecodeError as exc:
            err = exc
    line = raw[: err.start].count(b"\n") + 1
    raise DataError(
        f"{source}: line {line}: cannot decode byte 0x{raw[err.start]:02x} "
        f"(expected {' or '.join(encodings)} text)"
    )


def check_size(n_bytes: int, source: str) -> None:
    """Refuse content larger than ``max_file_bytes``."""
    lim = limits.current().max_file_bytes
    if n_bytes > lim:
        raise limits.LimitError(
            f"{source}: {limits.human_bytes(n_bytes)} is over the {limits.human_bytes(lim)} file "
            f"limit ({limits.ENVIRONMENT['max_file_bytes']})"
        )


def check_width(first: str, source: str, sep: str) -> None:
    """Refuse a first line (a header) with more than ``max_columns`` fields, counted before
    any parsing."""
    lim = limits.current()
    width = first.count(sep) + 1
    if width > lim.max_columns:
        raise limits.LimitError(
            f"{source}: {'header' if sep == ',' else 'line 1'} has {width:,} columns; at most "
            f"{lim.max_columns:,} are allowed ({limits.ENVIRONMENT['max_columns']})"
        )


def _check_shape(text: str, source: str, sep: str) -> str:
    """Check the number of lines and the width of the first line; return the first line."""
    lim = limits.current()
    first = text.split("\n", 1)[0].rstrip("\r")
    check_width(first, source, sep)
    rows = text.count("\n") + (not text.endswith("\n"))
    if rows > lim.max_rows + 1:
        raise limits.LimitError(
            f"{source}: {rows:,} lines; at most {lim.max_rows:,} rows are allowed "
            f"({limits.ENVIRONMENT['max_rows']})"
        )
    return first


def parse_header(first: str, source: str) -> list[str]:
    """The column names of a comma-separated header line; refuses an unbalanced quote, an empty
    or repeated name."""
    try:
        fields = next(csv.reader([first], strict=True, skipinitialspace=True))
    except (csv.Error, StopIteration):
        raise DataError(f"{source}: line 1: unbalanced quote in the header") from None
    names = [f.strip() for f in fields]
    seen: dict[str, int] = {}
    for pos, name in enumerate(names, 1):
        if any(ch in name for ch in "\r\n\x00"):
            raise DataError(f"{source}: line 1: column {pos} has a line break or NUL in its name")
        if name in seen:
            raise DataError(
                f"{source}: line 1: column {shown(name)} appears twice (columns {seen[name]} and "
                f"{pos}); every column name must be unique"
            )
        seen[name] = pos
    return names


def read_delimited(
    text: str,
    source: str,
    *,
    sep: str,
    names: list[str] | None = None,
    header: bool = False,
    min_columns: int | None = None,
) -> pd.DataFrame:
    """Parse text into a frame of strings. Without a header, ``names`` name the columns.

    Raises DataError for an empty file or one whose rows have too few fields for ``sep``, a
    LimitError for a file over the row or column limits.
    """
    if not text.strip():
        raise DataError(f"{source}: the file is empty")
    first = _check_shape(text, source, sep)
    header_names = parse_header(first, source) if header else None
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            header=0 if header else None,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            quoting=csv.QUOTE_MINIMAL if sep == "," else csv.QUOTE_NONE,
            engine="c",
            skipinitialspace=sep == ",",
        )
    except pd.errors.ParserError as exc:
        detail = clipped(str(exc).strip().splitlines()[-1], 120)
        raise DataError(f"{source}: cannot parse the file as {_sep_name(sep)} text ({detail})") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{source}: the file is empty") from None
    if not isinstance(frame.index, pd.RangeIndex):  # pandas took extra fields as an index
        raise DataError(
            f"{source}: line {2 if header else 1}: more fields than the "
            f"{frame.shape[1] if header else 'first line'} column(s) of the header"
        )
    needed = min_columns if min_columns is not None else (len(names) if names else 1)
    if frame.shape[1] < needed:
        raise DataError(
            f"{source}: found {frame.shape[1]} column(s) per row, expected {needed} "
            f"{_sep_name(sep)} columns (wrong separator?)"
        )
    if not header and names:
        frame = frame.iloc[:, : len(names)]
        frame.columns = names[: frame.shape[1]]
    if header:
        if len(header_names) != frame.shape[1]:
            raise DataError(f"{source}: line 1: cannot read the header (unbalanced quote?)")
        frame.columns = header_names
    return frame


def numeric_column(
    frame: pd.DataFrame, col: str, source: str, *, first_line: int, integer: bool = False,
    what: str = "a number", valid: Range | None = None,
) -> np.ndarray:
    """Convert a string column to numbers; a DataError names the first bad row and value.

    Every value must be finite and, with ``valid``, inside its range (whole numbers when the
    range or ``integer`` says so). Empty cells are NaN (an error with ``integer``)."""
    raw = frame[col]
    values = pd.to_numeric(raw, errors="coerce")
    arr = values.to_numpy(np.float64, na_value=np.nan)
    present = raw.notna().to_numpy()
    nan = np.isnan(arr)
    integer = integer or (valid is not None and valid.integer)
    bad = nan & present  # text that is not a number (including "nan")
    bad |= np.isinf(arr)
    expected = what
    if valid is not None:
        bad |= ~nan & ((arr < valid.lo) | (arr > valid.hi))
        expected = f"{what}, {valid.describe()}"
    if integer:
        bad |= ~nan & np.isfinite(arr) & (arr != np.round(arr))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{source}: line {row + first_line}: column {col!r} has {shown(raw.iloc[row])}, "
            f"expected {expected}"
        )
    if integer:
        if nan.any():
            row = int(np.flatnonzero(nan)[0])
            raise DataError(f"{source}: line {row + first_line}: column {col!r} is empty, expected {what}")
        if np.abs(arr).max(initial=0) >= 2.0**63:
            row = int(np.flatnonzero(np.abs(arr) >= 2.0**63)[0])
            raise DataError(
                f"{source}: line {row + first_line}: column {col!r} has {shown(raw.iloc[row])}, "
                f"expected {what} that fits 64 bits"
            )
        return arr.astype(np.int64)
    return arr


def _sep_name(sep: str) -> str:
    return {"\t": "tab-separated", ",": "comma-separated", "|": "'|'-separated"}.get(
        sep, f"{sep!r}-separated"
    )
