"""Tampered saved models, shared by ``tests/fuzz/test_fuzz_models.py`` and
``benchmarks/bench_fuzz_models.py``.

:func:`tamper` applies one hostile change, drawn from a ``random.Random``, to a copy of a saved
model folder — in ``params.json`` (types, values, deletions, nesting, NaN, truncation), in
``arrays.npz`` (truncation, flipped bytes, arrays replaced with wrong shapes or dtypes, NaN,
pickled object arrays, huge declared shapes) or in ``state_dict.pt`` (truncation, flipped bytes,
wrong shapes, missing or extra tensors, NaN) — and half the time recomputes the checksums in
``params.json`` as a deliberate tamperer would. :func:`check` loads the folder and says whether
the outcome is acceptable: a model whose recommendations equal the original's, or one
``FairrecError`` line naming the folder.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import zipfile
from pathlib import Path

import numpy as np

from fairrec_core.errors import FairrecError
from fairrec_core.models import ALS, BPR, EASE, ItemKNN, Popularity, TwoTower, load_model

HOSTILE_JSON = [None, True, False, 0, -1, 1, 2.5, -1e308, 1e308, 10**20, -(10**20), "", "x",
                "NaN", [], [1, 2], {}, {"a": 1}, "1" * 300]


def small_models() -> dict:
    """One quick-to-fit model of each kind the fuzz covers (one with PyTorch weights)."""
    return {
        "popularity": Popularity(),
        "itemknn": ItemKNN(neighbors=10),
        "ease": EASE(l2=50.0),
        "als": ALS(factors=4, iterations=2, validation=0.0),
        "bpr": BPR(factors=4, epochs=1, validation=0.0),
        "twotower": TwoTower(dim=4, feature_dim=2, hidden=8, epochs=1, validation=0.0),
    }


def recommendations(model) -> np.ndarray:
    return model.recommend(np.arange(model.n_users_), min(10, model.n_items_))[0]


def rehash(folder: Path) -> None:
    info = json.loads((folder / "params.json").read_text())
    if not isinstance(info, dict) or not isinstance(info.get("files"), dict):
        return
    for name in list(info["files"]):
        if (folder / name).is_file():
            data = (folder / name).read_bytes()
            info["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    (folder / "params.json").write_text(json.dumps(info))


# ---- params.json -------------------------------------------------------------------------------
def _json(folder: Path, rng: random.Random) -> str:
    file = folder / "params.json"
    info = json.loads(file.read_text())
    kind = rng.choice(["param", "state", "top", "delete", "nest", "nan", "cut", "model"])
    if kind == "param" and info["params"]:
        key = rng.choice(sorted(info["params"]))
        info["params"][key] = rng.choice(HOSTILE_JSON)
    elif kind == "state":
        key = rng.choice(sorted(info["state"]))
        info["state"][key] = rng.choice(HOSTILE_JSON + [info["state"][key]])
    elif kind == "top":
        info[rng.choice(sorted(info))] = rng.choice(HOSTILE_JSON)
    elif kind == "delete":
        where = rng.choice([info, info["params"], info["state"], info.get("files") or {}])
        if where:
            del where[rng.choice(sorted(where))]
    elif kind == "nest":
        depth = rng.choice([10, 1000, 100_000, 200_000])
        file.write_text("[" * depth + "]" * depth if rng.random() < 0.5 else
                        '{"model": ' + "[" * depth + "]" * depth + "}")
        return f"json nest {depth}"
    elif kind == "nan":
        text = json.dumps(info).replace(": 50.0", ": NaN").replace(
            '"n_items_": ', '"n_items_": 1e999, "n_items_x": ')
        file.write_text(text)
        return "json nan"
    elif kind == "cut":
        text = file.read_text()
        file.write_text(text[: rng.randrange(len(text))])
        return "json cut"
    elif kind == "model":
        info["model"] = rng.choice(["popularity", "itemknn", "userknn", "ease", "als", "bpr",
                                    "twotower", "sasrec", "nope"])
    file.write_text(json.dumps(info))
    return f"json {kind}"


# ---- arrays.npz and state_dict.pt --------------------------------------------------------------
def _bytes(file: Path, rng: random.Random) -> str:
    data = bytearray(file.read_bytes())
    if rng.random() < 0.5:
        file.write_bytes(bytes(data[: rng.randrange(len(data))]))
        return f"{file.name} cut"
    for _ in range(rng.randint(1, 4)):
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    file.write_bytes(bytes(data))
    return f"{file.name} flipped"


def _header_only(shape, descr="<f4") -> bytes:
    header = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {tuple(shape)}, }}"
    header = header.ljust(118) + "\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode()


def _array(folder: Path, rng: random.Random) -> str:
    file = folder / "arrays.npz"
    arrays = dict(np.load(file, allow_pickle=False))
    key = rng.choice(sorted(arrays))
    a = arrays[key]
    kind = rng.choice(["shape", "dtype", "nan", "object", "huge", "empty", "scalar", "index",
                       "drop", "same"])
    if kind == "huge":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            for k, v in arrays.items():
                if k != key:
                    out = io.BytesIO()
                    np.save(out, v)
                    zf.writestr(k + ".npy", out.getvalue())
            zf.writestr(key + ".npy", _header_only((10**6,) * max(1, a.ndim), a.dtype.str))
        file.write_bytes(buf.getvalue())
        return f"npz huge {key}"
    if kind == "shape" and a.size:
        arrays[key] = a[:-1] if rng.random() < 0.5 else np.concatenate([a, a[:1]])
    elif kind == "dtype":
        arrays[key] = a.astype(rng.choice([np.float64, np.int64, np.float16, np.int8, np.uint32]))
    elif kind == "nan" and a.size:
        b = a.astype(np.float32) if a.dtype.kind != "f" else a.copy()
        b.flat[rng.randrange(b.size)] = rng.choice([np.nan, np.inf, -np.inf])
        arrays[key] = b.astype(a.dtype) if a.dtype.kind == "f" else b
    elif kind == "object":
        arrays[key] = np.array([{"x": 1}, None], dtype=object)
    elif kind == "empty":
        arrays[key] = a[:0]
    elif kind == "scalar":
        arrays[key] = np.array(3, dtype=a.dtype)
    elif kind == "index" and a.size and a.dtype.kind == "i":
        b = a.copy()
        # out of range only: an in-range change with a recomputed checksum is undetectable
        b.flat[rng.randrange(b.size)] = rng.choice([-1, -(2**31), 10**9])
        arrays[key] = b
    elif kind == "drop":
        del arrays[key]
    buf = io.BytesIO()
    np.savez(buf, **arrays)  # np.save pickles object arrays: loading must refuse them
    file.write_bytes(buf.getvalue())
    return f"npz {kind} {key}"


def _torch(folder: Path, rng: random.Random) -> str:
    import torch

    file = folder / "state_dict.pt"
    state = torch.load(file, weights_only=True)
    key = rng.choice(sorted(state))
    kind = rng.choice(["shape", "nan", "drop", "extra", "dtype"])
    if kind == "shape":
        t = state[key]
        state[key] = torch.zeros(tuple(s + 1 for s in t.shape) or (2,))
    elif kind == "nan" and state[key].is_floating_point() and state[key].numel():
        state[key] = state[key].clone()
        state[key].view(-1)[rng.randrange(state[key].numel())] = float("nan")
    elif kind == "drop":
        del state[key]
    elif kind == "extra":
        state["extra.weight"] = torch.ones(3)
    elif kind == "dtype":
        state[key] = state[key].to(torch.float64)
    torch.save(state, file)
    return f"torch {kind} {key}"


def tamper(folder: Path, rng: random.Random) -> str:
    """Apply one hostile change to the saved model in ``folder``; returns what was done."""
    targets = ["json", "npz-bytes", "npz-array"]
    if (folder / "state_dict.pt").is_file():
        targets += ["torch-bytes", "torch-tensor"]
    target = rng.choice(targets)
    if target == "json":
        return _json(folder, rng)
    if target == "npz-bytes":
        what = _bytes(folder / "arrays.npz", rng)
    elif target == "npz-array":
        what = _array(folder, rng)
    elif target == "torch-bytes":
        what = _bytes(folder / "state_dict.pt", rng)
    else:
        what = _torch(folder, rng)
    if rng.random() < 0.5:
        rehash(folder)
        what += " (checksum recomputed)"
    return what


def check(folder: Path, expected: np.ndarray) -> tuple[str, str]:
    """``("loaded", "")`` when the model loads and recommends as before, ``("refused",
    message)`` for one FairrecError line naming the folder; raises AssertionError otherwise."""
    try:
        model = load_model(folder)
    except FairrecError as exc:
        message = str(exc)
        assert "\n" not in message, f"multi-line message: {message!r}"
        assert str(folder) in message, f"message does not name the file: {message}"
        return "refused", message
    got = recommendations(model)
    assert got.shape == expected.shape and (got == expected).all(), (
        "a tampered model loaded and recommends differently"
    )
    return "loaded", ""
