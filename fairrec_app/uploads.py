"""Uploaded files, read with care: a size check against ``fairrec_core.limits`` (our message, not
a traceback), and the header of a CSV read from its first bytes only, once per upload, so the
column-mapping form never re-parses a whole file on a rerun. The whole file is parsed once, when
the user confirms the mapping.
"""

from __future__ import annotations

import streamlit as st

from fairrec_core.data import read_csv_header
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
    # max_columns is part of the cache key only: the core reads the limit in force
    return parse_header(head(_up, HEADER_BYTES), name)


def parse_header(first: bytes, name: str) -> tuple[str, ...]:
    """The header of a CSV from its first bytes, with the core's checks
    (:func:`fairrec_core.data.read_csv_header`: width, repeated names, quotes, encoding); a first
    line longer than :data:`HEADER_BYTES` raises a one-line error."""
    if b"\n" not in first and len(first) >= HEADER_BYTES:
        raise LimitError(f"{name}: line 1: the header is longer than {human_bytes(HEADER_BYTES)}; "
                         "expected one line of column names")
    columns = [c.strip() for c in read_csv_header(first, name)]
    if not any(columns):
        raise DataError(f"{name}: line 1: no column names (expected e.g. user_id,item_id)")
    return tuple(columns)
