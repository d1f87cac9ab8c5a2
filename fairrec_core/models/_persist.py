"""Saving and loading models without pickle: ``params.json`` plus ``arrays.npz`` (loaded with
``allow_pickle=False``) and, for PyTorch models, ``state_dict.pt`` (loaded with
``weights_only=True``). Loading a model file can never execute code."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from fairrec_core import __version__
from fairrec_core.errors import ModelError
from fairrec_core.models._base import Recommender

PARAMS_FILE = "params.json"
ARRAYS_FILE = "arrays.npz"
TORCH_FILE = "state_dict.pt"
FORMAT = 1
#: Learned arrays every model has (the training interactions, for seen-item masking).
SEEN_ARRAYS = ("seen_indptr_", "seen_indices_")
#: Learned scalars every model has.
BASE_SCALARS = ("n_users_", "n_items_", "fingerprint_")


def _jsonable(value):
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        value = float(value)
        return value if math.isfinite(value) else str(value)
    return value


def save_model(model: Recommender, path, *, train=None, metrics: dict | None = None) -> Path:
    """Write a fitted ``model`` into the folder ``path`` (created if needed); returns the folder.

    ``train`` (optional) is the training Dataset: it must be the data the model was fitted on.
    ``metrics`` (e.g. ``{"NDCG@10": 0.43}``) are stored for the model list.
    """
    model._check_fitted()
    if train is not None and str(train.fingerprint) != model.fingerprint_:
        raise ModelError(
            f"{model.name}: was trained on data with fingerprint {model.fingerprint_}, not on "
            f"{train.name!r} ({train.fingerprint})"
        )
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {name: np.asarray(getattr(model, name)) for name in SEEN_ARRAYS + model._arrays}
    np.savez(folder / ARRAYS_FILE, **arrays)
    module = getattr(model, "module_", None)
    if module is not None:
        import torch

        torch.save(module.state_dict(), folder / TORCH_FILE)
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
    }
    (folder / PARAMS_FILE).write_text(json.dumps(info, indent=2) + "\n")
    return folder


def read_params(path) -> dict:
    """The ``params.json`` of a saved model folder, checked for the required keys."""
    file = Path(path) / PARAMS_FILE
    if not file.is_file():
        raise ModelError(f"{path}: not a saved model ({PARAMS_FILE} is missing)")
    try:
        info = json.loads(file.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{file}: not valid JSON ({exc})") from None
    missing = [
        k for k in ("model", "params", "fingerprint", "state")
        if not isinstance(info, dict) or k not in info
    ]
    if missing:
        raise ModelError(f"{file}: missing {', '.join(missing)}")
    return info


def load_model(path, *, data=None) -> Recommender:
    """Load a model saved by :func:`save_model`.

    With ``data`` (the training Dataset) the model is refused if it was trained on other data.
    """
    from fairrec_core.models import MODELS

    folder = Path(path)
    info = read_params(folder)
    name = info["model"]
    if name not in MODELS:
        raise ModelError(f"{folder}: unknown model {name!r}; expected one of {', '.join(MODELS)}")
    if data is not None and str(data.fingerprint) != str(info["fingerprint"]):
        raise ModelError(
            f"{folder}: this {name} model was trained on other data (fingerprint "
            f"{info['fingerprint']}, this dataset {data.fingerprint}); train it again on this data"
        )
    cls = MODELS[name]
    defaults = cls().get_params()
    params = {}
    for key, value in dict(info["params"]).items():
        if isinstance(defaults.get(key), tuple) and isinstance(value, list):
            value = tuple(value)
        params[key] = value
    model = cls().set_params(**params)
    state = dict(info["state"])
    for key in BASE_SCALARS + cls._scalars:
        if key not in state:
            raise ModelError(f"{folder / PARAMS_FILE}: state is missing {key!r}")
        value = state[key]
        setattr(model, key, tuple(value) if isinstance(value, list) else value)
    try:
        with np.load(folder / ARRAYS_FILE, allow_pickle=False) as npz:
            for key in SEEN_ARRAYS + cls._arrays:
                if key not in npz.files:
                    raise ModelError(f"{folder / ARRAYS_FILE}: array {key!r} is missing")
                setattr(model, key, npz[key])
    except (OSError, ValueError) as exc:
        if isinstance(exc, ModelError):
            raise
        raise ModelError(f"{folder / ARRAYS_FILE}: cannot read the arrays ({exc})") from None
    if len(model.seen_indptr_) != model.n_users_ + 1:
        raise ModelError(f"{folder / ARRAYS_FILE}: seen-item arrays do not match {model.n_users_} users")
    if hasattr(model, "_build_module"):
        import torch

        try:
            state_dict = torch.load(folder / TORCH_FILE, weights_only=True, map_location="cpu")
        except Exception as exc:  # noqa: BLE001 - any unreadable file is one clear error
            raise ModelError(f"{folder / TORCH_FILE}: cannot read the weights ({exc})") from None
        model.module_ = model._build_module()
        try:
            model.module_.load_state_dict(state_dict)
        except RuntimeError as exc:
            first = str(exc).splitlines()[0]
            raise ModelError(f"{folder / TORCH_FILE}: weights do not fit the model ({first})") from None
        model.module_.eval()
    return model


def list_saved_models(folder="models") -> list[dict]:
    """One entry per model folder under ``folder``: ``dir, name, params, fingerprint, time,
    metrics, dataset, error`` (``error`` is a message for a corrupt folder, else None). Never
    raises for a bad folder; a missing ``folder`` gives an empty list."""
    root = Path(folder)
    if not root.is_dir():
        return []
    out = []
    for sub in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        entry = {
            "dir": str(sub), "name": None, "params": {}, "fingerprint": None, "time": None,
            "metrics": {}, "dataset": None, "error": None,
        }
        try:
            info = read_params(sub)
            from fairrec_core.models import MODELS

            if info["model"] not in MODELS:
                raise ModelError(f"{sub}: unknown model {info['model']!r}")
            if not (sub / ARRAYS_FILE).is_file():
                raise ModelError(f"{sub}: {ARRAYS_FILE} is missing")
            entry.update(
                name=info["model"], params=info["params"], fingerprint=info["fingerprint"],
                time=info.get("time"), metrics=info.get("metrics") or {},
                dataset=info.get("dataset"),
            )
        except ModelError as exc:
            entry["error"] = str(exc)
        out.append(entry)
    return out
