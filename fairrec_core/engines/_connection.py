"""A DuckDB connection for one audit: in memory, with a memory limit (DuckDB spills what does not
fit to a temporary folder of its own, removed on close) and a number of threads."""

from __future__ import annotations

import os
import re
import shutil
import tempfile

from fairrec_core.errors import DataError

#: Share of the machine's memory the engine may use when no limit is given.
MEMORY_SHARE = 0.5
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?i?B)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "B": 1, "KB": 1000, "MB": 1000**2, "GB": 1000**3, "TB": 1000**4,
          "KIB": 1024, "MIB": 1024**2, "GIB": 1024**3, "TIB": 1024**4}


def machine_memory() -> int:
    """Physical memory in bytes (the cgroup limit where one is lower)."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(path) as fh:
                text = fh.read().strip()
        except OSError:
            continue
        if text.isdigit() and 0 < int(text) < total:
            total = int(text)
    return total


def default_memory_limit() -> str:
    """:data:`MEMORY_SHARE` of :func:`machine_memory`, as DuckDB writes sizes (``"11.7GiB"``)."""
    return f"{machine_memory() * MEMORY_SHARE / 1024**3:.1f}GiB"


def parse_memory_limit(text: str) -> int:
    """``"4GB"`` / ``"512MiB"`` / ``"2000000000"`` -> bytes (one DataError line otherwise)."""
    match = _SIZE.match(str(text))
    if not match:
        raise DataError(f"--memory-limit {text!r}: expected a size such as 4GB, 512MB or 2GiB")
    value = float(match.group(1)) * _UNITS[(match.group(2) or "").upper()]
    if value < 64 * 1024**2:
        raise DataError(f"--memory-limit {text!r}: at least 64MB is needed")
    return int(value)


class Connection:
    """``con`` (a duckdb connection) and the spill folder; ``close()`` removes both."""

    def __init__(self, *, memory_limit: str | None = None, threads: int | None = None):
        import duckdb

        limit = parse_memory_limit(memory_limit or default_memory_limit())
        if threads is not None and int(threads) < 1:
            raise DataError(f"--threads must be at least 1, got {threads}")
        self.spill = tempfile.mkdtemp(prefix="fairrec-duckdb-")
        self.con = duckdb.connect(":memory:")
        self.con.execute(f"SET memory_limit = '{limit}B'")
        self.con.execute(f"SET temp_directory = '{self.spill}'")
        self.con.execute("SET enable_progress_bar = false")
        if threads is not None:
            self.con.execute(f"SET threads = {int(threads)}")
        self.memory_limit = limit
        self.threads = int(self.con.sql("SELECT current_setting('threads')").fetchall()[0][0])

    def close(self) -> None:
        try:
            self.con.close()
        finally:
            shutil.rmtree(self.spill, ignore_errors=True)
