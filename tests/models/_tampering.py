"""Helpers for the tampered-model tests: edit a copy of a small saved model (fixtures `saved`,
`copy` in conftest.py), with the checksum recomputed as a deliberate tamperer would."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from fairrec_core.errors import ModelError
from fairrec_core.models import load_model


def rehash(folder) -> None:
    """Recompute the size and sha256 of the array files in params.json."""
    info = json.loads((folder / "params.json").read_text())
    for name in list(info["files"]):
        data = (folder / name).read_bytes()
        info["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    (folder / "params.json").write_text(json.dumps(info))


def edit_json(folder, change) -> None:
    info = json.loads((folder / "params.json").read_text())
    change(info)
    (folder / "params.json").write_text(json.dumps(info))


def edit_arrays(folder, change, *, keep_checksum: bool = False) -> None:
    arrays = dict(np.load(folder / "arrays.npz", allow_pickle=False))
    change(arrays)
    np.savez(folder / "arrays.npz", **arrays)
    if not keep_checksum:
        rehash(folder)


def edit_state_dict(folder, change) -> None:
    import torch

    state = torch.load(folder / "state_dict.pt", weights_only=True)
    change(state)
    torch.save(state, folder / "state_dict.pt")
    rehash(folder)


def npz_with_header(shape, dtype="<f4") -> bytes:
    """A .npy member that declares ``shape`` but holds no data."""
    header = f"{{'descr': '{dtype}', 'fortran_order': False, 'shape': {tuple(shape)}, }}"
    header = header.ljust(118) + "\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode()


def refused(folder, pattern: str, *, cls=ModelError, file: str | None = None) -> str:
    with pytest.raises(cls) as info:
        load_model(folder)
    message = str(info.value)
    assert "\n" not in message
    assert pattern in message, message
    if file is not None:
        assert str(folder / file) in message, message
    return message
