"""Item and user features the re-rankers precompute once in ``fit``: category profiles, item
classes (an attribute's value per item), popularity bands and history distributions."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from fairrec_core.errors import DataError
from fairrec_core.metrics import POPULARITY_BANDS, category_combos, popularity_bands
from fairrec_core.metrics import history_distribution as metrics_history

#: Derived item attribute: "head" / "mid" / "tail" by training popularity (the audit's bands,
#: :func:`fairrec_core.metrics.popularity_bands`).
POPULARITY_BAND = "popularity_band"
#: Item columns that are never item attributes.
_NOT_ATTRIBUTES = {"item_id", "title", "description", "price", "popularity", "release_date"}


def item_attribute_names(items: pd.DataFrame) -> list[str]:
    """Item columns a re-ranker can use as an attribute, plus the derived ``popularity_band``."""
    names = [c for c in items.columns if c not in _NOT_ATTRIBUTES]
    return [*names, POPULARITY_BAND]


@dataclass(frozen=True)
class ItemClasses:
    """One value per item: ``codes[j]`` indexes ``values`` (single-valued attribute)."""

    attribute: str
    values: tuple[str, ...]
    codes: np.ndarray  # int64 [n_items]

    @property
    def n_classes(self) -> int:
        return len(self.values)


def item_classes(train, attribute: str, *, owner: str) -> ItemClasses:
    """The values of a single-valued item attribute (missing -> "Unknown"), or the popularity
    band computed from ``train``'s interactions."""
    if attribute == POPULARITY_BAND:
        return ItemClasses(attribute, POPULARITY_BANDS, popularity_bands(train.item_counts))
    items = train.items
    if attribute not in items.columns or attribute in _NOT_ATTRIBUTES:
        raise DataError(
            f"{owner}: unknown item attribute {attribute!r}; available: "
            f"{', '.join(item_attribute_names(items))}"
        )
    labels = items[attribute].astype("string").fillna("Unknown").astype(str).to_numpy()
    values, codes = np.unique(labels, return_inverse=True)
    return ItemClasses(attribute, tuple(values.tolist()), codes.astype(np.int64))


def binary_classes(classes: ItemClasses, value: str, *, owner: str) -> ItemClasses:
    """Two classes, 0 = other values, 1 = ``value``."""
    if value not in classes.values:
        raise DataError(
            f"{owner}: {classes.attribute} has no value {value!r}; values: "
            f"{', '.join(classes.values[:20])}{' ...' if len(classes.values) > 20 else ''}"
        )
    codes = (classes.codes == classes.values.index(value)).astype(np.int64)
    return ItemClasses(classes.attribute, (f"not {value}", value), codes)


@dataclass(frozen=True)
class CategoryProfiles:
    """Items' category distributions, grouped into distinct profiles.

    ``matrix[m]`` is profile ``m``'s distribution over ``categories`` (rows sum to 1; a multi-valued
    item spreads its mass evenly, as in Steck 2018); ``item_profile[j]`` is item ``j``'s profile.
    """

    attribute: str
    categories: tuple[str, ...]
    matrix: np.ndarray  # float64 [M, C]
    item_profile: np.ndarray  # int64 [n_items]

    @property
    def n_profiles(self) -> int:
        return self.matrix.shape[0]

    def item_matrix(self) -> np.ndarray:
        """Dense item x category distribution [n_items, C]."""
        return self.matrix[self.item_profile]


def category_profiles(train, attribute: str, *, owner: str) -> CategoryProfiles:
    """Category profiles of ``attribute``: "|"-joined values (like ``categories``) are split and
    spread evenly — the audit's own category mixes (:func:`fairrec_core.metrics.category_combos`)."""
    items = train.items
    if attribute not in items.columns or attribute in _NOT_ATTRIBUTES:
        raise DataError(
            f"{owner}: unknown item attribute {attribute!r}; available: "
            f"{', '.join(c for c in items.columns if c not in _NOT_ATTRIBUTES)}"
        )
    categories, matrix, item_profile = category_combos(items[attribute])
    return CategoryProfiles(attribute, categories, matrix, item_profile)


def history_distribution(train, profiles: CategoryProfiles) -> np.ndarray:
    """Per user index, the category distribution of the training history over ``profiles``'
    categories: the audit's :func:`fairrec_core.metrics.history_distribution` (each distinct
    history item weighing the same); all zeros for a user without history. [n_users, C]."""
    return metrics_history(train, sp.csr_matrix(profiles.matrix)[profiles.item_profile])


def user_group_codes(train, attribute: str, *, owner: str) -> tuple[tuple[str, ...], np.ndarray]:
    """Group labels and a code per user index for a user attribute."""
    if attribute not in train.users.columns or attribute in ("user_id",):
        raise DataError(
            f"{owner}: unknown user attribute {attribute!r}; available: "
            f"{', '.join(train.user_attributes)}"
        )
    labels = train.user_groups(attribute).to_numpy()
    values, codes = np.unique(labels, return_inverse=True)
    return tuple(values.tolist()), codes.astype(np.int64)
