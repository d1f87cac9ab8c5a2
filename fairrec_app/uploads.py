"""Uploaded files, read with care: a size check against ``fairrec_core.limits`` (our message, not
a traceback), and the header of a CSV read from its first bytes only, once per upload, so the
column-mapping form never re-parses a whole file on a rerun. The whole file is parsed once, when
the user confirms the mapping.
"""

from __future__ import annotations

import csv

import streamlit as st

from fairrec_core.errors import DataError
from fairrec_core.limits import ENVIRONMENT, LimitError, current, human_bytes

#: The most bytes read to find a CSV's header line (a 1,000-column header fits many times over).
HEADER_BYTES = 1 << 20


def check_size(up) -> None:
    """Refuse an upload larger than ``max_file_bytes`` (Streamlit's ``server.maxUploadSize``
    refuses larger files still in the browser)."""
    limit = current().max_file_bytes
    if up.size > limit:
        raise LimitError(f"{up.name}: {human_bytes(up.size)}, over the {human_bytes(limit)} limit "
                         f"on a file ({ENVIRONMENT['max_file_bytes']})")


def head(up, n: int) -> bytes:
    """The first ``n`` bytes of an uploaded file, without copying the rest."""
    pos = up.tell()
    try:
        up.seek(0)
        return up.read(n)
    finally:
        up.seek(pos)


def csv_header(up) -> list[str]:
    """The column names of an uploaded CSV, from its first line only (cached per upload)."""
    check_size(up)
    return list(_header(up.file_id, up.size, up.name, current().max_columns, _up=up))


@st.cache_data(show_spinner=False, max_entries=64)
def _header(file_id: str, size: int, name: str, max_columns: int, _up) -> tuple[str, ...]:
    return parse_header(head(_up, HEADER_BYTES), name, max_columns)


def parse_header(first: bytes, name: str, max_columns: int) -> tuple[str, ...]:
    """The header of a CSV from its first bytes; a header wider than ``max_columns``, longer
    than :data:`HEADER_BYTES`, empty or not text raises a one-line error."""
    if not first.strip():
        raise DataError(f"{name}: the file is empty (expected a header line, e.g. user_id,item_id)")
    line, newline, _ = first.partition(b"\n")
    if not newline and len(first) >= HEADER_BYTES:
        raise LimitError(f"{name}: line 1: the header is longer than {human_bytes(HEADER_BYTES)}; "
                         "expected one line of column names")
    try:
        text = line.decode("utf-8-sig").rstrip("\r")
    except UnicodeDecodeError as exc:
        raise DataError(f"{name}: line 1: not UTF-8 text (byte {exc.start + 1}); save the file "
                        "as UTF-8 CSV") from None
    width = text.count(",") + 1
    if width > max_columns:
        raise LimitError(f"{name}: line 1: the header has {width:,} columns, over the "
                         f"{max_columns:,} limit ({ENVIRONMENT['max_columns']})")
    try:
        columns = next(csv.reader([text]), [])
    except csv.Error as exc:
        raise DataError(f"{name}: line 1: the header cannot be read ({exc})") from None
    columns = [c.strip() for c in columns]
    if "," not in text and any(sep in text for sep in ("\t", ";", "|")):
        raise DataError(f"{name}: line 1: expected comma-separated columns")
    if not any(columns):
        raise DataError(f"{name}: line 1: no column names (expected e.g. user_id,item_id)")
    seen = set()
    for c in columns:
        if c in seen:
            raise DataError(f"{name}: line 1: column {c[:60]!r} appears twice")
        seen.add(c)
    return tuple(columns)
