"""Writing outputs so that a crash or a ``kill -9`` never leaves a cut file or a half-written
folder, and a run never destroys its own inputs or someone else's files.

- :func:`write_atomic` writes one file: a temporary file in the same folder, flushed and
  fsynced, then renamed over the target (``os.replace``), so readers see the old file or the new
  one, never a part.
- :func:`staged_folder` writes a whole output folder (a saved model, an audit's ``--out``): the
  files go into a hidden sibling folder ``.NAME.fairrec-tmp-PID-XXXX``; when everything is
  written the two folders are exchanged in one step (``renameat2(RENAME_EXCHANGE)`` on Linux;
  elsewhere two renames, undone on the next run if a kill falls between them) and the old
  content is removed. The folder thus holds the old complete output or the new complete one.
- :func:`check_target` refuses, before any work, an output folder that holds the run's inputs
  (the folder itself or one of its parents), a non-empty folder without ``force``, and, even
  with ``force``, a folder holding anything the run's kind of output does not consist of.

Hidden leftovers of killed runs (names starting with ``.`` and containing ``.fairrec-tmp-`` or
``.fairrec-old-``) are ignored by :func:`fairrec_core.models.list_saved_models` and cleaned up by
the next run writing to the same folder.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from fairrec_core.errors import FairrecError

TMP_MARK = ".fairrec-tmp-"
OLD_MARK = ".fairrec-old-"

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


class OutputError(FairrecError, ValueError):
    """An output folder cannot be written as asked (it holds inputs, is not empty, ...)."""


def is_leftover(name: str) -> bool:
    """True for the hidden temporary folders of an interrupted folder write."""
    return name.startswith(".") and (TMP_MARK in name or OLD_MARK in name)


# ---- single files ----------------------------------------------------------------------------
def write_atomic(path, data: bytes | str | Callable) -> Path:
    """Write ``data`` (bytes, text as UTF-8, or a callable that writes into a binary file
    object) to ``path`` via a fsynced temporary file in the same folder and a rename."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            if callable(data):
                data(f)
            else:
                f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)
    return path


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# ---- whole folders ---------------------------------------------------------------------------
def _describe(flag: str, target: Path) -> str:
    return f"{flag} {target}" if flag else str(target)


def check_target(target, *, owned: Iterable[str], force: bool = False, inputs: Iterable = (),
                 flag: str = "", force_hint: str = "--force") -> None:
    """Raise :class:`OutputError` (one line, nothing touched) unless ``target`` may receive a
    new output: it must not be or contain any of ``inputs`` (files or folders, compared by
    resolved path), must not be a file or a symbolic link, and must be missing or empty, or,
    with ``force``, hold only files named in ``owned`` (what a previous run of this kind wrote).
    """
    target = Path(target)
    where = _describe(flag, target)
    resolved = target.resolve()
    for inp in inputs:
        if inp is None:
            continue
        r = Path(inp).resolve()
        if r == resolved or resolved in r.parents:
            raise OutputError(
                f"{where}: this folder holds the input {inp}; writing here could overwrite it, "
                "choose another output folder"
            )
    if target.is_symlink():
        raise OutputError(f"{where}: is a symbolic link; give the real folder")
    if not target.exists():
        return
    if not target.is_dir():
        raise OutputError(f"{where}: is a file, not a folder")
    owned = set(owned)
    entries = sorted(e for e in target.iterdir() if not _own_temporary(e.name, owned))
    if not entries:
        return
    if not force:
        raise OutputError(
            f"{where}: is not empty ({len(entries)} entries); pass {force_hint} to replace "
            "the previous output"
        )
    foreign = [e for e in entries if e.name not in owned or e.is_symlink() or not e.is_file()]
    if foreign:
        raise OutputError(
            f"{where}: holds {foreign[0].name!r}, which this command does not write; not "
            "replacing the folder even with " + force_hint
        )


def _own_temporary(name: str, owned: set[str]) -> bool:
    """A temporary file :func:`write_atomic` left for one of the ``owned`` files."""
    return name.endswith(".tmp") and any(name.startswith(f".{o}.") for o in owned)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _leftover_pid(name: str, mark: str) -> int | None:
    tail = name.split(mark, 1)[1]
    head = tail.split("-", 1)[0]
    return int(head) if head.isdigit() else None


def clean_leftovers(target) -> None:
    """Remove the temporary folders that killed runs left beside ``target``; if a kill fell
    between the two renames of a swap (no exchange support), put the old output back."""
    target = Path(target)
    parent = target.parent
    if not parent.is_dir():
        return
    prefix = f".{target.name}"
    for entry in sorted(parent.iterdir()):
        name = entry.name
        for mark in (TMP_MARK, OLD_MARK):
            if not name.startswith(prefix + mark):
                continue
            pid = _leftover_pid(name, mark)
            if pid is None or _pid_alive(pid):
                continue
            if mark == OLD_MARK and not target.exists():
                with contextlib.suppress(OSError):
                    os.rename(entry, target)
                    continue
            shutil.rmtree(entry, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux ``renameat2``); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return rc == 0


def _swap_in(stage: Path, target: Path) -> None:
    _fsync_dir(stage)
    if not target.exists():
        os.rename(stage, target)
    elif _exchange(stage, target):
        shutil.rmtree(stage, ignore_errors=True)  # now holds the old output
    else:
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}{OLD_MARK}{os.getpid()}-",
                                    dir=target.parent))
        os.rmdir(old)
        os.rename(target, old)
        os.rename(stage, target)
        shutil.rmtree(old, ignore_errors=True)
    _fsync_dir(target.parent)


@contextlib.contextmanager
def staged_folder(target, *, owned: Iterable[str], force: bool = False, inputs: Iterable = (),
                  flag: str = "", force_hint: str = "--force"):
    """Context manager giving a hidden sibling folder to write ``target``'s files into; on a
    clean exit it replaces ``target`` whole (see the module docstring), on an exception it is
    removed and ``target`` is untouched. The checks of :func:`check_target` run first and again
    just before the swap."""
    target = Path(target)
    owned, inputs = tuple(owned), tuple(inputs)
    kw = dict(owned=owned, force=force, inputs=inputs, flag=flag, force_hint=force_hint)
    check_target(target, **kw)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        clean_leftovers(target)
        stage = Path(tempfile.mkdtemp(prefix=f".{target.name}{TMP_MARK}{os.getpid()}-",
                                      dir=target.parent))
    except OSError as exc:
        raise OutputError(
            f"{_describe(flag, target)}: cannot create the folder ({exc.strerror or exc})"
        ) from None
    try:
        yield stage
        check_target(target, **kw)
        _swap_in(stage, target)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def data_inputs(spec: str) -> list[str]:
    """The paths a ``--data`` spec reads (``csv:DIR``, ``movielens:PATH``), for
    :func:`check_target`'s ``inputs``."""
    kind, _, arg = (spec or "").strip().partition(":")
    return [arg] if kind in ("csv", "movielens") and arg else []
