"""``state_dict.pt`` of a PyTorch model: loaded with ``weights_only=True``, then checked against
the network the hyperparameters describe — built first on PyTorch's ``meta`` device, which
allocates nothing — for size (the dense-memory limit), names, shapes, dtypes and finite values,
before the real network is built."""

from __future__ import annotations

from pathlib import Path

from fairrec_core.errors import ModelError
from fairrec_core.limits import check_dense, current, human_bytes


def _first_line(exc: BaseException) -> str:
    return ((str(exc).splitlines() or [type(exc).__name__])[0])[:200]


def load_module(model, file: Path, params_file: Path):
    """Build ``model``'s network and fill it with the weights in ``file``; returns it in eval
    mode. Every problem is a one-line :class:`ModelError` naming the file."""
    import torch

    limit = current().max_file_bytes
    size = file.stat().st_size
    if size > limit:
        raise ModelError(f"{file}: {human_bytes(size)} is over the {human_bytes(limit)} file limit")
    try:
        state = torch.load(file, weights_only=True, map_location="cpu")
    except Exception as exc:  # noqa: BLE001 - any unreadable file is one clear error
        raise ModelError(f"{file}: cannot read the weights ({_first_line(exc)})") from None
    if not isinstance(state, dict) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items()
    ):
        raise ModelError(f"{file}: expected a state_dict (names -> tensors)")
    # a network can be no wider or deeper than the saved weights: this bounds the meta build
    largest = max([len(state)] + [max(v.shape, default=1) for v in state.values()])
    for key in model._module_params:
        value = int(getattr(model, key))
        if value > largest:
            raise ModelError(
                f"{params_file}: parameter {key}={value} does not fit the weights in {file.name}"
            )
    try:
        with torch.device("meta"):
            meta = model._build_module()
    except Exception as exc:  # noqa: BLE001 - hyperparameters torch cannot build
        raise ModelError(f"{params_file}: the {model.name} network cannot be built from these "
                         f"parameters ({_first_line(exc)})") from None
    tensors = list(meta.parameters()) + list(meta.buffers())
    check_dense((sum(t.numel() for t in tensors),), "float32",
                what=f"{params_file}: the {model.name} network")
    expected = meta.state_dict()
    for name in expected:
        if name not in state:
            raise ModelError(f"{file}: tensor {name!r} is missing")
    for name, tensor in state.items():
        if name not in expected:
            raise ModelError(f"{file}: unexpected tensor {name!r}")
        want = expected[name]
        if tuple(tensor.shape) != tuple(want.shape) or tensor.dtype != want.dtype:
            raise ModelError(
                f"{file}: tensor {name!r} is {tensor.dtype} {tuple(tensor.shape)}, expected "
                f"{want.dtype} {tuple(want.shape)}"
            )
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise ModelError(f"{file}: tensor {name!r} holds NaN or infinite values")
    module = model._build_module()
    try:
        module.load_state_dict(state)
    except RuntimeError as exc:
        raise ModelError(f"{file}: weights do not fit the model ({_first_line(exc)})") from None
    return module.eval()
