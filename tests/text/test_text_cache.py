"""Item embeddings and their disk cache: a hit returns the same array without encoding, the key
follows the texts and the model, a bad cache file is refused by name."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from fairrec_core.data import SyntheticSpec, generate_shop
from fairrec_core.errors import DataError
from fairrec_core.text import (
    CACHE_ENV,
    MODEL_FINGERPRINT,
    TextEncoder,
    cache_file,
    default_cache_dir,
    embedding_key,
    item_embeddings,
    item_texts,
    text_fingerprint,
)


@pytest.fixture(scope="module")
def shop():
    return generate_shop(SyntheticSpec(users=60, items=40, interactions=800, seed=4))


def _renamed(data, item: int, title: str) -> pd.DataFrame:
    items = data.items.copy()
    items.loc[item, "title"] = title
    return items


def test_real_embeddings_are_the_encoders_and_a_hit_loads_nothing(shop, encoder, tmp_path):
    steps = []
    first = item_embeddings(shop, encoder=encoder, cache_dir=tmp_path,
                            progress=lambda d, n: steps.append((d, n)))
    np.testing.assert_array_equal(first, encoder.encode(item_texts(shop)))
    assert first.shape == (shop.n_items, 384) and first.dtype == np.float32
    assert steps == [(shop.n_items, shop.n_items)]
    fresh = TextEncoder()  # a hit must not load the model
    again = item_embeddings(shop, encoder=fresh, cache_dir=tmp_path)
    np.testing.assert_array_equal(again, first)
    assert fresh._model is None
    key = f"{text_fingerprint(item_texts(shop))}-{MODEL_FINGERPRINT}"
    assert embedding_key(item_texts(shop), encoder) == key
    assert sorted(p.name for p in (tmp_path / "embeddings").iterdir()) == [f"{key}.npz"]


def test_a_hit_returns_the_same_array_without_encoding(shop, fake, tmp_path):
    first = item_embeddings(shop, encoder=fake, cache_dir=tmp_path)
    steps = []
    second = item_embeddings(shop, encoder=fake, cache_dir=tmp_path,
                             progress=lambda d, n: steps.append((d, n)))
    assert fake.calls == [shop.n_items]  # encoded once
    np.testing.assert_array_equal(first, second)
    assert second.dtype == np.float32 and second.flags.c_contiguous
    assert steps == [(shop.n_items, shop.n_items)]  # a hit still ends the progress bar


def test_the_key_changes_with_the_text_and_with_the_model(shop, fake, tmp_path):
    item_embeddings(shop, encoder=fake, cache_dir=tmp_path)
    changed = _renamed(shop, 3, "A different title")
    out = item_embeddings(changed, encoder=fake, cache_dir=tmp_path)
    assert fake.calls == [shop.n_items, shop.n_items]  # a new key: encoded again
    assert embedding_key(item_texts(changed), fake) != embedding_key(item_texts(shop), fake)
    np.testing.assert_array_equal(out, fake.encode(item_texts(changed)))
    fake.fingerprint = "another-model"
    item_embeddings(shop, encoder=fake, cache_dir=tmp_path)
    assert len(fake.calls) == 4 and len(list((tmp_path / "embeddings").iterdir())) == 3


@pytest.mark.parametrize("damage", ["garbage", "cut", "shape", "dtype", "key", "nan", "pickle",
                                    "extra"])
def test_a_bad_cache_file_is_refused_by_name(shop, fake, tmp_path, damage):
    texts = item_texts(shop)
    file = cache_file(tmp_path, embedding_key(texts, fake))
    good = item_embeddings(shop, encoder=fake, cache_dir=tmp_path)
    if damage == "garbage":
        file.write_bytes(b"not a zip file at all")
    elif damage == "cut":
        file.write_bytes(file.read_bytes()[:200])
    else:
        arrays = {"embeddings": good, "key": np.array(embedding_key(texts, fake))}
        if damage == "shape":
            arrays["embeddings"] = good[:-1]
        elif damage == "dtype":
            arrays["embeddings"] = good.astype(np.float64)
        elif damage == "key":
            arrays["key"] = np.array("someone-else")
        elif damage == "nan":
            arrays["embeddings"] = np.where(np.arange(len(good))[:, None] == 2, np.nan, good)
            arrays["embeddings"] = arrays["embeddings"].astype(np.float32)
        elif damage == "pickle":
            arrays["key"] = np.array([{"a": 1}], dtype=object)
        elif damage == "extra":
            arrays["more"] = np.zeros(3)
        with open(file, "wb") as f:
            np.savez(f, **arrays)
    with pytest.raises(DataError, match=f"{file.name}: not a valid embedding cache file .*"
                                        "delete it"):
        item_embeddings(shop, encoder=fake, cache_dir=tmp_path)
    assert fake.calls == [shop.n_items]  # refused, not silently recomputed


def test_default_folder_and_an_unwritable_one(shop, fake, tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "from-env"))
    assert default_cache_dir() == tmp_path / "from-env"
    item_embeddings(shop, encoder=fake)
    written = list((tmp_path / "from-env" / "embeddings").iterdir())
    assert len(written) == 1 and written[0].suffix == ".npz"  # no temporary file left
    monkeypatch.delenv(CACHE_ENV)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "fairrec"
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(DataError, match=f"cannot write the embedding cache .*set {CACHE_ENV}"):
        item_embeddings(shop, encoder=fake, cache_dir=blocker)
    assert os.path.isfile(blocker)


def test_an_encoder_returning_the_wrong_shape_is_refused(shop, fake, tmp_path):
    from fairrec_core.errors import ModelError

    fake.dim = 9  # it still returns 8 numbers per text
    with pytest.raises(ModelError, match=r"shape \(40, 8\), expected \(40, 9\)"):
        item_embeddings(shop, encoder=fake, cache_dir=tmp_path)
    assert not (tmp_path / "embeddings").exists() or not list((tmp_path / "embeddings").iterdir())
