"""Resource limits, in one place: what fairrec refuses to read or allocate so that no input can
exhaust the machine (a zip bomb, a 50,000-column header, an item x item matrix that does not fit).

Every limit has a default that fits a small shared server (2 cores, 24 GiB) and an environment
variable that changes it (a plain integer; sizes in bytes)::

    FAIRREC_MAX_FILE_BYTES       largest file read (a CSV, u.data, an upload)          1 GiB
    FAIRREC_MAX_MEMBER_BYTES     largest uncompressed member of a zip archive           1 GiB
    FAIRREC_MAX_ZIP_RATIO        largest uncompressed / compressed ratio of a member    200
    FAIRREC_MAX_ZIP_MEMBERS      most members in an archive                             10,000
    FAIRREC_MAX_COLUMNS          widest header                                          1,000
    FAIRREC_MAX_ROWS             most rows in one table                                 50,000,000
    FAIRREC_MAX_USERS            most users in a dataset                                10,000,000
    FAIRREC_MAX_ITEMS            most items in a dataset                                5,000,000
    FAIRREC_MAX_DENSE_BYTES      largest dense array a model or the audit allocates    4 GiB
    FAIRREC_MAX_MODEL_JSON_BYTES largest params.json of a saved model                  16 MiB

``current()`` reads them anew on every call (cheap), so a test or a deployment can change one
without restarting anything.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

import numpy as np

from fairrec_core.errors import FairrecError

GiB = 1 << 30
MiB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """The limits in force (see the module docstring for the environment variables)."""

    max_file_bytes: int = 1 * GiB
    max_member_bytes: int = 1 * GiB
    max_zip_ratio: int = 200
    max_zip_members: int = 10_000
    max_columns: int = 1_000
    max_rows: int = 50_000_000
    max_users: int = 10_000_000
    max_items: int = 5_000_000
    max_dense_bytes: int = 4 * GiB
    max_model_json_bytes: int = 16 * MiB


def _env_name(field_name: str) -> str:
    return "FAIRREC_" + field_name.upper()


#: Environment variable of each limit.
ENVIRONMENT = {f.name: _env_name(f.name) for f in fields(Limits)}


class LimitError(FairrecError, ValueError):
    """An input or an allocation is larger than a configured limit."""


def current() -> Limits:
    """The limits in force: the defaults, with any ``FAIRREC_MAX_*`` environment variable applied.
    A malformed variable raises :class:`LimitError` naming it."""
    values = {}
    for f in fields(Limits):
        raw = os.environ.get(_env_name(f.name))
        if raw is None or not raw.strip():
            continue
        try:
            value = int(float(raw.strip()))
        except ValueError:
            raise LimitError(f"{_env_name(f.name)}={raw!r}: expected a positive whole number") from None
        if value <= 0:
            raise LimitError(f"{_env_name(f.name)}={raw!r}: expected a positive whole number")
        values[f.name] = value
    return Limits(**values)


def human_bytes(n: float) -> str:
    """``1536`` -> ``"1.5 KiB"``."""
    n = float(n)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"  # pragma: no cover


def dense_bytes(shape, dtype) -> int:
    """Bytes of a dense array of ``shape`` and ``dtype``."""
    n = 1
    for s in shape:
        n *= int(s)
    return n * np.dtype(dtype).itemsize


def fits_dense(shape, dtype) -> bool:
    """Whether :func:`check_dense` would accept this allocation (a cheap "would it fit")."""
    return dense_bytes(shape, dtype) <= current().max_dense_bytes


def check_dense(shape, dtype, *, what: str, alternative: str = "") -> None:
    """Refuse a dense allocation of ``shape`` and ``dtype`` larger than ``max_dense_bytes``,
    naming its size, the limit and ``alternative`` (what to do instead)."""
    size = dense_bytes(shape, dtype)
    limit = current().max_dense_bytes
    if size > limit:
        dims = " x ".join(f"{int(s):,}" for s in shape)
        tail = f"; {alternative}" if alternative else ""
        raise LimitError(
            f"{what} needs a dense {dims} {np.dtype(dtype).name} array ({human_bytes(size)}), "
            f"over the {human_bytes(limit)} limit ({ENVIRONMENT['max_dense_bytes']}){tail}"
        )
