"""Work per range of user indices, so that what DuckDB holds at once (join and aggregate
states, a partition's slots) stays within its memory limit however many rows there are.

Every per-user step (the history without the test pairs, the per-user metrics) runs once per
range ``[lo, hi)`` of user indices, each range holding about :data:`ROW_BYTES` bytes of the
memory limit per row of its largest table. The tables are written range after range, so they
come out in user order and clustered by user, and DuckDB's zone maps let a later range filter
skip the other ranges' blocks.
"""

from __future__ import annotations

import math

#: DuckDB memory allowed per row of a partition (the joins' and aggregates' states included).
ROW_BYTES = 192


def user_ranges(n_users: int, n_rows: int, memory_limit: int) -> list[tuple[int, int]]:
    """``[(lo, hi), ...]`` covering user indices ``0 .. n_users - 1``, enough of them that a
    range holds at most ``memory_limit / ROW_BYTES`` of ``n_rows`` rows (spread evenly)."""
    per = max(1, int(memory_limit // ROW_BYTES))
    parts = max(1, math.ceil(max(int(n_rows), 1) / per))
    step = max(1, math.ceil(max(int(n_users), 1) / parts))
    return [(lo, min(lo + step, int(n_users))) for lo in range(0, max(int(n_users), 1), step)]


def within(column: str, lo: int, hi: int) -> str:
    """The SQL condition ``lo <= column < hi``."""
    return f"{column} >= {int(lo)} AND {column} < {int(hi)}"
