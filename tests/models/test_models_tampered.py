"""Tampered saved models: every case stops with one line naming the file and the problem, before
anything large is allocated (issue 13, "Tracebacks": 19 tampered-model cases; "Numbers": NaN
weights). The checksum in params.json catches a changed array file first; most cases here
recompute it (as a deliberate tamperer would) so that the structural checks behind it are
exercised too."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from fairrec_core.errors import FairrecError, ModelError
from fairrec_core.models import EASE, list_saved_models, save_model
from tests.models._tampering import (
    edit_arrays,
    edit_json,
    npz_with_header,
    refused,
    rehash,
)


# ---- params.json --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "key", "value", "expected"),
    [
        ("ease", "l2", "big", "parameter l2='big': expected a number"),
        ("ease", "l2", None, "parameter l2=None: expected a number"),
        ("ease", "l2", float("nan"), "parameter l2=nan: expected a finite number"),
        ("ease", "l2", -5, "ease: l2 must be positive"),
        ("itemknn", "neighbors", 2.5, "parameter neighbors=2.5: expected an integer"),
        ("itemknn", "neighbors", True, "parameter neighbors=True: expected an integer"),
        ("itemknn", "neighbors", [1], "parameter neighbors=[1]: expected an integer"),
        ("twotower", "user_features", "gender", "user_features='gender': expected a list of str"),
        ("twotower", "dim", 1e7, "parameter dim=10000000.0: expected an integer"),
        ("twotower", "dim", 10**30, "expected an integer of a sensible size"),
    ],
)
def test_wrong_parameter_types(copy, name, key, value, expected):
    folder = copy(name)
    edit_json(folder, lambda info: info["params"].__setitem__(key, value))
    refused(folder, expected, file="params.json")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda i: i.__setitem__("params", [1, 2]), "'params' must be a dict, found list"),
        (lambda i: i.__setitem__("state", "x"), "'state' must be a dict, found str"),
        (lambda i: i.__setitem__("model", 3), "'model' must be a string, found int"),
        (lambda i: i.__setitem__("format", 99), "format 99 is not one this fairrec reads"),
        (lambda i: i["state"].__setitem__("n_users_", "200"),
         "state n_users_='200': expected an integer"),
        (lambda i: i["state"].__setitem__("n_users_", -1), "expected an integer in 1..10,000,000"),
        (lambda i: i["state"].pop("n_items_"), "state is missing 'n_items_'"),
        (lambda i: i["params"].__setitem__("depth", 3), "unknown parameter 'depth'"),
        (lambda i: i.pop("files"), "'files' with the checksum of arrays.npz is missing"),
    ],
)
def test_wrong_json_structure(copy, change, expected):
    folder = copy("ease")
    edit_json(folder, change)
    refused(folder, expected, file="params.json")


def test_json_nested_200k_deep_is_one_line(copy):
    folder = copy("ease")
    (folder / "params.json").write_text("[" * 200_000 + "]" * 200_000)
    refused(folder, "not valid JSON (nested too deeply)", file="params.json")
    entry = list_saved_models(folder.parent)[0]
    assert "nested too deeply" in entry["error"]


def test_huge_params_json_is_refused_unread(copy, monkeypatch):
    folder = copy("ease")
    monkeypatch.setenv("FAIRREC_MAX_MODEL_JSON_BYTES", "100")
    refused(folder, "is larger than a model's params.json can be", file="params.json")


def test_params_json_that_is_not_an_object(copy):
    folder = copy("ease")
    (folder / "params.json").write_text("[1, 2, 3]")
    refused(folder, "expected a JSON object, found list", file="params.json")


# ---- arrays.npz ----------------------------------------------------------------------------------
def test_cut_arrays_file_fails_the_checksum_and_the_listing(copy):
    folder = copy("ease")
    data = (folder / "arrays.npz").read_bytes()
    (folder / "arrays.npz").write_bytes(data[: len(data) // 3])
    refused(folder, "the file was cut or changed", file="arrays.npz")
    [entry] = list_saved_models(folder.parent)
    assert entry["error"] is not None and "the file was cut or changed" in entry["error"]


def test_changed_byte_fails_the_checksum(copy):
    folder = copy("ease")
    data = bytearray((folder / "arrays.npz").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (folder / "arrays.npz").write_bytes(bytes(data))
    refused(folder, "checksum does not match params.json", file="arrays.npz")
    assert "checksum does not match" in list_saved_models(folder.parent)[0]["error"]


@pytest.mark.parametrize("cut", [10, 0.5, -30])
def test_truncated_npz_with_a_matching_checksum(copy, cut):
    folder = copy("ease")
    data = (folder / "arrays.npz").read_bytes()
    n = int(len(data) * cut) if isinstance(cut, float) else cut
    (folder / "arrays.npz").write_bytes(data[:n])
    rehash(folder)
    refused(folder, "cannot read the arrays", file="arrays.npz")


def test_bad_crc_member(copy):
    folder = copy("ease")
    data = bytearray((folder / "arrays.npz").read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("weights_.npy")
    data[info.header_offset + 30 + len(info.filename) + 200] ^= 0x01  # inside the data
    (folder / "arrays.npz").write_bytes(bytes(data))
    rehash(folder)
    refused(folder, "Bad CRC-32", file="arrays.npz")


def test_arrays_that_do_not_fit_n_users(copy):
    folder = copy("ease")
    edit_json(folder, lambda i: i["state"].__setitem__("n_users_", 150))
    refused(folder, "array 'seen_indptr_' has shape (201,), expected (151,)", file="arrays.npz")


def test_arrays_that_do_not_fit_n_items(copy):
    folder = copy("ease")
    edit_arrays(folder, lambda a: a.__setitem__("weights_", a["weights_"][:, :119].copy()))
    refused(folder, "array 'weights_' has shape (120, 119), expected (120, 120)")


def test_wrong_dtype(copy):
    folder = copy("ease")
    edit_arrays(folder, lambda a: a.__setitem__("weights_", a["weights_"].astype(np.float64)))
    refused(folder, "array 'weights_' has dtype float64, expected float32")


def test_out_of_range_seen_indices(copy):
    folder = copy("ease")

    def change(a):
        a["seen_indices_"][5] = 120

    edit_arrays(folder, change)
    refused(folder, "array 'seen_indices_' holds indices outside 0..119 (found 0..120)")


def test_out_of_range_neighbour_indices(copy):
    folder = copy("itemknn")

    def change(a):
        a["neighbor_indices_"][0, 0] = -7

    edit_arrays(folder, change)
    refused(folder, "array 'neighbor_indices_' holds indices outside 0..119")


def test_seen_indptr_that_is_not_a_row_index(copy):
    folder = copy("ease")

    def change(a):
        a["seen_indptr_"][3], a["seen_indptr_"][4] = a["seen_indptr_"][4], a["seen_indptr_"][3]

    edit_arrays(folder, change)
    refused(folder, "seen_indptr_ is not a valid row index of seen_indices_")


def test_missing_array(copy):
    folder = copy("ease")
    edit_arrays(folder, lambda a: a.pop("weights_"))
    refused(folder, "array 'weights_' is missing")


def test_huge_declared_shape_is_refused_before_allocating(copy):
    folder = copy("ease")
    n = 200_000  # a 160 GB float32 item x item matrix, declared in a few bytes
    edit_json(folder, lambda i: i["state"].__setitem__("n_items_", n))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        with zipfile.ZipFile(folder / "arrays.npz") as old:
            for member in ("seen_indptr_.npy", "seen_indices_.npy"):
                zf.writestr(member, old.read(member))
        zf.writestr("weights_.npy", npz_with_header((n, n)))
    (folder / "arrays.npz").write_bytes(buf.getvalue())
    rehash(folder)
    message = refused(folder, "array 'weights_' needs a dense 200,000 x 200,000 float32 array "
                      "(149.0 GiB), over the 4.0 GiB limit", cls=FairrecError)
    assert str(folder / "arrays.npz") in message
    # a declared shape within the limit but larger than the member's data: refused unread
    edit_json(folder, lambda i: i["state"].__setitem__("n_items_", 1000))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        with zipfile.ZipFile(folder / "arrays.npz") as old:
            for member in ("seen_indptr_.npy", "seen_indices_.npy"):
                zf.writestr(member, old.read(member))
        zf.writestr("weights_.npy", npz_with_header((1000, 1000)))
    (folder / "arrays.npz").write_bytes(buf.getvalue())
    rehash(folder)
    refused(folder, "array 'weights_' is cut (")


def test_nan_weights_are_refused_not_recommended_in_index_order(copy, small_split):
    folder = copy("ease")

    def change(a):
        a["weights_"][:] = np.nan

    edit_arrays(folder, change)
    refused(folder, "array 'weights_' holds NaN or infinite values", file="arrays.npz")
    folder = copy("itemknn")

    def change_inf(a):
        a["neighbor_weights_"][3, 1] = np.inf

    edit_arrays(folder, change_inf)
    refused(folder, "array 'neighbor_weights_' holds NaN or infinite values")


def test_nan_weights_are_not_saved(small_split, tmp_path):
    model = EASE(l2=50.0).fit(small_split.train)
    model.weights_[0, 1] = np.nan
    with pytest.raises(ModelError, match="learned array weights_ holds NaN or infinite values"):
        save_model(model, tmp_path / "nan")
    assert not (tmp_path / "nan").exists()


def test_pickled_object_array_is_refused_unread(copy):
    folder = copy("ease")
    edit_arrays(folder, lambda a: a.__setitem__("weights_", np.array([object()], dtype=object)))
    refused(folder, "array 'weights_' has dtype object, expected float32")


def test_twotower_codes_outside_their_feature(copy):
    folder = copy("twotower")

    def change(a):
        a["user_codes_"][0, 0] = a["user_sizes_"][0]

    edit_arrays(folder, change)
    refused(folder, "user_codes_ holds a code outside its feature's size", file="arrays.npz")
