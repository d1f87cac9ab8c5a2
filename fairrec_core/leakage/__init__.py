"""Attribute leakage: how well a user attribute (gender, age group...) can be predicted from a
model's user embeddings or from the users' recommendation lists — a cross-validated logistic
regression probe whose ROC AUC is 0.5 when nothing leaks.

``probe(features, labels)`` -> :class:`LeakageResult`; ``user_embeddings(model, users)`` and
``list_features(lists, n_items)`` build the features; ``leakage(model, data, lists, attribute)``
runs both and returns a small table. ``attribute_directions`` and ``project_out`` remove an
attribute's linear directions from embeddings (iterative nullspace projection).
"""

from fairrec_core.leakage._probe import INTERVAL_METHOD, LEVEL, LeakageResult, informative, probe
from fairrec_core.leakage._project import attribute_directions, project_out
from fairrec_core.leakage._sources import (
    COLUMNS,
    EMBEDDING_ARRAYS,
    embedding_array,
    leakage,
    list_features,
    user_embeddings,
)

__all__ = [
    "COLUMNS",
    "EMBEDDING_ARRAYS",
    "INTERVAL_METHOD",
    "LEVEL",
    "LeakageResult",
    "attribute_directions",
    "embedding_array",
    "informative",
    "leakage",
    "list_features",
    "probe",
    "project_out",
    "user_embeddings",
]
