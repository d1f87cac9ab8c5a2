"""Item texts and their sentence embeddings (issue 15): the text each item is described by,
the all-MiniLM-L6-v2 encoder loaded offline from its installed package with checked files, and
an on-disk cache of a dataset's item embeddings.

``item_embeddings(data)`` is what the models use (the two-tower model's ``item_text`` option
and :class:`~fairrec_core.models.TextALS`).
"""

from fairrec_core.text._cache import CACHE_ENV, cache_file, default_cache_dir
from fairrec_core.text._embeddings import embedding_key, item_embeddings
from fairrec_core.text._encoder import (
    CHECKSUMS,
    MODEL_FINGERPRINT,
    MODEL_NAME,
    TEXT_DIM,
    EncodeProgress,
    TextEncoder,
    model_path,
    verify_model_files,
)
from fairrec_core.text._texts import TEXT_COLUMNS, item_texts, text_fingerprint

__all__ = [
    "CACHE_ENV",
    "CHECKSUMS",
    "MODEL_FINGERPRINT",
    "MODEL_NAME",
    "TEXT_COLUMNS",
    "TEXT_DIM",
    "EncodeProgress",
    "TextEncoder",
    "cache_file",
    "default_cache_dir",
    "embedding_key",
    "item_embeddings",
    "item_texts",
    "model_path",
    "text_fingerprint",
    "verify_model_files",
]
