"""``arrays.npz`` of a saved model, read defensively: each array's header (dtype, shape) is
checked against the model's ``_array_shapes`` and the dense-memory limit *before* its data is
read; then its values: finite floats, index arrays within range. Never unpickles."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

import numpy as np

from fairrec_core.errors import FairrecError, ModelError
from fairrec_core.limits import check_dense, current, human_bytes

#: The training interactions every model keeps (CSR of the user x item 0/1 matrix).
SEEN_SHAPES = {
    "seen_indptr_": (("users+1",), "int64", None),
    "seen_indices_": (("nnz",), "int32", "items"),
}


def _shape_text(shape) -> str:
    return str(tuple(int(s) if str(s).isdigit() else s for s in shape)).replace("'", "")


def _header(fp, file: Path, key: str):
    fmt = np.lib.format
    version = fmt.read_magic(fp)
    if version == (1, 0):
        return fmt.read_array_header_1_0(fp)
    if version == (2, 0):
        return fmt.read_array_header_2_0(fp)
    raise ModelError(f"{file}: array {key!r} has an unknown .npy version {version}")


def read_arrays(file: Path, specs: dict, dims: dict[str, int]) -> dict[str, np.ndarray]:
    """The arrays ``specs`` names (``name -> (shape, dtype, bound)``, see
    ``Recommender._array_shapes``) read from the npz ``file``; ``dims`` gives the known sizes
    (``users``, ``items``, ``users+1``). Any problem is a one-line :class:`ModelError`."""
    limit = current().max_file_bytes
    size = file.stat().st_size
    if size > limit:
        raise ModelError(f"{file}: {human_bytes(size)} is over the {human_bytes(limit)} file limit")
    bound = dict(dims)
    out = {}
    try:
        with zipfile.ZipFile(file) as zf:
            names = set(zf.namelist())
            for key, (shape, dtype, _) in specs.items():
                if key + ".npy" not in names:
                    raise ModelError(f"{file}: array {key!r} is missing")
                out[key] = _read_one(zf, file, key, shape, np.dtype(dtype), bound)
    except FairrecError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError,
            NotImplementedError) as exc:
        first = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
        raise ModelError(f"{file}: cannot read the arrays ({first}); the file is cut or "
                         "corrupt") from None
    for key, (_, _, upper) in specs.items():
        arr = out[key]
        if arr.dtype.kind == "f" and not np.isfinite(arr).all():
            raise ModelError(f"{file}: array {key!r} holds NaN or infinite values")
        if upper is not None and arr.size and (arr.min() < 0 or arr.max() >= bound[upper]):
            raise ModelError(
                f"{file}: array {key!r} holds indices outside 0..{bound[upper] - 1} "
                f"(found {int(arr.min())}..{int(arr.max())})"
            )
    return out


def _read_one(zf: zipfile.ZipFile, file: Path, key: str, shape, dtype: np.dtype, bound: dict):
    info = zf.getinfo(key + ".npy")
    with zf.open(info) as fp:
        found, fortran, dt = _header(fp, file, key)
        if dt != dtype:
            raise ModelError(f"{file}: array {key!r} has dtype {dt}, expected {dtype}")
        want = tuple(bound.get(s, s) for s in shape)
        if len(found) != len(shape) or any(
            s in bound and bound[s] != n for s, n in zip(shape, found, strict=False)
        ):
            raise ModelError(
                f"{file}: array {key!r} has shape {_shape_text(found)}, expected "
                f"{_shape_text(want)} for this model's users and items"
            )
        check_dense(found, dt, what=f"{file}: array {key!r}")
        for s, n in zip(shape, found, strict=True):
            bound.setdefault(s, n)
        need = int(np.prod(found, dtype=np.int64)) * dt.itemsize
        if info.file_size < need:
            raise ModelError(f"{file}: array {key!r} is cut ({info.file_size:,} of {need:,} bytes)")
        flat = np.empty(need // dt.itemsize, dtype=dt)
        view, got = memoryview(flat).cast("B"), 0
        while got < need:
            n = fp.readinto(view[got:])
            if not n:
                raise ModelError(f"{file}: array {key!r} is cut ({got:,} of {need:,} bytes)")
            got += n
        if fp.read(1):  # also makes zipfile check the member's CRC
            raise ModelError(f"{file}: array {key!r} has data after its end")
    arr = flat.reshape(found, order="F" if fortran else "C")
    return np.ascontiguousarray(arr) if fortran else arr


def check_seen(file: Path, indptr: np.ndarray, indices: np.ndarray) -> None:
    """The seen-item CSR arrays are consistent (start at 0, never decrease, end at nnz)."""
    if indptr[0] != 0 or indptr[-1] != len(indices) or (np.diff(indptr) < 0).any():
        raise ModelError(f"{file}: seen_indptr_ is not a valid row index of seen_indices_")
