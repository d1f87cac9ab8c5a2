"""Misuse gives a one-line ModelError naming what was expected."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from fairrec_core.data import split_dataset
from fairrec_core.errors import ModelError
from fairrec_core.models import EASE, MODELS, Popularity, list_saved_models, load_model, save_model


@pytest.mark.parametrize("name", list(MODELS))
def test_unfitted_model_refuses_to_recommend_score_or_save(name, tmp_path):
    model = MODELS[name]()
    with pytest.raises(ModelError, match="not trained yet"):
        model.recommend([0], 5)
    with pytest.raises(ModelError, match="not trained yet"):
        model.score([0], [0])
    with pytest.raises(ModelError, match="not trained yet"):
        save_model(model, tmp_path / "m")


@pytest.fixture(scope="module")
def ease(small_split):
    return EASE(l2=50.0).fit(small_split.train)


def test_unknown_user_is_named(ease):
    with pytest.raises(ModelError, match="unknown user index 200; the model knows user indices 0..199"):
        ease.recommend([3, 200], 5)
    with pytest.raises(ModelError, match="unknown user index -1"):
        ease.score([-1], [0])
    with pytest.raises(ModelError, match="unknown item index 120"):
        ease.score([0], [120])
    with pytest.raises(ModelError, match="1-d array of user indices"):
        ease.recommend(np.array([1.5]), 5)


def test_k_larger_than_the_catalogue_or_not_positive(ease):
    with pytest.raises(ModelError, match=r"k=121 is larger than the catalogue \(120 items\)"):
        ease.recommend([0], 121)
    with pytest.raises(ModelError, match="k must be a positive integer"):
        ease.recommend([0], 0)
    items, _ = ease.recommend([0], 120, exclude_seen=False)  # exactly the catalogue is fine
    assert sorted(items[0]) == list(range(120))


def test_score_needs_matching_arrays(ease):
    with pytest.raises(ModelError, match="equal-length arrays"):
        ease.score([0, 1], [0])


def test_bad_hyperparameter_is_refused_at_fit(small_split):
    with pytest.raises(ModelError, match="ease: l2 must be positive"):
        EASE(l2=-1).fit(small_split.train)


def test_loading_for_other_data_is_refused(ease, small_shop, small_split, tmp_path):
    save_model(ease, tmp_path / "ease", train=small_split.train)
    other = split_dataset(small_shop, seed=2).train
    with pytest.raises(ModelError, match="trained on other data"):
        load_model(tmp_path / "ease", data=other)
    with pytest.raises(ModelError, match="was trained on data with fingerprint"):
        save_model(ease, tmp_path / "again", train=other)
    # without data the model loads; with the right data too
    assert load_model(tmp_path / "ease").fingerprint_ == small_split.train.fingerprint
    assert load_model(tmp_path / "ease", data=small_split.train).n_items_ == 120


def test_corrupt_folders_are_flagged_not_raised(ease, small_split, tmp_path):
    root = tmp_path / "models"
    save_model(ease, root / "good", train=small_split.train, metrics={"NDCG@10": 0.25})
    (root / "no_params").mkdir()
    (root / "bad_json").mkdir()
    (root / "bad_json" / "params.json").write_text("{not json")
    (root / "unknown").mkdir()
    save_model(Popularity().fit(small_split.train), root / "unknown")
    info = json.loads((root / "unknown" / "params.json").read_text())
    info["model"] = "no_such_model"
    (root / "unknown" / "params.json").write_text(json.dumps(info))
    (root / "no_arrays").mkdir()
    (root / "no_arrays" / "params.json").write_text((root / "good" / "params.json").read_text())

    entries = {e["dir"].rsplit("/", 1)[-1]: e for e in list_saved_models(root)}
    assert set(entries) == {"good", "no_params", "bad_json", "unknown", "no_arrays"}
    good = entries["good"]
    assert good["error"] is None and good["name"] == "ease"
    assert good["params"] == {"l2": 50.0}
    assert good["fingerprint"] == small_split.train.fingerprint
    assert good["metrics"] == {"NDCG@10": 0.25}
    assert "params.json is missing" in entries["no_params"]["error"]
    assert "not valid JSON" in entries["bad_json"]["error"]
    assert "arrays.npz is missing" in entries["no_arrays"]["error"]
    assert "unknown model 'no_such_model'" in entries["unknown"]["error"]
    assert list_saved_models(tmp_path / "nowhere") == []
    with pytest.raises(ModelError, match="unknown model 'no_such_model'"):
        load_model(root / "unknown")
    with pytest.raises(ModelError, match="not valid JSON"):
        load_model(root / "bad_json")
    with pytest.raises(ModelError, match="arrays.npz is missing"):
        load_model(root / "no_arrays")


def test_arrays_are_loaded_without_pickle(ease, small_split, tmp_path):
    folder = save_model(ease, tmp_path / "ease", train=small_split.train)
    arrays = dict(np.load(folder / "arrays.npz", allow_pickle=False))
    arrays["weights_"] = np.array([object()], dtype=object)
    np.savez(folder / "arrays.npz", **arrays)
    with pytest.raises(ModelError, match="arrays.npz: .* the file was cut or changed"):
        load_model(folder)
    # even with a matching checksum (a deliberate tamperer) the object array is refused unread
    info = json.loads((folder / "params.json").read_text())
    data = (folder / "arrays.npz").read_bytes()
    info["files"]["arrays.npz"] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    (folder / "params.json").write_text(json.dumps(info))
    with pytest.raises(ModelError, match="array 'weights_' has dtype object, expected float32"):
        load_model(folder)
