"""Where the app may read and write on the server: the data roots of the server-path box and the
folder saved models go to.

A dashboard shared on a network must not let a browser user probe or walk the server's file
system, nor write outside the models folder. Two settings, read anew on every call::

    FAIRREC_DATA_ROOTS     folders the server-path box may read under, separated by os.pathsep
                           (":" on Linux; relative ones are taken from the project folder);
                           replaces the default, the project's data/ folder
    FAIRREC_SERVER_PATHS   "off" (or 0, false, no) hides the server-path box entirely: users
                           then upload their files instead

A typed path is resolved (``Path.resolve()``, symlinks followed) and refused, with one message
that does not say whether it exists, unless it lies under a root. Uploads stay in memory
(an uploaded zip is written to a private temporary folder only while it is read), so there
is no uploads folder to add to the roots.
"""

from __future__ import annotations

import os
from pathlib import Path

from fairrec_core.errors import DataError
from fairrec_core.models import model_folder as core_model_folder

PROJECT = Path(__file__).resolve().parents[1]
#: The default data root: the project's ``data/`` folder.
DEFAULT_DATA_ROOT = PROJECT / "data"
ROOTS_ENV = "FAIRREC_DATA_ROOTS"
SWITCH_ENV = "FAIRREC_SERVER_PATHS"
_OFF = {"off", "0", "false", "no", "none", "disabled"}


def server_paths_enabled() -> bool:
    """False when ``FAIRREC_SERVER_PATHS`` switches the server-path box off."""
    return os.environ.get(SWITCH_ENV, "on").strip().lower() not in _OFF


def data_roots() -> tuple[Path, ...]:
    """The resolved folders the server-path box may read under."""
    raw = os.environ.get(ROOTS_ENV)
    if raw is None or not raw.strip():
        parts = [DEFAULT_DATA_ROOT]
    else:
        parts = [Path(p.strip()).expanduser() for p in raw.split(os.pathsep) if p.strip()]
    return tuple((p if p.is_absolute() else PROJECT / p).resolve() for p in parts)


def roots_label() -> str:
    """The roots as users may see them (project-relative where possible)."""
    out = []
    for root in data_roots():
        try:
            out.append(str(root.relative_to(PROJECT)) + "/")
        except ValueError:
            out.append(str(root) + "/")
    return ", ".join(out)


def resolve_data_path(text: str) -> Path:
    """The resolved path a user typed, if it lies under a data root; otherwise one
    :class:`DataError` that does not reveal whether the path exists. A relative path is taken
    relative to the project folder."""
    if not server_paths_enabled():
        raise DataError("reading files on the server is switched off here; upload them instead")
    text = (text or "").strip()
    if not text:
        raise DataError("enter the path of a folder or a .zip under " + roots_label())
    refused = DataError(f"only paths under the data folders ({roots_label()}) can be read here")
    if "\x00" in text or len(text) > 4096:
        raise refused
    path = Path(text).expanduser()
    if not path.is_absolute():
        path = PROJECT / path
    try:
        resolved = path.resolve()  # follows every symlink, also one inside a root pointing out
    except (OSError, RuntimeError):
        raise refused from None
    for root in data_roots():
        if resolved == root or resolved.is_relative_to(root):
            return resolved
    raise refused


def model_folder(name: str, models_dir: Path) -> Path:
    """``models_dir / name`` for a valid saved-model name (the core's rule,
    :func:`fairrec_core.models.model_folder`); otherwise a one-line :class:`ModelError`."""
    return core_model_folder(models_dir, name or "")
