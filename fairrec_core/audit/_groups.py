"""User groups: one code per user for each audited attribute and for intersections of two."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from fairrec_core.errors import DataError

#: Attributes audited when none are named (those the dataset has).
DEFAULT_GROUPS = ("gender", "age_group", "region")
#: At most this many user attributes are audited by default (their pairwise intersections too).
MAX_AUDITED_ATTRIBUTES = 4
#: Joins the names of intersected attributes and the labels of their groups.
INTERSECTION = " & "
#: Group labels that carry no information about the user (compared case-insensitively):
#: missing values (``Dataset.user_groups`` writes them as "Unknown"), "unspecified" and "U", the
#: demo shop's unspecified gender (data/README.md). Such groups are shown in every group table
#: but left out of gaps, ratios and tests unless ``include_uninformative``; an intersection group
#: is uninformative when any of its parts is.
UNINFORMATIVE = frozenset({"", "unknown", "unspecified", "not specified", "u", "missing", "nan",
                           "n/a", "prefer not to say"})


def is_uninformative(label: str) -> bool:
    """Whether a single attribute's group ``label`` is in :data:`UNINFORMATIVE`."""
    return str(label).strip().lower() in UNINFORMATIVE


@dataclass(frozen=True, eq=False)
class Grouping:
    """A partition of users: ``labels[codes[u]]`` is user index ``u``'s group.

    ``attribute`` is a user column ("gender") or two joined by " & " ("gender & age_group")
    for an intersection, whose labels are joined likewise ("F & 18-24").
    """

    attribute: str
    parts: tuple[str, ...]
    labels: tuple[str, ...]
    codes: np.ndarray  # int64 [n_users]
    #: per label: carries no information (:data:`UNINFORMATIVE`); empty = from the labels
    uninformative_labels: tuple[bool, ...] = ()

    @property
    def n_groups(self) -> int:
        return len(self.labels)

    @property
    def uninformative(self) -> np.ndarray:
        """bool per group: the label carries no information (for an intersection: any part)."""
        if self.uninformative_labels:
            return np.asarray(self.uninformative_labels, dtype=bool)
        return np.array([any(is_uninformative(p) for p in lab.split(INTERSECTION))
                         if self.is_intersection else is_uninformative(lab)
                         for lab in self.labels], dtype=bool)

    @property
    def is_intersection(self) -> bool:
        return len(self.parts) > 1


def _single(data, attribute: str) -> Grouping:
    labels = data.user_groups(attribute).to_numpy()
    column = data.users[attribute]
    present = set(labels.tolist())
    if isinstance(column.dtype, pd.CategoricalDtype):  # keep the column's order (age bands)
        order = [str(c) for c in column.cat.categories if str(c) in present]
    else:
        order = sorted(present - {"Unknown"})
    order += sorted(present - set(order))  # "Unknown" (and anything else) last
    index = {g: i for i, g in enumerate(order)}
    codes = np.fromiter((index[g] for g in labels), dtype=np.int64, count=len(labels))
    return Grouping(attribute, (attribute,), tuple(order), codes)


def _intersect(a: Grouping, b: Grouping) -> Grouping:
    combined = a.codes * b.n_groups + b.codes
    present, codes = np.unique(combined, return_inverse=True)
    labels = tuple(
        f"{a.labels[c // b.n_groups]}{INTERSECTION}{b.labels[c % b.n_groups]}" for c in present
    )
    flags = a.uninformative[present // b.n_groups] | b.uninformative[present % b.n_groups]
    return Grouping(
        f"{a.attribute}{INTERSECTION}{b.attribute}", a.parts + b.parts, labels,
        codes.astype(np.int64).ravel(), tuple(bool(f) for f in flags),
    )


def audited_attributes(data) -> list[str]:
    """The user attributes audited when none are named — the one rule of the app and the command
    line: those of :data:`DEFAULT_GROUPS` the dataset has, then its other groupable user attributes
    (``data.user_attributes``: e.g. MovieLens' occupation, any column of an uploaded users file),
    at most :data:`MAX_AUDITED_ATTRIBUTES`."""
    present = data.user_attributes
    ordered = [a for a in DEFAULT_GROUPS if a in present] + [a for a in present
                                                             if a not in DEFAULT_GROUPS]
    return ordered[:MAX_AUDITED_ATTRIBUTES]


def user_groupings(data, attributes=None, *, intersections: bool = True) -> list[Grouping]:
    """The groupings to audit: each attribute in ``attributes`` (default:
    :func:`audited_attributes`), then, with ``intersections``, every pair of them.

    An attribute the dataset does not have raises :class:`DataError`."""
    if attributes is None:
        attributes = audited_attributes(data)
    elif isinstance(attributes, str):
        attributes = [a.strip() for a in attributes.split(",") if a.strip()]
    attributes = list(dict.fromkeys(attributes))
    for attr in attributes:
        if attr not in data.users.columns or attr == "user_id":
            raise DataError(
                f"audit: unknown user attribute {attr!r}; available: "
                f"{', '.join(data.user_attributes) or 'none'}"
            )
    singles = [_single(data, a) for a in attributes]
    pairs = [_intersect(a, b) for a, b in combinations(singles, 2)] if intersections else []
    return singles + pairs


@dataclass(frozen=True, eq=False)
class GroupIndex:
    """The groupings restricted to the listed users, stacked side by side: grouping ``g``'s
    groups are columns ``offsets[g] .. offsets[g + 1]``; ``columns[r, g]`` is listed user
    ``r``'s column in grouping ``g`` and ``indicator`` the sparse ``[n_listed, n_columns]``
    0/1 matrix of the same."""

    groupings: tuple[Grouping, ...]
    offsets: np.ndarray  # int64 [n_groupings + 1]
    columns: np.ndarray  # int64 [n_listed, n_groupings]
    indicator: sp.csr_matrix

    @classmethod
    def build(cls, groupings, users: np.ndarray) -> GroupIndex:
        sizes = [g.n_groups for g in groupings]
        offsets = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
        n = len(users)
        columns = np.zeros((n, len(groupings)), dtype=np.int64)
        for j, g in enumerate(groupings):
            columns[:, j] = g.codes[users] + offsets[j]
        width = columns.shape[1]
        indicator = sp.csr_matrix(
            (np.ones(n * width), columns.ravel(), np.arange(n + 1) * width),
            shape=(n, int(offsets[-1])),
        )
        return cls(tuple(groupings), offsets, columns, indicator)

    @property
    def n_columns(self) -> int:
        return int(self.offsets[-1])

    def sums(self, values: np.ndarray) -> np.ndarray:
        """Per group column, the sum of ``values`` (``[n_listed, m]``) over its users:
        float64 ``[n_columns, m]``."""
        return np.asarray(self.indicator.T @ values)

    def group_slices(self):
        """``(grouping, slice of its columns)`` for every grouping."""
        for j, g in enumerate(self.groupings):
            yield g, slice(int(self.offsets[j]), int(self.offsets[j + 1]))
