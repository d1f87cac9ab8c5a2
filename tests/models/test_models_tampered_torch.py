"""Tampered saved models, part two: torch state_dicts and models saved before checksums
(see test_models_tampered.py)."""

from __future__ import annotations

import numpy as np

from fairrec_core.errors import FairrecError
from fairrec_core.models import list_saved_models, load_model
from tests.models._tampering import (
    edit_arrays,
    edit_json,
    edit_state_dict,
    refused,
    rehash,
)


# ---- state_dict.pt -------------------------------------------------------------------------------
def test_torch_dim_1e7_is_refused_before_building(copy):
    folder = copy("twotower")
    edit_json(folder, lambda i: i["params"].__setitem__("dim", 10_000_000))
    refused(folder, "parameter dim=10000000 does not fit the weights in state_dict.pt",
            file="params.json")


def test_torch_network_over_the_memory_limit(copy, monkeypatch):
    folder = copy("twotower")
    model = load_model(folder)
    network = 4 * sum(p.numel() for p in model.module_.parameters())
    largest = max(v.nbytes for v in dict(np.load(folder / "arrays.npz")).values())
    assert network > largest
    monkeypatch.setenv("FAIRREC_MAX_DENSE_BYTES", str(largest))
    refused(folder, "the twotower network needs a dense", cls=FairrecError)


def test_torch_tensor_with_a_wrong_shape(copy):
    folder = copy("twotower")

    def change(state):
        state["item_bias"] = state["item_bias"][:100].clone()

    edit_state_dict(folder, change)
    refused(folder, "tensor 'item_bias' is torch.float32 (100,), expected torch.float32 (120,)",
            file="state_dict.pt")


def test_torch_tensor_missing_or_extra(copy):
    folder = copy("twotower")
    edit_state_dict(folder, lambda s: s.__setitem__("extra", s["item_bias"].clone()))
    refused(folder, "unexpected tensor 'extra'", file="state_dict.pt")
    edit_state_dict(folder, lambda s: (s.pop("extra"), s.pop("item_bias")))
    refused(folder, "tensor 'item_bias' is missing", file="state_dict.pt")


def test_torch_nan_tensor(copy):
    folder = copy("twotower")

    def change(state):
        state["user.ids.weight"][0, 0] = float("nan")

    edit_state_dict(folder, change)
    refused(folder, "tensor 'user.ids.weight' holds NaN or infinite values")


def test_truncated_state_dict(copy):
    folder = copy("twotower")
    data = (folder / "state_dict.pt").read_bytes()
    (folder / "state_dict.pt").write_bytes(data[: len(data) // 2])
    refused(folder, "the file was cut or changed", file="state_dict.pt")
    rehash(folder)
    refused(folder, "cannot read the weights", file="state_dict.pt")


def test_missing_state_dict_is_listed_as_a_problem(copy):
    folder = copy("twotower")
    (folder / "state_dict.pt").unlink()
    refused(folder, "state_dict.pt is missing")
    assert "state_dict.pt is missing" in list_saved_models(folder.parent)[0]["error"]


# ---- old models ------------------------------------------------------------------------------------
def test_model_without_checksums_loads_with_a_warning(copy, saved, small_split):
    folder = copy("ease")

    def old(info):
        info.pop("files")
        info["format"] = 1

    edit_json(folder, old)
    users = np.arange(small_split.train.n_users)
    a = load_model(folder).recommend(users, 10)
    b = load_model(saved / "ease").recommend(users, 10)
    np.testing.assert_array_equal(a[0], b[0])
    [entry] = list_saved_models(folder.parent)
    assert entry["error"] is None and "save it again" in entry["warning"]

    def change(a):
        a["weights_"][0, 0] = np.nan

    edit_arrays(folder, change, keep_checksum=True)  # no checksum to keep: still validated
    refused(folder, "array 'weights_' holds NaN or infinite values")
