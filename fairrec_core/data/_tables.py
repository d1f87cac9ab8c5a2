"""Reading delimited text tables with one-line errors that name the file, row and column."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd

from fairrec_core.errors import DataError


def decode(raw: bytes, source: str, encodings=("utf-8",)) -> str:
    """Decode bytes, trying ``encodings`` in order; a DataError names the first bad byte."""
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

    Raises DataError for an empty file or one whose rows have too few fields for ``sep``.
    """
    if not text.strip():
        raise DataError(f"{source}: the file is empty")
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
        raise DataError(f"{source}: cannot parse the file as {_sep_name(sep)} text ({str(exc).strip().splitlines()[-1]})") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{source}: the file is empty") from None
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
        frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def numeric_column(
    frame: pd.DataFrame, col: str, source: str, *, first_line: int, integer: bool = False,
    what: str = "a number",
) -> np.ndarray:
    """Convert a string column to numbers; a DataError names the first bad row and value."""
    values = pd.to_numeric(frame[col], errors="coerce")
    bad = values.isna() & frame[col].notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"{source}: line {row + first_line}: column {col!r} has {frame[col].iloc[row]!r}, "
            f"expected {what}"
        )
    if integer:
        if values.isna().any():
            row = int(np.flatnonzero(values.isna().to_numpy())[0])
            raise DataError(f"{source}: line {row + first_line}: column {col!r} is empty, expected {what}")
        arr = values.to_numpy(np.float64)
        if not np.all(arr == np.round(arr)):
            row = int(np.flatnonzero(arr != np.round(arr))[0])
            raise DataError(
                f"{source}: line {row + first_line}: column {col!r} has {frame[col].iloc[row]!r}, "
                f"expected {what}"
            )
        return arr.astype(np.int64)
    return values.to_numpy(np.float64)


def _sep_name(sep: str) -> str:
    return {"\t": "tab-separated", ",": "comma-separated", "|": "'|'-separated"}.get(
        sep, f"{sep!r}-separated"
    )
