"""The on-disk cache of item embeddings: one ``.npz`` per (item texts, model) pair, named by
both fingerprints, written atomically and read with ``allow_pickle=False``; a file that is not
what its name says (cut, changed, wrong shape or key) is refused, never used."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

from fairrec_core.errors import DataError
from fairrec_core.outputs import write_atomic

#: Environment variable naming the cache folder (default ``~/.cache/fairrec``).
CACHE_ENV = "FAIRREC_CACHE"
#: Sub-folder of the cache folder that holds the embeddings.
EMBEDDINGS = "embeddings"
BAD_FILE = "{file}: not a valid embedding cache file ({why}); delete it to compute them again"


def default_cache_dir() -> Path:
    """``$FAIRREC_CACHE``, else ``~/.cache/fairrec``."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "fairrec")


def cache_file(cache_dir, key: str) -> Path:
    """Where the embeddings with ``key`` live under ``cache_dir``."""
    return Path(cache_dir) / EMBEDDINGS / f"{key}.npz"


def read_embeddings(file: Path, key: str, shape: tuple[int, int]) -> np.ndarray:
    """The float32 ``shape`` embeddings stored in ``file`` under ``key``; anything else is a
    :class:`DataError` naming the file."""
    try:
        with np.load(file, allow_pickle=False) as npz:
            names = set(npz.files)
            if names != {"embeddings", "key"}:
                raise DataError(BAD_FILE.format(file=file, why=f"holds {sorted(names)}"))
            stored = npz["key"]
            arr = npz["embeddings"]
    except DataError:
        raise
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as exc:
        first = (str(exc).splitlines() or [type(exc).__name__])[0][:160]
        raise DataError(BAD_FILE.format(file=file, why=first)) from None
    if stored.shape != () or stored.dtype.kind != "U" or str(stored) != key:
        raise DataError(BAD_FILE.format(file=file, why="its key is not the one in its name"))
    if arr.dtype != np.float32 or arr.shape != tuple(shape):
        raise DataError(BAD_FILE.format(
            file=file, why=f"{arr.dtype} {arr.shape}, expected float32 {tuple(shape)}"))
    if not np.isfinite(arr).all():
        raise DataError(BAD_FILE.format(file=file, why="NaN or infinite values"))
    return np.ascontiguousarray(arr)


def write_embeddings(file: Path, key: str, embeddings: np.ndarray) -> Path:
    """Store ``embeddings`` under ``key`` in ``file`` (atomically: readers see no part file)."""
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        return write_atomic(file, lambda f: np.savez(f, embeddings=embeddings, key=np.array(key)))
    except OSError as exc:
        raise DataError(f"{file.parent}: cannot write the embedding cache "
                        f"({exc.strerror or exc}); set {CACHE_ENV} to a writable folder") from None
