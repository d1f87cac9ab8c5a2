"""Saving and loading models without pickle: ``params.json`` plus ``arrays.npz`` (loaded with
``allow_pickle=False``) and, for PyTorch models, ``state_dict.pt`` (loaded with
``weights_only=True``). Loading a model file can never execute code.

A model folder is written whole or not at all (:func:`fairrec_core.outputs.staged_folder`), and
``params.json`` records the size and sha256 of each array file (format 2), which
:func:`load_model` and :func:`list_saved_models` verify. Folders saved before the checksums
(format 1) still load — every array is validated all the same — and are listed with a warning
suggesting to save them again.
"""

from __future__ import annotations

import json
import math
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from fairrec_core import __version__
from fairrec_core.errors import ModelError
from fairrec_core.models._arrayfile import SEEN_SHAPES, check_seen, read_arrays
from fairrec_core.models._base import Recommender
from fairrec_core.models._modelfile import (
    ARRAYS_FILE,
    FORMAT,
    MODEL_FILES,
    PARAMS_FILE,
    TORCH_FILE,
    check_info,
    read_json,
    sha256,
    typed_params,
    typed_state,
    verify_files,
)
from fairrec_core.outputs import OutputError, staged_folder, write_atomic

#: Learned arrays every model has (the training interactions, for seen-item masking).
SEEN_ARRAYS = tuple(SEEN_SHAPES)
#: Learned scalars every model has.
BASE_SCALARS = ("n_users_", "n_items_", "fingerprint_")
#: What a saved-model name may look like (no path separators, no leading dot).
NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"
NO_CHECKSUM = "saved without checksums by an older fairrec; save it again to add them"


def _jsonable(value):
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        value = float(value)
        return value if math.isfinite(value) else str(value)
    return value


def model_folder(root, name: str) -> Path:
    """The folder of the saved model ``name`` under ``root``, refusing a name that is not one
    plain folder name (1-64 letters, digits, '.', '_' or '-', starting with a letter or digit:
    no ``..``, ``a/b``, leading dot or dash) or that resolves outside ``root``."""
    if not isinstance(name, str) or not re.fullmatch(NAME_PATTERN, name):
        shown = name if not isinstance(name, str) or len(name) <= 70 else name[:67] + "..."
        raise ModelError(
            f"model name {shown!r}: use 1 to 64 letters, digits, '.', '_' or '-', starting with "
            "a letter or digit"
        )
    root = Path(root)
    folder = root / name
    if folder.resolve().parent != Path(os.path.abspath(root)).resolve():
        raise ModelError(f"model name {name!r}: it must name a folder inside {root}/")
    return folder


def save_model(model: Recommender, path, *, train=None, metrics: dict | None = None,
               force: bool = False, inputs=(), flag: str = "") -> Path:
    """Write a fitted ``model`` into the folder ``path``; returns the folder.

    ``train`` (optional) is the training Dataset: it must be the data the model was fitted on.
    ``metrics`` (e.g. ``{"NDCG@10": 0.43}``) are stored for the model list. An existing
    non-empty folder is replaced only with ``force`` and only if it holds nothing but model
    files; ``inputs`` are paths the folder must not hold; ``flag`` names the option in
    messages (``"--out"``). The folder ends up with the old model or the new one, never a mix.
    """
    model._check_fitted()
    if train is not None and str(train.fingerprint) != model.fingerprint_:
        raise ModelError(
            f"{model.name}: was trained on data with fingerprint {model.fingerprint_}, not on "
            f"{train.name!r} ({train.fingerprint})"
        )
    arrays = {name: np.asarray(getattr(model, name)) for name in SEEN_ARRAYS + model._arrays}
    for name, arr in arrays.items():
        if arr.dtype.kind == "f" and not np.isfinite(arr).all():
            raise ModelError(
                f"{model.name}: learned array {name} holds NaN or infinite values (training "
                "diverged; try a smaller learning rate or more regularisation); not saved"
            )
    module = getattr(model, "module_", None)
    hint = "--force" if flag else "force=True"
    try:
        with staged_folder(path, owned=MODEL_FILES, force=force, inputs=inputs, flag=flag,
                           force_hint=hint) as stage:
            write_atomic(stage / ARRAYS_FILE, lambda f: np.savez(f, **arrays))
            if module is not None:
                import torch

                write_atomic(stage / TORCH_FILE, lambda f: torch.save(module.state_dict(), f))
            files = {
                name: {"sha256": sha256(stage / name), "bytes": (stage / name).stat().st_size}
                for name in (ARRAYS_FILE, TORCH_FILE) if (stage / name).is_file()
            }
            info = {
                "format": FORMAT,
                "model": model.name,
                "params": {k: _jsonable(v) for k, v in model.get_params().items()},
                "fairrec_version": __version__,
                "fingerprint": model.fingerprint_,
                "dataset": None if train is None else str(train.name),
                "metrics": {str(k): _jsonable(v) for k, v in (metrics or {}).items()},
                "time": datetime.now(UTC).isoformat(timespec="seconds"),
                "state": {k: _jsonable(getattr(model, k)) for k in BASE_SCALARS + model._scalars},
                "files": files,
            }
            write_atomic(stage / PARAMS_FILE, json.dumps(info, indent=2) + "\n")
    except OutputError as exc:
        raise ModelError(str(exc)) from None
    return Path(path)


def read_params(path) -> dict:
    """The ``params.json`` of a saved model folder, checked for its keys and their types."""
    file = Path(path) / PARAMS_FILE
    if not file.is_file():
        raise ModelError(f"{path}: not a saved model ({PARAMS_FILE} is missing)")
    info = read_json(file)
    check_info(file, info)
    return info


def _model_class(folder: Path, info: dict):
    from fairrec_core.models import MODELS

    name = info["model"]
    if name not in MODELS:
        raise ModelError(f"{folder}: unknown model {name!r}; expected one of {', '.join(MODELS)}")
    return MODELS[name]


def _needed(cls) -> tuple[str, ...]:
    return (ARRAYS_FILE, TORCH_FILE) if hasattr(cls, "_build_module") else (ARRAYS_FILE,)


def load_model(path, *, data=None) -> Recommender:
    """Load a model saved by :func:`save_model`, validating every field, checksum and array.

    With ``data`` (the training Dataset) the model is refused if it was trained on other data.
    """
    folder = Path(path)
    file = folder / PARAMS_FILE
    info = read_params(folder)
    cls = _model_class(folder, info)
    name = info["model"]
    if data is not None and str(data.fingerprint) != str(info["fingerprint"]):
        raise ModelError(
            f"{folder}: this {name} model was trained on other data (fingerprint "
            f"{info['fingerprint']}, this dataset {data.fingerprint}); train it again on this data"
        )
    verify_files(folder, info, needed=_needed(cls))
    params = typed_params(file, cls().get_params(), info["params"])
    model = cls().set_params(**params)
    try:
        model._check_params()
    except ModelError as exc:
        raise ModelError(f"{file}: {exc}") from None
    for key, value in typed_state(file, info["state"], BASE_SCALARS + cls._scalars).items():
        setattr(model, key, value)
    if model.fingerprint_ != info["fingerprint"]:
        raise ModelError(f"{file}: state fingerprint_ differs from 'fingerprint'")
    dims = {"users": model.n_users_, "items": model.n_items_, "users+1": model.n_users_ + 1}
    arrays = read_arrays(folder / ARRAYS_FILE, {**SEEN_SHAPES, **cls._array_shapes}, dims)
    check_seen(folder / ARRAYS_FILE, arrays["seen_indptr_"], arrays["seen_indices_"])
    for key, value in arrays.items():
        setattr(model, key, value)
    problem = model._check_loaded()
    if problem:
        raise ModelError(f"{folder / ARRAYS_FILE}: {problem}")
    if hasattr(model, "_build_module"):
        from fairrec_core.models._torchfile import load_module

        model.module_ = load_module(model, folder / TORCH_FILE, file)
    return model


def list_saved_models(folder="models") -> list[dict]:
    """One entry per model folder under ``folder``: ``dir, name, params, fingerprint, time,
    metrics, dataset, error, warning``. ``error`` is a one-line message for a folder that
    cannot be loaded (missing or invalid params.json, unknown model, a missing array file, an
    array file whose size or sha256 differs from params.json — cut or changed), else None;
    ``warning`` notes a model saved without checksums. Hidden folders (names starting with
    ``.``, e.g. the temporary folders of an interrupted save) are skipped. Never raises for a
    bad folder; a missing ``folder`` gives an empty list."""
    root = Path(folder)
    if not root.is_dir():
        return []
    out = []
    for sub in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        entry = {
            "dir": str(sub), "name": None, "params": {}, "fingerprint": None, "time": None,
            "metrics": {}, "dataset": None, "error": None, "warning": None,
        }
        try:
            info = read_params(sub)
            cls = _model_class(sub, info)
            verify_files(sub, info, needed=_needed(cls))
            entry.update(
                name=info["model"], params=info["params"], fingerprint=info["fingerprint"],
                time=info.get("time"), metrics=info.get("metrics") or {},
                dataset=info.get("dataset"),
            )
            if info.get("format", 1) < 2:
                entry["warning"] = NO_CHECKSUM
        except ModelError as exc:
            entry["error"] = str(exc)
        except OSError as exc:
            entry["error"] = f"{sub}: cannot read ({exc.strerror or exc})"
        out.append(entry)
    return out
