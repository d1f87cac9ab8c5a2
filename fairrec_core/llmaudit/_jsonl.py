"""JSON Lines files (one JSON object per line): read with the file and line of every mistake in
a one-line :class:`~fairrec_core.errors.DataError`, written as one text.

The messages are module constants (``E_*``) that tests match on.
"""

from __future__ import annotations

import json
from pathlib import Path

from fairrec_core.data._files import check_path, read_file
from fairrec_core.data._values import clipped, shown
from fairrec_core.errors import DataError

E_ENCODING = "{source}: line {line}: not UTF-8 text"
E_JSON = "{source}: line {line}: not valid JSON ({why})"
E_OBJECT = "{source}: line {line}: expected a JSON object, got {kind}"
E_FIELD = "{source}: line {line}: missing field {field!r}"
E_TYPE = "{source}: line {line}: field {field!r} must be {what}, got {got}"
E_EMPTY = "{source}: holds no records"

_KINDS = {list: "a list", str: "a string", int: "a number", float: "a number", bool: "true/false",
          type(None): "null"}


def _kind(value) -> str:
    return _KINDS.get(type(value), type(value).__name__)


def read_jsonl(path, *, source: str | None = None, torn_tail: bool = False) -> list[tuple[int, dict]]:
    """``(line number, object)`` for every non-blank line of ``path``. A missing or unreadable
    file, a line that is not UTF-8 or not JSON, and a line that is not an object each raise one
    :class:`DataError` line. With ``torn_tail`` a last line without its newline that does not
    parse is dropped (what a kill during an append leaves) instead of refused."""
    path = check_path(path)
    source = source or str(path)
    raw = read_file(Path(path), source)
    torn = torn_tail and raw and not raw.endswith(b"\n")
    lines = raw.split(b"\n")
    out = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            raise DataError(E_ENCODING.format(source=source, line=number)) from None
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            if torn and number == len(lines):
                break
            raise DataError(E_JSON.format(source=source, line=number,
                                          why=clipped(exc.msg, 60))) from None
        if not isinstance(record, dict):
            raise DataError(E_OBJECT.format(source=source, line=number, kind=_kind(record)))
        out.append((number, record))
    return out


def field(record: dict, name: str, source: str, line: int, *, types: tuple, what: str,
          default=...):
    """``record[name]`` checked to be one of ``types`` (``what`` says which in the message);
    ``default`` (when given) stands in for a missing field or a null."""
    if name not in record or (record[name] is None and default is not ...):
        if default is ...:
            raise DataError(E_FIELD.format(source=source, line=line, field=name))
        return default
    value = record[name]
    if isinstance(value, bool) and bool not in types:
        ok = False
    else:
        ok = isinstance(value, types)
    if not ok:
        raise DataError(E_TYPE.format(source=source, line=line, field=name, what=what,
                                      got=_kind(value) if not isinstance(value, str | int | float)
                                      else shown(value, 40)))
    return value


def dumps_jsonl(records) -> str:
    """The records, one compact JSON object per line (UTF-8 kept as it is)."""
    return "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n"
                   for r in records)
