"""The dataset model: users, items and interactions over two vocabularies."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
import scipy.sparse as sp

from fairrec_core.data._vocab import Vocabulary
from fairrec_core.errors import DataError

#: Lower edges of the default age bands; labels are "<18", "18-24", ..., "65+".
DEFAULT_AGE_EDGES: tuple[int, ...] = (18, 25, 35, 45, 55, 65)

#: User columns that are never offered as groups (ids, raw numbers, free text).
_NON_GROUP_USER_COLUMNS = {"user_id", "age", "zip_code", "zip"}
#: Item columns offered as item attributes for parity and exposure when present.
ITEM_GROUP_COLUMNS = ("category", "brand", "brand_tier", "price_band")
#: A user column with more distinct values than this is not offered as a group.
MAX_GROUP_VALUES = 60


def age_bands(edges=DEFAULT_AGE_EDGES) -> list[str]:
    """Labels of the ordered age bands defined by ``edges`` (lower bounds)."""
    edges = list(edges)
    labels = [f"<{edges[0]}"]
    labels += [f"{lo}-{hi - 1}" for lo, hi in zip(edges[:-1], edges[1:], strict=True)]
    labels.append(f"{edges[-1]}+")
    return labels


def age_group(age, edges=DEFAULT_AGE_EDGES) -> pd.Categorical:
    """Bucket ages into ordered bands; missing ages become NaN (shown as "Unknown" by callers)."""
    edges = list(edges)
    if sorted(edges) != edges or len(set(edges)) != len(edges):
        raise DataError(f"age bands: edges must be strictly increasing, got {edges}")
    bins = [-np.inf, *edges, np.inf]
    return pd.cut(pd.Series(age, dtype="float64"), bins=bins, right=False, labels=age_bands(edges))


@dataclass(frozen=True, eq=False)
class Dataset:
    """Users, items and interactions, immutable once built.

    - ``users``: one row per user, row ``i`` is user index ``i``; column ``user_id`` holds the
      original id, then ``gender``, ``age``, ``age_group``, ``region`` and any other attribute.
    - ``items``: row ``j`` is item index ``j``; ``item_id``, ``title``, ``category`` and, where the
      source has them, ``categories`` ("|"-joined), ``brand``, ``brand_tier``, ``price``,
      ``price_band``, and ``popularity`` (interactions in the loaded data).
    - ``interactions``: columns ``user``, ``item`` (indices), ``value``, ``timestamp`` and optional
      ``event``. One row per (user, item) pair.

    Build one with :func:`build_dataset`; a split shares ``users`` and ``items`` with its parent.
    """

    name: str
    users: pd.DataFrame
    items: pd.DataFrame
    interactions: pd.DataFrame
    warnings: tuple[str, ...] = field(default=())

    # ---- sizes and vocabularies -------------------------------------------------------------
    @property
    def n_users(self) -> int:
        return len(self.users)

    @property
    def n_items(self) -> int:
        return len(self.items)

    @property
    def n_interactions(self) -> int:
        return len(self.interactions)

    @property
    def density(self) -> float:
        return self.n_interactions / max(1, self.n_users * self.n_items)

    @cached_property
    def user_vocab(self) -> Vocabulary:
        return Vocabulary(self.users["user_id"], name="user_id")

    @cached_property
    def item_vocab(self) -> Vocabulary:
        return Vocabulary(self.items["item_id"], name="item_id")

    # ---- matrices --------------------------------------------------------------------------
    @cached_property
    def matrix(self) -> sp.csr_matrix:
        """User x item CSR matrix of interaction values (float32), read-only."""
        inter = self.interactions
        m = sp.csr_matrix(
            (
                inter["value"].to_numpy(np.float32),
                (inter["user"].to_numpy(np.int64), inter["item"].to_numpy(np.int64)),
            ),
            shape=(self.n_users, self.n_items),
            dtype=np.float32,
        )
        m.sort_indices()
        for arr in (m.data, m.indices, m.indptr):
            arr.flags.writeable = False
        return m

    @cached_property
    def user_counts(self) -> np.ndarray:
        """Interactions per user index."""
        return np.bincount(self.interactions["user"].to_numpy(), minlength=self.n_users)

    @cached_property
    def item_counts(self) -> np.ndarray:
        """Interactions per item index (popularity in *this* dataset, e.g. a training split)."""
        return np.bincount(self.interactions["item"].to_numpy(), minlength=self.n_items)

    def user_sequences(self) -> list[np.ndarray]:
        """Each user's item indices in chronological order (ties keep file order)."""
        inter = self.interactions.sort_values(["user", "timestamp"], kind="stable")
        items = inter["item"].to_numpy()
        bounds = np.searchsorted(inter["user"].to_numpy(), np.arange(self.n_users + 1))
        return [items[bounds[u] : bounds[u + 1]] for u in range(self.n_users)]

    # ---- identity --------------------------------------------------------------------------
    @cached_property
    def fingerprint(self) -> str:
        """Content hash of ids and interactions: a model trained on other data is refused."""
        h = hashlib.sha256()
        h.update("\x1f".join(map(str, self.users["user_id"])).encode())
        h.update(b"\x1e")
        h.update("\x1f".join(map(str, self.items["item_id"])).encode())
        inter = self.interactions
        for col, dtype in (("user", np.int64), ("item", np.int64), ("value", np.float64)):
            h.update(np.ascontiguousarray(inter[col].to_numpy(dtype)).tobytes())
        return h.hexdigest()[:16]

    # ---- attributes ------------------------------------------------------------------------
    @property
    def user_attributes(self) -> list[str]:
        """User columns usable as groups (categorical with a manageable number of values)."""
        out = []
        for col in self.users.columns:
            if col in _NON_GROUP_USER_COLUMNS:
                continue
            s = self.users[col]
            if pd.api.types.is_float_dtype(s) and not isinstance(s.dtype, pd.CategoricalDtype):
                continue
            if 1 < s.nunique(dropna=True) <= MAX_GROUP_VALUES:
                out.append(col)
        return out

    @property
    def item_attributes(self) -> list[str]:
        """Item columns usable for parity and exposure (category, brand, tier, price band)."""
        return [c for c in ITEM_GROUP_COLUMNS if c in self.items.columns]

    def user_groups(self, attribute: str) -> pd.Series:
        """Group label per user index as strings, missing values as "Unknown"."""
        if attribute not in self.users.columns:
            raise DataError(
                f"unknown user attribute {attribute!r}; available: {', '.join(self.user_attributes)}"
            )
        return self.users[attribute].astype("string").fillna("Unknown").astype(str)

    # ---- derived datasets ------------------------------------------------------------------
    def with_interactions(self, interactions: pd.DataFrame, *, name: str | None = None) -> Dataset:
        """A dataset with the same users and items and other interactions (used by splits)."""
        return Dataset(
            name=name or self.name,
            users=self.users,
            items=self.items,
            interactions=interactions.reset_index(drop=True),
            warnings=self.warnings,
        )

    def describe(self) -> dict:
        """Sizes and the users and interactions per group, for `data describe` and the Data page."""
        per_user = self.user_counts
        out = {
            "name": self.name,
            "users": self.n_users,
            "items": self.n_items,
            "interactions": self.n_interactions,
            "density": self.density,
            "groups": {},
        }
        for attr in self.user_attributes:
            groups = self.user_groups(attr)
            frame = pd.DataFrame({"group": groups.to_numpy(), "n": per_user})
            agg = frame.groupby("group", sort=True)["n"].agg(["size", "sum"])
            out["groups"][attr] = {
                str(g): {"users": int(r["size"]), "interactions": int(r["sum"])}
                for g, r in agg.iterrows()
            }
        return out

    def __repr__(self) -> str:
        return (
            f"Dataset({self.name!r}, users={self.n_users}, items={self.n_items}, "
            f"interactions={self.n_interactions})"
        )
