"""ALS with cold-start items served from their content: a ridge map from item features to the
ALS item factors and biases, fitted on the items with training interactions, gives the items
without any (new items) their factors and bias (in the manner of Gantner et al. 2010, "Learning
Attribute-to-Feature Mappings for Cold-Start Recommendations", with a ridge map).

The features are the items' text embeddings (all-MiniLM-L6-v2 over title, genres or category
and description, :mod:`fairrec_core.text`) or, as the baseline of the same form, a one-hot of
their category (every genre of a multi-genre item). Items with training interactions keep
their ALS factors: for them the model scores exactly as :class:`ALS` with the same parameters.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from fairrec_core.errors import ModelError
from fairrec_core.models._als import ALS
from fairrec_core.models._base import Progress
from fairrec_core.models._ridge import apply_map, ridge_map

NO_WARM = "textals: needs at least two items with training interactions to learn the map"


def category_onehot(items) -> np.ndarray:
    """float64 ``[n_items, n_categories]``: 1 for each of an item's categories ("|"-joined
    ``categories`` where present, else ``category``; missing = "Unknown")."""
    from fairrec_core.metrics import category_matrix

    column = "categories" if "categories" in items.columns else "category"
    if column not in items.columns:
        raise ModelError("textals: features='category' needs a category column in the items")
    labels = items[column].astype("string").fillna("Unknown").astype(str)
    _, matrix = category_matrix(labels)
    return (matrix.toarray() > 0).astype(np.float64)


class TextALS(ALS):
    """:class:`ALS` whose cold items (no training interactions) get factors and a bias from
    their content. ``features``: ``"text"`` (text embeddings) or ``"category"`` (category
    one-hot); ``ridge``: the map's L2 penalty (> 0). Every other parameter is ALS's.

    The text embeddings come from the cache of :mod:`fairrec_core.text` (folder
    ``$FAIRREC_CACHE``, default ``~/.cache/fairrec``) or are computed once and stored there.
    Learned besides ALS's arrays: ``feature_map_`` (``[d + 1, factors + 1]``: the ridge map
    to the factors and the bias, its last row the intercept) and ``cold_items_`` (the items
    served by the map)."""

    name = "textals"
    FEATURES: ClassVar[tuple[str, ...]] = ("text", "category")
    _arrays = ALS._arrays + ("feature_map_", "cold_items_")
    _array_shapes = {
        **ALS._array_shapes,
        "feature_map_": (("map_rows", "map_columns"), "float32", None),
        "cold_items_": (("cold_items",), "int64", "items"),
    }

    def __init__(
        self,
        features: str = "text",
        ridge: float = 1.0,
        factors: int = 64,
        reg: float = 40.0,
        alpha: float = 5.0,
        iterations: int = 15,
        cg_steps: int = 3,
        validation: float = 0.05,
        patience: int = 3,
        fairness: str = "none",
        fairness_weight: float = 0.0,
        fairness_attr: str = "gender",
        leakage_attr: str = "",
        leakage_rounds: int = 4,
        random_state: int = 42,
    ):
        super().__init__(
            factors=factors, reg=reg, alpha=alpha, iterations=iterations, cg_steps=cg_steps,
            validation=validation, patience=patience, fairness=fairness,
            fairness_weight=fairness_weight, fairness_attr=fairness_attr,
            leakage_attr=leakage_attr, leakage_rounds=leakage_rounds, random_state=random_state,
        )
        self.features = features
        self.ridge = ridge

    def _check_params(self) -> None:
        super()._check_params()
        if self.features not in self.FEATURES:
            raise ModelError(f"textals: features must be one of {', '.join(self.FEATURES)}, "
                             f"got {self.features!r}")
        try:
            ok = np.isfinite(float(self.ridge)) and float(self.ridge) > 0
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise ModelError(f"textals: ridge must be a positive number, got {self.ridge!r}")

    def _check_loaded(self) -> str | None:
        if self.feature_map_.shape[1] != int(self.factors) + 1:
            return (f"feature_map_ has {self.feature_map_.shape[1]} columns for "
                    f"{self.factors} factors and the bias")
        if len(np.unique(self.cold_items_)) != len(self.cold_items_):
            return "cold_items_ names an item twice"
        return None

    def _state(self):  # ALS's early-stopping snapshot: the ALS arrays only
        return tuple(getattr(self, a).copy() for a in ALS._arrays)

    def _set_state(self, state) -> None:
        for a, v in zip(ALS._arrays, state, strict=True):
            setattr(self, a, v)

    def content_features(self, train, progress=None) -> np.ndarray:
        """The features the map reads for every item of ``train`` (float64 ``[n_items, d]``)."""
        if self.features == "category":
            return category_onehot(train.items)
        from fairrec_core.text import item_embeddings

        total = int(self.iterations)

        def report(done: int, n: int) -> None:
            if progress is not None:
                progress(Progress(0, total, None, None, f"embedding item texts {done}/{n}"))

        return item_embeddings(train, progress=report).astype(np.float64)

    def _fit(self, train, progress) -> None:
        x = self.content_features(train, progress)  # first: bad item data fails before training
        warm = train.item_counts > 0
        if warm.sum() < 2:
            raise ModelError(NO_WARM)
        super()._fit(train, progress)
        y = np.hstack([self.item_factors_, self.item_bias_[:, None]]).astype(np.float64)
        stacked = ridge_map(x[warm], y[warm], float(self.ridge))
        cold = np.flatnonzero(~warm)
        guess = apply_map(x[cold], stacked).astype(np.float32)
        self.item_factors_ = self.item_factors_.copy()
        self.item_bias_ = self.item_bias_.copy()
        self.item_factors_[cold] = guess[:, :-1]
        self.item_bias_[cold] = guess[:, -1]
        self.feature_map_ = stacked.astype(np.float32)
        self.cold_items_ = cold.astype(np.int64)
