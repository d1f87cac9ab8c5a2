"""``params.json`` of a saved model: read with a size cap and a nesting guard, every field
type-checked, and the checksums of the array files it lists."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

from fairrec_core.errors import ModelError
from fairrec_core.limits import current, human_bytes

PARAMS_FILE = "params.json"
ARRAYS_FILE = "arrays.npz"
TORCH_FILE = "state_dict.pt"
#: Every file a saved model folder consists of.
MODEL_FILES = (PARAMS_FILE, ARRAYS_FILE, TORCH_FILE)
#: 1: no checksums (fairrec before the integrity check); 2: sha256 of each array file.
FORMAT = 2
FORMATS = (1, 2)

#: Kind of each learned scalar kept in ``params.json``'s ``state``.
SCALAR_KINDS = {
    "n_users_": "users",
    "n_items_": "items",
    "fingerprint_": "str",
    "epochs_": "count",
    "iterations_": "count",
    "user_features_used_": "names",
    "item_features_used_": "names",
    "dp_epsilon_spent_": "number",  # a finite number >= 0, or null (no DP; older files)
}


def sha256(path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_json(file: Path) -> dict:
    """The JSON object in ``file``; size over ``max_model_json_bytes``, bad UTF-8 or JSON, too
    deep a nesting or a non-object are one-line :class:`ModelError`\\ s."""
    limit = current().max_model_json_bytes
    try:
        size = file.stat().st_size
        if size > limit:
            raise ModelError(
                f"{file}: {human_bytes(size)} is larger than a model's {PARAMS_FILE} can be "
                f"({human_bytes(limit)}, FAIRREC_MAX_MODEL_JSON_BYTES)"
            )
        info = json.loads(file.read_bytes().decode("utf-8"))
    except RecursionError:
        raise ModelError(f"{file}: not valid JSON (nested too deeply)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ModelError(f"{file}: not valid JSON ({first})") from None
    if not isinstance(info, dict):
        raise ModelError(f"{file}: expected a JSON object, found {type(info).__name__}")
    return info


def check_info(file: Path, info: dict) -> None:
    """Raise :class:`ModelError` naming ``file`` for a missing key or a wrong type."""
    missing = [k for k in ("model", "params", "fingerprint", "state") if k not in info]
    if missing:
        raise ModelError(f"{file}: missing {', '.join(missing)}")
    fmt = info.get("format", 1)
    if isinstance(fmt, bool) or fmt not in FORMATS:
        raise ModelError(f"{file}: format {fmt!r} is not one this fairrec reads ({FORMATS})")
    for key, kinds in (("model", str), ("fingerprint", str), ("params", dict), ("state", dict),
                       ("metrics", dict), ("files", dict), ("time", str), ("dataset", str)):
        if key in info and info[key] is not None and not isinstance(info[key], kinds):
            raise ModelError(
                f"{file}: {key!r} must be a {kinds.__name__.replace('str', 'string')}, "
                f"found {type(info[key]).__name__}"
            )
    for key in ("model", "params", "fingerprint", "state"):
        if info[key] is None:
            raise ModelError(f"{file}: {key!r} is null")
    if fmt >= 2:
        files = info.get("files")
        if not isinstance(files, dict) or ARRAYS_FILE not in files:
            raise ModelError(f"{file}: 'files' with the checksum of {ARRAYS_FILE} is missing")
        for name, entry in files.items():
            if name not in MODEL_FILES[1:]:
                raise ModelError(f"{file}: 'files' names {name!r}, not a model file")
            if not (isinstance(entry, dict) and isinstance(entry.get("sha256"), str)
                    and isinstance(entry.get("bytes"), int)
                    and not isinstance(entry.get("bytes"), bool)):
                raise ModelError(f"{file}: 'files' entry {name!r} needs sha256 and bytes")


def verify_files(folder: Path, info: dict, *, needed: tuple[str, ...]) -> None:
    """Check that the ``needed`` files exist and match their size and sha256 in ``info``."""
    files = info.get("files") or {}
    for name in needed:
        path = folder / name
        if not path.is_file():
            raise ModelError(f"{folder}: {name} is missing")
        if info.get("format", 1) < 2:
            continue
        entry = files.get(name)
        if entry is None:
            raise ModelError(f"{folder / PARAMS_FILE}: no checksum for {name}")
        size = path.stat().st_size
        if size != entry["bytes"]:
            raise ModelError(
                f"{path}: {size:,} bytes, params.json says {entry['bytes']:,}; the file was cut "
                "or changed"
            )
        if sha256(path) != entry["sha256"]:
            raise ModelError(f"{path}: checksum does not match params.json; the file was changed")


def typed_params(file: Path, defaults: dict, params: dict) -> dict:
    """``params`` from JSON converted to the types of ``defaults`` (tuples from lists)."""
    out = {}
    for key, value in params.items():
        if key not in defaults:
            raise ModelError(
                f"{file}: unknown parameter {key!r}; expected one of {', '.join(defaults) or 'none'}"
            )
        out[key] = _typed(file, key, value, defaults[key])
    return out


def _typed(file: Path, key: str, value, default):
    def bad(expected: str):
        shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
        return ModelError(f"{file}: parameter {key}={shown}: expected {expected}")

    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad("an integer")
        if abs(value) >= 1 << 62:
            raise bad("an integer of a sensible size")
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad("a number")
        value = float(value)
        if not math.isfinite(value):
            raise bad("a finite number")
        return value
    if isinstance(default, tuple):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise bad("a list of strings")
        return tuple(value)
    if isinstance(default, str) and not isinstance(value, str):
        raise bad("a string")
    return value


def typed_state(file: Path, state: dict, names: tuple[str, ...]) -> dict:
    """The learned scalars ``names`` from ``state``, each checked for its kind and range."""
    limits = current()
    out = {}
    for key in names:
        if key not in state and SCALAR_KINDS[key] == "number":
            state = {**state, key: None}  # saved before the number existed
        if key not in state:
            raise ModelError(f"{file}: state is missing {key!r}")
        value, kind = state[key], SCALAR_KINDS[key]
        if kind in ("users", "items", "count"):
            top = {"users": limits.max_users, "items": limits.max_items}.get(kind, 1 << 31)
            low = 0 if kind == "count" else 1
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= top:
                raise ModelError(
                    f"{file}: state {key}={value!r:.60}: expected an integer in {low}..{top:,}"
                )
        elif kind == "number":
            if value is not None and (isinstance(value, bool)
                                      or not isinstance(value, int | float)
                                      or not math.isfinite(value) or value < 0):
                raise ModelError(f"{file}: state {key}={value!r:.60}: expected a number >= 0")
        elif kind == "str":
            if not isinstance(value, str):
                raise ModelError(f"{file}: state {key}: expected a string")
        elif not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ModelError(f"{file}: state {key}: expected a list of column names")
        out[key] = tuple(value) if kind == "names" else value
    return out
