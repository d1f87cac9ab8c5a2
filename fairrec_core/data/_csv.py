"""Your own CSVs: ``interactions.csv`` (required) plus optional ``users.csv`` and ``items.csv``.

Column names are matched after applying a mapping from your names to fairrec's
(``{"sex": "gender", "customer": "user_id"}``); common aliases are recognised too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairrec_core.data._build import build_dataset
from fairrec_core.data._dataset import DEFAULT_AGE_EDGES, Dataset
from fairrec_core.data._files import check_path, read_file
from fairrec_core.data._tables import (
    check_size,
    check_width,
    decode,
    numeric_column,
    parse_header,
    read_delimited,
)
from fairrec_core.data._values import (
    AGE,
    PRICE,
    TIMESTAMP,
    TIMESTAMP_MAX,
    VALUE,
    shown,
    shown_columns,
)
from fairrec_core.errors import DataError

#: Recognised without a mapping (lower-cased source name -> fairrec name).
ALIASES = {
    "user": "user_id", "userid": "user_id", "user_id": "user_id",
    "item": "item_id", "itemid": "item_id", "item_id": "item_id", "movieid": "item_id",
    "product_id": "item_id",
    "rating": "value", "weight": "value", "value": "value", "score": "value",
    "timestamp": "timestamp", "time": "timestamp", "ts": "timestamp",
    "event": "event", "event_type": "event",
}


def parse_mapping(pairs) -> dict[str, str]:
    """``["sex=gender", "customer=user_id"]`` -> ``{"sex": "gender", "customer": "user_id"}``."""
    out = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise DataError(f"column mapping {pair!r}: expected SOURCE=TARGET, e.g. sex=gender")
        src, dst = (x.strip() for x in pair.split("=", 1))
        if not src or not dst:
            raise DataError(f"column mapping {pair!r}: expected SOURCE=TARGET, e.g. sex=gender")
        out[src] = dst
    return out


def read_csv_header(raw: bytes, source: str) -> list[str]:
    """The column names of a CSV's header line as written (no mapping), read from its first line
    only — cheap on a large upload (for a column-mapping form); same checks as
    :func:`read_csv_table` (width, repeated names, quotes, encoding)."""
    check_size(len(raw), source)
    end = raw.find(b"\n")
    first = raw if end < 0 else raw[:end]
    if not first.strip():
        raise DataError(f"{source}: the file is empty")
    check_width(first.decode("latin-1"), source, ",")
    return parse_header(decode(first, source, ("utf-8-sig",)).rstrip("\r"), source)


def read_csv_table(
    raw: bytes, source: str, mapping: dict[str, str] | None = None, *, aliases=None
) -> pd.DataFrame:
    """Decode, parse (comma-separated, with a header) and rename columns of one CSV file:
    ``mapping`` first, then ``aliases`` (default :data:`ALIASES`) on lower-cased names."""
    aliases = ALIASES if aliases is None else aliases
    text = decode(raw, source, ("utf-8-sig",))
    first = text.split("\n", 1)[0]
    if "," not in first and any(sep in first for sep in ("\t", ";", "|")):
        raise DataError(
            f"{source}: line 1: expected comma-separated columns, the header looks "
            f"{'tab' if chr(9) in first else 'semicolon' if ';' in first else 'pipe'}-separated"
        )
    frame = read_delimited(text, source, sep=",", header=True)
    mapping = mapping or {}
    renamed = {}
    for col in frame.columns:
        target = mapping.get(col) or aliases.get(col.lower(), col)
        renamed[col] = target
    frame = frame.rename(columns=renamed)
    if frame.columns.duplicated().any():
        dup = frame.columns[frame.columns.duplicated()][0]
        raise DataError(f"{source}: two columns map to {shown(dup)}; check the column mapping")
    return frame


def frames_to_dataset(
    interactions: pd.DataFrame,
    users: pd.DataFrame | None = None,
    items: pd.DataFrame | None = None,
    *,
    name: str = "CSV data",
    sources=("interactions.csv", "users.csv", "items.csv"),
    age_edges=DEFAULT_AGE_EDGES,
) -> Dataset:
    """Type the string columns of already-read CSV frames and build the dataset."""
    isrc, usrc, tsrc = sources
    for col in ("user_id", "item_id"):
        if col not in interactions.columns:
            raise DataError(
                f"{isrc}: missing required column {col!r} (columns: {shown_columns(interactions.columns)}; "
                f"map yours with e.g. customer={col})"
            )
    inter = interactions.copy()
    if "value" in inter.columns:
        inter["value"] = numeric_column(inter, "value", isrc, first_line=2, what="a numeric rating or weight",
                                        valid=VALUE)
        if np.isnan(inter["value"]).any():
            row = int(np.flatnonzero(np.isnan(inter["value"].to_numpy()))[0])
            raise DataError(f"{isrc}: line {row + 2}: column 'value' is empty, expected a number")
    if "timestamp" in inter.columns:
        inter["timestamp"] = _timestamps(inter["timestamp"], isrc)
    if users is not None:
        users = users.copy()
        if "user_id" not in users.columns:
            raise DataError(f"{usrc}: missing required column 'user_id' (columns: {shown_columns(users.columns)})")
        if "age" in users.columns:
            users["age"] = numeric_column(users, "age", usrc, first_line=2, what="a numeric age", valid=AGE)
        users["user_id"] = users["user_id"].astype(str)
    if items is not None:
        items = items.copy()
        if "item_id" not in items.columns:
            raise DataError(f"{tsrc}: missing required column 'item_id' (columns: {shown_columns(items.columns)})")
        if "price" in items.columns:
            items["price"] = numeric_column(items, "price", tsrc, first_line=2, what="a numeric price", valid=PRICE)
        items["item_id"] = items["item_id"].astype(str)
    inter["user_id"] = inter["user_id"].astype(str).where(inter["user_id"].notna())
    inter["item_id"] = inter["item_id"].astype(str).where(inter["item_id"].notna())
    return build_dataset(
        name, inter, users=users, items=items, source=isrc, users_source=usrc,
        items_source=tsrc, age_edges=age_edges,
    )


def _timestamps(col: pd.Series, source: str) -> np.ndarray:
    """Whole unix seconds in the documented range (1970-01-01 to 2200-01-01); each value may be
    a number (unix time) or an ISO date/time (UTC)."""
    numeric = pd.to_numeric(col, errors="coerce")
    out = numeric.to_numpy(np.float64, na_value=np.nan, copy=True)
    text = np.isnan(out)
    if text.any():
        out[text] = _iso_seconds(col, np.flatnonzero(text), source)
    bad = ~np.isfinite(out) | (out < 0) | (out > TIMESTAMP_MAX) | (out != np.round(out))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{source}: line {row + 2}: column 'timestamp' has {shown(col.iloc[row])}, "
            f"expected {TIMESTAMP.describe()} or an ISO date in that range"
        )
    return out.astype(np.int64)


def _iso_seconds(col: pd.Series, rows: np.ndarray, source: str) -> np.ndarray:
    """Unix seconds of the ISO dates at ``rows``; an unparsable or out-of-range date is one line
    (pandas raises OutOfBoundsDatetime for dates past 2262 in some operations)."""
    values = col.iloc[rows]
    try:
        parsed = pd.to_datetime(values, errors="coerce", utc=True, format="mixed")
        seconds = ((parsed - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)).to_numpy(
            np.float64, na_value=np.nan
        )
    except (ValueError, OverflowError, TypeError, pd.errors.OutOfBoundsDatetime):
        seconds = np.array([_one_iso(v) for v in values], dtype=np.float64)
    bad = np.isnan(seconds)
    if bad.any():
        row = int(rows[np.flatnonzero(bad)[0]])
        raise DataError(
            f"{source}: line {row + 2}: column 'timestamp' has {shown(col.iloc[row])}, "
            f"expected a unix time or an ISO date from 1970-01-01 to 2200-01-01"
        )
    return seconds


def _one_iso(value) -> float:
    """Unix seconds of one ISO date, NaN when unparsable or outside 1970..2200."""
    try:
        t = pd.Timestamp(value)
        if t.tzinfo is None:
            t = t.tz_localize("UTC")
        if not 1970 <= t.year < 2200:
            return float("nan")
        return float(t.timestamp() // 1)
    except (ValueError, OverflowError, TypeError, pd.errors.OutOfBoundsDatetime):
        return float("nan")


def load_csv_dir(path, mapping: dict[str, str] | None = None, *, age_edges=DEFAULT_AGE_EDGES) -> Dataset:
    """Load ``interactions.csv`` and optional ``users.csv``/``items.csv`` from a folder."""
    folder = check_path(path)
    if not folder.is_dir():
        raise DataError(f"{folder}: no such folder (expected a folder holding interactions.csv)")
    files = {n: folder / f"{n}.csv" for n in ("interactions", "users", "items")}
    if not files["interactions"].exists():
        raise DataError(f"{folder}: no interactions.csv (required; users.csv and items.csv are optional)")
    # a name that exists but is no regular file (a folder, /dev/zero, a FIFO) is refused by
    # read_file, never skipped silently
    frames = {
        n: read_csv_table(read_file(p), str(p), mapping) if p.exists() else None
        for n, p in files.items()
    }
    return frames_to_dataset(
        frames["interactions"], frames["users"], frames["items"], name=f"CSV {folder.name}",
        sources=tuple(str(p) for p in files.values()), age_edges=age_edges,
    )
