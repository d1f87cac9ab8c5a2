"""The sentence encoder: loaded offline from the installed package, its files checked against
the recorded checksums, and its embeddings those of sentence-transformers itself."""

from __future__ import annotations

import hashlib
import shutil

import numpy as np
import pytest

from fairrec_core.errors import ModelError
from fairrec_core.text import CHECKSUMS, TEXT_DIM, TextEncoder, model_path
from fairrec_core.text._encoder import PROGRESS_STEP
from tests.text.conftest import NetworkBlocked

TITLES = [
    "Toy Story (1995). Animation, Children's, Comedy.",
    "Toy Story 2 (1999). Animation, Children's, Comedy.",
    "Schindler's List (1993). Drama, War.",
    "Star Wars (1977). Action, Adventure, Sci-Fi.",
    "Return of the Jedi (1983). Action, Adventure, Sci-Fi.",
    "Sense and Sensibility (1995). Drama, Romance.",
]


def test_loads_offline_and_similar_titles_are_closer(offline, monkeypatch):
    encoder, attempts, env = offline
    assert attempts == []  # loading never tried to connect
    assert env == {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    blocked = NetworkBlocked(monkeypatch)
    e = encoder.encode(TITLES)
    assert blocked.attempts == []
    assert e.shape == (len(TITLES), TEXT_DIM) == (6, 384) and e.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(e, axis=1), 1.0, atol=1e-5)
    cos = e @ e.T
    assert cos[0, 1] > cos[0, 2] and cos[0, 1] > cos[0, 5]  # Toy Story 2, not Schindler's List
    assert cos[3, 4] > cos[3, 5] and cos[3, 4] > cos[3, 2]  # the Jedi, not Jane Austen
    assert cos[0, 1] > 0.8


def test_checksum_table_is_the_installed_files():
    folder = model_path()
    for name, expected in CHECKSUMS.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == expected, name
    assert "model.safetensors" in CHECKSUMS and "tokenizer.json" in CHECKSUMS


def _copy_model(tmp_path):
    """The model folder with its small files copied and the weights linked."""
    src, dst = model_path(), tmp_path / "model"
    for name in CHECKSUMS:
        (dst / name).parent.mkdir(parents=True, exist_ok=True)
        if name == "model.safetensors":
            (dst / name).symlink_to(src / name)
        else:
            shutil.copy(src / name, dst / name)
    return dst


def test_a_changed_or_missing_model_file_is_refused_by_name(tmp_path):
    folder = _copy_model(tmp_path)
    config = folder / "tokenizer_config.json"
    config.write_text(config.read_text().replace('"do_lower_case": true',
                                                 '"do_lower_case": false'))
    with pytest.raises(ModelError, match=r"tokenizer_config\.json: sha256 differs .*reinstall"):
        TextEncoder(path=folder).encode(["a title"])
    shutil.copy(model_path() / config.name, config)
    (folder / "vocab.txt").unlink()
    with pytest.raises(ModelError, match=r"vocab\.txt: missing"):
        TextEncoder(path=folder).load()


def test_a_copied_model_folder_with_the_right_files_encodes_the_same(tmp_path, encoder):
    copy = TextEncoder(path=_copy_model(tmp_path))
    np.testing.assert_array_equal(copy.encode(TITLES[:2]), encoder.encode(TITLES[:2]))


def test_encode_in_steps_equals_sentence_transformers_in_one_call(encoder):
    texts = [f"{TITLES[i % len(TITLES)]} Copy {i}." for i in range(PROGRESS_STEP + 20)]
    steps = []
    ours = encoder.encode(texts, progress=lambda done, total: steps.append((done, total)))
    theirs = encoder._model.encode(texts, batch_size=64, normalize_embeddings=True)
    np.testing.assert_allclose(ours, theirs, atol=1e-5)
    assert steps == [(PROGRESS_STEP, len(texts)), (len(texts), len(texts))]
    assert encoder.encode([]).shape == (0, TEXT_DIM)


def test_bad_batch_size_is_refused():
    with pytest.raises(ModelError, match="batch_size must be a positive integer"):
        TextEncoder(batch_size=0).load()
