"""An audit read back from what ``python -m fairrec_core audit --out DIR`` wrote: ``metrics.json``
(required; every per-group table is rebuilt from it) and, when small, the per-user table
(``users.parquet`` or ``users.csv``; never required). Nothing else is read: no recommendation
lists, no held-out interactions, no data set — so an audit computed on data too large for a
session opens in a second.

A folder or file that is not such an audit is one :class:`~fairrec_core.errors.DataError` line
naming the file and what was expected."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from fairrec_core.audit._groups import INTERSECTION
from fairrec_core.audit._result import FORMAT_VERSION, AuditResult
from fairrec_core.errors import DataError

METRICS_FILE = "metrics.json"
#: The per-user tables ``audit`` writes, in the order they are looked for.
USERS_FILES = ("users.parquet", "users.csv")
#: A per-user table larger than this is not read (its per-group results are in metrics.json).
MAX_USERS_BYTES = 64 * 1024 * 1024
EXPECTED = "expected the --out folder of `python -m fairrec_core audit`"
#: The top-level keys of a (non-private) audit's metrics.json.
REQUIRED = ("k", "n_users", "n_users_evaluated", "settings", "overall", "overall_ci95",
            "groups", "gaps", "parity", "exposure", "popularity")
#: How :meth:`OpenedAudit.description` names the engines of ``audit --engine``.
ENGINE_WORDS = {"memory": "in memory", "duckdb": "by DuckDB, out of core"}
PRIVATE_REQUIRED = ("k", "privacy", "overall", "overall_ci95", "groups", "gaps")


@dataclass(frozen=True, eq=False)
class OpenedAudit:
    """An audit opened from its files.

    ``metrics``: the ``metrics.json`` dict. A full audit has ``result`` (an
    :class:`AuditResult` whose ``users`` is the per-user table when it was small enough to read,
    else empty, with ``users_note`` saying why). A private release
    (``differentially_private``) has no ``result`` but ``private``: its ``groups``, ``gaps`` and
    ``overall`` tables (:func:`fairrec_core.audit._from_dict.private_tables`)."""

    source: str
    metrics: dict
    result: AuditResult | None = None
    private: dict = field(default_factory=dict)
    users_note: str | None = None

    @property
    def differentially_private(self) -> bool:
        return bool(self.metrics.get("differentially_private"))

    @property
    def k(self) -> int:
        return int(self.metrics["k"])

    def description(self) -> list[tuple[str, str]]:
        """What was audited, from the file's ``settings``: ``(label, text)`` pairs."""
        s = self.metrics.get("settings") or {}
        out = [("Lists", str(s["model"]))] if s.get("model") else []
        if s.get("data"):
            out.append(("Data", str(s["data"])))
        if s.get("split"):
            split = s["split"]
            out.append(("Split", ", ".join(f"{k} {v}" for k, v in split.items())
                        if isinstance(split, dict) else str(split)))
        if s.get("rerank"):
            out.append(("Re-ranking", " then ".join(map(str, s["rerank"]))))
        if s.get("engine"):
            out.append(("Computed", ENGINE_WORDS.get(s["engine"], f"by {s['engine']}")))
        if s.get("n_bootstrap") is not None:
            out.append(("Resampling", f"{s['n_bootstrap']} bootstrap resamples, "
                                      f"{s.get('n_permutations')} permutations, seed "
                                      f"{s.get('seed')}"))
        return out


def read_audit_metrics(raw: bytes, source: str) -> dict:
    """The ``metrics.json`` dict of an audit from its bytes, checked: valid JSON, an object with
    the keys of a fairrec audit (or of a private release), a known ``format_version`` (files
    without one are version 1, written before it was recorded)."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise DataError(f"{source}: not UTF-8 text (byte {exc.start}); expected a fairrec "
                        "audit's metrics.json") from None
    except json.JSONDecodeError as exc:
        raise DataError(f"{source}: not valid JSON (line {exc.lineno}, column {exc.colno}: "
                        f"{exc.msg}); expected a fairrec audit's metrics.json") from None
    if not isinstance(data, dict):
        raise DataError(f"{source}: a JSON {type(data).__name__}, not an object; expected a "
                        "fairrec audit's metrics.json")
    version = data.get("format_version", 1)
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise DataError(f"{source}: format_version {version!r}; this fairrec reads version "
                        f"{FORMAT_VERSION} (written by another fairrec version?)")
    required = PRIVATE_REQUIRED if data.get("differentially_private") is True else REQUIRED
    missing = [key for key in required if key not in data]
    if missing:
        raise DataError(f"{source}: no {', '.join(repr(m) for m in missing[:3])}"
                        f"{' ...' if len(missing) > 3 else ''}: not the metrics.json of a "
                        f"fairrec audit (written by something else?)")
    if not isinstance(data["k"], int) or isinstance(data["k"], bool) \
            or not isinstance(data["groups"], dict) or not isinstance(data["gaps"], dict):
        raise DataError(f"{source}: 'k' must be a whole number and 'groups' and 'gaps' objects, "
                        "as a fairrec audit's metrics.json has them")
    return data


def open_audit_metrics(raw: bytes, source: str, users: pd.DataFrame | None = None,
                       users_note: str | None = None) -> OpenedAudit:
    """An :class:`OpenedAudit` from a ``metrics.json``'s bytes (an upload, or a folder's file)."""
    from fairrec_core.audit._from_dict import private_tables

    data = read_audit_metrics(raw, source)
    try:
        if data.get("differentially_private") is True:
            return OpenedAudit(source, data, private=private_tables(data))
        result = AuditResult.from_dict(data, users=users)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        what = f"no {exc.args[0]!r}" if isinstance(exc, KeyError) and exc.args else \
            " ".join(str(exc).split())[:120]
        raise DataError(f"{source}: an entry is not as a fairrec audit writes it ({what}); "
                        "expected the metrics.json of `python -m fairrec_core audit`") from None
    return OpenedAudit(source, data, result=result, users_note=users_note)


def read_audit_folder(path, *, max_users_bytes: int = MAX_USERS_BYTES) -> OpenedAudit:
    """The audit in ``path``, a folder written by ``audit --out``: ``metrics.json`` and, when
    there is one no larger than ``max_users_bytes``, the per-user table. Reads nothing else."""
    from fairrec_core.data import read_file  # size-limited (FAIRREC_MAX_FILE_BYTES), one line

    folder = Path(path)
    if not folder.is_dir():
        raise DataError(f"{folder}: not a folder; {EXPECTED}")
    file = folder / METRICS_FILE
    if not file.is_file():
        raise DataError(f"{folder}: no {METRICS_FILE}; {EXPECTED}")
    raw = read_file(file)
    data = read_audit_metrics(raw, str(file))  # checked before any users table is read
    singles = [a for a in data["groups"] if INTERSECTION not in a]
    users, note = _users(folder, max_users_bytes, singles)
    return open_audit_metrics(raw, str(file), users, note)


def _users(folder: Path, max_bytes: int, attributes) -> tuple[pd.DataFrame | None, str | None]:
    """The per-user table (ids and ``attributes`` as text), or ``(None, why not)``."""
    present = [folder / name for name in USERS_FILES if (folder / name).is_file()]
    if not present:
        return None, "the folder has no per-user table (users.csv or users.parquet)"
    file = present[0]
    size = file.stat().st_size
    if size > max_bytes:
        return None, (f"{file.name} is {size / 2**20:,.0f} MB, more than the "
                      f"{max_bytes / 2**20:,.0f} MB read here; the per-group figures are all in "
                      f"{METRICS_FILE}")
    try:
        if file.suffix == ".parquet":
            return pd.read_parquet(file), None
        return pd.read_csv(file, dtype={c: str for c in ("user_id", *attributes)}), None
    except Exception as exc:  # noqa: BLE001 - an optional file: say why, open the rest
        return None, f"{file.name} could not be read ({type(exc).__name__})"
