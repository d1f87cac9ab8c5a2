"""An audit's ``metrics.json`` read back for a scorecard (the CLI's ``--audit`` / ``--previous``
folders, the app's uploaded or saved baseline), and the app's saved baseline
(``audits/<dataset>/metrics.json``), written atomically."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fairrec_core.errors import DataError

#: Where the app saves the baseline audits, relative to the working directory.
BASELINE_ROOT = Path("audits")
BASELINE_FILE = "metrics.json"


def parse_metrics(raw: bytes, source: str) -> dict:
    """An audit's ``metrics.json`` from its bytes; one :class:`DataError` line naming ``source``
    when it is not one."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{source}: not valid JSON ({exc}); expected an audit's metrics.json") \
            from None
    if not isinstance(data, dict) or not isinstance(data.get("gaps"), dict) \
            or not isinstance(data.get("k"), int) or isinstance(data.get("k"), bool):
        raise DataError(f"{source}: expected an audit's metrics.json with 'k' and 'gaps'")
    return data


def baseline_folder(dataset: str, root=BASELINE_ROOT) -> Path:
    """``root/<dataset as a file name>``: "MovieLens (ml-100k)" -> ``audits/movielens-ml-100k``."""
    slug = re.sub(r"[^a-z0-9]+", "-", str(dataset).lower()).strip("-") or "data"
    return Path(root) / slug[:80]


def read_baseline(dataset: str, root=BASELINE_ROOT) -> dict | None:
    """The saved baseline of ``dataset``, or None when there is none."""
    from fairrec_core.data import read_file  # size-limited, one-line errors

    path = baseline_folder(dataset, root) / BASELINE_FILE
    if not path.is_file():
        return None
    return parse_metrics(read_file(path), str(path))


def save_baseline(metrics: dict, dataset: str, root=BASELINE_ROOT) -> Path:
    """Write ``metrics`` (an audit's ``to_dict()``) as ``dataset``'s baseline; readers see the
    old file or the new one, never a part (:func:`fairrec_core.outputs.write_atomic`)."""
    from fairrec_core.outputs import write_atomic

    folder = baseline_folder(dataset, root)
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(metrics, indent=2, allow_nan=False, default=_jsonable) + "\n"
    return write_atomic(folder / BASELINE_FILE, text)


def _jsonable(value):
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)
