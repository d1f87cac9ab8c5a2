"""Item embeddings of a dataset: computed once per (item texts, model) and kept on disk."""

from __future__ import annotations

import numpy as np

from fairrec_core.errors import ModelError
from fairrec_core.text._cache import (
    cache_file,
    default_cache_dir,
    read_embeddings,
    write_embeddings,
)
from fairrec_core.text._encoder import EncodeProgress, TextEncoder
from fairrec_core.text._texts import item_texts, text_fingerprint


def embedding_key(texts, encoder) -> str:
    """The cache key of ``texts`` embedded by ``encoder``: both fingerprints."""
    return f"{text_fingerprint(texts)}-{encoder.fingerprint}"


def item_embeddings(data, *, encoder=None, cache_dir=None,
                    progress: EncodeProgress | None = None) -> np.ndarray:
    """The embedding of every item's text (:func:`item_texts`) of a Dataset or an items table:
    float32 ``[n_items, encoder.dim]``, row ``j`` = item index ``j``.

    Read from ``cache_dir`` (default :func:`default_cache_dir`) when these texts were embedded
    by this model before; else ``encoder`` (default a new :class:`TextEncoder`, loaded only
    then) encodes them, calling ``progress(done, total)``, and the result is stored there. A
    cache hit reports ``progress(total, total)`` once."""
    texts = item_texts(data)
    encoder = encoder if encoder is not None else TextEncoder()
    key = embedding_key(texts, encoder)
    file = cache_file(cache_dir if cache_dir is not None else default_cache_dir(), key)
    shape = (len(texts), int(encoder.dim))
    if file.is_file():
        out = read_embeddings(file, key, shape)
        if progress is not None:
            progress(len(texts), len(texts))
        return out
    out = np.ascontiguousarray(encoder.encode(texts, progress=progress), dtype=np.float32)
    if out.shape != shape:  # an encoder that breaks its contract
        raise ModelError(f"text encoder returned embeddings of shape {out.shape}, expected "
                         f"{shape}")
    write_embeddings(file, key, out)
    return out
